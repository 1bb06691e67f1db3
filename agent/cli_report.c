/* eeaguard report: incidents, violations, consents and gaps from the events file, for legal and auditors. */
#include "agent/cli.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "agent/log.h"
#include "agent/report.h"
#include "rules/consent.h"
#include "rules/country.h"

#define USEC INT64_C(1000000)
#define HOUR_US (INT64_C(3600) * USEC)
#define DAY_US (INT64_C(86400) * USEC)
#define LINE_MAX_BYTES ((size_t)4 << 20)	/* longer lines are skipped */
#define READ_CHUNK ((size_t)256 << 10)
#define MALFORMED_SHOWN 50	/* stderr lines; the rest are counted */
#define LIST_SHOWN 5		/* destinations named per consent */
#define ROWS_SHOWN 50		/* rows of a "by" table in text and HTML */
#define CARDS_SHOWN 20		/* more incidents than this: one line each */
#define CHART_DAYS 92		/* more days than this: bars per month */

enum fmt { FMT_TEXT, FMT_JSON, FMT_HTML };
enum lang { LANG_EN, LANG_NL };

struct source {
	char *path;
	uint64_t lines, malformed;
	char *error;		/* a read error cut the file short */
};

struct rctx {
	struct config *cfg;
	const char *conf;	/* -c, or NULL */
	struct consent_register *reg;
	char reg_note[1024];	/* why there is no register */
	struct source *src;
	size_t nsrc;
	struct report *r;
	enum fmt fmt;
	enum lang lang;
	int64_t now, since, until;
	const char *customer;
	const char *incident;
	uint64_t shown;		/* malformed lines reported on stderr */
	bool read_error;
};

static noreturn void
oom(void)
{
	fprintf(stderr, "eeaguard: out of memory\n");
	exit(EXIT_RUNTIME);
}

/* ---- text safety ------------------------------------------------------- */

/*
 * Event strings come from the network (host names from SNI and DNS): for
 * a terminal, control characters become '?'. A ring of buffers lets one
 * printf take several. Long strings are cut.
 */
static const char *
T(const char *s)
{
	static char ring[8][2048];
	static unsigned next;
	char *b;
	size_t i;

	if (s == NULL)
		return "-";
	b = ring[next++ % 8];
	for (i = 0; i < sizeof(ring[0]) - 1 && s[i] != '\0'; i++)
		b[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' :
		    s[i];
	b[i] = '\0';
	return b;
}

/* HTML text: every event string goes through here. */
static void
H(FILE *o, const char *s)
{
	if (s == NULL) {
		fputs("&ndash;", o);
		return;
	}
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': fputs("&amp;", o); break;
		case '<': fputs("&lt;", o); break;
		case '>': fputs("&gt;", o); break;
		case '"': fputs("&quot;", o); break;
		case '\'': fputs("&#39;", o); break;
		default:
			if ((unsigned char)*s < 0x20 || *s == 0x7f)
				fputc('?', o);
			else
				fputc(*s, o);
		}
	}
}

static const char *
ts_s(int64_t t, char buf[REPORT_TS_LEN])
{
	return report_time_s(t, buf);
}

/* "2026-11-26 07:10:06 UTC", for a letter. */
static const char *
ts_letter(int64_t t, char buf[REPORT_TS_LEN])
{
	char *p;

	if (t == REPORT_TIME_NONE) {
		snprintf(buf, REPORT_TS_LEN, "?");
		return buf;
	}
	report_time_s(t, buf);
	if ((p = strchr(buf, 'T')) != NULL)
		*p = ' ';
	if ((p = strchr(buf, 'Z')) != NULL)
		snprintf(p, REPORT_TS_LEN - (size_t)(p - buf), " UTC");
	return buf;
}

/* 1200 -> "1,200" (en) or "1.200" (nl). */
static const char *
thousands(int64_t v, enum lang lang, char buf[32])
{
	char raw[32];
	size_t n, i, o = 0;

	snprintf(raw, sizeof(raw), "%lld", (long long)v);
	n = strlen(raw);
	for (i = 0; i < n; i++) {
		buf[o++] = raw[i];
		if (raw[i] != '-' && (n - i - 1) % 3 == 0 && i + 1 < n)
			buf[o++] = lang == LANG_NL ? '.' : ',';
	}
	buf[o] = '\0';
	return buf;
}

/* ---- countries ----------------------------------------------------------- */

static const char *
country_nl(const char *cc)
{
	static const char *const nl[][2] = {
		{ "AE", "Verenigde Arabische Emiraten" }, { "AR", "Argentinië" },
		{ "AU", "Australië" }, { "BR", "Brazilië" },
		{ "CA", "Canada" }, { "CH", "Zwitserland" }, { "CN", "China" },
		{ "GB", "Verenigd Koninkrijk" }, { "HK", "Hongkong" },
		{ "ID", "Indonesië" }, { "IL", "Israël" }, { "IN", "India" },
		{ "JP", "Japan" }, { "KR", "Zuid-Korea" }, { "MX", "Mexico" },
		{ "MY", "Maleisië" }, { "NZ", "Nieuw-Zeeland" },
		{ "PH", "Filipijnen" }, { "RS", "Servië" }, { "RU", "Rusland" },
		{ "SA", "Saoedi-Arabië" }, { "SG", "Singapore" },
		{ "SJ", "Spitsbergen en Jan Mayen" }, { "TH", "Thailand" },
		{ "TR", "Turkije" }, { "TW", "Taiwan" }, { "UA", "Oekraïne" },
		{ "US", "Verenigde Staten" }, { "VN", "Vietnam" },
		{ "ZA", "Zuid-Afrika" },
	};

	for (size_t i = 0; i < sizeof(nl) / sizeof(nl[0]); i++)
		if (strcmp(nl[i][0], cc) == 0)
			return nl[i][1];
	return NULL;
}

/* "United States (US)", "unknown (--), treated as outside the EEA", ... */
static const char *
country_phrase(const char *cc, enum lang lang, char *buf, size_t size)
{
	const char *name;

	if (cc == NULL || strcmp(cc, "--") == 0 || strcmp(cc, "??") == 0) {
		snprintf(buf, size, "%s", lang == LANG_NL ? "niet vast te "
		    "stellen, behandeld als buiten de EER" : "could not be "
		    "determined, treated as outside the EEA");
		return buf;
	}
	if (country_is_region(cc)) {
		snprintf(buf, size, lang == LANG_NL ? "alleen de regio %s, "
		    "geen land; behandeld als buiten de EER" : "only the "
		    "region %s, no country; treated as outside the EEA", T(cc));
		return buf;
	}
	name = lang == LANG_NL ? country_nl(cc) : NULL;
	if (name == NULL)
		name = country_name(cc);
	if (name == NULL)
		snprintf(buf, size, "%s", T(cc));
	else
		snprintf(buf, size, "%s, %s", name, T(cc));
	return buf;
}

/*
 * What a scope's data description suggests about the likely consequences:
 * careful sentences, only when a word in it says so. Legal reviews them.
 */
static void
notice_categories(const char *data, enum lang lang)
{
	static const struct {
		const char *words[8];
		const char *en, *nl;
	} kinds[] = {
		{ { "health", "medical", "sick", "illness", "diagnos", "patient",
		    NULL },
		  "The description indicates health data, a special category "
		  "of personal data (GDPR art. 9): the impact on data subjects "
		  "is likely to be higher.",
		  "De omschrijving wijst op gezondheidsgegevens, een bijzondere "
		  "categorie persoonsgegevens (AVG art. 9): de gevolgen voor "
		  "betrokkenen zijn daardoor waarschijnlijk groter." },
		{ { "bank", "iban", "salar", "payroll", "credit card",
		    "card number", "payment", NULL },
		  "The description indicates financial data: data subjects may "
		  "be exposed to fraud or financial loss.",
		  "De omschrijving wijst op financiële gegevens: betrokkenen "
		  "kunnen worden blootgesteld aan fraude of financiële schade." },
		{ { "passport", "bsn", "social security", "national id",
		    "identity card", "citizen service", NULL },
		  "The description indicates identity numbers or documents: "
		  "data subjects may be exposed to identity fraud.",
		  "De omschrijving wijst op identiteitsnummers of "
		  "-documenten: betrokkenen kunnen worden blootgesteld aan "
		  "identiteitsfraude." },
	};
	char low[1024];
	size_t i;

	if (data == NULL)
		return;
	for (i = 0; i < sizeof(low) - 1 && data[i] != '\0'; i++)
		low[i] = (char)(data[i] >= 'A' && data[i] <= 'Z' ?
		    data[i] - 'A' + 'a' : data[i]);
	low[i] = '\0';
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		for (size_t w = 0; kinds[k].words[w] != NULL; w++)
			if (strstr(low, kinds[k].words[w]) != NULL) {
				printf("%s\n", lang == LANG_NL ? kinds[k].nl :
				    kinds[k].en);
				break;
			}
}

/* ---- reading ------------------------------------------------------------ */

static void
feed(struct rctx *x, struct source *s, char *line, size_t len)
{
	const char *why, *detail;
	enum report_line rc;

	s->lines++;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	rc = report_add_line(x->r, line, len, s->path, s->lines, &why,
	    &detail);
	if (rc == REPORT_LINE_NOMEM)
		oom();
	if (rc != REPORT_LINE_BAD)
		return;
	s->malformed++;
	if (x->shown++ < MALFORMED_SHOWN)
		fprintf(stderr, "%s:%llu: %s — skipped%s%s%s\n", s->path,
		    (unsigned long long)s->lines, why, detail ? " (" : "",
		    detail ? detail : "", detail ? ")" : "");
}

static void
too_long(struct rctx *x, struct source *s)
{
	s->lines++;
	s->malformed++;
	x->r->lines++;
	x->r->malformed++;
	if (x->shown++ < MALFORMED_SHOWN)
		fprintf(stderr, "%s:%llu: not a JSON object — skipped (longer "
		    "than %zu bytes)\n", s->path, (unsigned long long)s->lines,
		    LINE_MAX_BYTES);
}

/*
 * Reads one events file, plain or gzip (zlib reads plain files as they
 * are), line by line. -1 when it cannot be opened.
 */
static int
read_source(struct rctx *x, struct source *s)
{
	size_t cap = READ_CHUNK, have = 0, start, i;
	bool skipping = false;
	gzFile gz;
	char *buf;
	int fd, n;

	fd = strcmp(s->path, "-") == 0 ? dup(STDIN_FILENO) :
	    open(s->path, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		fprintf(stderr, "eeaguard: cannot read the events file %s: "
		    "%s\n", s->path, strerror(errno));
		return -1;
	}
	if ((gz = gzdopen(fd, "rb")) == NULL) {
		close(fd);
		oom();
	}
	gzbuffer(gz, (unsigned)READ_CHUNK);
	if ((buf = malloc(cap)) == NULL)
		oom();
	for (;;) {
		if (have == cap) {
			if (cap >= LINE_MAX_BYTES) {
				/* One line fills the buffer: drop it. */
				too_long(x, s);
				skipping = true;
				have = 0;
			} else {
				char *nb = realloc(buf, cap * 2);

				if (nb == NULL)
					oom();
				buf = nb;
				cap *= 2;
			}
		}
		n = gzread(gz, buf + have, (unsigned)(cap - have));
		if (n < 0) {
			int zerr;
			const char *msg = gzerror(gz, &zerr);

			if ((s->error = strdup(zerr == Z_ERRNO ?
			    strerror(errno) : msg)) == NULL)
				oom();
			fprintf(stderr, "eeaguard: %s: cannot read past line "
			    "%llu: %s; the rest of the file is not in the "
			    "report\n", s->path, (unsigned long long)s->lines,
			    s->error);
			x->read_error = true;
			break;
		}
		if (n == 0)
			break;
		start = 0;
		for (i = have; i < have + (size_t)n; i++) {
			char *nl = memchr(buf + i, '\n', have + (size_t)n - i);

			if (nl == NULL)
				break;
			i = (size_t)(nl - buf);
			if (skipping)
				skipping = false;
			else
				feed(x, s, buf + start, i - start);
			start = i + 1;
		}
		have += (size_t)n;
		if (start > 0) {
			memmove(buf, buf + start, have - start);
			have -= start;
		}
	}
	/* A last line without its newline (a crash mid-write) still counts. */
	if (have > 0 && !skipping && s->error == NULL)
		feed(x, s, buf, have);
	free(buf);
	gzclose(gz);
	return 0;
}

