#!/usr/bin/env python3
"""craft_tls.py - a TLS capture whose every figure is known, and the
pcapflow_tls series pcapflow-replay must print for it.

  craft_tls.py OUT.pcap OUT.truth [SOURCE [TOPN]]   (prints its frames)

Classic pcap, Ethernet, a client 198.18.0.1 and servers 198.19.0.x, every
connection with its handshake, hellos, some application data and FINs:
TLS 1.3 offered with 1.2 and chosen (port 443), TLS 1.2 alone (no
supported_versions, port 8443: no port list), the same name twice, a name
in mixed case with '-' and '_', a name longer than the 43 bytes a key
keeps, a ClientHello without a server name, TLS 1.0, a second ClientHello
on a connection that has a name (renegotiation: counted, the first name
kept), a ClientHello split over two segments (read whole: reassembled), a
browser-sized one whose server name is in its second segment of three
(reassembled, a segment sent twice), the same with a segment missing
(partial, gap: no name) and with a segment late, after the next (read
whole), cut by the capture (partial, snaplen), one longer
than the 4 KiB held (partial, long), one whose first segment holds 3
bytes and one fragmented over records (both read whole), a malformed one
(a session id of 40 bytes) and a handshake record that is not a hello. The truth holds the
counts and each name's bytes (its connections' frames, both directions);
with TOPN, the TOPN heaviest names and the rest in `other`.
"""
import struct
import sys

T0_US = 1700000000 * 1000000
CLI = bytes([198, 18, 0, 1])
MAC_CLI, MAC_SRV = bytes.fromhex("0afe00000001"), bytes.fromhex("0afe00000002")
VERSION = {0x0300: "ssl3", 0x0301: "tls1_0", 0x0302: "tls1_1", 0x0303: "tls1_2", 0x0304: "tls1_3"}
REASONS = ("record", "length", "session_id", "ciphers", "compression", "extensions", "sni", "versions")


def checksum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b + bytes(len(b) % 2)))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ext(kind, body):
    return struct.pack("!HH", kind, len(body)) + body


def record(hs_type, body, version=0x0301):
    hs = bytes([hs_type]) + struct.pack("!I", len(body))[1:] + body
    return struct.pack("!BHH", 0x16, version, len(hs)) + hs


def client_hello(name=None, versions=None, legacy=0x0303, sid_len=32, before=b""):
    exts = before
    if name is not None:
        n = name.encode()
        exts += ext(0, struct.pack("!HBH", len(n) + 3, 0, len(n)) + n)
    exts += ext(10, bytes.fromhex("0004001d0017"))  # supported_groups
    if versions:
        exts += ext(43, bytes([2 * len(versions)]) + b"".join(struct.pack("!H", v) for v in versions))
    body = struct.pack("!H", legacy) + bytes(range(32)) + bytes([sid_len]) + bytes(min(sid_len, 32))
    body += struct.pack("!H", 4) + bytes.fromhex("1301c02f") + b"\x01\x00"
    return record(1, body + struct.pack("!H", len(exts)) + exts)


def server_hello(version):
    exts = ext(43, struct.pack("!H", version)) if version == 0x0304 else b""
    legacy = 0x0303 if version == 0x0304 else version
    body = struct.pack("!H", legacy) + bytes(range(32, 64)) + b"\x20" + bytes(32)
    body += bytes.fromhex("130100") + struct.pack("!H", len(exts)) + exts
    return record(2, body, 0x0303)


