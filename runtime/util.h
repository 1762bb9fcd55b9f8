/*
 * util.h - allocation that never fails (it aborts), and small helpers.
 */
#ifndef RUNTIME_UTIL_H
#define RUNTIME_UTIL_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
void	 fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Monotonic clock in nanoseconds. */
unsigned long long	util_now_ns(void);

/*
 * A duration in milliseconds with two decimals ("12.34"), rounded, as
 * printf's "%.2f" would write it, into dst (UTIL_MS_MAX bytes); returns
 * the length.  Integer arithmetic: it runs on every request, where
 * printf's floating-point path cost more than the rest of the log line.
 */
#define UTIL_MS_MAX	32
size_t	util_fmt_ms(char *dst, unsigned long long ns);
/* An unsigned decimal into dst (at least 21 bytes); returns the length. */
size_t	util_fmt_u(char *dst, unsigned long long v);
/* A signed decimal into dst (at least 21 bytes); returns the length. */
size_t	util_fmt_i(char *dst, long long v);
/* The value of a hex digit, or -1. */
int	util_hexval(int c);

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

#endif
