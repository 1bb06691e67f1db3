/* Test tool: a bounded burst of TCP SYNs to distinct documentation addresses, raw Ethernet on a veth or loopback. */
/*
 *   synburst -i IF --src ADDR --dst-prefix PREFIX [--count N]
 *	[--max-seconds S] [--dst-mac MAC] [--dport PORT] [--mode mmsg|ring]
 *	[--batch B] [--qdisc-bypass]
 *
 * Builds Ethernet frames carrying TCP SYNs (RFC 9293 3.1; IPv4 RFC 791,
 * IPv6 RFC 8200, checksums RFC 1071 over the pseudo-headers) from ADDR and
 * the interface's MAC to COUNT distinct destinations inside PREFIX, and
 * sends them on an AF_PACKET socket bound to IF, in the current network
 * namespace, as fast as the kernel takes them: sendmmsg batches of BATCH
 * frames (--mode mmsg, the default) or a PACKET_TX_RING flushed BATCH
 * frames at a time (--mode ring). On a veth the peer's receive path runs in
 * the sender's system call, so that path, not this program, sets the rate;
 * the modes differ little. --qdisc-bypass sets PACKET_QDISC_BYPASS, which
 * on a veth (noqueue) gains nothing and hides the frames from packet
 * sockets on IF in the sending namespace (tcpdump, or an agent watching
 * IF there): off by default. At the end it prints
 *
 *   synburst: sent N SYNs to N destinations in T s (R/s)
 *
 * and the interface's tx counters over the run; it exits 0 when all COUNT
 * SYNs were sent, 1 when time, a signal or an error ended it first, 2 on a
 * refusal or a usage error. It exists to load an agent
 * with new flows on a test link; so it refuses, always:
 *
 * - an interface that is not a veth (ethtool driver "veth") or loopback;
 * - destinations outside the documentation ranges: an IPv6 PREFIX must lie
 *   within 2001:db8::/32 (RFC 3849), an IPv4 one within 192.0.2.0/24,
 *   198.51.100.0/24 or 203.0.113.0/24 (RFC 5737); every frame's
 *   destination is checked against PREFIX before it is written. The
 *   source must be a documentation address too;
 * - more than 5,000,000 SYNs or more than 600 seconds (default 30): both
 *   bound every loop, whichever comes first ends the run.
 *
 * A destination is an (address, port) pair: the i-th SYN goes to host
 * number i mod H of the prefix (H its addresses, at most 2^63), scrambled
 * by an odd multiplier (a bijection, so all distinct), and to port
 * PORT + i / H (default 443). An IPv4 /24 gives 256 hosts, so a million
 * SYNs there also span ports 443..4349; the run is refused when the
 * prefix and ports cannot hold COUNT distinct destinations. The source
 * port varies too (1024..65535), and the IPv4 ID and the sequence number.
 *
 * The destination MAC is --dst-mac, by default the broadcast address (on
 * the loopback its own, all zeros): a peer kernel takes broadcast frames
 * to IP but its TCP only answers frames sent to its own MAC, so give the
 * peer's MAC to have it answer SYNs to its own addresses (with a RST when
 * nothing listens).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/ethtool.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rules/addr.h"

#define SB_COUNT_MAX	5000000L
#define SB_COUNT_DEF	100000L
#define SB_SECONDS_MAX	600.0
#define SB_SECONDS_DEF	30.0
#define SB_BATCH_MAX	1024
#define SB_BATCH_DEF	256

#define SB_ETH_LEN	14
#define SB_IP4_LEN	20
#define SB_IP6_LEN	40
#define SB_TCP_LEN	24	/* 20 + the MSS option */
#define SB_FRAME_MAX	(SB_ETH_LEN + SB_IP6_LEN + SB_TCP_LEN)
#define SB_ETH_MIN	60	/* the Ethernet minimum, without the FCS */

