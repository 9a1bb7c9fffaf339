#!/usr/bin/env bash
# pcapflow-top ends, promptly and using next to no CPU meanwhile, when its
# terminal goes away and on SIGHUP, SIGINT and SIGTERM, in every state:
# drawing the view of a real collectd (pcapflow + unixsock), waiting on a
# collectd that does not answer, its output blocked by a terminal nobody
# reads, and in batch mode. The terminal goes away as tmux kill-server
# takes it, and as a dropped ssh session's does: its other side closed
# with no SIGHUP (tests/integration/ptyrun.py). On a signal, the terminal
# is given back as it was (modes, main screen) and the exit status says
# the signal. Orphans that spun on a hung-up terminal and ignored SIGTERM
# were this test's reason.
source "$(dirname "$0")/lib.sh"
pf_test_init top_exit
command -v tmux >/dev/null || pf_skip "tmux is not installed"
TOP="$BUILD/pcapflow-top"
PTYRUN="$PCAPFLOW_ROOT/tests/integration/ptyrun.py"
[[ -x "$TOP" ]] || pf_fail "$TOP is not built (make all)"

sock="$WORK/collectd/unixsock"
pf_collectd "$WORK/collectd" --interface lo Instance lo --plugin unixsock --stdin <<CONF
<Plugin unixsock>
  SocketFile "$sock"
</Plugin>
CONF
# A collectd that accepts and never answers; each connection is a line.
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(64)
s.settimeout(1); keep = []; end = time.monotonic() + 600
while time.monotonic() < end:
    try: keep.append(s.accept()[0])
    except socket.timeout: continue
    with open(sys.argv[2], "a") as f: f.write("accepted\n")' "$WORK/mute" "$WORK/mute.log" &
PF_PIDS+=($!)
pf_wait_until 10 test -S "$WORK/mute" || pf_fail "no silent socket"
: >"$WORK/mute.log"

# ---- the process: alive, its CPU ticks, gone ----
TICKS=$(getconf CLK_TCK)
# Fields of /proc/PID/stat after "PID (comm) ": state, ..., utime, stime.
stat_of() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null; }
alive() { local s; s=$(stat_of "$1") && [[ -n "$s" && "${s%% *}" != Z ]]; }
ticks() { stat_of "$1" | awk '{ print $12 + $13 }'; }
# The PIDs this test started pcapflow-top as: killed (-9) at the end
# whatever happened, so a failure leaves no orphan spinning.
watch_pid() { PF_CLEANUPS+=("kill -KILL $1 2>/dev/null"); }
# ends WHAT PID [CMD...] : after CMD (what ends it), PID goes within 20 s
# and uses at most 0.2 s of CPU from before CMD until it is gone (a
# spinning process uses all of that in under a second of the wait).
ends() {
  local what=$1 pid=$2 start last now i
  shift 2
  start=$(ticks "$pid") || start=0
  "$@"
  last=$start
  for ((i = 0; i < 200; i++)); do
    now=$(ticks "$pid") && last=$now
    alive "$pid" || break
    sleep 0.1
  done
  ! alive "$pid" || pf_fail "$what: pcapflow-top (PID $pid) still runs 20 s on, using $((last - start)) ticks of CPU"
  ((last - start <= TICKS / 5)) || pf_fail "$what: pcapflow-top (PID $pid) used $((last - start)) ticks of CPU on its way out"
}

# ---- in tmux ----
tm() { tmux -S "$WORK/tmux.sock" "$@"; }
PF_CLEANUPS+=("tmux -S '$WORK/tmux.sock' kill-server 2>/dev/null")
shows() { tm capture-pane -p -t "$1" >"$WORK/screen" && grep -qE "$2" "$WORK/screen"; }
# in_tmux NAME ARGS... : pcapflow-top ARGS in a shell in tmux session NAME,
# the terminal's modes before and after it and its exit status kept as
# NAME.before, NAME.after, NAME.status; sets PID.
in_tmux() {
  local name=$1 shell i=0
  shift
  tm new-session -d -s "$name" -x 120 -y 40 \
    "stty -g >'$WORK/$name.before'; '$TOP' $*; echo \$? >'$WORK/$name.status'; stty -g >'$WORK/$name.after'; sleep 600"
  shell=$(tm display -p -t "$name" '#{pane_pid}')
  PID=""
  while [[ -z "$PID" ]] && ((i++ < 50)); do
    PID=$(pgrep -P "$shell" -x pcapflow-top) || sleep 0.1
  done
  [[ -n "$PID" ]] || pf_fail "$name: pcapflow-top did not start"
  watch_pid "$PID"
}
# given_back NAME SIGNAL : pcapflow-top's exit status says SIGNAL, and the
# terminal is as it was before (modes, out of the alternate screen).
given_back() {
  local name=$1 want=$((128 + $(kill -l "$2")))
  pf_wait_until 10 test -s "$WORK/$name.after" || pf_fail "$name: the shell did not go on after pcapflow-top"
  [[ "$(cat "$WORK/$name.status")" == "$want" ]] ||
    pf_fail "$name: exit status $(cat "$WORK/$name.status"), not $want (SIG$2)"
  cmp -s "$WORK/$name.before" "$WORK/$name.after" ||
    pf_fail "$name: terminal modes $(cat "$WORK/$name.after"), were $(cat "$WORK/$name.before")"
  [[ "$(tm display -p -t "$name" '#{alternate_on}')" == 0 ]] || pf_fail "$name: left in the alternate screen"
}
# Waiting on collectd: the silent socket has accepted one more connection.
accepted() { (($(wc -l <"$WORK/mute.log") > $1)); }

