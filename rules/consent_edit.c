/* Editing the consent register: records, serialization, edits, the audit chain. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "rules/consent_edit.h"

enum ce_kind { K_TEXT, K_LIST, K_PORTS, K_BOOL };

static const struct {
	const char *name;
	enum ce_kind kind;
} ce_fields[CE_NFIELDS] = {
	{ "id", K_TEXT }, { "customer", K_TEXT }, { "countries", K_LIST },
	{ "hosts", K_LIST }, { "networks", K_LIST }, { "ports", K_PORTS },
	{ "purpose", K_TEXT }, { "subprocessor", K_TEXT },
	{ "document", K_TEXT }, { "document_sha256", K_TEXT },
	{ "granted_by", K_TEXT }, { "signed", K_TEXT },
	{ "valid_from", K_TEXT }, { "expires", K_TEXT },
	{ "recorded_by", K_TEXT }, { "recorded_at", K_TEXT },
	{ "revoked", K_BOOL }, { "revoked_at", K_TEXT },
	{ "revoked_by", K_TEXT }, { "revoke_reason", K_TEXT },
};

const enum consent_field_id consent_required_fields[] = {
	CE_CUSTOMER, CE_COUNTRIES, CE_PURPOSE, CE_DOCUMENT, CE_GRANTED_BY,
	CE_SIGNED
};
const size_t consent_nrequired =
    sizeof(consent_required_fields) / sizeof(consent_required_fields[0]);

/*
 * Written at the top of every register this module writes. The lines are
 * also how a rewrite recognises comments that are not its own.
 */
static const char *const ce_header[] = {
	"# eeaguard consent register: the customers' written consents to "
	    "transfers",
	"# of their personal data outside the EEA.",
	"#",
	"# Written by \"eeaguard consent add | renew | revoke\", which check "
	    "every",
	"# change, keep the audit log that \"eeaguard consent verify\" checks,",
	"# and write the whole file anew each time: comments added here by "
	    "hand",
	"# are not kept (the audit log keeps the history). A change made by "
	    "hand",
	"# is reported by \"eeaguard consent verify\". Each field is "
	    "explained in",
	"# the example register that comes with eeaguard "
	    "(deploy/consent.conf).",
	NULL
};

#define CE_MSG_MAX 1024

static void ce_err(char *, size_t, const char *, ...) EG_PRINTF(3, 4);

static void
ce_err(char *err, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || size == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
}

const char *
consent_field_name(enum consent_field_id f)
{
	return (unsigned)f < CE_NFIELDS ? ce_fields[f].name : "?";
}

int
consent_field_lookup(const char *name)
{
	int f;

	for (f = 0; f < CE_NFIELDS; f++)
		if (strcmp(name, ce_fields[f].name) == 0)
			return f;
	return -1;
}

bool
consent_field_is_list(enum consent_field_id f)
{
	return (unsigned)f < CE_NFIELDS &&
	    (ce_fields[f].kind == K_LIST || ce_fields[f].kind == K_PORTS);
}

static void
ce_strlist_free(struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int
ce_strlist_push(struct strlist *l, const char *s, size_t n)
{
	char **nv, *d;

	if ((d = strndup(s, n)) == NULL)
		return -1;
	if ((nv = realloc(l->v, (l->n + 1) * sizeof(*nv))) == NULL) {
		free(d);
		return -1;
	}
	l->v = nv;
	l->v[l->n++] = d;
	return 0;
}

void
consent_rec_free(struct consent_rec *r)
{
	int f;

	for (f = 0; f < CE_NFIELDS; f++) {
		free(r->str[f]);
		r->str[f] = NULL;
		ce_strlist_free(&r->list[f]);
	}
	r->revoked = false;
}

int
consent_rec_init(struct consent_rec *r)
{
	int f;

	memset(r, 0, sizeof(*r));
	for (f = 0; f < CE_NFIELDS; f++)
		if (ce_fields[f].kind == K_TEXT &&
		    (r->str[f] = strdup("")) == NULL) {
			consent_rec_free(r);
			return -1;
		}
	return 0;
}

int
consent_rec_copy(struct consent_rec *dst, const struct consent_rec *src)
{
	size_t i;
	int f;

	memset(dst, 0, sizeof(*dst));
	dst->revoked = src->revoked;
	for (f = 0; f < CE_NFIELDS; f++) {
		if (src->str[f] != NULL &&
		    (dst->str[f] = strdup(src->str[f])) == NULL)
			goto fail;
		for (i = 0; i < src->list[f].n; i++)
			if (ce_strlist_push(&dst->list[f], src->list[f].v[i],
			    strlen(src->list[f].v[i])) == -1)
				goto fail;
	}
	return 0;
fail:
	consent_rec_free(dst);
	return -1;
}

/* Replaces text field f; the old text is kept when out of memory. */
static int
ce_set_str(struct consent_rec *r, enum consent_field_id f, const char *s)
{
	char *d;

	if ((d = strdup(s)) == NULL)
		return -1;
	free(r->str[f]);
	r->str[f] = d;
	return 0;
}

int
consent_rec_from_consent(struct consent_rec *r, const struct consent *c)
{
	char buf[IPPREFIX_STRLEN];
	const char *const *sv;
	size_t i;

	if (consent_rec_init(r) == -1)
		return -1;
	if (ce_set_str(r, CE_ID, c->id) == -1 ||
	    ce_set_str(r, CE_CUSTOMER, c->customer) == -1 ||
	    ce_set_str(r, CE_PURPOSE, c->purpose) == -1 ||
	    ce_set_str(r, CE_SUBPROCESSOR, c->subprocessor) == -1 ||
	    ce_set_str(r, CE_DOCUMENT, c->document) == -1 ||
	    ce_set_str(r, CE_DOCUMENT_SHA256, c->document_sha256) == -1 ||
	    ce_set_str(r, CE_GRANTED_BY, c->granted_by) == -1 ||
	    ce_set_str(r, CE_SIGNED, c->signed_on) == -1 ||
	    ce_set_str(r, CE_VALID_FROM, c->valid_from_s) == -1 ||
	    ce_set_str(r, CE_EXPIRES, c->expires_s) == -1 ||
	    ce_set_str(r, CE_RECORDED_BY, c->recorded_by) == -1 ||
	    ce_set_str(r, CE_RECORDED_AT, c->recorded_at) == -1 ||
	    ce_set_str(r, CE_REVOKED_AT, c->revoked_at) == -1 ||
	    ce_set_str(r, CE_REVOKED_BY, c->revoked_by) == -1 ||
	    ce_set_str(r, CE_REVOKE_REASON, c->revoke_reason) == -1)
		goto fail;
	sv = (const char *const *)c->countries.v;
	for (i = 0; i < c->countries.n; i++)
		if (ce_strlist_push(&r->list[CE_COUNTRIES], sv[i],
		    strlen(sv[i])) == -1)
			goto fail;
	sv = (const char *const *)c->hosts.v;
	for (i = 0; i < c->hosts.n; i++)
		if (ce_strlist_push(&r->list[CE_HOSTS], sv[i],
		    strlen(sv[i])) == -1)
			goto fail;
	for (i = 0; i < c->networks.n; i++) {
		ipprefix_format(&c->networks.v[i], buf);
		if (ce_strlist_push(&r->list[CE_NETWORKS], buf,
		    strlen(buf)) == -1)
			goto fail;
	}
	for (i = 0; i < c->ports.n; i++) {
		snprintf(buf, sizeof(buf), "%u", (unsigned)c->ports.v[i]);
		if (ce_strlist_push(&r->list[CE_PORTS], buf,
		    strlen(buf)) == -1)
			goto fail;
	}
	r->revoked = c->revoked;
	return 0;
fail:
	consent_rec_free(r);
	return -1;
}

/*
 * Why s cannot go into the register or the audit log, or NULL. A control
 * character would need an escape that a reader of the file would not see;
 * bytes that are not UTF-8 would make the audit line invalid JSON.
 */
static const char *
ce_text_why(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned cp, need, min;

	while (*p != '\0') {
		if (*p < 0x20 || *p == 0x7f)
			return "contains a control character (a line break, "
			    "tab or similar): write it on one line";
		if (*p < 0x80) {
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf) {
			cp = *p & 0x1fu;
			need = 1;
			min = 0x80;
		} else if (*p >= 0xe0 && *p <= 0xef) {
			cp = *p & 0x0fu;
			need = 2;
			min = 0x800;
		} else if (*p >= 0xf0 && *p <= 0xf4) {
			cp = *p & 0x07u;
			need = 3;
			min = 0x10000;
		} else
			return "is not UTF-8 text";
		p++;
		while (need-- > 0) {
			if ((*p & 0xc0) != 0x80)
				return "is not UTF-8 text";
			cp = (cp << 6) | (*p++ & 0x3fu);
		}
		/* Overlong forms, surrogates and beyond U+10FFFF. */
		if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) ||
		    cp > 0x10ffff)
			return "is not UTF-8 text";
	}
	return NULL;
}

