/* pcapgen: writes pcap captures from a line-based text description (tests, demo, benchmarks). */
/*
 * Usage:
 *   pcapgen DESC.txt OUT.pcap
 *   pcapgen --bench N OUT.pcap [--flows F] [--seed S] [--snap BYTES]
 *           [--start TIME] [--link TYPE]
 *
 * The description (see tests/e2e/README.md for the full reference):
 *
 *   # comment; blank lines are ignored; '#' outside quotes ends a line
 *   link ethernet|sll|sll2|raw|ipv4|ipv6|null|nflog   (once, before packets)
 *   start 2026-11-26T07:10:00Z      (base time, before packets)
 *   vlan 100 | vlan 100 200 [tpid=0x8100] | vlan none   (ethernet only)
 *   [TIME] tcp SRC > DST FLAGS [OPTION...]
 *   [TIME] udp SRC > DST [OPTION...]
 *   [TIME] session tcp SRC > DST [bytes=N] [rtt=SECONDS] [mss=N] [OPTION...]
 *
 * TIME is +SECONDS after the previous packet or an RFC 3339 time; left out
 * it is +0. SRC/DST are 10.1.2.3:443 or [2001:db8::1]:443. FLAGS are any of
 * S A P F R U E C ("-" for none). Files are written with libpcap's dump API
 * at nanosecond precision. IPv4 header checksums and TCP/UDP checksums are
 * computed (over the fragment's own bytes for a first fragment).
 *
 * TCP sequence and acknowledgement numbers follow each direction of each
 * connection through the file (SYN and FIN count one, data its length), so
 * captures read naturally in tcpdump and Wireshark; seq= and ack= override.
 * A packet's default direction (dir=) is "out" when its sender is the side
 * that sent first on that connection, else "in".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_NFLOG
#define DLT_NFLOG 239
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

#define SNAPLEN 262144
#define HEADROOM 256		/* room to prepend link headers before IP */
#define IPMAX 65535
#define FRAME_SIZE (HEADROOM + IPMAX + 64)
#define DEFAULT_START 1767225600LL	/* 2026-01-01T00:00:00Z */
#define NS 1000000000LL
#define MAX_EXT 4
#define PREFIX_MAX 64

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20
#define TH_ECE 0x40
#define TH_CWR 0x80

enum link { LINK_ETHERNET, LINK_SLL, LINK_SLL2, LINK_RAW, LINK_IPV4,
	LINK_IPV6, LINK_NULL, LINK_NFLOG };

static const struct {
	const char *name;
	int dlt;
} links[] = {
	[LINK_ETHERNET] = { "ethernet", DLT_EN10MB },
	[LINK_SLL] = { "sll", DLT_LINUX_SLL },
	[LINK_SLL2] = { "sll2", DLT_LINUX_SLL2 },
	[LINK_RAW] = { "raw", DLT_RAW },
	[LINK_IPV4] = { "ipv4", DLT_IPV4 },
	[LINK_IPV6] = { "ipv6", DLT_IPV6 },
	[LINK_NULL] = { "null", DLT_NULL },
	[LINK_NFLOG] = { "nflog", DLT_NFLOG },
};
#define NLINKS (sizeof(links) / sizeof(links[0]))

enum frag { FRAG_NONE, FRAG_FIRST, FRAG_LATER };
enum dir { DIR_AUTO, DIR_OUT, DIR_IN };

/* One packet to build. Addresses are network order; v4 uses bytes 0..3. */
struct spec {
	int64_t ts;		/* ns since the epoch */
	int family;		/* 4 or 6 */
	uint8_t proto;		/* 6 or 17 */
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint8_t flags;
	const uint8_t *payload;	/* NULL: paylen zero bytes */
	uint32_t paylen;
	int ttl;		/* -1: 64 */
	bool ipv4_options;
	enum frag frag;
	uint32_t snap;		/* 0: whole packet */
	enum dir dir;
	int64_t seq, ack;	/* -1: tracked */
	int win;		/* -1: 64240 */
	uint8_t ext[MAX_EXT];	/* IPv6 extension header protocol numbers */
	int n_ext;
	int group;		/* nflog */
	char prefix[PREFIX_MAX + 1];
	int64_t uid;		/* nflog; -1: none */
};

/* The whole generator's state: one capture being written. */
static struct {
	const char *desc;	/* description file name, for errors */
	unsigned line;
	const char *out;
	FILE *fp;
	pcap_t *dead;
	pcap_dumper_t *dumper;
	enum link link;
	bool link_set;
	bool packets_seen;
	bool vlan_seen;
	uint16_t vlan[2];
	int n_vlan;
	uint16_t outer_tpid;	/* 0: 0x88a8 for QinQ, 0x8100 for one tag */
	int64_t base;		/* start time, ns */
	int64_t prev;		/* previous packet's time, ns */
	uint16_t ip_id;
	uint64_t count;
	size_t dirty;		/* frame[0..dirty) may hold non-zero bytes */
} g;

static uint8_t frame[FRAME_SIZE];
static uint8_t paybuf[IPMAX];

/* --- errors ------------------------------------------------------------ */

static void cleanup_output(void);

