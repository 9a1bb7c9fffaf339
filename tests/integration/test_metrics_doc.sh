#!/usr/bin/env bash
# docs/METRICS.md lists exactly the identifiers the plugin dispatches: every
# fixed identifier in its tables is written by a real collectd (CSV) and
# printed by pcapflow-replay, and everything they write is either one of
# those or matches one of the documented families (`…<name>…` rows).
source "$(dirname "$0")/lib.sh"
pf_test_init metrics_doc

doc="$PCAPFLOW_ROOT/docs/METRICS.md"
grep -oE '^\| `[a-z_]+-[a-z0-9_<>]+`' "$doc" | tr -d '|` ' >"$WORK/doc_all"
grep -v '<' "$WORK/doc_all" | LC_ALL=C sort >"$WORK/fixed"
grep '<' "$WORK/doc_all" | sed -E 's/<[a-z ]+>/[a-z0-9_]+/g; s/^/^/; s/$/$/' >"$WORK/families"
[[ $(wc -l <"$WORK/fixed") -gt 60 && $(wc -l <"$WORK/families") -ge 3 ]] ||
  pf_fail "could not read the tables of $doc"
# The per-class series (plugin_instance "<source>-class"): families only.
grep -oE '^\| `<source>-class/[a-z_]+-[a-z0-9_<>]+`' "$doc" | sed -E 's/^\| `<source>-class\///; s/`$//' >"$WORK/class_doc"
grep '<' "$WORK/class_doc" | sed -E 's/<[a-z ]+>/[a-z0-9_]+/g; s/^/^/; s/$/$/' >"$WORK/class_families"
grep -v '<' "$WORK/class_doc" | LC_ALL=C sort >"$WORK/class_fixed"
[[ $(wc -l <"$WORK/class_families") -ge 3 && $(wc -l <"$WORK/class_fixed") -ge 3 ]] ||
  pf_fail "could not read the traffic rules table of $doc"
dups=$(uniq -d "$WORK/fixed")
[[ -z "$dups" ]] || pf_fail "METRICS.md lists twice: $dups"

# TCP latency figures are written only for intervals with a handshake, so
# only a capture with handshakes (the tcp scenario) must write them.
grep -v '^latency-' "$WORK/fixed" >"$WORK/fixed_always"

# check_ids LABEL FILE [MUST]: FILE's identifiers against the documented
# ones; MUST (default: every fixed one but latency) must all be there.
check_ids() {
  local label=$1 ids=$2 must=${3:-$WORK/fixed_always}
  local missing undocumented
  missing=$(LC_ALL=C comm -23 "$must" <(LC_ALL=C sort -u "$ids"))
  [[ -z "$missing" ]] || pf_fail "$label does not emit documented series: $missing"
  undocumented=$(LC_ALL=C comm -13 "$WORK/fixed" <(LC_ALL=C sort -u "$ids") | grep -vEf "$WORK/families" || true)
  [[ -z "$undocumented" ]] || pf_fail "$label emits series METRICS.md does not list: $undocumented"
}

dir="$WORK/collectd"
"$GEN" --scenario coverage --seed 9 --out "$WORK/cov.pcap" --truth "$WORK/cov.truth"
pcapflow_plugin_dir "$dir/plugins" logfile csv
pf_collectd_conf "$dir" 1
cat >>"$dir/collectd.conf" <<CONF
LoadPlugin pcapflow
<Plugin pcapflow>
  LocalNetwork "$LOCAL_V4"
  RulesFile "$PCAPFLOW_ROOT/collectd.conf.d/pcapflow.yaml"
  Interface "lo"
  File "$WORK/cov.pcap"
  File "$WORK/tcp.pcap"
