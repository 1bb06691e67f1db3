/* eeaguard consent: legal records, renews and revokes consents, visudo-style, with an audit chain. */
#include "agent/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "agent/log.h"
#include "rules/consent.h"
#include "rules/consent_edit.h"
#include "rules/country.h"

#define CC_PIDFILE	"/run/eeaguard/eeaguard.pid"
#define CC_MSG_MAX	1024

/* Long options without a short form. */
enum {
	O_CUSTOMER = 256, O_COUNTRIES, O_HOSTS, O_NETWORKS, O_PORTS, O_PURPOSE,
	O_SUBPROCESSOR, O_DOCUMENT, O_DOCUMENT_FILE, O_DOCUMENT_SHA256,
	O_GRANTED_BY, O_SIGNED, O_VALID_FROM, O_EXPIRES, O_DRY_RUN, O_EVENTS,
	O_REASON, O_COUNTRY, O_ACTIVE, O_EXPIRING, O_JSON
};

/* How each field is named to the person typing the command. */
static const char *const cc_labels[CE_NFIELDS] = {
	[CE_ID] = "id", [CE_CUSTOMER] = "--customer",
	[CE_COUNTRIES] = "--countries", [CE_HOSTS] = "--hosts",
	[CE_NETWORKS] = "--networks", [CE_PORTS] = "--ports",
	[CE_PURPOSE] = "--purpose", [CE_SUBPROCESSOR] = "--subprocessor",
	[CE_DOCUMENT] = "--document", [CE_DOCUMENT_SHA256] = "--document-sha256",
	[CE_GRANTED_BY] = "--granted-by", [CE_SIGNED] = "--signed",
	[CE_VALID_FROM] = "--valid-from", [CE_EXPIRES] = "--expires",
	[CE_REVOKE_REASON] = "--reason",
};

/* The questions asked at a terminal for the fields a consent needs. */
static const struct {
	enum consent_field_id f;
	const char *ask;
} cc_questions[] = {
	{ CE_CUSTOMER, "Customer, spelt as eeaguard.conf names it "
	    "(e.g. acme)" },
	{ CE_COUNTRIES, "Countries outside the EEA the data may go to, as "
	    "two-letter codes separated by commas (e.g. US, CH)" },
	{ CE_PURPOSE, "Purpose of the transfer, as the document states it "
	    "(e.g. card payment processing)" },
	{ CE_DOCUMENT, "Where the signed document is kept "
	    "(e.g. DMS-4711, signed annex 1)" },
	{ CE_GRANTED_BY, "Who signed for the customer, and in what role "
	    "(e.g. J. de Vries, DPO Acme B.V.)" },
	{ CE_SIGNED, "Date the customer signed, as YYYY-MM-DD "
	    "(e.g. 2026-03-01)" },
};

/* What every subcommand knows. */
struct cc {
	struct config *conf;
	const char *reg;	/* the register file */
	const char *log;	/* the audit log */
	int64_t now;
	char user[256];
};

/* The register as read from its file. */
struct cc_reg {
	char *text;
	size_t len;
	bool exists;
	char sha[CONSENT_SHA256_HEX];
	struct consent_register *r;
	mode_t mode;		/* of the file, or what a new one gets */
	gid_t gid;
};

/* One change to make: add, revoke or renew. */
struct cc_change {
	const char *action;
	const struct consent_rec *draft;	/* add */
	const char *id;				/* revoke, renew */
	const char *reason;			/* revoke */
	const struct consent_renewal *renewal;	/* renew */
	const char *document_file;	/* absolute path, or NULL */
	bool dry_run;
	const char *events;
};

/* A change applied in memory and checked, ready to write. */
struct cc_built {
	struct consent_recs recs;
	size_t focus;
	char *text;
	size_t len;
	struct consent_register *r;
	struct consent_rec before, after;
	bool has_before, has_after;
};

static noreturn void
cc_usage_exit(const char *what)
{
	fprintf(stderr, "usage: eeaguard consent %s\n", what);
	exit(EXIT_INVALID);
}

/*
 * The options add, revoke and renew share: -c, --dry-run, --events, and
 * --document-file when docfile is given. True when opt was one of them.
 */
static bool
cc_change_opt(int opt, const char **conf, const char **docfile,
    struct cc_change *ch)
{
	switch (opt) {
	case 'c':
		*conf = optarg;
		return true;
	case O_DOCUMENT_FILE:
		if (docfile == NULL)
			return false;
		*docfile = optarg;
		return true;
	case O_DRY_RUN:
		ch->dry_run = true;
		return true;
	case O_EVENTS:
		ch->events = optarg;
		return true;
	default:
		return false;
	}
}

/* -1 with the reason when --events came without --dry-run. */
static int
cc_change_check(const struct cc_change *ch)
{
	if (ch->events == NULL || ch->dry_run)
		return 0;
	fprintf(stderr, "eeaguard: --events goes with --dry-run: it shows what "
	    "a change would have done\n");
	return -1;
}

static noreturn void
cc_oom(void)
{
	fatalx("out of memory");
}

/* The person behind the command, for recorded_by and the audit log. */
static void
cc_real_user(char *buf, size_t size)
{
	const char *s = getenv("SUDO_USER");
	struct passwd *pw;
	const char *p;

	/*
	 * sudo runs the command as root and names its caller in SUDO_USER.
	 * Anyone else could set the variable, so only root's is believed.
	 */
	if (getuid() == 0 && s != NULL && *s != '\0') {
		for (p = s; *p != '\0'; p++)
			if ((unsigned char)*p <= ' ' || *p == 0x7f)
				break;
		if (*p == '\0') {
			snprintf(buf, size, "%s", s);
			return;
		}
	}
	if ((pw = getpwuid(getuid())) != NULL)
		snprintf(buf, size, "%s", pw->pw_name);
	else
		snprintf(buf, size, "uid %lu", (unsigned long)getuid());
}

static void
cc_init(struct cc *cc, const char *conf)
{
	cc->conf = cli_load_config(conf);
	cc->reg = cc->conf->consent.register_path;
	cc->log = cc->conf->consent.audit_log;
	cc->now = (int64_t)time(NULL);
	cc_real_user(cc->user, sizeof(cc->user));
}

/* The whole file, NUL-terminated. Returns -1 with errno set. */
static int
cc_slurp(const char *path, char **bufp, size_t *lenp)
{
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 16384;
			if ((nb = realloc(buf, cap + 1)) == NULL)
				cc_oom();
			buf = nb;
		}
		if ((n = read(fd, buf + len, cap - len)) == -1) {
			if (errno == EINTR)
				continue;
			saved = errno;
			free(buf);
			close(fd);
			errno = saved;
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (buf == NULL && (buf = malloc(1)) == NULL)
		cc_oom();
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 0;
}

static noreturn void
cc_no_permission(const char *path, int writing)
{
	fprintf(stderr, "eeaguard: you cannot %s %s: ask an administrator to "
	    "add you to the eeaguard-legal group\n", writing ? "write" : "read",
	    path);
	exit(EXIT_RUNTIME);
}

static mode_t
cc_umask(void)
{
	mode_t m = umask(0);

	umask(m);
	return m;
}

/* Reads and validates the register; a missing file is an empty register. */
static void
cc_reg_load(struct cc *cc, struct cc_reg *rg, int writing)
{
	struct errlist errs = { 0 };
	struct stat st;

	memset(rg, 0, sizeof(*rg));
	rg->mode = 0664 & ~cc_umask();
	rg->gid = (gid_t)-1;
	if (cc_slurp(cc->reg, &rg->text, &rg->len) == -1) {
		if (errno == EACCES)
			cc_no_permission(cc->reg, 0);
		if (errno != ENOENT)
			fatal("cannot read %s", cc->reg);
		if ((rg->text = strdup("")) == NULL)
			cc_oom();
		rg->len = 0;
	} else {
		rg->exists = true;
		if (stat(cc->reg, &st) == 0) {
			rg->mode = st.st_mode & 07777;
			rg->gid = st.st_gid;
		}
	}
	consent_sha256_hex(rg->text, rg->len, rg->sha);
	/*
	 * rg->text stays rg's (cc_reg_free frees it). The analyzer forgets
	 * it once consent_sha256_hex has written into *rg, and calls it lost.
	 */
	if (!rg->exists)
		rg->r = consent_register_empty();
	else
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc) */
		rg->r = consent_load_string(cc->reg, rg->text, rg->len,
		    &cc->conf->policy.eea, &errs);
	if (rg->r == NULL) {
		if (errs.n == 0)
			cc_oom();
		errlist_print(&errs);
		fprintf(stderr, "eeaguard: %s has %zu error%s: fix %s first "
		    "(eeaguard check shows them)%s\n", cc->reg, errs.n,
		    errs.n == 1 ? "" : "s", errs.n == 1 ? "it" : "them",
		    writing ? "; nothing was recorded" : "");
		errlist_clear(&errs);
		exit(EXIT_INVALID);
	}
}

