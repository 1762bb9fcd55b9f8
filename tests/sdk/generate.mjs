// generate.mjs OUT - write the TypeScript types of openapi.yaml to OUT with
// openapi-typescript, as a user would from /openapi.json.  Two options on
// top of the defaults:
//  - defaultNonNullable: false, so a request field that has a default
//    (PostCreate.published) stays optional, as the spec says; the default
//    (true) would make the client send it every time;
//  - openapi-typescript's documented recipe for uploads: `format: binary`
//    becomes Blob instead of string, so a multipart body is typed as the
//    file it carries.
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import openapiTS, { astToString } from "openapi-typescript";

const out = process.argv[2];
if (!out) {
  console.error("usage: node generate.mjs OUT.d.ts");
  process.exit(2);
}
const spec = new URL("../../openapi.yaml", import.meta.url);
const BLOB = ts.factory.createTypeReferenceNode(ts.factory.createIdentifier("Blob"));

const ast = await openapiTS(spec, {
  defaultNonNullable: false,
  transform(schema) {
    if (schema.format === "binary") return BLOB;
    return undefined;
  },
});
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, astToString(ast));
