/*
 * genquery.c - typed C functions for the named queries in sql/queries.
 *
 *	codegen -q sql/queries [-o generated]
 *
 * Reads every DIR/ *.sql file (blocks headed "-- name: PostGet :one", as
 * runtime/db.c loads them) and DIR/queries.json, the description that
 * "codegen -d" wrote from PostgreSQL itself (describe.c): each query's
 * parameter types and result columns with their types and nullability.
 * Writes, into the output directory:
 *
 *   query.h	per query a function query_<name>() with typed parameters,
 *		and the row struct it fills: struct query_<name>_row, or the
 *		struct a "-- row: post" line names, shared by every query
 *		that returns exactly the same columns
 *   query.c	those functions: parameters to text, the statement run
 *		through db_run() (prepared per connection, the coroutine
 *		waits as for any statement), the PGresult decoded straight
 *		into the row struct in the caller's arena
 *
 * No database is needed here: a query whose SQL changed since it was
 * described (the description keeps a hash of the SQL as db.c sends it),
 * or that was never described, is an error that says to run
 * "make describe-queries".  Every problem is printed as file:line:
 * message, all of them, and nothing is written.
 *
 * Types (pg_type.typname -> C): int2, int4, int8, oid -> int64_t; bool
 * -> bool; float4, float8 -> double; anything else (text, varchar,
 * timestamps, numeric, uuid, ...) -> const char *, PostgreSQL's text form.
 * A nullable column is NULL (const char *) or has a has_<name> flag; a
 * parameter named "name?" in the block's "-- params:" line may be SQL
 * NULL: a const char * parameter is NULL, a scalar is passed by pointer.
 *
 * Output is deterministic (queries sorted by name, no dates, paths as
 * given) and starts with the generator's "DO NOT EDIT" line.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "codegen.h"

enum qtype_kind { QT_INT, QT_BOOL, QT_FLOAT, QT_TEXT };

/* pg_type.typname -> C; anything not listed is QT_TEXT. */
static const struct {
	const char	*pg;
	enum qtype_kind	 kind;
} qtypes[] = {
	{ "bool", QT_BOOL },
	{ "float4", QT_FLOAT },
	{ "float8", QT_FLOAT },
	{ "int2", QT_INT },
	{ "int4", QT_INT },
	{ "int8", QT_INT },
	{ "oid", QT_INT },
};

static const char *const qkind_names[] = { ":one", ":many", ":exec" };

static int		 genquery_load_file(struct qset *, const char *,
			    const char *);
static int		 genquery_header(struct qset *, struct qdef *,
			    const char *, int, const char *);
static int		 genquery_params_line(struct qset *, struct qdef *,
			    const char *, int, const char *);
static int		 genquery_describe(struct qset *, const char *);
static int		 genquery_check(struct qset *);
static int		 genquery_cmp(const void *, const void *);
static int		 genquery_sql_filter(const struct dirent *);
static int		 genquery_ident(const char *);
static int		 genquery_msg_cmp(const void *, const void *);
static enum qtype_kind	 genquery_kind(const char *);
static const char	*genquery_ctype(enum qtype_kind);
static void		 genquery_emit_h(struct buf *, const struct qset *);
static void		 genquery_emit_c(struct buf *, const struct qset *);
static void		 genquery_proto(struct buf *, const struct qdef *,
			    int);
static void		 genquery_row(struct buf *, const struct qdef *);
static void		 genquery_decoder(struct buf *, const struct qdef *);
static void		 genquery_body(struct buf *, const struct qdef *);
static const struct qdef *genquery_row_owner(const struct qset *,
			    const struct qdef *);
static int		 genquery_uses(const struct qset *, enum qtype_kind);
static void		 genquery_rowtype(struct buf *, const struct qdef *);
static void		 genquery_mark(struct buf *, const struct qset *);
static void		 genquery_comment(struct buf *, const char *, int);

/* --- reading ----------------------------------------------------------- */

char *
genquery_snake(struct arena *a, const char *name)
{
	struct buf	 b;
	const char	*p;
	char		*s;

	buf_init(&b);
	for (p = name; *p != '\0'; p++) {
		if (isupper((unsigned char)*p) && p > name &&
		    (islower((unsigned char)p[-1]) ||
		    isdigit((unsigned char)p[-1]) ||
		    (isupper((unsigned char)p[-1]) &&
		    islower((unsigned char)p[1]))))
			buf_putc(&b, '_');
		buf_putc(&b, tolower((unsigned char)*p));
	}
	buf_putc(&b, '\0');
	s = arena_strdup(a, b.data);
	buf_free(&b);
	return (s);
}

/* FNV-1a, 64 bits, as 16 hex digits: what the description remembers of
 * a query's SQL. */
void
genquery_hash(const char *s, char out[17])
{
	unsigned long long	h = 14695981039346656037ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	snprintf(out, 17, "%016llx", h);
}

