/*
 * jschema.c - JSON Schema 2020-12 evaluation (see jschema.h).
 *
 * One recursive walk, jschema_eval(), over a schema and an instance.
 * Every keyword is looked up in the schema object and applies only to the
 * instance types it constrains.  Applicators that only try a subschema
 * (anyOf, oneOf, not, if, contains) record its failures and drop them
 * again with validate_rollback().  unevaluatedProperties/Items need to
 * know what the other keywords evaluated: each evaluation fills a struct
 * jsev (the property names and item indexes it evaluated), and a
 * subschema's jsev counts only when that subschema holds, as the
 * specification's annotation rules say.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "format.h"
#include "jschema.h"
#include "util.h"
#include "validate.h"

/* Schema nesting without consuming the instance ($ref chains): past
 * this, evaluation fails instead of exhausting the stack. */
#define JSCHEMA_MAX_DEPTH	256

/* What one evaluation looked at, for unevaluated*. */
struct jsev {
	const char	**keys;		/* property names */
	size_t		  nkeys;
	size_t		  capkeys;
	unsigned char	 *items;	/* per array index, 1: evaluated */
	size_t		  nitems;
};

struct jsctx {
	struct validate		*v;
	const struct jschema	*set;
	int			 depth;
};

static int	jschema_eval(struct jsctx *, json_t *, json_t *,
		    struct jsev *);
static int	jschema_sub(struct jsctx *, json_t *, json_t *,
		    struct jsev *);
static int	jschema_try(struct jsctx *, json_t *, json_t *,
		    struct jsev *);
static int	jschema_rest(struct jsctx *, json_t *, json_t *, int);
static void	jschema_merge(struct jsctx *, struct jsev *,
		    const struct jsev *);
static void	jschema_addkey(struct jsctx *, struct jsev *, const char *);
static int	jschema_haskey(const struct jsev *, const char *);
static void	jschema_mark(struct jsctx *, struct jsev *, json_t *,
		    size_t);
static int	jschema_type(struct jsctx *, json_t *, json_t *);
static int	jschema_istype(json_t *, const char *);
static int	jschema_numbers(struct jsctx *, json_t *, json_t *);
static int	jschema_string(struct jsctx *, json_t *, json_t *);
static int	jschema_array(struct jsctx *, json_t *, json_t *,
		    struct jsev *);
static int	jschema_object(struct jsctx *, json_t *, json_t *,
		    struct jsev *);
static int	jschema_applicators(struct jsctx *, json_t *, json_t *,
		    struct jsev *);
static int	jschema_unevaluated(struct jsctx *, json_t *, json_t *,
		    struct jsev *);
static const void *jschema_regex(const struct jschema *, const char *);
static int	jschema_match(const struct jschema *, json_t *, const char *,
		    size_t);
static void	jschema_collect(struct jschema *, json_t *, int);
static int	jschema_recmp(const void *, const void *);
static int	jschema_cmpnum(json_t *, json_t *);
static const char *jschema_text(struct jsctx *, json_t *);
static int	jschema_size(json_t *, long long *);

void
jschema_load(struct jschema *set, const char *const *src, size_t n)
{
	json_error_t	err;
	size_t		i, j;

	memset(set, 0, sizeof(*set));
	set->schemas = xcalloc(n + 1, sizeof(*set->schemas));
	set->n = n;
	for (i = 0; i < n; i++) {
		set->schemas[i] = json_loads(src[i], JSON_DECODE_ANY |
		    JSON_ALLOW_NUL, &err);
		if (set->schemas[i] == NULL)
			fatal("jschema_load: schema %zu: %s", i, err.text);
		jschema_collect(set, set->schemas[i], 0);
	}
	if (set->nres > 0)
		qsort(set->res, set->nres, sizeof(*set->res), jschema_recmp);
	/* One compiled pattern per distinct source. */
	for (i = j = 0; i < set->nres; i++) {
		if (j > 0 && strcmp(set->res[j - 1].src, set->res[i].src) == 0)
			continue;
		set->res[j++] = set->res[i];
	}
	set->nres = j;
	for (i = 0; i < set->nres; i++)
		set->res[i].re = validate_regex_compile(set->res[i].src);
}

