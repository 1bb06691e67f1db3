/* Process attribution: sock_diag names a socket's uid and inode, /proc the process holding it. */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/attrib.h"

#define ATTRIB_NL_TIMEOUT_US	100000	/* a lost answer stalls a lookup this long */
#define ATTRIB_NL_READS		4	/* datagrams read per query, stale ones included */
#define ATTRIB_SCAN_INTERVAL_NS	100000000LL	/* full /proc scans at most 10 a second */
#define ATTRIB_SCAN_DUTY	10	/* ... and idle 10 times as long as the last one took */
#define ATTRIB_CACHE_MAX	(1u << 24)
#define ATTRIB_NEG_MAX		64
#define ATTRIB_RECENT_MAX	8
#define ATTRIB_PROBE_FDS	4096	/* fd links read per recent-owner probe */
#define ATTRIB_USERS		64	/* power of two */
#define ATTRIB_USER_TTL_S	300
#define ATTRIB_USER_FAIL_TTL_S	30
#define ATTRIB_IFADDRS		256	/* local addresses known with their interface */
#define ATTRIB_IFADDR_TTL_NS	2000000000LL
#define ATTRIB_RT_READS		64	/* datagrams of one address dump, at most */

/* include/net/tcp_states.h; not in the uapi headers. */
#define ATTRIB_TCP_TIME_WAIT	6
#define ATTRIB_TCP_NEW_SYN_RECV	12

/* One inode -> holder entry; valid only while gen is the table's. */
struct attrib_slot {
	uint64_t inode;
	int32_t pid;		/* -1: the holder was found to have let go */
	int32_t fd;
	uint32_t gen;
};

struct attrib_user {
	bool valid;
	uint32_t uid;
	int64_t expires;	/* monotonic seconds */
	char name[ATTRIB_USER_MAX];
};

struct attrib_owner {
	int64_t uid;
	int32_t pid;
};

struct attrib_ifaddr {
	struct ipaddr addr;
	uint32_t ifindex;
};

union attrib_nlbuf {
	struct nlmsghdr h;
	char b[32768];		/* the most one netlink dump datagram holds */
};

union attrib_dents {
	struct dirent64 d;
	char b[16384];
};

struct attrib_ctx {
	int nl;			/* NETLINK_SOCK_DIAG */
	int rt;			/* NETLINK_ROUTE: local addresses */
	uint32_t rt_seq;
	int proc;		/* /proc, read again for each scan */
	uint32_t seq;

	/* inode -> holder, rebuilt by each full scan; open addressing */
	struct attrib_slot *slots;
	size_t mask;
	size_t capacity;	/* cache_size: entries per generation */
	size_t used;
	uint32_t gen;

	bool scanned;
	int32_t max_pid;	/* the highest pid the last full scan saw */
	int64_t last_scan_ns;	/* when the last full scan ended */
	int64_t scan_gap_ns;	/* the least time until the next one */
	/* inodes the last full scan looked for and found no holder of */
	uint64_t neg[ATTRIB_NEG_MAX];
	size_t nneg;

	/* processes that recently owned new sockets, by uid: bursts */
	struct attrib_owner recent[ATTRIB_RECENT_MAX];
	size_t recent_next;

	struct attrib_user users[ATTRIB_USERS];
	struct attrib_stats st;

	/* local address -> interface, for sockets bound to a device */
	struct attrib_ifaddr ifaddrs[ATTRIB_IFADDRS];
	size_t nifaddrs;
	bool ifaddrs_loaded;
	int64_t ifaddrs_ns;

	union attrib_nlbuf nlbuf;
	union attrib_dents pdents;	/* /proc */
	union attrib_dents fdents;	/* /proc/PID/fd */
	char pwbuf[4096];
	char path[PATH_MAX];
};

static int64_t
attrib_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * Copies src (n bytes) into dst, cut to fit; a cut never leaves half a
 * UTF-8 sequence, because these strings end up in JSON events.
 */
static void
attrib_copy(char *dst, size_t dstsize, const char *src, size_t n)
{
	if (n >= dstsize) {
		n = dstsize - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* A non-negative decimal that fits an int32, or -1. */
static int32_t
attrib_number(const char *s)
{
	int64_t v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > INT32_MAX)
			return -1;
	}
	return (int32_t)v;
}

