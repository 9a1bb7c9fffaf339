#!/usr/bin/env bash
# The packet vector asks for each packet's flow entry before it accounts
# the packets (src/shard/shard_packet.c, docs/HOT_PATH.md), in the plugin
# and in pcapflow-replay as built. GCC took the helper that only
# prefetched for a function without effect and compiled the vector's
# prefetch loop to nothing, silently: on a flood of a million flows that
# cost about 11% of the engine's user time (docs/PERFORMANCE.md, "The
# flood's time"). So the compiled vector must hold the entry's prefetches
# (the first line, and an IPv6 entry's second), besides the one of the
# bucket splits; instruction counts cannot tell, as the loop runs only
# for tables beyond the cache.
source "$(dirname "$0")/lib.sh"
pf_test_init vector_prefetch
command -v objdump >/dev/null || pf_skip "objdump is not installed"

# prefetches BINARY: the functions named pf_vector_run (as link-time
# optimisation names static functions, name.lto_priv.N), and the prefetch
# instructions in it that come from the entry's helper in src/flow/flow.h
# (objdump -l gives each instruction's source line). Counting every
# prefetch in the function could not fail: the next pool entry's and the
# bucket split's prefetches, inlined there too, made 3 without the
# entry's.
prefetches() {
  objdump -d -l --no-show-raw-insn "$1" |
    awk '/^[0-9a-f]+ <pf_vector_run[.>]/ { on = 1; n++; next }
         /^[0-9a-f]+ </ { on = 0 }
         /^\/.*:[0-9]+( \(discriminator [0-9]+\))?$/ { from_helper = $0 ~ /src\/flow\/flow\.h:/ }
         on && /prefetch/ && from_helper { p++ }
         END { print n + 0, p + 0 }'
}

for bin in "$BUILD/pcapflow.so" "$REPLAY"; do
  [[ -f $bin ]] || pf_fail "$bin is not built"
  read -r functions count < <(prefetches "$bin")
  ((functions == 1)) || pf_fail "$bin has $functions functions pf_vector_run, not 1"
  ((count >= 2)) ||
    pf_fail "$bin's pf_vector_run holds $count prefetches from the entry's helper (flow.h), not its 2 (the first line, an IPv6 entry's second)"
  echo "  $(basename "$bin"): $count prefetches of the entry's helper in pf_vector_run"
done
pf_pass "the packet vector asks for flow entries ahead, in the plugin and the replay tool"
