/*
 * test_router.c - the trie matcher, on a hand-written trie shaped like
 * the ones codegen emits.
 *
 *   GET /                                    root
 *   GET /pos, GET /posts-old                 neighbours of "posts" in the
 *                                            sorted edge list
 *   GET POST /posts
 *   GET /posts/my                            literal beside {id}
 *   GET /posts/my/drafts                     only literal under "my"
 *   GET /posts/archive/2024                  "archive" itself has no op
 *   GET PATCH DELETE /posts/{id}
 *   GET PUT /posts/{post_id}/cover           same node, other name
 *   GET HEAD /health                         an explicit HEAD
 *   GET /users/{user_id}/posts/{post_id}/comments/{comment_id}
 *   GET /deep/{p0}/.../{p15}  and  /deep/{p0}/.../{p16}  (built at run
 *                                            time: 16 and 17 parameters)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"
#include "router.h"
#include "util.h"

#define OP(id, tmpl, m, ...)						\
	static const char *const id##_params[] = { __VA_ARGS__ };	\
	static const struct route_op id = {				\
		.operation_id = #id,					\
		.path = tmpl,						\
		.tag = "",						\
		.method = m,						\
		.params = id##_params,					\
		.nparams = nitems(id##_params) - 1,			\
	}

OP(op_root, "/", HTTP_GET, NULL);
OP(op_pos, "/pos", HTTP_GET, NULL);
OP(op_posts_old, "/posts-old", HTTP_GET, NULL);
OP(op_posts_list, "/posts", HTTP_GET, NULL);
OP(op_posts_create, "/posts", HTTP_POST, NULL);
OP(op_posts_my, "/posts/my", HTTP_GET, NULL);
OP(op_posts_drafts, "/posts/my/drafts", HTTP_GET, NULL);
OP(op_posts_2024, "/posts/archive/2024", HTTP_GET, NULL);
OP(op_post_get, "/posts/{id}", HTTP_GET, "id", NULL);
OP(op_post_patch, "/posts/{id}", HTTP_PATCH, "id", NULL);
OP(op_post_delete, "/posts/{id}", HTTP_DELETE, "id", NULL);
OP(op_cover_get, "/posts/{post_id}/cover", HTTP_GET, "post_id", NULL);
OP(op_cover_put, "/posts/{post_id}/cover", HTTP_PUT, "post_id", NULL);
OP(op_health_get, "/health", HTTP_GET, NULL);
OP(op_health_head, "/health", HTTP_HEAD, NULL);
OP(op_comment,
    "/users/{user_id}/posts/{post_id}/comments/{comment_id}", HTTP_GET,
    "user_id", "post_id", "comment_id", NULL);
OP(op_deep16, "/deep/...16", HTTP_GET, "p0", "p1", "p2", "p3", "p4", "p5",
    "p6", "p7", "p8", "p9", "p10", "p11", "p12", "p13", "p14", "p15", NULL);
OP(op_deep17, "/deep/...17", HTTP_GET, "p0", "p1", "p2", "p3", "p4", "p5",
    "p6", "p7", "p8", "p9", "p10", "p11", "p12", "p13", "p14", "p15", "p16",
    NULL);

/* /users/{user_id}/posts/{post_id}/comments/{comment_id} */
static const struct route_node n_comment = {
	.ops = { [HTTP_GET] = &op_comment }, .allow = "GET",
};
static const struct route_node n_comments_param = { .param = &n_comment };
static const struct route_edge e_user_post[] = {
	{ "comments", &n_comments_param },
};
static const struct route_node n_user_post = {
	.children = e_user_post, .nchildren = nitems(e_user_post),
};
static const struct route_node n_user_posts = { .param = &n_user_post };
static const struct route_edge e_user[] = { { "posts", &n_user_posts } };
static const struct route_node n_user = {
	.children = e_user, .nchildren = nitems(e_user),
};
static const struct route_node n_users = { .param = &n_user };