/* TX ring (TPACKET_V2): frames of 128 octets, 32 to a 4 KiB block. */
#define SB_RING_FRAME	128
#define SB_RING_BLOCK	4096
#define SB_RING_FRAMES	8192
#define SB_RING_DATA	(TPACKET2_HDRLEN - sizeof(struct sockaddr_ll))

static const char *sb_doc_nets[] = {
	"2001:db8::/32", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24",
};

struct sb_opts {
	const char *ifname;
	struct ipaddr src;
	struct ipprefix dst;
	long count;
	double seconds;
	uint8_t dst_mac[6];
	int have_mac;
	unsigned dport;
	int ring;
	int batch;
	int bypass;
};

/* What the i-th SYN needs and the frame it goes in. */
struct sb_gen {
	const struct sb_opts *o;
	int v4;
	uint8_t src_mac[6];
	unsigned host_bits;	/* the prefix's host bits, at most 63 */
	uint64_t hosts;		/* 2^host_bits */
	uint8_t tmpl[SB_FRAME_MAX];
	size_t len;		/* frame length (padded to SB_ETH_MIN) */
	size_t ip_len;		/* IPv4 or IPv6 header */
};

static volatile sig_atomic_t sb_stop;
static int sb_failed;		/* the kernel refused a frame */

static void
sb_on_signal(int sig)
{
	(void)sig;
	sb_stop = 1;
}

static double
sb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
sb_usage(void)
{
	fprintf(stderr, "usage: synburst -i IF --src ADDR --dst-prefix PREFIX "
	    "[--count N] [--max-seconds S]\n"
	    "                [--dst-mac MAC] [--dport PORT] [--mode mmsg|ring] "
	    "[--batch B] [--qdisc-bypass]\n"
	    "  IF a veth or loopback; PREFIX within 2001:db8::/32, 192.0.2.0/24,\n"
	    "  198.51.100.0/24 or 203.0.113.0/24; N <= %ld (default %ld); "
	    "S <= %.0f (default %.0f)\n", SB_COUNT_MAX, SB_COUNT_DEF,
	    SB_SECONDS_MAX, SB_SECONDS_DEF);
	exit(2);
}

/* True when the prefix (or a host prefix for an address) lies in a documentation range. */
static int
sb_documentation(const struct ipprefix *p)
{
	struct ipprefix doc;
	const char *why;

	for (size_t i = 0; i < sizeof(sb_doc_nets) / sizeof(sb_doc_nets[0]); i++) {
		if (ipprefix_parse(sb_doc_nets[i], &doc, &why) == -1)
			abort();
		if (p->len >= doc.len && ipprefix_contains(&doc, &p->addr))
			return 1;
	}
	return 0;
}

static int
sb_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char end;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3],
	    &v[4], &v[5], &end) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (v[i] > 0xff)
			return -1;
		mac[i] = (uint8_t)v[i];
	}
	return 0;
}

static long
sb_number(const char *s, const char *what, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "synburst: %s must be %ld..%ld\n", what, lo, hi);
		exit(2);
	}
	return v;
}

