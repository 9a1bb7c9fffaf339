#!/usr/bin/env bash
# collectd_file.sh FILE PACKETS MAXFLOWS - the engine inside a real collectd:
# a private collectd reads FILE through a pcapflow `File` source; prints the
# CPU time collectd used for it (from /proc/PID/stat, less the CPU of a
# start-up on a one-packet capture) and its peak RSS, in the format of
# bench/cpu_run.c (user and system seconds and minor faults apart, less
# the start-up's too). All are read after the first read callback that
# follows the end of the file (Interval 1), which hands the last interval's
# flows to the top-N lists (docs/METRICS.md, "Top N"): that work counts too.
# Needs build/pcapflow.so and build/pcapflow-gen.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/collectd-env.sh"
file=$1 packets=$2 max_flows=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/pcapflow-bench-collectd.XXXXXX")
pid=
cleanup() {
  if [[ -n "$pid" ]]; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
tick=$(getconf CLK_TCK)

# run_one CAPTURE : starts collectd on CAPTURE, waits (at most 300 s) for
# the end-of-file log line, prints "user_seconds sys_seconds minor_faults
# peak_rss_kib", stops it.
run_one() {
  local capture=$1 d
  d=$(mktemp -d "$work/run.XXXXXX")
  pcapflow_plugin_dir "$d/plugins" logfile
  {
    pcapflow_conf_header "$d" 1
    cat <<CONF
LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File "$d/collectd.log"
</Plugin>
LoadPlugin pcapflow
<Plugin pcapflow>
  LocalNetwork "198.18.0.0/16"
  LocalNetwork "2001:db8:1::/48"
  MaxFlows $max_flows
  File "$capture"
</Plugin>
CONF
  } >"$d/collectd.conf"
  "$COLLECTD_BIN" -f -C "$d/collectd.conf" >"$d/out" 2>&1 &
  pid=$!
  local i
  for i in $(seq 1 3000); do
    grep -q 'to its end' "$d/collectd.log" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || { cat "$d/out" "$d/collectd.log" >&2; return 1; }
    sleep 0.1
  done
  grep -q 'to its end' "$d/collectd.log" || { echo "collectd_file: no end of file in 300 s" >&2; return 1; }
  sleep 1.5 # a read after the end: the last interval's flows are fed
  local stat rss
  stat=$(awk '{print $14, $15, $10}' "/proc/$pid/stat") # utime stime minflt
  rss=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null || true
  pid=
  awk -v hz="$tick" -v r="$rss" '{printf "%.3f %.3f %d %d\n", $1 / hz, $2 / hz, $3, r}' <<<"$stat"
}

"$root/build/pcapflow-gen" --scenario mixed --packets 1 --out "$work/one.pcap"
read -r base_user base_sys base_faults _ < <(run_one "$work/one.pcap")
read -r user sys faults rss < <(run_one "$file")
awk -v p="$packets" -v u="$user" -v s="$sys" -v f="$faults" -v r="$rss" \
  -v bu="$base_user" -v bs="$base_sys" -v bf="$base_faults" 'BEGIN {
  u -= bu; s -= bs; f -= bf
  if (u < 0) u = 0
  if (s < 0) s = 0
  c = u + s; if (c <= 0) c = 0.001
  printf "packets %d cpu_seconds %.3f packets_per_cpu_second %.0f ns_per_packet %.1f max_rss_kib %d user_seconds %.3f sys_seconds %.3f minor_faults %d\n",
    p, c, p / c, c * 1e9 / p, r, u, s, f
}' >&2
