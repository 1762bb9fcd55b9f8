/*
 * cors.h - Cross-Origin Resource Sharing, with the semantics of
 * Starlette's CORSMiddleware (the reference application's), configured
 * by CORS_ORIGINS, CORS_ALLOW_METHODS, CORS_ALLOW_HEADERS,
 * CORS_ALLOW_CREDENTIALS and CORS_MAX_AGE.
 *
 * - A preflight (OPTIONS with Origin and Access-Control-Request-Method)
 *   is answered by the "before" hook, on any path, before routing: 200
 *   "OK" with the allowed methods, headers and max age, or 400 "Disallowed
 *   CORS origin, method, headers" (those that failed) in the error
 *   envelope.  Access-Control-Allow-Origin names the origin only when it
 *   is allowed.
 * - Any other request with an Origin: from an allowed origin, the
 *   response gets Access-Control-Allow-Origin: <origin>, Vary: Origin and
 *   (with credentials) Access-Control-Allow-Credentials: true; from any
 *   other origin, no CORS header at all (Starlette would still send
 *   Allow-Credentials).  "*" is answered "*" only without credentials;
 *   with credentials the origin is always named.
 *
 * "*" in CORS_ORIGINS is refused outside development (config_validate)
 * and warned about at start-up.
 */
#ifndef RUNTIME_CORS_H
#define RUNTIME_CORS_H

struct middleware;

/* Parses the configuration; -1 on a bad value (printed). */
int	cors_init(void);
void	cors_cleanup(void);

extern const struct middleware	cors_middleware;

#endif
