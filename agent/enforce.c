/* Enforcement: the nftables table `inet eeaguard`, its dynamic elements, socket teardown. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <netinet/in.h>

#include <endian.h>
#include <errno.h>
#include <malloc.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include <libmnl/libmnl.h>
#include <nftables/libnftables.h>

#include "agent/enforce.h"

/*
 * Static allow sets hold the merged EEA space (about 63 k IPv4 and 44 k
 * IPv6 intervals for the whole world) plus internal and consented
 * networks: twice the world's IPv4 count leaves room without letting a
 * broken plan eat kernel memory. The kernel counts intervals, not ends.
 */
#define EN_ALLOW_SIZE	131072U
/* Allow-set elements per line of the script: keeps nft's error excerpt short. */
#define EN_CHUNK	1024
/*
 * Conntrack label bit set on connections a learned (DNS) address let
 * through: their established packets stay allowed after the element's
 * short DNS TTL runs out. Labels, not marks: marks are routing state that
 * other software (wg-quick, kube-proxy) copies around.
 */
#define EN_CT_LABEL	127
/*
 * DNS answers often carry TTLs of 0..30 s while the client connects only
 * after the answer arrives; a floor keeps the element alive until the
 * connection's first packet (the label keeps it alive after that).
 */
#define EN_LEARN_MIN_TTL 60
#define EN_NLBUF	8192

struct enforcer {
	struct nft_ctx *nft;
	struct mnl_socket *nl;		/* NETLINK_NETFILTER, element updates */
	uint32_t seq;
	char buf[EN_NLBUF];
};

/* One scope's allow ranges after merging, split by family. */
struct en_ranges {
	struct enforce_range *v4, *v6;
	size_t n4, n6;
};

static const struct ipaddr en_v4_lo = { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0xff, 0xff, 0, 0, 0, 0 } };
static const struct ipaddr en_v4_hi = { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };

static void
en_err(char *err, size_t errsize, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
en_err(char *err, size_t errsize, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errsize == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsize, fmt, ap);
	va_end(ap);
}

/* ---- scope expressibility --------------------------------------------- */

/*
 * A cgroup path goes into nft text inside double quotes and is resolved by
 * nft against /sys/fs/cgroup: no globs (fnmatch would need them), no
 * quotes or backslashes (they would end or escape the string).
 */
static bool
en_cgroup_plain(const char *p)
{
	for (const unsigned char *c = (const unsigned char *)p; *c; c++)
		if (*c == '*' || *c == '?' || *c == '[' || *c == '\\' ||
		    *c == '"' || *c < 0x20 || *c == 0x7f)
			return false;
	return true;
}

bool
enforce_scope_expressible(const struct scope *s, const char **why)
{
	const struct scope_match *m = &s->match;

	if (m->comms.n > 0) {
		if (why != NULL)
			*why = "it matches process names (comms), which "
			    "nftables cannot see";
		return false;
	}
	for (size_t i = 0; i < m->cgroups.n; i++)
		if (!en_cgroup_plain(m->cgroups.v[i])) {
			if (why != NULL)
				*why = "a cgroup is a glob (or holds quotes or "
				    "backslashes); nftables matches exact "
				    "cgroup paths only";
			return false;
		}
	if (why != NULL)
		*why = NULL;
	return true;
}

/* ---- ranges ------------------------------------------------------------- */

static int
en_addr_cmp(const struct ipaddr *a, const struct ipaddr *b)
{
	return memcmp(a->b, b->b, sizeof(a->b));
}

static int
en_range_cmp(const void *pa, const void *pb)
{
	const struct enforce_range *a = pa, *b = pb;
	int c = en_addr_cmp(&a->first, &b->first);

	return c != 0 ? c : en_addr_cmp(&a->last, &b->last);
}

/* a + 1; false when a is the last address (nothing follows it). */
static bool
en_addr_next(const struct ipaddr *a, struct ipaddr *out)
{
	*out = *a;
	for (int i = 15; i >= 0; i--)
		if (++out->b[i] != 0)
			return true;
	return false;
}

/* a - 1; false when a is the first address. */
static bool
en_addr_prev(const struct ipaddr *a, struct ipaddr *out)
{
	*out = *a;
	for (int i = 15; i >= 0; i--)
		if (out->b[i]-- != 0)
			return true;
	return false;
}

static void
en_ranges_free(struct en_ranges *r)
{
	free(r->v4);
	free(r->v6);
	memset(r, 0, sizeof(*r));
}

/*
 * Sorts and merges overlapping and adjacent ranges, then splits them at
 * the IPv4-mapped block: nft wants disjoint intervals, and every interval
 * merged away is kernel memory and lookup depth saved.
 */
