/* The agent: packets in, one decision per new outbound flow, events out. */
#include "agent/agent.h"

#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "agent/attrib.h"
#include "agent/capture.h"
#include "agent/cli.h"
#include "agent/decode.h"
#include "agent/enforce.h"
#include "agent/dns.h"
#include "agent/event.h"
#include "agent/flow.h"
#include "agent/json.h"
#include "agent/hostname.h"
#include "agent/log.h"
#include "agent/metrics.h"
#include "agent/names.h"
#include "agent/notify.h"
#include "agent/privdrop.h"
#include "geodb/geodb.h"
#include "rules/consent.h"
#include "rules/netset.h"
#include "rules/policy.h"

#define USEC 1000000LL
#define EXPIRE_PER_TICK 20000		/* flows expired per tick at most */
#define HOSTADDR_REFRESH 10		/* seconds between getifaddrs() */
#define RELOAD_SETTLE_US 300000		/* let a writer finish before reading */
#define GEODB_STALE_EVERY (24 * 3600)
#define NAME_CACHE_SIZE 65536		/* addresses with a learned name */
#define NAME_TTL_MIN 60			/* an app may connect after TTL 0 */
#define NAME_TTL_MAX 86400		/* a crafted TTL cannot pin a name */
#define PENDING_MAX 2048		/* flows awaiting their first payload */
#define PENDING_BUF 4096		/* a ClientHello split over segments */
#define PENDING_SEGMENTS 4		/* segments gathered at most */
#define ATTRIB_CACHE 65536		/* socket inode -> pid */
#define DENY_MEMORY 65536		/* denies re-added after a reinstall */
#define LEARNED_MEMORY 16384		/* learned allows re-added likewise */
#define REINSTALL_SETTLE_US 200000	/* coalesce policy changes */
#define PIDFILE_DIR "/run/eeaguard"	/* systemd's RuntimeDirectory */
#define BREAKDOWN_MAX 256		/* (customer, country) pairs counted */
#define INCIDENT_MAX 4096		/* open incident episodes remembered */
#define INCIDENT_EPISODE 3600		/* idle seconds that end an episode */
#define NOTICE_DEADLINE (24 * 3600)	/* breach notice to the customer */
#define METRICS_SAMPLES 1024
#define PIDFILE PIDFILE_DIR "/eeaguard.pid"

enum { RELOAD_CONFIG = 1, RELOAD_REGISTER = 2, RELOAD_GEODB = 4 };

/* What is in force: replaced whole on reload, never edited in place. */
struct policy_state {
	struct config *cfg;
	struct consent_register *reg;
	char hash[13];		/* first 12 hex of SHA-256(config, register) */
};

struct counters {
	uint64_t packets;
	uint64_t bytes;
	uint64_t decoded;
	uint64_t other;
	uint64_t decode_errors[DECODE_ERR_COUNT];
	uint64_t flows_new;
	uint64_t flows_outbound;
	uint64_t dns_answers;
	uint64_t dns_malformed;
	uint64_t names_from_payload;
	uint64_t revisions;
	uint64_t pending_full;
	uint64_t verdicts[VERDICT_UNSCOPED + 1];
	uint64_t reloads;
	uint64_t reload_failures;
};

/*
 * What is known of an outbound flow when it is judged, kept for flows whose
 * first payload may still name the destination (TLS SNI, HTTP Host) and so
 * revise the decision.
 */
struct judged {
	uint8_t proto;
	bool midstream;
	bool attributed;		/* the socket (uid) was found */
	bool process_done;		/* its process was looked up too */
	bool used;
	bool defer_block;		/* block when the first payload is in */
	bool blocked_by_kernel;		/* came through nflog (preventive) */
	uint8_t verdict;
	struct ipaddr src;
	struct ipaddr dst;
	uint16_t sport;
	uint16_t dport;
	const struct capture *cap;
	int64_t ts_us;			/* of the decision's event */
	char host[DNS_NAME_MAX];	/* "" = unknown */
	enum name_source host_src;
	struct attrib at;
};

/* A flow awaiting its first payload, and the first bytes gathered so far. */
struct pending {
	struct judged j;
	uint32_t next_free;		/* free list: index + 1; 0 = end */
	uint16_t buf_len;
	uint8_t segments;
	uint8_t buf[PENDING_BUF];
};

struct agent {
	struct agent_options opt;
	char config_path[PATH_MAX];	/* "" = built-in defaults */
	struct policy_state pol;
	enum agent_mode mode;		/* after --mode */

	struct geodb *geo;
	char geodb_path[PATH_MAX];
	char geodb_tag[48];		/* "BUILD_TIME/SHA12" */

	struct flow_table *flows;
	uint32_t idle_timeout;
	struct sinks *sinks;

	struct capture caps[AGENT_MAX_IFACES];
	size_t n_caps;

	struct name_cache *names;	/* address -> name, from DNS answers */
	struct attrib_ctx *attr;	/* live: socket owners (NULL offline) */
	bool scopes_need_process;	/* some scope matches comms or cgroups */
	struct pending *pending;	/* PENDING_MAX, allocated at start */
	uint32_t pending_free;		/* free list head, index + 1; 0 = full */
	uint32_t attrib_ns[1024];	/* the latest attribution latencies */
	uint64_t attrib_n;

	/* enforce mode, live */
	struct enforcer *enf;
	struct deny_rec {
		uint8_t proto;
		uint16_t sport, dport;
		struct ipaddr src, dst;
		int64_t uid;		/* -1: the connection alone */
		int64_t until;		/* seconds */
	} *denies;			/* ring of DENY_MEMORY */
	size_t deny_next;
	struct learned_rec {
		uint32_t scope;
		struct ipaddr addr;
		int64_t until;
	} *learned;			/* ring of LEARNED_MEMORY */
	size_t learned_next;
	struct enforce_range *eea;	/* EEA ranges from the geodb walk */
	size_t n_eea, cap_eea;
	int64_t reinstall_at;		/* > 0: reinstall the table then */
	uint32_t block_ns[1024];	/* first packet seen -> deny committed */
	uint64_t block_n;
	uint64_t blocks;
	uint64_t enforce_errors;

	struct netset *host_addrs;	/* live: this host's own addresses */
	int64_t host_addrs_at;
	bool all_local;			/* offline with no local_networks */

	int64_t now_us;			/* packet time (replay) or wall clock */
	int64_t last_tick_s;
	int64_t next_stats_s;
	int64_t consent_checked;	/* consent expiry scanned up to here */
	int64_t next_consent_expiry;
	int64_t geodb_checked_s;

	struct counters n;

	/* violations and blocks by customer and country, for the metrics */
	struct breakdown {
		char customer[64];
		char cc[3];
		uint64_t violations;
		uint64_t blocks;
	} by_cc[BREAKDOWN_MAX];
	size_t n_by_cc;
	struct metrics *metrics;

	/* incident episodes: (customer, destination), most recent first found */
	struct episode {
		char customer[64];
		struct ipaddr dst;
		int64_t last_s;		/* 0 = free */
	} *episodes;
	uint64_t incidents;
};

static int64_t
wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * USEC + ts.tv_nsec / 1000;
}

/* ---- events ----------------------------------------------------------- */

static void
emit(struct agent *a, const struct event *e)
{
	sinks_emit(a->sinks, e);
}

static void
emit_simple(struct agent *a, enum event_type t, const char *k1,
    const char *v1, const char *k2, const char *v2)
{
	struct event e;

	event_init(&e, t, wall_us());
	if (k1 != NULL)
		event_kv_str(&e, k1, v1);
	if (k2 != NULL)
		event_kv_str(&e, k2, v2);
	emit(a, &e);
}

/* ---- what is in force: configuration, register, geodb ---------------- */

static bool
scopes_need_process(const struct config *c)
{
	for (size_t i = 0; i < c->n_scopes; i++)
		if (c->scopes[i].match.comms.n > 0 ||
		    c->scopes[i].match.cgroups.n > 0)
			return true;
	return false;
}

/*
 * SHA-256 on the stack. OpenSSL 3's EVP allocates a context for every
 * digest, and neither an incident id nor the policy hash may depend on
 * memory being there: with EVP_Digest failing, an id once came out of an
 * uninitialised buffer. The
 * low-level functions are deprecated in OpenSSL 3 but cannot fail.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static void
sha256_noalloc(const void *buf, size_t n, unsigned char d[SHA256_DIGEST_LENGTH])
{
	SHA256_CTX c;

	SHA256_Init(&c);
	SHA256_Update(&c, buf, n);
	SHA256_Final(d, &c);
}
#pragma GCC diagnostic pop

/*
 * The policy hash names the exact rules behind a decision: SHA-256 over
 * the SHA-256 of the configuration's bytes and that of the register's,
 * both as parsed (a file replaced since cannot lend its hash), first 12
 * hex digits. An auditor recomputes it from the two files with sha256sum.
 */
static void
policy_hash(struct policy_state *p)
{
	unsigned char both[2 * SHA256_DIGEST_LENGTH], d[SHA256_DIGEST_LENGTH];

	memcpy(both, p->cfg->sha256, SHA256_DIGEST_LENGTH);
	memcpy(both + SHA256_DIGEST_LENGTH, p->reg->sha256,
	    SHA256_DIGEST_LENGTH);
	sha256_noalloc(both, sizeof(both), d);
	for (int i = 0; i < 6; i++)
		snprintf(p->hash + 2 * i, 3, "%02x", d[i]);
}

/*
 * Loads a configuration and its register into a fresh policy_state.
 * A missing register is an empty one (nothing is consented: fail closed).
 */
static int
policy_load(struct agent *a, struct policy_state *p, bool config_too,
    struct errlist *errs)
{
	memset(p, 0, sizeof(*p));
	if (config_too || a->pol.cfg == NULL) {
		if (a->config_path[0] != '\0')
			p->cfg = config_load(a->config_path, errs);
		else if ((p->cfg = config_default()) == NULL)
			errlist_add(errs, "out of memory for the default "
			    "configuration");
		if (p->cfg == NULL)
			return -1;
	}
	{
		const struct config *c = p->cfg != NULL ? p->cfg : a->pol.cfg;

		if (access(c->consent.register_path, F_OK) == -1 &&
		    errno == ENOENT) {
			if ((p->reg = consent_register_empty()) == NULL)
				errlist_add(errs, "%s: out of memory for an "
				    "empty consent register",
				    c->consent.register_path);
		} else {
			p->reg = consent_load(c->consent.register_path,
			    &c->policy.eea, errs);
		}
	}
	if (p->reg == NULL) {
		config_free(p->cfg);
		p->cfg = NULL;
		return -1;
	}
	return 0;
}

static struct geodb *
geodb_load(const struct config *c, const char *path, char *err, size_t size)
{
	const char *cpath[16] = { NULL };

	for (size_t i = 0; i < c->geodb.country_path.n && i < 15; i++)
		cpath[i] = c->geodb.country_path.v[i];
	return geodb_open(path, cpath, c->geodb.cache_size, err, size);
}

