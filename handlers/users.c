/*
 * users.c - the Users tag: the caller's account, other accounts, avatars.
 * Every route is protected: in->principal is the caller (struct api_User).
 */
#include <string.h>

#include "api.h"
#include "app.h"
#include "arena.h"
#include "auth.h"
#include "request.h"
#include "model.h"
#include "page.h"
#include "query.h"
#include "upload.h"

int
api_users_get_me(struct request *req, const struct api_users_get_me_in *in)
{
	return api_users_get_me_reply_200(req, in->principal);
}

int
api_users_update_me(struct request *req,
    const struct api_users_update_me_in *in)
{
	const struct api_User		*me = in->principal;
	const struct api_UserUpdate	*b = in->body;
	struct query_user_row		 row;
	struct api_User			 user;
	char				 hash[AUTH_HASH_MAX];
	enum db_error			 err;

	if (b->has_password &&
	    app_password_hash(req, b->password, hash) == -1)
		return -1;
	err = query_user_update(req->db, req->arena, me->id,
	    b->has_name ? b->name : NULL, b->has_email ? b->email : NULL,
	    b->has_password ? hash : NULL, &row);
	if (err == DB_UNIQUE_VIOLATION) {
		reply_error(req, 400, "Email already registered");
		return 0;
	}
	if (err != DB_OK)
		return app_db_error(req, err);
	app_user(&user, &row);
	return api_users_update_me_reply_200(req, &user);
}

int
api_users_delete_me(struct request *req,
    const struct api_users_delete_me_in *in)
{
	const struct api_User		*me = in->principal;
	struct query_user_delete_row	*files;
	enum db_error			 err;
	size_t				 i, n;

	err = query_user_delete(req->db, req->arena, me->id, &files, &n);
	if (err != DB_OK)
		return app_db_error(req, err);
	/* The rows are gone (committed); now their files. */
	for (i = 0; i < n; i++)
		if (files[i].filename != NULL)
			upload_remove(files[i].filename);
	return api_users_delete_me_reply_204(req);
}

int
api_users_list(struct request *req, const struct api_users_list_in *in)
{
	struct query_user_count_row	 count;
	struct query_user_row		*rows;
	struct api_UserPage		 out;
	struct page			 pg;
	enum db_error			 err;
	size_t				 i, n;

	page_start(&pg, in->query.page, in->query.per_page,
	    in->query.has_skip ? in->query.skip : -1,
	    in->query.has_limit ? in->query.limit : -1);
	if ((err = query_user_count(req->db, req->arena, &count)) != DB_OK)
		return app_db_error(req, err);
	page_finish(&pg, count.total);
	err = query_user_list(req->db, req->arena, pg.limit, pg.offset,
	    &rows, &n);
	if (err != DB_OK)
		return app_db_error(req, err);
	memset(&out, 0, sizeof(out));
	out.data.n = n;
	out.data.items = arena_calloc(req->arena, n + 1,
	    sizeof(*out.data.items));
	for (i = 0; i < n; i++)
		app_user(&out.data.items[i], &rows[i]);
	out.total = pg.total;
	out.page = pg.page;
	out.per_page = pg.per_page;
	out.total_pages = pg.total_pages;
	out.has_next = pg.has_next;
	out.has_prev = pg.has_prev;
	return api_users_list_reply_200(req, &out);
}

int
api_users_get(struct request *req, const struct api_users_get_in *in)
{
	struct query_user_row	 row;
	struct api_UserEnvelope	 out;
	enum db_error		 err;

	err = query_user_get_by_id(req->db, req->arena, in->path.user_id,
	    &row);
	if (err == DB_NOT_FOUND) {
		reply_error(req, 404, "User not found");
		return 0;
	}
	if (err != DB_OK)
		return app_db_error(req, err);
	memset(&out, 0, sizeof(out));
	app_user(&out.data, &row);
	out.success = true;
	out.message = "User fetched successfully";
	return api_users_get_reply_200(req, &out);
}

int
api_users_upload_avatar(struct request *req,
    const struct api_users_upload_avatar_in *in)
{
	const struct api_User			*me = in->principal;
	const struct upload_file		*file = in->body->file;
	struct query_user_set_avatar_row	 row;
	struct api_User				 user;
	enum db_error				 err;

	/* The file is in place before the row points at it ... */
	if (upload_commit(req, file) == -1) {
		reply_error(req, 500, "Internal server error");
		return -1;
	}
	err = query_user_set_avatar(req->db, req->arena, me->id,
	    file->stored_name, &row);
	if (err != DB_OK) {
		upload_remove(file->stored_name);
		return app_db_error(req, err);
	}
	memset(&user, 0, sizeof(user));
	user.id = row.id;
	user.name = row.name;
	user.email = row.email;
	user.avatar_url = row.avatar_url;
	user.created_at = row.created_at;
	/* ... and the old file goes only after the row is committed. */
	if (row.old_avatar != NULL)
		upload_remove(row.old_avatar);
	return api_users_upload_avatar_reply_200(req, &user);
}
