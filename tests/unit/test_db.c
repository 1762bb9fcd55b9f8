/*
 * test_db.c - db.c against a real PostgreSQL: migrations, named-query
 * files, every query in sql/queries, error mapping, reconnects and
 * transactions.
 *
 * The generated query functions (generated/query.c) run here too, on the
 * real queries: typed parameters and rows, not found, the typed codes.
 *
 * Needs DATABASE_URL (scripts/with-pg.sh provides one); without it the
 * program says so and exits 77, which the runner counts as skipped.  It
 * works in a database of its own, test_db_<pid>, created through the
 * URL's server (maintenance database "postgres") and dropped at the end,
 * so it is repeatable and leaves the URL's own database alone.  Paths
 * are relative to the repository root, where the tests run.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "arena.h"
#include "capture.h"
#include "db.h"
#include "query.h"
#include "util.h"

#define MIGRATIONS	"sql/migrations"
#define QUERIES		"sql/queries"
#define BAD_MIGRATIONS	"tests/unit/fixtures/migrations-bad"
#define BAD_QUERIES	"tests/unit/fixtures/queries-bad"

static const char	*admin_url;	/* DATABASE_URL */
static char		*test_url;	/* the same server, our database */
static char		 test_dbname[64];

static void		 quiet(void *, const char *);
static PGconn		*admin_connect(const char *);
static char		*conninfo_with_db(const char *, const char *);
static int		 admin_command(const char *);
static char		*scalar(const char *);
static char		*read_text(const char *);
static int		 count_sql_files(const char *);
static int		 is_rfc3339(const char *);
static const char	*col(const PGresult *, int, const char *);
static int		 col_null(const PGresult *, int, const char *);
static PGresult		*run(struct db *, const char *, int,
			    const char *const *);
static char		*make_user(struct db *, const char *, const char *);
static void		 terminate_backend(struct db *);
static int		 group_setup(void **);
static int		 group_teardown(void **);
static int		 setup_schema(void **);
static int		 teardown_schema(void **);
static void		 test_migrate_idempotent(void **);
static void		 test_migrate_rolls_back(void **);
static void		 test_migrate_bad_names(void **);
static void		 test_queries_bad(void **);
static void		 test_user_create_get(void **);
static void		 test_char_length(void **);
static void		 test_unique_violation(void **);
static void		 test_foreign_key(void **);
static void		 test_unknown_query(void **);
static void		 test_unavailable(void **);
static void		 test_reconnect(void **);
static void		 test_transactions(void **);
static void		 test_tx_connection_lost(void **);
static void		 test_every_query(void **);
static void		 test_generated_queries(void **);

/* --- helpers --------------------------------------------------------- */

/* "database does not exist, skipping" and friends are noise here. */
static void
quiet(void *arg, const char *msg)
{
}

/* A connection to url's server, database dbname (NULL: url's own). */
static PGconn *
admin_connect(const char *dbname)
{
	const char	*keys[] = { "dbname", "dbname", NULL };
	const char	*vals[] = { admin_url, dbname, NULL };
	PGconn		*conn;

	if (dbname == NULL)
		keys[1] = NULL;
	conn = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(conn) != CONNECTION_OK)
		fail_msg("connect: %s", PQerrorMessage(conn));
	PQsetNoticeProcessor(conn, quiet, NULL);
	return (conn);
}

/* url rewritten as a key='value' conninfo naming another database. */
static char *
conninfo_with_db(const char *url, const char *dbname)
{
	PQconninfoOption	*opts, *o;
	char			*err = NULL, *buf = NULL;
	const char		*v;
	size_t			 len = 0;
	FILE			*fp;

	if ((opts = PQconninfoParse(url, &err)) == NULL)
		fail_msg("DATABASE_URL: %s", err ? err : "out of memory");
	fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	for (o = opts; o->keyword != NULL; o++) {
		v = strcmp(o->keyword, "dbname") == 0 ? dbname : o->val;
		if (v == NULL)
			continue;
		fprintf(fp, "%s='", o->keyword);
		for (; *v != '\0'; v++) {
			if (*v == '\'' || *v == '\\')
				fputc('\\', fp);
			fputc(*v, fp);
		}
		fputs("' ", fp);
	}
	fclose(fp);
	PQconninfoFree(opts);
	return (buf);
}

/* One statement in the maintenance database; 0 ok, -1 error (printed). */
static int
admin_command(const char *sql)
{
	PGconn		*conn;
	PGresult	*res;
	int		 ret = -1;

	conn = admin_connect("postgres");
	res = PQexec(conn, sql);
	if (PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK)
		ret = 0;
	else
		fprintf(stderr, "%s: %s", sql, PQresultErrorMessage(res));
	PQclear(res);
	PQfinish(conn);
	return (ret);
}

