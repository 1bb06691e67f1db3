/* Unit tests for rules/consent.c: register parsing, validation and matching. */
#include <check.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rules/consent.h"

/* One consent's required fields except id, on one line. */
#define BASE "customer = \"acme\"; countries = [\"US\"]; " \
	"purpose = \"payments\"; document = \"DMS-1\"; " \
	"granted_by = \"J. Doe\"; signed = \"2026-03-01\";"

static const char *const base_fields[][2] = {
	{ "customer =", "customer = \"acme\"; " },
	{ "countries =", "countries = [\"US\"]; " },
	{ "purpose =", "purpose = \"payments\"; " },
	{ "document =", "document = \"DMS-1\"; " },
	{ "granted_by =", "granted_by = \"J. Doe\"; " },
	{ "signed =", "signed = \"2026-03-01\"; " },
};

#define T_2026_03_01	INT64_C(1772323200)
#define T_2026_06_01	INT64_C(1780272000)
#define T_2027_03_01	INT64_C(1803859200)

static char dir[64];
static char path[128];
static struct errlist errs;
static struct country_set eea;

/*
 * The directory is made and removed in the parent (an unchecked fixture):
 * a failing test ends its forked child before a checked teardown could run.
 */
static void
dir_setup(void)
{
	strcpy(dir, "/tmp/check_consent.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(EXIT_FAILURE);
	}
	snprintf(path, sizeof(path), "%s/consent.conf", dir);
	country_set_eea_default(&eea);
}

static void
dir_teardown(void)
{
	char p[512];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static void
setup(void)
{
	memset(&errs, 0, sizeof(errs));
}

static void
teardown(void)
{
	errlist_clear(&errs);
}

static void
write_bytes(const char *p, const char *text, size_t len)
{
	FILE *f;

	ck_assert_ptr_nonnull(f = fopen(p, "w"));
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

static struct consent_register *
load(const char *text)
{
	write_bytes(path, text, strlen(text));
	return consent_load(path, &eea, &errs);
}

static const char *
errs_text(void)
{
	static char buf[16384];

	return errlist_join(&errs, buf, sizeof(buf));
}

static bool
has_err(int line, const char *setting, const char *msg)
{
	char want[2048];
	size_t i;

	if (line > 0)
		snprintf(want, sizeof(want), "%s:%d: %s: %s", path, line,
		    setting, msg);
	else
		snprintf(want, sizeof(want), "%s: %s", path, msg);
	for (i = 0; i < errs.n; i++)
		if (strcmp(errs.msg[i], want) == 0)
			return true;
	return false;
}

#define ck_assert_err(line, setting, msg)				\
	ck_assert_msg(has_err(line, setting, msg),			\
	    "missing error \"%s:%d: %s: %s\"; got: %s", path, line,	\
	    setting, msg, errs_text())

/* The register must be refused with exactly one error, the one given. */
#define ck_assert_only_err(text, line, setting, msg) do {		\
	struct consent_register *r_ = load(text);			\
	ck_assert_msg(r_ == NULL, "register accepted");			\
	ck_assert_err(line, setting, msg);				\
	ck_assert_msg(errs.n == 1, "expected 1 error, got %zu: %s",	\
	    errs.n, errs_text());					\
	errlist_clear(&errs);						\
} while (0)

/*
 * BASE's fields without those extra sets (libconfig refuses a field given
 * twice), then extra. Up to 16 results stay valid at once.
 */
static const char *
fields(const char *extra)
{
	static char pool[16][2048];
	static unsigned next;
	char *buf = pool[next++ % 16];
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < sizeof(base_fields) / sizeof(base_fields[0]); i++)
		if (strstr(extra, base_fields[i][0]) == NULL)
			strcat(buf, base_fields[i][1]);
	strcat(buf, extra);
	return buf;
}

/* A register of one consent, C-1 on line 2. */
static const char *
one(const char *extra)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf), "consents = (\n{ id = \"C-1\"; %s }\n);\n",
	    fields(extra));
	return buf;
}

static struct ipaddr
addr(const char *s)
{
	struct ipaddr a;

	ck_assert_msg(ipaddr_parse(s, &a) == 0, "bad test address %s", s);
	return a;
}

