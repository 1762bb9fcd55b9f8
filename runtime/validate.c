/*
 * validate.c - run-time support of the generated validators (see
 * validate.h).
 *
 * The format checks are deliberately plain C over bytes: they run on
 * untrusted input at request rate, so no allocation, no locale, no
 * regular expression.  Their rules:
 *   email	local@domain, pydantic's EmailStr in practice: a non-empty
 *		local part of at most 64 bytes without spaces or leading,
 *		trailing or doubled dots; a domain of dot-separated labels
 *		(letters, digits, '-', or any non-ASCII), at least two, none
 *		starting or ending with '-', the last not all digits
 *   date	YYYY-MM-DD, a real day of a real month
 *   date-time	date, 'T' (or 't' or ' '), hh:mm[:ss[.frac]], and an optional
 *		'Z' or +hh:mm offset (pydantic accepts a naive datetime)
 *   uri	an RFC 3986 scheme, ':', then no spaces or controls
 *   uuid	8-4-4-4-12 hex digits, or 32 in a row
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <pcre2.h>

#include "arena.h"
#include "format.h"
#include "jschema.h"
#include "request.h"
#include "log.h"
#include "util.h"
#include "validate.h"

/* Backtracking bounds: a hostile pattern/value pair fails, not hangs. */
#define VALIDATE_MATCH_LIMIT	100000
#define VALIDATE_DEPTH_LIMIT	10000

struct validate_qctx {
	struct arena	 *arena;
	const char	 *name;
	const char	**v;
	size_t		  n;
	size_t		  cap;
	char		  sep;
	int		  split;
};

static void	validate_append(struct arena *, const char ***, size_t *,
		    size_t *, const char *);
static void	validate_add_split(struct arena *, const char ***, size_t *,
		    size_t *, const char *, char);
static void	validate_query_one(struct validate_qctx *, const char *);
static int	validate_decode_jint(struct validate *, json_t *, int64_t *);
static int	validate_digits(const char *, int, int *);
static int	validate_ymd(const char *);
static int	validate_hms(const char *, const char **);

void
validate_init(struct validate *v, struct arena *a, enum validate_dir dir)
{
	memset(v, 0, sizeof(*v));
	v->arena = a;
	v->dir = dir;
	v->tail = &v->errors;
}

void
validate_push(struct validate *v, const char *name)
{
	if (v->depth < VALIDATE_MAX_DEPTH)
		v->path[v->depth] = name;
	v->depth++;
}

void
validate_pushi(struct validate *v, size_t i)
{
	validate_push(v, arena_sprintf(v->arena, "%zu", i));
}

void
validate_pop(struct validate *v)
{
	if (v->depth > 0)
		v->depth--;
}

void
validate_error(struct validate *v, const char *type, const char *message)
{
	struct validate_error	*e;
	size_t			 i, n, len = 0;
	char			*f;

	v->nerrors++;
	if (v->nerrors > VALIDATE_MAX_ERRORS)
		return;
	n = v->depth < VALIDATE_MAX_DEPTH ? v->depth : VALIDATE_MAX_DEPTH;
	for (i = 0; i < n; i++)
		len += strlen(v->path[i]) + 5;
	f = arena_alloc(v->arena, len + 8);
	f[0] = '\0';
	len = 0;
	for (i = 0; i < n; i++) {
		/* " → " is 5 bytes in UTF-8. */
		if (i > 0) {
			memcpy(f + len, " \xe2\x86\x92 ", 5);
			len += 5;
		}
		memcpy(f + len, v->path[i], strlen(v->path[i]));
		len += strlen(v->path[i]);
	}
	if (v->depth > n) {
		memcpy(f + len, " \xe2\x86\x92 \xe2\x80\xa6", 8);
		len += 8;
	}
	f[len] = '\0';
	e = arena_alloc(v->arena, sizeof(*e));
	e->field = f;
	e->message = arena_strdup(v->arena, message);
	e->type = type;
	e->next = NULL;
	*v->tail = e;
	v->tail = &e->next;
}

void
validate_errorf(struct validate *v, const char *type, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	msg = arena_vsprintf(v->arena, fmt, ap);
	va_end(ap);
	validate_error(v, type, msg);
}

size_t
validate_mark(const struct validate *v)
{
	return v->nerrors;
}

