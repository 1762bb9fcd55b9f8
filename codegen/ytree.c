/*
 * ytree.c - a YAML document into a ytree, with libyaml's event API.
 *
 * Events rather than libyaml's document API: we want our own node type
 * (positions, core-schema types, hash-indexed mappings) without a second
 * copy of the document, and an explicit stack of open collections so a
 * deeply nested document cannot exhaust the C stack.  Nesting beyond
 * CODEGEN_MAX_DEPTH is an error, which also bounds every later recursive
 * walk of the tree.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "codegen.h"

#define YTREE_TAG	"tag:yaml.org,2002:"
#define YTREE_SMALLMAP	8	/* mappings up to this size: linear search */

/* An open sequence or mapping; a mapping's v holds keys and values
 * alternately.  Frames (and their buffers) are reused across siblings. */
struct ytree_frame {
	struct ytree_node	 *node;
	const char		 *anchor;
	struct ytree_node	**v;
	size_t			  n;
	size_t			  cap;
};

struct ytree_parser {
	struct ytree		*t;
	const char		*data;
	size_t			 len;
	struct ytree_frame	*stack;
	size_t			 depth;
	size_t			 cap;
	struct hmap		*anchors;
	struct ytree_node	*doc;		/* the document's root */
	int			 file;		/* diag's index */
};

static struct ytree_node	*ytree_node_new(struct ytree_parser *,
				    enum ytree_kind, const yaml_mark_t *);
static int			 ytree_doc(struct ytree *, const char *, size_t,
				    int, struct ytree_node **);
static void			 ytree_add(struct ytree_parser *,
				    struct ytree_node *);
static void			 ytree_anchor(struct ytree_parser *,
				    const char *, struct ytree_node *);
static struct ytree_node	*ytree_scalar(struct ytree_parser *,
				    const yaml_event_t *);
static int			 ytree_push(struct ytree_parser *,
				    const yaml_event_t *, enum ytree_kind);
static void			 ytree_pop(struct ytree_parser *);
static void			 ytree_mapdone(struct ytree_parser *,
				    struct ytree_node *, struct ytree_node **,
				    size_t);
static struct ytree_pair	*ytree_find(const struct ytree_node *,
				    const char *, size_t);
static void			 ytree_yamlerror(struct ytree_parser *,
				    const yaml_parser_t *);
static int			 ytree_strin(const char *, size_t,
				    const char *const *);
static int			 ytree_alldigits(const char *, size_t,
				    const char *);

int
ytree_parse(struct ytree *t, const char *data, size_t len)
{
	memset(t, 0, sizeof(*t));
	t->pool = arena_new(65536);
	return ytree_doc(t, data, len, 0, &t->root);
}

struct ytree_node *
ytree_parse_file(struct ytree *t, const char *data, size_t len, int file)
{
	struct ytree_node	*root = NULL;

	if (ytree_doc(t, data, len, file, &root) == -1)
		return NULL;
	if (root == NULL) {
		/* An empty file is a null document. */
		root = arena_calloc(t->pool, 1, sizeof(*root));
		root->type = YTREE_NULL;
		root->str = "";
		root->line = root->col = 1;
		root->file = file;
	}
	return root;
}

/* One YAML document of file into *rootp (NULL: empty). */
static int
ytree_doc(struct ytree *t, const char *data, size_t len, int file,
    struct ytree_node **rootp)
{
	struct ytree_parser	 yp;
	yaml_parser_t		 parser;
	yaml_event_t		 ev;
	struct ytree_node	*n;
	size_t			 i;
	int			 ndocs = 0, done = 0, rc = -1;

	memset(&yp, 0, sizeof(yp));
	yp.t = t;
	yp.file = file;
	diag_setfile(file);
	yp.data = data;
	yp.len = len;
	yp.anchors = hmap_new();

