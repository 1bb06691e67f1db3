/* Prometheus text-format (0.0.4) metrics, written atomically for node_exporter's textfile collector. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/metrics.h"

/*
 * Everything lives in two arrays sized at metrics_new: samples, and the
 * metric families (one per distinct name, so never more than samples).
 * A family keeps its samples as a list through sample.next, in the order
 * they were added, so a name added non-contiguously is still written as
 * one group under one HELP and TYPE.
 */
#define NONE	((size_t)-1)

/* Prometheus reads values with Go's ParseFloat: integers this size are exact. */
#define EXACT_INT_MAX	9007199254740992.0	/* 2^53 */

#define WBUF_SIZE	4096

struct label {
	char key[METRICS_LABEL_KEY_MAX + 1];
	char value[METRICS_LABEL_VALUE_MAX + 1];
};

struct sample {
	size_t next;			/* next sample of the family, or NONE */
	size_t nlabels;
	struct label labels[METRICS_MAX_LABELS];
	double value;
};

struct family {
	char name[METRICS_NAME_MAX + 1];
	char help[METRICS_HELP_MAX + 1];
	bool has_help;
	enum metric_type type;
	size_t first, last;		/* sample indexes */
};

struct metrics {
	size_t capacity;
	size_t nsamples;
	size_t nfamilies;
	struct sample *samples;
	struct family *families;
};

/* Output through a stack buffer: metrics_write allocates nothing. */
struct wbuf {
	int fd;
	int err;			/* first errno, 0 if none */
	size_t len;
	char buf[WBUF_SIZE];
};

struct metrics *
metrics_new(size_t capacity)
{
	struct metrics *m;

	if (capacity == 0 || capacity > SIZE_MAX / sizeof(struct sample) ||
	    capacity > SIZE_MAX / sizeof(struct family)) {
		errno = EINVAL;
		return NULL;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->capacity = capacity;
	m->samples = calloc(capacity, sizeof(*m->samples));
	m->families = calloc(capacity, sizeof(*m->families));
	if (m->samples == NULL || m->families == NULL) {
		metrics_free(m);
		errno = ENOMEM;
		return NULL;
	}
	return m;
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	free(m->samples);
	free(m->families);
	free(m);
}

void
metrics_reset(struct metrics *m)
{
	m->nsamples = 0;
	m->nfamilies = 0;
}

static bool
name_valid(const char *s, bool colon)
{
	const char *p;

	for (p = s; *p != '\0'; p++) {
		char c = *p;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    c == '_' || (colon && c == ':'))
			continue;
		if (p != s && c >= '0' && c <= '9')
			continue;
		return false;
	}
	return p != s;
}

/* Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF). */
static bool
utf8_valid(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s != '\0') {
		unsigned char c = *s;
		size_t n, i;
		unsigned long cp;

		if (c < 0x80) {
			s++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else
			return false;
		for (i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)	/* also stops at NUL */
				return false;
			cp = (cp << 6) | (s[i] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;
		s += n + 1;
	}
	return true;
}

/* 0 if s fits in max bytes, else -1 with ENAMETOOLONG. */
static int
fits(const char *s, size_t max)
{
	if (strnlen(s, max + 1) > max) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/*
 * An empty label value is the same as no label to Prometheus, so it does
 * not tell two series apart.
 */
static const char *
label_get(const struct label *l, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(l[i].key, key) == 0)
			return l[i].value;
	return "";
}

static bool
same_series(const struct label *a, size_t na, const struct label *b,
    size_t nb)
{
	size_t i;

	for (i = 0; i < na; i++)
		if (strcmp(a[i].value, label_get(b, nb, a[i].key)) != 0)
			return false;
	for (i = 0; i < nb; i++)
		if (strcmp(b[i].value, label_get(a, na, b[i].key)) != 0)
			return false;
	return true;
}

int
metrics_add(struct metrics *m, enum metric_type type, const char *name,
    const char *help, const char *const *labels, double value)
{
	struct label l[METRICS_MAX_LABELS];
	struct family *f = NULL;
	struct sample *s;
	size_t nl = 0, i, j;

	if (m == NULL || name == NULL ||
	    (type != METRIC_COUNTER && type != METRIC_GAUGE)) {
		errno = EINVAL;
		return -1;
	}
	if (fits(name, METRICS_NAME_MAX) == -1)
		return -1;
	if (!name_valid(name, true)) {
		errno = EINVAL;
		return -1;
	}
	if (help != NULL) {
		if (fits(help, METRICS_HELP_MAX) == -1)
			return -1;
		if (!utf8_valid(help)) {
			errno = EINVAL;
			return -1;
		}
	}

	/* Validate and copy the labels before anything in m changes. */
	for (i = 0; labels != NULL && labels[i] != NULL; i += 2) {
		const char *k = labels[i], *v = labels[i + 1];

		if (v == NULL || nl == METRICS_MAX_LABELS) {
			errno = EINVAL;
			return -1;
		}
		if (fits(k, METRICS_LABEL_KEY_MAX) == -1 ||
		    fits(v, METRICS_LABEL_VALUE_MAX) == -1)
			return -1;
		if (!name_valid(k, false) || strncmp(k, "__", 2) == 0 ||
		    !utf8_valid(v)) {
			errno = EINVAL;
			return -1;
		}
		for (j = 0; j < nl; j++)
			if (strcmp(l[j].key, k) == 0) {
				errno = EINVAL;
				return -1;
			}
		strcpy(l[nl].key, k);	/* NOLINT(*.strcpy): fits() above */
		strcpy(l[nl].value, v);	/* NOLINT(*.strcpy): fits() above */
		nl++;
	}

	for (i = 0; i < m->nfamilies; i++)
		if (strcmp(m->families[i].name, name) == 0) {
			f = &m->families[i];
			break;
		}
	if (f != NULL) {
		if (f->type != type) {
			errno = EINVAL;
			return -1;
		}
		for (i = f->first; i != NONE; i = m->samples[i].next)
			if (same_series(m->samples[i].labels,
			    m->samples[i].nlabels, l, nl)) {
				errno = EEXIST;
				return -1;
			}
	}
	if (m->nsamples == m->capacity) {
		errno = ENOSPC;
		return -1;
	}

	if (f == NULL) {
		f = &m->families[m->nfamilies++];
		strcpy(f->name, name);	/* NOLINT(*.strcpy): fits() above */
		f->has_help = false;
		f->type = type;
		f->first = NONE;
		f->last = NONE;
	}
	if (!f->has_help && help != NULL) {
		strcpy(f->help, help);	/* NOLINT(*.strcpy): fits() above */
		f->has_help = true;
	}

	s = &m->samples[m->nsamples];
	s->next = NONE;
	s->nlabels = nl;
	memcpy(s->labels, l, nl * sizeof(l[0]));
	s->value = value;
	if (f->last == NONE)
		f->first = m->nsamples;
	else
		m->samples[f->last].next = m->nsamples;
	f->last = m->nsamples;
	m->nsamples++;
	return 0;
}

static void
wb_flush(struct wbuf *w)
{
	size_t off = 0;
	ssize_t n;

	while (w->err == 0 && off < w->len) {
		if ((n = write(w->fd, w->buf + off, w->len - off)) == -1) {
			if (errno != EINTR)
				w->err = errno;
			continue;
		}
		off += (size_t)n;
	}
	w->len = 0;
}

static void
wb_putc(struct wbuf *w, char c)
{
	if (w->len == sizeof(w->buf))
		wb_flush(w);
	w->buf[w->len++] = c;
}

static void
wb_puts(struct wbuf *w, const char *s)
{
	while (*s != '\0')
		wb_putc(w, *s++);
}

/* HELP text escapes backslash and newline; label values also '"'. */
static void
wb_escaped(struct wbuf *w, const char *s, bool quote)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			wb_puts(w, "\\\\");
		else if (*s == '\n')
			wb_puts(w, "\\n");
		else if (quote && *s == '"')
			wb_puts(w, "\\\"");
		else
			wb_putc(w, *s);
	}
}