START_TEST(test_load_valid)
{
	const char *text =
	    "# a register\n"
	    "consents = (\n"
	    "  {\n"
	    "    id = \"C-2026-0001\"; customer = \"acme\";\n"
	    "    countries = [\"US\", \"CH\"];\n"
	    "    hosts = [\"API.Stripe.COM.\", \"*.stripe.com\"];\n"
	    "    networks = [\"192.0.2.0/24\", \"2001:db8::/32\"];\n"
	    "    ports = [443, 8443];\n"
	    "    purpose = \"card payment processing\";\n"
	    "    subprocessor = \"Stripe, Inc.\";\n"
	    "    document = \"DMS-4711\";\n"
	    "    document_sha256 = \"2790021A47C416D849E4A1D4AF3BE00B69C7EEA283FCDEBB3E46FBD8024B54DB\";\n"
	    "    granted_by = \"J. de Vries\"; signed = \"2026-02-20\";\n"
	    "    valid_from = \"2026-03-01\"; expires = \"2027-03-01\";\n"
	    "    recorded_by = \"mbakker\"; recorded_at = \"2026-03-02T09:14:00Z\";\n"
	    "    revoked = false; revoked_at = \"\"; revoked_by = \"\"; revoke_reason = \"\";\n"
	    "  },\n"
	    "  { id = \"C-2026-0002\"; customer = \"globex\"; countries = [\"JP\"];\n"
	    "    purpose = \"p\"; document = \"d\"; granted_by = \"g\"; signed = \"2026-06-01\"; }\n"
	    ");\n";
	struct consent_register *r;
	const struct consent *c;
	char buf[IPPREFIX_STRLEN];

	r = load(text);
	ck_assert_msg(r != NULL, "refused: %s", errs_text());
	ck_assert_uint_eq(errs.n, 0);
	ck_assert_str_eq(r->path, path);
	ck_assert_uint_eq(r->n, 2);
	c = &r->v[0];
	ck_assert_int_eq(c->line, 3);
	ck_assert_str_eq(c->id, "C-2026-0001");
	ck_assert_str_eq(c->customer, "acme");
	ck_assert_uint_eq(c->countries.n, 2);
	ck_assert_str_eq(c->countries.v[0], "US");
	ck_assert_str_eq(c->countries.v[1], "CH");
	ck_assert(country_set_has(&c->country_set, "US"));
	ck_assert(country_set_has(&c->country_set, "CH"));
	ck_assert_uint_eq(country_set_count(&c->country_set), 2);
	ck_assert_uint_eq(c->hosts.n, 2);
	ck_assert_str_eq(c->hosts.v[0], "api.stripe.com");
	ck_assert_str_eq(c->hosts.v[1], "*.stripe.com");
	ck_assert_uint_eq(c->networks.n, 2);
	ck_assert_str_eq(ipprefix_format(&c->networks.v[0], buf), "192.0.2.0/24");
	ck_assert_str_eq(ipprefix_format(&c->networks.v[1], buf), "2001:db8::/32");
	ck_assert_uint_eq(c->ports.n, 2);
	ck_assert_uint_eq(c->ports.v[0], 443);
	ck_assert_uint_eq(c->ports.v[1], 8443);
	ck_assert_str_eq(c->purpose, "card payment processing");
	ck_assert_str_eq(c->subprocessor, "Stripe, Inc.");
	ck_assert_str_eq(c->document, "DMS-4711");
	ck_assert_str_eq(c->document_sha256,
	    "2790021a47c416d849e4a1d4af3be00b69c7eea283fcdebb3e46fbd8024b54db");
	ck_assert_str_eq(c->granted_by, "J. de Vries");
	ck_assert_str_eq(c->signed_on, "2026-02-20");
	ck_assert_str_eq(c->valid_from_s, "2026-03-01");
	ck_assert_str_eq(c->expires_s, "2027-03-01");
	ck_assert_int_eq(c->valid_from, T_2026_03_01);
	ck_assert_int_eq(c->expires, T_2027_03_01);
	ck_assert_str_eq(c->recorded_by, "mbakker");
	ck_assert_str_eq(c->recorded_at, "2026-03-02T09:14:00Z");
	ck_assert(!c->revoked);
	ck_assert_str_eq(c->revoked_at, "");

	/* Left out: optional text is "", valid_from is signed, no expiry. */
	c = &r->v[1];
	ck_assert_int_eq(c->line, 18);
	ck_assert_str_eq(c->customer, "globex");
	ck_assert_uint_eq(c->hosts.n, 0);
	ck_assert_uint_eq(c->networks.n, 0);
	ck_assert_uint_eq(c->ports.n, 0);
	ck_assert_str_eq(c->subprocessor, "");
	ck_assert_str_eq(c->document_sha256, "");
	ck_assert_str_eq(c->valid_from_s, "");
	ck_assert_str_eq(c->expires_s, "");
	ck_assert_str_eq(c->recorded_by, "");
	ck_assert_str_eq(c->recorded_at, "");
	ck_assert_str_eq(c->revoked_at, "");
	ck_assert_str_eq(c->revoked_by, "");
	ck_assert_str_eq(c->revoke_reason, "");
	ck_assert_int_eq(c->valid_from, T_2026_06_01);
	ck_assert(c->expires == CONSENT_TIME_MAX);
	consent_register_free(r);
}
END_TEST

START_TEST(test_load_empty)
{
	struct consent_register *r;

	r = load("# nothing recorded yet\n");
	ck_assert_msg(r != NULL, "%s", errs_text());
	ck_assert_uint_eq(r->n, 0);
	consent_register_free(r);
	r = load("consents = ();\n");
	ck_assert_msg(r != NULL, "%s", errs_text());
	ck_assert_uint_eq(r->n, 0);
	consent_register_free(r);
	r = load("consents = [];\n");
	ck_assert_msg(r != NULL, "%s", errs_text());
	ck_assert_uint_eq(r->n, 0);
	consent_register_free(r);

	ck_assert_ptr_nonnull(r = consent_register_empty());
	ck_assert_ptr_null(r->path);
	ck_assert_uint_eq(r->n, 0);
	/* The SHA-256 of no bytes: an empty file and no file are alike. */
	ck_assert_uint_eq(r->sha256[0], 0xe3);
	ck_assert_uint_eq(r->sha256[31], 0x55);
	ck_assert_uint_eq(consent_match(r, "acme", "US", NULL, NULL, 443, 0,
	    NULL, 0), 0);
	consent_register_free(r);
	consent_register_free(NULL);
}
END_TEST

START_TEST(test_required)
{
	struct consent_register *r;

	r = load("consents = (\n{ id = \"C-1\"; }\n);\n");
	ck_assert_ptr_null(r);
	ck_assert_err(2, "consents[0].customer", "customer is required: name "
	    "the customer who gave the consent, as the scopes in "
	    "eeaguard.conf name it");
	ck_assert_err(2, "consents[0].countries", "countries is required: "
	    "name the countries outside the EEA that the data may go to");
	ck_assert_err(2, "consents[0].purpose", "purpose is required: a "
	    "consent is given for a stated purpose");
	ck_assert_err(2, "consents[0].document", "document is required: "
	    "without a written document there is no consent");
	ck_assert_err(2, "consents[0].granted_by", "granted_by is required: "
	    "name who signed the consent for the customer");
	ck_assert_err(2, "consents[0].signed", "signed is required: the "
	    "date the customer signed the document, as YYYY-MM-DD");
	ck_assert_uint_eq(errs.n, 6);
	errlist_clear(&errs);

	ck_assert_only_err("consents = (\n{ " BASE " }\n);\n", 2,
	    "consents[0].id", "id is required: each consent needs its own "
	    "identifier, such as \"C-2026-0001\"");
	/* Present but empty is no better than absent; the line is the field's. */
	ck_assert_only_err(one("\ndocument = \"  \";"), 3,
	    "consents[0].document",
	    "document is required: without a written document there is no "
	    "consent");
	ck_assert_only_err(one("\ncountries = [];"), 3,
	    "consents[0].countries",
	    "countries is empty: name the countries outside the EEA that the "
	    "data may go to");
}
END_TEST

