/* Alert sinks: stdout, a JSON-lines file, syslog, an exec'd command; with dedup. */
#include <sys/random.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "agent/json.h"
#include "agent/sink.h"
#include "rules/errlist.h"	/* EG_PRINTF */

/*
 * One formatted event. Packet-derived strings are bounded upstream, but
 * escaping can grow a byte sixfold: 64 KiB holds a PATH_MAX exe and cgroup
 * written entirely as \u00XX. An event that still does not fit is written
 * with its long strings cut (and "truncated":true), never dropped.
 */
#define SINK_LINE_MAX		65536
#define SINK_TRUNC		256
#define SINK_REPORT_MAX		2048

#define SINK_DEDUP_SLOTS	4096
#define SINK_DEDUP_BUCKETS	8192	/* power of two */
#define SINK_DEDUP_LINE		2048	/* last suppressed event, per entry */
#define SINK_DEDUP_SCOPE	128
#define SINK_DEDUP_VERDICT	32

#define SINK_EXEC_LINE		PIPE_BUF	/* one queued alert, '\n' included */
#define SINK_EXEC_CHILDREN	4
#define SINK_EXEC_QUEUE		256
#define SINK_CLOSE_WAIT_MS	2000

/* Sinks by bit, so a failure report can leave out the sink that failed. */
#define SINK_STDOUT	0x1
#define SINK_JSONL	0x2
#define SINK_SYSLOG	0x4
#define SINK_EXEC	0x8

/* Matches the suffix event_format_text writes for flow->suppressed. */
#define SINK_TEXT_SUPPRESSED	" (+%" PRIu64 " suppressed)"

struct dedup_key {
	enum event_type type;
	uint64_t hash;			/* over the full strings */
	bool has_scope;
	char scope[SINK_DEDUP_SCOPE];	/* cut copies; the hash tells longer ones apart */
	bool has_verdict;
	char verdict[SINK_DEDUP_VERDICT];
	struct ipaddr dst;
	uint16_t dport;
};

struct dedup_entry {
	int32_t next;			/* bucket chain, or free list */
	int32_t older, newer;		/* the age list, by window start */
	bool used;
	struct dedup_key key;
	int64_t start;			/* window start, event time (us) */
	uint64_t pending;		/* suppressed since the last written one */
	size_t json_len;		/* of the last suppressed event, in its slot */
	size_t text_len;
};

/* A run of failures of one kind: reported when it starts and when it ends. */
struct sink_burst {
	bool active;
	uint64_t count;
};

struct sinks {
	struct sink_stats st;
	bool to_stdout;
	enum sink_format stdout_format;
	bool syslog;

	char *jsonl_path;
	int jsonl_fd;
	bool jsonl_torn;		/* a short write left a partial line */
	struct sink_burst jsonl_fail;

	char *exec_cmd;
	pid_t *children;		/* 0 = free */
	unsigned max_children;
	unsigned running;
	char *queue;			/* qcap lines of SINK_EXEC_LINE bytes */
	size_t *queue_len;
	unsigned qcap, qhead, qcount;
	struct sink_burst exec_drop, exec_fail;

	int64_t window_us;		/* 0: no dedup */
	struct dedup_entry *dedup;
	int32_t *buckets;
	int32_t free_head;
	int32_t oldest, newest;		/* ends of the age list; -1 = empty */
	char *dedup_json;		/* SINK_DEDUP_SLOTS x SINK_DEDUP_LINE */
	char *dedup_text;		/* only for a text stdout */
	uint64_t seed;

	bool reporting;			/* a failure report is being written */

	/* Lines start at [1]: the byte before and after are ours (jsonl). */
	char jbuf[SINK_LINE_MAX + 2];
	char tbuf[SINK_LINE_MAX];
	char rjbuf[SINK_REPORT_MAX + 2];
	char rtbuf[SINK_REPORT_MAX];
	char trunc[5][SINK_TRUNC];
};

static void sink_report(struct sinks *, unsigned, const char *, const char *,
    int64_t);
static void sink_exec_pump(struct sinks *);

