/* The flow table: one entry per 5-tuple, fixed capacity, LRU eviction, idle expiry. */
#ifndef EEAGUARD_FLOW_H
#define EEAGUARD_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules/addr.h"

/*
 * A 5-tuple. The agent stores keys in a canonical order (so both directions
 * of a flow find one entry) and marks FLOW_REVERSED when key.dst opened it.
 */
struct flow_key {
	struct ipaddr src;
	struct ipaddr dst;
	uint16_t sport;
	uint16_t dport;
	uint8_t proto;
};

#define FLOW_OUTBOUND	0x01	/* initiated by a local address */
#define FLOW_INBOUND	0x02	/* initiated by a remote address: not judged */
#define FLOW_MIDSTREAM	0x04	/* first seen after its handshake */
#define FLOW_DECIDED	0x08	/* a decision was made */
#define FLOW_PENDING	0x10	/* decision may be revised (name still unknown) */
#define FLOW_REVERSED	0x20	/* the initiator is key.dst (keys are canonical) */
#define FLOW_INCIDENT	0x40	/* its data leaving was reported as an incident */

/*
 * One flow. The table owns it; a pointer stays valid until the next
 * flow_table_insert or flow_table_expire (which may recycle it).
 */
struct flow {
	struct flow_key key;
	uint8_t flags;		/* FLOW_* */
	uint8_t verdict;	/* enum verdict, when FLOW_DECIDED */
	uint8_t action;		/* enum action, when FLOW_DECIDED */
	uint8_t tcp_state;	/* free for the agent */
	uint32_t first_seen;	/* seconds, agent clock */
	uint32_t last_seen;
	uint32_t packets;	/* sent by the initiator */
	uint64_t bytes;		/* IP bytes sent by the initiator */
	uint64_t payload_bytes;	/* transport payload bytes sent by the initiator */
	uint32_t name_id;	/* the agent's pending-judgement slot + 1; 0 = none */
	/* table internals */
	uint32_t hnext;
	uint32_t lru_prev;
	uint32_t lru_next;
};

struct flow_table_stats {
	size_t count;		/* flows in the table */
	size_t capacity;
	uint64_t inserted;
	uint64_t evicted;	/* pushed out by a full table */
	uint64_t expired;	/* idle past the timeout */
};

/*
 * All memory is allocated here, once: capacity flows and a power-of-two
 * bucket array. Returns NULL when memory runs out (or capacity is 0).
 */
struct flow_table *flow_table_new(size_t capacity);
void flow_table_free(struct flow_table *t);

/* The flow with exactly this key, or NULL. Never allocates. */
struct flow *flow_table_lookup(struct flow_table *t, const struct flow_key *k);

/*
 * Adds a flow (the key must not be present) seen at now. When the table
 * is full the least recently seen flow is evicted first: evict (if not
 * NULL) is called with it before it is recycled, and stats.evicted counts it.
 * Returns the new zeroed flow with key and timestamps set.
 */
struct flow *flow_table_insert(struct flow_table *t, const struct flow_key *k,
    uint32_t now, void (*evict)(struct flow *, void *), void *arg);

/*
 * Marks f seen at now: moves it to the fresh end of the LRU list when its
 * second changes (order within one second is insertion order).
 */
void flow_table_touch(struct flow_table *t, struct flow *f, uint32_t now);

/*
 * Removes flows not seen for more than idle seconds before now, oldest
 * first, calling fn (if not NULL) on each before removal. At most max
 * flows per call (0 = no limit), so the caller can bound the work per tick.
 * Returns the number removed.
 */
size_t flow_table_expire(struct flow_table *t, uint32_t now, uint32_t idle,
    size_t max, void (*fn)(struct flow *, void *), void *arg);

/* Calls fn on every flow (e.g. at shutdown). fn must not modify the table. */
void flow_table_foreach(struct flow_table *t,
    void (*fn)(struct flow *, void *), void *arg);

void flow_table_get_stats(const struct flow_table *t, struct flow_table_stats *st);

/* Bytes the table allocates for a capacity (for the docs and benchmarks). */
size_t flow_table_memory(size_t capacity);

#endif
