/*
 * test_param.c - parameters as structures (runtime/param.c): deepObject
 * brackets, form-exploded objects, k,v and k=v lists, JSON texts, and
 * the text mode of the typed decoders (a string spells a number).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"
#include "param.h"
#include "request.h"
#include "validate.h"

/* j as compact sorted JSON, compared with want; j is consumed. */
static void
expect_json(json_t *j, const char *want)
{
	char	*s;

	assert_non_null(j);
	s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	assert_string_equal(s, want);
	free(s);
	json_decref(j);
}

static void
test_deep(void **state)
{
	const struct request_pair	q[] = {
		{ "expand[]", "customer" }, { "expand[]", "invoice" },
		{ "created[gt]", "5" }, { "created[lte]", "9" },
		{ "createdx", "no" }, { "items[0][price]", "p1" },
		{ "items[1][price]", "p2" }, { "items[1][qty]", "2" },
		{ "meta[a][b]", "deep" }, { "meta[a][b]", "twice" },
		{ "bad[open", "x" }, { "limit", "3" },
	};
	const size_t	n = sizeof(q) / sizeof(q[0]);

	expect_json(param_deep(q, n, "expand"), "[\"customer\",\"invoice\"]");
	expect_json(param_deep(q, n, "created"), "{\"gt\":\"5\",\"lte\":\"9\"}");
	/* Keys 0..n-1 are an array. */
	expect_json(param_deep(q, n, "items"),
	    "[{\"price\":\"p1\"},{\"price\":\"p2\",\"qty\":\"2\"}]");
	expect_json(param_deep(q, n, "meta"), "{\"a\":{\"b\":[\"deep\","
	    "\"twice\"]}}");
	/* The name alone: the scalar alternative. */
	expect_json(param_deep(q, n, "limit"), "\"3\"");
	assert_null(param_deep(q, n, "bad"));
	assert_null(param_deep(q, n, "absent"));
}

static void
test_rest(void **state)
{
	const struct request_pair	q[] = {
		{ "limit", "3" }, { "k1", "v1" }, { "k2", "a" }, { "k2", "b" },
		{ "created[gt]", "5" },
	};
	const char *const	skip[] = { "limit", "created", NULL };

	/* Another parameter's deepObject keys are its own. */
	expect_json(param_rest(q, 5, "metadata", skip),
	    "{\"k1\":\"v1\",\"k2\":[\"a\",\"b\"]}");
	expect_json(param_rest(q, 4, "k1", skip), "\"v1\"");
	assert_null(param_rest(q, 1, "metadata", skip));
}

static void
test_pairs(void **state)
{
	expect_json(param_pairs("x,1,y,2", ',', 0), "{\"x\":\"1\",\"y\":\"2\"}");
	expect_json(param_pairs("x|1|y", '|', 0), "{\"x\":\"1\",\"y\":\"\"}");
	expect_json(param_pairs("from=1,to=2,bare", ',', 1),
	    "{\"bare\":\"\",\"from\":\"1\",\"to\":\"2\"}");
	assert_null(param_pairs(NULL, ',', 0));
}

static void
test_json(void **state)
{
	const struct request_pair	q[] = {
		{ "f", "{\"scope\":\"a\"}" }, { "f", "nope" },
	};

	expect_json(param_json("{\"a\":[1,2]}"), "{\"a\":[1,2]}");
	/* Not JSON: the text, which the schema then refuses. */
	expect_json(param_json("{oops"), "\"{oops\"");
	expect_json(param_jsons(q, 2, "f"), "[{\"scope\":\"a\"},\"nope\"]");
	assert_null(param_jsons(q, 2, "g"));
}

static void
test_text_mode(void **state)
{
	struct arena	*a = arena_new(4096);
	struct validate	 v;
	json_t		*j = json_string("42");
	int64_t		 i;
	double		 d;
	bool		 b;

	validate_init(&v, a, VALIDATE_REQUEST);
	/* JSON: a string is not a number. */
	assert_int_equal(validate_decode_int(&v, j, &i), -1);
	validate_init(&v, a, VALIDATE_REQUEST);
	v.text = 1;
	assert_int_equal(validate_decode_int(&v, j, &i), 0);
	assert_int_equal(i, 42);
	assert_int_equal(validate_decode_num(&v, j, &d), 0);
	assert_true(d == 42.0);
	json_decref(j);
	j = json_string("true");
	assert_int_equal(validate_decode_bool(&v, j, &b), 0);
	assert_true(b);
	json_decref(j);
	/* Text that spells no number is still refused, located. */
	j = json_string("4x");
	validate_push(&v, "query");
	validate_push(&v, "created");
	validate_push(&v, "gt");
	assert_int_equal(validate_decode_int(&v, j, &i), -1);
	assert_string_equal(v.errors->field,
	    "query \xe2\x86\x92 created \xe2\x86\x92 gt");
	json_decref(j);
	arena_free(a);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_deep),
		cmocka_unit_test(test_rest),
		cmocka_unit_test(test_pairs),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_text_mode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