static bool
ce_isblank(char ch)
{
	return ch == ' ' || ch == '\t';
}

int
consent_rec_set(struct consent_rec *r, enum consent_field_id f,
    const char *value, char *err, size_t errsize)
{
	struct strlist l = { NULL, 0 };
	const char *why, *p, *end;
	char *item;
	unsigned long port;
	size_t n, i;

	if ((unsigned)f >= CE_NFIELDS) {
		ce_err(err, errsize, "no such field");
		return -1;
	}
	if ((why = ce_text_why(value)) != NULL) {
		ce_err(err, errsize, "%s", why);
		return -1;
	}
	switch (ce_fields[f].kind) {
	case K_BOOL:
		if (strcmp(value, "true") != 0 && strcmp(value, "false") != 0) {
			ce_err(err, errsize, "'%s' is not true or false",
			    value);
			return -1;
		}
		r->revoked = strcmp(value, "true") == 0;
		return 0;
	case K_TEXT:
		if (ce_set_str(r, f, value) == -1) {
			ce_err(err, errsize, "out of memory");
			return -1;
		}
		return 0;
	default:
		break;
	}
	for (p = value; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		if ((end = strchr(p, ',')) == NULL)
			end = p + strlen(p);
		while (p < end && ce_isblank(*p))
			p++;
		for (n = (size_t)(end - p); n > 0 && ce_isblank(p[n - 1]); n--)
			;
		/* "US, CH," is a list of two, as a person means it. */
		if (n == 0)
			continue;
		if (ce_strlist_push(&l, p, n) == -1) {
			ce_err(err, errsize, "out of memory");
			goto fail;
		}
		item = l.v[l.n - 1];
		if (f == CE_COUNTRIES)
			for (i = 0; item[i] != '\0'; i++)
				if (item[i] >= 'a' && item[i] <= 'z')
					item[i] = (char)(item[i] - 'a' + 'A');
		if (ce_fields[f].kind == K_PORTS) {
			port = 0;
			for (i = 0; item[i] >= '0' && item[i] <= '9' &&
			    port <= 65535; i++)
				port = port * 10 + (unsigned long)(item[i] - '0');
			if (i == 0 || item[i] != '\0' || port < 1 ||
			    port > 65535) {
				ce_err(err, errsize, "'%s' is not a port "
				    "number (valid: 1-65535, as in 443 or "
				    "443,8443)", item);
				goto fail;
			}
			/* "0443" would read back as octal-looking text. */
			snprintf(item, strlen(item) + 1, "%lu", port);
		}
	}
	ce_strlist_free(&r->list[f]);
	r->list[f] = l;
	return 0;
fail:
	ce_strlist_free(&l);
	return -1;
}

bool
consent_rec_blank(const struct consent_rec *r, enum consent_field_id f)
{
	const char *p;

	if ((unsigned)f >= CE_NFIELDS)
		return true;
	if (ce_fields[f].kind == K_BOOL)
		return false;
	if (ce_fields[f].kind != K_TEXT)
		return r->list[f].n == 0;
	if (r->str[f] == NULL)
		return true;
	for (p = r->str[f]; *p != '\0'; p++)
		if (!ce_isblank(*p) && *p != '\n' && *p != '\r')
			return false;
	return true;
}

void
consent_recs_free(struct consent_recs *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		consent_rec_free(&rs->v[i]);
	free(rs->v);
	rs->v = NULL;
	rs->n = 0;
}

