/* Unit tests for rules/config: defaults, a full file, and every error class. */
#include <sys/stat.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "rules/config.h"

static char tmpdir[PATH_MAX];
static char conf[PATH_MAX + 32];	/* tmpdir/eeaguard.conf */
static struct errlist errs;

static void
rm_rf(const char *path)
{
	char sub[PATH_MAX * 2];
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (lstat(path, &st) == -1)
		return;
	if (S_ISDIR(st.st_mode) && (d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
			rm_rf(sub);
		}
		closedir(d);
		rmdir(path);
	} else
		unlink(path);
}

static void
setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_config.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(conf, sizeof(conf), "%s/eeaguard.conf", tmpdir);
	memset(&errs, 0, sizeof(errs));
}

static void
teardown(void)
{
	errlist_clear(&errs);
	rm_rf(tmpdir);
}

/* Writes text to tmpdir/rel, creating one level of directory if named. */
static void
write_file(const char *rel, const char *text)
{
	char path[PATH_MAX * 2], *slash;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	if ((slash = strrchr(path, '/')) != NULL && slash > path +
	    strlen(tmpdir)) {
		*slash = '\0';
		mkdir(path, 0700);
		*slash = '/';
	}
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	ck_assert_int_eq(fputs(text, fp) >= 0, 1);
	ck_assert_int_eq(fclose(fp), 0);
}

static struct config *
load(const char *text)
{
	write_file("eeaguard.conf", text);
	return config_load(conf, &errs);
}

static void dump_errs(void);

static void
dump_errs(void)
{
	size_t i;

	for (i = 0; i < errs.n; i++)
		fprintf(stderr, "  error: %s\n", errs.msg[i]);
}

static bool
has_msg(const char *want)
{
	size_t i;

	for (i = 0; i < errs.n; i++)
		if (strcmp(errs.msg[i], want) == 0)
			return true;
	return false;
}

