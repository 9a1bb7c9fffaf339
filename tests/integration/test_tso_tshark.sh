#!/usr/bin/env bash
# Segmentation offload as a sending host's capture holds it, against tshark.
# Python's HTTP server in one network namespace sends 2 MB to curl in
# another over a veth; tcpdump captures at the server's side with a 200-byte
# snapshot length, where the kernel hands over its GSO segments of up to
# 64 KiB before they are cut into frames. Linux writes their IPv4 total
# length; hosts with TSO in the NIC (Windows' LSO, ...) leave it 0, which
# is what tshark calls "presumed TSO": this test zeroes the total length of
# every frame longer than the link's MTU to make that capture, and adds one
# of those segments again as a retransmission.
#
# pcapflow-replay must then agree with tshark on the same capture: every
# frame, every TCP packet and byte, nothing malformed, and the resent
# segment counted by the TCP analysis (docs/DECODING.md, "Network layer").
source "$(dirname "$0")/lib.sh"
pf_test_init tso_tshark

for tool in tshark tcpdump curl python3; do
  command -v "$tool" >/dev/null || pf_skip "$tool is not installed"
done
pf_netns_init
VA="pta$$" VB="ptb$$"
ip link add "$VA" netns "$NS_A" type veth peer name "$VB" netns "$NS_B"
ip -n "$NS_A" addr add 198.18.7.1/24 dev "$VA"
ip -n "$NS_B" addr add 198.18.7.2/24 dev "$VB"
ip -n "$NS_A" link set "$VA" up
ip -n "$NS_B" link set "$VB" up
mkdir -p "$WORK/www"
head -c 2000000 /dev/zero | tr '\0' 'x' >"$WORK/www/blob"

ip netns exec "$NS_B" python3 -m http.server 8080 --bind 198.18.7.2 --directory "$WORK/www" \
  >"$WORK/http.log" 2>&1 &
