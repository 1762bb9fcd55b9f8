/*
 * test_page.c - the pagination helper (runtime/page.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "page.h"

static void
test_first_page(void **state)
{
	struct page	p;

	page_start(&p, 1, 10, -1, -1);
	assert_int_equal(p.offset, 0);
	assert_int_equal(p.limit, 10);
	page_finish(&p, 50);
	assert_int_equal(p.total_pages, 5);
	assert_true(p.has_next);
	assert_false(p.has_prev);
}

static void
test_last_and_beyond(void **state)
{
	struct page	p;

	page_start(&p, 5, 10, -1, -1);
	page_finish(&p, 50);
	assert_int_equal(p.offset, 40);
	assert_false(p.has_next);
	assert_true(p.has_prev);

	page_start(&p, 9, 10, -1, -1);		/* past the end: empty page */
	page_finish(&p, 50);
	assert_int_equal(p.offset, 80);
	assert_int_equal(p.page, 9);
	assert_false(p.has_next);
	assert_true(p.has_prev);

	page_start(&p, 1, 10, -1, -1);		/* empty list */
	page_finish(&p, 0);
	assert_int_equal(p.total_pages, 0);
	assert_false(p.has_next);
	assert_false(p.has_prev);

	page_start(&p, 1, 10, -1, -1);		/* partial last page */
	page_finish(&p, 51);
	assert_int_equal(p.total_pages, 6);
}

/* Page numbers whose offset would pass INT64_MAX: still an empty page
 * with the number asked, never a wrapped or negative offset. */
static void
test_huge_pages(void **state)
{
	struct page	p;

	page_start(&p, INT64_MAX, 10, -1, -1);
	page_finish(&p, 50);
	assert_int_equal(p.page, INT64_MAX);
	assert_int_equal(p.offset, INT64_MAX);
	assert_false(p.has_next);
	assert_true(p.has_prev);

	/* (page - 1) * 100 is 2^62 * 100: wraps in 64 bits. */
	page_start(&p, 4611686018427387905LL, 100, -1, -1);
	page_finish(&p, 50);
	assert_int_equal(p.offset, INT64_MAX);
	assert_int_equal(p.page, 4611686018427387905LL);
	assert_false(p.has_next);

	page_start(&p, INT64_MAX / 10 + 2, 10, -1, -1);	/* just past */
	assert_int_equal(p.offset, INT64_MAX);
	page_start(&p, INT64_MAX / 10 + 1, 10, -1, -1);	/* just fits */
	assert_int_equal(p.offset, INT64_MAX / 10 * 10);
}

static void
test_skip_limit(void **state)
{
	struct page	p;

	page_start(&p, 1, 10, 10, 10);		/* page 2 of 10 */
	page_finish(&p, 50);
	assert_int_equal(p.page, 2);
	assert_int_equal(p.per_page, 10);
	assert_int_equal(p.offset, 10);
	assert_true(p.has_next);
	assert_true(p.has_prev);

	page_start(&p, 3, 20, -1, 5);		/* limit alone: skip 0, as the tutorial */
	assert_int_equal(p.per_page, 5);
	assert_int_equal(p.offset, 0);
	assert_int_equal(p.page, 1);

	page_start(&p, 7, 10, 15, -1);		/* skip alone, not a multiple */
	assert_int_equal(p.offset, 15);
	assert_int_equal(p.page, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_page),
		cmocka_unit_test(test_last_and_beyond),
		cmocka_unit_test(test_huge_pages),
		cmocka_unit_test(test_skip_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
