/*
 * genglue.c - glue.c: from an HTTP request to a typed handler call, and
 * from a typed reply to an HTTP response.
 *
 * For every operation glue_<name>() is the route's handler.  In order:
 * security (401), parameters (path, query, header, cookie; every failure
 * collected), the body's media type (415), the body (400 for malformed
 * JSON; every failure collected), then 422 with all the failures, or the
 * call api_<name>(req, in) with struct api_<name>_in filled from the
 * request arena.  api_<name>_reply_<status>() serializes a typed value
 * with the schema's encoder; in debug builds it decodes its own output
 * against the schema and answers 500 when they disagree, so a handler
 * that breaks the contract fails the tests.  The security requirement
 * and multipart descriptions the runtime reads (route_op.security,
 * route_op.upload) are here too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen.h"

static const char *const genglue_ins[] = { "path", "query", "header",
    "cookie" };

static void	genglue_security(struct buf *, const struct op *);
static void	genglue_upload(struct buf *, const struct op *);
static void	genglue_param(struct buf *, const struct model *,
		    const struct op *, const struct param *);
static void	genglue_getter(struct buf *, const struct param *);
static int	genglue_isjson(const struct param *);
static void	genglue_structured(struct buf *, const struct op *,
		    const struct param *);
static void	genglue_body(struct buf *, const struct model *,
		    const struct op *);
static void	genglue_fields(struct buf *, const struct model *,
		    const struct op *, int);
static void	genglue_op(struct buf *, const struct model *,
		    const struct op *);
static void	genglue_reply(struct buf *, const struct op *,
		    const struct reply *, int);
static int	genglue_hasparams(const struct op *, enum param_in);
static unsigned	genglue_uses(const struct op *);
static size_t	genglue_structs(const struct op *);

/* The local variables a glue function needs. */
#define USES_S		0x01
#define USES_J		0x02
#define USES_VALS	0x04
#define USES_N		0x08
#define USES_F		0x10
#define USES_X		0x20

static int
genglue_hasparams(const struct op *op, enum param_in in)
{
	size_t	i;

	for (i = 0; i < op->nin; i++)
		if (op->in[i].in == in)
			return 1;
	return 0;
}

/* The parameters of op read as structures (runtime/param.h). */
static size_t
genglue_structs(const struct op *op)
{
	size_t	i, n = 0;

	for (i = 0; i < op->nin; i++)
		n += op->in[i].shape != PS_TEXT;
	return n;
}

static unsigned
genglue_uses(const struct op *op)
{
	struct sch	*t, *pt;
	unsigned	 u = 0;
	size_t		 i;

	for (i = 0; i < op->nin; i++) {
		u |= USES_J;
		if (op->in[i].shape != PS_TEXT) {
			if (op->in[i].shape == PS_PAIRS ||
			    op->in[i].shape == PS_JSON)
				u |= USES_S;
		} else if (op->in[i].multi) {
			u |= USES_VALS | USES_N;
			if (op->in[i].in != IN_QUERY)
				u |= USES_S;
		} else
			u |= USES_S;
	}
	if (op->body == NULL)
		return u;
	if (op->body_kind == BODY_JSON)
		u |= USES_J;
	if (op->body_kind != BODY_FORM && op->body_kind != BODY_MULTIPART)
		return u;
	t = schema_target(op->body);
	for (i = 0; i < t->nprops; i++) {
		pt = schema_target(t->props[i].s);
		if (pt->repr == R_ARR)
			pt = schema_target(pt->items);
		if (op->body_kind == BODY_MULTIPART && pt->repr == R_FILE)
			u |= USES_F | USES_N;
		else
			u |= USES_J | USES_VALS | USES_N |
			    (op->body_kind == BODY_MULTIPART ? USES_X : 0);
	}
	return u;
}

