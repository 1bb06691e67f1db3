/* Unit tests for agent/hostname: TLS ClientHello SNI, HTTP/1 Host, hostname syntax. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/hostname.h"

/*
 * ClientHellos are assembled byte by byte from a struct hello description;
 * build() fills in every length (record, handshake, extension block, each
 * extension, the server_name list) from what was appended, so a test states
 * only what it is about and then breaks one byte on purpose.
 */
#define MSG_MAX 20000

struct msg {
	uint8_t b[MSG_MAX];
	size_t n;
	size_t name_end;	/* offset just past the host_name bytes, or 0 */
	size_t rec_len_off, hs_len_off, ext_len_off, sni_off;
};

struct hello {
	const char *sni;	/* NULL: no server_name extension */
	size_t sni_len;		/* 0: strlen(sni) */
	const char *sni2;	/* a second host_name in the list */
	int other_type_first;	/* an entry of name_type 1 before the host_name */
	int grease;		/* GREASE extensions before server_name */
	int extra;		/* ordinary extensions before server_name */
	int tls13;		/* supported_versions and key_share, before SNI */
	int sid_len;
	int n_ciphers;		/* 0: 3 */
	int no_ext;		/* no extension block at all */
	uint16_t rec_version;	/* 0: 0x0301 */
	uint16_t client_version;	/* 0: 0x0303 */
	size_t pad_to;		/* padding extension (21) after SNI up to this total */
};

static void
put8(struct msg *m, uint8_t v)
{
	ck_assert_uint_lt(m->n, MSG_MAX);
	m->b[m->n++] = v;
}

static void
put16(struct msg *m, uint16_t v)
{
	put8(m, (uint8_t)(v >> 8));
	put8(m, (uint8_t)v);
}

