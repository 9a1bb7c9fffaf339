#!/usr/bin/env bash
# The Debian package, through an operator's whole cycle on Debian's own
# collectd with its stock configuration (which includes collectd.conf.d):
# `make deb` builds it, lintian finds no errors, it holds the plugin, the
# loader, a configuration with nothing enabled, docs, dashboards and the man
# page under the MIT (Expat) license and a team maintainer. Installed,
# collectd starts and does nothing of ours (the plugin is not even loaded).
# Enabled as the file says, with one option and one interface (a veth in a
# namespace of this test, traffic from 198.18.0.0/15), every documented
# series appears (the DNS analysis's pcapflow_dns files too) and every
# packet sent is counted. Removed but not purged
# (the edited file kept), collectd starts, without pcapflow; reinstalled,
# the edit is back. Purged, nothing of the package is left on disk.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/stack.sh"
source "$(dirname "$0")/series.sh"
source "$(dirname "$0")/package.sh"
pf_test_init package_deb
pf_need dpkg-buildpackage lintian rrdtool unshare tcpreplay
[[ $(id -u) == 0 ]] || pf_skip "installing a package needs root"
[[ -r /etc/collectd/collectd.conf ]] ||
  pf_skip "no stock /etc/collectd/collectd.conf (Debian's collectd package; make deps installs it)"
if dpkg-query -W -f='${Status}' collectd-pcapflow 2>/dev/null | grep -c >/dev/null 'ok installed'; then
  pf_skip "collectd-pcapflow is already installed here; not touching it"
fi
conf=/etc/collectd/collectd.conf.d/pcapflow.conf
loader=/usr/share/collectd-pcapflow/load.conf

"$PCAPFLOW_ROOT/scripts/build-deb.sh" >"$WORK/build.out" 2>&1 ||
  pf_fail "make deb failed: $(tail -n 20 "$WORK/build.out")"
version=$(dpkg-parsechangelog -l "$PCAPFLOW_ROOT/packaging/debian/changelog" -S Version)
deb=$(ls "$PCAPFLOW_ROOT"/build/deb/collectd-pcapflow_"$version"_*.deb)
grep -qE '^E: ' "$PCAPFLOW_ROOT/build/deb/lintian.log" && pf_fail "lintian errors: $(cat "$PCAPFLOW_ROOT/build/deb/lintian.log")"
# The command is built with dpkg's hardening flags (bindnow, PIE): lintian
# has nothing to say about it.
grep -q 'usr/bin/pcapflow-top' "$PCAPFLOW_ROOT/build/deb/lintian.log" &&
  pf_fail "lintian on pcapflow-top: $(grep 'usr/bin/pcapflow-top' "$PCAPFLOW_ROOT/build/deb/lintian.log")"

# Contents, relations, license, maintainer.
dpkg-deb -c "$deb" | awk '{print substr($1, 1, 1), $6}' | sed 's| \./| /|' >"$WORK/entries"
awk '{print $2}' "$WORK/entries" >"$WORK/contents"
for f in /usr/lib/collectd/pcapflow.so "$conf" "$loader" \
  /usr/share/man/man5/collectd-pcapflow.5.gz /usr/share/doc/collectd-pcapflow/METRICS.md \
  /usr/bin/pcapflow-top /usr/share/man/man1/pcapflow-top.1.gz \
  /usr/share/doc/collectd-pcapflow/DEPLOYMENT.md /usr/share/doc/collectd-pcapflow/copyright \
  /usr/share/doc/collectd-pcapflow/examples/pcapflow-graphite.json \
  /usr/share/doc/collectd-pcapflow/examples/pcapflow-influxdb.json \
  /usr/share/doc/collectd-pcapflow/examples/pcapflow-unprivileged.conf \
  /usr/share/doc/collectd-pcapflow/examples/pcapflow-capabilities.conf; do
  # (dh_compress gzips the larger docs)
  grep -qxE "$f(\.gz)?" "$WORK/contents" || pf_fail "the package lacks $f"
