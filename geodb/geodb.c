/* Country lookup over a MaxMind-format database, with a lookup cache. */
#include "geodb/geodb.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <maxminddb.h>
#include <openssl/evp.h>

#define GEODB_MAX_PATH_DEPTH 8

/* One cached answer, keyed by the address in its 16-byte mapped form. */
struct cache_slot {
	uint8_t key[16];
	char cc[2];
	uint8_t prefix_len;
	uint8_t state;		/* 0 empty, 1 not found, 2 found */
};

/* Data-record offset -> country code, filled while validating at open. */
struct memo_slot {
	uint32_t offset_plus1;	/* 0 = empty */
	char cc[2];
};

struct geodb {
	MMDB_s mmdb;
	bool mmdb_open;
	struct geodb_info info;

	/* NULL-terminated paths tried in order on each record. */
	const char *paths[3][GEODB_MAX_PATH_DEPTH + 1];
	char *path_storage;
	char answered_path[128];

	struct memo_slot *memo;
	size_t memo_cap;	/* power of two */

	struct cache_slot *cache;
	size_t cache_mask;	/* cache size - 1; cache NULL when disabled */
	struct geodb_cache_stats stats;
};

static void
seterr(char *err, size_t errsize, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static uint64_t ipv4_root(struct geodb *);
static void set_bit(uint8_t[16], unsigned, int);

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

/*
 * Copies the file at path into an anonymous memory file (memfd) whose only
 * handle is ours, hashing it on the way. Returns the new descriptor or -1.
 */
static int
private_copy(const char *path, struct geodb_info *info, char *err,
    size_t errsize)
{
	int in = -1, out = -1, ok = 0;
	struct stat st;
	EVP_MD_CTX *md = NULL;
	unsigned char digest[EVP_MAX_MD_SIZE], buf[65536];
	unsigned int dlen = 0;
	size_t total = 0;

	if ((in = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		seterr(err, errsize, "%s: cannot open geodb: %s", path,
		    strerror(errno));
		goto done;
	}
	if (fstat(in, &st) == -1 || !S_ISREG(st.st_mode)) {
		seterr(err, errsize, "%s: not a regular file", path);
		goto done;
	}
	if (st.st_size == 0) {
		seterr(err, errsize, "%s: the file is empty (expected a "
		    "MaxMind DB country database)", path);
		goto done;
	}
	if ((out = memfd_create("eeaguard-geodb", MFD_CLOEXEC)) == -1) {
		seterr(err, errsize, "%s: cannot make a private copy: %s",
		    path, strerror(errno));
		goto done;
	}
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		seterr(err, errsize, "%s: cannot hash: out of memory", path);
		goto done;
	}
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			seterr(err, errsize, "%s: read: %s", path,
			    strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		EVP_DigestUpdate(md, buf, (size_t)n);
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));

			if (w == -1 && errno == EINTR)
				continue;
			if (w == -1) {
				seterr(err, errsize, "%s: private copy: %s",
				    path, strerror(errno));
				goto done;
			}
			off += w;
		}
		total += (size_t)n;
	}
	if (total != (size_t)st.st_size) {
		seterr(err, errsize, "%s: the file changed size while being "
		    "read (%lld -> %zu bytes); it is being written: try again",
		    path, (long long)st.st_size, total);
		goto done;
	}
	EVP_DigestFinal_ex(md, digest, &dlen);
	for (unsigned i = 0; i < dlen && i < 32; i++)
		snprintf(info->sha256 + 2 * i, 3, "%02x", digest[i]);
	info->size = total;
	ok = 1;
done:
	EVP_MD_CTX_free(md);
	if (in != -1)
		close(in);
	if (!ok && out != -1) {
		close(out);
		out = -1;
	}
	return out;
}

static size_t
pow2_at_least(size_t n)
{
	size_t p = 1;

	while (p < n && p < ((size_t)1 << 30))
		p <<= 1;
	return p;
}

/*
 * Splits "a/b/c" style paths given as arrays into the three candidate paths:
 * the configured one, then registered_country/iso_code and country_code.
 */
