/* Unit tests for agent/privdrop: what a dropped process really holds, read back from /proc/self/status. */
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cap-ng.h>

#include "agent/privdrop.h"

#define BIT(c)		((uint64_t)1 << (c))
#define RAW		BIT(CAP_NET_RAW)		/* 13 */
#define ADMIN		BIT(CAP_NET_ADMIN)		/* 12 */
#define PROC		(BIT(CAP_DAC_READ_SEARCH) | BIT(CAP_SYS_PTRACE))	/* 2, 19 */
#define SERVICE_SET	(RAW | ADMIN | PROC)

/* What a child reports after privdrop: its status lines, parsed. */
struct report {
	int rc;
	char err[512];
	long uid[4], gid[4];	/* real, effective, saved, fs */
	char groups[256];
	uint64_t inh, prm, eff, bnd, amb;
	int nnp;
	uint64_t bnd_before;	/* CapBnd before the call */
};

/* How the child is prepared before it calls privdrop. */
enum setup { AS_ROOT, AS_SERVICE, AS_PLAIN_USER };

static bool
need_root(void)
{
	if (geteuid() == 0)
		return true;
	fprintf(stderr, "check_privdrop: needs root to change ids and "
	    "capabilities; test skipped\n");
	return false;
}

static uint64_t
status_caps(const char *name)
{
	char line[256];
	uint64_t v = 0;
	size_t n = strlen(name);
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, name, n) == 0 && line[n] == ':')
			v = strtoull(line + n + 1, NULL, 16);
	fclose(f);
	return v;
}

/*
 * As systemd starts deploy/eeaguard.service: uid/gid nobody, the service's
 * capabilities permitted, inheritable and ambient (AmbientCapabilities=),
 * the bounding set left full here.
 */
static void
become_service(void)
{
	const unsigned caps[] = { CAP_NET_RAW, CAP_NET_ADMIN,
	    CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE };

	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1 ||
	    setgroups(0, NULL) == -1 || setresgid(65534, 65534, 65534) == -1 ||
	    setresuid(65534, 65534, 65534) == -1)
		_exit(90);
	capng_clear(CAPNG_SELECT_CAPS);
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED |
		    CAPNG_INHERITABLE, caps[i]);
	if (capng_apply(CAPNG_SELECT_CAPS) != 0)
		_exit(91);
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, caps[i], 0,
		    0) == -1)
			_exit(92);
}

static void
become_plain_user(void)
{
	if (setgroups(0, NULL) == -1 || setresgid(65534, 65534, 65534) == -1 ||
	    setresuid(65534, 65534, 65534) == -1)
		_exit(93);
}

/* The child: prepare, call privdrop, write /proc/self/status to fd. */
static void
child(int fd, enum setup how, const char *user, bool admin, bool proc)
{
	char err[512] = "", line[512];
	uint64_t bnd;
	FILE *out, *st;
	int rc;

	if (how == AS_SERVICE)
		become_service();
	else if (how == AS_PLAIN_USER)
		become_plain_user();
	bnd = status_caps("CapBnd");
	rc = privdrop(user, admin, proc, err, sizeof(err));
	if ((out = fdopen(fd, "w")) == NULL ||
	    (st = fopen("/proc/self/status", "r")) == NULL)
		_exit(94);
	fprintf(out, "rc: %d\nerr: %s\nbnd_before: %016" PRIx64 "\n", rc,
	    err, bnd);
	while (fgets(line, sizeof(line), st) != NULL)
		fputs(line, out);
	fclose(st);
	fclose(out);
	_exit(0);
}

