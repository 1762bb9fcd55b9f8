/*
 * multipart.c - the incremental multipart/form-data parser (multipart.h).
 *
 * The body is read as: preamble, then parts each opened by the delimiter
 * "\r\n--" BOUNDARY (the first may come without its CRLF), each with a
 * header block ended by an empty line, and finally the closing delimiter
 * "\r\n--" BOUNDARY "--", then an epilogue we ignore.
 *
 * The delimiter is found with Knuth-Morris-Pratt over the stream: after
 * k matched bytes we hold nothing but the number k, because the held
 * bytes are by definition the first k bytes of the delimiter; when the
 * match fails, the part of them that cannot start a new match is handed
 * on as content, taken from the delimiter itself.  So content is passed
 * straight from the caller's chunk to the callback, never copied.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "multipart.h"
#include "util.h"

#define MP_DELIM_MAX	(4 + MULTIPART_MAX_BOUNDARY)	/* "\r\n--" boundary */

enum mp_state {
	MP_PREAMBLE,		/* before the first delimiter */
	MP_TAIL,		/* after a delimiter: "--", or LWSP CRLF */
	MP_HEADERS,		/* a part's header block */
	MP_BODY,		/* a part's content */
	MP_EPILOGUE,		/* after the closing delimiter */
	MP_FAILED
};

struct multipart {
	struct multipart_callbacks cb;
	void			*arg;
	enum mp_state		 state;
	enum multipart_error	 err;
	char			 delim[MP_DELIM_MAX + 1];
	size_t			 dlen;
	size_t			 fail[MP_DELIM_MAX + 1];	/* KMP */
	size_t			 k;		/* delimiter bytes matched */
	int			 tail;		/* MP_TAIL sub-state */
	size_t			 hlen;
	char			 hbuf[MULTIPART_MAX_HEADERS + 1];
};

static int	mp_fail(struct multipart *, enum multipart_error);
static int	mp_emit(struct multipart *, const char *, size_t);
static size_t	mp_scan(struct multipart *, const char *, size_t, int *);
static int	mp_tail(struct multipart *, char);
static int	mp_header_byte(struct multipart *, char);
static int	mp_headers_done(struct multipart *);
static void	mp_header_line(char *, size_t, struct multipart_part *);
static int	mp_param(char **, char **, char **);
static char	*mp_trim(char *, char *);
static int	mp_bchar(int);

/* Tokens in headers: optional white space. */
#define MP_OWS(c)	((c) == ' ' || (c) == '\t')

int
multipart_boundary(const char *content_type,
    char out[MULTIPART_MAX_BOUNDARY + 1])
{
	static const char	 type[] = "multipart/form-data";
	char			 buf[1024], *s, *key, *val;
	size_t			 n, i;
	int			 r, found = 0;

	if (content_type == NULL ||
	    (n = strlen(content_type)) >= sizeof(buf))
		return -1;
	memcpy(buf, content_type, n + 1);
	s = buf;
	while (MP_OWS(*s))
		s++;
	if (strncasecmp(s, type, sizeof(type) - 1) != 0)
		return -1;
	s += sizeof(type) - 1;
	while (MP_OWS(*s))
		s++;
	if (*s != ';')
		return -1;
	s++;
	while ((r = mp_param(&s, &key, &val)) == 1) {
		if (strcasecmp(key, "boundary") != 0)
			continue;
		n = strlen(val);
		if (n == 0 || n > MULTIPART_MAX_BOUNDARY || val[n - 1] == ' ')
			return -1;
		for (i = 0; i < n; i++)
			if (!mp_bchar((unsigned char)val[i]))
				return -1;
		memcpy(out, val, n + 1);
		found = 1;
	}
	return r == 0 && found ? 0 : -1;
}

/* RFC 2046 bchars, space included (but not last: checked above). */
static int
mp_bchar(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || strchr("'()+_,-./:=? ", c) != NULL;
}

struct multipart *
multipart_new(const char *boundary, const struct multipart_callbacks *cb,
    void *arg)
{
	struct multipart	*mp;
	size_t			 i, j, blen;

	blen = strlen(boundary);
	if (blen == 0 || blen > MULTIPART_MAX_BOUNDARY)
		return NULL;
	mp = xcalloc(1, sizeof(*mp));
	mp->cb = *cb;
	mp->arg = arg;
	memcpy(mp->delim, "\r\n--", 4);
	memcpy(mp->delim + 4, boundary, blen + 1);
	mp->dlen = 4 + blen;

	/* fail[i]: the longest proper border of delim[0..i). */
	mp->fail[0] = mp->fail[1] = 0;
	for (i = 1, j = 0; i < mp->dlen; i++) {
		while (j > 0 && mp->delim[i] != mp->delim[j])
			j = mp->fail[j];
		if (mp->delim[i] == mp->delim[j])
			j++;
		mp->fail[i + 1] = j;
	}
	/* The first delimiter may open the body without its CRLF. */
	mp->state = MP_PREAMBLE;
	mp->k = 2;
	return mp;
}

