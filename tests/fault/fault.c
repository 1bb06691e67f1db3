/*
 * Allocation-failure harness: runs one scenario (config, consent register,
 * geodb, agent on a capture) once per allocation it makes, failing that
 * allocation, and checks for a clear error, a correct result or no leak.
 *
 *   fault [-v] [-m ours|all|both] [-x LIB]... [-k LIB]... [-n N]
 *         [-B BOUND -S STRIDE] [-l LABEL]
 *         config FILE | consent FILE | geodb FILE |
 *         agent CONFIG CAPTURE WORKDIR | selftest count|leak|overflow
 *
 * -m: which allocations take part: those our code makes (callers in the
 * executable: libeeaguard.a is linked in), all of them but those of the
 * libraries named with -x (substrings of the loaded file names), or both
 * runs one after the other (default). -k names a library known to leak when
 * one of its own allocations fails: such a leak is counted, not failed.
 * -n runs only the N-th failure (to reproduce one); -B/-S test every N up
 * to BOUND, then every STRIDE-th.
 *
 * Each iteration is announced on stderr ("# fault config X [ours] N=12/240")
 * before it runs, so a crash names the failure that caused it. A summary
 * line per mode goes to stdout; problems as "FAIL - ..." lines; the exit
 * status is 1 when there was any.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <sanitizer/common_interface_defs.h>
#include <sanitizer/lsan_interface.h>

#include "agent/agent.h"
#include "geodb/geodb.h"
#include "rules/config.h"
#include "rules/consent.h"
#include "tests/fault/alloc.h"

#define FP_MAX		65536
#define ERR_MAX		16384
#define MAX_LEAKS	16

struct scen;
/* 0 with the result's fingerprint in fp, or -1 with the errors in err. */
typedef int (*scen_fn)(struct scen *, char *err, size_t errsize, char *fp,
    size_t fpsize);

struct scen {
	const char *kind;
	const char *label;
	const char *path;	/* config, register, geodb; agent: config */
	const char *pcap;	/* agent */
	const char *dir;	/* agent: its work directory */
	scen_fn run;
	char jsonl[4096], metrics[4096], errfile[4096];
};

struct tally {
	uint64_t k;		/* eligible allocations in one run */
	uint64_t injected;	/* iterations where the failure fired */
	uint64_t failed;	/* ... and the call reported failure */
	uint64_t ok;		/* ... and the call still succeeded */
	uint64_t leaks;		/* iterations that leaked */
	uint64_t problems;
	uint64_t kept;		/* iterations after which a library kept blocks */
	uint64_t libleaks;	/* ... or leaked them itself (-k) */
};

static FILE *out;		/* the real stdout */
static int report_fd = 2;	/* the real stderr, for ASan and progress */
static const char *cur_scen = "(none)";
static const char *cur_mode = "";
static uint64_t cur_n;
static bool in_scenario;
static int verbose;
static char baseline[FP_MAX];
static char fpbuf[FP_MAX], errbuf[ERR_MAX];
/* What a run that succeeded said on stderr (the agent), and a clean run. */
static char diagbuf[ERR_MAX], basediag[ERR_MAX];

static const char *const mode_name[] = { "ours", "all" };

/* ---- output ------------------------------------------------------------ */

static void say(const char *, ...) __attribute__((format(printf, 1, 2)));

/* To the real stderr, unbuffered: it must be out before a crash. */
static void
say(const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	if (write(report_fd, buf, (size_t)n) < 0)
		return;
}

static void
on_exit_check(void)
{
	if (in_scenario)
		say("FAIL - fault %s [%s] N=%" PRIu64 ": exit() called inside "
		    "the scenario (a library path must return an error, never "
		    "exit)\n", cur_scen, cur_mode, cur_n);
}

/* Appends to buf at *off; never allocates. */
static void fp_add(char *, size_t, size_t *, const char *, ...)
    __attribute__((format(printf, 4, 5)));

static void
fp_add(char *buf, size_t size, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, size - *off, fmt, ap);
	va_end(ap);
	if (n > 0)
		*off += (size_t)n < size - *off ? (size_t)n : size - *off - 1;
}