static void
putn(struct msg *m, const void *p, size_t n)
{
	ck_assert_uint_le(n, MSG_MAX - m->n);
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void
set16(struct msg *m, size_t off, size_t v)
{
	ck_assert_uint_le(v, 0xffff);
	m->b[off] = (uint8_t)(v >> 8);
	m->b[off + 1] = (uint8_t)v;
}

static void
set24(struct msg *m, size_t off, size_t v)
{
	m->b[off] = (uint8_t)(v >> 16);
	m->b[off + 1] = (uint8_t)(v >> 8);
	m->b[off + 2] = (uint8_t)v;
}

/* An extension of type t and n bytes of value v. */
static void
put_ext(struct msg *m, uint16_t t, const uint8_t *v, size_t n)
{
	put16(m, t);
	put16(m, (uint16_t)n);
	if (n > 0)
		putn(m, v, n);
}

static void
build(struct msg *m, const struct hello *h)
{
	static const uint8_t groups[] = { 0, 6, 0x0a, 0x0a, 0, 0x1d, 0, 0x17 };
	static const uint8_t ecpf[] = { 1, 0 };
	static const uint8_t alpn[] = { 0, 12, 2, 'h', '2', 8, 'h', 't', 't',
	    'p', '/', '1', '.', '1' };
	static const uint8_t sigalgs[] = { 0, 8, 4, 3, 8, 4, 4, 1, 5, 3 };
	static const uint8_t versions[] = { 6, 0x1a, 0x1a, 3, 4, 3, 3 };
	static const uint8_t grease_val[] = { 0 };
	uint8_t ks[2 + 4 + 32];
	size_t sni_len, ext_start, l, i;
	int c, n_ciphers = h->n_ciphers ? h->n_ciphers : 3;

	memset(m, 0, sizeof(*m));
	/* Record header */
	put8(m, 22);
	put16(m, h->rec_version ? h->rec_version : 0x0301);
	m->rec_len_off = m->n;
	put16(m, 0);
	/* Handshake header */
	put8(m, 1);
	m->hs_len_off = m->n;
	put8(m, 0);
	put16(m, 0);
	/* ClientHello */
	put16(m, h->client_version ? h->client_version : 0x0303);
	for (i = 0; i < 32; i++)
		put8(m, (uint8_t)(0xa0 + i));
	put8(m, (uint8_t)h->sid_len);
	for (i = 0; i < (size_t)h->sid_len; i++)
		put8(m, (uint8_t)i);
	put16(m, (uint16_t)(2 * n_ciphers));
	for (c = 0; c < n_ciphers; c++)
		put16(m, (uint16_t)(0x1301 + c));
	put8(m, 1);
	put8(m, 0);
	if (h->no_ext)
		goto done;

	m->ext_len_off = m->n;
	put16(m, 0);
	ext_start = m->n;
	for (c = 0; c < h->grease; c++)
		put_ext(m, (uint16_t)(0x0a0a + 0x1010 * c), grease_val,
		    (size_t)(c % 2));
	for (c = 0; c < h->extra; c++) {
		switch (c % 4) {
		case 0: put_ext(m, 10, groups, sizeof(groups)); break;
		case 1: put_ext(m, 11, ecpf, sizeof(ecpf)); break;
		case 2: put_ext(m, 16, alpn, sizeof(alpn)); break;
		default: put_ext(m, 13, sigalgs, sizeof(sigalgs)); break;
		}
	}
	if (h->tls13) {
		put_ext(m, 43, versions, sizeof(versions));
		memset(ks, 0x55, sizeof(ks));
		ks[0] = 0;
		ks[1] = 36;
		ks[2] = 0;
		ks[3] = 0x1d;
		ks[4] = 0;
		ks[5] = 32;
		put_ext(m, 51, ks, sizeof(ks));
	}
	if (h->sni != NULL) {
		sni_len = h->sni_len ? h->sni_len : strlen(h->sni);
		m->sni_off = m->n;
		put16(m, 0);	/* type server_name */
		put16(m, 0);	/* extension length */
		put16(m, 0);	/* list length */
		if (h->other_type_first) {
			put8(m, 1);
			put16(m, 3);
			putn(m, "abc", 3);
		}
		put8(m, 0);
		put16(m, (uint16_t)sni_len);
		putn(m, h->sni, sni_len);
		m->name_end = m->n;
		if (h->sni2 != NULL) {
			put8(m, 0);
			put16(m, (uint16_t)strlen(h->sni2));
			putn(m, h->sni2, strlen(h->sni2));
		}
		l = m->n - m->sni_off - 4;
		set16(m, m->sni_off + 2, l);
		set16(m, m->sni_off + 4, l - 2);
	}
	put_ext(m, 23, NULL, 0);	/* extended_master_secret */
	if (h->pad_to > m->n + 4) {
		l = h->pad_to - m->n - 4;
		put16(m, 21);
		put16(m, (uint16_t)l);
		for (i = 0; i < l; i++)
			put8(m, 0);
	}
	set16(m, m->ext_len_off, m->n - ext_start);
done:
	set16(m, m->rec_len_off, m->n - 5);
	set24(m, m->hs_len_off, m->n - 9);
}

/* Sets the record, handshake and extension block lengths after an edit. */
static void
relen(struct msg *m)
{
	set16(m, m->ext_len_off, m->n - m->ext_len_off - 2);
	set16(m, m->rec_len_off, m->n - 5);
	set24(m, m->hs_len_off, m->n - 9);
}

/* Removes k bytes at off, keeping the offsets and lengths consistent. */
static void
cut(struct msg *m, size_t off, size_t k)
{
	memmove(m->b + off, m->b + off + k, m->n - off - k);
	m->n -= k;
	if (m->ext_len_off > off)
		m->ext_len_off -= k;
	if (m->sni_off > off)
		m->sni_off -= k;
	if (m->name_end > off)
		m->name_end -= k;
	relen(m);
}

/* Runs the parser over an exact-size heap copy, so ASan sees any overread. */
static enum hostname_status
sni_n(const uint8_t *b, size_t n, char name[DNS_NAME_MAX])
{
	uint8_t *copy = malloc(n ? n : 1);
	enum hostname_status st;

	ck_assert_ptr_nonnull(copy);
	if (n > 0)
		memcpy(copy, b, n);
	memset(name, 'X', DNS_NAME_MAX);
	st = hostname_tls_sni(copy, n, name);
	free(copy);
	if (st != HOSTNAME_FOUND)
		ck_assert_int_eq(name[0], '\0');
	return st;
}

static enum hostname_status
sni(const struct msg *m, char name[DNS_NAME_MAX])
{
	return sni_n(m->b, m->n, name);
}

static enum hostname_status
http_n(const void *b, size_t n, char name[DNS_NAME_MAX])
{
	uint8_t *copy = malloc(n ? n : 1);
	enum hostname_status st;

	ck_assert_ptr_nonnull(copy);
	if (n > 0)
		memcpy(copy, b, n);
	memset(name, 'X', DNS_NAME_MAX);
	st = hostname_http_host(copy, n, name);
	free(copy);
	if (st != HOSTNAME_FOUND)
		ck_assert_int_eq(name[0], '\0');
	return st;
}

static enum hostname_status
http(const char *s, char name[DNS_NAME_MAX])
{
	return http_n(s, strlen(s), name);
}

static struct msg M;	/* large: kept off the stack */

/* ---- TLS ---- */

START_TEST(test_tls_basic)
{
	struct hello h = { .sni = "api.stripe.com", .extra = 2 };
	char name[DNS_NAME_MAX];

	build(&M, &h);
	ck_assert_int_eq(sni(&M, name), HOSTNAME_FOUND);
	ck_assert_str_eq(name, "api.stripe.com");
}
END_TEST

START_TEST(test_tls_no_sni)
{
	struct hello h = { .extra = 4, .grease = 2 };
	char name[DNS_NAME_MAX];

	build(&M, &h);
	ck_assert_int_eq(sni(&M, name), HOSTNAME_NONE);
}
END_TEST

START_TEST(test_tls_no_extensions)
{
	struct hello h = { .no_ext = 1 };
	char name[DNS_NAME_MAX];

	build(&M, &h);
	ck_assert_int_eq(sni(&M, name), HOSTNAME_NONE);
	/*
	 * The lengths already say there is nothing after the compression
	 * method; without its length byte, the hello is cut short.
	 */
	ck_assert_int_eq(sni_n(M.b, M.n - 1, name), HOSTNAME_NONE);
	ck_assert_int_eq(sni_n(M.b, M.n - 2, name), HOSTNAME_NOT);
}
END_TEST

START_TEST(test_tls_grease_before_sni)
{
	struct hello h = { .sni = "example.com", .grease = 4, .extra = 1 };
	char name[DNS_NAME_MAX];

	build(&M, &h);
	ck_assert_int_eq(sni(&M, name), HOSTNAME_FOUND);
	ck_assert_str_eq(name, "example.com");
}
END_TEST

START_TEST(test_tls_extra_extensions)
{
	struct hello h = { .sni = "www.example.org", .extra = 40,
	    .grease = 1 };
	char name[DNS_NAME_MAX];

	build(&M, &h);
	ck_assert_int_eq(sni(&M, name), HOSTNAME_FOUND);
	ck_assert_str_eq(name, "www.example.org");
}
END_TEST

START_TEST(test_tls_session_id)
{
	struct hello h = { .sni = "example.com", .sid_len = 32 };
	char name[DNS_NAME_MAX];

	build(&M, &h);
	ck_assert_int_eq(sni(&M, name), HOSTNAME_FOUND);
	ck_assert_str_eq(name, "example.com");
	h.sid_len = 33;		/* more than a session id may hold */
	build(&M, &h);
	ck_assert_int_eq(sni(&M, name), HOSTNAME_NOT);
}
END_TEST

START_TEST(test_tls_many_ciphers)
{
	struct hello h = { .sni = "example.com", .n_ciphers = 2000 };
	char name[DNS_NAME_MAX];

	build(&M, &h);
	ck_assert_uint_gt(M.n, 4000);
	ck_assert_int_eq(sni(&M, name), HOSTNAME_FOUND);
	ck_assert_str_eq(name, "example.com");
}
END_TEST

START_TEST(test_tls_trailing_dot)
{
	struct hello h = { .sni = "example.com." };
	char name[DNS_NAME_MAX];

	build(&M, &h);
	ck_assert_int_eq(sni(&M, name), HOSTNAME_FOUND);
	ck_assert_str_eq(name, "example.com");
	h.sni = "example.com..";
	build(&M, &h);
	ck_assert_int_eq(sni(&M, name), HOSTNAME_NONE);
	h.sni = ".";
	build(&M, &h);
	ck_assert_int_eq(sni(&M, name), HOSTNAME_NONE);
}
END_TEST

START_TEST(test_tls_upper_case)
{
	struct hello h = { .sni = "API.Stripe.COM" };
	char name[DNS_NAME_MAX];

	build(&M, &h);
	ck_assert_int_eq(sni(&M, name), HOSTNAME_FOUND);
	ck_assert_str_eq(name, "api.stripe.com");
}
END_TEST

START_TEST(test_tls_ip_literal)
{
	static const char *const lits[] = { "192.0.2.1", "2001:db8::1",
	    "[2001:db8::1]", "10.1", "3232235777", "0x7f.1" };
	struct hello h = { 0 };
	char name[DNS_NAME_MAX];
	size_t i;

	for (i = 0; i < sizeof(lits) / sizeof(lits[0]); i++) {
		h.sni = lits[i];
		build(&M, &h);
		ck_assert_msg(sni(&M, name) == HOSTNAME_NONE, "%s", lits[i]);
	}
}
END_TEST

START_TEST(test_tls_invalid_chars)
{
	static const char *const bad[] = { "exa mple.com", "ex@mple.com",
	    "a..b", "-a.example", "a-.example", "b\303\274cher.example",
	    "a/b.example", "a\rb.example" };
	struct hello h = { 0 };
	char name[DNS_NAME_MAX];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		h.sni = bad[i];
		build(&M, &h);
		ck_assert_msg(sni(&M, name) == HOSTNAME_NONE, "%s", bad[i]);
	}
	/* An embedded NUL must not shorten the name into a valid one. */
	h.sni = "good.example\0evil";
	h.sni_len = 17;
	build(&M, &h);
	ck_assert_int_eq(sni(&M, name), HOSTNAME_NONE);
}
END_TEST

