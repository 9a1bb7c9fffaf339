#!/usr/bin/env bash
# The report switches (docs/CONFIG.md, "Choosing what to report") with a
# real collectd: every configuration of docs/METRICS.md's "Series per
# configuration" table, each as a source of its own over the same capture
# (the tcp scenario: handshakes, so the latency figures too), writes exactly
# the number of fixed series the table gives (the top-N lists aside, whose
# names come from the traffic); booleans are taken the way collectd's
# cf_util_get_boolean takes them (unquoted true/false/on/off, and the words
# as strings, with its warning); and no source without a rules file writes
# anything under pcapflow_class.
source "$(dirname "$0")/lib.sh"
pf_test_init report_switches

doc="$PCAPFLOW_ROOT/docs/METRICS.md"
# The table's rows: "name|options|fixed series".
awk -F'|' '/^\| configuration \| options \| fixed series \|$/ { on = 1; next }
  on && /^\| --- / { next }
  on && !/^\|/ { exit }
  on { for (i = 2; i <= 4; i++) { gsub(/`/, "", $i); gsub(/^ +| +$/, "", $i) }
    print $2 "|" $3 "|" $4 }' "$doc" >"$WORK/configs"
[[ $(wc -l <"$WORK/configs") -ge 4 ]] || pf_fail "could not read the configurations of $doc"

"$GEN" --scenario tcp --seed 5 --out "$WORK/tcp.pcap" || pf_fail "generator failed"
dir="$WORK/collectd"
pcapflow_plugin_dir "$dir/plugins" logfile csv
pf_collectd_conf "$dir" 1
{
  echo "LoadPlugin pcapflow"
  echo "<Plugin pcapflow>"
  echo "  LocalNetwork \"$LOCAL_V4\""
  n=0
  while IFS='|' read -r name options want; do
    n=$((n + 1))
    echo "  <File \"$WORK/tcp.pcap\">"
    echo "    Instance \"c$n\""
    tr ';' '\n' <<<"$options" | sed -E 's/^ +//; /^$/d; s/^/    /'
    echo "  </File>"
  done <"$WORK/configs"
  # The same switches, written as strings and in the parser's own words:
  # sizes, TCP health (and timing) and flows off: 105 - 14 - 34 - 7.
  cat <<CONF
  <File "$WORK/tcp.pcap">
    Instance "words"
    ReportBySize "no"
    TcpAnalysis off
    CollectFlows "OFF"
  </File>
</Plugin>
CONF
} >>"$dir/collectd.conf"
pf_collectd_start "$dir"

# fixed SOURCE : the series written for SOURCE, the top-N lists aside.
fixed() { pf_csv_values "$dir" "$1" | awk '$1 !~ /^bytes-top_/' | wc -l; }
all_written() {
  local i=0 name options want
  while IFS='|' read -r name options want; do
    i=$((i + 1))
    [[ "$(fixed "c$i")" -ge "$want" ]] || return 1
  done <"$WORK/configs"
  [[ "$(fixed words)" -ge 50 ]]
}
pf_wait_until 30 all_written || true
sleep 1.5 # one more interval: nothing more may come
pf_collectd_stop

i=0
while IFS='|' read -r name options want; do
  i=$((i + 1))
  got=$(fixed "c$i")
  [[ "$got" == "$want" ]] || pf_fail "$name ($options): $got fixed series written, METRICS.md says $want: $(pf_csv_values "$dir" "c$i" | awk '{print $1}' | tr '\n' ' ')"
done <"$WORK/configs"
[[ "$(fixed words)" == 50 ]] || pf_fail "booleans as words: $(fixed words) fixed series written, expected 50"
grep -qF "pcapflow: option \`ReportBySize \"no\"': a boolean given as a string is deprecated in collectd" "$dir/collectd.log" ||
  pf_fail "no warning for a boolean given as a string: $(grep pcapflow "$dir/collectd.log")"
! compgen -G "$dir/csv/$HOSTNAME_TEST/pcapflow_class*" >/dev/null || pf_fail "series of traffic classes without a rules file"
# Per-protocol totals alone: the protocol family and nothing else.
c3=$(pf_csv_values "$dir" c3 | awk '{print $1}' | sed -E 's/-.*//' | sort -u | tr '\n' ' ')
[[ "$c3" == "if_octets if_packets io_octets io_packets ipt_bytes ipt_packets " ]] ||
  pf_fail "per-protocol totals wrote the types $c3"
pf_pass "$i configurations write the series METRICS.md counts; booleans as collectd takes them"
