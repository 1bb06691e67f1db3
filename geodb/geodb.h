/* Country lookup over a MaxMind-format database, with a lookup cache. */
#ifndef EEAGUARD_GEODB_H
#define EEAGUARD_GEODB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A geodb owns a private, validated copy of a database file: the original
 * may be replaced or truncated in place at any time without affecting a
 * geodb already open (libmaxminddb maps its file; a truncated mapping would
 * raise SIGBUS). Opening checks the metadata, walks the whole search tree
 * and decodes every data record it points to, and checks that the tree is
 * one (no node shared or looped back to but the IPv4 root its aliases
 * name), so a corrupt file is refused at open instead of answering wrongly
 * or hanging geodb_walk later.
 *
 * geodb_lookup() is not thread-safe (the cache is written on lookup); the
 * agent owns one geodb per reader.
 */
struct geodb;

/* The answer for one address. */
struct geodb_result {
	char cc[3];		/* ISO code, a region code ("EU"), or "--" unknown */
	uint8_t prefix_len;	/* of the matched network: 0-32 (IPv4), 0-128 (IPv6) */
	bool found;		/* the database has a record for the address */
};

/* What an auditor needs to know about the database that made a decision. */
struct geodb_info {
	uint64_t build_epoch;		/* from the metadata */
	char build_time[21];		/* "2026-06-25T04:33:59Z" */
	char sha256[65];		/* of the file's bytes */
	char database_type[64];
	uint32_t node_count;
	uint16_t ip_version;
	uint16_t record_size;
	size_t size;			/* bytes */
	size_t records;			/* distinct data records */
	size_t countries;		/* distinct codes found */
	const char *country_path;	/* "country/iso_code", the path that answered */
};

struct geodb_cache_stats {
	uint64_t hits;
	uint64_t misses;
};

/*
 * Opens path. country_path is a NULL-terminated path into each record
 * ({"country", "iso_code", NULL} for GeoLite2/GeoIP2/DB-IP); when a record
 * lacks it, registered_country/iso_code and a flat country_code are tried,
 * so databases that fill in only those also work. cache_size entries are
 * allocated up front (0 disables the cache). Returns NULL with a message
 * naming the file and the reason in err.
 */
struct geodb *geodb_open(const char *path, const char *const *country_path,
    size_t cache_size, char *err, size_t errsize);
void geodb_close(struct geodb *db);

/*
 * Looks up an address: family AF_INET with 4 bytes or AF_INET6 with 16.
 * IPv4-mapped IPv6 addresses are looked up as IPv4. Returns 0, or -1 only
 * on an internal database error (r then says "--", not found).
 * Never allocates.
 */
int geodb_lookup(struct geodb *db, int family, const uint8_t *addr,
    struct geodb_result *r);

/*
 * Calls fn for every network the database has a record for, in address
 * order: first and last address in 16-byte form (IPv4 as the mapped
 * ::ffff:a.b.c.d), and the code ("--" for a record without one). The IPv4
 * space is reported once, as IPv4, though the tree also reaches it through
 * its ::ffff:0:0/96 and 2002::/16 aliases; whatever a file keeps under
 * ::ffff:0:0/96 itself is not reported, as geodb_lookup answers those
 * addresses from the IPv4 space. fn returns 0 to go on, non-zero
 * to stop (returned). Returns 0, or -1 on a database error.
 */
int geodb_walk(struct geodb *db,
    int (*fn)(const uint8_t first[16], const uint8_t last[16], const char *cc,
    void *arg), void *arg);

const struct geodb_info *geodb_get_info(const struct geodb *db);
void geodb_get_cache_stats(const struct geodb *db, struct geodb_cache_stats *st);

#endif
