/* Hostnames in a flow's first bytes: TLS ClientHello SNI (RFC 6066) and HTTP/1.x Host (RFC 9112). */
/*
 * Every payload is an arbitrary sequence of octets, written by a process we
 * do not trust. Fields are read through the hn_* helpers, which refuse to
 * look past the bytes we may read; a refused read ends in the parser's
 * single trunc: exit (HOSTNAME_NOT). Nothing is allocated, nothing outside
 * data + len is read, and name is written only within DNS_NAME_MAX bytes.
 * On any result other than HOSTNAME_FOUND, name is the empty string.
 *
 * Two bounds apply to every structure: what was captured (we may read it)
 * and what the enclosing length field claims (we may believe it). A length
 * that overruns its container is malformed; a read past the capture means
 * the packet was cut short. Both give HOSTNAME_NOT. HOSTNAME_NONE needs
 * the lengths we read to show there is no name: they may be believed up
 * to their end without the bytes after them.
 *
 * Names are taken as the peer sent them, lower-cased, with one trailing dot
 * removed, and must pass hostname_valid(); IP literals and anything else
 * give HOSTNAME_NONE. A name says what the client claims, not where the
 * packet goes: callers must not trust it further than that.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "agent/hostname.h"

#define HN_NAME_LEN	(DNS_NAME_MAX - 1)	/* 253 */
#define HN_LABEL_LEN	63

/* Bytes we may read: p[0 .. cap). */
struct hn_span {
	const uint8_t *p;
	size_t cap;
};

/* True when n bytes at off lie within the readable bytes. */
static inline int
hn_has(const struct hn_span *s, size_t off, size_t n)
{
	return off <= s->cap && s->cap - off >= n;
}

/* True when n bytes at off end at or before end (a claimed length). */
static inline int
hn_fits(size_t off, size_t n, size_t end)
{
	return off <= end && end - off >= n;
}

static inline int
hn_u8(const struct hn_span *s, size_t off, uint8_t *v)
{
	if (!hn_has(s, off, 1))
		return 0;
	*v = s->p[off];
	return 1;
}

static inline int
hn_be16(const struct hn_span *s, size_t off, uint16_t *v)
{
	if (!hn_has(s, off, 2))
		return 0;
	*v = (uint16_t)(s->p[off] << 8 | s->p[off + 1]);
	return 1;
}

static inline int
hn_be24(const struct hn_span *s, size_t off, uint32_t *v)
{
	if (!hn_has(s, off, 3))
		return 0;
	*v = (uint32_t)s->p[off] << 16 | (uint32_t)s->p[off + 1] << 8 |
	    s->p[off + 2];
	return 1;
}

/* A span of the n bytes at off, cut to what is readable; off <= s->cap. */
static inline struct hn_span
hn_sub(const struct hn_span *s, size_t off, size_t n)
{
	struct hn_span r = { s->p + off, s->cap - off };

	if (r.cap > n)
		r.cap = n;
	return r;
}

/*
 * Hostname syntax (RFC 1123 section 2.1, RFC 952): dot-separated labels of
 * 1-63 characters [a-z0-9-_], none starting or ending with '-', 253
 * characters in all. '_' is not in RFC 952 but real names carry it (SRV
 * owners, some CDN hosts) and TLS clients send them. Upper case is refused:
 * callers hold names lower-cased.
 *
 * A name whose last label is all digits, or "0x" and hex digits, is an IPv4
 * literal to inet_aton() and to browsers (the WHATWG URL "ends in a number"
 * rule: 1.2.3.4, but also 10.1, 0x7f.1, 3232235777), and no top-level
 * domain is numeric (RFC 3696 section 2): such names are refused.
 */
