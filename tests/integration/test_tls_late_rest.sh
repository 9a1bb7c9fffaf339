#!/usr/bin/env bash
# A TLS hello's rest that comes 3 s or more after its first segment is a
# gap (craft_tls_late.py): in a sparse capture no batch ends between the
# two segments, so only the rest's own clock can tell. Exact through
# pcapflow-replay: a rest 10 s and exactly 3 s late leaves its hello
# partial (gap) with no name and no version offered, one 3 s less 1 us
# late is read whole (reassembled, named, TLS 1.3). Read with -i 1 (a
# read each second of packet time, a tick at each), the counters at the
# end are the same: the result does not depend on where the batches end.
source "$(dirname "$0")/lib.sh"
pf_test_init tls_late_rest
command -v python3 >/dev/null || pf_skip "python3 is missing"
n_frames=$(python3 "$PCAPFLOW_ROOT/tests/integration/craft_tls_late.py" "$WORK/late.pcap" "$WORK/late.truth") ||
  pf_fail "cannot write the capture"

"$REPLAY" -n late -l 198.18.0.0/16 "$WORK/late.pcap" >"$WORK/replay.out" || pf_fail "pcapflow-replay failed"
grep -qx "packets-captured $n_frames" "$WORK/replay.out" || pf_fail "pcapflow-replay did not read the $n_frames frames"
pf_compare_truth "$WORK/late.truth" "$WORK/replay.out" replay || pf_fail "pcapflow-replay differs from the capture's truth"
n_truth=$(wc -l <"$WORK/late.truth")
n_out=$(grep -c '^pcapflow_tls-' "$WORK/replay.out")
[[ $n_out == "$n_truth" ]] || pf_fail "pcapflow-replay printed $n_out TLS series, the truth has $n_truth: a late hello was named"

"$REPLAY" -i 1 -n late -l 198.18.0.0/16 "$WORK/late.pcap" >"$WORK/i1.out" || pf_fail "pcapflow-replay -i 1 failed"
awk '/^# interval/ { n = NR } { line[NR] = $0 } END { for (i = n + 1; i <= NR; i++) print line[i] }' \
  "$WORK/i1.out" >"$WORK/i1.last"
# The counters are cumulative; a name's bytes are the interval's own.
grep -v bytes-top_sni "$WORK/late.truth" >"$WORK/counts.truth"
pf_compare_truth "$WORK/counts.truth" "$WORK/i1.last" "replay -i 1" ||
  pf_fail "read each second, the counters at the end differ from the capture's truth"
! grep -E 'top_sni_(late|edge)_' "$WORK/i1.out" || pf_fail "read each second, a hello whose rest came late was named"
pf_pass "rests 10 s and 3 s late: 2 hellos partial (gap), unnamed; 3 s less 1 us: read whole and named; the same counts read each second"
