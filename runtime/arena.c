/*
 * arena.c - chunked bump allocator for per-request memory.
 *
 * An arena is a list of chunks.  Allocations are bumped from the current
 * chunk, 16-byte aligned (enough for any scalar type, like malloc).  When
 * it is full a new chunk twice the size of the last one is added, capped
 * at ARENA_CHUNK_MAX, so a request that allocates a lot does not call
 * malloc for every string.  An allocation too large to share a chunk
 * gets a chunk of its own, linked in without becoming the current chunk,
 * so the free space left in the current one is not wasted.
 *
 * arena_reset() frees every chunk but the first and rewinds it: a worker
 * keeps one arena and reuses it request after request, and most requests
 * fit in the first chunk, so the steady state does no malloc at all.
 *
 * Not thread-safe: a request, and so its arena, is handled by one thread
 * at a time.
 *
 * Under AddressSanitizer the unused part of each chunk is poisoned, so a
 * read past what was handed out, or a use after arena_reset(), is caught.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "util.h"

#if defined(__SANITIZE_ADDRESS__)
#define ARENA_ASAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_ASAN	1
#endif
#endif

#ifdef ARENA_ASAN
#include <sanitizer/asan_interface.h>
#define ARENA_POISON(p, n)	ASAN_POISON_MEMORY_REGION((p), (n))
#define ARENA_UNPOISON(p, n)	ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define ARENA_POISON(p, n)	((void)(p), (void)(n))
#define ARENA_UNPOISON(p, n)	((void)(p), (void)(n))
#endif

#define ARENA_ALIGN		16
#define ARENA_CHUNK_DEFAULT	4096
#define ARENA_CHUNK_MAX		(1024 * 1024)

struct arena_chunk {
	struct arena_chunk	*next;
	unsigned char		*data;		/* ARENA_ALIGN-aligned */
	size_t			 size;		/* usable bytes at data */
	size_t			 off;		/* bytes bumped so far */
};

struct arena {
	struct arena_chunk	*chunks;	/* every chunk, cur at the head */
	struct arena_chunk	*first;		/* kept across arena_reset */
	struct arena_chunk	*cur;		/* bump from here */
	size_t			 first_size;
	size_t			 next_size;	/* size of the next new chunk */
	size_t			 used;		/* bytes handed out */
};

static struct arena_chunk	*arena_chunk_new(size_t);
static void			 arena_chunk_free(struct arena_chunk *);
static size_t			 arena_roundup(size_t);
static size_t			 arena_grow(size_t);

struct arena *
arena_new(size_t first_chunk)
{
	struct arena	*a;

	if (first_chunk == 0)
		first_chunk = ARENA_CHUNK_DEFAULT;
	first_chunk = arena_roundup(first_chunk);

	a = xcalloc(1, sizeof(*a));
	a->first = arena_chunk_new(first_chunk);
	a->chunks = a->cur = a->first;
	a->first_size = first_chunk;
	a->next_size = arena_grow(first_chunk);
	return (a);
}

void
arena_free(struct arena *a)
{
	struct arena_chunk	*c, *next;

	if (a == NULL)
		return;
	for (c = a->chunks; c != NULL; c = next) {
		next = c->next;
		arena_chunk_free(c);
	}
	free(a);
}

void
arena_reset(struct arena *a)
{
	struct arena_chunk	*c, *next;

	for (c = a->chunks; c != NULL; c = next) {
		next = c->next;
		if (c != a->first)
			arena_chunk_free(c);
	}
	a->first->next = NULL;
	a->first->off = 0;
	ARENA_POISON(a->first->data, a->first->size);
	a->chunks = a->cur = a->first;
	a->next_size = arena_grow(a->first_size);
	a->used = 0;
}

void *
arena_alloc(struct arena *a, size_t n)
{
	struct arena_chunk	*c;
	size_t			 need;
	void			*p;

	/* Zero-byte requests still get a distinct, valid pointer. */
	need = arena_roundup(n == 0 ? 1 : n);

	c = a->cur;
	if (c->size - c->off < need) {
		if (need > a->next_size / 4) {
			/* Big: its own chunk, behind the current one. */
			c = arena_chunk_new(need);
			c->next = a->cur->next;
			a->cur->next = c;
		} else {
			c = arena_chunk_new(a->next_size);
			c->next = a->chunks;
			a->chunks = a->cur = c;
			a->next_size = arena_grow(a->next_size);
		}
	}

	p = c->data + c->off;
	c->off += need;
	a->used += n;
	ARENA_UNPOISON(p, n);
	return (p);
}

void *
arena_calloc(struct arena *a, size_t nmemb, size_t size)
{
	void	*p;

	if (size != 0 && nmemb > SIZE_MAX / size)
		fatal("arena_calloc: %zu * %zu overflows", nmemb, size);
	p = arena_alloc(a, nmemb * size);
	memset(p, 0, nmemb * size);
	return (p);
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return (arena_strndup(a, s, strlen(s)));
}

/* Copies at most len bytes, stopping early at a NUL, and terminates. */
char *
arena_strndup(struct arena *a, const char *s, size_t len)
{
	char	*p;

	len = strnlen(s, len);
	if (len == SIZE_MAX)
		fatal("arena_strndup: length overflows");
	p = arena_alloc(a, len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return (p);
}

char *
arena_sprintf(struct arena *a, const char *fmt, ...)
{
	va_list	 ap;
	char	*p;

	va_start(ap, fmt);
	p = arena_vsprintf(a, fmt, ap);
	va_end(ap);
	return (p);
}

char *
arena_vsprintf(struct arena *a, const char *fmt, va_list ap)
{
	va_list	 cp;
	char	*p;
	int	 len;

	/* Measure first, then format into exactly that much. */
	va_copy(cp, ap);
	len = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (len < 0)
		fatal("arena_vsprintf: bad format \"%s\"", fmt);

	p = arena_alloc(a, (size_t)len + 1);
	va_copy(cp, ap);
	vsnprintf(p, (size_t)len + 1, fmt, cp);
	va_end(cp);
	return (p);
}

size_t
arena_used(const struct arena *a)
{
	return (a->used);
}

/* The header and the data share one malloc; data starts 16-aligned. */
static struct arena_chunk *
arena_chunk_new(size_t size)
{
	struct arena_chunk	*c;
	size_t			 hdr;

	hdr = arena_roundup(sizeof(*c));
	if (size > SIZE_MAX - hdr - ARENA_ALIGN)
		fatal("arena: chunk of %zu bytes is too large", size);
	c = xmalloc(hdr + size + ARENA_ALIGN);
	c->next = NULL;
	c->data = (unsigned char *)(((uintptr_t)c + hdr + ARENA_ALIGN - 1) &
	    ~(uintptr_t)(ARENA_ALIGN - 1));
	c->size = size;
	c->off = 0;
	ARENA_POISON(c->data, c->size);
	return (c);
}

static void
arena_chunk_free(struct arena_chunk *c)
{
	/* Hand the memory back to malloc in the state it gave it to us. */
	ARENA_UNPOISON(c->data, c->size);
	free(c);
}

static size_t
arena_roundup(size_t n)
{
	if (n > SIZE_MAX - (ARENA_ALIGN - 1))
		fatal("arena: allocation of %zu bytes is too large", n);
	return ((n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1));
}

/* Doubling, capped; a first chunk already above the cap stays as it is. */
static size_t
arena_grow(size_t size)
{
	if (size >= ARENA_CHUNK_MAX)
		return (size);
	if (size > ARENA_CHUNK_MAX / 2)
		return (ARENA_CHUNK_MAX);
	return (size * 2);
}
