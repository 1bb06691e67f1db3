/* eeaguard.conf: load with libconfig 1.5, validate strictly, free. */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libconfig.h>
#include <openssl/evp.h>

#include "rules/config.h"

/* A configuration is a page of text; anything this big is a mistake. */
#define CF_MAX_BYTES	(16 * 1024 * 1024)
#define CF_MAX_TRUNC	64
#define CF_UID_MAX	4294967294LL	/* (uid_t)-1 means "no user" */
#define CF_COMM_MAX	15		/* TASK_COMM_LEN - 1 */
#define CF_INCLUDE_DEPTH 10		/* libconfig 1.5's MAX_INCLUDE_DEPTH */

static const char *const cf_internal_default[] = {
	"127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12",
	"192.168.0.0/16", "169.254.0.0/16", "fe80::/10", "100.64.0.0/10",
	"fc00::/7", "224.0.0.0/4", "ff00::/8", NULL
};

static const char *const cf_mode_names[] = { "monitor", "enforce", NULL };
static const char *const cf_enforce_names[] = { "reactive", "preventive",
    NULL };
static const char *const cf_unscoped_names[] = { "ignore", "alert", "block",
    NULL };

static const char *const cf_top_keys[] = { "agent", "geodb", "consent",
    "policy", "scopes", "exempt", "alerts", NULL };
static const char *const cf_agent_keys[] = { "mode", "enforce",
    "interfaces", "local_networks", "flow_capacity", "flow_idle_timeout",
    NULL };
static const char *const cf_geodb_keys[] = { "path", "country_path",
    "cache_size", "max_age_days", NULL };
static const char *const cf_consent_keys[] = { "register", "audit_log",
    NULL };
static const char *const cf_policy_keys[] = { "eea", "internal_networks",
    "unscoped", NULL };
static const char *const cf_scope_keys[] = { "name", "customers", "data",
    "subjects", "match", NULL };
static const char *const cf_match_keys[] = { "uids", "users", "cgroups",
    "comms", "src", "sports", "dports", "protocols", NULL };
static const char *const cf_exempt_keys[] = { "dst", "dports", "protocols",
    "reason", NULL };
static const char *const cf_alerts_keys[] = { "stdout", "syslog", "jsonl",
    "exec", "dedup_window", "metrics_file", "stats_interval", NULL };

#define CF_EX_CIDRS	"a list of networks like [\"192.0.2.0/24\", " \
			"\"2001:db8::/32\"]"
#define CF_EX_PORTS	"a list of port numbers like [443, 8443]"
#define CF_EX_PROTOS	"a list of protocols like [\"tcp\", \"udp\"]"

/*
 * libconfig 1.5 reads a plain integer literal outside 32 bits without
 * complaint and keeps only its low bits, so 4294967294 arrives as -2. The
 * loader finds such literals in the text itself; each is remembered so the
 * setting that holds the mangled value is not reported a second time.
 */
struct cf_trunc {
	const char *src;	/* libconfig's name for the file; NULL = main */
	int line;
	long long value;	/* what libconfig made of it */
};

struct cfload {
	const char *file;	/* the configuration as the caller named it */
	char *dir;		/* its directory, absolute when getcwd allows */
	struct errlist *errs;
	int nerr;
	struct cf_trunc trunc[CF_MAX_TRUNC];
	size_t ntrunc;
};

const char *
config_mode_name(enum agent_mode m)
{
	return m == MODE_ENFORCE ? "enforce" : "monitor";
}

const char *
config_enforce_name(enum enforce_kind k)
{
	return k == ENFORCE_PREVENTIVE ? "preventive" : "reactive";
}

const char *
config_unscoped_name(enum unscoped_action u)
{
	switch (u) {
	case UNSCOPED_IGNORE:
		return "ignore";
	case UNSCOPED_BLOCK:
		return "block";
	case UNSCOPED_ALERT:
		break;
	}
	return "alert";
}

