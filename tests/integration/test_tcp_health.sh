#!/usr/bin/env bash
# TCP health against ground truth: 110 scripted connections (clean, a
# retransmitted or reordered segment, a zero window, a repeated SYN,
# unanswered and refused SYNs, mid-connection starts, resets, sequence
# numbers wrapping, keep-alives) whose counts and handshake latencies the
# generator computed while building them. pcapflow-replay gives every count
# exactly and every latency percentile within the documented 1/64; a real
# collectd reading the file writes the same counts, and a source with
# TcpAnalysis false writes none of the TCP health series.
source "$(dirname "$0")/lib.sh"
pf_test_init tcp_health

for lt in ethernet sll2; do
  base="$WORK/tcp-$lt"
  pf_gen "tcp-$lt" tcp --linktype "$lt" --seed 5
  # Every analysis count is non-zero in the truth, so each can be wrong.
  for id in protocol_counter-tcp_retransmitted protocol_counter-tcp_out_of_order protocol_counter-tcp_zero_window \
    protocol_counter-tcp_rst protocol_counter-tcp_unanswered_syn protocol_counter-tcp_completed \
    protocol_counter-tcp_late_start duration-tcp_handshake_p50; do
    grep -qE "^$id [0-9.]*[1-9]" "$base.truth" || pf_fail "tcp/$lt: the truth has no $id"
  done
  "$REPLAY" -l "$LOCAL_V4" "$base.pcap" >"$base.actual" || pf_fail "replay failed on tcp/$lt"
  pf_compare_truth "$base.truth" "$base.actual" "tcp/$lt" || pf_fail "tcp/$lt: differs from the ground truth"
done

dir="$WORK/collectd"
pf_collectd "$dir" --opt LocalNetwork "$LOCAL_V4" --file "$WORK/tcp-ethernet.pcap" Instance tcp \
  --file "$WORK/tcp-ethernet.pcap" Instance off TcpAnalysis false
total=$(pf_truth_value "$WORK/tcp-ethernet.truth" packets-captured)
pf_wait_captured tcp "$total"
pf_wait_captured off "$total"
sleep 1.5 # final values, and at least one more interval
pf_collectd_stop
pf_csv_values "$dir" tcp >"$WORK/csv_tcp"
pf_csv_values "$dir" off >"$WORK/csv_off"
health='^protocol_counter-tcp_(retransmitted|out_of_order|zero_window|unanswered_syn|completed|late_start) '
grep -E "$health" "$WORK/tcp-ethernet.truth" >"$WORK/counts.truth"
[[ $(wc -l <"$WORK/counts.truth") == 6 ]] || pf_fail "the truth has $(wc -l <"$WORK/counts.truth") TCP health counts, not 6"
pf_compare_truth "$WORK/counts.truth" "$WORK/csv_tcp" collectd || pf_fail "collectd's CSV differs from the ground truth"
# Latency series were written for the interval(s) the file was read in.
ls "$dir/csv/$HOSTNAME_TEST/pcapflow-tcp"/duration-tcp_handshake_p50-* >/dev/null 2>&1 ||
  pf_fail "no handshake latency written"
! grep -qE "$health" "$WORK/csv_off" || pf_fail "TcpAnalysis false still writes TCP health: $(grep -E "$health" "$WORK/csv_off" | tr '\n' ' ')"
! ls "$dir/csv/$HOSTNAME_TEST/pcapflow-off"/duration-* >/dev/null 2>&1 || pf_fail "TcpAnalysis false wrote latency"
grep -q '^packets-captured ' "$WORK/csv_off" || pf_fail "TcpAnalysis false wrote nothing at all"
pf_pass "$(wc -l <"$WORK/counts.truth") counts exact (replay on ethernet and sll2, collectd), 12 latency figures within 1/64"