static void want_msg(int, const char *, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* Asserts "CONF:LINE: SETTING: MESSAGE" is among the errors. */
static void
want_msg(int line, const char *setting, const char *fmt, ...)
{
	char msg[2048], want[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (setting != NULL)
		snprintf(want, sizeof(want), "%s:%d: %s: %s", conf, line,
		    setting, msg);
	else
		snprintf(want, sizeof(want), "%s:%d: %s", conf, line, msg);
	if (!has_msg(want)) {
		dump_errs();
		ck_abort_msg("missing error: %s", want);
	}
}

static void expect_one(const char *, int, const char *, const char *, ...)
    __attribute__((format(printf, 4, 5)));

/* Loads text, which must fail with exactly this one error. */
static void
expect_one(const char *text, int line, const char *setting,
    const char *fmt, ...)
{
	char msg[2048], want[8192];
	struct config *c;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(want, sizeof(want), "%s:%d: %s: %s", conf, line, setting,
	    msg);
	c = load(text);
	ck_assert_ptr_null(c);
	if (errs.n != 1)
		dump_errs();
	ck_assert_uint_eq(errs.n, 1);
	ck_assert_str_eq(errs.msg[0], want);
	errlist_clear(&errs);
}

static struct ipaddr
addr(const char *s)
{
	struct ipaddr a;

	ck_assert_int_eq(ipaddr_parse(s, &a), 0);
	return a;
}

static bool
in_set(const struct netset *s, const char *a)
{
	struct ipaddr x = addr(a);

	return netset_lookup(s, &x, NULL) >= 0;
}

static const char *
prefix_why(const char *s)
{
	struct ipprefix p;
	const char *why = NULL;

	ck_assert_int_eq(ipprefix_parse(s, &p, &why), -1);
	ck_assert_ptr_nonnull(why);
	return why;
}

static void
check_defaults(const struct config *c)
{
	static const char *const internal[] = { "127.0.0.1", "::1",
	    "10.1.2.3", "172.31.255.255", "192.168.1.1", "169.254.1.1",
	    "fe80::1", "100.64.0.1", "fd12::1", "224.0.0.251", "ff02::1",
	    NULL };
	struct country_set eea;
	size_t i;

	ck_assert_int_eq(c->agent.mode, MODE_MONITOR);
	ck_assert_int_eq(c->agent.enforce, ENFORCE_REACTIVE);
	ck_assert_uint_eq(c->agent.interfaces.n, 0);
	ck_assert_uint_eq(c->agent.local_networks.n, 0);
	ck_assert_ptr_nonnull(c->agent.local_set);
	ck_assert_uint_eq(netset_count(c->agent.local_set), 0);
	ck_assert_uint_eq(c->agent.flow_capacity, 1000000);
	ck_assert_uint_eq(c->agent.flow_idle_timeout, 300);
	ck_assert_ptr_null(c->geodb.path);
	ck_assert_uint_eq(c->geodb.country_path.n, 2);
	ck_assert_str_eq(c->geodb.country_path.v[0], "country");
	ck_assert_str_eq(c->geodb.country_path.v[1], "iso_code");
	ck_assert_uint_eq(c->geodb.cache_size, 65536);
	ck_assert_uint_eq(c->geodb.max_age_days, 45);
	ck_assert_str_eq(c->consent.register_path,
	    "/etc/eeaguard/consent.conf");
	ck_assert_str_eq(c->consent.audit_log,
	    "/var/lib/eeaguard/consent.log");
	country_set_eea_default(&eea);
	ck_assert_mem_eq(&c->policy.eea, &eea, sizeof(eea));
	ck_assert_uint_eq(country_set_count(&c->policy.eea), 37);
	ck_assert_uint_eq(c->policy.internal.n, 11);
	ck_assert_ptr_nonnull(c->policy.internal_set);
	ck_assert_uint_eq(netset_count(c->policy.internal_set), 11);
	for (i = 0; internal[i] != NULL; i++)
		ck_assert_msg(in_set(c->policy.internal_set, internal[i]),
		    "%s should be internal", internal[i]);
	ck_assert(!in_set(c->policy.internal_set, "192.0.2.1"));
	ck_assert(!in_set(c->policy.internal_set, "2001:db8::1"));
	ck_assert(!in_set(c->policy.internal_set, "172.32.0.1"));
	ck_assert_int_eq(c->policy.unscoped, UNSCOPED_ALERT);
	ck_assert_uint_eq(c->n_scopes, 0);
	ck_assert_uint_eq(c->n_exempts, 0);
	ck_assert(!c->alerts.to_stdout);
	ck_assert(c->alerts.syslog);
	ck_assert_str_eq(c->alerts.jsonl, "/var/log/eeaguard/events.jsonl");
	ck_assert_str_eq(c->alerts.exec, "");
	ck_assert_uint_eq(c->alerts.dedup_window, 300);
	ck_assert_str_eq(c->alerts.metrics_file, "");
	ck_assert_uint_eq(c->alerts.stats_interval, 60);
}

START_TEST(test_default)
{
	struct config *c = config_default();

	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_null(c->path);
	check_defaults(c);
	config_free(c);
	config_free(NULL);
}
END_TEST

/* The digest is of the bytes parsed: the defaults hash as an empty file. */
START_TEST(test_sha256_of_bytes_parsed)
{
	static const char text[] = "agent: { mode = \"enforce\"; };\n";
	unsigned char want[32], empty[32];
	struct config *c, *d;

	ck_assert_int_eq(EVP_Digest(text, strlen(text), want, NULL,
	    EVP_sha256(), NULL), 1);
	ck_assert_int_eq(EVP_Digest("", 0, empty, NULL, EVP_sha256(), NULL), 1);
	ck_assert_ptr_nonnull(c = load(text));
	ck_assert_mem_eq(c->sha256, want, 32);
	/* the file changes after the parse: the config keeps its own hash */
	write_file("eeaguard.conf", "agent: { mode = \"monitor\"; };\n");
	ck_assert_mem_eq(c->sha256, want, 32);
	ck_assert_ptr_nonnull(d = config_default());
	ck_assert_mem_eq(d->sha256, empty, 32);
	config_free(c);
	config_free(d);
}
END_TEST

START_TEST(test_empty_file)
{
	struct config *c;

	c = load("");
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(errs.n, 0);
	ck_assert_str_eq(c->path, conf);
	check_defaults(c);
	config_free(c);

	c = load("# nothing but comments\n// and more\n/* and a block */\n"
	    "agent: { };\ngeodb: { };\nconsent: { };\npolicy: { };\n"
	    "alerts: { };\nscopes = ();\nexempt = [];\n");
	ck_assert_ptr_nonnull(c);
	check_defaults(c);
	config_free(c);
}
END_TEST

/* Every key set, relative paths among them; line numbers on the left. */
static const char full_conf[] =
/*  1 */ "agent: {\n"
/*  2 */ "  mode = \"enforce\"; enforce = \"preventive\";\n"
/*  3 */ "  interfaces = [\"eth0\", \"eth1\"];\n"
/*  4 */ "  local_networks = [\"192.0.2.10/32\", \"2001:db8::10\"];\n"
/*  5 */ "  flow_capacity = 2000000; flow_idle_timeout = 60;\n"
/*  6 */ "};\n"
/*  7 */ "geodb: { path = \"db/country.mmdb\";\n"
/*  8 */ "  country_path = (\"registered_country\", \"iso_code\");\n"
/*  9 */ "  cache_size = 0; max_age_days = 10; };\n"
/* 10 */ "consent: { register = \"consent.conf\";\n"
/* 11 */ "  audit_log = \"./logs/consent.log\"; };\n"
/* 12 */ "policy: { eea = [\"NL\", \"DE\", \"CH\"];\n"
/* 13 */ "  internal_networks = [\"10.0.0.0/8\", \"fd00::/8\"];\n"
/* 14 */ "  unscoped = \"block\"; };\n"
/* 15 */ "scopes = (\n"
/* 16 */ "  { name = \"acme-payroll\"; customers = [\"acme\", \"acme-de\"];\n"
/* 17 */ "    data = \"payroll records\"; subjects = 12000;\n"
/* 18 */ "    match = { uids = (1001, 4294967294L); users = [\"payroll\"];\n"
/* 19 */ "      cgroups = [\"/system.slice/payroll-*.service\"];\n"
/* 20 */ "      comms = [\"payroll*\"]; src = [\"10.1.0.0/16\"];\n"
/* 21 */ "      sports = [5432]; dports = [443, 8443];\n"
/* 22 */ "      protocols = [\"tcp\"]; }; },\n"
/* 23 */ "  { name = \"beta\"; customers = [\"beta\"]; match = { }; },\n"
/* 24 */ "  { name = \"gamma\"; customers = (\"gamma\"); }\n"
/* 25 */ ");\n"
/* 26 */ "exempt = (\n"
/* 27 */ "  { dst = [\"192.0.2.53/32\", \"2001:db8::53/128\"]; dports = [53];\n"
/* 28 */ "    protocols = [\"udp\", \"tcp\"]; reason = \"resolver\"; },\n"
/* 29 */ "  { dports = (123); reason = \"ntp\"; }\n"
/* 30 */ ");\n"
/* 31 */ "alerts: { stdout = true; syslog = false; jsonl = \"events.jsonl\";\n"
/* 32 */ "  exec = \"/usr/local/bin/page --urgent\"; dedup_window = 0;\n"
/* 33 */ "  metrics_file = \"run/metrics\"; stats_interval = 10; };\n";

START_TEST(test_full)
{
	struct config *c;
	const struct scope *s;
	const struct exempt *e;
	char want[PATH_MAX * 2];

	c = load(full_conf);
	if (c == NULL)
		dump_errs();
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(errs.n, 0);

	ck_assert_int_eq(c->agent.mode, MODE_ENFORCE);
	ck_assert_int_eq(c->agent.enforce, ENFORCE_PREVENTIVE);
	ck_assert_uint_eq(c->agent.interfaces.n, 2);
	ck_assert_str_eq(c->agent.interfaces.v[0], "eth0");
	ck_assert_str_eq(c->agent.interfaces.v[1], "eth1");
	ck_assert_uint_eq(c->agent.local_networks.n, 2);
	ck_assert_uint_eq(ipprefix_userlen(&c->agent.local_networks.v[1]),
	    128);
	ck_assert(in_set(c->agent.local_set, "192.0.2.10"));
	ck_assert(in_set(c->agent.local_set, "2001:db8::10"));
	ck_assert(!in_set(c->agent.local_set, "192.0.2.11"));
	ck_assert_uint_eq(c->agent.flow_capacity, 2000000);
	ck_assert_uint_eq(c->agent.flow_idle_timeout, 60);

	snprintf(want, sizeof(want), "%s/db/country.mmdb", tmpdir);
	ck_assert_str_eq(c->geodb.path, want);
	ck_assert_uint_eq(c->geodb.country_path.n, 2);
	ck_assert_str_eq(c->geodb.country_path.v[0], "registered_country");
	ck_assert_str_eq(c->geodb.country_path.v[1], "iso_code");
	ck_assert_uint_eq(c->geodb.cache_size, 0);
	ck_assert_uint_eq(c->geodb.max_age_days, 10);

	snprintf(want, sizeof(want), "%s/consent.conf", tmpdir);
	ck_assert_str_eq(c->consent.register_path, want);
	snprintf(want, sizeof(want), "%s/logs/consent.log", tmpdir);
	ck_assert_str_eq(c->consent.audit_log, want);

	ck_assert_uint_eq(country_set_count(&c->policy.eea), 3);
	ck_assert(country_set_has(&c->policy.eea, "CH"));
	ck_assert(!country_set_has(&c->policy.eea, "FR"));
	ck_assert_uint_eq(c->policy.internal.n, 2);
	ck_assert(in_set(c->policy.internal_set, "10.9.9.9"));
	ck_assert(in_set(c->policy.internal_set, "fd00::1"));
	ck_assert(!in_set(c->policy.internal_set, "192.168.1.1"));
	ck_assert_int_eq(c->policy.unscoped, UNSCOPED_BLOCK);

	ck_assert_uint_eq(c->n_scopes, 3);
	s = &c->scopes[0];
	ck_assert_str_eq(s->name, "acme-payroll");
	ck_assert_int_eq(s->line, 16);
	ck_assert_uint_eq(s->customers.n, 2);
	ck_assert_str_eq(s->customers.v[1], "acme-de");
	ck_assert_str_eq(s->data, "payroll records");
	ck_assert_int_eq(s->subjects, 12000);
	ck_assert(!s->match.empty);
	ck_assert_uint_eq(s->match.n_uids, 2);
	ck_assert_uint_eq(s->match.uids[0], 1001);
	ck_assert_uint_eq(s->match.uids[1], 4294967294u);
	ck_assert_uint_eq(s->match.users.n, 1);
	ck_assert_str_eq(s->match.users.v[0], "payroll");
	ck_assert_str_eq(s->match.cgroups.v[0],
	    "/system.slice/payroll-*.service");
	ck_assert_str_eq(s->match.comms.v[0], "payroll*");
	ck_assert_uint_eq(s->match.src.n, 1);
	ck_assert_ptr_nonnull(s->match.src_set);
	ck_assert(in_set(s->match.src_set, "10.1.200.1"));
	ck_assert(!in_set(s->match.src_set, "10.2.0.1"));
	ck_assert_uint_eq(s->match.sports.n, 1);
	ck_assert_uint_eq(s->match.sports.v[0], 5432);
	ck_assert_uint_eq(s->match.dports.n, 2);
	ck_assert_uint_eq(s->match.dports.v[1], 8443);
	ck_assert_uint_eq(s->match.protocols, PROTO_BIT_TCP);

	s = &c->scopes[1];
	ck_assert_str_eq(s->name, "beta");
	ck_assert_int_eq(s->line, 23);
	ck_assert(s->match.empty);
	ck_assert_ptr_null(s->match.src_set);
	ck_assert_ptr_null(s->data);
	ck_assert_int_eq(s->subjects, -1);
	s = &c->scopes[2];
	ck_assert_str_eq(s->customers.v[0], "gamma");
	ck_assert(s->match.empty);

	ck_assert_uint_eq(c->n_exempts, 2);
	e = &c->exempts[0];
	ck_assert_int_eq(e->line, 27);
	ck_assert_uint_eq(e->dst.n, 2);
	ck_assert_uint_eq(e->dports.n, 1);
	ck_assert_uint_eq(e->dports.v[0], 53);
	ck_assert_uint_eq(e->protocols, PROTO_BIT_ALL);
	ck_assert_str_eq(e->reason, "resolver");
	e = &c->exempts[1];
	ck_assert_uint_eq(e->dst.n, 0);
	ck_assert_uint_eq(e->dports.v[0], 123);
	ck_assert_uint_eq(e->protocols, 0);
	ck_assert_str_eq(e->reason, "ntp");

	ck_assert(c->alerts.to_stdout);
	ck_assert(!c->alerts.syslog);
	snprintf(want, sizeof(want), "%s/events.jsonl", tmpdir);
	ck_assert_str_eq(c->alerts.jsonl, want);
	ck_assert_str_eq(c->alerts.exec, "/usr/local/bin/page --urgent");
	ck_assert_uint_eq(c->alerts.dedup_window, 0);
	snprintf(want, sizeof(want), "%s/run/metrics", tmpdir);
	ck_assert_str_eq(c->alerts.metrics_file, want);
	ck_assert_uint_eq(c->alerts.stats_interval, 10);
	config_free(c);
}
END_TEST

START_TEST(test_absolute_and_off)
{
	struct config *c;

	c = load("geodb: { path = \"/srv/geo/country.mmdb\"; };\n"
	    "consent: { register = \"/srv/consent.conf\"; };\n"
	    "alerts: { jsonl = \"\"; metrics_file = \"\"; exec = \"\"; };\n"
	    "agent: { flow_capacity = 2000000L; interfaces = []; };\n");
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->geodb.path, "/srv/geo/country.mmdb");
	ck_assert_str_eq(c->consent.register_path, "/srv/consent.conf");
	ck_assert_str_eq(c->alerts.jsonl, "");
	ck_assert_str_eq(c->alerts.metrics_file, "");
	ck_assert_uint_eq(c->agent.flow_capacity, 2000000);
	config_free(c);
}
END_TEST

START_TEST(test_relative_config_path)
{
	char cwd[PATH_MAX], want[PATH_MAX * 2];
	struct config *c;

	/* A relative configuration path still yields absolute paths. */
	write_file("eeaguard.conf", "consent: { register = \"reg.conf\"; };\n");
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(tmpdir), 0);
	c = config_load("eeaguard.conf", &errs);
	ck_assert_int_eq(chdir(cwd), 0);
	ck_assert_ptr_nonnull(c);
	snprintf(want, sizeof(want), "%s/reg.conf", tmpdir);
	ck_assert_str_eq(c->consent.register_path, want);
	ck_assert_str_eq(c->path, "eeaguard.conf");
	config_free(c);
}
END_TEST