static void
cc_reg_free(struct cc_reg *rg)
{
	free(rg->text);
	consent_register_free(rg->r);
	memset(rg, 0, sizeof(*rg));
}

static void
cc_dirname(const char *path, char *buf, size_t size)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(buf, size, ".");
	else if (slash == path)
		snprintf(buf, size, "/");
	else
		snprintf(buf, size, "%.*s", (int)(slash - path), path);
}

/*
 * Says now, before any question is asked, when the edit could not be
 * written: the register's directory (the new file is renamed into it) and
 * the audit log must be writable.
 */
static void
cc_check_writable(struct cc *cc)
{
	char dir[PATH_MAX];

	cc_dirname(cc->reg, dir, sizeof(dir));
	if (access(dir, W_OK) == -1) {
		if (errno == EACCES || errno == EPERM || errno == EROFS)
			cc_no_permission(cc->reg, 1);
		fatal("cannot write %s (directory %s)", cc->reg, dir);
	}
	if (access(cc->log, W_OK) == 0)
		return;
	if (errno == ENOENT) {
		cc_dirname(cc->log, dir, sizeof(dir));
		if (access(dir, W_OK) == 0)
			return;
	}
	if (errno == EACCES || errno == EPERM || errno == EROFS)
		cc_no_permission(cc->log, 1);
	fatal("cannot write the audit log %s", cc->log);
}

static int
cc_write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A rename or a new file is durable only once its directory is synced. */
static int
cc_fsync_dir(const char *path)
{
	char dir[PATH_MAX];
	int fd, rc;

	cc_dirname(path, dir, sizeof(dir));
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* SHA-256 of a signed document's file, and its absolute path. */
static void
cc_document_hash(const char *path, char hex[CONSENT_SHA256_HEX],
    char abs[PATH_MAX])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[32], buf[65536];
	EVP_MD_CTX *ctx;
	ssize_t n;
	size_t i;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    realpath(path, abs) == NULL) {
		fprintf(stderr, "eeaguard: --document-file: cannot read %s: "
		    "%s\n", path, strerror(errno));
		exit(EXIT_INVALID);
	}
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		fatalx("cannot compute SHA-256");
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "eeaguard: --document-file: cannot "
			    "read %s: %s\n", path, strerror(errno));
			exit(EXIT_INVALID);
		}
		EVP_DigestUpdate(ctx, buf, (size_t)n);
	}
	EVP_DigestFinal_ex(ctx, md, NULL);
	EVP_MD_CTX_free(ctx);
	close(fd);
	for (i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
}

/* Sets the document hash from --document-file, checking --document-sha256. */
static void
cc_apply_document_file(const char *file, const char *given,
    char hex[CONSENT_SHA256_HEX], char abs[PATH_MAX])
{
	cc_document_hash(file, hex, abs);
	if (given != NULL && strcasecmp(given, hex) != 0) {
		fprintf(stderr, "eeaguard: --document-sha256 %s does not match "
		    "--document-file %s, whose SHA-256 is %s\n", given, file,
		    hex);
		exit(EXIT_INVALID);
	}
}

static const char *
cc_state(const struct consent *c, int64_t now)
{
	if (c->revoked)
		return "revoked";
	if (now < c->valid_from)
		return "not-yet";
	if (now >= c->expires)
		return "expired";
	return "active";
}

static void
cc_print_list(FILE *fp, const struct strlist *l, bool countries,
    const char *none)
{
	const char *name;
	size_t i;

	if (l->n == 0)
		fputs(none, fp);
	for (i = 0; i < l->n; i++) {
		fprintf(fp, "%s%s", i > 0 ? ", " : "", l->v[i]);
		if (countries && (name = country_name(l->v[i])) != NULL)
			fprintf(fp, " (%s)", name);
	}
	fputc('\n', fp);
}

/*
 * Every field of a consent, one per line, as "show" prints it; a draft
 * shows only what the person recording it gives.
 */
static void
cc_print_rec(FILE *fp, const struct consent_rec *r, const char *state,
    bool draft)
{
	const char *v;
	int f;

	for (f = 0; f < CE_NFIELDS; f++) {
		if (draft && (f == CE_ID || f >= CE_RECORDED_BY))
			continue;
		fprintf(fp, "  %-16s ", consent_field_name(f));
		if (f == CE_REVOKED) {
			fputs(r->revoked ? "yes\n" : "no\n", fp);
			continue;
		}
		if (consent_field_is_list(f)) {
			cc_print_list(fp, &r->list[f], f == CE_COUNTRIES,
			    f == CE_COUNTRIES ? "(none)" : "(any)");
			continue;
		}
		v = r->str[f];
		if (v[0] != '\0')
			fprintf(fp, "%s", v);
		else if (f == CE_VALID_FROM)
			fprintf(fp, "(the signing date)");
		else if (f == CE_EXPIRES)
			fprintf(fp, "(does not expire)");
		else
			fprintf(fp, "(none)");
		if (f == CE_ID && state != NULL)
			fprintf(fp, " (%s)", state);
		fputc('\n', fp);
	}
}

/* The labels of the required fields draft lacks, as "--a, --b". */
static size_t
cc_missing(const struct consent_rec *draft, char *buf, size_t size)
{
	size_t k, n = 0, len = 0;
	int w;

	buf[0] = '\0';
	for (k = 0; k < consent_nrequired; k++) {
		if (!consent_rec_blank(draft, consent_required_fields[k]))
			continue;
		w = snprintf(buf + len, size - len, "%s%s", n > 0 ? ", " : "",
		    cc_labels[consent_required_fields[k]]);
		if (w > 0 && (size_t)w < size - len)
			len += (size_t)w;
		n++;
	}
	return n;
}

static void
cc_built_free(struct cc_built *b)
{
	consent_recs_free(&b->recs);
	free(b->text);
	consent_register_free(b->r);
	if (b->has_before)
		consent_rec_free(&b->before);
	if (b->has_after)
		consent_rec_free(&b->after);
	memset(b, 0, sizeof(*b));
}

/*
 * Applies ch to the register cur in memory and checks the result; on a
 * refusal says why (unless quiet) and leaves nothing allocated in b.
 */
static int
cc_build(struct cc *cc, const struct cc_change *ch,
    const struct consent_register *cur, struct cc_built *b, bool quiet)
{
	struct errlist errs = { 0 };
	char err[CC_MSG_MAX];
	size_t i;
	int rc;

	memset(b, 0, sizeof(*b));
	if (consent_recs_from_register(&b->recs, cur) == -1)
		cc_oom();
	if (strcmp(ch->action, "add") == 0)
		rc = consent_edit_add(&b->recs, ch->draft, cc->now, cc->user,
		    &b->focus, err, sizeof(err));
	else if (strcmp(ch->action, "revoke") == 0)
		rc = consent_edit_revoke(&b->recs, ch->id, ch->reason, cc->now,
		    cc->user, &b->focus, err, sizeof(err));
	else
		rc = consent_edit_renew(&b->recs, ch->id, ch->renewal,
		    &b->focus, err, sizeof(err));
	if (rc == -1) {
		if (!quiet)
			fprintf(stderr, "eeaguard: %s\n", err);
		cc_built_free(b);
		return -1;
	}
	b->r = consent_edit_check(&b->recs, b->focus, cc->reg,
	    &cc->conf->policy.eea, cc_labels, &errs, &b->text, &b->len);
	if (b->r == NULL) {
		if (!quiet)
			for (i = 0; i < errs.n; i++)
				fprintf(stderr, "eeaguard: %s\n", errs.msg[i]);
		errlist_clear(&errs);
		cc_built_free(b);
		return -1;
	}
	if (strcmp(ch->action, "add") != 0) {
		if (consent_rec_from_consent(&b->before,
		    &cur->v[b->focus]) == -1)
			cc_oom();
		b->has_before = true;
	}
	if (consent_rec_from_consent(&b->after, &b->r->v[b->focus]) == -1)
		cc_oom();
	b->has_after = true;
	return 0;
}


