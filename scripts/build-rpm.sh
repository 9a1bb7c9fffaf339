#!/usr/bin/env bash
# build-rpm.sh - `make rpm`: builds the source and binary RPM from
# packaging/rpm/collectd-pcapflow.spec with rpmbuild under build/rpm/. On
# Debian, BuildRequires cannot be checked against an RPM database (--nodeps)
# and there is no debuginfo tooling, so no debuginfo package is made.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
spec="$root/packaging/rpm/collectd-pcapflow.spec"
top="$root/build/rpm"
version=$(rpmspec -q --srpm --qf '%{version}' "$spec")

rm -rf "$top"
mkdir -p "$top"/{SOURCES,SPECS,BUILD,RPMS,SRPMS}
"$root/scripts/pkg-source.sh" "$top/tree/collectd-pcapflow-$version"
tar -C "$top/tree" -czf "$top/SOURCES/collectd-pcapflow-$version.tar.gz" "collectd-pcapflow-$version"
extra=()
[[ -r /etc/debian_version ]] && extra=(--nodeps --define 'debug_package %{nil}')
rpmbuild -ba --define "_topdir $top" "${extra[@]}" "$spec" >"$top/build.log" 2>&1 || {
  tail -n 30 "$top/build.log" >&2
  echo "build-rpm: rpmbuild failed (full log: $top/build.log)" >&2
  exit 1
}
echo "build-rpm: $(cd "$top" && ls RPMS/*/*.rpm SRPMS/*.rpm | tr '\n' ' ')"