static int
en_ranges_build(const struct enforce_range *in, size_t n,
    struct en_ranges *out, char *err, size_t errsize)
{
	struct enforce_range *v = NULL, cur;
	size_t m = 0;
	int rv = -1;

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return 0;
	if ((v = calloc(n, sizeof(*v))) == NULL ||
	    (out->v4 = calloc(n, sizeof(*out->v4))) == NULL ||
	    (out->v6 = calloc(2 * n, sizeof(*out->v6))) == NULL) {
		en_err(err, errsize, "out of memory for %zu ranges", n);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		if (en_addr_cmp(&in[i].first, &in[i].last) > 0) {
			char a[IPADDR_STRLEN], b[IPADDR_STRLEN];

			en_err(err, errsize, "allow range %s-%s ends before "
			    "it starts", ipaddr_format(&in[i].first, a),
			    ipaddr_format(&in[i].last, b));
			goto done;
		}
		v[i] = in[i];
	}
	qsort(v, n, sizeof(*v), en_range_cmp);
	cur = v[0];
	for (size_t i = 1; i <= n; i++) {
		struct ipaddr succ;

		if (i < n && (en_addr_cmp(&v[i].first, &cur.last) <= 0 ||
		    (en_addr_next(&cur.last, &succ) &&
		    en_addr_cmp(&v[i].first, &succ) == 0))) {
			if (en_addr_cmp(&v[i].last, &cur.last) > 0)
				cur.last = v[i].last;
			continue;
		}
		v[m++] = cur;
		if (i < n)
			cur = v[i];
	}
	for (size_t i = 0; i < m; i++) {
		struct enforce_range p;

		if (en_addr_cmp(&v[i].first, &en_v4_lo) < 0) {
			p.first = v[i].first;
			p.last = v[i].last;
			if (en_addr_cmp(&p.last, &en_v4_lo) >= 0)
				en_addr_prev(&en_v4_lo, &p.last);
			out->v6[out->n6++] = p;
		}
		if (en_addr_cmp(&v[i].last, &en_v4_lo) >= 0 &&
		    en_addr_cmp(&v[i].first, &en_v4_hi) <= 0) {
			p.first = en_addr_cmp(&v[i].first, &en_v4_lo) < 0 ?
			    en_v4_lo : v[i].first;
			p.last = en_addr_cmp(&v[i].last, &en_v4_hi) > 0 ?
			    en_v4_hi : v[i].last;
			out->v4[out->n4++] = p;
		}
		if (en_addr_cmp(&v[i].last, &en_v4_hi) > 0) {
			p.last = v[i].last;
			if (en_addr_cmp(&v[i].first, &en_v4_hi) > 0)
				p.first = v[i].first;
			else
				en_addr_next(&en_v4_hi, &p.first);
			out->v6[out->n6++] = p;
		}
	}
	rv = 0;
done:
	free(v);
	if (rv == -1)
		en_ranges_free(out);
	return rv;
}

/* ---- table text ----------------------------------------------------------- */

/* What the kernel can see of one scope's match, resolved at install time. */
struct en_match {
	uid_t *users;		/* uids of the scope's user names that exist */
	size_t n_users;
	char **cgroups;		/* nft paths (relative to /sys/fs/cgroup) */
	unsigned *levels;
	size_t n_cgroups;
	bool any_cgroup;	/* "/" listed: every socket is in it */
	bool never;		/* a listed criterion that nothing can satisfy */
	bool sockets;		/* needs the local socket (uid, cgroup) */
};

static void
en_match_free(struct en_match *x)
{
	for (size_t i = 0; i < x->n_cgroups; i++)
		free(x->cgroups[i]);
	free(x->cgroups);
	free(x->levels);
	free(x->users);
	memset(x, 0, sizeof(*x));
}

/*
 * Where cgroup v2 is mounted, relative to /sys/fs/cgroup where nft looks
 * its paths up: "" on a unified host, "/unified" on a hybrid one. -1 when
 * cgroup v2 is not mounted under /sys/fs/cgroup at all.
 */
static int
en_cgroup2_root(char *rel, size_t relsize)
{
	static const char base[] = "/sys/fs/cgroup";
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	int rv = -1;

	if ((f = fopen("/proc/self/mountinfo", "re")) == NULL)
		return -1;
	while (rv == -1 && getline(&line, &cap, f) != -1) {
		char *sep = strstr(line, " - "), *mnt = NULL, *save = NULL;

		if (sep == NULL || strncmp(sep, " - cgroup2 ", 11) != 0)
			continue;
		/* mountinfo: id parent major:minor root mountpoint ... */
		for (int i = 0; i < 5; i++)
			mnt = strtok_r(i == 0 ? line : NULL, " ", &save);
		if (mnt == NULL || strncmp(mnt, base, sizeof(base) - 1) != 0 ||
		    (mnt[sizeof(base) - 1] != '\0' &&
		    mnt[sizeof(base) - 1] != '/'))
			continue;
		if ((size_t)snprintf(rel, relsize, "%s",
		    mnt + sizeof(base) - 1) < relsize)
			rv = 0;
	}
	free(line);
	(void)fclose(f);	/* read only */
	return rv;
}

/*
 * Resolves users to uids and cgroups to existing directories. A user name
 * without a passwd entry, or a cgroup that does not exist, can hold no
 * process: it is dropped, as the policy never matches it either. When a
 * listed criterion has nothing left, the scope matches nothing.
 */
static int
en_match_resolve(const struct scope *s, struct en_match *x, char *err,
    size_t errsize)
{
	const struct scope_match *m = &s->match;
	char cgroot[256];
	bool have_root = false;
	int rv = -1;

	memset(x, 0, sizeof(*x));
	x->never = m->empty;
	x->sockets = m->n_uids > 0 || m->users.n > 0 || m->cgroups.n > 0;
	if (m->users.n > 0) {
		long bs = sysconf(_SC_GETPW_R_SIZE_MAX);
		size_t bufsize = bs > 0 ? (size_t)bs : 16384;
		char *pwbuf;

		if ((x->users = calloc(m->users.n, sizeof(*x->users))) == NULL ||
		    (pwbuf = malloc(bufsize)) == NULL) {
			en_err(err, errsize, "out of memory");
			goto done;
		}
		for (size_t i = 0; i < m->users.n; i++) {
			struct passwd pw, *res = NULL;
			int r;

			while ((r = getpwnam_r(m->users.v[i], &pw, pwbuf,
			    bufsize, &res)) == ERANGE && bufsize < (1u << 20)) {
				char *nb = realloc(pwbuf, bufsize * 2);

				if (nb == NULL)
					break;
				pwbuf = nb;
				bufsize *= 2;
			}
			if (r == 0 && res != NULL)
				x->users[x->n_users++] = pw.pw_uid;
		}
		free(pwbuf);
		if (x->n_users == 0)
			x->never = true;
	}
	if (m->cgroups.n > 0) {
		if ((x->cgroups = calloc(m->cgroups.n, sizeof(char *))) ==
		    NULL || (x->levels = calloc(m->cgroups.n,
		    sizeof(unsigned))) == NULL) {
			en_err(err, errsize, "out of memory");
			goto done;
		}
		have_root = en_cgroup2_root(cgroot, sizeof(cgroot)) == 0;
		for (size_t i = 0; i < m->cgroups.n && have_root; i++) {
			const char *p = m->cgroups.v[i];
			char dir[4096];
			struct stat st;
			unsigned level = 0;

			if (!en_cgroup_plain(p)) {
				en_err(err, errsize, "scope \"%s\": cgroup "
				    "\"%s\" cannot be matched by nftables",
				    s->name, p);
				goto done;
			}
			for (const char *c = p; *c; c++)
				if (*c == '/' && c[1] != '/' && c[1] != '\0')
					level++;
			if (level == 0) {
				x->any_cgroup = true;
				continue;
			}
			if ((size_t)snprintf(dir, sizeof(dir),
			    "/sys/fs/cgroup%s%s", cgroot, p) >= sizeof(dir) ||
			    stat(dir, &st) == -1 || !S_ISDIR(st.st_mode))
				continue;
			if ((x->cgroups[x->n_cgroups] = strdup(dir +
			    sizeof("/sys/fs/cgroup") - 1)) == NULL) {
				en_err(err, errsize, "out of memory");
				goto done;
			}
			x->levels[x->n_cgroups++] = level;
		}
		if (x->any_cgroup) {
			for (size_t i = 0; i < x->n_cgroups; i++)
				free(x->cgroups[i]);
			x->n_cgroups = 0;
		} else if (x->n_cgroups == 0)
			x->never = true;
	}
	rv = 0;
done:
	if (rv == -1)
		en_match_free(x);
	return rv;
}

