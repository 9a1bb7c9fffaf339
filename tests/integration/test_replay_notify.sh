#!/usr/bin/env bash
# pcapflow-replay -N prints the SYN flood and port scan notifications the
# source raises, with windows measured on packet time: the attack scenario
# (3000 spoofed SYNs to 198.18.0.80 port 80 in 0.9 s, then 198.19.9.9
# scanning 1000 ports of 198.18.0.90 in 0.5 s; 1.6 s of packet time) gives
# exactly one WARNING and then one OKAY for each, in order, at the reads
# that judge them, with collectd's messages; thresholds move them; without
# -N nothing changes. The known-seed build makes the scan's estimate of
# distinct destinations (1007 for 1000) the same on every run.
source "$(dirname "$0")/lib.sh"
pf_test_init replay_notify
KS="$BUILD/pcapflow-replay-knownseed" # a test-only build (mk/collide.mk)
[[ -x "$KS" ]] || pf_fail "$KS is missing: run make integration, or make build/pcapflow-replay-knownseed"

pf_gen attack attack
run() { "$KS" -l "$LOCAL_V4" "$@" "$WORK/attack.pcap"; }
notes() { grep '^# notification ' "$1" || true; }
same() { # same NAME EXPECTED_FILE ACTUAL_FILE
  diff -u "$2" "$3" >"$WORK/$1.diff" || pf_fail "$1: $(cat "$WORK/$1.diff")"
}
flood() { echo "pcapflow source \"attack\": SYN flood against 198.18.0.80 port 80 $1: $2 SYNs without a completed handshake in $3 s (threshold ${4:-1000})"; }
scan() { echo "pcapflow source \"attack\": port scan from 198.19.9.9 $1: about $2 destinations (host and port) in $3 s (threshold ${4:-200})"; }

# Read every second, 1 s windows: the first read (1.0) starts the window,
# the second (2.0) judges both (the file ends in it), the first read after
# the file (3.0) finds both over. The notifications come before the series
# of the read that raised them.
run -N -i 1 -o AnomalyWindow=1 >"$WORK/i1.out" || pf_fail "pcapflow-replay -N -i 1 failed"
grep '^# ' "$WORK/i1.out" >"$WORK/i1.marks"
cat >"$WORK/i1.want" <<EOF
# interval 1 end=1767225601.000000
# interval 2 end=1767225602.000000
# notification WARNING 1767225602.000000 $(flood started 3000 1)
# notification WARNING 1767225602.000000 $(scan started 1007 1)
# notification OKAY 1767225603.000000 $(flood "is over" 0 1)
# notification OKAY 1767225603.000000 $(scan "is over" 0 1)
EOF
same "-i 1" "$WORK/i1.want" "$WORK/i1.marks"
n=$(grep -n '^# interval 2 ' "$WORK/i1.out" | cut -d: -f1)
[[ "$(sed -n "$((n + 1)),$((n + 2))p" "$WORK/i1.out" | cut -d' ' -f1-3)" == "$(printf '# notification WARNING\n# notification WARNING')" ]] ||
  pf_fail "the WARNINGs do not come right after \"# interval 2\": $(sed -n "$n,$((n + 3))p" "$WORK/i1.out")"
[[ "$(tail -n 2 "$WORK/i1.out" | cut -d' ' -f1-3)" == "$(printf '# notification OKAY\n# notification OKAY')" ]] ||
  pf_fail "the OKAYs are not the last lines: $(tail -n 3 "$WORK/i1.out")"

# Without -i the file is one read; the default window (10 s) is judged by
# the reads after it, 10 and 20 s later.
run -N >"$WORK/whole.out" || pf_fail "pcapflow-replay -N failed"
notes "$WORK/whole.out" >"$WORK/whole.notes"
cat >"$WORK/whole.want" <<EOF
# notification WARNING end+10 $(flood started 3000 10)
# notification WARNING end+10 $(scan started 1007 10)
# notification OKAY end+20 $(flood "is over" 0 10)
# notification OKAY end+20 $(scan "is over" 0 10)
EOF
same "whole file" "$WORK/whole.want" "$WORK/whole.notes"
tail -n 4 "$WORK/whole.out" | cmp -s - "$WORK/whole.want" || pf_fail "the notifications are not the last lines"

