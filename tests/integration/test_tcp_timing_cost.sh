#!/usr/bin/env bash
# TCP timing (on by default) costs the per-packet path at most BOUND
# instructions a frame over TcpTiming false, on a generated mixed capture
# (docs/PERFORMANCE.md, "TCP timing on the hot path": 118 a frame here
# before its cost was cut, 75 after). Counted with callgrind, which is
# deterministic, over pcapflow-replay's per-packet functions (decode,
# direction, the shard's queue and batch work), as test_localnet_cost.sh
# does; the report the switch leaves must be the same but for the timing.
source "$(dirname "$0")/lib.sh"
pf_test_init tcp_timing_cost
command -v valgrind >/dev/null || pf_skip "valgrind is not installed"
FRAMES=100000
BOUND=90

pf_gen mixed mixed --packets $FRAMES --seed 1

# instructions NAME [OPT]: instructions of the per-packet functions over
# the capture (the patterns match the names link-time optimisation gives
# static functions, name.lto_priv.N), the report kept in $WORK/out.NAME.
instructions() {
  local name=$1
  shift
  valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.$name" \
    '--toggle-collect=pf_capture_packet*' '--toggle-collect=pf_shard_batch_end*' \
    "$REPLAY" -m 400000 -l "$LOCAL_V4" -l "$LOCAL_V6" "$@" "$WORK/mixed.pcap" \
    >"$WORK/out.$name" 2>"$WORK/vg.$name" ||
    pf_fail "replay $* failed: $(tail -n 5 "$WORK/vg.$name")"
  awk '/^summary:/ {print $2}' "$WORK/cg.$name"
}
on=$(instructions on)
off=$(instructions off -o TcpTiming=false)
# A frame's path is hundreds of instructions: a count near zero means the
# toggles matched no function, and any difference would pass.
[[ -n "$on" && -n "$off" ]] && ((on >= FRAMES * 100 && off >= FRAMES * 100)) ||
  pf_fail "callgrind counted '$on' and '$off' instructions for $FRAMES frames: the toggles matched no per-packet function"

timing='^duration-tcp_(rtt_tx|rtt_rx|jitter|response)_'
n=$(grep -cE "$timing" "$WORK/out.on" || true)
[[ "$n" == 16 ]] || pf_fail "the defaults print $n TCP timing series, not 16"
! grep -qE "$timing" "$WORK/out.off" || pf_fail "TcpTiming false prints TCP timing series"
# The rest is the same (but the distinct counts: estimates, hashed with a
# seed each process draws at random).
rest() { grep -vE "$timing|^count-distinct_" "$WORK/out.$1"; }
diff -q <(rest on) <(rest off) >/dev/null ||
  pf_fail "TcpTiming false changed other series: $(diff <(rest on) <(rest off) | head -n 5)"

cost=$(((on - off) / FRAMES))
echo "  per frame: $((on / FRAMES)) instructions with TCP timing, $((off / FRAMES)) without: $cost for the timing"
((cost <= BOUND)) || pf_fail "TCP timing costs $cost instructions a frame, more than $BOUND"
pf_pass "TCP timing costs $cost instructions a frame (at most $BOUND) on $FRAMES mixed frames"
