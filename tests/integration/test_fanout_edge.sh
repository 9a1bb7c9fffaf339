#!/usr/bin/env bash
# Workers N: no frame is handed to two workers while they open, at start or
# when one reopens while the others stay in the fanout group; every frame
# sent after the opens is handed over once; a Filter applies to every
# frame handed over. tests/integration/fanout_edge.c opens the workers with
# the engine's own pf_handle_open while a sender in the other namespace
# emits numbered frames at 200,000 a second across the opens, and counts
# each number on every socket. A run fails as inconclusive if fewer than 5
# frames were sent while the workers started, or during any one reopen,
# or if a socket dropped any. Opened bound to every protocol, a worker took
# in, until its join, frames the group also handed to another: 639 frames
# twice in 40 reopens of one of 4 workers, 13 and 32 at two starts of 4
# (src/source/fanout_join.c).
source "$(dirname "$0")/lib.sh"
pf_test_init fanout_edge
EDGE="$BUILD/fanout-edge"
[[ -x $EDGE ]] || pf_fail "$EDGE is missing (make build/fanout-edge; make integration builds it)"
pf_netns_init
pf_veth_up

# veth_lost : frames the veth pair lost on the way (the sender's tx_dropped
# and the receiver's rx_dropped): lost before any socket, they would show
# as frames missing after the opens though no open lost them.
veth_lost() {
  echo $(($(ip netns exec "$NS_A" cat "/sys/class/net/$VETH_A/statistics/tx_dropped") +
    $(ip netns exec "$NS_B" cat "/sys/class/net/$VETH_B/statistics/rx_dropped")))
}

# edge LABEL WORKERS MODE ROUNDS [FILTER]: one run, its figures in
# $WORK/LABEL.out; fails the test with them when a check does not hold.
# A run during which the veth pair itself lost frames (a starved sender's
# burst past the backlog, on a loaded machine) proves nothing either way
# and is run again, once.
edge() {
  local label=$1 attempt lost
  shift 1
  for attempt in 1 2; do
    lost=$(veth_lost)
    ip netns exec "$NS_B" "$EDGE" "$NS_A" "$VETH_A" "$VETH_B" "$1" "$2" "$3" 200000 "${@:4}" \
      >"$WORK/$label.out" 2>"$WORK/$label.err" && return 0
    (($(veth_lost) > lost && attempt == 1)) || break
  done
  pf_fail "$label: $(cat "$WORK/$label.err") | $(tr '\n' ' ' <"$WORK/$label.out") | veth lost $(($(veth_lost) - lost))"
}
figure() { awk -v k="$2" '$1 == k { print $2 }' "$WORK/$1.out"; }

edge start4 4 start 0
edge reopen4 4 reopen 40
edge filter3 3 reopen 20 "udp dst port 5000"
for run in start4 reopen4 filter3; do
  [[ $(figure $run duplicates) == 0 && $(figure $run missing_after_opens) == 0 ]] ||
    pf_fail "$run: $(tr '\n' ' ' <"$WORK/$run.out")"
done
((${PF_VERBOSE:-0})) && cat "$WORK"/*.out
pf_pass "no frame twice in $(figure start4 opens) + $(figure reopen4 opens) + $(figure filter3 opens) opens ($(figure start4 sent) + $(figure reopen4 sent) + $(figure filter3 sent) frames; $(figure start4 sent_during_start) sent during the start, at least $(figure reopen4 fewest_sent_during_a_reopen) during each reopen); every frame after them once; $(figure reopen4 missing_while_reopening) turned away at 40 joins; none the Filter rejects"
