/*
 * headers.c - security headers and the processing time (see headers.h).
 */
#include <string.h>

#include "headers.h"
#include "request.h"
#include "middleware.h"
#include "util.h"

static void	headers_after(struct request *);

const struct middleware headers_middleware = {
	.name = "headers",
	.after = headers_after,
};

static void
headers_after(struct request *req)
{
	char	ms[UTIL_MS_MAX + 2];
	size_t	n;

	n = util_fmt_ms(ms, util_now_ns() - req->start_ns);
	memcpy(ms + n, "ms", 3);
	reply_header(req, "X-Process-Time", ms);
	reply_header(req, "X-Content-Type-Options", "nosniff");
	reply_header(req, "X-Frame-Options", "DENY");
}
