#!/usr/bin/env bash
# SYN flood and port scan alarms through a real collectd's notification
# path (the logfile plugin logs every notification): a generated capture
# with one flood (3000 spoofed SYNs to 198.18.0.80 port 80) and one scan
# (198.19.9.9 to 1000 ports) gives exactly one WARNING for each, naming the
# target and the scanner, and one OKAY for each once a window passes
# without them; nothing else is raised.
source "$(dirname "$0")/lib.sh"
pf_test_init anomaly_notify

pf_gen attack attack
total=$(pf_truth_value "$WORK/attack.truth" packets-captured)

dir="$WORK/collectd"
pf_collectd "$dir" --opt LocalNetwork "$LOCAL_V4" --opt AnomalyWindow 1 --opt AnomalyCooldown 300 \
  --opt SynFloodThreshold 1000 --opt PortScanThreshold 200 --file "$WORK/attack.pcap" Instance attack
log="$dir/collectd.log"
n_notes() { grep -c "Notification: severity = $1.*$2" "$log" || true; }
both_okay() { [[ $(n_notes OKAY "SYN flood") -ge 1 && $(n_notes OKAY "port scan") -ge 1 ]]; }
pf_wait_until 30 both_okay || pf_fail "no OKAY for both alarms; log: $(grep Notification "$log" || true)"
sleep 3 # more windows: nothing more may be raised
pf_collectd_stop
[[ "$(pf_value "$dir" attack packets-captured)" == "$total" ]] || pf_fail "captured $(pf_value "$dir" attack packets-captured) of $total"

grep "Notification:" "$log" >"$WORK/notes" || true
expect_one() {
  local n
  n=$(grep -c "severity = $1.*$2" "$WORK/notes" || true)
  [[ "$n" == 1 ]] || pf_fail "$n notifications \"$1 … $2\", expected 1: $(cat "$WORK/notes")"
}
expect_one WARNING "SYN flood against 198.18.0.80 port 80 started"
expect_one OKAY "SYN flood against 198.18.0.80 port 80 is over"
expect_one WARNING "port scan from 198.19.9.9 started"
expect_one OKAY "port scan from 198.19.9.9 is over"
[[ $(wc -l <"$WORK/notes") == 4 ]] || pf_fail "other notifications: $(cat "$WORK/notes")"
# The WARNING comes before its OKAY.
grep -n "SYN flood" "$WORK/notes" | head -n 1 | grep -q WARNING || pf_fail "the flood's OKAY came first"
grep -n "port scan" "$WORK/notes" | head -n 1 | grep -q WARNING || pf_fail "the scan's OKAY came first"
grep -q 'plugin = pcapflow, plugin_instance = attack' "$WORK/notes" || pf_fail "notifications do not name the source: $(cat "$WORK/notes")"
pf_pass "one WARNING and one OKAY each for the SYN flood and the port scan"