/* The declarations api.h carries for the operations. */
void
genglue_decls(struct buf *b, const struct model *m)
{
	const struct op		*op;
	const struct param	*p;
	const struct reply	*r;
	size_t			 i, j, k;

	for (i = 0; i < m->nops; i++) {
		op = &m->ops[i];
		buf_puts(b, "\n/* ");
		buf_comment(b, model_methods[op->method].upper);
		buf_putc(b, ' ');
		buf_comment(b, op->path);
		if (op->summary != NULL) {
			buf_puts(b, " - ");
			buf_comment(b, op->summary);
		}
		if (op->deprecated)
			buf_puts(b, " (deprecated)");
		buf_puts(b, " */\n");
		buf_printf(b, "struct api_%s_in {\n", op->name);
		for (k = 0; k < 4; k++) {
			if (!genglue_hasparams(op, (enum param_in)k))
				continue;
			buf_puts(b, "\tstruct {\n");
			for (j = 0; j < op->nin; j++) {
				p = &op->in[j];
				if (p->in != (enum param_in)k)
					continue;
				if (p->deprecated || strcmp(p->name,
				    p->cname) != 0) {
					buf_puts(b, "\t\t/* ");
					buf_comment(b, p->name);
					if (p->deprecated)
						buf_puts(b, ", deprecated");
					buf_puts(b, " */\n");
				}
				if (!p->required && genmodel_default_expr(
				    m->pool, p->s) == NULL)
					buf_printf(b, "\t\tbool has_%s;\n",
					    p->cname);
				genmodel_member(b, p->s, p->cname, "\t\t");
			}
			buf_printf(b, "\t} %s;\n", genglue_ins[k]);
		}
		if (op->body != NULL) {
			buf_puts(b, "\t");
			genmodel_value_type(b, op->body);
			buf_puts(b, "const *body;\t/* NULL when absent */\n");
		}
		buf_puts(b, "\tvoid *principal;\t/* from security */\n};\n");
		buf_printf(b, "int\tapi_%s(struct request *, "
		    "const struct api_%s_in *);\n", op->name, op->name);
		for (j = 0; j < op->nreplies; j++) {
			r = &op->replies[j];
			genglue_reply(b, op, r, 1);
		}
		buf_printf(b, "int\tglue_%s(struct request *);\n",
		    op->name);
		if (op->nsec > 0)
			buf_printf(b, "extern const struct security "
			    "glue_security_%s;\n", op->name);
		if (op->body_kind == BODY_MULTIPART && op->body != NULL)
			buf_printf(b, "extern const struct upload_spec "
			    "glue_upload_%s;\n", op->name);
	}
}

/* A reply function's prototype (decl) or its definition. */
static void
genglue_reply(struct buf *b, const struct op *op, const struct reply *r,
    int decl)
{
	buf_printf(b, "%s%sapi_%s_reply_%d(struct request *%s",
	    decl ? "int\t" : "\nint\n", "", op->name, r->status,
	    decl ? "" : "req");
	if (r->json) {
		buf_puts(b, ", ");
		genmodel_value_type(b, r->s);
		buf_printf(b, "const *%s", decl ? "" : "body");
	} else if (r->media != NULL) {
		buf_printf(b, ", const char *%s, const void *%s, size_t%s",
		    decl ? "" : "content_type", decl ? "" : "data",
		    decl ? "" : " len");
	}
	buf_puts(b, decl ? ");\n" : ")\n");
}

static void
genglue_security(struct buf *b, const struct op *op)
{
	size_t	i, j;

	if (op->nsec == 0)
		return;
	for (i = 0; i < op->nsec; i++) {
		buf_printf(b, "static const struct security_scheme *const "
		    "sec_%s_%zu[] = {\n", op->name, i);
		for (j = 0; j < op->sec[i].n; j++)
			buf_printf(b, "\t&scheme_%s,\n",
			    op->sec[i].schemes[j]->cname);
		buf_puts(b, "};\n");
	}
	buf_printf(b, "static const struct security_req secreq_%s[] = {\n",
	    op->name);
	for (i = 0; i < op->nsec; i++)
		buf_printf(b, "\t{ .schemes = sec_%s_%zu, .nschemes = %zu },\n",
		    op->name, i, op->sec[i].n);
	if (op->sec_anon)
		buf_puts(b, "\t{ .schemes = NULL, .nschemes = 0 },\t"
		    "/* {}: anonymous */\n");
	buf_printf(b, "};\nconst struct security glue_security_%s = {\n"
	    "\t.alts = secreq_%s,\n\t.nalts = %zu,\n};\n\n", op->name,
	    op->name, op->nsec + (op->sec_anon ? 1 : 0));
}

