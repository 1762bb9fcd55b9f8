/*
 * genspec.c - spec.c: the spec embedded, as written and as JSON.
 *
 * The server answers /openapi.yaml and /openapi.json from these arrays,
 * so it serves exactly the spec it was generated from and needs neither
 * the file nor a YAML parser at run time.  The bytes become concatenated
 * string literals (see buf_cstring_lines()), the lengths exclude the
 * terminating NUL.
 */
#include <string.h>

#include "codegen.h"

void
genspec_emit(struct buf *b, const char *yaml, size_t yamllen,
    const char *json, const char *spec)
{
	size_t	jsonlen = strlen(json);

	buf_printf(b, CODEGEN_HEADER, spec);
	buf_puts(b, "/*\n * spec.c - ");
	buf_comment(b, spec);
	buf_puts(b, " as written (api_spec_yaml) and as compact\n"
	    " * JSON (api_spec_json), for the server to publish.\n"
	    " */\n"
	    "#include <stddef.h>\n"
	    "\n"
	    "#include \"api.h\"\n"
	    "\n"
	    "const char api_spec_yaml[] =\n");
	buf_cstring_lines(b, yaml, yamllen, "\t");
	buf_printf(b, ";\nconst size_t api_spec_yaml_len = %zu;\n\n"
	    "const char api_spec_json[] =\n", yamllen);
	buf_cstring_lines(b, json, jsonlen, "\t");
	buf_printf(b, ";\nconst size_t api_spec_json_len = %zu;\n", jsonlen);
}
