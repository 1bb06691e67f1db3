/* Unit tests for geodb_build: the databases it writes, read by libmaxminddb. */
#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <maxminddb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "geodb/geodb_build.h"

#define EPOCH 1700000000u
#define PLEN 256	/* our paths are short: tmpdir is 32 bytes */

/* Made in the parent before the tests fork, removed after all have run. */
static char tmpdir[64];

static void
setup(void)
{
	strcpy(tmpdir, "/tmp/eeaguard-geodb-build-XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
teardown(void)
{
	if (tmpdir[0] != '\0')
		nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void
tpath(char *out, size_t size, const char *name)
{
	int n = snprintf(out, size, "%s/%s", tmpdir, name);

	ck_assert(n > 0 && (size_t)n < size);
}

static void
put_bytes(const char *path, const char *data, size_t len)
{
	FILE *fp = fopen(path, "w");

	ck_assert_msg(fp != NULL, "%s: %s", path, strerror(errno));
	ck_assert(fwrite(data, 1, len, fp) == len);
	ck_assert(fclose(fp) == 0);
}

/* Writes text to tmpdir/name; path receives the full name. */
static void
put_file(char *path, size_t size, const char *name, const char *text)
{
	tpath(path, size, name);
	put_bytes(path, text, strlen(text));
}

static void
db_open(const char *path, MMDB_s *db)
{
	int rc = MMDB_open(path, MMDB_MODE_MMAP, db);

	ck_assert_msg(rc == MMDB_SUCCESS, "MMDB_open %s: %s", path,
	    MMDB_strerror(rc));
}

/* Country code of ip ("" when the database has no answer) and netmask. */
static void
lookup(MMDB_s *db, const char *ip, char cc[3], uint16_t *mask)
{
	MMDB_lookup_result_s res;
	MMDB_entry_data_s val;
	int gai = 0, mmerr = 0, rc;

	res = MMDB_lookup_string(db, ip, &gai, &mmerr);
	ck_assert_msg(gai == 0 && mmerr == MMDB_SUCCESS,
	    "lookup %s: gai %d, %s", ip, gai, MMDB_strerror(mmerr));
	cc[0] = '\0';
	if (mask != NULL)
		*mask = res.netmask;
	if (!res.found_entry)
		return;
	rc = MMDB_get_value(&res.entry, &val, "country", "iso_code", NULL);
	ck_assert_msg(rc == MMDB_SUCCESS, "%s: %s", ip, MMDB_strerror(rc));
	ck_assert_msg(val.has_data && val.type == MMDB_DATA_TYPE_UTF8_STRING &&
	    val.data_size == 2, "%s: iso_code is not a 2-byte string", ip);
	memcpy(cc, val.utf8_string, 2);
	cc[2] = '\0';
}

static void
expect(MMDB_s *db, const char *ip, const char *want)
{
	char cc[3];

	lookup(db, ip, cc, NULL);
	ck_assert_msg(strcmp(cc, want) == 0, "%s: got \"%s\", want \"%s\"",
	    ip, cc, want);
}

static void
expect_mask(MMDB_s *db, const char *ip, const char *want, unsigned mask)
{
	char cc[3];
	uint16_t m;

	lookup(db, ip, cc, &m);
	ck_assert_msg(strcmp(cc, want) == 0, "%s: got \"%s\", want \"%s\"",
	    ip, cc, want);
	ck_assert_msg(m == mask, "%s: netmask %u, want %u", ip, m, mask);
}

/* Writes b to tmpdir/name, failing the test on error. */
static void
build(struct geodb_build *b, char *path, size_t size, const char *name)
{
	char err[512] = "";

	tpath(path, size, name);
	ck_assert_msg(geodb_build_write(b, path, EPOCH, err, sizeof(err)) == 0,
	    "write: %s", err);
}

static struct geodb_build *
builder(void)
{
	struct geodb_build *b = geodb_build_new();

	ck_assert_ptr_nonnull(b);
	return b;
}

START_TEST(test_csv_lookups)
{
	struct geodb_build *b = builder();
	char in[PLEN], out[PLEN], err[512] = "";
	MMDB_s db;

	put_file(in, sizeof(in), "small.csv",
	    "# test networks\r\n"
	    "network,iso_code\r\n"
	    "192.0.2.0/24,NL  \r\n"
	    "\r\n"
	    "   \t\n"
	    "198.51.100.0/25,US\t\n"
	    "203.0.113.7,DE\n"
	    "2001:db8::/32 , FR\n"
	    "2001:db9:1::1,FI");	/* no final newline */
	ck_assert_msg(geodb_build_read_csv(b, in, err, sizeof(err)) == 0,
	    "%s", err);
	build(b, out, sizeof(out), "small.mmdb");
	db_open(out, &db);

	expect(&db, "192.0.2.0", "NL");
	expect(&db, "192.0.2.255", "NL");
	expect(&db, "192.0.1.255", "");
	expect(&db, "192.0.3.0", "");
	expect(&db, "198.51.100.0", "US");
	expect(&db, "198.51.100.127", "US");
	expect(&db, "198.51.99.255", "");
	expect(&db, "198.51.100.128", "");
	expect(&db, "203.0.113.7", "DE");
	expect(&db, "203.0.113.6", "");
	expect(&db, "203.0.113.8", "");
	expect(&db, "2001:db8::", "FR");
	expect(&db, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "FR");
	expect(&db, "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "");
	expect(&db, "2001:db9::", "");
	expect(&db, "2001:db9:1::1", "FI");
	expect(&db, "2001:db9:1::", "");
	expect(&db, "2001:db9:1::2", "");
	/* IPv4 through the IPv4-mapped alias ... */
	expect(&db, "::ffff:192.0.2.0", "NL");
	expect(&db, "::ffff:192.0.2.255", "NL");
	expect(&db, "::ffff:192.0.3.0", "");
	expect(&db, "::ffff:203.0.113.7", "DE");
	/* ... and through 6to4 (2002:V4ADDR::/48). */
	expect(&db, "2002:c000:0200::", "NL");
	expect(&db, "2002:c000:02ff:ffff:ffff:ffff:ffff:ffff", "NL");
	expect(&db, "2002:c000:0300::", "");
	expect(&db, "2002:cb00:7107::1", "DE");
	/* IPv4 is ::a.b.c.d in the tree. */
	expect(&db, "::192.0.2.1", "NL");

	MMDB_close(&db);
	geodb_build_free(b);
}
END_TEST

START_TEST(test_tor_files)
{
	struct geodb_build *b = builder();
	char v4[PLEN], v6[PLEN], out[PLEN], err[512] = "";
	struct geodb_build_stats st;
	MMDB_s db;

	put_file(v4, sizeof(v4), "geoip",
	    "# This file has been converted ...\n"
	    "16777216,16777471,AU\n"
	    "16777472,16778239,CN\n"
	    "3221225984,3221226239,NL\n"	/* 192.0.2.0/24 */
	    "3221226240,3221226495,??\n"	/* 192.0.3.0/24 */
	    "3325256704,3325256959,EU\n");	/* 198.51.100.0/24 */
	put_file(v6, sizeof(v6), "geoip6",
	    "# comment\r\n"
	    "2001:db8::,2001:db8:0:ffff:ffff:ffff:ffff:ffff,DE\r\n"
	    "2001:db8:1::,2001:db8:1:ffff:ffff:ffff:ffff:ffff,??\r\n"
	    "2002::,2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff,JP\r\n"
	    "2a00::,2a00:ff:ffff:ffff:ffff:ffff:ffff:ffff,UK\r\n");
	ck_assert_msg(geodb_build_read_tor(b, v4, AF_INET, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_msg(geodb_build_read_tor(b, v6, AF_INET6, err,
	    sizeof(err)) == 0, "%s", err);
	build(b, out, sizeof(out), "tor.mmdb");
	geodb_build_get_stats(b, &st);
	ck_assert_uint_eq(st.ranges_in, 6);
	ck_assert_uint_eq(st.aliased_skipped, 1);
	db_open(out, &db);

	expect(&db, "1.0.0.0", "AU");
	expect(&db, "1.0.0.255", "AU");
	expect(&db, "0.255.255.255", "");
	expect(&db, "1.0.1.0", "CN");
	expect(&db, "1.0.3.255", "CN");
	expect(&db, "1.0.4.0", "");
	expect(&db, "192.0.2.9", "NL");
	expect(&db, "192.0.3.9", "");	/* ?? is no data */
	expect(&db, "198.51.100.1", "EU");
	expect(&db, "2001:db8::1", "DE");
	expect(&db, "2001:db8:0:ffff:ffff:ffff:ffff:ffff", "DE");
	expect(&db, "2001:db8:1::1", "");
	expect(&db, "2a00::", "UK");
	expect(&db, "2a00:ff:ffff:ffff:ffff:ffff:ffff:ffff", "UK");
	expect(&db, "2a00:100::", "");
	/* Tor's 2002::/16 JP line yields to the IPv4 data behind 6to4. */
	expect(&db, "2002:c000:0209::", "NL");
	expect(&db, "2002:0100:0000::1", "AU");
	expect(&db, "2002:0808:0808::", "");
	expect(&db, "::ffff:1.0.1.0", "CN");

	MMDB_close(&db);
	geodb_build_free(b);
}
END_TEST

/* IPv6 text inside the IPv4 space or its aliases is dropped and counted. */
START_TEST(test_alias_input_skipped)
{
	struct geodb_build *b = builder();
	char in[PLEN], out[PLEN], err[512] = "";
	struct geodb_build_stats st;
	MMDB_s db;

	put_file(in, sizeof(in), "alias.csv",
	    "192.0.2.0/24,NL\n"
	    "::1.2.3.0/120,DE\n"		/* IPv4-compatible: ::/96 */
	    "::ffff:1.2.3.0/120,DE\n"	/* IPv4-mapped */
	    "2002:0102:0300::/40,DE\n"	/* 6to4 */
	    "::/0,EU\n");			/* clipped around all three */
	ck_assert_msg(geodb_build_read_csv(b, in, err, sizeof(err)) == 0,
	    "%s", err);
	build(b, out, sizeof(out), "alias.mmdb");
	geodb_build_get_stats(b, &st);
	ck_assert_uint_eq(st.aliased_skipped, 4);
	ck_assert_uint_eq(st.ranges_in, 2);	/* NL; the rest of ::/0 */
	db_open(out, &db);
	expect(&db, "1.2.3.4", "");
	expect(&db, "::ffff:1.2.3.4", "");
	expect(&db, "2002:0102:0304::", "");
	expect(&db, "192.0.2.1", "NL");
	expect(&db, "2002:c000:0201::", "NL");
	expect(&db, "::1:0:0", "EU");		/* just above ::/96 */
	expect(&db, "::fffe:ffff:ffff", "EU");	/* below ::ffff:0:0 */
	expect(&db, "::1:0:0:0", "EU");		/* above ::ffff:0:0/96 */
	expect(&db, "2001:db8::1", "EU");
	expect(&db, "2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "EU");
	expect(&db, "2003::", "EU");
	expect(&db, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "EU");
	MMDB_close(&db);
	geodb_build_free(b);
}
END_TEST

START_TEST(test_merge_adjacent)
{
	struct geodb_build *b1 = builder(), *b2 = builder(), *b3 = builder();
	char in[PLEN], csv[PLEN], out[PLEN], err[512] = "";
	struct geodb_build_stats s1, s2, s3;
	char text[256 * 24], *p;
	MMDB_s db;
	int i;

	/* 1.0.0.0/24 one address per line, once all NL, once alternating. */
	for (p = text, i = 0; i < 256; i++)
		p += sprintf(p, "%d,%d,NL\n", 16777216 + i, 16777216 + i);
	put_file(in, sizeof(in), "merge-same", text);
	ck_assert_msg(geodb_build_read_tor(b1, in, AF_INET, err,
	    sizeof(err)) == 0, "%s", err);
	build(b1, out, sizeof(out), "merge-same.mmdb");
	geodb_build_get_stats(b1, &s1);
	ck_assert_uint_eq(s1.ranges_in, 256);
	ck_assert_uint_eq(s1.ranges_merged, 1);
	ck_assert_uint_eq(s1.networks, 1);
	db_open(out, &db);
	expect_mask(&db, "1.0.0.0", "NL", 96 + 24);
	expect_mask(&db, "1.0.0.255", "NL", 96 + 24);
	expect(&db, "1.0.1.0", "");
	MMDB_close(&db);

	for (p = text, i = 0; i < 256; i++)
		p += sprintf(p, "%d,%d,%s\n", 16777216 + i, 16777216 + i,
		    i % 2 ? "DE" : "NL");
	put_file(in, sizeof(in), "merge-alt", text);
	ck_assert_msg(geodb_build_read_tor(b2, in, AF_INET, err,
	    sizeof(err)) == 0, "%s", err);
	build(b2, out, sizeof(out), "merge-alt.mmdb");
	geodb_build_get_stats(b2, &s2);
	ck_assert_uint_eq(s2.ranges_merged, 256);
	ck_assert_uint_eq(s2.networks, 256);
	ck_assert_msg(s1.nodes < s2.nodes, "merged %zu nodes, unmerged %zu",
	    s1.nodes, s2.nodes);
	db_open(out, &db);
	expect_mask(&db, "1.0.0.0", "NL", 128);
	expect_mask(&db, "1.0.0.1", "DE", 128);
	MMDB_close(&db);

	/* Ranges merge across files and input order. */
	put_file(csv, sizeof(csv), "merge.csv", "1.0.1.0/24,NL\n");
	put_file(in, sizeof(in), "merge-one", "16777216,16777471,NL\n");
	ck_assert(geodb_build_read_csv(b3, csv, err, sizeof(err)) == 0);
	ck_assert(geodb_build_read_tor(b3, in, AF_INET, err,
	    sizeof(err)) == 0);
	build(b3, out, sizeof(out), "merge-x.mmdb");
	geodb_build_get_stats(b3, &s3);
	ck_assert_uint_eq(s3.ranges_merged, 1);
	ck_assert_uint_eq(s3.networks, 1);
	ck_assert_uint_eq(s3.nodes, s1.nodes - 1);
	db_open(out, &db);
	expect_mask(&db, "1.0.1.255", "NL", 96 + 23);
	MMDB_close(&db);

	geodb_build_free(b1);
	geodb_build_free(b2);
	geodb_build_free(b3);
}
END_TEST

START_TEST(test_overlap)
{
	struct geodb_build *b = builder();
	char v6[PLEN], v4[PLEN], csv[PLEN], out[PLEN];
	char err[512] = "", want[2 * PLEN + 32];

	put_file(v6, sizeof(v6), "geoip6",
	    "# header\n"
	    "2001:db8::,2001:db8::ff,NL\n"
	    "2001:db8::100,2001:db8::1ff,DE\n"
	    "2001:db8::1f0,2001:db8::2ff,FR\n");
	ck_assert(geodb_build_read_tor(b, v6, AF_INET6, err,
	    sizeof(err)) == 0);
	tpath(out, sizeof(out), "overlap.mmdb");
	ck_assert_int_eq(geodb_build_write(b, out, EPOCH, err, sizeof(err)),
	    -1);
	snprintf(want, sizeof(want), "%s:4 overlaps %s:3", v6, v6);
	ck_assert_msg(strstr(err, want) != NULL, "\"%s\" lacks \"%s\"", err,
	    want);
	ck_assert_int_eq(access(out, F_OK), -1);
	geodb_build_free(b);

	/* Sharing a single address is overlapping. */
	b = builder();
	put_file(v4, sizeof(v4), "touch-geoip", "1,10,NL\n10,20,DE\n");
	ck_assert(geodb_build_read_tor(b, v4, AF_INET, err, sizeof(err)) == 0);
	ck_assert_int_eq(geodb_build_write(b, out, EPOCH, err, sizeof(err)),
	    -1);
	snprintf(want, sizeof(want), "%s:2 overlaps %s:1", v4, v4);
	ck_assert_msg(strstr(err, want) != NULL, "\"%s\" lacks \"%s\"", err,
	    want);
	geodb_build_free(b);

	/* Across files; and an exact duplicate is an overlap too. */
	b = builder();
	put_file(csv, sizeof(csv), "overlap.csv", "\n\n192.0.2.128/25,NL\n");
	put_file(v4, sizeof(v4), "overlap-geoip", "3221225984,3221226239,NL\n");
	ck_assert(geodb_build_read_tor(b, v4, AF_INET, err, sizeof(err)) == 0);
	ck_assert(geodb_build_read_csv(b, csv, err, sizeof(err)) == 0);
	ck_assert_int_eq(geodb_build_write(b, out, EPOCH, err, sizeof(err)),
	    -1);
	snprintf(want, sizeof(want), "%s:3 overlaps %s:1", csv, v4);
	ck_assert_msg(strstr(err, want) != NULL, "\"%s\" lacks \"%s\"", err,
	    want);
	geodb_build_free(b);

	b = builder();
	put_file(v4, sizeof(v4), "dup-geoip",
	    "16777216,16777471,AU\n16777216,16777471,AU\n");
	ck_assert(geodb_build_read_tor(b, v4, AF_INET, err, sizeof(err)) == 0);
	ck_assert_int_eq(geodb_build_write(b, out, EPOCH, err, sizeof(err)),
	    -1);
	snprintf(want, sizeof(want), "%s:2 overlaps %s:1", v4, v4);
	ck_assert_msg(strstr(err, want) != NULL, "\"%s\" lacks \"%s\"", err,
	    want);
	geodb_build_free(b);
}
END_TEST

enum { TOR4, TOR6, CSV };

static const struct bad_case {
	int kind;
	const char *text;
	size_t len;		/* 0: strlen(text) */
	int line;
	const char *what;	/* expected in the message, after FILE:LINE: */
} bad_cases[] = {
	{ TOR4, "1,2\n", 0, 1, "2 fields" },
	{ TOR4, "# c\n16777216,16777471,AU\nabc,16777471,AU\n", 0, 3,
	    "bad IPv4 address number \"abc\"" },
	{ TOR4, "1,2,nl\n", 0, 1, "bad country code \"nl\"" },
	{ TOR4, "1,2,N1\n", 0, 1, "bad country code \"N1\"" },
	{ TOR4, "1,2,NLD\n", 0, 1, "bad country code \"NLD\"" },
	{ TOR4, "1,2,\n", 0, 1, "bad country code \"\"" },
	{ TOR4, "5,4,NL\n", 0, 1, "is after last address" },
	{ TOR4, "1,4294967296,NL\n", 0, 1, "bad IPv4 address number" },
	{ TOR4, "-1,2,NL\n", 0, 1, "bad IPv4 address number" },
	{ TOR4, "1, 2x,NL\n", 0, 1, "bad IPv4 address number \"2x\"" },
	{ TOR4, "1,2,NL,extra\n", 0, 1, "4 fields" },
	{ TOR4, "\n\ngarbage\n", 0, 3, "1 field" },
	{ TOR4, "1,2,NL\0\n", 8, 1, "NUL byte" },
	{ TOR4, "1,2,NL # note\n", 0, 1, "bad country code" },
	{ TOR6, "2001:db8::,2001:db8::ff\n", 0, 1, "2 fields" },
	{ TOR6, "2001:db8::,2001:db8::zz,NL\n", 0, 1,
	    "bad IPv6 address \"2001:db8::zz\"" },
	{ TOR6, "2001:db8::ff,2001:db8::,NL\n", 0, 1, "is after last" },
	{ TOR6, "1.2.3.4,1.2.3.5,NL\n", 0, 1, "bad IPv6 address" },
	{ TOR6, "2001:db8::,2001:db8::ff,N1\n", 0, 1, "bad country code" },
	{ CSV, "network,iso_code\n192.0.2.0/24\n", 0, 2, "1 field" },
	{ CSV, "192.0.2.0/33,NL\n", 0, 1, "bad prefix length" },
	{ CSV, "192.0.2.1/24,NL\n", 0, 1, "(valid: 192.0.2.0/24)" },
	{ CSV, "2001:db8::1/32,NL\n", 0, 1, "(valid: 2001:db8::/32)" },
	{ CSV, "192.0.2.256,NL\n", 0, 1, "bad IPv4 address" },
	{ CSV, "2001:db8::/129,NL\n", 0, 1, "bad prefix length" },
	{ CSV, "192.0.2.0/,NL\n", 0, 1, "bad prefix length" },
	{ CSV, "192.0.2.0/24/2,NL\n", 0, 1, "bad prefix length" },
	{ CSV, "192.0.2.0/24,nl\n", 0, 1, "bad country code" },
	{ CSV, "192.0.2.0/24,NLD\n", 0, 1, "bad country code" },
	{ CSV, "network,iso_code\nnetwork,iso_code\n", 0, 2,
	    "bad IPv4 address" },
	{ CSV, "hello world\n", 0, 1, "1 field" },
	{ CSV, "192.0.2.0/24,NL,x\n", 0, 1, "3 fields" },
};

START_TEST(test_malformed)
{
	const struct bad_case *c = &bad_cases[_i];
	struct geodb_build *b = builder();
	char path[PLEN], name[32], err[512] = "", want[PLEN + 16];
	struct geodb_build_stats st;
	int rc;

	snprintf(name, sizeof(name), "bad-%d", _i);
	tpath(path, sizeof(path), name);
	put_bytes(path, c->text, c->len ? c->len : strlen(c->text));
	if (c->kind == CSV)
		rc = geodb_build_read_csv(b, path, err, sizeof(err));
	else
		rc = geodb_build_read_tor(b, path,
		    c->kind == TOR4 ? AF_INET : AF_INET6, err, sizeof(err));
	ck_assert_int_eq(rc, -1);
	snprintf(want, sizeof(want), "%s:%d: ", path, c->line);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0,
	    "\"%s\" does not start with \"%s\"", err, want);
	ck_assert_msg(strstr(err, c->what) != NULL, "\"%s\" lacks \"%s\"",
	    err, c->what);
	ck_assert_msg(strstr(err, "(valid: ") != NULL,
	    "\"%s\" does not say what is valid", err);
	/* The failed file left nothing behind. */
	geodb_build_get_stats(b, &st);
	ck_assert_uint_eq(st.ranges_in, 0);
	geodb_build_free(b);
}
END_TEST

START_TEST(test_overlong_line)
{
	struct geodb_build *b = builder();
	char path[PLEN], err[512] = "", want[PLEN + 16];
	char *text = malloc(5000);

	ck_assert_ptr_nonnull(text);
	strcpy(text, "16777216,16777471,AU\n");
	memset(text + strlen(text), '1', 4000);
	strcpy(text + strlen("16777216,16777471,AU\n") + 4000, ",2,NL\n");
	put_file(path, sizeof(path), "overlong", text);
	ck_assert_int_eq(geodb_build_read_tor(b, path, AF_INET, err,
	    sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:2: line is ", path);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);
	free(text);
	geodb_build_free(b);
}
END_TEST

START_TEST(test_read_errors)
{
	struct geodb_build *b = builder();
	char good[PLEN], bad[PLEN], out[PLEN], err[512] = "";
	struct geodb_build_stats st;
	MMDB_s db;

	tpath(bad, sizeof(bad), "does-not-exist.csv");
	ck_assert_int_eq(geodb_build_read_csv(b, bad, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, bad) != NULL &&
	    strstr(err, strerror(ENOENT)) != NULL, "%s", err);
	ck_assert_int_eq(geodb_build_read_tor(b, bad, 99, err, sizeof(err)),
	    -1);
	ck_assert_msg(strstr(err, "family") != NULL, "%s", err);

	/* A file that fails part-way adds none of its ranges. */
	put_file(good, sizeof(good), "good.csv", "192.0.2.0/24,NL\n");
	put_file(bad, sizeof(bad), "half.csv",
	    "198.51.100.0/24,US\n198.51.101.0/24,us\n");
	ck_assert(geodb_build_read_csv(b, good, err, sizeof(err)) == 0);
	ck_assert_int_eq(geodb_build_read_csv(b, bad, err, sizeof(err)), -1);
	build(b, out, sizeof(out), "half.mmdb");
	geodb_build_get_stats(b, &st);
	ck_assert_uint_eq(st.ranges_in, 1);
	db_open(out, &db);
	expect(&db, "192.0.2.1", "NL");
	expect(&db, "198.51.100.1", "");
	MMDB_close(&db);
	geodb_build_free(b);
}
END_TEST

START_TEST(test_add_api)
{
	struct geodb_build *b = builder();
	uint8_t f[16] = { 0 }, l[16] = { 0 };
	char out[PLEN], err[512] = "";
	struct geodb_build_stats st;
	MMDB_s db;

	/* 192.0.2.0 - 192.0.2.255 as ::192.0.2.0 - ::192.0.2.255 */
	f[12] = l[12] = 192;
	f[14] = l[14] = 2;
	l[15] = 255;
	ck_assert_int_eq(geodb_build_add(b, f, l, "NL", "api", 6, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(geodb_build_add(b, f, l, "nl", "api", 7, err,
	    sizeof(err)), -1);
	ck_assert_msg(strncmp(err, "api:7: ", 7) == 0, "%s", err);
	ck_assert_int_eq(geodb_build_add(b, f, l, "??", "api", 8, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(geodb_build_add(b, l, f, "NL", "api", 9, err,
	    sizeof(err)), -1);
	ck_assert_msg(strncmp(err, "api:9: ", 7) == 0 &&
	    strstr(err, "192.0.2.255") != NULL, "%s", err);
	/* Inside ::ffff:0:0/96: skipped, counted. */
	f[10] = f[11] = l[10] = l[11] = 0xff;
	ck_assert_int_eq(geodb_build_add(b, f, l, "DE", NULL, 0, err,
	    sizeof(err)), 0);
	geodb_build_get_stats(b, &st);
	ck_assert_uint_eq(st.ranges_in, 1);
	ck_assert_uint_eq(st.aliased_skipped, 1);
	/* 2001:db8::/32 */
	memset(f, 0, 16);
	memset(l, 0xff, 16);
	f[0] = l[0] = 0x20;
	f[1] = l[1] = 0x01;
	f[2] = l[2] = 0x0d;
	f[3] = l[3] = 0xb8;
	ck_assert_int_eq(geodb_build_add(b, f, l, "FR", NULL, 0, err,
	    sizeof(err)), 0);
	build(b, out, sizeof(out), "api.mmdb");
	db_open(out, &db);
	expect_mask(&db, "192.0.2.7", "NL", 120);
	expect_mask(&db, "::ffff:192.0.2.7", "NL", 120);
	expect_mask(&db, "2001:db8:1::", "FR", 32);
	MMDB_close(&db);
	geodb_build_free(b);
}
END_TEST

START_TEST(test_netmask)
{
	struct geodb_build *b = builder();
	char in[PLEN], csv[PLEN], out[PLEN], err[512] = "";
	MMDB_s db;

	put_file(csv, sizeof(csv), "mask.csv",
	    "203.0.113.7,DE\n2001:db8::/32,FR\n2001:db9::5,SE\n"
	    "2001:db9:0:1::/64,FI\n2001:db9:1::/63,FI\n");
	/* 192.0.2.0 - 192.0.3.0: a /24 and a /32 */
	put_file(in, sizeof(in), "mask-geoip", "3221225984,3221226240,NL\n");
	ck_assert(geodb_build_read_csv(b, csv, err, sizeof(err)) == 0);
	ck_assert(geodb_build_read_tor(b, in, AF_INET, err, sizeof(err)) == 0);
	build(b, out, sizeof(out), "mask.mmdb");
	db_open(out, &db);
	expect_mask(&db, "192.0.2.77", "NL", 96 + 24);
	expect_mask(&db, "192.0.3.0", "NL", 96 + 32);
	expect_mask(&db, "203.0.113.7", "DE", 96 + 32);
	expect_mask(&db, "::ffff:192.0.2.1", "NL", 96 + 24);
	expect_mask(&db, "2002:c000:0201::", "NL", 16 + 24);
	expect_mask(&db, "2001:db8::1", "FR", 32);
	expect_mask(&db, "2001:db9::5", "SE", 128);
	expect_mask(&db, "2001:db9:0:1::", "FI", 64);
	expect_mask(&db, "2001:db9:0:1:ffff:ffff:ffff:ffff", "FI", 64);
	expect_mask(&db, "2001:db9:1:1:ffff:ffff:ffff:ffff", "FI", 63);
	expect(&db, "2001:db9:0:2::", "");
	MMDB_close(&db);
	geodb_build_free(b);
}
END_TEST

START_TEST(test_metadata)
{
	struct geodb_build *b = builder();
	char in[PLEN], out[PLEN], err[512] = "", *data;
	struct geodb_build_stats st;
	struct stat sb;
	size_t i, hits = 0;
	FILE *fp;
	MMDB_s db;
	static const char rec[] = "\x48iso_code\x42NL";

	put_file(in, sizeof(in), "meta-geoip",
	    "16777216,16777471,NL\n16777473,16777479,NL\n"
	    "16777500,16777600,DE\n16777700,16777800,NL\n");
	ck_assert(geodb_build_read_tor(b, in, AF_INET, err, sizeof(err)) == 0);
	build(b, out, sizeof(out), "meta.mmdb");
	geodb_build_get_stats(b, &st);
	ck_assert(stat(out, &sb) == 0);
	ck_assert_uint_eq((size_t)sb.st_size, st.bytes);
	ck_assert_uint_eq(st.ranges_merged, 4);
	ck_assert(st.record_size == 24 || st.record_size == 28 ||
	    st.record_size == 32);

	db_open(out, &db);
	ck_assert_uint_eq(db.metadata.node_count, st.nodes);
	ck_assert_uint_eq(db.metadata.record_size, st.record_size);
	ck_assert_uint_eq(db.metadata.ip_version, 6);
	ck_assert_uint_eq(db.metadata.binary_format_major_version, 2);
	ck_assert_uint_eq(db.metadata.binary_format_minor_version, 0);
	ck_assert_uint_eq(db.metadata.build_epoch, EPOCH);
	ck_assert_str_eq(db.metadata.database_type, "eeaguard-Country");
	ck_assert_uint_eq(db.metadata.languages.count, 1);
	ck_assert_str_eq(db.metadata.languages.names[0], "en");
	ck_assert_uint_eq(db.metadata.description.count, 1);
	ck_assert_str_eq(db.metadata.description.descriptions[0]->language,
	    "en");
	ck_assert_str_eq(db.metadata.description.descriptions[0]->description,
	    "eeaguard country database");
	MMDB_close(&db);

	/* One data record per code, however many networks use it. */
	ck_assert_ptr_nonnull(data = malloc((size_t)sb.st_size));
	ck_assert_ptr_nonnull(fp = fopen(out, "r"));
	ck_assert(fread(data, 1, (size_t)sb.st_size, fp) ==
	    (size_t)sb.st_size);
	fclose(fp);
	for (i = 0; i + sizeof(rec) - 1 <= (size_t)sb.st_size; i++)
		hits += memcmp(data + i, rec, sizeof(rec) - 1) == 0;
	ck_assert_uint_eq(hits, 1);
	free(data);

	/* build_epoch 0 is now. */
	ck_assert(geodb_build_write(b, out, 0, err, sizeof(err)) == 0);
	db_open(out, &db);
	ck_assert(db.metadata.build_epoch + 60 >= (uint64_t)time(NULL) &&
	    db.metadata.build_epoch <= (uint64_t)time(NULL));
	MMDB_close(&db);
	geodb_build_free(b);
}
END_TEST

START_TEST(test_empty)
{
	struct geodb_build *b = builder();
	char out[PLEN];
	MMDB_s db;

	build(b, out, sizeof(out), "empty.mmdb");
	db_open(out, &db);
	expect(&db, "192.0.2.1", "");
	expect(&db, "::ffff:192.0.2.1", "");
	expect(&db, "2001:db8::1", "");
	MMDB_close(&db);
	geodb_build_free(b);
}
END_TEST

/* Entries of tmpdir whose name starts with prefix. */
static int
count_entries(const char *prefix)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL)
		n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
	closedir(d);
	return n;
}

static size_t
read_all(const char *path, char *buf, size_t size)
{
	FILE *fp = fopen(path, "r");
	size_t n;

	ck_assert_ptr_nonnull(fp);
	n = fread(buf, 1, size, fp);
	fclose(fp);
	return n;
}

START_TEST(test_atomic_write)
{
	struct geodb_build *b = builder(), *bad = builder();
	char in[PLEN], out[PLEN], path[PLEN], err[512] = "";
	static char before[1 << 16], after[1 << 16];
	size_t n1, n2;
	struct stat sb;
	MMDB_s db;

	put_file(in, sizeof(in), "atomic-geoip", "16777216,16777471,AU\n");
	ck_assert(geodb_build_read_tor(b, in, AF_INET, err, sizeof(err)) == 0);
	build(b, out, sizeof(out), "atomic.mmdb");
	ck_assert(stat(out, &sb) == 0);
	ck_assert_uint_eq(sb.st_mode & 0777, 0644);
	n1 = read_all(out, before, sizeof(before));

	/* A failed build leaves the old database and no temporary file. */
	put_file(in, sizeof(in), "atomic-bad",
	    "16777216,16777471,NL\n16777300,16777400,DE\n");
	ck_assert(geodb_build_read_tor(bad, in, AF_INET, err,
	    sizeof(err)) == 0);
	ck_assert_int_eq(geodb_build_write(bad, out, EPOCH, err, sizeof(err)),
	    -1);
	n2 = read_all(out, after, sizeof(after));
	ck_assert(n1 == n2 && memcmp(before, after, n1) == 0);
	ck_assert_int_eq(count_entries("atomic.mmdb"), 1);

	/* The rename fails onto a directory: temp file removed. */
	tpath(path, sizeof(path), "isdir");
	ck_assert(mkdir(path, 0755) == 0);
	ck_assert_int_eq(geodb_build_write(b, path, EPOCH, err, sizeof(err)),
	    -1);
	ck_assert_msg(strstr(err, path) != NULL, "%s", err);
	ck_assert_int_eq(count_entries("isdir"), 1);

	tpath(path, sizeof(path), "nodir/x.mmdb");
	ck_assert_int_eq(geodb_build_write(b, path, EPOCH, err, sizeof(err)),
	    -1);
	ck_assert_msg(strstr(err, "nodir") != NULL, "%s", err);

	/* A good build replaces the old file. */
	put_file(in, sizeof(in), "atomic-new", "16777216,16777471,SE\n");
	geodb_build_free(bad);
	bad = builder();
	ck_assert(geodb_build_read_tor(bad, in, AF_INET, err,
	    sizeof(err)) == 0);
	ck_assert(geodb_build_write(bad, out, EPOCH, err, sizeof(err)) == 0);
	db_open(out, &db);
	expect(&db, "1.0.0.1", "SE");
	MMDB_close(&db);
	ck_assert_int_eq(count_entries("atomic.mmdb"), 1);
	geodb_build_free(b);
	geodb_build_free(bad);
}
END_TEST

START_TEST(test_mmdblookup)
{
	struct geodb_build *b = builder();
	char in[PLEN], out[PLEN], cmd[2 * PLEN], line[256];
	char err[512] = "";
	FILE *p;
	int found = 0, other = 0;

	if (access("/usr/bin/mmdblookup", X_OK) != 0) {
		geodb_build_free(b);
		return;	/* mmdb-bin not installed */
	}
	put_file(in, sizeof(in), "ml.csv",
	    "192.0.2.0/24,NL\n2001:db8::/32,FR\n");
	ck_assert(geodb_build_read_csv(b, in, err, sizeof(err)) == 0);
	build(b, out, sizeof(out), "ml.mmdb");
	snprintf(cmd, sizeof(cmd), "/usr/bin/mmdblookup --file '%s' --ip "
	    "192.0.2.1 country iso_code 2>&1", out);
	ck_assert_ptr_nonnull(p = popen(cmd, "r"));
	while (fgets(line, sizeof(line), p) != NULL) {
		if (strstr(line, "\"NL\" <utf8_string>") != NULL)
			found++;
		else if (strspn(line, " \t\r\n") != strlen(line))
			other++;
	}
	ck_assert_int_eq(pclose(p), 0);
	ck_assert_int_eq(found, 1);
	ck_assert_int_eq(other, 0);
	geodb_build_free(b);
}
END_TEST

/* xorshift64*: the same sequence on every platform. */
static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint64_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1du;
}

static const char *const codes[] = {
	"NL", "DE", "US", "EU", "AP", "FR", "SE", "JP"
};

struct r4 {
	uint32_t f, l;
	const char *cc;
};

/* Code at a in sorted disjoint rs, "" when none. */
static const char *
find4(const struct r4 *rs, size_t n, uint64_t a)
{
	size_t lo = 0, hi = n, m;

	while (lo < hi) {
		m = (lo + hi) / 2;
		if (a < rs[m].f)
			hi = m;
		else if (a > rs[m].l)
			lo = m + 1;
		else
			return rs[m].cc;
	}
	return "";
}

/* Netmask of the minimal-CIDR block holding a in merged range [f, l]. */
static unsigned
mask4(uint32_t f, uint32_t l, uint32_t a)
{
	unsigned k;
	uint64_t lo, hi;

	for (k = 32;; k--) {
		lo = a & ~(uint64_t)((1ull << k) - 1);
		hi = lo + (1ull << k) - 1;
		if (lo >= f && hi <= l)
			return 96 + 32 - k;
	}
}

static void
check4(MMDB_s *db, const struct r4 *rs, size_t n, const struct r4 *mg,
    size_t nm, uint64_t a)
{
	char ip[64], cc[3];
	const char *want = find4(rs, n, a);
	struct in_addr ia;
	uint16_t mask;
	size_t lo = 0, hi = nm, m = 0;

	ia.s_addr = htonl((uint32_t)a);
	inet_ntop(AF_INET, &ia, ip, sizeof(ip));
	lookup(db, ip, cc, &mask);
	ck_assert_msg(strcmp(cc, want) == 0, "%s: got \"%s\", want \"%s\"",
	    ip, cc, want);
	if (*want != '\0') {
		while (lo < hi) {	/* the merged range holding a */
			m = (lo + hi) / 2;
			if (a < mg[m].f)
				hi = m;
			else if (a > mg[m].l)
				lo = m + 1;
			else
				break;
		}
		ck_assert(lo < hi);
		ck_assert_msg(mask == mask4(mg[m].f, mg[m].l, (uint32_t)a),
		    "%s: netmask %u, want %u", ip, mask,
		    mask4(mg[m].f, mg[m].l, (uint32_t)a));
	}
	snprintf(ip, sizeof(ip), "::ffff:");
	inet_ntop(AF_INET, &ia, ip + 7, sizeof(ip) - 7);
	expect(db, ip, want);
}

struct r6 {
	uint64_t fh, fl, lh, ll;
	const char *cc;
};

static int
cmp6(uint64_t ah, uint64_t al, uint64_t bh, uint64_t bl)
{
	if (ah != bh)
		return ah < bh ? -1 : 1;
	return al < bl ? -1 : al > bl;
}

static void
check6(MMDB_s *db, const struct r6 *rs, size_t n, uint64_t h, uint64_t l)
{
	const char *want = "";
	size_t lo = 0, hi = n, m;
	uint8_t a[16];
	char ip[INET6_ADDRSTRLEN];
	int i;

	while (lo < hi) {
		m = (lo + hi) / 2;
		if (cmp6(h, l, rs[m].fh, rs[m].fl) < 0)
			hi = m;
		else if (cmp6(h, l, rs[m].lh, rs[m].ll) > 0)
			lo = m + 1;
		else {
			want = rs[m].cc;
			break;
		}
	}
	for (i = 0; i < 8; i++) {
		a[i] = (uint8_t)(h >> (56 - 8 * i));
		a[i + 8] = (uint8_t)(l >> (56 - 8 * i));
	}
	inet_ntop(AF_INET6, a, ip, sizeof(ip));
	expect(db, ip, want);
}

static void
add128(uint64_t *h, uint64_t *l, uint64_t xh, uint64_t xl)
{
	uint64_t old = *l;

	*l += xl;
	*h += xh + (*l < old);
}

static void
fmt6(char *buf, size_t size, uint64_t h, uint64_t l)
{
	uint8_t a[16];
	int i;

	for (i = 0; i < 8; i++) {
		a[i] = (uint8_t)(h >> (56 - 8 * i));
		a[i + 8] = (uint8_t)(l >> (56 - 8 * i));
	}
	inet_ntop(AF_INET6, a, buf, (socklen_t)size);
}

#define NRAND 2000

START_TEST(test_random)
{
	struct geodb_build *b = builder();
	static struct r4 r4s[NRAND], mg[NRAND];
	static struct r6 r6s[NRAND];
	char v4[PLEN], v6[PLEN], out[PLEN], err[512] = "";
	char a1[INET6_ADDRSTRLEN], a2[INET6_ADDRSTRLEN];
	uint64_t cur, ch, cl, x;
	size_t i, nm = 0;
	FILE *fp4, *fp6;
	MMDB_s db;

	tpath(v4, sizeof(v4), "rand-geoip");
	tpath(v6, sizeof(v6), "rand-geoip6");
	ck_assert_ptr_nonnull(fp4 = fopen(v4, "w"));
	ck_assert_ptr_nonnull(fp6 = fopen(v6, "w"));
	/* Disjoint ranges, some adjacent (gap 0), some one address. */
	cur = 1 + rnd() % 1000000;
	ch = 0x2400000000000000u;
	cl = 0;
	for (i = 0; i < NRAND; i++) {
		r4s[i].f = (uint32_t)(cur + (rnd() % 4 == 0 ? 0 :
		    1 + rnd() % (1u << 20)));
		x = rnd() % 3 == 0 ? rnd() % (1u << 16) : rnd() % 300;
		r4s[i].l = (uint32_t)(r4s[i].f + x);
		r4s[i].cc = codes[rnd() % 8];
		cur = (uint64_t)r4s[i].l + 1;
		fprintf(fp4, "%u,%u,%s\n", r4s[i].f, r4s[i].l, r4s[i].cc);
		if (nm > 0 && mg[nm - 1].cc == r4s[i].cc &&
		    (uint64_t)mg[nm - 1].l + 1 == r4s[i].f)
			mg[nm - 1].l = r4s[i].l;
		else
			mg[nm++] = r4s[i];

		if (rnd() % 4 != 0)	/* a gap */
			add128(&ch, &cl, rnd() % (1ull << 32), rnd());
		r6s[i].fh = r6s[i].lh = ch;
		r6s[i].fl = r6s[i].ll = cl;
		if (rnd() % 2 == 0)
			add128(&r6s[i].lh, &r6s[i].ll, 0, rnd() % 1000);
		else
			add128(&r6s[i].lh, &r6s[i].ll, rnd() % (1u << 20),
			    rnd());
		ch = r6s[i].lh;
		cl = r6s[i].ll;
		add128(&ch, &cl, 0, 1);
		r6s[i].cc = codes[rnd() % 8];
		fmt6(a1, sizeof(a1), r6s[i].fh, r6s[i].fl);
		fmt6(a2, sizeof(a2), r6s[i].lh, r6s[i].ll);
		fprintf(fp6, "%s,%s,%s\n", a1, a2, r6s[i].cc);
	}
	ck_assert(fclose(fp4) == 0);
	ck_assert(fclose(fp6) == 0);
	ck_assert_msg(geodb_build_read_tor(b, v4, AF_INET, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_msg(geodb_build_read_tor(b, v6, AF_INET6, err,
	    sizeof(err)) == 0, "%s", err);
	build(b, out, sizeof(out), "rand.mmdb");
	db_open(out, &db);
	for (i = 0; i < NRAND; i++) {
		check4(&db, r4s, NRAND, mg, nm, r4s[i].f);
		check4(&db, r4s, NRAND, mg, nm, r4s[i].l);
		check4(&db, r4s, NRAND, mg, nm, (uint64_t)r4s[i].f - 1);
		check4(&db, r4s, NRAND, mg, nm, (uint64_t)r4s[i].l + 1);
		check6(&db, r6s, NRAND, r6s[i].fh, r6s[i].fl);
		check6(&db, r6s, NRAND, r6s[i].lh, r6s[i].ll);
		check6(&db, r6s, NRAND, r6s[i].fh - (r6s[i].fl == 0),
		    r6s[i].fl - 1);
		check6(&db, r6s, NRAND, r6s[i].lh + (r6s[i].ll == UINT64_MAX),
		    r6s[i].ll + 1);
	}
	MMDB_close(&db);
	geodb_build_free(b);
}
END_TEST

static Suite *
geodb_build_suite(void)
{
	Suite *s = suite_create("geodb_build");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_csv_lookups);
	tcase_add_test(tc, test_tor_files);
	tcase_add_test(tc, test_alias_input_skipped);
	tcase_add_test(tc, test_merge_adjacent);
	tcase_add_test(tc, test_overlap);
	tcase_add_loop_test(tc, test_malformed, 0,
	    (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_test(tc, test_overlong_line);
	tcase_add_test(tc, test_read_errors);
	tcase_add_test(tc, test_add_api);
	tcase_add_test(tc, test_netmask);
	tcase_add_test(tc, test_metadata);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_atomic_write);
	tcase_add_test(tc, test_mmdblookup);
	tcase_add_test(tc, test_random);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(geodb_build_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
