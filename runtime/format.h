/*
 * format.h - the string formats of JSON Schema 2020-12 that the
 * generated validators assert (RFC 3339 dates and times, RFC 5321
 * mailboxes, RFC 1123 host names, RFC 3986 URIs, RFC 6901 JSON pointers,
 * ...).  Each takes the string with its length (it may hold NULs) and
 * returns 0 when it is of the format, -1 when not.
 *
 * format_lookup() maps a format name to its checker; names it does not
 * know are NULL (the generator refuses them, or treats them as
 * annotations when the spec says so).
 */
#ifndef RUNTIME_FORMAT_H
#define RUNTIME_FORMAT_H

#include <stddef.h>

typedef int	(*format_fn)(const char *, size_t);

struct format_info {
	const char	*name;		/* "date-time" */
	format_fn	 check;
	const char	*type;		/* pydantic's error type */
	const char	*message;
};

/*
 * Patterns are ECMA-262 (JSON Schema's dialect) and run on PCRE2 with
 * these options; format_pattern() translates the spellings PCRE2 does
 * not share (\p{Letter} is \p{L}).  A new string, to free().
 */
#define FORMAT_PCRE2_OPTIONS	(PCRE2_UTF | PCRE2_DOLLAR_ENDONLY | \
				 PCRE2_ALLOW_EMPTY_CLASS | PCRE2_ALT_BSUX)
char	*format_pattern(const char *);

/* NULL when the format is not known. */
const struct format_info	*format_lookup(const char *);

int	format_datetime(const char *, size_t);
int	format_date(const char *, size_t);
int	format_time(const char *, size_t);
int	format_duration(const char *, size_t);
int	format_email(const char *, size_t);
int	format_hostname(const char *, size_t);
int	format_idn_hostname(const char *, size_t);
int	format_idn_email(const char *, size_t);
int	format_ipv4(const char *, size_t);
int	format_ipv6(const char *, size_t);
int	format_uri(const char *, size_t);
int	format_uri_reference(const char *, size_t);
int	format_uri_template(const char *, size_t);
int	format_iri(const char *, size_t);
int	format_iri_reference(const char *, size_t);
int	format_uuid(const char *, size_t);
int	format_regex(const char *, size_t);
int	format_json_pointer(const char *, size_t);
int	format_relative_json_pointer(const char *, size_t);

#endif
