/*
 * server.h - the request lifecycle on Kore.
 *
 * One request goes: Kore reads the head (server_header_recv checks its
 * framing first and, when a body is coming, prepares the request at once:
 * request id, middleware "before" hooks, routing (404 / 405), the
 * operation's body limit by Content-Length (413) and missing credentials
 * (401), all before a byte of the body is read) -> Kore reads the body ->
 * server_dispatch, Kore's page handler for every path: the same checks
 * for a request without a body, the body checked against the operation,
 * then the handler: a plain call for operations marked x-inline, on the
 * CPU pool for those marked x-cpu-bound, on the upload pool (pool.h) for
 * multipart uploads, otherwise as a coroutine on the worker's event loop
 * with one of its database connections (loop.h) -> middleware "after"
 * hooks -> the reply through Kore -> the access log line and the
 * request's background tasks once Kore frees the request.
 */
#ifndef RUNTIME_SERVER_H
#define RUNTIME_SERVER_H

struct connection;
struct http_request;
struct route_node;

/* In each worker (service.c): the pools and the database slots; 0 ok,
 * -1 error (logged).  ready is called once the worker can serve (with
 * TLS, once Kore's key manager has sent the certificates). */
int	server_start(const struct route_node *, void (*)(void));
/* Graceful, from Kore's worker teardown: stop accepting, let in-flight
 * requests finish (at most SHUTDOWN_TIMEOUT seconds), stop the pools. */
void	server_stop(void);

/* kore.conf's http_body_max, the largest body any operation may take. */
extern size_t	server_body_ceiling;
/* kore.conf's workers: the processes serving HTTP. */
extern int	server_workers;

/* Named in kore.conf: the page handler of every route, and the connect
 * callback of every bind. */
int	server_dispatch(struct http_request *);
void	server_connect(struct connection *);

#endif
