/* What the subcommands share: loading the configuration and the geodb. */
#include "agent/cli.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/log.h"

#ifndef EEAGUARD_DATADIR
#define EEAGUARD_DATADIR "/usr/local/share/eeaguard"
#endif

struct config *
cli_load_config(const char *path)
{
	struct errlist errs = { 0 };
	struct config *c;

	if (path == NULL) {
		if (access(CONFIG_DEFAULT_PATH, F_OK) == -1 && errno == ENOENT) {
			if ((c = config_default()) == NULL)
				fatalx("out of memory");
			return c;
		}
		path = CONFIG_DEFAULT_PATH;
	}
	if ((c = config_load(path, &errs)) == NULL) {
		errlist_print(&errs);
		fprintf(stderr, "eeaguard: %s: %zu error%s; nothing was "
		    "changed\n", path, errs.n, errs.n == 1 ? "" : "s");
		errlist_clear(&errs);
		exit(EXIT_INVALID);
	}
	return c;
}

const char *
cli_geodb_path(const struct config *c)
{
	static char buf[PATH_MAX + 32];
	char exe[PATH_MAX];
	ssize_t n;

	if (c != NULL && c->geodb.path != NULL)
		return c->geodb.path;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			snprintf(buf, sizeof(buf), "%s/country.mmdb", exe);
			if (access(buf, R_OK) == 0)
				return buf;
			/* build/san/eeaguard shares build/country.mmdb */
			snprintf(buf, sizeof(buf), "%s/../country.mmdb", exe);
			if (access(buf, R_OK) == 0)
				return buf;
			/* installed: PREFIX/sbin/eeaguard, PREFIX/share/eeaguard */
			snprintf(buf, sizeof(buf),
			    "%s/../share/eeaguard/country.mmdb", exe);
			if (access(buf, R_OK) == 0)
				return buf;
		}
	}
	return EEAGUARD_DATADIR "/country.mmdb";
}

struct geodb *
cli_open_geodb(const struct config *c, const char *path)
{
	static const char *const dflt[] = { "country", "iso_code", NULL };
	const char *cpath[16];
	size_t cache = 65536;
	char err[512];
	struct geodb *db;

	memcpy(cpath, dflt, sizeof(dflt));
	if (c != NULL) {
		size_t i;

		for (i = 0; i < c->geodb.country_path.n && i < 15; i++)
			cpath[i] = c->geodb.country_path.v[i];
		if (i > 0)
			cpath[i] = NULL;
		cache = c->geodb.cache_size;
	}
	if (path == NULL)
		path = cli_geodb_path(c);
	if ((db = geodb_open(path, cpath, cache, err, sizeof(err))) == NULL) {
		fprintf(stderr, "eeaguard: %s\n", err);
		exit(EXIT_INVALID);
	}
	return db;
}
