/* The name cache: a fixed-size address -> hostname map with TTL expiry and LRU eviction. */
/*
 * Everything is allocated once, in one block, by name_cache_new:
 *
 *   struct name_cache | slot[capacity] | name[capacity][DNS_NAME_MAX] | bucket[nbuckets]
 *
 * A slot holds what a lookup touches (the address, its hash chain link,
 * its expiry and LRU links, 40 bytes); the names live apart so a hash chain
 * walk stays within few cache lines. Links are 32-bit slot indices,
 * NAME_NIL ends a list. The hash is chained: bucket[h] is the first slot of
 * its chain, with at least two buckets per slot.
 *
 * The addresses come from DNS answers that anyone can make a resolver
 * fetch, so the hash must not let an outsider choose colliding keys:
 * SipHash-1-3 keyed with a random per-cache seed (getrandom).
 *
 * Slots in use sit on one LRU list (head: most recently put or found;
 * tail: the next to go when the cache is full). Unused slots sit on a free
 * list threaded through the same links. An entry is valid while
 * now < expires; a lookup at or after its expiry removes it.
 *
 * Not thread-safe: the agent's main loop owns its cache.
 */
#include <errno.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "agent/dns.h"
#include "agent/names.h"

#define NAME_NIL	UINT32_MAX
#define NAME_LEN_MAX	(DNS_NAME_MAX - 1)

struct name_slot {
	struct ipaddr addr;
	uint32_t hnext;		/* next slot in the same bucket */
	uint32_t prev;		/* LRU: towards the head (more recent) */
	uint32_t next;		/* LRU: towards the tail; free list link */
	uint32_t bucket;	/* bucket index, to unlink without rehashing */
	int64_t expires;	/* seconds; valid while now < expires */
};

struct name_cache {
	struct name_slot *slot;
	char (*name)[DNS_NAME_MAX];
	uint32_t *bucket;
	uint32_t mask;		/* nbuckets - 1 */
	uint32_t head, tail;	/* LRU list of slots in use */
	uint32_t free;		/* free list */
	uint32_t capacity;
	uint32_t count;
	uint32_t min_ttl, max_ttl;
	uint64_t k0, k1;	/* SipHash key */
	uint64_t learned, evicted, expired, hits, misses;
};

const char *
name_source_str(enum name_source s)
{
	switch (s) {
	case NAME_DNS:
		return "dns";
	case NAME_SNI:
		return "sni";
	case NAME_HTTP:
		return "http";
	case NAME_NONE:
		break;
	}
	return NULL;
}

/* ---- layout ----------------------------------------------------------- */

struct name_layout {
	size_t slot_off, name_off, bucket_off, total;
	uint32_t nbuckets;
};

static size_t
name_align(size_t n, size_t a)
{
	return (n + a - 1) / a * a;
}

/* Where each array lives in the block; 0 when capacity is out of range. */
static int
name_layout(size_t capacity, struct name_layout *l)
{
	uint32_t nb = 2;

	/* Indices are 32-bit with NAME_NIL reserved; keep 2x buckets in range. */
	if (capacity == 0 || capacity > (UINT32_C(1) << 30))
		return 0;
	while (nb < 2 * capacity)
		nb <<= 1;
	l->nbuckets = nb;
	l->slot_off = name_align(sizeof(struct name_cache),
	    alignof(struct name_slot));
	l->name_off = l->slot_off + capacity * sizeof(struct name_slot);
	l->bucket_off = name_align(l->name_off +
	    capacity * (size_t)DNS_NAME_MAX, alignof(uint32_t));
	l->total = l->bucket_off + (size_t)nb * sizeof(uint32_t);
	return 1;
}

size_t
name_cache_memory(size_t capacity)
{
	struct name_layout l;

	return name_layout(capacity, &l) ? l.total : 0;
}

/* ---- hash ------------------------------------------------------------- */