static void
cf_strlist_free(struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void
cf_match_free(struct scope_match *m)
{
	free(m->uids);
	cf_strlist_free(&m->users);
	cf_strlist_free(&m->cgroups);
	cf_strlist_free(&m->comms);
	free(m->src.v);
	netset_free(m->src_set);
	free(m->sports.v);
	free(m->dports.v);
	memset(m, 0, sizeof(*m));
}

void
config_free(struct config *c)
{
	size_t i;

	if (c == NULL)
		return;
	free(c->path);
	cf_strlist_free(&c->agent.interfaces);
	free(c->agent.local_networks.v);
	netset_free(c->agent.local_set);
	free(c->geodb.path);
	cf_strlist_free(&c->geodb.country_path);
	free(c->consent.register_path);
	free(c->consent.audit_log);
	free(c->policy.internal.v);
	netset_free(c->policy.internal_set);
	for (i = 0; i < c->n_scopes; i++) {
		free(c->scopes[i].name);
		cf_strlist_free(&c->scopes[i].customers);
		free(c->scopes[i].data);
		cf_match_free(&c->scopes[i].match);
	}
	free(c->scopes);
	for (i = 0; i < c->n_exempts; i++) {
		free(c->exempts[i].dst.v);
		free(c->exempts[i].dports.v);
		free(c->exempts[i].reason);
	}
	free(c->exempts);
	free(c->alerts.jsonl);
	free(c->alerts.exec);
	free(c->alerts.metrics_file);
	free(c);
}

/* Every key at its default, netsets not yet built; NULL when out of memory. */
static struct config *
cf_defaults(void)
{
	struct config *c;
	size_t i, n;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	/* the built-in defaults hash as an empty file */
	if (EVP_Digest("", 0, c->sha256, NULL, EVP_sha256(), NULL) != 1) {
		free(c);
		return NULL;
	}
	c->agent.mode = MODE_MONITOR;
	c->agent.enforce = ENFORCE_REACTIVE;
	c->agent.flow_capacity = 1000000;
	c->agent.flow_idle_timeout = 300;
	c->geodb.cache_size = 65536;
	c->geodb.max_age_days = 45;
	if ((c->geodb.country_path.v = calloc(2, sizeof(char *))) == NULL)
		goto fail;
	if ((c->geodb.country_path.v[0] = strdup("country")) == NULL)
		goto fail;
	c->geodb.country_path.n = 1;
	if ((c->geodb.country_path.v[1] = strdup("iso_code")) == NULL)
		goto fail;
	c->geodb.country_path.n = 2;
	c->consent.register_path = strdup("/etc/eeaguard/consent.conf");
	c->consent.audit_log = strdup("/var/lib/eeaguard/consent.log");
	country_set_eea_default(&c->policy.eea);
	for (n = 0; cf_internal_default[n] != NULL; n++)
		;
	if ((c->policy.internal.v = calloc(n, sizeof(struct ipprefix))) ==
	    NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		/* A typo in the table above is a bug, not a user error. */
		if (ipprefix_parse(cf_internal_default[i],
		    &c->policy.internal.v[i], NULL) == -1)
			goto fail;
	}
	c->policy.internal.n = n;
	c->policy.unscoped = UNSCOPED_ALERT;
	c->alerts.to_stdout = false;
	c->alerts.syslog = true;
	c->alerts.jsonl = strdup("/var/log/eeaguard/events.jsonl");
	c->alerts.exec = strdup("");
	c->alerts.metrics_file = strdup("");
	c->alerts.dedup_window = 300;
	c->alerts.stats_interval = 60;
	if (c->consent.register_path == NULL || c->consent.audit_log == NULL ||
	    c->alerts.jsonl == NULL || c->alerts.exec == NULL ||
	    c->alerts.metrics_file == NULL)
		goto fail;
	return c;
fail:
	config_free(c);
	return NULL;
}

static struct netset *
cf_netset(const struct prefixlist *l)
{
	struct netset *s;
	size_t i;

	if ((s = netset_new()) == NULL)
		return NULL;
	for (i = 0; i < l->n; i++) {
		if (netset_add(s, &l->v[i], (int)i) == -1) {
			netset_free(s);
			return NULL;
		}
	}
	return s;
}

/* The lookup structures derived from the lists; -1 when out of memory. */
static int
cf_build_sets(struct config *c)
{
	size_t i;

	if ((c->agent.local_set = cf_netset(&c->agent.local_networks)) ==
	    NULL)
		return -1;
	if ((c->policy.internal_set = cf_netset(&c->policy.internal)) == NULL)
		return -1;
	for (i = 0; i < c->n_scopes; i++) {
		if (c->scopes[i].match.src.n == 0)
			continue;
		if ((c->scopes[i].match.src_set =
		    cf_netset(&c->scopes[i].match.src)) == NULL)
			return -1;
	}
	return 0;
}

struct config *
config_default(void)
{
	struct config *c;

	if ((c = cf_defaults()) == NULL)
		return NULL;
	if (cf_build_sets(c) == -1) {
		config_free(c);
		return NULL;
	}
	return c;
}

/*
 * "scopes[1].match.dports": the name a user would search the file for.
 * Array and list members are written as an index on their parent.
 */
static void
cf_setting_path(const config_setting_t *s, char *buf, size_t size)
{
	const config_setting_t *chain[32], *p;
	size_t n = 0, off = 0;
	int w;

	buf[0] = '\0';
	for (; s != NULL && config_setting_parent(s) != NULL &&
	    n < sizeof(chain) / sizeof(chain[0]); s = config_setting_parent(s))
		chain[n++] = s;
	while (n-- > 0 && off < size) {
		p = config_setting_parent(chain[n]);
		if (config_setting_is_array(p) || config_setting_is_list(p))
			w = snprintf(buf + off, size - off, "[%d]",
			    config_setting_index(chain[n]));
		else
			w = snprintf(buf + off, size - off, "%s%s",
			    off > 0 ? "." : "", config_setting_name(chain[n]));
		if (w < 0)
			break;
		off += (size_t)w;
	}
}

/*
 * The file a setting came from as a user can open it. libconfig 1.5 names
 * the main text NULL (it is read from memory) and an included file as the
 * @include directive wrote it, relative to the include directory.
 */
static void
cf_file_of(const struct cfload *ld, const char *src, char *buf, size_t size)
{
	if (src == NULL)
		snprintf(buf, size, "%s", ld->file);
	else
		snprintf(buf, size, "%s/%s", ld->dir, src);
}

static void cf_err(struct cfload *, const config_setting_t *,
    const config_setting_t *, const char *, ...) EG_PRINTF(4, 5);

/* Reports at the path of where and the line of at (an item of where). */
static void
cf_err(struct cfload *ld, const config_setting_t *where,
    const config_setting_t *at, const char *fmt, ...)
{
	char file[PATH_MAX + 256], path[256], msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (at == NULL)
		at = where;
	cf_file_of(ld, config_setting_source_file(at), file, sizeof(file));
	cf_setting_path(where, path, sizeof(path));
	errlist_addf(ld->errs, file, config_setting_source_line(at),
	    path[0] != '\0' ? path : NULL, "%s", msg);
	ld->nerr++;
}

static void
cf_oom(struct cfload *ld)
{
	errlist_addf(ld->errs, ld->file, 0, NULL, "out of memory while "
	    "loading the configuration");
	ld->nerr++;
}

/* What the user wrote, for "found ..." in messages. */
static const char *
cf_describe(const config_setting_t *s, char *buf, size_t size)
{
	const char *v;

	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		snprintf(buf, size, "the integer %lld",
		    config_setting_get_int64(s));
		break;
	case CONFIG_TYPE_FLOAT:
		snprintf(buf, size, "the number %g",
		    config_setting_get_float(s));
		break;
	case CONFIG_TYPE_STRING:
		v = config_setting_get_string(s);
		snprintf(buf, size, "the string \"%.40s%s\"", v,
		    strlen(v) > 40 ? "..." : "");
		break;
	case CONFIG_TYPE_BOOL:
		snprintf(buf, size, "the boolean %s",
		    config_setting_get_bool(s) ? "true" : "false");
		break;
	case CONFIG_TYPE_GROUP:
		snprintf(buf, size, "a group { ... }");
		break;
	case CONFIG_TYPE_ARRAY:
		snprintf(buf, size, "an array [ ... ]");
		break;
	case CONFIG_TYPE_LIST:
		snprintf(buf, size, "a list ( ... )");
		break;
	default:
		snprintf(buf, size, "a setting of unknown type");
		break;
	}
	return buf;
}

static void
cf_type_err(struct cfload *ld, const config_setting_t *s, const char *expect)
{
	char d[96];

	cf_err(ld, s, NULL, "expected %s, found %s", expect,
	    cf_describe(s, d, sizeof(d)));
}

static void
cf_item_type_err(struct cfload *ld, const config_setting_t *list,
    const config_setting_t *item, const char *expect)
{
	char d[96];

	cf_err(ld, list, item, "expected %s, found %s in it", expect,
	    cf_describe(item, d, sizeof(d)));
}

/* "a, b, c" into buf, quoted when q. */
static const char *
cf_join(const char *const names[], bool q, char *buf, size_t size)
{
	size_t i, off = 0;
	int w;

	buf[0] = '\0';
	for (i = 0; names[i] != NULL && off < size; i++) {
		w = snprintf(buf + off, size - off, "%s%s%s%s",
		    i > 0 ? ", " : "", q ? "\"" : "", names[i], q ? "\"" : "");
		if (w < 0)
			break;
		off += (size_t)w;
	}
	return buf;
}

static bool
cf_in(const char *const names[], const char *s)
{
	size_t i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], s) == 0)
			return true;
	return false;
}

/* Every member of group g must be one of keys: a typo is never ignored. */
static void
cf_check_keys(struct cfload *ld, const config_setting_t *g,
    const char *const keys[])
{
	const config_setting_t *m;
	char valid[512];
	int i, n;

	if (g == NULL)
		return;
	n = config_setting_length(g);
	for (i = 0; i < n; i++) {
		m = config_setting_get_elem(g, (unsigned)i);
		if (cf_in(keys, config_setting_name(m)))
			continue;
		cf_err(ld, m, NULL, "unknown setting (valid: %s)",
		    cf_join(keys, false, valid, sizeof(valid)));
	}
}

static const config_setting_t *
cf_member(const config_setting_t *g, const char *key)
{
	return g != NULL ? config_setting_get_member(g, key) : NULL;
}

static bool
cf_is_int(const config_setting_t *s)
{
	return config_setting_type(s) == CONFIG_TYPE_INT ||
	    config_setting_type(s) == CONFIG_TYPE_INT64;
}

