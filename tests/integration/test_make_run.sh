#!/usr/bin/env bash
# `make run`'s script starts collectd in the foreground with pcapflow,
# prints live pcapflow values on the terminal, keeps CSV files, and stops
# cleanly on Ctrl-C (SIGINT).
source "$(dirname "$0")/lib.sh"
pf_test_init make_run

out="$WORK/terminal"
PCAPFLOW_INTERFACE=lo PCAPFLOW_INTERVAL=1 PCAPFLOW_RUN_DIR="$WORK/run" \
  "$PCAPFLOW_ROOT/scripts/run.sh" >"$out" 2>&1 &
pid=$!
PF_PIDS+=("$pid")
# Some traffic on lo so that the values are not all zero: a TCP connection
# attempt to a closed port is a SYN and a RST, each counted once, as rx (lo
# hands over only the received copy: DECODING.md).
poke() { (exec 3<>/dev/tcp/127.0.0.1/9) 2>/dev/null || true; }
shows_values() { poke; grep -q 'pcapflow-lo\.if_packets-tcp\.rx [1-9]' "$out"; }
pf_wait_until 20 shows_values || pf_fail "no live pcapflow values on the terminal: $(tail -n 20 "$out")"
compgen -G "$WORK/run/csv/*/pcapflow-lo/if_packets-tcp-*" >/dev/null || pf_fail "no CSV files kept"
# The example rules file is loaded: per-class series appear beside the source's.
grep -q 'pcapflow_class-lo\.if_packets-[a-z_]*\.rx [1-9]' "$out" ||
  pf_fail "no per-class values from the example rules file: $(grep -- pcapflow_class "$out" | tail -n 5)"
kill -INT "$pid"
for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && pf_fail "collectd did not stop within 5 s of Ctrl-C"
wait "$pid" || true
grep -q "Exiting normally" "$out" || pf_fail "collectd did not exit normally: $(tail -n 5 "$out")"
pf_pass "live values shown, per-class values shown, CSV kept, Ctrl-C stops it"