__attribute__((format(printf, 1, 2), noreturn))
static void
die(const char *fmt, ...)
{
	va_list ap;

	fputs("pcapgen: ", stderr);
	if (g.desc != NULL && g.line > 0)
		fprintf(stderr, "%s:%u: ", g.desc, g.line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cleanup_output();
	exit(1);
}

__attribute__((format(printf, 1, 2), noreturn))
static void
die_io(const char *fmt, ...)
{
	va_list ap;

	fputs("pcapgen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cleanup_output();
	exit(2);
}

/* A failed run leaves no half-written capture behind. */
static void
cleanup_output(void)
{
	if (g.dumper != NULL) {
		pcap_dump_close(g.dumper);
		g.dumper = NULL;
	} else if (g.fp != NULL) {
		(void)fclose(g.fp);	/* removed below anyway */
	}
	g.fp = NULL;
	if (g.out != NULL)
		unlink(g.out);
}

/* --- output ------------------------------------------------------------ */

static void
out_open(void)
{
	if (g.dumper != NULL)
		return;
	g.dead = pcap_open_dead_with_tstamp_precision(links[g.link].dlt,
	    SNAPLEN, PCAP_TSTAMP_PRECISION_NANO);
	if (g.dead == NULL)
		die_io("cannot create a pcap handle for link type %s",
		    links[g.link].name);
	if ((g.fp = fopen(g.out, "wb")) == NULL)
		die_io("%s: %s", g.out, strerror(errno));
	/* Large buffer: the dump API writes each packet with two fwrites. */
	(void)setvbuf(g.fp, NULL, _IOFBF, 1 << 20);
	if ((g.dumper = pcap_dump_fopen(g.dead, g.fp)) == NULL)
		die_io("%s: %s", g.out, pcap_geterr(g.dead));
}

static void
out_close(void)
{
	out_open();		/* a description without packets: header only */
	if (pcap_dump_flush(g.dumper) != 0 || ferror(g.fp))
		die_io("%s: write failed: %s", g.out, strerror(errno));
	pcap_dump_close(g.dumper);	/* fcloses g.fp */
	g.dumper = NULL;
	g.fp = NULL;
	pcap_close(g.dead);
	g.dead = NULL;
}

/* --- packet building ---------------------------------------------------- */

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
sum16(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t
fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Per-direction TCP state, so seq/ack numbers continue through the file. */
#define CONN_SLOTS 16384
struct conn {
	bool used;
	uint8_t family;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint32_t next_seq;
	uint64_t order;		/* when this direction was first seen */
};
static struct conn conns[CONN_SLOTS];
static unsigned conns_used;
static uint64_t conn_clock;

static uint32_t
tuple_hash(int family, const uint8_t *src, const uint8_t *dst,
    uint16_t sport, uint16_t dport)
{
	uint32_t h = 2166136261u;
	size_t n = family == 4 ? 4 : 16, i;

	for (i = 0; i < n; i++)
		h = (h ^ src[i]) * 16777619u;
	for (i = 0; i < n; i++)
		h = (h ^ dst[i]) * 16777619u;
	h = (h ^ sport) * 16777619u;
	h = (h ^ dport) * 16777619u;
	return h;
}

/*
 * Finds (create: or makes) the state of one direction. Returns NULL when
 * the table is full, which only costs realistic numbering.
 */
static struct conn *
conn_get(int family, const uint8_t *src, const uint8_t *dst, uint16_t sport,
    uint16_t dport, bool create)
{
	size_t n = family == 4 ? 4 : 16;
	uint32_t h = tuple_hash(family, src, dst, sport, dport);
	unsigned i, probes;

	for (probes = 0, i = h % CONN_SLOTS; probes < CONN_SLOTS;
	    probes++, i = (i + 1) % CONN_SLOTS) {
		struct conn *c = &conns[i];

		if (!c->used) {
			if (!create || conns_used >= CONN_SLOTS * 3 / 4)
				return NULL;
			c->used = true;
			c->family = (uint8_t)family;
			memcpy(c->src, src, n);
			memcpy(c->dst, dst, n);
			c->sport = sport;
			c->dport = dport;
			c->next_seq = h * 2654435761u;	/* deterministic ISN */
			c->order = ++conn_clock;
			conns_used++;
			return c;
		}
		if (c->family == family && c->sport == sport &&
		    c->dport == dport && memcmp(c->src, src, n) == 0 &&
		    memcmp(c->dst, dst, n) == 0)
			return c;
	}
	return NULL;
}

/* Fills in tracked seq/ack and the default direction of a TCP packet. */
static void
track(struct spec *s)
{
	struct conn *fwd, *rev;

	fwd = conn_get(s->family, s->src, s->dst, s->sport, s->dport, true);
	rev = conn_get(s->family, s->dst, s->src, s->dport, s->sport, false);
	if (s->dir == DIR_AUTO)
		s->dir = rev != NULL && (fwd == NULL || rev->order < fwd->order)
		    ? DIR_IN : DIR_OUT;
	if (s->proto != 6 || s->frag == FRAG_LATER)
		return;
	if (s->seq < 0)
		s->seq = fwd != NULL ? fwd->next_seq :
		    tuple_hash(s->family, s->src, s->dst, s->sport, s->dport);
	if (s->ack < 0) {
		if (!(s->flags & TH_ACK))
			s->ack = 0;
		else if (rev != NULL)
			s->ack = rev->next_seq;
		else
			s->ack = tuple_hash(s->family, s->dst, s->src,
			    s->dport, s->sport) * 2654435761u + 1;
	}
	if (fwd != NULL)
		fwd->next_seq = (uint32_t)s->seq + s->paylen +
		    ((s->flags & TH_SYN) != 0) + ((s->flags & TH_FIN) != 0);
}

static const uint8_t mac_local[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t mac_peer[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };

static void
put16he(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

/*
 * Writes the link-layer header of g.link just before ip (an IP packet of
 * iplen bytes) and returns its length; NFLOG also pads the payload TLV,
 * moving *end.
 */
static size_t
link_header(const struct spec *s, uint8_t *ip, uint32_t iplen,
    uint16_t l3proto, size_t *end)
{
	uint8_t hdr[HEADROOM], *p = hdr;
	const uint8_t *from = s->dir == DIR_IN ? mac_peer : mac_local;
	const uint8_t *to = s->dir == DIR_IN ? mac_local : mac_peer;
	uint8_t pkttype = s->dir == DIR_IN ? 0 : 4;	/* HOST / OUTGOING */
	size_t n, plen;
	int i;

	switch (g.link) {
	case LINK_ETHERNET:
		memcpy(p, to, 6);
		memcpy(p + 6, from, 6);
		p += 12;
		for (i = 0; i < g.n_vlan; i++, p += 4) {
			put16(p, i > 0 ? 0x8100 : g.outer_tpid != 0 ?
			    g.outer_tpid : g.n_vlan == 2 ? 0x88a8 : 0x8100);
			put16(p + 2, g.vlan[i]);
		}
		put16(p, l3proto);
		p += 2;
		break;
	case LINK_SLL:			/* packet type, ARPHRD, addr len, addr, proto */
		put16(p, pkttype);
		put16(p + 2, 1);	/* ARPHRD_ETHER */
		put16(p + 4, 6);
		memcpy(p + 6, from, 6);
		memset(p + 12, 0, 2);
		put16(p + 14, l3proto);
		p += 16;
		break;
	case LINK_SLL2:			/* proto, rsvd, ifindex, ARPHRD, type, len, addr */
		put16(p, l3proto);
		put16(p + 2, 0);
		put32(p + 4, 2);
		put16(p + 8, 1);
		p[10] = pkttype;
		p[11] = 6;
		memcpy(p + 12, from, 6);
		memset(p + 18, 0, 2);
		p += 20;
		break;
	case LINK_NULL: {		/* host-order BSD address family */
		uint32_t af = s->family == 4 ? 2 : 24;
		memcpy(p, &af, 4);
		p += 4;
		break;
	}
	case LINK_NFLOG:
		p[0] = s->family == 4 ? 2 : 10;	/* AF_INET / AF_INET6 */
		p[1] = 0;
		put16(p + 2, (uint16_t)s->group);
		p += 4;
		put16he(p, 8);			/* NFULA_PACKET_HDR */
		put16he(p + 2, 1);
		put16(p + 4, l3proto);
		p[6] = s->dir == DIR_IN ? 1 : 3;	/* LOCAL_IN / LOCAL_OUT */
		p[7] = 0;
		p += 8;
		if (s->prefix[0] != '\0') {	/* NFULA_PREFIX, NUL-terminated */
			n = strlen(s->prefix) + 1;
			put16he(p, (uint16_t)(4 + n));
			put16he(p + 2, 10);
			memcpy(p + 4, s->prefix, n);
			memset(p + 4 + n, 0, (4 - n % 4) % 4);
			p += 4 + n + (4 - n % 4) % 4;
		}
		if (s->uid >= 0) {		/* NFULA_UID */
			put16he(p, 8);
			put16he(p + 2, 11);
			put32(p + 4, (uint32_t)s->uid);
			p += 8;
		}
		if (iplen + 4 > 0xffff)
			die("packet too large for an NFLOG payload TLV");
		put16he(p, (uint16_t)(4 + iplen));	/* NFULA_PAYLOAD */
		put16he(p + 2, 9);
		p += 4;
		plen = (4 - iplen % 4) % 4;
		memset(frame + *end, 0, plen);
		*end += plen;
		break;
	case LINK_RAW:
	case LINK_IPV4:
	case LINK_IPV6:
		break;
	}
	n = (size_t)(p - hdr);
	memcpy(ip - n, hdr, n);
	return n;
}

/*
 * Builds the packet into frame[] and dumps it. The IP header starts at
 * frame[HEADROOM]; link headers are prepended in the headroom.
 */
static void
emit(struct spec *s)
{
	uint8_t *ip = frame + HEADROOM, *l4, *pay, *p;
	size_t iphl, exthl = 0, l4hl, fraghl = 0, total, p0, end, start;
	uint32_t caplen, wirelen;
	uint16_t l3proto = s->family == 4 ? 0x0800 : 0x86dd;
	struct pcap_pkthdr h;
	uint32_t sum;
	uint8_t next;
	int i;

	if (s->family == 6 && s->frag != FRAG_NONE)
		fraghl = 8;
	iphl = s->family == 4 ? 20 + (s->ipv4_options ? 4 : 0) : 40;
	exthl = (size_t)s->n_ext * 8 + fraghl;
	if (s->frag == FRAG_LATER)
		l4hl = 0;
	else if (s->proto == 6)
		l4hl = (s->flags & TH_SYN) ? 24 : 20;
	else
		l4hl = 8;
	total = iphl + exthl + l4hl + s->paylen;
	if ((s->family == 4 && total > IPMAX) ||
	    (s->family == 6 && total - 40 > IPMAX))
		die("packet too large: %zu bytes of IP (at most %d)", total,
		    IPMAX);
	l4 = ip + iphl + exthl;
	pay = l4 + l4hl;
	p0 = (size_t)(pay - frame);

	/* Payload first: zero payloads only clear what earlier packets left. */
	if (s->payload != NULL) {
		memcpy(pay, s->payload, s->paylen);
		if (g.dirty < p0 + s->paylen)
			g.dirty = p0 + s->paylen;
	} else {
		if (g.dirty > p0)
			memset(pay, 0, (g.dirty < p0 + s->paylen ?
			    g.dirty : p0 + s->paylen) - p0);
		if (g.dirty <= p0 + s->paylen)
			g.dirty = p0;
	}

	/* Transport header. */
	if (l4hl > 0 && s->proto == 6) {
		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		put32(l4 + 4, (uint32_t)s->seq);
		put32(l4 + 8, (uint32_t)s->ack);
		l4[12] = (uint8_t)((l4hl / 4) << 4);
		l4[13] = s->flags;
		put16(l4 + 14, (uint16_t)(s->win < 0 ? 64240 : s->win));
		put16(l4 + 16, 0);
		put16(l4 + 18, 0);
		if (l4hl == 24) {	/* MSS option on SYNs */
			l4[20] = 2;
			l4[21] = 4;
			put16(l4 + 22, s->family == 4 ? 1460 : 1440);
		}
	} else if (l4hl > 0) {
		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		put16(l4 + 4, (uint16_t)(8 + s->paylen));
		put16(l4 + 6, 0);
	}
	if (l4hl > 0) {
		size_t n = l4hl + s->paylen;

		if (s->family == 4) {
			sum = sum16(0, s->src, 4);
			sum = sum16(sum, s->dst, 4);
		} else {
			sum = sum16(0, s->src, 16);
			sum = sum16(sum, s->dst, 16);
		}
		sum += s->proto + (uint32_t)n;
		sum = sum16(sum, l4, l4hl);
		if (s->payload != NULL)
			sum = sum16(sum, pay, s->paylen);
		uint16_t c = fold(sum);
		if (s->proto == 17 && c == 0)
			c = 0xffff;
		put16(l4 + (s->proto == 6 ? 16 : 6), c);
	}

	/* Network header. */
	if (s->family == 4) {
		uint16_t fragw = 0;

		ip[0] = (uint8_t)(0x40 | (iphl / 4));
		ip[1] = 0;
		put16(ip + 2, (uint16_t)total);
		put16(ip + 4, ++g.ip_id);
		if (s->frag == FRAG_FIRST)
			fragw = 0x2000;			/* MF, offset 0 */
		else if (s->frag == FRAG_LATER)
			fragw = 1480 / 8;		/* last, offset 1480 */
		else if (s->proto == 6)
			fragw = 0x4000;			/* DF */
		put16(ip + 6, fragw);
		ip[8] = (uint8_t)(s->ttl < 0 ? 64 : s->ttl);
		ip[9] = s->proto;
		put16(ip + 10, 0);
		memcpy(ip + 12, s->src, 4);
		memcpy(ip + 16, s->dst, 4);
		if (s->ipv4_options)
			memset(ip + 20, 1, 4);		/* four NOPs */
		put16(ip + 10, fold(sum16(0, ip, iphl)));
	} else {
		ip[0] = 0x60;
		ip[1] = ip[2] = ip[3] = 0;
		put16(ip + 4, (uint16_t)(total - 40));
		next = s->n_ext > 0 ? s->ext[0] : fraghl ? 44 : s->proto;
		ip[6] = next;
		ip[7] = (uint8_t)(s->ttl < 0 ? 64 : s->ttl);
		memcpy(ip + 8, s->src, 16);
		memcpy(ip + 24, s->dst, 16);
		p = ip + 40;
		for (i = 0; i < s->n_ext; i++, p += 8) {
			p[0] = i + 1 < s->n_ext ? s->ext[i + 1] :
			    fraghl ? 44 : s->proto;
			p[1] = 0;		/* 8 bytes */
			if (s->ext[i] == 43) {	/* routing: type 0, none left */
				p[2] = 0;
				p[3] = 0;
				memset(p + 4, 0, 4);
			} else {		/* hop-by-hop, dest: PadN */
				p[2] = 1;
				p[3] = 4;
				memset(p + 4, 0, 4);
			}
		}
		if (fraghl) {
			p[0] = s->proto;
			p[1] = 0;
			put16(p + 2, s->frag == FRAG_FIRST ? 1 : 1480);
			put32(p + 4, ++g.ip_id);
		}
	}
	end = p0 + s->paylen;
	start = HEADROOM - link_header(s, frame + HEADROOM, (uint32_t)total,
	    l3proto, &end);

	wirelen = (uint32_t)(end - start);
	caplen = s->snap > 0 && s->snap < wirelen ? s->snap : wirelen;
	h.ts.tv_sec = (time_t)(s->ts / NS);
	h.ts.tv_usec = (suseconds_t)(s->ts % NS);	/* ns: nano precision */
	h.caplen = caplen;
	h.len = wirelen;
	pcap_dump((u_char *)g.dumper, &h, frame + start);
	g.count++;
}

/* --- description parsing ------------------------------------------------ */

#define MAX_TOKENS 64

/*
 * Splits line in place into whitespace-separated tokens; double quotes
 * (with backslash escapes) keep spaces and '#' inside a token, and '#'
 * outside quotes starts a comment.
 */
static int
tokenize(char *line, char *tok[MAX_TOKENS])
{
	int n = 0;
	char *p = line;

	for (;;) {
		bool quoted = false;

		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p == '\0' || *p == '#')
			return n;
		if (n == MAX_TOKENS)
			die("more than %d words on one line", MAX_TOKENS);
		tok[n++] = p;
		for (; *p != '\0'; p++) {
			if (quoted && *p == '\\' && p[1] != '\0')
				p++;
			else if (*p == '"')
				quoted = !quoted;
			else if (!quoted && (*p == ' ' || *p == '\t' ||
			    *p == '\r' || *p == '\n' || *p == '#'))
				break;
		}
		if (quoted)
			die("unterminated quote in '%s'", tok[n - 1]);
		if (*p == '#') {
			*p = '\0';
			return n;
		}
		if (*p != '\0')
			*p++ = '\0';
	}
}

/* Unsigned decimal (or 0x hex when hex_ok) in [0, max]; -1 if invalid. */
static int64_t
parse_num(const char *s, int64_t max, bool hex_ok)
{
	int base = 10;
	uint64_t v = 0;
	int d;

	if (hex_ok && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return -1;
		v = v * (uint64_t)base + (uint64_t)d;
		if (v > (uint64_t)max)
			return -1;
	}
	return (int64_t)v;
}

/* "SECONDS[.FRACTION]" (up to 9 fraction digits) as ns; -1 if invalid. */
static int64_t
parse_seconds(const char *s)
{
	int64_t sec = 0, frac = 0;
	int digits = 0, nd = 0;

	for (; *s >= '0' && *s <= '9'; s++, nd++) {
		sec = sec * 10 + (*s - '0');
		if (sec > 4000000000LL)
			return -1;
	}
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, digits++) {
			if (digits == 9)
				return -1;
			frac = frac * 10 + (*s - '0');
		}
		if (digits == 0 && nd == 0)
			return -1;
	} else if (nd == 0) {
		return -1;
	}
	if (*s != '\0')
		return -1;
	for (; digits < 9; digits++)
		frac *= 10;
	return sec * NS + frac;
}

static int
digits_at(const char *s, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* RFC 3339: 2026-11-26T07:10:00[.123456](Z|+01:00) as ns; -1 if invalid. */
static int64_t
parse_rfc3339(const char *s)
{
	struct tm tm;
	int Y, M, D, h, m, sec, oh, om, sign, digits = 0;
	int64_t frac = 0, t;
	time_t tt;

	Y = digits_at(s, 4);
	if (Y < 1970 || s[4] != '-')
		return -1;
	M = digits_at(s + 5, 2);
	D = digits_at(s + 8, 2);
	if (M < 1 || M > 12 || s[7] != '-' || D < 1 || D > 31 ||
	    (s[10] != 'T' && s[10] != 't'))
		return -1;
	h = digits_at(s + 11, 2);
	m = digits_at(s + 14, 2);
	sec = digits_at(s + 17, 2);
	if (h < 0 || h > 23 || s[13] != ':' || m < 0 || m > 59 ||
	    s[16] != ':' || sec < 0 || sec > 60)
		return -1;
	s += 19;
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, digits++) {
			if (digits == 9)
				return -1;
			frac = frac * 10 + (*s - '0');
		}
		if (digits == 0)
			return -1;
		for (; digits < 9; digits++)
			frac *= 10;
	}
	if (*s == 'Z' || *s == 'z') {
		sign = 0;
		oh = om = 0;
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s == '+' ? 1 : -1;
		oh = digits_at(s + 1, 2);
		om = digits_at(s + 4, 2);
		if (oh < 0 || oh > 23 || s[3] != ':' || om < 0 || om > 59)
			return -1;
		s += 6;
	} else {
		return -1;
	}
	if (*s != '\0')
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = Y - 1900;
	tm.tm_mon = M - 1;
	tm.tm_mday = D;
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = sec;
	tt = timegm(&tm);
	if (tt == (time_t)-1 || tm.tm_mday != D)	/* 2026-02-31 */
		return -1;
	t = (int64_t)tt - sign * (oh * 3600 + om * 60);
	if (t < 0 || t > (int64_t)UINT32_MAX)
		return -1;
	return t * NS + frac;
}

/* "10.1.2.3:443" or "[2001:db8::1]:443"; returns the family (4/6). */
static int
parse_endpoint(char *s, uint8_t addr[16], uint16_t *port, const char *which)
{
	char *colon, *a = s;
	int family = 4;
	int64_t v;

	memset(addr, 0, 16);
	if (*s == '[') {
		char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':')
			die("bad %s '%s': write an IPv6 endpoint as "
			    "[2001:db8::1]:443", which, s);
		*close = '\0';
		a = s + 1;
		colon = close + 1;
		family = 6;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || strchr(s, ':') != colon)
			die("bad %s '%s': write ADDRESS:PORT, e.g. "
			    "10.1.2.3:43210 or [2001:db8::1]:443", which, s);
		*colon = '\0';
	}
	if (inet_pton(family == 4 ? AF_INET : AF_INET6, a, addr) != 1)
		die("bad %s: '%s' is not an IPv%d address", which, a, family);
	v = parse_num(colon + 1, 65535, false);
	if (v < 0)
		die("bad %s port '%s': a number 0-65535", which, colon + 1);
	*port = (uint16_t)v;
	return family;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* payload="..." into paybuf: \r \n \t \0 \\ \" \xNN. */
