#!/usr/bin/env bash
# docs/METRICS.md lists exactly the identifiers the plugin dispatches: every
# fixed identifier in its tables is written by a real collectd (CSV) and
# printed by pcapflow-replay, and everything they write is either one of
# those or matches one of the documented families (`…<name>…` rows).
source "$(dirname "$0")/lib.sh"
pf_test_init metrics_doc

doc="$PCAPFLOW_ROOT/docs/METRICS.md"
grep -oE '^\| `[a-z_]+-[a-z0-9_<>]+`' "$doc" | tr -d '|` ' >"$WORK/doc_all"
# (the closing backquote leaves out the per-class rows, which hold a '/')
grep -v '<' "$WORK/doc_all" | LC_ALL=C sort >"$WORK/fixed"
grep '<' "$WORK/doc_all" | sed -E 's/<[a-z ]+>/[a-z0-9_]+/g; s/^/^/; s/$/$/' >"$WORK/families"
[[ $(wc -l <"$WORK/fixed") -gt 60 && $(wc -l <"$WORK/families") -ge 3 ]] ||
  pf_fail "could not read the tables of $doc"
# The per-class series (plugin pcapflow_class), as pf_class_values names
# them: "if_packets-<class>", and "p90/duration-<class>" for a latency
# figure (plugin_instance "<source>-p90").
grep -oE '^\| `pcapflow_class-<source>[a-z0-9_-]*/[a-z_]+-[a-z0-9_<>]+`' "$doc" |
  sed -E 's/^\| `pcapflow_class-<source>\///; s/^\| `pcapflow_class-<source>-([a-z0-9_-]+)\//\1\//; s/`$//' >"$WORK/class_doc"
grep '<' "$WORK/class_doc" | sed -E 's/<[a-z ]+>/[a-z0-9_]+/g; s/^/^/; s/$/$/' >"$WORK/class_families"
grep -v '<' "$WORK/class_doc" | LC_ALL=C sort >"$WORK/class_fixed"
[[ $(wc -l <"$WORK/class_families") -ge 3 && $(wc -l <"$WORK/class_fixed") -ge 3 ]] ||
  pf_fail "could not read the traffic rules table of $doc"
dups=$(uniq -d "$WORK/fixed")
[[ -z "$dups" ]] || pf_fail "METRICS.md lists twice: $dups"

# The bound on the series a source can emit, as METRICS.md states it
# ("Cardinality", "Traffic rules"): its figures come from the tables, so a
# row added or removed without updating the sentence fails here (the man
# page is held to the same figures by test_manpage.sh). The top-N lists'
# `other` rows are counted by 3 x (TopSeriesLimit + 1), not as fixed.
n_top=$(grep -c '^bytes-top_[a-z]*_other$' "$WORK/fixed")
n_bound=$(($(wc -l <"$WORK/fixed") - n_top))
n_per_class=$(wc -l <"$WORK/class_families")
n_class_counters=$(grep -vc '/duration-' "$WORK/class_families")
doc_text=$(tr '\n' ' ' <"$doc" | tr -s ' ')
for want in "at most $n_bound fixed series + $n_top × (\`TopSeriesLimit\` + 1)" \
  "plus, with a rules file, $n_per_class × (classes + 1)" \
  "The number of these series is $n_per_class × (classes + 1) per source" \
  "at most $n_per_class × 129 = $((n_per_class * 129))" \
  "The $n_bound are the fixed identifiers of the tables on this page, $((n_bound + n_top)), less the $([[ $n_top == 3 ]] && echo three || echo "$n_top")"; do
  [[ "$doc_text" == *"$want"* ]] || pf_fail "METRICS.md does not state the bound its tables give: \"$want\""
done

# DEPLOYMENT.md sizes a fleet with the same figures, for the default
# switches (the top flows off: two lists).
deploy=$(tr '\n' ' ' <"$PCAPFLOW_ROOT/docs/DEPLOYMENT.md" | tr -s ' ')
n_pairs=$(grep -cE '^\| `[a-z_]+-[a-z0-9_]+` \| [a-z_]+ \| rx, tx \|' "$doc")
for want in "with the default switches each source gives $n_bound identifiers" \
  "$n_pairs of them carry rx and tx, so they are $((n_bound + n_pairs)) Graphite files" \
  "than $n_bound + 2 × (\`TopSeriesLimit\` + 1) identifiers ($((n_bound + 2 * 101)), or $((n_bound + n_pairs + 2 * 101)) Graphite"; do
  [[ "$deploy" == *"$want"* ]] || pf_fail "DEPLOYMENT.md does not state the figures METRICS.md's tables give: \"$want\""
