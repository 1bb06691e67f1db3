/* Unit tests for agent/report: the JSON line reader, counting, revisions, incidents, gaps, consent checks. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/report.h"
#include "rules/consent.h"
#include "rules/country.h"

#define US INT64_C(1000000)

static int64_t
T(const char *s)
{
	int64_t t;

	ck_assert_msg(report_parse_time(s, strlen(s), &t, NULL) == 0,
	    "bad time %s", s);
	return t;
}

static struct report *
new_report(const char *since, const char *until, const char *customer,
    const struct consent_register *reg)
{
	struct report_options o;
	struct report *r;

	memset(&o, 0, sizeof(o));
	o.since = since ? T(since) : REPORT_TIME_NONE;
	o.until = until ? T(until) : REPORT_TIME_NONE;
	o.customer = customer;
	o.now = T("2026-11-27T10:00:00Z");
	o.reg = reg;
	r = report_new(&o);
	ck_assert_ptr_nonnull(r);
	return r;
}

/* Feeds a copy of s (the reader decodes in place). */
static enum report_line
feed(struct report *r, const char *s, const char **why, const char **detail)
{
	static uint64_t lineno;
	char *c = strdup(s);
	const char *w, *d;
	enum report_line rc;

	ck_assert_ptr_nonnull(c);
	rc = report_add_line(r, c, strlen(c), "test.jsonl", ++lineno, &w, &d);
	free(c);
	if (why)
		*why = w;
	if (detail)
		*detail = d;
	return rc;
}

static void
feed_ok(struct report *r, const char *s)
{
	const char *why, *detail;
	enum report_line rc = feed(r, s, &why, &detail);

	ck_assert_msg(rc == REPORT_LINE_USED, "line not used (%d: %s, %s): %s",
	    rc, why ? why : "-", detail ? detail : "-", s);
}

static const struct report_group *
row(const struct report_table *t, const char *key)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].key, key) == 0)
			return &t->v[i];
	return NULL;
}

static uint64_t
count(const struct report_table *t, const char *key)
{
	const struct report_group *g = row(t, key);

	return g ? g->count : 0;
}

/* A decision line: event, ts, dst, country, host (or null), customers JSON, extra members. */
static const char *
dec(const char *ev, const char *ts, const char *dst, const char *cc,
    const char *host, const char *customers, const char *extra)
{
	static char buf[4][2048];
	static int k;
	char *b = buf[k++ % 4];
	char h[256];

	if (host)
		snprintf(h, sizeof(h), "\"%s\"", host);
	else
		snprintf(h, sizeof(h), "null");
	snprintf(b, 2048, "{\"ts\":\"%s\",\"event\":\"%s\",\"verdict\":\"%s\","
	    "%s\"proto\":\"tcp\",\"src\":\"10.1.2.3\","
	    "\"sport\":40001,\"dst\":\"%s\",\"dport\":443,\"country\":\"%s\","
	    "\"host\":%s,\"scope\":\"s\",\"customers\":%s,\"consents\":[],"
	    "\"comm\":null,\"geodb\":\"g\",\"policy\":\"p\"%s%s}", ts, ev,
	    strcmp(ev, "consent_transfer") == 0 ? "allow-consent" :
	    strcmp(ev, "flow") == 0 ? "allow-eea" : strcmp(ev, "unscoped") ==
	    0 ? "unscoped" : "violation", extra != NULL &&
	    strstr(extra, "\"action\"") != NULL ? "" : "\"action\":\"alert\",",
	    dst, cc, h, customers,
	    extra ? "," : "", extra ? extra : "");
	return b;
}

/* ---- time --------------------------------------------------------------- */

START_TEST(test_parse_time)
{
	int64_t t;
	bool d;

	ck_assert_int_eq(report_parse_time("1970-01-01T00:00:00Z", 20, &t,
	    &d), 0);
	ck_assert_int_eq(t, 0);
	ck_assert(!d);
	ck_assert_int_eq(report_parse_time("2026-11-26", 10, &t, &d), 0);
	ck_assert(d);
	ck_assert_int_eq(t, T("2026-11-26T00:00:00Z"));
	ck_assert_int_eq(T("2026-11-26T07:10:00.123456Z") -
	    T("2026-11-26T07:10:00Z"), 123456);
	/* Fractions past microseconds are cut, not rounded. */
	ck_assert_int_eq(T("2026-11-26T07:10:00.1234569Z") -
	    T("2026-11-26T07:10:00Z"), 123456);
	ck_assert_int_eq(T("2026-11-26T09:10:00+02:00"),
	    T("2026-11-26T07:10:00Z"));
	ck_assert_int_eq(T("2026-11-26T05:40:00-01:30"),
	    T("2026-11-26T07:10:00Z"));
	ck_assert_int_eq(T("2028-02-29T00:00:00Z") - T("2028-02-28T00:00:00Z"),
	    86400 * US);
	ck_assert_int_eq(T("1969-12-31T23:59:59Z"), -US);
	ck_assert_int_eq(report_parse_time("2026-02-29", 10, &t, NULL), -1);
	ck_assert_int_eq(report_parse_time("2026-11-26T07:10:00", 19, &t,
	    NULL), -1);	/* no zone */
	ck_assert_int_eq(report_parse_time("2026-11-26T24:00:00Z", 20, &t,
	    NULL), -1);
	ck_assert_int_eq(report_parse_time("2026-13-01", 10, &t, NULL), -1);
	ck_assert_int_eq(report_parse_time("yesterday", 9, &t, NULL), -1);
	ck_assert_int_eq(report_parse_time("2026-11-26T07:10:00.Z", 21, &t,
	    NULL), -1);
	ck_assert_int_eq(report_parse_time("2026-11-26Tx", 12, &t, NULL), -1);
	/* Only n bytes count: a prefix that is a date is a date. */
	ck_assert_int_eq(report_parse_time("2026-11-26T07", 10, &t, &d), 0);
	ck_assert(d);
	ck_assert_int_eq(report_parse_time(NULL, 0, &t, NULL), -1);
}
END_TEST

START_TEST(test_format)
{
	char b[REPORT_TS_LEN], d[REPORT_DUR_LEN];

	ck_assert_str_eq(report_time_s(T("2026-11-26T07:10:06.9Z"), b),
	    "2026-11-26T07:10:06Z");
	ck_assert_str_eq(report_time_s(-1, b), "1969-12-31T23:59:59Z");
	ck_assert_str_eq(report_time_s(REPORT_TIME_NONE, b), "-");
	ck_assert_str_eq(report_time_us(T("2026-11-26T07:10:06.9Z"), b),
	    "2026-11-26T07:10:06.900000Z");
	ck_assert_str_eq(report_duration(3 * 3600 * US, d), "3h");
	ck_assert_str_eq(report_duration(-3 * 3600 * US, d), "3h");
	ck_assert_str_eq(report_duration((3 * 3600 + 5 * 60 + 59) * US, d),
	    "3h 5m");
	ck_assert_str_eq(report_duration((25 * 3600 + 600) * US, d), "1d 1h");
	ck_assert_str_eq(report_duration(48 * 3600 * US, d), "2d");
	ck_assert_str_eq(report_duration(59 * US, d), "0m");
	ck_assert_str_eq(report_duration(45 * 60 * US, d), "45m");
}
END_TEST

