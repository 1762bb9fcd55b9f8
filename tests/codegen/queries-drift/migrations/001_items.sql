-- What the queries were described against (see queries/queries.json).
CREATE TABLE items (
	id	bigserial PRIMARY KEY,
	name	text NOT NULL,
	price	double precision NOT NULL,
	note	text,
	legacy	text
);