START_TEST(test_tls_name_length)
{
	char long_name[300], name[DNS_NAME_MAX];
	struct hello h = { .sni = long_name };
	size_t i;

	/* 253 characters: labels of 63 with dots, last one shorter. */
	for (i = 0; i < 253; i++)
		long_name[i] = (i % 64 == 63) ? '.' : 'a';
	long_name[253] = '\0';
	build(&M, &h);
	ck_assert_int_eq(sni(&M, name), HOSTNAME_FOUND);
	ck_assert_uint_eq(strlen(name), 253);
	ck_assert_str_eq(name, long_name);

	long_name[253] = '.';	/* 253 plus the root dot */
	long_name[254] = '\0';
	build(&M, &h);
	ck_assert_int_eq(sni(&M, name), HOSTNAME_FOUND);
	ck_assert_uint_eq(strlen(name), 253);

	long_name[253] = 'b';	/* 254 characters */
	build(&M, &h);
	ck_assert_int_eq(sni(&M, name), HOSTNAME_NONE);

	memset(long_name, 'a', 64);	/* a 64-character label */
	long_name[64] = '\0';
	build(&M, &h);
	ck_assert_int_eq(sni(&M, name), HOSTNAME_NONE);
}
END_TEST

START_TEST(test_tls_two_names)
{
	struct hello h = { .sni = "first.example", .sni2 = "second.example" };
	char name[DNS_NAME_MAX];

	build(&M, &h);
	ck_assert_int_eq(sni(&M, name), HOSTNAME_FOUND);
	ck_assert_str_eq(name, "first.example");

	/* An entry of another name_type is skipped by its length. */
	h.sni2 = NULL;
	h.other_type_first = 1;
	build(&M, &h);
	ck_assert_int_eq(sni(&M, name), HOSTNAME_FOUND);
	ck_assert_str_eq(name, "first.example");
}
END_TEST

