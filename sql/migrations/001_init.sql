-- 001_init.sql - accounts, posts and uploads.
--
-- Applied by db_migrate inside one transaction.  Length limits count
-- characters (char_length), not bytes, as the API contract does.  Files
-- are stored by their generated name (users.avatar, posts.cover,
-- uploads.filename); the queries turn a name into its /files/ URL, so the
-- URL scheme can change without touching the data.

-- RFC 3339 UTC text with microseconds, the only timestamp format the API
-- returns.  A plain SQL function, so the planner inlines it.
CREATE FUNCTION rfc3339(ts timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
RETURN to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');

CREATE TABLE users (
	id		bigserial PRIMARY KEY,
	name		text NOT NULL
			CHECK (char_length(name) BETWEEN 1 AND 100),
	email		text NOT NULL,
	password_hash	text NOT NULL,
	avatar		text,
	created_at	timestamptz NOT NULL DEFAULT now()
);

-- One account per address whatever its case; UserGetByEmail uses it.
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));
-- UserList pages in this order.
CREATE INDEX users_created_at_id_idx ON users (created_at, id);

CREATE TABLE posts (
	id		bigserial PRIMARY KEY,
	title		text NOT NULL
			CHECK (char_length(title) BETWEEN 1 AND 200),
	content		text NOT NULL
			CHECK (char_length(content) BETWEEN 1 AND 10000),
	published	boolean NOT NULL DEFAULT true,
	author_id	bigint NOT NULL REFERENCES users ON DELETE CASCADE,
	cover		text,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now()
);

-- The list queries: newest first, id breaking ties.
CREATE INDEX posts_created_at_idx ON posts (created_at DESC, id DESC);
CREATE INDEX posts_author_created_at_idx
	ON posts (author_id, created_at DESC, id DESC);
CREATE INDEX posts_published_created_at_idx
	ON posts (published, created_at DESC, id DESC);

CREATE TABLE uploads (
	id		bigserial PRIMARY KEY,
	filename	text NOT NULL UNIQUE,
	original_name	text,
	content_type	text NOT NULL,
	size		bigint NOT NULL CHECK (size >= 0),
	description	text,
	user_id		bigint NOT NULL REFERENCES users ON DELETE CASCADE,
	created_at	timestamptz NOT NULL DEFAULT now()
);

-- The cascade from users, and UserDelete collecting file names.
CREATE INDEX uploads_user_id_idx ON uploads (user_id);
