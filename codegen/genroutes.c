/*
 * genroutes.c - routes.c: the operations table and the routing trie.
 *
 * api_ops[] lists every operation sorted by path, then method.  The trie
 * (see runtime/router.h) has one node per distinct path prefix, where all
 * parameter segments are the same "{}" child: /posts/{id} and
 * /posts/{post_id}/cover share a node, and parameter names belong to the
 * operation.  Nodes are emitted children first, so every initializer
 * refers only to what is already defined and no forward declarations are
 * needed; literal children are sorted by strcmp for the router's binary
 * search.  Each node is named after the first operation (in api_ops
 * order) that ends there, or else the first path that passes through it,
 * made unique.
 */
#include <stdlib.h>
#include <string.h>

#include "codegen.h"

struct genroutes_node {
	const char		 *seg;		/* edge label; "" for the root */
	const char		 *path;		/* the prefix, for comments */
	int			  named;	/* path is an operation's */
	const char		 *base;		/* C name without node_/edges_ */
	size_t			  id;
	struct genroutes_node	**kids;		/* literal children */
	size_t			  nkids;
	size_t			  cap;
	struct genroutes_node	 *param;
	struct genroutes_node	**pats;		/* mixed-segment children */
	size_t			  npats;
	size_t			  pcap;
	const char		**lits;		/* a pattern's literals */
	size_t			  nlits;
	size_t			  ops[METHOD_COUNT];	/* api_ops index + 1 */
};

struct genroutes {
	struct arena		*pool;
	struct hmap		*edges;		/* "parent-id/segment" */
	struct hmap		*names;		/* bases in use */
	struct genroutes_node	**all;		/* to free the kids arrays */
	size_t			 nnodes;
	size_t			 cap;
};

static struct genroutes_node	*genroutes_new(struct genroutes *,
				    const char *, size_t, const char *,
				    size_t);
static void			 genroutes_edge(struct genroutes_node *,
				    struct genroutes_node *);
static void			 genroutes_name(struct genroutes *,
				    struct genroutes_node *);
static void			 genroutes_ops(struct buf *,
				    const struct model *);
static void			 genroutes_node(struct buf *,
				    struct genroutes_node *);
static int			 genroutes_segcmp(const void *, const void *);
static void			 genroutes_flags(struct buf *, unsigned);
static struct genroutes_node	*genroutes_pattern(struct genroutes *,
				    struct genroutes_node *, const char *,
				    size_t, const struct op *, const char *);

void
genroutes_emit(struct buf *b, const struct model *m, const char *spec)
{
	struct genroutes	 g;
	struct genroutes_node	*root, *cur, *next;
	const struct op		*op;
	const char		*seg, *end, *key;
	size_t			 i, len;

	memset(&g, 0, sizeof(g));
	g.pool = arena_new(65536);
	g.edges = hmap_new();
	g.names = hmap_new();
	root = genroutes_new(&g, "", 0, "/", 1);

	for (i = 0; i < m->nops; i++) {
		op = &m->ops[i];
		cur = root;
		for (seg = op->path + 1; *seg != '\0'; seg = end + 1) {
			if ((end = strchr(seg, '/')) == NULL)
				end = seg + strlen(seg);
			len = (size_t)(end - seg);
			if (memchr(seg, '{', len) != NULL && (seg[0] != '{' ||
			    seg[len - 1] != '}' ||
			    memchr(seg + 1, '{', len - 1) != NULL)) {
				cur = genroutes_pattern(&g, cur, seg, len, op,
				    end);
			} else if (seg[0] == '{') {
				if (cur->param == NULL)
					cur->param = genroutes_new(&g, "{}", 2,
					    op->path, (size_t)(end - op->path));
				cur = cur->param;
			} else {
				key = arena_sprintf(g.pool, "%zu/%.*s", cur->id,
				    (int)len, seg);
				next = hmap_get(g.edges, key, strlen(key));
				if (next == NULL) {
					next = genroutes_new(&g, seg, len,
					    op->path, (size_t)(end - op->path));
					hmap_insert(g.edges, key, strlen(key),
					    next);
					genroutes_edge(cur, next);
				}
				cur = next;
			}
			if (*end == '\0')
				break;
		}
		/* A trailing slash: an edge with the empty segment. */
		len = strlen(op->path);
		if (len > 1 && op->path[len - 1] == '/') {
			key = arena_sprintf(g.pool, "%zu/", cur->id);
			next = hmap_get(g.edges, key, strlen(key));
			if (next == NULL) {
				next = genroutes_new(&g, "", 0, op->path, len);
				hmap_insert(g.edges, key, strlen(key), next);
				genroutes_edge(cur, next);
			}
			cur = next;
		}
		cur->ops[op->method] = i + 1;
		if (!cur->named) {
			cur->path = op->path;
			cur->named = 1;
		}
	}
	for (i = 0; i < g.nnodes; i++)
		genroutes_name(&g, g.all[i]);

	buf_printf(b, CODEGEN_HEADER, spec);
	buf_puts(b, "/*\n"
	    " * routes.c - the operations of ");
	buf_comment(b, spec);
	buf_puts(b, " and the routing trie over\n"
	    " * their paths (see router.h).  Nodes come before the nodes that\n"
	    " * point to them; literal children are sorted by strcmp.\n"
	    " */\n"
	    "#include <stddef.h>\n"
	    "\n"
	    "#include \"api.h\"\n"
	    "\n");
	genroutes_ops(b, m);
	genroutes_node(b, root);

	for (i = 0; i < g.nnodes; i++) {
		free(g.all[i]->kids);
		free(g.all[i]->pats);
	}
	free(g.all);
	hmap_free(g.edges);
	hmap_free(g.names);
	arena_free(g.pool);
}

