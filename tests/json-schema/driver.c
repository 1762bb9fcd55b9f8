/*
 * driver.c - the JSON-Schema-Test-Suite's tests, decoded by a generated
 * model.c as request bodies.
 *
 *	driver CASES.jsonl
 *
 * scripts/json-schema-suite.py writes each group's schema into one
 * OpenAPI 3.1 document as the component schema "name", generates it, and
 * links its model.c with this driver.  Each line of CASES.jsonl is one
 * test:
 *
 *	{"schema": "name", "body": "<the data as JSON text>",
 *	 "valid": true, "what": "file: group: test"}
 *
 * The body is parsed as the server parses a request body
 * (VALIDATE_JSON_FLAGS) and decoded by the component's decoder in the
 * request direction; the test passes when the decoder accepts exactly
 * the valid data.  One line per failure, then "N passed, N failed".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "arena.h"
#include "model.h"
#include "util.h"
#include "validate.h"

static const struct model_schema *
driver_find(const char *name)
{
	size_t	i;

	for (i = 0; i < model_nschemas; i++)
		if (strcmp(model_schemas[i].name, name) == 0)
			return &model_schemas[i];
	return NULL;
}

int
main(int argc, char *argv[])
{
	const struct model_schema	*ms;
	const struct validate_error	*e;
	struct validate			 v;
	struct arena			*a;
	json_error_t			 err;
	json_t				*line, *doc;
	FILE				*f;
	const char			*body, *what;
	char				*text = NULL;
	size_t				 cap = 0, pass = 0, fail = 0;
	int				 valid, rc;

	if (argc != 2) {
		fprintf(stderr, "usage: driver CASES.jsonl\n");
		return 2;
	}
	if ((f = fopen(argv[1], "r")) == NULL) {
		perror(argv[1]);
		return 2;
	}
	model_init();
	while (getline(&text, &cap, f) != -1) {
		if ((line = json_loads(text, 0, &err)) == NULL) {
			fprintf(stderr, "%s: %s\n", argv[1], err.text);
			return 2;
		}
		what = json_string_value(json_object_get(line, "what"));
		body = json_string_value(json_object_get(line, "body"));
		valid = json_is_true(json_object_get(line, "valid"));
		ms = driver_find(json_string_value(json_object_get(line,
		    "schema")));
		if (ms == NULL || body == NULL) {
			printf("FAIL %s: no such schema\n", what);
			fail++;
			json_decref(line);
			continue;
		}
		doc = json_loadb(body, strlen(body), VALIDATE_JSON_FLAGS, &err);
		a = arena_new(4096);
		validate_init(&v, a, VALIDATE_REQUEST);
		if (doc == NULL)
			rc = -2;	/* the server answers 400 */
		else
			rc = ms->decode(&v, doc, arena_calloc(a, 1, ms->size));
		if ((rc == 0) == valid)
			pass++;
		else {
			fail++;
			printf("FAIL %s: %s %s\n", what, body, valid ?
			    "refused" : "accepted");
			if (rc == -2)
				printf("    malformed JSON: %s\n", err.text);
			for (e = v.errors; e != NULL; e = e->next)
				printf("    %s: %s (%s)\n", e->field,
				    e->message, e->type);
		}
		arena_free(a);
		json_decref(doc);
		json_decref(line);
	}
	free(text);
	fclose(f);
	printf("%zu passed, %zu failed\n", pass, fail);
	return fail > 0;
}
