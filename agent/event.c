/* Events: what the agent reports (DESIGN: "Events"), and their JSON and text forms. */
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "agent/event.h"
#include "agent/json.h"

static const char *const event_names[EV_TYPE_COUNT] = {
	[EV_VIOLATION] = "violation",
	[EV_UNSCOPED] = "unscoped",
	[EV_CONSENT_TRANSFER] = "consent_transfer",
	[EV_FLOW] = "flow",
	[EV_BLOCKED] = "blocked",
	[EV_CONSENT_EXPIRED] = "consent_expired",
	[EV_CONFIG_RELOADED] = "config_reloaded",
	[EV_CONFIG_ERROR] = "config_error",
	[EV_GEODB_RELOADED] = "geodb_reloaded",
	[EV_GEODB_STALE] = "geodb_stale",
	[EV_CAPTURE_ERROR] = "capture_error",
	[EV_SINK_ERROR] = "sink_error",
	[EV_ENFORCE_ERROR] = "enforce_error",
	[EV_INCIDENT] = "incident",
	[EV_AGENT_STARTED] = "agent_started",
	[EV_AGENT_STOPPED] = "agent_stopped",
	[EV_STATS] = "stats",
};

const char *
event_type_name(enum event_type t)
{
	if ((unsigned)t >= EV_TYPE_COUNT)
		return "unknown";
	return event_names[t];
}

bool
event_is_decision(enum event_type t)
{
	switch (t) {
	case EV_VIOLATION:
	case EV_UNSCOPED:
	case EV_CONSENT_TRANSFER:
	case EV_FLOW:
	case EV_BLOCKED:
		return true;
	default:
		return false;
	}
}

void
event_init(struct event *e, enum event_type type, int64_t ts_us)
{
	memset(e, 0, sizeof(*e));
	e->type = type;
	e->ts_us = ts_us;
}

static struct event_kv *
event_kv_add(struct event *e, const char *key, enum event_kv_type type)
{
	struct event_kv *kv;

	if (e->n_kv >= EVENT_MAX_KV)
		return NULL;
	kv = &e->kv[e->n_kv++];
	memset(kv, 0, sizeof(*kv));
	kv->key = key;
	kv->type = type;
	return kv;
}

void
event_kv_str(struct event *e, const char *key, const char *s)
{
	struct event_kv *kv;

	if ((kv = event_kv_add(e, key, KV_STR)) != NULL)
		kv->s = s;
}

void
event_kv_int(struct event *e, const char *key, int64_t i)
{
	struct event_kv *kv;

	if ((kv = event_kv_add(e, key, KV_INT)) != NULL)
		kv->i = i;
}

void
event_kv_json(struct event *e, const char *key, const char *json)
{
	struct event_kv *kv;

	if ((kv = event_kv_add(e, key, KV_JSON)) != NULL)
		kv->s = json;
}

void
event_kv_bool(struct event *e, const char *key, bool b)
{
	struct event_kv *kv;

	if ((kv = event_kv_add(e, key, KV_BOOL)) != NULL)
		kv->i = b;
}

/* Only the protocols a flow can have; anything else is not ours to name. */
static const char *
event_proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	default:
		return NULL;
	}
}

/*
 * The decision members in the schema's order. Without a flow (a caller's
 * mistake) every member is still written, as null, so that readers can rely
 * on the field set.
 */
