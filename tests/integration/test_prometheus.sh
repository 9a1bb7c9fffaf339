#!/usr/bin/env bash
# Prometheus end to end: collectd's write_prometheus serves pcapflow's
# metrics for a generated capture; a scrape of the endpoint gives valid
# Prometheus metric and label names (pcapflow has no dash, which
# write_prometheus would copy into a label name), the expected name and
# labels for every series, counters as counters and gauges as gauges; every
# sample of every scrape equals collectd's own CSV row of that series at the
# sample's time (so the top-N bytes and distinct counts of the interval the
# file was read in too), and the last scrape the ground truth; the DNS
# series (plugin pcapflow_dns) and the TLS ones (pcapflow_tls) are exactly
# METRICS.md's fixed ones.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/stack.sh"
source "$(dirname "$0")/series.sh"
pf_test_init prometheus
pf_need curl

pf_gen cov coverage --seed 13

host="edge3"
total=$(pf_truth_value "$WORK/cov.truth" packets-captured)
csv_count="count-distinct_src_hosts"

# start_collectd N : collectd N of this test (its folder $dir) with
# write_prometheus on a new port ($port). False when another process took
# the port before write_prometheus bound it (collectd runs on without it).
start_collectd() {
  port=$(pf_free_port)
  dir="$WORK/collectd.$1"
  pf_collectd "$dir" --hostname "$host" --plugin write_prometheus --local \
    --file "$WORK/cov.pcap" Instance cov-1 --stdin <<CONF
<Plugin write_prometheus>
  Host "127.0.0.1"
  Port "$port"
</Plugin>
CONF
  pf_pid_listens "$COLLECTD_PID" "$port" && return 0
  grep -qF "Opening a listening socket for [127.0.0.1]:$port failed" "$dir/collectd.log" ||
    pf_fail "write_prometheus does not listen on $port: $(grep -i prometheus "$dir/collectd.log" | tail -n 3)"
  pf_collectd_stop
  return 1
}

# Every scrape is kept: write_prometheus shows a series' latest value only,
# so the top-N bytes and distinct counts of the interval the file was read
# in are seen only by the scrapes made before the next interval, a window
# of one second (collectd's CSV has their one non-zero row). Scrape until
# one has seen the total and one the non-zero distinct counts (not
# necessarily the same one: a scrape may come while collectd is still
# dispatching the interval). A scrape that shows a distinct count of a
# later time than that row, none having seen it, proves the window missed
# (a test starved for a second on a loaded machine): collectd starts again
# from the file, three times in all.
scrape() {
  curl -sf -m 5 "http://127.0.0.1:$port/metrics" >"$WORK/metrics" &&
    cp "$WORK/metrics" "$WORK/scrapes/$(date +%s.%N)"
}
# window_time : the time (ms) of the CSV row where the distinct count is
# non-zero; nothing before collectd has written it.
window_time() {
  cat "$dir/csv/$host/pcapflow-cov-1/$csv_count"-* 2>/dev/null |
    awk -F, '$1 ~ /^[0-9]/ && $2 > 0 { printf "%.0f\n", $1 * 1000; exit }'
}
scraped_all() {
  local shown since
  scrape || return 1
  grep -q "^collectd_pcapflow_packets_total{pcapflow=\"cov-1\",type=\"captured\",instance=\"$host\"} $total " "$WORK/metrics" &&
    seen_total=true
  awk '/^collectd_pcapflow_count\{/ && $2 > 0 { n++ } END { exit n != 3 }' "$WORK/metrics" && seen_counts=true
  $seen_total && $seen_counts && return 0
  # Missed: the scrape's distinct count is of a later read than the row.
  since=$(window_time)
  shown=$(awk -v t="type=\"${csv_count#count-}\"" 'index($1, "collectd_pcapflow_count{") == 1 && index($1, t) { print $3 }' "$WORK/metrics")
  [[ -n $since && -n $shown ]] && ((shown > since + 500)) && missed=true
  $missed
}
seen_total=false seen_counts=false
for attempt in 1 2 3; do
  start_collectd "$attempt" || { echo "  (the port of write_prometheus was taken; collectd starts again)" && continue; }
  rm -rf "$WORK/scrapes" && mkdir -p "$WORK/scrapes"
  seen_total=false seen_counts=false missed=false
  pf_wait_until 30 scraped_all && ! $missed && break
  $missed ||
    pf_fail "no scrape with packets captured $total ($seen_total) or with non-zero distinct counts ($seen_counts): $(grep -h -e captured -e distinct_src "$WORK"/scrapes/* || true); $(tail -n 3 "$dir/collectd.log")"
  echo "  (collectd $attempt: no scrape within the second its distinct counts were shown ($(ls "$WORK/scrapes" | wc -l) scrapes); collectd starts again)"
  pf_collectd_stop
