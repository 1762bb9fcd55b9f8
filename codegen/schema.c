/*
 * schema.c - the typed model: schemas, parameters, bodies, replies and
 * security requirements, checked.
 *
 * Every JSON Schema the operations use (and every component schema)
 * becomes one struct sch, memoised by its YAML node so a $ref target, a
 * YAML alias and a cycle are one schema.  Keywords are applied in order;
 * allOf merges its branches into the schema itself, and a schema that only
 * wraps another (allOf of one $ref, anyOf of a $ref and null) becomes an
 * alias of it, so generated code has one struct per real type.  finish()
 * then decides the C representation (enum sch_repr) and reports what
 * cannot be right: bounds that contradict each other, a required property
 * that additionalProperties: false forbids, a default or enum value the
 * schema itself refuses, a pattern PCRE2 cannot compile.
 *
 * In a 3.1 document only schemas whose keywords the typed decoders check
 * exactly are built so (schema_exact()); every other schema is a JSON
 * value that runtime/jschema.c evaluates, embedded as JSON text with its
 * $refs as indexes (schema_jsonwrite(), which also reports what cannot
 * be evaluated: $id, $anchor, $dynamicRef, $vocabulary, unchecked
 * formats).  In 3.0 every schema is typed and the keywords the typed
 * decoders do not implement (not, ...) are listed in a comment on the
 * generated code.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <pcre2.h>

#include "codegen.h"
#include "format.h"

/* Keys that may sit beside a $ref without changing what it means. */
static const char *const schema_annotations[] = {
	"description", "summary", "title", "example", "examples",
	"deprecated", "externalDocs", "$comment", NULL
};

/* Keywords the typed decoders do not implement: in 3.0 they are noted in
 * a comment; in 3.1 a schema using one is evaluated by the runtime. */
static const char *const schema_ignored[] = {
	"not", "if", "then", "else", "prefixItems", "contains",
	"patternProperties", "propertyNames", "dependentRequired",
	"dependentSchemas", "unevaluatedProperties", "unevaluatedItems",
	"minContains", "maxContains", "$dynamicRef", NULL
};

/* OpenAPI's own formats: int32/int64 checked; the others shape the C
 * type (binary) or are hints (password, float, double, byte). */
static const char *const schema_oasfmt[] = {
	"int32", "int64", "float", "double", "password", "binary", "byte",
	NULL
};

/* The dialects a $schema may name: what the validators implement. */
static const char *const schema_dialects[] = {
	"https://json-schema.org/draft/2020-12/schema",
	"https://json-schema.org/draft/2020-12/schema#",
	"https://spec.openapis.org/oas/3.1/dialect/base",
	"https://spec.openapis.org/oas/3.1/dialect/2024-10-25", NULL
};

static const char *const schema_ckeywords[] = {
	"auto", "bool", "break", "case", "char", "const", "continue",
	"default", "do", "double", "else", "enum", "extern", "false", "float",
	"for", "goto", "if", "inline", "int", "long", "register", "restrict",
	"return", "short", "signed", "sizeof", "static", "struct", "switch",
	"true", "typedef", "union", "unsigned", "void", "volatile", "while",
	"errno", "stdin", "stdout", "stderr", "NULL", "offsetof", NULL
};

struct sch_keyctx {
	struct model		*m;
	struct hmap		*names;		/* members of one struct */
};

static struct sch	*schema_new(struct model *, const struct ytree_node *,
			    const char *);
static struct sch	*schema_get(struct model *, struct ytree_node *,
			    const char *);
static void		 schema_memo(struct model *, const void *, struct sch *);
static struct sch	*schema_lookup(struct model *, const void *);
static void		 schema_make(struct model *, struct sch *,
			    struct ytree_node *);
static void		 schema_apply(struct model *, struct sch *,
			    struct ytree_node *);
static void		 schema_merge(struct model *, struct sch *,
			    struct sch *, const struct ytree_node *);
static void		 schema_finish(struct model *, struct sch *);
static void		 schema_defaults(struct model *, struct sch *);
static int		 schema_scalar_ok(const struct sch *,
			    const struct ytree_node *, const char **);
static void		 schema_addprop(struct model *, struct sch *,
			    const char *, struct sch *,
			    const struct ytree_node *);
static void		 schema_members(struct model *, struct sch *);
static const char	*schema_member(struct hmap *, struct arena *,
			    const char *, int);
static void		 schema_note(struct model *, struct sch *,
			    const char *);
static unsigned		 schema_typebit(const struct ytree_node *);
static int		 schema_num(const struct ytree_node *, double *);
static int		 schema_len(const struct ytree_node *, const char *,
			    long long *);
static int		 schema_pattern(struct model *,
			    const struct ytree_node *);
static int		 schema_trivial(const struct ytree_node *,
			    const char *);
static int		 schema_isnull(struct sch *);
static int		 schema_titled(struct sch *, const char *);
static void		 schema_reach(struct sch *);
static void		 schema_ops(struct model *);
static void		 schema_params(struct model *, struct op *);
static void		 schema_param(struct model *, struct op *,
			    struct ytree_node *, struct param *);
static void		 schema_body(struct model *, struct op *);
static void		 schema_replies(struct model *, struct op *);
static void		 schema_security(struct model *, struct op *);
static struct scheme	*schema_scheme(struct model *, const char *,
			    const struct ytree_node *);
static int		 schema_strin(const char *, const char *const *);
static int		 schema_param_ok(struct sch *, int, int *);
static int		 schema_mediakind(const char *);
static int		 schema_annotations_only(const struct ytree_node *);
static struct ytree_node *schema_allof_one(const struct ytree_node *);
static int		 schema_refnamed(const struct ytree_node *, size_t,
			    size_t, const char *);
static int		 schema_exact(struct model *,
			    const struct ytree_node *, int);
static int		 schema_exact_value(const struct ytree_node *,
			    unsigned);
static int		 schema_jsindex(struct model *,
			    const struct ytree_node *);
static void		 schema_jsonstr(struct buf *, const char *, size_t);
static void		 schema_jsondata(struct buf *,
			    const struct ytree_node *);
static void		 schema_jsonwrite(struct model *, struct buf *,
			    const struct ytree_node *, int);
static void		 schema_jsonall(struct model *);
static int		 schema_recheck(const struct ytree_node *);
static void		 schema_typecheck(const struct ytree_node *);
static void		 schema_jskwcheck(const struct ytree_node *,
			    const struct ytree_node *);

char *
schema_sanitize(struct arena *pool, const char *s, const char *digit)
{
	char	*name, *d;
	int	 c;

	if (s[0] >= '0' && s[0] <= '9')
		name = arena_sprintf(pool, "%s%s", digit, s);
	else if (s[0] == '\0')
		name = arena_strdup(pool, "x");
	else
		name = arena_strdup(pool, s);
	for (d = name; *d != '\0'; d++) {
		c = (unsigned char)*d;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_'))
			*d = '_';
	}
	return name;
}

/* base, or base_2, base_3, ...: the first not yet in the registry. */
const char *
schema_cname(struct model *m, const char *base)
{
	const char	*name = base;
	size_t		 i;

	for (i = 2; hmap_insert(m->cnames, name, strlen(name),
	    (void *)name) != NULL; i++)
		name = arena_sprintf(m->pool, "%s_%zu", base, i);
	return name;
}

struct sch *
schema_target(struct sch *s)
{
	size_t	n = 0;

	while (s != NULL && s->alias != NULL && n++ < 64)
		s = s->alias;
	return s;
}

int
schema_nullable(const struct sch *s)
{
	size_t	n = 0;

	for (; s != NULL && n < 64; s = s->alias, n++)
		if (s->nullable)
			return 1;
	return 0;
}

static int
schema_strin(const char *s, const char *const *set)
{
	int	i;

	for (i = 0; set[i] != NULL; i++)
		if (strcmp(s, set[i]) == 0)
			return i;
	return -1;
}

static void
schema_memo(struct model *m, const void *node, struct sch *s)
{
	void	*key;

	key = arena_alloc(m->pool, sizeof(node));
	memcpy(key, &node, sizeof(node));
	hmap_set(m->memo, key, sizeof(node), s);
}

static struct sch *
schema_lookup(struct model *m, const void *node)
{
	return hmap_get(m->memo, (const char *)&node, sizeof(node));
}

static struct sch *
schema_new(struct model *m, const struct ytree_node *at, const char *name)
{
	struct sch	*s;

	s = arena_calloc(m->pool, 1, sizeof(*s));
	s->at = at;
	s->name = schema_cname(m, schema_sanitize(m->pool, name, "n"));
	s->minlen = s->maxlen = -1;
	s->minitems = s->maxitems = -1;
	s->minprops = s->maxprops = -1;
	s->pattern = -1;
	s->jsidx = -1;
	s->types = T_ALL;
	if (m->nschs == m->capschs) {
		m->capschs = m->capschs == 0 ? 256 : m->capschs * 2;
		m->schs = xreallocarray(m->schs, m->capschs, sizeof(*m->schs));
	}
	m->schs[m->nschs++] = s;
	return s;
}

static void
schema_note(struct model *m, struct sch *s, const char *what)
{
	s->comment = s->comment == NULL ? what :
	    arena_sprintf(m->pool, "%s, %s", s->comment, what);
}

/* Whether a mapping has only key (or nothing) besides annotations. */
static int
schema_trivial(const struct ytree_node *n, const char *key)
{
	const struct ytree_node	*k;
	size_t			 i;

	for (i = 0; i < n->n; i++) {
		k = n->pairs[i].key;
		if (k->kind != YTREE_SCALAR)
			return 0;
		if ((key != NULL && strcmp(k->str, key) == 0) ||
		    strncmp(k->str, "x-", 2) == 0 ||
		    schema_strin(k->str, schema_annotations) >= 0)
			continue;
		return 0;
	}
	return 1;
}

/*
 * The schema of a use: node as written (maybe a $ref), hint its name
 * when it has none of its own.
 */
/* Keywords beside a 3.0 $ref that change nothing when dropped. */
static int
schema_annotations_only(const struct ytree_node *n)
{
	static const char *const ann[] = { "$ref", "description",
	    "summary", "title", "example", "examples", "deprecated",
	    "externalDocs", "xml", "$comment", NULL };
	size_t	i;

	for (i = 0; i < n->n; i++)
		if (!ytree_isstr(n->pairs[i].key) || (schema_strin(
		    n->pairs[i].key->str, ann) < 0 &&
		    strncmp(n->pairs[i].key->str, "x-", 2) != 0 &&
		    strcmp(n->pairs[i].key->str, "allOf") != 0))
			return 0;
	return 1;
}

/* The one schema of an allOf that has only annotations beside it, or
 * NULL. */
static struct ytree_node *
schema_allof_one(const struct ytree_node *n)
{
	const struct ytree_node	*v;

	if (n->kind != YTREE_MAP || ytree_get(n, "$ref") != NULL ||
	    (v = ytree_get(n, "allOf")) == NULL || v->kind != YTREE_SEQ ||
	    v->n != 1 || !schema_annotations_only(n))
		return NULL;
	return v->items[0];
}

