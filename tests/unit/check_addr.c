/* Unit tests for rules/addr: parsing, formatting and matching addresses. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "rules/addr.h"

static struct ipaddr
A(const char *s)
{
	struct ipaddr a;

	ck_assert_msg(ipaddr_parse(s, &a) == 0, "cannot parse \"%s\"", s);
	return a;
}

static struct ipprefix
P(const char *s)
{
	struct ipprefix p;
	const char *why = NULL;

	ck_assert_msg(ipprefix_parse(s, &p, &why) == 0, "\"%s\": %s", s,
	    why ? why : "?");
	return p;
}

/* Parses s and formats it again; returns a static copy. */
static const char *
roundtrip(const char *s)
{
	static char buf[IPADDR_STRLEN];
	struct ipaddr a = A(s);

	return ipaddr_format(&a, buf);
}

/* The why sentence for a prefix that must not parse. */
static const char *
prefix_error(const char *s)
{
	struct ipprefix p;
	const char *why = NULL;

	memset(&p, 0xaa, sizeof(p));
	ck_assert_msg(ipprefix_parse(s, &p, &why) == -1,
	    "\"%s\" parsed but should not", s);
	ck_assert_msg(why != NULL && *why != '\0', "\"%s\": no why", s);
	ck_assert_int_eq(p.len, 0xaa);	/* out untouched on error */
	return why;
}

START_TEST(test_v4_roundtrip)
{
	struct ipaddr a = A("192.0.2.1");
	const uint8_t *v;

	ck_assert(ipaddr_is_v4(&a));
	v = ipaddr_v4(&a);
	ck_assert_int_eq(v[0], 192);
	ck_assert_int_eq(v[3], 1);
	ck_assert_str_eq(roundtrip("192.0.2.1"), "192.0.2.1");
	ck_assert_str_eq(roundtrip("0.0.0.0"), "0.0.0.0");
	ck_assert_str_eq(roundtrip("255.255.255.255"), "255.255.255.255");
}
END_TEST

