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

struct pool {
	const char	*name;
	pthread_mutex_t	 lock;
	pthread_cond_t	 wake;
	struct pool_job	*head, *tail;
	int		 stopping;
	int		 queued;
	pthread_t	*threads;
	int		 nthreads;
};

static void	*pool_main(void *);

struct pool *
pool_start(const char *name, int nworkers)
{
	struct pool	*p;
	int		 i;

	p = xcalloc(1, sizeof(*p));
	p->name = name;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	p->threads = xcalloc(nworkers, sizeof(*p->threads));
	for (i = 0; i < nworkers; i++) {
		if (pthread_create(&p->threads[i], NULL, pool_main, p) != 0) {
			log_error(NULL, "%s pool: cannot start worker %d",
			    name, i);
			p->nthreads = i;
			pool_stop(p);
			return NULL;
		}
	}
	p->nthreads = nworkers;
	return p;
}

void
pool_submit(struct pool *p, struct pool_job *job)
{
	job->next = NULL;
	pthread_mutex_lock(&p->lock);
	if (p->tail != NULL)
		p->tail->next = job;
	else
		p->head = job;
	p->tail = job;
	p->queued++;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
}

int
pool_pending(struct pool *p)
{
	int	n;

	pthread_mutex_lock(&p->lock);
	n = p->queued;
	pthread_mutex_unlock(&p->lock);
	return n;
}

static void *
pool_main(void *arg)
{
	struct pool	*p = arg;
	struct pool_job	*job;
	struct db	*db;

	db = db_open();
	for (;;) {
		pthread_mutex_lock(&p->lock);
		while (p->head == NULL && !p->stopping)
			pthread_cond_wait(&p->wake, &p->lock);
		if (p->head == NULL) {
			pthread_mutex_unlock(&p->lock);
			break;
		}
		job = p->head;
		p->head = job->next;
		if (p->head == NULL)
			p->tail = NULL;
		p->queued--;
		pthread_mutex_unlock(&p->lock);
		job->run(job, db);
	}
	db_close(db);
	return NULL;
}

void
pool_stop(struct pool *p)
{
	struct pool_job	*job, *cancelled;
	int		 i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = 1;
	cancelled = p->head;
	p->head = p->tail = NULL;
	p->queued = 0;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);

	while (cancelled != NULL) {
		job = cancelled;
		cancelled = job->next;
		if (job->cancel != NULL)
			job->cancel(job);
	}
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	free(p->threads);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