START_TEST(test_load_string)
{
	char cwd[PATH_MAX], want[PATH_MAX * 2];
	struct config *c;

	/* Relative paths and @include resolve against the current directory. */
	write_file("sub/alerts.inc", "alerts: { jsonl = \"ev.jsonl\"; };\n");
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(tmpdir), 0);
	c = config_load_string("memory.conf", "agent: { mode = \"enforce\"; };\n"
	    "consent: { register = \"./reg.conf\"; };\n"
	    "@include \"sub/alerts.inc\"\n", &errs);
	ck_assert_int_eq(chdir(cwd), 0);
	if (c == NULL)
		dump_errs();
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_null(c->path);
	ck_assert_int_eq(c->agent.mode, MODE_ENFORCE);
	snprintf(want, sizeof(want), "%s/reg.conf", tmpdir);
	ck_assert_str_eq(c->consent.register_path, want);
	snprintf(want, sizeof(want), "%s/sub/ev.jsonl", tmpdir);
	ck_assert_str_eq(c->alerts.jsonl, want);
	ck_assert_ptr_nonnull(c->policy.internal_set);
	config_free(c);

	/* Messages name the string as the caller called it. */
	c = config_load_string("memory.conf", "agent: {\n  mode = \"x\";\n};\n",
	    &errs);
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(errs.n, 1);
	ck_assert_str_eq(errs.msg[0], "memory.conf:2: agent.mode: unknown "
	    "value \"x\" (valid: \"monitor\", \"enforce\")");
	errlist_clear(&errs);
	c = config_load_string("memory.conf", "agent: {\n  mode = ;\n};\n",
	    &errs);
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(errs.n, 1);
	ck_assert_str_eq(errs.msg[0], "memory.conf:2: syntax error");
	errlist_clear(&errs);
	ck_assert_ptr_null(config_load_string("memory.conf", "x = 4294967294;\n",
	    NULL));

	/* An empty string is every default. */
	c = config_load_string("memory.conf", "", &errs);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->agent.flow_capacity, 1000000);
	config_free(c);
}
END_TEST

