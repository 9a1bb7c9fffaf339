#!/usr/bin/env bash
# Graphite end to end: collectd's write_graphite carries pcapflow's metrics
# for a generated capture to a real carbon-cache; every whisper series read
# back has the name Graphite escaping gives (host and instance hold dots;
# top-N names arrive unchanged), holds every row collectd's own CSV of the
# run holds, at the same second (the per-interval top-N bytes and distinct
# counts included), and ends at the generator's ground-truth value; the
# series are exactly METRICS.md's fixed ones plus names of its families,
# the DNS ones exactly its fixed DNS series, and no other series is stored.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/stack.sh"
source "$(dirname "$0")/series.sh"
pf_test_init graphite

pf_carbon_start "$WORK/carbon"

pf_gen cov coverage --seed 11

# A host name and an instance with dots: write_graphite turns them into "_".
host="edge1.example"
instance="day1.cov"
dir="$WORK/collectd"
pf_collectd "$dir" --hostname "$host" --plugin write_graphite \
  --local --file "$WORK/cov.pcap" Instance "$instance" --stdin <<CONF
<Plugin write_graphite>
  <Node "carbon">
    Host "127.0.0.1"
    Port "$CARBON_PORT"
    Protocol "tcp"
    Prefix "collectd."
    EscapeCharacter "_"
    StoreRates false
  </Node>
</Plugin>
CONF

whisper="$WORK/carbon/storage/whisper/collectd/edge1_example/pcapflow-day1_cov"
total=$(pf_truth_value "$WORK/cov.truth" packets-captured)
stored_all() { [[ "$(pf_whisper_last "$whisper/packets-captured.wsp")" == "$total" ]]; }
pf_wait_until 40 stored_all ||
  pf_fail "whisper packets-captured is \"$(pf_whisper_last "$whisper/packets-captured.wsp")\", expected $total; carbon: $(tail -n 3 "$WORK/carbon/carbon.out"); collectd: $(tail -n 3 "$dir/collectd.log")"
sleep 2 # two more intervals: the totals stay, the per-interval values drop to 0
pf_collectd_stop

# Every row collectd's own CSV holds, under the same name (Graphite changes
# nothing in [a-z0-9_], so top-N names too), at the same second, with the
# same value: counters, flow gauges and the per-interval top-N bytes and
# distinct counts alike. write_graphite rounds the time to the second and
# whisper keeps one value a second: the later of two rows in the same
# second. Carbon writes to disk on its own time, so wait for it.
# The same for the DNS series (plugin pcapflow_dns) and the TLS ones
# (pcapflow_tls).
per_second() {
  awk '{ s = sprintf("%.0f", $2); k = $1 " " s; if (!(k in row)) order[++n] = k; row[k] = $0 }
    END { for (i = 1; i <= n; i++) print row[order[i]] }' "$1"
}
HOSTNAME_TEST=$host pf_csv_rows "$dir" "$instance" >"$WORK/csv.rows"
[[ -s "$WORK/csv.rows" ]] || pf_fail "no CSV for pcapflow-$instance"
per_second "$WORK/csv.rows" >"$WORK/csv.seconds"
HOSTNAME_TEST=$host pf_csv_rows "$dir" "$instance" pcapflow_dns >"$WORK/csv_dns.rows"
[[ -s "$WORK/csv_dns.rows" ]] || pf_fail "no CSV for pcapflow_dns-$instance"
per_second "$WORK/csv_dns.rows" >"$WORK/csv_dns.seconds"
HOSTNAME_TEST=$host pf_csv_rows "$dir" "$instance" pcapflow_tls >"$WORK/csv_tls.rows"
[[ -s "$WORK/csv_tls.rows" ]] || pf_fail "no CSV for pcapflow_tls-$instance"
per_second "$WORK/csv_tls.rows" >"$WORK/csv_tls.seconds"
whisper_matches() {
  pf_whisper_rows "$whisper" >"$WORK/graphite.rows" 2>"$WORK/whisper.err" || return 1
  pf_rows_differ "$WORK/csv.seconds" "$WORK/graphite.rows" 0.501 >"$WORK/rows.diff" || return 1
  pf_whisper_rows "${whisper%/*}/pcapflow_dns-$(tr . _ <<<"$instance")" queries responses >"$WORK/graphite_dns.rows" 2>"$WORK/whisper.err" ||
    return 1
  pf_rows_differ "$WORK/csv_dns.seconds" "$WORK/graphite_dns.rows" 0.501 >"$WORK/rows.diff" || return 1
  pf_whisper_rows "${whisper%/*}/pcapflow_tls-$(tr . _ <<<"$instance")" >"$WORK/graphite_tls.rows" 2>"$WORK/whisper.err" ||
    return 1
  pf_rows_differ "$WORK/csv_tls.seconds" "$WORK/graphite_tls.rows" 0.501 >"$WORK/rows.diff"
}
if ! pf_wait_until 20 whisper_matches; then
  [[ -s "$WORK/whisper.err" ]] && pf_fail "$(cat "$WORK/whisper.err")"
  cat "$WORK/rows.diff" >&2
  pf_fail "CSV (first) and Graphite (second) differ"