/* Strips the newline getline keeps; returns -1 at end of input. */
static int
cc_read_line(char **line, size_t *cap)
{
	ssize_t n;

	if ((n = getline(line, cap, stdin)) == -1)
		return -1;
	while (n > 0 && ((*line)[n - 1] == '\n' || (*line)[n - 1] == '\r'))
		(*line)[--n] = '\0';
	return 0;
}

/*
 * The loader's problems with draft, the required fields still unanswered
 * filled in with harmless values so that only what was given is judged.
 * Messages are "FIELD: message" with the register's field names.
 */
static void
cc_draft_problems(struct cc *cc, const struct consent_register *cur,
    const struct consent_rec *draft, struct errlist *errs)
{
	static const char *const fill[][2] = {
		{ "customer", "x" }, { "purpose", "x" }, { "document", "x" },
		{ "granted_by", "x" }, { "signed", "1970-01-02" },
	};
	static const char *const foreign[] = { "US", "CH", "JP", "CA", "AU" };
	struct consent_register *r;
	struct consent_rec tmp;
	struct consent_recs rs;
	char *text = NULL;
	size_t k, len, focus;
	int g;

	if (consent_rec_copy(&tmp, draft) == -1)
		cc_oom();
	for (k = 0; k < sizeof(fill) / sizeof(fill[0]); k++) {
		g = consent_field_lookup(fill[k][0]);
		if (consent_rec_blank(&tmp, g))
			consent_rec_set(&tmp, g, fill[k][1], NULL, 0);
	}
	for (k = 0; consent_rec_blank(&tmp, CE_COUNTRIES) &&
	    k < sizeof(foreign) / sizeof(foreign[0]); k++)
		if (!country_set_has(&cc->conf->policy.eea, foreign[k]))
			consent_rec_set(&tmp, CE_COUNTRIES, foreign[k], NULL, 0);
	if (consent_recs_from_register(&rs, cur) == -1)
		cc_oom();
	if (consent_edit_add(&rs, &tmp, cc->now, cc->user, &focus, NULL,
	    0) == 0) {
		r = consent_edit_check(&rs, focus, cc->reg,
		    &cc->conf->policy.eea, NULL, errs, &text, &len);
		consent_register_free(r);
		free(text);
	}
	consent_recs_free(&rs);
	consent_rec_free(&tmp);
}

/* The field a "FIELD: message" problem is about, or -1. */
static int
cc_problem_field(const char *msg)
{
	size_t nl;
	int g;

	for (g = 0; g < CE_NFIELDS; g++) {
		nl = strlen(consent_field_name(g));
		if (strncmp(msg, consent_field_name(g), nl) == 0 &&
		    strncmp(msg + nl, ": ", 2) == 0)
			return g;
	}
	return -1;
}

/*
 * Problems with the answer to field f, printed indented as the answer to a
 * question; returns how many.
 */
static size_t
cc_field_problems(struct cc *cc, const struct consent_register *cur,
    const struct consent_rec *draft, enum consent_field_id f)
{
	struct errlist errs = { 0 };
	size_t i, n = 0;
	int g;

	cc_draft_problems(cc, cur, draft, &errs);
	for (i = 0; i < errs.n; i++) {
		g = cc_problem_field(errs.msg[i]);
		/* A date is judged with the others it must fit. */
		if (g == (int)f || (f == CE_SIGNED &&
		    (g == CE_EXPIRES || g == CE_VALID_FROM))) {
			fprintf(stderr, "  %s\n", errs.msg[i] +
			    strlen(consent_field_name(g)) + 2);
			n++;
		}
	}
	errlist_clear(&errs);
	return n;
}

/*
 * Refuses what was given on the command line before asking for the rest:
 * nobody should answer six questions to learn that --countries was wrong.
 */
static void
cc_check_given(struct cc *cc, const struct consent_register *cur,
    const struct consent_rec *draft)
{
	struct errlist errs = { 0 };
	size_t i;
	int g;

	cc_draft_problems(cc, cur, draft, &errs);
	for (i = 0; i < errs.n; i++) {
		if ((g = cc_problem_field(errs.msg[i])) >= 0 &&
		    cc_labels[g] != NULL)
			fprintf(stderr, "eeaguard: %s: %s\n", cc_labels[g],
			    errs.msg[i] + strlen(consent_field_name(g)) + 2);
		else
			fprintf(stderr, "eeaguard: %s\n", errs.msg[i]);
	}
	if (errs.n > 0) {
		fprintf(stderr, "eeaguard: nothing was recorded\n");
		exit(EXIT_INVALID);
	}
}

/*
 * At a terminal: asks for each required field the draft lacks, checking
 * each answer at once; a wrong answer is explained and asked again.
 */
static void
cc_prompt(struct cc *cc, const struct consent_register *cur,
    struct consent_rec *draft)
{
	char *line = NULL, err[CC_MSG_MAX];
	size_t cap = 0, q;

	fprintf(stderr, "Recording a consent in %s. Answer each question "
	    "and press Enter.\n", cc->reg);
	for (q = 0; q < sizeof(cc_questions) / sizeof(cc_questions[0]); q++) {
		enum consent_field_id f = cc_questions[q].f;

		while (consent_rec_blank(draft, f)) {
			fprintf(stderr, "%s: ", cc_questions[q].ask);
			(void)fflush(stderr);
			if (cc_read_line(&line, &cap) == -1)
				goto cancel;
			if (consent_rec_set(draft, f, line, err,
			    sizeof(err)) == -1) {
				fprintf(stderr, "  %s\n", err);
				consent_rec_set(draft, f, "", NULL, 0);
				continue;
			}
			if (consent_rec_blank(draft, f)) {
				fprintf(stderr, "  This is required: a consent "
				    "cannot be recorded without it.\n");
				continue;
			}
			if (cc_field_problems(cc, cur, draft, f) > 0)
				consent_rec_set(draft, f, "", NULL, 0);
		}
	}
	free(line);
	return;
cancel:
	free(line);
	fprintf(stderr, "\neeaguard: cancelled: nothing was recorded\n");
	exit(EXIT_INVALID);
}

/* Takes the register's lock; held until the process exits or closes it. */
static int
cc_lock(struct cc *cc)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s.lock", cc->reg);
	/* flock works on a read-only descriptor: a lock file made by a
	 * colleague under a strict umask still serves. */
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0664)) == -1 &&
	    (errno == EACCES || errno == EPERM || errno == EROFS))
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		if (errno == EACCES || errno == EPERM)
			cc_no_permission(cc->reg, 1);
		fatal("cannot open the lock file %s", path);
	}
	while (flock(fd, LOCK_EX) == -1)
		if (errno != EINTR)
			fatal("cannot lock %s", path);
	return fd;
}

/*
 * Reads the audit log for the next line's prev. A last line without its
 * newline is what a writer stopped mid-write leaves: under the lock it can
 * only be that, and its change never reached the register, so it is cut.
 */
static char *
cc_log_read(struct cc *cc, size_t *lenp, char prev[CONSENT_SHA256_HEX])
{
	char *text;
	size_t len, tail;
	int fd;

	if (cc_slurp(cc->log, &text, &len) == -1) {
		if (errno == EACCES)
			cc_no_permission(cc->log, 0);
		if (errno != ENOENT)
			fatal("cannot read the audit log %s", cc->log);
		if ((text = strdup("")) == NULL)
			cc_oom();
		len = 0;
	}
	consent_audit_prev(text, len, prev, &tail);
	if (tail > 0) {
		if ((fd = open(cc->log, O_WRONLY | O_CLOEXEC)) == -1 ||
		    ftruncate(fd, (off_t)(len - tail)) == -1 || fsync(fd) == -1)
			fatal("cannot repair the audit log %s", cc->log);
		close(fd);
		fprintf(stderr, "eeaguard: note: removed an incomplete last "
		    "line (%zu bytes) from %s: an earlier change was stopped "
		    "while it was being logged and never reached the "
		    "register\n", tail, cc->log);
		len -= tail;
		text[len] = '\0';
	}
	*lenp = len;
	return text;
}

