/* The decision engine: what a new outbound flow gets (DESIGN: "Decision semantics"). */
#include "rules/policy.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "rules/country.h"
#include "rules/netset.h"

static const char *const verdict_names[] = {
	[VERDICT_ALLOW_INTERNAL] = "allow-internal",
	[VERDICT_EXEMPT] = "exempt",
	[VERDICT_ALLOW_EEA] = "allow-eea",
	[VERDICT_ALLOW_CONSENT] = "allow-consent",
	[VERDICT_VIOLATION] = "violation",
	[VERDICT_UNSCOPED] = "unscoped",
};

static const char *const action_names[] = {
	[ACTION_NONE] = "none",
	[ACTION_ALERT] = "alert",
	[ACTION_BLOCK] = "block",
};

const char *
policy_verdict_name(enum verdict v)
{
	return verdict_names[v];
}

const char *
policy_action_name(enum action a)
{
	return action_names[a];
}

static unsigned
proto_bit(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return PROTO_BIT_TCP;
	case IPPROTO_UDP:
		return PROTO_BIT_UDP;
	default:
		return 0;
	}
}

static bool
port_listed(const struct portlist *l, uint16_t port)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i] == port)
			return true;
	return false;
}

static bool
name_listed(const struct strlist *l, const char *name)
{
	if (name == NULL)
		return false;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], name) == 0)
			return true;
	return false;
}

static bool
glob_listed(const struct strlist *l, const char *s)
{
	if (s == NULL)
		return false;
	for (size_t i = 0; i < l->n; i++)
		if (fnmatch(l->v[i], s, 0) == 0)
			return true;
	return false;
}

bool
policy_scope_matches(const struct scope_match *m, const struct flow_facts *f)
{
	if (m->empty)
		return false;
	if (m->protocols != 0 && (m->protocols & proto_bit(f->proto)) == 0)
		return false;
	if (m->src.n > 0 && netset_lookup(m->src_set, &f->src, NULL) < 0)
		return false;
	if (m->sports.n > 0 && !port_listed(&m->sports, f->sport))
		return false;
	if (m->dports.n > 0 && !port_listed(&m->dports, f->dport))
		return false;
	if (m->n_uids > 0) {
		bool hit = false;

		for (size_t i = 0; f->uid >= 0 && i < m->n_uids && !hit; i++)
			hit = (int64_t)m->uids[i] == f->uid;
		if (!hit)
			return false;
	}
	if (m->users.n > 0 && !name_listed(&m->users, f->user))
		return false;
	if (m->comms.n > 0 && !glob_listed(&m->comms, f->comm))
		return false;
	if (m->cgroups.n > 0 && !glob_listed(&m->cgroups, f->cgroup))
		return false;
	return true;
}

const struct scope *
policy_find_scope(const struct config *c, const struct flow_facts *f)
{
	for (size_t i = 0; i < c->n_scopes; i++)
		if (policy_scope_matches(&c->scopes[i].match, f))
			return &c->scopes[i];
	return NULL;
}

static bool
exempt_matches(const struct exempt *e, const struct flow_facts *f)
{
	if (e->protocols != 0 && (e->protocols & proto_bit(f->proto)) == 0)
		return false;
	if (e->dports.n > 0 && !port_listed(&e->dports, f->dport))
		return false;
	if (e->dst.n > 0) {
		size_t i;

		for (i = 0; i < e->dst.n; i++)
			if (ipprefix_contains(&e->dst.v[i], &f->dst))
				break;
		if (i == e->dst.n)
			return false;
	}
	return true;
}

/* "US is outside the EEA", or why an unknown or region code counts so. */
static void
why_outside(const struct flow_facts *f, char *buf, size_t size)
{
	char a[IPADDR_STRLEN];

	if (f->cc == NULL || strcmp(f->cc, "--") == 0)
		snprintf(buf, size, "the geodb has no country for %s (treated "
		    "as outside the EEA)", ipaddr_format(&f->dst, a));
	else if (country_is_region(f->cc) || !country_is_assigned(f->cc))
		snprintf(buf, size, "%s is a region code, not a country "
		    "(treated as outside the EEA)", f->cc);
	else
		snprintf(buf, size, "%s is outside the EEA", f->cc);
}

/* "api.example.com:443", or the address when the name is not known. */
static void
destination_text(const struct flow_facts *f, char *buf, size_t size)
{
	char a[IPADDR_STRLEN];

	if (f->host != NULL)
		snprintf(buf, size, "%s:%u", f->host, f->dport);
	else if (ipaddr_is_v4(&f->dst))
		snprintf(buf, size, "%s:%u", ipaddr_format(&f->dst, a),
		    f->dport);
	else
		snprintf(buf, size, "[%s]:%u", ipaddr_format(&f->dst, a),
		    f->dport);
}

