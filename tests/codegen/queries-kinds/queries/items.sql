-- items.sql - every kind, every C type, nullable parameters and columns.

-- A count is an expression: "total!" says it is never NULL.
-- name: ItemCount :one
SELECT count(*) AS "total!" FROM items;

-- name: ItemGet :one
-- params: id
-- row: item
SELECT id, name, price, active, note FROM items WHERE id = $1;

-- name: ItemList :many
-- params: active?, min_price?, limit
-- row: item
SELECT id, name, price, active, note FROM items
WHERE ($1::boolean IS NULL OR active = $1)
	AND ($2::float8 IS NULL OR price >= $2)
ORDER BY id LIMIT $3;

-- name: ItemTouch :exec
-- params: id, note?
UPDATE items SET note = $2 WHERE id = $1;

-- No "-- params:" line: the parameters are p1, p2.
-- name: ItemStats :one
SELECT max(price) AS top, bool_or(active) AS any_active, max(id) AS last_id
FROM items WHERE id BETWEEN $1 AND $2;
