/* The consent register (consent.conf): parse, validate and match consents. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libconfig.h>
#include <openssl/evp.h>

#include "rules/consent.h"

/* A register is a few hundred lines; anything this big is the wrong file. */
#define CONSENT_FILE_MAX	(64u << 20)
#define CONSENT_MSG_MAX		1024

enum consent_field {
	F_ID, F_CUSTOMER, F_COUNTRIES, F_HOSTS, F_NETWORKS, F_PORTS,
	F_PURPOSE, F_SUBPROCESSOR, F_DOCUMENT, F_DOCUMENT_SHA256,
	F_GRANTED_BY, F_SIGNED, F_VALID_FROM, F_EXPIRES, F_RECORDED_BY,
	F_RECORDED_AT, F_REVOKED, F_REVOKED_AT, F_REVOKED_BY,
	F_REVOKE_REASON, F_COUNT
};

static const char *const consent_field_names[F_COUNT] = {
	"id", "customer", "countries", "hosts", "networks", "ports",
	"purpose", "subprocessor", "document", "document_sha256",
	"granted_by", "signed", "valid_from", "expires", "recorded_by",
	"recorded_at", "revoked", "revoked_at", "revoked_by", "revoke_reason"
};

/* State of one load: where errors go and how many there were. */
struct consent_ctx {
	const char *file;
	const struct country_set *eea;
	struct errlist *errs;
	size_t nerr;
};

static void consent_err(struct consent_ctx *, int, const char *,
    const char *, ...) EG_PRINTF(4, 5);

/*
 * Every problem goes through here so the loader can tell whether anything
 * failed even when the caller's errlist already held messages.
 */
static void
consent_err(struct consent_ctx *ld, int line, const char *setting,
    const char *fmt, ...)
{
	char msg[CONSENT_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	errlist_addf(ld->errs, ld->file, line, setting, "%s", msg);
	ld->nerr++;
}

static void
consent_oom(struct consent_ctx *ld)
{
	errlist_add(ld->errs, "%s: out of memory while loading the consent "
	    "register", ld->file);
	ld->nerr++;
}

static char *
consent_strdup(struct consent_ctx *ld, const char *s)
{
	char *d;

	if ((d = strdup(s)) == NULL)
		consent_oom(ld);
	return d;
}

/* ASCII only: a locale must never change what a host name matches. */
static char
consent_lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

static bool
consent_blank(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

static const char *
consent_type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "a number";
	case CONFIG_TYPE_FLOAT:
		return "a decimal number";
	case CONFIG_TYPE_STRING:
		return "text";
	case CONFIG_TYPE_BOOL:
		return "true/false";
	case CONFIG_TYPE_GROUP:
		return "a group { ... }";
	case CONFIG_TYPE_ARRAY:
		return "a list [ ... ]";
	case CONFIG_TYPE_LIST:
		return "a list ( ... )";
	default:
		return "nothing";
	}
}

/* Elements of arrays carry their own line; fall back to the list's. */
static int
consent_line(const config_setting_t *s, const config_setting_t *parent)
{
	int line = config_setting_source_line(s);

	if (line == 0 && parent != NULL)
		line = config_setting_source_line(parent);
	return line;
}

/*
 * Howard Hinnant's days_from_civil: proleptic Gregorian date to days since
 * 1970-01-01, exact for every year, with no dependency on timegm or TZ.
 */
static int64_t
consent_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
consent_days_in_month(int y, int m)
{
	static const int days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/* Exactly n decimal digits at *p; advances *p. */
static int
consent_digits(const char **p, int n, int *out)
{
	int v = 0;

	while (n-- > 0) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	*out = v;
	return 0;
}

int
consent_parse_time(const char *s, int64_t *out)
{
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0, oh, om, off = 0;

	if (s == NULL)
		return -1;
	if (consent_digits(&p, 4, &y) == -1 || *p++ != '-' ||
	    consent_digits(&p, 2, &mo) == -1 || *p++ != '-' ||
	    consent_digits(&p, 2, &d) == -1)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > consent_days_in_month(y, mo))
		return -1;
	if (*p != '\0') {
		/* RFC 3339 allows lower-case t and z; no other leniency. */
		if (*p != 'T' && *p != 't')
			return -1;
		p++;
		if (consent_digits(&p, 2, &h) == -1 || *p++ != ':' ||
		    consent_digits(&p, 2, &mi) == -1 || *p++ != ':' ||
		    consent_digits(&p, 2, &sec) == -1)
			return -1;
		if (h > 23 || mi > 59 || sec > 59)
			return -1;
		if (*p == '.') {
			p++;
			if (*p < '0' || *p > '9')
				return -1;
			while (*p >= '0' && *p <= '9')
				p++;
		}
		/* Without a zone the time would depend on the reader's TZ. */
		if (*p == 'Z' || *p == 'z')
			p++;
		else if (*p == '+' || *p == '-') {
			int sign = *p++ == '-' ? -1 : 1;

			if (consent_digits(&p, 2, &oh) == -1 || *p++ != ':' ||
			    consent_digits(&p, 2, &om) == -1 ||
			    oh > 23 || om > 59)
				return -1;
			off = sign * (oh * 3600 + om * 60);
		} else
			return -1;
		if (*p != '\0')
			return -1;
	}
	*out = consent_days_from_civil(y, mo, d) * 86400 +
	    h * 3600 + mi * 60 + sec - off;
	return 0;
}

