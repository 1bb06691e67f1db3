/* Least privilege: drop to a service user, keeping only the capabilities the mode needs (libcap-ng). */
#include "agent/privdrop.h"

#include <sys/prctl.h>
#include <sys/types.h>

#include <errno.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cap-ng.h>

/*
 * Two ways in, one result:
 *
 *  - started as root (by hand, or by a unit without User=): switch to the
 *    user with capng_change_id(), which keeps the chosen capabilities across
 *    the uid change (PR_SET_KEEPCAPS) and takes CAP_SETUID/CAP_SETGID away
 *    again once the ids are changed;
 *  - started as the user already, holding capabilities the service manager
 *    granted (deploy/eeaguard.service: User=eeaguard, AmbientCapabilities=):
 *    keep the ones the mode needs of those held, drop the rest.
 *
 * Either way no capability outside the kept set stays in the effective,
 * permitted, inheritable or ambient set, the bounding set is cut to the kept
 * set where CAP_SETPCAP allows it (a service manager that withheld
 * CAP_SETPCAP has bounded the set itself), and no_new_privs is set, so
 * nothing the agent later executes (the exec alert sink) gains privileges.
 *
 * Capabilities belong to a thread: call this before any thread exists.
 */

#define PD_MAX_CAPS 4

struct pd_keep {
	unsigned cap[PD_MAX_CAPS];
	size_t n;
};

static void
pd_keep_set(struct pd_keep *k, bool need_admin, bool need_proc)
{
	k->n = 0;
	k->cap[k->n++] = CAP_NET_RAW;		/* capture (AF_PACKET) */
	if (need_admin)
		k->cap[k->n++] = CAP_NET_ADMIN;	/* nftables, SOCK_DESTROY */
	if (need_proc) {
		k->cap[k->n++] = CAP_DAC_READ_SEARCH;	/* /proc/PID/fd */
		k->cap[k->n++] = CAP_SYS_PTRACE;	/* its links */
	}
}

/* The user's passwd entry in buf; -1 with a reason (unknown or lookup error). */
static int
pd_lookup(const char *user, struct passwd *pw, char **buf, char *err,
    size_t errsize)
{
	struct passwd *res = NULL;
	long sz = sysconf(_SC_GETPW_R_SIZE_MAX);
	int rc;

	if (sz < 1024)
		sz = 16384;
	if ((*buf = malloc((size_t)sz)) == NULL) {
		snprintf(err, errsize, "out of memory looking up user '%s'",
		    user);
		return -1;
	}
	rc = getpwnam_r(user, pw, *buf, (size_t)sz, &res);
	if (res != NULL)
		return 0;
	if (rc == 0 || rc == ENOENT || rc == ESRCH || rc == EBADF ||
	    rc == EPERM)
		snprintf(err, errsize, "cannot run as user '%s': no such "
		    "user (create it with deploy/setup-users.sh, or name "
		    "another one)", user);
	else
		snprintf(err, errsize, "cannot look up user '%s': %s", user,
		    strerror(rc));
	free(*buf);
	*buf = NULL;
	return -1;
}

static const char *
pd_change_id_why(int rc)
{
	switch (rc) {
	case -2:
		return "cannot keep capabilities across the uid change "
		    "(PR_SET_KEEPCAPS)";
	case -3:
		return "cannot apply the intermediate capabilities";
	case -4:
		return "cannot change the group id";
	case -5:
		return "cannot set the supplementary groups";
	case -6:
		return "cannot change the user id";
	case -7:
		return "cannot clear PR_SET_KEEPCAPS";
	case -8:
		return "cannot clear the bounding set";
	case -9:
		return "cannot drop CAP_SETUID, CAP_SETGID and CAP_SETPCAP";
	case -10:
		return "cannot initialise the supplementary groups";
	default:
		return "libcap-ng is not initialised";
	}
}

/* May this process cut its bounding set? Asks the kernel, not the state. */
static bool
pd_may_bound(void)
{
	return capng_get_caps_process() == 0 &&
	    capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP) == 1;
}

/* The bounding set down to the kept set in the state, when allowed. */
static int
pd_bound(bool may, char *err, size_t errsize)
{
	int rc;

	if (!may)
		return 0;
	if ((rc = capng_apply(CAPNG_SELECT_BOUNDS)) != 0) {
		snprintf(err, errsize, "cannot limit the capability bounding "
		    "set (libcap-ng error %d): %s", rc, strerror(errno));
		return -1;
	}
	return 0;
}

static int
pd_no_new_privs(char *err, size_t errsize)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		snprintf(err, errsize, "cannot set no_new_privs: %s",
		    strerror(errno));
		return -1;
	}
	/* Already empty once the inheritable set is; said outright anyway. */
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	return 0;
}

