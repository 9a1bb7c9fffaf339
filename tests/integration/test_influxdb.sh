#!/usr/bin/env bash
# InfluxDB end to end: collectd's network plugin sends pcapflow's metrics for
# a generated capture, signed, to a real InfluxDB 1.x collectd listener that
# decodes them with collectd's types.db (pcapflow ships no types of its
# own); the influx client reads back exactly the expected measurements and
# tags, every row collectd's own CSV of the run holds at the same time (the
# per-interval top-N bytes and distinct counts included), METRICS.md's
# series (its fixed DNS ones exactly) and the generator's ground-truth values.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/stack.sh"
source "$(dirname "$0")/series.sh"
pf_test_init influxdb

printf 'fleet: s3cret-fleet-key\n' >"$WORK/auth_file"
pf_influxd_start "$WORK/influx" "  security-level = \"sign\"
  auth-file = \"$WORK/auth_file\""

pf_gen cov coverage --seed 12

host="edge2"
dir="$WORK/collectd"
pf_collectd "$dir" --hostname "$host" --plugin network --local --file "$WORK/cov.pcap" Instance cov --stdin <<CONF
<Plugin network>
  <Server "127.0.0.1" "$INFLUX_COLLECTD_PORT">
    SecurityLevel Sign
    Username "fleet"
    Password "s3cret-fleet-key"
  </Server>
</Plugin>
CONF

total=$(pf_truth_value "$WORK/cov.truth" packets-captured)
# "measurement,tags,time,value" -> "measurement tags value", tags in key order.
influx_rows() {
  pf_influx "SELECT last(\"value\") FROM /^pcapflow_/ WHERE time > now() - 10m GROUP BY *" 2>/dev/null |
    awk -F'"' '$0 !~ /^name,/ && NF == 3 { split($1, a, ","); n = split($3, b, ","); print a[1], $2, b[n] }'
}
stored_all() {
  influx_rows | grep -c >/dev/null "^pcapflow_value host=$host,instance=cov,type=packets,type_instance=captured $total\$"
}
pf_wait_until 40 stored_all ||
  pf_fail "InfluxDB has no packets-captured $total for $host/cov: $(influx_rows | grep captured || true); influxd: $(tail -n 3 "$WORK/influx/influxd.out")"
sleep 1.5 # more intervals: the totals stay, the per-interval values drop to 0
pf_collectd_stop

# Measurements and tag keys are exactly the ones dashboards query.
pf_influx 'SHOW MEASUREMENTS' | awk -F, 'NR > 1 {print $2}' >"$WORK/measurements"
# DNS (on by default) under plugin pcapflow_dns: dns_octets's two values
# are its queries and responses. TLS (on by default) under pcapflow_tls.
printf '%s\n' pcapflow_dns_queries pcapflow_dns_responses pcapflow_dns_value pcapflow_rx pcapflow_tls_value \
  pcapflow_tx pcapflow_value |
  diff -u - "$WORK/measurements" >&2 ||
  pf_fail "measurements differ"
pf_influx 'SHOW TAG KEYS' | awk -F, '$1 != "name" {print $2}' | LC_ALL=C sort -u >"$WORK/tagkeys"
printf 'host\ninstance\ntype\ntype_instance\n' | diff -u - "$WORK/tagkeys" >&2 || pf_fail "tag keys differ"

# influx_points PLUGIN DS1 DS2 : every point of PLUGIN (measurements
# PLUGIN_value, PLUGIN_DS1, PLUGIN_DS2), back to "type-type_instance time
# ds1 ds2" / "... time value", time in seconds.
influx_points() {
  local plugin=$1 ds1=$2 ds2=$3
  pf_influx "SELECT \"value\" FROM /^${plugin}_(value|$ds1|$ds2)\$/ WHERE time > now() - 10m GROUP BY *" 2>/dev/null |
    awk -F'"' '$0 !~ /^name,/ && NF == 3 { split($1, a, ","); n = split($3, b, ","); print a[1], $2, b[n - 1], b[n] }' |
    awk -v host="$host" -v plugin="$plugin" -v ds1="$ds1" -v ds2="$ds2" "$PF_AWK_NORM"'{
      delete t; split($2, kv, ","); for (i in kv) { split(kv[i], p, "="); t[p[1]] = p[2] }
      if (t["host"] != host || t["instance"] != "cov") { print "bad tags: " $0 > "/dev/stderr"; exit 1 }
      id = t["type"] (t["type_instance"] == "" ? "" : "-" t["type_instance"]) # dns_octets has none
      m = substr($1, length(plugin) + 2)
      k = id " " $3; v[k, m] = norm($4); if (!(k in keys)) order[++n] = k; keys[k] = 1
    } END {
      for (i = 1; i <= n; i++) {
        k = order[i]; split(k, p, " "); time = sprintf("%.3f", p[2] / 1e9)
        if ((k, "value") in v) print p[1], time, v[k, "value"]
        else print p[1], time, v[k, ds1], v[k, ds2]
      }
    }' | LC_ALL=C sort -k1,1 -k2,2n
}

