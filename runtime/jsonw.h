/*
 * jsonw.h - a small JSON writer into the request arena.
 *
 * The generated serializers (generated/json.c) write replies through it
 * directly from typed structs: no intermediate tree, one growing buffer.
 * Commas are the writer's business: a value or key written after another
 * value gets one.  Strings must be UTF-8; they are escaped as JSON
 * requires (quote, backslash, controls; "/" is left alone).  A number
 * that is not finite is written as null (JSON has no inf or nan).
 */
#ifndef RUNTIME_JSONW_H
#define RUNTIME_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;

struct jsonw {
	struct arena	*arena;
	char		*buf;
	size_t		 len;
	size_t		 cap;
	int		 comma;		/* a value was just written */
};

void	jsonw_init(struct jsonw *, struct arena *, size_t hint);
void	jsonw_obj_begin(struct jsonw *);
void	jsonw_obj_end(struct jsonw *);
void	jsonw_arr_begin(struct jsonw *);
void	jsonw_arr_end(struct jsonw *);
/* A key: a ready-made literal "\"name\":" (generated), or any string. */
void	jsonw_key_lit(struct jsonw *, const char *, size_t);
void	jsonw_key(struct jsonw *, const char *);
void	jsonw_str(struct jsonw *, const char *);
void	jsonw_strn(struct jsonw *, const char *, size_t);
void	jsonw_int(struct jsonw *, int64_t);
void	jsonw_num(struct jsonw *, double);
void	jsonw_bool(struct jsonw *, bool);
void	jsonw_null(struct jsonw *);
/* A value that is already JSON text. */
void	jsonw_raw(struct jsonw *, const char *, size_t);

#endif