PF_PIDS+=($!)
server_up() { ip netns exec "$NS_A" curl -s -o /dev/null --max-time 5 http://198.18.7.2:8080/; }
pf_wait_until 20 server_up || pf_fail "the HTTP server did not answer"
ip netns exec "$NS_B" tcpdump -i "$VB" --immediate-mode -U -s 200 -w "$WORK/gso.pcap" 'tcp port 8080' \
  >"$WORK/tcpdump.log" 2>&1 &
dump=$!
PF_PIDS+=("$dump")
dump_ready() { grep -qs "listening on" "$WORK/tcpdump.log"; }
pf_wait_until 10 dump_ready || pf_fail "tcpdump did not start"
for i in 1 2 3; do
  ip netns exec "$NS_A" curl -s -o /dev/null --max-time 60 http://198.18.7.2:8080/blob ||
    pf_fail "download $i failed"
done
sleep 0.5
kill -INT "$dump"
wait "$dump" 2>/dev/null || true

# The capture as a TSO host's would be: total length 0 (checksum redone)
# in every frame longer than the MTU, and the first such frame once more,
# right after the frame that follows it.
python3 - "$WORK/gso.pcap" "$WORK/tso.pcap" >"$WORK/rewrite.log" <<'PY' || pf_fail "rewrite failed"
import struct, sys
src = open(sys.argv[1], "rb").read()
assert struct.unpack("<I", src[:4])[0] == 0xa1b2c3d4 and struct.unpack("<I", src[20:24])[0] == 1
out, pos, records, zeroed, dup = [src[:24]], 24, [], 0, None
while pos + 16 <= len(src):
    sec, usec, caplen, length = struct.unpack("<IIII", src[pos:pos + 16])
    data = bytearray(src[pos + 16:pos + 16 + caplen])
    pos += 16 + caplen
    if length > 1514 and data[12:14] == b"\x08\x00":
        ihl = (data[14] & 0x0f) * 4
        data[16:18] = b"\0\0"
        data[24:26] = b"\0\0"
        s = sum(struct.unpack("!%dH" % (ihl // 2), bytes(data[14:14 + ihl])))
        while s >> 16:
            s = (s & 0xffff) + (s >> 16)
        data[24:26] = struct.pack("!H", ~s & 0xffff)
        zeroed += 1
    records.append([sec, usec, caplen, length, bytes(data)])
    if zeroed == 1 and dup is None:
        dup = len(records) - 1
assert dup is not None and dup + 1 < len(records)
again = list(records[dup])
again[0:2] = records[dup + 1][0:2]
records.insert(dup + 2, again)
for sec, usec, caplen, length, data in records:
    out.append(struct.pack("<IIII", sec, usec, caplen, length) + data)
open(sys.argv[2], "wb").write(b"".join(out))
print(zeroed)
PY
zeroed=$(cat "$WORK/rewrite.log")
[[ "$zeroed" -ge 10 ]] || pf_fail "only $zeroed frames longer than the MTU were captured: no GSO on this veth?"

"$REPLAY" -l 198.18.7.2/32 "$WORK/tso.pcap" >"$WORK/ours" || pf_fail "pcapflow-replay failed"
ours() { awk -v id="$1" '$1 == id {print $2 + ($3 == "" ? 0 : $3)}' "$WORK/ours"; }
# ours_all TYPE: rx + tx over the family, every frame in one of its series.
ours_all() { awk -v t="$1-" 'index($1, t) == 1 {s += $2 + $3} END {print s + 0}' "$WORK/ours"; }
tshark_frames() { tshark -r "$WORK/tso.pcap" -Y "$1" -T fields -e frame.len 2>/dev/null; }
tshark_count() { tshark_frames "$1" | wc -l; }
tshark_bytes() { tshark_frames "$1" | awk '{s += $1} END {print s + 0}'; }

presumed=$(tshark -r "$WORK/tso.pcap" -V 2>/dev/null |
  grep -c 'presumed to be because of "TCP segmentation offload"' || true)
[[ "$presumed" == $((zeroed + 1)) ]] || pf_fail "tshark presumes TSO in $presumed frames, expected $((zeroed + 1))"
[[ "$(ours_all if_packets)" == "$(tshark_count frame)" ]] ||
  pf_fail "if_packets-* add up to $(ours_all if_packets), tshark counts $(tshark_count frame) frames"
[[ "$(ours_all if_octets)" == "$(tshark_bytes frame)" ]] ||
  pf_fail "if_octets-* add up to $(ours_all if_octets), tshark's frames hold $(tshark_bytes frame) bytes"
for pair in "if_packets-tcp:tcp" "io_packets-ipv4:ip"; do
  [[ "$(ours "${pair%%:*}")" == "$(tshark_count "${pair#*:}")" ]] ||
    pf_fail "${pair%%:*} is $(ours "${pair%%:*}"), tshark counts $(tshark_count "${pair#*:}") ${pair#*:} frames"
done
for pair in "if_octets-tcp:tcp"; do
  [[ "$(ours "${pair%%:*}")" == "$(tshark_bytes "${pair#*:}")" ]] ||
    pf_fail "${pair%%:*} is $(ours "${pair%%:*}"), tshark's ${pair#*:} frames hold $(tshark_bytes "${pair#*:}") bytes"
done
[[ "$(ours if_packets-malformed)" == 0 ]] || pf_fail "$(ours if_packets-malformed) frames malformed: $(grep malformed_ "$WORK/ours" | grep -v ' 0$')"
# Data seen before is retransmitted to pcapflow, whatever the timing; tshark
# splits it into retransmissions and out-of-order segments by timing (see
# test_tcp_stack.sh), and calls one already acknowledged spurious.
resent=$(tshark_count "tcp.analysis.retransmission || tcp.analysis.out_of_order || tcp.analysis.spurious_retransmission")
[[ "$resent" -ge 1 && "$(ours protocol_counter-tcp_retransmitted)" == "$resent" ]] ||
  pf_fail "retransmitted: pcapflow $(ours protocol_counter-tcp_retransmitted), tshark $resent (the resent TSO segment among them)"
[[ "$(ours protocol_counter-tcp_completed)" == 3 ]] || pf_fail "completed handshakes: $(ours protocol_counter-tcp_completed), expected 3"
pf_pass "$(ours_all if_packets) frames, $zeroed of them TSO segments with total length 0 (tshark: presumed TSO): packets, bytes and $resent resent segments as tshark counts them, none malformed"