void
jschema_cleanup(struct jschema *set)
{
	size_t	i;

	for (i = 0; i < set->n; i++)
		json_decref(set->schemas[i]);
	free(set->schemas);
	/* Compiled patterns live as long as the process, as the typed
	 * decoders' do. */
	free(set->res);
	memset(set, 0, sizeof(*set));
}

static int
jschema_recmp(const void *a, const void *b)
{
	return strcmp(((const struct jschema_re *)a)->src,
	    ((const struct jschema_re *)b)->src);
}

/*
 * The patterns of a schema (pattern, patternProperties' keys) and of the
 * schemas below it, walked by the keywords that hold schemas as the
 * generator walked them when it checked every pattern: data (enum,
 * const, annotations) is never taken for a schema.
 */
static void
jschema_collect(struct jschema *set, json_t *s, int depth)
{
	static const char *const	one[] = { "items",
					    "additionalProperties",
					    "unevaluatedItems",
					    "unevaluatedProperties",
					    "propertyNames", "contains", "not",
					    "if", "then", "else", NULL };
	static const char *const	list[] = { "allOf", "anyOf", "oneOf",
					    "prefixItems", NULL };
	static const char *const	named[] = { "properties",
					    "patternProperties", "$defs",
					    "definitions", "dependentSchemas",
					    NULL };
	const char			*k;
	json_t				*c, *p;
	size_t				 i, j;

	if (!json_is_object(s) || depth > 1000)
		return;
	if (json_is_string(c = json_object_get(s, "pattern"))) {
		set->res = xreallocarray(set->res, set->nres + 1,
		    sizeof(*set->res));
		set->res[set->nres].src = json_string_value(c);
		set->res[set->nres++].re = NULL;
	}
	json_object_foreach(json_object_get(s, "patternProperties"), k, p) {
		set->res = xreallocarray(set->res, set->nres + 1,
		    sizeof(*set->res));
		set->res[set->nres].src = k;
		set->res[set->nres++].re = NULL;
	}
	for (i = 0; one[i] != NULL; i++)
		jschema_collect(set, json_object_get(s, one[i]), depth + 1);
	for (i = 0; list[i] != NULL; i++)
		json_array_foreach(json_object_get(s, list[i]), j, c)
			jschema_collect(set, c, depth + 1);
	for (i = 0; named[i] != NULL; i++)
		json_object_foreach(json_object_get(s, named[i]), k, c)
			jschema_collect(set, c, depth + 1);
}

static const void *
jschema_regex(const struct jschema *set, const char *src)
{
	size_t	lo = 0, hi = set->nres, mid;
	int	c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strcmp(src, set->res[mid].src);
		if (c == 0)
			return set->res[mid].re;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* 1 when s[0..len) matches the pattern src, 0 when not (or the match
 * gave up). */
static int
jschema_match(const struct jschema *set, json_t *pat, const char *s,
    size_t len)
{
	const void	*re;

	if ((re = jschema_regex(set, json_string_value(pat))) == NULL)
		return 0;
	return validate_regex_match(re, s, len) == 1;
}

int
jschema_check(struct validate *v, const struct jschema *set, size_t idx,
    json_t *j)
{
	struct jsctx	ctx = { v, set, 0 };
	struct jsev	ev;

	if (idx >= set->n)
		return -1;
	memset(&ev, 0, sizeof(ev));
	return jschema_eval(&ctx, set->schemas[idx], j, &ev);
}

/* Numbers by value: -1, 0, 1; integers exactly when both are. */
static int
jschema_cmpnum(json_t *a, json_t *b)
{
	double	x, y;

	if (json_is_integer(a) && json_is_integer(b))
		return json_integer_value(a) < json_integer_value(b) ? -1 :
		    json_integer_value(a) > json_integer_value(b);
	x = json_number_value(a);
	y = json_number_value(b);
	return x < y ? -1 : x > y;
}

/* Types in the order jschema_cmp() sorts them; integers and reals are
 * one kind, numbers. */
static int
jschema_kind(json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_NULL:
		return 0;
	case JSON_FALSE:
		return 1;
	case JSON_TRUE:
		return 2;
	case JSON_INTEGER:
	case JSON_REAL:
		return 3;
	case JSON_STRING:
		return 4;
	case JSON_ARRAY:
		return 5;
	default:
		return 6;
	}
}

