/*
 * buf.c - a growable byte string, and writers for C string literals and
 * comments.
 *
 * Everything the generator emits is built in a buf and written whole by
 * emit.c.  Text from the spec reaches C source only through
 * buf_cstring*() and buf_comment(), which make any byte sequence safe:
 * escapes for literals (including "??" trigraphs, which -std=c11
 * honours), and no comment terminators inside comments.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen.h"

/* Escaped text per literal line: a tab, two quotes and this stay
 * within 76 columns. */
#define BUF_LITERAL_WIDTH	66
/* Input bytes per buffer reservation in buf_cstring_lines(). */
#define BUF_BLOCK		1024

static size_t	buf_escape(char *, const char *, size_t);
static void	buf_reserve(struct buf *, size_t);

void
buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

static void
buf_reserve(struct buf *b, size_t more)
{
	size_t	cap;

	if (more > SIZE_MAX - b->len - 1)
		fatal("buffer overflow");
	if (b->len + more + 1 <= b->cap)
		return;
	cap = b->cap == 0 ? 256 : b->cap;
	while (cap < b->len + more + 1)
		cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
	b->data = xreallocarray(b->data, cap, 1);
	b->cap = cap;
}

/* The data stays NUL-terminated so it can be used as a C string. */
void
buf_add(struct buf *b, const void *p, size_t len)
{
	buf_reserve(b, len);
	if (len > 0)
		memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void
buf_putc(struct buf *b, int c)
{
	char	ch = (char)c;

	buf_add(b, &ch, 1);
}

void
buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	ap;
	int	len;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0)
		fatal("buf_printf: bad format");
	buf_reserve(b, (size_t)len);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)len + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)len;
}

/*
 * Writes the escape of s[i] into out (at least 4 bytes) and returns its
 * length.  Octal escapes are always three digits so a following digit
 * cannot extend them (hex escapes would); bytes >= 0x80 are escaped too
 * so the output is plain ASCII whatever the compiler's input charset.
 */
static size_t
buf_escape(char *out, const char *s, size_t i)
{
	unsigned char	c = (unsigned char)s[i];

	switch (c) {
	case '"':
	case '\\':
		out[0] = '\\';
		out[1] = (char)c;
		return (2);
	case '\n':
		memcpy(out, "\\n", 2);
		return (2);
	case '\t':
		memcpy(out, "\\t", 2);
		return (2);
	case '?':
		/* Trigraphs are replaced before escapes: never let two
		 * '?' touch. */
		if (i > 0 && s[i - 1] == '?') {
			memcpy(out, "\\?", 2);
			return (2);
		}
		out[0] = '?';
		return (1);
	}
	if (c >= 0x20 && c < 0x7f) {
		out[0] = (char)c;
		return (1);
	}
	out[0] = '\\';
	out[1] = (char)('0' + (c >> 6));
	out[2] = (char)('0' + ((c >> 3) & 7));
	out[3] = (char)('0' + (c & 7));
	return (4);
}

void
buf_cstring(struct buf *b, const char *s, size_t len)
{
	char	esc[4];
	size_t	i;

	buf_putc(b, '"');
	for (i = 0; i < len; i++)
		buf_add(b, esc, buf_escape(esc, s, i));
	buf_putc(b, '"');
}

/*
 * s as concatenated literals, one per line, each line prefixed with
 * indent.  Lines break after a newline in s (so embedded text stays
 * readable) and before the width is exceeded.  No final newline.
 */
void
buf_cstring_lines(struct buf *b, const char *s, size_t len,
    const char *indent)
{
	size_t	i, n, width, ilen = strlen(indent);
	char	*d;

	/* Room for a block of input at its worst: every byte escaped to
	 * four and followed by a line break (quote, newline, indent,
	 * quote).  Writing through d avoids a call per byte. */
	buf_reserve(b, ilen + 2);
	d = b->data + b->len;
	memcpy(d, indent, ilen);
	d += ilen;
	*d++ = '"';
	width = 0;
	for (i = 0; i < len; i++) {
		if (i % BUF_BLOCK == 0) {
			b->len = (size_t)(d - b->data);
			buf_reserve(b, BUF_BLOCK * (ilen + 7) + 1);
			d = b->data + b->len;
		}
		n = buf_escape(d, s, i);
		if (width + n > BUF_LITERAL_WIDTH) {
			/* Move the escape behind a line break. */
			memmove(d + ilen + 3, d, n);
			*d++ = '"';
			*d++ = '\n';
			memcpy(d, indent, ilen);
			d += ilen;
			*d++ = '"';
			width = 0;
		}
		d += n;
		width += n;
		if (s[i] == '\n' && i + 1 < len) {
			*d++ = '"';
			*d++ = '\n';
			memcpy(d, indent, ilen);
			d += ilen;
			*d++ = '"';
			width = 0;
		}
	}
	*d++ = '"';
	b->len = (size_t)(d - b->data);
	b->data[b->len] = '\0';
}

/*
 * Comment text from the spec: whitespace runs become one space, and
 * the sequences that would end or nest a comment, or form a trigraph,
 * are split with a space.
 */
void
buf_comment(struct buf *b, const char *s)
{
	size_t	start = b->len;
	int	prev = ' ', c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			c = ' ';
		if (c == ' ' && prev == ' ')
			continue;
		if ((c == '/' && prev == '*') || (c == '*' && prev == '/') ||
		    (c == '?' && prev == '?'))
			buf_putc(b, ' ');
		buf_putc(b, c);
		prev = c;
	}
	while (b->len > start && b->data[b->len - 1] == ' ')
		b->data[--b->len] = '\0';
}
