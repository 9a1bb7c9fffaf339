#!/usr/bin/env bash
# Holds every #include of the engine, the adapter and the tools to the
# module map the Makefile declares (MODULES, <module>_USES):
#   - no engine file lies outside a module folder under src/;
#   - a module includes its own headers, the API (pcapflow/...) and the
#     headers of the modules it uses, nothing else;
#   - the API (include/pcapflow/) includes only the API;
#   - the adapter (plugin/) and the tools (tools/) include only the API.
# Usage: check-modules.sh [MODULE:USED,USED ...]   (run from the checkout)
# Without arguments the map is the Makefile's own (its MODULE_MAP, as make
# evaluates it), so the script checks the same thing run by hand as in the
# build.
set -euo pipefail
usage() {
  echo "usage: $0 [MODULE:USED,USED ...]: run from the top of the checkout (the Makefile's module map), or name the map" >&2
  exit 2
}
if [ $# -eq 0 ]; then
  [ -f Makefile ] && [ -d src ] || usage
  map=$(echo "pf-module-map: ; @echo '\$(MODULE_MAP)'" |
    make -s --no-print-directory -f Makefile -f - pf-module-map) || usage
  read -r -a specs <<<"$map"
  [ ${#specs[@]} -gt 0 ] || usage
  set -- "${specs[@]}"
fi
declare -A uses
for spec in "$@"; do
  uses[${spec%%:*}]=" ${spec#*:} "
  uses[${spec%%:*}]=${uses[${spec%%:*}]//,/ }
done
bad=0
complain() { echo "check-modules: $*" >&2; bad=1; }

# The quoted includes of a file, one per line.
includes() { sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$1"; }

for f in src/*; do
  [ -d "$f" ] || { complain "$f: an engine file outside a module folder"; continue; }
  m=${f#src/}
  [ -n "${uses[$m]+x}" ] || complain "$f: a folder that is no module (add it to MODULES in the Makefile)"
done
for m in "${!uses[@]}"; do
  for f in src/"$m"/*.[ch]; do
    [ -e "$f" ] || continue
    while read -r inc; do
      [ -n "$inc" ] || continue
      dep=${inc%%/*}
      if [ "$dep" = "$inc" ]; then
        complain "$f: #include \"$inc\": name the module (\"$m/$inc\")"
      elif [ "$dep" != pcapflow ] && [ "$dep" != "$m" ] && [[ ${uses[$m]} != *" $dep "* ]]; then
        complain "$f: #include \"$inc\": module $m does not use $dep (Makefile: ${m}_USES)"
      fi
    done < <(includes "$f")
  done
done
for f in include/pcapflow/*.h; do
  while read -r inc; do
    [[ -z $inc || $inc == pcapflow/* ]] ||
      complain "$f: #include \"$inc\": the API includes only the API (pcapflow/...)"
  done < <(includes "$f")
done
# The adapter also includes collectd's headers; what it must not reach is
# an engine module's header.
for f in plugin/*.[ch] tools/*/*.[ch]; do
  [ -e "$f" ] || continue
  while read -r inc; do
    dep=${inc%%/*}
    if [ -n "${uses[$dep]+x}" ] || [ -n "$(find src -name "${inc##*/}" -print -quit)" ]; then
      complain "$f: #include \"$inc\": an engine header; the adapter and the tools see only the API (pcapflow/...)"
    fi
  done < <(includes "$f")
done
exit $bad
