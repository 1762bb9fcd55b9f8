/*
 * fuzz_params.c - libFuzzer target for what parses parameter and form
 * values: validate_value/validate_values for every kind, the split and
 * form-urlencoded parsers, the format checks, and the example
 * application's generated parameter decoders on the results.
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
