/* The flow table: one entry per 5-tuple, fixed capacity, LRU eviction, idle expiry. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "agent/flow.h"

/*
 * Flows are named by their index in one array, so the links (hash chains,
 * LRU list, free list) are 4 bytes instead of 8. FLOW_NIL ends a list; it
 * cannot be an index because capacity is capped below it. Using UINT32_MAX
 * rather than 0 keeps index 0 usable and makes "no link" stand out in a
 * debugger.
 */
#define FLOW_NIL	UINT32_MAX
#define FLOW_MAX_CAPACITY ((size_t)UINT32_MAX - 1)

/* Arrays this big are aligned so the kernel can back them with huge pages. */
#define FLOW_HUGE	((size_t)2 << 20)

struct flow_table {
	struct flow *flows;	/* capacity entries */
	uint32_t *buckets;	/* mask + 1 chain heads, FLOW_NIL when empty */
	size_t mask;
	size_t capacity;
	size_t count;
	uint32_t free_head;	/* unused entries, chained through hnext */
	uint32_t lru_stale;	/* least recently seen: evicted and expired first */
	uint32_t lru_fresh;	/* most recently seen */
	uint64_t inserted;
	uint64_t evicted;
	uint64_t expired;
	uint64_t secret[6];	/* hash key: per table, from getrandom */
};

/* ---- hashing ---------------------------------------------------------- */

/*
 * The key comes straight off the wire, so an attacker chooses it: with a
 * fixed hash they could aim thousands of flows at one chain and make every
 * packet walk it. Every word is mixed with a random per-table secret first,
 * so the bucket of a key cannot be computed from outside the process.
 *
 * The mixing step is the "multiply and fold" of wyhash: the 128-bit product
 * of two 64-bit words, high half XOR low half. Two independent products
 * cover the addresses (the CPU runs them in parallel), a third folds in
 * ports and protocol; about a dozen cycles in all.
 */
static inline uint64_t
flow_mum(uint64_t a, uint64_t b)
{
#ifdef __SIZEOF_INT128__
	__extension__ typedef unsigned __int128 flow_u128;
	flow_u128 p = (flow_u128)a * b;

	return (uint64_t)p ^ (uint64_t)(p >> 64);
#else
	/* The same product from 32-bit halves, for targets without __int128. */
	uint64_t al = (uint32_t)a, ah = a >> 32, bl = (uint32_t)b, bh = b >> 32;
	uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
	uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;
	uint64_t lo = (mid << 32) | (uint32_t)ll;
	uint64_t hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);

	return lo ^ hi;
#endif
}

static inline uint64_t
flow_load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * Ports and protocol in one word, read field by field: struct flow_key has
 * a padding byte after proto whose value is whatever the caller's stack
 * held, so neither the hash nor the comparison may look at raw key bytes
 * past the addresses.
 */
static inline uint64_t
flow_key_tail(const struct flow_key *k)
{
	return (uint64_t)k->sport | (uint64_t)k->dport << 16 |
	    (uint64_t)k->proto << 32;
}

static inline uint64_t
flow_hash(const struct flow_table *t, const struct flow_key *k)
{
	const uint64_t *s = t->secret;
	uint64_t h;

	h = flow_mum(flow_load64(k->src.b) ^ s[0], flow_load64(k->src.b + 8) ^ s[1]) ^
	    flow_mum(flow_load64(k->dst.b) ^ s[2], flow_load64(k->dst.b + 8) ^ s[3]);
	return flow_mum(h ^ s[4], flow_key_tail(k) ^ s[5]);
}

static inline int
flow_key_equal(const struct flow_key *a, const struct flow_key *b)
{
	/* OR of XORs: one branch per comparison instead of one per field. */
	uint64_t d = (flow_load64(a->src.b) ^ flow_load64(b->src.b)) |
	    (flow_load64(a->src.b + 8) ^ flow_load64(b->src.b + 8)) |
	    (flow_load64(a->dst.b) ^ flow_load64(b->dst.b)) |
	    (flow_load64(a->dst.b + 8) ^ flow_load64(b->dst.b + 8)) |
	    (flow_key_tail(a) ^ flow_key_tail(b));

	return d == 0;
}

/*
 * The secret only has to be unknown outside this process; it need not be
 * reproducible. getrandom without flags waits for the kernel pool once at
 * boot, which is what a daemon started early wants. Should the call be
 * missing (pre-3.17 kernels, seccomp), a clock-and-address mix is weaker
 * but still not something a remote sender can read, and it beats refusing
 * to run.
 */