START_TEST(test_unknown_keys)
{
	expect_one("zzz = 1;\n", 1, "zzz", "unknown setting (valid: agent, "
	    "geodb, consent, policy, scopes, exempt, alerts)");
	expect_one("\nagent: { modes = \"monitor\"; };\n", 2, "agent.modes",
	    "unknown setting (valid: mode, enforce, interfaces, "
	    "local_networks, flow_capacity, flow_idle_timeout)");
	expect_one("alerts: { email = \"x\"; };\n", 1, "alerts.email",
	    "unknown setting (valid: stdout, syslog, jsonl, exec, "
	    "dedup_window, metrics_file, stats_interval)");
	expect_one("scopes = ( { name = \"a\"; customers = [\"a\"]; },\n"
	    "  { name = \"b\"; customers = [\"b\"];\n"
	    "    match = { dport = [443]; }; } );\n", 3,
	    "scopes[1].match.dport", "unknown setting (valid: uids, users, "
	    "cgroups, comms, src, sports, dports, protocols)");
	expect_one("exempt = ( { dst = [\"192.0.2.1\"]; reason = \"r\";\n"
	    "  note = \"x\"; } );\n", 2, "exempt[0].note", "unknown setting "
	    "(valid: dst, dports, protocols, reason)");
	expect_one("geodb: { file = \"x\"; };\n", 1, "geodb.file",
	    "unknown setting (valid: path, country_path, cache_size, "
	    "max_age_days)");
	expect_one("consent: { registry = \"x\"; };\n", 1, "consent.registry",
	    "unknown setting (valid: register, audit_log)");
	expect_one("policy: { eea_extra = [\"CH\"]; };\n", 1,
	    "policy.eea_extra", "unknown setting (valid: eea, "
	    "internal_networks, unscoped)");
	expect_one("scopes = ( { name = \"a\"; customers = [\"a\"];\n"
	    " owner = \"x\"; } );\n", 2, "scopes[0].owner", "unknown setting "
	    "(valid: name, customers, data, subjects, match)");
}
END_TEST

