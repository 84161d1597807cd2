# Scheduler benchmark: `make bench-sched` (matching/meeting_sched.c, matching/pitch_sched.c).
# Built straight from the sources so it does not need the rest of the library.
BENCH_SCHED_SRC := bench/sched.c matching/meeting_sched.c matching/pitch_sched.c base/xalloc.c
BENCH_SCHED_HDR := matching/meeting_sched.h matching/pitch_sched.h base/xalloc.h

.PHONY: bench-sched

$(B)/bench/sched: $(BENCH_SCHED_SRC) $(BENCH_SCHED_HDR)
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(OPT) -g $(WARN) $(SANFLAGS) -I. $(BENCH_SCHED_SRC) -o $@

bench-sched: $(B)/bench/sched
	$(B)/bench/sched
