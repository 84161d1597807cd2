# summitd — plain Makefile. `make run` and `make test` work on a fresh Debian 12 as root.
#
# Layout: every .c under base/, server/, handlers/ and matching/ (except server/main.c) goes into
# $(B)/libsummitd.a; build/summitd links server/main.c against it; every tests/unit/test_*.c
# and tests/integration/test_*.c is its own Criterion binary linked against the library
# (integration tests also against tests/lib/it.c and http, the harness and HTTP client).
#
# Sanitizer runs (`make asan`, `make tsan`) sanitize what is under test: summitd and the unit
# suites. The integration test binaries only drive a server over HTTP, so they are always the
# plain ones from build/ (see "Why the test drivers are not sanitized" in the README: an ASan
# Criterion runner can deadlock in fork). Sanitized unit suites run in process
# (tests/lib/inproc.c) instead of under Criterion's forking runner, for the same reason.

B        ?= build
SAN      ?=
OPT      ?= -O2
PKGS     := libevent libevent_pthreads hiredis libmariadb libcjson libcrypto libqrencode libcurl
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
            -Wundef -Wpointer-arith
ifeq ($(SAN),1)
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
endif
CFLAGS   ?= $(OPT) -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(CFLAGS) $(WARN) $(SANFLAGS) -MMD -MP -I. $(PKG_CFLAGS)
LDLIBS_ALL = $(SANFLAGS) $(PKG_LIBS) -lcrypt -lpthread -lm