START_TEST(test_id)
{
	ck_assert_only_err("consents = (\n{ id = \"C 1\"; " BASE " }\n);\n",
	    2, "consents[0].id", "id 'C 1' contains a space or control "
	    "character: use letters, digits and '-', as in \"C-2026-0001\"");
	ck_assert_only_err("consents = (\n"
	    "{ id = \"C-1\"; " BASE " },\n"
	    "{ id = \"C-2\"; " BASE " },\n"
	    "{ " BASE "\n"
	    "  id = \"C-1\"; }\n);\n", 5, "consents[2].id", "id 'C-1' is "
	    "already used by the consent at line 2: each consent needs its "
	    "own id");
}
END_TEST

START_TEST(test_countries)
{
	ck_assert_only_err(one("countries = [\"UK\"];"), 2,
	    "consents[0].countries[0]",
	    "unknown country code 'UK' \xe2\x80\x94 did you mean GB?");
	ck_assert_only_err(one("countries = [\"us\"];"), 2,
	    "consents[0].countries[0]",
	    "unknown country code 'us' \xe2\x80\x94 did you mean US?");
	ck_assert_only_err(one("countries = [\"XX\"];"), 2,
	    "consents[0].countries[0]", "unknown country code 'XX' (valid: "
	    "ISO 3166-1 two-letter codes such as US, CH, JP)");
	ck_assert_only_err(one("countries = [\"EU\"];"), 2,
	    "consents[0].countries[0]", "'EU' is a region code, not a "
	    "country: name the countries themselves");
	ck_assert_only_err(one("countries = [\"US\", \"NL\"];"), 2,
	    "consents[0].countries[1]",
	    "NL is inside the EEA: no consent is needed");
	ck_assert_only_err(one("countries = [\"US\", \"CH\", \"US\"];"), 2,
	    "consents[0].countries[2]", "US is listed twice");
	ck_assert_only_err(one("countries = (\"US\", 5);"), 2,
	    "consents[0].countries[1]", "expected a country code in double "
	    "quotes, such as \"US\", found a number");
	ck_assert_only_err(one("countries = \"US\";"), 2,
	    "consents[0].countries", "expected a list of country codes in "
	    "square brackets, as in [\"US\", \"CH\"], found text");
	/* Svalbard is outside the EEA agreement, the outermost regions in. */
	ck_assert_only_err(one("countries = [\"SJ\", \"GF\"];"), 2,
	    "consents[0].countries[1]",
	    "GF is inside the EEA: no consent is needed");
}
END_TEST

START_TEST(test_hosts)
{
	static const struct {
		const char *host;
		const char *why;
	} bad[] = {
		{ "*", "a bare '*' would cover every host: name the domain, "
		    "as in \"*.example.com\"" },
		{ "foo.*.com", "'*' may only stand alone as the first label, "
		    "as in \"*.example.com\"" },
		{ "*foo.com", "'*' may only stand alone as the first label, "
		    "as in \"*.example.com\"" },
		{ "*.*.com", "'*' may only stand alone as the first label, "
		    "as in \"*.example.com\"" },
		{ "-a.com", "a label may not start or end with '-'" },
		{ "a-.com", "a label may not start or end with '-'" },
		{ "a..com", "it has an empty label (two dots in a row, or a "
		    "leading dot)" },
		{ ".a.com", "it has an empty label (two dots in a row, or a "
		    "leading dot)" },
		{ "a.com..", "it has an empty label (two dots in a row, or a "
		    "leading dot)" },
		{ "", "it is empty" },
		{ "a_b.com", "'_' is not allowed in a host name (valid: "
		    "letters, digits, '-' and dots)" },
		{ "a b.com", "' ' is not allowed in a host name (valid: "
		    "letters, digits, '-' and dots)" },
		{ "b\xc3\xbc" "cher.de", "it is not plain ASCII: write an "
		    "international name in its xn-- form" },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com",
		    "a label is longer than 63 characters" },
	};
	char extra[1024], msg[1024], longname[300];
	struct consent_register *r;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(extra, sizeof(extra), "hosts = [\"%s\"];",
		    bad[i].host);
		snprintf(msg, sizeof(msg), "'%s' is not a host name: %s "
		    "(valid: a name such as \"api.stripe.com\", or "
		    "\"*.stripe.com\" for every name under stripe.com)",
		    bad[i].host, bad[i].why);
		ck_assert_only_err(one(extra), 2, "consents[0].hosts[0]", msg);
	}

	/* 63 + 1 + 63 + 1 + 63 + 1 + 63 = 255 characters: too long. */
	memset(longname, 'a', 255);
	longname[63] = longname[127] = longname[191] = '.';
	longname[255] = '\0';
	snprintf(extra, sizeof(extra), "hosts = [\"%s\"];", longname);
	snprintf(msg, sizeof(msg), "'%s' is not a host name: it is longer "
	    "than 253 characters (valid: a name such as \"api.stripe.com\", "
	    "or \"*.stripe.com\" for every name under stripe.com)", longname);
	ck_assert_only_err(one(extra), 2, "consents[0].hosts[0]", msg);

	ck_assert_only_err(one("hosts = [\"192.0.2.1\"];"), 2,
	    "consents[0].hosts[0]", "'192.0.2.1' is an address, not a host "
	    "name: list it under networks instead");
	ck_assert_only_err(one("hosts = [\"2001:db8::1\"];"), 2,
	    "consents[0].hosts[0]", "'2001:db8::1' is an address, not a host "
	    "name: list it under networks instead");
	ck_assert_only_err(one("hosts = \"a.com\";"), 2, "consents[0].hosts",
	    "expected a list of host names in square brackets, as in "
	    "[\"api.stripe.com\", \"*.stripe.com\"], found text");

	/* Accepted forms, normalised: lower case, no trailing dot. */
	longname[251] = '\0';
	snprintf(extra, sizeof(extra), "hosts = [\"*.com\", \"X-1.Example.\", "
	    "\"localhost\", \"%s\"];", longname);
	r = load(one(extra));
	ck_assert_msg(r != NULL, "%s", errs_text());
	ck_assert_uint_eq(r->v[0].hosts.n, 4);
	ck_assert_str_eq(r->v[0].hosts.v[0], "*.com");
	ck_assert_str_eq(r->v[0].hosts.v[1], "x-1.example");
	ck_assert_str_eq(r->v[0].hosts.v[2], "localhost");
	ck_assert_str_eq(r->v[0].hosts.v[3], longname);
	consent_register_free(r);
}
END_TEST

