/* Unit tests for agent/decode: link layers, IPv4/IPv6, TCP/UDP, truncation. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/decode.h"

/*
 * Packets are assembled byte by byte into a struct pkt; finish() fills in the
 * lengths (IPv4 total, IPv6 payload, UDP, NFLOG payload TLV) from what was
 * appended, so a test only overrides the field it is about.
 */
#define PKT_MAX 2048

struct pkt {
	uint8_t b[PKT_MAX];
	uint32_t n;
	int ip_off;		/* -1 until an IP header is added */
	int ip_ver;
	int udp_off;
	int nflog_off;		/* the NFLOG payload TLV */
	uint32_t pay_off;	/* where the transport payload starts */
	uint32_t pad;		/* NFLOG padding finish() appended */
};

static const uint8_t SRC4[4] = { 10, 1, 2, 3 };
static const uint8_t DST4[4] = { 203, 0, 113, 7 };
static const uint8_t SRC6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 };
static const uint8_t DST6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff,
    [15] = 0x07 };

#define PROTO_ICMP	1
#define PROTO_TCP	6
#define PROTO_UDP	17
#define PROTO_ESP	50
#define PROTO_AH	51
#define PROTO_ICMP6	58
#define PROTO_NONE6	59
#define PROTO_HOP	0
#define PROTO_RT	43
#define PROTO_FRAG	44
#define PROTO_DST	60

static void
begin(struct pkt *k)
{
	memset(k, 0, sizeof(*k));
	k->ip_off = k->udp_off = k->nflog_off = -1;
}

static void
put8(struct pkt *k, uint8_t v)
{
	ck_assert_uint_lt(k->n, PKT_MAX);
	k->b[k->n++] = v;
}

static void
put16(struct pkt *k, uint16_t v)
{
	put8(k, (uint8_t)(v >> 8));
	put8(k, (uint8_t)v);
}

static void
put32(struct pkt *k, uint32_t v)
{
	put16(k, (uint16_t)(v >> 16));
	put16(k, (uint16_t)v);
}

static void
put_bytes(struct pkt *k, const void *v, uint32_t n)
{
	ck_assert_uint_le(k->n + n, PKT_MAX);
	memcpy(k->b + k->n, v, n);
	k->n += n;
}

static void
put_h16(struct pkt *k, uint16_t v)
{
	put_bytes(k, &v, 2);
}

static void
put_h32(struct pkt *k, uint32_t v)
{
	put_bytes(k, &v, 4);
}

static void
put_fill(struct pkt *k, uint32_t n, uint8_t v)
{
	while (n-- > 0)
		put8(k, v);
}

static void
set16(struct pkt *k, uint32_t off, uint16_t v)
{
	k->b[off] = (uint8_t)(v >> 8);
	k->b[off + 1] = (uint8_t)v;
}

static void
set_h16(struct pkt *k, uint32_t off, uint16_t v)
{
	memcpy(k->b + off, &v, 2);
}

/* Ethernet II: fixed MACs, then the (outermost) EtherType. */
static void
eth(struct pkt *k, uint16_t type)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };

	put_bytes(k, macs, sizeof(macs));
	put16(k, type);
}

/* A VLAN tag's TCI and the EtherType after it. */
static void
vtag(struct pkt *k, uint16_t tci, uint16_t next)
{
	put16(k, tci);
	put16(k, next);
}

static void
sll(struct pkt *k, uint16_t pkttype, uint16_t proto)
{
	put16(k, pkttype);
	put16(k, 1);			/* ARPHRD_ETHER */
	put16(k, 6);
	put_fill(k, 6, 0xaa);
	put_fill(k, 2, 0);
	put16(k, proto);
}

static void
sll2(struct pkt *k, uint16_t proto, uint8_t pkttype)
{
	put16(k, proto);
	put16(k, 0);
	put32(k, 2);			/* ifindex */
	put16(k, 1);			/* ARPHRD_ETHER */
	put8(k, pkttype);
	put8(k, 6);
	put_fill(k, 6, 0xbb);
	put_fill(k, 2, 0);
}

static void
null_hdr(struct pkt *k, uint32_t family)
{
	put_h32(k, family);
}

static void
nflog_hdr(struct pkt *k, uint8_t family, uint16_t group)
{
	put8(k, family);
	put8(k, 0);
	put16(k, group);
}

/* A non-payload TLV with len value bytes, padded to 4. */
static void
nflog_tlv(struct pkt *k, uint16_t type, uint16_t len)
{
	put_h16(k, (uint16_t)(len + 4));
	put_h16(k, type);
	put_fill(k, len, 0x41);
	put_fill(k, (4 - len % 4) % 4, 0);
}

/* The NFULA_PAYLOAD TLV header; finish() sets its length and pads. */
static void
nflog_payload(struct pkt *k)
{
	k->nflog_off = (int)k->n;
	put_h16(k, 0);
	put_h16(k, 9);
}

/* IPv4 with optlen bytes of NOP options and the given flags/offset word. */
static void
ip4(struct pkt *k, uint8_t proto, uint32_t optlen, uint16_t frag)
{
	k->ip_off = (int)k->n;
	k->ip_ver = 4;
	put8(k, (uint8_t)(0x40 | (5 + optlen / 4)));
	put8(k, 0);
	put16(k, 0);			/* total length: finish() */
	put16(k, 0x1234);
	put16(k, frag);
	put8(k, 64);
	put8(k, proto);
	put16(k, 0);
	put_bytes(k, SRC4, 4);
	put_bytes(k, DST4, 4);
	put_fill(k, optlen, 1);
}

static void
ip6(struct pkt *k, uint8_t nh)
{
	k->ip_off = (int)k->n;
	k->ip_ver = 6;
	put32(k, 0x60000000);
	put16(k, 0);			/* payload length: finish() */
	put8(k, nh);
	put8(k, 64);
	put_bytes(k, SRC6, 16);
	put_bytes(k, DST6, 16);
}

/* Hop-by-hop, routing or destination options: (hlen + 1) * 8 bytes. */
static void
ext6(struct pkt *k, uint8_t nh, uint8_t hlen)
{
	put8(k, nh);
	put8(k, hlen);
	put_fill(k, ((uint32_t)hlen + 1) * 8 - 2, 0);	/* Pad1 options */
}

static void
frag6(struct pkt *k, uint8_t nh, uint16_t offset, int more)
{
	put8(k, nh);
	put8(k, 0);
	put16(k, (uint16_t)(offset << 3 | (more ? 1 : 0)));
	put32(k, 0xdeadbeef);
}

static void
ah6(struct pkt *k, uint8_t nh, uint8_t len)
{
	put8(k, nh);
	put8(k, len);
	put_fill(k, ((uint32_t)len + 2) * 4 - 2, 0x33);
}

static void
tcp(struct pkt *k, uint16_t sport, uint16_t dport, uint8_t flags,
    uint8_t doff)
{
	put16(k, sport);
	put16(k, dport);
	put32(k, 1000);
	put32(k, 0);
	put8(k, (uint8_t)(doff << 4));
	put8(k, flags);
	put16(k, 65535);
	put16(k, 0);
	put16(k, 0);
	if (doff > 5)
		put_fill(k, ((uint32_t)doff - 5) * 4, 1);
	k->pay_off = k->n;
}

static void
udp(struct pkt *k, uint16_t sport, uint16_t dport)
{
	k->udp_off = (int)k->n;
	put16(k, sport);
	put16(k, dport);
	put16(k, 0);			/* length: finish() */
	put16(k, 0);
	k->pay_off = k->n;
}

static void
payload(struct pkt *k, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		put8(k, (uint8_t)(i ^ 0x5a));
}