/* ---- the reader ------------------------------------------------------------ */

START_TEST(test_malformed)
{
	static const struct {
		const char *line, *why, *detail;
	} bad[] = {
		{ "not json", "not a JSON object", "not an object" },
		{ "[1,2]", "not a JSON object", "not an object" },
		{ "{\"event\":\"flow\"", "not a JSON object", "truncated" },
		{ "{\"event\":\"flow\",", "not a JSON object", "truncated" },
		{ "{\"event\":", "not a JSON object", "truncated" },
		{ "{\"event\"}", "not a JSON object", "':' expected" },
		{ "{event:1}", "not a JSON object",
		  "a member name must be a string" },
		{ "{\"a\":01}", "not a JSON object", "bad number" },
		{ "{\"a\":1.}", "not a JSON object", "bad number" },
		{ "{\"a\":-}", "not a JSON object", "bad number" },
		{ "{\"a\":1e}", "not a JSON object", "bad number" },
		{ "{\"a\":tru}", "not a JSON object", "unexpected character" },
		{ "{\"a\":x}", "not a JSON object", "unexpected character" },
		{ "{\"a\":\"\\x\"}", "not a JSON object", "bad escape" },
		{ "{\"a\":\"\\u12g4\"}", "not a JSON object", "bad \\u escape" },
		{ "{\"a\":\"x\ty\"}", "not a JSON object",
		  "control character in a string" },
		{ "{\"a\":\"\xc3\x28\"}", "not a JSON object", "not valid UTF-8" },
		{ "{\"a\":\"\xed\xa0\x80\"}", "not a JSON object",
		  "not valid UTF-8" },	/* a surrogate in UTF-8 */
		{ "{\"a\":[1,2}", "not a JSON object", "',' or ']' expected" },
		{ "{\"a\":1} x", "not a JSON object", "text after it" },
		{ "{\"a\":1}{}", "not a JSON object", "text after it" },
		{ "{\"ts\":\"2026-11-26T07:10:00Z\"}", "not an eeaguard event",
		  "no \"event\" name" },
		{ "{\"event\":7,\"ts\":\"2026-11-26T07:10:00Z\"}",
		  "not an eeaguard event", "no \"event\" name" },
		{ "{\"event\":\"flow\",\"ts\":\"2026-11-26\"}", NULL, NULL },
		{ "{\"event\":\"flow\",\"ts\":\"soon\"}", "not an eeaguard event",
		  "no valid \"ts\"" },
		{ "{\"event\":\"incident\",\"ts\":\"2026-11-26T07:10:00Z\"}",
		  "not a valid incident", "no \"incident\" id" },
	};
	struct report *r = new_report(NULL, NULL, NULL, NULL);
	const char *why, *detail;
	uint64_t nbad = 0;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum report_line rc = feed(r, bad[i].line, &why, &detail);

		if (bad[i].why == NULL) {
			ck_assert_int_eq(rc, REPORT_LINE_USED);
			continue;
		}
		nbad++;
		ck_assert_msg(rc == REPORT_LINE_BAD, "accepted: %s",
		    bad[i].line);
		ck_assert_str_eq(why, bad[i].why);
		ck_assert_msg(detail && strcmp(detail, bad[i].detail) == 0,
		    "%s: detail %s, want %s", bad[i].line, detail ? detail :
		    "NULL", bad[i].detail);
	}
	ck_assert_int_eq(feed(r, "", &why, &detail), REPORT_LINE_BLANK);
	ck_assert_int_eq(feed(r, " \t ", &why, &detail), REPORT_LINE_BLANK);
	ck_assert_uint_eq(r->malformed, nbad);
	ck_assert_uint_eq(r->blank, 2);
	ck_assert_uint_eq(r->used, 1);
	ck_assert_uint_eq(r->lines, nbad + 3);
	ck_assert_int_eq(report_finish(r), 0);
	report_free(r);
}
END_TEST

START_TEST(test_strings)
{
	struct report *r = new_report(NULL, NULL, NULL, NULL);

	/* Escapes decoded; pairs joined; lone surrogates and NUL replaced. */
	feed_ok(r, dec("violation", "2026-11-26T07:10:00Z", "198.51.100.7", "US",
	    "caf\\u00e9\\ud83d\\ude00\\ud800\\u0000\\n\\\"\\\\\\/", "[\"acme\"]",
	    NULL));
	/* Blanks around the object and a \r are fine; so is a key with an escape. */
	feed_ok(r, "  {\"ts\":\"2026-11-26T07:10:01Z\",\"ev\\u0065nt\":\"violation\","
	    "\"verdict\":\"violation\",\"country\":\"C\\u004e\",\"customers\":"
	    "[\"acme\"],\"x\":[{\"y\":[true,false,null,-1.5e+3]}]}  ");
	ck_assert_int_eq(report_finish(r), 0);
	ck_assert_uint_eq(r->violations, 2);
	ck_assert_uint_eq(count(&r->by[REPORT_BY_DESTINATION],
	    "caf\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbd\xef\xbf\xbd\n\"\\/"), 1);
	ck_assert_uint_eq(count(&r->by[REPORT_BY_COUNTRY], "CN"), 1);
	ck_assert_uint_eq(count(&r->by[REPORT_BY_DESTINATION], "(unknown)"), 1);
	report_free(r);
}
END_TEST

START_TEST(test_deep_and_wide)
{
	struct report *r = new_report(NULL, NULL, NULL, NULL);
	size_t n = 200000, i;
	char *s = malloc(n * 2 + 256), *p;
	const char *why, *detail;

	/* Nesting beyond the limit is refused, not a stack overflow. */
	p = s;
	p += sprintf(p, "{\"event\":\"flow\",\"ts\":\"2026-11-26T07:10:00Z\",\"a\":");
	for (i = 0; i < 100000; i++)
		*p++ = '[';
	for (i = 0; i < 100000; i++)
		*p++ = ']';
	*p++ = '}';
	*p = '\0';
	ck_assert_int_eq(feed(r, s, &why, &detail), REPORT_LINE_BAD);
	ck_assert_str_eq(detail, "nested too deeply");
	/* A wide array is fine. */
	p = s;
	p += sprintf(p, "{\"event\":\"flow\",\"ts\":\"2026-11-26T07:10:00Z\",\"a\":[");
	for (i = 0; i < n / 2; i++)
		p += sprintf(p, "%s1", i ? "," : "");
	p += sprintf(p, "]}");
	ck_assert_int_eq(feed(r, s, &why, &detail), REPORT_LINE_USED);
	free(s);
	report_free(r);
}
END_TEST

