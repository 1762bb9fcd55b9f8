-- items.sql - described before migrations/002 changed the table under
-- them: make test (codegen -c -d) names each query and column.

-- name: ItemGet :one
-- params: id
SELECT id, name, price, note FROM items WHERE id = $1;

-- name: ItemLegacy :one
-- params: id
SELECT legacy FROM items WHERE id = $1;

-- name: ItemRename :exec
-- params: id, name
UPDATE items SET name = $2 WHERE id = $1;