/* /posts/... */
static const struct route_node n_cover = {
	.ops = { [HTTP_GET] = &op_cover_get, [HTTP_PUT] = &op_cover_put },
	.allow = "GET, PUT",
};
static const struct route_edge e_post[] = { { "cover", &n_cover } };
static const struct route_node n_post = {
	.children = e_post, .nchildren = nitems(e_post),
	.ops = {
		[HTTP_GET] = &op_post_get,
		[HTTP_DELETE] = &op_post_delete,
		[HTTP_PATCH] = &op_post_patch,
	},
	.allow = "GET, DELETE, PATCH",
};
static const struct route_node n_drafts = {
	.ops = { [HTTP_GET] = &op_posts_drafts }, .allow = "GET",
};
static const struct route_edge e_my[] = { { "drafts", &n_drafts } };
static const struct route_node n_my = {
	.children = e_my, .nchildren = nitems(e_my),
	.ops = { [HTTP_GET] = &op_posts_my }, .allow = "GET",
};
static const struct route_node n_2024 = {
	.ops = { [HTTP_GET] = &op_posts_2024 }, .allow = "GET",
};
static const struct route_edge e_archive[] = { { "2024", &n_2024 } };
static const struct route_node n_archive = {
	.children = e_archive, .nchildren = nitems(e_archive),
};
static const struct route_edge e_posts[] = {
	{ "archive", &n_archive },
	{ "my", &n_my },
};
static const struct route_node n_posts = {
	.children = e_posts, .nchildren = nitems(e_posts),
	.param = &n_post,
	.ops = {
		[HTTP_GET] = &op_posts_list,
		[HTTP_POST] = &op_posts_create,
	},
	.allow = "GET, POST",
};

static const struct route_node n_pos = {
	.ops = { [HTTP_GET] = &op_pos }, .allow = "GET",
};
static const struct route_node n_posts_old = {
	.ops = { [HTTP_GET] = &op_posts_old }, .allow = "GET",
};
static const struct route_node n_health = {
	.ops = { [HTTP_GET] = &op_health_get, [HTTP_HEAD] = &op_health_head },
	.allow = "GET, HEAD",
};

/* /deep/{p0}/.../{p16}: filled in by deep_setup(). */
static struct route_node n_deep[17];
static struct route_node n_deep_root;

static const struct route_edge e_root[] = {
	{ "deep", &n_deep_root },
	{ "health", &n_health },
	{ "pos", &n_pos },
	{ "posts", &n_posts },
	{ "posts-old", &n_posts_old },
	{ "users", &n_users },
};
static const struct route_node n_root = {
	.children = e_root, .nchildren = nitems(e_root),
	.ops = { [HTTP_GET] = &op_root }, .allow = "GET",
};

/*
 * Segments mixing literals and parameters:
 *   /compare/latest  /compare/{base}...{head}  /compare/v{major}.{minor}
 *   /compare/{ref}
 */
OP(op_latest, "/compare/latest", HTTP_GET, NULL);
OP(op_range, "/compare/{base}...{head}", HTTP_GET, "base", "head", NULL);
OP(op_version, "/compare/v{major}.{minor}", HTTP_GET, "major", "minor",
    NULL);
OP(op_ref, "/compare/{ref}", HTTP_GET, "ref", NULL);
static const struct route_node n_latest = {
	.ops = { [HTTP_GET] = &op_latest }, .allow = "GET",
};
static const struct route_node n_range = {
	.ops = { [HTTP_GET] = &op_range }, .allow = "GET",
};
static const struct route_node n_version = {
	.ops = { [HTTP_GET] = &op_version }, .allow = "GET",
};
static const struct route_node n_ref = {
	.ops = { [HTTP_GET] = &op_ref }, .allow = "GET",
};
static const char *const lits_range[] = { "", "...", "" };
static const char *const lits_version[] = { "v", ".", "" };
static const struct route_pattern p_compare[] = {
	{ .lits = lits_range, .nparams = 2, .node = &n_range },
	{ .lits = lits_version, .nparams = 2, .node = &n_version },
};
static const struct route_edge e_compare[] = { { "latest", &n_latest } };
static const struct route_node n_compare = {
	.children = e_compare, .nchildren = nitems(e_compare),
	.patterns = p_compare, .npatterns = nitems(p_compare),
	.param = &n_ref,
};
static const struct route_edge e_pat_root[] = { { "compare", &n_compare } };
static const struct route_node n_pat_root = {
	.children = e_pat_root, .nchildren = nitems(e_pat_root),
};

