/* Unit tests for agent/metrics.c: Prometheus text format and the atomic write. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/metrics.h"

static char base[64];		/* one per run, removed by the parent */
static char dir[96];		/* one per test */
static char path[128];		/* dir/metrics.prom */
static char filebuf[256 * 1024];

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
	strcpy(base, "/tmp/check_metrics.XXXXXX");
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
	snprintf(path, sizeof(path), "%s/metrics.prom", dir);
}

/* The whole file at p, NUL-terminated, in filebuf. */
static const char *
slurp(const char *p)
{
	ssize_t n;
	size_t len = 0;
	int fd;

	fd = open(p, O_RDONLY);
	ck_assert_msg(fd != -1, "open %s: %s", p, strerror(errno));
	while ((n = read(fd, filebuf + len, sizeof(filebuf) - 1 - len)) > 0)
		len += (size_t)n;
	ck_assert_int_ge(n, 0);
	ck_assert_uint_lt(len, sizeof(filebuf) - 1);
	close(fd);
	filebuf[len] = '\0';
	return filebuf;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names in d other than . and .., sorted, joined by spaces ("" if none). */
static const char *
listing(const char *d)
{
	static char names[16][256], out[1024];
	char *sorted[16] = { NULL };
	struct dirent *de;
	size_t n = 0, i;
	DIR *dh;

	dh = opendir(d);
	ck_assert_ptr_nonnull(dh);
	while ((de = readdir(dh)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		ck_assert_uint_lt(n, 16);
		snprintf(names[n], sizeof(names[n]), "%s", de->d_name);
		sorted[n] = names[n];
		n++;
	}
	closedir(dh);
	qsort(sorted, n, sizeof(sorted[0]), cmp_str);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i > 0)
			strncat(out, " ", sizeof(out) - strlen(out) - 1);
		strncat(out, sorted[i], sizeof(out) - strlen(out) - 1);
	}
	return out;
}

static const char *
write_and_read(const struct metrics *m)
{
	ck_assert_msg(metrics_write(m, path) == 0, "metrics_write: %s",
	    strerror(errno));
	return slurp(path);
}

/*
 * Counters with and without labels, a gauge, a name added twice apart,
 * a name whose HELP comes with its second sample, and escaping.
 */
static struct metrics *
golden_set(void)
{
	static const char *const eth0[] = { "iface", "eth0", NULL };
	static const char *const allow[] = { "verdict", "allow", NULL };
	static const char *const block[] = { "verdict", "block",
	    "country", "a\\b\"c\nd", NULL };
	struct metrics *m;

	m = metrics_new(16);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(metrics_add(m, METRIC_COUNTER,
	    "eeaguard_packets_total", "Packets seen.", NULL, 1234), 0);
	ck_assert_int_eq(metrics_add(m, METRIC_GAUGE, "eeaguard_flows",
	    "Flows in the table.", NULL, 17), 0);
	ck_assert_int_eq(metrics_add(m, METRIC_COUNTER,
	    "eeaguard_verdicts_total", NULL, allow, 10), 0);
	ck_assert_int_eq(metrics_add(m, METRIC_COUNTER,
	    "eeaguard_packets_total", "Not this one.", eth0, 99), 0);
	ck_assert_int_eq(metrics_add(m, METRIC_COUNTER,
	    "eeaguard_verdicts_total", "Verdicts by kind.\nA \\ here.", block,
	    2), 0);
	ck_assert_int_eq(metrics_add(m, METRIC_GAUGE, "eeaguard_ratio",
	    "A fraction.", NULL, 0.25), 0);
	return m;
}

