/*
 * posts.c - the Posts tag.  Reading is public; writing is for the
 * author (in->principal, a struct api_User) only.
 */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "app.h"
#include "arena.h"
#include "request.h"
#include "model.h"
#include "page.h"
#include "upload.h"

static int	posts_page(struct request *, const char *, const char *,
		    const char *, struct page *, struct api_PostPage *);
static int	posts_owned(struct request *, int64_t, int64_t);

/*
 * One page of posts: count then list, with the filter argument first in
 * both queries (NULL for none).  0 with *out filled, -1 after answering.
 */
static int
posts_page(struct request *req, const char *count_q, const char *list_q,
    const char *filter, struct page *pg, struct api_PostPage *out)
{
	const char	*params[3];
	PGresult	*res;
	int		 i;

	params[0] = filter;
	if ((res = app_query(req, count_q, 1, params, DB_OK, NULL)) == NULL)
		return -1;
	page_finish(pg, strtoll(PQgetvalue(res, 0, 0), NULL, 10));
	PQclear(res);

	params[1] = app_int(req, pg->limit);
	params[2] = app_int(req, pg->offset);
	if ((res = app_query(req, list_q, 3, params, DB_OK, NULL)) == NULL)
		return -1;
	memset(out, 0, sizeof(*out));
	out->data.n = PQntuples(res);
	out->data.items = arena_calloc(req->arena, out->data.n + 1,
	    sizeof(*out->data.items));
	for (i = 0; i < PQntuples(res); i++)
		app_post_row(req, res, i, 0, &out->data.items[i]);
	PQclear(res);
	out->total = pg->total;
	out->page = pg->page;
	out->per_page = pg->per_page;
	out->total_pages = pg->total_pages;
	out->has_next = pg->has_next;
	out->has_prev = pg->has_prev;
	return 0;
}

/*
 * The author check shared by every write: 0 when user owns the post,
 * -1 after answering 404 (no such post) or 403 (someone else's).
 */
static int
posts_owned(struct request *req, int64_t post_id, int64_t user_id)
{
	const char	*params[1];
	PGresult	*res;
	int64_t		 author;

	params[0] = app_int(req, post_id);
	if ((res = app_query(req, "PostGet", 1, params, DB_OK, NULL)) == NULL)
		return -1;
	if (PQntuples(res) != 1) {
		PQclear(res);
		reply_error(req, 404, "Post not found");
		return -1;
	}
	author = strtoll(PQgetvalue(res, 0, 4), NULL, 10);
	PQclear(res);
	if (author != user_id) {
		reply_error(req, 403, "Not authorized");
		return -1;
	}
	return 0;
}

int
api_posts_create(struct request *req, const struct api_posts_create_in *in)
{
	const struct api_User		*me = in->principal;
	const struct api_PostCreate	*b = in->body;
	struct api_Post			 post;
	const char			*params[4];
	PGresult			*res;

	params[0] = b->title;
	params[1] = b->content;
	params[2] = b->published ? "true" : "false";
	params[3] = app_int(req, me->id);
	if ((res = app_query(req, "PostCreate", 4, params, DB_OK,
	    NULL)) == NULL)
		return 0;
	app_post_row(req, res, 0, 0, &post);
	PQclear(res);
	return api_posts_create_reply_201(req, &post);
}

int
api_posts_list(struct request *req, const struct api_posts_list_in *in)
{
	struct api_PostPage	out;
	struct page		pg;
	const char		*filter = NULL;

	page_start(&pg, in->query.page, in->query.per_page,
	    in->query.has_skip ? in->query.skip : -1,
	    in->query.has_limit ? in->query.limit : -1);
	if (in->query.has_published)
		filter = in->query.published ? "true" : "false";
	if (posts_page(req, "PostCount", "PostList", filter, &pg, &out) == -1)
		return 0;
	return api_posts_list_reply_200(req, &out);
}

int
api_posts_list_mine(struct request *req,
    const struct api_posts_list_mine_in *in)
{
	const struct api_User	*me = in->principal;
	struct api_PostPage	 out;
	struct page		 pg;

	page_start(&pg, in->query.page, in->query.per_page,
	    in->query.has_skip ? in->query.skip : -1,
	    in->query.has_limit ? in->query.limit : -1);
	if (posts_page(req, "PostCountByAuthor", "PostListByAuthor",
	    app_int(req, me->id), &pg, &out) == -1)
		return 0;
	return api_posts_list_mine_reply_200(req, &out);
}

