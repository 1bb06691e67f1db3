/* Evidence from events files: a validating JSON line reader and the report's aggregation. */
#include "agent/report.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/json.h"
#include "rules/addr.h"
#include "rules/country.h"

#define USEC INT64_C(1000000)
#define DAY_US (INT64_C(86400) * USEC)
#define MAX_DEPTH 64
#define MAX_LIST 32		/* customers / consents kept per event */

/* ---- time ------------------------------------------------------------- */

static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	/* H. Hinnant's algorithm: proleptic Gregorian, any year. */
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
days_in_month(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
	    31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

/* k decimal digits at s[*i]; -1 when there are fewer. */
static int
digits(const char *s, size_t n, size_t *i, int k, int *out)
{
	int v = 0;

	if (*i + (size_t)k > n)
		return -1;
	for (int j = 0; j < k; j++) {
		char c = s[*i + (size_t)j];

		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*i += (size_t)k;
	*out = v;
	return 0;
}

int
report_parse_time(const char *s, size_t n, int64_t *usec, bool *date_only)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, oh, om;
	int64_t frac = 0, off = 0, scale = 100000;
	size_t i = 0;

	if (s == NULL)
		return -1;
	if (digits(s, n, &i, 4, &y) == -1 || i >= n || s[i++] != '-' ||
	    digits(s, n, &i, 2, &mo) == -1 || i >= n || s[i++] != '-' ||
	    digits(s, n, &i, 2, &d) == -1)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return -1;
	if (date_only != NULL)
		*date_only = i == n;
	if (i < n) {
		if (s[i] != 'T' && s[i] != 't' && s[i] != ' ')
			return -1;
		i++;
		if (digits(s, n, &i, 2, &h) == -1 || i >= n ||
		    s[i++] != ':' || digits(s, n, &i, 2, &mi) == -1 ||
		    i >= n || s[i++] != ':' || digits(s, n, &i, 2, &sec) == -1)
			return -1;
		/* 60: a leap second, as RFC 3339 allows. */
		if (h > 23 || mi > 59 || sec > 60)
			return -1;
		if (i < n && s[i] == '.') {
			i++;
			if (i >= n || s[i] < '0' || s[i] > '9')
				return -1;
			for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
				frac += (s[i] - '0') * scale;
				scale /= 10;
			}
		}
		if (i >= n)
			return -1;	/* a time without a zone is ambiguous */
		if (s[i] == 'Z' || s[i] == 'z')
			i++;
		else if (s[i] == '+' || s[i] == '-') {
			int sign = s[i++] == '-' ? -1 : 1;

			if (digits(s, n, &i, 2, &oh) == -1 || i >= n ||
			    s[i++] != ':' || digits(s, n, &i, 2, &om) == -1 ||
			    oh > 23 || om > 59)
				return -1;
			off = sign * (oh * 3600 + om * 60);
		} else
			return -1;
		if (i != n)
			return -1;
	}
	*usec = (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 +
	    sec - off) * USEC + frac;
	return 0;
}

static void
civil(int64_t usec, struct tm *tm)
{
	int64_t sec = usec / USEC;
	time_t t;

	if (usec % USEC < 0)
		sec--;
	t = (time_t)sec;
	if (gmtime_r(&t, tm) == NULL) {
		memset(tm, 0, sizeof(*tm));
		tm->tm_year = 70;
		tm->tm_mday = 1;
	}
}

const char *
report_time_s(int64_t usec, char buf[REPORT_TS_LEN])
{
	struct tm tm;

	if (usec == REPORT_TIME_NONE) {
		snprintf(buf, REPORT_TS_LEN, "-");
		return buf;
	}
	civil(usec, &tm);
	if (strftime(buf, REPORT_TS_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, REPORT_TS_LEN, "?");
	return buf;
}

const char *
report_time_us(int64_t usec, char buf[REPORT_TS_LEN])
{
	return json_timestamp(usec, buf);
}

const char *
report_duration(int64_t usec, char buf[REPORT_DUR_LEN])
{
	int64_t m = (usec < 0 ? -usec : usec) / (60 * USEC);
	int64_t d = m / 1440, h = m / 60 % 24;

	m %= 60;
	if (d > 0 && h > 0)
		snprintf(buf, REPORT_DUR_LEN, "%lldd %lldh", (long long)d,
		    (long long)h);
	else if (d > 0)
		snprintf(buf, REPORT_DUR_LEN, "%lldd", (long long)d);
	else if (h > 0 && m > 0)
		snprintf(buf, REPORT_DUR_LEN, "%lldh %lldm", (long long)h,
		    (long long)m);
	else if (h > 0)
		snprintf(buf, REPORT_DUR_LEN, "%lldh", (long long)h);
	else
		snprintf(buf, REPORT_DUR_LEN, "%lldm", (long long)m);
	return buf;
}

/*
 * Room for one more element of size bytes in v (n used, *cap allocated):
 * v itself, a larger copy, or NULL when out of memory (v stays valid).
 */
static void *
grow(void *v, size_t n, size_t *cap, size_t size)
{
	size_t c;
	void *nv;

	if (n < *cap)
		return v;
	c = *cap ? *cap * 2 : 8;
	if ((nv = realloc(v, c * size)) == NULL)
		return NULL;
	*cap = c;
	return nv;
}

/* ---- string index: open addressing over an array's keys ---------------- */

typedef const char *(*keyof_fn)(const void *arr, size_t i);

static uint64_t
hash_str(const char *s)
{
	uint64_t h = UINT64_C(14695981039346656037);

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= UINT64_C(1099511628211);
	}
	return h;
}

/* The row of key, or SIZE_MAX; *at is where it would go. */
static size_t
index_find(const size_t *slot, size_t nslot, const char *key, keyof_fn kf,
    const void *arr, size_t *at)
{
	size_t i = (size_t)hash_str(key) & (nslot - 1);

	for (;; i = (i + 1) & (nslot - 1)) {
		if (slot[i] == 0) {
			*at = i;
			return SIZE_MAX;
		}
		if (strcmp(kf(arr, slot[i] - 1), key) == 0)
			return slot[i] - 1;
	}
}

/* Rebuilds the index for n rows (load at most one half). */
static int
index_build(size_t **slot, size_t *nslot, size_t n, keyof_fn kf,
    const void *arr)
{
	size_t want = 16, at = 0, *s;

	while (want < n * 2 + 2)
		want *= 2;
	if ((s = calloc(want, sizeof(*s))) == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (index_find(s, want, kf(arr, i), kf, arr, &at) == SIZE_MAX)
			s[at] = i + 1;
	}
	free(*slot);
	*slot = s;
	*nslot = want;
	return 0;
}

/* The row of key, or SIZE_MAX; n rows are in arr and indexed. */
static size_t
index_get(size_t *slot, size_t nslot, const char *key, keyof_fn kf,
    const void *arr)
{
	size_t at = 0;

	if (nslot == 0)
		return SIZE_MAX;
	return index_find(slot, nslot, key, kf, arr, &at);
}

/* Indexes row n - 1 (just appended); grows the index when needed. */
static int
index_add(size_t **slot, size_t *nslot, size_t n, keyof_fn kf,
    const void *arr)
{
	size_t at = 0;

	if (*nslot < n * 2 + 2)
		return index_build(slot, nslot, n, kf, arr);
	if (index_find(*slot, *nslot, kf(arr, n - 1), kf, arr, &at) ==
	    SIZE_MAX)
		(*slot)[at] = n;
	return 0;
}

/* ---- tables ------------------------------------------------------------ */

static const char *
group_key(const void *arr, size_t i)
{
	return ((const struct report_group *)arr)[i].key;
}

/* The row for key, created with count 0 when new; NULL when out of memory. */
static struct report_group *
table_get(struct report_table *t, const char *key)
{
	struct report_group *g;
	size_t i;

	i = index_get(t->slot, t->nslot, key, group_key, t->v);
	if (i != SIZE_MAX)
		return &t->v[i];
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 8;

		if ((g = realloc(t->v, cap * sizeof(*g))) == NULL)
			return NULL;
		t->v = g;
		t->cap = cap;
	}
	g = &t->v[t->n];
	memset(g, 0, sizeof(*g));
	if ((g->key = strdup(key)) == NULL)
		return NULL;
	g->first = g->last = REPORT_TIME_NONE;
	t->n++;
	if (index_add(&t->slot, &t->nslot, t->n, group_key, t->v) == -1) {
		free(g->key);
		t->n--;
		return NULL;
	}
	return g;
}

static struct report_group *
table_find(const struct report_table *t, const char *key)
{
	size_t i = index_get(t->slot, t->nslot, key, group_key, t->v);

	return i == SIZE_MAX ? NULL : &t->v[i];
}

static void
group_seen(struct report_group *g, int64_t ts)
{
	if (g->first == REPORT_TIME_NONE || ts < g->first)
		g->first = ts;
	if (g->last == REPORT_TIME_NONE || ts > g->last)
		g->last = ts;
}

/* Adds k occurrences at ts to key's row. */
static int
table_add(struct report_table *t, const char *key, uint64_t k,
    uint64_t blocked, int64_t ts)
{
	struct report_group *g = table_get(t, key);

	if (g == NULL)
		return -1;
	g->count += k;
	g->blocked += blocked;
	group_seen(g, ts);
	return 0;
}

static void
table_free(struct report_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].key);
		free(t->v[i].extra);
	}
	free(t->v);
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

static int
group_cmp_count(const void *a, const void *b)
{
	const struct report_group *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->key, y->key);
}

static int
group_cmp_key(const void *a, const void *b)
{
	const struct report_group *x = a, *y = b;

	return strcmp(x->key, y->key);
}

