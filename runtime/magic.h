/*
 * magic.h - a file's real type, from its leading bytes.
 *
 * Only the types the server stores: JPEG, PNG, WebP and PDF.  The table
 * also gives each type's one extension, which is how a stored file's
 * name says its type (files.c serves it with that Content-Type).
 */
#ifndef RUNTIME_MAGIC_H
#define RUNTIME_MAGIC_H

#include <stddef.h>

/* Enough leading bytes to tell every type apart (WebP needs 12). */
#define MAGIC_HEAD_BYTES	12

struct magic_type {
	const char	*mime;		/* "image/png" */
	const char	*ext;		/* "png", no dot */
};

/* The type of a file starting with these bytes, or NULL. */
const struct magic_type	*magic_detect(const void *, size_t);
/* By extension (no dot, lower case); NULL if unknown. */
const struct magic_type	*magic_by_ext(const char *);

#endif
