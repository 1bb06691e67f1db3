/* Editing the consent register: records, serialization, edits, the audit chain. */
#ifndef EEAGUARD_CONSENT_EDIT_H
#define EEAGUARD_CONSENT_EDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules/consent.h"

/*
 * This module owns the register as legal edits it: every field as text, in
 * the order the file lists them. It never prints and never touches a file;
 * agent/cli_consent.c does the locking, writing and talking.
 */

/* The fields of one consent, in register order. */
enum consent_field_id {
	CE_ID, CE_CUSTOMER, CE_COUNTRIES, CE_HOSTS, CE_NETWORKS, CE_PORTS,
	CE_PURPOSE, CE_SUBPROCESSOR, CE_DOCUMENT, CE_DOCUMENT_SHA256,
	CE_GRANTED_BY, CE_SIGNED, CE_VALID_FROM, CE_EXPIRES, CE_RECORDED_BY,
	CE_RECORDED_AT, CE_REVOKED, CE_REVOKED_AT, CE_REVOKED_BY,
	CE_REVOKE_REASON, CE_NFIELDS
};

#define CONSENT_SHA256_HEX	65	/* 64 hex digits and a NUL */
#define CONSENT_TIME_LEN	21	/* "2026-03-02T09:14:00Z" and a NUL */

/* The field's name in the register ("granted_by"). */
const char *consent_field_name(enum consent_field_id f);
/* The field called name, or -1. */
int consent_field_lookup(const char *name);
/* countries, hosts, networks and ports are lists. */
bool consent_field_is_list(enum consent_field_id f);

/*
 * One consent as text. Text fields are never NULL once initialised ("" when
 * empty); list fields hold their members (ports as decimal text); the
 * "revoked" field lives in revoked. The record owns all its strings.
 */
struct consent_rec {
	char *str[CE_NFIELDS];		/* NULL for list fields and revoked */
	struct strlist list[CE_NFIELDS];	/* used for list fields only */
	bool revoked;
};

/* All text "", all lists empty. Returns -1 when out of memory. */
int consent_rec_init(struct consent_rec *r);
void consent_rec_free(struct consent_rec *r);
int consent_rec_copy(struct consent_rec *dst, const struct consent_rec *src);
/* The record of a loaded consent (networks and ports written canonically). */
int consent_rec_from_consent(struct consent_rec *r, const struct consent *c);
/*
 * Sets field f from text as a user types it: a list field from
 * comma-separated members (blanks around them dropped, country codes
 * upper-cased), a text field as given; "revoked" takes "true"/"false".
 * Control characters and text that is not UTF-8 are refused. On error
 * returns -1 with a sentence in err that does not name the field (the
 * caller knows what it calls it).
 */
int consent_rec_set(struct consent_rec *r, enum consent_field_id f,
    const char *value, char *err, size_t errsize);
/* True when field f is "" or blanks (text) or an empty list. */
bool consent_rec_blank(const struct consent_rec *r, enum consent_field_id f);

/* The fields a consent cannot be recorded without. */
extern const enum consent_field_id consent_required_fields[];
extern const size_t consent_nrequired;

/* A register being edited: its consents in file order. */
struct consent_recs {
	struct consent_rec *v;
	size_t n;
};

int consent_recs_from_register(struct consent_recs *rs,
    const struct consent_register *r);
void consent_recs_free(struct consent_recs *rs);
/* Index of the consent with this id, or -1. */
long consent_recs_find(const struct consent_recs *rs, const char *id);

/*
 * The register as libconfig text, with the header comment this module
 * writes (it says that hand-written comments are not kept). Strings are
 * escaped for libconfig (backslash, double quote); a control character in
 * any field is refused. Returns a NUL-terminated malloc'd text and its
 * length in *lenp, or NULL with a sentence in err.
 */
char *consent_serialize(const struct consent_recs *rs, size_t *lenp,
    char *err, size_t errsize);
/*
 * True when register text holds comments other than the header
 * consent_serialize writes: a rewrite would lose them.
 */
bool consent_text_has_own_comments(const char *text, size_t len);

/* "2026-03-02T09:14:00Z" for UTC seconds t; returns buf. */
const char *consent_format_time(int64_t t, char buf[CONSENT_TIME_LEN]);
/* The UTC year of t. */
int consent_year(int64_t t);

/*
 * The next id for a consent recorded in year: "C-YYYY-NNNN" with NNNN one
 * more than the largest number of that year in rs (0001 for the first).
 * Ids of other forms and years do not count. Returns -1 if buf is short.
 */
int consent_next_id(const struct consent_recs *rs, int year, char *buf,
    size_t size);

/*
 * The edits. Each changes rs in memory only and sets *focus to the index of
 * the consent it changed; on a refusal it returns -1 with a sentence in err
 * and leaves rs as it was. now is the moment of recording (UTC seconds),
 * user who records it.
 *
 * consent_edit_add takes the draft's customer ... expires, assigns the id,
 * recorded_by/at, and a clean revocation state; the draft stays the
 * caller's.
 */
int consent_edit_add(struct consent_recs *rs, const struct consent_rec *draft,
    int64_t now, const char *user, size_t *focus, char *err, size_t errsize);
int consent_edit_revoke(struct consent_recs *rs, const char *id,
    const char *reason, int64_t now, const char *user, size_t *focus,
    char *err, size_t errsize);