static void
icmp4(struct pkt *k)
{
	put8(k, 8);
	put8(k, 0);
	put16(k, 0);
	put32(k, 0x00010001);
}

static void
finish(struct pkt *k)
{
	if (k->udp_off >= 0)
		set16(k, (uint32_t)k->udp_off + 4,
		    (uint16_t)(k->n - (uint32_t)k->udp_off));
	if (k->ip_off >= 0 && k->ip_ver == 4)
		set16(k, (uint32_t)k->ip_off + 2,
		    (uint16_t)(k->n - (uint32_t)k->ip_off));
	if (k->ip_off >= 0 && k->ip_ver == 6)
		set16(k, (uint32_t)k->ip_off + 4,
		    (uint16_t)(k->n - (uint32_t)k->ip_off - 40));
	if (k->nflog_off >= 0) {
		set_h16(k, (uint32_t)k->nflog_off,
		    (uint16_t)(k->n - (uint32_t)k->nflog_off));
		k->pad = (4 - k->n % 4) % 4;
		put_fill(k, k->pad, 0);
	}
}

/*
 * Decodes the first caplen bytes of k from an exact-size heap copy, so that
 * ASan reports any read past caplen; p->payload is translated back into k.
 */
static enum decode_status
dec(int link, struct pkt *k, uint32_t caplen, uint32_t wirelen,
    struct packet *p, enum decode_error *e)
{
	uint8_t *buf = malloc(caplen);
	enum decode_status st;

	ck_assert(buf != NULL || caplen == 0);
	if (caplen > 0)
		memcpy(buf, k->b, caplen);
	memset(p, 0xee, sizeof(*p));
	*e = DECODE_ERR_COUNT;
	st = decode_packet(link, buf, caplen, wirelen, p, e);
	if (st == DECODE_OK) {
		ck_assert_ptr_nonnull(p->payload);
		ck_assert(p->payload >= buf);
		ck_assert_uint_le((uint32_t)(p->payload - buf) +
		    p->payload_caplen, caplen);
		p->payload = k->b + (p->payload - buf);
	}
	free(buf);
	return st;
}

static enum decode_status
dec_full(int link, struct pkt *k, struct packet *p, enum decode_error *e)
{
	return dec(link, k, k->n, k->n, p, e);
}

/* Decodes k whole and expects DECODE_OK with the payload at k->pay_off. */
static void
expect_ok(int link, struct pkt *k, struct packet *p)
{
	enum decode_error e;
	enum decode_status st = dec_full(link, k, p, &e);

	ck_assert_msg(st == DECODE_OK, "status %d, error %s", st,
	    decode_error_name(e));
	ck_assert_int_eq(e, DECODE_ERR_NONE);
	ck_assert_ptr_eq(p->payload, k->b + k->pay_off);
}

static void
expect_bad(int link, struct pkt *k, enum decode_error want)
{
	struct packet p;
	enum decode_error e;
	enum decode_status st = dec_full(link, k, &p, &e);

	ck_assert_msg(st == DECODE_BAD && e == want,
	    "status %d error %s, want bad %s", st, decode_error_name(e),
	    decode_error_name(want));
}

static void
expect_other(int link, struct pkt *k)
{
	struct packet p;
	enum decode_error e;
	enum decode_status st = dec_full(link, k, &p, &e);

	ck_assert_msg(st == DECODE_OTHER, "status %d error %s, want other",
	    st, decode_error_name(e));
	ck_assert_int_eq(e, DECODE_ERR_NONE);
}

static void
expect_v4_addrs(const struct packet *p)
{
	struct ipaddr s, d;

	ipaddr_from_v4(&s, SRC4);
	ipaddr_from_v4(&d, DST4);
	ck_assert(ipaddr_equal(&p->src, &s));
	ck_assert(ipaddr_equal(&p->dst, &d));
}

static void
expect_v6_addrs(const struct packet *p)
{
	ck_assert_mem_eq(p->src.b, SRC6, 16);
	ck_assert_mem_eq(p->dst.b, DST6, 16);
}

/* Ethernet / IPv4 / TCP SYN with 10 payload bytes. */
static void
build_eth_v4_tcp(struct pkt *k)
{
	begin(k);
	eth(k, 0x0800);
	ip4(k, PROTO_TCP, 0, 0x4000);
	tcp(k, 43210, 443, 0x02, 5);
	payload(k, 10);
	finish(k);
}

START_TEST(test_eth_ipv4_tcp_syn)
{
	struct pkt k;
	struct packet p;

	build_eth_v4_tcp(&k);
	expect_ok(DECODE_LINK_ETHERNET, &k, &p);
	ck_assert_uint_eq(p.proto, PROTO_TCP);
	ck_assert_uint_eq(p.tcp_flags, TCP_SYN);
	ck_assert_uint_eq(p.sport, 43210);
	ck_assert_uint_eq(p.dport, 443);
	expect_v4_addrs(&p);
	ck_assert(ipaddr_is_v4(&p.dst));
	ck_assert_uint_eq(p.ip_len, 20 + 20 + 10);
	ck_assert_uint_eq(p.payload_caplen, 10);
	ck_assert_uint_eq(p.payload_len, 10);
	ck_assert_uint_eq(p.payload[0], 0x5a);
	ck_assert_uint_eq(p.n_vlan, 0);
	ck_assert_int_eq(p.sll_pkttype, -1);
	ck_assert_uint_eq(p.nflog_group, 0);
}
END_TEST

START_TEST(test_tcp_flags)
{
	struct pkt k;
	struct packet p;

	begin(&k);
	eth(&k, 0x0800);
	ip4(&k, PROTO_TCP, 0, 0);
	tcp(&k, 1, 2, TCP_FIN | TCP_RST | TCP_PSH | TCP_ACK, 5);
	finish(&k);
	expect_ok(DECODE_LINK_ETHERNET, &k, &p);
	ck_assert_uint_eq(p.tcp_flags, TCP_FIN | TCP_RST | TCP_PSH | TCP_ACK);
	ck_assert_uint_eq(p.payload_len, 0);
	ck_assert_uint_eq(p.payload_caplen, 0);
}
END_TEST

START_TEST(test_eth_ipv6_udp)
{
	struct pkt k;
	struct packet p;

	begin(&k);
	eth(&k, 0x86dd);
	ip6(&k, PROTO_UDP);
	udp(&k, 5353, 53);
	payload(&k, 33);
	finish(&k);
	expect_ok(DECODE_LINK_ETHERNET, &k, &p);
	ck_assert_uint_eq(p.proto, PROTO_UDP);
	ck_assert_uint_eq(p.tcp_flags, 0);
	ck_assert_uint_eq(p.sport, 5353);
	ck_assert_uint_eq(p.dport, 53);
	expect_v6_addrs(&p);
	ck_assert(!ipaddr_is_v4(&p.dst));
	ck_assert_uint_eq(p.ip_len, 40 + 8 + 33);
	ck_assert_uint_eq(p.payload_len, 33);
	ck_assert_uint_eq(p.payload_caplen, 33);
}
END_TEST

START_TEST(test_vlan_8021q)
{
	struct pkt k;
	struct packet p;

	begin(&k);
	eth(&k, 0x8100);
	vtag(&k, 0x2000 | 100, 0x0800);		/* PCP 1 must not leak in */
	ip4(&k, PROTO_UDP, 0, 0);
	udp(&k, 1000, 53);
	payload(&k, 4);
	finish(&k);
	expect_ok(DECODE_LINK_ETHERNET, &k, &p);
	ck_assert_uint_eq(p.n_vlan, 1);
	ck_assert_uint_eq(p.vlan[0], 100);
	ck_assert_uint_eq(p.dport, 53);
	ck_assert_uint_eq(p.payload_len, 4);
}
END_TEST

