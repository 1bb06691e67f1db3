/* Unit tests for agent/json.c: escaping, UTF-8 repair, bounds, timestamps. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/json.h"

/* {"k":<value as json_strn writes it>}, or NULL on overflow. */
static const char *
one(const char *value, size_t n)
{
	static char buf[1024];
	struct json j;

	json_begin(&j, buf, sizeof(buf));
	json_strn(&j, "k", value, n);
	if (json_end(&j) < 0)
		return NULL;
	return buf;
}

static void
expect(const char *value, size_t n, const char *want_value)
{
	char want[1024];

	snprintf(want, sizeof(want), "{\"k\":%s}", want_value);
	ck_assert_str_eq(one(value, n), want);
}

#define EXPECT(lit, want) expect(lit, sizeof(lit) - 1, want)

/*
 * An independent UTF-8 check (RFC 3629 section 4 syntax), so that the
 * repair is not only checked against the decoder it uses.
 */
static int
valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i];

		if (c < 0x80) {
			i++;
		} else if (c >= 0xc2 && c <= 0xdf && i + 1 < n &&
		    (s[i + 1] & 0xc0) == 0x80) {
			i += 2;
		} else if (c >= 0xe0 && c <= 0xef && i + 2 < n &&
		    (s[i + 1] & 0xc0) == 0x80 && (s[i + 2] & 0xc0) == 0x80) {
			unsigned cp = (c & 0xf) << 12 | (s[i + 1] & 0x3f) << 6 |
			    (s[i + 2] & 0x3f);
			if (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))
				return 0;
			i += 3;
		} else if (c >= 0xf0 && c <= 0xf4 && i + 3 < n &&
		    (s[i + 1] & 0xc0) == 0x80 && (s[i + 2] & 0xc0) == 0x80 &&
		    (s[i + 3] & 0xc0) == 0x80) {
			unsigned cp = (c & 7) << 18 | (s[i + 1] & 0x3f) << 12 |
			    (s[i + 2] & 0x3f) << 6 | (s[i + 3] & 0x3f);
			if (cp < 0x10000 || cp > 0x10ffff)
				return 0;
			i += 4;
		} else {
			return 0;
		}
	}
	return 1;
}

START_TEST(escape_specials)
{
	EXPECT("plain text", "\"plain text\"");
	EXPECT("", "\"\"");
	EXPECT("a\"b", "\"a\\\"b\"");
	EXPECT("a\\b", "\"a\\\\b\"");
	EXPECT("/", "\"/\"");
	EXPECT("\x7f", "\"\x7f\"");		/* DEL is legal JSON */
	EXPECT("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"");
	EXPECT("\0x", "\"\\u0000x\"");
	ck_assert_str_eq(one(NULL, 0), "{\"k\":null}");
}
END_TEST

START_TEST(escape_every_control)
{
	char in[2], want[16];
	unsigned c;

	for (c = 0; c < 0x20; c++) {
		in[0] = (char)c;
		switch (c) {
		case '\b': strcpy(want, "\"\\b\""); break;
		case '\f': strcpy(want, "\"\\f\""); break;
		case '\n': strcpy(want, "\"\\n\""); break;
		case '\r': strcpy(want, "\"\\r\""); break;
		case '\t': strcpy(want, "\"\\t\""); break;
		default:
			snprintf(want, sizeof(want), "\"\\u%04x\"", c);
			break;
		}
		expect(in, 1, want);
	}
	/* Printable ASCII other than " and \ goes through untouched. */
	for (c = 0x20; c < 0x80; c++) {
		in[0] = (char)c;
		if (c == '"' || c == '\\')
			continue;
		snprintf(want, sizeof(want), "\"%c\"", c);
		expect(in, 1, want);
	}
}
END_TEST

START_TEST(escape_keys)
{
	char buf[64];
	struct json j;

	json_begin(&j, buf, sizeof(buf));
	json_str(&j, "a\"\n", "v");
	ck_assert_int_eq(json_end(&j), (int)strlen("{\"a\\\"\\n\":\"v\"}"));
	ck_assert_str_eq(buf, "{\"a\\\"\\n\":\"v\"}");
}
END_TEST

static const struct {
	const char *in;
	size_t n;
	const char *want;
} bad_utf8[] = {
#define B(lit, want) { lit, sizeof(lit) - 1, want }
	B("\x80", "\\ufffd"),				/* stray continuation */
	B("a\xbf" "b", "a\\ufffdb"),
	B("\xc0\xaf", "\\ufffd\\ufffd"),		/* overlong '/' */
	B("\xc1\xbf", "\\ufffd\\ufffd"),
	B("\xe0\x80\xaf", "\\ufffd\\ufffd\\ufffd"),	/* overlong, 3 bytes */
	B("\xf0\x80\x80\xaf", "\\ufffd\\ufffd\\ufffd\\ufffd"),
	B("\xed\xa0\x80", "\\ufffd\\ufffd\\ufffd"),	/* U+D800 */
	B("\xed\xbf\xbf", "\\ufffd\\ufffd\\ufffd"),	/* U+DFFF */
	B("\xf4\x90\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd"), /* U+110000 */
	B("\xf5\x80\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd"),
	B("\xfe\xff", "\\ufffd\\ufffd"),
	B("\xe2\x82", "\\ufffd"),			/* truncated at end */
	B("\xe2\x82" "A", "\\ufffdA"),			/* truncated mid-string */
	B("\xf0\x9f\x98", "\\ufffd"),
	B("\xf0\x9f\x98" "\xf0\x9f\x98\x80", "\\ufffd\xf0\x9f\x98\x80"),
	B("\xc3", "\\ufffd"),
	B("\xc3\xc3\xa9", "\\ufffd\xc3\xa9"),
#undef B
};

START_TEST(invalid_utf8)
{
	const char *got;
	char want[128];

	snprintf(want, sizeof(want), "{\"k\":\"%s\"}", bad_utf8[_i].want);
	got = one(bad_utf8[_i].in, bad_utf8[_i].n);
	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, want);
	ck_assert(valid_utf8((const unsigned char *)got, strlen(got)));
}
END_TEST

