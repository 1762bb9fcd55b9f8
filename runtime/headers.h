/*
 * headers.h - the headers every response carries, errors included:
 *	X-Process-Time: 3.42ms		(headers arrived -> response queued)
 *	X-Content-Type-Options: nosniff
 *	X-Frame-Options: DENY
 * (X-Request-Id is set by the server itself.)  Register it first, so its
 * "after" hook runs last and the time covers the other middleware too.
 */
#ifndef RUNTIME_HEADERS_H
#define RUNTIME_HEADERS_H

struct middleware;

extern const struct middleware	headers_middleware;

#endif
