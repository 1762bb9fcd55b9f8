/*
 * pool.h - the worker pool that runs blocking handlers.
 *
 * Why a pool: handlers make synchronous libpq calls.  Running them on
 * libmicrohttpd's few epoll I/O threads would let one slow query stall
 * every connection of that thread (measured: a 10 ms handler on a 2-thread
 * epoll pool serves ~195 req/s).  Thread-per-connection serves blocking
 * handlers well but costs ~35% on cheap requests.  So I/O stays on the
 * epoll threads, and a request whose operation may block is suspended
 * (MHD_suspend_connection), handed to this pool, and resumed when its
 * response is ready.  Each worker owns one database connection, so the
 * worker count is also the connection count and no request waits for a
 * connection.
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
