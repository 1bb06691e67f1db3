/* DNS responses (RFC 1035): which addresses an answer gives for the name asked. */
#ifndef EEAGUARD_DNS_H
#define EEAGUARD_DNS_H

#include <stddef.h>
#include <stdint.h>

#include "rules/addr.h"

#define DNS_NAME_MAX 254	/* 253 characters + NUL */
#define DNS_MAX_ADDRS 32	/* addresses taken from one response */

/* One address an answer gives for the name the application asked for. */
struct dns_addr {
	struct ipaddr addr;
	uint32_t ttl;		/* seconds: the smallest TTL along the CNAME chain */
};

struct dns_answer {
	char qname[DNS_NAME_MAX];	/* the question's name, lower case, no trailing dot */
	struct dns_addr addrs[DNS_MAX_ADDRS];
	size_t n_addrs;
	size_t skipped;			/* records not taken: other names (poisoning
					 * attempts), other types, the authority and
					 * additional sections, beyond DNS_MAX_ADDRS */
};

enum dns_status {
	DNS_OK = 1,		/* a response with >= 1 address for its question */
	DNS_NONE = 0,		/* well-formed but nothing to learn: a query, an
				 * error rcode, no A/AAAA for the question */
	DNS_BAD = -1,		/* malformed: truncated, pointer loop, bad label */
};

/*
 * Parses one DNS message (UDP payload, or a TCP payload after its 2-byte
 * length). Only A/AAAA records whose owner is the question's name, or a
 * name the answer's CNAME chain leads to from it, are taken: the name the
 * application asked for is the one recorded, and an answer cannot attach
 * a name to an address for a name that was never asked. Compression
 * pointers are followed with bound and loop checks. Never allocates.
 * n_addrs is 0 unless DNS_OK.
 */
enum dns_status dns_parse_response(const uint8_t *msg, size_t len,
    struct dns_answer *out);

#endif