START_TEST(test_networks_ports)
{
	struct ipprefix p;
	const char *why = NULL;
	char msg[512];

	ck_assert_int_eq(ipprefix_parse("10.1.2.3/16", &p, &why), -1);
	ck_assert_ptr_nonnull(why);
	snprintf(msg, sizeof(msg), "'10.1.2.3/16' is not a network: %s", why);
	ck_assert_only_err(one("networks = [\"192.0.2.0/24\", \"10.1.2.3/16\"];"),
	    2, "consents[0].networks[1]", msg);
	ck_assert_int_eq(ipprefix_parse("example.com", &p, &why), -1);
	snprintf(msg, sizeof(msg), "'example.com' is not a network: %s", why);
	ck_assert_only_err(one("networks = [\"example.com\"];"), 2,
	    "consents[0].networks[0]", msg);
	ck_assert_only_err(one("networks = [24];"), 2,
	    "consents[0].networks[0]", "expected a network in double quotes, "
	    "such as \"192.0.2.0/24\", found a number");

	ck_assert_only_err(one("ports = [443, 0];"), 2, "consents[0].ports[1]",
	    "0 is not a port number (valid: 1-65535)");
	ck_assert_only_err(one("ports = [70000];"), 2, "consents[0].ports[0]",
	    "70000 is not a port number (valid: 1-65535)");
	ck_assert_only_err(one("ports = [-1];"), 2, "consents[0].ports[0]",
	    "-1 is not a port number (valid: 1-65535)");
	ck_assert_only_err(one("ports = [\"443\"];"), 2, "consents[0].ports[0]",
	    "expected a port number (1-65535), found text");
	ck_assert_only_err(one("ports = 443;"), 2, "consents[0].ports",
	    "expected a list of port numbers in square brackets, as in "
	    "[443], found a number");
}
END_TEST

START_TEST(test_document_sha256)
{
	static const char *const bad[] = {
		"abc",
		"2790021a47c416d849e4a1d4af3be00b69c7eea283fcdebb3e46fbd8024b54d",
		"2790021a47c416d849e4a1d4af3be00b69c7eea283fcdebb3e46fbd8024b54dbb",
		"2790021a47c416d849e4a1d4af3be00b69c7eea283fcdebb3e46fbd8024b54dg",
		" 790021a47c416d849e4a1d4af3be00b69c7eea283fcdebb3e46fbd8024b54db",
	};
	char extra[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(extra, sizeof(extra), "document_sha256 = \"%s\";",
		    bad[i]);
		ck_assert_only_err(one(extra), 2, "consents[0].document_sha256",
		    "expected the 64 hexadecimal digits of the signed "
		    "document's SHA-256 (as sha256sum prints them), or \"\"");
	}
}
END_TEST

START_TEST(test_dates)
{
	struct consent_register *r;

	ck_assert_only_err("consents = (\n{ id = \"C-1\"; " BASE "\n"
	    "valid_from = \"2026-03-01\";\n expires = \"2025-01-01\"; }\n);\n",
	    4, "consents[0].expires", "expires 2025-01-01 is before "
	    "valid-from 2026-03-01: the consent would never be in force");
	ck_assert_only_err(one("valid_from = \"2026-06-01\"; "
	    "expires = \"2026-06-01T00:00:00Z\";"), 2, "consents[0].expires",
	    "expires 2026-06-01T00:00:00Z is the same as valid-from "
	    "2026-06-01: the consent would never be in force");
	ck_assert_only_err(one("expires = \"2026-02-01\";"), 2,
	    "consents[0].expires", "expires 2026-02-01 is before the signing "
	    "date 2026-03-01: the consent would never be in force");
	ck_assert_only_err(
	    "consents = (\n{ id = \"C-1\"; customer = \"acme\"; "
	    "countries = [\"US\"]; purpose = \"p\"; document = \"d\"; "
	    "granted_by = \"g\";\n signed = \"2026-02-30\"; }\n);\n", 3,
	    "consents[0].signed", "'2026-02-30' is not a valid date (valid: "
	    "YYYY-MM-DD, or a time as YYYY-MM-DDTHH:MM:SSZ in UTC or with an "
	    "offset such as +02:00)");
	ck_assert_only_err(one("valid_from = \"1 March 2026\";"), 2,
	    "consents[0].valid_from", "'1 March 2026' is not a valid date "
	    "(valid: YYYY-MM-DD, or a time as YYYY-MM-DDTHH:MM:SSZ in UTC or "
	    "with an offset such as +02:00)");
	ck_assert_only_err(one("recorded_at = \"2026-03-02 09:14\";"), 2,
	    "consents[0].recorded_at", "'2026-03-02 09:14' is not a valid date "
	    "(valid: YYYY-MM-DD, or a time as YYYY-MM-DDTHH:MM:SSZ in UTC or "
	    "with an offset such as +02:00)");
	ck_assert_only_err(one("revoked = true; revoked_at = \"yesterday\";"),
	    2, "consents[0].revoked_at", "'yesterday' is not a valid date "
	    "(valid: YYYY-MM-DD, or a time as YYYY-MM-DDTHH:MM:SSZ in UTC or "
	    "with an offset such as +02:00)");

	/* Empty valid_from means "from signed"; empty expires, open-ended. */
	r = load(one("valid_from = \"\"; expires = \"\"; recorded_at = \"\";"
	    " revoked = true; revoked_at = \"2026-04-01T12:00:00+02:00\";"));
	ck_assert_msg(r != NULL, "%s", errs_text());
	ck_assert_int_eq(r->v[0].valid_from, T_2026_03_01);
	ck_assert(r->v[0].expires == CONSENT_TIME_MAX);
	ck_assert(r->v[0].revoked);
	ck_assert_str_eq(r->v[0].revoked_at, "2026-04-01T12:00:00+02:00");
	consent_register_free(r);
}
END_TEST