/* A problem at file:line (0: the file as a whole), printed with the
 * others by genquery_flush, sorted by place. */
void
genquery_error(struct qset *qs, const char *file, int line,
    const char *fmt, ...)
{
	struct qmsg	*m;
	va_list		 ap;

	qs->msgs = xreallocarray(qs->msgs, qs->nmsgs + 1, sizeof(*qs->msgs));
	m = &qs->msgs[qs->nmsgs];
	m->file = file;
	m->line = line;
	m->seq = qs->nmsgs++;
	va_start(ap, fmt);
	m->text = arena_vsprintf(qs->pool, fmt, ap);
	va_end(ap);
	qs->errors++;
}

static int
genquery_msg_cmp(const void *a, const void *b)
{
	const struct qmsg	*x = a, *y = b;
	int			 c;

	if ((c = strcmp(x->file, y->file)) != 0)
		return (c);
	if (x->line != y->line)
		return (x->line < y->line ? -1 : 1);
	return (x->seq < y->seq ? -1 : x->seq > y->seq);
}

void
genquery_flush(struct qset *qs)
{
	size_t	i;

	if (qs->nmsgs > 1)
		qsort(qs->msgs, qs->nmsgs, sizeof(*qs->msgs),
		    genquery_msg_cmp);
	for (i = 0; i < qs->nmsgs; i++) {
		if (qs->msgs[i].line > 0)
			fprintf(stderr, "%s:%d: %s\n", qs->msgs[i].file,
			    qs->msgs[i].line, qs->msgs[i].text);
		else
			fprintf(stderr, "%s: %s\n", qs->msgs[i].file,
			    qs->msgs[i].text);
	}
	free(qs->msgs);
	qs->msgs = NULL;
	qs->nmsgs = 0;
}

static int
genquery_sql_filter(const struct dirent *de)
{
	size_t	len = strlen(de->d_name);

	return (de->d_name[0] != '.' && len > 4 &&
	    strcmp(de->d_name + len - 4, ".sql") == 0);
}

static int
genquery_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct qdef *)a)->name,
	    ((const struct qdef *)b)->name));
}

static int
genquery_ident(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return (0);
	for (s++; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return (0);
	return (1);
}

/*
 * Every DIR/ *.sql file.  -1 when the directory cannot be read; the
 * problems in the files are printed and counted in qs->errors, and the
 * queries that were well formed are loaded all the same, so that every
 * problem is reported in one run.
 */
int
genquery_load(struct qset *qs, const char *dir)
{
	struct dirent	**ents = NULL;
	char		 *path;
	int		  n, i;

	memset(qs, 0, sizeof(*qs));
	qs->pool = arena_new(16384);
	qs->dir = arena_strdup(qs->pool, dir);
	if ((n = scandir(dir, &ents, genquery_sql_filter, alphasort)) == -1) {
		genquery_error(qs, qs->dir, 0, "%s", strerror(errno));
		return (-1);
	}
	if (n == 0)
		genquery_error(qs, dir, 0, "no *.sql files");
	for (i = 0; i < n; i++) {
		path = arena_sprintf(qs->pool, "%s/%s", dir, ents[i]->d_name);
		genquery_load_file(qs, path,
		    arena_strdup(qs->pool, ents[i]->d_name));
		free(ents[i]);
	}
	free(ents);
	if (qs->n > 1)
		qsort(qs->q, qs->n, sizeof(*qs->q), genquery_cmp);
	for (i = 1; i < (int)qs->n; i++)
		if (strcmp(qs->q[i].name, qs->q[i - 1].name) == 0 &&
		    (qs->q[i].dup = 1))
			genquery_error(qs, qs->q[i].file, qs->q[i].line,
			    "duplicate query name %s (first defined at "
			    "%s:%d)", qs->q[i].name, qs->q[i - 1].file,
			    qs->q[i - 1].line);
	return (0);
}

void
genquery_free(struct qset *qs)
{
	free(qs->q);
	free(qs->msgs);
	if (qs->pool != NULL)
		arena_free(qs->pool);
	memset(qs, 0, sizeof(*qs));
}

/*
 * One file.  A block runs from its header to the next; the SQL is its
 * lines that are neither blank nor whole-line comments, each ending in
 * a newline: exactly what db.c prepares, so the hash matches.  Comment
 * lines "-- params: a, b?" and "-- row: post" inside a block (before or
 * among its SQL) name the parameters and the row struct.
 */
static int
genquery_load_file(struct qset *qs, const char *path, const char *base)
{
	FILE		*fp;
	struct buf	 sql;
	struct qdef	*q = NULL;
	char		*line = NULL, *p;
	size_t		 cap = 0;
	ssize_t		 got;
	int		 lineno = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		genquery_error(qs, path, 0, "%s", strerror(errno));
		return (-1);
	}
	buf_init(&sql);
	for (;;) {
		got = getline(&line, &cap, fp);
		if (got != -1) {
			lineno++;
			line[strcspn(line, "\r\n")] = '\0';
			for (p = line; isspace((unsigned char)*p); p++)
				;
		}
		if (got == -1 || (strncmp(p, "--", 2) == 0 &&
		    strncmp(p + 2 + strspn(p + 2, " \t"), "name:", 5) == 0)) {
			if (q != NULL) {
				if (sql.len == 0)
					genquery_error(qs, path, q->line,
					    "query %s has no SQL", q->name);
				buf_putc(&sql, '\0');
				q->sql = arena_strdup(qs->pool, sql.data);
				genquery_hash(q->sql, q->hash);
				sql.len = 0;
				q = NULL;
			}
			if (got == -1)
				break;
			qs->q = xreallocarray(qs->q, qs->n + 1,
			    sizeof(*qs->q));
			q = &qs->q[qs->n];
			memset(q, 0, sizeof(*q));
			q->file = path;
			q->base = base;
			q->line = lineno;
			q->paramsline = -1;
			if (genquery_header(qs, q, path, lineno, p) == -1)
				q = NULL;
			else
				qs->n++;
			continue;
		}
		if (*p == '\0')
			continue;
		if (strncmp(p, "--", 2) == 0) {
			p += 2 + strspn(p + 2, " \t");
			if (q != NULL && strncmp(p, "params:", 7) == 0)
				genquery_params_line(qs, q, path, lineno,
				    p + 7);
			else if (q != NULL && strncmp(p, "row:", 4) == 0) {
				p += 4 + strspn(p + 4, " \t");
				p[strcspn(p, " \t")] = '\0';
				if (!genquery_ident(p))
					genquery_error(qs, path, lineno,
					    "%s: \"-- row:\" wants a C "
					    "identifier", q->name);
				q->row = arena_strdup(qs->pool, p);
			}
			continue;
		}
		if (q == NULL)
			continue;	/* db.c reports SQL outside a block */
		buf_puts(&sql, line);
		buf_putc(&sql, '\n');
	}
	free(line);
	buf_free(&sql);
	fclose(fp);
	return (0);
}

