/* DNS responses (RFC 1035, RFC 3596 AAAA, RFC 2181): the addresses an answer gives for its question. */
/*
 * A DNS message is an arbitrary sequence of octets from the network, and
 * what we learn from it decides which consent a later connection falls
 * under. So every field is read through the dns_* helpers below, which
 * refuse to look past the message, and nothing in it is trusted:
 *
 * - Only the answer section counts, and in it only A/AAAA records of class
 *   IN whose owner is the question's name or a name the answer's CNAME chain
 *   leads to from it. Everything else (records for other names, other types,
 *   the authority and additional sections) is counted in `skipped`: a
 *   response cannot attach a name to an address for a name never asked.
 * - The CNAME chain may come in any order. The first pass over the message
 *   validates all of it and collects the answer's CNAMEs (a bounded array);
 *   the chain is then walked from the question's name (at most
 *   DNS_CHAIN_MAX hops, stopping at a loop); a second pass over the answer
 *   section takes the addresses. The TTL of an address is the smallest along
 *   its chain; a TTL with the top bit set counts as 0 (RFC 2181 section 8).
 * - Names are decoded lower case, without the trailing dot. Compression
 *   pointers must point into the message body (not the header) and strictly
 *   before the start of the run of labels that holds them, as RFC 1035
 *   4.1.4 means them ("a prior occurrence"): each jump goes backwards, so
 *   pointer loops cannot happen, and DNS_PTR_HOPS bounds the work. A forward
 *   or self pointer, a pointer outside the message, the reserved label types
 *   01 and 10 (RFC 6891 retired 0x40), a label over 63 octets or a name over
 *   253 characters make the whole message DNS_BAD.
 * - RFC 2181 section 11 allows any octet in a label, so a name with a byte
 *   outside printable ASCII (0x21-0x7e), or a '.' inside a label, is well
 *   formed but not a hostname we can print and match ("a.b" as one label
 *   would read as two). Such a record is skipped and counted; such a question
 *   name gives DNS_NONE with an empty qname.
 * - A message whose counts promise more records than its bytes hold is
 *   truncated: DNS_BAD. With the TC bit set the sender said it cut the
 *   message short, so the records that are complete are used and the rest
 *   ignored (RFC 2181 section 9). A huge count simply runs into the end of
 *   the message: each record takes at least 11 octets.
 * - Structure is checked in full, also in the sections whose contents we
 *   ignore (every owner name, every record boundary; RDATA is interpreted
 *   only for CNAME, A and AAAA): a message we would misread is not learned
 *   from. That is stricter than some resolvers (glibc follows pointers into
 *   the header): such a message teaches nothing, which fails closed.
 * - An error RCODE, also one extended by an EDNS OPT record (RFC 6891),
 *   gives DNS_NONE.
 *
 * Nothing is allocated; the working set (CNAMEs, the chain) lives on the
 * stack, about 17 KB.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "agent/dns.h"

#define DNS_HDR_LEN	12
#define DNS_MSG_MAX	65535	/* the largest message TCP can carry */
#define DNS_NAMELEN_MAX	(DNS_NAME_MAX - 1)	/* 253 characters */
#define DNS_PTR_HOPS	32	/* compression pointers followed per name */
#define DNS_CHAIN_MAX	16	/* CNAME hops followed from the question */
#define DNS_CNAME_MAX	32	/* CNAME records kept from one answer */

#define DNS_FLAG_QR	0x8000
#define DNS_FLAG_TC	0x0200
#define DNS_OPCODE(f)	(((f) >> 11) & 0x0f)
#define DNS_RCODE(f)	((f) & 0x0f)

#define DNS_TYPE_A	1
#define DNS_TYPE_CNAME	5
#define DNS_TYPE_AAAA	28
#define DNS_TYPE_OPT	41
#define DNS_CLASS_IN	1

/* What reading a part of the message gave. */
enum dns_rd {
	DNS_RD_OK = 0,
	DNS_RD_TRUNC = -1,	/* ran out of message */
	DNS_RD_BAD = -2,	/* malformed */
};

struct dns_msg {
	const uint8_t *p;
	size_t len;
};

