#!/usr/bin/env bash
# Live capture: tcpreplay sends a generated capture across a veth pair
# between two test namespaces; pcapflow, in a real collectd capturing on the
# receiving end, must count exactly the generator's ground truth.
source "$(dirname "$0")/lib.sh"
pf_test_init live_veth
pf_netns_init
pf_veth_up

"$GEN" --scenario live --seed 7 --out "$WORK/live.pcap" --truth "$WORK/live.truth" ||
  pf_fail "generator failed"
total=$(awk '$1 == "packets-captured" {print $2}' "$WORK/live.truth")

dir="$WORK/collectd"
pcapflow_plugin_dir "$dir/plugins" logfile csv
pf_collectd_conf "$dir" 1
cat >>"$dir/collectd.conf" <<CONF
LoadPlugin pcapflow
<Plugin pcapflow>
  LocalNetwork "$LOCAL_V4"
  LocalNetwork "$LOCAL_V6"
  <Interface "$VETH_B">
    Instance "veth"
  </Interface>
</Plugin>
CONF
pf_collectd_start "$dir" ip netns exec "$NS_B"
pf_wait_until 20 grep -q "capturing on \"$VETH_B\"" "$dir/collectd.log" ||
  pf_fail "capture did not start: $(cat "$dir/collectd.log")"

sent=$(pf_replay "$WORK/live.pcap")
[[ "$sent" == "$total" ]] || pf_fail "tcpreplay sent $sent packets, the capture holds $total"

captured_all() { [[ "$(pf_value "$dir" veth packets-captured)" == "$total" ]]; }
pf_wait_until 20 captured_all ||
  pf_fail "captured $(pf_value "$dir" veth packets-captured) of $total packets"
sleep 1.5 # one more interval: nothing more may arrive
pf_csv_values "$dir" veth >"$WORK/actual"
pf_compare_truth "$WORK/live.truth" "$WORK/actual" live || pf_fail "counts differ from the ground truth"
[[ "$(pf_value "$dir" veth gauge-capture_up)" == 1 ]] || pf_fail "capture_up is not 1"
pf_collectd_stop
pf_pass "$total packets replayed across a veth, every series exact"