static int
jschema_keycmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int
jschema_cmp(json_t *a, json_t *b)
{
	const char	**ka, **kb, *k;
	json_t		 *x;
	size_t		  i, n, la, lb;
	int		  c;

	if ((c = jschema_kind(a) - jschema_kind(b)) != 0)
		return c < 0 ? -1 : 1;
	switch (json_typeof(a)) {
	case JSON_INTEGER:
	case JSON_REAL:
		return jschema_cmpnum(a, b);
	case JSON_STRING:
		la = json_string_length(a);
		lb = json_string_length(b);
		c = memcmp(json_string_value(a), json_string_value(b),
		    la < lb ? la : lb);
		return c != 0 ? (c < 0 ? -1 : 1) : (la > lb) - (la < lb);
	case JSON_ARRAY:
		la = json_array_size(a);
		lb = json_array_size(b);
		for (i = 0; i < la && i < lb; i++)
			if ((c = jschema_cmp(json_array_get(a, i),
			    json_array_get(b, i))) != 0)
				return c;
		return (la > lb) - (la < lb);
	case JSON_OBJECT:
		la = json_object_size(a);
		lb = json_object_size(b);
		if (la != lb)
			return la < lb ? -1 : 1;
		/* Same size: by sorted keys, then by values in that order. */
		ka = xcalloc(la + 1, sizeof(*ka));
		kb = xcalloc(lb + 1, sizeof(*kb));
		n = 0;
		json_object_foreach(a, k, x)
			ka[n++] = k;
		n = 0;
		json_object_foreach(b, k, x)
			kb[n++] = k;
		qsort(ka, la, sizeof(*ka), jschema_keycmp);
		qsort(kb, lb, sizeof(*kb), jschema_keycmp);
		c = 0;
		for (i = 0; i < la && c == 0; i++)
			if ((c = strcmp(ka[i], kb[i])) != 0)
				c = c < 0 ? -1 : 1;
		for (i = 0; i < la && c == 0; i++)
			c = jschema_cmp(json_object_get(a, ka[i]),
			    json_object_get(b, ka[i]));
		free(ka);
		free(kb);
		return c;
	default:
		return 0;
	}
}

int
jschema_equal(json_t *a, json_t *b)
{
	const char	*k;
	json_t		*x;
	size_t		 i;

	if (json_is_number(a) && json_is_number(b))
		return jschema_cmpnum(a, b) == 0;
	if (json_typeof(a) != json_typeof(b))
		return 0;
	switch (json_typeof(a)) {
	case JSON_STRING:
		return json_string_length(a) == json_string_length(b) &&
		    memcmp(json_string_value(a), json_string_value(b),
		    json_string_length(a)) == 0;
	case JSON_ARRAY:
		if (json_array_size(a) != json_array_size(b))
			return 0;
		for (i = 0; i < json_array_size(a); i++)
			if (!jschema_equal(json_array_get(a, i),
			    json_array_get(b, i)))
				return 0;
		return 1;
	case JSON_OBJECT:
		if (json_object_size(a) != json_object_size(b))
			return 0;
		json_object_foreach(a, k, x) {
			json_t	*y = json_object_get(b, k);

			if (y == NULL || !jschema_equal(x, y))
				return 0;
		}
		return 1;
	default:
		return 1;
	}
}

/* A value for a message: its compact JSON. */
static const char *
jschema_text(struct jsctx *c, json_t *j)
{
	return validate_dump(c->v, j);
}

/* A non-negative integer keyword value (2.0 counts as 2). */
static int
jschema_size(json_t *j, long long *out)
{
	if (json_is_integer(j)) {
		*out = json_integer_value(j);
		return 0;
	}
	if (json_is_real(j) && json_real_value(j) == nearbyint(
	    json_real_value(j)) && fabs(json_real_value(j)) < 9e18) {
		*out = (long long)json_real_value(j);
		return 0;
	}
	return -1;
}

static void
jschema_addkey(struct jsctx *c, struct jsev *ev, const char *k)
{
	const char	**nk;

	if (jschema_haskey(ev, k))
		return;
	if (ev->nkeys == ev->capkeys) {
		ev->capkeys = ev->capkeys == 0 ? 8 : ev->capkeys * 2;
		nk = arena_calloc(c->v->arena, ev->capkeys, sizeof(*nk));
		if (ev->nkeys > 0)
			memcpy(nk, ev->keys, ev->nkeys * sizeof(*nk));
		ev->keys = nk;
	}
	ev->keys[ev->nkeys++] = k;
}

