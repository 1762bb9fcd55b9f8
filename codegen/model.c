/*
 * model.c - the operations a spec declares, checked.
 *
 * Walks the OpenAPI document (after ref.c) and builds one struct op per
 * (path, method), checking what the generated router and handlers rely
 * on: a supported openapi version, well-formed path templates whose every
 * parameter is declared (and nothing more), unique operationIds that make
 * unique C names, no two routes the trie could not tell apart, and the
 * x- extensions the runtime reads.  Every problem goes to diag; the
 * walk goes on so that all of them are reported in one run.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codegen.h"

const struct method_info model_methods[METHOD_COUNT] = {
	{ "get",	"GET",		"HTTP_GET" },
	{ "head",	"HEAD",		"HTTP_HEAD" },
	{ "post",	"POST",		"HTTP_POST" },
	{ "put",	"PUT",		"HTTP_PUT" },
	{ "patch",	"PATCH",	"HTTP_PATCH" },
	{ "delete",	"DELETE",	"HTTP_DELETE" },
	{ "options",	"OPTIONS",	"HTTP_OPTIONS" },
	{ "trace",	"TRACE",	"HTTP_TRACE" },
};

static const char *const model_rootkeys[] = {
	"openapi", "info", "jsonSchemaDialect", "servers", "paths",
	"webhooks", "components", "security", "tags", "externalDocs", NULL
};

static const char *const model_itemkeys[] = {
	"$ref", "summary", "description", "servers", "parameters", NULL
};

static const char *const model_opkeys[] = {
	"tags", "summary", "description", "externalDocs", "operationId",
	"parameters", "requestBody", "responses", "callbacks", "deprecated",
	"security", "servers", NULL
};

static const char *const model_ins[] = {
	"path", "query", "header", "cookie", NULL
};

/* A parameter object as a path item or operation lists it. */
struct model_param {
	const struct ytree_node	*at;		/* the list entry */
	const char		*name;
	const char		*in;
};

struct model_params {
	struct model_param	*v;
	size_t			 n;
};

/* A path template, split. */
struct model_tmpl {
	const char		*path;
	const struct ytree_node	*at;
	const char		**names;	/* parameters, in order */
	size_t			 nnames;
	const char		*shape;		/* "/posts/{}" */
	const char		*derived;	/* "posts_post_id" */
	int			 ok;
};

/* What every operation needs from the document around it. */
/* Names the generated code gives its own tables and the runtime's
 * built-in types (api_X, model_encode_X): a schema or an operation
 * that would take one is renamed. */
const char *const model_reserved[] = {
	"json", "file", "init", "nops", "ops", "routes", "spec_json",
	"spec_json_len", "spec_yaml", "spec_yaml_len", NULL
};

struct model_ctx {
	struct model		*m;
	const struct ytree_node	*schemes;	/* components.securitySchemes */
	int			 rootauth;
	struct ytree_node	*itemparams;	/* the current path item's */
};

static int	model_strin(const char *, const char *const *);
static int	model_first(const struct ytree_node *, size_t);
static void	model_keys(const struct ytree_node *, const char *const *,
		    int, const char *);
static void	model_root(const struct ytree_node *);
static int	model_security(const struct model_ctx *,
		    const struct ytree_node *);
static void	model_path(struct model_ctx *, const struct ytree_node *,
		    struct ytree_node *);
static void	model_tmpl(struct arena *, const struct ytree_node *,
		    struct model_tmpl *);
static void	model_segment(struct arena *, const struct ytree_node *,
		    struct model_tmpl *, const char *, size_t, struct buf *,
		    struct buf *);
static void	model_params(struct arena *, struct ytree_node *,
		    struct model_params *);
static const struct model_param *model_findpath(const struct model_params *,
		    const char *);
static int	model_intmpl(const struct model_tmpl *, const char *);
static struct ytree_node *model_opref(struct ytree_node *);
static void	model_op(struct model_ctx *, const struct model_tmpl *, int,
		    const struct ytree_node *, struct ytree_node *,
		    const struct model_params *);
static const char *model_cname(struct arena *, const char *);
static void	model_unique(struct model *);
static int	model_opcmp(const void *, const void *);

void
model_init(struct model *m)
{
	memset(m, 0, sizeof(*m));
	m->pool = arena_new(65536);
}

