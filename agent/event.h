/* Events: what the agent reports (DESIGN: "Events"), and their JSON and text forms. */
#ifndef EEAGUARD_EVENT_H
#define EEAGUARD_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules/addr.h"

enum event_type {
	EV_VIOLATION,
	EV_UNSCOPED,
	EV_CONSENT_TRANSFER,
	EV_FLOW,
	EV_BLOCKED,
	EV_CONSENT_EXPIRED,
	EV_CONFIG_RELOADED,
	EV_CONFIG_ERROR,
	EV_GEODB_RELOADED,
	EV_GEODB_STALE,
	EV_CAPTURE_ERROR,
	EV_SINK_ERROR,
	EV_ENFORCE_ERROR,
	EV_AGENT_STARTED,
	EV_AGENT_STOPPED,
	EV_STATS,
	EV_INCIDENT,
	EV_TYPE_COUNT
};

const char *event_type_name(enum event_type t);	/* "violation", ... */
/* Decision events carry the flow fields of the schema. */
bool event_is_decision(enum event_type t);

#define EVENT_MAX_CONSENTS 16
#define EVENT_MAX_CUSTOMERS 16
/*
 * Extra members: the largest user is `stats`, about 51 fixed members
 * (every decode error counted) plus one pcap_drops_IFACE per interface
 * (AGENT_MAX_IFACES = 32); a member past the limit would be lost.
 */
#define EVENT_MAX_KV 96

/* The decision fields, in the schema's order. NULL / -1 mean unknown (null). */
struct event_flow {
	const char *verdict;
	const char *action;
	uint8_t proto;			/* IPPROTO_TCP / IPPROTO_UDP */
	struct ipaddr src;
	struct ipaddr dst;
	uint16_t sport;
	uint16_t dport;
	const char *country;		/* "US", "--" */
	const char *host;
	const char *host_source;	/* "dns" | "sni" | "http" | NULL */
	const char *scope;
	const char *customers[EVENT_MAX_CUSTOMERS];
	size_t n_customers;		/* customers is null when scope is NULL */
	const char *consents[EVENT_MAX_CONSENTS];
	size_t n_consents;
	int64_t uid;
	int64_t pid;
	const char *comm;
	const char *exe;
	const char *cgroup;
	const char *iface;
	bool midstream;
	const char *reason;
	const char *geodb;		/* "2026-06-25T04:33:59Z/3f2a9c0d1e4b" */
	const char *policy;		/* 12 hex digits */
	uint64_t suppressed;		/* written only when > 0 */
};

/* Extra members: counts, names, messages of the non-decision events. */
enum event_kv_type { KV_STR, KV_INT, KV_BOOL, KV_JSON };

struct event_kv {
	const char *key;
	enum event_kv_type type;
	const char *s;
	int64_t i;
};

struct event {
	enum event_type type;
	int64_t ts_us;			/* UTC microseconds */
	const struct event_flow *flow;	/* decision events only */
	struct event_kv kv[EVENT_MAX_KV];
	size_t n_kv;
};

void event_init(struct event *e, enum event_type type, int64_t ts_us);
/* Adds a member; silently ignored past EVENT_MAX_KV (a programming error). */
void event_kv_str(struct event *e, const char *key, const char *s);
void event_kv_int(struct event *e, const char *key, int64_t i);
void event_kv_bool(struct event *e, const char *key, bool b);
/* A nested object or array, already JSON (from the json writer). */
void event_kv_json(struct event *e, const char *key, const char *json);

/*
 * One JSON object, no newline. Decision events write every schema field
 * (null where unknown) then the extra members. Returns the length or -1
 * when buf is too small.
 */
int event_format_json(const struct event *e, char *buf, size_t size);
/* One readable line for people at a terminal. */
int event_format_text(const struct event *e, char *buf, size_t size);

#endif
