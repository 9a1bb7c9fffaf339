#!/usr/bin/env bash
# Prometheus end to end: collectd's write_prometheus serves pcapflow's
# metrics for a generated capture; a scrape of the endpoint gives valid
# Prometheus metric and label names (pcapflow has no dash, which
# write_prometheus would copy into a label name), the expected name and
# labels for every series, counters as counters, and ground-truth values.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/stack.sh"
pf_test_init prometheus
pf_need curl

"$GEN" --scenario coverage --seed 13 --out "$WORK/cov.pcap" --truth "$WORK/cov.truth" ||
  pf_fail "generator failed"

host="edge3"
port=$(pf_free_port)
dir="$WORK/collectd"
pcapflow_plugin_dir "$dir/plugins" logfile csv write_prometheus
pf_collectd_conf "$dir" 1
cat >>"$dir/collectd.conf" <<CONF
Hostname "$host"
LoadPlugin write_prometheus
<Plugin write_prometheus>
  Host "127.0.0.1"
  Port "$port"
</Plugin>
LoadPlugin pcapflow
<Plugin pcapflow>
  LocalNetwork "$LOCAL_V4"
  LocalNetwork "$LOCAL_V6"
  <File "$WORK/cov.pcap">
    Instance "cov-1"
  </File>
</Plugin>
CONF
pf_collectd_start "$dir"

total=$(awk '$1 == "packets-captured" {print $2}' "$WORK/cov.truth")
scrape() { curl -sf "http://127.0.0.1:$port/metrics" >"$WORK/metrics"; }
scraped_all() {
  scrape && grep -q "^collectd_pcapflow_packets_total{pcapflow=\"cov-1\",type=\"captured\",instance=\"$host\"} $total " "$WORK/metrics"
}
pf_wait_until 30 scraped_all ||
  pf_fail "no packets captured $total in the scrape: $(grep captured "$WORK/metrics" || true); $(tail -n 3 "$dir/collectd.log")"
sleep 1.5
scrape || pf_fail "scrape failed"
pf_collectd_stop
grep -q '^collectd_pcapflow' "$WORK/metrics" || pf_fail "no pcapflow metrics scraped"

# Every sample line: a valid metric name, valid label names, a number.
awk '/^#/ || /^$/ { next }
{
  name = $0; sub(/\{.*/, "", name)
  if (name !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*$/) { print "bad metric name: " name; bad = 1 }
  labels = $0; sub(/^[^{]*\{/, "", labels); sub(/\}.*/, "", labels)
  n = split(labels, kv, ",")
  for (i = 1; i <= n; i++) { k = kv[i]; sub(/=.*/, "", k)
    if (k !~ /^[a-zA-Z_][a-zA-Z0-9_]*$/) { print "bad label name: " k; bad = 1 } }
} END { exit bad }' "$WORK/metrics" >&2 || pf_fail "the scrape has invalid names"

# pcapflow's series, turned back into "type-type_instance v [v]".
grep '^collectd_pcapflow_' "$WORK/metrics" | awk -v host="$host" '{
  name = $1; sub(/\{.*/, "", name)
  labels = $1; sub(/^[^{]*\{/, "", labels); sub(/\}.*/, "", labels)
  want = "pcapflow=\"cov-1\",type=\"[a-z0-9_]+\",instance=\"" host "\""
  if (labels !~ "^" want "$") { print "unexpected labels: " $1 > "/dev/stderr"; exit 1 }
  ti = labels; sub(/^pcapflow="cov-1",type="/, "", ti); sub(/".*/, "", ti)
  sub(/^collectd_pcapflow_/, "", name); sub(/_total$/, "", name)
  ds = "value"
  if (name ~ /_(rx|tx)$/) { ds = substr(name, length(name) - 1); name = substr(name, 1, length(name) - 3) }
  id = name "-" ti; v[id, ds] = $2; ids[id] = 1
} END {
  for (id in ids) {
    if ((id, "value") in v) print id, v[id, "value"]
    else print id, v[id, "rx"], v[id, "tx"]
  }
}' | LC_ALL=C sort >"$WORK/prometheus" || pf_fail "series with unexpected labels"

HOSTNAME_TEST=$host pf_csv_values "$dir" cov-1 >"$WORK/csv"
diff -u "$WORK/csv" "$WORK/prometheus" >&2 || pf_fail "CSV (-) and Prometheus (+) differ"
pf_compare_truth "$WORK/cov.truth" "$WORK/prometheus" prometheus || pf_fail "scraped values differ from the ground truth"

# DERIVE types are counters (with _total), the gauge is a gauge.
types=$(awk '$1 == "#" && $2 == "TYPE" && $3 ~ /^collectd_pcapflow_/ {print $3, $4}' "$WORK/metrics" | LC_ALL=C sort)
expected_types=$(printf '%s\n' "collectd_pcapflow_gauge gauge" \
  "collectd_pcapflow_if_octets_rx_total counter" "collectd_pcapflow_if_octets_tx_total counter" \
  "collectd_pcapflow_if_packets_rx_total counter" "collectd_pcapflow_if_packets_tx_total counter" \
  "collectd_pcapflow_operations_total counter" "collectd_pcapflow_packets_total counter" | LC_ALL=C sort)
[[ "$types" == "$expected_types" ]] || pf_fail "metric types: got \"$types\""
n=$(wc -l <"$WORK/prometheus")
n_doc=$(grep -cE '^\| `[a-z_]+-[a-z0-9_]+`' "$PCAPFLOW_ROOT/docs/METRICS.md")
[[ $n == "$n_doc" ]] || pf_fail "the scrape holds $n series, METRICS.md lists $n_doc"
pf_pass "$n series scraped in 7 metric families, names and labels valid, values equal CSV and ground truth"
