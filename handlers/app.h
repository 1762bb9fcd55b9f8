/*
 * app.h - what the example application's handlers share: reading rows
 * into the generated models, running named queries with the error answers
 * already given, and the bearer-token verifier.
 */
#ifndef HANDLERS_APP_H
#define HANDLERS_APP_H

#include <libpq-fe.h>

#include "db.h"

struct request;
struct security_scheme;
struct api_User;
struct api_Post;

/*
 * Runs a named query on the request's worker connection.  On failure it
 * answers (503 when the database is unreachable, 500 otherwise) unless
 * the error is one the caller said it handles (DB_UNIQUE_VIOLATION...),
 * in which case only *err tells.  NULL on failure.
 */
PGresult	*app_query(struct request *, const char *name, int n,
		    const char *const *params, enum db_error handled,
		    enum db_error *err);

/* Row r of res, starting at column c, into a model (strings copied into
 * the request's arena).  Column order as in sql/queries. */
void	app_user_row(struct request *, PGresult *, int r, int c,
	    struct api_User *);
void	app_post_row(struct request *, PGresult *, int r, int c,
	    struct api_Post *);

/* A query that writes a user and returns its row (UserCreate,
 * UserUpdate): a taken email is 400 "Email already registered".  0 with
 * *user filled, -1 after answering. */
int	app_user_save(struct request *, const char *, int,
	    const char *const *, struct api_User *);

/* Integer decimal text for a query parameter, in the arena. */
const char	*app_int(struct request *, long long);

/* Argon2id of a new password into hash[AUTH_HASH_MAX]; -1 after
 * answering 500. */
int	app_password_hash(struct request *, const char *, char *);

/* security_register("bearerAuth", app_bearer): the token's user, loaded
 * from the database, becomes the principal (a struct api_User). */
int	app_bearer(struct request *, const struct security_scheme *,
	    const char *, void **, const char **);

#endif
