/* Benchmark (root): world EEA table install time, reactive deny latency, attribution rate. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "agent/attrib.h"
#include "agent/enforce.h"
#include "geodb/geodb.h"
#include "rules/config.h"
#include "rules/country.h"

struct ranges {
	struct enforce_range *v;
	size_t n, cap;
	struct country_set eea;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
eea_range(const uint8_t first[16], const uint8_t last[16], const char *cc,
    void *arg)
{
	struct ranges *r = arg;

	if (!country_set_has(&r->eea, cc))
		return 0;
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 65536;
		if ((r->v = realloc(r->v, r->cap * sizeof(*r->v))) == NULL)
			return 1;
	}
	memcpy(r->v[r->n].first.b, first, 16);
	memcpy(r->v[r->n].last.b, last, 16);
	r->n++;
	return 0;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static long
maxrss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

int
main(int argc, char **argv)
{
	static const char *const cpath[] = { "country", "iso_code", NULL };
	static const char conf[] =
	    "agent: { mode = \"enforce\"; enforce = \"preventive\"; };\n"
	    "scopes = ( { name = \"s\"; customers = [\"c\"];\n"
	    "  match = { uids = [65534]; }; } );\n";
	struct ranges r = { 0 };
	struct enforce_scope_plan sp;
	struct enforce_plan plan;
	struct errlist errs = { 0 };
	struct enforcer *e;
	struct geodb *db;
	struct config *c;
	struct ipaddr src, dst;
	double lat[1000], t0, t1;
	long rss0;
	char err[1024], path[] = "/tmp/bench_enforce.XXXXXX";
	FILE *f;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: bench_enforce DB.mmdb (as root)\n");
		return 2;
	}
	if (getuid() != 0 || unshare(CLONE_NEWNET) == -1) {
		printf("  skipped: needs root (a private network namespace)\n");
		return 0;
	}
	if ((db = geodb_open(argv[1], cpath, 0, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	country_set_eea_default(&r.eea);
	geodb_walk(db, eea_range, &r);
	if ((fd = mkstemp(path)) == -1 || (f = fdopen(fd, "w")) == NULL)
		return 1;
	fputs(conf, f);
	if (ferror(f) || fclose(f) != 0)
		return 1;
	c = config_load(path, &errs);
	unlink(path);
	if (c == NULL) {
		errlist_print(&errs);
		return 1;
	}
	if ((e = enforce_open(err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	sp.preventive = true;
	sp.allow = r.v;
	sp.n_allow = r.n;
	plan.cfg = c;
	plan.scopes = &sp;
	plan.nflog_group = ENFORCE_NFLOG_GROUP;
	rss0 = maxrss_kib();
	t0 = now();
	if (enforce_install(e, &plan, err, sizeof(err)) == -1) {
		fprintf(stderr, "install: %s\n", err);
		return 1;
	}
	t1 = now();
	printf("  preventive table for the world's EEA (%zu ranges before "
	    "merging): install %.2f s, peak RSS +%.0f MiB\n", r.n, t1 - t0,
	    (double)(maxrss_kib() - rss0) / 1024);
	t0 = now();
	enforce_install(e, &plan, err, sizeof(err));
	printf("  reinstall over it (one atomic batch): %.2f s\n", now() - t0);

	ipaddr_parse("192.0.2.10", &src);
	for (int i = 0; i < 1000; i++) {
		uint8_t v4[4] = { 198, 51, (uint8_t)(i >> 8), (uint8_t)i };

		ipaddr_from_v4(&dst, v4);
		t0 = now();
		if (enforce_deny(e, IPPROTO_TCP, &src, (uint16_t)(40000 + i),
		    &dst, 443, 65534, 3600, err, sizeof(err)) == -1) {
			fprintf(stderr, "deny: %s\n", err);
			return 1;
		}
		lat[i] = now() - t0;
	}
	qsort(lat, 1000, sizeof(lat[0]), cmp_d);
	printf("  reactive deny committed (netlink, world sets present): "
	    "median %.0f us, p99 %.0f us\n", lat[500] * 1e6, lat[990] * 1e6);

	{
		char aerr[256];
		struct attrib_ctx *a = attrib_open(4096, aerr, sizeof(aerr));
		struct sockaddr_in sin = { .sin_family = AF_INET };
		socklen_t sl = sizeof(sin);
		int l = socket(AF_INET, SOCK_STREAM, 0), s;
		struct attrib at;
		struct ipaddr la, ra;

		/* a connection over the namespace's loopback, found 1000 times */
		/* a failed step shows as "connect failed" below */
		(void)system("ip link set lo up");
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		(void)bind(l, (struct sockaddr *)&sin, sizeof(sin));
		(void)listen(l, 4);
		(void)getsockname(l, (struct sockaddr *)&sin, &sl);
		s = socket(AF_INET, SOCK_STREAM, 0);
		if (a == NULL || connect(s, (struct sockaddr *)&sin,
		    sizeof(sin)) == -1) {
			printf("  attribution: %s\n", a ? "connect failed" : aerr);
			return 0;
		}
		{
			struct sockaddr_in me;
			socklen_t ml = sizeof(me);
			uint8_t lo[4] = { 127, 0, 0, 1 };

			getsockname(s, (struct sockaddr *)&me, &ml);
			ipaddr_from_v4(&la, lo);
			ipaddr_from_v4(&ra, lo);
			for (int i = 0; i < 1000; i++) {
				t0 = now();
				attrib_lookup(a, IPPROTO_TCP, &la,
				    ntohs(me.sin_port), &ra, ntohs(sin.sin_port),
				    &at);
				lat[i] = now() - t0;
			}
		}
		qsort(lat, 1000, sizeof(lat[0]), cmp_d);
		printf("  attribution of a known process's socket: median %.0f "
		    "us, p99 %.0f us (%.0f/s)\n", lat[500] * 1e6,
		    lat[990] * 1e6, 1.0 / lat[500]);
		attrib_close(a);
	}
	enforce_close(e);
	config_free(c);
	geodb_close(db);
	free(r.v);
	return 0;
}