/* The first value of sql in the test database, NULL for SQL NULL. */
static char *
scalar(const char *sql)
{
	PGconn		*conn;
	PGresult	*res;
	char		*v = NULL;

	conn = PQconnectdb(test_url);
	assert_int_equal(PQstatus(conn), CONNECTION_OK);
	res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQresultErrorMessage(res));
	assert_true(PQntuples(res) > 0);
	if (!PQgetisnull(res, 0, 0))
		v = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	PQfinish(conn);
	return (v);
}

static char *
read_text(const char *path)
{
	FILE	*fp;
	char	*buf;
	long	 len;

	fp = fopen(path, "r");
	if (fp == NULL)
		fail_msg("%s: cannot open", path);
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	buf = xmalloc(len + 1);
	assert_int_equal(fread(buf, 1, len, fp), len);
	buf[len] = '\0';
	fclose(fp);
	return (buf);
}

static int
count_sql_files(const char *dir)
{
	DIR		*d;
	struct dirent	*e;
	size_t		 len;
	int		 n = 0;

	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		if (e->d_name[0] != '.' && len > 4 &&
		    strcmp(e->d_name + len - 4, ".sql") == 0)
			n++;
	}
	closedir(d);
	return (n);
}

/* A TCP port on 127.0.0.1 that nothing listens on (just released). */
/* 2025-03-03T10:30:01.123456Z */
static int
is_rfc3339(const char *s)
{
	const char	*tmpl = "0000-00-00T00:00:00.000000Z";

	if (strlen(s) != strlen(tmpl))
		return (0);
	for (; *tmpl != '\0'; tmpl++, s++) {
		if (*tmpl == '0' ? (*s < '0' || *s > '9') : *s != *tmpl)
			return (0);
	}
	return (1);
}

static const char *
col(const PGresult *res, int row, const char *name)
{
	int	c = PQfnumber(res, name);

	if (c < 0)
		fail_msg("no column %s", name);
	return (PQgetvalue(res, row, c));
}

static int
col_null(const PGresult *res, int row, const char *name)
{
	int	c = PQfnumber(res, name);

	if (c < 0)
		fail_msg("no column %s", name);
	return (PQgetisnull(res, row, c));
}

/* db_exec that must succeed. */
static PGresult *
run(struct db *db, const char *name, int n, const char *const *params)
{
	PGresult	*res;
	enum db_error	 err;

	res = db_exec(db, name, n, params, &err);
	if (res == NULL)
		fail_msg("%s: error %d: %s", name, err, db_last_error(db));
	assert_int_equal(err, DB_OK);
	return (res);
}

/* A new user's id (allocated). */
static char *
make_user(struct db *db, const char *name, const char *email)
{
	const char	*p[] = { name, email, "$argon2id$v=19$test" };
	PGresult	*res;
	char		*id;

	res = run(db, "UserCreate", 3, p);
	assert_int_equal(PQntuples(res), 1);
	id = xstrdup(col(res, 0, "id"));
	PQclear(res);
	return (id);
}

/* Kills db's server process, as a restart or an admin would. */
static void
terminate_backend(struct db *db)
{
	PGconn	*conn;
	char	 sql[128];

	conn = db_conn(db);
	assert_non_null(conn);
	snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(%d, 5000)",
	    PQbackendPID(conn));
	assert_int_equal(admin_command(sql), 0);
}

/* --- fixtures -------------------------------------------------------- */

static int
group_setup(void **state)
{
	char	sql[160];

	snprintf(test_dbname, sizeof(test_dbname), "test_db_%ld",
	    (long)getpid());
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)",
	    test_dbname);
	if (admin_command(sql) == -1)
		return (-1);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", test_dbname);
	if (admin_command(sql) == -1)
		return (-1);
	test_url = conninfo_with_db(admin_url, test_dbname);
	return (0);
}

static int
group_teardown(void **state)
{
	char	sql[160];
	int	ret;

	db_cleanup();
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)",
	    test_dbname);
	ret = admin_command(sql);
	free(test_url);
	test_url = NULL;
	return (ret);
}

/* Schema in place (a no-op after the first test), queries loaded. */
static int
setup_schema(void **state)
{
	if (db_migrate(test_url, MIGRATIONS) == -1)
		return (-1);
	if (db_init(test_url, QUERIES) == -1)
		return (-1);
	*state = db_open();
	return (0);
}

static int
teardown_schema(void **state)
{
	db_close(*state);
	db_cleanup();
	return (0);
}

