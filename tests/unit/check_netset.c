/* Unit tests for rules/netset: longest-prefix match against a linear scan. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules/netset.h"

static struct ipaddr
A(const char *s)
{
	struct ipaddr a;

	ck_assert_msg(ipaddr_parse(s, &a) == 0, "cannot parse \"%s\"", s);
	return a;
}

static int
add(struct netset *s, const char *prefix, int value)
{
	struct ipprefix p;
	const char *why = NULL;

	ck_assert_msg(ipprefix_parse(prefix, &p, &why) == 0, "\"%s\": %s",
	    prefix, why ? why : "?");
	return netset_add(s, &p, value);
}

/* The value for addr, asserting the matched length (16-byte form). */
static int
look(const struct netset *s, const char *addr, unsigned wantlen)
{
	struct ipaddr a = A(addr);
	unsigned len = 999;
	int v = netset_lookup(s, &a, &len);

	if (v >= 0)
		ck_assert_msg(len == wantlen, "%s: len %u, want %u", addr, len,
		    wantlen);
	return v;
}

START_TEST(test_empty)
{
	struct netset *s = netset_new();
	struct ipaddr a = A("10.0.0.1");
	unsigned len = 7;

	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(netset_count(s), 0);
	ck_assert_int_eq(netset_lookup(s, &a, &len), -1);
	ck_assert_uint_eq(len, 0);
	a = A("2001:db8::1");
	ck_assert_int_eq(netset_lookup(s, &a, NULL), -1);
	a = A("::");
	ck_assert_int_eq(netset_lookup(s, &a, NULL), -1);
	netset_free(s);
	netset_free(NULL);
}
END_TEST

START_TEST(test_longest_wins)
{
	struct netset *s = netset_new();

	ck_assert_int_eq(add(s, "10.0.0.0/8", 1), 0);
	ck_assert_int_eq(add(s, "10.1.2.3/32", 3), 0);
	ck_assert_int_eq(add(s, "10.1.0.0/16", 2), 0);
	ck_assert_uint_eq(netset_count(s), 3);

	ck_assert_int_eq(look(s, "10.1.2.3", 128), 3);
	ck_assert_int_eq(look(s, "10.1.2.4", 112), 2);
	ck_assert_int_eq(look(s, "10.1.2.2", 112), 2);
	ck_assert_int_eq(look(s, "10.1.255.255", 112), 2);
	ck_assert_int_eq(look(s, "10.2.0.0", 104), 1);
	ck_assert_int_eq(look(s, "10.0.255.255", 104), 1);
	ck_assert_int_eq(look(s, "10.255.255.255", 104), 1);
	ck_assert_int_eq(look(s, "11.0.0.0", 0), -1);
	ck_assert_int_eq(look(s, "9.255.255.255", 0), -1);
	/* An IPv6 address that shares the low 32 bits is not 10/8. */
	ck_assert_int_eq(look(s, "::10.1.2.3", 0), -1);
	ck_assert_int_eq(look(s, "2001:db8::a01:203", 0), -1);
	/* 0 is a value like any other. */
	ck_assert_int_eq(add(s, "10.1.2.0/24", 0), 0);
	ck_assert_int_eq(look(s, "10.1.2.4", 120), 0);
	ck_assert_int_eq(look(s, "10.1.3.4", 112), 2);
	netset_free(s);
}
END_TEST

START_TEST(test_family_isolation)
{
	struct netset *s = netset_new();

	ck_assert_int_eq(add(s, "0.0.0.0/0", 4), 0);
	ck_assert_int_eq(add(s, "2001:db8::/32", 6), 0);
	ck_assert_int_eq(look(s, "192.0.2.1", 96), 4);
	ck_assert_int_eq(look(s, "::ffff:192.0.2.1", 96), 4);
	ck_assert_int_eq(look(s, "2001:db8::1", 32), 6);
	/* 0.0.0.0/0 is IPv4 only. */
	ck_assert_int_eq(look(s, "2001:db9::1", 0), -1);
	ck_assert_int_eq(look(s, "::", 0), -1);
	ck_assert_int_eq(look(s, "::1", 0), -1);
	netset_free(s);
}
END_TEST

