/* Evidence from events files: parse event lines, aggregate them for `eeaguard report`. */
#ifndef EEAGUARD_REPORT_H
#define EEAGUARD_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules/consent.h"

/*
 * The module owns everything it returns; report_free releases it. It does
 * no I/O: the caller reads the files (plain, rotated, gzip) and feeds lines.
 * The incident event it reads is specified in doc/EVENTS.md.
 *
 * Counting: an event line stands for 1 + its "suppressed" occurrences (the
 * agent folds identical alerts within alerts.dedup_window into the next
 * one), so every count below is of occurrences unless it says "lines".
 *
 * A decision event that carries "revises" replaces the decision it names
 * (same flow, that ts): the replaced one is not counted when it is among
 * the last REPORT_REVISE_WINDOW decision lines before its revision.
 */

#define REPORT_TIME_NONE INT64_MIN	/* no such time (null, open) */
#define REPORT_REVISE_WINDOW 16384
#define REPORT_EXPIRING_DAYS 30
#define REPORT_NOTIFY_HOURS 24

/*
 * Parses an RFC 3339 time ("2026-11-26T07:10:00.123456Z", offsets
 * "+02:00", up to 9 fraction digits, kept to microseconds) or a date
 * ("2026-11-26", midnight UTC) from n bytes into UTC microseconds. Sets
 * *date_only (may be NULL) when s was a date. Returns 0, or -1 when s is
 * not such a time or names an impossible one.
 */
int report_parse_time(const char *s, size_t n, int64_t *usec, bool *date_only);
/* "2026-11-26T07:10:06Z": seconds precision for people; returns buf. */
#define REPORT_TS_LEN 32
const char *report_time_s(int64_t usec, char buf[REPORT_TS_LEN]);
/* "2026-11-26T07:10:06.123456Z", as events carry times; returns buf. */
const char *report_time_us(int64_t usec, char buf[REPORT_TS_LEN]);
/* "3h", "2d 4h", "45m", "0m": a duration for people; returns buf. */
#define REPORT_DUR_LEN 32
const char *report_duration(int64_t usec, char buf[REPORT_DUR_LEN]);

struct report_options {
	int64_t since;		/* UTC µs, inclusive; REPORT_TIME_NONE: none */
	int64_t until;		/* UTC µs, exclusive; REPORT_TIME_NONE: none */
	const char *customer;	/* only this customer's events; NULL: all */
	int64_t now;		/* UTC µs: deadlines are measured from it */
	/* Checks each consent use against it; NULL: not checked. Borrowed. */
	const struct consent_register *reg;
};

/* One row of a "by X" table. */
struct report_group {
	char *key;
	char *extra;		/* by destination: the country; else NULL */
	uint64_t count;		/* occurrences */
	uint64_t blocked;	/* of which blocked (action block or a blocked event) */
	uint64_t incidents;	/* incidents in the report that fall in this row */
	int64_t first, last;	/* ts of the first and last line */
};

struct report_table {
	struct report_group *v;
	size_t n;
	size_t cap;		/* private: allocated rows */
	size_t *slot;		/* private: hash index, row + 1 (0: empty) */
	size_t nslot;
};

enum report_by {
	REPORT_BY_CUSTOMER,	/* unscoped flows: "(no scope)" */
	REPORT_BY_COUNTRY,
	REPORT_BY_DESTINATION,	/* host, else the address */
	REPORT_BY_PROCESS,	/* comm, else "(unknown)" */
	REPORT_BY_DAY,		/* "2026-11-26" (UTC) */
	REPORT_BY_COUNT
};

/* What consent_transfer events say about one consent id. */
struct report_consent_use {
	char *id;
	uint64_t transfers;	/* occurrences */
	int64_t first, last;
	struct report_table customers;	/* the flows' customers */
	struct report_table countries;
	struct report_table destinations;	/* host, else the address */
	/* Against the register (when given): */
	bool in_register;
	uint64_t outside_terms;	/* transfers the consent's terms do not cover */
	char *note;		/* why, for the first of them; NULL if none */
};

struct report_dest {
	char *dst;
	int64_t dport;		/* -1: null */
	char *country;
	char *host;
};

/* One incident (doc/EVENTS.md); lines with the same id are merged. */
struct report_incident {
	char *id;
	int64_t ts;
	int64_t discovered_at;
	int64_t notify_by;	/* notify_customer_by, else discovered_at + 24 h */
	char *customer;
	char **customers;
	size_t n_customers;
	char *scope;
	char *data;
	int64_t subjects;	/* -1: unknown */
	struct report_dest *dests;
	size_t n_dests;
	char *proto;
	int64_t uid, pid;	/* -1: unknown */
	char *comm, *exe, *cgroup;
	int64_t bytes_sent, packets_sent;	/* -1: unknown */
	int64_t first_seen, last_seen;		/* REPORT_TIME_NONE: unknown */
	char *action;		/* measures.action */
	int64_t blocked_at;	/* measures.blocked_at; REPORT_TIME_NONE: not blocked */
	char *verdict, *reason, *geodb, *policy;
	char *source;		/* "FILE:LINE" of its first line */
	size_t lines;		/* how many lines carried this id */
};