static void EG_PRINTF(1, 2)
sink_log(const char *fmt, ...)
{
	va_list ap;

	/*
	 * stderr rather than log.c: this module is linked alone into its
	 * tests, and under systemd stderr is the journal anyway.
	 */
	fputs("eeaguard: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int64_t
sink_now_us(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static bool
sink_is_alert(const struct event *e)
{
	const char *action;

	switch (e->type) {
	case EV_VIOLATION:
	case EV_UNSCOPED:
	case EV_BLOCKED:
		/* An unknown action is not "none": alert rather than miss one. */
		action = e->flow != NULL ? e->flow->action : NULL;
		return action == NULL || strcmp(action, "none") != 0;
	default:
		return false;
	}
}

/* What the exec sink runs for: alerts, and failures someone must fix. */
static bool
sink_is_exec(const struct event *e)
{
	switch (e->type) {
	case EV_CONFIG_ERROR:
	case EV_CAPTURE_ERROR:
	case EV_SINK_ERROR:
	case EV_ENFORCE_ERROR:
	case EV_GEODB_STALE:
	case EV_INCIDENT:
		return true;
	default:
		return sink_is_alert(e);
	}
}

static int
sink_syslog_prio(enum event_type t)
{
	switch (t) {
	case EV_VIOLATION:
	case EV_UNSCOPED:
	case EV_BLOCKED:
		return LOG_WARNING;
	case EV_INCIDENT:
	case EV_CONFIG_ERROR:
	case EV_CAPTURE_ERROR:
	case EV_SINK_ERROR:
	case EV_ENFORCE_ERROR:
		return LOG_ERR;
	default:
		return LOG_INFO;
	}
}

/* ---- JSON-lines file ---- */

static int
sink_jsonl_openfd(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
	    0640);
}

/*
 * A short write (the disk filled up mid-line) left `written` bytes of a
 * line at the end of the file: cut them off again, so every line in the
 * file stays whole. Only when that fails does the partial line stay, and
 * the next line then starts on a line of its own.
 */
static void
sink_jsonl_untear(struct sinks *s, size_t written)
{
	off_t end = lseek(s->jsonl_fd, 0, SEEK_CUR);

	if (end >= (off_t)written &&
	    ftruncate(s->jsonl_fd, end - (off_t)written) == 0)
		return;
	s->jsonl_torn = true;
}

/*
 * line[-1] and line[len] belong to the caller's buffer, so the line, its
 * newline and (after a torn line) a leading newline go out in one write(2):
 * O_APPEND then places it whole, never interleaved with another writer.
 */
static void
sink_jsonl_write(struct sinks *s, char *line, size_t len)
{
	char *p = line, save = line[len], msg[256];
	size_t n = len + 1;
	ssize_t w;
	int err;

	line[len] = '\n';
	if (s->jsonl_torn) {
		p--;
		n++;
		*p = '\n';
	}
	do
		w = write(s->jsonl_fd, p, n);
	while (w == -1 && errno == EINTR);
	/* Short: the rest goes now, or the error (ENOSPC) shows itself. */
	if (w > 0 && (size_t)w < n) {
		ssize_t more;

		do
			more = write(s->jsonl_fd, p + w, n - (size_t)w);
		while (more == -1 && errno == EINTR);
		if (more > 0)
			w += more;
		else if (more == 0)
			errno = ENOSPC;
	}
	err = w == 0 ? ENOSPC : errno;
	line[len] = save;
	if (w == (ssize_t)n) {
		s->jsonl_torn = false;
		if (s->jsonl_fail.active) {
			s->jsonl_fail.active = false;
			snprintf(msg, sizeof(msg), "writing %s again; %" PRIu64
			    " event lines were lost", s->jsonl_path,
			    s->jsonl_fail.count);
			sink_log("%s", msg);
			sink_report(s, 0, "jsonl", msg,
			    (int64_t)s->jsonl_fail.count);
		}
		return;
	}
	if (w > 0)
		sink_jsonl_untear(s, (size_t)w);
	s->st.jsonl_errors++;
	if (!s->jsonl_fail.active) {
		s->jsonl_fail.active = true;
		s->jsonl_fail.count = 0;
		snprintf(msg, sizeof(msg), "cannot write %s: %s", s->jsonl_path,
		    strerror(err));
		sink_log("%s", msg);
		sink_report(s, SINK_JSONL, "jsonl", msg, -1);
	}
	s->jsonl_fail.count++;
}

/* ---- exec ---- */

static void
sink_exec_failed(struct sinks *s, const char *why)
{
	char msg[256];

	s->st.exec_failed++;
	if (!s->exec_fail.active) {
		s->exec_fail.active = true;
		s->exec_fail.count = 0;
		snprintf(msg, sizeof(msg), "alert command %s", why);
		sink_log("%s", msg);
		sink_report(s, SINK_EXEC, "exec", msg, -1);
	}
	s->exec_fail.count++;
}

static void
sink_exec_ok(struct sinks *s)
{
	char msg[128];

	if (!s->exec_fail.active)
		return;
	s->exec_fail.active = false;
	snprintf(msg, sizeof(msg), "alert command succeeded again after %"
	    PRIu64 " failures", s->exec_fail.count);
	sink_log("%s", msg);
	sink_report(s, SINK_EXEC, "exec", msg, (int64_t)s->exec_fail.count);
}

static void
sink_exec_dropped(struct sinks *s, const char *why)
{
	char msg[256];

	s->st.exec_dropped++;
	if (!s->exec_drop.active) {
		s->exec_drop.active = true;
		s->exec_drop.count = 0;
		snprintf(msg, sizeof(msg), "alert not given to the exec command: "
		    "%s", why);
		sink_log("%s", msg);
		sink_report(s, SINK_EXEC, "exec", msg, -1);
	}
	s->exec_drop.count++;
}

static void
sink_exec_accepted(struct sinks *s)
{
	char msg[128];

	if (!s->exec_drop.active)
		return;
	s->exec_drop.active = false;
	snprintf(msg, sizeof(msg), "%" PRIu64 " alerts were not given to the "
	    "exec command (queue full)", s->exec_drop.count);
	sink_log("%s", msg);
	sink_report(s, SINK_EXEC, "exec", msg, (int64_t)s->exec_drop.count);
}

/*
 * Runs /bin/sh -c CMD with the line on its stdin (line[len] is ours: the
 * newline goes out in the same write). posix_spawn (vfork-like) rather
 * than fork: the agent may hold a large flow table. The child gets stdin
 * from the pipe, stdout on our stderr (so a chatty command cannot corrupt a
 * JSON stdout), no other descriptor whatever its flags, an empty signal
 * mask and default dispositions: the agent blocks and ignores signals
 * (SIGPIPE, SIGCHLD) that a shell pipeline must see. (glibc leaves its two
 * internal signals, 32 and 33, ignored; glibc programs reinstall them.)
 */
static void
sink_exec_spawn(struct sinks *s, char *line, size_t len)
{
	static char sh[] = "sh", dash_c[] = "-c";
	char *argv[] = { sh, dash_c, s->exec_cmd, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	char why[160], save;
	int fds[2], rc;
	unsigned slot;
	ssize_t w;
	pid_t pid;

	for (slot = 0; slot < s->max_children; slot++)
		if (s->children[slot] == 0)
			break;
	if (slot == s->max_children) {
		sink_exec_failed(s, "has no free slot (internal error)");
		return;
	}
	if (pipe2(fds, O_CLOEXEC) == -1) {
		snprintf(why, sizeof(why), "could not be started: pipe: %s",
		    strerror(errno));
		sink_exec_failed(s, why);
		return;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[0], STDIN_FILENO);
	if (fcntl(STDERR_FILENO, F_GETFD) != -1)
		posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO,
		    STDOUT_FILENO);
	else
		posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO,
		    "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1);
	posix_spawnattr_init(&at);
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK |
	    POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawn(&pid, "/bin/sh", &fa, &at, argv, environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		close(fds[0]);
		close(fds[1]);
		snprintf(why, sizeof(why), "could not be started: %s",
		    strerror(rc));
		sink_exec_failed(s, why);
		return;
	}
	s->children[slot] = pid;
	s->running++;
	s->st.exec_started++;

	/*
	 * Our read end stays open until the line is written, so a child that
	 * exits without reading cannot raise SIGPIPE in the agent; the write
	 * end is non-blocking so a full pipe cannot stall it.
	 */
	fcntl(fds[1], F_SETFL, O_NONBLOCK);
	save = line[len];
	line[len] = '\n';
	do
		w = write(fds[1], line, len + 1);
	while (w == -1 && errno == EINTR);
	line[len] = save;
	close(fds[1]);
	close(fds[0]);
	if (w != (ssize_t)(len + 1)) {
		snprintf(why, sizeof(why), "was given %zd of %zu bytes of an "
		    "alert line", w < 0 ? (ssize_t)0 : w, len + 1);
		sink_exec_failed(s, why);
	}
}

static void
sink_exec_pump(struct sinks *s)
{
	size_t i;

	while (s->qcount > 0 && s->running < s->max_children) {
		i = s->qhead;
		s->qhead = (s->qhead + 1) % s->qcap;
		s->qcount--;
		sink_exec_spawn(s, s->queue + i * SINK_EXEC_LINE,
		    s->queue_len[i]);
	}
}

static void
sink_exec_submit(struct sinks *s, char *line, size_t len)
{
	size_t i;

	if (s->running == s->max_children)
		sinks_reap(s);
	else
		sink_exec_pump(s);
	if (s->running < s->max_children && s->qcount == 0) {
		sink_exec_accepted(s);
		sink_exec_spawn(s, line, len);
		return;
	}
	if (len >= SINK_EXEC_LINE) {
		sink_exec_dropped(s, "line too long to queue");
		return;
	}
	if (s->qcount == s->qcap) {
		sink_exec_dropped(s, "queue full");
		return;
	}
	sink_exec_accepted(s);
	i = (s->qhead + s->qcount) % s->qcap;
	memcpy(s->queue + i * SINK_EXEC_LINE, line, len);
	s->queue_len[i] = len;
	s->qcount++;
}

void
sinks_reap(struct sinks *s)
{
	unsigned i;
	pid_t r;
	int status;
	char why[64];

	if (s->exec_cmd == NULL)
		return;
	for (i = 0; i < s->max_children; i++) {
		if (s->children[i] == 0)
			continue;
		do
			r = waitpid(s->children[i], &status, WNOHANG);
		while (r == -1 && errno == EINTR);
		if (r == 0)
			continue;
		/* waitpid(-1) elsewhere may have taken the status: free the slot. */
		s->children[i] = 0;
		s->running--;
		if (r == -1)
			continue;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			sink_exec_ok(s);
			continue;
		}
		if (WIFEXITED(status))
			snprintf(why, sizeof(why), "exited with status %d",
			    WEXITSTATUS(status));
		else
			snprintf(why, sizeof(why), "was killed by signal %d",
			    WTERMSIG(status));
		sink_exec_failed(s, why);
	}
	sink_exec_pump(s);
}

/* ---- every sink ---- */

/*
 * json starts at [1] of a buffer with a spare byte either side (for the
 * JSON-lines file); text is only needed for a text stdout.
 */
static void
sink_write(struct sinks *s, unsigned skip, enum event_type type, bool exec,
    char *json, size_t json_len, const char *text, size_t text_len)
{
	if (s->to_stdout && !(skip & SINK_STDOUT)) {
		/* best effort: the other sinks keep the record */
		if (s->stdout_format == SINK_FORMAT_TEXT)
			(void)fwrite(text, 1, text_len, stdout);
		else
			(void)fwrite(json, 1, json_len, stdout);
		fputc('\n', stdout);
		(void)fflush(stdout);
	}
	if (s->jsonl_fd != -1 && !(skip & SINK_JSONL))
		sink_jsonl_write(s, json, json_len);
	if (s->syslog && !(skip & SINK_SYSLOG))
		syslog(sink_syslog_prio(type), "%s", json);
	if (exec && s->exec_cmd != NULL && !(skip & SINK_EXEC))
		sink_exec_submit(s, json, json_len);
}

/*
 * A sink_error event about a failing sink, to the other sinks. Not counted
 * in the stats (nobody gave it), and never nested: a report that fails is
 * left to stderr.
 */
static void
sink_report(struct sinks *s, unsigned skip, const char *sink,
    const char *message, int64_t count)
{
	struct event e;
	int jl, tl = 0;

	if (s->reporting)
		return;
	s->reporting = true;
	event_init(&e, EV_SINK_ERROR, sink_now_us(CLOCK_REALTIME));
	event_kv_str(&e, "sink", sink);
	event_kv_str(&e, "message", message);
	if (count >= 0)
		event_kv_int(&e, "count", count);
	jl = event_format_json(&e, s->rjbuf + 1, SINK_REPORT_MAX);
	if (s->to_stdout && s->stdout_format == SINK_FORMAT_TEXT)
		tl = event_format_text(&e, s->rtbuf, sizeof(s->rtbuf));
	if (jl >= 0 && tl >= 0)
		sink_write(s, skip, e.type, true, s->rjbuf + 1, (size_t)jl,
		    s->rtbuf, (size_t)tl);
	s->reporting = false;
}

static const char *
sink_cut(char *buf, const char *str)
{
	if (str == NULL || strlen(str) < SINK_TRUNC)
		return str;
	memcpy(buf, str, SINK_TRUNC - 4);
	memcpy(buf + SINK_TRUNC - 4, "...", 4);
	return buf;
}

/*
 * Formats e (with suppressed set on a copy of its flow) into jbuf and, for
 * a text stdout, tbuf. Returns 0, or -1 when even the cut-down form failed.
 */
static int
sink_format(struct sinks *s, const struct event *e, uint64_t suppressed,
    size_t *json_len, size_t *text_len)
{
	struct event copy;
	struct event_flow flow;
	int jl, tl = 0;

	copy = *e;
	if (e->flow != NULL) {
		flow = *e->flow;
		flow.suppressed = suppressed;
		copy.flow = &flow;
	}
	jl = event_format_json(&copy, s->jbuf + 1, SINK_LINE_MAX);
	if (s->to_stdout && s->stdout_format == SINK_FORMAT_TEXT)
		tl = event_format_text(&copy, s->tbuf, sizeof(s->tbuf));
	if (jl < 0 || tl < 0) {
		/* Evidence cut short and marked so beats no evidence. */
		if (e->flow != NULL) {
			flow.host = sink_cut(s->trunc[0], flow.host);
			flow.exe = sink_cut(s->trunc[1], flow.exe);
			flow.cgroup = sink_cut(s->trunc[2], flow.cgroup);
			flow.reason = sink_cut(s->trunc[3], flow.reason);
			flow.comm = sink_cut(s->trunc[4], flow.comm);
		}
		copy.n_kv = 0;
		event_kv_bool(&copy, "truncated", true);
		jl = event_format_json(&copy, s->jbuf + 1, SINK_LINE_MAX);
		if (s->to_stdout && s->stdout_format == SINK_FORMAT_TEXT)
			tl = event_format_text(&copy, s->tbuf, sizeof(s->tbuf));
		if (jl < 0 || tl < 0) {
			sink_log("%s event too large to write",
			    event_type_name(e->type));
			return -1;
		}
	}
	*json_len = (size_t)jl;
	*text_len = (size_t)tl;
	return 0;
}

static void
sink_emit_now(struct sinks *s, const struct event *e, uint64_t suppressed)
{
	size_t jl, tl;

	if (sink_format(s, e, suppressed, &jl, &tl) == -1)
		return;
	sink_write(s, 0, e->type, sink_is_exec(e), s->jbuf + 1, jl, s->tbuf,
	    tl);
}

/* ---- dedup ---- */

static uint64_t
dedup_mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= UINT64_C(0x100000001b3);		/* FNV-1a */
	}
	return h;
}

