/*
 * headers.c - security headers and the processing time (see headers.h).
 */
#include <string.h>

#include "headers.h"
#include "http.h"
#include "middleware.h"
#include "util.h"

static void	headers_after(struct http_request *);

const struct middleware headers_middleware = {
	.name = "headers",
	.after = headers_after,
};

static void
headers_after(struct http_request *req)
{
	char	ms[UTIL_MS_MAX + 2];
	size_t	n;

	n = util_fmt_ms(ms, util_now_ns() - req->start_ns);
	memcpy(ms + n, "ms", 3);
	http_response_header(req, "X-Process-Time", ms);
	http_response_header(req, "X-Content-Type-Options", "nosniff");
	http_response_header(req, "X-Frame-Options", "DENY");
}
