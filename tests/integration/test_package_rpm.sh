#!/usr/bin/env bash
# The RPM, as far as Debian can try it: `make rpm` builds the binary and
# source packages from packaging/rpm/collectd-pcapflow.spec; the package
# holds the plugin in collectd's Fedora plugin directory, its loader, the
# configuration as a noreplace config file in /etc/collectd.d with nothing
# enabled, docs, drop-in examples, LICENSE and man page; it is MIT, requires
# collectd 5.12 and libpcap, and has no scriptlets (installing and erasing
# run nothing, touch no systemd unit). Installed into a private root with its
# own RPM database (never the machine's) and read as Fedora's collectd.conf
# reads /etc/collectd.d, Debian's collectd loads it once enabled and counts a
# capture file exactly; erased with the edit kept (.rpmsave), collectd still
# starts, without pcapflow; nothing else of the package is left.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/stack.sh"
source "$(dirname "$0")/package.sh"
pf_test_init package_rpm
pf_need rpmbuild rpm rpmspec

"$PCAPFLOW_ROOT/scripts/build-rpm.sh" >"$WORK/build.out" 2>&1 ||
  pf_fail "make rpm failed: $(tail -n 20 "$WORK/build.out")"
spec="$PCAPFLOW_ROOT/packaging/rpm/collectd-pcapflow.spec"
version=$(rpmspec -q --srpm --qf '%{version}' "$spec")
deb_version=$(dpkg-parsechangelog -l "$PCAPFLOW_ROOT/packaging/debian/changelog" -S Version)
[[ "$version" == "$deb_version" ]] || pf_fail "spec version $version, debian/changelog $deb_version"
rpm_file=$(ls "$PCAPFLOW_ROOT"/build/rpm/RPMS/*/collectd-pcapflow-"$version"-*.rpm)
ls "$PCAPFLOW_ROOT"/build/rpm/SRPMS/collectd-pcapflow-"$version"-*.src.rpm >/dev/null || pf_fail "no source RPM"

libdir=$(rpm --eval '%{_libdir}')
conf=/etc/collectd.d/pcapflow.conf
loader=/usr/share/collectd-pcapflow/load.conf
docdir="/usr/share/doc/collectd-pcapflow-$version"
rpm -qlp "$rpm_file" >"$WORK/files"
for f in "$libdir/collectd/pcapflow.so" "$conf" "$loader" /usr/share/man/man5/collectd-pcapflow.5 \
  /usr/bin/pcapflow-top /usr/share/man/man1/pcapflow-top.1 \
  "$docdir/METRICS.md" "$docdir/DEPLOYMENT.md" "$docdir/pcapflow-graphite.json" \
  "$docdir/pcapflow-capabilities.conf" "$docdir/pcapflow-unprivileged.conf" \
  "/usr/share/licenses/collectd-pcapflow-$version/LICENSE"; do
  grep -qxF "$f" "$WORK/files" || pf_fail "the RPM lacks $f"
done
# Installing changes nothing collectd does: no unit drop-in is put in place
# (the capabilities one is an example), and no scriptlet or trigger runs.
units=$(grep '^/usr/lib/systemd\|^/etc/systemd' "$WORK/files" || true)
[[ -z "$units" ]] || pf_fail "the RPM installs systemd files: $units"
scriptlets=$(rpm -qp --scripts --triggers "$rpm_file")
[[ -z "$scriptlets" ]] || pf_fail "the RPM has scriptlets: $scriptlets"
[[ "$(rpm -qp --qf '%{LICENSE}' "$rpm_file")" == MIT ]] || pf_fail "License is $(rpm -qp --qf '%{LICENSE}' "$rpm_file"), not MIT"
[[ "$(rpm -qp --qf '%{CHANGELOGNAME}' "$rpm_file")" == "collectd-pcapflow maintainers <maintainers@collectd-pcapflow.org> - $version-"* ]] ||
  pf_fail "the changelog is not signed by the team address: $(rpm -qp --qf '%{CHANGELOGNAME}' "$rpm_file")"
[[ "$(rpm -qp --configfiles "$rpm_file")" == "$conf" ]] || pf_fail "the config files are not exactly $conf"
[[ "$(rpm -qp --qf '[%{FILEFLAGS:fflags} %{FILENAMES}\n]' "$rpm_file" | awk -v c="$conf" '$2 == c {print $1}')" == *n* ]] ||
  pf_fail "$conf is not %config(noreplace)"
rpm -qp --requires "$rpm_file" >"$WORK/requires"
grep -qx 'collectd >= 5.12.0' "$WORK/requires" && grep -qx 'collectd < 5.13' "$WORK/requires" &&
  grep -q '^libpcap\.so' "$WORK/requires" || pf_fail "requires: $(tr '\n' ' ' <"$WORK/requires")"

# Install into a private root.
root="$WORK/root"
mkdir -p "$root"
# Debian's rpm keeps its database under ~; give the private root its own.
rpmr=(rpm --root "$root" --dbpath /var/lib/rpm)
"${rpmr[@]}" --initdb
"${rpmr[@]}" --nodeps -i "$rpm_file" >"$WORK/install.out" 2>&1 || pf_fail "rpm -i: $(cat "$WORK/install.out")"
"${rpmr[@]}" -q collectd-pcapflow >/dev/null || pf_fail "not installed in the private root"
cmp -s "$root$conf" "$PCAPFLOW_ROOT/collectd.conf.d/pcapflow.conf" || pf_fail "installed $conf differs from collectd.conf.d/pcapflow.conf"
active=$(grep -vE '^[[:space:]]*(#|$)' "$root$conf" || true)
[[ -z "$active" ]] || pf_fail "the installed $conf enables something: $active"
grep -qxF "#Include \"$loader\"" "$root$conf" || pf_fail "$conf has no commented Include of $loader"
grep -qx 'LoadPlugin pcapflow' "$root$loader" || pf_fail "$loader does not load pcapflow"
[[ -s "$root$libdir/collectd/pcapflow.so" ]] || pf_fail "no plugin in the private root"
"${rpmr[@]}" -V --nodeps collectd-pcapflow || pf_fail "rpm -V finds changed files"

# fedora_collectd DIR : Debian's collectd with the root's plugin directory
# (plus logfile, csv and unixsock, linked in for the run; the socket is
# DIR/sock) and a collectd.conf that,
# like Fedora's, includes every file of the root's /etc/collectd.d, with
# the loader's path moved into the root. Sets COLLECTD_PID.
fedora_collectd() {
  local dir=$1 f
  mkdir -p "$dir/collectd.d"
  for f in "$root"/etc/collectd.d/*; do
    sed "s|\"$loader\"|\"$root$loader\"|" "$f" >"$dir/collectd.d/${f##*/}"
  done
  pf_collectd_conf "$dir" 1
  sed -i "s|^PluginDir .*|PluginDir \"$root$libdir/collectd\"|" "$dir/collectd.conf"
  printf 'LoadPlugin unixsock\n<Plugin unixsock>\n  SocketFile "%s"\n</Plugin>\n' "$dir/sock" >>"$dir/collectd.conf"
  echo "Include \"$dir/collectd.d\"" >>"$dir/collectd.conf"
  for f in logfile csv unixsock; do ln -f "$STOCK_PLUGIN_DIR/$f.so" "$root$libdir/collectd/$f.so"; done
  pf_collectd_start "$dir"
}
unlink_stock() { rm -f "$root$libdir/collectd/"{logfile,csv,unixsock}.so; }

