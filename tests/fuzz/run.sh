#!/usr/bin/env bash
# run.sh NAME SECONDS - runs the fuzz harness build/fuzz/fuzz_NAME for
# SECONDS from its seeds (tests/fuzz/corpus/NAME, read only), keeping what
# it learns in build/fuzz/corpus/NAME, and appends its numbers to
# build/fuzz/runs.log. libFuzzer's own final statistics are the numbers:
# executions, exec/s, coverage (cov) and features (ft), corpus and peak RSS,
# written to build/fuzz/NAME.stats for campaign.sh's table.
# Fails, keeping the input in build/fuzz/crashes/NAME/, when the harness
# finds a crash, a leak, a timeout, an out-of-memory, a UBSan report or a
# broken promise (its own checks or a PF_ASSERT).
set -euo pipefail
cd "$(dirname "$0")/../.."
name=$1 seconds=$2
bin=build/fuzz/fuzz_$name
seeds=tests/fuzz/corpus/$name
work=build/fuzz/corpus/$name
crashes=build/fuzz/crashes/$name
mkdir -p "$work" "$crashes"
args=(-max_total_time="$seconds" -print_final_stats=1 -timeout=10
  -rss_limit_mb=2048 -max_len=16384 -artifact_prefix="$crashes/")
[[ -f tests/fuzz/$name.dict ]] && args+=(-dict="tests/fuzz/$name.dict")
log=build/fuzz/$name.log
rc=0
start=$(date +%s)
"$bin" "${args[@]}" "$work" "$seeds" >"$log" 2>&1 || rc=$?
elapsed=$(($(date +%s) - start))

# What ended the run, from the report libFuzzer or a sanitizer printed.
verdict() {
  local pats=('ERROR: libFuzzer: timeout' timeout
    'ERROR: libFuzzer: out-of-memory' oom
    'ERROR: LeakSanitizer' leak
    'runtime error:' ubsan
    'broken promise|invariant broken' assertion
    'ERROR: AddressSanitizer' asan)
  for ((i = 0; i < ${#pats[@]}; i += 2)); do
    grep -Eq "${pats[i]}" "$log" && { echo "${pats[i + 1]}"; return; }
  done
  echo crash
}
result=ok
[[ $rc -ne 0 ]] && result=$(verdict)

stat() { awk -v k="stat::$1:" '$1 == k {print $2}' "$log"; }
# The last status line ("#N ... cov: C ft: F corp: U/S ...") holds coverage.
status=$(grep -E '^#[0-9]+' "$log" | grep ' cov: ' | tail -n 1 || true)
field() { awk -v k="$1:" '{for (i = 1; i < NF; i++) if ($i == k) print $(i + 1)}' <<<"$status"; }
execs=$(stat number_of_executed_units)
cat >"build/fuzz/$name.stats" <<EOF
name=$name
seconds=$elapsed
executions=${execs:-0}
exec_per_sec=$(stat average_exec_per_sec)
cov=$(field cov)
ft=$(field ft)
corpus=$(field corp)
learned=$(ls "$work" | wc -l)
peak_rss_mb=$(stat peak_rss_mb)
result=$result
exit=$rc
EOF
printf '%s %s seconds=%s executions=%s rc=%s result=%s\n' \
  "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$name" "$elapsed" "${execs:-0}" "$rc" \
  "$result" >>build/fuzz/runs.log
if [[ $rc -ne 0 ]]; then
  echo "FAIL fuzz $name ($result) after ${execs:-?} executions (exit $rc); the end of $log:" >&2
  tail -n 40 "$log" >&2
  echo "reproduce: $bin $crashes/<file above>" >&2
  exit 1
fi
echo "PASS fuzz $name: ${execs:-0} executions in $elapsed s, no crash ($(ls "$work" | wc -l) inputs learned)"