/* ---- counting --------------------------------------------------------------- */

START_TEST(test_counting)
{
	struct report *r = new_report(NULL, NULL, NULL, NULL);
	const struct report_group *g;

	feed_ok(r, dec("violation", "2026-11-26T07:10:00Z", "198.51.100.7",
	    "US", NULL, "[\"acme\"]", NULL));
	/* Folded alerts: one line, 1 + 3 occurrences. */
	feed_ok(r, dec("violation", "2026-11-26T07:16:00Z", "198.51.100.7",
	    "US", NULL, "[\"acme\"]", "\"suppressed\":3"));
	/* A shared scope counts for each customer. */
	feed_ok(r, dec("violation", "2026-11-27T01:00:00Z", "203.0.113.130",
	    "CN", "cdn.example.cn", "[\"acme\",\"globex\"]",
	    "\"action\":\"block\""));
	feed_ok(r, dec("blocked", "2026-11-25T23:59:59.999999Z",
	    "203.0.113.140", "CN", NULL, "[\"acme\"]", NULL));
	/* Unscoped: no customer; ignored by policy (action none) is no alert. */
	feed_ok(r, dec("unscoped", "2026-11-26T08:00:00Z", "203.0.113.200",
	    "EU", NULL, "null", NULL));
	feed_ok(r, "{\"ts\":\"2026-11-26T08:00:01Z\",\"event\":\"unscoped\","
	    "\"verdict\":\"unscoped\",\"action\":\"none\",\"dst\":\"203.0.113.201\","
	    "\"country\":\"EU\",\"customers\":null}");
	feed_ok(r, dec("flow", "2026-11-26T08:00:02Z", "192.0.2.1", "NL", NULL,
	    "null", NULL));
	feed_ok(r, "{\"ts\":\"2026-11-26T08:00:03Z\",\"event\":\"stats\","
	    "\"packets\":10}");
	ck_assert_int_eq(report_finish(r), 0);

	ck_assert_uint_eq(r->violations, 1 + 4 + 1 + 1 + 1);
	ck_assert_uint_eq(r->violations_blocked, 2);
	ck_assert_int_eq(r->vfirst, T("2026-11-25T23:59:59.999999Z"));
	ck_assert_int_eq(r->vlast, T("2026-11-27T01:00:00Z"));
	ck_assert_uint_eq(count(&r->by[REPORT_BY_CUSTOMER], "acme"), 7);
	ck_assert_uint_eq(count(&r->by[REPORT_BY_CUSTOMER], "globex"), 1);
	ck_assert_uint_eq(count(&r->by[REPORT_BY_CUSTOMER], "(no scope)"), 1);
	/* Sorted by count, then key. */
	ck_assert_str_eq(r->by[REPORT_BY_CUSTOMER].v[0].key, "acme");
	ck_assert_str_eq(r->by[REPORT_BY_CUSTOMER].v[1].key, "(no scope)");
	ck_assert_uint_eq(count(&r->by[REPORT_BY_COUNTRY], "US"), 5);
	ck_assert_uint_eq(count(&r->by[REPORT_BY_COUNTRY], "CN"), 2);
	ck_assert_uint_eq(count(&r->by[REPORT_BY_DESTINATION], "cdn.example.cn"),
	    1);
	g = row(&r->by[REPORT_BY_DESTINATION], "203.0.113.140");
	ck_assert_ptr_nonnull(g);
	ck_assert_uint_eq(g->blocked, 1);
	ck_assert_str_eq(g->extra, "CN");
	ck_assert_uint_eq(count(&r->by[REPORT_BY_PROCESS], "(unknown)"), 8);
	/* Days in order, by UTC date. */
	ck_assert_uint_eq(r->by[REPORT_BY_DAY].n, 3);
	ck_assert_str_eq(r->by[REPORT_BY_DAY].v[0].key, "2026-11-25");
	ck_assert_str_eq(r->by[REPORT_BY_DAY].v[2].key, "2026-11-27");
	ck_assert_uint_eq(r->by[REPORT_BY_DAY].v[1].count, 6);
	g = row(&r->by[REPORT_BY_COUNTRY], "US");
	ck_assert_int_eq(g->first, T("2026-11-26T07:10:00Z"));
	ck_assert_int_eq(g->last, T("2026-11-26T07:16:00Z"));
	ck_assert_uint_eq(count(&r->verdicts, "violation"), 7);
	ck_assert_uint_eq(count(&r->verdicts, "unscoped"), 2);
	ck_assert_uint_eq(count(&r->verdicts, "allow-eea"), 1);
	ck_assert_uint_eq(count(&r->events, "violation"), 3);
	ck_assert_uint_eq(count(&r->events, "stats"), 1);
	ck_assert_uint_eq(count(&r->policies, "p"), 6);
	ck_assert_uint_eq(count(&r->policies, "(none)"), 1);
	report_free(r);
}
END_TEST

START_TEST(test_filters)
{
	struct report *r = new_report("2026-11-26T07:10:00Z",
	    "2026-11-26T08:00:00Z", "globex", NULL);
	const char *why, *detail;

	ck_assert_int_eq(feed(r, dec("violation", "2026-11-26T07:09:59.999999Z",
	    "198.51.100.7", "US", NULL, "[\"globex\"]", NULL), &why, &detail),
	    REPORT_LINE_FILTERED);
	feed_ok(r, dec("violation", "2026-11-26T07:10:00Z", "198.51.100.7",
	    "US", NULL, "[\"acme\",\"globex\"]", NULL));
	ck_assert_int_eq(feed(r, dec("violation", "2026-11-26T07:30:00Z",
	    "198.51.100.7", "US", NULL, "[\"acme\"]", NULL), &why, &detail),
	    REPORT_LINE_FILTERED);
	ck_assert_int_eq(feed(r, dec("unscoped", "2026-11-26T07:30:00Z",
	    "198.51.100.7", "US", NULL, "null", NULL), &why, &detail),
	    REPORT_LINE_FILTERED);
	ck_assert_int_eq(feed(r, dec("violation", "2026-11-26T08:00:00Z",
	    "198.51.100.7", "US", NULL, "[\"globex\"]", NULL), &why, &detail),
	    REPORT_LINE_FILTERED);
	/* Faults concern every customer. */
	feed_ok(r, "{\"ts\":\"2026-11-26T07:20:00Z\",\"event\":\"enforce_error\","
	    "\"what\":\"install\",\"error\":\"EPERM\"}");
	ck_assert_int_eq(report_finish(r), 0);
	ck_assert_uint_eq(r->violations, 1);
	ck_assert_uint_eq(r->filtered, 4);
	ck_assert_uint_eq(r->n_gaps, 1);
	report_free(r);
}
END_TEST

