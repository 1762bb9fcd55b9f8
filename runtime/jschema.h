/*
 * jschema.h - JSON Schema 2020-12 evaluation for the schemas the
 * generator does not turn into C types.
 *
 * The generator gives a schema a C type when its keywords pin the value's
 * shape (codegen/schema.c says which); any other schema (untyped
 * keywords, not, if/then/else, prefixItems, patternProperties,
 * unevaluated*, ...) is decoded as JSON and checked here, by every
 * keyword of the 2020-12 validation and applicator vocabularies and the
 * format assertions of format.h.  The generated model.c embeds those
 * schemas as JSON texts, one per schema that a $ref names; a "$ref" is
 * then the index of its target in the set.  Everything the generator
 * embeds has been checked at build time: loading cannot fail on a
 * request, and evaluation never stops the server.
 *
 * Failures are recorded in the struct validate with pydantic's words and
 * the location ("body → tags → 2"), as the typed decoders do.
 */
#ifndef RUNTIME_JSCHEMA_H
#define RUNTIME_JSCHEMA_H

#include <stddef.h>

#include <jansson.h>

struct validate;

struct jschema_re {
	const char	*src;
	void		*re;
};

struct jschema {
	json_t			**schemas;	/* by index */
	size_t			  n;
	struct jschema_re	 *res;		/* patterns, sorted by src */
	size_t			  nres;
};

/* Parses the embedded texts and compiles their patterns; fatal on a
 * text the generator could not have written. */
void	jschema_load(struct jschema *, const char *const *, size_t);
void	jschema_cleanup(struct jschema *);
/* 0 when j is valid against schema idx, else -1 after recording the
 * failures. */
int	jschema_check(struct validate *, const struct jschema *, size_t,
	    json_t *);
/* JSON equality with numbers by value (1 == 1.0). */
int	jschema_equal(json_t *, json_t *);
/* A total order that agrees with jschema_equal(): -1, 0, 1. */
int	jschema_cmp(json_t *, json_t *);

#endif