/* "-- name: QueryName :one"; p at the "--". */
static int
genquery_header(struct qset *qs, struct qdef *q, const char *path,
    int lineno, const char *p)
{
	size_t	len, i;

	p = strstr(p, "name:") + 5;
	p += strspn(p, " \t");
	len = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_");
	if (len == 0 || isdigit((unsigned char)*p)) {
		genquery_error(qs, path, lineno, "expected a query name after "
		    "\"name:\"");
		return (-1);
	}
	q->name = arena_strndup(qs->pool, p, len);
	q->cname = genquery_snake(qs->pool, q->name);
	p += len;
	p += strspn(p, " \t");
	for (i = 0; i < nitems(qkind_names); i++) {
		len = strlen(qkind_names[i]);
		if (strncmp(p, qkind_names[i], len) == 0 &&
		    p[len + strspn(p + len, " \t")] == '\0')
			break;
	}
	if (i == nitems(qkind_names)) {
		genquery_error(qs, path, lineno, "%s: expected :one, :many or "
		    ":exec after the query name", q->name);
		return (-1);
	}
	q->kind = (enum qkind)i;
	return (0);
}

/* "-- params: title, content, published?" */
static int
genquery_params_line(struct qset *qs, struct qdef *q, const char *path,
    int lineno, const char *p)
{
	struct qparam	*named;
	const char	*end;
	size_t		 len, i;
	char		*name;
	int		 nullable;

	if (q->paramsline != -1) {
		genquery_error(qs, path, lineno, "%s: a second \"-- params:\" "
		    "line", q->name);
		return (-1);
	}
	q->paramsline = lineno;
	for (;;) {
		p += strspn(p, " \t");
		if (*p == '\0')
			break;
		end = p + strcspn(p, ",");
		len = (size_t)(end - p);
		while (len > 0 && isspace((unsigned char)p[len - 1]))
			len--;
		nullable = len > 0 && p[len - 1] == '?';
		name = arena_strndup(qs->pool, p, len - (size_t)nullable);
		if (!genquery_ident(name)) {
			genquery_error(qs, path, lineno, "%s: parameter %zu: "
			    "\"%s\" is not a C identifier", q->name,
			    q->nparams + 1, name);
			return (-1);
		}
		for (i = 0; i < q->nparams; i++)
			if (strcmp(q->params[i].name, name) == 0)
				genquery_error(qs, path, lineno, "%s: "
				    "parameter %s named twice", q->name, name);
		named = arena_calloc(qs->pool, q->nparams + 1,
		    sizeof(*q->params));
		if (q->nparams > 0)
			memcpy(named, q->params, q->nparams *
			    sizeof(*q->params));
		q->params = named;
		q->params[q->nparams].name = name;
		q->params[q->nparams].nullable = nullable;
		q->nparams++;
		p = *end == ',' ? end + 1 : end;
	}
	return (0);
}

