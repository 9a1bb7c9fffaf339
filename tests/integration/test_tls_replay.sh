#!/usr/bin/env bash
# TLS server names on a capture whose every figure is known (craft_tls.py):
# ClientHellos by the highest version offered, ServerHellos by the one
# chosen, a hello split over segments (partial: its name kept, its versions
# not believed), a malformed one, a record that is not a hello, and the
# top server names by their connections' bytes (a name seen twice, one in
# mixed case with '-' and '_', one longer than a key, a renegotiation that
# keeps the first name, a hello with no name) - exact through
# pcapflow-replay, with TopN 10 and with TopN 2 (the rest in other), and
# through a real collectd's File source and CSV writer. Then the switches:
# TlsAnalysis false sends no pcapflow_tls series; TcpAnalysis false keeps
# the counts and drops the names (a flow keeps its name in its TCP record).
source "$(dirname "$0")/lib.sh"
pf_test_init tls_replay
command -v python3 >/dev/null || pf_skip "python3 is missing"
craft() { python3 "$PCAPFLOW_ROOT/tests/integration/craft_tls.py" "$@" || pf_fail "cannot write the capture"; }
n_frames=$(craft "$WORK/tls.pcap" "$WORK/tls.truth")
craft "$WORK/tls.pcap" "$WORK/top2.truth" tls 2 >/dev/null

"$REPLAY" -l 198.18.0.0/16 "$WORK/tls.pcap" >"$WORK/replay.out" || pf_fail "pcapflow-replay failed"
pf_compare_truth "$WORK/tls.truth" "$WORK/replay.out" replay || pf_fail "pcapflow-replay differs from the capture's truth"
n_truth=$(wc -l <"$WORK/tls.truth")
n_out=$(grep -c '^pcapflow_tls-' "$WORK/replay.out")
[[ $n_out == "$n_truth" ]] || pf_fail "pcapflow-replay printed $n_out TLS series, the truth has $n_truth"
grep -q 'top_sni_other 0$' "$WORK/tls.truth" || pf_fail "the truth names every name with TopN 10"

"$REPLAY" -o TopN=2 -l 198.18.0.0/16 "$WORK/tls.pcap" >"$WORK/top2.out" || pf_fail "pcapflow-replay -o TopN=2 failed"
pf_compare_truth "$WORK/top2.truth" "$WORK/top2.out" top2 || pf_fail "TopN 2: the two heaviest names and other differ"
[[ $(grep -c 'bytes-top_sni_' "$WORK/top2.out") == 3 ]] || pf_fail "TopN 2 prints other than 2 names and other"

# The switches.
"$REPLAY" -o TlsAnalysis=false -l 198.18.0.0/16 "$WORK/tls.pcap" >"$WORK/off.out" ||
  pf_fail "pcapflow-replay -o TlsAnalysis=false failed"
! grep -q '^pcapflow_tls-' "$WORK/off.out" || pf_fail "TlsAnalysis false still prints TLS series"
"$REPLAY" -T -l 198.18.0.0/16 "$WORK/tls.pcap" >"$WORK/notcp.out" || pf_fail "pcapflow-replay -T failed"
grep -v 'top_sni' "$WORK/tls.truth" >"$WORK/notcp.truth"
pf_compare_truth "$WORK/notcp.truth" "$WORK/notcp.out" notcp || pf_fail "TcpAnalysis false changes the TLS counts"
! grep -q 'top_sni' "$WORK/notcp.out" || pf_fail "TcpAnalysis false still prints server names"

# A real collectd: counters exact in the last CSV row; the names' bytes
# (a gauge per interval) summed over the rows, whatever the reads' timing.
dir="$WORK/collectd"
pf_collectd "$dir" --local --file "$WORK/tls.pcap"
pf_wait_captured tls "$n_frames"
csv="$dir/csv/$HOSTNAME_TEST/pcapflow_tls-tls"
collectd_tls() {
  local f
  for f in $(sed 's#^pcapflow_tls-tls/##; s/ .*//' "$WORK/tls.truth"); do
    case $f in
    bytes-top_sni_*) cat "$csv/$f"-* 2>/dev/null | awk -v s="$f" '$1 ~ /^[0-9]/ { split($0, v, ","); t += v[2] } END { printf "pcapflow_tls-tls/%s %.0f\n", s, t }' ;;
    *) pf_csv_latest "pcapflow_tls-tls/$f" "$csv/$f" ;;
    esac
  done >"$WORK/collectd.out"
  pf_compare_truth "$WORK/tls.truth" "$WORK/collectd.out" collectd 2>"$WORK/collectd.diff"
}
pf_wait_until 20 collectd_tls || pf_fail "collectd's CSV differs from the capture's truth: $(tr '\n' ';' <"$WORK/collectd.diff")"
pf_collectd_stop
pf_pass "$n_truth TLS series exact through pcapflow-replay (TopN 10 and 2) and collectd; TlsAnalysis false prints none, TcpAnalysis false keeps the counts without names"
