# Colliding flow keys (docs/RELIABILITY.md): test-only builds with the known
# hash seed of tests/known_seed, the bench that compares them with the
# random seed of production, and the integration test's prerequisites.
# -Wl,--wrap=pf_hash_seed sends the engine's calls to pf_hash_seed to
# tests/known_seed/known_seed.c: src/ has no test hook of its own. -fno-lto:
# the archive's objects carry LTO bytecode, and a link-time optimised
# link inlines pf_hash_seed into its callers before --wrap can send them on.

KNOWN_SEED := tests/known_seed/known_seed.c tests/known_seed/known_seed.h

$(B)/bench-collide: bench/bench_collide.c $(B)/libpcapflow.a
	$(CC) $(BASEFLAGS) $(CFLAGS) -Iinclude -Isrc -o $@ $< $(B)/libpcapflow.a $(ENGINE_LIBS)

$(B)/bench-collide-knownseed: bench/bench_collide.c $(KNOWN_SEED) $(B)/libpcapflow.a
	$(CC) $(BASEFLAGS) $(CFLAGS) -fno-lto -Iinclude -Isrc -Itests/known_seed -Wl,--wrap=pf_hash_seed \
	  -o $@ bench/bench_collide.c tests/known_seed/known_seed.c $(B)/libpcapflow.a \
	  $(ENGINE_LIBS)

# The whole engine (top-N lists and distinct counts too) with the known seed.
$(B)/pcapflow-replay-knownseed: tools/replay/replay.c $(KNOWN_SEED) $(B)/libpcapflow.a
	$(CC) $(BASEFLAGS) $(CFLAGS) -fno-lto -Iinclude -Isrc -Itests/known_seed -Wl,--wrap=pf_hash_seed \
	  -o $@ tools/replay/replay.c tests/known_seed/known_seed.c $(B)/libpcapflow.a \
	  $(ENGINE_LIBS)

# test_colliding_keys.sh counts bucket chains with both builds, and runs
# the known-seed replay twice.
integration: $(B)/bench-collide $(B)/bench-collide-knownseed $(B)/pcapflow-replay-knownseed

bench-collide: all $(B)/bench-collide $(B)/bench-collide-knownseed $(B)/pcapflow-replay-knownseed ## measure what colliding flow keys cost with a known and a random hash seed
	bench/collide.sh $(BENCH_ARGS)

.PHONY: bench-collide
