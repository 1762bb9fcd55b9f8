/*
 * describe.c - the description of the named queries, from PostgreSQL.
 *
 *	codegen -d sql/queries -m sql/migrations	(writes queries.json)
 *	codegen -c -d sql/queries -m sql/migrations	(checks it)
 *
 * As Rust's sqlx does at build time, but once, with the result
 * committed: in a scratch database on DATABASE_URL's server
 * (codegen_describe_<pid>, dropped afterwards) the migrations are
 * applied (db_migrate), then each query is prepared (PQprepare) and
 * described (PQdescribePrepared): its parameter types, and its result
 * columns with their types.  A column that is a table's column
 * (PQftable, PQftablecol) is nullable as pg_attribute says; any other
 * (an expression) is nullable, unless its name ends in "!" (sqlx's
 * convention: AS "total!" is a total that is never NULL); "?" forces
 * nullable (a table's column behind an outer join).  The suffix is not
 * part of the C name.  A domain is described by its base type.
 *
 * -c writes nothing: it compares the committed description with what the
 * database says now and names each query and column that drifted, so
 * make test fails when a migration changed a type under a query or a
 * query no longer prepares.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "codegen.h"
#include "db.h"

static PGconn	*describe_connect(const char *, const char *);
static char	*describe_conninfo(const char *, const char *);
static int	 describe_admin(const char *, const char *);
static const char *describe_type(struct qset *, PGconn *, Oid);
static int	 describe_query(struct qset *, PGconn *, struct qdef *);
static void	 describe_json(struct buf *, const struct qset *);
static void	 describe_string(struct buf *, const char *);
static int	 describe_compare(struct qset *, const char *);

/* The URL's connection with dbname replaced (NULL: as the URL says). */
static PGconn *
describe_connect(const char *url, const char *dbname)
{
	const char	*keys[] = { "dbname", "dbname", NULL };
	const char	*vals[] = { url, dbname, NULL };
	PGconn		*conn;

	if (dbname == NULL)
		keys[1] = NULL;
	if ((conn = PQconnectdbParams(keys, vals, 1)) == NULL)
		fatal("libpq: out of memory");
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "describe: cannot connect: %s",
		    PQerrorMessage(conn));
		PQfinish(conn);
		return (NULL);
	}
	return (conn);
}

/* The URL as a conninfo string naming another database (for db_migrate,
 * which takes a string). */
static char *
describe_conninfo(const char *url, const char *dbname)
{
	PQconninfoOption	*opts, *o;
	struct buf		 b;
	char			*err = NULL, *s;
	const char		*v;

	if ((opts = PQconninfoParse(url, &err)) == NULL) {
		fprintf(stderr, "describe: DATABASE_URL: %s\n",
		    err ? err : "out of memory");
		PQfreemem(err);
		return (NULL);
	}
	buf_init(&b);
	for (o = opts; o->keyword != NULL; o++) {
		v = strcmp(o->keyword, "dbname") == 0 ? dbname : o->val;
		if (v == NULL)
			continue;
		buf_printf(&b, "%s='", o->keyword);
		for (; *v != '\0'; v++) {
			if (*v == '\'' || *v == '\\')
				buf_putc(&b, '\\');
			buf_putc(&b, *v);
		}
		buf_puts(&b, "' ");
	}
	buf_putc(&b, '\0');
	PQconninfoFree(opts);
	s = xstrdup(b.data);
	buf_free(&b);
	return (s);
}

/* One statement on the URL's own database: CREATE / DROP DATABASE. */
static int
describe_admin(const char *url, const char *sql)
{
	PGconn		*conn;
	PGresult	*res;
	int		 rc = -1;

	if ((conn = describe_connect(url, NULL)) == NULL)
		return (-1);
	PQclear(PQexec(conn, "SET client_min_messages = warning"));
	res = PQexec(conn, sql);
	if (PQresultStatus(res) == PGRES_COMMAND_OK)
		rc = 0;
	else
		fprintf(stderr, "describe: %s: %s", sql,
		    PQresultErrorMessage(res));
	PQclear(res);
	PQfinish(conn);
	return (rc);
}