</Plugin>
CONF
"$GEN" --scenario tcp --out "$WORK/tcp.pcap"
pf_collectd_start "$dir"
n_fixed=$(wc -l <"$WORK/fixed")
all_fixed_written() {
  [[ -z "$(pf_csv_values "$dir" "$1" | awk '{print $1}' | LC_ALL=C sort | LC_ALL=C comm -23 "${2:-$WORK/fixed_always}" -)" ]]
}
# Every class of the example rules file, and unclassified, three series each.
n_class_series=$((3 * ($(grep -c '^  - name:' "$PCAPFLOW_ROOT/collectd.conf.d/pcapflow.yaml") + 1)))
class_written() { [[ "$(pf_csv_values "$dir" cov-class | wc -l)" == "$n_class_series" ]]; }
series_written() { all_fixed_written lo && all_fixed_written cov && all_fixed_written tcp "$WORK/fixed" && class_written; }
pf_wait_until 20 series_written || true
pf_collectd_stop
pf_csv_values "$dir" lo | awk '{print $1}' >"$WORK/csv_lo"
pf_csv_values "$dir" cov | awk '{print $1}' >"$WORK/csv_cov"
pf_csv_values "$dir" tcp | awk '{print $1}' >"$WORK/csv_tcp"
check_ids "collectd (Interface lo)" "$WORK/csv_lo"
check_ids "collectd (File)" "$WORK/csv_cov"
check_ids "collectd (File with TCP handshakes)" "$WORK/csv_tcp" "$WORK/fixed"
grep -q '^bytes-top_flow_tcp_' "$WORK/csv_cov" || pf_fail "no top flow series written for the coverage capture"

# The per-class series: exactly three per class, each a documented family,
# and the documented fixed ones (unclassified).
pf_csv_values "$dir" cov-class | awk '{print $1}' >"$WORK/csv_class"
[[ $(wc -l <"$WORK/csv_class") == "$n_class_series" ]] ||
  pf_fail "collectd wrote $(wc -l <"$WORK/csv_class") per-class series, expected $n_class_series"
missing=$(LC_ALL=C comm -23 "$WORK/class_fixed" <(LC_ALL=C sort "$WORK/csv_class"))
[[ -z "$missing" ]] || pf_fail "collectd does not write documented per-class series: $missing"
undocumented=$(grep -vEf "$WORK/class_families" "$WORK/csv_class" || true)
[[ -z "$undocumented" ]] || pf_fail "collectd writes per-class series METRICS.md does not list: $undocumented"
"$REPLAY" -r "$PCAPFLOW_ROOT/collectd.conf.d/pcapflow.yaml" "$WORK/cov.pcap" | awk '{print $1}' >"$WORK/replay_rules"
grep -v '^cov-class/' "$WORK/replay_rules" | LC_ALL=C sort >"$WORK/replay_rules_main"
LC_ALL=C comm -3 "$WORK/replay_rules_main" <("$REPLAY" "$WORK/cov.pcap" | awk '{print $1}' | LC_ALL=C sort) | grep -q . &&
  pf_fail "pcapflow-replay -r changes the source's own series"
sed -n 's#^cov-class/##p' "$WORK/replay_rules" | LC_ALL=C sort >"$WORK/replay_class"
[[ "$(cat "$WORK/replay_class")" == "$(LC_ALL=C sort "$WORK/csv_class")" ]] ||
  pf_fail "pcapflow-replay -r prints other per-class series than collectd writes"

"$REPLAY" -l "$LOCAL_V4" "$WORK/cov.pcap" | awk '{print $1}' >"$WORK/replay"
check_ids "pcapflow-replay" "$WORK/replay"
"$REPLAY" -l "$LOCAL_V4" "$WORK/tcp.pcap" | awk '{print $1}' >"$WORK/replay_tcp"
check_ids "pcapflow-replay (TCP handshakes)" "$WORK/replay_tcp" "$WORK/fixed"
pf_pass "$n_fixed fixed identifiers, $(wc -l <"$WORK/families") families and $(wc -l <"$WORK/class_families") per-class families, documented = dispatched"