START_TEST(test_revisions)
{
	struct report *r = new_report(NULL, NULL, NULL, NULL);
	char line[2048];

	/* A consent_transfer revised into a violation counts once, as a violation. */
	snprintf(line, sizeof(line), "%s", dec("consent_transfer",
	    "2026-11-26T07:10:00.001000Z", "198.51.100.7", "US",
	    "api.stripe.example", "[\"acme\"]", NULL));
	strcpy(strstr(line, "\"consents\":[]"), "\"consents\":[\"C-STRIPE\"]}");
	feed_ok(r, line);
	for (int i = 0; i < 100; i++)	/* other flows in between */
		feed_ok(r, dec("flow", "2026-11-26T07:10:00.002Z", "192.0.2.1",
		    "NL", NULL, "null", NULL));
	feed_ok(r, dec("violation", "2026-11-26T07:10:00.092000Z",
	    "198.51.100.7", "US", "exfil.example", "[\"acme\"]",
	    "\"revises\":\"2026-11-26T07:10:00.001000Z\""));
	/* A revision of something never seen counts as it is. */
	feed_ok(r, dec("consent_transfer", "2026-11-26T07:11:00Z",
	    "198.51.100.8", "US", NULL, "[\"acme\"]",
	    "\"revises\":\"2026-11-26T07:10:59Z\""));
	ck_assert_int_eq(report_finish(r), 0);
	ck_assert_uint_eq(r->revised, 1);
	ck_assert_uint_eq(r->revise_orphans, 1);
	ck_assert_uint_eq(r->violations, 1);
	ck_assert_uint_eq(count(&r->verdicts, "allow-consent"), 1);
	ck_assert_uint_eq(count(&r->verdicts, "violation"), 1);
	ck_assert_uint_eq(r->n_uses, 0);	/* consents: [] on the orphan */
	ck_assert_uint_eq(count(&r->by[REPORT_BY_DESTINATION], "exfil.example"),
	    1);
	report_free(r);
}
END_TEST

START_TEST(test_revision_window)
{
	struct report *r = new_report(NULL, NULL, NULL, NULL);

	/* Past the window the original is counted already: an orphan. */
	feed_ok(r, dec("violation", "2026-11-26T07:10:00Z", "198.51.100.7",
	    "US", NULL, "[\"acme\"]", NULL));
	for (int i = 0; i < REPORT_REVISE_WINDOW; i++)
		feed_ok(r, dec("flow", "2026-11-26T07:10:01Z", "192.0.2.1", "NL",
		    NULL, "null", NULL));
	feed_ok(r, dec("consent_transfer", "2026-11-26T07:10:02Z",
	    "198.51.100.7", "US", NULL, "[\"acme\"]",
	    "\"revises\":\"2026-11-26T07:10:00Z\""));
	ck_assert_int_eq(report_finish(r), 0);
	ck_assert_uint_eq(r->revised, 0);
	ck_assert_uint_eq(r->revise_orphans, 1);
	ck_assert_uint_eq(r->violations, 1);
	ck_assert_uint_eq(count(&r->verdicts, "allow-eea"),
	    REPORT_REVISE_WINDOW);
	report_free(r);
}
END_TEST

START_TEST(test_revision_window_edge)
{
	struct report *r = new_report(NULL, NULL, NULL, NULL);

	/* The held ring grows as lines come: the oldest still in it counts. */
	feed_ok(r, dec("violation", "2026-11-26T07:10:00Z", "198.51.100.7",
	    "US", NULL, "[\"acme\"]", NULL));
	for (int i = 0; i < REPORT_REVISE_WINDOW - 1; i++)
		feed_ok(r, dec("flow", "2026-11-26T07:10:01Z", "192.0.2.1", "NL",
		    NULL, "null", NULL));
	feed_ok(r, dec("consent_transfer", "2026-11-26T07:10:02Z",
	    "198.51.100.7", "US", NULL, "[\"acme\"]",
	    "\"revises\":\"2026-11-26T07:10:00Z\""));
	ck_assert_int_eq(report_finish(r), 0);
	ck_assert_uint_eq(r->revised, 1);
	ck_assert_uint_eq(r->revise_orphans, 0);
	ck_assert_uint_eq(r->violations, 0);
	report_free(r);
}
END_TEST

START_TEST(test_revision_newest_after_growth)
{
	struct report *r = new_report(NULL, NULL, NULL, NULL);

	/* Two decisions of one flow at one ts: a revision replaces the newer. */
	feed_ok(r, dec("violation", "2026-11-26T07:10:00Z", "198.51.100.7",
	    "US", NULL, "[\"acme\"]", NULL));
	feed_ok(r, dec("violation", "2026-11-26T07:10:00Z", "198.51.100.7",
	    "CN", NULL, "[\"acme\"]", NULL));
	for (int i = 0; i < 1000; i++)	/* the ring grows several times */
		feed_ok(r, dec("flow", "2026-11-26T07:10:01Z", "192.0.2.1", "NL",
		    NULL, "null", NULL));
	feed_ok(r, dec("violation", "2026-11-26T07:10:02Z", "198.51.100.7",
	    "RU", NULL, "[\"acme\"]", "\"revises\":\"2026-11-26T07:10:00Z\""));
	ck_assert_int_eq(report_finish(r), 0);
	ck_assert_uint_eq(r->revised, 1);
	ck_assert_uint_eq(count(&r->by[REPORT_BY_COUNTRY], "US"), 1);
	ck_assert_uint_eq(count(&r->by[REPORT_BY_COUNTRY], "CN"), 0);
	ck_assert_uint_eq(count(&r->by[REPORT_BY_COUNTRY], "RU"), 1);
	report_free(r);
}
END_TEST

/* ---- incidents ------------------------------------------------------------------ */

static const char *
incident(const char *id, const char *customer, const char *discovered,
    const char *extra)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf), "{\"ts\":\"%s\",\"event\":\"incident\","
	    "\"incident\":\"%s\",\"discovered_at\":\"%s\",\"customer\":\"%s\","
	    "\"customers\":[\"%s\"],\"scope\":\"s\",\"data\":\"records\","
	    "\"subjects\":null,\"destinations\":[{\"dst\":\"198.51.100.7\","
	    "\"dport\":443,\"country\":\"US\",\"host\":null}],\"proto\":\"tcp\","
	    "\"process\":{\"uid\":null,\"pid\":null,\"comm\":null,\"exe\":null,"
	    "\"cgroup\":null},\"bytes_sent\":100,\"packets_sent\":1,"
	    "\"first_seen\":\"%s\",\"last_seen\":\"%s\",\"measures\":"
	    "{\"action\":\"alert\",\"blocked_at\":null},\"verdict\":\"violation\","
	    "\"reason\":\"r\",\"geodb\":\"g\",\"policy\":\"p\"%s%s}", discovered,
	    id, discovered, customer, customer, discovered, discovered,
	    extra ? "," : "", extra ? extra : "");
	return buf;
}