START_TEST(test_wrong_types)
{
	expect_one("agent: { mode = 1; };\n", 1, "agent.mode",
	    "expected one of \"monitor\", \"enforce\", found the integer 1");
	expect_one("agent: { flow_capacity = 1.5; };\n", 1,
	    "agent.flow_capacity", "expected an integer like 1000000, found "
	    "the number 1.5");
	expect_one("agent: { flow_idle_timeout = \"300\"; };\n", 1,
	    "agent.flow_idle_timeout", "expected an integer like 300, found "
	    "the string \"300\"");
	expect_one("agent: { interfaces = \"eth0\"; };\n", 1,
	    "agent.interfaces", "expected a list of interface names like "
	    "[\"eth0\", \"eth1\"], found the string \"eth0\"");
	expect_one("scopes = ( { name = \"a\"; customers = [\"a\"];\n"
	    "  match = { dports = 443; }; } );\n", 2, "scopes[0].match.dports",
	    "expected a list of port numbers like [443, 8443], found the "
	    "integer 443");
	expect_one("scopes = ( { name = \"a\"; customers = [\"a\"];\n"
	    "  match = { dports = [\"https\"]; }; } );\n", 2,
	    "scopes[0].match.dports", "expected a list of port numbers like "
	    "[443, 8443], found the string \"https\" in it");
	expect_one("exempt = ( { dports = (53,\n 5.3); reason = \"r\"; } );\n",
	    2, "exempt[0].dports", "expected a list of port numbers like "
	    "[443, 8443], found the number 5.3 in it");
	expect_one("alerts: { syslog = \"yes\"; };\n", 1, "alerts.syslog",
	    "expected true or false, found the string \"yes\"");
	expect_one("alerts = 3;\n", 1, "alerts", "expected a group like "
	    "alerts: { syslog = true; }, found the integer 3");
	expect_one("agent = [\"x\"];\n", 1, "agent", "expected a group like "
	    "agent: { mode = \"monitor\"; }, found an array [ ... ]");
	expect_one("scopes = { name = \"a\"; };\n", 1, "scopes", "expected a "
	    "list of groups like ( { name = \"acme-payroll\"; customers = "
	    "[\"acme\"]; match = { ... }; } ), found a group { ... }");
	expect_one("scopes = ( \"a\" );\n", 1, "scopes[0]", "expected a group "
	    "like { name = \"acme-payroll\"; customers = [\"acme\"]; match = "
	    "{ ... }; }, found the string \"a\"");
	expect_one("geodb: { path = 5; };\n", 1, "geodb.path", "expected a "
	    "string like \"/var/lib/eeaguard/country.mmdb\", found the "
	    "integer 5");
	expect_one("scopes = ( { name = \"a\"; customers = [\"a\"];\n"
	    "  match = [1]; } );\n", 2, "scopes[0].match", "expected a group "
	    "like { uids = [1001]; dports = [443]; }, found an array [ ... ]");
	expect_one("policy: { eea = (\"NL\", true); };\n", 1, "policy.eea",
	    "expected a list of country codes like [\"NL\", \"DE\"], found "
	    "the boolean true in it");
	expect_one("alerts: { exec = [\"/bin/page\"]; };\n", 1,
	    "alerts.exec", "expected a string like "
	    "\"/usr/local/bin/page-oncall\", found an array [ ... ]");
}
END_TEST

START_TEST(test_bad_networks)
{
	expect_one("agent: { local_networks = [\"10.1.2.3/16\"]; };\n", 1,
	    "agent.local_networks", "bad network \"10.1.2.3/16\": %s",
	    prefix_why("10.1.2.3/16"));
	expect_one("policy: { internal_networks = [\"10.0.0.0/8\",\n"
	    "  \"10.0.0.0/33\"]; };\n", 2, "policy.internal_networks",
	    "bad network \"10.0.0.0/33\": %s", prefix_why("10.0.0.0/33"));
	expect_one("scopes = ( { name = \"a\"; customers = [\"a\"];\n"
	    "  match = { src = [\"intranet\"]; }; } );\n", 2,
	    "scopes[0].match.src", "bad network \"intranet\": %s",
	    prefix_why("intranet"));
	expect_one("exempt = ( { dst = [\"2001:db8::1/200\"]; reason = \"r\"; }"
	    " );\n", 1, "exempt[0].dst", "bad network \"2001:db8::1/200\": %s",
	    prefix_why("2001:db8::1/200"));
	expect_one("agent: { local_networks = [\"\"]; };\n", 1,
	    "agent.local_networks", "bad network \"\": %s", prefix_why(""));
}
END_TEST

START_TEST(test_out_of_range)
{
	expect_one("agent: { flow_capacity = 10; };\n", 1,
	    "agent.flow_capacity", "10 is out of range (valid: "
	    "1024-100000000)");
	expect_one("agent: { flow_capacity = 100000001; };\n", 1,
	    "agent.flow_capacity", "100000001 is out of range (valid: "
	    "1024-100000000)");
	expect_one("agent: { flow_idle_timeout = 0; };\n", 1,
	    "agent.flow_idle_timeout", "0 is out of range (valid: 1-86400)");
	expect_one("geodb: { cache_size = 16777217; };\n", 1,
	    "geodb.cache_size", "16777217 is out of range (valid: "
	    "0-16777216)");
	expect_one("geodb: { max_age_days = 3651; };\n", 1,
	    "geodb.max_age_days", "3651 is out of range (valid: 1-3650)");
	expect_one("alerts: { dedup_window = -1; };\n", 1,
	    "alerts.dedup_window", "-1 is out of range (valid: 0-86400)");
	expect_one("alerts: { stats_interval = 0; };\n", 1,
	    "alerts.stats_interval", "0 is out of range (valid: 1-86400)");
	expect_one("agent: { flow_capacity = 5000000000L; };\n", 1,
	    "agent.flow_capacity", "5000000000 is out of range (valid: "
	    "1024-100000000)");
	expect_one("scopes = ( { name = \"a\"; customers = [\"a\"];\n"
	    "  subjects = -5; } );\n", 2, "scopes[0].subjects",
	    "-5 is out of range (valid: 0 or more)");
	expect_one("scopes = ( { name = \"a\"; customers = [\"a\"];\n"
	    "  match = { dports = [443,\n 70000]; }; } );\n", 3,
	    "scopes[0].match.dports", "70000 is not a port number (valid: "
	    "1-65535)");
	expect_one("scopes = ( { name = \"a\"; customers = [\"a\"];\n"
	    "  match = { sports = [0]; }; } );\n", 2,
	    "scopes[0].match.sports", "0 is not a port number (valid: "
	    "1-65535)");
	expect_one("scopes = ( { name = \"a\"; customers = [\"a\"];\n"
	    "  match = { uids = [-1]; }; } );\n", 2, "scopes[0].match.uids",
	    "-1 is not a uid (valid: 0-4294967294)");
	expect_one("scopes = ( { name = \"a\"; customers = [\"a\"];\n"
	    "  match = { uids = [4294967295L]; }; } );\n", 2,
	    "scopes[0].match.uids", "4294967295 is not a uid (valid: "
	    "0-4294967294)");
}
END_TEST