START_TEST(test_vlan_qinq)
{
	static const uint16_t outer[] = { 0x88a8, 0x9100, 0x8100 };
	struct pkt k;
	struct packet p;
	size_t i;

	for (i = 0; i < sizeof(outer) / sizeof(outer[0]); i++) {
		begin(&k);
		eth(&k, outer[i]);
		vtag(&k, 10, 0x8100);
		vtag(&k, 0xf000 | 4094, 0x86dd);
		ip6(&k, PROTO_TCP);
		tcp(&k, 40000, 443, TCP_SYN, 5);
		finish(&k);
		expect_ok(DECODE_LINK_ETHERNET, &k, &p);
		ck_assert_uint_eq(p.n_vlan, 2);
		ck_assert_uint_eq(p.vlan[0], 10);
		ck_assert_uint_eq(p.vlan[1], 4094);
		ck_assert_uint_eq(p.dport, 443);
	}
}
END_TEST

START_TEST(test_vlan_three_tags)
{
	struct pkt k;

	begin(&k);
	eth(&k, 0x88a8);
	vtag(&k, 1, 0x8100);
	vtag(&k, 2, 0x8100);
	vtag(&k, 3, 0x0800);
	ip4(&k, PROTO_TCP, 0, 0);
	tcp(&k, 1, 2, TCP_SYN, 5);
	finish(&k);
	expect_bad(DECODE_LINK_ETHERNET, &k, DECODE_ERR_VLAN_DEPTH);
}
END_TEST

START_TEST(test_arp_is_other)
{
	struct pkt k;

	begin(&k);
	eth(&k, 0x0806);
	put16(&k, 1);
	put16(&k, 0x0800);
	put8(&k, 6);
	put8(&k, 4);
	put16(&k, 1);
	put_fill(&k, 20, 0);
	expect_other(DECODE_LINK_ETHERNET, &k);

	/* An 802.3 length field instead of an EtherType, and tagged ARP. */
	begin(&k);
	eth(&k, 46);
	put_fill(&k, 46, 0);
	expect_other(DECODE_LINK_ETHERNET, &k);
	begin(&k);
	eth(&k, 0x8100);
	vtag(&k, 5, 0x0806);
	put_fill(&k, 28, 0);
	expect_other(DECODE_LINK_ETHERNET, &k);
}
END_TEST

START_TEST(test_icmp_is_other)
{
	struct pkt k;
	struct packet p;
	enum decode_error e;

	begin(&k);
	eth(&k, 0x0800);
	ip4(&k, PROTO_ICMP, 0, 0);
	icmp4(&k);
	finish(&k);
	ck_assert_int_eq(dec_full(DECODE_LINK_ETHERNET, &k, &p, &e),
	    DECODE_OTHER);
	ck_assert_int_eq(e, DECODE_ERR_NONE);

	begin(&k);
	eth(&k, 0x86dd);
	ip6(&k, PROTO_ICMP6);
	icmp4(&k);
	finish(&k);
	expect_other(DECODE_LINK_ETHERNET, &k);
}
END_TEST

START_TEST(test_sll)
{
	struct pkt k;
	struct packet p;

	begin(&k);
	sll(&k, 4, 0x0800);
	ip4(&k, PROTO_TCP, 0, 0);
	tcp(&k, 5555, 8443, TCP_SYN | TCP_ACK, 5);
	payload(&k, 3);
	finish(&k);
	expect_ok(DECODE_LINK_SLL, &k, &p);
	ck_assert_int_eq(p.sll_pkttype, 4);
	ck_assert_uint_eq(p.dport, 8443);
	ck_assert_uint_eq(p.tcp_flags, TCP_SYN | TCP_ACK);
	expect_v4_addrs(&p);

	begin(&k);
	sll(&k, 0, 0x86dd);
	ip6(&k, PROTO_UDP);
	udp(&k, 53, 5353);
	finish(&k);
	expect_ok(DECODE_LINK_SLL, &k, &p);
	ck_assert_int_eq(p.sll_pkttype, 0);
	expect_v6_addrs(&p);

	/* A VLAN tag libpcap put back into a cooked header. */
	begin(&k);
	sll(&k, 4, 0x8100);
	vtag(&k, 42, 0x0800);
	ip4(&k, PROTO_UDP, 0, 0);
	udp(&k, 53, 5353);
	finish(&k);
	expect_ok(DECODE_LINK_SLL, &k, &p);
	ck_assert_uint_eq(p.n_vlan, 1);
	ck_assert_uint_eq(p.vlan[0], 42);

	begin(&k);
	sll(&k, 4, 0x0806);
	put_fill(&k, 28, 0);
	expect_other(DECODE_LINK_SLL, &k);
}
END_TEST

START_TEST(test_sll2)
{
	struct pkt k;
	struct packet p;

	begin(&k);
	sll2(&k, 0x86dd, 4);
	ip6(&k, PROTO_TCP);
	tcp(&k, 40001, 443, TCP_SYN, 10);
	payload(&k, 7);
	finish(&k);
	expect_ok(DECODE_LINK_SLL2, &k, &p);
	ck_assert_int_eq(p.sll_pkttype, 4);
	ck_assert_uint_eq(p.sport, 40001);
	ck_assert_uint_eq(p.payload_len, 7);
	expect_v6_addrs(&p);

	begin(&k);
	sll2(&k, 0x0800, 0);
	ip4(&k, PROTO_UDP, 0, 0);
	udp(&k, 1, 2);
	finish(&k);
	expect_ok(DECODE_LINK_SLL2, &k, &p);
	ck_assert_int_eq(p.sll_pkttype, 0);
	expect_v4_addrs(&p);
}
END_TEST

START_TEST(test_raw)
{
	static const int links[] = { DECODE_LINK_RAW, DECODE_LINK_RAW101 };
	struct pkt k;
	struct packet p;
	size_t i;

	for (i = 0; i < 2; i++) {
		begin(&k);
		ip4(&k, PROTO_TCP, 0, 0);
		tcp(&k, 1, 443, TCP_SYN, 5);
		finish(&k);
		expect_ok(links[i], &k, &p);
		expect_v4_addrs(&p);
		ck_assert_uint_eq(p.ip_len, 40);

		begin(&k);
		ip6(&k, PROTO_UDP);
		udp(&k, 1, 53);
		finish(&k);
		expect_ok(links[i], &k, &p);
		expect_v6_addrs(&p);
		ck_assert_uint_eq(p.ip_len, 48);

		k.b[0] = 0x50;	/* version 5 */
		expect_bad(links[i], &k, DECODE_ERR_IP_VERSION);
	}

	begin(&k);
	ip4(&k, PROTO_TCP, 0, 0);
	tcp(&k, 1, 443, TCP_SYN, 5);
	finish(&k);
	expect_ok(DECODE_LINK_IPV4, &k, &p);
	expect_bad(DECODE_LINK_IPV6, &k, DECODE_ERR_IP_VERSION);

	begin(&k);
	ip6(&k, PROTO_TCP);
	tcp(&k, 1, 443, TCP_SYN, 5);
	finish(&k);
	expect_ok(DECODE_LINK_IPV6, &k, &p);
	expect_bad(DECODE_LINK_IPV4, &k, DECODE_ERR_IP_VERSION);
}
END_TEST

START_TEST(test_ethertype_version_mismatch)
{
	struct pkt k;

	begin(&k);
	eth(&k, 0x0800);
	ip6(&k, PROTO_TCP);
	tcp(&k, 1, 2, TCP_SYN, 5);
	finish(&k);
	expect_bad(DECODE_LINK_ETHERNET, &k, DECODE_ERR_IP_VERSION);
}
END_TEST