#define NAME_ROTL(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define NAME_SIPROUND do {						\
	v0 += v1; v1 = NAME_ROTL(v1, 13); v1 ^= v0; v0 = NAME_ROTL(v0, 32); \
	v2 += v3; v3 = NAME_ROTL(v3, 16); v3 ^= v2;			\
	v0 += v3; v3 = NAME_ROTL(v3, 21); v3 ^= v0;			\
	v2 += v1; v1 = NAME_ROTL(v1, 17); v1 ^= v2; v2 = NAME_ROTL(v2, 32); \
} while (0)

static uint64_t
name_le64(const uint8_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	    (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 |
	    (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

/* SipHash-1-3 of the 16 address bytes (one compression round per word). */
static uint64_t
name_hash(const struct name_cache *c, const struct ipaddr *a)
{
	uint64_t v0 = c->k0 ^ UINT64_C(0x736f6d6570736575);
	uint64_t v1 = c->k1 ^ UINT64_C(0x646f72616e646f6d);
	uint64_t v2 = c->k0 ^ UINT64_C(0x6c7967656e657261);
	uint64_t v3 = c->k1 ^ UINT64_C(0x7465646279746573);
	uint64_t m;
	int i;

	for (i = 0; i < 2; i++) {
		m = name_le64(a->b + 8 * i);
		v3 ^= m;
		NAME_SIPROUND;
		v0 ^= m;
	}
	m = (uint64_t)16 << 56;		/* no tail bytes, length 16 */
	v3 ^= m;
	NAME_SIPROUND;
	v0 ^= m;
	v2 ^= 0xff;
	NAME_SIPROUND;
	NAME_SIPROUND;
	NAME_SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* A seed no outsider can predict; a weaker mix only if getrandom fails. */
static void
name_seed(struct name_cache *c)
{
	uint64_t k[2];
	struct timespec ts;

	if (getrandom(k, sizeof(k), GRND_NONBLOCK) != (ssize_t)sizeof(k)) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		k[0] = (uint64_t)ts.tv_nsec * UINT64_C(0x9e3779b97f4a7c15) ^
		    (uint64_t)(uintptr_t)c;
		k[1] = (uint64_t)ts.tv_sec << 32 ^ (uint64_t)getpid() ^
		    (uint64_t)(uintptr_t)&ts;
	}
	c->k0 = k[0];
	c->k1 = k[1];
}

/* ---- lists ------------------------------------------------------------ */

static void
name_lru_unlink(struct name_cache *c, uint32_t i)
{
	struct name_slot *s = &c->slot[i];

	if (s->prev != NAME_NIL)
		c->slot[s->prev].next = s->next;
	else
		c->head = s->next;
	if (s->next != NAME_NIL)
		c->slot[s->next].prev = s->prev;
	else
		c->tail = s->prev;
}

static void
name_lru_push(struct name_cache *c, uint32_t i)
{
	struct name_slot *s = &c->slot[i];

	s->prev = NAME_NIL;
	s->next = c->head;
	if (c->head != NAME_NIL)
		c->slot[c->head].prev = i;
	else
		c->tail = i;
	c->head = i;
}

static void
name_lru_touch(struct name_cache *c, uint32_t i)
{
	if (c->head == i)
		return;
	name_lru_unlink(c, i);
	name_lru_push(c, i);
}

static void
name_hash_unlink(struct name_cache *c, uint32_t i)
{
	uint32_t *pp = &c->bucket[c->slot[i].bucket];

	while (*pp != i)
		pp = &c->slot[*pp].hnext;
	*pp = c->slot[i].hnext;
}

/* Takes slot i out of the cache onto the free list. */
static void
name_remove(struct name_cache *c, uint32_t i)
{
	name_hash_unlink(c, i);
	name_lru_unlink(c, i);
	c->name[i][0] = '\0';
	c->slot[i].next = c->free;
	c->free = i;
	c->count--;
}

static uint32_t
name_find(const struct name_cache *c, const struct ipaddr *a, uint32_t b)
{
	uint32_t i;

	for (i = c->bucket[b]; i != NAME_NIL; i = c->slot[i].hnext)
		if (memcmp(c->slot[i].addr.b, a->b, sizeof(a->b)) == 0)
			return i;
	return NAME_NIL;
}

/* ---- interface -------------------------------------------------------- */

struct name_cache *
name_cache_new(size_t capacity, uint32_t min_ttl, uint32_t max_ttl)
{
	struct name_layout l;
	struct name_cache *c;
	uint8_t *block;
	uint32_t i;

	if (!name_layout(capacity, &l) || min_ttl > max_ttl) {
		errno = EINVAL;
		return NULL;
	}
	if ((block = calloc(1, l.total)) == NULL)
		return NULL;
	c = (struct name_cache *)(void *)block;
	c->slot = (struct name_slot *)(void *)(block + l.slot_off);
	c->name = (char (*)[DNS_NAME_MAX])(void *)(block + l.name_off);
	c->bucket = (uint32_t *)(void *)(block + l.bucket_off);
	c->mask = l.nbuckets - 1;
	c->capacity = (uint32_t)capacity;
	c->min_ttl = min_ttl;
	c->max_ttl = max_ttl;
	c->head = c->tail = NAME_NIL;
	for (i = 0; i < l.nbuckets; i++)
		c->bucket[i] = NAME_NIL;
	/* The free list hands out slots in index order. */
	for (i = 0; i < c->capacity; i++)
		c->slot[i].next = i + 1 < c->capacity ? i + 1 : NAME_NIL;
	c->free = 0;
	name_seed(c);
	return c;
}

void
name_cache_free(struct name_cache *c)
{
	free(c);
}

/*
 * A name longer than 253 characters is refused rather than cut: a cut name
 * could end in a suffix a consent names ("...stripe.com" + ".evil.example").
 * An empty name teaches nothing. Both leave the cache as it was.
 */
void
name_cache_put(struct name_cache *c, const struct ipaddr *addr,
    const char *name, uint32_t ttl, int64_t now)
{
	uint32_t b, i;
	size_t n, k;
	char *dst;

	if (name == NULL || (n = strnlen(name, DNS_NAME_MAX)) == 0 ||
	    n > NAME_LEN_MAX)
		return;
	if (ttl < c->min_ttl)
		ttl = c->min_ttl;
	if (ttl > c->max_ttl)
		ttl = c->max_ttl;

	b = (uint32_t)name_hash(c, addr) & c->mask;
	if ((i = name_find(c, addr, b)) != NAME_NIL) {
		name_lru_touch(c, i);
	} else {
		if (c->free == NAME_NIL) {
			/* Full: the least recently used entry makes room. */
			i = c->tail;
			if (now >= c->slot[i].expires)
				c->expired++;
			else
				c->evicted++;
			name_remove(c, i);
		}
		i = c->free;
		c->free = c->slot[i].next;
		c->slot[i].addr = *addr;
		c->slot[i].bucket = b;
		c->slot[i].hnext = c->bucket[b];
		c->bucket[b] = i;
		name_lru_push(c, i);
		c->count++;
	}
	c->slot[i].expires = now > INT64_MAX - (int64_t)ttl ? INT64_MAX :
	    now + (int64_t)ttl;
	dst = c->name[i];
	for (k = 0; k < n; k++) {
		char ch = name[k];

		dst[k] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
	}
	dst[n] = '\0';
	c->learned++;
}

const char *
name_cache_get(struct name_cache *c, const struct ipaddr *addr, int64_t now)
{
	uint32_t i;

	i = name_find(c, addr, (uint32_t)name_hash(c, addr) & c->mask);
	if (i == NAME_NIL) {
		c->misses++;
		return NULL;
	}
	if (now >= c->slot[i].expires) {
		name_remove(c, i);
		c->expired++;
		c->misses++;
		return NULL;
	}
	name_lru_touch(c, i);
	c->hits++;
	return c->name[i];
}

void
name_cache_get_stats(const struct name_cache *c, struct name_cache_stats *st)
{
	st->count = c->count;
	st->capacity = c->capacity;
	st->learned = c->learned;
	st->evicted = c->evicted;
	st->expired = c->expired;
	st->hits = c->hits;
	st->misses = c->misses;
}
