/* Diagnostics for people: stderr until daemonized, syslog after. */
#ifndef EEAGUARD_LOG_H
#define EEAGUARD_LOG_H

#include <stdnoreturn.h>

#include "rules/errlist.h"	/* EG_PRINTF */

/* Exit statuses of every eeaguard command (DESIGN: "Command line"). */
#define EXIT_OK		0
#define EXIT_INVALID	1	/* bad config, register, arguments, capture */
#define EXIT_RUNTIME	2	/* runtime failure */

void log_init(const char *progname, int verbose);
/* From now on also write to syslog (LOG_DAEMON). */
void log_to_syslog(void);
int log_verbose(void);

void log_warn(const char *fmt, ...) EG_PRINTF(1, 2);	/* appends strerror(errno) */
void log_warnx(const char *fmt, ...) EG_PRINTF(1, 2);
void log_info(const char *fmt, ...) EG_PRINTF(1, 2);
void log_debug(const char *fmt, ...) EG_PRINTF(1, 2);	/* only with -v */
noreturn void fatal(const char *fmt, ...) EG_PRINTF(1, 2);	/* + strerror, exit 2 */
noreturn void fatalx(const char *fmt, ...) EG_PRINTF(1, 2);	/* exit 2 */

#endif
