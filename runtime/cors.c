/*
 * cors.c - CORS as Starlette's CORSMiddleware does it (see cors.h).
 *
 * Everything that does not depend on the request - the method list, the
 * header list, the max age - is built once by cors_init(); the request
 * path only compares strings.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "config.h"
#include "cors.h"
#include "request.h"
#include "log.h"
#include "middleware.h"
#include "util.h"

struct cors_list {
	char	**items;
	size_t	  n;
};

static int	 cors_before(struct request *);
static void	 cors_after(struct request *);
static int	 cors_preflight(struct request *, const char *);
static int	 cors_origin_allowed(const char *);
static int	 cors_headers_allowed(const char *);
static void	 cors_vary_origin(struct request *);
static int	 cors_split(const char *, const char *, struct cors_list *);
static int	 cors_has(const struct cors_list *, const char *);
static void	 cors_list_free(struct cors_list *);
static char	*cors_join(const struct cors_list *);
static int	 cors_strcmp(const void *, const void *);

const struct middleware cors_middleware = {
	.name = "cors",
	.before = cors_before,
	.after = cors_after,
};

/* Starlette's ALL_METHODS and SAFELISTED_HEADERS. */
static const char *const all_methods[] = {
	"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"
};
static const char *const safelisted_headers[] = {
	"Accept", "Accept-Language", "Content-Language", "Content-Type"
};

static struct cors_list	 origins;
static struct cors_list	 methods;
static struct cors_list	 headers;	/* lower case, for matching */
static int		 any_origin;
static int		 any_header;
static int		 credentials;
static char		*methods_value;	/* "DELETE, GET, ..." */
static char		*headers_value;	/* NULL when any header goes */
static char		 max_age[16];

