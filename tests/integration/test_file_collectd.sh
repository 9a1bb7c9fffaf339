#!/usr/bin/env bash
# A real collectd loads pcapflow.so with File sources (several link types at
# once, each its own capture thread and plugin_instance) and the stock CSV
# writer; the values written equal the generator's ground truth exactly.
source "$(dirname "$0")/lib.sh"
pf_test_init file_collectd

sources=() files=()
for lt in ethernet sll sll2 raw null; do
  pf_gen "$lt" coverage --linktype "$lt" --seed 5
  files+=(--file "$WORK/$lt.pcap")
  sources+=("$lt")
done
# The block form, with an Instance, on a pcapng file.
"$GEN" --scenario coverage --linktype ethernet --format pcapng --seed 6 \
  --out "$WORK/eth-ng.pcapng" --truth "$WORK/eth-ng.truth" || pf_fail "generator failed for pcapng"
cp "$WORK/eth-ng.truth" "$WORK/ng.truth"
sources+=(ng)

dir="$WORK/collectd"
pf_collectd "$dir" --local "${files[@]}" --file "$WORK/eth-ng.pcapng" Instance ng
for s in "${sources[@]}"; do
  pf_wait_captured "$s" "$(pf_truth_value "$WORK/$s.truth" packets-captured)"
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
# One read, one time: every series the plugin wrote (all sources, every
# plugin) carries only times that the first source's capture_up, sent at
# every read, also carries. Left to collectd, each value had its own.
reads=$(find "$dir/csv" -path "*/pcapflow-ethernet/gauge-capture_up-*" -exec tail -q -n +2 {} + | cut -d, -f1 | sort -u)
[[ $(wc -l <<<"$reads") -ge 2 ]] || pf_fail "expected capture_up rows from several reads, got: $reads"
stray=$(find "$dir/csv" -path "*/pcapflow*" -type f -exec tail -q -n +2 {} + | cut -d, -f1 | sort -u | comm -23 - <(echo "$reads"))
[[ -z $stray ]] || pf_fail "series stamped apart from their read's time: $(head -n 3 <<<"$stray" | tr '\n' ' ')"

grep -q "Exiting normally" "$dir/collectd.log" && [[ $COLLECTD_STATUS == 0 ]] || pf_fail "collectd did not shut down cleanly (status $COLLECTD_STATUS): $(tail -n 5 "$dir/collectd.log")"
pf_pass "${#sources[@]} file sources in one collectd, every CSV series exact"