/* A resource record's fixed part and where its pieces are. */
struct dns_rr {
	uint16_t type;
	uint16_t class;
	uint32_t ttl;		/* as sent: see dns_ttl */
	size_t rdata;		/* offset of the RDATA */
	uint16_t rdlen;
	size_t end;		/* offset after the record */
};

struct dns_cname {
	char owner[DNS_NAME_MAX];
	char target[DNS_NAME_MAX];
	uint32_t ttl;
	int used;		/* a link of the chain from the question */
};

/* One name the chain reaches, and the smallest TTL on the way there. */
struct dns_link {
	const char *name;
	uint32_t ttl;
};

/*
 * Octet -> the character a hostname stores for it (lower case), or 0 when a
 * hostname may not hold it: outside 0x21-0x7e, or a '.' inside a label.
 * 0x80-0xff are all 0.
 */
static const uint8_t dns_hostchar[256] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27,
	0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x00, 0x2f,
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
	0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
	0x40, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,
	0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
	0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,
	0x78, 0x79, 0x7a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
	0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,
	0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
	0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,
	0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x00,
};

/* True when n bytes at off lie within the message. */
static inline int
dns_has(const struct dns_msg *m, size_t off, size_t n)
{
	return off <= m->len && m->len - off >= n;
}

static inline int
dns_be16(const struct dns_msg *m, size_t off, uint16_t *v)
{
	if (!dns_has(m, off, 2))
		return 0;
	*v = (uint16_t)(m->p[off] << 8 | m->p[off + 1]);
	return 1;
}

static inline uint32_t
dns_min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/*
 * Domain names (RFC 1035 3.1, 4.1.4)
 *
 *   a sequence of labels, each a length octet and that many octets, ending
 *   in the zero-length root label or in a compression pointer:
 *
 *     0 0 | length (1-63) |  label octets ...
 *     1 1 |            offset (14 bits)         |   pointer
 *     0 1 / 1 0                                     reserved: malformed
 *
 * Reads the name at off into out, or only checks it when out is NULL.
 * limit bounds the name's own octets up to its first pointer: the message
 * length, or the end of the RDATA that holds the name (running past it is
 * then the caller's DNS_RD_BAD). *next is the offset after those octets.
 * *usable is cleared when a label holds an octet that is not part of a
 * hostname we can print and match; out is then no name to use (such octets
 * are stored as NUL), though still NUL-terminated. The result depends on
 * off alone, so
 * a caller may reuse it for another pointer to the same offset.
 */
static enum dns_rd
dns_name(const struct dns_msg *m, size_t off, size_t limit,
    char *out, size_t *next, int *usable)
{
	size_t pos = off, run = off, n = 0, target, i;
	unsigned hops = 0, bad = 0;
	int jumped = 0;
	uint8_t c;

	if (out != NULL)
		out[0] = '\0';
	for (;;) {
		if (pos >= limit)
			return jumped ? DNS_RD_BAD : DNS_RD_TRUNC;
		c = m->p[pos];
		if ((c & 0xc0) == 0xc0) {
			if (limit - pos < 2)
				return jumped ? DNS_RD_BAD : DNS_RD_TRUNC;
			target = (size_t)(c & 0x3f) << 8 | m->p[pos + 1];
			if (!jumped)
				*next = pos + 2;
			/* Backwards only, so every jump lands on fresh bytes. */
			if (target < DNS_HDR_LEN || target >= run ||
			    ++hops > DNS_PTR_HOPS)
				return DNS_RD_BAD;
			pos = run = target;
			limit = m->len;
			jumped = 1;
			continue;
		}
		if (c & 0xc0)
			return DNS_RD_BAD;	/* reserved label type */
		if (c == 0)
			break;
		if (limit - pos - 1 < c)
			return jumped ? DNS_RD_BAD : DNS_RD_TRUNC;
		/* c <= 63 here; the name with its dots stays <= 253. */
		if (n + (n > 0) + c > DNS_NAMELEN_MAX)
			return DNS_RD_BAD;
		if (out == NULL) {
			n += (n > 0) + (size_t)c;
		} else {
			if (n > 0)
				out[n++] = '.';
			/* Locals, so the stores (char) cannot alias them. */
			const uint8_t *src = m->p + pos + 1;
			char *dst = out + n;

			for (i = 0; i < c; i++) {
				uint8_t h = dns_hostchar[src[i]];

				bad |= h == 0;
				dst[i] = (char)h;
			}
			n += c;
			out[n] = '\0';
		}
		pos += 1 + (size_t)c;
	}
	if (!jumped)
		*next = pos + 1;
	if (out != NULL)
		out[n] = '\0';
	if (usable != NULL)
		*usable = !bad;
	return DNS_RD_OK;
}