START_TEST(test_incidents)
{
	struct report *r = new_report(NULL, NULL, NULL, NULL);
	const struct report_incident *i;
	char upd[2048];

	feed_ok(r, dec("violation", "2026-11-26T07:10:00Z", "198.51.100.7",
	    "US", NULL, "[\"acme\"]", NULL));
	feed_ok(r, incident("INC-B", "acme", "2026-11-26T07:10:01Z",
	    "\"notify_customer_by\":\"2026-11-27T07:10:01Z\""));
	/* Without notify_customer_by: discovery + 24 h. */
	feed_ok(r, incident("INC-A", "globex", "2026-11-25T09:00:00Z", NULL));
	/* An update: larger counts, a block, a second destination. */
	snprintf(upd, sizeof(upd), "%s", incident("INC-A", "globex",
	    "2026-11-25T09:00:00Z", NULL));
	strcpy(strstr(upd, "\"bytes_sent\":100,\"packets_sent\":1"),
	    "\"bytes_sent\":9000,\"packets_sent\":9,\"last_seen\":"
	    "\"2026-11-25T09:05:00Z\",\"destinations\":[{\"dst\":\"198.51.100.8\","
	    "\"dport\":443,\"country\":\"US\",\"host\":\"h.example\"}],"
	    "\"measures\":{\"action\":\"block\",\"blocked_at\":"
	    "\"2026-11-25T09:00:01Z\"}}");
	feed_ok(r, upd);
	ck_assert_int_eq(report_finish(r), 0);

	ck_assert_uint_eq(r->n_inc, 2);
	ck_assert_str_eq(r->inc[0].id, "INC-A");	/* deadline first */
	i = report_find_incident(r, "INC-A");
	ck_assert_ptr_eq(i, &r->inc[0]);
	ck_assert_int_eq(i->notify_by, T("2026-11-26T09:00:00Z"));
	ck_assert_uint_eq(i->lines, 2);
	ck_assert_int_eq(i->bytes_sent, 9000);
	ck_assert_int_eq(i->last_seen, T("2026-11-25T09:05:00Z"));
	ck_assert_int_eq(i->blocked_at, T("2026-11-25T09:00:01Z"));
	ck_assert_str_eq(i->action, "block");
	/* Of duplicate members the first counts: one destination. */
	ck_assert_uint_eq(i->n_dests, 1);
	ck_assert_int_eq(i->subjects, -1);
	ck_assert_ptr_null(i->comm);
	ck_assert_int_eq(i->uid, -1);
	ck_assert_str_eq(i->source, "test.jsonl:3");
	i = report_find_incident(r, "INC-B");
	ck_assert_int_eq(i->notify_by, T("2026-11-27T07:10:01Z"));
	ck_assert_int_eq(i->blocked_at, REPORT_TIME_NONE);
	ck_assert_str_eq(i->action, "alert");
	ck_assert_uint_eq(i->n_dests, 1);
	ck_assert_int_eq(i->dests[0].dport, 443);
	ck_assert_ptr_null(i->dests[0].host);
	ck_assert_ptr_null(report_find_incident(r, "INC-C"));
	/* The incidents column: the row of its customer and destination. */
	ck_assert_uint_eq(row(&r->by[REPORT_BY_CUSTOMER], "acme")->incidents, 1);
	ck_assert_uint_eq(row(&r->by[REPORT_BY_DESTINATION],
	    "198.51.100.7")->incidents, 2);
	ck_assert_uint_eq(row(&r->by[REPORT_BY_COUNTRY], "US")->incidents, 2);
	report_free(r);
}
END_TEST

START_TEST(test_incident_merge)
{
	struct report *r = new_report(NULL, NULL, NULL, NULL);
	const struct report_incident *i;

	feed_ok(r, incident("INC-A", "acme", "2026-11-25T09:00:00Z", NULL));
	/* The same id later, with its own values (no duplicate members). */
	feed_ok(r, "{\"ts\":\"2026-11-25T10:00:00Z\",\"event\":\"incident\","
	    "\"incident\":\"INC-A\",\"discovered_at\":\"2026-11-25T09:00:00Z\","
	    "\"customer\":\"acme\",\"subjects\":500,\"destinations\":[{\"dst\":"
	    "\"198.51.100.8\",\"dport\":8443,\"country\":\"US\",\"host\":null},"
	    "{\"dst\":\"198.51.100.7\",\"dport\":443,\"country\":\"US\","
	    "\"host\":null}],\"bytes_sent\":9000,\"packets_sent\":9,"
	    "\"first_seen\":\"2026-11-25T08:59:00Z\",\"last_seen\":"
	    "\"2026-11-25T09:05:00Z\",\"measures\":{\"action\":\"block\","
	    "\"blocked_at\":\"2026-11-25T09:00:01Z\"},\"process\":{\"uid\":7,"
	    "\"pid\":8,\"comm\":\"x\",\"exe\":null,\"cgroup\":null}}");
	ck_assert_int_eq(report_finish(r), 0);
	ck_assert_uint_eq(r->n_inc, 1);
	i = &r->inc[0];
	ck_assert_uint_eq(i->lines, 2);
	ck_assert_int_eq(i->bytes_sent, 9000);
	ck_assert_int_eq(i->packets_sent, 9);
	ck_assert_int_eq(i->subjects, 500);
	ck_assert_int_eq(i->first_seen, T("2026-11-25T08:59:00Z"));
	ck_assert_int_eq(i->last_seen, T("2026-11-25T09:05:00Z"));
	ck_assert_int_eq(i->blocked_at, T("2026-11-25T09:00:01Z"));
	ck_assert_str_eq(i->action, "block");
	ck_assert_int_eq(i->uid, 7);
	ck_assert_str_eq(i->comm, "x");
	ck_assert_uint_eq(i->n_dests, 2);
	ck_assert_int_eq(i->ts, T("2026-11-25T09:00:00Z"));
	report_free(r);
}
END_TEST

START_TEST(test_incident_filters)
{
	struct report *r = new_report("2026-11-26", NULL, "acme", NULL);
	const char *why, *detail;

	/* Placed by discovery, not by the line's ts; by customer, not customers. */
	ck_assert_int_eq(feed(r, incident("INC-OLD", "acme",
	    "2026-11-25T23:00:00Z", NULL), &why, &detail), REPORT_LINE_FILTERED);
	ck_assert_int_eq(feed(r, "{\"ts\":\"2026-11-26T01:00:00Z\",\"event\":"
	    "\"incident\",\"incident\":\"INC-LATE-LINE\",\"discovered_at\":"
	    "\"2026-11-25T23:00:00Z\",\"customer\":\"acme\"}", &why, &detail),
	    REPORT_LINE_FILTERED);
	feed_ok(r, "{\"ts\":\"2026-11-25T23:59:00Z\",\"event\":\"incident\","
	    "\"incident\":\"INC-EARLY-LINE\",\"discovered_at\":"
	    "\"2026-11-26T00:00:00Z\",\"customer\":\"acme\",\"customers\":"
	    "[\"acme\",\"globex\"]}");
	ck_assert_int_eq(feed(r, "{\"ts\":\"2026-11-26T01:00:00Z\",\"event\":"
	    "\"incident\",\"incident\":\"INC-G\",\"customer\":\"globex\","
	    "\"customers\":[\"acme\",\"globex\"]}", &why, &detail),
	    REPORT_LINE_FILTERED);
	ck_assert_int_eq(report_finish(r), 0);
	ck_assert_uint_eq(r->n_inc, 1);
	ck_assert_str_eq(r->inc[0].id, "INC-EARLY-LINE");
	/* Absent facts stay unknown. */
	ck_assert_int_eq(r->inc[0].subjects, -1);
	ck_assert_int_eq(r->inc[0].bytes_sent, -1);
	ck_assert_int_eq(r->inc[0].first_seen, REPORT_TIME_NONE);
	ck_assert_uint_eq(r->inc[0].n_dests, 0);
	report_free(r);
}
END_TEST

