/*
 * fuzz_params.c - libFuzzer target for what parses parameter and form
 * values: validate_value/validate_values for every kind, the split and
 * form-urlencoded parsers, the structured parameters of param.c
 * (deepObject brackets, form-exploded objects, k,v pairs, JSON texts),
 * the format checks, and the example application's generated parameter
 * decoders on the results.
 *
 * Input: one byte choosing the kind and separator, then the raw text (as
 * a query string value, a path segment or a form body).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "arena.h"
#include "model.h"
#include "param.h"
#include "request.h"
#include "util.h"
#include "validate.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const unsigned	kinds[] = {
	VALIDATE_T_INT, VALIDATE_T_NUM, VALIDATE_T_BOOL, VALIDATE_T_STR,
	VALIDATE_T_ALL
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct validate_form	 f;
	struct validate		 v;
	struct arena		*a;
	const char		**vals;
	json_t			*j;
	char			*s;
	size_t			 n, i;
	int64_t			 iv;
	unsigned		 kind;

	if (len < 1)
		return 0;
	kind = kinds[data[0] % (sizeof(kinds) / sizeof(kinds[0]))];
	a = arena_new(1024);
	/* Parameter values are C strings (request.c decodes the query into them). */
	s = arena_strndup(a, (const char *)data + 1, len - 1);
	validate_init(&v, a, VALIDATE_REQUEST);

	j = validate_value(s, kind);
	if (j == NULL)
		abort();
	validate_push(&v, "query");
	validate_push(&v, "per_page");
	(void)model_decode_UserPage_per_page(&v, j, &iv);
	validate_pop(&v);
	json_decref(j);

	n = validate_split(a, s, data[0] & 0x80 ? '|' : ',', &vals);
	j = validate_values(vals, n, kind);
	if (json_array_size(j) != n)
		abort();
	json_decref(j);

	validate_form_parse(a, (const char *)data + 1, len - 1, &f);
	for (i = 0; i < f.n && i < 8; i++)
		(void)validate_form_values(a, &f, f.keys[i], i & 1, &vals);

	/* The body's pairs as a query: deepObject under the first key's
	 * name (up to '['), and the rest beside it. */
	if (f.n > 0) {
		struct request_pair	*pairs;
		const char *const	 skip[] = { "a", NULL };
		char			*name;

		pairs = arena_calloc(a, f.n, sizeof(*pairs));
		for (i = 0; i < f.n; i++) {
			pairs[i].name = f.keys[i];
			pairs[i].value = f.values[i];
		}
		name = arena_strndup(a, f.keys[0], strcspn(f.keys[0], "["));
		json_decref(param_deep(pairs, f.n, name));
		json_decref(param_rest(pairs, f.n, name, skip));
		json_decref(param_jsons(pairs, f.n, name));
	}
	json_decref(param_pairs(s, data[0] & 0x80 ? '|' : ',', data[0] & 1));
	json_decref(param_json(s));

	(void)validate_utf8_len(s, strlen(s));
	(void)validate_email(s);
	(void)validate_datetime(s);
	(void)validate_date(s);
	(void)validate_uri(s);
	(void)validate_uuid(s);
	(void)validate_ipv4(s);
	arena_free(a);
	return 0;
}