/*
 * The offset after the name at off, without decoding it: for a second pass
 * over names the first pass has already checked.
 */
static enum dns_rd
dns_name_skip(const struct dns_msg *m, size_t off, size_t *next)
{
	unsigned labels;
	uint8_t c;

	for (labels = 0; labels <= DNS_NAMELEN_MAX; labels++) {
		if (!dns_has(m, off, 1))
			return DNS_RD_TRUNC;
		c = m->p[off];
		if ((c & 0xc0) == 0xc0) {
			if (!dns_has(m, off, 2))
				return DNS_RD_TRUNC;
			*next = off + 2;
			return DNS_RD_OK;
		}
		if (c & 0xc0)
			return DNS_RD_BAD;
		if (c == 0) {
			*next = off + 1;
			return DNS_RD_OK;
		}
		off += 1 + (size_t)c;
	}
	return DNS_RD_BAD;
}

/*
 * Resource record (RFC 1035 4.1.3)
 *
 *                                   1  1  1  1  1  1
 *     0  1  2  3  4  5  6  7  8  9  0  1  2  3  4  5
 *   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *   /                      NAME                     /
 *   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *   |                      TYPE                     |
 *   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *   |                     CLASS                     |
 *   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *   |                      TTL                      |
 *   |                                               |
 *   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *   |                   RDLENGTH                    |
 *   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *   /                     RDATA                     /
 *   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *
 * Reads the record at off whose NAME ends at name_end.
 */
static enum dns_rd
dns_rr_fixed(const struct dns_msg *m, size_t name_end, struct dns_rr *rr)
{
	const uint8_t *f;

	if (!dns_has(m, name_end, 10))
		return DNS_RD_TRUNC;
	f = m->p + name_end;
	rr->type = (uint16_t)(f[0] << 8 | f[1]);
	rr->class = (uint16_t)(f[2] << 8 | f[3]);
	rr->ttl = (uint32_t)f[4] << 24 | (uint32_t)f[5] << 16 |
	    (uint32_t)f[6] << 8 | f[7];
	rr->rdlen = (uint16_t)(f[8] << 8 | f[9]);
	rr->rdata = name_end + 10;
	if (!dns_has(m, rr->rdata, rr->rdlen))
		return DNS_RD_TRUNC;
	rr->end = rr->rdata + rr->rdlen;
	return DNS_RD_OK;
}

/* A record's TTL in seconds: one with the top bit set is 0 (RFC 2181 8). */
static inline uint32_t
dns_ttl(const struct dns_rr *rr)
{
	return rr->ttl & 0x80000000u ? 0 : rr->ttl;
}

/* The index of name in the chain, or -1. */
static int
dns_chain_find(const struct dns_link *chain, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(chain[i].name, name) == 0)
			return (int)i;
	return -1;
}

/*
 * Walks the CNAME chain from the question's name; chain[0] is the question.
 * A second CNAME for the same owner (RFC 2181 10.1 forbids it) is not
 * followed. Returns the number of names on the chain.
 */
static size_t
dns_chain(const char *qname, struct dns_cname *cn, size_t n_cn,
    struct dns_link chain[DNS_CHAIN_MAX + 1])
{
	size_t n = 1, j;

	chain[0].name = qname;
	chain[0].ttl = UINT32_MAX;
	while (n <= DNS_CHAIN_MAX) {
		for (j = 0; j < n_cn; j++)
			if (!cn[j].used &&
			    strcmp(cn[j].owner, chain[n - 1].name) == 0)
				break;
		if (j == n_cn)
			break;
		cn[j].used = 1;
		if (dns_chain_find(chain, n, cn[j].target) >= 0)
			break;		/* a loop: every name on it is known */
		chain[n].name = cn[j].target;
		chain[n].ttl = dns_min_u32(chain[n - 1].ttl, cn[j].ttl);
		n++;
	}
	return n;
}

