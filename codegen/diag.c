/*
 * diag.c - the generator's error and warning list.
 *
 * Like httpd's parse.y, the generator reports every problem it finds, not
 * just the first: errors are collected as they are found, in whatever
 * order the checks run, then printed sorted by position as
 * "spec:line:col: message" with a count at the end.  The same message at
 * the same position is kept once: a shared node (a $ref target, a YAML
 * alias) is checked once per use.
 *
 * A warning is a defect of the document that still has a meaning the
 * generator carries out (enum: [] accepts nothing, a default its schema
 * refuses is dropped, ...): it is printed the same way, prefixed
 * "warning: ", and does not stop the generator unless diag_strict() made
 * warnings errors (codegen --strict).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen.h"

struct diag {
	int	 file;		/* 0: the spec, else files[file - 1] */
	int	 line;
	int	 col;
	int	 warn;		/* 1: a warning */
	size_t	 more;		/* diag_warnonce: later occurrences */
	char	*cause;		/* diag_warnonce: its key in causes */
	size_t	 seq;
	char	*key;		/* "line:col:message", the duplicate check */
	char	*msg;		/* points into key */
};

static struct diag	*diags;
static size_t		 ndiags;
static size_t		 capdiags;
static size_t		 nwarns;
static char		**files;	/* a multi-file document's others */
static size_t		 nfiles;
static int		 curfile;	/* diag_errorat()'s */
static int		 strict;
static struct hmap	*seen;
static struct hmap	*causes;	/* diag_warnonce: cause -> index+1 */

static void	diag_add(int, int, int, int, const char *, va_list);
static int	diag_cmp(const void *, const void *);

static void
diag_add(int warn, int file, int line, int col, const char *fmt, va_list ap)
{
	va_list	 ap2;
	int	 len, pre;
	char	*key, *p;

	pre = snprintf(NULL, 0, "%d:%d:%d:", file, line, col);
	va_copy(ap2, ap);
	len = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (len < 0 || pre < 0)
		fatal("diag: bad format");
	key = xmalloc((size_t)pre + (size_t)len + 1);
	snprintf(key, (size_t)pre + 1, "%d:%d:%d:", file, line, col);
	vsnprintf(key + pre, (size_t)len + 1, fmt, ap);
	/* Spec text quoted in a message must not break the one line per
	 * error format. */
	for (p = key + pre; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';

	if (seen == NULL)
		seen = hmap_new();
	if (hmap_insert(seen, key, (size_t)pre + (size_t)len, key) != NULL) {
		free(key);
		return;
	}
	if (ndiags == capdiags) {
		capdiags = capdiags == 0 ? 64 : capdiags * 2;
		diags = xreallocarray(diags, capdiags, sizeof(*diags));
	}
	diags[ndiags].file = file;
	diags[ndiags].line = line;
	diags[ndiags].col = col;
	diags[ndiags].more = 0;
	diags[ndiags].cause = NULL;
	diags[ndiags].warn = warn && !strict;
	nwarns += diags[ndiags].warn;
	diags[ndiags].seq = ndiags;
	diags[ndiags].key = key;
	diags[ndiags].msg = key + pre;
	ndiags++;
}

void
diag_error(const struct ytree_node *n, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	diag_add(0, n != NULL ? n->file : 0, n != NULL ? n->line : 1,
	    n != NULL ? n->col : 1, fmt, ap);
	va_end(ap);
}

void
diag_warn(const struct ytree_node *n, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	diag_add(1, n != NULL ? n->file : 0, n != NULL ? n->line : 1,
	    n != NULL ? n->col : 1, fmt, ap);
	va_end(ap);
}

/*
 * A warning said once per cause however often the document repeats it
 * (239 GET operations with a body): the first occurrence is located, the
 * others are counted in its message.
 */
void
diag_warnonce(const char *cause, const struct ytree_node *n,
    const char *fmt, ...)
{
	va_list	 ap;
	size_t	 idx;
	void	*p;

	if (causes == NULL)
		causes = hmap_new();
	if ((p = hmap_get(causes, cause, strlen(cause))) != NULL) {
		idx = (size_t)(uintptr_t)p - 1;
		diags[idx].more++;
		return;
	}
	idx = ndiags;
	va_start(ap, fmt);
	diag_add(1, n != NULL ? n->file : 0, n != NULL ? n->line : 1,
	    n != NULL ? n->col : 1, fmt, ap);
	va_end(ap);
	if (ndiags > idx) {
		diags[idx].cause = xstrdup(cause);
		hmap_insert(causes, diags[idx].cause, strlen(cause),
		    (void *)(uintptr_t)(idx + 1));
	}
}

/* Another file of the document: its index for ytree nodes. */
int
diag_addfile(const char *name)
{
	files = xreallocarray(files, nfiles + 1, sizeof(*files));
	files[nfiles++] = xstrdup(name);
	return ((int)nfiles);
}

/* The file diag_errorat() is about (the YAML reader's). */
void
diag_setfile(int file)
{
	curfile = file;
}

/* Warnings count as errors from now on. */
void
diag_strict(void)
{
	strict = 1;
}

void
diag_errorat(int line, int col, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	diag_add(0, curfile, line, col, fmt, ap);
	va_end(ap);
}

/* The errors: what stops the generator. */
size_t
diag_count(void)
{
	return (ndiags - nwarns);
}

static int
diag_cmp(const void *a, const void *b)
{
	const struct diag	*x = a, *y = b;

	if (x->file != y->file)
		return (x->file < y->file ? -1 : 1);
	if (x->line != y->line)
		return (x->line < y->line ? -1 : 1);
	if (x->col != y->col)
		return (x->col < y->col ? -1 : 1);
	return (x->seq < y->seq ? -1 : x->seq > y->seq);
}

/* Errors and warnings. */
size_t
diag_total(void)
{
	return (ndiags);
}

/* Prints the errors and warnings, then their counts (a line only for a
 * kind there is), and returns how many errors were printed. */
size_t
diag_print(const char *spec)
{
	const char	*name;
	size_t		 i, nerr = ndiags - nwarns;

	qsort(diags, ndiags, sizeof(*diags), diag_cmp);
	for (i = 0; i < ndiags; i++) {
		name = diags[i].file > 0 && (size_t)diags[i].file <= nfiles ?
		    files[diags[i].file - 1] : spec;
		if (diags[i].more > 0)
			fprintf(stderr, "%s:%d:%d: %s%s (and %zu more)\n", name,
			    diags[i].line, diags[i].col,
			    diags[i].warn ? "warning: " : "", diags[i].msg,
			    diags[i].more);
		else
			fprintf(stderr, "%s:%d:%d: %s%s\n", name,
			    diags[i].line, diags[i].col,
			    diags[i].warn ? "warning: " : "", diags[i].msg);
	}
	if (nwarns > 0)
		fprintf(stderr, "%zu warning%s\n", nwarns,
		    nwarns == 1 ? "" : "s");
	if (nerr > 0 || nwarns == 0)
		fprintf(stderr, "%zu error%s\n", nerr, nerr == 1 ? "" : "s");
	return (nerr);
}

void
diag_cleanup(void)
{
	size_t	i;

	for (i = 0; i < ndiags; i++) {
		free(diags[i].key);
		free(diags[i].cause);
	}
	free(diags);
	for (i = 0; i < nfiles; i++)
		free(files[i]);
	free(files);
	files = NULL;
	nfiles = 0;
	curfile = 0;
	hmap_free(seen);
	hmap_free(causes);
	seen = causes = NULL;
	diags = NULL;
	ndiags = capdiags = nwarns = 0;
}
