/*
 * test_validate.c - the run-time side of validation: formats, lengths,
 * value parsing, the error list and its locations, the JSON writer, the
 * security check, and the debug-build check of typed replies.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "api.h"
#include "arena.h"
#include "request.h"
#include "jsonw.h"
#include "security.h"
#include "util.h"
#include "validate.h"

static void
test_utf8_len(void **state)
{
	assert_int_equal(validate_utf8_len("abc", 3), 3);
	assert_int_equal(validate_utf8_len("\xc3\xa9\xc3\xa9", 4), 2);
	assert_int_equal(validate_utf8_len("\xf0\x9f\x98\x80", 4), 1);
	assert_int_equal(validate_utf8_len("\xc3", 1), -1);	/* truncated */
	assert_int_equal(validate_utf8_len("\xc0\xaf", 2), -1);	/* overlong */
	assert_int_equal(validate_utf8_len("\xed\xa0\x80", 3), -1); /* surrogate */
	assert_int_equal(validate_utf8_len("\xff", 1), -1);
}

static void
test_formats(void **state)
{
	assert_int_equal(validate_email("alice@example.com"), 0);
	assert_int_equal(validate_email("a.b+c@x.co.uk"), 0);
	assert_int_equal(validate_email("j\xc3\xb6rg@b\xc3\xbc.de"), 0);
	assert_int_equal(validate_email("a@b"), -1);
	assert_int_equal(validate_email("@b.co"), -1);
	assert_int_equal(validate_email("a..b@x.co"), -1);
	assert_int_equal(validate_email("a b@x.co"), -1);
	assert_int_equal(validate_email("a@-x.co"), -1);
	assert_int_equal(validate_email("a@x.123"), -1);

	assert_int_equal(validate_datetime("2025-03-03T10:30:01Z"), 0);
	assert_int_equal(validate_datetime("2025-03-03T10:30:01.123+02:00"), 0);
	assert_int_equal(validate_datetime("2025-03-03 10:30"), 0);
	assert_int_equal(validate_datetime("2025-03-03T24:00:00Z"), -1);
	assert_int_equal(validate_datetime("2025-03-03"), -1);
	assert_int_equal(validate_date("2024-02-29"), 0);
	assert_int_equal(validate_date("2023-02-29"), -1);
	assert_int_equal(validate_date("1900-02-29"), -1);
	assert_int_equal(validate_date("2000-02-29"), 0);
	assert_int_equal(validate_uri("https://x.y/p?q#f"), 0);
	assert_int_equal(validate_uri("mailto:a@b.c"), 0);
	assert_int_equal(validate_uri("/relative"), -1);
	assert_int_equal(validate_uri("http://a b"), -1);
	assert_int_equal(validate_uuid("3f1c2a9e-8b7d-4c61-9a0e-2f5b6c7d8e9f"), 0);
	assert_int_equal(validate_uuid("3f1c2a9e8b7d4c619a0e2f5b6c7d8e9f"), 0);
	assert_int_equal(validate_uuid("3f1c2a9e-8b7d-4c61-9a0e-2f5b6c7d8e9"), -1);
	assert_int_equal(validate_ipv4("192.168.0.1"), 0);
	assert_int_equal(validate_ipv4("256.1.1.1"), -1);
	assert_int_equal(validate_ipv4("01.1.1.1"), -1);
}

static void
test_parse(void **state)
{
	int64_t	i;
	double	d;
	bool	b;

	assert_int_equal(validate_parse_int("42", &i), 0);
	assert_int_equal(i, 42);
	assert_int_equal(validate_parse_int("-7", &i), 0);
	assert_int_equal(validate_parse_int("", &i), -1);
	assert_int_equal(validate_parse_int("1.5", &i), -1);
	assert_int_equal(validate_parse_int("99999999999999999999", &i), -1);
	assert_int_equal(validate_parse_int("12abc", &i), -1);
	assert_int_equal(validate_parse_num("1.5e3", &d), 0);
	assert_true(d == 1500.0);
	assert_int_equal(validate_parse_num("nan", &d), -1);
	assert_int_equal(validate_parse_num("inf", &d), -1);
	assert_int_equal(validate_parse_num("0x10", &d), -1);
	assert_int_equal(validate_parse_bool("TRUE", &b), 0);
	assert_true(b);
	assert_int_equal(validate_parse_bool("off", &b), 0);
	assert_false(b);
	assert_int_equal(validate_parse_bool("2", &b), -1);
}

static void
test_errors(void **state)
{
	struct validate	 v;
	struct arena	*a = arena_new(1024);
	json_t		*j;
	size_t		 mark, i;

	validate_init(&v, a, VALIDATE_REQUEST);
	validate_push(&v, "body");
	validate_push(&v, "author");
	validate_push(&v, "email");
	validate_error(&v, "value_error.email", "value is not a valid email "
	    "address");
	validate_pop(&v);
	validate_pop(&v);
	validate_pushi(&v, 3);
	mark = validate_mark(&v);
	validate_missing(&v);
	validate_missing(&v);
	validate_rollback(&v, mark);
	validate_pop(&v);
	validate_pop(&v);
	assert_int_equal(validate_ok(&v), -1);
	assert_int_equal(v.nerrors, 1);
	assert_string_equal(v.errors->field,
	    "body \xe2\x86\x92 author \xe2\x86\x92 email");
	j = validate_errors_json(&v);
	assert_int_equal(json_array_size(j), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(j,
	    0), "type")), "value_error.email");
	json_decref(j);

	/* A flood of failures is counted, listed up to the cap. */
	validate_init(&v, a, VALIDATE_REQUEST);
	for (i = 0; i < 10 * VALIDATE_MAX_ERRORS; i++)
		validate_missing(&v);
	j = validate_errors_json(&v);
	assert_int_equal(json_array_size(j), VALIDATE_MAX_ERRORS);
	json_decref(j);

	/* Deeper than the stack keeps: the field ends in an ellipsis. */
	validate_init(&v, a, VALIDATE_REQUEST);
	for (i = 0; i < VALIDATE_MAX_DEPTH + 5; i++)
		validate_push(&v, "x");
	validate_missing(&v);
	assert_non_null(strstr(v.errors->field, "\xe2\x80\xa6"));
	arena_free(a);
}

