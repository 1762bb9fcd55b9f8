/*
 * accesslog.c - one line per request on the console, and the same
 * request handed to the request log file (reqlog.h).
 *
 * Both lines go through reqlog's writer thread, so the event loop never
 * waits for a slow stdout reader, and lines from concurrent requests never
 * interleave.  The path arrives percent-decoded, so a "%0a" in a URL would
 * be a real newline: method and path are escaped (reqlog_escape) and no
 * client can forge a log line.  Built with memcpy and integer formatting:
 * this runs for every request (snprintf's "%.2f" alone was a tenth of
 * the runtime's own instructions on GET /, bench/RESULTS.md).
 */
#include <string.h>

#include "accesslog.h"
#include "request.h"
#include "reqlog.h"
#include "util.h"

#define ACCESSLOG_ARROW		" \xe2\x86\x92 "
#define ACCESSLOG_ABORTED	" [aborted]"

void
accesslog_request(struct request *req, int completed)
{
	char			 line[1024];
	unsigned long long	 ns;
	size_t			 n;

	ns = util_now_ns() - req->start_ns;
	/* method (64) + path (900) + the rest (< 60) fit in line */
	n = reqlog_escape(line, 64, req->method_name);
	line[n++] = ' ';
	n += reqlog_escape(line + n, 900, req->path);
	memcpy(line + n, ACCESSLOG_ARROW, sizeof(ACCESSLOG_ARROW) - 1);
	n += sizeof(ACCESSLOG_ARROW) - 1;
	n += util_fmt_u(line + n, req->res.status < 0 ? 0 :
	    (unsigned)req->res.status);
	line[n++] = ' ';
	line[n++] = '(';
	n += util_fmt_ms(line + n, ns);
	memcpy(line + n, "ms)", 3);
	n += 3;
	if (!completed) {
		memcpy(line + n, ACCESSLOG_ABORTED,
		    sizeof(ACCESSLOG_ABORTED) - 1);
		n += sizeof(ACCESSLOG_ABORTED) - 1;
	}
	line[n++] = '\n';
	reqlog_access(line, n, req->method_name, req->path, req->res.status,
	    ns);
}