/*
 * The description: { "Name": { "sql": HASH, "params": [TYPE...],
 * "columns": [{"name", "type", "nullable"}...] }, ... }.
 */
static int
genquery_describe(struct qset *qs, const char *path)
{
	json_error_t	 jerr;
	json_t		*root, *d, *v, *c;
	const char	*key, *hash;
	struct qdef	*q, key_q;
	struct qparam	*named;
	size_t		 i, nnamed, n;

	if ((root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL) {
		genquery_error(qs, path, jerr.line, "%s (run make "
		    "describe-queries)", jerr.text);
		return (-1);
	}
	if (!json_is_object(root)) {
		genquery_error(qs, path, 1, "expected an object of queries");
		goto out;
	}
	json_object_foreach(root, key, d) {
		key_q.name = (char *)(uintptr_t)key;
		q = qs->n ? bsearch(&key_q, qs->q, qs->n, sizeof(*qs->q),
		    genquery_cmp) : NULL;
		if (q == NULL) {
			genquery_error(qs, path, 0, "%s is described but is in "
			    "no .sql file (run make describe-queries)", key);
			continue;
		}
		while (q > qs->q && strcmp(q[-1].name, q->name) == 0)
			q--;		/* the first definition */
		hash = json_string_value(json_object_get(d, "sql"));
		if (hash == NULL || strcmp(hash, q->hash) != 0) {
			genquery_error(qs, q->file, q->line, "%s: the SQL "
			    "changed since it was described (run make "
			    "describe-queries)", q->name);
			q->described = -1;
			continue;
		}
		v = json_object_get(d, "params");
		named = q->params;
		nnamed = q->nparams;
		n = json_array_size(v);
		if (q->paramsline != -1 && nnamed != n) {
			genquery_error(qs, q->file, q->paramsline, "%s: "
			    "\"-- params:\" names %zu parameter(s), the query "
			    "takes %zu", q->name, nnamed, n);
			q->described = -1;
			continue;
		}
		q->params = arena_calloc(qs->pool, n + 1, sizeof(*q->params));
		q->nparams = n;
		for (i = 0; i < n; i++) {
			q->params[i].type = arena_strdup(qs->pool,
			    json_string_value(json_array_get(v, i)) ?
			    json_string_value(json_array_get(v, i)) : "text");
			if (q->paramsline != -1) {
				q->params[i].name = named[i].name;
				q->params[i].nullable = named[i].nullable;
			} else
				q->params[i].name = arena_sprintf(qs->pool,
				    "p%zu", i + 1);
		}
		v = json_object_get(d, "columns");
		n = json_array_size(v);
		q->cols = arena_calloc(qs->pool, n + 1, sizeof(*q->cols));
		q->ncols = n;
		for (i = 0; i < n; i++) {
			c = json_array_get(v, i);
			key_q.name = (char *)(uintptr_t)json_string_value(
			    json_object_get(c, "name"));
			q->cols[i].name = arena_strdup(qs->pool,
			    key_q.name ? key_q.name : "");
			q->cols[i].type = arena_strdup(qs->pool,
			    json_string_value(json_object_get(c, "type")) ?
			    json_string_value(json_object_get(c, "type")) :
			    "text");
			q->cols[i].nullable = !json_is_false(
			    json_object_get(c, "nullable"));
		}
		q->described = 1;
	}
out:
	json_decref(root);
	return (qs->errors ? -1 : 0);
}

/* What the C needs: names usable as identifiers, shared rows alike. */
static int
genquery_check(struct qset *qs)
{
	const struct qdef	*o;
	struct qdef		*q;
	size_t			 i, j, k;

	for (i = 0; i < qs->n; i++) {
		q = &qs->q[i];
		if (q->dup || q->described == -1)
			continue;
		if (!q->described) {
			genquery_error(qs, q->file, q->line, "%s is not "
			    "described (run make describe-queries)", q->name);
			continue;
		}
		if (q->kind != QK_EXEC && q->ncols == 0)
			genquery_error(qs, q->file, q->line, "%s returns no "
			    "columns: declare it :exec", q->name);
		for (j = 0; j < q->ncols; j++) {
			if (!genquery_ident(q->cols[j].name))
				genquery_error(qs, q->file, q->line, "%s: "
				    "column %zu \"%s\" is not a C identifier "
				    "(name it with AS)", q->name, j + 1,
				    q->cols[j].name);
			for (k = 0; k < j; k++)
				if (strcmp(q->cols[k].name,
				    q->cols[j].name) == 0)
					genquery_error(qs, q->file, q->line,
					    "%s: column %zu \"%s\" has the "
					    "name of column %zu", q->name,
					    j + 1, q->cols[j].name, k + 1);
		}
		if (q->row == NULL || q->kind == QK_EXEC)
			continue;
		o = genquery_row_owner(qs, q);
		if (o == q)
			continue;
		for (j = 0; j < q->ncols && j < o->ncols; j++)
			if (strcmp(q->cols[j].name, o->cols[j].name) != 0 ||
			    genquery_kind(q->cols[j].type) !=
			    genquery_kind(o->cols[j].type) ||
			    q->cols[j].nullable != o->cols[j].nullable)
				break;
		if (j < q->ncols || j < o->ncols)
			genquery_error(qs, q->file, q->line, "%s: row %s "
			    "differs from %s's (%s:%d) at column %zu %s",
			    q->name, q->row, o->name, o->file, o->line, j + 1,
			    j < q->ncols ? q->cols[j].name :
			    o->cols[j].name);
	}
	/* A named row must not take a query's own row name. */
	for (i = 0; i < qs->n; i++)
		for (j = 0; j < qs->n; j++)
			if (qs->q[i].row != NULL && qs->q[j].row == NULL &&
			    qs->q[j].kind != QK_EXEC &&
			    strcmp(qs->q[i].row, qs->q[j].cname) == 0)
				genquery_error(qs, qs->q[i].file,
				    qs->q[i].line, "%s: row %s is also "
				    "%s's own row struct", qs->q[i].name,
				    qs->q[i].row, qs->q[j].name);
	return (qs->errors ? -1 : 0);
}

/* The first query (by name) whose row struct q shares; q itself if none
 * comes before it. */
static const struct qdef *
genquery_row_owner(const struct qset *qs, const struct qdef *q)
{
	size_t	i;

	if (q->row == NULL)
		return (q);
	for (i = 0; i < qs->n; i++)
		if (qs->q[i].kind != QK_EXEC && qs->q[i].row != NULL &&
		    strcmp(qs->q[i].row, q->row) == 0)
			return (&qs->q[i]);
	return (q);
}

/* --- writing ----------------------------------------------------------- */

static enum qtype_kind
genquery_kind(const char *pg)
{
	size_t	i;

	for (i = 0; i < nitems(qtypes); i++)
		if (strcmp(qtypes[i].pg, pg) == 0)
			return (qtypes[i].kind);
	return (QT_TEXT);
}

static const char *
genquery_ctype(enum qtype_kind k)
{
	switch (k) {
	case QT_INT:
		return ("int64_t");
	case QT_BOOL:
		return ("bool");
	case QT_FLOAT:
		return ("double");
	default:
		return ("const char *");
	}
}

/* "struct query_post_row" (a named row) or "struct query_post_get_row". */
static void
genquery_rowtype(struct buf *b, const struct qdef *q)
{
	buf_printf(b, "struct query_%s_row", q->row ? q->row : q->cname);
}

int
genquery_run(const char *dir, const char *outdir)
{
	struct qset	 qs;
	struct buf	 h, c;
	char		*desc;
	int		 rc = -1;

	buf_init(&h);
	buf_init(&c);
	if (genquery_load(&qs, dir) == -1)
		goto out;
	desc = arena_sprintf(qs.pool, "%s/" QUERY_DESCRIPTION, dir);
	genquery_describe(&qs, desc);
	if (genquery_check(&qs) == -1)
		goto out;
	genquery_emit_h(&h, &qs);
	genquery_emit_c(&c, &qs);
	if (emit_mkdir(outdir) == -1 ||
	    emit_file(outdir, "query.h", &h) == -1 ||
	    emit_file(outdir, "query.c", &c) == -1)
		goto out;
	rc = 0;
out:
	genquery_flush(&qs);
	if (qs.errors > 0)
		fprintf(stderr, "%d error(s)\n", qs.errors);
	buf_free(&h);
	buf_free(&c);
	genquery_free(&qs);
	return (rc);
}

/* The name printed in the first line: the directory as given. */
static void
genquery_mark(struct buf *b, const struct qset *qs)
{
	struct buf	name;

	buf_init(&name);
	buf_comment(&name, qs->dir[0] == '/' && strrchr(qs->dir, '/')[1] ?
	    strrchr(qs->dir, '/') + 1 : qs->dir);
	buf_putc(&name, '\0');
	buf_printf(b, CODEGEN_HEADER, name.data);
	buf_free(&name);
}

static void
genquery_emit_h(struct buf *b, const struct qset *qs)
{
	const struct qdef	*q;
	struct buf		 text;
	size_t			 i, j;

	buf_init(&text);
	genquery_mark(b, qs);
	buf_puts(b,
	    "/*\n"
	    " * query.h - one typed function per named query (codegen -q, from the\n"
	    " * .sql files and their description, " QUERY_DESCRIPTION ").\n"
	    " *\n"
	    " * Every function runs its prepared statement on db (db_run) and\n"
	    " * answers DB_OK, or the error's code (enum db_error: DB_UNAVAILABLE,\n"
	    " * DB_UNIQUE_VIOLATION, DB_FOREIGN_KEY, DB_NOT_NULL, DB_CHECK, DB_FAILED;\n"
	    " * db_last_error(db) has the detail for the log).  :one answers\n"
	    " * DB_NOT_FOUND when there is no row; :many fills an array in the\n"
	    " * arena; :exec counts the rows affected.  Strings in rows are copies in\n"
	    " * the arena; a const char * parameter may be NULL (SQL NULL).\n"
	    " */\n"
	    "#ifndef GENERATED_QUERY_H\n"
	    "#define GENERATED_QUERY_H\n\n"
	    "#include <stdbool.h>\n"
	    "#include <stddef.h>\n"
	    "#include <stdint.h>\n\n"
	    "#include \"db.h\"\n\n"
	    "struct arena;\n");

	/* Row structs, each once, in the order of their first query. */
	for (i = 0; i < qs->n; i++) {
		q = &qs->q[i];
		if (q->kind == QK_EXEC || genquery_row_owner(qs, q) != q)
			continue;
		text.len = 0;
		if (q->row != NULL) {
			buf_printf(&text, "Row of");
			for (j = 0; j < qs->n; j++)
				if (qs->q[j].kind != QK_EXEC &&
				    qs->q[j].row != NULL &&
				    strcmp(qs->q[j].row, q->row) == 0)
					buf_printf(&text, " %s",
					    qs->q[j].name);
		} else
			buf_printf(&text, "Row of %s", q->name);
		buf_puts(&text, ".");
		buf_putc(&text, '\0');
		buf_putc(b, '\n');
		genquery_comment(b, text.data, 0);
		genquery_row(b, q);
	}
	for (i = 0; i < qs->n; i++) {
		q = &qs->q[i];
		text.len = 0;
		buf_printf(&text, "%s %s (%s:%d)", q->name,
		    qkind_names[q->kind], q->file, q->line);
		for (j = 0; j < q->nparams; j++)
			buf_printf(&text, "%s$%zu %s %s%s", j ? ", " : ": ",
			    j + 1, q->params[j].name, q->params[j].type,
			    q->params[j].nullable ? " or NULL" : "");
		buf_puts(&text, ".");
		buf_putc(&text, '\0');
		buf_putc(b, '\n');
		genquery_comment(b, text.data, 0);
		genquery_proto(b, q, 1);
		buf_puts(b, ";\n");
	}
	buf_puts(b, "\n#endif\n");
	buf_free(&text);
}

static void
genquery_row(struct buf *b, const struct qdef *q)
{
	const struct qcol	*c;
	enum qtype_kind		 k;
	size_t			 i;

	genquery_rowtype(b, q);
	buf_puts(b, " {\n");
	for (i = 0; i < q->ncols; i++) {
		c = &q->cols[i];
		k = genquery_kind(c->type);
		if (c->nullable && k != QT_TEXT)
			buf_printf(b, "\tbool\t\t has_%s;\n", c->name);
		if (k == QT_TEXT)
			buf_printf(b, "\tconst char\t*%s;", c->name);
		else
			buf_printf(b, "\t%s\t\t %s;", genquery_ctype(k),
			    c->name);
		if (!c->nullable)
			buf_printf(b, "\t/* %s, not null */\n", c->type);
		else if (k == QT_TEXT)
			buf_printf(b, "\t/* %s, NULL for SQL NULL */\n",
			    c->type);
		else
			buf_printf(b, "\t/* %s, when has_%s */\n", c->type,
			    c->name);
	}
	buf_puts(b, "};\n");
}

/* The prototype: a declaration (header) or a definition's head, its
 * parameters wrapped before column 80 as the hand-written headers are. */
static void
genquery_proto(struct buf *b, const struct qdef *q, int decl)
{
	const struct qparam	*p;
	struct buf		 part;
	enum qtype_kind		 k;
	size_t			 i, col;

	buf_init(&part);
	if (decl) {
		buf_printf(b, "enum db_error\tquery_%s(struct db *", q->cname);
		col = 16 + strlen(q->cname) + 17;
	} else {
		buf_printf(b, "enum db_error\nquery_%s(struct db *db",
		    q->cname);
		col = strlen(q->cname) + 20;
	}
	for (i = 0; i < q->nparams + 2; i++) {
		part.len = 0;
		if (i == 0) {
			if (q->kind == QK_EXEC)
				continue;
			buf_puts(&part, decl ? "struct arena *" :
			    "struct arena *arena");
		} else if (i <= q->nparams) {
			p = &q->params[i - 1];
			k = genquery_kind(p->type);
			if (k == QT_TEXT)
				buf_printf(&part, "const char *%s", p->name);
			else if (p->nullable)
				buf_printf(&part, "const %s *%s",
				    genquery_ctype(k), p->name);
			else
				buf_printf(&part, "%s %s", genquery_ctype(k),
				    p->name);
		} else if (q->kind == QK_EXEC)
			buf_puts(&part, "uint64_t *affected");
		else {
			genquery_rowtype(&part, q);
			buf_puts(&part, q->kind == QK_ONE ? " *row" :
			    " **rows, size_t *n");
		}
		buf_putc(b, ',');
		if (col + 2 + part.len + 2 > 79) {
			buf_puts(b, decl ? "\n\t\t    " : "\n    ");
			col = decl ? 20 : 4;
		} else {
			buf_putc(b, ' ');
			col += 2;
		}
		buf_add(b, part.data, part.len);
		col += part.len;
	}
	buf_puts(b, ")");
	buf_free(&part);
}

/* A comment, its words wrapped before column 77 (an indent of a tab
 * when tab is set). */
static void
genquery_comment(struct buf *b, const char *text, int tab)
{
	const char	*p = text, *w;
	size_t		 len, col, width = tab ? 68 : 76;

	if (strlen(text) + 6 <= width) {
		buf_printf(b, "%s/* %s */\n", tab ? "\t" : "", text);
		return;
	}
	buf_printf(b, "%s/*", tab ? "\t" : "");
	col = width;		/* the first word starts a line */
	while (*p != '\0') {
		w = p + strcspn(p, " ");
		len = (size_t)(w - p);
		if (col + 1 + len > width) {
			buf_printf(b, "\n%s *", tab ? "\t" : "");
			col = 2;
		}
		buf_putc(b, ' ');
		buf_add(b, p, len);
		col += 1 + len;
		p = *w == ' ' ? w + 1 : w;
	}
	buf_printf(b, "\n%s */\n", tab ? "\t" : "");
}

static void
genquery_emit_c(struct buf *b, const struct qset *qs)
{
	const struct qdef	*q;
	size_t			 i;

	genquery_mark(b, qs);
	buf_puts(b,
	    "/*\n"
	    " * query.c - the functions of query.h: parameters as text, the\n"
	    " * prepared statement through db_run(), and the result decoded from\n"
	    " * the PGresult straight into the row structs, strings copied into\n"
	    " * the caller's arena.\n"
	    " */\n"
	    "#include <stdio.h>\n"
	    "#include <stdlib.h>\n"
	    "#include <string.h>\n\n"
	    "#include <libpq-fe.h>\n\n"
	    "#include \"arena.h\"\n"
	    "#include \"db.h\"\n"
	    "#include \"query.h\"\n"
	    "#include \"util.h\"\n\n"
	    "/* A column's text, copied into the arena. */\n"
	    "static inline const char *\n"
	    "query_text(const PGresult *res, int r, int c, struct arena *arena)\n"
	    "{\n"
	    "\tsize_t\t len = (size_t)PQgetlength(res, r, c);\n"
	    "\tchar\t*s = arena_alloc(arena, len + 1);\n\n"
	    "\tmemcpy(s, PQgetvalue(res, r, c), len + 1);\n"
	    "\treturn (s);\n"
	    "}\n");
	if (genquery_uses(qs, QT_INT))
		buf_puts(b,
		    "\n"
		    "static inline const char *\n"
		    "query_int(char *buf, int64_t v)\n"
		    "{\n"
		    "\tutil_fmt_i(buf, v);\n"
		    "\treturn (buf);\n"
		    "}\n");
	if (genquery_uses(qs, QT_FLOAT))
		buf_puts(b,
		    "\n"
		    "static inline const char *\n"
		    "query_float(char *buf, double v)\n"
		    "{\n"
		    "\tsnprintf(buf, 32, \"%.17g\", v);\n"
		    "\treturn (buf);\n"
		    "}\n");

	for (i = 0; i < qs->n; i++) {
		q = &qs->q[i];
		if (q->kind != QK_EXEC && genquery_row_owner(qs, q) == q)
			genquery_decoder(b, q);
	}
	for (i = 0; i < qs->n; i++) {
		q = &qs->q[i];
		buf_printf(b, "\n/* %s (%s:%d) */\n", q->name, q->base,
		    q->line);
		genquery_proto(b, q, 0);
		buf_puts(b, "\n");
		genquery_body(b, q);
	}
}

/* Whether a parameter of some query has this kind (its helper is
 * emitted only then). */
static int
genquery_uses(const struct qset *qs, enum qtype_kind k)
{
	size_t	i, j;

	for (i = 0; i < qs->n; i++)
		for (j = 0; j < qs->q[i].nparams; j++)
			if (genquery_kind(qs->q[i].params[j].type) == k)
				return (1);
	return (0);
}

/* One row of res into a row struct. */
static void
genquery_decoder(struct buf *b, const struct qdef *q)
{
	const struct qcol	*c;
	enum qtype_kind		 k;
	size_t			 i;

	buf_printf(b, "\nstatic void\nquery_%s_decode(const PGresult *res, "
	    "int r, struct arena *arena,\n    ", q->row ? q->row : q->cname);
	genquery_rowtype(b, q);
	buf_puts(b, " *row)\n{\n");
	for (i = 0; i < q->ncols; i++) {
		c = &q->cols[i];
		k = genquery_kind(c->type);
		if (c->nullable && k != QT_TEXT) {
			buf_printf(b, "\trow->has_%s = !PQgetisnull(res, r, %zu);"
			    "\n", c->name, i);
			buf_printf(b, "\tif (row->has_%s)\n\t", c->name);
		} else if (c->nullable)
			buf_printf(b, "\trow->%s = PQgetisnull(res, r, %zu) ? "
			    "NULL :\n\t    query_text(res, r, %zu, arena);\n",
			    c->name, i, i);
		switch (k) {
		case QT_INT:
			buf_printf(b, "\trow->%s = strtoll(PQgetvalue(res, r, "
			    "%zu), NULL, 10);\n", c->name, i);
			break;
		case QT_BOOL:
			buf_printf(b, "\trow->%s = PQgetvalue(res, r, %zu)[0] "
			    "== 't';\n", c->name, i);
			break;
		case QT_FLOAT:
			buf_printf(b, "\trow->%s = strtod(PQgetvalue(res, r, "
			    "%zu), NULL);\n", c->name, i);
			break;
		case QT_TEXT:
			if (!c->nullable)
				buf_printf(b, "\trow->%s = query_text(res, r, "
				    "%zu, arena);\n", c->name, i);
			break;
		}
	}
	buf_puts(b, "}\n");
}

static void
genquery_body(struct buf *b, const struct qdef *q)
{
	const struct qparam	*p;
	enum qtype_kind		 k;
	size_t			 i;
	int			 bufs = 0;

	buf_puts(b, "{\n");
	buf_printf(b, "\tstatic const struct db_stmt stmt = {\n"
	    "\t\t.name = \"%s\",\n\t\t.nparams = %zu,\n\t\t.ncols = %zu,\n"
	    "\t};\n", q->name, q->nparams, q->ncols);
	for (i = 0; i < q->nparams; i++) {
		k = genquery_kind(q->params[i].type);
		if (k == QT_INT || k == QT_FLOAT) {
			buf_printf(b, "%s b%zu[32]", bufs ? "," : "\tchar\t\t",
			    i + 1);
			bufs = 1;
		}
	}
	if (bufs)
		buf_puts(b, ";\n");
	buf_printf(b, "\tconst char\t*params[%zu];\n", q->nparams ?
	    q->nparams : 1);
	buf_puts(b, "\tPGresult\t*res;\n\tenum db_error\t err;\n");
	if (q->kind == QK_MANY)
		buf_puts(b, "\tint\t\t i, nrows;\n");
	buf_puts(b, "\n");
	if (q->nparams == 0)
		buf_puts(b, "\tparams[0] = NULL;\n");
	for (i = 0; i < q->nparams; i++) {
		p = &q->params[i];
		k = genquery_kind(p->type);
		buf_printf(b, "\tparams[%zu] = ", i);
		if (k == QT_TEXT) {
			buf_printf(b, "%s;\n", p->name);
			continue;
		}
		if (p->nullable)
			buf_printf(b, "%s == NULL ? NULL :\n\t    ", p->name);
		switch (k) {
		case QT_INT:
			buf_printf(b, "query_int(b%zu, %s%s);\n", i + 1,
			    p->nullable ? "*" : "", p->name);
			break;
		case QT_FLOAT:
			buf_printf(b, "query_float(b%zu, %s%s);\n", i + 1,
			    p->nullable ? "*" : "", p->name);
			break;
		default:
			buf_printf(b, "%s%s ? \"t\" : \"f\";\n",
			    p->nullable ? "*" : "", p->name);
			break;
		}
	}
	buf_puts(b, "\tif ((res = db_run(db, &stmt, params, &err)) == NULL)\n"
	    "\t\treturn (err);\n");
	switch (q->kind) {
	case QK_ONE:
		buf_puts(b, "\tif (PQntuples(res) == 0) {\n\t\tPQclear(res);\n"
		    "\t\treturn (DB_NOT_FOUND);\n\t}\n");
		buf_printf(b, "\tquery_%s_decode(res, 0, arena, row);\n",
		    q->row ? q->row : q->cname);
		break;
	case QK_MANY:
		buf_printf(b, "\tnrows = PQntuples(res);\n"
		    "\t*rows = arena_calloc(arena, (size_t)nrows + 1, "
		    "sizeof(**rows));\n"
		    "\tfor (i = 0; i < nrows; i++)\n"
		    "\t\tquery_%s_decode(res, i, arena, &(*rows)[i]);\n"
		    "\t*n = (size_t)nrows;\n", q->row ? q->row : q->cname);
		break;
	case QK_EXEC:
		buf_puts(b, "\tif (affected != NULL)\n\t\t*affected = "
		    "strtoull(PQcmdTuples(res), NULL, 10);\n");
		break;
	}
	buf_puts(b, "\tPQclear(res);\n\treturn (DB_OK);\n}\n");
}
