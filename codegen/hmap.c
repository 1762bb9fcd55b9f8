/*
 * hmap.c - a string-keyed hash map (open addressing, linear probing).
 *
 * Duplicate checks over thousands of operations, mapping lookups and the
 * routing trie's children all go through here so that no check is
 * quadratic in the size of the spec.  The map stores key pointers only:
 * the caller keeps keys alive for the map's lifetime.
 */
#include <stdlib.h>
#include <string.h>

#include "codegen.h"

struct hmap_slot {
	const char	*key;
	size_t		 len;
	unsigned long	 hash;
	void		*value;		/* NULL: empty slot */
};

struct hmap {
	struct hmap_slot	*slots;
	size_t			 mask;
	size_t			 count;
};

static void		 hmap_grow(struct hmap *);
static struct hmap_slot	*hmap_slot(struct hmap *, const char *, size_t,
			    unsigned long);

unsigned long
hmap_hash(const char *key, size_t len)
{
	unsigned long long	h = 14695981039346656037ULL;	/* FNV-1a */
	size_t			i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 1099511628211ULL;
	}
	return ((unsigned long)(h ^ (h >> 29)));
}

struct hmap *
hmap_new(void)
{
	struct hmap	*h;

	h = xcalloc(1, sizeof(*h));
	h->mask = 15;
	h->slots = xcalloc(h->mask + 1, sizeof(*h->slots));
	return (h);
}

void
hmap_free(struct hmap *h)
{
	if (h == NULL)
		return;
	free(h->slots);
	free(h);
}

void *
hmap_get(const struct hmap *h, const char *key, size_t len)
{
	unsigned long	 hash;
	size_t		 i;
	struct hmap_slot *s;

	hash = hmap_hash(key, len);
	for (i = hash & h->mask;; i = (i + 1) & h->mask) {
		s = &h->slots[i];
		if (s->value == NULL)
			return (NULL);
		if (s->hash == hash && s->len == len &&
		    memcmp(s->key, key, len) == 0)
			return (s->value);
	}
}

/* The slot holding key, or the empty slot where it would go. */
static struct hmap_slot *
hmap_slot(struct hmap *h, const char *key, size_t len, unsigned long hash)
{
	struct hmap_slot	*s;
	size_t			 i;

	for (i = hash & h->mask;; i = (i + 1) & h->mask) {
		s = &h->slots[i];
		if (s->value == NULL)
			return (s);
		if (s->hash == hash && s->len == len &&
		    memcmp(s->key, key, len) == 0)
			return (s);
	}
}

/* Inserts key unless present; returns the value already there, or NULL
 * when value was inserted.  This is the duplicate check. */
void *
hmap_insert(struct hmap *h, const char *key, size_t len, void *value)
{
	struct hmap_slot	*s;
	unsigned long		 hash;

	if ((h->count + 1) * 2 > h->mask + 1)
		hmap_grow(h);
	hash = hmap_hash(key, len);
	s = hmap_slot(h, key, len, hash);
	if (s->value != NULL)
		return (s->value);
	s->key = key;
	s->len = len;
	s->hash = hash;
	s->value = value;
	h->count++;
	return (NULL);
}

/* Inserts or replaces. */
void
hmap_set(struct hmap *h, const char *key, size_t len, void *value)
{
	struct hmap_slot	*s;
	unsigned long		 hash;

	if ((h->count + 1) * 2 > h->mask + 1)
		hmap_grow(h);
	hash = hmap_hash(key, len);
	s = hmap_slot(h, key, len, hash);
	if (s->value == NULL)
		h->count++;
	s->key = key;
	s->len = len;
	s->hash = hash;
	s->value = value;
}

static void
hmap_grow(struct hmap *h)
{
	struct hmap_slot	*old, *s;
	size_t			 oldn, i, j, mask;

	old = h->slots;
	oldn = h->mask + 1;
	mask = oldn * 2 - 1;
	h->slots = xcalloc(mask + 1, sizeof(*h->slots));
	h->mask = mask;
	for (i = 0; i < oldn; i++) {
		if (old[i].value == NULL)
			continue;
		for (j = old[i].hash & mask;; j = (j + 1) & mask) {
			s = &h->slots[j];
			if (s->value == NULL) {
				*s = old[i];
				break;
			}
		}
	}
	free(old);
}