/* Tells whoever edits now what verify will say about the state found. */
static void
cc_log_warn(struct cc *cc, const char *text, size_t len, const char *reg_sha)
{
	struct consent_audit a;
	struct errlist scratch = { 0 };
	const struct consent_audit_entry *e;
	size_t start;

	if (len == 0)
		return;
	for (start = len - 1; start > 0 && text[start - 1] != '\n'; start--)
		;
	if (consent_audit_parse(&a, cc->log, text + start, len - start,
	    &scratch) == 0 && a.n == 1) {
		e = &a.v[0];
		if (strcmp(e->register_sha256, reg_sha) == 0)
			;
		else if (strcmp(e->register_sha256_before, reg_sha) == 0)
			fprintf(stderr, "eeaguard: note: the last logged change "
			    "(%s of %s by %s at %s) was stopped before it "
			    "reached the register: it is not in force\n",
			    e->action, e->id, e->user, e->ts);
		else
			fprintf(stderr, "eeaguard: warning: %s was changed by "
			    "hand after the last recorded change (%s): "
			    "eeaguard consent verify will report it\n",
			    cc->reg, e->ts);
	}
	consent_audit_free(&a);
	errlist_clear(&scratch);
}

/* A running agent picks the file up within 2 s anyway; this is sooner. */
static void
cc_signal_agent(void)
{
	char buf[64], path[64];
	char *end;
	long pid;
	ssize_t n;
	int fd;

	if ((fd = open(CC_PIDFILE, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	errno = 0;
	pid = strtol(buf, &end, 10);
	if (errno != 0 || end == buf || pid <= 1 || pid > INT_MAX)
		return;
	/* A stale pid file may name someone else's process by now. */
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (strcmp(buf, "eeaguard") == 0)
		(void)kill((pid_t)pid, SIGHUP);	/* EPERM: not ours to tell */
}

static void
cc_print_flow(const char *name, int line, const char *ts,
    const char *const *custs, size_t nc, const char *dst, long dport,
    const char *host, const char *cc, const char *event, const char *now)
{
	size_t i;

	printf("  %s:%d  %s  ", name, line, ts);
	for (i = 0; i < nc; i++)
		printf("%s%s", i > 0 ? "," : "", custs[i]);
	printf("  %s port %ld  %s  %s  %s -> would be %s\n",
	    dst != NULL ? dst : "?", dport,
	    host != NULL ? host : "(host unknown)", cc != NULL ? cc : "--",
	    event, now);
}

static const char *
cc_jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/*
 * Which recorded decisions in an events file the change would turn around:
 * each flow is judged at its own time under the register before and after.
 */
static void
cc_events(const char *path, const struct consent_register *before,
    const struct consent_register *after)
{
	struct json_tokener *tok;
	struct json_object *o, *v, *cv;
	const char *ev, *ts, *dst, *host, *ccode, *custs[64];
	struct ipaddr addr;
	FILE *fp;
	char *line = NULL;
	size_t cap = 0, nc, k, checked = 0, allowed = 0, denied = 0;
	ssize_t n;
	int64_t t;
	long dport;
	int lineno = 0;
	bool was, will, header = false;

	if ((fp = fopen(path, "r")) == NULL) {
		fprintf(stderr, "eeaguard: --events: cannot read %s: %s\n",
		    path, strerror(errno));
		exit(EXIT_INVALID);
	}
	if ((tok = json_tokener_new()) == NULL)
		cc_oom();
	while ((n = getline(&line, &cap, fp)) != -1) {
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0)
			continue;
		json_tokener_reset(tok);
		o = json_tokener_parse_ex(tok, line, (int)n);
		if (o == NULL || json_tokener_get_error(tok) !=
		    json_tokener_success ||
		    json_tokener_get_parse_end(tok) != (size_t)n ||
		    !json_object_is_type(o, json_type_object)) {
			fprintf(stderr, "eeaguard: %s:%d: not a JSON event "
			    "(%s): skipped\n", path, lineno, o == NULL ?
			    json_tokener_error_desc(json_tokener_get_error(
			    tok)) : "not one JSON object");
			json_object_put(o);
			continue;
		}
		ev = cc_jstr(o, "event");
		if (ev == NULL || (strcmp(ev, "violation") != 0 &&
		    strcmp(ev, "consent_transfer") != 0 &&
		    strcmp(ev, "unscoped") != 0)) {
			json_object_put(o);
			continue;
		}
		ts = cc_jstr(o, "ts");
		if (ts == NULL || consent_parse_time(ts, &t) == -1) {
			fprintf(stderr, "eeaguard: %s:%d: a %s event without "
			    "a valid \"ts\": skipped\n", path, lineno, ev);
			json_object_put(o);
			continue;
		}
		dst = cc_jstr(o, "dst");
		host = cc_jstr(o, "host");
		ccode = cc_jstr(o, "country");
		dport = 0;
		if (json_object_object_get_ex(o, "dport", &v) &&
		    json_object_is_type(v, json_type_int))
			dport = (long)json_object_get_int64(v);
		nc = 0;
		if (json_object_object_get_ex(o, "customers", &v) &&
		    json_object_is_type(v, json_type_array))
			for (k = 0; k < json_object_array_length(v) &&
			    nc < sizeof(custs) / sizeof(custs[0]); k++) {
				cv = json_object_array_get_idx(v, k);
				if (json_object_is_type(cv, json_type_string))
					custs[nc++] = json_object_get_string(cv);
			}
		checked++;
		/* No customer, no consent decision: unscoped stays so. */
		if (nc == 0) {
			json_object_put(o);
			continue;
		}
		was = consent_flow_allowed(before, custs, nc, ccode,
		    dst != NULL && ipaddr_parse(dst, &addr) == 0 ? &addr : NULL,
		    host, dport > 0 && dport < 65536 ? (uint16_t)dport : 0, t);
		will = consent_flow_allowed(after, custs, nc, ccode,
		    dst != NULL && ipaddr_parse(dst, &addr) == 0 ? &addr : NULL,
		    host, dport > 0 && dport < 65536 ? (uint16_t)dport : 0, t);
		if (was != will) {
			if (!header) {
				printf("recorded flows in %s that this change "
				    "would decide differently:\n", path);
				header = true;
			}
			cc_print_flow(path, lineno, ts, custs, nc, dst, dport,
			    host, ccode, ev, will ? "allow-consent" :
			    "violation");
			if (will)
				allowed++;
			else
				denied++;
		}
		json_object_put(o);
	}
	free(line);
	json_tokener_free(tok);
	(void)fclose(fp);	/* read only: nothing to lose */
	if (allowed + denied == 0)
		printf("no recorded flow in %s would be decided differently "
		    "(%zu decision event%s checked)\n", path, checked,
		    checked == 1 ? "" : "s");
	else
		printf("%zu of %zu decision events would change: %zu would "
		    "now be allowed, %zu would now be violations\n",
		    allowed + denied, checked, allowed, denied);
}

/* The one-line account of a change, as add/revoke/renew print it. */
static void
cc_print_done(const struct cc_change *ch, const struct cc_built *b,
    bool dry)
{
	struct json_object *x = NULL, *y;
	char *d;

	y = consent_rec_json(&b->after);
	if (b->has_before)
		x = consent_rec_json(&b->before);
	if (y == NULL || (b->has_before && x == NULL) ||
	    (d = consent_describe_change(x, y)) == NULL)
		cc_oom();
	if (dry && strcmp(ch->action, "add") == 0) {
		printf("dry run: would record %s (nothing was written):\n",
		    b->after.str[CE_ID]);
		cc_print_rec(stdout, &b->after, NULL, false);
	} else if (dry)
		printf("dry run: would %s %s (nothing was written): %s\n",
		    ch->action, b->after.str[CE_ID], d);
	else
		printf("%s %s: %s\n", strcmp(ch->action, "add") == 0 ?
		    "recorded" : strcmp(ch->action, "revoke") == 0 ?
		    "revoked" : "renewed", b->after.str[CE_ID], d);
	free(d);
	json_object_put(x);
	json_object_put(y);
}

/*
 * Makes the change: under the lock, re-reads and re-checks the register,
 * writes the new one beside it, appends the audit line (synced) and only
 * then renames the new register into place. A crash at any point leaves
 * the old register or the new one, never a mix; one between the log and
 * the rename leaves a logged change that verify reports as interrupted.
 */
static int
cc_commit(struct cc *cc, const struct cc_change *ch)
{
	struct consent_audit_in in;
	struct cc_reg rg;
	struct cc_built b;
	struct stat st;
	char prev[CONSENT_SHA256_HEX], sha[CONSENT_SHA256_HEX];
	char ts[CONSENT_TIME_LEN], tmp[PATH_MAX], err[CC_MSG_MAX];
	char *logtext = NULL, *line = NULL;
	size_t loglen = 0, linelen;
	off_t oldsize;
	int lockfd = -1, fd, created, rc = EXIT_INVALID;
	bool comments;

	memset(&b, 0, sizeof(b));
	if (!ch->dry_run)
		lockfd = cc_lock(cc);
	cc_reg_load(cc, &rg, 1);
	if (!ch->dry_run) {
		logtext = cc_log_read(cc, &loglen, prev);
		cc_log_warn(cc, logtext, loglen, rg.sha);
	}
	if (cc_build(cc, ch, rg.r, &b, false) == -1) {
		fprintf(stderr, "eeaguard: nothing was recorded\n");
		goto done;
	}
	if (ch->dry_run) {
		cc_print_done(ch, &b, true);
		if (ch->events != NULL)
			cc_events(ch->events, rg.r, b.r);
		rc = EXIT_OK;
		goto done;
	}
	comments = rg.exists && consent_text_has_own_comments(rg.text, rg.len);

	consent_sha256_hex(b.text, b.len, sha);
	memset(&in, 0, sizeof(in));
	in.ts = consent_format_time(cc->now, ts);
	in.user = cc->user;
	in.action = ch->action;
	in.id = b.after.str[CE_ID];
	in.before = b.has_before ? &b.before : NULL;
	in.after = &b.after;
	in.document_file = ch->document_file;
	in.register_sha256 = sha;
	in.register_sha256_before = rg.sha;
	in.prev = prev;
	if ((line = consent_audit_line(&in, &linelen, err,
	    sizeof(err))) == NULL)
		fatalx("%s", err);

	/* The new register, complete and synced, before anything refers to it. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", cc->reg);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1) {
		if (errno == EACCES || errno == EPERM || errno == EROFS)
			cc_no_permission(cc->reg, 1);
		fatal("cannot create %s", tmp);
	}
	/* The file is ours: keep the register's mode and group. */
	if (fchmod(fd, rg.mode & 0777) == -1)
		fatal("cannot set the mode of %s", tmp);
	if (rg.gid != (gid_t)-1)
		(void)fchown(fd, (uid_t)-1, rg.gid);
	if (cc_write_all(fd, b.text, b.len) == -1 || fsync(fd) == -1) {
		unlink(tmp);
		fatal("cannot write %s", tmp);
	}
	close(fd);

	/* The audit line, whole and synced, before the change takes effect. */
	created = 0;
	if ((fd = open(cc->log, O_WRONLY | O_APPEND | O_CLOEXEC)) == -1 &&
	    errno == ENOENT) {
		fd = open(cc->log, O_WRONLY | O_APPEND | O_CREAT | O_EXCL |
		    O_CLOEXEC, 0600);
		created = fd != -1;
		if (created && fchmod(fd, rg.mode & 0666) == -1)
			fatal("cannot set the mode of %s", cc->log);
	}
	if (fd == -1) {
		unlink(tmp);
		if (errno == EACCES || errno == EPERM || errno == EROFS)
			cc_no_permission(cc->log, 1);
		fatal("cannot open the audit log %s", cc->log);
	}
	oldsize = fstat(fd, &st) == 0 ? st.st_size : -1;
	if (cc_write_all(fd, line, linelen) == -1 || fsync(fd) == -1) {
		/* Under the lock nobody else appends: take back a part line. */
		if (oldsize >= 0)
			(void)ftruncate(fd, oldsize);
		unlink(tmp);
		fatal("cannot append to the audit log %s", cc->log);
	}
	close(fd);
	if (created && cc_fsync_dir(cc->log) == -1)
		fatal("cannot sync the directory of %s", cc->log);

	if (rename(tmp, cc->reg) == -1)
		fatal("cannot rename %s to %s (the audit log already holds "
		    "this change: eeaguard consent verify will report it as "
		    "interrupted)", tmp, cc->reg);
	if (cc_fsync_dir(cc->reg) == -1)
		fatal("cannot sync the directory of %s", cc->reg);
	close(lockfd);
	lockfd = -1;

	cc_signal_agent();
	cc_print_done(ch, &b, false);
	if (comments)
		printf("note: the comments written by hand in %s were not kept: "
		    "eeaguard consent writes the whole file anew (the audit "
		    "log keeps the history)\n", cc->reg);
	rc = EXIT_OK;
done:
	if (lockfd != -1)
		close(lockfd);
	free(line);
	free(logtext);
	cc_built_free(&b);
	cc_reg_free(&rg);
	return rc;
}

static int
cc_add(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "customer", required_argument, NULL, O_CUSTOMER },
		{ "countries", required_argument, NULL, O_COUNTRIES },
		{ "hosts", required_argument, NULL, O_HOSTS },
		{ "networks", required_argument, NULL, O_NETWORKS },
		{ "ports", required_argument, NULL, O_PORTS },
		{ "purpose", required_argument, NULL, O_PURPOSE },
		{ "subprocessor", required_argument, NULL, O_SUBPROCESSOR },
		{ "document", required_argument, NULL, O_DOCUMENT },
		{ "document-file", required_argument, NULL, O_DOCUMENT_FILE },
		{ "document-sha256", required_argument, NULL,
		    O_DOCUMENT_SHA256 },
		{ "granted-by", required_argument, NULL, O_GRANTED_BY },
		{ "signed", required_argument, NULL, O_SIGNED },
		{ "valid-from", required_argument, NULL, O_VALID_FROM },
		{ "expires", required_argument, NULL, O_EXPIRES },
		{ "dry-run", no_argument, NULL, O_DRY_RUN },
		{ "events", required_argument, NULL, O_EVENTS },
		{ NULL, 0, NULL, 0 }
	};
	static const struct { int opt; enum consent_field_id f; } map[] = {
		{ O_CUSTOMER, CE_CUSTOMER }, { O_COUNTRIES, CE_COUNTRIES },
		{ O_HOSTS, CE_HOSTS }, { O_NETWORKS, CE_NETWORKS },
		{ O_PORTS, CE_PORTS }, { O_PURPOSE, CE_PURPOSE },
		{ O_SUBPROCESSOR, CE_SUBPROCESSOR },
		{ O_DOCUMENT, CE_DOCUMENT },
		{ O_DOCUMENT_SHA256, CE_DOCUMENT_SHA256 },
		{ O_GRANTED_BY, CE_GRANTED_BY }, { O_SIGNED, CE_SIGNED },
		{ O_VALID_FROM, CE_VALID_FROM }, { O_EXPIRES, CE_EXPIRES },
	};
	const char *usage = "add [-c CONF] --customer NAME --countries CC,... "
	    "--purpose TEXT\n"
	    "         --document REF [--document-file FILE] --granted-by WHO "
	    "--signed DATE\n"
	    "         [--hosts H,...] [--networks CIDR,...] [--ports P,...] "
	    "[--subprocessor WHO]\n"
	    "         [--valid-from DATE] [--expires DATE] "
	    "[--dry-run [--events FILE]]";
	struct consent_rec draft;
	struct cc_change ch = { 0 };
	struct cc_built b;
	struct cc_reg rg;
	struct cc cc = { 0 };
	const char *conf = NULL, *docfile = NULL;
	char err[CC_MSG_MAX], missing[256], hex[CONSENT_SHA256_HEX];
	char abs[PATH_MAX], *line = NULL;
	size_t k, cap = 0;
	int opt, rc = EXIT_INVALID;
	bool prompted = false;

	memset(&rg, 0, sizeof(rg));
	if (consent_rec_init(&draft) == -1)
		cc_oom();
	ch.action = "add";
	while ((opt = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		if (cc_change_opt(opt, &conf, &docfile, &ch))
			continue;
		for (k = 0; k < sizeof(map) / sizeof(map[0]); k++)
			if (map[k].opt == opt)
				break;
		if (k == sizeof(map) / sizeof(map[0]))
			cc_usage_exit(usage);
		if (consent_rec_set(&draft, map[k].f, optarg, err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "eeaguard: %s: %s\n",
			    cc_labels[map[k].f], err);
			goto done;
		}
	}
	if (optind != argc)
		cc_usage_exit(usage);
	if (cc_change_check(&ch) == -1)
		goto done;
	cc_init(&cc, conf);
	if (!ch.dry_run)
		cc_check_writable(&cc);
	if (docfile != NULL) {
		cc_apply_document_file(docfile, consent_rec_blank(&draft,
		    CE_DOCUMENT_SHA256) ? NULL : draft.str[CE_DOCUMENT_SHA256],
		    hex, abs);
		consent_rec_set(&draft, CE_DOCUMENT_SHA256, hex, NULL, 0);
		ch.document_file = abs;
	}
	cc_reg_load(&cc, &rg, 1);
	if (cc_missing(&draft, missing, sizeof(missing)) > 0) {
		if (!isatty(STDIN_FILENO)) {
			fprintf(stderr, "eeaguard: missing %s: a consent is "
			    "recorded with --customer, --countries, --purpose, "
			    "--document, --granted-by and --signed; nothing "
			    "was recorded\n", missing);
			goto done;
		}
		cc_check_given(&cc, rg.r, &draft);
		cc_prompt(&cc, rg.r, &draft);
		prompted = true;
	}
	/* Refuse before asking to confirm; the commit checks again, locked. */
	ch.draft = &draft;
	if (cc_build(&cc, &ch, rg.r, &b, false) == -1) {
		fprintf(stderr, "eeaguard: nothing was recorded\n");
		goto done;
	}
	cc_built_free(&b);
	cc_reg_free(&rg);
	if (prompted && !ch.dry_run) {
		fprintf(stderr, "\nThe consent to record (its id is given when "
		    "it is recorded):\n");
		cc_print_rec(stderr, &draft, NULL, true);
		fprintf(stderr, "Record this consent? [y/N] ");
		(void)fflush(stderr);
		if (cc_read_line(&line, &cap) == -1 ||
		    (strcasecmp(line, "y") != 0 &&
		    strcasecmp(line, "yes") != 0)) {
			fprintf(stderr, "\neeaguard: cancelled: nothing was "
			    "recorded\n");
			goto done;
		}
	}
	/* Recorded now, not when the questions began. */
	cc.now = (int64_t)time(NULL);
	rc = cc_commit(&cc, &ch);
done:
	free(line);
	cc_reg_free(&rg);
	consent_rec_free(&draft);
	config_free(cc.conf);
	return rc;
}

static int
cc_revoke(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "reason", required_argument, NULL, O_REASON },
		{ "dry-run", no_argument, NULL, O_DRY_RUN },
		{ "events", required_argument, NULL, O_EVENTS },
		{ NULL, 0, NULL, 0 }
	};
	const char *usage = "revoke [-c CONF] ID --reason TEXT "
	    "[--dry-run [--events FILE]]";
	struct cc_change ch = { 0 };
	struct cc cc;
	const char *conf = NULL;
	int opt, rc;

	ch.action = "revoke";
	while ((opt = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		if (cc_change_opt(opt, &conf, NULL, &ch))
			continue;
		if (opt != O_REASON)
			cc_usage_exit(usage);
		ch.reason = optarg;
	}
	if (optind != argc - 1)
		cc_usage_exit(usage);
	ch.id = argv[optind];
	if (cc_change_check(&ch) == -1)
		return EXIT_INVALID;
	if (ch.reason != NULL) {
		struct consent_rec probe;
		char err[CC_MSG_MAX];

		/* The same rules as every other text in the register. */
		if (consent_rec_init(&probe) == -1)
			cc_oom();
		rc = consent_rec_set(&probe, CE_REVOKE_REASON, ch.reason, err,
		    sizeof(err));
		consent_rec_free(&probe);
		if (rc == -1) {
			fprintf(stderr, "eeaguard: --reason: %s\n", err);
			return EXIT_INVALID;
		}
	}
	cc_init(&cc, conf);
	if (!ch.dry_run)
		cc_check_writable(&cc);
	rc = cc_commit(&cc, &ch);
	config_free(cc.conf);
	return rc;
}

