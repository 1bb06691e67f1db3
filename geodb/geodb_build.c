/* MaxMind DB (format 2.0) writer: country range lists in, an IPv6 .mmdb out. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "geodb/geodb_build.h"

/*
 * Smallest record size the writer picks. Only ever raised when testing:
 * building with -DGEODB_BUILD_MIN_RECORD_SIZE=28 (or 32) runs the unit tests
 * through the wider node layouts, which real inputs reach only with more
 * than 16 M nodes.
 */
#ifndef GEODB_BUILD_MIN_RECORD_SIZE
#define GEODB_BUILD_MIN_RECORD_SIZE 24
#endif

#define LINE_MAX_BYTES	1024	/* longest accepted input line */
#define NCODES		(26 * 26)	/* two letters A-Z */
#define DATA_SEP	16	/* zero bytes between tree and data section */
#define REC_DATA	0x80000000u	/* slot tag; low bits: a code */
#define MAX_NODES	REC_DATA	/* indexes stay clear of the tag */

#if defined(__GNUC__)
#define GB_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define GB_PRINTF(a, b)
#endif

/* 128-bit unsigned integer; a struct because __int128 is not everywhere. */
struct u128 {
	uint64_t hi, lo;
};

struct gb_range {
	struct u128 first, last;	/* inclusive, tree form */
	uint32_t src;			/* index into geodb_build.src */
	uint32_t seq;			/* input order, to sort stably */
	int line;
	uint16_t cc;			/* (c0 - 'A') * 26 + (c1 - 'A') */
};

/*
 * Child slot of a tree node: 0 is empty (the root, node 0, is nobody's
 * child), REC_DATA | code is a data record, anything else a node index.
 */
struct gb_node {
	uint32_t c[2];
};

struct gb_buf {
	uint8_t *p;
	size_t n, cap;
	int oom;
};

struct geodb_build {
	struct gb_range *r;
	size_t n, cap;
	char **src;		/* interned source names, owned */
	size_t nsrc, srccap;
	struct gb_node *node;
	size_t nnode, nodecap;
	uint32_t nextseq;	/* input order across files and writes */
	size_t ranges_in;
	size_t aliased;
	size_t networks;
	struct geodb_build_stats st;	/* figures of the last write */
};

enum gb_kind { KIND_TOR4, KIND_TOR6, KIND_CSV };

static void seterr(char *, size_t, const char *, ...) GB_PRINTF(3, 4);

static void
seterr(char *err, size_t errsize, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errsize == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsize, fmt, ap);
	va_end(ap);
}

static int
u128_cmp(struct u128 a, struct u128 b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	if (a.lo != b.lo)
		return a.lo < b.lo ? -1 : 1;
	return 0;
}

static int
u128_is_max(struct u128 a)
{
	return a.hi == UINT64_MAX && a.lo == UINT64_MAX;
}

static struct u128
u128_inc(struct u128 a)
{
	if (++a.lo == 0)
		a.hi++;
	return a;
}

static struct u128
u128_dec(struct u128 a)
{
	if (a.lo-- == 0)
		a.hi--;
	return a;
}

/* 2^h - 1 for h in 0..128. */
static struct u128
u128_lowmask(unsigned h)
{
	struct u128 m;

	if (h >= 128) {
		m.hi = m.lo = UINT64_MAX;
	} else if (h >= 64) {
		m.hi = h == 64 ? 0 : UINT64_MAX >> (128 - h);
		m.lo = UINT64_MAX;
	} else {
		m.hi = 0;
		m.lo = h == 0 ? 0 : UINT64_MAX >> (64 - h);
	}
	return m;
}

static struct u128
u128_or(struct u128 a, struct u128 b)
{
	a.hi |= b.hi;
	a.lo |= b.lo;
	return a;
}

static int
u128_and_nonzero(struct u128 a, struct u128 b)
{
	return (a.hi & b.hi) != 0 || (a.lo & b.lo) != 0;
}

/* Trailing zero bits; 128 for zero. */
static unsigned
u128_ctz(struct u128 a)
{
	if (a.lo != 0)
		return (unsigned)__builtin_ctzll(a.lo);
	if (a.hi != 0)
		return 64 + (unsigned)__builtin_ctzll(a.hi);
	return 128;
}

/* Bit i counted from the most significant (bit 0), as the tree walks. */
static unsigned
u128_bit(struct u128 a, unsigned i)
{
	if (i < 64)
		return (unsigned)(a.hi >> (63 - i)) & 1;
	return (unsigned)(a.lo >> (127 - i)) & 1;
}

static struct u128
u128_from_bytes(const uint8_t b[16])
{
	struct u128 a = { 0, 0 };
	int i;

	for (i = 0; i < 8; i++) {
		a.hi = a.hi << 8 | b[i];
		a.lo = a.lo << 8 | b[i + 8];
	}
	return a;
}