void
model_cleanup(struct model *m)
{
	free(m->ops);
	free(m->schs);
	free(m->patterns);
	if (m->memo != NULL)
		hmap_free(m->memo);
	if (m->cnames != NULL)
		hmap_free(m->cnames);
	if (m->jmemo != NULL)
		hmap_free(m->jmemo);
	free(m->jnodes);
	free(m->jtexts);
	arena_free(m->pool);
	memset(m, 0, sizeof(*m));
}

void
model_build(struct model *m, const struct ytree *t)
{
	struct model_ctx	 ctx;
	struct ytree_node	*root = t->root, *paths, *sec, *v;
	size_t			 i;

	if (root == NULL) {
		diag_errorat(1, 1, "the document is empty");
		return;
	}
	if (root->kind != YTREE_MAP) {
		diag_error(root, "the document must be a mapping, not %s",
		    ytree_what(root));
		return;
	}
	model_root(root);
	m->root = root;
	m->v30 = (v = ytree_get(root, "openapi")) != NULL &&
	    v->kind == YTREE_SCALAR && strncmp(v->str, "3.0.", 4) == 0;

	memset(&ctx, 0, sizeof(ctx));
	ctx.m = m;
	ctx.schemes = ytree_deref(ytree_get(ytree_deref(ytree_get(root,
	    "components")), "securitySchemes"));
	if ((sec = ytree_get(root, "security")) != NULL)
		ctx.rootauth = model_security(&ctx, sec);

	if ((paths = ytree_get(root, "paths")) == NULL) {
		/* 3.1: a document of webhooks or components only. */
		if (m->v30)
			diag_error(root, "missing required key 'paths'");
		return;
	}
	if (paths->kind != YTREE_MAP) {
		diag_error(paths, "paths must be a mapping, not %s",
		    ytree_what(paths));
		return;
	}
	for (i = 0; i < paths->n; i++)
		if (model_first(paths, i))
			model_path(&ctx, paths->pairs[i].key,
			    paths->pairs[i].value);

	model_unique(m);
	if (m->nops > 0)
		qsort(m->ops, m->nops, sizeof(*m->ops), model_opcmp);
}

static int
model_strin(const char *s, const char *const *set)
{
	int	i;

	for (i = 0; set[i] != NULL; i++)
		if (strcmp(s, set[i]) == 0)
			return (i);
	return (-1);
}

/* Whether pair i of a mapping is the first with its key: a duplicate
 * key is reported by the parser, and checking both would only add
 * confusing errors about the second. */
static int
model_first(const struct ytree_node *map, size_t i)
{
	const struct ytree_node	*k = map->pairs[i].key;

	return (k->kind != YTREE_SCALAR ||
	    ytree_getn(map, k->str, k->len) == map->pairs[i].value);
}

/* Unknown keys are usually typos of known ones; x- extensions are
 * always allowed. */
static void
model_keys(const struct ytree_node *n, const char *const *known,
    int methods, const char *what)
{
	const struct ytree_node	*k;
	size_t			 i;
	int			 j;

	for (i = 0; i < n->n; i++) {
		k = n->pairs[i].key;
		if (k->kind != YTREE_SCALAR || strncmp(k->str, "x-", 2) == 0 ||
		    model_strin(k->str, known) >= 0)
			continue;
		for (j = 0; methods && j < METHOD_COUNT; j++)
			if (strcmp(k->str, model_methods[j].key) == 0)
				break;
		if (!methods || j == METHOD_COUNT)
			diag_error(k, "unknown key '%s' in %s", k->str, what);
	}
}

