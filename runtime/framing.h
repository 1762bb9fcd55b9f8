/*
 * framing.h - what a request's head must be before Kore parses it.
 *
 * Kore 4.1 answers some malformed heads itself, with an empty page
 * (http_error_response in its http.c: no envelope, no Content-Type), and
 * accepts others that are ambiguous about where the body ends (RFC 9112
 * section 6.3): it ignores Transfer-Encoding, takes the first of two
 * Content-Length headers and lets strtoll read "+5".  A proxy in front
 * that reads the head differently would see a different request than we
 * do (request smuggling).  framing_check_raw reads the head as it came
 * off the wire and refuses all of these with a status and a message for
 * the envelope; the connection is then closed.
 */
#ifndef RUNTIME_FRAMING_H
#define RUNTIME_FRAMING_H

#include <stddef.h>
#include <stdint.h>

struct http_request;

/*
 * buf holds *len bytes of a request, in a buffer of cap bytes.  0: the
 * head is not complete yet; -1: the head is fine, let Kore parse it, and
 * *reqlen is the request's length, head and body; else the status to
 * refuse with, *why the message.  Fields with an empty value, which Kore
 * would refuse, and values' trailing whitespace, which Kore would keep,
 * are removed (*len shrinks).
 */
int		 framing_check_raw(uint8_t *buf, size_t *len, size_t cap,
		    size_t *reqlen, const char **why);
/* The framing rules on a request Kore has parsed (a backstop: every
 * head comes through framing_check_raw): NULL when fine, else the 400
 * message. */
const char	*framing_check_headers(struct http_request *);

#endif