/*
 * Found by tests/fuzz/fuzz_events: with --customer, an incident line whose
 * customers were all filtered out kept an empty array, which the merge of
 * its next line overwrote without freeing (make unit SANITIZE=1 leaked).
 */
START_TEST(test_incident_merge_filtered_customers)
{
	struct report *r = new_report(NULL, NULL, "acme", NULL);

	feed_ok(r, "{\"ts\":\"2026-11-26T07:10:01Z\",\"event\":\"incident\","
	    "\"incident\":\"INC-1\",\"customer\":\"acme\",\"customers\":"
	    "[\"globex\"]}");
	feed_ok(r, "{\"ts\":\"2026-11-26T07:10:02Z\",\"event\":\"incident\","
	    "\"incident\":\"INC-1\",\"customer\":\"acme\",\"customers\":"
	    "[\"acme\"]}");
	ck_assert_int_eq(report_finish(r), 0);
	ck_assert_uint_eq(r->n_inc, 1);
	ck_assert_uint_eq(r->inc[0].lines, 2);
	ck_assert_uint_eq(r->inc[0].n_customers, 1);
	ck_assert_str_eq(r->inc[0].customers[0], "acme");
	report_free(r);
}
END_TEST

/* ---- gaps -------------------------------------------------------------------------- */

static const char *
life(const char *ev, const char *ts, const char *source)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "{\"ts\":\"%s\",\"event\":\"%s\",\"mode\":"
	    "\"enforce\",\"source\":\"%s\",\"reason\":\"%s\"}", ts, ev, source,
	    strcmp(ev, "agent_stopped") == 0 ? "SIGTERM" : "started");
	return buf;
}

START_TEST(test_gaps)
{
	struct report *r = new_report(NULL, NULL, NULL, NULL);

	feed_ok(r, life("agent_started", "2026-11-25T08:00:00Z", "live"));
	feed_ok(r, life("agent_stopped", "2026-11-25T20:00:00Z", "live"));
	/* A replay in between watches nothing and closes nothing. */
	feed_ok(r, life("agent_started", "2026-11-25T21:00:00Z", "file"));
	feed_ok(r, life("agent_stopped", "2026-11-25T21:00:01Z", "file"));
	feed_ok(r, life("agent_started", "2026-11-25T22:30:00Z", "live"));
	feed_ok(r, dec("flow", "2026-11-26T05:00:00Z", "192.0.2.1", "NL", NULL,
	    "null", NULL));
	/* Started again without a stop: unclean, from the last event. */
	feed_ok(r, life("agent_started", "2026-11-26T06:00:00Z", "live"));
	feed_ok(r, "{\"ts\":\"2026-11-26T06:30:00Z\",\"event\":\"sink_error\","
	    "\"sink\":\"exec\",\"message\":\"exit 1\",\"count\":1}");
	feed_ok(r, "{\"ts\":\"2026-11-26T06:31:00Z\",\"event\":\"sink_error\","
	    "\"sink\":\"exec\",\"message\":\"exit 1\",\"count\":1}");
	feed_ok(r, "{\"ts\":\"2026-11-26T06:32:00Z\",\"event\":\"sink_error\","
	    "\"sink\":\"jsonl\",\"message\":\"ENOSPC\"}");
	feed_ok(r, "{\"ts\":\"2026-11-26T07:00:00Z\",\"event\":\"geodb_stale\","
	    "\"path\":\"/x.mmdb\",\"geodb\":\"g\",\"age_days\":46,"
	    "\"max_age_days\":45}");
	feed_ok(r, "{\"ts\":\"2026-11-27T07:00:00Z\",\"event\":\"geodb_stale\","
	    "\"path\":\"/x.mmdb\",\"geodb\":\"g\",\"age_days\":47,"
	    "\"max_age_days\":45}");
	feed_ok(r, "{\"ts\":\"2026-11-26T06:00:01Z\",\"event\":\"config_error\","
	    "\"file\":\"/c.conf\",\"error\":\"/c.conf:3: bad\",\"kept\":\"old\"}");
	feed_ok(r, life("agent_stopped", "2026-11-27T08:00:00Z", "live"));
	ck_assert_int_eq(report_finish(r), 0);

	ck_assert_uint_eq(r->n_gaps, 7);
	ck_assert_str_eq(r->gaps[0].kind, "stopped");
	ck_assert_int_eq(r->gaps[0].from, T("2026-11-25T20:00:00Z"));
	ck_assert_int_eq(r->gaps[0].to, T("2026-11-25T22:30:00Z"));
	ck_assert_str_eq(r->gaps[0].detail, "agent stopped (SIGTERM) until it "
	    "started again");
	ck_assert_str_eq(r->gaps[1].kind, "unclean");
	ck_assert_int_eq(r->gaps[1].from, T("2026-11-26T05:00:00Z"));
	ck_assert_int_eq(r->gaps[1].to, T("2026-11-26T06:00:00Z"));
	ck_assert_str_eq(r->gaps[2].kind, "config_error");
	ck_assert_str_eq(r->gaps[2].detail, "/c.conf:3: bad; old");
	ck_assert_str_eq(r->gaps[3].kind, "sink_error");
	ck_assert_uint_eq(r->gaps[3].count, 2);
	ck_assert_int_eq(r->gaps[3].to, T("2026-11-26T06:31:00Z"));
	ck_assert_str_eq(r->gaps[4].detail, "jsonl: ENOSPC");
	ck_assert_str_eq(r->gaps[5].kind, "geodb_stale");
	ck_assert_uint_eq(r->gaps[5].count, 2);
	ck_assert_int_eq(r->gaps[5].max_age_days, 47);
	/* The stream ends stopped: still open. */
	ck_assert_str_eq(r->gaps[6].kind, "stopped");
	ck_assert_int_eq(r->gaps[6].to, REPORT_TIME_NONE);
	report_free(r);

	r = new_report(NULL, NULL, NULL, NULL);
	feed_ok(r, life("agent_stopped", "2026-11-27T08:00:00Z", "live"));
	ck_assert_int_eq(report_finish(r), 0);
	ck_assert_uint_eq(r->n_gaps, 1);
	ck_assert_int_eq(r->gaps[0].to, REPORT_TIME_NONE);
	report_free(r);
}
END_TEST

