/*
 * db.h - PostgreSQL: connections that never block their thread,
 * migrations, named queries.
 *
 * A struct db is one PGconn, used by one handler at a time: a slot of an
 * Kore worker's event loop (loop.h), whose handler's coroutine yields
 * while the statement runs, or a pool worker (pool.h), which waits in
 * poll().  No locking is needed.  Connections are opened lazily and
 * reopened after a failure, so the server recovers by itself when
 * PostgreSQL comes back; while it is down db_exec answers -1 with
 * DB_UNAVAILABLE and the runtime answers 503.
 *
 * Named queries live in sql/queries/NAME.sql as blocks headed
 * "-- name: PostGet :one" and are prepared on each connection when it
 * opens.  No SQL is built from request data.
 */
#ifndef RUNTIME_DB_H
#define RUNTIME_DB_H

#include <libpq-fe.h>

struct db;

enum db_error {
	DB_OK = 0,
	DB_UNAVAILABLE,		/* cannot connect: 503 */
	DB_UNIQUE_VIOLATION,	/* SQLSTATE 23505 */
	DB_FOREIGN_KEY,		/* SQLSTATE 23503 */
	DB_NOT_NULL,		/* SQLSTATE 23502 */
	DB_CHECK,		/* SQLSTATE 23514 */
	DB_FAILED,		/* anything else: 500, detail logged */
	DB_NOT_FOUND		/* a generated :one query found no row */
};

/* Process-wide: load the named queries (once, at start-up). */
int		 db_init(const char *url, const char *queries_dir);
void		 db_cleanup(void);

/* Apply sql/migrations/NNN_name.sql files not yet recorded in the
 * schema_migrations table, in order, each in its own transaction, under
 * an advisory lock so concurrent starts do not race. 0 ok, -1 error. */
int		 db_migrate(const char *url, const char *dir);

struct db	*db_open(void);		/* per slot or worker; lazy connect */
/*
 * How the connection waits for its socket (events: POLLIN, POLLOUT;
 * timeout_ms -1: none): 0 ready, -1 timed out.  Without one it blocks in
 * poll(); loop.c gives each of its slots one that yields the handler's
 * coroutine to the event loop instead.  Every statement goes through it:
 * the connection is in nonblocking mode.
 */
typedef int	(*db_wait_fn)(void *arg, int fd, int events, int timeout_ms);
void		 db_set_wait(struct db *, db_wait_fn, void *arg);
/* Changes whenever the connection's socket may have changed (a connect
 * step), so a wait function knows to watch the descriptor anew even when
 * the kernel gave the new socket the old number. */
unsigned	 db_generation(const struct db *);
void		 db_close(struct db *);
/* Runs a named query with text parameters (NULL = SQL NULL).  Returns a
 * PGresult the caller PQclear()s, or NULL with *err set. */
PGresult	*db_exec(struct db *, const char *name, int nparams,
		    const char *const *params, enum db_error *err);
/*
 * A statement as the generated query functions (generated/query.c) know
 * it: the query's name, its parameter count, and the number of columns
 * its result has (0 for a statement without rows).  db_run is db_exec
 * that also checks the result has those columns, so SQL loaded from
 * another QUERIES_DIR than the one the code was generated from fails
 * loudly (DB_FAILED) instead of being read by the wrong column numbers.
 */
struct db_stmt {
	const char	*name;
	int		 nparams;
	int		 ncols;
};
PGresult	*db_run(struct db *, const struct db_stmt *,
		    const char *const *params, enum db_error *err);
/*
 * A handler's transaction: db_exec calls between db_begin and db_commit /
 * db_rollback run inside it.  db_commit always ends it (-1 with DB_FAILED
 * when an earlier statement failed).  If the connection drops inside a
 * transaction, everything answers DB_UNAVAILABLE until db_rollback - no
 * silent reconnect halfway through.  db_rollback is free without a
 * transaction; the worker pool calls it after every handler.
 */
int		 db_begin(struct db *, enum db_error *);
int		 db_commit(struct db *, enum db_error *);
void		 db_rollback(struct db *);
/* The worker's connection (borrowed), connecting if needed; NULL when
 * PostgreSQL is unreachable. */
PGconn		*db_conn(struct db *);

/* The last error's detail (for the log only, never for clients). */
const char	*db_last_error(struct db *);

#endif