int
consent_recs_from_register(struct consent_recs *rs,
    const struct consent_register *r)
{
	size_t i;

	rs->v = NULL;
	rs->n = 0;
	if (r == NULL || r->n == 0)
		return 0;
	if ((rs->v = calloc(r->n, sizeof(*rs->v))) == NULL)
		return -1;
	for (i = 0; i < r->n; i++) {
		if (consent_rec_from_consent(&rs->v[i], &r->v[i]) == -1) {
			consent_recs_free(rs);
			return -1;
		}
		rs->n++;
	}
	return 0;
}

long
consent_recs_find(const struct consent_recs *rs, const char *id)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (rs->v[i].str[CE_ID] != NULL &&
		    strcmp(rs->v[i].str[CE_ID], id) == 0)
			return (long)i;
	return -1;
}

/* A growing text; an allocation failure sticks until the end. */
struct ce_buf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void
ce_put(struct ce_buf *b, const char *s, size_t n)
{
	char *np;
	size_t cap;

	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		for (cap = b->cap ? b->cap : 4096; cap < b->len + n + 1;
		    cap *= 2)
			;
		if ((np = realloc(b->p, cap)) == NULL) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
ce_puts(struct ce_buf *b, const char *s)
{
	ce_put(b, s, strlen(s));
}

/* s in double quotes, escaped as libconfig reads it back. */
static int
ce_put_quoted(struct ce_buf *b, const char *s)
{
	const char *p;

	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return -1;
	ce_put(b, "\"", 1);
	for (p = s; *p != '\0'; p++) {
		if (*p == '\\' || *p == '"')
			ce_put(b, "\\", 1);
		ce_put(b, p, 1);
	}
	ce_put(b, "\"", 1);
	return 0;
}

char *
consent_serialize(const struct consent_recs *rs, size_t *lenp, char *err,
    size_t errsize)
{
	struct ce_buf b = { NULL, 0, 0, false };
	const struct consent_rec *r;
	const char *id;
	size_t i, k;
	int f;

	for (i = 0; ce_header[i] != NULL; i++) {
		ce_puts(&b, ce_header[i]);
		ce_puts(&b, "\n");
	}
	ce_puts(&b, "\nconsents = (");
	for (i = 0; i < rs->n; i++) {
		r = &rs->v[i];
		id = r->str[CE_ID] != NULL && r->str[CE_ID][0] != '\0' ?
		    r->str[CE_ID] : "(no id)";
		ce_puts(&b, i == 0 ? "\n  {\n" : ",\n  {\n");
		for (f = 0; f < CE_NFIELDS; f++) {
			ce_puts(&b, "    ");
			ce_puts(&b, ce_fields[f].name);
			ce_puts(&b, " = ");
			switch (ce_fields[f].kind) {
			case K_BOOL:
				ce_puts(&b, r->revoked ? "true" : "false");
				break;
			case K_TEXT:
				if (ce_put_quoted(&b, r->str[f] != NULL ?
				    r->str[f] : "") == -1)
					goto ctl;
				break;
			case K_LIST:
			case K_PORTS:
				ce_puts(&b, "[");
				for (k = 0; k < r->list[f].n; k++) {
					if (k > 0)
						ce_puts(&b, ", ");
					if (ce_fields[f].kind == K_PORTS)
						ce_puts(&b, r->list[f].v[k]);
					else if (ce_put_quoted(&b,
					    r->list[f].v[k]) == -1)
						goto ctl;
				}
				ce_puts(&b, "]");
				break;
			}
			ce_puts(&b, ";\n");
		}
		ce_puts(&b, "  }");
	}
	ce_puts(&b, rs->n > 0 ? "\n);\n" : ");\n");
	if (b.oom) {
		ce_err(err, errsize, "out of memory");
		free(b.p);
		return NULL;
	}
	if (lenp != NULL)
		*lenp = b.len;
	return b.p;
ctl:
	ce_err(err, errsize, "consent %s: %s contains a control character "
	    "(a line break, tab or similar), which the register cannot hold: "
	    "write it on one line", id, ce_fields[f].name);
	free(b.p);
	return NULL;
}

static bool
ce_is_header_line(const char *s, size_t n)
{
	size_t i;

	for (i = 0; ce_header[i] != NULL; i++)
		if (strlen(ce_header[i]) == n &&
		    memcmp(ce_header[i], s, n) == 0)
			return true;
	return false;
}

bool
consent_text_has_own_comments(const char *text, size_t len)
{
	const char *p = text, *end = text + len, *eol;
	bool bol = true, instr = false;

	for (; p < end; p++) {
		if (instr) {
			if (*p == '\\' && p + 1 < end)
				p++;
			else if (*p == '"')
				instr = false;
			continue;
		}
		if (*p == '"') {
			instr = true;
			bol = false;
			continue;
		}
		if (*p == '\n') {
			bol = true;
			continue;
		}
		if (*p == '#') {
			if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
				eol = end;
			if (!bol || !ce_is_header_line(p, (size_t)(eol - p)))
				return true;
			p = eol - 1;
			continue;
		}
		if (*p == '/' && p + 1 < end && (p[1] == '/' || p[1] == '*'))
			return true;
		if (!ce_isblank(*p))
			bol = false;
	}
	return false;
}

const char *
consent_format_time(int64_t t, char buf[CONSENT_TIME_LEN])
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, CONSENT_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, CONSENT_TIME_LEN, "1970-01-01T00:00:00Z");
	return buf;
}

int
consent_year(int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL)
		return 1970;
	return tm.tm_year + 1900;
}

