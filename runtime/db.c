/*
 * db.c - PostgreSQL: named queries, one lazy connection per worker,
 * transactions, migrations.
 *
 * Transactions: db_begin opens a transaction on the worker's connection; the db_exec
 * calls that follow run inside it until db_commit or db_rollback.
 * db_commit ends the transaction whatever its result: -1 with
 * DB_FAILED when an earlier statement failed (PostgreSQL answers such a
 * COMMIT with ROLLBACK), DB_UNAVAILABLE when the connection was lost.
 * db_rollback is always safe to call, costs nothing when no transaction
 * is open, and the worker should call it after every handler so that a
 * forgotten transaction never leaks into the next request.  When the
 * connection drops inside a transaction, db_exec and db_commit answer
 * DB_UNAVAILABLE until db_rollback: reconnecting silently would run the
 * rest of the handler's statements outside its transaction.
 *
 * db_conn returns the worker's connection (borrowed: do not PQfinish it),
 * connecting if needed, or NULL when PostgreSQL is unreachable.
 *
 * Named queries: the .sql files in sql/queries hold blocks headed
 * "-- name: QueryName :one|:many|:exec"; a block runs to the next header.
 * Whole-line comments and blank lines inside a block are dropped (so a
 * string literal must not hold a line starting with "--").  The kind is
 * recorded here; it is enforced by the generated functions
 * (generated/query.c, codegen -q), which handlers call instead of naming
 * queries, and which db_run checks against the result's columns.  The
 * number of parameters ($N) is checked by db_exec.  Call db_init before
 * any db_open.
 *
 * Each query is prepared under its own name on a connection the first
 * time it is used there (lazily): a worker typically touches a handful of
 * the queries, so preparing all of them on every (re)connect would cost
 * round trips for nothing, and a broken query still fails loudly (the
 * unit test runs every query).  Prepared statements outlive a rolled-back
 * transaction, so the per-connection "prepared" flags stay true.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "db.h"
#include "util.h"

/* pg_advisory_lock key serialising migrations: "migrate1" in ASCII. */
#define DB_MIGRATE_LOCK_KEY	"7883946363647714609"

/* Used when the URL does not say; a worker must not hang on a dead host. */
#define DB_CONNECT_TIMEOUT	"5"

enum db_kind {
	DB_KIND_ONE,
	DB_KIND_MANY,
	DB_KIND_EXEC
};

struct db_query {
	char		*name;		/* also the prepared statement's name */
	char		*sql;
	char		*file;		/* where it was defined, for messages */
	int		 line;
	int		 nparams;	/* highest $N in the SQL */
	enum db_kind	 kind;
};

struct db {
	PGconn		*conn;		/* NULL until connected */
	unsigned char	*prepared;	/* per db_queries entry, this conn */
	size_t		 nprepared;
	int		 in_tx;		/* db_begin called, not yet ended */
	int		 tx_lost;	/* connection dropped inside it */
	char		*error;		/* db_last_error */
	unsigned	 gen;		/* see db_generation */
	db_wait_fn	 wait;		/* NULL: poll() */
	void		*wait_arg;
};

/* Process-wide, written by db_init only, read-only afterwards. */
static char		*db_url;
static struct db_query	*db_queries;
static size_t		 db_nqueries;

static void		 db_set_error(struct db *, const char *, ...)
			    __attribute__((format(printf, 2, 3)));
static char		*db_flatten(char *);
static int		 db_connect(struct db *);
static void		 db_disconnect(struct db *);
static PGconn		*db_connect_url(const char *, int);
static int		 db_wait(struct db *, int, unsigned long long);
static PGresult		*db_roundtrip(struct db *, const struct db_query *,
			    const char *, int, const char *const *);
static int		 db_state_lost(const char *);
static enum db_error	 db_result_error(struct db *, const char *,
			    const PGresult *);
static struct db_query	*db_query_find(const char *);
static int		 db_query_cmp(const void *, const void *);
static int		 db_dirent_cmp(const struct dirent **,
			    const struct dirent **);
static int		 db_sql_filter(const struct dirent *);
static int		 db_visible_filter(const struct dirent *);
static char		*db_path(const char *, const char *);
static char		*db_read_file(const char *);
static int		 db_load_file(const char *);
static int		 db_add_query(const char *, int, const char *,
			    enum db_kind, char *);
static int		 db_parse_header(const char *, int, const char *,
			    char **, enum db_kind *);
static int		 db_is_header(const char *);
static int		 db_count_params(const char *);
static unsigned long long db_migration_number(const char *);
static int		 db_migration_cmp(const struct dirent **,
			    const struct dirent **);
static int		 db_migration_name_ok(const char *);
static int		 db_migrate_exec(PGconn *, const char *);
static int		 db_migrate_one(PGconn *, const char *, const char *);
static void		 db_migrate_report(const char *, const char *,
			    const PGresult *, PGconn *);

