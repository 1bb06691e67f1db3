/* Unit tests for agent/attrib: real loopback sockets held by this process, a child, another uid, nobody. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "agent/attrib.h"

#define NOBODY 65534
/*
 * attrib scans /proc at most every 100 ms, or ten times as long as its
 * last scan took: slow under sanitizers and load, so tests wait and retry.
 */
#define PAST_RATE_LIMIT_US 150000
#define PAST_ANY_RATE_LIMIT_US 600000

/* --- helpers ----------------------------------------------------------- */

static struct attrib_ctx *
ctx_open(void)
{
	char err[256] = "";
	struct attrib_ctx *a = attrib_open(1024, err, sizeof(err));

	ck_assert_msg(a != NULL, "attrib_open: %s", err);
	return a;
}

static void
sa_split(const struct sockaddr_storage *ss, struct ipaddr *ip, uint16_t *port)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		ipaddr_from_v4(ip, (const uint8_t *)&s4->sin_addr);
		*port = ntohs(s4->sin_port);
	} else {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		ipaddr_from_v6(ip, s6->sin6_addr.s6_addr);
		*port = ntohs(s6->sin6_port);
	}
}

static void
sa_make(struct sockaddr_storage *ss, socklen_t *len, const char *addr,
    uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(addr, ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		ck_assert_int_eq(inet_pton(AF_INET6, addr, &s6->sin6_addr), 1);
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		ck_assert_int_eq(inet_pton(AF_INET, addr, &s4->sin_addr), 1);
		*len = sizeof(*s4);
	}
}

/* A socket of type bound to addr:0; listening if TCP. Its port in *port. */
static int
bound(int type, const char *addr, uint16_t *port)
{
	struct sockaddr_storage ss;
	struct ipaddr ip;
	socklen_t len;
	int s;

	sa_make(&ss, &len, addr, 0);
	s = socket(ss.ss_family, type | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(s, 0);
	ck_assert_msg(bind(s, (struct sockaddr *)&ss, len) == 0, "bind %s: %s",
	    addr, strerror(errno));
	if (type == SOCK_STREAM)
		ck_assert_int_eq(listen(s, 16), 0);
	len = sizeof(ss);
	ck_assert_int_eq(getsockname(s, (struct sockaddr *)&ss, &len), 0);
	sa_split(&ss, &ip, port);
	return s;
}

/* A socket of family and type connected to addr:port. */
static int
connected(int family, int type, const char *addr, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int s;

	sa_make(&ss, &len, addr, port);
	s = socket(family, type | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(s, 0);
	ck_assert_msg(connect(s, (struct sockaddr *)&ss, len) == 0,
	    "connect %s:%u: %s", addr, port, strerror(errno));
	return s;
}

/* The tuple of a connected socket, as the capture would see it leave. */
static void
tuple_of(int s, struct ipaddr *src, uint16_t *sport, struct ipaddr *dst,
    uint16_t *dport)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	ck_assert_int_eq(getsockname(s, (struct sockaddr *)&ss, &len), 0);
	sa_split(&ss, src, sport);
	len = sizeof(ss);
	ck_assert_int_eq(getpeername(s, (struct sockaddr *)&ss, &len), 0);
	sa_split(&ss, dst, dport);
}

static bool
lookup_fd(struct attrib_ctx *a, uint8_t proto, int s, struct attrib *out)
{
	struct ipaddr src, dst;
	uint16_t sport, dport;

	tuple_of(s, &src, &sport, &dst, &dport);
	return attrib_lookup(a, proto, &src, sport, &dst, dport, out);
}

static bool
lookup_str(struct attrib_ctx *a, uint8_t proto, const char *src,
    uint16_t sport, const char *dst, uint16_t dport, struct attrib *out)
{
	struct ipaddr s, d;

	ck_assert_int_eq(ipaddr_parse(src, &s), 0);
	ck_assert_int_eq(ipaddr_parse(dst, &d), 0);
	return attrib_lookup(a, proto, &s, sport, &d, dport, out);
}

/* What /proc says about pid: comm, exe, and the cgroup v2 path ("" if none). */
struct expect {
	char comm[64];
	char exe[4096];
	char cgroup[4096];
};

static void
expect_of(pid_t pid, struct expect *e)
{
	char path[64], line[4096];
	ssize_t n;
	FILE *f;

	memset(e, 0, sizeof(*e));
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	ck_assert_ptr_nonnull(fgets(e->comm, sizeof(e->comm), f));
	e->comm[strcspn(e->comm, "\n")] = '\0';
	fclose(f);
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, e->exe, sizeof(e->exe) - 1);
	ck_assert_int_gt(n, 0);
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(e->cgroup, sizeof(e->cgroup), "%s", line + 3);
		}
	fclose(f);
	/* the module cuts paths to ATTRIB_PATH_MAX - 1 bytes; these are short */
	ck_assert_int_lt(strlen(e->exe), ATTRIB_PATH_MAX);
	ck_assert_int_lt(strlen(e->cgroup), ATTRIB_PATH_MAX);
}