done

# TCP latency figures are written only for intervals with a handshake, so
# only a capture with handshakes (the tcp scenario) must write them.
grep -v '^duration-' "$WORK/fixed" >"$WORK/fixed_always"

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
pf_gen cov coverage --seed 9
pf_gen tcp tcp
# The top flows are off by default; on here so that every documented
# series is written.
pf_collectd "$dir" --opt LocalNetwork "$LOCAL_V4" --opt CollectTopFlows true \
  --opt RulesFile "$PCAPFLOW_ROOT/collectd.conf.d/pcapflow.yaml" \
  --interface lo --file "$WORK/cov.pcap" --file "$WORK/tcp.pcap"
n_fixed=$(wc -l <"$WORK/fixed")
all_fixed_written() {
  [[ -z "$(pf_csv_values "$dir" "$1" | awk '{print $1}' | LC_ALL=C sort | LC_ALL=C comm -23 "${2:-$WORK/fixed_always}" -)" ]]
}
# Every class of the example rules file, and unclassified, its counters
# each (the latency figures come with handshakes only).
n_classes=$(($(grep -c '^  - name:' "$PCAPFLOW_ROOT/collectd.conf.d/pcapflow.yaml") + 1))
n_class_series=$((n_class_counters * n_classes))
class_written() { [[ "$(pf_class_values "$dir" cov | grep -vc '/duration-')" == "$n_class_series" ]]; }
# Both ends of the tcp capture's connections are local here (the rules
# file adds 198.18.0.0/15) and an Ethernet file has no kernel direction, so
# every segment is rx: its round trips are all tcp_rtt_rx, and
# tcp_rtt_tx is held below on a capture with a local client.
grep -v '^duration-tcp_rtt_tx_' "$WORK/fixed" >"$WORK/fixed_tcp"
series_written() { all_fixed_written lo && all_fixed_written cov && all_fixed_written tcp "$WORK/fixed_tcp" && class_written; }
pf_wait_until 20 series_written || true
pf_collectd_stop
pf_csv_values "$dir" lo | awk '{print $1}' >"$WORK/csv_lo"
pf_csv_values "$dir" cov | awk '{print $1}' >"$WORK/csv_cov"
pf_csv_values "$dir" tcp | awk '{print $1}' >"$WORK/csv_tcp"
check_ids "collectd (Interface lo)" "$WORK/csv_lo"
check_ids "collectd (File)" "$WORK/csv_cov"
check_ids "collectd (File with TCP handshakes)" "$WORK/csv_tcp" "$WORK/fixed_tcp"
grep -q '^bytes-top_flow_tcp_' "$WORK/csv_cov" || pf_fail "no top flow series written for the coverage capture"

# The per-class series: the counters of every class, each a documented
# family, and the documented fixed ones (unclassified).
pf_class_values "$dir" cov | awk '{print $1}' >"$WORK/csv_class"
[[ $(grep -vc '/duration-' "$WORK/csv_class") == "$n_class_series" ]] ||
  pf_fail "collectd wrote $(grep -vc '/duration-' "$WORK/csv_class") per-class counters, expected $n_class_series"
[[ $(wc -l <"$WORK/csv_class") -le $((n_per_class * n_classes)) ]] ||
  pf_fail "collectd wrote $(wc -l <"$WORK/csv_class") per-class series, more than $n_per_class x $n_classes"
