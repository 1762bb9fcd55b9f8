/*
 * format.c - JSON Schema's string formats, by their RFCs' grammars.
 *
 * Each checker walks the string once with its length (so a NUL inside
 * is just another character, and refused where the grammar has no
 * place for it).  Only ASCII digits are digits: "১" is not a digit.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "format.h"
#include "util.h"

#define F_DIGIT(c)	((c) >= '0' && (c) <= '9')
#define F_ALPHA(c)	(((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z'))
#define F_HEX(c)	(F_DIGIT(c) || ((c) >= 'a' && (c) <= 'f') || \
			 ((c) >= 'A' && (c) <= 'F'))

static int	format_num(const char *, size_t, size_t, int *);
static int	format_ymd(const char *, size_t);
static int	format_fulltime(const char *, size_t);
static int	format_label(const char *, size_t);
static int	format_punycode(const char *, size_t, uint32_t *, size_t *,
		    size_t);
enum format_class;
static int	format_is(uint32_t, enum format_class);
static void	format_class_init(void);
static int	format_ulabel(const uint32_t *, size_t);
static long	format_punyencode(const uint32_t *, size_t, char *, size_t);
static int	format_alabel(const char *, size_t, uint32_t *, size_t *,
		    size_t);
static int	format_bidi(const uint32_t *, size_t);
static long	format_utf8(const char *, size_t, size_t *);
static int	format_mailbox(const char *, size_t, int);
static int	format_unreserved(int);
static int	format_subdelim(int);
static int	format_pchars(const char *, size_t, size_t *, const char *,
		    int);
static int	format_authority(const char *, size_t, int);
static int	format_uri_rest(const char *, size_t, size_t, int, int);
static int	format_varspec(const char *, size_t, size_t *);
static int	format_uriref(const char *, size_t, int, int);
static int	format_scheme(const char *, size_t, size_t *);

static const struct format_info format_table[] = {
	{ "date", format_date, "value_error.date", "invalid date format" },
	{ "date-time", format_datetime, "value_error.datetime",
	    "invalid datetime format" },
	{ "duration", format_duration, "value_error.duration",
	    "invalid duration format" },
	{ "email", format_email, "value_error.email",
	    "value is not a valid email address" },
	{ "hostname", format_hostname, "value_error.hostname",
	    "value is not a valid hostname" },
	{ "iri", format_iri, "value_error.url.scheme",
	    "invalid or missing URL scheme" },
	{ "iri-reference", format_iri_reference, "value_error.url",
	    "value is not a valid IRI reference" },
	{ "idn-email", format_idn_email, "value_error.email",
	    "value is not a valid email address" },
	{ "idn-hostname", format_idn_hostname, "value_error.hostname",
	    "value is not a valid hostname" },
	{ "ipv4", format_ipv4, "value_error.ipv4address",
	    "value is not a valid IPv4 address" },
	{ "ipv6", format_ipv6, "value_error.ipv6address",
	    "value is not a valid IPv6 address" },
	{ "json-pointer", format_json_pointer, "value_error.json_pointer",
	    "value is not a valid JSON pointer" },
	{ "regex", format_regex, "value_error.regex",
	    "value is not a valid regular expression" },
	{ "relative-json-pointer", format_relative_json_pointer,
	    "value_error.json_pointer",
	    "value is not a valid relative JSON pointer" },
	{ "time", format_time, "value_error.time", "invalid time format" },
	{ "uri", format_uri, "value_error.url.scheme",
	    "invalid or missing URL scheme" },
	{ "uri-reference", format_uri_reference, "value_error.url",
	    "value is not a valid URI reference" },
	{ "uri-template", format_uri_template, "value_error.url",
	    "value is not a valid URI template" },
	{ "uuid", format_uuid, "type_error.uuid", "value is not a valid uuid" },
};

const struct format_info *
format_lookup(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(format_table) / sizeof(format_table[0]); i++)
		if (strcmp(format_table[i].name, name) == 0)
			return &format_table[i];
	return NULL;
}

/* n digits at s[off]; 0 ok. */
static int
format_num(const char *s, size_t len, size_t off, int *out)
{
	int	v = 0;
	size_t	i;

	(void)len;
	for (i = 0; i < 2; i++) {
		if (!F_DIGIT(s[off + i]))
			return -1;
		v = v * 10 + (s[off + i] - '0');
	}
	*out = v;
	return 0;
}

/* YYYY-MM-DD, exactly len 10. */
static int
format_ymd(const char *s, size_t len)
{
	static const int	mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
				    31, 30, 31 };
	int			y = 0, m, d, i;

	if (len != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (i = 0; i < 4; i++) {
		if (!F_DIGIT(s[i]))
			return -1;
		y = y * 10 + (s[i] - '0');
	}
	if (format_num(s, len, 5, &m) == -1 || format_num(s, len, 8, &d) == -1)
		return -1;
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -1;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) ||
	    y % 400 == 0))
		return -1;
	return 0;
}

/* RFC 3339 full-time: HH:MM:SS[.frac](Z|+HH:MM|-HH:MM); a leap second
 * only where UTC is 23:59:60. */
