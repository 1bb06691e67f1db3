/* Builds a MaxMind DB (format 2.0) country database from range lists. */
#ifndef EEAGUARD_GEODB_BUILD_H
#define EEAGUARD_GEODB_BUILD_H

#include <stddef.h>
#include <stdint.h>

/*
 * The builder collects ranges (inclusive first..last, 16-byte big-endian
 * addresses; IPv4 as ::a.b.c.d, i.e. the IPv4 subtree at ::/96 as in
 * MaxMind's own databases) each with a two-letter code, then writes an
 * IPv6 database whose records look like GeoLite2-Country:
 *   {"country": {"iso_code": "NL"}}
 * IPv4-mapped ::ffff:0:0/96 and 6to4 2002::/16 are aliases of the IPv4
 * subtree, so every IPv4 address resolves through both families.
 */
struct geodb_build;

struct geodb_build *geodb_build_new(void);
void geodb_build_free(struct geodb_build *b);

/*
 * Reads Tor's geoip (v4: "FIRST_INT,LAST_INT,CC") or geoip6
 * ("FIRST_V6,LAST_V6,CC") text file. "#" comments and blank lines are
 * skipped; "??" (no data) lines are skipped. Returns -1 with a message
 * "FILE:LINE: what is wrong" in err on the first malformed line.
 */
int geodb_build_read_tor(struct geodb_build *b, const char *path, int family,
    char *err, size_t errsize);
/*
 * Reads a CSV of "network,iso_code" lines (network a CIDR or a bare
 * address, either family); an optional first header line starting with
 * "network" is skipped, as are "#" comments and blank lines.
 */
int geodb_build_read_csv(struct geodb_build *b, const char *path,
    char *err, size_t errsize);
/*
 * Adds one range. first/last are 16-byte addresses in the IPv6 tree's
 * form (IPv4 at ::/96). cc is two letters A-Z. source/line name the input
 * for error messages. Returns -1 on a bad range.
 */
int geodb_build_add(struct geodb_build *b, const uint8_t first[16],
    const uint8_t last[16], const char *cc, const char *source, int line,
    char *err, size_t errsize);

/*
 * Sorts and merges the ranges (adjacent ranges with the same code merge;
 * overlapping ranges are an error naming both source lines), builds the
 * search tree and writes the database atomically (temp file + rename) to
 * path. build_epoch 0 means now. Returns -1 with a message in err.
 */
int geodb_build_write(struct geodb_build *b, const char *path,
    uint64_t build_epoch, char *err, size_t errsize);

/* Figures about the last geodb_build_write, for the CLI and benchmarks. */
struct geodb_build_stats {
	size_t ranges_in;	/* ranges added */
	size_t ranges_merged;	/* after merging */
	size_t networks;	/* CIDR networks in the tree */
	size_t nodes;		/* search tree nodes */
	unsigned record_size;	/* 24, 28 or 32 */
	size_t bytes;		/* file size */
	size_t aliased_skipped;	/* input ranges inside an alias (::ffff:0:0/96, 2002::/16) */
};
void geodb_build_get_stats(const struct geodb_build *b, struct geodb_build_stats *st);

#endif
