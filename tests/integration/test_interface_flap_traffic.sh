#!/usr/bin/env bash
# The captured veth is deleted while tcpreplay is sending onto it, and
# recreated: capture resumes within a couple of intervals without
# restarting collectd, each outage is logged once (the failure, why
# reopening fails, the resumption: one line each, however many attempts),
# every DERIVE value in every CSV row never goes backwards, and kernel and
# interface drops are reported (present and monotonic).
source "$(dirname "$0")/lib.sh"
pf_test_init interface_flap_traffic
pf_netns_init
pf_veth_up
OUTAGES=2
RESUME_BOUND_S=5 # RetryMax 1 s + two 1 s intervals + slack

pf_gen mixed mixed --packets 20000 --seed 19

dir="$WORK/collectd"
pf_collectd "$dir" --local --opt RetryMax 1 --opt BufferSize 1 --netns "$NS_B" \
  --interface "$VETH_B" Instance veth

# send : tcpreplay in the background, bounded in loops and time; sets SENDER.
send() {
  timeout 60 ip netns exec "$NS_A" tcpreplay --pps=50000 --loop=200 -i "$VETH_A" "$WORK/mixed.pcap" \
    >>"$WORK/tcpreplay.out" 2>&1 &
  SENDER=$!
  PF_PIDS+=("$SENDER")
}
captured() { local v; v=$(pf_value "$dir" veth packets-captured); echo "${v:-0}"; }
grows_past() { (($(captured) > $1)); }
count() { grep -c "$1" "$dir/collectd.log" || true; }

resume_times=()
for outage in $(seq 1 "$OUTAGES"); do
  send
  before=$(captured)
  pf_wait_until 20 grows_past $((before + 20000)) || pf_fail "outage $outage: traffic is not being captured ($(captured))"
  kill -0 "$SENDER" 2>/dev/null || pf_fail "outage $outage: tcpreplay stopped before the interface was deleted"
  pf_veth_down # while tcpreplay is sending
  pf_wait_until 20 bash -c "[[ \$(grep -c 'capture on \"$VETH_B\" failed' '$dir/collectd.log') == $outage ]]" ||
    pf_fail "outage $outage: the vanished interface was not noticed: $(grep pcapflow "$dir/collectd.log")"
  kill "$SENDER" 2>/dev/null || true # its interface is gone; do not wait for it to notice
  wait "$SENDER" 2>/dev/null || true
  sleep 3                            # several attempts to reopen
  pf_veth_up
  up_at=$(date +%s%N)
  pf_wait_until "$RESUME_BOUND_S" bash -c "[[ \$(grep -c 'capturing on \"$VETH_B\" again' '$dir/collectd.log') == $outage ]]" ||
    pf_fail "outage $outage: capture did not resume within $RESUME_BOUND_S s: $(grep pcapflow "$dir/collectd.log")"
  resume_times+=("$((($(date +%s%N) - up_at) / 1000000))ms")
  send
  at_resume=$(captured)
  pf_wait_until "$RESUME_BOUND_S" grows_past "$at_resume" ||
    pf_fail "outage $outage: no packets counted within $RESUME_BOUND_S s of the interface coming back"
  kill "$SENDER" 2>/dev/null || true
  wait "$SENDER" 2>/dev/null || true
done
sleep 1.5 # a last interval after the traffic
pf_collectd_stop

# One line of each kind per outage, however many attempts were made.
[[ $(count "capture on \"$VETH_B\" failed") == "$OUTAGES" ]] || pf_fail "failure lines: $(grep pcapflow "$dir/collectd.log")"
[[ $(count "source \"veth\": $VETH_B: No such device") == "$OUTAGES" ]] ||
  pf_fail "reopen-failure lines: $(grep pcapflow "$dir/collectd.log")"
[[ $(count "capturing on \"$VETH_B\" again") == "$OUTAGES" ]] || pf_fail "resume lines: $(grep pcapflow "$dir/collectd.log")"
failed=$(pf_value "$dir" veth operations-capture_failed)
((failed >= 2 * OUTAGES)) || pf_fail "capture_failed = $failed: reopening was not retried"
[[ $(pf_value "$dir" veth operations-capture_opened) == $((OUTAGES + 1)) ]] ||
  pf_fail "capture_opened = $(pf_value "$dir" veth operations-capture_opened), expected $((OUTAGES + 1))"

# Every DERIVE series, every row: no value ever smaller than the row before.
# Which types are counters is collectd's types.db's to say: GAUGE types
# (bytes, count, duration, ...) are levels or per-interval values, and a
# hand-made list missed duration once TCP timing reported its maxima.
series_dir="$dir/csv/$HOSTNAME_TEST/pcapflow-veth"
counters=$(awk '!/^#/ && NF > 1 { c = 1; for (i = 2; i <= NF; i++) if ($i !~ /:(DERIVE|COUNTER):/) c = 0; print $1, c }' \
  /usr/share/collectd/types.db)
rows=0
checked=0
for f in "$series_dir"/*; do
  type=$(basename "$f")
  type=${type%%-*}
  kind=$(awk -v t="$type" '$1 == t { print $2 }' <<<"$counters")
  [[ -n "$kind" ]] || pf_fail "$(basename "$f"): type $type is not in collectd's types.db"
  [[ "$kind" == 1 ]] || continue
  checked=$((checked + 1))
  bad=$(awk -F, 'NR > 2 { for (i = 2; i <= NF; i++) if ($i + 0 < prev[i] + 0) { print NR ": " $0; exit } }
                 NR > 1 { for (i = 2; i <= NF; i++) prev[i] = $i }' "$f")
  [[ -z "$bad" ]] || pf_fail "$(basename "$f") went backwards at row $bad"
  rows=$((rows + $(wc -l <"$f") - 1))
done
((checked > 0)) || pf_fail "no counter series in $series_dir"
for d in dropped_kernel dropped_interface; do
  ls "$series_dir"/packets-"$d"-* >/dev/null 2>&1 || pf_fail "packets-$d is not reported"
done
pf_csv_values "$dir" veth >"$WORK/final"
v() { awk -v id="$1" '$1 == id { s = 0; for (i = 2; i <= NF; i++) s += $i; print s }' "$WORK/final"; }
classes=$(($(v io_packets-ipv4) + $(v io_packets-ipv6) + $(v if_packets-non_ip) + $(v if_packets-malformed)))
[[ $(v packets-captured) == "$classes" ]] || pf_fail "captured $(v packets-captured) but the classes sum to $classes"
pf_pass "$OUTAGES outages under traffic: resumed after ${resume_times[*]}; $(v packets-captured) packets, $failed failed reopens, 3 lines per outage; $rows CSV rows of $checked counter series monotonic; drops reported (kernel $(v packets-dropped_kernel), interface $(v packets-dropped_interface))"
