#!/usr/bin/env bash
# The Grafana dashboards (contrib/grafana): the committed JSON is what
# gen_dashboards.py makes from panels.json, and every query refers to series
# the plugin really emits. One collectd with pcapflow writes to a real
# carbon-cache (write_graphite as docs/DEPLOYMENT.md configures it) and a
# real InfluxDB, and a real Prometheus scrapes its write_prometheus; every
# Graphite target must match stored whisper series, every InfluxDB and
# Prometheus query and template variable must return data. The capture
# (the generator's tcp scenario, then craft_tls.py's connections) gives
# top-N lists, TCP handshakes and TLS server names, so the panels of
# top talkers, services and flows (a Graphite wildcard, an InfluxDB
# type_instance regex) must find more than their `other`. A rules file with
# two classes that both complete handshakes gives the traffic classes row
# (plugin pcapflow_class) its data: every class panel must find more than
# one class. craft_dns.py's DNS messages, merged into the capture, give the
# DNS row (plugin pcapflow_dns) its codes, latency and top domains;
# PortTiming on gives the per-port row (plugin pcapflow_port) the figures
# of other (a file is read before any port is listed). A
# dashboard with one misspelt series, fixed or a family, a class panel
# looking outside pcapflow_class, or a DNS panel outside pcapflow_dns, must
# fail the same check.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/stack.sh"
source "$(dirname "$0")/series.sh"
pf_test_init dashboards
pf_need python3
pf_need mergecap

grafana="$PCAPFLOW_ROOT/contrib/grafana"
mkdir -p "$WORK/gen"
python3 "$grafana/gen_dashboards.py" "$WORK/gen" || pf_fail "gen_dashboards.py failed"
for kind in graphite influxdb prometheus; do
  diff -q "$WORK/gen/pcapflow-$kind.json" "$grafana/pcapflow-$kind.json" >/dev/null ||
    pf_fail "contrib/grafana/pcapflow-$kind.json is not what gen_dashboards.py makes from panels.json: run it and commit"
done

pf_carbon_start "$WORK/carbon"
pf_influxd_start "$WORK/influx"
prom_target=$(pf_free_port)
pf_prometheus_start "$WORK/prometheus" "$prom_target"
# Prometheus applies its targets a few seconds after it starts, and the
# handshake latency of the file is scraped only in the interval it is read
# in: start collectd once Prometheus scrapes (its target is down until then).
prom_scraping() {
  curl -sfG "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode 'query=up{job="collectd"}' |
    grep -q '"job":"collectd"'
}
pf_wait_until 30 prom_scraping || pf_fail "Prometheus does not scrape: $(tail -n 5 "$WORK/prometheus/prometheus.out")"
# The tcp scenario: complete handshakes (the TCP latency panels), many
# flows (all three top-N lists) and every fixed series.
pf_gen cov tcp --seed 14
pf_need editcap mergecap
# DNS for the DNS row (plugin pcapflow_dns): craft_dns.py's queries of
# several types and rcodes, answered and not, and four domains, a second
# into the tcp scenario's span, merged in time order.
t0=$(python3 -c 'import struct, sys; print(struct.unpack_from("<I", open(sys.argv[1], "rb").read(), 24)[0] + 1)' "$WORK/cov.pcap")
python3 "$PCAPFLOW_ROOT/tests/integration/craft_dns.py" --t0 "$t0" "$WORK/dns.pcap" "$WORK/dns.truth" cov ||
  pf_fail "cannot write the DNS capture"
mv "$WORK/cov.pcap" "$WORK/tcp.pcap"
mergecap -F pcap -w "$WORK/cov.pcap" "$WORK/tcp.pcap" "$WORK/dns.pcap" || pf_fail "mergecap failed"
# ...and after it, TLS connections naming several servers (craft_tls.py,
# its times moved to just after the tcp scenario's 168 s): the TLS row.
python3 "$PCAPFLOW_ROOT/tests/integration/craft_tls.py" "$WORK/tls.pcap" "$WORK/tls.truth" >/dev/null ||
  pf_fail "cannot write the TLS capture"
editcap -F pcap -t $((1767225768 - 1700000000)) "$WORK/tls.pcap" "$WORK/tls_late.pcap" &&
  mergecap -F pcap -a -w "$WORK/cov_tls.pcap" "$WORK/cov.pcap" "$WORK/tls_late.pcap" &&
  mv "$WORK/cov_tls.pcap" "$WORK/cov.pcap" || pf_fail "cannot append the TLS capture"

