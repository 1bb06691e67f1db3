/* Unit tests for agent/flow: lookup, LRU eviction, idle expiry, against a brute-force model. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/flow.h"

/*
 * Keys are built over storage filled with a different byte each time, so
 * the padding after proto never matches between two equal keys: a table
 * that compared or hashed raw key bytes would fail everywhere below.
 */
static uint8_t key_garbage = 0x5a;

/*
 * For loops of millions of checks: a passing ck_assert records its place
 * with a write to the parent process, a system call each.
 */
#define CHECK(expr, ...) do {						\
	if (!(expr))							\
		ck_abort_msg(__VA_ARGS__);				\
} while (0)

static struct flow_key
K4(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, uint8_t proto)
{
	struct flow_key k;
	uint8_t s[4] = { src >> 24, src >> 16, src >> 8, src };
	uint8_t d[4] = { dst >> 24, dst >> 16, dst >> 8, dst };

	memset(&k, key_garbage++, sizeof(k));
	ipaddr_from_v4(&k.src, s);
	ipaddr_from_v4(&k.dst, d);
	k.sport = sport;
	k.dport = dport;
	k.proto = proto;
	return k;
}

static struct flow_key
K(const char *src, const char *dst, uint16_t sport, uint16_t dport,
    uint8_t proto)
{
	struct flow_key k;

	memset(&k, key_garbage++, sizeof(k));
	ck_assert_msg(ipaddr_parse(src, &k.src) == 0, "cannot parse %s", src);
	ck_assert_msg(ipaddr_parse(dst, &k.dst) == 0, "cannot parse %s", dst);
	k.sport = sport;
	k.dport = dport;
	k.proto = proto;
	return k;
}

/* The n-th key of a family of distinct keys; odd n are IPv6. */
static struct flow_key
Kn(uint32_t n)
{
	struct flow_key k;

	if (n % 2 == 0)
		return K4(0x0a000000u + (n >> 8), 0xc0000200u + (n & 0xff),
		    (uint16_t)(1024 + n % 7), 443, 6);
	static const uint8_t net[16] = { 0x20, 0x01, 0x0d, 0xb8 };

	memset(&k, key_garbage++, sizeof(k));
	ipaddr_from_v6(&k.src, net);
	ipaddr_from_v6(&k.dst, net);
	k.dst.b[5] = 1;
	memcpy(k.src.b + 12, &n, sizeof(n));
	k.dst.b[15] = (uint8_t)(n * 31);
	k.sport = (uint16_t)(n >> 3);
	k.dport = 53;
	k.proto = 17;
	return k;
}

static int
key_same(const struct flow_key *a, const struct flow_key *b)
{
	return ipaddr_equal(&a->src, &b->src) && ipaddr_equal(&a->dst, &b->dst) &&
	    a->sport == b->sport && a->dport == b->dport && a->proto == b->proto;
}

static void
check_stats_consistent(const struct flow_table *t)
{
	struct flow_table_stats st;

	flow_table_get_stats(t, &st);
	CHECK(st.count <= st.capacity, "count %zu > capacity", st.count);
	CHECK(st.inserted - st.evicted - st.expired == st.count,
	    "inserted %llu - evicted %llu - expired %llu != count %zu",
	    (unsigned long long)st.inserted, (unsigned long long)st.evicted,
	    (unsigned long long)st.expired, st.count);
}

/* Callback log: the keys passed to evict/expire callbacks, in order. */
struct seen {
	struct flow_key keys[64];
	size_t n;
};

static void
record(struct flow *f, void *arg)
{
	struct seen *s = arg;

	ck_assert_uint_lt(s->n, 64);
	s->keys[s->n++] = f->key;
}

START_TEST(test_new_free)
{
	struct flow_table *t;
	struct flow_table_stats st;

	ck_assert_ptr_null(flow_table_new(0));
	ck_assert_uint_eq(flow_table_memory(0), 0);
	t = flow_table_new(1);
	ck_assert_ptr_nonnull(t);
	flow_table_get_stats(t, &st);
	ck_assert_uint_eq(st.count, 0);
	ck_assert_uint_eq(st.capacity, 1);
	ck_assert_uint_eq(st.inserted + st.evicted + st.expired, 0);
	flow_table_free(t);
	flow_table_free(NULL);
}
END_TEST

