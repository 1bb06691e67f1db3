/* Unit tests for agent/sink.c: JSON-lines file, reopen, dedup, exec. */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/sink.h"

#define SEC	INT64_C(1000000)
#define T0	(INT64_C(1795677000) * SEC)

static char base[64];		/* one per run, removed by the parent */
static char dir[96];		/* one per test */
static char path[128];		/* dir/events.jsonl */
static char out[128];		/* dir/exec.out */

static void
rm_rf(const char *d)
{
	char p[512];
	struct dirent *de;
	struct stat st;
	DIR *dh;

	if ((dh = opendir(d)) == NULL)
		return;
	while ((de = readdir(dh)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", d, de->d_name);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			rm_rf(p);
		else
			unlink(p);
	}
	closedir(dh);
	rmdir(d);
}

/*
 * The base directory is made and removed in the parent (an unchecked
 * fixture): a failing test ends its forked child before a checked teardown
 * could run. Each test gets a fresh directory inside it.
 */
static void
base_setup(void)
{
	strcpy(base, "/tmp/check_sink.XXXXXX");
	if (mkdtemp(base) == NULL) {
		perror("mkdtemp");
		exit(EXIT_FAILURE);
	}
}

static void
base_teardown(void)
{
	rm_rf(base);
}

static void
dir_setup(void)
{
	static int n;

	snprintf(dir, sizeof(dir), "%s/t%d.%ld", base, n++, (long)getpid());
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/events.jsonl", dir);
	snprintf(out, sizeof(out), "%s/exec.out", dir);
}

/* The whole file, and its lines (pointers into it, NUL-terminated). */
struct lines {
	char *text;
	char *v[20000];
	size_t n;
};

static void
read_lines(const char *file, struct lines *l)
{
	FILE *f;
	long size;
	char *p, *nl;

	memset(l, 0, sizeof(*l));
	f = fopen(file, "r");
	if (f == NULL) {
		l->text = calloc(1, 1);
		return;
	}
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	l->text = calloc(1, (size_t)size + 1);
	ck_assert_ptr_nonnull(l->text);
	ck_assert_uint_eq(fread(l->text, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	/* Every line ends with a newline: nothing torn, nothing left open. */
	if (size > 0)
		ck_assert_int_eq(l->text[size - 1], '\n');
	for (p = l->text; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		*nl = '\0';
		if (l->n == sizeof(l->v) / sizeof(l->v[0]))
			ck_abort_msg("%s: too many lines", file);
		l->v[l->n++] = p;
	}
}

/* Simple checks that a line is one of our JSON objects. */
static void
check_json_line(const char *s)
{
	size_t n = strlen(s), i;

	ck_assert_msg(strncmp(s, "{\"ts\":\"", 7) == 0, "bad start: %s", s);
	ck_assert_msg(n > 0 && s[n - 1] == '}', "bad end: %s", s);
	ck_assert_ptr_nonnull(strstr(s, "\"event\":\""));
	/* One assertion per line: Check records every assertion it passes. */
	for (i = 0; i < n && (unsigned char)s[i] >= 0x20; i++)
		;
	ck_assert_msg(i == n, "control byte in %s", s);
}

static size_t
lines_with(const struct lines *l, const char *needle)
{
	size_t i, n = 0;

	for (i = 0; i < l->n; i++)
		if (strstr(l->v[i], needle) != NULL)
			n++;
	return n;
}

static uint64_t
suppressed_of(const char *s)
{
	const char *p = strstr(s, "\"suppressed\":");

	return p == NULL ? 0 : strtoull(p + 13, NULL, 10);
}

/* Lines plus their "suppressed" counts: the events they stand for. */
static uint64_t
accounted(const struct lines *l)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < l->n; i++) {
		check_json_line(l->v[i]);
		sum += 1 + suppressed_of(l->v[i]);
	}
	return sum;
}

static struct event_flow flow;
static struct event ev;

/* A violation to dst:dport at t, in scope (or none). */
static const struct event *
violation(int64_t t, const char *dst, uint16_t dport, const char *scope)
{
	memset(&flow, 0, sizeof(flow));
	flow.verdict = "violation";
	flow.action = "alert";
	flow.proto = IPPROTO_TCP;
	if (ipaddr_parse("10.1.2.3", &flow.src) == -1 ||
	    ipaddr_parse(dst, &flow.dst) == -1)
		ck_abort_msg("bad test address %s", dst);
	flow.sport = 43210;
	flow.dport = dport;
	flow.country = "US";
	flow.scope = scope;
	if (scope != NULL) {
		flow.customers[0] = "acme";
		flow.n_customers = 1;
	}
	flow.uid = -1;
	flow.pid = -1;
	flow.reason = "outside the EEA";
	event_init(&ev, EV_VIOLATION, t);
	ev.flow = &flow;
	return &ev;
}

static struct sinks *
open_jsonl(uint32_t window)
{
	struct sink_options o;
	struct sinks *s;
	char err[256] = "";

	memset(&o, 0, sizeof(o));
	o.jsonl = path;
	o.dedup_window = window;
	s = sinks_open(&o, err, sizeof(err));
	ck_assert_msg(s != NULL, "sinks_open: %s", err);
	return s;
}

START_TEST(jsonl_lines)
{
	struct sinks *s;
	struct sink_stats st;
	struct lines l;
	struct event e;
	struct stat sb;
	mode_t old;
	int i;

	old = umask(022);
	s = open_jsonl(0);
	umask(old);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0640);
	for (i = 0; i < 10; i++)
		sinks_emit(s, violation(T0 + i, "203.0.113.7", 443, "acme"));
	event_init(&e, EV_CONFIG_ERROR, T0);
	event_kv_str(&e, "error", "line one\nline \"two\"");
	sinks_emit(s, &e);
	event_init(&e, EV_STATS, T0);
	event_kv_int(&e, "packets", 5);
	sinks_emit(s, &e);
	sinks_get_stats(s, &st);
	ck_assert_uint_eq(st.emitted, 12);
	ck_assert_uint_eq(st.suppressed, 0);
	ck_assert_uint_eq(st.jsonl_errors, 0);
	sinks_close(s);

	read_lines(path, &l);
	ck_assert_uint_eq(l.n, 12);
	for (i = 0; i < 12; i++)
		check_json_line(l.v[i]);
	ck_assert_ptr_nonnull(strstr(l.v[0], "\"event\":\"violation\""));
	ck_assert_ptr_nonnull(strstr(l.v[10],
	    "\"error\":\"line one\\nline \\\"two\\\"\""));
	ck_assert_str_eq(l.v[11], "{\"ts\":\"2026-11-26T07:10:00.000000Z\","
	    "\"event\":\"stats\",\"packets\":5}");
	free(l.text);
}
END_TEST