/* The multipart body as the upload module reads it. */
static void
genglue_upload(struct buf *b, const struct op *op)
{
	struct sch		*t, *pt, *it;
	const struct ytree_node	*content, *media, *enc, *ct;
	const char		*s, *e;
	size_t			 i, ntypes;
	unsigned long long	 maxb = op->max_body;

	if (op->body_kind != BODY_MULTIPART || op->body == NULL)
		return;
	t = schema_target(op->body);
	content = ytree_get(ytree_deref(ytree_get(op->node, "requestBody")),
	    "content");
	media = NULL;
	for (i = 0; content != NULL && i < content->n; i++)
		if (strncmp(content->pairs[i].key->str, "multipart/form-data",
		    19) == 0)
			media = ytree_deref(content->pairs[i].value);
	enc = media != NULL ? ytree_get(media, "encoding") : NULL;
	for (i = 0; i < t->nprops; i++) {
		ct = ytree_get(ytree_get(enc, t->props[i].name),
		    "contentType");
		if (!ytree_isstr(ct))
			continue;
		buf_printf(b, "static const char *const upload_types_%s_%s[] = "
		    "{\n", op->name, t->props[i].cname);
		for (s = ct->str;; s = e + 1) {
			while (*s == ' ')
				s++;
			e = strchr(s, ',');
			if (e == NULL)
				e = s + strlen(s);
			ntypes = (size_t)(e - s);
			while (ntypes > 0 && s[ntypes - 1] == ' ')
				ntypes--;
			if (ntypes > 0) {
				buf_puts(b, "\t");
				buf_cstring(b, s, ntypes);
				buf_puts(b, ",\n");
			}
			if (*e == '\0')
				break;
		}
		buf_puts(b, "};\n");
	}
	buf_printf(b, "static const struct upload_field upload_fields_%s[] = "
	    "{\n", op->name);
	for (i = 0; i < t->nprops; i++) {
		pt = schema_target(t->props[i].s);
		it = pt->repr == R_ARR ? schema_target(pt->items) : pt;
		ct = ytree_get(ytree_get(enc, t->props[i].name),
		    "contentType");
		buf_puts(b, "\t{\n\t\t.name = ");
		buf_cstring(b, t->props[i].name, strlen(t->props[i].name));
		buf_printf(b, ",\n\t\t.is_file = %d,\n\t\t.required = %d,\n",
		    it->repr == R_FILE, t->props[i].required);
		if (pt->repr == R_ARR)
			buf_printf(b, "\t\t.min_items = %lld,\n"
			    "\t\t.max_items = %lld,\n",
			    pt->minitems >= 0 ? pt->minitems : 0,
			    pt->maxitems >= 0 ? pt->maxitems : 0);
		else
			buf_printf(b, "\t\t.min_items = %d,\n"
			    "\t\t.max_items = 1,\n", t->props[i].required);
		buf_printf(b, "\t\t.max_bytes = %llu,\n", it->repr == R_FILE ?
		    maxb : 0ULL);
		if (ytree_isstr(ct)) {
			ntypes = 1;
			for (s = ct->str; *s != '\0'; s++)
				ntypes += *s == ',';
			buf_printf(b, "\t\t.types = upload_types_%s_%s,\n"
			    "\t\t.ntypes = %zu,\n", op->name,
			    t->props[i].cname, ntypes);
		} else
			buf_puts(b, "\t\t.types = NULL,\n\t\t.ntypes = 0,\n");
		buf_puts(b, "\t},\n");
	}
	if (t->nprops == 0)
		buf_puts(b, "\t{ .name = NULL },\n");
	buf_printf(b, "};\nconst struct upload_spec glue_upload_%s = {\n"
	    "\t.fields = upload_fields_%s,\n\t.nfields = %zu,\n};\n\n",
	    op->name, op->name, t->nprops);
}

/* "s = <the parameter's raw value or NULL>;" */
static void
genglue_getter(struct buf *b, const struct param *p)
{
	static const char *const	getters[] = { "request_param",
					    "request_query",
					    "request_header",
					    "validate_cookie" };

	buf_printf(b, "\ts = %s(req, ", getters[p->in]);
	buf_cstring(b, p->name, strlen(p->name));
	buf_puts(b, ");\n");
}