static void
en_put_ports(FILE *f, const char *what, const struct portlist *l)
{
	fprintf(f, " th %s {", what);
	for (size_t i = 0; i < l->n; i++)
		fprintf(f, "%s %u", i ? "," : "", l->v[i]);
	fputs(" }", f);
}

/*
 * Whether prefix p reaches into family v4: an IPv4 prefix, or an IPv6
 * prefix short enough to hold the whole IPv4-mapped block (::/0), which
 * in nft's terms is also "every IPv4 address".
 */
static bool
en_prefix_in(const struct ipprefix *p, bool v4)
{
	if (!v4)
		return !ipaddr_is_v4(&p->addr);
	if (ipaddr_is_v4(&p->addr))
		return p->len >= 96;
	return p->len < 96 && ipprefix_contains(p, &en_v4_lo);
}

static void
en_put_prefixes(FILE *f, const char *what, const struct prefixlist *l,
    bool v4)
{
	char buf[IPPREFIX_STRLEN];
	bool first = true;

	fprintf(f, " %s {", what);
	for (size_t i = 0; i < l->n; i++) {
		if (!en_prefix_in(&l->v[i], v4))
			continue;
		fprintf(f, "%s %s", first ? "" : ",", v4 && l->v[i].len < 96 ?
		    "0.0.0.0/0" : ipprefix_format(&l->v[i], buf));
		first = false;
	}
	fputs(" }", f);
}

static bool
en_has_family(const struct prefixlist *l, bool v4)
{
	for (size_t i = 0; i < l->n; i++)
		if (en_prefix_in(&l->v[i], v4))
			return true;
	return false;
}

/*
 * The protocol clause: listed protocols, or tcp/udp when ports are
 * listed, because `th` reads port offsets of any protocol (ICMP too).
 */
static void
en_put_protos(FILE *f, unsigned protocols, bool ports)
{
	if (protocols == PROTO_BIT_TCP)
		fputs(" meta l4proto tcp", f);
	else if (protocols == PROTO_BIT_UDP)
		fputs(" meta l4proto udp", f);
	else if (protocols != 0 || ports)
		fputs(" meta l4proto { tcp, udp }", f);
}

/*
 * Writes the rules that send a flow matching scope s to verdict: one rule
 * per address family listed in src and per cgroup (nft compares one
 * cgroup level per expression). Nothing when the match can never hold.
 */
static void
en_put_scope_rules(FILE *f, const struct scope *s, const struct en_match *x,
    bool output, const char *verdict)
{
	const struct scope_match *m = &s->match;
	int fams[2], nfam = 0;
	size_t ncg = x->n_cgroups > 0 ? x->n_cgroups : 1;

	if (x->never || (x->sockets && !output))
		return;
	if (m->src.n == 0)
		fams[nfam++] = 0;
	else {
		if (en_has_family(&m->src, true))
			fams[nfam++] = 4;
		if (en_has_family(&m->src, false))
			fams[nfam++] = 6;
	}
	for (int fi = 0; fi < nfam; fi++)
		for (size_t c = 0; c < ncg; c++) {
			fputs("\t\t", f);
			if (fams[fi] == 4)
				en_put_prefixes(f, "ip saddr", &m->src, true);
			else if (fams[fi] == 6)
				en_put_prefixes(f, "ip6 saddr", &m->src,
				    false);
			en_put_protos(f, m->protocols,
			    m->sports.n > 0 || m->dports.n > 0);
			if (m->sports.n > 0)
				en_put_ports(f, "sport", &m->sports);
			if (m->dports.n > 0)
				en_put_ports(f, "dport", &m->dports);
			if (m->n_uids > 0) {
				fputs(" meta skuid {", f);
				for (size_t i = 0; i < m->n_uids; i++)
					fprintf(f, "%s %u", i ? "," : "",
					    m->uids[i]);
				fputs(" }", f);
			}
			if (x->n_users > 0) {
				/* A second skuid: uids and users are ANDed. */
				fputs(" meta skuid {", f);
				for (size_t i = 0; i < x->n_users; i++)
					fprintf(f, "%s %u", i ? "," : "",
					    (unsigned)x->users[i]);
				fputs(" }", f);
			}
			if (x->n_cgroups > 0)
				fprintf(f, " socket cgroupv2 level %u \"%s\"",
				    x->levels[c], x->cgroups[c]);
			fprintf(f, " %s\n", verdict);
		}
}