static int
table_sort(struct report_table *t, bool by_key)
{
	if (t->n > 1)
		qsort(t->v, t->n, sizeof(t->v[0]), by_key ? group_cmp_key :
		    group_cmp_count);
	return index_build(&t->slot, &t->nslot, t->n, group_key, t->v);
}

/* ---- a validating JSON reader (RFC 8259), decoding strings in place ---- */

enum jtype { JT_NULL, JT_FALSE, JT_TRUE, JT_NUM, JT_STR, JT_ARR, JT_OBJ };

/*
 * One token per value, and per member key. Strings span their content
 * (quotes excluded); numbers their text; arrays and objects their whole
 * text. next is the token after this one's subtree.
 */
struct jtok {
	uint32_t start, end, next;
	uint8_t type;
	bool esc;		/* a string with backslash escapes */
	bool decoded;		/* s[start..] now holds the NUL-terminated text */
};

struct jdoc {
	char *s;
	size_t n;
	struct jtok *t;
	size_t nt, cap;
	const char *why;
	bool nomem;
};

static bool
jspace(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static size_t
jskip(const struct jdoc *d, size_t i)
{
	while (i < d->n && jspace(d->s[i]))
		i++;
	return i;
}

static long
jnew(struct jdoc *d, enum jtype type, size_t start)
{
	if (d->nt == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		struct jtok *t = realloc(d->t, cap * sizeof(*t));

		if (t == NULL) {
			d->nomem = true;
			return -1;
		}
		d->t = t;
		d->cap = cap;
	}
	memset(&d->t[d->nt], 0, sizeof(d->t[0]));
	d->t[d->nt].type = (uint8_t)type;
	d->t[d->nt].start = (uint32_t)start;
	return (long)d->nt++;
}

static int
jhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Bytes a string scan must stop at: '"', '\\', controls, non-ASCII. */
static bool
jstop(unsigned char c)
{
	return c == '"' || c == '\\' || c < 0x20 || c >= 0x80;
}

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* Whether any of 8 bytes is one jstop() stops at (SWAR, no branches). */
static bool
jstop8(const unsigned char *s)
{
	uint64_t v, q, b;

	memcpy(&v, s, 8);
	q = v ^ (ONES * '"');
	b = v ^ (ONES * '\\');
	return (((q - ONES) & ~q) | ((b - ONES) & ~b) |
	    ((v - ONES * 0x20) & ~v) | v) & HIGHS;
}

/* A string at s[*i] == '"'. */
static int
jstring(struct jdoc *d, size_t *i)
{
	const unsigned char *s = (const unsigned char *)d->s;
	size_t p = *i + 1;
	long k = jnew(d, JT_STR, p);
	uint32_t cp;

	if (k < 0)
		return -1;
	for (;;) {
		/* The common case: a run of plain ASCII, 8 bytes at a time. */
		while (p + 8 <= d->n && !jstop8(s + p))
			p += 8;
		while (p < d->n && !jstop(s[p]))
			p++;
		if (p >= d->n) {
			d->why = "unterminated string";
			return -1;
		}
		if (s[p] == '"')
			break;
		if (s[p] < 0x20) {
			d->why = "control character in a string";
			return -1;
		}
		if (s[p] == '\\') {
			d->t[k].esc = true;
			if (p + 1 >= d->n) {
				p++;	/* unterminated: reported above */
				continue;
			}
			switch (s[p + 1]) {
			case '"': case '\\': case '/': case 'b': case 'f':
			case 'n': case 'r': case 't':
				p += 2;
				break;
			case 'u':
				if (p + 6 > d->n || jhex((char)s[p + 2]) < 0 ||
				    jhex((char)s[p + 3]) < 0 ||
				    jhex((char)s[p + 4]) < 0 ||
				    jhex((char)s[p + 5]) < 0) {
					d->why = "bad \\u "
					    "escape";
					return -1;
				}
				p += 6;
				break;
			default:
				d->why = "bad escape";
				return -1;
			}
			continue;
		}
		if (s[p] < 0x80) {
			p++;
			continue;
		}
		p += json_utf8_next(s + p, d->n - p, &cp);
		if (cp == JSON_UTF8_INVALID) {
			d->why = "not valid UTF-8";
			return -1;
		}
	}
	d->t[k].end = (uint32_t)p;
	d->t[k].next = (uint32_t)d->nt;
	*i = p + 1;
	return 0;
}

static int
jnumber(struct jdoc *d, size_t *i)
{
	const char *s = d->s;
	size_t p = *i, q;
	long k = jnew(d, JT_NUM, p);

	if (k < 0)
		return -1;
	if (p < d->n && s[p] != '-' && (s[p] < '0' || s[p] > '9')) {
		d->why = "unexpected character";
		return -1;
	}
	if (p < d->n && s[p] == '-')
		p++;
	if (p < d->n && s[p] == '0') {
		p++;
		if (p < d->n && s[p] >= '0' && s[p] <= '9')
			goto bad;	/* no leading zeros */
	}
	else if (p < d->n && s[p] >= '1' && s[p] <= '9')
		while (p < d->n && s[p] >= '0' && s[p] <= '9')
			p++;
	else
		goto bad;
	if (p < d->n && s[p] == '.') {
		q = ++p;
		while (p < d->n && s[p] >= '0' && s[p] <= '9')
			p++;
		if (p == q)
			goto bad;
	}
	if (p < d->n && (s[p] == 'e' || s[p] == 'E')) {
		p++;
		if (p < d->n && (s[p] == '+' || s[p] == '-'))
			p++;
		q = p;
		while (p < d->n && s[p] >= '0' && s[p] <= '9')
			p++;
		if (p == q)
			goto bad;
	}
	d->t[k].end = (uint32_t)p;
	d->t[k].next = (uint32_t)d->nt;
	*i = p;
	return 0;
bad:
	d->why = "bad number";
	return -1;
}

static int jvalue(struct jdoc *d, size_t *i, int depth);

/* An array or object at s[*i]. */
static int
jcompound(struct jdoc *d, size_t *i, int depth)
{
	bool obj = d->s[*i] == '{';
	char close = obj ? '}' : ']';
	long k = jnew(d, obj ? JT_OBJ : JT_ARR, *i);
	size_t p = *i + 1;

	if (k < 0)
		return -1;
	if (depth >= MAX_DEPTH) {
		d->why = "nested too deeply";
		return -1;
	}
	p = jskip(d, p);
	if (p < d->n && d->s[p] == close) {
		p++;
		goto done;
	}
	for (;;) {
		if (obj) {
			if (p >= d->n || d->s[p] != '"') {
				d->why = p >= d->n ? "truncated" : "a member "
				    "name must be a string";
				return -1;
			}
			if (jstring(d, &p) == -1)
				return -1;
			p = jskip(d, p);
			if (p >= d->n || d->s[p] != ':') {
				d->why = p >= d->n ? "truncated" :
				    "':' expected";
				return -1;
			}
			p = jskip(d, p + 1);
		}
		if (jvalue(d, &p, depth + 1) == -1)
			return -1;
		p = jskip(d, p);
		if (p < d->n && d->s[p] == ',') {
			p = jskip(d, p + 1);
			continue;
		}
		if (p < d->n && d->s[p] == close) {
			p++;
			break;
		}
		d->why = p >= d->n ? "truncated" : obj ? "',' or '}' expected" :
		    "',' or ']' expected";
		return -1;
	}
done:
	d->t[k].end = (uint32_t)p;
	d->t[k].next = (uint32_t)d->nt;
	*i = p;
	return 0;
}

static int
jliteral(struct jdoc *d, size_t *i, const char *lit, enum jtype type)
{
	size_t n = strlen(lit);
	long k;

	if (*i + n > d->n || memcmp(d->s + *i, lit, n) != 0) {
		d->why = "unexpected character";
		return -1;
	}
	if ((k = jnew(d, type, *i)) < 0)
		return -1;
	*i += n;
	d->t[k].end = (uint32_t)*i;
	d->t[k].next = (uint32_t)d->nt;
	return 0;
}

static int
jvalue(struct jdoc *d, size_t *i, int depth)
{
	if (*i >= d->n) {
		d->why = "truncated";
		return -1;
	}
	switch (d->s[*i]) {
	case '"':
		return jstring(d, i);
	case '{':
	case '[':
		return jcompound(d, i, depth);
	case 't':
		return jliteral(d, i, "true", JT_TRUE);
	case 'f':
		return jliteral(d, i, "false", JT_FALSE);
	case 'n':
		return jliteral(d, i, "null", JT_NULL);
	default:
		return jnumber(d, i);
	}
}

/* Tokenizes the whole line: exactly one object, blanks around it. */
static int
jparse(struct jdoc *d, char *s, size_t n)
{
	size_t i;

	d->s = s;
	d->n = n;
	d->nt = 0;
	d->why = NULL;
	d->nomem = false;
	if (n > UINT32_MAX - 1) {
		d->why = "line too long";
		return -1;
	}
	i = jskip(d, 0);
	if (i >= n || s[i] != '{') {
		d->why = "not an object";
		return -1;
	}
	if (jcompound(d, &i, 0) == -1)
		return -1;
	if (jskip(d, i) != n) {
		d->why = "text after it";
		return -1;
	}
	return 0;
}

static void
put_utf8(char **w, uint32_t cp)
{
	unsigned char *o = (unsigned char *)*w;

	if (cp < 0x80) {
		*o++ = (unsigned char)cp;
	} else if (cp < 0x800) {
		*o++ = (unsigned char)(0xc0 | cp >> 6);
		*o++ = (unsigned char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (unsigned char)(0xe0 | cp >> 12);
		*o++ = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		*o++ = (unsigned char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (unsigned char)(0xf0 | cp >> 18);
		*o++ = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
		*o++ = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		*o++ = (unsigned char)(0x80 | (cp & 0x3f));
	}
	*w = (char *)o;
}

static uint32_t
hex4(const char *s)
{
	return (uint32_t)jhex(s[0]) << 12 | (uint32_t)jhex(s[1]) << 8 |
	    (uint32_t)jhex(s[2]) << 4 | (uint32_t)jhex(s[3]);
}

/*
 * The string token k as a C string, decoded in place (never longer than
 * its escaped form). NUL and unpaired surrogates become U+FFFD, so the
 * text is valid UTF-8 and has no embedded NUL. NULL when k is not a string.
 */
static const char *
jstr(struct jdoc *d, long k)
{
	struct jtok *t;
	char *r, *w, *end;

	if (k < 0 || d->t[k].type != JT_STR)
		return NULL;
	t = &d->t[k];
	if (t->decoded)
		return d->s + t->start;
	r = w = d->s + t->start;
	end = d->s + t->end;
	if (t->esc) {
		while (r < end) {
			uint32_t cp, lo;

			if (*r != '\\') {
				*w++ = *r++;
				continue;
			}
			switch (r[1]) {
			case 'b': *w++ = '\b'; r += 2; break;
			case 'f': *w++ = '\f'; r += 2; break;
			case 'n': *w++ = '\n'; r += 2; break;
			case 'r': *w++ = '\r'; r += 2; break;
			case 't': *w++ = '\t'; r += 2; break;
			case 'u':
				cp = hex4(r + 2);
				r += 6;
				if (cp >= 0xd800 && cp <= 0xdbff && r + 6 <= end &&
				    r[0] == '\\' && r[1] == 'u' &&
				    (lo = hex4(r + 2)) >= 0xdc00 && lo <= 0xdfff) {
					cp = 0x10000 + ((cp - 0xd800) << 10) +
					    (lo - 0xdc00);
					r += 6;
				} else if (cp >= 0xd800 && cp <= 0xdfff)
					cp = 0xfffd;
				if (cp == 0)
					cp = 0xfffd;
				put_utf8(&w, cp);
				break;
			default:	/* '"', '\\', '/' */
				*w++ = r[1];
				r += 2;
				break;
			}
		}
	} else
		w = end;
	*w = '\0';
	t->decoded = true;
	return d->s + t->start;
}

/* The number token k as an integer (a fraction is cut); -1 when not one. */
static int
jint(const struct jdoc *d, long k, int64_t *out)
{
	const char *s;
	int64_t v = 0;
	bool neg;
	size_t i, e;

	if (k < 0 || d->t[k].type != JT_NUM)
		return -1;
	s = d->s;
	i = d->t[k].start;
	e = d->t[k].end;
	neg = s[i] == '-';
	if (neg)
		i++;
	for (; i < e && s[i] >= '0' && s[i] <= '9'; i++) {
		if (v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (i < e && s[i] != '.')
		return -1;	/* an exponent: not a count we expect */
	*out = neg ? -v : v;
	return 0;
}

/* The value of member name in object token obj, or -1. */
static long
jget(struct jdoc *d, long obj, const char *name)
{
	long k;
	size_t len = strlen(name);

	if (obj < 0 || d->t[obj].type != JT_OBJ)
		return -1;
	for (k = obj + 1; k < (long)d->t[obj].next; k = d->t[k + 1].next) {
		const struct jtok *t = &d->t[k];

		if (!t->esc && !t->decoded) {
			if (t->end - t->start == len &&
			    memcmp(d->s + t->start, name, len) == 0)
				return k + 1;
		} else if (strcmp(jstr(d, k), name) == 0)
			return k + 1;
	}
	return -1;
}

/* The time in string token k; REPORT_TIME_NONE when absent or invalid. */
static int64_t
jtime(struct jdoc *d, long k)
{
	int64_t t;

	if (k < 0 || d->t[k].type != JT_STR)
		return REPORT_TIME_NONE;
	if (!d->t[k].esc && !d->t[k].decoded)
		return report_parse_time(d->s + d->t[k].start,
		    d->t[k].end - d->t[k].start, &t, NULL) == 0 ? t :
		    REPORT_TIME_NONE;
	{
		const char *s = jstr(d, k);

		return report_parse_time(s, strlen(s), &t, NULL) == 0 ? t :
		    REPORT_TIME_NONE;
	}
}

static int64_t
jint_or(const struct jdoc *d, long k, int64_t dflt)
{
	int64_t v;

	return jint(d, k, &v) == 0 ? v : dflt;
}

/* ---- the fields the report reads --------------------------------------- */

enum field {
	F_TS, F_EVENT, F_VERDICT, F_ACTION, F_PROTO, F_SRC, F_SPORT, F_DST,
	F_DPORT, F_COUNTRY, F_HOST, F_SCOPE, F_CUSTOMERS, F_CONSENTS, F_COMM,
	F_GEODB, F_POLICY, F_SUPPRESSED, F_REVISES, F_REASON,
	/* incident */
	F_INCIDENT, F_DISCOVERED, F_NOTIFY_BY, F_CUSTOMER, F_DATA, F_SUBJECTS,
	F_DESTINATIONS, F_PROCESS, F_BYTES, F_PACKETS, F_FIRST_SEEN,
	F_LAST_SEEN, F_MEASURES, F_UID, F_PID, F_EXE, F_CGROUP,
	/* the other events */
	F_FILE, F_ERROR, F_KEPT, F_WHAT, F_SINK, F_MESSAGE, F_COUNT, F_PATH,
	F_AGE_DAYS, F_MAX_AGE_DAYS, F_IFACE, F_SOURCE, F_MODE,
	F_COUNT_
};

static const char *const field_names[F_COUNT_] = {
	"ts", "event", "verdict", "action", "proto", "src", "sport", "dst",
	"dport", "country", "host", "scope", "customers", "consents", "comm",
	"geodb", "policy", "suppressed", "revises", "reason",
	"incident", "discovered_at", "notify_customer_by", "customer", "data",
	"subjects", "destinations", "process", "bytes_sent", "packets_sent",
	"first_seen", "last_seen", "measures", "uid", "pid", "exe", "cgroup",
	"file", "error", "kept", "what", "sink", "message", "count", "path",
	"age_days", "max_age_days", "iface", "source", "mode",
};

#define FIELD_SLOTS 128		/* power of two, > 2 * F_COUNT_ */

enum ev_kind {
	EK_OTHER, EK_VIOLATION, EK_UNSCOPED, EK_CONSENT, EK_FLOW, EK_BLOCKED,
	EK_INCIDENT, EK_STARTED, EK_STOPPED, EK_FAULT
};

/* A decision event's fields: pointers into its line (or a held copy). */
struct dec {
	enum ev_kind kind;
	int64_t ts, revises;
	uint64_t k;		/* occurrences: 1 + suppressed */
	const char *verdict, *action, *proto, *src, *dst, *country, *host;
	const char *scope, *comm, *geodb, *policy;
	int64_t sport, dport;
	const char *cust[MAX_LIST];
	size_t ncust;
	const char *cons[MAX_LIST];
	size_t ncons;
};

/* A decision held back in case a later line revises it. */
struct held {
	struct dec d;
	char *buf;
	size_t cap;
	bool live;
	long prev, next;	/* hash chain (slot numbers, -1 ends) */
};

struct report_private {
	struct jdoc doc;
	uint8_t field_slot[FIELD_SLOTS];	/* field + 1; 0: empty */
	size_t field_len[F_COUNT_];
	/*
	 * The ring grows to REPORT_REVISE_WINDOW slots as decisions arrive:
	 * most inputs hold a handful, and a full window is 11 MB to clear.
	 */
	struct held *held;
	size_t nheld;		/* slots allocated */
	size_t head;		/* next slot to use (the oldest when full) */
	long *bucket;		/* 2 * nheld chain heads */
	/* lifecycle */
	int life;		/* 0: none seen, 1: started, 2: stopped */
	int64_t life_ts;	/* start or stop time */
	int64_t last_ts;	/* the latest ts since the last start */
	char *stop_reason;
	/* indexes */
	size_t *use_slot, use_nslot;
	size_t *inc_slot, inc_nslot;
	size_t use_cap, inc_cap, gap_cap;
	struct report_table gapkeys;	/* "kind\x1f detail" -> gaps row */
	const struct consent **reg_sorted;	/* register by id */
	size_t nreg;
};

static uint64_t
hash_mem(const char *s, size_t n)
{
	uint64_t h = UINT64_C(14695981039346656037);

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= UINT64_C(1099511628211);
	}
	return h;
}

static void
fields_init(struct report_private *p)
{
	for (int f = 0; f < F_COUNT_; f++) {
		size_t i;

		p->field_len[f] = strlen(field_names[f]);
		i = (size_t)hash_mem(field_names[f], p->field_len[f]) &
		    (FIELD_SLOTS - 1);

		while (p->field_slot[i] != 0)
			i = (i + 1) & (FIELD_SLOTS - 1);
		p->field_slot[i] = (uint8_t)(f + 1);
	}
}

static int
field_of(const struct report_private *p, const char *s, size_t n)
{
	size_t i = (size_t)hash_mem(s, n) & (FIELD_SLOTS - 1);

	for (; p->field_slot[i] != 0; i = (i + 1) & (FIELD_SLOTS - 1)) {
		int f = p->field_slot[i] - 1;

		if (p->field_len[f] == n && memcmp(field_names[f], s, n) == 0)
			return f;
	}
	return -1;
}

/* f[F_*]: the value token of each known top-level member, or -1. */
static void
fields_read(struct report_private *p, long f[F_COUNT_])
{
	struct jdoc *d = &p->doc;
	long k;
	int id;

	for (int i = 0; i < F_COUNT_; i++)
		f[i] = -1;
	for (k = 1; k < (long)d->t[0].next; k = d->t[k + 1].next) {
		const struct jtok *t = &d->t[k];

		if (t->esc) {
			const char *name = jstr(d, k);

			id = field_of(p, name, strlen(name));
		} else
			id = field_of(p, d->s + t->start, t->end - t->start);
		if (id >= 0 && f[id] < 0)	/* the first of duplicates */
			f[id] = k + 1;
	}
}

static enum ev_kind
kind_of(const char *ev)
{
	static const struct {
		const char *name;
		enum ev_kind kind;
	} kinds[] = {
		{ "violation", EK_VIOLATION }, { "unscoped", EK_UNSCOPED },
		{ "consent_transfer", EK_CONSENT }, { "flow", EK_FLOW },
		{ "blocked", EK_BLOCKED }, { "incident", EK_INCIDENT },
		{ "agent_started", EK_STARTED }, { "agent_stopped", EK_STOPPED },
		{ "config_error", EK_FAULT }, { "geodb_stale", EK_FAULT },
		{ "enforce_error", EK_FAULT }, { "sink_error", EK_FAULT },
		{ "capture_error", EK_FAULT },
	};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(ev, kinds[i].name) == 0)
			return kinds[i].kind;
	return EK_OTHER;
}

static bool
is_decision(enum ev_kind k)
{
	return k == EK_VIOLATION || k == EK_UNSCOPED || k == EK_CONSENT ||
	    k == EK_FLOW || k == EK_BLOCKED;
}

static size_t
str_list(struct jdoc *d, long arr, const char **out, size_t max)
{
	size_t n = 0;

	if (arr < 0 || d->t[arr].type != JT_ARR)
		return 0;
	for (long k = arr + 1; k < (long)d->t[arr].next; k = d->t[k].next) {
		const char *s = jstr(d, k);

		if (s != NULL && n < max)
			out[n++] = s;
	}
	return n;
}

static bool
has_customer(const char *const *v, size_t n, const char *c)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], c) == 0)
			return true;
	return false;
}

