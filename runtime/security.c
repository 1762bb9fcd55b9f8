/*
 * security.c - per-operation security requirements (see security.h).
 *
 * The 401 message follows FastAPI: "Not authenticated" when the caller
 * sent no credentials a requirement could use, otherwise the verifier's
 * message.  reply_error adds "WWW-Authenticate: Bearer" to every 401.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "request.h"
#include "log.h"
#include "security.h"
#include "util.h"
#include "validate.h"

struct security_entry {
	char			*name;
	security_verifier	 fn;
};

static struct security_entry	*entries;
static size_t			 nentries;

static const char	*security_credential(struct request *,
			    const struct security_scheme *);
static security_verifier security_find(const char *);

void
security_register(const char *name, security_verifier fn)
{
	size_t	i;

	for (i = 0; i < nentries; i++) {
		if (strcmp(entries[i].name, name) == 0) {
			entries[i].fn = fn;
			return;
		}
	}
	entries = xreallocarray(entries, nentries + 1, sizeof(*entries));
	entries[nentries].name = xstrdup(name);
	entries[nentries].fn = fn;
	nentries++;
}

void
security_cleanup(void)
{
	size_t	i;

	for (i = 0; i < nentries; i++)
		free(entries[i].name);
	free(entries);
	entries = NULL;
	nentries = 0;
}

static security_verifier
security_find(const char *name)
{
	size_t	i;

	for (i = 0; i < nentries; i++)
		if (strcmp(entries[i].name, name) == 0)
			return entries[i].fn;
	return NULL;
}

/* The credential the scheme carries in this request, or NULL. */
static const char *
security_credential(struct request *req, const struct security_scheme *s)
{
	const char	*v;
	size_t		 n;

	switch (s->type) {
	case SECURITY_HTTP:
		v = request_header(req, "Authorization");
		if (v == NULL)
			return NULL;
		n = strlen(s->scheme);
		if (strncasecmp(v, s->scheme, n) != 0 || v[n] != ' ')
			return NULL;
		for (v += n; *v == ' '; v++)
			;
		return *v != '\0' ? v : NULL;
	case SECURITY_APIKEY:
		switch (s->in) {
		case SECURITY_IN_HEADER:
			v = request_header(req, s->param);
			break;
		case SECURITY_IN_QUERY:
			v = request_query(req, s->param);
			break;
		default:
			v = validate_cookie(req, s->param);
			break;
		}
		return v != NULL && *v != '\0' ? v : NULL;
	case SECURITY_TLS:
		/* The connection exists: Kore's handshake accepted it. */
		return "mutualTLS";
	}
	return NULL;
}

int
security_precheck(struct request *req, const struct security *sec)
{
	const struct security_req	*alt;
	size_t				 i, j;

	if (sec == NULL || sec->nalts == 0)
		return 0;
	for (i = 0; i < sec->nalts; i++) {
		alt = &sec->alts[i];
		for (j = 0; j < alt->nschemes; j++)
			if (security_credential(req, alt->schemes[j]) == NULL)
				break;
		if (j == alt->nschemes)
			return 0;
	}
	reply_error(req, 401, "Not authenticated");
	return -1;
}

int
security_check(struct request *req, const struct security *sec)
{
	const struct security_req	*alt;
	const struct security_scheme	*s;
	security_verifier		 fn;
	const char			*cred, *msg, *why = NULL;
	void				*principal;
	size_t				 i, j;
	int				 anonymous = 0;

	req->principal = NULL;
	if (sec == NULL || sec->nalts == 0)
		return 0;
	for (i = 0; i < sec->nalts; i++) {
		alt = &sec->alts[i];
		if (alt->nschemes == 0) {
			anonymous = 1;
			continue;
		}
		principal = NULL;
		for (j = 0; j < alt->nschemes; j++) {
			s = alt->schemes[j];
			if ((cred = security_credential(req, s)) == NULL)
				break;
			if ((fn = security_find(s->name)) == NULL) {
				log_error(req->request_id, "no verifier "
				    "registered for security scheme %s",
				    s->name);
				why = "Could not validate credentials";
				break;
			}
			msg = NULL;
			if (fn(req, s, cred, &principal, &msg) == -1) {
				if (req->res.status != 0)
					return -1;
				why = msg != NULL ? msg :
				    "Could not validate credentials";
				break;
			}
		}
		if (j == alt->nschemes) {
			req->principal = principal;
			return 0;
		}
	}
	if (anonymous)
		return 0;
	reply_error(req, 401, why != NULL ? why : "Not authenticated");
	return -1;
}