static void
sb_options(int argc, char **argv, struct sb_opts *o)
{
	static const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "src", required_argument, NULL, 's' },
		{ "dst-prefix", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, 'n' },
		{ "max-seconds", required_argument, NULL, 't' },
		{ "dst-mac", required_argument, NULL, 'm' },
		{ "dport", required_argument, NULL, 'p' },
		{ "mode", required_argument, NULL, 'M' },
		{ "batch", required_argument, NULL, 'b' },
		{ "qdisc-bypass", no_argument, NULL, 'B' },
		{ NULL, 0, NULL, 0 },
	};
	const char *why;
	char *end;
	int c, have_src = 0, have_dst = 0;

	memset(o, 0, sizeof(*o));
	o->count = SB_COUNT_DEF;
	o->seconds = SB_SECONDS_DEF;
	memset(o->dst_mac, 0xff, sizeof(o->dst_mac));
	o->dport = 443;
	o->batch = SB_BATCH_DEF;
	while ((c = getopt_long(argc, argv, "i:n:", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			o->ifname = optarg;
			break;
		case 's':
			if (ipaddr_parse(optarg, &o->src) == -1) {
				fprintf(stderr, "synburst: --src %s: not an "
				    "address\n", optarg);
				exit(2);
			}
			have_src = 1;
			break;
		case 'd':
			if (ipprefix_parse(optarg, &o->dst, &why) == -1) {
				fprintf(stderr, "synburst: --dst-prefix %s: %s\n",
				    optarg, why);
				exit(2);
			}
			have_dst = 1;
			break;
		case 'n':
			o->count = sb_number(optarg, "--count", 1, SB_COUNT_MAX);
			break;
		case 't':
			errno = 0;
			o->seconds = strtod(optarg, &end);
			if (errno != 0 || *end != '\0' || !(o->seconds > 0) ||
			    o->seconds > SB_SECONDS_MAX) {
				fprintf(stderr, "synburst: --max-seconds must be "
				    "more than 0 and at most %.0f\n",
				    SB_SECONDS_MAX);
				exit(2);
			}
			break;
		case 'm':
			if (sb_parse_mac(optarg, o->dst_mac) == -1) {
				fprintf(stderr, "synburst: --dst-mac %s: not a "
				    "MAC address (aa:bb:cc:dd:ee:ff)\n", optarg);
				exit(2);
			}
			o->have_mac = 1;
			break;
		case 'p':
			o->dport = (unsigned)sb_number(optarg, "--dport", 1,
			    65535);
			break;
		case 'M':
			if (strcmp(optarg, "ring") != 0 &&
			    strcmp(optarg, "mmsg") != 0)
				sb_usage();
			o->ring = strcmp(optarg, "ring") == 0;
			break;
		case 'b':
			o->batch = (int)sb_number(optarg, "--batch", 1,
			    SB_BATCH_MAX);
			break;
		case 'B':
			o->bypass = 1;
			break;
		default:
			sb_usage();
		}
	}
	if (optind != argc || o->ifname == NULL || !have_src || !have_dst)
		sb_usage();
}

/*
 * Checks the rules that make this safe to run: documentation addresses
 * only, one family, room for count distinct destinations. Fills in what
 * the generator needs.
 */
static void
sb_check_addresses(const struct sb_opts *o, struct sb_gen *g)
{
	struct ipprefix src;
	char buf[IPPREFIX_STRLEN];
	unsigned bits;
	uint64_t span;

	g->v4 = ipaddr_is_v4(&o->dst.addr);
	ipprefix_of(&src, &o->src, 128);
	if (!sb_documentation(&o->dst)) {
		fprintf(stderr, "synburst: refusing --dst-prefix %s: only "
		    "within 2001:db8::/32, 192.0.2.0/24, 198.51.100.0/24 or "
		    "203.0.113.0/24\n", ipprefix_format(&o->dst, buf));
		exit(2);
	}
	if (!sb_documentation(&src)) {
		fprintf(stderr, "synburst: refusing --src: not a documentation "
		    "address\n");
		exit(2);
	}
	if (ipaddr_is_v4(&o->src) != g->v4) {
		fprintf(stderr, "synburst: --src and --dst-prefix are of "
		    "different families\n");
		exit(2);
	}
	bits = 128 - o->dst.len;
	g->host_bits = bits > 63 ? 63 : bits;
	g->hosts = UINT64_C(1) << g->host_bits;
	/* Ports PORT.. as needed: count <= hosts * ports. */
	span = ((uint64_t)o->count + g->hosts - 1) / g->hosts;
	if (span > 65536 - o->dport) {
		fprintf(stderr, "synburst: %s and ports %u..65535 hold fewer "
		    "than %ld destinations\n", ipprefix_format(&o->dst, buf),
		    o->dport, o->count);
		exit(2);
	}
}

