#!/usr/bin/env bash
# rrd_churn.sh - the disk collectd's rrdtool plugin needs for pcapflow on a
# busy host whose top-N names churn (docs/CONFIG.md, "Sizing"). An hour of
# traffic (bench/churn_pcap.py: 20 new sessions a second, 72,000 flows with
# fresh ephemeral ports, clients from a long tail of 20,000 addresses) is
# replayed onto a veth at --speed times its pace into one collectd with two
# sources on the same link: "now" with the default switches, "old" with
# the earlier defaults (TopSeriesLimit 1000 and the top flows on). collectd
# reads every second and the RRD files are created with a 10 s step, as
# Debian's stock collectd.conf makes them (Interval 10), so --speed 10
# gives the files of an hour at the stock settings in 6 minutes.
# Prints, per source: RRD files, their bytes, and when the names ran out.
# Usage: bench/rrd_churn.sh [--seconds S] [--speed X]
set -euo pipefail
source "$(dirname "$0")/../tests/integration/lib.sh"
seconds=3600 speed=10
while (($#)); do
  case $1 in
  --seconds) seconds=$2; shift ;;
  --speed) speed=$2; shift ;;
  *) echo "rrd_churn.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
pf_test_init bench_rrd_churn
[[ $(id -u) == 0 ]] || pf_skip "needs root for network namespaces"
command -v tcpreplay >/dev/null || pf_skip "tcpreplay is not installed"
pf_netns_init
pf_veth_up
python3 "$PCAPFLOW_ROOT/bench/churn_pcap.py" "$WORK/churn.pcap" "$seconds" 20 1

dir="$WORK/collectd"
pcapflow_plugin_dir "$dir/plugins" logfile csv rrdtool
pf_collectd_conf "$dir" 1
{
  cat <<CONF
LoadPlugin rrdtool
<Plugin rrdtool>
  DataDir "$dir/rrd"
  StepSize 10
  HeartBeat 20
</Plugin>
LoadPlugin pcapflow
<Plugin pcapflow>
  LocalNetwork "198.18.0.0/16"
  LocalNetwork "2001:db8:1::/48"
  <Interface "$VETH_B">
    Instance "now"
  </Interface>
  <Interface "$VETH_B">
    Instance "old"
    TopSeriesLimit 1000
    CollectTopFlows true
  </Interface>
</Plugin>
CONF
} >>"$dir/collectd.conf"
pf_collectd_start "$dir" ip netns exec "$NS_B"
pf_wait_until 20 grep -q "capturing on \"$VETH_B\"" "$dir/collectd.log" ||
  pf_fail "capture did not start: $(cat "$dir/collectd.log")"
start=$(date +%s)
sent=$(pf_replay "$WORK/churn.pcap" --multiplier="$speed")
sleep 3
pf_collectd_stop
echo "rrd_churn: $sent frames, $seconds s of traffic replayed in $(($(date +%s) - start)) s"
for s in now old; do
  d="$dir/rrd/$HOSTNAME_TEST/pcapflow-$s"
  files=$(find "$d" -name '*.rrd' | wc -l)
  top=$(find "$d" -name 'bytes-top_*.rrd' | wc -l)
  bytes=$(du -sb "$d" | awk '{print $1}')
  echo "rrd_churn: $s: $files files ($top top-N), $((bytes / 1000000)) MB"
done
echo "rrd_churn: one-value file $(stat -c %s "$dir/rrd/$HOSTNAME_TEST/pcapflow-now/packets-captured.rrd") bytes, rx/tx file $(stat -c %s "$dir/rrd/$HOSTNAME_TEST/pcapflow-now/if_octets-tcp.rrd") bytes"
grep "series names" "$dir/collectd.log" || echo "rrd_churn: no list ran out of names"
