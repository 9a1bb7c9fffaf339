#!/usr/bin/env bash
# Overload: collectd held to 2% of a CPU by a cgroup quota (what systemd's
# CPUQuota=2% does), pcapflow capturing a veth that tcpreplay floods at top
# speed. The capture cannot keep up, and must say so rather than go dark:
#  1. a row of metrics keeps coming while the flood lasts (the read
#     callback never waits for more than one bounded batch);
#  2. what the capture could not process is reported as kernel drops,
#     during the flood;
#  3. SIGTERM in the middle of the flood stops collectd long before the
#     flood ends, with exit status 0.
# A capture loop that reads the ring for as long as packets are ready (a
# live pcap_dispatch with no count) fails all three: the batch, and the
# lock the reader waits for, last as long as the flood (not one row in 8 s,
# a 39.6 s read, 29.2 s to stop).
source "$(dirname "$0")/lib.sh"
pf_test_init overload_quota
# The quota must leave the capture well behind the flood. At 5% it no
# longer did: pcapflow took in all of tcpreplay's 300,000-360,000 frames a
# second, and with a parallel build and four busy loops slowing tcpreplay
# 3 runs of 5 had no drop to report. At 2% it takes in about 100,000 a
# second, against 250,000-280,000 sent under that load and 360,000 on an
# idle machine. (At 1% collectd itself is starved:
# 3 to 8 rows in 8 s, stops of up to 3.3 s.)
QUOTA_PERCENT=2
FLOOD_S=60   # tcpreplay's own bound; the test stops collectd long before
WINDOW_S=8   # the part of the flood whose rows are counted
# A reader that waits for the flood writes no row in the window; one that
# waits a bounded batch writes one an interval, fewer when the throttled
# cgroup's 2% comes late on a loaded machine (6 to 8 seen under load; 3 at
# 1%, the work of a CPU half as fast).
MIN_ROWS=2
# Stopping waits for no flood: 0.06 to 0.6 s here under load (at 2% each
# millisecond of shutdown work is 50 ms of wall time), up to 3.3 s at 1%.
# The loop that waited for the flood would take the rest of it, about 50 s
# (FLOOD_S less the 10 s of flood before SIGTERM): 10 s tells them apart
# by five times, and the flood is checked to be still going once collectd
# has gone.
STOP_BOUND_MS=10000

# A CPU quota of QUOTA_PERCENT of one CPU (v1 or v2 knobs).
pf_cgroup cpu "pcapflow-overload-$$"
if [[ -e "$CG/cpu.cfs_quota_us" ]]; then
  echo 100000 >"$CG/cpu.cfs_period_us"
  echo $((1000 * QUOTA_PERCENT)) >"$CG/cpu.cfs_quota_us"
else
  echo "$((1000 * QUOTA_PERCENT)) 100000" >"$CG/cpu.max"
fi

pf_netns_init
pf_veth_up
pf_gen mixed mixed --packets 20000 --seed 29

# Every thread collectd starts is held to the quota.
dir="$WORK/collectd"
pf_collectd "$dir" --local --interface "$VETH_B" Instance veth --timeout 60 \
  -- "${PF_IN_CGROUP[@]}" ip netns exec "$NS_B"
series="$dir/csv/$HOSTNAME_TEST/pcapflow-veth"
rows() { cat "$series"/packets-captured-* 2>/dev/null | grep -vc epoch || true; }
written() { (($(rows) >= 1)); }
pf_wait_until 60 written || pf_fail "no row written before the flood"

timeout $((FLOOD_S + 20)) ip netns exec "$NS_A" tcpreplay --topspeed --duration=$FLOOD_S \
  --loop=100000 -i "$VETH_A" "$WORK/mixed.pcap" >"$WORK/tcpreplay.out" 2>&1 &
REPLAY_PID=$!
PF_PIDS+=("$REPLAY_PID")
flooding() { kill -0 "$REPLAY_PID" 2>/dev/null || pf_fail "tcpreplay ended early: $(cat "$WORK/tcpreplay.out")"; }

# Let the ring fill and the overload set in, then count the rows written
# over WINDOW_S seconds of flood.
sleep 2
flooding
rows_before=$(rows)
sleep "$WINDOW_S"
flooding
rows_after=$(rows)
dropped=$(pf_value "$dir" veth packets-dropped_kernel)
captured=$(pf_value "$dir" veth packets-captured)
slow=$(grep -c "read-function of the .pcapflow' plugin took" "$dir/collectd.log" || true)

# 3. SIGTERM while the flood goes on.
gone() { [[ ! -e /proc/$1/stat ]] || [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) == Z ]]; }
start=$(date +%s%N)
kill -TERM "$COLLECTD_PID"
deadline=$((SECONDS + 30))
until gone "$COLLECTD_PID" || ((SECONDS >= deadline)); do sleep 0.01; done
stop_ms=$((($(date +%s%N) - start) / 1000000))
flooding
kill "$REPLAY_PID" 2>/dev/null || true
status=0
gone "$COLLECTD_PID" && { wait "$COLLECTD_PID" || status=$?; }

summary="quota $QUOTA_PERCENT%: $((rows_after - rows_before)) rows in ${WINDOW_S} s of flood, captured $captured, dropped_kernel $dropped, $slow slow reads logged; stopped $stop_ms ms after SIGTERM"
echo "  $summary"
((rows_after - rows_before >= MIN_ROWS)) ||
  pf_fail "only $((rows_after - rows_before)) rows written in $WINDOW_S s of flood (at least $MIN_ROWS expected; $slow slow reads logged): $(grep -i pcapflow "$dir/collectd.log" | tail -n 3)"
[[ -n "$dropped" && "$dropped" -gt 0 ]] ||
  pf_fail "no kernel drops reported during the flood (dropped_kernel ${dropped:-<none>}, captured ${captured:-<none>})"
((stop_ms <= STOP_BOUND_MS)) || pf_fail "collectd stopped $stop_ms ms after SIGTERM under overload (bound $STOP_BOUND_MS ms)"
[[ $status == 0 ]] || pf_fail "collectd exited with status $status: $(tail -n 5 "$dir/collectd.log")"
grep -q "Exiting normally" "$dir/collectd.log" || pf_fail "collectd did not shut down normally: $(tail -n 5 "$dir/collectd.log")"
pf_pass "$summary"
