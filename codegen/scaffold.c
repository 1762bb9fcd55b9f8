/*
 * scaffold.c - which operations have no handler yet, and stubs for them.
 *
 *	codegen -n handlers spec.yaml	note which operations still answer
 *					through their generated stub
 *	codegen -s handlers spec.yaml	append a stub with the right typed
 *					signature for each of them
 *
 * A handler exists when some handlers/<file>.c has a line starting with
 * "api_<name>(" (house style puts a definition's name at column 0, so a
 * call does not count).  A missing one goes to the file that already
 * holds other operations of its first tag, or else to
 * handlers/<tag, lower case>.c, created with a header comment.  Existing
 * code is never touched: stubs are only appended.
 */
#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codegen.h"

struct scaffold_file {
	char	*name;		/* "posts.c" */
	char	*text;
};

struct scaffold {
	struct scaffold_file	*files;
	size_t			 nfiles;
};

static int	scaffold_read(struct scaffold *, const char *);
static char	*scaffold_slurp(const char *);
static int	scaffold_defines(const struct scaffold_file *, const char *);
static const struct scaffold_file *scaffold_holder(const struct scaffold *,
		    const char *);
static char	*scaffold_target(const struct scaffold *, const struct model *,
		    const struct op *);
static void	scaffold_stub(struct buf *, const struct op *);
static void	scaffold_free(struct scaffold *);

static char *
scaffold_slurp(const char *path)
{
	FILE	*f;
	char	*text;
	long	 len;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == -1 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) == -1) {
		fclose(f);
		return NULL;
	}
	text = xmalloc((size_t)len + 1);
	len = (long)fread(text, 1, (size_t)len, f);
	text[len] = '\0';
	fclose(f);
	return text;
}

static int
scaffold_read(struct scaffold *sc, const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	char		*path;
	size_t		 len;

	memset(sc, 0, sizeof(*sc));
	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			return 0;
		warn("%s", dir);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 3 || strcmp(de->d_name + len - 2, ".c") != 0)
			continue;
		if (asprintf(&path, "%s/%s", dir, de->d_name) == -1)
			fatal("asprintf: out of memory");
		sc->files = xreallocarray(sc->files, sc->nfiles + 1,
		    sizeof(*sc->files));
		sc->files[sc->nfiles].name = xstrdup(de->d_name);
		sc->files[sc->nfiles].text = scaffold_slurp(path);
		if (sc->files[sc->nfiles].text == NULL)
			sc->files[sc->nfiles].text = xstrdup("");
		sc->nfiles++;
		free(path);
	}
	closedir(d);
	return 0;
}

static void
scaffold_free(struct scaffold *sc)
{
	size_t	i;

	for (i = 0; i < sc->nfiles; i++) {
		free(sc->files[i].name);
		free(sc->files[i].text);
	}
	free(sc->files);
}

/* A line starting with "api_<name>(". */
static int
scaffold_defines(const struct scaffold_file *f, const char *name)
{
	const char	*p = f->text;
	size_t		 len = strlen(name);

	for (;;) {
		if (strncmp(p, "api_", 4) == 0 &&
		    strncmp(p + 4, name, len) == 0 && p[4 + len] == '(')
			return 1;
		if ((p = strchr(p, '\n')) == NULL)
			return 0;
		p++;
	}
}

static const struct scaffold_file *
scaffold_holder(const struct scaffold *sc, const char *name)
{
	size_t	i;

	for (i = 0; i < sc->nfiles; i++)
		if (scaffold_defines(&sc->files[i], name))
			return &sc->files[i];
	return NULL;
}

/* The file a missing handler of op goes to (free it). */
static char *
scaffold_target(const struct scaffold *sc, const struct model *m,
    const struct op *op)
{
	const struct scaffold_file	*f;
	char				*name, *d;
	size_t				 i;

	for (i = 0; i < m->nops; i++) {
		if (strcmp(m->ops[i].tag, op->tag) != 0 || &m->ops[i] == op)
			continue;
		if ((f = scaffold_holder(sc, m->ops[i].name)) != NULL)
			return xstrdup(f->name);
	}
	if (asprintf(&name, "%s.c", op->tag[0] != '\0' ? op->tag :
	    "default") == -1)
		fatal("asprintf: out of memory");
	for (d = name; d[2] != '\0'; d++) {
		*d = (char)tolower((unsigned char)*d);
		if (!isalnum((unsigned char)*d))
			*d = '_';
	}
	return name;
}