/* libconfig 1.5 keeps the low 32 bits of a plain literal: caught in the text. */
START_TEST(test_truncated_literal)
{
	char want[PATH_MAX * 2];
	struct config *c;

	c = load("agent: {\n  flow_capacity = 4294968320;\n};\n");
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(errs.n, 1);
	snprintf(want, sizeof(want), "%s:2: 4294968320 does not fit in a "
	    "32-bit integer and libconfig would silently read it as 1024: "
	    "write 4294968320L for a 64-bit integer", conf);
	ck_assert_str_eq(errs.msg[0], want);
	errlist_clear(&errs);

	/* Reported once, not again as an out-of-range uid of -2. */
	c = load("# 99999999999 in a comment, \"and 99999999999\"\n"
	    "scopes = ( { name = \"x99999999999\"; customers = [\"a\"];\n"
	    "  match = { uids = [4294967294]; }; } );\n");
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(errs.n, 1);
	snprintf(want, sizeof(want), "%s:3: 4294967294 does not fit in a "
	    "32-bit integer and libconfig would silently read it as -2: "
	    "write 4294967294L for a 64-bit integer", conf);
	ck_assert_str_eq(errs.msg[0], want);
	errlist_clear(&errs);

	c = load("alerts: { dedup_window = 0x100000000; };\n");
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(errs.n, 1);
	ck_assert_ptr_nonnull(strstr(errs.msg[0], ":1: 0x100000000 does not "
	    "fit in a 32-bit integer and libconfig would silently read it as "
	    "0: write 0x100000000L"));
}
END_TEST

START_TEST(test_countries)
{
	expect_one("policy: { eea = [\"NL\", \"UK\"]; };\n", 1, "policy.eea",
	    "unknown country code 'UK' \u2014 did you mean GB?");
	expect_one("policy: { eea = [\"EL\"]; };\n", 1, "policy.eea",
	    "unknown country code 'EL' \u2014 did you mean GR?");
	expect_one("policy: { eea = [\"nl\"]; };\n", 1, "policy.eea",
	    "unknown country code 'nl' \u2014 did you mean NL?");
	expect_one("policy: { eea = [\"XX\"]; };\n", 1, "policy.eea",
	    "unknown country code 'XX' (valid: ISO 3166-1 alpha-2 codes such "
	    "as NL or DE)");
	expect_one("policy: { eea = [\"NLD\"]; };\n", 1, "policy.eea",
	    "unknown country code 'NLD' (valid: ISO 3166-1 alpha-2 codes such "
	    "as NL or DE)");
	expect_one("policy: { eea = [\"DE\", \"EU\"]; };\n", 1, "policy.eea",
	    "'EU' is a region, not a country: geolocation databases use it "
	    "for addresses they cannot place in one country, so it is never "
	    "part of the EEA (list the countries themselves)");
	expect_one("policy: { eea = [\"AP\"]; };\n", 1, "policy.eea",
	    "'AP' is a region, not a country: geolocation databases use it "
	    "for addresses they cannot place in one country, so it is never "
	    "part of the EEA (list the countries themselves)");
}
END_TEST

START_TEST(test_enums)
{
	expect_one("agent: { mode = \"enforcing\"; };\n", 1, "agent.mode",
	    "unknown value \"enforcing\" (valid: \"monitor\", \"enforce\")");
	expect_one("agent: { enforce = \"strict\"; };\n", 1, "agent.enforce",
	    "unknown value \"strict\" (valid: \"reactive\", \"preventive\")");
	expect_one("policy: { unscoped = \"drop\"; };\n", 1, "policy.unscoped",
	    "unknown value \"drop\" (valid: \"ignore\", \"alert\", "
	    "\"block\")");
	expect_one("scopes = ( { name = \"a\"; customers = [\"a\"];\n"
	    "  match = { protocols = [\"tcp\", \"icmp\"]; }; } );\n", 2,
	    "scopes[0].match.protocols", "unknown protocol \"icmp\" (valid: "
	    "\"tcp\", \"udp\")");
	expect_one("exempt = ( { protocols = [\"TCP\"]; reason = \"r\"; } );\n",
	    1, "exempt[0].protocols", "unknown protocol \"TCP\" (valid: "
	    "\"tcp\", \"udp\")");
}
END_TEST

START_TEST(test_scope_names)
{
	expect_one("scopes = (\n"
	    "  { name = \"acme\"; customers = [\"acme\"]; },\n"
	    "  { name = \"beta\"; customers = [\"beta\"]; },\n"
	    "  { name = \"acme\"; customers = [\"acme\"]; }\n"
	    ");\n", 4, "scopes[2].name", "duplicate scope name \"acme\" "
	    "(first defined at line 2)");
	expect_one("scopes = (\n  { customers = [\"acme\"]; }\n);\n", 2,
	    "scopes[0]", "missing required setting \"name\": every scope "
	    "needs a name for events and reports");
	expect_one("scopes = ( { name = \"\"; customers = [\"a\"]; } );\n", 1,
	    "scopes[0].name", "must not be empty (every scope needs a name "
	    "for events and reports)");
}
END_TEST

START_TEST(test_customers)
{
	expect_one("scopes = ( { name = \"a\";\n  customers = []; } );\n", 2,
	    "scopes[0].customers", "a scope needs at least one customer, "
	    "like [\"acme\"]");
	expect_one("scopes = ( { name = \"a\"; } );\n", 1, "scopes[0]",
	    "missing required setting \"customers\": name the customers "
	    "whose data this scope carries, like customers = [\"acme\"]");
	expect_one("scopes = ( { name = \"a\"; customers = [\"a\", \"\"]; } );"
	    "\n", 1, "scopes[0].customers", "item 2 is an empty string; "
	    "expected a list of customer names like [\"acme\"]");
}
END_TEST

START_TEST(test_exempt_rules)
{
	expect_one("exempt = (\n  { dst = [\"192.0.2.53/32\"]; }\n);\n", 2,
	    "exempt[0]", "missing required setting \"reason\": say why this "
	    "traffic may leave unchecked, like reason = \"resolver\"");
	expect_one("exempt = ( { dst = [\"192.0.2.53/32\"]; reason = \"\"; } );"
	    "\n", 1, "exempt[0].reason", "must not be empty (say why this "
	    "traffic may leave unchecked)");
	expect_one("exempt = ( { reason = \"everything\"; } );\n", 1,
	    "exempt[0]", "an exemption needs at least one of dst, dports or "
	    "protocols; without them it would exempt every flow");
}
END_TEST

