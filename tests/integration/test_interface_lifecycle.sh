#!/usr/bin/env bash
# An interface that is missing at start is retried and logged once; when it
# appears, capture starts without restarting collectd. When it disappears
# and comes back, capture resumes and the counters carry on from where they
# were (never backwards), with one log line per outage.
source "$(dirname "$0")/lib.sh"
pf_test_init interface_lifecycle
pf_netns_init

pf_gen live live --seed 11
total=$(pf_truth_value "$WORK/live.truth" packets-captured)

dir="$WORK/collectd"
pf_collectd "$dir" --local --opt RetryMax 1 --netns "$NS_B" --interface "$VETH_B" Instance veth \
  --wait init # the interface does not exist yet

# 1. Missing at start: one error line, however many attempts.
pf_wait_until 20 grep -q "source \"veth\": $VETH_B: No such device" "$dir/collectd.log" ||
  pf_fail "no error for the missing interface: $(cat "$dir/collectd.log")"
failed_ge() { local f; f=$(pf_value "$dir" veth operations-capture_failed); [[ -n "$f" && "$f" -ge $1 ]]; }
pf_wait_until 20 failed_ge 4 || pf_fail "open was not retried: capture_failed=$(pf_value "$dir" veth operations-capture_failed)"
[[ $(grep -c "source \"veth\".*No such device" "$dir/collectd.log") == 1 ]] ||
  pf_fail "the missing interface was logged more than once: $(grep veth "$dir/collectd.log")"
[[ "$(pf_value "$dir" veth gauge-capture_up)" == 0 ]] || pf_fail "capture_up should be 0 while missing"

# 2. It appears: capture starts, counts exactly.
pf_veth_up
pf_wait_until 20 grep -q "capturing on \"$VETH_B\" again" "$dir/collectd.log" ||
  pf_fail "capture did not start when the interface appeared: $(grep veth "$dir/collectd.log")"
sent=$(pf_replay "$WORK/live.pcap")
[[ "$sent" == "$total" ]] || pf_fail "tcpreplay sent $sent of $total"
pf_wait_captured veth "$total" 20

# 3. It disappears while captured, and comes back: one line per outage,
# counting resumes, nothing is lost or counted twice.
pf_veth_down
pf_wait_until 20 grep -q "capture on \"$VETH_B\" failed" "$dir/collectd.log" ||
  pf_fail "the vanished interface was not noticed: $(grep veth "$dir/collectd.log")"
down_value=$(pf_value "$dir" veth packets-captured)
[[ "$down_value" == "$total" ]] || pf_fail "counters changed while down: $down_value"
sleep 3
pf_veth_up
pf_wait_until 20 bash -c "[[ \$(grep -c 'capturing on \"$VETH_B\" again' '$dir/collectd.log') == 2 ]]" ||
  pf_fail "capture did not resume: $(grep veth "$dir/collectd.log")"
sent=$(pf_replay "$WORK/live.pcap")
pf_wait_captured veth $((2 * total)) 20
sleep 1.5
pf_csv_values "$dir" veth >"$WORK/actual"
pf_scale_truth 2 <"$WORK/live.truth" >"$WORK/twice.truth"
pf_compare_truth "$WORK/twice.truth" "$WORK/actual" reopened || pf_fail "counts after the reopen differ"
[[ "$(pf_value "$dir" veth operations-capture_opened)" == 2 ]] ||
  pf_fail "capture_opened = $(pf_value "$dir" veth operations-capture_opened), expected 2"
# Outage 1: "No such device" once. Outage 2: "capture ... failed" and then
# why reopening fails, once, however many attempts were made.
outage_lines=$(grep -c "source \"veth\".*\(No such device\|failed\)" "$dir/collectd.log")
[[ "$outage_lines" == 3 ]] || pf_fail "expected 3 log lines for two outages: $(grep veth "$dir/collectd.log")"
pf_collectd_stop
pf_pass "missing at start, vanished and back: $((2 * total)) packets, exact, $outage_lines log lines"