START_TEST(test_memory)
{
	size_t n, m;

	for (n = 1; n < 5000; n = n * 3 + 1) {
		m = flow_table_memory(n);
		/* The flows and at least one bucket per flow, at most two. */
		ck_assert_uint_ge(m, n * sizeof(struct flow) + n * 4);
		ck_assert_uint_le(m, n * sizeof(struct flow) + 2 * n * 4 + 4096);
		ck_assert_uint_lt(m, flow_table_memory(n + 1) + 1);
	}
	/* The budget: about 100 bytes a flow, buckets included. */
	m = flow_table_memory(1000000);
	ck_assert_msg(m / 1000000 <= 100, "%zu bytes a flow", m / 1000000);
}
END_TEST

START_TEST(test_insert_lookup)
{
	struct flow_table *t = flow_table_new(16);
	struct flow_key a = K("192.0.2.1", "203.0.113.7", 43210, 443, 6);
	struct flow_key b = K("2001:db8::1", "2001:db8:ffff::7", 43210, 443, 6);
	struct flow_key a2 = K("192.0.2.1", "203.0.113.7", 43210, 443, 6);
	struct flow_key b2 = K("2001:db8::1", "2001:db8:ffff::7", 43210, 443, 6);
	struct flow_key miss = K("192.0.2.2", "203.0.113.7", 43210, 443, 6);
	struct flow *fa, *fb;
	struct flow_table_stats st;

	ck_assert_ptr_null(flow_table_lookup(t, &a));
	fa = flow_table_insert(t, &a, 100, NULL, NULL);
	ck_assert_ptr_nonnull(fa);
	ck_assert(key_same(&fa->key, &a));
	ck_assert_uint_eq(fa->first_seen, 100);
	ck_assert_uint_eq(fa->last_seen, 100);
	ck_assert_uint_eq(fa->flags | fa->verdict | fa->action | fa->tcp_state, 0);
	ck_assert_uint_eq(fa->packets, 0);
	ck_assert_uint_eq(fa->bytes + fa->payload_bytes, 0);
	ck_assert_uint_eq(fa->name_id, 0);
	fa->name_id = 1;
	fa->bytes = 1500;

	fb = flow_table_insert(t, &b, 101, NULL, NULL);
	ck_assert_ptr_nonnull(fb);
	ck_assert_ptr_ne(fa, fb);
	fb->name_id = 2;

	/* Equal keys built separately (different padding) find the flow. */
	ck_assert_ptr_eq(flow_table_lookup(t, &a2), fa);
	ck_assert_ptr_eq(flow_table_lookup(t, &b2), fb);
	ck_assert_uint_eq(fa->name_id, 1);
	ck_assert_uint_eq(fa->bytes, 1500);
	ck_assert_ptr_null(flow_table_lookup(t, &miss));

	flow_table_get_stats(t, &st);
	ck_assert_uint_eq(st.count, 2);
	ck_assert_uint_eq(st.inserted, 2);
	flow_table_free(t);
}
END_TEST

/* Keys that differ from a base in exactly one field are different flows. */
START_TEST(test_single_field_differs)
{
	struct flow_key v[16];
	struct flow *f[16];
	struct flow_table *t = flow_table_new(64);
	size_t n = 0, i, j;

	v[n++] = K("192.0.2.1", "203.0.113.7", 40000, 443, 6);
	v[n++] = K("192.0.2.2", "203.0.113.7", 40000, 443, 6);	/* src */
	v[n++] = K("192.0.2.1", "203.0.113.8", 40000, 443, 6);	/* dst */
	v[n++] = K("192.0.2.1", "203.0.113.7", 40001, 443, 6);	/* sport */
	v[n++] = K("192.0.2.1", "203.0.113.7", 40000, 444, 6);	/* dport */
	v[n++] = K("192.0.2.1", "203.0.113.7", 40000, 443, 17);	/* proto */
	v[n++] = K("203.0.113.7", "192.0.2.1", 443, 40000, 6);	/* reversed */
	v[n++] = K("192.0.2.1", "203.0.113.7", 443, 40000, 6);	/* ports swapped */
	v[n++] = K("::c000:201", "203.0.113.7", 40000, 443, 6);	/* v4-compatible */
	v[n++] = K("2001:db8::1", "2001:db8::7", 40000, 443, 6);
	v[n++] = K("2001:db8::2", "2001:db8::7", 40000, 443, 6);	/* src low byte */
	v[n++] = K("2001:db9::1", "2001:db8::7", 40000, 443, 6);	/* src high word */
	v[n++] = K("2001:db8::1", "2001:db8::8", 40000, 443, 6);	/* dst */
	v[n++] = K("2001:db8::1", "2001:db8::7", 40000, 443, 17);	/* proto */
	v[n++] = K("2001:db8::1", "2001:db8::7", 40000, 443, 0);	/* proto 0 */
	v[n++] = K("2001:db8::1", "2001:db8::7", 0, 443, 6);	/* sport 0 */

	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++)
			ck_assert_msg(flow_table_lookup(t, &v[i]) != f[j],
			    "key %zu found as key %zu", i, j);
		ck_assert_ptr_null(flow_table_lookup(t, &v[i]));
		f[i] = flow_table_insert(t, &v[i], 1, NULL, NULL);
		f[i]->name_id = (uint32_t)i + 1;
	}
	for (i = 0; i < n; i++) {
		struct flow_key copy = v[i];

		/* A copy made through fresh storage, padding and all. */
		memset(&v[i], 0xee, sizeof(v[i]));
		v[i].src = copy.src;
		v[i].dst = copy.dst;
		v[i].sport = copy.sport;
		v[i].dport = copy.dport;
		v[i].proto = copy.proto;
		ck_assert_msg(flow_table_lookup(t, &v[i]) == f[i], "key %zu", i);
		ck_assert_uint_eq(f[i]->name_id, i + 1);
	}
	flow_table_free(t);
}
END_TEST

