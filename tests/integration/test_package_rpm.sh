#!/usr/bin/env bash
# The RPM: `make rpm` builds the binary and source packages from
# packaging/rpm/collectd-pcapflow.spec with rpmbuild; the package holds the
# plugin in collectd's Fedora plugin directory, the block as a noreplace
# config file in /etc/collectd.d, the capabilities drop-in, docs and man
# page; it requires collectd 5.12 and libpcap. It installs into (and erases
# from) a private root with its own RPM database, never the machine's.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/stack.sh"
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
rpm -qlp "$rpm_file" >"$WORK/files"
for f in "$libdir/collectd/pcapflow.so" /etc/collectd.d/pcapflow.conf \
  /usr/lib/systemd/system/collectd.service.d/pcapflow.conf /usr/share/man/man5/collectd-pcapflow.5 \
  "/usr/share/doc/collectd-pcapflow-$version/METRICS.md" "/usr/share/doc/collectd-pcapflow-$version/DEPLOYMENT.md" \
  "/usr/share/doc/collectd-pcapflow-$version/pcapflow-graphite.json"; do
  grep -qxF "$f" "$WORK/files" || pf_fail "the RPM lacks $f"
done
rpm -qp --configfiles "$rpm_file" | grep -cxF >/dev/null /etc/collectd.d/pcapflow.conf || pf_fail "the block is not a config file"
[[ "$(rpm -qp --qf '[%{FILEFLAGS:fflags} %{FILENAMES}\n]' "$rpm_file" | awk '$2 == "/etc/collectd.d/pcapflow.conf" {print $1}')" == *n* ]] ||
  pf_fail "the block is not %config(noreplace)"
rpm -qp --requires "$rpm_file" >"$WORK/requires"
grep -qx 'collectd >= 5.12.0' "$WORK/requires" && grep -qx 'collectd < 5.13' "$WORK/requires" &&
  grep -q '^libpcap\.so' "$WORK/requires" || pf_fail "requires: $(tr '\n' ' ' <"$WORK/requires")"

# Install into a private root, check, erase.
root="$WORK/root"
mkdir -p "$root"
# Debian's rpm keeps its database under ~; give the private root its own.
rpmr=(rpm --root "$root" --dbpath /var/lib/rpm)
"${rpmr[@]}" --initdb
"${rpmr[@]}" --nodeps -i "$rpm_file" >"$WORK/install.out" 2>&1 || pf_fail "rpm -i: $(cat "$WORK/install.out")"
"${rpmr[@]}" -q collectd-pcapflow >/dev/null || pf_fail "not installed in the private root"
cmp -s "$root/etc/collectd.d/pcapflow.conf" "$PCAPFLOW_ROOT/collectd.conf.d/pcapflow.conf" || pf_fail "installed block differs"
grep -q '^CapabilityBoundingSet=CAP_NET_RAW$' "$root/usr/lib/systemd/system/collectd.service.d/pcapflow.conf" ||
  pf_fail "the drop-in does not grant exactly CAP_NET_RAW"
[[ -s "$root$libdir/collectd/pcapflow.so" ]] || pf_fail "no plugin in the private root"
"${rpmr[@]}" -V --nodeps collectd-pcapflow || pf_fail "rpm -V finds changed files"
"${rpmr[@]}" --nodeps -e collectd-pcapflow || pf_fail "rpm -e failed"
left=$(cd "$root" && find . -type f ! -path './var/lib/rpm*' ! -path './usr/lib/sysimage/*' | head)
[[ -z "$left" ]] || pf_fail "files left after rpm -e: $left"
pf_pass "RPM and SRPM built; $(wc -l <"$WORK/files") paths; installed into and erased from a private root"
