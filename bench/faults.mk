# Fault and hostile-input suites (never part of `make test`):
#   make faults   scripted faults (kill -9 MariaDB, Redis, summitd; three instances) against a
#                 real summitd under a registration load: tests/faults/faults.c, run with its own
#                 private services (var/faults, their own ports); .ci/run calls it.
#   make fuzz     both fuzzers, one after the other: fuzz-request, then fuzz-api (below).
#   make fuzz-request  the libFuzzer target tests/fuzz/fuzz_request.c for FUZZ_SECONDS (default
#                 60), built with clang -fsanitize=fuzzer,address,undefined over the whole library.
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_B       := $(B)/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS   = -std=c11 -D_GNU_SOURCE -O1 -g $(WARN) -I. $(PKG_CFLAGS) $(FUZZ_SAN) \
                -fsanitize=fuzzer-no-link
FUZZ_OBJ     := $(LIB_SRC:%.c=$(FUZZ_B)/%.o) $(FUZZ_B)/gen/migrations.o $(FUZZ_B)/gen/web.o

.PHONY: fuzz fuzz-build fuzz-request faults

$(FUZZ_B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

# The generated sources (migrations, the embedded web client) as the library has them.
$(FUZZ_B)/gen/%.o: $(B)/gen/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_B)/fuzz_request: tests/fuzz/fuzz_request.c $(FUZZ_OBJ)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer tests/fuzz/fuzz_request.c $(FUZZ_OBJ) \
		$(PKG_LIBS) -lcrypt -lpthread -lm -o $@

fuzz-build:
	@scripts/deps.sh clang libclang-rt-14-dev
	@$(MAKE) --no-print-directory $(FUZZ_B)/fuzz_request

fuzz:
	@$(MAKE) --no-print-directory fuzz-request
	@$(MAKE) --no-print-directory fuzz-api

# New inputs go to var/fuzz/corpus (the checked-in seeds stay as they are); crashes to var/fuzz/.
fuzz-request: fuzz-build
	@mkdir -p var/fuzz/corpus
	$(FUZZ_B)/fuzz_request -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
		-max_len=4096 -print_final_stats=1 -dict=tests/fuzz/request.dict \
		-artifact_prefix=var/fuzz/ var/fuzz/corpus tests/fuzz/corpus

$(B)/tests/faults/faults: tests/faults/faults.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE -O1 -g $(WARN) -I. $(shell pkg-config --cflags libcjson) $< \
		$(shell pkg-config --libs libcjson) -lpthread -o $@

# About 1–2 minutes: its own MariaDB and Redis under var/faults, four scenarios.
faults: deps
	@$(MAKE) --no-print-directory $(B)/summitd $(B)/tests/faults/faults
	@SUMMITD_BIN=$(abspath $(B)/summitd) $(B)/tests/faults/faults

# make fuzz-api: the live-server API fuzzer tests/fuzz/api_fuzz.c (a plain program linked with
# the route table) against the ASan+UBSan summitd of build/asan, with its own MariaDB and Redis
# under var/fuzz-api, for FUZZ_API_SECONDS (default 120). SEED=… repeats a run; FUZZ_API_ARGS
# passes options. evhttp-error-page is a documented limit (README, Known limits): skipped by
# default; FUZZ_API_ARGS= without it shows those pages too.
FUZZ_API_SECONDS ?= 120
FUZZ_API_ARGS    ?= --skip evhttp-error-page
FUZZ_API_SERVER  ?= build/asan/summitd

.PHONY: fuzz-api

$(B)/tests/fuzz/api_fuzz: tests/fuzz/api_fuzz.c $(B)/libsummitd.a
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE -O1 -g $(WARN) -I. $(PKG_CFLAGS) $< $(B)/libsummitd.a \
		$(PKG_LIBS) -lcrypt -lpthread -lm -o $@

fuzz-api: deps
	@$(MAKE) --no-print-directory $(B)/tests/fuzz/api_fuzz
	@$(MAKE) --no-print-directory B=build/asan SAN=1 OPT=-O1 build/asan/summitd
	SUMMITD_BIN=$(abspath $(FUZZ_API_SERVER)) FUZZ_API_SECONDS=$(FUZZ_API_SECONDS) \
		$(B)/tests/fuzz/api_fuzz $(FUZZ_API_ARGS)