done
depends=$(dpkg-deb -f "$deb" Depends)
[[ "$depends" == *"collectd-core (>= 5.12.0)"* && "$depends" == *libpcap0.8* ]] ||
  pf_fail "Depends lacks collectd-core or libpcap: $depends"
maintainer=$(dpkg-deb -f "$deb" Maintainer)
[[ "$maintainer" == "collectd-pcapflow maintainers <maintainers@collectd-pcapflow.org>" ]] ||
  pf_fail "Maintainer is \"$maintainer\", not the team address"
dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ./usr/share/doc/collectd-pcapflow/copyright >"$WORK/copyright"
grep -qx 'License: Expat' "$WORK/copyright" && grep -q 'Permission is hereby granted, free of charge' "$WORK/copyright" ||
  pf_fail "the copyright file does not carry the MIT (Expat) license: $(head -n 12 "$WORK/copyright")"
dpkg-deb --ctrl-tarfile "$deb" | tar -tf - | sed 's|^\./||' >"$WORK/control_members"
[[ "$(dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles)" == "$conf" ]] ||
  pf_fail "the conffiles are not exactly $conf: $(dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles)"
# Installing, removing and purging run nothing of ours: no maintainer
# script restarts collectd or edits its configuration.
scripts=$(grep -xE 'preinst|postinst|prerm|postrm' "$WORK/control_members" || true)
[[ -z "$scripts" ]] || pf_fail "the package has maintainer scripts: $scripts"
dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ".$conf" >"$WORK/shipped.conf"
active=$(grep -vE '^[[:space:]]*(#|$)' "$WORK/shipped.conf" || true)
[[ -z "$active" ]] || pf_fail "the shipped $conf enables something: $active"

# Debian's collectd, stock configuration, in the foreground under our PID and
# PID file. A private mount namespace puts a folder of ours over
# /var/lib/collectd (BaseDir and the stock rrdtool DataDir), so a run neither
# sees nor touches the machine's data or another collectd's.
# stock_collectd VAR [PREFIX...] : one run, its data in VAR; PREFIX is e.g.
# `ip netns exec NS`. Sets COLLECTD_PID.
stock_collectd() {
  local var=$1
  shift
  mkdir -p "$var"
  "$@" unshare --mount --propagation private -- sh -c \
    'mount --bind "$1" /var/lib/collectd && exec /usr/sbin/collectd -f -C /etc/collectd/collectd.conf -P "$2"' \
    sh "$var" "$var.pid" >"$var.out" 2>&1 &
  COLLECTD_PID=$!
  PF_PIDS+=("$COLLECTD_PID")
}
# writing VAR : collectd got past its configuration and writes (the stock
# load plugin's RRD file exists); fails the test at once if it has exited.
writing() {
  kill -0 "$COLLECTD_PID" 2>/dev/null ||
    pf_fail "Debian's collectd exited: $(tail -n 5 "$1.out")"
  [[ -n "$(find "$1/rrd" -path '*/load/load.rrd' 2>/dev/null)" ]]
}
# without_pcapflow VAR LABEL : a run that starts, writes, and has neither
# loaded the plugin nor written a pcapflow series; stopped cleanly.
without_pcapflow() {
  local var=$1 label=$2
  stock_collectd "$var"
  pf_wait_until 60 writing "$var" || pf_fail "$label: Debian's collectd wrote nothing in 60 s: $(tail -n 5 "$var.out")"
  # Plugins are loaded while the configuration is read, before any write.
  ! grep -q "pcapflow\.so" "/proc/$COLLECTD_PID/maps" || pf_fail "$label: collectd loaded pcapflow"
  local ours
  ours=$(find "$var/rrd" -name 'pcapflow*' | head -n 3)
  [[ -z "$ours" ]] || pf_fail "$label: pcapflow series were written: $ours"
  pf_collectd_stop
  [[ $COLLECTD_STATUS == 0 ]] || pf_fail "$label: Debian's collectd exited with $COLLECTD_STATUS: $(tail -n 5 "$var.out")"
}

