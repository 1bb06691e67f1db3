/* libFuzzer target for geodb/geodb_build.c: Tor and CSV range lists in, a database out that geodb_open must accept. */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "geodb/geodb.h"
#include "geodb/geodb_build.h"
#include "tests/fuzz/memfd_fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Range lists worth the search are short; every line may add 256 networks. */
#define FUZZ_MAX_BYTES	(64 * 1024)
#define FUZZ_MAX_CHECKED 256	/* walked networks looked up again */
#define FUZZ_EPOCH	1780000000u

enum { FUZZ_TOR4, FUZZ_TOR6, FUZZ_CSV, FUZZ_ALL };

/*
 * The input goes to a memory file the readers open by its /proc name. The
 * writer replaces its output by rename, so that needs a directory: a
 * private one, on tmpfs when there is one.
 */
static int fuzz_fd = -1;
static char fuzz_in[64];
static char fuzz_dir[PATH_MAX];
static char fuzz_out[2][PATH_MAX + 32];

static void
fuzz_cleanup(void)
{
	unlink(fuzz_out[0]);
	unlink(fuzz_out[1]);
	rmdir(fuzz_dir);
}

int
/* NOLINTNEXTLINE(readability-non-const-parameter): libFuzzer's signature */
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	(void)argc;
	(void)argv;
	if ((fuzz_fd = memfd_create("fuzz_geodb_build", MFD_CLOEXEC)) == -1) {
		perror("memfd_create");
		abort();
	}
	snprintf(fuzz_in, sizeof(fuzz_in), "/proc/self/fd/%d", fuzz_fd);
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/fuzz_geodb_build.XXXXXX",
	    base);
	if (mkdtemp(fuzz_dir) == NULL) {
		perror(fuzz_dir);
		abort();
	}
	snprintf(fuzz_out[0], sizeof(fuzz_out[0]), "%s/a.mmdb", fuzz_dir);
	snprintf(fuzz_out[1], sizeof(fuzz_out[1]), "%s/b.mmdb", fuzz_dir);
	if (atexit(fuzz_cleanup) != 0)
		abort();
	return 0;
}

/* One reader; a failed one must say why and leave the builder as it was. */
static int
fuzz_read(struct geodb_build *b, int kind)
{
	struct geodb_build_stats before, after;
	char err[512];
	int rc;

	geodb_build_get_stats(b, &before);
	err[0] = '\0';
	if (kind == FUZZ_CSV)
		rc = geodb_build_read_csv(b, fuzz_in, err, sizeof(err));
	else
		rc = geodb_build_read_tor(b, fuzz_in, kind == FUZZ_TOR4 ?
		    AF_INET : AF_INET6, err, sizeof(err));
	if (rc == 0)
		return 0;
	geodb_build_get_stats(b, &after);
	if (rc != -1 || err[0] == '\0' ||
	    after.ranges_in != before.ranges_in ||
	    after.aliased_skipped != before.aliased_skipped)
		abort();
	return -1;
}

/* The whole file, or NULL. */
static uint8_t *
fuzz_slurp(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	if (fstat(fd, &st) == -1 || (buf = malloc((size_t)st.st_size +
	    1)) == NULL) {
		close(fd);
		return NULL;
	}
	*len = (size_t)st.st_size;
	if (read(fd, buf, *len) != (ssize_t)*len) {
		free(buf);
		buf = NULL;
	}
	close(fd);
	return buf;
}

/* The builder writes the same bytes for the same ranges, twice in a row. */
static void
fuzz_check_repeatable(struct geodb_build *b)
{
	uint8_t *x, *y;
	size_t nx = 0, ny = 0;
	char err[512];

	if (geodb_build_write(b, fuzz_out[1], FUZZ_EPOCH, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "second write failed: %s\n", err);
		abort();
	}
	if ((x = fuzz_slurp(fuzz_out[0], &nx)) == NULL ||
	    (y = fuzz_slurp(fuzz_out[1], &ny)) == NULL)
		abort();
	if (nx != ny || memcmp(x, y, nx) != 0) {
		fprintf(stderr, "two writes of one builder differ\n");
		abort();
	}
	free(x);
	free(y);
}

struct fuzz_walk {
	struct geodb *db;
	size_t n;
};

