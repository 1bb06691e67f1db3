/* Unit tests for rules/policy: the decision table of DESIGN "Decision semantics". */
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rules/config.h"
#include "rules/consent.h"
#include "rules/policy.h"

static char dir[] = "/tmp/check_policy.XXXXXX";
static struct config *cfg;
static struct consent_register *reg;

static const char conf_text[] =
    "consent: { register = \"consent.conf\"; };\n"
    "policy: { unscoped = \"alert\"; };\n"
    "scopes = (\n"
    "  { name = \"acme-payroll\"; customers = [\"acme\"];\n"
    "    match = { src = [\"10.1.0.0/16\"]; dports = [443];\n"
    "              protocols = [\"tcp\"]; }; },\n"
    "  { name = \"shared\"; customers = [\"acme\", \"globex\"];\n"
    "    match = { dports = [8443]; }; },\n"
    "  { name = \"by-process\"; customers = [\"globex\"];\n"
    "    match = { uids = [1001]; comms = [\"payroll*\"]; }; },\n"
    "  { name = \"shadowed\"; customers = [\"initech\"];\n"
    "    match = { dports = [8443]; }; },\n"
    "  { name = \"nothing\"; customers = [\"initech\"]; match = { }; }\n"
    ");\n"
    "exempt = ( { dst = [\"198.51.100.53/32\"]; dports = [53];\n"
    "             reason = \"resolver\"; } );\n";

static const char reg_text[] =
    "consents = (\n"
    "  { id = \"C-1\"; customer = \"acme\"; countries = [\"US\"];\n"
    "    hosts = [\"api.stripe.com\", \"*.stripe.com\"]; ports = [443];\n"
    "    purpose = \"payments\"; document = \"DMS-1\";\n"
    "    granted_by = \"DPO Acme\"; signed = \"2026-01-01\";\n"
    "    expires = \"2027-01-01\"; },\n"
    "  { id = \"C-2\"; customer = \"acme\"; countries = [\"US\"];\n"
    "    networks = [\"198.51.100.0/24\"]; ports = [8443];\n"
    "    purpose = \"backup\"; document = \"DMS-2\";\n"
    "    granted_by = \"DPO Acme\"; signed = \"2026-01-01\"; },\n"
    "  { id = \"C-3\"; customer = \"globex\"; countries = [\"US\"];\n"
    "    networks = [\"2001:db8:1::/48\"];\n"
    "    purpose = \"support\"; document = \"DMS-3\";\n"
    "    granted_by = \"DPO Globex\"; signed = \"2026-01-01\"; },\n"
    "  { id = \"C-4\"; customer = \"acme\"; countries = [\"CN\"];\n"
    "    purpose = \"none\"; document = \"DMS-4\";\n"
    "    granted_by = \"DPO Acme\"; signed = \"2026-01-01\";\n"
    "    revoked = true; revoked_at = \"2026-02-01T00:00:00Z\";\n"
    "    revoked_by = \"legal\"; revoke_reason = \"contract ended\"; }\n"
    ");\n";

#define T_2026_06 1780000000LL	/* 2026-05-28 */
#define T_2027_01 1798761600LL	/* 2027-01-01T00:00:00Z */