# 1. Installed: collectd does nothing new.
PF_CLEANUPS+=("dpkg --purge collectd-pcapflow >/dev/null 2>&1")
dpkg -i "$deb" >"$WORK/dpkg.out" 2>&1 </dev/null || pf_fail "dpkg -i failed: $(cat "$WORK/dpkg.out")"
[[ -f /usr/lib/collectd/pcapflow.so && -f "$conf" && -f "$loader" ]] || pf_fail "installed files are missing"
man -w collectd-pcapflow >/dev/null 2>&1 || pf_fail "man collectd-pcapflow finds no page"
man -w pcapflow-top >/dev/null 2>&1 || pf_fail "man pcapflow-top finds no page"
/usr/bin/pcapflow-top --names >"$WORK/top.names" && grep -qx packets-captured "$WORK/top.names" ||
  pf_fail "the installed pcapflow-top does not run"
/usr/sbin/collectd -t -C /etc/collectd/collectd.conf >"$WORK/configtest" 2>&1 ||
  pf_fail "the stock configuration with the shipped file does not pass collectd -t: $(cat "$WORK/configtest")"
without_pcapflow "$WORK/installed" installed

# 2. Enabled as the file says (the Include line, and the block with one '#'
# off each line), with one option and one interface: a veth in a namespace.
pf_netns_init
pf_veth_up
"$GEN" --scenario live --seed 13 --out "$WORK/live.pcap" --truth "$WORK/live.truth" || pf_fail "generator failed"
total=$(awk '$1 == "packets-captured" {print $2}' "$WORK/live.truth")
pf_enable_conf "$WORK/shipped.conf" "Interface \"$VETH_B\"" >"$WORK/enabled.conf"
[[ "$(grep -vE '^[[:space:]]*(#|$)' "$WORK/enabled.conf" | tr -s ' ' | tr '\n' '|')" == \
  "Include \"$loader\"|<Plugin pcapflow>| LocalNetwork \"198.18.0.0/15\"| Interface \"$VETH_B\"|</Plugin>|" ]] ||
  pf_fail "enabling as the file says gives: $(grep -vE '^[[:space:]]*(#|$)' "$WORK/enabled.conf")"
cp "$WORK/enabled.conf" "$conf"
var="$WORK/enabled"
stock_collectd "$var" ip netns exec "$NS_B"
pf_doc_series
rrd_ids() {
  find "$var/rrd" -path "*/pcapflow-$VETH_B/*.rrd" 2>/dev/null | sed -E 's|.*/||; s|\.rrd$||' | LC_ALL=C sort >"$WORK/rrd.ids"
}
capture_open() {
  kill -0 "$COLLECTD_PID" 2>/dev/null || pf_fail "enabled: Debian's collectd exited: $(tail -n 5 "$var.out")"
  rrd_ids && pf_fixed_present "$WORK/rrd.ids" && [[ "$(last gauge-capture_up)" == 1 ]]
}
rrd_dir() { dirname "$(find "$var/rrd" -path "*/pcapflow-$VETH_B/gauge-capture_up.rrd" | head -n 1)"; }
last() { rrdtool lastupdate "$(rrd_dir)/$1.rrd" | awk -F': ' 'NF == 2 { split($2, v, " "); printf "%d\n", v[1] }'; }
# The stock interval is 10 s: the first values may come before the capture
# thread has opened the veth.
pf_wait_until 90 capture_open ||
  pf_fail "enabled: $(wc -l <"$WORK/rrd.ids") pcapflow RRD files, $(pf_ids_problems "$WORK/rrd.ids"); $(tail -n 5 "$var.out")"