static uint32_t
parse_text(const char *v)
{
	size_t n = strlen(v), i, o = 0;

	if (n < 2 || v[0] != '"' || v[n - 1] != '"')
		die("payload must be in double quotes: payload=\"GET / "
		    "HTTP/1.1\\r\\n\"");
	for (i = 1; i < n - 1; i++) {
		int c = (unsigned char)v[i];

		if (o == sizeof paybuf)
			die("payload longer than %zu bytes", sizeof paybuf);
		if (c == '\\') {
			c = (unsigned char)v[++i];
			switch (c) {
			case 'r': c = '\r'; break;
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case '0': c = 0; break;
			case '\\': case '"': break;
			case 'x':
				if (hexval(v[i + 1]) < 0 || hexval(v[i + 2]) < 0)
					die("bad escape in payload: \\x needs "
					    "two hex digits (\\x00-\\xff)");
				c = hexval(v[i + 1]) * 16 + hexval(v[i + 2]);
				i += 2;
				break;
			default:
				die("bad escape '\\%c' in payload (valid: \\r "
				    "\\n \\t \\0 \\\\ \\\" \\xNN)", c);
			}
		}
		paybuf[o++] = (uint8_t)c;
	}
	return (uint32_t)o;
}

/* hex=0102ab.. into paybuf. */
static uint32_t
parse_hex(const char *v)
{
	size_t n = strlen(v), i;

	if (n % 2 != 0 || n / 2 > sizeof paybuf)
		die("hex= needs an even number of hex digits (at most %zu "
		    "bytes), e.g. hex=16030100", sizeof paybuf);
	for (i = 0; i < n; i += 2) {
		if (hexval(v[i]) < 0 || hexval(v[i + 1]) < 0)
			die("hex=: '%c%c' is not a hex byte", v[i], v[i + 1]);
		paybuf[i / 2] = (uint8_t)(hexval(v[i]) * 16 + hexval(v[i + 1]));
	}
	return (uint32_t)(n / 2);
}