static int
format_fulltime(const char *s, size_t len)
{
	int	h, m, sec, oh = 0, om = 0, sign = 0, utc;
	size_t	i;

	if (len < 9 || s[2] != ':' || s[5] != ':' ||
	    format_num(s, len, 0, &h) == -1 ||
	    format_num(s, len, 3, &m) == -1 ||
	    format_num(s, len, 6, &sec) == -1)
		return -1;
	if (h > 23 || m > 59 || sec > 60)
		return -1;
	i = 8;
	if (i < len && s[i] == '.') {
		if (++i >= len || !F_DIGIT(s[i]))
			return -1;
		while (i < len && F_DIGIT(s[i]))
			i++;
	}
	if (i >= len)
		return -1;
	if (s[i] == 'Z' || s[i] == 'z') {
		if (i + 1 != len)
			return -1;
	} else if (s[i] == '+' || s[i] == '-') {
		sign = s[i] == '+' ? 1 : -1;
		if (len - i != 6 || s[i + 3] != ':' ||
		    format_num(s, len, i + 1, &oh) == -1 ||
		    format_num(s, len, i + 4, &om) == -1 || oh > 23 || om > 59)
			return -1;
	} else
		return -1;
	if (sec == 60) {
		utc = ((h * 60 + m - sign * (oh * 60 + om)) % 1440 + 1440) %
		    1440;
		if (utc != 23 * 60 + 59)
			return -1;
	}
	return 0;
}

int
format_date(const char *s, size_t len)
{
	return format_ymd(s, len);
}

int
format_time(const char *s, size_t len)
{
	return format_fulltime(s, len);
}

int
format_datetime(const char *s, size_t len)
{
	if (len < 11 || (s[10] != 'T' && s[10] != 't') ||
	    format_ymd(s, 10) == -1)
		return -1;
	return format_fulltime(s + 11, len - 11);
}

/*
 * RFC 3339 appendix A: P(nW | date [T time] | T time), where the date's
 * units are a run of Y M D and the time's a run of H M S, in order.
 */
int
format_duration(const char *s, size_t len)
{
	static const char	dunits[] = "YMD", tunits[] = "HMS";
	const char		*units, *u;
	size_t			i = 1, ndig;
	int			last, n, intime = 0, any = 0;

	if (len < 2 || s[0] != 'P')
		return -1;
	if (s[len - 1] == 'W') {
		for (i = 1; i < len - 1; i++)
			if (!F_DIGIT(s[i]))
				return -1;
		return len > 2 ? 0 : -1;
	}
	units = dunits;
	last = -1;
	n = 0;
	while (i < len) {
		if (s[i] == 'T') {
			if (intime)
				return -1;
			intime = 1;
			units = tunits;
			last = -1;
			n = 0;
			i++;
			if (i == len)
				return -1;
			continue;
		}
		for (ndig = 0; i < len && F_DIGIT(s[i]); i++)
			ndig++;
		if (ndig == 0 || i == len ||
		    (u = memchr(units, s[i], 3)) == NULL)
			return -1;
		/* Each unit right after the previous one. */
		if (last >= 0 && (int)(u - units) != last + 1)
			return -1;
		last = (int)(u - units);
		n++;
		any = 1;
		i++;
	}
	return any && n > 0 ? 0 : -1;
}

/* RFC 3492 decoding of an A-label's tail into cp[]; -1 when malformed. */
static int
format_punycode(const char *s, size_t len, uint32_t *cp, size_t *ncp,
    size_t max)
{
	const char	*dash = NULL;
	uint64_t	 n = 128, i = 0, bias = 72, oldi, w, k, t, digit, delta;
	size_t		 j, out = 0, first;
	int		 c;

	for (j = 0; j < len; j++)
		if (s[j] == '-')
			dash = s + j;
	if (dash != NULL) {
		for (j = 0; j < (size_t)(dash - s); j++) {
			if (out == max || (unsigned char)s[j] >= 0x80)
				return -1;
			cp[out++] = (unsigned char)s[j];
		}
		j++;
	} else
		j = 0;
	for (first = 1; j < len; first = 0) {
		oldi = i;
		w = 1;
		for (k = 36;; k += 36) {
			if (j >= len)
				return -1;
			c = s[j++];
			if (c >= 'a' && c <= 'z')
				digit = (uint64_t)(c - 'a');
			else if (c >= 'A' && c <= 'Z')
				digit = (uint64_t)(c - 'A');
			else if (c >= '0' && c <= '9')
				digit = (uint64_t)(c - '0' + 26);
			else
				return -1;
			i += digit * w;
			t = k <= bias ? 1 : k >= bias + 26 ? 26 : k - bias;
			if (i > 0x10ffff * 64 || w > 0x10ffff * 64)
				return -1;
			if (digit < t)
				break;
			w *= 36 - t;
		}
		/* adapt() */
		delta = first ? (i - oldi) / 700 : (i - oldi) / 2;
		delta += delta / (out + 1);
		for (k = 0; delta > 455; k += 36)
			delta /= 35;
		bias = k + 36 * delta / (delta + 38);
		n += i / (out + 1);
		i %= out + 1;
		if (n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff) || n < 0x80 ||
		    out == max)
			return -1;
		memmove(cp + i + 1, cp + i, (out - i) * sizeof(*cp));
		cp[i++] = (uint32_t)n;
		out++;
	}
	*ncp = out;
	return 0;
}

/* The Unicode classes the U-label rules ask about, compiled once. */
enum format_class {
	FC_MARK, FC_PVALID, FC_GREEK, FC_HEBREW, FC_KANA, FC_ARABIC,
	/* Bidi classes (RFC 5893) */
	FC_L, FC_R, FC_AL, FC_AN, FC_EN, FC_ES, FC_CS, FC_ET, FC_ON, FC_BN,
	FC_NSM, FC_N
};