START_TEST(test_gap_window)
{
	/* A stop before --since and a start inside it: the gap overlaps. */
	struct report *r = new_report("2026-11-26", "2026-11-27", NULL, NULL);

	feed(r, life("agent_stopped", "2026-11-25T20:00:00Z", "live"), NULL,
	    NULL);
	feed(r, life("agent_started", "2026-11-26T02:00:00Z", "live"), NULL,
	    NULL);
	feed(r, life("agent_stopped", "2026-11-26T20:00:00Z", "live"), NULL,
	    NULL);
	feed(r, life("agent_started", "2026-11-27T02:00:00Z", "live"), NULL,
	    NULL);
	feed(r, life("agent_stopped", "2026-11-27T03:00:00Z", "live"), NULL,
	    NULL);
	feed(r, life("agent_started", "2026-11-27T04:00:00Z", "live"), NULL,
	    NULL);
	ck_assert_int_eq(report_finish(r), 0);
	ck_assert_uint_eq(r->n_gaps, 2);
	ck_assert_int_eq(r->gaps[0].from, T("2026-11-25T20:00:00Z"));
	ck_assert_int_eq(r->gaps[1].from, T("2026-11-26T20:00:00Z"));
	report_free(r);
}
END_TEST

/* ---- consents ---------------------------------------------------------------------- */

static struct consent_register *
reg(void)
{
	static const char text[] =
	    "consents = (\n"
	    "  { id = \"C-1\"; customer = \"acme\"; countries = [\"US\"];\n"
	    "    networks = [\"198.51.100.0/25\"]; ports = [443];\n"
	    "    purpose = \"p\"; document = \"d\"; granted_by = \"g\";\n"
	    "    signed = \"2026-01-01\"; expires = \"2026-12-10\"; },\n"
	    "  { id = \"C-2\"; customer = \"acme\"; countries = [\"US\"];\n"
	    "    hosts = [\"*.stripe.example\"]; purpose = \"p\"; document = "
	    "\"d\";\n    granted_by = \"g\"; signed = \"2026-01-01\";\n"
	    "    revoked = true; revoked_at = \"2026-11-26T12:00:00Z\"; "
	    "revoked_by = \"x\"; revoke_reason = \"y\"; },\n"
	    "  { id = \"C-3\"; customer = \"globex\"; countries = [\"CH\"];\n"
	    "    purpose = \"p\"; document = \"d\"; granted_by = \"g\";\n"
	    "    signed = \"2026-01-01\"; expires = \"2026-12-01T00:00:00Z\"; },\n"
	    "  { id = \"C-4\"; customer = \"acme\"; countries = [\"JP\"];\n"
	    "    purpose = \"p\"; document = \"d\"; granted_by = \"g\";\n"
	    "    signed = \"2026-01-01\"; expires = \"2027-12-01\"; }\n"
	    ");\n";
	struct country_set eea;
	struct errlist errs = { 0 };
	struct consent_register *r;

	country_set_eea_default(&eea);
	r = consent_load_string("test.conf", text, strlen(text), &eea, &errs);
	ck_assert_msg(r != NULL, "register: %s", errs.n ? errs.msg[0] : "?");
	return r;
}

static const char *
transfer(const char *ts, const char *dst, const char *host,
    const char *customers, const char *consents)
{
	static char buf[2048];
	char h[256];

	snprintf(h, sizeof(h), host ? "\"%s\"" : "null", host);
	snprintf(buf, sizeof(buf), "{\"ts\":\"%s\",\"event\":\"consent_transfer\","
	    "\"verdict\":\"allow-consent\",\"action\":\"none\",\"proto\":\"tcp\","
	    "\"src\":\"10.1.2.3\",\"sport\":1,\"dst\":\"%s\",\"dport\":443,"
	    "\"country\":\"US\",\"host\":%s,\"scope\":\"s\",\"customers\":%s,"
	    "\"consents\":%s}", ts, dst, h, customers, consents);
	return buf;
}

START_TEST(test_consent_uses)
{
	struct consent_register *g = reg();
	struct report *r = new_report(NULL, NULL, NULL, g);
	const struct report_consent_use *u;

	feed_ok(r, transfer("2026-11-26T07:10:00Z", "198.51.100.7", NULL,
	    "[\"acme\"]", "[\"C-1\"]"));
	feed_ok(r, transfer("2026-11-26T07:11:00Z", "198.51.100.8", NULL,
	    "[\"acme\"]", "[\"C-1\"]"));
	/* Outside the networks. */
	feed_ok(r, transfer("2026-11-26T07:12:00Z", "198.51.100.200", NULL,
	    "[\"acme\"]", "[\"C-1\"]"));
	/* Revoked later: before it, covered; after, not. */
	feed_ok(r, transfer("2026-11-26T11:59:59Z", "198.51.100.9",
	    "api.stripe.example", "[\"acme\"]", "[\"C-2\"]"));
	feed_ok(r, transfer("2026-11-26T12:00:00Z", "198.51.100.9",
	    "api.stripe.example", "[\"acme\"]", "[\"C-2\"]"));
	/* Not in the register; and another customer's consent, wrong country. */
	feed_ok(r, transfer("2026-11-26T07:13:00Z", "198.51.100.9", NULL,
	    "[\"acme\"]", "[\"C-9\",\"C-3\"]"));
	ck_assert_int_eq(report_finish(r), 0);

	ck_assert_uint_eq(r->consented, 6);
	ck_assert_uint_eq(r->n_uses, 4);
	u = &r->uses[0];
	ck_assert_str_eq(u->id, "C-1");
	ck_assert_uint_eq(u->transfers, 3);
	ck_assert(u->in_register);
	ck_assert_uint_eq(u->outside_terms, 1);
	ck_assert_str_eq(u->note, "198.51.100.200 port 443 is outside the "
	    "consent's networks, hosts or ports");
	ck_assert_uint_eq(u->destinations.n, 3);
	ck_assert_int_eq(u->first, T("2026-11-26T07:10:00Z"));
	ck_assert_int_eq(u->last, T("2026-11-26T07:12:00Z"));
	u = &r->uses[1];
	ck_assert_str_eq(u->id, "C-2");
	ck_assert_uint_eq(u->outside_terms, 1);
	ck_assert_str_eq(u->note, "transfer at 2026-11-26T12:00:00Z, after the "
	    "consent was revoked");
	ck_assert_uint_eq(u->destinations.n, 1);
	ck_assert_str_eq(u->destinations.v[0].key, "api.stripe.example");
	u = &r->uses[2];
	ck_assert_str_eq(u->id, "C-3");
	ck_assert_str_eq(u->note, "the consent is globex's, not a customer of "
	    "the flow");
	u = &r->uses[3];
	ck_assert_str_eq(u->id, "C-9");
	ck_assert(!u->in_register);
	ck_assert_str_eq(u->note, "the consent id is not in the register");
	report_free(r);

	/* Without a register nothing is checked. */
	r = new_report(NULL, NULL, NULL, NULL);
	feed_ok(r, transfer("2026-11-26T07:12:00Z", "198.51.100.200", NULL,
	    "[\"acme\"]", "[\"C-1\"]"));
	ck_assert_int_eq(report_finish(r), 0);
	ck_assert_uint_eq(r->uses[0].outside_terms, 0);
	ck_assert_ptr_null(r->uses[0].note);
	report_free(r);
	consent_register_free(g);
}
END_TEST