static bool
cf_same_src(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* True when s holds a literal already reported as mangled by libconfig. */
static bool
cf_truncated(const struct cfload *ld, const config_setting_t *s)
{
	size_t i;

	for (i = 0; i < ld->ntrunc; i++)
		if (ld->trunc[i].line == (int)config_setting_source_line(s) &&
		    ld->trunc[i].value == config_setting_get_int64(s) &&
		    cf_same_src(ld->trunc[i].src,
		    config_setting_source_file(s)))
			return true;
	return false;
}

/*
 * Scalar readers: 1 when key is present and valid (*out set), 0 when
 * absent (*out untouched), -1 when invalid (reported).
 */
static int
cf_group(struct cfload *ld, const config_setting_t *g, const char *key,
    const char *example, const config_setting_t **out)
{
	const config_setting_t *s;
	char expect[256];

	*out = NULL;
	if ((s = cf_member(g, key)) == NULL)
		return 0;
	if (!config_setting_is_group(s)) {
		snprintf(expect, sizeof(expect), "a group like %s", example);
		cf_type_err(ld, s, expect);
		return -1;
	}
	*out = s;
	return 1;
}

static int
cf_string(struct cfload *ld, const config_setting_t *g, const char *key,
    const char *example, const char *empty_why, const char **out)
{
	const config_setting_t *s;
	char expect[256];

	if ((s = cf_member(g, key)) == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		snprintf(expect, sizeof(expect), "a string like %s", example);
		cf_type_err(ld, s, expect);
		return -1;
	}
	if (empty_why != NULL && config_setting_get_string(s)[0] == '\0') {
		cf_err(ld, s, NULL, "must not be empty (%s)", empty_why);
		return -1;
	}
	*out = config_setting_get_string(s);
	return 1;
}

/* Replaces *dst by a copy of v. */
static int
cf_set_str(struct cfload *ld, char **dst, const char *v)
{
	char *n;

	if ((n = strdup(v)) == NULL) {
		cf_oom(ld);
		return -1;
	}
	free(*dst);
	*dst = n;
	return 0;
}

/*
 * The directory relative paths in setting s resolve against: that of the
 * file which names them, so an @included fragment can carry its own.
 */
static void
cf_dir_of(const struct cfload *ld, const config_setting_t *s, char *buf,
    size_t size)
{
	const char *src = config_setting_source_file(s);
	char *slash;

	if (src == NULL || strchr(src, '/') == NULL) {
		snprintf(buf, size, "%s", ld->dir);
		return;
	}
	snprintf(buf, size, "%s/%s", ld->dir, src);
	if ((slash = strrchr(buf, '/')) != NULL)
		*slash = '\0';
}

/*
 * A file path: relative ones are made absolute against the naming file's
 * directory, so the agent finds them whatever its working directory. With
 * no empty_why, "" is kept as "" (a sink turned off).
 */
static int
cf_path(struct cfload *ld, const config_setting_t *g, const char *key,
    const char *example, const char *empty_why, char **dst)
{
	const config_setting_t *s;
	const char *v;
	char dir[PATH_MAX], *full;
	size_t len;
	int rc;

	if ((rc = cf_string(ld, g, key, example, empty_why, &v)) != 1)
		return rc;
	if (v[0] == '\0' || v[0] == '/')
		return cf_set_str(ld, dst, v) == 0 ? 1 : -1;
	s = cf_member(g, key);
	cf_dir_of(ld, s, dir, sizeof(dir));
	while (v[0] == '.' && v[1] == '/')
		v += 2;
	len = strlen(dir) + 1 + strlen(v) + 1;
	if ((full = malloc(len)) == NULL) {
		cf_oom(ld);
		return -1;
	}
	snprintf(full, len, "%s/%s", dir, v);
	free(*dst);
	*dst = full;
	return 1;
}

static int
cf_int(struct cfload *ld, const config_setting_t *g, const char *key,
    long long min, long long max, const char *example, long long *out)
{
	const config_setting_t *s;
	char expect[128];
	long long v;

	if ((s = cf_member(g, key)) == NULL)
		return 0;
	if (!cf_is_int(s)) {
		snprintf(expect, sizeof(expect), "an integer like %s", example);
		cf_type_err(ld, s, expect);
		return -1;
	}
	if (cf_truncated(ld, s))
		return -1;
	v = config_setting_get_int64(s);
	if (v < min || v > max) {
		if (max == LLONG_MAX)
			cf_err(ld, s, NULL, "%lld is out of range (valid: %lld "
			    "or more)", v, min);
		else
			cf_err(ld, s, NULL, "%lld is out of range (valid: "
			    "%lld-%lld)", v, min, max);
		return -1;
	}
	*out = v;
	return 1;
}

static void
cf_u32(struct cfload *ld, const config_setting_t *g, const char *key,
    long long min, long long max, const char *example, uint32_t *dst)
{
	long long v;

	if (cf_int(ld, g, key, min, max, example, &v) == 1)
		*dst = (uint32_t)v;
}

static void
cf_bool(struct cfload *ld, const config_setting_t *g, const char *key,
    bool *dst)
{
	const config_setting_t *s;

	if ((s = cf_member(g, key)) == NULL)
		return;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		cf_type_err(ld, s, "true or false");
		return;
	}
	*dst = config_setting_get_bool(s) != 0;
}

static int
cf_enum(struct cfload *ld, const config_setting_t *g, const char *key,
    const char *const names[], int *out)
{
	const config_setting_t *s;
	const char *v;
	char valid[128], expect[160];
	int i;

	if ((s = cf_member(g, key)) == NULL)
		return 0;
	cf_join(names, true, valid, sizeof(valid));
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		snprintf(expect, sizeof(expect), "one of %s", valid);
		cf_type_err(ld, s, expect);
		return -1;
	}
	v = config_setting_get_string(s);
	for (i = 0; names[i] != NULL; i++) {
		if (strcmp(names[i], v) == 0) {
			*out = i;
			return 1;
		}
	}
	cf_err(ld, s, NULL, "unknown value \"%s\" (valid: %s)", v, valid);
	return -1;
}

/* A list of scalars may be written as an array [...] or a list (...). */
static int
cf_list(struct cfload *ld, const config_setting_t *g, const char *key,
    const char *expect, const config_setting_t **out)
{
	const config_setting_t *s;

	*out = NULL;
	if ((s = cf_member(g, key)) == NULL)
		return 0;
	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		cf_type_err(ld, s, expect);
		return -1;
	}
	*out = s;
	return 1;
}

/* The items of a string list, checked one by one; NULL on error. */
typedef int (*cf_item_check)(struct cfload *, const config_setting_t *,
    const config_setting_t *, const char *);

