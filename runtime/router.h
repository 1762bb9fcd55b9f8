/*
 * router.h - the routing table the generator emits, and its matcher.
 *
 * Routing is decided at generation time: codegen turns the spec's paths
 * into a static trie of route_node.  Each node has its literal children
 * sorted by segment (binary-searched), at most one parameter child
 * (any "{name}" segment), patterns for segments that mix literals and
 * parameters ("{base}...{head}"), and the operation for each method.  Parameter
 * names belong to the operation, so /posts/{id} and /posts/{post_id}/cover
 * can share a node.  Literal segments win
 * over parameters, so /posts/my never matches /posts/{post_id}.  The Allow
 * header of a 405 is precomputed per node.
 */
#ifndef RUNTIME_ROUTER_H
#define RUNTIME_ROUTER_H

#include <stddef.h>

struct request;
struct security;
struct upload_spec;

enum http_method {
	HTTP_GET = 0,
	HTTP_PUT,
	HTTP_POST,
	HTTP_DELETE,
	HTTP_OPTIONS,
	HTTP_HEAD,
	HTTP_PATCH,
	HTTP_TRACE,
	HTTP_METHOD_COUNT,
	HTTP_METHOD_UNKNOWN = HTTP_METHOD_COUNT
};

/* A handler answers through the reply_* helpers; 0 ok, -1 error
 * (the runtime answers 500 if the handler set no response). */
typedef int (*route_handler)(struct request *);

/* route_op.flags */
#define ROUTE_INLINE	0x01	/* run on the event loop: never blocks (no DB) */
#define ROUTE_AUTH	0x02	/* the spec requires security for this op */
#define ROUTE_STUB	0x04	/* informational: generated stub answers 501 */
#define ROUTE_CPU	0x08	/* x-cpu-bound: runs on the CPU pool (pool.h) */

struct route_op {
	const char		*operation_id;
	const char		*path;		/* the spec's template */
	const char		*tag;		/* first tag, "" if none */
	enum http_method	 method;
	unsigned		 flags;
	route_handler		 handler;
	size_t			 max_body;	/* 0: the configured default */
	const char *const	*params;	/* path parameter names, in order */
	size_t			 nparams;
	const struct upload_spec *upload;	/* multipart body, or NULL */
	const struct security	*security;	/* requirements, or NULL: open */
};

struct route_node;

struct route_edge {
	const char		*segment;
	const struct route_node	*node;
};

/*
 * A segment that mixes literals and parameters, e.g. "{base}...{head}":
 * lits[0], a parameter, lits[1], ..., a parameter, lits[nparams] ("" where
 * nothing stands).  Each parameter takes at least one character and runs
 * to the first occurrence of the literal after it (the last one to the
 * final literal, which must end the segment).
 */
struct route_pattern {
	const char *const	*lits;		/* nparams + 1 */
	size_t			 nparams;
	const struct route_node	*node;
};

struct route_node {
	const struct route_edge	*children;	/* sorted by strcmp */
	size_t			 nchildren;
	const struct route_pattern *patterns;	/* tried after children */
	size_t			 npatterns;
	const struct route_node	*param;		/* "{name}" child or NULL */
	const struct route_op	*ops[HTTP_METHOD_COUNT];
	const char		*allow;		/* "GET, PATCH" or NULL */
};

#define ROUTER_MAX_PARAMS	16

struct router_match {
	const struct route_node	*node;		/* NULL: no such path */
	const struct route_op	*op;		/* NULL with node: 405 */
	size_t			 nparams;
	const char		*param_names[ROUTER_MAX_PARAMS];
	const char		*param_values[ROUTER_MAX_PARAMS];
};

struct arena;

enum http_method	 router_method(const char *);
const char		*router_method_name(enum http_method);
/* 0 when a node matched (op may still be NULL: method not allowed), -1 when
 * no path matched.  Parameter values are copied into the arena. */
int			 router_match(const struct route_node *, enum http_method,
			    const char *path, struct arena *, struct router_match *);

#endif