static void
parse(struct report *r, char *text)
{
	char *save = NULL, *l, *v;

	memset(r, 0, sizeof(*r));
	r->rc = -99;
	for (l = strtok_r(text, "\n", &save); l != NULL;
	    l = strtok_r(NULL, "\n", &save)) {
		if ((v = strchr(l, ':')) == NULL)
			continue;
		*v++ = '\0';
		v += strspn(v, " \t");
		if (strcmp(l, "rc") == 0)
			r->rc = atoi(v);
		else if (strcmp(l, "err") == 0)
			snprintf(r->err, sizeof(r->err), "%s", v);
		else if (strcmp(l, "bnd_before") == 0)
			r->bnd_before = strtoull(v, NULL, 16);
		else if (strcmp(l, "Uid") == 0)
			sscanf(v, "%ld %ld %ld %ld", &r->uid[0], &r->uid[1],
			    &r->uid[2], &r->uid[3]);
		else if (strcmp(l, "Gid") == 0)
			sscanf(v, "%ld %ld %ld %ld", &r->gid[0], &r->gid[1],
			    &r->gid[2], &r->gid[3]);
		else if (strcmp(l, "Groups") == 0)
			snprintf(r->groups, sizeof(r->groups), "%s", v);
		else if (strcmp(l, "CapInh") == 0)
			r->inh = strtoull(v, NULL, 16);
		else if (strcmp(l, "CapPrm") == 0)
			r->prm = strtoull(v, NULL, 16);
		else if (strcmp(l, "CapEff") == 0)
			r->eff = strtoull(v, NULL, 16);
		else if (strcmp(l, "CapBnd") == 0)
			r->bnd = strtoull(v, NULL, 16);
		else if (strcmp(l, "CapAmb") == 0)
			r->amb = strtoull(v, NULL, 16);
		else if (strcmp(l, "NoNewPrivs") == 0)
			r->nnp = atoi(v);
	}
}

