/*
 * tasks.h - background tasks: work a handler asks for that runs after its
 * response has been sent (the login log line, the welcome email).
 *
 * A handler calls tasks_add(); the tasks stay on the request until the
 * server is done with it (server_completed), then go, as one batch, to a
 * queue served by TASK_WORKERS threads of their own - never the request
 * workers, so a slow mail server cannot hold a request.  A request's
 * tasks run one after the other in the order they were added; a task
 * that fails (returns -1) is logged with the request id and the next one
 * runs all the same.
 *
 * Ownership: arg belongs to the task from tasks_add() on, whatever
 * happens; free_arg(arg) (may be NULL) is called exactly once, after the
 * task ran or when it cannot run.  arg must therefore be heap memory, not
 * the request's arena, which is gone before the task runs.
 *
 * Shutdown (tasks_stop): queued tasks still run, within a time limit;
 * those that cannot are logged by name and released.
 */
#ifndef RUNTIME_TASKS_H
#define RUNTIME_TASKS_H

struct request;

/* 0 ok, -1 failed (logged by the runtime with the task's name). */
typedef int	(*task_fn)(void *arg);

int	tasks_start(int nworkers);
/* name is copied; it names the task in the logs. */
void	tasks_add(struct request *, const char *name, task_fn,
	    void *arg, void (*free_arg)(void *));
/* The response is done: queue the request's tasks (the server calls
 * this).  Never waits for them. */
void	tasks_submit(struct request *);
/* Lets queued and running tasks finish, at most timeout_s seconds, then
 * logs by name what could not run and releases it.  0 when every task
 * ran, -1 otherwise. */
int	tasks_stop(int timeout_s);
/* For a task that waits (a retry back-off): sleeps ms milliseconds.  0
 * slept, -1 cut short because the shutdown time limit has passed - the
 * task should give up. */
int	tasks_sleep_ms(long ms);

#endif