# Enabled as the file says, with one option and one source (a capture file).
"$GEN" --scenario live --seed 13 --out "$WORK/live.pcap" --truth "$WORK/live.truth" || pf_fail "generator failed"
total=$(awk '$1 == "packets-captured" {print $2}' "$WORK/live.truth")
pf_enable_conf "$root$conf" "File \"$WORK/live.pcap\"" >"$WORK/enabled.conf"
cp "$WORK/enabled.conf" "$root$conf"
dir="$WORK/enabled"
fedora_collectd "$dir"
counted() { [[ "$(pf_value "$dir" live packets-captured)" == "$total" ]]; }
pf_wait_until 30 counted || pf_fail "enabled: packets-captured is $(pf_value "$dir" live packets-captured), the file has $total: $(tail -n 5 "$dir/collectd.log")"
# The packaged live view reads the packaged plugin's values through unixsock.
"$root/usr/bin/pcapflow-top" -b -s "$dir/sock" -i live >"$WORK/top.out" 2>&1 ||
  pf_fail "enabled: the packaged pcapflow-top failed: $(cat "$WORK/top.out")"
grep -q "^pcapflow-top  $HOSTNAME_TEST/live " "$WORK/top.out" && grep -q "^TRAFFIC " "$WORK/top.out" ||
  pf_fail "enabled: the packaged pcapflow-top shows: $(cat "$WORK/top.out")"
pf_collectd_stop
[[ $COLLECTD_STATUS == 0 ]] || pf_fail "enabled: collectd exited with $COLLECTD_STATUS"
unlink_stock

# Erased: the edited file is kept as .rpmsave, the plugin and loader are
# gone, and collectd, including that file, still starts.
"${rpmr[@]}" --nodeps -e collectd-pcapflow || pf_fail "rpm -e failed"
cmp -s "$root$conf.rpmsave" "$WORK/enabled.conf" || pf_fail "erasing did not keep the edited $conf as .rpmsave"
dir="$WORK/erased"
fedora_collectd "$dir"
started() {
  kill -0 "$COLLECTD_PID" 2>/dev/null || pf_fail "erased: collectd exited: $(cat "$dir/collectd.out")"
  grep -qs 'Initialization complete' "$dir/collectd.log"
}
pf_wait_until 30 started || pf_fail "erased: collectd did not start: $(tail -n 5 "$dir/collectd.log")"
! grep -q 'pcapflow\.so' "/proc/$COLLECTD_PID/maps" || pf_fail "erased: collectd loaded pcapflow"
pf_collectd_stop
[[ $COLLECTD_STATUS == 0 ]] || pf_fail "erased: collectd exited with $COLLECTD_STATUS: $(cat "$dir/collectd.out")"
unlink_stock
left=$(cd "$root" && find . -type f ! -path './var/lib/rpm*' ! -path './usr/lib/sysimage/*' ! -path ".$conf.rpmsave" | head)
[[ -z "$left" ]] || pf_fail "files left after rpm -e: $left"
pf_pass "RPM and SRPM built; $(wc -l <"$WORK/files") paths, no scriptlets, nothing enabled; enabled in a private root: $total packets counted; erased: the edit kept as .rpmsave and collectd starts without pcapflow"
