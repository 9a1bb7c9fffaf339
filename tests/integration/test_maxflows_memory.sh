#!/usr/bin/env bash
# MaxFlows 100000000 (the largest allowed) reserves a flow table of more
# than 14 GiB of address space and must hold none of it before flows come: a
# real collectd on a capture with no packet, and pcapflow-replay on it, peak
# at the memory of a MaxFlows 1000 table, within a page table's worth.
# (Memory, not time: the peak RSS the kernel accounts, exact to the page.)
source "$(dirname "$0")/lib.sh"
pf_test_init maxflows_memory

BIG=100000000 SMALL=1000 SLACK_KIB=2048
pf_gen one mixed --packets 1 --seed 1
head -c 24 "$WORK/one.pcap" >"$WORK/empty.pcap" # the file header alone

# pcapflow-replay: the whole process, start to end, on the empty capture.
cp "$WORK/empty.pcap" "$WORK/empty_small.pcap"
pf_replay_timed empty -m "$BIG"
pf_replay_timed empty_small -m "$SMALL"
replay_big=$(pf_figure empty max_rss_kib) replay_small=$(pf_figure empty_small max_rss_kib)
((replay_big - replay_small <= SLACK_KIB)) ||
  pf_fail "pcapflow-replay -m $BIG peaks at $replay_big KiB, -m $SMALL at $replay_small KiB: the table takes memory before any flow"

# collectd_peak MAXFLOWS : a collectd whose File source reads the empty
# capture with MaxFlows MAXFLOWS; sets PEAK to its peak RSS (KiB) once the
# file is read to its end and a read has reported it.
collectd_peak() {
  pf_collectd "$WORK/collectd_$1" --local --opt MaxFlows "$1" --file "$WORK/empty.pcap"
  pf_wait_until 30 grep -q "read \"$WORK/empty.pcap\" to its end" "$COLLECTD_DIR/collectd.log" ||
    pf_fail "MaxFlows $1: no end of file in 30 s: $(tail -n 3 "$COLLECTD_DIR/collectd.log")"
  pf_wait_captured empty 0
  kill -0 "$COLLECTD_PID" 2>/dev/null || pf_fail "MaxFlows $1: collectd died: $(tail -n 5 "$COLLECTD_DIR/collectd.log")"
  PEAK=$(awk '/^VmHWM:/ {print $2}' "/proc/$COLLECTD_PID/status")
  pf_collectd_stop
  [[ $COLLECTD_STATUS == 0 ]] || pf_fail "MaxFlows $1: collectd exited with status $COLLECTD_STATUS"
}
collectd_peak "$BIG"
collectd_big=$PEAK
collectd_peak "$SMALL"
collectd_small=$PEAK
[[ -n $collectd_big && -n $collectd_small ]] || pf_fail "no peak RSS read from collectd"
((collectd_big - collectd_small <= SLACK_KIB)) ||
  pf_fail "collectd with MaxFlows $BIG peaks at $collectd_big KiB, with $SMALL at $collectd_small KiB: the table takes memory before any flow"

pf_pass "MaxFlows $BIG before any flow: pcapflow-replay $replay_big KiB peak (MaxFlows $SMALL: $replay_small), collectd $collectd_big KiB ($collectd_small)"