static int
hn_valid_n(const char *s, size_t n)
{
	size_t i, label = 0, last = 0;
	int digits = 1, hex;
	char c;

	if (n == 0 || n > HN_NAME_LEN)
		return 0;
	for (i = 0; i <= n; i++) {
		c = i < n ? s[i] : '.';
		if (c == '.') {
			if (label == 0 || label > HN_LABEL_LEN ||
			    s[i - 1] == '-')
				return 0;
			last = i - label;
			label = 0;
			continue;
		}
		if (label == 0) {
			if (c == '-')
				return 0;
			digits = 1;
		}
		if (c >= '0' && c <= '9') {
			/* stays all digits */
		} else if ((c >= 'a' && c <= 'z') || c == '-' || c == '_') {
			digits = 0;
		} else {
			return 0;
		}
		label++;
	}
	if (digits)
		return 0;
	/* Last label "0x[0-9a-f]*". */
	if (n - last >= 2 && s[last] == '0' && s[last + 1] == 'x') {
		hex = 1;
		for (i = last + 2; i < n; i++)
			if (!((s[i] >= '0' && s[i] <= '9') ||
			    (s[i] >= 'a' && s[i] <= 'f')))
				hex = 0;
		if (hex)
			return 0;
	}
	return 1;
}

int
hostname_valid(const char *s)
{
	size_t n = 0;

	if (s == NULL)
		return 0;
	while (n <= HN_NAME_LEN && s[n] != '\0')
		n++;
	return hn_valid_n(s, n);
}

/*
 * Copies the n bytes at s into name lower-cased, without one trailing dot,
 * and keeps them when they form a valid hostname. Bytes are not text yet:
 * a NUL, a space or a byte >= 0x80 makes the name invalid, never shorter.
 */
static enum hostname_status
hn_take(const uint8_t *s, size_t n, char name[DNS_NAME_MAX])
{
	size_t i;
	uint8_t c;

	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0 || n > HN_NAME_LEN)
		goto none;
	for (i = 0; i < n; i++) {
		c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c - 'A' + 'a');
		name[i] = (char)c;
	}
	name[n] = '\0';
	if (hn_valid_n(name, n))
		return HOSTNAME_FOUND;
none:
	name[0] = '\0';
	return HOSTNAME_NONE;
}

/*
 * TLS record (RFC 8446 section 5.1, RFC 5246 section 6.2.1)
 *
 *   +--------+--------+--------+--------+--------+
 *   |  type  |  legacy_version |     length      |
 *   |  = 22  |  0x0300-0x0304  |   <= 2^14       |
 *   +--------+--------+--------+--------+--------+
 *
 * Handshake header and ClientHello (RFC 8446 section 4.1.2, RFC 5246
 * section 7.4.1.2)
 *
 *   +--------+--------+--------+--------+
 *   | type=1 |       length (24 bits)   |
 *   +--------+--------+--------+--------+
 *   | client_version  |  random (32 bytes) ...
 *   +--------+--------+--------+--------+
 *   | sid_len| session_id (0..32) ...
 *   +--------+--------+--------+
 *   | cs_len (even,>=2)| cipher_suites ...
 *   +--------+--------+--------+
 *   | cm_len | compression_methods (>= 1) ...
 *   +--------+--------+--------+
 *   |  ext_len        | extensions ...      (absent: no extensions at all)
 *   +--------+--------+--------+
 *
 * Extension (RFC 8446 section 4.2)
 *
 *   +--------+--------+--------+--------+--------+---
 *   |  extension_type |  length         | data ...
 *   +--------+--------+--------+--------+--------+---
 *
 * server_name extension data, type 0 (RFC 6066 section 3)
 *
 *   +--------+--------+--------+--------+--------+---
 *   |  list_len       |name_typ|  name_len       | host_name ...
 *   +--------+--------+--------+--------+--------+---
 *   (more entries: name_type 0 is host_name; any other type carries a
 *    2-byte length too, as RFC 6066 requires of future types)
 *
 * Versions: the record's legacy_version may be any {3,x} a client chose
 * to reach old servers (RFC 5246 appendix E.1), 0x0300 among them, so
 * SSL 3.0 is accepted in the record and in client_version alike: it has
 * the same layout. SSLv2-compatible hellos (RFC 5246 appendix
 * E.2, first byte >= 0x80) carry no extensions and are not this.
 *
 * Only the first record is read. A ClientHello larger than one record or
 * one segment (post-quantum key shares make them 1.5 KB and more) is read
 * as far as it goes: the name counts when its bytes are there. Extension
 * order is the client's (Chrome shuffles it), so which case that is varies.
 *
 * Encrypted Client Hello (draft-ietf-tls-esni): the server_name read here
 * is then the client-facing server's public name, not the backend's.
 */