/* Exempt entries come before scopes in the policy; so in the chains. */
static void
en_put_exempts(FILE *f, const struct config *cfg)
{
	for (size_t i = 0; i < cfg->n_exempts; i++) {
		const struct exempt *x = &cfg->exempts[i];
		int fams[2], nfam = 0;

		if (x->dst.n == 0)
			fams[nfam++] = 0;
		else {
			if (en_has_family(&x->dst, true))
				fams[nfam++] = 4;
			if (en_has_family(&x->dst, false))
				fams[nfam++] = 6;
		}
		for (int fi = 0; fi < nfam; fi++) {
			fputs("\t\t", f);
			if (fams[fi] == 4)
				en_put_prefixes(f, "ip daddr", &x->dst, true);
			else if (fams[fi] == 6)
				en_put_prefixes(f, "ip6 daddr", &x->dst, false);
			en_put_protos(f, x->protocols, x->dports.n > 0);
			if (x->dports.n > 0)
				en_put_ports(f, "dport", &x->dports);
			fputs(" accept\n", f);
		}
	}
}

static void
en_put_base_chain(FILE *f, const struct enforce_plan *p,
    const struct en_match *xs, size_t last_prev, bool output)
{
	const struct config *cfg = p->cfg;

	fprintf(f, "\tchain %s {\n\t\ttype filter hook %s priority "
	    "filter - 1; policy accept;\n", output ? "output" : "forward",
	    output ? "output" : "forward");
	for (int v = 4; v <= 6; v += 2) {
		const char *ip = v == 4 ? "ip" : "ip6";

		fprintf(f, "\t\tmeta l4proto tcp %s saddr . th sport . %s "
		    "daddr . th dport . meta l4proto @conn%d counter reject "
		    "with tcp reset\n"
		    "\t\t%s saddr . th sport . %s daddr . th dport . meta "
		    "l4proto @conn%d counter reject with icmpx "
		    "admin-prohibited\n", ip, ip, v, ip, ip, v);
	}
	/* meta skuid reads the local socket: the output hook only. */
	for (int v = 4; v <= 6 && output; v += 2) {
		const char *ip = v == 4 ? "ip" : "ip6";

		fprintf(f, "\t\tmeta l4proto tcp %s saddr . %s daddr . meta "
		    "l4proto . th dport . meta skuid @deny%d counter reject "
		    "with tcp reset\n"
		    "\t\t%s saddr . %s daddr . meta l4proto . th dport . meta "
		    "skuid @deny%d counter reject with icmpx "
		    "admin-prohibited\n", ip, ip, v, ip, ip, v);
	}
	if (last_prev == SIZE_MAX) {
		fputs("\t}\n", f);
		return;
	}
	en_put_exempts(f, cfg);
	/*
	 * The policy judges connections this host opens; packets in the
	 * reply direction answer connections others opened (a server's
	 * responses, ICMP errors about them) and are not its business.
	 */
	fputs("\t\tct direction reply accept\n", f);
	for (size_t i = 0; i <= last_prev; i++) {
		char verdict[32];

		/*
		 * The first scope that matches is the flow's scope: an
		 * earlier non-preventive scope claims its flows (accept) so
		 * a later preventive one does not judge them.
		 */
		if (p->scopes[i].preventive)
			snprintf(verdict, sizeof(verdict), "jump scope_%zu", i);
		else if (enforce_scope_expressible(&cfg->scopes[i], NULL))
			snprintf(verdict, sizeof(verdict), "accept");
		else
			continue;
		en_put_scope_rules(f, &cfg->scopes[i], &xs[i], output, verdict);
	}
	fputs("\t}\n", f);
}

/*
 * A static allow set with its elements inline: nft handles a declaration
 * with elements in half the time and memory of separate `add element`
 * commands, which make it read back any same-named set of the old table.
 * EN_CHUNK elements per line keep nft's error excerpt short.
 */
static void
en_put_allow_set(FILE *f, const char *set, bool v4,
    const struct enforce_range *v, size_t n)
{
	char a[IPADDR_STRLEN], b[IPADDR_STRLEN];

	fprintf(f, "\tset %s { type ipv%d_addr; flags interval; size %u;",
	    set, v4 ? 4 : 6, EN_ALLOW_SIZE);
	for (size_t i = 0; i < n; i++) {
		if (i == 0)
			fputs("\n\t\telements = {", f);
		else
			fputs(i % EN_CHUNK == 0 ? ",\n\t\t   " : ",", f);
		ipaddr_format(&v[i].first, a);
		if (ipaddr_equal(&v[i].first, &v[i].last))
			fprintf(f, " %s", a);
		else
			fprintf(f, " %s-%s", a, ipaddr_format(&v[i].last, b));
	}
	fputs(n > 0 ? " }\n\t}\n" : " }\n", f);
}

/*
 * The whole table as one nft script. The leading add+delete makes the
 * delete succeed whether or not the table exists, and the script runs as
 * one transaction: never a moment without a table, and nothing of the old
 * table (set elements included) survives.
 */
