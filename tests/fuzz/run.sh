#!/usr/bin/env bash
# run.sh NAME SECONDS - runs the fuzz harness build/fuzz/fuzz_NAME for
# SECONDS from its seeds (tests/fuzz/corpus/NAME), keeping what it learns in
# build/fuzz/corpus/NAME, and appends its numbers to build/fuzz/runs.log.
# Fails, keeping the crashing input, when the harness finds a crash, a
# leak, a timeout or a broken promise.
set -euo pipefail
cd "$(dirname "$0")/../.."
name=$1 seconds=$2
bin=build/fuzz/fuzz_$name
seeds=tests/fuzz/corpus/$name
work=build/fuzz/corpus/$name
mkdir -p "$work" build/fuzz/artifacts
args=(-max_total_time="$seconds" -print_final_stats=1 -timeout=10
  -rss_limit_mb=2048 -max_len=16384 -artifact_prefix="build/fuzz/artifacts/$name-")
[[ -f tests/fuzz/$name.dict ]] && args+=(-dict="tests/fuzz/$name.dict")
log=build/fuzz/$name.log
rc=0
"$bin" "${args[@]}" "$work" "$seeds" >"$log" 2>&1 || rc=$?
execs=$(awk '/^stat::number_of_executed_units/ {print $NF}' "$log")
corpus=$(ls "$work" | wc -l)
printf '%s %s seconds=%s executions=%s rc=%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  "$name" "$seconds" "${execs:-0}" "$rc" >>build/fuzz/runs.log
if [[ $rc -ne 0 ]]; then
  echo "FAIL fuzz $name after ${execs:-?} executions (exit $rc); the end of $log:" >&2
  tail -n 40 "$log" >&2
  echo "reproduce: $bin build/fuzz/artifacts/$name-<file above>" >&2
  exit 1
fi
echo "PASS fuzz $name: ${execs:-0} executions in $seconds s, no crash ($corpus inputs learned)"