START_TEST(test_null)
{
	static const uint32_t v6fam[] = { 10, 24, 28, 30 };
	struct pkt k;
	struct packet p;
	size_t i;

	begin(&k);
	null_hdr(&k, 2);
	ip4(&k, PROTO_TCP, 0, 0);
	tcp(&k, 1, 80, TCP_SYN, 5);
	finish(&k);
	expect_ok(DECODE_LINK_NULL, &k, &p);
	expect_v4_addrs(&p);

	/* Written on a host of the other byte order. */
	begin(&k);
	null_hdr(&k, __builtin_bswap32(2));
	ip4(&k, PROTO_TCP, 0, 0);
	tcp(&k, 1, 80, TCP_SYN, 5);
	finish(&k);
	expect_ok(DECODE_LINK_NULL, &k, &p);

	for (i = 0; i < sizeof(v6fam) / sizeof(v6fam[0]); i++) {
		begin(&k);
		null_hdr(&k, v6fam[i]);
		ip6(&k, PROTO_UDP);
		udp(&k, 1, 53);
		finish(&k);
		expect_ok(DECODE_LINK_NULL, &k, &p);
		expect_v6_addrs(&p);
	}

	begin(&k);
	null_hdr(&k, 7);
	put_fill(&k, 40, 0x45);
	expect_other(DECODE_LINK_NULL, &k);

	begin(&k);
	null_hdr(&k, 2);
	ip6(&k, PROTO_UDP);
	udp(&k, 1, 53);
	finish(&k);
	expect_bad(DECODE_LINK_NULL, &k, DECODE_ERR_IP_VERSION);
}
END_TEST

START_TEST(test_nflog)
{
	struct pkt k;
	struct packet p;

	/* Packet header, a 5-byte prefix (padded), then the payload. */
	begin(&k);
	nflog_hdr(&k, 2, 7);
	nflog_tlv(&k, 1, 4);
	nflog_tlv(&k, 10, 5);
	nflog_payload(&k);
	ip4(&k, PROTO_TCP, 0, 0);
	tcp(&k, 40000, 443, TCP_SYN, 5);
	payload(&k, 2);		/* odd: the TLV gets padding after it */
	finish(&k);
	ck_assert_uint_eq(k.n % 4, 0);
	expect_ok(DECODE_LINK_NFLOG, &k, &p);
	ck_assert_uint_eq(p.nflog_group, 7);
	ck_assert_int_eq(p.sll_pkttype, -1);
	ck_assert_uint_eq(p.dport, 443);
	ck_assert_uint_eq(p.payload_len, 2);
	ck_assert_uint_eq(p.payload_caplen, 2);
	expect_v4_addrs(&p);

	begin(&k);
	nflog_hdr(&k, 10, 0x1234);
	nflog_payload(&k);
	ip6(&k, PROTO_UDP);
	udp(&k, 5353, 53);
	payload(&k, 5);
	finish(&k);
	expect_ok(DECODE_LINK_NFLOG, &k, &p);
	ck_assert_uint_eq(p.nflog_group, 0x1234);
	ck_assert_uint_eq(p.payload_len, 5);
	expect_v6_addrs(&p);

	/* The family says IPv4, the payload is IPv6. */
	begin(&k);
	nflog_hdr(&k, 2, 1);
	nflog_payload(&k);
	ip6(&k, PROTO_UDP);
	udp(&k, 5353, 53);
	finish(&k);
	expect_bad(DECODE_LINK_NFLOG, &k, DECODE_ERR_IP_VERSION);
}
END_TEST

START_TEST(test_nflog_malformed)
{
	struct pkt k;
	struct packet p;
	enum decode_error e;

	/* No payload TLV: logged without the packet. */
	begin(&k);
	nflog_hdr(&k, 2, 1);
	nflog_tlv(&k, 1, 4);
	expect_other(DECODE_LINK_NFLOG, &k);
	/* ... but if the capture was cut, the payload may be in the rest. */
	ck_assert_int_eq(dec(DECODE_LINK_NFLOG, &k, k.n, k.n + 100, &p, &e),
	    DECODE_BAD);
	ck_assert_int_eq(e, DECODE_ERR_LINK_TRUNCATED);

	/* A TLV length below its own header (a valid payload follows). */
	begin(&k);
	nflog_hdr(&k, 2, 1);
	put_h16(&k, 3);
	put_h16(&k, 1);
	nflog_payload(&k);
	ip4(&k, PROTO_UDP, 0, 0);
	udp(&k, 1, 2);
	finish(&k);
	expect_bad(DECODE_LINK_NFLOG, &k, DECODE_ERR_NFLOG);

	/* A TLV that runs past the data. */
	begin(&k);
	nflog_hdr(&k, 2, 1);
	put_h16(&k, 200);
	put_h16(&k, 1);
	put_fill(&k, 40, 0);
	expect_bad(DECODE_LINK_NFLOG, &k, DECODE_ERR_LINK_TRUNCATED);

	/* Unknown version. */
	begin(&k);
	nflog_hdr(&k, 2, 1);
	k.b[1] = 1;
	nflog_payload(&k);
	ip4(&k, PROTO_UDP, 0, 0);
	udp(&k, 1, 2);
	finish(&k);
	expect_bad(DECODE_LINK_NFLOG, &k, DECODE_ERR_NFLOG);

	/* Not an IP family (bridge): not for us, group still known. */
	begin(&k);
	nflog_hdr(&k, 7, 9);
	nflog_payload(&k);
	ip4(&k, PROTO_UDP, 0, 0);
	udp(&k, 1, 2);
	finish(&k);
	ck_assert_int_eq(dec_full(DECODE_LINK_NFLOG, &k, &p, &e),
	    DECODE_OTHER);
	ck_assert_uint_eq(p.nflog_group, 9);
}
END_TEST

START_TEST(test_nflog_payload_truncated)
{
	struct pkt k;
	struct packet p;
	enum decode_error e;

	/* snaplen cut the payload TLV: decode what is there. */
	begin(&k);
	nflog_hdr(&k, 2, 3);
	nflog_payload(&k);
	ip4(&k, PROTO_TCP, 0, 0);
	tcp(&k, 1, 443, TCP_PSH | TCP_ACK, 5);
	payload(&k, 100);
	finish(&k);
	ck_assert_int_eq(dec(DECODE_LINK_NFLOG, &k, k.n - 60, k.n, &p, &e),
	    DECODE_OK);
	ck_assert_uint_eq(p.payload_len, 100);
	ck_assert_uint_eq(p.payload_caplen, 40);
}
END_TEST

START_TEST(test_nflog_payload_bounded_by_tlv)
{
	struct pkt k;
	struct packet p;
	uint32_t end;

	/* A TLV after the payload; the IP header claims more than the TLV. */
	begin(&k);
	nflog_hdr(&k, 2, 3);
	nflog_payload(&k);
	ip4(&k, PROTO_TCP, 0, 0);
	tcp(&k, 1, 443, TCP_PSH | TCP_ACK, 5);
	payload(&k, 12);
	finish(&k);
	end = k.n;
	set16(&k, 4 + 4 + 2, 1400);
	nflog_tlv(&k, 1, 16);
	expect_ok(DECODE_LINK_NFLOG, &k, &p);
	ck_assert_uint_eq(p.payload_caplen, 12);
	ck_assert_uint_eq(p.payload_len, 1400 - 40);
	ck_assert_uint_le(k.pay_off + p.payload_caplen, end);
}
END_TEST

START_TEST(test_ipv4_options)
{
	static const uint32_t opts[] = { 4, 12, 40 };
	struct pkt k;
	struct packet p;
	size_t i;

	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		begin(&k);
		eth(&k, 0x0800);
		ip4(&k, PROTO_TCP, opts[i], 0);
		tcp(&k, 1234, 443, TCP_SYN, 5);
		payload(&k, 6);
		finish(&k);
		expect_ok(DECODE_LINK_ETHERNET, &k, &p);
		ck_assert_uint_eq(p.sport, 1234);
		ck_assert_uint_eq(p.ip_len, 20 + opts[i] + 20 + 6);
		ck_assert_uint_eq(p.payload_len, 6);
	}
}
END_TEST

