/*
 * test_reqlog.c - the log line writer (runtime/reqlog.c): the request
 * log line's format, escaping, whole lines under concurrency, a full queue
 * that drops and counts instead of blocking the caller, and console lines
 * through the same writer.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "capture.h"
#include "reqlog.h"
#include "util.h"

#define THREADS		8
#define PER_THREAD	5000

static char	*dir;
static char	 path[512];

static int
setup(void **state)
{
	dir = capture_tmpdir();
	snprintf(path, sizeof(path), "%s/requests.log", dir);
	return 0;
}

static int
teardown(void **state)
{
	unlink(path);
	rmdir(dir);
	free(dir);
	return 0;
}

/* Checks one line: "[YYYY-MM-DD HH:MM:SS] METHOD PATH STATUS NNms". */
static void
check_line(const char *line, size_t len)
{
	int	y, mo, d, h, mi, s, n = 0;
	char	rest[4096];

	assert_true(len < sizeof(rest));
	memcpy(rest, line, len);
	rest[len] = '\0';
	if (sscanf(rest, "[%4d-%2d-%2d %2d:%2d:%2d] %n", &y, &mo, &d, &h, &mi,
	    &s, &n) != 6 || n != 22)
		fail_msg("bad line: %s", rest);
	assert_true(y >= 2024 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31);
	assert_non_null(strstr(rest, "ms"));
	assert_string_equal(rest + len - 2, "ms");
}

/* The format, in local time, rounded milliseconds, escaped path. */
static void
test_format(void **state)
{
	struct tm	 tm;
	time_t		 now;
	char		*text, stamp[32];
	int		 y, mo, d;

	assert_int_equal(reqlog_start(path, 0), 0);
	now = time(NULL);
	reqlog_request("POST", "/auth/login", 200, 145.23);
	reqlog_request("GET", "/a\nb\\c", 404, 0.4);
	reqlog_request("GET", "/x", 500, 1.5);
	reqlog_stop();

	text = capture_file(path);
	check_line(text, strchr(text, '\n') - text);
	/* Local time: the date is today's here (unless midnight passed). */
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "[%Y-%m-%d ", &tm);
	assert_int_equal(sscanf(text, "[%d-%d-%d ", &y, &mo, &d), 3);
	if (tm.tm_hour != 23 || tm.tm_min != 59)
		assert_memory_equal(text, stamp, strlen(stamp));
	assert_non_null(strstr(text, "] POST /auth/login 200 145ms\n"));
	assert_non_null(strstr(text, "] GET /a\\x0ab\\\\c 404 0ms\n"));
	assert_non_null(strstr(text, "] GET /x 500 2ms\n"));
	assert_int_equal(capture_count(text, "\n"), 3);
	free(text);
	assert_int_equal(reqlog_dropped(), 0);

	/* Appends: a restart keeps the earlier lines. */
	assert_int_equal(reqlog_start(path, 0), 0);
	reqlog_request("GET", "/", 200, 1);
	reqlog_stop();
	text = capture_file(path);
	assert_int_equal(capture_count(text, "\n"), 4);
	free(text);
}

static void
test_escape(void **state)
{
	char	buf[8];

	assert_int_equal(reqlog_escape(buf, sizeof(buf), "abc"), 3);
	assert_string_equal(buf, "abc");
	assert_int_equal(reqlog_escape(buf, sizeof(buf), "\r\x7f"), 4);
	assert_string_equal(buf, "\\x0d");	/* no room for the second */
	assert_int_equal(reqlog_escape(buf, sizeof(buf), "a\\b"), 4);
	assert_string_equal(buf, "a\\\\b");
	assert_int_equal(reqlog_escape(buf, sizeof(buf), "\xc3\xa9t\xc3\xa9"),
	    5);
	assert_string_equal(buf, "\xc3\xa9t\xc3\xa9");
	/* Cut on a character boundary, never inside one. */
	assert_int_equal(reqlog_escape(buf, sizeof(buf),
	    "ab\xe2\x86\x92\xe2\x86\x92"), 5);
	assert_string_equal(buf, "ab\xe2\x86\x92");
	assert_int_equal(reqlog_escape(buf, sizeof(buf),
	    "abcde\xe2\x86\x92"), 5);
	assert_string_equal(buf, "abcde");
	assert_int_equal(reqlog_escape(buf, sizeof(buf), "0123456789"), 7);
	assert_int_equal(reqlog_escape(buf, 1, "x"), 0);
	assert_string_equal(buf, "");
}

