/*
 * reqlog.c - the log line writer (see reqlog.h).
 *
 * Two sinks, the console (stdout) and the request log file, each double
 * buffered: producers append whole lines to a sink's fill buffer under a
 * mutex held only for a memcpy; the writer swaps it for its empty spare
 * and writes the swapped-out buffer without the lock.  So a batch is
 * always whole lines, written with one write(2) (more only if the kernel
 * takes part of it), and producers never wait for a disk or a pipe.  A
 * line is written within REQLOG_BATCH_MS.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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
/* stamp, method, path, status, duration: always fits */
#define REQLOG_LINE_MAX		(REQLOG_METHOD_MAX + REQLOG_PATH_MAX + 128)
#define REQLOG_BATCH_MS		20	/* how stale a log may be */
#define REQLOG_STOP_TIMEOUT	5	/* seconds to flush at shutdown */
#define REQLOG_FULL_WAIT_MS	1000	/* a full stdout pipe, then drop */

struct reqlog_sink {
	const char		*name;		/* for our own diagnostics */
	int			 fd;		/* -1: not in use */
	char			*fill, *spare;
	size_t			 fill_len;
	unsigned long long	 dropped_total, dropped_unreported;
};

static void	*reqlog_main(void *);
static void	 reqlog_put(struct reqlog_sink *, const char *, size_t);
static int	 reqlog_busy(void);
static void	 reqlog_flush(struct reqlog_sink *);
static int	 reqlog_write_all(int, const char *, size_t);
static size_t	 reqlog_stamp(char *, size_t);

static pthread_mutex_t	 lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 wake = PTHREAD_COND_INITIALIZER;
static pthread_t	 writer;
static int		 running;
static int		 stopping;
static size_t		 cap;
static struct reqlog_sink console = {
	.name = "console access log",
	.fd = -1,
};
static struct reqlog_sink file = {
	.name = "REQUEST_LOG",
	.fd = -1,
};

int
reqlog_start(const char *path, size_t queue_bytes)
{
	if (path != NULL && path[0] != '\0') {
		file.fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		    0644);
		if (file.fd == -1) {
			log_error(NULL, "REQUEST_LOG %s: %s", path,
			    strerror(errno));
			return -1;
		}
	}
	console.fd = STDOUT_FILENO;
	cap = queue_bytes ? queue_bytes : REQLOG_QUEUE_BYTES;
	console.fill = xmalloc(cap);
	console.spare = xmalloc(cap);
	file.fill = xmalloc(cap);
	file.spare = xmalloc(cap);
	console.fill_len = file.fill_len = 0;
	console.dropped_total = console.dropped_unreported = 0;
	file.dropped_total = file.dropped_unreported = 0;
	stopping = 0;
	if (pthread_create(&writer, NULL, reqlog_main, NULL) != 0) {
		log_error(NULL, "cannot start the log writer thread");
		running = 1;	/* for reqlog_stop's clean-up only */
		stopping = 1;
		reqlog_stop();
		return -1;
	}
	pthread_mutex_lock(&lock);
	running = 1;
	pthread_mutex_unlock(&lock);
	return 0;
}

void
reqlog_console(const char *line, size_t len)
{
	pthread_mutex_lock(&lock);
	if (!running || stopping) {
		pthread_mutex_unlock(&lock);
		/* No writer (a test, start-up): write it ourselves. */
		(void)!write(STDOUT_FILENO, line, len);
		return;
	}
	reqlog_put(&console, line, len);
	pthread_mutex_unlock(&lock);
}

/* The file line: stamp, method, path, status, whole milliseconds. */
static size_t
reqlog_file_line(char *line, size_t size, const char *method,
    const char *path, int status, unsigned long long ms)
{
	size_t	n;

	n = reqlog_stamp(line, size);
	n += reqlog_escape(line + n, REQLOG_METHOD_MAX, method);
	line[n++] = ' ';
	n += reqlog_escape(line + n, REQLOG_PATH_MAX, path);
	line[n++] = ' ';
	n += util_fmt_u(line + n, status < 0 ? 0 : (unsigned)status);
	line[n++] = ' ';
	n += util_fmt_u(line + n, ms);
	memcpy(line + n, "ms\n", 3);
	return n + 3;
}

void
reqlog_request(const char *method, const char *path, int status, double ms)
{
	char	line[REQLOG_LINE_MAX];
	size_t	n;

	n = reqlog_file_line(line, sizeof(line), method, path, status,
	    ms > 0 ? (unsigned long long)(ms + 0.5) : 0);
	pthread_mutex_lock(&lock);
	if (running && !stopping && file.fd != -1)
		reqlog_put(&file, line, n);
	pthread_mutex_unlock(&lock);
}