static void
model_root(const struct ytree_node *root)
{
	const struct ytree_node	*v, *info;
	const char		*s;
	size_t			 i;

	model_keys(root, model_rootkeys, 0, "the document root");

	/* 3.0.x or 3.1.x: what the generator was written against. */
	if ((v = ytree_get(root, "openapi")) == NULL)
		diag_error(root, "missing required key 'openapi'");
	else if (v->kind != YTREE_SCALAR)
		diag_error(v, "openapi must be a version string, not %s",
		    ytree_what(v));
	else {
		s = v->str;
		if (strncmp(s, "3.0.", 4) == 0 || strncmp(s, "3.1.", 4) == 0) {
			for (i = 4; s[i] >= '0' && s[i] <= '9'; i++)
				;
			if (i == 4 || s[i] != '\0')
				s = NULL;
		} else
			s = NULL;
		if (s == NULL)
			diag_error(v, "unsupported openapi version '%s' "
			    "(want 3.0.x or 3.1.x)", v->str);
	}

	if ((info = ytree_get(root, "info")) == NULL)
		diag_error(root, "missing required key 'info'");
	else if (info->kind != YTREE_MAP)
		diag_error(info, "info must be a mapping, not %s",
		    ytree_what(info));
	else {
		if ((v = ytree_get(info, "title")) == NULL)
			diag_error(info, "info has no title");
		else if (v->kind != YTREE_SCALAR)
			diag_error(v, "info.title must be a string, not %s",
			    ytree_what(v));
		if ((v = ytree_get(info, "version")) == NULL)
			diag_error(info, "info has no version");
		else if (v->kind != YTREE_SCALAR)
			diag_error(v, "info.version must be a string, not %s",
			    ytree_what(v));
	}
}

/*
 * Checks a security requirement list and says whether it demands
 * authentication: any requirement other than the empty {} (which makes
 * authentication optional) does.
 */
static int
model_security(const struct model_ctx *ctx, const struct ytree_node *sec)
{
	const struct ytree_node	*req, *k, *v;
	size_t			 i, j;
	int			 auth = 0;

	if (sec->kind != YTREE_SEQ) {
		diag_error(sec, "security must be a sequence, not %s",
		    ytree_what(sec));
		return (0);
	}
	for (i = 0; i < sec->n; i++) {
		req = sec->items[i];
		if (req->kind != YTREE_MAP) {
			diag_error(req, "a security requirement must be a "
			    "mapping, not %s", ytree_what(req));
			continue;
		}
		if (req->n > 0)
			auth = 1;
		for (j = 0; j < req->n; j++) {
			k = req->pairs[j].key;
			v = req->pairs[j].value;
			if (k->kind == YTREE_SCALAR &&
			    ytree_get(ctx->schemes, k->str) == NULL)
				diag_error(k, "security scheme '%s' is not "
				    "defined in components.securitySchemes",
				    k->str);
			if (v->kind != YTREE_SEQ)
				diag_error(v, "the scopes of a security "
				    "requirement must be a sequence, not %s",
				    ytree_what(v));
		}
	}
	return (auth);
}

/*
 * Splits a path template.  A parameter must be a whole segment: the
 * trie matches segment by segment, so "{name}.{ext}" has nowhere to go.
 */
static void
model_tmpl(struct arena *pool, const struct ytree_node *key,
    struct model_tmpl *tp)
{
	struct buf	 shape, derived;
	const char	*s, *seg, *end;
	size_t		 len, nseg = 0;

	memset(tp, 0, sizeof(*tp));
	tp->at = key;
	if (!ytree_isstr(key)) {
		diag_error(key, "a path must be a string, not %s",
		    ytree_what(key));
		return;
	}
	tp->path = s = key->str;
	if (s[0] != '/') {
		diag_error(key, "path '%s' must start with '/'", s);
		return;
	}
	if (strlen(s) != key->len) {
		diag_error(key, "path contains a NUL byte");
		return;
	}

	buf_init(&shape);
	buf_init(&derived);
	tp->names = arena_calloc(pool, CODEGEN_MAX_PARAMS, sizeof(char *));
	tp->ok = 1;
	for (seg = s + 1; s[1] != '\0'; seg = end + 1) {
		end = strchr(seg, '/');
		if (end == NULL)
			end = seg + strlen(seg);
		len = (size_t)(end - seg);
		/* A trailing slash is a path of its own ("/api/v1/" is
		 * not "/api/v1"): an empty last segment the router
		 * matches as such. */
		if (len == 0 && *end != '\0') {
			diag_error(key, "path '%s' has an empty segment", s);
			tp->ok = 0;
			break;
		}
		if (++nseg > CODEGEN_MAX_SEGMENTS) {
			diag_error(key, "path has more than %d segments",
			    CODEGEN_MAX_SEGMENTS);
			tp->ok = 0;
			break;
		}
		model_segment(pool, key, tp, seg, len, &shape, &derived);
		if (*end == '\0')
			break;
	}
	if (shape.len == 0)
		buf_putc(&shape, '/');
	tp->shape = arena_strdup(pool, shape.data);
	tp->derived = arena_strdup(pool, derived.len > 0 ? derived.data :
	    "root");
	buf_free(&shape);
	buf_free(&derived);
}