#define TLS_CONTENT_HANDSHAKE	22
#define TLS_RECORD_MAX		16384	/* 2^14: TLSPlaintext.length */
#define TLS_HS_CLIENT_HELLO	1
#define TLS_RANDOM_LEN		32
#define TLS_SESSION_ID_MAX	32
#define TLS_EXT_SERVER_NAME	0
#define TLS_SNI_HOST_NAME	0

static inline int
tls_version_ok(uint16_t v)
{
	return v >= 0x0300 && v <= 0x0304;
}

/*
 * The server_name extension data: the span holds its readable bytes,
 * dlen is its claimed length. The first host_name entry is the name
 * (RFC 6066 allows one per type).
 */
static enum hostname_status
tls_server_name(const struct hn_span *d, size_t dlen, char name[DNS_NAME_MAX])
{
	size_t off, end;
	uint16_t list_len, nlen;
	uint8_t type;

	if (dlen < 2)
		return HOSTNAME_NOT;
	if (!hn_be16(d, 0, &list_len))
		return HOSTNAME_NOT;
	if (list_len == 0 || (size_t)list_len != dlen - 2)
		return HOSTNAME_NOT;
	end = dlen;
	for (off = 2; off < end; off += 3 + (size_t)nlen) {
		if (!hn_fits(off, 3, end))
			return HOSTNAME_NOT;
		if (!hn_u8(d, off, &type) || !hn_be16(d, off + 1, &nlen))
			return HOSTNAME_NOT;
		if (!hn_fits(off + 3, nlen, end))
			return HOSTNAME_NOT;
		if (type != TLS_SNI_HOST_NAME)
			continue;
		if (nlen == 0 || !hn_has(d, off + 3, nlen))
			return HOSTNAME_NOT;	/* empty, or cut short */
		return hn_take(d->p + off + 3, nlen, name);
	}
	name[0] = '\0';
	return HOSTNAME_NONE;
}

