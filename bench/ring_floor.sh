#!/usr/bin/env bash
# ring_floor.sh - what a live reader costs a frame: libpcap as a live
# source opens it, a TPACKET_V3 ring of our own (plain, prefetching, larger
# blocks, the kernel cutting frames to the snap length) and tcpdump -w
# /dev/null, run by run in the same rounds, on bench/live.sh's veth pair
# with its tcpreplay top-speed send. Each round takes the heavy lock alone
# (a round is one run of every receiver). Prints, a receiver, the median
# and range over the rounds of its CPU ns a frame, the frames a second sent
# and captured, drops, and frames a wake-up.
# Usage: bench/ring_floor.sh [--seconds S] [--runs N] [--packets N]
#          [--receivers "tcpdump pcap ring ..."] [--lock FILE]
# Receivers: tcpdump, plugin (collectd + pcapflow, its capture thread's
# CPU), and the ring-floor modes of floor_args (ring_floor_modes.sh).
set -euo pipefail
source "$(dirname "$0")/../tests/integration/lib.sh"
source "$(dirname "$0")/options.sh"
source "$(dirname "$0")/live_setup.sh"
source "$(dirname "$0")/ring_floor_modes.sh"
seconds=5 runs=5 packets=200000 lock=/tmp/pcapflow-heavy.lock
receivers="tcpdump pcap ring ring_pf ring_1m ring_4m ring_snap"
bench_options ring_floor.sh seconds runs packets receivers lock -- "$@"
FLOOR="$BUILD/ring-floor"
[[ -x $FLOOR ]] || { echo "ring_floor.sh: build $FLOOR first (make build/ring-floor)" >&2 && exit 2; }
bench_live_init bench_ring_floor "$packets" tcpdump
tick=$(getconf CLK_TCK)

# Each run prints "sent pps captured drops cpu_seconds wakeups blocks"
# (ring-floor's runs also its system seconds).
run_tcpdump() {
  tcpdump_start
  local pid=$TCPDUMP_PID
  local t0 t1
  t0=$(cpu_ticks "$pid")
  send
  sleep 1.2 # its 1 s read timeout hands over the last block
  t1=$(cpu_ticks "$pid")
  kill -INT "$pid"
  wait "$pid" || true
  echo "$SENT $RATE $(awk '/packets captured/ {print $1}' "$WORK/tcpdump.err")" \
    "$(awk '/dropped by kernel/ {print $1}' "$WORK/tcpdump.err")" \
    "$(awk -v a="$t0" -v b="$t1" -v hz="$tick" 'BEGIN {print (b - a) / hz}') 0 0"
}

run_floor() {
  floor_args "$1"
  ip netns exec "$NS_B" "$FLOOR" --iface "$VETH_B" "${ARGS[@]}" \
    >"$WORK/floor.out" 2>"$WORK/floor.err" &
  local pid=$!
  PF_PIDS+=("$pid")
  pf_wait_until 10 grep -qs listening "$WORK/floor.err" || pf_fail "ring-floor did not start: $(cat "$WORK/floor.err")"
  send
  sleep 0.5 # five 100 ms retire timeouts: the last block is handed over
  kill -INT "$pid"
  wait "$pid" || pf_fail "ring-floor $1: $(cat "$WORK/floor.err")"
  awk -v s="$SENT" -v r="$RATE" '{print s, r, $2, $4, $5, $6, $7, $8}' "$WORK/floor.out"
}

# The plugin itself (receiver "plugin": collectd, Workers 1, BufferSize 64,
# as bench/live.sh runs it): the CPU of its capture thread alone, so the
# reader's share can be read against the whole capture path. Receiver
# "plugin_snap" adds Filter "": the kernel then keeps SnapLen bytes of a
# frame in the ring, as it does for any Filter (pcap mode's pcap_snap).
# Since this bench, a source without a Filter installs that same program
# itself (src/source/handle.c), so the two receivers now run alike.
run_plugin() {
  local dir="$WORK/collectd-$RANDOM" filter=()
  [[ $1 == plugin_snap ]] && filter=(Filter '""')
  pf_collectd "$dir" --local --netns "$NS_B" --interface "$VETH_B" BufferSize 64 Workers 1 "${filter[@]}"
  up() { [[ "$(pf_value "$dir" "$VETH_B" gauge-capture_up)" == 1 ]]; }
  pf_wait_until 20 up || pf_fail "collectd did not open $VETH_B: $(tail -n 5 "$dir/collectd.log")"
  local before c0 c1
  before=$(pf_value "$dir" "$VETH_B" packets-captured)
  c0=$(capture_ns "$COLLECTD_PID")
  send
  sleep 0.5
  c1=$(capture_ns "$COLLECTD_PID")
  sleep 2.2 # two intervals: the counters reach the CSV files
  local cap drop
  cap=$(($(pf_value "$dir" "$VETH_B" packets-captured) - before))
  drop=$(pf_value "$dir" "$VETH_B" packets-dropped_kernel)
  pf_collectd_stop
  echo "$SENT $RATE $cap ${drop:-0} $(((c1 - c0) / 1000))e-6 0 0"
}

echo "2 cores: tcpreplay keeps one busy, the receiver and the kernel's veth path share the other."
results="$WORK/results"
: >"$results"
for run in $(seq 1 "$runs"); do
  [[ -n $lock ]] && { exec {lockfd}>"$lock" && flock -x "$lockfd"; }
  for r in $receivers; do
    if [[ $r == tcpdump ]]; then
      echo "$r $(run_tcpdump)" >>"$results"
    elif [[ $r == plugin* ]]; then
      echo "$r $(run_plugin "$r")" >>"$results"
    else
      echo "$r $(run_floor "$r")" >>"$results"
    fi
  done
  [[ -n $lock ]] && exec {lockfd}>&-
  echo "  round $run of $runs done"
done
[[ -n ${KEEP_RESULTS:-} ]] && cp "$results" "$KEEP_RESULTS"
printf '  %-10s %22s %10s %10s %12s %14s\n' receiver "ns CPU/frame" "k pps sent" "captured %" "drops (sum)" "frames/wake-up"
for r in $receivers; do
  awk -v r="$r" '$1 == r && $4 > 0 {
      print $6 * 1e9 / $4, $3, $4 / $2 * 100, $5, ($7 > 0 ? $4 / $7 : 0) }' "$results" | sort -g |
    awk -v r="$r" '
      { ns[NR] = $1; pps[NR] = $2; cap[NR] = $3; d += $4; fw[NR] = $5 }
      END {
        m = int((NR + 1) / 2)
        printf "  %-10s %8.1f (%5.1f-%5.1f) %10.0f %10.1f %12d %14.0f\n",
          r, ns[m], ns[1], ns[NR], pps[m] / 1e3, cap[m], d, fw[m]
      }'
done
pf_pass "ring floor bench done"