static int
cf_strlist(struct cfload *ld, const config_setting_t *g, const char *key,
    const char *expect, cf_item_check check, struct strlist *dst)
{
	const config_setting_t *l, *it;
	struct strlist nl = { NULL, 0 };
	const char *v;
	int rc, i, n, bad = 0;

	if ((rc = cf_list(ld, g, key, expect, &l)) != 1)
		return rc;
	n = config_setting_length(l);
	if (n > 0 && (nl.v = calloc((size_t)n, sizeof(char *))) == NULL) {
		cf_oom(ld);
		return -1;
	}
	for (i = 0; i < n; i++) {
		it = config_setting_get_elem(l, (unsigned)i);
		if (config_setting_type(it) != CONFIG_TYPE_STRING) {
			cf_item_type_err(ld, l, it, expect);
			bad = 1;
			continue;
		}
		v = config_setting_get_string(it);
		if (v[0] == '\0') {
			cf_err(ld, l, it, "item %d is an empty string; "
			    "expected %s", i + 1, expect);
			bad = 1;
			continue;
		}
		if (check != NULL && check(ld, l, it, v) == -1) {
			bad = 1;
			continue;
		}
		if ((nl.v[nl.n] = strdup(v)) == NULL) {
			cf_oom(ld);
			bad = 1;
			break;
		}
		nl.n++;
	}
	if (bad) {
		cf_strlist_free(&nl);
		return -1;
	}
	cf_strlist_free(dst);
	*dst = nl;
	return 1;
}

static int
cf_prefixlist(struct cfload *ld, const config_setting_t *g, const char *key,
    struct prefixlist *dst)
{
	const config_setting_t *l, *it;
	struct ipprefix *v = NULL;
	const char *s, *why;
	size_t k = 0;
	int rc, i, n, bad = 0;

	if ((rc = cf_list(ld, g, key, CF_EX_CIDRS, &l)) != 1)
		return rc;
	n = config_setting_length(l);
	if (n > 0 && (v = calloc((size_t)n, sizeof(*v))) == NULL) {
		cf_oom(ld);
		return -1;
	}
	for (i = 0; i < n; i++) {
		it = config_setting_get_elem(l, (unsigned)i);
		if (config_setting_type(it) != CONFIG_TYPE_STRING) {
			cf_item_type_err(ld, l, it, CF_EX_CIDRS);
			bad = 1;
			continue;
		}
		s = config_setting_get_string(it);
		if (ipprefix_parse(s, &v[k], &why) == -1) {
			cf_err(ld, l, it, "bad network \"%s\": %s", s, why);
			bad = 1;
			continue;
		}
		k++;
	}
	if (bad) {
		free(v);
		return -1;
	}
	free(dst->v);
	dst->v = v;
	dst->n = k;
	return 1;
}

/*
 * Integer lists (ports, uids): each item an integer in min..max, what
 * names one in messages ("port number").
 */
static int
cf_intlist(struct cfload *ld, const config_setting_t *g, const char *key,
    const char *expect, const char *what, long long min, long long max,
    long long **out, size_t *nout)
{
	const config_setting_t *l, *it;
	long long *v = NULL, x;
	size_t k = 0;
	int rc, i, n, bad = 0;

	if ((rc = cf_list(ld, g, key, expect, &l)) != 1)
		return rc;
	n = config_setting_length(l);
	if (n > 0 && (v = calloc((size_t)n, sizeof(*v))) == NULL) {
		cf_oom(ld);
		return -1;
	}
	for (i = 0; i < n; i++) {
		it = config_setting_get_elem(l, (unsigned)i);
		if (!cf_is_int(it)) {
			cf_item_type_err(ld, l, it, expect);
			bad = 1;
			continue;
		}
		if (cf_truncated(ld, it)) {
			bad = 1;
			continue;
		}
		x = config_setting_get_int64(it);
		if (x < min || x > max) {
			cf_err(ld, l, it, "%lld is not a %s (valid: %lld-%lld)",
			    x, what, min, max);
			bad = 1;
			continue;
		}
		v[k++] = x;
	}
	if (bad) {
		free(v);
		return -1;
	}
	*out = v;
	*nout = k;
	return 1;
}

static int
cf_portlist(struct cfload *ld, const config_setting_t *g, const char *key,
    struct portlist *dst)
{
	long long *v;
	uint16_t *p = NULL;
	size_t i, n;
	int rc;

	if ((rc = cf_intlist(ld, g, key, CF_EX_PORTS, "port number", 1, 65535,
	    &v, &n)) != 1)
		return rc;
	if (n > 0 && (p = calloc(n, sizeof(*p))) == NULL) {
		free(v);
		cf_oom(ld);
		return -1;
	}
	for (i = 0; i < n; i++)
		p[i] = (uint16_t)v[i];
	free(v);
	free(dst->v);
	dst->v = p;
	dst->n = n;
	return 1;
}

static int
cf_protocols(struct cfload *ld, const config_setting_t *g, const char *key,
    unsigned *dst)
{
	static const char *const names[] = { "tcp", "udp", NULL };
	const config_setting_t *l, *it;
	const char *v;
	char valid[64];
	unsigned bits = 0;
	int rc, i, n, bad = 0;

	if ((rc = cf_list(ld, g, key, CF_EX_PROTOS, &l)) != 1)
		return rc;
	n = config_setting_length(l);
	for (i = 0; i < n; i++) {
		it = config_setting_get_elem(l, (unsigned)i);
		if (config_setting_type(it) != CONFIG_TYPE_STRING) {
			cf_item_type_err(ld, l, it, CF_EX_PROTOS);
			bad = 1;
			continue;
		}
		v = config_setting_get_string(it);
		if (strcmp(v, "tcp") == 0)
			bits |= PROTO_BIT_TCP;
		else if (strcmp(v, "udp") == 0)
			bits |= PROTO_BIT_UDP;
		else {
			cf_err(ld, l, it, "unknown protocol \"%s\" (valid: %s)",
			    v, cf_join(names, true, valid, sizeof(valid)));
			bad = 1;
		}
	}
	if (bad)
		return -1;
	*dst = bits;
	return 1;
}

static int
cf_countries(struct cfload *ld, const config_setting_t *g, const char *key,
    struct country_set *dst)
{
	static const char expect[] = "a list of country codes like "
	    "[\"NL\", \"DE\"]";
	const config_setting_t *l, *it;
	struct country_set set;
	const char *v, *sug;
	int rc, i, n, bad = 0;

	if ((rc = cf_list(ld, g, key, expect, &l)) != 1)
		return rc;
	country_set_clear(&set);
	n = config_setting_length(l);
	for (i = 0; i < n; i++) {
		it = config_setting_get_elem(l, (unsigned)i);
		if (config_setting_type(it) != CONFIG_TYPE_STRING) {
			cf_item_type_err(ld, l, it, expect);
			bad = 1;
			continue;
		}
		v = config_setting_get_string(it);
		if (country_is_region(v)) {
			cf_err(ld, l, it, "'%s' is a region, not a country: "
			    "geolocation databases use it for addresses they "
			    "cannot place in one country, so it is never part "
			    "of the EEA (list the countries themselves)", v);
			bad = 1;
		} else if (!country_is_assigned(v)) {
			if ((sug = country_suggest(v)) != NULL)
				cf_err(ld, l, it, "unknown country code '%s' "
				    "\u2014 did you mean %s?", v, sug);
			else
				cf_err(ld, l, it, "unknown country code '%s' "
				    "(valid: ISO 3166-1 alpha-2 codes such as "
				    "NL or DE)", v);
			bad = 1;
		} else
			country_set_add(&set, v);
	}
	if (bad)
		return -1;
	*dst = set;
	return 1;
}