/* The whole of path into buf (NUL-terminated), "" when missing. */
static size_t
slurp(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd;

	buf[0] = '\0';
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	while (len + 1 < size &&
	    (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fd);
	return len;
}

/* ---- fingerprints: what a correct result looks like -------------------- */

static void
fp_strlist(char *fp, size_t size, size_t *off, const char *name,
    const struct strlist *l)
{
	fp_add(fp, size, off, " %s=[", name);
	for (size_t i = 0; i < l->n; i++)
		fp_add(fp, size, off, "%s%s", i ? "," : "", l->v[i]);
	fp_add(fp, size, off, "]");
}

static void
fp_prefixes(char *fp, size_t size, size_t *off, const char *name,
    const struct prefixlist *l)
{
	char b[IPPREFIX_STRLEN];

	fp_add(fp, size, off, " %s=[", name);
	for (size_t i = 0; i < l->n; i++)
		fp_add(fp, size, off, "%s%s", i ? "," : "",
		    ipprefix_format(&l->v[i], b));
	fp_add(fp, size, off, "]");
}

static void
fp_ports(char *fp, size_t size, size_t *off, const char *name,
    const struct portlist *l)
{
	fp_add(fp, size, off, " %s=[", name);
	for (size_t i = 0; i < l->n; i++)
		fp_add(fp, size, off, "%s%u", i ? "," : "", l->v[i]);
	fp_add(fp, size, off, "]");
}

static void
fp_config(const struct config *c, char *fp, size_t size)
{
	size_t off = 0;

	fp_add(fp, size, &off, "path=%s mode=%s/%s", c->path,
	    config_mode_name(c->agent.mode),
	    config_enforce_name(c->agent.enforce));
	fp_strlist(fp, size, &off, "ifaces", &c->agent.interfaces);
	fp_prefixes(fp, size, &off, "local", &c->agent.local_networks);
	fp_add(fp, size, &off, " local_set=%zu flows=%u idle=%u\n",
	    c->agent.local_set ? netset_count(c->agent.local_set) : 0,
	    c->agent.flow_capacity, c->agent.flow_idle_timeout);
	fp_add(fp, size, &off, "geodb=%s", c->geodb.path ? c->geodb.path :
	    "(default)");
	fp_strlist(fp, size, &off, "cpath", &c->geodb.country_path);
	fp_add(fp, size, &off, " cache=%u age=%u register=%s audit=%s\n",
	    c->geodb.cache_size, c->geodb.max_age_days,
	    c->consent.register_path, c->consent.audit_log);
	fp_add(fp, size, &off, "eea=%zu unscoped=%s",
	    country_set_count(&c->policy.eea),
	    config_unscoped_name(c->policy.unscoped));
	fp_prefixes(fp, size, &off, "internal", &c->policy.internal);
	fp_add(fp, size, &off, " internal_set=%zu\n", c->policy.internal_set ?
	    netset_count(c->policy.internal_set) : 0);
	for (size_t i = 0; i < c->n_scopes; i++) {
		const struct scope *s = &c->scopes[i];
		const struct scope_match *m = &s->match;

		fp_add(fp, size, &off, "scope %s line=%d data=%s subjects=%ld",
		    s->name, s->line, s->data ? s->data : "(null)",
		    s->subjects);
		fp_strlist(fp, size, &off, "customers", &s->customers);
		fp_add(fp, size, &off, " uids=[");
		for (size_t j = 0; j < m->n_uids; j++)
			fp_add(fp, size, &off, "%s%u", j ? "," : "", m->uids[j]);
		fp_add(fp, size, &off, "]");
		fp_strlist(fp, size, &off, "users", &m->users);
		fp_strlist(fp, size, &off, "cgroups", &m->cgroups);
		fp_strlist(fp, size, &off, "comms", &m->comms);
		fp_prefixes(fp, size, &off, "src", &m->src);
		fp_ports(fp, size, &off, "sports", &m->sports);
		fp_ports(fp, size, &off, "dports", &m->dports);
		fp_add(fp, size, &off, " src_set=%zu protos=%u empty=%d\n",
		    m->src_set ? netset_count(m->src_set) : 0, m->protocols,
		    m->empty);
	}
	for (size_t i = 0; i < c->n_exempts; i++) {
		const struct exempt *e = &c->exempts[i];

		fp_add(fp, size, &off, "exempt line=%d", e->line);
		fp_prefixes(fp, size, &off, "dst", &e->dst);
		fp_ports(fp, size, &off, "dports", &e->dports);
		fp_add(fp, size, &off, " protos=%u reason=%s\n", e->protocols,
		    e->reason ? e->reason : "(null)");
	}
	fp_add(fp, size, &off, "alerts stdout=%d syslog=%d jsonl=%s exec=%s "
	    "dedup=%u metrics=%s stats=%u\n", c->alerts.to_stdout,
	    c->alerts.syslog, c->alerts.jsonl, c->alerts.exec,
	    c->alerts.dedup_window, c->alerts.metrics_file,
	    c->alerts.stats_interval);
}

static void
fp_consents(const struct consent_register *r, char *fp, size_t size)
{
	size_t off = 0;

	fp_add(fp, size, &off, "path=%s n=%zu sha256=", r->path ? r->path :
	    "(null)", r->n);
	for (size_t i = 0; i < sizeof(r->sha256); i++)
		fp_add(fp, size, &off, "%02x", r->sha256[i]);
	fp_add(fp, size, &off, "\n");
	for (size_t i = 0; i < r->n; i++) {
		const struct consent *c = &r->v[i];

		fp_add(fp, size, &off, "%s customer=%s line=%d", c->id,
		    c->customer, c->line);
		fp_strlist(fp, size, &off, "countries", &c->countries);
		fp_add(fp, size, &off, " set=%zu",
		    country_set_count(&c->country_set));
		fp_strlist(fp, size, &off, "hosts", &c->hosts);
		fp_prefixes(fp, size, &off, "networks", &c->networks);
		fp_ports(fp, size, &off, "ports", &c->ports);
		fp_add(fp, size, &off, " [%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|"
		    "%s|%s] revoked=%d from=%" PRId64 " expires=%" PRId64 "\n",
		    c->purpose, c->subprocessor, c->document,
		    c->document_sha256, c->granted_by, c->signed_on,
		    c->valid_from_s, c->expires_s, c->recorded_by,
		    c->recorded_at, c->revoked_at, c->revoked_by,
		    c->revoke_reason, c->id, c->revoked, c->valid_from,
		    c->expires);
	}
}

static void
fp_geodb(struct geodb *db, char *fp, size_t size)
{
	static const uint8_t probes[][4] = { { 192, 0, 2, 1 },
	    { 198, 51, 100, 7 }, { 203, 0, 113, 130 }, { 8, 8, 8, 8 },
	    { 193, 0, 6, 139 } };
	const struct geodb_info *gi = geodb_get_info(db);
	struct geodb_result r;
	size_t off = 0;

	fp_add(fp, size, &off, "type=%s built=%s sha256=%s nodes=%u ip=%u "
	    "rec=%u size=%zu records=%zu countries=%zu path=%s\n",
	    gi->database_type, gi->build_time, gi->sha256, gi->node_count,
	    gi->ip_version, gi->record_size, gi->size, gi->records,
	    gi->countries, gi->country_path);
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		int rc = geodb_lookup(db, 2 /* AF_INET */, probes[i], &r);

		fp_add(fp, size, &off, "%d.%d.%d.%d %d %s/%u %d\n",
		    probes[i][0], probes[i][1], probes[i][2], probes[i][3], rc,
		    r.cc, r.prefix_len, r.found);
	}
}

