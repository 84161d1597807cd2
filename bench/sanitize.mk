# make tsan: the integration suite against a summitd built with ThreadSanitizer (its own tree,
# build/tsan), the Criterion drivers built plain (build/) and pointed at it with SUMMITD_BIN,
# then TSAN_FUZZ_SECONDS (60) of tests/fuzz/api_fuzz with 4 clients at once (loops, workers,
# the sync thread, the match index, metrics and the loop cache under concurrent load; only
# crashes and sanitizer reports count there). tests/lib/it.c fails a test whose server log
# holds a ThreadSanitizer report. Suppressions (third-party libraries only, each justified):
# tests/tsan.supp.
#
# Some kernels map memory where TSan's fixed layout wants it ("FATAL: ThreadSanitizer:
# unexpected memory mapping", high vm.mmap_rnd_bits): the target probes the binary once and,
# if it refuses to start, runs everything under `setarch -R` (no ASLR; inherited by the
# summitd processes the drivers spawn).
ifeq ($(SAN),thread)
SANFLAGS := -fsanitize=thread -fno-omit-frame-pointer
endif

TSAN_B       := build/tsan
TSAN_FUZZ_SECONDS ?= 60
TSAN_FUZZ_ARGS    ?=
TSAN_JOBS    ?= 2
TSAN_TESTS   ?= $(IT_BIN)
TSAN_OPTIONS_RUN = halt_on_error=0 second_deadlock_stack=1 history_size=4 \
                   suppressions=$(abspath tests/tsan.supp)

.PHONY: tsan tsan-build

tsan-build:
	@$(MAKE) --no-print-directory $(IT_BIN) $(B)/tests/fuzz/api_fuzz
	@$(MAKE) --no-print-directory B=$(TSAN_B) SAN=thread OPT=-O1 $(TSAN_B)/summitd

tsan: deps tsan-build
	@scripts/services.sh start
	@set -e; run=""; \
	if ! TSAN_OPTIONS="$(TSAN_OPTIONS_RUN)" $(TSAN_B)/summitd print-config >/dev/null 2>var/tsan-probe.log; then \
	    if grep -q "unexpected memory mapping" var/tsan-probe.log; then \
	        run="setarch $$(uname -m) -R"; echo "tsan: this kernel needs $$run"; \
	    else cat var/tsan-probe.log; exit 1; fi; \
	fi; \
	mkdir -p var/test-logs; touch var/tsan-start; failed=""; \
	SUMMITD_BIN=$(abspath $(TSAN_B)/summitd) TSAN_OPTIONS="$(TSAN_OPTIONS_RUN)" \
	    $$run scripts/run-tests.sh --jobs $(TSAN_JOBS) --limit $(IT_LIMIT) $(TSAN_TESTS) \
	    || { rc=$$?; [ $$rc -eq 124 ] && exit 124; failed=" drivers"; }; \
	reports=$$(find var/test-logs -name '*.log' -newer var/tsan-start | \
	    xargs -r grep -l "ThreadSanitizer" | wc -l); \
	echo "== tsan: api_fuzz, 4 clients at once for $(TSAN_FUZZ_SECONDS) s (races only)"; \
	SUMMITD_BIN=$(abspath $(TSAN_B)/summitd) TSAN_OPTIONS="$(TSAN_OPTIONS_RUN)" \
	    $$run timeout $$(( $(TSAN_FUZZ_SECONDS) + 300 )) $(B)/tests/fuzz/api_fuzz --clients 4 \
	    --sanitizer-only $(TSAN_FUZZ_ARGS) --seconds $(TSAN_FUZZ_SECONDS) >var/tsan-fuzz.log 2>&1 \
	    || failed="$$failed api_fuzz"; \
	grep -a -v "^  [A-Z]" var/tsan-fuzz.log | tail -40; \
	echo "tsan: $$reports test server logs with a ThreadSanitizer report; failed:$${failed:- none}"; \
	test -z "$$failed"
