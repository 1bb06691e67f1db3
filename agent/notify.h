/* The service manager protocol (sd_notify): readiness, reloads, watchdog. */
#ifndef EEAGUARD_NOTIFY_H
#define EEAGUARD_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

/* All are no-ops when not started by systemd (no $NOTIFY_SOCKET). */
void notify_ready(void);
void notify_reloading(void);	/* RELOADING=1 + MONOTONIC_USEC */
void notify_stopping(void);
void notify_status(const char *status);
/* The watchdog interval in microseconds (0 = none); ping at half of it. */
uint64_t notify_watchdog_usec(void);
void notify_watchdog(void);

#endif
