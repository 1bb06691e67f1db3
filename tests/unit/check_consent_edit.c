/* Unit tests for rules/consent_edit.c: records, serialization, edits, the audit chain. */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "rules/consent_edit.h"

#define T_2026_03_02_0914	INT64_C(1772442840)	/* 2026-03-02T09:14:00Z */
#define T_2027_01_05	INT64_C(1799107200)		/* 2027-01-05T00:00:00Z */

static struct country_set eea;
static struct errlist errs;
static char err[1024];

static void
setup(void)
{
	country_set_eea_default(&eea);
	memset(&errs, 0, sizeof(errs));
	err[0] = '\0';
}

static void
teardown(void)
{
	errlist_clear(&errs);
}

static void
set(struct consent_rec *r, enum consent_field_id f, const char *v)
{
	ck_assert_msg(consent_rec_set(r, f, v, err, sizeof(err)) == 0,
	    "%s = %s: %s", consent_field_name(f), v, err);
}

/* A draft with the required fields. */
static void
draft(struct consent_rec *r, const char *customer, const char *countries)
{
	ck_assert_int_eq(consent_rec_init(r), 0);
	set(r, CE_CUSTOMER, customer);
	set(r, CE_COUNTRIES, countries);
	set(r, CE_PURPOSE, "card payment processing");
	set(r, CE_DOCUMENT, "DMS-4711");
	set(r, CE_GRANTED_BY, "J. de Vries, DPO");
	set(r, CE_SIGNED, "2026-03-01");
}

static const char *
errs_text(void)
{
	static char buf[8192];

	return errlist_join(&errs, buf, sizeof(buf));
}

static bool
has_msg(const struct errlist *e, const char *want)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		if (strstr(e->msg[i], want) != NULL)
			return true;
	return false;
}

START_TEST(test_fields)
{
	ck_assert_str_eq(consent_field_name(CE_GRANTED_BY), "granted_by");
	ck_assert_int_eq(consent_field_lookup("revoke_reason"),
	    CE_REVOKE_REASON);
	ck_assert_int_eq(consent_field_lookup("nope"), -1);
	ck_assert(consent_field_is_list(CE_PORTS));
	ck_assert(consent_field_is_list(CE_COUNTRIES));
	ck_assert(!consent_field_is_list(CE_REVOKED));
	ck_assert(!consent_field_is_list(CE_PURPOSE));
}
END_TEST

