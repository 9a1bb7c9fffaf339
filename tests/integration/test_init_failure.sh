#!/usr/bin/env bash
# A failed init releases everything it started. Two sources: a live
# interface with two capture workers, which starts, then a File, which
# fails at init because its capture thread cannot be created: collectd runs
# in a pids cgroup of 3 tasks, room for its main thread and the first
# source's two workers and not one more. (The configuration is valid;
# nothing else fails.) collectd 5.12 starts its write and read threads
# only after every init: one of each fits in the room the workers leave. collectd 5.12 calls a plugin's shutdown only
# when it exits, so unless init itself stops them, the first source's
# workers would run on with their packet sockets open, read by nobody.
# Once collectd has logged the failure:
#  1. no capture thread (pf:*) is left among collectd's threads;
#  2. collectd holds no packet socket (/proc/PID/net/packet of its network
#     namespace, where nothing else runs, is empty) and no eventfd (the
#     workers' wake-ups), and it holds as many descriptors as a collectd
#     whose pcapflow failed before creating any source;
#  3. collectd keeps running, its write and read threads start in the
#     room the workers left, and SIGTERM stops it normally (shutdown runs
#     again then), with the status of a collectd whose pcapflow failed
#     before creating any source (collectd 5.12 exits 1 after a failed
#     init).
source "$(dirname "$0")/lib.sh"
pf_test_init init_failure
WRITE_THREADS=1 READ_THREADS=1

pf_netns_init
pf_veth_up
pf_gen live live --seed 5

# run NAME MAX SETTING... : collectd with pcapflow's SETTINGs (pf_collectd),
# in a cgroup of at most MAX tasks; waits until its init has failed.
run() {
  local name=$1 max=$2
  shift 2
  # At most MAX tasks, threads included, for root too.
  pf_cgroup pids "pcapflow-init-$name-$$"
  echo "$max" >"$CG/pids.max"
  pf_collectd "$WORK/$name" --stdin "$@" --wait init -- "${PF_IN_CGROUP[@]}" ip netns exec "$NS_B" <<CONF
WriteThreads $WRITE_THREADS
ReadThreads $READ_THREADS
CONF
  grep -qs "Initialization of plugin .pcapflow' failed" "$COLLECTD_DIR/collectd.log" ||
    pf_fail "$name: init did not fail: $(cat "$COLLECTD_DIR/collectd.log")"
}

# fds : where each of collectd's descriptors leads, one a line.
fds() { for fd in /proc/"$COLLECTD_PID"/fd/*; do readlink "$fd"; done; }

# The reference: pcapflow fails before it creates a source (a rules file
# that does not exist), so it never held anything.
run reference 64 --opt RulesFile "$WORK/missing.yaml" --interface "$VETH_B"
sleep 1
reference_fds=$(fds | wc -l)
pf_collectd_stop
reference_status=$COLLECTD_STATUS

# At init, collectd's main thread + the first source's two workers: the
# File's thread is one too many. Released, the workers leave room for
# collectd's write and read threads.
((WRITE_THREADS + READ_THREADS <= 2)) || pf_fail "the test's thread counts are off"
run failed $((1 + 2)) --interface "$VETH_B" Instance veth Workers 2 --file "$WORK/live.pcap"
grep -q "source \"live\": cannot start capture thread" "$COLLECTD_DIR/collectd.log" ||
  pf_fail "the File source did not fail to start its thread (the test's thread count is off?): $(grep pcapflow "$COLLECTD_DIR/collectd.log")"
# Workers that survived would have opened their handles by now (they do so
# within milliseconds of starting).
sleep 1
pid=$COLLECTD_PID
threads=$(cat /proc/"$pid"/task/*/comm | sort | tr '\n' ' ')
packet_sockets=$(($(wc -l </proc/"$pid"/net/packet) - 1))
eventfds=$(fds | grep -c "eventfd" || true)
failed_fds=$(fds | wc -l)
! grep -q "pf:" <<<"$threads" || pf_fail "capture threads left running after the failed init: $threads"
((packet_sockets == 0)) || pf_fail "$packet_sockets packet socket(s) open after the failed init: $(cat /proc/"$pid"/net/packet)"
((eventfds == 0)) || pf_fail "$eventfds eventfd(s) left open after the failed init"
((failed_fds == reference_fds)) || pf_fail "$failed_fds descriptors open after the failed init, $reference_fds when no source was created"
grep -q "pcapflow: not starting: released the 2 sources" "$COLLECTD_DIR/collectd.log" ||
  pf_fail "the release is not logged: $(grep pcapflow "$COLLECTD_DIR/collectd.log")"
grep -q "reader#" <<<"$threads" && grep -q "writer#" <<<"$threads" ||
  pf_fail "collectd's read and write threads did not start: $threads"

kill -0 "$pid" 2>/dev/null || pf_fail "collectd died after the failed init: $(tail -n 5 "$COLLECTD_DIR/collectd.log")"
pf_collectd_stop
[[ $COLLECTD_STATUS == "$reference_status" ]] ||
  pf_fail "collectd exited with status $COLLECTD_STATUS, $reference_status when no source was created: $(tail -n 5 "$COLLECTD_DIR/collectd.log")"
grep -q "Exiting normally" "$COLLECTD_DIR/collectd.log" || pf_fail "collectd did not shut down normally: $(tail -n 5 "$COLLECTD_DIR/collectd.log")"
pf_pass "the second source failed at init: threads left: $threads; no packet socket, no eventfd, $failed_fds descriptors as with no source; exit $COLLECTD_STATUS as with no source"