int
consent_next_id(const struct consent_recs *rs, int year, char *buf,
    size_t size)
{
	char prefix[32];
	const char *id, *p;
	unsigned long max = 0, v;
	size_t i, plen;
	int n;

	plen = (size_t)snprintf(prefix, sizeof(prefix), "C-%04d-", year);
	for (i = 0; i < rs->n; i++) {
		id = rs->v[i].str[CE_ID];
		if (id == NULL || strncmp(id, prefix, plen) != 0)
			continue;
		v = 0;
		for (p = id + plen; *p >= '0' && *p <= '9' && v < 100000000;
		    p++)
			v = v * 10 + (unsigned long)(*p - '0');
		if (p == id + plen || *p != '\0')
			continue;
		if (v > max)
			max = v;
	}
	n = snprintf(buf, size, "%s%04lu", prefix, max + 1);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Appends r (taken over) to rs. */
static int
ce_recs_append(struct consent_recs *rs, const struct consent_rec *r)
{
	struct consent_rec *nv;

	if ((nv = realloc(rs->v, (rs->n + 1) * sizeof(*nv))) == NULL)
		return -1;
	rs->v = nv;
	rs->v[rs->n++] = *r;
	return 0;
}

int
consent_edit_add(struct consent_recs *rs, const struct consent_rec *draft,
    int64_t now, const char *user, size_t *focus, char *err, size_t errsize)
{
	struct consent_rec r;
	char id[32], ts[CONSENT_TIME_LEN];
	size_t k;

	for (k = 0; k < consent_nrequired; k++)
		if (consent_rec_blank(draft, consent_required_fields[k])) {
			ce_err(err, errsize, "%s is required",
			    ce_fields[consent_required_fields[k]].name);
			return -1;
		}
	if (consent_next_id(rs, consent_year(now), id, sizeof(id)) == -1) {
		ce_err(err, errsize, "no id left for this year");
		return -1;
	}
	if (consent_rec_copy(&r, draft) == -1)
		goto oom;
	consent_format_time(now, ts);
	r.revoked = false;
	if (ce_set_str(&r, CE_ID, id) == -1 ||
	    ce_set_str(&r, CE_RECORDED_BY, user) == -1 ||
	    ce_set_str(&r, CE_RECORDED_AT, ts) == -1 ||
	    ce_set_str(&r, CE_REVOKED_AT, "") == -1 ||
	    ce_set_str(&r, CE_REVOKED_BY, "") == -1 ||
	    ce_set_str(&r, CE_REVOKE_REASON, "") == -1 ||
	    ce_recs_append(rs, &r) == -1) {
		consent_rec_free(&r);
		goto oom;
	}
	*focus = rs->n - 1;
	return 0;
oom:
	ce_err(err, errsize, "out of memory");
	return -1;
}

static long
ce_find(const struct consent_recs *rs, const char *id, char *err,
    size_t errsize)
{
	long i;

	if ((i = consent_recs_find(rs, id)) == -1)
		ce_err(err, errsize, "there is no consent with id '%s' in the "
		    "register (eeaguard consent list shows them)", id);
	return i;
}

int
consent_edit_revoke(struct consent_recs *rs, const char *id,
    const char *reason, int64_t now, const char *user, size_t *focus,
    char *err, size_t errsize)
{
	struct consent_rec r;
	char ts[CONSENT_TIME_LEN];
	const char *p;
	long i;

	if (reason == NULL)
		reason = "";
	for (p = reason; ce_isblank(*p); p++)
		;
	if (*p == '\0') {
		ce_err(err, errsize, "a revocation needs its reason: say why, "
		    "as in --reason \"customer withdrew consent by letter of "
		    "2026-09-14\"");
		return -1;
	}
	if ((i = ce_find(rs, id, err, errsize)) == -1)
		return -1;
	if (rs->v[i].revoked) {
		ce_err(err, errsize, "%s was already revoked at %s by %s", id,
		    rs->v[i].str[CE_REVOKED_AT], rs->v[i].str[CE_REVOKED_BY]);
		return -1;
	}
	if (consent_rec_copy(&r, &rs->v[i]) == -1)
		goto oom;
	r.revoked = true;
	if (ce_set_str(&r, CE_REVOKED_AT, consent_format_time(now, ts)) == -1 ||
	    ce_set_str(&r, CE_REVOKED_BY, user) == -1 ||
	    ce_set_str(&r, CE_REVOKE_REASON, reason) == -1) {
		consent_rec_free(&r);
		goto oom;
	}
	consent_rec_free(&rs->v[i]);
	rs->v[i] = r;
	*focus = (size_t)i;
	return 0;
oom:
	ce_err(err, errsize, "out of memory");
	return -1;
}

int
consent_edit_renew(struct consent_recs *rs, const char *id,
    const struct consent_renewal *rn, size_t *focus, char *err,
    size_t errsize)
{
	struct consent_rec r;
	const struct consent_rec *old;
	int64_t told, tnew;
	long i;

	if ((i = ce_find(rs, id, err, errsize)) == -1)
		return -1;
	old = &rs->v[i];
	if (old->revoked) {
		ce_err(err, errsize, "%s was revoked at %s by %s: a revoked "
		    "consent cannot be renewed; record the new consent with "
		    "eeaguard consent add", id, old->str[CE_REVOKED_AT],
		    old->str[CE_REVOKED_BY]);
		return -1;
	}
	if (rn->expires == NULL || rn->expires[0] == '\0') {
		ce_err(err, errsize, "a renewal needs the new expiry date: "
		    "give --expires YYYY-MM-DD");
		return -1;
	}
	if (rn->document == NULL || rn->document[0] == '\0') {
		ce_err(err, errsize, "a renewal needs the signed document "
		    "that extends the consent: give --document (where it is "
		    "kept) and --document-file (the scan)");
		return -1;
	}
	if (old->str[CE_EXPIRES][0] == '\0') {
		ce_err(err, errsize, "%s does not expire: there is nothing to "
		    "renew", id);
		return -1;
	}
	/* A date that does not parse is the loader's to explain. */
	if (consent_parse_time(old->str[CE_EXPIRES], &told) == 0 &&
	    consent_parse_time(rn->expires, &tnew) == 0 && tnew <= told) {
		ce_err(err, errsize, "expires %s is not after the current "
		    "expiry %s of %s: a renewal extends a consent (to end one "
		    "early, revoke it)", rn->expires, old->str[CE_EXPIRES], id);
		return -1;
	}
	if (consent_rec_copy(&r, old) == -1)
		goto oom;
	if (ce_set_str(&r, CE_EXPIRES, rn->expires) == -1 ||
	    ce_set_str(&r, CE_DOCUMENT, rn->document) == -1 ||
	    ce_set_str(&r, CE_DOCUMENT_SHA256, rn->document_sha256 != NULL ?
	    rn->document_sha256 : "") == -1 ||
	    (rn->signed_on != NULL &&
	    ce_set_str(&r, CE_SIGNED, rn->signed_on) == -1)) {
		consent_rec_free(&r);
		goto oom;
	}
	consent_rec_free(&rs->v[i]);
	rs->v[i] = r;
	*focus = (size_t)i;
	return 0;
oom:
	ce_err(err, errsize, "out of memory");
	return -1;
}

/*
 * Rewrites a loader message about consents[focus] as "LABEL: message";
 * other messages are copied as they are. The loader writes
 * "NAME:LINE: consents[I].FIELD[K]: message".
 */
static void
ce_map_error(struct errlist *errs, const char *msg, const char *name,
    size_t focus, const char *const *labels)
{
	const char *p = msg, *q, *label;
	char idx[40], field[40];
	size_t nl = strlen(name), n;
	int f;

	if (strncmp(p, name, nl) != 0 || p[nl] != ':')
		goto verbatim;
	p += nl + 1;
	while (*p >= '0' && *p <= '9')
		p++;
	/* "NAME:LINE: SETTING" or, without a line, "NAME: SETTING". */
	if (*p == ':')
		p++;
	if (*p != ' ')
		goto verbatim;
	p++;
	n = (size_t)snprintf(idx, sizeof(idx), "consents[%zu]", focus);
	if (strncmp(p, idx, n) != 0)
		goto verbatim;
	p += n;
	if (*p == ':') {
		errlist_add(errs, "%s", p + 2);
		return;
	}
	if (*p != '.')
		goto verbatim;
	p++;
	for (q = p; *q != '\0' && *q != '[' && *q != ':'; q++)
		;
	if ((size_t)(q - p) >= sizeof(field))
		goto verbatim;
	memcpy(field, p, (size_t)(q - p));
	field[q - p] = '\0';
	if ((q = strstr(q, ": ")) == NULL)
		goto verbatim;
	f = consent_field_lookup(field);
	label = f >= 0 && labels != NULL && labels[f] != NULL ? labels[f] :
	    field;
	errlist_add(errs, "%s: %s", label, q + 2);
	return;
verbatim:
	errlist_add(errs, "%s", msg);
}

struct consent_register *
consent_edit_check(const struct consent_recs *rs, size_t focus,
    const char *name, const struct country_set *eea,
    const char *const *labels, struct errlist *errs, char **textp,
    size_t *lenp)
{
	struct errlist e = { 0 };
	struct consent_register *r = NULL, *r2 = NULL;
	struct consent_recs canon = { NULL, 0 };
	char err[CE_MSG_MAX], *text = NULL, *text2 = NULL;
	size_t len = 0, len2 = 0, i;

	if ((text = consent_serialize(rs, &len, err, sizeof(err))) == NULL) {
		errlist_add(errs, "%s", err);
		return NULL;
	}
	if ((r = consent_load_string(name, text, len, eea, &e)) == NULL) {
		for (i = 0; i < e.n; i++)
			ce_map_error(errs, e.msg[i], name, focus, labels);
		if (e.oom)
			errlist_add(errs, "out of memory");
		goto done;
	}
	/* What is written is what a reader will see: the loader's forms. */
	if (consent_recs_from_register(&canon, r) == -1) {
		errlist_add(errs, "out of memory");
		goto done;
	}
	if ((text2 = consent_serialize(&canon, &len2, err,
	    sizeof(err))) == NULL) {
		errlist_add(errs, "%s", err);
		goto done;
	}
	if ((r2 = consent_load_string(name, text2, len2, eea, &e)) == NULL) {
		errlist_add(errs, "%s: the register written back does not "
		    "read back the same (a bug): nothing was changed", name);
		goto done;
	}
	*textp = text2;
	*lenp = len2;
	text2 = NULL;
done:
	errlist_clear(&e);
	consent_recs_free(&canon);
	consent_register_free(r);
	free(text);
	free(text2);
	return r2;
}

bool
consent_flow_allowed(const struct consent_register *r,
    const char *const *customers, size_t ncustomers, const char *cc,
    const struct ipaddr *dst, const char *host, uint16_t port, int64_t t)
{
	size_t i;

	/* A flow of no customer's data is no consent's business. */
	if (ncustomers == 0 || cc == NULL)
		return false;
	for (i = 0; i < ncustomers; i++)
		if (consent_match(r, customers[i], cc, dst, host, port, t,
		    NULL, 0) == 0)
			return false;
	return true;
}

void
consent_sha256_hex(const void *buf, size_t len, char hex[CONSENT_SHA256_HEX])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[32];
	size_t i;

	if (EVP_Digest(buf, len, md, NULL, EVP_sha256(), NULL) != 1)
		memset(md, 0, sizeof(md));
	for (i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
}

struct json_object *
consent_rec_json(const struct consent_rec *r)
{
	struct json_object *o, *v, *a;
	size_t k;
	int f;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	for (f = 0; f < CE_NFIELDS; f++) {
		switch (ce_fields[f].kind) {
		case K_BOOL:
			v = json_object_new_boolean(r->revoked);
			break;
		case K_TEXT:
			v = json_object_new_string(r->str[f] != NULL ?
			    r->str[f] : "");
			break;
		default:
			if ((v = json_object_new_array()) == NULL)
				break;
			for (k = 0; k < r->list[f].n; k++) {
				/* ports were checked to be 1-65535 when set */
				/* NOLINTBEGIN(cert-err34-c) */
				a = ce_fields[f].kind == K_PORTS ?
				    json_object_new_int(atoi(r->list[f].v[k])) :
				    json_object_new_string(r->list[f].v[k]);
				/* NOLINTEND(cert-err34-c) */
				if (a == NULL ||
				    json_object_array_add(v, a) != 0) {
					json_object_put(a);
					json_object_put(v);
					v = NULL;
					break;
				}
			}
			break;
		}
		if (v == NULL ||
		    json_object_object_add(o, ce_fields[f].name, v) != 0) {
			json_object_put(v);
			json_object_put(o);
			return NULL;
		}
	}
	return o;
}

/* Adds key = s (NULL: null); returns -1 when out of memory. */
static int
ce_json_add_str(struct json_object *o, const char *key, const char *s)
{
	struct json_object *v = NULL;

	if (s != NULL && (v = json_object_new_string(s)) == NULL)
		return -1;
	if (json_object_object_add(o, key, v) != 0) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

static int
ce_json_add_rec(struct json_object *o, const char *key,
    const struct consent_rec *r)
{
	struct json_object *v = NULL;

	if (r != NULL && (v = consent_rec_json(r)) == NULL)
		return -1;
	if (json_object_object_add(o, key, v) != 0) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

char *
consent_audit_line(const struct consent_audit_in *in, size_t *lenp,
    char *err, size_t errsize)
{
	struct json_object *o;
	const char *s;
	char *line = NULL;
	size_t n;

	if ((o = json_object_new_object()) == NULL)
		goto oom;
	if (ce_json_add_str(o, "ts", in->ts) == -1 ||
	    ce_json_add_str(o, "user", in->user) == -1 ||
	    ce_json_add_str(o, "action", in->action) == -1 ||
	    ce_json_add_str(o, "id", in->id) == -1 ||
	    ce_json_add_rec(o, "before", in->before) == -1 ||
	    ce_json_add_rec(o, "after", in->after) == -1 ||
	    ce_json_add_str(o, "document_file", in->document_file) == -1 ||
	    ce_json_add_str(o, "register_sha256", in->register_sha256) == -1 ||
	    ce_json_add_str(o, "register_sha256_before",
	    in->register_sha256_before) == -1 ||
	    ce_json_add_str(o, "prev", in->prev) == -1)
		goto oom;
	if ((s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE)) == NULL)
		goto oom;
	n = strlen(s);
	if ((line = malloc(n + 2)) == NULL)
		goto oom;
	memcpy(line, s, n);
	line[n] = '\n';
	line[n + 1] = '\0';
	if (lenp != NULL)
		*lenp = n + 1;
	json_object_put(o);
	return line;
oom:
	json_object_put(o);
	ce_err(err, errsize, "out of memory");
	return NULL;
}

void
consent_audit_prev(const char *log, size_t len, char hex[CONSENT_SHA256_HEX],
    size_t *tail)
{
	size_t end = len, start;

	while (end > 0 && log[end - 1] != '\n')
		end--;
	*tail = len - end;
	if (end == 0) {
		memcpy(hex, CONSENT_AUDIT_ZERO, CONSENT_SHA256_HEX);
		return;
	}
	for (start = end - 1; start > 0 && log[start - 1] != '\n'; start--)
		;
	consent_sha256_hex(log + start, end - start, hex);
}

static void
ce_entry_free(struct consent_audit_entry *e)
{
	free(e->ts);
	free(e->user);
	free(e->action);
	free(e->id);
	free(e->document_file);
	free(e->register_sha256);
	free(e->register_sha256_before);
	free(e->prev);
	json_object_put(e->before);
	json_object_put(e->after);
}

void
consent_audit_free(struct consent_audit *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		ce_entry_free(&a->v[i]);
	free(a->v);
	for (i = 0; i < a->nstate; i++)
		free(a->state[i].id);
	free(a->state);
	memset(a, 0, sizeof(*a));
}

static bool
ce_is_hex64(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (strchr("0123456789abcdef", s[i]) == NULL || s[i] == '\0')
			return false;
	return s[64] == '\0';
}

/*
 * Copies member key of o, a string (or null when nullable), into *out.
 * Returns the reason it cannot, or NULL.
 */
static const char *
ce_member_str(struct json_object *o, const char *key, bool nullable,
    char **out)
{
	struct json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v))
		return "lacks a member";
	if (v == NULL && nullable)
		return NULL;
	if (!json_object_is_type(v, json_type_string))
		return "has a member of the wrong type";
	if ((*out = strdup(json_object_get_string(v))) == NULL)
		return "out of memory";
	return NULL;
}