static struct sch *
schema_get(struct model *m, struct ytree_node *node, const char *hint)
{
	struct ytree_node	*t;
	struct sch		*s;

	if (node == NULL)
		return NULL;
	t = node;
	if (node->kind == YTREE_MAP && node->ref != NULL) {
		if (!schema_trivial(node, "$ref")) {
			if (m->v30) {
				if (!schema_annotations_only(node) ||
				    ytree_get(node, "allOf") != NULL)
					diag_warnonce("$ref siblings", node,
					    "$ref with sibling keywords: "
					    "ignored, as OpenAPI 3.0 says (wrap "
					    "the $ref in allOf to combine it "
					    "with other keywords)");
				t = ytree_deref(node);
			}
		} else
			t = ytree_deref(node);
	}
	if ((s = schema_lookup(m, t)) != NULL) {
		if (s->built == 0)
			schema_make(m, s, t);
		return s;
	}
	/* {description: ..., allOf: [{$ref: X}]}, the 3.0 way to annotate
	 * a $ref, is X: so it may refer back to the schema being built
	 * (parent: a Category inside Category), as a $ref may. */
	if (schema_allof_one(t) != NULL)
		return schema_get(m, schema_allof_one(t), hint);
	s = schema_new(m, t, hint);
	schema_memo(m, t, s);
	schema_make(m, s, t);
	return s;
}

static void
schema_make(struct model *m, struct sch *s, struct ytree_node *n)
{
	struct ytree_node	*v, *b0, *b1;
	struct sch		*a0, *a1;

	s->built = 1;
	if (!m->v30 && !schema_exact(m, n, 0)) {
		/* A JSON value, every keyword checked by the runtime. */
		s->jsidx = schema_jsindex(m, n);
		s->repr = R_ANY;
		s->nullable = 1;
		goto done;
	}
	if (n->kind == YTREE_SCALAR && n->type == YTREE_BOOL) {
		/* true accepts anything; false nothing. */
		if (strcmp(n->str, "false") == 0) {
			s->typed = 1;
			s->types = 0;
		}
		goto done;
	}
	if (n->kind != YTREE_MAP) {
		diag_error(n, "a schema must be a mapping or a boolean, not %s",
		    ytree_what(n));
		goto done;
	}

	/* Wrappers: allOf [X], anyOf/oneOf [X, null] - X itself. */
	v = ytree_get(n, "allOf");
	if (v != NULL && v->kind == YTREE_SEQ && v->n == 1 &&
	    (schema_trivial(n, "allOf") || (n->n == 2 &&
	    (ytree_get(n, "nullable") != NULL ||
	    ytree_get(n, "readOnly") != NULL ||
	    ytree_get(n, "writeOnly") != NULL)))) {
		s->alias = schema_get(m, v->items[0], s->name);
		if (s->alias == s || schema_target(s->alias) == s) {
			diag_error(n, "schema refers only to itself");
			s->alias = NULL;
		}
		schema_apply(m, s, n);
		goto done;
	}
	if ((v = ytree_get(n, "anyOf")) == NULL)
		v = ytree_get(n, "oneOf");
	if (v != NULL && v->kind == YTREE_SEQ && v->n == 2 &&
	    (schema_trivial(n, v == ytree_get(n, "anyOf") ? "anyOf" :
	    "oneOf"))) {
		b0 = v->items[0];
		b1 = v->items[1];
		a0 = schema_get(m, b0, arena_sprintf(m->pool, "%s_0", s->name));
		a1 = schema_get(m, b1, arena_sprintf(m->pool, "%s_1", s->name));
		if (schema_isnull(a1) || schema_isnull(a0)) {
			s->alias = schema_isnull(a1) ? a0 : a1;
			s->nullable = 1;
			if (schema_target(s->alias) == s)
				s->alias = NULL;
			else
				goto done;
		}
	}
	schema_apply(m, s, n);
	if (n->ref != NULL && !m->v30) {
		/* 3.1: a $ref with siblings is the target and them. */
		a0 = schema_get(m, ytree_deref(n), s->name);
		schema_merge(m, s, a0, n);
	}
done:
	if (s->alias == NULL && s->jsidx < 0)
		schema_finish(m, s);
	s->built = 2;
}

/* Whether s, or a schema it is an alias of, is component name. */
static int
schema_titled(struct sch *s, const char *name)
{
	size_t	n = 0;

	for (; s != NULL && n < 64; s = s->alias, n++)
		if (s->title != NULL && strcmp(s->title, name) == 0)
			return 1;
	return 0;
}

/* Whether alternative j of n (of nalts) is written as {$ref: ref}: a
 * mapping's value names an alternative in another file that way. */
static int
schema_refnamed(const struct ytree_node *n, size_t nalts, size_t j,
    const char *ref)
{
	const struct ytree_node	*alts, *v;

	if ((alts = ytree_get(n, "oneOf")) == NULL)
		alts = ytree_get(n, "anyOf");
	if (alts == NULL || alts->kind != YTREE_SEQ || alts->n != nalts)
		return 0;
	v = ytree_get(alts->items[j], "$ref");
	return ytree_isstr(v) && strcmp(v->str, ref) == 0;
}

/* A schema that admits null and nothing else. */
static int
schema_isnull(struct sch *s)
{
	s = schema_target(s);
	return s != NULL && s->typed && s->types == T_NULL && s->nalts == 0;
}

static unsigned
schema_typebit(const struct ytree_node *n)
{
	static const char *const	names[] = { "null", "boolean",
					    "integer", "number", "string",
					    "array", "object", NULL };
	int				i;

	if (n->kind != YTREE_SCALAR)
		return 0;
	if ((i = schema_strin(n->str, names)) < 0)
		return 0;
	return 1u << i;
}

static int
schema_num(const struct ytree_node *n, double *out)
{
	char	*end;

	if (n == NULL || n->kind != YTREE_SCALAR ||
	    (n->type != YTREE_INT && n->type != YTREE_FLOAT))
		return -1;
	errno = 0;
	*out = strtod(n->str, &end);
	if (*end != '\0' || !isfinite(*out)) {
		/* YAML spellings strtod does not take: 0o17, 0x1F, 1_000 */
		long long	ll;

		if (ytree_int(n, &ll) == -1)
			return -1;
		*out = (double)ll;
	}
	return 0;
}

static int
schema_len(const struct ytree_node *n, const char *kw, long long *out)
{
	double	d;

	/* 2.0 is an integer in JSON Schema. */
	if (ytree_int(n, out) == -1 && n->kind == YTREE_SCALAR &&
	    n->type == YTREE_FLOAT && schema_num(n, &d) == 0 &&
	    d == nearbyint(d) && d >= 0 && d < 9e18) {
		*out = (long long)d;
		return 0;
	}
	if (ytree_int(n, out) == -1 || *out < 0) {
		diag_error(n, "%s must be a non-negative integer, not %s",
		    kw, n->kind == YTREE_SCALAR ? n->str : ytree_what(n));
		return -1;
	}
	return 0;
}

/* Index of the pattern in m->patterns, after checking it compiles as
 * the runtime will compile it. */
static int
schema_pattern(struct model *m, const struct ytree_node *n)
{
	size_t	i;

	if (!ytree_isstr(n) || strlen(n->str) != n->len) {
		diag_error(n, "pattern must be a string");
		return -1;
	}
	for (i = 0; i < m->npatterns; i++)
		if (strcmp(m->patterns[i], n->str) == 0)
			return (int)i;
	if (schema_recheck(n) == -1)
		return -1;
	m->patterns = xreallocarray(m->patterns, m->npatterns + 1,
	    sizeof(*m->patterns));
	m->patterns[m->npatterns] = n->str;
	return (int)m->npatterns++;
}

static void
schema_addprop(struct model *m, struct sch *s, const char *name,
    struct sch *ps, const struct ytree_node *at)
{
	struct sch_prop	*p;
	size_t		 i;

	for (i = 0; i < s->nprops; i++) {
		if (strcmp(s->props[i].name, name) == 0) {
			/* Both say something about it: the first wins, as
			 * merging two schemas of a property is rare. */
			if (ps != s->props[i].s)
				schema_note(m, s, arena_sprintf(m->pool,
				    "property %s: later definitions ignored",
				    name));
			return;
		}
	}
	if (s->nprops == s->capprops) {
		s->capprops = s->capprops == 0 ? 8 : s->capprops * 2;
		p = arena_calloc(m->pool, s->capprops, sizeof(*p));
		if (s->nprops > 0)
			memcpy(p, s->props, s->nprops * sizeof(*p));
		s->props = p;
	}
	p = &s->props[s->nprops++];
	memset(p, 0, sizeof(*p));
	p->name = name;
	p->s = ps;
	p->at = at;
}