void
validate_rollback(struct validate *v, size_t mark)
{
	struct validate_error	**p;
	size_t			  i;

	if (v->nerrors <= mark)
		return;
	p = &v->errors;
	for (i = 0; i < mark && *p != NULL; i++)
		p = &(*p)->next;
	*p = NULL;
	v->tail = p;
	v->nerrors = mark;
}

int
validate_ok(const struct validate *v)
{
	return v->nerrors == 0 ? 0 : -1;
}

json_t *
validate_errors_json(const struct validate *v)
{
	const struct validate_error	*e;
	json_t				*a, *o;

	a = json_array();
	for (e = v->errors; e != NULL; e = e->next) {
		o = json_object();
		json_object_set_new(o, "field", json_string(e->field));
		json_object_set_new(o, "message", json_string(e->message));
		json_object_set_new(o, "type", json_string(e->type));
		json_array_append_new(a, o);
	}
	return a;
}

int
validate_answer(struct request *req, struct validate *v)
{
	reply_error_errors(req, 422, "Validation failed",
	    validate_errors_json(v));
	return 0;
}

void
validate_missing(struct validate *v)
{
	validate_error(v, "value_error.missing", "field required");
}

void
validate_not_null(struct validate *v)
{
	validate_error(v, "type_error.none.not_allowed",
	    "none is not an allowed value");
}

/* expected: "integer", "float", "str", "bool", "dict", "list". */
void
validate_type(struct validate *v, const char *expected)
{
	if (strcmp(expected, "integer") == 0)
		validate_error(v, "type_error.integer",
		    "value is not a valid integer");
	else if (strcmp(expected, "float") == 0)
		validate_error(v, "type_error.float",
		    "value is not a valid float");
	else if (strcmp(expected, "str") == 0)
		validate_error(v, "type_error.str", "str type expected");
	else if (strcmp(expected, "bool") == 0)
		validate_error(v, "type_error.bool",
		    "value could not be parsed to a boolean");
	else if (strcmp(expected, "dict") == 0)
		validate_error(v, "type_error.dict",
		    "value is not a valid dict");
	else if (strcmp(expected, "list") == 0)
		validate_error(v, "type_error.list",
		    "value is not a valid list");
	else if (strcmp(expected, "null") == 0)
		validate_error(v, "type_error.none.allowed",
		    "value is not none");
	else
		validate_errorf(v, "type_error", "value is not a valid %s",
		    expected);
}

