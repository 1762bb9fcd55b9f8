/*
 * genmodel.c - model.h and model.c: a C type per schema, and its JSON
 * decoder (validating) and encoder.
 *
 * model.h declares, for every schema the operations reach and every
 * component schema, struct api_<Name> (objects, arrays, oneOf/anyOf) in
 * dependency order, and model_decode_<Name>() / model_encode_<Name>().
 * A scalar schema has no struct: its C type is the scalar's, and it has a
 * decoder only when it has something to check (an unconstrained string
 * is validate_decode_str()).  Members by use (see struct slot):
 *
 *	boolean, integer, number	bool, int64_t, double; nullable adds
 *					bool <name>_is_null
 *	string				const char *, NULL for null
 *	format: binary			const struct upload_file *
 *	object, oneOf/anyOf		struct api_X by value; by pointer when
 *					nullable or on a $ref cycle
 *	array				struct api_X { T *items; size_t n; }
 *	anything else			struct api_json, the value as JSON text
 *					(checked by runtime/jschema.c when
 *					the schema is not a typed one)
 *	optional, no default		bool has_<name>
 *
 * Decoders check every keyword and record every failure in the struct
 * validate (they go on after a failing property, so a request's 422 lists
 * them all); they allocate only from the validate's arena.  Encoders
 * write through jsonw and never write writeOnly properties.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen.h"

enum slot_kind {
	SK_BOOL, SK_INT, SK_NUM, SK_STR, SK_FILE, SK_ANY, SK_RAWNULL,
	SK_VAL, SK_PTR
};

/* How one use of a schema is stored. */
struct slot {
	enum slot_kind	 k;
	struct sch	*t;		/* the schema itself (aliases followed) */
	int		 nullable;
	int		 nullflag;	/* has <name>_is_null */
};

/* Where a use sits. */
enum slot_ctx { CTX_MEMBER, CTX_ELEMENT, CTX_ALT };

static void	genmodel_slot(struct sch *, enum slot_ctx, int,
		    struct slot *);
static int	genmodel_emits(const struct sch *);
static const char *genmodel_intlit(long long);
static int	genmodel_hasfn(const struct sch *);
static void	genmodel_order(struct buf *, struct sch *);
static void	genmodel_struct(struct buf *, struct sch *);
static void	genmodel_decl(struct buf *, const struct slot *,
		    const char *, const char *);
static void	genmodel_type(struct buf *, const struct slot *);
static void	genmodel_decode_call(struct buf *, const struct slot *,
		    const char *, const char *);
static void	genmodel_decode_slot(struct buf *, const struct slot *,
		    const char *, const char *, const char *, const char *);
static void	genmodel_encode_slot(struct buf *, const struct slot *,
		    const char *, const char *, const char *);
static void	genmodel_decoder(struct buf *, const struct model *,
		    struct sch *);
static void	genmodel_encoder(struct buf *, struct sch *);
static void	genmodel_obj(struct buf *, const struct model *, struct sch *);
static void	genmodel_arr(struct buf *, struct sch *);
static void	genmodel_union(struct buf *, struct sch *);
static void	genmodel_checks(struct buf *, const struct model *,
		    struct sch *);
static void	genmodel_fail(struct buf *, const char *, const char *,
		    const char *);
static void	genmodel_bound(struct buf *, const struct model *,
		    const struct sch *, double, int, int);
static const char *genmodel_num(struct arena *, double);
static const char *genmodel_altname(struct sch *, size_t, char *);
static void	genmodel_enumtext(struct buf *, const struct ytree_node *,
		    int);
static void	genmodel_jsonlit(struct buf *, const struct ytree_node *);
static void	genmodel_typemask(struct buf *, unsigned);
static int	genmodel_titlecmp(const void *, const void *);
static unsigned	genmodel_kindmask(struct sch *, int);
static const char *genmodel_fn(const struct sch *);
static void	genmodel_share(const struct model *);
static const struct ytree_node *genmodel_default(const struct sch_prop *,
		    const struct slot *);

/* The kind of a plain value of schema s: a scalar, or a value type. */
static enum slot_kind
genmodel_plainkind(const struct sch *s)
{
	switch (s->repr) {
	case R_BOOL:
		return (SK_BOOL);
	case R_INT:
		return (SK_INT);
	case R_NUM:
		return (SK_NUM);
	case R_STR:
		return (SK_STR);
	case R_FILE:
		return (SK_FILE);
	case R_ANY:
		return (SK_ANY);
	default:
		return (SK_VAL);
	}
}

static void
genmodel_slot(struct sch *u, enum slot_ctx ctx, int byptr, struct slot *sl)
{
	memset(sl, 0, sizeof(*sl));
	sl->t = schema_target(u);
	sl->nullable = schema_nullable(u);
	switch (sl->t->repr) {
	case R_BOOL:
	case R_INT:
	case R_NUM:
	case R_ARR:
		if (sl->nullable && ctx != CTX_MEMBER) {
			/* No flag beside an element: null stays JSON. */
			sl->k = SK_RAWNULL;
			return;
		}
		sl->k = sl->t->repr == R_BOOL ? SK_BOOL :
		    sl->t->repr == R_INT ? SK_INT :
		    sl->t->repr == R_NUM ? SK_NUM : SK_VAL;
		sl->nullflag = sl->nullable;
		return;
	case R_STR:
		sl->k = SK_STR;
		return;
	case R_FILE:
		sl->k = SK_FILE;
		return;
	case R_ANY:
		sl->k = SK_ANY;
		return;
	case R_OBJ:
	case R_UNION:
		sl->k = sl->nullable || byptr || ctx == CTX_ALT ? SK_PTR :
		    SK_VAL;
		return;
	}
}

/* Schemas with a struct or functions of their own. */
static int
genmodel_emits(const struct sch *s)
{
	return s->reach && s->alias == NULL;
}

/* A scalar with something to check has its own decoder. */
static int
genmodel_hasfn(const struct sch *s)
{
	switch (s->repr) {
	case R_OBJ:
	case R_ARR:
	case R_UNION:
		return 1;
	case R_STR:
		return s->minlen >= 0 || s->maxlen >= 0 || s->pattern >= 0 ||
		    (s->fmt != F_NONE && s->fmt != F_OTHER &&
		    s->fmt != F_INT32 && s->fmt != F_INT64 &&
		    s->fmt != F_BINARY) || s->enumv != NULL ||
		    s->constv != NULL;
	case R_INT:
		return s->has_min || s->has_max || s->has_mult ||
		    s->fmt == F_INT32 || s->enumv != NULL || s->constv != NULL;
	case R_NUM:
		return s->has_min || s->has_max || s->has_mult ||
		    s->enumv != NULL || s->constv != NULL;
	case R_BOOL:
		return s->enumv != NULL || s->constv != NULL;
	case R_ANY:
		return s->jsidx >= 0 ||
		    (s->typed && s->types != T_ALL) || s->enumv != NULL ||
		    s->constv != NULL || s->minprops >= 0 || s->maxprops >= 0;
	case R_FILE:
		return 0;
	}
	return 0;
}

static void
genmodel_type(struct buf *b, const struct slot *sl)
{
	switch (sl->k) {
	case SK_BOOL:
		buf_puts(b, "bool ");
		break;
	case SK_INT:
		buf_puts(b, "int64_t ");
		break;
	case SK_NUM:
		buf_puts(b, "double ");
		break;
	case SK_STR:
		buf_puts(b, "const char *");
		break;
	case SK_FILE:
		buf_puts(b, "const struct upload_file *");
		break;
	case SK_ANY:
	case SK_RAWNULL:
		buf_puts(b, "struct api_json ");
		break;
	case SK_VAL:
		buf_printf(b, "struct api_%s ", sl->t->name);
		break;
	case SK_PTR:
		buf_printf(b, "struct api_%s *", sl->t->name);
		break;
	}
}

void
genmodel_ctype(struct buf *b, struct sch *s, int member)
{
	struct slot	sl;

	genmodel_slot(s, member ? CTX_MEMBER : CTX_ELEMENT, 0, &sl);
	genmodel_type(b, &sl);
}

static void
genmodel_decl(struct buf *b, const struct slot *sl, const char *name,
    const char *indent)
{
	buf_puts(b, indent);
	genmodel_type(b, sl);
	buf_printf(b, "%s;\n", name);
	if (sl->nullflag)
		buf_printf(b, "%sbool %s_is_null;\n", indent, name);
}

/* The member (and kind) name of alternative i: its component's name,
 * unless an earlier alternative has it, else v<i>.  buf: 32 bytes. */
static const char *
genmodel_altname(struct sch *s, size_t i, char *buf)
{
	struct sch	*t = schema_target(s->alts[i]);
	size_t		 k;

	for (k = 0; t->title != NULL && k < i; k++)
		if (schema_target(s->alts[k]) == t)
			break;
	if (t->title != NULL && k == i)
		return t->name;
	snprintf(buf, 32, "v%zu", i);
	return buf;
}

/* Emits the structs t needs by value, then t (post-order); a member
 * that leads back to a struct being emitted becomes a pointer. */
