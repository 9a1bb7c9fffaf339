#!/usr/bin/env bash
# A real collectd loads pcapflow.so with File sources (several link types at
# once, each its own capture thread and plugin_instance) and the stock CSV
# writer; the values written equal the generator's ground truth exactly.
source "$(dirname "$0")/lib.sh"
pf_test_init file_collectd

dir="$WORK/collectd"
pcapflow_plugin_dir "$dir/plugins" logfile csv
pf_collectd_conf "$dir" 1
{
  echo 'LoadPlugin pcapflow'
  echo '<Plugin pcapflow>'
  echo "  LocalNetwork \"$LOCAL_V4\""
  echo "  LocalNetwork \"$LOCAL_V6\""
} >>"$dir/collectd.conf"
sources=()
for lt in ethernet sll sll2 raw null; do
  "$GEN" --scenario coverage --linktype "$lt" --seed 5 --out "$WORK/$lt.pcap" \
    --truth "$WORK/$lt.truth" || pf_fail "generator failed for $lt"
  echo "  File \"$WORK/$lt.pcap\"" >>"$dir/collectd.conf"
  sources+=("$lt")
done
# The block form, with an Instance, on a pcapng file.
"$GEN" --scenario coverage --linktype ethernet --format pcapng --seed 6 \
  --out "$WORK/eth-ng.pcapng" --truth "$WORK/eth-ng.truth"
cat >>"$dir/collectd.conf" <<CONF
  <File "$WORK/eth-ng.pcapng">
    Instance "ng"
  </File>
</Plugin>
CONF
cp "$WORK/eth-ng.truth" "$WORK/ng.truth"
sources+=(ng)

pf_collectd_start "$dir"
for s in "${sources[@]}"; do
  total=$(awk '$1 == "packets-captured" {print $2}' "$WORK/$s.truth")
  done_reading() { [[ "$(pf_value "$dir" "$1" packets-captured)" == "$2" ]]; }
  pf_wait_until 30 done_reading "$s" "$total" ||
    pf_fail "$s: collectd wrote packets-captured=$(pf_value "$dir" "$s" packets-captured), expected $total; log: $(tail -n 5 "$dir/collectd.log")"
done
sleep 1.5 # the final totals stay in place, interval after interval
for s in "${sources[@]}"; do
  pf_csv_values "$dir" "$s" >"$WORK/$s.actual"
  pf_compare_truth "$WORK/$s.truth" "$WORK/$s.actual" "$s" || pf_fail "$s: CSV values differ from the ground truth"
  [[ "$(pf_value "$dir" "$s" gauge-capture_up)" == 0 ]] || pf_fail "$s: a file read to its end should report capture_up 0"
  [[ "$(pf_value "$dir" "$s" operations-capture_opened)" == 1 ]] || pf_fail "$s: capture_opened should be 1"
done
grep -q "read \"$WORK/ethernet.pcap\" to its end" "$dir/collectd.log" || pf_fail "no end-of-file log line"
pf_collectd_stop
grep -q "Exiting normally" "$dir/collectd.log" && [[ $COLLECTD_STATUS == 0 ]] || pf_fail "collectd did not shut down cleanly (status $COLLECTD_STATUS): $(tail -n 5 "$dir/collectd.log")"
pf_pass "${#sources[@]} file sources in one collectd, every CSV series exact"
