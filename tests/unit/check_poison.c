/* Unit tests for agent/dns feeding agent/names as the agent does: crafted answers neither poison nor grow the name cache. */
/*
 * The attacker writes the DNS responses (any resolver can be made to fetch
 * a zone they control, and on a shared link they can be injected): answers
 * for names never asked, huge TTLs, thousands of records, CNAME chains that
 * loop or branch. What must hold, whatever they send:
 *
 * - the cache never maps an address to a name unless some answer gave that
 *   address for that name, as its question or along the CNAME chain from
 *   the question (test_unasked_names, test_cname_loops_branches, and the
 *   ground truth of test_random_answers);
 * - a name learned from an answer is gone by NAME_TTL_MAX after the last
 *   answer that gave it (test_huge_ttl);
 * - neither the entry count nor the heap grows with what is sent
 *   (test_thousands_of_records, test_random_answers).
 *
 * learn() below is agent.c's learn_dns step for step; keep them in sync.
 */
#include <check.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/dns.h"
#include "agent/names.h"

/* What agent.c gives its cache: NAME_CACHE_SIZE, NAME_TTL_MIN, NAME_TTL_MAX. */
#define AGENT_CACHE_SIZE	65536
#define AGENT_TTL_MIN		60
#define AGENT_TTL_MAX		86400

#define MSG_LIMIT	65535	/* the largest message TCP's length can say */
#define MSG_CAP		(MSG_LIMIT + 64)

#define T_A	1
#define T_CNAME	5
#define T_TXT	16
#define T_AAAA	28
#define C_IN	1
#define C_CH	3

#define F_RESPONSE	0x8180	/* QR, RD, RA; opcode 0, rcode 0 */
#define F_TC		0x0200
#define F_QUERY		0x0100
#define F_NXDOMAIN	0x8183

#define NOW0	INT64_C(1000000000)	/* an arbitrary capture time, seconds */

/* ---- the agent's path ------------------------------------------------- */

/*
 * agent.c learn_dns: a TCP payload starts with the message's 2-byte length
 * (RFC 7766) and a message split over segments is not learned (returned
 * here as DNS_NONE); every address of a DNS_OK answer is put under the
 * question's name with its own TTL, at the capture's time in seconds.
 */
static enum dns_status
learn(struct name_cache *c, const uint8_t *payload, size_t caplen, int tcp,
    int64_t now, struct dns_answer *ans)
{
	const uint8_t *m = payload;
	size_t len = caplen;
	enum dns_status st;

	ans->qname[0] = '\0';
	ans->n_addrs = 0;
	if (tcp) {
		size_t msglen;

		if (len < 2)
			return DNS_NONE;
		msglen = (size_t)m[0] << 8 | m[1];
		m += 2;
		len -= 2;
		if (msglen > len)
			return DNS_NONE;
		len = msglen;
	}
	st = dns_parse_response(m, len, ans);
	if (st == DNS_OK)
		for (size_t i = 0; i < ans->n_addrs; i++)
			name_cache_put(c, &ans->addrs[i].addr, ans->qname,
			    ans->addrs[i].ttl, now);
	return st;
}

/* ---- messages --------------------------------------------------------- */

/*
 * A message is assembled front to back: the header, the question at
 * offset 12, then records; counts are patched in at the end. Names are
 * written whole or as a first label and a compression pointer, so that
 * thousands of records fit in one message.
 */
struct msg {
	uint8_t b[MSG_CAP];
	size_t n;
	size_t q_end;		/* offset after the question */
};

static void
put8(struct msg *m, uint8_t v)
{
	if (m->n >= MSG_CAP)
		ck_abort_msg("message builder overflow");
	m->b[m->n++] = v;
}

static void
put16(struct msg *m, uint16_t v)
{
	put8(m, (uint8_t)(v >> 8));
	put8(m, (uint8_t)v);
}

static void
put32(struct msg *m, uint32_t v)
{
	put16(m, (uint16_t)(v >> 16));
	put16(m, (uint16_t)v);
}

static void
set16(struct msg *m, size_t off, uint16_t v)
{
	m->b[off] = (uint8_t)(v >> 8);
	m->b[off + 1] = (uint8_t)v;
}

static void
label(struct msg *m, const char *s, size_t len)
{
	put8(m, (uint8_t)len);
	for (size_t i = 0; i < len; i++)
		put8(m, (uint8_t)s[i]);
}

/* "a.b.c" as its labels and the root label; returns where it starts. */
static size_t
name_full(struct msg *m, const char *s)
{
	size_t at = m->n;
	const char *dot;

	while (*s != '\0') {
		dot = strchr(s, '.');
		if (dot == NULL)
			dot = s + strlen(s);
		label(m, s, (size_t)(dot - s));
		s = *dot == '.' ? dot + 1 : dot;
	}
	put8(m, 0);
	return at;
}

/* A pointer to the name at off (RFC 1035 4.1.4). */
static size_t
name_ptr(struct msg *m, size_t off)
{
	size_t at = m->n;

	put16(m, (uint16_t)(0xc000 | off));
	return at;
}

/* One label, then a pointer to the rest of the name at off. */
static size_t
name_label_ptr(struct msg *m, const char *first, size_t off)
{
	size_t at = m->n;

	label(m, first, strlen(first));
	name_ptr(m, off);
	return at;
}

/* The header and the question (QTYPE A, QCLASS IN); counts come later. */
static void
msg_start(struct msg *m, uint16_t flags, const char *qname)
{
	m->n = 0;
	put16(m, 0x1234);
	put16(m, flags);
	put16(m, 1);
	put16(m, 0);
	put16(m, 0);
	put16(m, 0);
	name_full(m, qname);
	put16(m, T_A);
	put16(m, C_IN);
	m->q_end = m->n;
}

static void
msg_counts(struct msg *m, uint16_t an, uint16_t ns, uint16_t ar)
{
	set16(m, 6, an);
	set16(m, 8, ns);
	set16(m, 10, ar);
}

/* TYPE, CLASS, TTL and a RDLENGTH to patch; returns where RDLENGTH is. */
static size_t
rr_head(struct msg *m, uint16_t type, uint16_t class, uint32_t ttl)
{
	size_t at;

	put16(m, type);
	put16(m, class);
	put32(m, ttl);
	at = m->n;
	put16(m, 0);
	return at;
}

static void
rr_done(struct msg *m, size_t rdlen_at)
{
	set16(m, rdlen_at, (uint16_t)(m->n - rdlen_at - 2));
}

static void
put_addr(struct msg *m, const struct ipaddr *a)
{
	if (ipaddr_is_v4(a)) {
		for (int i = 0; i < 4; i++)
			put8(m, ipaddr_v4(a)[i]);
	} else {
		for (int i = 0; i < 16; i++)
			put8(m, a->b[i]);
	}
}

/* An A or AAAA record (by the address's family) whose owner is already written. */
static void
rr_addr(struct msg *m, uint16_t class, uint32_t ttl, const struct ipaddr *a)
{
	size_t at = rr_head(m, ipaddr_is_v4(a) ? T_A : T_AAAA, class, ttl);

	put_addr(m, a);
	rr_done(m, at);
}

