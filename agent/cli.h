/* The eeaguard subcommands and what they share: options, config, geodb. */
#ifndef EEAGUARD_CLI_H
#define EEAGUARD_CLI_H

#include "geodb/geodb.h"
#include "rules/config.h"

int cli_geodb(int argc, char **argv);
int cli_check(int argc, char **argv);
int cli_agent(int argc, char **argv);
int cli_consent(int argc, char **argv);
int cli_report(int argc, char **argv);

/*
 * The configuration for -c PATH; with PATH NULL the default file, or the
 * built-in defaults when the default file does not exist. On error prints
 * every problem and exits 1.
 */
struct config *cli_load_config(const char *path);

/*
 * The database file a configuration names, or the embedded default: the
 * country.mmdb next to the running binary (a build tree), else the one
 * installed in the data directory.
 */
const char *cli_geodb_path(const struct config *c);

/* Opens the configured database; on error prints it and exits 1. */
struct geodb *cli_open_geodb(const struct config *c, const char *path);

#endif
