/*
 * test_tasks.c - the background task queue (runtime/tasks.c): order,
 * failures, that the submitter never waits, draining and the time limit
 * at shutdown, and that every argument is released exactly once.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "arena.h"
#include "capture.h"
#include "request.h"
#include "tasks.h"

/* What the test tasks did, in order. */
static pthread_mutex_t	 rec_lock = PTHREAD_MUTEX_INITIALIZER;
static int		 rec[256];
static int		 nrec;
static atomic_int	 freed;

struct targ {
	int	id;
	int	sleep_ms;
	int	fail;
};

static int
record_task(void *p)
{
	struct targ	*a = p;

	if (a->sleep_ms > 0)
		usleep((useconds_t)a->sleep_ms * 1000);
	pthread_mutex_lock(&rec_lock);
	rec[nrec++] = a->id;
	pthread_mutex_unlock(&rec_lock);
	return a->fail ? -1 : 0;
}

/* Waits in tasks_sleep_ms(), as the mail retry does. */
static int
napping_task(void *p)
{
	struct targ	*a = p;
	int		 rc;

	rc = tasks_sleep_ms(a->sleep_ms);
	pthread_mutex_lock(&rec_lock);
	rec[nrec++] = rc == -1 ? -a->id : a->id;
	pthread_mutex_unlock(&rec_lock);
	return rc;
}

static void
targ_free(void *p)
{
	atomic_fetch_add(&freed, 1);
	free(p);
}

static struct targ *
targ(int id, int sleep_ms, int fail)
{
	struct targ	*a = xcalloc(1, sizeof(*a));

	a->id = id;
	a->sleep_ms = sleep_ms;
	a->fail = fail;
	return a;
}

static void
req_init(struct request *req, const char *rid)
{
	memset(req, 0, sizeof(*req));
	req->request_id = rid;
}

static int
setup(void **state)
{
	nrec = 0;
	atomic_store(&freed, 0);
	return 0;
}

/* A request's tasks run in the order they were added. */
static void
test_order(void **state)
{
	struct request	req;
	char			name[16];
	int			i;

	assert_int_equal(tasks_start(4), 0);
	req_init(&req, "rid-order");
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "t%d", i);
		/* Early ones slow: a second worker must not overtake. */
		tasks_add(&req, name, record_task, targ(i, i < 3 ? 30 : 0, 0),
		    targ_free);
	}
	tasks_submit(&req);
	assert_null(req.tasks);
	assert_int_equal(tasks_stop(10), 0);
	assert_int_equal(nrec, 20);
	for (i = 0; i < 20; i++)
		assert_int_equal(rec[i], i);
	assert_int_equal(atomic_load(&freed), 20);
}

/* A failing task is logged with its name and request id; the next one
 * still runs. */
static void
test_failure_isolated(void **state)
{
	struct request	 req;
	char			*err;

	assert_int_equal(tasks_start(1), 0);
	req_init(&req, "rid-fail-42");
	tasks_add(&req, "first", record_task, targ(1, 0, 0), targ_free);
	tasks_add(&req, "breaks", record_task, targ(2, 0, 1), targ_free);
	tasks_add(&req, "third", record_task, targ(3, 0, 0), targ_free);
	capture_begin();
	tasks_submit(&req);
	assert_int_equal(tasks_stop(10), 0);
	err = capture_end();
	assert_int_equal(nrec, 3);
	assert_int_equal(rec[2], 3);
	assert_non_null(strstr(err, "request_id=rid-fail-42 task breaks "
	    "failed"));
	assert_int_equal(capture_count(err, "failed"), 1);
	free(err);
	assert_int_equal(atomic_load(&freed), 3);
}

/* Submitting never waits for the task: a 2 s task is handed over in
 * well under a millisecond's order, and runs afterwards. */
static void
test_submit_does_not_wait(void **state)
{
	struct request	req;
	long long		t0, dt;

	assert_int_equal(tasks_start(2), 0);
	req_init(&req, "rid-slow");
	tasks_add(&req, "slow", record_task, targ(7, 2000, 0), targ_free);
	t0 = capture_ms();
	tasks_submit(&req);
	dt = capture_ms() - t0;
	assert_true(dt < 50);
	usleep(200000);
	assert_int_equal(nrec, 0);	/* still running */
	t0 = capture_ms();
	assert_int_equal(tasks_stop(10), 0);	/* drains it */
	dt = capture_ms() - t0;
	assert_int_equal(nrec, 1);
	assert_true(dt >= 1500 && dt < 3000);
	assert_int_equal(atomic_load(&freed), 1);
}

