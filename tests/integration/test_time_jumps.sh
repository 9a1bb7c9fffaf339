#!/usr/bin/env bash
# Packet time that jumps (docs/RELIABILITY.md, "Time"), on captures built
# here with known timestamps, read by pcapflow-replay, with tshark reading
# the same files as the reference for every latency and segment count:
#  - reorder: a frame stamped 50 ms later comes before a handshake (two NIC
#    queues merged): its latencies are those of its own timestamps;
#  - ahead: one record a year ahead between two handshakes: the second
#    handshake's latency is its own, and idle flows still expire after it;
#  - y2106: a record at ts_sec 0xFFFFFFFF (libpcap reads it as -1 s)
#    before two handshakes: both complete, none counts as unanswered;
#  - stepback: the clock stepped back an hour: flows still expire;
#  - tailloss: data lost before the capture point, a pure ACK showing a
#    higher sequence number, then the data resent: counted (out of order),
#    as tshark flags it.
source "$(dirname "$0")/lib.sh"
pf_test_init time_jumps
for tool in tshark python3; do
  command -v "$tool" >/dev/null || pf_skip "$tool is not installed"
done

# build NAME writes $WORK/NAME.pcap from lines "SECONDS USEC KIND ARGS" on stdin:
#   udp SPORT                      198.19.0.9:SPORT -> 198.18.0.1:53
#   tcp CPORT FROM FLAGS SEQ ACK LEN  198.19.0.2:CPORT <-> 198.18.0.1:80
# (FROM c or s; FLAGS of S, A, F, R, P). Seconds are written as unsigned
# 32-bit values, so 4294967295 is ts_sec 0xFFFFFFFF.
cat >"$WORK/build.py" <<'PY'
import struct, sys
def ip(src, dst, proto, l4):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0, 64, proto, 0,
                    bytes(src), bytes(dst))
    s = sum(struct.unpack("!10H", h))
    s = (s & 0xffff) + (s >> 16)
    s = (s & 0xffff) + (s >> 16)
    return h[:10] + struct.pack("!H", ~s & 0xffff) + h[12:] + l4
def eth(payload):
    return bytes([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2]) + b"\x08\x00" + payload
client, server, other = [198, 19, 0, 2], [198, 18, 0, 1], [198, 19, 0, 9]
out = open(sys.argv[1], "wb")
out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
for line in sys.stdin:
    f = line.split()
    if not f:
        continue
    sec, usec, kind = int(f[0]), int(f[1]), f[2]
    if kind == "udp":
        l4 = struct.pack("!HHHH", int(f[3]), 53, 8 + 4, 0) + b"\0" * 4
        frame = eth(ip(other, server, 17, l4))
    else:
        cport, frm, flags = int(f[3]), f[4], f[5]
        seq, ack, n = int(f[6]), int(f[7]), int(f[8])
        bits = sum({"F": 1, "S": 2, "R": 4, "P": 8, "A": 16}[c] for c in flags)
        sp, dp = (cport, 80) if frm == "c" else (80, cport)
        l4 = struct.pack("!HHIIBBHHH", sp, dp, seq, ack, 5 << 4, bits, 65535, 0, 0)
        l4 += b"x" * n
        src, dst = (client, server) if frm == "c" else (server, client)
        frame = eth(ip(src, dst, 6, l4))
    out.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame)
PY
build() { python3 "$WORK/build.py" "$WORK/$1.pcap"; }

T=1700000000 # 2023-11-14
build reorder <<EOF
$T 50000 udp 1
$T 0 tcp 40000 c S 100 0 0
$T 40300 tcp 40000 s SA 500 101 0
$T 45000 tcp 40000 c A 101 501 0
EOF
build ahead <<EOF
$T 0 tcp 40001 c S 100 0 0
$T 10000 tcp 40001 s SA 500 101 0
$T 11000 tcp 40001 c A 101 501 0
$((T + 365 * 86400)) 0 udp 1
$((T + 1)) 0 tcp 40002 c S 100 0 0
$((T + 1)) 30700 tcp 40002 s SA 500 101 0
$((T + 1)) 31700 tcp 40002 c A 101 501 0
$((T + 2)) 0 udp 2
$((T + 63)) 0 udp 3
EOF
build y2106 <<EOF
$T 0 tcp 40001 c S 100 0 0
$T 10000 tcp 40001 s SA 500 101 0
$T 11000 tcp 40001 c A 101 501 0
4294967295 999999 udp 1
$((T + 1)) 0 tcp 40002 c S 100 0 0
$((T + 1)) 20300 tcp 40002 s SA 500 101 0
$((T + 1)) 21300 tcp 40002 c A 101 501 0
$((T + 20)) 0 udp 2
EOF
build stepback <<EOF
$T 0 udp 1
$((T - 3600)) 0 udp 2
$((T - 3600 + 61)) 0 udp 3
EOF
build tailloss <<EOF
$T 0 tcp 40000 c S 1000 0 0
$T 1000 tcp 40000 s SA 5000 1001 0
$T 2000 tcp 40000 c A 1001 5001 0
$T 3000 tcp 40000 c PA 1001 5001 100
$T 4000 tcp 40000 s A 5001 1101 0
$T 500000 tcp 40000 c A 1201 5001 0
$((T + 1)) 0 tcp 40000 c PA 1101 5001 100
$((T + 1)) 1000 tcp 40000 s A 5001 1201 0
EOF

