/*
 * magic.c - file types by signature (magic.h).
 *
 *	JPEG	FF D8 FF
 *	PNG	89 50 4E 47 0D 0A 1A 0A
 *	WebP	"RIFF" <4 bytes: size> "WEBP"
 *	PDF	"%PDF-"
 */
#include <string.h>

#include "magic.h"
#include "util.h"

static const struct magic_type magic_types[] = {
	{ "image/jpeg", "jpg" },
	{ "image/png", "png" },
	{ "image/webp", "webp" },
	{ "application/pdf", "pdf" },
};

const struct magic_type *
magic_detect(const void *buf, size_t n)
{
	const unsigned char	*p = buf;

	if (n >= 3 && memcmp(p, "\xff\xd8\xff", 3) == 0)
		return &magic_types[0];
	if (n >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		return &magic_types[1];
	if (n >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
		return &magic_types[2];
	if (n >= 5 && memcmp(p, "%PDF-", 5) == 0)
		return &magic_types[3];
	return NULL;
}

const struct magic_type *
magic_by_ext(const char *ext)
{
	size_t	i;

	for (i = 0; i < nitems(magic_types); i++)
		if (strcmp(magic_types[i].ext, ext) == 0)
			return &magic_types[i];
	return NULL;
}