START_TEST(test_lru_eviction)
{
	struct flow_table *t = flow_table_new(4);
	struct flow_key k[8];
	struct flow_table_stats st;
	struct seen s = { .n = 0 };
	struct flow *f;
	int i;

	for (i = 0; i < 8; i++)
		k[i] = Kn((uint32_t)i);
	for (i = 0; i < 4; i++)
		flow_table_insert(t, &k[i], (uint32_t)(10 + i), record, &s);
	ck_assert_uint_eq(s.n, 0);

	/* k0 is the stalest, but a touch saves it: k1 goes instead. */
	flow_table_touch(t, flow_table_lookup(t, &k[0]), 20);
	f = flow_table_insert(t, &k[4], 21, record, &s);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(s.n, 1);
	ck_assert(key_same(&s.keys[0], &k[1]));
	ck_assert_ptr_null(flow_table_lookup(t, &k[1]));
	ck_assert_ptr_nonnull(flow_table_lookup(t, &k[0]));
	ck_assert_ptr_nonnull(flow_table_lookup(t, &k[2]));
	ck_assert_ptr_nonnull(flow_table_lookup(t, &k[3]));
	ck_assert_ptr_eq(flow_table_lookup(t, &k[4]), f);
	ck_assert(key_same(&f->key, &k[4]));
	ck_assert_uint_eq(f->first_seen, 21);

	/* Then k2, k3, and k0 (touched at 20) only after them. */
	flow_table_insert(t, &k[5], 22, record, &s);
	flow_table_insert(t, &k[6], 23, record, &s);
	flow_table_insert(t, &k[7], 24, record, &s);
	ck_assert_uint_eq(s.n, 4);
	ck_assert(key_same(&s.keys[1], &k[2]));
	ck_assert(key_same(&s.keys[2], &k[3]));
	ck_assert(key_same(&s.keys[3], &k[0]));

	flow_table_get_stats(t, &st);
	ck_assert_uint_eq(st.count, 4);
	ck_assert_uint_eq(st.inserted, 8);
	ck_assert_uint_eq(st.evicted, 4);
	ck_assert_uint_eq(st.expired, 0);

	/* No callback is fine too. */
	flow_table_insert(t, &k[0], 25, NULL, NULL);
	ck_assert_ptr_null(flow_table_lookup(t, &k[4]));
	flow_table_get_stats(t, &st);
	ck_assert_uint_eq(st.evicted, 5);
	flow_table_free(t);
}
END_TEST

static void
dirty(struct flow *f)
{
	f->flags = FLOW_OUTBOUND | FLOW_DECIDED;
	f->verdict = 3;
	f->action = 2;
	f->tcp_state = 1;
	f->packets = 7;
	f->bytes = 1234;
	f->payload_bytes = 567;
	f->name_id = 42;
}

static void
assert_fresh(const struct flow *f, const struct flow_key *k, uint32_t now)
{
	ck_assert(key_same(&f->key, k));
	ck_assert_uint_eq(f->first_seen, now);
	ck_assert_uint_eq(f->last_seen, now);
	ck_assert_uint_eq(f->flags | f->verdict | f->action | f->tcp_state, 0);
	ck_assert_uint_eq(f->packets, 0);
	ck_assert_uint_eq(f->bytes, 0);
	ck_assert_uint_eq(f->payload_bytes, 0);
	ck_assert_uint_eq(f->name_id, 0);
}

