/*
 * middleware.c - the ordered middleware chain.
 *
 * The chain is built once in main() before the server starts and is
 * read-only afterwards, so the request path takes no lock.
 */
#include <stddef.h>

#include "middleware.h"
#include "util.h"

#define MIDDLEWARE_MAX	32

static const struct middleware	*chain[MIDDLEWARE_MAX];
static size_t			 nchain;

void
middleware_register(const struct middleware *mw)
{
	if (nchain == MIDDLEWARE_MAX)
		fatal("middleware_register: more than %d middleware",
		    MIDDLEWARE_MAX);
	chain[nchain++] = mw;
}

int
middleware_run_before(struct request *req)
{
	size_t	i;

	for (i = 0; i < nchain; i++) {
		if (chain[i]->before != NULL && chain[i]->before(req) == 1)
			return 1;
	}
	return 0;
}

void
middleware_run_after(struct request *req)
{
	size_t	i;

	for (i = nchain; i > 0; i--) {
		if (chain[i - 1]->after != NULL)
			chain[i - 1]->after(req);
	}
}

void
middleware_cleanup(void)
{
	nchain = 0;
}