int
api_posts_get(struct request *req, const struct api_posts_get_in *in)
{
	struct api_PostWithAuthor	out;
	struct api_Post			post;
	const char			*params[1];
	PGresult			*res;

	params[0] = app_int(req, in->path.post_id);
	if ((res = app_query(req, "PostGet", 1, params, DB_OK, NULL)) == NULL)
		return 0;
	if (PQntuples(res) != 1) {
		PQclear(res);
		reply_error(req, 404, "Post not found");
		return 0;
	}
	app_post_row(req, res, 0, 0, &post);
	memset(&out, 0, sizeof(out));
	out.id = post.id;
	out.title = post.title;
	out.content = post.content;
	out.published = post.published;
	out.author_id = post.author_id;
	out.cover_image = post.cover_image;
	out.created_at = post.created_at;
	out.updated_at = post.updated_at;
	/* The author's columns follow the post's: id is author_id. */
	out.author.id = post.author_id;
	out.author.name = arena_strdup(req->arena, PQgetvalue(res, 0, 8));
	out.author.email = arena_strdup(req->arena, PQgetvalue(res, 0, 9));
	out.author.avatar_url = PQgetisnull(res, 0, 10) ? NULL :
	    arena_strdup(req->arena, PQgetvalue(res, 0, 10));
	out.author.created_at = arena_strdup(req->arena,
	    PQgetvalue(res, 0, 11));
	PQclear(res);
	return api_posts_get_reply_200(req, &out);
}

int
api_posts_update(struct request *req, const struct api_posts_update_in *in)
{
	const struct api_User		*me = in->principal;
	const struct api_PostUpdate	*b = in->body;
	struct api_Post			 post;
	const char			*params[4];
	PGresult			*res;

	if (posts_owned(req, in->path.post_id, me->id) == -1)
		return 0;
	params[0] = app_int(req, in->path.post_id);
	params[1] = b->has_title ? b->title : NULL;
	params[2] = b->has_content ? b->content : NULL;
	params[3] = b->has_published ? (b->published ? "true" : "false") :
	    NULL;
	if ((res = app_query(req, "PostUpdate", 4, params, DB_OK,
	    NULL)) == NULL)
		return 0;
	if (PQntuples(res) != 1) {		/* deleted meanwhile */
		PQclear(res);
		reply_error(req, 404, "Post not found");
		return 0;
	}
	app_post_row(req, res, 0, 0, &post);
	PQclear(res);
	return api_posts_update_reply_200(req, &post);
}

int
api_posts_delete(struct request *req, const struct api_posts_delete_in *in)
{
	const struct api_User	*me = in->principal;
	const char		*params[1];
	PGresult		*res;

	if (posts_owned(req, in->path.post_id, me->id) == -1)
		return 0;
	params[0] = app_int(req, in->path.post_id);
	if ((res = app_query(req, "PostDelete", 1, params, DB_OK,
	    NULL)) == NULL)
		return 0;
	if (PQntuples(res) != 1) {
		PQclear(res);
		reply_error(req, 404, "Post not found");
		return 0;
	}
	if (!PQgetisnull(res, 0, 0))
		upload_remove(PQgetvalue(res, 0, 0));
	PQclear(res);
	return api_posts_delete_reply_204(req);
}

int
api_posts_set_cover(struct request *req,
    const struct api_posts_set_cover_in *in)
{
	const struct api_User	*me = in->principal;
	const struct upload_file *file = in->body->file;
	struct api_Post		 post;
	const char		*params[2];
	PGresult		*res;

	if (posts_owned(req, in->path.post_id, me->id) == -1)
		return 0;
	if (upload_commit(req, file) == -1) {
		reply_error(req, 500, "Internal server error");
		return -1;
	}
	params[0] = app_int(req, in->path.post_id);
	params[1] = file->stored_name;
	if ((res = app_query(req, "PostSetCover", 2, params, DB_OK,
	    NULL)) == NULL) {
		upload_remove(file->stored_name);
		return 0;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		upload_remove(file->stored_name);
		reply_error(req, 404, "Post not found");
		return 0;
	}
	app_post_row(req, res, 0, 0, &post);
	if (!PQgetisnull(res, 0, 8))
		upload_remove(PQgetvalue(res, 0, 8));
	PQclear(res);
	return api_posts_set_cover_reply_200(req, &post);
}
