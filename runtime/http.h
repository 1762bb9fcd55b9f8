/*
 * http.h - the request and response as handlers and middleware see them.
 *
 * A request lives in its own arena (req->arena): strings returned here
 * are borrowed from it and valid until the response is sent.  A response
 * is built with the http_response_* calls; the last call wins.  Every
 * error a handler or the runtime returns goes through http_error*, so it
 * carries the one envelope {"success": false, "message", "errors"?}.
 */
#ifndef RUNTIME_HTTP_H
#define RUNTIME_HTTP_H

#include <stddef.h>

#include <jansson.h>

#include "router.h"

struct arena;
struct MHD_Connection;
struct db;
struct task;
struct upload_file;
struct upload_text;

struct http_header {
	const char		*name;
	const char		*value;
	struct http_header	*next;
};

struct http_response {
	int			 status;	/* 0: nothing set yet */
	const char		*content_type;
	const char		*body;		/* arena or static memory */
	size_t			 body_len;
	int			 fd;		/* >= 0: send this file (sendfile) */
	unsigned long long	 fd_offset;
	unsigned long long	 fd_len;
	struct http_header	*headers;	/* extra headers, in order */
};

struct http_request {
	struct arena		*arena;
	struct MHD_Connection	*conn;
	enum http_method	 method;
	const char		*method_name;
	const char		*path;		/* without the query string */
	const struct route_op	*op;		/* NULL before routing / no route */
	struct router_match	 match;
	const char		*body;		/* NUL-terminated copy, or NULL */
	size_t			 body_len;
	const char		*request_id;
	char			 client_ip[64];	/* see http_request_client_ip */
	unsigned long long	 start_ns;
	struct db		*db;		/* the handler's connection, or NULL */
	void			*principal;	/* set by authentication */
	/* multipart bodies (upload.h): parts received, in order */
	struct upload_file	*uploads;
	struct upload_text	*texts;
	/* background tasks to run after the response (tasks.h) */
	struct task		*tasks;
	struct http_response	 res;
};

/* Request accessors: borrowed strings, NULL when absent. */
const char	*http_request_header(struct http_request *, const char *);
const char	*http_request_query(struct http_request *, const char *);
const char	*http_request_param(struct http_request *, const char *);
/* The client's address as text ("-" when unknown), formatted on first
 * use into req->client_ip. */
const char	*http_request_client_ip(struct http_request *);

/* Responses. */
void	http_response_header(struct http_request *, const char *, const char *);
void	http_response_bytes(struct http_request *, int, const char *,
	    const void *, size_t);
void	http_response_static(struct http_request *, int, const char *,
	    const void *, size_t);
/* Serializes and releases (steals) the json_t. */
void	http_response_json(struct http_request *, int, json_t *);
void	http_response_empty(struct http_request *, int);
void	http_response_file(struct http_request *, int, const char *, int,
	    unsigned long long, unsigned long long);

/* The error envelope.  errors (stolen, may be NULL) is an array of
 * {field, message, type}. */
void	http_error(struct http_request *, int, const char *);
void	http_error_errors(struct http_request *, int, const char *, json_t *);
void	http_errorf(struct http_request *, int, const char *, ...)
	    __attribute__((format(printf, 3, 4)));

/* A failed db_exec (enum db_error): 503 when the database is unreachable,
 * else 500 without internals; detail goes to the log with the request id. */
void	http_error_db(struct http_request *, int, const char *);

const char	*http_status_text(int);

#endif