static int
jschema_haskey(const struct jsev *ev, const char *k)
{
	size_t	i;

	for (i = 0; i < ev->nkeys; i++)
		if (ev->keys[i] == k || strcmp(ev->keys[i], k) == 0)
			return 1;
	return 0;
}

/* Item i of array a evaluated. */
static void
jschema_mark(struct jsctx *c, struct jsev *ev, json_t *a, size_t i)
{
	if (ev->items == NULL) {
		ev->nitems = json_array_size(a);
		ev->items = arena_calloc(c->v->arena, ev->nitems + 1, 1);
	}
	if (i < ev->nitems)
		ev->items[i] = 1;
}

static void
jschema_merge(struct jsctx *c, struct jsev *dst, const struct jsev *src)
{
	size_t	i;

	for (i = 0; i < src->nkeys; i++)
		jschema_addkey(c, dst, src->keys[i]);
	if (src->items != NULL) {
		if (dst->items == NULL) {
			dst->nitems = src->nitems;
			dst->items = arena_calloc(c->v->arena, dst->nitems + 1,
			    1);
		}
		for (i = 0; i < src->nitems && i < dst->nitems; i++)
			dst->items[i] |= src->items[i];
	}
}

/* A member the schema sch governs as "the rest" (items,
 * additionalProperties, unevaluated*): false says "extra". */
static int
jschema_rest(struct jsctx *c, json_t *sch, json_t *val, int item)
{
	if (json_is_false(sch)) {
		if (item)
			validate_error(c->v, "value_error.list.extra",
			    "extra items not permitted");
		else
			validate_error(c->v, "value_error.extra",
			    "extra fields not permitted");
		return -1;
	}
	return jschema_eval(c, sch, val, &(struct jsev){ 0 });
}

/* An in-place subschema: its evaluations count when it holds. */
static int
jschema_sub(struct jsctx *c, json_t *s, json_t *inst, struct jsev *ev)
{
	struct jsev	sub;
	int		rc;

	memset(&sub, 0, sizeof(sub));
	rc = jschema_eval(c, s, inst, &sub);
	if (rc == 0)
		jschema_merge(c, ev, &sub);
	return rc;
}

/* jschema_sub() without leaving failures behind. */
static int
jschema_try(struct jsctx *c, json_t *s, json_t *inst, struct jsev *ev)
{
	size_t	mark = validate_mark(c->v);
	int	rc;

	rc = jschema_sub(c, s, inst, ev);
	validate_rollback(c->v, mark);
	return rc;
}

static int
jschema_istype(json_t *j, const char *t)
{
	switch (t[0]) {
	case 'n':
		return strcmp(t, "null") == 0 ? json_is_null(j) :
		    json_is_number(j);
	case 'b':
		return json_is_boolean(j);
	case 'i':
		return json_is_integer(j) || (json_is_real(j) &&
		    json_real_value(j) == nearbyint(json_real_value(j)));
	case 's':
		return json_is_string(j);
	case 'a':
		return json_is_array(j);
	case 'o':
		return json_is_object(j);
	default:
		return 0;
	}
}

static int
jschema_type(struct jsctx *c, json_t *t, json_t *j)
{
	static const struct {
		const char	*name;
		const char	*pydantic;
	} words[] = {
		{ "boolean", "bool" }, { "integer", "integer" },
		{ "number", "float" }, { "string", "str" },
		{ "array", "list" }, { "object", "dict" }, { "null", "null" },
	};
	const char	*list;
	size_t		 i;

	if (json_is_string(t)) {
		if (jschema_istype(j, json_string_value(t)))
			return 0;
		if (json_is_null(j)) {
			validate_not_null(c->v);
			return -1;
		}
		for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			if (strcmp(words[i].name, json_string_value(t)) == 0)
				validate_type(c->v, words[i].pydantic);
		return -1;
	}
	for (i = 0; i < json_array_size(t); i++)
		if (jschema_istype(j, json_string_value(json_array_get(t, i))))
			return 0;
	list = "";
	for (i = 0; i < json_array_size(t); i++)
		list = arena_sprintf(c->v->arena, "%s%s%s", list, i > 0 ?
		    ", " : "", json_string_value(json_array_get(t, i)));
	if (json_array_size(t) == 0)
		validate_error(c->v, "value_error.not_allowed",
		    "no value is allowed here");
	else
		validate_errorf(c->v, "type_error",
		    "value is not one of the allowed types: %s", list);
	return -1;
}

