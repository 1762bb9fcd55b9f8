/*
 * test_arena.c - the per-request bump allocator.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"
#include "util.h"

#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN	1
#endif
#endif

#ifdef TEST_ASAN
#include <sanitizer/asan_interface.h>
#endif

static int	aligned16(const void *);
static void	test_alignment(void **);
static void	test_growth(void **);
static void	test_big(void **);
static void	test_strings(void **);
static void	test_zeroed(void **);
static void	test_reset_reuses_first_chunk(void **);
static void	test_used(void **);
static void	test_zero_size(void **);
static void	test_many(void **);
static void	test_poison(void **);

static int
aligned16(const void *p)
{
	return (((uintptr_t)p & 15) == 0);
}

static void
test_alignment(void **state)
{
	struct arena	*a;
	size_t		 sizes[] = { 1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 100,
			    1000, 5000, 100000 };
	size_t		 i;
	void		*p;

	a = arena_new(64);
	for (i = 0; i < nitems(sizes); i++) {
		p = arena_alloc(a, sizes[i]);
		assert_non_null(p);
		assert_true(aligned16(p));
		memset(p, 0xab, sizes[i]);
	}
	arena_free(a);
}

/* Allocations spanning many chunks stay distinct and keep their data. */
static void
test_growth(void **state)
{
	struct arena	*a;
	unsigned char	*ptrs[2000];
	size_t		 i, j;

	a = arena_new(128);
	for (i = 0; i < nitems(ptrs); i++) {
		ptrs[i] = arena_alloc(a, 24);
		assert_true(aligned16(ptrs[i]));
		memset(ptrs[i], (int)(i & 0xff), 24);
	}
	for (i = 0; i < nitems(ptrs); i++)
		for (j = 0; j < 24; j++)
			assert_int_equal(ptrs[i][j], i & 0xff);
	assert_int_equal(arena_used(a), nitems(ptrs) * 24);
	arena_free(a);
}

/* A big allocation gets its own chunk and the current one keeps filling. */
static void
test_big(void **state)
{
	struct arena	*a;
	char		*small1, *big, *small2, *huge;

	a = arena_new(256);
	small1 = arena_alloc(a, 16);
	big = arena_alloc(a, 10000);
	small2 = arena_alloc(a, 16);
	huge = arena_alloc(a, 8 * 1024 * 1024);

	assert_true(aligned16(big));
	assert_true(aligned16(huge));
	/* small2 came from the same chunk as small1: the big one did not
	 * replace the current chunk. */
	assert_ptr_equal(small2, small1 + 16);

	memset(big, 'b', 10000);
	memset(huge, 'h', 8 * 1024 * 1024);
	memset(small1, 's', 16);
	memset(small2, 't', 16);
	assert_int_equal(big[9999], 'b');
	assert_int_equal(huge[8 * 1024 * 1024 - 1], 'h');
	assert_int_equal(small1[15], 's');
	arena_free(a);
}

