/* Unit tests for rules/errlist: message formats, joining, clearing. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "rules/errlist.h"

START_TEST(test_addf_formats)
{
	struct errlist e = { 0 };

	errlist_addf(&e, "/etc/eeaguard/eeaguard.conf", 12,
	    "scopes.[0].match.dports", "%d is not a port number (valid: "
	    "1-65535)", 70000);
	errlist_addf(&e, "a.conf", 0, "policy.eea", "\"%s\" is unknown", "XX");
	errlist_addf(&e, "a.conf", 3, NULL, "syntax error");
	errlist_addf(&e, "a.conf", 0, NULL, "cannot open");
	errlist_addf(&e, NULL, 0, "agent.mode", "bad");
	errlist_add(&e, "plain %s", "message");
	ck_assert_uint_eq(e.n, 6);
	ck_assert_int_eq(e.oom, 0);
	ck_assert_str_eq(e.msg[0], "/etc/eeaguard/eeaguard.conf:12: "
	    "scopes.[0].match.dports: 70000 is not a port number (valid: "
	    "1-65535)");
	ck_assert_str_eq(e.msg[1], "a.conf: policy.eea: \"XX\" is unknown");
	ck_assert_str_eq(e.msg[2], "a.conf:3: syntax error");
	ck_assert_str_eq(e.msg[3], "a.conf: cannot open");
	ck_assert_str_eq(e.msg[4], "agent.mode: bad");
	ck_assert_str_eq(e.msg[5], "plain message");
	errlist_clear(&e);
	ck_assert_uint_eq(e.n, 0);
	ck_assert_ptr_null(e.msg);
}
END_TEST

START_TEST(test_grows)
{
	struct errlist e = { 0 };
	char want[32];
	int i;

	for (i = 0; i < 1000; i++)
		errlist_add(&e, "error %d", i);
	ck_assert_uint_eq(e.n, 1000);
	ck_assert_uint_ge(e.cap, 1000);
	for (i = 0; i < 1000; i += 111) {
		snprintf(want, sizeof(want), "error %d", i);
		ck_assert_str_eq(e.msg[i], want);
	}
	errlist_clear(&e);
	/* Usable again after clear. */
	errlist_add(&e, "again");
	ck_assert_uint_eq(e.n, 1);
	errlist_clear(&e);
}
END_TEST

START_TEST(test_join)
{
	struct errlist e = { 0 };
	char buf[64], small[8];

	ck_assert_str_eq(errlist_join(&e, buf, sizeof(buf)), "");
	errlist_add(&e, "one");
	ck_assert_str_eq(errlist_join(&e, buf, sizeof(buf)), "one");
	errlist_add(&e, "two");
	errlist_add(&e, "three");
	ck_assert_str_eq(errlist_join(&e, buf, sizeof(buf)),
	    "one; two; three");
	/* Truncated to fit, always terminated. */
	ck_assert_str_eq(errlist_join(&e, small, sizeof(small)), "one; tw");
	ck_assert_str_eq(errlist_join(&e, small, 4), "one");
	ck_assert_str_eq(errlist_join(&e, small, 5), "one;");
	ck_assert_str_eq(errlist_join(&e, small, 1), "");
	ck_assert_ptr_eq(errlist_join(&e, small, 0), small);

	/* A lost message is never silently lost. */
	e.oom = 1;
	ck_assert_ptr_nonnull(strstr(errlist_join(&e, buf, sizeof(buf)),
	    "; (out of memory"));
	errlist_clear(&e);
	ck_assert_int_eq(e.oom, 0);
}
END_TEST

START_TEST(test_print)
{
	struct errlist e = { 0 };

	/* Smoke: must not crash on empty or full lists. */
	errlist_print(&e);
	errlist_add(&e, "check_errlist: this line is expected on stderr");
	errlist_print(&e);
	errlist_clear(&e);
	errlist_clear(&e);
	ck_assert_uint_eq(e.n, 0);
}
END_TEST

static Suite *
errlist_suite(void)
{
	Suite *s = suite_create("errlist");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_addf_formats);
	tcase_add_test(tc, test_grows);
	tcase_add_test(tc, test_join);
	tcase_add_test(tc, test_print);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(errlist_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
