#!/usr/bin/env bash
# run.sh - `make bench`: engine throughput on generated captures, through
# the same code the plugin runs (pcapflow-replay). Prints the median of
# several runs and their spread. PACKETS and RUNS may be set.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
packets=${PACKETS:-2000000}
runs=${RUNS:-5}
work=$(mktemp -d "${TMPDIR:-/tmp}/pcapflow-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
"$root/build/pcapflow-gen" --scenario mixed --packets "$packets" --seed 1 --out "$work/mixed.pcap"
echo "capture: mixed, $packets packets, $(du -m "$work/mixed.pcap" | cut -f1) MiB"

results=()
for i in $(seq 1 "$runs"); do
  line=$("$root/build/pcapflow-replay" -t -l 198.18.0.0/16 -l 2001:db8:1::/48 \
    "$work/mixed.pcap" 2>&1 >/dev/null | grep '^packets ')
  results+=("$(awk '{print $6}' <<<"$line") $(awk '{print $8}' <<<"$line") $(awk '{print $10}' <<<"$line")")
done
printf '%s\n' "${results[@]}" | sort -n | awk -v runs="$runs" '
  { pps[NR] = $1; ns[NR] = $2; rss[NR] = $3 }
  END {
    mid = int((NR + 1) / 2)
    printf "pcapflow-replay (decode + direction + counters): median %.2f M packets per CPU-second (min %.2f, max %.2f over %d runs), %.1f ns/packet, peak RSS %.1f MiB\n",
      pps[mid] / 1e6, pps[1] / 1e6, pps[NR] / 1e6, runs, ns[mid], rss[mid] / 1024
  }'