static void
dedup_make_key(struct sinks *s, const struct event *e, struct dedup_key *k)
{
	const struct event_flow *f = e->flow;
	uint64_t h = s->seed ^ UINT64_C(0xcbf29ce484222325);
	uint8_t tag;

	memset(k, 0, sizeof(*k));
	k->type = e->type;
	k->dst = f->dst;
	k->dport = f->dport;
	tag = (uint8_t)e->type;
	h = dedup_mix(h, &tag, 1);
	/* The NUL ends each string, so ("ab","c") and ("a","bc") differ. */
	if ((k->has_scope = f->scope != NULL)) {
		snprintf(k->scope, sizeof(k->scope), "%s", f->scope);
		h = dedup_mix(h, f->scope, strlen(f->scope) + 1);
	} else
		h = dedup_mix(h, "\xff", 1);
	if ((k->has_verdict = f->verdict != NULL)) {
		snprintf(k->verdict, sizeof(k->verdict), "%s", f->verdict);
		h = dedup_mix(h, f->verdict, strlen(f->verdict) + 1);
	} else
		h = dedup_mix(h, "\xff", 1);
	h = dedup_mix(h, f->dst.b, sizeof(f->dst.b));
	h = dedup_mix(h, &f->dport, sizeof(f->dport));
	/* Finaliser (splitmix64): the low bits pick the bucket. */
	h ^= h >> 30;
	h *= UINT64_C(0xbf58476d1ce4e5b9);
	h ^= h >> 27;
	h *= UINT64_C(0x94d049bb133111eb);
	h ^= h >> 31;
	k->hash = h;
}

