/*
 * fuzz_format.c - libFuzzer target for the format checkers
 * (runtime/format.c), which read request strings: every checker on the
 * input, and the pattern translation on it as a NUL-terminated string.
 * None may crash, leak or read out of bounds (ASan, UBSan).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const char *const names[] = { "date", "date-time", "duration",
	    "email", "hostname", "idn-email", "idn-hostname", "ipv4", "ipv6",
	    "iri", "iri-reference", "json-pointer", "regex",
	    "relative-json-pointer", "time", "uri", "uri-reference",
	    "uri-template", "uuid" };
	const struct format_info	*f;
	char				*s;
	size_t				 i;

	/* An exact-length copy: reading past len is ASan's to catch. */
	s = xmalloc(len > 0 ? len : 1);
	memcpy(s, data, len);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if ((f = format_lookup(names[i])) == NULL)
			abort();
		(void)f->check(s, len);
	}
	free(s);
	s = xmalloc(len + 1);
	memcpy(s, data, len);
	s[len] = '\0';
	free(format_pattern(s));
	free(s);
	return 0;
}
