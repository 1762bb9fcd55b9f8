/*
 * auth.c - the Authentication tag: registration and login.
 */
#include <string.h>
#include <time.h>

#include "api.h"
#include "app.h"
#include "auth.h"
#include "request.h"
#include "log.h"
#include "loginlog.h"
#include "mail.h"
#include "model.h"
#include "query.h"

int
api_auth_register(struct request *req,
    const struct api_auth_register_in *in)
{
	const struct api_UserCreate	*b = in->body;
	struct query_user_row		 row;
	struct api_User			 user;
	char				 hash[AUTH_HASH_MAX];
	enum db_error			 err;

	if (app_password_hash(req, b->password, hash) == -1)
		return -1;
	err = query_user_create(req->db, req->arena, b->name, b->email, hash,
	    &row);
	if (err == DB_UNIQUE_VIOLATION) {
		reply_error(req, 400, "Email already registered");
		return 0;
	}
	if (err != DB_OK)
		return app_db_error(req, err);
	app_user(&user, &row);
	mail_welcome_task(req, user.email, user.name);
	return api_auth_register_reply_201(req, &user);
}

int
api_auth_login(struct request *req, const struct api_auth_login_in *in)
{
	const struct api_LoginRequest		*b = in->body;
	struct query_user_get_by_email_row	 row;
	struct api_TokenResponse		 out;
	char					 token[AUTH_TOKEN_MAX];
	const char				*hash = NULL;
	enum db_error				 err;

	err = query_user_get_by_email(req->db, req->arena, b->email, &row);
	if (err == DB_OK)
		hash = row.password_hash;
	else if (err != DB_NOT_FOUND)
		return app_db_error(req, err);
	/* Without a user a dummy hash is verified: same time either way. */
	if (auth_password_verify(hash, b->password) == -1) {
		loginlog_task(req, b->email, 0);
		reply_error(req, 401, "Invalid email or password");
		return 0;
	}
	memset(&out, 0, sizeof(out));
	out.user.id = row.id;
	out.user.name = row.name;
	out.user.email = row.email;
	out.user.avatar_url = row.avatar_url;
	out.user.created_at = row.created_at;
	if (auth_token_issue(out.user.id, (int64_t)time(NULL), token,
	    sizeof(token)) == -1) {
		log_error(req->request_id, "token issue failed");
		reply_error(req, 500, "Internal server error");
		return -1;
	}
	loginlog_task(req, b->email, 1);
	out.access_token = token;
	out.token_type = "bearer";
	return api_auth_login_reply_200(req, &out);
}