class Capture:
    def __init__(self):
        self.out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
        self.t = 0
        self.offered, self.selected = {}, {}
        self.partial, self.malformed, self.reassembled = 0, {}, 0
        self.lost = {}
        self.names = {}  # name -> bytes
        self.frames = 0

    def frame(self, srv, sport, dport, to_server, seq, ack, flags, payload=b"", snap=None):
        src, dst = (CLI, srv) if to_server else (srv, CLI)
        tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        macs = MAC_SRV + MAC_CLI if to_server else MAC_CLI + MAC_SRV
        fr = macs + b"\x08\x00" + ip + tcp
        t = T0_US + self.t
        self.t += 1000
        self.frames += 1
        cap = len(fr) if snap is None else min(snap, len(fr))
        self.out += struct.pack("<IIII", t // 1000000, t % 1000000, cap, len(fr)) + fr[:cap]
        return len(fr)

    def conn(self, host, cport, sport, segments, name=None):
        """A connection: handshake, then (to_server, payload[, how])
        segments in order, then FINs. Its bytes go to `name`. `how`: "lost"
        (its sequence numbers taken, no frame), "again" (sent once more at
        the sequence number it had), "late" (sent now at the sequence
        number a "lost" one of the same bytes took: reordered), or a number
        (the frame captured up to that many bytes)."""
        srv = bytes([198, 19, 0, host])
        seq, ack, n = [1000, 5000], [0, 0], 0
        skipped = {}

        def send(to_server, flags, payload=b"", how=None):
            nonlocal n
            d = 0 if to_server else 1
            sp, dp = (cport, sport) if to_server else (sport, cport)
            at = seq[d] - len(payload) if how == "again" else seq[d]
            if how == "lost":
                skipped[payload] = seq[d]
            if how == "late":
                n += self.frame(srv, sp, dp, to_server, skipped.pop(payload), seq[1 - d], flags, payload)
                return
            if how != "lost":
                snap = how if isinstance(how, int) else None
                n += self.frame(srv, sp, dp, to_server, at, seq[1 - d], flags, payload, snap)
            if how != "again":
                seq[d] += len(payload) + (1 if flags & 0x03 else 0)

        send(True, 0x02)
        send(False, 0x12)
        send(True, 0x10)
        for seg in segments:
            send(seg[0], 0x18, *seg[1:])
        send(True, 0x11)
        send(False, 0x11)
        send(True, 0x10)
        if name is not None:
            self.names[name] = self.names.get(name, 0) + n

    def count(self, table, version):
        v = VERSION.get(version, "other")
        table[v] = table.get(v, 0) + 1


def craft():
    c = Capture()
    data = b"\x17\x03\x03\x00\x20" + bytes(32)
    full = [(0x0304, 0x0303)]

    def hello_pair(name, versions, legacy, chosen):
        c.count(c.offered, max(versions) if versions else legacy)
        c.count(c.selected, chosen)
        return [(True, client_hello(name, versions, legacy)), (False, server_hello(chosen)), (True, data), (False, data)]

    c.conn(10, 40001, 443, hello_pair("alpha.svc.test", [0x0304, 0x0303], 0x0303, 0x0304), "alpha.svc.test")
    c.conn(11, 40002, 8443, hello_pair("beta.svc.test", None, 0x0303, 0x0303), "beta.svc.test")
    c.conn(11, 40003, 8443, hello_pair("beta.svc.test", None, 0x0303, 0x0303), "beta.svc.test")
    c.conn(12, 40004, 443, hello_pair("Mixed-Case_Name.Example", [0x0304], 0x0303, 0x0304), "mixed-case_name.example")
    long_name = "a-very-long-server-name-for-the-key-limit.of.the.top.list.test"
    c.conn(13, 40005, 443, hello_pair(long_name, [0x0304, 0x0303], 0x0303, 0x0304), long_name[:43])
    c.conn(14, 40006, 443, hello_pair(None, [0x0304, 0x0303], 0x0303, 0x0304))  # no name
    c.conn(15, 40007, 443, hello_pair("old.svc.test", None, 0x0301, 0x0301), "old.svc.test")
    # Renegotiation: a second ClientHello naming another host, counted; the
    # connection's bytes stay under its first name.
    segs = hello_pair("alpha.svc.test", [0x0304, 0x0303], 0x0303, 0x0304)
    c.count(c.offered, 0x0303)
    segs.append((True, client_hello("other.svc.test", None, 0x0303)))
    c.conn(10, 40008, 443, segs, "alpha.svc.test")
    # Split: the record header says more than the segment holds; the name
    # comes first, supported_versions after the cut. Read whole from the
    # two segments.
    hello = client_hello("split.svc.test", [0x0304, 0x0303])
    cut = hello.index(b"split.svc.test") + 20
    c.count(c.offered, 0x0304)
    c.reassembled += 1
    c.conn(16, 40009, 443, [(True, hello[:cut]), (True, hello[cut:])], "split.svc.test")
    # A browser's hello: a 1,216-byte key share (X25519MLKEM768's size)
    # before the server name, in three segments of 600, the first sent
    # again after the second (a retransmission: held already).
    share = ext(51, struct.pack("!HHH", 1220, 0x11EC, 1216) + bytes(1216))
    hello = client_hello("late.svc.test", [0x0304, 0x0303], before=share)
    assert hello.index(b"late.svc.test") > 1200
    c.count(c.offered, 0x0304)
    c.reassembled += 1
    parts = [hello[i:i + 600] for i in range(0, len(hello), 600)]
    c.conn(19, 40012, 443, [(True, parts[0]), (True, parts[1]), (True, parts[1], "again")] +
           [(True, p) for p in parts[2:]], "late.svc.test")
    # The same hello with its second segment missing: partial (a gap), no
    # name (it was in the lost bytes), no version (after them).
    c.partial += 1
    c.lost["gap"] = c.lost.get("gap", 0) + 1
    c.conn(19, 40013, 443, [(True, parts[0]), (True, parts[1], "lost")] + [(True, p) for p in parts[2:]])
    # The same hello with its second segment late, after the third
    # (reordered): the third waits, and the hello is read whole.
    c.count(c.offered, 0x0304)
    c.reassembled += 1
    c.conn(19, 40019, 443, [(True, parts[0]), (True, parts[1], "lost")] + [(True, p) for p in parts[2:]] +
           [(True, parts[1], "late")], "late.svc.test")
    # Its first segment cut by the capture at 300 bytes: partial (snaplen).
    c.partial += 1
    c.lost["snaplen"] = 1
    c.conn(19, 40014, 443, [(True, parts[0], 300 + 54)] + [(True, p) for p in parts[1:]])
    # A hello of 5,000 bytes (padding before the name): what is held (4 KiB)
    # is not enough: partial (long), no name.
    pad = ext(21, bytes(5000))
    hello = client_hello("huge.svc.test", [0x0304], before=pad)
    c.partial += 1
    c.lost["long"] = 1
    c.conn(19, 40015, 443, [(True, hello[i:i + 1400]) for i in range(0, len(hello), 1400)])
    # A first segment of fewer than 6 bytes (a tiny MSS, a client cutting
    # its first write): 3 bytes, then 1, then the rest. Read whole.
    hello = client_hello("tiny.svc.test", [0x0304, 0x0303])
    c.count(c.offered, 0x0304)
    c.reassembled += 1
    c.conn(20, 40016, 443, [(True, hello[:3]), (True, hello[3:4]), (True, hello[4:])], "tiny.svc.test")
    # A hello fragmented over records of 64 bytes (RFC 8446 5.1): in one
    # segment (read whole, not reassembled), and in segments of 50 bytes
    # that cut records and their headers (reassembled). Both named.
    hs = client_hello("frag.svc.test", [0x0304, 0x0303])[5:]
    frag = b"".join(b"\x16\x03\x01" + struct.pack("!H", len(hs[i:i + 64])) + hs[i:i + 64]
                    for i in range(0, len(hs), 64))
    c.count(c.offered, 0x0304)
    c.conn(21, 40017, 443, [(True, frag)], "frag.svc.test")
    c.count(c.offered, 0x0304)
    c.reassembled += 1
    c.conn(21, 40018, 443, [(True, frag[i:i + 50]) for i in range(0, len(frag), 50)], "frag.svc.test")
    # Malformed: a session id of 40 bytes.
    c.malformed["session_id"] = 1
    c.conn(17, 40010, 443, [(True, client_hello("bad.svc.test", sid_len=40))])
    # A handshake record that is not a hello (a Certificate): not TLS's.
    c.conn(18, 40011, 443, [(False, record(11, bytes(40), 0x0303))])
    return c


def truth(c, source, top_n):
    pre = "pcapflow_tls-%s/" % source
    lines = []
    for v in ("ssl3", "tls1_0", "tls1_1", "tls1_2", "tls1_3", "other"):
        lines.append("connections-offered_%s %d" % (v, c.offered.get(v, 0)))
        lines.append("connections-selected_%s %d" % (v, c.selected.get(v, 0)))
    lines.append("connections-hello_partial %d" % c.partial)
    for why in ("snaplen", "gap", "evicted", "long"):
        lines.append("connections-hello_partial_%s %d" % (why, c.lost.get(why, 0)))
    lines.append("connections-hello_reassembled %d" % c.reassembled)
    lines += ["connections-hello_malformed_%s %d" % (r, c.malformed.get(r, 0)) for r in REASONS]
    ranked = sorted(c.names.items(), key=lambda kv: -kv[1])
    other = sum(b for _, b in ranked[top_n:])
    for name, b in ranked[:top_n]:
        series = "".join(ch if ch.isalnum() and ch.isascii() else "_" for ch in name)
        lines.append("bytes-top_sni_%s %d" % (series, b))
    lines.append("bytes-top_sni_other %d" % other)
    return "".join(pre + l + "\n" for l in sorted(lines))


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4, 5):
        sys.exit(__doc__)
    cap = craft()
    with open(sys.argv[1], "wb") as f:
        f.write(cap.out)
    with open(sys.argv[2], "w") as f:
        f.write(truth(cap, sys.argv[3] if len(sys.argv) > 3 else "tls",
                      int(sys.argv[4]) if len(sys.argv) > 4 else 10))
    print(cap.frames)
