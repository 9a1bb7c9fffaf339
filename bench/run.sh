#!/usr/bin/env bash
# run.sh - `make bench`: the engine against its peers on the same generated
# captures, interleaved run by run; prints medians, spread and ratios.
# Usage: bench/run.sh [--packets N] [--flows N] [--runs N] [--no-peers]
#        [--no-collectd] [--no-live] [--no-install] [--live-seconds S]
#        [--huge N] [--settle S]
# --packets: frames of the mixed capture (~7,000 concurrent flows);
# --flows: short flows of the flood capture (about one frame each);
# --huge: also a flood of N flows (10000000 for docs/PERFORMANCE.md) with
#         MaxFlows N: CPU per packet and bytes per flow.
# --settle: seconds of pause before every offline run (default 3). This VM
#         hands memory freed in 2 MiB blocks back to its host (free page
#         reporting, about 2 s later), and a process that touches such
#         memory pays the host's fault in system time: pcapflow-replay on
#         the flood took 0.03-0.04 s of it right after another run and
#         0.11-0.23 s five seconds after. Without a pause, a tool run just
#         after a large one was favoured (collectd never was: its start-up
#         run comes first); with it, every run starts alike.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build"
packets=2000000 flows=1000000 runs=3 peers=1 collectd=1 live=1 install=1
live_seconds=5 huge=0 settle=3
while (($#)); do
  case $1 in
  --packets) packets=$2; shift ;;
  --flows) flows=$2; shift ;;
  --runs) runs=$2; shift ;;
  --live-seconds) live_seconds=$2; shift ;;
  --huge) huge=$2; shift ;;
  --settle) settle=$2; shift ;;
  --no-peers) peers=0 ;;
  --no-collectd) collectd=0 ;;
  --no-live) live=0 ;;
  --no-install) install=0 ;;
  *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
