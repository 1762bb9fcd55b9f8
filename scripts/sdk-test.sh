#!/usr/bin/env bash
# sdk-test.sh SERVER - the API through a generated TypeScript client.
#
#  1. openapi-typescript writes the types of openapi.yaml to build/sdk/
#     (tests/sdk/generate.mjs);
#  2. tsc type-checks tests/sdk/client.test.mts against them and compiles
#     it (always, whatever the server can do yet: a spec change that the
#     client code no longer fits fails here);
#  3. the compiled test drives SERVER, started on a free port with a fresh
#     database (scripts/with-server.py), through openapi-fetch.
set -euo pipefail
cd "$(dirname "$0")/.."
export TEST_SERVER
TEST_SERVER=$(realpath "$1")

rm -rf build/sdk
node tests/sdk/generate.mjs build/sdk/api.d.ts
echo "sdk: types generated (build/sdk/api.d.ts); type-checking tests/sdk"
node_modules/.bin/tsc -p tests/sdk
exec scripts/with-pg.sh /usr/bin/python3 scripts/with-server.py \
	node --test --test-reporter=spec build/sdk/js/client.test.mjs