static void
genglue_param(struct buf *b, const struct model *m, const struct op *op,
    const struct param *p)
{
	struct sch	*t = schema_target(p->s);
	const char	*loc = genglue_ins[p->in], *dflt;
	char		 lv[256], nf[256];

	buf_printf(b, "\n\t/* %s ", loc);
	buf_comment(b, p->name);
	buf_puts(b, " */\n\tvalidate_push(v, \"");
	buf_puts(b, loc);
	buf_puts(b, "\");\n\tvalidate_push(v, ");
	buf_cstring(b, p->name, strlen(p->name));
	buf_puts(b, ");\n");
	if (p->shape != PS_TEXT) {
		genglue_structured(b, op, p);
		buf_puts(b, "\tif (j == NULL) {\n");
	} else if (p->multi) {
		if (p->in == IN_QUERY) {
			buf_puts(b, "\tn = validate_query(req, ");
			buf_cstring(b, p->name, strlen(p->name));
			buf_printf(b, ", '%c', %d, &vals);\n", p->sep == '|' ?
			    '|' : p->sep, !p->explode);
		} else {
			genglue_getter(b, p);
			buf_puts(b, "\tn = s != NULL ? validate_split("
			    "req->arena, s, ',', &vals) : 0;\n");
		}
		buf_puts(b, "\tif (n == 0) {\n");
	} else {
		genglue_getter(b, p);
		buf_puts(b, "\tif (s == NULL) {\n");
	}
	dflt = genmodel_default_expr(m->pool, p->s);
	if (p->required)
		buf_puts(b, "\t\tvalidate_missing(v);\n\t\trc = -1;\n");
	else if (dflt != NULL)
		buf_printf(b, "\t\tin->%s.%s = %s;\n", loc, p->cname, dflt);
	else
		buf_puts(b, "\t\t/* optional */\n");
	buf_puts(b, "\t} else {\n");
	if (!p->required && dflt == NULL)
		buf_printf(b, "\t\tin->%s.has_%s = true;\n", loc, p->cname);
	if (p->shape != PS_TEXT) {
		/* A string at a leaf stands for the number it spells
		 * (not in JSON, which has numbers). */
		if (!genglue_isjson(p))
			buf_puts(b, "\t\tv->text = 1;\n");
	} else if (t->repr == R_ARR) {
		buf_puts(b, "\t\tj = validate_values(vals, n, ");
		genmodel_kind(b, p->s);
		buf_puts(b, ");\n");
	} else if (p->multi) {
		/* One of several shapes, a list among them: one value is a
		 * scalar, several an array. */
		buf_puts(b, "\t\tj = n == 1 ? validate_value(vals[0], ");
		genmodel_kind(b, p->s);
		buf_puts(b, ") :\n\t\t    validate_values(vals, n, ");
		genmodel_kind(b, p->s);
		buf_puts(b, ");\n");
	} else {
		buf_puts(b, "\t\tj = validate_value(s, ");
		genmodel_kind(b, p->s);
		buf_puts(b, ");\n");
	}
	snprintf(lv, sizeof(lv), "in->%s.%s", loc, p->cname);
	snprintf(nf, sizeof(nf), "in->%s.%s_is_null", loc, p->cname);
	if (p->invalid_status != 0)
		buf_puts(b, "\t\tmark = validate_mark(v);\n");
	genmodel_decode_use(b, p->s, 0, "j", lv, nf, "\t\t");
	if (p->shape != PS_TEXT && !genglue_isjson(p))
		buf_puts(b, "\t\tv->text = 0;\n");
	buf_puts(b, "\t\tjson_decref(j);\n");
	if (p->invalid_status != 0) {
		buf_printf(b, "\t\tif (validate_mark(v) != mark) {\n"
		    "\t\t\treply_error(req, %d, ", p->invalid_status);
		if (p->invalid_message != NULL)
			buf_cstring(b, p->invalid_message,
			    strlen(p->invalid_message));
		else
			buf_printf(b, "reply_status_text(%d)", p->invalid_status);
		buf_puts(b, ");\n\t\t\treturn 0;\n\t\t}\n");
	}
	buf_puts(b, "\t}\n\tvalidate_pop(v);\n\tvalidate_pop(v);\n");
}

static int
genglue_isjson(const struct param *p)
{
	return p->shape == PS_JSON || p->shape == PS_JSONS;
}