START_TEST(test_ipv4_bad_ihl)
{
	struct pkt k;
	uint8_t ihl;

	for (ihl = 0; ihl < 5; ihl++) {
		build_eth_v4_tcp(&k);
		k.b[14] = (uint8_t)(0x40 | ihl);
		expect_bad(DECODE_LINK_ETHERNET, &k, DECODE_ERR_IP_HEADER);
	}
	/* IHL 15 (60 bytes) but only 20 + 20 + 10 bytes follow... */
	build_eth_v4_tcp(&k);
	k.b[14] = 0x4f;
	expect_bad(DECODE_LINK_ETHERNET, &k, DECODE_ERR_IP_HEADER);
	/* ... and IHL within the data but beyond the total length. */
	build_eth_v4_tcp(&k);
	k.b[14] = 0x47;
	set16(&k, 16, 24);
	expect_bad(DECODE_LINK_ETHERNET, &k, DECODE_ERR_IP_LENGTH);
}
END_TEST

START_TEST(test_ipv4_tso_length_zero)
{
	struct pkt k;
	struct packet p;
	enum decode_error e;

	/* A TSO super-packet: total length 0, the wire length rules. */
	build_eth_v4_tcp(&k);
	set16(&k, 16, 0);
	ck_assert_int_eq(dec(DECODE_LINK_ETHERNET, &k, k.n, 70014, &p, &e),
	    DECODE_OK);
	ck_assert_uint_eq(p.ip_len, 70000);
	ck_assert_uint_eq(p.payload_len, 70000 - 40);
	ck_assert_uint_eq(p.payload_caplen, 10);
}
END_TEST

START_TEST(test_ipv4_fragments)
{
	struct pkt k;
	struct packet p;
	enum decode_error e;

	/* First fragment (MF, offset 0) carries the TCP header. */
	begin(&k);
	eth(&k, 0x0800);
	ip4(&k, PROTO_TCP, 0, 0x2000);
	tcp(&k, 1, 443, TCP_ACK, 5);
	payload(&k, 16);
	finish(&k);
	expect_ok(DECODE_LINK_ETHERNET, &k, &p);
	ck_assert_uint_eq(p.dport, 443);
	ck_assert_uint_eq(p.payload_len, 16);

	/* Later fragment: its first bytes are data, not a header. */
	begin(&k);
	eth(&k, 0x0800);
	ip4(&k, PROTO_TCP, 0, 0x2000 | 3);
	payload(&k, 24);
	finish(&k);
	ck_assert_int_eq(dec_full(DECODE_LINK_ETHERNET, &k, &p, &e),
	    DECODE_OTHER);
	expect_v4_addrs(&p);	/* addresses are still read */
	set16(&k, 20, 185);	/* last fragment: no MF */
	expect_other(DECODE_LINK_ETHERNET, &k);

	/* UDP first fragment: UDP length covers the whole datagram. */
	begin(&k);
	eth(&k, 0x0800);
	ip4(&k, PROTO_UDP, 0, 0x2000);
	udp(&k, 1, 53);
	payload(&k, 24);
	finish(&k);
	set16(&k, (uint32_t)k.udp_off + 4, 3000);
	expect_ok(DECODE_LINK_ETHERNET, &k, &p);
	ck_assert_uint_eq(p.payload_len, 24);
}
END_TEST

START_TEST(test_ipv6_each_ext)
{
	struct pkt k;
	struct packet p;

	begin(&k);
	eth(&k, 0x86dd);
	ip6(&k, PROTO_HOP);
	ext6(&k, PROTO_TCP, 0);
	tcp(&k, 1, 443, TCP_SYN, 5);
	payload(&k, 3);
	finish(&k);
	expect_ok(DECODE_LINK_ETHERNET, &k, &p);
	ck_assert_uint_eq(p.ip_len, 40 + 8 + 20 + 3);
	ck_assert_uint_eq(p.payload_len, 3);

	begin(&k);
	eth(&k, 0x86dd);
	ip6(&k, PROTO_RT);
	ext6(&k, PROTO_UDP, 2);		/* 24 bytes */
	udp(&k, 1, 53);
	finish(&k);
	expect_ok(DECODE_LINK_ETHERNET, &k, &p);
	ck_assert_uint_eq(p.dport, 53);

	begin(&k);
	eth(&k, 0x86dd);
	ip6(&k, PROTO_DST);
	ext6(&k, PROTO_TCP, 1);
	tcp(&k, 1, 443, TCP_SYN, 5);
	finish(&k);
	expect_ok(DECODE_LINK_ETHERNET, &k, &p);

	begin(&k);
	eth(&k, 0x86dd);
	ip6(&k, PROTO_AH);
	ah6(&k, PROTO_TCP, 4);		/* (4 + 2) * 4 = 24 bytes */
	tcp(&k, 1, 443, TCP_SYN, 5);
	payload(&k, 5);
	finish(&k);
	expect_ok(DECODE_LINK_ETHERNET, &k, &p);
	ck_assert_uint_eq(p.payload_len, 5);

	begin(&k);
	eth(&k, 0x86dd);
	ip6(&k, PROTO_FRAG);
	frag6(&k, PROTO_TCP, 0, 0);	/* atomic fragment */
	tcp(&k, 1, 443, TCP_SYN, 5);
	finish(&k);
	expect_ok(DECODE_LINK_ETHERNET, &k, &p);

	/* All five in one chain. */
	begin(&k);
	eth(&k, 0x86dd);
	ip6(&k, PROTO_HOP);
	ext6(&k, PROTO_RT, 0);
	ext6(&k, PROTO_FRAG, 1);
	frag6(&k, PROTO_AH, 0, 1);
	ah6(&k, PROTO_DST, 1);
	ext6(&k, PROTO_TCP, 0);
	tcp(&k, 1, 443, TCP_SYN, 6);
	payload(&k, 9);
	finish(&k);
	expect_ok(DECODE_LINK_ETHERNET, &k, &p);
	ck_assert_uint_eq(p.payload_len, 9);
	ck_assert_uint_eq(p.payload_caplen, 9);
}
END_TEST

static void
build_ext_chain(struct pkt *k, int n)
{
	int i;

	begin(k);
	eth(k, 0x86dd);
	ip6(k, PROTO_HOP);
	for (i = 0; i < n; i++)
		ext6(k, i == n - 1 ? PROTO_TCP : PROTO_DST, 0);
	tcp(k, 1, 443, TCP_SYN, 5);
	finish(k);
}

START_TEST(test_ipv6_ext_chain_limit)
{
	struct pkt k;
	struct packet p;

	build_ext_chain(&k, 8);
	expect_ok(DECODE_LINK_ETHERNET, &k, &p);
	build_ext_chain(&k, 9);
	expect_bad(DECODE_LINK_ETHERNET, &k, DECODE_ERR_IP6_EXT);
}
END_TEST

