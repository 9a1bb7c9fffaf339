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

# Each run its own tmux server: a new one on the socket of a server just
# killed can die as the old one goes ("server exited unexpectedly").
tm() { tmux -S "$WORK/tmux$RUN.sock" "$@"; }
shows() { tm capture-pane -p -t run >"$WORK/screen" && grep -qE "$1" "$WORK/screen"; }
# Some traffic on lo: a TCP connection attempt to a closed port is a SYN
# and a RST.
poke() { (exec 3<>/dev/tcp/127.0.0.1/9) 2>/dev/null || true; }

# run N : `make run`'s script in a terminal, its output on that terminal.
run() {
  RUN=$1
  PF_CLEANUPS+=("tmux -S '$WORK/tmux$RUN.sock' kill-server 2>/dev/null")
  tm new-session -d -s run -x 100 -y 50 \
    "PCAPFLOW_INTERFACE=lo PCAPFLOW_INTERVAL=1 PCAPFLOW_RUN_DIR='$WORK/run$1' '$PCAPFLOW_ROOT/scripts/run.sh'; echo \"run.sh exited with \$?\"; sleep 600"
}
# Gone: exited (a zombie its new parent has not reaped yet counts).
gone() {
  local s
  s=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) || return 0
  [[ -z "$s" || "${s%% *}" == Z ]]
}
view_gone() { ! pgrep -f "pcapflow-top -s $WORK/run$1/" >/dev/null; }
# The collectd of run N (collectd -f writes no PID file).
collectd_of() { pgrep -f "collectd -f -C $WORK/run$1/collectd.conf"; }

run 1
tcp_seen() { poke; shows "^tcp +[0-9]" && grep -qE "^pcapflow-top +[^ ]+/lo " "$WORK/screen"; }
pf_wait_until 30 tcp_seen || pf_fail "the live view shows no TCP on lo: $(cat "$WORK/screen"); log: $(tail -n 5 "$WORK/run1/collectd.log" 2>/dev/null)"
# The example rules file is loaded: its classes have rows.
grep -q "^CLASSES " "$WORK/screen" || pf_fail "no classes from the example rules file: $(cat "$WORK/screen")"
compgen -G "$WORK/run1/csv/*/pcapflow-lo/if_packets-tcp-*" >/dev/null || pf_fail "no CSV files kept"
pid=$(collectd_of 1) || pf_fail "no collectd running from $WORK/run1"
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
pid=$(collectd_of 2) || pf_fail "no collectd running from $WORK/run2"
tm send-keys -t run C-c
pf_wait_until 15 gone "$pid" || pf_fail "collectd $pid still runs 15 s after Ctrl-C"
pf_wait_until 5 view_gone 2 || pf_fail "the view still runs after Ctrl-C"
grep -q "Exiting normally" "$WORK/run2/collectd.log" || pf_fail "collectd did not exit normally after Ctrl-C: $(tail -n 5 "$WORK/run2/collectd.log")"
tm kill-server 2>/dev/null || true # Ctrl-C ended its session, and so it

# The terminal taken away (tmux killed, as an ssh session dropped): the
# view and collectd stop, nothing is left running.
run 3
pf_wait_until 30 shows "^TRAFFIC " || pf_fail "the live view did not start: $(cat "$WORK/screen")"
pid=$(collectd_of 3) || pf_fail "no collectd running from $WORK/run3"
view=$(pgrep -f "pcapflow-top -s $WORK/run3/")
PF_CLEANUPS+=("kill -KILL $view 2>/dev/null")
tm kill-server
pf_wait_until 20 gone "$pid" || pf_fail "collectd $pid still runs 20 s after its terminal went away"
pf_wait_until 5 view_gone 3 || pf_fail "the view still runs after its terminal went away: $(ps -o pid,stat,time,args -p "$view")"
pf_pass "the live view shows lo's TCP and the example classes, CSV and log kept; q, Ctrl-C and the terminal going away stop the view and collectd"
