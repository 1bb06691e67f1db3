/* What the hostname fuzz targets share: the parser's promises, checked per input. */
#ifndef EEAGUARD_HOSTNAME_FUZZ_H
#define EEAGUARD_HOSTNAME_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/hostname.h"

/*
 * What a FOUND name promises, checked without hostname_valid() too:
 * NUL-terminated within the buffer, 1-253 characters of [a-z0-9._-], no
 * empty label.
 */
static void
check_name(const char name[DNS_NAME_MAX])
{
	size_t i, n;

	n = strnlen(name, DNS_NAME_MAX);
	if (n == 0 || n > DNS_NAME_MAX - 1 || !hostname_valid(name))
		abort();
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.'))
			abort();
		if (c == '.' && (i == 0 || i == n - 1 || name[i - 1] == '.'))
			abort();
	}
}

/* The parser over exactly n bytes, so ASan sees any read past them. */
typedef enum hostname_status (*hostname_parser)(const uint8_t *, size_t,
    char[DNS_NAME_MAX]);

static enum hostname_status
parse(hostname_parser parser, const uint8_t *data, size_t n,
    char name[DNS_NAME_MAX])
{
	uint8_t *copy = malloc(n ? n : 1);
	enum hostname_status st;

	if (copy == NULL)
		abort();
	if (n > 0)
		memcpy(copy, data, n);
	memset(name, 'X', DNS_NAME_MAX);
	st = parser(copy, n, name);
	free(copy);
	switch (st) {
	case HOSTNAME_FOUND:
		check_name(name);
		break;
	case HOSTNAME_NONE:
	case HOSTNAME_NOT:
		if (name[0] != '\0')
			abort();
		break;
	default:
		abort();
	}
	return st;
}

/*
 * One input: the parser's promises hold, a FOUND answer needs a first byte
 * the protocol allows (first_ok), and fewer captured bytes can only lose
 * the answer, never change it: a prefix gives HOSTNAME_NOT or the same
 * result and name.
 */
static void
hostname_fuzz_one(hostname_parser parser, int (*first_ok)(uint8_t),
    const uint8_t *data, size_t size)
{
	char full[DNS_NAME_MAX], part[DNS_NAME_MAX];
	enum hostname_status st, pst;
	size_t cut;

	st = parse(parser, data, size, full);
	if (st == HOSTNAME_FOUND && !first_ok(data[0]))
		abort();
	if (size > 0) {
		cut = size > 1 ? (size_t)data[size - 1] * 7 % size : 0;
		pst = parse(parser, data, cut, part);
		if (pst != HOSTNAME_NOT &&
		    (pst != st || strcmp(part, full) != 0))
			abort();
	}
}

#endif