/* Why the line's object is not an audit entry, or NULL; fills e. */
static const char *
ce_entry_read(struct json_object *o, struct consent_audit_entry *e,
    char *buf, size_t size)
{
	static const char *const strs[] = { "ts", "user", "action", "id",
	    "document_file", "register_sha256", "register_sha256_before",
	    "prev" };
	char **dst[] = { &e->ts, &e->user, &e->action, &e->id,
	    &e->document_file, &e->register_sha256,
	    &e->register_sha256_before, &e->prev };
	struct json_object *v;
	const char *why;
	size_t k;
	bool add;

	for (k = 0; k < sizeof(strs) / sizeof(strs[0]); k++)
		if ((why = ce_member_str(o, strs[k], k == 4, dst[k])) != NULL) {
			snprintf(buf, size, "%s \"%s\"", why, strs[k]);
			return buf;
		}
	if (strcmp(e->action, "add") != 0 && strcmp(e->action, "revoke") != 0 &&
	    strcmp(e->action, "renew") != 0) {
		snprintf(buf, size, "unknown action \"%s\" (valid: add, revoke, "
		    "renew)", e->action);
		return buf;
	}
	if (!ce_is_hex64(e->register_sha256) ||
	    !ce_is_hex64(e->register_sha256_before) || !ce_is_hex64(e->prev))
		return "a hash is not 64 lower-case hexadecimal digits";
	add = strcmp(e->action, "add") == 0;
	if (!json_object_object_get_ex(o, "before", &v))
		return "lacks a member \"before\"";
	if (add ? v != NULL : !json_object_is_type(v, json_type_object))
		return add ? "an add has a \"before\" state" :
		    "lacks the \"before\" state";
	e->before = json_object_get(v);
	if (!json_object_object_get_ex(o, "after", &v) ||
	    !json_object_is_type(v, json_type_object))
		return "lacks the \"after\" state";
	e->after = json_object_get(v);
	if (!json_object_object_get_ex(e->after, "id", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), e->id) != 0)
		return "the \"after\" state is of another consent";
	if (e->before != NULL && (!json_object_object_get_ex(e->before, "id",
	    &v) || !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), e->id) != 0))
		return "the \"before\" state is of another consent";
	return NULL;
}