void
reqlog_access(const char *console_line, size_t len, const char *method,
    const char *path, int status, unsigned long long ns)
{
	char	line[REQLOG_LINE_MAX];
	size_t	n;

	n = reqlog_file_line(line, sizeof(line), method, path, status,
	    (ns + 500000) / 1000000);
	pthread_mutex_lock(&lock);
	if (!running || stopping) {
		pthread_mutex_unlock(&lock);
		(void)!write(STDOUT_FILENO, console_line, len);
		return;
	}
	reqlog_put(&console, console_line, len);
	if (file.fd != -1)
		reqlog_put(&file, line, n);
	pthread_mutex_unlock(&lock);
}

void
reqlog_stop(void)
{
	struct timespec	until;

	pthread_mutex_lock(&lock);
	if (!running) {
		pthread_mutex_unlock(&lock);
		return;
	}
	if (!stopping) {
		stopping = 1;
		pthread_cond_signal(&wake);
		pthread_mutex_unlock(&lock);
		/* A stdout nobody reads would hold the writer in write(2)
		 * for ever; do not let it hold the shutdown too. */
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += REQLOG_STOP_TIMEOUT;
		if (pthread_timedjoin_np(writer, NULL, &until) != 0) {
			log_warn("log writer still blocked in write(2) after "
			    "%ds (is stdout read?); its queued lines are lost, "
			    "%llu line(s) dropped before", REQLOG_STOP_TIMEOUT,
			    reqlog_dropped());
			pthread_detach(writer);
			return;		/* it still owns the buffers */
		}
		pthread_mutex_lock(&lock);
	}
	running = 0;
	pthread_mutex_unlock(&lock);
	if (file.fd != -1)
		close(file.fd);
	file.fd = console.fd = -1;
	free(console.fill);
	free(console.spare);
	free(file.fill);
	free(file.spare);
	console.fill = console.spare = file.fill = file.spare = NULL;
}

unsigned long long
reqlog_dropped(void)
{
	unsigned long long	n;

	pthread_mutex_lock(&lock);
	n = file.dropped_total + console.dropped_total;
	pthread_mutex_unlock(&lock);
	return n;
}

/* Appends a whole line, or drops and counts it.  Called with lock held. */
static void
reqlog_put(struct reqlog_sink *sk, const char *line, size_t n)
{
	if (n > cap - sk->fill_len) {
		sk->dropped_total++;
		sk->dropped_unreported++;
		return;
	}
	/* Wake the writer for the first line of a batch, and at half full
	 * (write now rather than at the batch's end). */
	if (!reqlog_busy() || (sk->fill_len < cap / 2 &&
	    sk->fill_len + n >= cap / 2))
		pthread_cond_signal(&wake);
	memcpy(sk->fill + sk->fill_len, line, n);
	sk->fill_len += n;
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
	struct timespec	until;

	pthread_mutex_lock(&lock);
	for (;;) {
		while (!reqlog_busy() && !stopping)
			pthread_cond_wait(&wake, &lock);
		if (!reqlog_busy())
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
		while (!stopping && console.fill_len < cap / 2 &&
		    file.fill_len < cap / 2 &&
		    pthread_cond_timedwait(&wake, &lock, &until) == 0)
			;
		reqlog_flush(&console);
		reqlog_flush(&file);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* Something to write or to report?  Called with lock held. */
static int
reqlog_busy(void)
{
	return console.fill_len > 0 || console.dropped_unreported > 0 ||
	    file.fill_len > 0 || file.dropped_unreported > 0;
}

/* Swaps the sink's buffers and writes the full one, without the lock
 * (called with it held, returns with it held). */
static void
reqlog_flush(struct reqlog_sink *sk)
{
	unsigned long long	 dropped;
	char			*out;
	size_t			 len;

	out = sk->fill;
	len = sk->fill_len;
	sk->fill = sk->spare;
	sk->fill_len = 0;
	sk->spare = out;
	dropped = sk->dropped_unreported;
	sk->dropped_unreported = 0;
	pthread_mutex_unlock(&lock);

	if (len > 0 && reqlog_write_all(sk->fd, out, len) == -1)
		log_error(NULL, "%s: write: %s; %zu bytes lost", sk->name,
		    strerror(errno), len);
	if (dropped > 0)
		log_warn("%s: %llu line(s) dropped, the queue was full",
		    sk->name, dropped);
	pthread_mutex_lock(&lock);
}

static int
reqlog_write_all(int fd, const char *p, size_t len)
{
	struct pollfd	pfd;
	ssize_t		n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			/* A nonblocking stdout (service.c) that is full: wait
			 * a while for its reader, then drop. */
			pfd.fd = fd;
			pfd.events = POLLOUT;
			if (errno == EAGAIN && poll(&pfd, 1,
			    REQLOG_FULL_WAIT_MS) == 1)
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
