/* A bounded JSON object writer: one line, every string escaped. */
#ifndef EEAGUARD_JSON_H
#define EEAGUARD_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Writes into a caller-supplied buffer; never allocates. Strings are
 * escaped per RFC 8259 (quote, backslash, control characters as \n, \t,
 * ... or \u00XX); bytes that are not valid UTF-8 are written as \ufffd so
 * the output is always valid UTF-8 whatever a packet contained. If the
 * buffer is too small, json_end returns -1 and the line must not be used.
 * A line that fits is NUL-terminated: it needs length + 1 bytes, as with
 * snprintf.
 */
struct json {
	char *buf;
	size_t size;
	size_t len;
	bool first;		/* no member written yet at this level */
	bool overflow;
	int depth;		/* open arrays/objects, the outer object included */
	uint64_t arrays;	/* bit d set: level d is an array (json_end closes it) */
};

#define JSON_MAX_DEPTH 64	/* deeper nesting counts as overflow */

void json_begin(struct json *j, char *buf, size_t size);	/* writes '{' */
/* Closes every open array/object; returns the length, or -1 on overflow. */
int json_end(struct json *j);

void json_str(struct json *j, const char *key, const char *value);	/* NULL -> null */
void json_strn(struct json *j, const char *key, const char *value, size_t n);
void json_int(struct json *j, const char *key, int64_t value);
void json_uint(struct json *j, const char *key, uint64_t value);
void json_bool(struct json *j, const char *key, bool value);
void json_null(struct json *j, const char *key);
/* A number that is unknown when negative: writes null then. */
void json_int_or_null(struct json *j, const char *key, int64_t value);

/*
 * A member whose value is JSON text made by another json writer (a nested
 * object or array): written as is, so it must come from json_begin/json_end.
 */
void json_raw(struct json *j, const char *key, const char *value);
void json_array_begin(struct json *j, const char *key);	/* key NULL inside arrays */
void json_array_str(struct json *j, const char *value);
void json_array_end(struct json *j);
void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);

/*
 * Decodes one UTF-8 sequence from s (n > 0 bytes). Returns the bytes it
 * covers (1..4) and sets *cp to the code point, or to JSON_UTF8_INVALID
 * for an ill-formed sequence, whose maximal ill-formed prefix the count
 * covers (Unicode 15, 3.9: one U+FFFD per maximal subpart).
 */
#define JSON_UTF8_INVALID UINT32_MAX
size_t json_utf8_next(const unsigned char *s, size_t n, uint32_t *cp);

/* RFC 3339 UTC with microseconds: "2026-11-26T07:10:00.123456Z" (27 bytes + NUL). */
#define JSON_TS_LEN 32
const char *json_timestamp(int64_t usec, char buf[JSON_TS_LEN]);

#endif