static int
cf_check_comm(struct cfload *ld, const config_setting_t *l,
    const config_setting_t *it, const char *v)
{
	/* The kernel cuts names short, so a longer literal never matches. */
	if (strpbrk(v, "*?[") == NULL && strlen(v) > CF_COMM_MAX) {
		cf_err(ld, l, it, "\"%s\" can never match: the kernel keeps "
		    "only the first %d characters of a process name (write "
		    "\"%.*s\" or a glob like \"%.*s*\")", v, CF_COMM_MAX,
		    CF_COMM_MAX, v, CF_COMM_MAX - 1, v);
		return -1;
	}
	return 0;
}

static int
cf_check_cgroup(struct cfload *ld, const config_setting_t *l,
    const config_setting_t *it, const char *v)
{
	/* Attribution reports cgroup v2 paths, which are absolute. */
	if (v[0] != '/' && v[0] != '*') {
		cf_err(ld, l, it, "\"%s\" can never match: cgroup paths start "
		    "with '/' (like \"/system.slice/acme-*.service\")", v);
		return -1;
	}
	return 0;
}

static void
cf_read_agent(struct cfload *ld, const config_setting_t *g,
    struct config *c)
{
	int e;

	cf_check_keys(ld, g, cf_agent_keys);
	if (cf_enum(ld, g, "mode", cf_mode_names, &e) == 1)
		c->agent.mode = (enum agent_mode)e;
	if (cf_enum(ld, g, "enforce", cf_enforce_names, &e) == 1)
		c->agent.enforce = (enum enforce_kind)e;
	cf_strlist(ld, g, "interfaces", "a list of interface names like "
	    "[\"eth0\", \"eth1\"]", NULL, &c->agent.interfaces);
	cf_prefixlist(ld, g, "local_networks", &c->agent.local_networks);
	cf_u32(ld, g, "flow_capacity", 1024, 100000000, "1000000",
	    &c->agent.flow_capacity);
	cf_u32(ld, g, "flow_idle_timeout", 1, 86400, "300",
	    &c->agent.flow_idle_timeout);
}

static void
cf_read_geodb(struct cfload *ld, const config_setting_t *g,
    struct config *c)
{
	const config_setting_t *s;

	cf_check_keys(ld, g, cf_geodb_keys);
	cf_path(ld, g, "path", "\"/var/lib/eeaguard/country.mmdb\"",
	    "leave geodb.path out to use the embedded database",
	    &c->geodb.path);
	if (cf_strlist(ld, g, "country_path", "a list of keys like "
	    "[\"country\", \"iso_code\"]", NULL, &c->geodb.country_path) == 1 &&
	    c->geodb.country_path.n == 0) {
		s = cf_member(g, "country_path");
		cf_err(ld, s, NULL, "must name at least one key, like "
		    "[\"country\", \"iso_code\"]");
	}
	cf_u32(ld, g, "cache_size", 0, 16777216, "65536",
	    &c->geodb.cache_size);
	cf_u32(ld, g, "max_age_days", 1, 3650, "45", &c->geodb.max_age_days);
}

static void
cf_read_consent(struct cfload *ld, const config_setting_t *g,
    struct config *c)
{
	cf_check_keys(ld, g, cf_consent_keys);
	cf_path(ld, g, "register", "\"/etc/eeaguard/consent.conf\"",
	    "leave it out for /etc/eeaguard/consent.conf",
	    &c->consent.register_path);
	cf_path(ld, g, "audit_log", "\"/var/lib/eeaguard/consent.log\"",
	    "leave it out for /var/lib/eeaguard/consent.log",
	    &c->consent.audit_log);
}

static void
cf_read_policy(struct cfload *ld, const config_setting_t *g,
    struct config *c)
{
	int e;

	cf_check_keys(ld, g, cf_policy_keys);
	cf_countries(ld, g, "eea", &c->policy.eea);
	cf_prefixlist(ld, g, "internal_networks", &c->policy.internal);
	if (cf_enum(ld, g, "unscoped", cf_unscoped_names, &e) == 1)
		c->policy.unscoped = (enum unscoped_action)e;
}

static void
cf_read_alerts(struct cfload *ld, const config_setting_t *g,
    struct config *c)
{
	const char *v;

	cf_check_keys(ld, g, cf_alerts_keys);
	cf_bool(ld, g, "stdout", &c->alerts.to_stdout);
	cf_bool(ld, g, "syslog", &c->alerts.syslog);
	cf_path(ld, g, "jsonl", "\"/var/log/eeaguard/events.jsonl\"", NULL,
	    &c->alerts.jsonl);
	/* A command line, run as written: not a path to resolve. */
	if (cf_string(ld, g, "exec", "\"/usr/local/bin/page-oncall\"", NULL,
	    &v) == 1)
		cf_set_str(ld, &c->alerts.exec, v);
	cf_u32(ld, g, "dedup_window", 0, 86400, "300",
	    &c->alerts.dedup_window);
	cf_path(ld, g, "metrics_file", "\"/var/lib/eeaguard/metrics.prom\"",
	    NULL, &c->alerts.metrics_file);
	cf_u32(ld, g, "stats_interval", 1, 86400, "60",
	    &c->alerts.stats_interval);
}

static void
cf_read_match(struct cfload *ld, const config_setting_t *g,
    struct scope_match *m)
{
	long long *v;
	size_t i, n;

	m->empty = true;
	if (g == NULL)
		return;
	cf_check_keys(ld, g, cf_match_keys);
	if (cf_intlist(ld, g, "uids", "a list of user ids like [1001, 1002]",
	    "uid", 0, CF_UID_MAX, &v, &n) == 1) {
		if (n > 0 && (m->uids = calloc(n, sizeof(*m->uids))) == NULL)
			cf_oom(ld);
		else {
			for (i = 0; i < n; i++)
				m->uids[i] = (uint32_t)v[i];
			m->n_uids = n;
		}
		free(v);
	}
	cf_strlist(ld, g, "users", "a list of user names like [\"acme\"]",
	    NULL, &m->users);
	cf_strlist(ld, g, "cgroups", "a list of cgroup globs like "
	    "[\"/system.slice/acme-*.service\"]", cf_check_cgroup,
	    &m->cgroups);
	cf_strlist(ld, g, "comms", "a list of process name globs like "
	    "[\"payroll*\"]", cf_check_comm, &m->comms);
	cf_prefixlist(ld, g, "src", &m->src);
	cf_portlist(ld, g, "sports", &m->sports);
	cf_portlist(ld, g, "dports", &m->dports);
	cf_protocols(ld, g, "protocols", &m->protocols);
	m->empty = m->n_uids == 0 && m->users.n == 0 && m->cgroups.n == 0 &&
	    m->comms.n == 0 && m->src.n == 0 && m->sports.n == 0 &&
	    m->dports.n == 0 && m->protocols == 0;
}

/* A list of groups; an empty array [] counts as an empty list. */
static int
cf_group_list(struct cfload *ld, const config_setting_t *root,
    const char *key, const char *example, const config_setting_t **out)
{
	const config_setting_t *s;
	char expect[256];

	*out = NULL;
	if ((s = cf_member(root, key)) == NULL)
		return 0;
	if (!config_setting_is_list(s) && !(config_setting_is_array(s) &&
	    config_setting_length(s) == 0)) {
		snprintf(expect, sizeof(expect), "a list of groups like %s",
		    example);
		cf_type_err(ld, s, expect);
		return -1;
	}
	*out = s;
	return 1;
}