/* A node for the path prefix path[0..plen), reached by edge seg. */
static struct genroutes_node *
genroutes_new(struct genroutes *g, const char *seg, size_t seglen,
    const char *path, size_t plen)
{
	struct genroutes_node	*n;

	n = arena_calloc(g->pool, 1, sizeof(*n));
	n->id = g->nnodes;
	n->seg = arena_strndup(g->pool, seg, seglen);
	n->path = arena_strndup(g->pool, path, plen);
	if (g->nnodes == g->cap) {
		g->cap = g->cap == 0 ? 64 : g->cap * 2;
		g->all = xreallocarray(g->all, g->cap, sizeof(*g->all));
	}
	g->all[g->nnodes++] = n;
	return (n);
}

/*
 * The C name of a node, from its path: "/posts/{post_id}" gives
 * posts__post_id_, with _2, _3, ... when two paths sanitize alike.  The
 * root is "root" (taken first), as its edges are edges_root.
 */
static void
genroutes_name(struct genroutes *g, struct genroutes_node *n)
{
	char		*base, *d;
	const char	*name;
	size_t		 i;
	int		 c;

	if (n->id == 0)
		base = arena_strdup(g->pool, "root");
	else {
		base = arena_strdup(g->pool, n->path + 1);
		for (d = base; *d != '\0'; d++) {
			c = (unsigned char)*d;
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '_'))
				*d = '_';
		}
	}
	name = base;
	for (i = 2; hmap_insert(g->names, name, strlen(name), n) != NULL; i++)
		name = arena_sprintf(g->pool, "%s_%zu", base, i);
	n->base = name;
}

/*
 * The child of parent for a segment mixing literals and parameters
 * ("{base}...{head}"): keyed by its shape ("{}...{}"), holding the
 * literals between the parameters, which the router matches in order.
 */
static struct genroutes_node *
genroutes_pattern(struct genroutes *g, struct genroutes_node *parent,
    const char *seg, size_t len, const struct op *op, const char *end)
{
	struct genroutes_node	*n;
	struct buf		 shape, lit;
	const char		*p, *q, *key;
	const char		*lits[CODEGEN_MAX_PARAMS + 1];
	size_t			 nlits = 0;

	buf_init(&shape);
	buf_init(&lit);
	for (p = seg; p < seg + len; p = q) {
		if (*p == '{') {
			q = memchr(p, '}', (size_t)(seg + len - p)) + 1;
			buf_puts(&shape, "{}");
			lits[nlits++] = arena_strndup(g->pool,
			    lit.data ? lit.data : "", lit.len);
			lit.len = 0;
		} else {
			q = p + 1;
			buf_putc(&shape, *p);
			buf_putc(&lit, *p);
		}
	}
	lits[nlits++] = arena_strndup(g->pool, lit.data ? lit.data : "",
	    lit.len);
	key = arena_sprintf(g->pool, "%zu/%s", parent->id, shape.data);
	if ((n = hmap_get(g->edges, key, strlen(key))) == NULL) {
		n = genroutes_new(g, shape.data, shape.len, op->path,
		    (size_t)(end - op->path));
		n->lits = arena_calloc(g->pool, nlits, sizeof(*n->lits));
		memcpy(n->lits, lits, nlits * sizeof(*lits));
		n->nlits = nlits;
		hmap_insert(g->edges, key, strlen(key), n);
		if (parent->npats == parent->pcap) {
			parent->pcap = parent->pcap == 0 ? 2 :
			    parent->pcap * 2;
			parent->pats = xreallocarray(parent->pats,
			    parent->pcap, sizeof(*parent->pats));
		}
		parent->pats[parent->npats++] = n;
	}
	buf_free(&shape);
	buf_free(&lit);
	return (n);
}

