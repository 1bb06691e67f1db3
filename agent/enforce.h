/* Enforcement: the agent's nftables table `inet eeaguard` (libnftables). */
#ifndef EEAGUARD_ENFORCE_H
#define EEAGUARD_ENFORCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules/addr.h"
#include "rules/config.h"
#include "rules/consent.h"

#define ENFORCE_TABLE "eeaguard"		/* family inet */
#define ENFORCE_NFLOG_GROUP 4242U		/* dropped packets (preventive) */
#define ENFORCE_DENY_TIMEOUT 3600		/* seconds a reactive deny lasts */
#define ENFORCE_SET_SIZE 65536U			/* elements per dynamic set */

/*
 * What nftables can express of one scope's match (DESIGN: "Enforcement"):
 * uids/users (meta skuid), cgroups without glob characters (socket
 * cgroupv2), src prefixes, sports, dports, protocols. A scope that lists
 * comms, or cgroup globs, cannot be expressed and falls back to reactive.
 */
bool enforce_scope_expressible(const struct scope *s, const char **why);

/* An address interval [first, last] (16-byte form) that a scope may reach. */
struct enforce_range {
	struct ipaddr first;
	struct ipaddr last;
};

/*
 * Everything the table is built from, computed by the agent: for each
 * scope (index as in the config), whether it is enforced preventively and
 * the ranges it may reach (EEA from the geodb, internal networks, networks
 * every customer of the scope consented to). Ranges need not be sorted or
 * merged; enforce_install merges adjacent and overlapping ones.
 */
struct enforce_scope_plan {
	bool preventive;
	const struct enforce_range *allow;
	size_t n_allow;
};

struct enforce_plan {
	const struct config *cfg;		/* scopes, mode, enforce kind */
	const struct enforce_scope_plan *scopes;	/* cfg->n_scopes entries */
	uint16_t nflog_group;
};

struct enforcer;

/* Opens a libnftables context. Returns NULL with a reason (e.g. not root). */
struct enforcer *enforce_open(char *err, size_t errsize);
void enforce_close(struct enforcer *e);

/*
 * Replaces the table with one built from plan, atomically: one batch that
 * deletes the old table (if any) and creates the new one, so there is never
 * a moment without a table, and elements of the old table (a revoked
 * consent's networks) never survive. On failure the previous table stays
 * as it was and err says why (the nft error text).
 */
int enforce_install(struct enforcer *e, const struct enforce_plan *plan,
    char *err, size_t errsize);

/*
 * Reactive, for timeout seconds (0: ENFORCE_DENY_TIMEOUT):
 *  - the rest of this connection (proto, src:sport -> dst:dport) is
 *    rejected, whoever owns its socket, forwarded traffic included;
 *  - when uid >= 0 (the socket's owner is known), every later connection
 *    of a local socket owned by uid from src to dst:dport (proto) is
 *    rejected too. Other uids, in other scopes or none, keep their way
 *    there: one program's violation must not cut the whole host.
 * A negative uid adds the connection only. TCP is answered with a reset
 * to the local socket, UDP with ICMP administratively prohibited. Both
 * elements go in one transaction: 0 when they are committed in the
 * kernel, -1 with a reason when neither is (set full: "deny set full").
 */
int enforce_deny(struct enforcer *e, uint8_t proto, const struct ipaddr *src,
    uint16_t sport, const struct ipaddr *dst, uint16_t dport, int64_t uid,
    uint32_t timeout, char *err, size_t errsize);

/*
 * Preventive: scope may reach addr for ttl seconds (a name it has consent
 * for resolved to addr). Returns 0 / -1 as enforce_deny.
 */
int enforce_allow_learned(struct enforcer *e, size_t scope,
    const struct ipaddr *addr, uint32_t ttl, char *err, size_t errsize);

/*
 * Ends a local socket by exact tuple (sock_diag SOCK_DESTROY). 0, or -1
 * with errno (ENOENT: no connected socket has that tuple; EOPNOTSUPP: a
 * kernel without CONFIG_INET_DIAG_DESTROY).
 */
int enforce_destroy_socket(uint8_t proto, const struct ipaddr *src,
    uint16_t sport, const struct ipaddr *dst, uint16_t dport);

/* Deletes the table (eeaguard agent --release). 0, or -1 with a reason. */
int enforce_release(struct enforcer *e, char *err, size_t errsize);

#endif