static void
en_put_table(FILE *f, const struct enforce_plan *p, const struct en_match *xs,
    const struct en_ranges *rs)
{
	const struct config *cfg = p->cfg;
	size_t last_prev = SIZE_MAX;

	for (size_t i = 0; i < cfg->n_scopes; i++)
		if (p->scopes[i].preventive)
			last_prev = i;
	fprintf(f, "add table inet %s\ndelete table inet %s\n"
	    "table inet %s {\n", ENFORCE_TABLE, ENFORCE_TABLE, ENFORCE_TABLE);
	/*
	 * Reactive denies: conn* holds exact connections (any owner),
	 * deny* a service denied to one uid of this host. Field order is
	 * the netlink key layout of enforce_deny.
	 */
	for (int v = 4; v <= 6; v += 2)
		fprintf(f, "\tset conn%d { type ipv%d_addr . inet_service . "
		    "ipv%d_addr . inet_service . inet_proto; flags timeout; "
		    "size %u; }\n"
		    "\tset deny%d { type ipv%d_addr . ipv%d_addr . inet_proto "
		    ". inet_service . uid; flags timeout; size %u; }\n",
		    v, v, v, ENFORCE_SET_SIZE, v, v, v, ENFORCE_SET_SIZE);
	for (size_t i = 0; i < cfg->n_scopes; i++) {
		char name[32];

		if (!p->scopes[i].preventive)
			continue;
		snprintf(name, sizeof(name), "allow4_%zu", i);
		en_put_allow_set(f, name, true, rs[i].v4, rs[i].n4);
		snprintf(name, sizeof(name), "allow6_%zu", i);
		en_put_allow_set(f, name, false, rs[i].v6, rs[i].n6);
		fprintf(f, "\tset learn4_%zu { type ipv4_addr; flags timeout; "
		    "size %u; }\n\tset learn6_%zu { type ipv6_addr; flags "
		    "timeout; size %u; }\n", i, ENFORCE_SET_SIZE, i,
		    ENFORCE_SET_SIZE);
		/*
		 * Static allow sets are checked on every packet, so a
		 * network whose consent was revoked is cut at the next
		 * install, established or not. Learned addresses live as
		 * long as their DNS TTL, far shorter than connections: a
		 * connection they let through is labelled and stays.
		 */
		fprintf(f, "\tchain scope_%zu {\n"
		    "\t\tip daddr @allow4_%zu accept\n"
		    "\t\tip6 daddr @allow6_%zu accept\n"
		    "\t\tip daddr @learn4_%zu ct label set %d accept\n"
		    "\t\tip6 daddr @learn6_%zu ct label set %d accept\n"
		    "\t\tct label %d ct state established,related accept\n"
		    /* one packet per message: a drop is reported at once,
		     * while its socket still exists to be attributed */
		    "\t\tcounter log group %u queue-threshold 1 prefix \"eeaguard:%zu \" drop\n"
		    "\t}\n", i, i, i, i, EN_CT_LABEL, i, EN_CT_LABEL,
		    EN_CT_LABEL, (unsigned)p->nflog_group, i);
	}
	en_put_base_chain(f, p, xs, last_prev, true);
	en_put_base_chain(f, p, xs, last_prev, false);
	fputs("}\n", f);
}

/*
 * nft's error buffer repeats the offending input line (possibly a
 * thousand elements) under the message: keep the message and the line's
 * start, which names the set or rule.
 */
static void
en_nft_error(struct enforcer *e, const char *what, char *err, size_t errsize)
{
	const char *eb = nft_ctx_get_error_buffer(e->nft);
	const char *msg, *end, *line = NULL, *lend;
	int mlen, llen = 0;

	if (eb == NULL || (msg = strstr(eb, "Error: ")) == NULL) {
		en_err(err, errsize, "%s: nft failed without a message", what);
		return;
	}
	msg += 7;
	end = strchr(msg, '\n');
	mlen = end ? (int)(end - msg) : (int)strlen(msg);
	if (end != NULL && end[1] != '\0') {
		line = end + 1;
		while (*line == ' ' || *line == '\t')
			line++;
		lend = strchr(line, '\n');
		llen = lend ? (int)(lend - line) : (int)strlen(line);
		if (llen > 72)
			llen = 72;
	}
	if (line != NULL && llen > 0)
		en_err(err, errsize, "%s: %.*s (at: %.*s%s)", what, mlen, msg,
		    llen, line, llen == 72 ? "..." : "");
	else
		en_err(err, errsize, "%s: %.*s", what, mlen, msg);
}

/* A libnftables context that captures nft's messages instead of printing. */
static int
en_ctx(struct enforcer *e, char *err, size_t errsize)
{
	if (e->nft != NULL)
		return 0;
	if ((e->nft = nft_ctx_new(NFT_CTX_DEFAULT)) == NULL) {
		en_err(err, errsize, "libnftables: cannot create a context");
		return -1;
	}
	if (nft_ctx_buffer_output(e->nft) != 0 ||
	    nft_ctx_buffer_error(e->nft) != 0) {
		nft_ctx_free(e->nft);
		e->nft = NULL;
		en_err(err, errsize, "libnftables: cannot buffer messages");
		return -1;
	}
	return 0;
}

static int
en_run(struct enforcer *e, const char *text, const char *what, char *err,
    size_t errsize)
{
	int r;

	if (en_ctx(e, err, errsize) == -1)
		return -1;
	r = nft_run_cmd_from_buffer(e->nft, text);
	/* Read both buffers every time: reading is what empties them. */
	(void)nft_ctx_get_output_buffer(e->nft);
	if (r != 0) {
		en_nft_error(e, what, err, errsize);
		return -1;
	}
	(void)nft_ctx_get_error_buffer(e->nft);
	return 0;
}