START_TEST(test_v6_default_covers_v4)
{
	struct netset *s = netset_new();

	ck_assert_int_eq(add(s, "::/0", 0), 0);
	ck_assert_int_eq(look(s, "1.2.3.4", 0), 0);
	ck_assert_int_eq(look(s, "2001:db8::1", 0), 0);
	ck_assert_int_eq(look(s, "::", 0), 0);

	/* A v4 prefix beats any v6-trie prefix covering IPv4 space. */
	ck_assert_int_eq(add(s, "1.0.0.0/8", 8), 0);
	ck_assert_int_eq(look(s, "1.2.3.4", 104), 8);
	ck_assert_int_eq(look(s, "2.2.3.4", 0), 0);

	/* Longer v6 prefixes over the mapped space take over from ::/0. */
	ck_assert_int_eq(add(s, "::/64", 64), 0);
	ck_assert_int_eq(look(s, "2.2.3.4", 64), 64);
	ck_assert_int_eq(add(s, "::fffe:0:0/95", 95), 0);
	ck_assert_int_eq(look(s, "2.2.3.4", 95), 95);
	/* A shorter one added later does not. */
	ck_assert_int_eq(add(s, "::/32", 32), 0);
	ck_assert_int_eq(look(s, "2.2.3.4", 95), 95);
	ck_assert_int_eq(look(s, "::1:0:0:1", 64), 64);
	ck_assert_int_eq(look(s, "0:0:1::1", 32), 32);
	ck_assert_int_eq(look(s, "1.2.3.4", 104), 8);

	/* Prefixes that do not cover ::ffff:0:0/96 leave IPv4 alone. */
	ck_assert_int_eq(add(s, "::fffe:0:0/96", 7), 0);
	ck_assert_int_eq(look(s, "2.2.3.4", 95), 95);
	ck_assert_int_eq(look(s, "::fffe:1.2.3.4", 96), 7);

	/* ::ffff:0:0/96 is 0.0.0.0/0, the IPv4 root. */
	ck_assert_int_eq(add(s, "::ffff:0:0/96", 96), 0);
	ck_assert_int_eq(look(s, "2.2.3.4", 96), 96);
	ck_assert_int_eq(add(s, "0.0.0.0/0", 97), 1);
	ck_assert_int_eq(look(s, "2.2.3.4", 96), 97);
	netset_free(s);
}
END_TEST

START_TEST(test_v4_default)
{
	struct netset *s = netset_new();

	ck_assert_int_eq(add(s, "0.0.0.0/0", 5), 0);
	ck_assert_int_eq(look(s, "0.0.0.0", 96), 5);
	ck_assert_int_eq(look(s, "255.255.255.255", 96), 5);
	ck_assert_int_eq(add(s, "255.255.255.255/32", 6), 0);
	ck_assert_int_eq(look(s, "255.255.255.255", 128), 6);
	ck_assert_int_eq(look(s, "255.255.255.254", 96), 5);
	ck_assert_int_eq(add(s, "::/0", 1), 0);
	ck_assert_int_eq(look(s, "255.255.255.254", 96), 5);
	ck_assert_int_eq(look(s, "2001:db8::", 0), 1);
	netset_free(s);
}
END_TEST

START_TEST(test_duplicate)
{
	struct netset *s = netset_new();

	ck_assert_int_eq(add(s, "10.0.0.0/8", 1), 0);
	ck_assert_int_eq(add(s, "10.0.0.0/8", 2), 1);
	ck_assert_uint_eq(netset_count(s), 1);
	ck_assert_int_eq(look(s, "10.9.9.9", 104), 2);
	/* The same prefix written as IPv6 is the same prefix. */
	ck_assert_int_eq(add(s, "::ffff:10.0.0.0/104", 3), 1);
	ck_assert_uint_eq(netset_count(s), 1);
	ck_assert_int_eq(look(s, "10.9.9.9", 104), 3);
	ck_assert_int_eq(add(s, "2001:db8::/32", 4), 0);
	ck_assert_int_eq(add(s, "2001:db8::/32", 5), 1);
	ck_assert_int_eq(add(s, "::/0", 6), 0);
	ck_assert_int_eq(add(s, "::/0", 7), 1);
	ck_assert_uint_eq(netset_count(s), 3);
	ck_assert_int_eq(look(s, "2001:db8::1", 32), 5);
	ck_assert_int_eq(look(s, "11.0.0.0", 0), 7);
	netset_free(s);
}
END_TEST

START_TEST(test_bad_args)
{
	struct netset *s = netset_new();
	struct ipprefix p;

	ck_assert_int_eq(ipprefix_parse("10.0.0.0/8", &p, NULL), 0);
	ck_assert_int_eq(netset_add(s, &p, -1), -1);
	p.len = 129;
	ck_assert_int_eq(netset_add(s, &p, 1), -1);
	ck_assert_uint_eq(netset_count(s), 0);
	ck_assert_int_eq(netset_lookup(NULL, &p.addr, NULL), -1);
	ck_assert_uint_eq(netset_count(NULL), 0);
	netset_free(s);
}
END_TEST

/*
 * Randomised comparison with a linear scan. xorshift64* with a fixed seed
 * rather than rand(), so a failure reproduces on any libc.
 */
static uint64_t rng_state;

static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

#define NPREFIX 5000
#define NLOOKUP 100000
#define NBASE 48

struct ref {
	uint64_t hi, lo;	/* prefix bits */
	uint64_t mhi, mlo;	/* mask of its length */
	unsigned len;
	int value;
};

static uint64_t
load64(const uint8_t *b)
{
	uint64_t x = 0;
	int i;

	for (i = 0; i < 8; i++)
		x = x << 8 | b[i];
	return x;
}

static void
randomize(struct ipaddr *a, unsigned from)
{
	unsigned i;

	/* Flips random bits past the first 'from', keeping the head. */
	for (i = from; i < 128; i++)
		if (rng() & 1)
			a->b[i / 8] ^= (uint8_t)(0x80u >> (i % 8));
}

