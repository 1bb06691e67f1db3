/* Least privilege: drop to a service user, keeping only the capabilities the mode needs. */
#ifndef EEAGUARD_PRIVDROP_H
#define EEAGUARD_PRIVDROP_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Called after the capture handles and netlink sockets are open. When
 * running as root: switches to user (its uid, gid and supplementary
 * groups) and keeps in the effective and permitted sets only CAP_NET_RAW
 * (capture), plus CAP_NET_ADMIN when need_admin (nftables, SOCK_DESTROY,
 * sock_diag for other users' sockets), plus CAP_DAC_READ_SEARCH and
 * CAP_SYS_PTRACE when need_proc (reading other users' /proc/PID/fd for
 * attribution). Everything else is dropped from every set including the
 * bounding set; no_new_privs is set. Returns 0, or -1 with the reason
 * (the caller treats a failure to drop as fatal). When not root and user
 * is NULL it changes nothing and returns 0.
 */
int privdrop(const char *user, bool need_admin, bool need_proc, char *err,
    size_t errsize);

#endif