START_TEST(test_tls_no_host_name_entry)
{
	struct hello h = { .sni = "x", .other_type_first = 1 };
	char name[DNS_NAME_MAX];

	build(&M, &h);
	/* Turn the host_name entry into an unknown type 2. */
	M.b[M.name_end - 1 - 2 - 1] = 2;
	ck_assert_int_eq(sni(&M, name), HOSTNAME_NONE);
}
END_TEST

/*
 * Every prefix of a ClientHello: FOUND exactly when the whole name is in
 * it, NOT before. The variants put the name early, late (behind key shares
 * and 40 extensions) and in a padded 517-byte hello.
 */
static const struct hello sweep_hellos[] = {
	{ .sni = "example.com" },
	{ .sni = "api.stripe.com", .grease = 3, .extra = 40, .tls13 = 1,
	    .sid_len = 32, .n_ciphers = 16 },
	{ .sni = "www.example.org", .grease = 1, .extra = 5, .tls13 = 1,
	    .sid_len = 32, .n_ciphers = 16, .pad_to = 517 },
	{ .sni = "a.example", .sni2 = "b.example", .rec_version = 0x0300 },
};

START_TEST(test_tls_truncation_sweep)
{
	char name[DNS_NAME_MAX];
	enum hostname_status st;
	size_t p;

	build(&M, &sweep_hellos[_i]);
	ck_assert_uint_gt(M.name_end, 0);
	for (p = 0; p <= M.n; p++) {
		st = sni_n(M.b, p, name);
		if (p >= M.name_end) {
			ck_assert_msg(st == HOSTNAME_FOUND, "prefix %zu: %d",
			    p, st);
			ck_assert_str_eq(name, sweep_hellos[_i].sni);
		} else {
			ck_assert_msg(st == HOSTNAME_NOT, "prefix %zu: %d",
			    p, st);
		}
	}
}
END_TEST

START_TEST(test_tls_wrong_content_type)
{
	static const uint8_t types[] = { 20, 21, 23, 24, 0, 0x80, 0x17 };
	struct hello h = { .sni = "example.com" };
	char name[DNS_NAME_MAX];
	size_t i;

	build(&M, &h);
	for (i = 0; i < sizeof(types); i++) {
		M.b[0] = types[i];
		ck_assert_int_eq(sni(&M, name), HOSTNAME_NOT);
	}
}
END_TEST

START_TEST(test_tls_versions)
{
	static const uint16_t good[] = { 0x0300, 0x0301, 0x0302, 0x0303,
	    0x0304 };
	static const uint16_t bad[] = { 0x0002, 0x0200, 0x0305, 0x0403,
	    0xfeff, 0x0103 };
	struct hello h = { .sni = "example.com" };
	char name[DNS_NAME_MAX];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		h.rec_version = good[i];
		h.client_version = 0;
		build(&M, &h);
		ck_assert_int_eq(sni(&M, name), HOSTNAME_FOUND);
		h.rec_version = 0;
		h.client_version = good[i];
		build(&M, &h);
		ck_assert_int_eq(sni(&M, name), HOSTNAME_FOUND);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		h.rec_version = bad[i];
		h.client_version = 0;
		build(&M, &h);
		ck_assert_int_eq(sni(&M, name), HOSTNAME_NOT);
		h.rec_version = 0;
		h.client_version = bad[i];
		build(&M, &h);
		ck_assert_int_eq(sni(&M, name), HOSTNAME_NOT);
	}
}
END_TEST

START_TEST(test_tls13_client_hello)
{
	struct hello h = { .sni = "tls13.example", .tls13 = 1, .grease = 2,
	    .extra = 4, .sid_len = 32, .rec_version = 0x0301,
	    .client_version = 0x0303 };
	char name[DNS_NAME_MAX];

	build(&M, &h);
	ck_assert_int_eq(sni(&M, name), HOSTNAME_FOUND);
	ck_assert_str_eq(name, "tls13.example");
}
END_TEST