static void
schema_apply(struct model *m, struct sch *s, struct ytree_node *n)
{
	struct ytree_node	*v, *k, *e;
	struct sch		*b;
	const char		*str;
	unsigned		 bits, bit;
	long long		 ll;
	double			 d;
	size_t			 i, j;
	int			 bv;
	static const struct {
		const char	*name;
		enum sch_fmt	 fmt;
	} fmts[] = {
		{ "email", F_EMAIL }, { "date-time", F_DATETIME },
		{ "date", F_DATE }, { "time", F_TIME }, { "uri", F_URI },
		{ "uuid", F_UUID }, { "ipv4", F_IPV4 }, { "int32", F_INT32 },
		{ "int64", F_INT64 }, { "binary", F_BINARY },
	};

	for (i = 0; i < n->n; i++) {
		k = n->pairs[i].key;
		if (k->kind == YTREE_SCALAR &&
		    schema_strin(k->str, schema_ignored) >= 0)
			schema_note(m, s, arena_sprintf(m->pool, "%s not "
			    "checked", k->str));
	}

	if ((v = ytree_get(n, "type")) != NULL) {
		bits = 0;
		if (v->kind == YTREE_SEQ) {
			for (i = 0; i < v->n; i++) {
				if ((bit = schema_typebit(v->items[i])) == 0)
					diag_error(v->items[i], "unknown type "
					    "'%s'", v->items[i]->kind ==
					    YTREE_SCALAR ? v->items[i]->str :
					    ytree_what(v->items[i]));
				bits |= bit;
			}
		} else if ((bits = schema_typebit(v)) == 0)
			diag_error(v, "unknown type '%s'", v->kind ==
			    YTREE_SCALAR ? v->str : ytree_what(v));
		s->types = s->typed ? (s->types & bits) : bits;
		s->typed = 1;
	}
	if ((v = ytree_get(n, "nullable")) != NULL && ytree_bool(v, &bv) == 0 &&
	    bv)
		s->nullable = 1;
	if ((v = ytree_get(n, "readOnly")) != NULL && ytree_bool(v, &bv) == 0)
		s->readonly |= bv;
	if ((v = ytree_get(n, "writeOnly")) != NULL && ytree_bool(v, &bv) == 0)
		s->writeonly |= bv;
	if (s->readonly && s->writeonly)
		diag_error(n, "a schema cannot be both readOnly and writeOnly");

	/* x-formats: annotate: only OpenAPI's own formats mean anything. */
	if ((v = ytree_get(n, "format")) != NULL && ytree_isstr(v) &&
	    (!m->fmt_annotate || schema_strin(v->str, schema_oasfmt) >= 0)) {
		for (j = 0; j < nitems(fmts); j++)
			if (strcmp(v->str, fmts[j].name) == 0)
				break;
		if (s->fmt == F_NONE) {
			s->fmt = j < nitems(fmts) ? fmts[j].fmt : F_OTHER;
			s->fmtname = v->str;
		}
	}
	if (ytree_get(n, "contentMediaType") != NULL && s->fmt == F_NONE) {
		s->fmt = F_BINARY;
		s->fmtname = "binary";
	}
	if ((v = ytree_get(n, "minLength")) != NULL &&
	    schema_len(v, "minLength", &ll) == 0)
		s->minlen = ll > s->minlen ? ll : s->minlen;
	if ((v = ytree_get(n, "maxLength")) != NULL &&
	    schema_len(v, "maxLength", &ll) == 0)
		s->maxlen = s->maxlen < 0 || ll < s->maxlen ? ll : s->maxlen;
	if ((v = ytree_get(n, "pattern")) != NULL && s->pattern < 0)
		s->pattern = schema_pattern(m, v);

	if ((v = ytree_get(n, "minimum")) != NULL) {
		if (schema_num(v, &d) == -1)
			diag_error(v, "minimum must be a number");
		else if (!s->has_min || d > s->min) {
			s->has_min = 1;
			s->min = d;
			s->mintext = v->str;
			s->xmin = 0;
		}
	}
	if ((v = ytree_get(n, "maximum")) != NULL) {
		if (schema_num(v, &d) == -1)
			diag_error(v, "maximum must be a number");
		else if (!s->has_max || d < s->max) {
			s->has_max = 1;
			s->max = d;
			s->maxtext = v->str;
			s->xmax = 0;
		}
	}
	if ((v = ytree_get(n, "exclusiveMinimum")) != NULL) {
		if (ytree_bool(v, &bv) == 0) {
			/* 3.0: a flag on minimum. */
			if (bv && !ytree_get(n, "minimum"))
				diag_error(v, "exclusiveMinimum: true without "
				    "minimum");
			else if (bv)
				s->xmin = 1;
		} else if (schema_num(v, &d) == 0) {
			if (!s->has_min || d >= s->min) {
				s->has_min = 1;
				s->min = d;
				s->mintext = v->str;
				s->xmin = 1;
			}
		} else
			diag_error(v, "exclusiveMinimum must be a number or "
			    "a boolean");
	}
	if ((v = ytree_get(n, "exclusiveMaximum")) != NULL) {
		if (ytree_bool(v, &bv) == 0) {
			if (bv && !ytree_get(n, "maximum"))
				diag_error(v, "exclusiveMaximum: true without "
				    "maximum");
			else if (bv)
				s->xmax = 1;
		} else if (schema_num(v, &d) == 0) {
			if (!s->has_max || d <= s->max) {
				s->has_max = 1;
				s->max = d;
				s->maxtext = v->str;
				s->xmax = 1;
			}
		} else
			diag_error(v, "exclusiveMaximum must be a number or "
			    "a boolean");
	}
	if ((v = ytree_get(n, "multipleOf")) != NULL) {
		if (schema_num(v, &d) == -1 || d <= 0)
			diag_error(v, "multipleOf must be a number greater "
			    "than 0");
		else if (!s->has_mult) {
			s->has_mult = 1;
			s->mult = d;
			s->multtext = v->str;
		}
	}

	if ((v = ytree_get(n, "items")) != NULL && s->items == NULL) {
		if (v->kind == YTREE_SEQ)
			diag_error(v, "items as a list (tuple validation) is "
			    "not supported; use prefixItems (3.1)");
		else
			s->items = schema_get(m, v, arena_sprintf(m->pool,
			    "%s_item", s->name));
	}
	if ((v = ytree_get(n, "minItems")) != NULL &&
	    schema_len(v, "minItems", &ll) == 0)
		s->minitems = ll > s->minitems ? ll : s->minitems;
	if ((v = ytree_get(n, "maxItems")) != NULL &&
	    schema_len(v, "maxItems", &ll) == 0)
		s->maxitems = s->maxitems < 0 || ll < s->maxitems ? ll :
		    s->maxitems;
	if ((v = ytree_get(n, "uniqueItems")) != NULL &&
	    ytree_bool(v, &bv) == 0)
		s->unique |= bv;

	if ((v = ytree_get(n, "properties")) != NULL) {
		if (v->kind != YTREE_MAP)
			diag_error(v, "properties must be a mapping, not %s",
			    ytree_what(v));
		else {
			for (i = 0; i < v->n; i++) {
				k = v->pairs[i].key;
				if (!ytree_isstr(k) ||
				    strlen(k->str) != k->len) {
					diag_error(k, "a property name must be "
					    "a string");
					continue;
				}
				b = schema_get(m, v->pairs[i].value,
				    arena_sprintf(m->pool, "%s_%s", s->name,
				    k->str));
				schema_addprop(m, s, k->str, b, k);
			}
		}
	}
	if ((v = ytree_get(n, "required")) != NULL) {
		if (v->kind != YTREE_SEQ)
			diag_error(v, "required must be a sequence, not %s",
			    ytree_what(v));
		else {
			for (i = 0; i < v->n; i++) {
				e = v->items[i];
				if (!ytree_isstr(e)) {
					diag_error(e, "a required name must be "
					    "a string");
					continue;
				}
				{
					const struct ytree_node	**nr;

					nr = arena_calloc(m->pool,
					    s->nrequired + 1,
					    sizeof(*nr));
					if (s->nrequired > 0)
						memcpy(nr, s->required,
						    s->nrequired *
						    sizeof(*nr));
					nr[s->nrequired++] = e;
					s->required = nr;
				}
			}
		}
	}
	if ((v = ytree_get(n, "additionalProperties")) != NULL) {
		if (ytree_bool(v, &bv) == 0) {
			if (!bv)
				s->addl = ADDL_FORBID;
		} else if (ytree_deref(v)->kind == YTREE_MAP) {
			b = schema_get(m, v, arena_sprintf(m->pool, "%s_value",
			    s->name));
			if (schema_target(b) != NULL &&
			    schema_target(b)->nalts == 0 &&
			    schema_target(b)->repr == R_ANY &&
			    !schema_target(b)->typed &&
			    schema_target(b)->enumv == NULL &&
			    schema_target(b)->built == 2)
				;	/* {} is the same as true */
			else {
				s->addl = ADDL_SCHEMA;
				s->addl_sch = b;
			}
		} else
			diag_error(v, "additionalProperties must be a boolean "
			    "or a schema, not %s", ytree_what(v));
	}
	if ((v = ytree_get(n, "minProperties")) != NULL &&
	    schema_len(v, "minProperties", &ll) == 0)
		s->minprops = ll;
	if ((v = ytree_get(n, "maxProperties")) != NULL &&
	    schema_len(v, "maxProperties", &ll) == 0)
		s->maxprops = ll;

	if ((v = ytree_get(n, "enum")) != NULL) {
		if (v->kind != YTREE_SEQ)
			diag_error(v, "enum must be a sequence");
		else if (v->n == 0) {
			/* JSON Schema: valid against no value. */
			diag_warn(v, "enum is empty: the schema accepts no "
			    "value");
			if (s->enumv == NULL)
				s->enumv = v;
		} else if (s->enumv == NULL)
			s->enumv = v;
	}
	if ((v = ytree_get(n, "const")) != NULL && s->constv == NULL)
		s->constv = v;
	if ((v = ytree_get(n, "default")) != NULL && s->def == NULL)
		s->def = v;

	if ((v = ytree_get(n, "allOf")) != NULL) {
		if (v->kind != YTREE_SEQ || v->n == 0)
			diag_error(v, "allOf must be a non-empty sequence");
		else {
			for (i = 0; i < v->n; i++) {
				b = schema_get(m, v->items[i],
				    arena_sprintf(m->pool, "%s_%zu", s->name,
				    i));
				schema_merge(m, s, b, v->items[i]);
			}
		}
	}
	for (j = 0; j < 2; j++) {
		str = j == 0 ? "oneOf" : "anyOf";
		if ((v = ytree_get(n, str)) == NULL)
			continue;
		if (v->kind != YTREE_SEQ || v->n == 0) {
			diag_error(v, "%s must be a non-empty sequence", str);
			continue;
		}
		if (s->nalts > 0) {
			schema_note(m, s, arena_sprintf(m->pool, "%s not "
			    "checked", str));
			continue;
		}
		s->oneof = j == 0;
		s->alts = arena_calloc(m->pool, v->n, sizeof(*s->alts));
		for (i = 0; i < v->n; i++) {
			b = schema_get(m, v->items[i], arena_sprintf(m->pool,
			    "%s_%zu", s->name, i));
			if (schema_isnull(b)) {
				s->nullable = 1;
				continue;
			}
			s->alts[s->nalts++] = b;
		}
		if (s->nalts == 0) {
			s->typed = 1;
			s->types = T_NULL;
		}
	}
	if ((v = ytree_get(n, "discriminator")) != NULL && s->nalts > 0) {
		if (v->kind != YTREE_MAP ||
		    !ytree_isstr(ytree_get(v, "propertyName")))
			diag_error(v, "discriminator needs a propertyName");
		else {
			s->disc = ytree_get(v, "propertyName")->str;
			s->disc_values = arena_calloc(m->pool, s->nalts,
			    sizeof(*s->disc_values));
			e = ytree_get(v, "mapping");
			for (i = 0; e != NULL && e->kind == YTREE_MAP &&
			    i < e->n; i++) {
				const struct ytree_node	*val;
				const char		*ref, *tail;

				val = e->pairs[i].value;
				if (!ytree_isstr(val)) {
					diag_error(val, "a discriminator "
					    "mapping value must be a string");
					continue;
				}
				ref = val->str;
				tail = strrchr(ref, '/');
				tail = tail != NULL ? tail + 1 : ref;
				for (j = 0; j < s->nalts; j++)
					if (schema_titled(s->alts[j], tail) ||
					    schema_refnamed(n, s->nalts, j,
					    ref))
						break;
				if (j == s->nalts)
					diag_warn(val, "discriminator mapping "
					    "'%s' is none of the alternatives: "
					    "ignored", ref);
				else if (s->disc_values[j] == NULL)
					s->disc_values[j] =
					    e->pairs[i].key->str;
			}
			for (j = 0; j < s->nalts; j++) {
				b = schema_target(s->alts[j]);
				if (s->disc_values[j] != NULL)
					continue;
				if (b == NULL || b->title == NULL)
					break;
				s->disc_values[j] = b->title;
			}
			/* A discriminator is a hint (OpenAPI 3.x): one that
			 * cannot name every alternative is ignored, and
			 * oneOf/anyOf decide alone.  Said once, not per
			 * alternative. */
			if (j < s->nalts) {
				diag_warn(v, "discriminator ignored: "
				    "alternative %zu is not a $ref to a "
				    "component and has no mapping", j);
				s->disc = NULL;
				s->disc_values = NULL;
			}
		}
	}
}

