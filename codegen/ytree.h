/*
 * ytree.h - a YAML document as a tree the generator can walk.
 *
 * libyaml's own document API has no keyed lookup and no scalar typing;
 * this tree keeps what the generator needs:
 * mappings in document order with a hash index for large ones, every node
 * with its 1-based line and column, and every scalar typed by the YAML 1.2
 * core schema (plain "true" is a bool, quoted "true" a string).  An alias
 * is the anchored node itself, so the tree may be a DAG but never has a
 * cycle.  All memory belongs to the tree and goes with ytree_cleanup().
 */
#ifndef CODEGEN_YTREE_H
#define CODEGEN_YTREE_H

#include <stddef.h>
#include <stdint.h>

enum ytree_kind {
	YTREE_SCALAR,
	YTREE_SEQ,
	YTREE_MAP
};

/* Scalar types of the core schema; anything quoted is YTREE_STR. */
enum ytree_type {
	YTREE_STR,
	YTREE_NULL,
	YTREE_BOOL,
	YTREE_INT,
	YTREE_FLOAT
};

struct ytree_node;

struct ytree_pair {
	struct ytree_node	*key;
	struct ytree_node	*value;
};

struct ytree_node {
	enum ytree_kind		 kind;
	enum ytree_type		 type;		/* scalars */
	int			 quoted;	/* scalar not plain, or tagged */
	int			 line;		/* 1-based */
	int			 col;		/* 1-based */
	int			 file;		/* diag's file index, 0: the spec */
	const char		*str;		/* scalar, NUL-terminated */
	size_t			 len;
	struct ytree_node	**items;	/* sequence */
	struct ytree_pair	*pairs;		/* mapping, document order */
	size_t			 n;		/* items or pairs */
	uint32_t		*index;		/* large mappings: pair + 1 */
	size_t			 mask;
	struct ytree_node	*ref;		/* a $ref mapping's target */
	unsigned		 mark;		/* walkers' scratch */
};

struct arena;

struct ytree {
	struct arena		*pool;
	struct ytree_node	*root;		/* NULL: empty document */
	size_t			 nnodes;
	const char		*path;		/* the spec's file: relative
						 * $refs are read from its
						 * directory; NULL: refused */
	size_t			 nfiles;	/* files read, the spec too */
};

/* 0 ok; -1 on a YAML error (reported through diag).  Duplicate or
 * non-scalar keys are reported too but do not fail the parse. */
int			 ytree_parse(struct ytree *, const char *, size_t);
/* Another file of the same document (a relative $ref's), into the same
 * tree; its nodes carry file.  NULL after a YAML error (reported). */
struct ytree_node	*ytree_parse_file(struct ytree *, const char *, size_t,
			    int file);
void			 ytree_cleanup(struct ytree *);
/* A whole file, NUL-terminated (free it); NULL with errno set. */
char			*ytree_read(const char *, size_t *);

/* Borrowed; NULL when n is not a mapping or has no such key. */
struct ytree_node	*ytree_get(const struct ytree_node *, const char *);
struct ytree_node	*ytree_getn(const struct ytree_node *, const char *,
			    size_t);
/* The key node of a pair, for positions; NULL as above. */
struct ytree_node	*ytree_getkey(const struct ytree_node *, const char *);
/* Follows $ref targets (ref.c fills them in). */
struct ytree_node	*ytree_deref(struct ytree_node *);

int			 ytree_isstr(const struct ytree_node *);
/* 0 and the value, or -1 when n is not a bool / integer scalar. */
int			 ytree_bool(const struct ytree_node *, int *);
int			 ytree_int(const struct ytree_node *, long long *);
/* "a mapping", "a sequence", "a string", "a bool", ... for messages. */
const char		*ytree_what(const struct ytree_node *);
enum ytree_type		 ytree_resolve(const char *, size_t);

#endif