static int
set_paths(struct geodb *db, const char *const *country_path,
    const char *path, char *err, size_t errsize)
{
	static const char *const fallback1[] = { "registered_country",
	    "iso_code", NULL };
	static const char *const fallback2[] = { "country_code", NULL };
	static const char *const dflt[] = { "country", "iso_code", NULL };
	size_t n = 0, len = 0;

	if (country_path == NULL || country_path[0] == NULL)
		country_path = dflt;
	while (country_path[n] != NULL)
		len += strlen(country_path[n++]) + 1;
	if (n > GEODB_MAX_PATH_DEPTH) {
		seterr(err, errsize, "%s: country_path has %zu names, more "
		    "than %d", path, n, GEODB_MAX_PATH_DEPTH);
		return -1;
	}
	if ((db->path_storage = malloc(len)) == NULL) {
		seterr(err, errsize, "%s: out of memory", path);
		return -1;
	}
	char *p = db->path_storage;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(country_path[i]) + 1;

		memcpy(p, country_path[i], l);
		db->paths[0][i] = p;
		p += l;
	}
	db->paths[0][n] = NULL;
	memcpy(db->paths[1], fallback1, sizeof(fallback1));
	memcpy(db->paths[2], fallback2, sizeof(fallback2));
	return 0;
}

static void
path_text(const char *const *path, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; path[i] != NULL && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s",
		    i ? "/" : "", path[i]);
}

/*
 * Reads the country code of one data record. Returns 1 with cc filled, 0
 * when the record has no usable code, -1 when the record does not decode.
 */
static int
decode_cc(struct geodb *db, MMDB_entry_s *entry, char cc[2], int *which)
{
	for (int p = 0; p < 3; p++) {
		MMDB_entry_data_s v;
		int s = MMDB_aget_value(entry, &v, db->paths[p]);

		if (s == MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR)
			continue;
		if (s != MMDB_SUCCESS)
			return -1;
		if (!v.has_data || v.type != MMDB_DATA_TYPE_UTF8_STRING ||
		    v.data_size != 2)
			continue;
		char a = v.utf8_string[0], b = v.utf8_string[1];
		if (a >= 'a' && a <= 'z')
			a = (char)(a - 'a' + 'A');
		if (b >= 'a' && b <= 'z')
			b = (char)(b - 'a' + 'A');
		if (a < 'A' || a > 'Z' || b < 'A' || b > 'Z')
			continue;
		cc[0] = a;
		cc[1] = b;
		if (which != NULL)
			*which = p;
		return 1;
	}
	return 0;
}

static struct memo_slot *
memo_find(const struct geodb *db, uint32_t offset)
{
	size_t i = ((size_t)offset * 2654435761u) & (db->memo_cap - 1);

	for (;;) {
		struct memo_slot *m = &db->memo[i];

		if (m->offset_plus1 == 0 || m->offset_plus1 == offset + 1)
			return m;
		i = (i + 1) & (db->memo_cap - 1);
	}
}

static int
memo_grow(struct geodb *db)
{
	struct memo_slot *old = db->memo;
	size_t oldcap = db->memo_cap;

	db->memo_cap = oldcap ? oldcap * 2 : 1024;
	if ((db->memo = calloc(db->memo_cap, sizeof(*db->memo))) == NULL) {
		db->memo = old;
		db->memo_cap = oldcap;
		return -1;
	}
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].offset_plus1 != 0)
			*memo_find(db, old[i].offset_plus1 - 1) = old[i];
	free(old);
	return 0;
}

/*
 * Validates one data record reached from the tree: decodes it whole once,
 * then remembers its country code by offset for the lookups to come.
 */
