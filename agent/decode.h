/* Packet decoding: link layer, IPv4/IPv6, TCP/UDP, into the facts the agent needs. */
#ifndef EEAGUARD_DECODE_H
#define EEAGUARD_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "rules/addr.h"

/* Link types decode_packet understands (pcap DLT_* / LINKTYPE_* values). */
#define DECODE_LINK_NULL	0	/* BSD loopback: 4-byte host-order family */
#define DECODE_LINK_ETHERNET	1	/* DLT_EN10MB, with 802.1Q / 802.1ad tags */
#define DECODE_LINK_RAW		12	/* DLT_RAW on Linux (= LINKTYPE_RAW 101) */
#define DECODE_LINK_RAW101	101	/* LINKTYPE_RAW as written in files */
#define DECODE_LINK_SLL		113	/* Linux cooked v1 (-i any, old libpcap) */
#define DECODE_LINK_IPV4	228
#define DECODE_LINK_IPV6	229
#define DECODE_LINK_NFLOG	239	/* nflog:N, TLV payload */
#define DECODE_LINK_SLL2	276	/* Linux cooked v2 (-i any) */

bool decode_link_supported(int linktype);

/* Why a packet was not decoded; each is counted in stats by name. */
enum decode_error {
	DECODE_ERR_NONE,
	DECODE_ERR_LINK_TRUNCATED,	/* shorter than its link header */
	DECODE_ERR_VLAN_DEPTH,		/* more than 2 VLAN tags */
	DECODE_ERR_IP_TRUNCATED,	/* shorter than the IP header */
	DECODE_ERR_IP_VERSION,		/* version field disagrees with the link */
	DECODE_ERR_IP_HEADER,		/* IPv4 IHL < 5 or past the data */
	DECODE_ERR_IP_LENGTH,		/* total length smaller than the header */
	DECODE_ERR_IP6_EXT,		/* extension header chain malformed/too long */
	DECODE_ERR_L4_TRUNCATED,	/* TCP/UDP header cut short */
	DECODE_ERR_TCP_HEADER,		/* TCP data offset < 5 or past the data */
	DECODE_ERR_NFLOG,		/* malformed NFLOG TLVs */
	DECODE_ERR_UDP_LENGTH,		/* UDP length < 8 or past the IP data */
	DECODE_ERR_COUNT
};

const char *decode_error_name(enum decode_error e);	/* "ip_truncated" ... */

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10

/*
 * The facts of one TCP or UDP packet. payload points into the caller's
 * packet buffer (valid as long as it is).
 */
struct packet {
	uint8_t proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t tcp_flags;	/* TCP_* bits; 0 for UDP */
	uint8_t n_vlan;
	uint16_t vlan[2];	/* VLAN IDs (12 bits), outer first */
	struct ipaddr src;
	struct ipaddr dst;
	uint16_t sport;
	uint16_t dport;
	uint32_t ip_len;	/* bytes on the wire from the IP header on */
	const uint8_t *payload;	/* transport payload as captured */
	uint32_t payload_caplen;	/* captured bytes of it */
	uint32_t payload_len;	/* payload bytes on the wire (from IP lengths) */
	int sll_pkttype;	/* SLL/SLL2 packet type (4 = outgoing), else -1 */
	uint16_t nflog_group;	/* for DECODE_LINK_NFLOG; else 0 */
};

/* What decode_packet made of a packet. */
enum decode_status {
	DECODE_OK = 1,		/* a TCP or UDP packet: p is filled in */
	DECODE_OTHER = 0,	/* well-formed but not for us: not IP, ICMP,
				 * a non-first fragment, ... */
	DECODE_BAD = -1,	/* malformed or truncated: *err says why */
};

/*
 * Decodes caplen captured bytes of a packet that was wirelen bytes long.
 * Every field is read through bounds checks; nothing past data + caplen is
 * ever touched. Never allocates.
 */
enum decode_status decode_packet(int linktype, const uint8_t *data,
    uint32_t caplen, uint32_t wirelen, struct packet *p,
    enum decode_error *err);

#endif