work=$(mktemp -d "${TMPDIR:-/tmp}/pcapflow-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
locals=(-l 198.18.0.0/16 -l 2001:db8:1::/48)

# The peers are bench-only: installed here when missing, never by make check.
if ((peers && install)) && [[ $(id -u) == 0 ]]; then
  "$root/bench/install_peers.sh" || echo "(could not install every peer; running those present)"
fi

echo "== machine"
echo "$(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# flood: 98% of frames are SYNs from new sources, so frames ~ flows / 0.98.
flood_packets=$(((flows * 100 + 97) / 98))
"$build/pcapflow-gen" --scenario mixed --packets "$packets" --seed 1 --out "$work/mixed.pcap"
"$build/pcapflow-gen" --scenario flood --packets "$flood_packets" --seed 1 --out "$work/flood.pcap"
echo "captures: mixed $packets frames ($(du -m "$work/mixed.pcap" | cut -f1) MiB), flood $flood_packets frames ($(du -m "$work/flood.pcap" | cut -f1) MiB, ~$flows flows)"
# MaxFlows sized to hold every flow: 1048576 for the million flows of the
# target (docs/PERFORMANCE.md), else 10% more than the flows.
max_flows=$((flows <= 1000000 ? 1048576 : flows + flows / 10))

# Each tool: tool_NAME CAPTURE FRAMES; prints (on stderr) the line
# "packets P cpu_seconds C packets_per_cpu_second R ns_per_packet N max_rss_kib K
# user_seconds U sys_seconds S minor_faults F" (bench/cpu_run.c). User
# and system time apart: on this VM the system time of memory touched for
# the first time varies from run to run by more than the engine's gaps.
tool_pcapflow_replay() {
  "$build/cpu-run" "$2" "$build/pcapflow-replay" -m "$max_flows" "${locals[@]}" "$1" 2>&1 >/dev/null |
    grep '^packets ' >&2
}
tool_collectd() { "$root/bench/collectd_file.sh" "$1" "$2" "$max_flows"; }
# The floor twice: libpcap_loop reads the file as a File source does (a
# 256 KiB stdio buffer, not locked: bench/pcap_loop.c), libpcap_plain as
# pcap_open_offline does (stdio's defaults), the bare loop issue 15 names.
tool_libpcap_loop() { "$build/cpu-run" "$2" "$build/pcap-loop" "$1" 2>&1 >/dev/null | grep '^packets ' | tail -n 1 >&2; }
tool_libpcap_plain() { "$build/cpu-run" "$2" "$build/pcap-loop" --plain "$1" 2>&1 >/dev/null | grep '^packets ' | tail -n 1 >&2; }
tool_tcpdump() { "$build/cpu-run" "$2" tcpdump -q -r "$1" -w /dev/null 2>&1 >/dev/null | grep '^packets ' >&2; }
# softflowd: offline mode; exports (NetFlow over UDP) to a loopback port
# where nothing listens; the table holds every flow, as ours does.
tool_softflowd() { "$build/cpu-run" "$2" softflowd -r "$1" -n 127.0.0.1:9 -m "$max_flows" 2>&1 >/dev/null | grep '^packets ' >&2; }
tool_nfpcapd() {
  local d="$work/nfpcapd"
  rm -rf "$d" && mkdir -p "$d"
  "$build/cpu-run" "$2" nfpcapd -r "$1" -l "$d" 2>&1 >/dev/null | grep '^packets ' >&2
  rm -rf "$d"
}
tool_argus() { "$build/cpu-run" "$2" argus -r "$1" -w /dev/null 2>&1 >/dev/null | grep '^packets ' >&2; }
tool_pmacctd() {
  "$build/cpu-run" "$2" pmacctd -I "$1" -P print -O csv \
    -c src_host,dst_host,src_port,dst_port,proto 2>&1 >/dev/null | grep '^packets ' >&2
}

tools=(pcapflow_replay)
((collectd)) && tools+=(collectd)
tools+=(libpcap_loop libpcap_plain)
if ((peers)); then
  command -v tcpdump >/dev/null && tools+=(tcpdump)
  command -v softflowd >/dev/null && tools+=(softflowd)
  command -v nfpcapd >/dev/null && tools+=(nfpcapd)
  command -v argus >/dev/null && tools+=(argus)
  command -v pmacctd >/dev/null && tools+=(pmacctd)
fi
echo "tools: ${tools[*]}; $runs interleaved runs each"

results="$work/results"
: >"$results"
for capture in mixed flood; do
  frames=$packets
  [[ $capture == flood ]] && frames=$flood_packets
  for run in $(seq 1 "$runs"); do
    for t in "${tools[@]}"; do
      sleep "$settle"
      line=$("tool_$t" "$work/$capture.pcap" "$frames" 2>&1 >/dev/null | grep '^packets ' || true)
      if [[ -z "$line" ]]; then
        echo "  $capture run $run: $t failed" >&2
        continue
      fi
      # capture tool packets/CPU-s ns/packet rss_kib user_ns/packet kernel_share faults
      awk -v c="$capture" -v t="$t" '{
        user = $12 + 0; sys = $14 + 0
        share = user + sys > 0 ? sys / (user + sys) : 0
        print c, t, $6, $8, $10, user * 1e9 / $2, share, $16 + 0
      }' <<<"$(tail -n 1 <<<"$line")" >>"$results"
    done
  done
done

