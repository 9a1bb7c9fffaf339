#!/usr/bin/env bash
# docs/METRICS.md lists exactly the identifiers the plugin dispatches: the
# set in its tables must equal the set a real collectd writes to CSV for a
# source, and the set pcapflow-replay prints.
source "$(dirname "$0")/lib.sh"
pf_test_init metrics_doc

doc="$PCAPFLOW_ROOT/docs/METRICS.md"
grep -oE '^\| `[a-z_]+-[a-z0-9_]+`' "$doc" | tr -d '|` ' | LC_ALL=C sort >"$WORK/doc"
[[ $(wc -l <"$WORK/doc") -gt 40 ]] || pf_fail "could not read the tables of $doc"
dups=$(uniq -d "$WORK/doc")
[[ -z "$dups" ]] || pf_fail "METRICS.md lists twice: $dups"

dir="$WORK/collectd"
pcapflow_plugin_dir "$dir/plugins" logfile csv
pf_collectd_conf "$dir" 1
cat >>"$dir/collectd.conf" <<CONF
LoadPlugin pcapflow
<Plugin pcapflow>
  Interface "lo"
</Plugin>
CONF
pf_collectd_start "$dir"
n_doc=$(wc -l <"$WORK/doc")
series_written() {
  [[ $(pf_csv_values "$dir" lo | wc -l) -ge $n_doc ]]
}
pf_wait_until 20 series_written || true
pf_collectd_stop
pf_csv_values "$dir" lo | awk '{print $1}' >"$WORK/csv"

if ! diff -u "$WORK/doc" "$WORK/csv" >"$WORK/diff"; then
  cat "$WORK/diff" >&2
  pf_fail "METRICS.md (-) and what collectd wrote (+) differ"
fi

# The replay tool prints the same list, in the same form.
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x01\x00\x00\x00' >"$WORK/empty.pcap"
"$REPLAY" "$WORK/empty.pcap" | awk '{print $1}' | LC_ALL=C sort >"$WORK/replay"
diff -u "$WORK/doc" "$WORK/replay" >&2 || pf_fail "METRICS.md (-) and pcapflow-replay (+) differ"
pf_pass "$n_doc identifiers, documented = dispatched"