for f in reorder ahead y2106 stepback tailloss; do
  "$REPLAY" -l "$LOCAL_V4" "$WORK/$f.pcap" >"$WORK/$f.out" 2>"$WORK/$f.err" ||
    pf_fail "pcapflow-replay failed on $f: $(cat "$WORK/$f.err")"
done
value() { awk -v id="$2" '$1 == id {print $2}' "$WORK/$1.out"; }
expect() { # CAPTURE ID VALUE
  [[ "$(value "$1" "$2")" == "$3" ]] || pf_fail "$1: $2 is $(value "$1" "$2"), expected $3"
}

# tshark's handshakes: per stream, SYN -> SYN-ACK from the frames' own
# times, and its initial RTT (SYN -> ACK); the largest of each, as our
# maximum, to the microsecond as pcapflow-replay prints.
tshark_max() { # CAPTURE syn_synack|handshake
  tshark -r "$WORK/$1.pcap" -T fields -e tcp.stream -e tcp.flags.syn -e tcp.flags.ack \
    -e frame.time_epoch -e tcp.analysis.initial_rtt -Y tcp 2>/dev/null |
    awk -v want="$2" -F'\t' '
      $2 == "1" && $3 == "0" && !($1 in syn) { syn[$1] = $4 }
      $2 == "1" && $3 == "1" && !($1 in sa) { sa[$1] = $4 }
      $5 != "" { irtt[$1] = $5 }
      END {
        m = 0
        for (s in sa) { d = sa[s] - syn[s]; if (want == "syn_synack" && d > m) m = d }
        for (s in irtt) if (want == "handshake" && irtt[s] + 0 > m) m = irtt[s] + 0
        printf "%.6f\n", m
      }'
}
for f in reorder ahead y2106; do
  expect "$f" duration-tcp_syn_synack_max "$(tshark_max "$f" syn_synack)"
  expect "$f" duration-tcp_handshake_max "$(tshark_max "$f" handshake)"
done
expect reorder duration-tcp_syn_synack_max 0.040300
expect ahead duration-tcp_syn_synack_max 0.030700
expect y2106 protocol_counter-tcp_completed 2
expect y2106 protocol_counter-tcp_unanswered_syn 0
expect ahead protocol_counter-tcp_unanswered_syn 0

# Expiry after the jumps: in "ahead", udp 2 has been idle 61 s (more than
# UdpTimeout) by the last packet; the open TCP connection and udp 3 remain
# (the first connection and the record ahead expired at the jump). In
# "stepback", udp 1 and 2 have been idle 61 s when udp 3 comes.
[[ "$(pf_flows_of "$WORK/ahead.out")" == 2 ]] || pf_fail "ahead: $(pf_flows_of "$WORK/ahead.out") flows in the table, expected 2"
expect ahead current_connections-flows_udp 1
[[ "$(pf_flows_of "$WORK/stepback.out")" == 1 ]] || pf_fail "stepback: $(pf_flows_of "$WORK/stepback.out") flows in the table, expected 1"
expect stepback connections-flows_expired 2

# The tail loss: tshark flags the resent segment; pcapflow counts it once,
# as data never seen before (out of order).
theirs=$(tshark -r "$WORK/tailloss.pcap" -Y "tcp.analysis.retransmission || tcp.analysis.out_of_order" 2>/dev/null | wc -l)
ours=$(($(value tailloss protocol_counter-tcp_retransmitted) + $(value tailloss protocol_counter-tcp_out_of_order)))
[[ "$theirs" == 1 && "$ours" == "$theirs" ]] || pf_fail "tailloss: pcapflow counts $ours resent segments, tshark $theirs"
expect tailloss protocol_counter-tcp_out_of_order 1

pf_pass "latencies equal tshark's across reordered, year-ahead and 0xFFFFFFFF timestamps; expiry after jumps; tail loss counted"
