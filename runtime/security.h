/*
 * security.h - the spec's securitySchemes, checked per operation.
 *
 * The generator describes every operation's security requirements as a
 * struct security in route_op: alternatives (OR), each a list of schemes
 * that must all pass (AND); an empty alternative ({} in the spec) lets
 * anonymous callers through.  The application registers one verifier per
 * scheme name at start-up, e.g.
 *
 *	security_register("bearerAuth", auth_bearer);
 *
 * A verifier gets the credential the scheme carries (the token after
 * "Bearer ", or the API key) and answers 0 with the principal it loaded,
 * or -1 with a message for the 401 (NULL: "Could not validate
 * credentials").  A verifier that answers the request itself (a 503 when
 * the database is down) sets the response and returns -1.
 */
#ifndef RUNTIME_SECURITY_H
#define RUNTIME_SECURITY_H

#include <stddef.h>

struct request;

enum security_type {
	SECURITY_HTTP,		/* Authorization: <scheme> <credential> */
	SECURITY_APIKEY,	/* a header, query parameter or cookie */
	SECURITY_TLS		/* mutualTLS: Kore verified the client's
				 * certificate during the handshake
				 * (client_verify); the credential is
				 * "mutualTLS" */
};

enum security_in {
	SECURITY_IN_HEADER,
	SECURITY_IN_QUERY,
	SECURITY_IN_COOKIE
};

struct security_scheme {
	const char		*name;		/* components.securitySchemes key */
	enum security_type	 type;
	const char		*scheme;	/* SECURITY_HTTP: "Bearer", "Basic" */
	enum security_in	 in;		/* SECURITY_APIKEY */
	const char		*param;		/* SECURITY_APIKEY: its name */
};

/* One alternative: every scheme must pass. */
struct security_req {
	const struct security_scheme *const	*schemes;
	size_t					 nschemes;
};

struct security {
	const struct security_req	*alts;
	size_t				 nalts;
};

typedef int (*security_verifier)(struct request *,
    const struct security_scheme *, const char *credential,
    void **principal, const char **message);

/* Not thread-safe: call before the server starts. */
void	security_register(const char *scheme_name, security_verifier);
void	security_cleanup(void);

/* Tries the alternatives in order; sets req->principal and returns 0, or
 * answers 401 (or the verifier's answer) and returns -1.  NULL: open. */
int	security_check(struct request *, const struct security *);
/* Headers only, before the body is read: -1 after answering 401 when no
 * alternative can pass because credentials are missing. */
int	security_precheck(struct request *, const struct security *);

#endif
