/*
 * test_loop.c - the event loops (loop.c) through the real server: while
 * a handler waits for PostgreSQL its I/O thread goes on (other handlers
 * wait at the same time, an inline route is answered at once); beyond
 * the thread's connections requests queue and are all answered; a
 * database that refuses connections is a quick 503.
 *
 * The routes are built here by hand (router.h); the one query is
 * tests/unit/fixtures/queries-loop/loop.sql (pg_sleep).  One I/O thread,
 * so that every request shares one loop.  Needs DATABASE_URL
 * (scripts/with-pg.sh); without it the program exits 77 (skipped).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <sodium.h>

#include "arena.h"
#include "capture.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "router.h"
#include "server.h"
#include "util.h"

#define QUERIES		"tests/unit/fixtures/queries-loop"
#define SLEEP_S		"0.3"
#define SLEEP_MS	300

static const char	*db_url;

/* GET /sleep: 0.3 s in PostgreSQL, then "slept <backend pid>". */
static int
sleep_handler(struct http_request *req)
{
	const char	*params[1] = { SLEEP_S };
	enum db_error	 err;
	PGresult	*res;
	char		*body;

	if ((res = db_exec(req->db, "Sleep", 1, params, &err)) == NULL) {
		http_error_db(req, err, db_last_error(req->db));
		return -1;
	}
	body = arena_sprintf(req->arena, "slept %s\n", PQgetvalue(res, 0, 0));
	PQclear(res);
	http_response_bytes(req, 200, "text/plain", body, strlen(body));
	return 0;
}

static int
ping_handler(struct http_request *req)
{
	http_response_static(req, 200, "text/plain", "pong\n", 5);
	return 0;
}

static const struct route_op sleep_op = {
	.operation_id = "sleep",
	.path = "/sleep",
	.tag = "",
	.method = HTTP_GET,
	.handler = sleep_handler,
};
static const struct route_op ping_op = {
	.operation_id = "ping",
	.path = "/ping",
	.tag = "",
	.method = HTTP_GET,
	.flags = ROUTE_INLINE,
	.handler = ping_handler,
};
static const struct route_node sleep_node = {
	.ops = { [HTTP_GET] = &sleep_op },
	.allow = "GET",
};
static const struct route_node ping_node = {
	.ops = { [HTTP_GET] = &ping_op },
	.allow = "GET",
};
static const struct route_edge root_edges[] = {
	{ "ping", &ping_node },
	{ "sleep", &sleep_node },
};
static const struct route_node root = {
	.children = root_edges,
	.nchildren = 2,
};

/* A request sent on a new connection; the answer is read by finish(). */
static int
start(const char *path)
{
	struct sockaddr_in	 sin;
	char			 req[256];
	int			 fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)server_port());
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: t\r\n"
	    "Connection: close\r\n\r\n", path);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	return fd;
}

