/*
 * tasks.c - background tasks on a pool of their own (see tasks.h).
 *
 * One FIFO of batches, one batch per request: a worker takes a batch and
 * runs its tasks in order, so a request's tasks never overtake each other
 * while different requests' tasks run side by side.  The queue is
 * unbounded on purpose: a task is a promise made to a client whose
 * response has already gone out (its login was logged, its mail will
 * leave), so it is never dropped for load; only the shutdown time limit
 * ends it, and then by name in the log.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "request.h"
#include "log.h"
#include "tasks.h"
#include "util.h"

struct task {
	char		*name;
	task_fn		 fn;
	void		*arg;
	void		(*free_arg)(void *);
	struct task	*next;
};

struct task_batch {
	char			*request_id;
	struct task		*first;
	struct task_batch	*next;
};

static void	*tasks_main(void *);
static void	 tasks_free(struct task *);
static void	 tasks_drop(struct task_batch *, const char *);
static void	 tasks_deadline(struct timespec *, long long);

static pthread_mutex_t	 lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 wake;		/* workers: a batch, or stop */
static pthread_cond_t	 idle;		/* tasks_stop: a batch is done */
static pthread_cond_t	 nap;		/* tasks_sleep_ms: abandoned */
static struct task_batch *head, *tail;
static pthread_t	*threads;
static int		 nthreads;
static int		 started;
static int		 stopping;
static int		 abandoned;	/* the shutdown time limit passed */
static int		 busy;		/* workers inside a batch */
/* Per worker, under lock: what it runs now, for the shutdown log. */
static struct task	**running;
static const char	**running_rid;

int
tasks_start(int nworkers)
{
	pthread_condattr_t	attr;
	int			i;

	/* Deadlines on the monotonic clock: a clock step cannot stretch
	 * the shutdown. */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&wake, &attr);
	pthread_cond_init(&idle, &attr);
	pthread_cond_init(&nap, &attr);
	pthread_condattr_destroy(&attr);

	stopping = abandoned = busy = 0;
	threads = xcalloc(nworkers, sizeof(*threads));
	running = xcalloc(nworkers, sizeof(*running));
	running_rid = xcalloc(nworkers, sizeof(*running_rid));
	started = 1;
	for (i = 0; i < nworkers; i++) {
		if (pthread_create(&threads[i], NULL, tasks_main,
		    (void *)(intptr_t)i) != 0) {
			log_error(NULL, "tasks: cannot start worker %d", i);
			nthreads = i;
			tasks_stop(0);
			return -1;
		}
	}
	nthreads = nworkers;
	return 0;
}

void
tasks_add(struct request *req, const char *name, task_fn fn,
    void *arg, void (*free_arg)(void *))
{
	struct task	*t, **tailp;

	t = xcalloc(1, sizeof(*t));
	t->name = xstrdup(name);
	t->fn = fn;
	t->arg = arg;
	t->free_arg = free_arg;
	for (tailp = &req->tasks; *tailp != NULL; tailp = &(*tailp)->next)
		;
	*tailp = t;
}

void
tasks_submit(struct request *req)
{
	struct task_batch	*b;

	if (req->tasks == NULL)
		return;
	b = xcalloc(1, sizeof(*b));
	b->request_id = xstrdup(req->request_id != NULL ?
	    req->request_id : "-");
	b->first = req->tasks;
	req->tasks = NULL;

	pthread_mutex_lock(&lock);
	if (!started || abandoned) {
		pthread_mutex_unlock(&lock);
		tasks_drop(b, started ? "shutting down" :
		    "no task workers running");
		return;
	}
	if (tail != NULL)
		tail->next = b;
	else
		head = b;
	tail = b;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
}

