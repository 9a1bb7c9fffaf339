#!/usr/bin/env bash
# graphs.sh - `make graphs`: a real collectd with pcapflow and the rrdtool
# plugin watches a veth while tcpreplay sends the generator's mixed capture
# (pcapflow-gen --scenario mixed --seed 1, the same bytes on every machine)
# across it in three phases of different rates; then `rrdtool graph` draws
# the main series into PNG files in OUT (default build/graphs). Needs root
# (network namespaces). Prints the packets sent and where the files are.
source "$(dirname "$0")/../tests/integration/lib.sh"
pf_test_init graphs
OUT=${OUT:-$PCAPFLOW_ROOT/build/graphs}
for c in rrdtool tcpreplay; do
  command -v "$c" >/dev/null || pf_fail "$c is not installed (make deps installs it)"
done
[[ $(id -u) == 0 ]] || pf_fail "make graphs needs root for its network namespaces"
pf_netns_init
pf_veth_up

"$GEN" --scenario mixed --packets 20000 --seed 1 --out "$WORK/mixed.pcap" >/dev/null ||
  pf_fail "generator failed"

dir="$WORK/collectd"
pcapflow_plugin_dir "$dir/plugins" logfile csv rrdtool
pf_collectd_conf "$dir" 1
cat >>"$dir/collectd.conf" <<CONF
LoadPlugin rrdtool
<Plugin rrdtool>
  DataDir "$dir/rrd"
  StepSize 1
  HeartBeat 5
  RRARows 1200
</Plugin>
LoadPlugin pcapflow
<Plugin pcapflow>
  LocalNetwork "$LOCAL_V4"
  LocalNetwork "$LOCAL_V6"
  <Interface "$VETH_B">
    Instance "uplink"
  </Interface>
</Plugin>
CONF
pf_collectd_start "$dir" ip netns exec "$NS_B"
pf_wait_until 20 grep -qs "capturing on \"$VETH_B\"" "$dir/collectd.log" ||
  pf_fail "capture did not start: $(tail -n 5 "$dir/collectd.log")"
sleep 3
start=$(date +%s)

# Three phases: steady, a burst, quieter; each from the start of the file.
sent=0
for phase in "2000 16000" "6000 20000" "1000 8000"; do
  read -r pps limit <<<"$phase"
  out=$(ip netns exec "$NS_A" tcpreplay --pps="$pps" --limit="$limit" -i "$VETH_A" "$WORK/mixed.pcap" 2>&1) ||
    pf_fail "tcpreplay: $out"
  n=$(awk '/Actual:/ {print $2; exit}' <<<"$out")
  sent=$((sent + n))
  sleep 2
done
captured_all() { [[ "$(pf_value "$dir" uplink packets-captured)" == "$sent" ]]; }
pf_wait_until 20 captured_all || pf_fail "captured $(pf_value "$dir" uplink packets-captured) of $sent"
sleep 2
end=$(date +%s)
pf_collectd_stop

rrd="$dir/rrd/$HOSTNAME_TEST/pcapflow-uplink"
mkdir -p "$OUT"
rm -f "$OUT"/*.png
common=(--start "$((start - 2))" --end "$end" --width 760 --height 220 --slope-mode
  --color BACK#ffffff --color CANVAS#ffffff --color SHADEA#ffffff --color SHADEB#ffffff
  --font DEFAULT:9: --watermark "collectd-pcapflow, rrdtool")

# Bits per second by transport, received up, transmitted down.
args=()
colors=(tcp#1f77b4 udp#ff7f0e icmp#2ca02c icmpv6#9467bd other#7f7f7f)
for c in "${colors[@]}"; do
  name=${c%%#*} color=${c#*#}
  args+=("DEF:${name}_rx=$rrd/if_octets-$name.rrd:rx:AVERAGE" "DEF:${name}_tx=$rrd/if_octets-$name.rrd:tx:AVERAGE"
    "CDEF:${name}_in=${name}_rx,8,*" "CDEF:${name}_out=${name}_tx,-8,*")
done
first=1
for c in "${colors[@]}"; do
  name=${c%%#*} color=${c#*#}
  if ((first)); then
    args+=("AREA:${name}_in#$color:$name")
    first=0
  else
    args+=("AREA:${name}_in#$color:$name:STACK")
  fi
done
first=1
for c in "${colors[@]}"; do
  name=${c%%#*} color=${c#*#}
  if ((first)); then args+=("AREA:${name}_out#$color"); first=0; else args+=("AREA:${name}_out#$color::STACK"); fi
done
args+=("HRULE:0#000000" "COMMENT:received above the axis, transmitted below\\c")
rrdtool graph "$OUT/traffic.png" "${common[@]}" --title "Traffic by transport (bit/s)" \
  --vertical-label "bit/s" "${args[@]}" >/dev/null

# Packets per second by size, received and transmitted together.
args=()
first=1
for c in size_0_64#4e79a7 size_65_127#f28e2b size_128_255#e15759 size_256_511#76b7b2 \
  size_512_1023#59a14f size_1024_1518#edc948 size_1519_max#b07aa1; do
  name=${c%%#*} color=${c#*#}
  args+=("DEF:${name}_rx=$rrd/if_rx_packets-$name.rrd:value:AVERAGE" "DEF:${name}_tx=$rrd/if_tx_packets-$name.rrd:value:AVERAGE"
    "CDEF:$name=${name}_rx,${name}_tx,+")
  if ((first)); then args+=("AREA:$name#$color:${name#size_}"); first=0; else args+=("AREA:$name#$color:${name#size_}:STACK"); fi
done
rrdtool graph "$OUT/sizes.png" "${common[@]}" --title "Packets by size (packets/s, bytes)" \
  --vertical-label "packets/s" "${args[@]}" >/dev/null

# TCP flags.
args=()
for c in tcp_syn#1f77b4 tcp_synack#2ca02c tcp_fin#ff7f0e tcp_rst#d62728; do
  name=${c%%#*} color=${c#*#}
  args+=("DEF:$name=$rrd/protocol_counter-$name.rrd:value:AVERAGE" "LINE2:$name#$color:${name#tcp_}")
done
rrdtool graph "$OUT/tcp_flags.png" "${common[@]}" --title "TCP flags (segments/s, both directions)" \
  --vertical-label "segments/s" "${args[@]}" >/dev/null

# Capture health.
rrdtool graph "$OUT/health.png" "${common[@]}" --title "Capture health" --vertical-label "packets/s" \
  "DEF:captured=$rrd/packets-captured.rrd:value:AVERAGE" \
  "DEF:kernel=$rrd/packets-dropped_kernel.rrd:value:AVERAGE" \
  "DEF:iface=$rrd/packets-dropped_interface.rrd:value:AVERAGE" \
  "DEF:malformed_rx=$rrd/if_packets-malformed.rrd:rx:AVERAGE" \
  "DEF:malformed_tx=$rrd/if_packets-malformed.rrd:tx:AVERAGE" \
  "CDEF:malformed=malformed_rx,malformed_tx,+" \
  "AREA:captured#9ecae1:captured" "LINE2:kernel#d62728:dropped by the kernel" \
  "LINE2:iface#ff7f0e:dropped by the interface" "LINE2:malformed#6a3d9a:malformed" >/dev/null

cp -r "$dir/rrd/$HOSTNAME_TEST" "$OUT/rrd"
echo "graphs: $sent packets replayed and captured; $(ls "$OUT"/*.png | wc -l) graphs in $OUT"