static void
u128_to_bytes(struct u128 a, uint8_t b[16])
{
	int i;

	for (i = 7; i >= 0; i--) {
		b[i] = (uint8_t)a.hi;
		b[i + 8] = (uint8_t)a.lo;
		a.hi >>= 8;
		a.lo >>= 8;
	}
}

/* Tree-form address as text: dotted quad inside ::/96, else IPv6. */
static void
fmt_addr(struct u128 a, char *buf, size_t size)
{
	uint8_t b[16];

	u128_to_bytes(a, b);
	if (a.hi == 0 && a.lo <= 0xffffffffu) {
		if (inet_ntop(AF_INET, b + 12, buf, (socklen_t)size) == NULL)
			snprintf(buf, size, "?");
	} else if (inet_ntop(AF_INET6, b, buf, (socklen_t)size) == NULL)
		snprintf(buf, size, "?");
}

/* A network address as the user wrote it: IPv4 text stays IPv4. */
static void
fmt_net(struct u128 a, int v6text, char *buf, size_t size)
{
	uint8_t b[16];

	u128_to_bytes(a, b);
	if (inet_ntop(v6text ? AF_INET6 : AF_INET, v6text ? b : b + 12, buf,
	    (socklen_t)size) == NULL)
		snprintf(buf, size, "?");
}

/* Input text quoted in messages: bounded, control bytes made visible. */
static const char *
show(const char *s, char *buf, size_t size)
{
	size_t i, j = 0;

	for (i = 0; s[i] != '\0' && j + 4 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[j++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
		if (i == 40 && s[i + 1] != '\0') {
			memcpy(buf + j, "...", 3);
			j += 3;
			break;
		}
	}
	buf[j] = '\0';
	return buf;
}

static int
cc_parse(const char *s)
{
	if (s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' ||
	    s[2] != '\0')
		return -1;
	return (s[0] - 'A') * 26 + (s[1] - 'A');
}

struct geodb_build *
geodb_build_new(void)
{
	return calloc(1, sizeof(struct geodb_build));
}

void
geodb_build_free(struct geodb_build *b)
{
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < b->nsrc; i++)
		free(b->src[i]);
	free(b->src);
	free(b->r);
	free(b->node);
	free(b);
}

/* Index of source name s, added on first use; -1 when memory ran out. */
static int64_t
src_intern(struct geodb_build *b, const char *s)
{
	size_t i;
	char **ns;

	if (s == NULL)
		s = "input";
	/* Callers add many ranges from one source: try the newest first. */
	for (i = b->nsrc; i > 0; i--)
		if (strcmp(b->src[i - 1], s) == 0)
			return (int64_t)(i - 1);
	if (b->nsrc == UINT32_MAX)
		return -1;
	if (b->nsrc == b->srccap) {
		size_t cap = b->srccap ? b->srccap * 2 : 8;

		if ((ns = reallocarray(b->src, cap, sizeof(*ns))) == NULL)
			return -1;
		b->src = ns;
		b->srccap = cap;
	}
	if ((b->src[b->nsrc] = strdup(s)) == NULL)
		return -1;
	return (int64_t)b->nsrc++;
}

static int
range_push(struct geodb_build *b, struct u128 f, struct u128 l, unsigned cc,
    uint32_t src, int line)
{
	struct gb_range *nr, *r;

	if (b->nextseq == UINT32_MAX)
		return -1;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;

		if ((nr = reallocarray(b->r, cap, sizeof(*nr))) == NULL)
			return -1;
		b->r = nr;
		b->cap = cap;
	}
	r = &b->r[b->n];
	r->first = f;
	r->last = l;
	r->src = src;
	r->seq = b->nextseq++;
	r->line = line;
	r->cc = (uint16_t)cc;
	b->n++;
	return 0;
}

/*
 * Stores [f, l] minus the alias ranges, whose lookups the IPv4 subtree
 * answers. For input written in IPv6 notation (v6text) ::/96 is excluded
 * too: in the tree it is the IPv4 space, and IPv4-compatible addresses
 * (RFC 4291, deprecated) must not override the IPv4 data. Clipped parts are
 * dropped, and the input range is counted once in aliased.
 */
