-- name: Changed :one
SELECT 3 AS three;