static void
set_geodb(struct agent *a, struct geodb *g)
{
	const struct geodb_info *gi = geodb_get_info(g);

	geodb_close(a->geo);
	a->geo = g;
	snprintf(a->geodb_tag, sizeof(a->geodb_tag), "%s/%.12s",
	    gi->build_time, gi->sha256);
}

static void
check_geodb_age(struct agent *a)
{
	const struct geodb_info *gi = geodb_get_info(a->geo);
	int64_t now = wall_us() / USEC;
	int64_t age = (now - (int64_t)gi->build_epoch) / 86400;
	char days[32];

	a->geodb_checked_s = now;
	if (gi->build_epoch == 0 || age <= a->pol.cfg->geodb.max_age_days)
		return;
	snprintf(days, sizeof(days), "%lld", (long long)age);
	{
		struct event e;

		event_init(&e, EV_GEODB_STALE, wall_us());
		event_kv_str(&e, "path", a->geodb_path);
		event_kv_str(&e, "geodb", a->geodb_tag);
		event_kv_int(&e, "age_days", age);
		event_kv_int(&e, "max_age_days",
		    a->pol.cfg->geodb.max_age_days);
		emit(a, &e);
	}
	log_warnx("%s is %s days old (geodb.max_age_days = %u): decisions "
	    "rest on old data; update it", a->geodb_path, days,
	    a->pol.cfg->geodb.max_age_days);
}

/* The first expiry after 'after' among the register's consents. */
static int64_t
next_expiry(const struct consent_register *r, int64_t after)
{
	int64_t next = INT64_MAX;

	for (size_t i = 0; i < r->n; i++) {
		if (r->v[i].revoked)
			continue;
		if (r->v[i].expires > after && r->v[i].expires < next)
			next = r->v[i].expires;
		if (r->v[i].valid_from > after && r->v[i].valid_from < next)
			next = r->v[i].valid_from;
	}
	return next;
}

/* consent_expired at the exact moment a consent stops covering transfers. */
static void
check_consent_expiry(struct agent *a, int64_t now_s)
{
	const struct consent_register *r = a->pol.reg;

	if (now_s < a->next_consent_expiry)
		return;
	for (size_t i = 0; i < r->n; i++) {
		const struct consent *c = &r->v[i];
		struct event e;

		if (c->revoked || c->expires <= a->consent_checked ||
		    c->expires > now_s)
			continue;
		event_init(&e, EV_CONSENT_EXPIRED, c->expires * USEC);
		event_kv_str(&e, "consent", c->id);
		event_kv_str(&e, "customer", c->customer);
		event_kv_str(&e, "expires", c->expires_s);
		event_kv_str(&e, "policy", a->pol.hash);
		emit(a, &e);
	}
	a->consent_checked = now_s;
	a->next_consent_expiry = next_expiry(r, now_s);
	/* A consent ended or began: the kernel's view must follow. */
	if (a->enf != NULL && a->reinstall_at == 0)
		a->reinstall_at = wall_us();
}

static void
reset_consent_clock(struct agent *a, int64_t now_s)
{
	a->consent_checked = now_s;
	a->next_consent_expiry = next_expiry(a->pol.reg, now_s);
}

static void
emit_reloaded(struct agent *a, const char *what)
{
	struct event e;
	size_t active = 0;
	int64_t now = wall_us();

	for (size_t i = 0; i < a->pol.reg->n; i++)
		active += consent_active(&a->pol.reg->v[i], now / USEC);
	event_init(&e, EV_CONFIG_RELOADED, now);
	event_kv_str(&e, "what", what);
	event_kv_str(&e, "config", a->config_path[0] ? a->config_path : NULL);
	event_kv_str(&e, "register", a->pol.cfg->consent.register_path);
	event_kv_int(&e, "scopes", (int64_t)a->pol.cfg->n_scopes);
	event_kv_int(&e, "consents", (int64_t)a->pol.reg->n);
	event_kv_int(&e, "consents_active", (int64_t)active);
	event_kv_str(&e, "policy", a->pol.hash);
	emit(a, &e);
}

static void
emit_config_error(struct agent *a, const char *file, const char *errors,
    const char *kept)
{
	struct event e;

	event_init(&e, EV_CONFIG_ERROR, wall_us());
	event_kv_str(&e, "file", file);
	event_kv_str(&e, "error", errors);
	event_kv_str(&e, "kept", kept);
	event_kv_str(&e, "policy", a->pol.hash);
	emit(a, &e);
	log_warnx("%s: %s; %s", file, errors, kept);
}

/* ---- enforcement (enforce mode, live) --------------------------------- */

static void
emit_enforce_error(struct agent *a, const char *what, const char *why)
{
	a->enforce_errors++;
	emit_simple(a, EV_ENFORCE_ERROR, "what", what, "error", why);
	log_warnx("enforcement: %s: %s", what, why);
}

static bool
any_preventive(const struct agent *a)
{
	const struct config *c = a->pol.cfg;

	if (c->agent.enforce != ENFORCE_PREVENTIVE)
		return false;
	for (size_t i = 0; i < c->n_scopes; i++)
		if (enforce_scope_expressible(&c->scopes[i], NULL))
			return true;
	return false;
}

static int
range_push(struct enforce_range **v, size_t *n, size_t *cap,
    const struct ipaddr *first, const struct ipaddr *last)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 4096;
		struct enforce_range *nv = realloc(*v, nc * sizeof(*nv));

		if (nv == NULL)
			return -1;
		*v = nv;
		*cap = nc;
	}
	(*v)[*n].first = *first;
	(*v)[*n].last = *last;
	(*n)++;
	return 0;
}

static int
collect_eea(const uint8_t first[16], const uint8_t last[16], const char *cc,
    void *arg)
{
	struct agent *a = arg;
	struct ipaddr f, l;

	if (!country_set_has(&a->pol.cfg->policy.eea, cc) ||
	    country_is_region(cc))
		return 0;
	memcpy(f.b, first, 16);
	memcpy(l.b, last, 16);
	return range_push(&a->eea, &a->n_eea, &a->cap_eea, &f, &l);
}

/* The EEA's address space, from the geodb in force (preventive only). */
static int
refresh_eea(struct agent *a)
{
	a->n_eea = 0;
	if (!any_preventive(a))
		return 0;
	return geodb_walk(a->geo, collect_eea, a) == 0 ? 0 : -1;
}

static void
prefix_range(const struct ipprefix *p, struct ipaddr *first,
    struct ipaddr *last)
{
	*first = p->addr;
	*last = p->addr;
	for (unsigned b = p->len; b < 128; b++)
		last->b[b / 8] |= (uint8_t)(0x80 >> (b % 8));
}

static bool
prefix_within(const struct ipprefix *inner, const struct ipprefix *outer)
{
	return outer->len <= inner->len &&
	    ipprefix_contains(outer, &inner->addr);
}

/*
 * A network every customer of the scope consented to, for any port and
 * any host: such networks are allowed outright in a preventive scope.
 * Consents limited by host reach the kernel through DNS answers instead.
 */
static bool
consented_by_all(const struct agent *a, const struct scope *s,
    const struct ipprefix *net, int64_t now)
{
	const struct consent_register *r = a->pol.reg;

	for (size_t k = 0; k < s->customers.n; k++) {
		bool ok = false;

		for (size_t i = 0; i < r->n && !ok; i++) {
			const struct consent *c = &r->v[i];

			if (strcmp(c->customer, s->customers.v[k]) != 0 ||
			    !consent_active(c, now) || c->hosts.n > 0 ||
			    c->ports.n > 0)
				continue;
			for (size_t m = 0; m < c->networks.n && !ok; m++)
				ok = prefix_within(net, &c->networks.v[m]);
		}
		if (!ok)
			return false;
	}
	return true;
}

static void
remember_deny(struct agent *a, const struct judged *j, int64_t until)
{
	struct deny_rec *d = &a->denies[a->deny_next++ % DENY_MEMORY];

	d->proto = j->proto;
	d->src = j->src;
	d->dst = j->dst;
	d->sport = j->sport;
	d->dport = j->dport;
	d->uid = j->attributed ? j->at.uid : -1;
	d->until = until;
}

/*
 * Builds the table from the policy in force and installs it in one batch.
 * Deny and learned elements die with the old table: the ones still due
 * are added again.
 */
static int
install_table(struct agent *a)
{
	const struct config *c = a->pol.cfg;
	struct enforce_scope_plan *sp;
	struct enforce_range **ranges;
	struct enforce_plan plan;
	int64_t now = wall_us() / USEC;
	char err[1024];
	int rc = -1;

	a->reinstall_at = 0;
	sp = calloc(c->n_scopes ? c->n_scopes : 1, sizeof(*sp));
	ranges = calloc(c->n_scopes ? c->n_scopes : 1, sizeof(*ranges));
	if (sp == NULL || ranges == NULL) {
		emit_enforce_error(a, "install", "out of memory");
		goto done;
	}
	for (size_t i = 0; i < c->n_scopes; i++) {
		const struct scope *s = &c->scopes[i];
		size_t n = 0, cap = 0;
		struct ipaddr f, l;

		if (c->agent.enforce != ENFORCE_PREVENTIVE ||
		    !enforce_scope_expressible(s, NULL))
			continue;
		sp[i].preventive = true;
		for (size_t k = 0; k < a->n_eea; k++)
			if (range_push(&ranges[i], &n, &cap, &a->eea[k].first,
			    &a->eea[k].last) == -1)
				goto oom;
		for (size_t k = 0; k < c->policy.internal.n; k++) {
			prefix_range(&c->policy.internal.v[k], &f, &l);
			if (range_push(&ranges[i], &n, &cap, &f, &l) == -1)
				goto oom;
		}
		for (size_t r = 0; r < a->pol.reg->n; r++) {
			const struct consent *cs = &a->pol.reg->v[r];

			for (size_t m = 0; m < cs->networks.n; m++) {
				if (!consented_by_all(a, s, &cs->networks.v[m],
				    now))
					continue;
				prefix_range(&cs->networks.v[m], &f, &l);
				if (range_push(&ranges[i], &n, &cap, &f, &l) ==
				    -1)
					goto oom;
			}
		}
		sp[i].allow = ranges[i];
		sp[i].n_allow = n;
	}
	plan.cfg = c;
	plan.scopes = sp;
	plan.nflog_group = ENFORCE_NFLOG_GROUP;
	if (enforce_install(a->enf, &plan, err, sizeof(err)) == -1) {
		emit_enforce_error(a, "install", err);
		goto done;
	}
	for (size_t i = 0; i < DENY_MEMORY; i++) {
		const struct deny_rec *d = &a->denies[i];

		if (d->until > now && enforce_deny(a->enf, d->proto, &d->src,
		    d->sport, &d->dst, d->dport, d->uid,
		    (uint32_t)(d->until - now), err, sizeof(err)) == -1) {
			emit_enforce_error(a, "deny", err);
			break;
		}
	}
	for (size_t i = 0; i < LEARNED_MEMORY; i++) {
		const struct learned_rec *l = &a->learned[i];

		if (l->until > now && l->scope < c->n_scopes &&
		    sp[l->scope].preventive &&
		    enforce_allow_learned(a->enf, l->scope, &l->addr,
		    (uint32_t)(l->until - now), err, sizeof(err)) == -1) {
			emit_enforce_error(a, "learned", err);
			break;
		}
	}
	rc = 0;
	goto done;
oom:
	emit_enforce_error(a, "install", "out of memory");
done:
	for (size_t i = 0; ranges != NULL && i < c->n_scopes; i++)
		free(ranges[i]);
	free(ranges);
	free(sp);
	return rc;
}

