/*
 * ref.c - local $ref resolution.
 *
 * Every mapping with a "$ref" key, anywhere in the document, gets its
 * target in node->ref; checks that follow references use ytree_deref().
 * Only same-document references are supported: the generated server
 * embeds the one spec file, so an external reference could not be
 * served.  A reference is a JSON pointer (RFC 6901, written as a URI
 * fragment so percent-encoded) or an $anchor name, read (RFC 3986)
 * against the base URI of its place: the document, or the nearest
 * schema whose $id names it (3.1); enum, const, default and example
 * values are data, never references (nor $ids: Box's examples hold
 * "$id" fields).  Nothing is expanded, so a schema that
 * contains itself through its properties is fine; a chain of $refs that
 * comes back to itself without reaching anything else is an error, and
 * is cut so that ytree_deref() always ends.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codegen.h"

#define REF_SEEN	0x01	/* walked */
#define REF_CHAIN	0x02	/* on the chain being followed */
#define REF_DONE	0x04	/* chain followed, ends */
#define REF_NAMES	0x08	/* a mapping of names (properties): its
				 * "$ref" key is a name, not a reference */
#define REF_RESP	0x10	/* an operation's responses: "default" is
				 * a response, not a value */

/* Keys whose values are data, never resolved: a {"$ref": ...} in an
 * enum is a value to compare with. */
static const char *const ref_data[] = { "enum", "const", "default",
    "example", NULL };
/* Keys whose values map names to schemas. */
static const char *const ref_names[] = { "properties", "patternProperties",
    "$defs", "definitions", "dependentSchemas", NULL };

/* The files of a multi-file document: index 0 is the spec. */
struct ref_files {
	const char		 *dir;		/* the spec's directory */
	char			**paths;	/* as opened */
	struct ytree_node	**roots;
	size_t			  n;
	struct hmap		 *bypath;	/* path -> index + 1 */
	struct ref_list		 *stack;	/* the walk, for new files */
};

struct ref_list {
	struct ytree_node	**v;
	const char		**base;		/* the walk's: base URIs */
	size_t			  n;
	size_t			  cap;
};

/* A URI reference, split (RFC 3986 section 3); NULL: absent. */
struct ref_uri {
	const char	*scheme;
	const char	*auth;
	const char	*path;		/* never NULL */
	const char	*query;
	const char	*frag;
};

static void	ref_push(struct ref_list *, struct ytree_node *);
static void	ref_pushb(struct ref_list *, struct ytree_node *,
		    const char *);
static void	ref_split(struct arena *, const char *, struct ref_uri *);
static char	*ref_dots(struct arena *, const char *);
static char	*ref_join(struct arena *, const char *, const char *);
static void	ref_register(struct hmap *, struct arena *,
		    struct ytree_node *, const char *, const char **);
static int	ref_in(const struct ytree_node *, const char *const *);
static void	ref_one(struct ytree *, struct hmap *, struct ref_files *,
		    struct ytree_node *, struct ytree_node *, const char *);
static void	ref_inline(struct ytree_node *);
static char	*ref_normpath(struct arena *, const char *);
static struct ytree_node *ref_file(struct ytree *, struct ref_files *,
		    const struct ytree_node *, const char *);
static void	ref_walk(struct ytree *, struct hmap *, struct ref_list *,
		    struct ref_list *);
static char	*ref_decode(const char *, size_t *);
static void	ref_loops(struct ref_list *);
static void	ref_loopmsg(const struct ref_list *, const struct ytree_node *,
		    const struct ytree_node *);

static void
ref_push(struct ref_list *l, struct ytree_node *n)
{
	ref_pushb(l, n, "");
}

static void
ref_pushb(struct ref_list *l, struct ytree_node *n, const char *base)
{
	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 64 : l->cap * 2;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
		l->base = xreallocarray(l->base, l->cap, sizeof(*l->base));
	}
	l->base[l->n] = base;
	l->v[l->n++] = n;
}