/* An existing file is appended to, never truncated. */
START_TEST(jsonl_appends)
{
	struct sinks *s;
	struct lines l;
	int i;

	for (i = 0; i < 2; i++) {
		s = open_jsonl(0);
		sinks_emit(s, violation(T0, "203.0.113.7", 443, "acme"));
		sinks_close(s);
	}
	read_lines(path, &l);
	ck_assert_uint_eq(l.n, 2);
	free(l.text);
}
END_TEST

START_TEST(jsonl_reopen_after_rename)
{
	struct sinks *s;
	struct lines l;
	char rotated[160];
	int i;

	snprintf(rotated, sizeof(rotated), "%s.1", path);
	s = open_jsonl(0);
	for (i = 0; i < 2; i++)
		sinks_emit(s, violation(T0, "203.0.113.7", 443, "acme"));
	ck_assert_int_eq(rename(path, rotated), 0);
	/* Until reopened, lines follow the renamed file. */
	sinks_emit(s, violation(T0, "203.0.113.7", 443, "acme"));
	ck_assert_int_eq(sinks_reopen(s), 0);
	for (i = 0; i < 3; i++)
		sinks_emit(s, violation(T0, "203.0.113.8", 443, "acme"));
	sinks_close(s);

	read_lines(rotated, &l);
	ck_assert_uint_eq(l.n, 3);
	ck_assert_ptr_nonnull(strstr(l.v[2], "203.0.113.7"));
	free(l.text);
	read_lines(path, &l);
	ck_assert_uint_eq(l.n, 3);
	for (i = 0; i < 3; i++)
		ck_assert_ptr_nonnull(strstr(l.v[i], "203.0.113.8"));
	free(l.text);
}
END_TEST