/*
 * Why h (already lower case, trailing dot removed) is not a host name or
 * "*.suffix" pattern, or NULL when it is one.
 */
static const char *
consent_host_why(const char *h, char *buf, size_t size)
{
	const char *name = h, *p, *label;
	size_t len;

	if (*h == '\0')
		return "it is empty";
	if (strcmp(h, "*") == 0)
		return "a bare '*' would cover every host: name the domain, "
		    "as in \"*.example.com\"";
	if (strncmp(h, "*.", 2) == 0)
		name = h + 2;
	if (strlen(h) > 253)
		return "it is longer than 253 characters";
	label = name;
	for (p = name;; p++) {
		if (*p == '.' || *p == '\0') {
			len = (size_t)(p - label);
			if (len == 0)
				return "it has an empty label (two dots in a "
				    "row, or a leading dot)";
			if (len > 63)
				return "a label is longer than 63 characters";
			if (label[0] == '-' || p[-1] == '-')
				return "a label may not start or end with '-'";
			if (*p == '\0')
				break;
			label = p + 1;
			continue;
		}
		if (*p == '*')
			return "'*' may only stand alone as the first label, "
			    "as in \"*.example.com\"";
		if ((unsigned char)*p >= 0x80)
			return "it is not plain ASCII: write an international "
			    "name in its xn-- form";
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-')) {
			snprintf(buf, size, "'%c' is not allowed in a host "
			    "name (valid: letters, digits, '-' and dots)", *p);
			return buf;
		}
	}
	return NULL;
}

/* Checks that s is an array or list; returns its length or -1. */
static int
consent_list(struct consent_ctx *ld, const config_setting_t *s,
    const char *setting, const char *what)
{
	int type = config_setting_type(s);

	if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST) {
		consent_err(ld, config_setting_source_line(s), setting,
		    "expected %s, found %s", what, consent_type_name(type));
		return -1;
	}
	return config_setting_length(s);
}

static void
consent_parse_countries(struct consent_ctx *ld, const config_setting_t *s,
    const char *setting, struct consent *c)
{
	const config_setting_t *e;
	const char *cc, *sug;
	char where[128];
	int i, n, line;

	if ((n = consent_list(ld, s, setting, "a list of country codes in "
	    "square brackets, as in [\"US\", \"CH\"]")) <= 0)
		return;
	if ((c->countries.v = calloc((size_t)n, sizeof(char *))) == NULL) {
		consent_oom(ld);
		return;
	}
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, (unsigned)i);
		line = consent_line(e, s);
		snprintf(where, sizeof(where), "%s[%d]", setting, i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			consent_err(ld, line, where, "expected a country code "
			    "in double quotes, such as \"US\", found %s",
			    consent_type_name(config_setting_type(e)));
			continue;
		}
		cc = config_setting_get_string(e);
		if (country_is_region(cc))
			consent_err(ld, line, where, "'%s' is a region code, "
			    "not a country: name the countries themselves",
			    cc);
		else if (!country_is_assigned(cc)) {
			if ((sug = country_suggest(cc)) != NULL)
				consent_err(ld, line, where, "unknown country "
				    "code '%s' \xe2\x80\x94 did you mean %s?",
				    cc, sug);
			else
				consent_err(ld, line, where, "unknown country "
				    "code '%s' (valid: ISO 3166-1 two-letter "
				    "codes such as US, CH, JP)", cc);
		} else if (country_set_has(ld->eea, cc))
			consent_err(ld, line, where, "%s is inside the EEA: "
			    "no consent is needed", cc);
		else if (country_set_has(&c->country_set, cc))
			consent_err(ld, line, where, "%s is listed twice", cc);
		else if ((c->countries.v[c->countries.n] =
		    consent_strdup(ld, cc)) != NULL) {
			c->countries.n++;
			country_set_add(&c->country_set, cc);
		}
	}
}

