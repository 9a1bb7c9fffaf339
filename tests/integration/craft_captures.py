#!/usr/bin/env python3
"""craft_captures.py - small captures of exact, known shapes that the
generator (tests/gen) does not make, for the replay and File source tests.

  craft_captures.py snaplen-pcapng OUT
      pcapng: two ARP frames on interface 0 (snapshot length 65535), then a
      second interface with snapshot length 128 and two more frames.
      libpcap 1.10 stops reading at the second interface: 2 frames are
      readable, 4 are in the file.
  craft_captures.py handshakes OUT
      classic pcap, Ethernet: three TCP handshakes 198.18.0.1 -> 198.19.0.1
      whose SYN -> SYN-ACK and SYN-ACK -> ACK times are, in microseconds,
      (250, 120), (400, 80), (1500, 30): most of them below a millisecond.
"""
import struct
import sys

ARP = bytes.fromhex("ffffffffffff0afe00000001" "0806") + bytes(28)
MAC_SRV, MAC_CLI = bytes.fromhex("0afe00000002"), bytes.fromhex("0afe00000001")
HANDSHAKES_US = [(250, 120), (400, 80), (1500, 30)]
T0_US = 1700000000 * 1000000


def ng_block(kind, body):
    body += bytes(-len(body) % 4)
    n = 12 + len(body)
    return struct.pack("<II", kind, n) + body + struct.pack("<I", n)


def snaplen_pcapng():
    shb = ng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))

    def idb(snap):
        return ng_block(1, struct.pack("<HHI", 1, 0, snap))

    def epb(ifid, t_us):
        head = struct.pack("<IIIII", ifid, t_us >> 32, t_us & 0xFFFFFFFF, len(ARP), len(ARP))
        return ng_block(6, head + ARP)

    t = T0_US
    return (shb + idb(65535) + epb(0, t) + epb(0, t + 1000000) + idb(128)
            + epb(1, t + 2000000) + epb(0, t + 3000000))


def checksum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def tcp_frame(to_server, port, seq, ack, flags):
    cli, srv = bytes([198, 18, 0, 1]), bytes([198, 19, 0, 1])
    src, dst = (cli, srv) if to_server else (srv, cli)
    sport, dport = (port, 443) if to_server else (443, port)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    macs = MAC_SRV + MAC_CLI if to_server else MAC_CLI + MAC_SRV
    return macs + b"\x08\x00" + ip + tcp


def handshakes():
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    t = T0_US
    for i, (synack_us, ack_us) in enumerate(HANDSHAKES_US):
        port, x, y = 40000 + i, 1000 * (i + 1), 5000 * (i + 1)
        for dt, frame in [(0, tcp_frame(True, port, x, 0, 0x02)),
                          (synack_us, tcp_frame(False, port, y, x + 1, 0x12)),
                          (ack_us, tcp_frame(True, port, x + 1, y + 1, 0x10))]:
            t += dt
            out += struct.pack("<IIII", t // 1000000, t % 1000000, len(frame), len(frame)) + frame
        t += 1000000
    return out


if __name__ == "__main__":
    makers = {"snaplen-pcapng": snaplen_pcapng, "handshakes": handshakes}
    if len(sys.argv) != 3 or sys.argv[1] not in makers:
        sys.exit(__doc__)
    with open(sys.argv[2], "wb") as f:
        f.write(makers[sys.argv[1]]())
