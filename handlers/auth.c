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

int
api_auth_register(struct request *req,
    const struct api_auth_register_in *in)
{
	const struct api_UserCreate	*b = in->body;
	struct api_User			 user;
	char				 hash[AUTH_HASH_MAX];
	const char			*params[3];

	if (app_password_hash(req, b->password, hash) == -1)
		return -1;
	params[0] = b->name;
	params[1] = b->email;
	params[2] = hash;
	if (app_user_save(req, "UserCreate", 3, params, &user) == -1)
		return 0;
	mail_welcome_task(req, user.email, user.name);
	return api_auth_register_reply_201(req, &user);
}

int
api_auth_login(struct request *req, const struct api_auth_login_in *in)
{
	const struct api_LoginRequest	*b = in->body;
	struct api_TokenResponse	 out;
	char				 token[AUTH_TOKEN_MAX];
	const char			*params[1], *hash = NULL;
	PGresult			*res;

	params[0] = b->email;
	if ((res = app_query(req, "UserGetByEmail", 1, params, DB_OK,
	    NULL)) == NULL)
		return 0;
	if (PQntuples(res) == 1)
		hash = PQgetvalue(res, 0, 5);
	/* Without a user a dummy hash is verified: same time either way. */
	if (auth_password_verify(hash, b->password) == -1) {
		PQclear(res);
		loginlog_task(req, b->email, 0);
		reply_error(req, 401, "Invalid email or password");
		return 0;
	}
	memset(&out, 0, sizeof(out));
	app_user_row(req, res, 0, 0, &out.user);
	PQclear(res);
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