static void
consent_parse_hosts(struct consent_ctx *ld, const config_setting_t *s,
    const char *setting, struct consent *c)
{
	const config_setting_t *e;
	const char *v, *why;
	char where[128], buf[128];
	struct ipaddr a;
	char *h;
	size_t j, len;
	int i, n, line;

	n = consent_list(ld, s, setting, "a list of host names in square "
	    "brackets, as in [\"api.stripe.com\", \"*.stripe.com\"]");
	if (n <= 0)
		return;
	if ((c->hosts.v = calloc((size_t)n, sizeof(char *))) == NULL) {
		consent_oom(ld);
		return;
	}
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, (unsigned)i);
		line = consent_line(e, s);
		snprintf(where, sizeof(where), "%s[%d]", setting, i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			consent_err(ld, line, where, "expected a host name in "
			    "double quotes, such as \"api.stripe.com\", "
			    "found %s",
			    consent_type_name(config_setting_type(e)));
			continue;
		}
		v = config_setting_get_string(e);
		if (ipaddr_parse(v, &a) == 0) {
			consent_err(ld, line, where, "'%s' is an address, not "
			    "a host name: list it under networks instead", v);
			continue;
		}
		if ((h = consent_strdup(ld, v)) == NULL)
			continue;
		for (j = 0; h[j] != '\0'; j++)
			h[j] = consent_lower(h[j]);
		/* "example.com." is the same name written fully qualified. */
		len = strlen(h);
		if (len > 1 && h[len - 1] == '.')
			h[len - 1] = '\0';
		if ((why = consent_host_why(h, buf, sizeof(buf))) != NULL) {
			consent_err(ld, line, where, "'%s' is not a host name: "
			    "%s (valid: a name such as \"api.stripe.com\", or "
			    "\"*.stripe.com\" for every name under stripe.com)",
			    v, why);
			free(h);
			continue;
		}
		c->hosts.v[c->hosts.n++] = h;
	}
}

static void
consent_parse_networks(struct consent_ctx *ld, const config_setting_t *s,
    const char *setting, struct consent *c)
{
	const config_setting_t *e;
	const char *v, *why;
	char where[128];
	int i, n, line;

	if ((n = consent_list(ld, s, setting, "a list of networks in "
	    "square brackets, as in [\"192.0.2.0/24\"]")) <= 0)
		return;
	if ((c->networks.v = calloc((size_t)n,
	    sizeof(struct ipprefix))) == NULL) {
		consent_oom(ld);
		return;
	}
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, (unsigned)i);
		line = consent_line(e, s);
		snprintf(where, sizeof(where), "%s[%d]", setting, i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			consent_err(ld, line, where, "expected a network in "
			    "double quotes, such as \"192.0.2.0/24\", found %s",
			    consent_type_name(config_setting_type(e)));
			continue;
		}
		v = config_setting_get_string(e);
		why = "not an address or network";
		if (ipprefix_parse(v, &c->networks.v[c->networks.n],
		    &why) == -1) {
			consent_err(ld, line, where, "'%s' is not a network: "
			    "%s", v, why);
			continue;
		}
		c->networks.n++;
	}
}

static void
consent_parse_ports(struct consent_ctx *ld, const config_setting_t *s,
    const char *setting, struct consent *c)
{
	const config_setting_t *e;
	char where[128];
	long long v;
	int i, n, type, line;

	if ((n = consent_list(ld, s, setting, "a list of port numbers in "
	    "square brackets, as in [443]")) <= 0)
		return;
	if ((c->ports.v = calloc((size_t)n, sizeof(uint16_t))) == NULL) {
		consent_oom(ld);
		return;
	}
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, (unsigned)i);
		line = consent_line(e, s);
		snprintf(where, sizeof(where), "%s[%d]", setting, i);
		type = config_setting_type(e);
		if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64) {
			consent_err(ld, line, where, "expected a port number "
			    "(1-65535), found %s", consent_type_name(type));
			continue;
		}
		v = config_setting_get_int64(e);
		if (v < 1 || v > 65535) {
			consent_err(ld, line, where, "%lld is not a port "
			    "number (valid: 1-65535)", v);
			continue;
		}
		c->ports.v[c->ports.n++] = (uint16_t)v;
	}
}