/* The inode of a "socket:[123]" fd link; 0 for any other link. */
static uint64_t
attrib_link_inode(const char *s, ssize_t n)
{
	static const char head[] = "socket:[";
	uint64_t v = 0;
	ssize_t i;

	if (n < (ssize_t)sizeof(head) + 1 || s[n - 1] != ']' ||
	    memcmp(s, head, sizeof(head) - 1) != 0)
		return 0;
	for (i = sizeof(head) - 1; i < n - 1; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	return v;
}

/* --- inode -> holder cache --------------------------------------------- */

static size_t
attrib_hash(uint64_t inode)
{
	return (size_t)((inode * 0x9e3779b97f4a7c15ULL) >> 32);
}

static struct attrib_slot *
attrib_cache_get(struct attrib_ctx *a, uint64_t inode)
{
	size_t i = attrib_hash(inode) & a->mask;

	while (a->slots[i].gen == a->gen) {
		if (a->slots[i].inode == inode)
			return &a->slots[i];
		i = (i + 1) & a->mask;
	}
	return NULL;
}

/*
 * Records that pid holds inode at fd. The first holder found stays (a
 * socket shared after fork has several, each of them true); a holder
 * marked gone is replaced. A full table drops the entry: the next miss
 * finds it again.
 */
static void
attrib_cache_put(struct attrib_ctx *a, uint64_t inode, int32_t pid, int32_t fd)
{
	size_t i = attrib_hash(inode) & a->mask;

	while (a->slots[i].gen == a->gen) {
		if (a->slots[i].inode == inode) {
			if (a->slots[i].pid == -1) {
				a->slots[i].pid = pid;
				a->slots[i].fd = fd;
			}
			return;
		}
		i = (i + 1) & a->mask;
	}
	if (a->used >= a->capacity) {
		a->st.cache_full++;
		return;
	}
	a->slots[i].inode = inode;
	a->slots[i].pid = pid;
	a->slots[i].fd = fd;
	a->slots[i].gen = a->gen;
	a->used++;
}

/* Empties the table in O(1): older generations read as free slots. */
static void
attrib_cache_reset(struct attrib_ctx *a)
{
	if (++a->gen == 0) {
		memset(a->slots, 0, (a->mask + 1) * sizeof(*a->slots));
		a->gen = 1;
	}
	a->used = 0;
	a->nneg = 0;
}

static bool
attrib_neg_has(const struct attrib_ctx *a, uint64_t inode)
{
	size_t i;

	for (i = 0; i < a->nneg; i++)
		if (a->neg[i] == inode)
			return true;
	return false;
}

static void
attrib_recent_add(struct attrib_ctx *a, int64_t uid, int32_t pid)
{
	size_t i;

	for (i = 0; i < ATTRIB_RECENT_MAX; i++)
		if (a->recent[i].pid == pid) {
			a->recent[i].uid = uid;
			return;
		}
	a->recent[a->recent_next].uid = uid;
	a->recent[a->recent_next].pid = pid;
	a->recent_next = (a->recent_next + 1) % ATTRIB_RECENT_MAX;
}

/* --- sock_diag --------------------------------------------------------- */

/*
 * Reads our answer out of one datagram: 1 a socket (*m filled), 0 no such
 * socket, -1 an error, 2 nothing of ours (a late answer to an earlier
 * query that timed out).
 */
static int
attrib_diag_parse(struct attrib_ctx *a, size_t len, struct inet_diag_msg *m)
{
	const struct nlmsghdr *h;
	const struct nlmsgerr *e;
	size_t off = 0;

	while (len - off >= sizeof(*h)) {
		h = (const struct nlmsghdr *)(a->nlbuf.b + off);
		if (h->nlmsg_len < sizeof(*h) || h->nlmsg_len > len - off)
			break;
		if (h->nlmsg_seq == a->seq) {
			switch (h->nlmsg_type) {
			case NLMSG_ERROR:
				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -1;
				e = NLMSG_DATA(h);
				/* ENOENT also means "no diag handler": see the self-test */
				if (e->error == 0 || e->error == -ENOENT)
					return 0;
				errno = -e->error;
				return -1;
			case NLMSG_DONE:
				return 0;
			case SOCK_DIAG_BY_FAMILY:
				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
					return -1;
				memcpy(m, NLMSG_DATA(h), sizeof(*m));
				return 1;
			default:
				break;
			}
		}
		off += NLMSG_ALIGN(h->nlmsg_len);
		if (off > len)
			break;
	}
	return 2;
}

/*
 * Asks for the one socket with this id: NLM_F_REQUEST without NLM_F_DUMP
 * is an exact lookup, answered by one inet_diag_msg or an NLMSG_ERROR.
 * Returns 1 with *m filled, 0 when there is no such socket, -1 on failure.
 */
static int
attrib_diag(struct attrib_ctx *a, uint8_t family, uint8_t proto,
    const struct inet_diag_sockid *id, struct inet_diag_msg *m)
{
	struct {
		struct nlmsghdr h;
		struct inet_diag_req_v2 r;
	} req;
	struct sockaddr_nl from;
	socklen_t fromlen;
	ssize_t n;
	int i, rc;

	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = sizeof(req);
	req.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.h.nlmsg_flags = NLM_F_REQUEST;
	req.h.nlmsg_seq = ++a->seq;
	req.r.sdiag_family = family;
	req.r.sdiag_protocol = proto;
	/* the flow may still be in SYN_SENT, or already closing */
	req.r.idiag_states = ~0U;
	req.r.id = *id;
	if (send(a->nl, &req, sizeof(req), 0) != (ssize_t)sizeof(req))
		return -1;
	for (i = 0; i < ATTRIB_NL_READS; i++) {
		fromlen = sizeof(from);
		n = recvfrom(a->nl, a->nlbuf.b, sizeof(a->nlbuf.b), MSG_TRUNC,
		    (struct sockaddr *)&from, &fromlen);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;	/* EAGAIN: SO_RCVTIMEO ran out */
		}
		if ((size_t)n > sizeof(a->nlbuf.b))
			return -1;
		/*
		 * recvfrom filled in from, but with _GNU_SOURCE glibc passes
		 * it as a transparent union, which the analyzer does not see
		 * through: it would take from for uninitialized.
		 */
		/* NOLINTNEXTLINE(clang-analyzer-core.Undefined*) */
		if (fromlen < sizeof(from) || from.nl_pid != 0)
			continue;	/* only the kernel answers */
		rc = attrib_diag_parse(a, (size_t)n, m);
		if (rc != 2)
			return rc;
	}
	return -1;
}

