#!/usr/bin/env bash
# The Grafana dashboards (contrib/grafana): the committed JSON is what
# gen_dashboards.py makes from panels.json, and every query refers to series
# the plugin really emits. One collectd with pcapflow writes to a real
# carbon-cache (write_graphite as docs/DEPLOYMENT.md configures it) and a
# real InfluxDB; every Graphite target must match stored whisper series,
# every InfluxDB query and template variable must return data. The capture
# (the generator's tcp scenario) gives top-N lists and TCP handshakes, so the panels of
# top talkers, services and flows (a Graphite wildcard, an InfluxDB
# type_instance regex) must find more than their `other`. A rules file with
# two classes that both complete handshakes gives the traffic classes row
# (plugin instance "cov-class") its data: every class panel must find more
# than one class. A dashboard with one misspelt series, fixed or a family,
# or a class panel looking outside "<source>-class", must fail the same
# check.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/stack.sh"
source "$(dirname "$0")/series.sh"
pf_test_init dashboards
pf_need python3

grafana="$PCAPFLOW_ROOT/contrib/grafana"
mkdir -p "$WORK/gen"
python3 "$grafana/gen_dashboards.py" "$WORK/gen" || pf_fail "gen_dashboards.py failed"
for kind in graphite influxdb; do
  diff -q "$WORK/gen/pcapflow-$kind.json" "$grafana/pcapflow-$kind.json" >/dev/null ||
    pf_fail "contrib/grafana/pcapflow-$kind.json is not what gen_dashboards.py makes from panels.json: run it and commit"
done

pf_carbon_start "$WORK/carbon"
pf_influxd_start "$WORK/influx"
# The tcp scenario: complete handshakes (the TCP latency panels), many
# flows (all three top-N lists) and every fixed series.
pf_gen cov tcp --seed 14

# The tcp scenario's servers listen on ports 80 and 443, alternately.
printf 'classes:\n  - name: web\n    protocol: tcp\n    port: 80\n  - name: tls\n    protocol: tcp\n    port: 443\n' \
  >"$WORK/rules.yaml"

host="fleet.host1"
dir="$WORK/collectd"
pf_collectd "$dir" --hostname "$host" --plugin write_graphite --plugin network \
  --local --opt RulesFile "$WORK/rules.yaml" --file "$WORK/cov.pcap" Instance cov --stdin <<CONF
<Plugin write_graphite>
  <Node "carbon">
    Host "127.0.0.1"
    Port "$CARBON_PORT"
    Protocol "tcp"
    Prefix "collectd."
    EscapeCharacter "_"
  </Node>
</Plugin>
<Plugin network>
  Server "127.0.0.1" "$INFLUX_COLLECTD_PORT"
</Plugin>
CONF

pf_doc_series
whisper="$WORK/carbon/storage/whisper"
graphite_series() { (cd "$whisper" && find . -name '*.wsp' | sed -e 's|^\./||' -e 's|\.wsp$||' -e 's|/|.|g' | LC_ALL=C sort); }
# Every documented identifier in Graphite (top-N lists included: the
# tcp capture gives all three), and a few intervals in InfluxDB, so
# that rates have two points to come from.
# The source's own series (pcapflow-cov), apart from its classes'
# (pcapflow-cov-class: every series of its three classes, with the handshake
# latency of two: 3 x (2 + 2 + 1) + 2 x 4).
graphite_complete() {
  graphite_series | awk -F. '$3 == "pcapflow-cov" {print $4}' | LC_ALL=C sort -u >"$WORK/graphite.ids"
  [[ -z "$(pf_ids_problems "$WORK/graphite.ids")$(pf_families_missing "$WORK/graphite.ids")" &&
    $(graphite_series | grep -c '\.pcapflow-cov-class\.') -ge 23 ]]
}
influx_points() {
  pf_influx "SELECT count(\"value\") FROM \"pcapflow_value\" WHERE \"type_instance\" = 'captured'" 2>/dev/null |
    awk -F, 'NR == 2 {print $3}'
}
influx_ready() { [[ "$(influx_points)" -ge 3 ]] 2>/dev/null; }
pf_wait_until 40 graphite_complete || pf_fail "carbon holds $(graphite_series | wc -l) series: $(pf_ids_problems "$WORK/graphite.ids")"
pf_wait_until 40 influx_ready || pf_fail "InfluxDB holds $(influx_points) points of packets-captured"
pf_collectd_stop
graphite_series >"$WORK/graphite.series"