/* Forks a child that calls privdrop and reports back through a pipe. */
static void
run(struct report *r, enum setup how, const char *user, bool admin,
    bool proc)
{
	static char text[16384];
	size_t len = 0;
	ssize_t n;
	int p[2], status;
	pid_t pid;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(p[0]);
		child(p[1], how, user, admin, proc);
	}
	close(p[1]);
	while (len < sizeof(text) - 1 &&
	    (n = read(p[0], text + len, sizeof(text) - 1 - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		ck_assert_int_gt(n, 0);
		len += (size_t)n;
	}
	text[len] = '\0';
	close(p[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "child failed before reporting (status %#x)", status);
	parse(r, text);
}

static void
assert_ids(const struct report *r, long id)
{
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(r->uid[i], id);
		ck_assert_int_eq(r->gid[i], id);
	}
}

/* The groups line holds no group of root's: only the user's own, or none. */
static void
assert_no_root_group(const struct report *r)
{
	char g[256], *save = NULL, *t;

	snprintf(g, sizeof(g), "%s", r->groups);
	for (t = strtok_r(g, " ", &save); t != NULL;
	    t = strtok_r(NULL, " ", &save))
		ck_assert_msg(strcmp(t, "0") != 0, "still in group 0: '%s'",
		    r->groups);
}

static void
assert_caps(const struct report *r, uint64_t want, uint64_t want_bnd)
{
	ck_assert_msg(r->rc == 0, "privdrop failed: %s", r->err);
	ck_assert_msg(r->eff == want, "CapEff %016" PRIx64 ", want %016"
	    PRIx64, r->eff, want);
	ck_assert_msg(r->prm == want, "CapPrm %016" PRIx64 ", want %016"
	    PRIx64, r->prm, want);
	ck_assert_msg(r->bnd == want_bnd, "CapBnd %016" PRIx64 ", want %016"
	    PRIx64, r->bnd, want_bnd);
	ck_assert_msg(r->inh == 0, "CapInh %016" PRIx64, r->inh);
	ck_assert_msg(r->amb == 0, "CapAmb %016" PRIx64, r->amb);
	ck_assert_int_eq(r->nnp, 1);
}

START_TEST(test_root_to_nobody_all)
{
	struct report r;

	if (!need_root())
		return;
	run(&r, AS_ROOT, "nobody", true, true);
	assert_caps(&r, SERVICE_SET, SERVICE_SET);
	assert_ids(&r, 65534);
	assert_no_root_group(&r);
}
END_TEST

START_TEST(test_root_to_nobody_capture_only)
{
	struct report r;

	if (!need_root())
		return;
	run(&r, AS_ROOT, "nobody", false, false);
	assert_caps(&r, RAW, RAW);
	assert_ids(&r, 65534);
}
END_TEST

START_TEST(test_root_to_nobody_admin_only)
{
	struct report r;

	if (!need_root())
		return;
	run(&r, AS_ROOT, "nobody", true, false);
	assert_caps(&r, RAW | ADMIN, RAW | ADMIN);
	assert_ids(&r, 65534);
}
END_TEST

START_TEST(test_root_to_nobody_proc_only)
{
	struct report r;

	if (!need_root())
		return;
	run(&r, AS_ROOT, "nobody", false, true);
	assert_caps(&r, RAW | PROC, RAW | PROC);
	assert_ids(&r, 65534);
}
END_TEST

START_TEST(test_unknown_user)
{
	struct report r;

	if (!need_root())
		return;
	run(&r, AS_ROOT, "eeaguard-no-such-user", true, true);
	ck_assert_int_eq(r.rc, -1);
	ck_assert_msg(strstr(r.err, "'eeaguard-no-such-user'") != NULL &&
	    strstr(r.err, "no such user") != NULL, "reason: %s", r.err);
	/* Refused before anything changed. */
	assert_ids(&r, 0);
	ck_assert_int_eq(r.nnp, 0);
	ck_assert_msg(r.bnd == r.bnd_before, "bounding set changed");
}
END_TEST

START_TEST(test_user_root_refused)
{
	struct report r;

	if (!need_root())
		return;
	run(&r, AS_ROOT, "root", true, true);
	ck_assert_int_eq(r.rc, -1);
	ck_assert_msg(strstr(r.err, "is root") != NULL, "reason: %s", r.err);
}
END_TEST

START_TEST(test_root_stays_root_narrowed)
{
	struct report r;

	if (!need_root())
		return;
	run(&r, AS_ROOT, NULL, true, false);
	assert_caps(&r, RAW | ADMIN, RAW | ADMIN);
	assert_ids(&r, 0);
}
END_TEST

/* Started by systemd as User= with AmbientCapabilities=: narrow, no switch. */
START_TEST(test_service_user_narrows)
{
	struct report r;

	if (!need_root())
		return;
	run(&r, AS_SERVICE, NULL, false, false);
	ck_assert_msg((r.bnd_before & SERVICE_SET) == SERVICE_SET,
	    "setup: CapBnd %016" PRIx64, r.bnd_before);
	/* Without CAP_SETPCAP the bounding set is the service manager's. */
	assert_caps(&r, RAW, r.bnd_before);
	assert_ids(&r, 65534);
}
END_TEST

START_TEST(test_service_user_named_keeps_mode_set)
{
	struct report r;

	if (!need_root())
		return;
	run(&r, AS_SERVICE, "nobody", true, true);
	assert_caps(&r, SERVICE_SET, r.bnd_before);
	assert_ids(&r, 65534);
}
END_TEST

START_TEST(test_service_user_other_user_refused)
{
	struct report r;

	if (!need_root())
		return;
	run(&r, AS_SERVICE, "root", true, true);
	ck_assert_int_eq(r.rc, -1);
	ck_assert_msg(strstr(r.err, "not root") != NULL, "reason: %s", r.err);
	/* Nothing dropped: the caller exits on the error. */
	ck_assert_int_eq(r.eff, SERVICE_SET);
}
END_TEST

/* An unprivileged process (an offline replay by hand): nothing changes. */
START_TEST(test_plain_user_unchanged)
{
	struct report r;

	if (!need_root())
		return;
	run(&r, AS_PLAIN_USER, NULL, true, true);
	ck_assert_msg(r.rc == 0, "privdrop failed: %s", r.err);
	ck_assert_int_eq(r.eff, 0);
	ck_assert_int_eq(r.prm, 0);
	ck_assert_int_eq(r.nnp, 0);
	assert_ids(&r, 65534);
}
END_TEST

static Suite *
privdrop_suite(void)
{
	Suite *s = suite_create("privdrop");
	TCase *tc = tcase_create("privdrop");

	tcase_add_test(tc, test_root_to_nobody_all);
	tcase_add_test(tc, test_root_to_nobody_capture_only);
	tcase_add_test(tc, test_root_to_nobody_admin_only);
	tcase_add_test(tc, test_root_to_nobody_proc_only);
	tcase_add_test(tc, test_unknown_user);
	tcase_add_test(tc, test_user_root_refused);
	tcase_add_test(tc, test_root_stays_root_narrowed);
	tcase_add_test(tc, test_service_user_narrows);
	tcase_add_test(tc, test_service_user_named_keeps_mode_set);
	tcase_add_test(tc, test_service_user_other_user_refused);
	tcase_add_test(tc, test_plain_user_unchanged);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(privdrop_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