echo
echo "== offline: median (min-max) over $runs runs; ratio = pcapflow-replay / tool"
for capture in mixed flood; do
  echo "-- $capture"
  printf '  %-16s %24s %10s %12s %8s %22s %7s %8s\n' tool "M packets/CPU-s" ns/packet "peak RSS MiB" ratio \
    "user ns/packet" kernel faults
  ref=$(awk -v c="$capture" '$1 == c && $2 == "pcapflow_replay" {print $3}' "$results" | sort -n |
    awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')
  for t in "${tools[@]}"; do
    # Each column's median apart (its own order), the spread of two.
    awk -v c="$capture" -v t="$t" '$1 == c && $2 == t' "$results" |
      awk -v t="$t" -v ref="$ref" '
        function sorted(a, n,   i, j, x) {
          for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j > 0 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
        }
        { pps[NR] = $3; ns[NR] = $4; rss[NR] = $5; user[NR] = $6; kern[NR] = $7; flt[NR] = $8 }
        END {
          if (NR == 0) { printf "  %-16s (no result)\n", t; exit }
          sorted(pps, NR); sorted(ns, NR); sorted(rss, NR); sorted(user, NR); sorted(kern, NR); sorted(flt, NR)
          m = int((NR + 1) / 2)
          printf "  %-16s %7.2f (%5.2f-%5.2f) %10.1f %12.1f %7.2fx %8.1f (%5.1f-%5.1f) %6.1f%% %8d\n", t, pps[m] / 1e6,
            pps[1] / 1e6, pps[NR] / 1e6, ns[m], rss[m] / 1024, ref / pps[m], user[m], user[1], user[NR],
            100 * kern[m], flt[m]
        }'
  done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
# floor_ratios CAPTURE COLUMN WHAT FLOOR NAME : the median of results'
# COLUMN for pcapflow-replay and collectd against the FLOOR tool's, as
# packets per WHAT. COLUMN 3 is packets per CPU-second (more is better); 6
# is user ns a packet (less is better), so its ratio is taken the other
# way round.
floor_ratios() {
  awk -v c="$1" -v k="$2" '$1 == c {print $2, $k}' "$results" | sort -k1,1 -k2n |
    awk -v c="$1" -v what="$3" -v floor="$4" -v name="$5" -v per_ns="$(($2 == 6))" '
      function ratio(t) { return per_ns ? m[floor] / m[t] : m[t] / m[floor] }
      { v[$1, ++n[$1]] = $2 }
      END {
        for (t in n) m[t] = v[t, int((n[t] + 1) / 2)]
        if (!(floor in m)) exit
        printf "%s, against %s (packets per %s):", c, name, what
        if ("pcapflow_replay" in m) printf " pcapflow-replay %.2fx", ratio("pcapflow_replay")
        if ("collectd" in m) printf ", collectd %.2fx", ratio("collectd")
        printf "\n"
      }'
}
for capture in mixed flood; do
  for floor in libpcap_plain libpcap_loop; do
    name="the libpcap floor (pcap_open_offline)"
    [[ $floor == libpcap_loop ]] && name="the floor read as a File source reads"
    floor_ratios "$capture" 3 CPU-second "$floor" "$name"
    # The same on user time alone, which first-touch memory does not move.
    floor_ratios "$capture" 6 "user CPU-second" "$floor" "$name"
  done
done

# Instructions, which do not depend on the load: callgrind over the first
# 200,000 frames of the mixed capture, pcapflow-replay and the bare libpcap
# loop.
if command -v valgrind >/dev/null; then
  echo
  echo "== instructions per packet (callgrind, the first 200,000 mixed frames)"
  "$build/pcapflow-gen" --scenario mixed --packets 200000 --seed 1 --out "$work/mixed200k.pcap"
  count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
      awk -F'refs: +' 'NF > 1 {gsub(/,/, "", $2); print $2}'
  }
  total=$(count "$build/pcapflow-replay" -m 400000 "${locals[@]}" "$work/mixed200k.pcap")
  floor=$(count "$build/pcap-loop" "$work/mixed200k.pcap")
  plain=$(count "$build/pcap-loop" --plain "$work/mixed200k.pcap")
  # A File source reads a classic pcap file with its own reader, not
  # libpcap's loop (docs/PERFORMANCE.md, "Reading a file"), so the
  # replay's count is not the loop's plus the engine's.
  awk -v t="$total" -v f="$floor" -v p="$plain" 'BEGIN {
    printf "pcapflow-replay %.0f a packet (its own file reader included), the libpcap loop %.0f (%.0f by pcap_open_offline)\n",
      t / 200000, f / 200000, p / 200000 }'
  # The replay's start, interval set-up and printing are in that count
  # once, not a packet: the same run over the first 2,000 frames alone
  # gives the cost a further frame adds (what is left of the total is
  # that start and the first frames' excess: all their flows new).
  if tcpdump -r "$work/mixed200k.pcap" -c 2000 -w "$work/mixed2k.pcap" 2>/dev/null; then
    short=$(count "$build/pcapflow-replay" -m 400000 "${locals[@]}" "$work/mixed2k.pcap")
    awk -v t="$total" -v s="$short" 'BEGIN {
      printf "pcapflow-replay %.0f a further packet (200,000 frames less the first 2,000; %.1f M of the total is the start)\n",
        (t - s) / 198000, (s - 2000 * (t - s) / 198000) / 1e6 }'
  fi
  rm -f "$work/mixed200k.pcap" "$work/mixed2k.pcap"