static int
jschema_numbers(struct jsctx *c, json_t *s, json_t *j)
{
	json_t	*k;
	double	 q, m;
	int	 rc = 0;

	if ((k = json_object_get(s, "minimum")) != NULL &&
	    jschema_cmpnum(j, k) < 0) {
		validate_errorf(c->v, "value_error.number.not_ge", "ensure this "
		    "value is greater than or equal to %s", jschema_text(c, k));
		rc = -1;
	}
	if ((k = json_object_get(s, "exclusiveMinimum")) != NULL &&
	    json_is_number(k) && jschema_cmpnum(j, k) <= 0) {
		validate_errorf(c->v, "value_error.number.not_gt", "ensure this "
		    "value is greater than %s", jschema_text(c, k));
		rc = -1;
	}
	if ((k = json_object_get(s, "maximum")) != NULL &&
	    jschema_cmpnum(j, k) > 0) {
		validate_errorf(c->v, "value_error.number.not_le", "ensure this "
		    "value is less than or equal to %s", jschema_text(c, k));
		rc = -1;
	}
	if ((k = json_object_get(s, "exclusiveMaximum")) != NULL &&
	    json_is_number(k) && jschema_cmpnum(j, k) >= 0) {
		validate_errorf(c->v, "value_error.number.not_lt", "ensure this "
		    "value is less than %s", jschema_text(c, k));
		rc = -1;
	}
	if ((k = json_object_get(s, "multipleOf")) != NULL) {
		int	ok;

		if (json_is_integer(j) && json_is_integer(k) &&
		    json_integer_value(k) > 0)
			ok = json_integer_value(j) % json_integer_value(k) == 0;
		else {
			m = json_number_value(k);
			q = json_number_value(j) / m;
			ok = isfinite(q) && fabs(q - nearbyint(q)) <=
			    1e-9 * (fabs(q) > 1 ? fabs(q) : 1);
		}
		if (!ok) {
			validate_errorf(c->v, "value_error.number.not_multiple",
			    "ensure this value is a multiple of %s",
			    jschema_text(c, k));
			rc = -1;
		}
	}
	return rc;
}

static int
jschema_string(struct jsctx *c, json_t *s, json_t *j)
{
	const struct format_info	*f;
	const char			*str = json_string_value(j);
	size_t				 len = json_string_length(j);
	long long			 n, lim;
	json_t				*k;
	int				 rc = 0;

	n = validate_utf8_len(str, len);
	if ((k = json_object_get(s, "minLength")) != NULL &&
	    jschema_size(k, &lim) == 0 && n < lim) {
		validate_errorf(c->v, "value_error.any_str.min_length",
		    "ensure this value has at least %lld characters", lim);
		rc = -1;
	}
	if ((k = json_object_get(s, "maxLength")) != NULL &&
	    jschema_size(k, &lim) == 0 && n > lim) {
		validate_errorf(c->v, "value_error.any_str.max_length",
		    "ensure this value has at most %lld characters", lim);
		rc = -1;
	}
	if ((k = json_object_get(s, "pattern")) != NULL &&
	    !jschema_match(c->set, k, str, len)) {
		validate_errorf(c->v, "value_error.str.regex",
		    "string does not match regex \"%s\"", json_string_value(k));
		rc = -1;
	}
	if ((k = json_object_get(s, "format")) != NULL && json_is_string(k) &&
	    (f = format_lookup(json_string_value(k))) != NULL &&
	    f->check(str, len) == -1) {
		validate_error(c->v, f->type, f->message);
		rc = -1;
	}
	return rc;
}

