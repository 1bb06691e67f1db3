/* libFuzzer target for agent/decode: first byte picks the link type, the rest is the packet. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Selector byte modulo this table; the seed corpus relies on the order. */
static const int fuzz_links[] = {
	DECODE_LINK_ETHERNET,	/* 0 */
	DECODE_LINK_SLL,	/* 1 */
	DECODE_LINK_SLL2,	/* 2 */
	DECODE_LINK_RAW,	/* 3 */
	DECODE_LINK_RAW101,	/* 4 */
	DECODE_LINK_IPV4,	/* 5 */
	DECODE_LINK_IPV6,	/* 6 */
	DECODE_LINK_NULL,	/* 7 */
	DECODE_LINK_NFLOG,	/* 8 */
};

static volatile uint32_t fuzz_sink;

/* Decodes once and checks what the contract promises about the result. */
static void
fuzz_one(int link, const uint8_t *pkt, uint32_t caplen, uint32_t wirelen)
{
	struct packet p;
	enum decode_error e;
	enum decode_status st;
	uint32_t i, sum = 0;

	st = decode_packet(link, pkt, caplen, wirelen, &p, &e);
	switch (st) {
	case DECODE_OK:
		if (e != DECODE_ERR_NONE || p.payload == NULL ||
		    p.payload < pkt || p.payload > pkt + caplen ||
		    p.payload_caplen > (uint32_t)(pkt + caplen - p.payload) ||
		    p.payload_caplen > p.payload_len ||
		    (p.proto != 6 && p.proto != 17) || p.n_vlan > 2)
			abort();
		/* Touch every payload byte so ASan checks the range. */
		for (i = 0; i < p.payload_caplen; i++)
			sum += p.payload[i];
		fuzz_sink += sum;
		break;
	case DECODE_OTHER:
		if (e != DECODE_ERR_NONE)
			abort();
		break;
	case DECODE_BAD:
		if (e <= DECODE_ERR_NONE || e >= DECODE_ERR_COUNT ||
		    strcmp(decode_error_name(e), "unknown") == 0)
			abort();
		break;
	default:
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const size_t nlinks = sizeof(fuzz_links) / sizeof(fuzz_links[0]);
	uint32_t len;
	int link;

	if (size < 1 || size - 1 > UINT32_MAX - 100000)
		return 0;
	link = fuzz_links[data[0] % nlinks];
	len = (uint32_t)(size - 1);
	fuzz_one(link, data + 1, len, len);
	fuzz_one(link, data + 1, len, len + 100000);	/* snaplen cut */
	fuzz_one(link, data + 1, len, 0);		/* bogus wirelen */
	return 0;
}
