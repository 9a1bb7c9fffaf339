#!/usr/bin/env bash
# TCP round-trip time, jitter and response time on a capture whose every
# sample is known (craft_rtt.py): exchanges across the timestamps' 32-bit
# wrap and the server's sequence wrap, an answer in two segments, an
# exchange the server begins (SMTP: the EHLO is think time), a late start,
# a retransmitted request (Karn's rule) - exact through pcapflow-replay per
# source and per class (percentiles within the histogram's 1/64, the
# maximum exact), and the maxima through a real collectd's File source and
# CSV writer. Then the switches: TcpTiming false prints no timing series
# (and the rest is unchanged), ClassTiming false no per-class ones,
# TcpAnalysis false none; PortTiming (off by default) puts a file's
# samples, read before any top services list, all in other.
source "$(dirname "$0")/lib.sh"
pf_test_init tcp_timing
command -v python3 >/dev/null || pf_skip "python3 is missing"
python3 "$PCAPFLOW_ROOT/tests/integration/craft_rtt.py" "$WORK/rtt.pcap" "$WORK/rtt.truth" rtt "$WORK/rtt.yaml" ||
  pf_fail "cannot write the capture"
timing='tcp_(rtt_tx|rtt_rx|jitter|response)_(p50|p90|p99|max)'

"$REPLAY" -l 198.18.0.0/16 -r "$WORK/rtt.yaml" "$WORK/rtt.pcap" >"$WORK/replay.out" || pf_fail "pcapflow-replay failed"
pf_compare_truth "$WORK/rtt.truth" "$WORK/replay.out" replay || pf_fail "pcapflow-replay differs from the capture's truth"
n_truth=$(wc -l <"$WORK/rtt.truth")
n_out=$(grep -cE "$timing" "$WORK/replay.out")
[[ $n_out == "$n_truth" ]] || pf_fail "pcapflow-replay printed $n_out timing series, the truth has $n_truth"
grep -qx 'duration-tcp_response_max 0.210000' "$WORK/replay.out" || pf_fail "the response time's maximum is not exactly 210 ms"

# The switches.
"$REPLAY" -o TcpTiming=false -l 198.18.0.0/16 -r "$WORK/rtt.yaml" "$WORK/rtt.pcap" >"$WORK/off.out" ||
  pf_fail "pcapflow-replay -o TcpTiming=false failed"
! grep -qE "$timing" "$WORK/off.out" || pf_fail "TcpTiming false still prints timing series"
[[ "$(grep -vE "$timing" "$WORK/replay.out" | grep -v distinct)" == "$(grep -v distinct "$WORK/off.out")" ]] ||
  pf_fail "TcpTiming false changes other series"
"$REPLAY" -o ClassTiming=false -l 198.18.0.0/16 -r "$WORK/rtt.yaml" "$WORK/rtt.pcap" >"$WORK/noclass.out" ||
  pf_fail "pcapflow-replay -o ClassTiming=false failed"
! grep -qE '^pcapflow_class-rtt-tcp_' "$WORK/noclass.out" || pf_fail "ClassTiming false still prints per-class timing"
grep -v '^pcapflow_class-' "$WORK/rtt.truth" >"$WORK/source.truth"
pf_compare_truth "$WORK/source.truth" "$WORK/noclass.out" noclass || pf_fail "ClassTiming false changes the source's figures"
"$REPLAY" -T -l 198.18.0.0/16 "$WORK/rtt.pcap" >"$WORK/notcp.out" || pf_fail "pcapflow-replay -T failed"
! grep -qE "$timing" "$WORK/notcp.out" || pf_fail "TcpAnalysis false still prints timing series"

# PortTiming: a file is read in one interval, before any top services list
# names a port, so every port's figures are other's, and those are the
# source's (the slotting by the list is unit-tested: test_port_timing.c).
! grep -q '^pcapflow_port-' "$WORK/replay.out" || pf_fail "PortTiming is on by default"
"$REPLAY" -o PortTiming=true -l 198.18.0.0/16 "$WORK/rtt.pcap" >"$WORK/ports.out" ||
  pf_fail "pcapflow-replay -o PortTiming=true failed"
sed -nE 's#^duration-(tcp_(rtt_tx|rtt_rx|response)_(p50|p90|p99|max)) #pcapflow_port-rtt-\1/duration-other #p' "$WORK/replay.out" >"$WORK/ports.want"
[[ $(wc -l <"$WORK/ports.want") == 12 ]] || pf_fail "the source should have 12 round trip and response figures"
[[ "$(grep '^pcapflow_port-' "$WORK/ports.out")" == "$(cat "$WORK/ports.want")" ]] ||
  pf_fail "PortTiming's other is not the source's figures: $(grep '^pcapflow_port-' "$WORK/ports.out" | head -3)"
[[ "$(grep -v '^pcapflow_port-' "$WORK/ports.out" | grep -v distinct)" == "$(grep -v distinct "$WORK/replay.out" | grep -v '^pcapflow_class-')" ]] ||
  pf_fail "PortTiming true changes other series"
"$REPLAY" -o PortTiming=true -o TcpTiming=false -l 198.18.0.0/16 "$WORK/rtt.pcap" | grep -q '^pcapflow_port-' &&
  pf_fail "PortTiming without TcpTiming prints per-port series"

# A real collectd: each figure's maximum over the intervals its samples
# fell in is the truth's, whatever the reads' timing.
dir="$WORK/collectd"
pf_collectd "$dir" --local --opt RulesFile "$WORK/rtt.yaml" --file "$WORK/rtt.pcap"
pf_wait_captured rtt 50
csv="$dir/csv/$HOSTNAME_TEST"
maxima_written() { [[ -n "$(ls "$csv/pcapflow-rtt" | grep duration-tcp_response_max)" ]]; }
pf_wait_until 10 maxima_written || pf_fail "collectd never wrote duration-tcp_response_max"
sleep 1.5
csv_max() { awk -F, -v s="$1" 'NR > 1 && FNR > 1 && $2 > m { m = $2 } END { printf "%s %.6f\n", s, m }' "$2"-*; }
{
  for k in tcp_rtt_tx tcp_rtt_rx tcp_jitter tcp_response; do
    csv_max "duration-${k}_max" "$csv/pcapflow-rtt/duration-${k}_max"
    for c in web mail; do
      csv_max "pcapflow_class-rtt-${k}_max/duration-$c" "$csv/pcapflow_class-rtt-${k}_max/duration-$c"
    done
  done
} >"$WORK/collectd.out"
pf_collectd_stop
grep -E '_max[ /]' "$WORK/rtt.truth" >"$WORK/max.truth"
[[ $(wc -l <"$WORK/max.truth") == 12 ]] || pf_fail "the truth should have 12 maxima"
pf_compare_truth "$WORK/max.truth" "$WORK/collectd.out" collectd || pf_fail "collectd's CSV differs from the capture's truth"
pf_pass "$n_truth timing series exact through pcapflow-replay (response p50 $(awk '/tcp_response_p50/ {print $2}' "$WORK/replay.out") s, max 0.21 s), their maxima through collectd, TcpTiming, ClassTiming and TcpAnalysis off, PortTiming's other = the source"
