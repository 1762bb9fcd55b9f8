/*
 * upload.c - multipart bodies streamed to temporary files (upload.h).
 *
 * Each file part goes: its first MAGIC_HEAD_BYTES are held in memory
 * until its type is known (magic.h); if that type is accepted and agrees
 * with the part's Content-Type, a temporary ".tmp-<32 hex>" is created in
 * UPLOAD_DIR (O_EXCL, 0600) and the part is written to it as it arrives,
 * counting bytes against the field's limit.  Nothing of a file is ever
 * held beyond those first bytes.
 *
 * Every temporary of a request is on its list (up->files) from the moment
 * it exists, so upload_end can remove whatever the handler did not keep,
 * whichever way the request ended.  Start-up removes the ones a crash
 * left behind.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "arena.h"
#include "config.h"
#include "request.h"
#include "log.h"
#include "magic.h"
#include "multipart.h"
#include "upload.h"
#include "util.h"

#define UPLOAD_TMP_PREFIX	".tmp-"
#define UPLOAD_UUID_LEN		36

enum upload_part {
	PART_SKIP,		/* unknown name, or dropped: read and ignore */
	PART_HEAD,		/* a file, type not known yet */
	PART_FILE,		/* a file, being written */
	PART_TEXT		/* a text field */
};

/* Bytes of a file held before a write(2). */
#define UPLOAD_WBUF	(64 * 1024)

struct upload {
	struct request		*req;
	const struct upload_spec	*spec;
	struct multipart		*mp;		/* NULL: no Content-Type */
	unsigned long long		 received;
	size_t				 limit;		/* the whole body */
	size_t				*counts;	/* parts per field */
	struct upload_file		*files;		/* every temporary */
	struct upload_file		**ftail;
	struct upload_text		*texts;
	struct upload_text		**ttail;
	json_t				*errors;	/* 422 being built */

	/* the part being read */
	enum upload_part		 part;
	const struct upload_field	*field;
	size_t				 fidx;
	struct upload_file		*file;
	const char			*declared;	/* its Content-Type */
	int				 empty_name;	/* filename="" */
	unsigned char			 head[MAGIC_HEAD_BYTES];
	size_t				 head_len;
	unsigned long long		 size;
	int				 fd;
	char				*wbuf;		/* during a feed: the */
	size_t				 wlen;		/* thread's buffer */
	char				*text;
	size_t				 text_len;
};

static int	upload_part_begin(void *, const struct multipart_part *);
static int	upload_part_data(void *, const char *, size_t);
static int	upload_part_end(void *);
static int	upload_decide(struct upload *);
static int	upload_tmp_create(struct upload *);
static void	upload_tmp_remove(struct upload_file *);
static int	upload_write(int, const void *, size_t);
static int	upload_out(struct upload *, const void *, size_t);
static int	upload_flush(struct upload *);
static int	upload_feed_end(struct upload *, int);
static char	*upload_thread_buf(void);
static void	upload_field_error(struct upload *, const char *, const char *,
		    const char *);
static int	upload_invalid(struct upload *);
static const char *upload_declared_type(struct arena *, const char *);
static size_t	upload_utf8_seq(const unsigned char *, size_t);
static char	*upload_utf8_repair(struct arena *, const char *);
static void	upload_uuid(char [UPLOAD_UUID_LEN + 1]);
static int	upload_sync_dir(void);

static const struct multipart_callbacks upload_callbacks = {
	.part_begin = upload_part_begin,
	.part_data = upload_part_data,
	.part_end = upload_part_end,
};

static int	upload_dirfd = -1;

int
upload_init(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	char		*p, *path;
	int		 fd, rc = -1;

	/* mkdir -p */
	path = xstrdup(dir);
	for (p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) == -1 && errno != EEXIST) {
			log_error(NULL, "UPLOAD_DIR: mkdir %s: %s", path,
			    strerror(errno));
			goto out;
		}
		*p = '/';
	}
	if (mkdir(path, 0755) == -1 && errno != EEXIST) {
		log_error(NULL, "UPLOAD_DIR: mkdir %s: %s", path,
		    strerror(errno));
		goto out;
	}
	upload_cleanup();
	upload_dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (upload_dirfd == -1) {
		log_error(NULL, "UPLOAD_DIR: %s: %s", path, strerror(errno));
		goto out;
	}

	/* Temporaries left by a crash. */
	if ((fd = dup(upload_dirfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		log_error(NULL, "UPLOAD_DIR: %s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, UPLOAD_TMP_PREFIX,
		    sizeof(UPLOAD_TMP_PREFIX) - 1) != 0)
			continue;
		if (unlinkat(upload_dirfd, de->d_name, 0) == -1)
			log_warn("UPLOAD_DIR: cannot remove %s: %s",
			    de->d_name, strerror(errno));
	}
	closedir(d);
	rc = 0;
out:
	free(path);
	return rc;
}