/* allOf: b's constraints become s's too. */
static void
schema_merge(struct model *m, struct sch *s, struct sch *b,
    const struct ytree_node *at)
{
	size_t	i;

	if (b == NULL)
		return;
	if (b->built == 1 && b->alias == NULL && schema_target(b) == b) {
		diag_error(at, "allOf refers back to the schema it is part of");
		return;
	}
	if (b->readonly)
		s->readonly = 1;
	if (b->writeonly)
		s->writeonly = 1;
	if (b->nullable && !s->typed)
		s->nullable = 1;
	if ((b = schema_target(b)) == NULL || b == s)
		return;
	if (b->built == 1) {
		diag_error(at, "allOf refers back to the schema it is part of");
		return;
	}
	if (b->typed) {
		s->types = s->typed ? (s->types & b->types) : b->types;
		s->typed = 1;
	}
	if (b->comment != NULL)
		schema_note(m, s, b->comment);
	if (b->minlen > s->minlen)
		s->minlen = b->minlen;
	if (b->maxlen >= 0 && (s->maxlen < 0 || b->maxlen < s->maxlen))
		s->maxlen = b->maxlen;
	if (s->pattern < 0)
		s->pattern = b->pattern;
	if (s->fmt == F_NONE) {
		s->fmt = b->fmt;
		s->fmtname = b->fmtname;
	}
	if (b->has_min && (!s->has_min || b->min > s->min)) {
		s->has_min = 1;
		s->min = b->min;
		s->mintext = b->mintext;
		s->xmin = b->xmin;
	}
	if (b->has_max && (!s->has_max || b->max < s->max)) {
		s->has_max = 1;
		s->max = b->max;
		s->maxtext = b->maxtext;
		s->xmax = b->xmax;
	}
	if (b->has_mult && !s->has_mult) {
		s->has_mult = 1;
		s->mult = b->mult;
		s->multtext = b->multtext;
	}
	if (s->items == NULL)
		s->items = b->items;
	if (b->minitems > s->minitems)
		s->minitems = b->minitems;
	if (b->maxitems >= 0 && (s->maxitems < 0 || b->maxitems < s->maxitems))
		s->maxitems = b->maxitems;
	s->unique |= b->unique;
	for (i = 0; i < b->nprops; i++) {
		schema_addprop(m, s, b->props[i].name, b->props[i].s,
		    b->props[i].at);
		if (b->props[i].required) {
			const struct ytree_node	**nr;

			nr = arena_calloc(m->pool, s->nrequired + 1,
			    sizeof(*nr));
			if (s->nrequired > 0)
				memcpy(nr, s->required, s->nrequired *
				    sizeof(*nr));
			/* A synthetic name node: the property's key. */
			nr[s->nrequired++] = b->props[i].at;
			s->required = nr;
		}
	}
	if (s->addl == ADDL_IGNORE) {
		s->addl = b->addl;
		s->addl_sch = b->addl_sch;
	}
	if (b->minprops > s->minprops)
		s->minprops = b->minprops;
	if (b->maxprops >= 0 && (s->maxprops < 0 || b->maxprops < s->maxprops))
		s->maxprops = b->maxprops;
	if (s->enumv == NULL)
		s->enumv = b->enumv;
	if (s->constv == NULL)
		s->constv = b->constv;
	if (s->def == NULL)
		s->def = b->def;
	if (s->nalts == 0 && b->nalts > 0) {
		s->alts = b->alts;
		s->nalts = b->nalts;
		s->oneof = b->oneof;
		s->disc = b->disc;
		s->disc_values = b->disc_values;
	}
}

static void
schema_finish(struct model *m, struct sch *s)
{
	struct sch	*any;
	unsigned	 t;
	size_t		 i, j;

	/* required names, checked against properties */
	for (i = 0; i < s->nrequired; i++) {
		for (j = 0; j < s->nprops; j++)
			if (strcmp(s->props[j].name, s->required[i]->str) == 0)
				break;
		if (j < s->nprops) {
			s->props[j].required = 1;
			continue;
		}
		if (s->addl == ADDL_FORBID)
			diag_error(s->required[i], "required property '%s' is "
			    "not defined and additionalProperties is false",
			    s->required[i]->str);
		else if (s->nalts == 0) {
			any = schema_new(m, s->required[i],
			    arena_sprintf(m->pool, "%s_%s", s->name,
			    s->required[i]->str));
			any->built = 2;
			schema_addprop(m, s, s->required[i]->str, any,
			    s->required[i]);
			s->props[s->nprops - 1].required = 1;
		}
	}

	if (s->typed && (s->types & T_NULL))
		s->nullable = 1;
	/* 3.1: a schema that says nothing ({}, true) takes null too. */
	if (!m->v30 && !s->typed && s->nalts == 0 && s->nprops == 0 &&
	    s->items == NULL && s->addl == ADDL_IGNORE && s->enumv == NULL &&
	    s->constv == NULL)
		s->nullable = 1;
	t = s->typed ? s->types & ~(unsigned)T_NULL : 0;
	if (s->typed && (t & T_INT) && (t & T_NUM))
		t &= ~(unsigned)T_INT;
	if (s->nalts > 0)
		s->repr = R_UNION;
	else if (!s->typed && (s->nprops > 0 || s->addl == ADDL_SCHEMA))
		s->repr = R_OBJ;
	else if (!s->typed && s->items != NULL)
		s->repr = R_ARR;
	else if (t == T_BOOL)
		s->repr = R_BOOL;
	else if (t == T_INT)
		s->repr = R_INT;
	else if (t == T_NUM)
		s->repr = R_NUM;
	else if (t == T_STR)
		s->repr = s->fmt == F_BINARY ? R_FILE : R_STR;
	else if (t == T_ARR)
		s->repr = R_ARR;
	else if (t == T_OBJ)
		s->repr = s->nprops > 0 || s->addl == ADDL_SCHEMA ? R_OBJ :
		    R_ANY;
	else
		s->repr = R_ANY;
	if (s->repr == R_ARR && s->items == NULL) {
		s->items = schema_new(m, s->at, arena_sprintf(m->pool,
		    "%s_item", s->name));
		s->items->built = 2;
	}
	if (s->repr == R_UNION && s->nprops > 0)
		schema_note(m, s, "properties beside oneOf/anyOf not checked");

	if (s->minlen >= 0 && s->maxlen >= 0 && s->minlen > s->maxlen)
		diag_error(s->at, "minLength %lld is greater than maxLength "
		    "%lld", s->minlen, s->maxlen);
	if (s->has_min && s->has_max && (s->min > s->max ||
	    (s->min == s->max && (s->xmin || s->xmax))))
		diag_error(s->at, "minimum %s and maximum %s leave no value",
		    s->mintext, s->maxtext);
	if (s->minitems >= 0 && s->maxitems >= 0 && s->minitems > s->maxitems)
		diag_error(s->at, "minItems %lld is greater than maxItems "
		    "%lld", s->minitems, s->maxitems);
	if (s->minprops >= 0 && s->maxprops >= 0 && s->minprops > s->maxprops)
		diag_error(s->at, "minProperties %lld is greater than "
		    "maxProperties %lld", s->minprops, s->maxprops);
	if (s->fmt == F_OTHER)
		schema_note(m, s, arena_sprintf(m->pool, "format %s not "
		    "checked", s->fmtname));
	schema_defaults(m, s);
}

/*
 * Whether scalar n is a value of s: its type, enum, bounds, lengths.
 * Only scalars are checked here; *why says what is wrong.
 */
static int
schema_scalar_ok(const struct sch *s, const struct ytree_node *n,
    const char **why)
{
	long long	len;
	double		d;
	size_t		i;

	if (n->kind != YTREE_SCALAR)
		return 1;
	if (n->type == YTREE_NULL) {
		*why = "null is not allowed";
		return schema_nullable(s) || s->repr == R_ANY;
	}
	switch (s->repr) {
	case R_BOOL:
		*why = "not a boolean";
		return n->type == YTREE_BOOL;
	case R_INT:
	case R_NUM:
		*why = s->repr == R_INT ? "not an integer" : "not a number";
		if (n->type != YTREE_INT && (s->repr == R_INT ||
		    n->type != YTREE_FLOAT))
			return 0;
		if (schema_num(n, &d) == -1)
			return 0;
		*why = "out of the schema's bounds";
		if (s->has_min && (d < s->min || (s->xmin && d == s->min)))
			return 0;
		if (s->has_max && (d > s->max || (s->xmax && d == s->max)))
			return 0;
		*why = "not a multiple of multipleOf";
		return !s->has_mult || fabs(d / s->mult -
		    nearbyint(d / s->mult)) < 1e-9;
	case R_STR:
		*why = "not a string";
		if (n->type != YTREE_STR)
			return 0;
		len = 0;
		for (i = 0; i < n->len; i++)
			len += ((unsigned char)n->str[i] & 0xc0) != 0x80;
		*why = "shorter than minLength";
		if (s->minlen >= 0 && len < s->minlen)
			return 0;
		*why = "longer than maxLength";
		return s->maxlen < 0 || len <= s->maxlen;
	default:
		return 1;
	}
}

/* A default, enum values and const must be values of the schema. */
static void
schema_defaults(struct model *m, struct sch *s)
{
	const char	*why = "";
	long long	 ll;
	size_t		 i, j;
	int		 found;

	if (s->enumv != NULL && s->enumv->kind == YTREE_SEQ) {
		struct ytree_node	*kept = NULL;

		/* A value the schema refuses can never be matched: it is
		 * left out (JSON Schema's meaning), with a warning. */
		for (i = 0; i < s->enumv->n; i++) {
			if (schema_scalar_ok(s, s->enumv->items[i], &why))
				continue;
			diag_warn(s->enumv->items[i], "enum value '%s' is %s: "
			    "no value matches it", s->enumv->items[i]->str,
			    why);
			if (kept == NULL) {
				kept = arena_calloc(m->pool, 1, sizeof(*kept));
				*kept = *s->enumv;
				kept->items = arena_calloc(m->pool,
				    s->enumv->n, sizeof(*kept->items));
			}
		}
		if (kept != NULL) {
			kept->n = 0;
			for (i = 0; i < s->enumv->n; i++)
				if (schema_scalar_ok(s, s->enumv->items[i],
				    &why))
					kept->items[kept->n++] =
					    s->enumv->items[i];
			s->enumv = kept;
		}
	}
	if (s->constv != NULL && !schema_scalar_ok(s, s->constv, &why))
		diag_error(s->constv, "const value is %s", why);
	/* default: null on a schema without null means no default. */
	if (s->def == NULL || s->def->kind != YTREE_SCALAR ||
	    (s->def->type == YTREE_NULL && !schema_nullable(s)))
		return;
	/* The C type is int64_t: a default past it (DigitalOcean's
	 * 9223372036854776000, 2^63 in a double) cannot be filled in. */
	if (s->repr == R_INT && s->def->type != YTREE_NULL &&
	    ytree_int(s->def, &ll) == -1) {
		diag_warn(s->def, "default '%s' is not an integer of 64 bits "
		    "(the C type): dropped", s->def->str);
		s->def = NULL;
		return;
	}
	if (!schema_scalar_ok(s, s->def, &why)) {
		/* 3.1: default is an annotation (JSON Schema); one the
		 * schema refuses is not filled in.  3.0: a mistake. */
		if (!m->v30)
			schema_note(m, s, arena_sprintf(m->pool, "default '%s' "
			    "not used: %s", s->def->str, why));
		else
			diag_warn(s->def, "default '%s' does not match its "
			    "schema (%s): dropped", s->def->str, why);
		s->def = NULL;
		return;
	}
	if (s->enumv != NULL && s->enumv->kind == YTREE_SEQ) {
		found = 0;
		for (j = 0; j < s->enumv->n; j++)
			if (s->enumv->items[j]->kind == YTREE_SCALAR &&
			    s->enumv->items[j]->type == s->def->type &&
			    strcmp(s->enumv->items[j]->str, s->def->str) == 0)
				found = 1;
		if (!found) {
			diag_warn(s->def, "default '%s' is not one of the "
			    "enum values: dropped", s->def->str);
			s->def = NULL;
		}
	}
}