/* Shutdown finishes every queued task, from many requests, in time. */
static void
test_stop_drains(void **state)
{
	struct request	req;
	int			i, seen[30], j;

	assert_int_equal(tasks_start(2), 0);
	for (i = 0; i < 30; i++) {
		req_init(&req, "rid-drain");
		tasks_add(&req, "drain", record_task, targ(i, 10, 0),
		    targ_free);
		tasks_submit(&req);
	}
	assert_int_equal(tasks_stop(10), 0);
	assert_int_equal(nrec, 30);
	memset(seen, 0, sizeof(seen));
	for (j = 0; j < nrec; j++)
		seen[rec[j]]++;
	for (i = 0; i < 30; i++)
		assert_int_equal(seen[i], 1);
	assert_int_equal(atomic_load(&freed), 30);
}

/*
 * Past TASK_SHUTDOWN_TIMEOUT: the running task is named, the queued ones
 * are named as not run, and every argument is still released once.  A
 * task waiting in tasks_sleep_ms() is woken at once.
 */
static void
test_stop_time_limit(void **state)
{
	struct request	 req;
	char			*err;
	long long		 t0, dt;
	int			 i;

	assert_int_equal(tasks_start(1), 0);
	req_init(&req, "rid-limit");
	tasks_add(&req, "napper", napping_task, targ(1, 60000, 0), targ_free);
	tasks_add(&req, "after-napper", record_task, targ(2, 0, 0),
	    targ_free);
	tasks_submit(&req);
	for (i = 0; i < 3; i++) {
		req_init(&req, "rid-queued");
		tasks_add(&req, "never-ran", record_task, targ(10 + i, 0, 0),
		    targ_free);
		tasks_submit(&req);
	}
	usleep(100000);

	capture_begin();
	t0 = capture_ms();
	assert_int_equal(tasks_stop(1), -1);
	dt = capture_ms() - t0;
	err = capture_end();

	assert_true(dt >= 900 && dt < 2500);
	assert_int_equal(nrec, 1);
	assert_int_equal(rec[0], -1);	/* the nap was cut short */
	assert_non_null(strstr(err, "request_id=rid-limit task napper still "
	    "running after 1s"));
	assert_non_null(strstr(err, "request_id=rid-limit task after-napper "
	    "not run"));
	assert_int_equal(capture_count(err, "task never-ran not run"), 3);
	free(err);
	assert_int_equal(atomic_load(&freed), 5);

	/* The pool can be started again. */
	assert_int_equal(tasks_start(1), 0);
	assert_int_equal(tasks_stop(1), 0);
}

/* Without workers (a handler under test) tasks are dropped, by name. */
static void
test_not_started(void **state)
{
	struct request	 req;
	char			*err;

	req_init(&req, "rid-none");
	tasks_add(&req, "orphan", record_task, targ(1, 0, 0), targ_free);
	capture_begin();
	tasks_submit(&req);
	err = capture_end();
	assert_non_null(strstr(err, "task orphan not run: no task workers "
	    "running"));
	free(err);
	assert_int_equal(nrec, 0);
	assert_int_equal(atomic_load(&freed), 1);
	assert_int_equal(tasks_stop(1), 0);
	/* A request without tasks submits nothing. */
	tasks_submit(&req);
}

/* Outside the pool tasks_sleep_ms simply sleeps. */
static void
test_sleep_outside_pool(void **state)
{
	long long	t0;

	t0 = capture_ms();
	assert_int_equal(tasks_sleep_ms(50), 0);
	assert_true(capture_ms() - t0 >= 45);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_order, setup),
		cmocka_unit_test_setup(test_failure_isolated, setup),
		cmocka_unit_test_setup(test_submit_does_not_wait, setup),
		cmocka_unit_test_setup(test_stop_drains, setup),
		cmocka_unit_test_setup(test_stop_time_limit, setup),
		cmocka_unit_test_setup(test_not_started, setup),
		cmocka_unit_test_setup(test_sleep_outside_pool, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