int
enforce_install(struct enforcer *e, const struct enforce_plan *p, char *err,
    size_t errsize)
{
	const struct config *cfg = p->cfg;
	struct en_match *xs = NULL;
	struct en_ranges *rs = NULL;
	char *text = NULL;
	size_t textlen = 0;
	FILE *f = NULL;
	int r, rv = -1;

	if (cfg->n_scopes > 0 && (p->scopes == NULL ||
	    (xs = calloc(cfg->n_scopes, sizeof(*xs))) == NULL ||
	    (rs = calloc(cfg->n_scopes, sizeof(*rs))) == NULL)) {
		en_err(err, errsize, p->scopes == NULL ? "plan without scopes"
		    : "out of memory");
		goto done;
	}
	for (size_t i = 0; i < cfg->n_scopes; i++) {
		const struct scope *s = &cfg->scopes[i];
		const char *why;

		if (!enforce_scope_expressible(s, &why)) {
			if (p->scopes[i].preventive) {
				en_err(err, errsize, "scope \"%s\" cannot be "
				    "enforced preventively: %s", s->name, why);
				goto done;
			}
			continue;
		}
		if (en_match_resolve(s, &xs[i], err, errsize) == -1)
			goto done;
		if (p->scopes[i].preventive && en_ranges_build(
		    p->scopes[i].allow, p->scopes[i].n_allow, &rs[i], err,
		    errsize) == -1)
			goto done;
	}
	if ((f = open_memstream(&text, &textlen)) == NULL) {
		en_err(err, errsize, "open_memstream: %s", strerror(errno));
		goto done;
	}
	en_put_table(f, p, xs, rs);
	if (ferror(f) || fclose(f) != 0) {
		f = NULL;
		en_err(err, errsize, "building the nft script: out of memory");
		goto done;
	}
	f = NULL;
	r = en_run(e, text, "install", err, errsize);
	/*
	 * After a world-sized install the context caches the ruleset (about
	 * 75 MB) and malloc keeps the rest of nft's peak (about 90 MB) from
	 * the kernel: drop both, the agent runs for months.
	 */
	if (e->nft != NULL)
		nft_ctx_free(e->nft);
	e->nft = NULL;
	free(text);
	text = NULL;
	malloc_trim(0);
	if (r == -1) {
		/* The kernel says ENFILE; name the set that overflowed. */
		for (size_t i = 0; i < cfg->n_scopes; i++)
			if (rs[i].n4 > EN_ALLOW_SIZE || rs[i].n6 > EN_ALLOW_SIZE)
				en_err(err, errsize, "scope \"%s\": %zu IPv%d "
				    "intervals exceed the allow set size %u",
				    cfg->scopes[i].name, rs[i].n4 >
				    EN_ALLOW_SIZE ? rs[i].n4 : rs[i].n6,
				    rs[i].n4 > EN_ALLOW_SIZE ? 4 : 6,
				    EN_ALLOW_SIZE);
		goto done;
	}
	rv = 0;
done:
	if (f != NULL)
		(void)fclose(f);	/* already failing */
	free(text);
	for (size_t i = 0; xs != NULL && i < cfg->n_scopes; i++)
		en_match_free(&xs[i]);
	for (size_t i = 0; rs != NULL && i < cfg->n_scopes; i++)
		en_ranges_free(&rs[i]);
	free(xs);
	free(rs);
	return rv;
}

int
enforce_release(struct enforcer *e, char *err, size_t errsize)
{
	char text[128];

	/* add+delete: an absent table is not an error. */
	snprintf(text, sizeof(text), "add table inet %s\n"
	    "delete table inet %s\n", ENFORCE_TABLE, ENFORCE_TABLE);
	return en_run(e, text, "release", err, errsize);
}

/* ---- netlink element updates ----------------------------------------------- */

/* Batch begin/end around nf_tables messages; returns the next free byte. */
static char *
en_nl_batch_marker(char *at, uint16_t type, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(at);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons(NFNL_SUBSYS_NFTABLES);
	return at + nlh->nlmsg_len;
}

/*
 * Reads replies until the kernel has answered the exchange of messages
 * first..last: the ack of last, or an error on first (a batch refused as
 * a whole answers its begin marker only). nf_tables answers every message
 * of a batch even after one failed, so reading on to last leaves nothing
 * behind for the next exchange; replies to an older exchange (cut short
 * by a failed read) are skipped. Returns 0, or -1 with errno of the first
 * error and its message's seq in *failed.
 */
static int
en_nl_wait(struct enforcer *e, uint32_t first, uint32_t last,
    uint32_t *failed)
{
	int error = 0;

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(e->nl, e->buf, sizeof(e->buf));
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)e->buf;
		int len = (int)n;

		if (n < 0)
			return -1;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			const struct nlmsgerr *me;
			uint32_t seq = nlh->nlmsg_seq;

			if (nlh->nlmsg_type != NLMSG_ERROR ||
			    seq - first > last - first)
				continue;
			me = mnl_nlmsg_get_payload(nlh);
			if (me->error != 0 && error == 0) {
				error = -me->error;
				if (failed != NULL)
					*failed = seq;
			}
			if (seq == last || (me->error != 0 && seq == first))
				goto done;
		}
	}
done:
	if (error != 0) {
		errno = error;
		return -1;
	}
	return 0;
}

/* One element for en_nl_add_elems. */
struct en_elem {
	const char *set;
	const void *key;
	size_t keylen;
	uint64_t timeout_ms;
};

/* Largest key: ipv6_addr . ipv6_addr . 3 fields of one register each. */
#define EN_KEY_MAX	44

/*
 * Adds elements with timeouts to sets of our table, as one netlink batch
 * (one transaction: all or none), and waits for the commit. libnftables
 * would read the table's interval sets back before each change (seconds
 * with the world's EEA in them); the batch touches nothing else. Adding
 * an element that exists refreshes its timeout (kernel >= 6.10; older
 * kernels keep the first). On failure, *failed is the index of the first
 * element the kernel refused (n when it refused the batch as a whole).
 */
static int
en_nl_add_elems(struct enforcer *e, const struct en_elem *v, size_t n,
    size_t *failed)
{
	/* Up to two messages of at most 144 bytes, and the markers. */
	uint64_t msg[64];
	char *at = (char *)msg;
	uint32_t seq = e->seq, bad = seq;
	int rv;

	if (n == 0 || n > 2) {
		errno = EINVAL;
		*failed = n;
		return -1;
	}
	e->seq += (uint32_t)n + 2;
	memset(msg, 0, sizeof(msg));
	at = en_nl_batch_marker(at, NFNL_MSG_BATCH_BEGIN, seq);
	for (size_t i = 0; i < n; i++) {
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(at);
		struct nfgenmsg *nfg;
		struct nlattr *list, *el, *k;

		nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) |
		    NFT_MSG_NEWSETELEM;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_ACK;
		nlh->nlmsg_seq = seq + 1 + (uint32_t)i;
		nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
		nfg->nfgen_family = NFPROTO_INET;
		nfg->version = NFNETLINK_V0;
		nfg->res_id = 0;
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, ENFORCE_TABLE);
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, v[i].set);
		list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
		el = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
		k = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_KEY);
		mnl_attr_put(nlh, NFTA_DATA_VALUE, v[i].keylen, v[i].key);
		mnl_attr_nest_end(nlh, k);
		mnl_attr_put_u64(nlh, NFTA_SET_ELEM_TIMEOUT,
		    htobe64(v[i].timeout_ms));
		mnl_attr_nest_end(nlh, el);
		mnl_attr_nest_end(nlh, list);
		at += nlh->nlmsg_len;
	}
	at = en_nl_batch_marker(at, NFNL_MSG_BATCH_END, seq + 1 +
	    (uint32_t)n);
	if (mnl_socket_sendto(e->nl, msg, (size_t)(at - (char *)msg)) < 0) {
		*failed = n;
		return -1;
	}
	rv = en_nl_wait(e, seq, seq + (uint32_t)n, &bad);
	*failed = bad == seq ? n : (size_t)(bad - seq - 1);
	return rv;
}