static uint8_t
parse_flags(const char *f)
{
	uint8_t fl = 0;

	if (strcmp(f, "-") == 0)
		return 0;
	for (; *f != '\0'; f++) {
		switch (*f) {
		case 'S': fl |= TH_SYN; break;
		case 'A': fl |= TH_ACK; break;
		case 'P': fl |= TH_PSH; break;
		case 'F': fl |= TH_FIN; break;
		case 'R': fl |= TH_RST; break;
		case 'U': fl |= TH_URG; break;
		case 'E': fl |= TH_ECE; break;
		case 'C': fl |= TH_CWR; break;
		default:
			die("bad TCP flag '%c' in '%s': flags are any of S A P "
			    "F R U E C (e.g. S, SA, PA, FA) or - for none",
			    *f, f);
		}
	}
	return fl;
}

#define PACKET_OPTIONS "len=N, payload=\"TEXT\", hex=HEX, ttl=N, " \
	"ipv4-options, ipv6-ext=hop,dst,rt, frag=first|later, snap=N, " \
	"dir=out|in, seq=N, ack=N, win=N, group=N, prefix=\"TEXT\", uid=N"
#define SESSION_OPTIONS "bytes=N, rtt=SECONDS, mss=N, ttl=N, " \
	"ipv4-options, ipv6-ext=hop,dst,rt, snap=N, dir=out|in, win=N"