/* "j = <the parameter as JSON, or NULL>;" (runtime/param.h). */
static void
genglue_structured(struct buf *b, const struct op *op, const struct param *p)
{
	size_t	i;

	switch (p->shape) {
	case PS_DEEP:
		buf_puts(b, "\tj = param_query_deep(req, ");
		buf_cstring(b, p->name, strlen(p->name));
		buf_puts(b, ");\n");
		break;
	case PS_JSONS:
		buf_puts(b, "\tj = param_query_jsons(req, ");
		buf_cstring(b, p->name, strlen(p->name));
		buf_puts(b, ");\n");
		break;
	case PS_REST:
		/* The members: every pair the operation does not name. */
		buf_puts(b, "\tj = param_query_rest(req, ");
		buf_cstring(b, p->name, strlen(p->name));
		buf_puts(b, ",\n\t    (const char *const []){ ");
		for (i = 0; i < op->nin; i++) {
			if (op->in[i].in != IN_QUERY || &op->in[i] == p)
				continue;
			buf_cstring(b, op->in[i].name, strlen(op->in[i].name));
			buf_puts(b, ", ");
		}
		buf_puts(b, "NULL });\n");
		break;
	case PS_PAIRS:
		genglue_getter(b, p);
		buf_printf(b, "\tj = param_pairs(s, '%c', %d);\n", p->sep,
		    p->explode && p->in != IN_QUERY && p->in != IN_COOKIE);
		break;
	case PS_JSON:
		genglue_getter(b, p);
		buf_puts(b, "\tj = param_json(s);\n");
		break;
	case PS_TEXT:
		break;
	}
}

