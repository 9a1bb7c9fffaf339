#!/usr/bin/env bash
# Hostile traffic: three million SYNs from random spoofed sources and ports
# (nearly every packet a new flow) through the engine. Every series is
# exact (the flow table evicts exactly as modelled), the fixed series are
# the ones a small capture gives and the top-N lists stay at TopN entries
# (cardinality does not follow the traffic), and peak memory stays within
# the flow table's configured bound. The time per packet is measured and
# printed, not asserted.
source "$(dirname "$0")/lib.sh"
pf_test_init hostile_synflood
PACKETS=3000000
# The default MaxFlows (262144) entries of 112 bytes and their 4-byte hash
# buckets, the 64-byte TCP analysis entry of each (every flow here is TCP),
# plus 8 MiB for everything else that may grow with the traffic.
MAX_GROWTH_KIB=$(((262144 * (112 + 4 + 64)) / 1024 + 8192))

"$GEN" --scenario flood --packets "$PACKETS" --seed 29 --out "$WORK/flood.pcap" --truth "$WORK/flood.truth" ||
  pf_fail "generator failed"
"$GEN" --scenario flood --packets 1000 --seed 29 --out "$WORK/small.pcap" || pf_fail "generator failed"

"$REPLAY" -t -l "$LOCAL_V4" -l "$LOCAL_V6" "$WORK/flood.pcap" >"$WORK/flood.out" 2>"$WORK/flood.err" ||
  pf_fail "pcapflow-replay failed on the flood: $(cat "$WORK/flood.err")"
"$REPLAY" -t -l "$LOCAL_V4" -l "$LOCAL_V6" "$WORK/small.pcap" >"$WORK/small.out" 2>"$WORK/small.err" ||
  pf_fail "pcapflow-replay failed on the small capture: $(cat "$WORK/small.err")"
rm -f "$WORK/flood.pcap"

pf_compare_truth "$WORK/flood.truth" "$WORK/flood.out" synflood || pf_fail "the flood's counts differ from the ground truth"
fixed() { awk '$1 !~ /^bytes-top_/ || $1 ~ /_other$/ {print $1}' "$1"; }
[[ "$(fixed "$WORK/flood.out")" == "$(fixed "$WORK/small.out")" ]] ||
  pf_fail "the flood produced other series than a small capture: $(diff <(fixed "$WORK/small.out") <(fixed "$WORK/flood.out"))"
for kind in host port flow; do
  named=$(grep -c "^bytes-top_${kind}_" "$WORK/flood.out" || true)
  ((named <= 11)) || pf_fail "$named top $kind series for TopN 10"
done
[[ "$(awk '$1 == "current_connections-flows" {print $2}' "$WORK/flood.out")" == 262144 ]] ||
  pf_fail "the flow table did not stay at MaxFlows: $(grep current_connections-flows "$WORK/flood.out")"
series=$(wc -l <"$WORK/flood.out")

figure() { awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' "$1"; }
rss_flood=$(figure "$WORK/flood.err" max_rss_kib)
rss_small=$(figure "$WORK/small.err" max_rss_kib)
[[ -n "$rss_flood" && -n "$rss_small" ]] || pf_fail "no memory figures from pcapflow-replay -t"
((rss_flood - rss_small <= MAX_GROWTH_KIB)) ||
  pf_fail "peak memory grew from $rss_small KiB (1000 packets) to $rss_flood KiB ($PACKETS packets)"
pf_pass "$PACKETS spoofed SYNs exact; $series series as for 1000 packets; peak RSS $rss_flood KiB vs $rss_small KiB; $(figure "$WORK/flood.err" ns_per_packet) ns per packet (measured)"