# The tcp scenario's servers listen on ports 80 and 443, alternately.
printf 'classes:\n  - name: web\n    protocol: tcp\n    port: 80\n  - name: tls\n    protocol: tcp\n    port: 443\n' \
  >"$WORK/rules.yaml"

host="fleet.host1"
dir="$WORK/collectd"
pf_collectd "$dir" --hostname "$host" --plugin write_graphite --plugin network \
  --plugin write_prometheus --local --opt RulesFile "$WORK/rules.yaml" \
  --file "$WORK/cov.pcap" Instance cov CollectTopFlows true PortTiming true --stdin <<CONF
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
<Plugin write_prometheus>
  Host "127.0.0.1"
  Port "$prom_target"
</Plugin>
CONF

pf_doc_series --top-flows
pf_doc_dns_series
pf_doc_tls_series
whisper="$WORK/carbon/storage/whisper"
graphite_series() { (cd "$whisper" && find . -name '*.wsp' | sed -e 's|^\./||' -e 's|\.wsp$||' -e 's|/|.|g' | LC_ALL=C sort); }
# Every documented identifier in Graphite (top-N lists included: the
# tcp capture gives all three), and a few intervals in InfluxDB, so
# that rates have two points to come from.
# The source's own series (pcapflow-cov), apart from its classes'
# (pcapflow_class-cov: every series of its three classes, 3 x (2 + 2 + 1),
# and pcapflow_class-cov-p50 … -max: the handshake latency of two, 2 x 4).
graphite_complete() {
  graphite_series | awk -F. '$3 == "pcapflow-cov" {print $4}' | LC_ALL=C sort -u >"$WORK/graphite.ids"
  [[ -z "$(pf_ids_problems "$WORK/graphite.ids")$(pf_families_missing "$WORK/graphite.ids")" &&
    $(graphite_series | grep -c '\.pcapflow_class-cov\.') -ge 15 &&
    $(graphite_series | grep -cE '\.pcapflow_class-cov-(p50|p90|p99|max)\.') -ge 8 &&
    $(graphite_series | grep -c '\.pcapflow_tls-cov\.bytes-top_sni_') -ge 3 &&
    $(graphite_series | grep -cF '.pcapflow_dns-cov.count-top_domain_') -ge 5 &&
    $(graphite_series | grep -cF '.pcapflow_dns-cov.duration-dns_') -eq 4 &&
    $(graphite_series | grep -cE '\.pcapflow_port-cov-tcp_(response|rtt_tx)_p90\.duration-other$') -eq 2 &&
    -z "$(plugin_missing dns)$(plugin_missing tls)" ]]
}
# plugin_missing dns|tls : the fixed series of plugin pcapflow_dns or
# pcapflow_tls that carbon has not stored yet (it writes what it queued in
# its own time, so they may come after the source's; on a loaded machine
# the TLS ones once came after the wait for the DNS ones had ended).
plugin_missing() {
  graphite_series | awk -F. -v p="pcapflow_$1-cov" '$3 == p {print $4}' | LC_ALL=C sort -u |
    LC_ALL=C comm -13 - "$WORK/$1.fixed"
}
# The latency figures are scraped only while collectd dispatches them (the
# interval the file was read in), then marked stale: look back over time.
# The panels' rates over 5 s need two scrapes within 5 s: wait for a rate
# too (on a loaded machine scrapes time out at the 1 s interval, and every
# rate panel once read "no data"; another time the DNS ones alone did).
# prom_has QUERY [PLUGIN] : the query has data for source cov of PLUGIN.
prom_has() {
  curl -sfG "http://127.0.0.1:$PROM_PORT/api/v1/query_range" --data-urlencode "query=$1" \
    --data-urlencode "start=$(($(date +%s) - 600))" --data-urlencode "end=$(date +%s)" --data-urlencode step=1 |
    grep -q "\"${2:-pcapflow}\":\"cov\""
}
prom_ready() {
  prom_has 'rate(collectd_pcapflow_if_octets_rx_total{pcapflow="cov"}[5s])' &&
    prom_has 'rate(collectd_pcapflow_dns_dns_qtype_total{pcapflow_dns="cov"}[5s])' pcapflow_dns &&
    prom_has 'rate(collectd_pcapflow_dns_dns_rcode_total{pcapflow_dns="cov"}[5s])' pcapflow_dns &&
  curl -sfG "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=collectd_pcapflow_packets_total" |
    grep -q '"pcapflow":"cov"' &&
    curl -sfG "http://127.0.0.1:$PROM_PORT/api/v1/query" \
      --data-urlencode "query=max_over_time(collectd_pcapflow_class_duration_seconds[10m])" |
    grep -q '"pcapflow_class":"cov-p90"' &&
    curl -sfG "http://127.0.0.1:$PROM_PORT/api/v1/query" \
      --data-urlencode "query=max_over_time(collectd_pcapflow_dns_duration_seconds[10m])" |
    grep -q '"pcapflow_dns":"cov"' &&
    curl -sfG "http://127.0.0.1:$PROM_PORT/api/v1/query" \
      --data-urlencode "query=max_over_time(collectd_pcapflow_port_duration_seconds[10m])" |
    grep -q '"pcapflow_port":"cov-tcp_response_p90"'
}
influx_points() {
  pf_influx "SELECT count(\"value\") FROM \"pcapflow_value\" WHERE \"type_instance\" = 'captured'" 2>/dev/null |
    awk -F, 'NR == 2 {print $3}'
}
influx_ready() { [[ "$(influx_points)" -ge 3 ]] 2>/dev/null; }
pf_wait_until 40 graphite_complete || pf_fail "carbon holds $(graphite_series | wc -l) series: $(pf_ids_problems "$WORK/graphite.ids") $(pf_families_missing "$WORK/graphite.ids"); classes: $(graphite_series | grep -F .pcapflow_class- | tr '\n' ' '); DNS missing: $(plugin_missing dns | tr '\n' ' '); TLS missing: $(plugin_missing tls | tr '\n' ' ')"
pf_wait_until 40 influx_ready || pf_fail "InfluxDB holds $(influx_points) points of packets-captured"
pf_wait_until 40 prom_ready || pf_fail "Prometheus has not scraped pcapflow's series: $(tail -n 5 "$WORK/prometheus/prometheus.out")"
pf_collectd_stop
graphite_series >"$WORK/graphite.series"