/* --- named queries --------------------------------------------------- */

int
db_init(const char *url, const char *queries_dir)
{
	struct dirent	**ents = NULL;
	char		 *path;
	int		  n = -1, i, errors = 0, ret = -1;

	db_cleanup();
	if (url != NULL)
		db_url = xstrdup(url);

	if ((n = scandir(queries_dir, &ents, db_sql_filter,
	    db_dirent_cmp)) == -1) {
		fprintf(stderr, "%s: %s\n", queries_dir, strerror(errno));
		goto out;
	}
	if (n == 0) {
		fprintf(stderr, "%s: no *.sql files\n", queries_dir);
		goto out;
	}
	for (i = 0; i < n; i++) {
		path = db_path(queries_dir, ents[i]->d_name);
		errors += db_load_file(path);
		free(path);
	}
	if (errors > 0)
		goto out;

	qsort(db_queries, db_nqueries, sizeof(*db_queries), db_query_cmp);
	ret = 0;
 out:
	for (i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	if (ret == -1)
		db_cleanup();
	return (ret);
}

void
db_cleanup(void)
{
	size_t	i;

	for (i = 0; i < db_nqueries; i++) {
		free(db_queries[i].name);
		free(db_queries[i].sql);
		free(db_queries[i].file);
	}
	free(db_queries);
	db_queries = NULL;
	db_nqueries = 0;
	free(db_url);
	db_url = NULL;
}

/*
 * One file: blocks start at a header line and run to the next.  Every
 * problem is printed as file:line: message; returns how many there were.
 */
static int
db_load_file(const char *path)
{
	FILE		*fp;
	char		*line = NULL, *name = NULL, *sql = NULL, *p;
	size_t		 cap = 0, sqllen = 0, len;
	ssize_t		 got;
	enum db_kind	 kind = DB_KIND_ONE;
	int		 lineno = 0, start = 0, errors = 0, skipping = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return (1);
	}
	for (;;) {
		got = getline(&line, &cap, fp);
		if (got == -1 || db_is_header(line)) {
			/* Close the block in progress. */
			if (name != NULL) {
				if (sql == NULL) {
					fprintf(stderr, "%s:%d: query %s has "
					    "no SQL\n", path, start, name);
					errors++;
				} else
					errors += db_add_query(path, start,
					    name, kind, sql);
				free(name);
				name = NULL;
				sql = NULL;	/* owned by db_add_query */
				sqllen = 0;
			}
			if (got == -1)
				break;
			lineno++;
			start = lineno;
			skipping = 0;
			if (db_parse_header(path, lineno, line, &name,
			    &kind) == -1) {
				errors++;
				skipping = 1;	/* no noise for its body */
			}
			continue;
		}
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		for (p = line; isspace((unsigned char)*p); p++)
			;
		if (*p == '\0' || strncmp(p, "--", 2) == 0)
			continue;
		if (name == NULL) {
			if (!skipping) {
				fprintf(stderr, "%s:%d: SQL outside a named "
				    "query (expected \"-- name: Name :one\" "
				    "first)\n", path, lineno);
				errors++;
				skipping = 1;
			}
			continue;
		}
		len = strlen(line);
		sql = xrealloc(sql, sqllen + len + 2);
		memcpy(sql + sqllen, line, len);
		sqllen += len;
		sql[sqllen++] = '\n';
		sql[sqllen] = '\0';
	}
	if (ferror(fp)) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		errors++;
	}
	free(line);
	fclose(fp);
	return (errors);
}

/* Takes sql.  Returns the number of errors (0 or 1). */
static int
db_add_query(const char *path, int line, const char *name,
    enum db_kind kind, char *sql)
{
	struct db_query	*q;
	size_t		 i;

	for (i = 0; i < db_nqueries; i++) {
		if (strcmp(db_queries[i].name, name) != 0)
			continue;
		fprintf(stderr, "%s:%d: duplicate query name %s (first "
		    "defined at %s:%d)\n", path, line, name,
		    db_queries[i].file, db_queries[i].line);
		free(sql);
		return (1);
	}
	db_queries = xrealloc(db_queries,
	    (db_nqueries + 1) * sizeof(*db_queries));
	q = &db_queries[db_nqueries++];
	q->name = xstrdup(name);
	q->sql = sql;
	q->file = xstrdup(path);
	q->line = line;
	q->nparams = db_count_params(sql);
	q->kind = kind;
	return (0);
}

/* A line that means to be a header: "-- name:" after optional blanks. */
static int
db_is_header(const char *line)
{
	while (isspace((unsigned char)*line))
		line++;
	if (strncmp(line, "--", 2) != 0)
		return (0);
	line += 2;
	while (*line == ' ' || *line == '\t')
		line++;
	return (strncmp(line, "name:", 5) == 0);
}