/* A CNAME record whose owner is already written; the target is whole. */
static void
rr_cname(struct msg *m, uint32_t ttl, const char *target)
{
	size_t at = rr_head(m, T_CNAME, C_IN, ttl);

	name_full(m, target);
	rr_done(m, at);
}

static struct ipaddr
A(const char *s)
{
	struct ipaddr a;

	ck_assert_msg(ipaddr_parse(s, &a) == 0, "cannot parse \"%s\"", s);
	return a;
}

static struct name_cache *
agent_cache(void)
{
	struct name_cache *c = name_cache_new(AGENT_CACHE_SIZE, AGENT_TTL_MIN,
	    AGENT_TTL_MAX);

	ck_assert_ptr_nonnull(c);
	return c;
}

static struct name_cache_stats
stats(const struct name_cache *c)
{
	struct name_cache_stats st;

	name_cache_get_stats(c, &st);
	return st;
}

/* The name cached for s at now, or NULL. */
static const char *
cached(struct name_cache *c, const char *s, int64_t now)
{
	struct ipaddr a = A(s);

	return name_cache_get(c, &a, now);
}

static struct msg M;	/* 64 KiB: not on the stack */

/* ---- 1: names never asked --------------------------------------------- */

/*
 * The e2e case names-poison: asked innocent.example, the answer also says
 * api.stripe.example is 198.51.100.7. Then every other way to slip an
 * address in under a name: lookalike owners, owners that print like the
 * question, a record for an already known name, an unasked alias of the
 * question, the other sections, and messages that are not answers at all.
 */
START_TEST(test_unasked_names)
{
	struct name_cache *c = agent_cache();
	struct dns_answer ans;
	struct ipaddr a;
	size_t sfx, q;
	uint64_t learned;

	/* The question's records and one for a name never asked. */
	msg_start(&M, F_RESPONSE, "innocent.example");
	name_ptr(&M, 12);
	a = A("192.0.2.99");
	rr_addr(&M, C_IN, 60, &a);
	name_full(&M, "api.stripe.example");
	a = A("198.51.100.7");
	rr_addr(&M, C_IN, 999999, &a);
	msg_counts(&M, 2, 0, 0);
	ck_assert_int_eq(learn(c, M.b, M.n, 0, NOW0, &ans), DNS_OK);
	ck_assert_uint_eq(ans.n_addrs, 1);
	ck_assert_uint_eq(ans.skipped, 1);
	ck_assert_str_eq(cached(c, "192.0.2.99", NOW0), "innocent.example");
	ck_assert_ptr_null(cached(c, "198.51.100.7", NOW0));

	/* Only other names' records: nothing to learn at all. */
	learned = stats(c).learned;
	msg_start(&M, F_RESPONSE, "innocent.example");
	sfx = 12 + 1 + strlen("innocent");
	name_label_ptr(&M, "api", sfx);			/* api.example */
	a = A("198.51.100.8");
	rr_addr(&M, C_IN, 300, &a);
	name_full(&M, "innocent.example.evil");		/* longer */
	a = A("198.51.100.9");
	rr_addr(&M, C_IN, 300, &a);
	name_label_ptr(&M, "xinnocent", sfx);		/* a prefix more */
	a = A("198.51.100.10");
	rr_addr(&M, C_IN, 300, &a);
	name_ptr(&M, sfx);				/* the parent, example */
	a = A("198.51.100.11");
	rr_addr(&M, C_IN, 300, &a);
	/* One label "innocent.example": prints as the question, is not it. */
	label(&M, "innocent.example", 16);
	put8(&M, 0);
	a = A("2001:db8:1::11");
	rr_addr(&M, C_IN, 300, &a);
	/* "innocent\0x.example": a C string would read "innocent". */
	label(&M, "innocent\0x", 10);
	name_ptr(&M, sfx);
	a = A("2001:db8:1::12");
	rr_addr(&M, C_IN, 300, &a);
	msg_counts(&M, 6, 0, 0);
	ck_assert_int_eq(learn(c, M.b, M.n, 0, NOW0, &ans), DNS_NONE);
	ck_assert_uint_eq(ans.skipped, 6);
	ck_assert_uint_eq(stats(c).learned, learned);
	ck_assert_ptr_null(cached(c, "198.51.100.8", NOW0));
	ck_assert_ptr_null(cached(c, "198.51.100.9", NOW0));
	ck_assert_ptr_null(cached(c, "198.51.100.10", NOW0));
	ck_assert_ptr_null(cached(c, "198.51.100.11", NOW0));
	ck_assert_ptr_null(cached(c, "2001:db8:1::11", NOW0));
	ck_assert_ptr_null(cached(c, "2001:db8:1::12", NOW0));

	/* A question that prints like a name but is one label: not learned. */
	M.n = 0;
	put16(&M, 0x1234);
	put16(&M, F_RESPONSE);
	put16(&M, 1);
	put16(&M, 1);
	put16(&M, 0);
	put16(&M, 0);
	label(&M, "bank.example", 12);
	put8(&M, 0);
	put16(&M, T_A);
	put16(&M, C_IN);
	name_ptr(&M, 12);
	a = A("203.0.113.66");
	rr_addr(&M, C_IN, 300, &a);
	ck_assert_int_eq(learn(c, M.b, M.n, 0, NOW0, &ans), DNS_NONE);
	ck_assert_ptr_null(cached(c, "203.0.113.66", NOW0));

	/* A known name's address, re-served under another question. */
	msg_start(&M, F_RESPONSE, "bank.example");
	name_ptr(&M, 12);
	a = A("203.0.113.5");
	rr_addr(&M, C_IN, 3600, &a);
	msg_counts(&M, 1, 0, 0);
	ck_assert_int_eq(learn(c, M.b, M.n, 0, NOW0, &ans), DNS_OK);
	msg_start(&M, F_RESPONSE, "evil.example");
	sfx = 12 + 1 + strlen("evil");
	q = name_label_ptr(&M, "bank", sfx);		/* bank.example */
	rr_cname(&M, 3600, "evil.example");		/* an unasked alias */
	name_ptr(&M, q);
	a = A("203.0.113.5");
	rr_addr(&M, C_IN, 3600, &a);
	name_label_ptr(&M, "www", q);			/* www.bank.example */
	rr_addr(&M, C_IN, 3600, &a);
	msg_counts(&M, 3, 0, 0);
	ck_assert_int_eq(learn(c, M.b, M.n, 0, NOW0 + 1, &ans), DNS_NONE);
	ck_assert_str_eq(cached(c, "203.0.113.5", NOW0 + 1), "bank.example");

	/* An unasked name aliased to the question lends it nothing. */
	msg_start(&M, F_RESPONSE, "evil.example");
	name_full(&M, "api.stripe.example");
	rr_cname(&M, 300, "evil.example");
	name_full(&M, "api.stripe.example");
	a = A("198.51.100.7");
	rr_addr(&M, C_IN, 300, &a);
	name_ptr(&M, 12);
	a = A("192.0.2.66");
	rr_addr(&M, C_IN, 300, &a);
	msg_counts(&M, 3, 0, 0);
	ck_assert_int_eq(learn(c, M.b, M.n, 0, NOW0, &ans), DNS_OK);
	ck_assert_uint_eq(ans.n_addrs, 1);
	ck_assert_ptr_null(cached(c, "198.51.100.7", NOW0));
	ck_assert_str_eq(cached(c, "192.0.2.66", NOW0), "evil.example");

	/* The question's name in the authority and additional sections. */
	learned = stats(c).learned;
	msg_start(&M, F_RESPONSE, "innocent.example");
	name_ptr(&M, 12);
	a = A("198.51.100.20");
	rr_addr(&M, C_IN, 300, &a);
	name_ptr(&M, 12);
	a = A("2001:db8:1::20");
	rr_addr(&M, C_IN, 300, &a);
	msg_counts(&M, 0, 1, 1);
	ck_assert_int_eq(learn(c, M.b, M.n, 0, NOW0, &ans), DNS_NONE);
	ck_assert_uint_eq(ans.skipped, 2);
	ck_assert_uint_eq(stats(c).learned, learned);

	/* The right owner, but class CH, or a 16-byte "A". */
	msg_start(&M, F_RESPONSE, "innocent.example");
	name_ptr(&M, 12);
	a = A("198.51.100.21");
	rr_addr(&M, C_CH, 300, &a);
	name_ptr(&M, 12);
	{
		size_t at = rr_head(&M, T_A, C_IN, 300);

		a = A("2001:db8:1::21");
		put_addr(&M, &a);
		rr_done(&M, at);
	}
	msg_counts(&M, 2, 0, 0);
	ck_assert_int_eq(learn(c, M.b, M.n, 0, NOW0, &ans), DNS_NONE);
	ck_assert_ptr_null(cached(c, "198.51.100.21", NOW0));
	ck_assert_ptr_null(cached(c, "2001:db8:1::21", NOW0));

	/* Not answers: a query, an NXDOMAIN, both carrying an A record. */
	msg_start(&M, F_QUERY, "innocent.example");
	name_ptr(&M, 12);
	a = A("198.51.100.22");
	rr_addr(&M, C_IN, 300, &a);
	msg_counts(&M, 1, 0, 0);
	ck_assert_int_eq(learn(c, M.b, M.n, 0, NOW0, &ans), DNS_NONE);
	set16(&M, 2, F_NXDOMAIN);
	ck_assert_int_eq(learn(c, M.b, M.n, 0, NOW0, &ans), DNS_NONE);
	ck_assert_ptr_null(cached(c, "198.51.100.22", NOW0));
	ck_assert_uint_eq(stats(c).learned, learned);
	name_cache_free(c);
}
END_TEST