/* An entry recycled by eviction or expiry comes back zeroed. */
START_TEST(test_recycled_zeroed)
{
	struct flow_table *t = flow_table_new(2);
	struct flow_key a = Kn(1), b = Kn(2), c = Kn(3), d = Kn(4);
	struct flow *f;

	dirty(flow_table_insert(t, &a, 10, NULL, NULL));
	dirty(flow_table_insert(t, &b, 11, NULL, NULL));
	f = flow_table_insert(t, &c, 12, NULL, NULL);	/* evicts a */
	assert_fresh(f, &c, 12);
	dirty(f);
	ck_assert_uint_eq(flow_table_expire(t, 100, 10, 0, NULL, NULL), 2);
	assert_fresh(flow_table_insert(t, &d, 101, NULL, NULL), &d, 101);
	assert_fresh(flow_table_insert(t, &a, 102, NULL, NULL), &a, 102);
	flow_table_free(t);
}
END_TEST

/*
 * LRU order is kept to the second: a touch in the second a flow was last
 * seen does not move it (ties keep their order), a touch in a later second
 * does.
 */
START_TEST(test_lru_same_second)
{
	struct flow_table *t = flow_table_new(3);
	struct flow_key k[5];
	struct seen s = { .n = 0 };
	int i;

	for (i = 0; i < 5; i++)
		k[i] = Kn((uint32_t)i);
	for (i = 0; i < 3; i++)
		flow_table_insert(t, &k[i], 50, NULL, NULL);
	flow_table_touch(t, flow_table_lookup(t, &k[0]), 50);	/* same second */
	flow_table_insert(t, &k[3], 50, record, &s);
	ck_assert_uint_eq(s.n, 1);
	ck_assert(key_same(&s.keys[0], &k[0]));
	flow_table_touch(t, flow_table_lookup(t, &k[1]), 51);	/* later: moves */
	flow_table_insert(t, &k[4], 51, record, &s);
	ck_assert_uint_eq(s.n, 2);
	ck_assert(key_same(&s.keys[1], &k[2]));
	flow_table_free(t);
}
END_TEST

START_TEST(test_expire_boundary)
{
	struct flow_table *t = flow_table_new(8);
	struct flow_key a = Kn(1), b = Kn(2);
	struct flow_table_stats st;
	struct seen s = { .n = 0 };

	flow_table_insert(t, &a, 100, NULL, NULL);
	flow_table_insert(t, &b, 101, NULL, NULL);
	/* Exactly idle seconds old stays. */
	ck_assert_uint_eq(flow_table_expire(t, 200, 100, 0, record, &s), 0);
	ck_assert_uint_eq(s.n, 0);
	/* idle + 1 goes; b is exactly idle old now and stays. */
	ck_assert_uint_eq(flow_table_expire(t, 201, 100, 0, record, &s), 1);
	ck_assert_uint_eq(s.n, 1);
	ck_assert(key_same(&s.keys[0], &a));
	ck_assert_ptr_null(flow_table_lookup(t, &a));
	ck_assert_ptr_nonnull(flow_table_lookup(t, &b));
	flow_table_get_stats(t, &st);
	ck_assert_uint_eq(st.count, 1);
	ck_assert_uint_eq(st.expired, 1);

	/* A touch restarts the idle time. */
	flow_table_touch(t, flow_table_lookup(t, &b), 150);
	ck_assert_uint_eq(flow_table_expire(t, 250, 100, 0, NULL, NULL), 0);
	ck_assert_uint_eq(flow_table_expire(t, 251, 100, 0, NULL, NULL), 1);
	ck_assert_ptr_null(flow_table_lookup(t, &b));

	/* idle 0: anything older than now goes, now itself stays. */
	flow_table_insert(t, &a, 300, NULL, NULL);
	ck_assert_uint_eq(flow_table_expire(t, 300, 0, 0, NULL, NULL), 0);
	ck_assert_uint_eq(flow_table_expire(t, 301, 0, 0, NULL, NULL), 1);
	flow_table_get_stats(t, &st);
	ck_assert_uint_eq(st.count, 0);
	ck_assert_uint_eq(st.expired, 3);
	ck_assert_uint_eq(st.evicted, 0);
	check_stats_consistent(t);
	flow_table_free(t);
}
END_TEST

