/*
 * codegen - writes the C glue of the server from its OpenAPI spec.
 *
 *	codegen [--strict] [-o outdir] spec.yaml
 *	codegen -n handlers spec.yaml	(which handlers are missing)
 *	codegen -s handlers spec.yaml	(append stubs for them: scaffold.c)
 *	codegen -q sql/queries [-o outdir]
 *		(query.h, query.c: a typed function per named query,
 *		genquery.c)
 *	codegen [-c] -d sql/queries [-m sql/migrations]
 *		(describe the queries against DATABASE_URL into
 *		sql/queries/queries.json, or -c: check that file; describe.c)
 *
 * The spec is the source of truth: routes, operations and the published
 * spec itself all come from it, so they cannot drift apart.  This program
 * reads the spec (YAML, OpenAPI 3.0.x or 3.1.x), resolves its local
 * $refs, checks it, and writes into outdir (default "generated"):
 *
 *   api.h	one handler prototype per operation, api_<operationId>,
 *		sorted by name, and the tables below
 *   routes.c	api_ops[], every operation (path, method, tag, flags from
 *		security and the x-inline / x-max-bytes extensions, path
 *		parameter names), and api_routes, a static trie over the
 *		path segments: routing is decided here, not at run time
 *   stubs.c	a weak api_<name>() per operation answering 501; the real
 *		handler in handlers/ replaces it at link time
 *   spec.c	the spec as written and as compact JSON, for /openapi.yaml
 *		and /openapi.json
 *
 * Output is deterministic (sorted, no dates, no absolute paths), starts
 * with a "Code generated ... DO NOT EDIT." line, and is committed; make
 * reruns the generator when the spec or the generator changes, and CI
 * fails when generated/ is stale.  A file is only rewritten when its
 * content changes.
 *
 * A spec with problems produces no output: every problem is printed as
 * "spec:line:col: message", sorted by position, then a count, and the
 * exit status is 1.  A defect the document still has a meaning for is a
 * warning ("spec:line:col: warning: message"): the output is written as
 * the document means it, and the exit status is 0 - unless --strict
 * makes warnings errors.
 */
#include <getopt.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codegen.h"

static void	usage(void) __attribute__((noreturn));

/* The files the generator owns in outdir; emit_prune() keeps these. */
static const char *const outputs[] = {
	"api.h", "routes.c", "stubs.c", "spec.c", "model.h", "model.c",
	"glue.c"
};
/* Written by -q into the same directory; the spec's run keeps them. */
static const char *const keep[] = {
	"api.h", "routes.c", "stubs.c", "spec.c", "model.h", "model.c",
	"glue.c", "query.h", "query.c"
};

static const struct option longopts[] = {
	{ "strict", no_argument, NULL, 'S' },	/* warnings are errors */
	{ NULL, 0, NULL, 0 }
};

static void
usage(void)
{
	fprintf(stderr, "usage: codegen [--strict] [-o outdir] spec.yaml\n"
	    "       codegen -n | -s handlerdir spec.yaml\n"
	    "       codegen -q querydir [-o outdir]\n"
	    "       codegen [-c] -d querydir [-m migrationdir]\n");
	exit(1);
}

int
main(int argc, char *argv[])
{
	struct ytree	 tree;
	struct model	 model;
	struct buf	 out[nitems(outputs)], name;
	const char	*outdir = "generated", *spec, *base;
	const char	*handlers = NULL, *queries = NULL, *describe = NULL;
	const char	*migrations = "sql/migrations";
	int		 scaffold = 0, check = 0;
	char		*yaml = NULL, *json = NULL;
	size_t		 len, i;
	int		 ch, rc = 1;

	while ((ch = getopt_long(argc, argv, "cd:m:n:o:q:s:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'S':
			diag_strict();
			break;
		case 'c':
			check = 1;
			break;
		case 'd':
			describe = optarg;
			break;
		case 'm':
			migrations = optarg;
			break;
		case 'q':
			queries = optarg;
			break;
		case 'n':
		case 's':
			handlers = optarg;
			scaffold = ch == 's';
			break;
		case 'o':
			outdir = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (queries != NULL || describe != NULL) {
		if (argc != 0 || (queries != NULL && describe != NULL) ||
		    (check && describe == NULL) || outdir[0] == '\0')
			usage();
		if (queries != NULL)
			return (genquery_run(queries, outdir) == 0 ? 0 : 1);
		return (describe_run(describe, migrations,
		    getenv("DATABASE_URL"), check) == 0 ? 0 : 1);
	}
	if (argc != 1 || outdir[0] == '\0')
		usage();
	spec = argv[0];

	model_init(&model);
	memset(&tree, 0, sizeof(tree));
	buf_init(&name);
	for (i = 0; i < nitems(out); i++)
		buf_init(&out[i]);

	if ((yaml = ytree_read(spec, &len)) == NULL) {
		warn("%s", spec);
		goto out;
	}
	if (ytree_parse(&tree, yaml, len) == 0) {
		tree.path = spec;	/* relative $refs are read from here */
		ref_resolve(&tree);
		model_build(&model, &tree);
		schema_build(&model, &tree);
		json = tojson_convert(&tree);
	}
	if (diag_total() > 0 && diag_print(spec) > 0)
		goto out;
	if (json == NULL)
		fatal("%s: no JSON form and no error", spec);
	if (handlers != NULL) {
		rc = scaffold_run(&model, handlers, scaffold) == 0 ? 0 : 1;
		goto out;
	}

	/* The generated header names the spec by its basename only, so
	 * output does not depend on where the tree is checked out. */
	base = strrchr(spec, '/') != NULL ? strrchr(spec, '/') + 1 : spec;
	buf_comment(&name, base);
	if (name.len == 0)
		buf_puts(&name, "spec");

	genapi_header(&out[0], &model, name.data);
	genroutes_emit(&out[1], &model, name.data);
	genapi_stubs(&out[2], &model, name.data);
	/* A multi-file document is served bundled, in both forms (JSON
	 * is YAML 1.2): its own text would name files the server lacks. */
	if (tree.nfiles > 1)
		genspec_emit(&out[3], json, strlen(json), json, name.data);
	else
		genspec_emit(&out[3], yaml, len, json, name.data);
	genmodel_header(&out[4], &model, name.data);
	genmodel_code(&out[5], &model, name.data);
	genglue_emit(&out[6], &model, name.data);

	if (emit_mkdir(outdir) == -1)
		goto out;
	for (i = 0; i < nitems(outputs); i++)
		if (emit_file(outdir, outputs[i], &out[i]) == -1)
			goto out;
	if (emit_prune(outdir, keep, nitems(keep)) == -1)
		goto out;
	rc = 0;
out:
	for (i = 0; i < nitems(out); i++)
		buf_free(&out[i]);
	buf_free(&name);
	free(json);
	free(yaml);
	model_cleanup(&model);
	if (tree.pool != NULL)
		ytree_cleanup(&tree);
	diag_cleanup();
	return (rc);
}
