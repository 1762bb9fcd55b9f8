/*
 * test_upload.c - multipart bodies to files: limits, type checks, naming,
 * commit and clean-up (runtime/upload.c, magic.c), on a scratch
 * UPLOAD_DIR and requests built by hand (no server).
 *
 * The spec tables here mirror what the generator emits for openapi.yaml's
 * upload operations, with small limits so cases stay small.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "arena.h"
#include "config.h"
#include "request.h"
#include "magic.h"
#include "router.h"
#include "upload.h"
#include "util.h"

#define LIMIT	64	/* per file, in these tests */

static const char *const image_types[] = {
	"image/jpeg", "image/png", "image/webp"
};
static const char *const any_types[] = {
	"image/jpeg", "image/png", "image/webp", "application/pdf"
};

/* POST /uploads/image: file + optional description */
static const struct upload_field image_fields[] = {
	{ .name = "file", .is_file = 1, .required = 1, .min_items = 1,
	  .max_items = 1, .max_bytes = LIMIT, .types = any_types,
	  .ntypes = nitems(any_types) },
	{ .name = "description", .max_items = 1 },
};
static const struct upload_spec image_spec = { image_fields, 2 };

/* POST /users/me/avatar: one image */
static const struct upload_field avatar_fields[] = {
	{ .name = "file", .is_file = 1, .required = 1, .min_items = 1,
	  .max_items = 1, .max_bytes = LIMIT, .types = image_types,
	  .ntypes = nitems(image_types) },
};
static const struct upload_spec avatar_spec = { avatar_fields, 1 };

/* POST /uploads/multiple: 1..3 files (10 in the spec) */
static const struct upload_field multi_fields[] = {
	{ .name = "files", .is_file = 1, .required = 1, .min_items = 1,
	  .max_items = 3, .max_bytes = LIMIT, .types = any_types,
	  .ntypes = nitems(any_types) },
};
static const struct upload_spec multi_spec = { multi_fields, 1 };

#define PNG	"\x89PNG\r\n\x1a\n"
#define B	"--bnd\r\n"
#define END	"--bnd--\r\n"
#define CT	"multipart/form-data; boundary=bnd"
#define FILEPART(field, name, type)					\
	B "Content-Disposition: form-data; name=\"" field "\"; "	\
	"filename=\"" name "\"\r\nContent-Type: " type "\r\n\r\n"
#define TEXTPART(field)							\
	B "Content-Disposition: form-data; name=\"" field "\"\r\n\r\n"

static char	dir[256];

struct t_req {
	struct request	 req;
	struct route_op		 op;
	struct upload		*up;
};

/* The files in dir: temporaries and stored files, counted. */
static void
dir_count(int *tmps, int *stored)
{
	DIR		*d;
	struct dirent	*de;

	*tmps = *stored = 0;
	assert_non_null(d = opendir(dir));
	while ((de = readdir(d)) != NULL) {
		if (de->d_type != DT_REG)
			continue;
		if (strncmp(de->d_name, ".tmp-", 5) == 0)
			(*tmps)++;
		else if (de->d_name[0] != '.')
			(*stored)++;
	}
	closedir(d);
}

static void
t_begin(struct t_req *t, const struct upload_spec *spec, const char *ct)
{
	memset(t, 0, sizeof(*t));
	t->req.arena = arena_new(4096);
	t->req.res.fd = -1;
	t->req.request_id = "test";
	t->op.operation_id = "test_op";
	t->op.upload = spec;
	t->req.op = &t->op;
	t->up = upload_begin(&t->req, ct);
}

/* Feeds body in pieces of step bytes; the result of upload_finish, or
 * -1 as soon as a feed fails. */
static int
t_feed(struct t_req *t, const char *body, size_t len, size_t step)
{
	size_t	off, n;

	for (off = 0; off < len; off += n) {
		n = len - off < step ? len - off : step;
		if (upload_feed(t->up, body + off, n) == -1)
			return -1;
	}
	return upload_finish(t->up);
}