check=(python3 "$PCAPFLOW_ROOT/tests/integration/dashboard_check.py")
url="http://127.0.0.1:$INFLUX_HTTP_PORT"
prom=(--prometheus "$grafana/pcapflow-prometheus.json" "http://127.0.0.1:$PROM_PORT")
out=$("${check[@]}" "${prom[@]}" "$grafana/pcapflow-graphite.json" "$WORK/graphite.series" \
  "$grafana/pcapflow-influxdb.json" "$url" "$host" cov web,tls,unclassified 2>&1) || pf_fail "dashboards refer to series the plugin does not emit:
$out"

pf_check_ids "carbon" "$WORK/graphite.ids"

# refused NAME CLASSES WANT... : the dashboards $WORK/NAME-{graphite,
# influxdb,prometheus}.json (each changed from the committed one) must fail
# the check (with CLASSES as the run's classes, "" for none), and its output
# must match every WANT.
refused() {
  local name=$1 classes=$2 kind want bad
  shift 2
  for kind in graphite influxdb prometheus; do
    ! cmp -s "$WORK/$name-$kind.json" "$grafana/pcapflow-$kind.json" || pf_fail "could not make the $name $kind dashboard"
  done
  bad=$("${check[@]}" --prometheus "$WORK/$name-prometheus.json" "${prom[2]}" "$WORK/$name-graphite.json" \
    "$WORK/graphite.series" "$WORK/$name-influxdb.json" "$url" "$host" cov $classes 2>&1) &&
    pf_fail "the $name dashboards passed the check"
  for want in "$@"; do
    grep -q "$want" <<<"$bad" || pf_fail "the check did not name the $name panel ($want): $bad"
  done
}

# The check must catch a misspelt series in every dashboard, a fixed one
# and a family of top-N series alike.
sed -e 's/if_octets-tcp\.rx/if_octets-tcpx.rx/' -e 's/bytes-top_port_\*/bytes-top_prt_*/' \
  "$grafana/pcapflow-graphite.json" >"$WORK/bad-graphite.json"
