/* Packet decoding: link layers, IPv4/IPv6 with extension headers, TCP/UDP. */
/*
 * Every packet is an arbitrary sequence of octets. Each layer sees its bytes
 * as a span (what was captured, and what the layer below says was on the
 * wire) and reads every field through the span_* helpers, which refuse to
 * look past the captured bytes; a refused read jumps to the layer's single
 * trunc: exit. Nothing is allocated and nothing outside data + caplen is
 * read.
 *
 * Lengths: the capture bounds what we read, the headers bound what we
 * believe. A layer's span is clamped to the length its parent header gives
 * it, so Ethernet padding or trailing bytes never show up as payload.
 *
 * Length 0 in the IP header: Linux hands taps TSO/GSO super-packets of more
 * than 64 KiB ("BIG TCP") with IPv4 total length 0 and IPv6 payload length 0
 * (the jumbo option of RFC 2675 is not always inserted). Rather than lose the
 * packets of those flows we take the length from the wire, as tcpdump does
 * for IPv4 TSO: ip_len = wirelen minus the link header. A real RFC 2675
 * jumbogram therefore decodes too, its option skipped with the hop-by-hop
 * header.
 *
 * On DECODE_OTHER and DECODE_BAD, only the link-level fields of *p (n_vlan,
 * vlan, sll_pkttype, nflog_group) are meaningful.
 */
#include <stddef.h>
#include <stdint.h>

#include "agent/decode.h"

#define ETHERTYPE_IPV4		0x0800
#define ETHERTYPE_IPV6		0x86dd
#define ETHERTYPE_8021Q		0x8100
#define ETHERTYPE_8021AD	0x88a8
#define ETHERTYPE_QINQ_OLD	0x9100	/* pre-802.1ad QinQ outer tag */

#define PROTO_HOPOPTS	0
#define PROTO_TCP	6
#define PROTO_UDP	17
#define PROTO_ROUTING	43
#define PROTO_FRAGMENT	44
#define PROTO_AH	51
#define PROTO_DSTOPTS	60

#define VLAN_MAX	2
#define IP6_EXT_MAX	8

#define NFULA_PAYLOAD	9

/* Bytes of a layer: p[0 .. cap) may be read; wire >= cap is the claimed size. */
struct span {
	const uint8_t *p;
	uint32_t cap;
	uint32_t wire;
};

static const char *const decode_error_names[] = {
	[DECODE_ERR_NONE] = "none",
	[DECODE_ERR_LINK_TRUNCATED] = "link_truncated",
	[DECODE_ERR_VLAN_DEPTH] = "vlan_depth",
	[DECODE_ERR_IP_TRUNCATED] = "ip_truncated",
	[DECODE_ERR_IP_VERSION] = "ip_version",
	[DECODE_ERR_IP_HEADER] = "ip_header",
	[DECODE_ERR_IP_LENGTH] = "ip_length",
	[DECODE_ERR_IP6_EXT] = "ip6_ext",
	[DECODE_ERR_L4_TRUNCATED] = "l4_truncated",
	[DECODE_ERR_TCP_HEADER] = "tcp_header",
	[DECODE_ERR_NFLOG] = "nflog",
	[DECODE_ERR_UDP_LENGTH] = "udp_length",
};
_Static_assert(sizeof(decode_error_names) / sizeof(decode_error_names[0]) ==
    DECODE_ERR_COUNT, "a decode_error without a name");

static inline uint32_t
min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* True when n bytes at off lie within the captured bytes. */
static inline int
span_has(const struct span *s, uint32_t off, uint32_t n)
{
	return off <= s->cap && s->cap - off >= n;
}

static inline int
span_u8(const struct span *s, uint32_t off, uint8_t *v)
{
	if (!span_has(s, off, 1))
		return 0;
	*v = s->p[off];
	return 1;
}

static inline int
span_be16(const struct span *s, uint32_t off, uint16_t *v)
{
	if (!span_has(s, off, 2))
		return 0;
	*v = (uint16_t)(s->p[off] << 8 | s->p[off + 1]);
	return 1;
}