static void
genmodel_order(struct buf *b, struct sch *s)
{
	struct slot	 sl;
	struct sch	*t;
	size_t		 i;

	if (s == NULL || (s = schema_target(s)) == NULL || s->emitted)
		return;
	if (s->repr != R_OBJ && s->repr != R_ARR && s->repr != R_UNION)
		return;
	s->emitted = 1;
	for (i = 0; s->repr == R_OBJ && i < s->nprops; i++) {
		genmodel_slot(s->props[i].s, CTX_MEMBER, 0, &sl);
		if (sl.k != SK_VAL)
			continue;
		t = sl.t;
		if (t->emitted == 1)
			s->props[i].byptr = 1;
		else
			genmodel_order(b, t);
	}
	for (i = 0; s->repr == R_UNION && i < s->nalts; i++) {
		genmodel_slot(s->alts[i], CTX_ALT, 0, &sl);
		if (sl.k == SK_VAL && sl.t->emitted != 1)
			genmodel_order(b, sl.t);
	}
	if (s->repr == R_OBJ && s->addl == ADDL_SCHEMA) {
		genmodel_slot(s->addl_sch, CTX_ELEMENT, 0, &sl);
		(void)sl;	/* values are behind a pointer */
	}
	genmodel_struct(b, s);
	s->emitted = 2;
}

static void
genmodel_struct(struct buf *b, struct sch *s)
{
	struct slot	 sl;
	struct sch_prop	*p;
	struct sch	*pt;
	const char	*an;
	char		 vn[32];
	size_t		 i;

	buf_putc(b, '\n');
	buf_puts(b, "/* ");
	if (s->title != NULL)
		buf_comment(b, s->title);
	else
		buf_comment(b, s->name);
	if (s->comment != NULL) {
		buf_puts(b, " (");
		buf_comment(b, s->comment);
		buf_puts(b, ")");
	}
	buf_puts(b, " */\n");
	buf_printf(b, "struct api_%s {\n", s->name);
	switch (s->repr) {
	case R_ARR:
		genmodel_slot(s->items, CTX_ELEMENT, 0, &sl);
		buf_puts(b, "\t");
		genmodel_type(b, &sl);
		buf_puts(b, "*items;\n\tsize_t n;\n");
		break;
	case R_UNION:
		buf_printf(b, "\tenum api_%s_kind {\n\t\tapi_%s_none = 0,\n",
		    s->name, s->name);
		for (i = 0; i < s->nalts; i++) {
			an = genmodel_altname(s, i, vn);
			buf_printf(b, "\t\tapi_%s_%s,\n", s->name, an);
		}
		buf_puts(b, "\t} kind;\n");
		for (i = 0; i < s->nalts; i++) {
			genmodel_slot(s->alts[i], CTX_ALT, 0, &sl);
			an = genmodel_altname(s, i, vn);
			genmodel_decl(b, &sl, an, "\t");
		}
		break;
	case R_OBJ:
		for (i = 0; i < s->nprops; i++) {
			p = &s->props[i];
			pt = schema_target(p->s);
			genmodel_slot(p->s, CTX_MEMBER, p->byptr, &sl);
			if (p->s->readonly || pt->readonly ||
			    p->s->writeonly || pt->writeonly ||
			    (pt->comment != NULL && !pt->title) ||
			    strcmp(p->name, p->cname) != 0) {
				buf_puts(b, "\t/* ");
				buf_comment(b, p->name);
				if (p->s->readonly || pt->readonly)
					buf_puts(b, ", readOnly");
				if (p->s->writeonly || pt->writeonly)
					buf_puts(b, ", writeOnly");
				if (pt->comment != NULL && !pt->title) {
					buf_puts(b, ", ");
					buf_comment(b, pt->comment);
				}
				buf_puts(b, " */\n");
			}
			if (!p->required && genmodel_default(p, &sl) == NULL)
				buf_printf(b, "\tbool has_%s;\n", p->cname);
			genmodel_decl(b, &sl, p->cname, "\t");
		}
		if (s->addl == ADDL_SCHEMA) {
			genmodel_slot(s->addl_sch, CTX_ELEMENT, 0, &sl);
			buf_puts(b, "\tstruct {\n\t\tconst char **keys;\n\t\t");
			genmodel_type(b, &sl);
			buf_puts(b, "*values;\n\t\tsize_t n;\n\t} additional;\n");
		}
		if (s->nprops == 0 && s->addl != ADDL_SCHEMA)
			buf_puts(b, "\tchar unused;\n");
		break;
	default:
		break;
	}
	buf_puts(b, "};\n");
}

/* The default a property takes when absent: a scalar's, when the
 * member is a plain scalar that can hold it. */
static const struct ytree_node *
genmodel_default(const struct sch_prop *p, const struct slot *sl)
{
	const struct ytree_node	*d;

	d = p->s->def != NULL ? p->s->def : sl->t->def;
	if (d == NULL || d->kind != YTREE_SCALAR || d->type == YTREE_NULL)
		return NULL;
	switch (sl->k) {
	case SK_BOOL:
		return d->type == YTREE_BOOL ? d : NULL;
	case SK_INT:
		return d->type == YTREE_INT ? d : NULL;
	case SK_NUM:
		return d->type == YTREE_INT || d->type == YTREE_FLOAT ? d :
		    NULL;
	case SK_STR:
		return d->type == YTREE_STR ? d : NULL;
	default:
		return NULL;
	}
}

static void
genmodel_typemask(struct buf *b, unsigned mask)
{
	static const char *const	names[] = { "NULL", "BOOL", "INT",
					    "NUM", "STR", "ARR", "OBJ" };
	size_t				i;
	int				first = 1;

	if ((mask & T_ALL) == T_ALL) {
		buf_puts(b, "VALIDATE_T_ALL");
		return;
	}
	if (mask == 0) {
		buf_puts(b, "0");
		return;
	}
	for (i = 0; i < nitems(names); i++) {
		if (!(mask & (1u << i)))
			continue;
		buf_printf(b, "%sVALIDATE_T_%s", first ? "" : " | ", names[i]);
		first = 0;
	}
}

/* "decode(v, J, OUT)" for a use: the schema's decoder or a generic one. */
static void
genmodel_decode_call(struct buf *b, const struct slot *sl, const char *j,
    const char *out)
{
	struct sch	*t = sl->t;

	if (genmodel_hasfn(t)) {
		buf_printf(b, "model_decode_%s(v, %s, %s)", genmodel_fn(t), j,
		    out);
		return;
	}
	switch (t->repr) {
	case R_BOOL:
		buf_printf(b, "validate_decode_bool(v, %s, %s)", j, out);
		break;
	case R_INT:
		buf_printf(b, "validate_decode_int(v, %s, %s)", j, out);
		break;
	case R_NUM:
		buf_printf(b, "validate_decode_num(v, %s, %s)", j, out);
		break;
	case R_STR:
		buf_printf(b, "validate_decode_str(v, %s, %s)", j, out);
		break;
	case R_FILE:
		buf_printf(b, "validate_decode_file(v, %s, %s)", j, out);
		break;
	default:
		buf_printf(b, "validate_decode_any(v, %s, VALIDATE_T_ALL, "
		    "&(%s)->json)", j, out);
		break;
	}
}

/*
 * Decodes json J into the lvalue LV of slot sl (NF: its null flag);
 * a failure sets rc = -1.  Null is taken only where it is allowed;
 * otherwise the decoder says "none is not an allowed value".
 */
