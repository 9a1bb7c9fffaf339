#!/usr/bin/env bash
# The live capture path under AddressSanitizer + UBSan in a real collectd:
# build/asan/pcapflow.so (make plugin-asan) in the stock collectd, the
# compiler's libasan preloaded, lives live_life.sh's life (Workers 2 and a
# Filter on a veth, traffic counted exactly, the interface deleted under
# traffic and created again, SIGTERM under traffic). Any report of ASan,
# UBSan or LeakSanitizer fails the test, and so does an exit status other
# than 0 or a stop slower than 10 s.
#
# Leaks: LeakSanitizer runs at collectd's exit with no suppression, so a
# block of anyone's that nothing points to any more fails the test.
# collectd's own allocations need none: LeakSanitizer reports only blocks
# unreachable from globals, stacks and registers, and collectd 5.12 keeps
# what it allocates (configuration, plugin and callback registry, logfile
# and csv state) in its globals: no report without a pcapflow leak (test_
# leaks.sh's valgrind counts ~190 KB of it still reachable, which is not
# reported here). A suppression could not be narrowed to collectd's leaks
# alone: it matches a frame anywhere in a stack, and every allocation the
# plugin makes at configuration, init, read or shutdown has collectd's
# frames below it. A block the plugin keeps reachable at exit is
# test_leaks.sh's and test_live_leaks.sh's to find (valgrind).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/live_life.sh"
pf_test_init live_sanitized
SO="$BUILD/asan/pcapflow.so"
[[ -f $SO ]] || pf_fail "$SO is missing (make plugin-asan; make integration builds it)"
# The libasan the plugin was linked with: it must be loaded first.
LIBASAN=$(ldd "$SO" | awk '$1 ~ /^libasan\.so/ { print $3 }')
[[ -f $LIBASAN ]] || pf_fail "$SO names no libasan that ldd finds: $(ldd "$SO")"

live_life_init 30000 20000
dir="$WORK/collectd"
REPORT="ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error|Sanitizer:"
# reports : the files (the runtimes' own logs, collectd's output and log)
# that hold a report.
reports() { grep -lE "$REPORT" "$dir"/san.* "$dir/collectd.out" "$dir/collectd.log" 2>/dev/null || true; }
# Whatever ends the test, a report is shown: a sanitizer stops collectd
# at its first finding, and the step that then fails cannot say why.
show_reports() {
  local f
  for f in $(reports); do echo "--- $f" >&2 && grep -A 30 -E "$REPORT" "$f" | head -n 60 >&2; done
}
PF_CLEANUPS+=(show_reports)
# Called by live_life_run once collectd runs: the sanitized plugin and its
# runtime are what was loaded.
life_started() {
  grep -q "/libasan\.so" "/proc/$COLLECTD_PID/maps" || pf_fail "collectd runs without libasan"
  grep -q "$dir/plugins/pcapflow\.so" "/proc/$COLLECTD_PID/maps" || pf_fail "collectd has not loaded $dir/plugins/pcapflow.so"
}

live_life_run "$dir" 10 --pcapflow-so "$SO" --timeout 60 -- env LD_PRELOAD="$LIBASAN" \
  ASAN_OPTIONS="detect_leaks=1:log_path=$dir/san" UBSAN_OPTIONS="print_stacktrace=1:log_path=$dir/san"
[[ -z $(reports) ]] || pf_fail "sanitizer reports in $(reports)"
pf_pass "$LIFE_SUMMARY; no ASan, UBSan or LeakSanitizer report"