/* A reopen that fails keeps writing to the file already open. */
START_TEST(jsonl_reopen_failure_keeps_old)
{
	struct sink_options o;
	struct sinks *s;
	struct lines l;
	char sub[128], moved[128], p[192], err[256];

	snprintf(sub, sizeof(sub), "%s/sub", dir);
	snprintf(moved, sizeof(moved), "%s/moved", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	snprintf(p, sizeof(p), "%s/events.jsonl", sub);
	memset(&o, 0, sizeof(o));
	o.jsonl = p;
	s = sinks_open(&o, err, sizeof(err));
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(rename(sub, moved), 0);
	ck_assert_int_eq(sinks_reopen(s), -1);
	sinks_emit(s, violation(T0, "203.0.113.7", 443, "acme"));
	sinks_close(s);
	snprintf(p, sizeof(p), "%s/events.jsonl", moved);
	read_lines(p, &l);
	ck_assert_uint_eq(l.n, 1);
	free(l.text);
}
END_TEST

START_TEST(jsonl_open_error)
{
	struct sink_options o;
	char err[256] = "", p[192];

	snprintf(p, sizeof(p), "%s/no/such/dir/e.jsonl", dir);
	memset(&o, 0, sizeof(o));
	o.jsonl = p;
	ck_assert_ptr_null(sinks_open(&o, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, p));
}
END_TEST

/* A full disk is counted, reported once and survived. */
START_TEST(jsonl_write_errors)
{
	struct sink_options o;
	struct sinks *s;
	struct sink_stats st;
	struct lines l;
	char cmd[192], err[256];
	int i;

	memset(&o, 0, sizeof(o));
	o.jsonl = "/dev/full";
	snprintf(cmd, sizeof(cmd), "cat >> %s", out);
	o.exec = cmd;
	s = sinks_open(&o, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	for (i = 0; i < 5; i++)
		sinks_emit(s, violation(T0, "203.0.113.7", 443, "acme"));
	sinks_get_stats(s, &st);
	ck_assert_uint_eq(st.jsonl_errors, 5);
	ck_assert_uint_eq(st.emitted, 5);
	sinks_close(s);

	/* The exec sink got the 5 alerts and one sink_error report. */
	read_lines(out, &l);
	ck_assert_uint_eq(l.n, 6);
	for (i = 0; i < 6; i++)
		check_json_line(l.v[i]);
	ck_assert_uint_eq(lines_with(&l, "\"event\":\"sink_error\","
	    "\"sink\":\"jsonl\",\"message\":\"cannot write /dev/full"), 1);
	free(l.text);
}
END_TEST

/*
 * A disk that fills up mid-line (here: RLIMIT_FSIZE, which makes write(2)
 * stop short at the limit): the partial line is cut off again, so every
 * line in the file stays whole; writing resumes when room returns, with a
 * sink_error line saying how many were lost.
 */
START_TEST(jsonl_short_write_untorn)
{
	struct rlimit rl;
	struct sinks *s;
	struct sink_stats st;
	struct lines l;
	struct stat sb;
	int i;

	signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &rl), 0);
	rl.rlim_cur = 1000;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	s = open_jsonl(0);
	for (i = 0; i < 20; i++)
		sinks_emit(s, violation(T0 + i, "203.0.113.7", 443, "acme"));
	sinks_get_stats(s, &st);
	ck_assert_uint_gt(st.jsonl_errors, 0);
	ck_assert_uint_lt(st.jsonl_errors, 20);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_lt(sb.st_size, 1000);

	rl.rlim_cur = rl.rlim_max;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	for (i = 0; i < 3; i++)
		sinks_emit(s, violation(T0 + 20 + i, "203.0.113.7", 443, "acme"));
	sinks_close(s);

	read_lines(path, &l);
	for (i = 0; i < (int)l.n; i++)
		check_json_line(l.v[i]);
	/* written before the limit, 3 after, and after the first of them the
	 * "writing again" report */
	ck_assert_uint_eq(l.n, 20 - st.jsonl_errors + 1 + 3);
	ck_assert_uint_eq(lines_with(&l, "\"event\":\"sink_error\""), 1);
	ck_assert_ptr_nonnull(strstr(l.v[l.n - 3], "event lines were lost"));
	free(l.text);
}
END_TEST

