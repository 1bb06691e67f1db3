/* The decision engine: what a new outbound flow gets (DESIGN: "Decision semantics"). */
#ifndef EEAGUARD_POLICY_H
#define EEAGUARD_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "rules/addr.h"
#include "rules/config.h"
#include "rules/consent.h"

enum verdict {
	VERDICT_ALLOW_INTERNAL,
	VERDICT_EXEMPT,
	VERDICT_ALLOW_EEA,
	VERDICT_ALLOW_CONSENT,
	VERDICT_VIOLATION,
	VERDICT_UNSCOPED,
};

enum action {
	ACTION_NONE,
	ACTION_ALERT,
	ACTION_BLOCK,
};

/*
 * What the agent knows about a flow when it decides. Strings may be NULL
 * (unknown); a scope criterion on an unknown fact does not match.
 */
struct flow_facts {
	uint8_t proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	struct ipaddr src;
	struct ipaddr dst;
	uint16_t sport;
	uint16_t dport;
	const char *cc;		/* geodb answer: "NL", "EU", or "--" unknown */
	const char *host;	/* destination hostname, or NULL */
	int64_t uid;		/* -1 = unknown */
	const char *user;	/* name of uid, or NULL */
	const char *comm;
	const char *cgroup;
};

#define POLICY_MAX_CONSENTS 16
#define POLICY_REASON_LEN 384

struct decision {
	enum verdict verdict;
	enum action action;
	const struct scope *scope;	/* NULL when no scope was needed or fits */
	const struct exempt *exempt;	/* for VERDICT_EXEMPT */
	const struct consent *consents[POLICY_MAX_CONSENTS];
	size_t n_consents;		/* for VERDICT_ALLOW_CONSENT */
	char reason[POLICY_REASON_LEN];	/* a sentence a person can act on */
};

/*
 * Decides at time t (UTC seconds; the packet's own time in replays):
 * internal -> exempt -> EEA -> scope -> consent for every customer of the
 * scope. Unknown countries and region codes count as outside the EEA.
 * Pure: no I/O, no allocation; d is fully written.
 */
void policy_decide(const struct config *c, const struct consent_register *r,
    const struct flow_facts *f, int64_t t, struct decision *d);

/* The first scope in file order whose match fits f, or NULL. */
const struct scope *policy_find_scope(const struct config *c,
    const struct flow_facts *f);
bool policy_scope_matches(const struct scope_match *m,
    const struct flow_facts *f);

const char *policy_verdict_name(enum verdict v);
const char *policy_action_name(enum action a);

#endif
