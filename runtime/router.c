/*
 * router.c - match a request path against the generated route trie.
 *
 * The trie itself is emitted by codegen (generated/routes.c); this file
 * only walks it.  Matching is strict, by design:
 *
 *   - "/" is the root node itself;
 *   - every other path is "/" followed by non-empty segments, so an empty
 *     segment ("/posts//1") never matches, and a trailing slash is
 *     part of the path: "/posts/" is not "/posts" (no redirects, like
 *     FastAPI with redirect_slashes off), which keeps one URL per
 *     resource; a spec path with a trailing slash ("/api/v1/", as
 *     Kubernetes' discovery paths) is an edge with the empty segment;
 *   - at each node the literal children are tried first (binary search),
 *     then the parameter child.  If the literal branch fails deeper, the
 *     walk backs up and tries the parameter: with /posts/my and
 *     /posts/{post_id}/cover, "/posts/my/cover" reaches the cover route.
 *     A branch that ends on a node without operations also fails, so an
 *     intermediate literal never hides a parameter route.
 *
 * Each trie node is reached by one path from the root, so the walk
 * visits a node at most once and backtracking stays linear in the size
 * of the trie.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "router.h"

struct router_seg {
	const char	*s;		/* into the path, not NUL-terminated */
	size_t		 len;
};

struct router_walk {
	struct router_seg	 values[ROUTER_MAX_PARAMS];
	size_t			 nvalues;
};

static const struct route_node	*router_walk(const struct route_node *,
				    const char *, struct router_walk *);
static int			 router_edge_cmp(const void *, const void *);
static int			 router_pattern(const struct route_pattern *,
				    struct router_seg, struct router_walk *);
static const struct route_node	*router_descend(const struct route_node *,
				    const char *, struct router_walk *);
static int			 router_has_ops(const struct route_node *);

/* Indexed by enum http_method. */
static const char *const	router_methods[HTTP_METHOD_COUNT] = {
	[HTTP_GET] = "GET",
	[HTTP_PUT] = "PUT",
	[HTTP_POST] = "POST",
	[HTTP_DELETE] = "DELETE",
	[HTTP_OPTIONS] = "OPTIONS",
	[HTTP_HEAD] = "HEAD",
	[HTTP_PATCH] = "PATCH",
	[HTTP_TRACE] = "TRACE",
};

/* Method names are case-sensitive (RFC 9110, 9.1): "get" is unknown. */
enum http_method
router_method(const char *name)
{
	size_t	i;

	if (name == NULL)
		return (HTTP_METHOD_UNKNOWN);
	for (i = 0; i < HTTP_METHOD_COUNT; i++) {
		if (strcmp(name, router_methods[i]) == 0)
			return ((enum http_method)i);
	}
	return (HTTP_METHOD_UNKNOWN);
}

/* "UNKNOWN" for anything else, so it is always safe to print. */
const char *
router_method_name(enum http_method m)
{
	if ((unsigned)m >= HTTP_METHOD_COUNT)
		return ("UNKNOWN");
	return (router_methods[m]);
}

int
router_match(const struct route_node *root, enum http_method method,
    const char *path, struct arena *a, struct router_match *m)
{
	struct router_walk	 w;
	const struct route_node	*node;
	const struct route_op	*op = NULL;
	size_t			 i;
	int			 ret = -1;

	memset(m, 0, sizeof(*m));
	w.nvalues = 0;

	if (root == NULL || path == NULL || path[0] != '/')
		goto out;

	if (path[1] == '\0')
		node = router_has_ops(root) ? root : NULL;
	else
		node = router_walk(root, path + 1, &w);
	if (node == NULL)
		goto out;

	if ((unsigned)method < HTTP_METHOD_COUNT) {
		op = node->ops[method];
		/* HEAD is GET without the body (RFC 9110, 9.3.2). */
		if (op == NULL && method == HTTP_HEAD)
			op = node->ops[HTTP_GET];
	}

	m->node = node;
	m->op = op;
	m->nparams = w.nvalues;
	for (i = 0; i < w.nvalues; i++) {
		m->param_names[i] = op != NULL && i < op->nparams ?
		    op->params[i] : NULL;
		m->param_values[i] = arena_strndup(a, w.values[i].s,
		    w.values[i].len);
	}
	ret = 0;

out:
	return (ret);
}

