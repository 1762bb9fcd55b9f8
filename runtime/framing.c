/*
 * framing.c - the request head checked before Kore parses it (see
 * framing.h for why).  The limits mirror Kore 4.1's http.c, so that what
 * passes here is what Kore takes as we read it:
 *   - the head ends at the first empty line (Kore's first CRLFCRLF, else
 *     LFLF; an empty line before that one is refused) and must fit
 *     http_header_max;
 *   - Kore splits it on CR and LF into at most 24 lines and silently drops
 *     the rest (kore_split_string with HTTP_REQ_HEADER_MAX), so more than
 *     23 header fields are refused rather than lost;
 *   - a field must be token ":" value, the value non-empty and printable
 *     ASCII, no tab (http_validate_header); trailing whitespace, which
 *     Kore would keep in the value, is removed;
 *   - a target shorter than HTTP_URI_LEN, HTTP/1.0 or HTTP/1.1, a Host
 *     shorter than KORE_DOMAINNAME_LEN - 1;
 *   - GET, HEAD, DELETE and OPTIONS never have a body in Kore (their
 *     bytes would be read as the next request), POST, PUT and PATCH need
 *     Content-Length (Kore has no chunked request bodies).
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "framing.h"

/* Kore's http_request_new and kore_split_string. */
#define FRAMING_MAX_FIELDS	(HTTP_REQ_HEADER_MAX - 2)

struct framing_method {
	const char	*name;
	int		 body;		/* 1: needs Content-Length */
	int		 http10;	/* allowed on HTTP/1.0 */
};

static const struct framing_method framing_methods[] = {
	{ "DELETE",	0, 0 },
	{ "GET",	0, 1 },
	{ "HEAD",	0, 1 },
	{ "OPTIONS",	0, 0 },
	{ "PATCH",	1, 0 },
	{ "POST",	1, 1 },
	{ "PUT",	1, 0 },
};

static int	framing_tchar(int);
static int	framing_length(const char *, size_t, size_t *);

/* RFC 9110 token characters. */
static int
framing_tchar(int c)
{
	return (isalnum(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) !=
	    NULL));
}

/* 1*DIGIT, at most 18 of them (no sign, space, list or hex). */
static int
framing_length(const char *v, size_t n, size_t *out)
{
	size_t	i, len = 0;

	if (n == 0 || n > 18)
		return (-1);
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return (-1);
		len = len * 10 + (size_t)(v[i] - '0');
	}
	*out = len;
	return (0);
}

