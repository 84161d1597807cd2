# Matching evaluation and benchmark (issue 4): `make eval`, `make bench-matching`.
# The bench binary is built straight from the pure matching sources (not libsummitd.a), so it
# does not depend on the server being buildable.

BENCH_MATCHING     := $(B)/bench/matching
BENCH_MATCHING_SRC := matching/exposure.c matching/index.c matching/score.c matching/synth.c matching/tokenize.c \
                      base/xalloc.c base/utf8.c bench/matching.c

$(BENCH_MATCHING): $(BENCH_MATCHING_SRC) matching/exposure.h matching/index.h matching/score.h matching/synth.h \
                   matching/tokenize.h base/xalloc.h base/err.h base/utf8.h
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(CFLAGS) $(WARN) $(SANFLAGS) -I. $(BENCH_MATCHING_SRC) -lm -o $@

.PHONY: eval bench-matching bench-matching-ab

# Issue 18: the shared VM's load moves a figure by a factor of two between runs, so a change to
# matching/index.c is judged by `make bench-matching-ab [AB_OLD=commit] [AB_N="N..."]`: the
# index.c of AB_OLD (default HEAD) with its public names prefixed old_, and the working tree's,
# built over the same corpus in one process and queried alternately.
AB_OLD ?= HEAD
AB_N   ?= 100000 1000000
AB_NQ  ?= 2000
BENCH_MATCHING_AB := $(B)/bench/matching_ab
AB_SYMS = $(shell grep -o 'match_\(index\|compaction\)_[a-z_]*' matching/index.h | sort -u) \
          match_index match_compaction

bench-matching-ab:
	@mkdir -p $(B)/bench
	git show $(AB_OLD):matching/index.c > $(B)/bench/old_index.c
	$(CC) -std=c11 -D_GNU_SOURCE $(CFLAGS) $(SANFLAGS) -I. $(foreach f,$(AB_SYMS),-D$(f)=old_$(f)) \
	      -c $(B)/bench/old_index.c -o $(B)/bench/old_index.o
	$(CC) -std=c11 -D_GNU_SOURCE -DMATCHING_AB $(CFLAGS) $(WARN) $(SANFLAGS) -I. $(BENCH_MATCHING_SRC) \
	      $(B)/bench/old_index.o -lm -o $(BENCH_MATCHING_AB)
	$(BENCH_MATCHING_AB) ab $(AB_NQ) $(AB_N)

# Issue 17: per side recall@10, MRR and exposure (distinct shown, top 1 % / 10 % share, Gini,
# max, never shown, floor misses, by tier, stage and budget), before (old scorer, no control) and
# after (symmetric budget fit, cap 3x the average, floor 3 at score >= 0.3) at N = 10,000 per
# side; then recall@10 and MRR@10 of the planted pairs at N = 100,000.
eval: $(BENCH_MATCHING)
	$(BENCH_MATCHING) exposure 10000 3 3 0.3
	$(BENCH_MATCHING) eval 100000

# Build time, RSS, bytes/project, top-10 latency (index vs exhaustive, thread CPU p50/p99, and
# index == exhaustive on sampled queries), the compaction prepared aside and its swap's write-lock
# hold (issue 18: p50/p99 wall and thread CPU, 1000 changes replayed, beside the one-step
# compaction the write lock held before), and the cost of the
# exposure re-ranking (top-50 p99 per query, assignment time) at N = 100,000 and 1,000,000 per side;
# then (recompute) a full recomputation of the assignment and its parts, what one change touches
# with the IDF held or compacted, and the incremental upkeep per change (2k, 10k; parts at 100k).
bench-matching: $(BENCH_MATCHING)
	$(BENCH_MATCHING) bench 100000 1000000
	$(BENCH_MATCHING) recompute 2000 10000 100000
