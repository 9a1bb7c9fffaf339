# Benchmarks (bench/, docs/PERFORMANCE.md): the engine against libpcap,
# tcpdump and the flow meters in Debian, offline and live. Not part of check.

BENCH_ARGS ?=

$(B)/bench-engine: bench/bench_engine.c $(B)/libpcapflow.a
	$(CC) $(BASEFLAGS) $(CFLAGS) $(LTO) -Iinclude -Isrc -o $@ $< $(B)/libpcapflow.a $(ENGINE_LIBS)

$(B)/bench-scaling: bench/bench_scaling.c $(B)/libpcapflow.a
	$(CC) $(BASEFLAGS) $(CFLAGS) $(LTO) -Iinclude -Isrc -o $@ $< $(B)/libpcapflow.a $(ENGINE_LIBS)

# The engine built again with its lock probe (src/lock_probe.h): bench-only.
$(B)/bench-lock: bench/bench_lock.c $(ENGINE_SRC) $(ENGINE_HDR) | $(B)
	$(CC) $(BASEFLAGS) $(CFLAGS) $(LTO) -DPF_LOCK_PROBE -Iinclude -Isrc -o $@ $< \
	  $(ENGINE_SRC) $(ENGINE_LIBS)

$(B)/pcap-loop: bench/pcap_loop.c | $(B)
	$(CC) $(BASEFLAGS) $(CFLAGS) -o $@ $< -lpcap

$(B)/cpu-run: bench/cpu_run.c | $(B)
	$(CC) $(BASEFLAGS) $(CFLAGS) -o $@ $<

# A live reader's cost a frame alone: libpcap's against a TPACKET_V3 ring
# of the bench's own (bench/ring_floor.c, bench/ring_floor.sh).
$(B)/ring-floor: bench/ring_floor.c | $(B)
	$(CC) $(BASEFLAGS) $(CFLAGS) -o $@ $< -lpcap

bench-ring: all $(B)/ring-floor ## live: libpcap's reader against a TPACKET_V3 ring of our own, CPU a frame (root; BENCH_ARGS: see bench/ring_floor.sh)
	bench/ring_floor.sh $(BENCH_ARGS)

.PHONY: bench-ring

bench: all $(B)/bench-engine $(B)/bench-lock $(B)/bench-scaling $(B)/pcap-loop $(B)/cpu-run ## measure the engine against its peers (BENCH_ARGS: see bench/run.sh)
	bench/run.sh $(BENCH_ARGS)

bench-profile: all ## count the engine's instructions per frame and its top functions (valgrind; HARDENED=1: the .deb's flags)
	bench/profile.sh --build $(B)

.PHONY: bench-profile

# Issue 15's "1 Gb/s of IMIX under 3% of one core", measured at that rate
# (bench/imix.sh): collectd's share of a core, and tcpdump's.
bench-imix: all ## live: the mixed capture (IMIX-like) at 1 Gb/s into collectd and tcpdump, % of a core (root; BENCH_ARGS: see bench/imix.sh)
	bench/imix.sh $(BENCH_ARGS)

.PHONY: bench-imix

bench-libpcap: all ## sweep BufferSize and the read timeout live against drops and CPU per frame (root)
	bench/libpcap_sweep.sh $(BENCH_ARGS)

.PHONY: bench-libpcap