/*
 * seg points at the start of a segment (just past a '/').  Returns the
 * node with operations that the rest of the path leads to, or NULL;
 * w->values holds the parameter segments of the matched branch.
 */
static const struct route_node *
router_walk(const struct route_node *node, const char *seg,
    struct router_walk *w)
{
	const struct route_edge	*edge;
	const struct route_node	*found;
	struct router_seg	 key;
	const char		*next;
	size_t			 i, saved;

	key.s = seg;
	key.len = strcspn(seg, "/");
	if (key.len == 0) {
		/* After a trailing slash: only the empty edge. */
		if (seg[0] != '\0' || node->nchildren == 0 ||
		    node->children[0].segment[0] != '\0')
			return (NULL);
		return (router_descend(node->children[0].node, NULL, w));
	}

	/* next: start of the following segment, or NULL at the end. */
	if (seg[key.len] == '/')
		next = seg + key.len + 1;
	else
		next = NULL;

	if (node->nchildren > 0) {
		edge = bsearch(&key, node->children, node->nchildren,
		    sizeof(*node->children), router_edge_cmp);
		if (edge != NULL &&
		    (found = router_descend(edge->node, next, w)) != NULL)
			return (found);
	}

	/* Then the segments mixing literals and parameters, in order. */
	for (i = 0; i < node->npatterns; i++) {
		saved = w->nvalues;
		if (router_pattern(&node->patterns[i], key, w) == 0 &&
		    (found = router_descend(node->patterns[i].node, next,
		    w)) != NULL)
			return (found);
		w->nvalues = saved;
	}

	if (node->param == NULL || w->nvalues == ROUTER_MAX_PARAMS)
		return (NULL);

	w->values[w->nvalues++] = key;
	if ((found = router_descend(node->param, next, w)) == NULL)
		w->nvalues--;
	return (found);
}

/* The rest of the path below node; next is NULL after the last segment. */
static const struct route_node *
router_descend(const struct route_node *node, const char *next,
    struct router_walk *w)
{
	if (next == NULL)
		return (router_has_ops(node) ? node : NULL);
	return (router_walk(node, next, w));
}

/* 0 when the segment fits the pattern (values recorded), -1 otherwise. */
static int
router_pattern(const struct route_pattern *p, struct router_seg key,
    struct router_walk *w)
{
	const char	*s = key.s, *end = key.s + key.len, *lit, *at;
	size_t		 i, n;

	n = strlen(p->lits[0]);
	if ((size_t)(end - s) < n || memcmp(s, p->lits[0], n) != 0)
		return (-1);
	s += n;
	for (i = 0; i < p->nparams; i++) {
		if (w->nvalues == ROUTER_MAX_PARAMS)
			return (-1);
		lit = p->lits[i + 1];
		n = strlen(lit);
		if (i + 1 == p->nparams) {
			/* The last literal ends the segment. */
			if ((size_t)(end - s) < n + 1 ||
			    memcmp(end - n, lit, n) != 0)
				return (-1);
			at = end - n;
		} else {
			/* The first occurrence after at least one char. */
			for (at = s + 1; at + n <= end; at++)
				if (memcmp(at, lit, n) == 0)
					break;
			if (at + n > end)
				return (-1);
		}
		w->values[w->nvalues].s = s;
		w->values[w->nvalues].len = (size_t)(at - s);
		w->nvalues++;
		s = at + n;
	}
	return (s == end ? 0 : -1);
}

static int
router_edge_cmp(const void *k, const void *e)
{
	const struct router_seg		*key = k;
	const struct route_edge		*edge = e;
	int				 c;

	/* Stops at the edge's NUL if it is shorter than the segment. */
	if ((c = strncmp(key->s, edge->segment, key->len)) != 0)
		return (c);
	/* Equal prefix: the segment is smaller unless the edge ends too. */
	return (edge->segment[key->len] == '\0' ? 0 : -1);
}

static int
router_has_ops(const struct route_node *node)
{
	size_t	i;

	for (i = 0; i < HTTP_METHOD_COUNT; i++) {
		if (node->ops[i] != NULL)
			return (1);
	}
	return (0);
}