/* A file logrotate made of the events file: FILE.N[.gz] or FILE-DATE[.gz]. */
struct rotated {
	bool dated;		/* dateext: FILE-20261126 */
	unsigned long n;	/* FILE.N */
	char date[32];		/* the digits of FILE-DATE */
	bool gz;
	char *path;
};

/* The oldest first: FILE.N by falling N, then FILE-DATE by date. */
static int
rot_cmp(const void *a, const void *b)
{
	const struct rotated *x = a, *y = b;
	int c;

	if (x->dated != y->dated)
		return x->dated ? 1 : -1;
	if (!x->dated && x->n != y->n)
		return x->n > y->n ? -1 : 1;
	if (x->dated && strlen(x->date) != strlen(y->date))
		return strlen(x->date) < strlen(y->date) ? -1 : 1;
	if (x->dated && (c = strcmp(x->date, y->date)) != 0)
		return c;
	return x->gz - y->gz;	/* plain before .gz */
}

static bool
rot_same(const struct rotated *x, const struct rotated *y)
{
	return x->dated == y->dated && x->n == y->n &&
	    strcmp(x->date, y->date) == 0;
}

static void
add_source(struct rctx *x, const char *path)
{
	struct source *v = realloc(x->src, (x->nsrc + 1) * sizeof(*v));

	if (v == NULL)
		oom();
	x->src = v;
	memset(&v[x->nsrc], 0, sizeof(v[0]));
	if ((v[x->nsrc].path = strdup(path)) == NULL)
		oom();
	x->nsrc++;
}

/* Whether name is base.N, base.N.gz, base-DIGITS or base-DIGITS.gz. */
static bool
rot_parse(const char *name, const char *base, size_t blen,
    struct rotated *r)
{
	const char *p = name + blen, *q;
	size_t nd;

	memset(r, 0, sizeof(*r));
	if (strncmp(name, base, blen) != 0 || (*p != '.' && *p != '-'))
		return false;
	r->dated = *p++ == '-';
	for (q = p; *q >= '0' && *q <= '9'; q++)
		;
	nd = (size_t)(q - p);
	if (nd == 0 || nd >= sizeof(r->date) || (!r->dated && *p == '0'))
		return false;
	r->gz = strcmp(q, ".gz") == 0;
	if (*q != '\0' && !r->gz)
		return false;
	if (r->dated)
		memcpy(r->date, p, nd);
	else
		r->n = strtoul(p, NULL, 10);
	return true;
}

/*
 * The configured events file and what logrotate left of it, oldest first:
 * FILE.N and FILE.N.gz (highest N first), or with dateext FILE-YYYYMMDD
 * and FILE-YYYYMMDD.gz (earliest first), then FILE itself. Where both a
 * plain and a .gz copy exist (compression in progress) the plain one is
 * read.
 */
static void
add_rotated(struct rctx *x, const char *path)
{
	char dir[4096], *slash;
	const char *base;
	struct rotated *v = NULL, r;
	size_t n = 0, blen;
	struct dirent *de;
	DIR *dp;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		base = path + (slash - dir) + 1;
		if (dir[0] == '\0')
			snprintf(dir, sizeof(dir), "/");
	} else {
		snprintf(dir, sizeof(dir), ".");
		base = path;
	}
	blen = strlen(base);
	if ((dp = opendir(dir)) != NULL) {
		while ((de = readdir(dp)) != NULL) {
			if (!rot_parse(de->d_name, base, blen, &r))
				continue;
			/* cppcheck-suppress memleakOnRealloc ; oom() exits */
			if ((v = realloc(v, (n + 1) * sizeof(*v))) == NULL)
				oom();
			if (slash == NULL)
				r.path = strdup(de->d_name);
			else if (asprintf(&r.path, "%s/%s", strcmp(dir, "/") ?
			    dir : "", de->d_name) == -1)
				r.path = NULL;
			if (r.path == NULL)
				oom();
			v[n++] = r;
		}
		closedir(dp);
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), rot_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || !rot_same(&v[i], &v[i - 1]))
			add_source(x, v[i].path);
		free(v[i].path);
	}
	free(v);
	/* Just rotated and not yet written again: the siblings are all. */
	if (n == 0 || access(path, F_OK) == 0 || errno != ENOENT)
		add_source(x, path);
}

/* ---- the register ---------------------------------------------------------- */

static void
load_register(struct rctx *x)
{
	struct errlist errs = { 0 };
	const char *path;

	if (x->cfg->path == NULL) {
		snprintf(x->reg_note, sizeof(x->reg_note), "no configuration "
		    "file (give -c CONF): the consent register is not read");
		return;
	}
	path = x->cfg->consent.register_path;
	if (path == NULL || path[0] == '\0') {
		snprintf(x->reg_note, sizeof(x->reg_note), "%s names no "
		    "consent register", x->cfg->path);
		return;
	}
	x->reg = consent_load(path, &x->cfg->policy.eea, &errs);
	if (x->reg == NULL) {
		snprintf(x->reg_note, sizeof(x->reg_note), "the consent "
		    "register could not be read: %s%s", errs.n > 0 ?
		    errs.msg[0] : path, errs.n > 1 ? " (and more errors; "
		    "eeaguard check says which)" : "");
		errlist_clear(&errs);
	}
}

/* ---- shared wording ---------------------------------------------------------- */

/* "OVERDUE by 3h" or "due in 20h 5m". */
static const char *
deadline(const struct rctx *x, const struct report_incident *i, char *buf,
    size_t size)
{
	char d[REPORT_DUR_LEN];
	int64_t left = i->notify_by - x->now;

	if (left <= 0)
		snprintf(buf, size, x->lang == LANG_NL ? "TE LAAT met %s" :
		    "OVERDUE by %s", report_duration(-left, d));
	else
		snprintf(buf, size, x->lang == LANG_NL ? "nog %s" :
		    "due in %s", report_duration(left, d));
	return buf;
}

static const char *
customers_of(const struct report_incident *i, char *buf, size_t size)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t k = 0; k < i->n_customers && o < size; k++)
		o += (size_t)snprintf(buf + o, size - o, "%s%s", k ? ", " : "",
		    i->customers[k]);
	return buf;
}

static const char *
dest_text(const struct report_dest *d, char *buf, size_t size)
{
	char port[32] = "";

	if (d->dport >= 0)
		snprintf(port, sizeof(port), ":%lld", (long long)d->dport);
	if (d->dst != NULL && strchr(d->dst, ':') != NULL && port[0])
		snprintf(buf, size, "[%s]%s %s%s%s", T(d->dst), port,
		    d->country ? T(d->country) : "--", d->host ? " " : "",
		    d->host ? T(d->host) : " (host unknown)");
	else
		snprintf(buf, size, "%s%s %s%s%s", T(d->dst), port,
		    d->country ? T(d->country) : "--", d->host ? " " : "",
		    d->host ? T(d->host) : " (host unknown)");
	return buf;
}

/* ---- text ------------------------------------------------------------------------ */

static void
text_header(const struct rctx *x)
{
	const struct report *r = x->r;
	char a[REPORT_TS_LEN], b[REPORT_TS_LEN];

	printf("eeaguard report: evidence of data-residency enforcement\n");
	printf("  generated   %s\n", ts_s(x->now, a));
	if (x->since == REPORT_TIME_NONE && x->until == REPORT_TIME_NONE)
		printf("  period      all events in the files\n");
	else
		printf("  period      %s to %s\n", x->since == REPORT_TIME_NONE ?
		    "the first event" : ts_s(x->since, a),
		    x->until == REPORT_TIME_NONE ? "the last event" :
		    ts_s(x->until, b));
	printf("  customer    %s\n", x->customer ? T(x->customer) :
	    "all customers");
	for (size_t i = 0; i < x->nsrc; i++) {
		const struct source *s = &x->src[i];

		printf("  %-11s %s: %llu lines", i == 0 ? "events" : "",
		    T(s->path), (unsigned long long)s->lines);
		if (s->malformed > 0)
			printf(", %llu malformed (skipped)",
			    (unsigned long long)s->malformed);
		if (s->error != NULL)
			printf(", INCOMPLETE: %s", T(s->error));
		printf("\n");
	}
	printf("  read        %llu lines: %llu used, %llu outside the period "
	    "or customer, %llu malformed, %llu blank\n",
	    (unsigned long long)r->lines, (unsigned long long)r->used,
	    (unsigned long long)r->filtered, (unsigned long long)r->malformed,
	    (unsigned long long)r->blank);
	for (size_t i = 0; i < r->policies.n; i++)
		printf("  %-11s %s: %llu decisions, %s to %s\n", i == 0 ?
		    "policy" : "", T(r->policies.v[i].key),
		    (unsigned long long)r->policies.v[i].count,
		    ts_s(r->policies.v[i].first, a),
		    ts_s(r->policies.v[i].last, b));
	for (size_t i = 0; i < r->geodbs.n; i++)
		printf("  %-11s %s: %llu decisions, %s to %s\n", i == 0 ?
		    "geodb" : "", T(r->geodbs.v[i].key),
		    (unsigned long long)r->geodbs.v[i].count,
		    ts_s(r->geodbs.v[i].first, a), ts_s(r->geodbs.v[i].last, b));
}

static void
text_incidents(const struct rctx *x)
{
	const struct report *r = x->r;
	char a[REPORT_TS_LEN], b[REPORT_TS_LEN], dl[64], dt[1024], cs[1024];
	size_t overdue = 0;

	for (size_t i = 0; i < r->n_inc; i++)
		overdue += r->inc[i].notify_by <= x->now;
	printf("\nINCIDENTS: data left the host (customer notice due %d h "
	    "after discovery)\n", REPORT_NOTIFY_HOURS);
	if (r->n_inc == 0) {
		printf("  none: no incident event in the period\n");
		return;
	}
	printf("  %zu incident%s, %zu OVERDUE; eeaguard does not record "
	    "whether notice was sent\n", r->n_inc, r->n_inc == 1 ? "" : "s",
	    overdue);
	for (size_t k = 0; k < r->n_inc && r->n_inc > CARDS_SHOWN; k++) {
		const struct report_incident *i = &r->inc[k];

		printf("  %-18s %s  customer %s, notify by %s, to %s, %s\n",
		    deadline(x, i, dl, sizeof(dl)), T(i->id), T(i->customer),
		    ts_s(i->notify_by, a), i->n_dests ? dest_text(&i->dests[0],
		    dt, sizeof(dt)) : "?", i->blocked_at != REPORT_TIME_NONE ?
		    "blocked" : "not blocked");
	}
	for (size_t k = 0; k < r->n_inc && r->n_inc <= CARDS_SHOWN; k++) {
		const struct report_incident *i = &r->inc[k];

		printf("  %-18s %s  customer %s\n", deadline(x, i, dl,
		    sizeof(dl)), T(i->id), T(i->customer));
		printf("      discovered %s, notify by %s\n",
		    ts_s(i->discovered_at, a), ts_s(i->notify_by, b));
		printf("      scope %s%s%s%s: %s; data subjects: %s\n",
		    T(i->scope), i->n_customers ? " (customers " : "",
		    i->n_customers ? T(customers_of(i, cs, sizeof(cs))) : "",
		    i->n_customers ? ")" : "",
		    i->data ? T(i->data) : "data not described",
		    i->subjects >= 0 ? thousands(i->subjects, LANG_EN, dl) :
		    "unknown");
		for (size_t d = 0; d < i->n_dests; d++)
			printf("      to %s, %s\n", dest_text(&i->dests[d], dt,
			    sizeof(dt)), T(i->proto));
		printf("      sent ");
		if (i->bytes_sent >= 0)
			printf("%lld bytes", (long long)i->bytes_sent);
		else
			printf("an unknown number of bytes");
		if (i->packets_sent >= 0)
			printf(" in %lld packets", (long long)i->packets_sent);
		printf(", first %s, last %s\n", ts_s(i->first_seen, a),
		    ts_s(i->last_seen, b));
		if (i->comm != NULL || i->uid >= 0 || i->exe != NULL)
			printf("      process %s (uid %lld, pid %lld, %s)\n",
			    T(i->comm), (long long)i->uid, (long long)i->pid,
			    T(i->exe));
		else
			printf("      process unknown\n");
		if (i->blocked_at != REPORT_TIME_NONE)
			printf("      measures: blocked at %s\n",
			    ts_s(i->blocked_at, a));
		else
			printf("      measures: %s, not blocked\n",
			    i->action ? T(i->action) : "none recorded");
	}
	printf("  a draft notice for one: eeaguard report --incident ID "
	    "[--lang nl]\n");
}

