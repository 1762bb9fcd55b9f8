/*
 * fuzz_spec.c - libFuzzer target for the generator itself: the YAML
 * reader (codegen/ytree.c), $ref resolution, the model and the schema
 * compiler, and the code writers, on any input.
 *
 * Input: a spec, as a file would hold it.  Whatever it is (NULs in
 * strings, huge numbers, deep nesting, anchors and aliases, duplicate
 * keys), the generator must report errors or write code, never crash,
 * leak or read out of bounds (ASan, UBSan).  Nothing is written to disk.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codegen.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct ytree	 tree;
	struct model	 model;
	struct buf	 out;
	char		*yaml, *json = NULL;

	yaml = xmalloc(len + 1);
	memcpy(yaml, data, len);
	yaml[len] = '\0';
	memset(&tree, 0, sizeof(tree));
	model_init(&model);
	buf_init(&out);
	if (ytree_parse(&tree, yaml, len) == 0) {
		ref_resolve(&tree);
		model_build(&model, &tree);
		schema_build(&model, &tree);
		json = tojson_convert(&tree);
	}
	if (diag_count() == 0 && json != NULL) {
		genapi_header(&out, &model, "fuzz.yaml");
		genroutes_emit(&out, &model, "fuzz.yaml");
		genmodel_header(&out, &model, "fuzz.yaml");
		genmodel_code(&out, &model, "fuzz.yaml");
		genglue_emit(&out, &model, "fuzz.yaml");
		genspec_emit(&out, yaml, len, json, "fuzz.yaml");
	}
	diag_cleanup();
	buf_free(&out);
	free(json);
	model_cleanup(&model);
	ytree_cleanup(&tree);
	free(yaml);
	return 0;
}
