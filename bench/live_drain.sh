#!/usr/bin/env bash
# live_drain.sh - live capture capacity with Workers 1 and 2 on idle cores
# (docs/PERFORMANCE.md, "Workers 2"). On a 2-core machine a sender at full
# rate takes one core (and the kernel's veth path much of the other), so
# live.sh cannot show what a second worker adds. Here collectd is stopped
# (SIGSTOP) while tcpreplay fills its kernel rings (a large BufferSize per
# worker, PACKET_FANOUT spreading the frames), and then continued: its
# capture threads drain the rings through the real live path (TPACKET_V3
# blocks, poll, batches, the engine) with nothing else to do on the cores.
# Measured: the wall time from SIGCONT until the capture threads have
# finished (their CPU time, from /proc/PID/task/TID/schedstat, stops
# growing), their CPU time, the share of it in the kernel and their minor
# page faults (/proc/PID/task/TID/stat: the kernel's share in clock ticks,
# 10 ms each, so a coarse one), and frames captured and dropped; and the
# fill's rate (tcpreplay's frames a second into the stopped collectd: the
# kernel runs the fanout group's choice of worker in the sender's path, so
# that choice's cost shows there, not in the drain).
# Usage: bench/live_drain.sh [--frames N] [--runs N] [--buffer MIB]
set -euo pipefail
source "$(dirname "$0")/../tests/integration/lib.sh"
source "$(dirname "$0")/options.sh"
source "$(dirname "$0")/live_setup.sh"
frames=1000000 runs=3 buffer=1024
bench_options live_drain.sh frames runs buffer -- "$@"
bench_live_init bench_live_drain 200000 python3

# drain PID TID... : continues PID and prints "wall_s cpu_s kernel_share
# faults" once the threads TID... have stopped working: the last 5 ms
# sample in which their CPU time grew by more than 0.5 ms, bounded at 60 s.
drain() {
  python3 - "$@" <<'EOF'
import os, signal, sys, time
pid, tids = int(sys.argv[1]), sys.argv[2:]
def cpu():
    return sum(int(open(f"/proc/{pid}/task/{t}/schedstat").read().split()[0]) for t in tids)
def ticks():  # user ticks, kernel ticks, minor faults of the threads
    f = [open(f"/proc/{pid}/task/{t}/stat").read().rsplit(")", 1)[1].split() for t in tids]
    return [sum(int(x[i]) for x in f) for i in (11, 12, 7)]
k0 = ticks()
c0 = cpu()
t0 = time.monotonic()
os.kill(pid, signal.SIGCONT)
last_t, last_c, prev = t0, c0, c0
while time.monotonic() - t0 < 60:
    time.sleep(0.005)
    now, c = time.monotonic(), cpu()
    if c - prev > 500000:
        last_t, last_c = now, c
    prev = c
    if now - last_t > 0.3:
        break
u, k, faults = (b - a for a, b in zip(k0, ticks()))
print(f"{last_t - t0:.4f} {(last_c - c0) / 1e9:.4f} {k / max(u + k, 1):.3f} {faults}")
EOF
}

# run WORKERS : one fill and drain; appends "workers frames drops wall cpu
# kernel_share faults fill_pps".
run() {
  local workers=$1 dir="$WORK/collectd-$1-$RANDOM"
  pf_collectd "$dir" --local --netns "$NS_B" --interface "$VETH_B" BufferSize "$buffer" Workers "$workers"
  up() { [[ "$(pf_value "$dir" "$VETH_B" gauge-capture_up)" == "$workers" ]]; }
  pf_wait_until 20 up || pf_fail "collectd did not open $VETH_B"
  sleep 1.5 # an interval: the counters before the fill reach the CSV files
  local before tids=() t
  before=$(pf_value "$dir" "$VETH_B" packets-captured)
  for t in /proc/"$COLLECTD_PID"/task/*; do
    [[ $(cat "$t/comm") == pf:* ]] && tids+=("${t##*/}")
  done
  ((${#tids[@]} == workers)) || pf_fail "found ${#tids[@]} capture threads, expected $workers"
  kill -STOP "$COLLECTD_PID"
  ip netns exec "$NS_A" tcpreplay --topspeed --preload-pcap --limit="$frames" --loop=0 \
    -i "$VETH_A" "$WORK/live.pcap" >"$WORK/tcpreplay.out" 2>&1 ||
    { kill -CONT "$COLLECTD_PID"; pf_fail "tcpreplay: $(cat "$WORK/tcpreplay.out")"; }
  sleep 0.5
  local figures
  figures=$(drain "$COLLECTD_PID" "${tids[@]}") || figures=""
  kill -CONT "$COLLECTD_PID" # (drain did; a failed one may not have)
  [[ -n $figures ]] || pf_fail "could not follow the capture threads"
  sleep 2.5 # two intervals
  local cap drop
  cap=$(($(pf_value "$dir" "$VETH_B" packets-captured) - before))
  drop=$(pf_value "$dir" "$VETH_B" packets-dropped_kernel)
  pf_collectd_stop
  local fill
  fill=$(awk '/Rated:/ {for (i = 1; i <= NF; i++) if ($i ~ /^pps/) print $(i-1); exit}' "$WORK/tcpreplay.out" | tr -d ,)
  echo "$workers $cap ${drop:-0} $figures ${fill:-0}" >>"$WORK/results"
}

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
: >"$WORK/results"
for _ in $(seq 1 "$runs"); do
  run 1
  run 2
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '  %-9s %10s %8s %24s %22s %18s %8s %24s\n' workers captured drops "M frames/wall-s" "ns CPU/frame" kernel faults "fill M frames/s"
# stat W C FORMAT : median (min-max) of column C of the runs with W workers
stat() {
  awk -v w="$1" -v c="$2" '$1 == w { print $c }' "$WORK/rates" | sort -g |
    awk -v f="$3" '{ v[NR] = $1 } END { printf f " (" f "-" f ")", v[int((NR + 1) / 2)], v[1], v[NR] }'
}
awk '{ print $1, $2 / $4 / 1e6, $5 * 1e9 / $2, $2, $3, 100 * $6, $7, $8 / 1e6 }' "$WORK/results" >"$WORK/rates"
for w in 1 2; do
  printf '  Workers %d %10s %8s %24s %22s %18s %8s %24s\n' "$w" \
    "$(awk -v w="$w" '$1 == w { print $4 }' "$WORK/rates" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')" \
    "$(awk -v w="$w" '$1 == w { d += $5 } END { print d }' "$WORK/rates")" "$(stat "$w" 2 %.2f)" "$(stat "$w" 3 %.0f)" \
    "$(stat "$w" 6 %.0f%%)" "$(stat "$w" 7 %.0f | cut -d' ' -f1)" "$(stat "$w" 8 %.3f)"
done
pf_pass "live drain done"
