#!/usr/bin/env bash
# The capture tests under AddressSanitizer + UBSan: pcapflow-replay, built
# with the engine instrumented (make capture-asan), reads the generator's
# captures of every link type and format and must count exactly the ground
# truth; damaged files and a filter must give what the plain build gives.
# Any sanitizer report (including a leak at exit) fails the test.
# With the argument ubsan, the same through the build under UBSan alone
# (make ubsan), whose allocations are aligned as the plain build's.
source "$(dirname "$0")/../integration/lib.sh"
SAN=${1:-asan}
case $SAN in
asan) SAN_NAME="ASan + UBSan" SAN_TARGET=capture-asan SAN_LEAKS=", none leaking" ;;
ubsan) SAN_NAME="UBSan alone" SAN_TARGET=ubsan SAN_LEAKS="" ;;
*) echo "usage: $0 [asan|ubsan]" >&2 && exit 2 ;;
esac
pf_test_init "replay_$SAN"
SAN_REPLAY="$BUILD/pcapflow-replay-$SAN"
[[ -x "$SAN_REPLAY" ]] || pf_fail "$SAN_REPLAY is missing: run make $SAN_TARGET"
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1

# san_run OUT ERR ARGS... : the instrumented replay; fails on any report.
san_run() {
  local out=$1 err=$2
  shift 2
  "$SAN_REPLAY" "$@" >"$out" 2>"$err" || pf_fail "pcapflow-replay-$SAN $* failed: $(head -n 30 "$err")"
  ! grep -q "Sanitizer\|runtime error" "$err" || pf_fail "sanitizer report for $*: $(head -n 30 "$err")"
}

checked=0 files=0
truth_check() {
  local name=$1 cap=$2 truth=$3
  san_run "$WORK/$name.actual" "$WORK/$name.err" -l "$LOCAL_V4" -l "$LOCAL_V6" "$cap"
  pf_compare_truth "$truth" "$WORK/$name.actual" "$name" || pf_fail "$name: counts differ from the ground truth"
  checked=$((checked + $(awk '$1 == "packets-captured" {print $2}' "$truth")))
  files=$((files + 1))
}