static const char golden_text[] =
    "# HELP eeaguard_packets_total Packets seen.\n"
    "# TYPE eeaguard_packets_total counter\n"
    "eeaguard_packets_total 1234\n"
    "eeaguard_packets_total{iface=\"eth0\"} 99\n"
    "# HELP eeaguard_flows Flows in the table.\n"
    "# TYPE eeaguard_flows gauge\n"
    "eeaguard_flows 17\n"
    "# HELP eeaguard_verdicts_total Verdicts by kind.\\nA \\\\ here.\n"
    "# TYPE eeaguard_verdicts_total counter\n"
    "eeaguard_verdicts_total{verdict=\"allow\"} 10\n"
    "eeaguard_verdicts_total{verdict=\"block\",country=\"a\\\\b\\\"c\\nd\"} 2\n"
    "# HELP eeaguard_ratio A fraction.\n"
    "# TYPE eeaguard_ratio gauge\n"
    "eeaguard_ratio 0.25\n";

START_TEST(test_golden)
{
	struct metrics *m = golden_set();

	ck_assert_str_eq(write_and_read(m), golden_text);
	metrics_free(m);
}
END_TEST

START_TEST(test_empty_and_reset)
{
	struct metrics *m = golden_set();
	struct stat st;

	ck_assert_ptr_null(metrics_new(0));
	metrics_reset(m);
	ck_assert_str_eq(write_and_read(m), "");
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, 0);
	/* After a reset a name may come back with the other type. */
	ck_assert_int_eq(metrics_add(m, METRIC_GAUGE, "eeaguard_packets_total",
	    NULL, NULL, 1), 0);
	ck_assert_str_eq(write_and_read(m),
	    "# TYPE eeaguard_packets_total gauge\n"
	    "eeaguard_packets_total 1\n");
	metrics_free(m);
}
END_TEST

START_TEST(test_names)
{
	static const char *const good_names[] = { "a", "_a", ":a", "a:b_9",
	    "A0", "eeaguard_x_total" };
	static const char *const bad_names[] = { "", "9a", "a-b", "a b",
	    "a.b", "a\xc3\xa9", "a{", "a\n" };
	static const char *const good_keys[] = { "k", "_k", "k9", "K_x" };
	static const char *const bad_keys[] = { "", "9k", "k:x", "__k",
	    "__", "k-x", "k y" };
	struct metrics *m;
	const char *l[3] = { NULL, "v", NULL };
	size_t i;

	m = metrics_new(64);
	ck_assert_ptr_nonnull(m);
	for (i = 0; i < sizeof(good_names) / sizeof(good_names[0]); i++)
		ck_assert_msg(metrics_add(m, METRIC_GAUGE, good_names[i], NULL,
		    NULL, 1) == 0, "rejected name \"%s\"", good_names[i]);
	for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		errno = 0;
		ck_assert_msg(metrics_add(m, METRIC_GAUGE, bad_names[i], NULL,
		    NULL, 1) == -1, "accepted name \"%s\"", bad_names[i]);
		ck_assert_int_eq(errno, EINVAL);
	}
	for (i = 0; i < sizeof(good_keys) / sizeof(good_keys[0]); i++) {
		l[0] = good_keys[i];
		ck_assert_msg(metrics_add(m, METRIC_GAUGE, "k", NULL, l, 1) == 0,
		    "rejected key \"%s\"", good_keys[i]);
	}
	for (i = 0; i < sizeof(bad_keys) / sizeof(bad_keys[0]); i++) {
		l[0] = bad_keys[i];
		errno = 0;
		ck_assert_msg(metrics_add(m, METRIC_GAUGE, "bad", NULL, l, 1) ==
		    -1, "accepted key \"%s\"", bad_keys[i]);
		ck_assert_int_eq(errno, EINVAL);
	}
	ck_assert_int_eq(metrics_add(NULL, METRIC_GAUGE, "x", NULL, NULL, 1),
	    -1);
	ck_assert_int_eq(metrics_add(m, METRIC_GAUGE, NULL, NULL, NULL, 1),
	    -1);
	ck_assert_int_eq(metrics_add(m, (enum metric_type)7, "x", NULL, NULL,
	    1), -1);
	/* Nothing rejected reached the set. */
	ck_assert_ptr_null(strstr(write_and_read(m), "bad"));
	metrics_free(m);
}
END_TEST