static int
visit_record(struct geodb *db, MMDB_entry_s *entry, uint32_t node,
    bool have_cc[676], char *err, size_t errsize)
{
	struct memo_slot *m;
	MMDB_entry_data_list_s *list = NULL;
	char cc[2] = { '-', '-' };
	int which = -1, r;

	if (entry->offset >= UINT32_MAX) {
		seterr(err, errsize, "search tree node %u points past the "
		    "data section", node);
		return -1;
	}
	if (db->memo_cap == 0 || db->info.records * 2 >= db->memo_cap)
		if (memo_grow(db) == -1) {
			seterr(err, errsize, "out of memory");
			return -1;
		}
	m = memo_find(db, entry->offset);
	if (m->offset_plus1 != 0)
		return 0;

	if ((r = MMDB_get_entry_data_list(entry, &list)) != MMDB_SUCCESS) {
		MMDB_free_entry_data_list(list);
		if (r == MMDB_OUT_OF_MEMORY_ERROR)
			seterr(err, errsize, "out of memory decoding the data "
			    "record at offset %u", entry->offset);
		else
			seterr(err, errsize, "the data record at offset %u "
			    "(from search tree node %u) does not decode: the "
			    "file is corrupt", entry->offset, node);
		return -1;
	}
	MMDB_free_entry_data_list(list);
	if ((r = decode_cc(db, entry, cc, &which)) == -1) {
		seterr(err, errsize, "the data record at offset %u does not "
		    "decode: the file is corrupt", entry->offset);
		return -1;
	}
	if (r == 1) {
		int idx = (cc[0] - 'A') * 26 + (cc[1] - 'A');

		if (!have_cc[idx]) {
			have_cc[idx] = true;
			db->info.countries++;
		}
		if (db->answered_path[0] == '\0' || which == 0)
			path_text(db->paths[which], db->answered_path,
			    sizeof(db->answered_path));
	} else {
		cc[0] = cc[1] = '-';
	}
	m->offset_plus1 = entry->offset + 1;
	m->cc[0] = cc[0];
	m->cc[1] = cc[1];
	db->info.records++;
	return 0;
}

/*
 * Walks every node of the search tree: every record must point at another
 * node, at "empty", or into the data section, and every data record must
 * decode. Older libmaxminddb versions answer some corrupt files with
 * plausible records instead of errors; this refuses them up front.
 */
static int
validate_tree(struct geodb *db, char *err, size_t errsize)
{
	bool have_cc[676] = { false };
	uint32_t nodes = db->mmdb.metadata.node_count;

	for (uint32_t n = 0; n < nodes; n++) {
		MMDB_search_node_s node;

		if (MMDB_read_node(&db->mmdb, n, &node) != MMDB_SUCCESS) {
			seterr(err, errsize, "search tree node %u cannot be "
			    "read: the file is corrupt", n);
			return -1;
		}
		if (node.left_record_type == MMDB_RECORD_TYPE_INVALID ||
		    node.right_record_type == MMDB_RECORD_TYPE_INVALID) {
			seterr(err, errsize, "search tree node %u points "
			    "outside the file: the file is corrupt", n);
			return -1;
		}
		if (node.left_record_type == MMDB_RECORD_TYPE_DATA &&
		    visit_record(db, &node.left_record_entry, n, have_cc, err,
		    errsize) == -1)
			return -1;
		if (node.right_record_type == MMDB_RECORD_TYPE_DATA &&
		    visit_record(db, &node.right_record_entry, n, have_cc, err,
		    errsize) == -1)
			return -1;
	}
	return 0;
}

/* True when the first n bits of a are zero. */
static bool
zero_bits(const uint8_t a[16], unsigned n)
{
	unsigned i;

	for (i = 0; i < n / 8; i++)
		if (a[i] != 0)
			return false;
	return n % 8 == 0 || (a[n / 8] & (uint8_t)(0xff00 >> (n % 8))) == 0;
}

/*
 * The search tree must be a tree: from the root every node is reached by
 * one record only, at most 127 bits deep. The exception is the IPv4 root
 * (96 zero bits down), which aliases (::ffff:0:0/96, 2002::/16, 2001::/32)
 * also point at, but never from inside the IPv4 subtree or from the path
 * that leads to it. libmaxminddb follows whatever a record says, so a file
 * whose nodes share children or loop would still answer lookups, while
 * geodb_walk would go down 2^127 paths and never return, and lookups would
 * disagree with the walk. Only nodes reachable from the root are checked.
 */
