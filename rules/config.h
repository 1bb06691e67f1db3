/* The agent's configuration (eeaguard.conf, libconfig): load, validate, free. */
#ifndef EEAGUARD_CONFIG_H
#define EEAGUARD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules/addr.h"
#include "rules/country.h"
#include "rules/errlist.h"
#include "rules/netset.h"

#define CONFIG_DEFAULT_PATH "/etc/eeaguard/eeaguard.conf"

enum agent_mode { MODE_MONITOR, MODE_ENFORCE };
enum enforce_kind { ENFORCE_REACTIVE, ENFORCE_PREVENTIVE };
enum unscoped_action { UNSCOPED_IGNORE, UNSCOPED_ALERT, UNSCOPED_BLOCK };

/* Protocol bits for match.protocols and exempt.protocols. */
#define PROTO_BIT_TCP 0x1u
#define PROTO_BIT_UDP 0x2u
#define PROTO_BIT_ALL (PROTO_BIT_TCP | PROTO_BIT_UDP)

struct strlist {
	char **v;
	size_t n;
};

struct portlist {
	uint16_t *v;
	size_t n;
};

struct prefixlist {
	struct ipprefix *v;
	size_t n;
};

/*
 * A scope's match: listed criteria are ANDed, members of one list ORed.
 * A criterion that is not listed (n == 0, protocols == 0) does not constrain.
 * A match with no criterion at all matches nothing (empty == true).
 */
struct scope_match {
	uint32_t *uids;
	size_t n_uids;
	struct strlist users;	/* user names; resolved to uids at match time */
	struct strlist cgroups;	/* fnmatch globs on the cgroup v2 path */
	struct strlist comms;	/* fnmatch globs on the process name */
	struct prefixlist src;
	struct netset *src_set;	/* src as a trie (NULL when src.n == 0) */
	struct portlist sports;
	struct portlist dports;
	unsigned protocols;	/* PROTO_BIT_*; 0 = not listed */
	bool empty;
};

struct scope {
	char *name;
	struct strlist customers;	/* at least one */
	char *data;		/* what personal data it carries; may be NULL */
	long subjects;		/* approximate data subjects; -1 = unknown */
	struct scope_match match;
	int line;		/* line in the configuration file */
};

struct exempt {
	struct prefixlist dst;	/* empty = any destination */
	struct portlist dports;	/* empty = any port */
	unsigned protocols;	/* 0 = any */
	char *reason;
	int line;
};

struct config {
	char *path;		/* the file it came from; NULL for built-in
				   defaults or a configuration from a string */
	uint8_t sha256[32];	/* of the bytes parsed (then any @include'd),
				   never re-read: a file replaced after the
				   parse cannot lend its hash to this one */
	struct {
		enum agent_mode mode;		/* "monitor" (default) | "enforce" */
		enum enforce_kind enforce;	/* "reactive" (default) | "preventive" */
		struct strlist interfaces;	/* default: none (the agent picks "any") */
		struct prefixlist local_networks;
		struct netset *local_set;
		uint32_t flow_capacity;		/* default 1000000 */
		uint32_t flow_idle_timeout;	/* seconds, default 300 */
	} agent;
	struct {
		char *path;			/* NULL = the embedded default database */
		struct strlist country_path;	/* default ["country", "iso_code"] */
		uint32_t cache_size;		/* default 65536 */
		uint32_t max_age_days;		/* default 45 */
	} geodb;
	struct {
		char *register_path;	/* "register"; default /etc/eeaguard/consent.conf */
		char *audit_log;	/* default /var/lib/eeaguard/consent.log */
	} consent;
	struct {
		struct country_set eea;		/* default country_eea_default */
		struct prefixlist internal;	/* default: see config.c */
		struct netset *internal_set;
		enum unscoped_action unscoped;	/* default UNSCOPED_ALERT */
	} policy;
	struct scope *scopes;
	size_t n_scopes;
	struct exempt *exempts;
	size_t n_exempts;
	struct {
		bool to_stdout;		/* "stdout", default false */
		bool syslog;		/* default true */
		char *jsonl;		/* default /var/log/eeaguard/events.jsonl; "" = off */
		char *exec;		/* default "" = off */
		uint32_t dedup_window;	/* seconds, default 300; 0 = off */
		char *metrics_file;	/* default "" = off */
		uint32_t stats_interval;	/* seconds, default 60 */
	} alerts;
};

/*
 * Reads and validates path. Relative paths inside it resolve against the
 * directory of path. On any error returns NULL with every problem found
 * added to errs; nothing half-loaded is ever returned.
 */
struct config *config_load(const char *path, struct errlist *errs)
    EG_NONNULL(1);
/*
 * The same for a configuration held in memory: name stands for the file in
 * messages, relative paths (and @include) resolve against the current
 * directory, and the result's path is NULL.
 */
struct config *config_load_string(const char *name, const char *text,
    struct errlist *errs);
/* The configuration used when no file exists: every key at its default. */
struct config *config_default(void);
void config_free(struct config *c);

const char *config_mode_name(enum agent_mode m);
const char *config_enforce_name(enum enforce_kind k);
const char *config_unscoped_name(enum unscoped_action u);

#endif
