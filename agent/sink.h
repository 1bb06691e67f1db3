/* Alert sinks: stdout, a JSON-lines file, syslog, an exec'd command; with dedup. */
#ifndef EEAGUARD_SINK_H
#define EEAGUARD_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/event.h"

enum sink_format { SINK_FORMAT_JSON, SINK_FORMAT_TEXT };

struct sink_options {
	bool to_stdout;
	enum sink_format stdout_format;
	bool syslog;
	const char *jsonl;		/* NULL or "" = off */
	const char *exec;		/* NULL or "" = off; run with /bin/sh -c */
	uint32_t dedup_window;		/* seconds; 0 = off */
	unsigned exec_max_children;	/* default 4 when 0 */
	unsigned exec_queue;		/* alerts waiting for a child; default 256 */
};

struct sink_stats {
	uint64_t emitted;		/* events written (after dedup) */
	uint64_t suppressed;		/* occurrences folded into a later event */
	uint64_t jsonl_errors;		/* failed writes to the file */
	uint64_t exec_started;
	uint64_t exec_failed;		/* spawn failed or child exited non-zero */
	uint64_t exec_dropped;		/* queue full: alert not given to exec */
	unsigned exec_running;		/* children now (at most max_children) */
	unsigned exec_queued;		/* alerts waiting for a child */
};

struct sinks;

/*
 * Opens every configured sink (the JSON-lines file is created if missing,
 * opened O_APPEND). Returns NULL with a reason in err, and errno ENOMEM
 * when memory ran out.
 */
struct sinks *sinks_open(const struct sink_options *o, char *err, size_t errsize);
/* Flushes pending dedup counts (as sinks_flush(s, -1)), reaps children, closes. */
void sinks_close(struct sinks *s);

/*
 * Emits one event to every sink. Alert events (violation, unscoped and
 * blocked with an action other than "none") are deduplicated by (event,
 * scope, dst, dport, verdict) within dedup_window seconds of event time: the
 * first is written, later ones within the window are counted, and the count
 * is reported as "suppressed" on the next one written after the window, or
 * by sinks_flush. Nothing is dropped silently: emitted + suppressed always
 * accounts for every event given, and so does, in the output, the number
 * of lines plus the sum of their "suppressed" members.
 */
void sinks_emit(struct sinks *s, const struct event *e);

/*
 * Writes the last suppressed event of every dedup window that ended before
 * now_us (all windows when now_us < 0), late, with "suppressed" counting
 * the others it stands for (so 3 suppressed give one line with
 * "suppressed":2). It then counts as emitted, no longer as suppressed.
 */
void sinks_flush(struct sinks *s, int64_t now_us);

/* Reopens the JSON-lines file (after logrotate renamed it). 0 / -1. */
int sinks_reopen(struct sinks *s);
/* Reaps exited exec children and starts queued ones; call on SIGCHLD/tick. */
void sinks_reap(struct sinks *s);

void sinks_get_stats(const struct sinks *s, struct sink_stats *st);

#endif