START_TEST(test_rec_set)
{
	struct consent_rec r;

	ck_assert_int_eq(consent_rec_init(&r), 0);
	ck_assert(consent_rec_blank(&r, CE_PURPOSE));
	ck_assert(consent_rec_blank(&r, CE_HOSTS));

	set(&r, CE_COUNTRIES, " us , ch,,");
	ck_assert_uint_eq(r.list[CE_COUNTRIES].n, 2);
	ck_assert_str_eq(r.list[CE_COUNTRIES].v[0], "US");
	ck_assert_str_eq(r.list[CE_COUNTRIES].v[1], "CH");
	set(&r, CE_HOSTS, "api.stripe.com,*.stripe.com");
	ck_assert_uint_eq(r.list[CE_HOSTS].n, 2);
	ck_assert_str_eq(r.list[CE_HOSTS].v[1], "*.stripe.com");
	set(&r, CE_HOSTS, "");
	ck_assert_uint_eq(r.list[CE_HOSTS].n, 0);

	set(&r, CE_PORTS, "443, 08443");
	ck_assert_str_eq(r.list[CE_PORTS].v[0], "443");
	ck_assert_str_eq(r.list[CE_PORTS].v[1], "8443");
	ck_assert_int_eq(consent_rec_set(&r, CE_PORTS, "443,https", err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "'https' is not a port number (valid: 1-65535, "
	    "as in 443 or 443,8443)");
	ck_assert_int_eq(consent_rec_set(&r, CE_PORTS, "70000", err,
	    sizeof(err)), -1);
	ck_assert_int_eq(consent_rec_set(&r, CE_PORTS, "0", err,
	    sizeof(err)), -1);
	/* A refusal leaves the field as it was. */
	ck_assert_uint_eq(r.list[CE_PORTS].n, 2);

	ck_assert_int_eq(consent_rec_set(&r, CE_PURPOSE, "two\nlines", err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "control character"));
	ck_assert_int_eq(consent_rec_set(&r, CE_PURPOSE, "tab\there", err,
	    sizeof(err)), -1);
	ck_assert_int_eq(consent_rec_set(&r, CE_PURPOSE, "bad \xc3", err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "is not UTF-8 text");
	ck_assert_int_eq(consent_rec_set(&r, CE_PURPOSE, "overlong \xc0\xaf",
	    err, sizeof(err)), -1);
	ck_assert_int_eq(consent_rec_set(&r, CE_PURPOSE,
	    "surrogate \xed\xa0\x80", err, sizeof(err)), -1);
	set(&r, CE_PURPOSE, "Zahlungsabwicklung f\xc3\xbcr K\xc3\xb6ln \xe2\x80\x94 "
	    "\xf0\x9f\x93\x84");
	set(&r, CE_REVOKED, "true");
	ck_assert(r.revoked);
	ck_assert_int_eq(consent_rec_set(&r, CE_REVOKED, "yes", err,
	    sizeof(err)), -1);
	consent_rec_free(&r);
}
END_TEST

/* Field for field, as two records of one consent must be. */
static void
assert_rec_eq(const struct consent_rec *a, const struct consent_rec *b)
{
	size_t k;
	int f;

	for (f = 0; f < CE_NFIELDS; f++) {
		if (f == CE_REVOKED) {
			ck_assert_int_eq(a->revoked, b->revoked);
		} else if (consent_field_is_list(f)) {
			ck_assert_uint_eq(a->list[f].n, b->list[f].n);
			for (k = 0; k < a->list[f].n; k++)
				ck_assert_str_eq(a->list[f].v[k],
				    b->list[f].v[k]);
		} else
			ck_assert_msg(strcmp(a->str[f], b->str[f]) == 0,
			    "%s: '%s' != '%s'", consent_field_name(f),
			    a->str[f], b->str[f]);
	}
}

START_TEST(test_roundtrip)
{
	struct consent_recs rs = { NULL, 0 }, back;
	struct consent_register *r;
	struct consent_rec d;
	char *text, *text2;
	size_t len, len2, i;

	ck_assert_ptr_nonnull(rs.v = calloc(2, sizeof(*rs.v)));
	draft(&rs.v[0], "acme", "US,CH");
	set(&rs.v[0], CE_ID, "C-2026-0001");
	set(&rs.v[0], CE_HOSTS, "api.stripe.com,*.stripe.com");
	set(&rs.v[0], CE_NETWORKS, "203.0.113.0/24,2001:db8:100::/48");
	set(&rs.v[0], CE_PORTS, "443,8443");
	set(&rs.v[0], CE_PURPOSE, "the \"quoted\" purpose with a back\\slash "
	    "and a trailing \\");
	set(&rs.v[0], CE_SUBPROCESSOR, "Stripe, Inc. \xe2\x80\x94 Dublin");
	set(&rs.v[0], CE_DOCUMENT_SHA256, "2790021a47c416d849e4a1d4af3be00b6"
	    "9c7eea283fcdebb3e46fbd8024b54db");
	set(&rs.v[0], CE_VALID_FROM, "2026-03-01");
	set(&rs.v[0], CE_EXPIRES, "2027-03-01");
	set(&rs.v[0], CE_RECORDED_BY, "mbakker");
	set(&rs.v[0], CE_RECORDED_AT, "2026-03-02T09:14:00Z");
	draft(&rs.v[1], "globex", "GB");
	set(&rs.v[1], CE_ID, "C-2026-0002");
	set(&rs.v[1], CE_REVOKED, "true");
	set(&rs.v[1], CE_REVOKED_AT, "2026-09-15T14:00:00Z");
	set(&rs.v[1], CE_REVOKED_BY, "mbakker");
	set(&rs.v[1], CE_REVOKE_REASON, "letter \"of\" 2026-09-14 \\ annex");
	rs.n = 2;

	ck_assert_ptr_nonnull(text = consent_serialize(&rs, &len, err,
	    sizeof(err)));
	ck_assert_uint_eq(strlen(text), len);
	ck_assert_ptr_nonnull(strstr(text, "purpose = \"the \\\"quoted\\\" "
	    "purpose with a back\\\\slash and a trailing \\\\\";"));
	r = consent_load_string("mem", text, len, &eea, &errs);
	ck_assert_msg(r != NULL, "%s", errs_text());
	ck_assert_uint_eq(r->n, 2);
	ck_assert_int_eq(consent_recs_from_register(&back, r), 0);
	for (i = 0; i < 2; i++)
		assert_rec_eq(&rs.v[i], &back.v[i]);
	/* Written again from what was read: the same bytes. */
	ck_assert_ptr_nonnull(text2 = consent_serialize(&back, &len2, err,
	    sizeof(err)));
	ck_assert_uint_eq(len, len2);
	ck_assert_str_eq(text, text2);
	ck_assert(!consent_text_has_own_comments(text, len));

	/* consent_edit_check hands back the loader's canonical forms. */
	free(text2);
	set(&rs.v[0], CE_HOSTS, "API.Stripe.COM.");
	set(&rs.v[0], CE_NETWORKS, "2001:DB8:100:0::/48");
	consent_register_free(r);
	r = consent_edit_check(&rs, 0, "mem", &eea, NULL, &errs, &text2,
	    &len2);
	ck_assert_msg(r != NULL, "%s", errs_text());
	ck_assert_ptr_nonnull(strstr(text2, "hosts = [\"api.stripe.com\"];"));
	ck_assert_ptr_nonnull(strstr(text2,
	    "networks = [\"2001:db8:100::/48\"];"));
	ck_assert_str_eq(r->v[0].hosts.v[0], "api.stripe.com");

	consent_register_free(r);
	consent_recs_free(&back);
	free(text);
	free(text2);

	/* An empty register writes and reads back as empty. */
	consent_recs_free(&rs);
	ck_assert_ptr_nonnull(text = consent_serialize(&rs, &len, err,
	    sizeof(err)));
	ck_assert_ptr_nonnull(strstr(text, "consents = ();"));
	r = consent_load_string("mem", text, len, &eea, &errs);
	ck_assert_msg(r != NULL, "%s", errs_text());
	ck_assert_uint_eq(r->n, 0);
	consent_register_free(r);
	free(text);

	/* A control character that came in by hand is refused by name. */
	draft(&d, "acme", "US");
	set(&d, CE_ID, "C-2026-0009");
	free(d.str[CE_PURPOSE]);
	ck_assert_ptr_nonnull(d.str[CE_PURPOSE] = strdup("a\nb"));
	rs.v = &d;
	rs.n = 1;
	ck_assert_ptr_null(consent_serialize(&rs, &len, err, sizeof(err)));
	ck_assert_str_eq(err, "consent C-2026-0009: purpose contains a "
	    "control character (a line break, tab or similar), which the "
	    "register cannot hold: write it on one line");
	consent_rec_free(&d);
}
END_TEST

START_TEST(test_own_comments)
{
	struct consent_recs rs = { NULL, 0 };
	char *text, buf[4096];
	size_t len;

	ck_assert_ptr_nonnull(text = consent_serialize(&rs, &len, err,
	    sizeof(err)));
	ck_assert(!consent_text_has_own_comments(text, len));
	snprintf(buf, sizeof(buf), "%s# added by hand\n", text);
	ck_assert(consent_text_has_own_comments(buf, strlen(buf)));
	free(text);
	text = "consents = ( { id = \"a#b\"; purpose = \"x // y /* z\"; } );";
	ck_assert(!consent_text_has_own_comments(text, strlen(text)));
	text = "consents = ( { id = \"a\"; # why\n } );";
	ck_assert(consent_text_has_own_comments(text, strlen(text)));
	text = "consents = ( { id = \"a\\\"\"; } ); // note";
	ck_assert(consent_text_has_own_comments(text, strlen(text)));
	text = "/* block */ consents = ();";
	ck_assert(consent_text_has_own_comments(text, strlen(text)));
}
END_TEST

START_TEST(test_next_id)
{
	static const char *const ids[] = { "C-2026-0007", "C-2026-0003",
	    "C-2025-0099", "X-1", "C-2026-00a9", "C-2026-", "C-20260-0500" };
	struct consent_recs rs = { NULL, 0 };
	char id[32];
	size_t i;

	ck_assert_int_eq(consent_next_id(&rs, 2026, id, sizeof(id)), 0);
	ck_assert_str_eq(id, "C-2026-0001");
	ck_assert_ptr_nonnull(rs.v = calloc(7, sizeof(*rs.v)));
	for (i = 0; i < 7; i++) {
		ck_assert_int_eq(consent_rec_init(&rs.v[i]), 0);
		set(&rs.v[i], CE_ID, ids[i]);
		rs.n++;
	}
	ck_assert_int_eq(consent_next_id(&rs, 2026, id, sizeof(id)), 0);
	ck_assert_str_eq(id, "C-2026-0008");
	ck_assert_int_eq(consent_next_id(&rs, 2025, id, sizeof(id)), 0);
	ck_assert_str_eq(id, "C-2025-0100");
	ck_assert_int_eq(consent_next_id(&rs, 2027, id, sizeof(id)), 0);
	ck_assert_str_eq(id, "C-2027-0001");
	set(&rs.v[0], CE_ID, "C-2026-9999");
	ck_assert_int_eq(consent_next_id(&rs, 2026, id, sizeof(id)), 0);
	ck_assert_str_eq(id, "C-2026-10000");
	ck_assert_int_eq(consent_next_id(&rs, 2026, id, 8), -1);
	consent_recs_free(&rs);
}
END_TEST

START_TEST(test_time)
{
	char buf[CONSENT_TIME_LEN];

	ck_assert_str_eq(consent_format_time(T_2026_03_02_0914, buf),
	    "2026-03-02T09:14:00Z");
	ck_assert_int_eq(consent_year(T_2026_03_02_0914), 2026);
	ck_assert_int_eq(consent_year(T_2027_01_05), 2027);
}
END_TEST

START_TEST(test_edit_add)
{
	struct consent_recs rs = { NULL, 0 };
	struct consent_register *r;
	struct consent_rec d;
	char *text;
	size_t focus, len;

	draft(&d, "acme", "US");
	ck_assert_int_eq(consent_edit_add(&rs, &d, T_2026_03_02_0914,
	    "mbakker", &focus, err, sizeof(err)), 0);
	ck_assert_uint_eq(focus, 0);
	ck_assert_str_eq(rs.v[0].str[CE_ID], "C-2026-0001");
	ck_assert_str_eq(rs.v[0].str[CE_RECORDED_BY], "mbakker");
	ck_assert_str_eq(rs.v[0].str[CE_RECORDED_AT], "2026-03-02T09:14:00Z");
	ck_assert_int_eq(consent_edit_add(&rs, &d, T_2026_03_02_0914,
	    "mbakker", &focus, err, sizeof(err)), 0);
	ck_assert_str_eq(rs.v[1].str[CE_ID], "C-2026-0002");
	/* The year of recording, not of signing. */
	ck_assert_int_eq(consent_edit_add(&rs, &d, T_2027_01_05, "lvisser",
	    &focus, err, sizeof(err)), 0);
	ck_assert_str_eq(rs.v[2].str[CE_ID], "C-2027-0001");
	ck_assert_uint_eq(rs.n, 3);

	set(&d, CE_DOCUMENT, " ");
	ck_assert_int_eq(consent_edit_add(&rs, &d, T_2027_01_05, "lvisser",
	    &focus, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "document is required");
	ck_assert_uint_eq(rs.n, 3);
	consent_rec_free(&d);

	/* The loader's refusals, named by the caller's labels. */
	draft(&d, "acme", "UK,NL,US");
	set(&d, CE_VALID_FROM, "2026-03-01");
	set(&d, CE_EXPIRES, "2025-01-01");
	ck_assert_int_eq(consent_edit_add(&rs, &d, T_2027_01_05, "lvisser",
	    &focus, err, sizeof(err)), 0);
	{
		static const char *labels[CE_NFIELDS] = {
			[CE_COUNTRIES] = "--countries",
			[CE_EXPIRES] = "--expires",
		};

		r = consent_edit_check(&rs, focus, "mem", &eea, labels, &errs,
		    &text, &len);
	}
	ck_assert_ptr_null(r);
	ck_assert_uint_eq(errs.n, 3);
	ck_assert_str_eq(errs.msg[0], "--countries: unknown country code "
	    "'UK' \xe2\x80\x94 did you mean GB?");
	ck_assert_str_eq(errs.msg[1], "--countries: NL is inside the EEA: no "
	    "consent is needed");
	ck_assert_str_eq(errs.msg[2], "--expires: expires 2025-01-01 is before "
	    "valid-from 2026-03-01: the consent would never be in force");
	consent_rec_free(&d);
	consent_recs_free(&rs);
}
END_TEST

START_TEST(test_edit_revoke_renew)
{
	struct consent_recs rs = { NULL, 0 };
	struct consent_renewal rn = { "2028-03-01", "DMS-5000", NULL, NULL };
	struct consent_rec d;
	size_t focus;

	draft(&d, "acme", "US");
	set(&d, CE_EXPIRES, "2027-03-01");
	set(&d, CE_DOCUMENT_SHA256, "2790021a47c416d849e4a1d4af3be00b69c7eea2"
	    "83fcdebb3e46fbd8024b54db");
	ck_assert_int_eq(consent_edit_add(&rs, &d, T_2026_03_02_0914, "mb",
	    &focus, err, sizeof(err)), 0);
	set(&d, CE_EXPIRES, "");
	ck_assert_int_eq(consent_edit_add(&rs, &d, T_2026_03_02_0914, "mb",
	    &focus, err, sizeof(err)), 0);
	consent_rec_free(&d);

	ck_assert_int_eq(consent_edit_renew(&rs, "C-2026-0009", &rn, &focus,
	    err, sizeof(err)), -1);
	ck_assert_str_eq(err, "there is no consent with id 'C-2026-0009' in "
	    "the register (eeaguard consent list shows them)");
	rn.document = NULL;
	ck_assert_int_eq(consent_edit_renew(&rs, "C-2026-0001", &rn, &focus,
	    err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "a renewal needs the signed "
	    "document"));
	rn.document = "DMS-5000";
	rn.expires = "2027-01-01";
	ck_assert_int_eq(consent_edit_renew(&rs, "C-2026-0001", &rn, &focus,
	    err, sizeof(err)), -1);
	ck_assert_str_eq(err, "expires 2027-01-01 is not after the current "
	    "expiry 2027-03-01 of C-2026-0001: a renewal extends a consent "
	    "(to end one early, revoke it)");
	ck_assert_int_eq(consent_edit_renew(&rs, "C-2026-0002", &rn, &focus,
	    err, sizeof(err)), -1);
	ck_assert_str_eq(err, "C-2026-0002 does not expire: there is nothing "
	    "to renew");
	rn.expires = "2028-03-01";
	ck_assert_int_eq(consent_edit_renew(&rs, "C-2026-0001", &rn, &focus,
	    err, sizeof(err)), 0);
	ck_assert_uint_eq(focus, 0);
	ck_assert_str_eq(rs.v[0].str[CE_EXPIRES], "2028-03-01");
	ck_assert_str_eq(rs.v[0].str[CE_DOCUMENT], "DMS-5000");
	/* The old hash is of the old document. */
	ck_assert_str_eq(rs.v[0].str[CE_DOCUMENT_SHA256], "");

	ck_assert_int_eq(consent_edit_revoke(&rs, "C-2026-0001", "  ",
	    T_2027_01_05, "lv", &focus, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "a revocation needs its reason"));
	ck_assert_int_eq(consent_edit_revoke(&rs, "C-2026-0001", "letter",
	    T_2027_01_05, "lv", &focus, err, sizeof(err)), 0);
	ck_assert(rs.v[0].revoked);
	ck_assert_str_eq(rs.v[0].str[CE_REVOKED_AT], "2027-01-05T00:00:00Z");
	ck_assert_str_eq(rs.v[0].str[CE_REVOKED_BY], "lv");
	ck_assert_str_eq(rs.v[0].str[CE_REVOKE_REASON], "letter");
	ck_assert_int_eq(consent_edit_revoke(&rs, "C-2026-0001", "again",
	    T_2027_01_05, "lv", &focus, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "C-2026-0001 was already revoked at "
	    "2027-01-05T00:00:00Z by lv");
	ck_assert_int_eq(consent_edit_renew(&rs, "C-2026-0001", &rn, &focus,
	    err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "a revoked consent cannot be "
	    "renewed"));
	consent_recs_free(&rs);
}
END_TEST

START_TEST(test_flow_allowed)
{
	struct consent_recs rs = { NULL, 0 };
	struct consent_register *r;
	struct consent_rec d;
	struct ipaddr a;
	const char *both[] = { "acme", "globex" }, *one[] = { "acme" };
	char *text;
	size_t focus, len;

	draft(&d, "acme", "US");
	set(&d, CE_PORTS, "443");
	ck_assert_int_eq(consent_edit_add(&rs, &d, T_2026_03_02_0914, "mb",
	    &focus, err, sizeof(err)), 0);
	consent_rec_free(&d);
	r = consent_edit_check(&rs, focus, "mem", &eea, NULL, &errs, &text,
	    &len);
	ck_assert_msg(r != NULL, "%s", errs_text());
	ck_assert_int_eq(ipaddr_parse("198.51.100.7", &a), 0);
	ck_assert(consent_flow_allowed(r, one, 1, "US", &a, NULL, 443,
	    T_2027_01_05));
	ck_assert(!consent_flow_allowed(r, one, 1, "US", &a, NULL, 80,
	    T_2027_01_05));
	ck_assert(!consent_flow_allowed(r, one, 1, "CA", &a, NULL, 443,
	    T_2027_01_05));
	/* Before it was signed. */
	ck_assert(!consent_flow_allowed(r, one, 1, "US", &a, NULL, 443,
	    T_2026_03_02_0914 - 86400 * 30));
	ck_assert(!consent_flow_allowed(r, both, 2, "US", &a, NULL, 443,
	    T_2027_01_05));
	ck_assert(!consent_flow_allowed(r, both, 0, "US", &a, NULL, 443,
	    T_2027_01_05));
	consent_register_free(r);
	consent_recs_free(&rs);
	free(text);
}
END_TEST

START_TEST(test_audit_prev)
{
	char hex[CONSENT_SHA256_HEX], want[CONSENT_SHA256_HEX];
	const char *log = "{\"a\":1}\n{\"b\":2}\n{\"c\"";
	size_t tail;

	consent_audit_prev("", 0, hex, &tail);
	ck_assert_str_eq(hex, CONSENT_AUDIT_ZERO);
	ck_assert_uint_eq(tail, 0);
	consent_audit_prev(log, strlen(log), hex, &tail);
	ck_assert_uint_eq(tail, 4);
	/* The line with its newline: what "sed -n 2p | sha256sum" prints. */
	consent_sha256_hex("{\"b\":2}\n", 8, want);
	ck_assert_str_eq(hex, want);
	consent_audit_prev(log, 8, hex, &tail);
	consent_sha256_hex("{\"a\":1}\n", 8, want);
	ck_assert_str_eq(hex, want);
	ck_assert_uint_eq(tail, 0);
	consent_sha256_hex("", 0, hex);
	ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b9"
	    "34ca495991b7852b855");
}
END_TEST

/* A register and its log, built as the command builds them. */
struct world {
	struct consent_recs rs;
	struct consent_register *r;
	char sha[CONSENT_SHA256_HEX];
	char log[65536];
	size_t loglen;
};

static void
world_init(struct world *w)
{
	memset(w, 0, sizeof(*w));
	ck_assert_ptr_nonnull(w->r = consent_register_empty());
	consent_sha256_hex("", 0, w->sha);
}

static void
world_free(struct world *w)
{
	consent_recs_free(&w->rs);
	consent_register_free(w->r);
}

/* One change: "add" (customer), "revoke" or "renew" (id); lands or not. */
static void
world_change(struct world *w, const char *action, const char *arg,
    int64_t now, bool lands)
{
	struct consent_renewal rn = { "2030-01-01", "DMS-9", NULL, NULL };
	struct consent_audit_in in;
	struct consent_register *r;
	struct consent_recs rs;
	struct consent_rec d, before, after;
	char *text, *line, prev[CONSENT_SHA256_HEX], sha[CONSENT_SHA256_HEX];
	char ts[CONSENT_TIME_LEN];
	size_t focus, len, linelen, tail;

	ck_assert_int_eq(consent_recs_from_register(&rs, w->r), 0);
	if (strcmp(action, "add") == 0) {
		draft(&d, arg, "US");
		set(&d, CE_EXPIRES, "2027-03-01");
		ck_assert_int_eq(consent_edit_add(&rs, &d, now, "mb", &focus,
		    err, sizeof(err)), 0);
		consent_rec_free(&d);
	} else if (strcmp(action, "revoke") == 0)
		ck_assert_int_eq(consent_edit_revoke(&rs, arg, "letter", now,
		    "mb", &focus, err, sizeof(err)), 0);
	else
		ck_assert_int_eq(consent_edit_renew(&rs, arg, &rn, &focus, err,
		    sizeof(err)), 0);
	r = consent_edit_check(&rs, focus, "mem", &eea, NULL, &errs, &text,
	    &len);
	ck_assert_msg(r != NULL, "%s", errs_text());
	consent_sha256_hex(text, len, sha);
	if (strcmp(action, "add") != 0)
		ck_assert_int_eq(consent_rec_from_consent(&before,
		    &w->r->v[focus]), 0);
	ck_assert_int_eq(consent_rec_from_consent(&after, &r->v[focus]), 0);
	consent_audit_prev(w->log, w->loglen, prev, &tail);
	memset(&in, 0, sizeof(in));
	in.ts = consent_format_time(now, ts);
	in.user = "mb";
	in.action = action;
	in.id = after.str[CE_ID];
	in.before = strcmp(action, "add") != 0 ? &before : NULL;
	in.after = &after;
	in.register_sha256 = sha;
	in.register_sha256_before = w->sha;
	in.prev = prev;
	ck_assert_ptr_nonnull(line = consent_audit_line(&in, &linelen, err,
	    sizeof(err)));
	ck_assert_ptr_null(memchr(line, '\n', linelen - 1));
	ck_assert_int_eq(line[linelen - 1], '\n');
	ck_assert_uint_lt(w->loglen + linelen, sizeof(w->log));
	memcpy(w->log + w->loglen, line, linelen);
	w->loglen += linelen;
	if (lands) {
		consent_recs_free(&w->rs);
		w->rs = rs;
		consent_register_free(w->r);
		w->r = r;
		memcpy(w->sha, sha, sizeof(sha));
	} else {
		consent_recs_free(&rs);
		consent_register_free(r);
	}
	if (strcmp(action, "add") != 0)
		consent_rec_free(&before);
	consent_rec_free(&after);
	free(line);
	free(text);
}

/* Parses and verifies; returns the number of problems. */
static int
world_verify(struct world *w, const char *log, size_t len,
    struct errlist *problems, struct errlist *notes)
{
	struct consent_audit a;
	int n;

	ck_assert_int_eq(consent_audit_parse(&a, "log", log, len, problems), 0);
	n = consent_audit_verify(&a, w->r, w->sha, problems, notes);
	ck_assert_int_ge(n, 0);
	consent_audit_free(&a);
	return (int)problems->n;
}

START_TEST(test_chain)
{
	struct errlist notes = { 0 };
	struct world w;
	char bad[65536], *p;
	size_t l1;

	world_init(&w);
	world_change(&w, "add", "acme", T_2026_03_02_0914, true);
	world_change(&w, "add", "globex", T_2026_03_02_0914, true);
	world_change(&w, "renew", "C-2026-0001", T_2027_01_05, true);
	world_change(&w, "revoke", "C-2026-0002", T_2027_01_05, true);
	ck_assert_msg(world_verify(&w, w.log, w.loglen, &errs, &notes) == 0,
	    "%s", errs_text());
	ck_assert_uint_eq(notes.n, 0);

	/* The first line starts the chain with zeros. */
	ck_assert_ptr_nonnull(strstr(w.log, "\"prev\":\"" CONSENT_AUDIT_ZERO
	    "\"}\n"));
	ck_assert_ptr_nonnull(strstr(w.log, "\"before\":null"));
	ck_assert_ptr_nonnull(strstr(w.log, "\"document_file\":null"));

	/* An altered line breaks the chain at the next one. */
	memcpy(bad, w.log, w.loglen);
	ck_assert_ptr_nonnull(p = strstr(bad, "\"countries\":[\"US\"]"));
	memcpy(p, "\"countries\":[\"CA\"]", 18);
	ck_assert_int_gt(world_verify(&w, bad, w.loglen, &errs, &notes), 0);
	ck_assert_msg(has_msg(&errs, "log:2: the hash chain is broken: "
	    "\"prev\" is not the SHA-256 of line 1"), "%s", errs_text());
	errlist_clear(&errs);

	/* So does a deleted first line. */
	l1 = (size_t)((char *)memchr(w.log, '\n', w.loglen) - w.log) + 1;
	ck_assert_int_gt(world_verify(&w, w.log + l1, w.loglen - l1, &errs,
	    &notes), 0);
	ck_assert_msg(has_msg(&errs, "log:1: the hash chain is broken: the "
	    "first line's \"prev\" must be 64 zeros"), "%s", errs_text());
	ck_assert_msg(has_msg(&errs, "C-2026-0001: in the register but never "
	    "recorded"), "%s", errs_text());
	errlist_clear(&errs);

	/* A line that is not JSON is named and the rest still checked. */
	memcpy(bad, "garbage\n", 8);
	memcpy(bad + 8, w.log + l1, w.loglen - l1);
	ck_assert_int_gt(world_verify(&w, bad, 8 + w.loglen - l1, &errs,
	    &notes), 0);
	ck_assert_msg(has_msg(&errs, "log:1: not an audit entry:"), "%s",
	    errs_text());
	errlist_clear(&errs);

	/* A register that differs from the log: every field is named. */
	world_change(&w, "add", "initech", T_2027_01_05, true);
	consent_register_free(w.r);
	{
		char *text;
		size_t len;

		free(w.rs.v[2].list[CE_COUNTRIES].v[0]);
		w.rs.v[2].list[CE_COUNTRIES].v[0] = strdup("CA");
		ck_assert_ptr_nonnull(text = consent_serialize(&w.rs, &len,
		    err, sizeof(err)));
		ck_assert_ptr_nonnull(w.r = consent_load_string("mem", text,
		    len, &eea, &errs));
		consent_sha256_hex(text, len, w.sha);
		free(text);
	}
	ck_assert_int_eq(world_verify(&w, w.log, w.loglen, &errs, &notes), 2);
	ck_assert_msg(has_msg(&errs, "the register was edited by hand after "
	    "2027-01-05T00:00:00Z (the last recorded change, log:5)"), "%s",
	    errs_text());
	ck_assert_msg(has_msg(&errs, "C-2027-0001: countries is [\"CA\"] in "
	    "the register but [\"US\"] in the audit log (log:5)"), "%s",
	    errs_text());
	errlist_clear(&errs);
	errlist_clear(&notes);
	world_free(&w);
}
END_TEST

START_TEST(test_interrupted)
{
	struct errlist notes = { 0 };
	struct world w;

	world_init(&w);
	world_change(&w, "add", "acme", T_2026_03_02_0914, true);
	/* Logged, then the writer died before the rename. */
	world_change(&w, "add", "globex", T_2026_03_02_0914, false);
	ck_assert_msg(world_verify(&w, w.log, w.loglen, &errs, &notes) == 0,
	    "%s", errs_text());
	ck_assert_uint_eq(notes.n, 1);
	ck_assert_ptr_nonnull(strstr(notes.msg[0], "log:2: interrupted change: "
	    "the add of C-2026-0002 by mb at 2026-03-02T09:14:00Z was logged "
	    "but never reached the register"));
	errlist_clear(&notes);

	/* The next change takes the same id and the log still replays. */
	world_change(&w, "add", "initech", T_2026_03_02_0914, true);
	ck_assert_str_eq(w.rs.v[1].str[CE_ID], "C-2026-0002");
	world_change(&w, "revoke", "C-2026-0002", T_2027_01_05, true);
	ck_assert_msg(world_verify(&w, w.log, w.loglen, &errs, &notes) == 0,
	    "%s", errs_text());
	ck_assert_uint_eq(notes.n, 1);
	errlist_clear(&notes);

	/* An incomplete last line is an interruption too, not tampering. */
	memcpy(w.log + w.loglen, "{\"ts\":\"20", 10);
	ck_assert_msg(world_verify(&w, w.log, w.loglen + 10, &errs,
	    &notes) == 0, "%s", errs_text());
	ck_assert_uint_eq(notes.n, 2);
	ck_assert_ptr_nonnull(strstr(notes.msg[1], "log:5: an incomplete last "
	    "line (10 bytes)"));
	errlist_clear(&notes);

	/* No log at all for a register with consents. */
	ck_assert_int_eq(world_verify(&w, "", 0, &errs, &notes), 1);
	ck_assert_str_eq(errs.msg[0], "no audit log: 2 consents were never "
	    "recorded through eeaguard consent");
	errlist_clear(&notes);
	world_free(&w);
}
END_TEST

START_TEST(test_describe)
{
	struct consent_rec a, b;
	struct json_object *x, *y;
	char *d;

	draft(&a, "acme", "US,CH");
	set(&a, CE_ID, "C-2026-0001");
	set(&a, CE_EXPIRES, "2027-03-01");
	ck_assert_int_eq(consent_rec_copy(&b, &a), 0);
	set(&b, CE_EXPIRES, "2028-03-01");
	set(&b, CE_DOCUMENT_SHA256, "");
	set(&b, CE_REVOKED, "true");
	ck_assert_ptr_nonnull(x = consent_rec_json(&a));
	ck_assert_ptr_nonnull(y = consent_rec_json(&b));
	ck_assert_ptr_nonnull(d = consent_describe_change(x, y));
	ck_assert_str_eq(d, "expires: 2027-03-01 -> 2028-03-01; revoked: no -> "
	    "yes");
	free(d);
	ck_assert_ptr_nonnull(d = consent_describe_change(NULL, x));
	ck_assert_str_eq(d, "customer acme; countries US, CH; purpose card "
	    "payment processing; document DMS-4711; signed 2026-03-01; "
	    "expires 2027-03-01");
	free(d);
	ck_assert_ptr_nonnull(d = consent_describe_change(x, x));
	ck_assert_str_eq(d, "(no change)");
	free(d);
	json_object_put(x);
	json_object_put(y);
	consent_rec_free(&a);
	consent_rec_free(&b);
}
END_TEST

static Suite *
consent_edit_suite(void)
{
	Suite *s = suite_create("consent_edit");
	TCase *tc;

	tc = tcase_create("records");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_fields);
	tcase_add_test(tc, test_rec_set);
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_own_comments);
	suite_add_tcase(s, tc);

	tc = tcase_create("edits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_next_id);
	tcase_add_test(tc, test_time);
	tcase_add_test(tc, test_edit_add);
	tcase_add_test(tc, test_edit_revoke_renew);
	tcase_add_test(tc, test_flow_allowed);
	suite_add_tcase(s, tc);

	tc = tcase_create("audit");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_audit_prev);
	tcase_add_test(tc, test_chain);
	tcase_add_test(tc, test_interrupted);
	tcase_add_test(tc, test_describe);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(consent_edit_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
