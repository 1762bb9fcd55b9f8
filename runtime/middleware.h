/*
 * middleware.h - the ordered chain every request goes through.
 *
 * Middleware are registered once, in order, in main().  "before" hooks
 * run in registration order when the request headers have arrived (before
 * routing and before the body is read); one may answer early (a CORS
 * preflight, a rejected token) by setting a response and returning 1.
 * "after" hooks run in reverse order on every response - errors, early
 * answers and 404s included - and may only decorate it (add headers).
 */
#ifndef RUNTIME_MIDDLEWARE_H
#define RUNTIME_MIDDLEWARE_H

struct request;

struct middleware {
	const char	*name;
	int		(*before)(struct request *);	/* 1: answered */
	void		(*after)(struct request *);
};

void	middleware_register(const struct middleware *);
int	middleware_run_before(struct request *);
void	middleware_run_after(struct request *);
void	middleware_cleanup(void);

#endif