START_TEST(test_v6_rfc5952)
{
	ck_assert_str_eq(roundtrip("2001:DB8:0:0:0:0:0:1"), "2001:db8::1");
	ck_assert_str_eq(roundtrip("2001:0db8::0001"), "2001:db8::1");
	ck_assert_str_eq(roundtrip("::"), "::");
	ck_assert_str_eq(roundtrip("::1"), "::1");
	ck_assert_str_eq(roundtrip("1::"), "1::");
	/* A single zero word is not compressed (RFC 5952 4.2.2). */
	ck_assert_str_eq(roundtrip("2001:db8:0:1:1:1:1:1"),
	    "2001:db8:0:1:1:1:1:1");
	/* The longest run is compressed (4.2.3). */
	ck_assert_str_eq(roundtrip("2001:0:0:1:0:0:0:1"), "2001:0:0:1::1");
	/* On a tie, the first run (4.2.3). */
	ck_assert_str_eq(roundtrip("2001:db8:0:0:1:0:0:1"),
	    "2001:db8::1:0:0:1");
	ck_assert_str_eq(roundtrip("fe80:0:0:0:1:0:0:0"), "fe80::1:0:0:0");
	/* Not the deprecated IPv4-compatible dotted form. */
	ck_assert_str_eq(roundtrip("::1:2"), "::1:2");
	ck_assert_str_eq(roundtrip("::102:304"), "::102:304");
	ck_assert_str_eq(roundtrip("1:2:3:4:5:6:7:8"), "1:2:3:4:5:6:7:8");
	ck_assert_str_eq(roundtrip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
}
END_TEST

START_TEST(test_v4_mapped)
{
	struct ipaddr a = A("::ffff:1.2.3.4"), b = A("1.2.3.4");
	struct ipaddr c = A("::FFFF:102:304");
	uint8_t v4[4] = { 1, 2, 3, 4 }, v6[16];
	struct ipaddr d, e;

	ck_assert(ipaddr_equal(&a, &b));
	ck_assert(ipaddr_equal(&a, &c));
	ck_assert(ipaddr_is_v4(&a));
	ck_assert_str_eq(roundtrip("::ffff:1.2.3.4"), "1.2.3.4");
	ipaddr_from_v4(&d, v4);
	ck_assert(ipaddr_equal(&d, &b));
	memcpy(v6, b.b, 16);
	ipaddr_from_v6(&e, v6);
	ck_assert(ipaddr_equal(&e, &b));
	/* IPv4-compatible and NAT64 addresses are IPv6, not IPv4. */
	e = A("::1.2.3.4");
	ck_assert(!ipaddr_is_v4(&e));
	e = A("64:ff9b::1.2.3.4");
	ck_assert(!ipaddr_is_v4(&e));
	ck_assert(!ipaddr_equal(&e, &b));
}
END_TEST

START_TEST(test_parse_invalid)
{
	static const char *const bad[] = {
		"", " ", "1.2.3", "1.2.3.4.5", "1.2.3.256", " 1.2.3.4",
		"1.2.3.4 ", "1.2.3.4/32", "::1 ", "fe80::1%eth0", "gggg::1",
		"1:2:3:4:5:6:7:8:9", "1::2::3", "localhost", "0x7f.0.0.1",
	};
	struct ipaddr a;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(ipaddr_parse(bad[i], &a) == -1,
		    "\"%s\" parsed", bad[i]);
	ck_assert_int_eq(ipaddr_parse(NULL, &a), -1);
}
END_TEST

START_TEST(test_prefix_parse)
{
	struct ipprefix p, q;
	char buf[IPPREFIX_STRLEN];

	p = P("10.0.0.0/8");
	ck_assert_int_eq(p.len, 104);
	ck_assert_uint_eq(ipprefix_userlen(&p), 8);
	ck_assert_str_eq(ipprefix_format(&p, buf), "10.0.0.0/8");

	p = P("2001:db8::/32");
	ck_assert_int_eq(p.len, 32);
	ck_assert_uint_eq(ipprefix_userlen(&p), 32);
	ck_assert_str_eq(ipprefix_format(&p, buf), "2001:db8::/32");

	/* A bare address is a host prefix. */
	p = P("192.0.2.7");
	ck_assert_int_eq(p.len, 128);
	ck_assert_uint_eq(ipprefix_userlen(&p), 32);
	ck_assert_str_eq(ipprefix_format(&p, buf), "192.0.2.7/32");
	p = P("2001:db8::7");
	ck_assert_int_eq(p.len, 128);
	ck_assert_str_eq(ipprefix_format(&p, buf), "2001:db8::7/128");

	/* The same prefix written in either family. */
	p = P("0.0.0.0/0");
	q = P("::ffff:0:0/96");
	ck_assert(ipaddr_equal(&p.addr, &q.addr));
	ck_assert_int_eq(p.len, q.len);
	ck_assert_uint_eq(ipprefix_userlen(&p), 0);
	ck_assert_str_eq(ipprefix_format(&q, buf), "0.0.0.0/0");

	p = P("::/0");
	ck_assert_int_eq(p.len, 0);
	ck_assert_str_eq(ipprefix_format(&p, buf), "::/0");
	p = P("0.0.0.0/32");
	ck_assert_str_eq(ipprefix_format(&p, buf), "0.0.0.0/32");
	p = P("10.8.0.0/13");
	ck_assert_str_eq(ipprefix_format(&p, buf), "10.8.0.0/13");
	/* A v6 prefix short of /96 is never shown dotted. */
	p = P("::/80");
	ck_assert_str_eq(ipprefix_format(&p, buf), "::/80");
	p = P("10.0.0.0/008");
	ck_assert_int_eq(p.len, 104);
}
END_TEST

START_TEST(test_prefix_errors)
{
	const char *why;

	why = prefix_error("10.1.2.3/16");
	ck_assert_str_eq(why, "host bits are set: did you mean 10.1.0.0/16? "
	    "(the address must be the first of its prefix)");
	why = prefix_error("2001:db8::1/32");
	ck_assert_ptr_nonnull(strstr(why, "did you mean 2001:db8::/32?"));
	why = prefix_error("10.0.0.1/0");
	ck_assert_ptr_nonnull(strstr(why, "did you mean 0.0.0.0/0?"));
	why = prefix_error("10.15.0.0/12");
	ck_assert_ptr_nonnull(strstr(why, "did you mean 10.0.0.0/12?"));

	why = prefix_error("10.0.0.0/33");
	ck_assert_str_eq(why, "prefix length must be 0-32 for IPv4");
	why = prefix_error("::/129");
	ck_assert_str_eq(why, "prefix length must be 0-128 for IPv6");
	ck_assert_ptr_nonnull(strstr(prefix_error("10.0.0.0/1000"), "0-32"));
	ck_assert_ptr_nonnull(strstr(prefix_error("10.0.0.0/-1"), "0-32"));
	ck_assert_ptr_nonnull(strstr(prefix_error("10.0.0.0/+8"), "0-32"));
	ck_assert_ptr_nonnull(strstr(prefix_error("10.0.0.0/"), "0-32"));
	ck_assert_ptr_nonnull(strstr(prefix_error("10.0.0.0/8/8"), "0-32"));
	ck_assert_ptr_nonnull(strstr(prefix_error("2001:db8::/x"), "0-128"));

	ck_assert_ptr_nonnull(strstr(prefix_error(""), "empty"));
	ck_assert_ptr_nonnull(strstr(prefix_error(NULL), "empty"));
	ck_assert_ptr_nonnull(strstr(prefix_error(" 10.0.0.0/8"), "spaces"));
	ck_assert_ptr_nonnull(strstr(prefix_error("10.0.0.0/8 "), "spaces"));
	ck_assert_ptr_nonnull(strstr(prefix_error("10.0.0.0/8\n"), "spaces"));
	ck_assert_ptr_nonnull(strstr(prefix_error("/"), "not an IP"));
	ck_assert_ptr_nonnull(strstr(prefix_error("/24"), "not an IP"));
	ck_assert_ptr_nonnull(strstr(prefix_error("garbage"), "not an IP"));
	ck_assert_ptr_nonnull(strstr(prefix_error("10.0.0/8"), "not an IP"));
	ck_assert_ptr_nonnull(strstr(prefix_error("10.0.0.0 /8"), "not an IP"));
	ck_assert_ptr_nonnull(strstr(prefix_error(
	    "1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb:cccc/64"),
	    "not an IP"));
}
END_TEST

START_TEST(test_prefix_why_null)
{
	struct ipprefix p;

	/* A caller that does not want the sentence may pass NULL. */
	ck_assert_int_eq(ipprefix_parse("10.1.2.3/16", &p, NULL), -1);
	ck_assert_int_eq(ipprefix_parse("10.1.0.0/16", &p, NULL), 0);
}
END_TEST

START_TEST(test_contains)
{
	struct ipprefix p = P("10.0.0.0/8");
	struct ipaddr a;

	a = A("10.0.0.0");
	ck_assert(ipprefix_contains(&p, &a));
	a = A("10.255.255.255");
	ck_assert(ipprefix_contains(&p, &a));
	a = A("9.255.255.255");
	ck_assert(!ipprefix_contains(&p, &a));
	a = A("11.0.0.0");
	ck_assert(!ipprefix_contains(&p, &a));

	/* Not on a byte boundary. */
	p = P("10.8.0.0/13");
	a = A("10.8.0.0");
	ck_assert(ipprefix_contains(&p, &a));
	a = A("10.15.255.255");
	ck_assert(ipprefix_contains(&p, &a));
	a = A("10.16.0.0");
	ck_assert(!ipprefix_contains(&p, &a));
	a = A("10.7.255.255");
	ck_assert(!ipprefix_contains(&p, &a));

	/* Host prefixes. */
	p = P("192.0.2.1/32");
	a = A("192.0.2.1");
	ck_assert(ipprefix_contains(&p, &a));
	a = A("192.0.2.0");
	ck_assert(!ipprefix_contains(&p, &a));
	a = A("192.0.2.2");
	ck_assert(!ipprefix_contains(&p, &a));

	/* 0.0.0.0/0 is all of IPv4 and nothing else. */
	p = P("0.0.0.0/0");
	a = A("255.255.255.255");
	ck_assert(ipprefix_contains(&p, &a));
	a = A("2001:db8::1");
	ck_assert(!ipprefix_contains(&p, &a));
	a = A("::");
	ck_assert(!ipprefix_contains(&p, &a));

	/* ::/0 is everything, IPv4 included. */
	p = P("::/0");
	a = A("1.2.3.4");
	ck_assert(ipprefix_contains(&p, &a));
	a = A("ffff::");
	ck_assert(ipprefix_contains(&p, &a));

	p = P("2001:db8::/32");
	a = A("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
	ck_assert(ipprefix_contains(&p, &a));
	a = A("2001:db9::");
	ck_assert(!ipprefix_contains(&p, &a));
	a = A("2001:db7:ffff:ffff:ffff:ffff:ffff:ffff");
	ck_assert(!ipprefix_contains(&p, &a));

	p = P("2001:db8::/127");
	a = A("2001:db8::1");
	ck_assert(ipprefix_contains(&p, &a));
	a = A("2001:db8::2");
	ck_assert(!ipprefix_contains(&p, &a));
}
END_TEST

START_TEST(test_prefix_of)
{
	struct ipprefix p, q;
	struct ipaddr a = A("192.0.2.77");

	ipprefix_of(&p, &a, 96 + 24);
	q = P("192.0.2.0/24");
	ck_assert(ipaddr_equal(&p.addr, &q.addr));
	ck_assert_int_eq(p.len, q.len);
	ck_assert(ipprefix_contains(&p, &a));

	ipprefix_of(&p, &a, 96 + 27);
	q = P("192.0.2.64/27");
	ck_assert(ipaddr_equal(&p.addr, &q.addr));

	ipprefix_of(&p, &a, 128);
	ck_assert(ipaddr_equal(&p.addr, &a));
	ck_assert_int_eq(p.len, 128);

	ipprefix_of(&p, &a, 200);	/* clamped */
	ck_assert_int_eq(p.len, 128);

	a = A("2001:db8:abcd:1234::1");
	ipprefix_of(&p, &a, 48);
	q = P("2001:db8:abcd::/48");
	ck_assert(ipaddr_equal(&p.addr, &q.addr));
	ck_assert_int_eq(p.len, 48);

	ipprefix_of(&p, &a, 0);
	q = P("::/0");
	ck_assert(ipaddr_equal(&p.addr, &q.addr));
	ck_assert_int_eq(p.len, 0);
}
END_TEST

START_TEST(test_prefix_roundtrip)
{
	static const char *const s[] = {
		"10.1.0.0/16", "0.0.0.0/0", "255.255.255.255/32",
		"128.0.0.0/1", "2001:db8::/32", "::/0", "fe80::/10",
		"2001:db8:0:0:1::/80", "ff00::/8", "::1/128",
	};
	char buf[IPPREFIX_STRLEN];
	struct ipprefix p;
	size_t i;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		p = P(s[i]);
		ck_assert_str_eq(ipprefix_format(&p, buf), s[i]);
	}
	/* The longest text fits the buffer. */
	p = P("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
	ck_assert_str_eq(ipprefix_format(&p, buf),
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
}
END_TEST

static Suite *
addr_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_v4_roundtrip);
	tcase_add_test(tc, test_v6_rfc5952);
	tcase_add_test(tc, test_v4_mapped);
	tcase_add_test(tc, test_parse_invalid);
	tcase_add_test(tc, test_prefix_parse);
	tcase_add_test(tc, test_prefix_errors);
	tcase_add_test(tc, test_prefix_why_null);
	tcase_add_test(tc, test_contains);
	tcase_add_test(tc, test_prefix_of);
	tcase_add_test(tc, test_prefix_roundtrip);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(addr_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