long long
validate_utf8_len(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s, *end = p + len;
	long long		 n = 0;
	unsigned		 c, min, need;

	while (p < end) {
		c = *p++;
		n++;
		if (c < 0x80)
			continue;
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
			min = 0x80;
			c &= 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			min = 0x800;
			c &= 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			min = 0x10000;
			c &= 0x07;
		} else
			return -1;
		if ((size_t)(end - p) < need)
			return -1;
		for (; need > 0; need--, p++) {
			if ((*p & 0xc0) != 0x80)
				return -1;
			c = (c << 6) | (*p & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return -1;
	}
	return n;
}

int
validate_email(const char *s)
{
	const char	*at, *d, *label;
	size_t		 llen, n;
	int		 alldigits = 1, nlabels = 0;

	if ((at = strrchr(s, '@')) == NULL || at == s)
		return -1;
	llen = (size_t)(at - s);
	if (llen > 64 || s[0] == '.' || at[-1] == '.')
		return -1;
	for (d = s; d < at; d++) {
		if ((unsigned char)*d <= ' ' || *d == '@' || *d == '"' ||
		    *d == '(' || *d == ')' || *d == ',' || *d == ':' ||
		    *d == ';' || *d == '<' || *d == '>' || *d == '[' ||
		    *d == ']' || *d == '\\' || *d == 0x7f)
			return -1;
		if (*d == '.' && d[1] == '.')
			return -1;
	}
	d = at + 1;
	if (strlen(d) == 0 || strlen(d) > 253)
		return -1;
	for (;;) {
		label = d;
		alldigits = 1;
		while (*d != '\0' && *d != '.') {
			if (!(isalnum((unsigned char)*d) || *d == '-' ||
			    (unsigned char)*d >= 0x80))
				return -1;
			if (!isdigit((unsigned char)*d))
				alldigits = 0;
			d++;
		}
		n = (size_t)(d - label);
		if (n == 0 || n > 63 || label[0] == '-' || d[-1] == '-')
			return -1;
		nlabels++;
		if (*d == '\0')
			break;
		d++;
	}
	if (nlabels < 2 || alldigits)
		return -1;
	return validate_utf8_len(s, strlen(s)) < 0 ? -1 : 0;
}

/* n digits at s as an int; 0 ok. */
static int
validate_digits(const char *s, int n, int *out)
{
	int	i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
validate_ymd(const char *s)
{
	static const int	mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
				    31, 30, 31 };
	int			y, m, d, leap;

	if (validate_digits(s, 4, &y) == -1 || s[4] != '-' ||
	    validate_digits(s + 5, 2, &m) == -1 || s[7] != '-' ||
	    validate_digits(s + 8, 2, &d) == -1)
		return -1;
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -1;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (m == 2 && d == 29 && !leap)
		return -1;
	return 0;
}

/* hh:mm[:ss[.frac]] at s; *end after it. */
static int
validate_hms(const char *s, const char **end)
{
	int	h, m, sec;

	if (validate_digits(s, 2, &h) == -1 || s[2] != ':' ||
	    validate_digits(s + 3, 2, &m) == -1 || h > 23 || m > 59)
		return -1;
	s += 5;
	if (*s == ':') {
		if (validate_digits(s + 1, 2, &sec) == -1 || sec > 60)
			return -1;
		s += 3;
		if (*s == '.') {
			if (!isdigit((unsigned char)s[1]))
				return -1;
			for (s++; isdigit((unsigned char)*s); s++)
				;
		}
	}
	*end = s;
	return 0;
}

int
validate_date(const char *s)
{
	return strlen(s) == 10 ? validate_ymd(s) : -1;
}

int
validate_time(const char *s)
{
	const char	*e;
	int		 h, m;

	if (validate_hms(s, &e) == -1)
		return -1;
	if (*e == 'Z' || *e == 'z')
		return e[1] == '\0' ? 0 : -1;
	if (*e == '+' || *e == '-') {
		if (validate_digits(e + 1, 2, &h) == -1 || e[3] != ':' ||
		    validate_digits(e + 4, 2, &m) == -1 || h > 23 || m > 59 ||
		    e[6] != '\0')
			return -1;
		return 0;
	}
	return *e == '\0' ? 0 : -1;
}

int
validate_datetime(const char *s)
{
	if (strlen(s) < 16 || validate_ymd(s) == -1 ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' '))
		return -1;
	return validate_time(s + 11);
}

int
validate_uri(const char *s)
{
	const char	*p;

	if (!isalpha((unsigned char)s[0]))
		return -1;
	for (p = s + 1; isalnum((unsigned char)*p) || *p == '+' || *p == '-' ||
	    *p == '.'; p++)
		;
	if (*p != ':')
		return -1;
	for (p++; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '"' ||
		    *p == '<' || *p == '>' || *p == '\\' || *p == '^' ||
		    *p == '`' || *p == '{' || *p == '|' || *p == '}')
			return -1;
	return 0;
}

int
validate_uuid(const char *s)
{
	size_t	i, n = strlen(s);

	if (n == 32) {
		for (i = 0; i < n; i++)
			if (!isxdigit((unsigned char)s[i]))
				return -1;
		return 0;
	}
	if (n != 36)
		return -1;
	for (i = 0; i < n; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return -1;
		} else if (!isxdigit((unsigned char)s[i]))
			return -1;
	}
	return 0;
}

int
validate_ipv4(const char *s)
{
	int	i, n, digits;

	for (i = 0; i < 4; i++) {
		if (i > 0 && *s++ != '.')
			return -1;
		n = 0;
		for (digits = 0; isdigit((unsigned char)*s); digits++, s++) {
			n = n * 10 + (*s - '0');
			if (digits > 2 || (digits > 0 && n < 10))
				return -1;
		}
		if (digits == 0 || n > 255)
			return -1;
	}
	return *s == '\0' ? 0 : -1;
}

int
validate_in(const char *s, const char *const *sorted, size_t n)
{
	size_t	lo = 0, hi = n, mid;
	int	c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = strcmp(s, sorted[mid])) == 0)
			return 1;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

int
validate_multiple(double x, double m)
{
	double	q;

	if (m <= 0 || !isfinite(x))
		return 0;
	q = x / m;
	if (!isfinite(q))
		return 0;
	return fabs(q - nearbyint(q)) <= 1e-9 * (fabs(q) > 1 ? fabs(q) : 1);
}

