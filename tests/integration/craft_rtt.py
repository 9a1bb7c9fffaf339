#!/usr/bin/env python3
"""craft_rtt.py - a TCP capture whose round trips, jitter and response times
are known, and the series pcapflow-replay must print for it.

  craft_rtt.py OUT.pcap OUT.truth SOURCE OUT.rules

Classic pcap, Ethernet, a local client 198.18.0.1 (its segments are tx with
LocalNetwork 198.18.0.0/16) and a remote server 198.19.0.80 on port 80
(class web) and port 25 (class mail): HTTP-like exchanges (a request, the
server's ACK, its answer, the client's ACK) whose times straddle a
multiple of 2^32 microseconds (the low 32 bits of the timestamps wrap), an
answer in two segments, a server whose sequence numbers wrap, an SMTP-like
exchange the server begins (banner, EHLO, 250: the EHLO is think time, the
250 a response), a connection first seen mid-way (late start: the server
is the lower port), and a retransmitted request (Karn's rule: no round
trip and no response time from it). The truth holds every sample's
percentiles (nearest rank, exact microseconds: the test allows the
histogram's 1/64; the maximum exact), per source and per class, and the
rules file that names the classes.
"""
import struct
import sys

WRAP = 1 << 32
T0_US = (1700000000 * 1000000 // WRAP + 1) * WRAP - 5000000  # 5 s before a wrap
CLI, SRV = bytes([198, 18, 0, 1]), bytes([198, 19, 0, 80])
MAC_CLI, MAC_SRV = bytes.fromhex("0afe00000001"), bytes.fromhex("0afe00000002")
SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01
KINDS = ("tcp_rtt_tx", "tcp_rtt_rx", "tcp_jitter", "tcp_response")


def checksum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b + bytes(len(b) % 2)))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