void
upload_cleanup(void)
{
	if (upload_dirfd != -1)
		close(upload_dirfd);
	upload_dirfd = -1;
}

size_t
upload_file_limit(const struct upload_field *f)
{
	if (f->max_bytes != 0 && f->max_bytes < config.max_upload_bytes)
		return f->max_bytes;
	return config.max_upload_bytes;
}

size_t
upload_body_limit(const struct upload_spec *spec)
{
	const struct upload_field	*f;
	size_t				 i, one, n, total = UPLOAD_OVERHEAD;

	for (i = 0; i < spec->nfields; i++) {
		f = &spec->fields[i];
		one = f->is_file ? upload_file_limit(f) : UPLOAD_MAX_TEXT;
		n = f->max_items > 0 ? f->max_items : 1;
		if (one > (SIZE_MAX - total) / n)
			return SIZE_MAX;
		total += one * n;
	}
	return total;
}

struct upload *
upload_begin(struct request *req, const char *ct)
{
	struct upload	*up;
	char		 boundary[MULTIPART_MAX_BOUNDARY + 1];

	up = arena_calloc(req->arena, 1, sizeof(*up));
	up->req = req;
	up->spec = req->op->upload;
	up->limit = upload_body_limit(up->spec);
	up->counts = arena_calloc(req->arena, up->spec->nfields + 1,
	    sizeof(*up->counts));
	up->ftail = &up->files;
	up->ttail = &up->texts;
	up->fd = -1;

	/* No Content-Type at all: fine for an empty body (422 later). */
	if (ct == NULL)
		return up;
	if (multipart_boundary(ct, boundary) == -1) {
		reply_error(req, 415, "Unsupported media type: expected "
		    "multipart/form-data with a boundary");
		return NULL;
	}
	up->mp = multipart_new(boundary, &upload_callbacks, up);
	return up;
}

int
upload_feed(struct upload *up, const char *data, size_t len)
{
	struct request	*req = up->req;

	up->received += len;
	if (up->received > up->limit) {
		reply_errorf(req, 413, "Request body too large (limit %zu bytes)",
		    up->limit);
		return -1;
	}
	if (up->mp == NULL) {
		reply_error(req, 415, "Unsupported media type: expected "
		    "multipart/form-data with a boundary");
		return -1;
	}
	up->wbuf = upload_thread_buf();
	if (multipart_feed(up->mp, data, len) == 0)
		return upload_feed_end(up, 0);
	/* A refusing callback has answered already. */
	if (multipart_errno(up->mp) != MULTIPART_ECALLBACK)
		reply_errorf(req, 400, "Malformed multipart body: %s",
		    multipart_strerror(multipart_errno(up->mp)));
	return upload_feed_end(up, -1);
}

/*
 * The bytes of this chunk that are still buffered go to the file: the
 * buffer is the thread's, shared by its uploads, so nothing stays in
 * it between chunks (a buffer per upload cost 64 KiB a request: 64 MiB
 * more peak RSS with 1,024 uploads at once, bench/RESULTS.md).
 */
static int
upload_feed_end(struct upload *up, int rc)
{
	if (rc == 0 && up->fd != -1 && upload_flush(up) == -1) {
		log_error(up->req->request_id, "upload: write %s: %s",
		    up->file->tmp_path, strerror(errno));
		reply_error(up->req, 500, "Internal server error");
		rc = -1;
	}
	up->wlen = 0;
	up->wbuf = NULL;
	return rc;
}

int
upload_finish(struct upload *up)
{
	const struct upload_field	*f;
	size_t				 i, n;

	/* An empty body is an empty form: the field checks below answer. */
	up->wbuf = upload_thread_buf();
	if (up->received > 0 && multipart_finish(up->mp) == -1) {
		reply_errorf(up->req, 400, "Malformed multipart body: %s",
		    multipart_strerror(multipart_errno(up->mp)));
		return upload_feed_end(up, -1);
	}
	if (upload_feed_end(up, 0) == -1)
		return -1;
	for (i = 0; i < up->spec->nfields; i++) {
		f = &up->spec->fields[i];
		n = up->counts[i];
		if (n == 0 && (f->required || f->min_items > 0))
			upload_field_error(up, f->name, "value_error.missing",
			    "field required");
		else if (n > 0 && n < f->min_items)
			upload_field_error(up, f->name, "value_error",
			    arena_sprintf(up->req->arena, "between %zu and %zu "
			    "files are accepted", f->min_items, f->max_items));
	}
	if (up->errors != NULL)
		return upload_invalid(up);
	up->req->uploads = up->files;
	up->req->texts = up->texts;
	return 0;
}

