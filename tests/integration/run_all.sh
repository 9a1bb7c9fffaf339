#!/usr/bin/env bash
# run_all.sh - runs every tests/integration/test_*.sh and sums up. A test
# exits 0 (pass), 77 (skip, with its reason) or anything else (fail).
set -uo pipefail
cd "$(dirname "$0")"
passed=0 failed=0 skipped=0 failures=()
for t in test_*.sh; do
  [[ -n "${ONLY:-}" && "$t" != *"$ONLY"* ]] && continue
  echo "--- $t"
  bash "$t"
  rc=$?
  case $rc in
  0) passed=$((passed + 1)) ;;
  77) skipped=$((skipped + 1)) ;;
  *) failed=$((failed + 1)) failures+=("$t") ;;
  esac
done
echo
[[ $failed -gt 0 ]] && echo "failed: ${failures[*]}"
echo "integration: $passed passed, $failed failed, $skipped skipped"
[[ $failed -eq 0 ]]