/* Whether ifname is a veth or the loopback; its MAC into mac, *lo set for the loopback. */
static int
sb_check_interface(int fd, const char *ifname, uint8_t mac[6], int *lo)
{
	struct ethtool_drvinfo di;
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	if (strlen(ifname) >= sizeof(ifr.ifr_name)) {
		fprintf(stderr, "synburst: %s: name too long\n", ifname);
		return -1;
	}
	strcpy(ifr.ifr_name, ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == -1) {
		fprintf(stderr, "synburst: %s: %s\n", ifname, strerror(errno));
		return -1;
	}
	*lo = (ifr.ifr_flags & IFF_LOOPBACK) != 0;
	if (*lo) {
		memset(mac, 0, 6);
		return 0;
	}
	memset(&di, 0, sizeof(di));
	di.cmd = ETHTOOL_GDRVINFO;
	ifr.ifr_data = (void *)&di;
	if (ioctl(fd, SIOCETHTOOL, &ifr) == -1 ||
	    strncmp(di.driver, "veth", sizeof(di.driver)) != 0) {
		fprintf(stderr, "synburst: refusing %s: not a veth or loopback "
		    "(driver \"%.*s\")\n", ifname, (int)sizeof(di.driver),
		    di.driver);
		return -1;
	}
	memset(&ifr.ifr_ifru, 0, sizeof(ifr.ifr_ifru));
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) == -1) {
		fprintf(stderr, "synburst: %s: %s\n", ifname, strerror(errno));
		return -1;
	}
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}

/* ---- frames ----------------------------------------------------------- */

/* The one's complement sum of len octets (RFC 1071), not yet folded. */
static uint32_t
sb_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len == 1)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t
sb_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void
sb_be16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
sb_be32(uint8_t *p, uint32_t v)
{
	sb_be16(p, v >> 16);
	sb_be16(p + 2, v);
}

/*
 * The frame every SYN starts from:
 *
 *   Ethernet | IPv4 (20, DF, TTL 64) or IPv6 (40, hop limit 64) |
 *   TCP (SYN, window 64240, MSS 1460) | zero padding to 60 octets
 */
static void
sb_template(struct sb_gen *g)
{
	const struct sb_opts *o = g->o;
	uint8_t *f = g->tmpl, *ip = f + SB_ETH_LEN, *tcp;

	memset(f, 0, sizeof(g->tmpl));
	memcpy(f, o->dst_mac, 6);
	memcpy(f + 6, g->src_mac, 6);
	if (g->v4) {
		sb_be16(f + 12, ETHERTYPE_IP);
		g->ip_len = SB_IP4_LEN;
		ip[0] = 0x45;
		sb_be16(ip + 2, SB_IP4_LEN + SB_TCP_LEN);
		sb_be16(ip + 6, 0x4000);		/* DF */
		ip[8] = 64;
		ip[9] = IPPROTO_TCP;
		memcpy(ip + 12, ipaddr_v4(&o->src), 4);
	} else {
		sb_be16(f + 12, ETHERTYPE_IPV6);
		g->ip_len = SB_IP6_LEN;
		ip[0] = 0x60;
		sb_be16(ip + 4, SB_TCP_LEN);
		ip[6] = IPPROTO_TCP;
		ip[7] = 64;
		memcpy(ip + 8, o->src.b, 16);
	}
	tcp = ip + g->ip_len;
	tcp[12] = (SB_TCP_LEN / 4) << 4;
	tcp[13] = 0x02;					/* SYN */
	sb_be16(tcp + 14, 64240);
	tcp[20] = 2;					/* MSS */
	tcp[21] = 4;
	sb_be16(tcp + 22, 1460);
	g->len = SB_ETH_LEN + g->ip_len + SB_TCP_LEN;
	if (g->len < SB_ETH_MIN)
		g->len = SB_ETH_MIN;
}