static char **
consent_field_str(struct consent *c, enum consent_field f)
{
	switch (f) {
	case F_ID:		return &c->id;
	case F_CUSTOMER:	return &c->customer;
	case F_PURPOSE:		return &c->purpose;
	case F_SUBPROCESSOR:	return &c->subprocessor;
	case F_DOCUMENT:	return &c->document;
	case F_DOCUMENT_SHA256:	return &c->document_sha256;
	case F_GRANTED_BY:	return &c->granted_by;
	case F_SIGNED:		return &c->signed_on;
	case F_VALID_FROM:	return &c->valid_from_s;
	case F_EXPIRES:		return &c->expires_s;
	case F_RECORDED_BY:	return &c->recorded_by;
	case F_RECORDED_AT:	return &c->recorded_at;
	case F_REVOKED_AT:	return &c->revoked_at;
	case F_REVOKED_BY:	return &c->revoked_by;
	case F_REVOKE_REASON:	return &c->revoke_reason;
	default:		return NULL;
	}
}

/* Plain Levenshtein distance, for "did you mean" on misspelt fields. */
static size_t
consent_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev, cur, tmp;
	size_t row[32];

	if (la >= 32 || lb >= 32)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			cur = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < cur)
				cur = row[j] + 1;
			if (row[j - 1] + 1 < cur)
				cur = row[j - 1] + 1;
			tmp = row[j];
			row[j] = cur;
			prev = tmp;
		}
	}
	return row[lb];
}

static void
consent_unknown_field(struct consent_ctx *ld, int line, const char *where,
    const char *name)
{
	size_t f, best = F_COUNT, d, bestd = 3;

	/* Only a near miss of a long enough name is worth suggesting. */
	for (f = 0; f < F_COUNT; f++) {
		d = consent_distance(name, consent_field_names[f]);
		if (d < bestd && d * 3 <= strlen(consent_field_names[f])) {
			bestd = d;
			best = f;
		}
	}
	if (best != F_COUNT)
		consent_err(ld, line, where, "unknown field '%s' \xe2\x80\x94 "
		    "did you mean %s?", name, consent_field_names[best]);
	else
		consent_err(ld, line, where, "unknown field '%s' (valid: id, "
		    "customer, countries, hosts, networks, ports, purpose, "
		    "subprocessor, document, document_sha256, granted_by, "
		    "signed, valid_from, expires, recorded_by, recorded_at, "
		    "revoked, revoked_at, revoked_by, revoke_reason)", name);
}

/* Why each required field cannot be left out, in words legal staff use. */
static const char *
consent_required_why(enum consent_field f)
{
	switch (f) {
	case F_ID:
		return "each consent needs its own identifier, such as "
		    "\"C-2026-0001\"";
	case F_CUSTOMER:
		return "name the customer who gave the consent, as the "
		    "scopes in eeaguard.conf name it";
	case F_COUNTRIES:
		return "name the countries outside the EEA that the data "
		    "may go to";
	case F_PURPOSE:
		return "a consent is given for a stated purpose";
	case F_DOCUMENT:
		return "without a written document there is no consent";
	case F_GRANTED_BY:
		return "name who signed the consent for the customer";
	case F_SIGNED:
		return "the date the customer signed the document, as "
		    "YYYY-MM-DD";
	default:
		return "";
	}
}

/* Parses a date field that is present and not "" into *t. */
static int
consent_date(struct consent_ctx *ld, size_t i, enum consent_field f,
    const char *s, int line, int64_t *t)
{
	char where[64];

	if (consent_parse_time(s, t) == 0)
		return 0;
	snprintf(where, sizeof(where), "consents[%zu].%s", i,
	    consent_field_names[f]);
	consent_err(ld, line, where, "'%s' is not a valid date (valid: "
	    "YYYY-MM-DD, or a time as YYYY-MM-DDTHH:MM:SSZ in UTC or with "
	    "an offset such as +02:00)", s);
	return -1;
}

static void
consent_check_required(struct consent_ctx *ld, size_t i, struct consent *c,
    const int lines[F_COUNT])
{
	static const enum consent_field required[] = {
		F_ID, F_CUSTOMER, F_COUNTRIES, F_PURPOSE, F_DOCUMENT,
		F_GRANTED_BY, F_SIGNED
	};
	enum consent_field f;
	char where[64];
	char **sp;
	size_t k;
	int line;

	for (k = 0; k < sizeof(required) / sizeof(required[0]); k++) {
		f = required[k];
		sp = consent_field_str(c, f);
		/* "" or blanks are no better than leaving the field out. */
		if (lines[f] == 0)
			line = c->line;
		else if (sp != NULL && *sp != NULL && consent_blank(*sp))
			line = lines[f];
		else
			continue;
		snprintf(where, sizeof(where), "consents[%zu].%s", i,
		    consent_field_names[f]);
		consent_err(ld, line, where, "%s is required: %s",
		    consent_field_names[f], consent_required_why(f));
	}
}

