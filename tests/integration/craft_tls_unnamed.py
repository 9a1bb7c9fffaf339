#!/usr/bin/env python3
"""craft_tls_unnamed.py - two TLS connections, one whose ClientHello comes
1.5 s after its handshake (a read of pcapflow-replay -i 1 falls between),
and the bytes pcapflow-replay must give their names.

  craft_tls_unnamed.py OUT.pcap

Prints one line a name: its series, its connection's bytes (every frame),
and the bytes of its frames before the hello (SYN, SYN-ACK, ACK).
"""
import sys

sys.dont_write_bytecode = True  # no __pycache__ left in the tree
import craft_tls as ct  # noqa: E402  (this script's folder is on the path)


class Capture(ct.Capture):
    """Frames 1 ms apart, but a payload in `late` comes that long after
    the frame before it."""

    def __init__(self):
        super().__init__()
        self.late = {}
        self.lens = []

    def frame(self, srv, sport, dport, to_server, seq, ack, flags, payload=b"", snap=None):
        if payload in self.late:
            self.t += self.late[payload] - 1000
        n = super().frame(srv, sport, dport, to_server, seq, ack, flags, payload, snap)
        self.lens.append(n)
        return n


def craft():
    c = Capture()
    out = []
    for i, (name, after) in enumerate([("late.svc.test", 1500000), ("prompt.svc.test", 1000)]):
        hello = ct.client_hello(name, [0x0304, 0x0303])
        c.late[hello] = after
        c.lens = []
        c.conn(16 + i, 40100 + i, 443, [(True, hello), (False, ct.server_hello(0x0304))], name)
        out.append("bytes-top_sni_%s %d %d" % (name.replace(".", "_"), sum(c.lens), sum(c.lens[:3])))
    return c, out


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    cap, lines = craft()
    with open(sys.argv[1], "wb") as f:
        f.write(cap.out)
    print("\n".join(lines))