/* Host byte order, as NFLOG TLV headers and the NULL family are written. */
static inline int
span_he16(const struct span *s, uint32_t off, uint16_t *v)
{
	union {
		uint8_t b[2];
		uint16_t v;
	} u;

	if (!span_has(s, off, 2))
		return 0;
	u.b[0] = s->p[off];
	u.b[1] = s->p[off + 1];
	*v = u.v;
	return 1;
}

static inline int
span_he32(const struct span *s, uint32_t off, uint32_t *v)
{
	union {
		uint8_t b[4];
		uint32_t v;
	} u;

	if (!span_has(s, off, 4))
		return 0;
	u.b[0] = s->p[off];
	u.b[1] = s->p[off + 1];
	u.b[2] = s->p[off + 2];
	u.b[3] = s->p[off + 3];
	*v = u.v;
	return 1;
}

/* A pointer to n bytes at off, for addresses. */
static inline int
span_bytes(const struct span *s, uint32_t off, uint32_t n, const uint8_t **v)
{
	if (!span_has(s, off, n))
		return 0;
	*v = s->p + off;
	return 1;
}

/* The bytes from off on; off must be <= s->cap. */
static inline struct span
span_from(const struct span *s, uint32_t off)
{
	struct span r = { s->p + off, s->cap - off, s->wire - off };

	return r;
}

/* Clamps a span to the len bytes its header claims. */
static inline void
span_clamp(struct span *s, uint32_t len)
{
	s->wire = len;
	s->cap = min_u32(s->cap, len);
}

/*
 * TCP (RFC 9293 section 3.1)
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          Source Port          |       Destination Port        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                        Sequence Number                        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Acknowledgment Number                      |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Data |       |C|E|U|A|P|R|S|F|                               |
 *  | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
 *  |       |       |R|E|G|K|H|T|N|N|                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |           Checksum            |         Urgent Pointer        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                      Options (Data Offset - 5 words)          |
 *
 * UDP (RFC 768)
 *
 *  +--------+--------+--------+--------+
 *  |   Source Port   |   Dest. Port    |
 *  +--------+--------+--------+--------+
 *  |     Length      |    Checksum     |
 *  +--------+--------+--------+--------+
 *
 * l4 is clamped to the IP payload. A first fragment carries only part of the
 * datagram, so its UDP length is not checked against the IP length.
 */
static enum decode_status
decode_l4(uint8_t proto, struct span l4, int fragment, struct packet *p,
    enum decode_error *err)
{
	uint16_t sport, dport, ulen;
	uint8_t off, flags;
	uint32_t hl;

	switch (proto) {
	case PROTO_TCP:
		if (!span_be16(&l4, 0, &sport) || !span_be16(&l4, 2, &dport) ||
		    !span_u8(&l4, 12, &off) || !span_u8(&l4, 13, &flags))
			goto trunc;
		hl = (uint32_t)(off >> 4) * 4;
		if (hl < 20 || hl > l4.wire) {
			*err = DECODE_ERR_TCP_HEADER;
			return DECODE_BAD;
		}
		if (hl > l4.cap)
			goto trunc;
		p->tcp_flags = flags;
		break;
	case PROTO_UDP:
		hl = 8;
		if (!span_be16(&l4, 0, &sport) || !span_be16(&l4, 2, &dport) ||
		    !span_be16(&l4, 4, &ulen) || !span_has(&l4, 0, hl))
			goto trunc;
		/*
		 * Length 0 over a jumbogram (RFC 2675 section 4): the IP
		 * length rules. Otherwise the UDP length is the datagram's,
		 * and what follows it is not payload.
		 */
		if (ulen != 0 || l4.wire <= 0xffff) {
			if (ulen < 8 || (!fragment && ulen > l4.wire)) {
				*err = DECODE_ERR_UDP_LENGTH;
				return DECODE_BAD;
			}
			if (!fragment)
				span_clamp(&l4, ulen);
		}
		p->tcp_flags = 0;
		break;
	default:
		return DECODE_OTHER;
	}
	p->proto = proto;
	p->sport = sport;
	p->dport = dport;
	p->payload = l4.p + hl;
	p->payload_caplen = l4.cap - hl;
	p->payload_len = l4.wire - hl;
	return DECODE_OK;

trunc:
	*err = DECODE_ERR_L4_TRUNCATED;
	return DECODE_BAD;
}