START_TEST(test_labels)
{
	static const char *const three[] = { "a", "1", "b", "2", "c", "3",
	    NULL };
	static const char *const four[] = { "a", "1", "b", "2", "c", "3",
	    "d", "4", NULL };
	static const char *const odd[] = { "a", "1", "b", NULL };
	static const char *const twice[] = { "a", "1", "a", "2", NULL };
	static const char *const empty_val[] = { "a", "", NULL };
	struct metrics *m;

	m = metrics_new(8);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(metrics_add(m, METRIC_GAUGE, "g", "G.", three, 1), 0);
	errno = 0;
	ck_assert_int_eq(metrics_add(m, METRIC_GAUGE, "g", "G.", four, 1), -1);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(metrics_add(m, METRIC_GAUGE, "g", "G.", odd, 1), -1);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(metrics_add(m, METRIC_GAUGE, "g", "G.", twice, 1), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(metrics_add(m, METRIC_GAUGE, "e", "E.", empty_val, 1),
	    0);
	ck_assert_str_eq(write_and_read(m),
	    "# HELP g G.\n# TYPE g gauge\ng{a=\"1\",b=\"2\",c=\"3\"} 1\n"
	    "# HELP e E.\n# TYPE e gauge\ne{a=\"\"} 1\n");
	metrics_free(m);
}
END_TEST

START_TEST(test_type_conflict)
{
	static const char *const l[] = { "k", "v", NULL };
	struct metrics *m;

	m = metrics_new(8);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(metrics_add(m, METRIC_COUNTER, "x_total", "X.", NULL,
	    1), 0);
	errno = 0;
	ck_assert_int_eq(metrics_add(m, METRIC_GAUGE, "x_total", "X.", l, 2),
	    -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(metrics_add(m, METRIC_GAUGE, "y", "Y.", NULL, 3), 0);
	errno = 0;
	ck_assert_int_eq(metrics_add(m, METRIC_COUNTER, "y", "Y.", l, 4), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_str_eq(write_and_read(m),
	    "# HELP x_total X.\n# TYPE x_total counter\nx_total 1\n"
	    "# HELP y Y.\n# TYPE y gauge\ny 3\n");
	metrics_free(m);
}
END_TEST

/* Two samples of one series would make the textfile collector drop the file. */
START_TEST(test_duplicate_series)
{
	static const char *const ab[] = { "a", "1", "b", "2", NULL };
	static const char *const ba[] = { "b", "2", "a", "1", NULL };
	static const char *const a_empty[] = { "a", "", NULL };
	static const char *const a1[] = { "a", "1", NULL };
	struct metrics *m;

	m = metrics_new(8);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(metrics_add(m, METRIC_GAUGE, "g", NULL, NULL, 1), 0);
	errno = 0;
	ck_assert_int_eq(metrics_add(m, METRIC_GAUGE, "g", NULL, NULL, 2), -1);
	ck_assert_int_eq(errno, EEXIST);
	errno = 0;
	ck_assert_int_eq(metrics_add(m, METRIC_GAUGE, "g", NULL, a_empty, 2),
	    -1);
	ck_assert_int_eq(errno, EEXIST);
	ck_assert_int_eq(metrics_add(m, METRIC_GAUGE, "g", NULL, ab, 3), 0);
	errno = 0;
	ck_assert_int_eq(metrics_add(m, METRIC_GAUGE, "g", NULL, ba, 4), -1);
	ck_assert_int_eq(errno, EEXIST);
	ck_assert_int_eq(metrics_add(m, METRIC_GAUGE, "g", NULL, a1, 5), 0);
	ck_assert_int_eq(metrics_add(m, METRIC_GAUGE, "h", NULL, a1, 6), 0);
	ck_assert_str_eq(write_and_read(m),
	    "# TYPE g gauge\ng 1\ng{a=\"1\",b=\"2\"} 3\ng{a=\"1\"} 5\n"
	    "# TYPE h gauge\nh{a=\"1\"} 6\n");
	metrics_free(m);
}
END_TEST

START_TEST(test_capacity)
{
	struct metrics *m;

	m = metrics_new(3);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(metrics_add(m, METRIC_GAUGE, "a", NULL, NULL, 1), 0);
	ck_assert_int_eq(metrics_add(m, METRIC_GAUGE, "b", NULL, NULL, 2), 0);
	ck_assert_int_eq(metrics_add(m, METRIC_GAUGE, "c", NULL, NULL, 3), 0);
	errno = 0;
	ck_assert_int_eq(metrics_add(m, METRIC_GAUGE, "d", NULL, NULL, 4), -1);
	ck_assert_int_eq(errno, ENOSPC);
	ck_assert_str_eq(write_and_read(m), "# TYPE a gauge\na 1\n"
	    "# TYPE b gauge\nb 2\n# TYPE c gauge\nc 3\n");
	metrics_reset(m);
	ck_assert_int_eq(metrics_add(m, METRIC_GAUGE, "d", NULL, NULL, 4), 0);
	ck_assert_int_eq(metrics_add(m, METRIC_GAUGE, "e", NULL, NULL, 5), 0);
	ck_assert_int_eq(metrics_add(m, METRIC_GAUGE, "f", NULL, NULL, 6), 0);
	ck_assert_int_eq(metrics_add(m, METRIC_GAUGE, "g", NULL, NULL, 7), -1);
	ck_assert_str_eq(write_and_read(m), "# TYPE d gauge\nd 4\n"
	    "# TYPE e gauge\ne 5\n# TYPE f gauge\nf 6\n");
	metrics_free(m);
}
END_TEST

static void
fill(char *s, char c, size_t n)
{
	memset(s, c, n);
	s[n] = '\0';
}

/* Longest strings are kept whole; one byte more is refused, never cut. */
START_TEST(test_lengths)
{
	char name[METRICS_NAME_MAX + 2], key[METRICS_LABEL_KEY_MAX + 2];
	char val[METRICS_LABEL_VALUE_MAX + 2], help[METRICS_HELP_MAX + 2];
	const char *l[3] = { key, val, NULL };
	struct metrics *m;
	const char *out;
	char first[2048];

	m = metrics_new(8);
	ck_assert_ptr_nonnull(m);
	fill(name, 'n', METRICS_NAME_MAX);
	fill(key, 'k', METRICS_LABEL_KEY_MAX);
	fill(val, 'v', METRICS_LABEL_VALUE_MAX);
	fill(help, 'h', METRICS_HELP_MAX);
	ck_assert_int_eq(metrics_add(m, METRIC_GAUGE, name, help, l, 1), 0);
	out = write_and_read(m);
	ck_assert_ptr_nonnull(strstr(out, name));
	ck_assert_ptr_nonnull(strstr(out, key));
	ck_assert_ptr_nonnull(strstr(out, val));
	ck_assert_ptr_nonnull(strstr(out, help));

	fill(name, 'm', METRICS_NAME_MAX + 1);
	errno = 0;
	ck_assert_int_eq(metrics_add(m, METRIC_GAUGE, name, NULL, NULL, 1), -1);
	ck_assert_int_eq(errno, ENAMETOOLONG);
	fill(name, 'm', METRICS_NAME_MAX);

	fill(key, 'k', METRICS_LABEL_KEY_MAX + 1);
	errno = 0;
	ck_assert_int_eq(metrics_add(m, METRIC_GAUGE, name, NULL, l, 1), -1);
	ck_assert_int_eq(errno, ENAMETOOLONG);
	fill(key, 'k', METRICS_LABEL_KEY_MAX);

	fill(val, 'w', METRICS_LABEL_VALUE_MAX + 1);
	errno = 0;
	ck_assert_int_eq(metrics_add(m, METRIC_GAUGE, name, NULL, l, 1), -1);
	ck_assert_int_eq(errno, ENAMETOOLONG);
	fill(val, 'w', METRICS_LABEL_VALUE_MAX);

	fill(help, 'i', METRICS_HELP_MAX + 1);
	errno = 0;
	ck_assert_int_eq(metrics_add(m, METRIC_GAUGE, name, help, l, 1), -1);
	ck_assert_int_eq(errno, ENAMETOOLONG);

	/* None of the refused samples reached the set. */
	ck_assert_uint_lt(strlen(out), sizeof(first));
	strcpy(first, out);
	ck_assert_str_eq(write_and_read(m), first);
	metrics_free(m);
}
END_TEST

START_TEST(test_utf8)
{
	static const char *const bad[] = {
		"\xff", "a\x80", "\xc3", "\xc0\xaf",		/* overlong '/' */
		"\xe0\x80\xaf", "\xed\xa0\x80",			/* surrogate */
		"\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80",
	};
	const char *l[3] = { "k", NULL, NULL };
	struct metrics *m;
	size_t i;

	m = metrics_new(4);
	ck_assert_ptr_nonnull(m);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		l[1] = bad[i];
		errno = 0;
		ck_assert_msg(metrics_add(m, METRIC_GAUGE, "g", NULL, l, 1) == -1,
		    "accepted label value %zu", i);
		ck_assert_int_eq(errno, EINVAL);
		ck_assert_msg(metrics_add(m, METRIC_GAUGE, "g", bad[i], NULL,
		    1) == -1, "accepted help %zu", i);
	}
	l[1] = "Z\xc3\xbcrich \xe2\x82\xac \xf0\x9f\x98\x80";
	ck_assert_int_eq(metrics_add(m, METRIC_GAUGE, "g", "\xc3\xa9t\xc3\xa9",
	    l, 1), 0);
	ck_assert_str_eq(write_and_read(m),
	    "# HELP g \xc3\xa9t\xc3\xa9\n# TYPE g gauge\n"
	    "g{k=\"Z\xc3\xbcrich \xe2\x82\xac \xf0\x9f\x98\x80\"} 1\n");
	metrics_free(m);
}
END_TEST

static const struct {
	double v;
	const char *text;	/* NULL: only the round trip is checked */
} values[] = {
	{ 0, "0" },
	{ 1, "1" },
	{ -7, "-7" },
	{ 1e15, "1000000000000000" },
	{ 9007199254740992.0, "9007199254740992" },	/* 2^53 */
	{ -9007199254740992.0, "-9007199254740992" },
	{ 18446744073709551616.0, "1.8446744073709552e+19" },	/* 2^64 */
	{ 1e300, "1e+300" },
	{ 0.1, "0.1" },
	{ 0.1 + 0.2, "0.30000000000000004" },
	{ -2.5, "-2.5" },
	{ 1.0 / 3.0, "0.3333333333333333" },
	{ 123456.789, "123456.789" },
	{ 5e-324, NULL },
	{ DBL_MIN, NULL },
	{ DBL_MAX, NULL },
	{ -DBL_MAX, NULL },
	{ 9007199254740993.0 * 3.0, NULL },
	{ 2.0 / 3.0, NULL },
	{ INFINITY, "+Inf" },
	{ -INFINITY, "-Inf" },
	{ NAN, "NaN" },
	{ -0.0, NULL },
};

/* Same double, bit for bit (tells -0 from 0); NaN matches NaN. */
static int
same_double(double a, double b)
{
	if (isnan(a) && isnan(b))
		return 1;
	return memcmp(&a, &b, sizeof(a)) == 0;
}

START_TEST(test_values)
{
	const size_t n = sizeof(values) / sizeof(values[0]);
	struct metrics *m;
	char key[16], line[256], *p;
	const char *l[3] = { "i", key, NULL };
	FILE *fp;
	size_t i, seen = 0;

	m = metrics_new(n);
	ck_assert_ptr_nonnull(m);
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "%zu", i);
		ck_assert_int_eq(metrics_add(m, METRIC_GAUGE, "v", NULL, l,
		    values[i].v), 0);
	}
	ck_assert_int_eq(metrics_write(m, path), 0);
	fp = fopen(path, "r");
	ck_assert_ptr_nonnull(fp);
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *end;
		double got;

		if (line[0] == '#')
			continue;
		ck_assert_int_eq(sscanf(line, "v{i=\"%zu\"}", &i), 1);
		ck_assert_uint_lt(i, n);
		p = strchr(line, ' ');
		ck_assert_ptr_nonnull(p);
		p++;
		p[strcspn(p, "\n")] = '\0';
		ck_assert_ptr_null(strchr(p, ' '));
		if (values[i].text != NULL)
			ck_assert_str_eq(p, values[i].text);
		/* Plain integers up to 2^53: no exponent. */
		if (fabs(values[i].v) <= 9007199254740992.0 &&
		    values[i].v == (double)(long long)values[i].v)
			ck_assert_msg(strpbrk(p, "e.") == NULL, "%s", p);
		got = strtod(p, &end);
		ck_assert_msg(*end == '\0', "unparsed \"%s\"", p);
		ck_assert_msg(same_double(got, values[i].v),
		    "%s does not round-trip (%.17g)", p, values[i].v);
		ck_assert_msg(isnan(got) || isinf(got) ||
		    strspn(p, "-0123456789.e+") == strlen(p),
		    "not a decimal: %s", p);
		seen++;
	}
	fclose(fp);
	ck_assert_uint_eq(seen, n);
	metrics_free(m);
}
END_TEST