fi

pf_doc_series
pf_last_rows "$WORK/graphite.rows" >"$WORK/graphite"
pf_check_ids Graphite "$WORK/graphite"
# The generator's ground truth, for what holds for the whole capture; the
# per-interval top-N lists (equal in CSV and Graphite, but for a second that
# would hold two rows) add up to the capture's IP bytes.
pf_compare_truth <(pf_truth_totals "$WORK/cov.truth") "$WORK/graphite" graphite ||
  pf_fail "Graphite values differ from the ground truth"
pf_top_sums_differ "$WORK/csv.rows" "$WORK/cov.truth" >&2 ||
  pf_fail "the top-N values do not add up to the capture's IP bytes"
[[ "$(awk '$1 == "gauge-capture_up" {print $2}' "$WORK/graphite")" == 0 ]] || pf_fail "capture_up of a finished file is not 0"
[[ "$(awk '$1 == "operations-capture_opened" {print $2}' "$WORK/graphite")" == 1 ]] || pf_fail "capture_opened is not 1"
# DNS (on by default) under plugin pcapflow_dns: the capture has no port-53
# packet, so exactly METRICS.md's fixed DNS series, all 0 (equal to the CSV
# above).
pf_doc_dns_series
pf_last_rows "$WORK/graphite_dns.rows" >"$WORK/graphite_dns"
pf_check_dns_quiet Graphite "$WORK/graphite_dns"
# TLS likewise: the capture has no TLS hello, so exactly METRICS.md's
# fixed TLS series, all 0.
pf_doc_tls_series
pf_last_rows "$WORK/graphite_tls.rows" >"$WORK/graphite_tls"
pf_check_tls_quiet Graphite "$WORK/graphite_tls"
# Nothing else under the host: no stray or unescaped names.
others=$(cd "$WORK/carbon/storage/whisper" && find . -name '*.wsp' |
  grep -vE '^\./collectd/edge1_example/pcapflow(_dns|_tls)?-day1_cov/' || true)
[[ -z "$others" ]] || pf_fail "unexpected whisper files: $others"
n=$(wc -l <"$WORK/graphite")
pf_pass "$n series ($PF_DOC_FIXED fixed, $((n - PF_DOC_FIXED)) top-N) as collectd.edge1_example.pcapflow-day1_cov.*, $PF_DNS_FIXED DNS ones as ….pcapflow_dns-day1_cov.*, $PF_TLS_FIXED TLS ones as ….pcapflow_tls-day1_cov.*, $(wc -l <"$WORK/graphite.rows") rows equal CSV; values equal ground truth"
