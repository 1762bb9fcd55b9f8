/*
 * kore_stub.c - the few Kore functions the runtime's request accessors
 * call (request.c), for programs that run without Kore: the unit tests
 * and the fuzz targets.  Their requests have no Kore request
 * (req->http == NULL), so these are never reached; they only satisfy the
 * linker.  The server itself runs inside Kore, tested by tests/http.
 */
#include <stddef.h>

struct http_request;

int	http_request_header(struct http_request *, const char *,
	    const char **);
int	http_request_cookie(struct http_request *, const char *, char **);
void	http_populate_cookies(struct http_request *);

int
http_request_header(struct http_request *req, const char *name,
    const char **out)
{
	*out = NULL;
	return (0);
}

int
http_request_cookie(struct http_request *req, const char *name, char **out)
{
	*out = NULL;
	return (0);
}

void
http_populate_cookies(struct http_request *req)
{
}