/*
 * One segment of a template: a literal, a whole "{name}", or literals and
 * parameters mixed ("{base}...{head}", "v{major}.{minor}"), which the
 * router matches as a pattern.  Two parameters with nothing between them
 * cannot be told apart and are refused.
 */
static void
model_segment(struct arena *pool, const struct ytree_node *key,
    struct model_tmpl *tp, const char *seg, size_t len, struct buf *shape,
    struct buf *derived)
{
	const char	*s = tp->path, *p = seg, *end = seg + len, *close;
	size_t		 i;
	char		*name;
	int		 prev_param = 0;

	buf_putc(shape, '/');
	if (derived->len > 0)
		buf_putc(derived, '_');
	while (p < end) {
		if (*p == '}') {
			diag_error(key, "malformed path parameter '%.*s' in "
			    "'%s'", (int)len, seg, s);
			tp->ok = 0;
			return;
		}
		if (*p != '{') {
			buf_putc(shape, *p);
			buf_putc(derived, *p);
			prev_param = 0;
			p++;
			continue;
		}
		close = memchr(p, '}', (size_t)(end - p));
		if (close == NULL || memchr(p + 1, '{',
		    (size_t)(close - p - 1)) != NULL) {
			diag_error(key, "malformed path parameter '%.*s' in "
			    "'%s'", (int)len, seg, s);
			tp->ok = 0;
			return;
		}
		if (close == p + 1) {
			diag_error(key, "path '%s' has an empty parameter "
			    "name", s);
			tp->ok = 0;
			return;
		}
		if (prev_param) {
			diag_error(key, "adjacent path parameters cannot be "
			    "told apart: '%.*s' in '%s'", (int)len, seg, s);
			tp->ok = 0;
			return;
		}
		name = arena_strndup(pool, p + 1, (size_t)(close - p - 1));
		for (i = 0; i < tp->nnames; i++)
			if (strcmp(tp->names[i], name) == 0)
				break;
		if (i < tp->nnames) {
			diag_error(key, "path parameter '%s' appears twice in "
			    "'%s'", name, s);
			tp->ok = 0;
		} else if (tp->nnames == CODEGEN_MAX_PARAMS) {
			diag_error(key, "path '%s' has more than %d "
			    "parameters", s, CODEGEN_MAX_PARAMS);
			tp->ok = 0;
		} else
			tp->names[tp->nnames++] = name;
		buf_puts(shape, "{}");
		buf_add(derived, p + 1, (size_t)(close - p - 1));
		prev_param = 1;
		p = close + 1;
	}
}

/*
 * Reads a parameters list.  Entries are checked where they are defined
 * (a shared $ref target is reported once: diag drops repeats); the list
 * entry itself is kept for positions of errors about its use.
 */
static void
model_params(struct arena *pool, struct ytree_node *list,
    struct model_params *out)
{
	struct model_param	*p;
	struct ytree_node	*e, *def, *name, *in, *req;
	struct hmap		*seen = NULL;
	const struct model_param *first;
	char			*key;
	size_t			 i;
	int			 v;

