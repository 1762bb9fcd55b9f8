/*
 * serialize.c - the generated JSON encoder (jsonw, straight from the typed
 * struct) against building a jansson tree and json_dumps(), on a realistic
 * reply: a PostPage of 100 posts as GET /posts?per_page=100 answers it.
 *
 *	build/release/bin/bench-serialize [iterations]
 *
 * Prints ns per reply and MB/s for each; both outputs are checked to be
 * the same JSON document first.  Then the generated decoder (validating,
 * as a request body or debug-build reply is checked) on the same
 * document, already parsed.  Results: bench/RESULTS.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "arena.h"
#include "jsonw.h"
#include "model.h"
#include "util.h"

#define NPOSTS	100

static json_t	*bench_tree(const struct api_PostPage *);
static double	 bench_now(void);

static double
bench_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* What a handler would build with jansson for the same reply. */
static json_t *
bench_tree(const struct api_PostPage *pp)
{
	const struct api_Post	*p;
	json_t			*o, *a, *e;
	size_t			 i;

	o = json_object();
	a = json_array();
	for (i = 0; i < pp->data.n; i++) {
		p = &pp->data.items[i];
		e = json_object();
		json_object_set_new(e, "id", json_integer(p->id));
		json_object_set_new(e, "title", json_string(p->title));
		json_object_set_new(e, "content", json_string(p->content));
		json_object_set_new(e, "published", json_boolean(p->published));
		json_object_set_new(e, "author_id", json_integer(p->author_id));
		json_object_set_new(e, "cover_image", p->cover_image ?
		    json_string(p->cover_image) : json_null());
		json_object_set_new(e, "created_at", json_string(p->created_at));
		json_object_set_new(e, "updated_at", json_string(p->updated_at));
		json_array_append_new(a, e);
	}
	json_object_set_new(o, "data", a);
	json_object_set_new(o, "total", json_integer(pp->total));
	json_object_set_new(o, "page", json_integer(pp->page));
	json_object_set_new(o, "per_page", json_integer(pp->per_page));
	json_object_set_new(o, "total_pages", json_integer(pp->total_pages));
	json_object_set_new(o, "has_next", json_boolean(pp->has_next));
	json_object_set_new(o, "has_prev", json_boolean(pp->has_prev));
	return o;
}

int
main(int argc, char *argv[])
{
	static struct api_Post	 posts[NPOSTS];
	struct api_PostPage	 pp;
	struct arena		*a;
	struct jsonw		 w;
	struct api_PostPage	 back;
	struct validate		 v;
	json_t			*t1, *t2;
	char			*s, content[600];
	double			 t0, dt_w, dt_j, dt_d;
	size_t			 i, len = 0, iters;

	iters = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000;
	for (i = 0; i < sizeof(content) - 1; i++)
		content[i] = "Lorem ipsum dolor sit amet, \"quoted\"\n"[i % 38];
	content[sizeof(content) - 1] = '\0';
	for (i = 0; i < NPOSTS; i++) {
		posts[i].id = (int64_t)(1000 + i);
		posts[i].title = "A post about caf\xc3\xa9s and \xe2\x86\x92 arrows";
		posts[i].content = content;
		posts[i].published = i % 3 != 0;
		posts[i].author_id = (int64_t)(i % 7 + 1);
		posts[i].cover_image = i % 2 ? "/files/3f1c2a9e-8b7d-4c61-9a0e-"
		    "2f5b6c7d8e9f.png" : NULL;
		posts[i].created_at = "2025-03-03T10:30:01Z";
		posts[i].updated_at = "2025-03-04T08:00:00Z";
	}
	memset(&pp, 0, sizeof(pp));
	pp.data.items = posts;
	pp.data.n = NPOSTS;
	pp.total = 1234;
	pp.page = 2;
	pp.per_page = NPOSTS;
	pp.total_pages = 13;
	pp.has_next = pp.has_prev = true;

	/* Same document both ways. */
	a = arena_new(65536);
	jsonw_init(&w, a, 4096);
	model_encode_PostPage(&w, &pp);
	t1 = json_loads(w.buf, 0, NULL);
	t2 = bench_tree(&pp);
	if (t1 == NULL || !json_equal(t1, t2))
		fatal("the two serializers disagree");
	json_decref(t1);
	json_decref(t2);
	arena_free(a);

	a = arena_new(65536);
	t0 = bench_now();
	for (i = 0; i < iters; i++) {
		arena_reset(a);
		jsonw_init(&w, a, 4096);
		model_encode_PostPage(&w, &pp);
		len = w.len;
	}
	dt_w = (bench_now() - t0) / (double)iters;
	arena_free(a);

	t0 = bench_now();
	for (i = 0; i < iters; i++) {
		t1 = bench_tree(&pp);
		s = json_dumps(t1, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(t1);
		free(s);
	}
	dt_j = (bench_now() - t0) / (double)iters;

	a = arena_new(65536);
	jsonw_init(&w, a, 4096);
	model_encode_PostPage(&w, &pp);
	if ((t1 = json_loads(w.buf, 0, NULL)) == NULL)
		fatal("the encoder wrote invalid JSON");
	t0 = bench_now();
	for (i = 0; i < iters; i++) {
		arena_reset(a);
		validate_init(&v, a, VALIDATE_RESPONSE);
		if (model_decode_PostPage(&v, t1, &back) == -1)
			fatal("the decoder refuses what the encoder wrote");
	}
	dt_d = (bench_now() - t0) / (double)iters;
	json_decref(t1);
	arena_free(a);

	printf("PostPage, %d posts, %zu bytes, %zu iterations\n", NPOSTS, len,
	    iters);
	printf("jsonw (generated encoder):   %8.1f us/reply  %7.1f MB/s\n",
	    dt_w * 1e6, len / dt_w / 1e6);
	printf("jansson tree + json_dumps:   %8.1f us/reply  %7.1f MB/s\n",
	    dt_j * 1e6, len / dt_j / 1e6);
	printf("speed-up: %.1fx\n", dt_j / dt_w);
	printf("generated decoder (parsed):  %8.1f us/reply  %7.1f MB/s\n",
	    dt_d * 1e6, len / dt_d / 1e6);
	return 0;
}