/* The i-th destination: host (i mod H) scrambled, port PORT + i / H. */
static void
sb_destination(const struct sb_gen *g, uint64_t i, struct ipaddr *a,
    unsigned *port)
{
	uint64_t mask = g->hosts - 1;
	uint64_t h = ((i & mask) * UINT64_C(0x9e3779b97f4a7c15) +
	    UINT64_C(0x632be59bd9b4e019)) & mask;

	*a = g->o->dst.addr;
	for (int b = 15; b >= 0 && h != 0; b--, h >>= 8)
		a->b[b] |= (uint8_t)h;
	*port = g->o->dport + (unsigned)(i >> g->host_bits);
}

/* Writes the i-th SYN into frame (at least g->len octets). */
static void
sb_frame(const struct sb_gen *g, uint64_t i, uint8_t *frame)
{
	uint8_t *ip = frame + SB_ETH_LEN, *tcp = ip + g->ip_len;
	struct ipaddr dst;
	unsigned dport;
	uint32_t sum;

	sb_destination(g, i, &dst, &dport);
	/* The last word on safety: never a frame outside the prefix. */
	if (!ipprefix_contains(&g->o->dst, &dst) || dport > 65535)
		abort();
	memcpy(frame, g->tmpl, g->len);
	sb_be16(tcp, 1024 + (uint32_t)((i * 40503) % 64512));
	sb_be16(tcp + 2, dport);
	sb_be32(tcp + 4, (uint32_t)(i * 2654435761u) ^ 0x5eed5eedu);
	if (g->v4) {
		sb_be16(ip + 4, (uint32_t)i);
		memcpy(ip + 16, ipaddr_v4(&dst), 4);
		sb_be16(ip + 10, sb_fold(sb_sum(ip, SB_IP4_LEN, 0)));
		/* Pseudo-header: source, destination, zero, protocol, length. */
		sum = sb_sum(ip + 12, 8, IPPROTO_TCP + SB_TCP_LEN);
	} else {
		memcpy(ip + 24, dst.b, 16);
		sum = sb_sum(ip + 8, 32, IPPROTO_TCP + SB_TCP_LEN);
	}
	sb_be16(tcp + 16, sb_fold(sb_sum(tcp, SB_TCP_LEN, sum)));
}

/* ---- sending ---------------------------------------------------------- */

/* The interface's tx_packets and tx_dropped. */
static void
sb_tx_stats(const char *ifname, uint64_t *packets, uint64_t *dropped)
{
	const char *what[2] = { "tx_packets", "tx_dropped" };
	uint64_t *out[2] = { packets, dropped };
	char path[128];
	FILE *f;

	for (int k = 0; k < 2; k++) {
		*out[k] = 0;
		snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s",
		    ifname, what[k]);
		if ((f = fopen(path, "r")) != NULL) {
			if (fscanf(f, "%" SCNu64, out[k]) != 1)
				*out[k] = 0;
			(void)fclose(f);	/* read only */
		}
	}
}

/* sendmmsg batches; returns the number of frames the kernel took. */
static uint64_t
sb_send_mmsg(int fd, const struct sb_gen *g, double deadline)
{
	static uint8_t frames[SB_BATCH_MAX][SB_FRAME_MAX];
	struct mmsghdr msg[SB_BATCH_MAX];
	struct iovec iov[SB_BATCH_MAX];
	uint64_t i = 0, n = (uint64_t)g->o->count;
	int b, k, r;

	memset(msg, 0, sizeof(msg));
	for (k = 0; k < SB_BATCH_MAX; k++) {
		iov[k].iov_base = frames[k];
		iov[k].iov_len = g->len;
		msg[k].msg_hdr.msg_iov = &iov[k];
		msg[k].msg_hdr.msg_iovlen = 1;
	}
	while (i < n && !sb_stop && sb_now() < deadline) {
		b = n - i < (uint64_t)g->o->batch ? (int)(n - i) : g->o->batch;
		for (k = 0; k < b; k++)
			sb_frame(g, i + (uint64_t)k, frames[k]);
		/* What the kernel did not take (ENOBUFS) is offered again. */
		for (k = 0; k < b && !sb_stop && sb_now() < deadline; k += r) {
			r = sendmmsg(fd, msg + k, (unsigned)(b - k), 0);
			if (r == -1) {
				if (errno == ENOBUFS || errno == EAGAIN ||
				    errno == EINTR) {
					r = 0;
					continue;
				}
				fprintf(stderr, "synburst: sendmmsg: %s\n",
				    strerror(errno));
				sb_failed = 1;
				return i + (uint64_t)k;
			}
		}
		i += (uint64_t)k;
	}
	return i;
}

