#!/usr/bin/env bash
# Capture on loopback, in a network namespace of the test's own, against the
# kernel's counters of the same `lo` (docs/DECODING.md, "Direction" and
# "Lengths"). Every loopback packet is sent and received by this host: the
# kernel counts it in both tx and rx, libpcap hands it over once (the copy
# the kernel received, it drops the outgoing one), and pcapflow counts it
# once, as rx. Its bytes are libpcap's length, which holds the 14-byte
# Ethernet header loopback frames are given, while loopback's counters
# count from the IP header on.
source "$(dirname "$0")/lib.sh"
pf_test_init loopback_direction

pf_netns_init # the capture in $NS_B, on its own loopback
NS=$NS_B
ip -n "$NS" link set lo up
kernel() { ip netns exec "$NS" cat "/sys/class/net/lo/statistics/$1"; }

dir="$WORK/collectd"
pf_collectd "$dir" --netns "$NS" --interface lo
declare -A before
for c in rx_packets tx_packets rx_bytes tx_bytes; do
  before[$c]=$(kernel "$c")
done

# UDP datagrams of 1 to 1,400 bytes and a TCP exchange on 127.0.0.1, and
# UDP from 127.0.0.1 to the other loopback addresses hosts use unconfigured
# (systemd-resolved's 127.0.0.53, Debian's 127.0.1.1 for the host name):
# all of 127.0.0.0/8 is lo's, so these are received too, never sent.
ip netns exec "$NS" timeout 30 python3 - <<'PY' || pf_fail "loopback traffic failed"
import socket
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
r.bind(("127.0.0.1", 9999))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for n in range(1, 1401, 28):
    s.sendto(b"u" * n, ("127.0.0.1", 9999))
    r.recv(2000)
for other in ("127.0.0.53", "127.0.1.1"):
    o = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    o.bind((other, 9997))
    for n in (1, 100, 1000):
        s.sendto(b"o" * n, (other, 9997))
        o.recv(2000)
        o.sendto(b"r", ("127.0.0.1", s.getsockname()[1]))
        s.recv(10)
    o.close()
srv = socket.socket()
srv.bind(("127.0.0.1", 9998))
srv.listen(1)
c = socket.create_connection(("127.0.0.1", 9998))
a, _ = srv.accept()
for n in (10, 1000, 20000):
    c.sendall(b"t" * n)
    got = 0
    while got < n:
        got += len(a.recv(65536))
    a.sendall(b"ok")
    c.recv(2)
c.close()
a.close()
PY
sleep 0.5
rx_packets=$(($(kernel rx_packets) - before[rx_packets]))
tx_packets=$(($(kernel tx_packets) - before[tx_packets]))
rx_bytes=$(($(kernel rx_bytes) - before[rx_bytes]))
tx_bytes=$(($(kernel tx_bytes) - before[tx_bytes]))
[[ "$rx_packets" == "$tx_packets" && "$rx_bytes" == "$tx_bytes" && "$rx_packets" -ge 60 ]] ||
  pf_fail "loopback's counters: rx $rx_packets packets $rx_bytes bytes, tx $tx_packets packets $tx_bytes bytes"

pf_wait_captured lo "$rx_packets" 20
sleep 1.5 # one more interval: nothing more may arrive
packets=$(pf_family_total "$dir" lo if_packets)
octets=$(pf_family_total "$dir" lo if_octets)
[[ "$(pf_value "$dir" lo packets-dropped_kernel)" == 0 ]] || pf_fail "the kernel dropped packets"
pf_collectd_stop
[[ "$packets" == "$rx_packets 0" ]] ||
  pf_fail "if_packets-* (rx tx) add up to $packets; loopback received (and sent) $rx_packets"
[[ "$octets" == "$((rx_bytes + 14 * rx_packets)) 0" ]] ||
  pf_fail "if_octets-* (rx tx) add up to $octets; loopback received $rx_bytes bytes in $rx_packets packets (+ 14 each)"
pf_pass "$rx_packets loopback packets: rx = the kernel's rx (and tx) count, tx 0; bytes = its $rx_bytes + 14 x $rx_packets"