/*
 * Trailing slashes that the spec declares (Kubernetes' discovery paths):
 *   /apis/{group}  /apis/{group}/  /api/v1/
 * as codegen emits them, an edge with the empty segment.
 */
OP(op_group, "/apis/{group}", HTTP_GET, "group", NULL);
OP(op_group_slash, "/apis/{group}/", HTTP_GET, "group", NULL);
OP(op_v1_slash, "/api/v1/", HTTP_GET, NULL);
static const struct route_node n_group_slash = {
	.ops = { [HTTP_GET] = &op_group_slash }, .allow = "GET",
};
static const struct route_edge e_group[] = { { "", &n_group_slash } };
static const struct route_node n_group = {
	.children = e_group, .nchildren = nitems(e_group),
	.ops = { [HTTP_GET] = &op_group }, .allow = "GET",
};
static const struct route_node n_apis = { .param = &n_group };
static const struct route_node n_v1_slash = {
	.ops = { [HTTP_GET] = &op_v1_slash }, .allow = "GET",
};
static const struct route_edge e_v1[] = { { "", &n_v1_slash } };
static const struct route_node n_v1 = {
	.children = e_v1, .nchildren = nitems(e_v1),
};
static const struct route_edge e_api[] = { { "v1", &n_v1 } };
static const struct route_node n_api = {
	.children = e_api, .nchildren = nitems(e_api),
};
static const struct route_edge e_slash_root[] = {
	{ "api", &n_api }, { "apis", &n_apis },
};
static const struct route_node n_slash_root = {
	.children = e_slash_root, .nchildren = nitems(e_slash_root),
};

/* A tree with no operation at "/". */
static const struct route_edge e_bare[] = { { "health", &n_health } };
static const struct route_node n_bare = {
	.children = e_bare, .nchildren = nitems(e_bare),
};

static struct arena	*arena;

static int	 setup(void **);
static int	 teardown(void **);
static void	 deep_setup(void);
static int	 match(enum http_method, const char *, struct router_match *);
static void	 check_sorted(const struct route_node *);
static char	*deep_path(size_t);

static void	test_fixture_sorted(void **);
static void	test_method(void **);
static void	test_root(void **);
static void	test_literal(void **);
static void	test_edge_neighbours(void **);
static void	test_param(void **);
static void	test_literal_beats_param(void **);
static void	test_backtrack(void **);
static void	test_patterns(void **);
static void	test_405(void **);
static void	test_head(void **);
static void	test_unknown_method(void **);
static void	test_strict_slashes(void **);
static void	test_declared_slashes(void **);
static void	test_deep(void **);
static void	test_max_params(void **);

static int
setup(void **state)
{
	arena = arena_new(0);
	return (0);
}

static int
teardown(void **state)
{
	arena_free(arena);
	arena = NULL;
	return (0);
}

static void
deep_setup(void)
{
	size_t	i;

	n_deep_root.param = &n_deep[0];
	for (i = 0; i + 1 < nitems(n_deep); i++)
		n_deep[i].param = &n_deep[i + 1];
	n_deep[15].ops[HTTP_GET] = &op_deep16;
	n_deep[16].ops[HTTP_GET] = &op_deep17;
}

static int
match(enum http_method m, const char *path, struct router_match *rm)
{
	return (router_match(&n_root, m, path, arena, rm));
}

/* The matcher relies on it; codegen must emit edges in strcmp order. */
static void
check_sorted(const struct route_node *n)
{
	size_t	i;

	for (i = 0; i < n->nchildren; i++) {
		if (i > 0)
			assert_true(strcmp(n->children[i - 1].segment,
			    n->children[i].segment) < 0);
		check_sorted(n->children[i].node);
	}
	if (n->param != NULL)
		check_sorted(n->param);
}

