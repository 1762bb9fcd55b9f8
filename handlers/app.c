/*
 * app.c - shared by the example application's handlers (see app.h).
 */
#include <string.h>
#include <time.h>

#include "api.h"
#include "app.h"
#include "arena.h"
#include "auth.h"
#include "request.h"
#include "log.h"
#include "model.h"
#include "query.h"
#include "security.h"

int
app_db_error(struct request *req, enum db_error err)
{
	reply_error_db(req, err, err == DB_NOT_FOUND ?
	    "the row is gone (changed concurrently)" :
	    db_last_error(req->db));
	return 0;
}

void
app_user(struct api_User *u, const struct query_user_row *row)
{
	memset(u, 0, sizeof(*u));
	u->id = row->id;
	u->name = row->name;
	u->email = row->email;
	u->avatar_url = row->avatar_url;
	u->created_at = row->created_at;
}

void
app_post(struct api_Post *p, const struct query_post_row *row)
{
	memset(p, 0, sizeof(*p));
	p->id = row->id;
	p->title = row->title;
	p->content = row->content;
	p->published = row->published;
	p->author_id = row->author_id;
	p->cover_image = row->cover_image;
	p->created_at = row->created_at;
	p->updated_at = row->updated_at;
}

int
app_password_hash(struct request *req, const char *password,
    char *hash)
{
	if (auth_password_hash(password, hash) == -1) {
		log_error(req->request_id, "password hashing failed");
		reply_error(req, 500, "Internal server error");
		return -1;
	}
	return 0;
}

int
app_bearer(struct request *req, const struct security_scheme *scheme,
    const char *token, void **principal, const char **message)
{
	struct query_user_row	 row;
	struct api_User		*u;
	enum db_error		 err;
	int64_t			 id;

	if (auth_token_verify(token, (int64_t)time(NULL), &id) == -1) {
		*message = "Could not validate credentials";
		return -1;
	}
	err = query_user_get_by_id(req->db, req->arena, id, &row);
	if (err == DB_NOT_FOUND) {		/* the user is gone */
		*message = "Could not validate credentials";
		return -1;
	}
	if (err != DB_OK) {
		app_db_error(req, err);		/* answered 503/500 */
		return -1;
	}
	u = arena_calloc(req->arena, 1, sizeof(*u));
	app_user(u, &row);
	*principal = u;
	return 0;
}
