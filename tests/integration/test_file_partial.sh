#!/usr/bin/env bash
# A capture file that libpcap stops reading before its end (here a pcapng
# file whose second interface has another snapshot length, which libpcap
# 1.10 refuses) is never passed off as a complete one:
#  1. pcapflow-replay prints the metrics of the packets before that point
#     (exactly those), says why it stopped, and exits 1;
#  2. the plugin's File source logs it once, as an error that names the
#     file and the reason, and reports the packets before it.
source "$(dirname "$0")/lib.sh"
pf_test_init file_partial
command -v python3 >/dev/null || pf_skip "python3 is missing"
python3 "$PCAPFLOW_ROOT/tests/integration/craft_captures.py" snaplen-pcapng "$WORK/snaplen.pcapng" ||
  pf_fail "cannot write the capture"
REASON="an interface has a snapshot length 128 different from the snapshot length of the first interface"

# 1. pcapflow-replay
rc=0
"$REPLAY" "$WORK/snaplen.pcapng" >"$WORK/replay.out" 2>"$WORK/replay.err" || rc=$?
[[ $rc == 1 ]] || pf_fail "pcapflow-replay exited $rc on a file it did not read to its end: $(cat "$WORK/replay.err")"
grep -q "^pcapflow-replay: \"$WORK/snaplen.pcapng\" was not read to its end: $REASON\$" "$WORK/replay.err" ||
  pf_fail "pcapflow-replay does not say why it stopped: $(cat "$WORK/replay.err")"
[[ "$(awk '$1 == "packets-captured" {print $2}' "$WORK/replay.out")" == 2 ]] ||
  pf_fail "pcapflow-replay: expected the 2 packets before the second interface: $(grep -E 'packets-captured|if_packets-' "$WORK/replay.out")"
[[ "$(awk '$1 == "if_packets-non_ip" {print $2 + $3}' "$WORK/replay.out")" == 2 ]] ||
  pf_fail "pcapflow-replay: the 2 ARP frames are not counted as non-IP"

# 2. the plugin's File source
dir="$WORK/collectd"
pf_collectd "$dir" --file "$WORK/snaplen.pcapng" Instance partial
pf_wait_captured partial 2
pf_collectd_stop
line="pcapflow: source \"partial\": stopped reading \"$WORK/snaplen.pcapng\": $REASON; the 2 packets before are counted, the rest of the file is not"
[[ "$(grep -cF "$line" "$dir/collectd.log")" == 1 ]] ||
  pf_fail "the File source does not log the stop once: $(grep pcapflow "$dir/collectd.log")"
pf_pass "pcapflow-replay printed the 2 packets before the second interface and exited 1, the File source logged it once"