START_TEST(test_expire_max)
{
	struct flow_table *t = flow_table_new(16);
	struct flow_key k[10];
	struct seen s = { .n = 0 };
	int i;

	for (i = 0; i < 10; i++) {
		k[i] = Kn((uint32_t)i);
		flow_table_insert(t, &k[i], (uint32_t)i, NULL, NULL);
	}
	ck_assert_uint_eq(flow_table_expire(t, 1000, 10, 3, record, &s), 3);
	ck_assert_uint_eq(s.n, 3);
	for (i = 0; i < 3; i++) {
		ck_assert(key_same(&s.keys[i], &k[i]));
		ck_assert_ptr_null(flow_table_lookup(t, &k[i]));
	}
	ck_assert_ptr_nonnull(flow_table_lookup(t, &k[3]));
	ck_assert_uint_eq(flow_table_expire(t, 1000, 10, 1, record, &s), 1);
	ck_assert(key_same(&s.keys[3], &k[3]));
	/* 0 = no limit; oldest first throughout. */
	ck_assert_uint_eq(flow_table_expire(t, 1000, 10, 0, record, &s), 6);
	ck_assert_uint_eq(s.n, 10);
	for (i = 0; i < 10; i++)
		ck_assert(key_same(&s.keys[i], &k[i]));
	ck_assert_uint_eq(flow_table_expire(t, 1000, 10, 0, record, &s), 0);
	check_stats_consistent(t);
	flow_table_free(t);
}
END_TEST

/* The scan stops at the first young flow; older ones behind it wait. */
START_TEST(test_expire_touched_survive)
{
	struct flow_table *t = flow_table_new(16);
	struct flow_key a = Kn(10), b = Kn(11), c = Kn(12);
	struct seen s = { .n = 0 };

	flow_table_insert(t, &a, 0, NULL, NULL);
	flow_table_insert(t, &b, 0, NULL, NULL);
	flow_table_insert(t, &c, 0, NULL, NULL);
	flow_table_touch(t, flow_table_lookup(t, &a), 100);
	ck_assert_uint_eq(flow_table_expire(t, 150, 100, 0, record, &s), 2);
	ck_assert(key_same(&s.keys[0], &b));
	ck_assert(key_same(&s.keys[1], &c));
	ck_assert_ptr_nonnull(flow_table_lookup(t, &a));
	ck_assert_uint_eq(flow_table_lookup(t, &a)->first_seen, 0);
	ck_assert_uint_eq(flow_table_lookup(t, &a)->last_seen, 100);
	flow_table_free(t);
}
END_TEST

static void
mark(struct flow *f, void *arg)
{
	uint32_t *visits = arg;

	ck_assert_uint_ge(f->name_id, 1);
	ck_assert_uint_le(f->name_id, 100);
	visits[f->name_id]++;
}

START_TEST(test_foreach)
{
	struct flow_table *t = flow_table_new(100);
	uint32_t visits[101];
	uint32_t i;

	memset(visits, 0, sizeof(visits));
	flow_table_foreach(t, mark, visits);	/* empty: no calls */
	for (i = 1; i <= 100; i++) {
		struct flow_key k = Kn(i);

		flow_table_insert(t, &k, i, NULL, NULL)->name_id = i;
	}
	flow_table_foreach(t, mark, visits);
	for (i = 1; i <= 100; i++)
		ck_assert_msg(visits[i] == 1, "flow %u visited %u times", i,
		    visits[i]);

	/* After expiry only the survivors. */
	ck_assert_uint_eq(flow_table_expire(t, 60, 10, 0, NULL, NULL), 49);
	memset(visits, 0, sizeof(visits));
	flow_table_foreach(t, mark, visits);
	for (i = 1; i <= 100; i++)
		ck_assert_uint_eq(visits[i], i >= 50 ? 1 : 0);
	flow_table_free(t);
}
END_TEST