/* What a renewal changes; NULL members stay as they are. */
struct consent_renewal {
	const char *expires;		/* required */
	const char *document;		/* required: a renewal is a new document */
	const char *document_sha256;	/* NULL: "" (the old hash is of the old document) */
	const char *signed_on;
};
int consent_edit_renew(struct consent_recs *rs, const char *id,
    const struct consent_renewal *rn, size_t *focus, char *err,
    size_t errsize);

/*
 * Checks rs as the loader will read it: serializes it, loads the text
 * (name stands for the file), and on success returns the register as
 * loaded and the text in canonical form (serialized again from what was
 * loaded: host names lower case, networks canonical), which is what must be
 * written. Problems with consent rs->v[focus] (focus < rs->n) are added to
 * errs as "LABEL: message" with LABEL = labels[field] (or the field's name
 * when labels or labels[field] is NULL) and no line number, the way a
 * command names its options; others keep the loader's location.
 */
struct consent_register *consent_edit_check(const struct consent_recs *rs,
    size_t focus, const char *name, const struct country_set *eea,
    const char *const *labels, struct errlist *errs, char **textp,
    size_t *lenp);

/* Whether every customer has an active consent covering the flow at t. */
bool consent_flow_allowed(const struct consent_register *r,
    const char *const *customers, size_t ncustomers, const char *cc,
    const struct ipaddr *dst, const char *host, uint16_t port, int64_t t);

/* SHA-256 of len bytes as 64 lower-case hex digits. */
void consent_sha256_hex(const void *buf, size_t len,
    char hex[CONSENT_SHA256_HEX]);

/*
 * The audit log: one JSON line per change, each carrying the SHA-256 of the
 * previous line (including its newline: "sed -n Np LOG | sha256sum" prints
 * it), 64 zeros for the first.
 *
 *   {"ts","user","action":"add|revoke|renew","id","before":{...}|null,
 *    "after":{...},"document_file":"/abs/path"|null,
 *    "register_sha256":"<new register>","register_sha256_before":"<the
 *    register it replaced>","prev":"<previous line>"}
 *
 * register_sha256_before lets verify tell a change that was logged but
 * never reached the register (the writer stopped between appending the line
 * and renaming the file into place: the next line, or the register, still
 * shows the old register) from a hand edit.
 */
#define CONSENT_AUDIT_ZERO \
	"0000000000000000000000000000000000000000000000000000000000000000"

struct json_object;

/* The record as a JSON object in field order; NULL when out of memory. */
struct json_object *consent_rec_json(const struct consent_rec *r);

struct consent_audit_in {
	const char *ts;
	const char *user;
	const char *action;		/* "add", "revoke" or "renew" */
	const char *id;
	const struct consent_rec *before;	/* NULL for add */
	const struct consent_rec *after;
	const char *document_file;	/* NULL when none was given */
	const char *register_sha256;
	const char *register_sha256_before;
	const char *prev;
};
/* One line with its newline, malloc'd; NULL with err on failure. */
char *consent_audit_line(const struct consent_audit_in *in, size_t *lenp,
    char *err, size_t errsize);

/*
 * The prev for the next line: the hash of the last complete line of log
 * (len bytes), or 64 zeros when there is none. *tail is set to the length
 * of an incomplete last line (no newline: a write that was cut short), 0
 * when the log ends cleanly.
 */
void consent_audit_prev(const char *log, size_t len,
    char hex[CONSENT_SHA256_HEX], size_t *tail);

struct consent_audit_entry {
	int line;
	char *ts, *user, *action, *id, *document_file;
	char *register_sha256, *register_sha256_before, *prev;
	struct json_object *before;	/* NULL for add */
	struct json_object *after;
	char hash[CONSENT_SHA256_HEX];	/* of this line and its newline */
	bool interrupted;	/* logged, but the change never reached the register */
};

/* Each consent's state as the log tells it, after replay. */
struct consent_audit_state {
	char *id;
	struct json_object *after;	/* borrowed from the entry */
	const char *document_file;	/* borrowed; NULL when not known */
	int line;			/* the entry that set this state */
};

struct consent_audit {
	const char *name;		/* the log, in messages */
	struct consent_audit_entry *v;	/* well-formed entries */
	size_t n;
	int lines;			/* complete lines read */
	size_t tail;			/* bytes of an incomplete last line */
	struct consent_audit_state *state;
	size_t nstate;
};

/*
 * Reads the log text: every complete line must be an entry with every
 * member, and prev must chain. Problems (malformed lines, a broken chain)
 * are added to problems, naming "NAME:LINE"; a malformed line is left out
 * of a->v. Returns -1 only when out of memory.
 */
int consent_audit_parse(struct consent_audit *a, const char *name,
    const char *text, size_t len, struct errlist *problems);
void consent_audit_free(struct consent_audit *a);

/*
 * Replays a parsed log and compares it with the register r (NULL or empty
 * when there is none) whose file hashes to reg_sha256: the states the log
 * leaves must equal the register's consents field for field, every consent
 * must appear in the log, and the register must be the one the last entry
 * wrote. Tampering and hand edits go to problems; interrupted changes
 * (marked in the entries) and an incomplete last line to notes. Fills
 * a->state. Returns the number of problems added, or -1 when out of memory.
 */
int consent_audit_verify(struct consent_audit *a,
    const struct consent_register *r, const char *reg_sha256,
    struct errlist *problems, struct errlist *notes);

/*
 * What changed between two states of a consent, as "field: old -> new"
 * parts joined by "; " (NULL before: the new consent's essentials).
 * Malloc'd; NULL when out of memory.
 */
char *consent_describe_change(struct json_object *before,
    struct json_object *after);

#endif