/* Every network we wrote has a code, and lookups inside it answer that code. */
static int
fuzz_walk_fn(const uint8_t first[16], const uint8_t last[16], const char *cc,
    void *arg)
{
	struct fuzz_walk *w = arg;
	struct geodb_result r;

	if (memcmp(first, last, 16) > 0 || cc[0] < 'A' || cc[0] > 'Z' ||
	    cc[1] < 'A' || cc[1] > 'Z' || cc[2] != '\0')
		abort();
	if (w->n++ >= FUZZ_MAX_CHECKED)
		return 0;
	if (geodb_lookup(w->db, AF_INET6, first, &r) == -1 ||
	    !r.found || memcmp(r.cc, cc, 2) != 0 ||
	    geodb_lookup(w->db, AF_INET6, last, &r) == -1 ||
	    !r.found || memcmp(r.cc, cc, 2) != 0) {
		fprintf(stderr, "walk says %s, lookup says %s\n", cc, r.cc);
		abort();
	}
	return 0;
}

/* A database we wrote opens and validates, and answers as it was built. */
static void
fuzz_check_db(struct geodb_build *b)
{
	static const char *const probes[] = { "0.0.0.0", "192.0.2.1",
	    "255.255.255.255", "::", "2001:db8::1", "::ffff:192.0.2.1",
	    "2002:c000:201::", "ffff::1" };
	struct geodb_build_stats st;
	struct geodb_result r;
	struct fuzz_walk w;
	struct geodb *db;
	uint8_t a[16];
	char err[512];
	size_t i;

	geodb_build_get_stats(b, &st);
	err[0] = '\0';
	db = geodb_open(fuzz_out[0], NULL, 0, err, sizeof(err));
	/* Without a single range there is no code: geodb refuses that. */
	if (st.ranges_merged == 0) {
		if (db != NULL || strstr(err, "no record has a two-letter "
		    "country code") == NULL) {
			fprintf(stderr, "empty database: %s\n", err);
			abort();
		}
		return;
	}
	if (db == NULL) {
		fprintf(stderr, "geodb_open refused a database geodb_build "
		    "wrote: %s\n", err);
		abort();
	}
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		int v4 = strchr(probes[i], ':') == NULL;

		if (inet_pton(v4 ? AF_INET : AF_INET6, probes[i], a) != 1 ||
		    geodb_lookup(db, v4 ? AF_INET : AF_INET6, a, &r) == -1)
			abort();
	}
	memset(&w, 0, sizeof(w));
	w.db = db;
	if (geodb_walk(db, fuzz_walk_fn, &w) != 0)
		abort();
	/*
	 * One walked network per network written; the whole IPv4 space as
	 * one network is the exception: it fills the IPv4 root's two halves.
	 */
	if (w.n < st.networks || w.n > st.networks + 1) {
		fprintf(stderr, "walk found %zu networks, the builder wrote "
		    "%zu\n", w.n, st.networks);
		abort();
	}
	geodb_close(db);
}

/*
 * The first byte picks the reader (or all three in turn, over the same
 * text); the rest is the file.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct geodb_build *b;
	char err[512];
	int kind, ok = 0;

	if (size < 1 || size > FUZZ_MAX_BYTES)
		return 0;
	kind = data[0] % 4;
	fuzz_memfd_write(fuzz_fd, data + 1, size - 1);
	if ((b = geodb_build_new()) == NULL)
		abort();
	if (kind == FUZZ_ALL) {
		ok |= fuzz_read(b, FUZZ_TOR4) == 0;
		ok |= fuzz_read(b, FUZZ_TOR6) == 0;
		ok |= fuzz_read(b, FUZZ_CSV) == 0;
	} else
		ok = fuzz_read(b, kind) == 0;
	if (!ok)
		goto done;
	err[0] = '\0';
	if (geodb_build_write(b, fuzz_out[0], FUZZ_EPOCH, err,
	    sizeof(err)) == -1) {
		/* Overlapping ranges: refused, and refused again. */
		if (err[0] == '\0' || strstr(err, "internal error") != NULL ||
		    geodb_build_write(b, fuzz_out[1], FUZZ_EPOCH, err,
		    sizeof(err)) != -1) {
			fprintf(stderr, "write: %s\n", err);
			abort();
		}
		goto done;
	}
	fuzz_check_repeatable(b);
	fuzz_check_db(b);
done:
	geodb_build_free(b);
	return 0;
}
