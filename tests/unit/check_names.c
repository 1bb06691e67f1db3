/* Unit tests for agent/names: the address -> hostname cache (TTL, LRU, bounds). */
#include <check.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/dns.h"
#include "agent/names.h"

static struct ipaddr
A(const char *s)
{
	struct ipaddr a;

	ck_assert_msg(ipaddr_parse(s, &a) == 0, "cannot parse \"%s\"", s);
	return a;
}

/* The n-th test address: IPv4 in 10/8 for even n, IPv6 in 2001:db8::/32 for odd. */
static struct ipaddr
nth(uint32_t n)
{
	struct ipaddr a;
	uint8_t v4[4] = { 10, (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n };

	if (n % 2 == 0) {
		ipaddr_from_v4(&a, v4);
	} else {
		memset(&a, 0, sizeof(a));
		a.b[0] = 0x20;
		a.b[1] = 0x01;
		a.b[2] = 0x0d;
		a.b[3] = 0xb8;
		a.b[12] = (uint8_t)(n >> 24);
		a.b[13] = (uint8_t)(n >> 16);
		a.b[14] = (uint8_t)(n >> 8);
		a.b[15] = (uint8_t)n;
	}
	return a;
}

static const char *
nth_name(uint32_t n, char buf[64])
{
	snprintf(buf, 64, "h%u.example", n);
	return buf;
}

static struct name_cache *
cache(size_t cap, uint32_t min_ttl, uint32_t max_ttl)
{
	struct name_cache *c = name_cache_new(cap, min_ttl, max_ttl);

	ck_assert_ptr_nonnull(c);
	return c;
}

static struct name_cache_stats
stats(const struct name_cache *c)
{
	struct name_cache_stats st;

	memset(&st, 0xa5, sizeof(st));
	name_cache_get_stats(c, &st);
	return st;
}

START_TEST(test_put_get)
{
	struct name_cache *c = cache(16, 0, 3600);
	struct ipaddr a4 = A("192.0.2.1"), a6 = A("2001:db8::1");
	const char *n;

	ck_assert_ptr_null(name_cache_get(c, &a4, 0));
	name_cache_put(c, &a4, "api.stripe.com", 300, 1000);
	name_cache_put(c, &a6, "v6.example", 300, 1000);
	n = name_cache_get(c, &a4, 1000);
	ck_assert_ptr_nonnull(n);
	ck_assert_str_eq(n, "api.stripe.com");
	n = name_cache_get(c, &a6, 1001);
	ck_assert_ptr_nonnull(n);
	ck_assert_str_eq(n, "v6.example");
	name_cache_free(c);
}
END_TEST

/* IPv4 and its mapped form are one key; IPv4-compatible and others are not. */
START_TEST(test_v4_v6_keys)
{
	struct name_cache *c = cache(16, 0, 3600);
	struct ipaddr v4 = A("192.0.2.1"), mapped = A("::ffff:192.0.2.1");
	struct ipaddr compat = A("::192.0.2.1"), v6 = A("2001:db8::c000:201");

	name_cache_put(c, &v4, "four.example", 60, 0);
	ck_assert_str_eq(name_cache_get(c, &mapped, 0), "four.example");
	ck_assert_ptr_null(name_cache_get(c, &compat, 0));
	ck_assert_ptr_null(name_cache_get(c, &v6, 0));
	name_cache_put(c, &v6, "six.example", 60, 0);
	ck_assert_str_eq(name_cache_get(c, &v4, 0), "four.example");
	ck_assert_str_eq(name_cache_get(c, &v6, 0), "six.example");
	ck_assert_uint_eq(stats(c).count, 2);
	name_cache_free(c);
}
END_TEST

START_TEST(test_replacement)
{
	struct name_cache *c = cache(16, 0, 3600);
	struct ipaddr a = A("198.51.100.7");

	name_cache_put(c, &a, "old.example", 60, 100);
	name_cache_put(c, &a, "New.Example", 60, 130);
	ck_assert_str_eq(name_cache_get(c, &a, 131), "new.example");
	/* The expiry moved with the new put: 130 + 60. */
	ck_assert_ptr_nonnull(name_cache_get(c, &a, 189));
	ck_assert_ptr_null(name_cache_get(c, &a, 190));
	ck_assert_uint_eq(stats(c).learned, 2);
	ck_assert_uint_eq(stats(c).expired, 1);
	name_cache_free(c);
}
END_TEST

/* Valid while now < put time + ttl. */
START_TEST(test_ttl_boundaries)
{
	struct name_cache *c = cache(16, 0, 3600);
	struct ipaddr a = A("192.0.2.2"), b = A("192.0.2.3");
	struct name_cache_stats st;

	name_cache_put(c, &a, "a.example", 10, 100);
	ck_assert_ptr_nonnull(name_cache_get(c, &a, 100));
	ck_assert_ptr_nonnull(name_cache_get(c, &a, 109));
	ck_assert_ptr_null(name_cache_get(c, &a, 110));
	/* Removed: even an earlier clock does not bring it back. */
	ck_assert_ptr_null(name_cache_get(c, &a, 105));
	st = stats(c);
	ck_assert_uint_eq(st.expired, 1);
	ck_assert_uint_eq(st.count, 0);

	/* TTL 0 with min_ttl 0: never valid. */
	name_cache_put(c, &b, "b.example", 0, 100);
	ck_assert_ptr_null(name_cache_get(c, &b, 100));
	name_cache_free(c);
}
END_TEST

START_TEST(test_ttl_clamped)
{
	struct name_cache *c = cache(16, 60, 3600);
	struct ipaddr a = A("192.0.2.4"), b = A("192.0.2.5");

	name_cache_put(c, &a, "zero.example", 0, 1000);
	ck_assert_ptr_nonnull(name_cache_get(c, &a, 1059));
	ck_assert_ptr_null(name_cache_get(c, &a, 1060));

	name_cache_put(c, &b, "forever.example", UINT32_MAX, 1000);
	ck_assert_ptr_nonnull(name_cache_get(c, &b, 4599));
	ck_assert_ptr_null(name_cache_get(c, &b, 4600));
	name_cache_free(c);
}
END_TEST

/* Expiry near the end of time does not wrap around. */
START_TEST(test_ttl_no_overflow)
{
	struct name_cache *c = cache(4, 0, UINT32_MAX);
	struct ipaddr a = A("192.0.2.6");

	name_cache_put(c, &a, "late.example", UINT32_MAX, INT64_MAX - 5);
	ck_assert_ptr_nonnull(name_cache_get(c, &a, INT64_MAX - 1));
	name_cache_free(c);
}
END_TEST

START_TEST(test_lru_eviction)
{
	struct name_cache *c = cache(3, 0, 3600);
	struct ipaddr a = A("192.0.2.10"), b = A("192.0.2.11");
	struct ipaddr d = A("192.0.2.12"), e = A("192.0.2.13");
	struct name_cache_stats st;

	name_cache_put(c, &a, "a.example", 600, 0);
	name_cache_put(c, &b, "b.example", 600, 1);
	name_cache_put(c, &d, "d.example", 600, 2);
	ck_assert_ptr_nonnull(name_cache_get(c, &a, 3));	/* a is fresh */
	name_cache_put(c, &e, "e.example", 600, 4);		/* b goes */
	ck_assert_ptr_null(name_cache_get(c, &b, 5));
	ck_assert_str_eq(name_cache_get(c, &a, 5), "a.example");
	ck_assert_str_eq(name_cache_get(c, &d, 5), "d.example");
	ck_assert_str_eq(name_cache_get(c, &e, 5), "e.example");
	st = stats(c);
	ck_assert_uint_eq(st.count, 3);
	ck_assert_uint_eq(st.capacity, 3);
	ck_assert_uint_eq(st.evicted, 1);
	ck_assert_uint_eq(st.expired, 0);

	/* A replacing put refreshes too: a was touched last, now d. */
	name_cache_put(c, &d, "d2.example", 600, 6);
	name_cache_put(c, &b, "b.example", 600, 7);		/* a goes */
	ck_assert_ptr_null(name_cache_get(c, &a, 8));
	ck_assert_str_eq(name_cache_get(c, &d, 8), "d2.example");
	ck_assert_uint_eq(stats(c).evicted, 2);
	name_cache_free(c);
}
END_TEST

/* A full cache whose oldest entry has expired counts it as expired. */
START_TEST(test_eviction_of_expired)
{
	struct name_cache *c = cache(2, 0, 3600);
	struct ipaddr a = A("192.0.2.20"), b = A("192.0.2.21");
	struct ipaddr d = A("192.0.2.22");
	struct name_cache_stats st;

	name_cache_put(c, &a, "a.example", 10, 0);
	name_cache_put(c, &b, "b.example", 600, 0);
	name_cache_put(c, &d, "d.example", 600, 20);
	st = stats(c);
	ck_assert_uint_eq(st.evicted, 0);
	ck_assert_uint_eq(st.expired, 1);
	ck_assert_str_eq(name_cache_get(c, &b, 21), "b.example");
	ck_assert_str_eq(name_cache_get(c, &d, 21), "d.example");
	name_cache_free(c);
}
END_TEST

/* A slot freed by expiry is reused before anything is evicted. */
START_TEST(test_expired_slot_reused)
{
	struct name_cache *c = cache(2, 0, 3600);
	struct ipaddr a = A("192.0.2.30"), b = A("192.0.2.31");
	struct ipaddr d = A("192.0.2.32");

	name_cache_put(c, &a, "a.example", 600, 0);
	name_cache_put(c, &b, "b.example", 5, 0);
	ck_assert_ptr_null(name_cache_get(c, &b, 10));
	ck_assert_uint_eq(stats(c).count, 1);
	name_cache_put(c, &d, "d.example", 600, 10);
	ck_assert_uint_eq(stats(c).evicted, 0);
	ck_assert_str_eq(name_cache_get(c, &a, 11), "a.example");
	ck_assert_str_eq(name_cache_get(c, &d, 11), "d.example");
	name_cache_free(c);
}
END_TEST

/* Thousands of keys: each finds its own name and no other key finds one. */
START_TEST(test_no_foreign_names)
{
	struct name_cache *c = cache(8192, 0, 3600);
	char buf[64];
	const char *n;
	struct ipaddr a;
	uint32_t i;

	for (i = 0; i < 8000; i++) {
		a = nth(i);
		name_cache_put(c, &a, nth_name(i, buf), 600, 0);
	}
	for (i = 0; i < 8000; i++) {
		a = nth(i);
		n = name_cache_get(c, &a, 1);
		ck_assert_ptr_nonnull(n);
		ck_assert_str_eq(n, nth_name(i, buf));
	}
	for (i = 8000; i < 40000; i++) {
		a = nth(i);
		ck_assert_ptr_null(name_cache_get(c, &a, 1));
	}
	/* Neighbours one bit away: only a key that was put answers, with its name. */
	for (i = 0; i < 16 * 8; i++) {
		uint32_t k;

		a = nth(2);
		a.b[i / 8] ^= (uint8_t)(1u << (i % 8));
		n = name_cache_get(c, &a, 1);
		k = (uint32_t)ipaddr_v4(&a)[1] << 16 |
		    (uint32_t)ipaddr_v4(&a)[2] << 8 | ipaddr_v4(&a)[3];
		if (ipaddr_is_v4(&a) && ipaddr_v4(&a)[0] == 10 && k % 2 == 0 &&
		    k < 8000) {
			ck_assert_ptr_nonnull(n);
			ck_assert_str_eq(n, nth_name(k, buf));
		} else {
			ck_assert_msg(n == NULL, "bit %u found %s", i, n);
		}
	}
	name_cache_free(c);
}
END_TEST

/* 100k puts into 1000 slots: bounded, and the latest 1000 are the ones kept. */
START_TEST(test_bounded_under_churn)
{
	struct name_cache *c = cache(1000, 0, 86400);
	struct name_cache_stats st;
	char buf[64];
	const char *n;
	struct ipaddr a;
	uint32_t i;

	for (i = 0; i < 100000; i++) {
		a = nth(i);
		name_cache_put(c, &a, nth_name(i, buf), 3600, i / 100);
		if (i % 997 == 0)
			ck_assert_uint_le(stats(c).count, 1000);
	}
	st = stats(c);
	ck_assert_uint_eq(st.count, 1000);
	ck_assert_uint_eq(st.learned, 100000);
	ck_assert_uint_eq(st.evicted, 99000);
	for (i = 99000; i < 100000; i++) {
		a = nth(i);
		n = name_cache_get(c, &a, 1000);
		ck_assert_ptr_nonnull(n);
		ck_assert_str_eq(n, nth_name(i, buf));
	}
	for (i = 0; i < 99000; i += 7) {
		a = nth(i);
		ck_assert_ptr_null(name_cache_get(c, &a, 1000));
	}
	name_cache_free(c);
}
END_TEST

START_TEST(test_stats)
{
	struct name_cache *c = cache(8, 0, 3600);
	struct ipaddr a = A("192.0.2.40"), b = A("192.0.2.41");
	struct name_cache_stats st;

	st = stats(c);
	ck_assert_uint_eq(st.count, 0);
	ck_assert_uint_eq(st.capacity, 8);
	ck_assert_uint_eq(st.learned, 0);
	ck_assert_uint_eq(st.hits, 0);
	ck_assert_uint_eq(st.misses, 0);
	name_cache_put(c, &a, "a.example", 30, 0);
	(void)name_cache_get(c, &a, 1);
	(void)name_cache_get(c, &a, 2);
	(void)name_cache_get(c, &b, 2);
	(void)name_cache_get(c, &a, 30);	/* expired: a miss */
	st = stats(c);
	ck_assert_uint_eq(st.count, 0);
	ck_assert_uint_eq(st.learned, 1);
	ck_assert_uint_eq(st.hits, 2);
	ck_assert_uint_eq(st.misses, 2);
	ck_assert_uint_eq(st.expired, 1);
	ck_assert_uint_eq(st.evicted, 0);
	name_cache_free(c);
}
END_TEST

/* Names are stored lower case; empty and over-long names are refused, not cut. */
START_TEST(test_names_stored)
{
	struct name_cache *c = cache(8, 0, 3600);
	struct ipaddr a = A("192.0.2.50"), b = A("192.0.2.51");
	char big[300];

	name_cache_put(c, &a, "API.Stripe.COM", 60, 0);
	ck_assert_str_eq(name_cache_get(c, &a, 0), "api.stripe.com");

	memset(big, 'x', sizeof(big));
	big[253] = '\0';
	name_cache_put(c, &b, big, 60, 0);
	ck_assert_uint_eq(strlen(name_cache_get(c, &b, 0)), 253);

	big[253] = 'x';
	big[254] = '\0';
	name_cache_put(c, &a, big, 60, 0);	/* 254: refused */
	ck_assert_str_eq(name_cache_get(c, &a, 0), "api.stripe.com");
	big[299] = '\0';
	name_cache_put(c, &a, big, 60, 0);
	name_cache_put(c, &a, "", 60, 0);
	name_cache_put(c, &a, NULL, 60, 0);
	ck_assert_str_eq(name_cache_get(c, &a, 0), "api.stripe.com");
	ck_assert_uint_eq(stats(c).learned, 2);
	name_cache_free(c);
}
END_TEST

START_TEST(test_new_arguments)
{
	ck_assert_ptr_null(name_cache_new(0, 0, 10));
	ck_assert_ptr_null(name_cache_new(8, 11, 10));
	ck_assert_uint_eq(name_cache_memory(0), 0);
	name_cache_free(NULL);
}
END_TEST

/* name_cache_memory is what new allocates, and grows with the capacity. */
START_TEST(test_memory)
{
	size_t m1 = name_cache_memory(1), m1000 = name_cache_memory(1000);
	struct name_cache *c;
	struct mallinfo2 before, after;
	void *volatile warm;

	ck_assert_uint_gt(m1, DNS_NAME_MAX + sizeof(struct ipaddr));
	ck_assert_uint_ge(m1000, 1000 * (DNS_NAME_MAX + sizeof(struct ipaddr)));
	ck_assert_uint_lt(m1000, 1000 * (DNS_NAME_MAX + 64) + 4096);
	ck_assert_uint_gt(name_cache_memory(65536), m1000);

	/* Small enough for the heap (not mmap): the arena grows by one chunk. */
	warm = malloc(16);		/* the allocator's own first-use setup */
	free((void *)warm);
	before = mallinfo2();
	c = cache(10, 0, 60);
	after = mallinfo2();
	if (after.uordblks == before.uordblks) {
		/* Not glibc's allocator (ASan, valgrind): it keeps its own books. */
		name_cache_free(c);
		return;
	}
	ck_assert_uint_ge(after.uordblks - before.uordblks,
	    name_cache_memory(10));
	ck_assert_uint_le(after.uordblks - before.uordblks,
	    name_cache_memory(10) + 32);
	name_cache_free(c);
}
END_TEST

START_TEST(test_source_str)
{
	ck_assert_str_eq(name_source_str(NAME_DNS), "dns");
	ck_assert_str_eq(name_source_str(NAME_SNI), "sni");
	ck_assert_str_eq(name_source_str(NAME_HTTP), "http");
	ck_assert_ptr_null(name_source_str(NAME_NONE));
}
END_TEST

static Suite *
names_suite(void)
{
	Suite *s = suite_create("names");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_put_get);
	tcase_add_test(tc, test_v4_v6_keys);
	tcase_add_test(tc, test_replacement);
	tcase_add_test(tc, test_ttl_boundaries);
	tcase_add_test(tc, test_ttl_clamped);
	tcase_add_test(tc, test_ttl_no_overflow);
	tcase_add_test(tc, test_lru_eviction);
	tcase_add_test(tc, test_eviction_of_expired);
	tcase_add_test(tc, test_expired_slot_reused);
	tcase_add_test(tc, test_no_foreign_names);
	tcase_add_test(tc, test_bounded_under_churn);
	tcase_add_test(tc, test_stats);
	tcase_add_test(tc, test_names_stored);
	tcase_add_test(tc, test_new_arguments);
	tcase_add_test(tc, test_memory);
	tcase_add_test(tc, test_source_str);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(names_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
