#!/usr/bin/env python3
"""craft_dns_late.py - a sparse DNS capture whose responses come late, and
the pcapflow_dns series pcapflow-replay must print for it.

  craft_dns_late.py OUT.pcap OUT.truth

Built with craft_dns.py's frames (a client 198.18.0.1, a server
198.19.0.53, port 53), 17 frames in all: far fewer than a file's batch,
so that no batch ends between a query and its response and only the
response's own clock can tell that it came after DnsTimeout (5 s):

- a query answered 10 s later: unanswered, and its answer unmatched;
- a query answered 1.5 s later: a sample of 1.5 s;
- two queries asked at the same time, one answered 5 s less 1 us later,
  the other exactly 5 s later: a sample of 4.999999 s, and the second
  unanswered and its answer unmatched (a query is live while younger than
  DnsTimeout, as the tick has it);
- a query asked again 6 s later and answered 1 s after that: the first
  copy unanswered, the retry a new query (a sample of 1 s, not 7 s);
- over TCP, a query whose header and question run into the next segment,
  which comes 6 s later: the held start given up (tcp_unframed), the
  query not read, its answer unmatched.

Frame times never go back (craft() checks it): a step back would hold
the source's clock (packet_clock.h), and a wait measured by that clock
would no longer be the one the case names.
"""
import sys

sys.dont_write_bytecode = True  # no __pycache__ left in the tree
import craft_dns as cd  # noqa: E402  (this script's folder is on the path)

SEC = 1000000


class OrderedCapture(cd.Capture):
    """craft_dns.Capture, refusing a frame earlier than the one before."""

    def __init__(self):
        super().__init__()
        self.last_us = 0

    def frame(self, t_us, frame, caplen=None):
        assert t_us >= self.last_us, "frame at %d us after one at %d" % (t_us, self.last_us)
        self.last_us = t_us
        super().frame(t_us, frame, caplen)


def query(c, port, ident, qname, t):
    c.frame(t, cd.udp(True, port, cd.message(ident, qname, "A")))


def response(c, port, ident, qname, t):
    c.frame(t, cd.udp(False, port, cd.message(ident, qname, "A", True)))


def craft():
    c = OrderedCapture()
    query(c, 40101, 21, "late.example.com", 0)
    response(c, 40101, 21, "late.example.com", 10 * SEC)
    query(c, 40102, 22, "ok.example.com", 11 * SEC)
    response(c, 40102, 22, "ok.example.com", 11 * SEC + 3 * SEC // 2)
    query(c, 40103, 23, "edge.example.com", 20 * SEC)
    query(c, 40104, 24, "inside.example.com", 20 * SEC)
    response(c, 40104, 24, "inside.example.com", 25 * SEC - 1)
    response(c, 40103, 23, "edge.example.com", 25 * SEC)
    query(c, 40105, 25, "retry.example.com", 30 * SEC)
    query(c, 40105, 25, "retry.example.com", 36 * SEC)
    response(c, 40105, 25, "retry.example.com", 37 * SEC)
    conn = cd.TcpConn(c, 40 * SEC, 40106)
    q = cd.prefixed(cd.message(26, "held.example.com", "A"))
    conn.segment(40 * SEC + 300, True, q[:5])
    conn.segment(46 * SEC + 300, True, q[5:])
    conn.segment(46 * SEC + 800, False, cd.prefixed(cd.message(26, "held.example.com", "A", True)))
    return c


# What each figure is, and why (the docstring's cases in order).
TRUTH = [
    ("dns_qtype-A", 6),  # 1 + 1 + 2 + 2 copies; the held one is never read
    ("dns_opcode-Query", 12),  # the 6 queries read and the 6 responses
    ("dns_rcode-RCode0", 6),  # every response, the held query's too
    ("dns_query-unanswered", 3),  # late, edge, retry's first copy
    ("dns_response-unmatched", 3),  # late's, edge's and the held query's
    ("dns_query-evicted", 0),
    ("errors-tcp_unframed", 1),  # the held start whose rest came 6 s on
    ("duration-dns_p50", "1.500000"),  # of 1.0, 1.5 and 4.999999 s
    ("duration-dns_max", "4.999999"),
]

if __name__ == "__main__":
    cd.write_crafted(sys.argv, __doc__, craft, "late", TRUTH)