void
multipart_free(struct multipart *mp)
{
	free(mp);
}

enum multipart_error
multipart_errno(const struct multipart *mp)
{
	return mp->err;
}

const char *
multipart_strerror(enum multipart_error err)
{
	switch (err) {
	case MULTIPART_OK:
		return "no error";
	case MULTIPART_EMALFORMED:
		return "malformed multipart body";
	case MULTIPART_EHEADERS:
		return "multipart part headers too large";
	case MULTIPART_ETRUNCATED:
		return "multipart body ends before its closing boundary";
	case MULTIPART_ECALLBACK:
		return "multipart part refused";
	}
	return "unknown multipart error";
}

static int
mp_fail(struct multipart *mp, enum multipart_error err)
{
	mp->state = MP_FAILED;
	mp->err = err;
	return -1;
}

int
multipart_feed(struct multipart *mp, const char *p, size_t n)
{
	size_t	used;
	int	found;

	while (n > 0) {
		switch (mp->state) {
		case MP_PREAMBLE:
		case MP_BODY:
			found = 0;
			used = mp_scan(mp, p, n, &found);
			if (mp->state == MP_FAILED)
				return -1;
			p += used;
			n -= used;
			if (!found)
				break;
			if (mp->state == MP_BODY && mp->cb.part_end(mp->arg) == -1)
				return mp_fail(mp, MULTIPART_ECALLBACK);
			mp->state = MP_TAIL;
			mp->tail = 0;
			break;
		case MP_TAIL:
			if (mp_tail(mp, *p) == -1)
				return -1;
			p++;
			n--;
			break;
		case MP_HEADERS:
			if (mp_header_byte(mp, *p) == -1)
				return -1;
			p++;
			n--;
			break;
		case MP_EPILOGUE:
			return 0;
		case MP_FAILED:
			return -1;
		}
	}
	return mp->state == MP_FAILED ? -1 : 0;
}

int
multipart_finish(struct multipart *mp)
{
	if (mp->state == MP_FAILED)
		return -1;
	if (mp->state != MP_EPILOGUE)
		return mp_fail(mp, MULTIPART_ETRUNCATED);
	return 0;
}

/* Content: to the callback inside a part, dropped in the preamble. */
static int
mp_emit(struct multipart *mp, const char *p, size_t n)
{
	if (n == 0 || mp->state != MP_BODY)
		return 0;
	if (mp->cb.part_data(mp->arg, p, n) == -1)
		return mp_fail(mp, MULTIPART_ECALLBACK);
	return 0;
}

/*
 * Looks for the delimiter in p[0..n), passing content on; returns the
 * bytes consumed, with *found set when they end with a whole delimiter.
 * On a callback error the state is MP_FAILED.
 */
static size_t
mp_scan(struct multipart *mp, const char *p, size_t n, int *found)
{
	const char	*cr;
	size_t		 i = 0, run = 0, back;
	int		 in_run = 0;

	while (i < n) {
		if (mp->k == 0) {
			/* Fast path: nothing held, content up to the next CR. */
			if (!in_run) {
				run = i;
				in_run = 1;
			}
			cr = memchr(p + i, mp->delim[0], n - i);
			if (cr == NULL) {
				i = n;
				break;
			}
			i = (size_t)(cr - p);
			if (mp_emit(mp, p + run, i - run) == -1)
				return i;
			in_run = 0;
			mp->k = 1;
			i++;
		} else {
			while (mp->k > 0 && mp->delim[mp->k] != p[i]) {
				back = mp->k - mp->fail[mp->k];
				if (mp_emit(mp, mp->delim, back) == -1)
					return i;
				mp->k = mp->fail[mp->k];
			}
			if (mp->delim[mp->k] == p[i])
				mp->k++;
			else {
				run = i;
				in_run = 1;
			}
			i++;
		}
		if (mp->k == mp->dlen) {
			mp->k = 0;
			*found = 1;
			return i;
		}
	}
	if (in_run)
		mp_emit(mp, p + run, i - run);
	return i;
}

/* After a delimiter: "--" closes the body; else LWSP* CRLF opens a part. */
static int
mp_tail(struct multipart *mp, char c)
{
	switch (mp->tail) {
	case 0:				/* just after the boundary */
		if (c == '-') {
			mp->tail = 1;
			return 0;
		}
		/* FALLTHROUGH */
	case 2:				/* transport padding */
		if (MP_OWS(c)) {
			mp->tail = 2;
			return 0;
		}
		if (c == '\r') {
			mp->tail = 3;
			return 0;
		}
		break;
	case 1:				/* "-" */
		if (c == '-') {
			mp->state = MP_EPILOGUE;
			return 0;
		}
		break;
	case 3:				/* CR */
		if (c == '\n') {
			mp->state = MP_HEADERS;
			mp->hlen = 0;
			return 0;
		}
		break;
	}
	return mp_fail(mp, MULTIPART_EMALFORMED);
}

