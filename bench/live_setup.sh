# live_setup.sh - what the live benches share, sourced after
# tests/integration/lib.sh: a test work directory, two namespaces joined by
# a veth pair, and the mixed capture they send.

# bench_live_init NAME PACKETS [COMMAND...] : pf_test_init NAME (skipped
# without root or tcpreplay, or any COMMAND), $NS_A -> $NS_B over
# $VETH_A/$VETH_B, and $WORK/live.pcap: PACKETS frames of the mixed
# capture (IMIX-like sizes, Ethernet, at most 1514-byte frames).
bench_live_init() {
  local name=$1 packets=$2 c
  shift 2
  pf_test_init "$name"
  [[ $(id -u) == 0 ]] || pf_skip "needs root for network namespaces"
  for c in tcpreplay "$@"; do
    command -v "$c" >/dev/null || pf_skip "$c is not installed"
  done
  pf_netns_init
  pf_veth_up
  "$GEN" --scenario mixed --packets "$packets" --seed 2 --out "$WORK/live.pcap"
}

# cpu_ticks PID : PID's user and system CPU so far, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# capture_ns PID : CPU ns of PID's capture threads (pf:*; schedstat), so the
# capture's share is told from collectd's reader and write plugins.
capture_ns() {
  local t sum=0
  for t in /proc/"$1"/task/*; do
    [[ $(<"$t/comm") == pf:* ]] && sum=$((sum + $(cut -d' ' -f1 "$t/schedstat")))
  done
  echo "$sum"
}

# send [RATE...] : tcpreplay for $seconds s of $WORK/live.pcap from $NS_A,
# at top speed or at RATE (tcpreplay's options: --mbps=M, --pps=N); sets
# SENT, RATE (pps), MBPS and SEND_SECONDS (tcpreplay's own time of the
# send, its preload of the capture left out).
send() {
  local out
  (($#)) || set -- --topspeed
  out=$(ip netns exec "$NS_A" tcpreplay "$@" --preload-pcap --loop=0 \
    --duration="$seconds" -i "$VETH_A" "$WORK/live.pcap" 2>&1) || pf_fail "tcpreplay: $out"
  SENT=$(awk '/Actual:/ {print $2; exit}' <<<"$out")
  SEND_SECONDS=$(awk '/Actual:/ {for (i = 1; i < NF; i++) if ($i == "in") print $(i+1); exit}' <<<"$out")
  RATE=$(awk '/Rated:/ {for (i = 1; i <= NF; i++) if ($i ~ /^pps/) print $(i-1); exit}' <<<"$out" | tr -d ,)
  MBPS=$(awk '/Rated:/ {for (i = 1; i <= NF; i++) if ($i ~ /^Mbps/) print $(i-1); exit}' <<<"$out" | tr -d ,)
}

# tcpdump_start : tcpdump -w /dev/null on $VETH_B in $NS_B, its stderr in
# $WORK/tcpdump.err, once it listens; sets TCPDUMP_PID.
tcpdump_start() {
  ip netns exec "$NS_B" tcpdump -p -n -i "$VETH_B" -B 65536 -w /dev/null 2>"$WORK/tcpdump.err" &
  TCPDUMP_PID=$!
  PF_PIDS+=("$TCPDUMP_PID")
  pf_wait_until 10 grep -q listening "$WORK/tcpdump.err" || pf_fail "tcpdump did not start: $(cat "$WORK/tcpdump.err")"
}
