/* A list of error messages collected while validating one input. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/errlist.h"

/* A malloc'd copy of the formatted text, or NULL when memory ran out. */
static char *
errlist_vformat(const char *fmt, va_list ap)
{
	va_list aq;
	char *s;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0 || (s = malloc((size_t)n + 1)) == NULL)
		return NULL;
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

static char *errlist_format(const char *, ...) EG_PRINTF(1, 2);

static char *
errlist_format(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = errlist_vformat(fmt, ap);
	va_end(ap);
	return s;
}

/* Takes ownership of s; a loader keeps going after oom, so never fails. */
static void
errlist_push(struct errlist *e, char *s)
{
	char **v;
	size_t cap;

	if (s == NULL) {
		e->oom = 1;
		return;
	}
	if (e->n == e->cap) {
		cap = e->cap ? e->cap * 2 : 8;
		if (cap > SIZE_MAX / sizeof(*v) ||
		    (v = realloc(e->msg, cap * sizeof(*v))) == NULL) {
			free(s);
			e->oom = 1;
			return;
		}
		e->msg = v;
		e->cap = cap;
	}
	e->msg[e->n++] = s;
}

void
errlist_add(struct errlist *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	errlist_push(e, errlist_vformat(fmt, ap));
	va_end(ap);
}

void
errlist_addf(struct errlist *e, const char *file, int line,
    const char *setting, const char *fmt, ...)
{
	va_list ap;
	char *m, *s;
	char where[32] = "";

	va_start(ap, fmt);
	m = errlist_vformat(fmt, ap);
	va_end(ap);
	if (m == NULL) {
		e->oom = 1;
		return;
	}
	if (line > 0)
		snprintf(where, sizeof(where), ":%d", line);
	/* Each part that is missing takes its ": " separator with it. */
	s = errlist_format("%s%s%s%s%s%s",
	    file != NULL ? file : "", file != NULL ? where : "",
	    file != NULL ? ": " : "",
	    setting != NULL ? setting : "", setting != NULL ? ": " : "", m);
	free(m);
	errlist_push(e, s);
}

void
errlist_print(const struct errlist *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		fprintf(stderr, "%s\n", e->msg[i]);
	if (e->oom)
		fprintf(stderr, "(out of memory: some errors were not "
		    "recorded)\n");
}

/* Appends t at *off, truncating to fit; buf stays NUL-terminated. */
static void
errlist_append(char *buf, size_t size, size_t *off, const char *t)
{
	size_t n = strlen(t);

	if (*off + 1 >= size)
		return;
	if (n > size - *off - 1)
		n = size - *off - 1;
	memcpy(buf + *off, t, n);
	*off += n;
	buf[*off] = '\0';
}

const char *
errlist_join(const struct errlist *e, char *buf, size_t size)
{
	size_t i, off = 0;

	if (buf == NULL || size == 0)
		return buf;
	buf[0] = '\0';
	for (i = 0; i < e->n; i++) {
		if (i > 0)
			errlist_append(buf, size, &off, "; ");
		errlist_append(buf, size, &off, e->msg[i]);
	}
	if (e->oom) {
		if (e->n > 0)
			errlist_append(buf, size, &off, "; ");
		errlist_append(buf, size, &off, "(out of memory: some errors "
		    "were not recorded)");
	}
	return buf;
}

void
errlist_clear(struct errlist *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		free(e->msg[i]);
	free(e->msg);
	e->msg = NULL;
	e->n = e->cap = 0;
	e->oom = 0;
}