static void
write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void
setup(void)
{
	struct errlist errs = { 0 };
	char path[256];

	strcpy(dir, "/tmp/check_policy.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	write_file("eeaguard.conf", conf_text);
	write_file("consent.conf", reg_text);
	snprintf(path, sizeof(path), "%s/eeaguard.conf", dir);
	cfg = config_load(path, &errs);
	if (cfg == NULL)
		errlist_print(&errs);
	ck_assert_ptr_nonnull(cfg);
	reg = consent_load(cfg->consent.register_path, &cfg->policy.eea, &errs);
	if (reg == NULL)
		errlist_print(&errs);
	ck_assert_ptr_nonnull(reg);
	errlist_clear(&errs);
}

static void
teardown(void)
{
	char path[256];

	consent_register_free(reg);
	config_free(cfg);
	snprintf(path, sizeof(path), "%s/eeaguard.conf", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/consent.conf", dir);
	unlink(path);
	rmdir(dir);
}

/* A TCP flow from 10.1.2.3 to dst:dport, country cc, nothing else known. */
static struct flow_facts
flow(const char *dst, uint16_t dport, const char *cc)
{
	struct flow_facts f;

	memset(&f, 0, sizeof(f));
	f.proto = IPPROTO_TCP;
	ck_assert_int_eq(ipaddr_parse("10.1.2.3", &f.src), 0);
	ck_assert_int_eq(ipaddr_parse(dst, &f.dst), 0);
	f.sport = 40000;
	f.dport = dport;
	f.cc = cc;
	f.uid = -1;
	return f;
}

static struct decision d;

static void
decide(const struct flow_facts *f, int64_t t)
{
	memset(&d, 0xa5, sizeof(d));
	policy_decide(cfg, reg, f, t, &d);
}

START_TEST(internal_first)
{
	struct flow_facts f = flow("10.2.3.4", 443, "US");

	decide(&f, T_2026_06);
	ck_assert_str_eq(policy_verdict_name(d.verdict), "allow-internal");
	ck_assert_str_eq(policy_action_name(d.action), "none");
	ck_assert_str_eq(d.reason, "10.0.0.0/8 is an internal network");
	ck_assert_ptr_null(d.scope);

	f = flow("fd00::1", 443, "--");
	decide(&f, T_2026_06);
	ck_assert_int_eq(d.verdict, VERDICT_ALLOW_INTERNAL);
}
END_TEST

START_TEST(exempt_before_eea)
{
	struct flow_facts f = flow("198.51.100.53", 53, "US");

	f.proto = IPPROTO_UDP;
	decide(&f, T_2026_06);
	ck_assert_str_eq(policy_verdict_name(d.verdict), "exempt");
	ck_assert_str_eq(d.reason, "exempt: resolver");
	ck_assert_ptr_nonnull(d.exempt);

	/* The exemption is for port 53 only. */
	f = flow("198.51.100.53", 443, "US");
	decide(&f, T_2026_06);
	ck_assert_int_eq(d.verdict, VERDICT_VIOLATION);
}
END_TEST

START_TEST(eea_allowed)
{
	const char *eea[] = { "NL", "DE", "IS", "NO", "LI", "AX", "GF",
	    "RE", "MF" };

	for (size_t i = 0; i < sizeof(eea) / sizeof(eea[0]); i++) {
		struct flow_facts f = flow("192.0.2.7", 443, eea[i]);

		decide(&f, T_2026_06);
		ck_assert_str_eq(policy_verdict_name(d.verdict), "allow-eea");
		ck_assert_int_eq(d.action, ACTION_NONE);
	}
}
END_TEST

START_TEST(consent_by_host)
{
	struct flow_facts f = flow("198.51.100.7", 443, "US");

	f.host = "api.stripe.com";
	decide(&f, T_2026_06);
	ck_assert_str_eq(policy_verdict_name(d.verdict), "allow-consent");
	ck_assert_int_eq(d.action, ACTION_NONE);
	ck_assert_uint_eq(d.n_consents, 1);
	ck_assert_str_eq(d.consents[0]->id, "C-1");
	ck_assert_str_eq(d.scope->name, "acme-payroll");
	ck_assert_str_eq(d.reason, "US is outside the EEA; the transfer to "
	    "api.stripe.com:443 is covered by consent C-1");

	f.host = "files.stripe.com";
	decide(&f, T_2026_06);
	ck_assert_int_eq(d.verdict, VERDICT_ALLOW_CONSENT);
}
END_TEST

START_TEST(consent_needs_known_host)
{
	struct flow_facts f = flow("198.51.100.7", 443, "US");

	decide(&f, T_2026_06);
	ck_assert_str_eq(policy_verdict_name(d.verdict), "violation");
	ck_assert_str_eq(policy_action_name(d.action), "alert");
	ck_assert_uint_eq(d.n_consents, 0);
	ck_assert_str_eq(d.reason, "US is outside the EEA and customer acme "
	    "has no consent covering 198.51.100.7:443");

	f.host = "stripe.com.evil.example";
	decide(&f, T_2026_06);
	ck_assert_int_eq(d.verdict, VERDICT_VIOLATION);
	ck_assert_str_eq(d.reason, "US is outside the EEA and customer acme "
	    "has no consent covering stripe.com.evil.example:443");
}
END_TEST

START_TEST(consent_expiry_by_packet_time)
{
	struct flow_facts f = flow("198.51.100.7", 443, "US");

	f.host = "api.stripe.com";
	decide(&f, T_2027_01 - 1);
	ck_assert_int_eq(d.verdict, VERDICT_ALLOW_CONSENT);
	decide(&f, T_2027_01);
	ck_assert_int_eq(d.verdict, VERDICT_VIOLATION);
}
END_TEST

START_TEST(every_customer_must_consent)
{
	/* shared scope: acme holds C-2 for this network, globex nothing. */
	struct flow_facts f = flow("198.51.100.7", 8443, "US");

	decide(&f, T_2026_06);
	ck_assert_int_eq(d.verdict, VERDICT_VIOLATION);
	ck_assert_str_eq(d.scope->name, "shared");
	ck_assert_str_eq(d.reason, "US is outside the EEA and customer globex "
	    "has no consent covering 198.51.100.7:8443");

	/* IPv6: globex holds C-3 for 2001:db8:1::/48, acme nothing there. */
	f = flow("2001:db8:1::5", 8443, "US");
	decide(&f, T_2026_06);
	ck_assert_int_eq(d.verdict, VERDICT_VIOLATION);
	ck_assert_str_eq(d.reason, "US is outside the EEA and customer acme "
	    "has no consent covering [2001:db8:1::5]:8443");

	/* Neither customer: both named. */
	f = flow("203.0.113.9", 8443, "US");
	decide(&f, T_2026_06);
	ck_assert_str_eq(d.reason, "US is outside the EEA and customers acme, "
	    "globex have no consent covering 203.0.113.9:8443");
}
END_TEST

START_TEST(all_customers_consent)
{
	struct consent_register *old = reg;
	struct errlist errs = { 0 };
	char path[256];

	/* Give acme a consent for the IPv6 network too. */
	write_file("consent2.conf",
	    "consents = (\n"
	    "  { id = \"A\"; customer = \"acme\"; countries = [\"US\"];\n"
	    "    networks = [\"2001:db8::/32\"]; purpose = \"p\";\n"
	    "    document = \"d\"; granted_by = \"g\"; signed = \"2026-01-01\"; },\n"
	    "  { id = \"G\"; customer = \"globex\"; countries = [\"US\"];\n"
	    "    ports = [8443]; purpose = \"p\";\n"
	    "    document = \"d\"; granted_by = \"g\"; signed = \"2026-01-01\"; }\n"
	    ");\n");
	snprintf(path, sizeof(path), "%s/consent2.conf", dir);
	reg = consent_load(path, &cfg->policy.eea, &errs);
	ck_assert_ptr_nonnull(reg);

	struct flow_facts f = flow("2001:db8:1::5", 8443, "US");
	decide(&f, T_2026_06);
	ck_assert_str_eq(policy_verdict_name(d.verdict), "allow-consent");
	ck_assert_uint_eq(d.n_consents, 2);
	ck_assert_str_eq(d.consents[0]->id, "A");
	ck_assert_str_eq(d.consents[1]->id, "G");
	ck_assert_str_eq(d.reason, "US is outside the EEA; the transfer to "
	    "[2001:db8:1::5]:8443 is covered by consent A, G");

	consent_register_free(reg);
	reg = old;
	unlink(path);
}
END_TEST

START_TEST(revoked_never_allows)
{
	struct flow_facts f = flow("203.0.113.9", 8443, "CN");

	/* C-4 is acme's for CN, revoked; the scope also needs globex. */
	decide(&f, T_2026_06 - 86400 * 140);	/* before revoked_at */
	ck_assert_int_eq(d.verdict, VERDICT_VIOLATION);
	ck_assert_str_eq(d.reason, "CN is outside the EEA and customers acme, "
	    "globex have no consent covering 203.0.113.9:8443");
}
END_TEST

START_TEST(unscoped_each_mode)
{
	struct flow_facts f = flow("203.0.113.9", 22, "US");

	decide(&f, T_2026_06);
	ck_assert_str_eq(policy_verdict_name(d.verdict), "unscoped");
	ck_assert_str_eq(policy_action_name(d.action), "alert");
	ck_assert_ptr_null(d.scope);
	ck_assert_str_eq(d.reason, "US is outside the EEA and the flow to "
	    "203.0.113.9:22 matches no scope");

	cfg->policy.unscoped = UNSCOPED_IGNORE;
	decide(&f, T_2026_06);
	ck_assert_int_eq(d.verdict, VERDICT_UNSCOPED);
	ck_assert_int_eq(d.action, ACTION_NONE);

	cfg->policy.unscoped = UNSCOPED_BLOCK;
	decide(&f, T_2026_06);
	ck_assert_int_eq(d.action, ACTION_ALERT);	/* monitor never blocks */
	cfg->agent.mode = MODE_ENFORCE;
	decide(&f, T_2026_06);
	ck_assert_int_eq(d.action, ACTION_BLOCK);
}
END_TEST

START_TEST(enforce_blocks_violations)
{
	struct flow_facts f = flow("198.51.100.7", 443, "US");

	cfg->agent.mode = MODE_ENFORCE;
	decide(&f, T_2026_06);
	ck_assert_int_eq(d.verdict, VERDICT_VIOLATION);
	ck_assert_str_eq(policy_action_name(d.action), "block");
}
END_TEST

START_TEST(unknown_and_region_fail_closed)
{
	struct flow_facts f = flow("198.51.100.7", 443, "--");

	decide(&f, T_2026_06);
	ck_assert_int_eq(d.verdict, VERDICT_VIOLATION);
	ck_assert_str_eq(d.reason, "the geodb has no country for 198.51.100.7 "
	    "(treated as outside the EEA) and customer acme has no consent "
	    "covering 198.51.100.7:443");

	f.cc = "EU";
	decide(&f, T_2026_06);
	ck_assert_int_eq(d.verdict, VERDICT_VIOLATION);
	ck_assert_ptr_nonnull(strstr(d.reason, "EU is a region code, not a "
	    "country (treated as outside the EEA)"));

	f.cc = "SJ";	/* Svalbard: outside the EEA agreement */
	decide(&f, T_2026_06);
	ck_assert_int_eq(d.verdict, VERDICT_VIOLATION);
}
END_TEST

START_TEST(scope_by_process)
{
	struct flow_facts f = flow("203.0.113.9", 22, "US");

	f.sport = 1234;
	ck_assert_int_eq(ipaddr_parse("192.0.2.10", &f.src), 0);
	f.uid = 1001;
	f.comm = "payroll-export";
	decide(&f, T_2026_06);
	ck_assert_int_eq(d.verdict, VERDICT_VIOLATION);
	ck_assert_str_eq(d.scope->name, "by-process");

	f.comm = "backup";		/* comm does not match */
	decide(&f, T_2026_06);
	ck_assert_int_eq(d.verdict, VERDICT_UNSCOPED);

	f.comm = NULL;			/* unknown (offline replay) */
	decide(&f, T_2026_06);
	ck_assert_int_eq(d.verdict, VERDICT_UNSCOPED);
}
END_TEST

START_TEST(scope_file_order_and_criteria)
{
	struct flow_facts f = flow("203.0.113.9", 8443, "US");

	/* "shared" and "shadowed" both fit: the first in file order wins. */
	ck_assert_str_eq(policy_find_scope(cfg, &f)->name, "shared");

	/* acme-payroll needs TCP from 10.1/16 to 443. */
	f = flow("203.0.113.9", 443, "US");
	ck_assert_str_eq(policy_find_scope(cfg, &f)->name, "acme-payroll");
	f.proto = IPPROTO_UDP;
	ck_assert_ptr_null(policy_find_scope(cfg, &f));
	f.proto = IPPROTO_TCP;
	ck_assert_int_eq(ipaddr_parse("10.2.0.1", &f.src), 0);
	ck_assert_ptr_null(policy_find_scope(cfg, &f));

	/* The empty match matches nothing. */
	ck_assert(!policy_scope_matches(&cfg->scopes[4].match, &f));
}
END_TEST

START_TEST(decide_without_register)
{
	struct flow_facts f = flow("198.51.100.7", 443, "US");

	f.host = "api.stripe.com";
	memset(&d, 0, sizeof(d));
	policy_decide(cfg, NULL, &f, T_2026_06, &d);
	ck_assert_int_eq(d.verdict, VERDICT_VIOLATION);
}
END_TEST

static Suite *
policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("decide");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, internal_first);
	tcase_add_test(tc, exempt_before_eea);
	tcase_add_test(tc, eea_allowed);
	tcase_add_test(tc, consent_by_host);
	tcase_add_test(tc, consent_needs_known_host);
	tcase_add_test(tc, consent_expiry_by_packet_time);
	tcase_add_test(tc, every_customer_must_consent);
	tcase_add_test(tc, all_customers_consent);
	tcase_add_test(tc, revoked_never_allows);
	tcase_add_test(tc, unscoped_each_mode);
	tcase_add_test(tc, enforce_blocks_violations);
	tcase_add_test(tc, unknown_and_region_fail_closed);
	tcase_add_test(tc, scope_by_process);
	tcase_add_test(tc, scope_file_order_and_criteria);
	tcase_add_test(tc, decide_without_register);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(policy_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
