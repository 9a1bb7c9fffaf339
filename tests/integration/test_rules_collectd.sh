#!/usr/bin/env bash
# Traffic rules end to end: a capture whose per-class ground truth the
# generator knows, read by a real collectd with RulesFile (its
# local_networks are the only local networks configured). Every per-class
# series under plugin pcapflow_class is exact (the handshake
# latency of each class within the histogram's documented error), the classes
# plus unclassified add up to the total, and pcapflow-replay -r prints the
# same. A source with TcpAnalysis false has the same classes, but no latency.
source "$(dirname "$0")/lib.sh"
pf_test_init rules_collectd

pf_gen cls classes --rules "$WORK/rules.yaml" --class-truth "$WORK/cls.class_truth"
total=$(pf_truth_value "$WORK/cls.truth" packets-captured)
classes=$(grep -c '^if_packets-' "$WORK/cls.class_truth")

dir="$WORK/collectd"
pf_collectd "$dir" --opt RulesFile "$WORK/rules.yaml" --file "$WORK/cls.pcap" \
  --file "$WORK/cls.pcap" Instance off TcpAnalysis false --file "$WORK/cls.pcap" Instance cls-CLASS
class_series_written() {
  [[ "$(pf_class_values "$dir" cls | grep -c '^if_packets-')" == "$classes" &&
    "$(pf_value "$dir" cls packets-captured)" == "$total" &&
    "$(pf_class_values "$dir" off | grep -c '^if_packets-')" == "$classes" &&
    "$(pf_value "$dir" off packets-captured)" == "$total" ]]
}
pf_wait_until 20 class_series_written ||
  pf_fail "per-class series not written: $(pf_class_values "$dir" cls | head -n 3); log: $(grep pcapflow "$dir/collectd.log")"
sleep 1.5 # one more interval: the file is read to its end
pf_csv_values "$dir" cls >"$WORK/actual"
pf_class_values "$dir" cls >"$WORK/actual_class"
pf_class_values "$dir" off >"$WORK/actual_off"
pf_collectd_stop
grep -qF "RulesFile \"$WORK/rules.yaml\": $((classes - 1)) classes and unclassified, 2 local networks" \
  "$dir/collectd.log" || pf_fail "no INFO line naming the rules file: $(grep pcapflow "$dir/collectd.log")"

# A source may be named like a class instance: the classes live under a
# plugin of their own, so no two directories name the same series in a
# writer that ignores case or turns '.' into '_'.
folded=$(ls "$dir/csv/$HOSTNAME_TEST" | tr 'A-Z.' 'a-z_' | sort | uniq -d)
[[ -z "$folded" ]] || pf_fail "series directories that writers would mix: $folded"
[[ -d "$dir/csv/$HOSTNAME_TEST/pcapflow-cls-CLASS" ]] || pf_fail "no series of the source cls-CLASS"

# Direction comes from the rules file's local_networks alone: the totals
# match the generator's, which assumes exactly those networks.
pf_compare_truth "$WORK/cls.truth" "$WORK/actual" collectd || pf_fail "totals differ from the ground truth"
pf_compare_truth "$WORK/cls.class_truth" "$WORK/actual_class" collectd-class ||
  pf_fail "per-class series differ from the ground truth"
# Exactly the classes of the file: nothing more under pcapflow_class. The
# TCP timing figures (test_tcp_timing.sh holds them exact) come on top,
# of classes of the file only.
grep -v '^tcp_' "$WORK/actual_class" >"$WORK/actual_class_own"
[[ "$(wc -l <"$WORK/actual_class_own")" == "$(wc -l <"$WORK/cls.class_truth")" ]] ||
  pf_fail "unexpected series under pcapflow_class-cls: $(LC_ALL=C comm -13 <(awk '{print $1}' "$WORK/cls.class_truth" | LC_ALL=C sort) <(awk '{print $1}' "$WORK/actual_class_own"))"
for c in $(sed -n 's#^tcp_[a-z_]*/duration-\([a-z0-9_]*\) .*#\1#p' "$WORK/actual_class" | sort -u); do
  grep -q -- "-$c " "$WORK/cls.class_truth" || pf_fail "TCP timing of a class not in the file: $c"
done

# Classes plus unclassified are the total, rx and tx, packets and bytes.
sum_of() { awk -v t="$1-" 'index($1, t) == 1 { rx += $2; tx += $3 } END { print rx, tx }' "$2"; }
for type in if_packets if_octets; do
  got=$(sum_of "$type" "$WORK/actual_class") want=$(sum_of "$type" "$WORK/actual")
  [[ "$got" == "$want" ]] || pf_fail "$type: classes add up to $got, the source's protocols to $want"
done
flows=$(awk '$1 ~ /^current_connections-/ { n += $2 } END { print n }' "$WORK/actual_class")
[[ "$flows" == "$(pf_flows "$dir" cls)" ]] ||
  pf_fail "active flows by class add up to $flows, the source's flows add up to $(pf_flows "$dir" cls)"

# Handshake latency per class: the truth has it for the classes with
# handshakes (each can be wrong), TcpAnalysis false has none of it.
lat_classes=$(grep -c '^max/duration-' "$WORK/cls.class_truth")
[[ "$lat_classes" -ge 5 ]] || pf_fail "the truth has handshake latency for only $lat_classes classes"
! grep -q '/duration-' "$WORK/actual_off" || pf_fail "TcpAnalysis false wrote per-class latency: $(grep '/duration-' "$WORK/actual_off" | head -n 3)"
grep -v '/duration-' "$WORK/cls.class_truth" >"$WORK/off.class_truth"
pf_compare_truth "$WORK/off.class_truth" "$WORK/actual_off" "collectd-class (TcpAnalysis false)" ||
  pf_fail "per-class counters with TcpAnalysis false differ from the ground truth"

"$REPLAY" -r "$WORK/rules.yaml" "$WORK/cls.pcap" >"$WORK/replay" || pf_fail "pcapflow-replay -r failed"
pf_replay_classes cls <"$WORK/replay" >"$WORK/replay_class"
pf_compare_truth "$WORK/cls.class_truth" "$WORK/replay_class" replay-class ||
  pf_fail "pcapflow-replay -r differs from the ground truth"
pf_pass "$total packets in $classes classes, every per-class series exact in collectd and pcapflow-replay, handshake latency of $lat_classes classes within 1/64, none with TcpAnalysis false"
