# live_life.sh - one life of a live source in a real collectd, for the
# tests that run it under a checker (test_live_sanitized.sh: ASan + UBSan,
# test_live_leaks.sh: valgrind memcheck). Sourced after lib.sh.
#
# The life walks every part of the live path: an interface opened by two
# workers that join a fanout group (handle.c, fanout_join.c) with a Filter,
# traffic counted exactly, the interface deleted while traffic flows and
# created again (both workers reopen and join again), traffic counted
# exactly once more, and SIGTERM while traffic flows.
#
#   live_life_init PACKETS PPS      # namespaces, veth, capture, reference
#   live_life_run DIR STOP_S [SETTING...] [-- PREFIX...]
#
# live_life_run passes SETTING and PREFIX to pf_collectd (a --pcapflow-so,
# a --timeout; valgrind, or env with LD_PRELOAD), asserts as it goes, and
# sets LIFE_STOP_MS (SIGTERM to exit, under traffic) and LIFE_SUMMARY. A
# test may define life_started, called once collectd runs.

# The Filter: frames of both families it passes and frames it turns away
# (the UDP and non-IP frames of the mix), so that it is seen to apply to
# each worker after each join.
LIFE_FILTER="tcp or icmp"
# The counters compared with the reference after the first replay, and
# (as increments) after the reopen: every family, both directions, the
# filtered-out protocol at zero.
LIFE_COUNTERS=(packets-captured io_packets-ipv4 io_octets-ipv4 io_packets-ipv6 io_octets-ipv6
  if_packets-tcp if_octets-tcp if_packets-icmp if_packets-udp if_packets-non_ip if_packets-malformed)

# live_life_init PACKETS PPS : network namespaces and a veth pair, a mixed
# capture of PACKETS frames (sent at PPS frames a second) in
# $WORK/life.pcap, and what one engine counts of it with the Filter.
live_life_init() {
  LIFE_PACKETS=$1 LIFE_PPS=$2
  pf_netns_init
  pf_veth_up
  pf_gen life mixed --packets "$LIFE_PACKETS" --seed 21
  "$REPLAY" -f "$LIFE_FILTER" -l "$LOCAL_V4" -l "$LOCAL_V6" "$WORK/life.pcap" >"$WORK/life.ref" ||
    pf_fail "pcapflow-replay could not read the capture"
  LIFE_TOTAL=$(life_ref packets-captured)
  ((LIFE_TOTAL > 0 && LIFE_TOTAL < LIFE_PACKETS)) ||
    pf_fail "the Filter passes $LIFE_TOTAL of $LIFE_PACKETS frames: it must pass some and turn some away"
}

life_ref() { awk -v id="$1" '$1 == id { $1 = ""; sub(/^ /, ""); print }' "$WORK/life.ref"; }
life_value() { pf_value "$LIFE_DIR" veth "$1"; }
life_captured() { local v; v=$(life_value packets-captured); echo "${v:-0}"; }
# The wait conditions: a collectd that died (a sanitizer stops it at its
# first finding) fails the test at once, not at the end of the wait.
life_alive() { kill -0 "$COLLECTD_PID" 2>/dev/null || pf_fail "collectd died: $(tail -n 3 "$LIFE_DIR/collectd.out")"; }
life_grows_past() { life_alive && (($(life_captured) > $1)); }
life_opened_is() { life_alive && [[ $(life_value operations-capture_opened) == "$1" ]]; }
life_captured_is() { life_alive && [[ $(life_captured) == "$1" ]]; }
# life_wait_captured COUNT : packets-captured reaches COUNT within 60 s.
life_wait_captured() {
  pf_wait_until 60 life_captured_is "$1" ||
    pf_fail "collectd wrote packets-captured=$(life_captured), expected $1 (kernel drops: $(life_value packets-dropped_kernel))"
}

# life_send : tcpreplay loops the capture in the background, bounded in
# loops and time; sets LIFE_SENDER.
life_send() {
  timeout 120 ip netns exec "$NS_A" tcpreplay --pps="$LIFE_PPS" --loop=1000 -i "$VETH_A" \
    "$WORK/life.pcap" >>"$WORK/tcpreplay.out" 2>&1 &
  LIFE_SENDER=$!
  PF_PIDS+=("$LIFE_SENDER")
}

life_send_stop() {
  kill "$LIFE_SENDER" 2>/dev/null || true
  wait "$LIFE_SENDER" 2>/dev/null || true
}

# life_under_traffic : the looping sender runs and collectd counts it.
life_under_traffic() {
  local before
  before=$(life_captured)
  life_send
  pf_wait_until 60 life_grows_past $((before + LIFE_PPS / 10)) ||
    pf_fail "traffic is not being counted (packets-captured $(life_captured), was $before)"
  kill -0 "$LIFE_SENDER" 2>/dev/null || pf_fail "tcpreplay stopped early: $(tail -n 3 "$WORK/tcpreplay.out")"
}

# life_snapshot FILE : every series' latest values, once the read that
# wrote the newest packets-captured row has written LIFE_COUNTERS too.
life_snapshot() {
  pf_wait_written "$LIFE_DIR" veth "${LIFE_COUNTERS[@]}"
  pf_csv_values "$LIFE_DIR" veth >"$1"
}

