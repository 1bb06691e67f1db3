/* eeaguard agent: option parsing for the daemon and the offline replay. */
#include "agent/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/log.h"

static int
usage(void)
{
	fprintf(stderr, "usage: eeaguard agent [-c CONF] [-i IFACE]... "
	    "[-r FILE.pcap] [--mode monitor|enforce] [-v]\n"
	    "                      [--format json|text] [--release] [--user USER]\n");
	return EXIT_INVALID;
}

int
cli_agent(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "interface", required_argument, NULL, 'i' },
		{ "read", required_argument, NULL, 'r' },
		{ "mode", required_argument, NULL, 'm' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "format", required_argument, NULL, 'f' },
		{ "release", no_argument, NULL, 'R' },
		{ "user", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 }
	};
	struct agent_options o;
	struct agent *a;
	char err[4096];
	int ch, status;

	memset(&o, 0, sizeof(o));
	while ((ch = getopt_long(argc, argv, "c:i:r:v", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o.config_path = optarg;
			break;
		case 'i':
			if (o.n_ifaces == AGENT_MAX_IFACES) {
				fprintf(stderr, "eeaguard: at most %d "
				    "interfaces\n", AGENT_MAX_IFACES);
				return EXIT_INVALID;
			}
			o.ifaces[o.n_ifaces++] = optarg;
			break;
		case 'r':
			o.pcap_file = optarg;
			break;
		case 'm':
			o.mode_set = true;
			if (strcmp(optarg, "monitor") == 0)
				o.mode = MODE_MONITOR;
			else if (strcmp(optarg, "enforce") == 0)
				o.mode = MODE_ENFORCE;
			else {
				fprintf(stderr, "eeaguard: --mode %s: expected "
				    "monitor or enforce\n", optarg);
				return EXIT_INVALID;
			}
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'R':
			o.release = true;
			break;
		case 'u':
			o.user = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "json") == 0)
				o.stdout_format = SINK_FORMAT_JSON;
			else if (strcmp(optarg, "text") == 0)
				o.stdout_format = SINK_FORMAT_TEXT;
			else {
				fprintf(stderr, "eeaguard: --format %s: "
				    "expected json or text\n", optarg);
				return EXIT_INVALID;
			}
			break;
		default:
			return usage();
		}
	}
	if (optind != argc)
		return usage();
	if (o.pcap_file != NULL && o.n_ifaces > 0) {
		fprintf(stderr, "eeaguard: -r replays a file; -i watches "
		    "interfaces: give one of them\n");
		return EXIT_INVALID;
	}
	log_init("eeaguard", o.verbose);
	if ((a = agent_new(&o, err, sizeof(err), &status)) == NULL) {
		fprintf(stderr, "eeaguard: %s\n", err);
		return status;
	}
	status = o.pcap_file != NULL ? agent_run_offline(a) :
	    agent_run_live(a);
	agent_free(a);
	return status;
}