done
$seen_total && $seen_counts || pf_fail "3 collectd runs, and no scrape saw the interval the file was read in"
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
} END { exit bad }' "$WORK"/scrapes/* >&2 || pf_fail "the scrape has invalid names"

# prom_rows PLUGIN DS1 DS2 SCRAPE... : PLUGIN's samples as
# "type-type_instance time v [v]" (DS1 and DS2 the two values of a type that
# has two), with the time write_prometheus gives each (when it was
# dispatched, in ms). Plugins pcapflow_dns and pcapflow_tls (DNS, TLS, on
# by default) have families of their own, collectd_pcapflow_dns_*,
# collectd_pcapflow_tls_*; dns_octets has no type_instance, so no type
# label.
prom_rows() {
  local plugin=$1 ds1=$2 ds2=$3
  shift 3
  grep -h "^collectd_${plugin}_" "$@" | { [[ $plugin == pcapflow ]] && grep -vE '^collectd_pcapflow_(dns|tls)_' || cat; } |
    awk -v host="$host" -v plugin="$plugin" -v ds1="$ds1" -v ds2="$ds2" "$PF_AWK_NORM"'{
    name = $1; sub(/\{.*/, "", name)
    labels = $1; sub(/^[^{]*\{/, "", labels); sub(/\}.*/, "", labels)
    want = plugin "=\"cov-1\",(type=\"[a-z0-9_]+\",)?instance=\"" host "\""
    if (labels !~ "^" want "$") { print "unexpected labels: " $1 > "/dev/stderr"; exit 1 }
    if (NF != 3) { print "no timestamp: " $0 > "/dev/stderr"; exit 1 }
    ti = ""
    if (labels ~ /,type="/) { ti = labels; sub(/^[^,]*,type="/, "", ti); sub(/".*/, "", ti); ti = "-" ti }
    name = substr(name, length("collectd_" plugin "_") + 1); sub(/_total$/, "", name)
    ds = "value"
    for (i = 1; i <= 2; i++) {
      d = i == 1 ? ds1 : ds2
      if (substr(name, length(name) - length(d)) == "_" d) { ds = d; name = substr(name, 1, length(name) - length(d) - 1) }
    }
    if (name == "duration_seconds") name = "duration" # its one value is "seconds"
    k = name ti " " sprintf("%.3f", $3 / 1000); v[k, ds] = norm($2); keys[k] = 1
  } END {
    for (k in keys) {
      if ((k, "value") in v) print k, v[k, "value"]
      else if ((k, ds1) in v && (k, ds2) in v) print k, v[k, ds1], v[k, ds2]
      else print k, "<" ds1 " and " ds2 " of different times>"
    }
  }' | LC_ALL=C sort -u
}
prom_rows pcapflow rx tx "$WORK/metrics" >"$WORK/prometheus.rows" || pf_fail "series with unexpected labels"
prom_rows pcapflow rx tx "$WORK"/scrapes/* >"$WORK/scraped.rows" || pf_fail "series with unexpected labels"
prom_rows pcapflow_dns queries responses "$WORK/metrics" >"$WORK/prometheus_dns.rows" ||
  pf_fail "DNS series with unexpected labels"
prom_rows pcapflow_dns queries responses "$WORK"/scrapes/* >"$WORK/scraped_dns.rows" ||
  pf_fail "DNS series with unexpected labels"
prom_rows pcapflow_tls rx tx "$WORK/metrics" >"$WORK/prometheus_tls.rows" || pf_fail "TLS series with unexpected labels"
prom_rows pcapflow_tls rx tx "$WORK"/scrapes/* >"$WORK/scraped_tls.rows" || pf_fail "TLS series with unexpected labels"

# Each sample of every scrape is the row collectd's own CSV holds for that
# series at that time (counters and flow gauges; top-N bytes and distinct
# counts of the interval they describe), and the scrapes have every series
# the CSV has, under the same name.
# csv_at_scrapes CSV SCRAPED : the rows of CSV at the times of SCRAPED's.
csv_at_scrapes() {
  awk 'FNR == 1 { f++ }
  f == 1 { n = ++rows[$1]; t[$1, n] = $2; row[$1, n] = $0; next }
  { for (i = 1; i <= rows[$1]; i++) {
      d = t[$1, i] - $2
      if (d <= 0.002 && d >= -0.002) {
        # Matched in time: CSV rounds to the millisecond, Prometheus
        # truncates, so show the CSV values at the scrape'"'"'s own timestamp.
        n = split(row[$1, i], a, " "); a[2] = $2; line = a[1]
        for (k = 2; k <= n; k++) line = line " " a[k]
        print line; next
      } }
    print $1, $2, "<no CSV row at that time>" }' "$1" "$2" | LC_ALL=C sort -u
}
for p in pcapflow pcapflow_dns pcapflow_tls; do
  sfx=${p#pcapflow}
  HOSTNAME_TEST=$host pf_csv_rows "$dir" cov-1 "$p" >"$WORK/csv$sfx.rows"
  [[ -s "$WORK/csv$sfx.rows" ]] || pf_fail "no CSV for $p-cov-1"
  csv_at_scrapes "$WORK/csv$sfx.rows" "$WORK/scraped$sfx.rows" >"$WORK/csv$sfx.at_scrapes"
  diff -u "$WORK/csv$sfx.at_scrapes" "$WORK/scraped$sfx.rows" >&2 || pf_fail "$p: CSV (-) and Prometheus (+) differ"
  diff -u <(awk '{print $1}' "$WORK/csv$sfx.rows" | LC_ALL=C sort -u) <(awk '{print $1}' "$WORK/scraped$sfx.rows" | LC_ALL=C sort -u) >&2 ||
    pf_fail "$p: the series CSV (-) and the scrapes (+) hold differ"
done

# Every documented series; a top-N name stays in the scrape only until
# collectd's cache times it out (two intervals), so count the names over
# every scrape, and hold the last one to the ground truth.
pf_doc_series
pf_last_rows "$WORK/scraped.rows" >"$WORK/scraped"
pf_check_ids Prometheus "$WORK/scraped"
awk '{ $2 = ""; sub(/  /, " "); print }' "$WORK/prometheus.rows" >"$WORK/prometheus"
problems=$(pf_ids_problems "$WORK/prometheus")
[[ -z "$problems" ]] || pf_fail "the last scrape: $problems"
pf_compare_truth <(pf_truth_totals "$WORK/cov.truth") "$WORK/prometheus" prometheus ||
  pf_fail "scraped values differ from the ground truth"

# The capture has no port-53 packet: exactly METRICS.md's fixed DNS series,
# all 0, in every scrape and the last.
pf_doc_dns_series
pf_last_rows "$WORK/scraped_dns.rows" >"$WORK/scraped_dns"
pf_check_dns_quiet Prometheus "$WORK/scraped_dns"
awk '{ $2 = ""; sub(/  /, " "); print }' "$WORK/prometheus_dns.rows" >"$WORK/prometheus_dns"
pf_check_dns_quiet "the last scrape" "$WORK/prometheus_dns"
# No TLS hello either.
pf_doc_tls_series
pf_last_rows "$WORK/scraped_tls.rows" >"$WORK/scraped_tls"
pf_check_tls_quiet Prometheus "$WORK/scraped_tls"
awk '{ $2 = ""; sub(/  /, " "); print }' "$WORK/prometheus_tls.rows" >"$WORK/prometheus_tls"
pf_check_tls_quiet "the last scrape" "$WORK/prometheus_tls"

# DERIVE types are counters (with _total), GAUGE types are gauges.
dns_types=$(awk '$1 == "#" && $2 == "TYPE" && $3 ~ /^collectd_pcapflow_dns_/ {print $3, $4}' "$WORK/metrics" | LC_ALL=C sort)
expected_dns_types=$(printf '%s\n' "collectd_pcapflow_dns_count gauge" \
  "collectd_pcapflow_dns_dns_octets_queries_total counter" "collectd_pcapflow_dns_dns_octets_responses_total counter" \
  "collectd_pcapflow_dns_dns_query_total counter" "collectd_pcapflow_dns_dns_response_total counter" \
  "collectd_pcapflow_dns_errors_total counter" | LC_ALL=C sort)
[[ "$dns_types" == "$expected_dns_types" ]] || pf_fail "DNS metric types: got \"$dns_types\""
tls_types=$(awk '$1 == "#" && $2 == "TYPE" && $3 ~ /^collectd_pcapflow_tls_/ {print $3, $4}' "$WORK/metrics" | LC_ALL=C sort)
expected_tls_types=$(printf '%s\n' "collectd_pcapflow_tls_bytes gauge" "collectd_pcapflow_tls_connections_total counter" | LC_ALL=C sort)
[[ "$tls_types" == "$expected_tls_types" ]] || pf_fail "TLS metric types: got \"$tls_types\""
types=$(awk '$1 == "#" && $2 == "TYPE" && $3 ~ /^collectd_pcapflow_/ && $3 !~ /^collectd_pcapflow_(dns|tls)_/ {print $3, $4}' "$WORK/metrics" | LC_ALL=C sort)
expected_types=$(printf '%s\n' "collectd_pcapflow_gauge gauge" \
  "collectd_pcapflow_if_octets_rx_total counter" "collectd_pcapflow_if_octets_tx_total counter" \
  "collectd_pcapflow_if_packets_rx_total counter" "collectd_pcapflow_if_packets_tx_total counter" \
  "collectd_pcapflow_operations_total counter" "collectd_pcapflow_packets_total counter" \
  "collectd_pcapflow_connections_total counter" "collectd_pcapflow_current_connections gauge" \
  "collectd_pcapflow_bytes gauge" "collectd_pcapflow_count gauge" \
  "collectd_pcapflow_io_octets_rx_total counter" "collectd_pcapflow_io_octets_tx_total counter" \
  "collectd_pcapflow_io_packets_rx_total counter" "collectd_pcapflow_io_packets_tx_total counter" \
  "collectd_pcapflow_if_rx_packets_total counter" "collectd_pcapflow_if_tx_packets_total counter" \
  "collectd_pcapflow_ipt_packets_total counter" "collectd_pcapflow_ipt_bytes_total counter" \
  "collectd_pcapflow_derive_total counter" "collectd_pcapflow_errors_total counter" \
  "collectd_pcapflow_protocol_counter_total counter" | LC_ALL=C sort)
[[ "$types" == "$expected_types" ]] || pf_fail "metric types: got \"$types\""
n=$(wc -l <"$WORK/scraped")
pf_pass "$n series ($PF_DOC_FIXED fixed, $((n - PF_DOC_FIXED)) top-N) in 11 metric families and $PF_DNS_FIXED DNS ones in 6, $PF_TLS_FIXED TLS ones in 2, names and labels valid; $(wc -l <"$WORK/scraped.rows") samples of $(ls "$WORK/scrapes" | wc -l) scrapes equal CSV at their time; values equal ground truth"