	if (!yaml_parser_initialize(&parser))
		fatal("yaml_parser_initialize failed");
	yaml_parser_set_input_string(&parser, (const unsigned char *)data,
	    len);

	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			ytree_yamlerror(&yp, &parser);
			goto out;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++ndocs > 1) {
				diag_errorat((int)ev.start_mark.line + 1,
				    (int)ev.start_mark.column + 1,
				    "a second YAML document: the spec must be "
				    "one document");
				yaml_event_delete(&ev);
				goto out;
			}
			break;
		case YAML_ALIAS_EVENT:
			n = hmap_get(yp.anchors,
			    (const char *)ev.data.alias.anchor,
			    strlen((const char *)ev.data.alias.anchor));
			if (n == NULL) {
				/* Anchors are registered when their node is
				 * complete, so a recursive alias lands here
				 * too and the tree never has a cycle. */
				diag_errorat((int)ev.start_mark.line + 1,
				    (int)ev.start_mark.column + 1,
				    "alias *%s refers to no complete anchor",
				    (const char *)ev.data.alias.anchor);
				n = ytree_node_new(&yp, YTREE_SCALAR,
				    &ev.start_mark);
				n->type = YTREE_NULL;
				n->str = "";
			}
			ytree_add(&yp, n);
			break;
		case YAML_SCALAR_EVENT:
			n = ytree_scalar(&yp, &ev);
			if (ev.data.scalar.anchor != NULL)
				ytree_anchor(&yp,
				    (const char *)ev.data.scalar.anchor, n);
			ytree_add(&yp, n);
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (ytree_push(&yp, &ev,
			    ev.type == YAML_MAPPING_START_EVENT ?
			    YTREE_MAP : YTREE_SEQ) == -1) {
				yaml_event_delete(&ev);
				goto out;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			ytree_pop(&yp);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	*rootp = yp.doc;
	rc = 0;
out:
	diag_setfile(0);
	for (i = 0; i < yp.cap; i++)
		free(yp.stack[i].v);
	free(yp.stack);
	hmap_free(yp.anchors);
	yaml_parser_delete(&parser);
	return (rc);
}

void
ytree_cleanup(struct ytree *t)
{
	arena_free(t->pool);
	memset(t, 0, sizeof(*t));
}

static struct ytree_node *
ytree_node_new(struct ytree_parser *yp, enum ytree_kind kind,
    const yaml_mark_t *mark)
{
	struct ytree_node	*n;

	n = arena_calloc(yp->t->pool, 1, sizeof(*n));
	n->kind = kind;
	n->line = mark->line >= INT_MAX ? INT_MAX : (int)mark->line + 1;
	n->col = mark->column >= INT_MAX ? INT_MAX : (int)mark->column + 1;
	n->file = yp->file;
	yp->t->nnodes++;
	return (n);
}

static void
ytree_add(struct ytree_parser *yp, struct ytree_node *n)
{
	struct ytree_frame	*f;

	if (yp->depth == 0) {
		yp->doc = n;
		return;
	}
	f = &yp->stack[yp->depth - 1];
	if (f->n == f->cap) {
		f->cap = f->cap == 0 ? 16 : f->cap * 2;
		f->v = xreallocarray(f->v, f->cap, sizeof(*f->v));
	}
	f->v[f->n++] = n;
}

/* A later anchor of the same name replaces the earlier one (YAML 1.2). */
static void
ytree_anchor(struct ytree_parser *yp, const char *name, struct ytree_node *n)
{
	char	*key;

	key = arena_strdup(yp->t->pool, name);
	hmap_set(yp->anchors, key, strlen(key), n);
}

/*
 * Typing by the YAML 1.2 core schema: a plain scalar without a tag is
 * resolved by its text, a quoted one is a string, and the core tags
 * (!!str, !!int, ...) force their type.
 */
static struct ytree_node *
ytree_scalar(struct ytree_parser *yp, const yaml_event_t *ev)
{
	static const char *const types[] = { "str", "null", "bool", "int",
	    "float", NULL };
	struct ytree_node	*n;
	const char		*tag = (const char *)ev->data.scalar.tag;
	enum ytree_type		 want;
	int			 i;

	n = ytree_node_new(yp, YTREE_SCALAR, &ev->start_mark);
	/* A scalar may hold NULs ("\0" escapes): copy all len bytes, not
	 * up to the first NUL, so str[0..len) is always readable. */
	n->len = ev->data.scalar.length;
	{
		char	*copy;

		copy = arena_alloc(yp->t->pool, n->len + 1);
		memcpy(copy, ev->data.scalar.value, n->len);
		copy[n->len] = '\0';
		n->str = copy;
	}

	n->quoted = tag != NULL ||
	    ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
	if (tag == NULL) {
		n->type = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ?
		    ytree_resolve(n->str, n->len) : YTREE_STR;
		return (n);
	}
	n->type = YTREE_STR;
	if (strncmp(tag, YTREE_TAG, strlen(YTREE_TAG)) != 0)
		return (n);
	i = ytree_strin(tag + strlen(YTREE_TAG),
	    strlen(tag + strlen(YTREE_TAG)), types);
	if (i <= 0)
		return (n);
	want = (enum ytree_type)i;
	n->type = ytree_resolve(n->str, n->len);
	if (n->type == YTREE_INT && want == YTREE_FLOAT)
		n->type = YTREE_FLOAT;
	if (n->type != want) {
		diag_error(n, "'%s' is not a valid !!%s", n->str, types[i]);
		n->type = YTREE_STR;
	}
	return (n);
}