static const char *const format_class_src[FC_N] = {
	"\\p{M}",
	/* what IDNA2008 lets through, less its exceptions (below) */
	"[a-z0-9\\-\\p{Ll}\\p{Lo}\\p{Lm}\\p{Mn}\\p{Mc}\\p{Nd}]",
	"\\p{Greek}", "\\p{Hebrew}",
	"[\\p{Hiragana}\\p{Katakana}\\p{Han}]", "\\p{Arabic}",
	"\\p{bc=L}", "\\p{bc=R}", "\\p{bc=AL}", "\\p{bc=AN}",
	"\\p{bc=EN}", "\\p{bc=ES}", "\\p{bc=CS}", "\\p{bc=ET}",
	"\\p{bc=ON}", "\\p{bc=BN}", "\\p{bc=NSM}"
};
static pcre2_code	*format_class_re[FC_N];
static pthread_once_t	 format_class_once = PTHREAD_ONCE_INIT;

static void
format_class_init(void)
{
	PCRE2_SIZE	off;
	size_t		i;
	int		err;

	for (i = 0; i < FC_N; i++)
		if ((format_class_re[i] = pcre2_compile((PCRE2_SPTR)
		    format_class_src[i], PCRE2_ZERO_TERMINATED,
		    PCRE2_UTF | PCRE2_ANCHORED, &err, &off, NULL)) == NULL)
			fatal("format: class %s does not compile",
			    format_class_src[i]);
}

/* Whether code point c is of the class. */
static int
format_is(uint32_t c, enum format_class cls)
{
	pcre2_match_data	*md;
	unsigned char		 u[4];
	size_t			 n;
	int			 rc;

	pthread_once(&format_class_once, format_class_init);
	if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	if (c < 0x80) {
		u[0] = (unsigned char)c;
		n = 1;
	} else if (c < 0x800) {
		u[0] = (unsigned char)(0xc0 | (c >> 6));
		u[1] = (unsigned char)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		u[0] = (unsigned char)(0xe0 | (c >> 12));
		u[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
		u[2] = (unsigned char)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xf0 | (c >> 18));
		u[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3f));
		u[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
		u[3] = (unsigned char)(0x80 | (c & 0x3f));
		n = 4;
	}
	if ((md = pcre2_match_data_create(1, NULL)) == NULL)
		fatal("pcre2: out of memory");
	rc = pcre2_match(format_class_re[cls], u, n, 0, PCRE2_NO_UTF_CHECK,
	    md, NULL);
	pcre2_match_data_free(md);
	return rc >= 0;
}

/*
 * A U-label by RFC 5891/5892/5893's rules that matter in practice: no
 * "--" at 3-4, no leading combining mark, no upper case, the DISALLOWED
 * exceptions, and the CONTEXTJ/CONTEXTO rules.
 */
static int
format_ulabel(const uint32_t *cp, size_t n)
{
	static const uint32_t	disallowed[] = { 0x0640, 0x07fa, 0x302e,
				    0x302f, 0x3031, 0x3032, 0x3033, 0x3034,
				    0x3035, 0x303b };
	static const uint32_t	viramas[] = { 0x094d, 0x09cd, 0x0a4d,
				    0x0acd, 0x0b4d, 0x0bcd, 0x0c4d, 0x0ccd,
				    0x0d3b, 0x0d3c, 0x0d4d, 0x0dca, 0x0e3a,
				    0x0eba, 0x0f84, 0x1039, 0x103a, 0x1714,
				    0x1734, 0x17d2, 0x1a60, 0x1b44, 0x1baa,
				    0x1bab, 0x1bf2, 0x1bf3, 0x2d7f, 0xa806,
				    0xa8c4, 0xa953, 0xa9c0, 0xaaf6, 0xabed };
	/* PVALID exceptions, and what the context rules below allow */
	static const uint32_t	pvalid[] = { 0x00df, 0x03c2, 0x06fd, 0x06fe,
				    0x0f0b, 0x3007, 0x00b7, 0x0375, 0x05f3,
				    0x05f4, 0x30fb, 0x200c, 0x200d };
	size_t			i, j;
	int			arabic = 0, extended = 0, kana;

	if (n == 0 || (n >= 4 && cp[2] == '-' && cp[3] == '-') ||
	    cp[0] == '-' || cp[n - 1] == '-')
		return -1;
	if (format_is(cp[0], FC_MARK))
		return -1;
	for (i = 0; i < n; i++) {
		for (j = 0; j < sizeof(disallowed) / sizeof(disallowed[0]); j++)
			if (cp[i] == disallowed[j])
				return -1;
		if (!format_is(cp[i], FC_PVALID)) {
			for (j = 0; j < sizeof(pvalid) / sizeof(pvalid[0]); j++)
				if (cp[i] == pvalid[j])
					break;
			if (j == sizeof(pvalid) / sizeof(pvalid[0]))
				return -1;
		}
		switch (cp[i]) {
		case 0x00b7:	/* MIDDLE DOT: between two l */
			if (i == 0 || i + 1 == n || cp[i - 1] != 'l' ||
			    cp[i + 1] != 'l')
				return -1;
			break;
		case 0x0375:	/* GREEK KERAIA: before Greek */
			if (i + 1 == n || !format_is(cp[i + 1], FC_GREEK))
				return -1;
			break;
		case 0x05f3:	/* HEBREW GERESH, GERSHAYIM: after Hebrew */
		case 0x05f4:
			if (i == 0 || !format_is(cp[i - 1], FC_HEBREW))
				return -1;
			break;
		case 0x30fb:	/* KATAKANA MIDDLE DOT: with kana or Han */
			for (j = 0, kana = 0; j < n; j++)
				if (cp[j] != 0x30fb && format_is(cp[j],
				    FC_KANA))
					kana = 1;
			if (!kana)
				return -1;
			break;
		case 0x200d:	/* ZERO WIDTH JOINER: after a virama */
		case 0x200c:	/* ZERO WIDTH NON-JOINER: or between joiners */
			for (j = 0; i > 0 && j < sizeof(viramas) /
			    sizeof(viramas[0]); j++)
				if (cp[i - 1] == viramas[j])
					break;
			if (i > 0 && j < sizeof(viramas) / sizeof(viramas[0]))
				break;
			if (cp[i] == 0x200c && i > 0 && i + 1 < n &&
			    format_is(cp[i - 1], FC_ARABIC) &&
			    format_is(cp[i + 1], FC_ARABIC))
				break;
			return -1;
		default:
			break;
		}
		if (cp[i] >= 0x0660 && cp[i] <= 0x0669)
			arabic = 1;
		if (cp[i] >= 0x06f0 && cp[i] <= 0x06f9)
			extended = 1;
	}
	return arabic && extended ? -1 : 0;
}