/*
 * Spelled so that Go's ParseFloat gives back the same double: NaN, +Inf,
 * -Inf; integers up to 2^53 plainly; anything else in the fewest of 15 to
 * 17 significant digits that round-trips (17 always does). Assumes the
 * "C" LC_NUMERIC, which the agent never changes.
 */
static void
format_value(double v, char *buf, size_t size)
{
	int prec;

	if (isnan(v)) {
		snprintf(buf, size, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, size, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (v >= -EXACT_INT_MAX && v <= EXACT_INT_MAX &&
	    (double)(long long)v == v) {
		snprintf(buf, size, "%.0f", v);
		return;
	}
	for (prec = 15; prec < 17; prec++) {
		snprintf(buf, size, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
	snprintf(buf, size, "%.17g", v);
}

static void
write_all(const struct metrics *m, struct wbuf *w)
{
	char num[32];
	size_t fi, si, li;

	for (fi = 0; fi < m->nfamilies; fi++) {
		const struct family *f = &m->families[fi];

		if (f->has_help) {
			wb_puts(w, "# HELP ");
			wb_puts(w, f->name);
			wb_putc(w, ' ');
			wb_escaped(w, f->help, false);
			wb_putc(w, '\n');
		}
		wb_puts(w, "# TYPE ");
		wb_puts(w, f->name);
		wb_puts(w, f->type == METRIC_COUNTER ? " counter\n" :
		    " gauge\n");
		for (si = f->first; si != NONE; si = m->samples[si].next) {
			const struct sample *s = &m->samples[si];

			wb_puts(w, f->name);
			for (li = 0; li < s->nlabels; li++) {
				wb_putc(w, li == 0 ? '{' : ',');
				wb_puts(w, s->labels[li].key);
				wb_puts(w, "=\"");
				wb_escaped(w, s->labels[li].value, true);
				wb_putc(w, '"');
			}
			if (s->nlabels > 0)
				wb_putc(w, '}');
			wb_putc(w, ' ');
			format_value(s->value, num, sizeof(num));
			wb_puts(w, num);
			wb_putc(w, '\n');
		}
	}
	wb_flush(w);
}

/* The directory holding path, for the fsync that makes the rename durable. */
static int
dir_of(const char *path, char *dir, size_t size)
{
	const char *slash = strrchr(path, '/');
	size_t len;

	if (slash == NULL) {
		snprintf(dir, size, ".");
		return 0;
	}
	len = slash == path ? 1 : (size_t)(slash - path);
	if (len >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dir, path, len);
	dir[len] = '\0';
	return 0;
}

/*
 * The temp file sits beside path so the rename is atomic: a reader (the
 * textfile collector) sees the old file or the new one, never a part. If
 * only the final directory fsync fails, path already holds the new file
 * but -1 says it may not survive a crash; EINVAL there (a filesystem that
 * cannot sync directories) is not an error.
 */
int
metrics_write(const struct metrics *m, const char *path)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	struct wbuf w;
	int fd = -1, dfd = -1, ret = -1, saved;
	bool have_tmp = false;

	if (m == NULL || path == NULL || *path == '\0') {
		errno = EINVAL;
		return -1;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >=
	    sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (dir_of(path, dir, sizeof(dir)) == -1)
		return -1;

	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1)
		goto done;
	have_tmp = true;
	if (fchmod(fd, 0644) == -1)
		goto done;
	w.fd = fd;
	w.err = 0;
	w.len = 0;
	write_all(m, &w);
	if (w.err != 0) {
		errno = w.err;
		goto done;
	}
	if (fsync(fd) == -1)
		goto done;
	if (close(fd) == -1) {
		fd = -1;
		goto done;
	}
	fd = -1;
	if (rename(tmp, path) == -1)
		goto done;
	have_tmp = false;

	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		goto done;
	if (fsync(dfd) == -1 && errno != EINVAL)
		goto done;
	ret = 0;
done:
	saved = errno;
	if (fd != -1)
		close(fd);
	if (dfd != -1)
		close(dfd);
	if (have_tmp)
		unlink(tmp);
	errno = saved;
	return ret;
}
