/*
 * tojson.c - the YAML document as compact JSON, for /openapi.json.
 *
 * The server serves the spec it was generated from in both forms, so the
 * JSON is built once here, at generation time.  Scalars are typed by the
 * YAML 1.2 core schema (ytree did that), keys keep document order, and
 * $refs within the spec's file stay as written.  Aliases are expanded,
 * which is where a small document can become a huge one ("billion
 * laughs"): expansion is capped in nodes and depth.
 *
 * A multi-file document is served bundled: a $ref into another file (or
 * within one) is replaced by its target the first time it is met, and
 * by a $ref to that place ("#/paths/~1a/get/...") after that, which is
 * also how a cycle across files ends.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "codegen.h"

#define TOJSON_MAX_DEPTH	1024
#define TOJSON_MIN_BUDGET	1000000

struct tojson_ctx {
	size_t		 budget;	/* nodes left to create */
	int		 exhausted;	/* reported once */
	int		 precision;	/* 15, or 17 when 15 would lose a value */
	struct buf	 ptr;		/* the JSON pointer of the position */
	struct hmap	*placed;	/* bundled target -> its pointer */
	struct arena	*pool;		/* placed's keys and values */
};

static char	*tojson_string(const struct ytree_node *, size_t);
static json_t	*tojson_node(struct tojson_ctx *, const struct ytree_node *,
		    int);
static json_t	*tojson_scalar(struct tojson_ctx *, const struct ytree_node *);
static json_t	*tojson_real(struct tojson_ctx *, const struct ytree_node *);
static json_t	*tojson_bundle(struct tojson_ctx *, const struct ytree_node *,
		    int);
static void	 tojson_token(struct buf *, const char *, size_t);

/* A new string (free it), or NULL when an error was reported. */
char *
tojson_convert(const struct ytree *t)
{
	if (t->root == NULL || t->root->kind != YTREE_MAP)
		return (NULL);
	return (tojson_string(t->root, 10 * t->nnodes + TOJSON_MIN_BUDGET));
}

/* One value of the spec (an enum, a const) as compact JSON. */
char *
tojson_value(const struct ytree_node *n)
{
	return (tojson_string(n, TOJSON_MIN_BUDGET));
}

static char *
tojson_string(const struct ytree_node *n, size_t budget)
{
	struct tojson_ctx	 ctx;
	json_t			*root;
	char			*s;

	ctx.budget = budget;
	ctx.exhausted = 0;
	ctx.precision = 15;
	buf_init(&ctx.ptr);
	buf_puts(&ctx.ptr, "#");
	ctx.placed = hmap_new();
	ctx.pool = arena_new(4096);
	root = tojson_node(&ctx, n, 0);
	buf_free(&ctx.ptr);
	hmap_free(ctx.placed);
	arena_free(ctx.pool);
	if (root == NULL)
		return (NULL);
	s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER |
	    JSON_ENCODE_ANY | JSON_REAL_PRECISION(ctx.precision));
	json_decref(root);
	if (s == NULL)
		fatal("json_dumps failed");
	return (s);
}

static json_t *
tojson_node(struct tojson_ctx *ctx, const struct ytree_node *n, int depth)
{
	json_t			*j, *c;
	const struct ytree_node	*k;
	size_t			 i, mark;
	int			 failed = 0;

	if (depth > TOJSON_MAX_DEPTH || ctx->budget == 0) {
		if (!ctx->exhausted)
			diag_error(n, "YAML aliases expand this document "
			    "beyond %s", depth > TOJSON_MAX_DEPTH ?
			    "1024 levels" : "a sane size");
		ctx->exhausted = 1;
		return (NULL);
	}
	ctx->budget--;
	if (n->kind == YTREE_MAP && n->ref != NULL &&
	    (n->file != 0 || n->ref->file != 0))
		return (tojson_bundle(ctx, n->ref, depth));

	switch (n->kind) {
	case YTREE_SCALAR:
		return (tojson_scalar(ctx, n));
	case YTREE_SEQ:
		if ((j = json_array()) == NULL)
			fatal("json_array: out of memory");
		for (i = 0; i < n->n; i++) {
			mark = ctx->ptr.len;
			buf_printf(&ctx->ptr, "/%zu", i);
			c = tojson_node(ctx, n->items[i], depth + 1);
			ctx->ptr.len = mark;
			ctx->ptr.data[mark] = '\0';
			if (c == NULL) {
				failed = 1;
				if (ctx->exhausted)
					break;
				continue;
			}
			if (json_array_append_new(j, c) == -1)
				fatal("json_array_append_new failed");
		}
		break;
	case YTREE_MAP:
	default:
		if ((j = json_object()) == NULL)
			fatal("json_object: out of memory");
		for (i = 0; i < n->n; i++) {
			k = n->pairs[i].key;
			mark = ctx->ptr.len;
			if (k->kind == YTREE_SCALAR)
				tojson_token(&ctx->ptr, k->str, k->len);
			c = tojson_node(ctx, n->pairs[i].value, depth + 1);
			ctx->ptr.len = mark;
			ctx->ptr.data[mark] = '\0';
			if (c == NULL) {
				failed = 1;
				if (ctx->exhausted)
					break;
				continue;
			}
			/* Non-scalar keys were reported by the parser. */
			if (k->kind != YTREE_SCALAR) {
				json_decref(c);
				failed = 1;
				continue;
			}
			/* libyaml only yields valid UTF-8. */
			if (json_object_setn_new_nocheck(j, k->str, k->len,
			    c) == -1)
				fatal("json_object_setn_new failed");
		}
		break;
	}
	if (failed) {
		json_decref(j);
		return (NULL);
	}
	return (j);
}