static bool
dedup_key_equal(const struct dedup_key *a, const struct dedup_key *b)
{
	return a->hash == b->hash && a->type == b->type &&
	    a->dport == b->dport && ipaddr_equal(&a->dst, &b->dst) &&
	    a->has_scope == b->has_scope && a->has_verdict == b->has_verdict &&
	    strcmp(a->scope, b->scope) == 0 &&
	    strcmp(a->verdict, b->verdict) == 0;
}

static struct dedup_entry *
dedup_find(struct sinks *s, const struct dedup_key *k)
{
	int32_t i;

	for (i = s->buckets[k->hash & (SINK_DEDUP_BUCKETS - 1)]; i != -1;
	    i = s->dedup[i].next)
		if (dedup_key_equal(&s->dedup[i].key, k))
			return &s->dedup[i];
	return NULL;
}

/*
 * The age list keeps entries in the order their windows started, so the
 * entry to evict and the windows that ended are found at its old end
 * without scanning the table.
 */
static void
dedup_age_remove(struct sinks *s, struct dedup_entry *d)
{
	if (d->older != -1)
		s->dedup[d->older].newer = d->newer;
	else
		s->oldest = d->newer;
	if (d->newer != -1)
		s->dedup[d->newer].older = d->older;
	else
		s->newest = d->older;
	d->older = d->newer = -1;
}