int
tasks_stop(int timeout_s)
{
	struct task_batch	*left;
	struct timespec		 deadline;
	int			 i, rc = 0;

	if (!started)
		return 0;
	pthread_mutex_lock(&lock);
	stopping = 1;
	pthread_cond_broadcast(&wake);
	tasks_deadline(&deadline, (long long)timeout_s * 1000);
	while (head != NULL || busy > 0) {
		if (pthread_cond_timedwait(&idle, &lock, &deadline) ==
		    ETIMEDOUT)
			break;
	}

	if (head != NULL || busy > 0) {
		rc = -1;
		abandoned = 1;
		pthread_cond_broadcast(&nap);
		left = head;
		head = tail = NULL;
		for (i = 0; i < nthreads; i++) {
			if (running[i] != NULL)
				log_error(running_rid[i], "task %s still "
				    "running after %ds at shutdown",
				    running[i]->name, timeout_s);
		}
		pthread_mutex_unlock(&lock);
		tasks_drop(left, "shutdown time limit reached");

		/* A task in tasks_sleep_ms() gives up at once; give the
		 * others a moment to notice too. */
		pthread_mutex_lock(&lock);
		tasks_deadline(&deadline, 1000);
		while (busy > 0) {
			if (pthread_cond_timedwait(&idle, &lock, &deadline) ==
			    ETIMEDOUT)
				break;
		}
	}

	if (busy > 0) {
		/* Still in a task: let it end on its own; the process is
		 * about to exit.  Its state stays allocated. */
		pthread_mutex_unlock(&lock);
		for (i = 0; i < nthreads; i++)
			pthread_detach(threads[i]);
		return -1;
	}
	pthread_mutex_unlock(&lock);
	for (i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	free(running);
	free(running_rid);
	threads = NULL;
	running = NULL;
	running_rid = NULL;
	nthreads = 0;
	started = 0;
	pthread_cond_destroy(&wake);
	pthread_cond_destroy(&idle);
	pthread_cond_destroy(&nap);
	return rc;
}

int
tasks_sleep_ms(long ms)
{
	struct timespec	deadline;
	int		rc;

	pthread_mutex_lock(&lock);
	if (!started) {
		/* Run by hand (a test), outside the pool. */
		pthread_mutex_unlock(&lock);
		deadline.tv_sec = ms / 1000;
		deadline.tv_nsec = (ms % 1000) * 1000000L;
		while (nanosleep(&deadline, &deadline) == -1 && errno == EINTR)
			;
		return 0;
	}
	tasks_deadline(&deadline, ms);
	while (!abandoned) {
		if (pthread_cond_timedwait(&nap, &lock, &deadline) ==
		    ETIMEDOUT)
			break;
	}
	rc = abandoned ? -1 : 0;
	pthread_mutex_unlock(&lock);
	return rc;
}

static void *
tasks_main(void *argp)
{
	struct task_batch	*b;
	struct task		*t;
	int			 self = (int)(intptr_t)argp;

	pthread_mutex_lock(&lock);
	for (;;) {
		while (head == NULL && !stopping)
			pthread_cond_wait(&wake, &lock);
		if (head == NULL)
			break;
		b = head;
		if ((head = b->next) == NULL)
			tail = NULL;
		busy++;
		while ((t = b->first) != NULL && !abandoned) {
			b->first = t->next;
			running[self] = t;
			running_rid[self] = b->request_id;
			pthread_mutex_unlock(&lock);
			if (t->fn(t->arg) == -1)
				log_error(b->request_id, "task %s failed",
				    t->name);
			tasks_free(t);
			pthread_mutex_lock(&lock);
			running[self] = NULL;
			running_rid[self] = NULL;
		}
		busy--;
		pthread_cond_broadcast(&idle);
		pthread_mutex_unlock(&lock);
		/* What is left if the time limit cut the batch short. */
		b->next = NULL;
		tasks_drop(b, "shutdown time limit reached");
		pthread_mutex_lock(&lock);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

static void
tasks_free(struct task *t)
{
	if (t->free_arg != NULL)
		t->free_arg(t->arg);
	free(t->name);
	free(t);
}

/* Logs each task of the batches as not run, and releases them. */
static void
tasks_drop(struct task_batch *b, const char *why)
{
	struct task_batch	*nb;
	struct task		*t, *nt;

	for (; b != NULL; b = nb) {
		nb = b->next;
		for (t = b->first; t != NULL; t = nt) {
			nt = t->next;
			log_error(b->request_id, "task %s not run: %s",
			    t->name, why);
			tasks_free(t);
		}
		free(b->request_id);
		free(b);
	}
}

static void
tasks_deadline(struct timespec *ts, long long ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}