/* "-- name: QueryName :one" -> *name (allocated), *kind. */
static int
db_parse_header(const char *path, int lineno, const char *line,
    char **name, enum db_kind *kind)
{
	static const struct {
		const char	*word;
		enum db_kind	 kind;
	} kinds[] = {
		{ ":one", DB_KIND_ONE },
		{ ":many", DB_KIND_MANY },
		{ ":exec", DB_KIND_EXEC },
	};
	const char	*p, *end;
	size_t		 i, len;

	p = strstr(line, "name:") + 5;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!isalpha((unsigned char)*p) && *p != '_') {
		fprintf(stderr, "%s:%d: expected a query name after "
		    "\"name:\"\n", path, lineno);
		return (-1);
	}
	for (end = p; isalnum((unsigned char)*end) || *end == '_'; end++)
		;
	len = end - p;
	if (*end != ' ' && *end != '\t') {
		fprintf(stderr, "%s:%d: expected blanks then :one, :many or "
		    ":exec after the query name\n", path, lineno);
		return (-1);
	}
	while (*end == ' ' || *end == '\t')
		end++;
	for (i = 0; i < nitems(kinds); i++) {
		if (strncmp(end, kinds[i].word, strlen(kinds[i].word)) != 0)
			continue;
		*kind = kinds[i].kind;
		end += strlen(kinds[i].word);
		break;
	}
	if (i == nitems(kinds)) {
		fprintf(stderr, "%s:%d: expected :one, :many or :exec after "
		    "the query name\n", path, lineno);
		return (-1);
	}
	while (isspace((unsigned char)*end))
		end++;
	if (*end != '\0') {
		fprintf(stderr, "%s:%d: unexpected text after the query "
		    "kind\n", path, lineno);
		return (-1);
	}
	*name = xmalloc(len + 1);
	memcpy(*name, p, len);
	(*name)[len] = '\0';
	return (0);
}

/*
 * The highest $N outside literals, identifiers and comments: the number
 * of parameters PostgreSQL will expect.  Checking it before sending gives
 * a clear message, and a mismatch would otherwise come back as SQLSTATE
 * 08P01, which looks like a lost connection.
 */
static int
db_count_params(const char *sql)
{
	const char	*p = sql, *tag, *close;
	char		*end;
	size_t		 taglen;
	long		 n;
	int		 max = 0;

	while (*p != '\0') {
		if (*p == '\'' || *p == '"') {
			/* '' and "" escape themselves: scanning on works. */
			close = strchr(p + 1, *p);
			p = close ? close + 1 : p + strlen(p);
		} else if (p[0] == '-' && p[1] == '-') {
			p += strcspn(p, "\n");
		} else if (p[0] == '/' && p[1] == '*') {
			close = strstr(p + 2, "*/");
			p = close ? close + 2 : p + strlen(p);
		} else if (*p == '$' && isdigit((unsigned char)p[1])) {
			n = strtol(p + 1, &end, 10);
			if (n > max && n < 65536)
				max = (int)n;
			p = end;
		} else if (*p == '$') {
			/* Dollar quoting: $tag$ ... $tag$. */
			tag = p;
			for (p++; isalnum((unsigned char)*p) || *p == '_'; p++)
				;
			if (*p != '$')
				continue;
			taglen = p + 1 - tag;
			p++;
			while (*p != '\0' && strncmp(p, tag, taglen) != 0)
				p++;
			if (*p != '\0')
				p += taglen;
		} else
			p++;
	}
	return (max);
}

static struct db_query *
db_query_find(const char *name)
{
	struct db_query	key;

	if (db_nqueries == 0)
		return (NULL);
	key.name = (char *)name;
	return (bsearch(&key, db_queries, db_nqueries, sizeof(*db_queries),
	    db_query_cmp));
}

static int
db_query_cmp(const void *a, const void *b)
{
	const struct db_query	*qa = a, *qb = b;

	return (strcmp(qa->name, qb->name));
}

/* Byte order, not the locale's: the same order on every machine. */
static int
db_dirent_cmp(const struct dirent **a, const struct dirent **b)
{
	return (strcmp((*a)->d_name, (*b)->d_name));
}

static int
db_sql_filter(const struct dirent *d)
{
	size_t	len = strlen(d->d_name);

	return (d->d_name[0] != '.' && d->d_type != DT_DIR && len > 4 &&
	    strcmp(d->d_name + len - 4, ".sql") == 0);
}

static int
db_visible_filter(const struct dirent *d)
{
	return (d->d_name[0] != '.' && d->d_type != DT_DIR);
}