START_TEST(test_clock_backwards)
{
	struct flow_table *t = flow_table_new(16);
	struct flow_key a = Kn(1), b = Kn(2), c = Kn(3);
	struct flow *f;
	struct flow_table_stats st;

	flow_table_insert(t, &a, 1000, NULL, NULL);
	flow_table_insert(t, &b, 1000, NULL, NULL);
	/* now < last_seen must not look like 4 billion idle seconds. */
	ck_assert_uint_eq(flow_table_expire(t, 500, 10, 0, NULL, NULL), 0);
	ck_assert_uint_eq(flow_table_expire(t, 0, 0, 0, NULL, NULL), 0);
	flow_table_get_stats(t, &st);
	ck_assert_uint_eq(st.count, 2);

	/* A touch in the past keeps the later stamp. */
	f = flow_table_lookup(t, &a);
	flow_table_touch(t, f, 900);
	ck_assert_uint_eq(f->last_seen, 1000);
	ck_assert_uint_ge(f->last_seen, f->first_seen);

	/* A flow born after the step back; all go once time catches up. */
	flow_table_insert(t, &c, 500, NULL, NULL);
	ck_assert_uint_eq(flow_table_expire(t, 1010, 10, 0, NULL, NULL), 0);
	ck_assert_uint_eq(flow_table_expire(t, 1011, 10, 0, NULL, NULL), 3);

	/* Around the wrap of the 32-bit clock it is the same rule. */
	flow_table_insert(t, &a, UINT32_MAX - 5, NULL, NULL);
	ck_assert_uint_eq(flow_table_expire(t, 3, 10, 0, NULL, NULL), 0);
	ck_assert_uint_eq(flow_table_expire(t, UINT32_MAX, 4, 0, NULL, NULL), 1);
	check_stats_consistent(t);
	flow_table_free(t);
}
END_TEST

/* Reusing entries: after expiry the table fills again without evicting. */
START_TEST(test_reuse_after_expire)
{
	struct flow_table *t = flow_table_new(50);
	struct flow_table_stats st;
	uint32_t i, round;

	for (round = 0; round < 3; round++) {
		for (i = 0; i < 50; i++) {
			struct flow_key k = Kn(round * 1000 + i);

			ck_assert_ptr_null(flow_table_lookup(t, &k));
			flow_table_insert(t, &k, round * 100, NULL, NULL);
		}
		ck_assert_uint_eq(flow_table_expire(t, round * 100 + 51, 50, 0,
		    NULL, NULL), 50);
	}
	flow_table_get_stats(t, &st);
	ck_assert_uint_eq(st.inserted, 150);
	ck_assert_uint_eq(st.expired, 150);
	ck_assert_uint_eq(st.evicted, 0);
	ck_assert_uint_eq(st.count, 0);
	flow_table_free(t);
}
END_TEST

START_TEST(test_churn)
{
	enum { CAP = 1000 };
	struct flow_table *t = flow_table_new(CAP);
	struct flow_table_stats st;
	uint32_t i, now = 0;

	for (i = 0; i < CAP; i++) {
		struct flow_key k = Kn(i);

		flow_table_insert(t, &k, now, NULL, NULL)->name_id = i + 1;
	}
	/* 10x capacity of new flows, each after a missed lookup as the agent does. */
	for (i = CAP; i < 11 * CAP; i++) {
		struct flow_key k = Kn(i);

		if (i % 100 == 0)
			now++;
		CHECK(flow_table_lookup(t, &k) == NULL, "flow %u present", i);
		flow_table_insert(t, &k, now, NULL, NULL)->name_id = i + 1;
		check_stats_consistent(t);
	}
	flow_table_get_stats(t, &st);
	ck_assert_uint_eq(st.count, CAP);
	ck_assert_uint_eq(st.inserted, 11 * CAP);
	ck_assert_uint_eq(st.evicted, 10 * CAP);
	ck_assert_uint_eq(st.expired, 0);
	/* Exactly the last CAP inserted survive. */
	for (i = 0; i < 11 * CAP; i++) {
		struct flow_key k = Kn(i);
		struct flow *f = flow_table_lookup(t, &k);

		if (i < 10 * CAP)
			CHECK(f == NULL, "flow %u should be gone", i);
		else
			CHECK(f != NULL && f->name_id == i + 1, "flow %u missing", i);
	}
	/* Then expire part of it and churn more with everything mixed in. */
	/* Survivors were seen at 91..100 (now), a hundred a second. */
	ck_assert_uint_eq(now, 100);
	ck_assert_uint_eq(flow_table_expire(t, now + 20, 29, 0, NULL, NULL), 0);
	ck_assert_uint_eq(flow_table_expire(t, now + 5, 10, 0, NULL, NULL), 400);
	check_stats_consistent(t);
	for (i = 11 * CAP; i < 21 * CAP; i++) {
		struct flow_key k = Kn(i);

		flow_table_insert(t, &k, now + 25, NULL, NULL);
		check_stats_consistent(t);
	}
	flow_table_get_stats(t, &st);
	ck_assert_uint_eq(st.count, CAP);
	flow_table_free(t);
}
END_TEST

/* ---- randomized comparison with a brute-force model -------------------- */

enum { M_CAP = 64, M_KEYS = 200, M_OPS = 10000 };