/* "/deep/v0/v1/..." with n parameter segments, in the arena. */
static char *
deep_path(size_t n)
{
	char	*p;
	size_t	 i;

	p = arena_strdup(arena, "/deep");
	for (i = 0; i < n; i++)
		p = arena_sprintf(arena, "%s/v%zu", p, i);
	return (p);
}

static void
test_fixture_sorted(void **state)
{
	check_sorted(&n_root);
}

static void
test_method(void **state)
{
	static const struct {
		const char		*name;
		enum http_method	 m;
	} cases[] = {
		{ "GET", HTTP_GET }, { "PUT", HTTP_PUT }, { "POST", HTTP_POST },
		{ "DELETE", HTTP_DELETE }, { "OPTIONS", HTTP_OPTIONS },
		{ "HEAD", HTTP_HEAD }, { "PATCH", HTTP_PATCH },
		{ "TRACE", HTTP_TRACE },
	};
	size_t	i;

	for (i = 0; i < nitems(cases); i++) {
		assert_int_equal(router_method(cases[i].name), cases[i].m);
		assert_string_equal(router_method_name(cases[i].m),
		    cases[i].name);
	}
	assert_int_equal(router_method("get"), HTTP_METHOD_UNKNOWN);
	assert_int_equal(router_method("Get"), HTTP_METHOD_UNKNOWN);
	assert_int_equal(router_method("GETX"), HTTP_METHOD_UNKNOWN);
	assert_int_equal(router_method("GE"), HTTP_METHOD_UNKNOWN);
	assert_int_equal(router_method(""), HTTP_METHOD_UNKNOWN);
	assert_int_equal(router_method("CONNECT"), HTTP_METHOD_UNKNOWN);
	assert_int_equal(router_method(NULL), HTTP_METHOD_UNKNOWN);
	assert_string_equal(router_method_name(HTTP_METHOD_UNKNOWN),
	    "UNKNOWN");
}

static void
test_root(void **state)
{
	struct router_match	m;

	assert_int_equal(match(HTTP_GET, "/", &m), 0);
	assert_ptr_equal(m.node, &n_root);
	assert_ptr_equal(m.op, &op_root);
	assert_int_equal(m.nparams, 0);

	/* A root without operations is not a route. */
	assert_int_equal(router_match(&n_bare, HTTP_GET, "/", arena, &m), -1);
	assert_null(m.node);
	assert_int_equal(router_match(&n_bare, HTTP_GET, "/health", arena,
	    &m), 0);
	assert_ptr_equal(m.op, &op_health_get);
}

static void
test_literal(void **state)
{
	struct router_match	m;

	assert_int_equal(match(HTTP_GET, "/posts", &m), 0);
	assert_ptr_equal(m.node, &n_posts);
	assert_ptr_equal(m.op, &op_posts_list);
	assert_int_equal(m.nparams, 0);

	assert_int_equal(match(HTTP_POST, "/posts", &m), 0);
	assert_ptr_equal(m.op, &op_posts_create);

	assert_int_equal(match(HTTP_GET, "/nope", &m), -1);
	assert_null(m.node);
	assert_null(m.op);
	assert_int_equal(match(HTTP_GET, "/posts/my/nope", &m), -1);
	assert_int_equal(match(HTTP_GET, "/health/x", &m), -1);
}

/* Segments are length-delimited in the path: prefixes must not match. */
static void
test_edge_neighbours(void **state)
{
	struct router_match	m;

	assert_int_equal(match(HTTP_GET, "/pos", &m), 0);
	assert_ptr_equal(m.op, &op_pos);
	assert_int_equal(match(HTTP_GET, "/posts-old", &m), 0);
	assert_ptr_equal(m.op, &op_posts_old);
	assert_int_equal(match(HTTP_GET, "/posts", &m), 0);
	assert_ptr_equal(m.op, &op_posts_list);

	assert_int_equal(match(HTTP_GET, "/po", &m), -1);
	assert_int_equal(match(HTTP_GET, "/post", &m), -1);
	assert_int_equal(match(HTTP_GET, "/posts-", &m), -1);
	assert_int_equal(match(HTTP_GET, "/postsx", &m), -1);
	assert_int_equal(match(HTTP_GET, "/posts-oldx", &m), -1);
	assert_int_equal(match(HTTP_GET, "/a", &m), -1);
	assert_int_equal(match(HTTP_GET, "/zzz", &m), -1);
}

