/*
 * app.c - shared by the example application's handlers (see app.h).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "app.h"
#include "arena.h"
#include "auth.h"
#include "request.h"
#include "log.h"
#include "model.h"
#include "security.h"
#include "util.h"

PGresult *
app_query(struct request *req, const char *name, int n,
    const char *const *params, enum db_error handled, enum db_error *errp)
{
	PGresult	*res;
	enum db_error	 err = DB_OK;

	res = db_exec(req->db, name, n, params, &err);
	if (errp != NULL)
		*errp = err;
	if (res == NULL && (handled == DB_OK || err != handled))
		reply_error_db(req, err, db_last_error(req->db));
	return res;
}

/* A copy of a column's text in the arena; NULL for SQL NULL. */
static const char *
app_text(struct request *req, PGresult *res, int r, int c)
{
	if (PQgetisnull(res, r, c))
		return NULL;
	return arena_strdup(req->arena, PQgetvalue(res, r, c));
}

void
app_user_row(struct request *req, PGresult *res, int r, int c,
    struct api_User *u)
{
	u->id = strtoll(PQgetvalue(res, r, c), NULL, 10);
	u->name = app_text(req, res, r, c + 1);
	u->email = app_text(req, res, r, c + 2);
	u->avatar_url = app_text(req, res, r, c + 3);
	u->created_at = app_text(req, res, r, c + 4);
}

void
app_post_row(struct request *req, PGresult *res, int r, int c,
    struct api_Post *p)
{
	p->id = strtoll(PQgetvalue(res, r, c), NULL, 10);
	p->title = app_text(req, res, r, c + 1);
	p->content = app_text(req, res, r, c + 2);
	p->published = PQgetvalue(res, r, c + 3)[0] == 't';
	p->author_id = strtoll(PQgetvalue(res, r, c + 4), NULL, 10);
	p->cover_image = app_text(req, res, r, c + 5);
	p->created_at = app_text(req, res, r, c + 6);
	p->updated_at = app_text(req, res, r, c + 7);
}

int
app_user_save(struct request *req, const char *name, int n,
    const char *const *params, struct api_User *user)
{
	enum db_error	 err;
	PGresult	*res;

	res = app_query(req, name, n, params, DB_UNIQUE_VIOLATION, &err);
	if (res == NULL) {
		if (err == DB_UNIQUE_VIOLATION)
			reply_error(req, 400, "Email already registered");
		return -1;
	}
	app_user_row(req, res, 0, 0, user);
	PQclear(res);
	return 0;
}

const char *
app_int(struct request *req, long long v)
{
	char	*s = arena_alloc(req->arena, 24);

	util_fmt_i(s, v);
	return s;
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
	struct api_User	*u;
	PGresult	*res;
	const char	*params[1];
	int64_t		 id;

	if (auth_token_verify(token, (int64_t)time(NULL), &id) == -1) {
		*message = "Could not validate credentials";
		return -1;
	}
	params[0] = app_int(req, id);
	if ((res = app_query(req, "UserGetById", 1, params, DB_OK,
	    NULL)) == NULL)
		return -1;			/* answered 503/500 */
	if (PQntuples(res) != 1) {		/* the user is gone */
		PQclear(res);
		*message = "Could not validate credentials";
		return -1;
	}
	u = arena_calloc(req->arena, 1, sizeof(*u));
	app_user_row(req, res, 0, 0, u);
	PQclear(res);
	*principal = u;
	return 0;
}
