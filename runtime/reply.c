/*
 * reply.c - response builders and the error envelope.
 *
 * Every error answer in the server, whichever layer produces it, is built
 * by reply_error_errors() so there is exactly one envelope:
 *	{"success": false, "message": "...", "errors": [...]}
 * Two rules of the contract live here too, so no caller can forget them:
 * a 401 always carries "WWW-Authenticate: Bearer", and a 500 never
 * carries internals (callers log the detail with the request id).  The
 * reply is only built here; server.c hands it to Kore.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "db.h"
#include "log.h"
#include "request.h"

static void	reply_reset(struct request *);

/* A new response replaces the previous one, headers included. */
static void
reply_reset(struct request *req)
{
	memset(&req->res, 0, sizeof(req->res));
	req->res.fd = -1;
}

void
reply_header(struct request *req, const char *name,
    const char *value)
{
	struct reply_header	*h, **tail;

	h = arena_alloc(req->arena, sizeof(*h));
	h->name = arena_strdup(req->arena, name);
	h->value = arena_strdup(req->arena, value);
	h->next = NULL;
	for (tail = &req->res.headers; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = h;
}

void
reply_static(struct request *req, int status,
    const char *content_type, const void *body, size_t len)
{
	reply_reset(req);
	req->res.status = status;
	req->res.content_type = content_type;
	req->res.body = body;
	req->res.body_len = len;
}

void
reply_bytes(struct request *req, int status,
    const char *content_type, const void *body, size_t len)
{
	char	*copy;

	copy = arena_alloc(req->arena, len + 1);
	memcpy(copy, body, len);
	copy[len] = '\0';
	reply_static(req, status,
	    arena_strdup(req->arena, content_type), copy, len);
}

void
reply_json(struct request *req, int status, json_t *json)
{
	char	*s;

	s = json_dumps(json, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(json);
	if (s == NULL) {
		log_error(req->request_id, "json_dumps failed");
		reply_error(req, 500, "Internal server error");
		return;
	}
	reply_bytes(req, status, "application/json", s, strlen(s));
	free(s);
}

void
reply_empty(struct request *req, int status)
{
	reply_static(req, status, NULL, "", 0);
}

void
reply_file(struct request *req, int status,
    const char *content_type, int fd, unsigned long long off,
    unsigned long long len)
{
	reply_reset(req);
	req->res.status = status;
	req->res.content_type = content_type;
	req->res.fd = fd;
	req->res.fd_offset = off;
	req->res.fd_len = len;
}

void
reply_error_errors(struct request *req, int status, const char *message,
    json_t *errors)
{
	json_t	*body;

	body = json_object();
	json_object_set_new(body, "success", json_false());
	json_object_set_new(body, "message", json_string(message));
	if (errors != NULL)
		json_object_set_new(body, "errors", errors);
	reply_json(req, status, body);
	if (status == 401)
		reply_header(req, "WWW-Authenticate", "Bearer");
}

void
reply_error(struct request *req, int status, const char *message)
{
	reply_error_errors(req, status, message, NULL);
}

void
reply_errorf(struct request *req, int status, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	msg = arena_vsprintf(req->arena, fmt, ap);
	va_end(ap);
	reply_error(req, status, msg);
}

void
reply_error_db(struct request *req, int err, const char *detail)
{
	if (err == DB_UNAVAILABLE) {
		log_error(req->request_id, "database unavailable: %s",
		    detail ? detail : "");
		reply_error(req, 503, "Service temporarily unavailable");
		return;
	}
	log_error(req->request_id, "database error: %s", detail ? detail : "");
	if (log_debug_enabled())
		reply_errorf(req, 500, "Database error occurred: %s",
		    detail ? detail : "");
	else
		reply_error(req, 500, "Database error occurred");
}

const char *
reply_status_text(int status)
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
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 416: return "Range Not Satisfiable";
	case 422: return "Unprocessable Entity";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}