struct session {
	int64_t bytes;
	int64_t rtt;
	int64_t mss;
};

/* Applies one KEY=VALUE (or bare) option to s (and to ss for sessions). */
static void
parse_option(char *o, struct spec *s, struct session *ss, bool *have_payload)
{
	char *v = strchr(o, '=');
	int64_t x;

	if (v != NULL)
		*v++ = '\0';
	if (strcmp(o, "ipv4-options") == 0 && v == NULL) {
		if (s->family != 4)
			die("ipv4-options on an IPv6 packet (use ipv6-ext=)");
		s->ipv4_options = true;
		return;
	}
	if (v == NULL)
		die("unknown option '%s' (valid: %s)", o,
		    ss != NULL ? SESSION_OPTIONS : PACKET_OPTIONS);
	if (ss != NULL) {
		if (strcmp(o, "bytes") == 0) {
			if ((ss->bytes = parse_num(v, 1LL << 40, false)) < 0)
				die("bytes=%s: a byte count 0-2^40", v);
			return;
		}
		if (strcmp(o, "rtt") == 0) {
			if ((ss->rtt = parse_seconds(v)) < 0)
				die("rtt=%s: seconds, e.g. rtt=0.05", v);
			return;
		}
		if (strcmp(o, "mss") == 0) {
			if ((ss->mss = parse_num(v, 65000, false)) < 1)
				die("mss=%s: a segment size 1-65000", v);
			return;
		}
		if (strcmp(o, "len") == 0 || strcmp(o, "payload") == 0 ||
		    strcmp(o, "hex") == 0 || strcmp(o, "frag") == 0 ||
		    strcmp(o, "seq") == 0 || strcmp(o, "ack") == 0 ||
		    strcmp(o, "group") == 0 || strcmp(o, "prefix") == 0 ||
		    strcmp(o, "uid") == 0)
			die("%s= does not apply to a session (valid: %s)", o,
			    SESSION_OPTIONS);
	}
	if (strcmp(o, "len") == 0 || strcmp(o, "payload") == 0 ||
	    strcmp(o, "hex") == 0) {
		if (*have_payload)
			die("%s=: give only one of len=, payload= and hex=", o);
		*have_payload = true;
		if (o[0] == 'l') {
			if ((x = parse_num(v, IPMAX, false)) < 0)
				die("len=%s: a byte count 0-%d", v, IPMAX);
			s->paylen = (uint32_t)x;
			s->payload = NULL;
		} else {
			s->paylen = o[0] == 'p' ? parse_text(v) : parse_hex(v);
			s->payload = paybuf;
		}
	} else if (strcmp(o, "ttl") == 0) {
		if ((s->ttl = (int)parse_num(v, 255, false)) < 0)
			die("ttl=%s: a number 0-255", v);
	} else if (strcmp(o, "ipv6-ext") == 0) {
		char *t, *save = NULL;

		if (s->family != 6)
			die("ipv6-ext= on an IPv4 packet (use ipv4-options)");
		for (t = strtok_r(v, ",", &save); t != NULL;
		    t = strtok_r(NULL, ",", &save)) {
			if (s->n_ext == MAX_EXT)
				die("ipv6-ext=: at most %d headers", MAX_EXT);
			if (strcmp(t, "hop") == 0)
				s->ext[s->n_ext++] = 0;
			else if (strcmp(t, "dst") == 0)
				s->ext[s->n_ext++] = 60;
			else if (strcmp(t, "rt") == 0)
				s->ext[s->n_ext++] = 43;
			else
				die("ipv6-ext=: unknown header '%s' (valid: "
				    "hop, dst, rt, comma-separated; use frag= "
				    "for a fragment header)", t);
		}
	} else if (strcmp(o, "frag") == 0) {
		if (strcmp(v, "first") == 0)
			s->frag = FRAG_FIRST;
		else if (strcmp(v, "later") == 0)
			s->frag = FRAG_LATER;
		else
			die("frag=%s: valid are frag=first (more fragments "
			    "follow, offset 0) and frag=later (offset 1480, "
			    "no transport header)", v);
	} else if (strcmp(o, "snap") == 0) {
		if ((x = parse_num(v, SNAPLEN, false)) < 1)
			die("snap=%s: captured bytes 1-%d", v, SNAPLEN);
		s->snap = (uint32_t)x;
	} else if (strcmp(o, "dir") == 0) {
		if (strcmp(v, "out") == 0)
			s->dir = DIR_OUT;
		else if (strcmp(v, "in") == 0)
			s->dir = DIR_IN;
		else
			die("dir=%s: valid are dir=out and dir=in", v);
	} else if (strcmp(o, "seq") == 0 || strcmp(o, "ack") == 0) {
		if (s->proto != 6)
			die("%s= applies to tcp only", o);
		if ((x = parse_num(v, UINT32_MAX, true)) < 0)
			die("%s=%s: a number 0-4294967295", o, v);
		*(o[0] == 's' ? &s->seq : &s->ack) = x;
	} else if (strcmp(o, "win") == 0) {
		if (s->proto != 6)
			die("win= applies to tcp only");
		if ((s->win = (int)parse_num(v, 65535, false)) < 0)
			die("win=%s: a number 0-65535", v);
	} else if (strcmp(o, "group") == 0 || strcmp(o, "prefix") == 0 ||
	    strcmp(o, "uid") == 0) {
		if (g.link != LINK_NFLOG)
			die("%s= applies to 'link nflog' only", o);
		if (o[0] == 'g') {
			if ((s->group = (int)parse_num(v, 65535, false)) < 0)
				die("group=%s: an NFLOG group 0-65535", v);
		} else if (o[0] == 'u') {
			if ((s->uid = parse_num(v, UINT32_MAX, false)) < 0)
				die("uid=%s: a user id 0-4294967295", v);
		} else {
			uint32_t n = parse_text(v);

			if (n > PREFIX_MAX || memchr(paybuf, 0, n) != NULL)
				die("prefix=: at most %d characters, no \\0",
				    PREFIX_MAX);
			memcpy(s->prefix, paybuf, n);
			s->prefix[n] = '\0';
		}
	} else {
		die("unknown option '%s=' (valid: %s)", o,
		    ss != NULL ? SESSION_OPTIONS : PACKET_OPTIONS);
	}
}

