/*
 * fuzz_decode.c - libFuzzer target for the generated JSON decoders and
 * encoders (a spec's generated/model.c, linked in by the Makefile: the
 * example application's, and the composition fixture's for unions and
 * $ref cycles).
 *
 * Input: one byte choosing a component schema and the direction
 * (request or response), then a JSON document.  Whatever the document,
 * decoding must not crash, leak or read out of bounds (ASan, UBSan); the
 * failures must be well-formed; and a document that decodes must encode
 * to JSON that decodes again (as a response: readOnly members are
 * written) and encodes to the same text.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "arena.h"
#include "jsonw.h"
#include "model.h"
#include "util.h"
#include "validate.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static int			 ready;
	const struct model_schema	*ms;
	const struct validate_error	*e;
	struct validate			 v;
	struct arena			*a;
	struct jsonw			 w, w2;
	json_t				*doc, *again;
	void				*out, *out2;
	int				 rc;

	if (!ready) {
		model_init();
		ready = 1;
	}
	if (len < 1 || model_nschemas == 0)
		return 0;
	ms = &model_schemas[(data[0] >> 1) % model_nschemas];
	doc = json_loadb((const char *)data + 1, len - 1, JSON_DECODE_ANY,
	    NULL);
	if (doc == NULL)
		return 0;
	a = arena_new(4096);
	validate_init(&v, a, data[0] & 1 ? VALIDATE_RESPONSE :
	    VALIDATE_REQUEST);
	out = arena_calloc(a, 1, ms->size);
	rc = ms->decode(&v, doc, out);
	if ((rc == 0) != (v.nerrors == 0))
		abort();
	for (e = v.errors; e != NULL; e = e->next)
		if (e->field == NULL || e->message == NULL || e->type == NULL ||
		    validate_utf8_len(e->field, strlen(e->field)) < 0)
			abort();
	if (rc == 0) {
		jsonw_init(&w, a, 64);
		ms->encode(&w, out);
		if ((again = json_loadb(w.buf, w.len, JSON_DECODE_ANY,
		    NULL)) == NULL)
			abort();
		validate_init(&v, a, VALIDATE_RESPONSE);
		out2 = arena_calloc(a, 1, ms->size);
		if (ms->decode(&v, again, out2) != 0)
			abort();
		jsonw_init(&w2, a, 64);
		ms->encode(&w2, out2);
		if (w.len != w2.len || memcmp(w.buf, w2.buf, w.len) != 0)
			abort();
		json_decref(again);
	}
	json_decref(doc);
	arena_free(a);
	return 0;
}