static void
flow_seed(uint64_t *secret, size_t n)
{
	size_t len = n * sizeof(*secret), got = 0;
	ssize_t r;

	while (got < len) {
		r = getrandom((char *)secret + got, len - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got < len) {
		struct timespec ts;
		uint64_t x;
		size_t i;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		x = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
		x ^= (uint64_t)getpid() << 32 ^ (uint64_t)(uintptr_t)secret;
		for (i = 0; i < n; i++) {
			x += 0x9e3779b97f4a7c15u;
			secret[i] = flow_mum(x, 0xbf58476d1ce4e5b9u ^ x);
		}
	}
}

/* ---- memory ----------------------------------------------------------- */

/* Chains average under one entry: at least one bucket per flow. */
static size_t
flow_nbuckets(size_t capacity)
{
	size_t n = 1;

	while (n < capacity)
		n <<= 1;
	return n;
}

/*
 * Big arrays get 2 MiB alignment and MADV_HUGEPAGE: a million flows span
 * 88 MB, and with 4 KiB pages nearly every random lookup also misses the
 * TLB (measured on a Debian 12 VM: a dependent random read over 88 MB took
 * 340 ns with 4 KiB pages, 187 ns with 2 MiB ones). The advice is only a
 * hint (THP may be off), so its failure is ignored.
 */
static void *
flow_alloc(size_t size)
{
	void *p;

	if (size < FLOW_HUGE)
		return malloc(size);
	if (posix_memalign(&p, FLOW_HUGE, size) != 0)
		return NULL;
#ifdef MADV_HUGEPAGE
	(void)madvise(p, size, MADV_HUGEPAGE);
#endif
	return p;
}

size_t
flow_table_memory(size_t capacity)
{
	if (capacity == 0 || capacity > FLOW_MAX_CAPACITY ||
	    capacity > SIZE_MAX / 2 / sizeof(struct flow))
		return 0;
	return sizeof(struct flow_table) + capacity * sizeof(struct flow) +
	    flow_nbuckets(capacity) * sizeof(uint32_t);
}

struct flow_table *
flow_table_new(size_t capacity)
{
	struct flow_table *t;
	size_t i;

	if (flow_table_memory(capacity) == 0) {
		errno = EINVAL;
		return NULL;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->capacity = capacity;
	t->mask = flow_nbuckets(capacity) - 1;
	t->flows = flow_alloc(capacity * sizeof(struct flow));
	t->buckets = flow_alloc((t->mask + 1) * sizeof(uint32_t));
	if (t->flows == NULL || t->buckets == NULL) {
		flow_table_free(t);
		return NULL;
	}
	/*
	 * Writing every entry now commits all the memory up front: the hot
	 * path then never takes a page fault, and the resident size the
	 * operator sees at start is the size the table will ever have.
	 */
	memset(t->buckets, 0xff, (t->mask + 1) * sizeof(uint32_t));
	memset(t->flows, 0, capacity * sizeof(struct flow));
	/* In index order, so a filling table writes memory sequentially. */
	for (i = 0; i < capacity; i++) {
		t->flows[i].hnext = i + 1 < capacity ? (uint32_t)(i + 1) : FLOW_NIL;
		t->flows[i].lru_prev = t->flows[i].lru_next = FLOW_NIL;
	}
	t->free_head = 0;
	t->lru_stale = t->lru_fresh = FLOW_NIL;
	flow_seed(t->secret, sizeof(t->secret) / sizeof(t->secret[0]));
	return t;
}

void
flow_table_free(struct flow_table *t)
{
	if (t == NULL)
		return;
	free(t->flows);
	free(t->buckets);
	free(t);
}

/* ---- lists ------------------------------------------------------------ */

static inline uint32_t
flow_index(const struct flow_table *t, const struct flow *f)
{
	return (uint32_t)(f - t->flows);
}

static inline void
flow_lru_unlink(struct flow_table *t, struct flow *f)
{
	if (f->lru_prev != FLOW_NIL)
		t->flows[f->lru_prev].lru_next = f->lru_next;
	else
		t->lru_stale = f->lru_next;
	if (f->lru_next != FLOW_NIL)
		t->flows[f->lru_next].lru_prev = f->lru_prev;
	else
		t->lru_fresh = f->lru_prev;
}

static inline void
flow_lru_append(struct flow_table *t, struct flow *f, uint32_t i)
{
	f->lru_prev = t->lru_fresh;
	f->lru_next = FLOW_NIL;
	if (t->lru_fresh != FLOW_NIL)
		t->flows[t->lru_fresh].lru_next = i;
	else
		t->lru_stale = i;
	t->lru_fresh = i;
}

/*
 * Takes f out of its hash chain and the LRU list and puts it on the free
 * list. Chains are singly linked (4 bytes a flow less), so the predecessor
 * is found by walking the chain from its bucket; chains are short.
 */
static void
flow_remove(struct flow_table *t, struct flow *f)
{
	uint32_t i = flow_index(t, f);
	uint32_t *p = &t->buckets[flow_hash(t, &f->key) & t->mask];

	while (*p != i)
		p = &t->flows[*p].hnext;
	*p = f->hnext;
	flow_lru_unlink(t, f);
	f->lru_prev = f->lru_next = FLOW_NIL;
	f->hnext = t->free_head;
	t->free_head = i;
	t->count--;
}

/*
 * Seconds since last_seen. A last_seen ahead of now means the clock went
 * backwards; such a flow counts as just seen rather than as 4 billion
 * seconds old, which would expire the whole table at once.
 */
static inline uint32_t
flow_age(const struct flow *f, uint32_t now)
{
	return now > f->last_seen ? now - f->last_seen : 0;
}

/* ---- operations ------------------------------------------------------- */

struct flow *
flow_table_lookup(struct flow_table *t, const struct flow_key *k)
{
	uint32_t i = t->buckets[flow_hash(t, k) & t->mask];

	while (i != FLOW_NIL) {
		struct flow *f = &t->flows[i];

		if (flow_key_equal(&f->key, k))
			return f;
		i = f->hnext;
	}
	return NULL;
}

struct flow *
flow_table_insert(struct flow_table *t, const struct flow_key *k,
    uint32_t now, void (*evict)(struct flow *, void *), void *arg)
{
	struct flow *f;
	uint32_t i, *head;

	if (t->free_head == FLOW_NIL) {
		f = &t->flows[t->lru_stale];
		if (evict != NULL)
			evict(f, arg);
		flow_remove(t, f);
		t->evicted++;
	}
	i = t->free_head;
	f = &t->flows[i];
	t->free_head = f->hnext;

	/* Field by field into a zeroed entry, so even its padding is zero. */
	memset(f, 0, sizeof(*f));
	f->key.src = k->src;
	f->key.dst = k->dst;
	f->key.sport = k->sport;
	f->key.dport = k->dport;
	f->key.proto = k->proto;
	f->first_seen = f->last_seen = now;

	head = &t->buckets[flow_hash(t, k) & t->mask];
	f->hnext = *head;
	*head = i;
	flow_lru_append(t, f, i);
	t->count++;
	t->inserted++;
	return f;
}

void
flow_table_touch(struct flow_table *t, struct flow *f, uint32_t now)
{
	uint32_t i = flow_index(t, f);

	/*
	 * The list is kept in order of last_seen to the second, which is all
	 * idle expiry needs: a flow already seen this second is where it
	 * belongs. So a busy flow costs one relink (two neighbours' cache
	 * lines) per second, not per packet. Never back in time: with the
	 * clock stepped back, the later stamp keeps last_seen >= first_seen.
	 */
	if (now <= f->last_seen || t->lru_fresh == i) {
		if (now > f->last_seen)
			f->last_seen = now;
		return;
	}
	f->last_seen = now;
	flow_lru_unlink(t, f);
	flow_lru_append(t, f, i);
}

size_t
flow_table_expire(struct flow_table *t, uint32_t now, uint32_t idle,
    size_t max, void (*fn)(struct flow *, void *), void *arg)
{
	size_t n = 0;

	/*
	 * The LRU list is in order of last sighting, so the first flow young
	 * enough to stay ends the scan: the work is proportional to what
	 * expires, not to the table.
	 */
	while (t->lru_stale != FLOW_NIL && (max == 0 || n < max)) {
		struct flow *f = &t->flows[t->lru_stale];

		if (flow_age(f, now) <= idle)
			break;
		if (fn != NULL)
			fn(f, arg);
		flow_remove(t, f);
		t->expired++;
		n++;
	}
	return n;
}

void
flow_table_foreach(struct flow_table *t,
    void (*fn)(struct flow *, void *), void *arg)
{
	uint32_t i, next;

	/* Stalest first, the order expiry would have taken them in. */
	for (i = t->lru_stale; i != FLOW_NIL; i = next) {
		next = t->flows[i].lru_next;
		fn(&t->flows[i], arg);
	}
}

void
flow_table_get_stats(const struct flow_table *t, struct flow_table_stats *st)
{
	st->count = t->count;
	st->capacity = t->capacity;
	st->inserted = t->inserted;
	st->evicted = t->evicted;
	st->expired = t->expired;
}
