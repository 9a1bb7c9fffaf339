#!/usr/bin/env bash
# install_peers.sh - installs the bench's peer tools (Debian packages listed
# in bench/peers.txt) when they are missing; bench-only, so `make check`
# never pulls them in.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
missing=()
while read -r pkg _; do
  [[ -z "$pkg" || "$pkg" == \#* ]] && continue
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done <"$root/bench/peers.txt"
((${#missing[@]} == 0)) && exit 0
echo "installing bench peers: ${missing[*]}"
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null ||
  { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; }