static int
cc_renew(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "expires", required_argument, NULL, O_EXPIRES },
		{ "document", required_argument, NULL, O_DOCUMENT },
		{ "document-file", required_argument, NULL, O_DOCUMENT_FILE },
		{ "document-sha256", required_argument, NULL,
		    O_DOCUMENT_SHA256 },
		{ "signed", required_argument, NULL, O_SIGNED },
		{ "dry-run", no_argument, NULL, O_DRY_RUN },
		{ "events", required_argument, NULL, O_EVENTS },
		{ NULL, 0, NULL, 0 }
	};
	const char *usage = "renew [-c CONF] ID --expires DATE --document REF "
	    "[--document-file FILE]\n"
	    "         [--signed DATE] [--dry-run [--events FILE]]";
	struct consent_renewal rn = { NULL, NULL, NULL, NULL };
	struct consent_rec probe;
	struct cc_change ch = { 0 };
	struct cc cc;
	const char *conf = NULL, *docfile = NULL, **slot;
	char hex[CONSENT_SHA256_HEX], abs[PATH_MAX], err[CC_MSG_MAX];
	int opt, rc, f;

	ch.action = "renew";
	while ((opt = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		if (cc_change_opt(opt, &conf, &docfile, &ch))
			continue;
		switch (opt) {
		case O_EXPIRES:
			slot = &rn.expires;
			f = CE_EXPIRES;
			break;
		case O_DOCUMENT:
			slot = &rn.document;
			f = CE_DOCUMENT;
			break;
		case O_DOCUMENT_SHA256:
			slot = &rn.document_sha256;
			f = CE_DOCUMENT_SHA256;
			break;
		case O_SIGNED:
			slot = &rn.signed_on;
			f = CE_SIGNED;
			break;
		default:
			cc_usage_exit(usage);
		}
		if (consent_rec_init(&probe) == -1)
			cc_oom();
		rc = consent_rec_set(&probe, f, optarg, err, sizeof(err));
		consent_rec_free(&probe);
		if (rc == -1) {
			fprintf(stderr, "eeaguard: %s: %s\n", cc_labels[f], err);
			return EXIT_INVALID;
		}
		*slot = optarg;
	}
	if (optind != argc - 1)
		cc_usage_exit(usage);
	ch.id = argv[optind];
	if (cc_change_check(&ch) == -1)
		return EXIT_INVALID;
	cc_init(&cc, conf);
	if (!ch.dry_run)
		cc_check_writable(&cc);
	if (docfile != NULL) {
		cc_apply_document_file(docfile, rn.document_sha256, hex, abs);
		rn.document_sha256 = hex;
		ch.document_file = abs;
	}
	ch.renewal = &rn;
	rc = cc_commit(&cc, &ch);
	config_free(cc.conf);
	return rc;
}