/* --- the generated functions --------------------------------------- */

static void
test_generated_queries(void **state)
{
	static const struct db_stmt	 wrong = {
		.name = "UserCount", .nparams = 0, .ncols = 2
	};
	struct db			*db = *state;
	struct arena			*a = arena_new(4096);
	struct query_user_row		 u, u2;
	struct query_post_row		 p, p2, *rows;
	struct query_post_count_row	 c;
	struct query_post_get_row	 g;
	struct query_post_delete_row	 d;
	const bool			 no = false, yes = true;
	const char			*none[1] = { NULL };
	enum db_error			 err;
	size_t				 n;

	assert_int_equal(query_user_create(db, a, "Gen", "gen@example.com",
	    "$argon2id$v=19$test", &u), DB_OK);
	assert_true(u.id > 0);
	assert_string_equal(u.name, "Gen");
	assert_null(u.avatar_url);
	assert_true(is_rfc3339(u.created_at));

	/* Errors a handler acts on come back as their codes. */
	assert_int_equal(query_user_create(db, a, "Gen", "GEN@example.com",
	    "h", &u2), DB_UNIQUE_VIOLATION);
	assert_int_equal(query_user_create(db, a, "", "gen2@example.com", "h",
	    &u2), DB_CHECK);
	assert_int_equal(query_user_create(db, a, "Gen", NULL, "h", &u2),
	    DB_NOT_NULL);
	assert_int_equal(query_post_create(db, a, "T", "C", true, 0, &p),
	    DB_FOREIGN_KEY);

	assert_int_equal(query_post_create(db, a, "Draft", "C", false, u.id,
	    &p), DB_OK);
	assert_false(p.published);
	assert_int_equal(p.author_id, u.id);
	assert_null(p.cover_image);
	assert_int_equal(query_post_get(db, a, p.id, &g), DB_OK);
	assert_string_equal(g.title, "Draft");
	assert_string_equal(g.author_name, "Gen");
	assert_string_equal(g.author_email, "gen@example.com");
	assert_int_equal(query_post_get(db, a, 0, &g), DB_NOT_FOUND);

	/* A nullable bool: NULL counts every post, &no the drafts. */
	assert_int_equal(query_post_count(db, a, &no, &c), DB_OK);
	assert_true(c.total >= 1);
	n = (size_t)c.total;
	assert_int_equal(query_post_count(db, a, NULL, &c), DB_OK);
	assert_true((size_t)c.total >= n);
	assert_int_equal(query_post_list_by_author(db, a, u.id, 10, 0, &rows,
	    &n), DB_OK);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].id, p.id);
	assert_string_equal(rows[0].content, "C");

	/* NULL parameters keep a column; a pointer sets it. */
	assert_int_equal(query_post_update(db, a, p.id, "New", NULL, &yes,
	    &p2), DB_OK);
	assert_string_equal(p2.title, "New");
	assert_string_equal(p2.content, "C");
	assert_true(p2.published);

	assert_int_equal(query_post_delete(db, a, p.id, &d), DB_OK);
	assert_null(d.cover);
	assert_int_equal(query_post_delete(db, a, p.id, &d), DB_NOT_FOUND);

	/* Code generated for other columns than the SQL's fails loudly. */
	assert_null(db_run(db, &wrong, none, &err));
	assert_int_equal(err, DB_FAILED);
	assert_non_null(strstr(db_last_error(db), "returns 1 column(s)"));
	arena_free(a);
}

/* --- migrations ------------------------------------------------------ */

static void
test_migrate_idempotent(void **state)
{
	char	*out, *v, want[32];

	capture_begin();
	assert_int_equal(db_migrate(test_url, MIGRATIONS), 0);
	out = capture_end();
	assert_non_null(strstr(out, "migrate: applied 001_init.sql\n"));
	free(out);

	capture_begin();
	assert_int_equal(db_migrate(test_url, MIGRATIONS), 0);
	out = capture_end();
	assert_string_equal(out, "");		/* nothing applied */
	free(out);

	v = scalar("SELECT count(*) FROM schema_migrations");
	snprintf(want, sizeof(want), "%d", count_sql_files(MIGRATIONS));
	assert_string_equal(v, want);
	free(v);
	v = scalar("SELECT version FROM schema_migrations ORDER BY 1 LIMIT 1");
	assert_string_equal(v, "001_init");
	free(v);
}

