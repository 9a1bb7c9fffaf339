#!/usr/bin/env bash
# TCP health of real TCP stacks: curl in one network namespace downloads
# from Python's HTTP server in another, over a wire of our own (tap_wire.c:
# a TAP device in each namespace, frames passed across after a set delay, a
# set share dropped; this kernel has no netem). tcpdump captures at the
# server's side. pcapflow-replay reads that capture: the client's part of
# the handshake (SYN-ACK -> ACK, one round trip) matches twice the wire
# delay within 3 ms + 1/64; without loss nothing is retransmitted; with
# loss retransmissions are counted, and every count equals what tshark's
# tcp.analysis flags (and its RST count) say of the same capture.
#
# The capture is on the sending side of the data, before the loss, so every
# segment below the highest sequence number seen is a re-send of data seen
# before. tshark splits those by a timing heuristic: ones within about a
# round trip of the last segment it calls out-of-order, the rest
# retransmissions. pcapflow counts data seen before as retransmitted,
# whatever the timing (docs/METRICS.md), so its count equals tshark's
# retransmission and out-of-order frames together, and its out-of-order
# count (data never seen, filling a gap) is 0 here.
source "$(dirname "$0")/lib.sh"
pf_test_init tcp_stack

for tool in tshark tcpdump curl python3 cc; do
  command -v "$tool" >/dev/null || pf_skip "$tool is not installed"
done
[[ -c /dev/net/tun ]] || pf_skip "no /dev/net/tun"
cc -std=gnu11 -Wall -Wextra -Werror -O2 -o "$WORK/tap_wire" "$(dirname "$0")/tap_wire.c" ||
  pf_fail "cannot build tap_wire"
pf_netns_init
mkdir -p "$WORK/www"
head -c 300000 /dev/zero | tr '\0' 'x' >"$WORK/www/blob"

# run LABEL DELAY_MS LOSS_PERMILLE DOWNLOADS : one wire, one capture.
run() {
  local label=$1 delay=$2 loss=$3 n=$4
  local ta="ta$label$$" tb="tb$label$$"
  "$WORK/tap_wire" "$NS_A" "$ta" "$NS_B" "$tb" "$delay" "$loss" 7 >"$WORK/$label.wire" 2>&1 &
  local wire=$!
  PF_PIDS+=("$wire")
  wire_ready() { grep -q ready "$WORK/$label.wire"; }
  pf_wait_until 10 wire_ready || pf_fail "tap_wire did not start: $(cat "$WORK/$label.wire")"
  ip -n "$NS_A" addr add 198.18.6.1/24 dev "$ta"
  ip -n "$NS_B" addr add 198.18.6.2/24 dev "$tb"
  ip -n "$NS_A" link set "$ta" up
  ip -n "$NS_B" link set "$tb" up
  ip netns exec "$NS_B" python3 -m http.server 8080 --bind 198.18.6.2 --directory "$WORK/www" \
    >"$WORK/$label.http" 2>&1 &
  local server=$!
  PF_PIDS+=("$server")
  server_up() { ip netns exec "$NS_A" curl -s -o /dev/null --max-time 5 http://198.18.6.2:8080/; }
  pf_wait_until 20 server_up || pf_fail "the HTTP server did not answer"
  ip netns exec "$NS_B" tcpdump -i "$tb" -U -s 200 -w "$WORK/$label.pcap" 'tcp port 8080' \
    >"$WORK/$label.tcpdump" 2>&1 &
  local dump=$!
  PF_PIDS+=("$dump")
  dump_ready() { grep -qs "listening on" "$WORK/$label.tcpdump"; }
  pf_wait_until 10 dump_ready || pf_fail "tcpdump did not start"
  local i
  for i in $(seq 1 "$n"); do
    ip netns exec "$NS_A" curl -s -o /dev/null --max-time 60 http://198.18.6.2:8080/blob ||
      pf_fail "$label: download $i failed"
  done
  sleep 0.5
  kill -INT "$dump"
  wait "$dump" 2>/dev/null || true
  kill "$server" "$wire" 2>/dev/null || true
  wait "$server" "$wire" 2>/dev/null || true
  "$REPLAY" -l "$LOCAL_V4" "$WORK/$label.pcap" >"$WORK/$label.out" || pf_fail "replay failed on $label"
}

value() { awk -v id="$2" '$1 == id {print $2}' "$WORK/$1.out"; }
tshark_count() { tshark -r "$WORK/$1.pcap" -Y "$2" 2>/dev/null | wc -l; }

# compare LABEL : pcapflow's counts against tshark's on the same capture.
compare() {
  local label=$1 ours theirs pair
  for pair in "protocol_counter-tcp_retransmitted:tcp.analysis.retransmission || tcp.analysis.out_of_order" \
    "protocol_counter-tcp_zero_window:tcp.analysis.zero_window" \
    "protocol_counter-tcp_rst:tcp.flags.reset == 1"; do
    ours=$(value "$label" "${pair%%:*}")
    theirs=$(tshark_count "$label" "${pair#*:}")
    [[ "$ours" == "$theirs" ]] || pf_fail "$label: ${pair%%:*} is $ours, tshark's ${pair#*:} counts $theirs"
  done
}

# A clean wire with a 20 ms delay each way.
run clean 20 0 5
compare clean
[[ "$(value clean protocol_counter-tcp_retransmitted)" == 0 ]] || pf_fail "retransmissions on a clean wire"
[[ "$(value clean protocol_counter-tcp_completed)" -ge 5 ]] || pf_fail "completed: $(value clean protocol_counter-tcp_completed)"
rtt=$(value clean duration-tcp_synack_ack_p50)
awk -v m="$rtt" 'BEGIN { exit !(m >= 0.040 - 0.040 / 64 && m <= 0.043 + 0.043 / 64) }' ||
  pf_fail "SYN-ACK -> ACK median is $rtt s, the wire's round trip is 0.040 s"
server=$(value clean duration-tcp_syn_synack_max)
awk -v m="$server" 'BEGIN { exit !(m < 0.005) }' || pf_fail "SYN -> SYN-ACK at the server's side is $server s"

# The same with 3% of the frames lost each way.
run lossy 10 30 8
compare lossy
[[ "$(value lossy protocol_counter-tcp_retransmitted)" -gt 0 ]] || pf_fail "no retransmission counted on a lossy wire"
[[ "$(value lossy protocol_counter-tcp_out_of_order)" == 0 ]] || pf_fail "out-of-order data at the sending side"
tshark_retrans=$(tshark_count lossy "tcp.analysis.retransmission")
tshark_ooo=$(tshark_count lossy "tcp.analysis.out_of_order")
pf_pass "clean: SYN-ACK->ACK median $rtt s (wire RTT 0.040), 0 retransmitted; lossy (3%): $(value lossy protocol_counter-tcp_retransmitted) retransmitted = tshark $tshark_retrans retransmission + $tshark_ooo out-of-order"