static void
cf_read_scope(struct cfload *ld, const config_setting_t *l, int idx,
    struct config *c)
{
	const config_setting_t *g, *m, *prev;
	struct scope *sc = &c->scopes[idx];
	const char *v;
	char file[PATH_MAX + 256];
	long long x;
	int j;

	sc->subjects = -1;
	sc->match.empty = true;
	g = config_setting_get_elem(l, (unsigned)idx);
	sc->line = config_setting_source_line(g);
	if (!config_setting_is_group(g)) {
		cf_type_err(ld, g, "a group like { name = \"acme-payroll\"; "
		    "customers = [\"acme\"]; match = { ... }; }");
		return;
	}
	cf_check_keys(ld, g, cf_scope_keys);
	switch (cf_string(ld, g, "name", "\"acme-payroll\"",
	    "every scope needs a name for events and reports", &v)) {
	case 0:
		cf_err(ld, g, NULL, "missing required setting \"name\": every "
		    "scope needs a name for events and reports");
		break;
	case 1:
		for (j = 0; j < idx; j++) {
			if (c->scopes[j].name == NULL ||
			    strcmp(c->scopes[j].name, v) != 0)
				continue;
			prev = cf_member(config_setting_get_elem(l,
			    (unsigned)j), "name");
			if (cf_same_src(config_setting_source_file(prev),
			    config_setting_source_file(cf_member(g, "name")))) {
				cf_err(ld, cf_member(g, "name"), NULL,
				    "duplicate scope name \"%s\" (first "
				    "defined at line %d)", v,
				    config_setting_source_line(prev));
			} else {
				cf_file_of(ld, config_setting_source_file(prev),
				    file, sizeof(file));
				cf_err(ld, cf_member(g, "name"), NULL,
				    "duplicate scope name \"%s\" (first "
				    "defined at %s:%d)", v, file,
				    config_setting_source_line(prev));
			}
			break;
		}
		cf_set_str(ld, &sc->name, v);
		break;
	}
	switch (cf_strlist(ld, g, "customers", "a list of customer names like "
	    "[\"acme\"]", NULL, &sc->customers)) {
	case 0:
		cf_err(ld, g, NULL, "missing required setting \"customers\": "
		    "name the customers whose data this scope carries, like "
		    "customers = [\"acme\"]");
		break;
	case 1:
		if (sc->customers.n == 0)
			cf_err(ld, cf_member(g, "customers"), NULL, "a scope "
			    "needs at least one customer, like [\"acme\"]");
		break;
	}
	if (cf_string(ld, g, "data", "\"employee payroll records\"", NULL,
	    &v) == 1)
		cf_set_str(ld, &sc->data, v);
	if (cf_int(ld, g, "subjects", 0, LONG_MAX, "25000", &x) == 1)
		sc->subjects = (long)x;
	if (cf_group(ld, g, "match", "{ uids = [1001]; dports = [443]; }",
	    &m) == 1)
		cf_read_match(ld, m, &sc->match);
}

static void
cf_read_exempt(struct cfload *ld, const config_setting_t *l, int idx,
    struct config *c)
{
	const config_setting_t *g;
	struct exempt *ex = &c->exempts[idx];
	const char *v;
	int ok = 1;

	g = config_setting_get_elem(l, (unsigned)idx);
	ex->line = config_setting_source_line(g);
	if (!config_setting_is_group(g)) {
		cf_type_err(ld, g, "a group like { dst = [\"192.0.2.53/32\"]; "
		    "dports = [53]; reason = \"resolver\"; }");
		return;
	}
	cf_check_keys(ld, g, cf_exempt_keys);
	ok &= cf_prefixlist(ld, g, "dst", &ex->dst) != -1;
	ok &= cf_portlist(ld, g, "dports", &ex->dports) != -1;
	ok &= cf_protocols(ld, g, "protocols", &ex->protocols) != -1;
	switch (cf_string(ld, g, "reason", "\"resolver\"",
	    "say why this traffic may leave unchecked", &v)) {
	case 0:
		cf_err(ld, g, NULL, "missing required setting \"reason\": say "
		    "why this traffic may leave unchecked, like reason = "
		    "\"resolver\"");
		break;
	case 1:
		cf_set_str(ld, &ex->reason, v);
		break;
	}
	/* Nothing to narrow it would exempt every flow: the agent disarmed. */
	if (ok && ex->dst.n == 0 && ex->dports.n == 0 && ex->protocols == 0)
		cf_err(ld, g, NULL, "an exemption needs at least one of dst, "
		    "dports or protocols; without them it would exempt every "
		    "flow");
}

static void
cf_read_scopes(struct cfload *ld, const config_setting_t *root,
    struct config *c)
{
	const config_setting_t *l;
	int i, n;

	if (cf_group_list(ld, root, "scopes", "( { name = \"acme-payroll\"; "
	    "customers = [\"acme\"]; match = { ... }; } )", &l) != 1 ||
	    (n = config_setting_length(l)) == 0)
		return;
	if ((c->scopes = calloc((size_t)n, sizeof(*c->scopes))) == NULL) {
		cf_oom(ld);
		return;
	}
	c->n_scopes = (size_t)n;
	for (i = 0; i < n; i++)
		cf_read_scope(ld, l, i, c);
}

static void
cf_read_exempts(struct cfload *ld, const config_setting_t *root,
    struct config *c)
{
	const config_setting_t *l;
	int i, n;

	if (cf_group_list(ld, root, "exempt", "( { dst = [\"192.0.2.53/32\"]; "
	    "dports = [53]; reason = \"resolver\"; } )", &l) != 1 ||
	    (n = config_setting_length(l)) == 0)
		return;
	if ((c->exempts = calloc((size_t)n, sizeof(*c->exempts))) == NULL) {
		cf_oom(ld);
		return;
	}
	c->n_exempts = (size_t)n;
	for (i = 0; i < n; i++)
		cf_read_exempt(ld, l, i, c);
}

/* Sections in file order, so the errors come out in the order they occur. */
static void
cf_read_root(struct cfload *ld, const config_setting_t *root,
    struct config *c)
{
	const config_setting_t *g;
	const char *name;
	char valid[256];
	int i, n;

	n = config_setting_length(root);
	for (i = 0; i < n; i++) {
		name = config_setting_name(config_setting_get_elem(root,
		    (unsigned)i));
		if (strcmp(name, "agent") == 0) {
			if (cf_group(ld, root, name, "agent: { mode = "
			    "\"monitor\"; }", &g) == 1)
				cf_read_agent(ld, g, c);
		} else if (strcmp(name, "geodb") == 0) {
			if (cf_group(ld, root, name, "geodb: { path = "
			    "\"...\"; }", &g) == 1)
				cf_read_geodb(ld, g, c);
		} else if (strcmp(name, "consent") == 0) {
			if (cf_group(ld, root, name, "consent: { register = "
			    "\"...\"; }", &g) == 1)
				cf_read_consent(ld, g, c);
		} else if (strcmp(name, "policy") == 0) {
			if (cf_group(ld, root, name, "policy: { unscoped = "
			    "\"alert\"; }", &g) == 1)
				cf_read_policy(ld, g, c);
		} else if (strcmp(name, "alerts") == 0) {
			if (cf_group(ld, root, name, "alerts: { syslog = "
			    "true; }", &g) == 1)
				cf_read_alerts(ld, g, c);
		} else if (strcmp(name, "scopes") == 0)
			cf_read_scopes(ld, root, c);
		else if (strcmp(name, "exempt") == 0)
			cf_read_exempts(ld, root, c);
		else
			cf_err(ld, config_setting_get_elem(root, (unsigned)i),
			    NULL, "unknown setting (valid: %s)",
			    cf_join(cf_top_keys, false, valid, sizeof(valid)));
	}
}

