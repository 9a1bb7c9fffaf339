#!/usr/bin/env bash
# A DNS response after DnsTimeout is not an answer (craft_dns_late.py): in
# a sparse capture no batch ends between a query and its late response, so
# only the response's own clock can tell. Exact through pcapflow-replay:
# the late queries unanswered, their responses unmatched, the latency of
# the timely ones only (the boundary, 5 s, not live; 5 s less 1 us a
# sample), a query asked again past the timeout a new one, and a held
# DNS-over-TCP start whose rest came too late unframed. Read with -i 1 (reads at
# one-second boundaries of packet time, idle stretches skipped, a tick at
# each), the counters at the end are the same: the result does not depend
# on where the batches end. The capture's times never go back, so the
# source's clock is its packet time and the 5 s less 1 us case is a true
# 4.999999 s wait.
source "$(dirname "$0")/lib.sh"
pf_test_init dns_late_response
command -v python3 >/dev/null || pf_skip "python3 is missing"
python3 "$PCAPFLOW_ROOT/tests/integration/craft_dns_late.py" "$WORK/late.pcap" "$WORK/late.truth" ||
  pf_fail "cannot write the capture"

"$REPLAY" -n late -l 198.18.0.0/16 "$WORK/late.pcap" >"$WORK/replay.out" || pf_fail "pcapflow-replay failed"
grep -qx 'packets-captured 17' "$WORK/replay.out" || pf_fail "pcapflow-replay did not read the 17 frames"
pf_compare_truth "$WORK/late.truth" "$WORK/replay.out" replay || pf_fail "pcapflow-replay differs from the capture's truth"
# The histogram keeps the maximum exactly (the truth allows 1/64).
grep -qx 'pcapflow_dns-late/duration-dns_max 4.999999' "$WORK/replay.out" ||
  pf_fail "the latency's maximum is not exactly 4.999999 s: $(grep dns_max "$WORK/replay.out")"

"$REPLAY" -i 1 -n late -l 198.18.0.0/16 "$WORK/late.pcap" >"$WORK/i1.out" || pf_fail "pcapflow-replay -i 1 failed"
awk '/^# interval/ { n = NR } { line[NR] = $0 } END { for (i = n + 1; i <= NR; i++) print line[i] }' \
  "$WORK/i1.out" >"$WORK/i1.last"
grep -v duration- "$WORK/late.truth" >"$WORK/counts.truth"
pf_compare_truth "$WORK/counts.truth" "$WORK/i1.last" "replay -i 1" ||
  pf_fail "read each second, the counters at the end differ from the capture's truth"
pf_pass "3 late queries unanswered and their answers unmatched, samples of 1, 1.5 and 4.999999 s, a late held start unframed; the same counts read at one-second boundaries"