static void
dedup_age_append(struct sinks *s, struct dedup_entry *d)
{
	int32_t idx = (int32_t)(d - s->dedup);

	d->older = s->newest;
	d->newer = -1;
	if (s->newest != -1)
		s->dedup[s->newest].newer = idx;
	else
		s->oldest = idx;
	s->newest = idx;
}

static void
dedup_unlink(struct sinks *s, struct dedup_entry *d)
{
	int32_t idx = (int32_t)(d - s->dedup), *pp;

	pp = &s->buckets[d->key.hash & (SINK_DEDUP_BUCKETS - 1)];
	while (*pp != idx)
		pp = &s->dedup[*pp].next;
	*pp = d->next;
	dedup_age_remove(s, d);
	d->used = false;
	d->next = s->free_head;
	s->free_head = idx;
}

/*
 * Writes the last suppressed event of d late, standing for itself and the
 * pending - 1 before it: every written line is one event plus its
 * "suppressed" count, so lines + sum(suppressed) = events given holds in
 * the file as it does in the stats.
 */
static void
dedup_flush_entry(struct sinks *s, struct dedup_entry *d)
{
	size_t idx = (size_t)(d - s->dedup), jl, tl = 0;
	uint64_t n;
	int k;

	if (d->pending == 0)
		return;
	n = d->pending - 1;
	d->pending = 0;
	s->st.suppressed--;
	s->st.emitted++;
	jl = d->json_len;
	memcpy(s->jbuf + 1, s->dedup_json + idx * SINK_DEDUP_LINE, jl);
	/* Slots keep room for the member (see dedup_suppress). */
	if (n > 0) {
		k = snprintf(s->jbuf + jl, SINK_LINE_MAX + 1 - jl,
		    ",\"suppressed\":%" PRIu64 "}", n);
		jl += (size_t)k - 1;
	}
	s->jbuf[jl + 1] = '\0';
	if (s->dedup_text != NULL) {
		tl = d->text_len;
		memcpy(s->tbuf, s->dedup_text + idx * SINK_DEDUP_LINE, tl);
		if (n > 0)
			tl += (size_t)snprintf(s->tbuf + tl, sizeof(s->tbuf) - tl,
			    SINK_TEXT_SUPPRESSED, n);
		s->tbuf[tl] = '\0';
	}
	sink_write(s, 0, d->key.type, true, s->jbuf + 1, jl, s->tbuf, tl);
}