START_TEST(test_sslv2_hello)
{
	/* SSLv2-compatible CLIENT-HELLO (RFC 5246 appendix E.2). */
	static const uint8_t v2[] = { 0x80, 0x2e, 0x01, 0x03, 0x01, 0x00,
	    0x15, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x2f, 0x00, 0x00, 0x35,
	    0x01, 0x00, 0x80, 0x03, 0x00, 0x80, 0x07, 0x00, 0xc0, 0x00, 0x00,
	    0xff, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	char name[DNS_NAME_MAX];

	ck_assert_int_eq(sni_n(v2, sizeof(v2), name), HOSTNAME_NOT);
}
END_TEST

START_TEST(test_tls_not_client_hello)
{
	struct hello h = { .sni = "example.com" };
	char name[DNS_NAME_MAX];

	build(&M, &h);
	M.b[5] = 2;	/* ServerHello */
	ck_assert_int_eq(sni(&M, name), HOSTNAME_NOT);
}
END_TEST

START_TEST(test_tls_record_lengths)
{
	struct hello h = { .sni = "example.com", .n_ciphers = 9000 };
	char name[DNS_NAME_MAX];

	build(&M, &h);	/* record length > 2^14 */
	ck_assert_uint_gt(M.n - 5, 16384);
	ck_assert_int_eq(sni(&M, name), HOSTNAME_NOT);

	h.n_ciphers = 0;
	build(&M, &h);
	set16(&M, M.rec_len_off, 0);
	ck_assert_int_eq(sni(&M, name), HOSTNAME_NOT);
}
END_TEST

/*
 * A ClientHello fragmented over records: only the first record counts,
 * whatever bytes follow it in the segment.
 */
START_TEST(test_tls_fragmented_records)
{
	struct hello h = { .sni = "example.com", .extra = 8 };
	char name[DNS_NAME_MAX];
	size_t rec;

	build(&M, &h);
	/* The first record ends one byte before the name's end. */
	rec = M.name_end - 1 - 5;
	set16(&M, M.rec_len_off, rec);
	ck_assert_int_eq(sni(&M, name), HOSTNAME_NOT);
	/* ...and exactly at the name's end: found, the rest comes later. */
	set16(&M, M.rec_len_off, rec + 1);
	ck_assert_int_eq(sni(&M, name), HOSTNAME_FOUND);
	ck_assert_str_eq(name, "example.com");
	/* A first record shorter than the handshake header. */
	set16(&M, M.rec_len_off, 2);
	ck_assert_int_eq(sni(&M, name), HOSTNAME_NOT);
}
END_TEST

START_TEST(test_tls_bad_lengths)
{
	struct hello h = { .sni = "example.com", .extra = 2 };
	char name[DNS_NAME_MAX];
	size_t ext_len, sid_off = 5 + 4 + 2 + 32;

	build(&M, &h);
	ext_len = (size_t)(M.b[M.ext_len_off] << 8 | M.b[M.ext_len_off + 1]);

	/* Extension block longer than the message. */
	set16(&M, M.ext_len_off, ext_len + 1);
	ck_assert_int_eq(sni(&M, name), HOSTNAME_NOT);
	/* Shorter: trailing bytes after the block. */
	set16(&M, M.ext_len_off, ext_len - 4);
	ck_assert_int_eq(sni(&M, name), HOSTNAME_NOT);
	set16(&M, M.ext_len_off, ext_len);
	ck_assert_int_eq(sni(&M, name), HOSTNAME_FOUND);

	/* server_name extension longer than the block. */
	set16(&M, M.sni_off + 2, 0xfff0);
	ck_assert_int_eq(sni(&M, name), HOSTNAME_NOT);
	build(&M, &h);
	/* List length disagreeing with the extension length. */
	set16(&M, M.sni_off + 4, 3);
	ck_assert_int_eq(sni(&M, name), HOSTNAME_NOT);
	build(&M, &h);
	/* Name length running past the list. */
	set16(&M, M.name_end - 11 - 2, 12);
	ck_assert_int_eq(sni(&M, name), HOSTNAME_NOT);
	build(&M, &h);
	/* An extension before server_name running past the block. */
	set16(&M, M.ext_len_off + 2 + 2, 0x7000);
	ck_assert_int_eq(sni(&M, name), HOSTNAME_NOT);
	h.other_type_first = 1;
	build(&M, &h);
	/* A name entry of another type running past the list. */
	set16(&M, M.sni_off + 6 + 1, 100);
	ck_assert_int_eq(sni(&M, name), HOSTNAME_NOT);
	h.other_type_first = 0;

	/* The rest of the hello stays consistent in these: cut() re-lengths. */
	build(&M, &h);
	cut(&M, sid_off + 1 + 2 + 5, 1);	/* odd cipher_suites length */
	M.b[sid_off + 1 + 1] = 5;
	ck_assert_int_eq(sni(&M, name), HOSTNAME_NOT);
	build(&M, &h);
	cut(&M, sid_off + 1 + 2, 6);		/* no cipher suite */
	M.b[sid_off + 1 + 1] = 0;
	ck_assert_int_eq(sni(&M, name), HOSTNAME_NOT);
	build(&M, &h);
	cut(&M, sid_off + 1 + 2 + 6 + 1, 1);	/* no compression method */
	M.b[sid_off + 1 + 2 + 6] = 0;
	ck_assert_int_eq(sni(&M, name), HOSTNAME_NOT);
	build(&M, &h);
	/* ...and the cut() helper itself leaves a valid hello. */
	cut(&M, sid_off + 1 + 2 + 4, 2);
	M.b[sid_off + 1 + 1] = 4;
	ck_assert_int_eq(sni(&M, name), HOSTNAME_FOUND);
	build(&M, &h);
	/* cipher_suites running past a short message. */
	set24(&M, M.hs_len_off, 40);
	ck_assert_int_eq(sni(&M, name), HOSTNAME_NOT);
}
END_TEST

START_TEST(test_tls_empty_sni)
{
	struct hello h = { .sni = "", .sni_len = 0 };
	char name[DNS_NAME_MAX];

	build(&M, &h);	/* host_name of length 0: malformed */
	ck_assert_int_eq(sni(&M, name), HOSTNAME_NOT);
	/* An empty server_name list, and one with no room for its length. */
	h.sni = NULL;
	build(&M, &h);
	M.n -= 4;	/* drop extended_master_secret */
	put_ext(&M, 0, (const uint8_t *)"\0\0", 2);
	relen(&M);
	ck_assert_int_eq(sni(&M, name), HOSTNAME_NOT);
	M.n -= 6;
	put_ext(&M, 0, NULL, 0);
	relen(&M);
	ck_assert_int_eq(sni(&M, name), HOSTNAME_NOT);
	/* The same block with extended_master_secret instead: no name. */
	M.n -= 4;
	put_ext(&M, 23, NULL, 0);
	relen(&M);
	ck_assert_int_eq(sni(&M, name), HOSTNAME_NONE);
}
END_TEST

START_TEST(test_tls_tiny_inputs)
{
	static const uint8_t one[] = { 22 };
	char name[DNS_NAME_MAX];

	memset(name, 'X', sizeof(name));
	ck_assert_int_eq(hostname_tls_sni(NULL, 0, name), HOSTNAME_NOT);
	ck_assert_int_eq(name[0], '\0');
	ck_assert_int_eq(sni_n(one, 0, name), HOSTNAME_NOT);
	ck_assert_int_eq(sni_n(one, 1, name), HOSTNAME_NOT);
}
END_TEST

/* ---- HTTP ---- */

START_TEST(test_http_get_host)
{
	char name[DNS_NAME_MAX];

	ck_assert_int_eq(http("GET /index.html HTTP/1.1\r\n"
	    "User-Agent: curl/7.88.1\r\nHost: www.example.com\r\n"
	    "Accept: */*\r\n\r\n", name), HOSTNAME_FOUND);
	ck_assert_str_eq(name, "www.example.com");
}
END_TEST

START_TEST(test_http_host_case_and_space)
{
	static const char *const reqs[] = {
		"GET / HTTP/1.1\r\nhost: a.example\r\n\r\n",
		"GET / HTTP/1.1\r\nHOST: a.example\r\n\r\n",
		"GET / HTTP/1.1\r\nHost:a.example\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: \t a.example \t\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: A.Example.\r\n\r\n",
		"GET / HTTP/1.1\nHost: a.example\n\n",
		"POST /x HTTP/1.0\r\nHost: a.example\r\n\r\n",
	};
	char name[DNS_NAME_MAX];
	size_t i;

	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		ck_assert_msg(http(reqs[i], name) == HOSTNAME_FOUND, "%s",
		    reqs[i]);
		ck_assert_str_eq(name, "a.example");
	}
}
END_TEST

