#!/usr/bin/env bash
# Reloading the rules file while collectd captures live on a veth: a new
# file (renamed over the old) takes effect without a restart, its new class
# appears, a class it drops stops being written, and a class it keeps goes
# on counting without a reset. The flows opened before the reload count
# under the new rules from the first read after it: a kept class's in it,
# a dropped class's as unclassified (flows keep their first packet's class
# until they end), none in the new class. A broken file, and then a
# missing one, are each logged exactly once while the rules in force stay
# in force.
source "$(dirname "$0")/lib.sh"
pf_test_init rules_reload
pf_netns_init
pf_veth_up

pf_gen live live --seed 7
truth() { awk -v id="$1" '$1 == id { print $2 + $3 }' "$WORK/live.truth"; }
total=$(truth packets-captured) tcp=$(truth if_packets-tcp) udp=$(truth if_packets-udp)
rest=$((total - tcp - udp))

rules="$WORK/rules.yaml"
# install FILE: replaces the rules file at once, as deployment tools do.
install_rules() { cp "$1" "$rules.tmp" && mv -f "$rules.tmp" "$rules"; }
printf 'classes:\n  - name: keep\n    protocol: tcp\n  - name: gone\n    protocol: udp\n' >"$WORK/v1.yaml"
# keep moves to another index: counters follow the name.
printf 'classes:\n  - name: fresh\n    protocol: udp\n  - name: keep\n    protocol: tcp\n' >"$WORK/v2.yaml"
printf 'classes:\n  - name: Web\n    protocol: tcp\n' >"$WORK/broken.yaml"
install_rules "$WORK/v1.yaml"

dir="$WORK/collectd"
# Timeouts longer than the test: every flow of the first replay is still
# active at the last check, so the flow counts are exact.
pf_collectd "$dir" --opt RulesFile "$rules" --local --netns "$NS_B" --interface "$VETH_B" Instance veth \
  TcpTimeout 3600 TcpClosedTimeout 3600 UdpTimeout 3600 IcmpTimeout 3600 OtherTimeout 3600

