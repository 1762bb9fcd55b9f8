/*
 * test_multipart.c - the incremental multipart parser, as data: each case
 * is a body and the events it must produce, written as a log
 *
 *	[name|filename|content-type] for a part's headers ("-" when absent),
 *	its content, then "$" at its end,
 *
 * followed by "!<error>" when the body must fail.  Every case is fed
 * whole, split in two at every offset, and one byte at a time; the log
 * must not change (content split into pieces is joined before comparing).
 * Then multipart_boundary() on Content-Type values.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "multipart.h"
#include "util.h"

struct mp_case {
	const char	*what;
	const char	*boundary;
	const char	*body;
	size_t		 len;		/* 0: strlen(body) */
	const char	*log;
	size_t		 loglen;	/* 0: strlen(log) */
};

#define CRLF	"\r\n"

/* Content with NUL bytes needs explicit lengths. */
#define BIN_BODY							\
	"--b" CRLF							\
	"Content-Disposition: form-data; name=\"file\"; filename=\"cat.png\"" CRLF \
	"Content-Type: image/png" CRLF CRLF				\
	"\x89PNG\r\n\x1a\n\0\0binary" CRLF					\
	"--b--"
#define BIN_LOG	"[file|cat.png|image/png]\x89PNG\r\n\x1a\n\0\0binary$"

static const struct mp_case cases[] = {
	{ "one text part", "XyZ",
	    "--XyZ" CRLF
	    "Content-Disposition: form-data; name=\"description\"" CRLF CRLF
	    "a cat" CRLF
	    "--XyZ--" CRLF, 0,
	    "[description|-|-]a cat$", 0 },
	{ "a file part, NUL bytes", "b", BIN_BODY, sizeof(BIN_BODY) - 1,
	    BIN_LOG, sizeof(BIN_LOG) - 1 },
	{ "two parts, preamble and epilogue", "bb",
	    "preamble, ignored" CRLF
	    "--bb" CRLF
	    "Content-Disposition: form-data; name=a" CRLF CRLF
	    "1" CRLF
	    "--bb" CRLF
	    "content-disposition: FORM-DATA; NAME=b; Filename=x" CRLF CRLF
	    "2" CRLF
	    "--bb--" CRLF
	    "epilogue --bb" CRLF, 0,
	    "[a|-|-]1$[b|x|-]2$", 0 },
	{ "near-delimiters inside content", "bnd",
	    "--bnd" CRLF
	    "Content-Disposition: form-data; name=f" CRLF CRLF
	    "\r\r\n\r\n-\r\n--\r\n--b\r\n--bn\r\n--bnX--bnd" CRLF
	    "--bnd--", 0,
	    "[f|-|-]\r\r\n\r\n-\r\n--\r\n--b\r\n--bn\r\n--bnX--bnd$", 0 },
	{ "self-overlapping boundary (KMP fallback)", "-",
	    "---" CRLF
	    "Content-Disposition: form-data; name=f" CRLF CRLF
	    "\r\n--\r\n--x\r\n-\r\n-" CRLF
	    "-----", 0,
	    "[f|-|-]\r\n--\r\n--x\r\n-\r\n-$", 0 },
	{ "transport padding after a boundary", "b",
	    "--b \t " CRLF
	    "Content-Disposition: form-data; name=f" CRLF CRLF
	    "v" CRLF "--b--", 0,
	    "[f|-|-]v$", 0 },
	{ "a part without headers, an empty part", "b",
	    "--b" CRLF CRLF
	    "no headers" CRLF
	    "--b" CRLF
	    "Content-Disposition: form-data; name=e" CRLF CRLF
	    CRLF "--b--", 0,
	    "[-|-|-]no headers$[e|-|-]$", 0 },
	{ "folded header, quoted escapes, Windows path", "b",
	    "--b" CRLF
	    "Content-Disposition: form-data;" CRLF
	    "\tname=\"f\"; filename=\"C:\\dir\\a \\\"b\\\".png\"" CRLF
	    "Content-Type:  image/png ; q=1 " CRLF
	    "X-Other: ignored" CRLF
	    "no colon line" CRLF CRLF
	    "x" CRLF "--b--", 0,
	    "[f|C:\\dir\\a \"b\".png|image/png ; q=1]x$", 0 },
	{ "last parameter wins, unknown ones ignored", "b",
	    "--b" CRLF
	    "Content-Disposition: form-data; name=a; size=3; name=\"z\"" CRLF CRLF
	    "x" CRLF "--b--", 0,
	    "[z|-|-]x$", 0 },
	{ "body that is all preamble", "b",
	    "no boundary here", 0,
	    "!3", 0 },
	{ "truncated inside a part", "b",
	    "--b" CRLF "Content-Disposition: form-data; name=f" CRLF CRLF
	    "partial", 0,
	    "[f|-|-]partial!3", 0 },
	{ "truncated inside the headers", "b",
	    "--b" CRLF "Content-Disposition: form-data; name=f" CRLF, 0,
	    "!3", 0 },
	{ "garbage after a boundary", "b",
	    "--b" CRLF "Content-Disposition: form-data; name=f" CRLF CRLF
	    "x" CRLF "--bX", 0,
	    "[f|-|-]x$!1", 0 },
	{ "single dash after a boundary", "b",
	    "--b-x", 0,
	    "!1", 0 },
	{ "CR not followed by LF after a boundary", "b",
	    "--b\rx", 0,
	    "!1", 0 },
	{ "malformed parameter list leaves the part unnamed", "b",
	    "--b" CRLF "Content-Disposition: form-data; =x; name=f" CRLF CRLF
	    "x" CRLF "--b--", 0,
	    "[-|-|-]x$", 0 },
};

