/*
 * coro.c - coroutines on ucontext (see coro.h).
 */
#include <sys/mman.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "coro.h"
#include "util.h"

#if defined(__SANITIZE_ADDRESS__)
#define CORO_ASAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CORO_ASAN	1
#endif
#endif

#ifdef CORO_ASAN
#include <sanitizer/common_interface_defs.h>
#define coro_asan_start(save, bottom, size) \
	__sanitizer_start_switch_fiber((save), (bottom), (size))
#define coro_asan_finish(save, bottom, size) \
	__sanitizer_finish_switch_fiber((save), (bottom), (size))
#else
#define coro_asan_start(save, bottom, size) \
	((void)(save), (void)(bottom), (void)(size))
#define coro_asan_finish(save, bottom, size) \
	((void)(save), (void)(bottom), (void)(size))
#endif

static _Thread_local struct coro	*coro_cur;

static void	coro_entry(void);
static int	coro_switch_in(struct coro *);

static size_t
coro_page(void)
{
	long	ps = sysconf(_SC_PAGESIZE);

	return (ps > 0 ? (size_t)ps : 4096);
}

int
coro_init(struct coro *c, size_t stack_size)
{
	size_t	page = coro_page();

	memset(c, 0, sizeof(*c));
	c->size = (stack_size + page - 1) / page * page + page;
	c->stack = mmap(NULL, c->size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
	if (c->stack == MAP_FAILED) {
		c->stack = NULL;
		return (-1);
	}
	/* The lowest page faults: stacks grow down. */
	if (mprotect(c->stack, page, PROT_NONE) == -1) {
		munmap(c->stack, c->size);
		c->stack = NULL;
		return (-1);
	}
	return (0);
}

void
coro_cleanup(struct coro *c)
{
	if (c->stack != NULL)
		munmap(c->stack, c->size);
	c->stack = NULL;
}

struct coro *
coro_current(void)
{
	return (coro_cur);
}

/* First frame on the coroutine's stack; returns through uc_link. */
static void
coro_entry(void)
{
	struct coro	*c = coro_cur;

	coro_asan_finish(c->asan_fake, &c->caller_bottom, &c->caller_size);
	c->fn(c->arg);
	c->running = 0;
	coro_cur = NULL;
	/* This stack is done: nothing of it to keep. */
	coro_asan_start(NULL, c->caller_bottom, c->caller_size);
}

/* Into c until it yields or returns; 1 when it returned. */
static int
coro_switch_in(struct coro *c)
{
	size_t	page = coro_page();

	if (coro_cur != NULL)
		fatal("coro: a coroutine cannot run another");
	coro_cur = c;
	coro_asan_start(&c->asan_fake_caller, (char *)c->stack + page,
	    c->size - page);
	if (swapcontext(&c->caller, &c->ctx) == -1)
		fatal("coro: swapcontext failed");
	coro_asan_finish(c->asan_fake_caller, NULL, NULL);
	coro_cur = NULL;
	return (!c->running);
}

int
coro_start(struct coro *c, void (*fn)(void *), void *arg)
{
	size_t	page = coro_page();

	if (c->running)
		fatal("coro: started while running");
	if (getcontext(&c->ctx) == -1)
		fatal("coro: getcontext failed");
	c->ctx.uc_stack.ss_sp = (char *)c->stack + page;
	c->ctx.uc_stack.ss_size = c->size - page;
	c->ctx.uc_link = &c->caller;
	makecontext(&c->ctx, coro_entry, 0);
	c->fn = fn;
	c->arg = arg;
	c->running = 1;
	return (coro_switch_in(c));
}

int
coro_resume(struct coro *c)
{
	if (!c->running)
		fatal("coro: resumed when not running");
	return (coro_switch_in(c));
}

void
coro_yield(void)
{
	struct coro	*c = coro_cur;

	if (c == NULL)
		fatal("coro: yield outside a coroutine");
	coro_asan_start(&c->asan_fake, c->caller_bottom, c->caller_size);
	if (swapcontext(&c->ctx, &c->caller) == -1)
		fatal("coro: swapcontext failed");
	coro_asan_finish(c->asan_fake, &c->caller_bottom, &c->caller_size);
}
