#!/usr/bin/env python3
"""craft_tls_late.py - a sparse TLS capture whose hellos' second segments
come late, and the pcapflow_tls series pcapflow-replay must print for it.

  craft_tls_late.py OUT.pcap OUT.truth

Built with craft_tls.py's frames and truth: a browser-sized ClientHello
(a 1,216-byte key share before the server name) in two segments, its
server name and supported_versions in the second, on three connections
whose second segment comes after the first by:

- 10 s: a gap (the rest did not come within 3 s), no name, no version;
- exactly 3 s: a gap too (a held hello is live while younger than 3 s,
  as the tick has it);
- 3 s less 1 us: read whole (reassembled), named, TLS 1.3 offered.

24 frames in all, far fewer than a file's batch (4,096), so no batch ends
between the two segments: only the second segment's own clock can tell.
"""
import struct
import sys

sys.dont_write_bytecode = True  # no __pycache__ left in the tree
import craft_tls as ct  # noqa: E402  (this script's folder is on the path)

SEC = 1000000
CUT = 600  # the first segment: the key share's start, before the name


class LateCapture(ct.Capture):
    """Frames 1 ms apart, but a rest in `late` comes that long after the
    frame before it (the hello's first segment)."""

    def __init__(self):
        super().__init__()
        self.late = {}

    def frame(self, srv, sport, dport, to_server, seq, ack, flags, payload=b"", snap=None):
        if payload in self.late:
            self.t += self.late[payload] - 1000
        return super().frame(srv, sport, dport, to_server, seq, ack, flags, payload, snap)


def browser_hello(name):
    share = ct.ext(51, struct.pack("!HHH", 1220, 0x11EC, 1216) + bytes(1216))
    hello = ct.client_hello(name, [0x0304, 0x0303], before=share)
    assert hello.index(name.encode()) > CUT
    return hello


def craft():
    c = LateCapture()
    cases = [("late.svc.test", 10 * SEC, 16), ("edge.svc.test", 3 * SEC, 17), ("inside.svc.test", 3 * SEC - 1, 18)]
    for i, (name, after, host) in enumerate(cases):
        hello = browser_hello(name)
        c.late[hello[CUT:]] = after
        live = after < 3 * SEC
        if live:
            c.count(c.offered, 0x0304)
            c.reassembled += 1
        else:
            c.partial += 1
            c.lost["gap"] = c.lost.get("gap", 0) + 1
        c.conn(host, 40100 + i, 443, [(True, hello[:CUT]), (True, hello[CUT:])], name if live else None)
    return c


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    cap = craft()
    with open(sys.argv[1], "wb") as f:
        f.write(cap.out)
    with open(sys.argv[2], "w") as f:
        f.write(ct.truth(cap, "late", 10))
    print(cap.frames)