static void
attrib_sockid(struct inet_diag_sockid *id, const struct ipaddr *s,
    uint16_t sport, const struct ipaddr *d, uint16_t dport)
{
	memset(id, 0, sizeof(*id));
	id->idiag_sport = htons(sport);
	id->idiag_dport = htons(dport);
	if (ipaddr_is_v4(s)) {
		memcpy(id->idiag_src, ipaddr_v4(s), 4);
		memcpy(id->idiag_dst, ipaddr_v4(d), 4);
	} else {
		memcpy(id->idiag_src, s->b, 16);
		memcpy(id->idiag_dst, d->b, 16);
	}
	id->idiag_if = 0;
	id->idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	id->idiag_cookie[1] = INET_DIAG_NOCOOKIE;
}

static void
attrib_msg_addr(const struct inet_diag_msg *m, const uint32_t w[4],
    struct ipaddr *out)
{
	/* an AF_INET6 socket reports IPv4 peers v4-mapped, as struct ipaddr holds them */
	if (m->idiag_family == AF_INET)
		ipaddr_from_v4(out, (const uint8_t *)w);
	else
		ipaddr_from_v6(out, (const uint8_t *)w);
}

/* :: or 0.0.0.0: an unbound local address or an unconnected peer. */
static bool
attrib_wild(const struct ipaddr *x)
{
	static const uint8_t v4any[4];
	static const struct ipaddr any;

	return ipaddr_equal(x, &any) ||
	    (ipaddr_is_v4(x) && memcmp(ipaddr_v4(x), v4any, 4) == 0);
}

/*
 * Whether the socket the kernel answered with is the one asked for. It
 * must be checked: a TCP lookup falls back to listeners (so a tuple no
 * socket has can answer with the listener on its local port), and UDP
 * lookups are delivery lookups that also match unbound and unconnected
 * sockets, which for UDP is what we want and for nothing else.
 */
static bool
attrib_fits(uint8_t proto, const struct inet_diag_msg *m,
    const struct ipaddr *src, uint16_t sport, const struct ipaddr *dst,
    uint16_t dport)
{
	struct ipaddr ms, md;

	if (m->idiag_family != AF_INET && m->idiag_family != AF_INET6)
		return false;
	attrib_msg_addr(m, m->id.idiag_src, &ms);
	attrib_msg_addr(m, m->id.idiag_dst, &md);
	if (ntohs(m->id.idiag_sport) != sport)
		return false;
	if (proto == IPPROTO_TCP)
		return ipaddr_equal(&ms, src) && ipaddr_equal(&md, dst) &&
		    ntohs(m->id.idiag_dport) == dport;
	if (!attrib_wild(&ms) && !ipaddr_equal(&ms, src))
		return false;
	if (m->id.idiag_dport == 0 && attrib_wild(&md))
		return true;
	return ntohs(m->id.idiag_dport) == dport && ipaddr_equal(&md, dst);
}

/* Takes one RTM_NEWADDR into the table: its local address and interface. */
static void
attrib_ifaddr_add(struct attrib_ctx *a, const struct nlmsghdr *h)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	const struct rtattr *rta;
	const void *local = NULL, *peer = NULL;
	struct attrib_ifaddr *e;
	size_t off, alen;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)) ||
	    a->nifaddrs == ATTRIB_IFADDRS)
		return;
	if (ifa->ifa_family == AF_INET)
		alen = 4;
	else if (ifa->ifa_family == AF_INET6)
		alen = 16;
	else
		return;
	for (off = NLMSG_LENGTH(sizeof(*ifa)); off + sizeof(*rta) <= h->nlmsg_len;
	    off += RTA_ALIGN(rta->rta_len)) {
		rta = (const struct rtattr *)((const char *)h + off);
		if (rta->rta_len < sizeof(*rta) ||
		    rta->rta_len > h->nlmsg_len - off)
			break;
		if (RTA_PAYLOAD(rta) != alen)
			continue;
		/* IFA_ADDRESS is the peer's on point-to-point links */
		if (rta->rta_type == IFA_LOCAL)
			local = RTA_DATA(rta);
		else if (rta->rta_type == IFA_ADDRESS)
			peer = RTA_DATA(rta);
	}
	if (local == NULL && (local = peer) == NULL)
		return;
	e = &a->ifaddrs[a->nifaddrs++];
	if (alen == 4)
		ipaddr_from_v4(&e->addr, local);
	else
		ipaddr_from_v6(&e->addr, local);
	e->ifindex = ifa->ifa_index;
}