enum hostname_status
hostname_tls_sni(const uint8_t *data, size_t len, char name[DNS_NAME_MAX])
{
	struct hn_span pkt = { data, len }, rec, msg, ext;
	size_t off, msg_end, ext_end;
	uint32_t hs_len;
	uint16_t version, rec_len, cs_len, ext_len, etype, elen;
	uint8_t u8, sid_len, cm_len;
	enum hostname_status st;

	name[0] = '\0';
	if (data == NULL)
		goto trunc;

	/* Record header. */
	if (!hn_u8(&pkt, 0, &u8) || u8 != TLS_CONTENT_HANDSHAKE)
		goto trunc;
	if (!hn_be16(&pkt, 1, &version) || !tls_version_ok(version))
		goto trunc;
	if (!hn_be16(&pkt, 3, &rec_len) || rec_len > TLS_RECORD_MAX)
		goto trunc;
	rec = hn_sub(&pkt, 5, rec_len);

	/* Handshake header: the message may go on in later records. */
	if (!hn_u8(&rec, 0, &u8) || u8 != TLS_HS_CLIENT_HELLO)
		goto trunc;
	if (!hn_be24(&rec, 1, &hs_len))
		goto trunc;
	msg_end = hs_len;
	msg = hn_sub(&rec, 4, msg_end);

	/* client_version, random. */
	if (!hn_be16(&msg, 0, &version) || !tls_version_ok(version))
		goto trunc;
	off = 2 + TLS_RANDOM_LEN;

	/* session_id */
	if (!hn_u8(&msg, off, &sid_len) || sid_len > TLS_SESSION_ID_MAX)
		goto trunc;
	off += 1;
	if (!hn_fits(off, sid_len, msg_end))
		goto trunc;
	off += sid_len;

	/* cipher_suites */
	if (!hn_be16(&msg, off, &cs_len) || cs_len < 2 || cs_len % 2 != 0)
		goto trunc;
	off += 2;
	if (!hn_fits(off, cs_len, msg_end))
		goto trunc;
	off += cs_len;

	/* compression_methods */
	if (!hn_u8(&msg, off, &cm_len) || cm_len < 1)
		goto trunc;
	off += 1;
	if (!hn_fits(off, cm_len, msg_end))
		goto trunc;
	off += cm_len;

	/* extensions: absent when the message ends here. */
	if (off == msg_end)
		return HOSTNAME_NONE;
	if (!hn_be16(&msg, off, &ext_len))
		goto trunc;
	off += 2;
	if (!hn_fits(off, ext_len, msg_end) || off + ext_len != msg_end)
		goto trunc;	/* overruns the message, or trailing bytes */
	ext_end = off + ext_len;

	while (off < ext_end) {
		if (!hn_fits(off, 4, ext_end))
			goto trunc;
		if (!hn_be16(&msg, off, &etype) ||
		    !hn_be16(&msg, off + 2, &elen))
			goto trunc;
		off += 4;
		if (!hn_fits(off, elen, ext_end))
			goto trunc;
		/* Anything else, GREASE (0x?a?a) included, is skipped. */
		if (etype == TLS_EXT_SERVER_NAME) {
			ext = hn_sub(&msg, off, elen);
			st = tls_server_name(&ext, elen, name);
			if (st != HOSTNAME_FOUND)
				name[0] = '\0';
			return st;
		}
		off += elen;
	}
	return HOSTNAME_NONE;

trunc:
	name[0] = '\0';
	return HOSTNAME_NOT;
}

/*
 * HTTP/1.x request head (RFC 9112 sections 2-5, RFC 9110 section 7.2)
 *
 *   METHOD SP request-target SP HTTP/1.x CRLF      (request line)
 *   field-name ":" OWS field-value OWS CRLF       (zero or more)
 *   CRLF                                          (end of the head)
 *
 *   Host = uri-host [ ":" port ]                  e.g. "api.example.com:8443"
 *
 * The methods are those of RFC 9110 section 9 and PATCH (RFC 5789), in
 * upper case as sent (methods are case-sensitive). A bare LF ends a line
 * as well as CRLF (RFC 9112 section 2.2 lets a recipient accept it). For
 * CONNECT the request target is the authority (host:port, section 3.2.3)
 * and is the name. Otherwise the first Host field counts; a request with
 * more than one is rejected by servers (RFC 9112 section 3.2) and only
 * the first may be in the captured bytes anyway. An absolute-form target
 * ("GET http://h/ HTTP/1.1", to proxies) is not read: its Host names the
 * same authority when the client follows RFC 9112 section 3.2.
 * Lines come from http_line(), which keeps them within the capture.
 * Obsolete line folding (a line starting with SP or HTAB) continues the
 * previous field and is never taken as a field of its own.
 */
struct http_method {
	const char *s;
	size_t n;
	int authority;		/* the target is the name (CONNECT) */
};

static const struct http_method http_methods[] = {
	{ "GET", 3, 0 }, { "POST", 4, 0 }, { "PUT", 3, 0 },
	{ "DELETE", 6, 0 }, { "HEAD", 4, 0 }, { "OPTIONS", 7, 0 },
	{ "PATCH", 5, 0 }, { "CONNECT", 7, 1 }, { "TRACE", 5, 0 },
};

