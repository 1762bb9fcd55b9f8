/*
 * posts.c - the Posts tag.  Reading is public; writing is for the
 * author (in->principal, a struct api_User) only.
 */
#include <string.h>

#include "api.h"
#include "app.h"
#include "arena.h"
#include "request.h"
#include "model.h"
#include "page.h"
#include "query.h"
#include "upload.h"

static void	posts_page(struct request *, const struct page *,
		    const struct query_post_row *, size_t,
		    struct api_PostPage *);
static int	posts_owned(struct request *, int64_t, int64_t);

/* One page of posts (rows from PostList or PostListByAuthor). */
static void
posts_page(struct request *req, const struct page *pg,
    const struct query_post_row *rows, size_t n, struct api_PostPage *out)
{
	size_t	i;

	memset(out, 0, sizeof(*out));
	out->data.n = n;
	out->data.items = arena_calloc(req->arena, n + 1,
	    sizeof(*out->data.items));
	for (i = 0; i < n; i++)
		app_post(&out->data.items[i], &rows[i]);
	out->total = pg->total;
	out->page = pg->page;
	out->per_page = pg->per_page;
	out->total_pages = pg->total_pages;
	out->has_next = pg->has_next;
	out->has_prev = pg->has_prev;
}

/*
 * The author check shared by every write: 0 when user owns the post,
 * -1 after answering 404 (no such post) or 403 (someone else's).
 */