START_TEST(valid_multibyte_kept)
{
	static const char *const ok[] = {
		"\xc2\x80",			/* U+0080 */
		"caf\xc3\xa9",			/* é */
		"\xdf\xbf",			/* U+07FF */
		"\xe0\xa0\x80",			/* U+0800 */
		"\xe2\x82\xac",			/* € */
		"\xed\x9f\xbf",			/* U+D7FF, just below surrogates */
		"\xee\x80\x80",			/* U+E000, just above */
		"\xef\xbf\xbd",			/* U+FFFD itself */
		"\xef\xbf\xbf",			/* U+FFFF */
		"\xf0\x90\x80\x80",		/* U+10000 */
		"\xf0\x9f\x98\x80",		/* 😀 */
		"\xf4\x8f\xbf\xbf",		/* U+10FFFF */
		"\xe6\x97\xa5\xe6\x9c\xac",	/* 日本 */
	};
	char want[64];
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(want, sizeof(want), "\"%s\"", ok[i]);
		expect(ok[i], strlen(ok[i]), want);
	}
}
END_TEST

START_TEST(utf8_decoder)
{
	uint32_t cp;

	ck_assert_uint_eq(json_utf8_next((const unsigned char *)"A", 1, &cp), 1);
	ck_assert_uint_eq(cp, 'A');
	ck_assert_uint_eq(json_utf8_next(
	    (const unsigned char *)"\xe2\x82\xac", 3, &cp), 3);
	ck_assert_uint_eq(cp, 0x20ac);
	ck_assert_uint_eq(json_utf8_next(
	    (const unsigned char *)"\xf4\x8f\xbf\xbf", 4, &cp), 4);
	ck_assert_uint_eq(cp, 0x10ffff);
	/* Maximal subpart: E2 82 then a non-continuation byte covers 2. */
	ck_assert_uint_eq(json_utf8_next(
	    (const unsigned char *)"\xe2\x82" "A", 3, &cp), 2);
	ck_assert_uint_eq(cp, JSON_UTF8_INVALID);
	/* The length bound is respected: E2 82 AC with n = 2. */
	ck_assert_uint_eq(json_utf8_next(
	    (const unsigned char *)"\xe2\x82\xac", 2, &cp), 2);
	ck_assert_uint_eq(cp, JSON_UTF8_INVALID);
}
END_TEST

