/*
 * capture.h - helpers shared by unit tests (header only: each test is one
 * program): stderr captured into a string, a whole file read, a fresh
 * temporary directory, a monotonic clock in milliseconds, a loopback port
 * that nothing listens on.
 */
#ifndef TESTS_UNIT_CAPTURE_H
#define TESTS_UNIT_CAPTURE_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static int	 capture_saved = -1;
static FILE	*capture_fp;

/* stderr goes to a temporary file until capture_end(). */
static inline void
capture_begin(void)
{
	fflush(stderr);
	if ((capture_fp = tmpfile()) == NULL)
		fatal("tmpfile");
	if ((capture_saved = dup(STDERR_FILENO)) == -1)
		fatal("dup");
	if (dup2(fileno(capture_fp), STDERR_FILENO) == -1)
		fatal("dup2");
}

/* What was written to stderr since capture_begin() (caller frees). */
static inline char *
capture_end(void)
{
	char	*out;
	long	 len;

	fflush(stderr);
	if (dup2(capture_saved, STDERR_FILENO) == -1)
		fatal("dup2");
	close(capture_saved);
	capture_saved = -1;
	len = ftell(capture_fp);
	rewind(capture_fp);
	out = xcalloc(1, (size_t)len + 1);
	if (len > 0 && fread(out, 1, (size_t)len, capture_fp) != (size_t)len)
		fatal("fread");
	fclose(capture_fp);
	capture_fp = NULL;
	return out;
}

/* The file's content, "" when it does not exist (caller frees). */
static inline char *
capture_file(const char *path)
{
	FILE	*fp;
	char	*out;
	long	 len;

	if ((fp = fopen(path, "r")) == NULL)
		return xcalloc(1, 1);
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	out = xcalloc(1, (size_t)len + 1);
	if (len > 0 && fread(out, 1, (size_t)len, fp) != (size_t)len)
		fatal("%s: short read", path);
	fclose(fp);
	return out;
}

/* A new directory under TMPDIR (caller frees the name). */
static inline char *
capture_tmpdir(void)
{
	const char	*base = getenv("TMPDIR");
	char		*dir;

	if (asprintf(&dir, "%s/unit.XXXXXX", base ? base : "/tmp") == -1)
		fatal("asprintf");
	if (mkdtemp(dir) == NULL)
		fatal("mkdtemp");
	return dir;
}

static inline long long
capture_ms(void)
{
	return (long long)(util_now_ns() / 1000000ULL);
}

/* A loopback TCP port that was free a moment ago (bound, then closed):
 * nothing listens there. */
static inline int
capture_free_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			fd, port;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		fatal("socket");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		fatal("bind/getsockname on loopback");
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

/* Occurrences of needle in haystack. */
static inline int
capture_count(const char *haystack, const char *needle)
{
	int	n = 0;

	while ((haystack = strstr(haystack, needle)) != NULL) {
		n++;
		haystack += strlen(needle);
	}
	return n;
}

#endif
