#!/usr/bin/env bash
# Hostile traffic: three million SYNs from random spoofed sources and ports
# (nearly every packet a new flow) through the engine. Every series is
# exact (the flow table evicts exactly as modelled), the fixed series are
# the ones a small capture gives and the top-N lists stay at TopN entries
# (cardinality does not follow the traffic), the DNS series (on by default;
# no SYN carries a DNS message) are exactly METRICS.md's fixed ones, all 0,
# and peak memory stays within
# the flow table's configured bound. The time per packet is measured and
# printed, not asserted.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/series.sh"
pf_test_init hostile_synflood
PACKETS=3000000
# The default MaxFlows (262144) entries of up to 88 bytes (IPv6) and their
# 8-byte hash buckets (a chain's head and its tags), a 64-byte TCP record
# each (with TcpTiming; every flow here is TCP; SYN-only flows take none,
# so this is the worst case), plus 8 MiB for everything else that may grow
# with the traffic.
MAX_GROWTH_KIB=$(((262144 * (88 + 8 + 64)) / 1024 + 8192))

pf_gen flood flood --packets "$PACKETS" --seed 29
pf_gen small flood --packets 1000 --seed 29

pf_replay_timed flood -l "$LOCAL_V4" -l "$LOCAL_V6"
pf_replay_timed small -l "$LOCAL_V4" -l "$LOCAL_V6"
rm -f "$WORK/flood.pcap"

pf_compare_truth "$WORK/flood.truth" "$WORK/flood.out" synflood || pf_fail "the flood's counts differ from the ground truth"
# The DNS and TLS series carry the source's name (the file's): compared
# without it. The latency figures come with samples, which the legitimate
# connections' share of the capture decides (a round trip needs its ACK):
# left out.
fixed() { awk '($1 !~ /^bytes-top_/ || $1 ~ /_other$/) && $1 !~ /^duration-/ {print $1}' "$1" | sed -E 's#^pcapflow_(dns|tls)-[^/]+/#pcapflow_\1/#'; }
[[ "$(fixed "$WORK/flood.out")" == "$(fixed "$WORK/small.out")" ]] ||
  pf_fail "the flood produced other series than a small capture: $(diff <(fixed "$WORK/small.out") <(fixed "$WORK/flood.out"))"
pf_doc_dns_series
sed -n 's#^pcapflow_dns-flood/##p' "$WORK/flood.out" >"$WORK/flood.dns"
pf_check_dns_quiet "the flood" "$WORK/flood.dns"
pf_doc_tls_series
sed -n 's#^pcapflow_tls-flood/##p' "$WORK/flood.out" >"$WORK/flood.tls"
pf_check_tls_quiet "the flood" "$WORK/flood.tls"
for kind in host port flow; do
  named=$(grep -c "^bytes-top_${kind}_" "$WORK/flood.out" || true)
  ((named <= 11)) || pf_fail "$named top $kind series for TopN 10"
done
[[ "$(pf_flows_of "$WORK/flood.out")" == 262144 ]] ||
  pf_fail "the flow table did not stay at MaxFlows: $(pf_flows_of "$WORK/flood.out")"
series=$(wc -l <"$WORK/flood.out")

pf_rss_growth_within flood small "$MAX_GROWTH_KIB"
pf_pass "$PACKETS spoofed SYNs exact; $series series as for 1000 packets; peak RSS $RSS_BIG KiB vs $RSS_SMALL KiB; $(pf_figure flood ns_per_packet) ns per packet (measured)"
