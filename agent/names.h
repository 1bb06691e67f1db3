/* The name cache: address -> the hostname it was learned for, and how. */
#ifndef EEAGUARD_NAMES_H
#define EEAGUARD_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include "rules/addr.h"

enum name_source { NAME_NONE, NAME_DNS, NAME_SNI, NAME_HTTP };

const char *name_source_str(enum name_source s);	/* "dns", "sni", "http", NULL */

struct name_cache_stats {
	size_t count;
	size_t capacity;
	uint64_t learned;
	uint64_t evicted;	/* pushed out by a full cache (least recently used) */
	uint64_t expired;	/* past their TTL */
	uint64_t hits;
	uint64_t misses;
};

/*
 * A fixed-size cache allocated once: capacity entries of (address, name,
 * expiry). One name per address (the latest learned wins); a lookup after
 * the entry's expiry misses. TTLs are clamped to [min_ttl, max_ttl] so a
 * crafted answer cannot pin a name forever. Never allocates after new.
 */
struct name_cache;

struct name_cache *name_cache_new(size_t capacity, uint32_t min_ttl,
    uint32_t max_ttl);
void name_cache_free(struct name_cache *c);

/*
 * Learns addr -> name (lower-cased, copied) at now (seconds) for ttl. An
 * empty name or one over 253 characters is ignored, never cut short.
 */
void name_cache_put(struct name_cache *c, const struct ipaddr *addr,
    const char *name, uint32_t ttl, int64_t now);
/*
 * The name for addr, or NULL when none is known (or it expired). The string
 * lives in the cache: copy it before the next put or get.
 */
const char *name_cache_get(struct name_cache *c, const struct ipaddr *addr,
    int64_t now);

void name_cache_get_stats(const struct name_cache *c, struct name_cache_stats *st);
size_t name_cache_memory(size_t capacity);

#endif
