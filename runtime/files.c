/*
 * files.c - GET /files/{name} (files.h).
 *
 * The name is checked against the stored form before anything touches
 * the file system, then opened relative to UPLOAD_DIR's descriptor with
 * O_NOFOLLOW (upload_open), so no name - "..", an absolute path, an
 * encoded slash, a link planted in the directory - reaches outside it.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "files.h"
#include "request.h"
#include "log.h"
#include "magic.h"
#include "upload.h"

static int	files_etag_match(const char *, const char *);
static int	files_not_modified(struct request *, const char *,
		    time_t);
static int	files_if_range(struct request *, const char *,
		    const char *);
static const char *files_digits(const char *, unsigned long long *, int *);
static int	files_http_date(const char *, time_t *);

int
files_serve(struct request *req, const char *name)
{
	struct stat		 st;
	const struct magic_type	*type;
	const char		*range, *etag;
	char			 lastmod[64];
	struct tm		 tm;
	unsigned long long	 size, start = 0, len;
	enum files_range	 r = FILES_RANGE_NONE;
	int			 fd;

	if (name == NULL || (fd = upload_open(name)) == -1) {
		reply_error(req, 404, "File not found");
		return 0;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		reply_error(req, 404, "File not found");
		return 0;
	}
	type = magic_by_ext(strrchr(name, '.') + 1);
	size = (unsigned long long)st.st_size;
	etag = arena_sprintf(req->arena, "\"%llx-%llx-%llx\"",
	    (unsigned long long)st.st_ino, size,
	    (unsigned long long)st.st_mtim.tv_sec * 1000000000ULL +
	    (unsigned long long)st.st_mtim.tv_nsec);
	gmtime_r(&st.st_mtim.tv_sec, &tm);
	strftime(lastmod, sizeof(lastmod), "%a, %d %b %Y %H:%M:%S GMT", &tm);

	if (files_not_modified(req, etag, st.st_mtim.tv_sec)) {
		/* No body; the file's size as Content-Length (RFC 9110, 8.6). */
		reply_file(req, 304, NULL, fd, 0, size);
	} else {
		range = request_header(req, "Range");
		if (range != NULL && files_if_range(req, etag, lastmod))
			r = files_range_parse(range, size, &start, &len);
		switch (r) {
		case FILES_RANGE_NONE:
			reply_file(req, 200, type->mime, fd, 0, size);
			break;
		case FILES_RANGE_PART:
			reply_file(req, 206, type->mime, fd, start, len);
			reply_header(req, "Content-Range",
			    arena_sprintf(req->arena, "bytes %llu-%llu/%llu",
			    start, start + len - 1, size));
			break;
		case FILES_RANGE_UNSATISFIABLE:
			close(fd);
			reply_error(req, 416, "Range not satisfiable");
			reply_header(req, "Content-Range",
			    arena_sprintf(req->arena, "bytes */%llu", size));
			return 0;
		}
	}
	reply_header(req, "ETag", etag);
	reply_header(req, "Last-Modified", lastmod);
	reply_header(req, "Accept-Ranges", "bytes");
	return 0;
}

/*
 * If-None-Match wins over If-Modified-Since (RFC 9110, 13.2.2); the
 * comparison for If-None-Match is the weak one.
 */
static int
files_not_modified(struct request *req, const char *etag, time_t mtime)
{
	const char	*inm, *ims;
	time_t		 since;

	if ((inm = request_header(req, "If-None-Match")) != NULL)
		return files_etag_match(inm, etag);
	if ((ims = request_header(req, "If-Modified-Since")) != NULL &&
	    files_http_date(ims, &since) == 0)
		return mtime <= since;
	return 0;
}

/* "*" or a comma-separated list of entity tags, W/ ignored. */
static int
files_etag_match(const char *list, const char *etag)
{
	const char	*p = list, *e;
	size_t		 n = strlen(etag);

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			return 0;
		if (*p == '*')
			return 1;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		for (e = p; *e != '\0' && *e != ',' && *e != ' ' &&
		    *e != '\t'; e++)
			;
		if ((size_t)(e - p) == n && strncmp(p, etag, n) == 0)
			return 1;
		p = e;
	}
}

/* Range applies when there is no If-Range, or it names this version
 * exactly (strong: the ETag, or the Last-Modified date as sent). */
static int
files_if_range(struct request *req, const char *etag,
    const char *lastmod)
{
	const char	*ir;

	if ((ir = request_header(req, "If-Range")) == NULL)
		return 1;
	return strcmp(ir, etag) == 0 || strcmp(ir, lastmod) == 0;
}

/* IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") to a time; 0 ok. */
static int
files_http_date(const char *s, time_t *out)
{
	struct tm	 tm;
	const char	*end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (end == NULL || *end != '\0')
		return -1;
	*out = timegm(&tm);
	return 0;
}

/* Decimal digits at s into *v (saturating); *any set when there were
 * some.  Returns the first byte after them. */
static const char *
files_digits(const char *s, unsigned long long *v, int *any)
{
	*v = 0;
	*any = 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		*any = 1;
		if (*v > (~0ULL - 9) / 10)
			*v = ~0ULL;
		else
			*v = *v * 10 + (unsigned long long)(*s - '0');
	}
	return s;
}

/*
 * "bytes=first-last", "bytes=first-" or "bytes=-suffix", surrounding
 * white space allowed, nothing else.  A last before first is not a valid
 * range (ignored); a last past the end is cut to the end.
 */
enum files_range
files_range_parse(const char *s, unsigned long long size,
    unsigned long long *start, unsigned long long *len)
{
	unsigned long long	first, last, end;
	int			has_first, has_last;

	while (*s == ' ' || *s == '\t')
		s++;
	if (strncasecmp(s, "bytes=", 6) != 0)
		return FILES_RANGE_NONE;
	s = files_digits(s + 6, &first, &has_first);
	if (*s++ != '-')
		return FILES_RANGE_NONE;
	s = files_digits(s, &last, &has_last);
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s != '\0' || (!has_first && !has_last) ||
	    (has_first && has_last && last < first))
		return FILES_RANGE_NONE;
	if (!has_first) {
		/* The last `last` bytes; none of them is unsatisfiable. */
		if (last == 0 || size == 0)
			return FILES_RANGE_UNSATISFIABLE;
		*start = last >= size ? 0 : size - last;
		end = size - 1;
	} else {
		if (first >= size)
			return FILES_RANGE_UNSATISFIABLE;
		*start = first;
		end = has_last && last < size - 1 ? last : size - 1;
	}
	*len = end - *start + 1;
	return FILES_RANGE_PART;
}