/*
 * A report for one customer (--customer) may go to that customer: other
 * customers of a shared scope stay out of it.
 */
static bool
visible(const struct report *r, const char *customer)
{
	return r->opt.customer == NULL || strcmp(customer, r->opt.customer) == 0;
}

/* ---- consent uses -------------------------------------------------------- */

static const char *
use_key(const void *arr, size_t i)
{
	return ((const struct report_consent_use *)arr)[i].id;
}

static int
consent_cmp_id(const void *a, const void *b)
{
	const struct consent *x = *(const struct consent *const *)a;
	const struct consent *y = *(const struct consent *const *)b;

	return strcmp(x->id, y->id);
}

static const struct consent *
reg_find(const struct report_private *p, const char *id)
{
	size_t lo = 0, hi = p->nreg;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(p->reg_sorted[mid]->id, id);

		if (c == 0)
			return p->reg_sorted[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

enum report_terms
report_consent_terms(const struct consent *c, const char *const *customers,
    size_t ncust, const char *cc, const char *dst, const char *host,
    int64_t dport, int64_t t_us)
{
	struct consent_register one;
	struct consent copy;
	struct ipaddr a;
	int64_t t = t_us / USEC, rv;

	if (t_us % USEC < 0)
		t--;
	if (!has_customer(customers, ncust, c->customer))
		return REPORT_TERMS_CUSTOMER;
	if (cc == NULL || !country_set_has(&c->country_set, cc))
		return REPORT_TERMS_COUNTRY;
	if (t < c->valid_from)
		return REPORT_TERMS_NOT_YET;
	if (t >= c->expires)
		return REPORT_TERMS_EXPIRED;
	/* Revoked later, it still covered what went before. */
	if (c->revoked && (c->revoked_at == NULL ||
	    consent_parse_time(c->revoked_at, &rv) == -1 || t >= rv))
		return REPORT_TERMS_REVOKED;
	/* Networks, hosts and ports: the register's own matcher. */
	copy = *c;
	copy.revoked = false;
	memset(&one, 0, sizeof(one));
	one.v = &copy;
	one.n = 1;
	if (consent_match(&one, c->customer, cc,
	    dst != NULL && ipaddr_parse(dst, &a) == 0 ? &a : NULL, host,
	    dport > 0 && dport < 65536 ? (uint16_t)dport : 0, t, NULL, 0) == 0)
		return REPORT_TERMS_DESTINATION;
	return REPORT_TERMS_COVERED;
}

/* Why the consent's terms do not cover this transfer, or NULL. */
static const char *
use_check(const struct consent *c, const struct dec *d, char *buf,
    size_t size)
{
	char ts[REPORT_TS_LEN];

	switch (report_consent_terms(c, d->cust, d->ncust, d->country, d->dst,
	    d->host, d->dport, d->ts)) {
	case REPORT_TERMS_COVERED:
		return NULL;
	case REPORT_TERMS_CUSTOMER:
		snprintf(buf, size, "the consent is %s's, not a customer of "
		    "the flow", c->customer);
		break;
	case REPORT_TERMS_COUNTRY:
		snprintf(buf, size, "%s is not among the consent's countries",
		    d->country ? d->country : "null");
		break;
	case REPORT_TERMS_NOT_YET:
		snprintf(buf, size, "transfer at %s, before the consent was "
		    "valid", report_time_s(d->ts, ts));
		break;
	case REPORT_TERMS_EXPIRED:
		snprintf(buf, size, "transfer at %s, after the consent "
		    "expired", report_time_s(d->ts, ts));
		break;
	case REPORT_TERMS_REVOKED:
		snprintf(buf, size, "transfer at %s, after the consent was "
		    "revoked", report_time_s(d->ts, ts));
		break;
	case REPORT_TERMS_DESTINATION:
		snprintf(buf, size, "%s%s%s port %lld is outside the "
		    "consent's networks, hosts or ports",
		    d->host ? d->host : "", d->host ? " " : "",
		    d->dst ? d->dst : "?", (long long)d->dport);
		break;
	}
	return buf;
}

static int
use_add(struct report *r, const struct dec *d, const char *id)
{
	struct report_private *p = r->priv;
	struct report_consent_use *u;
	const struct consent *c;
	char why[512];
	const char *w = NULL;
	size_t i;

	/* A report for one customer leaves out the others' consents. */
	if (r->opt.customer != NULL && (c = reg_find(p, id)) != NULL &&
	    strcmp(c->customer, r->opt.customer) != 0)
		return 0;

	i = index_get(p->use_slot, p->use_nslot, id, use_key, r->uses);
	if (i == SIZE_MAX) {
		if ((u = grow(r->uses, r->n_uses, &p->use_cap,
		    sizeof(*u))) == NULL)
			return -1;
		r->uses = u;
		u = &r->uses[r->n_uses];
		memset(u, 0, sizeof(*u));
		u->first = u->last = REPORT_TIME_NONE;
		if ((u->id = strdup(id)) == NULL)
			return -1;
		if (r->opt.reg != NULL)
			u->in_register = reg_find(p, id) != NULL;
		r->n_uses++;
		if (index_add(&p->use_slot, &p->use_nslot, r->n_uses, use_key,
		    r->uses) == -1)
			return -1;
		i = r->n_uses - 1;
	}
	u = &r->uses[i];
	u->transfers += d->k;
	if (u->first == REPORT_TIME_NONE || d->ts < u->first)
		u->first = d->ts;
	if (u->last == REPORT_TIME_NONE || d->ts > u->last)
		u->last = d->ts;
	for (size_t j = 0; j < d->ncust; j++)
		if (visible(r, d->cust[j]) && table_add(&u->customers,
		    d->cust[j], d->k, 0, d->ts) == -1)
			return -1;
	if (table_add(&u->countries, d->country ? d->country : "--", d->k, 0,
	    d->ts) == -1)
		return -1;
	if (table_add(&u->destinations, d->host ? d->host : d->dst ? d->dst :
	    "(unknown)", d->k, 0, d->ts) == -1)
		return -1;
	if (r->opt.reg == NULL)
		return 0;
	if ((c = reg_find(p, id)) == NULL)
		w = "the consent id is not in the register";
	else
		w = use_check(c, d, why, sizeof(why));
	if (w != NULL) {
		u->outside_terms += d->k;
		if (u->note == NULL && (u->note = strdup(w)) == NULL)
			return -1;
	}
	return 0;
}

/* ---- counting a decision ----------------------------------------------- */

static void
day_key(int64_t ts, char buf[16])
{
	/* Events come mostly in order: the last day's text is the next one's. */
	static _Thread_local int64_t last_day = INT64_MIN;
	static _Thread_local char last[16];
	int64_t day = ts / DAY_US - (ts % DAY_US < 0);
	struct tm tm;

	if (day != last_day) {
		civil(ts, &tm);
		if (strftime(last, sizeof(last), "%Y-%m-%d", &tm) == 0)
			snprintf(last, sizeof(last), "?");
		last_day = day;
	}
	memcpy(buf, last, sizeof(last));
}

static int
count_decision(struct report *r, const struct dec *d)
{
	uint64_t k = d->k, blocked;
	char day[16];

	if (table_add(&r->verdicts, d->verdict ? d->verdict : "(none)", k, 0,
	    d->ts) == -1 ||
	    table_add(&r->geodbs, d->geodb ? d->geodb : "(none)", 1, 0,
	    d->ts) == -1 ||
	    table_add(&r->policies, d->policy ? d->policy : "(none)", 1, 0,
	    d->ts) == -1)
		return -1;
	if (d->kind == EK_CONSENT) {
		r->consented += k;
		for (size_t i = 0; i < d->ncons; i++)
			if (use_add(r, d, d->cons[i]) == -1)
				return -1;
		return 0;
	}
	if (d->kind != EK_VIOLATION && d->kind != EK_UNSCOPED &&
	    d->kind != EK_BLOCKED)
		return 0;
	/* policy.unscoped = "ignore" (seen with -v): not an alert. */
	if (d->kind == EK_UNSCOPED && d->action != NULL &&
	    strcmp(d->action, "none") == 0)
		return 0;
	blocked = d->kind == EK_BLOCKED ||
	    (d->action != NULL && strcmp(d->action, "block") == 0) ? k : 0;
	r->violations += k;
	r->violations_blocked += blocked;
	if (r->vfirst == REPORT_TIME_NONE || d->ts < r->vfirst)
		r->vfirst = d->ts;
	if (r->vlast == REPORT_TIME_NONE || d->ts > r->vlast)
		r->vlast = d->ts;
	if (d->ncust == 0) {
		if (table_add(&r->by[REPORT_BY_CUSTOMER], "(no scope)", k,
		    blocked, d->ts) == -1)
			return -1;
	}
	for (size_t i = 0; i < d->ncust; i++)
		if (visible(r, d->cust[i]) && table_add(&r->by[REPORT_BY_CUSTOMER],
		    d->cust[i], k, blocked, d->ts) == -1)
			return -1;
	if (table_add(&r->by[REPORT_BY_COUNTRY], d->country ? d->country :
	    "--", k, blocked, d->ts) == -1)
		return -1;
	{
		struct report_group *g = table_get(&r->by[REPORT_BY_DESTINATION],
		    d->host ? d->host : d->dst ? d->dst : "(unknown)");

		if (g == NULL)
			return -1;
		g->count += k;
		g->blocked += blocked;
		group_seen(g, d->ts);
		if (g->extra == NULL && d->country != NULL &&
		    (g->extra = strdup(d->country)) == NULL)
			return -1;
	}
	if (table_add(&r->by[REPORT_BY_PROCESS], d->comm ? d->comm :
	    "(unknown)", k, blocked, d->ts) == -1)
		return -1;
	day_key(d->ts, day);
	return table_add(&r->by[REPORT_BY_DAY], day, k, blocked, d->ts);
}

/* ---- holding decisions for revision -------------------------------------- */

#define HELD_FIRST 64	/* slots to start with; a power of two */

static size_t
held_bucket(const struct report_private *p, int64_t ts, int64_t sport)
{
	uint64_t h = (uint64_t)ts * UINT64_C(0x9e3779b97f4a7c15) ^
	    (uint64_t)sport * UINT64_C(0xff51afd7ed558ccd);

	return (size_t)(h >> 20) & (p->nheld * 2 - 1);
}

static void
held_unlink(struct report_private *p, long s)
{
	struct held *h = &p->held[s];

	if (h->prev >= 0)
		p->held[h->prev].next = h->next;
	else
		p->bucket[held_bucket(p, h->d.ts, h->d.sport)] = h->next;
	if (h->next >= 0)
		p->held[h->next].prev = h->prev;
	h->live = false;
}

static bool
same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/*
 * Doubles the ring while it is not yet full, so slots 0..nheld-1 are in
 * arrival order. The chains are rebuilt oldest first: each keeps the newest
 * decision first, as pushing one at a time would have left it.
 */
static int
held_grow(struct report_private *p)
{
	size_t n = p->nheld == 0 ? HELD_FIRST : p->nheld * 2;
	struct held *nh;
	long *nb;

	if (n > REPORT_REVISE_WINDOW)
		n = REPORT_REVISE_WINDOW;
	if ((nh = reallocarray(p->held, n, sizeof(*nh))) == NULL)
		return -1;
	memset(nh + p->nheld, 0, (n - p->nheld) * sizeof(*nh));
	p->held = nh;
	if ((nb = reallocarray(p->bucket, n * 2, sizeof(*nb))) == NULL)
		return -1;
	p->bucket = nb;
	p->nheld = n;
	for (size_t i = 0; i < n * 2; i++)
		p->bucket[i] = -1;
	for (size_t i = 0; i < n; i++) {
		struct held *h = &p->held[i];
		size_t b;

		if (!h->live)
			continue;
		b = held_bucket(p, h->d.ts, h->d.sport);
		h->prev = -1;
		h->next = p->bucket[b];
		if (h->next >= 0)
			p->held[h->next].prev = (long)i;
		p->bucket[b] = (long)i;
	}
	return 0;
}

/* Drops the held decision that d revises; false when none is held. */
static bool
held_revise(struct report_private *p, const struct dec *d)
{
	long s;

	if (p->nheld == 0)
		return false;
	s = p->bucket[held_bucket(p, d->revises, d->sport)];
	for (; s >= 0; s = p->held[s].next) {
		const struct dec *o = &p->held[s].d;

		if (o->ts == d->revises && o->sport == d->sport &&
		    o->dport == d->dport && same(o->proto, d->proto) &&
		    same(o->src, d->src) && same(o->dst, d->dst)) {
			held_unlink(p, s);
			return true;
		}
	}
	return false;
}

static const char *
rebase(const char *ptr, const char *from, const char *to)
{
	return ptr == NULL ? NULL : to + (ptr - from);
}

/*
 * Holds d (pointing into line, len bytes) and counts the oldest held one
 * when the ring is full.
 */
static int
held_push(struct report *r, const struct dec *d, const char *line,
    size_t len)
{
	struct report_private *p = r->priv;
	struct held *h;
	long s = (long)p->head;
	size_t b;

	if (p->head == p->nheld && held_grow(p) == -1)
		return -1;
	h = &p->held[p->head];
	if (h->live) {
		held_unlink(p, s);
		if (count_decision(r, &h->d) == -1)
			return -1;
	}
	if (h->cap < len + 1) {
		char *nb = realloc(h->buf, len + 1);

		if (nb == NULL)
			return -1;
		h->buf = nb;
		h->cap = len + 1;
	}
	memcpy(h->buf, line, len);
	h->buf[len] = '\0';
	h->d = *d;
#define RB(f) h->d.f = rebase(d->f, line, h->buf)
	RB(verdict); RB(action); RB(proto); RB(src); RB(dst); RB(country);
	RB(host); RB(scope); RB(comm); RB(geodb); RB(policy);
#undef RB
	for (size_t i = 0; i < d->ncust; i++)
		h->d.cust[i] = rebase(d->cust[i], line, h->buf);
	for (size_t i = 0; i < d->ncons; i++)
		h->d.cons[i] = rebase(d->cons[i], line, h->buf);
	h->live = true;
	b = held_bucket(p, d->ts, d->sport);
	h->prev = -1;
	h->next = p->bucket[b];
	if (h->next >= 0)
		p->held[h->next].prev = s;
	p->bucket[b] = s;
	p->head = (p->head + 1) % REPORT_REVISE_WINDOW;
	return 0;
}

static int
held_flush(struct report *r)
{
	struct report_private *p = r->priv;

	/* Oldest first, so nothing depends on the ring's position. */
	for (size_t i = 0; i < p->nheld; i++) {
		long s = (long)((p->head + i) % p->nheld);

		if (!p->held[s].live)
			continue;
		held_unlink(p, s);
		if (count_decision(r, &p->held[s].d) == -1)
			return -1;
	}
	return 0;
}

/* ---- gaps ------------------------------------------------------------------ */

static bool
in_window(const struct report *r, int64_t from, int64_t to)
{
	if (r->opt.until != REPORT_TIME_NONE && from >= r->opt.until)
		return false;
	if (r->opt.since != REPORT_TIME_NONE && to != REPORT_TIME_NONE &&
	    to <= r->opt.since)
		return false;
	return true;
}

static struct report_gap *
gap_new(struct report *r, const char *kind, const char *detail)
{
	struct report_gap *g;

	if ((g = grow(r->gaps, r->n_gaps, &r->priv->gap_cap,
	    sizeof(*g))) == NULL)
		return NULL;
	r->gaps = g;
	g = &r->gaps[r->n_gaps];
	memset(g, 0, sizeof(*g));
	g->from = g->to = REPORT_TIME_NONE;
	g->max_age_days = -1;
	if ((g->kind = strdup(kind)) == NULL ||
	    (g->detail = strdup(detail ? detail : "")) == NULL) {
		free(g->kind);
		return NULL;
	}
	r->n_gaps++;
	return g;
}

static int
gap_interval(struct report *r, const char *kind, const char *detail,
    int64_t from, int64_t to)
{
	struct report_gap *g;

	if (to != REPORT_TIME_NONE && to <= from)
		return 0;
	if (!in_window(r, from, to))
		return 0;
	if ((g = gap_new(r, kind, detail)) == NULL)
		return -1;
	g->from = from;
	g->to = to;
	g->count = 1;
	return 0;
}

static int
on_started(struct report *r, int64_t ts, const char *reason)
{
	struct report_private *p = r->priv;
	char detail[512], when[REPORT_TS_LEN];
	int rc = 0;

	if (p->life == 2) {
		(void)reason;
		snprintf(detail, sizeof(detail), "agent stopped (%s) until it "
		    "started again", p->stop_reason ? p->stop_reason :
		    "no reason given");
		rc = gap_interval(r, "stopped", detail, p->life_ts, ts);
	} else if (p->life == 1) {
		snprintf(detail, sizeof(detail), "no agent_stopped since the "
		    "start at %s: the agent ended without stopping (a crash, "
		    "kill -9, power loss?); from its last event to the restart",
		    report_time_s(p->life_ts, when));
		rc = gap_interval(r, "unclean", detail, p->last_ts, ts);
	}
	p->life = 1;
	p->life_ts = ts;
	p->last_ts = ts;
	return rc;
}

static int
on_stopped(struct report *r, int64_t ts, const char *reason)
{
	struct report_private *p = r->priv;

	free(p->stop_reason);
	p->stop_reason = NULL;
	if (reason != NULL && (p->stop_reason = strdup(reason)) == NULL)
		return -1;
	p->life = 2;
	p->life_ts = ts;
	return 0;
}

static int
on_fault(struct report *r, struct jdoc *d, const long f[F_COUNT_],
    const char *ev, int64_t ts)
{
	struct report_private *p = r->priv;
	struct report_group *k;
	struct report_gap *g;
	char detail[1024], key[1100];
	const char *a, *b;
	int64_t v;

	if (strcmp(ev, "config_error") == 0) {
		a = jstr(d, f[F_FILE]);
		b = jstr(d, f[F_ERROR]);
		/* The error usually names the file itself. */
		if (a != NULL && b != NULL && strncmp(b, a, strlen(a)) == 0)
			a = NULL;
		snprintf(detail, sizeof(detail), "%s%s%s%s%s", a ? a : "",
		    a ? ": " : "", b ? b : "?", jstr(d, f[F_KEPT]) ? "; " : "",
		    jstr(d, f[F_KEPT]) ? jstr(d, f[F_KEPT]) : "");
	} else if (strcmp(ev, "geodb_stale") == 0) {
		snprintf(detail, sizeof(detail), "%s (%s) is older than "
		    "max_age_days = %lld", jstr(d, f[F_PATH]) ?
		    jstr(d, f[F_PATH]) : "the database", jstr(d, f[F_GEODB]) ?
		    jstr(d, f[F_GEODB]) : "?",
		    (long long)jint_or(d, f[F_MAX_AGE_DAYS], -1));
	} else if (strcmp(ev, "enforce_error") == 0) {
		snprintf(detail, sizeof(detail), "%s: %s", jstr(d, f[F_WHAT]) ?
		    jstr(d, f[F_WHAT]) : "?", jstr(d, f[F_ERROR]) ?
		    jstr(d, f[F_ERROR]) : "?");
	} else if (strcmp(ev, "sink_error") == 0) {
		snprintf(detail, sizeof(detail), "%s: %s", jstr(d, f[F_SINK]) ?
		    jstr(d, f[F_SINK]) : "?", jstr(d, f[F_MESSAGE]) ?
		    jstr(d, f[F_MESSAGE]) : jstr(d, f[F_ERROR]) ?
		    jstr(d, f[F_ERROR]) : "?");
	} else {
		a = jstr(d, f[F_IFACE]);
		if (a == NULL)
			a = jstr(d, f[F_SOURCE]);
		snprintf(detail, sizeof(detail), "%s: %s", a ? a : "?",
		    jstr(d, f[F_ERROR]) ? jstr(d, f[F_ERROR]) : "?");
	}
	snprintf(key, sizeof(key), "%s\x1f%s", ev, detail);
	if ((k = table_get(&p->gapkeys, key)) == NULL)
		return -1;
	if (k->count == 0) {
		if (gap_new(r, ev, detail) == NULL)
			return -1;
		k->count = r->n_gaps;	/* row + 1 */
	}
	g = &r->gaps[k->count - 1];
	g->count++;
	if (g->from == REPORT_TIME_NONE || ts < g->from)
		g->from = ts;
	if (g->to == REPORT_TIME_NONE || ts > g->to)
		g->to = ts;
	if (jint(d, f[F_AGE_DAYS], &v) == 0 && v > g->max_age_days)
		g->max_age_days = v;
	return 0;
}

/* ---- incidents ----------------------------------------------------------- */

static const char *
inc_key(const void *arr, size_t i)
{
	return ((const struct report_incident *)arr)[i].id;
}

static char *
dupnull(const char *s, bool *oom)
{
	char *c;

	if (s == NULL)
		return NULL;
	if ((c = strdup(s)) == NULL)
		*oom = true;
	return c;
}

static void
incident_clear(struct report_incident *x)
{
	free(x->id);
	free(x->customer);
	for (size_t i = 0; i < x->n_customers; i++)
		free(x->customers[i]);
	free(x->customers);
	free(x->scope);
	free(x->data);
	for (size_t i = 0; i < x->n_dests; i++) {
		free(x->dests[i].dst);
		free(x->dests[i].country);
		free(x->dests[i].host);
	}
	free(x->dests);
	free(x->proto);
	free(x->comm);
	free(x->exe);
	free(x->cgroup);
	free(x->action);
	free(x->verdict);
	free(x->reason);
	free(x->geodb);
	free(x->policy);
	free(x->source);
	memset(x, 0, sizeof(*x));
}

static bool
dest_same(const struct report_dest *a, const struct report_dest *b)
{
	return same(a->dst, b->dst) && a->dport == b->dport &&
	    same(a->host, b->host);
}

static int
dest_add(struct report_incident *x, const char *dst, int64_t dport,
    const char *country, const char *host)
{
	struct report_dest nd, *v;
	bool oom = false;

	nd.dst = (char *)dst;
	nd.dport = dport;
	nd.host = (char *)host;
	for (size_t i = 0; i < x->n_dests; i++)
		if (dest_same(&x->dests[i], &nd))
			return 0;
	if ((v = realloc(x->dests, (x->n_dests + 1) * sizeof(*v))) == NULL)
		return -1;
	x->dests = v;
	v = &x->dests[x->n_dests];
	v->dst = dupnull(dst, &oom);
	v->dport = dport;
	v->country = dupnull(country, &oom);
	v->host = dupnull(host, &oom);
	x->n_dests++;
	return oom ? -1 : 0;
}

static int64_t
min_time(int64_t a, int64_t b)
{
	if (a == REPORT_TIME_NONE)
		return b;
	if (b == REPORT_TIME_NONE)
		return a;
	return a < b ? a : b;
}

static int64_t
max_time(int64_t a, int64_t b)
{
	if (a == REPORT_TIME_NONE)
		return b;
	if (b == REPORT_TIME_NONE)
		return a;
	return a > b ? a : b;
}

static void
fill(char **to, char **from)
{
	if (*to == NULL) {
		*to = *from;
		*from = NULL;
	}
}

/* Folds a later line n with the same id into x; n is cleared. */
static int
incident_merge(struct report_incident *x, struct report_incident *n)
{
	x->lines++;
	x->ts = min_time(x->ts, n->ts);
	x->discovered_at = min_time(x->discovered_at, n->discovered_at);
	x->notify_by = min_time(x->notify_by, n->notify_by);
	x->first_seen = min_time(x->first_seen, n->first_seen);
	x->last_seen = max_time(x->last_seen, n->last_seen);
	x->blocked_at = min_time(x->blocked_at, n->blocked_at);
	if (n->bytes_sent > x->bytes_sent)
		x->bytes_sent = n->bytes_sent;
	if (n->packets_sent > x->packets_sent)
		x->packets_sent = n->packets_sent;
	if (x->subjects < 0)
		x->subjects = n->subjects;
	if (x->uid < 0)
		x->uid = n->uid;
	if (x->pid < 0)
		x->pid = n->pid;
	if (n->action != NULL && strcmp(n->action, "block") == 0 &&
	    (x->action == NULL || strcmp(x->action, "block") != 0)) {
		free(x->action);
		x->action = n->action;
		n->action = NULL;
	}
	fill(&x->customer, &n->customer);
	fill(&x->scope, &n->scope);
	fill(&x->data, &n->data);
	fill(&x->proto, &n->proto);
	fill(&x->comm, &n->comm);
	fill(&x->exe, &n->exe);
	fill(&x->cgroup, &n->cgroup);
	fill(&x->action, &n->action);
	fill(&x->verdict, &n->verdict);
	fill(&x->reason, &n->reason);
	fill(&x->geodb, &n->geodb);
	fill(&x->policy, &n->policy);
	if (x->n_customers == 0) {
		/* Allocated even when --customer left none of them. */
		free(x->customers);
		x->customers = n->customers;
		x->n_customers = n->n_customers;
		n->customers = NULL;
		n->n_customers = 0;
	}
	for (size_t i = 0; i < n->n_dests; i++)
		if (dest_add(x, n->dests[i].dst, n->dests[i].dport,
		    n->dests[i].country, n->dests[i].host) == -1) {
			incident_clear(n);
			return -1;
		}
	incident_clear(n);
	return 0;
}

static bool
incident_customer(const struct report_incident *x, const char *c)
{
	if (x->customer != NULL)
		return strcmp(x->customer, c) == 0;
	return has_customer((const char *const *)x->customers,
	    x->n_customers, c);
}

/* Reads an incident line; REPORT_LINE_BAD when it has no id. */
static enum report_line
on_incident(struct report *r, struct jdoc *d, const long f[F_COUNT_],
    int64_t ts, const char *file, uint64_t lineno, const char **why,
    const char **detail)
{
	struct report_private *p = r->priv;
	struct report_incident x;
	const char *list[MAX_LIST];
	bool oom = false;
	long k, dests, proc, meas;
	size_t i, n;

	memset(&x, 0, sizeof(x));
	if (jstr(d, f[F_INCIDENT]) == NULL || jstr(d, f[F_INCIDENT])[0] ==
	    '\0') {
		*why = "not a valid incident";
		*detail = "no \"incident\" id";
		return REPORT_LINE_BAD;
	}
	x.lines = 1;
	x.ts = ts;
	x.id = dupnull(jstr(d, f[F_INCIDENT]), &oom);
	x.discovered_at = jtime(d, f[F_DISCOVERED]);
	if (x.discovered_at == REPORT_TIME_NONE)
		x.discovered_at = ts;
	x.notify_by = jtime(d, f[F_NOTIFY_BY]);
	if (x.notify_by == REPORT_TIME_NONE)
		x.notify_by = x.discovered_at + REPORT_NOTIFY_HOURS * 3600 *
		    USEC;
	x.customer = dupnull(jstr(d, f[F_CUSTOMER]), &oom);
	n = str_list(d, f[F_CUSTOMERS], list, MAX_LIST);
	if (n > 0 && (x.customers = calloc(n, sizeof(char *))) == NULL)
		oom = true;
	for (i = 0; i < n && !oom; i++)
		if (visible(r, list[i]))
			x.customers[x.n_customers++] = dupnull(list[i], &oom);
	if (x.customer == NULL && x.n_customers == 1)
		x.customer = dupnull(x.customers[0], &oom);
	x.scope = dupnull(jstr(d, f[F_SCOPE]), &oom);
	x.data = dupnull(jstr(d, f[F_DATA]), &oom);
	x.subjects = jint_or(d, f[F_SUBJECTS], -1);
	if (x.subjects < 0)
		x.subjects = -1;
	dests = f[F_DESTINATIONS];
	if (dests >= 0 && d->t[dests].type == JT_ARR) {
		for (k = dests + 1; k < (long)d->t[dests].next && !oom;
		    k = d->t[k].next)
			if (d->t[k].type == JT_OBJ && dest_add(&x,
			    jstr(d, jget(d, k, "dst")),
			    jint_or(d, jget(d, k, "dport"), -1),
			    jstr(d, jget(d, k, "country")),
			    jstr(d, jget(d, k, "host"))) == -1)
				oom = true;
	} else if (f[F_DST] >= 0 && dest_add(&x, jstr(d, f[F_DST]),
	    jint_or(d, f[F_DPORT], -1), jstr(d, f[F_COUNTRY]),
	    jstr(d, f[F_HOST])) == -1)
		oom = true;	/* a flat form, for robustness */
	x.proto = dupnull(jstr(d, f[F_PROTO]), &oom);
	proc = f[F_PROCESS];
	if (proc >= 0 && d->t[proc].type == JT_OBJ) {
		x.uid = jint_or(d, jget(d, proc, "uid"), -1);
		x.pid = jint_or(d, jget(d, proc, "pid"), -1);
		x.comm = dupnull(jstr(d, jget(d, proc, "comm")), &oom);
		x.exe = dupnull(jstr(d, jget(d, proc, "exe")), &oom);
		x.cgroup = dupnull(jstr(d, jget(d, proc, "cgroup")), &oom);
	} else {
		x.uid = jint_or(d, f[F_UID], -1);
		x.pid = jint_or(d, f[F_PID], -1);
		x.comm = dupnull(jstr(d, f[F_COMM]), &oom);
		x.exe = dupnull(jstr(d, f[F_EXE]), &oom);
		x.cgroup = dupnull(jstr(d, f[F_CGROUP]), &oom);
	}
	x.bytes_sent = jint_or(d, f[F_BYTES], -1);
	x.packets_sent = jint_or(d, f[F_PACKETS], -1);
	x.first_seen = jtime(d, f[F_FIRST_SEEN]);
	x.last_seen = jtime(d, f[F_LAST_SEEN]);
	x.blocked_at = REPORT_TIME_NONE;
	meas = f[F_MEASURES];
	if (meas >= 0 && d->t[meas].type == JT_OBJ) {
		x.action = dupnull(jstr(d, jget(d, meas, "action")), &oom);
		x.blocked_at = jtime(d, jget(d, meas, "blocked_at"));
	} else
		x.action = dupnull(jstr(d, f[F_ACTION]), &oom);
	x.verdict = dupnull(jstr(d, f[F_VERDICT]), &oom);
	x.reason = dupnull(jstr(d, f[F_REASON]), &oom);
	x.geodb = dupnull(jstr(d, f[F_GEODB]), &oom);
	x.policy = dupnull(jstr(d, f[F_POLICY]), &oom);
	{
		char where[4096];

		snprintf(where, sizeof(where), "%s:%llu", file ? file : "-",
		    (unsigned long long)lineno);
		x.source = dupnull(where, &oom);
	}
	if (oom) {
		incident_clear(&x);
		return REPORT_LINE_NOMEM;
	}
	if ((r->opt.customer != NULL && !incident_customer(&x,
	    r->opt.customer)) || !in_window(r, x.discovered_at,
	    x.discovered_at + 1)) {
		incident_clear(&x);
		return REPORT_LINE_FILTERED;
	}
	i = index_get(p->inc_slot, p->inc_nslot, x.id, inc_key, r->inc);
	if (i != SIZE_MAX)
		return incident_merge(&r->inc[i], &x) == -1 ?
		    REPORT_LINE_NOMEM : REPORT_LINE_USED;
	{
		struct report_incident *v = grow(r->inc, r->n_inc, &p->inc_cap,
		    sizeof(*v));

		if (v == NULL) {
			incident_clear(&x);
			return REPORT_LINE_NOMEM;
		}
		r->inc = v;
	}
	r->inc[r->n_inc++] = x;
	if (index_add(&p->inc_slot, &p->inc_nslot, r->n_inc, inc_key,
	    r->inc) == -1)
		return REPORT_LINE_NOMEM;
	return REPORT_LINE_USED;
}

/* ---- lines ------------------------------------------------------------------ */

struct report *
report_new(const struct report_options *o)
{
	struct report *r = calloc(1, sizeof(*r));
	struct report_private *p;

	if (r == NULL)
		return NULL;
	r->opt = *o;
	r->vfirst = r->vlast = REPORT_TIME_NONE;
	if ((p = r->priv = calloc(1, sizeof(*p))) == NULL)
		goto fail;
	fields_init(p);
	if (o->reg != NULL && o->reg->n > 0) {
		p->nreg = o->reg->n;
		if ((p->reg_sorted = malloc(p->nreg *
		    sizeof(*p->reg_sorted))) == NULL)
			goto fail;
		for (size_t i = 0; i < p->nreg; i++)
			p->reg_sorted[i] = &o->reg->v[i];
		qsort(p->reg_sorted, p->nreg, sizeof(*p->reg_sorted),
		    consent_cmp_id);
	}
	return r;
fail:
	report_free(r);
	return NULL;
}

void
report_free(struct report *r)
{
	struct report_private *p;

	if (r == NULL)
		return;
	table_free(&r->verdicts);
	table_free(&r->events);
	table_free(&r->geodbs);
	table_free(&r->policies);
	for (int i = 0; i < REPORT_BY_COUNT; i++)
		table_free(&r->by[i]);
	for (size_t i = 0; i < r->n_uses; i++) {
		free(r->uses[i].id);
		free(r->uses[i].note);
		table_free(&r->uses[i].customers);
		table_free(&r->uses[i].countries);
		table_free(&r->uses[i].destinations);
	}
	free(r->uses);
	for (size_t i = 0; i < r->n_inc; i++)
		incident_clear(&r->inc[i]);
	free(r->inc);
	for (size_t i = 0; i < r->n_gaps; i++) {
		free(r->gaps[i].kind);
		free(r->gaps[i].detail);
	}
	free(r->gaps);
	if ((p = r->priv) != NULL) {
		free(p->doc.t);
		if (p->held != NULL)
			for (size_t i = 0; i < p->nheld; i++)
				free(p->held[i].buf);
		free(p->held);
		free(p->bucket);
		free(p->stop_reason);
		free(p->use_slot);
		free(p->inc_slot);
		table_free(&p->gapkeys);
		free(p->reg_sorted);
		free(p);
	}
	free(r);
}

static enum report_line
bad(struct report *r, const char **why, const char *what,
    const char **detail, const char *more)
{
	r->malformed++;
	*why = what;
	*detail = more;
	return REPORT_LINE_BAD;
}

static enum report_line
on_decision(struct report *r, struct jdoc *d, const long f[F_COUNT_],
    enum ev_kind kind, int64_t ts, const char *line, size_t len)
{
	struct report_private *p = r->priv;
	struct dec x;
	int64_t sup;

	memset(&x, 0, sizeof(x));
	x.kind = kind;
	x.ts = ts;
	x.ncust = str_list(d, f[F_CUSTOMERS], x.cust, MAX_LIST);
	if (r->opt.customer != NULL && !has_customer(x.cust, x.ncust,
	    r->opt.customer))
		return REPORT_LINE_FILTERED;
	x.ncons = str_list(d, f[F_CONSENTS], x.cons, MAX_LIST);
	x.verdict = jstr(d, f[F_VERDICT]);
	x.action = jstr(d, f[F_ACTION]);
	x.proto = jstr(d, f[F_PROTO]);
	x.src = jstr(d, f[F_SRC]);
	x.dst = jstr(d, f[F_DST]);
	x.country = jstr(d, f[F_COUNTRY]);
	x.host = jstr(d, f[F_HOST]);
	x.scope = jstr(d, f[F_SCOPE]);
	x.comm = jstr(d, f[F_COMM]);
	x.geodb = jstr(d, f[F_GEODB]);
	x.policy = jstr(d, f[F_POLICY]);
	x.sport = jint_or(d, f[F_SPORT], -1);
	x.dport = jint_or(d, f[F_DPORT], -1);
	sup = jint_or(d, f[F_SUPPRESSED], 0);
	x.k = 1 + (uint64_t)(sup > 0 ? sup : 0);
	x.revises = jtime(d, f[F_REVISES]);
	if (x.revises != REPORT_TIME_NONE) {
		if (held_revise(p, &x))
			r->revised++;
		else
			r->revise_orphans++;
	}
	return held_push(r, &x, line, len) == -1 ? REPORT_LINE_NOMEM :
	    REPORT_LINE_USED;
}

enum report_line
report_add_line(struct report *r, char *line, size_t len, const char *file,
    uint64_t lineno, const char **why, const char **detail)
{
	struct report_private *p = r->priv;
	struct jdoc *d = &p->doc;
	long f[F_COUNT_];
	const char *ev;
	enum ev_kind kind;
	enum report_line rc;
	int64_t ts;
	size_t i;

	*why = *detail = NULL;
	r->lines++;
	for (i = 0; i < len && jspace(line[i]); i++)
		;
	if (i == len) {
		r->blank++;
		return REPORT_LINE_BLANK;
	}
	if (jparse(d, line, len) == -1) {
		if (d->nomem)
			return REPORT_LINE_NOMEM;
		return bad(r, why, "not a JSON object", detail, d->why);
	}
	fields_read(p, f);
	if ((ev = jstr(d, f[F_EVENT])) == NULL)
		return bad(r, why, "not an eeaguard event", detail,
		    "no \"event\" name");
	ts = jtime(d, f[F_TS]);
	if (ts == REPORT_TIME_NONE)
		return bad(r, why, "not an eeaguard event", detail,
		    "no valid \"ts\"");
	kind = kind_of(ev);
	/*
	 * Lifecycle pairs regardless of the filters: a gap may span them. A
	 * replay (source "file") is no watch over the host: no gap.
	 */
	if ((kind == EK_STARTED || kind == EK_STOPPED) &&
	    jstr(d, f[F_SOURCE]) != NULL &&
	    strcmp(jstr(d, f[F_SOURCE]), "file") == 0)
		;
	else if (kind == EK_STARTED) {
		if (on_started(r, ts, jstr(d, f[F_REASON])) == -1)
			return REPORT_LINE_NOMEM;
	} else if (kind == EK_STOPPED) {
		if (on_stopped(r, ts, jstr(d, f[F_REASON])) == -1)
			return REPORT_LINE_NOMEM;
	}
	if (ts > p->last_ts)
		p->last_ts = ts;
	/* An incident is placed in time by its discovery, not its line. */
	if (kind != EK_INCIDENT && !in_window(r, ts, ts + 1)) {
		r->filtered++;
		return REPORT_LINE_FILTERED;
	}
	if (is_decision(kind))
		rc = on_decision(r, d, f, kind, ts, line, len);
	else if (kind == EK_INCIDENT)
		rc = on_incident(r, d, f, ts, file, lineno, why, detail);
	else if (kind == EK_FAULT)
		rc = on_fault(r, d, f, ev, ts) == -1 ? REPORT_LINE_NOMEM :
		    REPORT_LINE_USED;
	else
		rc = REPORT_LINE_USED;
	if (rc == REPORT_LINE_BAD) {
		r->malformed++;
		return rc;
	}
	if (rc == REPORT_LINE_FILTERED)
		r->filtered++;
	if (rc != REPORT_LINE_USED)
		return rc;
	if (table_add(&r->events, ev, 1, 0, ts) == -1)
		return REPORT_LINE_NOMEM;
	r->used++;
	return REPORT_LINE_USED;
}

/* ---- the end ------------------------------------------------------------------ */

static int
inc_cmp(const void *a, const void *b)
{
	const struct report_incident *x = a, *y = b;

	if (x->notify_by != y->notify_by)
		return x->notify_by < y->notify_by ? -1 : 1;
	return strcmp(x->id, y->id);
}

static int
use_cmp(const void *a, const void *b)
{
	const struct report_consent_use *x = a, *y = b;

	return strcmp(x->id, y->id);
}

static int
gap_cmp(const void *a, const void *b)
{
	const struct report_gap *x = a, *y = b;
	int c;

	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	if ((c = strcmp(x->kind, y->kind)) != 0)
		return c;
	return strcmp(x->detail, y->detail);
}

/* Counts incident x once in the row of table t named by key, if any. */
static void
mark(struct report_table *t, const char *key, struct report_group **done,
    size_t *ndone)
{
	struct report_group *g;

	if (key == NULL || (g = table_find(t, key)) == NULL)
		return;
	for (size_t i = 0; i < *ndone; i++)
		if (done[i] == g)
			return;
	g->incidents++;
	done[(*ndone)++] = g;
}

static void
cross_reference(struct report *r)
{
	for (size_t i = 0; i < r->n_inc; i++) {
		const struct report_incident *x = &r->inc[i];
		struct report_group *done[3 * 64];
		size_t nd;
		char day[16];

		nd = 0;
		mark(&r->by[REPORT_BY_CUSTOMER], x->customer, done, &nd);
		nd = 0;
		mark(&r->by[REPORT_BY_PROCESS], x->comm ? x->comm :
		    "(unknown)", done, &nd);
		nd = 0;
		day_key(x->discovered_at, day);
		mark(&r->by[REPORT_BY_DAY], day, done, &nd);
		nd = 0;
		for (size_t k = 0; k < x->n_dests && k < 64; k++)
			mark(&r->by[REPORT_BY_COUNTRY], x->dests[k].country ?
			    x->dests[k].country : "--", done, &nd);
		nd = 0;
		for (size_t k = 0; k < x->n_dests && k < 64; k++) {
			mark(&r->by[REPORT_BY_DESTINATION], x->dests[k].host,
			    done, &nd);
			mark(&r->by[REPORT_BY_DESTINATION], x->dests[k].dst,
			    done, &nd);
		}
	}
}

int
report_finish(struct report *r)
{
	struct report_private *p = r->priv;

	if (held_flush(r) == -1)
		return -1;
	if (p->life == 2) {
		char detail[512];

		snprintf(detail, sizeof(detail), "agent stopped (%s); no "
		    "agent_started after it", p->stop_reason ?
		    p->stop_reason : "no reason given");
		if (gap_interval(r, "stopped", detail, p->life_ts,
		    REPORT_TIME_NONE) == -1)
			return -1;
		p->life = 0;
	}
	cross_reference(r);
	for (int i = 0; i < REPORT_BY_COUNT; i++)
		if (table_sort(&r->by[i], i == REPORT_BY_DAY) == -1)
			return -1;
	if (table_sort(&r->verdicts, false) == -1 ||
	    table_sort(&r->events, false) == -1 ||
	    table_sort(&r->geodbs, false) == -1 ||
	    table_sort(&r->policies, false) == -1)
		return -1;
	for (size_t i = 0; i < r->n_uses; i++)
		if (table_sort(&r->uses[i].customers, true) == -1 ||
		    table_sort(&r->uses[i].countries, true) == -1 ||
		    table_sort(&r->uses[i].destinations, false) == -1)
			return -1;
	if (r->n_uses > 1)
		qsort(r->uses, r->n_uses, sizeof(*r->uses), use_cmp);
	if (r->n_inc > 1)
		qsort(r->inc, r->n_inc, sizeof(*r->inc), inc_cmp);
	if (r->n_gaps > 1)
		qsort(r->gaps, r->n_gaps, sizeof(*r->gaps), gap_cmp);
	/* The indexes no longer match the sorted rows. */
	free(p->use_slot);
	free(p->inc_slot);
	p->use_slot = p->inc_slot = NULL;
	p->use_nslot = p->inc_nslot = 0;
	return 0;
}

const struct report_incident *
report_find_incident(const struct report *r, const char *id)
{
	for (size_t i = 0; i < r->n_inc; i++)
		if (strcmp(r->inc[i].id, id) == 0)
			return &r->inc[i];
	return NULL;
}

static int
expiry_cmp(const void *a, const void *b)
{
	const struct consent *x = *(const struct consent *const *)a;
	const struct consent *y = *(const struct consent *const *)b;

	if (x->expires != y->expires)
		return x->expires < y->expires ? -1 : 1;
	return strcmp(x->id, y->id);
}

size_t
report_consents_expiring(const struct consent_register *reg, int64_t now_s,
    int days, const char *customer, const struct consent **out, size_t max)
{
	size_t n = 0;

	if (reg == NULL)
		return 0;
	for (size_t i = 0; i < reg->n; i++) {
		const struct consent *c = &reg->v[i];

		if (!consent_active(c, now_s) || c->expires == CONSENT_TIME_MAX ||
		    c->expires > now_s + (int64_t)days * 86400)
			continue;
		if (customer != NULL && strcmp(c->customer, customer) != 0)
			continue;
		if (n < max)
			out[n] = c;
		n++;
	}
	qsort(out, n < max ? n : max, sizeof(*out), expiry_cmp);
	return n;
}

size_t
report_consents_for(const struct consent_register *reg, const char *customer,
    const char *cc, const struct consent **out, size_t max)
{
	size_t n = 0;

	if (reg == NULL || customer == NULL)
		return 0;
	for (size_t i = 0; i < reg->n; i++) {
		const struct consent *c = &reg->v[i];

		if (strcmp(c->customer, customer) != 0 ||
		    (cc != NULL && !country_set_has(&c->country_set, cc)))
			continue;
		if (n < max)
			out[n] = c;
		n++;
	}
	return n;
}
