/* IP addresses and prefixes of both families in one 16-byte form. */
#ifndef EEAGUARD_ADDR_H
#define EEAGUARD_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * An IPv4 address is held as the IPv4-mapped IPv6 address ::ffff:a.b.c.d,
 * so one type, one comparison and one trie serve both families.
 */
struct ipaddr {
	uint8_t b[16];
};

/* A prefix; len counts bits of the 16-byte form (IPv4 /n is len 96 + n). */
struct ipprefix {
	struct ipaddr addr;	/* host bits are always zero */
	uint8_t len;		/* 0..128 */
};

#define IPADDR_STRLEN 46	/* INET6_ADDRSTRLEN */
#define IPPREFIX_STRLEN 50	/* address, '/', up to 3 digits, NUL */

bool ipaddr_is_v4(const struct ipaddr *a);
void ipaddr_from_v4(struct ipaddr *a, const uint8_t v4[4]);
void ipaddr_from_v6(struct ipaddr *a, const uint8_t v6[16]);
/* The 4 bytes of an IPv4 address (only meaningful when ipaddr_is_v4). */
const uint8_t *ipaddr_v4(const struct ipaddr *a);
bool ipaddr_equal(const struct ipaddr *a, const struct ipaddr *b);
int ipaddr_parse(const char *s, struct ipaddr *out);		/* 0 / -1 */
/* Writes dotted quad for IPv4, RFC 5952 text for IPv6; returns buf. */
const char *ipaddr_format(const struct ipaddr *a, char buf[IPADDR_STRLEN]);

/*
 * Parses "192.0.2.0/24", "2001:db8::/32" or a bare address (a host prefix).
 * On error returns -1 and sets *why to a static sentence saying what is wrong
 * and what is valid. Host bits set ("10.1.2.3/16") are an error whose
 * sentence names the intended prefix; it lives in a per-thread buffer that
 * the next call in the same thread overwrites.
 */
int ipprefix_parse(const char *s, struct ipprefix *out, const char **why);
/* Prefix length as the user writes it: 0..32 for IPv4, 0..128 for IPv6. */
unsigned ipprefix_userlen(const struct ipprefix *p);
bool ipprefix_contains(const struct ipprefix *p, const struct ipaddr *a);
/* "192.0.2.0/24" or "2001:db8::/32"; returns buf. */
const char *ipprefix_format(const struct ipprefix *p, char buf[IPPREFIX_STRLEN]);
/* The prefix of length len (16-byte form) that contains a. */
void ipprefix_of(struct ipprefix *p, const struct ipaddr *a, unsigned len);

#endif