/*
 * Checks one integer token of the text: a plain literal (no L suffix)
 * outside 32 bits is what libconfig 1.5 would silently truncate.
 */
static void
cf_check_literal(struct cfload *ld, const char *tok, size_t len,
    const char *src, int line)
{
	char buf[64], file[PATH_MAX + 256], *end;
	unsigned long long u;
	long long v, got;
	bool hex;

	if (len >= sizeof(buf) || tok[len - 1] == 'L' || memchr(tok, '.', len))
		return;
	memcpy(buf, tok, len);
	buf[len] = '\0';
	hex = len > 2 && buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X');
	errno = 0;
	if (hex) {
		u = strtoull(buf, &end, 16);
		if (*end != '\0' || (errno == 0 && u <= INT_MAX))
			return;
		got = (int)(unsigned)u;
		if (errno == ERANGE)
			got = -1;
	} else {
		if (strpbrk(buf, "eE") != NULL)
			return;		/* a float */
		v = strtoll(buf, &end, 10);
		if (*end != '\0' || (errno == 0 && v >= INT_MIN &&
		    v <= INT_MAX))
			return;
		/* As libconfig 1.5 does it: saturate, then keep 32 bits. */
		got = (int)(unsigned)(unsigned long long)v;
	}
	cf_file_of(ld, src, file, sizeof(file));
	errlist_addf(ld->errs, file, line, NULL, "%s does not fit in a 32-bit "
	    "integer and libconfig would silently read it as %lld: write %sL "
	    "for a 64-bit integer", buf, got, buf);
	ld->nerr++;
	if (ld->ntrunc < CF_MAX_TRUNC) {
		ld->trunc[ld->ntrunc].src = src;
		ld->trunc[ld->ntrunc].line = line;
		ld->trunc[ld->ntrunc].value = got;
		ld->ntrunc++;
	}
}

/*
 * Takes what libconfig's scanner skips or reads whole at *p: a newline, a
 * comment or a string, counting lines. False, *p unmoved, at anything else.
 */
static bool
cf_skip_noncode(const char **pp, int *line)
{
	const char *p = *pp;

	if (*p == '\n') {
		(*line)++;
		p++;
	} else if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
		while (*p != '\0' && *p != '\n')
			p++;
	} else if (p[0] == '/' && p[1] == '*') {
		for (p += 2; *p != '\0' && !(p[0] == '*' && p[1] == '/'); p++)
			if (*p == '\n')
				(*line)++;
		if (*p != '\0')
			p += 2;
	} else if (*p == '"') {
		for (p++; *p != '\0' && *p != '"'; p++) {
			if (*p == '\\' && (p[1] == '\\' || p[1] == '"'))
				p++;
			else if (*p == '\n')
				(*line)++;
		}
		if (*p != '\0')
			p++;
	} else
		return false;
	*pp = p;
	return true;
}

/*
 * Walks text as libconfig's scanner does (comments, strings, names,
 * numbers) to find the integer literals libconfig would mangle. The text
 * has already parsed, so every token is well formed.
 */
static void
cf_scan_literals(struct cfload *ld, const char *text, const char *src)
{
	const char *p = text, *t;
	int line = 1;

	while (*p != '\0') {
		if (cf_skip_noncode(&p, &line))
			continue;
		if (isalpha((unsigned char)*p) || *p == '*' ||
		    *p == '@') {
			for (p++; isalnum((unsigned char)*p) || *p == '-' ||
			    *p == '_' || *p == '*'; p++)
				;
		} else if (isdigit((unsigned char)*p) || ((*p == '-' ||
		    *p == '+' || *p == '.') && isdigit((unsigned char)p[1]))) {
			for (t = p++; isalnum((unsigned char)*p) || *p == '.' ||
			    ((*p == '-' || *p == '+') &&
			    (p[-1] == 'e' || p[-1] == 'E')); p++)
				;
			cf_check_literal(ld, t, (size_t)(p - t), src, line);
		} else
			p++;
	}
}

/*
 * The whole file, NUL-terminated; NULL on failure, with a message when
 * report is set or memory ran out.
 */
