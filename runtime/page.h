/*
 * page.h - pagination, the one helper every list uses.
 *
 * Lists take page (>= 1) and per_page (1..100), or the tutorial's
 * skip/limit (which win when given: skip=10&limit=10 is page 2 of 10), and
 * answer {data, total, page, per_page, total_pages, has_next, has_prev}.
 * The spec validates the ranges; this computes the window and the meta.
 */
#ifndef RUNTIME_PAGE_H
#define RUNTIME_PAGE_H

#include <stdbool.h>
#include <stdint.h>

struct page {
	int64_t	page;
	int64_t	per_page;
	int64_t	offset;		/* rows to skip */
	int64_t	limit;		/* rows to fetch */
	int64_t	total;		/* set by page_finish */
	int64_t	total_pages;
	bool	has_next;
	bool	has_prev;
};

/* skip/limit < 0 mean "not given". */
void	page_start(struct page *, int64_t page, int64_t per_page,
	    int64_t skip, int64_t limit);
void	page_finish(struct page *, int64_t total);

#endif