static void
assert_owner(const struct attrib *at, int s, pid_t pid, uid_t uid)
{
	struct expect e;
	struct passwd *pw;
	struct stat sb;

	expect_of(pid, &e);
	ck_assert_int_eq(fstat(s, &sb), 0);
	ck_assert_int_eq(at->uid, uid);
	ck_assert_int_eq(at->pid, pid);
	ck_assert_uint_eq(at->inode, sb.st_ino);
	ck_assert_str_eq(at->comm, e.comm);
	ck_assert_str_eq(at->exe, e.exe);
	ck_assert_str_eq(at->cgroup, e.cgroup);
	pw = getpwuid(uid);
	ck_assert_str_eq(at->user, pw != NULL ? pw->pw_name : "");
}

static void
assert_nothing(const struct attrib *at)
{
	ck_assert_int_eq(at->uid, -1);
	ck_assert_int_eq(at->pid, -1);
	ck_assert_uint_eq(at->inode, 0);
	ck_assert_str_eq(at->user, "");
	ck_assert_str_eq(at->comm, "");
	ck_assert_str_eq(at->exe, "");
	ck_assert_str_eq(at->cgroup, "");
}

/* Writes one byte or int down a pipe; reads one, waiting at most 5 s. */
static void
put(int fd, int v)
{
	ck_assert_int_eq(write(fd, &v, sizeof(v)), (ssize_t)sizeof(v));
}

static int
get(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int v;

	ck_assert_msg(poll(&p, 1, 5000) == 1, "child did not answer");
	ck_assert_int_eq(read(fd, &v, sizeof(v)), (ssize_t)sizeof(v));
	return v;
}

/* In a child: a failed step ends it with a status the parent sees. */
#define CHILD_OK(expr) do { if (!(expr)) _exit(10 + __LINE__ % 100); } while (0)

static void
child_put(int fd, int v)
{
	CHILD_OK(write(fd, &v, sizeof(v)) == (ssize_t)sizeof(v));
}

static int
child_get(int fd)
{
	int v;

	CHILD_OK(read(fd, &v, sizeof(v)) == (ssize_t)sizeof(v));
	return v;
}

static void
reap(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

/*
 * State, uid and inode of a TCP socket as /proc/net/tcp lists it, found by
 * its ports: an oracle independent of sock_diag. Returns -1 when absent.
 */
static int
proc_net_tcp(uint16_t lport, uint16_t rport, unsigned *uid,
    unsigned long *inode)
{
	char line[512];
	unsigned lp, rp, st;
	FILE *f;
	int found = -1;

	ck_assert_ptr_nonnull(f = fopen("/proc/net/tcp", "r"));
	while (found == -1 && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, " %*d: %*x:%x %*x:%x %x %*x:%*x %*x:%*x %*x "
		    "%u %*d %lu", &lp, &rp, &st, uid, inode) == 5 &&
		    lp == lport && rp == rport)
			found = (int)st;
	fclose(f);
	return found;
}

static int
wait_tcp_state(uint16_t lport, uint16_t rport, int want, unsigned *uid,
    unsigned long *inode)
{
	int i, st = -1;

	for (i = 0; i < 200; i++) {
		if ((st = proc_net_tcp(lport, rport, uid, inode)) == want)
			break;
		usleep(5000);
	}
	return st;
}

/* --- this process's own sockets ----------------------------------------- */

static void
self_tcp(int family, const char *addr)
{
	struct attrib_ctx *a = ctx_open();
	struct attrib at;
	uint16_t port;
	int l, c, s;

	l = bound(SOCK_STREAM, addr, &port);
	c = connected(family, SOCK_STREAM, addr, port);
	s = accept(l, NULL, NULL);
	ck_assert_int_ge(s, 0);
	ck_assert(lookup_fd(a, IPPROTO_TCP, c, &at));
	assert_owner(&at, c, getpid(), getuid());
	/* the accepted end is ours too, and is a different socket */
	ck_assert(lookup_fd(a, IPPROTO_TCP, s, &at));
	assert_owner(&at, s, getpid(), getuid());
	close(s);
	close(c);
	close(l);
	attrib_close(a);
}

START_TEST(test_tcp4_self)
{
	self_tcp(AF_INET, "127.0.0.1");
}
END_TEST

START_TEST(test_tcp6_self)
{
	self_tcp(AF_INET6, "::1");
}
END_TEST

/* An AF_INET6 socket talking to an IPv4 peer (Go, Java do this): asked as IPv4. */
START_TEST(test_tcp_dual_stack)
{
	struct attrib_ctx *a = ctx_open();
	struct attrib at;
	struct ipaddr src, dst;
	uint16_t port, sport, dport;
	int l, c;

	l = bound(SOCK_STREAM, "127.0.0.1", &port);
	c = connected(AF_INET6, SOCK_STREAM, "::ffff:127.0.0.1", port);
	tuple_of(c, &src, &sport, &dst, &dport);
	ck_assert(ipaddr_is_v4(&src) && ipaddr_is_v4(&dst));
	ck_assert(attrib_lookup(a, IPPROTO_TCP, &src, sport, &dst, dport, &at));
	assert_owner(&at, c, getpid(), getuid());
	close(c);
	close(l);
	attrib_close(a);
}
END_TEST

