/*
 * loop.c - database handlers as coroutines on Kore's event loop (see
 * loop.h for why).
 *
 * A slot waiting for PostgreSQL has its socket in Kore's epoll set with
 * the slot's own struct kore_event; Kore calls loop_slot_event when the
 * socket is ready and we resume the coroutine there.  Kore registers
 * descriptors edge-triggered, and libpq reads until the socket would
 * block, so no readiness is lost between waits.  Wait deadlines (libpq's
 * connect timeout, db.c's statement timeout) are checked by a Kore timer.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>

#include "coro.h"
#include "db.h"
#include "log.h"
#include "loop.h"
#include "util.h"

/*
 * Room for a handler, its JSON parsing (jansson nests up to 2048 levels)
 * and AddressSanitizer's larger frames.  Reserved, not resident: a slot
 * holds only the pages its deepest handler touched.
 */
#define LOOP_STACK_SIZE		(1024 * 1024)
#define LOOP_TIMER_MS		100

struct loop_slot {
	struct kore_event	 evt;		/* first: Kore's event */
	struct db		*db;
	struct coro		 co;
	struct loop_job		*job;		/* running here, or NULL */
	int			 fd;		/* in Kore's epoll set, or -1 */
	unsigned		 gen;		/* db_generation of fd */
	int			 want;		/* POLLIN / POLLOUT waited for */
	int			 waiting;	/* yielded in loop_db_wait */
	int			 woken;		/* its event came */
	u_int64_t		 deadline;	/* of the wait, ms; 0: none */
	struct loop_slot	*next_free;
};

static struct loop_slot		*slots;
static int			 nslots;
static struct loop_slot		*free_slots;
static struct loop_job		*head, *tail;	/* waiting for a slot */
static int			 pending;	/* queued + running */
static struct kore_timer	*timer;

static void	loop_slot_event(void *, int);
static void	loop_slot_run(void *);
static void	loop_slot_resume(struct loop_slot *);
static void	loop_slot_finished(struct loop_slot *, int);
static int	loop_db_wait(void *, int, int, int);
static void	loop_start_queued(void);
static void	loop_timer(void *, u_int64_t);

int
loop_start(int n)
{
	struct loop_slot	*s;
	int			 i;

	if (n < 1)
		n = 1;
	slots = xcalloc((size_t)n, sizeof(*slots));
	nslots = n;
	for (i = n - 1; i >= 0; i--) {
		s = &slots[i];
		s->fd = -1;
		s->evt.type = KORE_TYPE_TASK;
		s->evt.handle = loop_slot_event;
		if (coro_init(&s->co, LOOP_STACK_SIZE) == -1) {
			log_error(NULL, "loop: cannot map a stack");
			loop_stop();
			return (-1);
		}
		s->db = db_open();
		db_set_wait(s->db, loop_db_wait, s);
		s->next_free = free_slots;
		free_slots = s;
	}
	timer = kore_timer_add(loop_timer, LOOP_TIMER_MS, NULL, 0);
	return (0);
}

/* Kore's event: the socket a slot waits for is ready (or in error, which
 * libpq will tell). */
static void
loop_slot_event(void *arg, int error)
{
	struct loop_slot	*s = arg;
	int			 ready;

	ready = error || ((s->want & POLLIN) && (s->evt.flags &
	    KORE_EVENT_READ)) || ((s->want & POLLOUT) && (s->evt.flags &
	    KORE_EVENT_WRITE));
	if (!s->waiting || !ready)
		return;
	s->woken = 1;
	loop_slot_resume(s);
}

/* Waits whose deadline passed. */
static void
loop_timer(void *arg, u_int64_t now)
{
	int	i;

	for (i = 0; i < nslots; i++) {
		if (slots[i].waiting && slots[i].deadline != 0 &&
		    slots[i].deadline <= now)
			loop_slot_resume(&slots[i]);
	}
}

static void
loop_slot_resume(struct loop_slot *s)
{
	s->waiting = 0;
	loop_slot_finished(s, coro_resume(&s->co));
	loop_start_queued();
}

static void
loop_slot_run(void *arg)
{
	struct loop_slot	*s = arg;

	s->job->run(s->job, s->db);
}