static char *
db_path(const char *dir, const char *name)
{
	size_t	 dlen = strlen(dir), nlen = strlen(name);
	char	*p;

	p = xmalloc(dlen + nlen + 2);
	memcpy(p, dir, dlen);
	p[dlen] = '/';
	memcpy(p + dlen + 1, name, nlen + 1);
	return (p);
}

/* The whole file, NUL-terminated; NULL with errno set. */
static char *
db_read_file(const char *path)
{
	FILE	*fp;
	char	*buf = NULL;
	size_t	 len = 0, cap = 0, got;
	int	 saved;

	if ((fp = fopen(path, "r")) == NULL)
		return (NULL);
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = xrealloc(buf, cap);
		}
		got = fread(buf + len, 1, cap - len - 1, fp);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(fp)) {
		saved = errno;
		free(buf);
		fclose(fp);
		errno = saved;
		return (NULL);
	}
	fclose(fp);
	buf[len] = '\0';
	return (buf);
}

/* --- connections ----------------------------------------------------- */

struct db *
db_open(void)
{
	struct db	*db;

	db = xcalloc(1, sizeof(*db));
	return (db);
}

void
db_close(struct db *db)
{
	if (db == NULL)
		return;
	if (db->conn != NULL)
		PQfinish(db->conn);
	free(db->prepared);
	free(db->error);
	free(db);
}

const char *
db_last_error(struct db *db)
{
	return (db->error != NULL ? db->error : "");
}

PGconn *
db_conn(struct db *db)
{
	if (db_connect(db) == -1)
		return (NULL);
	return (db->conn);
}

/*
 * The URL's own settings win over our default timeout: libpq lets later
 * keywords override earlier ones, and dbname is expanded in place.
 * blocking: connected (or failed) on return; otherwise only started,
 * for db_connect to drive without blocking.
 */
static PGconn *
db_connect_url(const char *url, int blocking)
{
	const char	*const keys[] = { "connect_timeout", "dbname", NULL };
	const char	*const vals[] = { DB_CONNECT_TIMEOUT, url, NULL };
	PGconn		*conn;

	conn = blocking ? PQconnectdbParams(keys, vals, 1) :
	    PQconnectStartParams(keys, vals, 1);
	if (conn == NULL)
		fatal("libpq: out of memory connecting");
	return (conn);
}

/* The connection's connect_timeout in seconds (the URL's or ours). */
static int
db_connect_timeout(PGconn *conn)
{
	PQconninfoOption	*opts, *o;
	int			 secs = atoi(DB_CONNECT_TIMEOUT);

	if ((opts = PQconninfo(conn)) == NULL)
		return (secs);
	for (o = opts; o->keyword != NULL; o++)
		if (strcmp(o->keyword, "connect_timeout") == 0 &&
		    o->val != NULL && *o->val != '\0')
			secs = atoi(o->val);
	PQconninfoFree(opts);
	/* libpq's own rule: 0 is forever, and at least 2 seconds. */
	return (secs <= 0 ? 0 : secs < 2 ? 2 : secs);
}

unsigned
db_generation(const struct db *db)
{
	return (db->gen);
}

void
db_set_wait(struct db *db, db_wait_fn wait, void *arg)
{
	db->wait = wait;
	db->wait_arg = arg;
}

/*
 * Wait until the socket is ready for events (POLLIN, POLLOUT) or the
 * deadline (util_now_ns; 0: none) passes: 0 ready, -1 not.  With a wait
 * function (loop.c) the handler's coroutine yields meanwhile.
 */
static int
db_wait(struct db *db, int events, unsigned long long deadline)
{
	struct pollfd		 pfd;
	unsigned long long	 now;
	int			 ms = -1, fd = PQsocket(db->conn);

	if (fd < 0)
		return (-1);
	if (deadline != 0) {
		now = util_now_ns();
		if (now >= deadline)
			return (-1);
		ms = (int)((deadline - now + 999999) / 1000000);
	}
	if (db->wait != NULL)
		return (db->wait(db->wait_arg, fd, events, ms));
	pfd.fd = fd;
	pfd.events = (short)events;
	pfd.revents = 0;
	for (;;) {
		switch (poll(&pfd, 1, ms)) {
		case -1:
			if (errno == EINTR)
				continue;
			return (-1);
		case 0:
			return (-1);
		default:
			return (0);
		}
	}
}

/*
 * One statement on db->conn, which is in nonblocking mode: a named query
 * (q, with params), its preparation (q, sql non-NULL) or plain SQL (q
 * NULL).  Sends it, waits for the answer without blocking the loop, and
 * returns its result (the caller PQclear()s it); NULL when it could not
 * be sent or the connection failed, with PQerrorMessage saying why.
 */
