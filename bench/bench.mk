# Load benchmark: `make bench` (never part of `make test`). Builds an optimized summitd (OPT,
# default -O2) and the floor programs, then bench/run.sh starts the private services and summitd
# against a fresh database summitd_bench, loads a data set and drives it with wrk; it prints a
# table and writes var/bench/latest.json. Each scenario and its floor run interleaved:
# BENCH_ROUNDS (5) rounds of BENCH_SECONDS (3) each; the table gives medians and the spread of the
# per-round ratios. More scenarios: bench/scenarios/*.sh (sourced by run.sh; see "measurements").
BENCH_FLOOR_CFLAGS = -std=c11 -D_GNU_SOURCE $(OPT) -g $(WARN) $(SANFLAGS) -I.

.PHONY: bench bench-tools bench-notify bench-spike

$(B)/bench/floor_http: bench/floor_http.c
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_FLOOR_CFLAGS) $(shell pkg-config --cflags libevent libevent_pthreads) $< \
		$(shell pkg-config --libs libevent libevent_pthreads) -lpthread -o $@

$(B)/bench/floor_db: bench/floor_db.c
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_FLOOR_CFLAGS) $(shell pkg-config --cflags libmariadb) $< \
		$(shell pkg-config --libs libmariadb) -lpthread -o $@

$(B)/bench/floor_crypt: bench/floor_crypt.c
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_FLOOR_CFLAGS) $< -lcrypt -lpthread -o $@

$(B)/bench/mktokens: bench/mktokens.c
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_FLOOR_CFLAGS) $(shell pkg-config --cflags libcrypto) $< \
		$(shell pkg-config --libs libcrypto) -o $@

$(B)/bench/spike: bench/spike.c
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_FLOOR_CFLAGS) $< -o $@

bench-tools: $(B)/summitd $(B)/bench/floor_http $(B)/bench/floor_db $(B)/bench/floor_crypt \
	$(B)/bench/mktokens $(B)/bench/spike

bench: deps
	@scripts/deps.sh wrk
	@$(MAKE) --no-print-directory bench-tools
	@B=$(B) bench/run.sh
	@B=$(B) bench/spike.sh
	@B=$(B) bench/notify.sh
	@$(MAKE) --no-print-directory bench-webhooks

# Notification delivery: e-mails per second through the outbox beside the SMTP server's own rate,
# and a registration's cost for its notice (bench/notify.sh; var/bench/notify.json).
bench-notify: deps
	@$(MAKE) --no-print-directory $(B)/summitd
	@B=$(B) bench/notify.sh

# The opening-minute spike alone (bench/spike.sh; var/bench/spike.json).
bench-spike: deps
	@$(MAKE) --no-print-directory bench-tools
	@B=$(B) bench/spike.sh