START_TEST(dedup_off)
{
	struct sinks *s;
	struct sink_stats st;
	struct lines l;
	int i;

	s = open_jsonl(0);
	for (i = 0; i < 7; i++)
		sinks_emit(s, violation(T0 + i, "203.0.113.7", 443, "acme"));
	sinks_get_stats(s, &st);
	ck_assert_uint_eq(st.emitted, 7);
	ck_assert_uint_eq(st.suppressed, 0);
	sinks_close(s);
	read_lines(path, &l);
	ck_assert_uint_eq(l.n, 7);
	for (i = 0; i < 7; i++)
		ck_assert_ptr_null(strstr(l.v[i], "suppressed"));
	free(l.text);
}
END_TEST

START_TEST(dedup_window)
{
	struct sinks *s;
	struct sink_stats st;
	struct lines l;

	s = open_jsonl(10);
	sinks_emit(s, violation(T0, "203.0.113.7", 443, "acme"));	/* written */
	sinks_emit(s, violation(T0 + 1 * SEC, "203.0.113.7", 443, "acme"));
	sinks_emit(s, violation(T0 + 2 * SEC, "203.0.113.7", 443, "acme"));
	sinks_emit(s, violation(T0 + 9 * SEC, "203.0.113.7", 443, "acme"));
	/* Other keys are their own: dport, dst, scope, no scope, verdict. */
	sinks_emit(s, violation(T0 + 3 * SEC, "203.0.113.7", 80, "acme"));
	sinks_emit(s, violation(T0 + 3 * SEC, "203.0.113.9", 443, "acme"));
	sinks_emit(s, violation(T0 + 3 * SEC, "203.0.113.7", 443, "other"));
	sinks_emit(s, violation(T0 + 3 * SEC, "203.0.113.7", 443, NULL));
	violation(T0 + 3 * SEC, "203.0.113.7", 443, "acme");
	flow.verdict = "unscoped";
	sinks_emit(s, &ev);
	sinks_get_stats(s, &st);
	ck_assert_uint_eq(st.emitted, 6);
	ck_assert_uint_eq(st.suppressed, 3);
	/* After the window: written, carrying the count; a new window opens. */
	sinks_emit(s, violation(T0 + 10 * SEC, "203.0.113.7", 443, "acme"));
	sinks_emit(s, violation(T0 + 11 * SEC, "203.0.113.7", 443, "acme"));
	sinks_emit(s, violation(T0 + 12 * SEC, "203.0.113.7", 443, "acme"));
	sinks_get_stats(s, &st);
	ck_assert_uint_eq(st.emitted, 7);
	ck_assert_uint_eq(st.suppressed, 5);
	read_lines(path, &l);
	ck_assert_uint_eq(l.n, 7);
	ck_assert_ptr_nonnull(strstr(l.v[0],
	    "\"ts\":\"2026-11-26T07:10:00.000000Z\""));
	ck_assert_uint_eq(suppressed_of(l.v[0]), 0);
	ck_assert_ptr_nonnull(strstr(l.v[6],
	    "\"ts\":\"2026-11-26T07:10:10.000000Z\""));
	ck_assert_ptr_nonnull(strstr(l.v[6],
	    "\"policy\":null,\"suppressed\":3}"));
	free(l.text);

	/* Closing writes the last pending one, standing for the other. */
	sinks_close(s);
	read_lines(path, &l);
	ck_assert_uint_eq(l.n, 8);
	ck_assert_ptr_nonnull(strstr(l.v[7],
	    "\"ts\":\"2026-11-26T07:10:12.000000Z\""));
	ck_assert_uint_eq(suppressed_of(l.v[7]), 1);
	ck_assert_uint_eq(accounted(&l), 12);
	free(l.text);
}
END_TEST

