/* libFuzzer target for rules/consent: consent_load_string, consent_match, and the register rewritten as the CLI writes it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "rules/consent.h"
#include "rules/consent_edit.h"
#include "tests/fuzz/libconfig_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A register is a few hundred lines; longer inputs only slow the search. */
#define FUZZ_MAX_BYTES	(256 * 1024)
#define FUZZ_MAX_OUT	8
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Flows every register is asked about, whatever it holds. */
static const char *const fuzz_customers[] = { "acme", "globex", "" };
static const char *const fuzz_countries[] = { "US", "CH", "CN", "NL", "ZZ" };
static const char *const fuzz_hosts[] = { NULL, "", "api.stripe.com",
    "API.Stripe.COM.", "x.mail.example", "mail.example", "." };
static const char *const fuzz_addrs[] = { "198.51.100.7", "203.0.113.130",
    "2001:db8:1::5", "::ffff:198.51.100.7", "0.0.0.0" };
static const uint16_t fuzz_ports[] = { 0, 443, 25 };
static const int64_t fuzz_times[] = { 0, 1767225600, 1795000000,
    INT64_MAX - 1 };

/* Checks what consent_match promises about what it returned. */
static void
fuzz_match(const struct consent_register *r, const char *customer,
    const char *cc, const struct ipaddr *dst, const char *host,
    uint16_t port, int64_t t)
{
	const struct consent *out[FUZZ_MAX_OUT];
	size_t n, i;

	n = consent_match(r, customer, cc, dst, host, port, t, out,
	    FUZZ_MAX_OUT);
	if (n > r->n || consent_match(r, customer, cc, dst, host, port, t,
	    NULL, 0) != n)
		abort();
	for (i = 0; i < n && i < FUZZ_MAX_OUT; i++)
		if (out[i] < r->v || out[i] >= r->v + r->n ||
		    strcmp(out[i]->customer, customer) != 0 ||
		    !country_set_has(&out[i]->country_set, cc) ||
		    !consent_active(out[i], t))
			abort();
}

/* True when consent c is among what consent_match returns for these terms. */
static int
fuzz_finds(const struct consent_register *r, const struct consent *c,
    const char *cc, const struct ipaddr *dst, const char *host,
    uint16_t port, int64_t t)
{
	const struct consent **out;
	size_t n, i;
	int found = 0;

	/* Room for every consent, so c cannot fall past the end. */
	if ((out = calloc(r->n, sizeof(const struct consent *))) == NULL)
		abort();
	n = consent_match(r, c->customer, cc, dst, host, port, t, out, r->n);
	if (n > r->n)
		abort();
	for (i = 0; i < n; i++)
		if (out[i] == c)
			found = 1;
	free(out);
	return found;
}

/*
 * A loaded consent is whole and valid, and covers a transfer made on its
 * own terms from valid_from up to, not including, expires.
 */
static void
fuzz_check_one(const struct consent_register *r, const struct consent *c,
    const struct country_set *eea)
{
	struct ipaddr dst;
	char host[300];
	const char *h = NULL;
	uint16_t port;
	size_t i;

	if (c->id == NULL || c->id[0] == '\0' || c->customer == NULL ||
	    c->customer[0] == '\0' || c->countries.n == 0 ||
	    c->purpose == NULL || c->subprocessor == NULL ||
	    c->document == NULL || c->document_sha256 == NULL ||
	    c->granted_by == NULL || c->signed_on == NULL ||
	    c->valid_from_s == NULL || c->expires_s == NULL ||
	    c->recorded_by == NULL || c->recorded_at == NULL ||
	    c->revoked_at == NULL || c->revoked_by == NULL ||
	    c->revoke_reason == NULL || c->valid_from >= c->expires)
		abort();
	if (c->document_sha256[0] != '\0' && strlen(c->document_sha256) != 64)
		abort();
	for (i = 0; i < c->countries.n; i++)
		if (!country_set_has(&c->country_set, c->countries.v[i]) ||
		    country_set_has(eea, c->countries.v[i]))
			abort();
	if (country_set_count(&c->country_set) != c->countries.n)
		abort();
	for (i = 0; i < c->ports.n; i++)
		if (c->ports.v[i] == 0)
			abort();

	memset(&dst, 0, sizeof(dst));
	if (c->networks.n > 0)
		dst = c->networks.v[0].addr;
	if (c->hosts.n > 0) {
		/* "*.suffix" covers a name one label longer. */
		if (strncmp(c->hosts.v[0], "*.", 2) == 0)
			snprintf(host, sizeof(host), "a%s", c->hosts.v[0] + 1);
		else
			snprintf(host, sizeof(host), "%s.", c->hosts.v[0]);
		h = host;
	}
	port = c->ports.n > 0 ? c->ports.v[0] : 443;
	if (c->revoked) {
		if (fuzz_finds(r, c, c->countries.v[0], &dst, h, port,
		    c->valid_from))
			abort();
		return;
	}
	if (!fuzz_finds(r, c, c->countries.v[0], &dst, h, port,
	    c->valid_from) ||
	    !fuzz_finds(r, c, c->countries.v[c->countries.n - 1], &dst, h, 0,
	    c->expires - 1))
		abort();
	if (c->valid_from > INT64_MIN && fuzz_finds(r, c, c->countries.v[0],
	    &dst, h, port, c->valid_from - 1))
		abort();
	if (c->expires != CONSENT_TIME_MAX && fuzz_finds(r, c,
	    c->countries.v[0], &dst, h, port, c->expires))
		abort();
	/* A consent limited to hosts never covers a flow of unknown host. */
	if (c->hosts.n > 0 && fuzz_finds(r, c, c->countries.v[0], &dst, NULL,
	    port, c->valid_from))
		abort();
}