# 1. tmux taken away (kill-server) while the view draws collectd's figures.
tm new-session -d -s gone -x 120 -y 40 "'$TOP' -s '$sock' -d 0.25"
PID=$(tm display -p -t gone '#{pane_pid}')
watch_pid "$PID"
pf_wait_until 20 shows gone "^TRAFFIC " || pf_fail "the view did not start: $(cat "$WORK/screen")"
ends "tmux killed" "$PID" tm kill-server

# 2. Signals, in tmux: drawing, waiting on a collectd that never answers,
# and in batch mode (output to a file).
for sig in HUP INT TERM; do
  in_tmux "draw$sig" -s "'$sock'" -d 0.25
  pf_wait_until 20 shows "draw$sig" "^TRAFFIC " || pf_fail "draw$sig: the view did not start: $(cat "$WORK/screen")"
  ends "SIG$sig while drawing" "$PID" kill -s "$sig" "$PID"
  given_back "draw$sig" "$sig"

  n=$(wc -l <"$WORK/mute.log")
  in_tmux "wait$sig" -s "'$WORK/mute'" -d 0.25 -t 60
  pf_wait_until 20 accepted "$n" || pf_fail "wait$sig: pcapflow-top never connected to the silent socket"
  ends "SIG$sig while waiting on collectd" "$PID" kill -s "$sig" "$PID"
  given_back "wait$sig" "$sig"

  in_tmux "batch$sig" -b -s "'$sock'" -d 0.25 -n 100000 ">'$WORK/batch$sig'"
  pf_wait_until 20 grep -q "^TRAFFIC " "$WORK/batch$sig" || pf_fail "batch$sig: no screen printed"
  ends "SIG$sig in batch mode" "$PID" kill -s "$sig" "$PID"
  pf_wait_until 10 test -s "$WORK/batch$sig.status" || pf_fail "batch$sig: the shell did not go on"
  [[ "$(cat "$WORK/batch$sig.status")" == $((128 + $(kill -l "$sig"))) ]] ||
    pf_fail "batch$sig: exit status $(cat "$WORK/batch$sig.status") after SIG$sig"
done
tm kill-server

# 3. A terminal that hangs up with no SIGHUP (its session's other side
# closed): drawing, waiting on collectd, batch mode. Each is left an
# orphan, as after a dropped ssh session.
orphan() {
  local what=$1 text=$2
  shift 2
  python3 "$PTYRUN" close "$text" 20 -- "$TOP" "$@" >"$WORK/pid" 2>"$WORK/ptyrun.err" ||
    pf_fail "$what: $(cat "$WORK/ptyrun.err")"
  PID=$(cat "$WORK/pid")
  watch_pid "$PID"
  ends "$what: terminal hung up" "$PID"
}
orphan "drawing" "TRAFFIC" -s "$sock" -d 0.25
orphan "waiting on collectd" "reading collectd" -s "$WORK/mute" -d 0.25 -t 60
orphan "batch mode" "TRAFFIC" -b -s "$sock" -d 0.25 -n 100000

# 4. A terminal nobody reads: the view's writes block; each signal still
# ends it at once.
# Blocked: it wrote nothing (terminal nor socket) for a second, though it
# reads collectd every 0.1 s.
written() { awk '$1 == "wchar:" { print $2 }' "/proc/$1/io" 2>/dev/null; }
blocked() {
  local before
  before=$(written "$1") && sleep 1 && [[ "$(written "$1")" == "$before" ]]
}
for sig in HUP INT TERM; do
  python3 "$PTYRUN" stall "TRAFFIC" 30 -- "$TOP" -s "$sock" -d 0.1 >"$WORK/stall$sig" 2>"$WORK/ptyrun.err" &
  PF_PIDS+=($!)
  pf_wait_until 20 test -s "$WORK/stall$sig" || pf_fail "stalled: the view did not start: $(cat "$WORK/ptyrun.err")"
  PID=$(head -n 1 "$WORK/stall$sig")
  watch_pid "$PID"
  pf_wait_until 30 blocked "$PID" || pf_fail "stalled: pcapflow-top (PID $PID) never blocked on the terminal: $(cat "$WORK/stall$sig" "$WORK/ptyrun.err")"
  ends "SIG$sig with its output blocked" "$PID" kill -s "$sig" "$PID"
  pf_wait_until 10 grep -q "^signal $(kill -l "$sig")$" "$WORK/stall$sig" ||
    pf_fail "stalled: pcapflow-top ended with \"$(sed -n 2p "$WORK/stall$sig")\" after SIG$sig"
done

pf_collectd_stop
pf_pass "tmux killed, a terminal hung up without SIGHUP (drawing, waiting, batch), and SIGHUP, SIGINT, SIGTERM while drawing, waiting on collectd, in batch mode and with output blocked: each time gone within 20 s using at most 0.2 s of CPU, signals said in the exit status, the terminal given back"