static int
ytree_push(struct ytree_parser *yp, const yaml_event_t *ev,
    enum ytree_kind kind)
{
	struct ytree_frame	*f;
	const char		*anchor;

	if (yp->depth >= CODEGEN_MAX_DEPTH) {
		diag_errorat((int)ev->start_mark.line + 1,
		    (int)ev->start_mark.column + 1,
		    "the document is nested deeper than %d levels",
		    CODEGEN_MAX_DEPTH);
		return (-1);
	}
	if (yp->depth == yp->cap) {
		yp->stack = xreallocarray(yp->stack, yp->cap + 16,
		    sizeof(*yp->stack));
		memset(yp->stack + yp->cap, 0, 16 * sizeof(*yp->stack));
		yp->cap += 16;
	}
	anchor = (const char *)(kind == YTREE_MAP ?
	    ev->data.mapping_start.anchor : ev->data.sequence_start.anchor);
	f = &yp->stack[yp->depth++];
	f->node = ytree_node_new(yp, kind, &ev->start_mark);
	f->anchor = anchor != NULL ? arena_strdup(yp->t->pool, anchor) : NULL;
	f->n = 0;
	return (0);
}

static void
ytree_pop(struct ytree_parser *yp)
{
	struct ytree_frame	*f;
	struct ytree_node	*n;

	f = &yp->stack[--yp->depth];
	n = f->node;
	if (n->kind == YTREE_SEQ) {
		n->n = f->n;
		n->items = arena_calloc(yp->t->pool, f->n, sizeof(*n->items));
		if (f->n > 0)
			memcpy(n->items, f->v, f->n * sizeof(*n->items));
	} else
		ytree_mapdone(yp, n, f->v, f->n);
	if (f->anchor != NULL)
		hmap_set(yp->anchors, f->anchor, strlen(f->anchor), n);
	ytree_add(yp, n);
}

/*
 * Builds the pairs of a mapping and checks its keys: scalars only, and
 * no duplicates (the JSON form could not hold both, and a spec that says
 * the same thing twice is a mistake).  Mappings above YTREE_SMALLMAP get
 * a hash index, built here, so that lookups in paths or schemas with
 * thousands of entries stay O(1).
 */
static void
ytree_mapdone(struct ytree_parser *yp, struct ytree_node *n,
    struct ytree_node **v, size_t nv)
{
	struct ytree_pair	*p, *q;
	size_t			 i, j, size;

	n->n = nv / 2;
	n->pairs = arena_calloc(yp->t->pool, n->n, sizeof(*n->pairs));
	for (i = 0; i < n->n; i++) {
		n->pairs[i].key = v[2 * i];
		n->pairs[i].value = v[2 * i + 1];
		if (v[2 * i]->kind != YTREE_SCALAR)
			diag_error(v[2 * i], "mapping keys must be scalars, "
			    "not %s", ytree_what(v[2 * i]));
	}

	if (n->n <= YTREE_SMALLMAP) {
		for (i = 0; i < n->n; i++) {
			p = &n->pairs[i];
			if (p->key->kind != YTREE_SCALAR)
				continue;
			for (j = 0; j < i; j++) {
				q = &n->pairs[j];
				if (q->key->kind == YTREE_SCALAR &&
				    q->key->len == p->key->len &&
				    memcmp(q->key->str, p->key->str,
				    p->key->len) == 0) {
					diag_error(p->key, "duplicate key '%s' "
					    "(first at %d:%d)", p->key->str,
					    q->key->line, q->key->col);
					break;
				}
			}
		}
		return;
	}

