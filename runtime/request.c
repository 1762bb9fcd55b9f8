/*
 * request.c - what a handler or a middleware reads of its request: headers,
 * query, path parameters, cookies and the client's address, taken from
 * Kore's struct http_request (req->http).
 *
 * Kore keeps the query string as it came (req->http->query_string); its
 * own parser (http_populate_qs) keeps at most 20 arguments, so a longer
 * query would lose parameters silently.  We split and decode it ourselves
 * into the request's arena, once, on first use.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "arena.h"
#include "request.h"
#include "util.h"

static void	request_parse_query(struct request *);

const char *
request_header(struct request *req, const char *name)
{
	const char	*v;

	if (req->http == NULL || !http_request_header(req->http, name, &v))
		return NULL;
	return v;
}

const char *
request_client_ip(struct request *req)
{
	struct connection	*c;

	/* Formatted on first use: most requests never need it. */
	if (req->client_ip[0] != '\0')
		return req->client_ip;
	strcpy(req->client_ip, "-");
	if (req->http == NULL || (c = req->http->owner) == NULL)
		return req->client_ip;
	if (c->family == AF_INET)
		inet_ntop(AF_INET, &c->addr.ipv4.sin_addr, req->client_ip,
		    sizeof(req->client_ip));
	else if (c->family == AF_INET6)
		inet_ntop(AF_INET6, &c->addr.ipv6.sin6_addr, req->client_ip,
		    sizeof(req->client_ip));
	return req->client_ip;
}

char *
request_urldecode(struct arena *a, const char *s, size_t len)
{
	char	*out, *d;
	size_t	 i;
	int	 hi, lo;

	out = d = arena_alloc(a, len + 1);
	for (i = 0; i < len; i++) {
		if (s[i] == '+') {
			*d++ = ' ';
		} else if (s[i] == '%' && i + 2 < len &&
		    (hi = util_hexval((unsigned char)s[i + 1])) >= 0 &&
		    (lo = util_hexval((unsigned char)s[i + 2])) >= 0 &&
		    (hi | lo) != 0) {
			*d++ = (char)(hi * 16 + lo);
			i += 2;
		} else {
			*d++ = s[i];
		}
	}
	*d = '\0';
	return out;
}

static void
request_parse_query(struct request *req)
{
	const char	*q, *amp, *eq;
	size_t		 n, cap = 0;

	req->query_parsed = 1;
	if (req->http == NULL || (q = req->http->query_string) == NULL)
		return;
	n = 0;
	for (;;) {
		amp = strchr(q, '&');
		if (amp == NULL)
			amp = q + strlen(q);
		if (amp > q) {
			if (n == cap) {
				struct request_pair	*np;

				cap = cap ? cap * 2 : 8;
				np = arena_alloc(req->arena,
				    cap * sizeof(*np));
				if (n > 0)
					memcpy(np, req->query,
					    n * sizeof(*np));
				req->query = np;
			}
			eq = memchr(q, '=', (size_t)(amp - q));
			if (eq == NULL) {
				req->query[n].name = request_urldecode(
				    req->arena, q, (size_t)(amp - q));
				req->query[n].value = "";
			} else {
				req->query[n].name = request_urldecode(
				    req->arena, q, (size_t)(eq - q));
				req->query[n].value = request_urldecode(
				    req->arena, eq + 1, (size_t)(amp - eq - 1));
			}
			n++;
		}
		if (*amp == '\0')
			break;
		q = amp + 1;
	}
	req->nquery = n;
}

size_t
request_query_pairs(struct request *req, const struct request_pair **out)
{
	if (!req->query_parsed)
		request_parse_query(req);
	*out = req->query;
	return req->nquery;
}

const char *
request_query(struct request *req, const char *name)
{
	const struct request_pair	*p;
	size_t				 i, n;

	n = request_query_pairs(req, &p);
	for (i = 0; i < n; i++) {
		if (strcmp(p[i].name, name) == 0)
			return p[i].value;
	}
	return NULL;
}

const char *
request_cookie(struct request *req, const char *name)
{
	char	*v;

	if (req->http == NULL)
		return NULL;
	/* Kore parses the Cookie header on demand, once. */
	if (TAILQ_EMPTY(&req->http->req_cookies))
		http_populate_cookies(req->http);
	if (!http_request_cookie(req->http, name, &v))
		return NULL;
	return v;
}

const char *
request_param(struct request *req, const char *name)
{
	size_t	i;

	for (i = 0; i < req->match.nparams; i++) {
		if (req->match.param_names[i] != NULL &&
		    strcmp(req->match.param_names[i], name) == 0)
			return req->match.param_values[i];
	}
	return NULL;
}
