#!/usr/bin/env bash
# A live link that falls silent. With TPACKET_V3 a blocking read returns only
# once a block holds a packet, so a capture thread that waited in libpcap
# would sleep until the next packet: idle flows would never expire, and the
# drops the kernel counted during the last burst would never be read. The
# capture waits in its own poll() with a timeout instead; this test holds it
# to that, with no packet at all after the traffic:
#  1. after a replay, every flow expires by the wall clock (timeouts of 2 s)
#     and flows_new = flows_expired;
#  2. after a burst at top speed into a 1 MiB buffer, captured + dropped by
#     the kernel = frames sent, exactly.
source "$(dirname "$0")/lib.sh"
pf_test_init idle_link
pf_netns_init
pf_veth_up

pf_gen live live --seed 11
pf_gen burst flood --packets 200000 --seed 3

dir="$WORK/collectd"
pf_collectd "$dir" --netns "$NS_B" --interface "$VETH_B" Instance veth BufferSize 1 \
  TcpTimeout 2 TcpClosedTimeout 1 UdpTimeout 2 IcmpTimeout 2 OtherTimeout 2

# 1. Flows expire on a silent link.
sent=$(pf_replay "$WORK/live.pcap")
pf_wait_captured veth "$sent" 20
pf_wait_written "$dir" veth connections-flows_new
new=$(pf_value "$dir" veth connections-flows_new)
[[ "$new" -gt 0 ]] || pf_fail "the replay made no flows"
all_expired() {
  [[ "$(pf_flows "$dir" veth)" == 0 &&
    "$(pf_value "$dir" veth connections-flows_expired)" == "$new" ]]
}
pf_wait_until 15 all_expired ||
  pf_fail "the link is silent, yet $(pf_flows "$dir" veth) of $new flows are still in the table ($(pf_value "$dir" veth connections-flows_expired) expired)"

# 2. A burst's drops are read although no packet follows it.
before=$(pf_value "$dir" veth packets-captured)
burst=$(pf_replay "$WORK/burst.pcap" --topspeed)
[[ "$burst" == 200000 ]] || pf_fail "tcpreplay sent $burst of 200000 frames"
books_balance() {
  local captured dropped
  captured=$(pf_value "$dir" veth packets-captured)
  dropped=$(pf_value "$dir" veth packets-dropped_kernel)
  [[ $((captured - before + dropped)) == "$burst" ]]
}
pf_wait_until 15 books_balance ||
  pf_fail "captured $(($(pf_value "$dir" veth packets-captured) - before)) + dropped $(pf_value "$dir" veth packets-dropped_kernel) of $burst frames sent, with the link silent since"
dropped=$(pf_value "$dir" veth packets-dropped_kernel)
pf_collectd_stop
pf_pass "$new flows expired on a silent link; a burst of $burst frames: $((burst - dropped)) captured + $dropped dropped by the kernel, read with no packet after it"
