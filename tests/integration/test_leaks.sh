#!/usr/bin/env bash
# valgrind memcheck over a real collectd: pcapflow reads a capture file,
# captures live on lo, retries a missing interface, dispatches a few
# intervals and shuts down; then a configuration that fails. Neither run may
# report a leak (definite, indirect or possible) or any other memcheck error
# whose stack passes through pcapflow.so (memcheck.sh: collectd's own leaks
# are not ours). test_live_leaks.sh runs Workers 2 through a reopen.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/memcheck.sh"
pf_test_init leaks
memcheck_require

pf_gen cov coverage --seed 9
total=$(pf_truth_value "$WORK/cov.truth" packets-captured)

# vg_stop DIR : SIGTERM, then wait for valgrind's leak search to finish.
vg_stop() {
  local dir=$1 i
  kill -TERM "$COLLECTD_PID"
  for i in $(seq 1 600); do
    kill -0 "$COLLECTD_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$COLLECTD_PID" 2>/dev/null && pf_fail "collectd under valgrind did not stop within 60 s"
  wait "$COLLECTD_PID" || true
  memcheck_complete "$dir"
}

# 1. A full life: file, live, missing interface, traffic rules reloaded
# once, a few intervals, shutdown.
dir="$WORK/run"
memcheck_prefix "$dir"
cp "$PCAPFLOW_ROOT/collectd.conf.d/pcapflow.yaml" "$WORK/rules.yaml"
pf_collectd "$dir" --opt RulesFile "$WORK/rules.yaml" --local --opt RetryMax 1 \
  --file "$WORK/cov.pcap" Instance file --interface lo Filter "udp port 9" --interface "pfnone$$" \
  --wait none -- "${MEMCHECK[@]}"
pf_wait_captured file "$total" 120
rows_ge() { local f; f=$(ls "$dir/csv/$HOSTNAME_TEST/pcapflow-file/"packets-captured-* 2>/dev/null | head -n 1); [[ -n "$f" && $(wc -l <"$f") -gt $1 ]]; }
pf_wait_until 60 rows_ge 3 || pf_fail "fewer than 3 intervals were dispatched"
# A new rule set (one class fewer) replaces the old between intervals.
grep -v -e '^  - name: other' "$WORK/rules.yaml" >"$WORK/rules.new"
mv -f "$WORK/rules.new" "$WORK/rules.yaml"
pf_wait_until 60 grep -q "rules.yaml\" reloaded" "$dir/collectd.log" ||
  pf_fail "the rules file was not reloaded: $(grep RulesFile "$dir/collectd.log")"
pf_wait_until 60 rows_ge 5 || pf_fail "fewer than 5 intervals were dispatched"
grep -q "capturing on \"lo\"" "$dir/collectd.log" || pf_fail "the live source did not start: $(grep pcapflow "$dir/collectd.log")"
grep -q "pfnone$$: No such device" "$dir/collectd.log" || pf_fail "the missing interface was not tried: $(grep pcapflow "$dir/collectd.log")"
vg_stop "$dir"
mine=$(memcheck_ours "$dir")
[[ -z "$mine" ]] || pf_fail "memcheck errors in pcapflow.so after a full run: $mine (see $dir/vg.log)"
run_summary=$(memcheck_totals "$dir")

# 2. A configuration that fails after some sources were already parsed:
# init refuses to start, shutdown frees what the parser kept.
dir="$WORK/bad"
memcheck_prefix "$dir"
pf_collectd "$dir" --opt LocalNetwork "$LOCAL_V4" --file "$WORK/cov.pcap" --interface lo \
  --interface "pfnone$$" Filter "tcp port" --wait none -- "${MEMCHECK[@]}"
pf_wait_until 60 grep -qs "Initialization of plugin \`pcapflow' failed" "$dir/collectd.log" ||
  pf_fail "the bad configuration was not refused: $(cat "$dir/collectd.log")"
vg_stop "$dir"
mine=$(memcheck_ours "$dir")
[[ -z "$mine" ]] || pf_fail "memcheck errors in pcapflow.so after a failed configuration: $mine (see $dir/vg.log)"
pf_pass "no leak or memcheck error through pcapflow.so (whole process at exit: $run_summary; after the failed config: $(memcheck_totals "$dir"))"