# life_compare LABEL BEFORE AFTER : each of LIFE_COUNTERS grew from BEFORE
# (a snapshot, or /dev/null for zero) to AFTER by exactly the reference's
# value, field by field (rx and tx).
life_compare() {
  local label=$1 id want got
  for id in "${LIFE_COUNTERS[@]}"; do
    want=$(life_ref "$id")
    got=$(awk -v id="$id" '
      $1 == id { f = FILENAME == ARGV[1] ? 1 : 2; for (i = 2; i <= NF; i++) v[f, i] = $i; n = NF }
      END { s = ""; for (i = 2; i <= n; i++) s = s (i > 2 ? " " : "") sprintf("%.0f", v[2, i] - v[1, i]); print s }
    ' "$2" "$3")
    [[ "$got" == "$want" ]] || pf_fail "$label: $id grew by \"$got\", one engine counts \"$want\" with the Filter"
  done
}

# live_life_run DIR STOP_S [SETTING...] [-- PREFIX...] : see the top.
live_life_run() {
  LIFE_DIR=$1
  local stop_s=$2 t0
  shift 2
  # TcpClosedTimeout and IcmpTimeout: no flow of the first replay may end
  # while the test looks (the reference reads 0.3 s of packet time).
  pf_collectd "$LIFE_DIR" --local --opt RetryMax 1 --netns "$NS_B" \
    --interface "$VETH_B" Instance veth Workers 2 Filter "$LIFE_FILTER" BufferSize 64 \
    TcpClosedTimeout 600 IcmpTimeout 600 "$@"
  ! declare -F life_started >/dev/null || life_started
  grep -qF "capturing on \"$VETH_B\" (link type EN10MB, fanout)" "$LIFE_DIR/collectd.log" ||
    pf_fail "the fanout capture did not start: $(grep pcapflow "$LIFE_DIR/collectd.log")"
  pf_wait_until 60 life_opened_is 2 ||
    pf_fail "capture_opened = $(life_value operations-capture_opened), expected 2 workers"

  # 1. The capture once: exactly what one engine counts with the Filter.
  local sent
  sent=$(pf_replay "$WORK/life.pcap" --pps="$LIFE_PPS")
  [[ "$sent" == "$LIFE_PACKETS" ]] || pf_fail "tcpreplay sent $sent of $LIFE_PACKETS"
  life_wait_captured "$LIFE_TOTAL"
  life_snapshot "$WORK/first"
  life_compare "first replay" /dev/null "$WORK/first"
  [[ $(life_value connections-flows_new) == "$(life_ref connections-flows_new)" ]] ||
    pf_fail "flows_new = $(life_value connections-flows_new), one engine: $(life_ref connections-flows_new) (a flow split over the workers?)"

  # 2. The interface deleted while traffic flows, and created again.
  life_under_traffic
  pf_veth_down
  pf_wait_until 30 grep -qF "capture on \"$VETH_B\" failed" "$LIFE_DIR/collectd.log" ||
    pf_fail "the vanished interface was not noticed: $(grep pcapflow "$LIFE_DIR/collectd.log")"
  life_send_stop
  pf_veth_up
  pf_wait_until 60 life_opened_is 4 ||
    pf_fail "capture_opened = $(life_value operations-capture_opened) after the interface came back, expected 4 (2 workers, 2 opens each)"
  grep -qF "capturing on \"$VETH_B\" again" "$LIFE_DIR/collectd.log" ||
    pf_fail "the resumption was not logged: $(grep pcapflow "$LIFE_DIR/collectd.log")"

  # 3. The capture once more: every frame counted once by the rejoined
  # workers. Nothing is sent between the snapshot and the replay (IPv6 is
  # off in the namespaces, the link has no address).
  local since
  since=$(pf_row_time "$LIFE_DIR" veth operations-capture_opened)
  pf_wait_until 10 pf_rows_since "$LIFE_DIR" veth "$since" packets-captured ||
    pf_fail "no packets-captured row after the reopen"
  life_snapshot "$WORK/reopened"
  local base
  base=$(awk '$1 == "packets-captured" { print $2 }' "$WORK/reopened")
  sent=$(pf_replay "$WORK/life.pcap" --pps="$LIFE_PPS")
  [[ "$sent" == "$LIFE_PACKETS" ]] || pf_fail "tcpreplay sent $sent of $LIFE_PACKETS after the reopen"
  life_wait_captured $((base + LIFE_TOTAL))
  life_snapshot "$WORK/second"
  life_compare "after the reopen" "$WORK/reopened" "$WORK/second"

  # 4. SIGTERM while traffic flows.
  life_under_traffic
  t0=$(date +%s%N)
  pf_collectd_stop "$stop_s"
  LIFE_STOP_MS=$((($(date +%s%N) - t0) / 1000000))
  life_send_stop
  [[ $COLLECTD_STATUS == 0 ]] || pf_fail "collectd exited with status $COLLECTD_STATUS (stopped after $LIFE_STOP_MS ms)"
  LIFE_SUMMARY="$LIFE_TOTAL of $LIFE_PACKETS frames through the Filter over 2 workers, exact before and after the reopen, $(life_value packets-captured) counted in all; stopped under traffic in $LIFE_STOP_MS ms"
}