static int
check_shape(struct geodb *db, char *err, size_t errsize)
{
	struct frame {
		MMDB_search_node_s n;	/* read once, on the way down */
		uint32_t node;
		uint8_t depth;
		uint8_t side;	/* next record: 0 left, 1 right, 2 done */
	} stack[128];
	uint32_t nodes = db->mmdb.metadata.node_count;
	uint64_t v4root = ipv4_root(db);
	uint8_t path[16] = { 0 }, *seen;
	int sp = 0, rc = -1;

	if ((seen = calloc(nodes / 8 + 1, 1)) == NULL) {
		seterr(err, errsize, "out of memory");
		return -1;
	}
	seen[0] = 1;	/* the root */
	stack[0].node = 0;
	stack[0].depth = 0;
	stack[0].side = 0;
	while (sp >= 0) {
		struct frame *f = &stack[sp];
		uint64_t rec;
		unsigned depth = f->depth + 1u;	/* of what rec points at */

		if (f->side == 2) {
			sp--;
			continue;
		}
		if (f->side == 0 && MMDB_read_node(&db->mmdb, f->node,
		    &f->n) != MMDB_SUCCESS) {
			seterr(err, errsize, "search tree node %u cannot be "
			    "read: the file is corrupt", f->node);
			goto done;
		}
		set_bit(path, f->depth, f->side);
		rec = f->side == 0 ? f->n.left_record : f->n.right_record;
		f->side++;
		if ((f->side == 1 ? f->n.left_record_type :
		    f->n.right_record_type) != MMDB_RECORD_TYPE_SEARCH_NODE)
			continue;
		if (rec == v4root && !(depth == 96 && zero_bits(path, 96))) {
			/* On the zero path, or below the IPv4 root: a loop. */
			if (zero_bits(path, depth < 96 ? depth : 96)) {
				seterr(err, errsize, "search tree node %u "
				    "points back at the IPv4 root (node %u): "
				    "the file is corrupt", f->node,
				    (unsigned)v4root);
				goto done;
			}
			continue;	/* an alias */
		}
		if (depth >= 128) {
			seterr(err, errsize, "search tree node %u is 128 bits "
			    "deep and still points at a node: the file is "
			    "corrupt", (unsigned)rec);
			goto done;
		}
		if (seen[rec / 8] & (1u << (rec % 8))) {
			seterr(err, errsize, "search tree node %u is reached "
			    "from more than one place (again from node %u): "
			    "the file is corrupt", (unsigned)rec, f->node);
			goto done;
		}
		seen[rec / 8] |= (uint8_t)(1u << (rec % 8));
		sp++;
		stack[sp].node = (uint32_t)rec;
		stack[sp].depth = (uint8_t)depth;
		stack[sp].side = 0;
	}
	rc = 0;
done:
	free(seen);
	return rc;
}

/* Canary lookups in both families must run without a database error. */
static int
canaries(struct geodb *db, char *err, size_t errsize)
{
	static const char *const probes[] = { "1.1.1.1", "8.8.8.8",
	    "193.0.6.139", "192.0.2.1", "::ffff:8.8.8.8", "2001:db8::1",
	    "2001:4860:4860::8888", "2a00::1", NULL };

	for (size_t i = 0; probes[i] != NULL; i++) {
		struct sockaddr_in sin = { .sin_family = AF_INET };
		struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
		const struct sockaddr *sa;
		int merr = 0;
		MMDB_lookup_result_s res;
		char cc[2];

		/*
		 * As geodb_lookup() asks: MMDB_lookup_string() would go through
		 * getaddrinfo(), which allocates and can fail for lack of memory.
		 */
		if (strchr(probes[i], ':') != NULL) {
			inet_pton(AF_INET6, probes[i], &sin6.sin6_addr);
			sa = (const struct sockaddr *)&sin6;
		} else {
			inet_pton(AF_INET, probes[i], &sin.sin_addr);
			sa = (const struct sockaddr *)&sin;
		}
		res = MMDB_lookup_sockaddr(&db->mmdb, sa, &merr);
		if (merr != MMDB_SUCCESS ||
		    (res.found_entry && decode_cc(db, &res.entry, cc, NULL) ==
		    -1)) {
			seterr(err, errsize, "canary lookup of %s failed: %s",
			    probes[i], merr != MMDB_SUCCESS ?
			    MMDB_strerror(merr) : "bad record");
			return -1;
		}
	}
	return 0;
}