START_TEST(dedup_flush_by_time)
{
	struct sinks *s;
	struct sink_stats st;
	struct lines l;

	s = open_jsonl(10);
	sinks_emit(s, violation(T0, "203.0.113.7", 443, "acme"));
	sinks_emit(s, violation(T0 + 1 * SEC, "203.0.113.7", 443, "acme"));
	sinks_emit(s, violation(T0 + 2 * SEC, "203.0.113.7", 443, "acme"));
	sinks_emit(s, violation(T0 + 5 * SEC, "203.0.113.8", 443, "acme"));
	sinks_emit(s, violation(T0 + 6 * SEC, "203.0.113.8", 443, "acme"));
	sinks_flush(s, T0 + 9 * SEC);		/* no window has ended */
	read_lines(path, &l);
	ck_assert_uint_eq(l.n, 2);
	free(l.text);
	sinks_flush(s, T0 + 10 * SEC);		/* the first has */
	read_lines(path, &l);
	ck_assert_uint_eq(l.n, 3);
	ck_assert_ptr_nonnull(strstr(l.v[2], "\"ts\":\"2026-11-26T07:10:02"));
	ck_assert_ptr_nonnull(strstr(l.v[2], "\"dst\":\"203.0.113.7\""));
	ck_assert_uint_eq(suppressed_of(l.v[2]), 1);
	free(l.text);
	sinks_get_stats(s, &st);
	ck_assert_uint_eq(st.emitted + st.suppressed, 5);
	ck_assert_uint_eq(st.emitted, 3);
	/* Forgotten after the flush: the next one opens a fresh window. */
	sinks_emit(s, violation(T0 + 11 * SEC, "203.0.113.7", 443, "acme"));
	sinks_flush(s, -1);
	read_lines(path, &l);
	ck_assert_uint_eq(l.n, 5);
	ck_assert_uint_eq(suppressed_of(l.v[3]), 0);
	ck_assert_ptr_nonnull(strstr(l.v[4], "\"dst\":\"203.0.113.8\""));
	ck_assert_uint_eq(suppressed_of(l.v[4]), 0);
	ck_assert_uint_eq(accounted(&l), 6);
	free(l.text);
	sinks_close(s);
	read_lines(path, &l);
	ck_assert_uint_eq(l.n, 5);		/* nothing left to flush */
	free(l.text);
}
END_TEST

/* consent_transfer, flow, stats and actions of "none" are never folded. */
START_TEST(dedup_only_alerts)
{
	struct sinks *s;
	struct lines l;
	struct event e;
	int i;

	s = open_jsonl(300);
	for (i = 0; i < 3; i++) {
		violation(T0 + i, "203.0.113.7", 443, "acme");
		ev.type = EV_CONSENT_TRANSFER;
		flow.verdict = "allow-consent";
		flow.action = "none";
		sinks_emit(s, &ev);
		violation(T0 + i, "203.0.113.7", 443, "acme");
		ev.type = EV_FLOW;
		flow.verdict = "allow-eea";
		sinks_emit(s, &ev);
		violation(T0 + i, "203.0.113.7", 443, "acme");
		flow.action = "none";
		sinks_emit(s, &ev);
		event_init(&e, EV_STATS, T0 + i);
		sinks_emit(s, &e);
		event_init(&e, EV_CONFIG_ERROR, T0 + i);
		sinks_emit(s, &e);
	}
	sinks_close(s);
	read_lines(path, &l);
	ck_assert_uint_eq(l.n, 15);
	ck_assert_uint_eq(accounted(&l), 15);
	free(l.text);
}
END_TEST

/*
 * Many keys, more than the table holds, arriving at stepping times: every
 * event is accounted for, in the stats and in the file.
 */
