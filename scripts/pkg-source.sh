#!/usr/bin/env bash
# pkg-source.sh DEST - copies the project's source files (what git tracks,
# plus new files not ignored; without git, everything but build output) into
# DEST, the tree the Debian and RPM builds start from.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest=$1
rm -rf "$dest"
mkdir -p "$dest"
cd "$root"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do [[ -e "$f" ]] && printf '%s\0' "$f"; done |
    tar --null -T - -cf - | tar -xf - -C "$dest"
else
  tar --exclude=./build --exclude=./run --exclude=./.git -cf - . | tar -xf - -C "$dest"
fi