/* ---- 2: huge TTLs ----------------------------------------------------- */

/* One answer for qname: A/AAAA addr with ttl, optionally behind a CNAME. */
static void
one_answer(struct msg *m, const char *qname, const char *cname,
    uint32_t cname_ttl, const char *addr, uint32_t ttl)
{
	struct ipaddr a = A(addr);
	size_t t = 12;

	msg_start(m, F_RESPONSE, qname);
	if (cname != NULL) {
		name_ptr(m, 12);
		t = m->n + 10;		/* the target, after the CNAME's fixed part */
		rr_cname(m, cname_ttl, cname);
	}
	name_ptr(m, t);
	rr_addr(m, C_IN, ttl, &a);
	msg_counts(m, cname != NULL ? 2 : 1, 0, 0);
}

/* Learned at now, still known just before until, gone from until on. */
static void
check_lifetime(struct name_cache *c, const char *addr, const char *name,
    int64_t now, int64_t until)
{
	const char *n;

	n = cached(c, addr, now);
	ck_assert_ptr_nonnull(n);
	ck_assert_str_eq(n, name);
	n = cached(c, addr, until - 1);
	ck_assert_msg(n != NULL && strcmp(n, name) == 0,
	    "%s gone before %lld", addr, (long long)until);
	ck_assert_ptr_null(cached(c, addr, until));
}

START_TEST(test_huge_ttl)
{
	struct name_cache *c = agent_cache();
	struct name_cache_stats st;
	struct dns_answer ans;
	char addr[IPADDR_STRLEN];
	int64_t t;
	uint32_t i;

	/* 2^31 - 1: the largest TTL RFC 2181 allows, clamped to a day. */
	one_answer(&M, "pin.example", NULL, 0, "198.51.100.30", 0x7fffffff);
	ck_assert_int_eq(learn(c, M.b, M.n, 0, NOW0, &ans), DNS_OK);
	ck_assert_uint_eq(ans.addrs[0].ttl, 0x7fffffff);
	check_lifetime(c, "198.51.100.30", "pin.example", NOW0,
	    NOW0 + AGENT_TTL_MAX);

	/* The top bit set means 0 (RFC 2181 8): the 60-second floor. */
	one_answer(&M, "pin.example", NULL, 0, "198.51.100.31", 0xffffffff);
	ck_assert_int_eq(learn(c, M.b, M.n, 0, NOW0, &ans), DNS_OK);
	ck_assert_uint_eq(ans.addrs[0].ttl, 0);
	check_lifetime(c, "198.51.100.31", "pin.example", NOW0,
	    NOW0 + AGENT_TTL_MIN);
	one_answer(&M, "pin.example", NULL, 0, "2001:db8:1::31", 0x80000000);
	ck_assert_int_eq(learn(c, M.b, M.n, 0, NOW0, &ans), DNS_OK);
	ck_assert_uint_eq(ans.addrs[0].ttl, 0);
	check_lifetime(c, "2001:db8:1::31", "pin.example", NOW0,
	    NOW0 + AGENT_TTL_MIN);

	/* Through a CNAME: the smaller TTL of the two, still clamped. */
	one_answer(&M, "pin.example", "edge.cdn.example", 0x7fffffff,
	    "198.51.100.32", 0x7fffffff);
	ck_assert_int_eq(learn(c, M.b, M.n, 0, NOW0, &ans), DNS_OK);
	check_lifetime(c, "198.51.100.32", "pin.example", NOW0,
	    NOW0 + AGENT_TTL_MAX);
	one_answer(&M, "pin.example", "edge.cdn.example", 0xffffffff,
	    "198.51.100.33", 0x7fffffff);
	ck_assert_int_eq(learn(c, M.b, M.n, 0, NOW0, &ans), DNS_OK);
	ck_assert_uint_eq(ans.addrs[0].ttl, 0);
	check_lifetime(c, "198.51.100.33", "pin.example", NOW0,
	    NOW0 + AGENT_TTL_MIN);

	/* Over TCP, the same. */
	one_answer(&M, "pin.example", NULL, 0, "198.51.100.34", 0xfffffffe);
	memmove(M.b + 2, M.b, M.n);
	set16(&M, 0, (uint16_t)M.n);
	ck_assert_int_eq(learn(c, M.b, M.n + 2, 1, NOW0, &ans), DNS_OK);
	check_lifetime(c, "198.51.100.34", "pin.example", NOW0,
	    NOW0 + AGENT_TTL_MIN);

	/* 5000 names pinned a second apart: a day after the last, none left. */
	for (i = 0; i < 5000; i++) {
		snprintf(addr, sizeof(addr), "2001:db8:2::%x", i);
		one_answer(&M, "pin.example", NULL, 0, addr,
		    i % 2 ? 0x7fffffff : AGENT_TTL_MAX + 1);
		ck_assert_int_eq(learn(c, M.b, M.n, 0, NOW0 + i, &ans),
		    DNS_OK);
	}
	t = NOW0 + 4999 + AGENT_TTL_MAX;
	for (i = 0; i < 5000; i++) {
		snprintf(addr, sizeof(addr), "2001:db8:2::%x", i);
		ck_assert_ptr_nonnull(cached(c, addr, NOW0 + i +
		    AGENT_TTL_MAX - 1));
		ck_assert_ptr_null(cached(c, addr, t));
	}
	st = stats(c);
	ck_assert_uint_eq(st.count, 0);
	ck_assert_uint_ge(st.expired, 5000);
	name_cache_free(c);
}
END_TEST

