#!/usr/bin/env bash
# A DNS query whose id its client reuses for another question while it
# waits ends unanswered (craft_dns_reused.py): no response can match it
# any more, and every query must end counted somewhere - answered,
# unanswered or evicted - not dropped silently. Exact through
# pcapflow-replay: 3 queries, 2 answered (samples of 0.05 and 0.2 s), 1
# unanswered, and its late answer unmatched; the same counters in the
# last read of -i 1 (reads at one-second boundaries of packet time).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/crafted_dns.sh"
pf_test_init dns_id_reused
pf_crafted_dns reused reused 6 0.200000
pf_pass "a query whose id was reused for another question unanswered and its answer unmatched, the other 2 answered; the same counts read at one-second boundaries"
