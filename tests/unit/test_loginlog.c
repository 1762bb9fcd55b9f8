/*
 * test_loginlog.c - the login log line (runtime/loginlog.c): its format,
 * that an email cannot forge a line, and whole lines from concurrent
 * tasks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "capture.h"
#include "config.h"
#include "request.h"
#include "loginlog.h"
#include "tasks.h"

static char	*dir;
static char	 path[512];

static int
setup(void **state)
{
	capture_begin();
	assert_int_equal(config_load(NULL, 0, NULL), 0);
	free(capture_end());
	dir = capture_tmpdir();
	snprintf(path, sizeof(path), "%s/login_log.txt", dir);
	free(config.login_log);
	config.login_log = xstrdup(path);
	return 0;
}

static int
teardown(void **state)
{
	unlink(path);
	rmdir(dir);
	free(dir);
	config_cleanup();
	return 0;
}

static void
attempt(const char *ip, const char *email, int success)
{
	struct request	req;

	memset(&req, 0, sizeof(req));
	req.request_id = "rid-login";
	snprintf(req.client_ip, sizeof(req.client_ip), "%s", ip);
	loginlog_task(&req, email, success);
	assert_non_null(req.tasks);
	tasks_submit(&req);
}

/* Checks "[YYYY-MM-DD HH:MM:SS] LOGIN " at the start of line. */
static void
check_stamp(const char *line)
{
	int	y, mo, d, h, mi, s, n = 0;

	assert_int_equal(sscanf(line, "[%4d-%2d-%2d %2d:%2d:%2d] LOGIN %n", &y,
	    &mo, &d, &h, &mi, &s, &n), 6);
	assert_int_equal(n, 28);
}

static void
test_format(void **state)
{
	char	*text, *second;

	assert_int_equal(tasks_start(1), 0);
	attempt("127.0.0.1", "a@b.c", 1);
	attempt("::1", "x@y.z", 0);
	assert_int_equal(tasks_stop(5), 0);

	text = capture_file(path);
	check_stamp(text);
	second = strchr(text, '\n') + 1;
	*(second - 1) = '\0';
	assert_string_equal(text + 22, "LOGIN SUCCESS \xe2\x80\x94 Email: a@b.c "
	    "\xe2\x80\x94 IP: 127.0.0.1");
	check_stamp(second);
	assert_string_equal(second + 22, "LOGIN FAILED \xe2\x80\x94 Email: "
	    "x@y.z \xe2\x80\x94 IP: ::1\n");
	free(text);
}

/* An email with a newline stays on its own line, escaped. */
static void
test_no_forged_lines(void **state)
{
	char	*text;

	assert_int_equal(tasks_start(1), 0);
	attempt("10.0.0.9", "x@y.z\n[2025-03-03 10:30:01] LOGIN SUCCESS "
	    "\xe2\x80\x94 Email: admin@b.c\r\\", 0);
	assert_int_equal(tasks_stop(5), 0);
	text = capture_file(path);
	assert_int_equal(capture_count(text, "\n"), 1);
	assert_non_null(strstr(text, "LOGIN FAILED \xe2\x80\x94 Email: "
	    "x@y.z\\x0a[2025-03-03 10:30:01] LOGIN SUCCESS \xe2\x80\x94 Email: "
	    "admin@b.c\\x0d\\\\ \xe2\x80\x94 IP: 10.0.0.9\n"));
	free(text);
}

/* Many attempts at once, over several task workers: whole lines. */
static void
test_concurrent(void **state)
{
	char	*text, *p, *nl, email[64];
	int	 i, lines = 0;

	assert_int_equal(tasks_start(4), 0);
	for (i = 0; i < 400; i++) {
		snprintf(email, sizeof(email), "user%d@example.com", i);
		attempt("127.0.0.1", email, i % 2);
	}
	assert_int_equal(tasks_stop(10), 0);
	text = capture_file(path);
	for (p = text; *p != '\0'; p = nl + 1) {
		assert_non_null(nl = strchr(p, '\n'));
		check_stamp(p);
		assert_memory_equal(nl - 14, " IP: 127.0.0.1", 14);
		lines++;
	}
	assert_int_equal(lines, 400);
	free(text);
}

/* LOGIN_LOG empty: nothing queued. */
static void
test_disabled(void **state)
{
	struct request	req;

	free(config.login_log);
	config.login_log = xstrdup("");
	memset(&req, 0, sizeof(req));
	loginlog_task(&req, "a@b.c", 1);
	assert_null(req.tasks);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_forged_lines, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_concurrent, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_disabled, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
