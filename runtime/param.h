/*
 * param.h - parameters that are not one scalar or a list of scalars:
 * objects, arrays of objects, deepObject and content-encoded values.
 *
 * Each reader turns the parameter's text into JSON with strings at the
 * leaves; the generated glue then decodes it with the parameter's
 * schema, with validate.text set so that a string stands for the number
 * or boolean the schema wants (the URL has no types).  Errors are then
 * located like the body's: "query → created → gt".
 *
 *   deepObject	(query)	name[a][b]=v, name[]=v appends, name=v alone is
 *			the scalar alternative; an object whose keys are
 *			0..n-1 becomes an array (name[0][id]=...)
 *   form, explode	(query)	an object's members are the query's other
 *			pairs, those the operation does not declare
 *   non-exploded	k,v,k,v (form, simple; sep for space/pipeDelimited)
 *   simple, explode	k=v,k=v (path, header)
 *   content	the value is a JSON text (content: application/json)
 *
 * Every function returns a new reference, or NULL when the parameter is
 * absent.  Pairs are the request's, already percent-decoded.
 */
#ifndef RUNTIME_PARAM_H
#define RUNTIME_PARAM_H

#include <stddef.h>

#include <jansson.h>

struct request;
struct request_pair;

json_t	*param_deep(const struct request_pair *, size_t, const char *);
json_t	*param_rest(const struct request_pair *, size_t, const char *,
	    const char *const *skip);
json_t	*param_pairs(const char *, char sep, int explode);
json_t	*param_json(const char *);
json_t	*param_jsons(const struct request_pair *, size_t, const char *);

/* The same over the request's query string. */
json_t	*param_query_deep(struct request *, const char *);
json_t	*param_query_rest(struct request *, const char *,
	    const char *const *skip);
json_t	*param_query_jsons(struct request *, const char *);

#endif