/* The status of the answer on fd (closed), its body copied to body. */
static int
finish(int fd, char *body, size_t size)
{
	char	 buf[4096], *b;
	size_t	 len = 0;
	ssize_t	 n;
	int	 status = -1;

	while (len < sizeof(buf) - 1 &&
	    (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fd);
	if (sscanf(buf, "HTTP/1.1 %d", &status) != 1)
		status = -1;
	if (body != NULL) {
		b = strstr(buf, "\r\n\r\n");
		snprintf(body, size, "%s", b != NULL ? b + 4 : "");
	}
	return status;
}

static void
serve(const char *url, int connections)
{
	capture_begin();
	assert_int_equal(config_load(NULL, 0, NULL), 0);
	free(capture_end());
	config.port = 0;
	config.io_threads = 1;
	config.db_connections = connections;
	assert_int_equal(db_init(url, QUERIES), 0);
	assert_int_equal(server_start(&root), 0);
}

static void
unserve(void)
{
	server_stop();
	db_cleanup();
	config_cleanup();
}

/* Four handlers on four connections wait at once, not in turn, and an
 * inline route is answered meanwhile. */
static void
test_handlers_wait_together(void **state)
{
	char			 bodies[4][64];
	int			 fds[4], i, j;
	unsigned long long	 t0, ping_ns, all_ns;

	serve(db_url, 4);
	/* Connections made and queries prepared: time the waits alone. */
	for (i = 0; i < 4; i++)
		fds[i] = start("/sleep");
	for (i = 0; i < 4; i++)
		assert_int_equal(finish(fds[i], NULL, 0), 200);

	t0 = util_now_ns();
	for (i = 0; i < 4; i++)
		fds[i] = start("/sleep");
	usleep(50 * 1000);
	assert_int_equal(finish(start("/ping"), NULL, 0), 200);
	ping_ns = util_now_ns() - t0;
	for (i = 0; i < 4; i++)
		assert_int_equal(finish(fds[i], bodies[i], sizeof(bodies[i])),
		    200);
	all_ns = util_now_ns() - t0;
	printf("4 x %d ms in PostgreSQL on one I/O thread: all answered "
	    "after %llu ms, /ping after %llu ms\n", SLEEP_MS,
	    all_ns / 1000000, ping_ns / 1000000);
	/* In turn it would be 4 x 300 ms. */
	assert_true(all_ns < 3 * SLEEP_MS * 1000000ULL);
	assert_true(all_ns >= SLEEP_MS * 1000000ULL);
	/* The loop was not blocked: /ping did not wait for a sleep. */
	assert_true(ping_ns < (50 + SLEEP_MS / 2) * 1000000ULL);
	/* Four different connections (backends). */
	for (i = 0; i < 4; i++)
		for (j = i + 1; j < 4; j++)
			assert_string_not_equal(bodies[i], bodies[j]);
	unserve();
}

/* Six requests, two connections: three rounds, every one answered. */
static void
test_queue_beyond_the_connections(void **state)
{
	int			 fds[6], i;
	unsigned long long	 t0, all_ns;

	serve(db_url, 2);
	t0 = util_now_ns();
	for (i = 0; i < 6; i++)
		fds[i] = start("/sleep");
	for (i = 0; i < 6; i++)
		assert_int_equal(finish(fds[i], NULL, 0), 200);
	all_ns = util_now_ns() - t0;
	printf("6 x %d ms on 2 connections: %llu ms\n", SLEEP_MS,
	    all_ns / 1000000);
	assert_true(all_ns >= 3 * SLEEP_MS * 1000000ULL);
	assert_true(all_ns < 6 * SLEEP_MS * 1000000ULL);
	unserve();
}

/* Nothing listens there: the handler gets DB_UNAVAILABLE, the client a
 * 503 in the envelope, without waiting for the connect timeout. */
static void
test_database_refusing_is_503(void **state)
{
	char			 url[128], body[256], *log;
	unsigned long long	 t0;

	snprintf(url, sizeof(url), "postgresql://nobody@127.0.0.1:%d/none",
	    capture_free_port());

	serve(url, 2);
	capture_begin();
	t0 = util_now_ns();
	assert_int_equal(finish(start("/sleep"), body, sizeof(body)), 503);
	assert_true(util_now_ns() - t0 < 2000000000ULL);
	assert_non_null(strstr(body, "\"success\":false"));
	/* And the server stays up. */
	assert_int_equal(finish(start("/ping"), NULL, 0), 200);
	log = capture_end();
	unserve();
	assert_non_null(strstr(log, "database unavailable"));
	free(log);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handlers_wait_together),
		cmocka_unit_test(test_queue_beyond_the_connections),
		cmocka_unit_test(test_database_refusing_is_503),
	};

	if ((db_url = getenv("DATABASE_URL")) == NULL || *db_url == '\0') {
		printf("test_loop: DATABASE_URL is not set; skipped\n");
		return 77;
	}
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