static void
text_table(const struct report_table *t, const char *what, bool country)
{
	char a[REPORT_TS_LEN], b[REPORT_TS_LEN];

	printf("  by %s\n", what);
	printf("    %7s %7s %9s  %-20s  %-20s  %s%s\n", "COUNT", "BLOCKED",
	    "INCIDENTS", "FIRST SEEN", "LAST SEEN", country ? "CC  " : "",
	    what[0] == 'd' && what[1] == 'e' ? "DESTINATION" :
	    what[0] == 'c' && what[1] == 'u' ? "CUSTOMER" :
	    what[0] == 'c' ? "COUNTRY" : what[0] == 'p' ? "PROCESS" : "DAY");
	for (size_t i = 0; i < t->n && i < ROWS_SHOWN; i++) {
		const struct report_group *g = &t->v[i];

		printf("    %7llu %7llu %9llu  %-20s  %-20s  ",
		    (unsigned long long)g->count,
		    (unsigned long long)g->blocked,
		    (unsigned long long)g->incidents, ts_s(g->first, a),
		    ts_s(g->last, b));
		if (country)
			printf("%-3s ", g->extra ? T(g->extra) : "--");
		printf("%s\n", T(g->key));
	}
	if (t->n > ROWS_SHOWN)
		printf("    ... and %zu more rows (--format json lists every "
		    "row)\n", t->n - ROWS_SHOWN);
}

static void
text_violations(const struct rctx *x)
{
	const struct report *r = x->r;
	char a[REPORT_TS_LEN], b[REPORT_TS_LEN];

	printf("\nVIOLATIONS: transfers outside the EEA without consent "
	    "(violation, unscoped and blocked events)\n");
	if (r->violations == 0) {
		printf("  none in the period\n");
		return;
	}
	printf("  %llu (%llu blocked, %llu alerted only), %s to %s\n",
	    (unsigned long long)r->violations,
	    (unsigned long long)r->violations_blocked,
	    (unsigned long long)(r->violations - r->violations_blocked),
	    ts_s(r->vfirst, a), ts_s(r->vlast, b));
	printf("  INCIDENTS counts the incidents (data that left) in each row; "
	    "0 means every attempt\n  there was blocked before any data "
	    "left, or no incident was recorded\n");
	text_table(&r->by[REPORT_BY_CUSTOMER], "customer", false);
	text_table(&r->by[REPORT_BY_COUNTRY], "country", false);
	text_table(&r->by[REPORT_BY_DESTINATION], "destination", true);
	text_table(&r->by[REPORT_BY_PROCESS], "process", false);
}

static const char *
use_status(const struct rctx *x, const struct report_consent_use *u,
    char *buf, size_t size)
{
	if (x->reg == NULL)
		snprintf(buf, size, "not checked: %s", x->reg_note);
	else if (!u->in_register)
		snprintf(buf, size, "NOT IN THE REGISTER: no consent %s is "
		    "recorded", T(u->id));
	else if (u->outside_terms > 0)
		snprintf(buf, size, "%llu OUTSIDE THE CONSENT'S TERMS, e.g. "
		    "%s", (unsigned long long)u->outside_terms, T(u->note));
	else
		snprintf(buf, size, "every transfer within the consent's "
		    "terms (customer, countries, networks, hosts, ports, "
		    "validity)");
	return buf;
}

static void
text_consents(const struct rctx *x)
{
	const struct report *r = x->r;
	char a[REPORT_TS_LEN], b[REPORT_TS_LEN], st[2048];

	printf("\nCONSENTS USED: transfers outside the EEA allowed by consent "
	    "(consent_transfer events)\n");
	if (r->n_uses == 0) {
		printf("  none in the period\n");
		return;
	}
	for (size_t k = 0; k < r->n_uses; k++) {
		const struct report_consent_use *u = &r->uses[k];

		printf("  %s: %llu transfer%s, %s to %s\n", T(u->id),
		    (unsigned long long)u->transfers, u->transfers == 1 ? "" :
		    "s", ts_s(u->first, a), ts_s(u->last, b));
		printf("      customers");
		for (size_t i = 0; i < u->customers.n; i++)
			printf("%s%s", i ? ", " : " ", T(u->customers.v[i].key));
		printf("; countries");
		for (size_t i = 0; i < u->countries.n; i++)
			printf("%s%s", i ? ", " : " ", T(u->countries.v[i].key));
		printf("; %zu destination%s:", u->destinations.n,
		    u->destinations.n == 1 ? "" : "s");
		for (size_t i = 0; i < u->destinations.n && i < LIST_SHOWN; i++)
			printf("%s%s (%llu)", i ? ", " : " ",
			    T(u->destinations.v[i].key),
			    (unsigned long long)u->destinations.v[i].count);
		if (u->destinations.n > LIST_SHOWN)
			printf(" and %zu more", u->destinations.n - LIST_SHOWN);
		printf("\n      register: %s\n", use_status(x, u, st,
		    sizeof(st)));
	}
}

static void
text_expiring(const struct rctx *x, const struct consent **exp, size_t n)
{
	char a[REPORT_TS_LEN], d[REPORT_DUR_LEN];

	printf("\nCONSENTS EXPIRING within %d days of %s\n",
	    REPORT_EXPIRING_DAYS, ts_s(x->now, a));
	if (x->reg == NULL) {
		printf("  not checked: %s\n", x->reg_note);
		return;
	}
	printf("  register %s\n", T(x->reg->path));
	if (n == 0) {
		printf("  none\n");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct consent *c = exp[i];

		printf("  %s  customer %s, expires %s (in %s), countries",
		    T(c->id), T(c->customer), ts_s(c->expires * USEC, a),
		    report_duration(c->expires * USEC - x->now, d));
		for (size_t k = 0; k < c->countries.n; k++)
			printf("%s%s", k ? ", " : " ", T(c->countries.v[k]));
		printf("; %s; document %s\n", T(c->purpose), T(c->document));
	}
}

static void
text_gaps(const struct rctx *x)
{
	const struct report *r = x->r;
	char a[REPORT_TS_LEN], b[REPORT_TS_LEN], d[REPORT_DUR_LEN];

	printf("\nGAPS: when the agent was not watching, or was impaired\n");
	if (r->n_gaps == 0) {
		printf("  none recorded\n");
		return;
	}
	for (size_t i = 0; i < r->n_gaps; i++) {
		const struct report_gap *g = &r->gaps[i];

		if (strcmp(g->kind, "stopped") == 0 ||
		    strcmp(g->kind, "unclean") == 0) {
			if (g->to == REPORT_TIME_NONE)
				printf("  %s to now (%s, still open)  %s: %s\n",
				    ts_s(g->from, a), report_duration(x->now -
				    g->from, d), g->kind, T(g->detail));
			else
				printf("  %s to %s (%s)  %s: %s\n",
				    ts_s(g->from, a), ts_s(g->to, b),
				    report_duration(g->to - g->from, d),
				    g->kind, T(g->detail));
			continue;
		}
		if (g->count == 1)
			printf("  %s  %s: %s", ts_s(g->from, a), g->kind,
			    T(g->detail));
		else
			printf("  %s to %s (%llu times)  %s: %s",
			    ts_s(g->from, a), ts_s(g->to, b),
			    (unsigned long long)g->count, g->kind, T(g->detail));
		if (g->max_age_days >= 0)
			printf(" (up to %lld days old)",
			    (long long)g->max_age_days);
		printf("\n");
	}
}

static void
text_totals(const struct rctx *x)
{
	const struct report *r = x->r;

	printf("\nTOTALS\n  decisions by verdict (occurrences: a line with "
	    "\"suppressed\": N counts N + 1)\n");
	if (r->verdicts.n == 0)
		printf("    none\n");
	for (size_t i = 0; i < r->verdicts.n; i++)
		printf("    %9llu  %s\n",
		    (unsigned long long)r->verdicts.v[i].count,
		    T(r->verdicts.v[i].key));
	printf("  lines by event\n");
	for (size_t i = 0; i < r->events.n; i++)
		printf("    %9llu  %s\n", (unsigned long long)r->events.v[i].count,
		    T(r->events.v[i].key));
	if (r->revised > 0 || r->revise_orphans > 0)
		printf("  %llu decision%s revised by a later event and counted "
		    "under the final verdict; %llu revision%s without the "
		    "decision it revises\n", (unsigned long long)r->revised,
		    r->revised == 1 ? "" : "s",
		    (unsigned long long)r->revise_orphans,
		    r->revise_orphans == 1 ? "" : "s");
}

/* ---- JSON ------------------------------------------------------------------------ */

static struct json_object *
jtime(int64_t t)
{
	char b[REPORT_TS_LEN];

	return t == REPORT_TIME_NONE ? NULL :
	    json_object_new_string(report_time_us(t, b));
}

static void
jadd(struct json_object *o, const char *key, struct json_object *v)
{
	json_object_object_add(o, key, v);
}

static struct json_object *
jstr(const char *s)
{
	return s == NULL ? NULL : json_object_new_string(s);
}

static struct json_object *
jint(int64_t v)
{
	return json_object_new_int64(v);
}

static struct json_object *
jint_null(int64_t v)
{
	return v < 0 ? NULL : json_object_new_int64(v);
}

static struct json_object *
json_table(const struct report_table *t, const char *key, bool country)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < t->n; i++) {
		const struct report_group *g = &t->v[i];
		struct json_object *o = json_object_new_object();

		jadd(o, key, jstr(g->key));
		if (country)
			jadd(o, "country", jstr(g->extra));
		jadd(o, "count", jint((int64_t)g->count));
		jadd(o, "blocked", jint((int64_t)g->blocked));
		jadd(o, "incidents", jint((int64_t)g->incidents));
		jadd(o, "first_seen", jtime(g->first));
		jadd(o, "last_seen", jtime(g->last));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *
json_keys(const struct report_table *t)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < t->n; i++)
		json_object_array_add(a, jstr(t->v[i].key));
	return a;
}

static struct json_object *
json_incident(const struct rctx *x, const struct report_incident *i)
{
	struct json_object *o = json_object_new_object(), *a, *p, *m;

	jadd(o, "incident", jstr(i->id));
	jadd(o, "status", jstr(i->notify_by <= x->now ? "overdue" : "due"));
	jadd(o, "seconds_left", jint((i->notify_by - x->now) / USEC));
	jadd(o, "discovered_at", jtime(i->discovered_at));
	jadd(o, "notify_customer_by", jtime(i->notify_by));
	jadd(o, "customer", jstr(i->customer));
	a = json_object_new_array();
	for (size_t k = 0; k < i->n_customers; k++)
		json_object_array_add(a, jstr(i->customers[k]));
	jadd(o, "customers", a);
	jadd(o, "scope", jstr(i->scope));
	jadd(o, "data", jstr(i->data));
	jadd(o, "subjects", jint_null(i->subjects));
	a = json_object_new_array();
	for (size_t k = 0; k < i->n_dests; k++) {
		struct json_object *d = json_object_new_object();

		jadd(d, "dst", jstr(i->dests[k].dst));
		jadd(d, "dport", jint_null(i->dests[k].dport));
		jadd(d, "country", jstr(i->dests[k].country));
		jadd(d, "host", jstr(i->dests[k].host));
		json_object_array_add(a, d);
	}
	jadd(o, "destinations", a);
	jadd(o, "proto", jstr(i->proto));
	p = json_object_new_object();
	jadd(p, "uid", jint_null(i->uid));
	jadd(p, "pid", jint_null(i->pid));
	jadd(p, "comm", jstr(i->comm));
	jadd(p, "exe", jstr(i->exe));
	jadd(p, "cgroup", jstr(i->cgroup));
	jadd(o, "process", p);
	jadd(o, "bytes_sent", jint_null(i->bytes_sent));
	jadd(o, "packets_sent", jint_null(i->packets_sent));
	jadd(o, "first_seen", jtime(i->first_seen));
	jadd(o, "last_seen", jtime(i->last_seen));
	m = json_object_new_object();
	jadd(m, "action", jstr(i->action));
	jadd(m, "blocked_at", jtime(i->blocked_at));
	jadd(o, "measures", m);
	jadd(o, "verdict", jstr(i->verdict));
	jadd(o, "reason", jstr(i->reason));
	jadd(o, "geodb", jstr(i->geodb));
	jadd(o, "policy", jstr(i->policy));
	jadd(o, "source", jstr(i->source));
	jadd(o, "lines", jint((int64_t)i->lines));
	return o;
}