/* The struct member names of an object: unique with has_ and _is_null. */
static const char *
schema_member(struct hmap *names, struct arena *pool, const char *name,
    int derived)
{
	const char	*base, *c;
	size_t		 i;

	base = schema_sanitize(pool, name, "n");
	if (schema_strin(base, schema_ckeywords) >= 0)
		base = arena_sprintf(pool, "%s_", base);
	c = base;
	for (i = 2;; i++) {
		const char	*h = arena_sprintf(pool, "has_%s", c);
		const char	*z = arena_sprintf(pool, "%s_is_null", c);

		if (hmap_get(names, c, strlen(c)) == NULL && (!derived ||
		    (hmap_get(names, h, strlen(h)) == NULL &&
		    hmap_get(names, z, strlen(z)) == NULL))) {
			hmap_insert(names, c, strlen(c), (void *)c);
			if (derived) {
				hmap_insert(names, h, strlen(h), (void *)h);
				hmap_insert(names, z, strlen(z), (void *)z);
			}
			return c;
		}
		c = arena_sprintf(pool, "%s_%zu", base, i);
	}
}

static void
schema_members(struct model *m, struct sch *s)
{
	struct hmap	*names;
	size_t		 i;

	names = hmap_new();
	hmap_insert(names, "additional", 10, "additional");
	hmap_insert(names, "kind", 4, "kind");
	for (i = 0; i < s->nprops; i++)
		s->props[i].cname = schema_member(names, m->pool,
		    s->props[i].name, 1);
	hmap_free(names);
}

static void
schema_reach(struct sch *s)
{
	size_t	i;

	for (; s != NULL && !s->reach; s = s->alias) {
		s->reach = 1;
		if (s->alias != NULL)
			continue;
		schema_reach(s->items);
		schema_reach(s->addl_sch);
		for (i = 0; i < s->nprops; i++)
			schema_reach(s->props[i].s);
		for (i = 0; i < s->nalts; i++)
			schema_reach(s->alts[i]);
	}
}



/* A pattern (or patternProperties key) that must compile as the runtime
 * compiles it (ECMA-262 spellings translated, format.h); 0 when it does. */
static int
schema_recheck(const struct ytree_node *n)
{
	pcre2_code	*re;
	PCRE2_UCHAR	 msg[256];
	PCRE2_SIZE	 off;
	char		*pcre;
	int		 err;

	if (!ytree_isstr(n) || strlen(n->str) != n->len) {
		diag_error(n, "a pattern must be a string without NULs");
		return -1;
	}
	pcre = format_pattern(n->str);
	re = pcre2_compile((PCRE2_SPTR)pcre, PCRE2_ZERO_TERMINATED,
	    FORMAT_PCRE2_OPTIONS, &err, &off, NULL);
	free(pcre);
	if (re == NULL) {
		pcre2_get_error_message(err, msg, sizeof(msg));
		diag_error(n, "pattern does not compile: %s at offset %zu",
		    (const char *)msg, (size_t)off);
		return -1;
	}
	pcre2_code_free(re);
	return 0;
}

static void
schema_typecheck(const struct ytree_node *v)
{
	size_t	i;

	if (v->kind == YTREE_SEQ) {
		for (i = 0; i < v->n; i++)
			if (schema_typebit(v->items[i]) == 0)
				diag_error(v->items[i], "unknown type '%s'",
				    v->items[i]->kind == YTREE_SCALAR ?
				    v->items[i]->str : ytree_what(v->items[i]));
	} else if (schema_typebit(v) == 0)
		diag_error(v, "unknown type '%s'", v->kind == YTREE_SCALAR ?
		    v->str : ytree_what(v));
}

/*
 * Which schemas get a C type.  The typed decoders (genmodel.c) check a
 * value of one declared type against the keywords of that type, merge
 * allOf branches into one struct and try oneOf/anyOf alternatives in
 * turn; that is JSON Schema's meaning exactly when the schema uses only
 * such keywords, so only then is a schema typed ("exact").  Any other
 * schema of a 3.1 document (keywords without type, not, if/then/else,
 * prefixItems, patternProperties, unevaluated*, siblings of oneOf or of a
 * $ref, allOf branches that overlap, ...) is a JSON value (struct
 * api_json) that runtime/jschema.c evaluates by every keyword.
 */

/* Keywords the typed decoders check, and the types they apply to. */
static const struct {
	const char	*kw;
	unsigned	 types;
} schema_typedkw[] = {
	{ "minLength", T_STR }, { "maxLength", T_STR }, { "pattern", T_STR },
	{ "format", T_STR | T_INT | T_NUM },
	{ "minimum", T_INT | T_NUM }, { "maximum", T_INT | T_NUM },
	{ "exclusiveMinimum", T_INT | T_NUM },
	{ "exclusiveMaximum", T_INT | T_NUM },
	{ "multipleOf", T_INT | T_NUM },
	{ "items", T_ARR }, { "minItems", T_ARR }, { "maxItems", T_ARR },
	{ "uniqueItems", T_ARR },
	{ "properties", T_OBJ }, { "required", T_OBJ },
	{ "additionalProperties", T_OBJ }, { "minProperties", T_OBJ },
	{ "maxProperties", T_OBJ },
};

/* Annotations, and keywords that only shape the C type. */
static const char *const schema_quiet[] = {
	"description", "summary", "title", "example", "examples",
	"deprecated", "externalDocs", "$comment", "default", "readOnly",
	"writeOnly", "nullable", "discriminator", "xml", "contentMediaType",
	"contentEncoding", "contentSchema", "$schema", "$defs",
	"definitions", NULL
};

/* The 2020-12 keywords only the runtime evaluates. */
static const char *const schema_runtime_kw[] = {
	"not", "if", "then", "else", "prefixItems", "contains",
	"minContains", "maxContains", "patternProperties", "propertyNames",
	"dependentRequired", "dependentSchemas", "unevaluatedItems",
	"unevaluatedProperties", "$ref", "$id", "$anchor", "$dynamicRef",
	"$dynamicAnchor", "$vocabulary", "$recursiveRef", "$recursiveAnchor",
	NULL
};

/* Formats the typed decoders check, per type. */
static const struct {
	const char	*name;
	unsigned	 types;
} schema_typedfmt[] = {
	{ "email", T_STR }, { "date-time", T_STR }, { "date", T_STR },
	{ "time", T_STR }, { "uri", T_STR }, { "uuid", T_STR },
	{ "ipv4", T_STR }, { "binary", T_STR }, { "password", T_STR },
	{ "int32", T_INT }, { "int64", T_INT }, { "float", T_NUM },
	{ "double", T_NUM },
};

/* An enum or const value the typed decoder of type bit compares right. */
static int
schema_exact_value(const struct ytree_node *e, unsigned bit)
{
	if (e->kind != YTREE_SCALAR)
		return 0;
	switch (bit) {
	case T_STR:
		return e->type == YTREE_STR && strlen(e->str) == e->len;
	case T_INT:
		return e->type == YTREE_INT;
	case T_NUM:
		return e->type == YTREE_INT || e->type == YTREE_FLOAT;
	case T_BOOL:
		return e->type == YTREE_BOOL;
	default:
		return 0;
	}
}

static int
schema_exact(struct model *m, const struct ytree_node *n, int depth)
{
	const struct ytree_node	*k, *v, *t, *b, *bk;
	unsigned		 bit = 0;
	size_t			 i, j, l;
	int			 nullbit = 0, found;

	if (depth > 16)
		return 0;
	if (n->kind == YTREE_SCALAR && n->type == YTREE_BOOL)
		return 1;
	if (n->kind != YTREE_MAP)
		return 1;	/* schema_make() reports it */
	if ((t = ytree_get(n, "type")) != NULL) {
		if (t->kind == YTREE_SCALAR)
			bit = schema_typebit(t);
		else if (t->kind == YTREE_SEQ && t->n == 2) {
			for (i = 0; i < 2; i++) {
				if (schema_typebit(t->items[i]) == T_NULL)
					nullbit = 1;
				else
					bit = schema_typebit(t->items[i]);
			}
			if (!nullbit)
				return 0;
		} else
			return 0;
		if (bit == 0 || bit == T_NULL)
			return bit == T_NULL && t->kind == YTREE_SCALAR &&
			    n->n == 1;
	}
	for (i = 0; i < n->n; i++) {
		k = n->pairs[i].key;
		v = n->pairs[i].value;
		if (k->kind != YTREE_SCALAR)
			return 0;
		if (strcmp(k->str, "$schema") == 0 && (!ytree_isstr(v) ||
		    schema_strin(v->str, schema_dialects) < 0))
			return 0;	/* schema_jsonwrite() refuses it */
		if (strncmp(k->str, "x-", 2) == 0 ||
		    schema_strin(k->str, schema_quiet) >= 0 ||
		    strcmp(k->str, "type") == 0)
			continue;
		if (strcmp(k->str, "enum") == 0 ||
		    strcmp(k->str, "const") == 0) {
			if (bit == 0)
				return 0;
			if (v->kind == YTREE_SEQ && k->str[0] == 'e') {
				if (v->n == 0)
					return 0;
				for (j = 0; j < v->n; j++)
					if (!schema_exact_value(v->items[j], bit))
						return 0;
			} else if (!schema_exact_value(v, bit))
				return 0;
			continue;
		}
		if (strcmp(k->str, "allOf") == 0 ||
		    strcmp(k->str, "oneOf") == 0 ||
		    strcmp(k->str, "anyOf") == 0) {
			if (v->kind != YTREE_SEQ)
				return 1;	/* reported later */
			for (j = 0; j < v->n; j++)
				if (!schema_exact(m, ytree_deref(v->items[j]),
				    depth + 1) || (v->items[j]->ref != NULL &&
				    !schema_trivial(v->items[j], "$ref")))
					return 0;
			continue;
		}
		if (schema_strin(k->str, schema_runtime_kw) >= 0)
			return 0;
		for (j = 0; j < nitems(schema_typedkw); j++)
			if (strcmp(k->str, schema_typedkw[j].kw) == 0)
				break;
		if (j == nitems(schema_typedkw))
			continue;	/* not a keyword: an annotation */
		if (!(schema_typedkw[j].types & bit))
			return 0;
		if (strcmp(k->str, "format") == 0 && m->fmt_annotate &&
		    ytree_isstr(v) && schema_strin(v->str, schema_oasfmt) < 0)
			continue;	/* an annotation: ignored */
		if (strcmp(k->str, "format") == 0) {
			if (!ytree_isstr(v))
				return 0;
			for (l = 0; l < nitems(schema_typedfmt); l++)
				if (strcmp(v->str, schema_typedfmt[l].name) ==
				    0 && (schema_typedfmt[l].types & bit))
					break;
			if (l == nitems(schema_typedfmt))
				return 0;
		}
		if (strcmp(k->str, "items") == 0 && v->kind == YTREE_SEQ)
			return 1;	/* schema_apply() reports it */
		/* Member names are C strings: a NUL in one is the
		 * runtime's to compare. */
		for (j = 0; (strcmp(k->str, "properties") == 0 &&
		    v->kind == YTREE_MAP) && j < v->n; j++)
			if (strlen(v->pairs[j].key->str) !=
			    v->pairs[j].key->len)
				return 0;
		if (strcmp(k->str, "pattern") == 0 &&
		    (!ytree_isstr(v) || strlen(v->str) != v->len))
			return 0;
	}
	/* oneOf/anyOf: alone, beside annotations and a discriminator. */
	if (ytree_get(n, "oneOf") != NULL || ytree_get(n, "anyOf") != NULL) {
		if (ytree_get(n, "oneOf") != NULL &&
		    ytree_get(n, "anyOf") != NULL)
			return 0;
		for (i = 0; i < n->n; i++) {
			k = n->pairs[i].key;
			if (strcmp(k->str, "oneOf") != 0 &&
			    strcmp(k->str, "anyOf") != 0 &&
			    strncmp(k->str, "x-", 2) != 0 &&
			    schema_strin(k->str, schema_quiet) < 0)
				return 0;
		}
	}
	/* allOf: merged, so the branches must not overlap. */
	if ((v = ytree_get(n, "allOf")) != NULL && v->kind == YTREE_SEQ) {
		static const char *const once[] = { "enum", "const",
		    "pattern", "format", "multipleOf", "items", "default",
		    "discriminator", NULL };
		const struct ytree_node	*all[64];
		size_t			 nall = 0;

		if (v->n + 1 > nitems(all))
			return 0;
		all[nall++] = n;
		for (i = 0; i < v->n; i++)
			all[nall++] = ytree_deref(v->items[i]);
		for (i = 0; i < nall; i++) {
			b = all[i];
			if (b->kind != YTREE_MAP)
				return b->kind == YTREE_SCALAR &&
				    strcmp(b->str, "true") == 0 ? 1 : 0;
			if ((i > 0 && (ytree_get(b, "allOf") != NULL ||
			    ytree_get(b, "oneOf") != NULL ||
			    ytree_get(b, "anyOf") != NULL)) ||
			    (ytree_get(b, "additionalProperties") != NULL &&
			    (ytree_get(b, "additionalProperties")->kind !=
			    YTREE_SCALAR || strcmp(ytree_get(b,
			    "additionalProperties")->str, "true") != 0)))
				return 0;
			for (j = 0; once[j] != NULL; j++) {
				if (ytree_get(b, once[j]) == NULL)
					continue;
				for (l = i + 1; l < nall; l++)
					if (all[l]->kind == YTREE_MAP &&
					    ytree_get(all[l], once[j]) != NULL)
						return 0;
			}
			if ((bk = ytree_get(b, "properties")) == NULL ||
			    bk->kind != YTREE_MAP)
				continue;
			for (j = 0; j < bk->n; j++) {
				found = 0;
				for (l = i + 1; l < nall && !found; l++) {
					const struct ytree_node	*p;

					p = ytree_get(all[l], "properties");
					if (p != NULL && p->kind == YTREE_MAP &&
					    ytree_getn(p, bk->pairs[j].key->str,
					    bk->pairs[j].key->len) != NULL)
						found = 1;
				}
				if (found)
					return 0;
			}
		}
	}
	return 1;
}

