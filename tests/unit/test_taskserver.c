/*
 * test_taskserver.c - background tasks through the real server (server.c
 * on libmicrohttpd, on a free loopback port): a handler whose task sleeps
 * 2 s is answered at once, the task runs after the response, and shutdown
 * waits for it.
 *
 * The route is built here by hand (router.h), not taken from openapi.yaml,
 * so the production spec carries no test-only operation.  Prints the
 * measured times (bench/RESULTS.md quotes a release-build run).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "capture.h"
#include "config.h"
#include "http.h"
#include "router.h"
#include "server.h"
#include "tasks.h"

#define REQUESTS	3
#define TASK_MS		2000

static atomic_int	 done;
static long long	 task_end_ms[REQUESTS];

static int
sleep_task(void *arg)
{
	usleep(TASK_MS * 1000);
	task_end_ms[atomic_fetch_add(&done, 1)] = capture_ms();
	return 0;
}

static int
slow_task_handler(struct http_request *req)
{
	tasks_add(req, "sleep-2s", sleep_task, NULL, NULL);
	http_response_static(req, 200, "text/plain", "queued\n", 7);
	return 0;
}

static const struct route_op slow_op = {
	.operation_id = "slow_task",
	.path = "/slow-task",
	.tag = "",
	.method = HTTP_GET,
	.flags = ROUTE_INLINE,
	.handler = slow_task_handler,
};
static const struct route_node slow_node = {
	.ops = { [HTTP_GET] = &slow_op },
	.allow = "GET",
};
static const struct route_edge root_edges[] = {
	{ "slow-task", &slow_node },
};
static const struct route_node root = {
	.children = root_edges,
	.nchildren = 1,
};

/* One request on a new connection; returns the status, or -1. */
static int
get(const char *path)
{
	struct sockaddr_in	 sin;
	char			 buf[4096], req[256];
	size_t			 len = 0;
	ssize_t			 n;
	int			 fd, status = -1;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)server_port());
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		goto out;
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: t\r\n"
	    "Connection: close\r\n\r\n", path);
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req))
		goto out;
	while (len < sizeof(buf) - 1 &&
	    (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	if (sscanf(buf, "HTTP/1.1 %d", &status) != 1)
		status = -1;
	assert_non_null(strstr(buf, "\r\n\r\nqueued\n"));
out:
	close(fd);
	return status;
}

static void
test_answered_before_the_task_runs(void **state)
{
	unsigned long long sent;
	long long	 t0, answered[REQUESTS], stop_ms;
	double		 took;
	char		*err;
	int		 i;

	capture_begin();
	assert_int_equal(config_load(NULL, 0, NULL), 0);
	free(capture_end());
	config.port = 0;
	config.io_threads = 2;

	assert_int_equal(tasks_start(REQUESTS), 0);
	assert_int_equal(server_start(&root), 0);

	for (i = 0; i < REQUESTS; i++) {
		sent = util_now_ns();
		assert_int_equal(get("/slow-task"), 200);
		took = (double)(util_now_ns() - sent) / 1e6;
		answered[i] = capture_ms();
		printf("request %d answered in %.3f ms (connect, request, "
		    "response, close)\n", i, took);
		assert_true(took < 500);
	}
	/* Every response is out; no task has finished. */
	assert_int_equal(atomic_load(&done), 0);

	capture_begin();
	server_stop();
	t0 = capture_ms();
	assert_int_equal(tasks_stop(10), 0);	/* waits for the tasks */
	stop_ms = capture_ms() - t0;
	err = capture_end();
	free(err);
	assert_int_equal(atomic_load(&done), REQUESTS);
	for (i = 0; i < REQUESTS; i++) {
		/* Each task ended about 2 s after its request was answered. */
		assert_true(task_end_ms[i] - answered[0] >= TASK_MS - 50);
		printf("task %d finished %lld ms after the first answer\n", i,
		    task_end_ms[i] - answered[0]);
	}
	printf("shutdown waited %lld ms for the tasks\n", stop_ms);
	config_cleanup();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answered_before_the_task_runs),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