static void
genmodel_decode_slot(struct buf *b, const struct slot *sl, const char *j,
    const char *lv, const char *nf, const char *in)
{
	char	*addr;

	addr = xmalloc(strlen(lv) + 2);
	addr[0] = '&';
	strcpy(addr + 1, lv);
	switch (sl->k) {
	case SK_BOOL:
	case SK_INT:
	case SK_NUM:
	case SK_VAL:
	case SK_STR:
	case SK_FILE:
		if (sl->nullflag && nf != NULL)
			buf_printf(b, "%sif (json_is_null(%s))\n%s\t%s = 1;\n"
			    "%selse if (", in, j, in, nf, in);
		else if (sl->nullable && (sl->k == SK_STR ||
		    sl->k == SK_FILE))
			buf_printf(b, "%sif (json_is_null(%s))\n%s\t%s = NULL;"
			    "\n%selse if (", in, j, in, lv, in);
		else
			buf_printf(b, "%sif (", in);
		genmodel_decode_call(b, sl, j, addr);
		buf_printf(b, " == -1)\n%s\trc = -1;\n", in);
		break;
	case SK_ANY:
		if (genmodel_hasfn(sl->t))
			buf_printf(b, "%sif (model_decode_%s(v, %s, &%s) == -1)"
			    "\n%s\trc = -1;\n", in, genmodel_fn(sl->t), j, lv, in);
		else {
			buf_printf(b, "%sif (validate_decode_any(v, %s, ", in,
			    j);
			genmodel_typemask(b, sl->nullable ? T_ALL :
			    T_ALL & ~T_NULL);
			buf_printf(b, ", &%s.json) == -1)\n%s\trc = -1;\n", lv,
			    in);
		}
		break;
	case SK_RAWNULL:
		buf_printf(b, "%sif (json_is_null(%s))\n%s\t%s.json = \"null\";"
		    "\n%selse {\n", in, j, in, lv, in);
		buf_printf(b, "%s\t", in);
		genmodel_type(b, &(struct slot){ .k = sl->t->repr == R_BOOL ?
		    SK_BOOL : sl->t->repr == R_INT ? SK_INT :
		    sl->t->repr == R_NUM ? SK_NUM : SK_VAL, .t = sl->t });
		buf_printf(b, "tmp;\n\n%s\tmemset(&tmp, 0, sizeof(tmp));\n"
		    "%s\tif (", in, in);
		genmodel_decode_call(b, sl, j, "&tmp");
		buf_printf(b, " == -1)\n%s\t\trc = -1;\n"
		    "%s\t%s.json = validate_dump(v, %s);\n%s}\n", in, in, lv, j,
		    in);
		break;
	case SK_PTR:
		buf_printf(b, "%sif (json_is_null(%s)) {\n", in, j);
		if (sl->nullable)
			buf_printf(b, "%s\t%s = NULL;\n", in, lv);
		else
			buf_printf(b, "%s\tvalidate_not_null(v);\n"
			    "%s\trc = -1;\n", in, in);
		buf_printf(b, "%s} else {\n"
		    "%s\t%s = arena_calloc(v->arena, 1, sizeof(*%s));\n"
		    "%s\tif (model_decode_%s(v, %s, %s) == -1)\n"
		    "%s\t\trc = -1;\n%s}\n", in, in, lv, lv, in, sl->t->name,
		    j, lv, in, in);
		break;
	}
	free(addr);
}

/* Writes the rvalue RV of slot sl (NF: its null flag). */
static void
genmodel_encode_slot(struct buf *b, const struct slot *sl, const char *rv,
    const char *nf, const char *in)
{
	char	*deeper = NULL;

	if (sl->nullflag && nf != NULL) {
		buf_printf(b, "%sif (%s)\n%s\tjsonw_null(w);\n%selse {\n", in,
		    nf, in, in);
		deeper = xmalloc(strlen(in) + 2);
		strcpy(deeper, in);
		strcat(deeper, "\t");
		in = deeper;
	}
	switch (sl->k) {
	case SK_BOOL:
		buf_printf(b, "%sjsonw_bool(w, %s);\n", in, rv);
		break;
	case SK_INT:
		buf_printf(b, "%sjsonw_int(w, %s);\n", in, rv);
		break;
	case SK_NUM:
		buf_printf(b, "%sjsonw_num(w, %s);\n", in, rv);
		break;
	case SK_STR:
		buf_printf(b, "%sif (%s == NULL)\n%s\tjsonw_null(w);\n%selse\n"
		    "%s\tjsonw_str(w, %s);\n", in, rv, in, in, in, rv);
		break;
	case SK_FILE:
		buf_printf(b, "%smodel_encode_file(w, %s);\n", in, rv);
		break;
	case SK_ANY:
	case SK_RAWNULL:
		buf_printf(b, "%smodel_encode_json(w, &%s);\n", in, rv);
		break;
	case SK_VAL:
		buf_printf(b, "%smodel_encode_%s(w, &%s);\n", in, sl->t->name,
		    rv);
		break;
	case SK_PTR:
		buf_printf(b, "%sif (%s == NULL)\n%s\tjsonw_null(w);\n%selse\n"
		    "%s\tmodel_encode_%s(w, %s);\n", in, rv, in, in, in,
		    sl->t->name, rv);
		break;
	}
	if (deeper != NULL) {
		buf_printf(b, "%.*s}\n", (int)strlen(deeper) - 1, deeper);
		free(deeper);
	}
}

/* A number as the messages and the C source write it. */
static const char *
genmodel_num(struct arena *pool, double d)
{
	if (d == nearbyint(d) && fabs(d) < 1e15)
		return arena_sprintf(pool, "%.0f", d);
	return arena_sprintf(pool, "%.17g", d);
}

/* Records one failure and returns -1 from the decoder. */
static void
genmodel_fail(struct buf *b, const char *in, const char *type,
    const char *msg)
{
	buf_printf(b, "%s\tvalidate_error(v, \"%s\",\n%s\t    ", in, type, in);
	buf_cstring(b, msg, strlen(msg));
	buf_printf(b, ");\n%s\treturn -1;\n%s}\n", in, in);
}

/* The values of an enum for a message: 'a', 'b' or 1, 2. */
static void
genmodel_enumtext(struct buf *b, const struct ytree_node *n, int many)
{
	size_t	i, cnt = many ? n->n : 1;
	const struct ytree_node *e;

	for (i = 0; i < cnt; i++) {
		e = many ? n->items[i] : n;
		if (i > 0)
			buf_puts(b, ", ");
		if (e->kind != YTREE_SCALAR)
			buf_puts(b, "...");
		else if (e->type == YTREE_STR)
			buf_printf(b, "'%s'", e->str);
		else
			buf_puts(b, e->str);
	}
}

/* A YAML value as JSON text (for enum / const of any type). */
static void
genmodel_jsonlit(struct buf *b, const struct ytree_node *n)
{
	char	*json;

	json = tojson_value(n);
	buf_puts(b, json != NULL ? json : "null");
	free(json);
}

static int
genmodel_strcmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The string formats the validators check, and pydantic's words. */
static const struct {
	enum sch_fmt	 fmt;
	const char	*fn;		/* format_<format>() */
	const char	*type;
	const char	*msg;
} genmodel_formats[] = {
	{ F_EMAIL, "format_email", "value_error.email",
	    "value is not a valid email address" },
	{ F_DATETIME, "format_datetime", "value_error.datetime",
	    "invalid datetime format" },
	{ F_DATE, "format_date", "value_error.date", "invalid date format" },
	{ F_TIME, "format_time", "value_error.time", "invalid time format" },
	{ F_URI, "format_uri", "value_error.url.scheme",
	    "invalid or missing URL scheme" },
	{ F_UUID, "format_uuid", "type_error.uuid",
	    "value is not a valid uuid" },
	{ F_IPV4, "format_ipv4", "value_error.ipv4address",
	    "value is not a valid IPv4 address" },
};

/* minimum / maximum (exclusive or not) on *out. */
static void
genmodel_bound(struct buf *b, const struct model *m, const struct sch *s,
    double lim, int excl, int max)
{
	const char	*text = genmodel_num(m->pool, lim);
	int		 intcmp;

	/* An integer against an integral bound stays in integers. */
	intcmp = s->repr == R_INT && lim == nearbyint(lim) && fabs(lim) < 9e18;
	buf_printf(b, "\tif (%s*out %s %s%s) {\n",
	    s->repr == R_INT && !intcmp ? "(double)" : "",
	    max ? (excl ? ">=" : ">") : (excl ? "<=" : "<"), text,
	    intcmp ? "LL" : "");
	genmodel_fail(b, "\t", max ? (excl ? "value_error.number.not_lt" :
	    "value_error.number.not_le") : (excl ? "value_error.number.not_gt" :
	    "value_error.number.not_ge"), arena_sprintf(m->pool,
	    "ensure this value is %s than %s%s", max ? "less" : "greater",
	    excl ? "" : "or equal to ", text));
}