int
consent_audit_parse(struct consent_audit *a, const char *name,
    const char *text, size_t len, struct errlist *problems)
{
	struct consent_audit_entry e, *nv;
	struct json_tokener *tok;
	struct json_object *o;
	enum json_tokener_error jerr;
	char prevhash[CONSENT_SHA256_HEX], why[256];
	const char *p = text, *end = text + len, *nl, *w;
	size_t n;
	int line = 0;

	memset(a, 0, sizeof(*a));
	a->name = name;
	memcpy(prevhash, CONSENT_AUDIT_ZERO, sizeof(prevhash));
	if ((tok = json_tokener_new()) == NULL)
		return -1;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL) {
			a->tail = (size_t)(end - p);
			break;
		}
		line++;
		n = (size_t)(nl - p);
		memset(&e, 0, sizeof(e));
		e.line = line;
		consent_sha256_hex(p, n + 1, e.hash);
		json_tokener_reset(tok);
		o = n > 0 ? json_tokener_parse_ex(tok, p, (int)n) : NULL;
		jerr = json_tokener_get_error(tok);
		w = NULL;
		if (n == 0)
			w = "an empty line";
		else if (o == NULL || jerr != json_tokener_success)
			w = jerr == json_tokener_continue ? "the JSON ends "
			    "early" : json_tokener_error_desc(jerr);
		else if (json_tokener_get_parse_end(tok) != n)
			w = "text follows the JSON object";
		else if (!json_object_is_type(o, json_type_object))
			w = "not a JSON object";
		else
			w = ce_entry_read(o, &e, why, sizeof(why));
		json_object_put(o);
		if (w != NULL) {
			errlist_add(problems, "%s:%d: not an audit entry: %s",
			    name, line, w);
			ce_entry_free(&e);
			memcpy(prevhash, e.hash, sizeof(prevhash));
			continue;
		}
		if (strcmp(e.prev, prevhash) != 0) {
			if (line == 1)
				errlist_add(problems, "%s:1: the hash chain is "
				    "broken: the first line's \"prev\" must be "
				    "64 zeros (lines were removed from the "
				    "start of the log)", name);
			else
				errlist_add(problems, "%s:%d: the hash chain "
				    "is broken: \"prev\" is not the SHA-256 of "
				    "line %d (line %d was altered, or lines "
				    "were removed or inserted before line %d)",
				    name, line, line - 1, line - 1, line);
		}
		memcpy(prevhash, e.hash, sizeof(prevhash));
		if ((nv = realloc(a->v, (a->n + 1) * sizeof(*nv))) == NULL) {
			ce_entry_free(&e);
			json_tokener_free(tok);
			return -1;
		}
		a->v = nv;
		a->v[a->n++] = e;
	}
	a->lines = line;
	json_tokener_free(tok);
	return 0;
}