/* ---- 3: thousands of records ------------------------------------------ */

/* The address the k-th record of a kind gives: asked or not, v4 or v6. */
static struct ipaddr
kth(int asked, int v6, uint32_t k)
{
	struct ipaddr a;
	uint8_t v4[4] = { 192, 0, 2, (uint8_t)k };

	if (!v6) {
		if (!asked) {
			v4[0] = k % 2 ? 203 : 198;
			v4[1] = k % 2 ? 0 : 51;
			v4[2] = k % 2 ? 113 : 100;
		}
		ipaddr_from_v4(&a, v4);
		return a;
	}
	a = A(asked ? "2001:db8:a::" : "2001:db8:bad::");
	a.b[12] = (uint8_t)(k >> 24);
	a.b[13] = (uint8_t)(k >> 16);
	a.b[14] = (uint8_t)(k >> 8);
	a.b[15] = (uint8_t)k;
	return a;
}

/*
 * As many A/AAAA records as fit in 65535 octets, with compression: the
 * asked name's interleaved with others', or (poison_first) only others' for
 * the first three quarters of the message.
 * Returns the number of records for the asked name.
 */
static uint32_t
fill_max(struct msg *m, int poison_first, uint32_t *n_rr)
{
	uint32_t n = 0, n_asked = 0, k;
	size_t sfx = 12 + 1 + strlen("asked");
	char lbl[16];
	struct ipaddr a;

	msg_start(m, F_RESPONSE, "asked.example");
	for (k = 0;; k++) {
		int asked = poison_first ? m->n > 3 * MSG_LIMIT / 4 :
		    k % 2 == 0;
		int v6 = k % 3 == 0;

		snprintf(lbl, sizeof(lbl), "u%u", k);
		if (m->n + (asked ? 2 : 1 + strlen(lbl) + 2) + 10 +
		    (v6 ? 16 : 4) > MSG_LIMIT)
			break;
		if (asked)
			name_ptr(m, 12);
		else
			name_label_ptr(m, lbl, sfx);
		a = kth(asked, v6, k);
		rr_addr(m, C_IN, k % 5 == 0 ? 0x7fffffff : 300, &a);
		n++;
		n_asked += (uint32_t)asked;
	}
	msg_counts(m, (uint16_t)n, 0, 0);
	*n_rr = n;
	return n_asked;
}

START_TEST(test_thousands_of_records)
{
	struct name_cache *c = agent_cache();
	struct name_cache_stats st;
	struct dns_answer ans;
	uint32_t n_rr, n_asked, k;
	const char *n;
	struct ipaddr a;

	for (int order = 0; order < 2; order++) {
		uint64_t learned = stats(c).learned;

		n_asked = fill_max(&M, order, &n_rr);
		ck_assert_uint_le(M.n, MSG_LIMIT);
		ck_assert_uint_gt(M.n, MSG_LIMIT - 32);
		ck_assert_uint_gt(n_rr, 2500);
		ck_assert_int_eq(learn(c, M.b, M.n, 0, NOW0, &ans), DNS_OK);
		ck_assert_str_eq(ans.qname, "asked.example");
		ck_assert_uint_eq(ans.n_addrs, DNS_MAX_ADDRS);
		/* Others' records all skipped (the asked name's repeat). */
		ck_assert_uint_ge(ans.skipped, n_rr - n_asked);
		ck_assert_uint_le(ans.skipped, n_rr - DNS_MAX_ADDRS);
		ck_assert_uint_eq(stats(c).learned - learned, DNS_MAX_ADDRS);
		for (size_t i = 0; i < ans.n_addrs; i++)
			ck_assert_msg(ipaddr_is_v4(&ans.addrs[i].addr) ?
			    ipaddr_v4(&ans.addrs[i].addr)[0] == 192 :
			    ans.addrs[i].addr.b[5] == 0x0a,
			    "address %zu was not the asked name's", i);
		/* Every address of the message: the others' never named. */
		for (k = 0; k < n_rr; k++) {
			int v6 = k % 3 == 0;

			for (int which = 0; which < 2; which++) {
				a = kth(which, v6, k);
				n = name_cache_get(c, &a, NOW0);
				if (which == 0)
					ck_assert_msg(n == NULL, "poison %u "
					    "learned as %s", k, n);
				else if (n != NULL)
					ck_assert_str_eq(n, "asked.example");
			}
		}
	}
	st = stats(c);
	ck_assert_uint_le(st.count, 2 * DNS_MAX_ADDRS);

	/* One octet more than TCP's length can say: not a message. */
	fill_max(&M, 0, &n_rr);
	while (M.n <= MSG_LIMIT)
		put8(&M, 0);
	ck_assert_int_eq(dns_parse_response(M.b, M.n, &ans), DNS_BAD);
	ck_assert_uint_eq(ans.n_addrs, 0);
	name_cache_free(c);
}
END_TEST

