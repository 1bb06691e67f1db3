/* A list of error messages collected while validating one input. */
#ifndef EEAGUARD_ERRLIST_H
#define EEAGUARD_ERRLIST_H

#include <stddef.h>

/*
 * Loaders do not stop at the first problem: they add every error they find,
 * each a full sentence that names file, line, setting and what is valid:
 *   "/etc/eeaguard/eeaguard.conf:12: scopes.[0].match.dports: 70000 is not a
 *    port number (valid: 1-65535)"
 * The list owns its strings. A zero-initialised errlist is empty and valid.
 */
struct errlist {
	char **msg;
	size_t n;
	size_t cap;
	int oom;	/* an allocation failed: at least one message is missing */
};

#if defined(__GNUC__)
#define EG_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define EG_NONNULL(...) __attribute__((nonnull(__VA_ARGS__)))
#else
#define EG_PRINTF(a, b)
#define EG_NONNULL(...)
#endif

void errlist_add(struct errlist *e, const char *fmt, ...) EG_PRINTF(2, 3);
/* Adds "FILE:LINE: SETTING: " + message; line 0 leaves the line out. */
void errlist_addf(struct errlist *e, const char *file, int line,
    const char *setting, const char *fmt, ...) EG_PRINTF(5, 6);
/* Writes every message, one per line, to stderr. */
void errlist_print(const struct errlist *e);
/* Messages joined by "; " into buf (truncated to fit); returns buf. */
const char *errlist_join(const struct errlist *e, char *buf, size_t size);
void errlist_clear(struct errlist *e);

#endif
