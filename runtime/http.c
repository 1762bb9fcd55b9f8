/*
 * http.c - request accessors, response builders and the error envelope.
 *
 * Every error answer in the server, whichever layer produces it, is built
 * by http_error_errors() so there is exactly one envelope:
 *	{"success": false, "message": "...", "errors": [...]}
 * Two rules of the contract live here too, so no caller can forget them:
 * a 401 always carries "WWW-Authenticate: Bearer", and a 500 never
 * carries internals (callers log the detail with the request id).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <microhttpd.h>

#include "arena.h"
#include "db.h"
#include "http.h"
#include "log.h"

static void	http_response_reset(struct http_request *);

const char *
http_request_header(struct http_request *req, const char *name)
{
	if (req->conn == NULL)
		return NULL;
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *
http_request_client_ip(struct http_request *req)
{
	const union MHD_ConnectionInfo	*ci;
	const struct sockaddr		*sa;

	/* Formatted on first use: most requests never need it. */
	if (req->client_ip[0] != '\0')
		return req->client_ip;
	strcpy(req->client_ip, "-");
	if (req->conn == NULL || (ci = MHD_get_connection_info(req->conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS)) == NULL ||
	    (sa = ci->client_addr) == NULL)
		return req->client_ip;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
		    req->client_ip, sizeof(req->client_ip));
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)sa)->sin6_addr,
		    req->client_ip, sizeof(req->client_ip));
	return req->client_ip;
}

const char *
http_request_query(struct http_request *req, const char *name)
{
	if (req->conn == NULL)
		return NULL;
	return MHD_lookup_connection_value(req->conn,
	    MHD_GET_ARGUMENT_KIND, name);
}

const char *
http_request_param(struct http_request *req, const char *name)
{
	size_t	i;

	for (i = 0; i < req->match.nparams; i++) {
		if (req->match.param_names[i] != NULL &&
		    strcmp(req->match.param_names[i], name) == 0)
			return req->match.param_values[i];
	}
	return NULL;
}

/* A new response replaces the previous one, headers included. */
static void
http_response_reset(struct http_request *req)
{
	memset(&req->res, 0, sizeof(req->res));
	req->res.fd = -1;
}

void
http_response_header(struct http_request *req, const char *name,
    const char *value)
{
	struct http_header	*h, **tail;

	h = arena_alloc(req->arena, sizeof(*h));
	h->name = arena_strdup(req->arena, name);
	h->value = arena_strdup(req->arena, value);
	h->next = NULL;
	for (tail = &req->res.headers; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = h;
}

void
http_response_static(struct http_request *req, int status,
    const char *content_type, const void *body, size_t len)
{
	http_response_reset(req);
	req->res.status = status;
	req->res.content_type = content_type;
	req->res.body = body;
	req->res.body_len = len;
}

void
http_response_bytes(struct http_request *req, int status,
    const char *content_type, const void *body, size_t len)
{
	char	*copy;

	copy = arena_alloc(req->arena, len + 1);
	memcpy(copy, body, len);
	copy[len] = '\0';
	http_response_static(req, status,
	    arena_strdup(req->arena, content_type), copy, len);
}

void
http_response_json(struct http_request *req, int status, json_t *json)
{
	char	*s;

	s = json_dumps(json, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(json);
	if (s == NULL) {
		log_error(req->request_id, "json_dumps failed");
		http_error(req, 500, "Internal server error");
		return;
	}
	http_response_bytes(req, status, "application/json", s, strlen(s));
	free(s);
}

void
http_response_empty(struct http_request *req, int status)
{
	http_response_static(req, status, NULL, "", 0);
}

void
http_response_file(struct http_request *req, int status,
    const char *content_type, int fd, unsigned long long off,
    unsigned long long len)
{
	http_response_reset(req);
	req->res.status = status;
	req->res.content_type = content_type;
	req->res.fd = fd;
	req->res.fd_offset = off;
	req->res.fd_len = len;
}

void
http_error_errors(struct http_request *req, int status, const char *message,
    json_t *errors)
{
	json_t	*body;

	body = json_object();
	json_object_set_new(body, "success", json_false());
	json_object_set_new(body, "message", json_string(message));
	if (errors != NULL)
		json_object_set_new(body, "errors", errors);
	http_response_json(req, status, body);
	if (status == 401)
		http_response_header(req, "WWW-Authenticate", "Bearer");
}

void
http_error(struct http_request *req, int status, const char *message)
{
	http_error_errors(req, status, message, NULL);
}

void
http_errorf(struct http_request *req, int status, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	msg = arena_vsprintf(req->arena, fmt, ap);
	va_end(ap);
	http_error(req, status, msg);
}

void
http_error_db(struct http_request *req, int err, const char *detail)
{
	if (err == DB_UNAVAILABLE) {
		log_error(req->request_id, "database unavailable: %s",
		    detail ? detail : "");
		http_error(req, 503, "Service temporarily unavailable");
		return;
	}
	log_error(req->request_id, "database error: %s", detail ? detail : "");
	if (log_debug_enabled())
		http_errorf(req, 500, "Database error occurred: %s",
		    detail ? detail : "");
	else
		http_error(req, 500, "Database error occurred");
}

const char *
http_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 416: return "Range Not Satisfiable";
	case 422: return "Unprocessable Entity";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}