	memset(out, 0, sizeof(*out));
	if (list == NULL)
		return;
	if (list->kind != YTREE_SEQ) {
		diag_error(list, "parameters must be a sequence, not %s",
		    ytree_what(list));
		return;
	}
	out->v = arena_calloc(pool, list->n, sizeof(*out->v));
	seen = hmap_new();
	for (i = 0; i < list->n; i++) {
		e = list->items[i];
		def = ytree_deref(e);
		if (def->kind != YTREE_MAP) {
			diag_error(e, "a parameter must be a mapping, not %s",
			    ytree_what(def));
			continue;
		}
		name = ytree_get(def, "name");
		in = ytree_get(def, "in");
		if (name == NULL)
			diag_error(def, "parameter has no name");
		else if (!ytree_isstr(name))
			diag_error(name, "parameter name must be a string, "
			    "not %s", ytree_what(name));
		if (in == NULL)
			diag_error(def, "parameter has no 'in'");
		else if (in->kind != YTREE_SCALAR ||
		    model_strin(in->str, model_ins) < 0)
			diag_error(in, "parameter 'in' must be path, query, "
			    "header or cookie, not '%s'", in->kind ==
			    YTREE_SCALAR ? in->str : ytree_what(in));
		if (!ytree_isstr(name) || in == NULL ||
		    in->kind != YTREE_SCALAR ||
		    model_strin(in->str, model_ins) < 0)
			continue;

		if (strcmp(in->str, "path") == 0) {
			req = ytree_get(def, "required");
			if (req == NULL)
				diag_error(def, "path parameter '%s' must have "
				    "required: true", name->str);
			else if (ytree_bool(req, &v) == -1 || !v)
				diag_error(req, "path parameter '%s' must have "
				    "required: true", name->str);
		}

		p = &out->v[out->n];
		p->at = e;
		p->name = name->str;
		p->in = in->str;
		key = arena_sprintf(pool, "%s/%s", p->in, p->name);
		if ((first = hmap_insert(seen, key, strlen(key), p)) != NULL) {
			diag_error(e, "duplicate parameter '%s' (in: %s), "
			    "first at %d:%d", p->name, p->in, first->at->line,
			    first->at->col);
			continue;
		}
		out->n++;
	}
	hmap_free(seen);
}

static const struct model_param *
model_findpath(const struct model_params *ps, const char *name)
{
	size_t	i;

	for (i = 0; i < ps->n; i++)
		if (strcmp(ps->v[i].in, "path") == 0 &&
		    strcmp(ps->v[i].name, name) == 0)
			return (&ps->v[i]);
	return (NULL);
}

static int
model_intmpl(const struct model_tmpl *tp, const char *name)
{
	size_t	i;

	for (i = 0; i < tp->nnames; i++)
		if (strcmp(tp->names[i], name) == 0)
			return (1);
	return (0);
}

static void
model_path(struct model_ctx *ctx, const struct ytree_node *key,
    struct ytree_node *item)
{
	struct model_tmpl	 tmpl;
	struct model_params	 params;
	struct ytree_node	*pi;
	const struct ytree_node	*k;
	size_t			 i;
	int			 j;

	model_tmpl(ctx->m->pool, key, &tmpl);

	/* A path item may be a $ref (to components.pathItems in 3.1); its
	 * operations are the target's. */
	pi = ytree_deref(item);
	if (item->kind != YTREE_MAP || pi->kind != YTREE_MAP) {
		diag_error(item, "a path item must be a mapping, not %s",
		    ytree_what(pi));
		return;
	}
	model_keys(item, model_itemkeys, 1, "a path item");
	if (pi != item)
		model_keys(pi, model_itemkeys, 1, "a path item");

	ctx->itemparams = ytree_get(pi, "parameters");
	model_params(ctx->m->pool, ctx->itemparams, &params);
	for (i = 0; tmpl.ok && i < params.n; i++)
		if (strcmp(params.v[i].in, "path") == 0 &&
		    !model_intmpl(&tmpl, params.v[i].name))
			diag_error(params.v[i].at, "path parameter '%s' is not "
			    "in the path '%s'", params.v[i].name, tmpl.path);

	for (i = 0; i < pi->n; i++) {
		k = pi->pairs[i].key;
		if (k->kind != YTREE_SCALAR || !model_first(pi, i))
			continue;
		for (j = 0; j < METHOD_COUNT; j++)
			if (strcmp(k->str, model_methods[j].key) == 0)
				break;
		if (j < METHOD_COUNT)
			model_op(ctx, &tmpl, j, k, model_opref(pi->pairs[i].value),
			    &params);
	}
}

/*
 * An operation written as a $ref (DigitalOcean's files: not OpenAPI,
 * which has $ref for path items, but what bundlers accept): the target,
 * with one warning for the document.
 */
static struct ytree_node *
model_opref(struct ytree_node *opn)
{
	if (opn->kind != YTREE_MAP || opn->ref == NULL)
		return opn;
	diag_warnonce("operation $ref", ytree_get(opn, "$ref"), "an operation "
	    "given as a $ref is not OpenAPI (only path items may be): "
	    "followed, as bundlers do");
	return ytree_deref(opn);
}

