/* A longest-prefix-match set of IP prefixes (both families) with values. */
#ifndef EEAGUARD_NETSET_H
#define EEAGUARD_NETSET_H

#include <stdbool.h>
#include <stddef.h>

#include "rules/addr.h"

/*
 * Built once (netset_add allocates), then read-only: netset_lookup never
 * allocates and is safe to call from many readers. IPv4 and IPv6 live in
 * separate binary tries so an IPv4 lookup walks at most 32 nodes.
 */
struct netset;

struct netset *netset_new(void);
void netset_free(struct netset *s);
/*
 * Adds p with value (>= 0). Returns 0, 1 when p was already present (its
 * value is replaced), or -1 when memory ran out (the set is unchanged).
 */
int netset_add(struct netset *s, const struct ipprefix *p, int value);
/*
 * Longest prefix containing a: returns its value, or -1 when none does.
 * If len is not NULL it receives the matched prefix length (16-byte form).
 */
int netset_lookup(const struct netset *s, const struct ipaddr *a, unsigned *len);
size_t netset_count(const struct netset *s);

#endif