int
framing_check_raw(uint8_t *buf, size_t *lenp, size_t cap, size_t *reqlen,
    const char **why)
{
	const struct framing_method	*m = NULL;
	const char	*p, *end, *line, *eol, *sp1, *sp2, *colon, *v, *ve;
	const char	*vend;
	size_t		 i, nfields = 0, clen = 0, ncl = 0, nhost = 0, nte = 0;
	size_t		 head, len = *lenp, cut;
	int		 http10, hostlike = 0;

	p = (const char *)buf;
	if ((end = kore_mem_find((void *)(uintptr_t)p, len, "\r\n\r\n",
	    4)) != NULL) {
		head = (size_t)(end - p) + 2;
	} else if ((end = kore_mem_find((void *)(uintptr_t)p, len, "\n\n",
	    2)) != NULL) {
		head = (size_t)(end - p) + 1;
	} else {
		if (len >= cap) {
			*why = "Request header fields too large";
			return (431);
		}
		return (0);
	}
	end = p + head;
	if (memchr(p, '\0', head) != NULL) {
		*why = "Invalid request: NUL byte in the head";
		return (400);
	}

	/* The request line. */
	eol = memchr(p, '\n', head);
	ve = eol > p && eol[-1] == '\r' ? eol - 1 : eol;
	sp1 = memchr(p, ' ', (size_t)(ve - p));
	sp2 = sp1 == NULL ? NULL : memchr(sp1 + 1, ' ', (size_t)(ve - sp1 - 1));
	if (sp1 == NULL || sp2 == NULL || sp1 == p || sp2 == sp1 + 1 ||
	    memchr(sp2 + 1, ' ', (size_t)(ve - sp2 - 1)) != NULL ||
	    memchr(p, '\r', (size_t)(ve - p)) != NULL) {
		*why = "Invalid request line";
		return (400);
	}
	for (i = 0; i < (size_t)(sp1 - p); i++) {
		if (!framing_tchar((unsigned char)p[i])) {
			*why = "Invalid request method";
			return (400);
		}
	}
	for (i = 0; i < sizeof(framing_methods) / sizeof(framing_methods[0]);
	    i++) {
		if (strlen(framing_methods[i].name) == (size_t)(sp1 - p) &&
		    memcmp(framing_methods[i].name, p, (size_t)(sp1 - p)) ==
		    0)
			m = &framing_methods[i];
	}
	if (m == NULL) {
		*why = "Method Not Allowed";
		return (405);
	}
	if (sp1[1] != '/') {
		*why = "Invalid request target: only origin-form (/path) "
		    "is served";
		return (400);
	}
	if ((size_t)(sp2 - sp1 - 1) >= HTTP_URI_LEN - 1) {
		*why = "URI Too Long";
		return (414);
	}
	if ((size_t)(ve - sp2 - 1) == 8 && memcmp(sp2 + 1, "HTTP/1.1", 8) ==
	    0) {
		http10 = 0;
	} else if ((size_t)(ve - sp2 - 1) == 8 && memcmp(sp2 + 1,
	    "HTTP/1.0", 8) == 0) {
		http10 = 1;
	} else if ((size_t)(ve - sp2 - 1) == 8 && memcmp(sp2 + 1, "HTTP/",
	    5) == 0 && isdigit((unsigned char)sp2[6]) && sp2[7] == '.' &&
	    isdigit((unsigned char)sp2[8])) {
		*why = "HTTP Version Not Supported";
		return (505);
	} else {
		*why = "Invalid request line";
		return (400);
	}
	if (http10 && !m->http10) {
		*why = "Method Not Allowed";
		return (405);
	}

	/* The header fields. */
	for (line = eol + 1; line < end; line = eol + 1) {
		eol = memchr(line, '\n', (size_t)(end - line));
		ve = eol > line && eol[-1] == '\r' ? eol - 1 : eol;
		if (ve == line) {
			/*
			 * An empty line before the end Kore takes (its first
			 * CRLFCRLF, else LFLF): Kore's line splitter skips it
			 * and reads on, a proxy would end the head here.
			 */
			*why = "Invalid request: an empty line inside the head";
			return (400);
		}
		if (memchr(line, '\r', (size_t)(ve - line)) != NULL) {
			*why = "Invalid header field: bare CR";
			return (400);
		}
		if (*line == ' ' || *line == '\t') {
			*why = "Invalid header field: obsolete line folding";
			return (400);
		}
		if (++nfields > FRAMING_MAX_FIELDS) {
			*why = "Request header fields too large: at most 23 "
			    "fields";
			return (431);
		}
		colon = memchr(line, ':', (size_t)(ve - line));
		if (colon == NULL || colon == line) {
			*why = "Invalid header field: no name";
			return (400);
		}
		for (v = line; v < colon; v++) {
			if (!framing_tchar((unsigned char)*v)) {
				/* "Content-Length : 5" among them. */
				*why = "Invalid header field name";
				return (400);
			}
		}
		for (v = colon + 1; v < ve && (*v == ' ' || *v == '\t'); v++)
			;
		vend = ve;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		if (ve > v && ve < vend) {
			/*
			 * Trailing whitespace is not part of the value, but Kore
			 * keeps it (and refuses a tab, or "5 " as a length): it
			 * goes.
			 */
			cut = (size_t)(vend - ve);
			memmove((char *)(uintptr_t)ve, vend,
			    len - (size_t)(vend - p));
			len -= cut;
			end -= cut;
			eol -= cut;
			*lenp = len;
		}
		if (v == ve) {
			/*
			 * An empty value is allowed (If-None-Match: ""), but
			 * Kore refuses it; as it says nothing, the field goes.
			 */
			cut = (size_t)(eol + 1 - line);
			memmove((char *)(uintptr_t)line, eol + 1,
			    len - (size_t)(eol + 1 - p));
			len -= cut;
			end -= cut;
			*lenp = len;
			nfields--;
			eol = line - 1;
			continue;
		}
		for (i = 0; i < (size_t)(ve - v); i++) {
			/* A tab too: Kore's http_field_content has none. */
			if ((unsigned char)v[i] >= 0x7f ||
			    (unsigned char)v[i] < 0x20) {
				*why = "Invalid header field: non-ASCII or "
				    "control character";
				return (400);
			}
		}
		/*
		 * Kore takes the first field whose name starts with "host"
		 * as the host and refuses one of KORE_DOMAINNAME_LEN - 1
		 * bytes or more (http.c).
		 */
		if (!hostlike && (size_t)(colon - line) >= 4 &&
		    strncasecmp(line, "host", 4) == 0) {
			hostlike = 1;
			if ((size_t)(ve - v) >= KORE_DOMAINNAME_LEN - 1) {
				*why = "Invalid Host header: too long";
				return (400);
			}
		}
		if ((size_t)(colon - line) == 14 &&
		    strncasecmp(line, "content-length", 14) == 0) {
			if (++ncl > 1) {
				*why = "Content-Length given more than once";
				return (400);
			}
			if (framing_length(v, (size_t)(ve - v), &clen) == -1) {
				*why = "Invalid Content-Length";
				return (400);
			}
		} else if ((size_t)(colon - line) == 17 &&
		    strncasecmp(line, "transfer-encoding", 17) == 0) {
			nte++;
			if ((size_t)(ve - v) != 7 ||
			    strncasecmp(v, "chunked", 7) != 0) {
				*why = "Transfer-Encoding not supported";
				return (501);
			}
		} else if ((size_t)(colon - line) == 4 &&
		    strncasecmp(line, "host", 4) == 0) {
			nhost++;
		}
	}
	if (nte > 0 && ncl > 0) {
		*why = "Both Transfer-Encoding and Content-Length";
		return (400);
	}
	if (nte > 1) {
		*why = "Transfer-Encoding not supported";
		return (501);
	}
	if (nhost != 1) {
		*why = nhost == 0 ? "Missing Host header" :
		    "Host given more than once";
		return (400);
	}
	if (!m->body && (nte > 0 || clen > 0)) {
		*why = "This method takes no request body";
		return (400);
	}
	if (m->body && ncl == 0) {
		*why = "Length Required: send the body with Content-Length "
		    "(chunked request bodies are not supported)";
		return (411);
	}
	/* A body's size is the operation's to judge (server.c), from the
	 * head, before a byte of it is read. */
	*reqlen = (size_t)(end - p) + (*end == '\r' ? 2 : 1) + clen;
	return (-1);
}

const char *
framing_check_headers(struct http_request *req)
{
	struct http_header	*h;
	int			 ncl = 0, nte = 0;

	TAILQ_FOREACH(h, &req->req_headers, list) {
		if (strcasecmp(h->header, "content-length") == 0)
			ncl++;
		else if (strcasecmp(h->header, "transfer-encoding") == 0)
			nte++;
	}
	if (nte > 0)
		return ("Transfer-Encoding not supported");
	if (ncl > 1)
		return ("Content-Length given more than once");
	return (NULL);
}