sed -e "s/'tcp_syn'/'tcp_synx'/" -e 's|=~ /^top_port_/|=~ /^top_prt_/|' \
  "$grafana/pcapflow-influxdb.json" >"$WORK/bad-influxdb.json"
sed -e 's/type=\\"tcp_syn\\"/type=\\"tcp_synx\\"/' -e 's/type=~\\"top_port_/type=~\\"top_prt_/' \
  "$grafana/pcapflow-prometheus.json" >"$WORK/bad-prometheus.json"
refused bad "" 'if_octets-tcpx.rx matches no stored series' 'bytes-top_prt_\* matches no stored series' \
  "influxdb .*no data for .*tcp_synx" "influxdb .*no data for .*top_prt_" \
  "prometheus .*no data for .*tcp_synx" "prometheus .*no data for .*top_prt_"
# ...and a class panel that looks at the source's own series, or at the
# wrong plugin instance for the classes' latency.
sed -e 's/pcapflow_class-\$source\.if_octets-\*/pcapflow-$source.if_octets-*/' \
  -e 's/pcapflow_class-\$source-p90\.duration-\*/pcapflow_class-$source-p91.duration-*/' \
  "$grafana/pcapflow-graphite.json" >"$WORK/class-graphite.json"
sed -e 's|FROM \\"pcapflow_class_value\\"|FROM \\"pcapflow_value\\"|g' -e 's|/^\$source-p90\$/|/^$source$/|g' \
  "$grafana/pcapflow-influxdb.json" >"$WORK/class-influxdb.json"
sed -e 's/collectd_pcapflow_class_current_connections{instance=~\\"\$host\\", pcapflow_class=~\\"\$source\\"/collectd_pcapflow_current_connections{instance=~\\"$host\\", pcapflow=~\\"$source\\"/' \
  "$grafana/pcapflow-prometheus.json" >"$WORK/class-prometheus.json"
refused class web,tls,unclassified "graphite 'Bits by class': draws .*'tcp'" \
  'pcapflow_class-\$source-p91.duration-\* matches no stored series' \
  "influxdb 'Active flows by class': draws .*'flows_" "influxdb 'TCP handshake p90 by class.*no data" \
  "prometheus 'Active flows by class': draws .*'flows_"
# ...and a DNS panel that looks for its series under the source's plugin
# instead of pcapflow_dns, or for a latency figure that is not sent.
sed -e 's/pcapflow_dns-\$source\.dns_rcode-\*/pcapflow-$source.dns_rcode-*/' -e 's/duration-dns_p90/duration-dns_p91/' \
  "$grafana/pcapflow-graphite.json" >"$WORK/dns-graphite.json"
sed -e "s/FROM \\\\\"pcapflow_dns_value\\\\\" WHERE \\\\\"type\\\\\" = 'dns_rcode'/FROM \\\\\"pcapflow_value\\\\\" WHERE \\\\\"type\\\\\" = 'dns_rcode'/" \
  -e "s/'dns_p90'/'dns_p91'/" "$grafana/pcapflow-influxdb.json" >"$WORK/dns-influxdb.json"
sed -e 's/collectd_pcapflow_dns_dns_rcode_total{instance=~\\"\$host\\", pcapflow_dns=~/collectd_pcapflow_dns_rcode_total{instance=~\\"$host\\", pcapflow=~/' \
  -e 's/type=\\"dns_p90\\"/type=\\"dns_p91\\"/' "$grafana/pcapflow-prometheus.json" >"$WORK/dns-prometheus.json"
refused dns "" 'pcapflow-\$source.dns_rcode-\* matches no stored series' 'duration-dns_p91 matches no stored series' \
  "influxdb 'DNS responses by rcode'.*no data" "influxdb 'DNS latency.*no data for .*dns_p91" \
  "prometheus 'DNS responses by rcode'.*no data" "prometheus 'DNS latency.*no data for .*dns_p91"
# ...and latency percentiles summed over hosts, as the dashboards did before.
sed 's/maxSeries(\(\$prefix[^)]*duration-\)/sumSeries(\1/' "$grafana/pcapflow-graphite.json" >"$WORK/sum-graphite.json"
sed 's/SELECT max(\\"v\\") FROM (SELECT mean(\\"value\\") AS \\"v\\" FROM \\"pcapflow_seconds/SELECT sum(\\"v\\") FROM (SELECT mean(\\"value\\") AS \\"v\\" FROM \\"pcapflow_seconds/' \
  "$grafana/pcapflow-influxdb.json" >"$WORK/sum-influxdb.json"