static int
jschema_array(struct jsctx *c, json_t *s, json_t *j, struct jsev *ev)
{
	json_t		*k, *items, *item;
	long long	 lim, nmatch = 0, minc = 1, maxc = -1;
	size_t		 i, n = json_array_size(j), nprefix = 0;
	int		 rc = 0;

	if ((k = json_object_get(s, "minItems")) != NULL &&
	    jschema_size(k, &lim) == 0 && (long long)n < lim) {
		validate_errorf(c->v, "value_error.list.min_items",
		    "ensure this value has at least %lld items", lim);
		rc = -1;
	}
	if ((k = json_object_get(s, "maxItems")) != NULL &&
	    jschema_size(k, &lim) == 0 && (long long)n > lim) {
		validate_errorf(c->v, "value_error.list.max_items",
		    "ensure this value has at most %lld items", lim);
		rc = -1;
	}
	if (json_is_true(json_object_get(s, "uniqueItems")) &&
	    validate_unique(c->v, j) == -1)
		rc = -1;
	if ((k = json_object_get(s, "prefixItems")) != NULL) {
		nprefix = json_array_size(k);
		for (i = 0; i < nprefix && i < n; i++) {
			validate_pushi(c->v, i);
			if (jschema_eval(c, json_array_get(k, i),
			    json_array_get(j, i), &(struct jsev){ 0 }) == -1)
				rc = -1;
			validate_pop(c->v);
			jschema_mark(c, ev, j, i);
		}
	}
	if ((items = json_object_get(s, "items")) != NULL) {
		for (i = nprefix; i < n; i++) {
			validate_pushi(c->v, i);
			if (jschema_rest(c, items, json_array_get(j, i), 1) ==
			    -1)
				rc = -1;
			validate_pop(c->v);
			jschema_mark(c, ev, j, i);
		}
	}
	if ((k = json_object_get(s, "contains")) != NULL) {
		if (json_object_get(s, "minContains") != NULL)
			(void)jschema_size(json_object_get(s, "minContains"),
			    &minc);
		if (json_object_get(s, "maxContains") != NULL)
			(void)jschema_size(json_object_get(s, "maxContains"),
			    &maxc);
		json_array_foreach(j, i, item) {
			size_t	mark = validate_mark(c->v);

			if (jschema_eval(c, k, item, &(struct jsev){ 0 }) ==
			    0) {
				nmatch++;
				jschema_mark(c, ev, j, i);
			}
			validate_rollback(c->v, mark);
		}
		if (nmatch < minc) {
			if (minc == 1)
				validate_error(c->v, "value_error.list.contains",
				    "the list has no item that matches the "
				    "contains schema");
			else
				validate_errorf(c->v,
				    "value_error.list.min_contains", "ensure "
				    "this value has at least %lld items that "
				    "match the contains schema", minc);
			rc = -1;
		}
		if (maxc >= 0 && nmatch > maxc) {
			validate_errorf(c->v, "value_error.list.max_contains",
			    "ensure this value has at most %lld items that "
			    "match the contains schema", maxc);
			rc = -1;
		}
	}
	return rc;
}

