/*
 * docs.c - /docs, /redoc, /openapi.json, /openapi.yaml and their assets.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "arena.h"
#include "docs.h"
#include "request.h"
#include "log.h"
#include "middleware.h"
#include "util.h"

static int	docs_static_before(struct request *);
static int	docs_redoc_load(void);
static int	docs_safe_name(const char *);
static const char *docs_mime(const char *);
static char	*docs_html_escape(const char *);

const struct middleware docs_static_middleware = {
	.name = "static",
	.before = docs_static_before,
};

/* URL prefix -> directory under STATIC_DIR (the npm packages' layout). */
static const struct {
	const char	*prefix;
	const char	*dir;
} mounts[] = {
	{ "/static/swagger-ui/", "swagger-ui-dist" },
	{ "/static/redoc/", "redoc/bundles" },
};

static const char	*spec_yaml, *spec_json;
static size_t		 spec_yaml_len, spec_json_len;
static char		*static_root;

/*
 * ReDoc's bundle hard-codes one remote address: the footer logo ("API docs
 * by Redocly") from its CDN, with no option to turn it off.  We promise no
 * CDN, so the bundle is served from memory with that address replaced by
 * an inline image.  Everything else is served from the package as is.
 */
#define REDOC_BUNDLE	"redoc.standalone.js"
#define REDOC_CDN_LOGO	"https://cdn.redoc.ly/redoc/logo-mini.svg"
#define REDOC_LOCAL_LOGO \
	"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' " \
	"width='1' height='1'/%3E"
static char		*redoc_js;
static size_t		 redoc_js_len;
static char		*title_html;

int
docs_init(const char *yaml, size_t yaml_len, const char *json,
    size_t json_len, const char *static_dir)
{
	json_t		*doc;
	json_error_t	 jerr;
	const char	*title = NULL;

	spec_yaml = yaml;
	spec_yaml_len = yaml_len;
	spec_json = json;
	spec_json_len = json_len;
	static_root = xstrdup(static_dir);

	doc = json_loadb(json, json_len, 0, &jerr);
	if (doc == NULL) {
		log_error(NULL, "embedded spec is not JSON: %s", jerr.text);
		return -1;
	}
	title = json_string_value(json_object_get(json_object_get(doc,
	    "info"), "title"));
	title_html = docs_html_escape(title ? title : "API");
	json_decref(doc);
	return docs_redoc_load();
}

/* Reads ReDoc's bundle and swaps its CDN logo for an inline one.  A
 * missing bundle is not fatal: /redoc then answers 404 for it, as for any
 * missing asset. */
static int
docs_redoc_load(void)
{
	char	*path, *buf = NULL, *at;
	FILE	*f;
	long	 len;
	size_t	 head, cdn = strlen(REDOC_CDN_LOGO),
		 local = strlen(REDOC_LOCAL_LOGO);
	int	 rc = -1;

	if (asprintf(&path, "%s/redoc/bundles/" REDOC_BUNDLE,
	    static_root) == -1)
		fatal("asprintf");
	if ((f = fopen(path, "rb")) == NULL) {
		log_warn("%s: %s (ReDoc will not load)", path, strerror(errno));
		rc = 0;
		goto out;
	}
	if (fseek(f, 0, SEEK_END) == -1 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) == -1) {
		log_error(NULL, "%s: %s", path, strerror(errno));
		goto out;
	}
	buf = xmalloc((size_t)len + 1);
	if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
		log_error(NULL, "%s: short read", path);
		goto out;
	}
	buf[len] = '\0';
	redoc_js = xmalloc((size_t)len + local + 1);
	if ((at = strstr(buf, REDOC_CDN_LOGO)) != NULL) {
		head = (size_t)(at - buf);
		memcpy(redoc_js, buf, head);
		memcpy(redoc_js + head, REDOC_LOCAL_LOGO, local);
		memcpy(redoc_js + head + local, at + cdn, (size_t)len - head - cdn);
		redoc_js_len = (size_t)len - cdn + local;
	} else {
		memcpy(redoc_js, buf, (size_t)len);
		redoc_js_len = (size_t)len;
	}
	rc = 0;
out:
	if (f != NULL)
		fclose(f);
	free(buf);
	free(path);
	return rc;
}

void
docs_cleanup(void)
{
	free(static_root);
	free(title_html);
	free(redoc_js);
	redoc_js = NULL;
	redoc_js_len = 0;
	static_root = title_html = NULL;
}

int
docs_openapi_json(struct request *req)
{
	reply_static(req, 200, "application/json", spec_json,
	    spec_json_len);
	return 0;
}

int
docs_openapi_yaml(struct request *req)
{
	reply_static(req, 200, "application/yaml", spec_yaml,
	    spec_yaml_len);
	return 0;
}

