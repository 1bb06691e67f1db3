/* The consent register (consent.conf): parse, validate, match. */
#ifndef EEAGUARD_CONSENT_H
#define EEAGUARD_CONSENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "rules/addr.h"
#include "rules/config.h"
#include "rules/country.h"
#include "rules/errlist.h"

#define CONSENT_TIME_MAX INT64_MAX

/*
 * One recorded consent. Strings are owned by the entry; optional strings
 * that the file leaves out or sets to "" are "" (never NULL) so the
 * register can be written back field for field.
 */
struct consent {
	char *id;
	char *customer;
	struct strlist countries;	/* as written, each an assigned, non-EEA code */
	struct country_set country_set;
	struct strlist hosts;		/* "api.example.com" or "*.example.com", lower case */
	struct prefixlist networks;
	struct portlist ports;
	char *purpose;
	char *subprocessor;
	char *document;
	char *document_sha256;	/* 64 lower-case hex digits or "" */
	char *granted_by;
	char *signed_on;	/* "signed" */
	char *valid_from_s;	/* as written; "" = from "signed" */
	char *expires_s;	/* as written; "" = open-ended */
	char *recorded_by;
	char *recorded_at;
	bool revoked;
	char *revoked_at;
	char *revoked_by;
	char *revoke_reason;

	int64_t valid_from;	/* UTC seconds; from valid_from_s, else signed */
	int64_t expires;	/* UTC seconds; CONSENT_TIME_MAX when open-ended */
	int line;		/* line in the register file */
};

struct consent_register {
	char *path;		/* NULL when built in memory */
	struct consent *v;
	size_t n;
	uint8_t sha256[32];	/* of the file's bytes as loaded */
};

/*
 * Reads and validates a register. eea is the EEA in force: a consent that
 * names an EEA country is an error (no consent is needed there). On any
 * error returns NULL with every problem added to errs. A missing file is an
 * error; use consent_register_empty() when there is no register yet.
 */
struct consent_register *consent_load(const char *path,
    const struct country_set *eea, struct errlist *errs);
/*
 * The same for a register held in memory (len bytes of text, which need
 * not be NUL-terminated): name stands for the file in messages; the result's
 * path is NULL and its sha256 is that of the len bytes.
 */
struct consent_register *consent_load_string(const char *name,
    const char *text, size_t len, const struct country_set *eea,
    struct errlist *errs);
struct consent_register *consent_register_empty(void);
void consent_register_free(struct consent_register *r);

/* True when t is in [valid_from, expires) and the consent is not revoked. */
bool consent_active(const struct consent *c, int64_t t);

/*
 * The active consents of customer that cover a transfer to country cc,
 * address dst, hostname host (NULL when unknown) and port at time t. A
 * consent that lists hosts never covers a flow whose host is unknown. Host
 * patterns: exact (case-insensitive) or "*.suffix" (any name ending in
 * ".suffix", not suffix itself). Port 0 means any port (enforcement asks
 * whether a name is consented before any connection to it exists). Writes up
 * to max pointers into out and
 * returns how many matched (may exceed max). Never allocates.
 */
size_t consent_match(const struct consent_register *r, const char *customer,
    const char *cc, const struct ipaddr *dst, const char *host,
    uint16_t port, int64_t t, const struct consent **out, size_t max);

/*
 * Parses "2026-03-01", "2026-03-01T09:14:00Z" or with "+02:00" offset into
 * UTC seconds. Returns -1 on a malformed or impossible date.
 */
int consent_parse_time(const char *s, int64_t *out);

#endif
