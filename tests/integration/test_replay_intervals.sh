#!/usr/bin/env bash
# pcapflow-replay -i on what a file can hold beyond a well-behaved
# capture (review findings of December 7, each failing before its fix):
# - a record stamped 0xFFFFFFFF seconds (libpcap reads -1: before 1970) is
#   before every boundary, as the engine's clock takes it; -i looped
#   forever holding it;
# - packet time moves to each boundary at a pause, as an idle live link's
#   does: a UDP flow idle past UdpTimeout (60 s) is expired by the read at
#   100 s, not only when the next packet comes at 150 s;
# - a read after more than 262,144 flows still gets the interval before
#   it whole: its distinct counts were 0, and came one read late.
source "$(dirname "$0")/lib.sh"
pf_test_init replay_intervals
command -v python3 >/dev/null || pf_skip "python3 is missing"
command -v mergecap >/dev/null || pf_skip "mergecap is missing"

T0=1767225600 # pcapflow-gen's first second
# udp.pcap OUT SEC.USEC...: one UDP packet 198.18.0.1:5000 > 198.18.1.1:53
# at each time; a time of -1 writes the record 0xFFFFFFFF.
udp_pcap() {
  python3 - "$@" <<'PY'
import struct, sys
out, times = sys.argv[1], sys.argv[2:]
eth = b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00"
udp = struct.pack(">HHHH", 5000, 53, 8 + 4, 0) + b"abcd"
ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                 bytes([198, 18, 0, 1]), bytes([198, 18, 1, 1]))
frame = eth + ip + udp
with open(out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for t in times:
        sec, usec = (0xFFFFFFFF, 0) if t == "-1" else divmod(round(float(t) * 1e6), 1000000)
        f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame)
PY
}
marks() { awk '/^# interval / { printf "%s%s", sep, $3; sep = " " }' "$1"; }
interval() { awk -v n="$2" '/^# interval / { on = ($3 == n); next } on' "$1"; }
value() { awk -v id="$2" '$1 == id { print $2 }' "$1"; }
# ipv4 FILE: the IPv4 packets of the last interval printed, rx + tx.
ipv4() { awk '$1 == "io_packets-ipv4" { s = $2 + $3 } END { print s }' "$1"; }

# A record before 1970 among the others: read in the interval it comes in.
udp_pcap "$WORK/neg.pcap" "$T0" "$((T0 + 1))" -1 "$((T0 + 2))" "$((T0 + 3))"
# (A loop writes without end: at most 50 MB of it, for 20 s.)
(ulimit -f 50000 && timeout 20 "$REPLAY" -i 10 "$WORK/neg.pcap" >"$WORK/neg.out") ||
  pf_fail "pcapflow-replay -i 10 with a record stamped 0xFFFFFFFF: exit $? ($(wc -c <"$WORK/neg.out") bytes of output)"
[[ "$(marks "$WORK/neg.out")" == "1" ]] || pf_fail "intervals printed: $(marks "$WORK/neg.out" | head -c 200)"
[[ "$(ipv4 "$WORK/neg.out")" == 5 ]] || pf_fail "packets counted: $(grep '^io_packets-ipv4' "$WORK/neg.out")"
udp_pcap "$WORK/negfirst.pcap" -1 "$T0" "$((T0 + 1))"
(ulimit -f 50000 && timeout 20 "$REPLAY" -i 1 "$WORK/negfirst.pcap" >"$WORK/negfirst.out") ||
  pf_fail "pcapflow-replay -i 1 with a first record stamped 0xFFFFFFFF: exit $?"
[[ "$(ipv4 "$WORK/negfirst.out")" == 3 ]] ||
  pf_fail "packets counted: $(grep '^io_packets-ipv4' "$WORK/negfirst.out" | tail -1)"

# A file without packets, or only with records before 1970: one snapshot,
# no boundary named (it printed "end=1.000000", a time no packet had).
udp_pcap "$WORK/empty.pcap"
"$REPLAY" -i 1 "$WORK/empty.pcap" >"$WORK/empty.out" || pf_fail "pcapflow-replay -i 1 on an empty file failed"
[[ "$(grep -c '^# interval' "$WORK/empty.out")" == 1 && "$(grep '^# interval' "$WORK/empty.out")" == "# interval 1 end=none" ]] ||
  pf_fail "empty file: $(grep '^# interval' "$WORK/empty.out" | head -3)"
udp_pcap "$WORK/old.pcap" -1 -1
"$REPLAY" -i 1 "$WORK/old.pcap" >"$WORK/old.out" || pf_fail "pcapflow-replay -i 1 on records before 1970 failed"
[[ "$(grep '^# interval' "$WORK/old.out")" == "# interval 1 end=none" && "$(ipv4 "$WORK/old.out")" == 2 ]] ||
  pf_fail "records before 1970: $(grep '^# interval\|^io_packets-ipv4' "$WORK/old.out" | head -3)"

# An idle UDP flow expires at the read that comes after its timeout.
udp_pcap "$WORK/idle.pcap" "$T0.1" "$((T0 + 150))"
"$REPLAY" -i 100 "$WORK/idle.pcap" >"$WORK/idle.out" || pf_fail "pcapflow-replay -i 100 failed"
interval "$WORK/idle.out" 1 >"$WORK/idle-1.out"
[[ "$(value "$WORK/idle-1.out" current_connections-flows_udp)" == 0 &&
  "$(value "$WORK/idle-1.out" connections-flows_expired)" == 1 ]] ||
  pf_fail "at 100 s, 99.9 s after its packet: $(grep -E 'flows_udp|flows_expired' "$WORK/idle-1.out" | tr '\n' ' ')"

# 587,828 flows in the first 20 s, then one packet in each of the next two
# intervals: the read at 40 s reports the first interval's distinct
# sources (the flood's, spoofed), not 0.
"$GEN" --scenario flood --packets 600000 --seed 1 --out "$WORK/flood.pcap" >/dev/null || pf_fail "pcapflow-gen failed"
udp_pcap "$WORK/late.pcap" "$((T0 + 25))" "$((T0 + 45))"
mergecap -F pcap -w "$WORK/both.pcap" "$WORK/flood.pcap" "$WORK/late.pcap" || pf_fail "mergecap failed"
"$REPLAY" -i 20 -m 2000000 -l 198.18.0.0/16 "$WORK/both.pcap" >"$WORK/both.out" || pf_fail "pcapflow-replay -i 20 failed"
interval "$WORK/both.out" 2 >"$WORK/both-2.out"
sources=$(value "$WORK/both-2.out" count-distinct_src_hosts)
awk -v v="${sources:-0}" 'BEGIN { exit !(v > 100000) }' ||
  pf_fail "the read at 40 s reports ${sources:-no} distinct sources for the 20 s of flood before it"
pf_pass "a record before 1970 read in its interval (5 and 3 packets, exit 0); an idle flow expired at the read after its timeout; the read after 587,828 flows reports their $sources distinct sources"
