/*
 * ref.c - local $ref resolution.
 *
 * Every mapping with a "$ref" key, anywhere in the document, gets its
 * target in node->ref; checks that follow references use ytree_deref().
 * Only same-document references ("#/json/pointer", RFC 6901, written as
 * a URI fragment so percent-encoded) are supported: the generated server
 * embeds the one spec file, so an external reference could not be
 * served.  Nothing is expanded, so a schema that contains itself through
 * its properties is fine; a chain of $refs that comes back to itself
 * without reaching anything else is an error, and is cut so that
 * ytree_deref() always ends.
 */
#include <stdlib.h>
#include <string.h>

#include "codegen.h"

#define REF_SEEN	0x01	/* walked */
#define REF_CHAIN	0x02	/* on the chain being followed */
#define REF_DONE	0x04	/* chain followed, ends */
#define REF_NAMES	0x08	/* a mapping of names (properties): its
				 * "$ref" key is a name, not a reference */

/* Keys whose values are data, never resolved: a {"$ref": ...} in an
 * enum is a value to compare with. */
static const char *const ref_data[] = { "enum", "const", "default", NULL };
/* Keys whose values map names to schemas. */
static const char *const ref_names[] = { "properties", "patternProperties",
    "$defs", "definitions", "dependentSchemas", NULL };

struct ref_list {
	struct ytree_node	**v;
	size_t			  n;
	size_t			  cap;
};

static void	ref_push(struct ref_list *, struct ytree_node *);
static int	ref_in(const struct ytree_node *, const char *const *);
static void	ref_one(struct ytree *, struct ytree_node *,
		    struct ytree_node *);
static char	*ref_decode(const char *, size_t *);
static void	ref_loops(struct ref_list *);
static void	ref_loopmsg(const struct ref_list *, const struct ytree_node *,
		    const struct ytree_node *);

static void
ref_push(struct ref_list *l, struct ytree_node *n)
{
	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 64 : l->cap * 2;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n++] = n;
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
	struct ref_list		 stack = { NULL, 0, 0 }, refs = { NULL, 0, 0 };
	struct ytree_node	*n, *v, *c;
	size_t			 i;

	if (t->root == NULL)
		return;
	/* Depth-first in document order with an explicit stack; marks
	 * make each node (aliases share nodes) walked once. */
	t->root->mark |= REF_SEEN;
	ref_push(&stack, t->root);
	while (stack.n > 0) {
		n = stack.v[--stack.n];
		if (n->kind == YTREE_MAP) {
			if (!(n->mark & REF_NAMES) &&
			    (v = ytree_get(n, "$ref")) != NULL) {
				ref_one(t, n, v);
				if (n->ref != NULL)
					ref_push(&refs, n);
			}
			for (i = n->n; i > 0; i--) {
				c = n->pairs[i - 1].value;
				if (ref_in(n->pairs[i - 1].key, ref_data) &&
				    !(n->mark & REF_NAMES))
					continue;
				if (!(c->mark & REF_SEEN)) {
					c->mark |= REF_SEEN;
					if (!(n->mark & REF_NAMES) &&
					    ref_in(n->pairs[i - 1].key,
					    ref_names))
						c->mark |= REF_NAMES;
					ref_push(&stack, c);
				}
			}
		} else if (n->kind == YTREE_SEQ) {
			for (i = n->n; i > 0; i--) {
				c = n->items[i - 1];
				if (!(c->mark & REF_SEEN)) {
					c->mark |= REF_SEEN;
					ref_push(&stack, c);
				}
			}
		}
	}
	ref_loops(&refs);
	free(stack.v);
	free(refs.v);
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

/* Resolves the $ref of mapping n, whose value is v. */
static void
ref_one(struct ytree *t, struct ytree_node *n, struct ytree_node *v)
{
	struct ytree_node	*cur;
	char			*ptr = NULL, *tok = NULL;
	size_t			 len, i, j, k, idx;

	if (!ytree_isstr(v)) {
		diag_error(v, "$ref must be a string, not %s", ytree_what(v));
		goto out;
	}
	if (v->str[0] != '#') {
		diag_error(v, "external $ref is not supported: '%s'", v->str);
		goto out;
	}
	if ((ptr = ref_decode(v->str + 1, &len)) == NULL) {
		diag_error(v, "malformed percent-encoding in $ref '%s'",
		    v->str);
		goto out;
	}
	if (len > 0 && ptr[0] != '/') {
		diag_error(v, "$ref '%s' is not a JSON pointer (want '#/...')",
		    v->str);
		goto out;
	}

	cur = t->root;
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
	struct ref_list		 chain = { NULL, 0, 0 };
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
}