static int
range_add(struct geodb_build *b, struct u128 f, struct u128 l, unsigned cc,
    int v6text, uint32_t src, int line, char *err, size_t errsize)
{
	/* first, last; ascending */
	static const struct u128 ex[3][2] = {
		{ { 0, 0 }, { 0, 0xffffffffu } },	/* ::/96 */
		{ { 0, 0xffff00000000u },
		  { 0, 0xffffffffffffu } },		/* ::ffff:0:0/96 */
		{ { 0x2002000000000000u, 0 },
		  { 0x2002ffffffffffffu, UINT64_MAX } },	/* 2002::/16 */
	};
	size_t i, n0 = b->n;
	int clipped = 0, kept = 0, rest = 1, rc = -1;

	for (i = v6text ? 0 : 1; i < 3 && rest; i++) {
		if (u128_cmp(l, ex[i][0]) < 0)
			break;
		if (u128_cmp(f, ex[i][1]) > 0)
			continue;
		clipped = 1;
		if (u128_cmp(f, ex[i][0]) < 0) {
			if (range_push(b, f, u128_dec(ex[i][0]), cc, src, line))
				goto done;
			kept = 1;
		}
		if (u128_cmp(l, ex[i][1]) <= 0)
			rest = 0;
		else
			f = u128_inc(ex[i][1]);
	}
	if (rest) {
		if (range_push(b, f, l, cc, src, line))
			goto done;
		kept = 1;
	}
	b->ranges_in += kept;
	b->aliased += clipped;
	rc = 0;
done:
	if (rc != 0) {
		b->n = n0;
		seterr(err, errsize, "%s:%d: out of memory (or more than %u "
		    "ranges)", b->src[src], line, UINT32_MAX);
	}
	return rc;
}

int
geodb_build_add(struct geodb_build *b, const uint8_t first[16],
    const uint8_t last[16], const char *cc, const char *source, int line,
    char *err, size_t errsize)
{
	struct u128 f = u128_from_bytes(first), l = u128_from_bytes(last);
	char a1[INET6_ADDRSTRLEN], a2[INET6_ADDRSTRLEN], sb[64];
	const char *name = source ? source : "input";
	int64_t src;
	int code;

	if (cc == NULL || (code = cc_parse(cc)) < 0) {
		seterr(err, errsize, "%s:%d: bad country code \"%s\" (valid: "
		    "two letters A-Z such as NL)", name, line,
		    cc ? show(cc, sb, sizeof(sb)) : "(null)");
		return -1;
	}
	if (u128_cmp(f, l) > 0) {
		fmt_addr(f, a1, sizeof(a1));
		fmt_addr(l, a2, sizeof(a2));
		seterr(err, errsize, "%s:%d: first address %s is after last "
		    "address %s (valid: first <= last)", name, line, a1, a2);
		return -1;
	}
	if ((src = src_intern(b, source)) < 0) {
		seterr(err, errsize, "%s:%d: out of memory", name, line);
		return -1;
	}
	return range_add(b, f, l, (unsigned)code, 0, (uint32_t)src, line,
	    err, errsize);
}

/* Splits s at commas into at most max trimmed fields; returns the count. */
static size_t
split_fields(char *s, char **f, size_t max)
{
	size_t n = 0;
	char *p, *e;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		p = strchr(s, ',');
		e = p ? p : s + strlen(s);
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (n < max)
			f[n] = s;
		n++;
		if (p == NULL) {
			*e = '\0';
			break;
		}
		*e = '\0';
		s = p + 1;
	}
	return n;
}

/* A strict decimal 0..4294967295: digits only, no sign, no blanks. */
static int
parse_u32(const char *s, uint32_t *v)
{
	uint64_t x = 0;
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 10)
			return -1;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	if (i == 0 || x > UINT32_MAX)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

/*
 * Parses "a.b.c.d[/n]" or "v6[/n]" into tree form [f, l]. Returns NULL,
 * or what is wrong (a static string; the caller adds file and line).
 */
static const char *
parse_network(char *s, struct u128 *f, struct u128 *l, int *v6text,
    unsigned *plen)
{
	uint8_t b[16];
	char *slash;
	unsigned len, max;
	size_t i;
	struct u128 a, host;

	if ((slash = strchr(s, '/')) != NULL)
		*slash = '\0';
	*v6text = strchr(s, ':') != NULL;
	memset(b, 0, sizeof(b));
	if (*v6text) {
		if (inet_pton(AF_INET6, s, b) != 1)
			return "bad IPv6 address";
		max = 128;
	} else {
		if (inet_pton(AF_INET, s, b + 12) != 1)
			return "bad IPv4 address";
		max = 32;
	}
	len = max;
	if (slash != NULL) {
		const char *p = slash + 1;

		len = 0;
		for (i = 0; p[i] != '\0'; i++) {
			if (p[i] < '0' || p[i] > '9' || i >= 3)
				return "bad prefix length";
			len = len * 10 + (unsigned)(p[i] - '0');
		}
		if (i == 0 || len > max)
			return "bad prefix length";
		*slash = '/';
	}
	*plen = len;
	if (!*v6text)
		len += 96;
	a = u128_from_bytes(b);
	host = u128_lowmask(128 - len);
	if (u128_and_nonzero(a, host)) {
		*f = (struct u128){ a.hi & ~host.hi, a.lo & ~host.lo };
		return "host bits set";
	}
	*f = a;
	*l = u128_or(a, host);
	return NULL;
}