/* Form and multipart fields: the object's properties, by name. */
static void
genglue_fields(struct buf *b, const struct model *m, const struct op *op,
    int multipart)
{
	struct sch	*t = schema_target(op->body), *pt, *it;
	struct sch_prop	*p;
	const char	*dflt;
	char		 lv[256], nf[256];
	size_t		 i;

	buf_puts(b, "\tbody = arena_calloc(req->arena, 1, sizeof(*body));\n");
	for (i = 0; i < t->nprops; i++) {
		p = &t->props[i];
		pt = schema_target(p->s);
		it = pt->repr == R_ARR ? schema_target(pt->items) : pt;
		buf_puts(b, "\n\tvalidate_push(v, ");
		buf_cstring(b, p->name, strlen(p->name));
		buf_puts(b, ");\n");
		if (multipart && it->repr == R_FILE) {
			buf_puts(b, "\tn = 0;\n\tfor (f = req->uploads; f != NULL; "
			    "f = f->next)\n\t\tif (strcmp(f->field, ");
			buf_cstring(b, p->name, strlen(p->name));
			buf_puts(b, ") == 0)\n\t\t\tn++;\n");
			buf_puts(b, "\tif (n == 0) {\n");
			if (p->required)
				buf_puts(b, "\t\tvalidate_missing(v);\n"
				    "\t\trc = -1;\n");
			else
				buf_puts(b, "\t\t/* optional */\n");
			buf_puts(b, "\t} else {\n");
			if (!p->required)
				buf_printf(b, "\t\tbody->has_%s = true;\n",
				    p->cname);
			if (pt->repr == R_ARR) {
				buf_printf(b, "\t\tbody->%s.items = arena_calloc("
				    "req->arena, n,\n\t\t    sizeof(*body->%s."
				    "items));\n"
				    "\t\tfor (f = req->uploads; f != NULL; "
				    "f = f->next)\n"
				    "\t\t\tif (strcmp(f->field, ", p->cname,
				    p->cname);
				buf_cstring(b, p->name, strlen(p->name));
				buf_printf(b, ") == 0)\n"
				    "\t\t\t\tbody->%s.items[body->%s.n++] = f;\n",
				    p->cname, p->cname);
				if (pt->minitems > 0)
					buf_printf(b, "\t\tif (n < %lld) {\n"
					    "\t\t\tvalidate_error(v, \"value_error"
					    ".list.min_items\",\n\t\t\t    "
					    "\"ensure this value has at least "
					    "%lld items\");\n\t\t\trc = -1;\n"
					    "\t\t}\n", pt->minitems,
					    pt->minitems);
				if (pt->maxitems >= 0)
					buf_printf(b, "\t\tif (n > %lld) {\n"
					    "\t\t\tvalidate_error(v, \"value_error"
					    ".list.max_items\",\n\t\t\t    "
					    "\"ensure this value has at most "
					    "%lld items\");\n\t\t\trc = -1;\n"
					    "\t\t}\n", pt->maxitems,
					    pt->maxitems);
			} else {
				buf_puts(b, "\t\tfor (f = req->uploads; f != NULL; "
				    "f = f->next)\n\t\t\tif (strcmp(f->field, ");
				buf_cstring(b, p->name, strlen(p->name));
				buf_printf(b, ") == 0 && body->%s == NULL)\n"
				    "\t\t\t\tbody->%s = f;\n", p->cname,
				    p->cname);
				buf_puts(b, "\t\tif (n > 1) {\n"
				    "\t\t\tvalidate_error(v, \"value_error.list."
				    "max_items\",\n\t\t\t    \"ensure this value "
				    "has at most 1 items\");\n\t\t\trc = -1;\n"
				    "\t\t}\n");
			}
			buf_puts(b, "\t}\n\tvalidate_pop(v);\n");
			continue;
		}
		if (multipart) {
			buf_puts(b, "\tn = 0;\n\tvals = arena_calloc(req->arena, "
			    "1, sizeof(*vals));\n"
			    "\tfor (x = req->texts; x != NULL; x = x->next) {\n"
			    "\t\tif (strcmp(x->field, ");
			buf_cstring(b, p->name, strlen(p->name));
			buf_puts(b, ") != 0)\n\t\t\tcontinue;\n"
			    "\t\tif (n % 8 == 0) {\n"
			    "\t\t\tconst char **nv = arena_calloc(req->arena, "
			    "n + 8,\n\t\t\t    sizeof(*nv));\n\n"
			    "\t\t\tmemcpy(nv, vals, n * sizeof(*nv));\n"
			    "\t\t\tvals = nv;\n\t\t}\n"
			    "\t\tvals[n++] = x->value;\n\t}\n");
		} else {
			buf_puts(b, "\tn = validate_form_values(req->arena, &form, ");
			buf_cstring(b, p->name, strlen(p->name));
			buf_puts(b, ", 0, &vals);\n");
		}
		buf_puts(b, "\tif (n == 0) {\n");
		dflt = genmodel_default_expr(m->pool, p->s);
		if (p->required)
			buf_puts(b, "\t\tvalidate_missing(v);\n\t\trc = -1;\n");
		else if (dflt != NULL)
			buf_printf(b, "\t\tbody->%s = %s;\n", p->cname, dflt);
		else
			buf_puts(b, "\t\t/* optional */\n");
		buf_puts(b, "\t} else {\n");
		if (!p->required && dflt == NULL)
			buf_printf(b, "\t\tbody->has_%s = true;\n", p->cname);
		if (pt->repr == R_ARR)
			buf_puts(b, "\t\tj = validate_values(vals, n, ");
		else
			buf_puts(b, "\t\tj = validate_value(vals[n - 1], ");
		genmodel_kind(b, p->s);
		buf_puts(b, ");\n");
		snprintf(lv, sizeof(lv), "body->%s", p->cname);
		snprintf(nf, sizeof(nf), "body->%s_is_null", p->cname);
		genmodel_decode_use(b, p->s, p->byptr, "j", lv, nf, "\t\t");
		buf_puts(b, "\t\tjson_decref(j);\n\t}\n\tvalidate_pop(v);\n");
	}
	buf_puts(b, "\tin->body = body;\n");
}

static void
genglue_body(struct buf *b, const struct model *m, const struct op *op)
{
	size_t	i;

	if (op->body_kind == BODY_NONE)
		return;
	buf_puts(b, "\n\t/* body */\n\t{\n\t\tstatic const char *const "
	    "media[] = {\n");
	for (i = 0; i < op->nbody_types; i++) {
		buf_puts(b, "\t\t\t");
		buf_cstring(b, op->body_types[i], strlen(op->body_types[i]));
		buf_puts(b, ",\n");
	}
	buf_printf(b, "\t\t};\n\t\tsize_t\twhich;\n\n"
	    "\t\tif (validate_media(req, media, %zu, &which) == -1)\n"
	    "\t\t\treturn 0;\n\t}\n", op->nbody_types);
	if (op->body_kind == BODY_RAW || op->body == NULL)
		return;
	buf_puts(b, "\tvalidate_push(v, \"body\");\n");
	if (op->body_kind == BODY_JSON) {
		buf_puts(b, "\tif (req->body_len == 0) {\n");
		if (op->body_required)
			buf_puts(b, "\t\tvalidate_missing(v);\n\t\trc = -1;\n");
		else
			buf_puts(b, "\t\tin->body = NULL;\n");
		buf_puts(b, "\t} else if ((j = validate_json_body(req)) == NULL) "
		    "{\n\t\treturn 0;\n\t} else {\n");
		if (schema_nullable(op->body))
			buf_puts(b, "\t\tif (json_is_null(j))\n"
			    "\t\t\tbody = NULL;\n\t\telse {\n");
		else
			buf_puts(b, "\t\t{\n");
		buf_puts(b, "\t\t\tbody = arena_calloc(req->arena, 1, "
		    "sizeof(*body));\n");
		genmodel_decode_value(b, op->body, "j", "body", "\t\t\t");
		buf_puts(b, "\t\t}\n\t\tin->body = body;\n\t\tjson_decref(j);\n"
		    "\t}\n");
	} else if (op->body_kind == BODY_FORM) {
		buf_puts(b, "\tvalidate_form_parse(req->arena, req->body, "
		    "req->body_len, &form);\n");
		genglue_fields(b, m, op, 0);
	} else
		genglue_fields(b, m, op, 1);
	buf_puts(b, "\tvalidate_pop(v);\n");
}