/* Root: switch to pw (NULL: stay uid 0) keeping exactly k. */
static int
pd_from_root(const struct passwd *pw, const struct pd_keep *k, char *err,
    size_t errsize)
{
	bool may = pd_may_bound();
	int rc;

	capng_clear(CAPNG_SELECT_BOTH);
	for (size_t i = 0; i < k->n; i++)
		if (capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED |
		    CAPNG_BOUNDING_SET, k->cap[i]) != 0) {
			snprintf(err, errsize, "this kernel does not know "
			    "capability %s",
			    capng_capability_to_name(k->cap[i]));
			return -1;
		}
	/* Before the ids change: dropping bounding bits needs CAP_SETPCAP. */
	if (pd_bound(may, err, errsize) == -1)
		return -1;
	if (pw == NULL) {
		if ((rc = capng_apply(CAPNG_SELECT_CAPS)) != 0) {
			snprintf(err, errsize, "cannot drop capabilities "
			    "(libcap-ng error %d): %s", rc, strerror(errno));
			return -1;
		}
		return 0;
	}
	/* The user's own groups (initgroups), none of root's. */
	rc = capng_change_id((int)pw->pw_uid, (int)pw->pw_gid,
	    CAPNG_INIT_SUPP_GRP | CAPNG_CLEAR_AMBIENT);
	if (rc != 0) {
		snprintf(err, errsize, "cannot switch to user '%s' (uid %lu, "
		    "gid %lu): %s: %s", pw->pw_name, (unsigned long)pw->pw_uid,
		    (unsigned long)pw->pw_gid, pd_change_id_why(rc),
		    strerror(errno));
		return -1;
	}
	/* As OpenBSD daemons do: make sure the way back is closed. */
	if (setuid(0) == 0 || seteuid(0) == 0) {
		snprintf(err, errsize, "switched to user '%s' but could "
		    "become root again", pw->pw_name);
		return -1;
	}
	return 0;
}

/*
 * Not root: keep the wanted capabilities among those held. One the mode
 * wants but the process lacks is not an error here: the operation that needs
 * it fails and says so, as it would without privdrop.
 */
static int
pd_as_user(const struct pd_keep *k, char *err, size_t errsize)
{
	bool held[PD_MAX_CAPS], may;
	int rc;

	may = pd_may_bound();
	if (capng_get_caps_process() != 0) {
		snprintf(err, errsize, "cannot read this process's "
		    "capabilities: %s", strerror(errno));
		return -1;
	}
	if (capng_have_capabilities(CAPNG_SELECT_CAPS) == CAPNG_NONE &&
	    capng_have_permitted_capabilities() == CAPNG_NONE)
		return 1;	/* nothing held, nothing to drop */
	for (size_t i = 0; i < k->n; i++)
		held[i] = capng_have_capability(CAPNG_PERMITTED, k->cap[i]) == 1;
	capng_clear(CAPNG_SELECT_BOTH);
	for (size_t i = 0; i < k->n; i++)
		if (held[i])
			capng_update(CAPNG_ADD, CAPNG_EFFECTIVE |
			    CAPNG_PERMITTED | CAPNG_BOUNDING_SET, k->cap[i]);
	if (pd_bound(may, err, errsize) == -1)
		return -1;
	if ((rc = capng_apply(CAPNG_SELECT_CAPS)) != 0) {
		snprintf(err, errsize, "cannot drop capabilities (libcap-ng "
		    "error %d): %s", rc, strerror(errno));
		return -1;
	}
	return 0;
}

int
privdrop(const char *user, bool need_admin, bool need_proc, char *err,
    size_t errsize)
{
	struct passwd pwbuf, *pw = NULL;
	struct pd_keep k;
	char *buf = NULL;
	int rc = -1;

	if (err != NULL && errsize > 0)
		err[0] = '\0';
	else {
		static char scratch[256];

		err = scratch;
		errsize = sizeof(scratch);
	}
	pd_keep_set(&k, need_admin, need_proc);
	if (user != NULL) {
		if (user[0] == '\0') {
			snprintf(err, errsize, "the user to run as is empty");
			return -1;
		}
		if (pd_lookup(user, &pwbuf, &buf, err, errsize) == -1)
			return -1;
		pw = &pwbuf;
	}

	if (geteuid() == 0) {
		if (pw != NULL && pw->pw_uid == 0) {
			snprintf(err, errsize, "cannot run as user '%s': it "
			    "is root (uid 0); name an unprivileged user such "
			    "as eeaguard", user);
			goto done;
		}
		if (pd_from_root(pw, &k, err, errsize) == -1)
			goto done;
	} else {
		if (pw != NULL && (pw->pw_uid != getuid() ||
		    pw->pw_uid != geteuid())) {
			snprintf(err, errsize, "cannot switch to user '%s' "
			    "(uid %lu): this process runs as uid %lu, not "
			    "root (start it as root, or let the service "
			    "manager start it as '%s')", user,
			    (unsigned long)pw->pw_uid,
			    (unsigned long)geteuid(), user);
			goto done;
		}
		switch (pd_as_user(&k, err, errsize)) {
		case -1:
			goto done;
		case 1:
			rc = 0;		/* nothing held: change nothing */
			goto done;
		}
	}
	if (pd_no_new_privs(err, errsize) == -1)
		goto done;
	rc = 0;
done:
	free(buf);
	return rc;
}
