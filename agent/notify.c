/* The service manager protocol (sd_notify, sd_notify(3)): readiness, reloads, watchdog. */
#include "agent/notify.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

/*
 * Every call leaves $NOTIFY_SOCKET and $WATCHDOG_* in place (unset_environment
 * 0): the agent notifies for its whole life, not once. Commands the exec sink
 * starts inherit them, which is harmless: Type=notify units accept messages
 * from the main process only (NotifyAccess=main), and sd_watchdog_enabled()
 * in a child sees a $WATCHDOG_PID that is not its own.
 *
 * Failures are ignored on purpose: a lost notification is the service
 * manager's to notice (start timeout, watchdog), never a reason to stop
 * watching the network.
 */

void
notify_ready(void)
{
	(void)sd_notify(0, "READY=1");
}

/*
 * systemd 253+ (Type=notify-reload) wants MONOTONIC_USEC with RELOADING=1 to
 * tell this reload from an older one; systemd 252 ignores it. The reload
 * ends with the next notify_ready().
 */
void
notify_reloading(void)
{
	struct timespec ts;
	char msg[64];

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1) {
		(void)sd_notify(0, "RELOADING=1");
		return;
	}
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000ULL);
	(void)sd_notify(0, msg);
}

void
notify_stopping(void)
{
	(void)sd_notify(0, "STOPPING=1");
}

/*
 * The status is one line of `systemctl status`. A newline in it would start
 * a second assignment (a file name in an error message could say
 * "\nREADY=1"), so control characters become spaces.
 */
void
notify_status(const char *status)
{
	char msg[512];
	size_t n;

	if (status == NULL)
		return;
	n = (size_t)snprintf(msg, sizeof(msg), "STATUS=%s", status);
	if (n >= sizeof(msg))
		n = sizeof(msg) - 1;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			msg[i] = ' ';
	(void)sd_notify(0, msg);
}

uint64_t
notify_watchdog_usec(void)
{
	uint64_t usec = 0;

	if (sd_watchdog_enabled(0, &usec) <= 0)
		return 0;
	return usec;
}

void
notify_watchdog(void)
{
	(void)sd_notify(0, "WATCHDOG=1");
}