static int
jschema_object(struct jsctx *c, json_t *s, json_t *j, struct jsev *ev)
{
	const char	*key, *pk;
	json_t		*k, *props, *pats, *addl, *val, *ps, *dep;
	long long	 lim;
	size_t		 i, klen;
	int		 rc = 0, matched;

	if ((k = json_object_get(s, "required")) != NULL) {
		for (i = 0; i < json_array_size(k); i++) {
			pk = json_string_value(json_array_get(k, i));
			if (pk == NULL || json_object_get(j, pk) != NULL)
				continue;
			validate_push(c->v, pk);
			validate_missing(c->v);
			validate_pop(c->v);
			rc = -1;
		}
	}
	if ((k = json_object_get(s, "minProperties")) != NULL &&
	    jschema_size(k, &lim) == 0 && (long long)json_object_size(j) < lim) {
		validate_errorf(c->v, "value_error.dict.min_properties",
		    "ensure this value has at least %lld properties", lim);
		rc = -1;
	}
	if ((k = json_object_get(s, "maxProperties")) != NULL &&
	    jschema_size(k, &lim) == 0 && (long long)json_object_size(j) > lim) {
		validate_errorf(c->v, "value_error.dict.max_properties",
		    "ensure this value has at most %lld properties", lim);
		rc = -1;
	}
	props = json_object_get(s, "properties");
	pats = json_object_get(s, "patternProperties");
	addl = json_object_get(s, "additionalProperties");
	json_object_keylen_foreach(j, key, klen, val) {
		matched = 0;
		validate_push(c->v, key);
		if ((ps = json_object_getn(props, key, klen)) != NULL) {
			matched = 1;
			if (jschema_eval(c, ps, val, &(struct jsev){ 0 }) == -1)
				rc = -1;
		}
		validate_pop(c->v);
		if (matched)
			jschema_addkey(c, ev, key);
	}
	/* patternProperties: each key against each pattern. */
	if (pats != NULL) {
		json_object_keylen_foreach(j, key, klen, val) {
			json_object_foreach(pats, pk, ps) {
				const void	*re = jschema_regex(c->set, pk);

				if (re == NULL ||
				    validate_regex_match(re, key, klen) != 1)
					continue;
				validate_push(c->v, key);
				if (jschema_eval(c, ps, val,
				    &(struct jsev){ 0 }) == -1)
					rc = -1;
				validate_pop(c->v);
				jschema_addkey(c, ev, key);
			}
		}
	}
	if (addl != NULL) {
		json_object_keylen_foreach(j, key, klen, val) {
			if (json_object_getn(props, key, klen) != NULL)
				continue;
			matched = 0;
			json_object_foreach(pats, pk, ps) {
				const void	*re = jschema_regex(c->set, pk);

				if (re != NULL &&
				    validate_regex_match(re, key, klen) == 1)
					matched = 1;
			}
			if (matched)
				continue;
			validate_push(c->v, key);
			if (jschema_rest(c, addl, val, 0) == -1)
				rc = -1;
			validate_pop(c->v);
			jschema_addkey(c, ev, key);
		}
	}
	if ((k = json_object_get(s, "propertyNames")) != NULL) {
		json_object_keylen_foreach(j, key, klen, val) {
			json_t	*name = json_stringn_nocheck(key, klen);

			validate_push(c->v, key);
			if (jschema_eval(c, k, name, &(struct jsev){ 0 }) ==
			    -1)
				rc = -1;
			validate_pop(c->v);
			json_decref(name);
		}
	}
	if ((k = json_object_get(s, "dependentRequired")) != NULL) {
		json_object_foreach(k, pk, dep) {
			if (json_object_get(j, pk) == NULL)
				continue;
			for (i = 0; i < json_array_size(dep); i++) {
				key = json_string_value(json_array_get(dep, i));
				if (key == NULL || json_object_get(j, key) !=
				    NULL)
					continue;
				validate_push(c->v, key);
				validate_errorf(c->v, "value_error.missing",
				    "field required (when '%s' is present)",
				    pk);
				validate_pop(c->v);
				rc = -1;
			}
		}
	}
	if ((k = json_object_get(s, "dependentSchemas")) != NULL) {
		json_object_foreach(k, pk, dep) {
			if (json_object_get(j, pk) != NULL &&
			    jschema_sub(c, dep, j, ev) == -1)
				rc = -1;
		}
	}
	return rc;
}

static int
jschema_applicators(struct jsctx *c, json_t *s, json_t *j, struct jsev *ev)
{
	json_t	*k, *t;
	size_t	 i, mark, nok;
	int	 rc = 0;

	if ((k = json_object_get(s, "allOf")) != NULL) {
		for (i = 0; i < json_array_size(k); i++)
			if (jschema_sub(c, json_array_get(k, i), j, ev) == -1)
				rc = -1;
	}
	if ((k = json_object_get(s, "anyOf")) != NULL) {
		/* Every branch: each that holds adds its evaluations. */
		for (i = nok = 0; i < json_array_size(k); i++)
			if (jschema_try(c, json_array_get(k, i), j, ev) == 0)
				nok++;
		if (nok == 0) {
			validate_error(c->v, "value_error.union.no_match",
			    "value does not match any of the allowed schemas");
			rc = -1;
		}
	}
	if ((k = json_object_get(s, "oneOf")) != NULL) {
		struct jsev	one;

		memset(&one, 0, sizeof(one));
		for (i = nok = 0; i < json_array_size(k); i++)
			if (jschema_try(c, json_array_get(k, i), j, &one) == 0)
				nok++;
		if (nok == 0) {
			validate_error(c->v, "value_error.union.no_match",
			    "value does not match any of the allowed schemas");
			rc = -1;
		} else if (nok > 1) {
			validate_error(c->v, "value_error.union.multiple_matches",
			    "value matches more than one of the allowed "
			    "schemas");
			rc = -1;
		} else
			jschema_merge(c, ev, &one);
	}
	if ((k = json_object_get(s, "not")) != NULL) {
		mark = validate_mark(c->v);
		if (jschema_eval(c, k, j, &(struct jsev){ 0 }) == 0) {
			validate_rollback(c->v, mark);
			validate_error(c->v, "value_error.not",
			    "value matches a schema it must not match");
			rc = -1;
		} else
			validate_rollback(c->v, mark);
	}
	if ((k = json_object_get(s, "if")) != NULL) {
		if (jschema_try(c, k, j, ev) == 0) {
			if ((t = json_object_get(s, "then")) != NULL &&
			    jschema_sub(c, t, j, ev) == -1)
				rc = -1;
		} else if ((t = json_object_get(s, "else")) != NULL &&
		    jschema_sub(c, t, j, ev) == -1)
			rc = -1;
	}
	return rc;
}