for spec in ethernet:pcap sll:pcap sll2:pcap raw:pcap null:pcap loop:pcap ethernet:pcapng sll2:pcapng; do
  lt=${spec%%:*} fmt=${spec##*:}
  "$GEN" --scenario coverage --linktype "$lt" --format "$fmt" --seed 5 \
    --out "$WORK/$lt-$fmt.cap" --truth "$WORK/$lt-$fmt.truth" || pf_fail "generator failed for $spec"
  truth_check "$lt-$fmt" "$WORK/$lt-$fmt.cap" "$WORK/$lt-$fmt.truth"
done
"$GEN" --scenario live --seed 5 --out "$WORK/live.pcap" --truth "$WORK/live.truth" || pf_fail "generator failed (live)"
truth_check live "$WORK/live.pcap" "$WORK/live.truth"
"$GEN" --scenario mixed --packets 50000 --seed 5 --out "$WORK/mixed.pcap" --truth "$WORK/mixed.truth" ||
  pf_fail "generator failed (mixed)"
truth_check mixed "$WORK/mixed.pcap" "$WORK/mixed.truth"
# -i: the file in intervals of packet time (pf_source_run_until, a packet
# held at each boundary); after the last interval the counters are the
# file's read at once.
san_run "$WORK/mixed-iv.actual" "$WORK/mixed-iv.err" -i 0.25 -l "$LOCAL_V4" -l "$LOCAL_V6" "$WORK/mixed.pcap"
counters() { awk '/^# interval / { n = NR } { l[NR] = $0 } END { for (i = n + 1; i <= NR; i++) print l[i] }' "$1" |
  grep -vE 'top_|distinct|duration'; }
[[ $(grep -c '^# interval ' "$WORK/mixed-iv.actual") -gt 2 && "$(counters "$WORK/mixed-iv.actual")" == \
  "$(grep -vE 'top_|distinct|duration' "$WORK/mixed.actual")" ]] || pf_fail "mixed with -i: the counters differ"
# TLS hellos (whole, split, malformed) through the instrumented build.
python3 "$PCAPFLOW_ROOT/tests/integration/craft_tls.py" "$WORK/tls.pcap" "$WORK/tls.truth" >/dev/null ||
  pf_fail "cannot write the TLS capture"
san_run "$WORK/tls.actual" "$WORK/tls.err" -l "$LOCAL_V4" "$WORK/tls.pcap"
pf_compare_truth "$WORK/tls.truth" "$WORK/tls.actual" tls || pf_fail "tls: the TLS series differ from the capture's truth"

# same_output A B : two replays printed the same metrics. Distinct counts
# are HyperLogLog estimates over a hash seeded per process, so they differ
# between any two runs; truth_check above holds them to their error bound.
same_output() {
  cmp -s <(grep -v '^count-distinct_' "$1") <(grep -v '^count-distinct_' "$2")
}

# Files cut short at many places (in the header, inside records) and a
# filter: the instrumented build must print what the plain build prints.
size=$(stat -c %s "$WORK/sll2-pcapng.cap")
cuts=0
for cut in 0 10 23 24 40 100 $(seq 997 4999 "$size"); do
  for f in sll2-pcapng.cap ethernet-pcap.cap; do
    head -c "$cut" "$WORK/$f" >"$WORK/cut.cap"
    plain_rc=0
    "$REPLAY" "$WORK/cut.cap" >"$WORK/cut.plain" 2>/dev/null || plain_rc=$?
    san_rc=0
    "$SAN_REPLAY" "$WORK/cut.cap" >"$WORK/cut.asan" 2>"$WORK/cut.err" || san_rc=$?
    ! grep -q "Sanitizer\|runtime error" "$WORK/cut.err" || pf_fail "sanitizer report for $f cut at $cut: $(head -n 30 "$WORK/cut.err")"
    [[ $san_rc == "$plain_rc" ]] && same_output "$WORK/cut.plain" "$WORK/cut.asan" ||
      pf_fail "$f cut at $cut bytes: instrumented build differs (exit $san_rc vs $plain_rc)"
    cuts=$((cuts + 1))
  done
done
# Every way out frees what the options made, a rules file included: an
# unsupported link type, a missing file, a bad option after -r, a capture
# with no packet (the workers never adopt the rules), one that libpcap
# stops reading. Exit status as expected, and no report (LeakSanitizer
# included).
hdr() { printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00%b\x00\x00\x00' "$1"; }
hdr '\x93' >"$WORK/user0.pcap"
hdr '\x01' >"$WORK/empty.pcap"
head -c -7 "$WORK/ethernet-pcap.cap" >"$WORK/damaged.pcap"
RULES="$PCAPFLOW_ROOT/collectd.conf.d/pcapflow.yaml"
exits=0
for spec in "2:$WORK/user0.pcap" "2:$WORK/missing.pcap" "2:-s 10 $WORK/empty.pcap" \
  "2:-l 300.0.0.0/8 $WORK/empty.pcap" "0:$WORK/empty.pcap" "1:$WORK/damaged.pcap" \
  "0:-i 1 $WORK/empty.pcap" "1:-i 1 $WORK/damaged.pcap"; do
  want=${spec%%:*}
  rc=0
  # shellcheck disable=SC2086 # the case's words are its arguments
  "$SAN_REPLAY" -r "$RULES" ${spec#*:} >"$WORK/exit.out" 2>"$WORK/exit.err" || rc=$?
  ! grep -q "Sanitizer\|runtime error" "$WORK/exit.err" || pf_fail "sanitizer report for -r ${spec#*:}: $(head -n 30 "$WORK/exit.err")"
  [[ $rc == "$want" ]] || pf_fail "-r ${spec#*:}: exit $rc, expected $want: $(head -n 5 "$WORK/exit.err")"
  exits=$((exits + 1))
done
"$REPLAY" -f "tcp or vlan" "$WORK/ethernet-pcap.cap" >"$WORK/filter.plain"
san_run "$WORK/filter.asan" "$WORK/filter.err" -f "tcp or vlan" "$WORK/ethernet-pcap.cap"
same_output "$WORK/filter.plain" "$WORK/filter.asan" || pf_fail "with a filter the instrumented build differs"
pf_pass "$checked packets in $files captures exact under $SAN_NAME; $cuts damaged files and a filter as the plain build; $exits ways out with rules$SAN_LEAKS"