/* "30d" or "30": days. */
static int
cc_parse_days(const char *s, long *days)
{
	char *end;

	errno = 0;
	*days = strtol(s, &end, 10);
	if (errno != 0 || end == s || *days < 0 || *days > 36500)
		return -1;
	if (*end == 'd')
		end++;
	return *end == '\0' ? 0 : -1;
}

/* Where a consent applies: its hosts and networks, and ports. */
static void
cc_where(const struct consent *c, char *buf, size_t size)
{
	char p[IPPREFIX_STRLEN];
	size_t i, len = 0, k = 0;

	buf[0] = '\0';
#define CC_APPEND(...) do { \
	int w_ = snprintf(buf + len, size - len, __VA_ARGS__); \
	if (w_ > 0 && (size_t)w_ < size - len) len += (size_t)w_; \
} while (0)
	for (i = 0; i < c->hosts.n; i++, k++)
		CC_APPEND("%s%s", k ? ", " : "", c->hosts.v[i]);
	for (i = 0; i < c->networks.n; i++, k++)
		CC_APPEND("%s%s", k ? ", " : "",
		    ipprefix_format(&c->networks.v[i], p));
	if (k == 0)
		CC_APPEND("any host");
	for (i = 0; i < c->ports.n; i++)
		CC_APPEND("%s%u", i ? "," : c->ports.n > 1 ? " ports " :
		    " port ", (unsigned)c->ports.v[i]);
#undef CC_APPEND
}