# class_packets NAME : rx + tx packets of a class, as last written.
class_packets() { pf_csv_latest x "$dir/csv/$HOSTNAME_TEST/pcapflow_class-veth/if_packets-$1" | awk '{ print $2 + $3 }'; }
# expect NAME=COUNT... : waits until every class has counted exactly that.
expect() {
  local kv
  for kv in "$@"; do
    [[ "$(class_packets "${kv%=*}")" == "${kv#*=}" ]] || return 1
  done
}
# flows_are CLASS=PROTO[+PROTO]... : every class has as many active flows as
# the source has of those protocols (current_connections-flows_*), as last
# written.
class_flows() { pf_csv_latest x "$dir/csv/$HOSTNAME_TEST/pcapflow_class-veth/current_connections-$1" | awk '{ print $2 }'; }
proto_flows() { local v; v=$(pf_value "$dir" veth "current_connections-flows_$1"); echo "${v%.*}"; }
flows_are() {
  local kv p want
  for kv in "$@"; do
    want=0
    for p in ${kv#*=}; do want=$((want + $(proto_flows "$p"))); done
    [[ "$(class_flows "${kv%=*}")" == "$want" ]] || return 1
  done
}
flows_of() { echo "keep $(class_flows keep) gone $(class_flows gone) fresh $(class_flows fresh) unclassified $(class_flows unclassified); tcp $(proto_flows tcp) udp $(proto_flows udp) icmp $(proto_flows icmp) other $(proto_flows other)"; }
sent_all() { [[ "$(pf_replay "$WORK/live.pcap")" == "$total" ]] || pf_fail "tcpreplay did not send $total packets"; }
rows() { cat "$dir/csv/$HOSTNAME_TEST/pcapflow_class-veth/if_packets-$1"-* | wc -l; }
errors() { grep -c "pcapflow: RulesFile: $rules:" "$dir/collectd.log" || true; }
# logged_once WHAT LINE : LINE appears in the log within 10 s, and 2.5 s
# (two more reads of the file) later still only once.
logged_once() {
  logged() { grep -cF "$1" "$dir/collectd.log" || true; }
  reported() { [[ "$(logged "$1")" -ge 1 ]]; }
  pf_wait_until 10 reported "$2" || pf_fail "$1 not reported: $(grep RulesFile "$dir/collectd.log")"
  sleep 2.5
  [[ "$(logged "$2")" == 1 ]] || pf_fail "$1 reported $(logged "$2") times"
}

# 1. The first rules.
sent_all
pf_wait_until 20 expect keep=$tcp gone=$udp unclassified=$rest ||
  pf_fail "rules v1: keep $(class_packets keep)/$tcp, gone $(class_packets gone)/$udp, unclassified $(class_packets unclassified)/$rest"
pf_wait_until 10 flows_are keep=tcp gone=udp unclassified="icmp other" ||
  pf_fail "rules v1, flows by class: $(flows_of)"
[[ "$(proto_flows tcp)" -gt 0 && "$(proto_flows udp)" -gt 0 ]] || pf_fail "the capture has no TCP or no UDP flows: $(flows_of)"

# 2. A new file: fresh appears, gone stops, keep carries on.
install_rules "$WORK/v2.yaml"
pf_wait_until 10 grep -qF "RulesFile \"$rules\" reloaded: 2 classes and unclassified" "$dir/collectd.log" ||
  pf_fail "no reload logged: $(grep pcapflow "$dir/collectd.log")"
pf_wait_until 10 expect fresh=0 keep=$tcp || pf_fail "after the reload: fresh $(class_packets fresh), keep $(class_packets keep)/$tcp"
# The flows opened under v1: keep's stay keep's, gone's are unclassified.
pf_wait_until 10 flows_are keep=tcp fresh= unclassified="udp icmp other" ||
  pf_fail "after the reload, flows by class: $(flows_of)"
sleep 1.5 # a read that would still write gone, if anything did
gone_rows=$(rows gone)
sent_all
pf_wait_until 20 expect keep=$((2 * tcp)) fresh=$udp unclassified=$((2 * rest)) ||
  pf_fail "rules v2: keep $(class_packets keep)/$((2 * tcp)), fresh $(class_packets fresh)/$udp, unclassified $(class_packets unclassified)/$((2 * rest))"
# UDP packets now count in fresh, but their flows (opened under v1) stay
# unclassified until they end.
pf_wait_until 10 flows_are keep=tcp fresh= unclassified="udp icmp other" ||
  pf_fail "rules v2, flows by class: $(flows_of)"
[[ "$(rows gone)" == "$gone_rows" ]] || pf_fail "the dropped class is still written ($gone_rows rows, now $(rows gone))"
[[ "$(class_packets gone)" == "$udp" ]] || pf_fail "gone's last value changed"

# 3. A broken file: one error naming file, line and column; old rules stay.
install_rules "$WORK/broken.yaml"
reported() { [[ "$(errors)" -ge 1 ]]; }
pf_wait_until 10 reported || pf_fail "the broken file was not reported: $(grep pcapflow "$dir/collectd.log")"
grep -qF "pcapflow: RulesFile: $rules:2:11: classes[0]: name \"Web\" may use only lowercase letters a-z, digits and _ (writers rewrite other characters); keeping the rules in force" "$dir/collectd.log" ||
  pf_fail "unexpected message: $(grep "RulesFile" "$dir/collectd.log")"
sent_all
pf_wait_until 20 expect keep=$((3 * tcp)) fresh=$((2 * udp)) ||
  pf_fail "after the broken file: keep $(class_packets keep)/$((3 * tcp)), fresh $(class_packets fresh)/$((2 * udp))"
[[ "$(errors)" == 1 ]] || pf_fail "the broken file was reported $(errors) times"

# 4. New local_networks: read at start-up only, so a reload says so, once.
{ printf 'local_networks: [203.0.113.0/24]\n'; cat "$WORK/v2.yaml"; } >"$WORK/v2_local.yaml"
install_rules "$WORK/v2_local.yaml"
logged_once "changed local_networks" \
  "pcapflow: RulesFile \"$rules\": local_networks changed; they take effect when collectd restarts"
[[ "$(class_packets keep)" == $((3 * tcp)) ]] || pf_fail "keep changed on a reload that kept it"

# 5. The file deleted: one warning, old rules stay.
rm -f "$rules"
logged_once "the missing file" \
  "pcapflow: RulesFile \"$rules\": No such file or directory; keeping the rules in force"
[[ "$(class_packets keep)" == $((3 * tcp)) ]] || pf_fail "keep changed while the file was missing"
pf_collectd_stop
pf_pass "reloaded while capturing: new class appeared, dropped class stopped, kept class went on, flows from before counted under the new rules; broken and missing files and changed local_networks reported once each"
