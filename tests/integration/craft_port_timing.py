#!/usr/bin/env python3
"""craft_port_timing.py - a TCP capture whose timing per service port is
known interval by interval, when it is read in 10-second intervals of
packet time (pcapflow-replay -i 10 -o TopN=2 -o PortTiming=true), and the
series each interval must print.

  craft_port_timing.py OUT.pcap OUT_PREFIX SOURCE

Interval 1 (0-10 s): exchanges on ports 80 (the most bytes), 25 and 8080
(the fewest): the top services list of TopN 2 names tcp_80 and tcp_25. No
list was handed over before it, so all its samples are `other`.
Interval 2 (10-20 s): no packet. Its read reports interval 1's top
services (one read late) and hands ports 25 and 80 to the capture thread.
Interval 3 (20-30 s): exchanges of known round trips and response times
on 80, 25, 8080 and 443: those on 80 and 25 are their ports', those on
8080 and 443 (not listed) `other`'s.
Then a pause of 8 minutes: intervals 5 and 6 are printed empty, those up
to the last packet's (53, a lone segment) skipped.

A last exchange on 80 straddles 30 s: the answer is the packet held at
the boundary, its response time and round trip interval 4's (a packet
counted before the read, or never, shows).

Writes OUT_PREFIX-N.truth for the intervals 1, 3 and 4: each figure of the
interval per source (duration-tcp_..., jitter included) and per port
(pcapflow_port-SOURCE-tcp_..._pNN/duration-PORT), percentiles by nearest
rank in exact microseconds (the test allows the histogram's 1/64; the
maximum is exact).
"""
import sys

from craft_rtt import ACK, KINDS, PSH, Capture, Conn, figures

SEC, MS = 1000000, 1000
PORT_KINDS = ("tcp_rtt_tx", "tcp_rtt_rx", "tcp_response")
# A connection per port and interval: its client port, and its exchanges
# as (request time, server's ACK after, answer after, client's ACK after
# the answer), in microseconds.
FIRST = {
    25: (40101, [(1 * SEC, 12 * MS, 40 * MS, 81), (1500 * MS, 13 * MS, 44 * MS, 82)]),
    80: (40100, [(3 * SEC, 30 * MS, 90 * MS, 70), (4 * SEC, 31 * MS, 95 * MS, 71),
                 (5 * SEC, 32 * MS, 99 * MS, 72), (6 * SEC, 33 * MS, 97 * MS, 73)]),
    8080: (40102, [(8 * SEC, 5 * MS, 9 * MS, 90)]),
}
THIRD = {
    25: (40201, [(21 * SEC, 7 * MS, 210 * MS, 95), (21500 * MS, 9 * MS, 180 * MS, 99),
                 (22 * SEC, 8 * MS, 230 * MS, 91)]),
    80: (40200, [(23 * SEC, 20 * MS, 50 * MS, 60), (23500 * MS, 22 * MS, 61 * MS, 64),
                 (24 * SEC, 25 * MS, 75 * MS, 55), (24500 * MS, 41 * MS, 120 * MS, 66),
                 (25 * SEC, 29 * MS, 83 * MS, 58)]),
    443: (40203, [(26 * SEC, 45 * MS, 300 * MS, 140)]),
    8080: (40202, [(27 * SEC, 3 * MS, 15 * MS, 120), (27500 * MS, 4 * MS, 17 * MS, 125)]),
}
# The answer crosses into interval 4: its response time and round trip are
# interval 4's, the request's round trip interval 3's.
ACROSS = {80: (40204, [(29980 * MS, 10 * MS, 40 * MS, 77)])}
# The ports each interval's samples are slotted by: none before the read
# that ends interval 2 hands over interval 1's top services (TopN 2), kept
# by the reads whose interval had no TCP port.
LISTED = {1: (), 3: (80, 25), 4: (80, 25)}


class Timed(Capture):
    """Samples keyed by the interval of the frame that gave them."""

    def sample(self, port, kind, us):
        interval = self.last // (10 * SEC) + 1
        name = "tcp_%d" % port if port in LISTED.get(interval, ()) else "other"
        Capture.sample(self, (interval, name), kind, us)


def connections(cap, table):
    """Each port's connection: a handshake 100 ms before its first
    exchange, then the exchanges."""
    for port, (cport, exchanges) in table.items():  # in time order
        c = Conn(cap, cport, port, port, 1000 + port, 90000 + port)
        c.handshake(exchanges[0][0] - 100 * MS)
        for t, rtt_tx, answer, rtt_rx in exchanges:
            c.exchange(t, rtt_tx, answer, rtt_rx)


def build():
    cap = Timed()
    # The file's first packet, at 0: the intervals count from it.
    Conn(cap, 40000, 9, 9, 1, 1).seg(0, True, ACK)
    for table in (FIRST, THIRD, ACROSS):
        connections(cap, table)
    Conn(cap, 40001, 9, 9, 1, 1).seg(525 * SEC, True, PSH | ACK, 1)
    return cap


def truth(cap, interval, source):
    lines = []
    mine = {(n, k): v for ((i, n), k), v in cap.samples.items() if i == interval}
    for kind in KINDS:
        v = [us for (n, k), s in mine.items() if k == kind for us in s]
        if v:
            lines += figures(lambda k, q: "duration-%s_%s" % (k, q), kind, v)
    for name, kind in sorted(mine):
        if kind in PORT_KINDS:
            lines += figures(lambda k, q: "pcapflow_port-%s-%s_%s/duration-%s" % (source, k, q, name),
                             kind, mine[(name, kind)])
    return lines


def main():
    pcap, prefix, source = sys.argv[1:4]
    cap = build()
    with open(pcap, "wb") as f:
        f.write(cap.out)
    for interval in (1, 3, 4):
        with open("%s-%d.truth" % (prefix, interval), "w") as f:
            f.write("\n".join(truth(cap, interval, source)) + "\n")


main()