static int
check_metadata(struct geodb *db, char *err, size_t errsize)
{
	MMDB_metadata_s *md = &db->mmdb.metadata;
	struct tm tm;
	time_t t;

	if (md->binary_format_major_version != 2) {
		seterr(err, errsize, "format version %u is not supported "
		    "(expected MaxMind DB format 2)",
		    md->binary_format_major_version);
		return -1;
	}
	if (md->ip_version != 6) {
		seterr(err, errsize, "the database holds IPv4 only (ip_version "
		    "%u): eeaguard needs IPv4 and IPv6 in one database, as "
		    "GeoLite2/GeoIP2/DB-IP country databases are",
		    md->ip_version);
		return -1;
	}
	if (md->record_size != 24 && md->record_size != 28 &&
	    md->record_size != 32) {
		seterr(err, errsize, "record size %u is invalid",
		    md->record_size);
		return -1;
	}
	if (md->node_count == 0) {
		seterr(err, errsize, "the search tree is empty");
		return -1;
	}
	db->info.build_epoch = md->build_epoch;
	db->info.node_count = md->node_count;
	db->info.ip_version = md->ip_version;
	db->info.record_size = md->record_size;
	snprintf(db->info.database_type, sizeof(db->info.database_type), "%s",
	    md->database_type != NULL ? md->database_type : "");
	t = (time_t)md->build_epoch;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(db->info.build_time, sizeof(db->info.build_time),
	    "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(db->info.build_time, sizeof(db->info.build_time),
		    "unknown");
	return 0;
}

struct geodb *
geodb_open(const char *path, const char *const *country_path,
    size_t cache_size, char *err, size_t errsize)
{
	struct geodb *db;
	char fdpath[64], why[256] = "";
	int fd = -1, s;

	if ((db = calloc(1, sizeof(*db))) == NULL) {
		seterr(err, errsize, "%s: out of memory", path);
		return NULL;
	}
	if (set_paths(db, country_path, path, err, errsize) == -1)
		goto fail;
	if ((fd = private_copy(path, &db->info, err, errsize)) == -1)
		goto fail;
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	s = MMDB_open(fdpath, MMDB_MODE_MMAP, &db->mmdb);
	close(fd);
	if (s == MMDB_OUT_OF_MEMORY_ERROR) {
		seterr(err, errsize, "%s: out of memory opening the database",
		    path);
		goto fail;
	}
	if (s != MMDB_SUCCESS) {
		seterr(err, errsize, "%s: not a valid MaxMind DB file: %s",
		    path, s == MMDB_INVALID_METADATA_ERROR ?
		    "no MaxMind DB metadata section (truncated, or not a "
		    ".mmdb file)" : MMDB_strerror(s));
		goto fail;
	}
	db->mmdb_open = true;
	if (check_metadata(db, why, sizeof(why)) == -1 ||
	    validate_tree(db, why, sizeof(why)) == -1 ||
	    check_shape(db, why, sizeof(why)) == -1 ||
	    canaries(db, why, sizeof(why)) == -1) {
		seterr(err, errsize, "%s: %s", path, why);
		goto fail;
	}
	if (db->info.countries == 0) {
		char want[128];

		path_text(db->paths[0], want, sizeof(want));
		seterr(err, errsize, "%s: no record has a two-letter country "
		    "code at %s (nor at registered_country/iso_code or "
		    "country_code): is geodb.country_path right for this "
		    "database?", path, want);
		goto fail;
	}
	db->info.country_path = db->answered_path;
	if (cache_size > 0) {
		size_t n = pow2_at_least(cache_size);

		if ((db->cache = calloc(n, sizeof(*db->cache))) == NULL) {
			seterr(err, errsize, "%s: out of memory for a cache of "
			    "%zu entries", path, n);
			goto fail;
		}
		db->cache_mask = n - 1;
	}
	return db;
fail:
	geodb_close(db);
	return NULL;
}

void
geodb_close(struct geodb *db)
{
	if (db == NULL)
		return;
	if (db->mmdb_open)
		MMDB_close(&db->mmdb);
	free(db->memo);
	free(db->cache);
	free(db->path_storage);
	free(db);
}

static size_t
cache_index(const struct geodb *db, const uint8_t key[16])
{
	uint64_t a, b;

	memcpy(&a, key, 8);
	memcpy(&b, key + 8, 8);
	a ^= b * 0x9e3779b97f4a7c15ull;
	a ^= a >> 29;
	a *= 0xbf58476d1ce4e5b9ull;
	a ^= a >> 32;
	return (size_t)a & db->cache_mask;
}

static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0xff, 0xff };

