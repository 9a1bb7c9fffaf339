# crafted_dns.sh - a crafted DNS case read exactly, sourced after lib.sh by
# the tests of craft_dns_*.py captures.

# pf_crafted_dns NAME CRAFT FRAMES MAX : writes craft_dns_CRAFT.py's capture
# and truth, reads the capture with pcapflow-replay (source NAME) and checks
# every series of the truth, the latency's maximum exactly MAX seconds, and
# the truth's counters (its duration-* figures left out) in the last read
# of -i 1 (reads at one-second boundaries of packet time, idle stretches
# skipped, a tick at each): the result must not depend on where the
# batches end.
pf_crafted_dns() {
  local name=$1 craft=$2 frames=$3 max=$4
  command -v python3 >/dev/null || pf_skip "python3 is missing"
  python3 "$PCAPFLOW_ROOT/tests/integration/craft_dns_$craft.py" "$WORK/$name.pcap" "$WORK/$name.truth" ||
    pf_fail "cannot write the capture"

  "$REPLAY" -n "$name" -l 198.18.0.0/16 "$WORK/$name.pcap" >"$WORK/replay.out" || pf_fail "pcapflow-replay failed"
  grep -qx "packets-captured $frames" "$WORK/replay.out" || pf_fail "pcapflow-replay did not read the $frames frames"
  pf_compare_truth "$WORK/$name.truth" "$WORK/replay.out" replay || pf_fail "pcapflow-replay differs from the capture's truth"
  # The histogram keeps the maximum exactly (the truth allows 1/64).
  grep -qx "pcapflow_dns-$name/duration-dns_max $max" "$WORK/replay.out" ||
    pf_fail "the latency's maximum is not exactly $max s: $(grep dns_max "$WORK/replay.out")"

  "$REPLAY" -i 1 -n "$name" -l 198.18.0.0/16 "$WORK/$name.pcap" >"$WORK/i1.out" || pf_fail "pcapflow-replay -i 1 failed"
  awk '/^# interval/ { n = NR } { line[NR] = $0 } END { for (i = n + 1; i <= NR; i++) print line[i] }' \
    "$WORK/i1.out" >"$WORK/i1.last"
  grep -v duration- "$WORK/$name.truth" >"$WORK/counts.truth"
  pf_compare_truth "$WORK/counts.truth" "$WORK/i1.last" "replay -i 1" ||
    pf_fail "read at one-second boundaries, the counters at the end differ from the capture's truth"
}
