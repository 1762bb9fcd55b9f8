# Makefile - spec-first C API server.
#
#   make          regenerate generated/ if openapi.yaml or codegen/ changed,
#                 build the optimised server (build/release/server)
#   make run      install missing dependencies, build, start PostgreSQL when
#                 DATABASE_URL is unset, serve on $HOST:$PORT
#   make test     every suite, built with ASan+UBSan
#
# Two build modes share the sources: release (-O2) and debug (-O1 -g with
# AddressSanitizer and UndefinedBehaviorSanitizer), in build/<mode>/.

CC		?= cc
PKGS		:= jansson libsodium yaml-0.1 libpq libcurl libpcre2-8 openssl
# Kore's headers must be read with the features Debian's kore was built
# with (they change struct http_request).
KORE_FEATURES	:= $(shell cat /usr/share/kore/features 2>/dev/null)
PKG_CFLAGS	:= $(shell pkg-config --cflags $(PKGS) 2>/dev/null) \
		   $(KORE_FEATURES)
PKG_LIBS	:= $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm

WARN		:= -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
		   -Wmissing-prototypes -Wno-unused-parameter
BASE_CFLAGS	:= -std=c11 -D_GNU_SOURCE -fPIC $(WARN) -Iruntime -Igenerated \
		   -Ihandlers $(PKG_CFLAGS) -MMD -MP
SAN		:= -fsanitize=address,undefined -fno-omit-frame-pointer \
		   -fno-sanitize-recover=undefined

MODE		?= release
ifeq ($(MODE),debug)
OPT		:= -O1 -g $(SAN) -DDEBUG_BUILD
# The module stays mapped when Kore unloads it (runtime/service.c: its
# exit handler must outlive Kore's dlclose in the workers and key manager).
MODULE_LDFLAGS	:= -Wl,-z,nodelete
else
OPT		:= -O2 -g
endif
CFLAGS		:= $(BASE_CFLAGS) $(OPT) $(EXTRA_CFLAGS)
LDFLAGS		:= $(OPT)

B		:= build/$(MODE)

