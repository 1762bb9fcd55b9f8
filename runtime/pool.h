/*
 * pool.h - worker pools for handlers that block on something other than
 * PostgreSQL.
 *
 * Database handlers run on their Kore worker's event loop (loop.h): they
 * only wait for PostgreSQL, and that wait yields.  A handler that blocks
 * otherwise - an upload's write and fsync, or an Argon2id hash that is
 * tens of milliseconds of CPU - would stall every connection of its
 * worker (measured: a 10 ms handler on a 2-thread epoll pool serves ~195
 * req/s).  So its request sleeps in Kore (http_request_sleep), is handed
 * to a pool and woken when its response is ready (server.c).  Each worker owns one
 * database connection.
 */
#ifndef RUNTIME_POOL_H
#define RUNTIME_POOL_H

struct db;
struct pool;

struct pool_job {
	void		(*run)(struct pool_job *, struct db *);
	void		(*cancel)(struct pool_job *);	/* shutdown: not run */
	struct pool_job	*next;
};

/*
 * A pool of nworkers threads, each with its own database connection
 * (connected on first use), taking jobs in FIFO order.  The server runs
 * two: the database pool (WORKERS) for ordinary operations, and the CPU
 * pool (CPU_WORKERS) for operations marked x-cpu-bound, so that password
 * hashing - tens of milliseconds of one core, 64 MiB each - neither
 * holds the database workers nor runs more than a core's worth at once.
 * name is for diagnostics.  NULL when a thread cannot be started.
 */
struct pool	*pool_start(const char *name, int nworkers);
void		 pool_submit(struct pool *, struct pool_job *);
/* Finish the jobs that are running, cancel the queued ones, join, free.
 * NULL is a no-op. */
void		 pool_stop(struct pool *);
int		 pool_pending(struct pool *);

#endif