/*
 * Reloads the table of local addresses (RTM_GETADDR dump), at most every
 * 2 s. A failed or cut reload leaves what was read: a partial table only
 * costs a retry that is not made.
 */
static void
attrib_ifaddrs_load(struct attrib_ctx *a)
{
	struct {
		struct nlmsghdr h;
		struct ifaddrmsg ifa;
	} req;
	const struct nlmsghdr *h;
	struct sockaddr_nl from;
	socklen_t fromlen;
	size_t off;
	ssize_t n;
	int i;

	a->ifaddrs_loaded = true;
	a->ifaddrs_ns = attrib_now_ns();
	a->nifaddrs = 0;
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = sizeof(req);
	req.h.nlmsg_type = RTM_GETADDR;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.h.nlmsg_seq = ++a->rt_seq;
	req.ifa.ifa_family = AF_UNSPEC;
	if (send(a->rt, &req, sizeof(req), 0) != (ssize_t)sizeof(req)) {
		a->st.errors++;
		return;
	}
	for (i = 0; i < ATTRIB_RT_READS; i++) {
		fromlen = sizeof(from);
		n = recvfrom(a->rt, a->nlbuf.b, sizeof(a->nlbuf.b), MSG_TRUNC,
		    (struct sockaddr *)&from, &fromlen);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0 || (size_t)n > sizeof(a->nlbuf.b)) {
			a->st.errors++;
			return;
		}
		/* NOLINTNEXTLINE(clang-analyzer-core.Undefined*): as above */
		if (fromlen < sizeof(from) || from.nl_pid != 0)
			continue;
		for (off = 0; (size_t)n - off >= sizeof(*h);
		    off += NLMSG_ALIGN(h->nlmsg_len)) {
			h = (const struct nlmsghdr *)(a->nlbuf.b + off);
			if (h->nlmsg_len < sizeof(*h) ||
			    h->nlmsg_len > (size_t)n - off)
				break;
			if (h->nlmsg_seq != a->rt_seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return;
			if (h->nlmsg_type == NLMSG_ERROR) {
				a->st.errors++;
				return;
			}
			if (h->nlmsg_type == RTM_NEWADDR)
				attrib_ifaddr_add(a, h);
		}
	}
	/* a lost end of a dump would leave its rest for the next one: skipped by seq */
}

/* The interface that has address x, or 0. */
static uint32_t
attrib_ifindex_of(struct attrib_ctx *a, const struct ipaddr *x)
{
	size_t i;

	if (!a->ifaddrs_loaded ||
	    attrib_now_ns() - a->ifaddrs_ns >= ATTRIB_IFADDR_TTL_NS)
		attrib_ifaddrs_load(a);
	for (i = 0; i < a->nifaddrs; i++)
		if (ipaddr_equal(&a->ifaddrs[i].addr, x))
			return a->ifaddrs[i].ifindex;
	return 0;
}

/*
 * One exact lookup of the flow's socket, asked as on interface ifindex
 * (0: any socket not bound to a device). 1 found, 0 none, -1 failure.
 *
 * UDP: the kernel's udp_diag looks a socket up as the delivery of a packet
 * from idiag_src to idiag_dst ("src and dst are swapped for historical
 * reasons", net/ipv4/udp_diag.c), so the remote end goes first. Being the
 * delivery lookup, it also finds unconnected and unbound sockets, so no
 * dump by source port is needed. The local-first order is tried second in
 * case a later kernel straightens the order out; both answers are checked.
 */
static int
attrib_find_on(struct attrib_ctx *a, uint8_t proto, uint32_t ifindex,
    const struct ipaddr *src, uint16_t sport, const struct ipaddr *dst,
    uint16_t dport, struct inet_diag_msg *m)
{
	struct inet_diag_sockid id;
	uint8_t family = ipaddr_is_v4(src) ? AF_INET : AF_INET6;
	int rc, fail = 0;

	if (proto == IPPROTO_UDP) {
		/* remote end first, as said above */
		/* NOLINTNEXTLINE(readability-suspicious-call-argument) */
		attrib_sockid(&id, dst, dport, src, sport);
		id.idiag_if = ifindex;
		rc = attrib_diag(a, family, proto, &id, m);
		if (rc == 1 && attrib_fits(proto, m, src, sport, dst, dport))
			return 1;
		if (rc == -1)
			fail = 1;
	}
	attrib_sockid(&id, src, sport, dst, dport);
	id.idiag_if = ifindex;
	rc = attrib_diag(a, family, proto, &id, m);
	if (rc == 1 && attrib_fits(proto, m, src, sport, dst, dport))
		return 1;
	return rc == -1 || fail ? -1 : 0;
}

/*
 * Finds the socket of a flow: 1 found (*m), 0 none, -1 failure (counted).
 * A lookup on no interface misses sockets bound to a device
 * (SO_BINDTODEVICE: per-link DNS sockets of systemd-resolved, curl
 * --interface), so a miss from a local address is asked again on the
 * interface that has that address.
 */
