/*
 * accesslog.c - the console access log.
 *
 * One write(2) per line on stdout, so lines from concurrent requests never
 * interleave.  (The request log file of the contract is written off the
 * request path by a writer thread; see issue "Middleware and background
 * tasks".)
 */
#include <stdio.h>
#include <unistd.h>

#include "accesslog.h"
#include "http.h"
#include "util.h"

void
accesslog_request(struct http_request *req, int completed)
{
	char	line[1024];
	double	ms;
	int	n;

	ms = (double)(util_now_ns() - req->start_ns) / 1e6;
	n = snprintf(line, sizeof(line), "%s %s \xe2\x86\x92 %d (%.2fms)%s\n",
	    req->method_name, req->path, req->res.status, ms,
	    completed ? "" : " [aborted]");
	if (n < 0)
		return;
	if (n >= (int)sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	(void)!write(STDOUT_FILENO, line, n);
}
