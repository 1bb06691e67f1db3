/* A bounded JSON object writer: one line, every string escaped (RFC 8259). */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "agent/json.h"

/*
 * Every write goes through json_put: once a byte does not fit, the writer
 * stops for good, so a caller may write a whole event and check once at
 * json_end. One byte is always kept for the terminating NUL.
 */
static void
json_put(struct json *j, const char *s, size_t n)
{
	if (j->overflow)
		return;
	if (j->size == 0 || n >= j->size - j->len) {
		j->overflow = true;
		return;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

static void
json_putc(struct json *j, char c)
{
	json_put(j, &c, 1);
}

size_t
json_utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t need, i;
	uint32_t v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	/*
	 * The second byte's range is what excludes overlong forms (E0, F0),
	 * surrogates (ED) and code points above U+10FFFF (F4); C0, C1 and
	 * F5..FF can never start a sequence.
	 */
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		v = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		v = c & 0x07;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		*cp = JSON_UTF8_INVALID;
		return 1;
	}
	for (i = 1; i <= need; i++) {
		if (i >= n || s[i] < lo || s[i] > hi) {
			*cp = JSON_UTF8_INVALID;
			return i;
		}
		v = v << 6 | (s[i] & 0x3f);
		lo = 0x80;
		hi = 0xbf;
	}
	*cp = v;
	return need + 1;
}

static void
json_escaped(struct json *j, const char *value, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)value;
	size_t i = 0, run, k;
	uint32_t cp;
	char esc[6] = "\\u00";	/* and two hex digits */

	json_putc(j, '"');
	while (i < n && !j->overflow) {
		/* Copy plain printable ASCII in runs: the common case. */
		for (run = i; run < n && s[run] >= 0x20 && s[run] < 0x80 &&
		    s[run] != '"' && s[run] != '\\'; run++)
			;
		if (run > i) {
			json_put(j, value + i, run - i);
			i = run;
			continue;
		}
		k = json_utf8_next(s + i, n - i, &cp);
		if (cp == JSON_UTF8_INVALID) {
			json_put(j, "\\ufffd", 6);
		} else if (cp >= 0x80) {
			json_put(j, value + i, k);
		} else {
			switch (cp) {
			case '"':	json_put(j, "\\\"", 2); break;
			case '\\':	json_put(j, "\\\\", 2); break;
			case '\b':	json_put(j, "\\b", 2); break;
			case '\f':	json_put(j, "\\f", 2); break;
			case '\n':	json_put(j, "\\n", 2); break;
			case '\r':	json_put(j, "\\r", 2); break;
			case '\t':	json_put(j, "\\t", 2); break;
			default:
				esc[4] = hex[cp >> 4];
				esc[5] = hex[cp & 0xf];
				json_put(j, esc, 6);
				break;
			}
		}
		i += k;
	}
	json_putc(j, '"');
}

/* The separator and key of the next member; key is NULL inside arrays. */
static void
json_key(struct json *j, const char *key)
{
	if (!j->first)
		json_putc(j, ',');
	j->first = false;
	if (key != NULL) {
		json_escaped(j, key, strlen(key));
		json_putc(j, ':');
	}
}

void
json_begin(struct json *j, char *buf, size_t size)
{
	memset(j, 0, sizeof(*j));
	j->buf = buf;
	j->size = size;
	j->first = true;
	j->depth = 1;
	if (size > 0)
		buf[0] = '\0';
	json_putc(j, '{');
}

int
json_end(struct json *j)
{
	while (j->depth > 0) {
		j->depth--;
		json_putc(j, (j->arrays >> j->depth & 1) ? ']' : '}');
	}
	j->first = false;
	if (j->overflow || j->len > INT_MAX)
		return -1;
	return (int)j->len;
}

void
json_str(struct json *j, const char *key, const char *value)
{
	if (value == NULL) {
		json_null(j, key);
		return;
	}
	json_key(j, key);
	json_escaped(j, value, strlen(value));
}

void
json_strn(struct json *j, const char *key, const char *value, size_t n)
{
	if (value == NULL) {
		json_null(j, key);
		return;
	}
	json_key(j, key);
	json_escaped(j, value, n);
}

