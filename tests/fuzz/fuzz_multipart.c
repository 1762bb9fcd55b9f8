/*
 * fuzz_multipart.c - libFuzzer target for the multipart parser
 * (runtime/multipart.c) and the Content-Type boundary parser.
 *
 * Input: one byte choosing how the body is cut into chunks, then the body
 * (boundary "XyZ").  The body is parsed twice, whole and in those
 * chunks; besides the sanitizers' checks, the two runs must report the
 * same parts, the same content and the same result, since chunk
 * boundaries may only change how content is split between callbacks.
 * The input, as a string, is also given to multipart_boundary().
 *
 *	make fuzz-multipart [FUZZ_SECONDS=10]
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "multipart.h"
#include "util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct flog {
	char	*buf;
	size_t	 len, cap;
	int	 in_part;
};

static void
flog_add(struct flog *l, const void *p, size_t n)
{
	if (l->len + n > l->cap) {
		l->cap = (l->len + n) * 2 + 64;
		l->buf = xrealloc(l->buf, l->cap);
	}
	memcpy(l->buf + l->len, p, n);
	l->len += n;
}

static void
flog_str(struct flog *l, const char *s)
{
	/* Length first, so "a" + "b" never equals "ab" + "". */
	size_t	n = s ? strlen(s) + 1 : 0;

	flog_add(l, &n, sizeof(n));
	if (s != NULL)
		flog_add(l, s, n);
}

static int
fz_begin(void *arg, const struct multipart_part *p)
{
	struct flog	*l = arg;

	if (l->in_part)
		abort();	/* begin without end */
	l->in_part = 1;
	flog_add(l, "B", 1);
	flog_str(l, p->name);
	flog_str(l, p->filename);
	flog_str(l, p->content_type);
	return 0;
}

static int
fz_data(void *arg, const char *p, size_t n)
{
	struct flog	*l = arg;

	if (!l->in_part || n == 0)
		abort();	/* content outside a part, or empty */
	flog_add(l, p, n);	/* unframed: pieces join */
	return 0;
}

static int
fz_end(void *arg)
{
	struct flog	*l = arg;

	if (!l->in_part)
		abort();
	l->in_part = 0;
	flog_add(l, "E", 1);
	return 0;
}

static const struct multipart_callbacks fz_cbs = { fz_begin, fz_data, fz_end };

static void
fz_parse(const char *body, size_t len, unsigned seed, struct flog *l)
{
	struct multipart	*mp;
	size_t			 off = 0, n;
	int			 rc = 0;
	char			 r;

	mp = multipart_new("XyZ", &fz_cbs, l);
	while (off < len && rc == 0) {
		/* seed 0: whole; else pseudo-random pieces of 1..seed*2 bytes */
		if (seed == 0)
			n = len;
		else {
			n = 1 + (off * 2654435761u + seed) % (seed * 2);
		}
		if (n > len - off)
			n = len - off;
		rc = multipart_feed(mp, body + off, n);
		off += n;
	}
	if (rc == 0)
		rc = multipart_finish(mp);
	r = (char)('0' + multipart_errno(mp));
	flog_add(l, "R", 1);
	flog_add(l, &r, 1);
	multipart_free(mp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flog	 a = { 0 }, b = { 0 };
	char		 ct[1024], out[MULTIPART_MAX_BOUNDARY + 1];
	size_t		 n;

	n = size < sizeof(ct) - 1 ? size : sizeof(ct) - 1;
	memcpy(ct, data, n);
	ct[n] = '\0';
	if (multipart_boundary(ct, out) == 0 &&
	    (strlen(out) == 0 || strlen(out) > MULTIPART_MAX_BOUNDARY))
		abort();

	if (size < 1)
		return 0;
	fz_parse((const char *)data + 1, size - 1, 0, &a);
	fz_parse((const char *)data + 1, size - 1, data[0] % 64 + 1, &b);
	if (a.len != b.len || memcmp(a.buf, b.buf, a.len) != 0) {
		fprintf(stderr, "whole and chunked parses differ\n");
		abort();
	}
	free(a.buf);
	free(b.buf);
	return 0;
}