/* Adds an address, or lowers the TTL of the same address already taken. */
static int
dns_add_addr(struct dns_answer *out, const struct ipaddr *a, uint32_t ttl)
{
	size_t i;

	for (i = 0; i < out->n_addrs; i++) {
		if (ipaddr_equal(&out->addrs[i].addr, a)) {
			out->addrs[i].ttl = dns_min_u32(out->addrs[i].ttl, ttl);
			return 1;
		}
	}
	if (out->n_addrs == DNS_MAX_ADDRS)
		return 0;
	out->addrs[out->n_addrs].addr = *a;
	out->addrs[out->n_addrs].ttl = ttl;
	out->n_addrs++;
	return 1;
}

/*
 * Header (RFC 1035 4.1.1)
 *
 *                                   1  1  1  1  1  1
 *     0  1  2  3  4  5  6  7  8  9  0  1  2  3  4  5
 *   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *   |                      ID                       |
 *   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *   |QR|   Opcode  |AA|TC|RD|RA|   Z    |   RCODE   |
 *   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *   |                    QDCOUNT                    |
 *   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *   |                    ANCOUNT                    |
 *   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *   |                    NSCOUNT                    |
 *   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *   |                    ARCOUNT                    |
 *   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *
 * Question (RFC 1035 4.1.2): QNAME, then QTYPE and QCLASS (16 bits each).
 *
 * Only a response (QR 1) to a standard query (opcode 0) without error
 * (RCODE 0, and no extended RCODE in an EDNS OPT record) and with exactly
 * one question teaches anything.
 */