static void
model_op(struct model_ctx *ctx, const struct model_tmpl *tp, int method,
    const struct ytree_node *at, struct ytree_node *opn,
    const struct model_params *pathparams)
{
	struct model		*m = ctx->m;
	struct model_params	 params;
	struct op		 op;
	const struct model_param *p;
	struct ytree_node	*v;
	long long		 ll;
	size_t			 i;
	int			 b;

	memset(&op, 0, sizeof(op));
	op.path = tp->path;
	op.method = method;
	op.at = op.idat = at;
	op.tag = "";
	op.shape = tp->shape;
	op.node = opn;
	op.itemparams = ctx->itemparams;

	if (opn->kind != YTREE_MAP) {
		diag_error(opn, "an operation must be a mapping, not %s",
		    ytree_what(opn));
		return;
	}
	model_keys(opn, model_opkeys, 0, "an operation");

	if ((v = ytree_get(opn, "operationId")) != NULL) {
		if (v->kind != YTREE_SCALAR || v->type == YTREE_NULL)
			diag_error(v, "operationId must be a string, not %s",
			    ytree_what(v));
		else if (v->len == 0)
			diag_error(v, "operationId must not be empty");
		else if (strlen(v->str) != v->len)
			diag_error(v, "operationId contains a NUL byte");
		else {
			op.opid = v->str;
			op.idat = v;
		}
	}
	if ((v = ytree_get(opn, "summary")) != NULL) {
		if (v->kind == YTREE_SCALAR)
			op.summary = v->str;
		else
			diag_error(v, "summary must be a string, not %s",
			    ytree_what(v));
	}
	if ((v = ytree_get(opn, "tags")) != NULL) {
		if (v->kind != YTREE_SEQ)
			diag_error(v, "tags must be a sequence, not %s",
			    ytree_what(v));
		else {
			for (i = 0; i < v->n; i++)
				if (v->items[i]->kind != YTREE_SCALAR)
					diag_error(v->items[i], "a tag must be "
					    "a string, not %s",
					    ytree_what(v->items[i]));
			if (v->n > 0 && v->items[0]->kind == YTREE_SCALAR)
				op.tag = v->items[0]->str;
		}
	}

	/* responses is optional since 3.1.0: an operation without them
	 * declares no reply, and the handler's replies are not checked
	 * against any (as a "default" without content).  3.0 requires
	 * them; the same is done, with a warning. */
	if ((v = ytree_get(opn, "responses")) == NULL) {
		if (m->v30)
			diag_warn(at, "%s %s has no responses (3.0 requires "
			    "them): its replies are not checked",
			    model_methods[method].upper, tp->path != NULL ?
			    tp->path : "");
	} else if (ytree_deref(v)->kind != YTREE_MAP)
		diag_error(v, "responses must be a mapping, not %s",
		    ytree_what(ytree_deref(v)));
	else if (ytree_deref(v)->n == 0 && m->v30)
		diag_warn(v, "responses is empty (3.0 wants one): the "
		    "operation's replies are not checked");

	if ((v = ytree_get(opn, "deprecated")) != NULL &&
	    ytree_bool(v, &b) == 0)
		op.deprecated = b;
	if ((v = ytree_get(opn, "x-inline")) != NULL) {
		if (ytree_bool(v, &b) == -1)
			diag_error(v, "x-inline must be a boolean, not %s",
			    ytree_what(v));
		else if (b)
			op.flags |= OP_INLINE;
	}
	if ((v = ytree_get(opn, "x-cpu-bound")) != NULL) {
		if (ytree_bool(v, &b) == -1)
			diag_error(v, "x-cpu-bound must be a boolean, not %s",
			    ytree_what(v));
		else if (b && (op.flags & OP_INLINE))
			diag_error(v, "x-cpu-bound and x-inline exclude each "
			    "other: an inline operation runs on an I/O "
			    "thread");
		else if (b)
			op.flags |= OP_CPU;
	}
	if ((v = ytree_get(opn, "x-max-bytes")) != NULL) {
		if (ytree_int(v, &ll) == -1 || ll < 0) {
			if (v->kind == YTREE_SCALAR)
				diag_error(v, "x-max-bytes must be a "
				    "non-negative integer, not '%s'", v->str);
			else
				diag_error(v, "x-max-bytes must be a "
				    "non-negative integer, not %s",
				    ytree_what(v));
		} else
			op.max_body = (unsigned long long)ll;
	}
	if ((v = ytree_get(opn, "security")) != NULL) {
		if (model_security(ctx, v))
			op.flags |= OP_AUTH;
	} else if (ctx->rootauth)
		op.flags |= OP_AUTH;

	model_params(m->pool, ytree_get(opn, "parameters"), &params);
	if (!tp->ok)
		return;

	/* Every template parameter declared in: path, at the operation
	 * or (unless overridden by name and in) at the path item. */
	for (i = 0; i < params.n; i++)
		if (strcmp(params.v[i].in, "path") == 0 &&
		    !model_intmpl(tp, params.v[i].name))
			diag_error(params.v[i].at, "path parameter '%s' is not "
			    "in the path '%s'", params.v[i].name, tp->path);
	for (i = 0; i < tp->nnames; i++) {
		p = model_findpath(&params, tp->names[i]);
		if (p == NULL)
			p = model_findpath(pathparams, tp->names[i]);
		if (p == NULL)
			diag_error(at, "path parameter '%s' of %s %s is not "
			    "declared (want a parameter with in: path)",
			    tp->names[i], model_methods[method].upper,
			    tp->path);
	}
	op.params = tp->names;
	op.nparams = tp->nnames;

	/* No operationId: <method>_<segments>, which is its own C name. */
	if (op.opid == NULL)
		op.opid = model_cname(m->pool, arena_sprintf(m->pool, "%s_%s",
		    model_methods[method].key, tp->derived));
	op.name = model_cname(m->pool, op.opid);

	if (m->nops == m->cap) {
		m->cap = m->cap == 0 ? 64 : m->cap * 2;
		m->ops = xreallocarray(m->ops, m->cap, sizeof(*m->ops));
	}
	m->ops[m->nops++] = op;
}

