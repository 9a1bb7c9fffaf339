#!/usr/bin/env bash
# Direction by the capturing interface's own MAC. With no local network
# and no address on the interface, a live Ethernet frame's addresses decide
# nothing and libpcap gives no direction: pcapflow counts a frame sent from
# the interface's own MAC as tx, any other as rx (docs/DECODING.md,
# "Direction"). The same frames are sent twice across a veth pair, the
# second time as if from the receiving end's MAC: half must count rx, half
# tx. (The worker's MAC as pf_direction takes it had no test.)
source "$(dirname "$0")/lib.sh"
pf_test_init direction_by_mac
pf_netns_init
pf_veth_up

pf_gen mac mixed --packets 400 --seed 11
total=$(pf_truth_value "$WORK/mac.truth" packets-captured)
((total > 0)) || pf_fail "the capture holds no packet"
# Every frame's source MAC made VETH_B's (pf_veth_up), which the generator
# never uses. (tcprewrite --enet-smac also rewrites IPv6 frames' MACs to
# the multicast mapping.)
python3 - "$WORK/mac.pcap" "$WORK/own.pcap" <<'PY' || pf_fail "rewriting the source MACs failed"
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
assert data[:4] == b"\xd4\xc3\xb2\xa1", "a little-endian microsecond pcap file"
off, n = 24, 0
while off < len(data):
    incl = struct.unpack_from("<I", data, off + 8)[0]
    assert incl >= 12, "a frame with its source MAC captured"
    data[off + 16 + 6:off + 16 + 12] = bytes.fromhex("0afe00000002")
    off += 16 + incl
    n += 1
open(sys.argv[2], "wb").write(data)
PY

dir="$WORK/collectd"
pf_collectd "$dir" --netns "$NS_B" --interface "$VETH_B" Instance veth
sent=$(pf_replay "$WORK/mac.pcap")
[[ "$sent" == "$total" ]] || pf_fail "tcpreplay sent $sent packets, the capture holds $total"
sent=$(pf_replay "$WORK/own.pcap")
[[ "$sent" == "$total" ]] || pf_fail "tcpreplay sent $sent rewritten packets, the capture holds $total"
pf_wait_captured veth $((2 * total)) 20
sleep 1.5 # one more interval: nothing more may arrive
read -r rx tx < <(pf_family_total "$dir" veth if_packets)
[[ "$rx" == "$total" && "$tx" == "$total" ]] ||
  pf_fail "if_packets rx $rx tx $tx; expected $total each (the frames from the interface's own MAC are tx)"
pf_collectd_stop
pf_pass "$total frames rx and the same $total from the interface's own MAC tx"
