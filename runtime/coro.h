/*
 * coro.h - coroutines: a function that runs on a stack of its own and can
 * give the thread back (coro_yield) in the middle, to be resumed later.
 *
 * Why: handlers are plain synchronous C that call PostgreSQL.  Run on a
 * worker thread, every request pays two thread hand-offs and the worker's
 * sleep in poll() (bench/RESULTS.md: 84% of the server's time in the
 * scheduler).  Run as a coroutine on its Kore worker, a handler that waits
 * for the database yields instead (db.c sends the query, coro_yield, the
 * event loop resumes it when the socket is readable), so the thread goes
 * on with other connections and no other thread is woken.  loop.c owns
 * the coroutines; db.c is the only code that yields.
 *
 * Built on ucontext (makecontext/swapcontext).  Stacks are mmap()ed with
 * a guard page below them, so an overflow faults instead of corrupting
 * memory; pages are only resident once touched.  Under AddressSanitizer
 * the switches are announced to it (__sanitizer_start_switch_fiber).
 */
#ifndef RUNTIME_CORO_H
#define RUNTIME_CORO_H

#include <stddef.h>
#include <ucontext.h>

struct coro {
	ucontext_t	 ctx;		/* the coroutine's */
	ucontext_t	 caller;	/* whoever started or resumed it */
	void		*stack;		/* mapping, guard page included */
	size_t		 size;		/* of the mapping */
	void		(*fn)(void *);
	void		*arg;
	int		 running;	/* started and not finished */
	/* AddressSanitizer's bookkeeping of the two stacks. */
	void		*asan_fake, *asan_fake_caller;
	const void	*caller_bottom;
	size_t		 caller_size;
};

/* A stack of stack_size bytes (rounded up to pages) plus a guard page.
 * 0 ok, -1 when the mapping fails. */
int		 coro_init(struct coro *, size_t stack_size);
void		 coro_cleanup(struct coro *);
/*
 * Run fn(arg) on the coroutine's stack until it returns (1) or yields
 * (0).  The coroutine must not be running.
 */
int		 coro_start(struct coro *, void (*fn)(void *), void *arg);
/* Go on with a coroutine that yielded: 1 when it returned, 0 when it
 * yielded again. */
int		 coro_resume(struct coro *);
/* From inside a coroutine: back to whoever started or resumed it. */
void		 coro_yield(void);
/* The coroutine this thread is running, or NULL on a thread's own stack. */
struct coro	*coro_current(void);

#endif
