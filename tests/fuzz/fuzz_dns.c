/* libFuzzer target for agent/dns: the input is one DNS message. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint32_t fuzz_sink;

/* What the contract promises of any name we hand on: a printable hostname. */
static void
fuzz_check_name(const char *name)
{
	size_t n = strnlen(name, DNS_NAME_MAX);

	if (n > DNS_NAME_MAX - 1)
		abort();		/* no NUL within the buffer */
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)name[i];

		if (ch < 0x21 || ch > 0x7e || (ch >= 'A' && ch <= 'Z'))
			abort();
		if (ch == '.' && (i == 0 || i + 1 == n || name[i + 1] == '.'))
			abort();	/* empty label or trailing dot */
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_answer a;
	enum dns_status st;
	uint32_t sum = 0;
	uint8_t *copy;

	/* An exact-size copy, so ASan catches a read one past the end. */
	copy = malloc(size ? size : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	memset(&a, 0xa5, sizeof(a));
	st = dns_parse_response(copy, size, &a);
	free(copy);

	if (st != DNS_OK && st != DNS_NONE && st != DNS_BAD)
		abort();
	if (a.n_addrs > DNS_MAX_ADDRS)
		abort();
	if (st != DNS_OK && a.n_addrs != 0)
		abort();
	if (st == DNS_BAD)
		return 0;
	fuzz_check_name(a.qname);
	if (st == DNS_OK && (a.n_addrs == 0 || a.qname[0] == '\0'))
		abort();
	/* Never more records taken or skipped than the header counts. */
	if (size >= 12) {
		size_t counted = (size_t)(data[6] << 8 | data[7]) +
		    (size_t)(data[8] << 8 | data[9]) +
		    (size_t)(data[10] << 8 | data[11]);

		if (a.n_addrs + a.skipped > counted)
			abort();
	}
	for (size_t i = 0; i < a.n_addrs; i++) {
		for (size_t j = 0; j < sizeof(a.addrs[i].addr.b); j++)
			sum += a.addrs[i].addr.b[j];
		sum += a.addrs[i].ttl;
		if (a.addrs[i].ttl > INT32_MAX)
			abort();	/* RFC 2181: top bit means 0 */
		for (size_t j = 0; j < i; j++)
			if (ipaddr_equal(&a.addrs[i].addr, &a.addrs[j].addr))
				abort();
	}
	fuzz_sink += sum;
	return 0;
}
