/*
 * app.c - the example application, as the framework sees it: its routes
 * and spec (generated), its security verifier, its own start-up (mail),
 * and its middleware chain.  Kore runs it (kore.conf loads the module);
 * the framework's start-up and shutdown are in runtime/service.c.
 *
 * The middleware chain is declared here, in order, and nowhere else:
 * "before" hooks run top to bottom, "after" hooks bottom to top - headers
 * first, so X-Process-Time is taken last; CORS before the static files,
 * so a preflight for any path is answered.
 */
#include <stddef.h>

#include "api.h"
#include "app.h"
#include "cors.h"
#include "docs.h"
#include "headers.h"
#include "mail.h"
#include "middleware.h"
#include "security.h"
#include "service.h"

static int	app_init(void);
static void	app_cleanup(void);

static const struct middleware *const app_middleware[] = {
	&headers_middleware,
	&cors_middleware,
	&docs_static_middleware,
	NULL
};

const struct service_app service_app = {
	.routes = &api_routes,
	.spec_yaml = api_spec_yaml,
	.spec_yaml_len = &api_spec_yaml_len,
	.spec_json = api_spec_json,
	.spec_json_len = &api_spec_json_len,
	.init = app_init,
	.cleanup = app_cleanup,
	.middleware = app_middleware,
};

/* In each Kore worker. */
static int
app_init(void)
{
	/* The spec's patterns, compiled once (generated/glue.c). */
	api_init();
	if (mail_init() == -1)
		return (-1);
	/* The spec's securitySchemes, each with its verifier. */
	security_register("bearerAuth", app_bearer);
	return (0);
}

static void
app_cleanup(void)
{
	mail_cleanup();
}