static void
test_strings(void **state)
{
	struct arena	*a;
	char		*s, *long_s;
	char		 buf[3000];

	a = arena_new(0);

	s = arena_strdup(a, "hello");
	assert_string_equal(s, "hello");
	s = arena_strdup(a, "");
	assert_string_equal(s, "");
	s = arena_strndup(a, "posts/42", 5);
	assert_string_equal(s, "posts");
	/* strndup stops at a NUL before len. */
	s = arena_strndup(a, "ab", 10);
	assert_string_equal(s, "ab");

	s = arena_sprintf(a, "%s/%d/%05.1f", "x", -3, 2.25);
	assert_string_equal(s, "x/-3/002.2");
	s = arena_sprintf(a, "%s", "");
	assert_string_equal(s, "");

	/* Longer than the first chunk. */
	memset(buf, 'z', sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	long_s = arena_sprintf(a, "[%s]", buf);
	assert_int_equal(strlen(long_s), sizeof(buf) + 1);
	assert_int_equal(long_s[0], '[');
	assert_int_equal(long_s[sizeof(buf)], ']');
	long_s = arena_strdup(a, buf);
	assert_string_equal(long_s, buf);

	arena_free(a);
}

static void
test_zeroed(void **state)
{
	struct arena	*a;
	unsigned char	*p;
	size_t		 i;

	a = arena_new(64);
	/* Dirty the first chunk, reset, and check calloc clears. */
	p = arena_alloc(a, 48);
	memset(p, 0xff, 48);
	arena_reset(a);
	p = arena_calloc(a, 12, 4);
	for (i = 0; i < 48; i++)
		assert_int_equal(p[i], 0);
	p = arena_calloc(a, 1000, 8);
	for (i = 0; i < 8000; i++)
		assert_int_equal(p[i], 0);
	arena_free(a);
}

static void
test_reset_reuses_first_chunk(void **state)
{
	struct arena	*a;
	void		*first, *again;
	size_t		 i;

	a = arena_new(1024);
	first = arena_alloc(a, 100);
	for (i = 0; i < 1000; i++)
		(void)arena_alloc(a, 200);
	(void)arena_alloc(a, 1 << 20);
	assert_true(arena_used(a) > 1000 * 200);

	arena_reset(a);
	assert_int_equal(arena_used(a), 0);
	again = arena_alloc(a, 100);
	assert_ptr_equal(first, again);

	/* Reset twice in a row, and reuse after, still work. */
	arena_reset(a);
	arena_reset(a);
	for (i = 0; i < 100; i++)
		memset(arena_alloc(a, 300), 1, 300);
	arena_free(a);
}

static void
test_used(void **state)
{
	struct arena	*a;

	a = arena_new(0);
	assert_int_equal(arena_used(a), 0);
	(void)arena_alloc(a, 10);
	assert_int_equal(arena_used(a), 10);
	(void)arena_strdup(a, "abc");
	assert_int_equal(arena_used(a), 14);
	(void)arena_alloc(a, 100000);
	assert_int_equal(arena_used(a), 100014);
	arena_free(a);
}

static void
test_zero_size(void **state)
{
	struct arena	*a;
	void		*p, *q;

	a = arena_new(0);
	p = arena_alloc(a, 0);
	q = arena_alloc(a, 0);
	assert_non_null(p);
	assert_non_null(q);
	assert_ptr_not_equal(p, q);
	p = arena_calloc(a, 0, 8);
	assert_non_null(p);
	arena_free(a);
	arena_free(NULL);
}

/* Random sizes, every byte checked, across many resets: ASan watches. */
static void
test_many(void **state)
{
	struct arena	*a;
	unsigned char	**ptrs;
	size_t		*lens;
	size_t		 n = 20000, i, j, round;
	unsigned int	 seed = 12345;

	ptrs = xcalloc(n, sizeof(*ptrs));
	lens = xcalloc(n, sizeof(*lens));
	a = arena_new(512);
	for (round = 0; round < 3; round++) {
		for (i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			lens[i] = (seed >> 16) % 300;
			if (i % 997 == 0)
				lens[i] = 70000;
			ptrs[i] = arena_alloc(a, lens[i]);
			assert_true(aligned16(ptrs[i]));
			memset(ptrs[i], (int)(i % 251), lens[i]);
		}
		for (i = 0; i < n; i++)
			for (j = 0; j < lens[i]; j++)
				assert_int_equal(ptrs[i][j], i % 251);
		arena_reset(a);
	}
	arena_free(a);
	free(ptrs);
	free(lens);
}

static void
test_poison(void **state)
{
#ifdef TEST_ASAN
	struct arena	*a;
	char		*p;

	a = arena_new(256);
	p = arena_alloc(a, 5);
	assert_false(__asan_address_is_poisoned(p + 4));
	/* Past the end of what was handed out. */
	assert_true(__asan_address_is_poisoned(p + 5));
	arena_reset(a);
	/* Stale pointers into the first chunk are caught after a reset. */
	assert_true(__asan_address_is_poisoned(p));
	arena_free(a);
#else
	skip();
#endif
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_big),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_zeroed),
		cmocka_unit_test(test_reset_reuses_first_chunk),
		cmocka_unit_test(test_used),
		cmocka_unit_test(test_zero_size),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_poison),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
