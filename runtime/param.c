/*
 * param.c - object, deepObject and content-encoded parameters as JSON
 * (see param.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "param.h"
#include "request.h"
#include "util.h"
#include "validate.h"

/* Brackets deeper than this are not a structure anyone sends. */
#define PARAM_MAX_SEGS	VALIDATE_MAX_DEPTH

static json_t	*param_put(json_t *, char **, size_t, const char *);
static json_t	*param_add(json_t *, const char *);
static json_t	*param_arrays(json_t *);
static int	 param_index(const char *, size_t *);
static int	 param_in(const char *, const char *const *);
static void	 param_set(json_t *, const char *, size_t, const char *,
		    size_t);

/* A repeated key: one value, then a list of them. */
static json_t *
param_add(json_t *old, const char *value)
{
	json_t	*a;

	if (old == NULL)
		return json_string_nocheck(value);
	if (json_is_array(old)) {
		json_array_append_new(old, json_string_nocheck(value));
		return old;
	}
	a = json_array();
	json_array_append_new(a, old);
	json_array_append_new(a, json_string_nocheck(value));
	return a;
}

/*
 * Stores value at the path segs below node (stolen; NULL: nothing yet)
 * and returns the node, or a new one when its shape had to change.  A
 * segment "" appends to an array; a path that contradicts what is there
 * (a[b]=1&a[]=2) keeps the first shape and drops the value.
 */
static json_t *
param_put(json_t *node, char **segs, size_t n, const char *value)
{
	json_t	*child;

	if (n == 0)
		return param_add(node, value);
	if (segs[0][0] == '\0') {
		if (node == NULL)
			node = json_array();
		if (!json_is_array(node))
			return node;
		json_array_append_new(node, param_put(NULL, segs + 1, n - 1,
		    value));
		return node;
	}
	if (node == NULL)
		node = json_object();
	if (!json_is_object(node))
		return node;
	child = json_object_get(node, segs[0]);
	json_incref(child);
	json_object_set_new_nocheck(node, segs[0], param_put(child, segs + 1,
	    n - 1, value));
	return node;
}