START_TEST(test_types_and_unknown)
{
	ck_assert_only_err(one("purpose2 = \"x\";"), 2,
	    "consents[0].purpose2", "unknown field 'purpose2' \xe2\x80\x94 "
	    "did you mean purpose?");
	ck_assert_only_err(one("expiry = \"2027-01-01\";"), 2,
	    "consents[0].expiry", "unknown field 'expiry' \xe2\x80\x94 did "
	    "you mean expires?");
	ck_assert_only_err(one("colour = \"blue\";"), 2, "consents[0].colour",
	    "unknown field 'colour' (valid: id, customer, countries, hosts, "
	    "networks, ports, purpose, subprocessor, document, "
	    "document_sha256, granted_by, signed, valid_from, expires, "
	    "recorded_by, recorded_at, revoked, revoked_at, revoked_by, "
	    "revoke_reason)");
	ck_assert_only_err("consents = (\n{ id = \"C-1\"; customer = \"acme\"; "
	    "countries = [\"US\"]; purpose = 5; document = \"d\"; "
	    "granted_by = \"g\"; signed = \"2026-03-01\"; }\n);\n", 2,
	    "consents[0].purpose", "expected text in double quotes, found a "
	    "number");
	ck_assert_only_err(one("subprocessor = 1.5;"), 2,
	    "consents[0].subprocessor", "expected text in double quotes, "
	    "found a decimal number");
	ck_assert_only_err(one("revoked = \"yes\";"), 2, "consents[0].revoked",
	    "expected true or false, found text");
	ck_assert_only_err(one("revoked_by = { a = 1; };"), 2,
	    "consents[0].revoked_by", "expected text in double quotes, found "
	    "a group { ... }");
	ck_assert_only_err(one("customer = \"acme \";"), 2,
	    "consents[0].customer", "customer 'acme ' starts or ends with a "
	    "space: it would never match the customers named in "
	    "eeaguard.conf");
	ck_assert_only_err("consent = ();\n", 1, "consent", "unknown setting: "
	    "the register holds only consents = ( ... );");
	ck_assert_only_err("consents = { };\n", 1, "consents", "expected a "
	    "list of consents in parentheses, as in consents = ( { ... }, "
	    "{ ... } );, found a group { ... }");
	ck_assert_only_err("consents = (\n\"C-1\");\n", 2, "consents[0]",
	    "expected a consent in braces { id = \"...\"; customer = \"...\"; "
	    "... }, found text");
}
END_TEST

START_TEST(test_many_errors)
{
	struct consent_register *r;
	char text[8192];

	snprintf(text, sizeof(text), "consents = (\n"
	    "{ id = \"C-1\"; %s },\n{ id = \"C-2\"; %s },\n"
	    "{ id = \"C-1\"; %s }\n);\n",
	    fields("countries = [\"UK\", \"DE\"];"),
	    fields("ports = [0]; expires = \"2026-13-01\";"),
	    fields("hosts = [\"*\"]; document = \"\";"));
	r = load(text);
	ck_assert_ptr_null(r);
	ck_assert_err(2, "consents[0].countries[0]",
	    "unknown country code 'UK' \xe2\x80\x94 did you mean GB?");
	ck_assert_err(2, "consents[0].countries[1]",
	    "DE is inside the EEA: no consent is needed");
	ck_assert_err(3, "consents[1].ports[0]",
	    "0 is not a port number (valid: 1-65535)");
	ck_assert_err(3, "consents[1].expires", "'2026-13-01' is not a valid "
	    "date (valid: YYYY-MM-DD, or a time as YYYY-MM-DDTHH:MM:SSZ in "
	    "UTC or with an offset such as +02:00)");
	ck_assert_err(4, "consents[2].hosts[0]", "'*' is not a host name: a "
	    "bare '*' would cover every host: name the domain, as in "
	    "\"*.example.com\" (valid: a name such as \"api.stripe.com\", or "
	    "\"*.stripe.com\" for every name under stripe.com)");
	ck_assert_err(4, "consents[2].document", "document is required: "
	    "without a written document there is no consent");
	ck_assert_err(4, "consents[2].id", "id 'C-1' is already used by the "
	    "consent at line 2: each consent needs its own id");
	ck_assert_msg(errs.n == 7, "expected 7 errors, got %zu: %s", errs.n,
	    errs_text());
}
END_TEST

START_TEST(test_file_errors)
{
	char msg[512], inc[256];
	struct consent_register *r;

	/* Syntax: one message with file and line. */
	r = load("consents = (\n{ id = \"C-1\";\n);\n");
	ck_assert_ptr_null(r);
	ck_assert_uint_eq(errs.n, 1);
	snprintf(msg, sizeof(msg), "%s:3: cannot parse the register: syntax "
	    "error (check quotes, brackets and semicolons on or just before "
	    "this line)", path);
	ck_assert_str_eq(errs.msg[0], msg);
	errlist_clear(&errs);

	/* libconfig rejects a field given twice. */
	r = load("consents = (\n{ id = \"C-1\";\n id = \"C-2\"; }\n);\n");
	ck_assert_ptr_null(r);
	ck_assert_uint_eq(errs.n, 1);
	snprintf(msg, sizeof(msg), "%s:3: cannot parse the register: "
	    "duplicate setting name (check quotes, brackets and semicolons "
	    "on or just before this line)", path);
	ck_assert_str_eq(errs.msg[0], msg);
	errlist_clear(&errs);

	/* Missing file. */
	snprintf(inc, sizeof(inc), "%s/missing.conf", dir);
	ck_assert_ptr_null(consent_load(inc, &eea, &errs));
	ck_assert_uint_eq(errs.n, 1);
	snprintf(msg, sizeof(msg), "%s: cannot open the consent register: No "
	    "such file or directory", inc);
	ck_assert_str_eq(errs.msg[0], msg);
	errlist_clear(&errs);

	/* A directory is not a register either. */
	ck_assert_ptr_null(consent_load(dir, &eea, &errs));
	ck_assert_uint_eq(errs.n, 1);
	snprintf(msg, sizeof(msg), "%s: cannot read the consent register: Is "
	    "a directory", dir);
	ck_assert_str_eq(errs.msg[0], msg);
	errlist_clear(&errs);

	/* An included file would escape the register's hash. */
	snprintf(inc, sizeof(inc), "%s/more.conf", dir);
	write_bytes(inc, "consents = ();\n", 15);
	snprintf(msg, sizeof(msg), "# header\n  @include \"%s\"\n", inc);
	ck_assert_ptr_null(load(msg));
	ck_assert_uint_eq(errs.n, 1);
	snprintf(msg, sizeof(msg), "%s:2: @include is not allowed: the whole "
	    "register must be in one file so its hash covers every consent",
	    path);
	ck_assert_str_eq(errs.msg[0], msg);
	errlist_clear(&errs);

	/* libconfig would stop reading at a NUL: the hash would cover more. */
	write_bytes(path, "consents = ();\n\0junk", 20);
	ck_assert_ptr_null(consent_load(path, &eea, &errs));
	ck_assert_uint_eq(errs.n, 1);
	snprintf(msg, sizeof(msg), "%s: contains a NUL byte at offset 15: "
	    "not a text file", path);
	ck_assert_str_eq(errs.msg[0], msg);
}
END_TEST

