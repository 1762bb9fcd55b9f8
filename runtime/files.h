/*
 * files.h - serving stored uploads: GET /files/{name}.
 *
 * Only names of the stored form (upload_name_valid) are looked up, in
 * UPLOAD_DIR only, without following links; anything else is 404 "File
 * not found".  The answer carries the type implied by the extension (the
 * type was checked against the content when the file was stored),
 * Content-Length, a strong ETag from inode, size and mtime,
 * Last-Modified and Accept-Ranges; If-None-Match (or, without it,
 * If-Modified-Since) answers 304; one "Range: bytes=a-b" (or "-n", "a-")
 * answers 206 with Content-Range, one that starts past the end 416 (its
 * Content-Range gives the size: "bytes *" + "/" + size); any other Range
 * (several ranges, other units, malformed) is ignored: 200 with the
 * whole file.  An If-Range that does not match the current ETag or date
 * also sends the whole file.  The file goes out with sendfile (reply_file).
 */
#ifndef RUNTIME_FILES_H
#define RUNTIME_FILES_H

struct request;

/* Always answers (404 when name, which may be NULL, is no stored file);
 * returns 0. */
int	files_serve(struct request *, const char *name);

enum files_range {
	FILES_RANGE_NONE,	/* send the whole file */
	FILES_RANGE_PART,	/* send [*start, *start + *len) */
	FILES_RANGE_UNSATISFIABLE
};

/* A Range header value against a file of size bytes. */
enum files_range files_range_parse(const char *, unsigned long long size,
		    unsigned long long *start, unsigned long long *len);

#endif
