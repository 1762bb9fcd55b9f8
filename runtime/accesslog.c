/*
 * accesslog.c - one line per request on the console, and the same
 * request handed to the request log file (reqlog.h).
 *
 * Both lines go through reqlog's writer thread, so the I/O thread never
 * waits for a slow stdout reader, and lines from concurrent requests never
 * interleave.  The path arrives percent-decoded, so a "%0a" in a URL would
 * be a real newline: method and path are escaped (reqlog_escape) and no
 * client can forge a log line.
 */
#include <stdio.h>

#include "accesslog.h"
#include "http.h"
#include "reqlog.h"
#include "util.h"

void
accesslog_request(struct http_request *req, int completed)
{
	char	line[1024], method[64], path[900];
	double	ms;
	int	n;

	ms = (double)(util_now_ns() - req->start_ns) / 1e6;
	reqlog_escape(method, sizeof(method), req->method_name);
	reqlog_escape(path, sizeof(path), req->path);
	n = snprintf(line, sizeof(line), "%s %s \xe2\x86\x92 %d (%.2fms)%s\n",
	    method, path, req->res.status, ms, completed ? "" : " [aborted]");
	if (n < 0)
		return;
	if (n >= (int)sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	reqlog_console(line, (size_t)n);
	reqlog_request(req->method_name, req->path, req->res.status, ms);
}