static void
consent_check_dates(struct consent_ctx *ld, size_t i, struct consent *c,
    const int lines[F_COUNT])
{
	char where[64];
	int64_t t = 0, scratch;
	int ok_signed = 0, ok_from, ok_to = 1;

	if (c->signed_on != NULL && !consent_blank(c->signed_on))
		ok_signed = consent_date(ld, i, F_SIGNED, c->signed_on,
		    lines[F_SIGNED], &t) == 0;
	if (c->valid_from_s != NULL && c->valid_from_s[0] != '\0')
		ok_from = consent_date(ld, i, F_VALID_FROM, c->valid_from_s,
		    lines[F_VALID_FROM], &c->valid_from) == 0;
	else {
		ok_from = ok_signed;
		c->valid_from = t;
	}
	c->expires = CONSENT_TIME_MAX;
	if (c->expires_s != NULL && c->expires_s[0] != '\0')
		ok_to = consent_date(ld, i, F_EXPIRES, c->expires_s,
		    lines[F_EXPIRES], &c->expires) == 0;
	if (ok_from && ok_to && c->valid_from >= c->expires) {
		snprintf(where, sizeof(where), "consents[%zu].expires", i);
		if (c->valid_from_s != NULL && c->valid_from_s[0] != '\0')
			consent_err(ld, lines[F_EXPIRES], where, "expires %s "
			    "is %s valid-from %s: the consent would never be "
			    "in force", c->expires_s, c->valid_from ==
			    c->expires ? "the same as" : "before",
			    c->valid_from_s);
		else
			consent_err(ld, lines[F_EXPIRES], where, "expires %s "
			    "is %s the signing date %s: the consent would "
			    "never be in force", c->expires_s, c->valid_from ==
			    c->expires ? "the same as" : "before",
			    c->signed_on);
	}
	/* Not used for decisions, but an auditor reads them: keep them true. */
	if (c->recorded_at != NULL && c->recorded_at[0] != '\0')
		consent_date(ld, i, F_RECORDED_AT, c->recorded_at,
		    lines[F_RECORDED_AT], &scratch);
	if (c->revoked_at != NULL && c->revoked_at[0] != '\0')
		consent_date(ld, i, F_REVOKED_AT, c->revoked_at,
		    lines[F_REVOKED_AT], &scratch);
}

/* Checks that need every field of the consent read first. */
static void
consent_check(struct consent_ctx *ld, size_t i, struct consent *c,
    const int lines[F_COUNT], const struct consent *prev)
{
	char where[64];
	const char *p;
	size_t j;

	consent_check_required(ld, i, c, lines);

	snprintf(where, sizeof(where), "consents[%zu].id", i);
	if (c->id != NULL && !consent_blank(c->id)) {
		for (p = c->id; *p != '\0'; p++)
			if ((unsigned char)*p <= ' ' || *p == 0x7f)
				break;
		if (*p != '\0')
			consent_err(ld, lines[F_ID], where, "id '%s' contains "
			    "a space or control character: use letters, "
			    "digits and '-', as in \"C-2026-0001\"", c->id);
		for (j = 0; j < i; j++)
			if (prev[j].id != NULL &&
			    strcmp(prev[j].id, c->id) == 0) {
				consent_err(ld, lines[F_ID], where, "id '%s' "
				    "is already used by the consent at line "
				    "%d: each consent needs its own id", c->id,
				    prev[j].line);
				break;
			}
	}

	/* Scopes name customers exactly: a stray space would never match. */
	snprintf(where, sizeof(where), "consents[%zu].customer", i);
	if (c->customer != NULL && !consent_blank(c->customer) &&
	    (c->customer[0] == ' ' || c->customer[0] == '\t' ||
	    strchr(" \t", c->customer[strlen(c->customer) - 1]) != NULL))
		consent_err(ld, lines[F_CUSTOMER], where, "customer '%s' "
		    "starts or ends with a space: it would never match the "
		    "customers named in eeaguard.conf", c->customer);

	if (c->document_sha256 != NULL && c->document_sha256[0] != '\0') {
		snprintf(where, sizeof(where), "consents[%zu].document_sha256",
		    i);
		for (j = 0; c->document_sha256[j] != '\0'; j++) {
			c->document_sha256[j] =
			    consent_lower(c->document_sha256[j]);
			if (strchr("0123456789abcdef",
			    c->document_sha256[j]) == NULL)
				break;
		}
		if (j != 64 || c->document_sha256[j] != '\0')
			consent_err(ld, lines[F_DOCUMENT_SHA256], where,
			    "expected the 64 hexadecimal digits of the signed "
			    "document's SHA-256 (as sha256sum prints them), "
			    "or \"\"");
	}

	consent_check_dates(ld, i, c, lines);
}

