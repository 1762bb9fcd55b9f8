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
	struct api_User			 user;
	char				 hash[AUTH_HASH_MAX];
	const char			*params[4];

	params[0] = app_int(req, me->id);
	params[1] = b->has_name ? b->name : NULL;
	params[2] = b->has_email ? b->email : NULL;
	params[3] = NULL;
	if (b->has_password) {
		if (app_password_hash(req, b->password, hash) == -1)
			return -1;
		params[3] = hash;
	}
	if (app_user_save(req, "UserUpdate", 4, params, &user) == -1)
		return 0;
	return api_users_update_me_reply_200(req, &user);
}

int
api_users_delete_me(struct request *req,
    const struct api_users_delete_me_in *in)
{
	const struct api_User	*me = in->principal;
	const char		*params[1];
	PGresult		*res;
	int			 i;

	params[0] = app_int(req, me->id);
	if ((res = app_query(req, "UserDelete", 1, params, DB_OK,
	    NULL)) == NULL)
		return 0;
	/* The rows are gone (committed); now their files. */
	for (i = 0; i < PQntuples(res); i++)
		upload_remove(PQgetvalue(res, i, 0));
	PQclear(res);
	return api_users_delete_me_reply_204(req);
}

int
api_users_list(struct request *req, const struct api_users_list_in *in)
{
	struct api_UserPage	 out;
	struct page		 pg;
	const char		*params[2];
	PGresult		*res;
	int			 i;

	page_start(&pg, in->query.page, in->query.per_page,
	    in->query.has_skip ? in->query.skip : -1,
	    in->query.has_limit ? in->query.limit : -1);
	if ((res = app_query(req, "UserCount", 0, NULL, DB_OK, NULL)) == NULL)
		return 0;
	page_finish(&pg, strtoll(PQgetvalue(res, 0, 0), NULL, 10));
	PQclear(res);

	params[0] = app_int(req, pg.limit);
	params[1] = app_int(req, pg.offset);
	if ((res = app_query(req, "UserList", 2, params, DB_OK, NULL)) == NULL)
		return 0;
	memset(&out, 0, sizeof(out));
	out.data.n = PQntuples(res);
	out.data.items = arena_calloc(req->arena, out.data.n + 1,
	    sizeof(*out.data.items));
	for (i = 0; i < PQntuples(res); i++)
		app_user_row(req, res, i, 0, &out.data.items[i]);
	PQclear(res);
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
	struct api_UserEnvelope	 out;
	const char		*params[1];
	PGresult		*res;

	params[0] = app_int(req, in->path.user_id);
	if ((res = app_query(req, "UserGetById", 1, params, DB_OK,
	    NULL)) == NULL)
		return 0;
	if (PQntuples(res) != 1) {
		PQclear(res);
		reply_error(req, 404, "User not found");
		return 0;
	}
	memset(&out, 0, sizeof(out));
	app_user_row(req, res, 0, 0, &out.data);
	PQclear(res);
	out.success = true;
	out.message = "User fetched successfully";
	return api_users_get_reply_200(req, &out);
}

int
api_users_upload_avatar(struct request *req,
    const struct api_users_upload_avatar_in *in)
{
	const struct api_User	*me = in->principal;
	const struct upload_file *file = in->body->file;
	struct api_User		 user;
	const char		*params[2];
	PGresult		*res;

	/* The file is in place before the row points at it ... */
	if (upload_commit(req, file) == -1) {
		reply_error(req, 500, "Internal server error");
		return -1;
	}
	params[0] = app_int(req, me->id);
	params[1] = file->stored_name;
	if ((res = app_query(req, "UserSetAvatar", 2, params, DB_OK,
	    NULL)) == NULL) {
		upload_remove(file->stored_name);
		return 0;
	}
	app_user_row(req, res, 0, 0, &user);
	/* ... and the old file goes only after the row is committed. */
	if (!PQgetisnull(res, 0, 5))
		upload_remove(PQgetvalue(res, 0, 5));
	PQclear(res);
	return api_users_upload_avatar_reply_200(req, &user);
}