RUNTIME_SRC	:= $(sort $(wildcard runtime/*.c))
GEN_SRC		:= $(sort $(wildcard generated/*.c))
HANDLER_SRC	:= $(sort $(wildcard handlers/*.c))
APP_SRC		:= $(sort $(wildcard app/*.c))
CODEGEN_SRC	:= $(sort $(wildcard codegen/*.c))
UNIT_SRC	:= $(sort $(wildcard tests/unit/test_*.c))

RUNTIME_OBJ	:= $(RUNTIME_SRC:%.c=$(B)/%.o)
GEN_OBJ		:= $(GEN_SRC:%.c=$(B)/%.o)
HANDLER_OBJ	:= $(HANDLER_SRC:%.c=$(B)/%.o)
APP_OBJ		:= $(APP_SRC:%.c=$(B)/%.o)
# The generator shares the runtime's allocator and arena.
CODEGEN_OBJ	:= $(CODEGEN_SRC:%.c=$(B)/%.o) $(B)/runtime/util.o $(B)/runtime/arena.o \
		   $(B)/runtime/format.o $(B)/runtime/db.o
UNIT_BIN	:= $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

# The application module Kore loads (kore.conf: load).
SERVER		:= $(B)/app.so
CODEGEN		:= $(B)/bin/codegen
GEN_STAMP	:= generated/.stamp

.PHONY: all server run test unit codegen-test http-test check-generated \
	deps clean scaffold check-config describe-queries check-queries bench bench-serialize json-schema-suite realspecs realworld realworld-http fuzz fuzz-codegen fuzz-multipart lint sdk-test prism-test browser-test
.DEFAULT_GOAL := all

all: $(GEN_STAMP)
	@$(MAKE) --no-print-directory server
	@$(CODEGEN) -n handlers openapi.yaml

# Appends a stub with the right signature to handlers/<tag>.c for every
# operation without a handler; existing code is never touched.
scaffold: $(CODEGEN)
	@$(CODEGEN) -s handlers openapi.yaml

server: $(SERVER)

# --- the generator, and the code it writes --------------------------------
$(CODEGEN): $(CODEGEN_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# generated/ is rewritten only when the spec, the queries or the generator
# changed; the generator leaves files whose content did not change
# untouched.  query.h/query.c come from sql/queries: the .sql files and
# their committed description (no database needed here).
QUERY_SRC	:= $(sort $(wildcard sql/queries/*.sql)) sql/queries/queries.json

$(GEN_STAMP): openapi.yaml $(QUERY_SRC) $(CODEGEN)
	$(CODEGEN) -o generated openapi.yaml
	$(CODEGEN) -q sql/queries -o generated
	@touch $@

# The description of the queries, from PostgreSQL: each query prepared
# and described in a scratch database with sql/migrations applied.  Run
# it after changing a query or a migration, then make, and commit both.
describe-queries: $(CODEGEN)
	@scripts/with-pg.sh $(CODEGEN) -d sql/queries -m sql/migrations
	@$(MAKE) --no-print-directory $(GEN_STAMP)

# make test: the committed description against the database now; fails
# naming the query and the column that drifted or no longer prepares.
# The describer's own fixtures (tests/codegen/queries-*: what it writes,
# and the drift messages) run against the same database.
check-queries: $(CODEGEN)
	@scripts/with-pg.sh $(CODEGEN) -c -d sql/queries -m sql/migrations
	@scripts/with-pg.sh scripts/describe-fixtures.sh $(CODEGEN) tests/codegen

# --- the server: an application module for Kore ------------------------
$(SERVER): $(APP_OBJ) $(HANDLER_OBJ) $(GEN_OBJ) $(RUNTIME_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $(MODULE_LDFLAGS) -shared -o $@ $^ $(PKG_LIBS)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# --- tests -------------------------------------------------------------
# Unit tests link the runtime (and generated/handlers when they need them;
# the linker drops what is unused).  Each tests/unit/test_X.c is a cmocka
# program.
# The runtime comes as the archive: a test takes only the modules it
# uses, and the Kore functions those call are tests/unit/kore_stub.c's.
$(B)/tests/%: tests/unit/%.c $(GEN_OBJ) $(HANDLER_OBJ) $(B)/libruntime.a \
    $(B)/tests/kore_stub.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS) -lcmocka

$(B)/tests/kore_stub.o: tests/unit/kore_stub.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# One PostgreSQL for the whole run: scripts/with-pg.sh starts a private
# cluster when DATABASE_URL is unset and stops it afterwards.
test: deps
	@scripts/with-pg.sh $(MAKE) --no-print-directory MODE=debug \
	    check-generated check-queries lint codegen-test json-schema-suite unit \
	    realworld realworld-http fuzz-codegen fuzz-multipart \
	    http-test prism-test sdk-test browser-test

unit: $(UNIT_BIN)
	@scripts/run-unit.sh $(UNIT_BIN)

codegen-test: $(CODEGEN) $(B)/libruntime.a $(B)/tests/kore_stub.o
	@scripts/codegen-fixtures.sh $(CODEGEN) tests/codegen
	@CC="$(CC)" CFLAGS="$(CFLAGS)" \
	    LIBS="$(abspath $(B)/tests/kore_stub.o) $(PKG_LIBS) -lcmocka" \
	    scripts/schema-cases.sh $(CODEGEN) $(B)/libruntime.a \
	    $(B)/schema-cases

# The JSON-Schema-Test-Suite (draft 2020-12, ../shared/json-schema-test-
# suite) through the generator and the generated validators, as request
# bodies (scripts/json-schema-suite.py).
json-schema-suite: $(CODEGEN) $(B)/libruntime.a $(B)/tests/kore_stub.o
	@CC="$(CC)" CFLAGS="$(CFLAGS)" \
	    LIBS="$(abspath $(B)/tests/kore_stub.o) $(PKG_LIBS)" \
	    scripts/json-schema-suite.py $(CODEGEN) $(B)/libruntime.a \
	    $(B)/json-schema-suite

# The reply serializer against jansson (bench/serialize.c); results in
# bench/RESULTS.md.
bench-serialize:
	@$(MAKE) --no-print-directory MODE=release build/release/bin/bench-serialize
	@build/release/bin/bench-serialize

$(B)/bin/bench-serialize: bench/serialize.c $(B)/generated/model.o \
    $(B)/libruntime.a $(B)/tests/kore_stub.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS)

# The generator on others' specs: Swagger Petstore, the oas-examples,
# The public API descriptions of ../shared/realspecs/ (Stripe, OpenAI,
# Kubernetes, DigitalOcean's multi-file document, ...): each generates with
# the warnings tests/realworld/ lists and compiles at -O0 (a few minutes).
realworld: $(CODEGEN)
	@scripts/realworld.sh $(CODEGEN) $(B)/realworld

# GitHub's REST API (npm packages into build/realspecs; slow: minutes).
realspecs: $(CODEGEN)
	@scripts/realspecs.sh $(CODEGEN) build/realspecs

# The runtime as an archive: fixture programs take only what they use.
$(B)/libruntime.a: $(RUNTIME_OBJ)
	@rm -f $@
	ar rcs $@ $^

# The parameter test server (tests/http/test_params.py): a module built
# from tests/http/params/openapi.yaml, the runtime, and its echo handlers.
PARAMS		:= $(B)/params
$(PARAMS)/gen/.stamp: tests/http/params/openapi.yaml $(CODEGEN)
	$(CODEGEN) -o $(PARAMS)/gen tests/http/params/openapi.yaml
	@touch $@

$(PARAMS)/app.so: $(PARAMS)/gen/.stamp tests/http/params/app.c \
    tests/http/stubapp.c $(RUNTIME_OBJ)
	$(CC) -I$(PARAMS)/gen $(filter-out -MMD -MP,$(CFLAGS)) \
	    $(MODULE_LDFLAGS) -shared -o $@ \
	    tests/http/stubapp.c tests/http/params/app.c $(PARAMS)/gen/*.c \
	    $(RUNTIME_OBJ) $(PKG_LIBS)

# Servers built from Stripe's, OpenAI's and Kubernetes' documents (every
# operation a 501 stub), linked from the objects make realworld compiled,
# answer a valid request 501, an invalid one 422 and an unknown path 404
# (tests/http/test_realworld.py).  Run make realworld first.
REALWORLD_SERVE	:= stripe openai k8s-core-v1
realworld-http: $(RUNTIME_OBJ)
	@for n in $(REALWORLD_SERVE); do \
	    d=$(B)/realworld/$$n; \
	    [ -f $$d/obj/model.c.o ] || { echo "realworld-http: no $$d/obj:" \
	        "run make realworld first" >&2; exit 1; }; \
	    $(CC) -I$$d $(filter-out -MMD -MP,$(CFLAGS)) $(MODULE_LDFLAGS) -shared \
	        -o $$d/app.so tests/http/stubapp.c $$d/obj/*.o \
	        $(RUNTIME_OBJ) $(PKG_LIBS) || exit 1; \
	done
	@REALWORLD_DIR=$(abspath $(B)/realworld) scripts/with-pg.sh \
	    /usr/bin/python3 -m unittest discover -s tests/http \
	    -p test_realworld.py -v

http-test: $(SERVER) $(PARAMS)/app.so
	@scripts/http-test.sh $(SERVER)

# The HTTP tests once more through Stoplight Prism (proxy mode), which
# checks every response against openapi.yaml.
prism-test: $(SERVER)
	@scripts/prism-test.sh $(SERVER)

# The API through a TypeScript client generated from the spec
# (openapi-typescript + openapi-fetch), type-checked with tsc first.
sdk-test: $(SERVER)
	@scripts/sdk-test.sh $(SERVER)

# /docs and /redoc in Debian's Chromium, driven by playwright-core.
browser-test: $(SERVER)
	@scripts/browser-test.sh $(SERVER)

# openapi.yaml against the rule set in .redocly.yaml, and the fixtures in
# tests/lint/ that prove the rules catch what they should.
lint:
	@scripts/lint.sh

# CI fails when generated/ does not match what the generator writes now.
check-generated: $(CODEGEN)
	@scripts/check-generated.sh $(CODEGEN)

# --- fuzzing (clang's libFuzzer) ----------------------------------------
# tests/fuzz/fuzz_NAME.c is a libFuzzer target; its seeds are in
# tests/fuzz/corpus/NAME/ (read, never written: what the run finds goes to
# build/fuzz/corpus-NAME/) and its dictionary is tests/fuzz/NAME.dict.
FUZZ_CC		?= clang
FUZZ_SECONDS	?= 10
FUZZ_CFLAGS	:= -std=c11 -D_GNU_SOURCE -g -O1 -Iruntime \
		   -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined

build/fuzz/fuzz_multipart: tests/fuzz/fuzz_multipart.c runtime/multipart.c \
    runtime/multipart.h runtime/util.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^)

# The generated decoders and encoders (the application's model, and the
# composition fixture's for unions and cycles), and the parameter / form
# value parsers.  make test runs them FUZZ_SECONDS each; make fuzz longer.
FUZZ_RUNTIME	:= runtime/validate.c runtime/param.c runtime/jsonw.c \
		   runtime/arena.c \
		   runtime/util.c runtime/request.c runtime/reply.c \
		   runtime/log.c runtime/jschema.c runtime/format.c \
		   tests/unit/kore_stub.c
FUZZ_LIBS	:= $(shell pkg-config --libs jansson libpcre2-8 2>/dev/null) \
		   -lm -lpthread
FUZZ_GEN	:= build/fuzz/gen-composition

build/fuzz/fuzz_decode build/fuzz/fuzz_params: build/fuzz/fuzz_%: \
    tests/fuzz/fuzz_%.c generated/model.c $(FUZZ_RUNTIME)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(PKG_CFLAGS) -Igenerated -o $@ \
	    $(filter %.c,$^) $(FUZZ_LIBS)

$(FUZZ_GEN)/model.c: tests/codegen/schema-composition/openapi.yaml $(CODEGEN)
	@mkdir -p $(FUZZ_GEN)
	cd tests/codegen/schema-composition && \
	    $(abspath $(CODEGEN)) -o $(abspath $(FUZZ_GEN)) openapi.yaml

build/fuzz/fuzz_decode_composition: tests/fuzz/fuzz_decode.c \
    $(FUZZ_GEN)/model.c $(FUZZ_RUNTIME)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(PKG_CFLAGS) -I$(FUZZ_GEN) -o $@ \
	    $(filter %.c,$^) $(FUZZ_LIBS)

# The JSON-valued schemas (runtime/jschema.c), by the keywords fixture.
build/fuzz/gen-keywords/model.c: tests/codegen/schema-keywords/openapi.yaml \
    $(CODEGEN)
	@mkdir -p $(dir $@)
	cd tests/codegen/schema-keywords && \
	    $(abspath $(CODEGEN)) -o $(abspath $(dir $@)) openapi.yaml

build/fuzz/fuzz_decode_keywords: tests/fuzz/fuzz_decode.c \
    build/fuzz/gen-keywords/model.c $(FUZZ_RUNTIME)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(PKG_CFLAGS) -Ibuild/fuzz/gen-keywords \
	    -o $@ $(filter %.c,$^) $(FUZZ_LIBS)

# The generator itself on any spec: the YAML reader, $refs, the schema
# compiler and the code writers (seeded with the generator's fixtures).
build/fuzz/fuzz_spec: tests/fuzz/fuzz_spec.c \
    $(filter-out codegen/main.c codegen/describe.c,$(CODEGEN_SRC)) runtime/util.c \
    runtime/arena.c runtime/format.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(PKG_CFLAGS) -Icodegen -o $@ \
	    $(filter %.c,$^) $(FUZZ_LIBS) -lyaml

# The format checkers (runtime/format.c) on any string.
build/fuzz/fuzz_format: tests/fuzz/fuzz_format.c runtime/format.c \
    runtime/format.h runtime/util.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(FUZZ_LIBS)

fuzz-codegen: build/fuzz/fuzz_decode build/fuzz/fuzz_decode_composition \
    build/fuzz/fuzz_decode_keywords build/fuzz/fuzz_params build/fuzz/fuzz_spec \
    build/fuzz/fuzz_format
	@mkdir -p build/fuzz/corpus-decode build/fuzz/corpus-params \
	    build/fuzz/corpus-spec build/fuzz/seed-spec
	@for d in tests/codegen/*/; do \
	    [ -f $$d/openapi.yaml ] || continue; \
	    cp $$d/openapi.yaml build/fuzz/seed-spec/$$(basename $$d).yaml; \
	done
	@build/fuzz/fuzz_spec -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	    -print_final_stats=1 build/fuzz/corpus-spec build/fuzz/seed-spec \
	    >build/fuzz/spec.log 2>&1 || { cat build/fuzz/spec.log; exit 1; }
	@echo "fuzz_spec: $$(grep -h number_of_executed_units \
	    build/fuzz/spec.log | sed 's/.*: //') runs, no failure"
	@mkdir -p build/fuzz/corpus-format
	@build/fuzz/fuzz_format -max_total_time=$(FUZZ_SECONDS) -max_len=512 \
	    -print_final_stats=1 -dict=tests/fuzz/format.dict \
	    build/fuzz/corpus-format tests/fuzz/corpus/format \
	    >build/fuzz/format.log 2>&1 || \
	    { cat build/fuzz/format.log; exit 1; }
	@echo "fuzz_format: $$(grep -h number_of_executed_units \
	    build/fuzz/format.log | sed 's/.*: //') runs, no failure"
	@for t in decode decode_composition decode_keywords params; do \
	    c=$${t%_*}; \
	    build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
	    -max_len=2048 -print_final_stats=1 \
	    $$( [ $$c = decode ] && echo -dict=tests/fuzz/decode.dict ) \
	    build/fuzz/corpus-$$c tests/fuzz/corpus/$$c \
	    >build/fuzz/$$t.log 2>&1 || { cat build/fuzz/$$t.log; exit 1; }; \
	    echo "fuzz_$$t: $$(grep -h number_of_executed_units \
	    build/fuzz/$$t.log | sed 's/.*: //') runs, no failure"; \
	done

fuzz:
	@$(MAKE) --no-print-directory FUZZ_SECONDS=300 fuzz-codegen \
	    fuzz-multipart

# The multipart parser (runtime/multipart.c), whole against chunked.
fuzz-multipart: build/fuzz/fuzz_multipart
	@mkdir -p build/fuzz/corpus-multipart
	@$< -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -print_final_stats=1 \
	    -dict=tests/fuzz/multipart.dict \
	    build/fuzz/corpus-multipart tests/fuzz/corpus/multipart \
	    >build/fuzz/multipart.log 2>&1 || \
	    { cat build/fuzz/multipart.log; exit 1; }
	@echo "fuzz_multipart: $$(grep -h number_of_executed_units \
	    build/fuzz/multipart.log | sed 's/.*: //') runs, no failure"

# --- running -----------------------------------------------------------
deps:
	@scripts/deps.sh

run: deps
	@$(MAKE) --no-print-directory MODE=release all
	@scripts/run.sh kore.conf

# The application's settings checked the way the server reads them: Kore
# started with CHECK_CONFIG=1 stops after reading them (runtime/service.c)
# and says what is wrong, all of it, or "configuration OK".
check-config:
	@$(MAKE) --no-print-directory MODE=release server
	@CHECK_CONFIG=1 kore -c kore.conf -f -n -r -q

bench: deps
	@$(MAKE) --no-print-directory MODE=release all
	@bench/run.sh

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
