/*
 * validate.h - what the generated request validators need at run time.
 *
 * The generator compiles every schema of the spec into C (generated/
 * json.c, glue.c); this module holds the parts that do not depend on the
 * spec: the error list of one request (every failure, with its location
 * "body → author → email"), the format checks (email, date-time, uuid,
 * ...), Unicode-aware lengths, parameter parsing (integers, booleans,
 * repeated and comma-separated query values, cookies, form bodies), the
 * request body as JSON, and the 422 answer.  Messages and types follow
 * pydantic v1, so clients of a FastAPI application feel at home.
 *
 * Everything allocates from the request's arena.
 */
#ifndef RUNTIME_VALIDATE_H
#define RUNTIME_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct arena;
struct request;

/* Location parts kept per error; deeper paths end in "…". */
#define VALIDATE_MAX_DEPTH	32
/* Errors reported per request; more are counted, not listed. */
#define VALIDATE_MAX_ERRORS	100

enum validate_dir {
	VALIDATE_REQUEST,	/* readOnly properties may not be sent */
	VALIDATE_RESPONSE	/* writeOnly properties may not be sent */
};

struct validate_error {
	const char		*field;		/* "body → email" */
	const char		*message;
	const char		*type;
	struct validate_error	*next;
};

struct validate {
	struct arena		*arena;
	enum validate_dir	 dir;
	const char		*path[VALIDATE_MAX_DEPTH];
	size_t			 depth;
	struct validate_error	*errors;
	struct validate_error	**tail;
	size_t			 nerrors;	/* including unlisted ones */
	/* Decoding a parameter's text (param.h): a string stands for the
	 * integer, number or boolean it spells. */
	int			 text;
};

void	validate_init(struct validate *, struct arena *, enum validate_dir);
/* The location stack: a name, or an array index. */
void	validate_push(struct validate *, const char *);
void	validate_pushi(struct validate *, size_t);
void	validate_pop(struct validate *);
/* Records a failure at the current location; message is copied. */
void	validate_error(struct validate *, const char *type,
	    const char *message);
void	validate_errorf(struct validate *, const char *type,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Trial parsing (oneOf): the errors since a mark can be dropped. */
size_t	validate_mark(const struct validate *);
void	validate_rollback(struct validate *, size_t);
/* 0 when nothing failed, else -1. */
int	validate_ok(const struct validate *);
/* The errors as the envelope's array (new reference). */
json_t	*validate_errors_json(const struct validate *);
/* Answers 422 "Validation failed" with every error; returns 0. */
int	validate_answer(struct request *, struct validate *);

/* The common failures, pydantic's words. */
void	validate_missing(struct validate *);
void	validate_type(struct validate *, const char *expected);
void	validate_not_null(struct validate *);

/*
 * Decoders of unconstrained values, as the generated ones: 0 ok, -1 after
 * recording the failure.  null is "none is not an allowed value" (a
 * nullable use checks for null first).  Strings are arena copies, checked
 * to be UTF-8; an integer also takes a real with an integral value.
 */
#define VALIDATE_T_NULL		0x01
#define VALIDATE_T_BOOL		0x02
#define VALIDATE_T_INT		0x04
#define VALIDATE_T_NUM		0x08
#define VALIDATE_T_STR		0x10
#define VALIDATE_T_ARR		0x20
#define VALIDATE_T_OBJ		0x40
#define VALIDATE_T_ALL		0x7f

struct upload_file;

int	validate_decode_bool(struct validate *, json_t *, bool *);
int	validate_decode_int(struct validate *, json_t *, int64_t *);
int	validate_decode_num(struct validate *, json_t *, double *);
int	validate_decode_str(struct validate *, json_t *, const char **);
/* Any value of the allowed types, kept as compact JSON text. */
int	validate_decode_any(struct validate *, json_t *, unsigned,
	    const char **);
/* Files come only from multipart bodies: in JSON, a type error. */
int	validate_decode_file(struct validate *, json_t *,
	    const struct upload_file **);
/* j equals one of the values of the JSON array text. */
int	validate_json_in(json_t *, const char *);
/* Array items all different; records the error. */
int	validate_unique(struct validate *, json_t *);

/*
 * A parameter or form value as JSON of the kind the schema wants:
 * "5" is an integer for an integer schema, anything else a string, so
 * the generated decoder reports the right type error.  New reference.
 */
json_t	*validate_value(const char *, unsigned kind);
json_t	*validate_values(const char *const *, size_t, unsigned kind);

/* Debug builds: a reply checked against its schema.  Logs
 * "response does not match schema: <field>: <message>" and answers 500
 * when it does not; 0 when it does. */
json_t	*validate_reply_parse(struct request *, const char *, size_t);
int	 validate_reply_verdict(struct request *, struct validate *);

/* Strings. */
/* Code points in s[0..len), or -1 when it is not valid UTF-8. */
long long	validate_utf8_len(const char *, size_t);
int		validate_email(const char *);
int		validate_datetime(const char *);
int		validate_date(const char *);
int		validate_time(const char *);
int		validate_uri(const char *);
int		validate_uuid(const char *);
int		validate_ipv4(const char *);
/* In a sorted table of strings. */
int		validate_in(const char *, const char *const *, size_t);

/* Numbers. */
int	validate_multiple(double, double);

/* Regular expressions (PCRE2, ECMA-262-ish).  The generated api_init()
 * compiles every pattern of the spec once; validate_regex_match() is
 * 1 on a match, 0 on none, -1 when the match gave up (limits). */
void	*validate_regex_compile(const char *pattern);
int	 validate_regex_match(const void *re, const char *, size_t);

/* Values from strings: parameters, form fields.  0 ok, -1 not that type. */
int	validate_parse_int(const char *, int64_t *);
int	validate_parse_num(const char *, double *);
int	validate_parse_bool(const char *, bool *);

/* Strings and JSON values kept past the request's JSON tree. */
const char	*validate_strdup(struct validate *, json_t *);
const char	*validate_dump(struct validate *, json_t *);

/*
 * Parameters.  Query values: every occurrence of name, in order; split
 * also splits each occurrence at commas (style form, explode false, and
 * a lone comma list when explode is true), sep the separator for
 * spaceDelimited/pipeDelimited.  *out is arena memory; returns the count.
 */
size_t		 validate_query(struct request *, const char *, char sep,
		    int split, const char ***out);
/* Splits a simple-style value (path, header) at sep. */
size_t		 validate_split(struct arena *, const char *, char sep,
		    const char ***out);
const char	*validate_cookie(struct request *, const char *);

/* An application/x-www-form-urlencoded body as pairs. */
struct validate_form {
	const char	**keys;
	const char	**values;
	size_t		  n;
};

void	validate_form_parse(struct arena *, const char *, size_t,
	    struct validate_form *);
/* The values of one field, like validate_query(). */
size_t	validate_form_values(struct arena *, const struct validate_form *,
	    const char *, int split, const char ***out);

/*
 * The request body.  validate_media() compares the request's
 * Content-Type (without parameters, case-insensitively) with the types
 * the operation accepts; it answers 415 and returns -1 when none
 * matches.  A missing Content-Type is taken as the first type.  It sets
 * *which to the index of the type matched.
 */
int	validate_media(struct request *, const char *const *, size_t,
	    size_t *which);
/* The body as JSON: NULL after answering 400 "Malformed JSON: ...".
 * Strings may hold NULs ("\u0000"): lengths are kept, never strlen(). */
#define VALIDATE_JSON_FLAGS	(JSON_DECODE_ANY | JSON_ALLOW_NUL)
json_t	*validate_json_body(struct request *);

#endif
