#!/usr/bin/env bash
# deps.sh - install the Debian packages pcapflow needs to build, test and
# run (scripts/packages/*.txt), but only those that are missing, so a ready
# machine is not touched.
set -euo pipefail

# Every scripts/packages/*.txt lists packages one a line (# comments), so
# each capability names what it needs in a file of its own.
mapfile -t packages < <(cat "$(dirname "$0")"/packages/*.txt | sed -e 's/#.*//' -e 's/[[:space:]]//g' | grep -v '^$' | sort -u)

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "deps: installing ${missing[*]}"
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || {
    echo "deps: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
# collectd-core ships a service; this is a build machine, do not start it.
policy_rc=/usr/sbin/policy-rc.d
if [[ ! -e $policy_rc ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy_rc" >/dev/null
  "${sudo[@]}" chmod +x "$policy_rc"
  trap '"${sudo[@]}" rm -f "$policy_rc"' EXIT
fi
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
