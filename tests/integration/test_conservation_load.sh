#!/usr/bin/env bash
# Conservation under load: a large capture mixing valid, truncated and
# garbage frames goes across a veth at top speed, twice. In every interval's
# CSV row every captured packet is in exactly one class (captured = all =
# ipv4 + ipv6 + non_ip + malformed).
# 1. A kernel buffer large enough: captured = what tcpreplay sent, exactly.
# 2. A 1 MiB buffer that overflows: drops are reported, and captured +
#    dropped_kernel + what the veth dropped never exceeds what was sent. It
#    falls short today (docs/RELIABILITY.md, "Known gaps"); STRICT_DROPS=1
#    asserts equality, which is the goal.
source "$(dirname "$0")/lib.sh"
pf_test_init conservation_load
command -v tcprewrite >/dev/null || pf_skip "tcprewrite (tcpreplay) is missing"
pf_netns_init
pf_veth_up
LOOPS=3

# Valid and malformed frames of every kind that survives a veth (live),
# plus a realistic mix with one frame in four mangled by tcprewrite's fuzzer
# (bytes and lengths edited: garbage and truncated frames).
"$GEN" --scenario live --packets 20 --seed 23 --out "$WORK/live.pcap" || pf_fail "generator failed (live)"
"$GEN" --scenario mixed --packets 150000 --seed 23 --out "$WORK/mixed.pcap" || pf_fail "generator failed (mixed)"
tcprewrite --fuzz-seed=23 --fuzz-factor=4 -i "$WORK/mixed.pcap" -o "$WORK/mangled.pcap" >"$WORK/tcprewrite.out" 2>&1 ||
  pf_fail "tcprewrite failed: $(tail -n 5 "$WORK/tcprewrite.out")"
rm -f "$WORK/mixed.pcap"

# run NAME BUFFER_MIB : one collectd capturing one top-speed replay; sets
# SENT, FAILED, VETH_DROPPED, ROWS and the final CAPTURED, IPV4, IPV6,
# NON_IP, MALFORMED, DROPPED_KERNEL; checks every row adds up.
run() {
  local dir="$WORK/$1" buffer=$2
  pcapflow_plugin_dir "$dir/plugins" logfile csv
  pf_collectd_conf "$dir" 1
  cat >>"$dir/collectd.conf" <<CONF
LoadPlugin pcapflow
<Plugin pcapflow>
  LocalNetwork "$LOCAL_V4"
  LocalNetwork "$LOCAL_V6"
  BufferSize $buffer
  <Interface "$VETH_B">
    Instance "veth"
  </Interface>
</Plugin>
CONF
  pf_collectd_start "$dir" ip netns exec "$NS_B"
  pf_wait_until 20 grep -qs "capturing on \"$VETH_B\"" "$dir/collectd.log" ||
    pf_fail "capture did not start: $(cat "$dir/collectd.log" 2>/dev/null)"

  veth_tx_dropped() { ip -s -n "$NS_A" link show "$VETH_A" | awk '/TX:/ { getline; print $4; exit }'; }
  tx_dropped_before=$(veth_tx_dropped)
  out=$(timeout 300 ip netns exec "$NS_A" tcpreplay --topspeed --loop="$LOOPS" -i "$VETH_A" \
    "$WORK/live.pcap" "$WORK/mangled.pcap" 2>&1 | grep -v "^Warning\|^Unable\|flow_decode" || true)
  SENT=$(awk '/Successful packets:/ {print $3; exit}' <<<"$out")
  FAILED=$(awk '/Failed packets:/ {print $3; exit}' <<<"$out")
  [[ -n "$SENT" && "$SENT" -gt 0 ]] || pf_fail "tcpreplay sent nothing: $out"
  VETH_DROPPED=$(($(veth_tx_dropped) - tx_dropped_before))

  # Wait until nothing more arrives: the same value two intervals running.
  captured() { local v; v=$(pf_value "$dir" veth packets-captured); echo "${v:-0}"; }
  last=-1
  for _ in $(seq 1 30); do
    sleep 1.1
    now=$(captured)
    [[ "$now" == "$last" ]] && break
    last=$now
  done
  sleep 1.1
  pf_collectd_stop

  # Row by row: every read dispatches every series from one snapshot, so
  # row N of each file is the same moment.
  local series="$dir/csv/$HOSTNAME_TEST/pcapflow-veth"
  col() { # col SERIES : one line per row, rx + tx (or the single value)
    tail -n +2 "$series/$1"-* | awk -F, '{ s = 0; for (i = 2; i <= NF; i++) s += $i; printf "%d\n", s }'
  }
  paste <(col packets-captured) <(col if_packets-all) <(col if_packets-ipv4) <(col if_packets-ipv6) \
    <(col if_packets-non_ip) <(col if_packets-malformed) >"$dir/rows"
  ROWS=$(wc -l <"$dir/rows")
  ((ROWS >= 3)) || pf_fail "$1: only $ROWS intervals were written"
  bad=$(awk -F'\t' 'NF != 6 || $1 != $2 || $1 != $3 + $4 + $5 + $6 { print NR ": " $0; exit }' "$dir/rows")
  [[ -z "$bad" ]] || pf_fail "$1: row $bad: captured, all, ipv4, ipv6, non_ip, malformed do not add up"

  local final
  final=$(tail -n 1 "$dir/rows")
  read -r CAPTURED _ IPV4 IPV6 NON_IP MALFORMED <<<"$final"
  DROPPED_KERNEL=$(col packets-dropped_kernel | tail -n 1)
}

run big 64
[[ "$CAPTURED" == "$SENT" && "$DROPPED_KERNEL" == 0 ]] ||
  pf_fail "64 MiB buffer: tcpreplay sent $SENT, captured $CAPTURED, dropped_kernel $DROPPED_KERNEL"
((MALFORMED > 0 && NON_IP > 0)) || pf_fail "the mix holds no malformed ($MALFORMED) or non-IP ($NON_IP) frames"
big="sent $SENT at top speed ($FAILED refused by the veth): captured $CAPTURED exactly (ipv4 $IPV4, ipv6 $IPV6, non_ip $NON_IP, malformed $MALFORMED), $ROWS rows adding up"

run small 1
accounted=$((CAPTURED + DROPPED_KERNEL + VETH_DROPPED))
((accounted <= SENT)) || pf_fail "1 MiB buffer: captured $CAPTURED + dropped $DROPPED_KERNEL + veth $VETH_DROPPED = $accounted exceeds the $SENT sent"
if [[ -n "${STRICT_DROPS:-}" ]]; then
  [[ "$accounted" == "$SENT" ]] || pf_fail "1 MiB buffer: sent $SENT, accounted $accounted (captured $CAPTURED + dropped_kernel $DROPPED_KERNEL + veth $VETH_DROPPED)"
fi
pf_pass "$big; 1 MiB buffer: sent $SENT, captured $CAPTURED + dropped_kernel $DROPPED_KERNEL + veth $VETH_DROPPED, $((SENT - accounted)) unaccounted, $ROWS rows adding up"