START_TEST(test_http_methods)
{
	static const char *const methods[] = { "GET", "POST", "PUT",
	    "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE" };
	static const char *const not[] = { "get", "PRI", "GETX", "FOO",
	    "Get" };
	char req[128], name[DNS_NAME_MAX];
	size_t i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		snprintf(req, sizeof(req),
		    "%s / HTTP/1.1\r\nHost: m.example\r\n\r\n", methods[i]);
		ck_assert_msg(http(req, name) == HOSTNAME_FOUND, "%s", req);
		ck_assert_str_eq(name, "m.example");
	}
	for (i = 0; i < sizeof(not) / sizeof(not[0]); i++) {
		snprintf(req, sizeof(req),
		    "%s / HTTP/1.1\r\nHost: m.example\r\n\r\n", not[i]);
		ck_assert_msg(http(req, name) == HOSTNAME_NOT, "%s", req);
	}
}
END_TEST

START_TEST(test_http_host_port)
{
	char name[DNS_NAME_MAX];

	ck_assert_int_eq(http("GET / HTTP/1.1\r\nHost: api.example.com:8443\r\n"
	    "\r\n", name), HOSTNAME_FOUND);
	ck_assert_str_eq(name, "api.example.com");
	ck_assert_int_eq(http("GET / HTTP/1.1\r\nHost: api.example.com:\r\n"
	    "\r\n", name), HOSTNAME_FOUND);
	ck_assert_str_eq(name, "api.example.com");
	ck_assert_int_eq(http("GET / HTTP/1.1\r\nHost: a.example:80x\r\n"
	    "\r\n", name), HOSTNAME_NONE);
	ck_assert_int_eq(http("GET / HTTP/1.1\r\nHost: a.example:1:2\r\n"
	    "\r\n", name), HOSTNAME_NONE);
}
END_TEST

START_TEST(test_http_ip_literals)
{
	static const char *const hosts[] = { "[2001:db8::1]:8080",
	    "[2001:db8::1]", "2001:db8::1", "192.0.2.7", "192.0.2.7:80",
	    "[v1.x]" };
	char req[128], name[DNS_NAME_MAX];
	size_t i;

	for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: %s\r\n\r\n",
		    hosts[i]);
		ck_assert_msg(http(req, name) == HOSTNAME_NONE, "%s", req);
	}
}
END_TEST

START_TEST(test_http_connect)
{
	char name[DNS_NAME_MAX];

	ck_assert_int_eq(http("CONNECT api.stripe.com:443 HTTP/1.1\r\n"
	    "Host: proxy-said-otherwise.example:443\r\n\r\n", name),
	    HOSTNAME_FOUND);
	ck_assert_str_eq(name, "api.stripe.com");
	/* The request line alone is enough. */
	ck_assert_int_eq(http("CONNECT API.Stripe.com:443 HTTP/1.1\r\n", name),
	    HOSTNAME_FOUND);
	ck_assert_str_eq(name, "api.stripe.com");
	ck_assert_int_eq(http("CONNECT [2001:db8::1]:443 HTTP/1.1\r\n\r\n",
	    name), HOSTNAME_NONE);
	ck_assert_int_eq(http("CONNECT 203.0.113.7:443 HTTP/1.1\r\n\r\n",
	    name), HOSTNAME_NONE);
	ck_assert_int_eq(http("CONNECT api.stripe.com:443 HTTP/1.1", name),
	    HOSTNAME_NOT);
}
END_TEST