/* RFC 3492 encoding of cp[0..n) into out (no "xn--"); its length, or
 * -1 past max bytes. */
static long
format_punyencode(const uint32_t *cp, size_t n, char *out, size_t max)
{
	uint64_t	 m, q, k, t, delta = 0, bias = 72, code = 128;
	size_t		 i, b = 0, h, o = 0;
	int		 d;

	for (i = 0; i < n; i++)
		if (cp[i] < 0x80) {
			if (o == max)
				return -1;
			out[o++] = (char)cp[i];
			b++;
		}
	if (b > 0) {
		if (o == max)
			return -1;
		out[o++] = '-';
	}
	for (h = b; h < n;) {
		for (m = UINT32_MAX, i = 0; i < n; i++)
			if (cp[i] >= code && cp[i] < m)
				m = cp[i];
		delta += (m - code) * (h + 1);
		code = m;
		for (i = 0; i < n; i++) {
			if (cp[i] < code)
				delta++;
			if (cp[i] != code)
				continue;
			for (q = delta, k = 36;; k += 36) {
				t = k <= bias ? 1 : k >= bias + 26 ? 26 : k - bias;
				if (q < t)
					break;
				d = (int)(t + (q - t) % (36 - t));
				if (o == max)
					return -1;
				out[o++] = (char)(d < 26 ? 'a' + d : '0' + d - 26);
				q = (q - t) / (36 - t);
			}
			if (o == max)
				return -1;
			out[o++] = (char)(q < 26 ? 'a' + q : '0' + q - 26);
			/* adapt() */
			delta = h == b ? delta / 700 : delta / 2;
			delta += delta / (h + 1);
			for (k = 0; delta > 455; k += 36)
				delta /= 35;
			bias = k + 36 * delta / (delta + 38);
			delta = 0;
			h++;
		}
		delta++;
		code++;
	}
	return (long)o;
}

/* An A-label ("xn--..."): canonical Punycode of a valid, non-ASCII
 * U-label, whose code points land in cp. */
static int
format_alabel(const char *s, size_t n, uint32_t *cp, size_t *ncp,
    size_t max)
{
	char	again[64];
	long	elen;
	size_t	i;
	int	ascii = 1;

	if (n < 5 || (s[0] | 0x20) != 'x' || (s[1] | 0x20) != 'n' ||
	    s[2] != '-' || s[3] != '-' ||
	    format_punycode(s + 4, n - 4, cp, ncp, max) == -1)
		return -1;
	for (i = 0; i < *ncp; i++)
		if (cp[i] >= 0x80)
			ascii = 0;
	if (ascii || format_ulabel(cp, *ncp) == -1)
		return -1;
	elen = format_punyencode(cp, *ncp, again, sizeof(again));
	if (elen != (long)(n - 4))
		return -1;
	for (i = 0; i < n - 4; i++)
		if ((s[4 + i] | 0x20) != again[i])
			return -1;
	return 0;
}

/* RFC 5893's rule for one label of a domain name with RTL labels. */
static int
format_bidi(const uint32_t *cp, size_t n)
{
	size_t	i, last;
	int	rtl, en = 0, an = 0;

	if (format_is(cp[0], FC_R) || format_is(cp[0], FC_AL))
		rtl = 1;
	else if (format_is(cp[0], FC_L))
		rtl = 0;
	else
		return -1;
	for (last = n; last > 0 && format_is(cp[last - 1], FC_NSM); last--)
		;
	if (last == 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (format_is(cp[i], FC_EN))
			en = 1;
		else if (format_is(cp[i], FC_AN))
			an = 1;
		else if (format_is(cp[i], FC_ES) || format_is(cp[i], FC_CS) ||
		    format_is(cp[i], FC_ET) || format_is(cp[i], FC_ON) ||
		    format_is(cp[i], FC_BN) || format_is(cp[i], FC_NSM))
			continue;
		else if (rtl ? !(format_is(cp[i], FC_R) ||
		    format_is(cp[i], FC_AL)) : !format_is(cp[i], FC_L))
			return -1;
		if (!rtl && an)
			return -1;
	}
	if (rtl)
		return en && an ? -1 : (format_is(cp[last - 1], FC_R) ||
		    format_is(cp[last - 1], FC_AL) ||
		    format_is(cp[last - 1], FC_EN) ||
		    format_is(cp[last - 1], FC_AN)) ? 0 : -1;
	return format_is(cp[last - 1], FC_L) ||
	    format_is(cp[last - 1], FC_EN) ? 0 : -1;
}

