#!/usr/bin/env bash
# live_threads.sh - where the two cores go while collectd with pcapflow
# captures a veth at full rate (docs/PERFORMANCE.md, "Workers 2"): the CPU
# time and context switches of each of collectd's threads, the sender's, and
# each core's user, system, softirq, steal and idle time over the send, for
# Workers 1 and 2 in turn. "Runnable but waiting" is the time a thread
# could have run and found no free core. It answers "how many threads are runnable, and
# who waits for whom" where the throughput bench (live.sh) cannot: on two
# cores the sender itself takes one.
# Usage: bench/live_threads.sh [--seconds S] [--runs N] [--packets N]
set -euo pipefail
source "$(dirname "$0")/../tests/integration/lib.sh"
source "$(dirname "$0")/options.sh"
source "$(dirname "$0")/live_setup.sh"
seconds=5 runs=1 packets=200000
bench_options live_threads.sh seconds runs packets -- "$@"
bench_live_init bench_live_threads "$packets"
tick=$(getconf CLK_TCK)

# threads PID : "tid name run_ns runqueue_ns voluntary nonvoluntary" per
# thread: time on a core and time runnable but waiting for one
# (schedstat), and its context switches.
threads() {
  local t
  for t in /proc/"$1"/task/*; do
    awk -v tid="${t##*/}" -v name="$(tr ' ' _ <"$t/comm")" '
      FNR == NR { run = $1; wait = $2; next }
      /^voluntary_ctxt_switches/ { v = $2 } /^nonvoluntary_ctxt_switches/ { n = $2 }
      END { print tid, name, run, wait, v, n }' "$t/schedstat" "$t/status"
  done
}

# cores : "cpuN user system softirq steal idle" in ticks, per core.
cores() { awk '/^cpu[0-9]/ { print $1, $2 + $3, $4, $8, $9, $5 + $6 }' /proc/stat; }

# run WORKERS : one send of $seconds s at top speed into collectd.
run() {
  local workers=$1 dir="$WORK/collectd-$1-$RANDOM"
  pf_collectd "$dir" --local --netns "$NS_B" --interface "$VETH_B" BufferSize 64 Workers "$workers"
  up() { [[ "$(pf_value "$dir" "$VETH_B" gauge-capture_up)" == "$workers" ]]; }
  pf_wait_until 20 up || pf_fail "collectd did not open $VETH_B"
  threads "$COLLECTD_PID" >"$WORK/t0"
  cores >"$WORK/c0"
  local out
  out=$(ip netns exec "$NS_A" "$BUILD/cpu-run" 1 tcpreplay --topspeed --preload-pcap \
    --loop=0 --duration="$seconds" -i "$VETH_A" "$WORK/live.pcap" 2>&1) || pf_fail "tcpreplay: $out"
  cores >"$WORK/c1"
  threads "$COLLECTD_PID" >"$WORK/t1"
  sleep 2.2 # two intervals: the counters reach the CSV files
  echo "-- Workers $workers: $(awk '/Rated:/ {$1 = ""; print; exit}' <<<"$out"), kernel drops $(pf_value "$dir" "$VETH_B" packets-dropped_kernel)"
  awk -v s="$seconds" -v hz="$tick" '/^packets / { printf "  %-22s %6.2f s CPU (%3.0f%% of a core)\n", "tcpreplay", $4, 100 * $4 / s }' <<<"$out"
  join <(sort "$WORK/t0") <(sort "$WORK/t1") | awk -v s="$seconds" '
    { cpu = ($8 - $3) / 1e9; wait = ($9 - $4) / 1e9; sw = $10 - $5 + $11 - $6
      if (cpu > 0.001 || sw > 0) printf "  %-22s %6.3f s CPU (%3.0f%% of a core), %6.3f s runnable but waiting, %d voluntary and %d involuntary switches\n", "collectd " $2, cpu, 100 * cpu / s, wait, $10 - $5, $11 - $6 }'
  join "$WORK/c0" "$WORK/c1" | awk -v hz="$tick" '
    { printf "  %-5s user %5.2f s, system %5.2f, softirq %5.2f, steal %5.2f, idle %5.2f\n", $1, ($7 - $2) / hz, ($8 - $3) / hz, ($9 - $4) / hz, ($10 - $5) / hz, ($11 - $6) / hz }'
  pf_collectd_stop
}

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for _ in $(seq 1 "$runs"); do
  run 1
  run 2
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
pf_pass "live threads done"
