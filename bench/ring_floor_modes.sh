# ring_floor_modes.sh - ring-floor's receivers as its options, for
# bench/ring_floor.sh and bench/ring_floor_count.sh.

# floor_args RECEIVER : sets ARGS to its ring-floor options (BufferSize 64
# as bench/live.sh gives the plugin; libpcap's 256 KiB blocks and the
# plugin's 100 ms read timeout unless a receiver says otherwise).
floor_args() {
  case $1 in
  pcap) ARGS=(--mode pcap) ;;
  pcap_snap) ARGS=(--mode pcap --filter "") ;;
  ring) ARGS=(--mode ring) ;;
  ring_pf) ARGS=(--mode ring --prefetch 2048) ;;
  ring_1m) ARGS=(--mode ring --block-kib 1024) ;;
  ring_4m) ARGS=(--mode ring --block-kib 4096) ;;
  ring_snap) ARGS=(--mode ring --kernel-snap 320) ;;
  *) pf_fail "unknown receiver $1" ;;
  esac
}
