/*
 * loop.c - one event loop per I/O thread (see loop.h for why).
 *
 * Each iteration: epoll_wait on the daemon's epoll descriptor, the
 * eventfd that other threads wake the loop with, and the sockets of the
 * slots whose handler waits for PostgreSQL; resume those handlers; let
 * libmicrohttpd do its work (MHD_run); start queued jobs on free slots.
 * A slot's socket is armed EPOLLONESHOT for each wait, so an event is
 * only ever reported for a handler that is waiting for it.
 */
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

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
#define LOOP_MAX_EVENTS		64
/* libmicrohttpd's timeouts are checked at least this often. */
#define LOOP_MAX_WAIT_MS	1000

struct loop;

struct loop_slot {
	struct loop	*loop;
	struct db	*db;
	struct coro	 co;
	struct loop_job	*job;		/* running here, or NULL: free */
	int		 fd;		/* in the loop's epoll set, or -1 */
	int		 waiting;	/* yielded in loop_db_wait */
	int		 woken;		/* its event came */
	unsigned long long deadline;	/* of the wait, ns; 0: none */
	struct loop_slot *next_free;
};

struct loop {
	pthread_t		 thread;
	int			 started;
	struct MHD_Daemon	*daemon;
	int			 ep;		/* epoll */
	int			 wake;		/* eventfd */
	struct loop_slot	*slots;
	int			 nslots;
	struct loop_slot	*free_slots;
	struct loop_job		*head, *tail;	/* waiting for a slot */
	atomic_int		 pending;	/* queued + running */
	int			 mhd_dirty;	/* a connection was resumed */
	/* LOOP_WANT_* from other threads (loop_ask); quiesced acked. */
	atomic_int		 want;
	pthread_mutex_t		 lock;
	pthread_cond_t		 acked;
	int			 quiesced;
};

/* What other threads ask a loop to do (loop_ask). */
#define LOOP_WANT_QUIESCE	0x01
#define LOOP_WANT_CANCEL	0x02
#define LOOP_WANT_STOP		0x04

/* epoll_event.data.ptr of the daemon's and the eventfd's entries. */
static char			 loop_tag_mhd, loop_tag_wake;

static struct loop		*loops;
static int			 nloops;
static _Thread_local struct loop *loop_self;

static void	*loop_main(void *);
static void	 loop_slot_run(void *);
static void	 loop_slot_start(struct loop *, struct loop_slot *,
		    struct loop_job *, int);
static void	 loop_slot_finished(struct loop *, struct loop_slot *, int);
static int	 loop_db_wait(void *, int, int, int);
static void	 loop_start_queued(struct loop *);
static void	 loop_control(struct loop *);
static void	 loop_signal(struct loop *);
static void	 loop_ask(int);
static void	 loop_free(struct loop *);

