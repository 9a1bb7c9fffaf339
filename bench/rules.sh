#!/usr/bin/env bash
# rules.sh - `make bench-rules`: what the traffic rules cost (bench_rules.c):
# load + compile time and compiled memory for generated rule sets up to 100
# classes and 10,000 CIDRs, and classify time per packet. RUNS may be set.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-5}
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$root/build/bench-rules" "$runs"