static void
scaffold_stub(struct buf *b, const struct op *op)
{
	struct buf	text;
	size_t		i;

	buf_init(&text);
	buf_printf(&text, "%s %s", model_methods[op->method].upper, op->path);
	if (op->summary != NULL)
		buf_printf(&text, " - %s", op->summary);
	buf_puts(b, "\n/* ");
	buf_comment(b, text.data);
	buf_printf(b, " */\nint\napi_%s(struct request *req,\n"
	    "    const struct api_%s_in *in)\n{\n", op->name, op->name);
	buf_free(&text);
	buf_puts(b, "\t/*\n\t * TODO: the inputs are in *in, validated");
	if (op->body != NULL)
		buf_puts(b, " (in->body)");
	buf_puts(b, ";\n\t * answer with");
	for (i = 0; i < op->nreplies; i++)
		buf_printf(b, "%s api_%s_reply_%d()", i > 0 ? "," : "",
		    op->name, op->replies[i].status);
	if (op->nreplies == 0)
		buf_puts(b, " reply_*()");
	buf_puts(b, "\n\t * or reply_error().\n\t */\n"
	    "\treply_errorf(req, 501, \"Operation %s is not implemented\",\n"
	    "\t    ");
	buf_cstring(b, op->opid, strlen(op->opid));
	buf_puts(b, ");\n\treturn 0;\n}\n");
}

int
scaffold_run(const struct model *m, const char *dir, int write)
{
	struct scaffold	 sc;
	struct buf	 note, add;
	const struct op	**missing;
	const char	*tag;
	char		*target, *path;
	size_t		 i, j, n = 0;
	FILE		*f;
	int		 rc = -1, exists;

	if (scaffold_read(&sc, dir) == -1)
		return -1;
	buf_init(&note);
	missing = xcalloc(m->nops + 1, sizeof(*missing));
	for (i = 0; i < m->nops; i++)
		if (scaffold_holder(&sc, m->ops[i].name) == NULL)
			missing[n++] = &m->ops[i];
	if (!write) {
		for (i = 0; i < n; i++) {
			target = scaffold_target(&sc, m, missing[i]);
			buf_printf(&note, "%s %s (%s/%s)", i == 0 ? ":" : ",",
			    missing[i]->name, dir, target);
			free(target);
		}
		if (n > 0)
			fprintf(stderr, "note: %zu operation%s no handler "
			    "yet%s\nnote: make scaffold appends stubs for "
			    "them\n", n, n == 1 ? " has" : "s have", note.data);
		rc = 0;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (missing[i] == NULL)
			continue;
		target = scaffold_target(&sc, m, missing[i]);
		tag = missing[i]->tag;
		buf_init(&add);
		/* Every missing handler for this file, in one append. */
		for (j = i; j < n; j++) {
			char	*t2;

			if (missing[j] == NULL)
				continue;
			t2 = scaffold_target(&sc, m, missing[j]);
			if (strcmp(t2, target) == 0) {
				scaffold_stub(&add, missing[j]);
				printf("scaffold: %s/%s: api_%s\n", dir, target,
				    missing[j]->name);
				missing[j] = NULL;
			}
			free(t2);
		}
		if (asprintf(&path, "%s/%s", dir, target) == -1)
			fatal("asprintf: out of memory");
		exists = access(path, F_OK) == 0;
		if ((f = fopen(path, "a")) == NULL) {
			warn("%s", path);
			free(path);
			free(target);
			buf_free(&add);
			goto out;
		}
		if (!exists)
			fprintf(f, "/*\n * %s - handlers of the \"%s\" tag.\n"
			    " */\n#include \"api.h\"\n", target, tag);
		fputs(add.data, f);
		if (fclose(f) == EOF)
			warn("%s", path);
		free(path);
		free(target);
		buf_free(&add);
	}
	rc = 0;
out:
	free(missing);
	buf_free(&note);
	scaffold_free(&sc);
	return rc;
}
