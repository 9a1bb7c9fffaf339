#!/usr/bin/env bash
# A SYN flood from a million random spoofed sources, read by a real
# collectd: the flow table stays at its configured bound (MaxFlows, least
# recently seen flows evicted, counted exactly), every counter is exact, and
# the number of distinct series ever written stays within the documented
# bound: 88 fixed + 3 x (TopSeriesLimit + 1), whatever the traffic.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/series.sh"
pf_test_init flood_cardinality

pf_gen flood flood --packets 1000000 --seed 2 --no-top
total=$(pf_truth_value "$WORK/flood.truth" packets-captured)
limit=10

dir="$WORK/collectd"
pf_collectd "$dir" --local --opt TopN 10 --opt TopSeriesLimit "$limit" --file "$WORK/flood.pcap"
pf_wait_captured flood "$total" 60
sleep 1.5
pf_csv_values "$dir" flood >"$WORK/actual"
pf_compare_truth "$WORK/flood.truth" "$WORK/actual" flood || pf_fail "CSV differs from the ground truth"
[[ "$(pf_flows "$dir" flood)" == 262144 ]] ||
  pf_fail "the table holds $(pf_flows "$dir" flood) flows, MaxFlows is 262144"
[[ "$(pf_value "$dir" flood connections-flows_evicted)" -gt 0 ]] || pf_fail "the flood evicted nothing"
pf_collectd_stop

series=$(ls "$dir/csv/$HOSTNAME_TEST/pcapflow-flood" | sed -E 's/-[0-9]{4}-[0-9]{2}-[0-9]{2}$//' | sort -u | wc -l)
bound=$((105 + 3 * (limit + 1))) # METRICS.md, "Cardinality"
[[ "$series" -le "$bound" ]] || pf_fail "$series distinct series written, the bound is $bound"
# DNS (on by default, plugin pcapflow_dns) is bounded apart (METRICS.md, "DNS").
pf_dns_series_within "$dir" flood "$limit"
# So is TLS (plugin pcapflow_tls, METRICS.md "TLS").
pf_series_within pcapflow_tls TLS "$dir" flood "$limit"
named_hosts=$(ls "$dir/csv/$HOSTNAME_TEST/pcapflow-flood" | grep -c '^bytes-top_host_' || true)
[[ "$named_hosts" -ge 2 ]] || pf_fail "no top hosts were named at all ($named_hosts)"
pf_pass "$total packets, $(awk '$1 == "connections-flows_new" {print $2}' "$WORK/flood.truth") flows: table held at 262144, $series series (bound $bound), $PF_DNS_SERIES DNS series (bound $((PF_DNS_BOUND + limit + 1)))"
