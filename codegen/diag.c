/*
 * diag.c - the generator's error list.
 *
 * Like httpd's parse.y, the generator reports every problem it finds, not
 * just the first: errors are collected as they are found, in whatever
 * order the checks run, then printed sorted by position as
 * "spec:line:col: message" with a count at the end.  The same message at
 * the same position is kept once: a shared node (a $ref target, a YAML
 * alias) is checked once per use.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen.h"

struct diag {
	int	 line;
	int	 col;
	size_t	 seq;
	char	*key;		/* "line:col:message", the duplicate check */
	char	*msg;		/* points into key */
};

static struct diag	*diags;
static size_t		 ndiags;
static size_t		 capdiags;
static struct hmap	*seen;

static void	diag_add(int, int, const char *, va_list);
static int	diag_cmp(const void *, const void *);

static void
diag_add(int line, int col, const char *fmt, va_list ap)
{
	va_list	 ap2;
	int	 len, pre;
	char	*key, *p;

	pre = snprintf(NULL, 0, "%d:%d:", line, col);
	va_copy(ap2, ap);
	len = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (len < 0 || pre < 0)
		fatal("diag: bad format");
	key = xmalloc((size_t)pre + (size_t)len + 1);
	snprintf(key, (size_t)pre + 1, "%d:%d:", line, col);
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
	diags[ndiags].line = line;
	diags[ndiags].col = col;
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
	diag_add(n != NULL ? n->line : 1, n != NULL ? n->col : 1, fmt, ap);
	va_end(ap);
}

void
diag_errorat(int line, int col, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	diag_add(line, col, fmt, ap);
	va_end(ap);
}

size_t
diag_count(void)
{
	return (ndiags);
}

static int
diag_cmp(const void *a, const void *b)
{
	const struct diag	*x = a, *y = b;

	if (x->line != y->line)
		return (x->line < y->line ? -1 : 1);
	if (x->col != y->col)
		return (x->col < y->col ? -1 : 1);
	return (x->seq < y->seq ? -1 : x->seq > y->seq);
}

/* Prints the errors and returns how many were printed. */
size_t
diag_print(const char *spec)
{
	size_t	i;

	qsort(diags, ndiags, sizeof(*diags), diag_cmp);
	for (i = 0; i < ndiags; i++)
		fprintf(stderr, "%s:%d:%d: %s\n", spec, diags[i].line,
		    diags[i].col, diags[i].msg);
	fprintf(stderr, "%zu error%s\n", ndiags, ndiags == 1 ? "" : "s");
	return (ndiags);
}

void
diag_cleanup(void)
{
	size_t	i;

	for (i = 0; i < ndiags; i++)
		free(diags[i].key);
	free(diags);
	hmap_free(seen);
	seen = NULL;
	diags = NULL;
	ndiags = capdiags = 0;
}
