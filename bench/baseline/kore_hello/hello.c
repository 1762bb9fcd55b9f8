/*
 * hello.c - a bare Kore 4.1 application answering GET / the way ours does.
 *
 * The yardstick of issue 12, point 9: our server's GET / must reach 0.9x
 * of this with the same number of Kore workers.  It is what Kore itself
 * costs per request (its HTTP parser, router, response writer and event
 * loop) with nothing of ours on top: one page handler, the 43-byte body
 * and the Content-Type of handlers/root.c (the same bytes as
 * bench/baseline/hello.c sends), no access log, the seccomp sandbox on.
 *
 * Built into build/bench/kore_hello.so by bench/baseline/Makefile and
 * loaded by kore(1) through kore.conf beside this file; bench/run.sh runs
 * it with its own copy of kore.conf (port, workers).
 */
#include <kore/kore.h>
#include <kore/http.h>

int	hello_page(struct http_request *);

static const char	hello_body[] =
    "{\"message\":\"API is running\",\"docs\":\"/docs\"}";

/*
 * No kore_seccomp_hook(): Kore's own worker filter (src/seccomp.c) is all
 * this handler needs (checked with "seccomp_tracing yes": no system call
 * refused), so the anchor runs Kore's sandbox exactly as shipped.
 */

int
hello_page(struct http_request *req)
{
	if (req->method != HTTP_METHOD_GET && req->method != HTTP_METHOD_HEAD) {
		http_response_header(req, "allow", "GET, HEAD");
		http_response(req, HTTP_STATUS_METHOD_NOT_ALLOWED, NULL, 0);
		return (KORE_RESULT_OK);
	}
	http_response_header(req, "content-type", "application/json");
	http_response(req, HTTP_STATUS_OK, hello_body, sizeof(hello_body) - 1);
	return (KORE_RESULT_OK);
}