int
loop_start(struct MHD_Daemon **daemons, int ndaemons, int slots)
{
	const union MHD_DaemonInfo	*info;
	struct epoll_event		 ev;
	struct loop			*l;
	int				 i, j;

	if (slots < 1)
		slots = 1;
	loops = xcalloc((size_t)ndaemons, sizeof(*loops));
	nloops = ndaemons;
	for (i = 0; i < ndaemons; i++) {
		l = &loops[i];
		l->daemon = daemons[i];
		l->ep = -1;
		l->wake = -1;
		pthread_mutex_init(&l->lock, NULL);
		pthread_cond_init(&l->acked, NULL);
		info = MHD_get_daemon_info(l->daemon,
		    MHD_DAEMON_INFO_EPOLL_FD);
		if (info == NULL) {
			log_error(NULL, "loop: the daemon has no epoll "
			    "descriptor (MHD_USE_EPOLL)");
			goto fail;
		}
		if ((l->ep = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
		    (l->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
			log_error(NULL, "loop: epoll/eventfd: %s",
			    strerror(errno));
			goto fail;
		}
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.ptr = &loop_tag_mhd;
		if (epoll_ctl(l->ep, EPOLL_CTL_ADD, info->epoll_fd, &ev) == -1)
			goto fail_ctl;
		ev.data.ptr = &loop_tag_wake;
		if (epoll_ctl(l->ep, EPOLL_CTL_ADD, l->wake, &ev) == -1)
			goto fail_ctl;
		l->slots = xcalloc((size_t)slots, sizeof(*l->slots));
		l->nslots = slots;
		for (j = slots - 1; j >= 0; j--) {
			struct loop_slot *s = &l->slots[j];

			s->loop = l;
			s->fd = -1;
			if (coro_init(&s->co, LOOP_STACK_SIZE) == -1) {
				log_error(NULL, "loop: cannot map a stack");
				goto fail;
			}
			s->db = db_open();
			db_set_wait(s->db, loop_db_wait, s);
			s->next_free = l->free_slots;
			l->free_slots = s;
		}
	}
	for (i = 0; i < ndaemons; i++) {
		if (pthread_create(&loops[i].thread, NULL, loop_main,
		    &loops[i]) != 0) {
			log_error(NULL, "loop: cannot start thread %d", i);
			goto fail;
		}
		loops[i].started = 1;
	}
	return (0);
 fail_ctl:
	log_error(NULL, "loop: epoll_ctl: %s", strerror(errno));
 fail:
	loop_stop();
	return (-1);
}

/* --- on the loop's thread ---------------------------------------------- */

static void *
loop_main(void *arg)
{
	struct loop		*l = arg;
	struct epoll_event	 evs[LOOP_MAX_EVENTS];
	struct loop_slot	*s;
	MHD_UNSIGNED_LONG_LONG	 mhd_ms;
	unsigned long long	 now, next;
	int			 i, n, timeout, run_mhd;

	loop_self = l;
	for (;;) {
		loop_control(l);
		if (atomic_load(&l->want) & LOOP_WANT_STOP)
			break;

		/* How long until a daemon timeout or a slot's deadline. */
		timeout = LOOP_MAX_WAIT_MS;
		if (MHD_get_timeout(l->daemon, &mhd_ms) == MHD_YES &&
		    mhd_ms < (MHD_UNSIGNED_LONG_LONG)timeout)
			timeout = (int)mhd_ms;
		next = 0;
		for (i = 0; i < l->nslots; i++) {
			s = &l->slots[i];
			if (s->waiting && s->deadline != 0 &&
			    (next == 0 || s->deadline < next))
				next = s->deadline;
		}
		if (next != 0) {
			now = util_now_ns();
			if (next <= now)
				timeout = 0;
			else if ((next - now) / 1000000 < (unsigned long long)
			    timeout)
				timeout = (int)((next - now) / 1000000) + 1;
		}
		if (l->mhd_dirty)
			timeout = 0;

		n = epoll_wait(l->ep, evs, LOOP_MAX_EVENTS, timeout);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			fatal("loop: epoll_wait: %s", strerror(errno));
		}
		run_mhd = (n == 0) || l->mhd_dirty;
		for (i = 0; i < n; i++) {
			if (evs[i].data.ptr == &loop_tag_mhd) {
				run_mhd = 1;
			} else if (evs[i].data.ptr == &loop_tag_wake) {
				uint64_t	v;

				/* loop_wake: a resumed connection. */
				run_mhd = 1;
				if (read(l->wake, &v, sizeof(v)) == -1 &&
				    errno != EAGAIN)
					log_warn("loop: eventfd: %s",
					    strerror(errno));
			} else {
				s = evs[i].data.ptr;
				if (!s->waiting)
					continue;	/* a wait that timed out */
				s->woken = 1;
				s->waiting = 0;
				loop_slot_finished(l, s, coro_resume(&s->co));
			}
		}
		/* Waits whose deadline passed. */
		now = util_now_ns();
		for (i = 0; i < l->nslots; i++) {
			s = &l->slots[i];
			if (s->waiting && s->deadline != 0 &&
			    s->deadline <= now) {
				s->waiting = 0;
				loop_slot_finished(l, s, coro_resume(&s->co));
			}
		}
		loop_start_queued(l);
		if (run_mhd || l->mhd_dirty) {
			l->mhd_dirty = 0;
			MHD_run(l->daemon);
		}
	}
	loop_self = NULL;
	return (NULL);
}

static void
loop_slot_run(void *arg)
{
	struct loop_slot	*s = arg;

	s->job->run(s->job, s->db);
}

/*
 * Run job on slot s until it waits or returns.  deferred: the job's
 * connection is suspended already (it was queued), so its done is called
 * even when it returns at once.
 */
static void
loop_slot_start(struct loop *l, struct loop_slot *s, struct loop_job *job,
    int deferred)
{
	s->job = job;
	s->waiting = 0;
	if (coro_start(&s->co, loop_slot_run, s))
		loop_slot_finished(l, s, deferred ? 1 : -1);
}

/*
 * After a coroutine ran: finished is 0 when it waits again, 1 when it
 * returned (its job's done is called), -1 when it returned inside
 * loop_submit (whose caller answers itself).
 */
static void
loop_slot_finished(struct loop *l, struct loop_slot *s, int finished)
{
	struct loop_job	*job = s->job;

	if (finished == 0)
		return;
	s->job = NULL;
	s->next_free = l->free_slots;
	l->free_slots = s;
	atomic_fetch_sub(&l->pending, 1);
	if (finished == 1) {
		job->done(job);
		l->mhd_dirty = 1;
	}
}

/* Queued jobs onto free slots; not from inside a coroutine. */
static void
loop_start_queued(struct loop *l)
{
	struct loop_job		*job;
	struct loop_slot	*s;

	while (l->head != NULL && l->free_slots != NULL) {
		job = l->head;
		l->head = job->next;
		if (l->head == NULL)
			l->tail = NULL;
		s = l->free_slots;
		l->free_slots = s->next_free;
		loop_slot_start(l, s, job, 1);
	}
}

int
loop_submit(struct loop_job *job)
{
	struct loop		*l = loop_self;
	struct loop_slot	*s;

	if (l == NULL)
		fatal("loop_submit: not on a loop thread");
	atomic_fetch_add(&l->pending, 1);
	job->next = NULL;
	if (l->free_slots == NULL || l->head != NULL) {
		if (l->tail != NULL)
			l->tail->next = job;
		else
			l->head = job;
		l->tail = job;
		return (0);
	}
	s = l->free_slots;
	l->free_slots = s->next_free;
	s->job = job;
	s->waiting = 0;
	if (coro_start(&s->co, loop_slot_run, s)) {
		loop_slot_finished(l, s, -1);
		return (1);
	}
	return (0);
}

/*
 * db.c's wait, for a slot's connection: in the slot's coroutine, arm the
 * socket and yield until the loop sees it ready (0) or the timeout
 * passes (-1).  Anywhere else (a db call outside a handler), poll().
 */
static int
loop_db_wait(void *arg, int fd, int events, int timeout_ms)
{
	struct loop_slot	*s = arg;
	struct epoll_event	 ev;
	struct pollfd		 pfd;

	if (coro_current() != &s->co) {
		pfd.fd = fd;
		pfd.events = (short)events;
		pfd.revents = 0;
		return (poll(&pfd, 1, timeout_ms) > 0 ? 0 : -1);
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLONESHOT | EPOLLRDHUP |
	    ((events & POLLIN) ? EPOLLIN : 0) |
	    ((events & POLLOUT) ? EPOLLOUT : 0);
	ev.data.ptr = s;
	if (s->fd == fd) {
		if (epoll_ctl(s->loop->ep, EPOLL_CTL_MOD, fd, &ev) == -1 &&
		    errno == ENOENT)
			s->fd = -1;	/* closed and reused meanwhile */
	}
	if (s->fd != fd) {
		/* A new connection (a closed descriptor leaves epoll). */
		if (epoll_ctl(s->loop->ep, EPOLL_CTL_ADD, fd, &ev) == -1 &&
		    (errno != EEXIST ||
		    epoll_ctl(s->loop->ep, EPOLL_CTL_MOD, fd, &ev) == -1)) {
			log_error(NULL, "loop: epoll_ctl: %s",
			    strerror(errno));
			return (-1);
		}
		s->fd = fd;
	}
	s->deadline = timeout_ms >= 0 ? util_now_ns() +
	    (unsigned long long)timeout_ms * 1000000ULL : 0;
	s->woken = 0;
	s->waiting = 1;
	coro_yield();
	s->waiting = 0;
	return (s->woken ? 0 : -1);
}

/* Requests from other threads (loop_quiesce, loop_cancel_queued). */
static void
loop_control(struct loop *l)
{
	struct loop_job	*job;
	MHD_socket	 fd;
	int		 want;

	want = atomic_fetch_and(&l->want, LOOP_WANT_STOP);
	if (want & LOOP_WANT_QUIESCE) {
		fd = MHD_quiesce_daemon(l->daemon);
		(void)fd;	/* shared: server.c closes it */
		pthread_mutex_lock(&l->lock);
		l->quiesced = 1;
		pthread_cond_broadcast(&l->acked);
		pthread_mutex_unlock(&l->lock);
	}
	if (want & LOOP_WANT_CANCEL) {
		while ((job = l->head) != NULL) {
			l->head = job->next;
			atomic_fetch_sub(&l->pending, 1);
			job->cancel(job);
			l->mhd_dirty = 1;
		}
		l->tail = NULL;
	}
}

/* --- from other threads ------------------------------------------------ */

static void
loop_signal(struct loop *l)
{
	uint64_t	one = 1;

	if (write(l->wake, &one, sizeof(one)) == -1 && errno != EAGAIN)
		log_warn("loop: eventfd: %s", strerror(errno));
}

struct loop *
loop_current(void)
{
	return (loop_self);
}

void
loop_wake(struct loop *l)
{
	if (l != NULL)
		loop_signal(l);
}

/* Ask every running loop for what (LOOP_WANT_*). */
static void
loop_ask(int what)
{
	int	i;

	for (i = 0; i < nloops; i++) {
		if (!loops[i].started)
			continue;
		atomic_fetch_or(&loops[i].want, what);
		loop_signal(&loops[i]);
	}
}

void
loop_quiesce(void)
{
	int	i;

	loop_ask(LOOP_WANT_QUIESCE);
	for (i = 0; i < nloops; i++) {
		if (!loops[i].started)
			continue;
		pthread_mutex_lock(&loops[i].lock);
		while (!loops[i].quiesced)
			pthread_cond_wait(&loops[i].acked, &loops[i].lock);
		pthread_mutex_unlock(&loops[i].lock);
	}
}

void
loop_cancel_queued(void)
{
	loop_ask(LOOP_WANT_CANCEL);
}

int
loop_pending(void)
{
	int	i, n = 0;

	for (i = 0; i < nloops; i++)
		n += atomic_load(&loops[i].pending);
	return (n);
}

static void
loop_free(struct loop *l)
{
	int	i;

	/* Quiesced first: the listening socket is shared, server.c's. */
	if (l->daemon != NULL && !l->quiesced)
		(void)MHD_quiesce_daemon(l->daemon);
	if (l->daemon != NULL)
		MHD_stop_daemon(l->daemon);
	l->daemon = NULL;
	/*
	 * A handler still waiting here is abandoned: its connection was
	 * closed by MHD_stop_daemon and its request freed.
	 */
	for (i = 0; i < l->nslots; i++) {
		db_close(l->slots[i].db);
		coro_cleanup(&l->slots[i].co);
	}
	free(l->slots);
	if (l->ep != -1)
		close(l->ep);
	if (l->wake != -1)
		close(l->wake);
	pthread_cond_destroy(&l->acked);
	pthread_mutex_destroy(&l->lock);
}

void
loop_stop(void)
{
	int	i;

	if (loops == NULL)
		return;
	loop_ask(LOOP_WANT_STOP);
	for (i = 0; i < nloops; i++) {
		if (loops[i].started)
			pthread_join(loops[i].thread, NULL);
		loop_free(&loops[i]);
	}
	free(loops);
	loops = NULL;
	nloops = 0;
}