static struct json_object *
json_report(const struct rctx *x, const struct consent **exp, size_t nexp)
{
	const struct report *r = x->r;
	struct json_object *root = json_object_new_object(), *o, *a, *v;

	o = json_object_new_object();
	jadd(o, "generated_at", jtime(x->now));
	jadd(o, "since", jtime(x->since));
	jadd(o, "until", jtime(x->until));
	jadd(o, "customer", jstr(x->customer));
	a = json_object_new_array();
	for (size_t i = 0; i < x->nsrc; i++) {
		v = json_object_new_object();
		jadd(v, "file", jstr(x->src[i].path));
		jadd(v, "lines", jint((int64_t)x->src[i].lines));
		jadd(v, "malformed", jint((int64_t)x->src[i].malformed));
		jadd(v, "error", jstr(x->src[i].error));
		json_object_array_add(a, v);
	}
	jadd(o, "sources", a);
	jadd(o, "lines", jint((int64_t)r->lines));
	jadd(o, "used", jint((int64_t)r->used));
	jadd(o, "filtered", jint((int64_t)r->filtered));
	jadd(o, "malformed", jint((int64_t)r->malformed));
	jadd(o, "blank", jint((int64_t)r->blank));
	jadd(o, "revised", jint((int64_t)r->revised));
	jadd(o, "revise_orphans", jint((int64_t)r->revise_orphans));
	jadd(root, "report", o);

	o = json_object_new_object();
	a = json_object_new_array();
	for (size_t i = 0; i < r->policies.n; i++) {
		v = json_object_new_object();
		jadd(v, "policy", jstr(r->policies.v[i].key));
		jadd(v, "decisions", jint((int64_t)r->policies.v[i].count));
		jadd(v, "first_seen", jtime(r->policies.v[i].first));
		jadd(v, "last_seen", jtime(r->policies.v[i].last));
		json_object_array_add(a, v);
	}
	jadd(o, "policies", a);
	a = json_object_new_array();
	for (size_t i = 0; i < r->geodbs.n; i++) {
		v = json_object_new_object();
		jadd(v, "geodb", jstr(r->geodbs.v[i].key));
		jadd(v, "decisions", jint((int64_t)r->geodbs.v[i].count));
		jadd(v, "first_seen", jtime(r->geodbs.v[i].first));
		jadd(v, "last_seen", jtime(r->geodbs.v[i].last));
		json_object_array_add(a, v);
	}
	jadd(o, "geodbs", a);
	jadd(root, "evidence", o);

	a = json_object_new_array();
	for (size_t i = 0; i < r->n_inc; i++)
		json_object_array_add(a, json_incident(x, &r->inc[i]));
	jadd(root, "incidents", a);

	o = json_object_new_object();
	jadd(o, "total", jint((int64_t)r->violations));
	jadd(o, "blocked", jint((int64_t)r->violations_blocked));
	jadd(o, "first_seen", jtime(r->vfirst));
	jadd(o, "last_seen", jtime(r->vlast));
	jadd(o, "by_customer", json_table(&r->by[REPORT_BY_CUSTOMER],
	    "customer", false));
	jadd(o, "by_country", json_table(&r->by[REPORT_BY_COUNTRY], "country",
	    false));
	jadd(o, "by_destination", json_table(&r->by[REPORT_BY_DESTINATION],
	    "destination", true));
	jadd(o, "by_process", json_table(&r->by[REPORT_BY_PROCESS], "process",
	    false));
	jadd(o, "by_day", json_table(&r->by[REPORT_BY_DAY], "day", false));
	jadd(root, "violations", o);

	a = json_object_new_array();
	for (size_t i = 0; i < r->n_uses; i++) {
		const struct report_consent_use *u = &r->uses[i];

		v = json_object_new_object();
		jadd(v, "consent", jstr(u->id));
		jadd(v, "transfers", jint((int64_t)u->transfers));
		jadd(v, "first_seen", jtime(u->first));
		jadd(v, "last_seen", jtime(u->last));
		jadd(v, "customers", json_keys(&u->customers));
		jadd(v, "countries", json_keys(&u->countries));
		jadd(v, "destinations", json_table(&u->destinations,
		    "destination", false));
		jadd(v, "register", jstr(x->reg == NULL ? "not_checked" :
		    !u->in_register ? "not_in_register" : u->outside_terms > 0 ?
		    "outside_terms" : "within_terms"));
		jadd(v, "outside_terms", x->reg == NULL ? NULL :
		    jint((int64_t)u->outside_terms));
		jadd(v, "note", jstr(u->note));
		json_object_array_add(a, v);
	}
	jadd(root, "consents_used", a);

	o = json_object_new_object();
	jadd(o, "checked", json_object_new_boolean(x->reg != NULL));
	jadd(o, "note", jstr(x->reg == NULL ? x->reg_note : NULL));
	jadd(o, "register", jstr(x->reg ? x->reg->path : NULL));
	jadd(o, "within_days", jint(REPORT_EXPIRING_DAYS));
	a = json_object_new_array();
	for (size_t i = 0; i < nexp; i++) {
		const struct consent *c = exp[i];
		struct json_object *cc = json_object_new_array();

		v = json_object_new_object();
		jadd(v, "consent", jstr(c->id));
		jadd(v, "customer", jstr(c->customer));
		for (size_t k = 0; k < c->countries.n; k++)
			json_object_array_add(cc, jstr(c->countries.v[k]));
		jadd(v, "countries", cc);
		jadd(v, "expires", jtime(c->expires * USEC));
		jadd(v, "seconds_left", jint(c->expires - x->now / USEC));
		jadd(v, "purpose", jstr(c->purpose));
		jadd(v, "document", jstr(c->document));
		json_object_array_add(a, v);
	}
	jadd(o, "consents", a);
	jadd(root, "consents_expiring", o);

	a = json_object_new_array();
	for (size_t i = 0; i < r->n_gaps; i++) {
		const struct report_gap *g = &r->gaps[i];
		bool interval = strcmp(g->kind, "stopped") == 0 ||
		    strcmp(g->kind, "unclean") == 0;

		v = json_object_new_object();
		jadd(v, "kind", jstr(g->kind));
		jadd(v, "from", jtime(g->from));
		jadd(v, "to", jtime(g->to));
		jadd(v, "seconds", interval && g->to != REPORT_TIME_NONE ?
		    jint((g->to - g->from) / USEC) : NULL);
		jadd(v, "count", jint((int64_t)g->count));
		jadd(v, "detail", jstr(g->detail));
		if (g->max_age_days >= 0)
			jadd(v, "max_age_days", jint(g->max_age_days));
		json_object_array_add(a, v);
	}
	jadd(root, "gaps", a);

	o = json_object_new_object();
	v = json_object_new_object();
	for (size_t i = 0; i < r->verdicts.n; i++)
		jadd(v, r->verdicts.v[i].key, jint((int64_t)
		    r->verdicts.v[i].count));
	jadd(o, "by_verdict", v);
	v = json_object_new_object();
	for (size_t i = 0; i < r->events.n; i++)
		jadd(v, r->events.v[i].key, jint((int64_t)r->events.v[i].count));
	jadd(o, "by_event", v);
	jadd(root, "totals", o);
	return root;
}

static int
print_json(struct json_object *o)
{
	const char *s = json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);

	if (s == NULL)
		oom();
	printf("%s\n", s);
	json_object_put(o);
	return 0;
}

/* ---- HTML ------------------------------------------------------------------------ */

static const char html_style[] =
"body{margin:0;background:#eef1f4;color:#1d2733;"
"font:14px/1.5 'DejaVu Sans','Segoe UI',Roboto,Helvetica,Arial,sans-serif}"
"main{max-width:1120px;margin:0 auto;background:#fff;padding:28px 40px 48px;"
"box-shadow:0 0 12px rgba(0,0,0,.08)}"
"header{border-bottom:3px solid #1f3a5f;padding-bottom:12px;margin-bottom:8px}"
"h1{font-size:24px;margin:0;color:#1f3a5f}"
".sub{color:#52606d;margin-top:2px}"
"h2{font-size:18px;color:#1f3a5f;border-bottom:1px solid #cbd2d9;"
"padding-bottom:4px;margin:32px 0 10px}"
"h3{font-size:14px;margin:18px 0 6px;color:#334e68}"
"table{border-collapse:collapse;width:100%;margin:6px 0 10px}"
"th,td{padding:5px 8px;border-bottom:1px solid #e4e7eb;text-align:left;"
"vertical-align:top}"
"th{background:#f0f4f8;font-weight:600;color:#334e68;font-size:12px;"
"text-transform:uppercase;letter-spacing:.03em}"
"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
"td.t{white-space:nowrap;font-variant-numeric:tabular-nums;color:#3e4c59}"
"td.id{white-space:nowrap;font-weight:600}"
"table.meta td:first-child{width:150px;color:#52606d}"
"table.meta td{border:0;padding:2px 8px}"
".cards{display:flex;gap:12px;margin:18px 0 6px;flex-wrap:wrap}"
".card{flex:1;min-width:150px;border:1px solid #d9e2ec;border-radius:6px;"
"padding:10px 14px;background:#f8fafc}"
".card .v{font-size:26px;font-weight:700;color:#1f3a5f}"
".card .l{font-size:12px;color:#52606d;text-transform:uppercase;"
"letter-spacing:.03em}"
".card.bad{border-color:#e12d39;background:#fff5f5}.card.bad .v{color:#c00}"
".card.ok .v{color:#2f8132}"
".badge{display:inline-block;padding:1px 8px;border-radius:10px;"
"font-size:12px;font-weight:700;white-space:nowrap}"
".overdue{background:#c00;color:#fff}.due{background:#f7c948;color:#513c06}"
".ok{color:#2f8132}.warn{color:#b44d12;font-weight:600}"
".muted{color:#7b8794}"
".note{background:#f0f4f8;border-left:4px solid #9fb3c8;padding:8px 12px;"
"margin:8px 0;color:#334e68}"
".inc{border:1px solid #e4e7eb;border-left:5px solid #c00;border-radius:4px;"
"padding:8px 14px;margin:10px 0}.inc.soon{border-left-color:#f0b429}"
".inc h3{margin:2px 0 6px}.inc table td{border:0;padding:1px 8px}"
".inc table td:first-child{width:150px;color:#52606d}"
".charts{display:flex;gap:24px;flex-wrap:wrap}.chart{flex:1;min-width:420px}"
"svg text{font:11px 'DejaVu Sans',Arial,sans-serif;fill:#3e4c59}"
"code{font:12px 'DejaVu Sans Mono',monospace;background:#f0f4f8;padding:0 3px}"
"footer{margin-top:36px;color:#7b8794;font-size:12px;"
"border-top:1px solid #e4e7eb;padding-top:8px}"
"@media print{body{background:#fff}main{box-shadow:none;padding:0}"
".inc,table{break-inside:avoid}}";

/* A count with thousands separators; a ring lets one printf take several. */
static const char *
N(uint64_t v)
{
	static char ring[8][32];
	static unsigned next;

	return thousands((int64_t)v, LANG_EN, ring[next++ % 8]);
}

static void
html_time(FILE *o, int64_t t)
{
	char b[REPORT_TS_LEN];

	fprintf(o, "<td class=\"t\">%s</td>", ts_s(t, b));
}

/* An axis step of 1, 2 or 5 times a power of ten: at most 4 steps to max. */
static uint64_t
nice_step(uint64_t max)
{
	uint64_t p = 1;

	for (;;) {
		if (max <= 4 * p)
			return p;
		if (max <= 8 * p)
			return 2 * p;
		if (max <= 20 * p)
			return 5 * p;
		if (p > UINT64_MAX / 100)
			return max;
		p *= 10;
	}
}

