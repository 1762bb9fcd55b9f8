-- users.sql - accounts.
--
-- Public columns, in this order wherever a User is returned:
--   id, name, email, avatar_url (NULL or /files/NAME), created_at (RFC 3339).
-- password_hash leaves the database only through UserGetByEmail, for login.

-- Registration: $1 name, $2 email, $3 password hash.  23505 when the email
-- is taken in any letter case.
-- name: UserCreate :one
-- params: name, email, password_hash
-- row: user
INSERT INTO users (name, email, password_hash)
VALUES ($1, $2, $3)
RETURNING id, name, email, '/files/' || avatar AS avatar_url,
	rfc3339(created_at) AS created_at;

-- Token owner and GET /users/{id}: $1 id.
-- name: UserGetById :one
-- params: id
-- row: user
SELECT id, name, email, '/files/' || avatar AS avatar_url,
	rfc3339(created_at) AS created_at
FROM users
WHERE id = $1;

-- Login: $1 email, any case; public columns then password_hash.
-- name: UserGetByEmail :one
-- params: email
SELECT id, name, email, '/files/' || avatar AS avatar_url,
	rfc3339(created_at) AS created_at, password_hash
FROM users
WHERE lower(email) = lower($1);

-- PATCH /users/me: $1 id; $2 name, $3 email, $4 password hash, each NULL
-- to keep the current value.  23505 when the new email is taken.
-- name: UserUpdate :one
-- params: id, name?, email?, password_hash?
-- row: user
UPDATE users
SET name = COALESCE($2, name),
	email = COALESCE($3, email),
	password_hash = COALESCE($4, password_hash)
WHERE id = $1
RETURNING id, name, email, '/files/' || avatar AS avatar_url,
	rfc3339(created_at) AS created_at;

-- DELETE /users/me: $1 id.  Deletes the user (posts and uploads cascade)
-- and returns the stored file names to remove: avatar, covers, uploads.
-- Every part reads the same snapshot, so the rows are still visible.
-- name: UserDelete :many
-- params: id
WITH gone AS (
	DELETE FROM users WHERE id = $1 RETURNING id, avatar
)
SELECT avatar AS filename FROM gone WHERE avatar IS NOT NULL
UNION ALL
SELECT p.cover FROM posts p JOIN gone ON p.author_id = gone.id
WHERE p.cover IS NOT NULL
UNION ALL
SELECT u.filename FROM uploads u JOIN gone ON u.user_id = gone.id;

-- GET /users: $1 limit, $2 offset; oldest first.
-- name: UserList :many
-- params: limit, offset
-- row: user
SELECT id, name, email, '/files/' || avatar AS avatar_url,
	rfc3339(created_at) AS created_at
FROM users
ORDER BY users.created_at, users.id
LIMIT $1 OFFSET $2;

-- GET /users: the total for the page envelope.
-- name: UserCount :one
SELECT count(*) AS "total!" FROM users;

-- POST /users/me/avatar: $1 id, $2 new stored file name.  Returns the
-- public columns (new avatar) then old_avatar, the file name to remove
-- (NULL if none).  The row lock makes concurrent uploads see each other.
-- name: UserSetAvatar :one
-- params: id, avatar
UPDATE users u
SET avatar = $2
FROM (SELECT id, avatar FROM users WHERE id = $1 FOR UPDATE) old
WHERE u.id = old.id
RETURNING u.id, u.name, u.email, '/files/' || u.avatar AS avatar_url,
	rfc3339(u.created_at) AS created_at, old.avatar AS old_avatar;