/* One data line of a Tor geoip/geoip6 file or a CSV; -1 with err set. */
static int
parse_line(struct geodb_build *b, enum gb_kind kind, char *s, uint32_t src,
    int line, char *err, size_t errsize)
{
	const char *path = b->src[src];
	char *fv[3], sb[64], sb2[64];
	size_t nf, want = kind == KIND_CSV ? 2 : 3;
	struct u128 f = { 0, 0 }, l = { 0, 0 };
	uint8_t a[16];
	int code, v6text = 0;
	const char *cc, *why;
	uint32_t v;
	unsigned plen, i;

	nf = split_fields(s, fv, 3);
	if (nf != want) {
		if (kind == KIND_CSV)
			seterr(err, errsize, "%s:%d: %zu field%s (valid: "
			    "network,iso_code such as 192.0.2.0/24,NL)",
			    path, line, nf, nf == 1 ? "" : "s");
		else
			seterr(err, errsize, "%s:%d: %zu field%s (valid: "
			    "FIRST,LAST,CC such as %s)", path, line, nf,
			    nf == 1 ? "" : "s", kind == KIND_TOR4 ?
			    "3221225984,3221226239,NL" :
			    "2001:db8::,2001:db8::ffff,NL");
		return -1;
	}
	switch (kind) {
	case KIND_TOR4:
		for (i = 0; i < 2; i++) {
			if (parse_u32(fv[i], &v) < 0) {
				seterr(err, errsize, "%s:%d: bad IPv4 address "
				    "number \"%s\" (valid: a decimal integer "
				    "0-4294967295)", path, line,
				    show(fv[i], sb, sizeof(sb)));
				return -1;
			}
			if (i == 0)
				f = (struct u128){ 0, v };
			else
				l = (struct u128){ 0, v };
		}
		break;
	case KIND_TOR6:
		v6text = 1;
		for (i = 0; i < 2; i++) {
			if (inet_pton(AF_INET6, fv[i], a) != 1) {
				seterr(err, errsize, "%s:%d: bad IPv6 address "
				    "\"%s\" (valid: such as 2001:db8::1)",
				    path, line, show(fv[i], sb, sizeof(sb)));
				return -1;
			}
			if (i == 0)
				f = u128_from_bytes(a);
			else
				l = u128_from_bytes(a);
		}
		break;
	case KIND_CSV:
		show(fv[0], sb, sizeof(sb));
		if ((why = parse_network(fv[0], &f, &l, &v6text,
		    &plen)) == NULL)
			break;
		if (strcmp(why, "host bits set") == 0) {
			fmt_net(f, v6text, sb2, sizeof(sb2));
			seterr(err, errsize, "%s:%d: host bits set in \"%s\" "
			    "(valid: %s/%u)", path, line, sb, sb2, plen);
		} else
			seterr(err, errsize, "%s:%d: %s \"%s\" (valid: an IPv4 "
			    "or IPv6 address or network such as 192.0.2.0/24 "
			    "or 2001:db8::/32)", path, line, why, sb);
		return -1;
	}
	if (u128_cmp(f, l) > 0) {
		seterr(err, errsize, "%s:%d: first address %s is after last "
		    "address %s (valid: FIRST <= LAST)", path, line,
		    show(fv[0], sb, sizeof(sb)), show(fv[1], sb2, sizeof(sb2)));
		return -1;
	}
	cc = fv[want - 1];
	if (strcmp(cc, "??") == 0)
		return 0;	/* no data: leave the range unanswered */
	if ((code = cc_parse(cc)) < 0) {
		seterr(err, errsize, "%s:%d: bad country code \"%s\" (valid: "
		    "two letters A-Z such as NL, or ?? for no data)", path,
		    line, show(cc, sb, sizeof(sb)));
		return -1;
	}
	return range_add(b, f, l, (unsigned)code, v6text, src, line, err,
	    errsize);
}

/*
 * Reads one input file. On error the builder is left as it was before the
 * call, so a caller may report and go on with other files.
 */