struct mp_log {
	char	buf[4096];
	size_t	len;
};

static void
log_add(struct mp_log *l, const char *p, size_t n)
{
	assert_true(l->len + n < sizeof(l->buf));
	memcpy(l->buf + l->len, p, n);
	l->len += n;
}

static int
cb_begin(void *arg, const struct multipart_part *p)
{
	struct mp_log	*l = arg;
	char		 tmp[1024];
	int		 n;

	n = snprintf(tmp, sizeof(tmp), "[%s|%s|%s]", p->name ? p->name : "-",
	    p->filename ? p->filename : "-",
	    p->content_type ? p->content_type : "-");
	log_add(l, tmp, (size_t)n);
	return 0;
}

static int
cb_data(void *arg, const char *p, size_t n)
{
	assert_true(n > 0);
	log_add(arg, p, n);
	return 0;
}

static int
cb_end(void *arg)
{
	log_add(arg, "$", 1);
	return 0;
}

static const struct multipart_callbacks cbs = { cb_begin, cb_data, cb_end };

/* Feeds body in pieces no longer than step, the first one first bytes. */
static void
run(const struct mp_case *c, size_t first, size_t step, struct mp_log *l)
{
	struct multipart	*mp;
	size_t			 len, off, n;
	int			 rc = 0;
	char			 tmp[16];

	len = c->len ? c->len : strlen(c->body);
	memset(l, 0, sizeof(*l));
	mp = multipart_new(c->boundary, &cbs, l);
	assert_non_null(mp);
	for (off = 0; off < len && rc == 0; off += n) {
		n = off == 0 && first > 0 ? first : step;
		if (n > len - off)
			n = len - off;
		rc = multipart_feed(mp, c->body + off, n);
	}
	if (rc == 0)
		rc = multipart_finish(mp);
	if (rc != 0) {
		snprintf(tmp, sizeof(tmp), "!%d", (int)multipart_errno(mp));
		log_add(l, tmp, strlen(tmp));
	}
	multipart_free(mp);
}

static void
check(const struct mp_case *c, const struct mp_log *l, const char *how)
{
	size_t	elen = c->loglen ? c->loglen : strlen(c->log);

	if (l->len != elen || memcmp(l->buf, c->log, elen) != 0)
		fail_msg("%s (%s): got \"%.*s\", want \"%s\"", c->what, how,
		    (int)l->len, l->buf, c->log);
}

static void
test_cases(void **state)
{
	struct mp_log	l;
	size_t		i, split, len;
	char		how[64];

	for (i = 0; i < nitems(cases); i++) {
		len = cases[i].len ? cases[i].len : strlen(cases[i].body);
		run(&cases[i], 0, len, &l);
		check(&cases[i], &l, "whole");
		run(&cases[i], 0, 1, &l);
		check(&cases[i], &l, "byte by byte");
		for (split = 1; split < len; split++) {
			run(&cases[i], split, len, &l);
			snprintf(how, sizeof(how), "split at %zu", split);
			check(&cases[i], &l, how);
		}
	}
}