/* Emits a packet of the session s with the given direction and flags. */
static void
session_packet(const struct spec *s, bool reply, uint8_t flags,
    uint32_t len, int64_t ts)
{
	struct spec p = *s;

	p.ts = ts;
	p.flags = flags;
	p.paylen = len;
	p.payload = NULL;
	if (reply) {
		memcpy(p.src, s->dst, 16);
		memcpy(p.dst, s->src, 16);
		p.sport = s->dport;
		p.dport = s->sport;
		p.dir = s->dir == DIR_AUTO ? DIR_AUTO :
		    s->dir == DIR_OUT ? DIR_IN : DIR_OUT;
	}
	track(&p);
	emit(&p);
}

/*
 * session: handshake, stop-and-wait data segments from the initiator each
 * acknowledged one rtt later, then FIN from both sides.
 */
static void
run_session(struct spec *s, const struct session *ss)
{
	int64_t t = s->ts, left = ss->bytes;

	session_packet(s, false, TH_SYN, 0, t);
	t += ss->rtt;
	session_packet(s, true, TH_SYN | TH_ACK, 0, t);
	session_packet(s, false, TH_ACK, 0, t);
	while (left > 0) {
		uint32_t n = (uint32_t)(left < ss->mss ? left : ss->mss);

		session_packet(s, false, TH_PSH | TH_ACK, n, t);
		t += ss->rtt;
		session_packet(s, true, TH_ACK, 0, t);
		left -= n;
	}
	session_packet(s, false, TH_FIN | TH_ACK, 0, t);
	t += ss->rtt;
	session_packet(s, true, TH_FIN | TH_ACK, 0, t);
	session_packet(s, false, TH_ACK, 0, t);
	g.prev = t;
}

static void
packet_line(char **tok, int n)
{
	struct spec s;
	struct session ss = { 0, NS / 100, 1448 };
	bool session = false, have_payload = false;
	int i = 0, fam2;
	int64_t t;

	memset(&s, 0, sizeof s);
	s.ttl = -1;
	s.seq = s.ack = -1;
	s.win = -1;
	s.uid = -1;
	if (tok[0][0] == '+') {
		if ((t = parse_seconds(tok[0] + 1)) < 0)
			die("bad time offset '%s': +SECONDS, e.g. +0.010", tok[0]);
		s.ts = g.prev + t;
		i++;
	} else if (tok[0][0] >= '0' && tok[0][0] <= '9') {
		if ((s.ts = parse_rfc3339(tok[0])) < 0)
			die("bad time '%s': an RFC 3339 UTC time such as "
			    "2026-11-26T07:10:00.5Z, or +SECONDS", tok[0]);
		i++;
	} else {
		s.ts = g.prev;
	}
	if (s.ts > (int64_t)UINT32_MAX * NS)
		die("time past 2106 does not fit a pcap file");
	if (i >= n)
		die("a time must be followed by a packet: tcp, udp or session");
	if (strcmp(tok[i], "session") == 0) {
		session = true;
		if (++i >= n || strcmp(tok[i], "tcp") != 0)
			die("session supports tcp only: session tcp SRC > DST "
			    "bytes=N rtt=SECONDS");
	}
	if (strcmp(tok[i], "tcp") == 0)
		s.proto = 6;
	else if (strcmp(tok[i], "udp") == 0)
		s.proto = 17;
	else
		die("unknown keyword '%s' (valid: link, start, vlan, and "
		    "packets: [TIME] tcp|udp|session tcp SRC > DST ...)", tok[i]);
	i++;
	if (n - i < 3 || strcmp(tok[i + 1], ">") != 0)
		die("expected SRC > DST after '%s', e.g. 10.1.2.3:43210 > "
		    "203.0.113.7:443", s.proto == 6 ? "tcp" : "udp");
	s.family = parse_endpoint(tok[i], s.src, &s.sport, "source");
	fam2 = parse_endpoint(tok[i + 2], s.dst, &s.dport, "destination");
	if (fam2 != s.family)
		die("source and destination are of different IP versions");
	i += 3;
	if (s.proto == 6 && !session) {
		if (i >= n || strchr(tok[i], '=') != NULL ||
		    strcmp(tok[i], "ipv4-options") == 0)
			die("tcp needs flags after the destination: any of S A "
			    "P F R U E C, e.g. S, SA, PA (- for none)");
		s.flags = parse_flags(tok[i++]);
	}
	if (g.link == LINK_IPV4 && s.family != 4)
		die("link ipv4 carries IPv4 packets only");
	if (g.link == LINK_IPV6 && s.family != 6)
		die("link ipv6 carries IPv6 packets only");
	for (; i < n; i++)
		parse_option(tok[i], &s, session ? &ss : NULL, &have_payload);
	if (s.frag == FRAG_LATER && s.seq >= 0)
		die("seq= with frag=later: a later fragment has no TCP header");
	out_open();
	g.packets_seen = true;
	if (session) {
		run_session(&s, &ss);
		return;
	}
	track(&s);
	emit(&s);
	g.prev = s.ts;
}