void *
validate_regex_compile(const char *pattern)
{
	pcre2_code	*re;
	PCRE2_SIZE	 off;
	char		*pcre;
	int		 err;

	/* ECMA-262: '$' matches only at the very end without the m flag;
	 * format.h translates the rest.  The generator compiled it too. */
	pcre = format_pattern(pattern);
	re = pcre2_compile((PCRE2_SPTR)pcre, PCRE2_ZERO_TERMINATED,
	    FORMAT_PCRE2_OPTIONS, &err, &off, NULL);
	free(pcre);
	if (re == NULL)
		fatal("pattern %s does not compile (offset %zu)", pattern,
		    (size_t)off);
	(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return re;
}

/* Per-thread match state, kept (matching never allocates) and freed
 * when the thread exits. */
struct validate_tls {
	pcre2_match_data	*md;
	pcre2_match_context	*mc;
};

static pthread_key_t	validate_key;
static pthread_once_t	validate_once = PTHREAD_ONCE_INIT;

static void
validate_tls_free(void *p)
{
	struct validate_tls	*t = p;

	pcre2_match_data_free(t->md);
	pcre2_match_context_free(t->mc);
	free(t);
}

static void
validate_tls_key(void)
{
	if (pthread_key_create(&validate_key, validate_tls_free) != 0)
		fatal("pthread_key_create failed");
}

int
validate_regex_match(const void *re, const char *s, size_t len)
{
	struct validate_tls	*t;
	int			 rc;

	if (re == NULL)
		fatal("validate_regex_match: patterns not compiled "
		    "(call api_init() at start-up)");
	pthread_once(&validate_once, validate_tls_key);
	if ((t = pthread_getspecific(validate_key)) == NULL) {
		t = xcalloc(1, sizeof(*t));
		t->md = pcre2_match_data_create(16, NULL);
		t->mc = pcre2_match_context_create(NULL);
		if (t->md == NULL || t->mc == NULL)
			fatal("pcre2: out of memory");
		pcre2_set_match_limit(t->mc, VALIDATE_MATCH_LIMIT);
		pcre2_set_depth_limit(t->mc, VALIDATE_DEPTH_LIMIT);
		pthread_setspecific(validate_key, t);
	}
	rc = pcre2_match((const pcre2_code *)re, (PCRE2_SPTR)s, len, 0, 0,
	    t->md, t->mc);
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	return -1;
}

int
validate_parse_int(const char *s, int64_t *out)
{
	long long	 v;
	char		*end;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s)
		return -1;
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end != '\0')
		return -1;
	*out = v;
	return 0;
}

int
validate_parse_num(const char *s, double *out)
{
	double	 v;
	char	*end;

	while (*s == ' ' || *s == '\t')
		s++;
	/* Decimal only: no hex floats, no inf or nan. */
	if (*s == '\0' || strpbrk(s, "xXnNiI") != NULL)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || !isfinite(v))
		return -1;
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end != '\0')
		return -1;
	*out = v;
	return 0;
}

