/* Unit tests for geodb/geodb: lookups, the cache, the private copy, refusals. */
#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "geodb/geodb.h"
#include "geodb/geodb_build.h"

static char dir[64];
static char dbpath[128];
static const char *const cpath[] = { "country", "iso_code", NULL };

static const char fixture[] =
    "network,iso_code\n"
    "192.0.2.0/25,NL\n"
    "192.0.2.128/25,US\n"
    "198.51.100.0/24,US\n"
    "203.0.113.0/24,EU\n"
    "2001:db8::/48,NL\n"
    "2001:db8:1::/48,US\n";

static void
setup(void)
{
	struct geodb_build *b;
	char csv[128], err[256];
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/check_geodb.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(csv, sizeof(csv), "%s/geo.csv", dir);
	snprintf(dbpath, sizeof(dbpath), "%s/geo.mmdb", dir);
	ck_assert_ptr_nonnull(f = fopen(csv, "w"));
	fputs(fixture, f);
	fclose(f);
	ck_assert_ptr_nonnull(b = geodb_build_new());
	ck_assert_int_eq(geodb_build_read_csv(b, csv, err, sizeof(err)), 0);
	ck_assert_int_eq(geodb_build_write(b, dbpath, 1780000000, err,
	    sizeof(err)), 0);
	geodb_build_free(b);
	unlink(csv);
}

static void
teardown(void)
{
	unlink(dbpath);
	rmdir(dir);
}

static struct geodb_result
look(struct geodb *db, const char *text)
{
	struct geodb_result r;
	uint8_t a[16];
	int fam = strchr(text, ':') ? AF_INET6 : AF_INET;

	ck_assert_int_eq(inet_pton(fam, text, a), 1);
	ck_assert_int_eq(geodb_lookup(db, fam, a, &r), 0);
	return r;
}

START_TEST(lookups_both_families)
{
	char err[256];
	struct geodb *db = geodb_open(dbpath, cpath, 1024, err, sizeof(err));
	struct geodb_result r;

	ck_assert_msg(db != NULL, "%s", err);
	r = look(db, "192.0.2.1");
	ck_assert_str_eq(r.cc, "NL");
	ck_assert_uint_eq(r.prefix_len, 25);
	ck_assert(r.found);
	r = look(db, "192.0.2.200");
	ck_assert_str_eq(r.cc, "US");
	ck_assert_uint_eq(r.prefix_len, 25);
	r = look(db, "::ffff:192.0.2.1");	/* mapped: looked up as IPv4 */
	ck_assert_str_eq(r.cc, "NL");
	ck_assert_uint_eq(r.prefix_len, 25);
	r = look(db, "203.0.113.5");
	ck_assert_str_eq(r.cc, "EU");		/* region codes are kept */
	r = look(db, "2001:db8:1:2::3");
	ck_assert_str_eq(r.cc, "US");
	ck_assert_uint_eq(r.prefix_len, 48);
	r = look(db, "8.8.8.8");
	ck_assert_str_eq(r.cc, "--");
	ck_assert(!r.found);
	r = look(db, "2001:db8:ffff::1");
	ck_assert_str_eq(r.cc, "--");
	ck_assert(!r.found);
	geodb_close(db);
}
END_TEST

/*
 * A one-slot cache must never answer one network with another's code:
 * compare every answer against an uncached reader over addresses that
 * straddle network boundaries.
 */
START_TEST(cache_correct_across_boundaries)
{
	char err[256];
	struct geodb *tiny = geodb_open(dbpath, cpath, 1, err, sizeof(err));
	struct geodb *big = geodb_open(dbpath, cpath, 65536, err, sizeof(err));
	struct geodb *none = geodb_open(dbpath, cpath, 0, err, sizeof(err));
	struct geodb_cache_stats st;
	uint32_t base = (192u << 24) | (0u << 16) | (2u << 8);

	ck_assert_ptr_nonnull(tiny);
	ck_assert_ptr_nonnull(big);
	ck_assert_ptr_nonnull(none);
	for (int round = 0; round < 3; round++) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t a = htonl(base + ((i * 97) & 255));
			struct geodb_result r0, r1, r2;

			geodb_lookup(none, AF_INET, (uint8_t *)&a, &r0);
			geodb_lookup(tiny, AF_INET, (uint8_t *)&a, &r1);
			geodb_lookup(big, AF_INET, (uint8_t *)&a, &r2);
			ck_assert_str_eq(r0.cc, r1.cc);
			ck_assert_str_eq(r0.cc, r2.cc);
			ck_assert_uint_eq(r0.prefix_len, r2.prefix_len);
			ck_assert_int_eq(r0.found, r2.found);
		}
	}
	geodb_get_cache_stats(big, &st);
	ck_assert_uint_eq(st.misses, 256);
	ck_assert_uint_eq(st.hits, 512);
	geodb_get_cache_stats(none, &st);
	ck_assert_uint_eq(st.hits, 0);
	geodb_close(tiny);
	geodb_close(big);
	geodb_close(none);
}
END_TEST