/* q -> a -> b -> q, a -> x (a second CNAME), y -> q; x's and y's addresses stay unnamed. */
START_TEST(test_cname_loops_branches)
{
	struct name_cache *c = agent_cache();
	struct dns_answer ans;
	size_t sfx = 12 + 1 + strlen("q"), oa, ob, ox, oy;
	struct ipaddr a;
	clock_t t0;
	uint32_t i;
	char lbl[16];
	const char *n;

	msg_start(&M, F_RESPONSE, "q.loop.example");
	/* The addresses first, the chain after: any order is an answer. */
	oa = name_label_ptr(&M, "a", sfx);
	a = A("192.0.2.101");
	rr_addr(&M, C_IN, 300, &a);
	ob = name_label_ptr(&M, "b", sfx);
	a = A("192.0.2.102");
	rr_addr(&M, C_IN, 300, &a);
	ox = name_label_ptr(&M, "x", sfx);
	a = A("198.51.100.103");
	rr_addr(&M, C_IN, 0x7fffffff, &a);
	oy = name_label_ptr(&M, "y", sfx);
	a = A("198.51.100.104");
	rr_addr(&M, C_IN, 0x7fffffff, &a);
	name_ptr(&M, 12);
	a = A("2001:db8::100");
	rr_addr(&M, C_IN, 300, &a);
	name_ptr(&M, 12);				/* q -> a */
	rr_cname(&M, 300, "a.loop.example");
	name_ptr(&M, oa);				/* a -> b */
	rr_cname(&M, 300, "b.loop.example");
	name_ptr(&M, ob);				/* b -> q: the loop */
	rr_cname(&M, 300, "q.loop.example");
	name_ptr(&M, oa);				/* a -> x: a branch */
	rr_cname(&M, 300, "x.loop.example");
	name_ptr(&M, oy);				/* y -> q */
	rr_cname(&M, 300, "q.loop.example");
	name_ptr(&M, ox);				/* x -> y */
	rr_cname(&M, 300, "y.loop.example");
	msg_counts(&M, 11, 0, 0);
	ck_assert_int_eq(learn(c, M.b, M.n, 0, NOW0, &ans), DNS_OK);
	ck_assert_uint_eq(ans.n_addrs, 3);
	ck_assert_str_eq(cached(c, "192.0.2.101", NOW0), "q.loop.example");
	ck_assert_str_eq(cached(c, "192.0.2.102", NOW0), "q.loop.example");
	ck_assert_str_eq(cached(c, "2001:db8::100", NOW0), "q.loop.example");
	ck_assert_ptr_null(cached(c, "198.51.100.103", NOW0));
	ck_assert_ptr_null(cached(c, "198.51.100.104", NOW0));

	/* Two CNAMEs for the question: the first is followed, not the other. */
	msg_start(&M, F_RESPONSE, "q.fork.example");
	sfx = 12 + 1 + strlen("q");
	name_ptr(&M, 12);
	rr_cname(&M, 300, "good.fork.example");
	name_ptr(&M, 12);
	rr_cname(&M, 300, "evil.fork.example");
	name_label_ptr(&M, "evil", sfx);
	a = A("198.51.100.105");
	rr_addr(&M, C_IN, 300, &a);
	name_label_ptr(&M, "good", sfx);
	a = A("192.0.2.105");
	rr_addr(&M, C_IN, 300, &a);
	msg_counts(&M, 4, 0, 0);
	ck_assert_int_eq(learn(c, M.b, M.n, 0, NOW0, &ans), DNS_OK);
	ck_assert_str_eq(cached(c, "192.0.2.105", NOW0), "q.fork.example");
	ck_assert_ptr_null(cached(c, "198.51.100.105", NOW0));

	/*
	 * A chain of 40 hops, each name with an address, and thousands of
	 * CNAMEs among unasked names, looping: what is learned belongs to
	 * the chain, the first hops are followed, and the work is bounded.
	 */
	msg_start(&M, F_RESPONSE, "h0.chain.example");
	sfx = 12 + 1 + strlen("h0");
	{
		uint16_t an = 0;
		size_t owner[41];

		owner[0] = 12;
		for (i = 0; i < 40; i++) {
			name_ptr(&M, owner[i]);
			snprintf(lbl, sizeof(lbl), "h%u", i + 1);
			owner[i + 1] = M.n + 10;	/* the target */
			{
				size_t at = rr_head(&M, T_CNAME, C_IN, 300);

				name_label_ptr(&M, lbl, sfx);
				rr_done(&M, at);
			}
			an++;
		}
		for (i = 0; i <= 40; i++) {
			name_ptr(&M, owner[i]);
			a = kth(1, 1, 0x10000 + i);
			rr_addr(&M, C_IN, 300, &a);
			an++;
		}
		for (i = 0; M.n < MSG_LIMIT - 64; i++) {
			snprintf(lbl, sizeof(lbl), "u%u", i % 1000);
			name_label_ptr(&M, lbl, sfx);
			snprintf(lbl, sizeof(lbl), "u%u", (i + 1) % 1000);
			{
				size_t at = rr_head(&M, T_CNAME, C_IN, 300);

				name_label_ptr(&M, lbl, sfx);
				rr_done(&M, at);
			}
			an++;
		}
		msg_counts(&M, an, 0, 0);
		ck_assert_uint_gt(an, 2000);
	}
	t0 = clock();
	ck_assert_int_eq(learn(c, M.b, M.n, 0, NOW0, &ans), DNS_OK);
	ck_assert_msg(clock() - t0 < 2 * CLOCKS_PER_SEC, "parse took %.2f s",
	    (double)(clock() - t0) / CLOCKS_PER_SEC);
	ck_assert_uint_le(ans.n_addrs, DNS_MAX_ADDRS);
	for (i = 0; i <= 40; i++) {
		a = kth(1, 1, 0x10000 + i);
		n = name_cache_get(c, &a, NOW0);
		if (i <= 8)
			ck_assert_ptr_nonnull(n);
		if (n != NULL)
			ck_assert_str_eq(n, "h0.chain.example");
	}
	name_cache_free(c);
}
END_TEST

/* ---- 4, 5: random answers into a small cache, against ground truth ----- */

/*
 * Addresses come from a pool of 2^15: 768 IPv4 addresses in the three
 * documentation /24s, the rest 2001:db8:ab::/48. Names are h<id>.poison.example
 * for 4096 ids. The ground truth is a bitmap over (address, name): set when
 * an answer the agent learns from gives that address for that name, as the
 * question or on its CNAME chain. Every name the cache returns must have
 * its bit set.
 */
#define POOL		(1u << 15)
#define POOL_V4		768
#define NAMES		4096u
#define SMALL_CACHE	256
#define MESSAGES	200000
#define REC_MAX		64
#define SUFFIX		".poison.example"

static struct ipaddr
pool_addr(uint32_t i)
{
	static const uint8_t nets[3][3] = {
		{ 192, 0, 2 }, { 198, 51, 100 }, { 203, 0, 113 },
	};
	struct ipaddr a;

	if (i < POOL_V4) {
		uint8_t v4[4] = { nets[i / 256][0], nets[i / 256][1],
		    nets[i / 256][2], (uint8_t)i };

		ipaddr_from_v4(&a, v4);
		return a;
	}
	memset(&a, 0, sizeof(a));
	a.b[0] = 0x20;
	a.b[1] = 0x01;
	a.b[2] = 0x0d;
	a.b[3] = 0xb8;
	a.b[4] = 0x00;
	a.b[5] = 0xab;
	a.b[14] = (uint8_t)(i >> 8);
	a.b[15] = (uint8_t)i;
	return a;
}

static const char *
pool_name(uint32_t id, int upper, char buf[64])
{
	snprintf(buf, 64, "%c%u" SUFFIX, upper ? 'H' : 'h', id);
	return buf;
}

/* The id of a pool name as the cache stores it, or -1. */
static int64_t
pool_name_id(const char *s)
{
	char buf[64];
	unsigned long id;
	char *end;

	if (s[0] != 'h' || s[1] < '0' || s[1] > '9')
		return -1;
	id = strtoul(s + 1, &end, 10);
	if (id >= NAMES || strcmp(end, SUFFIX) != 0 ||
	    strcmp(pool_name((uint32_t)id, 0, buf), s) != 0)
		return -1;
	return (int64_t)id;
}

static uint64_t *truth;		/* POOL x NAMES bits */

static void
truth_set(uint32_t addr, uint32_t name)
{
	size_t bit = (size_t)addr * NAMES + name;

	truth[bit / 64] |= UINT64_C(1) << (bit % 64);
}