sed 's/"max(collectd_pcapflow_duration_seconds/"sum(collectd_pcapflow_duration_seconds/' \
  "$grafana/pcapflow-prometheus.json" >"$WORK/sum-prometheus.json"
refused sum "" "graphite 'Handshake latency.*sums latency percentiles" \
  "influxdb 'Handshake latency.*sums latency percentiles" "prometheus 'Handshake latency.*sums latency percentiles"
# ...and a family that only matches its `other`.
sed 's/bytes-top_host_\*/bytes-top_host_oth*/' "$grafana/pcapflow-graphite.json" >"$WORK/other-graphite.json"
sed 's|=~ /^top_host_/|=~ /^top_host_oth/|' "$grafana/pcapflow-influxdb.json" >"$WORK/other-influxdb.json"
sed 's/type=~\\"top_host_/type=~\\"top_host_oth/' "$grafana/pcapflow-prometheus.json" >"$WORK/other-prometheus.json"
refused other "" 'bytes-top_host_oth\* matches only bytes-top_host_other' "influxdb .*only .*top_host_oth" \
  "prometheus .*only .*top_host_oth"

# METRICS.md's label_replace recipes ("Where the percentile is") split the
# glued labels: the source's figure and percentile, a class's source and
# percentile, as labels of their own, over the run's data.
awk '/^```promql$/ { on = 1; q = ""; next } on && /^```$/ { print q; on = 0; next } on { q = q $0 " " }' \
  "$PCAPFLOW_ROOT/docs/METRICS.md" >"$WORK/recipes"
[[ $(wc -l <"$WORK/recipes") == 2 ]] || pf_fail "METRICS.md has $(wc -l <"$WORK/recipes") promql recipes, expected 2"
split_labels() {
  curl -sfG "http://127.0.0.1:$PROM_PORT/api/v1/query_range" --data-urlencode "query=$1" \
    --data-urlencode "start=$(($(date +%s) - 600))" --data-urlencode "end=$(date +%s)" --data-urlencode step=1 |
    python3 -c 'import json, sys
for r in json.load(sys.stdin)["data"]["result"]:
    m = r["metric"]
    print(m.get("pcapflow", m.get("pcapflow_class", "")), m.get("type", ""), m.get("percentile", ""), m.get("figure", "-"))' | LC_ALL=C sort -u
}
split_labels "$(sed -n 1p "$WORK/recipes")" >"$WORK/split_source"
split_labels "$(sed -n 2p "$WORK/recipes")" >"$WORK/split_class"
for want in "cov tcp_handshake p90 -" "cov tcp_syn_synack max -" "cov tcp_synack_ack p50 -" "cov tcp_response p90 -" "cov tcp_rtt_tx max -"; do
  grep -qx "$want" "$WORK/split_source" || pf_fail "the source's recipe does not give \"$want\": $(tr '\n' ';' <"$WORK/split_source")"
done
# Three classes with handshakes: web, tls, and unclassified (the DNS
# capture's retry over TCP on port 53, the TLS connections on port 8443).
for want in "cov web p90 tcp_handshake" "cov tls max tcp_handshake" "cov unclassified p50 tcp_handshake" "cov web p90 tcp_response" "cov tls max tcp_rtt_rx"; do
  grep -qx "$want" "$WORK/split_class" || pf_fail "the class recipe does not give \"$want\": $(tr '\n' ';' <"$WORK/split_class")"
done
# 7 figures x 4 percentiles for the source; 5 (the handshake and the 4 TCP
# timing figures) x 4 for each of the 3 classes (the TLS connections' data
# gives the unclassified class every timing figure too).
[[ $(wc -l <"$WORK/split_source") == 28 && $(wc -l <"$WORK/split_class") == 60 ]] ||
  pf_fail "the recipes split into $(wc -l <"$WORK/split_source") source and $(wc -l <"$WORK/split_class") class series, expected 28 and 60"

pf_pass "$out; METRICS.md's label_replace recipes split source, figure, class and percentile"