/*
 * The events file, without what changes from run to run: the wall-clock
 * time of the lifecycle events (the others carry the capture's time).
 */
static void
fp_events(const char *text, char *fp, size_t size)
{
	static const char lifecycle[] = "\",\"event\":\"agent_";
	const char *p = text, *nl, *q;
	size_t off = 0;

	while (*p != '\0') {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		q = NULL;
		if (strncmp(p, "{\"ts\":\"", 7) == 0)
			q = memchr(p + 7, '"', (size_t)(nl - p - 7));
		if (q != NULL && strncmp(q, lifecycle,
		    sizeof(lifecycle) - 1) == 0)
			fp_add(fp, size, &off, "{\"ts\":*%.*s\n",
			    (int)(nl - q - 1), q + 1);
		else
			fp_add(fp, size, &off, "%.*s\n", (int)(nl - p), p);
		p = *nl != '\0' ? nl + 1 : nl;
	}
}

/* ---- scenarios --------------------------------------------------------- */

/* The messages one per line, as the checks want them. */
static void
err_lines(const struct errlist *e, char *err, size_t size)
{
	size_t off = 0;

	err[0] = '\0';
	for (size_t i = 0; i < e->n; i++)
		fp_add(err, size, &off, "%s\n", e->msg[i]);
	if (e->oom)
		fp_add(err, size, &off, "(out of memory: some errors were not "
		    "recorded)\n");
}

static int
run_config(struct scen *s, char *err, size_t errsize, char *fp,
    size_t fpsize)
{
	struct errlist e = { 0 };
	struct config *c;

	if ((c = config_load(s->path, &e)) == NULL) {
		err_lines(&e, err, errsize);
		errlist_clear(&e);
		return -1;
	}
	fp_config(c, fp, fpsize);
	if (e.n > 0 || e.oom) {
		size_t off = strlen(fp);

		fp_add(fp, fpsize, &off, "unexpected messages with a result:\n");
		err_lines(&e, fp + off, fpsize - off);
	}
	config_free(c);
	errlist_clear(&e);
	return 0;
}

static int
run_consent(struct scen *s, char *err, size_t errsize, char *fp,
    size_t fpsize)
{
	struct errlist e = { 0 };
	struct consent_register *r;
	struct country_set eea;

	country_set_eea_default(&eea);
	if ((r = consent_load(s->path, &eea, &e)) == NULL) {
		err_lines(&e, err, errsize);
		errlist_clear(&e);
		return -1;
	}
	fp_consents(r, fp, fpsize);
	if (e.n > 0 || e.oom) {
		size_t off = strlen(fp);

		fp_add(fp, fpsize, &off, "unexpected messages with a result:\n");
		err_lines(&e, fp + off, fpsize - off);
	}
	consent_register_free(r);
	errlist_clear(&e);
	return 0;
}