int
geodb_lookup(struct geodb *db, int family, const uint8_t *addr,
    struct geodb_result *r)
{
	uint8_t key[16];
	struct cache_slot *slot = NULL;
	MMDB_lookup_result_s res;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	const struct sockaddr *sa;
	int merr = MMDB_SUCCESS;
	bool v4;

	if (family == AF_INET) {
		memcpy(key, v4mapped, 12);
		memcpy(key + 12, addr, 4);
	} else {
		memcpy(key, addr, 16);
	}
	v4 = memcmp(key, v4mapped, 12) == 0;

	if (db->cache != NULL) {
		slot = &db->cache[cache_index(db, key)];
		if (slot->state != 0 && memcmp(slot->key, key, 16) == 0) {
			db->stats.hits++;
			r->cc[0] = slot->cc[0];
			r->cc[1] = slot->cc[1];
			r->cc[2] = '\0';
			r->prefix_len = slot->prefix_len;
			r->found = slot->state == 2;
			return 0;
		}
		db->stats.misses++;
	}

	if (v4) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		memcpy(&sin.sin_addr, key + 12, 4);
		sa = (const struct sockaddr *)&sin;
	} else {
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		memcpy(&sin6.sin6_addr, key, 16);
		sa = (const struct sockaddr *)&sin6;
	}
	res = MMDB_lookup_sockaddr(&db->mmdb, sa, &merr);

	r->cc[0] = r->cc[1] = '-';
	r->cc[2] = '\0';
	r->found = false;
	r->prefix_len = res.netmask;
	if (v4)
		r->prefix_len = res.netmask >= 96 ? res.netmask - 96 : 0;
	if (merr != MMDB_SUCCESS)
		return -1;
	if (res.found_entry) {
		struct memo_slot *m = memo_find(db, res.entry.offset);

		if (m->offset_plus1 == res.entry.offset + 1) {
			r->cc[0] = m->cc[0];
			r->cc[1] = m->cc[1];
		} else if (decode_cc(db, &res.entry, r->cc, NULL) == -1) {
			r->cc[0] = r->cc[1] = '-';
			return -1;
		}
		r->found = r->cc[0] != '-';
	}
	if (slot != NULL) {
		memcpy(slot->key, key, 16);
		slot->cc[0] = r->cc[0];
		slot->cc[1] = r->cc[1];
		slot->prefix_len = r->prefix_len;
		slot->state = r->found ? 2 : 1;
	}
	return 0;
}

/* The node the 96 zero bits of ::/96 lead to: the IPv4 tree's root. */
static uint64_t
ipv4_root(struct geodb *db)
{
	uint64_t node = 0;

	for (int i = 0; i < 96 && node < db->mmdb.metadata.node_count; i++) {
		MMDB_search_node_s n;

		if (MMDB_read_node(&db->mmdb, (uint32_t)node, &n) != MMDB_SUCCESS)
			return UINT64_MAX;
		node = n.left_record;
	}
	return node;
}

