#!/usr/bin/env bash
# profile.sh - `make bench-profile`: where the engine's instructions go.
# Counts instructions with valgrind's callgrind (repeatable on a loaded or
# virtual machine, where hardware counters may be missing) while
# pcapflow-replay reads a small mixed and a small flood capture; prints the
# instructions per packet and the top functions, self and inclusive.
# Usage: bench/profile.sh [--packets N] [--build DIR]
# DIR: the build to profile (default build; `make HARDENED=1 bench-profile`
# passes build/hardened, the Debian package's flags).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build"
packets=200000
while (($# >= 2)); do
  case $1 in
    --packets) packets=$2 ;;
    --build) build=$(cd "$2" && pwd) ;;
    *) echo "usage: bench/profile.sh [--packets N] [--build DIR]" >&2; exit 2 ;;
  esac
  shift 2
done
(($# == 0)) || { echo "usage: bench/profile.sh [--packets N] [--build DIR]" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "profile.sh: valgrind is not installed" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/pcapflow-profile.XXXXXX")
trap 'rm -rf "$work"' EXIT
for capture in mixed flood; do
  "$build/pcapflow-gen" --scenario "$capture" --packets "$packets" --seed 1 --out "$work/$capture.pcap"
  valgrind --tool=callgrind --callgrind-out-file="$work/$capture.out" \
    "$build/pcapflow-replay" -m $((packets * 2)) -l 198.18.0.0/16 -l 2001:db8:1::/48 \
    "$work/$capture.pcap" >/dev/null 2>"$work/$capture.err"
  total=$(awk '/Collected :/ {print $4}' "$work/$capture.err")
  [[ -n "$total" ]] || total=$(awk -F'I +refs: +' 'NF > 1 {gsub(/,/, "", $2); print $2}' "$work/$capture.err")
  echo "== $capture: $packets frames, $total instructions, $((total / packets)) per frame"
  echo "-- self"
  callgrind_annotate "$work/$capture.out" 2>/dev/null | grep -E '^ *[0-9,]+ \([ 0-9.]+%\) ' | head -12 || true
  echo "-- inclusive (engine functions)"
  callgrind_annotate --inclusive=yes "$work/$capture.out" 2>/dev/null |
    grep -E '^ *[0-9,]+ \([ 0-9.]+%\) +[^ ]*src/([a-z_]+/)?[a-z_]+\.c:' | grep "\[" | sed "s|$root/||g" | head -10 || true
  echo "-- calls per frame of the hottest callees"
  callgrind_annotate --tree=caller "$work/$capture.out" 2>/dev/null |
    awk -v n="$packets" '/< [^ ]*src\/.*\([0-9,]+x\)/ {
        match($0, /\([0-9,]+x\)/); c = substr($0, RSTART + 1, RLENGTH - 3); gsub(/,/, "", c)
        if (c + 0 >= n / 2) { sub(/^ *[0-9,]+ \([ 0-9.]+%\) +< /, ""); print "  " $0 "  = " sprintf("%.2f", c / n) " per frame" }
      }' | sed "s|$root/||g" | sort -u | head -16 || true
done