	for (size = 16; size < n->n * 2; size *= 2)
		;
	n->index = arena_calloc(yp->t->pool, size, sizeof(*n->index));
	n->mask = size - 1;
	for (i = 0; i < n->n; i++) {
		p = &n->pairs[i];
		if (p->key->kind != YTREE_SCALAR)
			continue;
		for (j = hmap_hash(p->key->str, p->key->len) & n->mask;;
		    j = (j + 1) & n->mask) {
			if (n->index[j] == 0) {
				n->index[j] = (uint32_t)i + 1;
				break;
			}
			q = &n->pairs[n->index[j] - 1];
			if (q->key->len == p->key->len &&
			    memcmp(q->key->str, p->key->str,
			    p->key->len) == 0) {
				diag_error(p->key, "duplicate key '%s' "
				    "(first at %d:%d)", p->key->str,
				    q->key->line, q->key->col);
				break;
			}
		}
	}
}

static void
ytree_yamlerror(struct ytree_parser *yp, const yaml_parser_t *p)
{
	size_t		 i, line, col, off;
	const char	*problem;

	if (p->error == YAML_MEMORY_ERROR)
		fatal("libyaml: out of memory");
	problem = p->problem != NULL ? p->problem : "unknown error";

	if (p->error == YAML_READER_ERROR) {
		/* Reader errors (bad UTF-8, control characters) carry a
		 * byte offset, not a mark. */
		off = p->problem_offset < yp->len ? p->problem_offset : yp->len;
		line = 1;
		col = 1;
		for (i = 0; i < off; i++) {
			if (yp->data[i] == '\n') {
				line++;
				col = 1;
			} else
				col++;
		}
		diag_errorat((int)line, (int)col, "YAML error: %s", problem);
		return;
	}
	line = p->problem_mark.line + 1;
	col = p->problem_mark.column + 1;
	if (p->context != NULL)
		diag_errorat((int)line, (int)col,
		    "YAML syntax error: %s (%s at %zu:%zu)", problem,
		    p->context, p->context_mark.line + 1,
		    p->context_mark.column + 1);
	else
		diag_errorat((int)line, (int)col, "YAML syntax error: %s",
		    problem);
}

static int
ytree_strin(const char *s, size_t len, const char *const *set)
{
	int	i;

	for (i = 0; set[i] != NULL; i++)
		if (strlen(set[i]) == len && memcmp(set[i], s, len) == 0)
			return (i);
	return (-1);
}

static int
ytree_alldigits(const char *s, size_t len, const char *digits)
{
	size_t	i;

	if (len == 0)
		return (0);
	for (i = 0; i < len; i++)
		if (s[i] == '\0' || strchr(digits, s[i]) == NULL)
			return (0);
	return (1);
}

/* The YAML 1.2 core schema's resolution of a plain scalar. */
enum ytree_type
ytree_resolve(const char *s, size_t len)
{
	static const char *const nulls[] = { "~", "null", "Null", "NULL",
	    NULL };
	static const char *const bools[] = { "true", "True", "TRUE",
	    "false", "False", "FALSE", NULL };
	static const char *const infs[] = { ".inf", ".Inf", ".INF", NULL };
	static const char *const nans[] = { ".nan", ".NaN", ".NAN", NULL };
	const char	*dec = "0123456789";
	size_t		 i, j, nd;

	if (len == 0 || ytree_strin(s, len, nulls) >= 0)
		return (YTREE_NULL);
	if (ytree_strin(s, len, bools) >= 0)
		return (YTREE_BOOL);
	if (len > 2 && s[0] == '0' && s[1] == 'o' &&
	    ytree_alldigits(s + 2, len - 2, "01234567"))
		return (YTREE_INT);
	if (len > 2 && s[0] == '0' && s[1] == 'x' &&
	    ytree_alldigits(s + 2, len - 2, "0123456789abcdefABCDEF"))
		return (YTREE_INT);
	if (ytree_strin(s, len, nans) >= 0)
		return (YTREE_FLOAT);

	i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
	if (ytree_alldigits(s + i, len - i, dec))
		return (YTREE_INT);
	if (ytree_strin(s + i, len - i, infs) >= 0)
		return (YTREE_FLOAT);

	/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
	for (j = i; j < len && s[j] >= '0' && s[j] <= '9'; j++)
		;
	nd = j - i;
	if (j < len && s[j] == '.') {
		for (j++; j < len && s[j] >= '0' && s[j] <= '9'; j++)
			nd++;
	}
	if (nd == 0)
		return (YTREE_STR);
	if (j < len && (s[j] == 'e' || s[j] == 'E')) {
		j++;
		if (j < len && (s[j] == '-' || s[j] == '+'))
			j++;
		if (j >= len || !ytree_alldigits(s + j, len - j, dec))
			return (YTREE_STR);
		j = len;
	}
	return (j == len ? YTREE_FLOAT : YTREE_STR);
}