/* The keyword checks on a decoded scalar (*out) or json j. */
static void
genmodel_checks(struct buf *b, const struct model *m, struct sch *s)
{
	struct buf	 msg;
	const char	**sv;
	const char	*lim;
	size_t		 i, n;

	buf_init(&msg);
	if (s->repr == R_STR) {
		if (s->minlen >= 0 || s->maxlen >= 0)
			buf_puts(b, "\tlen = validate_utf8_len(*out, "
			    "strlen(*out));\n");
		if (s->minlen >= 0) {
			buf_printf(b, "\tif (len < %lld) {\n", s->minlen);
			genmodel_fail(b, "\t", "value_error.any_str.min_length",
			    arena_sprintf(m->pool, "ensure this value has at "
			    "least %lld characters", s->minlen));
		}
		if (s->maxlen >= 0) {
			buf_printf(b, "\tif (len > %lld) {\n", s->maxlen);
			genmodel_fail(b, "\t", "value_error.any_str.max_length",
			    arena_sprintf(m->pool, "ensure this value has at "
			    "most %lld characters", s->maxlen));
		}
		if (s->pattern >= 0) {
			buf_printf(b, "\tif (validate_regex_match("
			    "model_patterns[%d], *out, strlen(*out)) != 1) {\n",
			    s->pattern);
			genmodel_fail(b, "\t", "value_error.str.regex",
			    arena_sprintf(m->pool, "string does not match "
			    "regex \"%s\"", m->patterns[s->pattern]));
		}
		for (i = 0; i < nitems(genmodel_formats); i++) {
			if (genmodel_formats[i].fmt != s->fmt)
				continue;
			buf_printf(b, "\tif (%s(*out, strlen(*out)) == -1) {\n",
			    genmodel_formats[i].fn);
			genmodel_fail(b, "\t", genmodel_formats[i].type,
			    genmodel_formats[i].msg);
		}
		if (s->enumv != NULL) {
			n = 0;
			sv = xcalloc(s->enumv->n, sizeof(*sv));
			for (i = 0; i < s->enumv->n; i++)
				if (s->enumv->items[i]->kind == YTREE_SCALAR &&
				    s->enumv->items[i]->type == YTREE_STR)
					sv[n++] = s->enumv->items[i]->str;
			qsort(sv, n, sizeof(*sv), genmodel_strcmp);
			buf_puts(b, "\t{\n\t\tstatic const char *const "
			    "permitted[] = {\n");
			for (i = 0; i < n; i++) {
				buf_puts(b, "\t\t\t");
				buf_cstring(b, sv[i], strlen(sv[i]));
				buf_puts(b, ",\n");
			}
			buf_printf(b, "\t\t\tNULL\n\t\t};\n\n"
			    "\t\tif (!validate_in(*out, permitted, %zu)) {\n",
			    n);
			msg.len = 0;
			buf_puts(&msg, "value is not a valid enumeration "
			    "member; permitted: ");
			genmodel_enumtext(&msg, s->enumv, 1);
			genmodel_fail(b, "\t\t", "type_error.enum", msg.data);
			buf_puts(b, "\t}\n");
			free(sv);
		}
		if (s->constv != NULL && s->constv->kind == YTREE_SCALAR) {
			buf_puts(b, "\tif (strcmp(*out, ");
			buf_cstring(b, s->constv->str, s->constv->len);
			buf_puts(b, ") != 0) {\n");
			msg.len = 0;
			buf_puts(&msg, "unexpected value; permitted: ");
			genmodel_enumtext(&msg, s->constv, 0);
			genmodel_fail(b, "\t", "value_error.const", msg.data);
		}
	}
	if (s->repr == R_INT || s->repr == R_NUM) {
		if (s->has_min)
			genmodel_bound(b, m, s, s->min, s->xmin, 0);
		if (s->has_max)
			genmodel_bound(b, m, s, s->max, s->xmax, 1);
		if (s->repr == R_INT && s->fmt == F_INT32) {
			buf_puts(b, "\tif (*out < -2147483648LL) {\n");
			genmodel_fail(b, "\t", "value_error.number.not_ge",
			    "ensure this value is greater than or equal to "
			    "-2147483648");
			buf_puts(b, "\tif (*out > 2147483647LL) {\n");
			genmodel_fail(b, "\t", "value_error.number.not_le",
			    "ensure this value is less than or equal to "
			    "2147483647");
		}
		if (s->has_mult) {
			lim = genmodel_num(m->pool, s->mult);
			if (s->repr == R_INT && s->mult == nearbyint(s->mult) &&
			    s->mult < 9e18)
				buf_printf(b, "\tif (*out %% %sLL != 0) {\n",
				    lim);
			else
				buf_printf(b, "\tif (!validate_multiple("
				    "(double)*out, %s)) {\n", lim);
			genmodel_fail(b, "\t", "value_error.number.not_multiple",
			    arena_sprintf(m->pool, "ensure this value is a "
			    "multiple of %s", lim));
		}
	}
	if ((s->repr == R_INT || s->repr == R_NUM || s->repr == R_BOOL) &&
	    (s->enumv != NULL || s->constv != NULL)) {
		const struct ytree_node	*e = s->enumv != NULL ? s->enumv :
					    s->constv;

		buf_puts(b, "\t{\n\t\tstatic const ");
		buf_puts(b, s->repr == R_INT ? "int64_t" : s->repr == R_NUM ?
		    "double" : "bool");
		buf_puts(b, " permitted[] = {");
		n = 0;
		for (i = 0; i < (e->kind == YTREE_SEQ ? e->n : 1); i++) {
			const struct ytree_node	*it = e->kind == YTREE_SEQ ?
						    e->items[i] : e;
			double			 d;
			long long		 ll;

			if (it->kind != YTREE_SCALAR)
				continue;
			if (s->repr == R_BOOL && it->type == YTREE_BOOL)
				buf_printf(b, " %s,", it->str[0] == 't' ||
				    it->str[0] == 'T' ? "true" : "false");
			else if (s->repr == R_INT && ytree_int(it, &ll) == 0)
				buf_printf(b, " %s,", genmodel_intlit(ll));
			else if (s->repr == R_NUM &&
			    (it->type == YTREE_INT || it->type == YTREE_FLOAT)) {
				d = strtod(it->str, NULL);
				buf_printf(b, " %.17g,", d);
			} else
				continue;
			n++;
		}
		if (n == 0)
			buf_puts(b, " 0");
		buf_printf(b, " };\n\t\tsize_t i;\n\n"
		    "\t\tfor (i = 0; i < %zu; i++)\n"
		    "\t\t\tif (*out == permitted[i])\n\t\t\t\tbreak;\n"
		    "\t\tif (i == %zu) {\n", n, n);
		msg.len = 0;
		if (s->enumv != NULL) {
			buf_puts(&msg, "value is not a valid enumeration "
			    "member; permitted: ");
			genmodel_enumtext(&msg, e, 1);
		} else {
			buf_puts(&msg, "unexpected value; permitted: ");
			genmodel_enumtext(&msg, e, 0);
		}
		genmodel_fail(b, "\t\t", s->enumv != NULL ? "type_error.enum" :
		    "value_error.const", msg.data);
		buf_puts(b, "\t}\n");
	}
	if (s->repr == R_ANY) {
		if (s->minprops > 0) {
			buf_printf(b, "\tif (json_is_object(j) && "
			    "json_object_size(j) < %lld) {\n", s->minprops);
			genmodel_fail(b, "\t", "value_error.dict.min_properties",
			    arena_sprintf(m->pool, "ensure this value has at "
			    "least %lld properties", s->minprops));
		}
		if (s->maxprops >= 0) {
			buf_printf(b, "\tif (json_is_object(j) && "
			    "json_object_size(j) > %lld) {\n", s->maxprops);
			genmodel_fail(b, "\t", "value_error.dict.max_properties",
			    arena_sprintf(m->pool, "ensure this value has at "
			    "most %lld properties", s->maxprops));
		}
		if (s->enumv != NULL || s->constv != NULL) {
			msg.len = 0;
			if (s->enumv != NULL)
				genmodel_jsonlit(&msg, s->enumv);
			else {
				buf_putc(&msg, '[');
				genmodel_jsonlit(&msg, s->constv);
				buf_putc(&msg, ']');
			}
			buf_puts(b, "\tif (!validate_json_in(j, ");
			buf_cstring(b, msg.data, msg.len);
			buf_puts(b, ")) {\n");
			msg.len = 0;
			buf_puts(&msg, s->enumv != NULL ? "value is not a valid "
			    "enumeration member; permitted: " :
			    "unexpected value; permitted: ");
			genmodel_enumtext(&msg, s->enumv != NULL ? s->enumv :
			    s->constv, s->enumv != NULL);
			genmodel_fail(b, "\t", s->enumv != NULL ?
			    "type_error.enum" : "value_error.const", msg.data);
		}
	}
	buf_free(&msg);
}

/* "\"name\":" as JSON, then as a C literal, and its JSON length. */
static size_t
genmodel_keylit(struct buf *b, const char *name)
{
	struct buf	j;
	const char	*p;
	size_t		 len;

	buf_init(&j);
	buf_putc(&j, '"');
	for (p = name; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			buf_printf(&j, "\\%c", *p);
		else if ((unsigned char)*p < 0x20)
			buf_printf(&j, "\\u%04x", (unsigned char)*p);
		else
			buf_putc(&j, *p);
	}
	buf_puts(&j, "\":");
	buf_cstring(b, j.data, j.len);
	len = j.len;
	buf_free(&j);
	return len;
}

/* The C type a decoder of s fills (a pointer to it is its argument). */
static void
genmodel_valtype(struct buf *b, struct sch *s)
{
	struct slot	sl;

	memset(&sl, 0, sizeof(sl));
	sl.t = s;
	sl.k = genmodel_plainkind(s);
	genmodel_type(b, &sl);
}

static void
genmodel_proto(struct buf *b, struct sch *s, int decl)
{
	buf_printf(b, "int%smodel_decode_%s(struct validate *%s, json_t *%s, ",
	    decl ? "\t" : "\n", s->name, decl ? "" : "v", decl ? "" : "j");
	genmodel_valtype(b, s);
	buf_printf(b, "*%s)%s", decl ? "" : "out", decl ? ";\n" : "\n");
}