/* Bars per day (or per month over long periods), blocked stacked under alerts. */
static void
html_chart_days(FILE *o, const struct report *r)
{
	const struct report_table *t = &r->by[REPORT_BY_DAY];
	struct bucket {
		char label[REPORT_TS_LEN];
		uint64_t all, blocked;
	} *b;
	int64_t d0, d1, nd;
	size_t n = 0, i;
	bool monthly;
	uint64_t max = 1, step;
	const int W = 520, Hh = 200, L = 40, B = 36, TOP = 12;

	if (t->n == 0)
		return;
	if (report_parse_time(t->v[0].key, strlen(t->v[0].key), &d0, NULL) ||
	    report_parse_time(t->v[t->n - 1].key,
	    strlen(t->v[t->n - 1].key), &d1, NULL))
		return;
	nd = (d1 - d0) / DAY_US + 1;
	if (nd > 20 * 366) {
		fprintf(o, "<p class=\"muted\">The violations span %lld days: "
		    "no chart per day.</p>\n", (long long)nd);
		return;
	}
	monthly = nd > CHART_DAYS;
	if ((b = calloc((size_t)(monthly ? nd / 28 + 2 : nd), sizeof(*b))) ==
	    NULL)
		oom();
	for (int64_t d = 0; d < nd; d++) {
		char key[REPORT_TS_LEN];

		report_time_s(d0 + d * DAY_US, key);
		key[monthly ? 7 : 10] = '\0';
		if (n == 0 || strcmp(b[n - 1].label, key) != 0)
			snprintf(b[n++].label, sizeof(b[0].label), "%s", key);
	}
	for (i = 0; i < t->n; i++) {
		const struct report_group *g = &t->v[i];
		size_t k;

		for (k = 0; k < n; k++)
			if (strncmp(b[k].label, g->key, strlen(b[k].label)) == 0)
				break;
		if (k < n) {
			b[k].all += g->count;
			b[k].blocked += g->blocked;
		}
	}
	for (i = 0; i < n; i++)
		if (b[i].all > max)
			max = b[i].all;
	step = nice_step(max);
	max = (max + step - 1) / step * step;
	fprintf(o, "<div class=\"chart\"><h3>Violations per %s</h3>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
	    "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\""
	    "Violations per %s\">\n", monthly ? "month" : "day", W, Hh + B + TOP,
	    W, Hh + B + TOP, monthly ? "month" : "day");
	for (uint64_t g = 0; g <= max; g += step) {
		double y = TOP + Hh - (double)Hh * (double)g / (double)max;

		fprintf(o, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
		    "stroke=\"#e4e7eb\"/><text x=\"%d\" y=\"%.1f\" "
		    "text-anchor=\"end\">%llu</text>\n", L, y, W, y, L - 4,
		    y + 4, (unsigned long long)g);
	}
	{
		double slot = (double)(W - L - 4) / (double)n;
		double bw = slot * 0.7 > 60 ? 60 : slot * 0.7;
		size_t every = n / 12 + 1;

		for (i = 0; i < n; i++) {
			double x0 = L + 4 + slot * (double)i + (slot - bw) / 2;
			double ha = (double)Hh * (double)b[i].all / (double)max;
			double hb = (double)Hh * (double)b[i].blocked /
			    (double)max;

			fprintf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
			    "height=\"%.1f\" fill=\"#d64545\"><title>%s: %llu "
			    "violations, %llu blocked</title></rect>\n", x0,
			    TOP + Hh - ha, bw, ha - hb, b[i].label,
			    (unsigned long long)b[i].all,
			    (unsigned long long)b[i].blocked);
			if (hb > 0)
				fprintf(o, "<rect x=\"%.1f\" y=\"%.1f\" "
				    "width=\"%.1f\" height=\"%.1f\" "
				    "fill=\"#486581\"/>\n", x0, TOP + Hh - hb,
				    bw, hb);
			if (i % every == 0)
				fprintf(o, "<text x=\"%.1f\" y=\"%d\" "
				    "text-anchor=\"middle\">%s</text>\n",
				    x0 + bw / 2, TOP + Hh + 16, b[i].label +
				    (monthly ? 0 : 5));
		}
	}
	fprintf(o, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" "
	    "fill=\"#d64545\"/><text x=\"%d\" y=\"%d\">alerted only</text>"
	    "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" "
	    "fill=\"#486581\"/><text x=\"%d\" y=\"%d\">blocked</text>\n",
	    L, TOP + Hh + 24, L + 14, TOP + Hh + 33, L + 110, TOP + Hh + 24,
	    L + 124, TOP + Hh + 33);
	fprintf(o, "</svg></div>\n");
	free(b);
}

static void
html_chart_countries(FILE *o, const struct report *r)
{
	const struct report_table *t = &r->by[REPORT_BY_COUNTRY];
	size_t n = t->n < 12 ? t->n : 12;
	uint64_t max = 1;
	const int W = 520, L = 150, ROW = 22;

	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++)
		if (t->v[i].count > max)
			max = t->v[i].count;
	fprintf(o, "<div class=\"chart\"><h3>Violations per destination "
	    "country%s</h3>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "width=\"%d\" height=\"%zu\" viewBox=\"0 0 %d %zu\" role=\"img\" "
	    "aria-label=\"Violations per country\">\n", t->n > n ?
	    " (top 12)" : "", W, n * ROW + 8, W, n * ROW + 8);
	for (size_t i = 0; i < n; i++) {
		const struct report_group *g = &t->v[i];
		const char *name = country_name(g->key);
		double w = (double)(W - L - 60) * (double)g->count /
		    (double)max;
		double wb = (double)(W - L - 60) * (double)g->blocked /
		    (double)max;
		size_t y = 4 + i * ROW;

		fprintf(o, "<text x=\"%d\" y=\"%zu\" text-anchor=\"end\">",
		    L - 6, y + 14);
		H(o, g->key);
		if (name == NULL && country_is_region(g->key))
			name = "region";
		else if (name == NULL)
			name = "unknown";
		fputs(" ", o);
		H(o, name);
		fprintf(o, "</text><rect x=\"%d\" y=\"%zu\" width=\"%.1f\" "
		    "height=\"16\" fill=\"#d64545\"/>", L, y + 2, w);
		if (wb > 0)
			fprintf(o, "<rect x=\"%d\" y=\"%zu\" width=\"%.1f\" "
			    "height=\"16\" fill=\"#486581\"/>", L, y + 2, wb);
		fprintf(o, "<text x=\"%.1f\" y=\"%zu\">%llu</text>\n",
		    L + w + 6, y + 14, (unsigned long long)g->count);
	}
	fprintf(o, "</svg></div>\n");
}

static void
html_table(FILE *o, const struct report_table *t, const char *title,
    const char *col, bool country)
{
	fprintf(o, "<h3>By %s</h3>\n<table><tr><th>%s</th>%s<th class=\"n\">"
	    "Count</th><th class=\"n\">Blocked</th><th class=\"n\">Incidents"
	    "</th><th>First seen</th><th>Last seen</th></tr>\n", title, col,
	    country ? "<th>Country</th>" : "");
	for (size_t i = 0; i < t->n && i < ROWS_SHOWN; i++) {
		const struct report_group *g = &t->v[i];

		fputs("<tr><td>", o);
		H(o, g->key);
		fputs("</td>", o);
		if (country) {
			fputs("<td>", o);
			H(o, g->extra);
			fputs("</td>", o);
		}
		fprintf(o, "<td class=\"n\">%s</td><td class=\"n\">%s</td>"
		    "<td class=\"n\">%s%s%s</td>", N(g->count), N(g->blocked),
		    g->incidents ? "<span class=\"warn\">" : "",
		    N(g->incidents), g->incidents ? "</span>" : "");
		html_time(o, g->first);
		html_time(o, g->last);
		fputs("</tr>\n", o);
	}
	fputs("</table>\n", o);
	if (t->n > ROWS_SHOWN)
		fprintf(o, "<p class=\"muted\">&hellip; and %zu more rows "
		    "(<code>--format json</code> lists every row).</p>\n",
		    t->n - ROWS_SHOWN);
}

/* Many incidents: one row each. */
static void
html_incident_rows(FILE *o, const struct rctx *x)
{
	const struct report *r = x->r;
	char a[REPORT_TS_LEN], dl[64];

	fputs("<table><tr><th>Deadline</th><th>Incident</th><th>Customer</th>"
	    "<th>Notify by</th><th>Destination</th><th class=\"n\">Bytes</th>"
	    "<th>Measures</th></tr>\n", o);
	for (size_t k = 0; k < r->n_inc; k++) {
		const struct report_incident *i = &r->inc[k];
		bool late = i->notify_by <= x->now;

		fprintf(o, "<tr><td><span class=\"badge %s\">%s</span></td>"
		    "<td class=\"id\">", late ? "overdue" : "due",
		    deadline(x, i, dl, sizeof(dl)));
		H(o, i->id);
		fputs("</td><td>", o);
		H(o, i->customer);
		fputs("</td>", o);
		html_time(o, i->notify_by);
		fputs("<td>", o);
		if (i->n_dests > 0) {
			H(o, i->dests[0].host ? i->dests[0].host :
			    i->dests[0].dst);
			fputs(" ", o);
			H(o, i->dests[0].country);
		}
		fprintf(o, "</td><td class=\"n\">%s</td><td>%s</td></tr>\n",
		    i->bytes_sent >= 0 ? N((uint64_t)i->bytes_sent) : "?",
		    i->blocked_at != REPORT_TIME_NONE ?
		    ts_s(i->blocked_at, a) : "<span class=\"warn\">not "
		    "blocked</span>");
	}
	fputs("</table>\n", o);
}

static void
html_incident(FILE *o, const struct rctx *x, const struct report_incident *i)
{
	char a[REPORT_TS_LEN], dl[64], num[32];
	bool late = i->notify_by <= x->now;

	fprintf(o, "<div class=\"inc%s\"><h3><span class=\"badge %s\">%s"
	    "</span> ", late ? "" : " soon", late ? "overdue" : "due",
	    deadline(x, i, dl, sizeof(dl)));
	H(o, i->id);
	fputs(" &middot; customer ", o);
	H(o, i->customer);
	fputs("</h3><table>", o);
	fprintf(o, "<tr><td>Discovered</td><td>%s</td></tr>",
	    ts_s(i->discovered_at, a));
	fprintf(o, "<tr><td>Notify customer by</td><td><b>%s</b></td></tr>",
	    ts_s(i->notify_by, a));
	fputs("<tr><td>Data</td><td>", o);
	H(o, i->scope);
	fputs(": ", o);
	H(o, i->data ? i->data : "not described");
	fprintf(o, "; data subjects: %s</td></tr>", i->subjects >= 0 ?
	    thousands(i->subjects, LANG_EN, num) : "unknown");
	fputs("<tr><td>Destination</td><td>", o);
	for (size_t k = 0; k < i->n_dests; k++) {
		const struct report_dest *d = &i->dests[k];
		const char *name = d->country ? country_name(d->country) : NULL;

		if (k)
			fputs("<br>", o);
		H(o, d->dst);
		if (d->dport >= 0)
			fprintf(o, " port %lld", (long long)d->dport);
		fputs(" &middot; ", o);
		H(o, d->country ? d->country : "--");
		if (name) {
			fputs(" ", o);
			H(o, name);
		}
		fputs(" &middot; host ", o);
		H(o, d->host ? d->host : "unknown");
	}
	fputs("</td></tr><tr><td>Sent</td><td>", o);
	if (i->bytes_sent >= 0)
		fprintf(o, "%s bytes", thousands(i->bytes_sent, LANG_EN, num));
	else
		fputs("unknown amount", o);
	if (i->packets_sent >= 0)
		fprintf(o, " in %lld packets", (long long)i->packets_sent);
	fputs(" (", o);
	H(o, i->proto);
	fprintf(o, "), %s", ts_s(i->first_seen, a));
	fprintf(o, " to %s</td></tr>", ts_s(i->last_seen, a));
	fputs("<tr><td>Process</td><td>", o);
	if (i->comm == NULL && i->uid < 0 && i->exe == NULL)
		fputs("unknown", o);
	else {
		H(o, i->comm);
		fprintf(o, " (uid %lld, pid %lld, ", (long long)i->uid,
		    (long long)i->pid);
		H(o, i->exe);
		fputs(")", o);
	}
	fputs("</td></tr><tr><td>Measures</td><td>", o);
	if (i->blocked_at != REPORT_TIME_NONE)
		fprintf(o, "blocked at %s", ts_s(i->blocked_at, a));
	else {
		H(o, i->action ? i->action : "none recorded");
		fputs(", <span class=\"warn\">not blocked</span>", o);
	}
	fputs("</td></tr><tr><td>Reason</td><td>", o);
	H(o, i->reason);
	fputs("</td></tr><tr><td>Evidence</td><td class=\"muted\">", o);
	H(o, i->source);
	fputs(" &middot; policy ", o);
	H(o, i->policy);
	fputs(" &middot; geodb ", o);
	H(o, i->geodb);
	fputs("</td></tr></table></div>\n", o);
}

