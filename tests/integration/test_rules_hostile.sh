#!/usr/bin/env bash
# Hostile rules files while a real collectd runs: none of them blocks the
# read callback or shutdown, costs more than a bounded amount of memory,
# or gets half applied (docs/RULES.md, "Reloading" and "Limits and costs";
# docs/RELIABILITY.md).
#
#  fifo_start  RulesFile is a FIFO at start-up: refused at once, naming it,
#              collectd keeps running and stops on SIGTERM.
#  edit        an edit in place that pauses with the file open (truncate,
#              write a valid prefix, finish later): the prefix is never
#              loaded, the wait is logged once, the finished file is.
#  bomb        an anchored list of 100,000 aliases reused by 127 classes
#              (400 KB): refused at the alias that passes the node cap,
#              peak memory within PEAK_GROWTH_KIB.
#  huge        a 16 MiB flat list: refused at the node cap, same bound.
#  fifo        a FIFO renamed over the file: refused once, rows keep being
#              written every interval, collectd stops on SIGTERM.
# HOSTILE_STEPS (default all of them) runs a subset, e.g. to check each
# against a build without the fixes.
source "$(dirname "$0")/lib.sh"
pf_test_init rules_hostile
STEPS=${HOSTILE_STEPS:-fifo_start edit bomb huge fifo}
PEAK_GROWTH_KIB=$((64 * 1024))
STOP_BOUND_S=10

pf_gen mixed mixed --packets 2000 --seed 5
rules="$WORK/rules.yaml"
# install FILE: replaces the rules file at once, as deployment tools do.
install_rules() { cp "$1" "$rules.tmp" && mv -f "$rules.tmp" "$rules"; }
classes() { # classes N NAME...: a rules file of those classes
  local n
  printf 'classes:\n'
  for n in "$@"; do printf '  - name: %s\n    protocol: tcp\n' "$n"; done
}
classes one two three >"$WORK/v1.yaml"
classes prefix >"$WORK/prefix.yaml"
classes prefix finished >"$WORK/full.yaml"
# One anchored list of 100,000 aliases, reused by 127 classes.
awk 'BEGIN {
  printf "local_networks: [&n \"2001:db8::/32\"]\nclasses:\n  - name: c0\n    cidr: &big ["
  for (i = 0; i < 100000; i++) printf "%s*n", (i ? ", " : "")
  printf "]\n"
  for (c = 1; c < 127; c++) printf "  - name: c%d\n    cidr: *big\n", c
}' >"$WORK/bomb.yaml"
# A flat list of 16 MiB less a few bytes (the limit is 16 MiB).
awk 'BEGIN { printf "classes:\n"; n = int((16 * 1048576 - 9) / 4); for (i = 0; i < n; i++) printf "- 1\n" }' \
  >"$WORK/flat.yaml"

# start_collectd DIR RULES: a collectd replaying a capture file once, with
# RulesFile RULES, logging every second; started, and initialised.
start_collectd() {
  dir=$1
  pf_collectd "$dir" --opt RulesFile "$2" --raw "LocalNetwork \"$LOCAL_V4\"" \
    --file "$WORK/mixed.pcap"
}
log() { grep -F "$1" "$dir/collectd.log" 2>/dev/null || true; }
logged() { [[ -n "$(log "$1")" ]]; }
count() { log "$1" | wc -l; }
rows() { cat "$dir/csv/$HOSTNAME_TEST/pcapflow-mixed/packets-captured"-* 2>/dev/null | wc -l; }
# rows_keep_coming: collectd's read callback goes on: 3 more rows.
rows_keep_coming() {
  local before after
  before=$(rows)
  more() { after=$(rows) && ((after >= before + 3)); }
  pf_wait_until 20 more || pf_fail "$1: no rows written for 20 s (read callback blocked?): $before, then $after"
}
peak_kib() { awk '/^VmHWM/ {print $2}' "/proc/$COLLECTD_PID/status"; }
# stop_within: SIGTERM stops collectd within the bound, cleanly (status 1
# after a plugin failed its init).
stop_within() {
  local t0=$SECONDS
  pf_collectd_stop "$STOP_BOUND_S"
  [[ $COLLECTD_STATUS -le 1 ]] && logged "Exiting normally" ||
    pf_fail "$1: collectd did not shut down cleanly (status $COLLECTD_STATUS): $(tail -n 3 "$dir/collectd.log")"
  echo "  $1: collectd stopped $((SECONDS - t0)) s after SIGTERM"
}
# refused MESSAGE: the file's error, logged once, the rules in force kept.
refused() {
  local want="pcapflow: RulesFile: $1; keeping the rules in force"
  pf_wait_until 30 logged "$want" || pf_fail "not refused as \"$want\": $(log RulesFile | tail -n 3)"
}
step() { [[ " $STEPS " == *" $1 "* ]]; }