struct model_flow {
	struct flow_key key;
	uint32_t id;		/* also stored in flow.name_id */
	uint32_t first_seen, last_seen;
	uint64_t order;		/* LRU position: larger is fresher */
};

struct model {
	struct model_flow f[M_CAP];
	size_t n;
	uint64_t clock;		/* LRU order counter */
	/* What the table's callbacks reported, checked against the model. */
	uint32_t cb_ids[M_CAP + 1];
	size_t ncb;
};

static uint64_t rng_state;

static uint32_t
rnd(uint32_t n)
{
	/* xorshift64*: reproducible, and good enough to pick operations. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32) % n;
}

static int
model_find(const struct model *m, const struct flow_key *k)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (key_same(&m->f[i].key, k))
			return (int)i;
	return -1;
}

static int
model_stalest(const struct model *m)
{
	size_t i;
	int best = -1;

	for (i = 0; i < m->n; i++)
		if (best < 0 || m->f[i].order < m->f[best].order)
			best = (int)i;
	return best;
}

static void
model_remove(struct model *m, int i)
{
	m->f[i] = m->f[--m->n];
}

static void
cb_record(struct flow *f, void *arg)
{
	struct model *m = arg;

	ck_assert_uint_lt(m->ncb, M_CAP + 1);
	m->cb_ids[m->ncb++] = f->name_id;
}

static void
model_check_all(struct flow_table *t, const struct model *m,
    const struct flow_key *keys, int op)
{
	struct flow_table_stats st;
	size_t i;

	flow_table_get_stats(t, &st);
	CHECK(st.count == m->n, "op %d: count %zu, model %zu", op, st.count,
	    m->n);
	check_stats_consistent(t);
	for (i = 0; i < M_KEYS; i++) {
		struct flow *f = flow_table_lookup(t, &keys[i]);
		int j = model_find(m, &keys[i]);

		if (j < 0) {
			CHECK(f == NULL, "op %d: key %zu present, model says "
			    "absent", op, i);
			continue;
		}
		CHECK(f != NULL, "op %d: key %zu absent", op, i);
		CHECK(f->name_id == m->f[j].id && key_same(&f->key, &keys[i]),
		    "op %d: key %zu is flow %u, model %u", op, i, f->name_id,
		    m->f[j].id);
		CHECK(f->first_seen == m->f[j].first_seen &&
		    f->last_seen == m->f[j].last_seen, "op %d: key %zu seen "
		    "%u..%u, model %u..%u", op, i, f->first_seen, f->last_seen,
		    m->f[j].first_seen, m->f[j].last_seen);
	}
}

START_TEST(test_random_vs_model)
{
	static struct flow_key keys[M_KEYS];
	struct flow_table *t = flow_table_new(M_CAP);
	struct model m;
	uint32_t now = 1000, next_id = 1;
	int op, i, j;

	rng_state = 0x9e3779b97f4a7c15ULL;
	memset(&m, 0, sizeof(m));
	/* A mix of v4 and v6 keys, some differing in a single field. */
	for (i = 0; i < M_KEYS; i++) {
		if (i % 4 == 3)
			keys[i] = keys[i - 1], keys[i].proto ^= 0x11;
		else
			keys[i] = Kn((uint32_t)i * 2654435761u);
	}
	for (op = 0; op < M_OPS; op++) {
		uint32_t r = rnd(100);
		struct flow_key *k = &keys[rnd(M_KEYS)];

		/* The clock mostly creeps forward, now and then steps back. */
		if (rnd(4) == 0)
			now += rnd(5);
		if (rnd(500) == 0)
			now -= rnd(30);

		j = model_find(&m, k);
		if (r < 50) {			/* packet: lookup, then touch or insert */
			struct flow *f = flow_table_lookup(t, k);

			if (j >= 0) {
				ck_assert_ptr_nonnull(f);
				ck_assert_uint_eq(f->name_id, m.f[j].id);
				flow_table_touch(t, f, now);
				/*
				 * The table keeps LRU order to the second: a
				 * flow moves only when its second changes.
				 */
				if (now > m.f[j].last_seen) {
					m.f[j].last_seen = now;
					m.f[j].order = ++m.clock;
				}
				continue;
			}
			ck_assert_ptr_null(f);
			m.ncb = 0;
			f = flow_table_insert(t, k, now, cb_record, &m);
			if (m.n == M_CAP) {
				int v = model_stalest(&m);

				ck_assert_uint_eq(m.ncb, 1);
				ck_assert_uint_eq(m.cb_ids[0], m.f[v].id);
				model_remove(&m, v);
			} else {
				ck_assert_uint_eq(m.ncb, 0);
			}
			f->name_id = next_id;
			m.f[m.n].key = *k;
			m.f[m.n].id = next_id++;
			m.f[m.n].first_seen = m.f[m.n].last_seen = now;
			m.f[m.n].order = ++m.clock;
			m.n++;
		} else if (r < 95) {		/* a lookup alone changes nothing */
			struct flow *f = flow_table_lookup(t, k);

			ck_assert_int_eq(f != NULL, j >= 0);
		} else {			/* a timer tick */
			uint32_t idle = rnd(40);
			size_t max = rnd(4) == 0 ? 0 : rnd(8);
			size_t got, want = 0;

			m.ncb = 0;
			got = flow_table_expire(t, now, idle, max, cb_record, &m);
			for (;;) {
				int v = model_stalest(&m);
				uint32_t age;

				if (v < 0 || (max != 0 && want == max))
					break;
				age = now > m.f[v].last_seen ?
				    now - m.f[v].last_seen : 0;
				if (age <= idle)
					break;
				ck_assert_msg(want < m.ncb && m.cb_ids[want] ==
				    m.f[v].id, "op %d: expired flow %zu should "
				    "be id %u", op, want, m.f[v].id);
				model_remove(&m, v);
				want++;
			}
			ck_assert_msg(got == want, "op %d: expired %zu, model %zu",
			    op, got, want);
			ck_assert_uint_eq(m.ncb, want);
		}
		if (op % 10 == 0 || r >= 95)
			model_check_all(t, &m, keys, op);
	}
	model_check_all(t, &m, keys, op);
	flow_table_free(t);
}
END_TEST