static int
attrib_find_socket(struct attrib_ctx *a, uint8_t proto,
    const struct ipaddr *src, uint16_t sport, const struct ipaddr *dst,
    uint16_t dport, struct inet_diag_msg *m)
{
	uint32_t ifindex;
	int rc;

	rc = attrib_find_on(a, proto, 0, src, sport, dst, dport, m);
	if (rc == 0 && (ifindex = attrib_ifindex_of(a, src)) != 0)
		rc = attrib_find_on(a, proto, ifindex, src, sport, dst, dport,
		    m);
	if (rc == -1)
		a->st.errors++;
	return rc;
}

/* --- /proc -------------------------------------------------------------- */

/* Reads a whole small /proc file (comm) into buf; returns its length or -1. */
static ssize_t
attrib_read_small(int dirfd, const char *name, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	n = read(fd, buf, size);
	close(fd);
	return n;
}

static void
attrib_read_comm(int piddir, char out[ATTRIB_COMM_MAX])
{
	char buf[ATTRIB_COMM_MAX + 1];
	ssize_t n;

	n = attrib_read_small(piddir, "comm", buf, sizeof(buf));
	if (n <= 0)
		return;
	if (buf[n - 1] == '\n')
		n--;
	attrib_copy(out, ATTRIB_COMM_MAX, buf, (size_t)n);
}

static void
attrib_read_exe(struct attrib_ctx *a, int piddir, char out[ATTRIB_PATH_MAX])
{
	ssize_t n;

	/* kernel threads have none; another mount namespace's path is as the kernel says */
	n = readlinkat(piddir, "exe", a->path, sizeof(a->path));
	if (n <= 0)
		return;
	attrib_copy(out, ATTRIB_PATH_MAX, a->path, (size_t)n);
}

/*
 * The path of the "0::" line of /proc/PID/cgroup (cgroup v2), read in
 * chunks so a hybrid system's long v1 lines need no big buffer. Without
 * such a line (v1 only) the path stays "".
 */
static void
attrib_read_cgroup(struct attrib_ctx *a, int piddir, char out[ATTRIB_PATH_MAX])
{
	static const char head[] = "0::";
	char path[ATTRIB_PATH_MAX + 1];	/* one byte over: attrib_copy sees the cut */
	size_t len = 0;
	ssize_t n = 0, i;
	int st = 0;	/* 0..2 matching head, 3 taking the path, 4 another line */
	int fd;

	if ((fd = openat(piddir, "cgroup", O_RDONLY | O_CLOEXEC)) == -1)
		return;
	while (st != 5 && (n = read(fd, a->path, sizeof(a->path))) > 0) {
		for (i = 0; i < n && st != 5; i++) {
			char c = a->path[i];

			if (c == '\n')
				st = st == 3 ? 5 : 0;
			else if (st < 3)
				st = c == head[st] ? st + 1 : 4;
			else if (st == 3 && len < sizeof(path))
				path[len++] = c;
		}
	}
	close(fd);
	/* the last line may lack its newline; a read error leaves nothing */
	if (n >= 0 && (st == 3 || st == 5))
		attrib_copy(out, ATTRIB_PATH_MAX, path, len);
}

/*
 * Reads the fd links of one process (fd: its /proc/PID/fd), entering its
 * sockets in the cache. Reads at most budget links (0: no limit). Returns
 * the fd that holds want, or -1.
 */
static int32_t
attrib_scan_fds(struct attrib_ctx *a, int fdd, int32_t pid, uint64_t want,
    size_t budget)
{
	const struct dirent64 *d;
	char link[64];
	int32_t found = -1, fd;
	uint64_t ino;
	ssize_t n, l, off;
	size_t links = 0;

	while ((n = getdents64(fdd, a->fdents.b, sizeof(a->fdents.b))) > 0) {
		for (off = 0; off < n; off += d->d_reclen) {
			d = (const struct dirent64 *)(a->fdents.b + off);
			if ((fd = attrib_number(d->d_name)) < 0)
				continue;
			if (budget != 0 && links++ >= budget)
				return found;
			l = readlinkat(fdd, d->d_name, link, sizeof(link));
			if (l <= 0 || (ino = attrib_link_inode(link, l)) == 0)
				continue;
			attrib_cache_put(a, ino, pid, fd);
			if (ino == want && found == -1)
				found = fd;
		}
	}
	return found;
}

/*
 * Rebuilds the cache from every process's fds. Threads share their
 * process's fd table and /proc lists thread group leaders only, so pids
 * found are tgids. Returns the first holder of want in *pid and *fd, or -1.
 */