check=(python3 "$PCAPFLOW_ROOT/tests/integration/dashboard_check.py")
url="http://127.0.0.1:$INFLUX_HTTP_PORT"
out=$("${check[@]}" "$grafana/pcapflow-graphite.json" "$WORK/graphite.series" \
  "$grafana/pcapflow-influxdb.json" "$url" "$host" cov web,tls,unclassified 2>&1) || pf_fail "dashboards refer to series the plugin does not emit:
$out"

pf_check_ids "carbon" "$WORK/graphite.ids"

# The check must catch a misspelt series in either dashboard, a fixed one
# and a family of top-N series alike.
sed -e 's/if_octets-tcp\.rx/if_octets-tcpx.rx/' -e 's/bytes-top_port_\*/bytes-top_prt_*/' \
  "$grafana/pcapflow-graphite.json" >"$WORK/bad-graphite.json"
sed -e "s/'tcp_syn'/'tcp_synx'/" -e 's|=~ /^top_port_/|=~ /^top_prt_/|' \
  "$grafana/pcapflow-influxdb.json" >"$WORK/bad-influxdb.json"
! cmp -s "$WORK/bad-graphite.json" "$grafana/pcapflow-graphite.json" &&
  ! cmp -s "$WORK/bad-influxdb.json" "$grafana/pcapflow-influxdb.json" || pf_fail "could not make the bad dashboards"
bad=$("${check[@]}" "$WORK/bad-graphite.json" "$WORK/graphite.series" "$WORK/bad-influxdb.json" "$url" "$host" cov 2>&1) &&
  pf_fail "a misspelt series passed the check"
for want in 'if_octets-tcpx.rx matches no stored series' 'bytes-top_prt_\* matches no stored series' \
  "no data for .*tcp_synx" "no data for .*top_prt_"; do
  grep -q "$want" <<<"$bad" || pf_fail "the check did not name the misspelt series ($want): $bad"
done
# ...and a class panel that looks at the source's own instance, or misses
# the classes' type.
sed -e 's/pcapflow-\$source-class\.if_octets-\*/pcapflow-$source.if_octets-*/' \
  -e "s/pcapflow-\$source-class\.latency-tcp_handshake_\*_p90/pcapflow-\$source-class.latency-tcp_handshak_*_p90/" \
  "$grafana/pcapflow-graphite.json" >"$WORK/class-graphite.json"
sed 's|/^\$source-class\$/|/^$source$/|g' \
  "$grafana/pcapflow-influxdb.json" >"$WORK/class-influxdb.json"
! cmp -s "$WORK/class-graphite.json" "$grafana/pcapflow-graphite.json" &&
  ! cmp -s "$WORK/class-influxdb.json" "$grafana/pcapflow-influxdb.json" || pf_fail "could not make the bad class dashboards"
bad=$("${check[@]}" "$WORK/class-graphite.json" "$WORK/graphite.series" "$WORK/class-influxdb.json" "$url" "$host" cov web,tls,unclassified 2>&1) &&
  pf_fail "a class panel outside <source>-class passed the check"
for want in "graphite 'Bits by class': draws .*'all'" 'tcp_handshak_\*_p90 matches no stored series' \
  "influxdb 'Active flows by class': draws .*'flows'" "influxdb 'TCP handshake p90 by class.*no data"; do
  grep -q "$want" <<<"$bad" || pf_fail "the check did not name the bad class panel ($want): $bad"
done
# ...and a family that only matches its `other`.
sed 's/bytes-top_host_\*/bytes-top_host_oth*/' "$grafana/pcapflow-graphite.json" >"$WORK/other-graphite.json"
sed 's|=~ /^top_host_/|=~ /^top_host_oth/|' "$grafana/pcapflow-influxdb.json" >"$WORK/other-influxdb.json"
bad=$("${check[@]}" "$WORK/other-graphite.json" "$WORK/graphite.series" "$WORK/other-influxdb.json" "$url" "$host" cov 2>&1) &&
  pf_fail "a top-N panel that finds only \"other\" passed the check"
grep -q 'bytes-top_host_oth\* matches only bytes-top_host_other' <<<"$bad" && grep -q "only .*top_host_oth" <<<"$bad" ||
  pf_fail "the check did not name the top-N panel that finds only \"other\": $bad"
pf_pass "$out"
