/*
 * log.c: logging for every netboot program, after OpenBSD's log.c.
 * In the foreground (-d) messages go to stderr with a level prefix;
 * otherwise to syslog(3) with the daemon facility.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#define LIBBSD_OPENBSD_VIS 1
#include <vis.h>

#include "log.h"

static const char	*log_name = "netboot";
static int		 log_foreground = 1;
static int		 log_verbose;

void
log_init(const char *name, int foreground, int verbose)
{
	log_name = name;
	log_foreground = foreground;
	log_verbose = verbose;
	if (!foreground)
		openlog(name, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_setverbose(int verbose)
{
	log_verbose = verbose;
}

int
log_getverbose(void)
{
	return log_verbose;
}

void
log_reopen(void)
{
	if (log_foreground)
		return;
	closelog();
	openlog(log_name, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

static void
vlog(int pri, const char *fmt, va_list ap, const char *suffix)
{
	char	 msg[2048];
	const char *lvl;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (!log_foreground) {
		if (suffix != NULL)
			syslog(pri, "%s: %s", msg, suffix);
		else
			syslog(pri, "%s", msg);
		return;
	}
	switch (pri) {
	case LOG_CRIT:	  lvl = "fatal: "; break;
	case LOG_WARNING: lvl = "warning: "; break;
	case LOG_DEBUG:	  lvl = "debug: "; break;
	default:	  lvl = ""; break;
	}
	if (suffix != NULL)
		fprintf(stderr, "%s: %s%s: %s\n", log_name, lvl, msg, suffix);
	else
		fprintf(stderr, "%s: %s%s\n", log_name, lvl, msg);
	fflush(stderr);
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap, NULL);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (log_verbose < 1)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap, NULL);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, strerror(saved));
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}

const char *
log_safe(char *buf, size_t bufsz, const char *s, size_t len)
{
	/* strvisx writes up to 4 bytes per input byte plus the NUL. */
	if (bufsz == 0)
		return "";
	if (len > (bufsz - 1) / 4)
		len = (bufsz - 1) / 4;
	strvisx(buf, s, len, VIS_CSTYLE | VIS_NL | VIS_TAB | VIS_OCTAL);
	return buf;
}
