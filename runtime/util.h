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

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

#endif
