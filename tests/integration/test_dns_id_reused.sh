#!/usr/bin/env bash
# A DNS query whose id its client reuses for another question while it
# waits ends unanswered (craft_dns_reused.py): no response can match it
# any more, and every query must end counted somewhere - answered,
# unanswered or evicted - not dropped silently. Exact through
# pcapflow-replay: 3 queries, 2 answered (samples of 0.05 and 0.2 s), 1
# unanswered, and its late answer unmatched; the same counters in the
# last read of -i 1 (a read each second of packet time, a tick at each).
source "$(dirname "$0")/lib.sh"
pf_test_init dns_id_reused
command -v python3 >/dev/null || pf_skip "python3 is missing"
python3 "$PCAPFLOW_ROOT/tests/integration/craft_dns_reused.py" "$WORK/reused.pcap" "$WORK/reused.truth" ||
  pf_fail "cannot write the capture"

"$REPLAY" -n reused -l 198.18.0.0/16 "$WORK/reused.pcap" >"$WORK/replay.out" || pf_fail "pcapflow-replay failed"
grep -qx 'packets-captured 6' "$WORK/replay.out" || pf_fail "pcapflow-replay did not read the 6 frames"
pf_compare_truth "$WORK/reused.truth" "$WORK/replay.out" replay || pf_fail "pcapflow-replay differs from the capture's truth"
# The histogram keeps the maximum exactly (the truth allows 1/64).
grep -qx 'pcapflow_dns-reused/duration-dns_max 0.200000' "$WORK/replay.out" ||
  pf_fail "the latency's maximum is not exactly 0.2 s: $(grep dns_max "$WORK/replay.out")"

"$REPLAY" -i 1 -n reused -l 198.18.0.0/16 "$WORK/reused.pcap" >"$WORK/i1.out" || pf_fail "pcapflow-replay -i 1 failed"
awk '/^# interval/ { n = NR } { line[NR] = $0 } END { for (i = n + 1; i <= NR; i++) print line[i] }' \
  "$WORK/i1.out" >"$WORK/i1.last"
grep -v duration- "$WORK/reused.truth" >"$WORK/counts.truth"
pf_compare_truth "$WORK/counts.truth" "$WORK/i1.last" "replay -i 1" ||
  pf_fail "read each second, the counters at the end differ from the capture's truth"
pf_pass "a query whose id was reused for another question unanswered and its answer unmatched, the other 2 answered; the same counts read each second"