START_TEST(test_match_lints)
{
	expect_one("scopes = ( { name = \"a\"; customers = [\"a\"];\n"
	    "  match = { comms = [\"payroll-service-worker\"]; }; } );\n", 2,
	    "scopes[0].match.comms", "\"payroll-service-worker\" can never "
	    "match: the kernel keeps only the first 15 characters of a "
	    "process name (write \"payroll-service\" or a glob like "
	    "\"payroll-servic*\")");
	expect_one("scopes = ( { name = \"a\"; customers = [\"a\"];\n"
	    "  match = { cgroups = [\"system.slice/a.service\"]; }; } );\n", 2,
	    "scopes[0].match.cgroups", "\"system.slice/a.service\" can never "
	    "match: cgroup paths start with '/' (like "
	    "\"/system.slice/acme-*.service\")");
}
END_TEST

START_TEST(test_geodb_rules)
{
	expect_one("geodb: { path = \"\"; };\n", 1, "geodb.path", "must not "
	    "be empty (leave geodb.path out to use the embedded database)");
	expect_one("geodb: { country_path = []; };\n", 1, "geodb.country_path",
	    "must name at least one key, like [\"country\", \"iso_code\"]");
	expect_one("geodb: { country_path = [\"country\", \"\"]; };\n", 1,
	    "geodb.country_path", "item 2 is an empty string; expected a "
	    "list of keys like [\"country\", \"iso_code\"]");
	expect_one("consent: { register = \"\"; };\n", 1, "consent.register",
	    "must not be empty (leave it out for /etc/eeaguard/consent.conf)");
}
END_TEST

START_TEST(test_many_errors)
{
	struct config *c;

	c = load("agent: {\n"
	    "  mode = \"enforcing\";\n"
	    "  flow_capacity = 10;\n"
	    "};\n"
	    "policy: { eea = [\"UK\"]; };\n"
	    "scopes = (\n"
	    "  { name = \"a\"; customers = [\"a\"]; },\n"
	    "  { name = \"a\"; customers = []; match = { dports = [0]; }; }\n"
	    ");\n"
	    "bogus = true;\n");
	ck_assert_ptr_null(c);
	if (errs.n != 7)
		dump_errs();
	ck_assert_uint_eq(errs.n, 7);
	want_msg(2, "agent.mode", "unknown value \"enforcing\" (valid: "
	    "\"monitor\", \"enforce\")");
	want_msg(3, "agent.flow_capacity", "10 is out of range (valid: "
	    "1024-100000000)");
	want_msg(5, "policy.eea", "unknown country code 'UK' \u2014 did you "
	    "mean GB?");
	want_msg(8, "scopes[1].name", "duplicate scope name \"a\" (first "
	    "defined at line 7)");
	want_msg(8, "scopes[1].customers", "a scope needs at least one "
	    "customer, like [\"acme\"]");
	want_msg(8, "scopes[1].match.dports", "0 is not a port number (valid: "
	    "1-65535)");
	want_msg(10, "bogus", "unknown setting (valid: agent, geodb, consent, "
	    "policy, scopes, exempt, alerts)");
	/* In the order they occur in the file. */
	ck_assert_ptr_nonnull(strstr(errs.msg[0], "agent.mode"));
	ck_assert_ptr_nonnull(strstr(errs.msg[6], "bogus"));
}
END_TEST

START_TEST(test_syntax_error)
{
	char want[PATH_MAX * 2];
	struct config *c;

	c = load("agent: {\n  mode = \"monitor\";\n  enforce = ;\n};\n");
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(errs.n, 1);
	snprintf(want, sizeof(want), "%s:3: syntax error", conf);
	ck_assert_str_eq(errs.msg[0], want);
	errlist_clear(&errs);

	/* A key given twice is libconfig's to refuse. */
	c = load("agent: { mode = \"monitor\";\n mode = \"enforce\"; };\n");
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(errs.n, 1);
	snprintf(want, sizeof(want), "%s:2: duplicate setting name", conf);
	ck_assert_str_eq(errs.msg[0], want);
}
END_TEST

START_TEST(test_missing_file)
{
	char path[PATH_MAX * 2], want[PATH_MAX * 3];
	struct config *c;

	snprintf(path, sizeof(path), "%s/nope.conf", tmpdir);
	c = config_load(path, &errs);
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(errs.n, 1);
	snprintf(want, sizeof(want), "%s: cannot read the configuration: %s",
	    path, strerror(ENOENT));
	ck_assert_str_eq(errs.msg[0], want);
	errlist_clear(&errs);

	c = config_load(tmpdir, &errs);
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(errs.n, 1);
	snprintf(want, sizeof(want), "%s: cannot read the configuration: it "
	    "is not a regular file", tmpdir);
	ck_assert_str_eq(errs.msg[0], want);
	errlist_clear(&errs);

	/* libconfig would silently stop at a NUL byte. */
	write_file("bin.conf", "agent: { mode = \"monitor\"; };\n");
	snprintf(path, sizeof(path), "%s/bin.conf", tmpdir);
	{
		FILE *fp = fopen(path, "a");

		ck_assert_ptr_nonnull(fp);
		fputs("bogus", fp);
		fputc('\0', fp);
		fputs("zzz = 1;\n", fp);
		fclose(fp);
	}
	c = config_load(path, &errs);
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(errs.n, 1);
	snprintf(want, sizeof(want), "%s: cannot read the configuration: it "
	    "contains a NUL byte (is it a text file?)", path);
	ck_assert_str_eq(errs.msg[0], want);
	errlist_clear(&errs);

	/* A caller that does not want the messages still gets NULL. */
	ck_assert_ptr_null(config_load(path, NULL));
}
END_TEST

START_TEST(test_include)
{
	char want[PATH_MAX * 2];
	struct config *c;

	write_file("sub/consent.inc", "consent: {\n"
	    "  register = \"reg.conf\";\n};\n");
	c = load("agent: { mode = \"enforce\"; };\n@include \"sub/consent.inc\"\n");
	if (c == NULL)
		dump_errs();
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->agent.mode, MODE_ENFORCE);
	/* Relative to the file that names it, not to the main file. */
	snprintf(want, sizeof(want), "%s/sub/reg.conf", tmpdir);
	ck_assert_str_eq(c->consent.register_path, want);
	config_free(c);

	/* An error in an included file names that file and its line. */
	write_file("sub/scopes.inc", "\n\nscopes = ( { name = \"a\"; "
	    "customers = []; } );\n");
	c = load("@include \"sub/scopes.inc\"\n");
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(errs.n, 1);
	snprintf(want, sizeof(want), "%s/sub/scopes.inc:3: "
	    "scopes[0].customers: a scope needs at least one customer, like "
	    "[\"acme\"]", tmpdir);
	ck_assert_str_eq(errs.msg[0], want);
	errlist_clear(&errs);

	/* libconfig only says it could not open an include: we say why. */
	c = load("agent: { mode = \"enforce\"; };\n@include \"sub/none.inc\"\n");
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(errs.n, 1);
	snprintf(want, sizeof(want), "%s:2: cannot open include file: %s",
	    conf, strerror(ENOENT));
	ck_assert_str_eq(errs.msg[0], want);
}
END_TEST