static void
test_form(void **state)
{
	struct validate_form	 f;
	struct arena		*a = arena_new(1024);
	const char		**vals;
	const char		 body[] = "a=1&b=x+y&a=2%2C3&c&d=%zz&=e";

	validate_form_parse(a, body, strlen(body), &f);
	assert_int_equal(f.n, 6);
	assert_int_equal(validate_form_values(a, &f, "a", 0, &vals), 2);
	assert_string_equal(vals[1], "2,3");
	assert_int_equal(validate_form_values(a, &f, "a", 1, &vals), 3);
	assert_int_equal(validate_form_values(a, &f, "b", 0, &vals), 1);
	assert_string_equal(vals[0], "x y");
	assert_int_equal(validate_form_values(a, &f, "c", 0, &vals), 1);
	assert_string_equal(vals[0], "");
	assert_int_equal(validate_form_values(a, &f, "d", 0, &vals), 1);
	assert_string_equal(vals[0], "%zz");
	assert_int_equal(validate_split(a, "a,,b", ',', &vals), 3);
	assert_string_equal(vals[1], "");
	arena_free(a);
}

static void
test_jsonw(void **state)
{
	struct arena	*a = arena_new(64);
	struct jsonw	 w;
	size_t		 i;

	jsonw_init(&w, a, 8);
	jsonw_obj_begin(&w);
	jsonw_key_lit(&w, "\"s\":", 4);
	jsonw_str(&w, "a\"b\\c\n\x01/\xc3\xa9");
	jsonw_key(&w, "n");
	jsonw_num(&w, 0.1);
	jsonw_key(&w, "i");
	jsonw_int(&w, INT64_MIN);
	jsonw_key(&w, "x");
	jsonw_num(&w, 1.0 / 0.0);
	jsonw_key(&w, "a");
	jsonw_arr_begin(&w);
	for (i = 0; i < 3; i++)
		jsonw_bool(&w, i % 2);
	jsonw_null(&w);
	jsonw_arr_end(&w);
	jsonw_obj_end(&w);
	assert_string_equal(w.buf, "{\"s\":\"a\\\"b\\\\c\\n\\u0001/\xc3\xa9\","
	    "\"n\":0.1,\"i\":-9223372036854775808,\"x\":null,"
	    "\"a\":[false,true,false,null]}");
	arena_free(a);
}

static int
verify_ok(struct request *req, const struct security_scheme *s,
    const char *cred, void **principal, const char **message)
{
	*principal = (void *)"someone";
	return 0;
}

static void
test_security(void **state)
{
	static const struct security_scheme	 bearer = {
		.name = "bearerAuth", .type = SECURITY_HTTP, .scheme = "Bearer",
	};
	static const struct security_scheme *const one[] = { &bearer };
	static const struct security_req	 req_only[] = {
		{ .schemes = one, .nschemes = 1 },
	};
	static const struct security_req	 req_or_anon[] = {
		{ .schemes = one, .nschemes = 1 },
		{ .schemes = NULL, .nschemes = 0 },
	};
	static const struct security		 only = { req_only, 1 };
	static const struct security		 or_anon = { req_or_anon, 2 };
	struct request			 req;

	security_register("bearerAuth", verify_ok);
	memset(&req, 0, sizeof(req));
	req.arena = arena_new(1024);
	req.res.fd = -1;
	/* No connection: no headers, so no credentials. */
	assert_int_equal(security_precheck(&req, &only), -1);
	assert_int_equal(req.res.status, 401);
	memset(&req.res, 0, sizeof(req.res));
	assert_int_equal(security_check(&req, &only), -1);
	assert_int_equal(req.res.status, 401);
	assert_non_null(strstr(req.res.body, "Not authenticated"));
	memset(&req.res, 0, sizeof(req.res));
	assert_int_equal(security_precheck(&req, &or_anon), 0);
	assert_int_equal(security_check(&req, &or_anon), 0);
	assert_null(req.principal);
	assert_int_equal(security_check(&req, NULL), 0);
	arena_free(req.arena);
	security_cleanup();
}

static void
test_reply_checked(void **state)
{
	struct api_RootResponse	 good = { .message = "API is running",
				    .docs = "/docs" };
	struct api_RootResponse	 bad = { .message = NULL, .docs = "/docs" };
	struct request	 req;

	memset(&req, 0, sizeof(req));
	req.arena = arena_new(1024);
	req.res.fd = -1;
	req.request_id = "test";
	api_init();
	assert_int_equal(api_root_get_reply_200(&req, &good), 0);
	assert_int_equal(req.res.status, 200);
	assert_string_equal(req.res.body,
	    "{\"message\":\"API is running\",\"docs\":\"/docs\"}");
#ifdef DEBUG_BUILD
	/* A required string left NULL is written as null: not the schema. */
	assert_int_equal(api_root_get_reply_200(&req, &bad), 0);
	assert_int_equal(req.res.status, 500);
#else
	(void)bad;
#endif
	arena_free(req.arena);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_utf8_len),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_form),
		cmocka_unit_test(test_jsonw),
		cmocka_unit_test(test_security),
		cmocka_unit_test(test_reply_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
