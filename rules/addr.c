/* IP addresses and prefixes of both families in one 16-byte form. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/addr.h"

/* The 12-byte head of every IPv4-mapped address (RFC 4291 2.5.5.2). */
static const uint8_t addr_v4_head[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

bool
ipaddr_is_v4(const struct ipaddr *a)
{
	return memcmp(a->b, addr_v4_head, sizeof(addr_v4_head)) == 0;
}

void
ipaddr_from_v4(struct ipaddr *a, const uint8_t v4[4])
{
	memcpy(a->b, addr_v4_head, sizeof(addr_v4_head));
	memcpy(a->b + 12, v4, 4);
}

void
ipaddr_from_v6(struct ipaddr *a, const uint8_t v6[16])
{
	memcpy(a->b, v6, 16);
}

const uint8_t *
ipaddr_v4(const struct ipaddr *a)
{
	return a->b + 12;
}

bool
ipaddr_equal(const struct ipaddr *a, const struct ipaddr *b)
{
	return memcmp(a->b, b->b, 16) == 0;
}

int
ipaddr_parse(const char *s, struct ipaddr *out)
{
	uint8_t buf[16];

	/* inet_pton already refuses spaces, zone ids and empty strings. */
	if (s == NULL)
		return -1;
	if (strchr(s, ':') != NULL) {
		if (inet_pton(AF_INET6, s, buf) != 1)
			return -1;
		ipaddr_from_v6(out, buf);
		return 0;
	}
	if (inet_pton(AF_INET, s, buf) != 1)
		return -1;
	ipaddr_from_v4(out, buf);
	return 0;
}

/*
 * RFC 5952 by hand rather than inet_ntop: glibc writes the deprecated
 * IPv4-compatible form for ::/96 addresses ("::1:2" comes out as
 * "::0.1.0.2"), which nobody would recognise in an alert.
 */
static void
addr_format_v6(const uint8_t b[16], char buf[IPADDR_STRLEN])
{
	unsigned w[8];
	int i, best = -1, bestlen = 0, run = -1, runlen = 0;
	char *p = buf;

	for (i = 0; i < 8; i++)
		w[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
	/* The longest run of two or more zero words, the first on a tie. */
	for (i = 0; i < 8; i++) {
		if (w[i] == 0) {
			if (run < 0) {
				run = i;
				runlen = 0;
			}
			if (++runlen > bestlen) {
				best = run;
				bestlen = runlen;
			}
		} else
			run = -1;
	}
	if (bestlen < 2)
		best = -1;
	for (i = 0; i < 8; i++) {
		if (i == best) {
			*p++ = ':';
			*p++ = ':';
			i += bestlen - 1;
			continue;
		}
		if (i > 0 && i != best + bestlen)
			*p++ = ':';
		p += sprintf(p, "%x", w[i]);
	}
	*p = '\0';
}

const char *
ipaddr_format(const struct ipaddr *a, char buf[IPADDR_STRLEN])
{
	if (ipaddr_is_v4(a)) {
		const uint8_t *v = a->b + 12;

		snprintf(buf, IPADDR_STRLEN, "%u.%u.%u.%u", v[0], v[1], v[2],
		    v[3]);
	} else
		addr_format_v6(a->b, buf);
	return buf;
}

/* Zeroes every bit of a past the first len. */
static void
addr_mask(struct ipaddr *a, unsigned len)
{
	unsigned i;

	if (len >= 128)
		return;
	i = len / 8;
	if (len % 8) {
		a->b[i] &= (uint8_t)(0xff00u >> (len % 8));
		i++;
	}
	for (; i < 16; i++)
		a->b[i] = 0;
}

/*
 * The host-bits sentence carries the prefix the user probably meant, so it
 * cannot be a string literal; a per-thread buffer keeps concurrent parsers
 * apart. It stays valid until the next ipprefix_parse in the same thread.
 */
static _Thread_local char prefix_why_buf[160];

/* -1 with *why naming the intended prefix when p has host bits set. */
static int
prefix_host_bits(const struct ipprefix *p, bool v4, const char **why)
{
	struct ipprefix m;
	char a[IPADDR_STRLEN], f[IPPREFIX_STRLEN];

	m.addr = p->addr;
	m.len = p->len;
	addr_mask(&m.addr, m.len);
	if (ipaddr_equal(&m.addr, &p->addr))
		return 0;
	/* Written back in the family the user wrote. */
	if (v4)
		ipprefix_format(&m, f);
	else {
		addr_format_v6(m.addr.b, a);
		snprintf(f, sizeof(f), "%s/%u", a, (unsigned)m.len);
	}
	snprintf(prefix_why_buf, sizeof(prefix_why_buf), "host bits are set: "
	    "did you mean %s? (the address must be the first of its prefix)",
	    f);
	*why = prefix_why_buf;
	return -1;
}

int
ipprefix_parse(const char *s, struct ipprefix *out, const char **why)
{
	char abuf[IPPREFIX_STRLEN];
	const char *slash, *lp;
	struct ipprefix p;
	unsigned long ulen = 0;
	size_t alen;
	bool v4;
	const char *dummy;

	if (why == NULL)
		why = &dummy;
	if (s == NULL || *s == '\0') {
		*why = "is empty (valid: an address or prefix such as "
		    "192.0.2.0/24 or 2001:db8::/32)";
		return -1;
	}
	if (isspace((unsigned char)s[0]) ||
	    isspace((unsigned char)s[strlen(s) - 1])) {
		*why = "has leading or trailing spaces (valid: an address or "
		    "prefix such as 192.0.2.0/24 or 2001:db8::/32)";
		return -1;
	}
	slash = strchr(s, '/');
	alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (alen == 0 || alen >= sizeof(abuf)) {
		*why = "is not an IP address or prefix (valid: 192.0.2.0/24, "
		    "2001:db8::/32 or a bare address)";
		return -1;
	}
	memcpy(abuf, s, alen);
	abuf[alen] = '\0';
	if (ipaddr_parse(abuf, &p.addr) == -1) {
		*why = "is not an IP address or prefix (valid: 192.0.2.0/24, "
		    "2001:db8::/32 or a bare address)";
		return -1;
	}
	/* The family is what the user wrote: "::ffff:1.2.3.0/120" is IPv6. */
	v4 = strchr(abuf, ':') == NULL;
	if (slash != NULL) {
		lp = slash + 1;
		if (*lp == '\0' || strlen(lp) > 3 ||
		    strspn(lp, "0123456789") != strlen(lp)) {
			*why = v4 ? "prefix length must be a number 0-32 for "
			    "IPv4" : "prefix length must be a number 0-128 "
			    "for IPv6";
			return -1;
		}
		ulen = strtoul(lp, NULL, 10);
	} else
		ulen = v4 ? 32 : 128;
	if (v4 && ulen > 32) {
		*why = "prefix length must be 0-32 for IPv4";
		return -1;
	}
	if (!v4 && ulen > 128) {
		*why = "prefix length must be 0-128 for IPv6";
		return -1;
	}
	p.len = (uint8_t)(v4 ? 96 + ulen : ulen);
	if (prefix_host_bits(&p, v4, why) == -1)
		return -1;
	*out = p;
	return 0;
}

unsigned
ipprefix_userlen(const struct ipprefix *p)
{
	if (p->len >= 96 && ipaddr_is_v4(&p->addr))
		return p->len - 96u;
	return p->len;
}

bool
ipprefix_contains(const struct ipprefix *p, const struct ipaddr *a)
{
	unsigned len = p->len > 128 ? 128 : p->len;
	unsigned full = len / 8, rest = len % 8;

	if (memcmp(p->addr.b, a->b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((p->addr.b[full] ^ a->b[full]) & (0xff00u >> rest)) == 0;
}

const char *
ipprefix_format(const struct ipprefix *p, char buf[IPPREFIX_STRLEN])
{
	char a[IPADDR_STRLEN];

	/* A v6 prefix shorter than /96 is never shown in dotted form. */
	if (p->len >= 96 && ipaddr_is_v4(&p->addr))
		ipaddr_format(&p->addr, a);
	else
		addr_format_v6(p->addr.b, a);
	snprintf(buf, IPPREFIX_STRLEN, "%s/%u", a, ipprefix_userlen(p));
	return buf;
}

void
ipprefix_of(struct ipprefix *p, const struct ipaddr *a, unsigned len)
{
	if (len > 128)
		len = 128;
	p->addr = *a;
	addr_mask(&p->addr, len);
	p->len = (uint8_t)len;
}