static void
genroutes_edge(struct genroutes_node *parent, struct genroutes_node *kid)
{
	if (parent->nkids == parent->cap) {
		parent->cap = parent->cap == 0 ? 4 : parent->cap * 2;
		parent->kids = xreallocarray(parent->kids, parent->cap,
		    sizeof(*parent->kids));
	}
	parent->kids[parent->nkids++] = kid;
}

/* An op's route flags as C: "ROUTE_INLINE | ROUTE_AUTH", or "0". */
static void
genroutes_flags(struct buf *b, unsigned flags)
{
	static const struct {
		unsigned	 op;
		const char	*route;
	} map[] = {
		{ OP_INLINE, "ROUTE_INLINE" },
		{ OP_AUTH, "ROUTE_AUTH" },
		{ OP_CPU, "ROUTE_CPU" },
	};
	size_t	i;
	int	any = 0;

	for (i = 0; i < nitems(map); i++) {
		if (!(flags & map[i].op))
			continue;
		buf_puts(b, any ? " | " : "");
		buf_puts(b, map[i].route);
		any = 1;
	}
	if (!any)
		buf_puts(b, "0");
}

static void
genroutes_ops(struct buf *b, const struct model *m)
{
	const struct op	*op;
	size_t		 i, j;
	int		 any = 0;

	for (i = 0; i < m->nops; i++) {
		op = &m->ops[i];
		if (op->nparams == 0)
			continue;
		any = 1;
		buf_printf(b, "static const char *const params_%s[] = {",
		    op->name);
		for (j = 0; j < op->nparams; j++) {
			buf_puts(b, j == 0 ? " " : ", ");
			buf_cstring(b, op->params[j], strlen(op->params[j]));
		}
		buf_puts(b, " };\n");
	}
	if (any)
		buf_putc(b, '\n');

	buf_puts(b, "/* Sorted by path, then method; the trie points here. */\n");
	if (m->nops == 0) {
		/* C has no empty arrays; api_nops says there is nothing. */
		buf_puts(b, "const struct route_op api_ops[1] = {\n"
		    "\t{ .operation_id = NULL },\n"
		    "};\n");
	} else
		buf_puts(b, "const struct route_op api_ops[] = {\n");
	for (i = 0; i < m->nops; i++) {
		op = &m->ops[i];
		buf_printf(b, "\t/* %zu: ", i);
		buf_comment(b, model_methods[op->method].upper);
		buf_putc(b, ' ');
		buf_comment(b, op->path);
		buf_puts(b, " */\n\t{\n\t\t.operation_id = ");
		buf_cstring(b, op->opid, strlen(op->opid));
		buf_puts(b, ",\n\t\t.path = ");
		buf_cstring(b, op->path, strlen(op->path));
		buf_puts(b, ",\n\t\t.tag = ");
		buf_cstring(b, op->tag, strlen(op->tag));
		buf_printf(b, ",\n\t\t.method = %s,\n\t\t.flags = ",
		    model_methods[op->method].enumname);
		genroutes_flags(b, op->flags);
		buf_puts(b, ",\n");
		/* x-max-bytes: the body's limit, or each file's for a
		 * multipart body (upload_field.max_bytes). */
		buf_printf(b, "\t\t.handler = glue_%s,\n"
		    "\t\t.max_body = %llu,\n", op->name,
		    op->body_kind == BODY_MULTIPART ? 0ULL : op->max_body);
		if (op->nsec > 0)
			buf_printf(b, "\t\t.security = &glue_security_%s,\n",
			    op->name);
		if (op->body_kind == BODY_MULTIPART && op->body != NULL)
			buf_printf(b, "\t\t.upload = &glue_upload_%s,\n",
			    op->name);
		if (op->nparams > 0)
			buf_printf(b, "\t\t.params = params_%s,\n"
			    "\t\t.nparams = %zu,\n", op->name, op->nparams);
		else
			buf_puts(b, "\t\t.params = NULL,\n"
			    "\t\t.nparams = 0,\n");
		buf_puts(b, "\t},\n");
	}
	if (m->nops > 0)
		buf_puts(b, "};\n");
	buf_printf(b, "const size_t api_nops = %zu;\n\n", m->nops);
}