/* The target of a $ref that the bundle cannot keep: in place the first
 * time, then a $ref to where it was put. */
static json_t *
tojson_bundle(struct tojson_ctx *ctx, const struct ytree_node *to,
    int depth)
{
	const char	*at;
	void		*key;
	json_t		*j;

	if ((at = hmap_get(ctx->placed, (const char *)&to,
	    sizeof(to))) != NULL) {
		if ((j = json_pack("{ss}", "$ref", at)) == NULL)
			fatal("json_pack failed");
		return (j);
	}
	key = arena_alloc(ctx->pool, sizeof(to));
	memcpy(key, &to, sizeof(to));
	hmap_insert(ctx->placed, key, sizeof(to), arena_strdup(ctx->pool,
	    ctx->ptr.data));
	return (tojson_node(ctx, to, depth + 1));
}

/* "/" and a member name as a JSON pointer token in a URI fragment. */
static void
tojson_token(struct buf *b, const char *s, size_t len)
{
	static const char	hex[] = "0123456789ABCDEF";
	unsigned char		c;
	size_t			i;

	buf_putc(b, '/');
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '~')
			buf_puts(b, "~0");
		else if (c == '/')
			buf_puts(b, "~1");
		else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') ||
		    (c != 0 && strchr("-._!$&'()*+,;=:@", c) != NULL))
			buf_putc(b, (char)c);
		else {
			buf_putc(b, '%');
			buf_putc(b, hex[c >> 4]);
			buf_putc(b, hex[c & 15]);
		}
	}
}

static json_t *
tojson_scalar(struct tojson_ctx *ctx, const struct ytree_node *n)
{
	json_t		*j = NULL;
	long long	 ll;
	int		 b;

	switch (n->type) {
	case YTREE_NULL:
		j = json_null();
		break;
	case YTREE_BOOL:
		ytree_bool(n, &b);
		j = json_boolean(b);
		break;
	case YTREE_INT:
		/* Beyond 64 bits a JSON number can still carry it,
		 * approximately, as a real. */
		if (ytree_int(n, &ll) == 0)
			j = json_integer(ll);
		else
			return (tojson_real(ctx, n));
		break;
	case YTREE_FLOAT:
		return (tojson_real(ctx, n));
	case YTREE_STR:
		j = json_stringn_nocheck(n->str, n->len);
		break;
	}
	if (j == NULL)
		fatal("jansson: out of memory");
	return (j);
}

static json_t *
tojson_real(struct tojson_ctx *ctx, const struct ytree_node *n)
{
	char		 tmp[64];
	const char	*s;
	double		 d, base;
	json_t		*j;

	if (n->type == YTREE_INT && n->str[0] == '0' &&
	    (n->str[1] == 'o' || n->str[1] == 'x')) {
		/* Octal or hex beyond 64 bits. */
		base = n->str[1] == 'o' ? 8 : 16;
		for (d = 0, s = n->str + 2; *s != '\0'; s++)
			d = d * base + (*s <= '9' ? *s - '0' :
			    (*s | 0x20) - 'a' + 10);
	} else {
		/* The core schema's .inf and .nan are not strtod's. */
		s = n->str + (n->str[0] == '-' || n->str[0] == '+');
		d = s[0] == '.' && ((s[1] | 0x20) == 'i' ||
		    (s[1] | 0x20) == 'n') ? INFINITY : strtod(n->str, NULL);
	}
	if (!isfinite(d)) {
		diag_error(n, "'%s' has no JSON representation", n->str);
		return (NULL);
	}
	/* Print reals with 15 digits, which gives back what the spec
	 * wrote (0.1, not 0.10000000000000001), unless some value
	 * needs all 17 to survive the round trip. */
	snprintf(tmp, sizeof(tmp), "%.15g", d);
	if (strtod(tmp, NULL) != d)
		ctx->precision = 17;
	if ((j = json_real(d)) == NULL)
		fatal("json_real failed");
	return (j);
}
