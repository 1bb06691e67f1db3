/* eeaguard: one binary, one subcommand per job (DESIGN: "Command line"). */
#include <stdio.h>
#include <string.h>

#include "agent/cli.h"
#include "agent/log.h"
#include "agent/version.h"

static int
usage(int status)
{
	fprintf(status == EXIT_OK ? stdout : stderr,
	    "usage: eeaguard COMMAND [options]\n"
	    "\n"
	    "  agent   [-c CONF] [-i IFACE]... [-r FILE.pcap] "
	    "[--mode monitor|enforce] [-v]\n"
	    "          [--format json|text]\n"
	    "  check   [-c CONF]              validate config, register "
	    "and geodb\n"
	    "  geodb   lookup [-c CONF | --db FILE] IP...\n"
	    "  geodb   build --tor FILE [--tor6 FILE] [--csv FILE] -o OUT\n"
	    "  consent add|revoke|renew|list|show|history|verify [-c CONF] "
	    "...\n"
	    "  report  [-c CONF] [--events FILE] [--since T] [--until T] "
	    "[--format text|json|html]\n"
	    "  version\n");
	return status;
}

int
main(int argc, char **argv)
{
	log_init("eeaguard", 0);
	if (argc < 2)
		return usage(EXIT_INVALID);
	if (strcmp(argv[1], "version") == 0 ||
	    strcmp(argv[1], "--version") == 0) {
		printf("eeaguard %s\n", EEAGUARD_VERSION);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)
		return usage(EXIT_OK);
	if (strcmp(argv[1], "geodb") == 0)
		return cli_geodb(argc - 1, argv + 1);
	if (strcmp(argv[1], "agent") == 0)
		return cli_agent(argc - 1, argv + 1);
	if (strcmp(argv[1], "check") == 0)
		return cli_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "consent") == 0)
		return cli_consent(argc - 1, argv + 1);
	if (strcmp(argv[1], "report") == 0)
		return cli_report(argc - 1, argv + 1);
	fprintf(stderr, "eeaguard: unknown command '%s'\n", argv[1]);
	return usage(EXIT_INVALID);
}