static PGresult *
db_roundtrip(struct db *db, const struct db_query *q, const char *sql,
    int nparams, const char *const *params)
{
	PGconn		*c = db->conn;
	PGresult	*res, *first = NULL;
	int		 ok, r;

	if (q == NULL)
		ok = PQsendQuery(c, sql);
	else if (sql != NULL)
		ok = PQsendPrepare(c, q->name, sql, 0, NULL);
	else
		ok = PQsendQueryPrepared(c, q->name, nparams, params, NULL,
		    NULL, 0);
	if (!ok)
		return (NULL);
	/* Send it all, reading meanwhile so the server never stalls. */
	while ((r = PQflush(c)) == 1) {
		if (db_wait(db, POLLIN | POLLOUT, 0) == -1 ||
		    !PQconsumeInput(c))
			return (NULL);
	}
	if (r == -1)
		return (NULL);
	for (;;) {
		while (PQisBusy(c)) {
			if (db_wait(db, POLLIN, 0) == -1 ||
			    !PQconsumeInput(c)) {
				PQclear(first);
				return (NULL);
			}
		}
		if ((res = PQgetResult(c)) == NULL)
			break;
		/* One statement: its result, then NULL; keep the first. */
		if (first == NULL)
			first = res;
		else
			PQclear(res);
	}
	return (first);
}

/* 0 when db->conn is usable, -1 (error set) when it is not. */
static int
db_connect(struct db *db)
{
	PGresult		*res = NULL;
	PostgresPollingStatusType st;
	unsigned long long	 deadline;
	int			 ret = -1, timeout;

	/* Broken by a caller of db_conn, or by the server between calls. */
	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_BAD)
		db_disconnect(db);
	if (db->tx_lost) {
		db_set_error(db, "connection lost inside a transaction; "
		    "db_rollback first");
		return (-1);
	}
	if (db->conn != NULL)
		return (0);
	if (db_url == NULL) {
		db_set_error(db, "no database URL (db_init not called)");
		return (-1);
	}

	db->conn = db_connect_url(db_url, 0);
	if (PQstatus(db->conn) == CONNECTION_BAD) {
		db_set_error(db, "connect: %s", PQerrorMessage(db->conn));
		goto out;
	}
	timeout = db_connect_timeout(db->conn);
	deadline = timeout ? util_now_ns() +
	    (unsigned long long)timeout * 1000000000ULL : 0;
	/* libpq's PQconnectPoll protocol: wait for what it asks. */
	st = PGRES_POLLING_WRITING;
	while (st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
		/* libpq may open another socket at each step. */
		db->gen++;
		if (db_wait(db, st == PGRES_POLLING_READING ? POLLIN : POLLOUT,
		    deadline) == -1) {
			db_set_error(db, "connect: timeout expired");
			goto out;
		}
		st = PQconnectPoll(db->conn);
	}
	if (st == PGRES_POLLING_FAILED) {
		db_set_error(db, "connect: %s", PQerrorMessage(db->conn));
		goto out;
	}
	if (PQsetnonblocking(db->conn, 1) == -1) {
		db_set_error(db, "connect: %s", PQerrorMessage(db->conn));
		goto out;
	}
	/* Queries format timestamps as UTC themselves; this covers the
	 * rest (casts to text, callers of db_conn). */
	res = db_roundtrip(db, NULL, "SET TIME ZONE 'UTC'", 0, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		db_set_error(db, "connect: SET TIME ZONE: %s",
		    res ? PQresultErrorMessage(res) : PQerrorMessage(db->conn));
		goto out;
	}
	/* A new session has no prepared statements. */
	free(db->prepared);
	db->prepared = xcalloc(db_nqueries ? db_nqueries : 1, 1);
	db->nprepared = db_nqueries;
	ret = 0;
 out:
	PQclear(res);
	if (ret == -1)
		db_disconnect(db);
	return (ret);
}

static void
db_disconnect(struct db *db)
{
	if (db->conn == NULL)
		return;
	PQfinish(db->conn);
	db->conn = NULL;
	if (db->in_tx)
		db->tx_lost = 1;
}

/*
 * SQLSTATEs after which the session is gone: class 08 (connection
 * exception) except 08P01, which a bad Bind also raises on a healthy
 * connection; 57P01-57P03 (admin shutdown, crash shutdown, cannot
 * connect now).
 */
static int
db_state_lost(const char *state)
{
	if (state == NULL)
		return (0);
	if (strncmp(state, "08", 2) == 0)
		return (strcmp(state, "08P01") != 0);
	return (strcmp(state, "57P01") == 0 || strcmp(state, "57P02") == 0 ||
	    strcmp(state, "57P03") == 0);
}

/*
 * Records why a statement failed and maps it to a db_error.  A lost
 * connection is closed (the next call reconnects); the statement is not
 * retried, since it may have run.
 */
