-- uploads.sql - files saved through /uploads, recorded so that they go
-- with their owner (UserDelete).

-- POST /uploads/*: $1 stored file name, $2 client's file name, $3 content
-- type, $4 size in bytes, $5 description (NULL allowed), $6 owner id.
-- name: UploadRecord :one
-- params: filename, original_name, content_type, size, description?, user_id
INSERT INTO uploads (filename, original_name, content_type, size,
	description, user_id)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id, rfc3339(created_at) AS created_at;
