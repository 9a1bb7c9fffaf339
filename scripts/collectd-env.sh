# collectd-env.sh - sourced by scripts and tests: builds a private collectd
# set-up in a folder (PluginDir with copied stock plugins, since collectd
# refuses symlinked plugins), so nothing touches the system's collectd.

PCAPFLOW_ROOT=${PCAPFLOW_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
STOCK_PLUGIN_DIR=${STOCK_PLUGIN_DIR:-/usr/lib/collectd}
COLLECTD_BIN=${COLLECTD_BIN:-/usr/sbin/collectd}

# pcapflow_plugin_dir DIR PLUGIN... : DIR gets pcapflow.so and the named
# stock plugins (hard links where possible, copies otherwise).
pcapflow_plugin_dir() {
  local dir=$1
  shift
  mkdir -p "$dir"
  cp -f "$PCAPFLOW_ROOT/build/pcapflow.so" "$dir/pcapflow.so"
  local p
  for p in "$@"; do
    ln -f "$STOCK_PLUGIN_DIR/$p.so" "$dir/$p.so" 2>/dev/null ||
      cp -f "$STOCK_PLUGIN_DIR/$p.so" "$dir/$p.so"
  done
}

# pcapflow_conf_header DIR INTERVAL : the global part of a collectd.conf
# whose plugins, pid file and data all live in DIR.
pcapflow_conf_header() {
  local dir=$1 interval=$2
  cat <<CONF
BaseDir     "$dir"
PIDFile     "$dir/collectd.pid"
PluginDir   "$dir/plugins"
TypesDB     "/usr/share/collectd/types.db"
FQDNLookup  false
Interval    $interval
ReadThreads 2
CONF
}