static void
consent_parse_one(struct consent_ctx *ld, const config_setting_t *g,
    size_t i, struct consent *c, const struct consent *prev)
{
	const config_setting_t *s;
	int lines[F_COUNT] = { 0 };
	char where[64];
	const char *name;
	char **sp;
	size_t f;
	int k, n, type;

	c->line = config_setting_source_line(g);
	snprintf(where, sizeof(where), "consents[%zu]", i);
	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		consent_err(ld, c->line, where, "expected a consent in braces "
		    "{ id = \"...\"; customer = \"...\"; ... }, found %s",
		    consent_type_name(config_setting_type(g)));
		return;
	}
	n = config_setting_length(g);
	for (k = 0; k < n; k++) {
		s = config_setting_get_elem(g, (unsigned)k);
		name = config_setting_name(s);
		type = config_setting_type(s);
		for (f = 0; f < F_COUNT; f++)
			if (strcmp(name, consent_field_names[f]) == 0)
				break;
		snprintf(where, sizeof(where), "consents[%zu].%s", i, name);
		if (f == F_COUNT) {
			consent_unknown_field(ld, consent_line(s, g), where,
			    name);
			continue;
		}
		lines[f] = consent_line(s, g);
		switch (f) {
		case F_COUNTRIES:
			consent_parse_countries(ld, s, where, c);
			if ((type == CONFIG_TYPE_ARRAY ||
			    type == CONFIG_TYPE_LIST) &&
			    config_setting_length(s) == 0)
				consent_err(ld, lines[f], where, "countries is "
				    "empty: %s",
				    consent_required_why(F_COUNTRIES));
			break;
		case F_HOSTS:
			consent_parse_hosts(ld, s, where, c);
			break;
		case F_NETWORKS:
			consent_parse_networks(ld, s, where, c);
			break;
		case F_PORTS:
			consent_parse_ports(ld, s, where, c);
			break;
		case F_REVOKED:
			if (type != CONFIG_TYPE_BOOL)
				consent_err(ld, lines[f], where, "expected "
				    "true or false, found %s",
				    consent_type_name(type));
			else
				c->revoked = config_setting_get_bool(s);
			break;
		default:
			sp = consent_field_str(c, (enum consent_field)f);
			if (type != CONFIG_TYPE_STRING)
				consent_err(ld, lines[f], where, "expected "
				    "text in double quotes, found %s",
				    consent_type_name(type));
			else
				*sp = consent_strdup(ld,
				    config_setting_get_string(s));
			break;
		}
	}
	consent_check(ld, i, c, lines, prev);
	/* Optional text the file leaves out reads as "", never NULL. */
	for (f = 0; f < F_COUNT; f++)
		if ((sp = consent_field_str(c,
		    (enum consent_field)f)) != NULL && *sp == NULL)
			*sp = consent_strdup(ld, "");
}

static void
consent_parse_root(struct consent_ctx *ld, const config_setting_t *root,
    struct consent_register *r)
{
	const config_setting_t *s, *list = NULL;
	int k, n, type;

	n = config_setting_length(root);
	for (k = 0; k < n; k++) {
		s = config_setting_get_elem(root, (unsigned)k);
		if (strcmp(config_setting_name(s), "consents") == 0)
			list = s;
		else
			consent_err(ld, config_setting_source_line(s),
			    config_setting_name(s), "unknown setting: the "
			    "register holds only consents = ( ... );");
	}
	/* A register with no consents allows nothing: that is safe. */
	if (list == NULL)
		return;
	type = config_setting_type(list);
	n = config_setting_length(list);
	if (type != CONFIG_TYPE_LIST &&
	    !(type == CONFIG_TYPE_ARRAY && n == 0)) {
		consent_err(ld, config_setting_source_line(list), "consents",
		    "expected a list of consents in parentheses, as in "
		    "consents = ( { ... }, { ... } );, found %s",
		    consent_type_name(type));
		return;
	}
	if (n == 0)
		return;
	if ((r->v = calloc((size_t)n, sizeof(*r->v))) == NULL) {
		consent_oom(ld);
		return;
	}
	r->n = (size_t)n;
	for (k = 0; k < n; k++)
		consent_parse_one(ld, config_setting_get_elem(list,
		    (unsigned)k), (size_t)k, &r->v[k], r->v);
}