static void
test_param(void **state)
{
	struct router_match	 m;
	const char		*path = "/posts/42/cover";

	assert_int_equal(match(HTTP_GET, "/posts/42", &m), 0);
	assert_ptr_equal(m.node, &n_post);
	assert_ptr_equal(m.op, &op_post_get);
	assert_int_equal(m.nparams, 1);
	assert_string_equal(m.param_names[0], "id");
	assert_string_equal(m.param_values[0], "42");

	/* Same node, the name comes from the operation. */
	assert_int_equal(match(HTTP_PATCH, "/posts/7", &m), 0);
	assert_ptr_equal(m.op, &op_post_patch);
	assert_string_equal(m.param_names[0], "id");

	assert_int_equal(match(HTTP_GET, path, &m), 0);
	assert_ptr_equal(m.op, &op_cover_get);
	assert_string_equal(m.param_names[0], "post_id");
	assert_string_equal(m.param_values[0], "42");
	/* A NUL-terminated copy, not a pointer into the path. */
	assert_true(m.param_values[0] < path ||
	    m.param_values[0] > path + strlen(path));
	assert_true(arena_used(arena) >= 3);

	assert_int_equal(match(HTTP_GET, "/posts/a%20b.c~d", &m), 0);
	assert_string_equal(m.param_values[0], "a%20b.c~d");
}

static void
test_literal_beats_param(void **state)
{
	struct router_match	m;

	assert_int_equal(match(HTTP_GET, "/posts/my", &m), 0);
	assert_ptr_equal(m.node, &n_my);
	assert_ptr_equal(m.op, &op_posts_my);
	assert_int_equal(m.nparams, 0);

	assert_int_equal(match(HTTP_GET, "/posts/my/drafts", &m), 0);
	assert_ptr_equal(m.op, &op_posts_drafts);
	assert_int_equal(m.nparams, 0);

	/* A literal that only prefixes the segment is not taken. */
	assert_int_equal(match(HTTP_GET, "/posts/myself", &m), 0);
	assert_ptr_equal(m.op, &op_post_get);
	assert_string_equal(m.param_values[0], "myself");
}

static void
test_backtrack(void **state)
{
	struct router_match	m;

	/* "my" is literal, but cover exists only under {post_id}. */
	assert_int_equal(match(HTTP_GET, "/posts/my/cover", &m), 0);
	assert_ptr_equal(m.node, &n_cover);
	assert_ptr_equal(m.op, &op_cover_get);
	assert_int_equal(m.nparams, 1);
	assert_string_equal(m.param_names[0], "post_id");
	assert_string_equal(m.param_values[0], "my");

	/* "archive" has no operation of its own: {id} answers. */
	assert_int_equal(match(HTTP_DELETE, "/posts/archive", &m), 0);
	assert_ptr_equal(m.node, &n_post);
	assert_ptr_equal(m.op, &op_post_delete);
	assert_string_equal(m.param_values[0], "archive");

	assert_int_equal(match(HTTP_GET, "/posts/archive/2024", &m), 0);
	assert_ptr_equal(m.op, &op_posts_2024);
	assert_int_equal(m.nparams, 0);

	assert_int_equal(match(HTTP_PUT, "/posts/archive/cover", &m), 0);
	assert_ptr_equal(m.op, &op_cover_put);
	assert_string_equal(m.param_values[0], "archive");

	/* Neither branch goes on: no leftover parameters either. */
	assert_int_equal(match(HTTP_GET, "/posts/my/cover/x", &m), -1);
	assert_int_equal(m.nparams, 0);
	assert_int_equal(match(HTTP_GET, "/posts/archive/2025", &m), -1);
}