/* Splits a URI reference into its parts (arena copies). */
static void
ref_split(struct arena *a, const char *s, struct ref_uri *u)
{
	const char	*p, *e;

	memset(u, 0, sizeof(*u));
	for (p = s; (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
	    (p > s && ((*p >= '0' && *p <= '9') || *p == '+' || *p == '-' ||
	    *p == '.')); p++)
		;
	if (p > s && *p == ':') {
		u->scheme = arena_strndup(a, s, (size_t)(p - s));
		s = p + 1;
	}
	if (s[0] == '/' && s[1] == '/') {
		e = s + 2 + strcspn(s + 2, "/?#");
		u->auth = arena_strndup(a, s + 2, (size_t)(e - s - 2));
		s = e;
	}
	e = s + strcspn(s, "?#");
	u->path = arena_strndup(a, s, (size_t)(e - s));
	s = e;
	if (*s == '?') {
		e = s + 1 + strcspn(s + 1, "#");
		u->query = arena_strndup(a, s + 1, (size_t)(e - s - 1));
		s = e;
	}
	if (*s == '#')
		u->frag = arena_strdup(a, s + 1);
}

/* RFC 3986 5.2.4: remove_dot_segments. */
static char *
ref_dots(struct arena *a, const char *in)
{
	char	*out, *o;
	size_t	 n;

	out = arena_alloc(a, strlen(in) + 1);
	o = out;
	while (*in != '\0') {
		if (strncmp(in, "../", 3) == 0)
			in += 3;
		else if (strncmp(in, "./", 2) == 0)
			in += 2;
		else if (strncmp(in, "/./", 3) == 0)
			in += 2;
		else if (strcmp(in, "/.") == 0)
			in = "/";
		else if (strncmp(in, "/../", 4) == 0 || strcmp(in, "/..") == 0) {
			in = in[3] == '\0' ? "/" : in + 3;
			while (o > out && *--o != '/')
				;
		} else if (strcmp(in, ".") == 0 || strcmp(in, "..") == 0)
			in += strlen(in);
		else {
			n = 1 + strcspn(in + 1, "/");
			memcpy(o, in, n);
			o += n;
			in += n;
		}
	}
	*o = '\0';
	return out;
}

/* RFC 3986 5.2.2: reference r resolved against base b, without the
 * fragment ("" is this document). */
static char *
ref_join(struct arena *a, const char *b, const char *r)
{
	struct ref_uri	 B, R, T;
	const char	*slash;

	ref_split(a, b, &B);
	ref_split(a, r, &R);
	memset(&T, 0, sizeof(T));
	if (R.scheme != NULL) {
		T = R;
		T.path = ref_dots(a, R.path);
	} else {
		T.scheme = B.scheme;
		if (R.auth != NULL) {
			T.auth = R.auth;
			T.path = ref_dots(a, R.path);
			T.query = R.query;
		} else {
			T.auth = B.auth;
			if (R.path[0] == '\0') {
				T.path = B.path;
				T.query = R.query != NULL ? R.query : B.query;
			} else {
				if (R.path[0] == '/')
					T.path = R.path;
				else if (B.auth != NULL && B.path[0] == '\0')
					T.path = arena_sprintf(a, "/%s", R.path);
				else if ((slash = strrchr(B.path, '/')) != NULL)
					T.path = arena_sprintf(a, "%.*s%s",
					    (int)(slash - B.path + 1), B.path,
					    R.path);
				else
					T.path = R.path;
				T.path = ref_dots(a, T.path);
				T.query = R.query;
			}
		}
	}
	return arena_sprintf(a, "%s%s%s%s%s%s%s", T.scheme != NULL ? T.scheme :
	    "", T.scheme != NULL ? ":" : "", T.auth != NULL ? "//" : "",
	    T.auth != NULL ? T.auth : "", T.path, T.query != NULL ? "?" : "",
	    T.query != NULL ? T.query : "");
}

/*
 * A schema's $id and $anchor (3.1): the URIs that name it, from the base
 * it is read in; *base becomes its own.
 */
static void
ref_register(struct hmap *names, struct arena *a, struct ytree_node *n,
    const char *base, const char **nbase)
{
	struct ytree_node	*id, *anchor;
	struct ref_uri		 u;
	const char		*key;

	*nbase = base;
	if ((id = ytree_get(n, "$id")) != NULL) {
		if (!ytree_isstr(id)) {
			diag_error(id, "$id must be a string");
			return;
		}
		ref_split(a, id->str, &u);
		if (u.frag != NULL && u.frag[0] != '\0') {
			diag_error(id, "$id '%s' has a fragment (use $anchor)",
			    id->str);
			return;
		}
		*nbase = ref_join(a, base, id->str);
		if (hmap_insert(names, *nbase, strlen(*nbase), n) != NULL &&
		    hmap_get(names, *nbase, strlen(*nbase)) != n)
			diag_error(id, "$id '%s' names two schemas", *nbase);
	}
	/* A $dynamicAnchor is a plain anchor to a $ref too (the generator
	 * refuses $dynamicRef elsewhere). */
	if ((anchor = ytree_get(n, "$anchor")) != NULL ||
	    (anchor = ytree_get(n, "$dynamicAnchor")) != NULL) {
		if (!ytree_isstr(anchor) || strchr(anchor->str, '#') != NULL) {
			diag_error(anchor, "$anchor must be a plain name");
			return;
		}
		key = arena_sprintf(a, "%s#%s", *nbase, anchor->str);
		if (hmap_insert(names, key, strlen(key), n) != NULL &&
		    hmap_get(names, key, strlen(key)) != n)
			diag_error(anchor, "$anchor '%s' names two schemas",
			    anchor->str);
	}
}

static int
ref_in(const struct ytree_node *k, const char *const *set)
{
	size_t	i;

	if (k->kind != YTREE_SCALAR)
		return 0;
	for (i = 0; set[i] != NULL; i++)
		if (strcmp(k->str, set[i]) == 0)
			return 1;
	return 0;
}

void
ref_resolve(struct ytree *t)
{
	struct ref_list		 stack = { NULL, NULL, 0, 0 };
	struct ref_list		 pending = { NULL, NULL, 0, 0 };
	struct ref_list		 refs = { NULL, NULL, 0, 0 };
	struct ref_files	 files;
	struct hmap		*names;
	struct ytree_node	*n, *v;
	const char		*slash;
	size_t			 i;

	if (t->root == NULL)
		return;
	names = hmap_new();
	memset(&files, 0, sizeof(files));
	files.bypath = hmap_new();
	files.stack = &stack;
	files.roots = xreallocarray(NULL, 1, sizeof(*files.roots));
	files.paths = xreallocarray(NULL, 1, sizeof(*files.paths));
	files.roots[0] = t->root;
	files.paths[0] = xstrdup(t->path != NULL ? t->path : "");
	files.n = 1;
	if (t->path != NULL) {
		slash = strrchr(t->path, '/');
		files.dir = slash != NULL ? arena_strndup(t->pool, t->path,
		    (size_t)(slash - t->path + 1)) : "";
		hmap_insert(files.bypath, files.paths[0],
		    strlen(files.paths[0]), (void *)(uintptr_t)1);
	}

	t->root->mark |= REF_SEEN;
	ref_pushb(&stack, t->root, "");
	/*
	 * Walk, then resolve what the walk found; a reference into another
	 * file adds that file to the walk, and its references are resolved
	 * in the next round.
	 */
	for (i = 0; stack.n > 0 || i < pending.n;) {
		ref_walk(t, names, &stack, &pending);
		for (; i < pending.n && stack.n == 0; i++) {
			n = pending.v[i];
			v = ytree_get(n, "$ref");
			ref_one(t, names, &files, n, v, pending.base[i]);
			if (n->ref != NULL && (n->mark & REF_NAMES))
				ref_inline(n);
			else if (n->ref != NULL)
				ref_push(&refs, n);
		}
	}
	ref_loops(&refs);
	t->nfiles = files.n;
	hmap_free(names);
	hmap_free(files.bypath);
	for (i = 0; i < files.n; i++)
		free(files.paths[i]);
	free(files.paths);
	free(files.roots);
	free(stack.v);
	free(stack.base);
	free(pending.v);
	free(pending.base);
	free(refs.v);
	free(refs.base);
}

/*
 * A mapping of names given by reference becomes its target's names, so
 * that every reader of "properties" sees them (the pairs are shared).
 */
static void
ref_inline(struct ytree_node *n)
{
	struct ytree_node	*to = ytree_deref(n);

	if (to == NULL || to->kind != YTREE_MAP) {
		diag_error(n, "this $ref must name a mapping of names, not %s",
		    to != NULL ? ytree_what(to) : "nothing");
		n->ref = NULL;
		return;
	}
	n->pairs = to->pairs;
	n->n = to->n;
	n->index = to->index;
	n->mask = to->mask;
	n->ref = NULL;
}

/*
 * Depth-first in document order with an explicit stack; marks make each
 * node (aliases share nodes) walked once.  A schema's $id changes the
 * base URI its $refs are read against, so the $refs wait (in pending)
 * until every $id and $anchor is known.
 */
static void
ref_walk(struct ytree *t, struct hmap *names, struct ref_list *stack,
    struct ref_list *pending)
{
	struct ytree_node	*n, *c;
	const char		*base;
	size_t			 i;

	while (stack->n > 0) {
		n = stack->v[--stack->n];
		base = stack->base[stack->n];
		if (n->kind == YTREE_MAP) {
			if (!(n->mark & REF_NAMES)) {
				ref_register(names, t->pool, n, base, &base);
				if (ytree_get(n, "$ref") != NULL)
					ref_pushb(pending, n, base);
			} else if (n->n == 1 &&
			    ytree_isstr(ytree_get(n, "$ref"))) {
				/* properties: {$ref: "file#/props"}: the
				 * whole mapping by reference (a property
				 * named $ref has a schema, not a string). */
				ref_pushb(pending, n, base);
			}
			for (i = n->n; i > 0; i--) {
				c = n->pairs[i - 1].value;
				if (ref_in(n->pairs[i - 1].key, ref_data) &&
				    !(n->mark & (REF_NAMES | REF_RESP)))
					continue;
				if (!(c->mark & REF_SEEN)) {
					c->mark |= REF_SEEN;
					if (ytree_isstr(n->pairs[i - 1].key) &&
					    strcmp(n->pairs[i - 1].key->str,
					    "responses") == 0)
						c->mark |= REF_RESP;
					if (!(n->mark & REF_NAMES) &&
					    ref_in(n->pairs[i - 1].key,
					    ref_names))
						c->mark |= REF_NAMES;
					ref_pushb(stack, c, base);
				}
			}
		} else if (n->kind == YTREE_SEQ) {
			for (i = n->n; i > 0; i--) {
				c = n->items[i - 1];
				if (!(c->mark & REF_SEEN)) {
					c->mark |= REF_SEEN;
					ref_pushb(stack, c, base);
				}
			}
		}
	}
}

/* A file path without "." and "dir/.." segments ("../" that climbs
 * above the start is kept), so that each file is read once. */
static char *
ref_normpath(struct arena *a, const char *in)
{
	char	*out, *seg, *o;
	size_t	 len, keep = 0;

	out = arena_alloc(a, strlen(in) + 1);
	o = out;
	if (*in == '/')
		*o++ = *in++;
	keep = (size_t)(o - out);	/* what ".." may not remove */
	while (*in != '\0') {
		len = strcspn(in, "/");
		seg = (char *)in;
		in += len + (in[len] == '/');
		if ((len == 1 && seg[0] == '.') || len == 0)
			continue;
		if (len == 2 && seg[0] == '.' && seg[1] == '.' &&
		    (size_t)(o - out) > keep) {
			/* Drop the last segment (and its '/'). */
			o--;
			while (o > out + keep && o[-1] != '/')
				o--;
			continue;
		}
		memcpy(o, seg, len);
		o += len;
		if (len == 2 && seg[0] == '.' && seg[1] == '.')
			keep = (size_t)(o - out) + 1;
		*o++ = '/';
	}
	if (o > out + (out[0] == '/') && o[-1] == '/')
		o--;
	*o = '\0';
	return out;
}

/*
 * The root of the file a relative reference names, read from the
 * directory of the file that holds the reference (the first time: parsed
 * into the tree and added to the walk), or NULL after an error.
 */
static struct ytree_node *
ref_file(struct ytree *t, struct ref_files *f, const struct ytree_node *at,
    const char *rel)
{
	struct ytree_node	*root;
	const char		*from, *slash;
	char			*path, *data;
	void			*got;
	size_t			 len, idx;

	from = (size_t)at->file < f->n ? f->paths[at->file] : "";
	slash = strrchr(from, '/');
	path = rel[0] == '/' ? arena_strdup(t->pool, rel) :
	    arena_sprintf(t->pool, "%.*s%s", slash != NULL ?
	    (int)(slash - from + 1) : 0, from, rel);
	path = ref_normpath(t->pool, path);
	if ((got = hmap_get(f->bypath, path, strlen(path))) != NULL)
		return f->roots[(size_t)(uintptr_t)got - 1];
	if ((data = ytree_read(path, &len)) == NULL) {
		diag_error(at, "$ref '%s': cannot read %s: %s", at->str, path,
		    strerror(errno));
		return NULL;
	}
	idx = (size_t)diag_addfile(path);
	root = ytree_parse_file(t, data, len, (int)idx);
	free(data);
	f->roots = xreallocarray(f->roots, f->n + 1, sizeof(*f->roots));
	f->paths = xreallocarray(f->paths, f->n + 1, sizeof(*f->paths));
	f->roots[f->n] = root;
	f->paths[f->n] = xstrdup(path);
	f->n++;
	hmap_insert(f->bypath, f->paths[f->n - 1], strlen(path),
	    (void *)(uintptr_t)f->n);
	if (root != NULL && !(root->mark & REF_SEEN)) {
		root->mark |= REF_SEEN;
		ref_pushb(f->stack, root, "");
	}
	return root;
}

/*
 * The URI fragment percent-decoded into a new string (it may hold NULs:
 * *lenp is its length), or NULL when an escape is malformed.
 */
static char *
ref_decode(const char *s, size_t *lenp)
{
	static const char	 hex[] = "0123456789abcdef0123456789ABCDEF";
	const char		*h, *l;
	char			*d;
	size_t			 i, n;

	d = xmalloc(strlen(s) + 1);
	for (i = n = 0; s[i] != '\0'; i++) {
		if (s[i] != '%') {
			d[n++] = s[i];
			continue;
		}
		if (s[i + 1] == '\0' || s[i + 2] == '\0' ||
		    (h = strchr(hex, s[i + 1])) == NULL ||
		    (l = strchr(hex, s[i + 2])) == NULL) {
			free(d);
			return (NULL);
		}
		d[n++] = (char)((((h - hex) & 15) << 4) | ((l - hex) & 15));
		i += 2;
	}
	d[n] = '\0';
	*lenp = n;
	return (d);
}

/*
 * Resolves the $ref of mapping n, whose value is v, read against base:
 * a JSON pointer or an $anchor name in this document or in a schema its
 * $id names.
 */
static void
ref_one(struct ytree *t, struct hmap *names, struct ref_files *f,
    struct ytree_node *n, struct ytree_node *v, const char *base)
{
	struct ytree_node	*cur, *root;
	struct ref_uri		 u;
	const char		*uri;
	char			*ptr = NULL, *tok = NULL;
	size_t			 len, i, j, k, idx;

	if (!ytree_isstr(v)) {
		diag_error(v, "$ref must be a string, not %s", ytree_what(v));
		goto out;
	}
	ref_split(t->pool, v->str, &u);
	uri = ref_join(t->pool, base, v->str);
	/* '#...' is the document the reference is written in. */
	root = (size_t)n->file < f->n ? f->roots[n->file] : t->root;
	if (uri[0] != '\0' &&
	    (root = hmap_get(names, uri, strlen(uri))) == NULL) {
		/* A relative reference to another file (not under an
		 * $id, which would make it a URI to fetch). */
		if (base[0] == '\0' && u.scheme == NULL && u.auth == NULL &&
		    t->path != NULL) {
			if ((root = ref_file(t, f, v, u.path)) == NULL)
				goto out;
		} else {
			diag_error(v, "external $ref is not supported: '%s'",
			    v->str);
			goto out;
		}
	}
	if ((ptr = ref_decode(u.frag != NULL ? u.frag : "", &len)) == NULL) {
		diag_error(v, "malformed percent-encoding in $ref '%s'",
		    v->str);
		goto out;
	}
	if (len > 0 && ptr[0] != '/') {
		/* An $anchor's name. */
		const char	*key = arena_sprintf(t->pool, "%s#%s", uri, ptr);

		if ((cur = hmap_get(names, key, strlen(key))) == NULL) {
			diag_error(v, "$ref '%s': no $anchor '%s' %s", v->str,
			    ptr, uri[0] != '\0' ? "in that schema" :
			    "in this document");
			goto out;
		}
		n->ref = cur;
		goto out;
	}

	cur = root;
	tok = xmalloc(len + 1);
	for (i = 0; i < len && cur != NULL;) {
		/* One reference token, ~1 -> '/', ~0 -> '~'. */
		for (i++, k = 0; i < len && ptr[i] != '/'; i++) {
			if (ptr[i] != '~') {
				tok[k++] = ptr[i];
				continue;
			}
			if (i + 1 >= len || (ptr[i + 1] != '0' &&
			    ptr[i + 1] != '1')) {
				diag_error(v, "bad '~' escape in $ref '%s' "
				    "(want ~0 or ~1)", v->str);
				goto out;
			}
			tok[k++] = ptr[++i] == '0' ? '~' : '/';
		}
		if (cur->kind == YTREE_MAP)
			cur = ytree_getn(cur, tok, k);
		else if (cur->kind == YTREE_SEQ) {
			/* An array index: digits, no leading zero. */
			idx = 0;
			for (j = 0; j < k; j++) {
				if (tok[j] < '0' || tok[j] > '9' ||
				    (j == 0 && tok[j] == '0' && k > 1) ||
				    idx > cur->n)
					break;
				idx = idx * 10 + (size_t)(tok[j] - '0');
			}
			cur = (k > 0 && j == k && idx < cur->n) ?
			    cur->items[idx] : NULL;
		} else
			cur = NULL;
	}
	if (cur == NULL && strncmp(v->str, "#/$defs/", 8) == 0) {
		/* JSON Schema habit: '#' is the document, not the schema. */
		diag_error(v, "$ref target not found: '%s' ('#' is the "
		    "OpenAPI document's root: '#/components/schemas/NAME/"
		    "$defs/...' names a component's $defs)", v->str);
		goto out;
	}
	if (cur == NULL) {
		diag_error(v, "$ref target not found: '%s'", v->str);
		goto out;
	}
	n->ref = cur;
out:
	free(tok);
	free(ptr);
}

/* "$ref loop: '#/A' -> '#/B' -> '#/A'", at the $ref that closes it. */
static void
ref_loopmsg(const struct ref_list *chain, const struct ytree_node *x,
    const struct ytree_node *last)
{
	struct buf	b;
	size_t		i, shown = 0;

	buf_init(&b);
	buf_printf(&b, "'%s'", ytree_get(last, "$ref")->str);
	for (i = 0; i < chain->n && chain->v[i] != x; i++)
		;
	for (; i < chain->n; i++) {
		if (++shown > 8) {
			buf_puts(&b, " -> ...");
			break;
		}
		buf_printf(&b, " -> '%s'", ytree_get(chain->v[i], "$ref")->str);
	}
	diag_error(ytree_get(last, "$ref"), "$ref loop: %s (only $refs, "
	    "never a value)", b.data);
	buf_free(&b);
}

/*
 * Follows each chain of $ref mappings.  A chain that meets itself never
 * reaches a real object: report it where it closes, at the $ref that
 * points back into the chain, and cut that link.
 */
static void
ref_loops(struct ref_list *refs)
{
	struct ref_list		 chain = { NULL, NULL, 0, 0 };
	struct ytree_node	*x, *last;
	size_t			 i, j;

	for (i = 0; i < refs->n; i++) {
		chain.n = 0;
		for (x = refs->v[i]; x != NULL && x->ref != NULL &&
		    !(x->mark & (REF_DONE | REF_CHAIN)); x = x->ref) {
			x->mark |= REF_CHAIN;
			ref_push(&chain, x);
		}
		if (x != NULL && (x->mark & REF_CHAIN)) {
			last = chain.v[chain.n - 1];
			ref_loopmsg(&chain, x, last);
			last->ref = NULL;
		}
		for (j = 0; j < chain.n; j++) {
			chain.v[j]->mark &= ~REF_CHAIN;
			chain.v[j]->mark |= REF_DONE;
		}
	}
	free(chain.v);
	free(chain.base);
}
