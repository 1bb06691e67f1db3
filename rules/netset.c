/* A longest-prefix-match set of IP prefixes (both families) with values. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules/netset.h"

/*
 * Nodes live in one array and refer to each other by index, so the set is
 * a handful of allocations however many prefixes it holds and a lookup
 * walks memory that stays in cache. Index 0 is the IPv4 root and index 1
 * the IPv6 root; neither is ever a child, so a child index of 0 means none.
 */
struct netset_node {
	uint32_t child[2];
	int32_t value;		/* -1: no prefix ends here */
};

#define NETSET_V4_ROOT 0
#define NETSET_V6_ROOT 1

struct netset {
	struct netset_node *node;
	uint32_t n;
	uint32_t cap;
	size_t count;
	/*
	 * Every IPv4 address shares its first 96 bits (::ffff:0:0/96), so the
	 * longest IPv6-trie prefix covering any IPv4 address is the same for
	 * all of them: kept here so IPv4 lookups never walk the IPv6 trie.
	 */
	int32_t mapped_value;	/* -1: no IPv6-trie prefix covers IPv4 */
	uint8_t mapped_len;
};

struct netset *
netset_new(void)
{
	struct netset *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->cap = 64;
	if ((s->node = malloc(s->cap * sizeof(*s->node))) == NULL) {
		free(s);
		return NULL;
	}
	s->n = 2;
	s->node[NETSET_V4_ROOT] = (struct netset_node){ { 0, 0 }, -1 };
	s->node[NETSET_V6_ROOT] = (struct netset_node){ { 0, 0 }, -1 };
	s->mapped_value = -1;
	return s;
}

void
netset_free(struct netset *s)
{
	if (s == NULL)
		return;
	free(s->node);
	free(s);
}

/* Room for extra more nodes, so an add cannot fail half-way. */
static int
netset_reserve(struct netset *s, uint32_t extra)
{
	struct netset_node *v;
	uint32_t cap;
	size_t bytes;

	if (s->cap - s->n >= extra)
		return 0;
	if (s->cap > UINT32_MAX / 2 - extra)
		return -1;
	cap = s->cap * 2 + extra;
	if (__builtin_mul_overflow((size_t)cap, sizeof(*v), &bytes) ||
	    (v = realloc(s->node, bytes)) == NULL)
		return -1;
	s->node = v;
	s->cap = cap;
	return 0;
}

/* Bit i (0 = most significant) of a byte string. */
static inline unsigned
netset_bit(const uint8_t *b, unsigned i)
{
	return (b[i >> 3] >> (7 - (i & 7))) & 1;
}

int
netset_add(struct netset *s, const struct ipprefix *p, int value)
{
	static const struct ipprefix mapped = {
		{ { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0 } },
		96
	};
	const uint8_t *b;
	uint32_t n;
	unsigned i, bits;
	bool v6;
	int dup;

	if (s == NULL || p == NULL || value < 0 || p->len > 128)
		return -1;
	/* An IPv4 /n (len 96 + n) is stored over the 32 bits of the address. */
	v6 = !(p->len >= 96 && ipaddr_is_v4(&p->addr));
	if (!v6) {
		n = NETSET_V4_ROOT;
		b = p->addr.b + 12;
		bits = p->len - 96u;
	} else {
		n = NETSET_V6_ROOT;
		b = p->addr.b;
		bits = p->len;
	}
	if (netset_reserve(s, bits) == -1)
		return -1;
	for (i = 0; i < bits; i++) {
		unsigned bit = netset_bit(b, i);

		if (s->node[n].child[bit] == 0) {
			s->node[s->n] = (struct netset_node){ { 0, 0 }, -1 };
			s->node[n].child[bit] = s->n++;
		}
		n = s->node[n].child[bit];
	}
	dup = s->node[n].value >= 0;
	s->node[n].value = value;
	if (!dup)
		s->count++;
	/*
	 * Only an IPv6-trie prefix shorter than /96 can cover IPv4 space; one
	 * of /96 or longer that did would itself be IPv4-mapped.
	 */
	if (v6 && ipprefix_contains(p, &mapped.addr) &&
	    (s->mapped_value < 0 || p->len >= s->mapped_len)) {
		s->mapped_value = value;
		s->mapped_len = p->len;
	}
	return dup;
}

/*
 * Walks up to bits bits of the key held left-aligned in hi:lo, remembering
 * the deepest node with a value. The select is written so the compiler
 * can use conditional moves: the only unpredictable branch left is the
 * loop exit.
 */
static inline int
netset_walk(const struct netset_node *node, uint32_t n, uint64_t hi,
    uint64_t lo, unsigned bits, unsigned *depth)
{
	int32_t best = node[n].value, v;
	unsigned i, d = 0;

	for (i = 0; i < bits; i++) {
		unsigned bit = (unsigned)(hi >> 63);

		hi = hi << 1 | lo >> 63;
		lo <<= 1;
		n = node[n].child[bit];
		if (n == 0)
			break;
		v = node[n].value;
		d = v >= 0 ? i + 1 : d;
		best = v >= 0 ? v : best;
	}
	*depth = d;
	return best;
}

static inline uint64_t
netset_load64(const uint8_t *b)
{
	uint64_t x = 0;
	int i;

	for (i = 0; i < 8; i++)
		x = x << 8 | b[i];
	return x;
}

int
netset_lookup(const struct netset *s, const struct ipaddr *a, unsigned *len)
{
	unsigned depth, dummy;
	int v;

	if (len == NULL)
		len = &dummy;
	*len = 0;
	if (s == NULL || a == NULL)
		return -1;
	if (ipaddr_is_v4(a)) {
		const uint8_t *q = a->b + 12;
		uint64_t hi = (uint64_t)q[0] << 56 | (uint64_t)q[1] << 48 |
		    (uint64_t)q[2] << 40 | (uint64_t)q[3] << 32;

		v = netset_walk(s->node, NETSET_V4_ROOT, hi, 0, 32, &depth);
		if (v >= 0) {
			*len = 96 + depth;
			return v;
		}
		if (s->mapped_value >= 0)
			*len = s->mapped_len;
		return s->mapped_value;
	}
	v = netset_walk(s->node, NETSET_V6_ROOT, netset_load64(a->b),
	    netset_load64(a->b + 8), 128, &depth);
	if (v >= 0)
		*len = depth;
	return v;
}

size_t
netset_count(const struct netset *s)
{
	return s != NULL ? s->count : 0;
}
