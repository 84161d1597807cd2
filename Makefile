# summitd — plain Makefile. `make run` and `make test` work on a fresh Debian 12 as root.
#
# Layout: every .c under server/, handlers/ and matching/ (except server/main.c) goes into
# $(B)/libsummitd.a; build/summitd links server/main.c against it; every tests/unit/test_*.c
# and tests/integration/test_*.c is its own Criterion binary linked against the library
# (integration tests also against tests/lib/*.c, the harness and HTTP client).

B        ?= build
SAN      ?=
OPT      ?= -O2
PKGS     := libevent libevent_pthreads hiredis libmariadb libcjson libcrypto
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

LIB_SRC  := $(filter-out server/main.c,$(wildcard server/*.c handlers/*.c matching/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/%.o) $(B)/gen/migrations.o
SQL_SRC  := $(sort $(wildcard sql/[0-9]*.sql))
MAIN_OBJ := $(B)/server/main.o
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:%.c=$(B)/%)
IT_LIB_SRC := $(wildcard tests/lib/*.c)
IT_LIB_OBJ := $(IT_LIB_SRC:%.c=$(B)/%.o)
IT_SRC   := $(wildcard tests/integration/test_*.c)
IT_BIN   := $(IT_SRC:%.c=$(B)/%)
TOOL_SRC := $(wildcard tools/*.c)
TOOL_BIN := $(TOOL_SRC:tools/%.c=$(B)/tools/%)

# Criterion runs tests in parallel; integration tests share one private MariaDB and Redis.
CRITERION_JOBS ?= 2
export SUMMITD_BIN := $(abspath $(B)/summitd)

# Keep object files of tests and tools between runs (make would delete them as intermediates).
.SECONDARY:

.PHONY: all deps services services-stop run test test-run unit integration asan clean \
        format migrate valgrind

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

$(B)/libsummitd.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(B)/summitd: $(MAIN_OBJ) $(B)/libsummitd.a
	$(CC) $(MAIN_OBJ) $(B)/libsummitd.a $(LDLIBS_ALL) -o $@

$(B)/tests/unit/%: $(B)/tests/unit/%.o $(B)/libsummitd.a
	$(CC) $< $(B)/libsummitd.a $(LDLIBS_ALL) -lcriterion -o $@

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

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t --jobs $(CRITERION_JOBS); done

integration: $(IT_BIN) $(B)/summitd
	@set -e; for t in $(IT_BIN); do echo "== $$t"; $$t --jobs $(CRITERION_JOBS); done

# The whole suite under AddressSanitizer and UBSan, in its own build tree.
asan: deps
	@$(MAKE) --no-print-directory B=build/asan SAN=1 OPT=-O1 test-run

# The server under valgrind for the foundation's integration tests (a valgrind error fails them).
valgrind: deps all
	@scripts/deps.sh valgrind
	@scripts/services.sh start
	@set -e; for t in $(B)/tests/integration/test_accounts $(B)/tests/integration/test_server; do \
	    echo "== valgrind: $$t"; SUMMITD_VALGRIND=1 $$t --jobs 1; done

migrate: $(B)/summitd
	$(B)/summitd --config config/dev.conf migrate

format:
	clang-format -i $(wildcard server/*.[ch] handlers/*.[ch] matching/*.[ch] tests/*/*.[ch])

clean:
	rm -rf build

-include $(wildcard bench/*.mk)
-include $(shell find build -name '*.d' 2>/dev/null)