/* IPv4 a.b.c.d and ::ffff:a.b.c.d are one cache entry, one answer. */
START_TEST(cache_mapped_same_entry)
{
	char err[256];
	struct geodb *db = geodb_open(dbpath, cpath, 64, err, sizeof(err));
	struct geodb_cache_stats st;
	struct geodb_result r;

	ck_assert_ptr_nonnull(db);
	r = look(db, "198.51.100.9");
	ck_assert_str_eq(r.cc, "US");
	r = look(db, "::ffff:198.51.100.9");
	ck_assert_str_eq(r.cc, "US");
	geodb_get_cache_stats(db, &st);
	ck_assert_uint_eq(st.hits, 1);
	geodb_close(db);
}
END_TEST

/* The original may be truncated in place: the open geodb is unaffected. */
START_TEST(private_copy_survives_truncation)
{
	char err[256], cmd[256], want[65] = "";
	struct geodb *db;
	const struct geodb_info *gi;
	struct geodb_result r;
	FILE *p;
	int fd;

	snprintf(cmd, sizeof(cmd), "sha256sum %s", dbpath);
	ck_assert_ptr_nonnull(p = popen(cmd, "r"));
	ck_assert_int_eq(fscanf(p, "%64s", want), 1);
	pclose(p);

	db = geodb_open(dbpath, cpath, 0, err, sizeof(err));
	ck_assert_ptr_nonnull(db);
	gi = geodb_get_info(db);
	ck_assert_str_eq(gi->sha256, want);
	ck_assert_str_eq(gi->build_time, "2026-05-28T20:26:40Z");
	ck_assert_uint_eq(gi->build_epoch, 1780000000);
	ck_assert_uint_eq(gi->countries, 3);
	ck_assert_uint_eq(gi->ip_version, 6);
	ck_assert_str_eq(gi->country_path, "country/iso_code");

	ck_assert_int_ge(fd = open(dbpath, O_WRONLY | O_TRUNC), 0);
	close(fd);
	r = look(db, "192.0.2.200");
	ck_assert_str_eq(r.cc, "US");
	r = look(db, "2001:db8::1");
	ck_assert_str_eq(r.cc, "NL");
	geodb_close(db);

	/* And now the truncated file itself is refused, by name. */
	db = geodb_open(dbpath, cpath, 0, err, sizeof(err));
	ck_assert_ptr_null(db);
	ck_assert_ptr_nonnull(strstr(err, dbpath));
	ck_assert_ptr_nonnull(strstr(err, "empty"));
}
END_TEST

START_TEST(wrong_country_path_refused)
{
	static const char *const bad[] = { "country", "names", "en", NULL };
	char err[256];
	struct geodb *db = geodb_open(dbpath, bad, 0, err, sizeof(err));

	ck_assert_ptr_null(db);
	ck_assert_ptr_nonnull(strstr(err, "is geodb.country_path right"));
	ck_assert_ptr_nonnull(strstr(err, "country/names/en"));
}
END_TEST

START_TEST(deep_country_path_refused)
{
	static const char *const deep[] = { "a", "b", "c", "d", "e", "f", "g",
	    "h", "i", NULL };
	char err[256];
	struct geodb *db = geodb_open(dbpath, deep, 0, err, sizeof(err));

	/* Said as such, not as "too deep or out of memory". */
	ck_assert_ptr_null(db);
	ck_assert_ptr_nonnull(strstr(err, "country_path has 9 names, more "
	    "than 8"));
}
END_TEST