/*
 * IPv4 (RFC 791 section 3.1; fragments RFC 791, RFC 815)
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Version|  IHL  |Type of Service|          Total Length         |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |         Identification        |Flags|      Fragment Offset    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Time to Live |    Protocol   |         Header Checksum       |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                       Source Address                          |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Destination Address                        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Options (IHL - 5 words)                    |
 *
 * The checksum is not verified: outbound packets seen before the NIC
 * computes it (checksum offload) carry garbage there.
 */
#define IP4_MF		0x2000
#define IP4_OFFMASK	0x1fff

static enum decode_status
decode_ip4(struct span ip, struct packet *p, enum decode_error *err)
{
	uint16_t tot, frag;
	uint8_t vhl, proto;
	const uint8_t *addrs;
	uint32_t hl, len;

	if (!span_u8(&ip, 0, &vhl) || !span_be16(&ip, 2, &tot) ||
	    !span_be16(&ip, 6, &frag) || !span_u8(&ip, 9, &proto) ||
	    !span_bytes(&ip, 12, 8, &addrs))
		goto trunc;
	hl = (uint32_t)(vhl & 0x0f) * 4;
	if (hl < 20 || hl > ip.cap) {
		*err = DECODE_ERR_IP_HEADER;
		return DECODE_BAD;
	}
	len = tot != 0 ? tot : ip.wire;		/* 0: TSO, see the top */
	if (len < hl) {
		*err = DECODE_ERR_IP_LENGTH;
		return DECODE_BAD;
	}
	span_clamp(&ip, len);
	ipaddr_from_v4(&p->src, addrs);
	ipaddr_from_v4(&p->dst, addrs + 4);
	p->ip_len = len;
	if ((frag & IP4_OFFMASK) != 0)
		return DECODE_OTHER;	/* no L4 header in a later fragment */
	return decode_l4(proto, span_from(&ip, hl), (frag & IP4_MF) != 0, p,
	    err);

trunc:
	*err = DECODE_ERR_IP_TRUNCATED;
	return DECODE_BAD;
}

/*
 * IPv6 (RFC 8200 sections 3, 4)
 *
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Version| Traffic Class |           Flow Label                  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |         Payload Length        |  Next Header  |   Hop Limit   |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                Source Address (128 bits)                      |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |             Destination Address (128 bits)                    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Extension headers (hop-by-hop, routing, destination options; AH of
 * RFC 4302 counts its length in 4-byte words minus 2):
 *
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Next Header  |  Hdr Ext Len  |                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 *  .          (Hdr Ext Len + 1) * 8 bytes in all                   .
 *
 * Fragment header (RFC 8200 section 4.5):
 *
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Next Header  |   Reserved    |      Fragment Offset    |Res|M|
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                         Identification                        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * At most IP6_EXT_MAX extension headers are walked; hop-by-hop is only valid
 * first. ESP, no-next-header, ICMPv6 and the rest end in DECODE_OTHER.
 */