/*
 * A new key: evicting, when the table is full, the entry whose window
 * started earliest (a linear scan, only when full; its pending count is
 * written first so nothing is lost).
 */
static struct dedup_entry *
dedup_insert(struct sinks *s, const struct dedup_key *k, int64_t ts)
{
	struct dedup_entry *d, *old = NULL;
	int32_t idx;

	if (s->free_head == -1) {
		old = &s->dedup[s->oldest];
		dedup_flush_entry(s, old);
		dedup_unlink(s, old);
	}
	idx = s->free_head;
	d = &s->dedup[idx];
	s->free_head = d->next;
	memset(d, 0, sizeof(*d));
	d->used = true;
	d->key = *k;
	d->start = ts;
	d->next = s->buckets[k->hash & (SINK_DEDUP_BUCKETS - 1)];
	s->buckets[k->hash & (SINK_DEDUP_BUCKETS - 1)] = idx;
	dedup_age_append(s, d);
	return d;
}

/* Room a slot keeps for ",\"suppressed\":N" or its text form. */
#define SINK_DEDUP_SPARE	40

/*
 * Keeps e as the last suppressed event of d. One too large for its slot
 * is written at once instead: dedup is lost for it, the event is not.
 */
static void
dedup_suppress(struct sinks *s, struct dedup_entry *d, const struct event *e)
{
	size_t idx = (size_t)(d - s->dedup), jl, tl;

	if (sink_format(s, e, 0, &jl, &tl) == -1)
		return;
	if (jl + SINK_DEDUP_SPARE > SINK_DEDUP_LINE ||
	    (s->dedup_text != NULL && tl + SINK_DEDUP_SPARE > SINK_DEDUP_LINE)) {
		s->st.emitted++;
		sink_write(s, 0, e->type, sink_is_exec(e), s->jbuf + 1, jl,
		    s->tbuf, tl);
		return;
	}
	memcpy(s->dedup_json + idx * SINK_DEDUP_LINE, s->jbuf + 1, jl);
	d->json_len = jl;
	if (s->dedup_text != NULL) {
		memcpy(s->dedup_text + idx * SINK_DEDUP_LINE, s->tbuf, tl);
		d->text_len = tl;
	}
	d->pending++;
	s->st.suppressed++;
}