/* The C name of an operationId: any character outside [A-Za-z0-9_]
 * becomes '_', and a leading digit gets "op_". */
static const char *
model_cname(struct arena *pool, const char *opid)
{
	return schema_sanitize(pool, opid, "op_");
}

/*
 * Duplicates, in document order so the error lands on the second one:
 * operationIds, the C names they become, and routes the trie would merge
 * (same method, same template once parameter names are ignored).
 */
static void
model_unique(struct model *m)
{
	struct hmap	*ids, *names, *routes;
	struct op	*op, *first;
	const char	*key;
	size_t		 i;

	ids = hmap_new();
	names = hmap_new();
	routes = hmap_new();
	for (i = 0; i < m->nops; i++) {
		op = &m->ops[i];
		/* api_init, api_ops...: the generated tables' own names. */
		if (model_strin(op->name, model_reserved) >= 0)
			op->name = arena_sprintf(m->pool, "%s_op", op->name);
		key = arena_sprintf(m->pool, "%s %s",
		    model_methods[op->method].upper, op->shape);
		if ((first = hmap_insert(routes, key, strlen(key), op)) != NULL)
			diag_error(op->at, "route %s %s conflicts with %s %s "
			    "(at %d:%d)", model_methods[op->method].upper,
			    op->path, model_methods[first->method].upper,
			    first->path, first->at->line, first->at->col);

		if ((first = hmap_insert(ids, op->opid, strlen(op->opid),
		    op)) != NULL) {
			diag_error(op->idat, "duplicate operationId %s (first "
			    "at %d:%d)", op->opid, first->idat->line,
			    first->idat->col);
			continue;
		}
		if ((first = hmap_insert(names, op->name, strlen(op->name),
		    op)) != NULL)
			diag_error(op->idat, "operationId %s becomes the C name "
			    "api_%s, as does %s (at %d:%d)", op->opid, op->name,
			    first->opid, first->idat->line, first->idat->col);
	}
	hmap_free(ids);
	hmap_free(names);
	hmap_free(routes);
}

static int
model_opcmp(const void *a, const void *b)
{
	const struct op	*x = a, *y = b;
	int		 c;

	if ((c = strcmp(x->path, y->path)) != 0)
		return (c);
	return (x->method - y->method);
}
