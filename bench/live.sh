#!/usr/bin/env bash
# live.sh - the live half of the bench: tcpreplay at top speed onto a veth
# pair between two test namespaces; tcpdump -w /dev/null and collectd with
# pcapflow (Workers 1 and 2) capture in turn, run by run. Prints the rate
# sent, kernel drops and the receiver's CPU per packet.
# Usage: bench/live.sh [--seconds S] [--runs N] [--packets N]
set -euo pipefail
source "$(dirname "$0")/../tests/integration/lib.sh"
source "$(dirname "$0")/options.sh"
source "$(dirname "$0")/live_setup.sh"
seconds=10 runs=3 packets=200000
bench_options live.sh seconds runs packets -- "$@"
bench_live_init bench_live "$packets" tcpdump
tick=$(getconf CLK_TCK)

# run_tcpdump : prints "sent pps mbps captured dropped cpu_seconds
# capture_cpu_seconds" (tcpdump's one thread captures: both the same).
run_tcpdump() {
  tcpdump_start
  local pid=$TCPDUMP_PID
  local t0 t1
  t0=$(cpu_ticks "$pid")
  send
  # tcpdump's ring hands over a partly filled block only after its 1 s
  # timeout: stopped sooner, it reported a few hundred frames fewer than
  # sent, with no drop.
  sleep 1.2
  t1=$(cpu_ticks "$pid")
  kill -INT "$pid"
  wait "$pid" || true
  local cap drop
  cap=$(awk '/packets captured/ {print $1}' "$WORK/tcpdump.err")
  drop=$(awk '/dropped by kernel/ {print $1}' "$WORK/tcpdump.err")
  local cpu
  cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$tick" 'BEGIN {print (b - a) / hz}')
  echo "$SENT $RATE $MBPS $cap $drop $cpu $cpu"
}

# run_collectd WORKERS : the same with collectd + pcapflow, BufferSize 64;
# the last field is its capture threads' CPU alone.
run_collectd() {
  local workers=$1 dir="$WORK/collectd-$1-$RANDOM"
  pf_collectd "$dir" --local --netns "$NS_B" --interface "$VETH_B" BufferSize 64 Workers "$workers"
  up() { [[ "$(pf_value "$dir" "$VETH_B" gauge-capture_up)" == "$workers" ]]; }
  pf_wait_until 20 up || pf_fail "collectd did not open $VETH_B: $(tail -n 5 "$dir/collectd.log")"
  local before t0 t1 c0 c1
  before=$(pf_value "$dir" "$VETH_B" packets-captured)
  t0=$(cpu_ticks "$COLLECTD_PID")
  c0=$(capture_ns "$COLLECTD_PID")
  send
  sleep 0.5
  t1=$(cpu_ticks "$COLLECTD_PID")
  c1=$(capture_ns "$COLLECTD_PID")
  sleep 2.2 # two intervals: the counters reach the CSV files
  local cap drop
  cap=$(($(pf_value "$dir" "$VETH_B" packets-captured) - before))
  drop=$(pf_value "$dir" "$VETH_B" packets-dropped_kernel)
  pf_collectd_stop
  echo "$SENT $RATE $MBPS $cap ${drop:-0} $(awk -v a="$t0" -v b="$t1" -v hz="$tick" 'BEGIN {print (b - a) / hz}') $(((c1 - c0) / 1000))e-6"
}

# capture_median RECEIVER : its capture threads' ns CPU a packet, "median
# (min-max)" over its runs.
capture_median() {
  awk -v r="$1" '$1 == r && $5 > 0 {print $8 * 1e9 / $5}' "$results" | sort -g |
    awk '{ v[NR] = $1 } END { printf "%8.0f (%.0f-%.0f)", v[int((NR + 1) / 2)], v[1], v[NR] }'
}

echo "2 cores: tcpreplay keeps one busy, the receiver and the kernel's veth path share the other."
results="$WORK/results"
: >"$results"
for run in $(seq 1 "$runs"); do
  echo "tcpdump $(run_tcpdump)" >>"$results"
  echo "pcapflow_w1 $(run_collectd 1)" >>"$results"
  echo "pcapflow_w2 $(run_collectd 2)" >>"$results"
done
printf '  %-12s %10s %8s %12s %10s %16s %22s\n' receiver "k pps sent" Mbps "kernel drops" "CPU s" "ns CPU/packet" "capture threads ns"
for r in tcpdump pcapflow_w1 pcapflow_w2; do
  awk -v r="$r" '$1 == r {ns = $5 > 0 ? $7 * 1e9 / $5 : 0; print ns, $3, $4, $6, $7, $5, $2}' "$results" | sort -n |
    awk -v r="$r" -v capture="$(capture_median "$r")" '
      { ns[NR] = $1; pps[NR] = $2; mbps[NR] = $3; drop[NR] = $4; cpu[NR] = $5; cap[NR] = $6; sent[NR] = $7; d += $4 }
      END {
        m = int((NR + 1) / 2)
        printf "  %-12s %10.0f %8.0f %12d %10.2f %8.0f (%.0f-%.0f) %s  [median run: %d sent, %d captured; drops summed over %d runs]\n",
          r, pps[m] / 1e3, mbps[m], d, cpu[m], ns[m], ns[1], ns[NR], capture, sent[m], cap[m], NR
      }'
done
pf_pass "live bench done"