static int
cc_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "customer", required_argument, NULL, O_CUSTOMER },
		{ "country", required_argument, NULL, O_COUNTRY },
		{ "active", no_argument, NULL, O_ACTIVE },
		{ "expiring", required_argument, NULL, O_EXPIRING },
		{ "json", no_argument, NULL, O_JSON },
		{ NULL, 0, NULL, 0 }
	};
	const char *usage = "list [-c CONF] [--customer NAME] [--country CC] "
	    "[--active] [--expiring 30d] [--json]";
	const char *head[6] = { "ID", "CUSTOMER", "COUNTRIES", "WHERE",
	    "VALID", "STATE" };
	struct cc cc;
	struct cc_reg rg;
	struct json_object *arr, *o;
	struct consent_rec rec;
	const struct consent *c;
	const char *conf = NULL, *customer = NULL, *state;
	char country[3] = "", **cells, where[1024], valid[128], cs[256];
	size_t i, k, n = 0, w[6];
	long days = -1;
	int opt;
	bool active = false, json = false;

	while ((opt = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			conf = optarg;
			break;
		case O_CUSTOMER:
			customer = optarg;
			break;
		case O_COUNTRY:
			if (strlen(optarg) != 2) {
				fprintf(stderr, "eeaguard: --country: '%s' is "
				    "not a two-letter country code (such as "
				    "US)\n", optarg);
				return EXIT_INVALID;
			}
			country[0] = (char)(optarg[0] & ~0x20);
			country[1] = (char)(optarg[1] & ~0x20);
			break;
		case O_ACTIVE:
			active = true;
			break;
		case O_EXPIRING:
			if (cc_parse_days(optarg, &days) == -1) {
				fprintf(stderr, "eeaguard: --expiring: '%s' is "
				    "not a number of days (valid: such as "
				    "30d)\n", optarg);
				return EXIT_INVALID;
			}
			break;
		case O_JSON:
			json = true;
			break;
		default:
			cc_usage_exit(usage);
		}
	}
	if (optind != argc)
		cc_usage_exit(usage);
	cc_init(&cc, conf);
	cc_reg_load(&cc, &rg, 0);
	if ((arr = json_object_new_array()) == NULL ||
	    (cells = calloc(rg.r->n * 6 + 1, sizeof(char *))) == NULL)
		cc_oom();
	for (k = 0; k < 6; k++)
		w[k] = strlen(head[k]);
	for (i = 0; i < rg.r->n; i++) {
		c = &rg.r->v[i];
		state = cc_state(c, cc.now);
		if ((customer != NULL && strcmp(c->customer, customer) != 0) ||
		    (country[0] != '\0' &&
		    !country_set_has(&c->country_set, country)) ||
		    (active && strcmp(state, "active") != 0) ||
		    (days >= 0 && (strcmp(state, "active") != 0 ||
		    c->expires == CONSENT_TIME_MAX ||
		    c->expires - cc.now > days * 86400LL)))
			continue;
		if (json) {
			if (consent_rec_from_consent(&rec, c) == -1 ||
			    (o = consent_rec_json(&rec)) == NULL)
				cc_oom();
			consent_rec_free(&rec);
			json_object_object_add(o, "state",
			    json_object_new_string(state));
			json_object_array_add(arr, o);
			n++;
			continue;
		}
		cs[0] = '\0';
		for (k = 0; k < c->countries.n; k++)
			snprintf(cs + strlen(cs), sizeof(cs) - strlen(cs),
			    "%s%s", k ? "," : "", c->countries.v[k]);
		cc_where(c, where, sizeof(where));
		snprintf(valid, sizeof(valid), "%s - %s",
		    c->valid_from_s[0] != '\0' ? c->valid_from_s : c->signed_on,
		    c->expires_s[0] != '\0' ? c->expires_s : "no end");
		cells[n * 6 + 0] = strdup(c->id);
		cells[n * 6 + 1] = strdup(c->customer);
		cells[n * 6 + 2] = strdup(cs);
		cells[n * 6 + 3] = strdup(where);
		cells[n * 6 + 4] = strdup(valid);
		cells[n * 6 + 5] = strdup(state);
		for (k = 0; k < 6; k++) {
			if (cells[n * 6 + k] == NULL)
				cc_oom();
			if (strlen(cells[n * 6 + k]) > w[k])
				w[k] = strlen(cells[n * 6 + k]);
		}
		n++;
	}
	if (json)
		printf("%s\n", json_object_to_json_string_ext(arr,
		    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
		    JSON_C_TO_STRING_NOSLASHESCAPE));
	else if (n == 0)
		printf("no consents%s in %s\n", rg.r->n > 0 ? " match" :
		    " are recorded", cc.reg);
	else {
		for (k = 0; k < 5; k++)
			printf("%-*s  ", (int)w[k], head[k]);
		printf("%s\n", head[5]);
		for (i = 0; i < n; i++) {
			for (k = 0; k < 5; k++)
				printf("%-*s  ", (int)w[k], cells[i * 6 + k]);
			printf("%s\n", cells[i * 6 + 5]);
		}
	}
	for (i = 0; i < n * 6; i++)
		free(cells[i]);
	free(cells);
	json_object_put(arr);
	cc_reg_free(&rg);
	config_free(cc.conf);
	return EXIT_OK;
}

static int
cc_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 }
	};
	struct cc cc;
	struct cc_reg rg;
	struct consent_rec rec;
	const char *conf = NULL;
	size_t i;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		if (opt != 'c')
			cc_usage_exit("show [-c CONF] ID");
		conf = optarg;
	}
	if (optind != argc - 1)
		cc_usage_exit("show [-c CONF] ID");
	cc_init(&cc, conf);
	cc_reg_load(&cc, &rg, 0);
	for (i = 0; i < rg.r->n; i++)
		if (strcmp(rg.r->v[i].id, argv[optind]) == 0)
			break;
	if (i == rg.r->n) {
		fprintf(stderr, "eeaguard: there is no consent with id '%s' in "
		    "%s (eeaguard consent list shows them)\n", argv[optind],
		    cc.reg);
		rc = EXIT_INVALID;
	} else {
		if (consent_rec_from_consent(&rec, &rg.r->v[i]) == -1)
			cc_oom();
		cc_print_rec(stdout, &rec, cc_state(&rg.r->v[i], cc.now),
		    false);
		consent_rec_free(&rec);
		rc = EXIT_OK;
	}
	cc_reg_free(&rg);
	config_free(cc.conf);
	return rc;
}

/* The register for verify and history: exit 2 when it cannot be read. */
static struct consent_register *
cc_reg_try(struct cc *cc, char sha[CONSENT_SHA256_HEX], bool *exists,
    struct errlist *errs)
{
	char *text;
	size_t len;
	struct consent_register *r;

	*exists = true;
	if (cc_slurp(cc->reg, &text, &len) == -1) {
		if (errno != ENOENT) {
			fprintf(stderr, "eeaguard: cannot read %s: %s\n",
			    cc->reg, strerror(errno));
			exit(EXIT_RUNTIME);
		}
		*exists = false;
		consent_sha256_hex("", 0, sha);
		return consent_register_empty();
	}
	consent_sha256_hex(text, len, sha);
	r = consent_load_string(cc->reg, text, len, &cc->conf->policy.eea,
	    errs);
	free(text);
	return r;
}

/* The audit log for verify and history: exit 2 when it cannot be read. */
static char *
cc_log_try(struct cc *cc, size_t *lenp, bool *exists)
{
	char *text;

	*exists = true;
	if (cc_slurp(cc->log, &text, lenp) == -1) {
		if (errno != ENOENT) {
			fprintf(stderr, "eeaguard: cannot read %s: %s\n",
			    cc->log, strerror(errno));
			exit(EXIT_RUNTIME);
		}
		*exists = false;
		if ((text = strdup("")) == NULL)
			cc_oom();
		*lenp = 0;
	}
	return text;
}

