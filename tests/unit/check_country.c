/* Unit tests for rules/country: ISO codes, suggestions, sets, the EEA. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "rules/country.h"

/* Every two-letter code, AA..ZZ, in turn. */
static void
code_at(int i, char cc[3])
{
	cc[0] = (char)('A' + i / 26);
	cc[1] = (char)('A' + i % 26);
	cc[2] = '\0';
}

START_TEST(test_assigned_count)
{
	char cc[3];
	int i, n = 0;

	for (i = 0; i < 26 * 26; i++) {
		code_at(i, cc);
		if (country_is_assigned(cc)) {
			n++;
			ck_assert_ptr_nonnull(country_name(cc));
			ck_assert(country_name(cc)[0] != '\0');
		} else
			ck_assert_ptr_null(country_name(cc));
	}
	/* 249 officially assigned, plus XK (Kosovo) by decision. */
	ck_assert_int_eq(n, 250);
}
END_TEST

START_TEST(test_spot_checks)
{
	static const char *const yes[] = {
		"NL", "US", "GB", "DE", "AX", "SJ", "XK", "SS", "CW", "SX", "BQ",
		"MF", "BL", "PS", "TW", "HK", "AQ", "UM", "ZW", "AD",
	};
	static const char *const no[] = {
		"UK", "EL", "EU", "AP", "AN", "CS", "YU", "SU", "ZR", "TP", "BU",
		"FX", "XX", "ZZ", "AA", "QA0", "nl", "Nl", "N", "", "NLD",
		"N1", "A-",
	};
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		ck_assert_msg(country_is_assigned(yes[i]), "%s", yes[i]);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		ck_assert_msg(!country_is_assigned(no[i]), "%s", no[i]);
	ck_assert(!country_is_assigned(NULL));
	ck_assert_str_eq(country_name("NL"), "Netherlands");
	ck_assert_str_eq(country_name("GB"), "United Kingdom");
	ck_assert_str_eq(country_name("US"), "United States");
	ck_assert_str_eq(country_name("DE"), "Germany");
	ck_assert_str_eq(country_name("XK"), "Kosovo");
	ck_assert_str_eq(country_name("SJ"), "Svalbard and Jan Mayen");
	ck_assert_ptr_null(country_name("UK"));
	ck_assert_ptr_null(country_name(NULL));
}
END_TEST

START_TEST(test_regions)
{
	ck_assert(country_is_region("EU"));
	ck_assert(country_is_region("AP"));
	ck_assert(!country_is_region("NL"));
	ck_assert(!country_is_region("eu"));
	ck_assert(!country_is_region("EUR"));
	ck_assert(!country_is_region(NULL));
	ck_assert(!country_is_assigned("EU"));
	ck_assert(!country_is_assigned("AP"));
}
END_TEST

START_TEST(test_suggest)
{
	ck_assert_str_eq(country_suggest("UK"), "GB");
	ck_assert_str_eq(country_suggest("uk"), "GB");
	ck_assert_str_eq(country_suggest("EL"), "GR");
	ck_assert_str_eq(country_suggest("nl"), "NL");
	ck_assert_str_eq(country_suggest("Nl"), "NL");
	ck_assert_str_eq(country_suggest("de"), "DE");
	ck_assert_str_eq(country_suggest("xk"), "XK");
	ck_assert_str_eq(country_suggest("FX"), "FR");
	ck_assert_str_eq(country_suggest("TP"), "TL");
	/* Suggestions are always assigned codes. */
	ck_assert(country_is_assigned(country_suggest("ZR")));
	ck_assert(country_is_assigned(country_suggest("IC")));
	/* Assigned codes need no suggestion; ambiguous ones get none. */
	ck_assert_ptr_null(country_suggest("NL"));
	ck_assert_ptr_null(country_suggest("GB"));
	ck_assert_ptr_null(country_suggest("YU"));
	ck_assert_ptr_null(country_suggest("AN"));
	ck_assert_ptr_null(country_suggest("EU"));
	ck_assert_ptr_null(country_suggest("XX"));
	ck_assert_ptr_null(country_suggest("NLD"));
	ck_assert_ptr_null(country_suggest("N"));
	ck_assert_ptr_null(country_suggest(""));
	ck_assert_ptr_null(country_suggest(NULL));
}
END_TEST

static void
collect(const char cc[3], void *arg)
{
	char *out = arg;

	strcat(out, cc);
	strcat(out, " ");
}