static void
test_header_limit(void **state)
{
	struct mp_log		 l = { .len = 0 };
	struct multipart	*mp;
	char			*big;
	size_t			 n = MULTIPART_MAX_HEADERS + 16;

	big = xmalloc(n);
	memset(big, 'a', n);
	memcpy(big, "--b\r\nX: ", 8);
	mp = multipart_new("b", &cbs, &l);
	assert_int_equal(multipart_feed(mp, big, n), -1);
	assert_int_equal(multipart_errno(mp), MULTIPART_EHEADERS);
	/* Failed stays failed. */
	assert_int_equal(multipart_feed(mp, "x", 1), -1);
	assert_int_equal(multipart_finish(mp), -1);
	multipart_free(mp);
	free(big);
}

static int
cb_refuse(void *arg, const char *p, size_t n)
{
	return -1;
}

static void
test_callback_stops(void **state)
{
	static const struct multipart_callbacks refuse = {
		cb_begin, cb_refuse, cb_end
	};
	static const char	 body[] = "--b\r\n\r\nabc\r\n--b\r\n\r\ndef\r\n--b--";
	struct mp_log		 l = { .len = 0 };
	struct multipart	*mp;

	mp = multipart_new("b", &refuse, &l);
	assert_int_equal(multipart_feed(mp, body, sizeof(body) - 1), -1);
	assert_int_equal(multipart_errno(mp), MULTIPART_ECALLBACK);
	/* No callback after the refusal. */
	assert_int_equal(l.len, strlen("[-|-|-]"));
	multipart_free(mp);
}

static void
test_new_refuses(void **state)
{
	char	b[MULTIPART_MAX_BOUNDARY + 2];

	assert_null(multipart_new("", &cbs, NULL));
	memset(b, 'a', sizeof(b) - 1);
	b[sizeof(b) - 1] = '\0';
	assert_null(multipart_new(b, &cbs, NULL));
}

static void
test_boundary(void **state)
{
	static const struct {
		const char	*ct;
		const char	*want;	/* NULL: refused */
	} t[] = {
		{ "multipart/form-data; boundary=abc", "abc" },
		{ "Multipart/Form-Data;boundary=\"a b:c\"", "a b:c" },
		{ "multipart/form-data; charset=utf-8; BOUNDARY=----x'()+_,-./:=?",
		    "----x'()+_,-./:=?" },
		{ "  multipart/form-data ; boundary = z ", "z" },
		{ "multipart/form-data; boundary=\"----WebKitFormBoundary7MA4YWxkTrZu0gW\"",
		    "----WebKitFormBoundary7MA4YWxkTrZu0gW" },
		{ "multipart/form-data; boundary="
		    "1234567890123456789012345678901234567890123456789012345678901234567890",
		    "1234567890123456789012345678901234567890123456789012345678901234567890" },
		{ "multipart/form-data; boundary="
		    "12345678901234567890123456789012345678901234567890123456789012345678901",
		    NULL },
		{ "multipart/form-data", NULL },
		{ "multipart/form-data;", NULL },
		{ "multipart/form-data; boundary=", NULL },
		{ "multipart/form-data; boundary=\"\"", NULL },
		{ "multipart/form-data; boundary=\"ab \"", NULL },
		{ "multipart/form-data; boundary=a\"b", NULL },
		{ "multipart/form-data; boundary=a<b", NULL },
		{ "multipart/form-data; boundary=\"a\rb\"", NULL },
		{ "multipart/form-data; boundary=\"unterminated", NULL },
		{ "multipart/form-data; boundary=x junk", NULL },
		{ "multipart/form-datax; boundary=x", NULL },
		{ "multipart/mixed; boundary=x", NULL },
		{ "application/json", NULL },
		{ "", NULL },
		{ NULL, NULL },
	};
	char	out[MULTIPART_MAX_BOUNDARY + 1];
	size_t	i;
	int	rc;

	for (i = 0; i < nitems(t); i++) {
		rc = multipart_boundary(t[i].ct, out);
		if (t[i].want == NULL) {
			if (rc != -1)
				fail_msg("accepted \"%s\" as \"%s\"", t[i].ct, out);
		} else {
			if (rc != 0 || strcmp(out, t[i].want) != 0)
				fail_msg("\"%s\": rc %d, \"%s\"", t[i].ct, rc,
				    rc == 0 ? out : "");
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_header_limit),
		cmocka_unit_test(test_callback_stops),
		cmocka_unit_test(test_new_refuses),
		cmocka_unit_test(test_boundary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