/* The value of a keyword the runtime reads, checked as schema_apply()
 * checks the typed ones. */
static void
schema_jskwcheck(const struct ytree_node *k, const struct ytree_node *v)
{
	static const char *const nums[] = { "minimum", "maximum",
	    "exclusiveMinimum", "exclusiveMaximum", "multipleOf", NULL };
	static const char *const sizes[] = { "minLength", "maxLength",
	    "minItems", "maxItems", "minProperties", "maxProperties",
	    "minContains", "maxContains", NULL };
	long long	ll;
	double		d;
	size_t		i;

	if (schema_strin(k->str, nums) >= 0) {
		if (schema_num(v, &d) == -1)
			diag_error(v, "%s must be a number", k->str);
		else if (strcmp(k->str, "multipleOf") == 0 && d <= 0)
			diag_error(v, "multipleOf must be a number greater "
			    "than 0");
	} else if (schema_strin(k->str, sizes) >= 0)
		(void)schema_len(v, k->str, &ll);
	else if (strcmp(k->str, "required") == 0) {
		if (v->kind != YTREE_SEQ)
			diag_error(v, "required must be a sequence, not %s",
			    ytree_what(v));
		for (i = 0; v->kind == YTREE_SEQ && i < v->n; i++)
			if (!ytree_isstr(v->items[i]))
				diag_error(v->items[i], "a required name must "
				    "be a string");
	} else if (strcmp(k->str, "enum") == 0 && v->kind != YTREE_SEQ)
		diag_error(v, "enum must be a sequence");
	else if (strcmp(k->str, "uniqueItems") == 0 && ytree_bool(v,
	    (int *)&i) == -1)
		diag_error(v, "uniqueItems must be a boolean");
}

/* The index of n among the schemas the runtime evaluates. */
static int
schema_jsindex(struct model *m, const struct ytree_node *n)
{
	void	*key, *got;

	if ((got = hmap_get(m->jmemo, (const char *)&n, sizeof(n))) != NULL)
		return (int)((uintptr_t)got - 1);
	if (m->njnodes == m->capjnodes) {
		m->capjnodes = m->capjnodes == 0 ? 64 : m->capjnodes * 2;
		m->jnodes = xreallocarray(m->jnodes, m->capjnodes,
		    sizeof(*m->jnodes));
	}
	m->jnodes[m->njnodes++] = n;
	key = arena_alloc(m->pool, sizeof(n));
	memcpy(key, &n, sizeof(n));
	hmap_set(m->jmemo, key, sizeof(n), (void *)(uintptr_t)m->njnodes);
	return (int)m->njnodes - 1;
}

/* A JSON string from bytes (NULs and all). */
static void
schema_jsonstr(struct buf *b, const char *s, size_t len)
{
	static const char	hex[] = "0123456789abcdef";
	size_t			i;
	unsigned char		c;

	buf_putc(b, '"');
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			buf_putc(b, '\\');
			buf_putc(b, c);
		} else if (c < 0x20) {
			buf_puts(b, "\\u00");
			buf_putc(b, hex[c >> 4]);
			buf_putc(b, hex[c & 15]);
		} else
			buf_putc(b, c);
	}
	buf_putc(b, '"');
}

/* Data (enum, const, ...) as JSON, $refs inside it left alone. */
static void
schema_jsondata(struct buf *b, const struct ytree_node *n)
{
	char	*text;

	if ((text = tojson_value(n)) == NULL) {
		buf_puts(b, "null");
		return;
	}
	buf_puts(b, text);
	free(text);
}

/*
 * Schema n as the runtime reads it (jschema.h): a $ref becomes the index
 * of its target, and what the runtime cannot evaluate is reported at
 * its place.
 */
static void
schema_jsonwrite(struct model *m, struct buf *b, const struct ytree_node *n,
    int depth)
{
	static const char *const one[] = { "items", "additionalProperties",
	    "unevaluatedItems", "unevaluatedProperties", "propertyNames",
	    "contains", "not", "if", "then", "else", NULL };
	static const char *const list[] = { "allOf", "anyOf", "oneOf",
	    "prefixItems", NULL };
	static const char *const named[] = { "properties",
	    "patternProperties", "$defs", "definitions", "dependentSchemas",
	    NULL };
	static const char *const refused[] = { "$dynamicRef",
	    "$dynamicAnchor", "$vocabulary", NULL };
	/* 2019-09's, unknown to 2020-12 (3.1's dialect): annotations. */
	static const char *const old[] = { "$recursiveRef",
	    "$recursiveAnchor", NULL };
	const struct ytree_node	*k, *v, *t;
	size_t			 i, j;
	int			 first = 1, strtype;

	if (depth > CODEGEN_MAX_DEPTH || b->len > (64u << 20)) {
		if (depth == CODEGEN_MAX_DEPTH + 1)
			diag_error(n, "schema nested too deeply");
		buf_puts(b, "true");
		return;
	}
	if (n->kind == YTREE_SCALAR && n->type == YTREE_BOOL) {
		buf_puts(b, strcmp(n->str, "false") == 0 ? "false" : "true");
		return;
	}
	if (n->kind != YTREE_MAP) {
		diag_error(n, "a schema must be a mapping or a boolean, not %s",
		    ytree_what(n));
		buf_puts(b, "true");
		return;
	}
	t = ytree_get(n, "type");
	strtype = t == NULL || (t->kind == YTREE_SCALAR &&
	    strcmp(t->str, "string") == 0);
	for (i = 0; t != NULL && t->kind == YTREE_SEQ && i < t->n; i++)
		if (ytree_isstr(t->items[i]) &&
		    strcmp(t->items[i]->str, "string") == 0)
			strtype = 1;
	buf_putc(b, '{');
	for (i = 0; i < n->n; i++) {
		k = n->pairs[i].key;
		v = n->pairs[i].value;
		if (k->kind != YTREE_SCALAR)
			continue;
		if (schema_strin(k->str, old) >= 0) {
			diag_warn(k, "%s is a JSON Schema 2019-09 keyword, "
			    "unknown to 2020-12 (OpenAPI 3.1's dialect): "
			    "ignored", k->str);
			continue;
		}
		if (schema_strin(k->str, refused) >= 0) {
			diag_error(k, "%s is not supported: the generated "
			    "validators follow $ref (by JSON pointer, $id "
			    "and $anchor), not dynamic scopes or "
			    "vocabularies", k->str);
			continue;
		}
		if (strcmp(k->str, "$schema") == 0 && (!ytree_isstr(v) ||
		    schema_strin(v->str, schema_dialects) < 0)) {
			diag_error(v, "$schema '%s' is not supported: the "
			    "generated validators read JSON Schema 2020-12 "
			    "(and OpenAPI 3.1's dialect), not other "
			    "metaschemas or their $vocabulary", v->kind ==
			    YTREE_SCALAR ? v->str : ytree_what(v));
			continue;
		}
		if (strcmp(k->str, "$ref") == 0) {
			if (n->ref == NULL)
				continue;
			buf_printf(b, "%s\"$ref\":%d", first ? "" : ",",
			    schema_jsindex(m, n->ref));
			first = 0;
			continue;
		}
		if (strcmp(k->str, "format") == 0 && m->fmt_annotate)
			continue;	/* x-formats: annotate */
		buf_puts(b, first ? "" : ",");
		first = 0;
		schema_jsonstr(b, k->str, k->len);
		buf_putc(b, ':');
		if (strcmp(k->str, "items") == 0 && v->kind == YTREE_SEQ) {
			diag_error(v, "items as a list (tuple validation) is "
			    "not supported; use prefixItems (3.1)");
			buf_puts(b, "true");
		} else if (schema_strin(k->str, one) >= 0)
			schema_jsonwrite(m, b, v, depth + 1);
		else if (schema_strin(k->str, list) >= 0 &&
		    v->kind == YTREE_SEQ) {
			buf_putc(b, '[');
			for (j = 0; j < v->n; j++) {
				if (j > 0)
					buf_putc(b, ',');
				schema_jsonwrite(m, b, v->items[j], depth + 1);
			}
			buf_putc(b, ']');
		} else if (schema_strin(k->str, named) >= 0 &&
		    v->kind == YTREE_MAP) {
			buf_putc(b, '{');
			for (j = 0; j < v->n; j++) {
				if (j > 0)
					buf_putc(b, ',');
				schema_jsonstr(b, v->pairs[j].key->str,
				    v->pairs[j].key->len);
				buf_putc(b, ':');
				if (strcmp(k->str, "patternProperties") == 0)
					(void)schema_recheck(v->pairs[j].key);
				schema_jsonwrite(m, b, v->pairs[j].value,
				    depth + 1);
			}
			buf_putc(b, '}');
		} else {
			if (strcmp(k->str, "pattern") == 0)
				(void)schema_recheck(v);
			else if (strcmp(k->str, "format") == 0 && strtype &&
			    ytree_isstr(v) && !m->fmt_annotate &&
			    format_lookup(v->str) == NULL &&
			    schema_strin(v->str, schema_oasfmt) < 0)
				diag_warnonce(arena_sprintf(m->pool,
				    "format %s", v->str), v, "format '%s' is "
				    "unknown: an annotation, not checked "
				    "(x-formats: annotate at the document's "
				    "root says so for all)", v->str);
			else if (strcmp(k->str, "type") == 0)
				schema_typecheck(v);
			else
				schema_jskwcheck(k, v);
			schema_jsondata(b, v);
		}
	}
	buf_putc(b, '}');
}

