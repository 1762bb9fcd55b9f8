/*
 * app.h - what the example application's handlers share: the generated
 * query rows turned into the generated models, the database error
 * answer, and the bearer-token verifier.
 *
 * Handlers call PostgreSQL only through the generated query functions
 * (generated/query.h, from sql/queries): typed parameters in, a typed
 * row or an enum db_error out.
 */
#ifndef HANDLERS_APP_H
#define HANDLERS_APP_H

#include "db.h"
#include "query.h"

struct request;
struct security_scheme;
struct api_User;
struct api_Post;

/* Answers a query's failure (503 when the database is unreachable, 500
 * otherwise, the detail logged) and returns 0, a handler's return. */
int	app_db_error(struct request *, enum db_error);

/* A query's row into a model (strings are shared, not copied). */
void	app_user(struct api_User *, const struct query_user_row *);
void	app_post(struct api_Post *, const struct query_post_row *);

/* Argon2id of a new password into hash[AUTH_HASH_MAX]; -1 after
 * answering 500. */
int	app_password_hash(struct request *, const char *, char *);

/* security_register("bearerAuth", app_bearer): the token's user, loaded
 * from the database, becomes the principal (a struct api_User). */
int	app_bearer(struct request *, const struct security_scheme *,
	    const char *, void **, const char **);

#endif
