-- The change the description has not seen.
ALTER TABLE items ALTER COLUMN price TYPE numeric(10, 2);
ALTER TABLE items ALTER COLUMN note SET DEFAULT '';
UPDATE items SET note = '' WHERE note IS NULL;
ALTER TABLE items ALTER COLUMN note SET NOT NULL;
ALTER TABLE items DROP COLUMN legacy;
ALTER TABLE items ALTER COLUMN id TYPE integer;
