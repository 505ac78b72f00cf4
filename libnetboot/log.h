/* log.h: one logging API for every program: stderr in the foreground, syslog otherwise. */
#ifndef NB_LOG_H
#define NB_LOG_H

#include <stdarg.h>

#define NB_PRINTF(f, a)	__attribute__((__format__(__printf__, f, a)))

/* Start logging as name; to stderr when foreground, else to syslog. */
void	log_init(const char *name, int foreground, int verbose);
/* Set how verbose logging is: 0 info, 1 debug, 2 more. */
void	log_setverbose(int verbose);
/* Return the verbosity set by log_init or log_setverbose. */
int	log_getverbose(void);
/* Connect to syslog again: a forked child closed the descriptors. */
void	log_reopen(void);
/* Log a warning with strerror(errno) appended. */
void	log_warn(const char *, ...) NB_PRINTF(1, 2);
/* Log a warning. */
void	log_warnx(const char *, ...) NB_PRINTF(1, 2);
/* Log an informational message. */
void	log_info(const char *, ...) NB_PRINTF(1, 2);
/* Log a debug message, shown with -v. */
void	log_debug(const char *, ...) NB_PRINTF(1, 2);
/* Log with strerror(errno) and exit 1: startup failures only. */
void	fatal(const char *, ...) NB_PRINTF(1, 2) __attribute__((__noreturn__));
/* Log and exit 1: startup failures and impossible states only. */
void	fatalx(const char *, ...) NB_PRINTF(1, 2) __attribute__((__noreturn__));
/* Copy untrusted text into buf, escaped (strnvis) so that it is safe to log. */
const char *log_safe(char *buf, size_t bufsz, const char *s, size_t len);

#endif
