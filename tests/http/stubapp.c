/*
 * stubapp.c - the application part of a test server built from another
 * spec (tests/http/params/, the documents of make realworld-http): the
 * generated routes and spec, no middleware, and a verifier that accepts
 * any credential for each security scheme STUB_SCHEMES names (comma-
 * separated: the test knows its document's schemes).  The operations
 * without a handler are the generated 501 stubs.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "security.h"
#include "service.h"
#include "util.h"

static int	stubapp_init(void);
static void	stubapp_cleanup(void);
static int	stubapp_accept(struct request *,
		    const struct security_scheme *, const char *, void **,
		    const char **);

static char	*stubapp_schemes;

const struct service_app service_app = {
	.routes = &api_routes,
	.spec_yaml = api_spec_yaml,
	.spec_yaml_len = &api_spec_yaml_len,
	.spec_json = api_spec_json,
	.spec_json_len = &api_spec_json_len,
	.init = stubapp_init,
	.cleanup = stubapp_cleanup,
	.middleware = NULL,
};

static int
stubapp_accept(struct request *req, const struct security_scheme *s,
    const char *cred, void **principal, const char **message)
{
	*principal = NULL;
	return (0);
}

static int
stubapp_init(void)
{
	const char	*env = getenv("STUB_SCHEMES");
	char		*p, *name;

	api_init();
	if (env != NULL && stubapp_schemes == NULL) {
		/* Registered names must outlive the worker: kept. */
		stubapp_schemes = xstrdup(env);
		for (p = stubapp_schemes; (name = strsep(&p, ",")) != NULL;)
			if (*name != '\0')
				security_register(name, stubapp_accept);
	}
	return (0);
}

static void
stubapp_cleanup(void)
{
}