static int
posts_owned(struct request *req, int64_t post_id, int64_t user_id)
{
	struct query_post_get_row	row;
	enum db_error			err;

	err = query_post_get(req->db, req->arena, post_id, &row);
	if (err == DB_NOT_FOUND) {
		reply_error(req, 404, "Post not found");
		return -1;
	}
	if (err != DB_OK) {
		app_db_error(req, err);
		return -1;
	}
	if (row.author_id != user_id) {
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
	struct query_post_row		 row;
	struct api_Post			 post;
	enum db_error			 err;

	err = query_post_create(req->db, req->arena, b->title, b->content,
	    b->published, me->id, &row);
	if (err != DB_OK)
		return app_db_error(req, err);
	app_post(&post, &row);
	return api_posts_create_reply_201(req, &post);
}

int
api_posts_list(struct request *req, const struct api_posts_list_in *in)
{
	struct query_post_count_row	 count;
	struct query_post_row		*rows;
	struct api_PostPage		 out;
	struct page			 pg;
	const bool			*published = NULL;
	enum db_error			 err;
	size_t				 n;

	page_start(&pg, in->query.page, in->query.per_page,
	    in->query.has_skip ? in->query.skip : -1,
	    in->query.has_limit ? in->query.limit : -1);
	if (in->query.has_published)
		published = &in->query.published;
	err = query_post_count(req->db, req->arena, published, &count);
	if (err != DB_OK)
		return app_db_error(req, err);
	page_finish(&pg, count.total);
	err = query_post_list(req->db, req->arena, published, pg.limit,
	    pg.offset, &rows, &n);
	if (err != DB_OK)
		return app_db_error(req, err);
	posts_page(req, &pg, rows, n, &out);
	return api_posts_list_reply_200(req, &out);
}

int
api_posts_list_mine(struct request *req,
    const struct api_posts_list_mine_in *in)
{
	const struct api_User			*me = in->principal;
	struct query_post_count_by_author_row	 count;
	struct query_post_row			*rows;
	struct api_PostPage			 out;
	struct page				 pg;
	enum db_error				 err;
	size_t					 n;

	page_start(&pg, in->query.page, in->query.per_page,
	    in->query.has_skip ? in->query.skip : -1,
	    in->query.has_limit ? in->query.limit : -1);
	err = query_post_count_by_author(req->db, req->arena, me->id,
	    &count);
	if (err != DB_OK)
		return app_db_error(req, err);
	page_finish(&pg, count.total);
	err = query_post_list_by_author(req->db, req->arena, me->id,
	    pg.limit, pg.offset, &rows, &n);
	if (err != DB_OK)
		return app_db_error(req, err);
	posts_page(req, &pg, rows, n, &out);
	return api_posts_list_mine_reply_200(req, &out);
}

int
api_posts_get(struct request *req, const struct api_posts_get_in *in)
{
	struct query_post_get_row	row;
	struct api_PostWithAuthor	out;
	enum db_error			err;

	err = query_post_get(req->db, req->arena, in->path.post_id, &row);
	if (err == DB_NOT_FOUND) {
		reply_error(req, 404, "Post not found");
		return 0;
	}
	if (err != DB_OK)
		return app_db_error(req, err);
	memset(&out, 0, sizeof(out));
	out.id = row.id;
	out.title = row.title;
	out.content = row.content;
	out.published = row.published;
	out.author_id = row.author_id;
	out.cover_image = row.cover_image;
	out.created_at = row.created_at;
	out.updated_at = row.updated_at;
	out.author.id = row.author_id;
	out.author.name = row.author_name;
	out.author.email = row.author_email;
	out.author.avatar_url = row.author_avatar_url;
	out.author.created_at = row.author_created_at;
	return api_posts_get_reply_200(req, &out);
}

int
api_posts_update(struct request *req, const struct api_posts_update_in *in)
{
	const struct api_User		*me = in->principal;
	const struct api_PostUpdate	*b = in->body;
	struct query_post_row		 row;
	struct api_Post			 post;
	enum db_error			 err;

	if (posts_owned(req, in->path.post_id, me->id) == -1)
		return 0;
	err = query_post_update(req->db, req->arena, in->path.post_id,
	    b->has_title ? b->title : NULL,
	    b->has_content ? b->content : NULL,
	    b->has_published ? &b->published : NULL, &row);
	if (err == DB_NOT_FOUND) {		/* deleted meanwhile */
		reply_error(req, 404, "Post not found");
		return 0;
	}
	if (err != DB_OK)
		return app_db_error(req, err);
	app_post(&post, &row);
	return api_posts_update_reply_200(req, &post);
}

int
api_posts_delete(struct request *req, const struct api_posts_delete_in *in)
{
	const struct api_User		*me = in->principal;
	struct query_post_delete_row	 row;
	enum db_error			 err;

	if (posts_owned(req, in->path.post_id, me->id) == -1)
		return 0;
	err = query_post_delete(req->db, req->arena, in->path.post_id, &row);
	if (err == DB_NOT_FOUND) {
		reply_error(req, 404, "Post not found");
		return 0;
	}
	if (err != DB_OK)
		return app_db_error(req, err);
	if (row.cover != NULL)
		upload_remove(row.cover);
	return api_posts_delete_reply_204(req);
}

int
api_posts_set_cover(struct request *req,
    const struct api_posts_set_cover_in *in)
{
	const struct api_User		*me = in->principal;
	const struct upload_file	*file = in->body->file;
	struct query_post_set_cover_row	 row;
	struct api_Post			 post;
	enum db_error			 err;

	if (posts_owned(req, in->path.post_id, me->id) == -1)
		return 0;
	if (upload_commit(req, file) == -1) {
		reply_error(req, 500, "Internal server error");
		return -1;
	}
	err = query_post_set_cover(req->db, req->arena, in->path.post_id,
	    file->stored_name, &row);
	if (err != DB_OK) {
		upload_remove(file->stored_name);
		if (err != DB_NOT_FOUND)
			return app_db_error(req, err);
		reply_error(req, 404, "Post not found");
		return 0;
	}
	memset(&post, 0, sizeof(post));
	post.id = row.id;
	post.title = row.title;
	post.content = row.content;
	post.published = row.published;
	post.author_id = row.author_id;
	post.cover_image = row.cover_image;
	post.created_at = row.created_at;
	post.updated_at = row.updated_at;
	if (row.old_cover != NULL)
		upload_remove(row.old_cover);
	return api_posts_set_cover_reply_200(req, &post);
}