/* pydantic v1's words for true and false. */
int
validate_parse_bool(const char *s, bool *out)
{
	static const char *const	yes[] = { "1", "on", "t", "true", "y",
					    "yes" };
	static const char *const	no[] = { "0", "f", "false", "n", "no",
					    "off" };
	size_t				i;

	for (i = 0; i < nitems(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
	}
	for (i = 0; i < nitems(no); i++) {
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

const char *
validate_strdup(struct validate *v, json_t *j)
{
	return arena_strndup(v->arena, json_string_value(j),
	    json_string_length(j));
}

const char *
validate_dump(struct validate *v, json_t *j)
{
	char		*s;
	const char	*copy;

	s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
	if (s == NULL)
		fatal("json_dumps: out of memory");
	copy = arena_strdup(v->arena, s);
	free(s);
	return copy;
}

static void
validate_append(struct arena *a, const char ***v, size_t *n, size_t *cap,
    const char *s)
{
	const char	**nv;

	if (*n == *cap) {
		*cap = *cap == 0 ? 4 : *cap * 2;
		nv = arena_alloc(a, *cap * sizeof(*nv));
		if (*n > 0)
			memcpy(nv, *v, *n * sizeof(*nv));
		*v = nv;
	}
	(*v)[(*n)++] = s;
}

static void
validate_add_split(struct arena *a, const char ***v, size_t *n, size_t *cap,
    const char *s, char sep)
{
	const char	*e;

	for (;;) {
		e = strchr(s, sep);
		if (e == NULL) {
			validate_append(a, v, n, cap, arena_strdup(a, s));
			return;
		}
		validate_append(a, v, n, cap, arena_strndup(a, s,
		    (size_t)(e - s)));
		s = e + 1;
	}
}

static void
validate_query_one(struct validate_qctx *q, const char *value)
{
	if (q->split)
		validate_add_split(q->arena, &q->v, &q->n, &q->cap, value,
		    q->sep);
	else
		validate_append(q->arena, &q->v, &q->n, &q->cap, value);
}

size_t
validate_query(struct request *req, const char *name, char sep,
    int split, const char ***out)
{
	struct validate_qctx		 q;
	const struct request_pair	*pairs;
	const char			*one;
	size_t				 i, np;

	memset(&q, 0, sizeof(q));
	q.arena = req->arena;
	q.name = name;
	q.sep = sep;
	q.split = split;
	np = request_query_pairs(req, &pairs);
	for (i = 0; i < np; i++) {
		if (strcmp(pairs[i].name, name) == 0)
			validate_query_one(&q, pairs[i].value);
	}
	/* explode=true still takes a lone "a,b" as two values. */
	if (!split && q.n == 1 && strchr(q.v[0], sep) != NULL) {
		one = q.v[0];
		q.n = 0;
		validate_add_split(q.arena, &q.v, &q.n, &q.cap, one, sep);
	}
	*out = q.v;
	return q.n;
}

size_t
validate_split(struct arena *a, const char *s, char sep, const char ***out)
{
	const char	**v = NULL;
	size_t		  n = 0, cap = 0;

	if (*s != '\0')
		validate_add_split(a, &v, &n, &cap, s, sep);
	*out = v;
	return n;
}

const char *
validate_cookie(struct request *req, const char *name)
{
	return request_cookie(req, name);
}

void
validate_form_parse(struct arena *a, const char *body, size_t len,
    struct validate_form *f)
{
	const char	*p = body, *end = body + len, *amp, *eq;
	size_t		 cap = 0, kcap = 0, n = 0;

	memset(f, 0, sizeof(*f));
	while (body != NULL && p < end) {
		amp = memchr(p, '&', (size_t)(end - p));
		if (amp == NULL)
			amp = end;
		if (amp > p) {
			eq = memchr(p, '=', (size_t)(amp - p));
			if (eq == NULL)
				eq = amp;
			n = f->n;
			validate_append(a, &f->keys, &f->n, &kcap,
			    request_urldecode(a, p, (size_t)(eq - p)));
			validate_append(a, &f->values, &n, &cap,
			    eq < amp ? request_urldecode(a, eq + 1,
			    (size_t)(amp - eq - 1)) : "");
		}
		p = amp + 1;
	}
}

size_t
validate_form_values(struct arena *a, const struct validate_form *f,
    const char *name, int split, const char ***out)
{
	const char	**v = NULL;
	size_t		  i, n = 0, cap = 0;

	for (i = 0; i < f->n; i++) {
		if (strcmp(f->keys[i], name) != 0)
			continue;
		if (split)
			validate_add_split(a, &v, &n, &cap, f->values[i], ',');
		else
			validate_append(a, &v, &n, &cap, f->values[i]);
	}
	*out = v;
	return n;
}

int
validate_media(struct request *req, const char *const *types,
    size_t ntypes, size_t *which)
{
	const char	*ct;
	size_t		 i, len, tlen;

	*which = 0;
	ct = request_header(req, "Content-Type");
	if (ct == NULL)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	len = strcspn(ct, ";");
	while (len > 0 && (ct[len - 1] == ' ' || ct[len - 1] == '\t'))
		len--;
	for (i = 0; i < ntypes; i++) {
		tlen = strlen(types[i]);
		/* "*" + "/" + "*" and "type/" + "*" ranges accept their kind. */
		if (strcmp(types[i], "*/*") == 0 ||
		    (tlen > 2 && strcmp(types[i] + tlen - 2, "/*") == 0 &&
		    len > tlen - 1 && strncasecmp(ct, types[i], tlen - 1) == 0) ||
		    (tlen == len && strncasecmp(ct, types[i], len) == 0)) {
			*which = i;
			return 0;
		}
	}
	reply_errorf(req, 415, "Unsupported media type: %.*s", (int)len, ct);
	return -1;
}

json_t *
validate_json_body(struct request *req)
{
	json_error_t	 err;
	json_t		*j;

	j = json_loadb(req->body != NULL ? req->body : "", req->body_len,
	    VALIDATE_JSON_FLAGS, &err);
	if (j == NULL)
		reply_errorf(req, 400, "Malformed JSON: %s at line %d column %d",
		    err.text, err.line, err.column);
	return j;
}

/* null, or not what ok says: the failure recorded, -1. */
static int
validate_expect(struct validate *v, json_t *j, int ok, const char *expected)
{
	if (json_is_null(j)) {
		validate_not_null(v);
		return -1;
	}
	if (!ok) {
		validate_type(v, expected);
		return -1;
	}
	return 0;
}

int
validate_decode_bool(struct validate *v, json_t *j, bool *out)
{
	if (v->text && json_is_string(j) &&
	    validate_parse_bool(json_string_value(j), out) == 0)
		return 0;
	if (validate_expect(v, j, json_is_boolean(j), "bool") == -1)
		return -1;
	*out = json_is_true(j);
	return 0;
}

int
validate_decode_int(struct validate *v, json_t *j, int64_t *out)
{
	if (v->text && json_is_string(j) &&
	    validate_parse_int(json_string_value(j), out) == 0)
		return 0;
	return validate_decode_jint(v, j, out);
}

static int
validate_decode_jint(struct validate *v, json_t *j, int64_t *out)
{
	double	d = json_is_real(j) ? json_real_value(j) : 0.5;
	int	integral = d == nearbyint(d) && d >= -9.2e18 && d <= 9.2e18;

	if (validate_expect(v, j, json_is_integer(j) || integral,
	    "integer") == -1)
		return -1;
	*out = json_is_integer(j) ? json_integer_value(j) : (int64_t)d;
	return 0;
}

int
validate_decode_num(struct validate *v, json_t *j, double *out)
{
	if (v->text && json_is_string(j) &&
	    validate_parse_num(json_string_value(j), out) == 0)
		return 0;
	if (validate_expect(v, j, json_is_number(j), "float") == -1)
		return -1;
	*out = json_number_value(j);
	return 0;
}

int
validate_decode_str(struct validate *v, json_t *j, const char **out)
{
	if (validate_expect(v, j, json_is_string(j), "str") == -1)
		return -1;
	if (validate_utf8_len(json_string_value(j), json_string_length(j)) < 0) {
		validate_error(v, "value_error.str.unicode",
		    "string is not valid UTF-8");
		return -1;
	}
	/* A C string ends at U+0000 ("\u0000" in JSON, now accepted). */
	if (strlen(json_string_value(j)) != json_string_length(j)) {
		validate_error(v, "value_error.str.nul",
		    "string may not contain U+0000");
		return -1;
	}
	*out = validate_strdup(v, j);
	return 0;
}

int
validate_decode_any(struct validate *v, json_t *j, unsigned types,
    const char **out)
{
	static const struct {
		unsigned	 bit;
		const char	*name;
	} names[] = {
		{ VALIDATE_T_BOOL, "boolean" }, { VALIDATE_T_INT, "integer" },
		{ VALIDATE_T_NUM, "number" }, { VALIDATE_T_STR, "string" },
		{ VALIDATE_T_ARR, "array" }, { VALIDATE_T_OBJ, "object" },
	};
	unsigned	 t;
	char		*list;
	size_t		 i;

	switch (json_typeof(j)) {
	case JSON_NULL:
		t = VALIDATE_T_NULL;
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		t = VALIDATE_T_BOOL;
		break;
	case JSON_INTEGER:
		t = VALIDATE_T_INT | VALIDATE_T_NUM;
		break;
	case JSON_REAL:
		t = VALIDATE_T_NUM;
		if (json_real_value(j) == nearbyint(json_real_value(j)))
			t |= VALIDATE_T_INT;
		break;
	case JSON_STRING:
		t = VALIDATE_T_STR;
		break;
	case JSON_ARRAY:
		t = VALIDATE_T_ARR;
		break;
	default:
		t = VALIDATE_T_OBJ;
		break;
	}
	if ((t & types) == 0) {
		if (t == VALIDATE_T_NULL) {
			validate_not_null(v);
			return -1;
		}
		switch (types & ~(unsigned)VALIDATE_T_NULL) {
		case VALIDATE_T_BOOL:
			validate_type(v, "bool");
			return -1;
		case VALIDATE_T_INT:
			validate_type(v, "integer");
			return -1;
		case VALIDATE_T_NUM:
		case VALIDATE_T_NUM | VALIDATE_T_INT:
			validate_type(v, "float");
			return -1;
		case VALIDATE_T_STR:
			validate_type(v, "str");
			return -1;
		case VALIDATE_T_ARR:
			validate_type(v, "list");
			return -1;
		case VALIDATE_T_OBJ:
			validate_type(v, "dict");
			return -1;
		}
		list = arena_strdup(v->arena, "");
		for (i = 0; i < nitems(names); i++)
			if (types & names[i].bit)
				list = arena_sprintf(v->arena, "%s%s%s", list,
				    *list != '\0' ? ", " : "", names[i].name);
		if (*list == '\0')
			validate_error(v, "value_error.not_allowed",
			    "no value is allowed here");
		else
			validate_errorf(v, "type_error",
			    "value is not one of the allowed types: %s", list);
		return -1;
	}
	*out = validate_dump(v, j);
	return 0;
}

int
validate_decode_file(struct validate *v, json_t *j,
    const struct upload_file **out)
{
	*out = NULL;
	if (json_is_null(j))
		validate_not_null(v);
	else
		validate_error(v, "type_error.file",
		    "value is not a valid file (send it as a multipart part)");
	return -1;
}

int
validate_json_in(json_t *j, const char *values)
{
	json_t	*a;
	size_t	 i;
	int	 found = 0;

	/* The generator wrote the literal; should it ever not parse, the
	 * value is refused rather than the server stopped. */
	if ((a = json_loads(values, VALIDATE_JSON_FLAGS, NULL)) == NULL)
		return 0;
	for (i = 0; i < json_array_size(a) && !found; i++)
		found = jschema_equal(j, json_array_get(a, i));
	json_decref(a);
	return found;
}

static int
validate_itemcmp(const void *a, const void *b)
{
	return jschema_cmp(*(json_t *const *)a, *(json_t *const *)b);
}

int
validate_unique(struct validate *v, json_t *j)
{
	json_t	**items;
	size_t	  i, n = json_array_size(j);
	int	  rc = 0;

	if (n < 2)
		return 0;
	/* Sorted by a total order in which 1 and 1.0 are equal: equal
	 * items are neighbours. */
	items = xcalloc(n, sizeof(*items));
	for (i = 0; i < n; i++)
		items[i] = json_array_get(j, i);
	qsort(items, n, sizeof(*items), validate_itemcmp);
	for (i = 1; i < n && rc == 0; i++)
		if (jschema_cmp(items[i - 1], items[i]) == 0)
			rc = -1;
	free(items);
	if (rc == -1)
		validate_error(v, "value_error.list.unique_items",
		    "the list has duplicated items");
	return rc;
}

json_t *
validate_value(const char *s, unsigned kind)
{
	int64_t	 i;
	double	 d;
	bool	 b;

	if ((kind & VALIDATE_T_INT) && validate_parse_int(s, &i) == 0)
		return json_integer(i);
	if ((kind & VALIDATE_T_NUM) && validate_parse_num(s, &d) == 0)
		return json_real(d);
	if ((kind & VALIDATE_T_BOOL) && validate_parse_bool(s, &b) == 0)
		return json_boolean(b);
	/* Not checked for UTF-8 here: the decoder reports it. */
	return json_stringn_nocheck(s, strlen(s));
}

json_t *
validate_values(const char *const *v, size_t n, unsigned kind)
{
	json_t	*a;
	size_t	 i;

	a = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(a, validate_value(v[i], kind));
	return a;
}

json_t *
validate_reply_parse(struct request *req, const char *text, size_t len)
{
	json_error_t	 err;
	json_t		*j;

	j = json_loadb(text, len, JSON_DECODE_ANY, &err);
	if (j == NULL) {
		log_error(req->request_id, "response does not match schema: "
		    "not JSON: %s", err.text);
		reply_error(req, 500, "Internal server error");
	}
	return j;
}

int
validate_reply_verdict(struct request *req, struct validate *v)
{
	const struct validate_error	*e;

	if (v->nerrors == 0)
		return 0;
	for (e = v->errors; e != NULL; e = e->next)
		log_error(req->request_id, "response does not match schema: "
		    "%s: %s", e->field, e->message);
	reply_error(req, 500, "Internal server error");
	return -1;
}