static void
en_nl_error(const char *set, const char *what, char *err, size_t errsize)
{
	if (errno == ENFILE || errno == ENOSPC)
		en_err(err, errsize, "%s set full (%s: %u elements)", what,
		    set, ENFORCE_SET_SIZE);
	else if (errno == ENOENT)
		en_err(err, errsize, "%s: no set %s in table inet %s (not "
		    "installed?)", what, set, ENFORCE_TABLE);
	else
		en_err(err, errsize, "%s: adding to %s: %s", what, set,
		    strerror(errno));
}

/*
 * Appends one field of a concatenated key: the kernel gives each field
 * whole 32-bit registers, zero-padded after the value.
 */
static void
en_key_put(uint8_t *key, size_t *off, const void *val, size_t len)
{
	memcpy(key + *off, val, len);
	*off += (len + 3) & ~(size_t)3;
}

int
enforce_deny(struct enforcer *e, uint8_t proto, const struct ipaddr *src,
    uint16_t sport, const struct ipaddr *dst, uint16_t dport, int64_t uid,
    uint32_t timeout, char *err, size_t errsize)
{
	uint8_t ckey[EN_KEY_MAX], dkey[EN_KEY_MAX];
	struct en_elem el[2];
	size_t alen, clen = 0, dlen = 0, n = 1, failed;
	bool v4 = ipaddr_is_v4(dst);
	const uint8_t *sa, *da;
	/* Ports big-endian as on the wire; uid host-endian as meta keys. */
	uint8_t sp[2] = { sport >> 8, sport & 0xff };
	uint8_t dp[2] = { dport >> 8, dport & 0xff };
	uint32_t u;

	if (ipaddr_is_v4(src) != v4) {
		en_err(err, errsize, "deny: source and destination are of "
		    "different address families");
		return -1;
	}
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP) {
		en_err(err, errsize, "deny: protocol %u is neither tcp nor "
		    "udp", proto);
		return -1;
	}
	if (uid > (int64_t)UINT32_MAX) {
		en_err(err, errsize, "deny: uid %lld out of range",
		    (long long)uid);
		return -1;
	}
	alen = v4 ? 4 : 16;
	sa = v4 ? ipaddr_v4(src) : src->b;
	da = v4 ? ipaddr_v4(dst) : dst->b;
	if (timeout == 0)
		timeout = ENFORCE_DENY_TIMEOUT;
	memset(ckey, 0, sizeof(ckey));
	memset(dkey, 0, sizeof(dkey));
	/* conn: saddr . sport . daddr . dport . l4proto */
	en_key_put(ckey, &clen, sa, alen);
	en_key_put(ckey, &clen, sp, 2);
	en_key_put(ckey, &clen, da, alen);
	en_key_put(ckey, &clen, dp, 2);
	en_key_put(ckey, &clen, &proto, 1);
	el[0].set = v4 ? "conn4" : "conn6";
	el[0].key = ckey;
	el[0].keylen = clen;
	el[0].timeout_ms = (uint64_t)timeout * 1000;
	if (uid >= 0) {
		/* deny: saddr . daddr . l4proto . dport . uid */
		u = (uint32_t)uid;
		en_key_put(dkey, &dlen, sa, alen);
		en_key_put(dkey, &dlen, da, alen);
		en_key_put(dkey, &dlen, &proto, 1);
		en_key_put(dkey, &dlen, dp, 2);
		en_key_put(dkey, &dlen, &u, sizeof(u));
		el[1].set = v4 ? "deny4" : "deny6";
		el[1].key = dkey;
		el[1].keylen = dlen;
		el[1].timeout_ms = el[0].timeout_ms;
		n = 2;
	}
	if (en_nl_add_elems(e, el, n, &failed) == -1) {
		en_nl_error(el[failed < n ? failed : 0].set, "deny", err,
		    errsize);
		return -1;
	}
	return 0;
}

int
enforce_allow_learned(struct enforcer *e, size_t scope,
    const struct ipaddr *addr, uint32_t ttl, char *err, size_t errsize)
{
	char set[32];
	bool v4 = ipaddr_is_v4(addr);
	struct en_elem el;
	size_t failed;

	snprintf(set, sizeof(set), "learn%d_%zu", v4 ? 4 : 6, scope);
	if (ttl < EN_LEARN_MIN_TTL)
		ttl = EN_LEARN_MIN_TTL;
	el.set = set;
	el.key = v4 ? ipaddr_v4(addr) : addr->b;
	el.keylen = v4 ? 4 : 16;
	el.timeout_ms = (uint64_t)ttl * 1000;
	if (en_nl_add_elems(e, &el, 1, &failed) == -1) {
		en_nl_error(set, "learned allow", err, errsize);
		return -1;
	}
	return 0;
}

/* ---- open/close ------------------------------------------------------------ */

/*
 * Asks for the ruleset generation: the cheapest request that needs the
 * CAP_NET_ADMIN every later change needs, in this network namespace.
 */
