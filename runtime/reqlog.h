/*
 * reqlog.h - the access log lines, written off the request path: the
 * console line (accesslog.c formats it) and the request log file
 * (REQUEST_LOG), one line per request:
 *	[2025-03-03 10:30:01] POST /auth/login 200 145ms
 * in local time.
 *
 * The calls only copy the line into a bounded in-memory queue per
 * destination; one writer thread appends what has accumulated with one
 * write(2) of whole lines (the file opened O_APPEND).  When a queue is
 * full the line is dropped and counted - an event loop never waits for a
 * disk or a slow stdout reader - and the writer logs the count.
 * reqlog_stop() writes what is queued.
 */
#ifndef RUNTIME_REQLOG_H
#define RUNTIME_REQLOG_H

#include <stddef.h>

/* Default queue size: some twenty thousand lines. */
#define REQLOG_QUEUE_BYTES	(1024 * 1024)

/* Starts the writer.  path "" means no file (the console still goes
 * through the writer).  queue_bytes 0: the default, per destination.  -1
 * when the file cannot be opened (logged). */
int		reqlog_start(const char *path, size_t queue_bytes);
/* A whole console line (ending in '\n'); written directly when the
 * writer is not running. */
void		reqlog_console(const char *line, size_t len);
/* The request log file line for this request (nothing without a file). */
void		reqlog_request(const char *method, const char *path,
		    int status, double ms);
/* Both lines of one request under one lock: the console line (ending
 * in '\n') and the file line, its duration given in nanoseconds. */
void		reqlog_access(const char *console_line, size_t len,
		    const char *method, const char *path, int status,
		    unsigned long long ns);
/* Writes what is queued, stops the writer, closes the file. */
void		reqlog_stop(void);
/* Lines dropped because a queue was full, since reqlog_start(). */
unsigned long long reqlog_dropped(void);

/*
 * Copies src into dst (size bytes, NUL-terminated) so that it cannot
 * break or forge a log line: control bytes become \xHH and a backslash
 * \\; UTF-8 passes through.  Stops early, never inside an escape, when
 * dst is full.  Returns the length written.
 */
size_t		reqlog_escape(char *dst, size_t size, const char *src);

#endif