static void
directive_line(char **tok, int n)
{
	size_t k;
	int64_t v;

	if (strcmp(tok[0], "link") == 0) {
		if (n != 2)
			die("link takes one type: ethernet, sll, sll2, raw, "
			    "ipv4, ipv6, null or nflog");
		if (g.link_set || g.packets_seen || g.vlan_seen)
			die("link must come once, before vlan and any packet");
		for (k = 0; k < NLINKS; k++)
			if (strcmp(tok[1], links[k].name) == 0)
				break;
		if (k == NLINKS)
			die("unknown link type '%s' (valid: ethernet, sll, "
			    "sll2, raw, ipv4, ipv6, null, nflog)", tok[1]);
		g.link = (enum link)k;
		g.link_set = true;
	} else if (strcmp(tok[0], "start") == 0) {
		if (n != 2 || (v = parse_rfc3339(tok[1])) < 0)
			die("start takes an RFC 3339 UTC time, e.g. start "
			    "2026-11-26T07:10:00Z");
		if (g.packets_seen)
			die("start must come before any packet (use an "
			    "absolute time on a packet line to jump)");
		g.base = g.prev = v;
	} else if (strcmp(tok[0], "vlan") == 0) {
		int i, tags = 0;

		if (g.link != LINK_ETHERNET)
			die("vlan applies to link ethernet only (this file "
			    "is link %s)", links[g.link].name);
		g.vlan_seen = true;
		if (n == 2 && strcmp(tok[1], "none") == 0) {
			g.n_vlan = 0;
			return;
		}
		g.outer_tpid = 0;
		for (i = 1; i < n; i++) {
			if (strncmp(tok[i], "tpid=", 5) == 0) {
				v = parse_num(tok[i] + 5, 0xffff, true);
				if (v != 0x8100 && v != 0x88a8 && v != 0x9100)
					die("tpid=%s: the outer (or only) tag's TPID, "
					    "0x8100, 0x88a8 or 0x9100",
					    tok[i] + 5);
				g.outer_tpid = (uint16_t)v;
				continue;
			}
			if (tags == 2)
				die("vlan takes one or two tags (QinQ): vlan "
				    "100, vlan 100 200, or vlan none");
			if ((v = parse_num(tok[i], 4095, false)) < 0)
				die("bad VLAN id '%s': 0-4095", tok[i]);
			g.vlan[tags++] = (uint16_t)v;
		}
		if (tags == 0)
			die("vlan takes one or two tags: vlan 100, vlan 100 "
			    "200 [tpid=0x8100], or vlan none");
		g.n_vlan = tags;
	} else {
		packet_line(tok, n);
	}
}

static int
run_description(const char *desc, const char *out)
{
	FILE *in;
	char *line = NULL, *tok[MAX_TOKENS];
	size_t cap = 0;
	ssize_t len;
	int n;

	g.desc = desc;
	g.out = out;
	g.base = g.prev = DEFAULT_START * NS;
	if (strcmp(desc, "-") == 0)
		in = stdin;
	else if ((in = fopen(desc, "r")) == NULL)
		die("%s: %s", desc, strerror(errno));
	while ((len = getline(&line, &cap, in)) >= 0) {
		g.line++;
		if (memchr(line, '\0', (size_t)len) != NULL)
			die("NUL byte in the description");
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r'))
			line[--len] = '\0';
		n = tokenize(line, tok);
		if (n > 0)
			directive_line(tok, n);
	}
	if (ferror(in))
		die_io("%s: read error: %s", desc, strerror(errno));
	free(line);
	if (in != stdin)
		(void)fclose(in);	/* read only */
	g.line = 0;
	out_close();
	return 0;
}

/* --- benchmark mode -------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t
rnd(void)
{
	/* splitmix64: fast, seedable, good enough for traffic shapes */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t
rnd_range(uint32_t lo, uint32_t hi)	/* [lo, hi] */
{
	return lo + (uint32_t)(rnd() % ((uint64_t)hi - lo + 1));
}

/* Not routable on the public Internet: private, reserved, documentation. */
static bool
v4_reserved(uint32_t a)
{
	static const struct { uint32_t net, mask; } r[] = {
		{ 0x0a000000, 0xff000000 },	/* 10/8 */
		{ 0x64400000, 0xffc00000 },	/* 100.64/10 */
		{ 0x7f000000, 0xff000000 },	/* 127/8 */
		{ 0xa9fe0000, 0xffff0000 },	/* 169.254/16 */
		{ 0xac100000, 0xfff00000 },	/* 172.16/12 */
		{ 0xc0000000, 0xffffff00 },	/* 192.0.0/24 */
		{ 0xc0000200, 0xffffff00 },	/* 192.0.2/24 */
		{ 0xc0586300, 0xffffff00 },	/* 192.88.99/24 */
		{ 0xc0a80000, 0xffff0000 },	/* 192.168/16 */
		{ 0xc6120000, 0xfffe0000 },	/* 198.18/15 */
		{ 0xc6336400, 0xffffff00 },	/* 198.51.100/24 */
		{ 0xcb007100, 0xffffff00 },	/* 203.0.113/24 */
	};
	size_t i;

	for (i = 0; i < sizeof r / sizeof r[0]; i++)
		if ((a & r[i].mask) == r[i].net)
			return true;
	return false;
}

struct bflow {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint32_t seq, ack;
};

/* Writes a DNS query (qr=0) or an A answer for name "f<idx>.bench.example". */
static uint32_t
dns_message(uint8_t *m, uint16_t id, bool answer, uint32_t idx, uint32_t addr)
{
	char label[16];
	int ll = snprintf(label, sizeof label, "f%" PRIu32, idx);
	uint8_t *p = m;

	put16(p, id);
	put16(p + 2, answer ? 0x8180 : 0x0100);
	put16(p + 4, 1);
	put16(p + 6, answer ? 1 : 0);
	put16(p + 8, 0);
	put16(p + 10, 0);
	p += 12;
	*p++ = (uint8_t)ll;
	memcpy(p, label, (size_t)ll);
	p += ll;
	*p++ = 5;
	memcpy(p, "bench", 5);
	p += 5;
	*p++ = 7;
	memcpy(p, "example", 7);
	p += 7;
	*p++ = 0;
	put16(p, 1);		/* A */
	put16(p + 2, 1);	/* IN */
	p += 4;
	if (answer) {
		put16(p, 0xc00c);	/* name: pointer to the question */
		put16(p + 2, 1);
		put16(p + 4, 1);
		put32(p + 6, 300);
		put16(p + 10, 4);
		put32(p + 12, addr);
		p += 16;
	}
	return (uint32_t)(p - m);
}

/*
 * N packets over F flows from 10/8 to public IPv4 destinations: each flow
 * opens with a SYN, then carries PA data segments of 100-1400 bytes;
 * about 2% of packets are DNS (queries to 10.0.0.53:53 and A answers back
 * that name upcoming flows' destinations). About 1 M packets per second
 * of capture time.
 */
