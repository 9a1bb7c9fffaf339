# series.sh - what docs/METRICS.md says a source emits, and how to hold a
# metrics store to it: the fixed identifiers (one series each), the families
# whose names come from the traffic (the `<…>` rows: top-N lists), every CSV
# row of a run, and comparisons of rows between collectd's CSV and a store.
# Source after lib.sh (uses $WORK, pf_fail).
#
# Top-N values (type `bytes`) and distinct counts (type `count`) are GAUGEs
# that describe one interval: for a File source they are non-zero only in the
# interval(s) the file was read in, and a top-N name is dispatched only in the
# intervals it is in the list. They are compared with collectd's own CSV of
# the same run, interval by interval, never with a fixed number; summed over
# every interval, each top-N list (named keys plus `other`) must give the IP
# bytes of the whole capture exactly.

PF_METRICS_DOC="$PCAPFLOW_ROOT/docs/METRICS.md"
# Identifiers whose values are per interval (METRICS.md, "Top N", "Distinct
# counts").
PF_PER_INTERVAL_RE='^(bytes|count)-'

# pf_doc_series [--top-flows] : reads METRICS.md's tables the way test_metrics_doc.sh does:
# $WORK/doc.fixed (the fixed identifiers, sorted), $WORK/doc.families (one
# anchored ERE a line, `<…>` standing for [a-z0-9_]+) and $WORK/doc.family_ids
# (the family rows as written). Sets PF_DOC_FIXED to the number of fixed ones.
# The TCP latency figures (`duration-…`) are dispatched only for intervals
# with a handshake: they are in $WORK/doc.sampled, allowed but not required.
# The source's own series only: the closing backquote leaves out the rows of
# traffic classes (plugin pcapflow_class, `pcapflow_class-<source>/…`).
# The top flows are off by default (CollectTopFlows): their rows count only
# with --top-flows, for sources that turn them on.
pf_doc_series() {
  local top_flows=${1:-}
  grep -oE '^\| `[a-z_]+-[a-z0-9_<>]+`' "$PF_METRICS_DOC" | tr -d '|` ' >"$WORK/doc.all"
  [[ "$top_flows" == --top-flows ]] || sed -i '/^bytes-top_flow_/d' "$WORK/doc.all"
  grep -v '<' "$WORK/doc.all" | grep '^duration-' >"$WORK/doc.sampled" || true
  grep -v '<' "$WORK/doc.all" | grep -v '^duration-' | LC_ALL=C sort >"$WORK/doc.fixed"
  grep '<' "$WORK/doc.all" >"$WORK/doc.family_ids" || true
  sed -E 's/<[a-z ]+>/[a-z0-9_]+/g; s/^/^/; s/$/$/' "$WORK/doc.family_ids" >"$WORK/doc.families"
  [[ $(wc -l <"$WORK/doc.fixed") -gt 60 && $(wc -l <"$WORK/doc.families") -ge 2 ]] ||
    pf_fail "could not read the tables of $PF_METRICS_DOC"
  [[ -z "$(uniq -d "$WORK/doc.fixed")" ]] || pf_fail "METRICS.md lists twice: $(uniq -d "$WORK/doc.fixed")"
  PF_DOC_FIXED=$(wc -l <"$WORK/doc.fixed")
}

# pf_doc_dns_series : METRICS.md's DNS table (plugin pcapflow_dns, "DNS")
# read the same way, into $WORK/dns.fixed: the identifiers a source with the
# default switches sends whatever the traffic, sorted, `errors-malformed_<reason>`
# expanded to the reasons its row names (all always sent). The codes seen,
# the latency figures and the named top domains come only with DNS messages.
# Sets PF_DNS_FIXED to their number.
pf_doc_dns_series() {
  local rows
  rows=$(grep -E '^\| `pcapflow_dns-<source>/' "$PF_METRICS_DOC") || pf_fail "no DNS table in $PF_METRICS_DOC"
  {
    sed -E 's#^\| `pcapflow_dns-<source>/([^`]+)`.*#\1#' <<<"$rows" | grep -v '<' | grep -v '^duration-'
    grep -F '`pcapflow_dns-<source>/errors-malformed_<reason>`' <<<"$rows" | cut -d'|' -f5 |
      grep -oE '`[a-z_]+`' | tr -d '`' | sed 's/^/errors-malformed_/'
  } | LC_ALL=C sort >"$WORK/dns.fixed"
  grep -q '^errors-malformed_' "$WORK/dns.fixed" && [[ $(wc -l <"$WORK/dns.fixed") -gt 10 ]] ||
    pf_fail "could not read the DNS table of $PF_METRICS_DOC"
  [[ -z "$(uniq -d "$WORK/dns.fixed")" ]] || pf_fail "METRICS.md's DNS table lists twice: $(uniq -d "$WORK/dns.fixed")"
  PF_DNS_FIXED=$(wc -l <"$WORK/dns.fixed")
}

