#!/usr/bin/env bash
# collide.sh - `make bench-collide`: what flow keys crafted to share one
# bucket cost, with the seed known (a test-only build, what an attacker who
# learned it would get) and with the random seed of production. For each
# number of colliding keys: the flow table alone (bench-collide: time per
# frame, longest chain) and the whole engine (pcapflow-replay: CPU time per
# packet), runs interleaved; prints medians and spread (min-max).
# Usage: bench/collide.sh [--packets N] [--runs N] [--keys "K1 K2 ..."]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build"
source "$root/bench/options.sh"
packets=500000 runs=3 keys="256 1024 4096"
bench_options collide.sh packets runs keys -- "$@"
work=$(mktemp -d "${TMPDIR:-/tmp}/pcapflow-collide.XXXXXX")
trap 'rm -rf "$work"' EXIT

field() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'; }
# median and spread of the numbers on stdin
stats() { sort -g | awk '{ v[NR] = $1 } END { printf "%.1f (%.1f-%.1f)", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[1], v[NR] }'; }

echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== $packets frames per capture, $runs runs each, interleaved"
printf '%-6s %-7s %-14s %-26s %-26s\n' keys seed longest_chain "table ns/frame" "engine ns/packet (CPU)"
for k in $keys; do
  cap="$work/collide-$k.pcap"
  "$build/pcapflow-gen" --scenario collide --keys "$k" --packets "$packets" --out "$cap"
  : >"$work/known.table" >"$work/random.table" >"$work/known.engine" >"$work/random.engine"
  for ((r = 0; r < runs; r++)); do
    for seed in known random; do
      bin="$build/bench-collide" replay="$build/pcapflow-replay"
      [[ $seed == known ]] && bin="$build/bench-collide-knownseed" replay="$build/pcapflow-replay-knownseed"
      out=$("$bin" "$cap")
      field longest_chain <<<"$out" >"$work/$seed.chain"
      field flow_table_ns_per_frame <<<"$out" >>"$work/$seed.table"
      "$replay" -t -l 198.18.0.0/16 "$cap" 2>&1 >/dev/null | field ns_per_packet >>"$work/$seed.engine"
    done
  done
  for seed in known random; do
    printf '%-6s %-7s %-14s %-26s %-26s\n' "$k" "$seed" "$(cat "$work/$seed.chain")" \
      "$(stats <"$work/$seed.table")" "$(stats <"$work/$seed.engine")"
  done
  rm -f "$cap"
done
echo "== load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