static void
test_patterns(void **state)
{
	struct router_match	m;

	assert_int_equal(router_match(&n_pat_root, HTTP_GET,
	    "/compare/main...feature/x", arena, &m), -1);
	assert_int_equal(router_match(&n_pat_root, HTTP_GET,
	    "/compare/main...feature", arena, &m), 0);
	assert_ptr_equal(m.op, &op_range);
	assert_int_equal(m.nparams, 2);
	assert_string_equal(m.param_names[0], "base");
	assert_string_equal(m.param_values[0], "main");
	assert_string_equal(m.param_names[1], "head");
	assert_string_equal(m.param_values[1], "feature");

	/* The first "..." splits; the last parameter takes the rest. */
	assert_int_equal(router_match(&n_pat_root, HTTP_GET,
	    "/compare/a...b...c", arena, &m), 0);
	assert_string_equal(m.param_values[0], "a");
	assert_string_equal(m.param_values[1], "b...c");

	/* Literal first, then patterns in order, then the parameter. */
	assert_int_equal(router_match(&n_pat_root, HTTP_GET,
	    "/compare/latest", arena, &m), 0);
	assert_ptr_equal(m.op, &op_latest);
	assert_int_equal(router_match(&n_pat_root, HTTP_GET,
	    "/compare/v1.2", arena, &m), 0);
	assert_ptr_equal(m.op, &op_version);
	assert_string_equal(m.param_values[0], "1");
	assert_string_equal(m.param_values[1], "2");

	/* Parameters are never empty: these fall through to {ref}. */
	assert_int_equal(router_match(&n_pat_root, HTTP_GET,
	    "/compare/...head", arena, &m), 0);
	assert_ptr_equal(m.op, &op_ref);
	assert_int_equal(m.nparams, 1);
	assert_string_equal(m.param_values[0], "...head");
	assert_int_equal(router_match(&n_pat_root, HTTP_GET,
	    "/compare/base...", arena, &m), 0);
	assert_ptr_equal(m.op, &op_ref);
	assert_int_equal(router_match(&n_pat_root, HTTP_GET,
	    "/compare/v1.", arena, &m), 0);
	assert_ptr_equal(m.op, &op_ref);
	assert_int_equal(router_match(&n_pat_root, HTTP_GET,
	    "/compare/v.2", arena, &m), 0);
	assert_ptr_equal(m.op, &op_ref);
}

static void
test_405(void **state)
{
	struct router_match	m;

	assert_int_equal(match(HTTP_PUT, "/posts/1", &m), 0);
	assert_ptr_equal(m.node, &n_post);
	assert_null(m.op);
	assert_string_equal(m.node->allow, "GET, DELETE, PATCH");
	/* Values are still there; names are not known without an op. */
	assert_int_equal(m.nparams, 1);
	assert_null(m.param_names[0]);
	assert_string_equal(m.param_values[0], "1");

	assert_int_equal(match(HTTP_DELETE, "/posts", &m), 0);
	assert_null(m.op);
	assert_int_equal(match(HTTP_POST, "/", &m), 0);
	assert_null(m.op);
	assert_int_equal(match(HTTP_OPTIONS, "/posts/1/cover", &m), 0);
	assert_ptr_equal(m.node, &n_cover);
	assert_null(m.op);
}

static void
test_head(void **state)
{
	struct router_match	m;

	/* No HEAD operation: GET's answers. */
	assert_int_equal(match(HTTP_HEAD, "/posts/5", &m), 0);
	assert_ptr_equal(m.op, &op_post_get);
	assert_string_equal(m.param_names[0], "id");
	assert_int_equal(match(HTTP_HEAD, "/", &m), 0);
	assert_ptr_equal(m.op, &op_root);

	/* An explicit HEAD wins. */
	assert_int_equal(match(HTTP_HEAD, "/health", &m), 0);
	assert_ptr_equal(m.op, &op_health_head);

	/* Only GET falls back: nothing else does. */
	assert_int_equal(match(HTTP_OPTIONS, "/posts/5", &m), 0);
	assert_null(m.op);
}

static void
test_unknown_method(void **state)
{
	struct router_match	m;

	assert_int_equal(match(router_method("BREW"), "/posts", &m), 0);
	assert_ptr_equal(m.node, &n_posts);
	assert_null(m.op);
	assert_int_equal(match(HTTP_METHOD_UNKNOWN, "/nope", &m), -1);
	assert_null(m.node);
}