/* The next UTF-8 code point of s[*ip..len); -1 on a malformed one. */
static long
format_utf8(const char *s, size_t len, size_t *ip)
{
	const unsigned char	*u = (const unsigned char *)s + *ip;
	size_t			 n, i, left = len - *ip;
	long			 c;

	if (u[0] < 0x80)
		n = 1, c = u[0];
	else if ((u[0] & 0xe0) == 0xc0)
		n = 2, c = u[0] & 0x1f;
	else if ((u[0] & 0xf0) == 0xe0)
		n = 3, c = u[0] & 0x0f;
	else if ((u[0] & 0xf8) == 0xf0)
		n = 4, c = u[0] & 0x07;
	else
		return -1;
	if (n > left)
		return -1;
	for (i = 1; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return -1;
		c = (c << 6) | (u[i] & 0x3f);
	}
	/* Overlong forms, surrogates and beyond U+10FFFF are not UTF-8. */
	if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) ||
	    (n == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return -1;
	*ip += n;
	return c;
}

/*
 * RFC 5890's internationalized host name: labels (separated by ".",
 * U+3002, U+FF0E or U+FF61) that are LDH labels, A-labels or U-labels,
 * at most 63 octets each and 253 in all as A-labels, and the Bidi rule
 * when any label is right-to-left.
 */
int
format_idn_hostname(const char *s, size_t len)
{
	uint32_t	 cp[256], *lab[128];
	size_t		 nlab[128], nl = 0, ncp = 0, i = 0, start, total = 0;
	size_t		 j, n, dec;
	char		 a[64];
	long		 c, elen;
	int		 ascii, sep, bidi = 0;

	if (len == 0)
		return -1;
	for (;;) {
		/* One label: up to a separator or the end. */
		start = ncp;
		ascii = 1;
		sep = 0;
		while (i < len) {
			if ((c = format_utf8(s, len, &i)) == -1)
				return -1;
			if (c == '.' || c == 0x3002 || c == 0xff0e ||
			    c == 0xff61) {
				sep = 1;
				break;
			}
			if (ncp == sizeof(cp) / sizeof(cp[0]))
				return -1;
			if (c >= 0x80)
				ascii = 0;
			cp[ncp++] = (uint32_t)c;
		}
		n = ncp - start;
		if (n == 0 || nl == sizeof(lab) / sizeof(lab[0]))
			return -1;	/* an empty label */
		if (ascii) {
			if (n > 63)
				return -1;
			for (j = 0; j < n; j++)
				a[j] = (char)cp[start + j];
			if (format_label(a, n) == -1)
				return -1;
			total += n;
			if (n >= 4 && a[2] == '-' && a[3] == '-') {
				/* An A-label: the Bidi rule reads its
				 * U-label. */
				if (format_alabel(a, n, cp + start, &dec,
				    sizeof(cp) / sizeof(cp[0]) - start) == -1)
					return -1;
				ncp = start + dec;
			}
		} else {
			if (format_ulabel(cp + start, n) == -1 ||
			    (elen = format_punyencode(cp + start, n, a,
			    sizeof(a))) == -1 || elen + 4 > 63)
				return -1;
			total += (size_t)elen + 4;
		}
		lab[nl] = cp + start;
		nlab[nl++] = ncp - start;
		for (j = start; j < ncp; j++)
			if (format_is(cp[j], FC_R) || format_is(cp[j], FC_AL) ||
			    format_is(cp[j], FC_AN))
				bidi = 1;
		if (!sep)
			break;
		if (i == len)
			return -1;	/* a trailing separator */
		total++;
	}
	if (total > 253)
		return -1;
	for (j = 0; bidi && j < nl; j++)
		if (format_bidi(lab[j], nlab[j]) == -1)
			return -1;
	return 0;
}

/* One LDH label of a host name. */
static int
format_label(const char *s, size_t n)
{
	size_t	i;

	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return -1;
	for (i = 0; i < n; i++)
		if (!(F_ALPHA(s[i]) || F_DIGIT(s[i]) || s[i] == '-'))
			return -1;
	/* Hyphens in positions 3 and 4 are for A-labels ("xn--") only,
	 * which must decode to a valid U-label. */
	if (n >= 4 && s[2] == '-' && s[3] == '-') {
		uint32_t	cp[64];
		size_t		ncp;

		if (format_alabel(s, n, cp, &ncp, 64) == -1)
			return -1;
	}
	return 0;
}

int
format_hostname(const char *s, size_t len)
{
	size_t	i, start = 0;

	if (len == 0 || len > 253)
		return -1;
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (format_label(s + start, i - start) == -1)
			return -1;
		start = i + 1;
	}
	return 0;
}

int
format_ipv4(const char *s, size_t len)
{
	size_t	i = 0;
	int	part, digits, v;

	for (part = 0; part < 4; part++) {
		if (part > 0) {
			if (i >= len || s[i] != '.')
				return -1;
			i++;
		}
		for (v = 0, digits = 0; i < len && F_DIGIT(s[i]); i++) {
			if (digits > 0 && v == 0)
				return -1;	/* a leading zero */
			v = v * 10 + (s[i] - '0');
			if (++digits > 3)
				return -1;
		}
		if (digits == 0 || v > 255)
			return -1;
	}
	return i == len ? 0 : -1;
}