void
json_int(struct json *j, const char *key, int64_t value)
{
	char num[24];
	int n;

	json_key(j, key);
	n = snprintf(num, sizeof(num), "%" PRId64, value);
	json_put(j, num, (size_t)n);
}

void
json_uint(struct json *j, const char *key, uint64_t value)
{
	char num[24];
	int n;

	json_key(j, key);
	n = snprintf(num, sizeof(num), "%" PRIu64, value);
	json_put(j, num, (size_t)n);
}

void
json_bool(struct json *j, const char *key, bool value)
{
	json_key(j, key);
	if (value)
		json_put(j, "true", 4);
	else
		json_put(j, "false", 5);
}

void
json_null(struct json *j, const char *key)
{
	json_key(j, key);
	json_put(j, "null", 4);
}

void
json_raw(struct json *j, const char *key, const char *value)
{
	if (value == NULL) {
		json_null(j, key);
		return;
	}
	json_key(j, key);
	json_put(j, value, strlen(value));
}

void
json_int_or_null(struct json *j, const char *key, int64_t value)
{
	if (value < 0)
		json_null(j, key);
	else
		json_int(j, key, value);
}

static void
json_open(struct json *j, const char *key, bool array)
{
	json_key(j, key);
	if (j->depth >= JSON_MAX_DEPTH) {
		j->overflow = true;
		return;
	}
	json_putc(j, array ? '[' : '{');
	if (array)
		j->arrays |= UINT64_C(1) << j->depth;
	else
		j->arrays &= ~(UINT64_C(1) << j->depth);
	j->depth++;
	j->first = true;
}

static void
json_close(struct json *j, bool array)
{
	/* Unbalanced calls are a programming error; the line is refused. */
	if (j->depth <= 1 || ((j->arrays >> (j->depth - 1) & 1) != 0) != array) {
		j->overflow = true;
		return;
	}
	j->depth--;
	json_putc(j, array ? ']' : '}');
	j->first = false;
}

void
json_array_begin(struct json *j, const char *key)
{
	json_open(j, key, true);
}

void
json_array_str(struct json *j, const char *value)
{
	json_str(j, NULL, value);
}

void
json_array_end(struct json *j)
{
	json_close(j, true);
}

void
json_object_begin(struct json *j, const char *key)
{
	json_open(j, key, false);
}

void
json_object_end(struct json *j)
{
	json_close(j, false);
}

static char *
json_digits(char *p, unsigned v, int width)
{
	int i;

	for (i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + width;
}

/* RFC 3339 has four-digit years: clamp to 0000-01-01 .. 9999-12-31. */
#define JSON_TS_MIN_SEC	INT64_C(-62167219200)
#define JSON_TS_MAX_SEC	INT64_C(253402300799)

const char *
json_timestamp(int64_t usec, char buf[JSON_TS_LEN])
{
	int64_t sec = usec / 1000000, frac = usec % 1000000;
	time_t t;
	struct tm tm;
	char *p = buf;

	/* Floor division, so 1969-12-31T23:59:59.999999Z comes out right. */
	if (frac < 0) {
		frac += 1000000;
		sec--;
	}
	if (sec < JSON_TS_MIN_SEC) {
		sec = JSON_TS_MIN_SEC;
		frac = 0;
	} else if (sec > JSON_TS_MAX_SEC) {
		sec = JSON_TS_MAX_SEC;
		frac = 999999;
	}
	t = (time_t)sec;
	if (gmtime_r(&t, &tm) == NULL) {
		/* Cannot happen within the clamped range; never leave garbage. */
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = 70;
		tm.tm_mday = 1;
	}
	p = json_digits(p, (unsigned)(tm.tm_year + 1900), 4);
	*p++ = '-';
	p = json_digits(p, (unsigned)(tm.tm_mon + 1), 2);
	*p++ = '-';
	p = json_digits(p, (unsigned)tm.tm_mday, 2);
	*p++ = 'T';
	p = json_digits(p, (unsigned)tm.tm_hour, 2);
	*p++ = ':';
	p = json_digits(p, (unsigned)tm.tm_min, 2);
	*p++ = ':';
	/* A leap second never appears: time_t has none. */
	p = json_digits(p, (unsigned)tm.tm_sec, 2);
	*p++ = '.';
	p = json_digits(p, (unsigned)frac, 6);
	*p++ = 'Z';
	*p = '\0';
	return buf;
}
