/*
 * reqlog.c - the request log writer (see reqlog.h).
 *
 * Double buffering: producers append whole lines to the fill buffer under
 * a mutex held only for a memcpy; the writer swaps it for its empty spare
 * and writes the swapped-out buffer without the lock.  So a batch is
 * always whole lines, written with one write(2) (more only if the kernel
 * takes part of it), and producers never wait for the disk.  A line
 * reaches the file within REQLOG_BATCH_MS.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "reqlog.h"
#include "util.h"

#define REQLOG_METHOD_MAX	64
#define REQLOG_PATH_MAX		1900
#define REQLOG_BATCH_MS		20	/* how stale the file may be */

static void	*reqlog_main(void *);
static int	 reqlog_write_all(const char *, size_t);
static size_t	 reqlog_stamp(char *, size_t);

static pthread_mutex_t	 lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 wake = PTHREAD_COND_INITIALIZER;
static pthread_t	 writer;
static int		 running;
static int		 stopping;
static int		 fd = -1;
static char		*fill, *spare;
static size_t		 fill_len, cap;
static unsigned long long dropped_total, dropped_unreported;

int
reqlog_start(const char *path, size_t queue_bytes)
{
	if (path == NULL || path[0] == '\0')
		return 0;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd == -1) {
		log_error(NULL, "REQUEST_LOG %s: %s", path, strerror(errno));
		return -1;
	}
	cap = queue_bytes ? queue_bytes : REQLOG_QUEUE_BYTES;
	fill = xmalloc(cap);
	spare = xmalloc(cap);
	fill_len = 0;
	stopping = 0;
	dropped_total = dropped_unreported = 0;
	if (pthread_create(&writer, NULL, reqlog_main, NULL) != 0) {
		log_error(NULL, "REQUEST_LOG: cannot start the writer thread");
		close(fd);
		fd = -1;
		free(fill);
		free(spare);
		fill = spare = NULL;
		return -1;
	}
	pthread_mutex_lock(&lock);
	running = 1;
	pthread_mutex_unlock(&lock);
	return 0;
}

void
reqlog_request(const char *method, const char *path, int status, double ms)
{
	char	line[REQLOG_METHOD_MAX + REQLOG_PATH_MAX + 128];
	size_t	n;
	int	m;

	n = reqlog_stamp(line, sizeof(line));
	n += reqlog_escape(line + n, REQLOG_METHOD_MAX, method);
	line[n++] = ' ';
	n += reqlog_escape(line + n, REQLOG_PATH_MAX, path);
	m = snprintf(line + n, sizeof(line) - n, " %d %lldms\n", status,
	    (long long)(ms + 0.5));
	if (m < 0 || (size_t)m >= sizeof(line) - n)
		return;
	n += (size_t)m;

	pthread_mutex_lock(&lock);
	if (!running || stopping) {
		pthread_mutex_unlock(&lock);
		return;
	}
	if (n > cap - fill_len) {
		dropped_total++;
		dropped_unreported++;
	} else {
		/* Half full: write now rather than at the batch's end. */
		if (fill_len == 0 || (fill_len < cap / 2 &&
		    fill_len + n >= cap / 2))
			pthread_cond_signal(&wake);
		memcpy(fill + fill_len, line, n);
		fill_len += n;
	}
	pthread_mutex_unlock(&lock);
}

void
reqlog_stop(void)
{
	pthread_mutex_lock(&lock);
	if (!running) {
		pthread_mutex_unlock(&lock);
		return;
	}
	stopping = 1;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	pthread_join(writer, NULL);

	pthread_mutex_lock(&lock);
	running = 0;
	pthread_mutex_unlock(&lock);
	close(fd);
	fd = -1;
	free(fill);
	free(spare);
	fill = spare = NULL;
}

unsigned long long
reqlog_dropped(void)
{
	unsigned long long	n;

	pthread_mutex_lock(&lock);
	n = dropped_total;
	pthread_mutex_unlock(&lock);
	return n;
}

size_t
reqlog_escape(char *dst, size_t size, const char *src)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*s = (const unsigned char *)src;
	size_t			 n = 0, lead;

	if (size == 0)
		return 0;
	for (; *s != '\0'; s++) {
		if (*s < 0x20 || *s == 0x7f) {
			if (n + 4 >= size)
				goto cut;
			dst[n++] = '\\';
			dst[n++] = 'x';
			dst[n++] = hex[*s >> 4];
			dst[n++] = hex[*s & 0x0f];
		} else if (*s == '\\') {
			if (n + 2 >= size)
				goto cut;
			dst[n++] = '\\';
			dst[n++] = '\\';
		} else {
			if (n + 1 >= size)
				goto cut;
			dst[n++] = (char)*s;
		}
	}
	dst[n] = '\0';
	return n;

cut:
	/* Do not leave half a UTF-8 character at the end. */
	for (lead = n; lead > 0 && ((unsigned char)dst[lead - 1] & 0xc0) ==
	    0x80; lead--)
		;
	if (lead > 0 && (unsigned char)dst[lead - 1] >= 0xc0) {
		lead--;
		if (n - lead < (size_t)((unsigned char)dst[lead] >= 0xf0 ? 4 :
		    (unsigned char)dst[lead] >= 0xe0 ? 3 : 2))
			n = lead;
	}
	dst[n] = '\0';
	return n;
}

static void *
reqlog_main(void *arg)
{
	unsigned long long	 dropped;
	struct timespec		 until;
	char			*out;
	size_t			 len;

	pthread_mutex_lock(&lock);
	for (;;) {
		while (fill_len == 0 && dropped_unreported == 0 && !stopping)
			pthread_cond_wait(&wake, &lock);
		if (fill_len == 0 && dropped_unreported == 0)
			break;		/* stopping, and nothing left */
		/* Let a batch gather: one wake-up and one write per
		 * REQLOG_BATCH_MS under load, not one per request (measured,
		 * bench/RESULTS.md: per request they cost more CPU than the
		 * whole middleware chain).  A half-full buffer or
		 * reqlog_stop() cuts the wait short. */
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += REQLOG_BATCH_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!stopping && fill_len < cap / 2 &&
		    pthread_cond_timedwait(&wake, &lock, &until) == 0)
			;
		out = fill;
		len = fill_len;
		fill = spare;
		fill_len = 0;
		spare = out;
		dropped = dropped_unreported;
		dropped_unreported = 0;
		pthread_mutex_unlock(&lock);

		if (len > 0 && reqlog_write_all(out, len) == -1)
			log_error(NULL, "REQUEST_LOG: write: %s; %zu bytes "
			    "lost", strerror(errno), len);
		if (dropped > 0)
			log_warn("REQUEST_LOG: %llu line(s) dropped, the "
			    "queue was full", dropped);
		pthread_mutex_lock(&lock);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

static int
reqlog_write_all(const char *p, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* "[YYYY-MM-DD HH:MM:SS] " in local time, formatted once a second per
 * thread. */
static size_t
reqlog_stamp(char *dst, size_t size)
{
	static _Thread_local time_t	 last = -1;
	static _Thread_local char	 stamp[32];
	static _Thread_local size_t	 len;
	struct tm			 tm;
	time_t				 now;

	now = time(NULL);
	if (now != last) {
		localtime_r(&now, &tm);
		len = strftime(stamp, sizeof(stamp), "[%Y-%m-%d %H:%M:%S] ",
		    &tm);
		last = now;
	}
	if (len >= size)
		return 0;
	memcpy(dst, stamp, len + 1);
	return len;
}