# ---- a FIFO as the rules file at start-up ----
if step fifo_start; then
  mkfifo "$WORK/start.fifo"
  start_collectd "$WORK/fifo_start" "$WORK/start.fifo"
  pf_wait_until 20 logged "pcapflow: RulesFile: $WORK/start.fifo: not a regular file but a FIFO; a rules file must be a regular file" ||
    pf_fail "fifo_start: FIFO not refused: $(cat "$dir/collectd.log" 2>/dev/null)"
  logged "pcapflow: not starting: the rules file has an error" || pf_fail "fifo_start: pcapflow started anyway"
  stop_within fifo_start
fi

# ---- one collectd for the reloads ----
install_rules "$WORK/v1.yaml"
start_collectd "$WORK/collectd" "$rules"
pf_wait_until 20 logged "RulesFile \"$rules\": 3 classes and unclassified" ||
  pf_fail "rules v1 not loaded: $(cat "$dir/collectd.log")"
rows_keep_coming start
base_kib=$(peak_kib)

if step edit; then
  # Truncate and write a valid prefix, holding the file open: a writer
  # that pauses half-way.
  exec 3>"$rules"
  cat "$WORK/prefix.yaml" >&3
  waiting="pcapflow: RulesFile: $rules: changed, and a process has it open for writing; it is read once closed"
  seen_prefix="RulesFile \"$rules\" reloaded: 1 classes and unclassified"
  waited_or_loaded() { logged "$waiting" || logged "$seen_prefix"; }
  pf_wait_until 30 waited_or_loaded || pf_fail "edit: the half-written file was neither loaded nor reported"
  logged "$seen_prefix" && pf_fail "edit: the half-written file (its first class alone) was loaded as if complete"
  tail -n 2 "$WORK/full.yaml" >&3
  exec 3>&-
  pf_wait_until 30 logged "RulesFile \"$rules\" reloaded: 2 classes and unclassified" ||
    pf_fail "edit: the finished file was not loaded: $(log RulesFile | tail -n 3)"
  logged "$seen_prefix" && pf_fail "edit: the half-written file was loaded"
  [[ "$(count "$waiting")" == 1 ]] || pf_fail "edit: the wait was logged $(count "$waiting") times"
fi

# refused_bounded NAME FILE MESSAGE: FILE renamed over the rules file is
# refused, within the memory bound, with MESSAGE, and rows keep coming.
# Memory is judged before the message, at the first refusal of any kind.
refused_bounded() {
  local kept="; keeping the rules in force" before
  before=$(count "$kept")
  install_rules "$2"
  more_refused() { (($(count "$kept") > before)); }
  local grown
  pf_wait_until 60 more_refused ||
    pf_fail "$1: not refused (peak RSS grew by $(($(peak_kib) - base_kib)) KiB): $(log RulesFile | tail -n 2)"
  grown=$(($(peak_kib) - base_kib))
  echo "  $1: peak RSS grew by $grown KiB"
  ((grown <= PEAK_GROWTH_KIB)) || pf_fail "$1: peak RSS grew by $grown KiB (bound $PEAK_GROWTH_KIB)"
  refused "$3"
  rows_keep_coming "$1"
}
if step bomb; then
  refused_bounded bomb "$WORK/bomb.yaml" \
    "$rules:8:11: alias *big stands for 100001 nodes, which makes more than 262144 YAML nodes with aliases expanded, the limit for a rules file"
fi
if step huge; then
  refused_bounded huge "$WORK/flat.yaml" \
    "$rules:262143:3: more than 262144 YAML nodes (keys, values, lists and mappings), the limit for a rules file"
fi

if step fifo; then
  mkfifo "$WORK/reload.fifo"
  mv -f "$WORK/reload.fifo" "$rules"
  refused "$rules: not a regular file but a FIFO; a rules file must be a regular file"
  rows_keep_coming fifo
  sleep 2 # a few more looks at the same FIFO: it is reported once
  fifo_msg="$rules: not a regular file but a FIFO"
  [[ "$(count "$fifo_msg")" == 1 ]] || pf_fail "fifo: reported $(count "$fifo_msg") times"
fi

# The rules in force stayed: the last good version's classes are written.
last=$(if step edit; then echo finished; else echo three; fi)
written() { [[ -n "$(pf_value "$dir" mixed "if_packets-$last" pcapflow_class)" ]]; }
pf_wait_until 10 written || pf_fail "class $last not written"
stop_within reloads
pf_pass "steps $STEPS: nothing blocked the read callback or shutdown, memory stayed bounded, no half-written file applied"
