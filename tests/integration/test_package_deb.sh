#!/usr/bin/env bash
# The Debian package: `make deb` builds it with debhelper and lintian finds
# no errors; it holds the plugin, the example block, docs, dashboards and
# the man page, and depends on collectd-core and libpcap. Installed with
# dpkg on this machine, Debian's own collectd with its stock configuration
# (which includes collectd.conf.d) loads the shipped block and writes every
# pcapflow series to RRD; purging leaves nothing behind.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/stack.sh"
source "$(dirname "$0")/series.sh"
pf_test_init package_deb
pf_need dpkg-buildpackage lintian rrdtool unshare
[[ $(id -u) == 0 ]] || pf_skip "installing a package needs root"
[[ -r /etc/collectd/collectd.conf ]] ||
  pf_skip "no stock /etc/collectd/collectd.conf (Debian's collectd package; make deps installs it)"
if dpkg-query -W -f='${Status}' collectd-pcapflow 2>/dev/null | grep -c >/dev/null 'ok installed'; then
  pf_skip "collectd-pcapflow is already installed here; not touching it"
fi

"$PCAPFLOW_ROOT/scripts/build-deb.sh" >"$WORK/build.out" 2>&1 ||
  pf_fail "make deb failed: $(tail -n 20 "$WORK/build.out")"
version=$(dpkg-parsechangelog -l "$PCAPFLOW_ROOT/packaging/debian/changelog" -S Version)
deb=$(ls "$PCAPFLOW_ROOT"/build/deb/collectd-pcapflow_"$version"_*.deb)
grep -qE '^E: ' "$PCAPFLOW_ROOT/build/deb/lintian.log" && pf_fail "lintian errors: $(cat "$PCAPFLOW_ROOT/build/deb/lintian.log")"

# Contents and relations.
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$WORK/contents"
for f in /usr/lib/collectd/pcapflow.so /etc/collectd/collectd.conf.d/pcapflow.conf \
  /usr/share/man/man5/collectd-pcapflow.5.gz /usr/share/doc/collectd-pcapflow/METRICS.md \
  /usr/share/doc/collectd-pcapflow/DEPLOYMENT.md /usr/share/doc/collectd-pcapflow/copyright \
  /usr/share/doc/collectd-pcapflow/examples/pcapflow-graphite.json \
  /usr/share/doc/collectd-pcapflow/examples/pcapflow-influxdb.json \
  /usr/share/doc/collectd-pcapflow/examples/pcapflow-unprivileged.conf; do
  # (dh_compress gzips the larger docs)
  grep -qxE "$f(\.gz)?" "$WORK/contents" || pf_fail "the package lacks $f"
done
depends=$(dpkg-deb -f "$deb" Depends)
[[ "$depends" == *"collectd-core (>= 5.12.0)"* && "$depends" == *libpcap0.8* ]] ||
  pf_fail "Depends lacks collectd-core or libpcap: $depends"
dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles | grep -cxF >/dev/null /etc/collectd/collectd.conf.d/pcapflow.conf ||
  pf_fail "the example block is not a conffile"

# Install, and purge whatever happens next.
PF_CLEANUPS+=("dpkg --purge collectd-pcapflow >/dev/null 2>&1")
dpkg -i "$deb" >"$WORK/dpkg.out" 2>&1 || pf_fail "dpkg -i failed: $(cat "$WORK/dpkg.out")"
[[ -f /usr/lib/collectd/pcapflow.so && -f /etc/collectd/collectd.conf.d/pcapflow.conf ]] ||
  pf_fail "installed files are missing"
man -w collectd-pcapflow >/dev/null 2>&1 || pf_fail "man collectd-pcapflow finds no page"
/usr/sbin/collectd -t -C /etc/collectd/collectd.conf >"$WORK/configtest" 2>&1 ||
  pf_fail "the stock configuration with the shipped block does not pass collectd -t: $(cat "$WORK/configtest")"