static void
self_udp(int family, const char *addr)
{
	struct attrib_ctx *a = ctx_open();
	struct attrib at;
	uint16_t port;
	int srv, c;

	srv = bound(SOCK_DGRAM, addr, &port);
	c = connected(family, SOCK_DGRAM, addr, port);
	ck_assert(lookup_fd(a, IPPROTO_UDP, c, &at));
	assert_owner(&at, c, getpid(), getuid());
	close(c);
	close(srv);
	attrib_close(a);
}

START_TEST(test_udp4_connected)
{
	self_udp(AF_INET, "127.0.0.1");
}
END_TEST

START_TEST(test_udp6_connected)
{
	self_udp(AF_INET6, "::1");
}
END_TEST

/*
 * The capture sees the SYN before the handshake ends: a connection still in
 * SYN_SENT (its SYN dropped by a listener whose accept queue is full).
 */
START_TEST(test_tcp_syn_sent)
{
	struct attrib_ctx *a = ctx_open();
	struct sockaddr_storage ss;
	struct attrib at;
	struct ipaddr src, dst;
	unsigned long ino;
	unsigned uid;
	socklen_t len;
	uint16_t port, sport;
	int l, c, p;

	/* backlog 0 queues one connection; the next SYN is dropped */
	l = bound(SOCK_STREAM, "127.0.0.1", &port);
	ck_assert_int_eq(listen(l, 0), 0);
	c = connected(AF_INET, SOCK_STREAM, "127.0.0.1", port);
	sa_make(&ss, &len, "127.0.0.1", port);
	p = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(p, 0);
	ck_assert_int_eq(connect(p, (struct sockaddr *)&ss, len), -1);
	ck_assert_int_eq(errno, EINPROGRESS);
	len = sizeof(ss);
	ck_assert_int_eq(getsockname(p, (struct sockaddr *)&ss, &len), 0);
	sa_split(&ss, &src, &sport);
	ck_assert_int_eq(ipaddr_parse("127.0.0.1", &dst), 0);
	ck_assert_int_eq(wait_tcp_state(sport, port, 2, &uid, &ino), 2);
	ck_assert(attrib_lookup(a, IPPROTO_TCP, &src, sport, &dst, port, &at));
	assert_owner(&at, p, getpid(), getuid());
	close(p);
	close(c);
	close(l);
	attrib_close(a);
}
END_TEST

/*
 * Sockets bound to a device (SO_BINDTODEVICE; systemd-resolved's per-link
 * DNS sockets) are invisible to a lookup on no interface.
 */