/* The whole file, NUL-terminated, so the hash and the parse see one copy. */
static int
consent_read(struct consent_ctx *ld, const char *path, char **bufp,
    size_t *lenp)
{
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		errlist_add(ld->errs, "%s: cannot open the consent register: "
		    "%s", path, strerror(errno));
		ld->nerr++;
		return -1;
	}
	for (;;) {
		if (cap - len < 4096) {
			if (cap >= CONSENT_FILE_MAX) {
				errlist_add(ld->errs, "%s: larger than %u MiB: "
				    "not a consent register", path,
				    CONSENT_FILE_MAX >> 20);
				ld->nerr++;
				goto done;
			}
			cap = cap ? cap * 2 : 16384;
			if ((nb = realloc(buf, cap + 1)) == NULL) {
				consent_oom(ld);
				goto done;
			}
			buf = nb;
		}
		if ((n = read(fd, buf + len, cap - len)) == -1) {
			if (errno == EINTR)
				continue;
			errlist_add(ld->errs, "%s: cannot read the consent "
			    "register: %s", path, strerror(errno));
			ld->nerr++;
			goto done;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (buf == NULL && (buf = malloc(1)) == NULL) {
		consent_oom(ld);
		goto done;
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	buf = NULL;
	rc = 0;
done:
	free(buf);
	close(fd);
	return rc;
}

/*
 * libconfig would read an included file too, and the register's hash would
 * no longer cover what is in force. The pattern mirrors libconfig's scanner.
 */
static int
consent_find_include(const char *buf)
{
	const char *p = buf;
	int line = 1;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "@include", 8) == 0)
			return line;
		if ((p = strchr(p, '\n')) == NULL)
			return 0;
		p++;
		line++;
	}
}

/*
 * Parses and validates the register text buf (len bytes, NUL-terminated)
 * into r; name is the file named in messages. Returns 0, or -1 with the
 * problems in ld->errs.
 */
static int
consent_load_buf(struct consent_ctx *ld, const char *buf, size_t len,
    struct consent_register *r)
{
	config_t cfg;
	int line, rc = -1;

	errno = 0;
	if (EVP_Digest(buf, len, r->sha256, NULL, EVP_sha256(),
	    NULL) != 1) {
		if (errno == ENOMEM)
			consent_oom(ld);
		else {
			errlist_add(ld->errs, "%s: cannot compute the "
			    "register's SHA-256", ld->file);
			ld->nerr++;
		}
		return -1;
	}
	if (strlen(buf) != len) {
		errlist_add(ld->errs, "%s: contains a NUL byte at offset %zu: "
		    "not a text file", ld->file, strlen(buf));
		ld->nerr++;
		return -1;
	}
	if ((line = consent_find_include(buf)) != 0) {
		errlist_add(ld->errs, "%s:%d: @include is not allowed: the "
		    "whole register must be in one file so its hash covers "
		    "every consent", ld->file, line);
		ld->nerr++;
		return -1;
	}
	config_init(&cfg);
	if (config_read_string(&cfg, buf) != CONFIG_TRUE) {
		errlist_add(ld->errs, "%s:%d: cannot parse the register: %s "
		    "(check quotes, brackets and semicolons on or just before "
		    "this line)", ld->file, config_error_line(&cfg),
		    config_error_text(&cfg));
		ld->nerr++;
		goto done;
	}
	consent_parse_root(ld, config_root_setting(&cfg), r);
	rc = ld->nerr > 0 ? -1 : 0;
done:
	config_destroy(&cfg);
	return rc;
}

struct consent_register *
consent_load(const char *path, const struct country_set *eea,
    struct errlist *errs)
{
	struct consent_ctx ld = { path, eea, errs, 0 };
	struct consent_register *r = NULL;
	char *buf = NULL;
	size_t len = 0;

	if (consent_read(&ld, path, &buf, &len) == -1)
		goto done;
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->path = strdup(path)) == NULL) {
		consent_oom(&ld);
		goto done;
	}
	consent_load_buf(&ld, buf, len, r);
done:
	free(buf);
	if (ld.nerr > 0) {
		consent_register_free(r);
		return NULL;
	}
	return r;
}