START_TEST(test_http_no_host)
{
	char name[DNS_NAME_MAX];

	ck_assert_int_eq(http("GET / HTTP/1.0\r\n\r\n", name), HOSTNAME_NONE);
	ck_assert_int_eq(http("GET / HTTP/1.0\r\nAccept: */*\r\n"
	    "X-Host: a.example\r\nHostname: b.example\r\n\r\n", name),
	    HOSTNAME_NONE);
	ck_assert_int_eq(http("GET / HTTP/1.1\r\nHost:\r\n\r\n", name),
	    HOSTNAME_NONE);
	ck_assert_int_eq(http("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", name),
	    HOSTNAME_NONE);
	ck_assert_int_eq(http("GET / HTTP/1.1\r\nHost: u@a.example\r\n\r\n",
	    name), HOSTNAME_NONE);
}
END_TEST

START_TEST(test_http_cut_short)
{
	static const char req[] = "GET / HTTP/1.1\r\nAccept: */*\r\n"
	    "Host: www.example.com\r\nCookie: a=b\r\n\r\n";
	const char *host_end = strstr(req, "example.com\r\n") + 13;
	char name[DNS_NAME_MAX];
	enum hostname_status st;
	size_t p;

	/* Every prefix: found once the Host line's LF is in, else NOT. */
	for (p = 0; p <= sizeof(req) - 1; p++) {
		st = http_n(req, p, name);
		if (p >= (size_t)(host_end - req)) {
			ck_assert_msg(st == HOSTNAME_FOUND, "prefix %zu", p);
			ck_assert_str_eq(name, "www.example.com");
		} else {
			ck_assert_msg(st == HOSTNAME_NOT, "prefix %zu: %d", p,
			    st);
		}
	}
	ck_assert_int_eq(http("GET / HTTP/1.1\r\nAccept: */*\r\n", name),
	    HOSTNAME_NOT);
}
END_TEST

START_TEST(test_http_not_http)
{
	static const uint8_t garbage[] = { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01,
	    0xff, 0x00, 0x47, 0x45, 0x54, 0x20 };
	static const char *const nots[] = {
		"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
		"GET / HTTP/2.0\r\nHost: a.example\r\n\r\n",
		"GET / HTTP/1.x\r\nHost: a.example\r\n\r\n",
		"GET  / HTTP/1.1\r\nHost: a.example\r\n\r\n",
		"GET / HTTP/1.1 \r\nHost: a.example\r\n\r\n",
		"GET /\r\nHost: a.example\r\n\r\n",
		"GET /a\tb HTTP/1.1\r\nHost: a.example\r\n\r\n",
		"GET /a\x7f HTTP/1.1\r\nHost: a.example\r\n\r\n",
		"GET  HTTP/1.1\r\nHost: a.example\r\n\r\n",
		"GET\t/ HTTP/1.1\r\nHost: a.example\r\n\r\n",
		"GET / HTTP/1.1\r\nHost : a.example\r\n\r\n",
		"GET / HTTP/1.1\r\nno colon here\r\nHost: a.example\r\n\r\n",
		"GET / HTTP/1.1\r\n: empty name\r\nHost: a.example\r\n\r\n",
		"SSH-2.0-OpenSSH_9.2\r\n",
		"",
	};
	char name[DNS_NAME_MAX];
	size_t i;

	ck_assert_int_eq(http_n(garbage, sizeof(garbage), name), HOSTNAME_NOT);
	for (i = 0; i < sizeof(nots) / sizeof(nots[0]); i++)
		ck_assert_msg(http(nots[i], name) == HOSTNAME_NOT, "%s",
		    nots[i]);
	memset(name, 'X', sizeof(name));
	ck_assert_int_eq(hostname_http_host(NULL, 0, name), HOSTNAME_NOT);
	ck_assert_int_eq(name[0], '\0');
}
END_TEST

START_TEST(test_http_long_lines)
{
	static char req[40000];
	char name[DNS_NAME_MAX];
	size_t n;

	/* A 10 kB target and a 20 kB cookie before Host. */
	n = (size_t)snprintf(req, sizeof(req), "GET /");
	memset(req + n, 'q', 10000);
	n += 10000;
	n += (size_t)snprintf(req + n, sizeof(req) - n, " HTTP/1.1\r\nCookie: ");
	memset(req + n, 'c', 20000);
	n += 20000;
	n += (size_t)snprintf(req + n, sizeof(req) - n,
	    "\r\nHost: long.example\r\n\r\n");
	ck_assert_int_eq(http_n(req, n, name), HOSTNAME_FOUND);
	ck_assert_str_eq(name, "long.example");

	/* A Host value far beyond 253 characters. */
	n = (size_t)snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: ");
	memset(req + n, 'h', 5000);
	n += 5000;
	n += (size_t)snprintf(req + n, sizeof(req) - n, "\r\n\r\n");
	ck_assert_int_eq(http_n(req, n, name), HOSTNAME_NONE);
}
END_TEST