static void
bound_to_lo(int family, int type, const char *addr)
{
	struct attrib_ctx *a = ctx_open();
	struct sockaddr_storage ss;
	struct attrib at;
	socklen_t len;
	uint16_t port;
	int srv, c;

	srv = bound(type, addr, &port);
	sa_make(&ss, &len, addr, port);
	c = socket(family, type | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(c, 0);
	ck_assert_int_eq(setsockopt(c, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3), 0);
	ck_assert_int_eq(connect(c, (struct sockaddr *)&ss, len), 0);
	ck_assert(lookup_fd(a, type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP,
	    c, &at));
	assert_owner(&at, c, getpid(), getuid());
	close(c);
	close(srv);
	attrib_close(a);
}

START_TEST(test_bound_to_device)
{
	bound_to_lo(AF_INET, SOCK_STREAM, "127.0.0.1");
	bound_to_lo(AF_INET, SOCK_DGRAM, "127.0.0.1");
	bound_to_lo(AF_INET6, SOCK_STREAM, "::1");
	bound_to_lo(AF_INET6, SOCK_DGRAM, "::1");
}
END_TEST

/* sendto() from an unbound, unconnected socket: the DNS client's way. */
START_TEST(test_udp_unconnected)
{
	struct attrib_ctx *a = ctx_open();
	struct sockaddr_storage ss;
	struct attrib at;
	struct ipaddr any, ip;
	socklen_t len;
	uint16_t port, sport;
	int srv, c;

	srv = bound(SOCK_DGRAM, "127.0.0.1", &port);
	sa_make(&ss, &len, "127.0.0.1", port);
	c = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(sendto(c, "q", 1, 0, (struct sockaddr *)&ss, len), 1);
	len = sizeof(ss);
	ck_assert_int_eq(getsockname(c, (struct sockaddr *)&ss, &len), 0);
	sa_split(&ss, &ip, &sport);
	ck_assert_int_eq(ipaddr_parse("0.0.0.0", &any), 0);
	ck_assert(ipaddr_equal(&ip, &any));
	ck_assert(lookup_str(a, IPPROTO_UDP, "127.0.0.1", sport, "127.0.0.1",
	    port, &at));
	assert_owner(&at, c, getpid(), getuid());
	/* and to any other destination: the socket is not bound to a peer */
	ck_assert(lookup_str(a, IPPROTO_UDP, "127.0.0.1", sport, "127.0.0.2",
	    53, &at));
	assert_owner(&at, c, getpid(), getuid());
	close(c);
	close(srv);
	attrib_close(a);
}
END_TEST

/* --- sockets of other processes ----------------------------------------- */

/* The cgroup2 mount point if it is the cgroup namespace's root; "" else. */
static void
cgroup2_root(char *out, size_t size)
{
	char line[1024], root[512], mnt[512];
	FILE *f;

	out[0] = '\0';
	if ((f = fopen("/proc/self/mountinfo", "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, " - cgroup2 ") != NULL &&
		    sscanf(line, "%*s %*s %*s %511s %511s", root, mnt) == 2 &&
		    strcmp(root, "/") == 0) {
			snprintf(out, size, "%s", mnt);
			break;
		}
	fclose(f);
}

/*
 * The cgroup made for a child is named after the test runner, whose
 * teardown removes it: a failed check ends the forked test at once.
 */
static pid_t runner_pid;

static void
cg_name(char *out, size_t size)
{
	snprintf(out, size, "eeaguard-check-%d", (int)runner_pid);
}

static void
runner_setup(void)
{
	runner_pid = getpid();
}

static void
runner_teardown(void)
{
	char mnt[512], name[64], dir[600];
	int i;

	cgroup2_root(mnt, sizeof(mnt));
	if (mnt[0] == '\0')
		return;
	cg_name(name, sizeof(name));
	snprintf(dir, sizeof(dir), "%s/%s", mnt, name);
	/* an orphaned child leaves it once it sees its pipe closed */
	for (i = 0; i < 200 && rmdir(dir) == -1 && errno == EBUSY; i++)
		usleep(10000);
}

/*
 * A child under uid 65534 creates and connects its own socket (the parent
 * never holds it), in a cgroup of its own when cgroup v2 lets us make one.
 */
START_TEST(test_child_other_uid)
{
	struct attrib_ctx *a = ctx_open();
	struct attrib at;
	struct passwd *pw;
	char mnt[512], cg[1024] = "", procs[1100], name[64];
	uint16_t port, cport;
	pid_t pid;
	int l, s, up[2], down[2];
	FILE *f;

	l = bound(SOCK_STREAM, "127.0.0.1", &port);
	ck_assert_int_eq(pipe(up), 0);
	ck_assert_int_eq(pipe(down), 0);
	if ((pid = fork()) == 0) {
		struct sockaddr_in sin;
		socklen_t len = sizeof(sin);
		int c;

		/* no write end of its own pipe: a dead parent must end it */
		close(down[1]);
		close(up[0]);
		close(l);
		CHILD_OK(setgid(NOBODY) == 0 && setuid(NOBODY) == 0);
		CHILD_OK(prctl(PR_SET_NAME, "eeag-child") == 0);
		CHILD_OK(child_get(down[0]) == 1);
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(port);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		CHILD_OK((c = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
		CHILD_OK(connect(c, (struct sockaddr *)&sin, sizeof(sin)) == 0);
		CHILD_OK(getsockname(c, (struct sockaddr *)&sin, &len) == 0);
		child_put(up[1], ntohs(sin.sin_port));
		child_get(down[0]);
		_exit(0);
	}
	ck_assert_int_gt(pid, 0);
	cgroup2_root(mnt, sizeof(mnt));
	if (mnt[0] != '\0') {
		cg_name(name, sizeof(name));
		snprintf(cg, sizeof(cg), "%s/%s", mnt, name);
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
		if (mkdir(cg, 0755) == 0) {
			bool moved = false;

			if ((f = fopen(procs, "w")) != NULL) {
				moved = fprintf(f, "%d\n", (int)pid) > 0;
				moved = fclose(f) == 0 && moved;
			}
			if (!moved)
				cg[0] = '\0';	/* no cgroup of its own, then */
		} else {
			cg[0] = '\0';
		}
	}
	put(down[1], 1);
	cport = (uint16_t)get(up[0]);
	s = accept(l, NULL, NULL);
	ck_assert_int_ge(s, 0);

	ck_assert(lookup_str(a, IPPROTO_TCP, "127.0.0.1", cport, "127.0.0.1",
	    port, &at));
	ck_assert_int_ne(at.pid, getpid());
	ck_assert_int_eq(at.pid, pid);
	ck_assert_int_eq(at.uid, NOBODY);
	ck_assert_ptr_nonnull(pw = getpwuid(NOBODY));
	ck_assert_str_eq(at.user, pw->pw_name);
	ck_assert_str_eq(at.comm, "eeag-child");
	ck_assert_uint_ne(at.inode, 0);
	{
		struct expect e;

		expect_of(pid, &e);
		ck_assert_str_eq(at.exe, e.exe);
		ck_assert_str_eq(at.cgroup, e.cgroup);
		if (cg[0] != '\0') {
			snprintf(procs, sizeof(procs), "/%s", name);
			ck_assert_str_eq(at.cgroup, procs);
		}
	}
	/* the server end is the test's own */
	ck_assert(lookup_fd(a, IPPROTO_TCP, s, &at));
	ck_assert_int_eq(at.pid, getpid());

	put(down[1], 2);
	reap(pid);
	if (cg[0] != '\0')
		ck_assert_int_eq(rmdir(cg), 0);
	close(s);
	close(l);
	attrib_close(a);
}
END_TEST

static int
send_fd(int u, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))], b = 'f';
	struct iovec iov = { .iov_base = &b, .iov_len = 1 };
	struct msghdr mh;
	struct cmsghdr *cm;

	memset(&mh, 0, sizeof(mh));
	memset(cbuf, 0, sizeof(cbuf));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(u, &mh, 0) == 1 ? 0 : -1;
}

static int
recv_fd(int u)
{
	char cbuf[CMSG_SPACE(sizeof(int))], b;
	struct iovec iov = { .iov_base = &b, .iov_len = 1 };
	struct msghdr mh;
	struct cmsghdr *cm;
	int fd;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	if (recvmsg(u, &mh, 0) != 1 || (cm = CMSG_FIRSTHDR(&mh)) == NULL ||
	    cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/*
 * A socket handed from one child to another, the first child keeping its
 * fd number busy with another socket: the cached holder (child one, that
 * fd) must be re-checked and never named again.
 */
START_TEST(test_socket_moved)
{
	struct attrib_ctx *a = ctx_open();
	struct attrib at;
	uint16_t port, cport;
	pid_t one, two;
	int l, u[2], up1[2], down1[2], up2[2], down2[2], i;

	l = bound(SOCK_STREAM, "127.0.0.1", &port);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM, 0, u), 0);
	ck_assert_int_eq(pipe(up1), 0);
	ck_assert_int_eq(pipe(down1), 0);
	ck_assert_int_eq(pipe(up2), 0);
	ck_assert_int_eq(pipe(down2), 0);
	if ((one = fork()) == 0) {
		struct sockaddr_in sin;
		socklen_t len = sizeof(sin);
		int c, other;

		close(down1[1]);
		close(down2[1]);
		close(l);
		CHILD_OK(prctl(PR_SET_NAME, "eeag-one") == 0);
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(port);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		CHILD_OK((c = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
		CHILD_OK(connect(c, (struct sockaddr *)&sin, sizeof(sin)) == 0);
		CHILD_OK(getsockname(c, (struct sockaddr *)&sin, &len) == 0);
		child_put(up1[1], ntohs(sin.sin_port));
		child_get(down1[0]);
		CHILD_OK(send_fd(u[0], c) == 0);
		CHILD_OK((other = socket(AF_INET, SOCK_DGRAM, 0)) >= 0);
		CHILD_OK(dup2(other, c) == c);
		close(other);
		child_put(up1[1], 0);
		child_get(down1[0]);
		_exit(0);
	}
	ck_assert_int_gt(one, 0);
	if ((two = fork()) == 0) {
		int c;

		close(down1[1]);
		close(down2[1]);
		close(l);
		CHILD_OK(prctl(PR_SET_NAME, "eeag-two") == 0);
		CHILD_OK((c = recv_fd(u[1])) >= 0);
		child_put(up2[1], c);
		child_get(down2[0]);
		_exit(0);
	}
	ck_assert_int_gt(two, 0);

	cport = (uint16_t)get(up1[0]);
	ck_assert(lookup_str(a, IPPROTO_TCP, "127.0.0.1", cport, "127.0.0.1",
	    port, &at));
	ck_assert_int_eq(at.pid, one);
	ck_assert_str_eq(at.comm, "eeag-one");

	put(down1[1], 1);
	ck_assert_int_eq(get(up1[0]), 0);
	ck_assert_int_ge(get(up2[0]), 0);
	/* within the scan rate limit the answer may be "unknown", never "one" */
	ck_assert(lookup_str(a, IPPROTO_TCP, "127.0.0.1", cport, "127.0.0.1",
	    port, &at));
	ck_assert_int_ne(at.pid, one);
	ck_assert_str_ne(at.comm, "eeag-one");
	ck_assert(at.pid == -1 || at.pid == two);

	for (i = 0; i < 20; i++) {
		usleep(PAST_RATE_LIMIT_US);
		ck_assert(lookup_str(a, IPPROTO_TCP, "127.0.0.1", cport,
		    "127.0.0.1", port, &at));
		ck_assert_int_ne(at.pid, one);
		if (at.pid == two)
			break;
	}
	ck_assert_int_eq(at.pid, two);
	ck_assert_str_eq(at.comm, "eeag-two");

	put(down1[1], 2);
	put(down2[1], 2);
	reap(one);
	reap(two);
	close(l);
	attrib_close(a);
}
END_TEST

/*
 * A socket alive in the kernel but in no process's fd table (in flight in
 * an SCM_RIGHTS message): uid and inode known, pid -1, and a second miss
 * for it does not scan /proc again.
 */
START_TEST(test_held_by_nobody_visible)
{
	struct attrib_ctx *a = ctx_open();
	struct attrib_stats st;
	struct attrib at;
	struct ipaddr src, dst;
	struct stat sb;
	uint16_t port, sport, dport;
	int l, c, s, u[2], back, other, i;

	l = bound(SOCK_STREAM, "127.0.0.1", &port);
	c = connected(AF_INET, SOCK_STREAM, "127.0.0.1", port);
	s = accept(l, NULL, NULL);
	ck_assert_int_ge(s, 0);
	tuple_of(c, &src, &sport, &dst, &dport);
	ck_assert_int_eq(fstat(c, &sb), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM, 0, u), 0);
	ck_assert_int_eq(send_fd(u[0], c), 0);
	close(c);

	ck_assert(attrib_lookup(a, IPPROTO_TCP, &src, sport, &dst, dport, &at));
	ck_assert_int_eq(at.uid, getuid());
	ck_assert_uint_eq(at.inode, sb.st_ino);
	ck_assert_int_eq(at.pid, -1);
	ck_assert_str_eq(at.comm, "");
	attrib_get_stats(a, &st);
	ck_assert_uint_eq(st.proc_scans, 1);

	/* past the rate limit: only the remembered miss keeps it from scanning */
	usleep(PAST_ANY_RATE_LIMIT_US);
	ck_assert(attrib_lookup(a, IPPROTO_TCP, &src, sport, &dst, dport, &at));
	ck_assert_int_eq(at.pid, -1);
	attrib_get_stats(a, &st);
	ck_assert_uint_eq(st.proc_scans, 1);

	/* taken back, it is found once another miss has scanned again */
	back = recv_fd(u[1]);
	ck_assert_int_ge(back, 0);
	other = connected(AF_INET, SOCK_STREAM, "127.0.0.1", port);
	for (i = 0; i < 20; i++) {
		ck_assert(lookup_fd(a, IPPROTO_TCP, other, &at));
		if (at.pid == getpid())
			break;
		usleep(PAST_RATE_LIMIT_US);
	}
	ck_assert_int_eq(at.pid, getpid());
	ck_assert(attrib_lookup(a, IPPROTO_TCP, &src, sport, &dst, dport, &at));
	assert_owner(&at, back, getpid(), getuid());
	attrib_get_stats(a, &st);
	ck_assert_uint_eq(st.proc_scans, 2);

	close(other);
	close(back);
	close(s);
	close(u[0]);
	close(u[1]);
	close(l);
	attrib_close(a);
}
END_TEST

/*
 * The owner exited while its socket lives on: a child (uid 65534) fills a
 * zero window and exits, leaving an orphan in FIN_WAIT1 with its uid and
 * no inode. uid known, pid -1.
 */
START_TEST(test_owner_exited)
{
	struct attrib_ctx *a = ctx_open();
	struct attrib at;
	struct passwd *pw;
	unsigned long ino = 1;
	unsigned uid = 0;
	uint16_t port, cport;
	pid_t pid;
	int l, up[2], small = 4096, status;

	l = bound(SOCK_STREAM, "127.0.0.1", &port);
	/* the connection inherits it: the window closes after little data */
	ck_assert_int_eq(setsockopt(l, SOL_SOCKET, SO_RCVBUF, &small,
	    sizeof(small)), 0);
	ck_assert_int_eq(pipe(up), 0);
	if ((pid = fork()) == 0) {
		struct sockaddr_in sin;
		socklen_t len = sizeof(sin);
		char buf[4096];
		int c, i;

		close(l);
		memset(buf, 'x', sizeof(buf));
		CHILD_OK(setgid(NOBODY) == 0 && setuid(NOBODY) == 0);
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(port);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		CHILD_OK((c = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
		CHILD_OK(setsockopt(c, SOL_SOCKET, SO_SNDBUF, &small,
		    sizeof(small)) == 0);
		CHILD_OK(connect(c, (struct sockaddr *)&sin, sizeof(sin)) == 0);
		CHILD_OK(getsockname(c, (struct sockaddr *)&sin, &len) == 0);
		CHILD_OK(fcntl(c, F_SETFL, O_NONBLOCK) == 0);
		for (i = 0; i < 100000; i++)
			if (write(c, buf, sizeof(buf)) == -1) {
				CHILD_OK(errno == EAGAIN);
				break;
			}
		child_put(up[1], ntohs(sin.sin_port));
		_exit(0);	/* without close: exit closes it, unsent data pending */
	}
	ck_assert_int_gt(pid, 0);
	cport = (uint16_t)get(up[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(wait_tcp_state(cport, port, 4, &uid, &ino), 4);
	ck_assert_uint_eq(uid, NOBODY);
	ck_assert_uint_eq(ino, 0);

	ck_assert(lookup_str(a, IPPROTO_TCP, "127.0.0.1", cport, "127.0.0.1",
	    port, &at));
	ck_assert_int_eq(at.uid, NOBODY);
	ck_assert_int_eq(at.pid, -1);
	ck_assert_uint_eq(at.inode, 0);
	ck_assert_ptr_nonnull(pw = getpwuid(NOBODY));
	ck_assert_str_eq(at.user, pw->pw_name);
	ck_assert_str_eq(at.comm, "");
	ck_assert_str_eq(at.exe, "");
	ck_assert_str_eq(at.cgroup, "");
	close(l);	/* resets the unaccepted peer, and so the orphan */
	attrib_close(a);
}
END_TEST

/*
 * TIME_WAIT: the kernel reports uid 0 for it, which would blame root; the
 * owner is unknown, so the lookup finds nothing.
 */
START_TEST(test_time_wait)
{
	struct attrib_ctx *a = ctx_open();
	struct attrib at;
	struct ipaddr src, dst;
	unsigned long ino;
	unsigned uid;
	uint16_t port, sport, dport;
	char b;
	int l, c, s;

	l = bound(SOCK_STREAM, "127.0.0.1", &port);
	c = connected(AF_INET, SOCK_STREAM, "127.0.0.1", port);
	s = accept(l, NULL, NULL);
	ck_assert_int_ge(s, 0);
	tuple_of(c, &src, &sport, &dst, &dport);
	close(c);
	ck_assert_int_eq(read(s, &b, 1), 0);
	close(s);
	ck_assert_int_eq(wait_tcp_state(sport, dport, 6, &uid, &ino), 6);
	ck_assert(!attrib_lookup(a, IPPROTO_TCP, &src, sport, &dst, dport, &at));
	assert_nothing(&at);
	close(l);
	attrib_close(a);
}
END_TEST

/* --- tuples nobody owns ------------------------------------------------- */

START_TEST(test_nobody_owns)
{
	struct attrib_ctx *a = ctx_open();
	struct attrib_stats st;
	struct attrib at;
	uint16_t port, uport, free4, free6, cport;
	int l, u, c, t;

	/* a free port: bound, then closed */
	t = bound(SOCK_DGRAM, "127.0.0.1", &free4);
	close(t);
	t = bound(SOCK_DGRAM, "::1", &free6);
	close(t);
	ck_assert(!lookup_str(a, IPPROTO_TCP, "127.0.0.1", free4, "127.0.0.1",
	    9, &at));
	assert_nothing(&at);
	ck_assert(!lookup_str(a, IPPROTO_UDP, "127.0.0.1", free4, "127.0.0.1",
	    9, &at));
	assert_nothing(&at);
	ck_assert(!lookup_str(a, IPPROTO_TCP, "::1", free6, "::1", 9, &at));
	assert_nothing(&at);
	ck_assert(!lookup_str(a, IPPROTO_UDP, "::1", free6, "::1", 9, &at));
	assert_nothing(&at);

	/* the kernel's TCP lookup falls back to the listener on that port */
	l = bound(SOCK_STREAM, "127.0.0.1", &port);
	ck_assert(!lookup_str(a, IPPROTO_TCP, "127.0.0.1", port, "127.0.0.1",
	    1, &at));
	assert_nothing(&at);

	/* to a UDP server from a port nobody has: the server is not the answer */
	u = bound(SOCK_DGRAM, "127.0.0.1", &uport);
	ck_assert(!lookup_str(a, IPPROTO_UDP, "127.0.0.1", free4, "127.0.0.1",
	    uport, &at));
	assert_nothing(&at);

	/* a connected UDP socket does not own its port towards another peer */
	c = connected(AF_INET, SOCK_DGRAM, "127.0.0.1", uport);
	{
		struct ipaddr src, dst;
		uint16_t dport;

		tuple_of(c, &src, &cport, &dst, &dport);
	}
	ck_assert(lookup_str(a, IPPROTO_UDP, "127.0.0.1", cport, "127.0.0.1",
	    uport, &at));
	ck_assert(!lookup_str(a, IPPROTO_UDP, "127.0.0.1", cport, "127.0.0.1",
	    (uint16_t)(uport + 1), &at));
	assert_nothing(&at);
	/* nor a TCP socket the same tuple in UDP */
	ck_assert(!lookup_str(a, IPPROTO_TCP, "127.0.0.1", cport, "127.0.0.1",
	    uport, &at));

	attrib_get_stats(a, &st);
	ck_assert_uint_eq(st.queries, 9);
	ck_assert_uint_eq(st.found_socket, 1);
	ck_assert_uint_eq(st.errors, 0);
	close(c);
	close(u);
	close(l);
	attrib_close(a);
}
END_TEST

START_TEST(test_bad_arguments)
{
	struct attrib_ctx *a = ctx_open();
	struct attrib_stats st;
	struct attrib at;

	ck_assert(!lookup_str(a, IPPROTO_ICMP, "127.0.0.1", 1, "127.0.0.1", 2,
	    &at));
	assert_nothing(&at);
	ck_assert(!lookup_str(a, IPPROTO_TCP, "127.0.0.1", 1, "::1", 2, &at));
	assert_nothing(&at);
	attrib_get_stats(a, &st);
	ck_assert_uint_eq(st.queries, 2);
	ck_assert_uint_eq(st.errors, 2);
	attrib_close(a);
}
END_TEST

START_TEST(test_open_cache_size)
{
	char err[256] = "";

	ck_assert_ptr_null(attrib_open(0, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "cache size"));
	err[0] = '\0';
	ck_assert_ptr_null(attrib_open((size_t)1 << 30, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "cache size"));
	attrib_close(NULL);
}
END_TEST

/* --- cache and scans ---------------------------------------------------- */

/*
 * New sockets of a process just attributed are found without a full scan
 * (a burst of connections falls inside the scan rate limit); known ones
 * come from the cache; the counters say so.
 */
START_TEST(test_burst_and_stats)
{
	struct attrib_ctx *a = ctx_open();
	struct attrib_stats st;
	struct attrib at;
	uint16_t port;
	int l, c[6], i;

	l = bound(SOCK_STREAM, "127.0.0.1", &port);
	c[0] = connected(AF_INET, SOCK_STREAM, "127.0.0.1", port);
	ck_assert(lookup_fd(a, IPPROTO_TCP, c[0], &at));
	assert_owner(&at, c[0], getpid(), getuid());
	for (i = 1; i < 6; i++) {
		c[i] = connected(AF_INET, SOCK_STREAM, "127.0.0.1", port);
		ck_assert(lookup_fd(a, IPPROTO_TCP, c[i], &at));
		assert_owner(&at, c[i], getpid(), getuid());
	}
	for (i = 0; i < 6; i++) {
		ck_assert(lookup_fd(a, IPPROTO_TCP, c[i], &at));
		ck_assert_int_eq(at.pid, getpid());
	}
	attrib_get_stats(a, &st);
	ck_assert_uint_eq(st.queries, 12);
	ck_assert_uint_eq(st.found_socket, 12);
	ck_assert_uint_eq(st.found_process, 12);
	ck_assert_uint_eq(st.proc_scans, 1);
	ck_assert_uint_eq(st.errors, 0);
	for (i = 0; i < 6; i++)
		close(c[i]);
	close(l);
	attrib_close(a);
}
END_TEST

/* A cache of one entry still attributes every socket correctly. */
START_TEST(test_tiny_cache)
{
	char err[256] = "";
	struct attrib_ctx *a = attrib_open(1, err, sizeof(err));
	struct attrib at;
	uint16_t port;
	int l, c[4], i, round;

	ck_assert_msg(a != NULL, "%s", err);
	l = bound(SOCK_STREAM, "::1", &port);
	for (i = 0; i < 4; i++)
		c[i] = connected(AF_INET6, SOCK_STREAM, "::1", port);
	for (round = 0; round < 2; round++)
		for (i = 0; i < 4; i++) {
			ck_assert(lookup_fd(a, IPPROTO_TCP, c[i], &at));
			assert_owner(&at, c[i], getpid(), getuid());
		}
	for (i = 0; i < 4; i++)
		close(c[i]);
	close(l);
	attrib_close(a);
}
END_TEST

/*
 * Full scans are rate limited: a miss right after a scan, for a socket of
 * a process not recently seen, is left unknown rather than scanned for.
 */
START_TEST(test_scan_rate_limit)
{
	struct attrib_ctx *a = ctx_open();
	struct attrib_stats st;
	struct attrib at;
	struct timespec t0, t1;
	uint16_t port, cport;
	pid_t pid;
	int l, c, up[2], down[2];

	l = bound(SOCK_STREAM, "127.0.0.1", &port);
	ck_assert_int_eq(pipe(up), 0);
	ck_assert_int_eq(pipe(down), 0);
	if ((pid = fork()) == 0) {
		struct sockaddr_in sin;
		socklen_t len = sizeof(sin);
		int cc;

		close(down[1]);
		close(up[0]);
		close(l);
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(port);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		CHILD_OK((cc = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
		CHILD_OK(connect(cc, (struct sockaddr *)&sin, sizeof(sin)) == 0);
		CHILD_OK(getsockname(cc, (struct sockaddr *)&sin, &len) == 0);
		child_put(up[1], ntohs(sin.sin_port));
		child_get(down[0]);
		_exit(0);
	}
	ck_assert_int_gt(pid, 0);
	cport = (uint16_t)get(up[0]);
	ck_assert(lookup_str(a, IPPROTO_TCP, "127.0.0.1", cport, "127.0.0.1",
	    port, &at));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(at.pid, pid);
	/* made after that scan, by a process attrib has not seen own a socket */
	c = connected(AF_INET, SOCK_STREAM, "127.0.0.1", port);
	ck_assert(lookup_fd(a, IPPROTO_TCP, c, &at));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	attrib_get_stats(a, &st);
	if ((t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000 < 90) {
		ck_assert_int_eq(at.pid, -1);
		ck_assert_int_eq(at.uid, getuid());
		ck_assert_uint_eq(st.proc_scans, 1);
	}
	ck_assert_uint_eq(st.found_socket, 2);
	put(down[1], 1);
	reap(pid);
	close(c);
	close(l);
	attrib_close(a);
}
END_TEST

static Suite *
attrib_suite(void)
{
	Suite *s = suite_create("attrib");
	TCase *tc = tcase_create("own");
	TCase *to = tcase_create("others");
	TCase *tn = tcase_create("none");

	tcase_add_test(tc, test_tcp4_self);
	tcase_add_test(tc, test_tcp6_self);
	tcase_add_test(tc, test_tcp_dual_stack);
	tcase_add_test(tc, test_tcp_syn_sent);
	tcase_add_test(tc, test_bound_to_device);
	tcase_add_test(tc, test_udp4_connected);
	tcase_add_test(tc, test_udp6_connected);
	tcase_add_test(tc, test_udp_unconnected);
	tcase_add_test(tc, test_burst_and_stats);
	tcase_add_test(tc, test_tiny_cache);
	suite_add_tcase(s, tc);
	tcase_set_timeout(to, 30);
	tcase_add_unchecked_fixture(to, runner_setup, runner_teardown);
	tcase_add_test(to, test_child_other_uid);
	tcase_add_test(to, test_socket_moved);
	tcase_add_test(to, test_held_by_nobody_visible);
	tcase_add_test(to, test_scan_rate_limit);
	tcase_add_test(to, test_owner_exited);
	suite_add_tcase(s, to);
	tcase_set_timeout(tn, 30);
	tcase_add_test(tn, test_time_wait);
	tcase_add_test(tn, test_nobody_owns);
	tcase_add_test(tn, test_bad_arguments);
	tcase_add_test(tn, test_open_cache_size);
	suite_add_tcase(s, tn);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(attrib_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