/*
 * Reactive: reject the rest of this flow and later ones from the same
 * source to the same service, and end the socket now.
 */
static void
block_flow(struct agent *a, const struct judged *j)
{
	char err[256];
	int64_t t;

	if (a->enf == NULL)
		return;
	/* this connection, and the same owner's later ones to the service */
	if (enforce_deny(a->enf, j->proto, &j->src, j->sport, &j->dst,
	    j->dport, j->attributed ? j->at.uid : -1, ENFORCE_DENY_TIMEOUT,
	    err, sizeof(err)) == -1) {
		emit_enforce_error(a, "deny", err);
		return;
	}
	/* from the packet's capture time to the element's commit */
	t = wall_us() - j->ts_us;
	a->block_ns[a->block_n++ % 1024] = (uint32_t)(t < 0 ? 0 :
	    t > 4000000 ? 4000000000u : t * 1000);
	a->blocks++;
	remember_deny(a, j, wall_us() / USEC + ENFORCE_DENY_TIMEOUT);
	(void)enforce_destroy_socket(j->proto, &j->src, j->sport, &j->dst,
	    j->dport);
}

/*
 * Could the destination's name still turn this violation into an allowed
 * transfer? Only when every customer without a covering consent holds one
 * that names hosts (and would cover the rest). Then a reactive block waits
 * for the first payload, a TLS ClientHello that carries no personal data.
 */
static bool
name_could_allow(const struct agent *a, const struct decision *d,
    const struct flow_facts *f)
{
	const struct consent_register *r = a->pol.reg;
	int64_t t = a->now_us / USEC;

	if (d->scope == NULL || f->host != NULL || f->proto != IPPROTO_TCP)
		return false;
	for (size_t k = 0; k < d->scope->customers.n; k++) {
		const char *cust = d->scope->customers.v[k];
		bool covered = false, by_name = false;

		covered = consent_match(r, cust, f->cc, &f->dst, NULL, f->dport,
		    t, NULL, 0) > 0;
		for (size_t i = 0; i < r->n && !covered && !by_name; i++) {
			const struct consent *c = &r->v[i];

			by_name = c->hosts.n > 0 &&
			    strcmp(c->customer, cust) == 0 &&
			    consent_active(c, t) &&
			    country_set_has(&c->country_set, f->cc);
		}
		if (!covered && !by_name)
			return false;
	}
	return true;
}

/* A DNS answer names a consented host: a preventive scope may reach it. */
static void
learn_allowed(struct agent *a, const struct dns_answer *ans)
{
	const struct config *c = a->pol.cfg;
	int64_t now = a->now_us / USEC;
	char err[256];

	for (size_t i = 0; i < c->n_scopes; i++) {
		const struct scope *s = &c->scopes[i];

		if (c->agent.enforce != ENFORCE_PREVENTIVE ||
		    !enforce_scope_expressible(s, NULL))
			continue;
		for (size_t k = 0; k < ans->n_addrs; k++) {
			const struct ipaddr *addr = &ans->addrs[k].addr;
			/* as the name cache: a forged TTL pins nothing */
			uint32_t ttl = ans->addrs[k].ttl < NAME_TTL_MIN ?
			    NAME_TTL_MIN : ans->addrs[k].ttl > NAME_TTL_MAX ?
			    NAME_TTL_MAX : ans->addrs[k].ttl;
			struct geodb_result gr;
			bool v4 = ipaddr_is_v4(addr), all = true;
			struct learned_rec *l;

			geodb_lookup(a->geo, v4 ? AF_INET : AF_INET6,
			    v4 ? ipaddr_v4(addr) : addr->b, &gr);
			for (size_t m = 0; m < s->customers.n && all; m++)
				all = consent_match(a->pol.reg,
				    s->customers.v[m], gr.cc, addr, ans->qname,
				    0, now, NULL, 0) > 0;
			if (!all)
				continue;
			if (enforce_allow_learned(a->enf, i, addr, ttl, err,
			    sizeof(err)) == -1) {
				emit_enforce_error(a, "learned", err);
				continue;
			}
			l = &a->learned[a->learned_next++ % LEARNED_MEMORY];
			l->scope = (uint32_t)i;
			l->addr = *addr;
			l->until = now + ttl;
		}
	}
}

/*
 * Parse, validate, then swap: on any error the state in force stays and a
 * config_error says why.
 */
static void
reload(struct agent *a, unsigned what)
{
	struct errlist errs = { 0 };
	struct policy_state p;
	char joined[2048];

	if (what & (RELOAD_CONFIG | RELOAD_REGISTER)) {
		bool cfg = (what & RELOAD_CONFIG) != 0;

		a->n.reloads++;
		if (policy_load(a, &p, cfg, &errs) == -1) {
			a->n.reload_failures++;
			emit_config_error(a, cfg && a->config_path[0] ?
			    a->config_path : a->pol.cfg->consent.register_path,
			    errlist_join(&errs, joined, sizeof(joined)),
			    "the configuration and register in force stay "
			    "in force");
			errlist_clear(&errs);
		} else {
			if (p.cfg == NULL) {	/* register only */
				p.cfg = a->pol.cfg;
				a->pol.cfg = NULL;
			}
			if (!a->opt.mode_set)
				a->mode = p.cfg->agent.mode;
			p.cfg->agent.mode = a->mode;
			config_free(a->pol.cfg);
			consent_register_free(a->pol.reg);
			a->pol = p;
			policy_hash(&a->pol);
			a->scopes_need_process =
			    scopes_need_process(a->pol.cfg);
			reset_consent_clock(a, a->now_us / USEC);
			emit_reloaded(a, cfg ? "config" : "register");
			if (a->enf != NULL) {
				if (cfg)
					refresh_eea(a);
				a->reinstall_at = wall_us() +
				    REINSTALL_SETTLE_US;
			}
			log_info("reloaded %s (policy %s)", cfg ? "configuration"
			    : "consent register", a->pol.hash);
		}
	}
	if (what & (RELOAD_GEODB | RELOAD_CONFIG)) {
		const char *path = a->pol.cfg->geodb.path;
		char err[512];
		struct geodb *g;
		struct stat st;

		if (path == NULL)
			path = a->geodb_path;
		/* A config reload reopens the geodb only if its path changed. */
		if (!(what & RELOAD_GEODB) && strcmp(path, a->geodb_path) == 0)
			return;
		if (stat(path, &st) == -1 && (what & RELOAD_GEODB) &&
		    errno == ENOENT)
			return;		/* mid-rename: the next event brings it */
		if ((g = geodb_load(a->pol.cfg, path, err, sizeof(err))) ==
		    NULL) {
			a->n.reload_failures++;
			emit_config_error(a, path, err, "the geodb in force "
			    "stays in force");
			return;
		}
		/* A SIGHUP (logrotate's) with the same database: nothing new. */
		if (strcmp(path, a->geodb_path) == 0 &&
		    strcmp(geodb_get_info(g)->sha256,
		    geodb_get_info(a->geo)->sha256) == 0) {
			geodb_close(g);
			return;
		}
		if (path != a->geodb_path)
			snprintf(a->geodb_path, sizeof(a->geodb_path), "%s",
			    path);
		set_geodb(a, g);
		if (a->enf != NULL) {
			refresh_eea(a);
			a->reinstall_at = wall_us() + REINSTALL_SETTLE_US;
		}
		{
			struct event e;

			event_init(&e, EV_GEODB_RELOADED, wall_us());
			event_kv_str(&e, "path", a->geodb_path);
			event_kv_str(&e, "geodb", a->geodb_tag);
			emit(a, &e);
		}
		check_geodb_age(a);
	}
}

/* ---- direction -------------------------------------------------------- */