static void
genmodel_obj(struct buf *b, const struct model *m, struct sch *s)
{
	struct sch_prop		*p;
	struct slot		 sl;
	const struct ytree_node	*d;
	const char		**names;
	size_t			 i;
	int			 ro, wo;

	buf_puts(b, "{\n");
	if (s->nprops > 0)
		buf_puts(b, "\tjson_t\t*m;\n");
	buf_puts(b, "\tint\t rc = 0;\n\n"
	    "\tmemset(out, 0, sizeof(*out));\n"
	    "\tif (json_is_null(j)) {\n\t\tvalidate_not_null(v);\n"
	    "\t\treturn -1;\n\t}\n"
	    "\tif (!json_is_object(j)) {\n\t\tvalidate_type(v, \"dict\");\n"
	    "\t\treturn -1;\n\t}\n");
	for (i = 0; i < s->nprops; i++) {
		p = &s->props[i];
		genmodel_slot(p->s, CTX_MEMBER, p->byptr, &sl);
		ro = p->s->readonly || sl.t->readonly;
		wo = p->s->writeonly || sl.t->writeonly;
		buf_puts(b, "\n\tm = json_object_get(j, ");
		buf_cstring(b, p->name, strlen(p->name));
		buf_puts(b, ");\n\tvalidate_push(v, ");
		buf_cstring(b, p->name, strlen(p->name));
		buf_puts(b, ");\n\tif (m == NULL) {\n");
		if (p->required) {
			if (ro)
				buf_puts(b, "\t\tif (v->dir == "
				    "VALIDATE_RESPONSE) {\n");
			else if (wo)
				buf_puts(b, "\t\tif (v->dir == "
				    "VALIDATE_REQUEST) {\n");
			else
				buf_puts(b, "\t\t{\n");
			buf_puts(b, "\t\t\tvalidate_missing(v);\n"
			    "\t\t\trc = -1;\n\t\t}\n");
		} else if ((d = genmodel_default(p, &sl)) != NULL) {
			buf_printf(b, "\t\tout->%s = ", p->cname);
			if (sl.k == SK_STR)
				buf_cstring(b, d->str, d->len);
			else if (sl.k == SK_BOOL)
				buf_puts(b, d->str[0] == 't' || d->str[0] ==
				    'T' ? "true" : "false");
			else {
				double		dv;
				long long	ll;

				if (sl.k == SK_INT && ytree_int(d, &ll) == 0)
					buf_puts(b, genmodel_intlit(ll));
				else {
					dv = strtod(d->str, NULL);
					buf_printf(b, "%.17g", dv);
				}
			}
			buf_puts(b, ";\n");
		} else
			buf_puts(b, "\t\t/* optional */\n");
		if (ro)
			buf_puts(b, "\t} else if (v->dir == VALIDATE_REQUEST) {\n"
			    "\t\tvalidate_error(v, \"value_error.readonly\",\n"
			    "\t\t    \"field is read-only\");\n"
			    "\t\trc = -1;\n");
		if (wo)
			buf_puts(b, "\t} else if (v->dir == VALIDATE_RESPONSE) {\n"
			    "\t\tvalidate_error(v, \"value_error.writeonly\",\n"
			    "\t\t    \"field is write-only\");\n"
			    "\t\trc = -1;\n");
		buf_puts(b, "\t} else {\n");
		if (!p->required && genmodel_default(p, &sl) == NULL)
			buf_printf(b, "\t\tout->has_%s = true;\n", p->cname);
		genmodel_decode_slot(b, &sl, "m",
		    arena_sprintf(m->pool, "out->%s", p->cname),
		    arena_sprintf(m->pool, "out->%s_is_null", p->cname), "\t\t");
		buf_puts(b, "\t}\n\tvalidate_pop(v);\n");
	}
	if (s->addl != ADDL_IGNORE) {
		names = xcalloc(s->nprops + 1, sizeof(*names));
		for (i = 0; i < s->nprops; i++)
			names[i] = s->props[i].name;
		qsort(names, s->nprops, sizeof(*names), genmodel_strcmp);
		buf_puts(b, "\t{\n\t\tstatic const char *const known[] = {\n");
		for (i = 0; i < s->nprops; i++) {
			buf_puts(b, "\t\t\t");
			buf_cstring(b, names[i], strlen(names[i]));
			buf_puts(b, ",\n");
		}
		free(names);
		buf_puts(b, "\t\t\tNULL\n\t\t};\n"
		    "\t\tconst char\t*key;\n\t\tjson_t\t\t*x;\n");
		if (s->addl == ADDL_SCHEMA)
			buf_puts(b, "\t\tsize_t\t\t n = 0;\n\n"
			    "\t\tout->additional.keys = arena_calloc(v->arena,\n"
			    "\t\t    json_object_size(j) + 1, "
			    "sizeof(*out->additional.keys));\n"
			    "\t\tout->additional.values = arena_calloc("
			    "v->arena,\n"
			    "\t\t    json_object_size(j) + 1, "
			    "sizeof(*out->additional.values));\n");
		else
			buf_putc(b, '\n');
		buf_printf(b, "\t\tjson_object_foreach(j, key, x) {\n"
		    "\t\t\tif (validate_in(key, known, %zu))\n"
		    "\t\t\t\tcontinue;\n", s->nprops);
		if (s->addl == ADDL_FORBID)
			buf_puts(b, "\t\t\tvalidate_push(v, key);\n"
			    "\t\t\tvalidate_error(v, \"value_error.extra\",\n"
			    "\t\t\t    \"extra fields not permitted\");\n"
			    "\t\t\tvalidate_pop(v);\n\t\t\trc = -1;\n");
		else {
			genmodel_slot(s->addl_sch, CTX_ELEMENT, 0, &sl);
			buf_puts(b, "\t\t\tout->additional.keys[n] = "
			    "arena_strdup(v->arena, key);\n"
			    "\t\t\tvalidate_push(v, out->additional.keys[n]);\n");
			genmodel_decode_slot(b, &sl, "x",
			    "out->additional.values[n]", NULL, "\t\t\t");
			buf_puts(b, "\t\t\tvalidate_pop(v);\n\t\t\tn++;\n");
		}
		buf_puts(b, "\t\t}\n");
		if (s->addl == ADDL_SCHEMA)
			buf_puts(b, "\t\tout->additional.n = n;\n");
		buf_puts(b, "\t}\n");
	}
	if (s->minprops > 0) {
		buf_printf(b, "\tif (json_object_size(j) < %lld) {\n"
		    "\t\tvalidate_error(v, \"value_error.dict.min_properties\",\n"
		    "\t\t    \"ensure this value has at least %lld properties\");\n"
		    "\t\trc = -1;\n\t}\n", s->minprops, s->minprops);
	}
	if (s->maxprops >= 0) {
		buf_printf(b, "\tif (json_object_size(j) > %lld) {\n"
		    "\t\tvalidate_error(v, \"value_error.dict.max_properties\",\n"
		    "\t\t    \"ensure this value has at most %lld properties\");\n"
		    "\t\trc = -1;\n\t}\n", s->maxprops, s->maxprops);
	}
	buf_puts(b, "\treturn rc;\n}\n");
}

static void
genmodel_arr(struct buf *b, struct sch *s)
{
	struct slot	sl;

	genmodel_slot(s->items, CTX_ELEMENT, 0, &sl);
	buf_puts(b, "{\n\tsize_t\ti;\n\tint\trc = 0;\n\n"
	    "\tmemset(out, 0, sizeof(*out));\n"
	    "\tif (json_is_null(j)) {\n\t\tvalidate_not_null(v);\n"
	    "\t\treturn -1;\n\t}\n"
	    "\tif (!json_is_array(j)) {\n\t\tvalidate_type(v, \"list\");\n"
	    "\t\treturn -1;\n\t}\n"
	    "\tout->n = json_array_size(j);\n"
	    "\tout->items = arena_calloc(v->arena, out->n + 1, "
	    "sizeof(*out->items));\n");
	if (s->minitems > 0)
		buf_printf(b, "\tif (out->n < %lld) {\n"
		    "\t\tvalidate_error(v, \"value_error.list.min_items\",\n"
		    "\t\t    \"ensure this value has at least %lld items\");\n"
		    "\t\trc = -1;\n\t}\n", s->minitems, s->minitems);
	if (s->maxitems >= 0)
		buf_printf(b, "\tif (out->n > %lld) {\n"
		    "\t\tvalidate_error(v, \"value_error.list.max_items\",\n"
		    "\t\t    \"ensure this value has at most %lld items\");\n"
		    "\t\trc = -1;\n\t}\n", s->maxitems, s->maxitems);
	if (s->unique)
		buf_puts(b, "\tif (validate_unique(v, j) == -1)\n"
		    "\t\trc = -1;\n");
	buf_puts(b, "\tfor (i = 0; i < out->n; i++) {\n"
	    "\t\tvalidate_pushi(v, i);\n");
	genmodel_decode_slot(b, &sl, "json_array_get(j, i)", "out->items[i]",
	    NULL, "\t\t");
	buf_puts(b, "\t\tvalidate_pop(v);\n\t}\n\treturn rc;\n}\n");
}

