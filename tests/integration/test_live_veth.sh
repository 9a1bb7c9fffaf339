#!/usr/bin/env bash
# Live capture: tcpreplay sends a generated capture across a veth pair
# between two test namespaces; pcapflow, in a real collectd capturing on the
# receiving end, must count exactly the generator's ground truth.
source "$(dirname "$0")/lib.sh"
pf_test_init live_veth
pf_netns_init
pf_veth_up

pf_gen live live --seed 7
total=$(pf_truth_value "$WORK/live.truth" packets-captured)

dir="$WORK/collectd"
pf_collectd "$dir" --local --netns "$NS_B" --interface "$VETH_B" Instance veth

sent=$(pf_replay "$WORK/live.pcap")
[[ "$sent" == "$total" ]] || pf_fail "tcpreplay sent $sent packets, the capture holds $total"
pf_wait_captured veth "$total" 20
sleep 1.5 # one more interval: nothing more may arrive
pf_csv_values "$dir" veth >"$WORK/actual"
pf_compare_truth "$WORK/live.truth" "$WORK/actual" live || pf_fail "counts differ from the ground truth"
[[ "$(pf_value "$dir" veth gauge-capture_up)" == 1 ]] || pf_fail "capture_up is not 1"
pf_collectd_stop
pf_pass "$total packets replayed across a veth, every series exact"
