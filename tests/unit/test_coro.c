/*
 * test_coro.c - coroutines (runtime/coro.c): start, yield, resume, many
 * interleaved, deep stacks, reuse of a stack, and the guard page.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "coro.h"
#include "util.h"

static void	test_runs_to_completion(void **);
static void	test_yield_and_resume(void **);
static void	test_interleaved(void **);
static void	test_deep_stack(void **);
static void	test_reuse(void **);
static void	test_current(void **);
static void	test_guard_page(void **);

struct trace {
	int	steps[16];
	int	n;
	int	id;
};

static void
co_plain(void *arg)
{
	struct trace	*t = arg;

	t->steps[t->n++] = 1;
}

static void
test_runs_to_completion(void **state)
{
	struct coro	c;
	struct trace	t = { .n = 0 };

	assert_int_equal(coro_init(&c, 64 * 1024), 0);
	assert_int_equal(coro_start(&c, co_plain, &t), 1);
	assert_int_equal(t.n, 1);
	assert_false(c.running);
	coro_cleanup(&c);
}

static void
co_three(void *arg)
{
	struct trace	*t = arg;
	int		 local = 40;	/* lives across the yields */

	t->steps[t->n++] = 1;
	coro_yield();
	local++;
	t->steps[t->n++] = 2;
	coro_yield();
	t->steps[t->n++] = local + 1;
}

static void
test_yield_and_resume(void **state)
{
	struct coro	c;
	struct trace	t = { .n = 0 };

	assert_int_equal(coro_init(&c, 64 * 1024), 0);
	assert_int_equal(coro_start(&c, co_three, &t), 0);
	assert_int_equal(t.n, 1);
	assert_true(c.running);
	assert_int_equal(coro_resume(&c), 0);
	assert_int_equal(t.n, 2);
	assert_int_equal(coro_resume(&c), 1);
	assert_int_equal(t.n, 3);
	assert_int_equal(t.steps[0], 1);
	assert_int_equal(t.steps[1], 2);
	assert_int_equal(t.steps[2], 42);
	coro_cleanup(&c);
}

static int	order[64];
static int	norder;

static void
co_logged(void *arg)
{
	struct trace	*t = arg;
	int		 i;

	for (i = 0; i < 3; i++) {
		order[norder++] = t->id * 10 + i;
		coro_yield();
	}
}

/* Eight coroutines taking turns, as a loop's slots do. */
static void
test_interleaved(void **state)
{
	struct coro	c[8];
	struct trace	t[8];
	int		 i, round, done = 0;

	norder = 0;
	for (i = 0; i < 8; i++) {
		assert_int_equal(coro_init(&c[i], 64 * 1024), 0);
		t[i].id = i;
		assert_int_equal(coro_start(&c[i], co_logged, &t[i]), 0);
	}
	for (round = 1; round <= 3; round++)
		for (i = 0; i < 8; i++)
			done += coro_resume(&c[i]);
	assert_int_equal(done, 8);
	assert_int_equal(norder, 24);
	for (i = 0; i < 24; i++)
		assert_int_equal(order[i], (i % 8) * 10 + i / 8);
	for (i = 0; i < 8; i++)
		coro_cleanup(&c[i]);
}

static int
deep(int n)
{
	volatile char	pad[512];

	pad[0] = (char)n;
	if (n == 0)
		return (pad[0]);
	if (n % 100 == 0)
		coro_yield();
	return (deep(n - 1) + pad[0] - (char)n);
}

static void
co_deep(void *arg)
{
	*(int *)arg = deep(1000) + 1;	/* about 600 KiB of stack */
}

static void
test_deep_stack(void **state)
{
	struct coro	c;
	int		 out = 0, n = 0;

	assert_int_equal(coro_init(&c, 1024 * 1024), 0);
	if (!coro_start(&c, co_deep, &out))
		while (!coro_resume(&c))
			n++;
	assert_int_equal(out, 1);
	assert_int_equal(n, 9);
	coro_cleanup(&c);
}

static void
test_reuse(void **state)
{
	struct coro	c;
	struct trace	t = { .n = 0 };
	int		 i;

	assert_int_equal(coro_init(&c, 64 * 1024), 0);
	for (i = 0; i < 1000; i++) {
		t.n = 0;
		assert_int_equal(coro_start(&c, co_three, &t), 0);
		assert_int_equal(coro_resume(&c), 0);
		assert_int_equal(coro_resume(&c), 1);
		assert_int_equal(t.steps[2], 42);
	}
	coro_cleanup(&c);
}

static struct coro	*seen_inside;

static void
co_current(void *arg)
{
	seen_inside = coro_current();
}

static void
test_current(void **state)
{
	struct coro	c;

	assert_null(coro_current());
	assert_int_equal(coro_init(&c, 64 * 1024), 0);
	assert_int_equal(coro_start(&c, co_current, NULL), 1);
	assert_ptr_equal(seen_inside, &c);
	assert_null(coro_current());
	coro_cleanup(&c);
}

static int
deep_plain(int n)
{
	volatile char	pad[512];

	pad[0] = (char)n;
	return (n == 0 ? pad[0] : deep_plain(n - 1) + pad[0] - (char)n);
}

static void
co_overflow(void *arg)
{
	*(int *)arg = deep_plain(100000);	/* far past 64 KiB */
}

/* An overflow hits the guard page: the process dies of a signal (SIGSEGV,
 * or AddressSanitizer's report and abort), it does not corrupt memory. */
static void
test_guard_page(void **state)
{
	struct coro	c;
	pid_t		pid;
	int		status, out = 0;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* Quiet: the child's crash report is expected. */
		if (freopen("/dev/null", "w", stderr) == NULL)
			_exit(3);
		if (coro_init(&c, 64 * 1024) == -1)
			_exit(2);
		coro_start(&c, co_overflow, &out);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) ||
	    (WIFEXITED(status) && WEXITSTATUS(status) != 0 &&
	    WEXITSTATUS(status) != 2 && WEXITSTATUS(status) != 3));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runs_to_completion),
		cmocka_unit_test(test_yield_and_resume),
		cmocka_unit_test(test_interleaved),
		cmocka_unit_test(test_deep_stack),
		cmocka_unit_test(test_reuse),
		cmocka_unit_test(test_current),
		cmocka_unit_test(test_guard_page),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