int
format_ipv6(const char *s, size_t len)
{
	size_t	i = 0, start, j;
	int	groups = 0, gap = 0, digits;

	if (len >= 2 && s[0] == ':' && s[1] == ':') {
		gap = 1;
		i = 2;
		if (len == 2)
			return 0;
	} else if (len > 0 && s[0] == ':')
		return -1;
	while (i < len) {
		start = i;
		for (digits = 0; i < len && F_HEX(s[i]); i++)
			digits++;
		if (i < len && s[i] == '.') {
			/* A trailing IPv4 address: two groups. */
			for (j = start; j < len; j++)
				if (s[j] == ':')
					return -1;
			if (format_ipv4(s + start, len - start) == -1)
				return -1;
			groups += 2;
			i = len;
			break;
		}
		if (digits == 0 || digits > 4)
			return -1;
		groups++;
		if (i == len)
			break;
		if (s[i] != ':')
			return -1;
		i++;
		if (i < len && s[i] == ':') {
			if (gap)
				return -1;
			gap = 1;
			i++;
			if (i == len)
				break;
		} else if (i == len)
			return -1;	/* a trailing single ':' */
	}
	return gap ? (groups <= 7 ? 0 : -1) : (groups == 8 ? 0 : -1);
}

int
format_uuid(const char *s, size_t len)
{
	size_t	i;

	if (len != 36)
		return -1;
	for (i = 0; i < len; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return -1;
		} else if (!F_HEX(s[i]))
			return -1;
	}
	return 0;
}

/* ECMA-262's long Unicode property names, as PCRE2 spells them. */
static const struct {
	const char	*ecma;
	const char	*pcre;
} format_props[] = {
	{ "Letter", "L" }, { "Cased_Letter", "L&" },
	{ "Uppercase_Letter", "Lu" }, { "Lowercase_Letter", "Ll" },
	{ "Titlecase_Letter", "Lt" }, { "Modifier_Letter", "Lm" },
	{ "Other_Letter", "Lo" }, { "Mark", "M" }, { "Combining_Mark", "M" },
	{ "Nonspacing_Mark", "Mn" }, { "Spacing_Mark", "Mc" },
	{ "Enclosing_Mark", "Me" }, { "Number", "N" },
	{ "Decimal_Number", "Nd" }, { "digit", "Nd" },
	{ "Letter_Number", "Nl" }, { "Other_Number", "No" },
	{ "Punctuation", "P" }, { "punct", "P" },
	{ "Connector_Punctuation", "Pc" }, { "Dash_Punctuation", "Pd" },
	{ "Open_Punctuation", "Ps" }, { "Close_Punctuation", "Pe" },
	{ "Initial_Punctuation", "Pi" }, { "Final_Punctuation", "Pf" },
	{ "Other_Punctuation", "Po" }, { "Symbol", "S" },
	{ "Math_Symbol", "Sm" }, { "Currency_Symbol", "Sc" },
	{ "Modifier_Symbol", "Sk" }, { "Other_Symbol", "So" },
	{ "Separator", "Z" }, { "Space_Separator", "Zs" },
	{ "Line_Separator", "Zl" }, { "Paragraph_Separator", "Zp" },
	{ "Other", "C" }, { "Control", "Cc" }, { "cntrl", "Cc" },
	{ "Format", "Cf" }, { "Unassigned", "Cn" }, { "Private_Use", "Co" },
	{ "Surrogate", "Cs" },
};

char *
format_pattern(const char *src)
{
	const char	*p, *end, *name;
	char		*out, *d;
	size_t		 i, n;

	/* A translation is never longer than its source. */
	out = xmalloc(strlen(src) + 1);
	for (p = src, d = out; *p != '\0';) {
		if (p[0] == '\\' && (p[1] == 'p' || p[1] == 'P') &&
		    p[2] == '{' && (end = strchr(p + 3, '}')) != NULL) {
			name = p + 3;
			if ((n = (size_t)(end - name)) > 7 &&
			    strncmp(name, "Script=", 7) == 0)
				name += 7;
			else if (n > 3 && strncmp(name, "sc=", 3) == 0)
				name += 3;
			else if (n > 17 &&
			    strncmp(name, "General_Category=", 17) == 0)
				name += 17;
			else if (n > 3 && strncmp(name, "gc=", 3) == 0)
				name += 3;
			n = (size_t)(end - name);
			*d++ = *p;
			*d++ = p[1];
			*d++ = '{';
			for (i = 0; i < sizeof(format_props) /
			    sizeof(format_props[0]); i++)
				if (strlen(format_props[i].ecma) == n &&
				    strncmp(format_props[i].ecma, name, n) == 0)
					break;
			if (i < sizeof(format_props) / sizeof(format_props[0])) {
				memcpy(d, format_props[i].pcre,
				    strlen(format_props[i].pcre));
				d += strlen(format_props[i].pcre);
			} else {
				memcpy(d, name, n);
				d += n;
			}
			*d++ = '}';
			p = end + 1;
			continue;
		}
		if (p[0] == '\\' && p[1] != '\0')
			*d++ = *p++;
		*d++ = *p++;
	}
	*d = '\0';
	return out;
}

/*
 * An ECMA-262 regular expression: what PCRE2 compiles, less the syntax
 * ECMA-262 does not have (inline flags and comments, Python's (?P...),
 * \a), plus variable-width lookbehind, which ECMA-262 has and this
 * PCRE2 does not.
 */
