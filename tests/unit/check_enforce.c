/* Unit tests for agent/enforce: the nftables table, elements and sockets, each in a private netns. */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/enforce.h"
#include "rules/errlist.h"

#define NOBODY 65534

/*
 * Every test runs in its own forked process (CK_FORK): a fresh network
 * namespace there is empty, has only a down loopback, and vanishes with
 * the process, so nothing reaches the host's ruleset or network.
 */
static bool
private_netns(void)
{
	struct ifreq ifr;
	int fd;

	if (geteuid() != 0 || unshare(CLONE_NEWNET) == -1) {
		fprintf(stderr, "check_enforce: needs root and network "
		    "namespaces; test skipped\n");
		return false;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(fd, 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	ck_assert_int_eq(ioctl(fd, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	ck_assert_int_eq(ioctl(fd, SIOCSIFFLAGS, &ifr), 0);
	close(fd);
	return true;
}

static struct ipaddr
A(const char *s)
{
	struct ipaddr a;

	ck_assert_msg(ipaddr_parse(s, &a) == 0, "cannot parse \"%s\"", s);
	return a;
}

static struct enforce_range
R(const char *first, const char *last)
{
	struct enforce_range r = { A(first), A(last) };

	return r;
}

static struct config *
conf(const char *text)
{
	char path[] = "/tmp/check_enforce.XXXXXX";
	struct errlist errs = { 0 };
	struct config *c;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	c = config_load(path, &errs);
	unlink(path);
	ck_assert_msg(c != NULL, "test configuration does not load");
	errlist_clear(&errs);
	return c;
}

/* Everything a command prints on stdout; NULL when it fails. */
static char *
run(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	char *out = NULL;
	size_t len = 0, cap = 0, n;
	char buf[4096];

	ck_assert_ptr_nonnull(p);
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0) {
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			out = realloc(out, cap);
			ck_assert_ptr_nonnull(out);
		}
		memcpy(out + len, buf, n);
		len += n;
	}
	if (out == NULL)
		out = calloc(1, 1);
	out[len] = '\0';
	if (pclose(p) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

static char *
listing(void)
{
	return run("nft list table inet " ENFORCE_TABLE " 2>/dev/null");
}

/* One set of the table, elements included. */
static char *
listing_set(const char *set)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "nft list set inet " ENFORCE_TABLE
	    " %s 2>/dev/null", set);
	return run(cmd);
}

static void
assert_has(const char *text, const char *what)
{
	ck_assert_msg(text != NULL && strstr(text, what) != NULL,
	    "missing \"%s\" in:\n%s", what, text ? text : "(no table)");
}

static void
assert_lacks(const char *text, const char *what)
{
	ck_assert_msg(text != NULL && strstr(text, what) == NULL,
	    "unexpected \"%s\" in:\n%s", what, text ? text : "(no table)");
}

/*
 * The JSON listing carries handles, which a re-created table would not
 * keep; only the countdown of element timeouts is masked.
 */
#define JSON_LISTING "nft -j list table inet " ENFORCE_TABLE \
    " | sed -E 's/\"expires\": [0-9]+/\"expires\": _/g'"

/* Byte-identical listings; Check cannot carry a whole listing in a message. */
static void
assert_same(const char *before, const char *after)
{
	ck_assert_ptr_nonnull(after);
	if (strcmp(before, after) != 0)
		fprintf(stderr, "before:\n%s\nafter:\n%s\n", before, after);
	ck_assert_msg(strcmp(before, after) == 0, "the table changed");
}

static struct enforcer *
open_enforcer(void)
{
	char err[256];
	struct enforcer *e = enforce_open(err, sizeof(err));

	ck_assert_msg(e != NULL, "enforce_open: %s", err);
	return e;
}

static void
install(struct enforcer *e, const struct config *c,
    const struct enforce_scope_plan *sp)
{
	struct enforce_plan p = { c, sp, ENFORCE_NFLOG_GROUP };
	char err[512];

	ck_assert_msg(enforce_install(e, &p, err, sizeof(err)) == 0,
	    "enforce_install: %s", err);
}

/* ---- sockets on the namespace's loopback ----------------------------------- */

static int
sock_bound(int type, const char *addr, uint16_t port)
{
	struct sockaddr_in sin;
	int one = 1, fd = socket(AF_INET, type, 0);

	ck_assert_int_ge(fd, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	ck_assert_int_eq(inet_pton(AF_INET, addr, &sin.sin_addr), 1);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

static uint16_t
local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	return ntohs(ss.ss_family == AF_INET ?
	    ((struct sockaddr_in *)&ss)->sin_port :
	    ((struct sockaddr_in6 *)&ss)->sin6_port);
}

static int
listener(const char *addr)
{
	int fd = sock_bound(SOCK_STREAM, addr, 0);

	ck_assert_int_eq(listen(fd, 16), 0);
	return fd;
}

/*
 * A non-blocking connect from src:sport (0: any port) given ms to
 * complete: 0, or the error (ETIMEDOUT when the SYN is dropped). The
 * connected socket goes to *out if asked.
 */
static int
try_connect_from(const char *src, uint16_t sport, const char *dst,
    uint16_t port, int ms, int *out)
{
	struct sockaddr_in sin;
	struct pollfd pfd;
	socklen_t len = sizeof(int);
	int fd = sock_bound(SOCK_STREAM, src, sport), soerr = 0;

	fcntl(fd, F_SETFL, O_NONBLOCK);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	inet_pton(AF_INET, dst, &sin.sin_addr);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 &&
	    errno != EINPROGRESS) {
		soerr = errno;
		goto done;
	}
	pfd.fd = fd;
	pfd.events = POLLOUT;
	if (poll(&pfd, 1, ms) != 1) {
		soerr = ETIMEDOUT;
		goto done;
	}
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
done:
	if (soerr == 0 && out != NULL) {
		fcntl(fd, F_SETFL, 0);
		*out = fd;
	} else
		close(fd);
	return soerr;
}

static int
try_connect(const char *src, const char *dst, uint16_t port, int ms,
    int *out)
{
	return try_connect_from(src, 0, dst, port, ms, out);
}

/* Runs fn(arg) as uid/gid id in a child; returns its exit status. */
static int
as_uid(uid_t id, int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	int st;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (setgid(id) == -1 || setuid(id) == -1)
			_exit(99);
		_exit(fn(arg));
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static int
as_nobody(int (*fn)(void *), void *arg)
{
	return as_uid(NOBODY, fn, arg);
}

struct target {
	const char *dst;
	uint16_t port;
};

static int
connect_fn(void *arg)
{
	const struct target *t = arg;

	return try_connect("127.0.0.1", t->dst, t->port, 300, NULL);
}

/* ---- expressibility ---------------------------------------------------------- */

START_TEST(test_expressible)
{
	struct config *c = conf(
	    "scopes = (\n"
	    "  { name = \"a\"; customers = [\"x\"]; match = { uids = [1];\n"
	    "    users = [\"nobody\"]; cgroups = [\"/system.slice/a.service\"];\n"
	    "    src = [\"10.0.0.0/8\", \"2001:db8::/32\"]; sports = [1];\n"
	    "    dports = [443]; protocols = [\"tcp\"]; }; },\n"
	    "  { name = \"b\"; customers = [\"x\"]; match = { uids = [1];\n"
	    "    comms = [\"payroll\"]; }; },\n"
	    "  { name = \"c\"; customers = [\"x\"]; match = {\n"
	    "    cgroups = [\"/system.slice/acme-*.service\"]; }; },\n"
	    "  { name = \"d\"; customers = [\"x\"]; match = { }; }\n"
	    ");\n");
	const char *why = "unset";

	ck_assert(enforce_scope_expressible(&c->scopes[0], &why));
	ck_assert_ptr_null(why);
	ck_assert(!enforce_scope_expressible(&c->scopes[1], &why));
	ck_assert_ptr_nonnull(strstr(why, "comms"));
	ck_assert(!enforce_scope_expressible(&c->scopes[2], &why));
	ck_assert_ptr_nonnull(strstr(why, "glob"));
	/* An empty match is expressible: it matches nothing anywhere. */
	ck_assert(enforce_scope_expressible(&c->scopes[3], NULL));
	config_free(c);
}
END_TEST

/* ---- install, replace, release ------------------------------------------------ */

static const char conf_three[] =
    "scopes = (\n"
    "  { name = \"web\"; customers = [\"x\"]; match = { dports = [443];\n"
    "    protocols = [\"tcp\"]; }; },\n"
    "  { name = \"nobody\"; customers = [\"x\"]; match = { uids = [65534]; }; },\n"
    "  { name = \"net\"; customers = [\"x\"]; match = {\n"
    "    src = [\"10.1.0.0/16\", \"2001:db8:1::/48\"]; }; },\n"
    "  { name = \"comm\"; customers = [\"x\"]; match = { comms = [\"p*\"]; }; }\n"
    ");\n"
    "exempt = ( { dst = [\"192.0.2.53/32\"]; dports = [53]; "
    "reason = \"resolver\"; } );\n";

START_TEST(test_install_table)
{
	struct config *c = conf(conf_three);
	struct enforce_range r1[] = {
		/* unsorted, overlapping and adjacent: one 10.0.0.0/23 */
		R("10.0.1.0", "10.0.1.255"), R("10.0.0.5", "10.0.0.9"),
		R("10.0.0.0", "10.0.0.255"),
		R("2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"),
		/* crosses the end of the IPv4-mapped block: split */
		R("::ffff:255.255.255.0", "::1:0:0:5"),
	};
	struct enforce_range r2[] = { R("198.51.100.7", "198.51.100.7") };
	struct enforce_scope_plan sp[4] = {
		{ false, NULL, 0 }, { true, r1, 5 }, { true, r2, 1 },
		{ false, NULL, 0 },
	};
	struct enforcer *e;
	char *t;

	if (!private_netns())
		return;
	e = open_enforcer();
	install(e, c, sp);
	t = listing();
	assert_has(t, "set conn4 {");
	assert_has(t, "type ipv4_addr . inet_service . ipv4_addr . "
	    "inet_service . inet_proto");
	assert_has(t, "set conn6 {");
	assert_has(t, "type ipv6_addr . inet_service . ipv6_addr . "
	    "inet_service . inet_proto");
	assert_has(t, "set deny4 {");
	assert_has(t, "type ipv4_addr . ipv4_addr . inet_proto . "
	    "inet_service . uid");
	assert_has(t, "set deny6 {");
	assert_has(t, "type ipv6_addr . ipv6_addr . inet_proto . "
	    "inet_service . uid");
	assert_has(t, "size 65536");
	assert_has(t, "ip saddr . tcp sport . ip daddr . tcp dport . "
	    "meta l4proto @conn4 counter packets 0 bytes 0 reject with tcp "
	    "reset");
	assert_has(t, "ip6 saddr . th sport . ip6 daddr . th dport . "
	    "meta l4proto @conn6 counter packets 0 bytes 0 reject with icmpx "
	    "admin-prohibited");
	assert_has(t, "ip saddr . ip daddr . meta l4proto . tcp dport . "
	    "meta skuid @deny4 counter packets 0 bytes 0 reject with tcp "
	    "reset");
	assert_has(t, "ip6 saddr . ip6 daddr . meta l4proto . th dport . "
	    "meta skuid @deny6 counter packets 0 bytes 0 reject with icmpx "
	    "admin-prohibited");
	/* the forward hook has no local socket, hence no uid: conn only */
	assert_has(strstr(t, "chain forward"), "@conn4");
	assert_has(strstr(t, "chain forward"), "@conn6");
	assert_lacks(strstr(t, "chain forward"), "@deny");
	assert_has(t, "set allow4_1 {");
	assert_has(t, "10.0.0.0/23");
	assert_lacks(t, "10.0.0.5");
	assert_has(t, "255.255.255.0/24");
	assert_has(t, "2001:db8::/32");
	assert_has(t, "::1:0:0:0-::1:0:0:5");
	assert_has(t, "set learn4_1 {");
	assert_has(t, "set learn6_2 {");
	assert_has(t, "198.51.100.7");
	assert_lacks(t, "allow4_0");
	assert_lacks(t, "allow4_3");
	assert_has(t, "chain scope_1 {");
	assert_has(t, "log prefix \"eeaguard:1 \" group 4242 queue-threshold 1 drop");
	assert_has(t, "type filter hook output priority filter - 1; "
	    "policy accept;");
	assert_has(t, "type filter hook forward priority filter - 1; "
	    "policy accept;");
	assert_has(t, "reject with tcp reset");
	assert_has(t, "reject with icmpx admin-prohibited");
	assert_has(t, "ip daddr 192.0.2.53 meta l4proto { tcp, udp } "
	    "th dport 53 accept");
	assert_has(t, "ct direction reply accept");
	/* scope 0 claims its flows before the preventive scopes see them */
	assert_has(t, "tcp dport 443 accept");
	assert_has(t, "meta skuid 65534 jump scope_1");
	assert_has(t, "ip saddr 10.1.0.0/16 jump scope_2");
	assert_has(t, "ip6 saddr 2001:db8:1::/48 jump scope_2");
	/* uids need the local socket: no rule for them in forward */
	ck_assert_ptr_null(strstr(strstr(t, "chain forward"), "skuid"));
	assert_has(strstr(t, "chain forward"), "jump scope_2");
	free(t);
	enforce_close(e);
	config_free(c);
}
END_TEST

START_TEST(test_reinstall_replaces)
{
	struct config *c = conf(conf_three);
	struct enforce_range ra[] = { R("192.0.2.0", "192.0.2.255") };
	struct enforce_range rb[] = { R("198.51.100.0", "198.51.100.255") };
	struct enforce_scope_plan a[4] = { { 0 }, { true, ra, 1 } };
	struct enforce_scope_plan b[4] = { { 0 }, { true, rb, 1 } };
	struct ipaddr s = A("10.0.0.1"), d = A("203.0.113.9");
	struct enforcer *e;
	char err[256], *t;

	if (!private_netns())
		return;
	e = open_enforcer();
	install(e, c, a);
	ck_assert_int_eq(enforce_deny(e, IPPROTO_TCP, &s, 40000, &d, 443,
	    NOBODY, 600, err, sizeof(err)), 0);
	ck_assert_int_eq(enforce_allow_learned(e, 1, &d, 300, err,
	    sizeof(err)), 0);
	t = listing();
	assert_has(t, "192.0.2.0/24");
	assert_has(t, "10.0.0.1 . 40000 . 203.0.113.9 . 443 . tcp");
	assert_has(t, "10.0.0.1 . 203.0.113.9 . tcp . 443 . 65534");
	free(t);
	install(e, c, b);
	t = listing();
	assert_has(t, "198.51.100.0/24");
	/* nothing of the old table survives: ranges, denies, learned */
	assert_lacks(t, "192.0.2.0/24");
	assert_lacks(t, "203.0.113.9");
	free(t);
	enforce_close(e);
	config_free(c);
}
END_TEST

START_TEST(test_failed_install_keeps_table)
{
	struct config *c = conf(conf_three);
	struct config *bad = conf(
	    "scopes = ( { name = \"comm\"; customers = [\"x\"];\n"
	    "  match = { comms = [\"p*\"]; }; } );\n");
	struct enforce_range ra[] = { R("192.0.2.0", "192.0.2.255") };
	struct enforce_scope_plan a[4] = { { 0 }, { true, ra, 1 } };
	struct enforce_scope_plan big[4] = { { 0 } };
	struct enforce_scope_plan badsp[1] = { { true, ra, 1 } };
	struct enforce_plan p = { c, big, ENFORCE_NFLOG_GROUP };
	struct enforce_plan pbad = { bad, badsp, ENFORCE_NFLOG_GROUP };
	struct enforce_range *many;
	/* one more disjoint interval than an allow set holds */
	size_t n = 131073;
	struct ipaddr s = A("10.0.0.1"), d = A("203.0.113.9");
	struct enforcer *e;
	char err[512], *before, *after;

	if (!private_netns())
		return;
	e = open_enforcer();
	install(e, c, a);
	ck_assert_int_eq(enforce_deny(e, IPPROTO_TCP, &s, 40000, &d, 443,
	    NOBODY, 600, err, sizeof(err)), 0);
	before = run(JSON_LISTING);
	assert_has(before, "\"name\": \"allow4_1\"");

	many = calloc(n, sizeof(*many));
	ck_assert_ptr_nonnull(many);
	for (size_t i = 0; i < n; i++) {
		uint8_t v4[4] = { 10, (uint8_t)(i >> 15), (uint8_t)(i >> 7),
		    (uint8_t)(i << 1) };

		ipaddr_from_v4(&many[i].first, v4);
		many[i].last = many[i].first;
	}
	big[1].preventive = true;
	big[1].allow = many;
	big[1].n_allow = n;
	/* the kernel refuses the set inside the transaction */
	ck_assert_int_eq(enforce_install(e, &p, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "131073 IPv4 intervals exceed the allow "
	    "set size 131072") != NULL, "%s", err);
	after = run(JSON_LISTING);
	assert_same(before, after);
	free(after);

	/* refused before nft: a scope nftables cannot express */
	ck_assert_int_eq(enforce_install(e, &pbad, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "cannot be enforced preventively") != NULL,
	    "%s", err);
	/* a range that ends before it starts */
	many[0] = R("10.0.0.9", "10.0.0.1");
	big[1].n_allow = 1;
	ck_assert_int_eq(enforce_install(e, &p, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "ends before it starts") != NULL, "%s", err);
	after = run(JSON_LISTING);
	assert_same(before, after);
	free(after);
	free(before);
	free(many);
	enforce_close(e);
	config_free(bad);
	config_free(c);
}
END_TEST

START_TEST(test_release)
{
	struct config *c = conf(conf_three);
	struct enforce_scope_plan sp[4] = { { 0 } };
	struct enforcer *e;
	char err[256], *t;

	if (!private_netns())
		return;
	e = open_enforcer();
	/* nothing to release yet */
	ck_assert_msg(enforce_release(e, err, sizeof(err)) == 0, "%s", err);
	install(e, c, sp);
	t = listing();
	assert_has(t, "set deny4");
	assert_lacks(t, "chain scope_");
	assert_lacks(t, "ct direction");
	free(t);
	ck_assert_msg(enforce_release(e, err, sizeof(err)) == 0, "%s", err);
	ck_assert_ptr_null(listing());
	ck_assert_msg(enforce_release(e, err, sizeof(err)) == 0, "%s", err);
	enforce_close(e);
	config_free(c);
}
END_TEST

/* ---- elements ------------------------------------------------------------------- */

START_TEST(test_deny_elements)
{
	struct config *c = conf(conf_three);
	struct enforce_scope_plan sp[4] = { { 0 } };
	struct ipaddr s4 = A("10.0.0.1"), d4 = A("203.0.113.9");
	struct ipaddr s6 = A("2001:db8::1"), d6 = A("2001:db8:ff::9");
	struct enforcer *e;
	char err[256], *t;

	if (!private_netns())
		return;
	e = open_enforcer();
	/* no table yet: the sets are missing */
	ck_assert_int_eq(enforce_deny(e, IPPROTO_TCP, &s4, 40000, &d4, 443,
	    NOBODY, 60, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "no set conn4") != NULL, "%s", err);
	install(e, c, sp);
	ck_assert_msg(enforce_deny(e, IPPROTO_TCP, &s4, 40000, &d4, 443,
	    NOBODY, 3600, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(enforce_deny(e, IPPROTO_UDP, &s6, 5353, &d6, 53, 1000,
	    120, err, sizeof(err)) == 0, "%s", err);
	/* owner unknown: the connection only */
	ck_assert_msg(enforce_deny(e, IPPROTO_UDP, &s4, 5353, &d4, 53, -1,
	    60, err, sizeof(err)) == 0, "%s", err);
	/* again: refreshes, not an error */
	ck_assert_msg(enforce_deny(e, IPPROTO_TCP, &s4, 40000, &d4, 443,
	    NOBODY, 3600, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(enforce_deny(e, IPPROTO_TCP, &s4, 1, &d6, 443, 0,
	    60, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "different address families") != NULL,
	    "%s", err);
	ck_assert_int_eq(enforce_deny(e, IPPROTO_ICMP, &s4, 0, &d4, 0, 0, 60,
	    err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "neither tcp nor udp") != NULL, "%s", err);
	ck_assert_int_eq(enforce_deny(e, IPPROTO_TCP, &s4, 1, &d4, 443,
	    (int64_t)UINT32_MAX + 1, 60, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "out of range") != NULL, "%s", err);
	t = listing();
	/* conn: saddr . sport . daddr . dport . l4proto */
	assert_has(t, "10.0.0.1 . 40000 . 203.0.113.9 . 443 . tcp timeout 1h "
	    "expires");
	assert_has(t, "2001:db8::1 . 5353 . 2001:db8:ff::9 . 53 . udp "
	    "timeout 2m expires");
	assert_has(t, "10.0.0.1 . 5353 . 203.0.113.9 . 53 . udp timeout 1m "
	    "expires");
	/* deny: saddr . daddr . l4proto . dport . uid */
	assert_has(t, "10.0.0.1 . 203.0.113.9 . tcp . 443 . 65534 timeout 1h "
	    "expires");
	assert_has(t, "2001:db8::1 . 2001:db8:ff::9 . udp . 53 . 1000 "
	    "timeout 2m expires");
	assert_lacks(t, "10.0.0.1 . 203.0.113.9 . udp . 53");
	free(t);
	/* each element in its own set */
	t = listing_set("conn4");
	assert_has(t, "40000");
	assert_lacks(t, "65534");
	free(t);
	t = listing_set("deny4");
	assert_has(t, "65534");
	assert_lacks(t, "40000");
	assert_lacks(t, "udp");
	free(t);
	enforce_close(e);
	config_free(c);
}
END_TEST

/*
 * Both sets fill up and say so; an add that fails leaves no half behind
 * (both elements go in one transaction).
 */
START_TEST(test_deny_set_full)
{
	struct config *c = conf(conf_three);
	struct enforce_scope_plan sp[4] = { { 0 } };
	struct ipaddr s = A("10.0.0.1"), d = A("198.18.0.1"), d2;
	struct enforcer *e;
	char err[256], *t;

	if (!private_netns())
		return;
	e = open_enforcer();
	install(e, c, sp);
	/* one connection, many owners: deny4 fills, conn4 holds one */
	for (unsigned i = 0; i < ENFORCE_SET_SIZE; i++)
		ck_assert_msg(enforce_deny(e, IPPROTO_TCP, &s, 40000, &d, 443,
		    (int64_t)i, 600, err, sizeof(err)) == 0, "element %u: %s",
		    i, err);
	ck_assert_int_eq(enforce_deny(e, IPPROTO_TCP, &s, 40001, &d, 443,
	    ENFORCE_SET_SIZE, 600, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "deny set full (deny4") != NULL, "%s", err);
	t = listing_set("conn4");
	assert_has(t, "10.0.0.1 . 40000 . 198.18.0.1 . 443 . tcp");
	assert_lacks(t, "40001");
	free(t);
	/* owner unknown: conn4 alone, until it is full too */
	for (unsigned i = 1; i < ENFORCE_SET_SIZE; i++) {
		uint8_t v4[4] = { 198, 20, (uint8_t)(i >> 8), (uint8_t)i };

		ipaddr_from_v4(&d2, v4);
		ck_assert_msg(enforce_deny(e, IPPROTO_TCP, &s, 40000, &d2, 443,
		    -1, 600, err, sizeof(err)) == 0, "element %u: %s", i, err);
	}
	d2 = A("198.19.0.1");
	ck_assert_int_eq(enforce_deny(e, IPPROTO_TCP, &s, 40000, &d2, 443, -1,
	    600, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "deny set full (conn4") != NULL, "%s", err);
	enforce_close(e);
	config_free(c);
}
END_TEST

START_TEST(test_learned_elements)
{
	struct config *c = conf(conf_three);
	struct enforce_range ra[] = { R("192.0.2.0", "192.0.2.255") };
	struct enforce_scope_plan sp[4] = { { 0 }, { true, ra, 1 } };
	struct ipaddr a4 = A("203.0.113.5"), a6 = A("2001:db8:5::5");
	struct enforcer *e;
	char err[256], *t;

	if (!private_netns())
		return;
	e = open_enforcer();
	install(e, c, sp);
	ck_assert_msg(enforce_allow_learned(e, 1, &a4, 300, err,
	    sizeof(err)) == 0, "%s", err);
	/* a TTL of 0 still lets the connection that follows through */
	ck_assert_msg(enforce_allow_learned(e, 1, &a6, 0, err,
	    sizeof(err)) == 0, "%s", err);
	/* scope 0 is not preventive: it has no learned set */
	ck_assert_int_eq(enforce_allow_learned(e, 0, &a4, 300, err,
	    sizeof(err)), -1);
	ck_assert_msg(strstr(err, "learn4_0") != NULL, "%s", err);
	t = listing();
	assert_has(t, "203.0.113.5 timeout 5m expires");
	assert_has(t, "2001:db8:5::5 timeout 1m expires");
	free(t);
	enforce_close(e);
	config_free(c);
}
END_TEST

/* ---- blocking on loopback ----------------------------------------------------------- */

/*
 * Owner unknown (uid -1): the rest of the connection is rejected, and a
 * new one on the same 5-tuple, but one from another source port is not.
 */
START_TEST(test_deny_blocks_tcp)
{
	struct config *c = conf(conf_three);
	struct enforce_scope_plan sp[4] = { { 0 } };
	struct ipaddr s = A("127.0.0.1"), d = A("127.0.0.2");
	struct linger lg = { 1, 0 };
	struct pollfd pfd;
	struct enforcer *e;
	char err[256], buf[4], *t;
	int lfd, cli, srv;
	uint16_t port, cport;

	if (!private_netns())
		return;
	lfd = listener("127.0.0.2");
	port = local_port(lfd);
	e = open_enforcer();
	install(e, c, sp);
	ck_assert_int_eq(try_connect("127.0.0.1", "127.0.0.2", port, 300,
	    &cli), 0);
	srv = accept(lfd, NULL, NULL);
	ck_assert_int_ge(srv, 0);
	cport = local_port(cli);
	ck_assert_msg(enforce_deny(e, IPPROTO_TCP, &s, cport, &d, port, -1,
	    60, err, sizeof(err)) == 0, "%s", err);
	/* the next segment is answered with a reset to the sender */
	ck_assert_int_eq(send(cli, "x", 1, 0), 1);
	pfd.fd = cli;
	pfd.events = POLLIN;
	ck_assert_int_eq(poll(&pfd, 1, 300), 1);
	ck_assert_int_eq(recv(cli, buf, sizeof(buf), 0), -1);
	ck_assert_int_eq(errno, ECONNRESET);
	/* and never reached the peer */
	pfd.fd = srv;
	ck_assert_int_eq(poll(&pfd, 1, 300), 0);
	/* the same 5-tuple again: refused at once */
	setsockopt(cli, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(cli);
	ck_assert_int_eq(try_connect_from("127.0.0.1", cport, "127.0.0.2",
	    port, 300, NULL), ECONNREFUSED);
	/* another source port, another source: untouched */
	ck_assert_int_eq(try_connect("127.0.0.1", "127.0.0.2", port, 300,
	    NULL), 0);
	ck_assert_int_eq(try_connect("127.0.0.3", "127.0.0.2", port, 300,
	    NULL), 0);
	t = listing();
	assert_has(t, "@conn4 counter packets 2 ");
	assert_has(t, "@deny4 counter packets 0 ");
	free(t);
	t = listing_set("deny4");
	assert_lacks(t, "127.0.0.1");
	free(t);
	close(srv);
	close(lfd);
	enforce_close(e);
	config_free(c);
}
END_TEST

struct udp_target {
	const char *dst;
	uint16_t port;
};

/* Sends one datagram from a fresh socket: 0, or the send's errno. */
static int
udp_send_fn(void *arg)
{
	const struct udp_target *t = arg;
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), rv = 0;

	if (fd == -1)
		return 98;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(t->port);
	inet_pton(AF_INET, t->dst, &sin.sin_addr);
	if (sendto(fd, "u", 1, 0, (struct sockaddr *)&sin, sizeof(sin)) != 1)
		rv = errno;
	close(fd);
	return rv;
}

/*
 * The "live" case: a violation by a program of uid 65534 (scoped) must
 * not block root (unscoped, policy alert) or another uid to the same
 * service; later connections of uid 65534 itself are refused.
 */
START_TEST(test_deny_uid)
{
	struct config *c = conf(conf_three);
	struct enforce_scope_plan sp[4] = { { 0 } };
	struct ipaddr s = A("127.0.0.1"), d = A("127.0.0.2");
	struct enforcer *e;
	struct target t2;
	struct udp_target u2;
	char err[256], buf[4], *t, want[128];
	int lfd, usrv;

	if (!private_netns())
		return;
	lfd = listener("127.0.0.2");
	usrv = sock_bound(SOCK_DGRAM, "127.0.0.2", 0);
	t2.dst = "127.0.0.2";
	t2.port = local_port(lfd);
	u2.dst = "127.0.0.2";
	u2.port = local_port(usrv);
	fcntl(usrv, F_SETFL, O_NONBLOCK);
	e = open_enforcer();
	install(e, c, sp);
	ck_assert_int_eq(as_nobody(connect_fn, &t2), 0);
	/* the violating connection came from some port of uid 65534 */
	ck_assert_msg(enforce_deny(e, IPPROTO_TCP, &s, 40000, &d, t2.port,
	    NOBODY, 60, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(enforce_deny(e, IPPROTO_UDP, &s, 40000, &d, u2.port,
	    NOBODY, 60, err, sizeof(err)) == 0, "%s", err);
	/* a new connection of uid 65534, from another port: refused */
	ck_assert_int_eq(as_nobody(connect_fn, &t2), ECONNREFUSED);
	ck_assert_int_eq(as_nobody(udp_send_fn, &u2), EPERM);
	ck_assert_int_eq(recv(usrv, buf, sizeof(buf), 0), -1);
	/* root and uid 65533 to the same dst:port: through */
	ck_assert_int_eq(connect_fn(&t2), 0);
	ck_assert_int_eq(as_uid(NOBODY - 1, connect_fn, &t2), 0);
	ck_assert_int_eq(udp_send_fn(&u2), 0);
	ck_assert_int_eq(recv(usrv, buf, sizeof(buf), 0), 1);
	t = listing_set("deny4");
	snprintf(want, sizeof(want), "127.0.0.1 . 127.0.0.2 . tcp . %u . "
	    "65534", t2.port);
	assert_has(t, want);
	free(t);
	t = listing_set("conn4");
	snprintf(want, sizeof(want), "127.0.0.1 . 40000 . 127.0.0.2 . %u . "
	    "tcp", t2.port);
	assert_has(t, want);
	free(t);
	t = listing();
	/* one refused SYN (reset), one refused datagram (icmpx) */
	assert_has(t, "tcp dport . meta skuid @deny4 counter packets 1 ");
	assert_has(t, "th dport . meta skuid @deny4 counter packets 1 ");
	assert_has(t, "@conn4 counter packets 0 ");
	free(t);
	close(usrv);
	close(lfd);
	enforce_close(e);
	config_free(c);
}
END_TEST

START_TEST(test_deny_blocks_udp)
{
	struct config *c = conf(conf_three);
	struct enforce_scope_plan sp[4] = { { 0 } };
	struct ipaddr s = A("127.0.0.1"), d = A("127.0.0.2");
	struct sockaddr_in sin;
	struct pollfd pfd;
	struct enforcer *e;
	char err[256], buf[8];
	int srv, cli, other, soerr = 0;
	socklen_t len = sizeof(soerr);
	uint16_t port;

	if (!private_netns())
		return;
	srv = sock_bound(SOCK_DGRAM, "127.0.0.2", 0);
	port = local_port(srv);
	cli = sock_bound(SOCK_DGRAM, "127.0.0.1", 0);
	other = sock_bound(SOCK_DGRAM, "127.0.0.1", 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	inet_pton(AF_INET, "127.0.0.2", &sin.sin_addr);
	ck_assert_int_eq(connect(cli, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	e = open_enforcer();
	install(e, c, sp);
	ck_assert_int_eq(send(cli, "a", 1, 0), 1);
	ck_assert_int_eq(recv(srv, buf, sizeof(buf), 0), 1);
	ck_assert_msg(enforce_deny(e, IPPROTO_UDP, &s, local_port(cli), &d,
	    port, -1, 60, err, sizeof(err)) == 0, "%s", err);
	/* the reject drops the datagram in the sender's own send() */
	ck_assert_int_eq(send(cli, "b", 1, 0), -1);
	ck_assert_int_eq(errno, EPERM);
	/* and its ICMP administratively prohibited comes back as an error */
	pfd.fd = cli;
	pfd.events = POLLIN;
	ck_assert_int_eq(poll(&pfd, 1, 300), 1);
	ck_assert(pfd.revents & POLLERR);
	getsockopt(cli, SOL_SOCKET, SO_ERROR, &soerr, &len);
	ck_assert_int_eq(soerr, EHOSTUNREACH);
	/* and the datagram never arrived */
	fcntl(srv, F_SETFL, O_NONBLOCK);
	ck_assert_int_eq(recv(srv, buf, sizeof(buf), 0), -1);
	/* another source port to the same service: delivered */
	ck_assert_int_eq(sendto(other, "c", 1, 0, (struct sockaddr *)&sin,
	    sizeof(sin)), 1);
	ck_assert_int_eq(recv(srv, buf, sizeof(buf), 0), 1);
	ck_assert_int_eq(buf[0], 'c');
	close(other);
	close(cli);
	close(srv);
	enforce_close(e);
	config_free(c);
}
END_TEST

/* IPv6 keys of both sets: the exact connection, then root's service. */
START_TEST(test_deny_blocks_tcp6)
{
	struct config *c = conf(conf_three);
	struct enforce_scope_plan sp[4] = { { 0 } };
	struct ipaddr lo = A("::1");
	struct sockaddr_in6 sin6, src6;
	struct enforcer *e;
	char err[256], *t;
	int lfd, fd, fd2;
	socklen_t len = sizeof(sin6);
	uint16_t port;

	if (!private_netns())
		return;
	lfd = socket(AF_INET6, SOCK_STREAM, 0);
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_loopback;
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sin6, sizeof(sin6)), 0);
	ck_assert_int_eq(listen(lfd, 4), 0);
	getsockname(lfd, (struct sockaddr *)&sin6, &len);
	port = ntohs(sin6.sin6_port);
	src6 = sin6;
	src6.sin6_port = 0;
	fd = socket(AF_INET6, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&src6, sizeof(src6)), 0);
	e = open_enforcer();
	install(e, c, sp);
	ck_assert_msg(enforce_deny(e, IPPROTO_TCP, &lo, local_port(fd), &lo,
	    port, -1, 60, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin6, sizeof(sin6)),
	    -1);
	ck_assert_int_eq(errno, ECONNREFUSED);
	close(fd);
	fd2 = socket(AF_INET6, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(fd2, (struct sockaddr *)&sin6, sizeof(sin6)),
	    0);
	close(fd2);
	/* root's own service now (this test runs as root) */
	ck_assert_msg(enforce_deny(e, IPPROTO_TCP, &lo, 1, &lo, port,
	    (int64_t)geteuid(), 60, err, sizeof(err)) == 0, "%s", err);
	fd2 = socket(AF_INET6, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(fd2, (struct sockaddr *)&sin6, sizeof(sin6)),
	    -1);
	ck_assert_int_eq(errno, ECONNREFUSED);
	close(fd2);
	t = listing();
	assert_has(t, "@conn6 counter packets 1 ");
	assert_has(t, "@deny6 counter packets 1 ");
	assert_has(t, "::1 . ::1 . tcp . ");
	free(t);
	close(lfd);
	enforce_close(e);
	config_free(c);
}
END_TEST

/* ---- socket destruction --------------------------------------------------------------- */

START_TEST(test_destroy_socket)
{
	struct ipaddr cli_a = A("127.0.0.1"), srv_a = A("127.0.0.2");
	struct sockaddr_in6 sin6;
	int lfd, cli, srv, cli6, srv6;
	uint16_t port, cport;
	char buf[4];

	if (!private_netns())
		return;
	lfd = listener("127.0.0.2");
	port = local_port(lfd);
	ck_assert_int_eq(try_connect("127.0.0.1", "127.0.0.2", port, 300,
	    &cli), 0);
	srv = accept(lfd, NULL, NULL);
	ck_assert_int_ge(srv, 0);
	cport = local_port(cli);

	/* a wrong tuple ends nothing: not the listener on 127.0.0.2:port */
	ck_assert_int_eq(enforce_destroy_socket(IPPROTO_TCP, &srv_a, port,
	    &cli_a, (uint16_t)(cport + 1)), -1);
	ck_assert_int_eq(errno, ENOENT);

	ck_assert_msg(enforce_destroy_socket(IPPROTO_TCP, &cli_a, cport,
	    &srv_a, port) == 0, "SOCK_DESTROY: %s", strerror(errno));
	ck_assert_int_eq(recv(cli, buf, sizeof(buf), 0), -1);
	ck_assert_int_eq(errno, ECONNABORTED);
	/* the peer sees a reset */
	ck_assert_int_eq(recv(srv, buf, sizeof(buf), 0), -1);
	ck_assert_int_eq(errno, ECONNRESET);
	/* and the listener still works */
	ck_assert_int_eq(try_connect("127.0.0.1", "127.0.0.2", port, 300,
	    NULL), 0);

	/* a dual-stack socket talking IPv4 is found as ::ffff:127.0.0.1 */
	cli6 = socket(AF_INET6, SOCK_STREAM, 0);
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(port);
	inet_pton(AF_INET6, "::ffff:127.0.0.2", &sin6.sin6_addr);
	ck_assert_int_eq(connect(cli6, (struct sockaddr *)&sin6,
	    sizeof(sin6)), 0);
	srv6 = accept(lfd, NULL, NULL);
	ck_assert_int_ge(srv6, 0);
	ck_assert_msg(enforce_destroy_socket(IPPROTO_TCP, &cli_a,
	    local_port(cli6), &srv_a, port) == 0, "%s", strerror(errno));
	ck_assert_int_eq(recv(cli6, buf, sizeof(buf), 0), -1);
	ck_assert_int_eq(errno, ECONNABORTED);
	close(cli6);
	close(srv6);
	close(cli);
	close(srv);
	close(lfd);
}
END_TEST

START_TEST(test_destroy_udp_socket)
{
	struct ipaddr cli_a = A("127.0.0.1"), srv_a = A("127.0.0.2");
	struct sockaddr_in sin;
	int srv, cli, other;
	uint16_t port;
	char buf[4];

	if (!private_netns())
		return;
	srv = sock_bound(SOCK_DGRAM, "127.0.0.2", 0);
	port = local_port(srv);
	cli = sock_bound(SOCK_DGRAM, "127.0.0.1", 0);
	/* unconnected: serves every peer, must survive */
	other = sock_bound(SOCK_DGRAM, "127.0.0.1", 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	inet_pton(AF_INET, "127.0.0.2", &sin.sin_addr);
	ck_assert_int_eq(connect(cli, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	ck_assert_int_eq(enforce_destroy_socket(IPPROTO_UDP, &cli_a,
	    local_port(other), &srv_a, port), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_msg(enforce_destroy_socket(IPPROTO_UDP, &cli_a,
	    local_port(cli), &srv_a, port) == 0, "%s", strerror(errno));
	ck_assert_int_eq(recv(cli, buf, sizeof(buf), MSG_DONTWAIT), -1);
	ck_assert_int_eq(errno, ECONNABORTED);
	ck_assert_int_eq(sendto(other, "x", 1, 0, (struct sockaddr *)&sin,
	    sizeof(sin)), 1);
	close(other);
	close(cli);
	close(srv);
}
END_TEST

/* ---- preventive ------------------------------------------------------------------------- */

static const char conf_nobody[] =
    "scopes = ( { name = \"nobody\"; customers = [\"x\"];\n"
    "  match = { uids = [65534]; }; } );\n";

START_TEST(test_preventive_uid)
{
	struct config *c = conf(conf_nobody);
	struct enforce_range allow[] = { R("127.0.0.3", "127.0.0.3") };
	struct enforce_scope_plan sp[1] = { { true, allow, 1 } };
	struct ipaddr two = A("127.0.0.2");
	struct enforcer *e;
	struct target t2, t3;
	char err[256], *t;
	int l2, l3;

	if (!private_netns())
		return;
	l2 = listener("127.0.0.2");
	l3 = listener("127.0.0.3");
	t2.dst = "127.0.0.2";
	t2.port = local_port(l2);
	t3.dst = "127.0.0.3";
	t3.port = local_port(l3);
	e = open_enforcer();
	install(e, c, sp);
	/* the SYN never leaves: the connect times out */
	ck_assert_int_eq(as_nobody(connect_fn, &t2), ETIMEDOUT);
	ck_assert_int_eq(as_nobody(connect_fn, &t3), 0);
	/* root is not in the scope */
	ck_assert_int_eq(connect_fn(&t2), 0);
	t = listing();
	assert_has(t, "counter packets 1 bytes ");
	assert_has(t, "log prefix \"eeaguard:0 \" group 4242 queue-threshold 1 drop");
	free(t);
	/* a learned address opens the way */
	ck_assert_msg(enforce_allow_learned(e, 0, &two, 300, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(as_nobody(connect_fn, &t2), 0);
	close(l2);
	close(l3);
	enforce_close(e);
	config_free(c);
}
END_TEST

struct hold {
	struct target t;
	int go[2], ready[2];
};

/* Connects, reports, waits for the table to change, then sends. */
static int
hold_fn(void *arg)
{
	struct hold *h = arg;
	char c = 0;
	int fd;

	if (try_connect("127.0.0.1", h->t.dst, h->t.port, 300, &fd) != 0)
		return 1;
	if (write(h->ready[1], "r", 1) != 1 || read(h->go[0], &c, 1) != 1)
		return 2;
	if (send(fd, "x", 1, 0) != 1)
		return 3;
	/*
	 * Keep the socket: once closed it has no owner for meta skuid to
	 * read, and its retransmissions would pass the uid scope.
	 */
	if (write(h->ready[1], "s", 1) != 1 || read(h->go[0], &c, 1) != 1)
		return 4;
	close(fd);
	return 0;
}

/* Static allow sets apply to every packet: a revoked network is cut. */
START_TEST(test_preventive_revocation_cuts)
{
	struct config *c = conf(conf_nobody);
	struct enforce_range r3[] = { R("127.0.0.3", "127.0.0.3") };
	struct enforce_range r4[] = { R("127.0.0.4", "127.0.0.4") };
	struct enforce_scope_plan sa[1] = { { true, r3, 1 } };
	struct enforce_scope_plan sb[1] = { { true, r4, 1 } };
	struct enforcer *e;
	struct hold h;
	struct pollfd pfd;
	char ch;
	int l3, srv, st;
	pid_t pid;

	if (!private_netns())
		return;
	l3 = listener("127.0.0.3");
	h.t.dst = "127.0.0.3";
	h.t.port = local_port(l3);
	ck_assert_int_eq(pipe(h.go), 0);
	ck_assert_int_eq(pipe(h.ready), 0);
	e = open_enforcer();
	install(e, c, sa);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (setgid(NOBODY) == -1 || setuid(NOBODY) == -1)
			_exit(99);
		_exit(hold_fn(&h));
	}
	ck_assert_int_eq(read(h.ready[0], &ch, 1), 1);
	srv = accept(l3, NULL, NULL);
	ck_assert_int_ge(srv, 0);
	install(e, c, sb);
	ck_assert_int_eq(write(h.go[1], "g", 1), 1);
	ck_assert_int_eq(read(h.ready[0], &ch, 1), 1);
	pfd.fd = srv;
	pfd.events = POLLIN;
	ck_assert_int_eq(poll(&pfd, 1, 300), 0);
	ck_assert_int_eq(write(h.go[1], "g", 1), 1);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_int_eq(WEXITSTATUS(st), 0);
	close(srv);
	close(l3);
	enforce_close(e);
	config_free(c);
}
END_TEST

/*
 * A scope by cgroup: the test makes a cgroup v2 group of its own, puts a
 * child in it and removes it afterwards; a cgroup that does not exist is
 * left out of the table (no process can be in it).
 */
START_TEST(test_preventive_cgroup)
{
	char root[256] = "", dir[512], procs[600], text[1024], *t;
	struct config *c;
	struct enforce_range allow[] = { R("127.0.0.3", "127.0.0.3") };
	struct enforce_scope_plan sp[2] = { { true, allow, 1 },
	    { true, allow, 1 } };
	struct enforcer *e;
	struct target t2;
	const char *roots[] = { "/sys/fs/cgroup/unified", "/sys/fs/cgroup" };
	int l2, st;
	pid_t pid;

	if (!private_netns())
		return;
	for (size_t i = 0; i < 2 && root[0] == '\0'; i++) {
		char probe[300];

		snprintf(probe, sizeof(probe), "%s/cgroup.procs", roots[i]);
		if (access(probe, W_OK) == 0)
			snprintf(root, sizeof(root), "%s", roots[i]);
	}
	if (root[0] == '\0') {
		fprintf(stderr, "check_enforce: no writable cgroup v2; cgroup "
		    "test skipped\n");
		return;
	}
	snprintf(dir, sizeof(dir), "%s/eeaguard-check-%d", root, (int)getpid());
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	snprintf(text, sizeof(text),
	    "scopes = (\n"
	    "  { name = \"gone\"; customers = [\"x\"];\n"
	    "    match = { cgroups = [\"/eeaguard-check-none/x.service\"]; }; },\n"
	    "  { name = \"cg\"; customers = [\"x\"];\n"
	    "    match = { cgroups = [\"/eeaguard-check-%d\"]; }; }\n"
	    ");\n", (int)getpid());
	c = conf(text);
	l2 = listener("127.0.0.2");
	t2.dst = "127.0.0.2";
	t2.port = local_port(l2);
	e = open_enforcer();
	install(e, c, sp);
	t = listing();
	assert_has(t, "socket cgroupv2 level 1");
	assert_has(t, "jump scope_1");
	assert_lacks(t, "jump scope_0");
	free(t);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		FILE *f;

		snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
		if ((f = fopen(procs, "w")) == NULL || fputs("0", f) < 0 ||
		    fclose(f) != 0)
			_exit(98);
		_exit(connect_fn(&t2));
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_int_eq(rmdir(dir), 0);
	ck_assert_int_eq(WEXITSTATUS(st), ETIMEDOUT);
	ck_assert_int_eq(connect_fn(&t2), 0);
	close(l2);
	enforce_close(e);
	config_free(c);
}
END_TEST

/*
 * Edges of the match: a user without a passwd entry holds no process (its
 * scope gets no rule), an IPv6 prefix as short as ::/0 covers IPv4 too.
 */
START_TEST(test_match_edges)
{
	struct config *c = conf(
	    "scopes = ( { name = \"u\"; customers = [\"x\"];\n"
	    "  match = { users = [\"eeaguard-no-such-user\"]; }; },\n"
	    "  { name = \"n\"; customers = [\"x\"];\n"
	    "  match = { users = [\"nobody\", \"eeaguard-no-such-user\"]; }; },\n"
	    "  { name = \"all\"; customers = [\"x\"];\n"
	    "  match = { src = [\"::/0\"]; sports = [22]; }; } );\n");
	struct enforce_scope_plan sp[3] = { { true, NULL, 0 },
	    { true, NULL, 0 }, { true, NULL, 0 } };
	struct enforcer *e;
	char *t;

	if (!private_netns())
		return;
	e = open_enforcer();
	install(e, c, sp);
	t = listing();
	assert_has(t, "chain scope_0");
	assert_lacks(t, "jump scope_0");
	assert_has(t, "meta skuid 65534 jump scope_1");
	assert_has(t, "ip saddr 0.0.0.0/0 meta l4proto { tcp, udp } "
	    "th sport 22 jump scope_2");
	assert_has(t, "ip6 saddr ::/0 meta l4proto { tcp, udp } "
	    "th sport 22 jump scope_2");
	free(t);
	enforce_close(e);
	config_free(c);
}
END_TEST

static Suite *
enforce_suite(void)
{
	Suite *s = suite_create("enforce");
	TCase *tc = tcase_create("table");
	TCase *tn = tcase_create("net");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_expressible);
	tcase_add_test(tc, test_install_table);
	tcase_add_test(tc, test_reinstall_replaces);
	tcase_add_test(tc, test_failed_install_keeps_table);
	tcase_add_test(tc, test_release);
	tcase_add_test(tc, test_deny_elements);
	tcase_add_test(tc, test_deny_set_full);
	tcase_add_test(tc, test_learned_elements);
	tcase_add_test(tc, test_match_edges);
	suite_add_tcase(s, tc);
	tcase_set_timeout(tn, 20);
	tcase_add_test(tn, test_deny_blocks_tcp);
	tcase_add_test(tn, test_deny_uid);
	tcase_add_test(tn, test_deny_blocks_udp);
	tcase_add_test(tn, test_deny_blocks_tcp6);
	tcase_add_test(tn, test_destroy_socket);
	tcase_add_test(tn, test_destroy_udp_socket);
	tcase_add_test(tn, test_preventive_uid);
	tcase_add_test(tn, test_preventive_revocation_cuts);
	tcase_add_test(tn, test_preventive_cgroup);
	suite_add_tcase(s, tn);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(enforce_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
