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
# for tables beyond the cache. A live source's vector also asks for each
# TCP segment's record (pf_flow_table_prefetch_record): its prefetch must
# be there too, or live capture waits for the record's line again. And
# live, both are asked for as packets are queued, some packets back
# (pf_shard_fetch_behind, from the live callback pf_capture_live_packet):
# its entry and record prefetches must be there as well.
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
# The third number: those from the record's prefetch line (RECORD_LINE).
RECORD_LINE=$(grep -n '__builtin_prefetch(pf_tcp_conn_at' "$PCAPFLOW_ROOT/src/flow/flow.h" | cut -d: -f1)
[[ $RECORD_LINE =~ ^[0-9]+$ ]] || pf_fail "src/flow/flow.h has no one prefetch of a TCP record"
# FUNCTION (default pf_vector_run) names the function looked at.
prefetches() {
  objdump -d -l --no-show-raw-insn "$1" |
    awk -v rec="flow.h:$RECORD_LINE" -v fn="<${2:-pf_vector_run}[.>]" '
         $0 ~ "^[0-9a-f]+ " fn { on = 1; n++; next }
         /^[0-9a-f]+ </ { on = 0 }
         /^\/.*:[0-9]+( \(discriminator [0-9]+\))?$/ {
           from_helper = $0 ~ /src\/flow\/flow\.h:/
           from_record = index($0, rec) > 0 }
         on && /prefetch/ && from_helper { p++ }
         on && /prefetch/ && from_record { r++ }
         END { print n + 0, p + 0, r + 0 }'
}

for bin in "$BUILD/pcapflow.so" "$REPLAY"; do
  [[ -f $bin ]] || pf_fail "$bin is not built"
  read -r functions count records < <(prefetches "$bin")
  ((functions == 1)) || pf_fail "$bin has $functions functions pf_vector_run, not 1"
  ((records >= 1)) ||
    pf_fail "$bin's pf_vector_run holds no prefetch of a TCP record (flow.h:$RECORD_LINE)"
  ((count - records >= 2)) ||
    pf_fail "$bin's pf_vector_run holds $((count - records)) prefetches from the entry's helper (flow.h), not its 2 (the first line, an IPv6 entry's second)"
  echo "  $(basename "$bin"): $((count - records)) prefetches of the entry's helper and $records of the record's in pf_vector_run"
  read -r functions count records < <(prefetches "$bin" pf_capture_live_packet)
  ((functions == 1)) || pf_fail "$bin has $functions functions pf_capture_live_packet, not 1"
  ((records >= 1 && count - records >= 2)) ||
    pf_fail "$bin's live callback asks for $((count - records)) entry lines and $records records of earlier packets, not at least 2 and 1 (pf_shard_fetch_behind)"
  echo "  $(basename "$bin"): $((count - records)) prefetches of the entry's helper and $records of the record's in pf_capture_live_packet"
done
pf_pass "the packet vector, and live the packets queued, ask for flow entries and TCP records ahead, in the plugin and the replay tool"