static int
run_geodb(struct scen *s, char *err, size_t errsize, char *fp,
    size_t fpsize)
{
	static const char *const cpath[] = { "country", "iso_code", NULL };
	struct geodb *db;

	err[0] = '\0';
	if ((db = geodb_open(s->path, cpath, 1024, err, errsize)) == NULL) {
		if (err[0] != '\0')
			strncat(err, "\n", errsize - strlen(err) - 1);
		return -1;
	}
	fp_geodb(db, fp, fpsize);
	geodb_close(db);
	return 0;
}

/*
 * The agent writes its own diagnostics to stderr: while it runs, stderr is
 * a file read back afterwards (ASan reports still go to the real stderr).
 */
static int
stderr_to(const char *path)
{
	int fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1)
		return -1;
	dup2(fd, 2);
	close(fd);
	return 0;
}

static int
run_agent(struct scen *s, char *err, size_t errsize, char *fp,
    size_t fpsize)
{
	static char text[FP_MAX], diag[ERR_MAX];
	struct agent_options o;
	struct agent *a;
	int status, rc = 0;
	size_t off;

	unlink(s->jsonl);
	unlink(s->metrics);
	memset(&o, 0, sizeof(o));
	o.config_path = s->path;
	o.pcap_file = s->pcap;
	o.stdout_format = SINK_FORMAT_JSON;
	err[0] = '\0';
	stderr_to(s->errfile);
	if ((a = agent_new(&o, err, errsize, &status)) == NULL) {
		dup2(report_fd, 2);
		/* agent_new joins its messages with "; ". */
		for (char *p = err; (p = strstr(p, "; ")) != NULL; p++)
			p[0] = '\n', p[1] = ' ';
		if (err[0] != '\0')
			strncat(err, "\n", errsize - strlen(err) - 1);
		off = strlen(err);
		slurp(s->errfile, diag, sizeof(diag));
		fp_add(err, errsize, &off, "%s", diag);
		return -1;
	}
	status = agent_run_offline(a);
	agent_free(a);
	dup2(report_fd, 2);
	slurp(s->errfile, diag, sizeof(diag));
	if (status != 0) {
		snprintf(err, errsize, "%s", diag[0] != '\0' ? diag :
		    "(exit status without a message)\n");
		return -1;
	}
	slurp(s->jsonl, text, sizeof(text));
	fp_events(text, fp, fpsize);
	/* Its warnings are checked apart from the evidence. */
	snprintf(diagbuf, sizeof(diagbuf), "%s", diag);
	return rc;
}

/* ---- checks ------------------------------------------------------------ */

/* A message about memory, and nothing that blames the input. */
static const char *
oom_problem(const char *line)
{
	static const char *const good[] = { "out of memory",
	    "cannot allocate memory", NULL };
	static const char *const bad[] = { "corrupt", "not a valid",
	    "syntax", "invalid", "cannot parse", "missing", "does not decode",
	    NULL };
	char l[1024];
	size_t i;

	snprintf(l, sizeof(l), "%s", line);
	for (i = 0; l[i] != '\0'; i++)
		if (l[i] >= 'A' && l[i] <= 'Z')
			l[i] = (char)(l[i] - 'A' + 'a');
	for (i = 0; bad[i] != NULL; i++)
		if (strstr(l, bad[i]) != NULL)
			return "a message that blames the input";
	for (i = 0; good[i] != NULL; i++)
		if (strstr(l, good[i]) != NULL)
			return NULL;
	return "a message that does not say memory ran out";
}

/* Checks each line of err; reports the first bad one. */
static bool
check_error(const char *err, const char **why, char *bad, size_t badsize)
{
	const char *p = err, *nl;
	char line[1024];
	bool any = false;

	for (; *p != '\0'; p = *nl != '\0' ? nl + 1 : nl) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
		/* The agent's own diagnostics may add a context line. */
		if (line[0] == '\0')
			continue;
		any = true;
		if ((*why = oom_problem(line)) != NULL) {
			snprintf(bad, badsize, "%s", line);
			return false;
		}
	}
	if (!any) {
		*why = "no error message";
		bad[0] = '\0';
		return false;
	}
	return true;
}

/*
 * A run that succeeded with the right result may warn that memory ran out
 * (a metrics file not written this time); any other new line is a
 * problem. Lines a clean run prints too are fine.
 */
static bool
check_warnings(const char *diag, const char *base, const char **why,
    char *bad, size_t badsize)
{
	const char *p = diag, *nl;
	char line[1024];

	for (; *p != '\0'; p = *nl != '\0' ? nl + 1 : nl) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
		if (line[0] == '\0' || strstr(base, line) != NULL)
			continue;
		if ((*why = oom_problem(line)) != NULL) {
			snprintf(bad, badsize, "%s", line);
			return false;
		}
	}
	return true;
}