LIB_SRC  := $(filter-out server/main.c,$(wildcard base/*.c server/*.c handlers/*.c matching/*.c notify/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/%.o) $(B)/gen/migrations.o $(B)/gen/web.o
SQL_SRC  := $(sort $(wildcard sql/[0-9]*.sql))
# The web client's files (scripts/embed_web.sh decides which), and web/'s directories: adding or
# removing a file changes its directory, which rebuilds the embedding.
WEB_SRC  := $(shell scripts/embed_web.sh --list web)
WEB_DIRS := $(shell find web -type d -not -path '*/node_modules*')
MAIN_OBJ := $(B)/server/main.o
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:%.c=$(B)/%)
IT_LIB_SRC := $(filter-out tests/lib/inproc.c,$(wildcard tests/lib/*.c))
IT_LIB_OBJ := $(IT_LIB_SRC:%.c=$(B)/%.o)
IT_SRC   := $(wildcard tests/integration/test_*.c)
IT_BIN   := $(IT_SRC:%.c=$(B)/%)
TOOL_SRC := $(wildcard tools/*.c)
TOOL_BIN := $(TOOL_SRC:tools/%.c=$(B)/tools/%)

# Criterion runs tests in parallel; integration tests share one private MariaDB and Redis.
CRITERION_JOBS ?= 2
# The server the integration tests start (a sanitizer run points it at its own build).
SUMMITD_BIN ?= $(abspath $(B)/summitd)
export SUMMITD_BIN
# Every test binary runs under scripts/run-tests.sh: a time limit per binary (seconds; on
# expiry it names the hung test, prints the backtraces of its processes and fails at once).
UNIT_LIMIT ?= 300
IT_LIMIT   ?= 900
RUN_TESTS   = scripts/run-tests.sh --jobs $(CRITERION_JOBS)

# Keep object files of tests and tools between runs (make would delete them as intermediates).
.SECONDARY:

.PHONY: web-vendor all deps services services-stop run test test-run unit integration asan clean \
        format migrate valgrind stress-tests contract body-fields

all: $(B)/summitd $(UNIT_BIN) $(IT_BIN) $(TOOL_BIN)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# The migrations travel inside the binary.
$(B)/gen/migrations.c: $(SQL_SRC) scripts/embed_sql.sh
	@mkdir -p $(dir $@)
	scripts/embed_sql.sh $@ $(SQL_SRC)

$(B)/gen/migrations.o: $(B)/gen/migrations.c
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# So does the web client (server/static.h): every file under web/ but the development ones.
$(B)/gen/web.c: $(WEB_SRC) $(WEB_DIRS) $(wildcard web/.embedignore) scripts/embed_web.sh
	@mkdir -p $(dir $@)
	scripts/embed_web.sh $@ web

# The client's third-party code (web/vendor/, committed: `make run` needs no Node.js), rebuilt
# from tools/web's npm lockfile by `make web-vendor` after a version change there.
web-vendor:
	cd tools/web && npm ci --no-audit --no-fund --loglevel=error
	scripts/vendor_web.sh

$(B)/gen/web.o: $(B)/gen/web.c
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(B)/libsummitd.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(B)/summitd: $(MAIN_OBJ) $(B)/libsummitd.a
	$(CC) $(MAIN_OBJ) $(B)/libsummitd.a $(LDLIBS_ALL) -o $@

# Sanitized unit suites link the in-process runner instead of libcriterion (see the top).
ifeq ($(SAN),)
UNIT_RUNNER := -lcriterion
UNIT_DEPS   :=
else
UNIT_RUNNER := $(B)/tests/lib/inproc.o
UNIT_DEPS   := $(B)/tests/lib/inproc.o
endif

$(B)/tests/unit/%: $(B)/tests/unit/%.o $(B)/libsummitd.a $(UNIT_DEPS)
	$(CC) $< $(B)/libsummitd.a $(UNIT_RUNNER) $(LDLIBS_ALL) -o $@

$(B)/tests/integration/%: $(B)/tests/integration/%.o $(IT_LIB_OBJ) $(B)/libsummitd.a
	$(CC) $< $(IT_LIB_OBJ) $(B)/libsummitd.a $(LDLIBS_ALL) -lcriterion -o $@

$(B)/tools/%: $(B)/tools/%.o $(B)/libsummitd.a
	$(CC) $< $(B)/libsummitd.a $(LDLIBS_ALL) -o $@

deps:
	@scripts/deps.sh

services: deps
	@scripts/services.sh start

services-stop:
	@scripts/services.sh stop

# Serve the demo on 127.0.0.1:8080 until Ctrl-C; stops the services it started.
run: deps
	@$(MAKE) --no-print-directory $(B)/summitd
	@scripts/run.sh

# Unit tests, then integration tests against a real summitd, MariaDB and Redis.
test: deps
	@$(MAKE) --no-print-directory test-run

test-run: all
	@scripts/services.sh start
	@$(MAKE) --no-print-directory unit integration
	@$(MAKE) --no-print-directory contract

# The contract (docs/openapi.yaml) checked with the Node tools of tools/contract (npm ci from the
# committed lockfile; no network after that): Redocly lint, TypeScript types generated from it and
# web/js/api.js type-checked against them, server/body_fields.c not stale, and every exchange the
# last integration run recorded (var/contract/) valid against it.
CONTRACT := tools/contract
# Node trusts only its own CA list, not the system's: where the system bundle exists (it may hold
# the CA of a TLS-inspecting proxy in front of the npm registry), npm and node trust it as well.
ifneq ($(wildcard /etc/ssl/certs/ca-certificates.crt),)
export NODE_EXTRA_CA_CERTS ?= /etc/ssl/certs/ca-certificates.crt
endif
$(CONTRACT)/node_modules/.package-lock.json: $(CONTRACT)/package.json $(CONTRACT)/package-lock.json
	cd $(CONTRACT) && npm ci --no-audit --no-fund --loglevel=error

contract: $(CONTRACT)/node_modules/.package-lock.json
	@t0=$$(date +%s); cd $(CONTRACT) && \
	    node_modules/.bin/redocly lint --config redocly.yaml --format=summary ../../docs/openapi.yaml && \
	    mkdir -p ../../var && \
	    node_modules/.bin/openapi-typescript ../../docs/openapi.yaml -o ../../var/api-types.d.ts \
	        --silent && \
	    { cmp -s ../../var/api-types.d.ts ../../web/js/api-types.d.ts || \
	      { cp ../../var/api-types.d.ts ../../web/js/api-types.d.ts; \
	        echo "contract: web/js/api-types.d.ts was stale (regenerated now): commit it"; exit 1; }; } && \
	    node_modules/.bin/tsc -p tsconfig.json && echo "contract: web/js/api.js type-checks" && \
	    node body_fields.mjs --check && node validate.mjs && \
	    echo "contract: done in $$(( $$(date +%s) - t0 )) s"

# Regenerates server/body_fields.c (strict request bodies) from docs/openapi.yaml.
body-fields: $(CONTRACT)/node_modules/.package-lock.json
	cd $(CONTRACT) && node body_fields.mjs

unit: $(UNIT_BIN)
	@$(RUN_TESTS) --limit $(UNIT_LIMIT) $(UNIT_BIN)

# IT_CLUSTER=1 points the harness at the cluster of scripts/cluster.sh (bench/cluster.mk).
# Every exchange the harness has with summitd is recorded under var/contract/ (tests/lib/it.c),
# for `make contract`; a new run starts with an empty directory.
# Against the cluster (IT_CLUSTER=1) nothing else starts the SMTP server the e-mail tests read
# (scripts/services.sh: SD_MYSQL_PORT - 900), so this does, for the run.
integration: $(IT_BIN) $(B)/summitd
	@rm -rf var/contract
ifeq ($(IT_CLUSTER),1)
	@scripts/services.sh stop-smtp # one on make test's port would be taken for this one
	@$(IT_RUN_ENV) scripts/services.sh start-smtp
	@$(IT_RUN_ENV) $(RUN_TESTS) --limit $(IT_LIMIT) $(IT_BIN); rc=$$?; \
	    $(IT_RUN_ENV) scripts/services.sh stop-smtp; exit $$rc
else
	@$(IT_RUN_ENV) $(RUN_TESTS) --limit $(IT_LIMIT) $(IT_BIN)
endif

# The whole suite again with summitd and the unit suites under AddressSanitizer + UBSan (own
# build tree build/asan); the integration drivers are the plain ones from build/.
ASAN_B := build/asan
asan: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory B=$(ASAN_B) SAN=1 OPT=-O1 $(ASAN_B)/summitd \
	    $(UNIT_SRC:%.c=$(ASAN_B)/%)
	@scripts/services.sh start
	@$(RUN_TESTS) --limit $(UNIT_LIMIT) $(UNIT_SRC:%.c=$(ASAN_B)/%)
	@SUMMITD_BIN=$(abspath $(ASAN_B)/summitd) $(RUN_TESTS) --limit $(IT_LIMIT) $(IT_BIN)

# The integration binaries N times in a row under the CI configuration (summitd with ASan+UBSan),
# reporting hangs, crashes and flaky failures by test name: make stress-tests N=20
N ?= 20
stress-tests: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory B=$(ASAN_B) SAN=1 OPT=-O1 $(ASAN_B)/summitd
	@scripts/services.sh start
	@SUMMITD_BIN=$(abspath $(ASAN_B)/summitd) scripts/stress-tests.sh $(N) $(IT_LIMIT) $(IT_BIN)

# The server under valgrind for the foundation's integration tests (a valgrind error fails them).
valgrind: deps all
	@scripts/deps.sh valgrind
	@scripts/services.sh start
	@set -e; for t in $(B)/tests/integration/test_accounts $(B)/tests/integration/test_server; do \
	    echo "== valgrind: $$t"; SUMMITD_VALGRIND=1 $$t --jobs 1; done

migrate: $(B)/summitd
	$(B)/summitd --config config/dev.conf migrate

format:
	clang-format -i $(wildcard base/*.[ch] server/*.[ch] handlers/*.[ch] matching/*.[ch] notify/*.[ch] tests/*/*.[ch])

clean:
	rm -rf build

-include $(wildcard bench/*.mk)
-include tests/e2e/e2e.mk
-include $(shell find build -name '*.d' 2>/dev/null)
