/* The agent: packets in, one decision per new outbound flow, events out. */
#ifndef EEAGUARD_AGENT_H
#define EEAGUARD_AGENT_H

#include <stdbool.h>
#include <stddef.h>

#include "agent/sink.h"
#include "rules/config.h"

#define AGENT_MAX_IFACES 32

struct agent_options {
	const char *config_path;	/* NULL: the default file, or defaults */
	bool mode_set;			/* --mode given: overrides agent.mode */
	enum agent_mode mode;
	bool verbose;			/* -v: also `flow` events for allowed flows */
	const char *pcap_file;		/* -r: replay this capture */
	const char *ifaces[AGENT_MAX_IFACES];	/* -i, overrides agent.interfaces */
	size_t n_ifaces;
	enum sink_format stdout_format;	/* --format */
	bool release;			/* --release: remove the nftables table */
	const char *user;		/* --user: run as this user once set up */
};

struct agent;

/*
 * Loads configuration, consent register and geodb, opens the sinks and
 * allocates the flow table. Returns NULL with the reason in err and the
 * exit status in *status (1 invalid input, 2 runtime failure).
 */
struct agent *agent_new(const struct agent_options *o, char *err,
    size_t errsize, int *status);
void agent_free(struct agent *a);

/* Replays o->pcap_file to its end. Returns the exit status. */
int agent_run_offline(struct agent *a);
/* Captures live until SIGTERM/SIGINT. Returns the exit status. */
int agent_run_live(struct agent *a);

#endif