int
format_regex(const char *s, size_t len)
{
	pcre2_code	*re;
	PCRE2_SIZE	 off;
	char		*src, *pcre;
	size_t		 i;
	int		 err, inclass = 0;

	if (memchr(s, '\0', len) != NULL)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] == '\\') {
			if (i + 1 < len && s[i + 1] == 'a')
				return -1;
			i++;
		} else if (inclass) {
			if (s[i] == ']')
				inclass = 0;
		} else if (s[i] == '[')
			inclass = 1;
		else if (s[i] == '(' && i + 1 < len && s[i + 1] == '?') {
			if (i + 2 >= len)
				return -1;
			switch (s[i + 2]) {
			case ':':
			case '=':
			case '!':
				break;
			case '<':
				if (i + 3 < len && (s[i + 3] == '=' ||
				    s[i + 3] == '!' || F_ALPHA(s[i + 3]) ||
				    s[i + 3] == '_' || s[i + 3] == '$'))
					break;
				return -1;
			default:
				return -1;
			}
		}
	}
	src = xmalloc(len + 1);
	memcpy(src, s, len);
	src[len] = '\0';
	pcre = format_pattern(src);
	free(src);
	re = pcre2_compile((PCRE2_SPTR)pcre, PCRE2_ZERO_TERMINATED,
	    FORMAT_PCRE2_OPTIONS, &err, &off, NULL);
	free(pcre);
	if (re == NULL)
		return err == PCRE2_ERROR_LOOKBEHIND_NOT_FIXED_LENGTH ? 0 : -1;
	pcre2_code_free(re);
	return 0;
}

int
format_json_pointer(const char *s, size_t len)
{
	size_t	i;

	if (len > 0 && s[0] != '/')
		return -1;
	for (i = 0; i < len; i++)
		if (s[i] == '~' && (i + 1 >= len ||
		    (s[i + 1] != '0' && s[i + 1] != '1')))
			return -1;
	return 0;
}

int
format_relative_json_pointer(const char *s, size_t len)
{
	size_t	i = 0;

	if (len == 0 || !F_DIGIT(s[0]))
		return -1;
	if (s[0] == '0')
		i = 1;
	else
		while (i < len && F_DIGIT(s[i]))
			i++;
	if (i < len && (s[i] == '+' || s[i] == '-')) {
		/* index manipulation: +N or -N, N > 0 */
		i++;
		if (i >= len || !F_DIGIT(s[i]) || s[i] == '0')
			return -1;
		while (i < len && F_DIGIT(s[i]))
			i++;
	}
	if (i == len)
		return 0;
	if (s[i] == '#')
		return i + 1 == len ? 0 : -1;
	return format_json_pointer(s + i, len - i);
}

