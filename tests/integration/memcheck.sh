# memcheck.sh - valgrind memcheck over a real collectd, errors attributed
# to pcapflow by the objects in their stacks (valgrind's XML): collectd's
# own leaks are not ours. Sourced after lib.sh by test_leaks.sh and
# test_live_leaks.sh.
#
#   memcheck_require        # valgrind, and a plugin it can name frames in
#   memcheck_prefix DIR     # MEMCHECK: the PREFIX for pf_collectd
#   ... pf_collectd ... -- "${MEMCHECK[@]}", stop it ...
#   memcheck_complete DIR   # fails unless valgrind finished its report
#   memcheck_ours DIR       # prints pcapflow's errors, one a line
#   memcheck_totals DIR     # what the whole process left, for the record

# memcheck_require : skips the test without valgrind; fails it when
# build/pcapflow.so has no debug information (its frames would have no
# function names to report).
memcheck_require() {
  command -v valgrind >/dev/null || pf_skip "valgrind is not installed (make deps)"
  # grep -c reads all of readelf's output: grep -q would stop early and,
  # under pipefail, readelf's SIGPIPE would fail the check at random.
  [[ $(readelf -S "$BUILD/pcapflow.so" | grep -c debug_info) -gt 0 ]] ||
    pf_fail "build/pcapflow.so has no debug information: build it with -g (the default CFLAGS)"
}

# memcheck_prefix DIR : sets MEMCHECK to the prefix that runs collectd
# under memcheck, its reports in DIR.
memcheck_prefix() {
  MEMCHECK=(valgrind --tool=memcheck --leak-check=full --show-leak-kinds=all
    --errors-for-leak-kinds=all --num-callers=40
    --xml=yes --xml-file="$1/vg.xml" --log-file="$1/vg.log")
}

memcheck_complete() {
  grep -q "</valgrindoutput>" "$1/vg.xml" || pf_fail "valgrind's report is incomplete: $(tail -n 5 "$1/vg.log")"
}

# memcheck_ours DIR : prints each memcheck error whose stack has a frame in
# pcapflow.so, as "kind: function, function, ...". Blocks still reachable
# at exit count too: the plugin frees everything at shutdown, so a block it
# allocated and kept (a global pointer) would otherwise hide a leak.
memcheck_ours() {
  awk '
    /<error>/ { in_error = 1; kind = ""; mine = 0; fns = ""; next }
    in_error && /<kind>/ { gsub(/.*<kind>|<\/kind>.*/, ""); kind = $0 }
    in_error && /<obj>/ && /\/pcapflow\.so<\/obj>/ { mine = 1 }
    in_error && /<fn>/ { gsub(/.*<fn>|<\/fn>.*/, ""); fns = fns (fns == "" ? "" : ", ") $0 }
    /<\/error>/ {
      # collectd keeps what its registration calls allocate (reachable
      # through its own tables until exit): not ours.
      if (kind == "Leak_StillReachable" && fns ~ /cf_register_complex|plugin_register_/) mine = 0
      if (mine) print kind ": " fns
      in_error = 0
    }
  ' "$1/vg.xml"
}

# memcheck_totals DIR : bytes left at exit by the whole process, by kind,
# for the record (most of it collectd's own, reachable).
memcheck_totals() {
  awk '
    /<kind>Leak_/ { gsub(/.*<kind>Leak_|<\/kind>.*/, ""); kind = $0 }
    /<leakedbytes>/ { gsub(/[^0-9]/, ""); bytes[kind] += $0 }
    END { for (k in bytes) printf "%s%s %d B", (n++ ? ", " : ""), k, bytes[k]; if (!n) printf "nothing" }
  ' "$1/vg.xml"
}
