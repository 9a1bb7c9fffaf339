#!/usr/bin/env bash
# `make run`'s script, in a terminal (tmux) as a person runs it: collectd
# starts in the background with pcapflow and unixsock, the live view
# (pcapflow-top) fills the terminal with the traffic of the interface,
# including a TCP connection attempt made meanwhile and the classes of the
# example rules file; collectd's log and CSV files are kept. q quits the
# view and stops collectd; so does Ctrl-C.
source "$(dirname "$0")/lib.sh"
pf_test_init make_run
command -v tmux >/dev/null || pf_skip "tmux is not installed"

tm() { tmux -S "$WORK/tmux.sock" "$@"; }
PF_CLEANUPS+=("tmux -S '$WORK/tmux.sock' kill-server 2>/dev/null")
shows() { tm capture-pane -p -t run >"$WORK/screen" && grep -qE "$1" "$WORK/screen"; }
# Some traffic on lo: a TCP connection attempt to a closed port is a SYN
# and a RST.
poke() { (exec 3<>/dev/tcp/127.0.0.1/9) 2>/dev/null || true; }

# run N : `make run`'s script in a terminal, its output on that terminal.
run() {
  tm new-session -d -s run -x 100 -y 50 \
    "PCAPFLOW_INTERFACE=lo PCAPFLOW_INTERVAL=1 PCAPFLOW_RUN_DIR='$WORK/run$1' '$PCAPFLOW_ROOT/scripts/run.sh'; echo \"run.sh exited with \$?\"; sleep 600"
}
gone() { ! kill -0 "$1" 2>/dev/null; }
view_gone() { ! pgrep -f "pcapflow-top -s $WORK/run$1/" >/dev/null; }

run 1
tcp_seen() { poke; shows "^tcp +[0-9]" && grep -qE "^pcapflow-top +[^ ]+/lo " "$WORK/screen"; }
pf_wait_until 30 tcp_seen || pf_fail "the live view shows no TCP on lo: $(cat "$WORK/screen"); log: $(tail -n 5 "$WORK/run1/collectd.log" 2>/dev/null)"
# The example rules file is loaded: its classes have rows.
grep -q "^CLASSES " "$WORK/screen" || pf_fail "no classes from the example rules file: $(cat "$WORK/screen")"
compgen -G "$WORK/run1/csv/*/pcapflow-lo/if_packets-tcp-*" >/dev/null || pf_fail "no CSV files kept"
pid=$(cat "$WORK/run1/collectd.pid" 2>/dev/null)
[[ -n "$pid" ]] && kill -0 "$pid" || pf_fail "no collectd running from $WORK/run1"
tm send-keys -t run q
pf_wait_until 15 shows "run.sh exited with 0" || pf_fail "q did not end make run: $(cat "$WORK/screen")"
gone "$pid" || pf_fail "collectd $pid still runs after q"
grep -q "Exiting normally" "$WORK/run1/collectd.log" || pf_fail "collectd did not exit normally: $(tail -n 5 "$WORK/run1/collectd.log")"
grep -q "collectd stopped; its log: $WORK/run1/collectd.log" "$WORK/screen" || pf_fail "no word that collectd stopped: $(cat "$WORK/screen")"
tm kill-server

# Ctrl-C (to the terminal's whole foreground: the shell, run.sh and the
# view) stops both as well.
run 2
pf_wait_until 30 shows "^TRAFFIC " || pf_fail "the live view did not start: $(cat "$WORK/screen")"
pid=$(cat "$WORK/run2/collectd.pid")
tm send-keys -t run C-c
pf_wait_until 15 gone "$pid" || pf_fail "collectd $pid still runs 15 s after Ctrl-C"
pf_wait_until 5 view_gone 2 || pf_fail "the view still runs after Ctrl-C"
grep -q "Exiting normally" "$WORK/run2/collectd.log" || pf_fail "collectd did not exit normally after Ctrl-C: $(tail -n 5 "$WORK/run2/collectd.log")"
pf_pass "the live view shows lo's TCP and the example classes, CSV and log kept; q and Ctrl-C stop the view and collectd"
