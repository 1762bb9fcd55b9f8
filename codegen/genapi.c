/*
 * genapi.c - api.h and stubs.c: one handler per operation.
 *
 * api.h declares a handler api_<name> for every operation, plus the
 * tables routes.c and spec.c define.  stubs.c defines every handler as a
 * weak symbol that answers 501, so a spec change builds and runs before
 * its handlers exist; a handler written in handlers/ is the strong
 * definition and wins at link time.  The generator never reads
 * handlers/.  Both files list operations sorted by C name.
 */
#include <stdlib.h>
#include <string.h>

#include "codegen.h"

static const struct op	**genapi_byname(const struct model *);
static int		 genapi_namecmp(const void *, const void *);
static void		 genapi_opcomment(struct buf *, const struct op *);

static int
genapi_namecmp(const void *a, const void *b)
{
	const struct op	*const *x = a, *const *y = b;

	return (strcmp((*x)->name, (*y)->name));
}

/* The operations sorted by C name (free the array). */
static const struct op **
genapi_byname(const struct model *m)
{
	const struct op	**v;
	size_t		  i;

	v = xcalloc(m->nops, sizeof(*v));
	for (i = 0; i < m->nops; i++)
		v[i] = &m->ops[i];
	if (m->nops > 0)
		qsort(v, m->nops, sizeof(*v), genapi_namecmp);
	return (v);
}

/* The line above a handler: method, path and summary, as a comment. */
static void
genapi_opcomment(struct buf *b, const struct op *op)
{
	struct buf	text;

	buf_init(&text);
	buf_printf(&text, "%s %s", model_methods[op->method].upper, op->path);
	if (op->summary != NULL && op->summary[0] != '\0')
		buf_printf(&text, " - %s", op->summary);
	buf_puts(b, "/* ");
	buf_comment(b, text.data);
	buf_puts(b, " */\n");
	buf_free(&text);
}

void
genapi_header(struct buf *b, const struct model *m, const char *spec)
{
	buf_printf(b, CODEGEN_HEADER, spec);
	buf_puts(b, "/*\n * api.h - the handlers, routes and embedded spec of ");
	buf_comment(b, spec);
	buf_puts(b, ".\n"
	    " *\n"
	    " * Every operation has a handler api_<operationId>.  The stub in\n"
	    " * stubs.c answers 501; a handler in handlers/ replaces it.\n"
	    " */\n"
	    "#ifndef GENERATED_API_H\n"
	    "#define GENERATED_API_H\n"
	    "\n"
	    "#include <stdbool.h>\n"
	    "#include <stddef.h>\n"
	    "#include <stdint.h>\n"
	    "\n"
	    "#include \"request.h\"\n"
	    "#include \"model.h\"\n"
	    "#include \"security.h\"\n"
	    "#include \"upload.h\"\n"
	    "\n"
	    "/*\n"
	    " * Per operation: its inputs, parsed and validated by glue_<name>()\n"
	    " * (glue.c) before api_<name>() is called; the handler; and one\n"
	    " * api_<name>_reply_<status>() per success status of the spec.\n"
	    " */\n");
	genglue_decls(b, m);
	buf_puts(b, "\n"
	    "/* Compiles what validation needs (patterns); call once. */\n"
	    "void\tapi_init(void);\n"
	    "\n"
	    "/* The routing trie and its operations (routes.c). */\n"
	    "extern const struct route_node api_routes;\n"
	    "extern const struct route_op api_ops[];\n"
	    "extern const size_t api_nops;\n"
	    "\n"
	    "/* The spec as written, and as compact JSON (spec.c). */\n"
	    "extern const char api_spec_yaml[];\n"
	    "extern const size_t api_spec_yaml_len;\n"
	    "extern const char api_spec_json[];\n"
	    "extern const size_t api_spec_json_len;\n"
	    "\n"
	    "#endif\n");
}

void
genapi_stubs(struct buf *b, const struct model *m, const char *spec)
{
	const struct op	**v;
	size_t		  i;

	v = genapi_byname(m);
	buf_printf(b, CODEGEN_HEADER, spec);
	buf_puts(b, "/*\n"
	    " * stubs.c - a 501 answer for every operation.\n"
	    " *\n"
	    " * The stubs are weak: a handler in handlers/ defining the same\n"
	    " * function replaces its stub at link time.\n"
	    " */\n"
	    "#include \"api.h\"\n");
	for (i = 0; i < m->nops; i++) {
		buf_putc(b, '\n');
		genapi_opcomment(b, v[i]);
		buf_printf(b, "__attribute__((weak)) int\n"
		    "api_%s(struct request *req, const struct api_%s_in *in)\n"
		    "{\n"
		    "\treply_errorf(req, 501, \"Operation %%s is not "
		    "implemented\",\n\t    ", v[i]->name, v[i]->name);
		buf_cstring(b, v[i]->opid, strlen(v[i]->opid));
		buf_puts(b, ");\n"
		    "\treturn (0);\n"
		    "}\n");
	}
	free(v);
}
