#!/usr/bin/env python3
"""craft_vlan_flows.py DIR N: N UDP exchanges under VLAN 10, one query and
one answer each, for test_fanout_vlan_tx.sh: DIR/fwd.pcap (the queries),
DIR/rev.pcap (the answers) and DIR/both.pcap (all of them, for one
engine's reading). Addresses from 198.18.0.0/15."""
import struct
import sys


def checksum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b + bytes(len(b) % 2)))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, payload, ident):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0,
                     64, 17, 0, bytes(src), bytes(dst))
    return ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:] + payload


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def tagged(dst, src, payload):
    return dst + src + struct.pack("!HHH", 0x8100, 10, 0x0800) + payload


def write_pcap(path, frames):
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    t = 1700000000 * 1000000
    for f in frames:
        t += 1000
        out += struct.pack("<IIII", t // 1000000, t % 1000000, len(f), len(f)) + f
    with open(path, "wb") as fh:
        fh.write(out)


def main():
    out, n = sys.argv[1], int(sys.argv[2])
    a, b = [198, 18, 1, 1], [198, 18, 2, 2]
    mac_a, mac_b = bytes.fromhex("0afe00000031"), bytes.fromhex("0afe00000032")
    fwd = [tagged(mac_b, mac_a, ipv4(a, b, udp(40000 + i, 4053, bytes(40)), i + 1))
           for i in range(n)]
    rev = [tagged(mac_a, mac_b, ipv4(b, a, udp(4053, 40000 + i, bytes(80)), i + 1))
           for i in range(n)]
    write_pcap(out + "/fwd.pcap", fwd)
    write_pcap(out + "/rev.pcap", rev)
    write_pcap(out + "/both.pcap", fwd + rev)


main()