static char *
cf_slurp(struct cfload *ld, const char *path, bool report)
{
	struct stat st;
	FILE *fp;
	char *buf = NULL;
	size_t n;

	if ((fp = fopen(path, "r")) == NULL) {
		report = report || errno == ENOMEM;	/* see below */
		if (report)
			errlist_addf(ld->errs, path, 0, NULL, "cannot read "
			    "the configuration: %s", strerror(errno));
		goto fail;
	}
	if (fstat(fileno(fp), &st) == -1) {
		if (report)
			errlist_addf(ld->errs, path, 0, NULL, "cannot read "
			    "the configuration: %s", strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CF_MAX_BYTES) {
		if (report)
			errlist_addf(ld->errs, path, 0, NULL, "cannot read "
			    "the configuration: %s", !S_ISREG(st.st_mode) ?
			    "it is not a regular file" : "it is larger than "
			    "16 MiB");
		goto fail;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		/*
		 * An error even for an include: one left unread would go
		 * unchecked for mangled literals and out of the hash.
		 */
		report = true;
		errlist_addf(ld->errs, path, 0, NULL, "out of memory while "
		    "loading the configuration");
		goto fail;
	}
	n = fread(buf, 1, (size_t)st.st_size, fp);
	/*
	 * One byte more: libconfig reads an @include to its end, and a read
	 * error there (EIO, as /proc/self/mem gives past its size of 0) makes
	 * its scanner exit(2) the process.
	 */
	if (!ferror(fp) && fgetc(fp) != EOF) {
		if (report)
			errlist_addf(ld->errs, path, 0, NULL, "cannot read "
			    "the configuration: it is longer than its size "
			    "says (is it being written?)");
		goto fail;
	}
	if (ferror(fp)) {
		if (report)
			errlist_addf(ld->errs, path, 0, NULL, "cannot read "
			    "the configuration: %s", strerror(errno));
		goto fail;
	}
	buf[n] = '\0';
	/* libconfig would stop reading there and ignore the rest unseen. */
	if (memchr(buf, '\0', n) != NULL) {
		if (report)
			errlist_addf(ld->errs, path, 0, NULL, "cannot read "
			    "the configuration: it contains a NUL byte (is it "
			    "a text file?)");
		goto fail;
	}
	(void)fclose(fp);	/* read only */
	return buf;
fail:
	if (report)
		ld->nerr++;
	free(buf);
	if (fp != NULL)
		(void)fclose(fp);
	return NULL;
}

static int cf_check_includes(struct cfload *, const char *, const char *,
    int);

/*
 * One @include whose name starts at *pp (just past the opening quote), as
 * libconfig's scanner reads it: \\ and \" are escapes, another backslash is
 * dropped, the name ends at the next quote. Advances *pp and *line past it.
 */
static int
cf_check_include(struct cfload *ld, const char **pp, int *line,
    const char *src, int depth)
{
	const char *p = *pp;
	char name[PATH_MAX], path[PATH_MAX * 2], file[PATH_MAX + 256], *inc;
	struct stat st;
	size_t n = 0;
	int rc = 0, at = *line;

	for (; *p != '\0' && *p != '"'; p++) {
		if (*p == '\\' && (p[1] == '\\' || p[1] == '"'))
			p++;
		else if (*p == '\\')
			continue;
		if (*p == '\n')
			(*line)++;
		if (n < sizeof(name) - 1)
			name[n++] = *p;
	}
	name[n] = '\0';
	*pp = p;
	if (*p == '\0')
		return 0;	/* unterminated: libconfig opens nothing */
	*pp = p + 1;
	/* Deeper than that libconfig refuses to open, and says so. */
	if (depth >= CF_INCLUDE_DEPTH)
		return 0;
	/* libconfig's own path, and its error when nothing is there. */
	snprintf(path, sizeof(path), "%s/%s", ld->dir, name);
	if (stat(path, &st) == -1)
		return 0;
	if (!S_ISREG(st.st_mode)) {
		cf_file_of(ld, src, file, sizeof(file));
		errlist_addf(ld->errs, file, at, NULL, "cannot @include "
		    "\"%s\": %s", name, S_ISDIR(st.st_mode) ?
		    "it is a directory" : "it is not a regular file");
		ld->nerr++;
		return -1;
	}
	/*
	 * A file we cannot read (EIO, as /proc/self/mem gives) would fail
	 * libconfig's scanner the same way a directory does.
	 */
	if ((inc = cf_slurp(ld, path, true)) == NULL)
		return -1;
	rc = cf_check_includes(ld, inc, name, depth + 1);
	free(inc);
	return rc;
}

/*
 * libconfig 1.5 reads whatever an @include names: a directory makes its
 * scanner's read fail and exit(2) the process (a SIGHUP would end the
 * agent), a FIFO or a device blocks it or never ends. So every file named
 * by an @include in text (from src, NULL for the main text), and in the
 * files those include, must be a regular file before libconfig sees the
 * text. Directives are found as the scanner finds them: ^[ \t]*@include
 * [ \t]+" at the start of a line outside comments and strings.
 */
static int
cf_check_includes(struct cfload *ld, const char *text, const char *src,
    int depth)
{
	const char *p = text, *q;
	bool bol = true;
	int line = 1, rc = 0;

	while (*p != '\0') {
		if (bol) {
			for (q = p; *q == ' ' || *q == '\t'; q++)
				;
			if (strncmp(q, "@include", 8) == 0 &&
			    (q[8] == ' ' || q[8] == '\t')) {
				for (q += 8; *q == ' ' || *q == '\t'; q++)
					;
				if (*q == '"') {
					p = q + 1;
					if (cf_check_include(ld, &p, &line, src,
					    depth) == -1)
						rc = -1;
					bol = false;
					continue;
				}
			}
		}
		bol = *p == '\n';
		if (!cf_skip_noncode(&p, &line))
			p++;
	}
	return rc;
}

/* The directory of path, absolute so the agent may change directory. */
static char *
cf_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');
	char cwd[PATH_MAX], *d, *r;
	size_t len;

	if (slash == NULL)
		d = strdup(".");
	else
		d = strndup(path, slash == path ? 1 : (size_t)(slash - path));
	if (d == NULL)
		return NULL;
	if (d[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		return d;
	len = strlen(cwd) + 1 + strlen(d) + 1;
	if ((r = malloc(len)) != NULL) {
		if (strcmp(d, ".") == 0)
			snprintf(r, len, "%s", cwd);
		else
			snprintf(r, len, "%s/%s", cwd, d);
	}
	free(d);
	return r;
}

/*
 * Both entry points: the file at path, or with path NULL the string text,
 * which name stands for in messages. A string has no directory of its own:
 * relative paths in it resolve against the current one, cf_dirname(".").
 */
static struct config *
cf_load(const char *name, const char *path, const char *text,
    struct errlist *errs)
{
	struct errlist local = { NULL, 0, 0, 0 };
	struct cfload ld;
	struct config *c = NULL;
	config_t cfg;
	char *buf = NULL, *inc, file[PATH_MAX + 256];
	EVP_MD_CTX *md = NULL;
	const char *efile;
	unsigned i;

	memset(&ld, 0, sizeof(ld));
	ld.file = name;
	ld.errs = errs != NULL ? errs : &local;
	config_init(&cfg);
	if ((c = cf_defaults()) == NULL ||
	    (path != NULL && (c->path = strdup(path)) == NULL) ||
	    (ld.dir = cf_dirname(path != NULL ? path : ".")) == NULL) {
		cf_oom(&ld);
		goto done;
	}
	/* Read it ourselves: strerror beats libconfig's "file I/O error". */
	if (path != NULL && (text = buf = cf_slurp(&ld, path, true)) == NULL)
		goto done;
	config_set_options(&cfg,
	    config_get_options(&cfg) & ~CONFIG_OPTION_AUTOCONVERT);
	config_set_include_dir(&cfg, ld.dir);
	if (cf_check_includes(&ld, text, NULL, 0) == -1)
		goto done;
	errno = 0;
	if (config_read_string(&cfg, text) != CONFIG_TRUE) {
		int e = errno;
		const char *why = config_error_text(&cfg), *cause = NULL;

		/* libconfig does not say why it could not open an @include. */
		if (why == NULL)
			why = "cannot parse";
		else if (e != 0 && strcmp(why, "cannot open include file") == 0)
			cause = strerror(e);
		efile = config_error_file(&cfg);
		if (efile != NULL)
			cf_file_of(&ld, efile, file, sizeof(file));
		errlist_addf(ld.errs, efile != NULL ? file : name,
		    config_error_line(&cfg), NULL, "%s%s%s", why,
		    cause != NULL ? ": " : "", cause != NULL ? cause : "");
		ld.nerr++;
		goto done;
	}
	cf_scan_literals(&ld, text, NULL);
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(md, text, strlen(text)) != 1) {
		cf_oom(&ld);
		goto done;
	}
	for (i = 0; i < cfg.num_filenames; i++) {
		cf_file_of(&ld, cfg.filenames[i], file, sizeof(file));
		if ((inc = cf_slurp(&ld, file, false)) == NULL)
			continue;
		cf_scan_literals(&ld, inc, cfg.filenames[i]);
		(void)EVP_DigestUpdate(md, inc, strlen(inc));
		free(inc);
	}
	if (EVP_DigestFinal_ex(md, c->sha256, NULL) != 1) {
		cf_oom(&ld);
		goto done;
	}
	cf_read_root(&ld, config_root_setting(&cfg), c);
	if (ld.nerr == 0 && cf_build_sets(c) == -1)
		cf_oom(&ld);
done:
	EVP_MD_CTX_free(md);
	config_destroy(&cfg);
	free(buf);
	free(ld.dir);
	errlist_clear(&local);
	if (ld.nerr > 0) {
		config_free(c);
		return NULL;
	}
	return c;
}

struct config *
config_load(const char *path, struct errlist *errs)
{
	return cf_load(path, path, NULL, errs);
}

struct config *
config_load_string(const char *name, const char *text, struct errlist *errs)
{
	return cf_load(name, NULL, text, errs);
}