fi

if ((huge)); then
  echo
  echo "== $huge flows (MaxFlows $huge): pcapflow-replay, one run"
  hp=$(((huge * 100 + 97) / 98))
  "$build/pcapflow-gen" --scenario flood --packets "$hp" --seed 1 --out "$work/huge.pcap"
  "$build/pcapflow-replay" -t -m "$huge" "${locals[@]}" "$work/huge.pcap" 2>&1 >/dev/null |
    awk -v f="$huge" '/^packets / {
      printf "%s\nns per packet %.1f, peak RSS %.1f MiB, %.1f bytes per flow (everything the process holds)\n",
        $0, $8, $10 / 1024, $10 * 1024 / f }'
  "$build/pcap-loop" "$work/huge.pcap" 2>&1 >/dev/null | sed 's/^/libpcap loop: /'
  rm -f "$work/huge.pcap"
fi

echo
echo "== hot path (build/bench-engine, 1,000,000 flows)"
"$build/bench-engine"

echo
# -a pins the two threads to CPUs 0 and 1 (the one-thread modes to CPU 0):
# unpinned, the bench's fresh threads of every run lose 3-20% of the wall
# to placement (docs/PERFORMANCE.md, "Workers 2", slice workers2mix).
echo "== Workers 2 offline: 1 vs 2 shards on 1 vs 2 threads, fresh and kept tables, threads pinned (build/bench-scaling -a)"
scaling_runs=$((runs < 5 ? 5 : runs))
echo "-- mixed (the first 500,000 frames)"
"$build/bench-scaling" -a -r "$scaling_runs" -n 500000 -m "$max_flows" "${locals[@]}" "$work/mixed.pcap"
echo "-- flood"
"$build/bench-scaling" -a -r "$scaling_runs" -n "$flood_packets" -m "$max_flows" "${locals[@]}" "$work/flood.pcap"

echo
echo "== spinlock: a File source read while a reader snapshots every 1 ms (build/bench-lock)"
for capture in mixed flood; do
  echo "-- $capture"
  "$build/bench-lock" -p 1000 -m "$max_flows" "${locals[@]}" "$work/$capture.pcap"
done

if ((live)); then
  echo
  echo "== live: tcpreplay onto a veth pair, $live_seconds s per run"
  "$root/bench/live.sh" --seconds "$live_seconds" --runs "$runs" ||
    echo "(live bench skipped or failed: status $?)"
  echo
  echo "== live: where the two cores go, Workers 1 and 2 (bench/live_threads.sh)"
  "$root/bench/live_threads.sh" --seconds "$live_seconds" ||
    echo "(skipped or failed: status $?)"
  echo
  echo "== live at 1 Gb/s of the mixed capture (IMIX-like): share of a core, Interval 10 (bench/imix.sh)"
  "$root/bench/imix.sh" --seconds 10 --runs "$runs" ||
    echo "(skipped or failed: status $?)"
  echo
  echo "== live capacity on idle cores: rings filled, then drained, Workers 1 and 2 (bench/live_drain.sh)"
  "$root/bench/live_drain.sh" --runs "$runs" ||
    echo "(skipped or failed: status $?)"
fi