static int
mp_header_byte(struct multipart *mp, char c)
{
	if (mp->hlen == MULTIPART_MAX_HEADERS)
		return mp_fail(mp, MULTIPART_EHEADERS);
	mp->hbuf[mp->hlen++] = c;
	if (c != '\n')
		return 0;
	/* An empty line ends the block: the block is "\r\n" or ends "\r\n\r\n". */
	if ((mp->hlen == 2 && mp->hbuf[0] == '\r') ||
	    (mp->hlen >= 4 && memcmp(mp->hbuf + mp->hlen - 4, "\r\n\r\n", 4) == 0))
		return mp_headers_done(mp);
	return 0;
}

static int
mp_headers_done(struct multipart *mp)
{
	struct multipart_part	 part = { NULL, NULL, NULL };
	char			*h = mp->hbuf, *line, *eol, *end;
	size_t			 i;

	h[mp->hlen] = '\0';
	/* Unfold obsolete continuation lines (CRLF followed by SP or HT). */
	for (i = 0; i + 2 < mp->hlen; i++) {
		if (h[i] == '\r' && h[i + 1] == '\n' && MP_OWS(h[i + 2]))
			h[i] = h[i + 1] = ' ';
	}
	end = h + mp->hlen;
	for (line = h; line < end; line = eol + 2) {
		eol = memmem(line, (size_t)(end - line), "\r\n", 2);
		if (eol == NULL)
			break;
		if (eol > line)
			mp_header_line(line, (size_t)(eol - line), &part);
	}
	mp->state = MP_BODY;
	mp->k = 0;
	if (mp->cb.part_begin(mp->arg, &part) == -1)
		return mp_fail(mp, MULTIPART_ECALLBACK);
	return 0;
}

/* One "Name: value" line; the two headers we use are picked out in place. */
static void
mp_header_line(char *line, size_t len, struct multipart_part *part)
{
	char	*colon, *name, *value, *s, *key, *val;

	line[len] = '\0';		/* over the CR */
	if ((colon = memchr(line, ':', len)) == NULL)
		return;
	*colon = '\0';
	name = mp_trim(line, colon);
	value = mp_trim(colon + 1, line + len);

	if (strcasecmp(name, "Content-Type") == 0) {
		part->content_type = value;
		return;
	}
	if (strcasecmp(name, "Content-Disposition") != 0)
		return;
	/* form-data; name="field"; filename="a.png" */
	if ((s = strchr(value, ';')) == NULL)
		return;
	s++;
	while (mp_param(&s, &key, &val) == 1) {
		if (strcasecmp(key, "name") == 0)
			part->name = val;
		else if (strcasecmp(key, "filename") == 0)
			part->filename = val;
	}
}

/* [s, e) without surrounding white space, NUL-terminated in place. */
static char *
mp_trim(char *s, char *e)
{
	while (s < e && MP_OWS(*s))
		s++;
	while (e > s && MP_OWS(e[-1]))
		e--;
	*e = '\0';
	return s;
}

/*
 * The next `key=value` of a parameter list, *sp just past a ';'.
 * Values are tokens or quoted strings; in a quoted string \" and \\ are
 * escapes and any other backslash is literal (browsers send Windows paths
 * unescaped).  1: a parameter, 0: the end, -1: malformed.  In place.
 */
static int
mp_param(char **sp, char **key, char **val)
{
	char	*s = *sp, *ke, *w, *ve;

	while (MP_OWS(*s))
		s++;
	if (*s == '\0')
		return 0;
	*key = s;
	while (*s != '\0' && *s != '=' && *s != ';' && !MP_OWS(*s))
		s++;
	if (s == *key)
		return -1;
	ke = s;
	while (MP_OWS(*s))
		s++;
	if (*s != '=')
		return -1;
	s++;
	*ke = '\0';
	while (MP_OWS(*s))
		s++;
	if (*s == '"') {
		*val = w = ++s;
		while (*s != '\0' && *s != '"') {
			if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
				s++;
			*w++ = *s++;
		}
		if (*s != '"')
			return -1;
		s++;
		ve = w;
	} else {
		*val = s;
		while (*s != '\0' && *s != ';' && !MP_OWS(*s))
			s++;
		ve = s;
	}
	while (MP_OWS(*s))
		s++;
	if (*s == ';')
		s++;
	else if (*s != '\0')
		return -1;
	*ve = '\0';
	*sp = s;
	return 1;
}