/* snprintf that may truncate: reasons are cut, never overflowed. */
static void
say(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
say(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

static enum action
enforce_action(const struct config *c)
{
	return c->agent.mode == MODE_ENFORCE ? ACTION_BLOCK : ACTION_ALERT;
}

/*
 * Appends "a", ", b" ... to buf: the list of customers without consent.
 * Returns the new length.
 */
static size_t
append(char *buf, size_t size, size_t len, const char *sep, const char *s)
{
	int n;

	if (len >= size)
		return len;
	n = snprintf(buf + len, size - len, "%s%s", sep, s);
	return n < 0 ? len : len + (size_t)n;
}

void
policy_decide(const struct config *c, const struct consent_register *r,
    const struct flow_facts *f, int64_t t, struct decision *d)
{
	char outside[160], dest[300], missing[160];
	size_t n_missing = 0, mlen = 0;
	unsigned plen = 0;

	d->scope = NULL;
	d->exempt = NULL;
	d->n_consents = 0;
	d->action = ACTION_NONE;

	if (netset_lookup(c->policy.internal_set, &f->dst, &plen) >= 0) {
		struct ipprefix p;
		char pbuf[IPPREFIX_STRLEN];

		ipprefix_of(&p, &f->dst, plen);
		d->verdict = VERDICT_ALLOW_INTERNAL;
		snprintf(d->reason, sizeof(d->reason), "%s is an internal "
		    "network", ipprefix_format(&p, pbuf));
		return;
	}
	for (size_t i = 0; i < c->n_exempts; i++) {
		if (exempt_matches(&c->exempts[i], f)) {
			d->verdict = VERDICT_EXEMPT;
			d->exempt = &c->exempts[i];
			snprintf(d->reason, sizeof(d->reason), "exempt: %s",
			    c->exempts[i].reason);
			return;
		}
	}
	if (f->cc != NULL && country_set_has(&c->policy.eea, f->cc) &&
	    !country_is_region(f->cc)) {
		d->verdict = VERDICT_ALLOW_EEA;
		snprintf(d->reason, sizeof(d->reason), "%s is in the EEA",
		    f->cc);
		return;
	}

	why_outside(f, outside, sizeof(outside));
	destination_text(f, dest, sizeof(dest));
	if ((d->scope = policy_find_scope(c, f)) == NULL) {
		d->verdict = VERDICT_UNSCOPED;
		switch (c->policy.unscoped) {
		case UNSCOPED_IGNORE:
			d->action = ACTION_NONE;
			break;
		case UNSCOPED_ALERT:
			d->action = ACTION_ALERT;
			break;
		case UNSCOPED_BLOCK:
			d->action = enforce_action(c);
			break;
		}
		say(d->reason, sizeof(d->reason), "%s and the flow to %s "
		    "matches no scope", outside, dest);
		return;
	}

	/* Every customer of the scope must hold a covering consent. */
	missing[0] = '\0';
	for (size_t i = 0; i < d->scope->customers.n; i++) {
		const char *cust = d->scope->customers.v[i];
		const struct consent *got[POLICY_MAX_CONSENTS];
		size_t room = POLICY_MAX_CONSENTS - d->n_consents;
		size_t n = 0;

		if (r != NULL && f->cc != NULL)
			n = consent_match(r, cust, f->cc, &f->dst, f->host,
			    f->dport, t, got, room);
		if (n == 0) {
			mlen = append(missing, sizeof(missing), mlen,
			    n_missing ? ", " : "", cust);
			n_missing++;
			continue;
		}
		for (size_t k = 0; k < n && k < room; k++)
			d->consents[d->n_consents++] = got[k];
	}
	if (n_missing == 0) {
		size_t len;

		d->verdict = VERDICT_ALLOW_CONSENT;
		len = (size_t)snprintf(d->reason, sizeof(d->reason),
		    "%s; the transfer to %s is covered by consent", outside,
		    dest);
		for (size_t k = 0; k < d->n_consents; k++)
			len = append(d->reason, sizeof(d->reason), len,
			    k ? ", " : " ", d->consents[k]->id);
		return;
	}
	d->verdict = VERDICT_VIOLATION;
	d->action = enforce_action(c);
	d->n_consents = 0;
	say(d->reason, sizeof(d->reason), "%s and customer%s %s %s no "
	    "consent covering %s", outside, n_missing > 1 ? "s" : "", missing,
	    n_missing > 1 ? "have" : "has", dest);
}
