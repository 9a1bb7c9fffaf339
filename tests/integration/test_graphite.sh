#!/usr/bin/env bash
# Graphite end to end: collectd's write_graphite carries pcapflow's metrics
# for a generated capture to a real carbon-cache; every whisper series read
# back has the name Graphite escaping gives (host and instance hold dots)
# and the generator's ground-truth value, and no other series is stored.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/stack.sh"
pf_test_init graphite

pf_carbon_start "$WORK/carbon"

"$GEN" --scenario coverage --seed 11 --out "$WORK/cov.pcap" --truth "$WORK/cov.truth" ||
  pf_fail "generator failed"

# A host name and an instance with dots: write_graphite turns them into "_".
host="edge1.example"
instance="day1.cov"
dir="$WORK/collectd"
pcapflow_plugin_dir "$dir/plugins" logfile csv write_graphite
mkdir -p "$dir/csv"
{
  pcapflow_conf_header "$dir" 1
  cat <<CONF
Hostname "$host"
LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File "$dir/collectd.log"
</Plugin>
LoadPlugin csv
<Plugin csv>
  DataDir "$dir/csv"
  StoreRates false
</Plugin>
LoadPlugin write_graphite
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
LoadPlugin pcapflow
<Plugin pcapflow>
  LocalNetwork "$LOCAL_V4"
  LocalNetwork "$LOCAL_V6"
  <File "$WORK/cov.pcap">
    Instance "$instance"
  </File>
</Plugin>
CONF
} >"$dir/collectd.conf"
pf_collectd_start "$dir"

whisper="$WORK/carbon/storage/whisper/collectd/edge1_example/pcapflow-day1_cov"
total=$(awk '$1 == "packets-captured" {print $2}' "$WORK/cov.truth")
stored_all() { [[ "$(pf_whisper_last "$whisper/packets-captured.wsp")" == "$total" ]]; }
pf_wait_until 40 stored_all ||
  pf_fail "whisper packets-captured is \"$(pf_whisper_last "$whisper/packets-captured.wsp")\", expected $total; carbon: $(tail -n 3 "$WORK/carbon/carbon.out"); collectd: $(tail -n 3 "$dir/collectd.log")"
sleep 2 # every series of that interval reaches the disk
pf_collectd_stop

# What Graphite stored, as "type-type_instance v [v]": rx and tx are the
# two leaves under if_* nodes, single-value types are leaves themselves.
(
  cd "$whisper"
  find . -name '*.wsp' | sed -e 's|^\./||' -e 's|\.wsp$||' | LC_ALL=C sort
) >"$WORK/leaves"
: >"$WORK/graphite"
while read -r series; do
  case $series in
  */rx) continue ;;
  */tx)
    base=${series%/tx}
    echo "$base $(pf_whisper_last "$whisper/$base/rx.wsp") $(pf_whisper_last "$whisper/$base/tx.wsp")" ;;
  */*) pf_fail "unexpected whisper node $series" ;;
  *) echo "$series $(pf_whisper_last "$whisper/$series.wsp")" ;;
  esac
done <"$WORK/leaves" >"$WORK/graphite"
LC_ALL=C sort -o "$WORK/graphite" "$WORK/graphite"

# The same identifiers and values as collectd's own CSV of that run...
csv_dir="$dir/csv/$host/pcapflow-$instance"
[[ -d "$csv_dir" ]] || pf_fail "no CSV for pcapflow-$instance"
HOSTNAME_TEST=$host pf_csv_values "$dir" "$instance" >"$WORK/csv"
diff -u "$WORK/csv" "$WORK/graphite" >&2 || pf_fail "CSV (-) and Graphite (+) differ"
# ...and the generator's ground truth.
pf_compare_truth "$WORK/cov.truth" "$WORK/graphite" graphite || pf_fail "Graphite values differ from the ground truth"
n=$(wc -l <"$WORK/graphite")
n_doc=$(grep -cE '^\| `[a-z_]+-[a-z0-9_]+`' "$PCAPFLOW_ROOT/docs/METRICS.md")
[[ $n == "$n_doc" ]] || pf_fail "Graphite holds $n series, METRICS.md lists $n_doc"
[[ "$(awk '$1 == "gauge-capture_up" {print $2}' "$WORK/graphite")" == 0 ]] || pf_fail "capture_up of a finished file is not 0"
[[ "$(awk '$1 == "operations-capture_opened" {print $2}' "$WORK/graphite")" == 1 ]] || pf_fail "capture_opened is not 1"
# Nothing else under the host: no stray or unescaped names.
others=$(cd "$WORK/carbon/storage/whisper" && find . -name '*.wsp' | grep -v '^\./collectd/edge1_example/pcapflow-day1_cov/' || true)
[[ -z "$others" ]] || pf_fail "unexpected whisper files: $others"
pf_pass "$n series in whisper as collectd.edge1_example.pcapflow-day1_cov.*, values equal CSV and ground truth"