static bool
dedup_in_window(const struct sinks *s, const struct dedup_entry *d,
    int64_t ts)
{
	/* Event time may step back a little (several capture sources). */
	return ts - d->start < s->window_us && d->start - ts < s->window_us;
}

void
sinks_emit(struct sinks *s, const struct event *e)
{
	struct dedup_key k;
	struct dedup_entry *d;
	uint64_t n;

	if (s->window_us == 0 || e->flow == NULL || !sink_is_alert(e)) {
		s->st.emitted++;
		sink_emit_now(s, e, e->flow != NULL ? e->flow->suppressed : 0);
		return;
	}
	dedup_make_key(s, e, &k);
	if ((d = dedup_find(s, &k)) == NULL) {
		s->st.emitted++;
		sink_emit_now(s, e, 0);
		dedup_insert(s, &k, e->ts_us);
		return;
	}
	if (dedup_in_window(s, d, e->ts_us)) {
		dedup_suppress(s, d, e);
		return;
	}
	/* The first after the window carries the count and opens a new one. */
	n = d->pending;
	d->pending = 0;
	d->start = e->ts_us;
	dedup_age_remove(s, d);
	dedup_age_append(s, d);
	s->st.emitted++;
	sink_emit_now(s, e, n);
}

void
sinks_flush(struct sinks *s, int64_t now_us)
{
	if (s->window_us == 0)
		return;
	/*
	 * An ended window is forgotten too: the next event is written anyway.
	 * Oldest first; event times that run backwards only delay a flush.
	 */
	while (s->oldest != -1) {
		struct dedup_entry *d = &s->dedup[s->oldest];

		if (now_us >= 0 && d->start + s->window_us > now_us)
			break;
		dedup_flush_entry(s, d);
		dedup_unlink(s, d);
	}
}

/* ---- open, close ---- */

