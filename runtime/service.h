/*
 * service.h - what an application gives the framework, and the framework's
 * start-up and shutdown inside Kore.
 *
 * Kore owns main(): it reads kore.conf, binds, forks the workers and runs
 * their event loops.  It calls the application module's hooks by name;
 * the framework defines them (service.c) and calls, in turn, what the
 * application declares in one struct service_app:
 *
 *	const struct service_app service_app = {
 *		.routes = &api_routes,
 *		.init = app_init,		(per worker: verifiers...)
 *		.middleware = app_middleware,	(in order, NULL-terminated)
 *		...
 *	};
 */
#ifndef RUNTIME_SERVICE_H
#define RUNTIME_SERVICE_H

#include <stddef.h>

struct middleware;
struct route_node;

struct service_app {
	const struct route_node		 *routes;	/* generated */
	/* The spec as served at /openapi.yaml and /openapi.json. */
	const char			 *spec_yaml;
	const size_t			 *spec_yaml_len;
	const char			 *spec_json;
	const size_t			 *spec_json_len;
	/* In each worker, after the framework's own set-up: register the
	 * security verifiers and whatever else is the application's.
	 * 0 ok, -1 refuses to start (log why). */
	int				(*init)(void);
	/* In each worker at shutdown, after the last request. */
	void				(*cleanup)(void);
	/* The middleware chain, in order; NULL-terminated. */
	const struct middleware *const	 *middleware;
};

extern const struct service_app	service_app;

#endif
