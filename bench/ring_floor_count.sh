#!/usr/bin/env bash
# ring_floor_count.sh - the user-space instructions a frame of each
# ring-floor reader (bench/ring_floor.c), counted by callgrind over its
# capture loop alone (pcap_read or ring_read: libpcap's walk and callback,
# or the ring's walk; no set-up, no kernel), while tcpreplay sends
# live_setup.sh's mixed capture at a rate valgrind keeps up with. Exact
# whatever the machine's load, where bench/ring_floor.sh's CPU times are
# not; the kernel's share (wake-ups, the copy into the ring) is not in it.
# Takes the heavy lock shared, as any callgrind run does.
# Usage: bench/ring_floor_count.sh [--seconds S] [--pps N] [--packets N]
#          [--receivers "pcap pcap_snap ring ..."] [--lock FILE]
set -euo pipefail
source "$(dirname "$0")/../tests/integration/lib.sh"
source "$(dirname "$0")/options.sh"
source "$(dirname "$0")/live_setup.sh"
source "$(dirname "$0")/ring_floor_modes.sh"
seconds=3 pps=20000 packets=200000 lock=/tmp/pcapflow-heavy.lock
receivers="pcap pcap_snap ring ring_pf ring_1m ring_snap"
bench_options ring_floor_count.sh seconds pps packets receivers lock -- "$@"
FLOOR="$BUILD/ring-floor"
[[ -x $FLOOR ]] || { echo "ring_floor_count.sh: build $FLOOR first (make build/ring-floor)" >&2 && exit 2; }
bench_live_init bench_ring_floor_count "$packets" valgrind


[[ -n $lock ]] && { exec {lockfd}>"$lock" && flock -s "$lockfd"; }
printf '  %-10s %10s %14s %14s\n' receiver frames "Ir a frame" "frames/wake-up"
for r in $receivers; do
  floor_args "$r"
  ip netns exec "$NS_B" valgrind --tool=callgrind --collect-atstart=no \
    --toggle-collect=pcap_read --toggle-collect=ring_read \
    --callgrind-out-file="$WORK/cg.$r" "$FLOOR" --iface "$VETH_B" "${ARGS[@]}" \
    >"$WORK/floor.out" 2>"$WORK/floor.err" &
  pid=$!
  PF_PIDS+=("$pid")
  pf_wait_until 30 grep -qs listening "$WORK/floor.err" || pf_fail "ring-floor did not start: $(cat "$WORK/floor.err")"
  ip netns exec "$NS_A" tcpreplay --pps="$pps" --preload-pcap --loop=0 \
    --duration="$seconds" -i "$VETH_A" "$WORK/live.pcap" >/dev/null 2>&1 || pf_fail "tcpreplay failed"
  sleep 1
  kill -INT "$pid"
  wait "$pid" || pf_fail "ring-floor $r: $(tail -n 3 "$WORK/floor.err")"
  ir=$(awk '/^summary:/ {print $2}' "$WORK/cg.$r")
  awk -v r="$r" -v ir="$ir" '{ printf "  %-10s %10d %14.1f %14.0f\n", r, $2, ir / $2, ($6 > 0 ? $2 / $6 : 0) }' "$WORK/floor.out"
  [[ -n ${KEEP_CALLGRIND:-} ]] && cp "$WORK/cg.$r" "$KEEP_CALLGRIND.$r"
done
pf_pass "ring floor counts done"