static void *
producer(void *arg)
{
	char	p[64];
	int	i, t = (int)(intptr_t)arg;

	for (i = 0; i < PER_THREAD; i++) {
		snprintf(p, sizeof(p), "/thread/%d/request/%d", t, i);
		reqlog_request("GET", p, 200, i % 300);
	}
	return NULL;
}

/* Concurrent producers: every line whole and well formed; lines written
 * plus lines dropped is exactly what was produced. */
static void
test_concurrent_whole_lines(void **state)
{
	pthread_t	 th[THREADS];
	char		*text, *p, *nl;
	long		 lines = 0;
	int		 i;

	assert_int_equal(reqlog_start(path, 0), 0);
	for (i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, producer, (void *)(intptr_t)i);
	for (i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	reqlog_stop();

	text = capture_file(path);
	for (p = text; *p != '\0'; p = nl + 1) {
		assert_non_null(nl = strchr(p, '\n'));
		check_line(p, (size_t)(nl - p));
		assert_memory_equal(p + 22, "GET /thread/", 12);
		lines++;
	}
	assert_int_equal(lines + (long)reqlog_dropped(),
	    THREADS * PER_THREAD);
	free(text);
}

struct drain {
	int	 fd;
	char	*data;
	size_t	 len;
};

static void *
drainer(void *arg)
{
	struct drain	*d = arg;
	char		 buf[65536];
	ssize_t		 n;

	while ((n = read(d->fd, buf, sizeof(buf))) > 0 || (n == -1 &&
	    errno == EINTR)) {
		if (n <= 0)
			continue;
		d->data = xrealloc(d->data, d->len + (size_t)n + 1);
		memcpy(d->data + d->len, buf, (size_t)n);
		d->len += (size_t)n;
		d->data[d->len] = '\0';
	}
	return NULL;
}

/*
 * A file that does not take data (a FIFO nobody reads): the writer
 * blocks, the small queue fills, and further lines are dropped and
 * counted - the callers never wait.  Once read, what was queued arrives
 * as whole lines and the drop count is logged.
 */
static void
test_full_queue_drops(void **state)
{
	struct drain	 d = { -1, NULL, 0 };
	pthread_t	 th;
	char		 fifo[600], *err, *p, *nl;
	long long	 t0, dt;
	long		 lines = 0;
	int		 i;

	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	/* A reader must exist for the writer's open() not to block. */
	assert_true((d.fd = open(fifo, O_RDONLY | O_NONBLOCK)) >= 0);

	capture_begin();
	assert_int_equal(reqlog_start(fifo, 4096), 0);
	t0 = capture_ms();
	for (i = 0; i < 5000; i++)
		reqlog_request("GET", "/a/path/of/some/length", 200, 1);
	dt = capture_ms() - t0;
	assert_true(dt < 1000);
	assert_true(reqlog_dropped() > 0);

	fcntl(d.fd, F_SETFL, 0);
	pthread_create(&th, NULL, drainer, &d);
	reqlog_stop();
	pthread_join(th, NULL);
	err = capture_end();
	close(d.fd);
	unlink(fifo);

	for (p = d.data; p != NULL && *p != '\0'; p = nl + 1) {
		assert_non_null(nl = strchr(p, '\n'));
		check_line(p, (size_t)(nl - p));
		lines++;
	}
	assert_int_equal(lines + (long)reqlog_dropped(), 5000);
	assert_non_null(strstr(err, "line(s) dropped, the queue was full"));
	free(err);
	free(d.data);
}

/* REQUEST_LOG empty: no file; console lines still go through. */
static void
test_disabled(void **state)
{
	struct stat	st;

	assert_int_equal(reqlog_start("", 0), 0);
	reqlog_request("GET", "/", 200, 1);
	reqlog_stop();
	assert_int_equal(stat(path, &st), -1);
}

static void *
console_producer(void *arg)
{
	char	line[64];
	int	i, n, t = (int)(intptr_t)arg;

	for (i = 0; i < 1000; i++) {
		n = snprintf(line, sizeof(line), "GET /c/%d/%d \xe2\x86\x92 404 "
		    "(0.10ms)\n", t, i);
		reqlog_console(line, (size_t)n);
	}
	return NULL;
}

/* The integer formatters the access log uses instead of printf. */
static void
test_fmt(void **state)
{
	static const struct {
		unsigned long long	 ns;
		const char		*want;
	} ms[] = {
		{ 0, "0.00" }, { 4999, "0.00" }, { 5000, "0.01" },
		{ 1234567, "1.23" }, { 1235000, "1.24" }, { 99994999, "99.99" },
		{ 99995000, "100.00" }, { 3600000000000ULL, "3600000.00" },
	};
	char	buf[UTIL_MS_MAX];
	size_t	i;

	(void)state;
	for (i = 0; i < nitems(ms); i++) {
		assert_int_equal(util_fmt_ms(buf, ms[i].ns),
		    strlen(ms[i].want));
		assert_string_equal(buf, ms[i].want);
	}
	assert_int_equal(util_fmt_u(buf, 0), 1);
	assert_string_equal(buf, "0");
	assert_int_equal(util_fmt_u(buf, 18446744073709551615ULL), 20);
	assert_string_equal(buf, "18446744073709551615");
	assert_int_equal(util_fmt_i(buf, -1), 2);
	assert_string_equal(buf, "-1");
	assert_int_equal(util_fmt_i(buf, -9223372036854775807LL - 1), 20);
	assert_string_equal(buf, "-9223372036854775808");
	assert_int_equal(util_fmt_i(buf, 9223372036854775807LL), 19);
	assert_string_equal(buf, "9223372036854775807");
}

/* reqlog_access: the console line as given, the file line formatted,
 * the duration rounded to whole milliseconds. */
static void
test_access(void **state)
{
	char	*text;

	(void)state;
	assert_int_equal(reqlog_start(path, 0), 0);
	reqlog_access("GET / x\n", 9, "GET", "/a\tb", 201, 1499999);
	reqlog_access("c\n", 2, "DELETE", "/x", 204, 1500000);
	reqlog_stop();
	text = capture_file(path);
	assert_non_null(strstr(text, "] GET /a\\x09b 201 1ms\n"));
	assert_non_null(strstr(text, "] DELETE /x 204 2ms\n"));
	assert_int_equal(capture_count(text, "\n"), 2);
	free(text);
}

/*
 * Console lines go to stdout through the writer: whole lines, each
 * producer's in order, flushed at stop; without a writer they are
 * written at once.
 */
static void
test_console(void **state)
{
	pthread_t	 th[4];
	char		 out[600], *text, *p, *nl, want[64];
	int		 saved, fd, i, next[4] = { 0, 0, 0, 0 }, t, k;

	snprintf(out, sizeof(out), "%s/stdout", dir);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, STDOUT_FILENO);
	close(fd);

	reqlog_console("before\n", 7);		/* no writer yet: direct */
	assert_int_equal(reqlog_start("", 0), 0);
	for (i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, console_producer,
		    (void *)(intptr_t)i);
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	reqlog_stop();
	reqlog_console("after\n", 6);

	dup2(saved, STDOUT_FILENO);
	close(saved);
	text = capture_file(out);
	unlink(out);
	assert_memory_equal(text, "before\n", 7);
	assert_int_equal(capture_count(text, "\n"), 4 * 1000 + 2 -
	    (int)reqlog_dropped());
	for (p = text + 7; *p != '\0' && strcmp(p, "after\n") != 0;
	    p = nl + 1) {
		assert_non_null(nl = strchr(p, '\n'));
		assert_int_equal(sscanf(p, "GET /c/%d/%d ", &t, &k), 2);
		/* In order per producer (drops may skip some). */
		assert_true(k >= next[t]);
		next[t] = k + 1;
		snprintf(want, sizeof(want), "GET /c/%d/%d \xe2\x86\x92 404 "
		    "(0.10ms)\n", t, k);
		assert_memory_equal(p, want, strlen(want));
	}
	assert_string_equal(p, "after\n");
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_format, setup, teardown),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_fmt),
		cmocka_unit_test_setup_teardown(test_access, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_whole_lines,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_queue_drops, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_disabled, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_console, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