START_TEST(test_keeps_earlier_errors)
{
	struct consent_register *r;

	/* Errors the caller already holds must not make a good load fail. */
	errlist_add(&errs, "an earlier problem");
	r = load(one(""));
	ck_assert_msg(r != NULL, "%s", errs_text());
	ck_assert_uint_eq(errs.n, 1);
	consent_register_free(r);
}
END_TEST

START_TEST(test_parse_time)
{
	static const struct {
		const char *s;
		int64_t t;
	} good[] = {
		{ "1970-01-01", 0 },
		{ "1969-12-31", -86400 },
		{ "0000-01-01", INT64_C(-62167219200) },
		{ "9999-12-31", INT64_C(253402214400) },
		{ "2026-03-01", T_2026_03_01 },
		{ "2024-02-29", INT64_C(1709164800) },
		{ "2000-02-29", INT64_C(951782400) },
		{ "2026-03-02T09:14:00Z", INT64_C(1772442840) },
		{ "2026-03-02t09:14:00z", INT64_C(1772442840) },
		{ "2026-03-02T09:14:00.999999Z", INT64_C(1772442840) },
		{ "2026-03-02T09:14:00+02:00", INT64_C(1772435640) },
		{ "2026-03-02T09:14:00-05:30", INT64_C(1772462640) },
		{ "2026-03-02T09:14:00.5+00:00", INT64_C(1772442840) },
		{ "2026-03-02T09:14:00-00:00", INT64_C(1772442840) },
		{ "2026-12-31T23:59:59Z", INT64_C(1798761599) },
		{ "2026-03-01T00:30:00+01:00", T_2026_03_01 - 1800 },
	};
	static const char *const bad[] = {
		"", "2026", "2026-03", "2026-3-01", "2026-03-1", "26-03-01",
		"2026/03/01", "2026-00-01", "2026-13-01", "2026-01-00",
		"2026-01-32", "2026-04-31", "2026-06-31", "2026-02-29",
		"2023-02-29", "1900-02-29", "2100-02-29", "2026-02-30",
		"2026-03-01T", "2026-03-01T09:14:00", "2026-03-01T09:14Z",
		"2026-03-01 09:14:00Z", "2026-03-01T24:00:00Z",
		"2026-03-01T23:60:00Z", "2026-03-01T23:59:60Z",
		"2026-03-01T09:14:00.Z", "2026-03-01T09:14:00+0200",
		"2026-03-01T09:14:00+24:00", "2026-03-01T09:14:00+02:60",
		"2026-03-01T09:14:00+2:00", "2026-03-01T09:14:00ZZ",
		"2026-03-01x", " 2026-03-01", "2026-03-01 ", "+026-03-01",
		"2026-03-01T09:14:00Z\n", "yesterday",
	};
	int64_t t;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		t = 42;
		ck_assert_msg(consent_parse_time(good[i].s, &t) == 0,
		    "refused %s", good[i].s);
		ck_assert_msg(t == good[i].t, "%s: %lld, want %lld", good[i].s,
		    (long long)t, (long long)good[i].t);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = 42;
		ck_assert_msg(consent_parse_time(bad[i], &t) == -1,
		    "accepted '%s'", bad[i]);
		ck_assert_msg(t == 42, "'%s' wrote the output", bad[i]);
	}
	ck_assert_int_eq(consent_parse_time(NULL, &t), -1);
}
END_TEST

START_TEST(test_active)
{
	struct consent_register *r;
	struct consent *c;

	r = load(one("valid_from = \"2026-06-01\"; expires = \"2027-03-01\";"));
	ck_assert_msg(r != NULL, "%s", errs_text());
	c = &r->v[0];
	ck_assert(!consent_active(c, T_2026_06_01 - 1));
	ck_assert(consent_active(c, T_2026_06_01));
	ck_assert(consent_active(c, T_2027_03_01 - 1));
	ck_assert(!consent_active(c, T_2027_03_01));
	ck_assert(!consent_active(c, INT64_MAX));
	c->revoked = true;
	ck_assert(!consent_active(c, T_2026_06_01));
	ck_assert(!consent_active(c, T_2027_03_01 - 1));
	consent_register_free(r);

	/* Open-ended: active from signing for ever, unless revoked. */
	r = load(one("revoked = false;"));
	ck_assert_msg(r != NULL, "%s", errs_text());
	ck_assert(!consent_active(&r->v[0], T_2026_03_01 - 1));
	ck_assert(consent_active(&r->v[0], T_2026_03_01));
	ck_assert(consent_active(&r->v[0], INT64_MAX - 1));
	consent_register_free(r);
	r = load(one("revoked = true;"));
	ck_assert_msg(r != NULL, "%s", errs_text());
	ck_assert(!consent_active(&r->v[0], T_2026_03_01));
	ck_assert(!consent_active(&r->v[0], T_2027_03_01));
	consent_register_free(r);
}
END_TEST

