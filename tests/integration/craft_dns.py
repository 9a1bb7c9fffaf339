#!/usr/bin/env python3
"""craft_dns.py - a DNS capture whose every figure is known, and the
pcapflow_dns series pcapflow-replay must print for it.

  craft_dns.py [--t0 SECONDS] [--port PORT] OUT.pcap OUT.truth [SOURCE]

--t0: the first packet's time (default 1700000000), so that the capture
can be merged into another one's time span; --port: the server's port
(default 53), for DnsPorts.

Classic pcap, Ethernet, a client 198.18.0.1 and a server 198.19.0.53:
queries answered after known times over UDP (two in flight on one socket),
an unanswered query, an answer whose id matches no query, a truncated
answer and its retry over TCP (length-prefixed, after a handshake), three
queries pipelined in one TCP segment and answered two in one segment and
one in the next (each matched), messages over segment boundaries (a length
prefix split, a query and an answer continued in the next segment, a query
and an answer whose header and question run into the next segments), a query
retransmitted before its answer (latency counts from the first), a NOTIFY,
three malformed payloads (too short, a bad label, cut by the snapshot
length) and, 10 s after the start, a last query that moves the clock past
DnsTimeout. The truth holds every count, the latency percentiles
(nearest rank, exact microseconds: the test allows the histogram's 1/64)
and the top domains.
"""
import struct
import sys

T0_US = 1700000000 * 1000000
SRV_PORT = 53
CLI, SRV = bytes([198, 18, 0, 1]), bytes([198, 19, 0, 53])
MAC_CLI, MAC_SRV = bytes.fromhex("0afe00000001"), bytes.fromhex("0afe00000002")
QTYPES = {"A": 1, "SOA": 6, "MX": 15, "TXT": 16, "AAAA": 28}
RCODES = {0: "RCode0", 3: "NXDOMAIN"}
OPCODES = {0: "Query", 4: "Notify"}


def checksum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b + bytes(len(b) % 2)))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip_frame(to_server, proto, l4):
    src, dst = (CLI, SRV) if to_server else (SRV, CLI)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0, 64, proto, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    macs = MAC_SRV + MAC_CLI if to_server else MAC_CLI + MAC_SRV
    return macs + b"\x08\x00" + ip + l4


def udp(to_server, port, payload):
    sport, dport = (port, SRV_PORT) if to_server else (SRV_PORT, port)
    return ip_frame(to_server, 17, struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload)


def tcp(to_server, port, seq, ack, flags, payload=b""):
    sport, dport = (port, SRV_PORT) if to_server else (SRV_PORT, port)
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    return ip_frame(to_server, 6, hdr + payload)


def name(text):
    return b"".join(bytes([len(l)]) + l.encode() for l in text.split(".")) + b"\0"


def message(ident, qname, qtype, response=False, rcode=0, opcode=0, tc=False):
    flags = (0x8000 if response else 0) | (opcode << 11) | (0x0200 if tc else 0) | 0x0100 | rcode
    msg = struct.pack("!HHHHHH", ident, flags, 1, 1 if response else 0, 0, 0)
    msg += name(qname) + struct.pack("!HH", QTYPES[qtype], 1)
    if response:  # one answer, its owner a pointer to the question's name
        rdata = bytes(4) if qtype == "A" else b"\0\0"
        msg += struct.pack("!HHHIH", 0xC00C, QTYPES[qtype], 1, 300, len(rdata)) + rdata
    return msg


def registered(qname):
    labels = qname.split(".")
    n = 3 if len(labels[-1]) == 2 and labels[-2] in ("co", "com", "org") else 2
    return ".".join(labels[-n:])