static int
cc_history(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 }
	};
	struct errlist problems = { 0 }, notes = { 0 }, rerrs = { 0 };
	struct consent_register *r;
	struct consent_audit a;
	const struct consent_audit_entry *e;
	const char *conf = NULL, *id = NULL;
	char sha[CONSENT_SHA256_HEX], *text, *d;
	size_t len, i, wu = 4, wa = 6, wi = 2, shown = 0;
	int opt;
	bool rexists, lexists;
	struct cc cc;

	while ((opt = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		if (opt != 'c')
			cc_usage_exit("history [-c CONF] [ID]");
		conf = optarg;
	}
	if (optind < argc - 1)
		cc_usage_exit("history [-c CONF] [ID]");
	if (optind == argc - 1)
		id = argv[optind];
	cc_init(&cc, conf);
	text = cc_log_try(&cc, &len, &lexists);
	if (!lexists) {
		printf("no audit log at %s: no change has been recorded "
		    "through eeaguard consent\n", cc.log);
		free(text);
		config_free(cc.conf);
		return EXIT_OK;
	}
	if (consent_audit_parse(&a, cc.log, text, len, &problems) == -1)
		cc_oom();
	/* Marks the changes that never reached the register. */
	if ((r = cc_reg_try(&cc, sha, &rexists, &rerrs)) != NULL &&
	    consent_audit_verify(&a, r, sha, &rerrs, &notes) == -1)
		cc_oom();
	for (i = 0; i < problems.n; i++)
		fprintf(stderr, "eeaguard: warning: %s (eeaguard consent "
		    "verify checks the whole log)\n", problems.msg[i]);
	for (i = 0; i < a.n; i++) {
		e = &a.v[i];
		if (id != NULL && strcmp(e->id, id) != 0)
			continue;
		wu = strlen(e->user) > wu ? strlen(e->user) : wu;
		wa = strlen(e->action) > wa ? strlen(e->action) : wa;
		wi = strlen(e->id) > wi ? strlen(e->id) : wi;
	}
	for (i = 0; i < a.n; i++) {
		e = &a.v[i];
		if (id != NULL && strcmp(e->id, id) != 0)
			continue;
		if ((d = consent_describe_change(e->before, e->after)) == NULL)
			cc_oom();
		printf("%s  %-*s  %-*s  %-*s  %s", e->ts, (int)wu, e->user,
		    (int)wa, e->action, (int)wi, e->id, d);
		if (e->document_file != NULL)
			printf("; document file %s", e->document_file);
		if (e->interrupted)
			printf("  [interrupted: never reached the register]");
		printf("\n");
		free(d);
		shown++;
	}
	if (shown == 0 && id != NULL) {
		fprintf(stderr, "eeaguard: the audit log %s has no entry for "
		    "'%s'\n", cc.log, id);
		opt = EXIT_INVALID;
	} else {
		if (shown == 0)
			printf("the audit log %s is empty\n", cc.log);
		opt = EXIT_OK;
	}
	consent_register_free(r);
	consent_audit_free(&a);
	errlist_clear(&problems);
	errlist_clear(&notes);
	errlist_clear(&rerrs);
	free(text);
	config_free(cc.conf);
	return opt;
}

/* Signed documents recorded with --document-file must still hash the same. */
static void
cc_verify_documents(const struct consent_audit *a,
    const struct consent_register *r, struct errlist *problems,
    struct errlist *notes)
{
	static const char digits[] = "0123456789abcdef";
	const struct consent_audit_state *st;
	const struct consent *c;
	unsigned char md[32], buf[65536];
	char hex[CONSENT_SHA256_HEX];
	EVP_MD_CTX *ctx;
	ssize_t n;
	size_t i, k;
	int fd;

	for (i = 0; i < a->nstate; i++) {
		st = &a->state[i];
		if (st->document_file == NULL)
			continue;
		for (k = 0, c = NULL; k < r->n && c == NULL; k++)
			if (strcmp(r->v[k].id, st->id) == 0)
				c = &r->v[k];
		if (c == NULL)
			continue;
		if ((fd = open(st->document_file, O_RDONLY | O_CLOEXEC)) == -1) {
			errlist_add(notes, "%s: the signed document %s cannot "
			    "be read here (%s): its SHA-256 was not checked",
			    st->id, st->document_file, strerror(errno));
			continue;
		}
		if ((ctx = EVP_MD_CTX_new()) == NULL ||
		    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
			fatalx("cannot compute SHA-256");
		while ((n = read(fd, buf, sizeof(buf))) > 0 ||
		    (n == -1 && errno == EINTR))
			if (n > 0)
				EVP_DigestUpdate(ctx, buf, (size_t)n);
		EVP_DigestFinal_ex(ctx, md, NULL);
		EVP_MD_CTX_free(ctx);
		close(fd);
		if (n == -1) {
			errlist_add(notes, "%s: the signed document %s cannot "
			    "be read here: its SHA-256 was not checked",
			    st->id, st->document_file);
			continue;
		}
		for (k = 0; k < 32; k++) {
			hex[2 * k] = digits[md[k] >> 4];
			hex[2 * k + 1] = digits[md[k] & 15];
		}
		hex[64] = '\0';
		if (strcmp(hex, c->document_sha256) != 0)
			errlist_add(problems, "%s: the signed document %s no "
			    "longer matches document_sha256 (the file's "
			    "SHA-256 is %s, the register records %s)", st->id,
			    st->document_file, hex, c->document_sha256[0] ?
			    c->document_sha256 : "none");
	}
}

static int
cc_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 }
	};
	struct errlist problems = { 0 }, notes = { 0 }, rerrs = { 0 };
	struct consent_register *r;
	struct consent_audit a;
	const char *conf = NULL;
	char sha[CONSENT_SHA256_HEX], *text;
	size_t len, i;
	int opt;
	bool rexists, lexists;
	struct cc cc;

	while ((opt = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		if (opt != 'c')
			cc_usage_exit("verify [-c CONF]");
		conf = optarg;
	}
	if (optind != argc)
		cc_usage_exit("verify [-c CONF]");
	cc_init(&cc, conf);
	r = cc_reg_try(&cc, sha, &rexists, &rerrs);
	text = cc_log_try(&cc, &len, &lexists);
	if (consent_audit_parse(&a, cc.log, text, len, &problems) == -1)
		cc_oom();
	if (r == NULL) {
		for (i = 0; i < rerrs.n; i++)
			errlist_add(&problems, "%s", rerrs.msg[i]);
		errlist_add(&problems, "%s cannot be read as a consent "
		    "register, so it was not compared with the audit log",
		    cc.reg);
		if (a.n > 0 && strcmp(a.v[a.n - 1].register_sha256, sha) != 0)
			errlist_add(&problems, "the register was edited by hand "
			    "after %s (the last recorded change, %s:%d)",
			    a.v[a.n - 1].ts, cc.log, a.v[a.n - 1].line);
	} else {
		if (consent_audit_verify(&a, r, sha, &problems, &notes) == -1)
			cc_oom();
		cc_verify_documents(&a, r, &problems, &notes);
	}

	printf("audit log %s: %s", cc.log, !lexists ? "none\n" : "");
	if (lexists) {
		printf("%d line%s", a.lines, a.lines == 1 ? "" : "s");
		if (a.lines > 0) {
			char head[CONSENT_SHA256_HEX];
			size_t tail;

			consent_audit_prev(text, len, head, &tail);
			printf(", SHA-256 of the last line %s", head);
		}
		printf("\n");
	}
	printf("register %s: ", cc.reg);
	if (!rexists)
		printf("none\n");
	else if (r == NULL)
		printf("does not load\n");
	else
		printf("%zu consent%s, SHA-256 %s\n", r->n, r->n == 1 ? "" :
		    "s", sha);
	for (i = 0; i < problems.n; i++)
		printf("problem: %s\n", problems.msg[i]);
	for (i = 0; i < notes.n; i++)
		printf("note: %s\n", notes.msg[i]);
	if (problems.n == 0)
		printf("verify: OK: the register is the one the audit log "
		    "describes\n");
	else
		printf("verify: %zu problem%s found\n", problems.n,
		    problems.n == 1 ? "" : "s");
	opt = problems.n == 0 ? EXIT_OK : EXIT_INVALID;
	consent_register_free(r);
	consent_audit_free(&a);
	errlist_clear(&problems);
	errlist_clear(&notes);
	errlist_clear(&rerrs);
	free(text);
	config_free(cc.conf);
	return opt;
}

int
cli_consent(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "add", cc_add }, { "revoke", cc_revoke }, { "renew", cc_renew },
		{ "list", cc_list }, { "show", cc_show },
		{ "history", cc_history }, { "verify", cc_verify },
	};
	size_t i;

	if (argc >= 2)
		for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
			if (strcmp(argv[1], cmds[i].name) == 0)
				return cmds[i].fn(argc - 1, argv + 1);
	/* cppcheck-suppress duplicateCondition ; the loop returns on a match */
	if (argc >= 2)
		fprintf(stderr, "eeaguard: consent: unknown command '%s'\n",
		    argv[1]);
	fprintf(stderr, "usage: eeaguard consent add|revoke|renew|list|show|"
	    "history|verify [-c CONF] ...\n"
	    "  add     record a consent (asks for what is missing at a "
	    "terminal)\n"
	    "  revoke  ID --reason TEXT\n"
	    "  renew   ID --expires DATE --document REF [--document-file "
	    "FILE]\n"
	    "  list    [--customer NAME] [--country CC] [--active] "
	    "[--expiring 30d] [--json]\n"
	    "  show    ID\n"
	    "  history [ID]\n"
	    "  verify  check the register against its audit log\n");
	return EXIT_INVALID;
}
