/* libFuzzer target for agent/hostname: HTTP/1.x Host header extraction. */
#include "tests/fuzz/hostname_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
first_ok(uint8_t c)
{
	return c >= 'A' && c <= 'Z';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hostname_fuzz_one(hostname_http_host, first_ok, data, size);
	return 0;
}
