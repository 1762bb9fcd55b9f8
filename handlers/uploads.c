/*
 * uploads.c - the Uploads tag: storing files (POST /uploads/image,
 * /uploads/multiple) and serving them (GET /files/{name}).
 *
 * Storage and serving rules live in runtime/upload.c and files.c; these
 * handlers only tie them to the request and the database.
 */
#include <string.h>

#include "api.h"
#include "app.h"
#include "arena.h"
#include "db.h"
#include "files.h"
#include "request.h"
#include "model.h"
#include "query.h"
#include "upload.h"

int
api_files_get(struct request *req, const struct api_files_get_in *in)
{
	return files_serve(req, in->path.name);
}

/*
 * Keeps the files and records them, all or nothing: on any failure the
 * files already renamed into place are removed again and the rows rolled
 * back.  0 ok, -1 after answering.
 */
static int
uploads_keep(struct request *req, const struct upload_file *const *files,
    size_t n, const char *description, int64_t owner)
{
	struct query_upload_record_row	 row;
	enum db_error			 err;
	size_t				 i, kept = 0;

	if (db_begin(req->db, &err) == -1) {
		reply_error_db(req, err, db_last_error(req->db));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (upload_commit(req, files[i]) == -1) {
			reply_error(req, 500, "Internal server error");
			goto fail;
		}
		kept++;
		err = query_upload_record(req->db, req->arena,
		    files[i]->stored_name, files[i]->original_name,
		    files[i]->content_type, (int64_t)files[i]->size,
		    description, owner, &row);
		if (err != DB_OK) {
			app_db_error(req, err);
			goto fail;
		}
	}
	if (db_commit(req->db, &err) == -1) {
		reply_error_db(req, err, db_last_error(req->db));
		goto fail;
	}
	return 0;
fail:
	db_rollback(req->db);
	for (i = 0; i < kept; i++)
		upload_remove(files[i]->stored_name);
	return -1;
}

int
api_uploads_image(struct request *req,
    const struct api_uploads_image_in *in)
{
	const struct api_User		*me = in->principal;
	const struct upload_file	*file = in->body->file;
	struct api_UploadResponse	 out;

	if (uploads_keep(req, &file, 1, in->body->has_description &&
	    in->body->description[0] != '\0' ? in->body->description : NULL,
	    me->id) == -1)
		return 0;
	memset(&out, 0, sizeof(out));
	out.message = "Uploaded successfully";
	out.filename = file->stored_name;
	out.original_name = file->original_name;
	out.content_type = file->content_type;
	out.size = (int64_t)file->size;
	out.url = arena_sprintf(req->arena, "/files/%s", file->stored_name);
	out.uploaded_by = me->id;
	return api_uploads_image_reply_201(req, &out);
}

int
api_uploads_multiple(struct request *req,
    const struct api_uploads_multiple_in *in)
{
	const struct api_User			*me = in->principal;
	const struct api_MultiFileUpload_files	*files = &in->body->files;
	struct api_MultiUploadResponse		 out;
	struct api_UploadedFile			*f;
	size_t					 i;

	if (uploads_keep(req, files->items, files->n, NULL, me->id) == -1)
		return 0;
	memset(&out, 0, sizeof(out));
	out.uploaded = (int64_t)files->n;
	out.files.n = files->n;
	out.files.items = arena_calloc(req->arena, files->n + 1,
	    sizeof(*out.files.items));
	for (i = 0; i < files->n; i++) {
		f = &out.files.items[i];
		f->original = files->items[i]->original_name;
		f->saved_as = files->items[i]->stored_name;
		f->size = (int64_t)files->items[i]->size;
		f->url = arena_sprintf(req->arena, "/files/%s",
		    files->items[i]->stored_name);
	}
	return api_uploads_multiple_reply_201(req, &out);
}
