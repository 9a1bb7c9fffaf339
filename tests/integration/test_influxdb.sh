#!/usr/bin/env bash
# InfluxDB end to end: collectd's network plugin sends pcapflow's metrics for
# a generated capture, signed, to a real InfluxDB 1.x collectd listener that
# decodes them with collectd's types.db (pcapflow ships no types of its
# own); the influx client reads back exactly the expected measurements,
# tags and the generator's ground-truth values.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/stack.sh"
pf_test_init influxdb

printf 'fleet: s3cret-fleet-key\n' >"$WORK/auth_file"
pf_influxd_start "$WORK/influx" "  security-level = \"sign\"
  auth-file = \"$WORK/auth_file\""

"$GEN" --scenario coverage --seed 12 --out "$WORK/cov.pcap" --truth "$WORK/cov.truth" ||
  pf_fail "generator failed"

host="edge2"
dir="$WORK/collectd"
pcapflow_plugin_dir "$dir/plugins" logfile csv network
pf_collectd_conf "$dir" 1
cat >>"$dir/collectd.conf" <<CONF
Hostname "$host"
LoadPlugin network
<Plugin network>
  <Server "127.0.0.1" "$INFLUX_COLLECTD_PORT">
    SecurityLevel Sign
    Username "fleet"
    Password "s3cret-fleet-key"
  </Server>
</Plugin>
LoadPlugin pcapflow
<Plugin pcapflow>
  LocalNetwork "$LOCAL_V4"
  LocalNetwork "$LOCAL_V6"
  <File "$WORK/cov.pcap">
    Instance "cov"
  </File>
</Plugin>
CONF
pf_collectd_start "$dir"

total=$(awk '$1 == "packets-captured" {print $2}' "$WORK/cov.truth")
# "measurement,tags,time,value" -> "measurement tags value", tags in key order.
influx_rows() {
  pf_influx "SELECT last(\"value\") FROM /^pcapflow_/ WHERE time > now() - 10m GROUP BY *" 2>/dev/null |
    awk -F'"' '$0 !~ /^name,/ && NF == 3 { split($1, a, ","); n = split($3, b, ","); print a[1], $2, b[n] }'
}
stored_all() {
  influx_rows | grep -q "^pcapflow_value host=$host,instance=cov,type=packets,type_instance=captured $total\$"
}
pf_wait_until 40 stored_all ||
  pf_fail "InfluxDB has no packets-captured $total for $host/cov: $(influx_rows | grep captured || true); influxd: $(tail -n 3 "$WORK/influx/influxd.out")"
sleep 1.5 # one more interval: the totals stay as they are
pf_collectd_stop

# Measurements and tag keys are exactly the ones dashboards query.
pf_influx 'SHOW MEASUREMENTS' | awk -F, 'NR > 1 {print $2}' >"$WORK/measurements"
printf 'pcapflow_rx\npcapflow_tx\npcapflow_value\n' | diff -u - "$WORK/measurements" >&2 ||
  pf_fail "measurements differ"
pf_influx 'SHOW TAG KEYS' | awk -F, '$1 != "name" {print $2}' | LC_ALL=C sort -u >"$WORK/tagkeys"
printf 'host\ninstance\ntype\ntype_instance\n' | diff -u - "$WORK/tagkeys" >&2 || pf_fail "tag keys differ"

# Back to "type-type_instance rx tx" / "type-type_instance value".
influx_rows >"$WORK/rows"
awk -v host="$host" '{
  split($2, kv, ","); for (i in kv) { split(kv[i], p, "="); t[p[1]] = p[2] }
  if (t["host"] != host || t["instance"] != "cov") { print "bad tags: " $0 > "/dev/stderr"; exit 1 }
  id = t["type"] "-" t["type_instance"]
  m = $1; sub(/^pcapflow_/, "", m)
  v[id, m] = $3; ids[id] = 1
} END {
  for (id in ids) {
    if ((id, "value") in v) print id, v[id, "value"]
    else print id, v[id, "rx"], v[id, "tx"]
  }
}' "$WORK/rows" | LC_ALL=C sort >"$WORK/influx.values" || pf_fail "rows with unexpected tags"

HOSTNAME_TEST=$host pf_csv_values "$dir" cov >"$WORK/csv"
diff -u "$WORK/csv" "$WORK/influx.values" >&2 || pf_fail "CSV (-) and InfluxDB (+) differ"
pf_compare_truth "$WORK/cov.truth" "$WORK/influx.values" influxdb || pf_fail "InfluxDB values differ from the ground truth"
n=$(wc -l <"$WORK/influx.values")
n_doc=$(grep -cE '^\| `[a-z_]+-[a-z0-9_]+`' "$PCAPFLOW_ROOT/docs/METRICS.md")
[[ $n == "$n_doc" ]] || pf_fail "InfluxDB holds $n series, METRICS.md lists $n_doc"
pf_pass "$n series in pcapflow_{rx,tx,value} tagged host/instance/type/type_instance, values equal CSV and ground truth"
