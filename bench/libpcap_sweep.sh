#!/usr/bin/env bash
# libpcap_sweep.sh - the libpcap settings of a live source against drops and
# CPU per frame (docs/PERFORMANCE.md, "libpcap settings"): tcpreplay at top
# speed onto a veth pair between two test namespaces, collectd with pcapflow
# capturing, for each BufferSize (at the default timeout) and each read
# timeout (at the default BufferSize), Workers 1 and 2, every configuration
# once per round, rounds repeated. CPU is that of the capture threads alone
# (/proc/PID/task/*, threads named pf:*), per frame captured. The timeout is
# no option: the other values come from builds of the plugin with
# -DPF_DEFAULT_TIMEOUT_MS (build/sweep-tN/).
# Usage: bench/libpcap_sweep.sh [--seconds S] [--runs N] [--packets N]
#        [--buffers "MiB..."] [--timeouts "ms..."] [--workers "N..."]
set -euo pipefail
source "$(dirname "$0")/../tests/integration/lib.sh"
source "$(dirname "$0")/options.sh"
seconds=2 runs=3 packets=200000 buffers="2 8 16 32 64 128" timeouts="10 100 1000" workers="1 2"
default_buffer=16 default_timeout=100
bench_options libpcap_sweep.sh seconds runs packets buffers timeouts workers -- "$@"
pf_test_init libpcap_sweep
[[ $(id -u) == 0 ]] || pf_skip "needs root for network namespaces"
command -v tcpreplay >/dev/null || pf_skip "tcpreplay is not installed"
for t in $timeouts; do
  [[ $t == "$default_timeout" ]] && continue
  make -s -C "$PCAPFLOW_ROOT" B="build/sweep-t$t" CFLAGS="-O2 -g -DPF_DEFAULT_TIMEOUT_MS=$t" \
    "build/sweep-t$t/pcapflow.so" >/dev/null
done
pf_netns_init
pf_veth_up
tick=$(getconf CLK_TCK)
# The mixed capture: IMIX-like sizes, Ethernet, at most 1514-byte frames.
"$GEN" --scenario mixed --packets "$packets" --seed 2 --out "$WORK/live.pcap"

# capture_ticks PID : CPU ticks (user + system) of the capture threads.
capture_ticks() {
  local t sum=0
  for t in /proc/"$1"/task/*; do
    [[ "$(cat "$t/comm" 2>/dev/null)" == pf:* ]] || continue
    sum=$((sum + $(awk '{print $14 + $15}' "$t/stat")))
  done
  echo "$sum"
}

# run BUFFER TIMEOUT WORKERS : prints "sent pps captured dropped cpu_s".
run() {
  local buffer=$1 timeout=$2 workers=$3 dir="$WORK/c-$1-$2-$3-$RANDOM"
  local so="$PCAPFLOW_ROOT/build/pcapflow.so"
  [[ $timeout == "$default_timeout" ]] || so="$PCAPFLOW_ROOT/build/sweep-t$timeout/pcapflow.so"
  pf_collectd "$dir" --pcapflow-so "$so" --local --netns "$NS_B" \
    --interface "$VETH_B" Instance veth BufferSize "$buffer" Workers "$workers"
  up() { [[ "$(pf_value "$dir" veth gauge-capture_up)" == "$workers" ]]; }
  pf_wait_until 20 up || pf_fail "collectd did not open $VETH_B: $(tail -n 5 "$dir/collectd.log")"
  local cap0 drop0 t0 t1 out sent pps
  cap0=$(pf_value "$dir" veth packets-captured)
  drop0=$(pf_value "$dir" veth packets-dropped_kernel)
  t0=$(capture_ticks "$COLLECTD_PID")
  out=$(ip netns exec "$NS_A" tcpreplay --topspeed --preload-pcap --loop=0 \
    --duration="$seconds" -i "$VETH_A" "$WORK/live.pcap" 2>&1) || pf_fail "tcpreplay: $out"
  sent=$(awk '/Actual:/ {print $2; exit}' <<<"$out")
  pps=$(awk '/Rated:/ {for (i = 1; i <= NF; i++) if ($i ~ /^pps/) print $(i-1); exit}' <<<"$out" | tr -d ,)
  sleep 1.2 # blocks still open are handed over within the timeout
  t1=$(capture_ticks "$COLLECTD_PID")
  sleep 2.2 # two intervals: the counters reach the CSV files
  local cap drop
  cap=$(($(pf_value "$dir" veth packets-captured) - cap0))
  drop=$(($(pf_value "$dir" veth packets-dropped_kernel) - drop0))
  pf_collectd_stop
  echo "$sent $pps $cap $drop $(awk -v a="$t0" -v b="$t1" -v hz="$tick" 'BEGIN {print (b - a) / hz}')"
}

configs=()
for w in $workers; do
  for b in $buffers; do configs+=("$b $default_timeout $w"); done
  for t in $timeouts; do [[ $t == "$default_timeout" ]] || configs+=("$default_buffer $t $w"); done
done
echo "$(nproc) cores, load average at start $(cut -d' ' -f1-3 /proc/loadavg); $seconds s of top-speed tcpreplay per run, $runs rounds"
results="$WORK/results"
: >"$results"
for round in $(seq 1 "$runs"); do
  for c in "${configs[@]}"; do
    echo "$c $(run $c)" >>"$results"
  done
done
echo "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
printf '  %-7s %-8s %-8s %9s %9s %18s %18s\n' workers "buffer" timeout "k pps" "sent" "dropped % (range)" "ns CPU/frame (range)"
for c in "${configs[@]}"; do
  read -r b t w <<<"$c"
  awk -v b="$b" -v t="$t" -v w="$w" '$1 == b && $2 == t && $3 == w {
      n++; pps[n] = $5; sent[n] = $4; dp[n] = $4 > 0 ? 100 * $7 / $4 : 0; ns[n] = $6 > 0 ? $8 * 1e9 / $6 : 0 }
    function med(a, n,   i, j, x, s) { for (i = 1; i <= n; i++) s[i] = a[i]
      for (i = 2; i <= n; i++) { x = s[i]; for (j = i - 1; j >= 1 && s[j] > x; j--) s[j + 1] = s[j]; s[j + 1] = x }
      lo = s[1]; hi = s[n]; return n % 2 ? s[(n + 1) / 2] : (s[n / 2] + s[n / 2 + 1]) / 2 }
    END {
      m_pps = med(pps, n); m_sent = med(sent, n)
      m_dp = med(dp, n); dlo = lo; dhi = hi
      m_ns = med(ns, n)
      printf "  %-7s %-8s %-8s %9.0f %9.0f %6.2f (%.2f-%.2f) %6.0f (%.0f-%.0f)\n",
        w, b " MiB", t " ms", m_pps / 1e3, m_sent, m_dp, dlo, dhi, m_ns, lo, hi
    }' "$results"
done
cp "$results" "${SWEEP_RESULTS:-/dev/null}" 2>/dev/null || true
pf_pass "libpcap sweep done"