/*
 * PACKET_TX_RING (TPACKET_V2): frames are written into the shared ring and
 * marked for sending; one send() hands the batch to the kernel, which marks
 * them available again once sent. Returns the number of frames sent.
 */
static uint64_t
sb_send_ring(int fd, const struct sb_gen *g, double deadline)
{
	struct tpacket_req req;
	int ver = TPACKET_V2;
	uint64_t i = 0, sent = 0, n = (uint64_t)g->o->count;
	size_t ring_len, slot = 0;
	uint8_t *ring;
	ssize_t r;
	int k;

	memset(&req, 0, sizeof(req));
	req.tp_block_size = SB_RING_BLOCK;
	req.tp_frame_size = SB_RING_FRAME;
	req.tp_block_nr = SB_RING_FRAMES / (SB_RING_BLOCK / SB_RING_FRAME);
	req.tp_frame_nr = SB_RING_FRAMES;
	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &ver, sizeof(ver)) == -1 ||
	    setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof(req)) == -1) {
		fprintf(stderr, "synburst: PACKET_TX_RING: %s\n", strerror(errno));
		return UINT64_MAX;
	}
	ring_len = (size_t)req.tp_block_size * req.tp_block_nr;
	ring = mmap(NULL, ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (ring == MAP_FAILED) {
		fprintf(stderr, "synburst: mmap: %s\n", strerror(errno));
		return UINT64_MAX;
	}
	while (i < n && !sb_stop && !sb_failed && sb_now() < deadline) {
		for (k = 0; k < g->o->batch && i < n; k++, i++) {
			struct tpacket2_hdr *h = (struct tpacket2_hdr *)(void *)
			    (ring + slot * SB_RING_FRAME);

			/* The kernel hands a slot back once it sent it. */
			while (__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) !=
			    TP_STATUS_AVAILABLE) {
				struct pollfd pfd = { fd, POLLOUT, 0 };

				if (sb_stop || sb_now() >= deadline)
					goto flush;
				if (__atomic_load_n(&h->tp_status,
				    __ATOMIC_ACQUIRE) & TP_STATUS_WRONG_FORMAT) {
					fprintf(stderr, "synburst: the kernel "
					    "refused a frame\n");
					sb_failed = 1;
					goto flush;
				}
				poll(&pfd, 1, 10);
			}
			sb_frame(g, i, (uint8_t *)h + SB_RING_DATA);
			h->tp_len = (uint32_t)g->len;
			__atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST,
			    __ATOMIC_RELEASE);
			slot = (slot + 1) % SB_RING_FRAMES;
		}
flush:
		/* cppcheck-suppress nullPointer ; a TX ring send has no buffer */
		r = send(fd, NULL, 0, 0);
		if (r == -1 && errno != ENOBUFS && errno != EAGAIN &&
		    errno != EINTR) {
			fprintf(stderr, "synburst: send: %s\n", strerror(errno));
			break;
		}
		if (r > 0)
			sent += (uint64_t)r / g->len;
	}
	/* A last flush for what a stopped loop left marked. */
	/* cppcheck-suppress nullPointer ; as above */
	while ((r = send(fd, NULL, 0, 0)) > 0)
		sent += (uint64_t)r / g->len;
	munmap(ring, ring_len);
	return sent;
}