static void
genglue_op(struct buf *b, const struct model *m, const struct op *op)
{
	unsigned	uses = genglue_uses(op);
	size_t		i;

	buf_puts(b, "\n/* ");
	buf_comment(b, model_methods[op->method].upper);
	buf_putc(b, ' ');
	buf_comment(b, op->path);
	buf_printf(b, " */\nint\nglue_%s(struct request *req)\n{\n"
	    "\tstruct api_%s_in\t*in;\n"
	    "\tstruct validate\t\t vs, *v = &vs;\n", op->name, op->name);
	if (uses & USES_J)
		buf_puts(b, "\tjson_t\t\t\t*j;\n");
	if (uses & USES_S)
		buf_puts(b, "\tconst char\t\t*s;\n");
	if (uses & USES_VALS)
		buf_puts(b, "\tconst char\t\t**vals;\n");
	if (uses & USES_N)
		buf_puts(b, "\tsize_t\t\t\t n;\n");
	if (op->body != NULL && op->body_kind != BODY_RAW) {
		buf_puts(b, "\t");
		genmodel_value_type(b, op->body);
		buf_puts(b, "*body;\n");
	}
	if (op->body_kind == BODY_FORM)
		buf_puts(b, "\tstruct validate_form\t form;\n");
	for (i = 0; i < op->nin; i++)
		if (op->in[i].invalid_status != 0)
			break;
	if (i < op->nin)
		buf_puts(b, "\tsize_t\t\t\t mark;\n");
	if (uses & USES_F)
		buf_puts(b, "\tstruct upload_file\t*f;\n");
	if (uses & USES_X)
		buf_puts(b, "\tstruct upload_text\t*x;\n");
	buf_puts(b, "\tint\t\t\t rc = 0;\n\n");
	if (op->nsec > 0)
		buf_printf(b, "\tif (security_check(req, &glue_security_%s) == "
		    "-1)\n\t\treturn 0;\n", op->name);
	buf_puts(b, "\tin = arena_calloc(req->arena, 1, sizeof(*in));\n"
	    "\tin->principal = req->principal;\n"
	    "\tvalidate_init(v, req->arena, VALIDATE_REQUEST);\n");
	for (i = 0; i < op->nin; i++)
		genglue_param(b, m, op, &op->in[i]);
	genglue_body(b, m, op);
	buf_printf(b, "\n\tif (rc == -1 || validate_ok(v) == -1)\n"
	    "\t\treturn validate_answer(req, v);\n"
	    "\treturn api_%s(req, in);\n}\n", op->name);
}