/* A random address: near one of a few bases, so prefixes nest and collide. */
static void
random_addr(struct ipaddr *a, const struct ipaddr *base, bool v4)
{
	*a = base[rng() % NBASE];
	if (v4) {
		a->b[12 + rng() % 4] ^= (uint8_t)rng();
		if (rng() % 4 == 0)
			randomize(a, 96 + (unsigned)(rng() % 33));
	} else {
		a->b[rng() % 16] ^= (uint8_t)rng();
		if (rng() % 4 == 0)
			randomize(a, (unsigned)(rng() % 129));
	}
}

START_TEST(test_random_vs_linear)
{
	static struct ref ref[NPREFIX];
	struct ipaddr base[NBASE];
	struct netset *s = netset_new();
	size_t nref = 0, distinct = 0, hits = 0, nseen, i, j;
	bool seen[129] = { false };
	unsigned len, bestlen;
	int v, best, r;

	rng_state = 0x9e3779b97f4a7c15ULL;
	for (i = 0; i < NBASE; i++) {
		uint8_t b[16];

		for (j = 0; j < 16; j++)
			b[j] = (uint8_t)rng();
		if (i < NBASE / 2) {
			ipaddr_from_v4(&base[i], b);
		} else {
			/* Some v6 bases sit next to the mapped space. */
			if (i % 4 == 0)
				memset(b, 0, 12);
			ipaddr_from_v6(&base[i], b);
		}
	}
	for (i = 0; i < NPREFIX; i++) {
		bool v4 = rng() % 2;
		struct ipaddr a;
		struct ipprefix p;
		unsigned l;

		random_addr(&a, base, v4);
		l = v4 ? 96 + (unsigned)(rng() % 33) : (unsigned)(rng() % 129);
		if (!v4 && rng() % 8 == 0)
			l = (unsigned)(rng() % 97);	/* may cover IPv4 */
		ipprefix_of(&p, &a, l);
		v = (int)(rng() % 1000000);
		r = netset_add(s, &p, v);
		ck_assert_int_ne(r, -1);
		if (r == 0)
			distinct++;
		ref[nref].hi = load64(p.addr.b);
		ref[nref].lo = load64(p.addr.b + 8);
		ref[nref].mhi = l == 0 ? 0 : l >= 64 ? ~0ULL : ~0ULL << (64 - l);
		ref[nref].mlo = l <= 64 ? 0 : l == 128 ? ~0ULL :
		    ~0ULL << (128 - l);
		ref[nref].len = l;
		ref[nref].value = v;
		nref++;
	}
	ck_assert_uint_eq(netset_count(s), distinct);
	ck_assert_uint_gt(distinct, NPREFIX / 2);

	for (i = 0; i < NLOOKUP; i++) {
		struct ipaddr a;
		uint64_t hi, lo;

		random_addr(&a, base, rng() % 2);
		hi = load64(a.b);
		lo = load64(a.b + 8);
		best = -1;
		bestlen = 0;
		/*
		 * Equal lengths that both match are the same prefix: the later
		 * add replaced the value, hence >=.
		 */
		for (j = 0; j < nref; j++)
			if ((hi & ref[j].mhi) == ref[j].hi &&
			    (lo & ref[j].mlo) == ref[j].lo &&
			    (best < 0 || ref[j].len >= bestlen)) {
				best = ref[j].value;
				bestlen = ref[j].len;
			}
		len = 999;
		v = netset_lookup(s, &a, &len);
		if (v != best || (v >= 0 && len != bestlen)) {
			char buf[IPADDR_STRLEN];

			ck_abort_msg("%s: got %d/%u, want %d/%u",
			    ipaddr_format(&a, buf), v, len, best, bestlen);
		}
		if (best >= 0) {
			hits++;
			seen[bestlen] = true;
		}
	}
	/*
	 * The test means something only if most lookups hit a prefix and the
	 * answers range over many lengths, the default routes not dominating.
	 */
	ck_assert_uint_gt(hits, NLOOKUP / 2);
	for (j = 0, nseen = 0; j <= 128; j++)
		nseen += seen[j];
	ck_assert_uint_gt(nseen, 100);
	netset_free(s);
}
END_TEST

static Suite *
netset_suite(void)
{
	Suite *s = suite_create("netset");
	TCase *tc = tcase_create("core");
	TCase *tr = tcase_create("random");

	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_longest_wins);
	tcase_add_test(tc, test_family_isolation);
	tcase_add_test(tc, test_v6_default_covers_v4);
	tcase_add_test(tc, test_v4_default);
	tcase_add_test(tc, test_duplicate);
	tcase_add_test(tc, test_bad_args);
	suite_add_tcase(s, tc);
	/* 5e8 brute-force comparisons: slow under sanitizers. */
	tcase_set_timeout(tr, 300);
	tcase_add_test(tr, test_random_vs_linear);
	suite_add_tcase(s, tr);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(netset_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