static void
html_report(const struct rctx *x, const struct consent **exp, size_t nexp)
{
	const struct report *r = x->r;
	FILE *o = stdout;
	char a[REPORT_TS_LEN], b[REPORT_TS_LEN], d[REPORT_DUR_LEN];
	size_t overdue = 0, outside = 0;

	for (size_t i = 0; i < r->n_inc; i++)
		overdue += r->inc[i].notify_by <= x->now;
	for (size_t i = 0; i < r->n_uses; i++)
		outside += x->reg != NULL && (!r->uses[i].in_register ||
		    r->uses[i].outside_terms > 0);
	fprintf(o, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
	    "charset=\"utf-8\"><title>eeaguard report %s</title>\n"
	    "<meta name=\"viewport\" content=\"width=device-width\">"
	    "<style>%s</style></head>\n<body><main>\n", ts_s(x->now, a),
	    html_style);
	fputs("<header><h1>Data-residency evidence report</h1><div class="
	    "\"sub\">Transfers of personal data outside the European Economic "
	    "Area, as recorded by eeaguard</div></header>\n", o);

	fputs("<table class=\"meta\">", o);
	fprintf(o, "<tr><td>Generated</td><td>%s</td></tr>", ts_s(x->now, a));
	if (x->since == REPORT_TIME_NONE && x->until == REPORT_TIME_NONE)
		fputs("<tr><td>Period</td><td>all events in the files</td>"
		    "</tr>", o);
	else
		fprintf(o, "<tr><td>Period</td><td>%s to %s</td></tr>",
		    x->since == REPORT_TIME_NONE ? "the first event" :
		    ts_s(x->since, a), x->until == REPORT_TIME_NONE ?
		    "the last event" : ts_s(x->until, b));
	fputs("<tr><td>Customer</td><td>", o);
	H(o, x->customer ? x->customer : "all customers");
	fputs("</td></tr><tr><td>Events files</td><td>", o);
	for (size_t i = 0; i < x->nsrc; i++) {
		if (i)
			fputs("<br>", o);
		fputs("<code>", o);
		H(o, x->src[i].path);
		fprintf(o, "</code> %s lines", N(x->src[i].lines));
		if (x->src[i].malformed)
			fprintf(o, ", <span class=\"warn\">%s malformed "
			    "(skipped)</span>", N(x->src[i].malformed));
		if (x->src[i].error) {
			fputs(", <span class=\"warn\">INCOMPLETE: ", o);
			H(o, x->src[i].error);
			fputs("</span>", o);
		}
	}
	fputs("</td></tr><tr><td>Rules in force</td><td>", o);
	for (size_t i = 0; i < r->policies.n; i++) {
		fputs(i ? "<br>policy <code>" : "policy <code>", o);
		H(o, r->policies.v[i].key);
		fprintf(o, "</code> %llu decisions, %s to %s",
		    (unsigned long long)r->policies.v[i].count,
		    ts_s(r->policies.v[i].first, a),
		    ts_s(r->policies.v[i].last, b));
	}
	for (size_t i = 0; i < r->geodbs.n; i++) {
		fputs("<br>geodb <code>", o);
		H(o, r->geodbs.v[i].key);
		fprintf(o, "</code> %llu decisions",
		    (unsigned long long)r->geodbs.v[i].count);
	}
	if (r->policies.n == 0 && r->geodbs.n == 0)
		fputs("no decisions in the period", o);
	fputs("</td></tr></table>\n", o);

	fputs("<div class=\"cards\">", o);
	fprintf(o, "<div class=\"card%s\"><div class=\"v\">%s</div><div "
	    "class=\"l\">Incidents (%s overdue)</div></div>",
	    overdue ? " bad" : r->n_inc ? "" : " ok", N(r->n_inc), N(overdue));
	fprintf(o, "<div class=\"card%s\"><div class=\"v\">%s</div><div "
	    "class=\"l\">Violations</div></div>", r->violations ? " bad" :
	    " ok", N(r->violations));
	fprintf(o, "<div class=\"card\"><div class=\"v\">%s</div><div "
	    "class=\"l\">Blocked</div></div>", N(r->violations_blocked));
	fprintf(o, "<div class=\"card%s\"><div class=\"v\">%s</div><div "
	    "class=\"l\">Consented transfers", outside ? " bad" : "",
	    N(r->consented));
	if (outside)
		fprintf(o, " (%zu consent%s not covering them)", outside,
		    outside == 1 ? "" : "s");
	fputs("</div></div>", o);
	fprintf(o, "<div class=\"card%s\"><div class=\"v\">%zu</div><div "
	    "class=\"l\">Gaps and faults</div></div>", r->n_gaps ? " bad" :
	    " ok", r->n_gaps);
	fputs("</div>\n", o);

	fprintf(o, "<h2>Incidents: data left the host</h2>\n<p>Each incident "
	    "must be notified to the customer within %d hours of its "
	    "discovery. eeaguard does not record whether notice was sent. "
	    "A draft notice: <code>eeaguard report --incident ID</code>.</p>\n",
	    REPORT_NOTIFY_HOURS);
	if (r->n_inc == 0)
		fputs("<p class=\"ok\">No incident in the period.</p>\n", o);
	if (r->n_inc > CARDS_SHOWN)
		html_incident_rows(o, x);
	else
		for (size_t i = 0; i < r->n_inc; i++)
			html_incident(o, x, &r->inc[i]);

	fputs("<h2>Violations</h2>\n", o);
	if (r->violations == 0)
		fputs("<p class=\"ok\">No violation in the period.</p>\n", o);
	else {
		fprintf(o, "<p>%s transfers outside the EEA without consent "
		    "(%s blocked, %s alerted only), %s to %s. "
		    "<i>Incidents</i> counts the incidents (data that left) in "
		    "each row; 0 means every attempt was blocked before data "
		    "left, or no incident was recorded.</p>\n",
		    N(r->violations), N(r->violations_blocked),
		    N(r->violations - r->violations_blocked),
		    ts_s(r->vfirst, a), ts_s(r->vlast, b));
		fputs("<div class=\"charts\">", o);
		html_chart_days(o, r);
		html_chart_countries(o, r);
		fputs("</div>\n", o);
		html_table(o, &r->by[REPORT_BY_CUSTOMER], "customer",
		    "Customer", false);
		html_table(o, &r->by[REPORT_BY_COUNTRY], "country", "Country",
		    false);
		html_table(o, &r->by[REPORT_BY_DESTINATION], "destination",
		    "Destination", true);
		html_table(o, &r->by[REPORT_BY_PROCESS], "process", "Process",
		    false);
	}

	fputs("<h2>Consents used</h2>\n<p>Transfers outside the EEA that a "
	    "recorded consent allowed (<code>consent_transfer</code> events), "
	    "checked against the consent's terms in the register.</p>\n", o);
	if (x->reg == NULL) {
		fputs("<p class=\"note\">Not checked against the register: ",
		    o);
		H(o, x->reg_note);
		fputs("</p>\n", o);
	}
	if (r->n_uses == 0)
		fputs("<p class=\"muted\">No consented transfer in the "
		    "period.</p>\n", o);
	else {
		fputs("<table><tr><th>Consent</th><th class=\"n\">Transfers"
		    "</th><th>Customers</th><th>Countries</th><th class=\"n\">"
		    "Destinations</th><th>First seen</th><th>Last seen</th>"
		    "<th>Register check</th></tr>\n", o);
		for (size_t i = 0; i < r->n_uses; i++) {
			const struct report_consent_use *u = &r->uses[i];
			bool bad = x->reg != NULL && (!u->in_register ||
			    u->outside_terms > 0);

			fputs("<tr><td class=\"id\">", o);
			H(o, u->id);
			fprintf(o, "</td><td class=\"n\">%llu</td><td>",
			    (unsigned long long)u->transfers);
			for (size_t k = 0; k < u->customers.n; k++) {
				if (k)
					fputs(", ", o);
				H(o, u->customers.v[k].key);
			}
			fputs("</td><td>", o);
			for (size_t k = 0; k < u->countries.n; k++) {
				if (k)
					fputs(", ", o);
				H(o, u->countries.v[k].key);
			}
			fprintf(o, "</td><td class=\"n\">%zu</td>",
			    u->destinations.n);
			html_time(o, u->first);
			html_time(o, u->last);
			if (x->reg == NULL) {
				fputs("<td class=\"muted\">not checked</td>", o);
			} else if (!u->in_register) {
				fputs("<td class=\"warn\">not in the register"
				    "</td>", o);
			} else if (bad) {
				fprintf(o, "<td><span class=\"warn\">%llu "
				    "outside the terms</span><br><span class="
				    "\"muted\">", (unsigned long long)
				    u->outside_terms);
				H(o, u->note);
				fputs("</span></td>", o);
			} else
				fputs("<td class=\"ok\">within the terms</td>",
				    o);
			fputs("</tr>\n", o);
		}
		fputs("</table>\n", o);
	}

	fprintf(o, "<h2>Consents expiring within %d days</h2>\n",
	    REPORT_EXPIRING_DAYS);
	if (x->reg == NULL) {
		fputs("<p class=\"note\">Not checked: ", o);
		H(o, x->reg_note);
		fputs("</p>\n", o);
	} else if (nexp == 0) {
		fputs("<p class=\"ok\">None (register <code>", o);
		H(o, x->reg->path);
		fputs("</code>).</p>\n", o);
	} else {
		fputs("<table><tr><th>Consent</th><th>Customer</th><th>"
		    "Countries</th><th>Expires</th><th>In</th><th>Purpose</th>"
		    "<th>Document</th></tr>\n", o);
		for (size_t i = 0; i < nexp; i++) {
			const struct consent *c = exp[i];

			fputs("<tr><td class=\"id\">", o);
			H(o, c->id);
			fputs("</td><td>", o);
			H(o, c->customer);
			fputs("</td><td>", o);
			for (size_t k = 0; k < c->countries.n; k++) {
				if (k)
					fputs(", ", o);
				H(o, c->countries.v[k]);
			}
			fputs("</td>", o);
			html_time(o, c->expires * USEC);
			fprintf(o, "<td class=\"warn\">%s</td><td>",
			    report_duration(c->expires * USEC - x->now, d));
			H(o, c->purpose);
			fputs("</td><td>", o);
			H(o, c->document);
			fputs("</td></tr>\n", o);
		}
		fputs("</table>\n", o);
	}

	fputs("<h2>Gaps and faults</h2>\n<p>Times the agent was not "
	    "watching (stopped, or ended without a stop record), and faults "
	    "while it was.</p>\n", o);
	if (r->n_gaps == 0)
		fputs("<p class=\"ok\">None recorded.</p>\n", o);
	else {
		fputs("<table><tr><th>Kind</th><th>From</th><th>To</th><th "
		    "class=\"n\">Duration / count</th><th>Detail</th></tr>\n",
		    o);
		for (size_t i = 0; i < r->n_gaps; i++) {
			const struct report_gap *g = &r->gaps[i];
			bool interval = strcmp(g->kind, "stopped") == 0 ||
			    strcmp(g->kind, "unclean") == 0;

			fputs("<tr><td class=\"warn\">", o);
			H(o, g->kind);
			fputs("</td>", o);
			html_time(o, g->from);
			if (g->to == REPORT_TIME_NONE)
				fputs("<td class=\"t warn\">still open</td>", o);
			else if (!interval && g->count == 1)
				fputs("<td></td>", o);
			else
				html_time(o, g->to);
			if (interval)
				fprintf(o, "<td class=\"n\">%s</td><td>",
				    report_duration((g->to == REPORT_TIME_NONE ?
				    x->now : g->to) - g->from, d));
			else
				fprintf(o, "<td class=\"n\">%llu&times;</td><td>",
				    (unsigned long long)g->count);
			H(o, g->detail);
			if (g->max_age_days >= 0)
				fprintf(o, " (up to %lld days old)",
				    (long long)g->max_age_days);
			fputs("</td></tr>\n", o);
		}
		fputs("</table>\n", o);
	}

	fputs("<h2>Totals</h2>\n<div class=\"charts\"><div class=\"chart\">"
	    "<h3>Decisions by verdict</h3><table><tr><th>Verdict</th><th "
	    "class=\"n\">Occurrences</th></tr>\n", o);
	for (size_t i = 0; i < r->verdicts.n; i++) {
		fputs("<tr><td>", o);
		H(o, r->verdicts.v[i].key);
		fprintf(o, "</td><td class=\"n\">%llu</td></tr>\n",
		    (unsigned long long)r->verdicts.v[i].count);
	}
	fputs("</table></div><div class=\"chart\"><h3>Lines by event</h3>"
	    "<table><tr><th>Event</th><th class=\"n\">Lines</th></tr>\n", o);
	for (size_t i = 0; i < r->events.n; i++) {
		fputs("<tr><td>", o);
		H(o, r->events.v[i].key);
		fprintf(o, "</td><td class=\"n\">%llu</td></tr>\n",
		    (unsigned long long)r->events.v[i].count);
	}
	fputs("</table></div></div>\n", o);
	fprintf(o, "<p class=\"muted\">Counts are occurrences: an event line "
	    "that carries <code>\"suppressed\": N</code> stands for N + 1. "
	    "%llu decisions were revised by a later event and are counted "
	    "under their final verdict.</p>\n",
	    (unsigned long long)r->revised);
	fprintf(o, "<footer>eeaguard report &middot; generated %s &middot; "
	    "%llu lines read, %llu used, %llu malformed</footer>\n",
	    ts_s(x->now, a), (unsigned long long)r->lines,
	    (unsigned long long)r->used, (unsigned long long)r->malformed);
	fputs("</main></body></html>\n", o);
}

