/* Hostnames in a flow's first bytes: TLS ClientHello SNI (RFC 6066), HTTP/1 Host. */
#ifndef EEAGUARD_HOSTNAME_H
#define EEAGUARD_HOSTNAME_H

#include <stddef.h>
#include <stdint.h>

#include "agent/dns.h"		/* DNS_NAME_MAX */

enum hostname_status {
	HOSTNAME_FOUND = 1,	/* name holds a valid hostname, lower case */
	HOSTNAME_NONE = 0,	/* recognised, but carries no name (no SNI
				 * extension, no Host header, an IP literal) */
	HOSTNAME_NOT = -1,	/* not this protocol, malformed, or cut short */
};

/*
 * The server_name of a TLS ClientHello starting at data[0] (a handshake
 * record, content type 22), on any port. Only the bytes of the first
 * record that were captured are needed up to the extension; a name that
 * does not fit in them is HOSTNAME_NOT. GREASE extensions are skipped.
 * Never allocates.
 */
enum hostname_status hostname_tls_sni(const uint8_t *data, size_t len,
    char name[DNS_NAME_MAX]);

/*
 * The Host header of an HTTP/1.x request starting at data[0] ("GET / HTTP/1.1"),
 * without its port. Never allocates.
 */
enum hostname_status hostname_http_host(const uint8_t *data, size_t len,
    char name[DNS_NAME_MAX]);

/* True when s is a valid DNS hostname (labels of [a-z0-9-_], <= 253). */
int hostname_valid(const char *s);

#endif
