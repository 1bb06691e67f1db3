/* libFuzzer target for agent/hostname: TLS ClientHello SNI extraction. */
#include "tests/fuzz/hostname_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
first_ok(uint8_t c)
{
	return c == 22;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hostname_fuzz_one(hostname_tls_sni, first_ok, data, size);
	return 0;
}
