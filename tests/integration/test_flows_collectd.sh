#!/usr/bin/env bash
# Flow metrics through a real collectd and its CSV writer: a capture of two
# hours of packet time (timeouts, FIN/RST closes, a reopened connection,
# active timeouts, ICMP echo pairs, VLANs) read by a File source; the flow
# counters and levels written equal the generator's ground truth exactly,
# and the interval's top-N lists add up to the IP bytes.
source "$(dirname "$0")/lib.sh"
pf_test_init flows_collectd

pf_gen flows flows --seed 12 --no-top
total=$(pf_truth_value "$WORK/flows.truth" packets-captured)
grep -q '^connections-flows_expired [1-9]' "$WORK/flows.truth" || pf_fail "the capture expires no flow"

dir="$WORK/collectd"
pf_collectd "$dir" --local --opt CollectTopFlows true --file "$WORK/flows.pcap"
pf_wait_captured flows "$total"
sleep 1.5 # final values, and at least one more interval
pf_csv_values "$dir" flows >"$WORK/actual"
pf_compare_truth "$WORK/flows.truth" "$WORK/actual" flows || pf_fail "CSV differs from the ground truth"

# Every interval's top-N list (named entries + other) adds up to the IP
# bytes read in that interval; summed over the run, to all IP bytes.
ip_bytes=$(awk '$1 == "io_octets-ipv4" || $1 == "io_octets-ipv6" {s += $2 + $3} END {print s}' "$WORK/flows.truth")
for kind in host port flow; do
  sum=$(cat "$dir/csv/$HOSTNAME_TEST/pcapflow-flows"/bytes-top_"$kind"_* |
    awk -F, '$1 ~ /^[0-9]/ {s += $2} END {printf "%.0f", s}')
  [[ "$sum" == "$ip_bytes" ]] || pf_fail "top $kind lists add up to $sum over the run, IP bytes are $ip_bytes"
done
pf_collectd_stop
pf_pass "$total packets, $(awk '$1 == "connections-flows_new" {print $2}' "$WORK/flows.truth") flows, every flow series exact; top-N lists add up"