/* "0", "12": an array index (no leading zeros). */
static int
param_index(const char *s, size_t *out)
{
	size_t	i, v = 0;

	if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9' || i > 6)
			return -1;
		v = v * 10 + (size_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Objects keyed 0..n-1 become arrays, inside out; j is stolen. */
static json_t *
param_arrays(json_t *j)
{
	json_t		*a, *v;
	const char	*k;
	void		*tmp;
	size_t		 i, n, idx;

	if (json_is_array(j)) {
		n = json_array_size(j);
		for (i = 0; i < n; i++)
			json_array_set_new(j, i, param_arrays(
			    json_incref(json_array_get(j, i))));
		return j;
	}
	if (!json_is_object(j))
		return j;
	json_object_foreach_safe(j, tmp, k, v)
		json_object_set_new_nocheck(j, k, param_arrays(json_incref(v)));
	if ((n = json_object_size(j)) == 0)
		return j;
	json_object_foreach(j, k, v)
		if (param_index(k, &idx) == -1 || idx >= n)
			return j;
	a = json_array();
	for (i = 0; i < n; i++) {
		char	key[24];

		snprintf(key, sizeof(key), "%zu", i);
		json_array_append(a, json_object_get(j, key));
	}
	json_decref(j);
	return a;
}

json_t *
param_deep(const struct request_pair *pairs, size_t np, const char *name)
{
	char		*segs[PARAM_MAX_SEGS], *buf;
	const char	*p, *close;
	json_t		*root = NULL;
	size_t		 i, n, len = strlen(name);

	for (i = 0; i < np; i++) {
		if (strncmp(pairs[i].name, name, len) != 0)
			continue;
		p = pairs[i].name + len;
		if (*p != '\0' && *p != '[')
			continue;
		buf = xstrdup(p);
		/* "[a][b][]" -> "a", "b", "" */
		for (n = 0, p = buf; *p == '[' && n < PARAM_MAX_SEGS;
		    p = close + 1) {
			if ((close = strchr(p, ']')) == NULL)
				break;
			segs[n++] = (char *)p + 1;
			*(char *)close = '\0';
		}
		if (*p == '\0')
			root = param_put(root, segs, n, pairs[i].value);
		free(buf);
	}
	return root != NULL ? param_arrays(root) : NULL;
}

static void
param_set(json_t *obj, const char *k, size_t klen, const char *v,
    size_t vlen)
{
	char	*key = xmalloc(klen + 1);

	memcpy(key, k, klen);
	key[klen] = '\0';
	json_object_set_new_nocheck(obj, key, json_stringn_nocheck(v, vlen));
	free(key);
}

/* Whether s is one of set, or a deepObject key of one ("created[gt]"). */
static int
param_in(const char *s, const char *const *set)
{
	size_t	i, len;

	for (i = 0; set != NULL && set[i] != NULL; i++) {
		len = strlen(set[i]);
		if (strncmp(s, set[i], len) == 0 &&
		    (s[len] == '\0' || s[len] == '['))
			return 1;
	}
	return 0;
}

json_t *
param_rest(const struct request_pair *pairs, size_t np, const char *name,
    const char *const *skip)
{
	json_t	*obj = NULL;
	size_t	 i;

	/* The name itself: a scalar alternative ("created=5"). */
	for (i = 0; i < np; i++)
		if (strcmp(pairs[i].name, name) == 0)
			return json_string_nocheck(pairs[i].value);
	for (i = 0; i < np; i++) {
		if (param_in(pairs[i].name, skip))
			continue;
		if (obj == NULL)
			obj = json_object();
		json_object_set_new_nocheck(obj, pairs[i].name,
		    param_add(json_incref(json_object_get(obj,
		    pairs[i].name)), pairs[i].value));
	}
	return obj;
}

json_t *
param_pairs(const char *s, char sep, int explode)
{
	json_t		*obj;
	const char	*e, *eq, *key = NULL;
	size_t		 klen = 0;

	if (s == NULL)
		return NULL;
	obj = json_object();
	for (;; s = e + 1) {
		if ((e = strchr(s, sep)) == NULL)
			e = s + strlen(s);
		if (explode) {
			if ((eq = memchr(s, '=', (size_t)(e - s))) == NULL)
				param_set(obj, s, (size_t)(e - s), e, 0);
			else
				param_set(obj, s, (size_t)(eq - s), eq + 1,
				    (size_t)(e - eq - 1));
		} else if (key == NULL) {
			key = s;
			klen = (size_t)(e - s);
		} else {
			param_set(obj, key, klen, s, (size_t)(e - s));
			key = NULL;
		}
		if (*e == '\0')
			break;
	}
	/* A key without its value: the value is empty. */
	if (key != NULL)
		param_set(obj, key, klen, "", 0);
	return obj;
}

json_t *
param_json(const char *s)
{
	json_t	*j;

	if (s == NULL)
		return NULL;
	/* Not JSON: the text itself, which the schema then refuses. */
	if ((j = json_loads(s, VALIDATE_JSON_FLAGS, NULL)) == NULL)
		j = json_string_nocheck(s);
	return j;
}

json_t *
param_jsons(const struct request_pair *pairs, size_t np, const char *name)
{
	json_t	*a = NULL;
	size_t	 i;

	for (i = 0; i < np; i++) {
		if (strcmp(pairs[i].name, name) != 0)
			continue;
		if (a == NULL)
			a = json_array();
		json_array_append_new(a, param_json(pairs[i].value));
	}
	return a;
}

json_t *
param_query_deep(struct request *req, const char *name)
{
	const struct request_pair	*pairs;
	size_t				 np;

	np = request_query_pairs(req, &pairs);
	return param_deep(pairs, np, name);
}

json_t *
param_query_rest(struct request *req, const char *name,
    const char *const *skip)
{
	const struct request_pair	*pairs;
	size_t				 np;

	np = request_query_pairs(req, &pairs);
	return param_rest(pairs, np, name, skip);
}

json_t *
param_query_jsons(struct request *req, const char *name)
{
	const struct request_pair	*pairs;
	size_t				 np;

	np = request_query_pairs(req, &pairs);
	return param_jsons(pairs, np, name);
}
