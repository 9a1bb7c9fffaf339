#!/usr/bin/env bash
# Every bad option is refused with a message that names the option and the
# value as written (numbers in full), every bad option of a block in one
# pass, the plugin does not start, and collectd keeps running its other
# plugins (the stock load plugin keeps writing CSV). An expected text of
# several lines must find each line in the log.
source "$(dirname "$0")/lib.sh"
pf_test_init config_errors

# Rules files for the RulesFile cases.
printf 'classes:\n  - name: web\n    ports: 80\n' >"$WORK/bad_key.yaml"
printf 'classes:\n  - name: web\n    port: 80\n' >"$WORK/good.yaml"

# Each case: a <Plugin pcapflow> body, then the exact text the log must hold.
cases=(
  'Interface "lo"\n  SnapLen 10'
  "pcapflow: invalid option \`SnapLen 10': expected a whole number from 64 to 262144"

  'Interface "lo"\n  SnapLen "abc"'
  "pcapflow: invalid option \`SnapLen \"abc\"': expected exactly one number"

  'Interface "lo"\n  SnapLen 100.5'
  "pcapflow: invalid option \`SnapLen 100.5': expected a whole number from 64 to 262144"

  'Interface "lo"\n  SnapLen 99999999999999999999'
  "pcapflow: invalid option \`SnapLen 100000000000000000000': expected a whole number from 64 to 262144"

  'Interface "lo"\n  SnapLen 64.0000001'
  "pcapflow: invalid option \`SnapLen 64.0000001': expected a whole number from 64 to 262144"

  'Interface "lo"\n  MaxFlows 100000001'
  "pcapflow: invalid option \`MaxFlows 100000001': expected a whole number from 1 to 100000000"

  'Interface "lo"\n  TopN 101'
  "pcapflow: invalid option \`TopN 101': expected a whole number from 0 to 100"

  'Interface "lo"\n  Promiscuous "maybe"'
  "pcapflow: invalid option \`Promiscuous \"maybe\"': expected true or false"

  'Interface "lo"\n  CollectTopFlows 1'
  "pcapflow: invalid option \`CollectTopFlows 1': expected true or false"

  'Interface "lo"\n  BufferSize 0'
  "pcapflow: invalid option \`BufferSize 0': expected a whole number from 1 to 4096"

  'Interface "lo"\n  LocalNetwork "198.18.0.0/33"'
  "pcapflow: invalid option \`LocalNetwork \"198.18.0.0/33\"': \"198.18.0.0/33\" has an invalid prefix length (0 to 32 for IPv4)"

  'Interface "lo"\n  LocalNetwork "198.18.0.1/16"'
  "pcapflow: invalid option \`LocalNetwork \"198.18.0.1/16\"': \"198.18.0.1/16\" has bits set beyond its /16 prefix length"

  'Interface "lo"\n  LocalNetwork "nonsense"'
  "pcapflow: invalid option \`LocalNetwork \"nonsense\"': \"nonsense\" is not an IPv4 or IPv6 address"

  'Interface "lo"\n  LocalNetwork "2001:db8::/129"'
  "pcapflow: invalid option \`LocalNetwork \"2001:db8::/129\"': \"2001:db8::/129\" has an invalid prefix length (0 to 128 for IPv6)"

  'Interface "lo"\n  Filter "tcp port"'
  "pcapflow: Interface \"lo\": Filter \"tcp port\" is not a valid BPF expression: can't parse filter expression: syntax error"

  'Interface "lo"\n  TcpSynTimeout 0'
  "pcapflow: invalid option \`TcpSynTimeout 0': expected a whole number from 1 to 3600"

  'Interface "lo"\n  TcpAnalysis 1'
  "pcapflow: invalid option \`TcpAnalysis 1': expected true or false"

  'Interface "lo"\n  PortScanThreshold 9000'
  "pcapflow: invalid option \`PortScanThreshold 9000': expected a whole number from 1 to 5000"

  'Interface "lo"\n  AnomalyWindow 0'
  "pcapflow: invalid option \`AnomalyWindow 0': expected a whole number from 1 to 3600"

  'Interface "lo"\n  Frobnicate 1'
  "pcapflow: invalid option \`Frobnicate 1': unknown option (see collectd-pcapflow(5) or docs/CONFIG.md)"

  '<Interface "lo">\n    Frobnicate true\n  </Interface>'
  "pcapflow: invalid option \`Frobnicate true': unknown option inside <Interface>"

  '<File "/nonexistent/day1.pcap">\n    Instance "x"\n  </File>'
  'pcapflow: File "/nonexistent/day1.pcap": cannot read capture file: /nonexistent/day1.pcap: No such file or directory'

  'Interface "lo"\n  Interface "lo"'
  "pcapflow: two sources are named \"lo\" and \"lo\" (\"lo\" and \"lo\"), which writers that ignore case or turn '.' into '_' store as one; give one of them another Instance"

  'Interface "lo"\n  <Interface "lo">\n    Instance "LO"\n  </Interface>'
  "pcapflow: two sources are named \"lo\" and \"LO\" (\"lo\" and \"lo\"), which writers that ignore case or turn '.' into '_' store as one; give one of them another Instance"

  '<Interface "lo">\n    Instance "a.b"\n  </Interface>\n  <Interface "lo">\n    Instance "a_b"\n  </Interface>'
  "pcapflow: two sources are named \"a.b\" and \"a_b\" (\"lo\" and \"lo\"), which writers that ignore case or turn '.' into '_' store as one; give one of them another Instance"

  "File \"$WORK/\""
  "pcapflow: File \"$WORK/\": cannot name the source after \"$WORK/\", which has no base name (set Instance)"

  'SnapLen 10\n  BufferSize 0\n  Frobnicate 1\n  <Interface "lo">\n    Workers 0\n    Gadget 2\n  </Interface>'
  "pcapflow: invalid option \`SnapLen 10': expected a whole number from 64 to 262144
pcapflow: invalid option \`BufferSize 0': expected a whole number from 1 to 4096
pcapflow: invalid option \`Frobnicate 1': unknown option (see collectd-pcapflow(5) or docs/CONFIG.md)
pcapflow: invalid option \`Workers 0': expected a whole number from 1 to 64
pcapflow: invalid option \`Gadget 2': unknown option inside <Interface>"

  'DnsCompatIdentifiers true\n  Interface "lo"\n  <Interface "lo">\n    Instance "lo2"\n  </Interface>'
  "pcapflow: DnsCompatIdentifiers true for \"lo\" and \"lo\": both would write plugin dns's series (it has no plugin_instance); keep it on one source"

  'Interface "lo"\n  DnsTimeout 0'
  "pcapflow: invalid option \`DnsTimeout 0': expected a whole number from 1 to 3600"

  'Interface "lo"\n  DnsPendingQueries 8'
  "pcapflow: invalid option \`DnsPendingQueries 8': expected a whole number from 16 to 4194304"

  'Interface "lo"\n  DnsPorts 53 70000'
  "pcapflow: invalid option \`DnsPorts 53 70000': DnsPorts: 70000 is not a port number (1 to 65535)"

  'Interface "lo"\n  DnsPorts 53 5353 53'
  "pcapflow: invalid option \`DnsPorts 53 5353 53': DnsPorts: 53 is given twice"

  'Interface "lo"\n  DnsPorts "53"'
  "pcapflow: invalid option \`DnsPorts \"53\"': expected port numbers from 1 to 65535"

  'Interface "lo"\n  DnsPorts 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17'
  "pcapflow: invalid option \`DnsPorts 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17': expected 1 to 16 port numbers"

  '<Interface "lo">\n    Instance "a/b"\n  </Interface>'
  "pcapflow: Interface \"lo\": Instance \"a/b\": only letters, digits, '_', '-' and '.' are allowed (set Instance to rename the source)"

  'Interface 42'
  "pcapflow: invalid option \`Interface 42': expected exactly one string in double quotes"

  'SnapLen 128'
  'pcapflow: no Interface or File configured in <Plugin pcapflow>'

  'RulesFile "/nonexistent/pcapflow.yaml"\n  Interface "lo"'
  'pcapflow: RulesFile: /nonexistent/pcapflow.yaml: cannot open: No such file or directory'

  "RulesFile \"$WORK/bad_key.yaml\"\n  Interface \"lo\""
  "pcapflow: RulesFile: $WORK/bad_key.yaml:3:5: class \"web\": unknown key \"ports\"; expected name, protocol, dscp, vlan, inner_vlan, port, src_port, dst_port, cidr, src_cidr or dst_cidr"

  'RulesFile 42\n  Interface "lo"'
  "pcapflow: invalid option \`RulesFile 42': expected exactly one string in double quotes"

  "<Interface \"lo\">\n    RulesFile \"$WORK/good.yaml\"\n  </Interface>"
  "pcapflow: invalid option \`RulesFile \"$WORK/good.yaml\"': RulesFile applies to the whole plugin; give it in <Plugin pcapflow>, outside <Interface> and <File>"
)

check_case() {
  local n=$1 body=$2 expected=$3 dir="$WORK/case$1"
  pf_collectd "$dir" --plugin load --raw "$(printf '%b' "$body")" --wait init
  # collectd must keep running and its load plugin keep writing.
  pf_wait_until 15 compgen -G "$dir/csv/$HOSTNAME_TEST/load/load-*" >/dev/null ||
    pf_fail "case $n: collectd did not keep running its other plugins ($(tail -n 3 "$dir/collectd.out" "$dir/collectd.log" 2>/dev/null))"
  local line
  while IFS= read -r line; do
    pf_wait_until 5 grep -qF -- "$line" "$dir/collectd.log" ||
      pf_fail "case $n: expected log line: $line; log: $(grep pcapflow "$dir/collectd.log")"
  done <<<"$expected"
  grep -qF "Initialization of plugin \`pcapflow' failed" "$dir/collectd.log" ||
    grep -qF 'plugin "pcapflow" failed' "$dir/collectd.log" ||
    pf_fail "case $n: pcapflow did not refuse to start: $(grep pcapflow "$dir/collectd.log")"
  kill -0 "$COLLECTD_PID" 2>/dev/null || pf_fail "case $n: collectd exited"
  ! compgen -G "$dir/csv/$HOSTNAME_TEST/pcapflow*" >/dev/null || pf_fail "case $n: pcapflow dispatched values"
  pf_collectd_stop
  # Shutdown after a failed init must be clean too. collectd 5.12 exits
  # with status 1 when any init callback failed; a crash would be >= 128.
  [[ $COLLECTD_STATUS -le 1 ]] && grep -q "Exiting normally" "$dir/collectd.log" ||
    pf_fail "case $n: collectd did not shut down cleanly (status $COLLECTD_STATUS): $(tail -n 3 "$dir/collectd.log")"
}

n=0
for ((i = 0; i < ${#cases[@]}; i += 2)); do
  n=$((n + 1))
  check_case "$n" "${cases[i]}" "${cases[i + 1]}"
done
pf_pass "$n bad configurations refused, collectd kept running"