static enum decode_status
decode_ip6(struct span ip, struct packet *p, enum decode_error *err)
{
	uint16_t plen, fragoff;
	uint8_t nh, next, hlen;
	const uint8_t *addrs;
	uint32_t len, off, elen;
	int n, fragment = 0;

	if (!span_be16(&ip, 4, &plen) || !span_u8(&ip, 6, &nh) ||
	    !span_bytes(&ip, 8, 32, &addrs))
		goto trunc;
	len = plen != 0 ? 40 + (uint32_t)plen : ip.wire;  /* 0: see the top */
	span_clamp(&ip, len);
	ipaddr_from_v6(&p->src, addrs);
	ipaddr_from_v6(&p->dst, addrs + 16);
	p->ip_len = len;

	off = 40;
	for (n = 0;; n++) {
		if (nh == PROTO_TCP || nh == PROTO_UDP)
			break;
		if (nh != PROTO_HOPOPTS && nh != PROTO_ROUTING &&
		    nh != PROTO_FRAGMENT && nh != PROTO_DSTOPTS &&
		    nh != PROTO_AH)
			return DECODE_OTHER;
		if (n == IP6_EXT_MAX || (nh == PROTO_HOPOPTS && n != 0))
			goto bad_ext;
		if (ip.wire - off < 2)
			goto bad_ext;
		if (!span_u8(&ip, off, &next) || !span_u8(&ip, off + 1, &hlen))
			goto trunc;
		if (nh == PROTO_FRAGMENT)
			elen = 8;
		else if (nh == PROTO_AH)
			elen = ((uint32_t)hlen + 2) * 4;
		else
			elen = ((uint32_t)hlen + 1) * 8;
		if (ip.wire - off < elen)
			goto bad_ext;
		if (ip.cap - off < elen)
			goto trunc;
		if (nh == PROTO_FRAGMENT) {
			if (!span_be16(&ip, off + 2, &fragoff))
				goto trunc;
			if ((fragoff & 0xfff8) != 0)
				return DECODE_OTHER;  /* not the first fragment */
			fragment = fragoff & 1;
		}
		off += elen;
		nh = next;
	}
	return decode_l4(nh, span_from(&ip, off), fragment, p, err);

bad_ext:
	*err = DECODE_ERR_IP6_EXT;
	return DECODE_BAD;
trunc:
	*err = DECODE_ERR_IP_TRUNCATED;
	return DECODE_BAD;
}

/* An IP packet; version 4 or 6 when the link says so, 0 to read the nibble. */
static enum decode_status
decode_ip(struct span ip, int version, struct packet *p,
    enum decode_error *err)
{
	uint8_t b;

	if (!span_u8(&ip, 0, &b)) {
		*err = DECODE_ERR_IP_TRUNCATED;
		return DECODE_BAD;
	}
	if (version != 0 && b >> 4 != version)
		goto bad_version;
	if (b >> 4 == 4)
		return decode_ip4(ip, p, err);
	if (b >> 4 == 6)
		return decode_ip6(ip, p, err);
bad_version:
	*err = DECODE_ERR_IP_VERSION;
	return DECODE_BAD;
}

/*
 * EtherType dispatch after a link header, through up to VLAN_MAX tags
 * (IEEE 802.1Q; 802.1ad QinQ):
 *
 *  +--------+--------+--------+--------+
 *  |  TPID (already  | PCP|DEI|  VID   |  then the next EtherType
 *  |  read as type)  |    |   |12 bits |
 *  +--------+--------+--------+--------+
 *
 * off is where the bytes after the type field start.
 */
static enum decode_status
decode_ethertype(struct span s, uint32_t off, uint16_t type,
    struct packet *p, enum decode_error *err)
{
	uint16_t tci;

	while (type == ETHERTYPE_8021Q || type == ETHERTYPE_8021AD ||
	    type == ETHERTYPE_QINQ_OLD) {
		if (p->n_vlan == VLAN_MAX) {
			*err = DECODE_ERR_VLAN_DEPTH;
			return DECODE_BAD;
		}
		if (!span_be16(&s, off, &tci) || !span_be16(&s, off + 2, &type))
			goto trunc;
		p->vlan[p->n_vlan++] = tci & 0x0fff;
		off += 4;
	}
	if (type == ETHERTYPE_IPV4)
		return decode_ip(span_from(&s, off), 4, p, err);
	if (type == ETHERTYPE_IPV6)
		return decode_ip(span_from(&s, off), 6, p, err);
	return DECODE_OTHER;	/* ARP, LLC lengths, ... */

trunc:
	*err = DECODE_ERR_LINK_TRUNCATED;
	return DECODE_BAD;
}

/*
 * Ethernet II (IEEE 802.3)
 *
 *  +--------+--------+--------+--------+--------+--------+--------+
 *  |  destination MAC (6)  |   source MAC (6)   | EtherType (2)   |
 *  +--------+--------+--------+--------+--------+--------+--------+
 */