static void
fuzz_same_list(const struct strlist *a, const struct strlist *b)
{
	size_t i;

	if (a->n != b->n)
		abort();
	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			abort();
}

/* Two loads of one consent: every field the same. */
static void
fuzz_same(const struct consent *a, const struct consent *b)
{
	const char *const sa[] = { a->id, a->customer, a->purpose,
	    a->subprocessor, a->document, a->document_sha256, a->granted_by,
	    a->signed_on, a->valid_from_s, a->expires_s, a->recorded_by,
	    a->recorded_at, a->revoked_at, a->revoked_by, a->revoke_reason };
	const char *const sb[] = { b->id, b->customer, b->purpose,
	    b->subprocessor, b->document, b->document_sha256, b->granted_by,
	    b->signed_on, b->valid_from_s, b->expires_s, b->recorded_by,
	    b->recorded_at, b->revoked_at, b->revoked_by, b->revoke_reason };
	size_t i;

	for (i = 0; i < NELEM(sa); i++)
		if (strcmp(sa[i], sb[i]) != 0) {
			fprintf(stderr, "field %zu: \"%s\" became \"%s\"\n", i,
			    sa[i], sb[i]);
			abort();
		}
	fuzz_same_list(&a->countries, &b->countries);
	fuzz_same_list(&a->hosts, &b->hosts);
	if (a->networks.n != b->networks.n || a->ports.n != b->ports.n ||
	    (a->networks.n > 0 && memcmp(a->networks.v, b->networks.v,
	    a->networks.n * sizeof(*a->networks.v)) != 0) ||
	    (a->ports.n > 0 && memcmp(a->ports.v, b->ports.v,
	    a->ports.n * sizeof(*a->ports.v)) != 0) ||
	    a->revoked != b->revoked || a->valid_from != b->valid_from ||
	    a->expires != b->expires || memcmp(&a->country_set,
	    &b->country_set, sizeof(a->country_set)) != 0)
		abort();
}

/*
 * What `eeaguard consent add|renew|revoke` does to a register: records
 * from the loaded consents, written out again. The text must load to the
 * same consents (or be refused, for a control character), and writing
 * what it loaded must give the same text.
 */
static void
fuzz_rewrite(const struct consent_register *r, const struct country_set *eea)
{
	struct errlist errs = { NULL, 0, 0, 0 };
	struct consent_recs rs = { NULL, 0 }, rs2 = { NULL, 0 };
	struct consent_register *r2;
	char err[512], *text, *text2;
	size_t len, len2, i;

	if (consent_recs_from_register(&rs, r) == -1)
		abort();
	if ((text = consent_serialize(&rs, &len, err, sizeof(err))) == NULL) {
		if (strstr(err, "control character") == NULL)
			abort();
		consent_recs_free(&rs);
		return;
	}
	if ((r2 = consent_load_string("rewritten.conf", text, len, eea,
	    &errs)) == NULL) {
		errlist_print(&errs);
		abort();
	}
	if (r2->n != r->n)
		abort();
	for (i = 0; i < r->n; i++)
		fuzz_same(&r->v[i], &r2->v[i]);
	if (consent_recs_from_register(&rs2, r2) == -1 ||
	    (text2 = consent_serialize(&rs2, &len2, err, sizeof(err))) ==
	    NULL || len2 != len || memcmp(text, text2, len) != 0)
		abort();
	free(text2);
	free(text);
	consent_recs_free(&rs2);
	consent_recs_free(&rs);
	consent_register_free(r2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct errlist errs = { NULL, 0, 0, 0 };
	struct consent_register *r;
	struct country_set eea;
	struct ipaddr a[NELEM(fuzz_addrs)];
	uint8_t md[32];
	size_t i, j, k;

	if (size > FUZZ_MAX_BYTES)
		return 0;
	country_set_eea_default(&eea);
	/* Not NUL-terminated: the loader must not read past size. */
	r = consent_load_string("fuzz-consent.conf", (const char *)data, size,
	    &eea, &errs);
	if (r == NULL) {
		if (errs.n == 0 && !errs.oom)
			abort();	/* a refusal must say why */
		errlist_clear(&errs);
		return 0;
	}
	if (r->path != NULL || (r->n > 0) != (r->v != NULL) ||
	    EVP_Digest(data, size, md, NULL, EVP_sha256(), NULL) != 1 ||
	    memcmp(md, r->sha256, sizeof(md)) != 0)
		abort();
	for (i = 0; i < r->n; i++)
		fuzz_check_one(r, &r->v[i], &eea);
	fuzz_rewrite(r, &eea);
	for (i = 0; i < NELEM(fuzz_addrs); i++)
		if (ipaddr_parse(fuzz_addrs[i], &a[i]) == -1)
			abort();
	/* Every customer, country and host; the rest taken in turn. */
	for (i = 0; i < NELEM(fuzz_customers); i++)
		for (j = 0; j < NELEM(fuzz_countries); j++)
			for (k = 0; k < NELEM(fuzz_hosts); k++)
				fuzz_match(r, fuzz_customers[i],
				    fuzz_countries[j],
				    &a[(j + k) % NELEM(fuzz_addrs)],
				    fuzz_hosts[k],
				    fuzz_ports[(i + k) % NELEM(fuzz_ports)],
				    fuzz_times[(i + j + k) %
				    NELEM(fuzz_times)]);
	fuzz_match(r, "acme", "US", NULL, NULL, 0, fuzz_times[2]);
	consent_register_free(r);
	errlist_clear(&errs);
	return 0;
}