missing=$(LC_ALL=C comm -23 "$WORK/class_fixed" "$WORK/csv_class")
[[ -z "$missing" ]] || pf_fail "collectd does not write documented per-class series: $missing"
undocumented=$(grep -vEf "$WORK/class_families" "$WORK/csv_class" || true)
[[ -z "$undocumented" ]] || pf_fail "collectd writes per-class series METRICS.md does not list: $undocumented"
"$REPLAY" -r "$PCAPFLOW_ROOT/collectd.conf.d/pcapflow.yaml" "$WORK/cov.pcap" | awk '{print $1}' >"$WORK/replay_rules"
grep -v '^pcapflow_class-' "$WORK/replay_rules" | LC_ALL=C sort >"$WORK/replay_rules_main"
LC_ALL=C comm -3 "$WORK/replay_rules_main" <("$REPLAY" "$WORK/cov.pcap" | awk '{print $1}' | LC_ALL=C sort) | grep -q . &&
  pf_fail "pcapflow-replay -r changes the source's own series"
pf_replay_classes cov <"$WORK/replay_rules" | awk '{print $1}' >"$WORK/replay_class"
[[ "$(cat "$WORK/replay_class")" == "$(cat "$WORK/csv_class")" ]] ||
  pf_fail "pcapflow-replay -r prints other per-class series than collectd writes"

# A capture where classes complete handshakes (the classes scenario): such
# a class has the counters and the handshake figures, at most the per-class
# families, n_per_class series (the timing figures come with samples), and
# no class more; every name is of a documented family.
"$GEN" --scenario classes --out "$WORK/cls.pcap" --truth /dev/null --rules "$WORK/cls.yaml" \
  --class-truth "$WORK/cls.class_truth" || pf_fail "generator failed"
"$REPLAY" -r "$WORK/cls.yaml" "$WORK/cls.pcap" | pf_replay_classes cls | awk '{print $1}' >"$WORK/replay_cls"
undocumented=$(grep -vEf "$WORK/class_families" "$WORK/replay_cls" || true)
[[ -z "$undocumented" ]] || pf_fail "pcapflow-replay -r prints per-class series METRICS.md does not list: $undocumented"
for c in $(sed -n 's#^max/duration-\([a-z0-9_]*\) .*#\1#p' "$WORK/cls.class_truth"); do
  n=$(grep -cE "^([a-z0-9]+/)?[a-z_]+-${c}$" "$WORK/replay_cls")
  [[ "$n" -ge $((n_class_counters + 4)) && "$n" -le "$n_per_class" ]] ||
    pf_fail "class $c with handshakes has $n series, METRICS.md documents $n_per_class"
done
[[ -n "${c:-}" ]] || pf_fail "the classes scenario has no class with handshakes"

"$REPLAY" -l "$LOCAL_V4" -o CollectTopFlows=true "$WORK/cov.pcap" | awk '{print $1}' >"$WORK/replay_all"
grep -vE '^pcapflow_(dns|tls)-' "$WORK/replay_all" >"$WORK/replay"
check_ids "pcapflow-replay" "$WORK/replay"

# A plugin of its own (pcapflow_dns, "DNS"; pcapflow_tls, "TLS"): every
# series printed is of its table, and every fixed one but the latency
# figures is printed. check_plugin PLUGIN PRINTED MIN_FIXED MIN_FAMILIES
check_plugin() {
  local plugin=$1 printed=$2 missing undocumented
  grep -oE '^\| `'"$plugin"'-<source>/[a-z_]+(-[a-z0-9_<>]+)?`' "$doc" |
    sed -E 's/^\| `'"$plugin"'-<source>\///; s/`$//' >"$WORK/${plugin}_doc"
  grep '<' "$WORK/${plugin}_doc" | sed -E 's/<[a-z ]+>/[a-z0-9_#-]+/g; s/^/^/; s/$/$/' >"$WORK/${plugin}_families"
  grep -v '<' "$WORK/${plugin}_doc" | grep -v '^duration-' | LC_ALL=C sort >"$WORK/${plugin}_fixed"
  [[ $(wc -l <"$WORK/${plugin}_fixed") -ge $3 && $(wc -l <"$WORK/${plugin}_families") -ge $4 ]] ||
    pf_fail "could not read the $plugin table of $doc"
  missing=$(LC_ALL=C comm -23 "$WORK/${plugin}_fixed" <(LC_ALL=C sort -u "$printed"))
  [[ -z "$missing" ]] || pf_fail "pcapflow-replay does not print documented $plugin series: $missing"
  undocumented=$(grep -vxFf <(grep -v '<' "$WORK/${plugin}_doc") "$printed" | grep -vEf "$WORK/${plugin}_families" || true)
  [[ -z "$undocumented" ]] || pf_fail "pcapflow-replay prints $plugin series METRICS.md does not list: $undocumented"
}
sed -n 's#^pcapflow_dns-cov/##p' "$WORK/replay_all" >"$WORK/replay_dns"
check_plugin pcapflow_dns "$WORK/replay_dns" 6 4
# TLS over the crafted capture too, whose hellos give every kind of series.
python3 "$PCAPFLOW_ROOT/tests/integration/craft_tls.py" "$WORK/tls.pcap" "$WORK/tls.truth" >/dev/null ||
  pf_fail "cannot write the TLS capture"
{
  sed -n 's#^pcapflow_tls-cov/##p' "$WORK/replay_all"
  "$REPLAY" -l "$LOCAL_V4" "$WORK/tls.pcap" | awk '{print $1}' | sed -n 's#^pcapflow_tls-tls/##p'
} >"$WORK/replay_tls"
grep -q '^bytes-top_sni_alpha' "$WORK/replay_tls" || pf_fail "the TLS capture names no server"
check_plugin pcapflow_tls "$WORK/replay_tls" 2 4
# Each family's members that are always sent, as the table's meaning names them.
for fam in offered selected; do
  for v in ssl3 tls1_0 tls1_1 tls1_2 tls1_3 other; do
    grep -qx "connections-${fam}_$v" "$WORK/replay_tls" || pf_fail "connections-${fam}_$v is not printed"
  done
