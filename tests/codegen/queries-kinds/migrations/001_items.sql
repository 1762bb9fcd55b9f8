CREATE TABLE items (
	id	bigserial PRIMARY KEY,
	name	text NOT NULL,
	price	double precision NOT NULL,
	active	boolean NOT NULL DEFAULT true,
	note	text
);