START_TEST(dedup_invariant_with_eviction)
{
	struct sinks *s;
	struct sink_stats st;
	struct lines l;
	char dst[32];
	uint32_t x = 1;
	uint64_t given = 0;
	int i, k;

	s = open_jsonl(60);
	for (i = 0; i < 12000; i++) {
		x = x * 1103515245 + 12345;
		/* 5000 keys: the table (4096) must evict, pending counts too. */
		k = (int)((x >> 8) % 5000);
		snprintf(dst, sizeof(dst), "198.51.%d.%d", k / 250, k % 250);
		sinks_emit(s, violation(T0 + (int64_t)i * SEC / 50, dst,
		    (uint16_t)(443 + (x >> 28) % 2), "acme"));
		given++;
		if (i % 3000 == 2999)
			sinks_flush(s, T0 + (int64_t)i * SEC / 50);
		sinks_get_stats(s, &st);
		if (st.emitted + st.suppressed != given)
			ck_abort_msg("event %d: %ju emitted + %ju suppressed",
			    i, (uintmax_t)st.emitted, (uintmax_t)st.suppressed);
	}
	ck_assert_uint_gt(st.suppressed, 0);
	sinks_close(s);
	read_lines(path, &l);
	ck_assert_uint_eq(accounted(&l), given);
	ck_assert_uint_lt(l.n, given);
	free(l.text);
}
END_TEST

/* stdout in text form, with dedup: the flushed line carries the count. */
START_TEST(stdout_text_and_json)
{
	struct sink_options o;
	struct sinks *s;
	struct lines l;
	char err[256];
	int fd, saved;

	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	dup2(fd, STDOUT_FILENO);
	close(fd);

	memset(&o, 0, sizeof(o));
	o.to_stdout = true;
	o.stdout_format = SINK_FORMAT_TEXT;
	o.dedup_window = 10;
	s = sinks_open(&o, err, sizeof(err));
	ck_assert_ptr_nonnull(s);
	sinks_emit(s, violation(T0, "203.0.113.7", 443, "acme"));
	flow.host = "x\x1b[31m";
	sinks_emit(s, &ev);
	sinks_emit(s, &ev);
	sinks_close(s);

	o.stdout_format = SINK_FORMAT_JSON;
	o.dedup_window = 0;
	s = sinks_open(&o, err, sizeof(err));
	ck_assert_ptr_nonnull(s);
	sinks_emit(s, &ev);
	sinks_close(s);

	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	read_lines(out, &l);
	ck_assert_uint_eq(l.n, 3);
	ck_assert_str_eq(l.v[0], "2026-11-26T07:10:00.000000Z VIOLATION tcp "
	    "10.1.2.3:43210 -> 203.0.113.7:443 US scope acme [acme] "
	    "action alert: outside the EEA");
	ck_assert_str_eq(l.v[1], "2026-11-26T07:10:00.000000Z VIOLATION tcp "
	    "10.1.2.3:43210 -> 203.0.113.7:443 (x\\x1b[31m) US scope acme "
	    "[acme] action alert: outside the EEA (+1 suppressed)");
	check_json_line(l.v[2]);
	free(l.text);
}
END_TEST

/* Polls sinks_reap until cond holds or about 5 s have passed. */
#define REAP_UNTIL(s, st, cond) do {					\
	struct timespec ts_ = { 0, 10 * 1000 * 1000 };			\
	int n_;								\
	for (n_ = 0; n_ < 500; n_++) {					\
		sinks_reap(s);						\
		sinks_get_stats(s, &(st));				\
		if (cond)						\
			break;						\
		nanosleep(&ts_, NULL);					\
	}								\
} while (0)

