#!/usr/bin/env python3
"""craft_fragments.py - DNS answers too large for one frame, fragmented,
and fragments that never complete: what a Workers N group must not split
or lose.

  craft_fragments.py OUT.pcap

Classic pcap, Ethernet. For each of 48 clients (198.18.1.N, or
2001:db8:1::N for every other one) a UDP query to a server (198.19.0.53,
2001:db8:2::53) port 53 and its answer of 40 to 80 A records, cut into a
first fragment (offset 0: the UDP header and ports) and a later one; a
third of the exchanges under a VLAN tag (which the receiving kernel takes
out of the frame), a third under two (QinQ: one stays in it); then 64
later fragments that never complete (a fragment flood from 64 sources,
198.19.100.N) and 16 first fragments whose rest never comes (from
198.19.101.N). Every frame of one exchange belongs to one flow of the
engine, both directions and the first fragment included; a later fragment
is a flow of its address pair.
"""
import struct
import sys

MAC_CLI, MAC_SRV = bytes.fromhex("0afe00000011"), bytes.fromhex("0afe00000012")
SRV4, SRV6 = bytes([198, 19, 0, 53]), bytes.fromhex("20010db8000200000000000000000053")


def cli4(n):
    return bytes([198, 18, 1, n])


def cli6(n):
    return bytes.fromhex("20010db8000100000000000000000000")[:15] + bytes([n])


def checksum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b + bytes(len(b) % 2)))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def eth(src_is_cli, v6, payload, tags=()):
    macs = MAC_SRV + MAC_CLI if src_is_cli else MAC_CLI + MAC_SRV
    out = macs
    for tpid, vid in tags:
        out += struct.pack("!HH", tpid, vid)
    return out + (b"\x86\xdd" if v6 else b"\x08\x00") + payload


def ipv4(src, dst, ident, frag, payload):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, frag, 64, 17, 0, src, dst)
    return ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:] + payload


def ipv6(src, dst, ident, offset8, more, payload):
    frag = struct.pack("!BBHI", 17, 0, offset8 << 3 | more, ident)
    return struct.pack("!IHBB16s16s", 0x60000000, 8 + len(payload), 44, 64, src, dst) + frag + payload


def name(text):
    return b"".join(bytes([len(l)]) + l.encode() for l in text.split(".")) + b"\0"


def dns(ident, qname, answers):
    msg = struct.pack("!HHHHHH", ident, 0x8180 if answers else 0x0100, 1, answers, 0, 0)
    msg += name(qname) + struct.pack("!HH", 1, 1)
    for i in range(answers):
        msg += struct.pack("!HHHIH", 0xC00C, 1, 1, 300, 4) + bytes([198, 18, 9, i])
    return msg


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def main():
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    t = [1700000000 * 1000000]

    def frame(f):
        t[0] += 100
        nonlocal out
        out += struct.pack("<IIII", t[0] // 1000000, t[0] % 1000000, len(f), len(f)) + f

    for n in range(1, 49):
        v6 = n % 2 == 0
        cli, srv = (cli6(n), SRV6) if v6 else (cli4(n), SRV4)
        port, ident = 40000 + n, 0x1000 + n
        qname = "frag%d.example.com" % n
        tags = [(), ((0x8100, 100 + n),), ((0x88A8, 200), (0x8100, n))][n % 3]
        query = udp(port, 53, dns(ident, qname, 0))
        answer = udp(53, port, dns(ident, qname, 40 + n % 5 * 10))
        if v6:
            frame(eth(True, True, struct.pack("!IHBB16s16s", 0x60000000, len(query), 17, 64, cli, srv) + query, tags))
            cut = 1232 // 8 * 8
            frame(eth(False, True, ipv6(srv, cli, ident, 0, 1, answer[:cut]), tags))
            frame(eth(False, True, ipv6(srv, cli, ident, cut // 8, 0, answer[cut:]), tags))
        else:
            frame(eth(True, False, ipv4(cli, srv, ident, 0, query), tags))
            cut = 1200 // 8 * 8
            frame(eth(False, False, ipv4(srv, cli, ident, 0x2000, answer[:cut]), tags))
            frame(eth(False, False, ipv4(srv, cli, ident, cut // 8, answer[cut:]), tags))
    # A fragment flood: later fragments of datagrams never begun.
    for n in range(1, 65):
        src = bytes([198, 19, 100, n])
        frame(eth(True, False, ipv4(src, SRV4, 0x7000 + n, 100 + n, bytes(400))))
    # First fragments whose rest never comes.
    for n in range(1, 17):
        src = bytes([198, 19, 101, n])
        frame(eth(True, False, ipv4(src, SRV4, 0x7100 + n, 0x2000, udp(5000 + n, 53, bytes(800)))))
    with open(sys.argv[1], "wb") as f:
        f.write(out)


main()