void
upload_end(struct upload *up)
{
	struct upload_file	*f;

	if (up == NULL)
		return;
	if (up->fd != -1)
		close(up->fd);
	up->fd = -1;
	for (f = up->files; f != NULL; f = f->next)
		upload_tmp_remove(f);
	free(up->text);
	up->text = NULL;
	json_decref(up->errors);
	up->errors = NULL;
	multipart_free(up->mp);
	up->mp = NULL;
}

static int
upload_part_begin(void *arg, const struct multipart_part *mpp)
{
	struct upload			*up = arg;
	struct arena			*a = up->req->arena;
	const struct upload_field	*f = NULL;
	size_t				 i;

	up->part = PART_SKIP;
	up->field = NULL;
	up->file = NULL;
	up->size = 0;
	up->head_len = 0;
	up->text_len = 0;
	if (mpp->name == NULL)
		return 0;
	for (i = 0; i < up->spec->nfields; i++) {
		if (strcmp(up->spec->fields[i].name, mpp->name) == 0) {
			f = &up->spec->fields[i];
			break;
		}
	}
	if (f == NULL)
		return 0;
	up->field = f;
	up->fidx = i;
	if (++up->counts[i] > (f->max_items > 0 ? f->max_items : 1)) {
		if (f->max_items > 1)
			upload_field_error(up, f->name, "value_error",
			    arena_sprintf(a, "between %zu and %zu files are "
			    "accepted", f->min_items, f->max_items));
		else
			upload_field_error(up, f->name, "value_error",
			    "only one value is accepted");
		return upload_invalid(up);
	}
	if (!f->is_file) {
		up->part = PART_TEXT;
		if (up->text == NULL)
			up->text = xmalloc(UPLOAD_MAX_TEXT + 1);
		return 0;
	}
	up->part = PART_HEAD;
	up->file = arena_calloc(a, 1, sizeof(*up->file));
	up->file->field = f->name;
	up->file->original_name = mpp->filename == NULL ? NULL :
	    upload_utf8_repair(a, mpp->filename);
	up->empty_name = mpp->filename != NULL && mpp->filename[0] == '\0';
	up->declared = upload_declared_type(a, mpp->content_type);
	return 0;
}

static int
upload_part_data(void *arg, const char *p, size_t n)
{
	struct upload	*up = arg;
	size_t		 take;

	switch (up->part) {
	case PART_SKIP:
		return 0;
	case PART_TEXT:
		if (n > UPLOAD_MAX_TEXT - up->text_len) {
			reply_errorf(up->req, 413, "Form field %s too large "
			    "(limit %d bytes)", up->field->name, UPLOAD_MAX_TEXT);
			return -1;
		}
		memcpy(up->text + up->text_len, p, n);
		up->text_len += n;
		return 0;
	case PART_HEAD:
	case PART_FILE:
		break;
	}
	up->size += n;
	if (up->size > upload_file_limit(up->field)) {
		/* Cut off: nothing of it stays. */
		if (up->fd != -1)
			close(up->fd);
		up->fd = -1;
		up->wlen = 0;
		upload_tmp_remove(up->file);
		reply_errorf(up->req, 413, "File too large. Maximum size is %zu "
		    "bytes", upload_file_limit(up->field));
		return -1;
	}
	if (up->part == PART_HEAD) {
		take = sizeof(up->head) - up->head_len;
		if (take > n)
			take = n;
		memcpy(up->head + up->head_len, p, take);
		up->head_len += take;
		p += take;
		n -= take;
		if (up->head_len < sizeof(up->head))
			return 0;
		if (upload_decide(up) == -1)
			return -1;
	}
	if (n > 0 && upload_out(up, p, n) == -1) {
		log_error(up->req->request_id, "upload: write %s: %s",
		    up->file->tmp_path, strerror(errno));
		reply_error(up->req, 500, "Internal server error");
		return -1;
	}
	return 0;
}