START_TEST(test_ipv6_ext_malformed)
{
	struct pkt k;

	/* Hop-by-hop anywhere but first. */
	begin(&k);
	eth(&k, 0x86dd);
	ip6(&k, PROTO_DST);
	ext6(&k, PROTO_HOP, 0);
	ext6(&k, PROTO_TCP, 0);
	tcp(&k, 1, 443, TCP_SYN, 5);
	finish(&k);
	expect_bad(DECODE_LINK_ETHERNET, &k, DECODE_ERR_IP6_EXT);

	/* An extension header longer than the payload length. */
	begin(&k);
	eth(&k, 0x86dd);
	ip6(&k, PROTO_RT);
	ext6(&k, PROTO_TCP, 0);
	tcp(&k, 1, 443, TCP_SYN, 5);
	finish(&k);
	k.b[14 + 41] = 200;
	expect_bad(DECODE_LINK_ETHERNET, &k, DECODE_ERR_IP6_EXT);

	/* Payload length ends inside the fragment header. */
	begin(&k);
	eth(&k, 0x86dd);
	ip6(&k, PROTO_FRAG);
	frag6(&k, PROTO_TCP, 0, 0);
	tcp(&k, 1, 443, TCP_SYN, 5);
	finish(&k);
	set16(&k, 14 + 4, 4);
	expect_bad(DECODE_LINK_ETHERNET, &k, DECODE_ERR_IP6_EXT);
}
END_TEST

START_TEST(test_ipv6_fragments)
{
	struct pkt k;
	struct packet p;

	begin(&k);
	eth(&k, 0x86dd);
	ip6(&k, PROTO_FRAG);
	frag6(&k, PROTO_UDP, 0, 1);
	udp(&k, 1, 53);
	payload(&k, 40);
	finish(&k);
	set16(&k, (uint32_t)k.udp_off + 4, 5000);	/* whole datagram */
	expect_ok(DECODE_LINK_ETHERNET, &k, &p);
	ck_assert_uint_eq(p.dport, 53);
	ck_assert_uint_eq(p.payload_len, 40);

	begin(&k);
	eth(&k, 0x86dd);
	ip6(&k, PROTO_FRAG);
	frag6(&k, PROTO_UDP, 6, 1);
	payload(&k, 48);
	finish(&k);
	expect_other(DECODE_LINK_ETHERNET, &k);

	begin(&k);
	eth(&k, 0x86dd);
	ip6(&k, PROTO_HOP);
	ext6(&k, PROTO_FRAG, 0);
	frag6(&k, PROTO_TCP, 1, 0);	/* last fragment, behind hop-by-hop */
	payload(&k, 48);
	finish(&k);
	expect_other(DECODE_LINK_ETHERNET, &k);
}
END_TEST

START_TEST(test_ipv6_not_l4)
{
	static const uint8_t nh[] = { PROTO_ESP, PROTO_NONE6, PROTO_ICMP6,
	    132 /* SCTP */, 4 /* IPv4-in-IPv6 */ };
	struct pkt k;
	size_t i;

	for (i = 0; i < sizeof(nh); i++) {
		begin(&k);
		eth(&k, 0x86dd);
		ip6(&k, PROTO_DST);
		ext6(&k, nh[i], 0);
		put_fill(&k, 32, 0x11);
		finish(&k);
		expect_other(DECODE_LINK_ETHERNET, &k);
	}
	begin(&k);
	eth(&k, 0x86dd);
	ip6(&k, PROTO_NONE6);
	finish(&k);
	expect_other(DECODE_LINK_ETHERNET, &k);
}
END_TEST

START_TEST(test_ipv6_payload_length_zero)
{
	struct pkt k;
	struct packet p;
	enum decode_error e;

	/* BIG TCP / jumbogram: payload length 0, the wire length rules. */
	begin(&k);
	eth(&k, 0x86dd);
	ip6(&k, PROTO_HOP);
	ext6(&k, PROTO_TCP, 0);
	tcp(&k, 1, 443, TCP_ACK, 5);
	payload(&k, 20);
	finish(&k);
	set16(&k, 14 + 4, 0);
	ck_assert_int_eq(dec(DECODE_LINK_ETHERNET, &k, k.n, 14 + 100000, &p,
	    &e), DECODE_OK);
	ck_assert_uint_eq(p.ip_len, 100000);
	ck_assert_uint_eq(p.payload_len, 100000 - 40 - 8 - 20);
	ck_assert_uint_eq(p.payload_caplen, 20);

	/* RFC 2675: UDP length 0 in a jumbogram; the IP length rules. */
	begin(&k);
	eth(&k, 0x86dd);
	ip6(&k, PROTO_UDP);
	udp(&k, 1, 53);
	payload(&k, 20);
	finish(&k);
	set16(&k, 14 + 4, 0);
	set16(&k, (uint32_t)k.udp_off + 4, 0);
	ck_assert_int_eq(dec(DECODE_LINK_ETHERNET, &k, k.n, 14 + 70000, &p,
	    &e), DECODE_OK);
	ck_assert_uint_eq(p.payload_len, 70000 - 40 - 8);
	ck_assert_uint_eq(p.payload_caplen, 20);
	/* ... but not in a packet that fits the 16-bit length. */
	expect_bad(DECODE_LINK_ETHERNET, &k, DECODE_ERR_UDP_LENGTH);
}
END_TEST

START_TEST(test_tcp_bad_offset)
{
	struct pkt k;
	struct packet p;
	enum decode_error e;
	uint8_t doff;

	for (doff = 0; doff < 5; doff++) {
		build_eth_v4_tcp(&k);
		k.b[14 + 20 + 12] = (uint8_t)(doff << 4);
		expect_bad(DECODE_LINK_ETHERNET, &k, DECODE_ERR_TCP_HEADER);
	}
	/* Data offset past the segment the IP header describes. */
	build_eth_v4_tcp(&k);
	k.b[14 + 20 + 12] = 0xf0;
	expect_bad(DECODE_LINK_ETHERNET, &k, DECODE_ERR_TCP_HEADER);
	/* Within the segment but past the capture: truncation. */
	begin(&k);
	eth(&k, 0x0800);
	ip4(&k, PROTO_TCP, 0, 0);
	tcp(&k, 1, 443, TCP_SYN, 15);
	payload(&k, 10);
	finish(&k);
	ck_assert_int_eq(dec(DECODE_LINK_ETHERNET, &k, 14 + 20 + 40, k.n, &p,
	    &e), DECODE_BAD);
	ck_assert_int_eq(e, DECODE_ERR_L4_TRUNCATED);
}
END_TEST

START_TEST(test_udp_length)
{
	struct pkt k;
	struct packet p;
	uint16_t ulen;

	for (ulen = 0; ulen < 8; ulen++) {
		begin(&k);
		eth(&k, 0x0800);
		ip4(&k, PROTO_UDP, 0, 0);
		udp(&k, 1, 53);
		payload(&k, 12);
		finish(&k);
		set16(&k, (uint32_t)k.udp_off + 4, ulen);
		expect_bad(DECODE_LINK_ETHERNET, &k, DECODE_ERR_UDP_LENGTH);
	}
	/* Longer than the IP payload. */
	set16(&k, (uint32_t)k.udp_off + 4, 21);
	expect_bad(DECODE_LINK_ETHERNET, &k, DECODE_ERR_UDP_LENGTH);
	/* Shorter than the IP payload: the rest is not UDP payload. */
	set16(&k, (uint32_t)k.udp_off + 4, 8 + 5);
	expect_ok(DECODE_LINK_ETHERNET, &k, &p);
	ck_assert_uint_eq(p.payload_len, 5);
	ck_assert_uint_eq(p.payload_caplen, 5);
	ck_assert_uint_eq(p.ip_len, 20 + 8 + 12);
}
END_TEST

/*
 * Regression: a capture that ended inside the UDP checksum read ports and
 * length fine, and payload_caplen underflowed to about 4 G.
 */