/* Every byte value at every position of a short string: output is valid. */
START_TEST(random_bytes_valid)
{
	unsigned char in[8];
	const char *got;
	uint32_t x = 12345;
	int round, i;

	for (round = 0; round < 20000; round++) {
		for (i = 0; i < 8; i++) {
			x = x * 1103515245 + 12345;
			in[i] = (unsigned char)(x >> 16);
			/* Bias towards the interesting high range. */
			if (i & 1)
				in[i] |= 0x80;
		}
		got = one((const char *)in, sizeof(in));
		ck_assert_ptr_nonnull(got);
		ck_assert(valid_utf8((const unsigned char *)got, strlen(got)));
		for (i = 0; got[i] != '\0'; i++)
			ck_assert((unsigned char)got[i] >= 0x20);
	}
}
END_TEST

START_TEST(numbers_and_literals)
{
	char buf[256];
	struct json j;

	json_begin(&j, buf, sizeof(buf));
	json_int(&j, "min", INT64_MIN);
	json_int(&j, "zero", 0);
	json_uint(&j, "max", UINT64_MAX);
	json_int_or_null(&j, "pid", -1);
	json_int_or_null(&j, "uid", 0);
	json_bool(&j, "t", true);
	json_bool(&j, "f", false);
	json_null(&j, "n");
	json_str(&j, "s", NULL);
	ck_assert_int_ge(json_end(&j), 0);
	ck_assert_str_eq(buf, "{\"min\":-9223372036854775808,\"zero\":0,"
	    "\"max\":18446744073709551615,\"pid\":null,\"uid\":0,"
	    "\"t\":true,\"f\":false,\"n\":null,\"s\":null}");
}
END_TEST

START_TEST(empty_object)
{
	char buf[3];
	struct json j;

	json_begin(&j, buf, sizeof(buf));
	ck_assert_int_eq(json_end(&j), 2);
	ck_assert_str_eq(buf, "{}");
	json_begin(&j, buf, 2);		/* no room for the NUL */
	ck_assert_int_eq(json_end(&j), -1);
}
END_TEST

START_TEST(nested)
{
	char buf[256];
	struct json j;

	json_begin(&j, buf, sizeof(buf));
	json_array_begin(&j, "a");
	json_array_begin(&j, NULL);
	json_array_str(&j, "x");
	json_array_str(&j, NULL);
	json_array_end(&j);
	json_object_begin(&j, NULL);
	json_object_end(&j);
	json_array_end(&j);
	json_object_begin(&j, "o");
	json_object_begin(&j, "p");
	json_array_begin(&j, "q");
	json_array_end(&j);
	json_int(&j, "r", 1);
	json_object_end(&j);
	json_object_end(&j);
	json_array_begin(&j, "e");
	json_array_end(&j);
	ck_assert_int_ge(json_end(&j), 0);
	ck_assert_str_eq(buf, "{\"a\":[[\"x\",null],{}],"
	    "\"o\":{\"p\":{\"q\":[],\"r\":1}},\"e\":[]}");
}
END_TEST

/* json_end closes what is still open, each with its own bracket. */
START_TEST(end_closes_open_levels)
{
	char buf[64];
	struct json j;

	json_begin(&j, buf, sizeof(buf));
	json_object_begin(&j, "o");
	json_array_begin(&j, "a");
	json_object_begin(&j, NULL);
	json_array_begin(&j, "b");
	json_array_str(&j, "x");
	ck_assert_int_ge(json_end(&j), 0);
	ck_assert_str_eq(buf, "{\"o\":{\"a\":[{\"b\":[\"x\"]}]}}");
}
END_TEST

START_TEST(unbalanced_refused)
{
	char buf[64];
	struct json j;

	json_begin(&j, buf, sizeof(buf));
	json_array_begin(&j, "a");
	json_object_end(&j);			/* wrong kind */
	ck_assert_int_eq(json_end(&j), -1);

	json_begin(&j, buf, sizeof(buf));
	json_object_end(&j);			/* the outer object */
	ck_assert_int_eq(json_end(&j), -1);
}
END_TEST

START_TEST(depth_limit)
{
	char buf[1024];
	struct json j;
	int i;

	json_begin(&j, buf, sizeof(buf));
	for (i = 1; i < JSON_MAX_DEPTH; i++)
		json_array_begin(&j, i == 1 ? "a" : NULL);
	ck_assert_int_gt(json_end(&j), 0);

	json_begin(&j, buf, sizeof(buf));
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		json_array_begin(&j, i == 0 ? "a" : NULL);
	ck_assert_int_eq(json_end(&j), -1);
}
END_TEST

