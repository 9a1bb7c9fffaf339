#!/usr/bin/env bash
# Hostile traffic: three million SYNs from random spoofed sources and ports
# (nearly every packet a new flow) through the engine. Every series is
# exact, the list of series is the one a small capture gives (cardinality
# does not follow the traffic), and peak memory does not grow with the
# number of flows. The time per packet is measured and printed, not asserted.
#
# The flow table plugs in here: give pcapflow-replay its MaxFlows option,
# set MAX_GROWTH_KIB to that bound (entries x entry size) and add the
# crafted colliding-keys capture next to this one.
source "$(dirname "$0")/lib.sh"
pf_test_init hostile_synflood
PACKETS=3000000
MAX_GROWTH_KIB=4096 # no flow state yet: nothing may grow per packet

"$GEN" --scenario synflood --packets "$PACKETS" --seed 29 --out "$WORK/flood.pcap" --truth "$WORK/flood.truth" ||
  pf_fail "generator failed"
"$GEN" --scenario synflood --packets 1000 --seed 29 --out "$WORK/small.pcap" || pf_fail "generator failed"

"$REPLAY" -t -l "$LOCAL_V4" -l "$LOCAL_V6" "$WORK/flood.pcap" >"$WORK/flood.out" 2>"$WORK/flood.err" ||
  pf_fail "pcapflow-replay failed on the flood: $(cat "$WORK/flood.err")"
"$REPLAY" -t -l "$LOCAL_V4" -l "$LOCAL_V6" "$WORK/small.pcap" >"$WORK/small.out" 2>"$WORK/small.err" ||
  pf_fail "pcapflow-replay failed on the small capture: $(cat "$WORK/small.err")"
rm -f "$WORK/flood.pcap"

pf_compare_truth "$WORK/flood.truth" "$WORK/flood.out" synflood || pf_fail "the flood's counts differ from the ground truth"
[[ "$(awk '{print $1}' "$WORK/flood.out")" == "$(awk '{print $1}' "$WORK/small.out")" ]] ||
  pf_fail "the flood produced other series than a small capture: $(diff <(awk '{print $1}' "$WORK/small.out") <(awk '{print $1}' "$WORK/flood.out"))"
series=$(wc -l <"$WORK/flood.out")

figure() { awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' "$1"; }
rss_flood=$(figure "$WORK/flood.err" max_rss_kib)
rss_small=$(figure "$WORK/small.err" max_rss_kib)
[[ -n "$rss_flood" && -n "$rss_small" ]] || pf_fail "no memory figures from pcapflow-replay -t"
((rss_flood - rss_small <= MAX_GROWTH_KIB)) ||
  pf_fail "peak memory grew from $rss_small KiB (1000 packets) to $rss_flood KiB ($PACKETS packets)"
pf_pass "$PACKETS spoofed SYNs exact; $series series as for 1000 packets; peak RSS $rss_flood KiB vs $rss_small KiB; $(figure "$WORK/flood.err" ns_per_packet) ns per packet (measured)"
