/*
 * docs.h - the spec and the documentation UIs.
 *
 * The spec is embedded in the binary at build time (generated/spec.c), so
 * the server always documents exactly the API it was generated from.
 * Swagger UI and ReDoc come from npm packages installed at build time
 * (package.json) and are served from STATIC_DIR under /static/ - no CDN.
 */
#ifndef RUNTIME_DOCS_H
#define RUNTIME_DOCS_H

#include <stddef.h>

struct request;
struct middleware;

/* The embedded spec, and the directory holding node_modules' packages. */
int	docs_init(const char *yaml, size_t yaml_len, const char *json,
	    size_t json_len, const char *static_dir);
void	docs_cleanup(void);

int	docs_swagger_ui(struct request *);
int	docs_redoc(struct request *);
int	docs_openapi_json(struct request *);
int	docs_openapi_yaml(struct request *);

/* Serves GET/HEAD /static/swagger-ui/<file> and /static/redoc/<file>. */
extern const struct middleware	docs_static_middleware;

#endif
