/*
 * headers.c - security headers and the processing time (see headers.h).
 */
#include <stdio.h>

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
	char	ms[32];

	snprintf(ms, sizeof(ms), "%.2fms",
	    (double)(util_now_ns() - req->start_ns) / 1e6);
	http_response_header(req, "X-Process-Time", ms);
	http_response_header(req, "X-Content-Type-Options", "nosniff");
	http_response_header(req, "X-Frame-Options", "DENY");
}