# Debian's collectd, stock configuration, in the foreground under our PID and
# PID file. A private mount namespace puts a folder of ours over
# /var/lib/collectd (BaseDir and the stock rrdtool DataDir), so this run
# neither sees nor touches the machine's data or another collectd's.
mkdir -p "$WORK/var"
unshare --mount --propagation private -- sh -c \
  'mount --bind "$1" /var/lib/collectd && exec /usr/sbin/collectd -f -C /etc/collectd/collectd.conf -P "$2"' \
  sh "$WORK/var" "$WORK/collectd.pid" >"$WORK/collectd.out" 2>&1 &
COLLECTD_PID=$!
PF_PIDS+=("$COLLECTD_PID")

pf_doc_series
instance=$(awk '$1 == "Interface" { gsub(/"/, "", $2); print $2; exit }' /etc/collectd/collectd.conf.d/pcapflow.conf)
[[ -n "$instance" ]] || pf_fail "the shipped block names no Interface"
# One RRD file per identifier: every fixed one of METRICS.md, plus top-N
# names of the documented families when the interface carries IP traffic.
rrd_ids() {
  find "$WORK/var/rrd" -path "*/pcapflow-$instance/*.rrd" 2>/dev/null | sed -E 's|.*/||; s|\.rrd$||' | LC_ALL=C sort >"$WORK/rrd.ids"
}
all_written() { rrd_ids && pf_fixed_present "$WORK/rrd.ids"; }
pf_wait_until 60 all_written ||
  pf_fail "$(wc -l <"$WORK/rrd.ids") pcapflow RRD files written, $(pf_ids_problems "$WORK/rrd.ids"); $(tail -n 5 "$WORK/collectd.out")"
rrd_dir=$(dirname "$(find "$WORK/var/rrd" -path "*/pcapflow-$instance/gauge-capture_up.rrd" | head -n 1)")
last() { rrdtool lastupdate "$rrd_dir/$1.rrd" | awk -F': ' 'NF == 2 { split($2, v, " "); printf "%d\n", v[1] }'; }
# The first interval may come before the capture thread has tried to open
# the interface; the stock interval is 10 s.
tried() { (($(last operations-capture_opened) + $(last operations-capture_failed) >= 1)); }
pf_wait_until 40 tried || pf_fail "no attempt to open $instance was ever reported"
pf_collectd_stop
[[ $COLLECTD_STATUS == 0 ]] || pf_fail "Debian's collectd exited with $COLLECTD_STATUS: $(tail -n 5 "$WORK/collectd.out")"
rrd_ids
problems=$(pf_ids_problems "$WORK/rrd.ids")
[[ -z "$problems" ]] || pf_fail "pcapflow RRD files: $problems"
if [[ -e /sys/class/net/$instance ]]; then
  [[ "$(last gauge-capture_up)" == 1 && "$(last operations-capture_opened)" == 1 ]] ||
    pf_fail "$instance exists but capture_up=$(last gauge-capture_up) capture_opened=$(last operations-capture_opened)"
else
  [[ "$(last gauge-capture_up)" == 0 && "$(last operations-capture_failed)" -ge 1 ]] ||
    pf_fail "$instance is missing but capture_up=$(last gauge-capture_up) capture_failed=$(last operations-capture_failed)"
fi

# Remove: nothing of the package stays.
dpkg --purge collectd-pcapflow >"$WORK/purge.out" 2>&1 || pf_fail "dpkg --purge failed: $(cat "$WORK/purge.out")"
for f in /usr/lib/collectd/pcapflow.so /etc/collectd/collectd.conf.d/pcapflow.conf \
  /usr/share/man/man5/collectd-pcapflow.5.gz /usr/share/doc/collectd-pcapflow; do
  [[ ! -e "$f" ]] || pf_fail "$f is still there after purge"
done
dpkg-query -W -f='${Status}' collectd-pcapflow 2>/dev/null | grep -c >/dev/null 'ok installed' && pf_fail "still installed after purge"
pf_pass "built, lintian clean, installed; stock collectd wrote the $PF_DOC_FIXED fixed pcapflow-$instance RRD files (and $(($(wc -l <"$WORK/rrd.ids") - PF_DOC_FIXED)) top-N); purged clean"