/* The JSON texts of every schema the runtime evaluates; evaluating one
 * may name more ($ref targets), which get theirs in turn. */
static void
schema_jsonall(struct model *m)
{
	struct buf	 b;
	json_error_t	 err;
	json_t		*j;
	size_t		 i;

	m->jtexts = NULL;
	for (i = 0; i < m->njnodes; i++) {
		buf_init(&b);
		schema_jsonwrite(m, &b, m->jnodes[i], 0);
		/* What the runtime cannot load must stop the build, not the
		 * server: jansson refuses a NUL in a member name. */
		if ((j = json_loads(b.data, JSON_DECODE_ANY | JSON_ALLOW_NUL,
		    &err)) == NULL)
			diag_error(m->jnodes[i], "this schema cannot be "
			    "evaluated by the runtime: %s", err.text);
		json_decref(j);
		m->jtexts = xreallocarray(m->jtexts, i + 1,
		    sizeof(*m->jtexts));
		m->jtexts[i] = arena_strdup(m->pool, b.data);
		buf_free(&b);
	}
}

void
schema_build(struct model *m, const struct ytree *t)
{
	struct ytree_node	*comps, *v;
	struct sch		*s;
	size_t			 i;

	m->memo = hmap_new();
	m->cnames = hmap_new();
	m->jmemo = hmap_new();
	if (t->root == NULL || t->root->kind != YTREE_MAP)
		return;
	if ((v = ytree_get(t->root, "x-formats")) != NULL) {
		if (ytree_isstr(v) && strcmp(v->str, "annotate") == 0)
			m->fmt_annotate = 1;
		else if (!ytree_isstr(v) || strcmp(v->str, "assert") != 0)
			diag_error(v, "x-formats must be 'assert' (the "
			    "default) or 'annotate'");
	}
	/* The generated code's own names, then the operations'. */
	for (i = 0; model_reserved[i] != NULL; i++)
		schema_cname(m, model_reserved[i]);
	for (i = 0; i < m->nops; i++) {
		schema_cname(m, m->ops[i].name);
		schema_cname(m, arena_sprintf(m->pool, "%s_in",
		    m->ops[i].name));
	}

	comps = ytree_deref(ytree_get(ytree_deref(ytree_get(t->root,
	    "components")), "schemas"));
	if (comps != NULL && comps->kind == YTREE_MAP) {
		for (i = 0; i < comps->n; i++) {
			/* As schema_get() will take it: a 3.1 $ref with
			 * siblings is a schema of its own. */
			v = comps->pairs[i].value;
			if (v->kind == YTREE_MAP && v->ref != NULL &&
			    (m->v30 || schema_trivial(v, "$ref")))
				v = ytree_deref(v);
			if (!ytree_isstr(comps->pairs[i].key) ||
			    schema_lookup(m, v) != NULL)
				continue;
			s = schema_new(m, v, comps->pairs[i].key->str);
			s->title = comps->pairs[i].key->str;
			schema_memo(m, v, s);
		}
		for (i = 0; i < comps->n; i++)
			if ((s = schema_get(m, comps->pairs[i].value,
			    "x")) != NULL)
				schema_reach(s);
	}
	schema_ops(m);
	for (i = 0; i < m->nschs; i++)
		if (m->schs[i]->reach && m->schs[i]->alias == NULL)
			schema_members(m, m->schs[i]);
	schema_jsonall(m);
}

static void
schema_ops(struct model *m)
{
	size_t	i, j;

	for (i = 0; i < m->nops; i++) {
		schema_params(m, &m->ops[i]);
		schema_body(m, &m->ops[i]);
		schema_replies(m, &m->ops[i]);
		schema_security(m, &m->ops[i]);
		for (j = 0; j < m->ops[i].nin; j++)
			schema_reach(m->ops[i].in[j].s);
		schema_reach(m->ops[i].body);
		for (j = 0; j < m->ops[i].nreplies; j++)
			schema_reach(m->ops[i].replies[j].s);
	}
}

/* Operation parameters override the path item's of the same name/in. */
static void
schema_params(struct model *m, struct op *op)
{
	struct ytree_node	*lists[2], *e, *d, *n, *in;
	struct param		*v;
	struct hmap		*names[4];
	size_t			 i, j, k, n_ = 0, cap;
	int			 loc;

	lists[0] = op->node != NULL ? ytree_get(op->node, "parameters") : NULL;
	lists[1] = op->itemparams;
	cap = 0;
	for (i = 0; i < 2; i++)
		if (lists[i] != NULL && lists[i]->kind == YTREE_SEQ)
			cap += lists[i]->n;
	v = arena_calloc(m->pool, cap + 1, sizeof(*v));
	for (i = 0; i < 4; i++) {
		names[i] = hmap_new();
		/* The members of the location structs the glue uses. */
		hmap_insert(names[i], "kind", 4, "kind");
	}
	for (i = 0; i < 2; i++) {
		if (lists[i] == NULL || lists[i]->kind != YTREE_SEQ)
			continue;
		for (j = 0; j < lists[i]->n; j++) {
			e = lists[i]->items[j];
			d = ytree_deref(e);
			if (d->kind != YTREE_MAP ||
			    !ytree_isstr(n = ytree_get(d, "name")) ||
			    (in = ytree_get(d, "in")) == NULL ||
			    in->kind != YTREE_SCALAR)
				continue;	/* model.c reported it */
			if (strcmp(in->str, "path") == 0)
				loc = IN_PATH;
			else if (strcmp(in->str, "query") == 0)
				loc = IN_QUERY;
			else if (strcmp(in->str, "header") == 0)
				loc = IN_HEADER;
			else if (strcmp(in->str, "cookie") == 0)
				loc = IN_COOKIE;
			else
				continue;
			for (k = 0; k < n_; k++)
				if ((int)v[k].in == loc &&
				    strcmp(v[k].name, n->str) == 0)
					break;
			if (k < n_)
				continue;	/* overridden */
			v[n_].name = n->str;
			v[n_].in = (enum param_in)loc;
			v[n_].at = e;
			schema_param(m, op, d, &v[n_]);
			v[n_].cname = schema_member(names[loc], m->pool,
			    n->str, 1);
			n_++;
		}
	}
	for (i = 0; i < 4; i++)
		hmap_free(names[i]);
	op->in = v;
	op->nin = n_;
}

static void
schema_param(struct model *m, struct op *op, struct ytree_node *d,
    struct param *p)
{
	struct ytree_node	*v, *sn, *stylen;
	struct sch		*t;
	const char		*style, *dflt;
	int			 b;

	p->required = p->in == IN_PATH;
	if ((v = ytree_get(d, "required")) != NULL && ytree_bool(v, &b) == 0)
		p->required = b;
	if ((v = ytree_get(d, "deprecated")) != NULL && ytree_bool(v, &b) == 0)
		p->deprecated = b;
	/* x-invalid-status: this parameter's failure is answered alone,
	 * with that status (a path segment that cannot name a resource is
	 * a 404, not a 422). */
	if ((v = ytree_get(d, "x-invalid-status")) != NULL) {
		long long	st;

		if (ytree_int(v, &st) == -1 || st < 400 || st > 599)
			diag_error(v, "x-invalid-status must be a status "
			    "from 400 to 599");
		else
			p->invalid_status = (int)st;
		v = ytree_get(d, "x-invalid-message");
		p->invalid_message = ytree_isstr(v) ? v->str : NULL;
	}
	dflt = p->in == IN_QUERY || p->in == IN_COOKIE ? "form" : "simple";
	style = dflt;
	if ((stylen = ytree_get(d, "style")) != NULL) {
		if (!ytree_isstr(stylen))
			diag_error(stylen, "style must be a string");
		else
			style = stylen->str;
	}
	p->explode = strcmp(style, "form") == 0 ||
	    strcmp(style, "deepObject") == 0;
	if ((v = ytree_get(d, "explode")) != NULL && ytree_bool(v, &b) == 0)
		p->explode = b;
	p->sep = ',';
	if (p->in == IN_QUERY && strcmp(style, "spaceDelimited") == 0)
		p->sep = ' ';
	else if (p->in == IN_QUERY && strcmp(style, "pipeDelimited") == 0)
		p->sep = '|';
	else if (p->in == IN_QUERY && strcmp(style, "deepObject") == 0)
		p->shape = PS_DEEP;
	else if (strcmp(style, dflt) != 0)
		diag_error(stylen, "parameter '%s': style %s is not supported in "
		    "%s (want %s%s)", p->name, style, p->in == IN_PATH ?
		    "path" : p->in == IN_QUERY ? "query" : p->in == IN_HEADER ?
		    "header" : "cookie", dflt, p->in == IN_QUERY ?
		    ", spaceDelimited, pipeDelimited or deepObject" : "");

	sn = ytree_get(d, "schema");
	if (sn == NULL && (v = ytree_get(d, "content")) != NULL &&
	    v->kind == YTREE_MAP && v->n > 0) {
		sn = ytree_get(ytree_deref(v->pairs[0].value), "schema");
		/* content: the value is that media type's text; JSON is
		 * decoded, anything else is the string itself. */
		if (ytree_isstr(v->pairs[0].key) &&
		    schema_mediakind(v->pairs[0].key->str) == BODY_JSON)
			p->shape = PS_JSON;
	}
	/* A shared parameter (components.parameters.X) names its schema
	 * param_X, whichever operation comes first. */
	v = ytree_get((struct ytree_node *)p->at, "$ref");
	if (p->at->ref != NULL && ytree_isstr(v) && strrchr(v->str, '/'))
		p->s = schema_get(m, sn, arena_sprintf(m->pool, "param_%s",
		    strrchr(v->str, '/') + 1));
	else
		p->s = schema_get(m, sn, arena_sprintf(m->pool, "%s_%s",
		    op->name, p->name));
	if (p->s == NULL) {
		/* No schema: any string. */
		p->s = schema_new(m, d, arena_sprintf(m->pool, "%s_%s",
		    op->name, p->name));
		p->s->typed = 1;
		p->s->types = T_STR;
		p->s->repr = R_STR;
		p->s->built = 2;
	}
	t = schema_target(p->s);
	p->multi = t->repr == R_ARR;
	if (p->shape == PS_TEXT && !schema_param_ok(t, 0, &p->multi)) {
		/* Objects, and unions with an object (runtime/param.h). */
		if (t->repr == R_ARR && p->in == IN_QUERY &&
		    schema_param_ok(schema_target(t->items), 1, &b) == 0) {
			/* OpenAPI gives no serialization to a list of
			 * objects: each value is taken as JSON. */
			diag_warn(sn, "parameter '%s': OpenAPI defines no "
			    "serialization for an array of objects: each "
			    "value is read as a JSON text", p->name);
			p->shape = PS_JSONS;
		} else if (t->repr == R_ARR)
			diag_error(sn != NULL ? sn : d, "parameter '%s': "
			    "arrays of arrays have no serialization in %s "
			    "parameters (use content: application/json)",
			    p->name, p->in == IN_QUERY ? "query" : "these");
		else if (p->in == IN_QUERY && p->explode &&
		    strcmp(style, "form") == 0)
			p->shape = PS_REST;
		else
			p->shape = PS_PAIRS;
	}
	if (p->shape != PS_TEXT)
		p->multi = 0;
}