/* A write into a missing directory fails and leaves nothing behind. */
START_TEST(test_write_missing_dir)
{
	struct metrics *m = golden_set();
	char p[192];

	snprintf(p, sizeof(p), "%s/nonexistent/metrics.prom", dir);
	errno = 0;
	ck_assert_int_eq(metrics_write(m, p), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_str_eq(listing(dir), "");
	errno = 0;
	ck_assert_int_eq(metrics_write(m, ""), -1);
	ck_assert_int_eq(errno, EINVAL);
	metrics_free(m);
}
END_TEST

/* An existing, longer file is replaced whole (a new inode, no old tail). */
START_TEST(test_write_replaces)
{
	struct metrics *m = golden_set();
	struct stat before, after;
	char big[64 * 1024], cwd[512];
	mode_t mask;
	int fd;

	memset(big, 'x', sizeof(big));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, big, sizeof(big)), (ssize_t)sizeof(big));
	close(fd);
	ck_assert_int_eq(stat(path, &before), 0);

	mask = umask(077);	/* the mode is set outright, whatever the umask */
	ck_assert_str_eq(write_and_read(m), golden_text);
	umask(mask);
	ck_assert_int_eq(stat(path, &after), 0);
	ck_assert_int_ne(before.st_ino, after.st_ino);
	ck_assert_int_eq(after.st_size, (off_t)strlen(golden_text));
	ck_assert_uint_eq(after.st_mode & 07777, 0644);
	ck_assert_str_eq(listing(dir), "metrics.prom");

	/* A relative path (directory ".") works too. */
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(dir), 0);
	ck_assert_int_eq(metrics_write(m, "rel.prom"), 0);
	ck_assert_int_eq(chdir(cwd), 0);
	ck_assert_str_eq(listing(dir), "metrics.prom rel.prom");
	metrics_free(m);
}
END_TEST

