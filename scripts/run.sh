#!/usr/bin/env bash
# run.sh - `make run`: collectd in the foreground with pcapflow capturing on
# this machine's default interface. Metrics scroll past on the terminal
# (write_log) and are kept on disk as CSV under run/csv. Ctrl-C stops it.
set -euo pipefail
source "$(dirname "$0")/collectd-env.sh"

iface=${PCAPFLOW_INTERFACE:-$(ip route show default 2>/dev/null | awk '/default/ {print $5; exit}')}
iface=${iface:-any}
interval=${PCAPFLOW_INTERVAL:-5}
dir=${PCAPFLOW_RUN_DIR:-"$PCAPFLOW_ROOT/run"}
rules=${PCAPFLOW_RULES:-"$PCAPFLOW_ROOT/collectd.conf.d/pcapflow.yaml"}

mkdir -p "$dir/csv"
pcapflow_plugin_dir "$dir/plugins" logfile write_log csv
{
  pcapflow_conf_header "$dir" "$interval"
  cat <<CONF

LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File STDOUT
  Timestamp true
</Plugin>

LoadPlugin write_log
<Plugin write_log>
  Format Graphite
</Plugin>

LoadPlugin csv
<Plugin csv>
  DataDir "$dir/csv"
  StoreRates false
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

echo "pcapflow: capturing on \"$iface\", every ${interval} s; CSV files in $dir/csv; Ctrl-C stops."
echo "pcapflow: configuration: $dir/collectd.conf"
exec "$COLLECTD_BIN" -f -C "$dir/collectd.conf"