enum dns_status
dns_parse_response(const uint8_t *msg, size_t len, struct dns_answer *out)
{
	struct dns_msg m = { msg, len };
	struct dns_cname cn[DNS_CNAME_MAX];
	struct dns_link chain[DNS_CHAIN_MAX + 1];
	char owner[DNS_NAME_MAX];
	uint16_t flags, qd, count[3], ptr;
	size_t off, an_off, n_cn = 0, n_cname_rr = 0, n_used = 0, n_an = 0;
	size_t n_chain, owner_at, valid_at, i, j;
	int tc, sec, usable, owner_ok, target_ok, ext_rcode = 0, k = -1;
	enum dns_rd r;
	struct dns_rr rr;

	out->qname[0] = '\0';
	out->n_addrs = 0;
	out->skipped = 0;

	if (len < DNS_HDR_LEN || len > DNS_MSG_MAX)
		return DNS_BAD;
	if (!dns_be16(&m, 2, &flags) || !dns_be16(&m, 4, &qd) ||
	    !dns_be16(&m, 6, &count[0]) || !dns_be16(&m, 8, &count[1]) ||
	    !dns_be16(&m, 10, &count[2]))
		return DNS_BAD;
	if (!(flags & DNS_FLAG_QR) || DNS_OPCODE(flags) != 0 ||
	    DNS_RCODE(flags) != 0 || qd != 1)
		return DNS_NONE;
	tc = (flags & DNS_FLAG_TC) != 0;

	/* The question: QTYPE and QCLASS only need to be there. */
	if (dns_name(&m, DNS_HDR_LEN, len, out->qname, &off, &usable) !=
	    DNS_RD_OK || !dns_has(&m, off, 4))
		goto bad;
	if (!usable)
		out->qname[0] = '\0';	/* not a hostname: nothing to learn */
	off += 4;
	an_off = off;

	/*
	 * First pass: the structure of every section, and the CNAMEs. Names
	 * are only checked here, and decoded where a CNAME needs them. Most
	 * owners are a lone pointer to the question or to the previous
	 * owner's target: checked once (valid_at), as the result of a name
	 * depends only on where it starts.
	 */
	valid_at = DNS_HDR_LEN;
	for (sec = 0; sec < 3; sec++) {
		for (i = 0; i < count[sec]; i++) {
			size_t name_off = off;
			int lone = dns_be16(&m, off, &ptr) &&
			    (ptr & 0xc000) == 0xc000;

			if (lone && (size_t)(ptr & 0x3fff) == valid_at) {
				off += 2;
				r = DNS_RD_OK;
			} else {
				r = dns_name(&m, off, len, NULL, &off, NULL);
				if (r == DNS_RD_OK && lone)
					valid_at = ptr & 0x3fff;
			}
			if (r == DNS_RD_OK)
				r = dns_rr_fixed(&m, off, &rr);
			if (r == DNS_RD_TRUNC && tc)
				goto parsed;	/* what was cut is ignored */
			if (r != DNS_RD_OK)
				goto bad;
			off = rr.end;
			if (sec != 0) {
				/* EDNS (RFC 6891 6.1.3): the OPT TTL's top octet
				 * extends RCODE; an error there is an error. */
				if (sec == 2 && rr.type == DNS_TYPE_OPT &&
				    (rr.ttl >> 24) != 0)
					ext_rcode = 1;
				out->skipped++;
				continue;
			}
			n_an++;
			if (rr.type != DNS_TYPE_CNAME || rr.class != DNS_CLASS_IN)
				continue;
			n_cname_rr++;
			/* RDATA is exactly one name (RFC 1035 3.3.1). */
			if (dns_name(&m, rr.rdata, rr.end, NULL, &j, NULL) !=
			    DNS_RD_OK || j != rr.end)
				goto bad;
			if (n_cn == DNS_CNAME_MAX)
				continue;	/* counted in skipped below */
			if (dns_name(&m, name_off, len, cn[n_cn].owner, &j,
			    &owner_ok) != DNS_RD_OK ||
			    dns_name(&m, rr.rdata, rr.end, cn[n_cn].target, &j,
			    &target_ok) != DNS_RD_OK)
				goto bad;	/* cannot happen: checked above */
			if (owner_ok && target_ok) {
				cn[n_cn].ttl = dns_ttl(&rr);
				cn[n_cn].used = 0;
				n_cn++;
			}
		}
	}
parsed:
	if (ext_rcode) {
		out->skipped += n_an;
		return DNS_NONE;
	}
	if (out->qname[0] == '\0') {
		out->skipped += n_an;
		return DNS_NONE;
	}

	n_chain = dns_chain(out->qname, cn, n_cn, chain);
	for (j = 0; j < n_cn; j++)
		n_used += (size_t)cn[j].used;
	out->skipped += n_cname_rr - n_used;

	/*
	 * Second pass over the answers the first found whole: the addresses.
	 * The owners of an RRset are usually pointers to one name: decoded
	 * once (owner_at is the offset the last owner was decoded from).
	 */
	off = an_off;
	owner_at = 0;
	for (i = 0; i < n_an; i++) {
		size_t name_off = off, at, alen;
		struct ipaddr a;

		if (dns_name_skip(&m, off, &off) != DNS_RD_OK ||
		    dns_rr_fixed(&m, off, &rr) != DNS_RD_OK)
			goto bad;	/* cannot happen: the first pass read it */
		off = rr.end;
		if (rr.type == DNS_TYPE_CNAME && rr.class == DNS_CLASS_IN)
			continue;	/* counted above */
		alen = rr.type == DNS_TYPE_A ? 4 :
		    rr.type == DNS_TYPE_AAAA ? 16 : 0;
		if (alen == 0 || rr.class != DNS_CLASS_IN || rr.rdlen != alen) {
			out->skipped++;
			continue;
		}
		/* A lone pointer names what its target names. */
		at = name_off;
		if (dns_be16(&m, at, &ptr) && (ptr & 0xc000) == 0xc000)
			at = ptr & 0x3fff;
		if (at != owner_at) {
			if (dns_name(&m, at, len, owner, &j, &owner_ok) !=
			    DNS_RD_OK)
				goto bad;	/* cannot happen either */
			k = owner_ok ? dns_chain_find(chain, n_chain, owner) : -1;
			owner_at = at;
		}
		if (k < 0) {
			out->skipped++;		/* another name's address */
			continue;
		}
		if (alen == 4)
			ipaddr_from_v4(&a, msg + rr.rdata);
		else
			ipaddr_from_v6(&a, msg + rr.rdata);
		if (!dns_add_addr(out, &a, dns_min_u32(chain[k].ttl,
		    dns_ttl(&rr))))
			out->skipped++;		/* beyond DNS_MAX_ADDRS */
	}
	return out->n_addrs > 0 ? DNS_OK : DNS_NONE;

bad:
	out->qname[0] = '\0';
	out->n_addrs = 0;
	return DNS_BAD;
}