static int
truth_has(uint32_t addr, uint32_t name)
{
	size_t bit = (size_t)addr * NAMES + name;

	return (truth[bit / 64] >> (bit % 64)) & 1;
}

/* How a record's owner is written. */
enum owner_form {
	OWN_NAME,	/* the pool name */
	OWN_LONGER,	/* the pool name plus a label: h1.poison.example.evil */
	OWN_PREFIX,	/* one more letter first: xh1.poison.example */
	OWN_ONE_LABEL,	/* "h1.poison.example" as one label */
};

struct rec {
	uint8_t sec;		/* 0 answer, 1 authority, 2 additional */
	uint8_t form;		/* enum owner_form */
	uint8_t upper;		/* the first letter in upper case */
	uint16_t type, class;
	uint32_t owner;		/* name id */
	uint32_t val;		/* CNAME: target name id; A/AAAA: address index */
	uint32_t ttl;
	size_t end;		/* offset after the record once written */
};

struct gen {
	struct rec r[REC_MAX];
	size_t n;
	uint32_t qid;
	int qupper;
	uint16_t flags;
	int tcp;		/* framed as a TCP payload */
	int split;		/* ... whose length says more than it holds */
	size_t cut;		/* the message cut to this length; 0: whole */
};

/* The answer the agent should learn, by RFC 1035/2181 as dns.h states it. */
struct expect {
	enum dns_status st;
	uint32_t addr[DNS_MAX_ADDRS];
	uint32_t ttl[DNS_MAX_ADDRS];
	size_t n;
	uint32_t legit[REC_MAX];	/* every address given for the chain */
	size_t n_legit;
};