START_TEST(bad_files_refused)
{
	char err[256], path[128];
	struct geodb *db;
	FILE *f;

	snprintf(path, sizeof(path), "%s/nonexistent.mmdb", dir);
	db = geodb_open(path, cpath, 0, err, sizeof(err));
	ck_assert_ptr_null(db);
	ck_assert_ptr_nonnull(strstr(err, path));
	ck_assert_ptr_nonnull(strstr(err, "No such file"));

	snprintf(path, sizeof(path), "%s/text.mmdb", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("this is not a database\n", f);
	fclose(f);
	db = geodb_open(path, cpath, 0, err, sizeof(err));
	ck_assert_ptr_null(db);
	ck_assert_ptr_nonnull(strstr(err, "not a valid MaxMind DB"));
	unlink(path);

	db = geodb_open(dir, cpath, 0, err, sizeof(err));
	ck_assert_ptr_null(db);
	ck_assert_ptr_nonnull(strstr(err, "not a regular file"));
}
END_TEST

struct walked {
	char line[16][96];
	int n;
};

static int
collect(const uint8_t first[16], const uint8_t last[16], const char *cc,
    void *arg)
{
	struct walked *w = arg;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	bool v4 = first[10] == 0xff && first[11] == 0xff;

	if (w->n == 16)
		return 1;
	if (v4) {
		inet_ntop(AF_INET, first + 12, a, sizeof(a));
		inet_ntop(AF_INET, last + 12, b, sizeof(b));
	} else {
		inet_ntop(AF_INET6, first, a, sizeof(a));
		inet_ntop(AF_INET6, last, b, sizeof(b));
	}
	snprintf(w->line[w->n++], sizeof(w->line[0]), "%s-%s %s", a, b, cc);
	return 0;
}

/* The walk reports every network once, IPv4 as IPv4 despite its aliases. */
START_TEST(walk_reports_each_network_once)
{
	static const char *const want[] = {
		"192.0.2.0-192.0.2.127 NL",
		"192.0.2.128-192.0.2.255 US",
		"198.51.100.0-198.51.100.255 US",
		"203.0.113.0-203.0.113.255 EU",
		"2001:db8::-2001:db8:0:ffff:ffff:ffff:ffff:ffff NL",
		"2001:db8:1::-2001:db8:1:ffff:ffff:ffff:ffff:ffff US",
	};
	char err[256];
	struct geodb *db = geodb_open(dbpath, cpath, 0, err, sizeof(err));
	struct walked w = { .n = 0 };

	ck_assert_ptr_nonnull(db);
	ck_assert_int_eq(geodb_walk(db, collect, &w), 0);
	ck_assert_int_eq(w.n, 6);
	for (int i = 0; i < 6; i++)
		ck_assert_str_eq(w.line[i], want[i]);
	geodb_close(db);
}
END_TEST

/*
 * The fixture as written by geodb_build (24-bit records): node 0 is the
 * root, nodes 1-96 follow the zero bits down to the IPv4 root, node 96.
 */
struct image {
	uint8_t *b;
	size_t n;
	uint32_t nodes;
};

static void
image_read(struct image *im)
{
	char err[256];
	struct geodb *db = geodb_open(dbpath, cpath, 0, err, sizeof(err));
	FILE *f;

	ck_assert_msg(db != NULL, "%s", err);
	ck_assert_uint_eq(geodb_get_info(db)->record_size, 24);
	im->nodes = geodb_get_info(db)->node_count;
	im->n = geodb_get_info(db)->size;
	geodb_close(db);
	ck_assert_ptr_nonnull(im->b = malloc(im->n));
	ck_assert_ptr_nonnull(f = fopen(dbpath, "r"));
	ck_assert_uint_eq(fread(im->b, 1, im->n, f), im->n);
	fclose(f);
}

static uint32_t
image_get(const struct image *im, uint32_t node, int side)
{
	const uint8_t *p = im->b + node * 6 + side * 3;

	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static void
image_set(struct image *im, uint32_t node, int side, uint32_t v)
{
	uint8_t *p = im->b + node * 6 + side * 3;

	p[0] = (uint8_t)(v >> 16);
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)v;
}

/* Writes the image beside the fixture and opens it; NULL with err set. */
static struct geodb *
image_open(const struct image *im, char *err, size_t errsize)
{
	char path[160];
	struct geodb *db;
	FILE *f;

	snprintf(path, sizeof(path), "%s/patched.mmdb", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_uint_eq(fwrite(im->b, 1, im->n, f), im->n);
	fclose(f);
	db = geodb_open(path, cpath, 0, err, errsize);
	unlink(path);
	return db;
}

/*
 * Found by tests/fuzz/fuzz_geodb: libmaxminddb follows whatever a record
 * says, so a tree whose nodes share children or loop answered lookups, and
 * geodb_walk went down every path of the graph (2^60 for the first file).
 */
START_TEST(shared_and_looping_nodes_refused)
{
	struct image im;
	char err[256];
	uint32_t keep;

	image_read(&im);
	/* Node 12 reached from node 11 and from node 10's right record. */
	keep = image_get(&im, 10, 1);
	image_set(&im, 10, 1, 12);
	ck_assert_ptr_null(image_open(&im, err, sizeof(err)));
	ck_assert_msg(strstr(err, "node 12 is reached from more than one "
	    "place") != NULL, "%s", err);
	image_set(&im, 10, 1, keep);
	/* The IPv4 root pointing at itself: 0.0.0.0/1 would loop. */
	keep = image_get(&im, 96, 0);
	image_set(&im, 96, 0, 96);
	ck_assert_ptr_null(image_open(&im, err, sizeof(err)));
	ck_assert_msg(strstr(err, "points back at the IPv4 root") != NULL,
	    "%s", err);
	/* The zero path looping: the IPv4 root found twice on the way down. */
	image_set(&im, 96, 0, keep);
	image_set(&im, 84, 0, 81);
	ck_assert_ptr_null(image_open(&im, err, sizeof(err)));
	ck_assert_msg(strstr(err, "points back at the IPv4 root") != NULL,
	    "%s", err);
	free(im.b);
}
END_TEST

/*
 * Found by tests/fuzz/fuzz_geodb: geodb_lookup answers ::ffff:0:0/96 from
 * the IPv4 tree, so the walk must not report what a file keeps there
 * itself, and must report the IPv4 space when the zero path ends in a
 * record above it.
 */
START_TEST(walk_agrees_with_lookup_on_mapped_addresses)
{
	struct image im;
	struct walked w = { .n = 0 };
	struct geodb *db;
	char err[256];
	uint32_t n, alias = 0, us = 0;

	image_read(&im);
	for (n = 97; n < im.nodes; n++) {
		if (image_get(&im, n, 1) == 96)
			alias = n;	/* ::ffff:0:0/96, a right record */
		if (image_get(&im, n, 0) > im.nodes && us == 0)
			us = image_get(&im, n, 0);
	}
	ck_assert_uint_ne(alias, 0);
	ck_assert_uint_ne(us, 0);
	/* ::ffff:0:0/96 holds a record of its own instead of the alias. */
	image_set(&im, alias, 1, us);
	db = image_open(&im, err, sizeof(err));
	ck_assert_msg(db != NULL, "%s", err);
	ck_assert_str_eq(look(db, "::ffff:192.0.2.1").cc, "NL");
	ck_assert_int_eq(geodb_walk(db, collect, &w), 0);
	ck_assert_int_eq(w.n, 6);
	ck_assert_str_eq(w.line[0], "192.0.2.0-192.0.2.127 NL");
	geodb_close(db);

	/* The zero path ends 86 bits down: that record answers IPv4. */
	image_set(&im, 85, 0, us);
	db = image_open(&im, err, sizeof(err));
	ck_assert_msg(db != NULL, "%s", err);
	ck_assert_str_eq(look(db, "192.0.2.1").cc, look(db, "::1").cc);
	w.n = 0;
	ck_assert_int_eq(geodb_walk(db, collect, &w), 0);
	ck_assert_int_ge(w.n, 2);
	ck_assert_msg(strncmp(w.line[0], "::-::3ff:ffff:ffff ", 19) == 0,
	    "%s", w.line[0]);
	ck_assert_msg(strncmp(w.line[1], "0.0.0.0-255.255.255.255 ", 24) == 0,
	    "%s", w.line[1]);
	ck_assert_str_eq(w.line[0] + 19, w.line[1] + 24);
	geodb_close(db);
	free(im.b);
}
END_TEST

static Suite *
geodb_suite(void)
{
	Suite *s = suite_create("geodb");
	TCase *tc = tcase_create("geodb");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, lookups_both_families);
	tcase_add_test(tc, cache_correct_across_boundaries);
	tcase_add_test(tc, cache_mapped_same_entry);
	tcase_add_test(tc, private_copy_survives_truncation);
	tcase_add_test(tc, wrong_country_path_refused);
	tcase_add_test(tc, deep_country_path_refused);
	tcase_add_test(tc, bad_files_refused);
	tcase_add_test(tc, walk_reports_each_network_once);
	tcase_add_test(tc, shared_and_looping_nodes_refused);
	tcase_add_test(tc, walk_agrees_with_lookup_on_mapped_addresses);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(geodb_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
