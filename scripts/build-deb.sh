#!/usr/bin/env bash
# build-deb.sh - `make deb`: builds the collectd-pcapflow binary package with
# dpkg-buildpackage (debhelper) from packaging/debian in a copy of the source
# tree under build/deb/, then checks it with lintian (no errors allowed).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/build/deb"
version=$(dpkg-parsechangelog -l "$root/packaging/debian/changelog" -S Version)
src="$out/collectd-pcapflow-$version"

rm -rf "$out"
"$root/scripts/pkg-source.sh" "$src"
rm -rf "$src/debian"
cp -r "$root/packaging/debian" "$src/debian"
(cd "$src" && dpkg-buildpackage -b -us -uc) >"$out/build.log" 2>&1 || {
  tail -n 30 "$out/build.log" >&2
  echo "build-deb: dpkg-buildpackage failed (full log: $out/build.log)" >&2
  exit 1
}
deb=$(ls "$out"/collectd-pcapflow_"$version"_*.deb)
lintian --fail-on error --display-info "$out"/collectd-pcapflow_"$version"_*.changes >"$out/lintian.log" 2>&1 || {
  cat "$out/lintian.log" >&2
  echo "build-deb: lintian reports errors" >&2
  exit 1
}
echo "build-deb: $deb ($(grep -c . "$out/lintian.log" || true) lintian notes, no errors: $out/lintian.log)"