int
docs_swagger_ui(struct request *req)
{
	char	*html;

	html = arena_sprintf(req->arena,
	    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<title>%s - Swagger UI</title>\n"
	    "<link rel=\"stylesheet\" href=\"/static/swagger-ui/swagger-ui.css\">\n"
	    "<link rel=\"icon\" type=\"image/png\" "
	    "href=\"/static/swagger-ui/favicon-32x32.png\">\n"
	    "</head>\n<body>\n<div id=\"swagger-ui\"></div>\n"
	    "<script src=\"/static/swagger-ui/swagger-ui-bundle.js\"></script>\n"
	    "<script>\n"
	    "window.ui = SwaggerUIBundle({\n"
	    "  url: '/openapi.json',\n"
	    "  dom_id: '#swagger-ui',\n"
	    "  deepLinking: true,\n"
	    "  persistAuthorization: true,\n"
	    "  validatorUrl: null,\n"
	    "  presets: [SwaggerUIBundle.presets.apis],\n"
	    "  layout: 'BaseLayout'\n"
	    "});\n"
	    "</script>\n</body>\n</html>\n", title_html);
	reply_static(req, 200, "text/html; charset=utf-8", html,
	    strlen(html));
	return 0;
}

int
docs_redoc(struct request *req)
{
	char	*html;

	html = arena_sprintf(req->arena,
	    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	    "<title>%s - ReDoc</title>\n"
	    "<link rel=\"icon\" type=\"image/png\" "
	    "href=\"/static/swagger-ui/favicon-32x32.png\">\n"
	    "<style>body { margin: 0; padding: 0; }</style>\n"
	    "</head>\n<body>\n"
	    "<redoc spec-url=\"/openapi.json\"></redoc>\n"
	    "<script src=\"/static/redoc/redoc.standalone.js\"></script>\n"
	    "</body>\n</html>\n", title_html);
	reply_static(req, 200, "text/html; charset=utf-8", html,
	    strlen(html));
	return 0;
}

static int
docs_static_before(struct request *req)
{
	struct stat	 st;
	const char	*name;
	char		*path;
	size_t		 i, plen;
	int		 fd;

	if (strncmp(req->path, "/static/", 8) != 0)
		return 0;
	if (req->method != HTTP_GET && req->method != HTTP_HEAD) {
		reply_error(req, 405, "Method Not Allowed");
		reply_header(req, "Allow", "GET, HEAD");
		return 1;
	}
	for (i = 0; i < nitems(mounts); i++) {
		plen = strlen(mounts[i].prefix);
		if (strncmp(req->path, mounts[i].prefix, plen) == 0)
			break;
	}
	if (i == nitems(mounts) ||
	    !docs_safe_name(name = req->path + plen)) {
		reply_errorf(req, 404, "Route %s not found", req->path);
		return 1;
	}
	if (redoc_js != NULL && strcmp(mounts[i].dir, "redoc/bundles") == 0 &&
	    strcmp(name, REDOC_BUNDLE) == 0) {
		reply_static(req, 200, docs_mime(name), redoc_js,
		    redoc_js_len);
		reply_header(req, "Cache-Control",
		    "public, max-age=86400");
		return 1;
	}
	path = arena_sprintf(req->arena, "%s/%s/%s", static_root,
	    mounts[i].dir, name);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 || fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		if (fd != -1)
			close(fd);
		else if (errno != ENOENT)
			log_error(req->request_id, "%s: %s", path,
			    strerror(errno));
		reply_errorf(req, 404, "Route %s not found", req->path);
		return 1;
	}
	reply_file(req, 200, docs_mime(name), fd, 0,
	    (unsigned long long)st.st_size);
	reply_header(req, "Cache-Control", "public, max-age=86400");
	return 1;
}

/* One path segment, no dot files: nothing can leave the mount. */
static int
docs_safe_name(const char *s)
{
	if (*s == '\0' || *s == '.')
		return 0;
	for (; *s != '\0'; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '.' || *s == '-' ||
		    *s == '_'))
			return 0;
	}
	return 1;
}

static const char *
docs_mime(const char *name)
{
	static const struct {
		const char	*ext;
		const char	*type;
	} types[] = {
		{ ".css", "text/css; charset=utf-8" },
		{ ".html", "text/html; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".map", "application/json" },
		{ ".png", "image/png" },
		{ ".txt", "text/plain; charset=utf-8" },
	};
	const char	*dot;
	size_t		 i;

	if ((dot = strrchr(name, '.')) != NULL) {
		for (i = 0; i < nitems(types); i++)
			if (strcmp(dot, types[i].ext) == 0)
				return types[i].type;
	}
	return "application/octet-stream";
}

static char *
docs_html_escape(const char *s)
{
	char	*out, *p;

	out = p = xmalloc(strlen(s) * 6 + 1);
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '<': p = stpcpy(p, "&lt;"); break;
		case '>': p = stpcpy(p, "&gt;"); break;
		case '&': p = stpcpy(p, "&amp;"); break;
		case '"': p = stpcpy(p, "&quot;"); break;
		case '\'': p = stpcpy(p, "&#39;"); break;
		default: *p++ = *s; break;
		}
	}
	*p = '\0';
	return out;
}