# Every row of collectd's own CSV of the run, at the same time, with the
# same value (InfluxDB keeps every digit of a GAUGE; CSV six decimals):
# counters, flow gauges, the top-N bytes and the distinct counts of every
# interval. The network plugin sends what is left in its buffer at shutdown
# and InfluxDB writes a batch every 200 ms, so wait for the last ones.
HOSTNAME_TEST=$host pf_csv_rows "$dir" cov >"$WORK/csv.rows"
[[ -s "$WORK/csv.rows" ]] || pf_fail "no CSV for pcapflow-cov"
HOSTNAME_TEST=$host pf_csv_rows "$dir" cov pcapflow_dns >"$WORK/csv_dns.rows"
[[ -s "$WORK/csv_dns.rows" ]] || pf_fail "no CSV for pcapflow_dns-cov"
HOSTNAME_TEST=$host pf_csv_rows "$dir" cov pcapflow_tls >"$WORK/csv_tls.rows"
[[ -s "$WORK/csv_tls.rows" ]] || pf_fail "no CSV for pcapflow_tls-cov"
influx_matches() {
  influx_points pcapflow rx tx >"$WORK/influx.rows" 2>"$WORK/influx.err" || return 1
  pf_rows_differ "$WORK/csv.rows" "$WORK/influx.rows" 0.002 >"$WORK/rows.diff" || return 1
  influx_points pcapflow_dns queries responses >"$WORK/influx_dns.rows" 2>"$WORK/influx.err" || return 1
  pf_rows_differ "$WORK/csv_dns.rows" "$WORK/influx_dns.rows" 0.002 >"$WORK/rows.diff" || return 1
  influx_points pcapflow_tls rx tx >"$WORK/influx_tls.rows" 2>"$WORK/influx.err" || return 1
  pf_rows_differ "$WORK/csv_tls.rows" "$WORK/influx_tls.rows" 0.002 >"$WORK/rows.diff"
}
if ! pf_wait_until 20 influx_matches; then
  [[ -s "$WORK/influx.err" ]] && pf_fail "rows with unexpected tags: $(head -n 3 "$WORK/influx.err")"
  cat "$WORK/rows.diff" >&2
  pf_fail "CSV (first) and InfluxDB (second) differ"
fi

pf_doc_series
pf_last_rows "$WORK/influx.rows" >"$WORK/influx.values"
pf_check_ids InfluxDB "$WORK/influx.values"
pf_compare_truth <(pf_truth_totals "$WORK/cov.truth") "$WORK/influx.values" influxdb ||
  pf_fail "InfluxDB values differ from the ground truth"
pf_top_sums_differ "$WORK/influx.rows" "$WORK/cov.truth" >&2 ||
  pf_fail "InfluxDB's top-N values do not add up to the capture's IP bytes"
# The capture has no port-53 packet: exactly METRICS.md's fixed DNS series,
# all 0.
pf_doc_dns_series
pf_last_rows "$WORK/influx_dns.rows" >"$WORK/influx_dns.values"
pf_check_dns_quiet InfluxDB "$WORK/influx_dns.values"
# No TLS hello either: exactly METRICS.md's fixed TLS series, all 0.
pf_doc_tls_series
pf_last_rows "$WORK/influx_tls.rows" >"$WORK/influx_tls.values"
pf_check_tls_quiet InfluxDB "$WORK/influx_tls.values"
n=$(wc -l <"$WORK/influx.values")
pf_pass "$n series ($PF_DOC_FIXED fixed, $((n - PF_DOC_FIXED)) top-N) in pcapflow_{rx,tx,value} and $PF_DNS_FIXED in pcapflow_dns_{queries,responses,value}, $PF_TLS_FIXED in pcapflow_tls_value tagged host/instance/type/type_instance, $(wc -l <"$WORK/influx.rows") rows equal CSV; values equal ground truth"
