/*
 * util.c - allocation that never fails, fatal errors, the clock.
 *
 * Running out of memory in a request server leaves no sane way to answer,
 * so the x* allocators abort with a message instead of returning NULL;
 * callers never check.
 */
#include <errno.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

static void	util_oom(const char *, size_t) __attribute__((noreturn));

void *
xmalloc(size_t len)
{
	void	*p;

	/* malloc(0) may return NULL legitimately; always hand out memory. */
	if (len == 0)
		len = 1;
	if ((p = malloc(len)) == NULL)
		util_oom("xmalloc", len);
	return (p);
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void	*p;

	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	if (nmemb > SIZE_MAX / size)
		fatal("xcalloc: %zu * %zu overflows", nmemb, size);
	if ((p = calloc(nmemb, size)) == NULL)
		util_oom("xcalloc", nmemb * size);
	return (p);
}

void *
xrealloc(void *ptr, size_t len)
{
	void	*p;

	if (len == 0)
		len = 1;
	if ((p = realloc(ptr, len)) == NULL)
		util_oom("xrealloc", len);
	return (p);
}

void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size)
		fatal("xreallocarray: %zu x %zu bytes overflows", nmemb, size);
	return (xrealloc(ptr, nmemb * size));
}

char *
xstrdup(const char *s)
{
	char	*p;
	size_t	 len;

	len = strlen(s) + 1;
	p = xmalloc(len);
	memcpy(p, s, len);
	return (p);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;

	fflush(stdout);
	fputs("fatal: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

unsigned long long
util_now_ns(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		fatal("clock_gettime: %s", strerror(errno));
	return ((unsigned long long)ts.tv_sec * 1000000000ULL +
	    (unsigned long long)ts.tv_nsec);
}

size_t
util_fmt_u(char *dst, unsigned long long v)
{
	char	tmp[20];
	size_t	n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (i = 0; i < n; i++)
		dst[i] = tmp[n - 1 - i];
	dst[n] = '\0';
	return n;
}

size_t
util_fmt_i(char *dst, long long v)
{
	if (v >= 0)
		return util_fmt_u(dst, (unsigned long long)v);
	dst[0] = '-';
	/* -(v + 1) + 1: LLONG_MIN has no positive long long */
	return 1 + util_fmt_u(dst + 1, (unsigned long long)-(v + 1) + 1);
}

size_t
util_fmt_ms(char *dst, unsigned long long ns)
{
	unsigned long long	cs = (ns + 5000) / 10000;	/* 1/100 ms */
	size_t			n;

	n = util_fmt_u(dst, cs / 100);
	dst[n++] = '.';
	dst[n++] = (char)('0' + cs / 10 % 10);
	dst[n++] = (char)('0' + cs % 10);
	dst[n] = '\0';
	return n;
}

/*
 * abort() rather than exit(): an out-of-memory condition is a bug or a
 * runaway request, and a core dump is more useful than a clean exit.
 */
static void
util_oom(const char *who, size_t len)
{
	fprintf(stderr, "fatal: %s: out of memory allocating %zu bytes\n",
	    who, len);
	abort();
}

int
util_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}