static int
en_nl_probe(struct enforcer *e)
{
	char msg[64];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(msg);
	struct nfgenmsg *nfg;
	uint32_t seq = e->seq++;

	nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETGEN;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	if (mnl_socket_sendto(e->nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	return en_nl_wait(e, seq, seq, NULL);
}

struct enforcer *
enforce_open(char *err, size_t errsize)
{
	struct enforcer *e;

	if ((e = calloc(1, sizeof(*e))) == NULL) {
		en_err(err, errsize, "out of memory");
		return NULL;
	}
	e->seq = (uint32_t)time(NULL);
	if ((e->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC)) ==
	    NULL || mnl_socket_bind(e->nl, 0, MNL_SOCKET_AUTOPID) == -1) {
		en_err(err, errsize, "netlink (nftables): %s", strerror(errno));
		goto fail;
	}
	if (en_nl_probe(e) == -1) {
		en_err(err, errsize, "nftables: %s%s", strerror(errno),
		    errno == EPERM ? " (needs CAP_NET_ADMIN: run as root)" :
		    "");
		goto fail;
	}
	if (en_ctx(e, err, errsize) == -1)
		goto fail;
	return e;
fail:
	enforce_close(e);
	return NULL;
}

void
enforce_close(struct enforcer *e)
{
	if (e == NULL)
		return;
	if (e->nft != NULL)
		nft_ctx_free(e->nft);
	if (e->nl != NULL)
		mnl_socket_close(e->nl);
	free(e);
}

/* ---- socket teardown -------------------------------------------------------- */

/*
 * One sock_diag request for the exact tuple: SOCK_DIAG_BY_FAMILY answers
 * with the socket (msg filled in), SOCK_DESTROY ends it. 0 or -1 with
 * errno.
 */
static int
en_diag(struct mnl_socket *nl, uint16_t type, struct inet_diag_req_v2 *req,
    struct inet_diag_msg *msg)
{
	char buf[EN_NLBUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	unsigned int portid = mnl_socket_get_portid(nl);
	bool got = false;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = 1;
	memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof(*req)), req,
	    sizeof(*req));
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		const struct nlmsghdr *r = (const struct nlmsghdr *)buf;
		int len = (int)n;

		if (n < 0)
			return -1;
		for (; mnl_nlmsg_ok(r, len); r = mnl_nlmsg_next(r, &len)) {
			if (r->nlmsg_pid != portid && r->nlmsg_pid != 0)
				continue;
			if (r->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *me =
				    mnl_nlmsg_get_payload(r);

				if (me->error != 0) {
					errno = -me->error;
					return -1;
				}
				if (msg != NULL && !got) {
					errno = ENOENT;
					return -1;
				}
				return 0;
			}
			if (r->nlmsg_type == NLMSG_DONE)
				return got ? 0 : (errno = ENOENT, -1);
			if (msg != NULL && r->nlmsg_type == SOCK_DIAG_BY_FAMILY &&
			    mnl_nlmsg_get_payload_len(r) >= sizeof(*msg)) {
				memcpy(msg, mnl_nlmsg_get_payload(r),
				    sizeof(*msg));
				got = true;
			}
		}
	}
}

/*
 * Looks the tuple up first and destroys by cookie: the kernel's lookup
 * falls back to a listener or an unconnected UDP socket on the local
 * port, and those serve other peers — they must not be ended.
 */
static int
en_destroy_family(struct mnl_socket *nl, uint8_t family, uint8_t proto,
    const struct ipaddr *src, uint16_t sport, const struct ipaddr *dst,
    uint16_t dport)
{
	struct inet_diag_req_v2 req, look;
	struct inet_diag_msg msg;
	size_t alen = family == AF_INET ? 4 : 16;

	memset(&req, 0, sizeof(req));
	req.sdiag_family = family;
	req.sdiag_protocol = proto;
	req.idiag_states = ~0u;
	req.id.idiag_sport = htons(sport);
	req.id.idiag_dport = htons(dport);
	memcpy(req.id.idiag_src, family == AF_INET ? ipaddr_v4(src) : src->b,
	    alen);
	memcpy(req.id.idiag_dst, family == AF_INET ? ipaddr_v4(dst) : dst->b,
	    alen);
	req.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	req.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	look = req;
	if (proto == IPPROTO_UDP) {
		/*
		 * The kernel's UDP lookup-by-tuple reads src and dst the
		 * other way round ("swapped for historical reasons", in
		 * udp_dump_one); its UDP destroy does not.
		 */
		memcpy(look.id.idiag_src, req.id.idiag_dst, alen);
		memcpy(look.id.idiag_dst, req.id.idiag_src, alen);
		look.id.idiag_sport = req.id.idiag_dport;
		look.id.idiag_dport = req.id.idiag_sport;
	}
	if (en_diag(nl, SOCK_DIAG_BY_FAMILY, &look, &msg) == -1)
		return -1;
	if (msg.id.idiag_dport != req.id.idiag_dport ||
	    memcmp(msg.id.idiag_dst, req.id.idiag_dst, alen) != 0 ||
	    msg.id.idiag_sport != req.id.idiag_sport ||
	    memcmp(msg.id.idiag_src, req.id.idiag_src, alen) != 0 ||
	    msg.idiag_state == 10 /* TCP_LISTEN */) {
		errno = ENOENT;
		return -1;
	}
	memcpy(req.id.idiag_cookie, msg.id.idiag_cookie,
	    sizeof(req.id.idiag_cookie));
	return en_diag(nl, SOCK_DESTROY, &req, NULL);
}

int
enforce_destroy_socket(uint8_t proto, const struct ipaddr *src,
    uint16_t sport, const struct ipaddr *dst, uint16_t dport)
{
	struct mnl_socket *nl;
	int rv, saved;

	if (ipaddr_is_v4(src) != ipaddr_is_v4(dst)) {
		errno = EINVAL;
		return -1;
	}
	if ((nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC)) == NULL)
		return -1;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == -1) {
		saved = errno;
		mnl_socket_close(nl);
		errno = saved;
		return -1;
	}
	if (ipaddr_is_v4(dst)) {
		rv = en_destroy_family(nl, AF_INET, proto, src, sport, dst,
		    dport);
		/* A dual-stack AF_INET6 socket talks IPv4 as ::ffff:a.b.c.d. */
		if (rv == -1 && errno == ENOENT)
			rv = en_destroy_family(nl, AF_INET6, proto, src, sport,
			    dst, dport);
	} else
		rv = en_destroy_family(nl, AF_INET6, proto, src, sport, dst,
		    dport);
	saved = errno;
	mnl_socket_close(nl);
	errno = saved;
	return rv;
}
