/*
 * log.c - diagnostics on stderr, one write(2) per line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static void	log_line(const char *, const char *, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));

static int	log_debug;

void
log_set_debug(int on)
{
	log_debug = on;
}

int
log_debug_enabled(void)
{
	return log_debug;
}

static void
log_line(const char *level, const char *request_id, const char *fmt,
    va_list ap)
{
	char		 buf[2048];
	struct tm	 tm;
	time_t		 now;
	int		 n, m;

	now = time(NULL);
	gmtime_r(&now, &tm);
	n = (int)strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ ", &tm);
	if (request_id != NULL)
		m = snprintf(buf + n, sizeof(buf) - n, "%s request_id=%s ",
		    level, request_id);
	else
		m = snprintf(buf + n, sizeof(buf) - n, "%s ", level);
	n += m;
	m = vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	if (m < 0)
		m = 0;
	n += m;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	(void)!write(STDERR_FILENO, buf, n);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_line("info", NULL, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_line("warning", NULL, fmt, ap);
	va_end(ap);
}

void
log_error(const char *request_id, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_line("error", request_id, fmt, ap);
	va_end(ap);
}