static enum decode_status
decode_ether(struct span s, struct packet *p, enum decode_error *err)
{
	uint16_t type;

	if (!span_be16(&s, 12, &type)) {
		*err = DECODE_ERR_LINK_TRUNCATED;
		return DECODE_BAD;
	}
	return decode_ethertype(s, 14, type, p, err);
}

/*
 * Linux cooked capture v1 (LINKTYPE_LINUX_SLL), 16 bytes, big-endian:
 *
 *  +---------------+---------------+---------------+
 *  | packet type 2 | ARPHRD type 2 | addr length 2 |
 *  +---------------+---------------+---------------+
 *  |         link-layer address (8)| protocol (2)  |
 *  +---------------------------------+-------------+
 */
static enum decode_status
decode_sll(struct span s, struct packet *p, enum decode_error *err)
{
	uint16_t pkttype, proto;

	if (!span_be16(&s, 0, &pkttype) || !span_be16(&s, 14, &proto)) {
		*err = DECODE_ERR_LINK_TRUNCATED;
		return DECODE_BAD;
	}
	p->sll_pkttype = pkttype;
	return decode_ethertype(s, 16, proto, p, err);
}

/*
 * Linux cooked capture v2 (LINKTYPE_LINUX_SLL2), 20 bytes, big-endian:
 *
 *  +---------------+---------------+-------------------------------+
 *  | protocol (2)  | reserved (2)  |     interface index (4)       |
 *  +---------------+-------+-------+-------+-----------------------+
 *  | ARPHRD type 2 |pkttype|addrlen|   link-layer address (8) ...  |
 *  +---------------+-------+-------+-------------------------------+
 */
static enum decode_status
decode_sll2(struct span s, struct packet *p, enum decode_error *err)
{
	uint16_t proto;
	uint8_t pkttype;

	if (!span_be16(&s, 0, &proto) || !span_u8(&s, 10, &pkttype) ||
	    !span_has(&s, 0, 20)) {
		*err = DECODE_ERR_LINK_TRUNCATED;
		return DECODE_BAD;
	}
	p->sll_pkttype = pkttype;
	return decode_ethertype(s, 20, proto, p, err);
}

/*
 * BSD loopback (LINKTYPE_NULL): a 4-byte address family in the byte order of
 * the host that wrote it; a value with high bits set was written by the other
 * byte order. AF_INET6 differs between systems: Linux 10, NetBSD/OpenBSD 24,
 * FreeBSD 28, macOS 30.
 */
static enum decode_status
decode_null(struct span s, struct packet *p, enum decode_error *err)
{
	uint32_t family;

	if (!span_he32(&s, 0, &family)) {
		*err = DECODE_ERR_LINK_TRUNCATED;
		return DECODE_BAD;
	}
	if ((family & 0xffff0000u) != 0)
		family = __builtin_bswap32(family);
	switch (family) {
	case 2:
		return decode_ip(span_from(&s, 4), 4, p, err);
	case 10: case 24: case 28: case 30:
		return decode_ip(span_from(&s, 4), 6, p, err);
	default:
		return DECODE_OTHER;
	}
}

/*
 * NFLOG (LINKTYPE_NFLOG; libpcap's pcap-linktype(7), the kernel's
 * nfnetlink_log):
 *
 *  +-------+-------+---------------+
 *  |family |version| resource id   |   big-endian: the nflog group
 *  +-------+-------+---------------+
 *  | TLV length    |  TLV type     |   host order; length counts this
 *  +---------------+---------------+   4-byte header, not the padding
 *  |  value, padded to 4 bytes     |   to the next 4-byte boundary
 *  .                               .
 *
 * NFULA_PAYLOAD holds the network-layer packet. Other TLVs must fit the
 * capture to be stepped over; the payload TLV may be cut short by snaplen
 * (the IP layer then sees a shorter capture).
 */