int
main(int argc, char **argv)
{
	struct sb_opts o;
	struct sb_gen g;
	struct sockaddr_ll sll;
	struct sigaction sa;
	char src[IPADDR_STRLEN], pfx[IPPREFIX_STRLEN];
	uint64_t sent, tx0, drop0, tx1, drop1;
	double t0, t1, deadline;
	int fd, one = 1, lo;
	unsigned ifindex;

	sb_options(argc, argv, &o);
	memset(&g, 0, sizeof(g));
	g.o = &o;
	sb_check_addresses(&o, &g);

	if ((fd = socket(AF_PACKET, SOCK_RAW, 0)) == -1) {
		fprintf(stderr, "synburst: AF_PACKET socket: %s\n",
		    strerror(errno));
		return 1;
	}
	if (sb_check_interface(fd, o.ifname, g.src_mac, &lo) == -1)
		return 2;
	if (lo && !o.have_mac)
		memset(o.dst_mac, 0, sizeof(o.dst_mac));
	if ((ifindex = if_nametoindex(o.ifname)) == 0) {
		fprintf(stderr, "synburst: %s: %s\n", o.ifname, strerror(errno));
		return 1;
	}
	if (o.bypass && setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one,
	    sizeof(one)) == -1)
		fprintf(stderr, "synburst: PACKET_QDISC_BYPASS: %s (going "
		    "through the qdisc)\n", strerror(errno));
	/* Protocol 0: this socket only sends, it is handed nothing. */
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)ifindex;
	sll.sll_protocol = 0;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) == -1) {
		fprintf(stderr, "synburst: bind %s: %s\n", o.ifname,
		    strerror(errno));
		return 1;
	}
	sb_template(&g);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sb_on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	fprintf(stderr, "synburst: %s %02x:%02x:%02x:%02x:%02x:%02x -> "
	    "%02x:%02x:%02x:%02x:%02x:%02x, %s -> %s port %u.., %ld SYNs "
	    "within %.0f s, %s, batch %d%s\n", o.ifname,
	    g.src_mac[0], g.src_mac[1], g.src_mac[2], g.src_mac[3],
	    g.src_mac[4], g.src_mac[5], o.dst_mac[0], o.dst_mac[1],
	    o.dst_mac[2], o.dst_mac[3], o.dst_mac[4], o.dst_mac[5],
	    ipaddr_format(&o.src, src), ipprefix_format(&o.dst, pfx), o.dport,
	    o.count, o.seconds, o.ring ? "tx ring" : "sendmmsg", o.batch,
	    o.bypass ? ", qdisc bypass" : "");

	sb_tx_stats(o.ifname, &tx0, &drop0);
	t0 = sb_now();
	deadline = t0 + o.seconds;
	sent = o.ring ? sb_send_ring(fd, &g, deadline) :
	    sb_send_mmsg(fd, &g, deadline);
	t1 = sb_now();
	close(fd);
	if (sent == UINT64_MAX)
		return 1;
	sb_tx_stats(o.ifname, &tx1, &drop1);

	/* Every SYN went to a destination of its own. */
	printf("synburst: sent %" PRIu64 " SYNs to %" PRIu64 " destinations "
	    "in %.2f s (%.0f/s)%s\n", sent, sent, t1 - t0,
	    t1 > t0 ? (double)sent / (t1 - t0) : 0.0,
	    sent == (uint64_t)o.count ? "" : sb_failed ? ", stopped on an error" :
	    sb_stop ? ", interrupted" : ", stopped at --max-seconds");
	printf("synburst: %s tx_packets +%" PRIu64 " tx_dropped +%" PRIu64 "\n",
	    o.ifname, tx1 - tx0, drop1 - drop0);
	return sent == (uint64_t)o.count ? 0 : 1;
}
