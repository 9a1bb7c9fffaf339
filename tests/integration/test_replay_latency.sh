#!/usr/bin/env bash
# pcapflow-replay prints latencies to the microsecond: three TCP handshakes
# whose SYN -> SYN-ACK and SYN-ACK -> ACK times are known, most of them
# below a millisecond (craft_captures.py handshakes). The maxima are exact
# (the histogram keeps the largest sample), the handshake's is also what
# tshark measures as the connection's initial RTT, and every percentile is
# within the histogram's 1/64 of the exact nearest-rank figure. Printed
# with three decimals, every figure below a millisecond would read 0.000.
source "$(dirname "$0")/lib.sh"
pf_test_init replay_latency
command -v python3 >/dev/null || pf_skip "python3 is missing"
python3 "$PCAPFLOW_ROOT/tests/integration/craft_captures.py" handshakes "$WORK/hs.pcap" ||
  pf_fail "cannot write the capture"
"$REPLAY" -l 198.18.0.0/16 "$WORK/hs.pcap" >"$WORK/out" || pf_fail "pcapflow-replay failed"

# SYN -> SYN-ACK 250, 400, 1500 us; SYN-ACK -> ACK 120, 80, 30; whole
# 370, 480, 1530: nearest-rank p50 is the middle one, p90 and p99 the max.
cat >"$WORK/truth" <<TRUTH
duration-tcp_syn_synack_p50 0.000400
duration-tcp_syn_synack_p90 0.001500
duration-tcp_syn_synack_p99 0.001500
duration-tcp_syn_synack_max 0.001500
duration-tcp_synack_ack_p50 0.000080
duration-tcp_synack_ack_p90 0.000120
duration-tcp_synack_ack_p99 0.000120
duration-tcp_synack_ack_max 0.000120
duration-tcp_handshake_p50 0.000480
duration-tcp_handshake_p90 0.001530
duration-tcp_handshake_p99 0.001530
duration-tcp_handshake_max 0.001530
TRUTH
pf_compare_truth "$WORK/truth" "$WORK/out" replay || pf_fail "latencies differ (more than 1/64) from the capture's"
for id in duration-tcp_syn_synack_max duration-tcp_synack_ack_max duration-tcp_handshake_max; do
  want=$(awk -v id="$id" '$1 == id {print $2}' "$WORK/truth")
  got=$(awk -v id="$id" '$1 == id {print $2}' "$WORK/out")
  [[ "$got" == "$want" ]] || pf_fail "$id: printed \"$got\", the capture's is $want"
done
if command -v tshark >/dev/null; then
  irtt=$(tshark -r "$WORK/hs.pcap" -Y "tcp.flags == 0x010" -T fields -e tcp.analysis.initial_rtt 2>/dev/null |
    sort -g | tail -n 1 | awk '{printf "%.6f", $1}')
  [[ "$irtt" == "$(awk '$1 == "duration-tcp_handshake_max" {print $2}' "$WORK/out")" ]] ||
    pf_fail "tshark's largest initial RTT is $irtt, pcapflow-replay prints $(grep handshake_max "$WORK/out")"
fi
pf_pass "12 latency figures of 30 us to 1.53 ms, maxima exact to the microsecond (handshake max = tshark's initial RTT $irtt)"