done
for r in record length session_id ciphers compression extensions sni versions; do
  grep -qx "connections-hello_malformed_$r" "$WORK/replay_tls" || pf_fail "connections-hello_malformed_$r is not printed"
done
"$REPLAY" -l "$LOCAL_V4" -o CollectTopFlows=true "$WORK/tcp.pcap" | awk '{print $1}' | grep -vE '^pcapflow_(dns|tls)-' >"$WORK/replay_tcp"
check_ids "pcapflow-replay (TCP handshakes)" "$WORK/replay_tcp" "$WORK/fixed"
# Every TCP timing figure, on a capture where each has samples.
python3 "$PCAPFLOW_ROOT/tests/integration/craft_rtt.py" "$WORK/rtt.pcap" "$WORK/rtt.truth" rtt "$WORK/rtt.yaml" ||
  pf_fail "cannot write the TCP timing capture"
"$REPLAY" -l "$LOCAL_V4" -o CollectTopFlows=true "$WORK/rtt.pcap" | awk '{print $1}' | grep -vE '^pcapflow_(dns|tls)-' >"$WORK/replay_rtt"
check_ids "pcapflow-replay (TCP timing)" "$WORK/replay_rtt" "$WORK/fixed"
# TCP timing per port (PortTiming, plugin pcapflow_port): the table's 12
# families, and every series printed on the capture is of one of them (a
# file is read before any port is listed: each figure is other's).
grep -oE '^\| `pcapflow_port-<source>-[a-z0-9_]+/duration-<port>`' "$doc" |
  sed -E 's/^\| `pcapflow_port-<source>-//; s/`$//; s/<port>/(tcp_[0-9]+|other)/; s/^/^/; s/$/$/' >"$WORK/port_families"
[[ $(wc -l <"$WORK/port_families") == 12 ]] || pf_fail "METRICS.md should list 12 per-port families"
"$REPLAY" -l "$LOCAL_V4" -o PortTiming=true "$WORK/rtt.pcap" | awk '{print $1}' | sed -n 's#^pcapflow_port-rtt-##p' >"$WORK/replay_ports"
[[ $(grep -c '/duration-other$' "$WORK/replay_ports") == 12 ]] || pf_fail "pcapflow-replay -o PortTiming=true does not print the 12 figures of other"
undocumented=$(grep -vEf "$WORK/port_families" "$WORK/replay_ports" || true)
[[ -z "$undocumented" ]] || pf_fail "pcapflow-replay prints pcapflow_port series METRICS.md does not list: $undocumented"
pf_pass "$n_fixed fixed identifiers, $(wc -l <"$WORK/families") families and $n_per_class per-class families, documented = dispatched; bound $n_bound + $n_top x (TopSeriesLimit + 1) + $n_per_class x (classes + 1) stated"