/* ---- scale ------------------------------------------------------------- */

START_TEST(test_million)
{
	enum { N = 1000000 };
	struct flow_table *t = flow_table_new(N);
	struct flow_table_stats st;
	uint32_t i;

	ck_assert_ptr_nonnull(t);
	for (i = 0; i < N; i++) {
		struct flow_key k = Kn(i);

		flow_table_insert(t, &k, i / 1000, NULL, NULL)->name_id = i;
	}
	flow_table_get_stats(t, &st);
	ck_assert_uint_eq(st.count, N);
	ck_assert_uint_eq(st.evicted, 0);
	for (i = 0; i < N; i++) {
		struct flow_key k = Kn(i);
		struct flow *f = flow_table_lookup(t, &k);

		CHECK(f != NULL && f->name_id == i, "flow %u", i);
	}
	for (i = N; i < 2 * N; i++) {
		struct flow_key k = Kn(i);

		CHECK(flow_table_lookup(t, &k) == NULL, "flow %u", i);
	}
	/* The million-and-first evicts the first. */
	{
		struct flow_key k = Kn(2 * N), first = Kn(0);

		flow_table_insert(t, &k, 1000, NULL, NULL);
		ck_assert_ptr_null(flow_table_lookup(t, &first));
	}
	/* Seen at 0..500 (flow 0 already evicted): 501,000 - 1 flows. */
	ck_assert_uint_eq(flow_table_expire(t, 1000, 499, 0, NULL, NULL),
	    500999);
	check_stats_consistent(t);
	flow_table_free(t);
}
END_TEST

static Suite *
flow_suite(void)
{
	Suite *s = suite_create("flow");
	TCase *tc = tcase_create("core");
	TCase *tr = tcase_create("random");
	TCase *tl = tcase_create("large");

	tcase_add_test(tc, test_new_free);
	tcase_add_test(tc, test_memory);
	tcase_add_test(tc, test_insert_lookup);
	tcase_add_test(tc, test_single_field_differs);
	tcase_add_test(tc, test_lru_eviction);
	tcase_add_test(tc, test_lru_same_second);
	tcase_add_test(tc, test_recycled_zeroed);
	tcase_add_test(tc, test_expire_boundary);
	tcase_add_test(tc, test_expire_max);
	tcase_add_test(tc, test_expire_touched_survive);
	tcase_add_test(tc, test_foreach);
	tcase_add_test(tc, test_clock_backwards);
	tcase_add_test(tc, test_reuse_after_expire);
	tcase_add_test(tc, test_churn);
	suite_add_tcase(s, tc);
	tcase_add_test(tr, test_random_vs_model);
	suite_add_tcase(s, tr);
	/* A million flows: well within the timeout, also under sanitizers. */
	tcase_set_timeout(tl, 60);
	tcase_add_test(tl, test_million);
	suite_add_tcase(s, tl);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(flow_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
