/* libFuzzer target for geodb/geodb.c: arbitrary bytes opened as a country database. */
#include <sys/mman.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "geodb/geodb.h"
#include "tests/fuzz/memfd_fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Databases worth the search are small; run.sh caps inputs lower still. */
#define FUZZ_MAX_BYTES	(1024 * 1024)
#define FUZZ_MAX_CHECKED 64	/* walked networks looked up again */
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * libmaxminddb 1.7.1 (Debian 12) leaks the list it decoded when the
 * metadata's languages or description do not decode (MMDB_open; fixed in
 * 1.8.0): a few KB per refused file, inside the library. LeakSanitizer
 * reads this hook at start-up. The library has no frame pointers, so the
 * fast unwinder cannot tell MMDB_open from the rest of it: the whole module
 * is excused here, and the unit tests under SANITIZE=1 (no suppression)
 * check that geodb_close frees what libmaxminddb allocated for a database.
 */
/* NOLINTNEXTLINE(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */
const char *__lsan_default_suppressions(void);

/* NOLINTNEXTLINE(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */
const char *
__lsan_default_suppressions(void)
{
	return "leak:libmaxminddb.so\n";
}

static const char *const fuzz_v4[] = { "0.0.0.0", "1.1.1.1", "8.8.8.8",
    "192.0.2.1", "198.51.100.200", "203.0.113.200", "255.255.255.255" };
static const char *const fuzz_v6[] = { "::", "::1", "::ffff:192.0.2.1",
    "2001:db8::1", "2001:db8:2::1", "2002:c000:201::1",
    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" };

/* The input lives in a memory file that geodb_open reads by its /proc name. */
static int fuzz_fd = -1;
static char fuzz_path[64];

int
/* NOLINTNEXTLINE(readability-non-const-parameter): libFuzzer's signature */
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if ((fuzz_fd = memfd_create("fuzz_geodb", MFD_CLOEXEC)) == -1) {
		perror("memfd_create");
		abort();
	}
	snprintf(fuzz_path, sizeof(fuzz_path), "/proc/self/fd/%d", fuzz_fd);
	return 0;
}

/* A result is "--" or two capitals, with a prefix that fits the family. */
static void
fuzz_check_result(const struct geodb_result *r, int family)
{
	if (r->cc[2] != '\0' || r->prefix_len > (family == AF_INET ? 32 : 128))
		abort();
	if (r->cc[0] == '-' && r->cc[1] == '-') {
		if (r->found)
			abort();
	} else if (r->cc[0] < 'A' || r->cc[0] > 'Z' || r->cc[1] < 'A' ||
	    r->cc[1] > 'Z' || !r->found)
		abort();
}

/* Looks addr up twice (the second answer comes from the cache): one answer. */
static void
fuzz_lookup(struct geodb *db, int family, const uint8_t *addr,
    struct geodb_result *r)
{
	struct geodb_result again;
	int rc;

	rc = geodb_lookup(db, family, addr, r);
	fuzz_check_result(r, family);
	if (geodb_lookup(db, family, addr, &again) != rc ||
	    memcmp(r, &again, sizeof(again)) != 0)
		abort();
}

struct fuzz_walk {
	struct geodb *db;
	size_t n;
};

/*
 * Each network the walk reports answers lookups of its first and last
 * address with its code: enforcement builds its sets from the walk, the
 * monitor decides by lookup, and the two must agree.
 */
static int
fuzz_walk_fn(const uint8_t first[16], const uint8_t last[16], const char *cc,
    void *arg)
{
	struct fuzz_walk *w = arg;
	struct geodb_result r;

	if (memcmp(first, last, 16) > 0 || strlen(cc) != 2)
		abort();
	if (w->n++ >= FUZZ_MAX_CHECKED)
		return 0;
	fuzz_lookup(w->db, AF_INET6, first, &r);
	if (memcmp(r.cc, cc, 2) != 0) {
		fprintf(stderr, "walk says %s, lookup of the first address "
		    "says %s\n", cc, r.cc);
		abort();
	}
	fuzz_lookup(w->db, AF_INET6, last, &r);
	if (memcmp(r.cc, cc, 2) != 0) {
		fprintf(stderr, "walk says %s, lookup of the last address "
		    "says %s\n", cc, r.cc);
		abort();
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const path[] = { "country", "iso_code", NULL };
	struct geodb_result r;
	struct fuzz_walk w;
	struct geodb *db;
	const struct geodb_info *info;
	uint8_t a[16];
	char err[512];
	size_t i;

	if (size > FUZZ_MAX_BYTES)
		return 0;
	fuzz_memfd_write(fuzz_fd, data, size);
	err[0] = '\0';
	if ((db = geodb_open(fuzz_path, path, 64, err, sizeof(err))) == NULL) {
		if (err[0] == '\0')
			abort();	/* a refusal must say why */
		return 0;
	}
	info = geodb_get_info(db);
	if (info->size != size || info->countries == 0 ||
	    info->ip_version != 6 || strlen(info->sha256) != 64)
		abort();
	for (i = 0; i < NELEM(fuzz_v4); i++) {
		if (inet_pton(AF_INET, fuzz_v4[i], a) != 1)
			abort();
		fuzz_lookup(db, AF_INET, a, &r);
	}
	for (i = 0; i < NELEM(fuzz_v6); i++) {
		if (inet_pton(AF_INET6, fuzz_v6[i], a) != 1)
			abort();
		fuzz_lookup(db, AF_INET6, a, &r);
	}
	/* An address of the input's choosing: its last 16 bytes. */
	if (size >= 16) {
		fuzz_lookup(db, AF_INET6, data + size - 16, &r);
		fuzz_lookup(db, AF_INET, data + size - 4, &r);
	}
	memset(&w, 0, sizeof(w));
	w.db = db;
	if (geodb_walk(db, fuzz_walk_fn, &w) != 0)
		abort();	/* validated at open: no database error */
	geodb_close(db);
	return 0;
}