static enum db_error
db_result_error(struct db *db, const char *what, const PGresult *res)
{
	const char	*state = NULL, *msg = "";

	if (res != NULL) {
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		msg = PQresultErrorMessage(res);
	}
	if (*msg == '\0')
		msg = PQerrorMessage(db->conn);
	if (*msg == '\0')
		msg = "unexpected result status";
	db_set_error(db, "%s: %s%s%s", what, msg, state ? " SQLSTATE " : "",
	    state ? state : "");

	if (PQstatus(db->conn) == CONNECTION_BAD || db_state_lost(state)) {
		db_disconnect(db);
		return (DB_UNAVAILABLE);
	}
	if (state != NULL && strcmp(state, "23505") == 0)
		return (DB_UNIQUE_VIOLATION);
	if (state != NULL && strcmp(state, "23503") == 0)
		return (DB_FOREIGN_KEY);
	if (state != NULL && strcmp(state, "23502") == 0)
		return (DB_NOT_NULL);
	if (state != NULL && strcmp(state, "23514") == 0)
		return (DB_CHECK);
	return (DB_FAILED);
}

PGresult *
db_exec(struct db *db, const char *name, int nparams,
    const char *const *params, enum db_error *err)
{
	struct db_query	*q;
	PGresult	*res = NULL;
	size_t		 i;
	enum db_error	 e = DB_FAILED;

	if ((q = db_query_find(name)) == NULL) {
		db_set_error(db, "%s: unknown query (not in any "
		    "queries/*.sql file)", name);
		goto out;
	}
	if (nparams != q->nparams) {
		db_set_error(db, "%s: takes %d parameter(s), got %d", name,
		    q->nparams, nparams);
		goto out;
	}
	if (db_connect(db) == -1) {
		e = DB_UNAVAILABLE;
		goto out;
	}

	i = q - db_queries;
	if (i >= db->nprepared || !db->prepared[i]) {
		res = db_roundtrip(db, q, q->sql, 0, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			e = db_result_error(db, q->name, res);
			PQclear(res);
			res = NULL;
			goto out;
		}
		PQclear(res);
		res = NULL;
		if (i < db->nprepared)
			db->prepared[i] = 1;
	}

	res = db_roundtrip(db, q, NULL, nparams, params);
	switch (PQresultStatus(res)) {
	case PGRES_TUPLES_OK:
	case PGRES_COMMAND_OK:
		e = DB_OK;
		break;
	default:
		e = db_result_error(db, q->name, res);
		PQclear(res);
		res = NULL;
		break;
	}
 out:
	if (err != NULL)
		*err = e;
	return (res);
}

PGresult *
db_run(struct db *db, const struct db_stmt *st, const char *const *params,
    enum db_error *err)
{
	PGresult	*res;

	if ((res = db_exec(db, st->name, st->nparams, params, err)) == NULL)
		return (NULL);
	if (PQnfields(res) != st->ncols) {
		db_set_error(db, "%s: returns %d column(s), the generated code "
		    "reads %d (sql/queries and generated/query.c disagree: "
		    "run make)", st->name, PQnfields(res), st->ncols);
		PQclear(res);
		if (err != NULL)
			*err = DB_FAILED;
		return (NULL);
	}
	return (res);
}

/* --- transactions ---------------------------------------------------- */

int
db_begin(struct db *db, enum db_error *err)
{
	PGresult	*res = NULL;
	enum db_error	 e = DB_FAILED;
	int		 ret = -1;

	if (db->in_tx) {
		db_set_error(db, "BEGIN: a transaction is already open");
		goto out;
	}
	if (db_connect(db) == -1) {
		e = DB_UNAVAILABLE;
		goto out;
	}
	res = db_roundtrip(db, NULL, "BEGIN", 0, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		e = db_result_error(db, "BEGIN", res);
		goto out;
	}
	db->in_tx = 1;
	e = DB_OK;
	ret = 0;
 out:
	PQclear(res);
	if (err != NULL)
		*err = e;
	return (ret);
}

int
db_commit(struct db *db, enum db_error *err)
{
	PGresult	*res = NULL;
	enum db_error	 e = DB_FAILED;
	int		 ret = -1;

	if (!db->in_tx) {
		db_set_error(db, "COMMIT: no transaction is open");
		goto out;
	}
	if (db_connect(db) == -1) {
		e = DB_UNAVAILABLE;
		goto end;
	}
	res = db_roundtrip(db, NULL, "COMMIT", 0, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		e = db_result_error(db, "COMMIT", res);
		goto end;
	}
	/* COMMIT of a transaction that had an error answers ROLLBACK. */
	if (strcmp(PQcmdStatus(res), "COMMIT") != 0) {
		db_set_error(db, "COMMIT: the transaction was rolled back "
		    "(an earlier statement failed)");
		goto end;
	}
	e = DB_OK;
	ret = 0;
 end:
	db_rollback(db);	/* no-op unless the server is still in it */
 out:
	PQclear(res);
	if (err != NULL)
		*err = e;
	return (ret);
}