static struct consent_audit_state *
ce_state_find(struct consent_audit *a, const char *id)
{
	size_t i;

	for (i = 0; i < a->nstate; i++)
		if (strcmp(a->state[i].id, id) == 0)
			return &a->state[i];
	return NULL;
}

/* A member's value as a person reads it: text, "a, b", yes/no. */
static void
ce_value_text(struct ce_buf *b, struct json_object *v)
{
	size_t i, n;

	if (v == NULL) {
		ce_puts(b, "(none)");
		return;
	}
	switch (json_object_get_type(v)) {
	case json_type_boolean:
		ce_puts(b, json_object_get_boolean(v) ? "yes" : "no");
		break;
	case json_type_string:
		ce_puts(b, json_object_get_string_len(v) == 0 ? "(none)" :
		    json_object_get_string(v));
		break;
	case json_type_array:
		n = json_object_array_length(v);
		if (n == 0)
			ce_puts(b, "(none)");
		for (i = 0; i < n; i++) {
			if (i > 0)
				ce_puts(b, ", ");
			ce_value_text(b, json_object_array_get_idx(v, i));
		}
		break;
	default:
		ce_puts(b, json_object_to_json_string_ext(v,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		break;
	}
}

static struct json_object *
ce_get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

/* A member as JSON text, for messages that must show "" and [] exactly. */
static const char *
ce_json_text(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return "(missing)";
	return v == NULL ? "null" : json_object_to_json_string_ext(v,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

/*
 * Adds "PREFIX FIELD is X in A but Y in B" for each field that differs
 * between x and y; returns how many did.
 */
static int
ce_compare(struct errlist *problems, struct json_object *x,
    struct json_object *y, const char *prefix, const char *in_x,
    const char *in_y)
{
	char xs[CE_MSG_MAX];
	int f, n = 0;

	for (f = 0; f < CE_NFIELDS; f++) {
		if (json_object_equal(ce_get(x, ce_fields[f].name),
		    ce_get(y, ce_fields[f].name)))
			continue;
		/* json-c reuses one buffer per object: copy the first. */
		snprintf(xs, sizeof(xs), "%s", ce_json_text(x,
		    ce_fields[f].name));
		errlist_add(problems, "%s%s is %s %s but %s %s", prefix,
		    ce_fields[f].name, xs, in_x, ce_json_text(y,
		    ce_fields[f].name), in_y);
		n++;
	}
	return n;
}

/* Which entries never reached the register, and hand edits between them. */
static int
ce_find_interrupted(struct consent_audit *a, const char *reg_sha256,
    struct errlist *problems)
{
	struct consent_audit_entry *p, *e;
	const char *next;
	size_t i;
	int n = 0;

	for (i = 0; i < a->n; i++) {
		p = &a->v[i];
		e = i + 1 < a->n ? &a->v[i + 1] : NULL;
		next = e != NULL ? e->register_sha256_before : reg_sha256;
		/* p is &a->v[i]: the analyzer takes e != NULL for a NULL v */
		/* NOLINTNEXTLINE(clang-analyzer-core.NullDereference) */
		if (strcmp(next, p->register_sha256) == 0)
			continue;
		if (strcmp(next, p->register_sha256_before) == 0) {
			p->interrupted = true;
			continue;
		}
		if (e == NULL) {
			errlist_add(problems, "the register was edited by hand "
			    "after %s (the last recorded change, %s:%d): its "
			    "SHA-256 is %.12s..., the audit log recorded "
			    "%.12s...", p->ts, a->name, p->line, reg_sha256,
			    p->register_sha256);
			n++;
		} else if (e->line == p->line + 1 &&
		    strcmp(e->prev, p->hash) == 0) {
			/* A broken chain has said it already. */
			errlist_add(problems, "the register was edited by hand "
			    "between %s (%s:%d) and %s (%s:%d)", p->ts,
			    a->name, p->line, e->ts, a->name, e->line);
			n++;
		}
	}
	return n;
}

int
consent_audit_verify(struct consent_audit *a,
    const struct consent_register *r, const char *reg_sha256,
    struct errlist *problems, struct errlist *notes)
{
	struct consent_audit_state *st, *ns;
	struct consent_audit_entry *e;
	struct consent_rec rec;
	struct json_object *o;
	char prefix[CE_MSG_MAX], in_x[64], in_y[64];
	size_t i, nreg = r != NULL ? r->n : 0;
	int n = 0;

	n += ce_find_interrupted(a, reg_sha256, problems);
	for (i = 0; i < a->n; i++) {
		e = &a->v[i];
		if (e->interrupted) {
			errlist_add(notes, "%s:%d: interrupted change: the %s "
			    "of %s by %s at %s was logged but never reached "
			    "the register (the command was stopped before it "
			    "finished); the register is as it was before it",
			    a->name, e->line, e->action, e->id, e->user,
			    e->ts);
			continue;
		}
		st = ce_state_find(a, e->id);
		if (strcmp(e->action, "add") == 0) {
			if (st != NULL) {
				errlist_add(problems, "%s:%d: adds %s, which "
				    "%s:%d already added", a->name, e->line,
				    e->id, a->name, st->line);
				n++;
				continue;
			}
			if ((ns = realloc(a->state, (a->nstate + 1) *
			    sizeof(*ns))) == NULL)
				return -1;
			a->state = ns;
			st = &a->state[a->nstate];
			if ((st->id = strdup(e->id)) == NULL)
				return -1;
			a->nstate++;
			st->document_file = NULL;
		} else if (st == NULL) {
			errlist_add(problems, "%s:%d: a %s of %s, which no "
			    "earlier entry added", a->name, e->line, e->action,
			    e->id);
			n++;
			continue;
		} else {
			snprintf(prefix, sizeof(prefix), "%s:%d: %s: before "
			    "this %s, ", a->name, e->line, e->id, e->action);
			snprintf(in_x, sizeof(in_x), "here");
			snprintf(in_y, sizeof(in_y), "after %s:%d", a->name,
			    st->line);
			n += ce_compare(problems, e->before, st->after, prefix,
			    in_x, in_y);
			if (!json_object_equal(ce_get(e->before, "document"),
			    ce_get(e->after, "document")))
				st->document_file = NULL;
		}
		st->after = e->after;
		st->line = e->line;
		if (e->document_file != NULL)
			st->document_file = e->document_file;
	}
	if (a->tail > 0)
		errlist_add(notes, "%s:%d: an incomplete last line (%zu bytes): "
		    "a change was stopped while it was being logged and never "
		    "reached the register", a->name, a->lines + 1, a->tail);

	if (a->lines == 0 && nreg > 0) {
		errlist_add(problems, "no audit log: %zu consent%s never "
		    "recorded through eeaguard consent", nreg, nreg == 1 ?
		    " was" : "s were");
		return n + 1;
	}
	for (i = 0; i < nreg; i++) {
		if (consent_rec_from_consent(&rec, &r->v[i]) == -1)
			return -1;
		o = consent_rec_json(&rec);
		consent_rec_free(&rec);
		if (o == NULL)
			return -1;
		if ((st = ce_state_find(a, r->v[i].id)) == NULL) {
			errlist_add(problems, "%s: in the register but never "
			    "recorded through eeaguard consent", r->v[i].id);
			n++;
		} else {
			snprintf(prefix, sizeof(prefix), "%s: ", r->v[i].id);
			snprintf(in_y, sizeof(in_y), "in the audit log (%s:%d)",
			    a->name, st->line);
			n += ce_compare(problems, o, st->after, prefix,
			    "in the register", in_y);
		}
		json_object_put(o);
	}
	for (i = 0; i < a->nstate; i++) {
		size_t k;

		for (k = 0; k < nreg; k++)
			if (strcmp(r->v[k].id, a->state[i].id) == 0)
				break;
		if (k == nreg) {
			errlist_add(problems, "%s: recorded in the audit log "
			    "(%s:%d) but missing from the register",
			    a->state[i].id, a->name, a->state[i].line);
			n++;
		}
	}
	return n;
}

char *
consent_describe_change(struct json_object *before, struct json_object *after)
{
	static const enum consent_field_id essentials[] = {
		CE_CUSTOMER, CE_COUNTRIES, CE_HOSTS, CE_NETWORKS, CE_PORTS,
		CE_PURPOSE, CE_DOCUMENT, CE_SIGNED, CE_VALID_FROM, CE_EXPIRES
	};
	struct ce_buf b = { NULL, 0, 0, false };
	struct json_object *x, *y;
	size_t k;
	int f;

	if (before == NULL) {
		for (k = 0; k < sizeof(essentials) / sizeof(essentials[0]);
		    k++) {
			f = essentials[k];
			y = ce_get(after, ce_fields[f].name);
			/* Optional fields left empty say nothing. */
			if (f != CE_CUSTOMER && f != CE_COUNTRIES &&
			    (y == NULL || (json_object_is_type(y,
			    json_type_array) ? json_object_array_length(y) :
			    (size_t)json_object_get_string_len(y)) == 0))
				continue;
			if (b.len > 0)
				ce_puts(&b, "; ");
			ce_puts(&b, ce_fields[f].name);
			ce_puts(&b, " ");
			ce_value_text(&b, y);
		}
	} else {
		for (f = 0; f < CE_NFIELDS; f++) {
			x = ce_get(before, ce_fields[f].name);
			y = ce_get(after, ce_fields[f].name);
			if (json_object_equal(x, y))
				continue;
			if (b.len > 0)
				ce_puts(&b, "; ");
			ce_puts(&b, ce_fields[f].name);
			ce_puts(&b, ": ");
			ce_value_text(&b, x);
			ce_puts(&b, " -> ");
			ce_value_text(&b, y);
		}
	}
	if (b.len == 0)
		ce_puts(&b, "(no change)");
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}