/* ---- the draft notice ------------------------------------------------------------ */

/*
 * The customer's consents for the destination's country, and which of
 * their terms each failed at discovery (judged on the register as it is
 * now, which may differ from the one in force then: the policy
 * fingerprint says which that was).
 */
static void
notice_consents(const struct rctx *x, const struct report_incident *i,
    const struct report_dest *dd)
{
	const struct consent *v[16];
	const char *cc = dd ? dd->country : NULL, *cust[1];
	char a[REPORT_TS_LEN];
	size_t n;
	bool nl = x->lang == LANG_NL;

	if (x->reg == NULL) {
		printf(nl ? "- Toestemming: [het toestemmingsregister is niet "
		    "geraadpleegd (%s); aanvullen]\n" : "- Consent: [the consent "
		    "register was not consulted (%s); to be completed]\n",
		    x->reg_note);
		return;
	}
	n = dd == NULL ? 0 : report_consents_for(x->reg, i->customer, cc, v,
	    16);
	if (n == 0) {
		printf(nl ? "- Toestemming: het toestemmingsregister bevat geen "
		    "toestemming van %s voor doorgifte naar dit land.\n" :
		    "- Consent: the consent register holds no consent of %s "
		    "for transfers to this country.\n", T(i->customer));
		return;
	}
	printf(nl ? "- Toestemming: de vastgelegde toestemmingen van %s voor "
	    "dit land:\n" : "- Consent: the consents recorded for %s for "
	    "this country:\n", T(i->customer));
	cust[0] = i->customer;
	for (size_t k = 0; k < n && k < 16; k++) {
		const struct consent *c = v[k];

		printf("    %s (%s): ", T(c->id), T(c->purpose));
		switch (report_consent_terms(c, cust, 1, cc, dd->dst, dd->host,
		    dd->dport, i->discovered_at)) {
		case REPORT_TERMS_NOT_YET:
			printf(nl ? "nog niet geldig\n" : "not yet valid\n");
			break;
		case REPORT_TERMS_EXPIRED:
			printf(nl ? "verlopen op %s\n" : "expired on %s\n",
			    ts_letter(c->expires * USEC, a));
			break;
		case REPORT_TERMS_REVOKED:
			printf(nl ? "ingetrokken%s%s\n" : "revoked%s%s\n",
			    c->revoked_at[0] ? (nl ? " op " : " on ") : "",
			    T(c->revoked_at));
			break;
		case REPORT_TERMS_COVERED:
			printf(nl ? "dekt deze bestemming volgens het register "
			    "zoals het nu is, maar niet volgens het register dat "
			    "toen gold (beleid %s): [controleer eeaguard consent "
			    "history %s]\n" : "covers this destination in the "
			    "register as it is now, but not in the one in force "
			    "then (policy %s): [check eeaguard consent history "
			    "%s]\n", T(i->policy), T(c->id));
			break;
		default:
			printf(nl ? "geldt voor andere netwerken, hosts of "
			    "poorten\n" : "covers other networks, hosts or "
			    "ports\n");
			break;
		}
	}
}

static int
notice(const struct rctx *x, const struct report_incident *i)
{
	bool nl = x->lang == LANG_NL, late = i->notify_by <= x->now;
	char a[REPORT_TS_LEN], b[REPORT_TS_LEN], d[REPORT_DUR_LEN], num[32];
	char cp[512];
	const char *data = i->data;
	const struct report_dest *d0 = i->n_dests > 0 ? &i->dests[0] : NULL;
	if (nl) {
		printf("CONCEPT-MELDING AAN DE KLANT: ter beoordeling door "
		    "juridische zaken; eeaguard verstuurt deze melding niet.\n");
		printf("Incident %s\n", T(i->id));
		if (late)
			printf("Termijn: TE LAAT met %s. De melding moest "
			    "uiterlijk %s worden gedaan (%d uur na ontdekking "
			    "op %s).\n", report_duration(x->now - i->notify_by,
			    d), ts_letter(i->notify_by, a), REPORT_NOTIFY_HOURS,
			    ts_letter(i->discovered_at, b));
		else
			printf("Termijn: uiterlijk %s versturen (nog %s; %d uur "
			    "na ontdekking op %s).\n", ts_letter(i->notify_by,
			    a), report_duration(i->notify_by - x->now, d),
			    REPORT_NOTIFY_HOURS, ts_letter(i->discovered_at, b));
		printf("\nAan: [contactpersoon van %s]\n", T(i->customer));
		printf("Onderwerp: Melding van een inbreuk in verband met "
		    "persoonsgegevens (%s)\n\n", T(i->id));
		printf("Geachte [naam],\n\nOvereenkomstig onze "
		    "verwerkersovereenkomst melden wij u een inbreuk in verband "
		    "met persoonsgegevens die wij in uw opdracht verwerken.\n");
		printf("\n1. Aard van de inbreuk\n");
		printf("Op %s zijn persoonsgegevens van %s, verwerkt onder "
		    "\"%s\", zonder uw schriftelijke toestemming vanaf onze "
		    "verwerkingsserver doorgegeven naar een bestemming buiten "
		    "de Europese Economische Ruimte (EER):\n",
		    ts_letter(i->discovered_at, a), T(i->customer),
		    T(i->scope));
	} else {
		printf("DRAFT CUSTOMER NOTICE: for review by legal; eeaguard "
		    "does not send it.\n");
		printf("Incident %s\n", T(i->id));
		if (late)
			printf("Deadline: OVERDUE by %s. The notice was due by "
			    "%s (%d hours after discovery at %s).\n",
			    report_duration(x->now - i->notify_by, d),
			    ts_letter(i->notify_by, a), REPORT_NOTIFY_HOURS,
			    ts_letter(i->discovered_at, b));
		else
			printf("Deadline: send by %s (%s left; %d hours after "
			    "discovery at %s).\n", ts_letter(i->notify_by, a),
			    report_duration(i->notify_by - x->now, d),
			    REPORT_NOTIFY_HOURS, ts_letter(i->discovered_at, b));
		printf("\nTo: [contact person at %s]\n", T(i->customer));
		printf("Subject: Notification of a personal data breach (%s)\n\n",
		    T(i->id));
		printf("Dear [name],\n\nIn accordance with our data processing "
		    "agreement, we notify you of a personal data breach "
		    "concerning personal data that we process on your behalf.\n");
		printf("\n1. Nature of the breach\n");
		printf("On %s, personal data of %s processed under \"%s\" was "
		    "transferred from our processing server to a destination "
		    "outside the European Economic Area (EEA), without your "
		    "written consent for that transfer:\n",
		    ts_letter(i->discovered_at, a), T(i->customer),
		    T(i->scope));
	}
	for (size_t k = 0; k < i->n_dests; k++) {
		const struct report_dest *dd = &i->dests[k];

		printf("   - %s", T(dd->dst));
		if (dd->dport >= 0)
			printf(nl ? ", poort %lld" : ", port %lld",
			    (long long)dd->dport);
		if (i->proto != NULL)
			printf(" (%s)", T(i->proto));
		printf(nl ? ", land: %s; " : ", country: %s; ",
		    country_phrase(dd->country, x->lang, cp, sizeof(cp)));
		if (dd->host != NULL)
			printf(nl ? "hostnaam %s\n" : "host name %s\n",
			    T(dd->host));
		else
			printf(nl ? "hostnaam onbekend\n" :
			    "host name not known\n");
	}
	if (nl) {
		printf("De doorgifte is voor het eerst waargenomen op %s en "
		    "voor het laatst op %s. ", ts_letter(i->first_seen, a),
		    ts_letter(i->last_seen, b));
		if (i->bytes_sent >= 0)
			printf("Er zijn %s bytes verzonden%s", thousands(
			    i->bytes_sent, x->lang, num), i->packets_sent >= 0 ?
			    "" : ".\n");
		else
			printf("De verzonden hoeveelheid is niet bekend.\n");
		if (i->bytes_sent >= 0 && i->packets_sent >= 0)
			printf(" in %lld pakketten.\n", (long long)i->packets_sent);
		if (i->comm != NULL || i->exe != NULL || i->uid >= 0)
			printf("Het verzendende proces was %s (programma %s, "
			    "gebruiker-id %lld, proces-id %lld).\n", T(i->comm),
			    T(i->exe), (long long)i->uid, (long long)i->pid);
		else
			printf("Het verzendende proces kon niet worden "
			    "vastgesteld.\n");
		if (i->reason != NULL)
			printf("Onze monitoring registreerde als reden (in het "
			    "Engels): \"%s\".\n", T(i->reason));
		printf("\n2. Categorieën en geschat aantal betrokkenen\n");
		if (data != NULL)
			printf("Categorieën persoonsgegevens: %s.\n", T(data));
		else
			printf("Categorieën persoonsgegevens: [niet beschreven "
			    "in onze configuratie; aanvullen].\n");
		if (i->subjects >= 0)
			printf("Geschat aantal betrokkenen: ten hoogste %s "
			    "(het aantal betrokkenen in deze verwerking; het "
			    "werkelijk getroffen aantal kan lager zijn).\n",
			    thousands(i->subjects, x->lang, num));
		else
			printf("Geschat aantal betrokkenen: op dit moment "
			    "onbekend; wij informeren u zodra dit is "
			    "vastgesteld.\n");
		printf("\n3. Waarschijnlijke gevolgen\n");
		printf("De betrokken persoonsgegevens kunnen toegankelijk zijn "
		    "geworden voor de ontvanger op die bestemming (land: %s), "
		    "buiten de EER, zonder de waarborgen die een doorgifte met "
		    "uw toestemming zou hebben. Betrokkenen kunnen daardoor de "
		    "controle over hun persoonsgegevens verliezen.\n",
		    country_phrase(d0 ? d0->country : NULL, x->lang, cp,
		    sizeof(cp)));
		notice_categories(data, x->lang);
		printf("Wij hebben op dit moment geen aanwijzingen dat de "
		    "gegevens verder zijn gebruikt of verstrekt; ons onderzoek "
		    "loopt. [Juridische zaken: beoordelen en aanvullen.]\n");
		printf("\n4. Genomen maatregelen\n");
		printf("- De doorgifte is automatisch gedetecteerd en gemeld op "
		    "%s.\n", ts_letter(i->discovered_at, a));
		if (i->blocked_at != REPORT_TIME_NONE)
			printf("- De bestemming is geblokkeerd op %s: verdere "
			    "doorgifte vanaf deze server naar die bestemming "
			    "wordt geweigerd.\n", ts_letter(i->blocked_at, a));
		else
			printf("- De verbinding is niet automatisch geblokkeerd "
			    "(de monitoring stond in signaleringsmodus). "
			    "[Beschrijf de genomen maatregelen, bijvoorbeeld "
			    "bestemming geblokkeerd, proces gestopt.]\n");
		notice_consents(x, i, d0);
		printf("- [Verdere maatregelen.]\n");
		printf("\n5. Contact\nVoor nadere informatie kunt u contact "
		    "opnemen met: [naam, functie, e-mailadres en telefoonnummer "
		    "van ons contactpunt of de functionaris voor "
		    "gegevensbescherming].\n");
		printf("\nMet vriendelijke groet,\n[naam, functie]\n");
		printf("\nBewijs: incident %s, vastgelegd door eeaguard (%s); "
		    "landendatabase %s; beleid %s.\n", T(i->id), T(i->source),
		    T(i->geodb), T(i->policy));
		return EXIT_OK;
	}
	printf("The transfer was first seen at %s and last seen at %s. ",
	    ts_letter(i->first_seen, a), ts_letter(i->last_seen, b));
	if (i->bytes_sent >= 0)
		printf("%s bytes were sent%s", thousands(i->bytes_sent,
		    x->lang, num), i->packets_sent >= 0 ? "" : ".\n");
	else
		printf("The amount sent is not known.\n");
	if (i->bytes_sent >= 0 && i->packets_sent >= 0)
		printf(" in %lld packets.\n", (long long)i->packets_sent);
	if (i->comm != NULL || i->exe != NULL || i->uid >= 0)
		printf("The sending process was %s (program %s, user id %lld, "
		    "process id %lld).\n", T(i->comm), T(i->exe),
		    (long long)i->uid, (long long)i->pid);
	else
		printf("The sending process could not be identified.\n");
	if (i->reason != NULL)
		printf("Our monitoring recorded the reason: \"%s\".\n",
		    T(i->reason));
	printf("\n2. Categories and approximate number of data subjects\n");
	if (data != NULL)
		printf("Categories of personal data: %s.\n", T(data));
	else
		printf("Categories of personal data: [not described in our "
		    "configuration; to be completed].\n");
	if (i->subjects >= 0)
		printf("Approximate number of data subjects: up to %s (the "
		    "number of data subjects in this processing; the "
		    "number actually affected may be lower).\n",
		    thousands(i->subjects, x->lang, num));
	else
		printf("Approximate number of data subjects: unknown at this "
		    "time; we will inform you as soon as it is established.\n");
	printf("\n3. Likely consequences\n");
	printf("The personal data concerned may have become accessible to the "
	    "recipient at that destination (country: %s), outside the EEA, "
	    "without the safeguards that a transfer with your consent would "
	    "carry. Data subjects may lose control over their personal data "
	    "as a result.\n", country_phrase(d0 ? d0->country : NULL, x->lang,
	    cp, sizeof(cp)));
	notice_categories(data, x->lang);
	printf("We have at this time no indication that the data has been "
	    "used further or disclosed; our investigation continues. [Legal: "
	    "assess and complete.]\n");
	printf("\n4. Measures taken\n");
	printf("- The transfer was detected and reported automatically at "
	    "%s.\n", ts_letter(i->discovered_at, a));
	if (i->blocked_at != REPORT_TIME_NONE)
		printf("- The destination was blocked at %s: further transfers "
		    "from this server to it are refused.\n",
		    ts_letter(i->blocked_at, a));
	else
		printf("- The connection was not blocked automatically (the "
		    "monitoring was in alert mode). [Describe the measures "
		    "taken, e.g. destination blocked, process stopped.]\n");
	notice_consents(x, i, d0);
	printf("- [Further measures.]\n");
	printf("\n5. Contact\nFor further information please contact: [name, "
	    "role, e-mail address and telephone number of our contact point "
	    "or data protection officer].\n");
	printf("\nYours sincerely,\n[name, role]\n");
	printf("\nEvidence: incident %s, recorded by eeaguard (%s); country "
	    "database %s; policy %s.\n", T(i->id), T(i->source), T(i->geodb),
	    T(i->policy));
	return EXIT_OK;
}