/*
 * A failure after the temp file exists keeps the old file and removes the
 * temp: the rename fails when PATH is a directory, the write fails past
 * RLIMIT_FSIZE (even as root).
 */
START_TEST(test_write_failure_keeps_old)
{
	struct metrics *m;
	struct rlimit old_rl, rl;
	char sub[160], expect[64];
	int i, fd;

	m = metrics_new(512);
	ck_assert_ptr_nonnull(m);
	for (i = 0; i < 512; i++) {
		char name[32];

		snprintf(name, sizeof(name), "eeaguard_metric_%d", i);
		ck_assert_int_eq(metrics_add(m, METRIC_GAUGE, name, "Some help.",
		    NULL, i), 0);
	}

	snprintf(sub, sizeof(sub), "%s/isdir", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	errno = 0;
	ck_assert_int_eq(metrics_write(m, sub), -1);
	ck_assert_int_ne(errno, 0);
	ck_assert_str_eq(listing(dir), "isdir");
	ck_assert_int_eq(rmdir(sub), 0);

	snprintf(expect, sizeof(expect), "old content\n");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, expect, strlen(expect)),
	    (ssize_t)strlen(expect));
	close(fd);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old_rl), 0);
	signal(SIGXFSZ, SIG_IGN);
	rl = old_rl;
	rl.rlim_cur = 1000;	/* the set above is far larger */
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	errno = 0;
	i = metrics_write(m, path);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old_rl), 0);
	signal(SIGXFSZ, SIG_DFL);
	ck_assert_int_eq(i, -1);
	ck_assert_int_eq(errno, EFBIG);
	ck_assert_str_eq(slurp(path), expect);
	ck_assert_str_eq(listing(dir), "metrics.prom");
	metrics_free(m);
}
END_TEST

