#!/usr/bin/env bash
# campaign.sh BUDGET [NAME...] - a fuzz campaign: BUDGET seconds in all,
# split over the harnesses (every one by default) by FUZZ_SHARES, run one
# after the other through run.sh. Ends with a table of libFuzzer's own
# figures per harness and in total (also in build/fuzz/summary.md), and
# fails when any harness found something; the others still run.
#
# FUZZ_SHARES gives each harness its weight of the time ("name=weight ...";
# a harness not named gets weight 1); README.md says why the default.
set -uo pipefail
cd "$(dirname "$0")/../.."
budget=$1
shift
names=("$@")
((${#names[@]})) || names=(frames rules config dns tls)
shares=${FUZZ_SHARES:-frames=3 rules=2 config=2 dns=1 tls=1}

weight() {
  local w
  w=$(tr ' ' '\n' <<<"$shares" | awk -F= -v n="$1" '$1 == n {print $2}')
  echo "${w:-1}"
}
total_weight=0
for n in "${names[@]}"; do total_weight=$((total_weight + $(weight "$n"))); done

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- src include tests/fuzz plugin mk 2>/dev/null || commit="$commit+changes"
failed=()
for n in "${names[@]}"; do
  seconds=$((budget * $(weight "$n") / total_weight))
  ((seconds > 0)) || seconds=1
  rm -f "build/fuzz/$n.stats"
  tests/fuzz/run.sh "$n" "$seconds" || failed+=("$n")
done

# One row per harness from NAME.stats, then the total.
get() { awk -F= -v k="$2" '$1 == k {print $2}' "build/fuzz/$1.stats" 2>/dev/null; }
summary=build/fuzz/summary.md
{
  echo "Fuzz campaign of $commit, $(date -u +%Y-%m-%dT%H:%MZ), budget ${budget} s (shares: $shares)"
  echo
  echo "| harness | seconds | executions | exec/s | cov | features | corpus (inputs/bytes) | peak RSS MB | result |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
  tsec=0 texec=0
  for n in "${names[@]}"; do
    s=$(get "$n" seconds) e=$(get "$n" executions)
    printf '| fuzz_%s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$n" "${s:-0}" \
      "${e:-0}" "$(get "$n" exec_per_sec)" "$(get "$n" cov)" "$(get "$n" ft)" \
      "$(get "$n" corpus)" "$(get "$n" peak_rss_mb)" "$(get "$n" result || echo missing)"
    tsec=$((tsec + ${s:-0})) texec=$((texec + ${e:-0}))
  done
  printf '| total | %s | %s | %s | | | | | %s |\n' "$tsec" "$texec" \
    "$((tsec ? texec / tsec : 0))" "$( ((${#failed[@]})) && echo "FAILED: ${failed[*]}" || echo ok)"
} >"$summary"
echo
cat "$summary"
if ((${#failed[@]})); then
  echo "fuzz campaign: findings in ${failed[*]}; inputs in build/fuzz/crashes/" >&2
  exit 1
fi
