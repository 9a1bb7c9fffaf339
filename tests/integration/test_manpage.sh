#!/usr/bin/env bash
# collectd-pcapflow(5) keeps up with the docs it is written from: groff
# formats it without a warning, it describes every option of docs/CONFIG.md
# and names every series and every family of series of docs/METRICS.md.
source "$(dirname "$0")/lib.sh"
pf_test_init manpage
command -v groff >/dev/null || pf_skip "groff is not installed"
page="$PCAPFLOW_ROOT/docs/collectd-pcapflow.5"

warnings=$(groff -man -ww -z "$page" 2>&1)
[[ -z "$warnings" ]] || pf_fail "groff warns: $warnings"
# The page as a reader sees it, without hyphenation.
groff -man -Tutf8 -rHY=0 -rLL=200n "$page" 2>/dev/null | col -bx | sed 's/‐/-/g; s/−/-/g' >"$WORK/text"

# absent FLAGS PATTERN LIST : the lines of LIST whose PATTERN (printf's %s
# the line) grep -qFLAGS does not find in the page.
absent() {
  local x
  while read -r x; do
    grep -q"$1" -- "$(printf "$2" "$x")" "$WORK/text" || printf '%s ' "$x"
  done <"$3"
}

# Options: the first column of CONFIG.md's tables (names may end in digits:
# TopHostPrefixV4).
grep -oE '^\| `[A-Z][A-Za-z0-9]+' "$PCAPFLOW_ROOT/docs/CONFIG.md" | tr -d '|` ' | sort -u >"$WORK/options"
[[ $(wc -l <"$WORK/options") -ge 20 ]] || pf_fail "could not read the options of CONFIG.md"
missing=$(absent E '^ {7}%s( |$)' "$WORK/options")
[[ -z $missing ]] || pf_fail "the man page does not describe: $missing"

# Series: each type_instance of METRICS.md appears, as a word.
grep -oE '^\| `[a-z_]+-[a-z0-9_]+`' "$PCAPFLOW_ROOT/docs/METRICS.md" | tr -d '|` ' |
  sed -E 's/^[a-z_]+-//; s/^malformed_//' | sort -u >"$WORK/series"
[[ $(wc -l <"$WORK/series") -ge 40 ]] || pf_fail "could not read the series of METRICS.md"
missing=$(absent wE %s "$WORK/series")
[[ -z $missing ]] || pf_fail "the man page does not name: $missing"

# Families (rows with `<…>`): named in full, the part that comes from the
# traffic as a placeholder in capitals, as man pages write them
# (`bytes-top_host_<address>` -> bytes-top_host_ADDRESS).
grep -oE '^\| `[a-z_]+-[a-z0-9_]*<[a-z ]+>[a-z0-9_<>]*`' "$PCAPFLOW_ROOT/docs/METRICS.md" | tr -d '|` ' |
  sed -E 's/<([a-z]+)>/\U\1/g' | sort -u >"$WORK/families"
[[ $(wc -l <"$WORK/families") -ge 3 ]] || pf_fail "could not read the families of METRICS.md"
missing=$(absent wF %s "$WORK/families")
[[ -z $missing ]] || pf_fail "the man page does not name the families: $missing"
# The bound on series, with the figures of METRICS.md's tables (as
# test_metrics_doc.sh holds METRICS.md to them): fixed identifiers less the
# top-N lists' `other` rows, and the per-class families.
grep -oE '^\| `[a-z_]+-[a-z0-9_]+`' "$PCAPFLOW_ROOT/docs/METRICS.md" | tr -d '|` ' | sort -u >"$WORK/fixed"
n_top=$(grep -c '^bytes-top_[a-z]*_other$' "$WORK/fixed")
n_bound=$(($(wc -l <"$WORK/fixed") - n_top))
n_per_class=$(grep -cE '^\| `pcapflow_class-<source>[a-z0-9_-]*/[a-z_]+-<class>' "$PCAPFLOW_ROOT/docs/METRICS.md")
text=$(tr '\n' ' ' <"$WORK/text" | tr -s ' ')
for want in "at most $n_bound fixed series + $n_top × (TopSeriesLimit + 1) series" \
  "RulesFile $n_per_class × (classes + 1) more"; do
  [[ "$text" == *"$want"* ]] || pf_fail "the man page does not state the bound METRICS.md's tables give: \"$want\""
done

pf_pass "no groff warnings; $(wc -l <"$WORK/options") options, $(wc -l <"$WORK/series") series names and $(wc -l <"$WORK/families") families present"
