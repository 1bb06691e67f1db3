/* eeaguard geodb lookup|build: query the country database, or make one. */
#include "agent/cli.h"

#include <getopt.h>
#include <stdnoreturn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <stdint.h>

#include "agent/log.h"
#include "geodb/geodb_build.h"
#include "rules/addr.h"
#include "rules/country.h"
#include "rules/netset.h"

static noreturn void
usage(void)
{
	fprintf(stderr,
	    "usage: eeaguard geodb lookup [-c CONF | --db FILE] IP...\n"
	    "       eeaguard geodb build --tor FILE [--tor6 FILE] "
	    "[--csv FILE]... -o OUT.mmdb\n");
	exit(EXIT_INVALID);
}

/* "IP CC eea|non-eea|internal NETWORK/LEN", one line per address. */
static int
geodb_lookup_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	const char *conf = NULL, *dbpath = NULL;
	struct config *c;
	struct geodb *db;
	struct ipaddr *addrs;
	int ch, n;

	while ((ch = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			conf = optarg;
			break;
		case 'd':
			dbpath = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage();
	if (conf != NULL && dbpath != NULL) {
		fprintf(stderr, "eeaguard: geodb lookup: give -c CONF or "
		    "--db FILE, not both\n");
		return EXIT_INVALID;
	}

	/* Every address is checked before anything is printed. */
	if ((addrs = calloc((size_t)argc, sizeof(*addrs))) == NULL)
		fatal("calloc");
	for (n = 0; n < argc; n++) {
		if (ipaddr_parse(argv[n], &addrs[n]) == -1) {
			fprintf(stderr, "eeaguard: geodb lookup: '%s' is not "
			    "an IP address (expected e.g. 192.0.2.1 or "
			    "2001:db8::1)\n", argv[n]);
			free(addrs);
			return EXIT_INVALID;
		}
	}

	c = conf != NULL ? cli_load_config(conf) : cli_load_config(NULL);
	db = cli_open_geodb(c, dbpath);
	for (n = 0; n < argc; n++) {
		const struct ipaddr *a = &addrs[n];
		bool v4 = ipaddr_is_v4(a);
		struct geodb_result r;
		struct ipprefix net;
		char abuf[IPADDR_STRLEN], nbuf[IPPREFIX_STRLEN];
		const char *class;
		unsigned len;

		if (geodb_lookup(db, v4 ? AF_INET : AF_INET6,
		    v4 ? ipaddr_v4(a) : a->b, &r) == -1)
			log_warnx("%s: database error looking up %s",
			    cli_geodb_path(c), argv[n]);
		len = v4 ? 96u + r.prefix_len : r.prefix_len;
		if (netset_lookup(c->policy.internal_set, a, &len) >= 0) {
			class = "internal";
		} else {
			class = country_set_has(&c->policy.eea, r.cc) ?
			    "eea" : "non-eea";
			len = v4 ? 96u + r.prefix_len : r.prefix_len;
		}
		ipprefix_of(&net, a, len);
		printf("%s %s %s %s\n", ipaddr_format(a, abuf), r.cc, class,
		    ipprefix_format(&net, nbuf));
	}
	free(addrs);
	geodb_close(db);
	config_free(c);
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_RUNTIME;
}

/*
 * The data's own date, so geodb_stale measures the age of the data, not of
 * the build: Tor's files carry "# Generated: Thu, 25 Jun 2026 04:33:59 GMT".
 * Returns 0 when the file says nothing.
 */
static uint64_t
tor_generated(const char *path)
{
	char line[256];
	uint64_t epoch = 0;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	for (int i = 0; i < 64 && fgets(line, sizeof(line), f) != NULL &&
	    line[0] == '#'; i++) {
		const char *p = strstr(line, "Generated:");
		struct tm tm;

		if (p == NULL)
			continue;
		memset(&tm, 0, sizeof(tm));
		p += strlen("Generated:");
		while (*p == ' ')
			p++;
		if (strptime(p, "%a, %d %b %Y %H:%M:%S", &tm) != NULL)
			epoch = (uint64_t)timegm(&tm);
		break;
	}
	(void)fclose(f);	/* read only */
	return epoch;
}

static int
geodb_build_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tor", required_argument, NULL, 't' },
		{ "tor6", required_argument, NULL, '6' },
		{ "csv", required_argument, NULL, 'v' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	struct geodb_build *b;
	struct geodb_build_stats st;
	struct timespec t0, t1;
	const char *out = NULL, *sde = getenv("SOURCE_DATE_EPOCH");
	char err[512];
	int ch, inputs = 0, rc = EXIT_INVALID;
	uint64_t epoch = 0;

	if ((b = geodb_build_new()) == NULL)
		fatal("geodb build");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((ch = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		int r;

		switch (ch) {
		case 't':
			r = geodb_build_read_tor(b, optarg, AF_INET, err,
			    sizeof(err));
			if (epoch == 0)
				epoch = tor_generated(optarg);
			break;
		case '6':
			r = geodb_build_read_tor(b, optarg, AF_INET6, err,
			    sizeof(err));
			break;
		case 'v':
			r = geodb_build_read_csv(b, optarg, err, sizeof(err));
			break;
		case 'o':
			out = optarg;
			continue;
		default:
			usage();
		}
		if (r == -1) {
			fprintf(stderr, "eeaguard: geodb build: %s\n", err);
			goto done;
		}
		inputs++;
	}
	if (optind != argc || out == NULL || inputs == 0)
		usage();
	/* The agent refuses a database without a single country: say so now. */
	geodb_build_get_stats(b, &st);
	if (st.ranges_in == 0) {
		fprintf(stderr, "eeaguard: geodb build: the input holds no "
		    "address range with a country code (lines such as "
		    "\"192.0.2.0/24,NL\" or tor's \"FROM,TO,CC\"); nothing "
		    "written to %s\n", out);
		goto done;
	}
	/* build_epoch: the data's date, else SOURCE_DATE_EPOCH, else now */
	if (epoch == 0 && sde != NULL)
		epoch = strtoull(sde, NULL, 10);
	if (geodb_build_write(b, out, epoch, err, sizeof(err)) == -1) {
		fprintf(stderr, "eeaguard: geodb build: %s\n", err);
		goto done;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	geodb_build_get_stats(b, &st);
	fprintf(stderr, "eeaguard: wrote %s: %zu ranges in, %zu after "
	    "merging, %zu networks, %zu nodes, %u-bit records, %zu bytes, "
	    "%.2f s\n", out, st.ranges_in, st.ranges_merged, st.networks,
	    st.nodes, st.record_size, st.bytes,
	    (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (st.aliased_skipped > 0)
		fprintf(stderr, "eeaguard: %zu IPv6 input ranges inside "
		    "::ffff:0:0/96 or 2002::/16 were skipped: those prefixes "
		    "are aliases of the IPv4 space\n", st.aliased_skipped);
	rc = EXIT_OK;
done:
	geodb_build_free(b);
	return rc;
}

int
cli_geodb(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "lookup") == 0)
		return geodb_lookup_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "build") == 0)
		return geodb_build_cmd(argc - 1, argv + 1);
	fprintf(stderr, "eeaguard: geodb: unknown command '%s'\n", argv[1]);
	usage();
}