class Capture:
    def __init__(self):
        self.out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
        self.octets = [0, 0]
        self.qtype, self.opcode, self.rcode, self.domains = {}, {}, {}, {}
        self.samples, self.asked = [], {}

    def frame(self, t_us, frame, caplen=None):
        t = T0_US + t_us
        cap = len(frame) if caplen is None else caplen
        self.out += struct.pack("<IIII", t // 1000000, t % 1000000, cap, len(frame)) + frame[:cap]

    def count(self, t_us, ident, qname, qtype, response, rcode, opcode, key, pad=0):
        self.octets[response] += len(message(ident, qname, qtype, response, rcode, opcode)) + pad
        op = OPCODES[opcode]
        self.opcode[op] = self.opcode.get(op, 0) + 1
        if response:
            self.rcode[RCODES[rcode]] = self.rcode.get(RCODES[rcode], 0) + 1
            if key in self.asked:
                self.samples.append(t_us - self.asked.pop(key))
        else:
            self.qtype[qtype] = self.qtype.get(qtype, 0) + 1
            d = registered(qname)
            self.domains[d] = self.domains.get(d, 0) + 1
            self.asked.setdefault(key, t_us)

    def dns(self, t_us, port, ident, qname, qtype, response=False, rcode=0, opcode=0, tc=False):
        self.frame(t_us, udp(not response, port, message(ident, qname, qtype, response, rcode, opcode, tc)))
        self.count(t_us, ident, qname, qtype, response, rcode, opcode, (port, ident, qname, qtype))


class TcpConn:
    """A TCP connection of the client's port to the server's, its sequence
    numbers kept by direction; each DNS message sent is counted in c."""

    def __init__(self, c, t_us, port):
        self.c, self.port, self.seq = c, port, {True: 1000, False: 5000}
        c.frame(t_us, tcp(True, port, 999, 0, 0x02))
        c.frame(t_us + 100, tcp(False, port, 4999, 1000, 0x12))
        c.frame(t_us + 200, tcp(True, port, 1000, 5000, 0x10))

    def segment(self, t_us, to_server, payload):
        c, seq = self.c, self.seq
        c.frame(t_us, tcp(to_server, self.port, seq[to_server], seq[not to_server], 0x18, payload))
        seq[to_server] += len(payload)

    def count(self, t_us, ident, qname, qtype, response=False, rcode=0, pad=0):
        self.c.count(t_us, ident, qname, qtype, response, rcode, 0, ("tcp", self.port, ident), pad)


def prefixed(msg):
    return struct.pack("!H", len(msg)) + msg


def pipelined(c):
    """Three queries in one segment, their answers two in one segment (out
    of order) and one in the next (RFC 7766 6.2.1.1): each is matched."""
    conn = TcpConn(c, 1600000, 40014)
    asks = [(14, "p.example.com", "A"), (15, "p.example.com", "AAAA"), (16, "q.example.com", "MX")]
    conn.segment(1600300, True, b"".join(prefixed(message(i, n, t)) for i, n, t in asks))
    for i, n, t in asks:
        conn.count(1600300, i, n, t)
    answers = [asks[1], asks[0]]
    conn.segment(1601100, False, b"".join(prefixed(message(i, n, t, True)) for i, n, t in answers))
    for i, n, t in answers:
        conn.count(1601100, i, n, t, True)
    i, n, t = asks[2]
    conn.segment(1603300, False, prefixed(message(i, n, t, True, rcode=3)))
    conn.count(1603300, i, n, t, True, 3)


def spanning(c):
    """Messages over segment boundaries, in both directions: a length
    prefix split after its first byte; a query continued in the next
    segment after its question; an answer continued in the next segment,
    which then holds a whole second answer. Each is read once, at the
    segment its header is in, and matched."""
    conn = TcpConn(c, 1700000, 40015)
    q17, q18 = message(17, "s1.example.com", "A"), message(18, "s2.example.com", "AAAA")
    r17, r18 = message(17, "s1.example.com", "A", True), message(18, "s2.example.com", "AAAA", True)
    q18 += bytes(11)  # bytes after its question, which the next segment ends
    conn.segment(1700300, True, prefixed(q17)[:1])
    conn.segment(1700400, True, prefixed(q17)[1:] + prefixed(q18)[:-6])
    conn.count(1700400, 17, "s1.example.com", "A")
    conn.count(1700400, 18, "s2.example.com", "AAAA", pad=11)
    conn.segment(1700500, True, prefixed(q18)[-6:])
    conn.segment(1702400, False, prefixed(r17)[:-5])
    conn.count(1702400, 17, "s1.example.com", "A", True)
    conn.segment(1703400, False, prefixed(r17)[-5:] + prefixed(r18))
    conn.count(1703400, 18, "s2.example.com", "AAAA", True)


def split_questions(c):
    """A query whose header and question run into the next segment (its
    length prefix and 3 bytes, then the rest: a small MSS, or a client
    writing apart), and its answer in three segments cut inside the header
    and inside the name: each read once, at the segment that ends its
    question, and matched."""
    conn = TcpConn(c, 1800000, 40016)
    q = prefixed(message(19, "split.example.com", "A"))
    r = prefixed(message(19, "split.example.com", "A", True))
    conn.segment(1800300, True, q[:5])
    conn.segment(1800400, True, q[5:])
    conn.count(1800400, 19, "split.example.com", "A")
    conn.segment(1801400, False, r[:9])
    conn.segment(1801500, False, r[9:20])
    conn.segment(1801600, False, r[20:])
    conn.count(1801600, 19, "split.example.com", "A", True)


def craft():
    c = Capture()
    c.dns(0, 40001, 1, "www.example.com", "A")
    c.dns(10, 40001, 2, "www.example.com", "AAAA")
    c.dns(1000, 40001, 1, "www.example.com", "A", response=True)
    c.dns(3000, 40001, 2, "www.example.com", "AAAA", response=True)
    c.dns(4000, 40002, 3, "mail.example.co.uk", "MX")
    c.dns(24000, 40002, 3, "mail.example.co.uk", "MX", response=True, rcode=3)
    c.dns(30000, 40003, 4, "lost.example.net", "A")  # never answered
    c.dns(40000, 40004, 5, "example.com", "TXT")
    c.dns(40500, 40004, 5, "example.com", "TXT", response=True, tc=True)
    # The retry over TCP: handshake, the query, the answer, each prefixed.
    q, r = message(6, "example.com", "TXT"), message(6, "example.com", "TXT", True)
    c.frame(41000, tcp(True, 40005, 100, 0, 0x02))
    c.frame(41100, tcp(False, 40005, 500, 101, 0x12))
    c.frame(41200, tcp(True, 40005, 101, 501, 0x10))
    c.frame(41300, tcp(True, 40005, 101, 501, 0x18, struct.pack("!H", len(q)) + q))
    c.count(41300, 6, "example.com", "TXT", False, 0, 0, ("tcp", 6))
    c.frame(43300, tcp(False, 40005, 501, 103 + len(q), 0x18, struct.pack("!H", len(r)) + r))
    c.count(43300, 6, "example.com", "TXT", True, 0, 0, ("tcp", 6))
    # Asked twice, answered once: the asker waited 1.2 s.
    c.dns(50000, 40006, 7, "b.example.org", "A")
    c.dns(1050000, 40006, 7, "b.example.org", "A")
    c.dns(1250000, 40006, 7, "b.example.org", "A", response=True)
    # An answer whose id is not the query's: unmatched; the query times out.
    c.dns(1300000, 40007, 8, "a.example.org", "A")
    c.frame(1300400, udp(False, 40007, message(9, "a.example.org", "A", True)))
    c.count(1300400, 9, "a.example.org", "A", True, 0, 0, None)
    c.dns(1400000, 40008, 10, "example.com", "SOA", opcode=4)
    c.dns(1400700, 40008, 10, "example.com", "SOA", response=True, opcode=4)
    # Malformed: 5 bytes; a label length of 0x50; a question cut by the
    # capture (snapshot length) - counted by reason, never read past.
    c.frame(1500000, udp(True, 40010, b"\x00\x0b\x01\x00\x00"))
    c.frame(1500100, udp(True, 40011, message(11, "x.example.com", "A")[:12] + b"\x50abc\0\0\1\0\1"))
    cut = udp(True, 40012, message(12, "cut.example.com", "A"))
    c.frame(1500200, cut, caplen=len(cut) - 12)
    pipelined(c)
    spanning(c)
    split_questions(c)
    # 10 s on: the two unanswered queries are past DnsTimeout (5 s).
    c.dns(10000000, 40013, 13, "z.example.com", "A")
    c.dns(10000100, 40013, 13, "z.example.com", "A", response=True)
    return c


def nearest_rank(v, p):
    v = sorted(v)
    k = -(-len(v) * p // 100)
    return v[int(k) - 1]


def truth(c, source):
    pre = "pcapflow_dns-%s/" % source
    lines = ["dns_octets %d %d" % tuple(c.octets)]
    lines += ["dns_qtype-%s %d" % kv for kv in sorted(c.qtype.items())]
    lines += ["dns_opcode-%s %d" % kv for kv in sorted(c.opcode.items())]
    lines += ["dns_rcode-%s %d" % kv for kv in sorted(c.rcode.items())]
    errors = {"snaplen": 1, "short": 1, "truncated": 0, "label": 1,
              "name_long": 0, "pointer": 0, "pointer_hops": 0}
    lines += ["errors-malformed_%s %d" % kv for kv in sorted(errors.items())]
    lines += ["errors-tcp_unframed 0", "errors-tcp_framing_evicted 0", "dns_response-truncated 1",
              "dns_response-unmatched 1", "dns_query-unanswered 2",
              "dns_query-evicted 0"]
    for q, p in (("p50", 50), ("p90", 90), ("p99", 99), ("max", 100)):
        lines.append("duration-dns_%s %.6f" % (q, nearest_rank(c.samples, p) / 1e6))
    for d, n in sorted(c.domains.items()):
        lines.append("count-top_domain_%s %d" % (d.replace(".", "_"), n))
    lines.append("count-top_domain_other 0")
    return "".join(pre + l + "\n" for l in lines)


def write_crafted(argv, doc, craft_fn, source, truth_pairs):
    """The __main__ of a crafted DNS case: argv OUT.pcap OUT.truth; writes
    craft_fn()'s capture and the series "pcapflow_dns-SOURCE/NAME VALUE"
    of truth_pairs."""
    if len(argv) != 3:
        sys.exit(doc)
    cap = craft_fn()
    with open(argv[1], "wb") as f:
        f.write(cap.out)
    with open(argv[2], "w") as f:
        f.write("".join("pcapflow_dns-%s/%s %s\n" % ((source,) + kv) for kv in truth_pairs))


if __name__ == "__main__":
    args = sys.argv[1:]
    while args[:1] in (["--t0"], ["--port"]) and len(args) > 1:
        if args[0] == "--t0":
            T0_US = int(args[1]) * 1000000
        else:
            SRV_PORT = int(args[1])
        args = args[2:]
    if len(args) not in (2, 3):
        sys.exit(__doc__)
    cap = craft()
    with open(args[0], "wb") as f:
        f.write(cap.out)
    with open(args[1], "w") as f:
        f.write(truth(cap, args[2] if len(args) == 3 else "dns"))