static int
attrib_scan(struct attrib_ctx *a, uint64_t want, int32_t *pid, int32_t *fd)
{
	const struct dirent64 *d;
	char name[32];
	ssize_t n, off;
	int64_t start = attrib_now_ns();
	int32_t p, f;
	int fdd;

	a->st.proc_scans++;
	a->max_pid = 0;
	attrib_cache_reset(a);
	a->scanned = true;
	*pid = -1;
	if (lseek(a->proc, 0, SEEK_SET) == -1) {
		a->st.errors++;
		a->last_scan_ns = attrib_now_ns();
		a->scan_gap_ns = ATTRIB_SCAN_INTERVAL_NS;
		return -1;
	}
	while ((n = getdents64(a->proc, a->pdents.b, sizeof(a->pdents.b))) > 0) {
		for (off = 0; off < n; off += d->d_reclen) {
			d = (const struct dirent64 *)(a->pdents.b + off);
			if ((p = attrib_number(d->d_name)) <= 0)
				continue;
			if (p > a->max_pid)
				a->max_pid = p;
			snprintf(name, sizeof(name), "%d/fd", p);
			/* gone already, or not ours to read: skipped */
			if ((fdd = openat(a->proc, name,
			    O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
				continue;
			f = attrib_scan_fds(a, fdd, p, want, 0);
			close(fdd);
			if (f >= 0 && *pid == -1) {
				*pid = p;
				*fd = f;
			}
		}
	}
	/*
	 * A scan costs some microseconds per fd on the host: with tens of
	 * thousands of fds, a fixed 100 ms gap would let a stream of misses
	 * keep the agent scanning most of the time, so the gap grows with
	 * the scan and scanning stays under a tenth of the agent's time.
	 */
	a->last_scan_ns = attrib_now_ns();
	a->scan_gap_ns = (a->last_scan_ns - start) * ATTRIB_SCAN_DUTY;
	if (a->scan_gap_ns < ATTRIB_SCAN_INTERVAL_NS)
		a->scan_gap_ns = ATTRIB_SCAN_INTERVAL_NS;
	if (*pid == -1) {
		if (a->nneg < ATTRIB_NEG_MAX)
			a->neg[a->nneg++] = want;
		return -1;
	}
	return 0;
}

/*
 * Fills the process fields of out from /proc/PID if PID still holds the
 * socket at fd. Everything is read through one descriptor of /proc/PID,
 * which stays bound to that process: if it exits and its pid is reused,
 * reads fail instead of describing the newcomer. A cached or scanned
 * holder is thus always confirmed, never assumed. Returns 0, or -1 when
 * PID does not hold the socket (any more).
 */
static int
attrib_fill(struct attrib_ctx *a, int32_t pid, int32_t fd, uint64_t inode,
    struct attrib *out)
{
	char name[32], link[64];
	ssize_t l;
	int piddir;

	snprintf(name, sizeof(name), "%d", pid);
	piddir = openat(a->proc, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (piddir == -1)
		return -1;
	snprintf(name, sizeof(name), "fd/%d", fd);
	l = readlinkat(piddir, name, link, sizeof(link));
	if (l <= 0 || attrib_link_inode(link, l) != inode) {
		close(piddir);
		return -1;
	}
	attrib_read_comm(piddir, out->comm);
	attrib_read_exe(a, piddir, out->exe);
	attrib_read_cgroup(a, piddir, out->cgroup);
	close(piddir);
	out->pid = pid;
	return 0;
}

/*
 * A process that just opened a socket often opens more (a burst of
 * connections, a resolver), and full scans are rate limited: look first
 * through the fds of the processes that owned the last sockets of this
 * uid. Bounded per process, and a find is confirmed like any other.
 */
static int
attrib_probe_recent(struct attrib_ctx *a, int64_t uid, uint64_t inode,
    struct attrib *out)
{
	char name[32];
	int32_t pid, fd;
	size_t i;
	int fdd;

	for (i = 0; i < ATTRIB_RECENT_MAX; i++) {
		if ((pid = a->recent[i].pid) <= 0 || a->recent[i].uid != uid)
			continue;
		snprintf(name, sizeof(name), "%d/fd", pid);
		if ((fdd = openat(a->proc, name,
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
			a->recent[i].pid = 0;
			continue;
		}
		fd = attrib_scan_fds(a, fdd, pid, inode, ATTRIB_PROBE_FDS);
		close(fdd);
		if (fd >= 0 && attrib_fill(a, pid, fd, inode, out) == 0)
			return 0;
	}
	return -1;
}

/*
 * Between full scans, the likely holders only: processes started since the
 * last scan (pids grow: those above its highest pid), and processes owned
 * by the socket's uid when that is not root (a service user has few).
 * Listing /proc and a stat per entry are cheap; only their fds are read.
 */
static int
attrib_probe_likely(struct attrib_ctx *a, int64_t uid, uint64_t inode,
    struct attrib *out)
{
	const struct dirent64 *d;
	char name[32];
	struct stat st;
	ssize_t n, off;
	int32_t p, fd;
	int fdd;

	if (!a->scanned || lseek(a->proc, 0, SEEK_SET) == -1)
		return -1;
	while ((n = getdents64(a->proc, a->pdents.b, sizeof(a->pdents.b))) > 0) {
		for (off = 0; off < n; off += d->d_reclen) {
			d = (const struct dirent64 *)(a->pdents.b + off);
			if ((p = attrib_number(d->d_name)) <= 0)
				continue;
			if (p <= a->max_pid && (uid <= 0 ||
			    fstatat(a->proc, d->d_name, &st, 0) == -1 ||
			    (int64_t)st.st_uid != uid))
				continue;
			snprintf(name, sizeof(name), "%d/fd", p);
			if ((fdd = openat(a->proc, name,
			    O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
				continue;
			fd = attrib_scan_fds(a, fdd, p, inode, ATTRIB_PROBE_FDS);
			close(fdd);
			if (fd >= 0 && attrib_fill(a, p, fd, inode, out) == 0)
				return 0;
		}
	}
	return -1;
}

/*
 * Finds the process holding out->inode: the cache, then recent owners,
 * then a full scan unless one ended less than 100 ms ago (more after a
 * long scan) or the last one already looked for this inode in vain (its
 * holder is out of our sight: another pid namespace, a socket in flight
 * in an SCM_RIGHTS message, a process that exited meanwhile).
 */
static int
attrib_find_process(struct attrib_ctx *a, struct attrib *out)
{
	struct attrib_slot *s;
	int32_t pid, fd;

	if ((s = attrib_cache_get(a, out->inode)) != NULL && s->pid > 0) {
		if (attrib_fill(a, s->pid, s->fd, out->inode, out) == 0)
			return 0;
		s->pid = -1;
	}
	if (attrib_probe_recent(a, out->uid, out->inode, out) == 0)
		return 0;
	if (attrib_neg_has(a, out->inode))
		return -1;
	if (a->scanned && attrib_now_ns() - a->last_scan_ns < a->scan_gap_ns)
		return attrib_probe_likely(a, out->uid, out->inode, out);
	if (attrib_scan(a, out->inode, &pid, &fd) == -1)
		return -1;
	return attrib_fill(a, pid, fd, out->inode, out);
}

/* The name of uid, from a small cache: NSS (LDAP, sssd) is too slow per flow. */
static void
attrib_user_name(struct attrib_ctx *a, uint32_t uid, char name[ATTRIB_USER_MAX])
{
	struct attrib_user *u = &a->users[uid & (ATTRIB_USERS - 1)];
	struct passwd pw, *res = NULL;
	int64_t now = attrib_now_ns() / 1000000000LL;
	int rc;

	if (!u->valid || u->uid != uid || now >= u->expires) {
		u->valid = true;
		u->uid = uid;
		u->name[0] = '\0';
		rc = getpwuid_r(uid, &pw, a->pwbuf, sizeof(a->pwbuf), &res);
		/* a name too long to hold is left out, not cut: it would name someone else */
		if (rc == 0 && res != NULL && strlen(pw.pw_name) < ATTRIB_USER_MAX)
			memcpy(u->name, pw.pw_name, strlen(pw.pw_name) + 1);
		/* a failing directory service is asked again sooner than a missing user */
		u->expires = now + (rc == 0 ? ATTRIB_USER_TTL_S :
		    ATTRIB_USER_FAIL_TTL_S);
	}
	memcpy(name, u->name, ATTRIB_USER_MAX);
}

/* --- public ------------------------------------------------------------ */

/*
 * Looks up a socket of our own: a kernel without inet_diag, tcp_diag or
 * udp_diag answers every lookup with ENOENT, which would otherwise pass
 * for "no such socket" on every flow, silently.
 */
static int
attrib_selftest(struct attrib_ctx *a, uint8_t proto, char *err, size_t errsize)
{
	struct sockaddr_in sin;
	struct inet_diag_sockid id;
	struct inet_diag_msg m;
	struct stat sb;
	socklen_t len = sizeof(sin);
	const char *what = proto == IPPROTO_TCP ? "TCP" : "UDP";
	int s, rc = -1;

	s = socket(AF_INET, (proto == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM) |
	    SOCK_CLOEXEC, 0);
	if (s == -1) {
		snprintf(err, errsize, "attrib: %s socket for the sock_diag "
		    "self-test: %s", what, strerror(errno));
		return -1;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	/* TCP listens on loopback only; a UDP socket bound to any needs no interface */
	if (proto == IPPROTO_TCP)
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    (proto == IPPROTO_TCP && listen(s, 1) == -1) ||
	    getsockname(s, (struct sockaddr *)&sin, &len) == -1 ||
	    fstat(s, &sb) == -1) {
		/* no loopback in this namespace: nothing to test against */
		rc = proto == IPPROTO_TCP && errno == EADDRNOTAVAIL ? 0 : -1;
		if (rc == -1)
			snprintf(err, errsize, "attrib: %s socket for the "
			    "sock_diag self-test: %s", what, strerror(errno));
		goto done;
	}
	memset(&id, 0, sizeof(id));
	id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	if (proto == IPPROTO_TCP) {
		id.idiag_sport = sin.sin_port;
		memcpy(id.idiag_src, &sin.sin_addr, 4);
	} else {
		id.idiag_dport = sin.sin_port;	/* udp_diag: remote first */
	}
	if (attrib_diag(a, AF_INET, proto, &id, &m) != 1 ||
	    (uint64_t)m.idiag_inode != (uint64_t)sb.st_ino) {
		snprintf(err, errsize, "attrib: sock_diag cannot find a %s "
		    "socket of our own (is the kernel's inet_diag/%s module "
		    "available?)", what,
		    proto == IPPROTO_TCP ? "tcp_diag" : "udp_diag");
		goto done;
	}
	rc = 0;
done:
	close(s);
	return rc;
}

struct attrib_ctx *
attrib_open(size_t cache_size, char *err, size_t errsize)
{
	struct attrib_ctx *a;
	struct sockaddr_nl kern;
	struct timeval tv;
	size_t n;

	if (cache_size == 0 || cache_size > ATTRIB_CACHE_MAX) {
		snprintf(err, errsize, "attrib: cache size %zu: must be 1 to %u",
		    cache_size, ATTRIB_CACHE_MAX);
		return NULL;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		snprintf(err, errsize, "attrib: %s", strerror(errno));
		return NULL;
	}
	a->nl = a->rt = a->proc = -1;
	a->gen = 1;
	/* twice the entries in slots keeps linear probes short */
	for (n = 2; n < cache_size * 2; n <<= 1)
		;
	a->mask = n - 1;
	a->capacity = cache_size;
	if ((a->slots = calloc(n, sizeof(*a->slots))) == NULL) {
		snprintf(err, errsize, "attrib: cache of %zu entries: %s",
		    cache_size, strerror(errno));
		goto fail;
	}
	if ((a->proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(err, errsize, "attrib: /proc: %s", strerror(errno));
		goto fail;
	}
	a->nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (a->nl == -1) {
		snprintf(err, errsize, "attrib: NETLINK_SOCK_DIAG socket: %s",
		    strerror(errno));
		goto fail;
	}
	tv.tv_sec = 0;
	tv.tv_usec = ATTRIB_NL_TIMEOUT_US;
	memset(&kern, 0, sizeof(kern));
	kern.nl_family = AF_NETLINK;	/* nl_pid 0: the kernel */
	if (setsockopt(a->nl, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    connect(a->nl, (struct sockaddr *)&kern, sizeof(kern)) == -1) {
		snprintf(err, errsize, "attrib: NETLINK_SOCK_DIAG socket: %s",
		    strerror(errno));
		goto fail;
	}
	a->rt = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (a->rt == -1 ||
	    setsockopt(a->rt, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    connect(a->rt, (struct sockaddr *)&kern, sizeof(kern)) == -1) {
		snprintf(err, errsize, "attrib: NETLINK_ROUTE socket: %s",
		    strerror(errno));
		goto fail;
	}
	if (attrib_selftest(a, IPPROTO_TCP, err, errsize) == -1 ||
	    attrib_selftest(a, IPPROTO_UDP, err, errsize) == -1)
		goto fail;
	memset(&a->st, 0, sizeof(a->st));
	return a;
fail:
	attrib_close(a);
	return NULL;
}

void
attrib_close(struct attrib_ctx *a)
{
	if (a == NULL)
		return;
	if (a->nl != -1)
		close(a->nl);
	if (a->rt != -1)
		close(a->rt);
	if (a->proc != -1)
		close(a->proc);
	free(a->slots);
	free(a);
}

bool
attrib_lookup_socket(struct attrib_ctx *a, uint8_t proto,
    const struct ipaddr *src, uint16_t sport, const struct ipaddr *dst,
    uint16_t dport, struct attrib *out)
{
	struct inet_diag_msg m;

	memset(out, 0, sizeof(*out));
	out->uid = -1;
	out->pid = -1;
	a->st.queries++;
	if ((proto != IPPROTO_TCP && proto != IPPROTO_UDP) ||
	    ipaddr_is_v4(src) != ipaddr_is_v4(dst)) {
		a->st.errors++;
		return false;
	}
	if (attrib_find_socket(a, proto, src, sport, dst, dport, &m) != 1)
		return false;
	/*
	 * TIME_WAIT and request sockets have no owner left: the kernel fills
	 * in uid 0, which is not root but nobody, so it is not reported.
	 */
	if (proto == IPPROTO_TCP && (m.idiag_state == ATTRIB_TCP_TIME_WAIT ||
	    m.idiag_state == ATTRIB_TCP_NEW_SYN_RECV))
		return false;
	a->st.found_socket++;
	out->uid = m.idiag_uid;
	out->inode = m.idiag_inode;
	attrib_user_name(a, m.idiag_uid, out->user);
	return true;
}

void
attrib_lookup_process(struct attrib_ctx *a, struct attrib *out)
{
	/* inode 0: an orphan, its last process closed it (FIN_WAIT, LAST_ACK) */
	if (out->uid < 0 || out->inode == 0)
		return;
	if (attrib_find_process(a, out) == 0) {
		a->st.found_process++;
		attrib_recent_add(a, out->uid, (int32_t)out->pid);
	} else {
		out->pid = -1;
		out->comm[0] = out->exe[0] = out->cgroup[0] = '\0';
	}
}

bool
attrib_lookup(struct attrib_ctx *a, uint8_t proto,
    const struct ipaddr *src, uint16_t sport, const struct ipaddr *dst,
    uint16_t dport, struct attrib *out)
{
	if (!attrib_lookup_socket(a, proto, src, sport, dst, dport, out))
		return false;
	attrib_lookup_process(a, out);
	return true;
}

void
attrib_get_stats(const struct attrib_ctx *a, struct attrib_stats *st)
{
	*st = a->st;
	st->cached = a->used;
	st->cache_capacity = a->capacity;
}
