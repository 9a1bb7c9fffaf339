#!/usr/bin/env bash
# A DNS response after DnsTimeout is not an answer (craft_dns_late.py): in
# a sparse capture no batch ends between a query and its late response, so
# only the response's own clock can tell. Exact through pcapflow-replay:
# the late queries unanswered, their responses unmatched, the latency of
# the timely ones only (the boundary, 5 s, not live; 5 s less 1 us a
# sample), a query asked again past the timeout a new one, and a held
# DNS-over-TCP start whose rest came too late unframed. Read with -i 1 (reads at
# one-second boundaries of packet time, idle stretches skipped, a tick at
# each), the counters at the end are the same: the result does not depend
# on where the batches end. The capture's times never go back, so the
# source's clock is its packet time and the 5 s less 1 us case is a true
# 4.999999 s wait.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/crafted_dns.sh"
pf_test_init dns_late_response
pf_crafted_dns late late 17 4.999999
pf_pass "3 late queries unanswered and their answers unmatched, samples of 1, 1.5 and 4.999999 s, a late held start unframed; the same counts read at one-second boundaries"