void
db_rollback(struct db *db)
{
	PGresult	*res;

	if (db->conn != NULL) {
		switch (PQtransactionStatus(db->conn)) {
		case PQTRANS_IDLE:
			break;
		case PQTRANS_INTRANS:
		case PQTRANS_INERROR:
			res = db_roundtrip(db, NULL, "ROLLBACK", 0, NULL);
			if (PQresultStatus(res) != PGRES_COMMAND_OK)
				db_result_error(db, "ROLLBACK", res);
			PQclear(res);
			break;
		default:
			/* Busy or broken: start afresh. */
			db_disconnect(db);
			break;
		}
	}
	db->in_tx = 0;
	db->tx_lost = 0;
}

/* --- errors ---------------------------------------------------------- */

static void
db_set_error(struct db *db, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;
	int	 len;

	va_start(ap, fmt);
	len = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (len == -1)
		fatal("db_set_error: out of memory");
	free(db->error);
	db->error = db_flatten(msg);
}

/* libpq messages span lines; a log line must not.  Works in place. */
static char *
db_flatten(char *s)
{
	char	*w = s, *r;

	for (r = s; *r != '\0'; r++) {
		if (*r == '\n' || *r == '\r' || *r == '\t') {
			if (w > s && w[-1] != ' ')
				*w++ = ' ';
			continue;
		}
		if (*r == ' ' && w > s && w[-1] == ' ')
			continue;
		*w++ = *r;
	}
	while (w > s && w[-1] == ' ')
		w--;
	*w = '\0';
	return (s);
}

/* --- migrations ------------------------------------------------------ */

int
db_migrate(const char *url, const char *dir)
{
	struct dirent	**ents = NULL;
	PGconn		 *conn = NULL;
	char		 *path;
	int		  n = -1, i, errors = 0, locked = 0, ret = -1;

	/* Names first: a bad directory needs no database to report. */
	if ((n = scandir(dir, &ents, db_visible_filter,
	    db_migration_cmp)) == -1) {
		fprintf(stderr, "migrate: %s: %s\n", dir, strerror(errno));
		goto out;
	}
	for (i = 0; i < n; i++) {
		path = db_path(dir, ents[i]->d_name);
		if (!db_migration_name_ok(ents[i]->d_name)) {
			fprintf(stderr, "%s: a migration is named like "
			    "001_name.sql (digits, '_', [a-z0-9_])\n", path);
			errors++;
		} else if (i > 0 && db_migration_name_ok(ents[i - 1]->d_name) &&
		    db_migration_number(ents[i - 1]->d_name) ==
		    db_migration_number(ents[i]->d_name)) {
			fprintf(stderr, "%s: same number as %s\n", path,
			    ents[i - 1]->d_name);
			errors++;
		}
		free(path);
	}
	if (errors > 0)
		goto out;

	conn = db_connect_url(url, 1);
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "migrate: cannot connect: %s",
		    PQerrorMessage(conn));
		goto out;
	}
	/* NOTICEs ("already exists, skipping") are noise here. */
	if (db_migrate_exec(conn, "SET client_min_messages = warning") == -1 ||
	    db_migrate_exec(conn, "SET TIME ZONE 'UTC'") == -1)
		goto out;
	/* Session-level: held across the per-file transactions. */
	if (db_migrate_exec(conn,
	    "SELECT pg_advisory_lock(" DB_MIGRATE_LOCK_KEY ")") == -1)
		goto out;
	locked = 1;
	if (db_migrate_exec(conn,
	    "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "version text PRIMARY KEY, "
	    "applied_at timestamptz NOT NULL DEFAULT now())") == -1)
		goto out;
	for (i = 0; i < n; i++)
		if (db_migrate_one(conn, dir, ents[i]->d_name) == -1)
			goto out;
	ret = 0;
 out:
	if (locked && PQstatus(conn) == CONNECTION_OK)
		(void)db_migrate_exec(conn, "SELECT pg_advisory_unlock("
		    DB_MIGRATE_LOCK_KEY ")");
	if (conn != NULL)
		PQfinish(conn);
	for (i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	return (ret);
}

/* ^[0-9]{3,}_[a-z0-9_]+\.sql$ */
static int
db_migration_name_ok(const char *name)
{
	const char	*p;
	size_t		 len = strlen(name);

	for (p = name; *p >= '0' && *p <= '9'; p++)
		;
	if (p - name < 3 || *p != '_')
		return (0);
	if (len < 4 || strcmp(name + len - 4, ".sql") != 0)
		return (0);
	if (++p >= name + len - 4)
		return (0);
	for (; p < name + len - 4; p++)
		if ((*p < 'a' || *p > 'z') && (*p < '0' || *p > '9') &&
		    *p != '_')
			return (0);
	return (1);
}

