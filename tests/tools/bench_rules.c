/* Benchmark: geodb lookups (raw libmaxminddb, uncached, cached) and policy_decide. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <maxminddb.h>

#include "agent/dns.h"
#include "agent/names.h"
#include "geodb/geodb.h"
#include "rules/config.h"
#include "rules/consent.h"
#include "rules/policy.h"

#define NADDR 8192		/* distinct destinations: a busy server's working set */
#define ROUNDS 3

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t
next32(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint8_t addrs[NADDR][4];
static volatile unsigned sink;

/* Runs fn over the working set until about 0.3 s have passed; lookups/s. */
static double
rate(void (*fn)(void *), void *arg)
{
	double t0 = now(), t;
	uint64_t n = 0;

	do {
		fn(arg);
		n += NADDR;
	} while ((t = now()) - t0 < 0.3);
	return (double)n / (t - t0);
}

static void
raw_mmdb(void *arg)
{
	MMDB_s *m = arg;
	static const char *const path[] = { "country", "iso_code", NULL };

	for (size_t i = 0; i < NADDR; i++) {
		struct sockaddr_in sin = { .sin_family = AF_INET };
		MMDB_lookup_result_s r;
		MMDB_entry_data_s v;
		int e;

		memcpy(&sin.sin_addr, addrs[i], 4);
		r = MMDB_lookup_sockaddr(m, (struct sockaddr *)&sin, &e);
		if (r.found_entry &&
		    MMDB_aget_value(&r.entry, &v, path) == MMDB_SUCCESS &&
		    v.has_data)
			sink += (unsigned)v.utf8_string[0];
	}
}

static void
via_geodb(void *arg)
{
	struct geodb *db = arg;
	struct geodb_result r;

	for (size_t i = 0; i < NADDR; i++) {
		geodb_lookup(db, AF_INET, addrs[i], &r);
		sink += (unsigned)r.cc[0];
	}
}

struct policy_arg {
	struct config *c;
	struct consent_register *r;
	struct flow_facts f[NADDR];
};

static void
via_policy(void *arg)
{
	struct policy_arg *p = arg;
	struct decision d;

	for (size_t i = 0; i < NADDR; i++) {
		policy_decide(p->c, p->r, &p->f[i], 1780000000, &d);
		sink += d.verdict;
	}
}

static void
via_names(void *arg)
{
	struct name_cache *nc = arg;
	struct ipaddr a;

	for (size_t i = 0; i < NADDR; i++) {
		const char *n;

		ipaddr_from_v4(&a, addrs[i]);
		if ((n = name_cache_get(nc, &a, 1000)) != NULL)
			sink += (unsigned)n[0];
	}
}

static void
via_dns(void *arg)
{
	const uint8_t *msg = arg;
	struct dns_answer ans;

	for (size_t i = 0; i < NADDR; i++) {
		dns_parse_response(msg, 95, &ans);
		sink += (unsigned)ans.n_addrs;
	}
}

static double
best(void (*fn)(void *), void *arg)
{
	double b = 0;

	for (int i = 0; i < ROUNDS; i++) {
		double r = rate(fn, arg);

		if (r > b)
			b = r;
	}
	return b;
}

int
main(int argc, char **argv)
{
	static const char *const cpath[] = { "country", "iso_code", NULL };
	struct errlist errs = { 0 };
	struct policy_arg *pa;
	struct geodb *cached, *uncached;
	MMDB_s mmdb;
	char err[512];
	double r_raw, r_unc, r_cac, r_pol;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: bench_rules DB.mmdb CONF [REGISTER]\n");
		return 1;
	}
	for (size_t i = 0; i < NADDR; i++) {
		uint32_t a = next32();

		a = a % 0xdf000000u + 0x01000000u;	/* 1.0.0.0 - 223.255.255.255 */
		addrs[i][0] = (uint8_t)(a >> 24);
		addrs[i][1] = (uint8_t)(a >> 16);
		addrs[i][2] = (uint8_t)(a >> 8);
		addrs[i][3] = (uint8_t)a;
	}
	if (MMDB_open(argv[1], MMDB_MODE_MMAP, &mmdb) != MMDB_SUCCESS ||
	    (cached = geodb_open(argv[1], cpath, 65536, err, sizeof(err))) ==
	    NULL ||
	    (uncached = geodb_open(argv[1], cpath, 0, err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "bench_rules: %s: cannot open\n", argv[1]);
		return 1;
	}

	r_raw = best(raw_mmdb, &mmdb);
	r_unc = best(via_geodb, uncached);
	r_cac = best(via_geodb, cached);
	printf("geodb lookups/s (working set %d addresses, best of %d):\n",
	    NADDR, ROUNDS);
	printf("  raw libmaxminddb lookup+get_value  %12.0f   1.00 (baseline)\n",
	    r_raw);
	printf("  geodb_lookup, cache off            %12.0f   %.2f\n", r_unc,
	    r_unc / r_raw);
	printf("  geodb_lookup, cache 65536          %12.0f   %.2f\n", r_cac,
	    r_cac / r_raw);

	{
		struct name_cache *nc = name_cache_new(65536, 60, 86400);
		struct ipaddr a;
		double r_names;
		/* api.example.com CNAME edge.cdn.example A x2: a typical answer */
		static const uint8_t answer[] = {
		    0x12, 0x34, 0x81, 0x80, 0, 1, 0, 3, 0, 0, 0, 0,
		    3, 'a', 'p', 'i', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
		    3, 'c', 'o', 'm', 0, 0, 1, 0, 1,
		    0xc0, 12, 0, 5, 0, 1, 0, 0, 1, 0x2c, 0, 18,
		    4, 'e', 'd', 'g', 'e', 3, 'c', 'd', 'n', 7, 'e', 'x', 'a',
		    'm', 'p', 'l', 'e', 0,
		    0xc0, 45, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 198, 51, 100, 7,
		    0xc0, 45, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 198, 51, 100, 8 };

		for (size_t i = 0; i < NADDR; i++) {
			ipaddr_from_v4(&a, addrs[i]);
			name_cache_put(nc, &a, "api.example.com", 3600, 999);
		}
		r_names = best(via_names, nc);
		printf("name cache lookups/s (%d names)   %12.0f   %.2f of raw "
		    "lookups\n", NADDR, r_names, r_names / r_raw);
		r_names = best(via_dns, (void *)answer);
		printf("DNS answers parsed/s (CNAME + 2 A)  %12.0f   %.2f of raw "
		    "lookups\n", r_names, r_names / r_raw);
		name_cache_free(nc);
	}

	if ((pa = calloc(1, sizeof(*pa))) == NULL)
		return 1;
	if ((pa->c = config_load(argv[2], &errs)) == NULL) {
		errlist_print(&errs);
		return 1;
	}
	pa->r = argc == 4 ? consent_load(argv[3], &pa->c->policy.eea, &errs) :
	    consent_register_empty();
	if (pa->r == NULL) {
		errlist_print(&errs);
		return 1;
	}
	for (size_t i = 0; i < NADDR; i++) {
		struct flow_facts *f = &pa->f[i];
		struct geodb_result gr;
		static char cc[NADDR][3];

		f->proto = IPPROTO_TCP;
		ipaddr_parse("10.1.2.3", &f->src);
		ipaddr_from_v4(&f->dst, addrs[i]);
		f->sport = (uint16_t)(32768 + i);
		f->dport = (i & 1) ? 443 : 8443;
		geodb_lookup(cached, AF_INET, addrs[i], &gr);
		memcpy(cc[i], gr.cc, 3);
		f->cc = cc[i];
		f->host = (i & 3) == 0 ? "api.stripe.com" : NULL;
		f->uid = 1001;
		f->comm = "payroll";
	}
	r_pol = best(via_policy, pa);
	printf("policy_decide/s (%zu scopes, %zu consents)  %12.0f   %.2f of "
	    "raw lookups\n", pa->c->n_scopes, pa->r->n, r_pol, r_pol / r_raw);

	consent_register_free(pa->r);
	config_free(pa->c);
	free(pa);
	geodb_close(cached);
	geodb_close(uncached);
	MMDB_close(&mmdb);
	return 0;
}