/* tchar (RFC 9110 section 5.6.2). */
static inline int
http_tchar(uint8_t c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static inline int
http_ows(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/*
 * A host [":" port] (the Host value, or CONNECT's authority-form target):
 * the name without its port. An IP-literal ("[2001:db8::1]:443") keeps its
 * brackets and an IPv4 address its last numeric label, so hn_valid_n()
 * refuses both: no hostname.
 */
static enum hostname_status
http_authority(const uint8_t *v, size_t n, char name[DNS_NAME_MAX])
{
	size_t i = n;

	while (i > 0 && v[i - 1] >= '0' && v[i - 1] <= '9')
		i--;
	if (i > 0 && v[i - 1] == ':')
		n = i - 1;	/* port = *DIGIT (RFC 3986 section 3.2.3) */
	return hn_take(v, n, name);
}

/*
 * Finds the line at off: its bytes are p[off .. *eol) without CR, the next
 * line starts at *next. 0 when its LF was not captured.
 */
static inline int
http_line(const struct hn_span *s, size_t off, size_t *eol, size_t *next)
{
	const uint8_t *lf;

	if (off >= s->cap)
		return 0;
	lf = memchr(s->p + off, '\n', s->cap - off);
	if (lf == NULL)
		return 0;
	*next = (size_t)(lf - s->p) + 1;
	*eol = *next - 1;
	if (*eol > off && s->p[*eol - 1] == '\r')
		(*eol)--;
	return 1;
}

enum hostname_status
hostname_http_host(const uint8_t *data, size_t len, char name[DNS_NAME_MAX])
{
	static const char vers[] = "HTTP/1.";
	const size_t vlen = sizeof(vers) - 1;
	struct hn_span s = { data, len };
	size_t m, off, tgt, tgt_len, eol, next, colon, v, ve;
	const struct http_method *meth = NULL;
	uint8_t c;

	name[0] = '\0';
	if (data == NULL)
		goto trunc;

	/* Request line: METHOD SP */
	for (m = 0; m < sizeof(http_methods) / sizeof(http_methods[0]); m++) {
		if (hn_has(&s, 0, http_methods[m].n + 1) &&
		    memcmp(data, http_methods[m].s, http_methods[m].n) == 0 &&
		    data[http_methods[m].n] == ' ') {
			meth = &http_methods[m];
			break;
		}
	}
	if (meth == NULL)
		goto trunc;

	/* request-target SP: visible ASCII (and raw UTF-8 some clients send) */
	tgt = meth->n + 1;
	for (off = tgt; ; off++) {
		if (!hn_u8(&s, off, &c))
			goto trunc;
		if (c == ' ')
			break;
		if (c <= 0x20 || c == 0x7f)
			goto trunc;
	}
	tgt_len = off - tgt;
	if (tgt_len == 0)
		goto trunc;
	off++;

	/* HTTP-version: "HTTP/1." DIGIT, then the line ends. */
	if (!hn_has(&s, off, vlen + 1) || memcmp(data + off, vers, vlen) != 0)
		goto trunc;
	c = data[off + vlen];
	if (c < '0' || c > '9')
		goto trunc;
	off += vlen + 1;
	if (!http_line(&s, off, &eol, &next) || eol != off)
		goto trunc;
	off = next;

	if (meth->authority)
		return http_authority(data + tgt, tgt_len, name);

	/* Fields, until the empty line. */
	for (;;) {
		if (!http_line(&s, off, &eol, &next))
			goto trunc;	/* cut short, no Host yet */
		if (eol == off)
			break;		/* end of the head */
		if (http_ows(data[off])) {
			off = next;	/* obs-fold continuation */
			continue;
		}
		for (colon = off; colon < eol && data[colon] != ':'; colon++)
			if (!http_tchar(data[colon]))
				goto trunc;
		if (colon == eol || colon == off)
			goto trunc;	/* no name or no colon: not a field */
		if (colon - off == 4 &&
		    (data[off] | 0x20) == 'h' && (data[off + 1] | 0x20) == 'o' &&
		    (data[off + 2] | 0x20) == 's' &&
		    (data[off + 3] | 0x20) == 't') {
			v = colon + 1;
			ve = eol;
			while (v < ve && http_ows(data[v]))
				v++;
			while (ve > v && http_ows(data[ve - 1]))
				ve--;
			return http_authority(data + v, ve - v, name);
		}
		off = next;
	}
	return HOSTNAME_NONE;

trunc:
	name[0] = '\0';
	return HOSTNAME_NOT;
}