START_TEST(test_customer_view)
{
	struct consent_register *g = reg();
	struct report *r = new_report(NULL, NULL, "acme", g);

	/* A shared scope's flow: acme's report names neither globex nor its consent. */
	feed_ok(r, transfer("2026-11-26T07:10:00Z", "198.51.100.7", NULL,
	    "[\"acme\",\"globex\"]", "[\"C-1\",\"C-3\"]"));
	feed_ok(r, dec("violation", "2026-11-26T07:11:00Z", "198.51.100.7", "US",
	    NULL, "[\"globex\",\"acme\"]", NULL));
	feed_ok(r, "{\"ts\":\"2026-11-26T07:12:00Z\",\"event\":\"incident\","
	    "\"incident\":\"INC-1\",\"customer\":\"acme\",\"customers\":"
	    "[\"globex\",\"acme\"]}");
	ck_assert_int_eq(report_finish(r), 0);
	ck_assert_uint_eq(r->by[REPORT_BY_CUSTOMER].n, 1);
	ck_assert_str_eq(r->by[REPORT_BY_CUSTOMER].v[0].key, "acme");
	ck_assert_uint_eq(r->n_uses, 1);
	ck_assert_str_eq(r->uses[0].id, "C-1");
	ck_assert_uint_eq(r->uses[0].customers.n, 1);
	ck_assert_uint_eq(r->inc[0].n_customers, 1);
	ck_assert_str_eq(r->inc[0].customers[0], "acme");
	report_free(r);
	consent_register_free(g);
}
END_TEST

START_TEST(test_consent_terms)
{
	struct consent_register *g = reg();
	const char *acme[] = { "acme" };
	const struct consent *c1 = &g->v[0];

	ck_assert_int_eq(report_consent_terms(c1, acme, 1, "US", "198.51.100.7",
	    NULL, 443, T("2026-11-26T00:00:00Z")), REPORT_TERMS_COVERED);
	ck_assert_int_eq(report_consent_terms(c1, acme, 1, "US", "198.51.100.7",
	    NULL, 8443, T("2026-11-26T00:00:00Z")), REPORT_TERMS_DESTINATION);
	ck_assert_int_eq(report_consent_terms(c1, acme, 1, "CH", "198.51.100.7",
	    NULL, 443, T("2026-11-26T00:00:00Z")), REPORT_TERMS_COUNTRY);
	ck_assert_int_eq(report_consent_terms(c1, acme, 1, NULL, "198.51.100.7",
	    NULL, 443, T("2026-11-26T00:00:00Z")), REPORT_TERMS_COUNTRY);
	ck_assert_int_eq(report_consent_terms(c1, acme, 1, "US", "198.51.100.7",
	    NULL, 443, T("2025-12-31T23:59:59Z")), REPORT_TERMS_NOT_YET);
	ck_assert_int_eq(report_consent_terms(c1, acme, 1, "US", "198.51.100.7",
	    NULL, 443, T("2026-12-10T00:00:00Z")), REPORT_TERMS_EXPIRED);
	ck_assert_int_eq(report_consent_terms(c1, acme, 0, "US", "198.51.100.7",
	    NULL, 443, T("2026-11-26T00:00:00Z")), REPORT_TERMS_CUSTOMER);
	/* A host consent: an unknown host is not covered. */
	ck_assert_int_eq(report_consent_terms(&g->v[1], acme, 1, "US", "192.0.2.1",
	    NULL, 443, T("2026-11-26T00:00:00Z")), REPORT_TERMS_DESTINATION);
	ck_assert_int_eq(report_consent_terms(&g->v[1], acme, 1, "US", "192.0.2.1",
	    "x.stripe.example", 443, T("2026-11-26T00:00:00Z")),
	    REPORT_TERMS_COVERED);
	ck_assert_int_eq(report_consent_terms(&g->v[1], acme, 1, "US", "192.0.2.1",
	    "x.stripe.example", 443, T("2026-11-26T12:00:00Z")),
	    REPORT_TERMS_REVOKED);
	consent_register_free(g);
}
END_TEST

START_TEST(test_expiring)
{
	struct consent_register *g = reg();
	const struct consent *out[8];
	int64_t now = T("2026-11-27T10:00:00Z") / US;

	/* C-3 (Dec 1) before C-1 (Dec 10); C-2 revoked, C-4 beyond 30 days. */
	ck_assert_uint_eq(report_consents_expiring(g, now, 30, NULL, out, 8), 2);
	ck_assert_str_eq(out[0]->id, "C-3");
	ck_assert_str_eq(out[1]->id, "C-1");
	ck_assert_uint_eq(report_consents_expiring(g, now, 30, "acme", out, 8),
	    1);
	ck_assert_str_eq(out[0]->id, "C-1");
	ck_assert_uint_eq(report_consents_expiring(g, now, 3, NULL, out, 8), 0);
	/* More than max: counted, max written. */
	ck_assert_uint_eq(report_consents_expiring(g, now, 30, NULL, out, 1), 2);
	ck_assert_uint_eq(report_consents_expiring(NULL, now, 30, NULL, out, 8),
	    0);
	ck_assert_uint_eq(report_consents_for(g, "acme", "US", out, 8), 2);
	ck_assert_uint_eq(report_consents_for(g, "acme", "CN", out, 8), 0);
	ck_assert_uint_eq(report_consents_for(g, "acme", NULL, out, 8), 3);
	consent_register_free(g);
}
END_TEST

static Suite *
report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_parse_time);
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_strings);
	tcase_add_test(tc, test_deep_and_wide);
	tcase_add_test(tc, test_counting);
	tcase_add_test(tc, test_filters);
	tcase_add_test(tc, test_revisions);
	tcase_add_test(tc, test_revision_window);
	tcase_add_test(tc, test_revision_window_edge);
	tcase_add_test(tc, test_revision_newest_after_growth);
	tcase_add_test(tc, test_incidents);
	tcase_add_test(tc, test_incident_merge);
	tcase_add_test(tc, test_incident_filters);
	tcase_add_test(tc, test_incident_merge_filtered_customers);
	tcase_add_test(tc, test_gaps);
	tcase_add_test(tc, test_gap_window);
	tcase_add_test(tc, test_consent_uses);
	tcase_add_test(tc, test_customer_view);
	tcase_add_test(tc, test_consent_terms);
	tcase_add_test(tc, test_expiring);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(report_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
