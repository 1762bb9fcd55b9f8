/*
 * schema_cases.c - a generator fixture's decoders and encoders, run on
 * its documents.
 *
 *	schema_cases CASES.jsonl
 *
 * scripts/schema-cases.sh generates the fixture next to CASES.jsonl and
 * links its model.c with this driver.  Each line of CASES.jsonl is one
 * cmocka test:
 *
 *	{"schema": "Name", "doc": <JSON>, "dir": "response",
 *	 "errors": [["field", "type", "message"], ...]}
 *
 * The component schema Name decodes doc (as a request unless dir says
 * "response"); the failures must be exactly errors, in order (field
 * without the "body" prefix, "" for the value itself; message optional).
 * A document without errors must also survive encode, decode, encode
 * with the same text both times: the encoder writes what the decoder
 * accepts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"
#include "jsonw.h"
#include "model.h"
#include "util.h"
#include "validate.h"

struct scase {
	json_t		*line;
	char		 name[160];
};

static const struct model_schema *scase_find(const char *);
static void	scase_run(void **);
static char	*scase_encode(struct arena *, const struct model_schema *,
		    const void *);

static const struct model_schema *
scase_find(const char *name)
{
	size_t	i;

	for (i = 0; i < model_nschemas; i++)
		if (strcmp(model_schemas[i].name, name) == 0)
			return &model_schemas[i];
	return NULL;
}

static char *
scase_encode(struct arena *a, const struct model_schema *ms, const void *v)
{
	struct jsonw	w;

	jsonw_init(&w, a, 64);
	ms->encode(&w, v);
	return w.buf;
}

static void
scase_run(void **state)
{
	struct scase			*c = *state;
	const struct model_schema	*ms;
	const struct validate_error	*e;
	struct validate			 v;
	struct arena			*a;
	json_t				*want, *doc, *again;
	const char			*dir, *field;
	char				*text, *text2;
	void				*out, *out2;
	size_t				 i, n;
	int				 rc;

	ms = scase_find(json_string_value(json_object_get(c->line, "schema")));
	assert_non_null(ms);
	doc = json_object_get(c->line, "doc");
	dir = json_string_value(json_object_get(c->line, "dir"));
	want = json_object_get(c->line, "errors");
	a = arena_new(4096);
	validate_init(&v, a, dir != NULL && strcmp(dir, "response") == 0 ?
	    VALIDATE_RESPONSE : VALIDATE_REQUEST);
	out = arena_calloc(a, 1, ms->size);
	rc = ms->decode(&v, doc, out);

	n = json_array_size(want);
	for (e = v.errors, i = 0; e != NULL; e = e->next, i++) {
		if (i >= n)
			fail_msg("unexpected error %zu: %s: %s (%s)", i,
			    e->field, e->message, e->type);
		field = json_string_value(json_array_get(json_array_get(want,
		    i), 0));
		assert_string_equal(e->field, field);
		assert_string_equal(e->type, json_string_value(json_array_get(
		    json_array_get(want, i), 1)));
		if (json_array_size(json_array_get(want, i)) > 2)
			assert_string_equal(e->message, json_string_value(
			    json_array_get(json_array_get(want, i), 2)));
	}
	if (i < n)
		fail_msg("missing error %zu: %s %s", i,
		    json_string_value(json_array_get(json_array_get(want, i), 0)),
		    json_string_value(json_array_get(json_array_get(want, i), 1)));
	assert_int_equal(rc, n > 0 ? -1 : 0);

	if (n == 0) {
		text = scase_encode(a, ms, out);
		again = json_loads(text, VALIDATE_JSON_FLAGS, NULL);
		if (again == NULL)
			fail_msg("encoder wrote invalid JSON: %s", text);
		validate_init(&v, a, VALIDATE_RESPONSE);
		out2 = arena_calloc(a, 1, ms->size);
		/* readOnly members are written: read back as a response */
		if (ms->decode(&v, again, out2) != 0)
			fail_msg("re-decoding %s failed: %s: %s", text,
			    v.errors->field, v.errors->message);
		text2 = scase_encode(a, ms, out2);
		assert_string_equal(text, text2);
		json_decref(again);
	}
	arena_free(a);
}

int
main(int argc, char *argv[])
{
	struct CMUnitTest	*tests = NULL;
	struct scase		*cases = NULL;
	json_error_t		 err;
	FILE			*f;
	char			*line = NULL;
	size_t			 cap = 0, n = 0, lineno = 0;
	int			 rc;

	if (argc != 2) {
		fprintf(stderr, "usage: schema_cases CASES.jsonl\n");
		return 2;
	}
	if ((f = fopen(argv[1], "r")) == NULL) {
		perror(argv[1]);
		return 2;
	}
	while (getline(&line, &cap, f) != -1) {
		lineno++;
		if (line[0] == '\n' || line[0] == '#')
			continue;
		cases = xreallocarray(cases, n + 1, sizeof(*cases));
		tests = xreallocarray(tests, n + 1, sizeof(*tests));
		if ((cases[n].line = json_loads(line, JSON_ALLOW_NUL,
		    &err)) == NULL) {
			fprintf(stderr, "%s:%zu: %s\n", argv[1], lineno,
			    err.text);
			return 2;
		}
		snprintf(cases[n].name, sizeof(cases[n].name), "line %zu: %s",
		    lineno, json_string_value(json_object_get(cases[n].line,
		    "schema")));
		memset(&tests[n], 0, sizeof(tests[n]));
		tests[n].test_func = scase_run;
		n++;
	}
	free(line);
	fclose(f);
	/* Names and states point into the final array. */
	for (size_t i = 0; i < n; i++) {
		tests[i].name = cases[i].name;
		tests[i].initial_state = &cases[i];
	}
	model_init();
	rc = _cmocka_run_group_tests(argv[1], tests, n, NULL, NULL);
	for (size_t i = 0; i < n; i++)
		json_decref(cases[i].line);
	free(cases);
	free(tests);
	return rc;
}