class Capture:
    def __init__(self):
        self.out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
        self.last = 0
        self.samples = {}  # (class, kind) -> [us]

    def frame(self, t, to_server, cport, sport, seq, ack, flags, n):
        assert t >= self.last, "frames in time order"
        self.last = t
        src, dst = (CLI, SRV) if to_server else (SRV, CLI)
        ports = (cport, sport) if to_server else (sport, cport)
        l4 = struct.pack("!HHIIBBHHH", ports[0], ports[1], seq % WRAP, ack % WRAP,
                         5 << 4, flags, 65535, 0, 0) + bytes(n)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0, 64, 6, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        macs = MAC_SRV + MAC_CLI if to_server else MAC_CLI + MAC_SRV
        f = macs + b"\x08\x00" + ip + l4
        ts = T0_US + t
        self.out += struct.pack("<IIII", ts // 1000000, ts % 1000000, len(f), len(f)) + f

    def sample(self, cls, kind, us):
        self.samples.setdefault((cls, kind), []).append(us)


class Conn:
    """One connection; cseq/sseq are each side's next sequence number, and
    last[] each direction's previous round trip (for jitter)."""

    def __init__(self, cap, cport, sport, cls, cisn, sisn):
        self.cap, self.cport, self.sport, self.cls = cap, cport, sport, cls
        self.cseq, self.sseq = cisn, sisn
        self.last = {}

    def seg(self, t, from_client, flags, n=0, seq=None):
        own = self.cseq if from_client else self.sseq
        self.cap.frame(t, from_client, self.cport, self.sport,
                       own if seq is None else seq,
                       self.sseq if from_client else self.cseq, flags, n)
        if seq is None:
            if from_client:
                self.cseq += n + (1 if flags & (SYN | FIN) else 0)
            else:
                self.sseq += n + (1 if flags & (SYN | FIN) else 0)

    def rtt(self, kind, us):
        self.cap.sample(self.cls, kind, us)
        if kind in self.last:
            self.cap.sample(self.cls, "tcp_jitter", abs(us - self.last[kind]))
        self.last[kind] = us

    def handshake(self, t):
        self.seg(t, True, SYN)
        self.seg(t + 1000, False, SYN | ACK)
        self.seg(t + 2000, True, ACK)

    def exchange(self, t, rtt_tx, answer, rtt_rx, split=0):
        """A request at t, the server's ACK rtt_tx later, its answer at
        t + answer (in two segments split us apart when split), the
        client's ACK of all of it rtt_rx after the answer's last segment."""
        self.seg(t, True, PSH | ACK, 100)
        self.seg(t + rtt_tx, False, ACK)
        self.rtt("tcp_rtt_tx", rtt_tx)
        self.seg(t + answer, False, ACK, 700)
        self.cap.sample(self.cls, "tcp_response", answer)
        if split:
            self.seg(t + answer + split, False, PSH | ACK, 300)
        self.seg(t + answer + split + rtt_rx, True, ACK)
        self.rtt("tcp_rtt_rx", split + rtt_rx)


def build():
    cap = Capture()
    ms = 1000
    # web: exchanges across the timestamps' wrap (at 5 s), one answered in
    # two segments.
    a = Conn(cap, 40000, 80, "web", 1000, 5000)
    a.handshake(0)
    a.exchange(4990 * ms, 40 * ms, 190 * ms, 80)
    a.exchange(6000 * ms, 42 * ms, 150 * ms, 95, split=2 * ms)
    a.exchange(7000 * ms, 41500, 171 * ms, 70)
    # web: the server's sequence numbers wrap during its answer.
    w = Conn(cap, 40001, 80, "web", 77, WRAP - 300)
    w.handshake(8000 * ms)
    w.exchange(8100 * ms, 39 * ms, 120 * ms, 60)
    w.exchange(8500 * ms, 45 * ms, 210 * ms, 110)
    # mail: the server begins (banner), the client's EHLO is think time,
    # the 250 that answers it and acknowledges it a response and a round
    # trip.
    m = Conn(cap, 40002, 25, "mail", 900, 9000)
    m.handshake(9000 * ms)
    m.seg(9010 * ms, False, PSH | ACK, 40)  # banner
    m.seg(9010 * ms + 90, True, ACK)
    m.rtt("tcp_rtt_rx", 90)
    m.seg(9030 * ms, True, PSH | ACK, 20)  # EHLO, 20 ms of think time
    m.seg(9030 * ms + 33 * ms, False, PSH | ACK, 50)  # 250
    m.rtt("tcp_rtt_tx", 33 * ms)
    cap.sample("mail", "tcp_response", 33 * ms)
    m.seg(9030 * ms + 33 * ms + 85, True, ACK)
    m.rtt("tcp_rtt_rx", 85)
    # web, seen mid-way (no handshake): the client's data, then the
    # server's answer (port 80 < 50000: the service).
    late = Conn(cap, 50000, 80, "web", 123456, 654321)
    late.exchange(10000 * ms, 44 * ms, 60 * ms, 75)
    # web: the request is sent again before its answer: no round trip and
    # no response time from that turn; the answer's round trip counts.
    k = Conn(cap, 40003, 80, "web", 3000, 7000)
    k.handshake(11000 * ms)
    # (Both are longer than any sample taken: counted, they would show.)
    k.seg(11100 * ms, True, PSH | ACK, 100)
    k.seg(11300 * ms, True, PSH | ACK, 100, seq=k.cseq - 100)
    k.seg(11600 * ms, False, PSH | ACK, 500)
    k.seg(11600 * ms + 66, True, ACK)
    k.rtt("tcp_rtt_rx", 66)
    k.exchange(11800 * ms, 43 * ms, 95 * ms, 72)
    return cap


def nearest_rank(v, p):
    v = sorted(v)
    return v[max(1, -(-p * len(v) // 1000)) - 1]


def figures(prefix, kind, v):
    out = []
    for q, p in (("p50", 500), ("p90", 900), ("p99", 990)):
        out.append("%s%s %.6f" % (prefix(kind, q), "", nearest_rank(v, p) / 1e6))
    out.append("%s %.6f" % (prefix(kind, "max"), max(v) / 1e6))
    return out


def main():
    pcap, truth, source, rules = sys.argv[1:5]
    cap = build()
    with open(pcap, "wb") as f:
        f.write(cap.out)
    lines = []
    for kind in KINDS:
        v = [us for (c, k), s in cap.samples.items() if k == kind for us in s]
        lines += figures(lambda k, q: "duration-%s_%s" % (k, q), kind, v)
    for cls in ("web", "mail"):
        for kind in KINDS:
            v = cap.samples.get((cls, kind))
            if v:
                lines += figures(lambda k, q: "pcapflow_class-%s-%s_%s/duration-%s" % (source, k, q, cls), kind, v)
    with open(truth, "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(rules, "w") as f:
        f.write("classes:\n  - name: web\n    protocol: tcp\n    port: 80\n"
                "  - name: mail\n    protocol: tcp\n    port: 25\n")


if __name__ == "__main__":  # craft_port_timing.py imports it
    main()