static int
read_file(struct geodb_build *b, const char *path, enum gb_kind kind,
    char *err, size_t errsize)
{
	FILE *fp = NULL;
	char *buf = NULL, *s, *e;
	size_t bufsize = 0, n0 = b->n, in0 = b->ranges_in, al0 = b->aliased;
	ssize_t len;
	int64_t src;
	int line = 0, seen_data = 0, rc = -1;

	if ((src = src_intern(b, path)) < 0) {
		seterr(err, errsize, "%s: out of memory", path);
		return -1;
	}
	if ((fp = fopen(path, "r")) == NULL) {
		seterr(err, errsize, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((len = getline(&buf, &bufsize, fp)) != -1) {
		line++;
		if (len > LINE_MAX_BYTES) {
			seterr(err, errsize, "%s:%d: line is %zd bytes long "
			    "(valid: at most %d)", path, line, len,
			    LINE_MAX_BYTES);
			goto done;
		}
		if (memchr(buf, '\0', (size_t)len) != NULL) {
			seterr(err, errsize, "%s:%d: line contains a NUL byte "
			    "(valid: text)", path, line);
			goto done;
		}
		/* Trailing blanks and CR: files pass through many editors. */
		e = buf + len;
		while (e > buf && (e[-1] == '\n' || e[-1] == '\r' ||
		    e[-1] == ' ' || e[-1] == '\t'))
			e--;
		*e = '\0';
		s = buf;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0' || *s == '#')
			continue;
		if (kind == KIND_CSV && !seen_data &&
		    strncasecmp(s, "network", 7) == 0) {
			seen_data = 1;
			continue;
		}
		seen_data = 1;
		if (parse_line(b, kind, s, (uint32_t)src, line, err, errsize))
			goto done;
	}
	if (ferror(fp)) {
		seterr(err, errsize, "%s: %s", path, strerror(errno));
		goto done;
	}
	rc = 0;
done:
	if (rc != 0) {
		b->n = n0;
		b->ranges_in = in0;
		b->aliased = al0;
	}
	free(buf);
	(void)fclose(fp);	/* read only */
	return rc;
}

int
geodb_build_read_tor(struct geodb_build *b, const char *path, int family,
    char *err, size_t errsize)
{
	/* Callers say AF_INET/AF_INET6 or plainly 4/6; both are clear. */
	if (family == AF_INET || family == 4)
		return read_file(b, path, KIND_TOR4, err, errsize);
	if (family == AF_INET6 || family == 6)
		return read_file(b, path, KIND_TOR6, err, errsize);
	seterr(err, errsize, "%s: unknown address family %d (valid: AF_INET, "
	    "AF_INET6)", path, family);
	return -1;
}

int
geodb_build_read_csv(struct geodb_build *b, const char *path,
    char *err, size_t errsize)
{
	return read_file(b, path, KIND_CSV, err, errsize);
}

static int
range_cmp(const void *pa, const void *pb)
{
	const struct gb_range *a = pa, *b = pb;
	int c = u128_cmp(a->first, b->first);

	if (c != 0)
		return c;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/*
 * Sorts, rejects overlaps and merges adjacent ranges of one code in place.
 * On an overlap the array still holds the same addresses (merged prefix,
 * untouched rest), so the builder stays consistent.
 */
static int
ranges_merge(struct geodb_build *b, char *err, size_t errsize)
{
	struct gb_range cur, prev;
	size_t i, w = 0;
	char a1[INET6_ADDRSTRLEN], a2[INET6_ADDRSTRLEN];
	char a3[INET6_ADDRSTRLEN], a4[INET6_ADDRSTRLEN];

	if (b->n > 1)	/* b->r is NULL while empty */
		qsort(b->r, b->n, sizeof(*b->r), range_cmp);
	for (i = 0; i < b->n; i++) {
		cur = b->r[i];
		if (i > 0 && u128_cmp(cur.first, prev.last) <= 0) {
			fmt_addr(cur.first, a1, sizeof(a1));
			fmt_addr(cur.last, a2, sizeof(a2));
			fmt_addr(prev.first, a3, sizeof(a3));
			fmt_addr(prev.last, a4, sizeof(a4));
			seterr(err, errsize, "%s:%d overlaps %s:%d: %s-%s %c%c "
			    "and %s-%s %c%c (valid: ranges that share no "
			    "address)", b->src[cur.src], cur.line,
			    b->src[prev.src], prev.line, a1, a2,
			    'A' + cur.cc / 26, 'A' + cur.cc % 26, a3, a4,
			    'A' + prev.cc / 26, 'A' + prev.cc % 26);
			memmove(&b->r[w], &b->r[i], (b->n - i) * sizeof(*b->r));
			b->n = w + (b->n - i);
			return -1;
		}
		prev = cur;
		if (w > 0 && b->r[w - 1].cc == cur.cc &&
		    !u128_is_max(b->r[w - 1].last) &&
		    u128_cmp(u128_inc(b->r[w - 1].last), cur.first) == 0) {
			b->r[w - 1].last = cur.last;
			continue;
		}
		b->r[w++] = cur;
	}
	b->n = w;
	return 0;
}

/* A fresh empty node; 0 when memory or the index space ran out. */
static uint32_t
node_new(struct geodb_build *b)
{
	struct gb_node *nn;

	if (b->nnode >= MAX_NODES)
		return 0;
	if (b->nnode == b->nodecap) {
		size_t cap = b->nodecap ? b->nodecap * 2 : 65536;

		if ((nn = reallocarray(b->node, cap, sizeof(*nn))) == NULL)
			return 0;
		b->node = nn;
		b->nodecap = cap;
	}
	b->node[b->nnode].c[0] = b->node[b->nnode].c[1] = 0;
	return (uint32_t)b->nnode++;
}

/* Gives every empty slot under node n the record rec. */
static int
tree_fill(struct geodb_build *b, uint32_t n, uint32_t rec)
{
	uint32_t c;
	int i;

	for (i = 0; i < 2; i++) {
		c = b->node[n].c[i];
		if (c == 0)
			b->node[n].c[i] = rec;
		else if ((c & REC_DATA) || tree_fill(b, c, rec))
			return -1;
	}
	return 0;
}

/*
 * Sets the slot for prefix a/len (len >= 1) to rec, creating nodes on the
 * way. A node already in that slot (the path to the IPv4 root) gets rec in
 * its empty slots instead. Returns -1 (with *oom) when memory ran out, or
 * -1 when the slot is taken, which disjoint input never causes.
 */
static int
tree_set(struct geodb_build *b, struct u128 a, unsigned len, uint32_t rec,
    int *oom)
{
	uint32_t n = 0, c;
	unsigned d, bit;

	for (d = 0;; d++) {
		bit = u128_bit(a, d);
		c = b->node[n].c[bit];
		if (d == len - 1)
			break;
		if (c == 0) {
			if ((c = node_new(b)) == 0) {
				*oom = 1;
				return -1;
			}
			b->node[n].c[bit] = c;
		} else if (c & REC_DATA)
			return -1;
		n = c;
	}
	if (c == 0) {
		b->node[n].c[bit] = rec;
		return 0;
	}
	if (c & REC_DATA)
		return -1;
	return tree_fill(b, c, rec);
}

/* Builds the search tree from the merged ranges. */
static int
tree_build(struct geodb_build *b, char *err, size_t errsize)
{
	static const struct {
		struct u128 a;
		unsigned len;
	} alias[] = {
		{ { 0, 0xffff00000000u }, 96 },	/* ::ffff:0:0/96 */
		{ { 0x2002000000000000u, 0 }, 16 },	/* 2002::/16 */
	};
	struct u128 f, end;
	uint32_t n, m, v4root;
	unsigned h, d;
	size_t i;
	int oom = 0, rc = -1;

	b->nnode = 0;
	b->networks = 0;
	/* node_new's 0 means failure except here: the root is node 0. */
	if (node_new(b) != 0 || b->nnode != 1) {
		oom = 1;
		goto done;
	}
	/*
	 * The IPv4 subtree root (96 zero bits down) must be a node of its
	 * own: the alias records point at it.
	 */
	for (n = 0, d = 0; d < 96; d++, n = m) {
		if ((m = node_new(b)) == 0) {
			oom = 1;
			goto done;
		}
		b->node[n].c[0] = m;
	}
	v4root = n;

	for (i = 0; i < b->n; i++) {
		f = b->r[i].first;
		/* The fewest CIDR networks: largest aligned block first. */
		for (;;) {
			for (h = u128_ctz(f);; h--) {
				end = u128_or(f, u128_lowmask(h));
				if (u128_cmp(end, b->r[i].last) <= 0)
					break;
			}
			if (h == 128)
				goto done;	/* ::/0: range_add cuts it */
			if (tree_set(b, f, 128 - h, REC_DATA | b->r[i].cc,
			    &oom))
				goto done;
			b->networks++;
			if (u128_cmp(end, b->r[i].last) == 0)
				break;
			f = u128_inc(end);
		}
	}
	/* Last, so that tree_fill never follows an alias into the v4 tree. */
	for (i = 0; i < sizeof(alias) / sizeof(alias[0]); i++) {
		n = 0;
		for (d = 0; d < alias[i].len - 1; d++) {
			unsigned bit = u128_bit(alias[i].a, d);

			if ((m = b->node[n].c[bit]) == 0) {
				if ((m = node_new(b)) == 0) {
					oom = 1;
					goto done;
				}
				b->node[n].c[bit] = m;
			} else if (m & REC_DATA)
				goto done;
			n = m;
		}
		d = u128_bit(alias[i].a, d);
		if (b->node[n].c[d] != 0)
			goto done;
		b->node[n].c[d] = v4root;
	}
	rc = 0;
done:
	if (rc != 0 && oom)
		seterr(err, errsize, "out of memory (or more than %u search "
		    "tree nodes)", MAX_NODES);
	else if (rc != 0)
		seterr(err, errsize, "internal error: networks collide in the "
		    "search tree");
	return rc;
}

static void
buf_put(struct gb_buf *o, const void *p, size_t n)
{
	uint8_t *np;

	if (o->oom)
		return;
	if (n > SIZE_MAX - o->n) {
		o->oom = 1;
		return;
	}
	if (o->n + n > o->cap) {
		size_t cap = o->cap ? o->cap : 256;

		while (cap < o->n + n)
			cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
		if ((np = realloc(o->p, cap)) == NULL) {
			o->oom = 1;
			return;
		}
		o->p = np;
		o->cap = cap;
	}
	memcpy(o->p + o->n, p, n);
	o->n += n;
}

/* MMDB data types used here (spec "Output Data Section"). */
enum {
	T_UTF8 = 2, T_UINT16 = 5, T_UINT32 = 6, T_MAP = 7, T_UINT64 = 9,
	T_ARRAY = 11
};

/* Control byte(s): type, and size (bytes, or entries of a map/array). */
static void
enc_ctrl(struct gb_buf *o, unsigned type, size_t size)
{
	uint8_t c[6];
	size_t k = 1, x;

	c[0] = (uint8_t)((type <= 7 ? type : 0) << 5);
	if (type > 7)
		c[k++] = (uint8_t)(type - 7);
	if (size < 29)
		c[0] |= (uint8_t)size;
	else if (size < 29 + 256) {
		c[0] |= 29;
		c[k++] = (uint8_t)(size - 29);
	} else if (size < 285 + 65536) {
		c[0] |= 30;
		x = size - 285;
		c[k++] = (uint8_t)(x >> 8);
		c[k++] = (uint8_t)x;
	} else {
		c[0] |= 31;
		x = size - 65821;
		c[k++] = (uint8_t)(x >> 16);
		c[k++] = (uint8_t)(x >> 8);
		c[k++] = (uint8_t)x;
	}
	buf_put(o, c, k);
}

static void
enc_str(struct gb_buf *o, const char *s)
{
	size_t n = strlen(s);

	enc_ctrl(o, T_UTF8, n);
	buf_put(o, s, n);
}

/* Unsigned integers are big-endian without leading zero bytes. */
static void
enc_uint(struct gb_buf *o, unsigned type, uint64_t v)
{
	uint8_t c[8];
	size_t k = 0;
	int i;

	for (i = 7; i >= 0; i--)
		if (k > 0 || (v >> (i * 8)) != 0)
			c[k++] = (uint8_t)(v >> (i * 8));
	enc_ctrl(o, type, k);
	buf_put(o, c, k);
}

static void
put_record(uint8_t *p, unsigned rs, uint32_t l, uint32_t r)
{
	switch (rs) {
	case 24:
		p[0] = (uint8_t)(l >> 16); p[1] = (uint8_t)(l >> 8);
		p[2] = (uint8_t)l;
		p[3] = (uint8_t)(r >> 16); p[4] = (uint8_t)(r >> 8);
		p[5] = (uint8_t)r;
		break;
	case 28:
		/* The middle byte holds the top nibble of each record. */
		p[0] = (uint8_t)(l >> 16); p[1] = (uint8_t)(l >> 8);
		p[2] = (uint8_t)l;
		p[3] = (uint8_t)(((l >> 24) & 0x0f) << 4 | ((r >> 24) & 0x0f));
		p[4] = (uint8_t)(r >> 16); p[5] = (uint8_t)(r >> 8);
		p[6] = (uint8_t)r;
		break;
	default:
		p[0] = (uint8_t)(l >> 24); p[1] = (uint8_t)(l >> 16);
		p[2] = (uint8_t)(l >> 8); p[3] = (uint8_t)l;
		p[4] = (uint8_t)(r >> 24); p[5] = (uint8_t)(r >> 16);
		p[6] = (uint8_t)(r >> 8); p[7] = (uint8_t)r;
		break;
	}
}

static int
write_all(int fd, const uint8_t *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Replaces path with the given bytes so that readers see the old file or
 * the whole new one, never a mix: temp file beside it, fsync, rename, fsync
 * of the directory. On failure the temp file is removed.
 */
static int
write_atomic(const char *path, const uint8_t *p1, size_t n1,
    const uint8_t *p2, size_t n2, char *err, size_t errsize)
{
	char *tmp = NULL, *dir = NULL;
	const char *slash;
	int fd = -1, dfd = -1, rc = -1, renamed = 0;

	if (asprintf(&tmp, "%s.XXXXXX", path) < 0) {
		tmp = NULL;
		seterr(err, errsize, "%s: out of memory", path);
		goto done;
	}
	if ((fd = mkstemp(tmp)) < 0) {
		seterr(err, errsize, "%s: cannot create temporary file: %s",
		    tmp, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto done;
	}
	/* A country database is public data; mkstemp's 0600 would hide it. */
	if (fchmod(fd, 0644) < 0 || write_all(fd, p1, n1) < 0 ||
	    write_all(fd, p2, n2) < 0 || fsync(fd) < 0) {
		seterr(err, errsize, "%s: %s", tmp, strerror(errno));
		goto done;
	}
	if (close(fd) < 0) {
		fd = -1;
		seterr(err, errsize, "%s: %s", tmp, strerror(errno));
		goto done;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		seterr(err, errsize, "%s: cannot rename %s: %s", path, tmp,
		    strerror(errno));
		goto done;
	}
	renamed = 1;
	if ((slash = strrchr(path, '/')) == NULL)
		dir = strdup(".");
	else
		dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));
	if (dir == NULL) {
		seterr(err, errsize, "%s: written, but out of memory to sync "
		    "its directory", path);
		goto done;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fsync(dfd) < 0) {
		seterr(err, errsize, "%s: written, but syncing directory %s "
		    "failed: %s", path, dir, strerror(errno));
		goto done;
	}
	rc = 0;
done:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	if (tmp != NULL && !renamed)
		unlink(tmp);
	free(tmp);
	free(dir);
	return rc;
}

int
geodb_build_write(struct geodb_build *b, const char *path,
    uint64_t build_epoch, char *err, size_t errsize)
{
	static const uint8_t marker[] = "\xab\xcd\xefMaxMind.com";
	static const uint8_t zero[DATA_SEP];
	struct gb_buf tail = { NULL, 0, 0, 0 };
	uint32_t off[NCODES];
	uint8_t *tree = NULL, used[NCODES];
	size_t i, datastart, datasize, nodebytes;
	uint64_t maxrec, v[2];
	unsigned rs, c;
	char cc[3];
	int rc = -1, j;

	memset(&b->st, 0, sizeof(b->st));
	if (ranges_merge(b, err, errsize) || tree_build(b, err, errsize))
		goto done;

	/* One record per code in use, in code order: output is repeatable. */
	memset(used, 0, sizeof(used));
	for (i = 0; i < b->n; i++)
		used[b->r[i].cc] = 1;
	buf_put(&tail, zero, sizeof(zero));
	datastart = tail.n;
	for (c = 0; c < NCODES; c++) {
		if (!used[c])
			continue;
		off[c] = (uint32_t)(tail.n - datastart);
		cc[0] = (char)('A' + c / 26);
		cc[1] = (char)('A' + c % 26);
		cc[2] = '\0';
		enc_ctrl(&tail, T_MAP, 1);
		enc_str(&tail, "country");
		enc_ctrl(&tail, T_MAP, 1);
		enc_str(&tail, "iso_code");
		enc_str(&tail, cc);
	}
	datasize = tail.n - datastart;

	/* Every record value, data pointers included, must fit. */
	maxrec = (uint64_t)b->nnode + DATA_SEP + datasize;
	if (maxrec < (1u << 24) && GEODB_BUILD_MIN_RECORD_SIZE <= 24)
		rs = 24;
	else if (maxrec < (1u << 28) && GEODB_BUILD_MIN_RECORD_SIZE <= 28)
		rs = 28;
	else if (maxrec <= UINT32_MAX)
		rs = 32;
	else {
		seterr(err, errsize, "%s: %zu search tree nodes are too many "
		    "for a 32-bit record", path, b->nnode);
		goto done;
	}
	nodebytes = rs / 4;
	if (b->nnode > SIZE_MAX / nodebytes ||
	    (tree = malloc(b->nnode * nodebytes)) == NULL) {
		seterr(err, errsize, "%s: out of memory", path);
		goto done;
	}
	for (i = 0; i < b->nnode; i++) {
		for (j = 0; j < 2; j++) {
			uint32_t s = b->node[i].c[j];

			if (s == 0)
				v[j] = b->nnode;	/* not found */
			else if (s & REC_DATA)
				v[j] = b->nnode + DATA_SEP +
				    off[s & ~REC_DATA];
			else
				v[j] = s;
		}
		put_record(tree + i * nodebytes, rs, (uint32_t)v[0],
		    (uint32_t)v[1]);
	}

	if (build_epoch == 0)
		build_epoch = (uint64_t)time(NULL);
	buf_put(&tail, marker, sizeof(marker) - 1);
	enc_ctrl(&tail, T_MAP, 9);
	enc_str(&tail, "binary_format_major_version");
	enc_uint(&tail, T_UINT16, 2);
	enc_str(&tail, "binary_format_minor_version");
	enc_uint(&tail, T_UINT16, 0);
	enc_str(&tail, "build_epoch");
	enc_uint(&tail, T_UINT64, build_epoch);
	enc_str(&tail, "database_type");
	enc_str(&tail, "eeaguard-Country");
	enc_str(&tail, "description");
	enc_ctrl(&tail, T_MAP, 1);
	enc_str(&tail, "en");
	enc_str(&tail, "eeaguard country database");
	enc_str(&tail, "ip_version");
	enc_uint(&tail, T_UINT16, 6);
	enc_str(&tail, "languages");
	enc_ctrl(&tail, T_ARRAY, 1);
	enc_str(&tail, "en");
	enc_str(&tail, "node_count");
	enc_uint(&tail, T_UINT32, b->nnode);
	enc_str(&tail, "record_size");
	enc_uint(&tail, T_UINT16, rs);
	if (tail.oom) {
		seterr(err, errsize, "%s: out of memory", path);
		goto done;
	}

	if (write_atomic(path, tree, b->nnode * nodebytes, tail.p, tail.n,
	    err, errsize))
		goto done;
	b->st.ranges_merged = b->n;
	b->st.networks = b->networks;
	b->st.nodes = b->nnode;
	b->st.record_size = rs;
	b->st.bytes = b->nnode * nodebytes + tail.n;
	rc = 0;
done:
	free(tree);
	free(tail.p);
	return rc;
}

void
geodb_build_get_stats(const struct geodb_build *b,
    struct geodb_build_stats *st)
{
	*st = b->st;
	st->ranges_in = b->ranges_in;
	st->aliased_skipped = b->aliased;
}
