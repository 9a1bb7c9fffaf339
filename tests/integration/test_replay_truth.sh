#!/usr/bin/env bash
# The engine, run over generated captures of every supported link type (and
# pcapng), counts exactly what the generator built: every series, both
# directions. pcapflow-replay runs the same code as the plugin.
source "$(dirname "$0")/lib.sh"
pf_test_init replay_truth

checked=0
for spec in ethernet:pcap sll:pcap sll2:pcap raw:pcap null:pcap loop:pcap ethernet:pcapng sll2:pcapng; do
  lt=${spec%%:*} fmt=${spec##*:}
  base="$WORK/$lt-$fmt"
  "$GEN" --scenario coverage --linktype "$lt" --format "$fmt" --seed 3 \
    --out "$base.cap" --truth "$base.truth" || pf_fail "generator failed for $spec"
  "$REPLAY" -l "$LOCAL_V4" -l "$LOCAL_V6" "$base.cap" >"$base.actual" ||
    pf_fail "pcapflow-replay failed on $spec"
  pf_compare_truth "$base.truth" "$base.actual" "$spec" || pf_fail "$spec: counts differ from the ground truth"
  checked=$((checked + $(pf_truth_value "$base.truth" packets-captured)))
done
# Flows, top-N lists and distinct counts over a timeline of two hours of
# packet time (timeouts, closes, reopened connections, active timeouts).
for lt in ethernet sll2 raw null; do
  base="$WORK/flows-$lt"
  pf_gen "flows-$lt" flows --linktype "$lt" --seed 4
  # The top flows are off by default; the truth has them.
  "$REPLAY" -l "$LOCAL_V4" -l "$LOCAL_V6" -o CollectTopFlows=true "$base.pcap" >"$base.actual" ||
    pf_fail "replay failed on flows/$lt"
  grep -q '^connections-flows_expired [1-9]' "$base.truth" || pf_fail "flows/$lt: the capture expires no flow"
  pf_compare_truth "$base.truth" "$base.actual" "flows/$lt" || pf_fail "flows/$lt: differs from the ground truth"
  checked=$((checked + $(pf_truth_value "$base.truth" packets-captured)))
done

# Without LocalNetwork nothing is local: every IP packet is "neither".
"$REPLAY" "$WORK/ethernet-pcap.cap" >"$WORK/nolocal"
ip_pkts=$(awk '$1 == "io_packets-ipv4" || $1 == "io_packets-ipv6" {s += $2 + $3} END {print s}' "$WORK/nolocal")
neither=$(awk '$1 == "derive-local_neither" {print $2}' "$WORK/nolocal")
[[ "$ip_pkts" -gt 0 && "$ip_pkts" == "$neither" ]] || pf_fail "without local networks: $neither of $ip_pkts IP packets are local_neither"
# A damaged file (its last record cut short) keeps every whole packet
# counted, says why reading stopped, and fails (exit 1): it was not read
# to its end.
total=$(pf_truth_value "$WORK/ethernet-pcap.truth" packets-captured)
head -c -7 "$WORK/ethernet-pcap.cap" >"$WORK/damaged.pcap"
rc=0
"$REPLAY" "$WORK/damaged.pcap" >"$WORK/damaged.out" 2>"$WORK/damaged.err" || rc=$?
[[ $rc == 1 ]] || pf_fail "pcapflow-replay exited $rc on a damaged file, not 1"
got=$(pf_truth_value "$WORK/damaged.out" packets-captured)
[[ "$got" == $((total - 1)) ]] || pf_fail "damaged file: captured $got, expected $((total - 1))"
grep -q 'stopped reading ".*damaged.pcap": truncated dump file' "$WORK/damaged.err" &&
  grep -q '^pcapflow-replay: ".*damaged.pcap" was not read to its end: truncated dump file' "$WORK/damaged.err" ||
  pf_fail "damaged file: no error message: $(cat "$WORK/damaged.err")"
pf_pass "$checked packets over 12 captures, every series exact; a damaged file keeps $got packets"