static void
genmodel_union(struct buf *b, struct sch *s)
{
	struct slot	 sl;
	const char	*an;
	char		 vn[32];
	size_t		 i;

	buf_puts(b, "{\n");
	if (s->disc != NULL) {
		buf_puts(b, "\tjson_t\t\t*d;\n\tconst char\t*tag;\n"
		    "\tint\t\t rc = 0;\n\n"
		    "\tmemset(out, 0, sizeof(*out));\n"
		    "\tif (json_is_null(j)) {\n\t\tvalidate_not_null(v);\n"
		    "\t\treturn -1;\n\t}\n"
		    "\tif (!json_is_object(j)) {\n"
		    "\t\tvalidate_type(v, \"dict\");\n\t\treturn -1;\n\t}\n"
		    "\td = json_object_get(j, ");
		buf_cstring(b, s->disc, strlen(s->disc));
		buf_puts(b, ");\n\tif (d == NULL || !json_is_string(d)) {\n"
		    "\t\tvalidate_push(v, ");
		buf_cstring(b, s->disc, strlen(s->disc));
		buf_puts(b, ");\n\t\tvalidate_error(v, \"value_error."
		    "discriminated_union.missing_discriminator\",\n\t\t    ");
		{
			struct buf	msg;

			buf_init(&msg);
			buf_printf(&msg, "Discriminator '%s' is missing in "
			    "value", s->disc);
			buf_cstring(b, msg.data, msg.len);
			buf_free(&msg);
		}
		buf_puts(b, ");\n\t\tvalidate_pop(v);\n\t\treturn -1;\n\t}\n"
		    "\ttag = json_string_value(d);\n");
		for (i = 0; i < s->nalts; i++) {
			genmodel_slot(s->alts[i], CTX_ALT, 0, &sl);
			an = genmodel_altname(s, i, vn);
			buf_puts(b, "\tif (strcmp(tag, ");
			buf_cstring(b, s->disc_values[i],
			    strlen(s->disc_values[i]));
			buf_printf(b, ") == 0) {\n\t\tout->kind = api_%s_%s;\n",
			    s->name, an);
			{
				char	lv[128];

				snprintf(lv, sizeof(lv), "out->%s", an);
				genmodel_decode_slot(b, &sl, "j", lv, NULL,
				    "\t\t");
			}
			buf_puts(b, "\t\treturn rc;\n\t}\n");
		}
		{
			struct buf	msg;

			buf_init(&msg);
			buf_printf(&msg, "No match for discriminator '%s' and "
			    "value %%s (allowed values: ", s->disc);
			for (i = 0; i < s->nalts; i++)
				buf_printf(&msg, "%s'%s'", i > 0 ? ", " : "",
				    s->disc_values[i]);
			buf_puts(&msg, ")");
			buf_puts(b, "\tvalidate_push(v, ");
			buf_cstring(b, s->disc, strlen(s->disc));
			buf_puts(b, ");\n\tvalidate_errorf(v, \"value_error."
			    "discriminated_union.invalid_discriminator\",\n"
			    "\t    ");
			/* The format: the spec's text, % doubled. */
			{
				struct buf	fmt;
				const char	*p;

				buf_init(&fmt);
				for (p = msg.data; *p != '\0'; p++) {
					if (*p == '%' && p[1] != 's')
						buf_putc(&fmt, '%');
					buf_putc(&fmt, *p);
				}
				buf_cstring(b, fmt.data, fmt.len);
				buf_free(&fmt);
			}
			buf_puts(b, ", arena_sprintf(v->arena, \"'%s'\", tag));\n"
			    "\tvalidate_pop(v);\n\treturn -1;\n}\n");
			buf_free(&msg);
		}
		return;
	}
	buf_puts(b, "\tsize_t\tmark;\n\tint\tmatched = 0, rc;\n\n"
	    "\tmemset(out, 0, sizeof(*out));\n");
	for (i = 0; i < s->nalts; i++) {
		genmodel_slot(s->alts[i], CTX_ALT, 0, &sl);
		an = genmodel_altname(s, i, vn);
		if (!s->oneof && i > 0)
			buf_puts(b, "\tif (matched == 0) {\n");
		buf_printf(b, "\t/* %s */\n\tmark = validate_mark(v);\n"
		    "\trc = 0;\n", an);
		{
			char	lv[128];

			snprintf(lv, sizeof(lv), "out->%s", an);
			genmodel_decode_slot(b, &sl, "j", lv, NULL, "\t");
		}
		buf_printf(b, "\tif (rc == 0 && matched++ == 0)\n"
		    "\t\tout->kind = api_%s_%s;\n"
		    "\tvalidate_rollback(v, mark);\n", s->name, an);
		if (!s->oneof && i > 0)
			buf_puts(b, "\t}\n");
	}
	buf_puts(b, "\tif (matched == 0) {\n"
	    "\t\tvalidate_error(v, \"value_error.union.no_match\",\n"
	    "\t\t    \"value does not match any of the allowed schemas\");\n"
	    "\t\treturn -1;\n\t}\n");
	if (s->oneof)
		buf_puts(b, "\tif (matched > 1) {\n"
		    "\t\tvalidate_error(v, \"value_error.union.multiple_matches"
		    "\",\n\t\t    \"value matches more than one of the allowed "
		    "schemas\");\n\t\treturn -1;\n\t}\n");
	buf_puts(b, "\treturn 0;\n}\n");
}

static void
genmodel_decoder(struct buf *b, const struct model *m, struct sch *s)
{
	buf_putc(b, '\n');
	buf_puts(b, "/* ");
	buf_comment(b, s->title != NULL ? s->title : s->name);
	buf_puts(b, " */\n");
	genmodel_proto(b, s, 0);
	switch (s->repr) {
	case R_OBJ:
		genmodel_obj(b, m, s);
		return;
	case R_ARR:
		genmodel_arr(b, s);
		return;
	case R_UNION:
		genmodel_union(b, s);
		return;
	default:
		break;
	}
	buf_puts(b, "{\n");
	if (s->repr == R_STR && (s->minlen >= 0 || s->maxlen >= 0))
		buf_puts(b, "\tlong long\tlen;\n\n");
	switch (s->repr) {
	case R_BOOL:
		buf_puts(b, "\tif (validate_decode_bool(v, j, out) == -1)\n");
		break;
	case R_INT:
		buf_puts(b, "\tif (validate_decode_int(v, j, out) == -1)\n");
		break;
	case R_NUM:
		buf_puts(b, "\tif (validate_decode_num(v, j, out) == -1)\n");
		break;
	case R_STR:
		buf_puts(b, "\tif (validate_decode_str(v, j, out) == -1)\n");
		break;
	default:
		buf_puts(b, "\tif (validate_decode_any(v, j, ");
		genmodel_typemask(b, s->typed ? (s->types |
		    (s->nullable ? T_NULL : 0)) : T_ALL);
		buf_puts(b, ", &out->json) == -1)\n");
		break;
	}
	buf_puts(b, "\t\treturn -1;\n");
	if (s->jsidx >= 0)
		buf_printf(b, "\tif (jschema_check(v, &model_jschema, %d, j) == "
		    "-1)\n\t\treturn -1;\n", s->jsidx);
	genmodel_checks(b, m, s);
	buf_puts(b, "\treturn 0;\n}\n");
}

static void
genmodel_encoder(struct buf *b, struct sch *s)
{
	struct sch_prop	*p;
	struct slot	 sl;
	const char	*an;
	char		 vn[32], lv[160], nf[160];
	size_t		 i;
	int		 guard;

	buf_printf(b, "\nvoid\nmodel_encode_%s(struct jsonw *w, "
	    "const struct api_%s *in)\n{\n", s->name, s->name);
	switch (s->repr) {
	case R_OBJ:
		if (s->addl == ADDL_SCHEMA)
			buf_puts(b, "\tsize_t\ti;\n\n");
		buf_puts(b, "\tjsonw_obj_begin(w);\n");
		for (i = 0; i < s->nprops; i++) {
			p = &s->props[i];
			genmodel_slot(p->s, CTX_MEMBER, p->byptr, &sl);
			if (p->s->writeonly || sl.t->writeonly)
				continue;
			guard = !p->required && genmodel_default(p, &sl) ==
			    NULL;
			if (guard)
				buf_printf(b, "\tif (in->has_%s) {\n", p->cname);
			buf_printf(b, "%s\tjsonw_key_lit(w, ", guard ? "\t" : "");
			buf_printf(b, ", %zu);\n", genmodel_keylit(b, p->name));
			snprintf(lv, sizeof(lv), "in->%s", p->cname);
			snprintf(nf, sizeof(nf), "in->%s_is_null", p->cname);
			genmodel_encode_slot(b, &sl, lv, nf, guard ? "\t\t" :
			    "\t");
			if (guard)
				buf_puts(b, "\t}\n");
		}
		if (s->addl == ADDL_SCHEMA) {
			genmodel_slot(s->addl_sch, CTX_ELEMENT, 0, &sl);
			buf_puts(b, "\tfor (i = 0; i < in->additional.n; i++) {\n"
			    "\t\tjsonw_key(w, in->additional.keys[i]);\n");
			genmodel_encode_slot(b, &sl, "in->additional.values[i]",
			    NULL, "\t\t");
			buf_puts(b, "\t}\n");
		}
		buf_puts(b, "\tjsonw_obj_end(w);\n}\n");
		return;
	case R_ARR:
		genmodel_slot(s->items, CTX_ELEMENT, 0, &sl);
		buf_puts(b, "\tsize_t\ti;\n\n\tjsonw_arr_begin(w);\n"
		    "\tfor (i = 0; i < in->n; i++)\n");
		genmodel_encode_slot(b, &sl, "in->items[i]", NULL, "\t\t");
		buf_puts(b, "\tjsonw_arr_end(w);\n}\n");
		return;
	case R_UNION:
		buf_puts(b, "\tswitch (in->kind) {\n");
		for (i = 0; i < s->nalts; i++) {
			genmodel_slot(s->alts[i], CTX_ALT, 0, &sl);
			an = genmodel_altname(s, i, vn);
			buf_printf(b, "\tcase api_%s_%s:\n", s->name, an);
			snprintf(lv, sizeof(lv), "in->%s", an);
			genmodel_encode_slot(b, &sl, lv, NULL, "\t\t");
			buf_puts(b, "\t\tbreak;\n");
		}
		buf_puts(b, "\tdefault:\n\t\tjsonw_null(w);\n\t\tbreak;\n"
		    "\t}\n}\n");
		return;
	default:
		buf_puts(b, "}\n");
		return;
	}
}