static struct ytree_pair *
ytree_find(const struct ytree_node *n, const char *key, size_t len)
{
	struct ytree_pair	*p;
	size_t			 i;

	if (n == NULL || n->kind != YTREE_MAP)
		return (NULL);
	if (n->index != NULL) {
		for (i = hmap_hash(key, len) & n->mask; n->index[i] != 0;
		    i = (i + 1) & n->mask) {
			p = &n->pairs[n->index[i] - 1];
			if (p->key->len == len &&
			    memcmp(p->key->str, key, len) == 0)
				return (p);
		}
		return (NULL);
	}
	for (i = 0; i < n->n; i++) {
		p = &n->pairs[i];
		if (p->key->kind == YTREE_SCALAR && p->key->len == len &&
		    memcmp(p->key->str, key, len) == 0)
			return (p);
	}
	return (NULL);
}

struct ytree_node *
ytree_getn(const struct ytree_node *n, const char *key, size_t len)
{
	struct ytree_pair	*p;

	return ((p = ytree_find(n, key, len)) != NULL ? p->value : NULL);
}

struct ytree_node *
ytree_get(const struct ytree_node *n, const char *key)
{
	return (ytree_getn(n, key, strlen(key)));
}

struct ytree_node *
ytree_getkey(const struct ytree_node *n, const char *key)
{
	struct ytree_pair	*p;

	return ((p = ytree_find(n, key, strlen(key))) != NULL ? p->key : NULL);
}

/* ref.c breaks $ref loops, so the chain always ends. */
struct ytree_node *
ytree_deref(struct ytree_node *n)
{
	while (n != NULL && n->ref != NULL)
		n = n->ref;
	return (n);
}

int
ytree_isstr(const struct ytree_node *n)
{
	return (n != NULL && n->kind == YTREE_SCALAR && n->type == YTREE_STR);
}

int
ytree_bool(const struct ytree_node *n, int *v)
{
	if (n == NULL || n->kind != YTREE_SCALAR || n->type != YTREE_BOOL)
		return (-1);
	*v = n->str[0] == 't' || n->str[0] == 'T';
	return (0);
}

int
ytree_int(const struct ytree_node *n, long long *v)
{
	const char	*s;
	char		*end;
	int		 neg = 0, base = 10;
	unsigned long long u;

	if (n == NULL || n->kind != YTREE_SCALAR || n->type != YTREE_INT)
		return (-1);
	s = n->str;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'x')) {
		base = s[1] == 'o' ? 8 : 16;
		s += 2;
	}
	errno = 0;
	u = strtoull(s, &end, base);
	if (errno != 0 || *end != '\0')
		return (-1);
	if (neg) {
		if (u > (unsigned long long)LLONG_MAX + 1)
			return (-1);
		*v = u == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN :
		    -(long long)u;
	} else {
		if (u > LLONG_MAX)
			return (-1);
		*v = (long long)u;
	}
	return (0);
}

const char *
ytree_what(const struct ytree_node *n)
{
	if (n == NULL)
		return ("nothing");
	switch (n->kind) {
	case YTREE_SEQ:
		return ("a sequence");
	case YTREE_MAP:
		return ("a mapping");
	case YTREE_SCALAR:
		break;
	}
	switch (n->type) {
	case YTREE_NULL:
		return ("null");
	case YTREE_BOOL:
		return ("a boolean");
	case YTREE_INT:
		return ("an integer");
	case YTREE_FLOAT:
		return ("a number");
	case YTREE_STR:
		break;
	}
	return ("a string");
}

/* The whole file, NUL-terminated (free it), or NULL with errno set. */
char *
ytree_read(const char *path, size_t *lenp)
{
	struct stat	 st;
	char		*data = NULL;
	size_t		 len = 0, cap;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (NULL);
	cap = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ?
	    (size_t)st.st_size + 1 : 65536;
	data = xmalloc(cap);
	for (;;) {
		if (len + 1 >= cap)
			data = xreallocarray(data, cap *= 2, 1);
		n = read(fd, data + len, cap - len - 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			free(data);
			close(fd);
			return (NULL);
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	data[len] = '\0';
	*lenp = len;
	return (data);
}
