# rules.mk - the traffic rules engine's benchmark: load + compile time,
# compiled memory and classify ns/packet for generated rule sets, run by
# `make bench` (and built by `make check`, so it keeps compiling).

.PHONY: bench-rules

$(B)/bench-rules: bench/bench_rules.c $(ENGINE_HDR) $(B)/libpcapflow.a
	$(CC) $(BASEFLAGS) $(CFLAGS) -Iinclude -Isrc -o $@ $< $(B)/libpcapflow.a \
	  $(ENGINE_LIBS)

bench-rules: $(B)/bench-rules ## measure the traffic rules: load, memory, classify ns/packet
	bench/rules.sh

bench: bench-rules

CHECK_STEPS += $(B)/bench-rules