static void
test_migrate_rolls_back(void **state)
{
	char	*out, *v;

	capture_begin();
	assert_int_equal(db_migrate(test_url, BAD_MIGRATIONS), -1);
	out = capture_end();
	/* The position PostgreSQL reports, mapped to the file's line. */
	assert_string_equal(out, BAD_MIGRATIONS "/001_bad_rollback.sql:6: "
	    "relation \"no_such_table\" does not exist\n");
	free(out);

	v = scalar("SELECT to_regclass('migrate_rollback_probe')::text");
	assert_null(v);
	v = scalar("SELECT to_regclass('migrate_never_applied')::text");
	assert_null(v);
	v = scalar("SELECT count(*) FROM schema_migrations "
	    "WHERE version IN ('001_bad_rollback', '002_never_applied')");
	assert_string_equal(v, "0");
	free(v);
	/* The lock was released: migrating again does not block. */
	assert_int_equal(db_migrate(test_url, MIGRATIONS), 0);
}

static void
test_migrate_bad_names(void **state)
{
	static const char *const files[] = {
		"1_short.sql", "002_Upper.sql", "003_ok.sql", "003_again.sql",
		"README",
	};
	char		 dir[] = "/tmp/test_db_XXXXXX", path[128], url[96];
	char		*out;
	size_t		 i;
	FILE		*fp;

	assert_non_null(mkdtemp(dir));
	for (i = 0; i < nitems(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		fp = fopen(path, "w");
		assert_non_null(fp);
		fputs("SELECT 1;\n", fp);
		fclose(fp);
	}
	/* Names are checked before connecting: no server needed. */
	snprintf(url, sizeof(url), "postgresql://postgres@127.0.0.1:%d/x",
	    capture_free_port());
	capture_begin();
	assert_int_equal(db_migrate(url, dir), -1);
	out = capture_end();
	assert_non_null(strstr(out, "/1_short.sql: a migration is named"));
	assert_non_null(strstr(out, "/002_Upper.sql: a migration is named"));
	assert_non_null(strstr(out, "/README: a migration is named"));
	assert_non_null(strstr(out, "/003_ok.sql: same number as "
	    "003_again.sql"));
	assert_null(strstr(out, "cannot connect"));
	free(out);

	for (i = 0; i < nitems(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* --- named query files ----------------------------------------------- */

static void
test_queries_bad(void **state)
{
	struct db	*db;
	enum db_error	 err;
	char		*out, *want;

	capture_begin();
	assert_int_equal(db_init(test_url, BAD_QUERIES), -1);
	out = capture_end();
	want = read_text(BAD_QUERIES "/expected.txt");
	assert_string_equal(out, want);
	free(out);
	free(want);

	/* A failed db_init leaves nothing loaded. */
	db = db_open();
	assert_null(db_exec(db, "Good", 0, NULL, &err));
	assert_int_equal(err, DB_FAILED);
	db_close(db);

	capture_begin();
	assert_int_equal(db_init(test_url, "tests/unit/fixtures/no-such-dir"),
	    -1);
	out = capture_end();
	assert_non_null(strstr(out, "no-such-dir: No such file"));
	free(out);
}

/* --- queries and errors ---------------------------------------------- */

static void
test_user_create_get(void **state)
{
	struct db	*db = *state;
	const char	*create[] = { "Zoë Ünal", "Zoe@Example.COM",
			    "$argon2id$v=19$hash" };
	const char	*by_email[] = { "zoe@example.com" };
	const char	*by_id[1];
	PGresult	*res;
	char		*id;

	res = run(db, "UserCreate", 3, create);
	assert_int_equal(PQntuples(res), 1);
	assert_int_equal(PQnfields(res), 5);	/* never the hash */
	assert_string_equal(col(res, 0, "name"), "Zoë Ünal");
	assert_string_equal(col(res, 0, "email"), "Zoe@Example.COM");
	assert_true(col_null(res, 0, "avatar_url"));
	assert_true(is_rfc3339(col(res, 0, "created_at")));
	id = xstrdup(col(res, 0, "id"));
	PQclear(res);

	/* Any case finds the account, and login gets the hash. */
	res = run(db, "UserGetByEmail", 1, by_email);
	assert_int_equal(PQntuples(res), 1);
	assert_string_equal(col(res, 0, "id"), id);
	assert_string_equal(col(res, 0, "password_hash"),
	    "$argon2id$v=19$hash");
	PQclear(res);

	by_id[0] = id;
	res = run(db, "UserGetById", 1, by_id);
	assert_int_equal(PQntuples(res), 1);
	assert_string_equal(col(res, 0, "email"), "Zoe@Example.COM");
	PQclear(res);
	free(id);

	by_email[0] = "nobody@example.com";
	res = run(db, "UserGetByEmail", 1, by_email);
	assert_int_equal(PQntuples(res), 0);
	PQclear(res);
}

/* Limits count characters: 100 x "é" (200 bytes) is a valid name. */
static void
test_char_length(void **state)
{
	struct db	*db = *state;
	char		 name[256];
	const char	*p[] = { name, "long@example.com", "h" };
	PGresult	*res;
	enum db_error	 err;
	int		 i;

	for (i = 0; i < 100; i++)
		memcpy(name + 2 * i, "é", 2);
	name[200] = '\0';
	res = run(db, "UserCreate", 3, p);
	PQclear(res);

	memcpy(name + 200, "é", 3);		/* 101 characters */
	p[1] = "longer@example.com";
	assert_null(db_exec(db, "UserCreate", 3, p, &err));
	assert_int_equal(err, DB_CHECK);
	assert_non_null(strstr(db_last_error(db), "23514"));
	p[0] = "";
	assert_null(db_exec(db, "UserCreate", 3, p, &err));
	assert_int_equal(err, DB_CHECK);
}

static void
test_unique_violation(void **state)
{
	struct db	*db = *state;
	const char	*dup[] = { "Bob 2", "BOB@example.COM", "h" };
	const char	*upd[4] = { NULL, NULL, "bob@example.com", NULL };
	PGresult	*res;
	enum db_error	 err;
	char		*bob, *carol;

	bob = make_user(db, "Bob", "bob@example.com");
	res = db_exec(db, "UserCreate", 3, dup, &err);
	assert_null(res);
	assert_int_equal(err, DB_UNIQUE_VIOLATION);
	assert_non_null(strstr(db_last_error(db), "23505"));
	assert_null(strchr(db_last_error(db), '\n'));	/* one log line */

	/* Taking someone else's address on update, too. */
	carol = make_user(db, "Carol", "carol@example.com");
	upd[0] = carol;
	assert_null(db_exec(db, "UserUpdate", 4, upd, &err));
	assert_int_equal(err, DB_UNIQUE_VIOLATION);

	/* The connection is still good afterwards. */
	upd[2] = "Carol@Example.com";
	res = run(db, "UserUpdate", 4, upd);
	assert_string_equal(col(res, 0, "email"), "Carol@Example.com");
	PQclear(res);
	free(bob);
	free(carol);
}

static void
test_foreign_key(void **state)
{
	struct db	*db = *state;
	const char	*p[] = { "Title", "Content", NULL, "999999999" };
	enum db_error	 err;

	assert_null(db_exec(db, "PostCreate", 4, p, &err));
	assert_int_equal(err, DB_FOREIGN_KEY);
	assert_non_null(strstr(db_last_error(db), "23503"));
}

static void
test_unknown_query(void **state)
{
	struct db	*db = *state;
	const char	*p[] = { "1", "2" };
	enum db_error	 err;

	assert_null(db_exec(db, "NoSuchQuery", 0, NULL, &err));
	assert_int_equal(err, DB_FAILED);
	assert_non_null(strstr(db_last_error(db), "NoSuchQuery"));
	assert_non_null(strstr(db_last_error(db), "unknown query"));

	/* A wrong parameter count is caught before it reaches the server. */
	assert_null(db_exec(db, "UserGetById", 2, p, &err));
	assert_int_equal(err, DB_FAILED);
	assert_non_null(strstr(db_last_error(db), "takes 1 parameter"));
	assert_null(db_exec(db, "UserGetById", 0, NULL, &err));
	assert_int_equal(err, DB_FAILED);
}

static void
test_unavailable(void **state)
{
	struct db	*db;
	char		 url[96];
	enum db_error	 err;
	int		 i;

	snprintf(url, sizeof(url), "postgresql://postgres@127.0.0.1:%d/app",
	    capture_free_port());
	assert_int_equal(db_init(url, QUERIES), 0);
	db = db_open();
	/* Every call tries again, none waits. */
	for (i = 0; i < 2; i++) {
		err = DB_OK;
		assert_null(db_exec(db, "UserCount", 0, NULL, &err));
		assert_int_equal(err, DB_UNAVAILABLE);
		assert_non_null(strstr(db_last_error(db), "connect"));
	}
	assert_null(db_conn(db));
	assert_int_equal(db_begin(db, &err), -1);
	assert_int_equal(err, DB_UNAVAILABLE);
	/* Unknown names are reported as such, not as an outage. */
	assert_null(db_exec(db, "NoSuchQuery", 0, NULL, &err));
	assert_int_equal(err, DB_FAILED);
	db_close(db);
	db_cleanup();
}

/* The server drops the connection between requests: one failure, then
 * the next call reconnects. */
static void
test_reconnect(void **state)
{
	struct db	*db = *state;
	PGresult	*res;
	enum db_error	 err;
	int		 pid;

	res = run(db, "UserCount", 0, NULL);
	PQclear(res);
	pid = PQbackendPID(db_conn(db));
	terminate_backend(db);

	assert_null(db_exec(db, "UserCount", 0, NULL, &err));
	assert_int_equal(err, DB_UNAVAILABLE);

	res = run(db, "UserCount", 0, NULL);
	PQclear(res);
	assert_int_not_equal(PQbackendPID(db_conn(db)), pid);
}

static void
test_transactions(void **state)
{
	struct db	*db = *state, *fresh;
	const char	*p[] = { "Tx", "tx@example.com", "h" };
	const char	*by_email[] = { "tx@example.com" };
	const char	*by_id[] = { "1" };
	PGresult	*res;
	enum db_error	 err;

	/* Rolled back: gone. */
	assert_int_equal(db_begin(db, &err), 0);
	assert_int_equal(err, DB_OK);
	assert_int_equal(db_begin(db, &err), -1);	/* no nesting */
	res = run(db, "UserCreate", 3, p);
	PQclear(res);
	db_rollback(db);
	res = run(db, "UserGetByEmail", 1, by_email);
	assert_int_equal(PQntuples(res), 0);
	PQclear(res);

	/* Committed: there. */
	assert_int_equal(db_begin(db, &err), 0);
	res = run(db, "UserCreate", 3, p);
	PQclear(res);
	assert_int_equal(db_commit(db, &err), 0);
	assert_int_equal(err, DB_OK);
	res = run(db, "UserGetByEmail", 1, by_email);
	assert_int_equal(PQntuples(res), 1);
	PQclear(res);

	/* A failed statement dooms the transaction: COMMIT says so. */
	assert_int_equal(db_begin(db, &err), 0);
	assert_null(db_exec(db, "UserCreate", 3, p, &err));
	assert_int_equal(err, DB_UNIQUE_VIOLATION);
	assert_int_equal(db_commit(db, &err), -1);
	assert_int_equal(err, DB_FAILED);
	res = run(db, "UserGetByEmail", 1, by_email);	/* usable again */
	PQclear(res);

	assert_int_equal(db_commit(db, &err), -1);	/* none open */
	assert_int_equal(err, DB_FAILED);
	db_rollback(db);				/* harmless */

	/* A statement first prepared inside a rolled-back transaction
	 * stays prepared on the connection. */
	fresh = db_open();
	assert_int_equal(db_begin(fresh, &err), 0);
	res = run(fresh, "UserGetById", 1, by_id);
	PQclear(res);
	db_rollback(fresh);
	res = run(fresh, "UserGetById", 1, by_id);
	PQclear(res);
	db_close(fresh);
}

/* Lost inside a transaction: no silent reconnect until the handler
 * gives the transaction up. */
static void
test_tx_connection_lost(void **state)
{
	struct db	*db = *state;
	PGresult	*res;
	enum db_error	 err;

	assert_int_equal(db_begin(db, &err), 0);
	res = run(db, "UserCount", 0, NULL);
	PQclear(res);
	terminate_backend(db);
	assert_null(db_exec(db, "UserCount", 0, NULL, &err));
	assert_int_equal(err, DB_UNAVAILABLE);
	assert_null(db_exec(db, "UserCount", 0, NULL, &err));
	assert_int_equal(err, DB_UNAVAILABLE);
	assert_null(db_conn(db));
	assert_int_equal(db_commit(db, &err), -1);
	assert_int_equal(err, DB_UNAVAILABLE);
	res = run(db, "UserCount", 0, NULL);		/* commit ended it */
	PQclear(res);

	assert_int_equal(db_begin(db, &err), 0);
	terminate_backend(db);
	assert_null(db_exec(db, "UserCount", 0, NULL, &err));
	assert_int_equal(err, DB_UNAVAILABLE);
	db_rollback(db);
	res = run(db, "UserCount", 0, NULL);
	PQclear(res);
}

/* Every query in sql/queries, in the order a user's life runs them. */
static void
test_every_query(void **state)
{
	struct db	*db = *state;
	PGresult	*res;
	char		*uid, *other, *p1, *p2, *v, sql[160];
	const char	*a[6];
	int		 i, seen[3] = { 0, 0, 0 };

	uid = make_user(db, "Dana", "dana@example.com");
	other = make_user(db, "Eve", "eve@example.com");

	/* UserUpdate: NULL keeps a column. */
	a[0] = uid; a[1] = "Dana Q"; a[2] = NULL; a[3] = "newhash";
	res = run(db, "UserUpdate", 4, a);
	assert_string_equal(col(res, 0, "name"), "Dana Q");
	assert_string_equal(col(res, 0, "email"), "dana@example.com");
	PQclear(res);
	a[0] = "DANA@example.com";
	res = run(db, "UserGetByEmail", 1, a);
	assert_string_equal(col(res, 0, "password_hash"), "newhash");
	PQclear(res);

	/* UserSetAvatar returns the file name it replaced. */
	a[0] = uid; a[1] = "avatar1.png";
	res = run(db, "UserSetAvatar", 2, a);
	assert_string_equal(col(res, 0, "avatar_url"), "/files/avatar1.png");
	assert_true(col_null(res, 0, "old_avatar"));
	assert_true(is_rfc3339(col(res, 0, "created_at")));
	PQclear(res);
	a[1] = "avatar2.png";
	res = run(db, "UserSetAvatar", 2, a);
	assert_string_equal(col(res, 0, "avatar_url"), "/files/avatar2.png");
	assert_string_equal(col(res, 0, "old_avatar"), "avatar1.png");
	PQclear(res);
	a[0] = "0";
	res = run(db, "UserSetAvatar", 2, a);
	assert_int_equal(PQntuples(res), 0);	/* no such user */
	PQclear(res);

	/* Posts: one published (default), one draft. */
	a[0] = "First"; a[1] = "Hello"; a[2] = NULL; a[3] = uid;
	res = run(db, "PostCreate", 4, a);
	assert_string_equal(col(res, 0, "published"), "t");
	assert_true(col_null(res, 0, "cover_image"));
	assert_true(is_rfc3339(col(res, 0, "updated_at")));
	p1 = xstrdup(col(res, 0, "id"));
	PQclear(res);
	a[0] = "Draft"; a[2] = "false";
	res = run(db, "PostCreate", 4, a);
	assert_string_equal(col(res, 0, "published"), "f");
	p2 = xstrdup(col(res, 0, "id"));
	PQclear(res);
	a[0] = "Not mine"; a[2] = "true"; a[3] = other;
	res = run(db, "PostCreate", 4, a);
	PQclear(res);

	a[0] = p1;
	res = run(db, "PostGet", 1, a);
	assert_int_equal(PQntuples(res), 1);
	assert_string_equal(col(res, 0, "title"), "First");
	assert_string_equal(col(res, 0, "author_id"), uid);
	assert_string_equal(col(res, 0, "author_name"), "Dana Q");
	assert_string_equal(col(res, 0, "author_avatar_url"),
	    "/files/avatar2.png");
	assert_true(is_rfc3339(col(res, 0, "author_created_at")));
	PQclear(res);

	/* Lists: newest first; the filter; LIMIT/OFFSET; counts. */
	a[0] = NULL; a[1] = "100"; a[2] = "0";
	res = run(db, "PostList", 3, a);
	assert_int_equal(PQntuples(res), 3);
	assert_string_equal(col(res, 0, "title"), "Not mine");
	assert_string_equal(col(res, 2, "title"), "First");
	PQclear(res);
	a[0] = "false";
	res = run(db, "PostList", 3, a);
	assert_int_equal(PQntuples(res), 1);
	assert_string_equal(col(res, 0, "id"), p2);
	PQclear(res);
	a[0] = "true"; a[1] = "1"; a[2] = "1";
	res = run(db, "PostList", 3, a);
	assert_int_equal(PQntuples(res), 1);
	assert_string_equal(col(res, 0, "id"), p1);
	PQclear(res);
	a[0] = NULL;
	res = run(db, "PostCount", 1, a);
	assert_string_equal(col(res, 0, "total!"), "3");
	PQclear(res);
	a[0] = "true";
	res = run(db, "PostCount", 1, a);
	assert_string_equal(col(res, 0, "total!"), "2");
	PQclear(res);
	a[0] = uid; a[1] = "10"; a[2] = "0";
	res = run(db, "PostListByAuthor", 3, a);
	assert_int_equal(PQntuples(res), 2);
	assert_string_equal(col(res, 0, "id"), p2);
	PQclear(res);
	res = run(db, "PostCountByAuthor", 1, a);
	assert_string_equal(col(res, 0, "total!"), "2");
	PQclear(res);

	/* PostUpdate: partial, and updated_at moves. */
	a[0] = p1; a[1] = NULL; a[2] = "Changed"; a[3] = NULL;
	res = run(db, "PostUpdate", 4, a);
	assert_string_equal(col(res, 0, "title"), "First");
	assert_string_equal(col(res, 0, "content"), "Changed");
	assert_string_equal(col(res, 0, "published"), "t");
	assert_true(strcmp(col(res, 0, "updated_at"),
	    col(res, 0, "created_at")) >= 0);
	PQclear(res);

	/* Covers. */
	a[0] = p1; a[1] = "cover1.png";
	res = run(db, "PostSetCover", 2, a);
	assert_string_equal(col(res, 0, "cover_image"), "/files/cover1.png");
	assert_true(col_null(res, 0, "old_cover"));
	PQclear(res);
	a[0] = p2; a[1] = "cover2.png";
	res = run(db, "PostSetCover", 2, a);
	PQclear(res);
	a[1] = "cover3.png";
	res = run(db, "PostSetCover", 2, a);
	assert_string_equal(col(res, 0, "old_cover"), "cover2.png");
	PQclear(res);

	/* PostDelete hands back the cover to remove. */
	a[0] = p2;
	res = run(db, "PostDelete", 1, a);
	assert_int_equal(PQntuples(res), 1);
	assert_string_equal(col(res, 0, "cover"), "cover3.png");
	PQclear(res);
	res = run(db, "PostDelete", 1, a);
	assert_int_equal(PQntuples(res), 0);
	PQclear(res);

	/* Uploads. */
	a[0] = "upload1.pdf"; a[1] = "report.pdf"; a[2] = "application/pdf";
	a[3] = "1234"; a[4] = NULL; a[5] = uid;
	res = run(db, "UploadRecord", 6, a);
	assert_true(is_rfc3339(col(res, 0, "created_at")));
	PQclear(res);

	/* Users list and count. */
	a[0] = "1000"; a[1] = "0";
	res = run(db, "UserList", 2, a);
	assert_true(PQntuples(res) >= 2);
	assert_int_equal(PQnfields(res), 5);
	PQclear(res);
	res = run(db, "UserCount", 0, NULL);
	assert_true(atoi(col(res, 0, "total!")) >= 2);
	PQclear(res);

	/* UserDelete: every file of the user, and the rows go with it. */
	a[0] = uid;
	res = run(db, "UserDelete", 1, a);
	assert_int_equal(PQntuples(res), 3);
	for (i = 0; i < PQntuples(res); i++) {
		v = PQgetvalue(res, i, 0);
		if (strcmp(v, "avatar2.png") == 0)
			seen[0]++;
		else if (strcmp(v, "cover1.png") == 0)
			seen[1]++;
		else if (strcmp(v, "upload1.pdf") == 0)
			seen[2]++;
		else
			fail_msg("unexpected file %s", v);
	}
	assert_true(seen[0] == 1 && seen[1] == 1 && seen[2] == 1);
	PQclear(res);
	snprintf(sql, sizeof(sql), "SELECT (SELECT count(*) FROM posts "
	    "WHERE author_id = %s) + (SELECT count(*) FROM uploads "
	    "WHERE user_id = %s)", uid, uid);
	v = scalar(sql);
	assert_string_equal(v, "0");
	free(v);

	free(uid);
	free(other);
	free(p1);
	free(p2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migrate_idempotent),
		cmocka_unit_test(test_migrate_rolls_back),
		cmocka_unit_test(test_migrate_bad_names),
		cmocka_unit_test(test_queries_bad),
		cmocka_unit_test_setup_teardown(test_user_create_get,
		    setup_schema, teardown_schema),
		cmocka_unit_test_setup_teardown(test_char_length,
		    setup_schema, teardown_schema),
		cmocka_unit_test_setup_teardown(test_unique_violation,
		    setup_schema, teardown_schema),
		cmocka_unit_test_setup_teardown(test_foreign_key,
		    setup_schema, teardown_schema),
		cmocka_unit_test_setup_teardown(test_unknown_query,
		    setup_schema, teardown_schema),
		cmocka_unit_test(test_unavailable),
		cmocka_unit_test_setup_teardown(test_reconnect,
		    setup_schema, teardown_schema),
		cmocka_unit_test_setup_teardown(test_transactions,
		    setup_schema, teardown_schema),
		cmocka_unit_test_setup_teardown(test_tx_connection_lost,
		    setup_schema, teardown_schema),
		cmocka_unit_test_setup_teardown(test_every_query,
		    setup_schema, teardown_schema),
		cmocka_unit_test_setup_teardown(test_generated_queries,
		    setup_schema, teardown_schema),
	};

	admin_url = getenv("DATABASE_URL");
	if (admin_url == NULL || *admin_url == '\0') {
		printf("test_db: DATABASE_URL unset, skipped\n");
		return (77);
	}
	return (cmocka_run_group_tests(tests, group_setup, group_teardown));
}
