#!/usr/bin/env bash
# TCP timing (on by default) costs the per-packet path at most BOUND
# instructions a frame over TcpTiming false, on a generated mixed capture
# (docs/PERFORMANCE.md, "TCP timing on the hot path": 118 a frame here
# before its cost was cut, 75 after, 84 since its times have 40 bits, 72
# since issue 15's per-segment cut, its check of the clock's jumps
# included, 74 with reordering told from jumps; 79 since a class's and a
# port's histograms are looked up only for a segment that took a sample:
# both runs paid that lookup on every segment before, and the off run
# saves all of it, so the difference grew while both runs fell).
# Counted with callgrind, which is deterministic, over pcapflow-replay's
# per-packet functions (decode, direction, the shard's queue and batch
# work), as test_localnet_cost.sh does; the report the switch leaves must
# be the same but for the timing.
source "$(dirname "$0")/lib.sh"
pf_test_init tcp_timing_cost
command -v valgrind >/dev/null || pf_skip "valgrind is not installed"
FRAMES=100000
BOUND=82

pf_gen mixed mixed --packets $FRAMES --seed 1

# instructions NAME [OPT]: instructions of the per-packet functions over
# the capture (lib.sh's pf_packet_instructions: the file's batch function
# and libpcap's callback by their exact names), the report kept in
# $WORK/out.NAME.
on=$(pf_packet_instructions on $FRAMES -m 400000 -l "$LOCAL_V4" -l "$LOCAL_V6" "$WORK/mixed.pcap")
off=$(pf_packet_instructions off $FRAMES -m 400000 -l "$LOCAL_V4" -l "$LOCAL_V6" -o TcpTiming=false "$WORK/mixed.pcap")
# pf_fail inside $(...) ends the subshell only: a count must have come.
[[ $on =~ ^[0-9]+$ && $off =~ ^[0-9]+$ ]] || pf_fail "no instruction counts"

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