static int
jschema_unevaluated(struct jsctx *c, json_t *s, json_t *j, struct jsev *ev)
{
	const char	*key;
	json_t		*k, *val;
	size_t		 i;
	int		 rc = 0;

	if ((k = json_object_get(s, "unevaluatedItems")) != NULL &&
	    json_is_array(j)) {
		json_array_foreach(j, i, val) {
			if (ev->items != NULL && i < ev->nitems && ev->items[i])
				continue;
			validate_pushi(c->v, i);
			if (jschema_rest(c, k, val, 1) == -1)
				rc = -1;
			validate_pop(c->v);
		}
		json_array_foreach(j, i, val)
			jschema_mark(c, ev, j, i);
	}
	if ((k = json_object_get(s, "unevaluatedProperties")) != NULL &&
	    json_is_object(j)) {
		json_object_foreach(j, key, val) {
			if (jschema_haskey(ev, key))
				continue;
			validate_push(c->v, key);
			if (jschema_rest(c, k, val, 0) == -1)
				rc = -1;
			validate_pop(c->v);
		}
		json_object_foreach(j, key, val)
			jschema_addkey(c, ev, key);
	}
	return rc;
}

/* 0 when j holds against schema s; ev gets what s evaluated. */
static int
jschema_eval(struct jsctx *c, json_t *s, json_t *j, struct jsev *ev)
{
	json_t	*k;
	size_t	 i;
	int	 rc = 0, found;

	if (json_is_true(s))
		return 0;
	if (!json_is_object(s)) {
		/* false */
		validate_error(c->v, "value_error.not_allowed",
		    "no value is allowed here");
		return -1;
	}
	if (++c->depth > JSCHEMA_MAX_DEPTH) {
		c->depth--;
		validate_error(c->v, "value_error.schema_depth",
		    "value is nested too deeply for its schema");
		return -1;
	}
	if ((k = json_object_get(s, "$ref")) != NULL && json_is_integer(k) &&
	    (size_t)json_integer_value(k) < c->set->n &&
	    jschema_sub(c, c->set->schemas[json_integer_value(k)], j, ev) == -1)
		rc = -1;
	if ((k = json_object_get(s, "type")) != NULL &&
	    jschema_type(c, k, j) == -1) {
		/* The other keywords would only repeat it. */
		c->depth--;
		return -1;
	}
	if ((k = json_object_get(s, "enum")) != NULL) {
		for (i = 0, found = 0; i < json_array_size(k) && !found; i++)
			found = jschema_equal(j, json_array_get(k, i));
		if (!found) {
			validate_errorf(c->v, "type_error.enum", "value is not "
			    "a valid enumeration member; permitted: %s",
			    jschema_text(c, k));
			rc = -1;
		}
	}
	if ((k = json_object_get(s, "const")) != NULL &&
	    !jschema_equal(j, k)) {
		validate_errorf(c->v, "value_error.const",
		    "unexpected value; permitted: %s", jschema_text(c, k));
		rc = -1;
	}
	if (json_is_number(j) && jschema_numbers(c, s, j) == -1)
		rc = -1;
	else if (json_is_string(j) && jschema_string(c, s, j) == -1)
		rc = -1;
	else if (json_is_array(j) && jschema_array(c, s, j, ev) == -1)
		rc = -1;
	else if (json_is_object(j) && jschema_object(c, s, j, ev) == -1)
		rc = -1;
	if (jschema_applicators(c, s, j, ev) == -1)
		rc = -1;
	/* Last: it needs what every other keyword evaluated. */
	if (jschema_unevaluated(c, s, j, ev) == -1)
		rc = -1;
	c->depth--;
	return rc;
}
