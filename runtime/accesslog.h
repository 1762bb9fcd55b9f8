/*
 * accesslog.h - one line per request on the console:
 *	POST /auth/login → 200 (145.23ms)
 */
#ifndef RUNTIME_ACCESSLOG_H
#define RUNTIME_ACCESSLOG_H

struct request;

/* completed is 0 when the client went away before the response was sent. */
void	accesslog_request(struct request *, int completed);

#endif