START_TEST(test_set_ops)
{
	struct country_set s;
	char out[64] = "";

	country_set_clear(&s);
	ck_assert_uint_eq(country_set_count(&s), 0);
	ck_assert(!country_set_has(&s, "AA"));
	ck_assert_int_eq(country_set_add(&s, "ZZ"), 0);
	ck_assert_int_eq(country_set_add(&s, "AA"), 0);
	ck_assert_int_eq(country_set_add(&s, "NL"), 0);
	ck_assert_int_eq(country_set_add(&s, "NL"), 0);
	/* Bits 63/64 straddle a word. */
	ck_assert_int_eq(country_set_add(&s, "CL"), 0);	/* 2*26+11 = 63 */
	ck_assert_int_eq(country_set_add(&s, "CM"), 0);	/* 64 */
	ck_assert_uint_eq(country_set_count(&s), 5);
	ck_assert(country_set_has(&s, "ZZ"));
	ck_assert(country_set_has(&s, "AA"));
	ck_assert(country_set_has(&s, "CL"));
	ck_assert(country_set_has(&s, "CM"));
	ck_assert(!country_set_has(&s, "CK"));
	ck_assert(!country_set_has(&s, "CN"));
	ck_assert(!country_set_has(&s, "nl"));
	ck_assert(!country_set_has(&s, NULL));

	ck_assert_int_eq(country_set_add(&s, "nl"), -1);
	ck_assert_int_eq(country_set_add(&s, "N"), -1);
	ck_assert_int_eq(country_set_add(&s, "NLD"), -1);
	ck_assert_int_eq(country_set_add(&s, ""), -1);
	ck_assert_int_eq(country_set_add(&s, "N["), -1);
	ck_assert_int_eq(country_set_add(&s, "@A"), -1);
	ck_assert_int_eq(country_set_add(&s, NULL), -1);
	ck_assert_uint_eq(country_set_count(&s), 5);

	country_set_foreach(&s, collect, out);
	ck_assert_str_eq(out, "AA CL CM NL ZZ ");

	country_set_clear(&s);
	ck_assert_uint_eq(country_set_count(&s), 0);
	ck_assert(!country_set_has(&s, "ZZ"));
}
END_TEST

START_TEST(test_set_all)
{
	struct country_set s;
	char cc[3];
	int i;

	country_set_clear(&s);
	for (i = 0; i < 26 * 26; i++) {
		code_at(i, cc);
		ck_assert_int_eq(country_set_add(&s, cc), 0);
	}
	ck_assert_uint_eq(country_set_count(&s), 676);
	for (i = 0; i < 26 * 26; i++) {
		code_at(i, cc);
		ck_assert(country_set_has(&s, cc));
	}
}
END_TEST

START_TEST(test_eea_default)
{
	static const char *const want[] = {
		"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR",
		"DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL",
		"PL", "PT", "RO", "SK", "SI", "ES", "SE",
		"IS", "LI", "NO",
		"AX", "GF", "GP", "MQ", "RE", "YT", "MF",
	};
	static const char *const out[] = {
		"SJ", "GB", "CH", "EU", "AP", "BL", "FO", "GL", "PM", "GI",
		"XK", "US", "TR", "EL", "UK",
	};
	struct country_set s;
	size_t i, n;

	for (n = 0; country_eea_default[n] != NULL; n++)
		ck_assert_msg(country_is_assigned(country_eea_default[n]),
		    "%s", country_eea_default[n]);
	ck_assert_uint_eq(n, 37);
	ck_assert_uint_eq(sizeof(want) / sizeof(want[0]), 37);

	memset(&s, 0xff, sizeof(s));
	country_set_eea_default(&s);
	ck_assert_uint_eq(country_set_count(&s), 37);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_msg(country_set_has(&s, want[i]), "%s", want[i]);
	for (i = 0; i < sizeof(out) / sizeof(out[0]); i++)
		ck_assert_msg(!country_set_has(&s, out[i]), "%s", out[i]);
}
END_TEST

static Suite *
country_suite(void)
{
	Suite *s = suite_create("country");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_assigned_count);
	tcase_add_test(tc, test_spot_checks);
	tcase_add_test(tc, test_regions);
	tcase_add_test(tc, test_suggest);
	tcase_add_test(tc, test_set_ops);
	tcase_add_test(tc, test_set_all);
	tcase_add_test(tc, test_eea_default);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(country_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