static int
genmodel_titlecmp(const void *a, const void *b)
{
	const struct sch	*const *x = a, *const *y = b;

	return strcmp((*x)->title, (*y)->title);
}

/* The schema whose decoder a scalar uses: its own, or an equal one's. */
static const char *
genmodel_fn(const struct sch *s)
{
	return s->same != NULL ? s->same->name : s->name;
}

/*
 * Scalars with exactly the same checks share one decoder: real specs
 * repeat "format: date-time", the same enums and the same bounds
 * hundreds of times (GitHub: 11 000 string schemas).  The key is every
 * field the decoder reads.
 */
static void
genmodel_share(const struct model *m)
{
	struct hmap	*seen;
	struct sch	*s, *first;
	struct buf	 key;
	char		*k;
	size_t		 i;

	seen = hmap_new();
	buf_init(&key);
	for (i = 0; i < m->nschs; i++) {
		s = m->schs[i];
		if (!genmodel_emits(s) || !genmodel_hasfn(s) ||
		    s->repr == R_OBJ || s->repr == R_ARR || s->repr == R_UNION)
			continue;
		key.len = 0;
		buf_printf(&key, "%d|%d|%u|%d|%d|%lld|%lld|%d|%d|%d:%.17g:%d|"
		    "%d:%.17g:%d|%d:%.17g|%lld|%lld|", s->jsidx, s->repr, s->types,
		    s->typed, s->nullable, s->minlen, s->maxlen, s->pattern,
		    s->fmt, s->has_min, s->min, s->xmin, s->has_max, s->max,
		    s->xmax, s->has_mult, s->mult, s->minprops, s->maxprops);
		if (s->enumv != NULL)
			genmodel_jsonlit(&key, s->enumv);
		buf_putc(&key, '|');
		if (s->constv != NULL)
			genmodel_jsonlit(&key, s->constv);
		/* Messages quote the spec's text: keep it in the key. */
		buf_printf(&key, "|%s|%s|%s", s->mintext ? s->mintext : "",
		    s->maxtext ? s->maxtext : "", s->multtext ? s->multtext : "");
		k = arena_strdup(m->pool, key.data);
		if ((first = hmap_insert(seen, k, strlen(k), s)) != NULL &&
		    first != s)
			s->same = first;
	}
	buf_free(&key);
	hmap_free(seen);
}

void
genmodel_header(struct buf *b, const struct model *m, const char *spec)
{
	struct sch	*s;
	size_t		 i;

	genmodel_share(m);

	buf_printf(b, CODEGEN_HEADER, spec);
	buf_puts(b, "/*\n * model.h - a C type per schema of ");
	buf_comment(b, spec);
	buf_puts(b, ", and its JSON decoder\n"
	    " * (validating, into the request arena) and encoder.  Types are\n"
	    " * in dependency order; see codegen/genmodel.c for the mapping.\n"
	    " */\n"
	    "#ifndef GENERATED_MODEL_H\n"
	    "#define GENERATED_MODEL_H\n\n"
	    "#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n\n"
	    "#include <jansson.h>\n\n"
	    "#include \"jsonw.h\"\n#include \"validate.h\"\n\n"
	    "struct upload_file;\n\n"
	    "/* A value of any JSON type, as compact JSON text (\"null\"). */\n"
	    "struct api_json {\n\tconst char\t*json;\n};\n");
	for (i = 0; i < m->nschs; i++) {
		s = m->schs[i];
		if (!genmodel_emits(s))
			continue;
		if (s->repr == R_OBJ || s->repr == R_ARR || s->repr == R_UNION)
			buf_printf(b, "%sstruct api_%s;\n", i == 0 ? "\n" : "",
			    s->name);
	}
	for (i = 0; i < m->nschs; i++)
		if (genmodel_emits(m->schs[i]))
			genmodel_order(b, m->schs[i]);

	buf_puts(b, "\n/* Decoders: 0, or -1 after recording every failure in "
	    "the validate. */\n");
	for (i = 0; i < m->nschs; i++) {
		s = m->schs[i];
		if (genmodel_emits(s) && genmodel_hasfn(s) && s->same == NULL)
			genmodel_proto(b, s, 1);
	}
	buf_puts(b, "\n/* Encoders. */\n"
	    "void\tmodel_encode_json(struct jsonw *, const struct api_json *);\n"
	    "void\tmodel_encode_file(struct jsonw *, "
	    "const struct upload_file *);\n");
	for (i = 0; i < m->nschs; i++) {
		s = m->schs[i];
		if (genmodel_emits(s) && (s->repr == R_OBJ ||
		    s->repr == R_ARR || s->repr == R_UNION))
			buf_printf(b, "void\tmodel_encode_%s(struct jsonw *, "
			    "const struct api_%s *);\n", s->name, s->name);
	}
	buf_puts(b, "\n"
	    "/* The component schemas by name, sorted: for tests and tools. */\n"
	    "struct model_schema {\n"
	    "\tconst char\t*name;\n"
	    "\tsize_t\t\t size;\n"
	    "\tint\t\t(*decode)(struct validate *, json_t *, void *);\n"
	    "\tvoid\t\t(*encode)(struct jsonw *, const void *);\n"
	    "};\n\n"
	    "extern const struct model_schema model_schemas[];\n"
	    "extern const size_t model_nschemas;\n\n"
	    "/* Compiles the spec's patterns; call once before decoding. */\n"
	    "void\tmodel_init(void);\n\n"
	    "#endif\n");
}

