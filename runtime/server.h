/*
 * server.h - the HTTP server: libmicrohttpd underneath, our request
 * lifecycle on top.
 *
 * One request goes: headers arrive -> request id, middleware "before"
 * hooks, routing (404 / 405 decided here, before any body is read) ->
 * body read into memory up to the route's limit (413 beyond it, and at
 * once when Content-Length already says so) -> the handler runs: a plain
 * call on the I/O thread for operations marked x-inline, on the CPU pool
 * for those marked x-cpu-bound, on the worker pool (pool.h) for uploads,
 * otherwise as a coroutine on its I/O thread's event loop with one of the
 * loop's database connections (loop.h) ->
 * middleware "after" hooks -> response -> access
 * log line.  Answers are queued on the final access-handler call, never
 * the first, so keep-alive connections stay open; only a request whose
 * body we refuse is answered early (and its connection closed).
 */
#ifndef RUNTIME_SERVER_H
#define RUNTIME_SERVER_H

struct route_node;

/* Starts the worker pools, binds, starts one daemon and event loop per
 * I/O thread; 0 ok, -1 error (logged). */
int		server_start(const struct route_node *);
/* The port actually bound (PORT=0 picks a free one). */
unsigned	server_port(void);
/* Graceful: stop accepting, let in-flight requests finish (at most
 * SHUTDOWN_TIMEOUT seconds), stop the worker pools, close. */
void		server_stop(void);

#endif