static int
run_bench(uint64_t npkt, uint64_t nflows, uint64_t seed, uint32_t snap,
    int64_t start, const char *out)
{
	static const uint16_t dports[] = { 443, 443, 443, 443, 443, 443, 80,
		80, 22, 5432, 993, 8443 };
	struct bflow *fl;
	struct spec s;
	uint64_t i, started = 0, pending_q = 0;
	uint32_t dnsq_addr = 0, dnsq_src = 0;
	uint16_t dnsq_port = 0, dnsq_id = 0;
	bool dns_pending = false;
	int64_t t = start;
	uint8_t dnsmsg[128];

	g.out = out;
	rng_state = seed;
	if (nflows == 0)
		nflows = 1;
	if (nflows > npkt && npkt > 0)
		nflows = npkt;
	if ((fl = calloc(nflows, sizeof *fl)) == NULL)
		die_io("out of memory for %" PRIu64 " flows", nflows);
	for (i = 0; i < nflows; i++) {
		uint32_t d;

		fl[i].src = 0x0a000000 | rnd_range(1, 0xfffffe);
		do {
			d = rnd_range(0x01000000, 0xdfffffff);
		} while (v4_reserved(d));
		fl[i].dst = d;
		fl[i].sport = (uint16_t)rnd_range(1024, 65535);
		fl[i].dport = dports[rnd() % (sizeof dports / sizeof dports[0])];
		fl[i].seq = (uint32_t)rnd();
		fl[i].ack = (uint32_t)rnd();
	}

	out_open();
	memset(&s, 0, sizeof s);
	s.family = 4;
	s.ttl = -1;
	s.win = -1;
	s.uid = -1;
	s.snap = snap;
	for (i = 0; i < npkt; i++) {
		uint64_t r = rnd();
		uint32_t pct = (uint32_t)(r % 10000);

		t += 500 + (int64_t)((r >> 20) % 1001);	/* 0.5-1.5 us */
		s.ts = t;
		if (pct < 200) {		/* DNS: query, then its answer */
			uint32_t idx = (uint32_t)(started < nflows ? started :
			    (r >> 32) % nflows);
			uint32_t a;

			s.proto = 17;
			s.flags = 0;
			s.payload = dnsmsg;
			if (!dns_pending) {
				dnsq_src = fl[idx].src;
				dnsq_port = (uint16_t)rnd_range(1024, 65535);
				dnsq_id = (uint16_t)r;
				dnsq_addr = fl[idx].dst;
				pending_q = idx;
				a = dnsq_src;
				put32(s.src, a);
				put32(s.dst, 0x0a000035);	/* 10.0.0.53 */
				s.sport = dnsq_port;
				s.dport = 53;
				s.dir = DIR_OUT;
				s.paylen = dns_message(dnsmsg, dnsq_id, false,
				    (uint32_t)pending_q, 0);
			} else {
				put32(s.src, 0x0a000035);
				put32(s.dst, dnsq_src);
				s.sport = 53;
				s.dport = dnsq_port;
				s.dir = DIR_IN;
				s.paylen = dns_message(dnsmsg, dnsq_id, true,
				    (uint32_t)pending_q, dnsq_addr);
			}
			dns_pending = !dns_pending;
			emit(&s);
			continue;
		}
		/* TCP: open the next flow at the rate that spreads all F
		 * openings over the run, else data on an open flow. */
		struct bflow *f;
		bool open = started < nflows && (started == 0 ||
		    (r >> 16) % (npkt * 98 / 100 + 1) < nflows + nflows / 20);

		if (open) {
			f = &fl[started++];
			s.flags = TH_SYN;
			s.paylen = 0;
			s.seq = f->seq++;
			s.ack = 0;
		} else {
			f = &fl[(r >> 24) % started];
			s.flags = TH_PSH | TH_ACK;
			s.paylen = rnd_range(100, 1400);
			s.seq = f->seq;
			s.ack = f->ack;
			f->seq += s.paylen;
		}
		s.proto = 6;
		s.payload = NULL;
		put32(s.src, f->src);
		put32(s.dst, f->dst);
		s.sport = f->sport;
		s.dport = f->dport;
		s.dir = DIR_OUT;
		emit(&s);
	}
	out_close();
	free(fl);
	return 0;
}

static void
usage(void)
{
	fputs("usage: pcapgen DESC.txt OUT.pcap\n"
	    "       pcapgen --bench N OUT.pcap [--flows F] [--seed S] "
	    "[--snap BYTES] [--start TIME] [--link TYPE]\n"
	    "DESC.txt describes packets line by line (see "
	    "tests/e2e/README.md); - reads stdin.\n", stderr);
}

static uint64_t
arg_num(const char *opt, const char *v, int64_t max)
{
	int64_t x = v != NULL ? parse_num(v, max, false) : -1;

	if (x < 0) {
		fprintf(stderr, "pcapgen: %s needs a number 0-%" PRId64 ", "
		    "not '%s'\n", opt, max, v != NULL ? v : "");
		exit(1);
	}
	return (uint64_t)x;
}

int
main(int argc, char **argv)
{
	uint64_t n, flows = 100000, seed = 1;
	uint32_t snap = 0;
	int64_t start = DEFAULT_START * NS;
	const char *out = NULL;
	int i;

	if (argc == 3 && argv[1][0] != '-')
		return run_description(argv[1], argv[2]);
	if (argc == 3 && strcmp(argv[1], "-") == 0)
		return run_description(argv[1], argv[2]);
	if (argc < 4 || strcmp(argv[1], "--bench") != 0) {
		usage();
		return 1;
	}
	n = arg_num("--bench", argv[2], 1LL << 40);
	for (i = 3; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(argv[i], "--flows") == 0) {
			flows = arg_num("--flows", v, 100000000);
			i++;
		} else if (strcmp(argv[i], "--seed") == 0) {
			seed = arg_num("--seed", v, INT64_MAX);
			i++;
		} else if (strcmp(argv[i], "--snap") == 0) {
			snap = (uint32_t)arg_num("--snap", v, SNAPLEN);
			i++;
		} else if (strcmp(argv[i], "--link") == 0) {
			size_t k;

			for (k = 0; k < NLINKS && v != NULL; k++)
				if (strcmp(v, links[k].name) == 0 &&
				    k != LINK_IPV6)
					break;
			if (v == NULL || k == NLINKS) {
				fprintf(stderr, "pcapgen: --link needs one of "
				    "ethernet, sll, sll2, raw, ipv4, null, "
				    "nflog\n");
				return 1;
			}
			g.link = (enum link)k;
			i++;
		} else if (strcmp(argv[i], "--start") == 0) {
			if (v == NULL || (start = parse_rfc3339(v)) < 0) {
				fprintf(stderr, "pcapgen: --start needs an RFC "
				    "3339 time, e.g. 2026-11-26T07:10:00Z\n");
				return 1;
			}
			i++;
		} else if (argv[i][0] != '-' && out == NULL) {
			out = argv[i];
		} else {
			fprintf(stderr, "pcapgen: unknown argument '%s'\n",
			    argv[i]);
			usage();
			return 1;
		}
	}
	if (out == NULL) {
		usage();
		return 1;
	}
	return run_bench(n, flows, seed, snap, start, out);
}