static void
genglue_replydef(struct buf *b, const struct op *op, const struct reply *r)
{
	genglue_reply(b, op, r, 0);
	buf_puts(b, "{\n");
	if (r->json) {
		buf_puts(b, "\tstruct jsonw\tws, *w = &ws;\n\n"
		    "\tjsonw_init(w, req->arena, 1024);\n"
		    "\tif (body == NULL)\n\t\tjsonw_null(w);\n\telse {\n");
		genmodel_encode_value(b, r->s, "body", "\t\t");
		buf_puts(b, "\t}\n#ifdef DEBUG_BUILD\n\t{\n"
		    "\t\tstruct validate\t vs, *v = &vs;\n"
		    "\t\tjson_t\t\t*j;\n\t\t");
		genmodel_value_type(b, r->s);
		buf_puts(b, "*check;\n\t\tint\t\t rc = 0;\n\n"
		    "\t\tif ((j = validate_reply_parse(req, w->buf, w->len)) == "
		    "NULL)\n\t\t\treturn 0;\n"
		    "\t\tvalidate_init(v, req->arena, VALIDATE_RESPONSE);\n"
		    "\t\tvalidate_push(v, \"response\");\n"
		    "\t\tcheck = arena_calloc(req->arena, 1, sizeof(*check));\n");
		if (schema_nullable(r->s))
			buf_puts(b, "\t\tif (!json_is_null(j))\n\t");
		genmodel_decode_value(b, r->s, "j", "check", "\t\t");
		buf_puts(b, "\t\tjson_decref(j);\n"
		    "\t\tif (rc == -1 && v->nerrors == 0)\n"
		    "\t\t\tvalidate_error(v, \"value_error\", \"invalid\");\n"
		    "\t\tif (validate_reply_verdict(req, v) == -1)\n"
		    "\t\t\treturn 0;\n\t}\n#endif\n");
		buf_printf(b, "\treply_static(req, %d, ", r->status);
		buf_cstring(b, r->media, strlen(r->media));
		buf_puts(b, ", w->buf, w->len);\n\treturn 0;\n}\n");
	} else if (r->media != NULL) {
		buf_printf(b, "\treply_bytes(req, %d, content_type != "
		    "NULL ? content_type :\n\t    ", r->status);
		buf_cstring(b, r->media, strlen(r->media));
		buf_puts(b, ", data, len);\n\treturn 0;\n}\n");
	} else
		buf_printf(b, "\treply_empty(req, %d);\n\treturn 0;\n}\n",
		    r->status);
}

void
genglue_emit(struct buf *b, const struct model *m, const char *spec)
{
	size_t	i, j;

	buf_printf(b, CODEGEN_HEADER, spec);
	buf_puts(b, "/*\n * glue.c - requests of ");
	buf_comment(b, spec);
	buf_puts(b, " into typed handler calls, and\n"
	    " * typed replies into responses (see codegen/genglue.c).\n"
	    " */\n"
	    "#include <stdbool.h>\n#include <stdint.h>\n#include <string.h>\n\n"
	    "#include \"api.h\"\n#include \"arena.h\"\n#include \"request.h\"\n"
	    "#include \"jsonw.h\"\n#include \"model.h\"\n");
	/* param.h only where a parameter is a structure. */
	for (i = 0, j = 0; i < m->nops; i++)
		j += genglue_structs(&m->ops[i]);
	if (j > 0)
		buf_puts(b, "#include \"param.h\"\n");
	buf_puts(b, "#include \"security.h\"\n#include \"upload.h\"\n"
	    "#include \"validate.h\"\n\n");
	for (i = 0; i < m->nschemes; i++) {
		buf_printf(b, "static const struct security_scheme scheme_%s = "
		    "{\n\t.name = ", m->schemes[i].cname);
		buf_cstring(b, m->schemes[i].name, strlen(m->schemes[i].name));
		if (m->schemes[i].apikey) {
			buf_printf(b, ",\n\t.type = SECURITY_APIKEY,\n"
			    "\t.in = %s,\n\t.param = ", m->schemes[i].in);
			buf_cstring(b, m->schemes[i].param,
			    strlen(m->schemes[i].param));
		} else if (m->schemes[i].tls) {
			buf_puts(b, ",\n\t.type = SECURITY_TLS");
		} else {
			buf_puts(b, ",\n\t.type = SECURITY_HTTP,\n\t.scheme = ");
			buf_cstring(b, m->schemes[i].scheme,
			    strlen(m->schemes[i].scheme));
		}
		buf_puts(b, ",\n};\n\n");
	}
	for (i = 0; i < m->nops; i++) {
		genglue_security(b, &m->ops[i]);
		genglue_upload(b, &m->ops[i]);
	}
	buf_puts(b, "void\napi_init(void)\n{\n\tmodel_init();\n}\n");
	for (i = 0; i < m->nops; i++) {
		genglue_op(b, m, &m->ops[i]);
		for (j = 0; j < m->ops[i].nreplies; j++)
			genglue_replydef(b, &m->ops[i], &m->ops[i].replies[j]);
	}
}