void
genmodel_code(struct buf *b, const struct model *m, const char *spec)
{
	struct sch	**named, *s;
	struct slot	  sl;
	size_t		  i, n = 0;

	buf_printf(b, CODEGEN_HEADER, spec);
	buf_puts(b, "/*\n * model.c - the JSON decoders and encoders of ");
	buf_comment(b, spec);
	buf_puts(b, "'s\n * schemas (see model.h).\n */\n"
	    "#include <stdbool.h>\n#include <stdint.h>\n#include <string.h>\n\n"
	    "#include \"arena.h\"\n#include \"format.h\"\n"
	    "#include \"jschema.h\"\n#include \"model.h\"\n"
	    "#include \"upload.h\"\n#include \"util.h\"\n\n");
	if (m->njnodes > 0) {
		buf_printf(b, "/* The schemas that are JSON values, evaluated by "
		    "runtime/jschema.c;\n * a $ref is an index into this "
		    "table.  Loaded by model_init(). */\n"
		    "static const char *const model_jschema_src[%zu] = {\n",
		    m->njnodes);
		for (i = 0; i < m->njnodes; i++) {
			buf_printf(b, "\t/* %zu */\n", i);
			buf_cstring_lines(b, m->jtexts[i], strlen(m->jtexts[i]),
			    "\t");
			buf_puts(b, ",\n");
		}
		buf_puts(b, "};\nstatic struct jschema model_jschema;\n\n");
	}
	if (m->npatterns > 0) {
		buf_printf(b, "/* The spec's patterns, compiled by model_init()."
		    " */\nstatic const char *const model_pattern_src[%zu] = {\n",
		    m->npatterns);
		for (i = 0; i < m->npatterns; i++) {
			buf_puts(b, "\t");
			buf_cstring(b, m->patterns[i], strlen(m->patterns[i]));
			buf_puts(b, ",\n");
		}
		buf_printf(b, "};\nstatic const void *model_patterns[%zu];\n\n",
		    m->npatterns);
	}
	buf_puts(b, "void\nmodel_init(void)\n{\n");
	if (m->njnodes > 0)
		buf_printf(b, "\tif (model_jschema.schemas == NULL)\n"
		    "\t\tjschema_load(&model_jschema, model_jschema_src, "
		    "%zu);\n", m->njnodes);
	if (m->npatterns > 0)
		buf_printf(b, "\tsize_t\ti;\n\n"
		    "\tfor (i = 0; i < %zu; i++)\n"
		    "\t\tif (model_patterns[i] == NULL)\n"
		    "\t\t\tmodel_patterns[i] =\n"
		    "\t\t\t    validate_regex_compile(model_pattern_src[i]);\n",
		    m->npatterns);
	buf_puts(b, "}\n\n"
	    "void\nmodel_encode_json(struct jsonw *w, const struct api_json "
	    "*in)\n{\n"
	    "\tif (in->json == NULL)\n\t\tjsonw_null(w);\n\telse\n"
	    "\t\tjsonw_raw(w, in->json, strlen(in->json));\n}\n\n"
	    "void\nmodel_encode_file(struct jsonw *w, const struct upload_file "
	    "*in)\n{\n"
	    "\tif (in == NULL || in->stored_name == NULL)\n"
	    "\t\tjsonw_null(w);\n\telse\n"
	    "\t\tjsonw_str(w, in->stored_name);\n}\n");
	for (i = 0; i < m->nschs; i++) {
		s = m->schs[i];
		if (!genmodel_emits(s))
			continue;
		if (genmodel_hasfn(s) && s->same == NULL)
			genmodel_decoder(b, m, s);
		if (s->repr == R_OBJ || s->repr == R_ARR || s->repr == R_UNION)
			genmodel_encoder(b, s);
	}

	named = xcalloc(m->nschs + 1, sizeof(*named));
	for (i = 0; i < m->nschs; i++)
		if (m->schs[i]->title != NULL && genmodel_emits(m->schs[i]))
			named[n++] = m->schs[i];
	if (n > 0)
		qsort(named, n, sizeof(*named), genmodel_titlecmp);
	buf_puts(b, "\n/* The table's generic signatures. */\n");
	for (i = 0; i < n; i++) {
		s = named[i];
		genmodel_slot(s, CTX_ELEMENT, 0, &sl);
		sl.k = s->repr == R_BOOL ? SK_BOOL : s->repr == R_INT ? SK_INT :
		    s->repr == R_NUM ? SK_NUM : s->repr == R_STR ? SK_STR :
		    s->repr == R_FILE ? SK_FILE : s->repr == R_ANY ? SK_ANY :
		    SK_VAL;
		sl.nullflag = 0;
		sl.nullable = 0;
		buf_printf(b, "\nstatic int\nmodel_any_decode_%s(struct validate "
		    "*v, json_t *j, void *out)\n{\n\t", s->name);
		genmodel_type(b, &sl);
		buf_puts(b, "*o = out;\n\n\t");
		/* A nullable use takes null, as a body or member would. */
		if (sl.k != SK_ANY && schema_nullable(s))
			buf_puts(b, "if (json_is_null(j))\n\t\treturn 0;\n\t");
		if (sl.k == SK_ANY && genmodel_hasfn(s))
			buf_printf(b, "model_decode_%s(v, j, o)",
			    genmodel_fn(s));
		else
			genmodel_decode_call(b, &sl, "j", "o");
		buf_printf(b, ";\n\treturn validate_ok(v);\n}\n");
		buf_printf(b, "\nstatic void\nmodel_any_encode_%s(struct jsonw "
		    "*w, const void *p)\n{\n\t", s->name);
		genmodel_type(b, &sl);
		buf_puts(b, "const *in = p;\n\n");
		genmodel_encode_slot(b, &sl, "(*in)", NULL, "\t");
		buf_puts(b, "}\n");
	}
	buf_puts(b, "\nconst struct model_schema model_schemas[] = {\n");
	for (i = 0; i < n; i++) {
		s = named[i];
		genmodel_slot(s, CTX_ELEMENT, 0, &sl);
		buf_puts(b, "\t{ ");
		buf_cstring(b, s->title, strlen(s->title));
		buf_puts(b, ", sizeof(");
		genmodel_valtype(b, s);
		buf_printf(b, "), model_any_decode_%s, model_any_encode_%s },\n",
		    s->name, s->name);
	}
	buf_puts(b, "\t{ NULL, 0, NULL, NULL }\n};\n");
	buf_printf(b, "const size_t model_nschemas = %zu;\n", n);
	free(named);
}

/* For the glue: a use of a schema as a struct member. */
void
genmodel_decode_use(struct buf *b, struct sch *u, int byptr, const char *j,
    const char *lv, const char *nf, const char *in)
{
	struct slot	sl;

	genmodel_slot(u, CTX_MEMBER, byptr, &sl);
	genmodel_decode_slot(b, &sl, j, lv, nf, in);
}

void
genmodel_member(struct buf *b, struct sch *u, const char *name,
    const char *in)
{
	struct slot	sl;

	genmodel_slot(u, CTX_MEMBER, 0, &sl);
	genmodel_decl(b, &sl, name, in);
}

/* The type of a whole value of t (a body, a reply). */
void
genmodel_value_type(struct buf *b, struct sch *t)
{
	genmodel_valtype(b, schema_target(t));
}

/* "if (decode(v, J, P) == -1) rc = -1;" for a whole value at P. */
void
genmodel_decode_value(struct buf *b, struct sch *u, const char *j,
    const char *p, const char *in)
{
	struct slot	sl;
	struct sch	*t = schema_target(u);

	memset(&sl, 0, sizeof(sl));
	sl.t = t;
	sl.k = t->repr == R_ANY ? SK_ANY : SK_VAL;
	buf_printf(b, "%sif (", in);
	if (t->repr == R_ANY && !genmodel_hasfn(t)) {
		buf_printf(b, "validate_decode_any(v, %s, ", j);
		genmodel_typemask(b, schema_nullable(u) ? T_ALL :
		    T_ALL & ~T_NULL);
		buf_printf(b, ", &(%s)->json)", p);
	} else
		genmodel_decode_call(b, &sl, j, p);
	buf_printf(b, " == -1)\n%s\trc = -1;\n", in);
}

/* Encodes the whole value at pointer P (not NULL). */
void
genmodel_encode_value(struct buf *b, struct sch *u, const char *p,
    const char *in)
{
	struct slot	 sl;
	struct sch	*t = schema_target(u);
	char		*rv;

	memset(&sl, 0, sizeof(sl));
	sl.t = t;
	sl.k = genmodel_plainkind(t);
	rv = xmalloc(strlen(p) + 4);
	snprintf(rv, strlen(p) + 4, "(*%s)", p);
	genmodel_encode_slot(b, &sl, rv, NULL, in);
	free(rv);
}

/* The JSON types a parameter's text may become (validate_value). */
static unsigned
genmodel_kindmask(struct sch *u, int depth)
{
	struct sch	*t = schema_target(u);
	unsigned	 mask = 0;
	size_t		 i;

	if (depth > 2)
		return T_STR;
	switch (t->repr) {
	case R_ARR:
		return genmodel_kindmask(t->items, depth + 1);
	case R_UNION:
		for (i = 0; i < t->nalts; i++)
			mask |= genmodel_kindmask(t->alts[i], depth + 1);
		return mask;
	case R_BOOL:
		return T_BOOL;
	case R_INT:
		return T_INT;
	case R_NUM:
		return T_NUM;
	case R_ANY:
		return t->typed ? t->types & ~T_NULL : T_ALL;
	default:
		return T_STR;
	}
}

/* validate_value()'s kind for a parameter or form field of schema u. */
void
genmodel_kind(struct buf *b, struct sch *u)
{
	genmodel_typemask(b, genmodel_kindmask(u, 0));
}

/*
 * An int64_t literal (static storage, overwritten by the next call):
 * -9223372036854775808LL would be the negation of a constant too large
 * for long long.
 */
static const char *
genmodel_intlit(long long v)
{
	static char	lit[32];

	if (v == LLONG_MIN)
		return "(-9223372036854775807LL - 1)";
	snprintf(lit, sizeof(lit), "%lldLL", v);
	return lit;
}

/* The default of a parameter or form field as a C expression, or NULL. */
const char *
genmodel_default_expr(struct arena *pool, struct sch *u)
{
	struct sch_prop	p;
	struct slot	sl;
	const struct ytree_node *d;
	long long	ll;

	memset(&p, 0, sizeof(p));
	p.s = u;
	genmodel_slot(u, CTX_MEMBER, 0, &sl);
	if ((d = genmodel_default(&p, &sl)) == NULL)
		return NULL;
	switch (sl.k) {
	case SK_BOOL:
		return d->str[0] == 't' || d->str[0] == 'T' ? "true" : "false";
	case SK_INT:
		if (ytree_int(d, &ll) == 0)
			return arena_strdup(pool, genmodel_intlit(ll));
		return NULL;
	case SK_NUM:
		return arena_sprintf(pool, "%.17g", strtod(d->str, NULL));
	case SK_STR: {
		struct buf	lit;
		const char	*r;

		buf_init(&lit);
		buf_cstring(&lit, d->str, d->len);
		r = arena_strdup(pool, lit.data);
		buf_free(&lit);
		return r;
	}
	default:
		return NULL;
	}
}
