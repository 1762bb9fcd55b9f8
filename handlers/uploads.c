/*
 * uploads.c - the Uploads tag: storing files (POST /uploads/image,
 * /uploads/multiple) and serving them (GET /files/{name}).
 *
 * Storage and serving rules live in runtime/upload.c and files.c; these
 * handlers only tie them to the request and the database.
 */
#include "api.h"
#include "files.h"
#include "http.h"

int
api_files_get(struct http_request *req, const struct api_files_get_in *in)
{
	return files_serve(req, in->path.name);
}