START_TEST(test_http_obs_fold)
{
	char name[DNS_NAME_MAX];

	/* " Host:" continues X-A's value: it is not a Host field. */
	ck_assert_int_eq(http("GET / HTTP/1.1\r\nX-A: b\r\n Host: evil.example\r\n"
	    "Host: good.example\r\n\r\n", name), HOSTNAME_FOUND);
	ck_assert_str_eq(name, "good.example");
	ck_assert_int_eq(http("GET / HTTP/1.1\r\nX-A: b\r\n\tHost: evil.example"
	    "\r\n\r\n", name), HOSTNAME_NONE);
}
END_TEST

START_TEST(test_http_two_hosts)
{
	char name[DNS_NAME_MAX];

	ck_assert_int_eq(http("GET / HTTP/1.1\r\nHost: one.example\r\n"
	    "Host: two.example\r\n\r\n", name), HOSTNAME_FOUND);
	ck_assert_str_eq(name, "one.example");
}
END_TEST

START_TEST(test_http_nul_in_host)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: good.example\0evil"
	    "\r\n\r\n";
	char name[DNS_NAME_MAX];

	ck_assert_int_eq(http_n(req, sizeof(req) - 1, name), HOSTNAME_NONE);
}
END_TEST

/* ---- hostname_valid ---- */

START_TEST(test_valid_names)
{
	static const char *const good[] = { "a", "localhost", "example.com",
	    "a-b.c_d.example", "_dmarc.example.com", "xn--bcher-kva.example",
	    "1.example.com", "1e100.net", "123abc", "a.b.c.d.e.f", "0x.example",
	    "a.0xg", "x1" };
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(hostname_valid(good[i]), "%s", good[i]);
}
END_TEST

START_TEST(test_invalid_names)
{
	static const char *const bad[] = { "", ".", "a..b", ".a", "a.",
	    "-a.com", "a-.com", "a.-b", "Example.com", "ex ample.com", "a@b",
	    "a/b", "a:b", "1.2.3.4", "192.168.0.1", "10.1", "3232235777",
	    "0x7f.1", "a.0x1f", "0x7f000001", "a.123", "b\303\274cher",
	    "a\tb" };
	size_t i;

	ck_assert_int_eq(hostname_valid(NULL), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!hostname_valid(bad[i]), "%s", bad[i]);
}
END_TEST

START_TEST(test_valid_lengths)
{
	char s[1200];
	size_t i;

	memset(s, 'a', 63);
	s[63] = '\0';
	ck_assert(hostname_valid(s));
	memset(s, 'a', 64);
	s[64] = '\0';
	ck_assert(!hostname_valid(s));

	for (i = 0; i < 253; i++)
		s[i] = (i % 50 == 49) ? '.' : 'b';
	s[253] = '\0';
	ck_assert(hostname_valid(s));
	s[253] = 'b';
	s[254] = '\0';
	ck_assert(!hostname_valid(s));
	memset(s, 'c', sizeof(s) - 1);	/* long input: bounded scan */
	s[sizeof(s) - 1] = '\0';
	ck_assert(!hostname_valid(s));
}
END_TEST

static Suite *
hostname_suite(void)
{
	Suite *s = suite_create("hostname");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_tls_basic);
	tcase_add_test(tc, test_tls_no_sni);
	tcase_add_test(tc, test_tls_no_extensions);
	tcase_add_test(tc, test_tls_grease_before_sni);
	tcase_add_test(tc, test_tls_extra_extensions);
	tcase_add_test(tc, test_tls_session_id);
	tcase_add_test(tc, test_tls_many_ciphers);
	tcase_add_test(tc, test_tls_trailing_dot);
	tcase_add_test(tc, test_tls_upper_case);
	tcase_add_test(tc, test_tls_ip_literal);
	tcase_add_test(tc, test_tls_invalid_chars);
	tcase_add_test(tc, test_tls_name_length);
	tcase_add_test(tc, test_tls_two_names);
	tcase_add_test(tc, test_tls_no_host_name_entry);
	tcase_add_loop_test(tc, test_tls_truncation_sweep, 0,
	    (int)(sizeof(sweep_hellos) / sizeof(sweep_hellos[0])));
	tcase_add_test(tc, test_tls_wrong_content_type);
	tcase_add_test(tc, test_tls_versions);
	tcase_add_test(tc, test_tls13_client_hello);
	tcase_add_test(tc, test_sslv2_hello);
	tcase_add_test(tc, test_tls_not_client_hello);
	tcase_add_test(tc, test_tls_record_lengths);
	tcase_add_test(tc, test_tls_fragmented_records);
	tcase_add_test(tc, test_tls_bad_lengths);
	tcase_add_test(tc, test_tls_empty_sni);
	tcase_add_test(tc, test_tls_tiny_inputs);
	tcase_add_test(tc, test_http_get_host);
	tcase_add_test(tc, test_http_host_case_and_space);
	tcase_add_test(tc, test_http_methods);
	tcase_add_test(tc, test_http_host_port);
	tcase_add_test(tc, test_http_ip_literals);
	tcase_add_test(tc, test_http_connect);
	tcase_add_test(tc, test_http_no_host);
	tcase_add_test(tc, test_http_cut_short);
	tcase_add_test(tc, test_http_not_http);
	tcase_add_test(tc, test_http_long_lines);
	tcase_add_test(tc, test_http_obs_fold);
	tcase_add_test(tc, test_http_two_hosts);
	tcase_add_test(tc, test_http_nul_in_host);
	tcase_add_test(tc, test_valid_names);
	tcase_add_test(tc, test_invalid_names);
	tcase_add_test(tc, test_valid_lengths);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(hostname_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
