#!/usr/bin/env bash
# Workers 2 spreads one interface over two capture threads with
# PACKET_FANOUT: totals equal what was sent, and no flow is split across
# workers (a split flow would be counted as a new flow by each worker, so
# flows_new would exceed the single-threaded count of the same capture).
source "$(dirname "$0")/lib.sh"
pf_test_init fanout_veth
pf_netns_init
pf_veth_up

pf_gen mixed mixed --packets 30000 --seed 21
# The reference: the same capture through one engine instance.
"$REPLAY" -l "$LOCAL_V4" -l "$LOCAL_V6" "$WORK/mixed.pcap" >"$WORK/reference"
ref() { awk -v id="$1" '$1 == id { $1 = ""; sub(/^ /, ""); print }' "$WORK/reference"; }
total=$(ref packets-captured)

dir="$WORK/collectd"
# TcpClosedTimeout: the reference reads the file's 0.3 s of packet time;
# live, the wall clock runs on while the test looks, and flows closed early
# in the replay would expire 10 s after it (by design). Longer than any wait.
pf_collectd "$dir" --local --netns "$NS_B" \
  --interface "$VETH_B" Instance veth Workers 2 BufferSize 64 TcpClosedTimeout 600
pf_wait_until 20 grep -q "capturing on \"$VETH_B\" (link type EN10MB, fanout)" "$dir/collectd.log" ||
  pf_fail "fanout capture did not start: $(cat "$dir/collectd.log")"
both_up() { [[ "$(pf_value "$dir" veth gauge-capture_up)" == 2 ]]; }
pf_wait_until 20 both_up || pf_fail "capture_up = $(pf_value "$dir" veth gauge-capture_up), expected 2 workers"

sent=$(pf_replay "$WORK/mixed.pcap")
[[ "$sent" == "$total" ]] || pf_fail "tcpreplay sent $sent of $total"
pf_wait_captured veth "$total"
sleep 1.5
[[ "$(pf_value "$dir" veth packets-dropped_kernel)" == 0 ]] || pf_fail "kernel drops: $(pf_value "$dir" veth packets-dropped_kernel)"

for id in packets-captured io_packets-ipv4 io_octets-ipv4 if_packets-tcp if_octets-udp \
  if_packets-malformed protocol_counter-tcp_syn connections-flows_new \
  current_connections-flows_tcp current_connections-flows_udp; do
  got=$(pf_value "$dir" veth "$id")
  [[ "$got" == "$(ref "$id")" ]] || pf_fail "$id: Workers 2 gave \"$got\", one engine gave \"$(ref "$id")\""
done
pf_collectd_stop
pf_pass "$total packets over 2 workers, $(ref connections-flows_new) flows, none split"