/*
 * Found by tests/fuzz/fuzz_config: libconfig reads whatever an @include
 * names; a directory (or a read error) made its scanner exit(2) the process
 * ("input in flex scanner failed"), a FIFO blocked the load for good.
 */
START_TEST(test_include_not_a_file)
{
	char path[PATH_MAX * 2], want[PATH_MAX * 3];
	struct config *c;

	snprintf(path, sizeof(path), "%s/dir", tmpdir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/fifo", tmpdir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	write_file("sub/dir.inc", "agent: { mode = \"enforce\"; };\n"
	    "@include \"dir\"\n");

	c = load("@include \"dir\"\n");
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(errs.n, 1);
	want_msg(1, NULL, "cannot @include \"dir\": it is a directory");
	errlist_clear(&errs);

	c = load("# first\n@include \"\"\n");
	ck_assert_ptr_null(c);
	want_msg(2, NULL, "cannot @include \"\": it is a directory");
	errlist_clear(&errs);

	c = load("\n\n  @include\t\"fifo\"\n");
	ck_assert_ptr_null(c);
	want_msg(3, NULL, "cannot @include \"fifo\": it is not a regular file");
	errlist_clear(&errs);

	/* A read error (EIO past a size of 0) would fail libconfig too. */
	c = load("@include \"../../../../../../../../proc/self/mem\"\n");
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(errs.n, 1);
	ck_assert_ptr_nonnull(strstr(errs.msg[0], "/proc/self/mem: cannot read "
	    "the configuration: "));
	errlist_clear(&errs);

	/* An included file's own @include is checked too, and named. */
	c = load("@include \"sub/dir.inc\"\n");
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(errs.n, 1);
	snprintf(want, sizeof(want), "%s/sub/dir.inc:2: cannot @include "
	    "\"dir\": it is a directory", tmpdir);
	ck_assert_str_eq(errs.msg[0], want);
	errlist_clear(&errs);

	/* Where libconfig sees no directive, nothing is opened. */
	c = load("# @include \"dir\"\n/*\n@include \"dir\" */\n"
	    "alerts: { exec = \"\n@include \\\"dir\\\"\"; };\n");
	if (c == NULL)
		dump_errs();
	ck_assert_ptr_nonnull(c);
	config_free(c);
}
END_TEST

START_TEST(test_failed_load_frees)
{
	struct config *c;
	char *text;
	size_t len;

	/* Everything valid and allocated, then one error at the very end. */
	len = strlen(full_conf) + 64;
	ck_assert_ptr_nonnull(text = malloc(len));
	snprintf(text, len, "%sunknown = 1;\n", full_conf);
	c = load(text);
	free(text);
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(errs.n, 1);
	want_msg(34, "unknown", "unknown setting (valid: agent, geodb, "
	    "consent, policy, scopes, exempt, alerts)");
	/* Leaks, if any, are reported by ASan's leak checker at exit. */
}
END_TEST

START_TEST(test_deploy_example)
{
	char cwd[PATH_MAX], want[PATH_MAX * 2];
	struct config *c;

	c = config_load("deploy/eeaguard.conf", &errs);
	if (c == NULL)
		dump_errs();
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(errs.n, 0);
	ck_assert_ptr_null(c->geodb.path);
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	snprintf(want, sizeof(want), "%s/deploy/consent.conf", cwd);
	ck_assert_str_eq(c->consent.register_path, want);
	ck_assert_uint_eq(c->n_scopes, 1);
	ck_assert(!c->scopes[0].match.empty);
	ck_assert_uint_eq(c->n_exempts, 1);
	ck_assert_str_ne(c->exempts[0].reason, "");
	ck_assert_int_eq(c->agent.mode, MODE_MONITOR);
	config_free(c);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(config_mode_name(MODE_MONITOR), "monitor");
	ck_assert_str_eq(config_mode_name(MODE_ENFORCE), "enforce");
	ck_assert_str_eq(config_enforce_name(ENFORCE_REACTIVE), "reactive");
	ck_assert_str_eq(config_enforce_name(ENFORCE_PREVENTIVE),
	    "preventive");
	ck_assert_str_eq(config_unscoped_name(UNSCOPED_IGNORE), "ignore");
	ck_assert_str_eq(config_unscoped_name(UNSCOPED_ALERT), "alert");
	ck_assert_str_eq(config_unscoped_name(UNSCOPED_BLOCK), "block");
}
END_TEST

static Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_default);
	tcase_add_test(tc, test_empty_file);
	tcase_add_test(tc, test_sha256_of_bytes_parsed);
	tcase_add_test(tc, test_full);
	tcase_add_test(tc, test_absolute_and_off);
	tcase_add_test(tc, test_relative_config_path);
	tcase_add_test(tc, test_load_string);
	tcase_add_test(tc, test_unknown_keys);
	tcase_add_test(tc, test_wrong_types);
	tcase_add_test(tc, test_bad_networks);
	tcase_add_test(tc, test_out_of_range);
	tcase_add_test(tc, test_truncated_literal);
	tcase_add_test(tc, test_countries);
	tcase_add_test(tc, test_enums);
	tcase_add_test(tc, test_scope_names);
	tcase_add_test(tc, test_customers);
	tcase_add_test(tc, test_exempt_rules);
	tcase_add_test(tc, test_match_lints);
	tcase_add_test(tc, test_geodb_rules);
	tcase_add_test(tc, test_many_errors);
	tcase_add_test(tc, test_syntax_error);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_include);
	tcase_add_test(tc, test_include_not_a_file);
	tcase_add_test(tc, test_failed_load_frees);
	tcase_add_test(tc, test_deploy_example);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
