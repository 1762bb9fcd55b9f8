/*
 * upload.h - streamed multipart/form-data bodies.
 *
 * The generator describes each multipart request body of the spec as a
 * struct upload_spec (part names, which parts are files, per-file limits,
 * accepted media types, item counts); the runtime parses the body
 * incrementally as it arrives (multipart.h) and writes each file part to
 * a temporary file in UPLOAD_DIR, so memory does not grow with file size.
 * A file's real type is decided from its leading bytes (magic.h); the
 * stored name is <uuid>.<ext of the real type>, put in place by fsync +
 * rename only when the handler keeps it (upload_commit), so no crash or
 * error leaves a partial file under a public name.
 *
 * Lifecycle of one request (server.c): upload_begin when the headers are
 * in, upload_feed per 64 KiB of the body Kore has read (on an upload
 * thread), upload_finish at its end, then the handler, then upload_end
 * when the request is done (normally or not), which removes every
 * temporary the handler did not commit.  The
 * first problem decides the answer and the rest of the body is dropped:
 *
 *	413  a file over its limit (cut off at once, its temporary removed),
 *	     a text part over UPLOAD_MAX_TEXT, the body over
 *	     upload_body_limit()
 *	415  Content-Type not multipart/form-data; a file whose leading bytes
 *	     are not an accepted type, or disagree with the part's declared
 *	     Content-Type (no temporary is even created)
 *	422  too many parts for a field (as soon as one more arrives), a
 *	     required field missing (at the end), text that is not UTF-8
 *	400  broken multipart framing, a truncated body
 *
 * Parts whose name the spec does not know are read and dropped.  A file
 * part sent with filename="" and no content (a form's empty file input)
 * counts as absent.
 */
#ifndef RUNTIME_UPLOAD_H
#define RUNTIME_UPLOAD_H

#include <stddef.h>

struct request;

/* Largest text part (a form field that is not a file). */
#define UPLOAD_MAX_TEXT		65536
/* Allowance on top of the parts' limits for boundaries and part headers. */
#define UPLOAD_OVERHEAD		65536

struct upload_field {
	const char		*name;		/* the part name */
	int			 is_file;	/* format: binary */
	int			 required;
	size_t			 min_items;	/* arrays: minItems (else 0/1) */
	size_t			 max_items;	/* arrays: maxItems (1: single) */
	size_t			 max_bytes;	/* per file; 0: MAX_UPLOAD_BYTES */
	const char *const	*types;		/* accepted media types */
	size_t			 ntypes;
};

struct upload_spec {
	const struct upload_field	*fields;
	size_t				 nfields;
};

/* One received file part, already checked against its field. */
struct upload_file {
	const char	*field;		/* part name */
	const char	*original_name;	/* the client's filename (report
					 * only; UTF-8), NULL if none sent */
	const char	*content_type;	/* the detected (real) type */
	const char	*ext;		/* "jpg", "png", "webp", "pdf" */
	const char	*tmp_path;	/* temporary's name in UPLOAD_DIR */
	const char	*stored_name;	/* <uuid>.<ext>, set by upload_commit */
	unsigned long long size;
	struct upload_file *next;
};

/* One text part. */
struct upload_text {
	const char		*field;
	const char		*value;		/* UTF-8, NUL-terminated */
	struct upload_text	*next;
};

struct upload;

/* Start-up: opens dir (created if missing) and removes the temporaries a
 * crash may have left.  0 ok, -1 error (logged). */
int	upload_init(const char *dir);
void	upload_cleanup(void);

/*
 * The per-file limit of a field: its x-max-bytes, lowered by
 * MAX_UPLOAD_BYTES when that is smaller (the spec states the most a
 * client may send; the configuration may only tighten it).
 */
size_t	upload_file_limit(const struct upload_field *);
/* The largest body a multipart operation accepts: every part at its limit
 * plus UPLOAD_OVERHEAD.  A declared Content-Length above it is refused
 * before reading. */
size_t	upload_body_limit(const struct upload_spec *);

/* server.c.  upload_begin, given the request's Content-Type (or NULL):
 * NULL when the request is answered already (415).  upload_feed, upload_finish: -1 when the request is answered
 * (see above); after upload_finish succeeds, req->uploads and req->texts
 * hold the parts in the order received.  upload_end accepts NULL. */
struct upload	*upload_begin(struct request *, const char *);
int		 upload_feed(struct upload *, const char *, size_t);
int		 upload_finish(struct upload *);
void		 upload_end(struct upload *);

/* Handlers. */
/* The first file / text part of a field, or NULL. */
struct upload_file	*upload_file_get(struct request *, const char *);
const char		*upload_text_get(struct request *, const char *);
/* Keeps a file of this request (req->uploads): fsync, rename to
 * <uuid>.<ext>, fsync the directory; sets its stored_name.  Call it once
 * the request is sure to succeed; if the handler fails afterwards it
 * removes the file with upload_remove.  0 ok, -1 error (logged; the
 * temporary is left to upload_end). */
int	upload_commit(struct request *, const struct upload_file *);
/* Removes a stored file by its stored name ("<uuid>.<ext>", or the
 * "/files/<name>" URL of one); a name not of that form, or no such file,
 * is not an error.  0 ok, -1 error (logged). */
int	upload_remove(const char *name);

/* files.c. */
/* 1 when name has the stored form
 * ^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.(jpg|png|webp|pdf)$ */
int	upload_name_valid(const char *name);
/* Opens a stored file read-only, without following links; -1 when the
 * name is not of the stored form or the file cannot be opened (errno). */
int	upload_open(const char *name);

#endif