/*
 * After a coroutine ran: finished is 0 when it waits again, 1 when it
 * returned (its job's done is called), -1 when it returned inside
 * loop_submit (whose caller answers itself).
 */
static void
loop_slot_finished(struct loop_slot *s, int finished)
{
	struct loop_job	*job = s->job;

	if (finished == 0)
		return;
	s->job = NULL;
	s->next_free = free_slots;
	free_slots = s;
	pending--;
	if (finished == 1)
		job->done(job);
}

/* Queued jobs onto free slots; never from inside a coroutine. */
static void
loop_start_queued(void)
{
	struct loop_job		*job;
	struct loop_slot	*s;

	while (head != NULL && free_slots != NULL && coro_current() == NULL) {
		job = head;
		head = job->next;
		if (head == NULL)
			tail = NULL;
		s = free_slots;
		free_slots = s->next_free;
		s->job = job;
		s->waiting = 0;
		if (coro_start(&s->co, loop_slot_run, s))
			loop_slot_finished(s, 1);
	}
}

int
loop_submit(struct loop_job *job)
{
	struct loop_slot	*s;

	pending++;
	job->next = NULL;
	if (free_slots == NULL || head != NULL) {
		if (tail != NULL)
			tail->next = job;
		else
			head = job;
		tail = job;
		return (0);
	}
	s = free_slots;
	free_slots = s->next_free;
	s->job = job;
	s->waiting = 0;
	if (coro_start(&s->co, loop_slot_run, s)) {
		loop_slot_finished(s, -1);
		return (1);
	}
	return (0);
}

/*
 * db.c's wait, for a slot's connection: in the slot's coroutine, put the
 * socket in Kore's epoll set and yield until it is ready (0) or the
 * timeout passes (-1).  Anywhere else (a db call outside a handler),
 * poll().
 */
static int
loop_db_wait(void *arg, int fd, int events, int timeout_ms)
{
	struct loop_slot	*s = arg;
	struct pollfd		 pfd;

	if (coro_current() != &s->co) {
		pfd.fd = fd;
		pfd.events = (short)events;
		pfd.revents = 0;
		return (poll(&pfd, 1, timeout_ms) > 0 ? 0 : -1);
	}
	/*
	 * Level-triggered would report a writable socket on every loop;
	 * edge-triggered reports each change once, so ask the kernel now
	 * whether it is ready already.
	 */
	pfd.fd = fd;
	pfd.events = (short)events;
	pfd.revents = 0;
	if (poll(&pfd, 1, 0) > 0)
		return (0);
	if (s->fd != fd || s->gen != db_generation(s->db)) {
		/* A new socket (a closed descriptor leaves epoll). */
		s->evt.flags = 0;
		kore_platform_event_all(fd, &s->evt);
		s->fd = fd;
		s->gen = db_generation(s->db);
	}
	s->want = events;
	s->evt.flags &= ~(KORE_EVENT_READ | KORE_EVENT_WRITE);
	s->deadline = timeout_ms >= 0 ? kore_time_ms() +
	    (u_int64_t)timeout_ms : 0;
	s->woken = 0;
	s->waiting = 1;
	coro_yield();
	s->waiting = 0;
	return (s->woken ? 0 : -1);
}

void
loop_cancel_queued(void)
{
	struct loop_job	*job;

	while ((job = head) != NULL) {
		head = job->next;
		pending--;
		job->cancel(job);
	}
	tail = NULL;
}

int
loop_pending(void)
{
	return (pending);
}

void
loop_stop(void)
{
	int	i;

	if (slots == NULL)
		return;
	if (timer != NULL)
		kore_timer_remove(timer);
	timer = NULL;
	/* A handler still waiting here is abandoned with its request. */
	for (i = 0; i < nslots; i++) {
		if (slots[i].fd != -1)
			kore_platform_disable_read(slots[i].fd);
		db_close(slots[i].db);
		coro_cleanup(&slots[i].co);
	}
	free(slots);
	slots = NULL;
	free_slots = NULL;
	nslots = 0;
	head = tail = NULL;
	pending = 0;
}
