/*
 * page.c - the pagination window and the page envelope's numbers.
 *
 * Any page number the schema allows is a page: one past the end is an
 * empty page with that number, so the window saturates instead of
 * overflowing ((page - 1) * per_page past INT64_MAX would wrap to a page
 * near the start, or to a negative OFFSET that PostgreSQL refuses).
 */
#include "page.h"

void
page_start(struct page *p, int64_t page, int64_t per_page, int64_t skip,
    int64_t limit)
{
	if (limit > 0)
		per_page = limit;
	if (per_page < 1)
		per_page = 1;
	if (page < 1)
		page = 1;
	p->per_page = per_page;
	if (skip >= 0 || limit > 0) {
		/* The tutorial's window: skip (default 0) rows, then limit.
		 * skip need not be a multiple of limit; the page shown is the
		 * one the first row falls in. */
		p->offset = skip >= 0 ? skip : 0;
		p->page = p->offset / per_page + 1;
	} else {
		p->page = page;
		p->offset = page - 1 > INT64_MAX / per_page ? INT64_MAX :
		    (page - 1) * per_page;
	}
	p->limit = per_page;
	p->total = p->total_pages = 0;
	p->has_next = p->has_prev = false;
}

void
page_finish(struct page *p, int64_t total)
{
	p->total = total;
	p->total_pages = (total + p->per_page - 1) / p->per_page;
	p->has_next = total > p->offset && total - p->offset > p->limit;
	p->has_prev = p->offset > 0;
}
