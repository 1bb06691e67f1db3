/* Unit tests for agent/event.c: the event schema's JSON and text forms. */
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/event.h"

#define TS_EXAMPLE	INT64_C(1795677000123456)	/* 2026-11-26T07:10:00.123456Z */

/* The example event of DESIGN.md "Events", on one line. */
static const char design_line[] =
    "{\"ts\":\"2026-11-26T07:10:00.123456Z\",\"event\":\"violation\","
    "\"verdict\":\"violation\","
    "\"action\":\"alert\",\"proto\":\"tcp\",\"src\":\"10.1.2.3\",\"sport\":43210,"
    "\"dst\":\"203.0.113.7\",\"dport\":443,\"country\":\"US\","
    "\"host\":\"api.example.com\","
    "\"scope\":\"acme-payroll\",\"customers\":[\"acme\"],\"consents\":[],"
    "\"uid\":1001,\"pid\":4242,\"comm\":\"payroll\",\"iface\":\"eth0\","
    "\"reason\":\"US is outside the EEA and customer acme has no consent "
    "covering api.example.com:443\"}";

/* Ours: the same, plus the schema fields the example leaves out, as null. */
static const char example_json[] =
    "{\"ts\":\"2026-11-26T07:10:00.123456Z\",\"event\":\"violation\","
    "\"verdict\":\"violation\","
    "\"action\":\"alert\",\"proto\":\"tcp\",\"src\":\"10.1.2.3\",\"sport\":43210,"
    "\"dst\":\"203.0.113.7\",\"dport\":443,\"country\":\"US\","
    "\"host\":\"api.example.com\",\"host_source\":null,"
    "\"scope\":\"acme-payroll\",\"customers\":[\"acme\"],\"consents\":[],"
    "\"uid\":1001,\"pid\":4242,\"comm\":\"payroll\",\"exe\":null,"
    "\"cgroup\":null,\"iface\":\"eth0\",\"midstream\":false,"
    "\"reason\":\"US is outside the EEA and customer acme has no consent "
    "covering api.example.com:443\",\"geodb\":null,\"policy\":null}";

static void
example_flow(struct event_flow *f)
{
	memset(f, 0, sizeof(*f));
	f->verdict = "violation";
	f->action = "alert";
	f->proto = IPPROTO_TCP;
	ck_assert_int_eq(ipaddr_parse("10.1.2.3", &f->src), 0);
	f->sport = 43210;
	ck_assert_int_eq(ipaddr_parse("203.0.113.7", &f->dst), 0);
	f->dport = 443;
	f->country = "US";
	f->host = "api.example.com";
	f->scope = "acme-payroll";
	f->customers[0] = "acme";
	f->n_customers = 1;
	f->uid = 1001;
	f->pid = 4242;
	f->comm = "payroll";
	f->iface = "eth0";
	f->reason = "US is outside the EEA and customer acme has no consent "
	    "covering api.example.com:443";
}

/* Removes the first occurrence of cut from s. */
static void
strip(char *s, const char *cut)
{
	char *p = strstr(s, cut);

	ck_assert_msg(p != NULL, "%s not in %s", cut, s);
	memmove(p, p + strlen(cut), strlen(p + strlen(cut)) + 1);
}

START_TEST(design_example_byte_for_byte)
{
	struct event_flow f;
	struct event e;
	char buf[2048];
	int n;

	example_flow(&f);
	event_init(&e, EV_VIOLATION, TS_EXAMPLE);
	e.flow = &f;
	n = event_format_json(&e, buf, sizeof(buf));
	ck_assert_int_eq(n, (int)strlen(example_json));
	ck_assert_str_eq(buf, example_json);

	/* Without the members the example omits, it is the example itself. */
	strip(buf, "\"host_source\":null,");
	strip(buf, "\"exe\":null,");
	strip(buf, "\"cgroup\":null,");
	strip(buf, "\"midstream\":false,");
	strip(buf, ",\"geodb\":null,\"policy\":null");
	ck_assert_str_eq(buf, design_line);
}
END_TEST