/* RFC 3986 character classes. */
static int
format_unreserved(int c)
{
	return F_ALPHA(c) || F_DIGIT(c) || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

static int
format_subdelim(int c)
{
	return c != '\0' && strchr("!$&'()*+,;=", c) != NULL;
}

/*
 * pchars (and the extra characters in more) from *ip up to a character
 * that is neither; -1 on a malformed %-escape.  iri: RFC 3987, where
 * any non-ASCII character is unreserved too.
 */
static int
format_pchars(const char *s, size_t len, size_t *ip, const char *more,
    int iri)
{
	size_t	i = *ip;

	while (i < len) {
		if (s[i] == '%') {
			if (i + 2 >= len || !F_HEX(s[i + 1]) || !F_HEX(s[i + 2]))
				return -1;
			i += 3;
		} else if (format_unreserved(s[i]) || format_subdelim(s[i]) ||
		    (iri && (unsigned char)s[i] >= 0x80) ||
		    (s[i] != '\0' && strchr(more, s[i]) != NULL))
			i++;
		else
			break;
	}
	*ip = i;
	return 0;
}

/* [userinfo@]host[:port] */
static int
format_authority(const char *s, size_t len, int iri)
{
	const char	*at, *end;
	size_t		 i = 0;

	if ((at = memchr(s, '@', len)) != NULL) {
		if (format_pchars(s, (size_t)(at - s), &i, ":", iri) == -1 ||
		    i != (size_t)(at - s))
			return -1;
		i++;
	}
	if (i < len && s[i] == '[') {
		if ((end = memchr(s + i, ']', len - i)) == NULL)
			return -1;
		if (i + 1 < len && (s[i + 1] == 'v' || s[i + 1] == 'V')) {
			/* IPvFuture */
			size_t	j = i + 2;

			while (j < (size_t)(end - s) && F_HEX(s[j]))
				j++;
			if (j == i + 2 || s[j] != '.')
				return -1;
		} else if (format_ipv6(s + i + 1, (size_t)(end - s) - i - 1) ==
		    -1)
			return -1;
		i = (size_t)(end - s) + 1;
	} else {
		if (format_pchars(s, len, &i, "", iri) == -1)
			return -1;
	}
	if (i < len && s[i] == ':') {
		for (i++; i < len && F_DIGIT(s[i]); i++)
			;
	}
	return i == len ? 0 : -1;
}

/* scheme ":" at s, *ip after the colon; -1 when there is none. */
static int
format_scheme(const char *s, size_t len, size_t *ip)
{
	size_t	i;

	if (len == 0 || !F_ALPHA(s[0]))
		return -1;
	for (i = 1; i < len && (F_ALPHA(s[i]) || F_DIGIT(s[i]) ||
	    s[i] == '+' || s[i] == '-' || s[i] == '.'); i++)
		;
	if (i >= len || s[i] != ':')
		return -1;
	*ip = i + 1;
	return 0;
}

/*
 * From s[i]: ["//" authority] path ["?" query] ["#" fragment].  rel: a
 * relative reference, whose first path segment may not hold ':'.
 */
static int
format_uri_rest(const char *s, size_t len, size_t i, int rel, int iri)
{
	size_t	j;

	if (i + 1 < len && s[i] == '/' && s[i + 1] == '/') {
		i += 2;
		for (j = i; j < len && s[j] != '/' && s[j] != '?' &&
		    s[j] != '#'; j++)
			;
		if (format_authority(s + i, j - i, iri) == -1)
			return -1;
		i = j;
	} else if (rel) {
		j = i;
		if (format_pchars(s, len, &j, "@", iri) == -1)
			return -1;
		if (j < len && s[j] == ':')
			return -1;
	}
	if (format_pchars(s, len, &i, ":@/", iri) == -1)
		return -1;
	if (i < len && s[i] == '?') {
		i++;
		if (format_pchars(s, len, &i, ":@/?", iri) == -1)
			return -1;
	}
	if (i < len && s[i] == '#') {
		i++;
		if (format_pchars(s, len, &i, ":@/?", iri) == -1)
			return -1;
	}
	return i == len ? 0 : -1;
}

/* An absolute URI (IRI), or with ref a reference, relative or not. */
static int
format_uriref(const char *s, size_t len, int ref, int iri)
{
	size_t	i;

	if (format_scheme(s, len, &i) == 0)
		return format_uri_rest(s, len, i, 0, iri);
	return ref ? format_uri_rest(s, len, 0, 1, iri) : -1;
}

int
format_uri(const char *s, size_t len)
{
	return format_uriref(s, len, 0, 0);
}

int
format_uri_reference(const char *s, size_t len)
{
	return format_uriref(s, len, 1, 0);
}

/* RFC 3987: a URI where non-ASCII characters are characters. */
int
format_iri(const char *s, size_t len)
{
	return format_uriref(s, len, 0, 1);
}

int
format_iri_reference(const char *s, size_t len)
{
	return format_uriref(s, len, 1, 1);
}

/* RFC 6570 varname [":" max-length | "*"] at s[*ip]. */
static int
format_varspec(const char *s, size_t len, size_t *ip)
{
	size_t	i = *ip, digits;
	int	dot = 1;

	for (; i < len; i++) {
		if (s[i] == '%') {
			if (i + 2 >= len || !F_HEX(s[i + 1]) || !F_HEX(s[i + 2]))
				return -1;
			i += 2;
			dot = 0;
		} else if (F_ALPHA(s[i]) || F_DIGIT(s[i]) || s[i] == '_')
			dot = 0;
		else if (s[i] == '.' && !dot)
			dot = 1;
		else
			break;
	}
	if (dot)
		return -1;	/* empty, or ending in "." */
	if (i < len && s[i] == '*')
		i++;
	else if (i < len && s[i] == ':') {
		i++;
		if (i >= len || s[i] < '1' || s[i] > '9')
			return -1;
		for (digits = 0; i < len && F_DIGIT(s[i]); i++)
			digits++;
		if (digits > 4)
			return -1;
	}
	*ip = i;
	return 0;
}

int
format_uri_template(const char *s, size_t len)
{
	size_t	i = 0;
	int	c;

	while (i < len) {
		c = (unsigned char)s[i];
		if (c == '{') {
			i++;
			if (i < len && strchr("+#./;?&", s[i]) != NULL &&
			    s[i] != '\0')
				i++;
			for (;;) {
				if (format_varspec(s, len, &i) == -1)
					return -1;
				if (i < len && s[i] == ',') {
					i++;
					continue;
				}
				break;
			}
			if (i >= len || s[i] != '}')
				return -1;
			i++;
		} else if (c == '%') {
			if (i + 2 >= len || !F_HEX(s[i + 1]) || !F_HEX(s[i + 2]))
				return -1;
			i += 3;
		} else if (c <= ' ' || c == 0x7f || strchr("\"<>\\^`|}", c) !=
		    NULL)
			return -1;
		else
			i++;
	}
	return 0;
}

/*
 * RFC 5321 Mailbox: a dot-atom or quoted-string local part, then a host
 * name or an address literal ([192.0.2.1], [IPv6:...]).
 */
static int
format_mailbox(const char *s, size_t len, int idn)
{
	static const char	atext[] = "!#$%&'*+-/=?^_`{|}~";
	size_t			i = 0, at;

	if (len == 0)
		return -1;
	if (s[0] == '"') {
		for (i = 1; i < len && s[i] != '"'; i++) {
			if (s[i] == '\\') {
				if (++i >= len || s[i] < ' ' || s[i] > '~')
					return -1;
			} else if ((s[i] < ' ' || s[i] > '~') &&
			    !(idn && (unsigned char)s[i] >= 0x80))
				return -1;
		}
		if (i >= len)
			return -1;
		i++;
	} else {
		for (; i < len && s[i] != '@'; i++) {
			if (s[i] == '.') {
				if (i == 0 || s[i - 1] == '.' ||
				    i + 1 >= len || s[i + 1] == '@')
					return -1;
			} else if (!(F_ALPHA(s[i]) || F_DIGIT(s[i]) ||
			    (idn && (unsigned char)s[i] >= 0x80) ||
			    (s[i] != '\0' && strchr(atext, s[i]) != NULL)))
				return -1;
		}
		if (i == 0 || i > 64)
			return -1;
	}
	if (i >= len || s[i] != '@')
		return -1;
	at = i + 1;
	if (at >= len)
		return -1;
	if (s[at] == '[') {
		if (s[len - 1] != ']')
			return -1;
		if (len - at > 6 && strncmp(s + at + 1, "IPv6:", 5) == 0)
			return format_ipv6(s + at + 6, len - at - 7);
		return format_ipv4(s + at + 1, len - at - 2);
	}
	return idn ? format_idn_hostname(s + at, len - at) :
	    format_hostname(s + at, len - at);
}

int
format_email(const char *s, size_t len)
{
	return format_mailbox(s, len, 0);
}

/* RFC 6531: the same, with UTF-8 in the local part and the domain. */
int
format_idn_email(const char *s, size_t len)
{
	return format_mailbox(s, len, 1);
}