START_TEST(test_udp_header_without_checksum)
{
	struct pkt k;
	struct packet p;
	enum decode_error e;
	uint32_t cut;

	begin(&k);
	eth(&k, 0x0800);
	ip4(&k, PROTO_UDP, 0, 0);
	udp(&k, 1, 53);
	payload(&k, 12);
	finish(&k);
	for (cut = 1; cut <= 2; cut++) {
		ck_assert_int_eq(dec(DECODE_LINK_ETHERNET, &k, k.pay_off - cut,
		    k.n, &p, &e), DECODE_BAD);
		ck_assert_int_eq(e, DECODE_ERR_L4_TRUNCATED);
	}
}
END_TEST

START_TEST(test_payload_lengths)
{
	struct pkt k;
	struct packet p;
	enum decode_error e;

	/* snaplen: captured 30 of 100 payload bytes. */
	begin(&k);
	eth(&k, 0x0800);
	ip4(&k, PROTO_TCP, 0, 0);
	tcp(&k, 1, 443, TCP_PSH | TCP_ACK, 8);
	payload(&k, 100);
	finish(&k);
	ck_assert_int_eq(dec(DECODE_LINK_ETHERNET, &k, k.pay_off + 30, k.n,
	    &p, &e), DECODE_OK);
	ck_assert_uint_eq(p.payload_caplen, 30);
	ck_assert_uint_eq(p.payload_len, 100);
	ck_assert_uint_eq(p.ip_len, 20 + 32 + 100);
	ck_assert_ptr_eq(p.payload, k.b + k.pay_off);

	/* Ethernet padding after a short IP packet is not payload. */
	begin(&k);
	eth(&k, 0x0800);
	ip4(&k, PROTO_TCP, 0, 0);
	tcp(&k, 1, 443, TCP_SYN, 5);
	finish(&k);
	put_fill(&k, 6, 0);		/* pad to the 60-byte minimum */
	ck_assert_uint_eq(k.n, 60);
	expect_ok(DECODE_LINK_ETHERNET, &k, &p);
	ck_assert_uint_eq(p.payload_caplen, 0);
	ck_assert_uint_eq(p.payload_len, 0);

	/* Total length beyond the wire: lengths as the header says. */
	build_eth_v4_tcp(&k);
	set16(&k, 16, 1500);
	expect_ok(DECODE_LINK_ETHERNET, &k, &p);
	ck_assert_uint_eq(p.payload_caplen, 10);
	ck_assert_uint_eq(p.payload_len, 1500 - 40);

	/* A wirelen below caplen is not trusted over caplen. */
	build_eth_v4_tcp(&k);
	ck_assert_int_eq(dec(DECODE_LINK_ETHERNET, &k, k.n, 0, &p, &e),
	    DECODE_OK);
	ck_assert_uint_eq(p.payload_caplen, 10);
}
END_TEST

START_TEST(test_link_truncated)
{
	static const int links[] = { DECODE_LINK_ETHERNET, DECODE_LINK_SLL,
	    DECODE_LINK_SLL2, DECODE_LINK_NULL, DECODE_LINK_NFLOG };
	static const uint32_t hdr[] = { 14, 16, 20, 4, 4 };
	struct pkt k;
	struct packet p;
	enum decode_error e;
	size_t i;
	uint32_t n;

	begin(&k);
	put_fill(&k, 64, 0);
	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		for (n = 0; n < hdr[i]; n++) {
			ck_assert_int_eq(dec(links[i], &k, n, 64, &p, &e),
			    DECODE_BAD);
			ck_assert_int_eq(e, DECODE_ERR_LINK_TRUNCATED);
		}
	/* A raw IP link has no link header: nothing is an IP truncation. */
	ck_assert_int_eq(dec(DECODE_LINK_RAW, &k, 0, 64, &p, &e), DECODE_BAD);
	ck_assert_int_eq(e, DECODE_ERR_IP_TRUNCATED);

	/* A VLAN tag cut short. */
	begin(&k);
	eth(&k, 0x8100);
	vtag(&k, 1, 0x0800);
	ck_assert_int_eq(dec(DECODE_LINK_ETHERNET, &k, 16, 64, &p, &e),
	    DECODE_BAD);
	ck_assert_int_eq(e, DECODE_ERR_LINK_TRUNCATED);
}
END_TEST

/* Every packet the truncation sweep cuts, whole: each must decode OK. */
struct sample {
	const char *name;
	int link;
	void (*build)(struct pkt *);
};

static void
s_eth_v4_tcp(struct pkt *k)
{
	build_eth_v4_tcp(k);
}

static void
s_eth_qinq_v4_udp(struct pkt *k)
{
	begin(k);
	eth(k, 0x88a8);
	vtag(k, 7, 0x8100);
	vtag(k, 8, 0x0800);
	ip4(k, PROTO_UDP, 8, 0);
	udp(k, 1, 53);
	payload(k, 12);
	finish(k);
}

static void
s_eth_vlan_v6_tcp(struct pkt *k)
{
	begin(k);
	eth(k, 0x8100);
	vtag(k, 9, 0x86dd);
	ip6(k, PROTO_TCP);
	tcp(k, 1, 443, TCP_SYN, 7);
	payload(k, 9);
	finish(k);
}

static void
s_sll_v4_tcp(struct pkt *k)
{
	begin(k);
	sll(k, 4, 0x0800);
	ip4(k, PROTO_TCP, 4, 0x2000);
	tcp(k, 1, 443, TCP_SYN, 5);
	payload(k, 8);
	finish(k);
}

static void
s_sll2_v6_exts_tcp(struct pkt *k)
{
	begin(k);
	sll2(k, 0x86dd, 4);
	ip6(k, PROTO_HOP);
	ext6(k, PROTO_RT, 0);
	ext6(k, PROTO_FRAG, 1);
	frag6(k, PROTO_AH, 0, 1);
	ah6(k, PROTO_DST, 1);
	ext6(k, PROTO_TCP, 0);
	tcp(k, 1, 443, TCP_SYN, 6);
	payload(k, 11);
	finish(k);
}

static void
s_raw_v4_opts_tcp(struct pkt *k)
{
	begin(k);
	ip4(k, PROTO_TCP, 12, 0);
	tcp(k, 1, 443, TCP_SYN, 8);
	payload(k, 6);
	finish(k);
}

static void
s_raw_v6_udp(struct pkt *k)
{
	begin(k);
	ip6(k, PROTO_UDP);
	udp(k, 1, 53);
	payload(k, 6);
	finish(k);
}

static void
s_null_v6_tcp(struct pkt *k)
{
	begin(k);
	null_hdr(k, 30);
	ip6(k, PROTO_DST);
	ext6(k, PROTO_TCP, 0);
	tcp(k, 1, 443, TCP_SYN, 5);
	payload(k, 5);
	finish(k);
}

static void
s_null_v4_udp(struct pkt *k)
{
	begin(k);
	null_hdr(k, 2);
	ip4(k, PROTO_UDP, 0, 0);
	udp(k, 1, 53);
	payload(k, 5);
	finish(k);
}

static void
s_nflog_v4_tcp(struct pkt *k)
{
	begin(k);
	nflog_hdr(k, 2, 5);
	nflog_tlv(k, 1, 4);
	nflog_tlv(k, 10, 3);
	nflog_payload(k);
	ip4(k, PROTO_TCP, 0, 0);
	tcp(k, 1, 443, TCP_SYN, 5);
	payload(k, 7);
	finish(k);
	ck_assert_uint_ne(k->pad, 0);
	k->n -= k->pad;		/* the sweep cuts only packet bytes */
}

static void
s_nflog_v6_udp(struct pkt *k)
{
	begin(k);
	nflog_hdr(k, 10, 5);
	nflog_payload(k);
	ip6(k, PROTO_UDP);
	udp(k, 1, 53);
	payload(k, 8);
	finish(k);
}