static void
t_end(struct t_req *t)
{
	upload_end(t->up);
	arena_free(t->req.arena);
}

/* The response's "message", and "errors[0].field" when present. */
static void
t_expect(struct t_req *t, int status, const char *message, const char *field)
{
	json_t		*j, *e;
	const char	*m, *fld;

	assert_int_equal(t->req.res.status, status);
	assert_non_null(j = json_loadb(t->req.res.body, t->req.res.body_len,
	    0, NULL));
	m = json_string_value(json_object_get(j, "message"));
	if (message != NULL && (m == NULL || strstr(m, message) == NULL))
		fail_msg("message \"%s\", want \"%s\"", m ? m : "", message);
	if (field != NULL) {
		e = json_array_get(json_object_get(j, "errors"), 0);
		fld = json_string_value(json_object_get(e, "field"));
		if (fld == NULL || strcmp(fld, field) != 0)
			fail_msg("field \"%s\", want \"%s\"", fld ? fld : "",
			    field);
	}
	json_decref(j);
}

static int
setup(void **state)
{
	char	path[300];

	if (sodium_init() < 0)
		return -1;
	config.max_upload_bytes = 5242880;
	snprintf(dir, sizeof(dir), "%s/test_upload.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL)
		return -1;
	/* Created when missing, nested. */
	snprintf(path, sizeof(path), "%s/a/b", dir);
	if (upload_init(path) == -1)
		return -1;
	return upload_init(dir);
}

static int
teardown(void **state)
{
	char	cmd[400];

	upload_cleanup();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_png_commit(void **state)
{
	static const char	 body[] = "preamble\r\n"
	    FILEPART("file", "cat.png", "image/png") PNG "pixels\r\n"
	    TEXTPART("description") "a cat\r\n"
	    TEXTPART("unknown") "dropped\r\n"
	    END;
	struct t_req		 t;
	struct upload_file	*f, stranger;
	struct stat		 st;
	char			 path[400], buf[64];
	int			 tmps, stored, fd;
	ssize_t			 n;

	t_begin(&t, &image_spec, CT);
	assert_non_null(t.up);
	assert_int_equal(t_feed(&t, body, sizeof(body) - 1, 7), 0);
	assert_int_equal(t.req.res.status, 0);
	f = upload_file_get(&t.req, "file");
	assert_non_null(f);
	assert_null(f->next);
	assert_string_equal(f->original_name, "cat.png");
	assert_string_equal(f->content_type, "image/png");
	assert_string_equal(f->ext, "png");
	assert_int_equal(f->size, 14);
	assert_string_equal(upload_text_get(&t.req, "description"), "a cat");
	assert_null(upload_text_get(&t.req, "unknown"));
	dir_count(&tmps, &stored);
	assert_int_equal(tmps, 1);
	assert_int_equal(stored, 0);

	assert_int_equal(upload_commit(&t.req, f), 0);
	assert_non_null(f->stored_name);
	assert_true(upload_name_valid(f->stored_name));
	assert_null(f->tmp_path);
	assert_int_equal(upload_commit(&t.req, f), 0);	/* once is enough */
	stranger = *f;				/* not of this request */
	assert_int_equal(upload_commit(&t.req, &stranger), -1);
	snprintf(path, sizeof(path), "%s/%s", dir, f->stored_name);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 14);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_true((fd = upload_open(f->stored_name)) >= 0);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	assert_int_equal(n, 14);
	assert_memory_equal(buf, PNG "pixels", 14);

	t_end(&t);
	dir_count(&tmps, &stored);
	assert_int_equal(tmps, 0);
	assert_int_equal(stored, 1);
	assert_int_equal(upload_remove(path + strlen(dir) + 1), 0);
	dir_count(&tmps, &stored);
	assert_int_equal(stored, 0);
}

static void
test_uncommitted_removed(void **state)
{
	static const char	 body[] =
	    FILEPART("file", "a.pdf", "application/pdf") "%PDF-1.4\r\n" END;
	struct t_req		 t;
	int			 tmps, stored;

	t_begin(&t, &image_spec, CT);
	assert_int_equal(t_feed(&t, body, sizeof(body) - 1, 1), 0);
	assert_string_equal(t.req.uploads->content_type, "application/pdf");
	dir_count(&tmps, &stored);
	assert_int_equal(tmps, 1);
	t_end(&t);
	dir_count(&tmps, &stored);
	assert_int_equal(tmps + stored, 0);
}

/* LIMIT bytes pass; LIMIT + 1 is cut off at once, nothing left. */
static void
test_limit(void **state)
{
	char		 body[1024], content[LIMIT + 2];
	struct t_req	 t;
	int		 len, tmps, stored, extra;

	for (extra = 0; extra <= 1; extra++) {
		memset(content, 'x', sizeof(content));
		memcpy(content, PNG, 8);
		len = snprintf(body, sizeof(body), "%s%.*s\r\n%s",
		    FILEPART("file", "a.png", "image/png"), LIMIT + extra,
		    content, END);
		t_begin(&t, &avatar_spec, CT);
		if (extra == 0) {
			assert_int_equal(t_feed(&t, body, (size_t)len, 5), 0);
			assert_int_equal(t.req.uploads->size, LIMIT);
		} else {
			assert_int_equal(t_feed(&t, body, (size_t)len, 5), -1);
			t_expect(&t, 413, "Maximum size is 64 bytes", NULL);
			/* Removed before the request even ends. */
			dir_count(&tmps, &stored);
			assert_int_equal(tmps + stored, 0);
		}
		t_end(&t);
		dir_count(&tmps, &stored);
		assert_int_equal(tmps + stored, 0);
	}
}

static void
test_types(void **state)
{
	static const struct {
		const char			*what;
		const struct upload_spec	*spec;
		const char			*body;
		int				 status;
	} t[] = {
		{ "PNG declared as JPEG", &image_spec,
		    FILEPART("file", "a.jpg", "image/jpeg") PNG "\r\n" END, 415 },
		{ "text declared as PNG", &image_spec,
		    FILEPART("file", "a.png", "image/png") "hello world!\r\n" END,
		    415 },
		{ "PDF on an image-only field", &avatar_spec,
		    FILEPART("file", "a.pdf", "application/pdf") "%PDF-1.7\r\n"
		    END, 415 },
		{ "empty file", &image_spec,
		    FILEPART("file", "a.png", "image/png") "\r\n" END, 415 },
		{ "no Content-Type on the part", &image_spec,
		    B "Content-Disposition: form-data; name=file; filename=a\r\n"
		    "\r\n" PNG "\r\n" END, 415 },
		{ "JPEG as image/jpg with parameters", &avatar_spec,
		    FILEPART("file", "a.jpg", "Image/JPG; q=1")
		    "\xff\xd8\xff\xe0" "\r\n" END, 0 },
		{ "WebP", &avatar_spec,
		    FILEPART("file", "a.webp", "image/webp")
		    "RIFF\x10\x01\x02\x03WEBPVP8 " "\r\n" END, 0 },
		{ "RIFF that is not WebP", &avatar_spec,
		    FILEPART("file", "a.webp", "image/webp")
		    "RIFF\x10\x01\x02\x03WAVEfmt " "\r\n" END, 415 },
	};
	struct t_req	tr;
	size_t		i;
	int		tmps, stored;

	for (i = 0; i < nitems(t); i++) {
		t_begin(&tr, t[i].spec, CT);
		t_feed(&tr, t[i].body, strlen(t[i].body), 3);
		if (tr.req.res.status != t[i].status)
			fail_msg("%s: %d, want %d", t[i].what,
			    tr.req.res.status, t[i].status);
		if (t[i].status == 415) {
			t_expect(&tr, 415, "File type not allowed. Allowed: ",
			    NULL);
			/* No temporary was ever created. */
			dir_count(&tmps, &stored);
			assert_int_equal(tmps + stored, 0);
		}
		t_end(&tr);
	}
	t_begin(&tr, &avatar_spec, CT);
	t_feed(&tr, t[2].body, strlen(t[2].body), 100);
	t_expect(&tr, 415, "Allowed: image/jpeg, image/png, image/webp", NULL);
	t_end(&tr);
}

static void
test_counts(void **state)
{
	static const char	 three[] =
	    FILEPART("files", "1.png", "image/png") PNG "\r\n"
	    FILEPART("files", "2.pdf", "application/pdf") "%PDF-\r\n"
	    FILEPART("files", "3.png", "image/png") PNG "\r\n" END;
	static const char	 four[] =
	    FILEPART("files", "1.png", "image/png") PNG "\r\n"
	    FILEPART("files", "2.png", "image/png") PNG "\r\n"
	    FILEPART("files", "3.png", "image/png") PNG "\r\n"
	    FILEPART("files", "4.png", "image/png") PNG "\r\n" END;
	static const char	 none[] = TEXTPART("other") "x\r\n" END;
	static const char	 emptyinput[] =
	    B "Content-Disposition: form-data; name=\"files\"; filename=\"\"\r\n"
	    "Content-Type: application/octet-stream\r\n\r\n\r\n" END;
	static const char	 two_single[] =
	    FILEPART("file", "1.png", "image/png") PNG "\r\n"
	    FILEPART("file", "2.png", "image/png") PNG "\r\n" END;
	struct t_req		 t;
	struct upload_file	*f;
	int			 n, tmps, stored;

	t_begin(&t, &multi_spec, CT);
	assert_int_equal(t_feed(&t, three, sizeof(three) - 1, 64), 0);
	for (n = 0, f = t.req.uploads; f != NULL; f = f->next)
		n++;
	assert_int_equal(n, 3);
	assert_string_equal(t.req.uploads->next->original_name, "2.pdf");
	t_end(&t);

	t_begin(&t, &multi_spec, CT);
	assert_int_equal(t_feed(&t, four, sizeof(four) - 1, 64), -1);
	t_expect(&t, 422, "Validation failed", "body → files");
	t_end(&t);
	dir_count(&tmps, &stored);
	assert_int_equal(tmps + stored, 0);

	t_begin(&t, &multi_spec, CT);
	assert_int_equal(t_feed(&t, none, sizeof(none) - 1, 64), -1);
	t_expect(&t, 422, "Validation failed", "body → files");
	t_end(&t);

	t_begin(&t, &multi_spec, CT);
	assert_int_equal(t_feed(&t, emptyinput, sizeof(emptyinput) - 1, 64),
	    -1);
	t_expect(&t, 422, "Validation failed", "body → files");
	t_end(&t);

	t_begin(&t, &avatar_spec, CT);
	assert_int_equal(t_feed(&t, two_single, sizeof(two_single) - 1, 64),
	    -1);
	t_expect(&t, 422, "Validation failed", "body → file");
	t_end(&t);

	/* An empty body with no Content-Type: an empty form. */
	t_begin(&t, &image_spec, NULL);
	assert_non_null(t.up);
	assert_int_equal(upload_finish(t.up), -1);
	t_expect(&t, 422, "Validation failed", "body → file");
	t_end(&t);
	dir_count(&tmps, &stored);
	assert_int_equal(tmps + stored, 0);
}

static void
test_refusals(void **state)
{
	static const char	 ok[] =
	    FILEPART("file", "a.png", "image/png") PNG "\r\n" END;
	static const char	 truncated[] =
	    FILEPART("file", "a.png", "image/png") PNG "abc";
	static const char	 bad[] = "--bnd\r\nx";
	struct t_req		 t;
	char			*big;
	size_t			 n;
	int			 tmps, stored;

	t_begin(&t, &image_spec, "application/json");
	assert_null(t.up);
	t_expect(&t, 415, "multipart/form-data", NULL);
	t_end(&t);

	t_begin(&t, &image_spec, NULL);
	assert_int_equal(t_feed(&t, ok, sizeof(ok) - 1, 64), -1);
	t_expect(&t, 415, "multipart/form-data", NULL);
	t_end(&t);

	t_begin(&t, &image_spec, CT);
	assert_int_equal(t_feed(&t, truncated, sizeof(truncated) - 1, 64), -1);
	t_expect(&t, 400, "Malformed multipart body", NULL);
	t_end(&t);

	t_begin(&t, &image_spec, CT);
	assert_int_equal(t_feed(&t, bad, sizeof(bad) - 1, 64), -1);
	t_expect(&t, 400, "Malformed multipart body", NULL);
	t_end(&t);

	/* Over the whole body's limit, in parts the spec does not know. */
	n = upload_body_limit(&image_spec) + 1;
	big = xmalloc(n);
	memset(big, 'x', n);
	t_begin(&t, &image_spec, CT);
	assert_int_equal(t_feed(&t, big, n, 65536), -1);
	t_expect(&t, 413, "Request body too large", NULL);
	t_end(&t);
	free(big);

	/* A text part over UPLOAD_MAX_TEXT. */
	n = UPLOAD_MAX_TEXT + 200;
	big = xmalloc(n);
	memset(big, 'y', n);
	memcpy(big, TEXTPART("description"), strlen(TEXTPART("description")));
	t_begin(&t, &image_spec, CT);
	assert_int_equal(t_feed(&t, big, n, 4096), -1);
	t_expect(&t, 413, "description too large", NULL);
	t_end(&t);
	free(big);

	dir_count(&tmps, &stored);
	assert_int_equal(tmps + stored, 0);
}

static void
test_utf8(void **state)
{
	static const char	 body[] =
	    FILEPART("file", "caf\xc3\xa9\xff.png", "image/png") PNG "\r\n"
	    TEXTPART("description") "ok\r\n" END;
	static const char	 badtext[] =
	    TEXTPART("description") "\xc3\x28\r\n" END;
	struct t_req		 t;

	t_begin(&t, &image_spec, CT);
	assert_int_equal(t_feed(&t, body, sizeof(body) - 1, 64), 0);
	assert_string_equal(t.req.uploads->original_name,
	    "caf\xc3\xa9\xef\xbf\xbd.png");
	t_end(&t);

	t_begin(&t, &image_spec, CT);
	assert_int_equal(t_feed(&t, badtext, sizeof(badtext) - 1, 64), -1);
	t_expect(&t, 422, "Validation failed", "body → description");
	t_end(&t);
}

static void
test_limits(void **state)
{
	struct upload_field	f = { .name = "f", .is_file = 1 };

	assert_int_equal(upload_file_limit(&f), 5242880);
	f.max_bytes = 1000;
	assert_int_equal(upload_file_limit(&f), 1000);
	f.max_bytes = 10485760;		/* the configuration may only lower */
	assert_int_equal(upload_file_limit(&f), 5242880);
	assert_int_equal(upload_body_limit(&image_spec),
	    LIMIT + UPLOAD_MAX_TEXT + UPLOAD_OVERHEAD);
	assert_int_equal(upload_body_limit(&multi_spec),
	    3 * LIMIT + UPLOAD_OVERHEAD);
}

static void
test_names(void **state)
{
	static const struct {
		const char	*name;
		int		 valid;
	} t[] = {
		{ "3f1c2a9e-8b7d-4c61-9a0e-2f5b6c7d8e9f.png", 1 },
		{ "3f1c2a9e-8b7d-4c61-ba0e-2f5b6c7d8e9f.jpg", 1 },
		{ "00000000-0000-4000-8000-000000000000.webp", 1 },
		{ "ffffffff-ffff-4fff-bfff-ffffffffffff.pdf", 1 },
		{ "3f1c2a9e-8b7d-4c61-9a0e-2f5b6c7d8e9f.PNG", 0 },
		{ "3F1C2A9E-8B7D-4C61-9A0E-2F5B6C7D8E9F.png", 0 },
		{ "3f1c2a9e-8b7d-3c61-9a0e-2f5b6c7d8e9f.png", 0 },
		{ "3f1c2a9e-8b7d-4c61-7a0e-2f5b6c7d8e9f.png", 0 },
		{ "3f1c2a9e-8b7d-4c61-9a0e-2f5b6c7d8e9f.png.png", 0 },
		{ "3f1c2a9e-8b7d-4c61-9a0e-2f5b6c7d8e9f.gif", 0 },
		{ "3f1c2a9e-8b7d-4c61-9a0e-2f5b6c7d8e9f.", 0 },
		{ "3f1c2a9e-8b7d-4c61-9a0e-2f5b6c7d8e9f", 0 },
		{ "3f1c2a9e-8b7d-4c61-9a0e", 0 },
		{ ".tmp-0123456789abcdef0123456789abcdef", 0 },
		{ "../3f1c2a9e-8b7d-4c61-9a0e-2f5b6c7d8e9f.png", 0 },
		{ "3f1c2a9e-8b7d-4c61-9a0e-2f5b6c7d8e9/.png", 0 },
		{ "/etc/passwd", 0 },
		{ "..", 0 },
		{ "", 0 },
	};
	size_t	i;

	for (i = 0; i < nitems(t); i++)
		if (upload_name_valid(t[i].name) != t[i].valid)
			fail_msg("%s: %d", t[i].name, !t[i].valid);
	/* Not of the stored form: not even looked up. */
	assert_int_equal(upload_remove("../../etc/passwd"), 0);
	assert_int_equal(upload_open("../x"), -1);
	assert_int_equal(upload_remove(
	    "/files/3f1c2a9e-8b7d-4c61-9a0e-2f5b6c7d8e9f.png"), 0);
}

static void
test_init_sweeps(void **state)
{
	char	path[400];
	int	fd, tmps, stored;

	snprintf(path, sizeof(path), "%s/.tmp-left-by-a-crash", dir);
	assert_true((fd = open(path, O_WRONLY | O_CREAT, 0600)) >= 0);
	close(fd);
	snprintf(path, sizeof(path),
	    "%s/3f1c2a9e-8b7d-4c61-9a0e-2f5b6c7d8e9f.png", dir);
	assert_true((fd = open(path, O_WRONLY | O_CREAT, 0600)) >= 0);
	close(fd);
	dir_count(&tmps, &stored);
	assert_int_equal(tmps, 1);
	assert_int_equal(upload_init(dir), 0);
	dir_count(&tmps, &stored);
	assert_int_equal(tmps, 0);
	assert_int_equal(stored, 1);
	assert_int_equal(upload_remove(
	    "3f1c2a9e-8b7d-4c61-9a0e-2f5b6c7d8e9f.png"), 0);
	dir_count(&tmps, &stored);
	assert_int_equal(stored, 0);
}

static void
test_magic(void **state)
{
	assert_string_equal(magic_detect("\xff\xd8\xff", 3)->ext, "jpg");
	assert_null(magic_detect("\xff\xd8", 2));
	assert_string_equal(magic_detect(PNG, 8)->mime, "image/png");
	assert_null(magic_detect(PNG, 7));
	assert_string_equal(magic_detect("RIFF\0\0\0\0WEBP", 12)->ext, "webp");
	assert_null(magic_detect("RIFF\0\0\0\0WEB", 11));
	assert_string_equal(magic_detect("%PDF-", 5)->mime, "application/pdf");
	assert_null(magic_detect("GIF89a", 6));
	assert_null(magic_detect("", 0));
	assert_string_equal(magic_by_ext("webp")->mime, "image/webp");
	assert_null(magic_by_ext("gif"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_png_commit),
		cmocka_unit_test(test_uncommitted_removed),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_init_sweeps),
		cmocka_unit_test(test_magic),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
