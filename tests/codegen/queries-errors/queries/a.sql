-- a.sql - every mistake the query generator reports, each with its place.

-- Edited after it was described.
-- name: Changed :one
SELECT 2 AS two;

-- Never described.
-- name: Missing :one
SELECT 1 AS one;

-- name: TooFewNames :one
-- params: a
SELECT $1::int AS x, $2::int AS y;

-- name: Unnamed :one
SELECT 1 + 1;

-- name: Twice :one
SELECT 1 AS x, 2 AS x;

-- name: NoColumns :one
-- params: id
DELETE FROM t WHERE id = $1;

-- name: RowA :one
-- row: thing
SELECT 1 AS id, 'x'::text AS name;

-- name: RowB :one
-- row: thing
SELECT 1 AS id, NULL::text AS name;

-- name: BadKind :some
SELECT 1;

-- name: BadParams :one
-- params: ok, not-an-ident
SELECT $1::int AS a;