static enum decode_status
decode_nflog(struct span s, struct packet *p, enum decode_error *err)
{
	uint16_t group, tlen, ttype;
	uint8_t family, version;
	uint32_t off, step;
	struct span ip;
	int ipver;

	if (!span_u8(&s, 0, &family) || !span_u8(&s, 1, &version) ||
	    !span_be16(&s, 2, &group))
		goto trunc;
	p->nflog_group = group;
	if (version != 0)
		goto bad;
	if (family == 2)
		ipver = 4;
	else if (family == 10)
		ipver = 6;
	else
		return DECODE_OTHER;
	for (off = 4; off < s.cap; off += step) {
		if (!span_he16(&s, off, &tlen) ||
		    !span_he16(&s, off + 2, &ttype))
			goto trunc;
		if (tlen < 4)
			goto bad;
		if (ttype == NFULA_PAYLOAD) {
			ip.p = s.p + off + 4;
			ip.wire = (uint32_t)tlen - 4;
			ip.cap = min_u32(ip.wire, s.cap - off - 4);
			return decode_ip(ip, ipver, p, err);
		}
		if (!span_has(&s, off, tlen))
			goto trunc;
		step = ((uint32_t)tlen + 3) & ~3u;
	}
	if (s.cap < s.wire)
		goto trunc;	/* the payload may be in what was cut off */
	return DECODE_OTHER;	/* logged without the packet (copy range 0) */

bad:
	*err = DECODE_ERR_NFLOG;
	return DECODE_BAD;
trunc:
	*err = DECODE_ERR_LINK_TRUNCATED;
	return DECODE_BAD;
}

bool
decode_link_supported(int linktype)
{
	switch (linktype) {
	case DECODE_LINK_NULL:
	case DECODE_LINK_ETHERNET:
	case DECODE_LINK_RAW:
	case DECODE_LINK_RAW101:
	case DECODE_LINK_SLL:
	case DECODE_LINK_IPV4:
	case DECODE_LINK_IPV6:
	case DECODE_LINK_NFLOG:
	case DECODE_LINK_SLL2:
		return true;
	default:
		return false;
	}
}

const char *
decode_error_name(enum decode_error e)
{
	if ((unsigned)e >= DECODE_ERR_COUNT)
		return "unknown";
	return decode_error_names[e];
}

/*
 * An unsupported linktype yields DECODE_OTHER: callers check
 * decode_link_supported when they open a capture.
 */
enum decode_status
decode_packet(int linktype, const uint8_t *data, uint32_t caplen,
    uint32_t wirelen, struct packet *p, enum decode_error *err)
{
	struct span s = { data, caplen, wirelen > caplen ? wirelen : caplen };
	enum decode_error e = DECODE_ERR_NONE;
	enum decode_status st;

	p->proto = 0;
	p->tcp_flags = 0;
	p->n_vlan = 0;
	p->vlan[0] = p->vlan[1] = 0;
	p->sport = p->dport = 0;
	p->ip_len = 0;
	p->payload = NULL;
	p->payload_caplen = p->payload_len = 0;
	p->sll_pkttype = -1;
	p->nflog_group = 0;

	switch (linktype) {
	case DECODE_LINK_ETHERNET:
		st = decode_ether(s, p, &e);
		break;
	case DECODE_LINK_SLL:
		st = decode_sll(s, p, &e);
		break;
	case DECODE_LINK_SLL2:
		st = decode_sll2(s, p, &e);
		break;
	case DECODE_LINK_RAW:
	case DECODE_LINK_RAW101:
		st = decode_ip(s, 0, p, &e);
		break;
	case DECODE_LINK_IPV4:
		st = decode_ip(s, 4, p, &e);
		break;
	case DECODE_LINK_IPV6:
		st = decode_ip(s, 6, p, &e);
		break;
	case DECODE_LINK_NULL:
		st = decode_null(s, p, &e);
		break;
	case DECODE_LINK_NFLOG:
		st = decode_nflog(s, p, &e);
		break;
	default:
		st = DECODE_OTHER;
		break;
	}
	if (err != NULL)
		*err = st == DECODE_BAD ? e : DECODE_ERR_NONE;
	return st;
}