static int
genroutes_segcmp(const void *a, const void *b)
{
	const struct genroutes_node	*const *x = a, *const *y = b;

	return (strcmp((*x)->seg, (*y)->seg));
}

/* Post-order: children, then this node's edges, then the node.  Depth
 * is bounded by CODEGEN_MAX_SEGMENTS (model.c). */
static void
genroutes_node(struct buf *b, struct genroutes_node *n)
{
	size_t	i;
	int	j, first;

	if (n->nkids > 0)
		qsort(n->kids, n->nkids, sizeof(*n->kids), genroutes_segcmp);
	for (i = 0; i < n->nkids; i++)
		genroutes_node(b, n->kids[i]);
	if (n->param != NULL)
		genroutes_node(b, n->param);
	if (n->npats > 0)
		qsort(n->pats, n->npats, sizeof(*n->pats), genroutes_segcmp);
	for (i = 0; i < n->npats; i++)
		genroutes_node(b, n->pats[i]);

	if (n->npats > 0) {
		for (i = 0; i < n->npats; i++) {
			buf_printf(b, "static const char *const lits_%s[] = {",
			    n->pats[i]->base);
			for (j = 0; j < (int)n->pats[i]->nlits; j++) {
				buf_puts(b, j == 0 ? " " : ", ");
				buf_cstring(b, n->pats[i]->lits[j],
				    strlen(n->pats[i]->lits[j]));
			}
			buf_puts(b, " };\n");
		}
		buf_printf(b, "static const struct route_pattern "
		    "patterns_%s[] = {\n", n->base);
		for (i = 0; i < n->npats; i++)
			buf_printf(b, "\t{ .lits = lits_%s, .nparams = %zu, "
			    ".node = &node_%s },\n", n->pats[i]->base,
			    n->pats[i]->nlits - 1, n->pats[i]->base);
		buf_puts(b, "};\n\n");
	}

	if (n->nkids > 0) {
		buf_printf(b, "static const struct route_edge edges_%s[] = {\n",
		    n->base);
		for (i = 0; i < n->nkids; i++) {
			buf_puts(b, "\t{ .segment = ");
			buf_cstring(b, n->kids[i]->seg, strlen(n->kids[i]->seg));
			buf_printf(b, ", .node = &node_%s },\n",
			    n->kids[i]->base);
		}
		buf_puts(b, "};\n\n");
	}

	buf_puts(b, "/* ");
	buf_comment(b, n->path);
	buf_puts(b, " */\n");
	if (n->id == 0)
		buf_puts(b, "const struct route_node api_routes = {\n");
	else
		buf_printf(b, "static const struct route_node node_%s = {\n",
		    n->base);
	if (n->nkids > 0)
		buf_printf(b, "\t.children = edges_%s,\n\t.nchildren = %zu,\n",
		    n->base, n->nkids);
	if (n->npats > 0)
		buf_printf(b, "\t.patterns = patterns_%s,\n"
		    "\t.npatterns = %zu,\n", n->base, n->npats);
	if (n->param != NULL)
		buf_printf(b, "\t.param = &node_%s,\n", n->param->base);
	first = 1;
	for (j = 0; j < METHOD_COUNT; j++) {
		if (n->ops[j] == 0)
			continue;
		if (first)
			buf_puts(b, "\t.ops = {\n");
		first = 0;
		buf_printf(b, "\t\t[%s] = &api_ops[%zu],\n",
		    model_methods[j].enumname, n->ops[j] - 1);
	}
	if (!first)
		buf_puts(b, "\t},\n");
	/* The Allow header of a 405, in the fixed method order. */
	if (first)
		buf_puts(b, "\t.allow = NULL,\n");
	else {
		buf_puts(b, "\t.allow = \"");
		first = 1;
		for (j = 0; j < METHOD_COUNT; j++) {
			if (n->ops[j] == 0)
				continue;
			buf_printf(b, "%s%s", first ? "" : ", ",
			    model_methods[j].upper);
			first = 0;
		}
		buf_puts(b, "\",\n");
	}
	buf_puts(b, "};\n");
	if (n->id != 0)
		buf_putc(b, '\n');
}