/* A type's name (a domain's base type), kept in the set's pool. */
static const char *
describe_type(struct qset *qs, PGconn *conn, Oid oid)
{
	PGresult	*res;
	const char	*params[1], *name = "text";
	char		 buf[16];

	snprintf(buf, sizeof(buf), "%u", oid);
	params[0] = buf;
	res = PQexecParams(conn,
	    "SELECT coalesce(b.typname, t.typname) FROM pg_type t "
	    "LEFT JOIN pg_type b ON t.typtype = 'd' AND b.oid = t.typbasetype "
	    "WHERE t.oid = $1", 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		name = arena_strdup(qs->pool, PQgetvalue(res, 0, 0));
	PQclear(res);
	return (name);
}

/* Prepares and describes q; its params and cols are replaced. */
static int
describe_query(struct qset *qs, PGconn *conn, struct qdef *q)
{
	PGresult	*res, *nn;
	struct qcol	*c;
	const char	*params[2], *msg;
	char		 rel[16], att[16], *name;
	size_t		 len;
	int		 i, rc = -1;

	res = PQprepare(conn, "", q->sql, 0, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		if (msg == NULL)
			msg = PQerrorMessage(conn);
		fprintf(stderr, "%s:%d: %s does not prepare: %.*s\n", q->file,
		    q->line, q->name, (int)strcspn(msg, "\n"), msg);
		qs->errors++;
		PQclear(res);
		return (-1);
	}
	PQclear(res);
	res = PQdescribePrepared(conn, "");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		fprintf(stderr, "%s:%d: %s: describe: %s", q->file, q->line,
		    q->name, PQresultErrorMessage(res));
		qs->errors++;
		goto out;
	}
	q->nparams = (size_t)PQnparams(res);
	q->params = arena_calloc(qs->pool, q->nparams + 1,
	    sizeof(*q->params));
	for (i = 0; i < PQnparams(res); i++)
		q->params[i].type = describe_type(qs, conn,
		    PQparamtype(res, i));
	q->ncols = (size_t)PQnfields(res);
	q->cols = arena_calloc(qs->pool, q->ncols + 1, sizeof(*q->cols));
	for (i = 0; i < PQnfields(res); i++) {
		c = &q->cols[i];
		name = arena_strdup(qs->pool, PQfname(res, i));
		len = strlen(name);
		c->type = describe_type(qs, conn, PQftype(res, i));
		c->nullable = 1;
		if (len > 1 && (name[len - 1] == '!' || name[len - 1] == '?')) {
			c->nullable = name[len - 1] == '?';
			name[len - 1] = '\0';
		} else if (PQftable(res, i) != InvalidOid &&
		    PQftablecol(res, i) > 0) {
			snprintf(rel, sizeof(rel), "%u", PQftable(res, i));
			snprintf(att, sizeof(att), "%d", PQftablecol(res, i));
			params[0] = rel;
			params[1] = att;
			nn = PQexecParams(conn, "SELECT attnotnull FROM "
			    "pg_attribute WHERE attrelid = $1 AND attnum = $2",
			    2, NULL, params, NULL, NULL, 0);
			if (PQresultStatus(nn) == PGRES_TUPLES_OK &&
			    PQntuples(nn) == 1)
				c->nullable = PQgetvalue(nn, 0, 0)[0] != 't';
			PQclear(nn);
		}
		c->name = name;
	}
	q->described = 1;
	rc = 0;
out:
	PQclear(res);
	return (rc);
}