START_TEST(every_field_set)
{
	struct event_flow f;
	struct event e;
	char buf[2048];

	memset(&f, 0, sizeof(f));
	f.verdict = "allow-consent";
	f.action = "none";
	f.proto = IPPROTO_UDP;
	ck_assert_int_eq(ipaddr_parse("2001:db8::1", &f.src), 0);
	f.sport = 5353;
	ck_assert_int_eq(ipaddr_parse("2001:db8:0:1::53", &f.dst), 0);
	f.dport = 53;
	f.country = "JP";
	f.host = "h.example";
	f.host_source = "sni";
	f.scope = "s";
	f.customers[0] = "a";
	f.customers[1] = "b";
	f.n_customers = 2;
	f.consents[0] = "C-1";
	f.consents[1] = "C-2";
	f.n_consents = 2;
	f.uid = 0;
	f.pid = 1;
	f.comm = "c";
	f.exe = "/usr/bin/c";
	f.cgroup = "/system.slice/c.service";
	f.iface = "lo";
	f.midstream = true;
	f.reason = "r";
	f.geodb = "2026-06-25T04:33:59Z/3f2a9c0d1e4b";
	f.policy = "0123456789ab";
	f.suppressed = 7;
	event_init(&e, EV_CONSENT_TRANSFER, 0);
	e.flow = &f;
	event_kv_str(&e, "x", "y");
	event_kv_int(&e, "n", -3);
	event_kv_bool(&e, "b", true);
	ck_assert_int_gt(event_format_json(&e, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "{\"ts\":\"1970-01-01T00:00:00.000000Z\","
	    "\"event\":\"consent_transfer\",\"verdict\":\"allow-consent\","
	    "\"action\":\"none\",\"proto\":\"udp\",\"src\":\"2001:db8::1\","
	    "\"sport\":5353,\"dst\":\"2001:db8:0:1::53\",\"dport\":53,"
	    "\"country\":\"JP\",\"host\":\"h.example\",\"host_source\":\"sni\","
	    "\"scope\":\"s\",\"customers\":[\"a\",\"b\"],"
	    "\"consents\":[\"C-1\",\"C-2\"],\"uid\":0,\"pid\":1,\"comm\":\"c\","
	    "\"exe\":\"/usr/bin/c\",\"cgroup\":\"/system.slice/c.service\","
	    "\"iface\":\"lo\",\"midstream\":true,\"reason\":\"r\","
	    "\"geodb\":\"2026-06-25T04:33:59Z/3f2a9c0d1e4b\","
	    "\"policy\":\"0123456789ab\",\"suppressed\":7,"
	    "\"x\":\"y\",\"n\":-3,\"b\":true}");
}
END_TEST

START_TEST(nulls)
{
	struct event_flow f;
	struct event e;
	char buf[2048];

	memset(&f, 0, sizeof(f));
	ck_assert_int_eq(ipaddr_parse("192.0.2.1", &f.src), 0);
	ck_assert_int_eq(ipaddr_parse("198.51.100.9", &f.dst), 0);
	f.sport = 1;
	f.dport = 2;
	f.uid = -1;
	f.pid = -1;
	/* Customers without a scope are not reported: no scope, no customers. */
	f.customers[0] = "ghost";
	f.n_customers = 1;
	event_init(&e, EV_UNSCOPED, 0);
	e.flow = &f;
	ck_assert_int_gt(event_format_json(&e, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "{\"ts\":\"1970-01-01T00:00:00.000000Z\","
	    "\"event\":\"unscoped\",\"verdict\":null,\"action\":null,"
	    "\"proto\":null,\"src\":\"192.0.2.1\",\"sport\":1,"
	    "\"dst\":\"198.51.100.9\",\"dport\":2,\"country\":null,"
	    "\"host\":null,\"host_source\":null,\"scope\":null,"
	    "\"customers\":null,\"consents\":[],\"uid\":null,\"pid\":null,"
	    "\"comm\":null,\"exe\":null,\"cgroup\":null,\"iface\":null,"
	    "\"midstream\":false,\"reason\":null,\"geodb\":null,"
	    "\"policy\":null}");

	/* A scope with no customers listed: an empty list, not null. */
	f.scope = "s";
	f.n_customers = 0;
	ck_assert_int_gt(event_format_json(&e, buf, sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf, "\"scope\":\"s\",\"customers\":[],"));
}
END_TEST

/* A decision event without its flow still carries the whole field set. */
START_TEST(decision_without_flow)
{
	struct event e;
	char buf[1024];

	event_init(&e, EV_BLOCKED, 0);
	ck_assert_int_gt(event_format_json(&e, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "{\"ts\":\"1970-01-01T00:00:00.000000Z\","
	    "\"event\":\"blocked\",\"verdict\":null,\"action\":null,"
	    "\"proto\":null,\"src\":null,\"sport\":null,\"dst\":null,"
	    "\"dport\":null,\"country\":null,\"host\":null,"
	    "\"host_source\":null,\"scope\":null,\"customers\":null,"
	    "\"consents\":[],\"uid\":null,\"pid\":null,\"comm\":null,"
	    "\"exe\":null,\"cgroup\":null,\"iface\":null,\"midstream\":null,"
	    "\"reason\":null,\"geodb\":null,\"policy\":null}");
}
END_TEST

START_TEST(non_decision)
{
	struct event_flow f;
	struct event e;
	char buf[512];

	example_flow(&f);
	event_init(&e, EV_CONFIG_ERROR, TS_EXAMPLE);
	e.flow = &f;		/* ignored: not a decision event */
	event_kv_str(&e, "file", "/etc/eeaguard/consent.conf");
	event_kv_int(&e, "line", 12);
	event_kv_str(&e, "message", "bad \"date\"\n");
	event_kv_bool(&e, "kept_previous", true);
	event_kv_str(&e, "detail", NULL);
	ck_assert_int_gt(event_format_json(&e, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "{\"ts\":\"2026-11-26T07:10:00.123456Z\","
	    "\"event\":\"config_error\",\"file\":\"/etc/eeaguard/consent.conf\","
	    "\"line\":12,\"message\":\"bad \\\"date\\\"\\n\","
	    "\"kept_previous\":true,\"detail\":null}");
}
END_TEST

START_TEST(kv_bounded)
{
	struct event e;
	char buf[8192], last[32], over[32];
	int i;

	event_init(&e, EV_STATS, 0);
	for (i = 0; i < EVENT_MAX_KV + 5; i++)
		event_kv_int(&e, "k", 1000 + i);
	ck_assert_uint_eq(e.n_kv, EVENT_MAX_KV);
	ck_assert_int_gt(event_format_json(&e, buf, sizeof(buf)), 0);
	snprintf(last, sizeof(last), ",\"k\":%d}", 1000 + EVENT_MAX_KV - 1);
	snprintf(over, sizeof(over), "\"k\":%d", 1000 + EVENT_MAX_KV);
	ck_assert_ptr_null(strstr(buf, over));
	ck_assert_ptr_nonnull(strstr(buf, last));
}
END_TEST

START_TEST(type_names)
{
	static const char *const want[EV_TYPE_COUNT] = {
		"violation", "unscoped", "consent_transfer", "flow", "blocked",
		"consent_expired", "config_reloaded", "config_error",
		"geodb_reloaded", "geodb_stale", "capture_error", "sink_error",
		"enforce_error", "agent_started", "agent_stopped", "stats",
		"incident",
	};
	int t;

	for (t = 0; t < EV_TYPE_COUNT; t++) {
		ck_assert_str_eq(event_type_name((enum event_type)t), want[t]);
		ck_assert_int_eq(event_is_decision((enum event_type)t),
		    t <= EV_BLOCKED);
	}
	ck_assert_str_eq(event_type_name(EV_TYPE_COUNT), "unknown");
}
END_TEST

START_TEST(json_too_small)
{
	struct event_flow f;
	struct event e;
	char buf[sizeof(example_json)];
	size_t size;

	example_flow(&f);
	event_init(&e, EV_VIOLATION, TS_EXAMPLE);
	e.flow = &f;
	for (size = 0; size < sizeof(example_json); size++)
		ck_assert_int_eq(event_format_json(&e, buf, size), -1);
	ck_assert_int_eq(event_format_json(&e, buf, size),
	    (int)sizeof(example_json) - 1);
}
END_TEST

START_TEST(text_example)
{
	struct event_flow f;
	struct event e;
	char buf[512];

	example_flow(&f);
	event_init(&e, EV_VIOLATION, TS_EXAMPLE);
	e.flow = &f;
	ck_assert_int_gt(event_format_text(&e, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "2026-11-26T07:10:00.123456Z VIOLATION tcp "
	    "10.1.2.3:43210 -> 203.0.113.7:443 (api.example.com) US "
	    "scope acme-payroll [acme] uid 1001 pid 4242 comm payroll "
	    "action alert: US is outside the EEA and customer acme has no "
	    "consent covering api.example.com:443");

	f.suppressed = 4;
	ck_assert_int_gt(event_format_text(&e, buf, sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf, ":443 (+4 suppressed)"));
}
END_TEST

START_TEST(text_flow_v6)
{
	struct event_flow f;
	struct event e;
	char buf[512];

	memset(&f, 0, sizeof(f));
	f.verdict = "allow-eea";
	f.action = "none";
	f.proto = IPPROTO_UDP;
	ck_assert_int_eq(ipaddr_parse("2001:db8::1", &f.src), 0);
	ck_assert_int_eq(ipaddr_parse("2001:db8::2", &f.dst), 0);
	f.sport = 1000;
	f.dport = 53;
	f.country = "DE";
	f.uid = -1;
	f.pid = -1;
	f.consents[0] = "C-1";
	f.n_consents = 1;
	event_init(&e, EV_FLOW, 0);
	e.flow = &f;
	ck_assert_int_gt(event_format_text(&e, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "1970-01-01T00:00:00.000000Z FLOW allow-eea udp "
	    "[2001:db8::1]:1000 -> [2001:db8::2]:53 DE consent C-1 "
	    "action none");
}
END_TEST

START_TEST(text_non_decision)
{
	struct event e;
	char buf[512];

	event_init(&e, EV_CONFIG_ERROR, TS_EXAMPLE);
	event_kv_str(&e, "file", "/etc/eeaguard/eeaguard.conf");
	event_kv_int(&e, "line", 7);
	event_kv_str(&e, "message", "unknown key \"foo\"");
	event_kv_str(&e, "empty", "");
	event_kv_bool(&e, "fatal", false);
	ck_assert_int_gt(event_format_text(&e, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "2026-11-26T07:10:00.123456Z CONFIG_ERROR "
	    "file=/etc/eeaguard/eeaguard.conf line=7 "
	    "message=\"unknown key \\\"foo\\\"\" empty=\"\" fatal=false");
}
END_TEST

/* Nothing from a packet reaches a terminal as a control sequence. */
START_TEST(text_no_control_chars)
{
	struct event_flow f;
	struct event e;
	char buf[2048];
	const unsigned char *p;
	int n, i;

	example_flow(&f);
	f.host = "evil\x1b[2J\r\n.example";
	f.comm = "a\tb\x7f";
	f.reason = "x\xc2\x9b" "31m \xe2\x80\xae" "gpj.exe \xe2\x80\xa8 \xff\xfe";
	f.scope = "s\x07";
	f.customers[0] = "c\x01";
	event_init(&e, EV_VIOLATION, TS_EXAMPLE);
	e.flow = &f;
	event_kv_str(&e, "k\n", "v\x1b]0;title\x07");
	n = event_format_text(&e, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_uint_eq(strlen(buf), (size_t)n);
	for (p = (const unsigned char *)buf; *p != '\0'; p++)
		ck_assert_msg(*p >= 0x20 && *p != 0x7f && *p < 0x80,
		    "byte 0x%02x in %s", *p, buf);
	ck_assert_ptr_nonnull(strstr(buf, "(evil\\x1b[2J\\x0d\\x0a.example)"));
	ck_assert_ptr_nonnull(strstr(buf, "comm a\\x09b\\x7f"));
	ck_assert_ptr_nonnull(strstr(buf, "x\\u009b31m \\u202egpj.exe "
	    "\\u2028 \\xff\\xfe"));
	ck_assert_ptr_nonnull(strstr(buf, "k\\x0a=v\\x1b]0;title\\x07"));

	/* Ordinary non-ASCII text stays readable. */
	f.host = "b\xc3\xbc" "cher.example";
	f.reason = NULL;
	e.n_kv = 0;
	ck_assert_int_gt(event_format_text(&e, buf, sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf, "(b\xc3\xbc" "cher.example)"));
	for (i = 0; buf[i] != '\0'; i++)
		ck_assert((unsigned char)buf[i] >= 0x20);
}
END_TEST

START_TEST(text_too_small)
{
	struct event_flow f;
	struct event e;
	char full[512], buf[512];
	int n;
	size_t size;

	example_flow(&f);
	event_init(&e, EV_VIOLATION, TS_EXAMPLE);
	e.flow = &f;
	n = event_format_text(&e, full, sizeof(full));
	ck_assert_int_gt(n, 0);
	for (size = 0; size <= (size_t)n; size++) {
		memset(buf, 0x5a, sizeof(buf));
		ck_assert_int_eq(event_format_text(&e, buf, size), -1);
		ck_assert_int_eq((unsigned char)buf[size], 0x5a);
	}
	ck_assert_int_eq(event_format_text(&e, buf, (size_t)n + 1), n);
	ck_assert_str_eq(buf, full);
}
END_TEST

/* Packet bytes that are not UTF-8 never make the JSON line invalid. */
START_TEST(json_repairs_packet_bytes)
{
	struct event_flow f;
	struct event e;
	char buf[2048];

	example_flow(&f);
	f.host = "a\xff\xc0" "b\x01";
	event_init(&e, EV_VIOLATION, TS_EXAMPLE);
	e.flow = &f;
	ck_assert_int_gt(event_format_json(&e, buf, sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf,
	    "\"host\":\"a\\ufffd\\ufffdb\\u0001\""));
}
END_TEST

static Suite *
event_suite(void)
{
	Suite *s = suite_create("event");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, design_example_byte_for_byte);
	tcase_add_test(tc, every_field_set);
	tcase_add_test(tc, nulls);
	tcase_add_test(tc, decision_without_flow);
	tcase_add_test(tc, non_decision);
	tcase_add_test(tc, kv_bounded);
	tcase_add_test(tc, type_names);
	tcase_add_test(tc, json_too_small);
	tcase_add_test(tc, text_example);
	tcase_add_test(tc, text_flow_v6);
	tcase_add_test(tc, text_non_decision);
	tcase_add_test(tc, text_no_control_chars);
	tcase_add_test(tc, text_too_small);
	tcase_add_test(tc, json_repairs_packet_bytes);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(event_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