static void
refresh_host_addrs(struct agent *a, int64_t now_s)
{
	struct ifaddrs *ifa, *i;
	struct netset *s;

	a->host_addrs_at = now_s;
	if (getifaddrs(&ifa) == -1)
		return;
	if ((s = netset_new()) == NULL) {
		freeifaddrs(ifa);
		return;
	}
	for (i = ifa; i != NULL; i = i->ifa_next) {
		struct ipprefix p;

		if (i->ifa_addr == NULL)
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			ipaddr_from_v4(&p.addr, (const uint8_t *)
			    &((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr);
			p.len = 128;
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			ipaddr_from_v6(&p.addr, (const uint8_t *)
			    &((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr);
			p.len = 128;
		} else {
			continue;
		}
		netset_add(s, &p, 1);
	}
	freeifaddrs(ifa);
	netset_free(a->host_addrs);
	a->host_addrs = s;
}

static bool
is_local(const struct agent *a, const struct ipaddr *x)
{
	if (a->all_local)
		return true;
	if (netset_lookup(a->pol.cfg->agent.local_set, x, NULL) >= 0)
		return true;
	return a->host_addrs != NULL && netset_lookup(a->host_addrs, x, NULL) >= 0;
}

/*
 * Canonical key: both directions of a flow find one entry. Returns true
 * when the packet runs from key.dst to key.src.
 */
static bool
canonical_key(const struct packet *p, struct flow_key *k)
{
	uint64_t s[2], d[2];
	bool swap;

	/* Any total order will do; two word compares beat a memcmp call. */
	memcpy(s, p->src.b, 16);
	memcpy(d, p->dst.b, 16);
	if (s[0] != d[0])
		swap = s[0] > d[0];
	else if (s[1] != d[1])
		swap = s[1] > d[1];
	else
		swap = p->sport > p->dport;

	memset(k, 0, sizeof(*k));
	k->proto = p->proto;
	if (!swap) {
		k->src = p->src;
		k->dst = p->dst;
		k->sport = p->sport;
		k->dport = p->dport;
	} else {
		k->src = p->dst;
		k->dst = p->src;
		k->sport = p->dport;
		k->dport = p->sport;
	}
	return swap;
}

/*
 * Did the packet's sender open this flow? A SYN says so, a SYN-ACK says the
 * receiver did. A flow first seen after its handshake (*midstream) is
 * judged all the same: the side whose port is privileged while the other's
 * is not is the server; failing that, the local side (or the sender) is
 * taken as the client, and the event's midstream flag tells the reader the
 * direction was inferred.
 */
static bool
opened_by_src(const struct agent *a, const struct packet *p, bool *midstream)
{
	bool sl, dl;

	*midstream = false;
	if (p->proto != IPPROTO_TCP)
		return true;		/* UDP: the first sender opens */
	if ((p->tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN)
		return true;
	*midstream = true;
	if (p->tcp_flags & TCP_SYN)
		return false;		/* SYN-ACK */
	if (p->sport < 1024 && p->dport >= 1024)
		return false;		/* the sender is a server */
	if (p->dport < 1024 && p->sport >= 1024)
		return true;
	if (a->all_local)
		return true;
	sl = is_local(a, &p->src);
	dl = is_local(a, &p->dst);
	return sl || !dl;
}

/* ---- decisions -------------------------------------------------------- */

/* Violations (and blocks) by customer and country; bounded, "other" past it. */
static void
count_breakdown(struct agent *a, const char *customer, const char *cc,
    bool blocked)
{
	struct breakdown *b = NULL;

	for (size_t i = 0; i < a->n_by_cc && b == NULL; i++)
		if (strcmp(a->by_cc[i].customer, customer) == 0 &&
		    strcmp(a->by_cc[i].cc, cc) == 0)
			b = &a->by_cc[i];
	if (b == NULL && a->n_by_cc < BREAKDOWN_MAX - 1) {
		b = &a->by_cc[a->n_by_cc++];
		snprintf(b->customer, sizeof(b->customer), "%s", customer);
		snprintf(b->cc, sizeof(b->cc), "%s", cc);
	}
	if (b == NULL) {
		b = &a->by_cc[BREAKDOWN_MAX - 1];
		snprintf(b->customer, sizeof(b->customer), "other");
		snprintf(b->cc, sizeof(b->cc), "--");
		a->n_by_cc = BREAKDOWN_MAX;
	}
	b->violations++;
	if (blocked)
		b->blocks++;
}

/* ---- incidents ---------------------------------------------------------- */

/*
 * Is there an episode of (customer, dst) still open at now? Opens one if
 * not (reusing the stalest slot when all are taken). Returns true when the
 * episode is new, i.e. an incident is to be reported.
 */
static bool
episode_begin(struct agent *a, const char *customer, const struct ipaddr *dst,
    int64_t now)
{
	struct episode *free_slot = NULL, *stalest = NULL;

	for (size_t i = 0; i < INCIDENT_MAX; i++) {
		struct episode *ep = &a->episodes[i];

		if (ep->last_s == 0 || now - ep->last_s > INCIDENT_EPISODE) {
			if (free_slot == NULL)
				free_slot = ep;
			continue;
		}
		if (strcmp(ep->customer, customer) == 0 &&
		    ipaddr_equal(&ep->dst, dst)) {
			ep->last_s = now;
			return false;
		}
		if (stalest == NULL || ep->last_s < stalest->last_s)
			stalest = ep;
	}
	if (free_slot == NULL)
		free_slot = stalest;
	snprintf(free_slot->customer, sizeof(free_slot->customer), "%s",
	    customer);
	free_slot->dst = *dst;
	free_slot->last_s = now;
	return true;
}

/*
 * "INC-20261126-3f2a9c0d": the UTC day of the flow's first packet and the
 * first 8 hex digits of SHA-256("customer|dst|first_seen") over the text as
 * the event carries it, so an auditor can recompute it with sha256sum.
 */
static void
incident_id(const char *customer, const char *dst, const char *first_seen,
    char out[32])
{
	unsigned char d[SHA256_DIGEST_LENGTH];
	char buf[512];
	int n;

	n = snprintf(buf, sizeof(buf), "%s|%s|%s", customer, dst, first_seen);
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = (int)sizeof(buf) - 1;
	sha256_noalloc(buf, (size_t)n, d);
	/* first_seen is "YYYY-MM-DDT...": the day without its dashes */
	snprintf(out, 32, "INC-%.4s%.2s%.2s-%02x%02x%02x%02x", first_seen,
	    first_seen + 5, first_seen + 8, d[0], d[1], d[2], d[3]);
}

/*
 * Data of a violating flow left the host: once per (customer, destination)
 * episode, an `incident` with what the 24-hour customer notice needs.
 */
static void
raise_incident(struct agent *a, struct flow *f, const struct judged *j,
    const struct decision *d, const char *cc)
{
	char nested[4][1024], id[32], ts[4][JSON_TS_LEN], ab[IPADDR_STRLEN];
	char dest[sizeof(nested[0]) - 2], customers[1024];
	struct json jw;
	struct event e;
	int64_t now = a->now_us;

	if (f->flags & FLOW_INCIDENT || d->scope == NULL || a->episodes == NULL)
		return;
	f->flags |= FLOW_INCIDENT;
	json_timestamp(j->ts_us, ts[2]);
	ipaddr_format(&j->dst, ab);
	json_begin(&jw, nested[3], sizeof(nested[3]));
	json_array_begin(&jw, "c");
	for (size_t k = 0; k < d->scope->customers.n; k++)
		json_array_str(&jw, d->scope->customers.v[k]);
	json_array_end(&jw);
	if (json_end(&jw) < 0 || strlen(nested[3]) < 7)
		snprintf(nested[3], sizeof(nested[3]), "{\"c\":[]}");
	for (size_t k = 0; k < d->scope->customers.n; k++) {
		const char *cust = d->scope->customers.v[k];

		/* a customer whose consent covered it suffered no breach */
		if (consent_match(a->pol.reg, cust, cc, &j->dst,
		    j->host[0] ? j->host : NULL, j->dport, now / USEC, NULL,
		    0) > 0)
			continue;
		if (!episode_begin(a, cust, &j->dst, now / USEC))
			continue;
		a->incidents++;
		incident_id(cust, ab, ts[2], id);

		json_begin(&jw, dest, sizeof(dest));
		json_str(&jw, "dst", ab);
		json_int(&jw, "dport", j->dport);
		json_str(&jw, "country", cc);
		json_str(&jw, "host", j->host[0] ? j->host : NULL);
		/* an array of one: an episode names its first destination */
		snprintf(nested[0], sizeof(nested[0]), "[%s]",
		    json_end(&jw) < 0 ? "null" : dest);

		json_begin(&jw, nested[1], sizeof(nested[1]));
		json_int_or_null(&jw, "uid", j->attributed ? j->at.uid : -1);
		json_int_or_null(&jw, "pid", j->attributed ? j->at.pid : -1);
		json_str(&jw, "comm", j->attributed && j->at.comm[0] ?
		    j->at.comm : NULL);
		json_str(&jw, "exe", j->attributed && j->at.exe[0] ?
		    j->at.exe : NULL);
		json_str(&jw, "cgroup", j->attributed && j->at.cgroup[0] ?
		    j->at.cgroup : NULL);
		if (json_end(&jw) < 0)
			snprintf(nested[1], sizeof(nested[1]), "null");

		json_begin(&jw, nested[2], sizeof(nested[2]));
		json_str(&jw, "action", policy_action_name(d->action));
		if (f->action == ACTION_BLOCK && a->enf != NULL)
			json_str(&jw, "blocked_at", json_timestamp(now, ts[3]));
		else
			json_null(&jw, "blocked_at");
		if (json_end(&jw) < 0)
			snprintf(nested[2], sizeof(nested[2]), "null");

		event_init(&e, EV_INCIDENT, now);
		event_kv_str(&e, "incident", id);
		event_kv_str(&e, "discovered_at", json_timestamp(now, ts[0]));
		event_kv_str(&e, "notify_customer_by",
		    json_timestamp(now + NOTICE_DEADLINE * USEC, ts[1]));
		event_kv_str(&e, "customer", cust);
		/* the array of {"c":[...]}: from its '[' to before the '}' */
		snprintf(customers, sizeof(customers), "%.*s",
		    (int)(strlen(nested[3]) - 6), nested[3] + 5);
		event_kv_json(&e, "customers", customers);
		event_kv_str(&e, "scope", d->scope->name);
		event_kv_str(&e, "data", d->scope->data);
		if (d->scope->subjects >= 0)
			event_kv_int(&e, "subjects", d->scope->subjects);
		else
			event_kv_json(&e, "subjects", "null");
		event_kv_json(&e, "destinations", nested[0]);
		event_kv_str(&e, "proto", j->proto == IPPROTO_TCP ? "tcp" : "udp");
		{
			static char sb[IPADDR_STRLEN];

			event_kv_str(&e, "src", ipaddr_format(&j->src, sb));
		}
		event_kv_json(&e, "process", nested[1]);
		event_kv_int(&e, "bytes_sent", (int64_t)f->payload_bytes);
		event_kv_int(&e, "packets_sent", (int64_t)f->packets);
		event_kv_str(&e, "first_seen", ts[2]);
		event_kv_str(&e, "last_seen", ts[0]);
		event_kv_json(&e, "measures", nested[2]);
		event_kv_str(&e, "verdict", policy_verdict_name(d->verdict));
		event_kv_str(&e, "reason", d->reason);
		event_kv_str(&e, "geodb", a->geodb_tag);
		event_kv_str(&e, "policy", a->pol.hash);
		emit(a, &e);
	}
}

/* The facts of j as the policy sees them, and its decision at now. */
static void
judge(struct agent *a, const struct judged *j, struct flow_facts *facts,
    struct geodb_result *gr, struct decision *d)
{
	bool v4 = ipaddr_is_v4(&j->dst);

	memset(facts, 0, sizeof(*facts));
	facts->proto = j->proto;
	facts->src = j->src;
	facts->dst = j->dst;
	facts->sport = j->sport;
	facts->dport = j->dport;
	facts->host = j->host[0] != '\0' ? j->host : NULL;
	facts->uid = j->attributed ? j->at.uid : -1;
	if (j->attributed) {
		facts->user = j->at.user[0] ? j->at.user : NULL;
		facts->comm = j->at.comm[0] ? j->at.comm : NULL;
		facts->cgroup = j->at.cgroup[0] ? j->at.cgroup : NULL;
	}
	if (geodb_lookup(a->geo, v4 ? AF_INET : AF_INET6,
	    v4 ? ipaddr_v4(&j->dst) : j->dst.b, gr) == -1)
		log_debug("geodb error on a lookup: treated as unknown");
	facts->cc = gr->cc;
	policy_decide(a->pol.cfg, a->pol.reg, facts, a->now_us / USEC, d);
}

/* Payload of a violating flow was seen leaving: an incident, maybe. */
static void
data_left(struct agent *a, struct flow *f, const struct judged *j)
{
	struct flow_facts facts;
	struct geodb_result gr;
	struct decision d;

	if (j->verdict != VERDICT_VIOLATION || (f->flags & FLOW_INCIDENT))
		return;
	judge(a, j, &facts, &gr, &d);
	if (d.verdict == VERDICT_VIOLATION)
		raise_incident(a, f, j, &d, gr.cc);
}

/*
 * Judges j at its ts_us and emits the decision's event. With revises >= 0
 * this is a second look at a flow already judged at that time (its first
 * payload named the destination): an event is written only when the
 * verdict changes, and it says which event it revises.
 */
static void
decide(struct agent *a, struct judged *j, struct flow *fw, int64_t revises)
{
	struct flow_facts facts;
	struct geodb_result gr;
	struct decision d;
	struct event_flow ef;
	struct event e;
	enum event_type type;
	char rts[JSON_TS_LEN];

	judge(a, j, &facts, &gr, &d);
	if (revises >= 0 && d.verdict == j->verdict)
		return;
	if (revises >= 0) {
		a->n.revisions++;
		a->n.verdicts[j->verdict]--;
	}
	fw->flags |= FLOW_DECIDED;
	fw->verdict = (uint8_t)d.verdict;
	fw->action = (uint8_t)d.action;
	j->verdict = (uint8_t)d.verdict;
	a->n.verdicts[d.verdict]++;

	/* Reactive blocking; a name that may still allow the flow waits. */
	if (d.action == ACTION_BLOCK && a->enf != NULL &&
	    !j->blocked_by_kernel) {
		if (revises < 0 && name_could_allow(a, &d, &facts))
			j->defer_block = true;
		else
			block_flow(a, j);
	}

	/* After any block: the process, for the event. */
	if (j->attributed && !j->process_done && a->attr != NULL) {
		attrib_lookup_process(a->attr, &j->at);
		j->process_done = true;
	}

	switch (d.verdict) {
	case VERDICT_VIOLATION:
		type = EV_VIOLATION;
		break;
	case VERDICT_UNSCOPED:
		if (d.action == ACTION_NONE && !a->opt.verbose &&
		    !j->blocked_by_kernel)
			return;
		type = EV_UNSCOPED;
		break;
	case VERDICT_ALLOW_CONSENT:
		type = EV_CONSENT_TRANSFER;
		break;
	default:
		if (!a->opt.verbose && revises < 0 && !j->blocked_by_kernel)
			return;
		type = EV_FLOW;
		break;
	}
	if (j->blocked_by_kernel) {
		type = EV_BLOCKED;
		d.action = ACTION_BLOCK;
	}
	if (d.scope != NULL && (type == EV_VIOLATION || type == EV_BLOCKED))
		for (size_t i = 0; i < d.scope->customers.n; i++)
			count_breakdown(a, d.scope->customers.v[i], gr.cc,
			    type == EV_BLOCKED || d.action == ACTION_BLOCK);

	memset(&ef, 0, sizeof(ef));
	ef.verdict = policy_verdict_name(d.verdict);
	ef.action = policy_action_name(d.action);
	ef.proto = j->proto;
	ef.src = j->src;
	ef.dst = j->dst;
	ef.sport = j->sport;
	ef.dport = j->dport;
	ef.country = gr.cc;
	ef.host = facts.host;
	ef.host_source = facts.host ? name_source_str(j->host_src) : NULL;
	if (d.scope != NULL) {
		ef.scope = d.scope->name;
		for (size_t i = 0; i < d.scope->customers.n &&
		    i < EVENT_MAX_CUSTOMERS; i++)
			ef.customers[ef.n_customers++] =
			    d.scope->customers.v[i];
	}
	for (size_t i = 0; i < d.n_consents && i < EVENT_MAX_CONSENTS; i++)
		ef.consents[ef.n_consents++] = d.consents[i]->id;
	ef.uid = facts.uid;
	ef.pid = j->attributed ? j->at.pid : -1;
	ef.comm = facts.comm;
	ef.exe = j->attributed && j->at.exe[0] ? j->at.exe : NULL;
	ef.cgroup = facts.cgroup;
	ef.iface = j->cap->live ? j->cap->name : NULL;
	ef.midstream = j->midstream;
	ef.reason = d.reason;
	ef.geodb = a->geodb_tag;
	ef.policy = a->pol.hash;

	event_init(&e, type, a->now_us);
	e.flow = &ef;
	if (revises >= 0)
		event_kv_str(&e, "revises", json_timestamp(revises, rts));
	emit(a, &e);
}

/* ---- names ------------------------------------------------------------ */

/* Learns address -> name from a DNS response (UDP, or TCP after its length). */
static void
learn_dns(struct agent *a, const struct packet *p)
{
	struct dns_answer ans;
	const uint8_t *m = p->payload;
	size_t len = p->payload_caplen;

	if (p->proto == IPPROTO_TCP) {
		size_t msglen;

		/* RFC 7766: a 2-byte length, then the message */
		if (len < 2)
			return;
		msglen = (size_t)m[0] << 8 | m[1];
		m += 2;
		len -= 2;
		if (msglen > len)
			return;		/* split over segments: not learned */
		len = msglen;
	}
	switch (dns_parse_response(m, len, &ans)) {
	case DNS_OK:
		a->n.dns_answers++;
		for (size_t i = 0; i < ans.n_addrs; i++)
			name_cache_put(a->names, &ans.addrs[i].addr, ans.qname,
			    ans.addrs[i].ttl, a->now_us / USEC);
		if (a->enf != NULL && any_preventive(a))
			learn_allowed(a, &ans);
		break;
	case DNS_BAD:
		a->n.dns_malformed++;
		break;
	case DNS_NONE:
		break;
	}
}

/* The name a flow's first payload gives (TLS SNI, else HTTP Host). */
static bool
name_from_payload(const struct packet *p, char name[DNS_NAME_MAX],
    enum name_source *src)
{
	if (p->proto != IPPROTO_TCP || p->payload_caplen == 0)
		return false;
	if (hostname_tls_sni(p->payload, p->payload_caplen, name) ==
	    HOSTNAME_FOUND) {
		*src = NAME_SNI;
		return true;
	}
	if (hostname_http_host(p->payload, p->payload_caplen, name) ==
	    HOSTNAME_FOUND) {
		*src = NAME_HTTP;
		return true;
	}
	return false;
}

/* ---- flows awaiting their first payload -------------------------------- */

static bool
pending_add(struct agent *a, struct flow *f, const struct judged *j)
{
	uint32_t idx = a->pending_free;
	struct pending *slot;

	if (idx == 0) {
		a->n.pending_full++;	/* judged once, at the SYN */
		return false;
	}
	slot = &a->pending[idx - 1];
	a->pending_free = slot->next_free;
	slot->j = *j;
	slot->j.used = true;
	slot->buf_len = 0;
	slot->segments = 0;
	f->name_id = idx;
	f->flags |= FLOW_PENDING;
	return true;
}

static void
pending_release(struct agent *a, struct flow *f)
{
	struct pending *slot;

	if (!(f->flags & FLOW_PENDING) || f->name_id == 0)
		return;
	slot = &a->pending[f->name_id - 1];
	slot->j.used = false;
	slot->next_free = a->pending_free;
	a->pending_free = f->name_id;
	f->name_id = 0;
	f->flags &= (uint8_t)~FLOW_PENDING;
}

/* flow_table callback: a flow leaves the table (idle or evicted). */
static void
flow_gone(struct flow *f, void *arg)
{
	pending_release(arg, f);
}

/*
 * The first payload of a pending flow: does it name the destination? A
 * large ClientHello (post-quantum key shares make 1.8 KB common) spans
 * segments, so the first bytes are gathered until the name is found, the
 * TLS record is complete, or PENDING_SEGMENTS segments have come.
 */
static void
first_payload(struct agent *a, struct flow *f, const struct packet *p)
{
	struct pending *pd = &a->pending[f->name_id - 1];
	struct judged *j = &pd->j;
	char name[DNS_NAME_MAX];
	enum name_source src;
	size_t room = sizeof(pd->buf) - pd->buf_len;
	size_t n = p->payload_caplen < room ? p->payload_caplen : room;
	struct packet whole = *p;
	bool found;

	memcpy(pd->buf + pd->buf_len, p->payload, n);
	pd->buf_len = (uint16_t)(pd->buf_len + n);
	pd->segments++;
	whole.payload = pd->buf;
	whole.payload_caplen = pd->buf_len;
	found = name_from_payload(&whole, name, &src);
	if (!found && pd->buf_len >= 5 && pd->buf[0] == 22 &&
	    pd->buf[1] == 3 && pd->segments < PENDING_SEGMENTS &&
	    pd->buf_len < sizeof(pd->buf) &&
	    pd->buf_len < 5u + ((unsigned)pd->buf[3] << 8 | pd->buf[4]))
		return;		/* a TLS record still arriving */
	if (found) {
		a->n.names_from_payload++;
		if (strcmp(name, j->host) != 0) {
			snprintf(j->host, sizeof(j->host), "%s", name);
			j->host_src = src;
			decide(a, j, f, j->ts_us);
		}
	}
	/*
	 * Data left unless this first payload is the ClientHello a deferred
	 * block waited for (it carries no personal data and is cut now).
	 */
	if (!(j->defer_block && pd->buf[0] == 22))
		data_left(a, f, j);
	if (j->defer_block && j->verdict != VERDICT_ALLOW_CONSENT)
		block_flow(a, j);
	pending_release(a, f);
}

/*
 * A new outbound flow: gather what is known (owner, name), judge it, and
 * keep it pending when its first payload may still name the destination.
 */
static void
judge_new(struct agent *a, struct flow *f, const struct packet *p,
    bool from_src, const struct capture *cap, bool midstream)
{
	bool kernel_dropped = cap->linktype == DECODE_LINK_NFLOG;
	struct judged j;
	const char *cached;
	bool named = false;

	memset(&j, 0, sizeof(j));
	j.proto = p->proto;
	j.src = from_src ? p->src : p->dst;
	j.dst = from_src ? p->dst : p->src;
	j.sport = from_src ? p->sport : p->dport;
	j.dport = from_src ? p->dport : p->sport;
	j.cap = cap;
	j.midstream = midstream;
	j.ts_us = a->now_us;
	j.verdict = UINT8_MAX;
	j.blocked_by_kernel = kernel_dropped;
	if (a->attr != NULL) {
		struct timespec t0, t1;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		j.attributed = attrib_lookup_socket(a->attr, j.proto, &j.src,
		    j.sport, &j.dst, j.dport, &j.at);
		/* the process first only when a scope matches on it */
		if (j.attributed && a->scopes_need_process) {
			attrib_lookup_process(a->attr, &j.at);
			j.process_done = true;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		a->attrib_ns[a->attrib_n++ % 1024] = (uint32_t)((t1.tv_sec -
		    t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec));
	}
	if (from_src && name_from_payload(p, j.host, &j.host_src)) {
		a->n.names_from_payload++;
		named = true;
	} else if ((cached = name_cache_get(a->names, &j.dst,
	    a->now_us / USEC)) != NULL) {
		snprintf(j.host, sizeof(j.host), "%s", cached);
		j.host_src = NAME_DNS;
	}
	decide(a, &j, f, -1);
	if (from_src && p->payload_len > 0 && !kernel_dropped)
		data_left(a, f, &j);
	/* Only a consent's hosts can turn on a name, and only over TCP. */
	if (!named && !kernel_dropped && j.proto == IPPROTO_TCP &&
	    (j.verdict == VERDICT_VIOLATION ||
	    j.verdict == VERDICT_ALLOW_CONSENT)) {
		if (!pending_add(a, f, &j) && j.defer_block)
			block_flow(a, &j);	/* no room to wait: block now */
	} else if (j.defer_block) {
		block_flow(a, &j);
	}
}

static void
handle_packet(struct agent *a, const struct capture *cap,
    const struct pcap_pkthdr *h, const u_char *data)
{
	enum decode_error derr = DECODE_ERR_NONE;
	struct packet p;
	struct flow_key k;
	struct flow *f;
	bool swapped, from_src, outbound, midstream = false;
	uint32_t now;

	a->n.packets++;
	a->n.bytes += h->len;
	a->now_us = (int64_t)h->ts.tv_sec * USEC + h->ts.tv_usec;
	now = (uint32_t)h->ts.tv_sec;
	/* An expiry is reported before the first decision it changes. */
	if (h->ts.tv_sec >= a->next_consent_expiry)
		check_consent_expiry(a, h->ts.tv_sec);

	switch (decode_packet(cap->linktype, data, h->caplen, h->len, &p,
	    &derr)) {
	case DECODE_OK:
		break;
	case DECODE_OTHER:
		a->n.other++;
		return;
	case DECODE_BAD:
		a->n.decode_errors[derr]++;
		return;
	}
	a->n.decoded++;
	if (p.sport == 53 && p.payload_caplen > 0)
		learn_dns(a, &p);

	swapped = canonical_key(&p, &k);
	if ((f = flow_table_lookup(a->flows, &k)) != NULL) {
		/* The one hash lookup a known flow costs. */
		bool from_initiator = ((f->flags & FLOW_REVERSED) != 0) ==
		    swapped;

		if (from_initiator && (f->flags & FLOW_OUTBOUND)) {
			f->packets++;
			f->bytes += p.ip_len;
			f->payload_bytes += p.payload_len;
			if ((f->flags & FLOW_PENDING) && p.payload_caplen > 0)
				first_payload(a, f, &p);
		}
		flow_table_touch(a->flows, f, now);
		return;
	}

	/* A new flow: who opened it, and is that this host? */
	if (p.proto == IPPROTO_TCP && (p.tcp_flags & TCP_RST))
		return;		/* a reset opens nothing */
	from_src = opened_by_src(a, &p, &midstream);
	{
		const struct ipaddr *init = from_src ? &p.src : &p.dst;
		const struct ipaddr *resp = from_src ? &p.dst : &p.src;

		outbound = a->all_local ||
		    (is_local(a, init) && !is_local(a, resp));
	}
	if ((f = flow_table_insert(a->flows, &k, now, flow_gone, a)) == NULL)
		return;
	a->n.flows_new++;
	/* canonical_key put the packet's src at key.dst when swapped */
	if (from_src == swapped)
		f->flags |= FLOW_REVERSED;
	if (midstream)
		f->flags |= FLOW_MIDSTREAM;
	if (!outbound) {
		f->flags |= FLOW_INBOUND;	/* remembered, never judged */
		return;
	}
	f->flags |= FLOW_OUTBOUND;
	a->n.flows_outbound++;
	if (from_src) {
		f->packets = 1;
		f->bytes = p.ip_len;
		f->payload_bytes = p.payload_len;
	}
	judge_new(a, f, &p, from_src, cap, midstream);
}

/* ---- periodic work ---------------------------------------------------- */

static int
cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return a < b ? -1 : a > b;
}

/* Median and 99th percentile of a ring of nanosecond latencies, in microseconds. */
static void
latency_kv(struct event *e, const uint32_t *ring, uint64_t count,
    const char *p50, const char *p99)
{
	uint32_t v[1024];
	size_t n = count < 1024 ? (size_t)count : 1024;

	if (n == 0)
		return;
	memcpy(v, ring, n * sizeof(v[0]));
	qsort(v, n, sizeof(v[0]), cmp_u32);
	event_kv_int(e, p50, v[n / 2] / 1000);
	event_kv_int(e, p99, v[(n * 99) / 100] / 1000);
}

/* Attributions: how many found what, and how long they took. */
static void
attrib_latency(const struct agent *a, struct event *e)
{
	struct attrib_stats st;

	attrib_get_stats(a->attr, &st);
	event_kv_int(e, "attrib_queries", (int64_t)st.queries);
	event_kv_int(e, "attrib_found_socket", (int64_t)st.found_socket);
	event_kv_int(e, "attrib_found_process", (int64_t)st.found_process);
	event_kv_int(e, "attrib_cached", (int64_t)st.cached);
	event_kv_int(e, "attrib_cache_full", (int64_t)st.cache_full);
	latency_kv(e, a->attrib_ns, a->attrib_n, "attrib_us_p50",
	    "attrib_us_p99");
}

#define M_ADD(type, name, help, labels, v) \
	(void)metrics_add(m, type, name, help, labels, (double)(v))

/*
 * The counters as Prometheus text for node_exporter's textfile collector,
 * rewritten whole (atomically) with every stats event.
 */
static void
write_metrics(struct agent *a, int64_t now_us)
{
	const char *path = a->pol.cfg->alerts.metrics_file;
	struct metrics *m = a->metrics;
	struct flow_table_stats fs;
	const struct geodb_info *gi = geodb_get_info(a->geo);
	size_t active = 0, expiring = 0;

	if (path == NULL || path[0] == '\0')
		return;
	if (m == NULL && (m = a->metrics = metrics_new(METRICS_SAMPLES)) ==
	    NULL) {
		log_warn("metrics: %s", path);	/* tried again next time */
		return;
	}
	metrics_reset(m);
	flow_table_get_stats(a->flows, &fs);
	M_ADD(METRIC_COUNTER, "eeaguard_packets_total", "Packets captured.",
	    NULL, a->n.packets);
	M_ADD(METRIC_COUNTER, "eeaguard_flows_total", "Flows seen.", NULL,
	    a->n.flows_new);
	M_ADD(METRIC_GAUGE, "eeaguard_flows_active", "Flows in the table.",
	    NULL, fs.count);
	M_ADD(METRIC_COUNTER, "eeaguard_flows_evicted_total",
	    "Flows pushed out of a full table.", NULL, fs.evicted);
	for (int v = 0; v <= VERDICT_UNSCOPED; v++) {
		const char *l[] = { "verdict", policy_verdict_name(v), NULL };

		M_ADD(METRIC_COUNTER, "eeaguard_decisions_total",
		    "Decisions by verdict.", l, a->n.verdicts[v]);
	}
	for (size_t i = 0; i < a->n_by_cc; i++) {
		const char *l[] = { "customer", a->by_cc[i].customer,
		    "country", a->by_cc[i].cc, NULL };

		M_ADD(METRIC_COUNTER, "eeaguard_violations_total",
		    "Violations by customer and destination country.", l,
		    a->by_cc[i].violations);
		M_ADD(METRIC_COUNTER, "eeaguard_blocks_total",
		    "Violations blocked, by customer and destination country.",
		    l, a->by_cc[i].blocks);
	}
	for (int i = 1; i < DECODE_ERR_COUNT; i++) {
		const char *l[] = { "reason", decode_error_name(i), NULL };

		M_ADD(METRIC_COUNTER, "eeaguard_decode_errors_total",
		    "Packets not decoded, by reason.", l, a->n.decode_errors[i]);
	}
	for (size_t i = 0; i < a->n_caps; i++) {
		struct pcap_stat ps;
		const char *l[] = { "iface", a->caps[i].name, NULL };

		if (a->caps[i].live && pcap_stats(a->caps[i].pcap, &ps) == 0)
			M_ADD(METRIC_COUNTER, "eeaguard_pcap_drops_total",
			    "Packets the capture dropped, by interface.", l,
			    (uint64_t)ps.ps_drop + ps.ps_ifdrop);
	}
	M_ADD(METRIC_COUNTER, "eeaguard_reloads_total",
	    "Configuration and register reloads attempted.", NULL,
	    a->n.reloads);
	M_ADD(METRIC_COUNTER, "eeaguard_reload_failures_total",
	    "Reloads refused (the old state stayed in force).", NULL,
	    a->n.reload_failures);
	M_ADD(METRIC_GAUGE, "eeaguard_geodb_age_seconds",
	    "Age of the country database's data.", NULL,
	    /* NOLINTNEXTLINE(bugprone-integer-division): whole seconds */
	    gi->build_epoch ? (double)(now_us / USEC - (int64_t)gi->build_epoch)
	    : 0);
	for (size_t i = 0; i < a->pol.reg->n; i++) {
		const struct consent *c = &a->pol.reg->v[i];

		if (!consent_active(c, now_us / USEC))
			continue;
		active++;
		if (c->expires != CONSENT_TIME_MAX &&
		    c->expires - now_us / USEC <= 30 * 86400)
			expiring++;
	}
	M_ADD(METRIC_GAUGE, "eeaguard_consents_active",
	    "Consents in force.", NULL, active);
	M_ADD(METRIC_GAUGE, "eeaguard_consents_expiring",
	    "Consents in force that expire within 30 days.", NULL, expiring);
	M_ADD(METRIC_COUNTER, "eeaguard_blocks_committed_total",
	    "Deny elements committed in enforce mode.", NULL, a->blocks);
	M_ADD(METRIC_COUNTER, "eeaguard_incidents_total",
	    "Incidents: violations in which data left the host.", NULL,
	    a->incidents);
	M_ADD(METRIC_COUNTER, "eeaguard_enforce_errors_total",
	    "nftables updates that failed.", NULL, a->enforce_errors);
	if (metrics_write(m, path) == -1)
		log_warn("metrics: %s", path);
}

/* Reactive blocks: first packet captured -> deny element committed. */
static void
block_latency(const struct agent *a, struct event *e)
{
	event_kv_int(e, "blocks", (int64_t)a->blocks);
	event_kv_int(e, "enforce_errors", (int64_t)a->enforce_errors);
	latency_kv(e, a->block_ns, a->block_n, "block_us_p50", "block_us_p99");
}

static void
emit_stats(struct agent *a, int64_t ts_us)
{
	struct flow_table_stats fs;
	struct name_cache_stats ns;
	struct sink_stats ss;
	struct event e;
	uint64_t errs = 0;

	flow_table_get_stats(a->flows, &fs);
	sinks_get_stats(a->sinks, &ss);
	event_init(&e, EV_STATS, ts_us);
	event_kv_int(&e, "packets", (int64_t)a->n.packets);
	event_kv_int(&e, "bytes", (int64_t)a->n.bytes);
	event_kv_int(&e, "decoded", (int64_t)a->n.decoded);
	event_kv_int(&e, "not_tcp_udp", (int64_t)a->n.other);
	for (int i = 1; i < DECODE_ERR_COUNT; i++)
		errs += a->n.decode_errors[i];
	event_kv_int(&e, "decode_errors", (int64_t)errs);
	for (int i = 1; i < DECODE_ERR_COUNT; i++)
		if (a->n.decode_errors[i] > 0)
			event_kv_int(&e, decode_error_name(i),
			    (int64_t)a->n.decode_errors[i]);
	event_kv_int(&e, "flows_active", (int64_t)fs.count);
	event_kv_int(&e, "flows_new", (int64_t)a->n.flows_new);
	event_kv_int(&e, "flows_outbound", (int64_t)a->n.flows_outbound);
	event_kv_int(&e, "flows_evicted", (int64_t)fs.evicted);
	name_cache_get_stats(a->names, &ns);
	event_kv_int(&e, "names_cached", (int64_t)ns.count);
	event_kv_int(&e, "names_evicted", (int64_t)ns.evicted);
	event_kv_int(&e, "dns_answers", (int64_t)a->n.dns_answers);
	event_kv_int(&e, "dns_malformed", (int64_t)a->n.dns_malformed);
	event_kv_int(&e, "names_from_payload", (int64_t)a->n.names_from_payload);
	event_kv_int(&e, "revisions", (int64_t)a->n.revisions);
	event_kv_int(&e, "incidents", (int64_t)a->incidents);
	event_kv_int(&e, "pending_full", (int64_t)a->n.pending_full);
	if (a->attr != NULL)
		attrib_latency(a, &e);
	if (a->enf != NULL)
		block_latency(a, &e);
	write_metrics(a, ts_us);
	event_kv_int(&e, "flows_expired", (int64_t)fs.expired);
	for (int v = 0; v <= VERDICT_UNSCOPED; v++)
		event_kv_int(&e, policy_verdict_name(v),
		    (int64_t)a->n.verdicts[v]);
	event_kv_int(&e, "events_suppressed", (int64_t)ss.suppressed);
	event_kv_int(&e, "jsonl_errors", (int64_t)ss.jsonl_errors);
	event_kv_int(&e, "exec_failed", (int64_t)ss.exec_failed);
	event_kv_int(&e, "exec_dropped", (int64_t)ss.exec_dropped);
	event_kv_int(&e, "exec_running", (int64_t)ss.exec_running);
	for (size_t i = 0; i < a->n_caps; i++) {
		struct pcap_stat ps;

		if (a->caps[i].live && pcap_stats(a->caps[i].pcap, &ps) == 0) {
			static char key[AGENT_MAX_IFACES][80];

			snprintf(key[i], sizeof(key[i]), "pcap_drops_%s",
			    a->caps[i].name);
			event_kv_int(&e, key[i], (int64_t)ps.ps_drop +
			    ps.ps_ifdrop);
		}
	}
	emit(a, &e);
}

static void
tick(struct agent *a, int64_t now_us)
{
	int64_t now_s = now_us / USEC;

	a->last_tick_s = now_s;
	flow_table_expire(a->flows, (uint32_t)now_s, a->idle_timeout,
	    EXPIRE_PER_TICK, flow_gone, a);
	check_consent_expiry(a, now_s);
	sinks_flush(a->sinks, now_us);
	sinks_reap(a->sinks);
	if (a->next_stats_s == 0)
		a->next_stats_s = now_s + a->pol.cfg->alerts.stats_interval;
	if (now_s >= a->next_stats_s) {
		emit_stats(a, now_us);
		a->next_stats_s = now_s + a->pol.cfg->alerts.stats_interval;
	}
}

/* ---- life cycle ------------------------------------------------------- */

static void
emit_lifecycle(struct agent *a, enum event_type t, const char *reason)
{
	struct event e;

	event_init(&e, t, wall_us());
	event_kv_str(&e, "mode", config_mode_name(a->mode));
	event_kv_str(&e, "source", a->opt.pcap_file ? "file" : "live");
	if (a->opt.pcap_file != NULL)
		event_kv_str(&e, "file", a->opt.pcap_file);
	event_kv_str(&e, "reason", reason);
	event_kv_str(&e, "geodb", a->geodb_tag);
	event_kv_str(&e, "policy", a->pol.hash);
	emit(a, &e);
}

struct agent *
agent_new(const struct agent_options *o, char *err, size_t errsize,
    int *status)
{
	struct errlist errs = { 0 };
	struct sink_options so;
	struct agent *a;
	const char *dbpath;
	char joined[4096];

	*status = EXIT_RUNTIME;
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		snprintf(err, errsize, "out of memory");
		return NULL;
	}
	a->opt = *o;
	if (o->config_path != NULL)
		snprintf(a->config_path, sizeof(a->config_path), "%s",
		    o->config_path);
	else if (access(CONFIG_DEFAULT_PATH, F_OK) == 0)
		snprintf(a->config_path, sizeof(a->config_path), "%s",
		    CONFIG_DEFAULT_PATH);

	if (policy_load(a, &a->pol, true, &errs) == -1) {
		snprintf(err, errsize, "%s", errlist_join(&errs, joined,
		    sizeof(joined)));
		errlist_clear(&errs);
		*status = EXIT_INVALID;
		goto fail;
	}
	a->mode = o->mode_set ? o->mode : a->pol.cfg->agent.mode;
	a->pol.cfg->agent.mode = a->mode;
	policy_hash(&a->pol);
	a->scopes_need_process = scopes_need_process(a->pol.cfg);

	dbpath = a->pol.cfg->geodb.path;
	if (dbpath == NULL)
		dbpath = cli_geodb_path(a->pol.cfg);
	snprintf(a->geodb_path, sizeof(a->geodb_path), "%s", dbpath);
	{
		struct geodb *g = geodb_load(a->pol.cfg, a->geodb_path, err,
		    errsize);

		if (g == NULL) {
			*status = EXIT_INVALID;
			goto fail;
		}
		set_geodb(a, g);
	}

	a->idle_timeout = a->pol.cfg->agent.flow_idle_timeout;
	if ((a->flows = flow_table_new(a->pol.cfg->agent.flow_capacity)) ==
	    NULL) {
		size_t mib = flow_table_memory(
		    a->pol.cfg->agent.flow_capacity) >> 20;

		/* Lowering the capacity only helps a table that is big. */
		snprintf(err, errsize, "out of memory for a flow table of %u "
		    "flows (%zu MiB)%s", a->pol.cfg->agent.flow_capacity, mib,
		    mib >= 64 ? ": lower agent.flow_capacity" : "");
		goto fail;
	}

	if ((a->names = name_cache_new(NAME_CACHE_SIZE, NAME_TTL_MIN,
	    NAME_TTL_MAX)) == NULL ||
	    (a->pending = calloc(PENDING_MAX, sizeof(*a->pending))) == NULL) {
		snprintf(err, errsize, "out of memory");
		goto fail;
	}
	for (uint32_t i = 0; i < PENDING_MAX; i++)
		a->pending[i].next_free = i + 2 <= PENDING_MAX ? i + 2 : 0;
	if ((a->episodes = calloc(INCIDENT_MAX, sizeof(*a->episodes))) ==
	    NULL) {
		snprintf(err, errsize, "out of memory");
		goto fail;
	}
	a->pending_free = 1;

	memset(&so, 0, sizeof(so));
	so.to_stdout = o->pcap_file != NULL || a->pol.cfg->alerts.to_stdout;
	so.stdout_format = o->stdout_format;
	so.syslog = a->pol.cfg->alerts.syslog;
	so.jsonl = a->pol.cfg->alerts.jsonl;
	so.exec = a->pol.cfg->alerts.exec;
	so.dedup_window = a->pol.cfg->alerts.dedup_window;
	if ((a->sinks = sinks_open(&so, err, errsize)) == NULL) {
		/* Evidence that cannot be written must not be lost quietly. */
		char why[512];

		/* Memory, not the file: dropping it would lose it for nothing. */
		if (errno == ENOMEM)
			goto fail;
		snprintf(why, sizeof(why), "%s", err);
		so.jsonl = NULL;
		if ((a->sinks = sinks_open(&so, err, errsize)) == NULL)
			goto fail;
		log_warnx("%s: events go to the other sinks only", why);
		emit_simple(a, EV_SINK_ERROR, "sink", "jsonl", "error", why);
	}

	if (o->pcap_file != NULL && a->pol.cfg->agent.local_networks.n == 0) {
		a->all_local = true;
		log_warnx("agent.local_networks is empty: the initiator of "
		    "every flow in %s is taken to be this host",
		    o->pcap_file);
	}
	return a;
fail:
	agent_free(a);
	return NULL;
}

void
agent_free(struct agent *a)
{
	if (a == NULL)
		return;
	for (size_t i = 0; i < a->n_caps; i++)
		capture_close(&a->caps[i]);
	sinks_close(a->sinks);
	flow_table_free(a->flows);
	name_cache_free(a->names);
	attrib_close(a->attr);
	enforce_close(a->enf);
	free(a->denies);
	free(a->learned);
	free(a->eea);
	metrics_free(a->metrics);
	free(a->episodes);
	free(a->pending);
	geodb_close(a->geo);
	netset_free(a->host_addrs);
	config_free(a->pol.cfg);
	consent_register_free(a->pol.reg);
	free(a);
}

struct dispatch_ctx {
	struct agent *a;
	const struct capture *cap;
};

static void
on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	struct dispatch_ctx *ctx = (struct dispatch_ctx *)(void *)user;
	struct agent *a = ctx->a;

	handle_packet(a, ctx->cap, h, data);
	if (a->now_us / USEC != a->last_tick_s)
		tick(a, a->now_us);
}

int
agent_run_offline(struct agent *a)
{
	struct dispatch_ctx ctx;
	char err[PCAP_ERRBUF_SIZE + 512];
	int rc, status = EXIT_OK;

	if (capture_open_file(&a->caps[0], a->opt.pcap_file, err,
	    sizeof(err)) == -1) {
		log_warnx("%s", err);
		return EXIT_INVALID;
	}
	a->n_caps = 1;
	emit_lifecycle(a, EV_AGENT_STARTED, "replay");
	check_geodb_age(a);
	a->last_tick_s = -1;
	reset_consent_clock(a, 0);
	a->consent_checked = INT64_MIN;
	a->next_consent_expiry = next_expiry(a->pol.reg, INT64_MIN);
	ctx.a = a;
	ctx.cap = &a->caps[0];
	rc = pcap_loop(a->caps[0].pcap, -1, on_packet, (u_char *)&ctx);
	if (rc == PCAP_ERROR) {
		snprintf(err, sizeof(err), "capture %s: %s", a->opt.pcap_file,
		    pcap_geterr(a->caps[0].pcap));
		emit_simple(a, EV_CAPTURE_ERROR, "source", a->opt.pcap_file,
		    "error", pcap_geterr(a->caps[0].pcap));
		log_warnx("%s", err);
		status = EXIT_INVALID;
	}
	if (a->now_us > 0) {
		sinks_flush(a->sinks, -1);
		emit_stats(a, a->now_us);
	}
	emit_lifecycle(a, EV_AGENT_STOPPED, status == EXIT_OK ?
	    "end of capture" : "capture error");
	return status;
}

/* ---- live ------------------------------------------------------------- */

struct watch {
	int wd;
	char dir[PATH_MAX];
	char name[NAME_MAX + 1];
	unsigned what;
};

static int
add_watch(int ifd, struct watch *w, const char *path, unsigned what)
{
	const char *slash;

	if (path == NULL)
		return -1;
	slash = strrchr(path, '/');
	if (slash == NULL) {
		snprintf(w->dir, sizeof(w->dir), ".");
		snprintf(w->name, sizeof(w->name), "%s", path);
	} else {
		snprintf(w->dir, sizeof(w->dir), "%.*s",
		    (int)(slash - path == 0 ? 1 : slash - path), path);
		snprintf(w->name, sizeof(w->name), "%s", slash + 1);
	}
	w->what = what;
	w->wd = inotify_add_watch(ifd, w->dir, IN_CLOSE_WRITE | IN_MOVED_TO |
	    IN_CREATE | IN_DELETE | IN_ATTRIB);
	return w->wd;
}

static unsigned
read_inotify(int ifd, const struct watch *w, size_t nw)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	unsigned what = 0;
	ssize_t n;

	while ((n = read(ifd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)(void *)p;

			for (size_t i = 0; i < nw; i++)
				if (w[i].wd == ev->wd && ev->len > 0 &&
				    strcmp(ev->name, w[i].name) == 0)
					what |= w[i].what;
			p += sizeof(*ev) + ev->len;
		}
	}
	return what;
}

static void
setup_watches(struct agent *a, int ifd, struct watch *w, size_t *nw)
{
	for (size_t i = 0; i < *nw; i++)
		if (w[i].wd >= 0)
			inotify_rm_watch(ifd, w[i].wd);
	*nw = 0;
	if (a->config_path[0] != '\0' &&
	    add_watch(ifd, &w[*nw], a->config_path, RELOAD_CONFIG) >= 0)
		(*nw)++;
	if (add_watch(ifd, &w[*nw], a->pol.cfg->consent.register_path,
	    RELOAD_REGISTER) >= 0)
		(*nw)++;
	if (add_watch(ifd, &w[*nw], a->geodb_path, RELOAD_GEODB) >= 0)
		(*nw)++;
}

/*
 * Enforce mode: the table goes in before the first packet is read, and a
 * table that cannot be installed stops the agent (exit 2) rather than
 * letting it pretend to enforce. --release in monitor mode removes a table
 * an earlier enforcing run left behind.
 */
static int
start_enforcement(struct agent *a)
{
	char err[512];

	if (a->mode != MODE_ENFORCE && !a->opt.release)
		return 0;
	if ((a->enf = enforce_open(err, sizeof(err))) == NULL) {
		log_warnx("enforcement: %s", err);
		return a->mode == MODE_ENFORCE ? -1 : 0;
	}
	if (a->mode != MODE_ENFORCE) {
		if (enforce_release(a->enf, err, sizeof(err)) == -1)
			log_warnx("--release: %s", err);
		else
			log_info("released the nftables table inet %s",
			    ENFORCE_TABLE);
		enforce_close(a->enf);
		a->enf = NULL;
		return 0;
	}
	if ((a->denies = calloc(DENY_MEMORY, sizeof(*a->denies))) == NULL ||
	    (a->learned = calloc(LEARNED_MEMORY, sizeof(*a->learned))) ==
	    NULL) {
		log_warnx("enforcement: out of memory");
		return -1;
	}
	if (refresh_eea(a) == -1) {
		log_warnx("enforcement: cannot walk the geodb %s",
		    a->geodb_path);
		return -1;
	}
	if (install_table(a) == -1)
		return -1;
	log_info("enforcing (%s): nftables table inet %s installed",
	    config_enforce_name(a->pol.cfg->agent.enforce), ENFORCE_TABLE);
	return 0;
}

static int
open_live(struct agent *a)
{
	const char *any[] = { "any" };
	const char *const *names;
	size_t n;
	char warn[512], err[512];

	if (a->opt.n_ifaces > 0) {
		names = a->opt.ifaces;
		n = a->opt.n_ifaces;
	} else if (a->pol.cfg->agent.interfaces.n > 0) {
		names = (const char *const *)a->pol.cfg->agent.interfaces.v;
		n = a->pol.cfg->agent.interfaces.n;
	} else {
		names = any;
		n = 1;
	}
	for (size_t i = 0; i < n && i < AGENT_MAX_IFACES; i++) {
		if (capture_open_live(&a->caps[a->n_caps], names[i], warn,
		    sizeof(warn), err, sizeof(err)) == -1) {
			log_warnx("%s", err);
			emit_simple(a, EV_CAPTURE_ERROR, "iface", names[i],
			    "error", err);
			return -1;
		}
		if (warn[0] != '\0')
			log_warnx("%s", warn);
		a->n_caps++;
	}
	if (a->enf != NULL && any_preventive(a) && a->n_caps < AGENT_MAX_IFACES) {
		char nflog[32];

		/* What the kernel drops for a preventive scope is reported. */
		snprintf(nflog, sizeof(nflog), "nflog:%u", ENFORCE_NFLOG_GROUP);
		if (capture_open_live(&a->caps[a->n_caps], nflog, warn,
		    sizeof(warn), err, sizeof(err)) == -1) {
			log_warnx("%s", err);
			emit_simple(a, EV_CAPTURE_ERROR, "iface", nflog,
			    "error", err);
			return -1;
		}
		a->n_caps++;
	}
	return 0;
}

/*
 * Where a service manager made /run/eeaguard, the pid goes there so that
 * `eeaguard consent` can ask the running agent to reload at once. Written
 * atomically; only this agent's own pid is ever removed.
 */
static void
write_pidfile(void)
{
	char tmp[64];
	FILE *f;

	if (access(PIDFILE_DIR, W_OK) == -1)
		return;
	snprintf(tmp, sizeof(tmp), "%s.%ld", PIDFILE, (long)getpid());
	if ((f = fopen(tmp, "w")) == NULL)
		return;
	fprintf(f, "%ld\n", (long)getpid());
	if (fclose(f) != 0 || rename(tmp, PIDFILE) == -1)
		unlink(tmp);
}

static void
remove_pidfile(void)
{
	char buf[32] = "";
	FILE *f;

	if ((f = fopen(PIDFILE, "r")) == NULL)
		return;
	if (fgets(buf, sizeof(buf), f) != NULL &&
	    strtol(buf, NULL, 10) == (long)getpid())
		unlink(PIDFILE);
	(void)fclose(f);	/* read only */
}

int
agent_run_live(struct agent *a)
{
	struct watch watches[3];
	size_t nw = 0;
	struct pollfd pfd[AGENT_MAX_IFACES + 2];
	sigset_t mask;
	int sfd, ifd, status = EXIT_OK;
	unsigned pending = 0;
	int64_t pending_at = 0;
	bool running = true;
	const char *stop_reason = "stopped";

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	if ((sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) == -1 ||
	    (ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1) {
		log_warn("signalfd/inotify");
		return EXIT_RUNTIME;
	}
	if (start_enforcement(a) == -1 || open_live(a) == -1) {
		close(sfd);
		close(ifd);
		return EXIT_RUNTIME;
	}
	{
		char aerr[256];

		if ((a->attr = attrib_open(ATTRIB_CACHE, aerr, sizeof(aerr))) ==
		    NULL)
			log_warnx("process attribution is off: %s", aerr);
	}
	write_pidfile();
	/*
	 * Everything privileged is open: capture handles, netlink sockets,
	 * the nftables context. From here on, the service user with only the
	 * capabilities the mode needs; failing to get there is fatal.
	 */
	if (a->opt.user != NULL) {
		char perr[256];

		if (privdrop(a->opt.user, a->enf != NULL, a->attr != NULL, perr,
		    sizeof(perr)) == -1) {
			log_warnx("cannot drop privileges: %s", perr);
			close(sfd);
			close(ifd);
			return EXIT_RUNTIME;
		}
		log_info("running as %s", a->opt.user);
	}
	a->now_us = wall_us();
	refresh_host_addrs(a, a->now_us / USEC);
	setup_watches(a, ifd, watches, &nw);
	reset_consent_clock(a, a->now_us / USEC);
	emit_lifecycle(a, EV_AGENT_STARTED, "started");
	check_geodb_age(a);
	notify_ready();
	log_info("watching %zu interface%s in %s mode (policy %s, geodb %s)",
	    a->n_caps, a->n_caps == 1 ? "" : "s", config_mode_name(a->mode),
	    a->pol.hash, a->geodb_tag);

	while (running) {
		size_t np = 0;
		int n;

		for (size_t i = 0; i < a->n_caps; i++) {
			pfd[np].fd = a->caps[i].fd;
			pfd[np++].events = POLLIN;
		}
		pfd[np].fd = sfd;
		pfd[np++].events = POLLIN;
		pfd[np].fd = ifd;
		pfd[np++].events = POLLIN;

		n = poll(pfd, np, 200);
		if (n == -1 && errno != EINTR) {
			log_warn("poll");
			status = EXIT_RUNTIME;
			break;
		}
		for (size_t i = 0; n > 0 && i < a->n_caps; i++) {
			struct dispatch_ctx ctx = { a, &a->caps[i] };

			if (!(pfd[i].revents & (POLLIN | POLLERR)))
				continue;
			if (pcap_dispatch(a->caps[i].pcap, 1024, on_packet,
			    (u_char *)&ctx) == PCAP_ERROR) {
				emit_simple(a, EV_CAPTURE_ERROR, "iface",
				    a->caps[i].name, "error",
				    pcap_geterr(a->caps[i].pcap));
				log_warnx("%s: %s", a->caps[i].name,
				    pcap_geterr(a->caps[i].pcap));
				status = EXIT_RUNTIME;
				running = false;
				stop_reason = "capture error";
			}
		}
		if (pfd[a->n_caps].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				switch (si.ssi_signo) {
				case SIGHUP:
					notify_reloading();
					sinks_reopen(a->sinks);
					pending |= RELOAD_CONFIG |
					    RELOAD_REGISTER | RELOAD_GEODB;
					pending_at = 0;
					break;
				case SIGTERM:
				case SIGINT:
					running = false;
					stop_reason = si.ssi_signo == SIGTERM ?
					    "SIGTERM" : "SIGINT";
					break;
				case SIGCHLD:
					sinks_reap(a->sinks);
					break;
				}
			}
		}
		if (pfd[a->n_caps + 1].revents & POLLIN) {
			unsigned w = read_inotify(ifd, watches, nw);

			if (w != 0) {
				pending |= w;
				pending_at = wall_us() + RELOAD_SETTLE_US;
			}
		}

		a->now_us = wall_us();
		if (pending != 0 && a->now_us >= pending_at) {
			unsigned what = pending;

			pending = 0;
			if ((what & RELOAD_CONFIG) && (what & RELOAD_REGISTER))
				what &= ~(unsigned)RELOAD_REGISTER;
			reload(a, what);
			setup_watches(a, ifd, watches, &nw);
			notify_ready();
		}
		if (a->enf != NULL && a->reinstall_at > 0 &&
		    a->now_us >= a->reinstall_at)
			install_table(a);
		if (a->now_us / USEC != a->last_tick_s) {
			notify_watchdog();
			tick(a, a->now_us);
			if (a->now_us / USEC - a->host_addrs_at >=
			    HOSTADDR_REFRESH)
				refresh_host_addrs(a, a->now_us / USEC);
			if (a->now_us / USEC - a->geodb_checked_s >=
			    GEODB_STALE_EVERY)
				check_geodb_age(a);
		}
	}
	notify_stopping();
	sinks_flush(a->sinks, -1);
	emit_stats(a, wall_us());
	if (a->enf != NULL && a->opt.release) {
		char err[512];

		if (enforce_release(a->enf, err, sizeof(err)) == -1)
			log_warnx("--release: %s", err);
		else
			log_info("released the nftables table inet %s",
			    ENFORCE_TABLE);
	}
	emit_lifecycle(a, EV_AGENT_STOPPED, stop_reason);
	remove_pidfile();
	close(sfd);
	close(ifd);
	return status;
}
