/* libFuzzer target for agent/hostname: HTTP/1.x Host header extraction. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/hostname.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
static enum hostname_status
parse(const uint8_t *data, size_t n, char name[DNS_NAME_MAX])
{
	uint8_t *copy = malloc(n ? n : 1);
	enum hostname_status st;

	if (copy == NULL)
		abort();
	if (n > 0)
		memcpy(copy, data, n);
	memset(name, 'X', DNS_NAME_MAX);
	st = hostname_http_host(copy, n, name);
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char full[DNS_NAME_MAX], part[DNS_NAME_MAX];
	enum hostname_status st, pst;
	size_t cut;

	st = parse(data, size, full);
	if (st == HOSTNAME_FOUND && !(data[0] >= 'A' && data[0] <= 'Z'))
		abort();
	/*
	 * Fewer captured bytes can only lose the answer, never change it:
	 * a prefix gives HOSTNAME_NOT or the same result and name.
	 */
	if (size > 0) {
		cut = size > 1 ? (size_t)data[size - 1] * 7 % size : 0;
		pst = parse(data, cut, part);
		if (pst != HOSTNAME_NOT &&
		    (pst != st || strcmp(part, full) != 0))
			abort();
	}
	return 0;
}
