#!/usr/bin/env bash
# TCP timing per top service port (PortTiming), exact through
# pcapflow-replay -i: a capture read in 10-second intervals of packet time,
# as collectd reads a live source (craft_port_timing.py). Interval 1 makes
# ports 80 and 25 the top services (TopN 2) and, with no list before it,
# puts its samples in other; interval 2 is empty, and its read hands ports
# 25 and 80 over; in interval 3 the exchanges on 80 and 25 are their
# ports', those on 8080 and 443 other's - each figure exact (percentiles
# within the histogram's 1/64, the maximum exact), per port and per source;
# an answer at 30.02 s, the packet held at the boundary, is interval 4's.
# Then: a pause of 8 minutes prints two empty intervals and skips the rest;
# every packet is counted once (the last interval's counters are those of
# the file read at once); a file cut short mid-record prints its intervals
# and fails as without -i; a bad -i names itself. Without -i the whole file
# is one read, and every sample is other's (the reason for -i).
source "$(dirname "$0")/lib.sh"
pf_test_init port_timing_replay
command -v python3 >/dev/null || pf_skip "python3 is missing"
python3 "$PCAPFLOW_ROOT/tests/integration/craft_port_timing.py" "$WORK/ports.pcap" "$WORK/ports" ports ||
  pf_fail "cannot write the capture"
opts=(-o TopN=2 -o PortTiming=true -l 198.18.0.0/16)

"$REPLAY" -i 10 "${opts[@]}" "$WORK/ports.pcap" >"$WORK/iv.out" || pf_fail "pcapflow-replay -i 10 failed"
# interval N : the lines printed for interval N.
interval() { awk -v n="$1" '/^# interval / { on = ($3 == n); next } on' "$WORK/iv.out"; }
ports_of() { grep '^pcapflow_port-' "$1" || true; }
marks=$(awk '/^# interval / { printf "%s%s", sep, $3; sep = " " }' "$WORK/iv.out")
[[ "$marks" == "1 2 3 4 5 6 53" ]] || pf_fail "intervals printed: \"$marks\", expected 1 2 3 4 5 6 53"
for n in $marks; do interval "$n" >"$WORK/iv-$n.out"; done

# timed N : interval N's timing series, per source and per port.
timed() { grep -E '^(pcapflow_port-|duration-tcp_(rtt_tx|rtt_rx|jitter|response)_)' "$WORK/iv-$1.out" | cut -d' ' -f1 | sort || true; }
# Intervals 1 (no list yet: every sample other's), 3 (ports 80 and 25
# their own, 8080 and 443 other) and 4 (the answer held at 30 s): each
# figure as the truth has it, and no other.
for n in 1 3 4; do
  pf_compare_truth "$WORK/ports-$n.truth" "$WORK/iv-$n.out" "interval $n" || pf_fail "interval $n differs from the truth"
  [[ "$(timed "$n")" == "$(cut -d' ' -f1 "$WORK/ports-$n.truth" | sort)" ]] ||
    pf_fail "interval $n has timing series the truth has not, or lacks some: $(diff <(timed "$n") <(cut -d' ' -f1 "$WORK/ports-$n.truth" | sort) | head -4)"
done
[[ $(grep -c '^pcapflow_port-.*/duration-other ' "$WORK/ports-1.truth") == 12 &&
  $(grep -c '/duration-tcp_' "$WORK/ports-3.truth") == 24 && $(grep -c '/duration-tcp_80 ' "$WORK/ports-4.truth") == 8 ]] ||
  pf_fail "the truth is not what the capture was made for"
# Interval 2: no sample; its read reports interval 1's top services.
[[ -z "$(timed 2)" ]] || pf_fail "interval 2 (no packet) has timing series"
[[ "$(grep '^bytes-top_port_' "$WORK/iv-2.out" | cut -d' ' -f1 | tr '\n' ' ')" == \
  "bytes-top_port_tcp_80 bytes-top_port_tcp_25 bytes-top_port_other " ]] ||
  pf_fail "interval 2's top services are not tcp_80, tcp_25, other: $(grep '^bytes-top_port_' "$WORK/iv-2.out" | tr '\n' ' ')"
for n in 5 6 53; do
  [[ -z "$(timed "$n")" ]] || pf_fail "interval $n (no TCP timing sample) has timing series"
done
grep -q '^bytes-top_port_tcp_9 ' "$WORK/iv-53.out" || pf_fail "interval 53 lacks its lone segment's port"

# Every packet once: after the last interval the counters are the file's
# read at once (the top lists, distinct counts and latencies are the
# intervals').
"$REPLAY" "${opts[@]}" "$WORK/ports.pcap" >"$WORK/whole.out" || pf_fail "pcapflow-replay failed"
! grep -q '^#' "$WORK/whole.out" || pf_fail "without -i, pcapflow-replay prints interval marks"
counters() { grep -vE '^#|top_|distinct|duration' "$1"; }
[[ "$(counters "$WORK/iv-53.out")" == "$(counters "$WORK/whole.out")" ]] ||
  pf_fail "the counters after the last interval differ from the file's: $(diff <(counters "$WORK/iv-53.out") <(counters "$WORK/whole.out") | head -4)"
packets=$(awk '$1 == "if_packets-tcp" { print $2 + $3 }' "$WORK/whole.out")
[[ $packets -gt 90 ]] || pf_fail "the file counts $packets packets"

# The known limit -i lifts: read at once, every sample is other's.
[[ $(ports_of "$WORK/whole.out" | wc -l) == 12 && -z "$(ports_of "$WORK/whole.out" | grep -v /duration-other)" ]] ||
  pf_fail "read at once, per-port figures other than other's: $(ports_of "$WORK/whole.out" | head -3)"

# A file cut short mid-record: the intervals before, then a failure, as
# without -i, with the same counters.
head -c "$(($(stat -c %s "$WORK/ports.pcap") - 30))" "$WORK/ports.pcap" >"$WORK/cut.pcap"
"$REPLAY" "${opts[@]}" "$WORK/cut.pcap" >"$WORK/cut-whole.out" 2>/dev/null && pf_fail "a cut file read at once succeeds"
"$REPLAY" -i 10 "${opts[@]}" "$WORK/cut.pcap" >"$WORK/cut-iv.out" 2>"$WORK/cut-iv.err" && pf_fail "a cut file read with -i succeeds"
grep -q 'was not read to its end' "$WORK/cut-iv.err" || pf_fail "a cut file read with -i does not say so: $(cat "$WORK/cut-iv.err")"
awk '/^# interval / { last = NR } { line[NR] = $0 } END { for (i = last + 1; i <= NR; i++) print line[i] }' "$WORK/cut-iv.out" >"$WORK/cut-last.out"
[[ "$(counters "$WORK/cut-last.out")" == "$(counters "$WORK/cut-whole.out")" ]] ||
  pf_fail "a cut file's counters differ with -i"

# Bad values name the option.
for bad in 0 -5 abc 1e9 ''; do
  rc=0
  "$REPLAY" -i "$bad" "$WORK/ports.pcap" >/dev/null 2>"$WORK/bad.err" || rc=$?
  [[ $rc == 2 ]] && grep -q -- "-i $bad: expected seconds" "$WORK/bad.err" ||
    pf_fail "-i \"$bad\": exit $rc, $(cat "$WORK/bad.err")"
done
pf_pass "interval 3's 36 per-port figures (tcp_80, tcp_25, other), interval 4's held answer, and the intervals' source figures exact through pcapflow-replay -i 10; gaps skipped after two empty intervals; $packets packets counted once"