# pf_doc_tls_series : METRICS.md's TLS table (plugin pcapflow_tls, "TLS")
# read the same way, into $WORK/tls.fixed: what a source with the default
# switches sends whatever the traffic, its families expanded to the members
# their rows name (versions: the backquoted names of the offered row but
# `supported_versions`, for offered and selected alike; the malformed row's
# reasons). The named servers come only with TLS hellos. Sets PF_TLS_FIXED.
pf_doc_tls_series() {
  local rows v
  rows=$(grep -E '^\| `pcapflow_tls-<source>/' "$PF_METRICS_DOC") || pf_fail "no TLS table in $PF_METRICS_DOC"
  {
    sed -E 's#^\| `pcapflow_tls-<source>/([^`]+)`.*#\1#' <<<"$rows" | grep -v '<'
    for v in $(grep -F '`pcapflow_tls-<source>/connections-offered_<version>`' <<<"$rows" | cut -d'|' -f5 |
      grep -oE '`[a-z0-9_]+`' | tr -d '`' | grep -vx supported_versions); do
      echo "connections-offered_$v"
      echo "connections-selected_$v"
    done
    grep -F '`pcapflow_tls-<source>/connections-hello_malformed_<reason>`' <<<"$rows" | cut -d'|' -f5 |
      grep -oE '`[a-z_]+`' | tr -d '`' | sed 's/^/connections-hello_malformed_/'
  } | LC_ALL=C sort >"$WORK/tls.fixed"
  grep -q '^connections-offered_tls1_3$' "$WORK/tls.fixed" && grep -q '^connections-hello_malformed_' "$WORK/tls.fixed" ||
    pf_fail "could not read the TLS table of $PF_METRICS_DOC"
  [[ -z "$(uniq -d "$WORK/tls.fixed")" ]] || pf_fail "METRICS.md's TLS table lists twice: $(uniq -d "$WORK/tls.fixed")"
  PF_TLS_FIXED=$(wc -l <"$WORK/tls.fixed")
}

# pf_doc_bound WHAT : prints the most WHAT (DNS, TLS) series a source can
# ever send but for its top-N names, as METRICS.md states it ("The WHAT
# series a source can ever send are at most N (…) + `TopSeriesLimit` + 1").
pf_doc_bound() {
  tr '\n' ' ' <"$PF_METRICS_DOC" | grep -oE "The $1 series a source can ever send are at most [0-9]+" |
    grep -oE '[0-9]+$'
}

# pf_doc_dns_bound : sets PF_DNS_BOUND to the DNS bound (pf_doc_bound).
pf_doc_dns_bound() {
  PF_DNS_BOUND=$(pf_doc_bound DNS)
  [[ -n "$PF_DNS_BOUND" ]] || pf_fail "$PF_METRICS_DOC states no bound on the DNS series"
}

# pf_series_within PLUGIN WHAT DIR SOURCE LIMIT : fails the test unless
# collectd's CSV in DIR holds PLUGIN series for SOURCE, no more than the
# WHAT bound with `TopSeriesLimit` LIMIT. Sets PF_SERIES to their number.
pf_series_within() {
  local n bound
  n=$(ls "$3/csv/$HOSTNAME_TEST/$1-$4" | sed -E 's/-[0-9]{4}-[0-9]{2}-[0-9]{2}$//' | sort -u | wc -l)
  bound=$(pf_doc_bound "$2")
  [[ -n "$bound" ]] || pf_fail "$PF_METRICS_DOC states no bound on the $2 series"
  bound=$((bound + $5 + 1))
  ((n >= 1 && n <= bound)) || pf_fail "$n $2 series written, the bound is $bound"
  PF_SERIES=$n
}