static int
upload_part_end(void *arg)
{
	struct upload		*up = arg;
	struct upload_text	*t;
	size_t			 i, k;

	switch (up->part) {
	case PART_SKIP:
		return 0;
	case PART_TEXT:
		up->text[up->text_len] = '\0';
		for (i = 0; i < up->text_len; i += k) {
			if ((k = upload_utf8_seq((unsigned char *)up->text + i,
			    up->text_len - i)) == 0) {
				upload_field_error(up, up->field->name,
				    "value_error.str.unicode",
				    "value is not valid UTF-8");
				return upload_invalid(up);
			}
		}
		t = arena_calloc(up->req->arena, 1, sizeof(*t));
		t->field = up->field->name;
		t->value = arena_strndup(up->req->arena, up->text,
		    up->text_len);
		*up->ttail = t;
		up->ttail = &t->next;
		return 0;
	case PART_HEAD:
		/* A form's empty file input: as if the part were not sent. */
		if (up->size == 0 && up->empty_name) {
			up->counts[up->fidx]--;
			return 0;
		}
		if (upload_decide(up) == -1)
			return -1;
		break;
	case PART_FILE:
		break;
	}
	up->file->size = up->size;
	if (upload_flush(up) == -1) {
		log_error(up->req->request_id, "upload: write %s: %s",
		    up->file->tmp_path, strerror(errno));
		reply_error(up->req, 500, "Internal server error");
		return -1;
	}
	if (close(up->fd) == -1) {
		up->fd = -1;
		log_error(up->req->request_id, "upload: close %s: %s",
		    up->file->tmp_path, strerror(errno));
		reply_error(up->req, 500, "Internal server error");
		return -1;
	}
	up->fd = -1;
	return 0;
}

/*
 * The leading bytes are in: is this an accepted type, and the one the
 * client said?  If so, the temporary is created and the bytes written.
 */
static int
upload_decide(struct upload *up)
{
	const struct upload_field	*f = up->field;
	const struct magic_type		*real;
	const char			**sorted, *tmp;
	char				*msg;
	size_t				 i, j;
	int				 ok = 0;

	real = magic_detect(up->head, up->head_len);
	for (i = 0; real != NULL && i < f->ntypes; i++)
		if (strcasecmp(f->types[i], real->mime) == 0)
			ok = 1;
	if (!ok || strcmp(up->declared, real->mime) != 0) {
		/* The accepted types, sorted, as the reference words it. */
		sorted = arena_calloc(up->req->arena, f->ntypes + 1,
		    sizeof(*sorted));
		for (i = 0; i < f->ntypes; i++) {
			tmp = f->types[i];
			for (j = i; j > 0 && strcmp(sorted[j - 1], tmp) > 0; j--)
				sorted[j] = sorted[j - 1];
			sorted[j] = tmp;
		}
		msg = arena_strdup(up->req->arena,
		    "File type not allowed. Allowed: ");
		for (i = 0; i < f->ntypes; i++)
			msg = arena_sprintf(up->req->arena, "%s%s%s", msg,
			    i > 0 ? ", " : "", sorted[i]);
		reply_error(up->req, 415, msg);
		return -1;
	}
	up->file->content_type = real->mime;
	up->file->ext = real->ext;
	if (upload_tmp_create(up) == -1)
		return -1;
	up->part = PART_FILE;
	if (upload_out(up, up->head, up->head_len) == -1) {
		log_error(up->req->request_id, "upload: write %s: %s",
		    up->file->tmp_path, strerror(errno));
		reply_error(up->req, 500, "Internal server error");
		return -1;
	}
	return 0;
}

