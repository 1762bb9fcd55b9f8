/*
 * jsonw.c - the JSON writer (see jsonw.h).
 *
 * The buffer grows by doubling inside the arena: the old block is left
 * behind (the arena frees everything at once), so a reply costs at most
 * twice its size.  The serializer benchmark in bench/RESULTS.md compares
 * this against building a jansson tree and json_dumps().
 */
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "jsonw.h"
#include "util.h"

static void	jsonw_grow(struct jsonw *, size_t);
static void	jsonw_sep(struct jsonw *);

static inline void
jsonw_put(struct jsonw *w, const char *s, size_t n)
{
	if (w->len + n + 1 > w->cap)
		jsonw_grow(w, n);
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

void
jsonw_init(struct jsonw *w, struct arena *a, size_t hint)
{
	w->arena = a;
	w->cap = hint < 256 ? 256 : hint;
	w->buf = arena_alloc(a, w->cap);
	w->buf[0] = '\0';
	w->len = 0;
	w->comma = 0;
}

static void
jsonw_grow(struct jsonw *w, size_t more)
{
	size_t	 cap = w->cap;
	char	*nb;

	while (cap < w->len + more + 1)
		cap *= 2;
	nb = arena_alloc(w->arena, cap);
	memcpy(nb, w->buf, w->len + 1);
	w->buf = nb;
	w->cap = cap;
}

static void
jsonw_sep(struct jsonw *w)
{
	if (w->comma)
		jsonw_put(w, ",", 1);
	w->comma = 1;
}

void
jsonw_obj_begin(struct jsonw *w)
{
	jsonw_sep(w);
	jsonw_put(w, "{", 1);
	w->comma = 0;
}

void
jsonw_obj_end(struct jsonw *w)
{
	jsonw_put(w, "}", 1);
	w->comma = 1;
}

void
jsonw_arr_begin(struct jsonw *w)
{
	jsonw_sep(w);
	jsonw_put(w, "[", 1);
	w->comma = 0;
}

void
jsonw_arr_end(struct jsonw *w)
{
	jsonw_put(w, "]", 1);
	w->comma = 1;
}

void
jsonw_key_lit(struct jsonw *w, const char *lit, size_t len)
{
	jsonw_sep(w);
	jsonw_put(w, lit, len);
	w->comma = 0;
}

void
jsonw_key(struct jsonw *w, const char *s)
{
	jsonw_str(w, s);
	jsonw_put(w, ":", 1);
	w->comma = 0;
}

void
jsonw_str(struct jsonw *w, const char *s)
{
	jsonw_strn(w, s, strlen(s));
}

void
jsonw_strn(struct jsonw *w, const char *s, size_t n)
{
	static const char	hex[] = "0123456789abcdef";
	const unsigned char	*p = (const unsigned char *)s, *end = p + n;
	const unsigned char	*run;
	char			 esc[6];

	jsonw_sep(w);
	/* Worst case every byte becomes \u00XX: reserve once. */
	if (w->len + 6 * n + 3 > w->cap)
		jsonw_grow(w, 6 * n + 2);
	jsonw_put(w, "\"", 1);
	while (p < end) {
		for (run = p; p < end && *p >= 0x20 && *p != '"' && *p != '\\';
		    p++)
			;
		if (p > run)
			jsonw_put(w, (const char *)run, (size_t)(p - run));
		if (p == end)
			break;
		switch (*p) {
		case '"':
			jsonw_put(w, "\\\"", 2);
			break;
		case '\\':
			jsonw_put(w, "\\\\", 2);
			break;
		case '\n':
			jsonw_put(w, "\\n", 2);
			break;
		case '\r':
			jsonw_put(w, "\\r", 2);
			break;
		case '\t':
			jsonw_put(w, "\\t", 2);
			break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 15];
			jsonw_put(w, esc, 6);
		}
		p++;
	}
	jsonw_put(w, "\"", 1);
}

void
jsonw_int(struct jsonw *w, int64_t v)
{
	char	tmp[24];
	size_t	n;

	jsonw_sep(w);
	n = util_fmt_i(tmp, (long long)v);
	jsonw_put(w, tmp, n);
}

void
jsonw_num(struct jsonw *w, double v)
{
	char	tmp[32];
	int	n;

	if (!isfinite(v)) {
		jsonw_null(w);
		return;
	}
	jsonw_sep(w);
	/* Shortest of %.15g and %.17g that reads back the same. */
	n = snprintf(tmp, sizeof(tmp), "%.15g", v);
	if (strtod(tmp, NULL) != v)
		n = snprintf(tmp, sizeof(tmp), "%.17g", v);
	jsonw_put(w, tmp, (size_t)n);
	/* 1e300 is JSON; "inf" cannot happen (isfinite above). */
}

void
jsonw_bool(struct jsonw *w, bool v)
{
	jsonw_sep(w);
	if (v)
		jsonw_put(w, "true", 4);
	else
		jsonw_put(w, "false", 5);
}

void
jsonw_null(struct jsonw *w)
{
	jsonw_sep(w);
	jsonw_put(w, "null", 4);
}

void
jsonw_raw(struct jsonw *w, const char *s, size_t n)
{
	jsonw_sep(w);
	jsonw_put(w, s, n);
}
