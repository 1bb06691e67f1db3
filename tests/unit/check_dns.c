/* Unit tests for agent/dns: answers, CNAME chains, compression, malformed and hostile messages. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/dns.h"

/*
 * Messages are assembled byte by byte: a header, then names, records and
 * RDATA appended in order. Offsets returned by the helpers are where a name
 * starts, for compression pointers to it.
 */
#define MSG_MAX 4096

#define T_A	1
#define T_NS	2
#define T_CNAME	5
#define T_TXT	16
#define T_AAAA	28
#define T_OPT	41
#define C_IN	1
#define C_CH	3

#define F_RESPONSE	0x8180	/* QR, RD, RA; opcode 0, rcode 0 */
#define F_TC		0x0200

struct msg {
	uint8_t b[MSG_MAX];
	size_t n;
};

static void
put8(struct msg *m, uint8_t v)
{
	ck_assert_uint_lt(m->n, MSG_MAX);
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

/* Header with the given flags and counts. */
static void
hdr(struct msg *m, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns,
    uint16_t ar)
{
	memset(m, 0, sizeof(*m));
	put16(m, 0x1234);
	put16(m, flags);
	put16(m, qd);
	put16(m, an);
	put16(m, ns);
	put16(m, ar);
}

/* One label, raw: no check of its length so tests can break the rules. */
static void
label(struct msg *m, const char *s, size_t len)
{
	put8(m, (uint8_t)len);
	for (size_t i = 0; i < len; i++)
		put8(m, (uint8_t)s[i]);
}

/* The labels of a dotted name, without the root label; returns its offset. */
static size_t
labels(struct msg *m, const char *name)
{
	size_t start = m->n;
	const char *p = name, *dot;

	while (*p != '\0') {
		dot = strchr(p, '.');
		if (dot == NULL)
			dot = p + strlen(p);
		label(m, p, (size_t)(dot - p));
		p = *dot == '.' ? dot + 1 : dot;
	}
	return start;
}

/* A whole uncompressed name; returns its offset. */
static size_t
name(struct msg *m, const char *n)
{
	size_t start = labels(m, n);

	put8(m, 0);
	return start;
}

static void
ptr(struct msg *m, size_t off)
{
	put16(m, (uint16_t)(0xc000 | off));
}

static size_t
question(struct msg *m, const char *qname, uint16_t qtype)
{
	size_t off = name(m, qname);

	put16(m, qtype);
	put16(m, C_IN);
	return off;
}

/* TYPE CLASS TTL RDLENGTH, after an owner name the caller wrote. */
static void
rrfix(struct msg *m, uint16_t type, uint16_t class, uint32_t ttl,
    uint16_t rdlen)
{
	put16(m, type);
	put16(m, class);
	put32(m, ttl);
	put16(m, rdlen);
}

static void
rdata_a(struct msg *m, const char *text)
{
	struct ipaddr a;

	ck_assert_int_eq(ipaddr_parse(text, &a), 0);
	if (ipaddr_is_v4(&a)) {
		for (int i = 0; i < 4; i++)
			put8(m, ipaddr_v4(&a)[i]);
	} else {
		for (int i = 0; i < 16; i++)
			put8(m, a.b[i]);
	}
}

/* owner A/AAAA addr, uncompressed; returns the owner's offset. */
static size_t
rr_addr(struct msg *m, const char *owner, const char *addr, uint32_t ttl)
{
	size_t off = name(m, owner);
	int v6 = strchr(addr, ':') != NULL;

	rrfix(m, v6 ? T_AAAA : T_A, C_IN, ttl, v6 ? 16 : 4);
	rdata_a(m, addr);
	return off;
}

/* An address record whose owner is a pointer to off. */
static void
rr_addr_ptr(struct msg *m, size_t off, const char *addr, uint32_t ttl)
{
	int v6 = strchr(addr, ':') != NULL;

	ptr(m, off);
	rrfix(m, v6 ? T_AAAA : T_A, C_IN, ttl, v6 ? 16 : 4);
	rdata_a(m, addr);
}

/* owner CNAME target, uncompressed; returns the target's offset. */
static size_t
rr_cname(struct msg *m, const char *owner, const char *target, uint32_t ttl)
{
	size_t len = strlen(target) + 2, off;

	if (target[0] == '\0')
		len = 1;
	name(m, owner);
	rrfix(m, T_CNAME, C_IN, ttl, (uint16_t)len);
	off = name(m, target);
	ck_assert_uint_eq(m->n - off, len);
	return off;
}

static enum dns_status
parse(const struct msg *m, struct dns_answer *a)
{
	memset(a, 0x5a, sizeof(*a));
	return dns_parse_response(m->b, m->n, a);
}

/* The index of addr among the answer's addresses, or -1. */
static int
find_addr(const struct dns_answer *a, const char *text)
{
	struct ipaddr x;

	ck_assert_int_eq(ipaddr_parse(text, &x), 0);
	for (size_t i = 0; i < a->n_addrs; i++)
		if (ipaddr_equal(&a->addrs[i].addr, &x))
			return (int)i;
	return -1;
}

static void
assert_addr(const struct dns_answer *a, const char *text, uint32_t ttl)
{
	int i = find_addr(a, text);

	ck_assert_msg(i >= 0, "%s not in the answer", text);
	ck_assert_uint_eq(a->addrs[i].ttl, ttl);
}

/* A response to "www.example.com A" with one answer. */
static void
simple_a(struct msg *m)
{
	hdr(m, F_RESPONSE, 1, 1, 0, 0);
	question(m, "www.example.com", T_A);
	rr_addr_ptr(m, 12, "192.0.2.1", 300);
}

START_TEST(test_simple_a)
{
	struct msg m;
	struct dns_answer a;

	simple_a(&m);
	ck_assert_int_eq(parse(&m, &a), DNS_OK);
	ck_assert_str_eq(a.qname, "www.example.com");
	ck_assert_uint_eq(a.n_addrs, 1);
	assert_addr(&a, "192.0.2.1", 300);
	ck_assert_uint_eq(a.skipped, 0);
}
END_TEST

START_TEST(test_aaaa)
{
	struct msg m;
	struct dns_answer a;

	hdr(&m, F_RESPONSE, 1, 1, 0, 0);
	question(&m, "v6.example", T_AAAA);
	rr_addr(&m, "v6.example", "2001:db8::7", 60);
	ck_assert_int_eq(parse(&m, &a), DNS_OK);
	ck_assert_uint_eq(a.n_addrs, 1);
	assert_addr(&a, "2001:db8::7", 60);
	ck_assert(!ipaddr_is_v4(&a.addrs[0].addr));
}
END_TEST

START_TEST(test_multiple_answers)
{
	struct msg m;
	struct dns_answer a;

	hdr(&m, F_RESPONSE, 1, 3, 0, 0);
	question(&m, "multi.example", T_A);
	rr_addr_ptr(&m, 12, "192.0.2.1", 10);
	rr_addr_ptr(&m, 12, "192.0.2.2", 20);
	rr_addr_ptr(&m, 12, "2001:db8::2", 30);
	ck_assert_int_eq(parse(&m, &a), DNS_OK);
	ck_assert_uint_eq(a.n_addrs, 3);
	assert_addr(&a, "192.0.2.1", 10);
	assert_addr(&a, "192.0.2.2", 20);
	assert_addr(&a, "2001:db8::2", 30);
}
END_TEST

START_TEST(test_duplicate_address_once)
{
	struct msg m;
	struct dns_answer a;

	hdr(&m, F_RESPONSE, 1, 2, 0, 0);
	question(&m, "dup.example", T_A);
	rr_addr_ptr(&m, 12, "192.0.2.1", 300);
	rr_addr_ptr(&m, 12, "192.0.2.1", 30);
	ck_assert_int_eq(parse(&m, &a), DNS_OK);
	ck_assert_uint_eq(a.n_addrs, 1);
	assert_addr(&a, "192.0.2.1", 30);
}
END_TEST

/* qname -> c1 -> c2 -> c3 A, in order; TTLs 300, 100, 500, A 200. */
START_TEST(test_cname_chain_in_order)
{
	struct msg m;
	struct dns_answer a;

	hdr(&m, F_RESPONSE, 1, 4, 0, 0);
	question(&m, "app.example", T_A);
	rr_cname(&m, "app.example", "c1.cdn.example", 300);
	rr_cname(&m, "c1.cdn.example", "c2.cdn.example", 100);
	rr_cname(&m, "c2.cdn.example", "c3.edge.example", 500);
	rr_addr(&m, "c3.edge.example", "198.51.100.3", 200);
	ck_assert_int_eq(parse(&m, &a), DNS_OK);
	ck_assert_str_eq(a.qname, "app.example");
	ck_assert_uint_eq(a.n_addrs, 1);
	assert_addr(&a, "198.51.100.3", 100);
	ck_assert_uint_eq(a.skipped, 0);
}
END_TEST

START_TEST(test_cname_chain_out_of_order)
{
	struct msg m;
	struct dns_answer a;

	hdr(&m, F_RESPONSE, 1, 5, 0, 0);
	question(&m, "app.example", T_A);
	rr_addr(&m, "c3.edge.example", "198.51.100.3", 200);
	rr_cname(&m, "c2.cdn.example", "c3.edge.example", 500);
	rr_addr(&m, "c3.edge.example", "198.51.100.4", 40);
	rr_cname(&m, "app.example", "c1.cdn.example", 300);
	rr_cname(&m, "c1.cdn.example", "c2.cdn.example", 100);
	ck_assert_int_eq(parse(&m, &a), DNS_OK);
	ck_assert_uint_eq(a.n_addrs, 2);
	assert_addr(&a, "198.51.100.3", 100);
	assert_addr(&a, "198.51.100.4", 40);
	ck_assert_uint_eq(a.skipped, 0);
}
END_TEST

/* The TTL is the smallest along the chain, whichever link holds it. */
START_TEST(test_ttl_min_along_chain)
{
	struct msg m;
	struct dns_answer a;

	hdr(&m, F_RESPONSE, 1, 5, 0, 0);
	question(&m, "t.example", T_A);
	rr_cname(&m, "t.example", "u.example", 3600);
	rr_cname(&m, "u.example", "v.example", 86400);
	rr_addr(&m, "t.example", "192.0.2.10", 500);	/* on the question */
	rr_addr(&m, "u.example", "192.0.2.11", 7200);
	rr_addr(&m, "v.example", "192.0.2.12", 5);
	ck_assert_int_eq(parse(&m, &a), DNS_OK);
	ck_assert_uint_eq(a.n_addrs, 3);
	assert_addr(&a, "192.0.2.10", 500);
	assert_addr(&a, "192.0.2.11", 3600);
	assert_addr(&a, "192.0.2.12", 5);
}
END_TEST

/* RFC 2181 section 8: a TTL with the top bit set is 0. */
START_TEST(test_ttl_top_bit_is_zero)
{
	struct msg m;
	struct dns_answer a;

	hdr(&m, F_RESPONSE, 1, 1, 0, 0);
	question(&m, "t.example", T_A);
	rr_addr_ptr(&m, 12, "192.0.2.1", 0x80000001u);
	ck_assert_int_eq(parse(&m, &a), DNS_OK);
	assert_addr(&a, "192.0.2.1", 0);
}
END_TEST

/* a -> b -> a: the walk stops; the address of a name on the loop is taken. */
START_TEST(test_cname_loop_terminates)
{
	struct msg m;
	struct dns_answer a;

	hdr(&m, F_RESPONSE, 1, 3, 0, 0);
	question(&m, "a.example", T_A);
	rr_cname(&m, "a.example", "b.example", 60);
	rr_cname(&m, "b.example", "a.example", 60);
	rr_addr(&m, "b.example", "192.0.2.2", 60);
	ck_assert_int_eq(parse(&m, &a), DNS_OK);
	ck_assert_uint_eq(a.n_addrs, 1);
	assert_addr(&a, "192.0.2.2", 60);

	/* Without any address: nothing to learn, and it still ends. */
	hdr(&m, F_RESPONSE, 1, 2, 0, 0);
	question(&m, "a.example", T_A);
	rr_cname(&m, "a.example", "b.example", 60);
	rr_cname(&m, "b.example", "a.example", 60);
	ck_assert_int_eq(parse(&m, &a), DNS_NONE);
	ck_assert_uint_eq(a.n_addrs, 0);

	/* A self loop. */
	hdr(&m, F_RESPONSE, 1, 1, 0, 0);
	question(&m, "a.example", T_A);
	rr_cname(&m, "a.example", "a.example", 60);
	ck_assert_int_eq(parse(&m, &a), DNS_NONE);
}
END_TEST

/* At most 16 CNAME hops are followed from the question. */
START_TEST(test_cname_chain_bounded)
{
	struct msg m;
	struct dns_answer a;
	char from[32], to[32];
	int hops = _i;		/* 16: the last name is reached; 17: it is not */

	hdr(&m, F_RESPONSE, 1, (uint16_t)(hops + 1), 0, 0);
	question(&m, "h0.example", T_A);
	for (int i = 0; i < hops; i++) {
		snprintf(from, sizeof(from), "h%d.example", i);
		snprintf(to, sizeof(to), "h%d.example", i + 1);
		rr_cname(&m, from, to, 60);
	}
	rr_addr(&m, to, "192.0.2.99", 60);
	if (hops <= 16) {
		ck_assert_int_eq(parse(&m, &a), DNS_OK);
		assert_addr(&a, "192.0.2.99", 60);
	} else {
		ck_assert_int_eq(parse(&m, &a), DNS_NONE);
		ck_assert_uint_eq(a.skipped, 2);	/* the 17th CNAME, the A */
	}
}
END_TEST

/* RFC 2181 10.1: one CNAME per name; a second one is not followed. */
START_TEST(test_cname_second_for_same_owner_ignored)
{
	struct msg m;
	struct dns_answer a;

	hdr(&m, F_RESPONSE, 1, 4, 0, 0);
	question(&m, "q.example", T_A);
	rr_cname(&m, "q.example", "first.example", 60);
	rr_cname(&m, "q.example", "second.example", 60);
	rr_addr(&m, "first.example", "192.0.2.1", 60);
	rr_addr(&m, "second.example", "192.0.2.2", 60);
	ck_assert_int_eq(parse(&m, &a), DNS_OK);
	ck_assert_uint_eq(a.n_addrs, 1);
	assert_addr(&a, "192.0.2.1", 60);
	ck_assert_uint_eq(a.skipped, 2);
}
END_TEST

/* Owner and CNAME target compressed as real servers do. */
START_TEST(test_compression_valid)
{
	struct msg m;
	struct dns_answer a;
	size_t t, rdlen_at, rd;

	hdr(&m, F_RESPONSE, 1, 2, 0, 0);
	question(&m, "www.shop.example", T_A);		/* at 12; shop. at 16 */
	ptr(&m, 12);
	rrfix(&m, T_CNAME, C_IN, 60, 0);
	rdlen_at = m.n - 2;
	rd = m.n;
	t = labels(&m, "edge");			/* edge.shop.example */
	ptr(&m, 16);
	set16(&m, rdlen_at, (uint16_t)(m.n - rd));
	ptr(&m, t);
	rrfix(&m, T_A, C_IN, 60, 4);
	rdata_a(&m, "203.0.113.5");
	ck_assert_int_eq(parse(&m, &a), DNS_OK);
	ck_assert_str_eq(a.qname, "www.shop.example");
	ck_assert_uint_eq(a.n_addrs, 1);
	assert_addr(&a, "203.0.113.5", 60);

	/* A pointer to a pointer, still backwards. */
	hdr(&m, F_RESPONSE, 1, 2, 0, 0);
	question(&m, "www.shop.example", T_A);
	t = m.n;
	rr_addr_ptr(&m, 12, "203.0.113.6", 60);
	rr_addr_ptr(&m, t, "203.0.113.7", 60);
	ck_assert_int_eq(parse(&m, &a), DNS_OK);
	ck_assert_uint_eq(a.n_addrs, 2);
}
END_TEST

/* A pointer to a later offset (RFC 1035: a prior occurrence) is malformed. */
START_TEST(test_compression_forward)
{
	struct msg m;
	struct dns_answer a;
	size_t at;

	hdr(&m, F_RESPONSE, 1, 2, 0, 0);
	question(&m, "fwd.example", T_A);
	at = m.n;
	ptr(&m, 0);			/* fixed below: to the next record */
	rrfix(&m, T_A, C_IN, 60, 4);
	rdata_a(&m, "192.0.2.1");
	set16(&m, at, (uint16_t)(0xc000 | m.n));
	rr_addr(&m, "fwd.example", "192.0.2.2", 60);
	ck_assert_int_eq(parse(&m, &a), DNS_BAD);
	ck_assert_uint_eq(a.n_addrs, 0);
}
END_TEST

START_TEST(test_compression_out_of_bounds)
{
	struct msg m;
	struct dns_answer a;

	hdr(&m, F_RESPONSE, 1, 1, 0, 0);
	question(&m, "oob.example", T_A);
	ptr(&m, 0x3fff);
	rrfix(&m, T_A, C_IN, 60, 4);
	rdata_a(&m, "192.0.2.1");
	ck_assert_int_eq(parse(&m, &a), DNS_BAD);

	/* Into the header. */
	hdr(&m, F_RESPONSE, 1, 1, 0, 0);
	question(&m, "hdr.example", T_A);
	ptr(&m, 4);
	rrfix(&m, T_A, C_IN, 60, 4);
	rdata_a(&m, "192.0.2.1");
	ck_assert_int_eq(parse(&m, &a), DNS_BAD);

	/* A pointer whose second octet is missing. */
	hdr(&m, F_RESPONSE, 1, 0, 0, 0);
	put8(&m, 0xc0);
	ck_assert_int_eq(parse(&m, &a), DNS_BAD);
}
END_TEST

START_TEST(test_compression_loop_at_question)
{
	struct msg m;
	struct dns_answer a;

	/* The question's name points at itself. */
	hdr(&m, F_RESPONSE, 1, 0, 0, 0);
	ptr(&m, 12);
	put16(&m, T_A);
	put16(&m, C_IN);
	ck_assert_int_eq(parse(&m, &a), DNS_BAD);

	/* A label, then a pointer back to the start of the same name. */
	hdr(&m, F_RESPONSE, 1, 0, 0, 0);
	label(&m, "loop", 4);
	ptr(&m, 12);
	put16(&m, T_A);
	put16(&m, C_IN);
	ck_assert_int_eq(parse(&m, &a), DNS_BAD);
}
END_TEST

/* Two names pointing at each other in the answer section. */
START_TEST(test_compression_mutual_loop)
{
	struct msg m;
	struct dns_answer a;
	size_t first;

	hdr(&m, F_RESPONSE, 1, 2, 0, 0);
	question(&m, "q.example", T_A);
	first = m.n;
	label(&m, "x", 1);
	ptr(&m, 0);			/* fixed below: to the second owner */
	rrfix(&m, T_A, C_IN, 60, 4);
	rdata_a(&m, "192.0.2.1");
	set16(&m, first + 2, (uint16_t)(0xc000 | m.n));
	label(&m, "y", 1);
	ptr(&m, first);
	rrfix(&m, T_A, C_IN, 60, 4);
	rdata_a(&m, "192.0.2.2");
	ck_assert_int_eq(parse(&m, &a), DNS_BAD);
}
END_TEST

/* Reserved label types 01 (0x40) and 10 (0x80). */
START_TEST(test_reserved_label_types)
{
	static const uint8_t types[] = { 0x40, 0x41, 0x80, 0xbf };
	struct msg m;
	struct dns_answer a;

	hdr(&m, F_RESPONSE, 1, 1, 0, 0);
	question(&m, "ok.example", T_A);
	put8(&m, types[_i]);
	put8(&m, 'x');
	put8(&m, 0);
	rrfix(&m, T_A, C_IN, 60, 4);
	rdata_a(&m, "192.0.2.1");
	ck_assert_int_eq(parse(&m, &a), DNS_BAD);
}
END_TEST

START_TEST(test_label_too_long)
{
	char big[64];
	struct msg m;
	struct dns_answer a;

	memset(big, 'a', sizeof(big));
	hdr(&m, F_RESPONSE, 1, 1, 0, 0);
	label(&m, big, 63);
	put8(&m, 0);
	put16(&m, T_A);
	put16(&m, C_IN);
	rr_addr_ptr(&m, 12, "192.0.2.1", 60);
	ck_assert_int_eq(parse(&m, &a), DNS_OK);
	ck_assert_uint_eq(strlen(a.qname), 63);

	/* 64 reads as a reserved type (0x40): malformed. */
	hdr(&m, F_RESPONSE, 1, 1, 0, 0);
	label(&m, big, 64);
	put8(&m, 0);
	put16(&m, T_A);
	put16(&m, C_IN);
	rr_addr_ptr(&m, 12, "192.0.2.1", 60);
	ck_assert_int_eq(parse(&m, &a), DNS_BAD);
}
END_TEST

/* 253 characters is the longest name; 254 is malformed. */
START_TEST(test_name_too_long)
{
	char big[64], want[260];
	struct msg m;
	struct dns_answer a;
	size_t last = (size_t)_i;	/* 61: 253 characters; 62: 254 */

	memset(big, 'a', sizeof(big));
	hdr(&m, F_RESPONSE, 1, 1, 0, 0);
	label(&m, big, 63);
	label(&m, big, 63);
	label(&m, big, 63);
	label(&m, big, last);
	put8(&m, 0);
	put16(&m, T_A);
	put16(&m, C_IN);
	rr_addr_ptr(&m, 12, "192.0.2.1", 60);
	if (last == 61) {
		ck_assert_int_eq(parse(&m, &a), DNS_OK);
		ck_assert_uint_eq(strlen(a.qname), 253);
		memset(want, 'a', sizeof(want));
		want[63] = want[127] = want[191] = '.';
		want[253] = '\0';
		ck_assert_str_eq(a.qname, want);
	} else {
		ck_assert_int_eq(parse(&m, &a), DNS_BAD);
	}
}
END_TEST

/* The same limit holds when the name is put together through pointers. */
START_TEST(test_name_too_long_through_pointer)
{
	char big[64];
	struct msg m;
	struct dns_answer a;

	memset(big, 'b', sizeof(big));
	hdr(&m, F_RESPONSE, 1, 1, 0, 0);
	label(&m, big, 63);
	label(&m, big, 63);
	label(&m, big, 63);
	label(&m, big, 61);
	put8(&m, 0);			/* 253 characters: fine */
	put16(&m, T_A);
	put16(&m, C_IN);
	label(&m, "x", 1);		/* x. + 253 = 255 */
	ptr(&m, 12);
	rrfix(&m, T_A, C_IN, 60, 4);
	rdata_a(&m, "192.0.2.1");
	ck_assert_int_eq(parse(&m, &a), DNS_BAD);
}
END_TEST

/* A typical answer: CNAME then two A records, compressed, with EDNS OPT. */
static void
typical(struct msg *m)
{
	size_t rdlen_at, rd, t;

	hdr(m, F_RESPONSE, 1, 3, 0, 1);
	question(m, "api.stripe.com", T_A);		/* stripe. at 16 */
	ptr(m, 12);
	rrfix(m, T_CNAME, C_IN, 300, 0);
	rdlen_at = m->n - 2;
	rd = m->n;
	t = labels(m, "edge");
	ptr(m, 16);
	set16(m, rdlen_at, (uint16_t)(m->n - rd));
	rr_addr_ptr(m, t, "198.51.100.10", 60);
	rr_addr_ptr(m, t, "198.51.100.11", 60);
	put8(m, 0);				/* OPT: root owner */
	rrfix(m, T_OPT, 1232, 0, 0);
}

/* Every prefix of a valid message is malformed (or a bare header: none). */
START_TEST(test_truncated_every_offset)
{
	struct msg m;
	struct dns_answer a;
	enum dns_status st;
	uint8_t *copy;

	typical(&m);
	ck_assert_int_eq(parse(&m, &a), DNS_OK);
	ck_assert_uint_eq(a.n_addrs, 2);
	for (size_t n = 0; n < m.n; n++) {
		/* An exact-size heap copy, so ASan sees any read past n. */
		copy = malloc(n ? n : 1);
		ck_assert_ptr_nonnull(copy);
		memcpy(copy, m.b, n);
		memset(&a, 0x5a, sizeof(a));
		st = dns_parse_response(copy, n, &a);
		free(copy);
		ck_assert_msg(st == DNS_BAD || st == DNS_NONE,
		    "prefix of %zu bytes gave %d", n, (int)st);
		ck_assert_uint_eq(a.n_addrs, 0);
		ck_assert_uint_le(strlen(a.qname), 253);
	}
}
END_TEST

START_TEST(test_typical_answer)
{
	struct msg m;
	struct dns_answer a;

	typical(&m);
	ck_assert_int_eq(parse(&m, &a), DNS_OK);
	ck_assert_str_eq(a.qname, "api.stripe.com");
	assert_addr(&a, "198.51.100.10", 60);
	assert_addr(&a, "198.51.100.11", 60);
	ck_assert_uint_eq(a.skipped, 1);		/* the OPT record */
}
END_TEST

START_TEST(test_query_is_none)
{
	struct msg m;
	struct dns_answer a;

	simple_a(&m);
	set16(&m, 2, 0x0100);			/* QR 0: a query */
	ck_assert_int_eq(parse(&m, &a), DNS_NONE);
	ck_assert_uint_eq(a.n_addrs, 0);
}
END_TEST

START_TEST(test_rcode_opcode_qdcount)
{
	struct msg m;
	struct dns_answer a;

	simple_a(&m);
	set16(&m, 2, 0x8183);			/* NXDOMAIN */
	ck_assert_int_eq(parse(&m, &a), DNS_NONE);
	set16(&m, 2, 0x8182);			/* SERVFAIL */
	ck_assert_int_eq(parse(&m, &a), DNS_NONE);
	set16(&m, 2, 0x8180 | 4 << 11);		/* opcode NOTIFY */
	ck_assert_int_eq(parse(&m, &a), DNS_NONE);
	set16(&m, 2, F_RESPONSE);
	set16(&m, 4, 0);			/* no question */
	ck_assert_int_eq(parse(&m, &a), DNS_NONE);
	set16(&m, 4, 2);			/* two questions */
	ck_assert_int_eq(parse(&m, &a), DNS_NONE);
	set16(&m, 4, 1);
	ck_assert_int_eq(parse(&m, &a), DNS_OK);
}
END_TEST

/* RFC 6891: the OPT record's TTL carries the upper bits of RCODE. */
START_TEST(test_edns_extended_rcode)
{
	struct msg m;
	struct dns_answer a;

	typical(&m);
	m.b[m.n - 6] = 1;		/* OPT TTL top octet: BADVERS (16) */
	ck_assert_int_eq(parse(&m, &a), DNS_NONE);
	ck_assert_uint_eq(a.n_addrs, 0);
	m.b[m.n - 6] = 0;
	m.b[m.n - 5] = 0x80;		/* DO bit: no error */
	ck_assert_int_eq(parse(&m, &a), DNS_OK);
}
END_TEST

START_TEST(test_short_messages)
{
	struct msg m;
	struct dns_answer a;

	ck_assert_int_eq(dns_parse_response(NULL, 0, &a), DNS_BAD);
	hdr(&m, F_RESPONSE, 1, 0, 0, 0);	/* a header, no question */
	ck_assert_int_eq(parse(&m, &a), DNS_BAD);
	ck_assert_int_eq(dns_parse_response(m.b, 11, &a), DNS_BAD);
}
END_TEST

/* "evil.example A" in an answer to "good.example" teaches nothing. */
START_TEST(test_poisoning_other_owner)
{
	struct msg m;
	struct dns_answer a;

	hdr(&m, F_RESPONSE, 1, 1, 0, 0);
	question(&m, "good.example", T_A);
	rr_addr(&m, "evil.example", "198.51.100.1", 60);
	ck_assert_int_eq(parse(&m, &a), DNS_NONE);
	ck_assert_uint_eq(a.n_addrs, 0);
	ck_assert_uint_eq(a.skipped, 1);

	/* Next to a genuine answer: only the genuine one is taken. */
	hdr(&m, F_RESPONSE, 1, 3, 0, 0);
	question(&m, "good.example", T_A);
	rr_addr(&m, "good.example", "192.0.2.1", 60);
	rr_addr(&m, "evil.example", "198.51.100.1", 60);
	rr_addr(&m, "good.example.evil.example", "198.51.100.2", 60);
	ck_assert_int_eq(parse(&m, &a), DNS_OK);
	ck_assert_uint_eq(a.n_addrs, 1);
	assert_addr(&a, "192.0.2.1", 60);
	ck_assert_int_eq(find_addr(&a, "198.51.100.1"), -1);
	ck_assert_uint_eq(a.skipped, 2);
}
END_TEST

/* Compressed owners that switch between the question and another name. */
START_TEST(test_poisoning_compressed_owners)
{
	struct msg m;
	struct dns_answer a;
	size_t evil;

	hdr(&m, F_RESPONSE, 1, 5, 0, 0);
	question(&m, "good.example", T_A);
	rr_addr_ptr(&m, 12, "192.0.2.1", 60);
	evil = rr_addr(&m, "evil.example", "198.51.100.1", 60);
	rr_addr_ptr(&m, evil, "198.51.100.2", 60);
	rr_addr_ptr(&m, 12, "192.0.2.2", 60);
	rr_addr_ptr(&m, evil, "198.51.100.3", 60);
	ck_assert_int_eq(parse(&m, &a), DNS_OK);
	ck_assert_uint_eq(a.n_addrs, 2);
	assert_addr(&a, "192.0.2.1", 60);
	assert_addr(&a, "192.0.2.2", 60);
	ck_assert_uint_eq(a.skipped, 3);
}
END_TEST

/* A CNAME chain that does not start at the question is not followed. */
START_TEST(test_poisoning_detached_cname)
{
	struct msg m;
	struct dns_answer a;

	hdr(&m, F_RESPONSE, 1, 3, 0, 0);
	question(&m, "good.example", T_A);
	rr_cname(&m, "evil.example", "good.example", 60);	/* reverse */
	rr_cname(&m, "other.example", "evil.example", 60);
	rr_addr(&m, "evil.example", "198.51.100.1", 60);
	ck_assert_int_eq(parse(&m, &a), DNS_NONE);
	ck_assert_uint_eq(a.skipped, 3);
}
END_TEST

/* Glue in the additional section and NS in the authority are ignored. */
START_TEST(test_additional_glue_ignored)
{
	struct msg m;
	struct dns_answer a;
	size_t ns;

	hdr(&m, F_RESPONSE, 1, 1, 1, 2);
	question(&m, "good.example", T_A);
	rr_addr_ptr(&m, 12, "192.0.2.1", 60);
	ptr(&m, 12);
	rrfix(&m, T_NS, C_IN, 60, 0);
	ns = m.n;
	name(&m, "ns.good.example");
	set16(&m, ns - 2, (uint16_t)(m.n - ns));
	rr_addr(&m, "ns.good.example", "198.51.100.53", 60);
	rr_addr_ptr(&m, 12, "198.51.100.66", 60);	/* qname, but glue */
	ck_assert_int_eq(parse(&m, &a), DNS_OK);
	ck_assert_uint_eq(a.n_addrs, 1);
	assert_addr(&a, "192.0.2.1", 60);
	ck_assert_uint_eq(a.skipped, 3);

	/* Only glue: nothing. */
	hdr(&m, F_RESPONSE, 1, 0, 0, 1);
	question(&m, "good.example", T_A);
	rr_addr_ptr(&m, 12, "198.51.100.66", 60);
	ck_assert_int_eq(parse(&m, &a), DNS_NONE);
	ck_assert_uint_eq(a.skipped, 1);
}
END_TEST

/* Other types and classes, and A/AAAA of the wrong size, are skipped. */
START_TEST(test_other_types_and_classes)
{
	struct msg m;
	struct dns_answer a;

	hdr(&m, F_RESPONSE, 1, 5, 0, 0);
	question(&m, "t.example", T_A);
	ptr(&m, 12);
	rrfix(&m, T_TXT, C_IN, 60, 4);
	put32(&m, 0x03616263);
	ptr(&m, 12);
	rrfix(&m, T_A, C_CH, 60, 4);
	rdata_a(&m, "198.51.100.1");
	ptr(&m, 12);
	rrfix(&m, T_A, C_IN, 60, 5);
	rdata_a(&m, "198.51.100.2");
	put8(&m, 0);
	ptr(&m, 12);
	rrfix(&m, T_AAAA, C_IN, 60, 4);
	rdata_a(&m, "198.51.100.3");
	rr_addr_ptr(&m, 12, "192.0.2.1", 60);
	ck_assert_int_eq(parse(&m, &a), DNS_OK);
	ck_assert_uint_eq(a.n_addrs, 1);
	assert_addr(&a, "192.0.2.1", 60);
	ck_assert_uint_eq(a.skipped, 4);
}
END_TEST

/* A CNAME whose RDATA is not exactly one name is malformed. */
START_TEST(test_cname_rdata_must_be_one_name)
{
	struct msg m;
	struct dns_answer a;
	size_t rd;

	/* RDLENGTH longer than the name. */
	hdr(&m, F_RESPONSE, 1, 1, 0, 0);
	question(&m, "t.example", T_A);
	ptr(&m, 12);
	rrfix(&m, T_CNAME, C_IN, 60, 0);
	rd = m.n;
	name(&m, "u.example");
	put8(&m, 0xee);
	set16(&m, rd - 2, (uint16_t)(m.n - rd));
	ck_assert_int_eq(parse(&m, &a), DNS_BAD);

	/* RDLENGTH shorter than the name. */
	hdr(&m, F_RESPONSE, 1, 2, 0, 0);
	question(&m, "t.example", T_A);
	ptr(&m, 12);
	rrfix(&m, T_CNAME, C_IN, 60, 3);
	name(&m, "u.example");
	rr_addr(&m, "u.example", "192.0.2.1", 60);
	ck_assert_int_eq(parse(&m, &a), DNS_BAD);
}
END_TEST

/* ANCOUNT 65535 and a few bytes: runs into the end of the message. */
START_TEST(test_huge_ancount)
{
	struct msg m;
	struct dns_answer a;

	simple_a(&m);
	set16(&m, 6, 65535);
	ck_assert_int_eq(parse(&m, &a), DNS_BAD);
	ck_assert_uint_eq(a.n_addrs, 0);

	/* With TC set the complete records are used. */
	set16(&m, 2, F_RESPONSE | F_TC);
	ck_assert_int_eq(parse(&m, &a), DNS_OK);
	ck_assert_uint_eq(a.n_addrs, 1);
	assert_addr(&a, "192.0.2.1", 300);

	/* All four counts at 65535, no records at all. */
	hdr(&m, F_RESPONSE, 1, 65535, 65535, 65535);
	question(&m, "www.example.com", T_A);
	ck_assert_int_eq(parse(&m, &a), DNS_BAD);
}
END_TEST

/* TC: a record cut in the middle is dropped, the whole ones are kept. */
START_TEST(test_tc_partial_record)
{
	struct msg m;
	struct dns_answer a;

	hdr(&m, F_RESPONSE | F_TC, 1, 3, 0, 0);
	question(&m, "tc.example", T_A);
	rr_addr_ptr(&m, 12, "192.0.2.1", 60);
	rr_addr_ptr(&m, 12, "192.0.2.2", 60);
	rr_addr_ptr(&m, 12, "192.0.2.3", 60);
	m.n -= 3;
	ck_assert_int_eq(parse(&m, &a), DNS_OK);
	ck_assert_uint_eq(a.n_addrs, 2);
	ck_assert_int_eq(find_addr(&a, "192.0.2.3"), -1);

	/* Without TC the same bytes are a truncated message. */
	set16(&m, 2, F_RESPONSE);
	ck_assert_int_eq(parse(&m, &a), DNS_BAD);
}
END_TEST

START_TEST(test_max_addrs)
{
	struct msg m;
	struct dns_answer a;
	char text[32];

	hdr(&m, F_RESPONSE, 1, DNS_MAX_ADDRS + 8, 0, 0);
	question(&m, "many.example", T_A);
	for (int i = 0; i < DNS_MAX_ADDRS + 8; i++) {
		snprintf(text, sizeof(text), "198.51.100.%d", i + 1);
		rr_addr_ptr(&m, 12, text, 60);
	}
	ck_assert_int_eq(parse(&m, &a), DNS_OK);
	ck_assert_uint_eq(a.n_addrs, DNS_MAX_ADDRS);
	ck_assert_uint_eq(a.skipped, 8);
	assert_addr(&a, "198.51.100.1", 60);
	ck_assert_int_eq(find_addr(&a, "198.51.100.33"), -1);
}
END_TEST

START_TEST(test_case_insensitive)
{
	struct msg m;
	struct dns_answer a;

	hdr(&m, F_RESPONSE, 1, 3, 0, 0);
	question(&m, "WWW.Example.COM", T_A);
	rr_cname(&m, "www.EXAMPLE.com", "Edge.CDN.example", 60);
	rr_addr(&m, "EDGE.cdn.EXAMPLE", "192.0.2.1", 60);
	rr_addr(&m, "www.example.com", "2001:db8::1", 60);
	ck_assert_int_eq(parse(&m, &a), DNS_OK);
	ck_assert_str_eq(a.qname, "www.example.com");
	ck_assert_uint_eq(a.n_addrs, 2);
	assert_addr(&a, "192.0.2.1", 60);
	assert_addr(&a, "2001:db8::1", 60);
}
END_TEST

/* Names that are well formed but no printable hostname. */
START_TEST(test_unprintable_names)
{
	struct msg m;
	struct dns_answer a;

	/* A question with a control byte: nothing to learn, no name kept. */
	hdr(&m, F_RESPONSE, 1, 1, 0, 0);
	label(&m, "bad\001name", 8);
	labels(&m, "example");
	put8(&m, 0);
	put16(&m, T_A);
	put16(&m, C_IN);
	rr_addr_ptr(&m, 12, "192.0.2.1", 60);
	ck_assert_int_eq(parse(&m, &a), DNS_NONE);
	ck_assert_str_eq(a.qname, "");
	ck_assert_uint_eq(a.skipped, 1);

	/* A dot inside a label would read as two labels. */
	hdr(&m, F_RESPONSE, 1, 1, 0, 0);
	label(&m, "api.stripe", 10);
	labels(&m, "com");
	put8(&m, 0);
	put16(&m, T_A);
	put16(&m, C_IN);
	rr_addr_ptr(&m, 12, "192.0.2.1", 60);
	ck_assert_int_eq(parse(&m, &a), DNS_NONE);
	ck_assert_str_eq(a.qname, "");

	/* Space and a high byte in a CNAME target: that link is skipped. */
	hdr(&m, F_RESPONSE, 1, 2, 0, 0);
	question(&m, "q.example", T_A);
	rr_cname(&m, "q.example", "sp ace.example", 60);
	rr_addr(&m, "sp ace.example", "192.0.2.1", 60);
	ck_assert_int_eq(parse(&m, &a), DNS_NONE);
	ck_assert_uint_eq(a.skipped, 2);

	hdr(&m, F_RESPONSE, 1, 1, 0, 0);
	question(&m, "q.example", T_A);
	label(&m, "q\xc3\xa9", 3);
	labels(&m, "example");
	put8(&m, 0);
	rrfix(&m, T_A, C_IN, 60, 4);
	rdata_a(&m, "192.0.2.1");
	ck_assert_int_eq(parse(&m, &a), DNS_NONE);
	ck_assert_uint_eq(a.skipped, 1);
}
END_TEST

/* The root as the question: no hostname to learn. */
START_TEST(test_root_question)
{
	struct msg m;
	struct dns_answer a;

	hdr(&m, F_RESPONSE, 1, 1, 0, 0);
	put8(&m, 0);
	put16(&m, T_A);
	put16(&m, C_IN);
	put8(&m, 0);
	rrfix(&m, T_A, C_IN, 60, 4);
	rdata_a(&m, "192.0.2.1");
	ck_assert_int_eq(parse(&m, &a), DNS_NONE);
	ck_assert_str_eq(a.qname, "");
}
END_TEST

/* Bytes after the last record (padding) do not matter. */
START_TEST(test_trailing_bytes)
{
	struct msg m;
	struct dns_answer a;

	simple_a(&m);
	put32(&m, 0xdeadbeef);
	ck_assert_int_eq(parse(&m, &a), DNS_OK);
	ck_assert_uint_eq(a.n_addrs, 1);
}
END_TEST

static Suite *
dns_suite(void)
{
	Suite *s = suite_create("dns");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_simple_a);
	tcase_add_test(tc, test_aaaa);
	tcase_add_test(tc, test_multiple_answers);
	tcase_add_test(tc, test_duplicate_address_once);
	tcase_add_test(tc, test_cname_chain_in_order);
	tcase_add_test(tc, test_cname_chain_out_of_order);
	tcase_add_test(tc, test_ttl_min_along_chain);
	tcase_add_test(tc, test_ttl_top_bit_is_zero);
	tcase_add_test(tc, test_cname_loop_terminates);
	tcase_add_loop_test(tc, test_cname_chain_bounded, 16, 18);
	tcase_add_test(tc, test_cname_second_for_same_owner_ignored);
	tcase_add_test(tc, test_compression_valid);
	tcase_add_test(tc, test_compression_forward);
	tcase_add_test(tc, test_compression_out_of_bounds);
	tcase_add_test(tc, test_compression_loop_at_question);
	tcase_add_test(tc, test_compression_mutual_loop);
	tcase_add_loop_test(tc, test_reserved_label_types, 0, 4);
	tcase_add_test(tc, test_label_too_long);
	tcase_add_loop_test(tc, test_name_too_long, 61, 63);
	tcase_add_test(tc, test_name_too_long_through_pointer);
	tcase_add_test(tc, test_typical_answer);
	tcase_add_test(tc, test_truncated_every_offset);
	tcase_add_test(tc, test_query_is_none);
	tcase_add_test(tc, test_rcode_opcode_qdcount);
	tcase_add_test(tc, test_edns_extended_rcode);
	tcase_add_test(tc, test_short_messages);
	tcase_add_test(tc, test_poisoning_other_owner);
	tcase_add_test(tc, test_poisoning_compressed_owners);
	tcase_add_test(tc, test_poisoning_detached_cname);
	tcase_add_test(tc, test_additional_glue_ignored);
	tcase_add_test(tc, test_other_types_and_classes);
	tcase_add_test(tc, test_cname_rdata_must_be_one_name);
	tcase_add_test(tc, test_huge_ancount);
	tcase_add_test(tc, test_tc_partial_record);
	tcase_add_test(tc, test_max_addrs);
	tcase_add_test(tc, test_case_insensitive);
	tcase_add_test(tc, test_unprintable_names);
	tcase_add_test(tc, test_root_question);
	tcase_add_test(tc, test_trailing_bytes);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(dns_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