static uint64_t
rnd(uint64_t *s)
{
	/* xorshift64* */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

static uint32_t
rnd_ttl(uint64_t *s)
{
	static const uint32_t edge[] = {
		0, 1, 59, 60, 61, 300, 3600, 86399, 86400, 86401,
		0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
	};
	uint64_t r = rnd(s);

	if (r % 2)
		return edge[(r >> 8) % (sizeof(edge) / sizeof(edge[0]))];
	return (uint32_t)(r >> 16) % 100000;
}

static struct rec *
gen_add(struct gen *g, uint8_t sec, uint16_t type, uint32_t owner,
    uint32_t val, uint64_t *s)
{
	struct rec *r;

	if (g->n == REC_MAX)
		ck_abort_msg("too many records");
	r = &g->r[g->n++];
	memset(r, 0, sizeof(*r));
	r->sec = sec;
	r->form = OWN_NAME;
	r->upper = rnd(s) % 8 == 0;
	r->type = type;
	r->class = C_IN;
	r->owner = owner;
	r->val = val;
	r->ttl = rnd_ttl(s);
	return r;
}

/* An A or AAAA record for owner, with an address from the pool. */
static struct rec *
gen_addr(struct gen *g, uint8_t sec, uint32_t owner, uint64_t *s)
{
	uint32_t i = (uint32_t)(rnd(s) % POOL);

	return gen_add(g, sec, i < POOL_V4 ? T_A : T_AAAA, owner, i, s);
}

/*
 * A random answer: a chain of 0-3 CNAMEs from the question, perhaps looping
 * back or branching off to another name; addresses for the chain and for
 * other names; aliases of the question from unasked names; lookalike
 * owners; wrong classes, types and lengths; the other sections. The answer
 * section is shuffled: the chain may come in any order. Some messages are
 * not answers, cut short or framed over TCP.
 */
static void
gen_message(struct gen *g, uint64_t *s)
{
	uint32_t chain[4], len, k, x;
	size_t i, j;
	struct rec *r, t;

	g->n = 0;
	g->qid = (uint32_t)(rnd(s) % NAMES);
	g->qupper = rnd(s) % 4 == 0;
	chain[0] = g->qid;
	len = (uint32_t)(rnd(s) % 4);
	for (k = 1; k <= len; k++) {
		chain[k] = (uint32_t)(rnd(s) % NAMES);
		gen_add(g, 0, T_CNAME, chain[k - 1], chain[k], s);
	}
	if (rnd(s) % 4 == 0)		/* a loop back into the chain */
		gen_add(g, 0, T_CNAME, chain[len],
		    chain[rnd(s) % (len + 1)], s);
	if (rnd(s) % 4 == 0) {		/* a branch off the chain */
		x = (uint32_t)(rnd(s) % NAMES);
		gen_add(g, 0, T_CNAME, chain[rnd(s) % (len + 1)], x, s);
		for (k = (uint32_t)(rnd(s) % 3); k > 0; k--)
			gen_addr(g, 0, x, s);
	}
	for (k = (uint32_t)(rnd(s) % 6); k > 0; k--)	/* the chain's */
		gen_addr(g, 0, chain[rnd(s) % (len + 1)], s);
	for (k = (uint32_t)(rnd(s) % 6); k > 0; k--)	/* others' */
		gen_addr(g, 0, (uint32_t)(rnd(s) % NAMES), s);
	if (rnd(s) % 4 == 0) {		/* an unasked alias of the question */
		x = (uint32_t)(rnd(s) % NAMES);
		gen_add(g, 0, T_CNAME, x, g->qid, s);
		gen_addr(g, 0, x, s);
	}
	if (rnd(s) % 4 == 0) {		/* lookalikes of the question */
		r = gen_addr(g, 0, g->qid, s);
		r->form = (uint8_t)(OWN_LONGER + rnd(s) % 3);
	}
	if (rnd(s) % 8 == 0) {		/* class CH */
		r = gen_addr(g, 0, chain[rnd(s) % (len + 1)], s);
		r->class = C_CH;
	}
	if (rnd(s) % 8 == 0) {		/* a type the address's length is not */
		r = gen_addr(g, 0, chain[rnd(s) % (len + 1)], s);
		r->type = r->type == T_A ? T_AAAA : T_A;
	}
	if (rnd(s) % 8 == 0)		/* other types are skipped */
		gen_add(g, 0, T_TXT, g->qid, 0, s);
	if (rnd(s) % 4 == 0)		/* authority, additional */
		gen_addr(g, (uint8_t)(1 + rnd(s) % 2),
		    chain[rnd(s) % (len + 1)], s);
	if (rnd(s) % 16 == 0)
		gen_add(g, (uint8_t)(1 + rnd(s) % 2), T_CNAME, g->qid,
		    (uint32_t)(rnd(s) % NAMES), s);

	/* Shuffle, then order by section (stable: insertion sort). */
	for (i = g->n; i > 1; i--) {
		j = (size_t)(rnd(s) % i);
		t = g->r[i - 1];
		g->r[i - 1] = g->r[j];
		g->r[j] = t;
	}
	for (i = 1; i < g->n; i++)
		for (j = i; j > 0 && g->r[j - 1].sec > g->r[j].sec; j--) {
			t = g->r[j];
			g->r[j] = g->r[j - 1];
			g->r[j - 1] = t;
		}

	k = (uint32_t)(rnd(s) % 64);
	g->flags = k == 0 ? F_QUERY : k == 1 ? F_NXDOMAIN :
	    k < 4 ? F_RESPONSE | F_TC : F_RESPONSE;
	g->cut = k >= 2 && k < 6;	/* a length chosen once written */
	g->tcp = rnd(s) % 8 == 0;
	g->split = g->tcp && rnd(s) % 16 == 0;
}

/* Writes g into m; each record's end is noted; returns the payload length. */
static size_t
write_message(struct gen *g, struct msg *m, uint64_t *s)
{
	char q[64], buf[64], one[80];
	size_t sfx, i, at;
	uint16_t count[3] = { 0, 0, 0 };
	struct ipaddr a;

	msg_start(m, g->flags, pool_name(g->qid, g->qupper, q));
	sfx = 12 + 1 + strcspn(q, ".");
	for (i = 0; i < g->n; i++) {
		struct rec *r = &g->r[i];

		pool_name(r->owner, r->upper, buf);
		buf[strcspn(buf, ".")] = '\0';
		switch (r->form) {
		case OWN_NAME:
			if (r->owner == g->qid && rnd(s) % 2)
				name_ptr(m, 12);
			else
				name_label_ptr(m, buf, sfx);
			break;
		case OWN_LONGER:
			name_full(m, pool_name(r->owner, r->upper, one));
			m->n--;
			name_full(m, "evil");
			break;
		case OWN_PREFIX:
			snprintf(one, sizeof(one), "x%s", buf);
			name_label_ptr(m, one, sfx);
			break;
		case OWN_ONE_LABEL:
			pool_name(r->owner, r->upper, one);
			label(m, one, strlen(one));
			put8(m, 0);
			break;
		}
		at = rr_head(m, r->type, r->class, r->ttl);
		if (r->type == T_CNAME) {
			pool_name(r->val, rnd(s) % 8 == 0, buf);
			buf[strcspn(buf, ".")] = '\0';
			name_label_ptr(m, buf, sfx);
		} else if (r->type == T_TXT) {
			label(m, "x", 1);
		} else {
			a = pool_addr(r->val);
			put_addr(m, &a);
		}
		rr_done(m, at);
		r->end = m->n;
		count[r->sec]++;
	}
	msg_counts(m, count[0], count[1], count[2]);
	if (g->cut) {
		/* Anywhere after the question and before the end. */
		if (m->n > m->q_end + 1)
			g->cut = m->q_end + 1 +
			    (size_t)(rnd(s) % (m->n - m->q_end - 1));
		else
			g->cut = 0;
	}
	return g->cut ? g->cut : m->n;
}

static uint32_t
rr_ttl(uint32_t ttl)
{
	return ttl & 0x80000000u ? 0 : ttl;
}

/*
 * What dns.h promises for g: the question's chain follows the first
 * CNAME (in message order) of each name on it, up to a loop; A/AAAA records
 * of class IN in the answer section whose owner is on the chain give their
 * address, with the smallest TTL on the way; the first DNS_MAX_ADDRS
 * distinct addresses are taken. A message cut short counts only its whole
 * records, when it says so (TC); otherwise it is malformed.
 */
static void
expect_of(const struct gen *g, size_t len, struct expect *e)
{
	uint32_t chain[REC_MAX + 1], cttl[REC_MAX + 1];
	int used[REC_MAX] = { 0 };
	size_t n_chain = 1, i, k;

	e->n = 0;
	e->n_legit = 0;
	e->st = DNS_NONE;
	if (g->split || g->flags == F_QUERY || g->flags == F_NXDOMAIN)
		return;
	if (g->cut && !(g->flags & F_TC)) {
		e->st = DNS_BAD;
		return;
	}
	chain[0] = g->qid;
	cttl[0] = UINT32_MAX;
	for (;;) {
		for (i = 0; i < g->n; i++) {
			const struct rec *r = &g->r[i];

			if (r->sec == 0 && r->end <= len && !used[i] &&
			    r->type == T_CNAME && r->form == OWN_NAME &&
			    r->owner == chain[n_chain - 1])
				break;
		}
		if (i == g->n)
			break;
		used[i] = 1;
		for (k = 0; k < n_chain; k++)
			if (chain[k] == g->r[i].val)
				break;
		if (k < n_chain)
			break;
		chain[n_chain] = g->r[i].val;
		cttl[n_chain] = cttl[n_chain - 1] < rr_ttl(g->r[i].ttl) ?
		    cttl[n_chain - 1] : rr_ttl(g->r[i].ttl);
		n_chain++;
	}
	for (i = 0; i < g->n; i++) {
		const struct rec *r = &g->r[i];
		uint32_t ttl;

		if (r->sec != 0 || r->end > len || r->form != OWN_NAME ||
		    r->class != C_IN ||
		    !((r->type == T_A && r->val < POOL_V4) ||
		    (r->type == T_AAAA && r->val >= POOL_V4)))
			continue;
		for (k = 0; k < n_chain; k++)
			if (chain[k] == r->owner)
				break;
		if (k == n_chain)
			continue;
		e->legit[e->n_legit++] = r->val;
		ttl = cttl[k] < rr_ttl(r->ttl) ? cttl[k] : rr_ttl(r->ttl);
		for (k = 0; k < e->n; k++)
			if (e->addr[k] == r->val)
				break;
		if (k < e->n) {
			if (ttl < e->ttl[k])
				e->ttl[k] = ttl;
		} else if (e->n < DNS_MAX_ADDRS) {
			e->addr[e->n] = r->val;
			e->ttl[e->n++] = ttl;
		}
	}
	e->st = e->n > 0 ? DNS_OK : DNS_NONE;
}

/* The pool index of a, or -1. */
static int64_t
pool_index(const struct ipaddr *a)
{
	for (uint32_t net = 0; net < 3; net++) {
		struct ipaddr p = pool_addr(net * 256);

		if (memcmp(a->b, p.b, 15) == 0)
			return net * 256 + a->b[15];
	}
	{
		struct ipaddr p = pool_addr(POOL_V4);
		uint32_t i = (uint32_t)a->b[14] << 8 | a->b[15];

		if (memcmp(a->b, p.b, 14) == 0 && i >= POOL_V4 && i < POOL)
			return i;
	}
	return -1;
}

/* Every name the cache holds for a pool address is ground truth; the count. */
static size_t
sweep(struct name_cache *c, int64_t now)
{
	size_t found = 0;
	struct ipaddr a;
	const char *n;
	int64_t id;

	for (uint32_t i = 0; i < POOL; i++) {
		a = pool_addr(i);
		if ((n = name_cache_get(c, &a, now)) == NULL)
			continue;
		found++;
		id = pool_name_id(n);
		if (id < 0 || !truth_has(i, (uint32_t)id)) {
			char buf[IPADDR_STRLEN];

			ck_abort_msg("%s cached as \"%s\", which no answer "
			    "gave it", ipaddr_format(&a, buf), n);
		}
	}
	return found;
}

#ifdef __SANITIZE_ADDRESS__
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

/* Bytes the program holds from the allocator. */
static size_t
heap_used(void)
{
#ifdef __SANITIZE_ADDRESS__
	return __sanitizer_get_current_allocated_bytes();
#else
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
#endif
}

static uint8_t tcpbuf[2 + MSG_CAP];

START_TEST(test_random_answers)
{
	static struct gen g;
	struct name_cache *c;
	struct name_cache_stats st;
	struct dns_answer ans;
	struct expect e;
	uint64_t seed = UINT64_C(0x5eed0f0150115), s = seed;
	uint64_t n_ok = 0, n_poison = 0, n_poison_cached = 0, n_legit = 0;
	size_t heap0, heap1, mem, len, found = 0, i, k;
	enum dns_status got;
	int64_t now = NOW0;
	const uint8_t *payload;
	struct ipaddr a;
	const char *n;
	char q[64], buf[IPADDR_STRLEN];
	uint32_t m;
	void *volatile warm;

	truth = calloc((size_t)POOL * NAMES / 64, sizeof(*truth));
	ck_assert_ptr_nonnull(truth);

	/* The cache is one allocation of name_cache_memory(capacity). */
	warm = malloc(16);
	free((void *)warm);
	heap0 = heap_used();
	c = name_cache_new(SMALL_CACHE, AGENT_TTL_MIN, AGENT_TTL_MAX);
	ck_assert_ptr_nonnull(c);
	mem = heap_used() - heap0;
	ck_assert_uint_ge(mem, name_cache_memory(SMALL_CACHE));
	ck_assert_uint_le(mem, name_cache_memory(SMALL_CACHE) + 4096);

	heap0 = 0;
	for (m = 0; m < MESSAGES; m++, now++) {
		if (m == 5000) {
			/* Warmed up: from here on the heap stays as it is. */
			found = sweep(c, now);
			heap0 = heap_used();
		}
		gen_message(&g, &s);
		len = write_message(&g, &M, &s);
		expect_of(&g, len, &e);
		payload = M.b;
		if (g.tcp) {
			memcpy(tcpbuf + 2, M.b, len);
			tcpbuf[0] = (uint8_t)((len + g.split) >> 8);
			tcpbuf[1] = (uint8_t)(len + g.split);
			payload = tcpbuf;
			len += 2;
		}
		got = learn(c, payload, len, g.tcp, now, &ans);

		if (got != e.st)
			ck_abort_msg("message %u: status %d, expected %d", m,
			    got, e.st);
		if (got == DNS_OK) {
			n_ok++;
			pool_name(g.qid, 0, q);
			if (strcmp(ans.qname, q) != 0 || ans.n_addrs != e.n)
				ck_abort_msg("message %u: %s with %zu addresses, "
				    "expected %s with %zu", m, ans.qname,
				    ans.n_addrs, q, e.n);
			for (i = 0; i < e.n; i++) {
				char want[IPADDR_STRLEN];

				a = pool_addr(e.addr[i]);
				if (!ipaddr_equal(&ans.addrs[i].addr, &a) ||
				    ans.addrs[i].ttl != e.ttl[i])
					ck_abort_msg("message %u: address %zu "
					    "is %s ttl %u, expected %s ttl %u",
					    m, i, ipaddr_format(
					    &ans.addrs[i].addr, buf),
					    ans.addrs[i].ttl,
					    ipaddr_format(&a, want), e.ttl[i]);
			}
			for (i = 0; i < e.n_legit; i++)
				truth_set(e.legit[i], g.qid);
			n_legit += e.n_legit;
			/* The answer's own addresses, now under its question. */
			for (i = 0; i < e.n; i++) {
				a = pool_addr(e.addr[i]);
				n = name_cache_get(c, &a, now);
				if (n == NULL || strcmp(n, q) != 0)
					ck_abort_msg("message %u: %s not "
					    "learned as %s", m,
					    ipaddr_format(&a, buf), q);
			}
		}
		/* Every other address it carried: named only by ground truth. */
		for (i = 0; i < g.n; i++) {
			int64_t id;

			if (g.r[i].type != T_A && g.r[i].type != T_AAAA)
				continue;
			for (k = 0; k < e.n_legit; k++)
				if (e.legit[k] == g.r[i].val)
					break;
			if (got == DNS_OK && k < e.n_legit)
				continue;
			n_poison++;
			a = pool_addr(g.r[i].val);
			if ((n = name_cache_get(c, &a, now)) == NULL)
				continue;
			n_poison_cached++;
			id = pool_name_id(n);
			if (id < 0 || !truth_has(g.r[i].val, (uint32_t)id))
				ck_abort_msg("message %u: %s cached as %s",
				    m, ipaddr_format(&a, buf), n);
		}
		name_cache_get_stats(c, &st);
		if (st.count > SMALL_CACHE)
			ck_abort_msg("message %u: %zu entries", m, st.count);
		if (m % 10000 == 9999) {
			found = sweep(c, now);
			name_cache_get_stats(c, &st);
			if (st.count != found)
				ck_abort_msg("count %zu, sweep found %zu",
				    st.count, found);
		}
	}
	heap1 = heap_used();
	found = sweep(c, now);
	st = stats(c);

	printf("poison: %d messages, %llu learned from, %llu legit records, "
	    "%llu others (%llu of their addresses named by an earlier answer), "
	    "cache %zu/%zu (%zu bytes): learned %llu evicted %llu expired %llu, "
	    "heap %+lld bytes after warm-up\n", MESSAGES,
	    (unsigned long long)n_ok, (unsigned long long)n_legit,
	    (unsigned long long)n_poison, (unsigned long long)n_poison_cached,
	    st.count, st.capacity, name_cache_memory(SMALL_CACHE),
	    (unsigned long long)st.learned, (unsigned long long)st.evicted,
	    (unsigned long long)st.expired, (long long)heap1 - (long long)heap0);
	ck_assert_uint_eq(st.capacity, SMALL_CACHE);
	ck_assert_uint_eq(st.count, found);
	ck_assert_uint_gt(found, 0);
	ck_assert_uint_gt(n_ok, MESSAGES / 2);
	ck_assert_uint_gt(st.evicted, MESSAGES);
	ck_assert_uint_gt(st.expired, 0);
	/* The loop allocated nothing; Check itself may keep a few bytes. */
	ck_assert_uint_le(heap1, heap0 + 1024);

	/* Addresses outside the pool were never sent: never named. */
	for (i = 0; i < 1000; i++) {
		a = pool_addr((uint32_t)(rnd(&s) % POOL));
		a.b[15] ^= 0x5a;
		a.b[9] ^= 0x01;
		ck_assert_int_lt(pool_index(&a), 0);
		ck_assert_ptr_null(name_cache_get(c, &a, now));
	}
	name_cache_free(c);
	free(truth);
	truth = NULL;
}
END_TEST

static Suite *
poison_suite(void)
{
	Suite *s = suite_create("poison");
	TCase *tc = tcase_create("core");
	TCase *churn = tcase_create("churn");

	tcase_add_test(tc, test_unasked_names);
	tcase_add_test(tc, test_huge_ttl);
	tcase_add_test(tc, test_thousands_of_records);
	tcase_add_test(tc, test_cname_loops_branches);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	tcase_add_test(churn, test_random_answers);
	tcase_set_timeout(churn, 300);
	suite_add_tcase(s, churn);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(poison_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