static void
set_bit(uint8_t a[16], unsigned bit, int v)
{
	if (v)
		a[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
	else
		a[bit / 8] &= (uint8_t)~(0x80 >> (bit % 8));
}

/* True when the network first/len holds ::ffff:0:0/96 (len <= 96). */
static bool
holds_v4mapped(const uint8_t first[16], unsigned len)
{
	uint8_t m[16] = { 0 };

	memcpy(m, v4mapped, 12);
	for (unsigned b = len; b < 128; b++)
		set_bit(m, b, 0);
	return len <= 96 && memcmp(m, first, 16) == 0;
}

int
geodb_walk(struct geodb *db,
    int (*fn)(const uint8_t first[16], const uint8_t last[16], const char *cc,
    void *arg), void *arg)
{
	struct frame {
		uint32_t node;
		uint8_t depth;
		uint8_t side;	/* next record to visit: 0 left, 1 right, 2 done */
	} stack[129];
	uint32_t nodes = db->mmdb.metadata.node_count;
	uint64_t v4root = ipv4_root(db);
	uint8_t path[16] = { 0 };
	int sp = 0, rc;

	stack[0].node = 0;
	stack[0].depth = 0;
	stack[0].side = 0;
	while (sp >= 0) {
		struct frame *f = &stack[sp];
		MMDB_search_node_s n;
		uint64_t rec;
		int type;

		if (f->side == 2) {
			sp--;
			continue;
		}
		if (MMDB_read_node(&db->mmdb, f->node, &n) != MMDB_SUCCESS)
			return -1;
		set_bit(path, f->depth, f->side);
		rec = f->side == 0 ? n.left_record : n.right_record;
		type = f->side == 0 ? n.left_record_type : n.right_record_type;
		f->side++;
		if (type == MMDB_RECORD_TYPE_SEARCH_NODE) {
			bool v4alias = rec == v4root &&
			    !(f->depth + 1 == 96 && path[0] == 0 &&
			    memcmp(path, path + 1, 11) == 0 && path[11] == 0);

			/* Lookups answer ::ffff:0:0/96 from the IPv4 tree. */
			bool mapped = f->depth + 1 == 96 &&
			    memcmp(path, v4mapped, 12) == 0;

			if (v4alias || mapped || rec >= nodes ||
			    f->depth + 1 >= 128 ||
			    sp + 1 >= (int)(sizeof(stack) / sizeof(stack[0])))
				continue;
			sp++;
			stack[sp].node = (uint32_t)rec;
			stack[sp].depth = (uint8_t)(f->depth + 1);
			stack[sp].side = 0;
			/* clear the bits below this depth */
			for (unsigned b = f->depth + 1u; b < 128; b++)
				set_bit(path, b, 0);
			continue;
		}
		if (type != MMDB_RECORD_TYPE_DATA)
			continue;
		{
			uint8_t first[16], last[16];
			unsigned len = f->depth + 1u;
			struct memo_slot *m;
			MMDB_entry_s entry = f->side == 1 ? n.left_record_entry :
			    n.right_record_entry;
			char cc[3] = "--";

			memcpy(first, path, 16);
			for (unsigned b = len; b < 128; b++)
				set_bit(first, b, 0);
			memcpy(last, first, 16);
			for (unsigned b = len; b < 128; b++)
				set_bit(last, b, 1);
			if (len >= 96 && memcmp(first, v4mapped, 12) == 0)
				continue;	/* as for the node above */
			m = memo_find(db, entry.offset);
			if (m->offset_plus1 == entry.offset + 1) {
				cc[0] = m->cc[0];
				cc[1] = m->cc[1];
			}
			/*
			 * A record off the zero path that holds ::ffff:0:0/96:
			 * lookups answer that /96 from the IPv4 tree, so the
			 * walk reports the record's range around it.
			 */
			if (len < 96 && !zero_bits(first, 128) &&
			    holds_v4mapped(first, len)) {
				uint8_t below[16] = { 0 }, above[16] = { 0 };

				below[10] = 0xff;	/* ::fffe:ffff:ffff */
				below[11] = 0xfe;
				memset(below + 12, 0xff, 4);
				above[9] = 1;		/* ::1:0:0:0 */
				if ((rc = fn(first, below, cc, arg)) != 0)
					return rc;
				/* the /96 ends the range unless len < 80 */
				if (memcmp(last, above, 16) >= 0 &&
				    (rc = fn(above, last, cc, arg)) != 0)
					return rc;
				continue;
			}
			/* ::a.b.c.d (the IPv4 tree) is reported as IPv4 */
			if (memcmp(first, v4mapped, 10) == 0 && first[10] == 0 &&
			    first[11] == 0 && len >= 96) {
				first[10] = first[11] = 0xff;
				last[10] = last[11] = 0xff;
			}
			if ((rc = fn(first, last, cc, arg)) != 0)
				return rc;
			/*
			 * A record 81-95 bits down the zero path holds ::/96
			 * but not ::ffff:0:0/96: it answers IPv4 lookups all
			 * the same, so the IPv4 space is reported too.
			 */
			if (len > 80 && len < 96 && zero_bits(first, 128)) {
				memcpy(first, v4mapped, 12);
				memset(first + 12, 0, 4);
				memcpy(last, v4mapped, 12);
				memset(last + 12, 0xff, 4);
				if ((rc = fn(first, last, cc, arg)) != 0)
					return rc;
			}
		}
	}
	return 0;
}

const struct geodb_info *
geodb_get_info(const struct geodb *db)
{
	return &db->info;
}

void
geodb_get_cache_stats(const struct geodb *db, struct geodb_cache_stats *st)
{
	*st = db->stats;
}