sent=$(pf_replay "$WORK/live.pcap")
[[ "$sent" == "$total" ]] || pf_fail "tcpreplay sent $sent of $total"
counted() { [[ "$(last packets-captured)" == "$total" ]]; }
pf_wait_until 60 counted || pf_fail "enabled: packets-captured is $(last packets-captured), $total were sent"
pf_collectd_stop
[[ $COLLECTD_STATUS == 0 ]] || pf_fail "enabled: Debian's collectd exited with $COLLECTD_STATUS: $(tail -n 5 "$var.out")"
rrd_ids
problems=$(pf_ids_problems "$WORK/rrd.ids")
[[ -z "$problems" ]] || pf_fail "enabled: pcapflow RRD files: $problems"
n_series=$(wc -l <"$WORK/rrd.ids")
# ...and the DNS analysis' files (plugin pcapflow_dns, on by default):
# every fixed one of METRICS.md's DNS table, and otherwise only its
# families (codes seen, latency figures, top domains).
pf_doc_dns_series
find "$var/rrd" -path "*/pcapflow_dns-$VETH_B/*.rrd" 2>/dev/null | sed -E 's|.*/||; s|\.rrd$||' | LC_ALL=C sort >"$WORK/dns_rrd.ids"
problems=$(LC_ALL=C comm -23 "$WORK/dns.fixed" "$WORK/dns_rrd.ids" | sed 's/^/missing: /')
problems+=$(LC_ALL=C comm -13 "$WORK/dns.fixed" "$WORK/dns_rrd.ids" |
  grep -vE '^(dns_(qtype|opcode|rcode)-[A-Za-z0-9#_]+|duration-dns_(p50|p90|p99|max)|count-top_domain_[a-z0-9_]+)$' | sed 's/^/undocumented: /' || true)
[[ -z "$problems" ]] || pf_fail "enabled: pcapflow_dns RRD files: $(tr '\n' ' ' <<<"$problems")"
n_dns=$(wc -l <"$WORK/dns_rrd.ids")

# 3. Removed, not purged: the edited file stays, collectd starts without
# pcapflow; reinstalling brings the edit back untouched.
dpkg --remove collectd-pcapflow >"$WORK/remove.out" 2>&1 || pf_fail "dpkg --remove failed: $(cat "$WORK/remove.out")"
cmp -s "$conf" "$WORK/enabled.conf" || pf_fail "removing changed or dropped the edited $conf"
[[ ! -e /usr/lib/collectd/pcapflow.so && ! -e "$loader" ]] || pf_fail "the plugin or its loader is still there after remove"
without_pcapflow "$WORK/removed" removed
dpkg -i "$deb" >"$WORK/dpkg2.out" 2>&1 </dev/null || pf_fail "reinstalling failed: $(cat "$WORK/dpkg2.out")"
cmp -s "$conf" "$WORK/enabled.conf" || pf_fail "reinstalling did not keep the edited $conf"

# 4. Purged: nothing of the package is left: its files, its own folders, the
# configuration (with any dpkg copies of it) and dpkg's records.
dpkg --purge collectd-pcapflow >"$WORK/purge.out" 2>&1 || pf_fail "dpkg --purge failed: $(cat "$WORK/purge.out")"
awk '$1 != "d" || $2 ~ /pcapflow/ { print $2 }' "$WORK/entries" | sed 's|/$||' >"$WORK/ours"
left=$(while read -r f; do [[ ! -e "$f" ]] || echo "$f"; done <"$WORK/ours")
left+=$(ls -d "$conf"* /var/lib/dpkg/info/collectd-pcapflow.* 2>/dev/null || true)
[[ -z "$left" ]] || pf_fail "left after purge: $left"
dpkg-query -W -f='${Status}' collectd-pcapflow 2>/dev/null | grep -c >/dev/null 'ok installed' && pf_fail "still installed after purge"
pf_pass "built, lintian clean; installed: stock collectd ran without loading pcapflow; enabled on a veth: $n_series pcapflow series ($PF_DOC_FIXED fixed) and $n_dns pcapflow_dns ones ($PF_DNS_FIXED fixed), $total packets counted; removed: collectd ran without it; reinstalled with the edit kept; purged: $(wc -l <"$WORK/ours") paths gone"
