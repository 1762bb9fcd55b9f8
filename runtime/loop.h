/*
 * loop.h - database handlers as coroutines on the Kore worker's event
 * loop, each holding one of the worker's PostgreSQL connections.
 *
 * Why: handlers are plain synchronous C calling prepared statements.
 * Handing each request to a thread and back cost more than the query
 * (bench/RESULTS.md); Kore's own pgsql layer has no prepared statements
 * and wants handlers written as state machines.  Here a handler runs in
 * the worker that parsed its request, as a coroutine (coro.h) on one of
 * the worker's slots; a slot is a coroutine stack plus one database
 * connection.  When the handler waits for PostgreSQL, db.c yields; the
 * connection's socket is in Kore's epoll set (a struct kore_event of
 * ours), so Kore goes on serving other connections and our event handler
 * resumes the handler when the socket is ready.  No thread is woken for a
 * database request.
 *
 * A request takes a slot for the whole handler (a transaction is never
 * shared) and waits in the worker's FIFO queue while all slots are busy.
 * Everything here runs on the worker's one thread.
 */
#ifndef RUNTIME_LOOP_H
#define RUNTIME_LOOP_H

struct db;

struct loop_job {
	/* In a coroutine, with the slot's connection. */
	void		(*run)(struct loop_job *, struct db *);
	/* run returned after loop_submit had answered 0. */
	void		(*done)(struct loop_job *);
	/* Shutdown while still queued: run never will. */
	void		(*cancel)(struct loop_job *);
	struct loop_job	*next;
};

/* slots coroutine slots, one database connection each (connected on
 * first use).  0 ok, -1 error (logged). */
int	loop_start(int slots);
/*
 * Run job on a free slot.  1: run has already returned; 0: it waits (for
 * PostgreSQL, or for a slot), and done will be called once it returned.
 */
int	loop_submit(struct loop_job *);
/* Queued jobs are cancelled; running ones go on. */
void	loop_cancel_queued(void);
/* Close the connections and free the slots.  No-op when not started. */
void	loop_stop(void);
/* Jobs queued or running (diagnostics, tests). */
int	loop_pending(void);

#endif