static void
test_strict_slashes(void **state)
{
	static const char *const bad[] = {
		"", "posts", "//", "/posts/", "//posts", "/posts//",
		"/posts//1", "/posts/1/", "/posts/1//cover", "/posts/1/cover/",
		"///", "/posts/my/", "/health/",
	};
	struct router_match	m;
	size_t			i;

	for (i = 0; i < nitems(bad); i++) {
		if (match(HTTP_GET, bad[i], &m) != -1)
			fail_msg("\"%s\" matched", bad[i]);
		assert_null(m.node);
		assert_int_equal(m.nparams, 0);
	}
	assert_int_equal(match(HTTP_GET, NULL, &m), -1);
}

static void
test_declared_slashes(void **state)
{
	static const char *const bad[] = {
		"/api/v1", "/api/v1//", "/api/", "/apis/apps//", "/apis/",
		"/apis//",
	};
	struct router_match	m;
	size_t			i;

	assert_int_equal(router_match(&n_slash_root, HTTP_GET, "/apis/apps",
	    arena, &m), 0);
	assert_ptr_equal(m.op, &op_group);
	assert_string_equal(m.param_values[0], "apps");
	assert_int_equal(router_match(&n_slash_root, HTTP_GET, "/apis/apps/",
	    arena, &m), 0);
	assert_ptr_equal(m.op, &op_group_slash);
	assert_int_equal(m.nparams, 1);
	assert_string_equal(m.param_values[0], "apps");
	assert_int_equal(router_match(&n_slash_root, HTTP_GET, "/api/v1/",
	    arena, &m), 0);
	assert_ptr_equal(m.op, &op_v1_slash);
	for (i = 0; i < nitems(bad); i++)
		if (router_match(&n_slash_root, HTTP_GET, bad[i], arena,
		    &m) != -1)
			fail_msg("\"%s\" matched", bad[i]);
}

static void
test_deep(void **state)
{
	struct router_match	m;

	assert_int_equal(match(HTTP_GET, "/users/7/posts/8/comments/9", &m), 0);
	assert_ptr_equal(m.op, &op_comment);
	assert_int_equal(m.nparams, 3);
	assert_string_equal(m.param_names[0], "user_id");
	assert_string_equal(m.param_values[0], "7");
	assert_string_equal(m.param_names[1], "post_id");
	assert_string_equal(m.param_values[1], "8");
	assert_string_equal(m.param_names[2], "comment_id");
	assert_string_equal(m.param_values[2], "9");

	/* Literal text between the parameters must be there. */
	assert_int_equal(match(HTTP_GET, "/users/7/posts/8/comment/9", &m),
	    -1);
	assert_int_equal(match(HTTP_GET, "/users/7/posts/8/comments", &m), -1);
	assert_int_equal(match(HTTP_GET, "/users/7", &m), -1);
}

static void
test_max_params(void **state)
{
	struct router_match	m;
	size_t			i;

	assert_int_equal(match(HTTP_GET, deep_path(16), &m), 0);
	assert_ptr_equal(m.op, &op_deep16);
	assert_int_equal(m.nparams, ROUTER_MAX_PARAMS);
	for (i = 0; i < ROUTER_MAX_PARAMS; i++) {
		assert_string_equal(m.param_names[i],
		    arena_sprintf(arena, "p%zu", i));
		assert_string_equal(m.param_values[i],
		    arena_sprintf(arena, "v%zu", i));
	}

	/* The trie has the route, but it needs one value too many. */
	assert_int_equal(match(HTTP_GET, deep_path(17), &m), -1);
	assert_null(m.node);
	assert_int_equal(match(HTTP_GET, deep_path(15), &m), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_sorted),
		cmocka_unit_test(test_method),
		cmocka_unit_test_setup_teardown(test_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_literal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edge_neighbours, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_param, setup, teardown),
		cmocka_unit_test_setup_teardown(test_literal_beats_param,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_backtrack, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_patterns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_405, setup, teardown),
		cmocka_unit_test_setup_teardown(test_head, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_method, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_strict_slashes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_declared_slashes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_deep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_params, setup,
		    teardown),
	};

	deep_setup();
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
