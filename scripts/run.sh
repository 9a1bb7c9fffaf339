#!/usr/bin/env bash
# run.sh - `make run`: collectd in the background with pcapflow capturing on
# this machine's default interface and the unixsock plugin, and in the
# foreground the live view (pcapflow-top) reading it through that socket.
# q or Ctrl-C quits the view and stops the collectd this script started.
# collectd's log and its CSV files are kept under run/.
set -euo pipefail
source "$(dirname "$0")/collectd-env.sh"

iface=${PCAPFLOW_INTERFACE:-$(ip route show default 2>/dev/null | awk '/default/ {print $5; exit}')}
iface=${iface:-any}
interval=${PCAPFLOW_INTERVAL:-2}
dir=${PCAPFLOW_RUN_DIR:-"$PCAPFLOW_ROOT/run"}
rules=${PCAPFLOW_RULES:-"$PCAPFLOW_ROOT/collectd.conf.d/pcapflow.yaml"}
top="$PCAPFLOW_ROOT/build/pcapflow-top"

mkdir -p "$dir/csv"
# A socket's path has room for 107 bytes; a deep checkout gets one in /tmp.
sock="$dir/collectd-unixsock"
if ((${#sock} > 100)); then
  sock="$(mktemp -d /tmp/pcapflow-run.XXXXXX)/collectd-unixsock"
fi
rm -f "$sock" # a socket left by a collectd that did not stop
pcapflow_plugin_dir "$dir/plugins" logfile csv unixsock
{
  pcapflow_conf_header "$dir" "$interval"
  cat <<CONF

LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File "$dir/collectd.log"
  Timestamp true
</Plugin>

LoadPlugin csv
<Plugin csv>
  DataDir "$dir/csv"
  StoreRates false
</Plugin>

# What the live view reads (pcapflow-top -s SOCKET), as collectdctl would.
LoadPlugin unixsock
<Plugin unixsock>
  SocketFile "$sock"
  SocketPerms "0660"
</Plugin>

LoadPlugin pcapflow
<Plugin pcapflow>
  # The example traffic classes (docs/RULES.md): edit the file while this
  # runs and the classes change at the next interval.
  RulesFile "$rules"
  Interface "$iface"
</Plugin>
CONF
} >"$dir/collectd.conf"

: >"$dir/collectd.log"
"$COLLECTD_BIN" -f -C "$dir/collectd.conf" >>"$dir/collectd.log" 2>&1 &
collectd_pid=$!
stop_collectd() {
  kill -TERM "$collectd_pid" 2>/dev/null || return 0
  local i
  for i in $(seq 1 100); do
    kill -0 "$collectd_pid" 2>/dev/null || break
    sleep 0.1
  done
  wait "$collectd_pid" 2>/dev/null || true
  echo "pcapflow: collectd stopped; its log: $dir/collectd.log"
}
trap stop_collectd EXIT
trap 'exit 129' HUP
trap 'exit 143' TERM

# The socket appears once collectd has read its configuration.
for i in $(seq 1 100); do
  [[ -S "$sock" ]] && break
  if ! kill -0 "$collectd_pid" 2>/dev/null; then
    echo "pcapflow: collectd did not start:" >&2
    tail -n 20 "$dir/collectd.log" >&2
    exit 1
  fi
  sleep 0.1
done

echo "pcapflow: capturing on \"$iface\" every ${interval} s; configuration $dir/collectd.conf"
echo "pcapflow: the live view: $top -s $sock"
# Reading collectd four times an interval, the view's totals see every update.
delay=$(awk -v i="$interval" 'BEGIN { d = i / 4; print (d < 0.1 ? 0.1 : d) }')
"$top" -s "$sock" -d "$delay"
