/*
 * request.h - the request and its reply as handlers and middleware see
 * them.
 *
 * struct request is the framework's state for one Kore request: Kore's
 * own struct http_request is req->http (its headers, connection, cookies
 * and Kore's whole http_* API), and ours carries what Kore does not have:
 * the arena, the request id, the route matched, the typed principal, the
 * database connection, queued tasks and the reply being built.
 *
 * A request lives in its own arena (req->arena): strings returned here
 * are borrowed from it and valid until the response is sent.  A response
 * is built with the reply_* calls; the last call wins.  Every
 * error a handler or the runtime returns goes through reply_error*, so it
 * carries the one envelope {"success": false, "message", "errors"?}.
 */
#ifndef RUNTIME_REQUEST_H
#define RUNTIME_REQUEST_H

#include <stddef.h>

#include <jansson.h>

#include "router.h"

struct arena;
struct http_request;
struct db;
struct task;
struct upload_file;
struct upload_text;

struct reply_header {
	const char		*name;
	const char		*value;
	struct reply_header	*next;
};

struct reply {
	int			 status;	/* 0: nothing set yet */
	const char		*content_type;
	const char		*body;		/* arena or static memory */
	size_t			 body_len;
	int			 fd;		/* >= 0: send this file (sendfile) */
	unsigned long long	 fd_offset;
	unsigned long long	 fd_len;
	struct reply_header	*headers;	/* extra headers, in order */
};

struct request {
	struct arena		*arena;
	struct http_request	*http;		/* Kore's */
	enum http_method	 method;
	const char		*method_name;
	const char		*path;		/* without the query string */
	const struct route_op	*op;		/* NULL before routing / no route */
	struct router_match	 match;
	const char		*body;		/* NUL-terminated copy, or NULL */
	size_t			 body_len;
	const char		*request_id;
	char			 client_ip[64];	/* see request_client_ip */
	unsigned long long	 start_ns;
	struct db		*db;		/* the handler's connection, or NULL */
	void			*principal;	/* set by authentication */
	/* multipart bodies (upload.h): parts received, in order */
	struct upload_file	*uploads;
	struct upload_text	*texts;
	/* background tasks to run after the response (tasks.h) */
	struct task		*tasks;
	/* the query string's pairs, percent-decoded on first use */
	struct request_pair	*query;
	size_t			 nquery;
	int			 query_parsed;
	struct reply		 res;
};

struct request_pair {
	const char	*name;
	const char	*value;
};

/* Request accessors: borrowed strings, NULL when absent.  A header asked
 * by name is its first occurrence. */
const char	*request_header(struct request *, const char *);
/* The first value of a query parameter, and all pairs in order. */
const char	*request_query(struct request *, const char *);
size_t		 request_query_pairs(struct request *,
		    const struct request_pair **);
/* s[0..len) with %XX and '+' decoded, into the arena; a malformed escape
 * is kept as it came, and so is a %00 (a NUL would cut the value short
 * in C).  The query string's and form bodies' decoding. */
char		*request_urldecode(struct arena *, const char *, size_t);
/* A cookie's value (Kore parses the Cookie header). */
const char	*request_cookie(struct request *, const char *);
const char	*request_param(struct request *, const char *);
/* The client's address as text ("-" when unknown), formatted on first
 * use into req->client_ip. */
const char	*request_client_ip(struct request *);

/* Responses (reply.c). */
void	reply_header(struct request *, const char *, const char *);
void	reply_bytes(struct request *, int, const char *,
	    const void *, size_t);
void	reply_static(struct request *, int, const char *,
	    const void *, size_t);
/* Serializes and releases (steals) the json_t. */
void	reply_json(struct request *, int, json_t *);
void	reply_empty(struct request *, int);
void	reply_file(struct request *, int, const char *, int,
	    unsigned long long, unsigned long long);

/* The error envelope.  errors (stolen, may be NULL) is an array of
 * {field, message, type}. */
void	reply_error(struct request *, int, const char *);
void	reply_error_errors(struct request *, int, const char *, json_t *);
void	reply_errorf(struct request *, int, const char *, ...)
	    __attribute__((format(printf, 3, 4)));

/* A failed db_exec (enum db_error): 503 when the database is unreachable,
 * else 500 without internals; detail goes to the log with the request id. */
void	reply_error_db(struct request *, int, const char *);

const char	*reply_status_text(int);

#endif