#define T_NOW (T_2026_06_01 + 3600)

/* How many consents match a transfer of acme's data to US. */
static size_t
match_host(const struct consent_register *r, const char *host)
{
	struct ipaddr a = addr("192.0.2.7");

	return consent_match(r, "acme", "US", &a, host, 443, T_NOW, NULL, 0);
}

START_TEST(test_match_hosts)
{
	struct consent_register *r;

	r = load(one("hosts = [\"*.stripe.com\", \"API.Example.com\"];"));
	ck_assert_msg(r != NULL, "%s", errs_text());
	ck_assert_uint_eq(match_host(r, "api.stripe.com"), 1);
	ck_assert_uint_eq(match_host(r, "a.b.stripe.com"), 1);
	ck_assert_uint_eq(match_host(r, "API.STRIPE.COM"), 1);
	ck_assert_uint_eq(match_host(r, "api.stripe.com."), 1);
	ck_assert_uint_eq(match_host(r, "stripe.com"), 0);
	ck_assert_uint_eq(match_host(r, "stripe.com."), 0);
	ck_assert_uint_eq(match_host(r, ".stripe.com"), 0);
	ck_assert_uint_eq(match_host(r, "evilstripe.com"), 0);
	ck_assert_uint_eq(match_host(r, "api.stripe.com.evil.net"), 0);
	ck_assert_uint_eq(match_host(r, "api.stripe.co"), 0);
	ck_assert_uint_eq(match_host(r, "api.example.com"), 1);
	ck_assert_uint_eq(match_host(r, "Api.Example.COM."), 1);
	ck_assert_uint_eq(match_host(r, "x.api.example.com"), 0);
	ck_assert_uint_eq(match_host(r, "example.com"), 0);
	ck_assert_uint_eq(match_host(r, "pi.example.com"), 0);
	ck_assert_uint_eq(match_host(r, "api.example.co"), 0);
	ck_assert_uint_eq(match_host(r, ""), 0);
	ck_assert_uint_eq(match_host(r, "."), 0);
	/* Hosts listed, host unknown: no proof it is the consented one. */
	ck_assert_uint_eq(match_host(r, NULL), 0);
	consent_register_free(r);

	/* No hosts listed: any host, known or not. */
	r = load(one(""));
	ck_assert_msg(r != NULL, "%s", errs_text());
	ck_assert_uint_eq(match_host(r, NULL), 1);
	ck_assert_uint_eq(match_host(r, "anything.example"), 1);
	consent_register_free(r);
}
END_TEST

START_TEST(test_match_networks)
{
	static const struct {
		const char *ip;
		size_t n;
	} cases[] = {
		{ "203.0.113.0", 1 },
		{ "203.0.113.255", 1 },
		{ "203.0.112.255", 0 },
		{ "203.0.114.0", 0 },
		{ "198.51.100.9", 1 },
		{ "198.51.100.10", 0 },
		{ "2001:db8:100::", 1 },
		{ "2001:db8:100:ffff:ffff:ffff:ffff:ffff", 1 },
		{ "2001:db8:ff:ffff:ffff:ffff:ffff:ffff", 0 },
		{ "2001:db8:101::", 0 },
		{ "2001:db9::", 0 },
	};
	struct consent_register *r;
	struct ipaddr a;
	size_t i;

	r = load(one("networks = [\"203.0.113.0/24\", \"198.51.100.9\", "
	    "\"2001:db8:100::/48\"];"));
	ck_assert_msg(r != NULL, "%s", errs_text());
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		a = addr(cases[i].ip);
		ck_assert_msg(consent_match(r, "acme", "US", &a, NULL, 443,
		    T_NOW, NULL, 0) == cases[i].n, "%s: want %zu", cases[i].ip,
		    cases[i].n);
	}
	ck_assert_uint_eq(consent_match(r, "acme", "US", NULL, NULL, 443,
	    T_NOW, NULL, 0), 0);
	consent_register_free(r);
}
END_TEST

START_TEST(test_match_fields)
{
	struct consent_register *r;
	struct ipaddr a = addr("192.0.2.7");

	r = load(one("countries = [\"US\", \"CA\"]; ports = [443, 8443];"));
	ck_assert_msg(r != NULL, "%s", errs_text());
	ck_assert_uint_eq(consent_match(r, "acme", "US", &a, NULL, 443, T_NOW,
	    NULL, 0), 1);
	ck_assert_uint_eq(consent_match(r, "acme", "CA", &a, NULL, 8443, T_NOW,
	    NULL, 0), 1);
	ck_assert_uint_eq(consent_match(r, "acme", "US", &a, NULL, 80, T_NOW,
	    NULL, 0), 0);
	/* Port 0 asks for any port (enforcement, before a connection). */
	ck_assert_uint_eq(consent_match(r, "acme", "US", &a, NULL, 0, T_NOW,
	    NULL, 0), 1);
	ck_assert_uint_eq(consent_match(r, "acme", "JP", &a, NULL, 443, T_NOW,
	    NULL, 0), 0);
	ck_assert_uint_eq(consent_match(r, "acme", "--", &a, NULL, 443, T_NOW,
	    NULL, 0), 0);
	ck_assert_uint_eq(consent_match(r, "acme", "us", &a, NULL, 443, T_NOW,
	    NULL, 0), 0);
	ck_assert_uint_eq(consent_match(r, "globex", "US", &a, NULL, 443,
	    T_NOW, NULL, 0), 0);
	ck_assert_uint_eq(consent_match(r, "Acme", "US", &a, NULL, 443, T_NOW,
	    NULL, 0), 0);
	ck_assert_uint_eq(consent_match(r, "acm", "US", &a, NULL, 443, T_NOW,
	    NULL, 0), 0);
	ck_assert_uint_eq(consent_match(r, NULL, "US", &a, NULL, 443, T_NOW,
	    NULL, 0), 0);
	/* Before signing: not yet in force. */
	ck_assert_uint_eq(consent_match(r, "acme", "US", &a, NULL, 443,
	    T_2026_03_01 - 1, NULL, 0), 0);
	consent_register_free(r);
}
END_TEST