struct sinks *
sinks_open(const struct sink_options *o, char *err, size_t errsize)
{
	struct sinks *s;
	size_t i;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errsize, "alerts: out of memory");
		return NULL;
	}
	s->jsonl_fd = -1;
	s->oldest = s->newest = -1;
	s->to_stdout = o->to_stdout;
	s->stdout_format = o->stdout_format;
	if (o->jsonl != NULL && o->jsonl[0] != '\0') {
		if ((s->jsonl_path = strdup(o->jsonl)) == NULL)
			goto oom;
		if ((s->jsonl_fd = sink_jsonl_openfd(o->jsonl)) == -1) {
			snprintf(err, errsize, "alerts.jsonl: cannot open %s: %s "
			    "(the directory must exist and be writable)",
			    o->jsonl, strerror(errno));
			goto fail;
		}
	}
	if (o->exec != NULL && o->exec[0] != '\0') {
		if ((s->exec_cmd = strdup(o->exec)) == NULL)
			goto oom;
		s->max_children = o->exec_max_children > 0 ?
		    o->exec_max_children : SINK_EXEC_CHILDREN;
		s->qcap = o->exec_queue > 0 ? o->exec_queue : SINK_EXEC_QUEUE;
		if ((s->children = calloc(s->max_children,
		    sizeof(*s->children))) == NULL ||
		    (s->queue = calloc(s->qcap, SINK_EXEC_LINE)) == NULL ||
		    (s->queue_len = calloc(s->qcap, sizeof(size_t))) == NULL)
			goto oom;
	}
	if (o->dedup_window > 0) {
		s->window_us = (int64_t)o->dedup_window * 1000000;
		if ((s->dedup = calloc(SINK_DEDUP_SLOTS,
		    sizeof(*s->dedup))) == NULL ||
		    (s->buckets = calloc(SINK_DEDUP_BUCKETS,
		    sizeof(*s->buckets))) == NULL ||
		    (s->dedup_json = calloc(SINK_DEDUP_SLOTS,
		    SINK_DEDUP_LINE)) == NULL)
			goto oom;
		if (s->to_stdout && s->stdout_format == SINK_FORMAT_TEXT &&
		    (s->dedup_text = calloc(SINK_DEDUP_SLOTS,
		    SINK_DEDUP_LINE)) == NULL)
			goto oom;
		for (i = 0; i < SINK_DEDUP_BUCKETS; i++)
			s->buckets[i] = -1;
		for (i = 0; i < SINK_DEDUP_SLOTS; i++)
			s->dedup[i].next = i + 1 < SINK_DEDUP_SLOTS ?
			    (int32_t)(i + 1) : -1;
		s->free_head = 0;
		/* A seed keeps crafted destinations from forming long chains. */
		if (getrandom(&s->seed, sizeof(s->seed), GRND_NONBLOCK) !=
		    sizeof(s->seed))
			s->seed = (uint64_t)sink_now_us(CLOCK_MONOTONIC) ^
			    (uint64_t)getpid() << 32;
	}
	if (o->syslog) {
		/* Same ident and facility as log.c; closelog would cut it off too. */
		openlog("eeaguard", LOG_PID | LOG_NDELAY, LOG_DAEMON);
		s->syslog = true;
	}
	return s;
oom:
	snprintf(err, errsize, "alerts: out of memory");
	errno = ENOMEM;		/* the caller must not blame the file */
fail:
	if (s->jsonl_fd != -1)
		close(s->jsonl_fd);
	free(s->jsonl_path);
	free(s->exec_cmd);
	free(s->children);
	free(s->queue);
	free(s->queue_len);
	free(s->dedup);
	free(s->buckets);
	free(s->dedup_json);
	free(s->dedup_text);
	free(s);
	return NULL;
}

void
sinks_close(struct sinks *s)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	int64_t deadline;

	if (s == NULL)
		return;
	sinks_flush(s, -1);
	if (s->exec_cmd != NULL) {
		/* Alert commands get a bounded time; stopping must not hang. */
		deadline = sink_now_us(CLOCK_MONOTONIC) +
		    SINK_CLOSE_WAIT_MS * 1000;
		for (;;) {
			sinks_reap(s);
			if ((s->running == 0 && s->qcount == 0) ||
			    sink_now_us(CLOCK_MONOTONIC) >= deadline)
				break;
			nanosleep(&tick, NULL);
		}
		if (s->qcount > 0) {
			sink_log("%u queued alerts not given to the exec command "
			    "at exit", s->qcount);
			s->st.exec_dropped += s->qcount;
		}
		if (s->running > 0)
			sink_log("%u alert commands still running at exit; not "
			    "waiting for them", s->running);
	}
	if (s->jsonl_fd != -1)
		close(s->jsonl_fd);
	free(s->jsonl_path);
	free(s->exec_cmd);
	free(s->children);
	free(s->queue);
	free(s->queue_len);
	free(s->dedup);
	free(s->buckets);
	free(s->dedup_json);
	free(s->dedup_text);
	free(s);
}

int
sinks_reopen(struct sinks *s)
{
	int fd;

	if (s->jsonl_path == NULL)
		return 0;
	if ((fd = sink_jsonl_openfd(s->jsonl_path)) == -1) {
		sink_log("cannot reopen %s: %s; still writing to the old file",
		    s->jsonl_path, strerror(errno));
		return -1;
	}
	close(s->jsonl_fd);
	s->jsonl_fd = fd;
	s->jsonl_torn = false;
	return 0;
}

void
sinks_get_stats(const struct sinks *s, struct sink_stats *st)
{
	*st = s->st;
	st->exec_running = s->running;
	st->exec_queued = s->qcount;
}
