/* Process attribution: which uid, pid and program own a local socket (live mode). */
#ifndef EEAGUARD_ATTRIB_H
#define EEAGUARD_ATTRIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "rules/addr.h"

#define ATTRIB_COMM_MAX 16	/* TASK_COMM_LEN */
#define ATTRIB_PATH_MAX 256	/* exe and cgroup paths, cut to fit */
#define ATTRIB_USER_MAX 33

/* What is known of a socket's owner. Unknown numbers are -1, strings "". */
struct attrib {
	int64_t uid;
	int64_t pid;
	uint64_t inode;
	char user[ATTRIB_USER_MAX];	/* name of uid, "" if it has none */
	char comm[ATTRIB_COMM_MAX];
	char exe[ATTRIB_PATH_MAX];
	char cgroup[ATTRIB_PATH_MAX];	/* cgroup v2 path, e.g. /system.slice/x.service */
};

struct attrib_stats {
	uint64_t queries;
	uint64_t found_socket;		/* sock_diag knew the socket: uid known */
	uint64_t found_process;		/* ... and its process: pid known */
	uint64_t proc_scans;		/* full /proc fd scans */
	uint64_t errors;
	size_t cached;			/* inode -> pid entries held now */
	size_t cache_capacity;
	uint64_t cache_full;		/* entries not kept: the table was full */
};

/*
 * Opens a NETLINK_SOCK_DIAG socket (needs CAP_NET_ADMIN for other users'
 * sockets' details; uid and inode need none). The /proc scan cache holds
 * up to cache_size inode -> pid entries. Returns NULL with a reason.
 */
struct attrib_ctx *attrib_open(size_t cache_size, char *err, size_t errsize);
void attrib_close(struct attrib_ctx *a);

/*
 * Finds the socket with exactly this tuple (proto IPPROTO_TCP/UDP, local
 * src, remote dst; both of one family) and its owner. Fills a (always:
 * unknowns as above) and returns true when at least the socket (uid) was
 * found. Asks immediately: a short-lived process may already be gone, then
 * uid is known and pid is -1; it never guesses.
 */
bool attrib_lookup(struct attrib_ctx *a, uint8_t proto,
    const struct ipaddr *src, uint16_t sport, const struct ipaddr *dst,
    uint16_t dport, struct attrib *out);

/*
 * attrib_lookup in two steps: the socket (uid, inode, user: one netlink
 * round trip, microseconds), then its process (pid, comm, exe, cgroup:
 * /proc, up to a scan). The agent blocks between the two when the policy
 * needs no more than the uid.
 */
bool attrib_lookup_socket(struct attrib_ctx *a, uint8_t proto,
    const struct ipaddr *src, uint16_t sport, const struct ipaddr *dst,
    uint16_t dport, struct attrib *out);
void attrib_lookup_process(struct attrib_ctx *a, struct attrib *out);

void attrib_get_stats(const struct attrib_ctx *a, struct attrib_stats *st);

#endif