static void
event_json_flow(struct json *j, const struct event_flow *f)
{
	static const char *const nulls[] = {
		"verdict", "action", "proto", "src", "sport", "dst", "dport",
		"country", "host", "host_source", "scope", "customers",
	}, *const nulls2[] = {
		"uid", "pid", "comm", "exe", "cgroup", "iface", "midstream",
		"reason", "geodb", "policy",
	};
	char addr[IPADDR_STRLEN];
	size_t i, n;

	if (f == NULL) {
		for (i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
			json_null(j, nulls[i]);
		json_array_begin(j, "consents");
		json_array_end(j);
		for (i = 0; i < sizeof(nulls2) / sizeof(nulls2[0]); i++)
			json_null(j, nulls2[i]);
		return;
	}
	json_str(j, "verdict", f->verdict);
	json_str(j, "action", f->action);
	json_str(j, "proto", event_proto_name(f->proto));
	json_str(j, "src", ipaddr_format(&f->src, addr));
	json_uint(j, "sport", f->sport);
	json_str(j, "dst", ipaddr_format(&f->dst, addr));
	json_uint(j, "dport", f->dport);
	json_str(j, "country", f->country);
	json_str(j, "host", f->host);
	json_str(j, "host_source", f->host_source);
	json_str(j, "scope", f->scope);
	/* No scope, no known customers: null, not an empty list. */
	if (f->scope == NULL) {
		json_null(j, "customers");
	} else {
		json_array_begin(j, "customers");
		n = f->n_customers < EVENT_MAX_CUSTOMERS ?
		    f->n_customers : EVENT_MAX_CUSTOMERS;
		for (i = 0; i < n; i++)
			json_array_str(j, f->customers[i]);
		json_array_end(j);
	}
	json_array_begin(j, "consents");
	n = f->n_consents < EVENT_MAX_CONSENTS ?
	    f->n_consents : EVENT_MAX_CONSENTS;
	for (i = 0; i < n; i++)
		json_array_str(j, f->consents[i]);
	json_array_end(j);
	json_int_or_null(j, "uid", f->uid);
	json_int_or_null(j, "pid", f->pid);
	json_str(j, "comm", f->comm);
	json_str(j, "exe", f->exe);
	json_str(j, "cgroup", f->cgroup);
	json_str(j, "iface", f->iface);
	json_bool(j, "midstream", f->midstream);
	json_str(j, "reason", f->reason);
	json_str(j, "geodb", f->geodb);
	json_str(j, "policy", f->policy);
	if (f->suppressed > 0)
		json_uint(j, "suppressed", f->suppressed);
}

int
event_format_json(const struct event *e, char *buf, size_t size)
{
	struct json j;
	char ts[JSON_TS_LEN];
	size_t i;

	json_begin(&j, buf, size);
	json_str(&j, "ts", json_timestamp(e->ts_us, ts));
	json_str(&j, "event", event_type_name(e->type));
	if (event_is_decision(e->type))
		event_json_flow(&j, e->flow);
	for (i = 0; i < e->n_kv && i < EVENT_MAX_KV; i++) {
		const struct event_kv *kv = &e->kv[i];

		switch (kv->type) {
		case KV_STR:
			json_str(&j, kv->key, kv->s);
			break;
		case KV_INT:
			json_int(&j, kv->key, kv->i);
			break;
		case KV_BOOL:
			json_bool(&j, kv->key, kv->i != 0);
			break;
		case KV_JSON:
			json_raw(&j, kv->key, kv->s);
			break;
		}
	}
	return json_end(&j);
}

/*
 * The text form: a bounded line like the JSON writer's, for a terminal.
 * Packet data (host names from SNI and DNS, process names) is untrusted,
 * so every string is escaped: no control byte, C1 control, line separator
 * or bidirectional override reaches the terminal or a log viewer.
 */
struct text {
	char *buf;
	size_t size;
	size_t len;
	bool overflow;
};

static void
text_put(struct text *t, const char *s, size_t n)
{
	if (t->overflow)
		return;
	if (t->size == 0 || n >= t->size - t->len) {
		t->overflow = true;
		return;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

static void
text_puts(struct text *t, const char *s)
{
	text_put(t, s, strlen(s));
}

static void
text_num(struct text *t, int64_t v)
{
	char num[24];
	int n;

	n = snprintf(num, sizeof(num), "%" PRId64, v);
	text_put(t, num, (size_t)n);
}

static bool
text_cp_unsafe(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) ||		/* C1 controls */
	    cp == 0x2028 || cp == 0x2029 ||		/* line separators */
	    (cp >= 0x202a && cp <= 0x202e) ||		/* bidi embeddings */
	    (cp >= 0x2066 && cp <= 0x2069);		/* bidi isolates */
}

/* Quoted, a value may contain spaces; '"' then needs its escape too. */
static void
text_esc(struct text *t, const char *s, bool quoted)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, k, b;
	uint32_t cp;
	char esc[8];

	if (quoted)
		text_put(t, "\"", 1);
	while (i < n && !t->overflow) {
		k = json_utf8_next(p + i, n - i, &cp);
		if (cp == JSON_UTF8_INVALID || cp < 0x20 || cp == 0x7f) {
			for (b = 0; b < k; b++) {
				esc[0] = '\\';
				esc[1] = 'x';
				esc[2] = hex[p[i + b] >> 4];
				esc[3] = hex[p[i + b] & 0xf];
				text_put(t, esc, 4);
			}
		} else if (text_cp_unsafe(cp)) {
			/* All of them are below U+10000: four digits. */
			esc[0] = '\\';
			esc[1] = 'u';
			for (b = 0; b < 4; b++)
				esc[2 + b] = hex[cp >> (12 - 4 * b) & 0xf];
			text_put(t, esc, 6);
		} else if (cp == '\\' || (quoted && cp == '"')) {
			esc[0] = '\\';
			esc[1] = (char)cp;
			text_put(t, esc, 2);
		} else {
			text_put(t, s + i, k);
		}
		i += k;
	}
	if (quoted)
		text_put(t, "\"", 1);
}

/* A kv value is quoted when it would not read as one word. */
static void
text_value(struct text *t, const char *s)
{
	if (s == NULL) {
		text_puts(t, "null");
		return;
	}
	text_esc(t, s, *s == '\0' || strpbrk(s, " \"=") != NULL);
}

static void
text_endpoint(struct text *t, const struct ipaddr *a, uint16_t port)
{
	char addr[IPADDR_STRLEN];
	bool v6 = !ipaddr_is_v4(a);

	ipaddr_format(a, addr);
	if (v6)
		text_put(t, "[", 1);
	text_puts(t, addr);
	if (v6)
		text_put(t, "]", 1);
	text_put(t, ":", 1);
	text_num(t, port);
}

static void
text_list(struct text *t, const char *const *v, size_t n, size_t max)
{
	size_t i;

	if (n > max)
		n = max;
	for (i = 0; i < n; i++) {
		if (i > 0)
			text_put(t, ",", 1);
		text_esc(t, v[i] != NULL ? v[i] : "?", false);
	}
}

static void
text_flow(struct text *t, const struct event *e, const struct event_flow *f)
{
	const char *proto = event_proto_name(f->proto);

	/* The verdict says more than the event name only for `flow`. */
	if (f->verdict != NULL &&
	    strcmp(f->verdict, event_type_name(e->type)) != 0) {
		text_put(t, " ", 1);
		text_esc(t, f->verdict, false);
	}
	text_put(t, " ", 1);
	text_puts(t, proto != NULL ? proto : "?");
	text_put(t, " ", 1);
	text_endpoint(t, &f->src, f->sport);
	text_puts(t, " -> ");
	text_endpoint(t, &f->dst, f->dport);
	if (f->host != NULL) {
		text_puts(t, " (");
		text_esc(t, f->host, false);
		text_put(t, ")", 1);
	}
	text_put(t, " ", 1);
	text_esc(t, f->country != NULL ? f->country : "?", false);
	if (f->scope != NULL) {
		text_puts(t, " scope ");
		text_esc(t, f->scope, false);
		text_puts(t, " [");
		text_list(t, f->customers, f->n_customers, EVENT_MAX_CUSTOMERS);
		text_put(t, "]", 1);
	}
	if (f->n_consents > 0) {
		text_puts(t, " consent ");
		text_list(t, f->consents, f->n_consents, EVENT_MAX_CONSENTS);
	}
	if (f->uid >= 0) {
		text_puts(t, " uid ");
		text_num(t, f->uid);
	}
	if (f->pid >= 0) {
		text_puts(t, " pid ");
		text_num(t, f->pid);
	}
	if (f->comm != NULL) {
		text_puts(t, " comm ");
		text_esc(t, f->comm, false);
	}
	if (f->midstream)
		text_puts(t, " midstream");
	if (f->action != NULL) {
		text_puts(t, " action ");
		text_esc(t, f->action, false);
	}
}

int
event_format_text(const struct event *e, char *buf, size_t size)
{
	struct text t = { buf, size, 0, false };
	char ts[JSON_TS_LEN];
	const char *name;
	size_t i;
	char c;

	if (size > 0)
		buf[0] = '\0';
	text_puts(&t, json_timestamp(e->ts_us, ts));
	text_put(&t, " ", 1);
	for (name = event_type_name(e->type); *name != '\0'; name++) {
		c = *name >= 'a' && *name <= 'z' ? (char)(*name - 'a' + 'A') :
		    *name;
		text_put(&t, &c, 1);
	}
	if (event_is_decision(e->type) && e->flow != NULL)
		text_flow(&t, e, e->flow);
	for (i = 0; i < e->n_kv && i < EVENT_MAX_KV; i++) {
		const struct event_kv *kv = &e->kv[i];

		text_put(&t, " ", 1);
		text_esc(&t, kv->key != NULL ? kv->key : "?", false);
		text_put(&t, "=", 1);
		switch (kv->type) {
		case KV_STR:
			text_value(&t, kv->s);
			break;
		case KV_INT:
			text_num(&t, kv->i);
			break;
		case KV_BOOL:
			text_puts(&t, kv->i != 0 ? "true" : "false");
			break;
		case KV_JSON:
			text_esc(&t, kv->s != NULL ? kv->s : "null", false);
			break;
		}
	}
	if (event_is_decision(e->type) && e->flow != NULL) {
		if (e->flow->reason != NULL) {
			text_puts(&t, ": ");
			text_esc(&t, e->flow->reason, false);
		}
		if (e->flow->suppressed > 0) {
			text_puts(&t, " (+");
			text_num(&t, (int64_t)(e->flow->suppressed > INT64_MAX ?
			    INT64_MAX : e->flow->suppressed));
			text_puts(&t, " suppressed)");
		}
	}
	if (t.overflow || t.len > INT_MAX)
		return -1;
	return (int)t.len;
}
