/* Prometheus text-format metrics, written atomically for node_exporter's textfile collector. */
#ifndef EEAGUARD_METRICS_H
#define EEAGUARD_METRICS_H

#include <stddef.h>
#include <stdint.h>

/*
 * A set of samples built fresh for each write: counters and gauges, each
 * with up to METRICS_MAX_LABELS label pairs. All memory is allocated once
 * in metrics_new (capacity samples); metrics_reset empties the set for the
 * next round without freeing.
 */
#define METRICS_MAX_LABELS 3

/*
 * Longest accepted strings, in bytes (NUL excluded); a longer one makes
 * metrics_add fail rather than be cut. HELP text is copied, once per name.
 */
#define METRICS_NAME_MAX	95
#define METRICS_LABEL_KEY_MAX	31
#define METRICS_LABEL_VALUE_MAX	255
#define METRICS_HELP_MAX	255

enum metric_type { METRIC_COUNTER, METRIC_GAUGE };

struct metrics;

struct metrics *metrics_new(size_t capacity);
void metrics_free(struct metrics *m);
void metrics_reset(struct metrics *m);

/*
 * Adds one sample. name follows Prometheus conventions ("eeaguard_packets_total"
 * for a counter); help is the metric's HELP text (NULL for none; the first
 * non-NULL one given for a name wins). labels is NULL or a NULL-terminated
 * list of "key", "value" pairs (at most METRICS_MAX_LABELS pairs); values
 * are escaped as the format requires. Returns -1 with errno set, adding
 * nothing, when the set is full (ENOSPC), a string is too long
 * (ENAMETOOLONG), the same name and labels were already added (EEXIST), or
 * an argument is invalid (EINVAL): a name outside [a-zA-Z_:][a-zA-Z0-9_:]*,
 * a label key outside [a-zA-Z_][a-zA-Z0-9_]* or starting with "__" or
 * repeated, help or a value that is not UTF-8, or a name already added
 * with the other type.
 */
int metrics_add(struct metrics *m, enum metric_type type, const char *name,
    const char *help, const char *const *labels, double value);

/*
 * Writes every sample, grouped by metric name with one HELP and TYPE line
 * each, to path atomically (temp file in the same directory, fsync,
 * rename), mode 0644. Returns 0, or -1 with errno set.
 */
int metrics_write(const struct metrics *m, const char *path);

#endif
