/*
 * upload.h - streamed multipart/form-data bodies.
 *
 * The generator describes each multipart request body of the spec as a
 * struct upload_spec (part names, which parts are files, per-file limits,
 * accepted media types, item counts); the runtime parses the body
 * incrementally as it arrives (libmicrohttpd's MHD_PostProcessor) and
 * writes each file part to a temporary file in UPLOAD_DIR, so memory does
 * not grow with file size.  A file's real type is decided from its leading
 * bytes; the stored name is <uuid>.<ext of the real type>, put in place by
 * fsync + rename only when the handler keeps it (upload_commit), so no
 * crash or error leaves a partial file under a public name.
 */
#ifndef RUNTIME_UPLOAD_H
#define RUNTIME_UPLOAD_H

#include <stddef.h>

struct http_request;

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
	const char	*original_name;	/* the client's filename (report only) */
	const char	*content_type;	/* the detected (real) type */
	const char	*ext;		/* "jpg", "png", "webp", "pdf" */
	const char	*tmp_path;	/* temporary file in UPLOAD_DIR */
	const char	*stored_name;	/* <uuid>.<ext>, set by upload_commit */
	unsigned long long size;
	struct upload_file *next;
};

/* One text part. */
struct upload_text {
	const char		*field;
	const char		*value;
	struct upload_text	*next;
};

#endif
