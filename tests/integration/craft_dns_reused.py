#!/usr/bin/env python3
"""craft_dns_reused.py - a DNS capture where a client reuses a waiting
query's id for another question, and the pcapflow_dns series
pcapflow-replay must print for it.

  craft_dns_reused.py OUT.pcap OUT.truth

Built with craft_dns.py's frames (a client 198.18.0.1, a server
198.19.0.53, port 53), 6 frames in all, each query waiting well within
DnsTimeout (5 s):

- a query for first.example.com (id 31), then 1 s later another question
  (second.example.com) with the same id on the same socket pair, answered
  0.2 s later, and then first.example.com's answer: the first query can
  no longer be answered (no response can match it), so it is unanswered
  and its answer unmatched; the second is a sample of 0.2 s;
- the same id asked again on another socket pair, answered: a sample of
  0.05 s (the id alone does not decide).

Every query is then counted once: 2 answered, 1 unanswered, 0 evicted.
"""
import sys

sys.dont_write_bytecode = True  # no __pycache__ left in the tree
import craft_dns as cd  # noqa: E402  (this script's folder is on the path)

SEC = 1000000


def craft():
    c = cd.Capture()
    c.frame(0, cd.udp(True, 40201, cd.message(31, "first.example.com", "A")))
    c.frame(SEC, cd.udp(True, 40201, cd.message(31, "second.example.com", "A")))
    c.frame(SEC + SEC // 5, cd.udp(False, 40201, cd.message(31, "second.example.com", "A", True)))
    c.frame(SEC + 3 * SEC // 10, cd.udp(False, 40201, cd.message(31, "first.example.com", "A", True)))
    c.frame(2 * SEC, cd.udp(True, 40202, cd.message(31, "first.example.com", "A")))
    c.frame(2 * SEC + SEC // 20, cd.udp(False, 40202, cd.message(31, "first.example.com", "A", True)))
    return c


# What each figure is, and why (the docstring's cases in order).
TRUTH = [
    ("dns_qtype-A", 3),  # the 3 queries
    ("dns_opcode-Query", 6),  # and their 3 responses
    ("dns_rcode-RCode0", 3),  # every response
    ("dns_query-unanswered", 1),  # first.example.com's first query
    ("dns_response-unmatched", 1),  # its answer, after the id was reused
    ("dns_query-evicted", 0),
    ("duration-dns_max", "0.200000"),  # of 0.05 and 0.2 s
]

if __name__ == "__main__":
    cd.write_crafted(sys.argv, __doc__, craft, "reused", TRUTH)