static struct sinks *
open_exec(const char *cmd, unsigned children, unsigned queue, bool jsonl)
{
	struct sink_options o;
	struct sinks *s;
	char err[256] = "";

	memset(&o, 0, sizeof(o));
	o.exec = cmd;
	o.exec_max_children = children;
	o.exec_queue = queue;
	o.jsonl = jsonl ? path : NULL;
	s = sinks_open(&o, err, sizeof(err));
	ck_assert_msg(s != NULL, "sinks_open: %s", err);
	return s;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

START_TEST(exec_receives_alerts)
{
	struct sinks *s;
	struct sink_stats st;
	struct lines in, got;
	struct event e;
	char cmd[192];
	size_t i, n;

	snprintf(cmd, sizeof(cmd), "cat >> %s", out);
	s = open_exec(cmd, 2, 8, true);
	sinks_emit(s, violation(T0, "203.0.113.7", 443, "acme"));
	sinks_emit(s, violation(T0, "203.0.113.7", 444, NULL));
	violation(T0, "203.0.113.7", 445, "acme");
	ev.type = EV_BLOCKED;
	flow.action = "block";
	sinks_emit(s, &ev);
	flow.action = "none";			/* not an alert */
	sinks_emit(s, &ev);
	ev.type = EV_CONSENT_TRANSFER;		/* not an alert */
	sinks_emit(s, &ev);
	event_init(&e, EV_STATS, T0);		/* not an alert */
	sinks_emit(s, &e);
	event_init(&e, EV_GEODB_STALE, T0);
	event_kv_int(&e, "age_days", 50);
	sinks_emit(s, &e);
	event_init(&e, EV_CONFIG_ERROR, T0);
	sinks_emit(s, &e);
	/* Two run at once; the others wait in the queue for a reap. */
	REAP_UNTIL(s, st, st.exec_started == 5);
	ck_assert_uint_eq(st.exec_started, 5);
	ck_assert_uint_eq(st.exec_dropped, 0);
	sinks_close(s);		/* waits for the commands */

	/* The same lines as the file's alerts, whatever order they ran in. */
	read_lines(path, &in);
	read_lines(out, &got);
	ck_assert_uint_eq(in.n, 8);
	ck_assert_uint_eq(got.n, 5);
	for (i = 0, n = 0; i < in.n; i++)
		if (i <= 2 || i >= 6)		/* not the three non-alerts */
			in.v[n++] = in.v[i];
	in.n = n;
	qsort(in.v, in.n, sizeof(in.v[0]), cmp_str);
	qsort(got.v, got.n, sizeof(got.v[0]), cmp_str);
	for (i = 0; i < got.n; i++)
		ck_assert_str_eq(got.v[i], in.v[i]);
	free(in.text);
	free(got.text);
}
END_TEST

START_TEST(exec_queue_bound)
{
	struct sinks *s;
	struct sink_stats st;
	struct timespec a, b;
	int i;

	s = open_exec("sleep 1", 1, 1, false);
	for (i = 0; i < 5; i++)
		sinks_emit(s, violation(T0, "203.0.113.7", 443 + i, "acme"));
	sinks_get_stats(s, &st);
	ck_assert_uint_eq(st.exec_started, 1);	/* one running, one queued */
	ck_assert_uint_eq(st.exec_dropped, 3);
	ck_assert_uint_eq(st.emitted, 5);
	REAP_UNTIL(s, st, st.exec_started == 2);
	ck_assert_uint_eq(st.exec_started, 2);
	/* Closing waits a bounded time, then leaves the command be. */
	sinks_emit(s, violation(T0, "203.0.113.7", 500, "acme"));
	clock_gettime(CLOCK_MONOTONIC, &a);
	sinks_close(s);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ck_assert_int_lt(b.tv_sec - a.tv_sec, 4);
}
END_TEST

START_TEST(exec_failures_counted)
{
	struct timespec settle = { 0, 300 * 1000 * 1000 };
	struct sinks *s;
	struct sink_stats st;
	char cmd[192];

	s = open_exec("exit 3", 4, 4, false);
	sinks_emit(s, violation(T0, "203.0.113.7", 443, "acme"));
	sinks_emit(s, violation(T0, "203.0.113.7", 444, "acme"));
	REAP_UNTIL(s, st, st.exec_failed == 2);
	ck_assert_uint_eq(st.exec_started, 2);
	ck_assert_uint_eq(st.exec_failed, 2);
	sinks_close(s);

	s = open_exec("kill -9 $$", 4, 4, false);
	sinks_emit(s, violation(T0, "203.0.113.7", 443, "acme"));
	REAP_UNTIL(s, st, st.exec_failed == 1);
	ck_assert_uint_eq(st.exec_failed, 1);
	sinks_close(s);

	/* A command that succeeds is no failure. */
	snprintf(cmd, sizeof(cmd), "cat > /dev/null; touch %s", out);
	s = open_exec(cmd, 4, 4, false);
	sinks_emit(s, violation(T0, "203.0.113.7", 443, "acme"));
	REAP_UNTIL(s, st, access(out, F_OK) == 0);
	nanosleep(&settle, NULL);
	sinks_reap(s);
	sinks_get_stats(s, &st);
	ck_assert_uint_eq(st.exec_started, 1);
	ck_assert_uint_eq(st.exec_failed, 0);
	sinks_close(s);
}
END_TEST

/*
 * The command sees no descriptor but its three, and default signal
 * handling even when the agent ignores SIGPIPE and blocks SIGCHLD.
 */
START_TEST(exec_clean_child)
{
	struct sinks *s;
	struct lines l;
	char cmd[256];
	sigset_t set;
	size_t i;
	int leak;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	leak = open("/dev/zero", O_RDONLY);	/* no O_CLOEXEC, on purpose */
	ck_assert_int_ge(leak, 3);

	snprintf(cmd, sizeof(cmd), "cat > /dev/null; exec 9>%s; "
	    "ls -l /proc/self/fd >&9; grep -E '^Sig(Ign|Blk)' "
	    "/proc/self/status >&9", out);
	s = open_exec(cmd, 1, 1, true);
	sinks_emit(s, violation(T0, "203.0.113.7", 443, "acme"));
	sinks_close(s);		/* waits for the command */
	close(leak);

	read_lines(out, &l);
	ck_assert_uint_gt(lines_with(&l, " 0 -> pipe:"), 0);	/* ls ran */
	ck_assert_uint_eq(lines_with(&l, "/dev/zero"), 0);
	ck_assert_uint_eq(lines_with(&l, "events.jsonl"), 0);
	/*
	 * Signals 1-31 only: glibc's posix_spawn leaves its two internal
	 * signals (32, 33) ignored, and any glibc program installs its own
	 * handlers for them at startup.
	 */
	for (i = 0; i < l.n; i++) {
		if (strncmp(l.v[i], "SigIgn:", 7) == 0)
			ck_assert_msg((strtoull(l.v[i] + 7, NULL, 16) &
			    0x7fffffffULL) == 0, "%s", l.v[i]);
		if (strncmp(l.v[i], "SigBlk:", 7) == 0)
			ck_assert_msg(strtoull(l.v[i] + 7, NULL, 16) == 0,
			    "%s", l.v[i]);
	}
	ck_assert_uint_eq(lines_with(&l, "SigIgn:"), 1);
	ck_assert_uint_eq(lines_with(&l, "SigBlk:"), 1);
	free(l.text);
}
END_TEST

static Suite *
sink_suite(void)
{
	Suite *s = suite_create("sink");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
	tcase_add_checked_fixture(tc, dir_setup, NULL);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, jsonl_lines);
	tcase_add_test(tc, jsonl_appends);
	tcase_add_test(tc, jsonl_reopen_after_rename);
	tcase_add_test(tc, jsonl_reopen_failure_keeps_old);
	tcase_add_test(tc, jsonl_open_error);
	tcase_add_test(tc, jsonl_write_errors);
	tcase_add_test(tc, jsonl_short_write_untorn);
	tcase_add_test(tc, dedup_off);
	tcase_add_test(tc, dedup_window);
	tcase_add_test(tc, dedup_flush_by_time);
	tcase_add_test(tc, dedup_only_alerts);
	tcase_add_test(tc, dedup_invariant_with_eviction);
	tcase_add_test(tc, stdout_text_and_json);
	tcase_add_test(tc, exec_receives_alerts);
	tcase_add_test(tc, exec_queue_bound);
	tcase_add_test(tc, exec_failures_counted);
	tcase_add_test(tc, exec_clean_child);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sink_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
