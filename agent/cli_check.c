/* eeaguard check: validate configuration, consent register and geodb, like nginx -t. */
#include "agent/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/enforce.h"
#include "agent/log.h"
#include "rules/consent.h"
#include "rules/country.h"

#define EXPIRING_DAYS 30

static void
print_cc(const char cc[3], void *arg)
{
	int *first = arg;

	printf("%s%s", *first ? "" : " ", cc);
	*first = 0;
}

static void
summarize_config(const struct config *c)
{
	int first = 1;

	printf("  mode: %s (enforcement: %s); flows matching no scope: %s\n",
	    config_mode_name(c->agent.mode),
	    config_enforce_name(c->agent.enforce),
	    config_unscoped_name(c->policy.unscoped));
	printf("  scopes: %zu\n", c->n_scopes);
	for (size_t i = 0; i < c->n_scopes; i++) {
		const struct scope *s = &c->scopes[i];

		printf("    %s: customers", s->name);
		for (size_t k = 0; k < s->customers.n; k++)
			printf("%s%s", k ? ", " : " ", s->customers.v[k]);
		if (s->data != NULL && s->data[0] != '\0')
			printf("; data: %s", s->data);
		if (s->match.empty)
			printf(" (empty match: matches nothing)");
		printf("\n");
		if (c->agent.mode == MODE_ENFORCE) {
			const char *why = NULL;

			if (c->agent.enforce == ENFORCE_PREVENTIVE &&
			    enforce_scope_expressible(s, &why))
				printf("      enforced preventively (nftables)\n");
			else if (c->agent.enforce == ENFORCE_PREVENTIVE)
				printf("      enforced reactively: %s\n",
				    why ? why : "nftables cannot express it");
			else
				printf("      enforced reactively\n");
		}
	}
	printf("  exemptions: %zu\n", c->n_exempts);
	printf("  EEA (%zu): ", country_set_count(&c->policy.eea));
	country_set_foreach(&c->policy.eea, print_cc, &first);
	printf("\n");
}

static void
summarize_register(const struct consent_register *r, int64_t now)
{
	size_t active = 0, expired = 0, revoked = 0, future = 0, expiring = 0;

	for (size_t i = 0; i < r->n; i++) {
		const struct consent *c = &r->v[i];

		if (c->revoked)
			revoked++;
		else if (now < c->valid_from)
			future++;
		else if (now >= c->expires)
			expired++;
		else
			active++;
	}
	printf("  consents: %zu (%zu active, %zu not yet valid, %zu expired, "
	    "%zu revoked)\n", r->n, active, future, expired, revoked);
	for (size_t i = 0; i < r->n; i++) {
		const struct consent *c = &r->v[i];

		if (!consent_active(c, now) || c->expires == CONSENT_TIME_MAX ||
		    c->expires - now > EXPIRING_DAYS * 86400LL)
			continue;
		if (expiring++ == 0)
			printf("  expiring within %d days:\n", EXPIRING_DAYS);
		printf("    %s (customer %s) expires %s\n", c->id, c->customer,
		    c->expires_s);
	}
}

int
cli_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 }
	};
	const char *conf = NULL;
	struct errlist errs = { 0 };
	struct config *c;
	struct consent_register *r = NULL;
	struct geodb *db;
	const struct geodb_info *gi;
	const char *dbpath;
	char err[512];
	int64_t now = (int64_t)time(NULL);
	int ch, bad = 0;

	while ((ch = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		if (ch != 'c') {
			fprintf(stderr, "usage: eeaguard check [-c CONF]\n");
			return EXIT_INVALID;
		}
		conf = optarg;
	}
	if (optind != argc) {
		fprintf(stderr, "usage: eeaguard check [-c CONF]\n");
		return EXIT_INVALID;
	}
	c = cli_load_config(conf);

	if (access(c->consent.register_path, F_OK) == -1 && errno == ENOENT) {
		fprintf(stderr, "eeaguard: warning: %s does not exist: no "
		    "consents are recorded, so every transfer of a scoped "
		    "customer outside the EEA is a violation\n",
		    c->consent.register_path);
		r = consent_register_empty();
	} else if ((r = consent_load(c->consent.register_path,
	    &c->policy.eea, &errs)) == NULL) {
		errlist_print(&errs);
		errlist_clear(&errs);
		bad = 1;
	}

	dbpath = cli_geodb_path(c);
	{
		const char *cpath[16] = { NULL };
		size_t i;

		for (i = 0; i < c->geodb.country_path.n && i < 15; i++)
			cpath[i] = c->geodb.country_path.v[i];
		db = geodb_open(dbpath, cpath, 0, err, sizeof(err));
	}
	if (db == NULL) {
		fprintf(stderr, "%s\n", err);
		bad = 1;
	}

	if (bad) {
		fprintf(stderr, "eeaguard: check failed; fix the errors above "
		    "(a running agent keeps the configuration it has)\n");
		geodb_close(db);
		consent_register_free(r);
		config_free(c);
		return EXIT_INVALID;
	}

	printf("eeaguard: configuration %s OK\n",
	    c->path != NULL ? c->path : "(built-in defaults)");
	summarize_config(c);
	printf("  consent register %s\n", c->consent.register_path);
	summarize_register(r, now);
	gi = geodb_get_info(db);
	printf("  geodb %s: built %s, %u nodes, %zu countries, sha256 %.12s\n",
	    dbpath, gi->build_time, gi->node_count, gi->countries, gi->sha256);
	if (gi->build_epoch > 0 && now > (int64_t)gi->build_epoch &&
	    (uint64_t)(now - (int64_t)gi->build_epoch) / 86400 >
	    c->geodb.max_age_days)
		printf("  warning: the geodb is %lld days old (geodb."
		    "max_age_days = %u): update it\n",
		    (long long)((uint64_t)(now - (int64_t)gi->build_epoch) /
		    86400), c->geodb.max_age_days);
	geodb_close(db);
	consent_register_free(r);
	config_free(c);
	return EXIT_OK;
}