START_TEST(test_match_many)
{
	const struct consent *out[4];
	struct consent_register *r;
	struct ipaddr a = addr("192.0.2.7");
	char text[16384];
	size_t n;

	snprintf(text, sizeof(text), "consents = (\n"
	    "{ id = \"C-1\"; %s },\n{ id = \"C-2\"; %s },\n"
	    "{ id = \"C-3\"; %s },\n{ id = \"C-4\"; %s },\n"
	    "{ id = \"C-5\"; %s },\n{ id = \"C-6\"; %s },\n"
	    "{ id = \"C-7\"; %s }\n);\n",
	    fields(""), fields("hosts = [\"*.stripe.com\"];"),
	    fields("revoked = true;"), fields("expires = \"2026-04-01\";"),
	    fields("customer = \"globex\";"), fields("ports = [443];"),
	    fields("countries = [\"CH\"];"));
	r = load(text);
	ck_assert_msg(r != NULL, "%s", errs_text());
	ck_assert_uint_eq(r->n, 7);

	memset(out, 0, sizeof(out));
	n = consent_match(r, "acme", "US", &a, "api.stripe.com", 443, T_NOW,
	    out, 4);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(out[0]->id, "C-1");
	ck_assert_str_eq(out[1]->id, "C-2");
	ck_assert_str_eq(out[2]->id, "C-6");
	ck_assert_ptr_null(out[3]);

	/* Fewer slots than matches: the count is still the total. */
	memset(out, 0, sizeof(out));
	n = consent_match(r, "acme", "US", &a, "api.stripe.com", 443, T_NOW,
	    out, 1);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(out[0]->id, "C-1");
	ck_assert_ptr_null(out[1]);
	ck_assert_uint_eq(consent_match(r, "acme", "US", &a, "api.stripe.com",
	    443, T_NOW, NULL, 0), 3);

	/* Before C-4 expired it covered the transfer too. */
	n = consent_match(r, "acme", "US", &a, NULL, 80, T_2026_03_01, out, 4);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(out[0]->id, "C-1");
	ck_assert_str_eq(out[1]->id, "C-4");

	n = consent_match(r, "acme", "CH", &a, NULL, 80, T_NOW, out, 4);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(out[0]->id, "C-7");
	n = consent_match(r, "globex", "US", &a, NULL, 80, T_NOW, out, 4);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(out[0]->id, "C-5");
	consent_register_free(r);
}
END_TEST

START_TEST(test_sha256)
{
	char cmd[256], want[65], got[65], text[8192];
	struct consent_register *r;
	FILE *p;
	size_t i;

	snprintf(text, sizeof(text), "# \xc3\xa9 bytes as they are, comments "
	    "included\n%s", one(""));
	r = load(text);
	ck_assert_msg(r != NULL, "%s", errs_text());
	snprintf(cmd, sizeof(cmd), "sha256sum '%s'", path);
	ck_assert_ptr_nonnull(p = popen(cmd, "r"));
	ck_assert_ptr_nonnull(fgets(want, sizeof(want), p));
	ck_assert_int_eq(pclose(p), 0);
	for (i = 0; i < 32; i++)
		snprintf(got + 2 * i, 3, "%02x", r->sha256[i]);
	ck_assert_str_eq(got, want);
	consent_register_free(r);
}
END_TEST

START_TEST(test_deploy_example)
{
	struct consent_register *r;
	const struct consent *out[4];
	struct ipaddr a;
	int64_t t;

	r = consent_load("deploy/consent.conf", &eea, &errs);
	ck_assert_msg(r != NULL, "%s", errs_text());
	ck_assert_uint_eq(errs.n, 0);
	ck_assert_uint_eq(r->n, 3);
	ck_assert_int_eq(consent_parse_time("2026-11-26T07:10:00Z", &t), 0);

	a = addr("192.0.2.80");
	ck_assert_uint_eq(consent_match(r, "acme", "US", &a, "api.stripe.com",
	    443, t, out, 4), 1);
	ck_assert_str_eq(out[0]->id, "C-2026-0001");
	ck_assert_uint_eq(consent_match(r, "acme", "US", &a, "api.stripe.com",
	    80, t, out, 4), 0);
	a = addr("2001:db8:100::5");
	ck_assert_uint_eq(consent_match(r, "globex", "CH", &a, NULL, 22, t,
	    out, 4), 1);
	ck_assert_str_eq(out[0]->id, "C-2026-0002");
	a = addr("198.51.100.5");
	ck_assert(r->v[2].revoked);
	ck_assert_uint_eq(consent_match(r, "acme", "GB", &a,
	    "x.analytics.example", 443, t, out, 4), 0);
	consent_register_free(r);
}
END_TEST

static Suite *
consent_suite(void)
{
	Suite *s = suite_create("consent");
	TCase *tc;

	tc = tcase_create("load");
	tcase_add_unchecked_fixture(tc, dir_setup, dir_teardown);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_load_valid);
	tcase_add_test(tc, test_load_empty);
	tcase_add_test(tc, test_required);
	tcase_add_test(tc, test_id);
	tcase_add_test(tc, test_countries);
	tcase_add_test(tc, test_hosts);
	tcase_add_test(tc, test_networks_ports);
	tcase_add_test(tc, test_document_sha256);
	tcase_add_test(tc, test_dates);
	tcase_add_test(tc, test_types_and_unknown);
	tcase_add_test(tc, test_many_errors);
	tcase_add_test(tc, test_file_errors);
	tcase_add_test(tc, test_keeps_earlier_errors);
	tcase_add_test(tc, test_sha256);
	tcase_add_test(tc, test_deploy_example);
	suite_add_tcase(s, tc);

	tc = tcase_create("time");
	tcase_add_unchecked_fixture(tc, dir_setup, dir_teardown);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_parse_time);
	tcase_add_test(tc, test_active);
	suite_add_tcase(s, tc);

	tc = tcase_create("match");
	tcase_add_unchecked_fixture(tc, dir_setup, dir_teardown);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_match_hosts);
	tcase_add_test(tc, test_match_networks);
	tcase_add_test(tc, test_match_fields);
	tcase_add_test(tc, test_match_many);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(consent_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