/*
 * A time the agent was not watching, or a fault while it was. Intervals
 * ("stopped": agent_stopped to the next agent_started; "unclean": a start
 * with no stop before it, from the last event seen) have to > from, or
 * to == REPORT_TIME_NONE while still open at the end of the input. Faults
 * (config_error, geodb_stale, enforce_error, sink_error, capture_error)
 * are grouped by event and detail, with a count, first and last.
 */
struct report_gap {
	char *kind;		/* "stopped", "unclean", or the event name */
	char *detail;
	int64_t from, to;	/* faults: first and last */
	uint64_t count;		/* intervals: 1 */
	int64_t max_age_days;	/* geodb_stale: the largest age_days; else -1 */
};

struct report {
	struct report_options opt;
	/* Lines: every line fed, used, outside the filters, blank, malformed. */
	uint64_t lines, used, filtered, blank, malformed;
	uint64_t revised;	/* decisions replaced by a later revision */
	uint64_t revise_orphans;	/* revisions whose original was not seen */
	struct report_table verdicts;	/* decision occurrences by verdict */
	struct report_table events;	/* lines by event name */
	struct report_table geodbs;	/* decision lines by "geodb" */
	struct report_table policies;	/* decision lines by "policy" */
	/* Violations: violation, unscoped and blocked events. */
	uint64_t violations, violations_blocked;
	int64_t vfirst, vlast;
	struct report_table by[REPORT_BY_COUNT];
	struct report_consent_use *uses;	/* by id after report_finish */
	size_t n_uses;
	uint64_t consented;	/* consent_transfer occurrences */
	struct report_incident *inc;	/* deadline first after report_finish */
	size_t n_inc;
	struct report_gap *gaps;	/* by time after report_finish */
	size_t n_gaps;
	struct report_private *priv;
};

/* NULL when out of memory. */
struct report *report_new(const struct report_options *o);
void report_free(struct report *r);

enum report_line {
	REPORT_LINE_USED,	/* counted */
	REPORT_LINE_FILTERED,	/* an event outside --since/--until/--customer */
	REPORT_LINE_BLANK,	/* empty or only blanks */
	REPORT_LINE_BAD,	/* not a JSON object, or not an event: *why says */
	REPORT_LINE_NOMEM
};

/*
 * Feeds line number lineno of file (len bytes, no newline). The line is
 * decoded in place, so it must be writable; it is not kept. "FILE:LINE" is
 * recorded with incidents. For REPORT_LINE_BAD *why is a static phrase ("not a JSON
 * object", "not an eeaguard event", "not a valid incident") and *detail a
 * static one that says more ("unterminated string"), or NULL.
 */
enum report_line report_add_line(struct report *r, char *line, size_t len,
    const char *file, uint64_t lineno, const char **why,
    const char **detail);

/*
 * Ends the input: counts the decisions still held for revision, closes the
 * agent's lifecycle, sorts every table (count descending, then key), the
 * incidents (notice deadline first), consent uses (by id) and gaps (by
 * time), and fills the incidents column of the tables. Returns -1 when out
 * of memory.
 */
int report_finish(struct report *r);

const struct report_incident *report_find_incident(const struct report *r,
    const char *id);

/*
 * The consents of reg in force at now_s that expire within days days
 * (now_s < expires <= now_s + days * 86400), of customer (NULL: all),
 * soonest first. Writes up to max into out; returns how many there are.
 */
size_t report_consents_expiring(const struct consent_register *reg,
    int64_t now_s, int days, const char *customer,
    const struct consent **out, size_t max);

/*
 * Whether consent c's terms covered a transfer at t_us (UTC µs) to country
 * cc, address dst, host (NULL: unknown) and dport (-1: unknown) for a flow
 * of customers: the first term it fails, in this order. A consent revoked
 * after t_us still covered it; one revoked at a time the register does not
 * record did not.
 */
enum report_terms {
	REPORT_TERMS_COVERED,
	REPORT_TERMS_CUSTOMER,		/* not one of the flow's customers */
	REPORT_TERMS_COUNTRY,
	REPORT_TERMS_NOT_YET,		/* before valid_from */
	REPORT_TERMS_EXPIRED,
	REPORT_TERMS_REVOKED,
	REPORT_TERMS_DESTINATION	/* outside its networks, hosts or ports */
};
enum report_terms report_consent_terms(const struct consent *c,
    const char *const *customers, size_t ncust, const char *cc,
    const char *dst, const char *host, int64_t dport, int64_t t_us);

/* The consents of reg for customer that name country cc (for a notice). */
size_t report_consents_for(const struct consent_register *reg,
    const char *customer, const char *cc, const struct consent **out,
    size_t max);

#endif