/* From the first line where a and b differ, a few lines of each. */
static void
first_diff(const char *a, const char *b, char *buf, size_t size)
{
	const char *la = a, *lb = b;
	size_t off = 0;

	while (*a != '\0' && *a == *b) {
		if (*a == '\n') {
			la = a + 1;
			lb = b + 1;
		}
		a++;
		b++;
	}
	buf[0] = '\0';
	for (int i = 0; i < 2; i++) {
		const char *p = i == 0 ? la : lb;

		fp_add(buf, size, &off, "%s", i == 0 ? "want: " : "\n    got:  ");
		if (*p == '\0')
			fp_add(buf, size, &off, "(end)");
		for (int n = 0; *p != '\0' && n < 3; n++) {
			size_t len = strcspn(p, "\n");

			fp_add(buf, size, &off, "%s%.*s", n ? " | " : "",
			    (int)(len > 300 ? 300 : len), p);
			p += len + (p[len] != '\0');
		}
	}
}

static void
problem(struct tally *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
problem(struct tally *t, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(out, "FAIL - fault %s [%s] N=%" PRIu64 ": %s\n", cur_scen,
	    cur_mode, cur_n, buf);
	fflush(out);
	t->problems++;
}

/* Runs s with the n-th allocation failing (0: none); 0 or -1 as run. */
static int
run_armed(struct scen *s, enum alloc_filter f, uint64_t n)
{
	int rc;

	alloc_reset(f);
	alloc_arm(n);
	in_scenario = true;
	diagbuf[0] = '\0';
	rc = s->run(s, errbuf, sizeof(errbuf), fpbuf, sizeof(fpbuf));
	in_scenario = false;
	alloc_arm(0);
	return rc;
}

/*
 * Live blocks from seq on, one line each with where they came from; *ours
 * counts those our code allocated.
 */
static size_t
leaked_since(uint64_t seq, char *buf, size_t size, size_t *ours)
{
	static struct alloc_block b[4096];
	char sym[512];
	size_t n, off = 0;

	n = alloc_since(seq, b, sizeof(b) / sizeof(b[0]));
	buf[0] = '\0';
	*ours = 0;
	for (size_t i = 0; i < n && i < sizeof(b) / sizeof(b[0]); i++) {
		if (alloc_is_ours(b[i].site))
			(*ours)++;
		if (i < MAX_LEAKS)
			fp_add(buf, size, &off, "\n    %zu bytes from %s",
			    b[i].size, alloc_symbolize(b[i].site, sym,
			    sizeof(sym)));
	}
	if (n > MAX_LEAKS)
		fp_add(buf, size, &off, "\n    ... %zu more", n - MAX_LEAKS);
	/* No stale copy of the pointers may hide them from LeakSanitizer. */
	memset(b, 0, sizeof(b));
	return n;
}

/* Libraries known to leak on their own allocation failures (-k). */
static const char *known_leaky[8];
static size_t n_known_leaky;

/* The file name of the object holding code address pc. */
static const char *
object_of(const void *pc)
{
	Dl_info info;

	if (dladdr(pc, &info) == 0 || info.dli_fname == NULL)
		return "?";
	return info.dli_fname;
}

static bool
in_known_leaky(const void *pc)
{
	const char *obj = object_of(pc);

	for (size_t i = 0; i < n_known_leaky; i++)
		if (strstr(obj, known_leaky[i]) != NULL)
			return true;
	return false;
}

/*
 * A leak is the library's own when the allocation that failed was the
 * library's and every block left behind is one it allocated itself: a
 * block it handed to us and we lost would have failed in our code's call.
 */
static bool
known_leak(uint64_t seq, const void *failed_site)
{
	static struct alloc_block b[4096];
	const char *lib;
	size_t n, i;

	if (!in_known_leaky(failed_site))
		return false;
	lib = object_of(failed_site);
	n = alloc_since(seq, b, sizeof(b) / sizeof(b[0]));
	for (i = 0; i < n && i < sizeof(b) / sizeof(b[0]); i++)
		if (strcmp(object_of(b[i].site), lib) != 0)
			break;
	memset(b, 0, sizeof(b));
	return i == n;
}

/* A leak found is reported once, not again at every later check. */
static void
lsan_forget_since(uint64_t seq)
{
	static struct alloc_block b[4096];
	size_t n;

	n = alloc_since(seq, b, sizeof(b) / sizeof(b[0]));
	for (size_t i = 0; i < n && i < sizeof(b) / sizeof(b[0]); i++)
		__lsan_ignore_object(b[i].ptr);
	memset(b, 0, sizeof(b));
}

static void
iterate(struct scen *s, enum alloc_filter f, uint64_t n, struct tally *t)
{
	static char leaks[8192];
	char sym[512], bad[1024], diff[2048];
	const char *why;
	void *site;
	uint64_t seq;
	size_t live, nleak, ours;
	int rc;

	cur_n = n;
	say("# fault %s [%s] N=%" PRIu64 "/%" PRIu64 "\n", s->label,
	    mode_name[f], n, t->k);
	live = alloc_live();
	seq = alloc_seq();
	rc = run_armed(s, f, n);
	if (!alloc_fired(&site)) {
		/* Fewer allocations this time: nothing was tested. */
		if (verbose)
			say("#   allocation %" PRIu64 " not reached\n", n);
		return;
	}
	t->injected++;
	alloc_symbolize(site, sym, sizeof(sym));
	if (rc == -1) {
		t->failed++;
		if (!check_error(errbuf, &why, bad, sizeof(bad)))
			problem(t, "allocation in %s failed: %s: \"%s\"", sym,
			    why, bad);
		else if (verbose)
			say("#   %s -> %s", sym, errbuf);
	} else {
		t->ok++;
		if (strcmp(fpbuf, baseline) != 0) {
			first_diff(baseline, fpbuf, diff, sizeof(diff));
			problem(t, "allocation in %s failed, yet the call "
			    "succeeded with a different result:\n    %s", sym,
			    diff);
		} else if (!check_warnings(diagbuf, basediag, &why, bad,
		    sizeof(bad)))
			problem(t, "allocation in %s failed, the call "
			    "succeeded, but it warned with %s: \"%s\"", sym,
			    why, bad);
		else if (verbose)
			say("#   %s -> succeeded%s\n", sym, strcmp(diagbuf,
			    basediag) != 0 ? " with a warning" : " (optional)");
	}
	if ((nleak = leaked_since(seq, leaks, sizeof(leaks), &ours)) == 0)
		return;
	/*
	 * Blocks of this run are still live. Unreachable ones are leaks:
	 * LeakSanitizer decides, and prints them with their stacks. Reachable
	 * ones a library keeps (a cache, an error queue) are not ours to
	 * free; one that our own code allocated and kept is a leak too.
	 */
	if (__lsan_do_recoverable_leak_check() != 0) {
		if (known_leak(seq, site)) {
			t->libleaks++;
			if (verbose)
				say("#   %s leaked on its own allocation "
				    "failure (known):%s\n", object_of(site),
				    leaks);
			lsan_forget_since(seq);
			return;
		}
		t->leaks++;
		problem(t, "allocation in %s failed (%s): %zu block(s) still "
		    "live, live %zu -> %zu, LeakSanitizer: unreachable (see its "
		    "report above):%s", sym, rc == 0 ? "call succeeded" :
		    "call failed", nleak, live, alloc_live(), leaks);
		lsan_forget_since(seq);
		return;
	}
	if (ours > 0) {
		t->leaks++;
		problem(t, "allocation in %s failed (%s): %zu block(s) that our "
		    "code allocated are still live (reachable), live %zu -> "
		    "%zu:%s", sym, rc == 0 ? "call succeeded" : "call failed",
		    ours, live, alloc_live(), leaks);
		return;
	}
	t->kept++;
	if (verbose)
		say("#   %zu block(s) kept by a library (reachable), live %zu "
		    "-> %zu:%s\n", nleak, live, alloc_live(), leaks);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Every N in 1..K, or up to bound then every stride-th; tally in t. */
static int
run_mode(struct scen *s, enum alloc_filter f, uint64_t only, uint64_t bound,
    uint64_t stride, const char *exclude_text)
{
	struct tally t;
	uint64_t k2, n;
	double t0 = now_s();
	char fmode[600];
	int rc;

	memset(&t, 0, sizeof(t));
	cur_mode = mode_name[f];
	cur_n = 0;
	/* Twice: lazy global initialisation out of the way, then the baseline. */
	rc = run_armed(s, f, 0);
	if (run_armed(s, f, 0) != 0 || rc != 0) {
		problem(&t, "the scenario fails with no allocation failing:\n%s",
		    errbuf);
		return -1;
	}
	snprintf(baseline, sizeof(baseline), "%s", fpbuf);
	snprintf(basediag, sizeof(basediag), "%s", diagbuf);
	if (__lsan_do_recoverable_leak_check() != 0) {
		problem(&t, "the scenario leaks with no allocation failing "
		    "(see LeakSanitizer's report above)");
		lsan_forget_since(0);
	}
	t.k = alloc_count();
	run_armed(s, f, 0);
	k2 = alloc_count();
	if (strcmp(baseline, fpbuf) != 0)
		problem(&t, "two clean runs differ: the fingerprint is not "
		    "deterministic");
	if (k2 != t.k) {
		say("# fault %s [%s]: %" PRIu64 " then %" PRIu64 " allocations: "
		    "not deterministic\n", s->label, mode_name[f], t.k, k2);
		if (k2 > t.k)
			t.k = k2;
	}
	if (only != 0)
		iterate(s, f, only, &t);
	else
		for (n = 1; n <= t.k; n += n < bound ? 1 : stride)
			iterate(s, f, n, &t);
	if (f == ALLOC_OURS)
		snprintf(fmode, sizeof(fmode), "our code");
	else if (exclude_text[0] != '\0')
		snprintf(fmode, sizeof(fmode), "all but %s", exclude_text);
	else
		snprintf(fmode, sizeof(fmode), "all");
	if (!alloc_track_ok())
		problem(&t, "the live-block table overflowed: leak counts are "
		    "unreliable");
	fprintf(out, "fault: %s %s (%s): %" PRIu64 " allocations, %" PRIu64
	    " failures injected%s, 0 crashes, %" PRIu64 " leaks, %" PRIu64
	    " problems (%" PRIu64 " failed cleanly, %" PRIu64
	    " succeeded)", s->kind, s->label, fmode, t.k, t.injected,
	    only != 0 ? " (one N only)" : bound < t.k ?
	    " (every N to the bound, then a stride)" : "", t.leaks,
	    t.problems, t.failed, t.ok);
	if (bound < t.k && only == 0)
		fprintf(out, " [N = 1..%" PRIu64 ", then every %" PRIu64 "th]",
		    bound, stride);
	if (t.libleaks > 0)
		fprintf(out, " [%" PRIu64 " known leaks inside a -k library "
		    "on its own allocation failure]", t.libleaks);
	if (t.kept > 0)
		fprintf(out, " [%" PRIu64 " times a library kept reachable "
		    "blocks]", t.kept);
	fprintf(out, ", %.1f s\n", now_s() - t0);
	fflush(out);
	return t.problems > 0 ? -1 : 0;
}

/* ---- self test: the interposer counts, fails and keeps ASan working ---- */

static int
selftest(const char *what)
{
	/*
	 * Through volatile pointers: the compiler must neither drop a
	 * malloc/free pair nor see the overflow coming.
	 */
	void *(*volatile malloc_v)(size_t) = malloc;
	void *(*volatile calloc_v)(size_t, size_t) = calloc;
	void *(*volatile realloc_v)(void *, size_t) = realloc;
	void (*volatile free_v)(void *) = free;
	char *(*volatile strdup_v)(const char *) = strdup;
	char *(*volatile strndup_v)(const char *, size_t) = strndup;
	volatile size_t nine = 9;
	struct alloc_block b[4];
	char *p, *q, *r;
	void *m;
	uint64_t seq;
	size_t n, n2;
	int bad = 0;

	if (strcmp(what, "leak") == 0) {
		/* LeakSanitizer must still see a block through the interposer. */
		p = malloc_v(37);
		p[0] = 1;
		p = NULL;
		fflush(out);
		return 0;
	}
	if (strcmp(what, "overflow") == 0) {
		p = malloc_v(8);
		memset(p, 0, nine);	/* ASan: heap-buffer-overflow */
		free_v(p);
		return 0;
	}
	if (strcmp(what, "count") != 0)
		return 2;
#define EXPECT(c) do { if (!(c)) { bad = 1; \
	fprintf(out, "FAIL - fault selftest: %s (line %d)\n", #c, __LINE__); \
	} } while (0)
	/* Before anything is printed: stdio allocates its buffer then. */
	seq = alloc_seq();
	p = malloc_v(123);
	q = realloc_v(malloc_v(5), 77);
	n = alloc_since(seq, b, 4);
	free_v(p);
	free_v(q);
	n2 = alloc_since(seq, NULL, 0);
	EXPECT(n == 2 && b[0].size + b[1].size == 200);
	EXPECT(n2 == 0);

	alloc_reset(ALLOC_OURS);
	p = malloc_v(10);
	q = strdup_v("abc");
	r = calloc_v(2, 8);
	EXPECT(alloc_count() == 3);
	free_v(p);
	free_v(q);
	free_v(r);
	alloc_reset(ALLOC_OURS);
	alloc_arm(2);
	p = malloc_v(10);
	q = strdup_v("abc");
	r = strndup_v("abcdef", 3);
	EXPECT(p != NULL && q == NULL && r != NULL && strcmp(r, "abc") == 0);
	EXPECT(alloc_fired(NULL));
	free_v(p);
	free_v(r);
	/* A failed realloc keeps the block. */
	p = malloc_v(4);
	memcpy(p, "xyz", 4);
	alloc_reset(ALLOC_OURS);
	alloc_arm(1);
	EXPECT(realloc_v(p, 4096) == NULL && strcmp(p, "xyz") == 0);
	alloc_reset(ALLOC_OURS);
	alloc_arm(1);
	EXPECT(posix_memalign(&m, 64, 100) == ENOMEM);
	alloc_arm(0);
	free_v(p);
	/* Library callers count only in "all" mode. */
	{
		FILE *f;

		alloc_reset(ALLOC_OURS);
		if ((f = fopen("/dev/null", "r")) != NULL)
			fclose(f);
		EXPECT(alloc_count() == 0);
		alloc_reset(ALLOC_ALL);
		if ((f = fopen("/dev/null", "r")) != NULL)
			fclose(f);
		EXPECT(alloc_count() >= 1);
	}
	fprintf(out, "fault: selftest: %s\n", bad ? "FAILED" : "ok");
	fflush(out);
	return bad;
}

/* ---- main -------------------------------------------------------------- */

static void
usage(void)
{
	fprintf(stderr, "usage: fault [-v] [-m ours|all|both] [-x LIB]... "
	    "[-k LIB]... [-n N] [-B BOUND -S STRIDE] [-l LABEL]\n"
	    "             config FILE | consent FILE | geodb FILE |\n"
	    "             agent CONFIG CAPTURE WORKDIR | "
	    "selftest count|leak|overflow\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const char *exclude[16];
	static char exclude_text[512], outbuf[BUFSIZ];
	static struct scen s;
	const char *mode = "both";
	uint64_t only = 0, bound = UINT64_MAX, stride = 1;
	size_t nx = 0, off = 0;
	int ch, fd, rc = 0;

	while ((ch = getopt(argc, argv, "B:k:l:m:n:S:vx:")) != -1) {
		switch (ch) {
		case 'B':
			bound = strtoull(optarg, NULL, 10);
			break;
		case 'k':
			if (n_known_leaky < sizeof(known_leaky) /
			    sizeof(known_leaky[0]))
				known_leaky[n_known_leaky++] = optarg;
			break;
		case 'l':
			s.label = optarg;
			break;
		case 'm':
			mode = optarg;
			break;
		case 'n':
			only = strtoull(optarg, NULL, 10);
			break;
		case 'S':
			stride = strtoull(optarg, NULL, 10);
			break;
		case 'v':
			verbose = 1;
			break;
		case 'x':
			if (nx + 1 < sizeof(exclude) / sizeof(exclude[0])) {
				exclude[nx++] = optarg;
				fp_add(exclude_text, sizeof(exclude_text), &off,
				    "%s%s", off ? ", " : "", optarg);
			}
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2 || stride == 0)
		usage();

	/*
	 * Our output on a copy of stdout; stdout itself and stdin are
	 * /dev/null (the agent prints every event when replaying). ASan and
	 * UBSan report on a copy of stderr, which the agent scenario borrows.
	 */
	if ((fd = dup(1)) == -1 || (out = fdopen(fd, "w")) == NULL ||
	    (report_fd = dup(2)) == -1) {
		perror("fault: dup");
		return 2;
	}
	/* Its own buffer: one stdio allocates at the first write would look kept. */
	setvbuf(out, outbuf, _IOLBF, sizeof(outbuf));
	__sanitizer_set_report_fd((void *)(intptr_t)report_fd);
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, 0);
		dup2(fd, 1);
		close(fd);
	}
	alloc_init(exclude);
	alloc_track(true);
	atexit(on_exit_check);

	s.kind = argv[0];
	s.path = argv[1];
	if (s.label == NULL)
		s.label = argv[1];
	cur_scen = s.label;
	if (strcmp(s.kind, "selftest") == 0)
		return selftest(argv[1]);
	if (strcmp(s.kind, "config") == 0)
		s.run = run_config;
	else if (strcmp(s.kind, "consent") == 0)
		s.run = run_consent;
	else if (strcmp(s.kind, "geodb") == 0)
		s.run = run_geodb;
	else if (strcmp(s.kind, "agent") == 0 && argc == 4) {
		s.run = run_agent;
		s.pcap = argv[2];
		s.dir = argv[3];
		snprintf(s.jsonl, sizeof(s.jsonl), "%s/events.jsonl", s.dir);
		snprintf(s.metrics, sizeof(s.metrics), "%s/metrics.prom",
		    s.dir);
		snprintf(s.errfile, sizeof(s.errfile), "%s/agent.stderr",
		    s.dir);
	} else
		usage();

	if (strcmp(mode, "ours") == 0 || strcmp(mode, "both") == 0)
		rc |= run_mode(&s, ALLOC_OURS, only, bound, stride,
		    exclude_text);
	if (strcmp(mode, "all") == 0 || strcmp(mode, "both") == 0)
		rc |= run_mode(&s, ALLOC_ALL, only, bound, stride,
		    exclude_text);
	fclose(out);
	/* What LeakSanitizer reports after this was left at exit. */
	say("# fault: finished\n");
	return rc != 0 ? 1 : 0;
}
