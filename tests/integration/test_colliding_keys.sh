#!/usr/bin/env bash
# Crafted colliding keys: two million datagrams over 2048 flow keys that
# pcapflow-gen searched to share one flow-table bucket under the known test
# seed (tests/known_seed), as an attacker who knew the seed would send them.
#  - The capture is what it claims: with the known seed (a test-only build)
#    every key is in one chain; with the production build's random seed the
#    chains are short again. Chains are counted, not timed (bench/collide.sh
#    measures the cost).
#  - pcapflow-replay (the production engine) counts it exactly, and its peak
#    memory stays within the flow table's configured bound.
#  - A real collectd reading it as a File source counts it exactly, writes
#    no more series than the documented bound and keeps running.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/series.sh"
pf_test_init colliding_keys
PACKETS=2000000
KEYS=2048
# The default MaxFlows (262144) IPv4 entries of 64 bytes and their 8-byte
# hash buckets (a chain's head and its tags), plus 8 MiB for everything else that may grow with the
# traffic.
MAX_GROWTH_KIB=$(((262144 * (64 + 8)) / 1024 + 8192))
limit=10

pf_gen collide collide --keys "$KEYS" --packets "$PACKETS" --seed 31 --no-top
pf_gen small collide --keys 1 --packets 1000 --seed 31

# Test-only builds (mk/collide.mk): `make integration` makes them, `make
# all` does not, so say which when this test is run on its own.
for bin in bench-collide bench-collide-knownseed pcapflow-replay-knownseed; do
  [[ -x "$BUILD/$bin" ]] || pf_fail "$BUILD/$bin is missing: run make integration, or make build/$bin"
done
# Every key in one bucket under the known seed; random chains otherwise.
chain() { awk '{ for (i = 1; i < NF; i++) if ($i == "longest_chain") print $(i + 1) }' <<<"$1"; }
known=$("$BUILD/bench-collide-knownseed" "$WORK/collide.pcap" 100000) || pf_fail "bench-collide-knownseed failed"
random=$("$BUILD/bench-collide" "$WORK/collide.pcap" 100000) || pf_fail "bench-collide failed"
[[ "$(chain "$known")" == "$KEYS" ]] ||
  pf_fail "with the known seed the longest chain is $(chain "$known"), not $KEYS: the keys do not collide ($known)"
# 2048 keys in the 4096 buckets the table starts with (it grows its
# buckets with its flows, src/flow/buckets.h): a chain of 12 has a chance of
# about 1e-9.
(($(chain "$random") <= 11)) || pf_fail "with a random seed the longest chain is $(chain "$random") ($random)"

# The whole engine with the known seed (bench/collide.sh's build) is the
# same run to run, its distinct counts' sketches included: a link-time
# optimised link had inlined pf_hash_seed past --wrap (mk/collide.mk).
pf_gen mixed mixed --packets 20000 --seed 31
for run in 1 2; do
  "$BUILD/pcapflow-replay-knownseed" -l "$LOCAL_V4" "$WORK/mixed.pcap" >"$WORK/known-$run.out" ||
    pf_fail "pcapflow-replay-knownseed failed"
done
cmp -s "$WORK/known-1.out" "$WORK/known-2.out" ||
  pf_fail "pcapflow-replay-knownseed differs run to run: $(diff "$WORK/known-1.out" "$WORK/known-2.out" | head -4)"

pf_replay_timed collide -l "$LOCAL_V4"
pf_replay_timed small -l "$LOCAL_V4"
pf_compare_truth "$WORK/collide.truth" "$WORK/collide.out" replay || pf_fail "pcapflow-replay's counts differ from the ground truth"
[[ "$(pf_flows_of "$WORK/collide.out")" == "$KEYS" ]] ||
  pf_fail "the table holds $(pf_flows_of "$WORK/collide.out"), not $KEYS flows"
pf_rss_growth_within collide small "$MAX_GROWTH_KIB"

dir="$WORK/collectd"
pf_collectd "$dir" --opt LocalNetwork "$LOCAL_V4" --opt TopN 10 --opt TopSeriesLimit "$limit" \
  --file "$WORK/collide.pcap"
pf_wait_captured collide "$(pf_truth_value "$WORK/collide.truth" packets-captured)" 120
sleep 1.5
pf_csv_values "$dir" collide >"$WORK/actual"
pf_compare_truth "$WORK/collide.truth" "$WORK/actual" collectd || pf_fail "CSV differs from the ground truth"
kill -0 "$COLLECTD_PID" 2>/dev/null || pf_fail "collectd died: $(tail -n 5 "$dir/collectd.log")"
collectd_hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$COLLECTD_PID/status")
pf_collectd_stop
((COLLECTD_STATUS == 0)) || pf_fail "collectd exited with status $COLLECTD_STATUS"

series=$(ls "$dir/csv/$HOSTNAME_TEST/pcapflow-collide" | sed -E 's/-[0-9]{4}-[0-9]{2}-[0-9]{2}$//' | sort -u | wc -l)
bound=$((105 + 3 * (limit + 1))) # METRICS.md, "Cardinality"
((series <= bound)) || pf_fail "$series distinct series written, the bound is $bound"
# DNS (on by default, plugin pcapflow_dns) is bounded apart (METRICS.md, "DNS").
pf_dns_series_within "$dir" collide "$limit"
# So is TLS (plugin pcapflow_tls, METRICS.md "TLS").
pf_series_within pcapflow_tls TLS "$dir" collide "$limit"
pf_pass "$PACKETS packets over $KEYS keys exact; longest chain $KEYS with the known seed, $(chain "$random") with a random one; replay peak RSS $RSS_BIG KiB vs $RSS_SMALL KiB; collectd peak RSS $collectd_hwm KiB; $series series (bound $bound), $PF_DNS_SERIES DNS series (bound $((PF_DNS_BOUND + limit + 1))), $PF_SERIES TLS series"