int
cors_init(void)
{
	struct cors_list	 shown = { NULL, 0 };
	size_t			 i;
	char			*p;
	int			 errors = 0;

	cors_cleanup();
	errors += cors_split("CORS_ORIGINS", config.cors_origins, &origins);
	errors += cors_split("CORS_ALLOW_METHODS", config.cors_allow_methods,
	    &methods);
	errors += cors_split("CORS_ALLOW_HEADERS", config.cors_allow_headers,
	    &shown);
	if (errors > 0) {
		cors_list_free(&shown);
		cors_cleanup();
		return -1;
	}

	any_origin = cors_has(&origins, "*");
	if (cors_has(&methods, "*")) {
		cors_list_free(&methods);
		for (i = 0; i < nitems(all_methods); i++) {
			methods.items = xreallocarray(methods.items,
			    methods.n + 1, sizeof(char *));
			methods.items[methods.n++] = xstrdup(all_methods[i]);
		}
	}
	methods_value = cors_join(&methods);

	/* Allowed headers: the configured ones plus the safelisted, sorted;
	 * matched without regard to case. */
	any_header = cors_has(&shown, "*");
	for (i = 0; i < nitems(safelisted_headers); i++) {
		if (cors_has(&shown, safelisted_headers[i]))
			continue;
		shown.items = xreallocarray(shown.items, shown.n + 1,
		    sizeof(char *));
		shown.items[shown.n++] = xstrdup(safelisted_headers[i]);
	}
	qsort(shown.items, shown.n, sizeof(char *), cors_strcmp);
	if (!any_header)
		headers_value = cors_join(&shown);
	headers.items = xcalloc(shown.n, sizeof(char *));
	for (i = 0; i < shown.n; i++) {
		headers.items[headers.n] = xstrdup(shown.items[i]);
		for (p = headers.items[headers.n]; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
		headers.n++;
	}
	cors_list_free(&shown);

	credentials = config.cors_allow_credentials;
	snprintf(max_age, sizeof(max_age), "%d", config.cors_max_age);

	if (any_origin)
		log_warn("CORS_ORIGINS is \"*\": any web site may call this "
		    "API%s (allowed in development only)", credentials ?
		    " with its visitors' credentials" : "");
	return 0;
}

void
cors_cleanup(void)
{
	cors_list_free(&origins);
	cors_list_free(&methods);
	cors_list_free(&headers);
	free(methods_value);
	free(headers_value);
	methods_value = headers_value = NULL;
	any_origin = any_header = credentials = 0;
}

static int
cors_before(struct request *req)
{
	const char	*origin;

	if (req->method != HTTP_OPTIONS ||
	    (origin = request_header(req, "Origin")) == NULL ||
	    request_header(req, "Access-Control-Request-Method") == NULL)
		return 0;
	return cors_preflight(req, origin);
}

static int
cors_preflight(struct request *req, const char *origin)
{
	const char	*method, *asked;
	char		 failures[64];
	int		 origin_ok;

	method = request_header(req, "Access-Control-Request-Method");
	asked = request_header(req, "Access-Control-Request-Headers");

	failures[0] = '\0';
	if (!(origin_ok = cors_origin_allowed(origin)))
		strcat(failures, ", origin");
	if (!cors_has(&methods, method))
		strcat(failures, ", method");
	if (asked != NULL && !any_header && !cors_headers_allowed(asked))
		strcat(failures, ", headers");

	/* Starlette says why in plain text; we say it in the envelope. */
	if (failures[0] != '\0')
		reply_errorf(req, 400, "Disallowed CORS %s", failures + 2);
	else
		reply_static(req, 200, "text/plain; charset=utf-8",
		    "OK", 2);

	if (any_origin && !credentials)
		reply_header(req, "Access-Control-Allow-Origin", "*");
	else
		reply_header(req, "Vary", "Origin");
	reply_header(req, "Access-Control-Allow-Methods",
	    methods_value);
	reply_header(req, "Access-Control-Max-Age", max_age);
	if (headers_value != NULL)
		reply_header(req, "Access-Control-Allow-Headers",
		    headers_value);
	if (credentials)
		reply_header(req, "Access-Control-Allow-Credentials",
		    "true");
	if (origin_ok && !(any_origin && !credentials))
		reply_header(req, "Access-Control-Allow-Origin",
		    origin);
	/* Any header goes: echo what was asked. */
	if (any_header && asked != NULL)
		reply_header(req, "Access-Control-Allow-Headers",
		    asked);
	return 1;
}

static void
cors_after(struct request *req)
{
	const char	*origin;

	if ((origin = request_header(req, "Origin")) == NULL)
		return;
	/* A preflight was answered whole by cors_before(). */
	if (req->method == HTTP_OPTIONS &&
	    request_header(req, "Access-Control-Request-Method") != NULL)
		return;

	if (any_origin && !credentials &&
	    request_header(req, "Cookie") == NULL) {
		reply_header(req, "Access-Control-Allow-Origin", "*");
		return;
	}
	if (!cors_origin_allowed(origin))
		return;
	reply_header(req, "Access-Control-Allow-Origin", origin);
	cors_vary_origin(req);
	if (credentials)
		reply_header(req, "Access-Control-Allow-Credentials",
		    "true");
}

static int
cors_origin_allowed(const char *origin)
{
	return any_origin || cors_has(&origins, origin);
}

/* Every name in the comma-separated list is allowed (case-insensitive;
 * an empty name is not, as in Starlette). */
static int
cors_headers_allowed(const char *asked)
{
	const char	*p, *end, *s, *e;
	size_t		 i, n;

	for (p = asked;; p = end + 1) {
		end = p + strcspn(p, ",");
		for (s = p; s < end && (*s == ' ' || *s == '\t'); s++)
			;
		for (e = end; e > s && (e[-1] == ' ' || e[-1] == '\t'); e--)
			;
		n = (size_t)(e - s);
		for (i = 0; i < headers.n; i++) {
			if (strlen(headers.items[i]) == n &&
			    strncasecmp(headers.items[i], s, n) == 0)
				break;
		}
		if (i == headers.n)
			return 0;
		if (*end == '\0')
			return 1;
	}
}

/* Adds Origin to the response's Vary, or sets Vary: Origin. */
static void
cors_vary_origin(struct request *req)
{
	struct reply_header	*h;

	for (h = req->res.headers; h != NULL; h = h->next) {
		if (strcasecmp(h->name, "Vary") == 0) {
			h->value = arena_sprintf(req->arena, "%s, Origin",
			    h->value);
			return;
		}
	}
	reply_header(req, "Vary", "Origin");
}

/*
 * Splits a comma-separated configuration value into trimmed, non-empty,
 * distinct items.  Returns the number of errors (printed): items must be
 * printable ASCII without blanks, as the header values they end up in.
 */
static int
cors_split(const char *key, const char *value, struct cors_list *out)
{
	const char	*p, *end, *s, *e, *q;
	char		*item;

	out->items = NULL;
	out->n = 0;
	for (p = value; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		end = p + strcspn(p, ",");
		for (s = p; s < end && (*s == ' ' || *s == '\t'); s++)
			;
		for (e = end; e > s && (e[-1] == ' ' || e[-1] == '\t'); e--)
			;
		if (s == e)
			continue;
		for (q = s; q < e; q++) {
			if (*q <= ' ' || *q >= 0x7f) {
				fprintf(stderr, "config: %s: \"%.*s\" is not "
				    "a valid item\n", key, (int)(e - s), s);
				return 1;
			}
		}
		item = xmalloc((size_t)(e - s) + 1);
		memcpy(item, s, (size_t)(e - s));
		item[e - s] = '\0';
		if (cors_has(out, item)) {
			free(item);
			continue;
		}
		out->items = xreallocarray(out->items, out->n + 1,
		    sizeof(char *));
		out->items[out->n++] = item;
	}
	return 0;
}

static int
cors_has(const struct cors_list *l, const char *s)
{
	size_t	i;

	for (i = 0; i < l->n; i++) {
		if (strcmp(l->items[i], s) == 0)
			return 1;
	}
	return 0;
}

static void
cors_list_free(struct cors_list *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

/* "a, b, c" */
static char *
cors_join(const struct cors_list *l)
{
	size_t	 i, len = 1;
	char	*s;

	for (i = 0; i < l->n; i++)
		len += strlen(l->items[i]) + 2;
	s = xmalloc(len);
	s[0] = '\0';
	for (i = 0; i < l->n; i++) {
		if (i > 0)
			strcat(s, ", ");
		strcat(s, l->items[i]);
	}
	return s;
}

static int
cors_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}