/* ---- the command --------------------------------------------------------------- */

static const char report_usage[] =
    "usage: eeaguard report [-c CONF] [--events FILE]... [--since T] "
    "[--until T]\n"
    "                       [--customer NAME] [--format text|json|html] "
    "[--now T]\n"
    "       eeaguard report [...] --incident ID [--format text|json] "
    "[--lang en|nl]\n"
    "  T is an RFC 3339 time (2026-11-26T07:10:00Z) or a date "
    "(2026-11-26;\n"
    "  --until DATE includes that whole day). Without --events: the "
    "configured\n"
    "  alerts.jsonl and what logrotate left of it (FILE.N, FILE-DATE, "
    "gzip'd or not).\n";

static int
bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "eeaguard report: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", report_usage);
	return EXIT_INVALID;
}

static int
parse_when(const char *opt, const char *s, bool end_of_day, int64_t *out)
{
	bool date_only;

	if (report_parse_time(s, strlen(s), out, &date_only) == -1) {
		fprintf(stderr, "eeaguard report: %s '%s' is not a time "
		    "(valid: 2026-11-26T07:10:00Z, 2026-11-26T09:10:00+02:00 "
		    "or 2026-11-26)\n", opt, s);
		return -1;
	}
	if (date_only && end_of_day)
		*out += DAY_US;
	return 0;
}

int
cli_report(int argc, char **argv)
{
	enum { O_EVENTS = 256, O_SINCE, O_UNTIL, O_CUSTOMER, O_FORMAT,
	    O_INCIDENT, O_NOW, O_LANG };
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "events", required_argument, NULL, O_EVENTS },
		{ "since", required_argument, NULL, O_SINCE },
		{ "until", required_argument, NULL, O_UNTIL },
		{ "customer", required_argument, NULL, O_CUSTOMER },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "incident", required_argument, NULL, O_INCIDENT },
		{ "now", required_argument, NULL, O_NOW },
		{ "lang", required_argument, NULL, O_LANG },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct report_options ro;
	struct rctx x;
	const struct consent **exp = NULL;
	const char **events = NULL;
	size_t nevents = 0, nexp = 0;
	struct timespec now;
	int ch, status = EXIT_OK;

	memset(&x, 0, sizeof(x));
	x.since = x.until = REPORT_TIME_NONE;
	clock_gettime(CLOCK_REALTIME, &now);
	x.now = (int64_t)now.tv_sec * USEC + now.tv_nsec / 1000;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			x.conf = optarg;
			break;
		case O_EVENTS:
			/* cppcheck-suppress memleakOnRealloc ; oom() exits */
			if ((events = realloc(events, (nevents + 1) *
			    sizeof(*events))) == NULL)
				oom();
			events[nevents++] = optarg;
			break;
		case O_SINCE:
			if (parse_when("--since", optarg, false, &x.since)) {
				status = EXIT_INVALID;
				goto done;
			}
			break;
		case O_UNTIL:
			if (parse_when("--until", optarg, true, &x.until)) {
				status = EXIT_INVALID;
				goto done;
			}
			break;
		case O_NOW:
			if (parse_when("--now", optarg, false, &x.now)) {
				status = EXIT_INVALID;
				goto done;
			}
			break;
		case O_CUSTOMER:
			x.customer = optarg;
			break;
		case O_INCIDENT:
			x.incident = optarg;
			break;
		case O_FORMAT:
			if (strcmp(optarg, "text") == 0)
				x.fmt = FMT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				x.fmt = FMT_JSON;
			else if (strcmp(optarg, "html") == 0)
				x.fmt = FMT_HTML;
			else {
				status = bad_usage("--format '%s' (valid: "
				    "text, json, html)", optarg);
				goto done;
			}
			break;
		case O_LANG:
			if (strcmp(optarg, "en") == 0)
				x.lang = LANG_EN;
			else if (strcmp(optarg, "nl") == 0)
				x.lang = LANG_NL;
			else {
				status = bad_usage("--lang '%s' (valid: en, "
				    "nl)", optarg);
				goto done;
			}
			break;
		case 'h':
			printf("%s", report_usage);
			goto done;
		case ':':
			status = bad_usage("%s needs a value",
			    argv[optind - 1]);
			goto done;
		default:
			status = bad_usage("unknown option '%s'",
			    argv[optind - 1]);
			goto done;
		}
	}
	if (optind < argc)
		status = bad_usage("unexpected argument '%s'", argv[optind]);
	else if (x.since != REPORT_TIME_NONE && x.until != REPORT_TIME_NONE &&
	    x.until <= x.since)
		status = bad_usage("%s: --until must be later than --since",
		    "period");
	else if (x.incident != NULL && x.fmt == FMT_HTML)
		status = bad_usage("%s: --incident writes text or json",
		    "--format html");
	else if (x.lang == LANG_NL && x.incident == NULL)
		status = bad_usage("%s: --lang is for the --incident notice",
		    "--lang nl");
	if (status != EXIT_OK)
		goto done;

	x.cfg = cli_load_config(x.conf);
	load_register(&x);
	if (nevents > 0) {
		for (size_t i = 0; i < nevents; i++)
			add_source(&x, events[i]);
	} else if (x.cfg->alerts.jsonl == NULL || x.cfg->alerts.jsonl[0] ==
	    '\0') {
		fprintf(stderr, "eeaguard report: %s writes no events file "
		    "(alerts.jsonl is off): name one with --events FILE\n",
		    x.cfg->path ? x.cfg->path : "the built-in configuration");
		status = EXIT_INVALID;
		goto done;
	} else
		add_rotated(&x, x.cfg->alerts.jsonl);
	free(events);
	events = NULL;

	memset(&ro, 0, sizeof(ro));
	ro.since = x.since;
	ro.until = x.until;
	ro.customer = x.customer;
	ro.now = x.now;
	ro.reg = x.reg;
	if ((x.r = report_new(&ro)) == NULL)
		oom();
	for (size_t i = 0; i < x.nsrc; i++)
		if (read_source(&x, &x.src[i]) == -1) {
			status = EXIT_INVALID;
			goto done;
		}
	if (x.shown > MALFORMED_SHOWN)
		fprintf(stderr, "eeaguard: %llu malformed lines in all; only "
		    "the first %d are listed\n", (unsigned long long)x.shown,
		    MALFORMED_SHOWN);
	if (report_finish(x.r) == -1)
		oom();

	if (x.incident != NULL) {
		const struct report_incident *i = report_find_incident(x.r,
		    x.incident);

		if (i == NULL) {
			fprintf(stderr, "eeaguard report: no incident %s in "
			    "the events read%s (%zu incident%s there)\n",
			    T(x.incident), x.customer || x.since !=
			    REPORT_TIME_NONE || x.until != REPORT_TIME_NONE ?
			    " within --customer/--since/--until" : "",
			    x.r->n_inc, x.r->n_inc == 1 ? "" : "s");
			status = EXIT_INVALID;
			goto done;
		}
		if (x.fmt == FMT_JSON)
			print_json(json_incident(&x, i));
		else
			notice(&x, i);
		goto out;
	}
	if (x.reg != NULL && x.reg->n > 0) {
		if ((exp = calloc(x.reg->n, sizeof(*exp))) == NULL)
			oom();
		nexp = report_consents_expiring(x.reg, x.now / USEC,
		    REPORT_EXPIRING_DAYS, x.customer, exp, x.reg->n);
	}
	switch (x.fmt) {
	case FMT_TEXT:
		text_header(&x);
		text_incidents(&x);
		text_violations(&x);
		text_consents(&x);
		text_expiring(&x, exp, nexp);
		text_gaps(&x);
		text_totals(&x);
		break;
	case FMT_JSON:
		print_json(json_report(&x, exp, nexp));
		break;
	case FMT_HTML:
		html_report(&x, exp, nexp);
		break;
	}
out:
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "eeaguard report: cannot write the report: "
		    "%s\n", strerror(errno));
		status = EXIT_RUNTIME;
	} else if (x.read_error)
		status = EXIT_INVALID;
done:
	free(events);
	free(exp);
	report_free(x.r);
	for (size_t i = 0; i < x.nsrc; i++) {
		free(x.src[i].path);
		free(x.src[i].error);
	}
	free(x.src);
	consent_register_free(x.reg);
	config_free(x.cfg);
	return status;
}
