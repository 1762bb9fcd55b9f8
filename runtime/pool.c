/*
 * pool.c - a fixed set of worker threads with one FIFO queue.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>

#include "db.h"
#include "log.h"
#include "pool.h"
#include "util.h"

static void	*pool_main(void *);

static pthread_mutex_t	 lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 wake = PTHREAD_COND_INITIALIZER;
static struct pool_job	*head, *tail;
static int		 stopping;
static int		 queued;
static pthread_t	*threads;
static int		 nthreads;

int
pool_start(int nworkers)
{
	int	i, rc;

	stopping = 0;
	threads = xcalloc(nworkers, sizeof(*threads));
	for (i = 0; i < nworkers; i++) {
		rc = pthread_create(&threads[i], NULL, pool_main, NULL);
		if (rc != 0) {
			log_error(NULL, "pool: cannot start worker %d", i);
			nthreads = i;
			pool_stop();
			return -1;
		}
	}
	nthreads = nworkers;
	return 0;
}

void
pool_submit(struct pool_job *job)
{
	job->next = NULL;
	pthread_mutex_lock(&lock);
	if (tail != NULL)
		tail->next = job;
	else
		head = job;
	tail = job;
	queued++;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
}

int
pool_pending(void)
{
	int	n;

	pthread_mutex_lock(&lock);
	n = queued;
	pthread_mutex_unlock(&lock);
	return n;
}

static void *
pool_main(void *arg)
{
	struct pool_job	*job;
	struct db	*db;

	db = db_open();
	for (;;) {
		pthread_mutex_lock(&lock);
		while (head == NULL && !stopping)
			pthread_cond_wait(&wake, &lock);
		if (head == NULL) {
			pthread_mutex_unlock(&lock);
			break;
		}
		job = head;
		head = job->next;
		if (head == NULL)
			tail = NULL;
		queued--;
		pthread_mutex_unlock(&lock);
		job->run(job, db);
	}
	db_close(db);
	return NULL;
}

void
pool_stop(void)
{
	struct pool_job	*job, *cancelled;
	int		 i;

	pthread_mutex_lock(&lock);
	stopping = 1;
	cancelled = head;
	head = tail = NULL;
	queued = 0;
	pthread_cond_broadcast(&wake);
	pthread_mutex_unlock(&lock);

	while (cancelled != NULL) {
		job = cancelled;
		cancelled = job->next;
		if (job->cancel != NULL)
			job->cancel(job);
	}
	for (i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	threads = NULL;
	nthreads = 0;
}