static int
upload_tmp_create(struct upload *up)
{
	unsigned char	raw[16];
	char		name[sizeof(UPLOAD_TMP_PREFIX) + 2 * sizeof(raw)];
	int		tries;

	for (tries = 0; tries < 8; tries++) {
		randombytes_buf(raw, sizeof(raw));
		memcpy(name, UPLOAD_TMP_PREFIX, sizeof(UPLOAD_TMP_PREFIX) - 1);
		sodium_bin2hex(name + sizeof(UPLOAD_TMP_PREFIX) - 1,
		    2 * sizeof(raw) + 1, raw, sizeof(raw));
		up->fd = openat(upload_dirfd, name, O_WRONLY | O_CREAT |
		    O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (up->fd != -1 || errno != EEXIST)
			break;
	}
	if (up->fd == -1) {
		log_error(up->req->request_id, "upload: cannot create a "
		    "temporary in UPLOAD_DIR: %s", strerror(errno));
		reply_error(up->req, 500, "Internal server error");
		return -1;
	}
	up->file->tmp_path = arena_strdup(up->req->arena, name);
	*up->ftail = up->file;
	up->ftail = &up->file->next;
	return 0;
}

static void
upload_tmp_remove(struct upload_file *f)
{
	if (f == NULL || f->tmp_path == NULL)
		return;
	if (unlinkat(upload_dirfd, f->tmp_path, 0) == -1 && errno != ENOENT)
		log_warn("upload: cannot remove %s: %s", f->tmp_path,
		    strerror(errno));
	f->tmp_path = NULL;
}

/*
 * A file's bytes, buffered: the parser hands them over in pieces that
 * end wherever a CR might start the boundary, in a PNG every few hundred
 * bytes (measured: ~730 write(2) calls for a 100 KiB upload).  Written
 * out when the buffer is full, at the end of the part and at the end of
 * each chunk server.c feeds us (upload_feed_end): one write per
 * chunk instead of one per piece.
 */
static int
upload_out(struct upload *up, const void *p, size_t n)
{
	if (up->wbuf == NULL)		/* not inside a feed: unbuffered */
		return upload_write(up->fd, p, n);
	if (up->wlen + n > UPLOAD_WBUF) {
		if (upload_flush(up) == -1)
			return -1;
		if (n >= UPLOAD_WBUF)
			return upload_write(up->fd, p, n);
	}
	memcpy(up->wbuf + up->wlen, p, n);
	up->wlen += n;
	return 0;
}

/* The calling thread's buffer, freed when the thread exits. */
static pthread_key_t	upload_buf_key;
static pthread_once_t	upload_buf_once = PTHREAD_ONCE_INIT;
static _Thread_local char *upload_buf;

static void
upload_buf_key_make(void)
{
	if (pthread_key_create(&upload_buf_key, free) != 0)
		fatal("pthread_key_create");
}

static char *
upload_thread_buf(void)
{
	if (upload_buf == NULL) {
		pthread_once(&upload_buf_once, upload_buf_key_make);
		upload_buf = xmalloc(UPLOAD_WBUF);
		if (pthread_setspecific(upload_buf_key, upload_buf) != 0)
			fatal("pthread_setspecific");
	}
	return (upload_buf);
}

static int
upload_flush(struct upload *up)
{
	size_t	n = up->wlen;

	up->wlen = 0;
	return (n > 0 ? upload_write(up->fd, up->wbuf, n) : 0);
}

static int
upload_write(int fd, const void *buf, size_t n)
{
	const char	*p = buf;
	ssize_t		 w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One more 422 error on "body → <field>"; upload_invalid answers. */
static void
upload_field_error(struct upload *up, const char *field, const char *type,
    const char *message)
{
	json_t	*e;

	if (up->errors == NULL)
		up->errors = json_array();
	e = json_object();
	json_object_set_new(e, "field", json_string(arena_sprintf(
	    up->req->arena, "body → %s", field)));
	json_object_set_new(e, "message", json_string(message));
	json_object_set_new(e, "type", json_string(type));
	json_array_append_new(up->errors, e);
}

static int
upload_invalid(struct upload *up)
{
	reply_error_errors(up->req, 422, "Validation failed", up->errors);
	up->errors = NULL;
	return -1;
}

/* The part's media type, lower case, without parameters ("" if none). */
static const char *
upload_declared_type(struct arena *a, const char *ct)
{
	char	*s, *p;

	if (ct == NULL)
		return "";
	s = arena_strdup(a, ct);
	if ((p = strchr(s, ';')) != NULL)
		*p = '\0';
	for (p = s + strlen(s); p > s && (p[-1] == ' ' || p[-1] == '\t'); p--)
		p[-1] = '\0';
	for (p = s; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	/* A common misspelling, accepted by the reference too. */
	if (strcmp(s, "image/jpg") == 0)
		return "image/jpeg";
	return s;
}

/* Length of the valid UTF-8 sequence at s (shortest form, no surrogates,
 * at most U+10FFFF), or 0. */
static size_t
upload_utf8_seq(const unsigned char *s, size_t n)
{
	size_t		len, i;
	unsigned	cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* s with each byte that is not part of valid UTF-8 replaced by U+FFFD
 * (jansson refuses invalid UTF-8, and the name is only reported). */
static char *
upload_utf8_repair(struct arena *a, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n = strlen(s), i, k, o = 0;
	char			*out;

	out = arena_alloc(a, 3 * n + 1);
	for (i = 0; i < n; i += k) {
		if ((k = upload_utf8_seq(p + i, n - i)) == 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			k = 1;
		} else {
			memcpy(out + o, p + i, k);
			o += k;
		}
	}
	out[o] = '\0';
	return out;
}

struct upload_file *
upload_file_get(struct request *req, const char *field)
{
	struct upload_file	*f;

	for (f = req->uploads; f != NULL; f = f->next)
		if (strcmp(f->field, field) == 0)
			return f;
	return NULL;
}

const char *
upload_text_get(struct request *req, const char *field)
{
	struct upload_text	*t;

	for (t = req->texts; t != NULL; t = t->next)
		if (strcmp(t->field, field) == 0)
			return t->value;
	return NULL;
}

static void
upload_uuid(char out[UPLOAD_UUID_LEN + 1])
{
	unsigned char	u[16];

	randombytes_buf(u, sizeof(u));
	u[6] = (u[6] & 0x0f) | 0x40;		/* version 4 */
	u[8] = (u[8] & 0x3f) | 0x80;		/* variant 10 */
	snprintf(out, UPLOAD_UUID_LEN + 1,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x",
	    u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
	    u[10], u[11], u[12], u[13], u[14], u[15]);
}

static int
upload_sync_dir(void)
{
	return fsync(upload_dirfd);
}

int
upload_commit(struct request *req, const struct upload_file *file)
{
	struct upload_file	*f;
	char			 name[UPLOAD_UUID_LEN + 1 + 8];
	char			 uuid[UPLOAD_UUID_LEN + 1];
	int			 fd, tries, r;

	/* Handlers see the parts read-only; this request's own list is not. */
	for (f = req->uploads; f != NULL && f != file; f = f->next)
		;
	if (f == NULL) {
		log_error(req->request_id, "upload_commit: not a file of this "
		    "request");
		return -1;
	}
	if (f->stored_name != NULL)
		return 0;
	if (f->tmp_path == NULL)
		return -1;
	/* The data first, so the name never points at a partial file. */
	fd = openat(upload_dirfd, f->tmp_path, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1 || fsync(fd) == -1) {
		log_error(req->request_id, "upload: fsync %s: %s", f->tmp_path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	close(fd);
	for (tries = 0; tries < 8; tries++) {
		upload_uuid(uuid);
		snprintf(name, sizeof(name), "%s.%s", uuid, f->ext);
		r = renameat2(upload_dirfd, f->tmp_path, upload_dirfd, name,
		    RENAME_NOREPLACE);
		if (r == -1 && errno == EINVAL)	/* no NOREPLACE here */
			r = renameat(upload_dirfd, f->tmp_path, upload_dirfd,
			    name);
		if (r == 0 || errno != EEXIST)
			break;
	}
	if (r == -1) {
		log_error(req->request_id, "upload: rename %s: %s",
		    f->tmp_path, strerror(errno));
		return -1;
	}
	f->tmp_path = NULL;
	f->stored_name = arena_strdup(req->arena, name);
	/* And the name itself. */
	if (upload_sync_dir() == -1)
		log_warn("upload: fsync UPLOAD_DIR: %s", strerror(errno));
	return 0;
}

int
upload_remove(const char *name)
{
	if (strncmp(name, "/files/", 7) == 0)
		name += 7;
	if (!upload_name_valid(name))
		return 0;
	if (unlinkat(upload_dirfd, name, 0) == -1 && errno != ENOENT) {
		log_error(NULL, "upload: cannot remove %s: %s", name,
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
upload_name_valid(const char *name)
{
	static const char	 pattern[] = "xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx";
	size_t			 i;

	for (i = 0; i < UPLOAD_UUID_LEN; i++) {
		switch (pattern[i]) {
		case 'x':
			if (!((name[i] >= '0' && name[i] <= '9') ||
			    (name[i] >= 'a' && name[i] <= 'f')))
				return 0;
			break;
		case 'V':
			if (strchr("89ab", name[i]) == NULL || name[i] == '\0')
				return 0;
			break;
		default:
			if (name[i] != pattern[i])
				return 0;
		}
	}
	if (name[i] != '.')
		return 0;
	return magic_by_ext(name + i + 1) != NULL;
}

int
upload_open(const char *name)
{
	if (!upload_name_valid(name)) {
		errno = ENOENT;
		return -1;
	}
	return openat(upload_dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
}