/* A line that exercises every writer, for the bounds test. */
static int
build(char *buf, size_t size)
{
	struct json j;

	json_begin(&j, buf, size);
	json_str(&j, "ts", "2026-11-26T07:10:00.123456Z");
	json_str(&j, "esc", "q\"b\\n\n\x01\x7f");
	json_strn(&j, "bad", "\xe2\x82\xc3\xa9\xff", 5);
	json_int(&j, "i", -42);
	json_uint(&j, "u", 18446744073709551615ULL);
	json_int_or_null(&j, "n", -1);
	json_bool(&j, "b", true);
	json_array_begin(&j, "arr");
	json_array_str(&j, "x");
	json_array_begin(&j, NULL);
	json_array_end(&j);
	json_object_begin(&j, NULL);
	json_null(&j, "z");
	json_object_end(&j);
	json_array_end(&j);
	json_object_begin(&j, "obj");
	json_array_begin(&j, "open");
	json_array_str(&j, "left open for json_end");
	return json_end(&j);
}

START_TEST(overflow_every_size)
{
	char full[1024], *buf;
	int len, got;
	size_t size, k;

	len = build(full, sizeof(full));
	ck_assert_int_gt(len, 0);
	ck_assert_uint_eq(strlen(full), (size_t)len);
	/* Exact-size heap buffers: ASan catches a write one byte past. */
	for (size = 0; size <= (size_t)len + 1; size++) {
		buf = malloc(size > 0 ? size : 1);
		ck_assert_ptr_nonnull(buf);
		got = build(buf, size);
		if (size <= (size_t)len) {
			ck_assert_int_eq(got, -1);
		} else {
			ck_assert_int_eq(got, len);
			ck_assert_str_eq(buf, full);
		}
		free(buf);
	}
	/* And canaries, for builds without ASan. */
	for (size = 0; size <= (size_t)len + 1; size++) {
		char guard[1100];

		memset(guard, 0xa5, sizeof(guard));
		got = build(guard, size);
		ck_assert_int_eq(got, size <= (size_t)len ? -1 : len);
		for (k = size; k < sizeof(guard); k++)
			ck_assert_int_eq((unsigned char)guard[k], 0xa5);
	}
}
END_TEST

START_TEST(timestamps)
{
	static const struct {
		int64_t us;
		const char *want;
	} t[] = {
		{ 0, "1970-01-01T00:00:00.000000Z" },
		{ 5, "1970-01-01T00:00:00.000005Z" },
		{ 1795677000123456LL, "2026-11-26T07:10:00.123456Z" },
		{ 1709210096000001LL, "2024-02-29T12:34:56.000001Z" },
		{ 951868799999999LL, "2000-02-29T23:59:59.999999Z" },
		{ -1, "1969-12-31T23:59:59.999999Z" },
		{ -1000000, "1969-12-31T23:59:59.000000Z" },
		{ -2203891200000000LL, "1900-03-01T00:00:00.000000Z" },
		{ INT64_MAX, "9999-12-31T23:59:59.999999Z" },
		{ INT64_MIN, "0000-01-01T00:00:00.000000Z" },
	};
	char buf[JSON_TS_LEN];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(buf, 'x', sizeof(buf));
		ck_assert_ptr_eq(json_timestamp(t[i].us, buf), buf);
		ck_assert_str_eq(buf, t[i].want);
		ck_assert_uint_eq(strlen(buf), 27);
	}
}
END_TEST

static Suite *
json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("core");

	/* random_bytes_valid runs ~20 s under ASan on a busy 2-core machine */
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, escape_specials);
	tcase_add_test(tc, escape_every_control);
	tcase_add_test(tc, escape_keys);
	tcase_add_loop_test(tc, invalid_utf8, 0,
	    sizeof(bad_utf8) / sizeof(bad_utf8[0]));
	tcase_add_test(tc, valid_multibyte_kept);
	tcase_add_test(tc, utf8_decoder);
	tcase_add_test(tc, random_bytes_valid);
	tcase_add_test(tc, numbers_and_literals);
	tcase_add_test(tc, empty_object);
	tcase_add_test(tc, nested);
	tcase_add_test(tc, end_closes_open_levels);
	tcase_add_test(tc, unbalanced_refused);
	tcase_add_test(tc, depth_limit);
	tcase_add_test(tc, overflow_every_size);
	tcase_add_test(tc, timestamps);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(json_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