# -i with the default window (10 s): collectd reads on after the file;
# the first read 10 s after the window's start (the first read) judges it,
# the first 10 s after that finds both over. Every second: the window
# begins at 1.0, WARNING at 11.0, OKAY at 21.0. Every 3 s: it begins at
# 3.0; 12.0 is 9 s on, so 15.0 and then 27.0.
run -N -i 1 >"$WORK/i1w10.out" || pf_fail "pcapflow-replay -N -i 1 (window 10) failed"
notes "$WORK/i1w10.out" >"$WORK/i1w10.notes"
cat >"$WORK/i1w10.want" <<EOF
# notification WARNING 1767225611.000000 $(flood started 3000 10)
# notification WARNING 1767225611.000000 $(scan started 1007 10)
# notification OKAY 1767225621.000000 $(flood "is over" 0 10)
# notification OKAY 1767225621.000000 $(scan "is over" 0 10)
EOF
same "-i 1, window 10" "$WORK/i1w10.want" "$WORK/i1w10.notes"
run -N -i 3 >"$WORK/i3.out" || pf_fail "pcapflow-replay -N -i 3 failed"
grep '^# ' "$WORK/i3.out" >"$WORK/i3.marks"
cat >"$WORK/i3.want" <<EOF
# interval 1 end=1767225603.000000
# notification WARNING 1767225615.000000 $(flood started 3000 10)
# notification WARNING 1767225615.000000 $(scan started 1007 10)
# notification OKAY 1767225627.000000 $(flood "is over" 0 10)
# notification OKAY 1767225627.000000 $(scan "is over" 0 10)
EOF
same "-i 3, window 10" "$WORK/i3.want" "$WORK/i3.marks"

# Thresholds: a key at its threshold raises (3000 SYNs, 1007 destinations),
# one above it does not.
run -N -o SynFloodThreshold=3000 -o PortScanThreshold=1008 >"$WORK/edge.out" || pf_fail "pcapflow-replay -N with thresholds failed"
notes "$WORK/edge.out" >"$WORK/edge.notes"
cat >"$WORK/edge.want" <<EOF
# notification WARNING end+10 $(flood started 3000 10 3000)
# notification OKAY end+20 $(flood "is over" 0 10 3000)
EOF
same "thresholds 3000 and 1008" "$WORK/edge.want" "$WORK/edge.notes"
run -N -o SynFloodThreshold=3001 -o PortScanThreshold=1007 >"$WORK/edge2.out" || pf_fail "pcapflow-replay -N with thresholds failed"
notes "$WORK/edge2.out" >"$WORK/edge2.notes"
cat >"$WORK/edge2.want" <<EOF
# notification WARNING end+10 $(scan started 1007 10 1007)
# notification OKAY end+20 $(scan "is over" 0 10 1007)
EOF
same "thresholds 3001 and 1007" "$WORK/edge2.want" "$WORK/edge2.notes"

# Without TCP analysis there is no evidence: nothing is raised.
run -N -T >"$WORK/notcp.out" || pf_fail "pcapflow-replay -N -T failed"
[[ -z "$(notes "$WORK/notcp.out")" ]] || pf_fail "-T raised: $(notes "$WORK/notcp.out")"

# -N only adds its lines; without it, none (other work compares the
# default output byte for byte).
run >"$WORK/plain.out" || pf_fail "pcapflow-replay failed"
run -i 1 -o AnomalyWindow=1 >"$WORK/plain-i1.out" || pf_fail "pcapflow-replay -i 1 failed"
grep -v '^# notification ' "$WORK/whole.out" | cmp -s - "$WORK/plain.out" || pf_fail "-N changed the other lines"
grep -v '^# notification ' "$WORK/i1.out" | cmp -s - "$WORK/plain-i1.out" || pf_fail "-N -i 1 changed the other lines"
[[ -z "$(grep '^# notification' "$WORK/plain.out" "$WORK/plain-i1.out")" ]] || pf_fail "notifications without -N"

# The anomaly options are held to the plugin's ranges.
for bad in AnomalyWindow=0 AnomalyWindow=3601 SynFloodThreshold=0 PortScanThreshold=5001 AnomalyCooldown=-1 AnomalyCooldown=1x; do
  status=0
  run -N -o "$bad" >/dev/null 2>"$WORK/bad.err" || status=$?
  [[ $status == 2 ]] || pf_fail "-o $bad: exit $status, expected 2"
  grep -q "expected" "$WORK/bad.err" || pf_fail "-o $bad: $(cat "$WORK/bad.err")"
done
pf_pass "one WARNING and one OKAY each for the SYN flood and the port scan, at the reads that judge them"