# pf_dns_series_within DIR SOURCE LIMIT : pf_series_within for DNS. Sets
# PF_DNS_SERIES to their number.
pf_dns_series_within() {
  pf_series_within pcapflow_dns DNS "$@"
  PF_DNS_SERIES=$PF_SERIES
  pf_doc_dns_bound
}

# pf_check_quiet WHAT FIXED LABEL FILE : for traffic without WHAT (DNS,
# TLS), fails the test unless FILE ("type-type_instance v [v]", a source's
# series of that plugin) holds exactly the identifiers of FIXED, once each,
# every value 0.
pf_check_quiet() {
  local what=$1 fixed=$2 label=$3 file=$4 diff nonzero
  diff=$(diff <(cat "$fixed") <(awk '{print $1}' "$file" | LC_ALL=C sort) | grep '^[<>]' |
    sed 's/^</missing:/; s/^>/not expected:/' || true)
  [[ -z "$diff" ]] || pf_fail "$label: the $what series are not METRICS.md's fixed ones: $(tr '\n' ' ' <<<"$diff")"
  nonzero=$(awk '{ for (i = 2; i <= NF; i++) if ($i != 0) { print $1; next } }' "$file")
  [[ -z "$nonzero" ]] || pf_fail "$label: $what series not 0 for traffic without $what: $(tr '\n' ' ' <<<"$nonzero")"
}

# pf_check_dns_quiet LABEL FILE : pf_check_quiet for traffic without a
# port-53 packet. pf_check_tls_quiet LABEL FILE : the same for traffic
# without a TLS hello.
pf_check_dns_quiet() { pf_check_quiet DNS "$WORK/dns.fixed" "$@"; }
pf_check_tls_quiet() { pf_check_quiet TLS "$WORK/tls.fixed" "$@"; }

# pf_ids_problems FILE : prints what is wrong with the identifiers in FILE's
# first column (one series a line): a fixed identifier missing, one listed
# twice, or one that is neither fixed nor of a documented family. Prints
# nothing when they are right. Needs pf_doc_series.
pf_ids_problems() {
  local ids
  ids=$(awk '{print $1}' "$1" | LC_ALL=C sort)
  local missing dups undocumented
  missing=$(LC_ALL=C comm -23 "$WORK/doc.fixed" <(uniq <<<"$ids"))
  dups=$(uniq -d <<<"$ids")
  undocumented=$(LC_ALL=C comm -13 "$WORK/doc.fixed" <(uniq <<<"$ids") | grep -vEf "$WORK/doc.families" |
    grep -vxFf "$WORK/doc.sampled" || true)
  [[ -z "$missing" ]] || echo "documented series missing: $(tr '\n' ' ' <<<"$missing")"
  [[ -z "$dups" ]] || echo "series more than once: $(tr '\n' ' ' <<<"$dups")"
  [[ -z "$undocumented" ]] || echo "series METRICS.md does not list: $(tr '\n' ' ' <<<"$undocumented")"
}

# pf_families_missing FILE : prints the families (as EREs) of which FILE's
# first column has no name besides the fixed ones (such as `…_other`).
pf_families_missing() {
  local family
  while read -r family; do
    awk '{print $1}' "$1" | LC_ALL=C sort -u | LC_ALL=C comm -23 - "$WORK/doc.fixed" | grep -E "$family" >/dev/null ||
      echo "$family"
  done <"$WORK/doc.families"
}

# pf_check_ids LABEL FILE : fails the test unless FILE's identifiers are every
# fixed one of METRICS.md exactly once, plus names of its families only, and
# every family has at least one name (for captures that give top-N lists).
pf_check_ids() {
  local label=$1 file=$2 problems missing
  problems=$(pf_ids_problems "$file")
  [[ -z "$problems" ]] || pf_fail "$label: $problems"
  missing=$(pf_families_missing "$file")
  [[ -z "$missing" ]] || pf_fail "$label: no series of the families $(tr '\n' ' ' <<<"$missing")"
}

# pf_fixed_present FILE : true when FILE's first column holds every fixed
# identifier (for waiting until a store has them all).
pf_fixed_present() {
  [[ -z "$(awk '{print $1}' "$1" | LC_ALL=C sort -u | LC_ALL=C comm -23 "$WORK/doc.fixed" -)" ]]
}

# pf_truth_totals TRUTH : the lines of a ground-truth file that hold for the
# whole capture (counters, flow table), without the per-interval ones.
pf_truth_totals() {
  grep -vE "$PF_PER_INTERVAL_RE" "$1" || true
}