static void
describe_string(struct buf *b, const char *s)
{
	buf_putc(b, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			buf_printf(b, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			buf_printf(b, "\\u%04x", (unsigned char)*s);
		else
			buf_putc(b, *s);
	}
	buf_putc(b, '"');
}

/* One query a block, one column a line, sorted by name: reviewable. */
static void
describe_json(struct buf *b, const struct qset *qs)
{
	const struct qdef	*q;
	size_t			 i, j;

	buf_puts(b, "{\n");
	for (i = 0; i < qs->n; i++) {
		q = &qs->q[i];
		buf_puts(b, "  ");
		describe_string(b, q->name);
		buf_printf(b, ": {\n    \"sql\": \"%s\",\n    \"params\": [",
		    q->hash);
		for (j = 0; j < q->nparams; j++) {
			buf_puts(b, j ? ", " : "");
			describe_string(b, q->params[j].type);
		}
		buf_puts(b, "],\n    \"columns\": [");
		for (j = 0; j < q->ncols; j++) {
			buf_puts(b, j ? ",\n      {\"name\": " :
			    "\n      {\"name\": ");
			describe_string(b, q->cols[j].name);
			buf_puts(b, ", \"type\": ");
			describe_string(b, q->cols[j].type);
			buf_printf(b, ", \"nullable\": %s}",
			    q->cols[j].nullable ? "true" : "false");
		}
		buf_printf(b, "%s]\n  }%s\n", q->ncols ? "\n    " : "",
		    i + 1 < qs->n ? "," : "");
	}
	buf_puts(b, "}\n");
}

/* The committed description against the live one, by query and column.
 * Returns the number of differences (printed). */
static int
describe_compare(struct qset *qs, const char *path)
{
	json_error_t		 jerr;
	json_t			*root, *d, *v, *c;
	const struct qdef	*q;
	const struct qcol	*col;
	const char		*key, *s;
	size_t			 i, j, n;
	int			 diffs = 0, nullable;

	if ((root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL) {
		fprintf(stderr, "%s:%d: %s\n", path, jerr.line, jerr.text);
		return (1);
	}
	for (i = 0; i < qs->n; i++) {
		q = &qs->q[i];
		if (!q->described)
			continue;	/* did not prepare: said already */
		if ((d = json_object_get(root, q->name)) == NULL) {
			fprintf(stderr, "%s:%d: %s is not in %s\n", q->file,
			    q->line, q->name, path);
			diffs++;
			continue;
		}
		s = json_string_value(json_object_get(d, "sql"));
		if (s == NULL || strcmp(s, q->hash) != 0) {
			fprintf(stderr, "%s:%d: %s: the SQL changed since it "
			    "was described\n", q->file, q->line, q->name);
			diffs++;
		}
		v = json_object_get(d, "params");
		n = json_array_size(v);
		if (n != q->nparams) {
			fprintf(stderr, "%s:%d: %s: takes %zu parameter(s), "
			    "described %zu\n", q->file, q->line, q->name,
			    q->nparams, n);
			diffs++;
		}
		for (j = 0; j < n && j < q->nparams; j++) {
			s = json_string_value(json_array_get(v, j));
			if (s != NULL && strcmp(s, q->params[j].type) == 0)
				continue;
			fprintf(stderr, "%s:%d: %s: parameter $%zu is %s, "
			    "described %s\n", q->file, q->line, q->name, j + 1,
			    q->params[j].type, s ? s : "(nothing)");
			diffs++;
		}
		v = json_object_get(d, "columns");
		n = json_array_size(v);
		if (n != q->ncols) {
			fprintf(stderr, "%s:%d: %s: returns %zu column(s), "
			    "described %zu\n", q->file, q->line, q->name,
			    q->ncols, n);
			diffs++;
		}
		for (j = 0; j < n && j < q->ncols; j++) {
			col = &q->cols[j];
			c = json_array_get(v, j);
			s = json_string_value(json_object_get(c, "name"));
			if (s == NULL || strcmp(s, col->name) != 0) {
				fprintf(stderr, "%s:%d: %s: column %zu is %s, "
				    "described %s\n", q->file, q->line,
				    q->name, j + 1, col->name,
				    s ? s : "(nothing)");
				diffs++;
				continue;
			}
			s = json_string_value(json_object_get(c, "type"));
			nullable = !json_is_false(json_object_get(c,
			    "nullable"));
			if (s == NULL || strcmp(s, col->type) != 0 ||
			    nullable != col->nullable) {
				fprintf(stderr, "%s:%d: %s: column %s is %s%s, "
				    "described %s%s\n", q->file, q->line,
				    q->name, col->name, col->type,
				    col->nullable ? " nullable" : " not null",
				    s ? s : "(nothing)",
				    nullable ? " nullable" : " not null");
				diffs++;
			}
		}
	}
	json_object_foreach(root, key, d) {
		for (i = 0; i < qs->n; i++)
			if (strcmp(qs->q[i].name, key) == 0)
				break;
		if (i == qs->n) {
			fprintf(stderr, "%s: %s is described but is in no "
			    ".sql file\n", path, key);
			diffs++;
		}
	}
	json_decref(root);
	return (diffs);
}

int
describe_run(const char *dir, const char *migrations, const char *url,
    int check)
{
	struct qset	 qs;
	struct buf	 out;
	PGconn		*conn = NULL;
	char		 dbname[64], sql[128], *conninfo = NULL, *path;
	size_t		 i;
	int		 created = 0, rc = -1, diffs;

	buf_init(&out);
	if (genquery_load(&qs, dir) == -1) {
		genquery_flush(&qs);
		goto out;
	}
	genquery_flush(&qs);
	if (url == NULL || *url == '\0') {
		fprintf(stderr, "describe: DATABASE_URL is not set (make "
		    "describe-queries starts a private PostgreSQL)\n");
		goto out;
	}
	snprintf(dbname, sizeof(dbname), "codegen_describe_%ld",
	    (long)getpid());
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", dbname);
	(void)describe_admin(url, sql);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s TEMPLATE template0 "
	    "ENCODING 'UTF8'", dbname);
	if (describe_admin(url, sql) == -1)
		goto out;
	created = 1;
	if ((conninfo = describe_conninfo(url, dbname)) == NULL ||
	    db_migrate(conninfo, migrations) == -1 ||
	    (conn = describe_connect(url, dbname)) == NULL)
		goto out;
	for (i = 0; i < qs.n; i++)
		(void)describe_query(&qs, conn, &qs.q[i]);

	path = arena_sprintf(qs.pool, "%s/" QUERY_DESCRIPTION, dir);
	if (check) {
		diffs = describe_compare(&qs, path);
		if (diffs + qs.errors > 0) {
			fprintf(stderr, "%s: %d difference(s) with the "
			    "database: run make describe-queries, then make\n",
			    path, diffs + qs.errors);
			goto out;
		}
		printf("%s: %zu queries as described\n", path, qs.n);
	} else {
		if (qs.errors > 0)
			goto out;
		describe_json(&out, &qs);
		if (emit_file(dir, QUERY_DESCRIPTION, &out) == -1)
			goto out;
		printf("%s: %zu queries described\n", path, qs.n);
	}
	rc = 0;
out:
	if (conn != NULL)
		PQfinish(conn);
	if (created) {
		snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s",
		    dbname);
		(void)describe_admin(url, sql);
	}
	free(conninfo);
	buf_free(&out);
	genquery_free(&qs);
	return (rc);
}
