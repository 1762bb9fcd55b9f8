/*
 * multipart.h - an incremental multipart/form-data parser (RFC 7578,
 * RFC 2046 section 5.1).
 *
 * Feed it the body in chunks of any size, as they arrive; it calls back
 * once per part with the part's headers, then with its content in pieces,
 * then at the part's end.  Content is never buffered: the only memory is
 * a fixed block for one part's headers, so a parser costs the same for a
 * 1 KiB and a 1 GiB body.  Chunk boundaries do not change the sequence
 * of callbacks (only how the content is split), which is what
 * tests/fuzz/fuzz_multipart.c checks.
 *
 * Knows nothing of HTTP, files or the spec; upload.c puts it to work.
 */
#ifndef RUNTIME_MULTIPART_H
#define RUNTIME_MULTIPART_H

#include <stddef.h>

#define MULTIPART_MAX_BOUNDARY	70	/* RFC 2046 */
#define MULTIPART_MAX_HEADERS	8192	/* one part's header block */

/* One part's headers, borrowed: valid during the part_begin call only.
 * Each field is NULL when the part did not send it. */
struct multipart_part {
	const char	*name;		/* Content-Disposition name= */
	const char	*filename;	/* Content-Disposition filename= */
	const char	*content_type;	/* Content-Type, as sent */
};

/* Each returns 0 to go on, -1 to stop: multipart_feed then fails with
 * MULTIPART_ECALLBACK and calls nothing more. */
struct multipart_callbacks {
	int	(*part_begin)(void *, const struct multipart_part *);
	int	(*part_data)(void *, const char *, size_t);
	int	(*part_end)(void *);
};

enum multipart_error {
	MULTIPART_OK = 0,
	MULTIPART_EMALFORMED,		/* not multipart/form-data framing */
	MULTIPART_EHEADERS,		/* a part's headers too large */
	MULTIPART_ETRUNCATED,		/* the body ended before the last boundary */
	MULTIPART_ECALLBACK		/* a callback returned -1 */
};

struct multipart;

/* The boundary parameter of a Content-Type value, if it is
 * multipart/form-data with a valid boundary; 0 ok, -1 otherwise. */
int		 multipart_boundary(const char *content_type,
		    char out[MULTIPART_MAX_BOUNDARY + 1]);

/* New (free with multipart_free); boundary as multipart_boundary gives. */
struct multipart *multipart_new(const char *boundary,
		    const struct multipart_callbacks *, void *arg);
/* 0 ok, -1 on error (see multipart_errno); after an error it stays
 * failed and ignores further input. */
int		 multipart_feed(struct multipart *, const char *, size_t);
/* The body is complete: 0 when it ended after the closing boundary. */
int		 multipart_finish(struct multipart *);
enum multipart_error multipart_errno(const struct multipart *);
const char	*multipart_strerror(enum multipart_error);
void		 multipart_free(struct multipart *);

#endif
