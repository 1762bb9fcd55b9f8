/*
 * arena.h - per-request memory.
 *
 * Every request owns one arena; everything the runtime or a handler
 * allocates for that request comes from it and is released at once when
 * the response is done.  Allocation failure is fatal (see util.h), so the
 * functions here never return NULL.
 */
#ifndef RUNTIME_ARENA_H
#define RUNTIME_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena;

struct arena	*arena_new(size_t first_chunk);
void		 arena_free(struct arena *);
void		 arena_reset(struct arena *);
void		*arena_alloc(struct arena *, size_t);
void		*arena_calloc(struct arena *, size_t, size_t);
char		*arena_strdup(struct arena *, const char *);
char		*arena_strndup(struct arena *, const char *, size_t);
char		*arena_sprintf(struct arena *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
char		*arena_vsprintf(struct arena *, const char *, va_list);
size_t		 arena_used(const struct arena *);

#endif
