#!/usr/bin/env bash
# Workers 2 on a bridge port with no tx-vlan offload: a flow's frames the
# port SENDS carry a VLAN tag the kernel put in the frame in software (the
# network header still at the IP header), its frames the port RECEIVES have
# the tag taken out. Both directions of each of 16 tagged UDP flows must
# reach one worker: every series equal to one engine's reading of the same
# frames. With the group's program reading from the network header on
# transmit (SKF_NET_OFF and skb->protocol, before fanout_hash.c's start by
# packet type) it found no IP behind the tag on transmit, sent those frames
# to worker 0, and split the flows: 27 UDP flows where there are 16. The
# same with the offload on (the tag outside the frame both ways) checks
# the other path.
source "$(dirname "$0")/lib.sh"
pf_test_init fanout_vlan_tx
command -v python3 >/dev/null || pf_skip "python3 is missing"
command -v ethtool >/dev/null || pf_skip "ethtool is missing (make deps)"
pf_netns_init
pf_veth_up
# VETH_B is a bridge port: frames put into x1 leave through it.
ip -n "$NS_B" link add br0 type bridge mcast_snooping 0 || pf_skip "no bridge support here"
ip -n "$NS_B" link add x1 type veth peer name p1
ip -n "$NS_B" link set p1 master br0
ip -n "$NS_B" link set "$VETH_B" master br0
for d in br0 x1 p1; do ip -n "$NS_B" link set "$d" up; done
# Nothing of the namespace's own on the wire (the bridge's IPv6 chatter).
ip netns exec "$NS_B" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
  net.ipv6.conf.default.disable_ipv6=1
sleep 2 # what the ports send as they come up is not the test's

flows=16
python3 "$PCAPFLOW_ROOT/tests/integration/craft_vlan_flows.py" "$WORK" "$flows" ||
  pf_fail "cannot write the captures"
series='^(connections-flows_new|current_connections-flows_udp|packets-captured|packets-ipv4|packets-vlan|packets-non_ip) '
"$REPLAY" -n veth "$WORK/both.pcap" | grep -E "$series" >"$WORK/ref"
[[ "$(awk '$1 == "current_connections-flows_udp" { print $2 }' "$WORK/ref")" == "$flows" ]] ||
  pf_fail "one engine's reading has not $flows UDP flows: $(cat "$WORK/ref")"

for txvlan in off on; do
  ip netns exec "$NS_B" ethtool -K "$VETH_B" txvlan "$txvlan" >/dev/null ||
    pf_skip "ethtool cannot set txvlan $txvlan on a veth here"
  dir="$WORK/collectd-$txvlan"
  pf_collectd "$dir" --netns "$NS_B" --interface "$VETH_B" Instance veth Workers 2
  up() { [[ "$(pf_value "$dir" veth gauge-capture_up)" == 2 ]]; }
  pf_wait_until 20 up || pf_fail "txvlan $txvlan: capture_up = $(pf_value "$dir" veth gauge-capture_up)"
  ip netns exec "$NS_B" tcpreplay --pps=2000 -i x1 "$WORK/fwd.pcap" >/dev/null 2>&1 ||
    pf_fail "txvlan $txvlan: tcpreplay on x1"
  sent=$(pf_replay "$WORK/rev.pcap" --pps=2000)
  [[ "$sent" == "$flows" ]] || pf_fail "txvlan $txvlan: sent $sent of $flows answers"
  pf_wait_captured veth $((2 * flows)) 20
  sleep 1.5 # one more interval: nothing more may arrive
  pf_csv_values "$dir" veth | grep -E "$series" >"$dir/actual"
  pf_compare_truth "$WORK/ref" "$dir/actual" "txvlan $txvlan" ||
    pf_fail "txvlan $txvlan: a flow split across the workers"
  pf_collectd_stop
done
pf_pass "Workers 2, tagged flows sent and received on a bridge port: $flows flows, txvlan off and on, every series exact"