static const struct sample samples[] = {
	{ "eth_v4_tcp", DECODE_LINK_ETHERNET, s_eth_v4_tcp },
	{ "eth_qinq_v4_udp", DECODE_LINK_ETHERNET, s_eth_qinq_v4_udp },
	{ "eth_vlan_v6_tcp", DECODE_LINK_ETHERNET, s_eth_vlan_v6_tcp },
	{ "sll_v4_tcp", DECODE_LINK_SLL, s_sll_v4_tcp },
	{ "sll2_v6_exts_tcp", DECODE_LINK_SLL2, s_sll2_v6_exts_tcp },
	{ "raw12_v4_opts_tcp", DECODE_LINK_RAW, s_raw_v4_opts_tcp },
	{ "raw101_v6_udp", DECODE_LINK_RAW101, s_raw_v6_udp },
	{ "ipv4_v4_opts_tcp", DECODE_LINK_IPV4, s_raw_v4_opts_tcp },
	{ "ipv6_v6_udp", DECODE_LINK_IPV6, s_raw_v6_udp },
	{ "null_v6_tcp", DECODE_LINK_NULL, s_null_v6_tcp },
	{ "null_v4_udp", DECODE_LINK_NULL, s_null_v4_udp },
	{ "nflog_v4_tcp", DECODE_LINK_NFLOG, s_nflog_v4_tcp },
	{ "nflog_v6_udp", DECODE_LINK_NFLOG, s_nflog_v6_udp },
};

/*
 * Cuts each sample at every length: with the headers whole it must still
 * decode with exactly the missing bytes gone from payload_caplen; with a
 * header cut it must be a truncation. wirelen = caplen (a broken file) must
 * be survived too. The exact-size copies in dec() let ASan catch overreads.
 */
START_TEST(test_truncation_sweep)
{
	const struct sample *s = &samples[_i];
	struct packet full, p;
	enum decode_error e;
	enum decode_status st;
	struct pkt k;
	uint32_t cap;

	s->build(&k);
	ck_assert_msg(dec_full(s->link, &k, &full, &e) == DECODE_OK,
	    "%s: whole packet: %s", s->name, decode_error_name(e));
	ck_assert_ptr_eq(full.payload, k.b + k.pay_off);
	ck_assert_uint_gt(full.payload_caplen, 0);
	for (cap = 0; cap < k.n; cap++) {
		st = dec(s->link, &k, cap, k.n, &p, &e);
		if (cap >= k.pay_off) {
			ck_assert_msg(st == DECODE_OK, "%s cut at %u: %d %s",
			    s->name, cap, st, decode_error_name(e));
			ck_assert_uint_eq(p.payload_caplen,
			    full.payload_caplen - (k.n - cap));
			ck_assert_uint_eq(p.payload_len, full.payload_len);
			ck_assert_uint_eq(p.ip_len, full.ip_len);
			ck_assert_uint_eq(p.sport, full.sport);
			ck_assert(ipaddr_equal(&p.dst, &full.dst));
		} else {
			ck_assert_msg(st == DECODE_BAD, "%s cut at %u: %d",
			    s->name, cap, st);
			ck_assert_msg(e == DECODE_ERR_LINK_TRUNCATED ||
			    e == DECODE_ERR_IP_TRUNCATED ||
			    e == DECODE_ERR_IP_HEADER ||
			    e == DECODE_ERR_L4_TRUNCATED,
			    "%s cut at %u: %s", s->name, cap,
			    decode_error_name(e));
		}
		st = dec(s->link, &k, cap, cap, &p, &e);
		ck_assert(st == DECODE_OK || st == DECODE_OTHER ||
		    st == DECODE_BAD);
		if (st == DECODE_BAD)
			ck_assert(e > DECODE_ERR_NONE && e < DECODE_ERR_COUNT);
	}
}
END_TEST

START_TEST(test_error_names)
{
	static const char *const want[DECODE_ERR_COUNT] = {
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
	int i, j;
	const char *c;

	for (i = 0; i < DECODE_ERR_COUNT; i++) {
		ck_assert_ptr_nonnull(want[i]);
		ck_assert_str_eq(decode_error_name((enum decode_error)i),
		    want[i]);
		for (c = want[i]; *c != '\0'; c++)
			ck_assert((*c >= 'a' && *c <= 'z') || *c == '_' ||
			    (*c >= '0' && *c <= '9'));
		for (j = 0; j < i; j++)
			ck_assert_str_ne(want[i], want[j]);
	}
	ck_assert_str_eq(decode_error_name(DECODE_ERR_COUNT), "unknown");
	ck_assert_str_eq(decode_error_name((enum decode_error)-1), "unknown");
}
END_TEST

START_TEST(test_link_supported)
{
	static const int yes[] = { 0, 1, 12, 101, 113, 228, 229, 239, 276 };
	static const int no[] = { -1, 2, 9, 105, 127, 220, 1000 };
	struct pkt k;
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		ck_assert_msg(decode_link_supported(yes[i]), "%d", yes[i]);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		ck_assert_msg(!decode_link_supported(no[i]), "%d", no[i]);
	build_eth_v4_tcp(&k);
	expect_other(105, &k);
}
END_TEST

START_TEST(test_err_may_be_null)
{
	struct pkt k;
	struct packet p;

	build_eth_v4_tcp(&k);
	ck_assert_int_eq(decode_packet(DECODE_LINK_ETHERNET, k.b, 10, k.n, &p,
	    NULL), DECODE_BAD);
	ck_assert_int_eq(decode_packet(DECODE_LINK_ETHERNET, k.b, k.n, k.n, &p,
	    NULL), DECODE_OK);
}
END_TEST

static Suite *
decode_suite(void)
{
	Suite *s = suite_create("decode");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_eth_ipv4_tcp_syn);
	tcase_add_test(tc, test_tcp_flags);
	tcase_add_test(tc, test_eth_ipv6_udp);
	tcase_add_test(tc, test_vlan_8021q);
	tcase_add_test(tc, test_vlan_qinq);
	tcase_add_test(tc, test_vlan_three_tags);
	tcase_add_test(tc, test_arp_is_other);
	tcase_add_test(tc, test_icmp_is_other);
	tcase_add_test(tc, test_sll);
	tcase_add_test(tc, test_sll2);
	tcase_add_test(tc, test_raw);
	tcase_add_test(tc, test_ethertype_version_mismatch);
	tcase_add_test(tc, test_null);
	tcase_add_test(tc, test_nflog);
	tcase_add_test(tc, test_nflog_malformed);
	tcase_add_test(tc, test_nflog_payload_truncated);
	tcase_add_test(tc, test_nflog_payload_bounded_by_tlv);
	tcase_add_test(tc, test_ipv4_options);
	tcase_add_test(tc, test_ipv4_bad_ihl);
	tcase_add_test(tc, test_ipv4_tso_length_zero);
	tcase_add_test(tc, test_ipv4_fragments);
	tcase_add_test(tc, test_ipv6_each_ext);
	tcase_add_test(tc, test_ipv6_ext_chain_limit);
	tcase_add_test(tc, test_ipv6_ext_malformed);
	tcase_add_test(tc, test_ipv6_fragments);
	tcase_add_test(tc, test_ipv6_not_l4);
	tcase_add_test(tc, test_ipv6_payload_length_zero);
	tcase_add_test(tc, test_tcp_bad_offset);
	tcase_add_test(tc, test_udp_length);
	tcase_add_test(tc, test_udp_header_without_checksum);
	tcase_add_test(tc, test_payload_lengths);
	tcase_add_test(tc, test_link_truncated);
	tcase_add_loop_test(tc, test_truncation_sweep, 0,
	    (int)(sizeof(samples) / sizeof(samples[0])));
	tcase_add_test(tc, test_error_names);
	tcase_add_test(tc, test_link_supported);
	tcase_add_test(tc, test_err_may_be_null);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(decode_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