/* Exit status of promtool check metrics on file, or -1 if it cannot run. */
static int
promtool_check(const char *file, char *out, size_t outsize)
{
	char cmd[512];
	size_t len = 0, n;
	FILE *fp;
	int st;

	snprintf(cmd, sizeof(cmd), "promtool check metrics < '%s' 2>&1", file);
	if ((fp = popen(cmd, "r")) == NULL)
		return -1;
	while (len < outsize - 1 &&
	    (n = fread(out + len, 1, outsize - 1 - len, fp)) > 0)
		len += n;
	out[len] = '\0';
	st = pclose(fp);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static int
have_promtool(void)
{
	return system("command -v promtool >/dev/null 2>&1") == 0;
}

/*
 * Prometheus' own parser and linter (Debian's prometheus package) accept
 * the output; a broken file shows it really checks.
 */
START_TEST(test_promtool)
{
	struct metrics *m = golden_set();
	char out[4096], bad[192];
	FILE *fp;

	if (!have_promtool()) {
		fprintf(stderr, "check_metrics: promtool not installed, "
		    "parser check skipped (apt-get install prometheus)\n");
		metrics_free(m);
		return;
	}
	ck_assert_int_eq(metrics_write(m, path), 0);
	ck_assert_msg(promtool_check(path, out, sizeof(out)) == 0,
	    "promtool: %s", out);

	snprintf(bad, sizeof(bad), "%s/bad.prom", dir);
	fp = fopen(bad, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("# HELP x_total X.\n# TYPE x_total counter\nx_total{a=\"b} 1",
	    fp);
	fclose(fp);
	ck_assert_int_ne(promtool_check(bad, out, sizeof(out)), 0);
	metrics_free(m);
}
END_TEST

static Suite *
metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
	tcase_add_checked_fixture(tc, dir_setup, NULL);
	tcase_add_test(tc, test_golden);
	tcase_add_test(tc, test_empty_and_reset);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_labels);
	tcase_add_test(tc, test_type_conflict);
	tcase_add_test(tc, test_duplicate_series);
	tcase_add_test(tc, test_capacity);
	tcase_add_test(tc, test_lengths);
	tcase_add_test(tc, test_utf8);
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_write_missing_dir);
	tcase_add_test(tc, test_write_replaces);
	tcase_add_test(tc, test_write_failure_keeps_old);
	tcase_add_test(tc, test_promtool);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(metrics_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