struct consent_register *
consent_load_string(const char *name, const char *text, size_t len,
    const struct country_set *eea, struct errlist *errs)
{
	struct consent_ctx ld = { name, eea, errs, 0 };
	struct consent_register *r;
	char *buf;

	/* libconfig wants a C string; text may be a file image without one. */
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (buf = malloc(len + 1)) == NULL) {
		free(r);
		consent_oom(&ld);
		return NULL;
	}
	memcpy(buf, text, len);
	buf[len] = '\0';
	consent_load_buf(&ld, buf, len, r);
	free(buf);
	if (ld.nerr > 0) {
		consent_register_free(r);
		return NULL;
	}
	return r;
}

struct consent_register *
consent_register_empty(void)
{
	struct consent_register *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	/* No register reads as an empty file: both allow nothing. */
	if (EVP_Digest("", 0, r->sha256, NULL, EVP_sha256(), NULL) != 1) {
		free(r);
		return NULL;
	}
	return r;
}

static void
consent_free_one(struct consent *c)
{
	size_t i;

	free(c->id);
	free(c->customer);
	for (i = 0; i < c->countries.n; i++)
		free(c->countries.v[i]);
	free(c->countries.v);
	for (i = 0; i < c->hosts.n; i++)
		free(c->hosts.v[i]);
	free(c->hosts.v);
	free(c->networks.v);
	free(c->ports.v);
	free(c->purpose);
	free(c->subprocessor);
	free(c->document);
	free(c->document_sha256);
	free(c->granted_by);
	free(c->signed_on);
	free(c->valid_from_s);
	free(c->expires_s);
	free(c->recorded_by);
	free(c->recorded_at);
	free(c->revoked_at);
	free(c->revoked_by);
	free(c->revoke_reason);
}

void
consent_register_free(struct consent_register *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++)
		consent_free_one(&r->v[i]);
	free(r->v);
	free(r->path);
	free(r);
}

bool
consent_active(const struct consent *c, int64_t t)
{
	return !c->revoked && c->valid_from <= t && t < c->expires;
}

/* n bytes of a and b equal, ignoring ASCII case. */
static bool
consent_caseeq(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (consent_lower(a[i]) != consent_lower(b[i]))
			return false;
	return true;
}

/* pat is lower case without a trailing dot; host is hlen bytes. */
static bool
consent_host_match(const char *pat, const char *host, size_t hlen)
{
	size_t plen = strlen(pat);

	if (pat[0] == '*' && pat[1] == '.') {
		/* Compare ".suffix": the label before it must be non-empty. */
		plen--;
		return hlen > plen &&
		    consent_caseeq(host + hlen - plen, pat + 1, plen);
	}
	return hlen == plen && consent_caseeq(host, pat, plen);
}

static bool
consent_covers(const struct consent *c, const struct ipaddr *dst,
    const char *host, uint16_t port)
{
	size_t i, hlen;

	if (c->networks.n > 0) {
		if (dst == NULL)
			return false;
		for (i = 0; i < c->networks.n; i++)
			if (ipprefix_contains(&c->networks.v[i], dst))
				break;
		if (i == c->networks.n)
			return false;
	}
	if (c->hosts.n > 0) {
		if (host == NULL)
			return false;
		hlen = strlen(host);
		if (hlen > 0 && host[hlen - 1] == '.')
			hlen--;
		for (i = 0; i < c->hosts.n; i++)
			if (consent_host_match(c->hosts.v[i], host, hlen))
				break;
		if (i == c->hosts.n)
			return false;
	}
	if (c->ports.n > 0 && port != 0) {	/* port 0: any port */
		for (i = 0; i < c->ports.n; i++)
			if (c->ports.v[i] == port)
				break;
		if (i == c->ports.n)
			return false;
	}
	return true;
}

size_t
consent_match(const struct consent_register *r, const char *customer,
    const char *cc, const struct ipaddr *dst, const char *host,
    uint16_t port, int64_t t, const struct consent **out, size_t max)
{
	const struct consent *c;
	size_t i, n = 0;

	if (r == NULL || customer == NULL || cc == NULL)
		return 0;
	for (i = 0; i < r->n; i++) {
		c = &r->v[i];
		if (strcmp(c->customer, customer) != 0 ||
		    !country_set_has(&c->country_set, cc) ||
		    !consent_active(c, t) ||
		    !consent_covers(c, dst, host, port))
			continue;
		if (out != NULL && n < max)
			out[n] = c;
		n++;
	}
	return n;
}
