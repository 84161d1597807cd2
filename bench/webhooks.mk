# `make bench-webhooks` (never part of `make test`): webhooks delivered per second by summitd's
# dispatcher to a local receiver that verifies every signature, beside the receiver's own floor
# (a plain libcurl client posting the same payloads), medians of BENCH_WH_RUNS runs (default 3)
# of BENCH_WH_ROWS rows (default 1000). Uses the worktree's services (SD_MYSQL_PORT,
# SD_REDIS_PORT) and database summitd_test; writes var/bench/webhooks.json.
.PHONY: bench-webhooks

$(B)/bench/webhooks: bench/webhooks.c tests/integration/wh_receiver.h
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_FLOOR_CFLAGS) $(shell pkg-config --cflags libcurl libcrypto) $< \
		$(shell pkg-config --libs libcurl libcrypto) -lpthread -o $@

bench-webhooks: $(B)/summitd $(B)/bench/webhooks
	@scripts/services.sh start >/dev/null
	@SUMMITD_BIN=$(abspath $(B)/summitd) $(B)/bench/webhooks $${BENCH_WH_ROWS:-1000}
