/*
 * loop.h - the I/O threads: one event loop per thread, each driving its
 * own libmicrohttpd daemon and its own PostgreSQL connections.
 *
 * Why: the handlers of database operations used to run on a worker pool,
 * each request suspended, handed to a worker thread and resumed.  On two
 * CPUs that hand-off, and the worker's sleep in poll() while PostgreSQL
 * works, were most of the cost of a request (bench/RESULTS.md).  Here a
 * handler runs where its request was parsed, as a coroutine (coro.h) on
 * one of its loop's slots; a slot is a coroutine stack plus one database
 * connection.  When the handler waits for PostgreSQL, db.c yields to the
 * loop, which goes on with other connections and resumes the handler
 * when the socket is ready.  No thread is woken for a database request
 * and no request waits behind another's query.
 *
 * Each loop runs its daemon in libmicrohttpd's external epoll mode: the
 * daemon's epoll descriptor sits in the loop's epoll set beside the
 * database sockets.  The daemons share one listening socket, as the
 * workers of libmicrohttpd's own thread pool do.
 *
 * A request takes a slot for the whole handler (so a transaction is
 * never shared) and waits in its loop's FIFO queue while all the slots
 * are busy.  Operations that block on anything else (file uploads, with
 * their fsync) or burn CPU (password hashing) stay on the worker pools
 * (pool.h).
 */
#ifndef RUNTIME_LOOP_H
#define RUNTIME_LOOP_H

struct db;
struct loop;
struct MHD_Daemon;

struct loop_job {
	/* On the loop's thread, in a coroutine, with the slot's connection. */
	void		(*run)(struct loop_job *, struct db *);
	/* run returned after loop_submit had answered 0 (the connection
	 * waits, suspended): wake it. */
	void		(*done)(struct loop_job *);
	/* Shutdown while still queued: run never will. */
	void		(*cancel)(struct loop_job *);
	struct loop_job	*next;
};

/*
 * Start one thread per daemon, each with slots coroutine slots (one
 * database connection each, connected on first use).  The daemons must
 * have been started with MHD_USE_EPOLL (no internal thread).
 * 0 ok, -1 when a thread cannot be started (nothing is left running).
 */
int	loop_start(struct MHD_Daemon **, int ndaemons, int slots);
/*
 * On a loop thread (libmicrohttpd's callbacks): run job on a free slot.
 * 1: run has already returned; 0: it is waiting (for PostgreSQL, or for
 * a slot), and done will be called on this thread once it has returned.
 */
int	loop_submit(struct loop_job *);
/*
 * For a connection suspended on loop l and resumed from another thread
 * (a pool worker): MHD_resume_connection, then loop_wake(l), so that the
 * loop runs its daemon at once (libmicrohttpd's own signal does not wake
 * an external epoll loop: measured, the answer waited for the loop's 1 s
 * timeout).  loop_current is the calling loop thread's, or NULL.
 */
struct loop	*loop_current(void);
void		 loop_wake(struct loop *);
/* Each loop stops accepting (MHD_quiesce_daemon), from its own thread;
 * returns once all have. */
void	loop_quiesce(void);
/* Queued jobs are cancelled; running ones go on. */
void	loop_cancel_queued(void);
/* Stop the daemons (from their threads), join, free.  No-op when not
 * started. */
void	loop_stop(void);
/* Jobs queued or running, over all loops (diagnostics, tests). */
int	loop_pending(void);

#endif