/* What a parameter's text can become: scalars, arrays of scalars, and
 * unions of those (GitHub's "an id or a name", "one or a list"). */
static int
schema_param_ok(struct sch *t, int depth, int *multi)
{
	size_t	i;

	t = schema_target(t);
	switch (t->repr) {
	case R_OBJ:
	case R_FILE:
		return 0;
	case R_ARR:
		if (depth > 1)
			return 0;
		*multi = 1;
		return schema_param_ok(t->items, 2, multi) &&
		    schema_target(t->items)->repr != R_ARR;
	case R_UNION:
		if (depth > 0)
			return 0;
		for (i = 0; i < t->nalts; i++)
			if (!schema_param_ok(t->alts[i], 1, multi))
				return 0;
		return 1;
	default:
		return 1;
	}
}

static int
schema_mediakind(const char *media)
{
	size_t	len = strcspn(media, ";");

	while (len > 0 && media[len - 1] == ' ')
		len--;
	if ((len == 16 && strncasecmp(media, "application/json", 16) == 0) ||
	    (len > 5 && strncasecmp(media + len - 5, "+json", 5) == 0) ||
	    (len == 3 && strncmp(media, "*/*", 3) == 0))
		return BODY_JSON;
	if (len == 33 && strncasecmp(media,
	    "application/x-www-form-urlencoded", 33) == 0)
		return BODY_FORM;
	if (len == 19 && strncasecmp(media, "multipart/form-data", 19) == 0)
		return BODY_MULTIPART;
	return BODY_RAW;
}

static void
schema_body(struct model *m, struct op *op)
{
	struct ytree_node	*rb, *content, *media, *v;
	struct sch		*t;
	const char		*method;
	size_t			 i;
	int			 b, kind;

	if (op->node == NULL ||
	    (rb = ytree_deref(ytree_get(op->node, "requestBody"))) == NULL)
		return;
	if (rb->kind != YTREE_MAP) {
		diag_error(rb, "requestBody must be a mapping");
		return;
	}
	/* 3.0.3: a body where RFC 7231 gives it no meaning SHALL be
	 * ignored by consumers (3.1 leaves it to the document). */
	method = model_methods[op->method].upper;
	if (m->v30 && (strcmp(method, "GET") == 0 ||
	    strcmp(method, "HEAD") == 0 || strcmp(method, "DELETE") == 0)) {
		diag_warnonce("requestBody on GET/HEAD/DELETE",
		    ytree_get(op->node, "requestBody"), "requestBody on %s "
		    "%s ignored (OpenAPI 3.0: bodies of GET, HEAD and "
		    "DELETE have no meaning)", method, op->path);
		return;
	}
	if ((v = ytree_get(rb, "required")) != NULL && ytree_bool(v, &b) == 0)
		op->body_required = b;
	content = ytree_get(rb, "content");
	if (content == NULL || content->kind != YTREE_MAP || content->n == 0) {
		diag_error(rb, "requestBody needs a content mapping");
		return;
	}
	op->body_types = arena_calloc(m->pool, content->n,
	    sizeof(*op->body_types));
	kind = BODY_NONE;
	for (i = 0; i < content->n; i++) {
		if (!ytree_isstr(content->pairs[i].key))
			continue;
		b = schema_mediakind(content->pairs[i].key->str);
		if (kind == BODY_NONE) {
			kind = b;
			media = ytree_deref(content->pairs[i].value);
			if (kind != BODY_RAW && media != NULL &&
			    media->kind == YTREE_MAP)
				op->body = schema_get(m, ytree_get(media,
				    "schema"), arena_sprintf(m->pool, "%s_body",
				    op->name));
		} else if (b != kind) {
			/* One decoder per operation: other kinds are
			 * taken as raw bytes only when the first is. */
			if (kind != BODY_RAW)
				continue;
		}
		op->body_types[op->nbody_types++] = content->pairs[i].key->str;
	}
	op->body_kind = (enum body_kind)kind;
	if (op->body == NULL && kind != BODY_RAW && kind != BODY_NONE) {
		/* A media type without a schema takes any value. */
		op->body = schema_new(m, content, arena_sprintf(m->pool,
		    "%s_body", op->name));
		op->body->built = 2;
	}
	if ((kind == BODY_FORM || kind == BODY_MULTIPART) && op->body != NULL) {
		t = schema_target(op->body);
		if (t->repr != R_OBJ)
			diag_error(content, "a %s body must be an object schema "
			    "with properties", kind == BODY_FORM ?
			    "form" : "multipart");
	}
}

static void
schema_replies(struct model *m, struct op *op)
{
	struct ytree_node	*rs, *r, *content, *media;
	struct reply		*v;
	const char		*k;
	size_t			 i, j;
	int			 status;

	if (op->node == NULL ||
	    (rs = ytree_deref(ytree_get(op->node, "responses"))) == NULL ||
	    rs->kind != YTREE_MAP)
		return;
	v = arena_calloc(m->pool, rs->n + 1, sizeof(*v));
	for (i = 0; i < rs->n; i++) {
		if (rs->pairs[i].key->kind != YTREE_SCALAR)
			continue;
		k = rs->pairs[i].key->str;
		if (strlen(k) != 3 || !isdigit((unsigned char)k[0]) ||
		    !isdigit((unsigned char)k[1]) ||
		    !isdigit((unsigned char)k[2]))
			continue;	/* default, 2XX: no typed reply */
		status = atoi(k);
		if (status < 100 || status > 399)
			continue;	/* errors use the envelope */
		for (j = 0; j < op->nreplies; j++)
			if (v[j].status == status)
				break;
		if (j < op->nreplies)
			continue;
		v[op->nreplies].status = status;
		r = ytree_deref(rs->pairs[i].value);
		content = r != NULL && r->kind == YTREE_MAP ?
		    ytree_get(r, "content") : NULL;
		if (content != NULL && content->kind == YTREE_MAP &&
		    content->n > 0 && status != 204 && status != 304) {
			for (j = 0; j < content->n; j++)
				if (ytree_isstr(content->pairs[j].key) &&
				    schema_mediakind(content->pairs[j].key->str)
				    == BODY_JSON)
					break;
			if (j == content->n)
				j = 0;
			v[op->nreplies].media = content->pairs[j].key->str;
			if (schema_mediakind(content->pairs[j].key->str) ==
			    BODY_JSON) {
				v[op->nreplies].json = 1;
				media = ytree_deref(content->pairs[j].value);
				v[op->nreplies].s = media != NULL &&
				    media->kind == YTREE_MAP ? schema_get(m,
				    ytree_get(media, "schema"),
				    arena_sprintf(m->pool, "%s_response_%d",
				    op->name, status)) : NULL;
				if (v[op->nreplies].s == NULL) {
					v[op->nreplies].s = schema_new(m,
					    content, arena_sprintf(m->pool,
					    "%s_response_%d", op->name,
					    status));
					v[op->nreplies].s->built = 2;
				}
			}
		}
		op->nreplies++;
	}
	op->replies = v;
}

static struct scheme *
schema_scheme(struct model *m, const char *name, const struct ytree_node *at)
{
	struct ytree_node	*def, *type, *v;
	struct scheme		*sc;
	size_t			 i;
	char			*cap;

	for (i = 0; i < m->nschemes; i++)
		if (strcmp(m->schemes[i].name, name) == 0)
			return &m->schemes[i];
	def = ytree_deref(ytree_get(ytree_deref(ytree_get(ytree_deref(
	    ytree_get(m->root, "components")), "securitySchemes")), name));
	if (def == NULL || def->kind != YTREE_MAP)
		return NULL;	/* model.c reported it */
	if (m->nschemes % 16 == 0) {
		struct scheme	*n;

		/* Pointers into the array are kept: never realloc. */
		n = arena_calloc(m->pool, 256, sizeof(*n));
		if (m->nschemes > 0) {
			diag_error(at, "more than 16 security schemes are "
			    "not supported");
			return NULL;
		}
		m->schemes = n;
	}
	sc = &m->schemes[m->nschemes];
	memset(sc, 0, sizeof(*sc));
	sc->name = name;
	sc->cname = schema_sanitize(m->pool, name, "n");
	type = ytree_get(def, "type");
	if (!ytree_isstr(type)) {
		diag_error(def, "security scheme '%s' has no type", name);
		return NULL;
	}
	if (strcmp(type->str, "http") == 0) {
		v = ytree_get(def, "scheme");
		if (!ytree_isstr(v) || v->len == 0) {
			diag_error(def, "http security scheme '%s' has no "
			    "scheme", name);
			return NULL;
		}
		cap = arena_strdup(m->pool, v->str);
		cap[0] = (char)toupper((unsigned char)cap[0]);
		sc->scheme = cap;
	} else if (strcmp(type->str, "apiKey") == 0) {
		sc->apikey = 1;
		v = ytree_get(def, "in");
		if (!ytree_isstr(v) || (strcmp(v->str, "header") != 0 &&
		    strcmp(v->str, "query") != 0 &&
		    strcmp(v->str, "cookie") != 0)) {
			diag_error(v != NULL ? v : def, "apiKey security "
			    "scheme '%s' needs in: header, query or cookie",
			    name);
			return NULL;
		}
		sc->in = strcmp(v->str, "header") == 0 ? "SECURITY_IN_HEADER" :
		    strcmp(v->str, "query") == 0 ? "SECURITY_IN_QUERY" :
		    "SECURITY_IN_COOKIE";
		v = ytree_get(def, "name");
		if (!ytree_isstr(v) || v->len == 0) {
			diag_error(def, "apiKey security scheme '%s' has no "
			    "name", name);
			return NULL;
		}
		sc->param = v->str;
	} else if (strcmp(type->str, "oauth2") == 0 ||
	    strcmp(type->str, "openIdConnect") == 0) {
		/* Their access tokens travel as bearer tokens. */
		sc->scheme = "Bearer";
	} else if (strcmp(type->str, "mutualTLS") == 0) {
		/* Kore's TLS checks the client's certificate (kore.conf:
		 * client_verify); the verifier sees the connection. */
		sc->tls = 1;
	} else {
		diag_error(type, "security scheme type '%s' is not supported",
		    type->str);
		return NULL;
	}
	m->nschemes++;
	return sc;
}

static void
schema_security(struct model *m, struct op *op)
{
	struct ytree_node	*sec, *req;
	struct scheme		*sc;
	size_t			 i, j;

	sec = op->node != NULL ? ytree_get(op->node, "security") : NULL;
	if (sec == NULL)
		sec = ytree_get(m->root, "security");
	if (sec == NULL || sec->kind != YTREE_SEQ)
		return;
	op->sec = arena_calloc(m->pool, sec->n + 1, sizeof(*op->sec));
	for (i = 0; i < sec->n; i++) {
		req = sec->items[i];
		if (req->kind != YTREE_MAP)
			continue;
		if (req->n == 0) {
			op->sec_anon = 1;
			continue;
		}
		op->sec[op->nsec].schemes = arena_calloc(m->pool, req->n,
		    sizeof(*op->sec[op->nsec].schemes));
		for (j = 0; j < req->n; j++) {
			if (!ytree_isstr(req->pairs[j].key))
				continue;
			sc = schema_scheme(m, req->pairs[j].key->str,
			    req->pairs[j].key);
			if (sc != NULL)
				op->sec[op->nsec].schemes[
				    op->sec[op->nsec].n++] = sc;
		}
		if (op->sec[op->nsec].n > 0)
			op->nsec++;
	}
}
