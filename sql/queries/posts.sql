-- posts.sql - posts.
--
-- Post columns, in this order wherever a Post is returned:
--   id, title, content, published (t/f), author_id,
--   cover_image (NULL or /files/NAME), created_at, updated_at (RFC 3339).
-- Lists are newest first, id breaking ties, paged by $limit/$offset.
-- ORDER BY names the table's columns: a bare created_at would be the
-- formatted text output column, sorted row by row instead of by index.

-- POST /posts: $1 title, $2 content, $3 published (NULL = true),
-- $4 author id.
-- name: PostCreate :one
-- params: title, content, published, author_id
-- row: post
INSERT INTO posts (title, content, published, author_id)
VALUES ($1, $2, COALESCE($3::boolean, true), $4)
RETURNING id, title, content, published, author_id,
	'/files/' || cover AS cover_image,
	rfc3339(created_at) AS created_at, rfc3339(updated_at) AS updated_at;

-- GET /posts/{id}: $1 id; Post columns then the author's public columns.
-- name: PostGet :one
-- params: id
SELECT p.id, p.title, p.content, p.published, p.author_id,
	'/files/' || p.cover AS cover_image,
	rfc3339(p.created_at) AS created_at, rfc3339(p.updated_at) AS updated_at,
	u.name AS author_name, u.email AS author_email,
	'/files/' || u.avatar AS author_avatar_url,
	rfc3339(u.created_at) AS author_created_at
FROM posts p
JOIN users u ON u.id = p.author_id
WHERE p.id = $1;

-- GET /posts: $1 published filter (NULL = all), $2 limit, $3 offset.
-- name: PostList :many
-- params: published?, limit, offset
-- row: post
SELECT id, title, content, published, author_id,
	'/files/' || cover AS cover_image,
	rfc3339(created_at) AS created_at, rfc3339(updated_at) AS updated_at
FROM posts
WHERE ($1::boolean IS NULL OR published = $1)
ORDER BY posts.created_at DESC, posts.id DESC
LIMIT $2 OFFSET $3;

-- GET /posts: the total for the page envelope; $1 as in PostList.
-- name: PostCount :one
-- params: published?
SELECT count(*) AS "total!" FROM posts
WHERE ($1::boolean IS NULL OR published = $1);

-- GET /posts/my: $1 author id, $2 limit, $3 offset.
-- name: PostListByAuthor :many
-- params: author_id, limit, offset
-- row: post
SELECT id, title, content, published, author_id,
	'/files/' || cover AS cover_image,
	rfc3339(created_at) AS created_at, rfc3339(updated_at) AS updated_at
FROM posts
WHERE author_id = $1
ORDER BY posts.created_at DESC, posts.id DESC
LIMIT $2 OFFSET $3;

-- GET /posts/my: the total; $1 author id.
-- name: PostCountByAuthor :one
-- params: author_id
SELECT count(*) AS "total!" FROM posts WHERE author_id = $1;

-- PATCH /posts/{id}: $1 id; $2 title, $3 content, $4 published, each NULL
-- to keep the current value.  The handler checks the author first.
-- name: PostUpdate :one
-- params: id, title?, content?, published?
-- row: post
UPDATE posts
SET title = COALESCE($2, title),
	content = COALESCE($3, content),
	published = COALESCE($4::boolean, published),
	updated_at = now()
WHERE id = $1
RETURNING id, title, content, published, author_id,
	'/files/' || cover AS cover_image,
	rfc3339(created_at) AS created_at, rfc3339(updated_at) AS updated_at;

-- DELETE /posts/{id}: $1 id; returns the cover file name to remove (or
-- NULL), no row when there was no such post.
-- name: PostDelete :one
-- params: id
DELETE FROM posts WHERE id = $1 RETURNING cover;

-- PATCH /posts/{id}/cover: $1 id, $2 new stored file name.  Returns the
-- Post columns (new cover) then old_cover, the file name to remove.
-- name: PostSetCover :one
-- params: id, cover
UPDATE posts p
SET cover = $2, updated_at = now()
FROM (SELECT id, cover FROM posts WHERE id = $1 FOR UPDATE) old
WHERE p.id = old.id
RETURNING p.id, p.title, p.content, p.published, p.author_id,
	'/files/' || p.cover AS cover_image,
	rfc3339(p.created_at) AS created_at,
	rfc3339(p.updated_at) AS updated_at, old.cover AS old_cover;
