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