static unsigned long long
db_migration_number(const char *name)
{
	return (strtoull(name, NULL, 10));
}

/* By number, so 1000_x follows 999_y; then by name. */
static int
db_migration_cmp(const struct dirent **a, const struct dirent **b)
{
	unsigned long long	na, nb;

	na = db_migration_number((*a)->d_name);
	nb = db_migration_number((*b)->d_name);
	if (na != nb)
		return (na < nb ? -1 : 1);
	return (strcmp((*a)->d_name, (*b)->d_name));
}

static int
db_migrate_exec(PGconn *conn, const char *sql)
{
	PGresult	*res;
	int		 ret = -1;

	res = PQexec(conn, sql);
	switch (PQresultStatus(res)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
		ret = 0;
		break;
	default:
		fprintf(stderr, "migrate: %s: %s", sql,
		    PQresultErrorMessage(res));
		break;
	}
	PQclear(res);
	return (ret);
}

/* Applies dir/name unless recorded; prints why when it fails. */
static int
db_migrate_one(PGconn *conn, const char *dir, const char *name)
{
	PGresult	*res = NULL;
	const char	*params[1];
	char		*path, *version, *sql = NULL;
	int		 began = 0, ret = -1;

	path = db_path(dir, name);
	version = xstrdup(name);
	version[strlen(version) - 4] = '\0';	/* ".sql" */
	params[0] = version;

	res = PQexecParams(conn,
	    "SELECT 1 FROM schema_migrations WHERE version = $1",
	    1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		db_migrate_report(path, NULL, res, conn);
		goto out;
	}
	if (PQntuples(res) > 0) {
		ret = 0;
		goto out;
	}
	PQclear(res);
	res = NULL;

	if ((sql = db_read_file(path)) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		goto out;
	}
	if (db_migrate_exec(conn, "BEGIN") == -1)
		goto out;
	began = 1;

	/* Simple query protocol: the file may hold many statements. */
	res = PQexec(conn, sql);
	switch (PQresultStatus(res)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
	case PGRES_EMPTY_QUERY:
		break;
	default:
		db_migrate_report(path, sql, res, conn);
		goto out;
	}
	if (PQtransactionStatus(conn) != PQTRANS_INTRANS) {
		fprintf(stderr, "%s: the file ended the transaction itself "
		    "(COMMIT or ROLLBACK inside a migration); its effects "
		    "may be partly committed\n", path);
		began = 0;
		goto out;
	}
	PQclear(res);

	res = PQexecParams(conn,
	    "INSERT INTO schema_migrations (version) VALUES ($1)",
	    1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		db_migrate_report(path, NULL, res, conn);
		goto out;
	}
	PQclear(res);

	res = PQexec(conn, "COMMIT");
	if (PQresultStatus(res) != PGRES_COMMAND_OK ||
	    strcmp(PQcmdStatus(res), "COMMIT") != 0) {
		db_migrate_report(path, NULL, res, conn);
		goto out;
	}
	began = 0;
	fprintf(stderr, "migrate: applied %s\n", name);
	ret = 0;
 out:
	if (began && PQstatus(conn) == CONNECTION_OK)
		(void)db_migrate_exec(conn, "ROLLBACK");
	PQclear(res);
	free(sql);
	free(version);
	free(path);
	return (ret);
}

/*
 * "file:line: message" when PostgreSQL gave a position in sql (counted
 * in characters, so UTF-8 continuation bytes do not count), else
 * "file: message".
 */
static void
db_migrate_report(const char *path, const char *sql, const PGresult *res,
    PGconn *conn)
{
	const char	*primary, *detail, *pos, *p;
	long		 want, chars = 0;
	int		 line = 1;

	primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	pos = PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION);
	if (primary == NULL) {
		primary = PQerrorMessage(conn);
		if (*primary == '\0')
			primary = "unexpected result";
	}
	if (sql != NULL && pos != NULL && (want = strtol(pos, NULL, 10)) > 0) {
		for (p = sql; *p != '\0'; p++) {
			if (((unsigned char)*p & 0xc0) != 0x80 &&
			    ++chars >= want)
				break;
			if (*p == '\n')
				line++;
		}
		fprintf(stderr, "%s:%d: ", path, line);
	} else
		fprintf(stderr, "%s: ", path);
	fprintf(stderr, "%.*s", (int)strcspn(primary, "\n"), primary);
	if (detail != NULL)
		fprintf(stderr, " (%.*s)", (int)strcspn(detail, "\n"), detail);
	fputc('\n', stderr);
}