# Values the way pf_csv_rows prints them: whole numbers without decimals,
# others with collectd's CSV precision (6 decimals), so that a store that
# keeps more digits (InfluxDB, write_prometheus) compares exactly.
PF_AWK_NORM='function norm(v,  x) {
  if (v !~ /^-?[0-9.]+([eE][-+]?[0-9]+)?$/) return v
  x = v + 0
  return x == int(x) ? sprintf("%.0f", x) : sprintf("%.6f", x)
}'

# pf_csv_rows DIR INSTANCE [PLUGIN] : every row collectd's csv plugin wrote
# for PLUGIN-INSTANCE (pcapflow unless given) of host $HOSTNAME_TEST, as
# "type-type_instance time v [v]", sorted by series, then time.
pf_csv_rows() {
  local dir="$1/csv/$HOSTNAME_TEST/${3:-pcapflow}-$2" f
  [[ -d "$dir" ]] || return 0
  for f in "$dir"/*-[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]; do
    [[ -e "$f" ]] || continue
    awk -F, -v s="$(basename "$f" | sed -E 's/-[0-9]{4}-[0-9]{2}-[0-9]{2}$//')" "$PF_AWK_NORM"'
      NR == 1 && $1 == "epoch" { next }
      { line = s " " $1; for (i = 2; i <= NF; i++) line = line " " norm($i); print line }' "$f"
  done | LC_ALL=C sort -k1,1 -k2,2n
}

# pf_last_rows ROWS : the latest row of every series of a rows file, as
# "type-type_instance v [v]" (what pf_compare_truth reads).
pf_last_rows() {
  awk '{ t = $1; $2 = ""; sub(/  /, " "); last[t] = $0 } END { for (t in last) print last[t] }' "$1" | LC_ALL=C sort
}

# pf_rows_differ A B TOLERANCE : compares two rows files ("id time v [v]"):
# every series must have as many rows in both, row for row at times at most
# TOLERANCE seconds apart, with equal values. Prints each difference (the
# first 30) and returns 1 if there is one.
pf_rows_differ() {
  awk -v tol="$3" '
    FNR == 1 { f++ }
    { id = $1; n = ++cnt[f, id]; t[f, id, n] = $2; v = $3; for (i = 4; i <= NF; i++) v = v " " $i
      val[f, id, n] = v; ids[id] = 1 }
    END {
      for (id in ids) {
        if (cnt[1, id] != cnt[2, id]) {
          out[++bad] = sprintf("%s: %d rows in the first, %d in the second", id, cnt[1, id], cnt[2, id])
          continue
        }
        for (n = 1; n <= cnt[1, id]; n++) {
          d = t[1, id, n] - t[2, id, n]
          if (d < 0) d = -d
          if (d > tol || val[1, id, n] != val[2, id, n]) {
            out[++bad] = sprintf("%s: row %d: %s at %s, but %s at %s", id, n, val[1, id, n], t[1, id, n], val[2, id, n], t[2, id, n])
            break
          }
        }
      }
      for (i = 1; i <= bad && i <= 30; i++) print "  " out[i]
      exit bad > 0
    }' "$1" "$2"
}

# pf_top_sums_differ ROWS TRUTH : summed over every row (every interval),
# each top-N list, its named keys plus `other`, must give the capture's IP
# bytes (io_octets-ipv4 + io_octets-ipv6, rx + tx, from the ground truth)
# exactly. Prints the lists that do not, returns 1 if one does not.
pf_top_sums_differ() {
  local want
  want=$(awk '$1 == "io_octets-ipv4" || $1 == "io_octets-ipv6" { s += $2 + $3 } END { printf "%.0f", s }' "$2")
  awk -v want="$want" '
    $1 ~ /^bytes-top_(host|port|flow)_/ { k = substr($1, 11, 4); sum[k] += $3; n[k]++ }
    END {
      split("host port flow", kinds, " ")
      for (i = 1; i <= 3; i++) {
        k = kinds[i]
        if (k == "flow" && !n[k]) continue # off by default (CollectTopFlows)
        if (sprintf("%.0f", sum[k]) != want) { printf "  top_%s: %d rows add up to %.0f bytes, the capture has %s IP bytes\n", k, n[k], sum[k], want; bad = 1 }
      }
      exit bad
    }' "$1"
}
