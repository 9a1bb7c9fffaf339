#!/usr/bin/env bash
# imix.sh - issue 15's "1 Gb/s of IMIX under 3% of one core", measured as
# stated: tcpreplay sends live_setup.sh's mixed capture (IMIX-like sizes,
# 688 bytes a frame on average) onto the live benches' veth pair at a
# fixed rate (--mbps 1000: tcpreplay counts the frames' bytes, without the
# FCS, preamble and gap, so 182.6 k frames a second, the most frames of
# the readings of "1 Gb/s"). Not the simple 7:4:1 IMIX of 64/570/1518
# bytes: 353 k frames a second at 1 Gb/s is this veth's top-speed send,
# which no fixed rate can hold here, and its frames carry no flows.
# Each receiver captures it in turn, round by round (the order reversed
# every other round):
#   tcpdump       tcpdump -p -B 65536 -w /dev/null, as bench/live.sh runs it
#   pcapflow      collectd with pcapflow as a user gets it: Workers 1,
#                 BufferSize 16, collectd's Interval 10 (--interval)
#   pcapflow_i1   the same at Interval 1 (the other live benches' interval)
#   pcapflow_b64  the same with BufferSize 64 (the other live benches')
#   pcapflow_so   the same with the plugin --so PATH (a scratch build)
# A receiver written NAME:nano is NAME with tcpreplay's nanosleep timer
# (--timer=nano) rather than its default, which spins on the clock between
# frames and so keeps a core busy: the sender's contention, told apart.
# For each: its CPU share of one core (CPU time over tcpreplay's time of
# the send, the last partly filled block's read included), the capture
# thread's share alone (pcapflow's `pf:*` thread), ns CPU a frame, frames a
# wake-up (the reader's voluntary context switches), kernel drops; median
# (min-max) over the runs, and the ratios of the runs in the same round.
# The process's CPU is every thread's utime + stime, from schedstat (ns;
# /proc/PID/stat counts 10 ms ticks, a fortieth of a run's CPU here).
# The CSV plugin gives the counters back; at Interval 10 a run waits for
# the write after the send: a pcapflow run takes about 25 s, tcpdump's 13.
# Usage: bench/imix.sh [--seconds S] [--runs N] [--mbps M] [--interval I]
#        [--receivers "tcpdump pcapflow ..."] [--so PATH] [--packets N]
set -euo pipefail
source "$(dirname "$0")/../tests/integration/lib.sh"
source "$(dirname "$0")/options.sh"
source "$(dirname "$0")/live_setup.sh"
seconds=10 runs=3 mbps=1000 interval=10 receivers="tcpdump pcapflow" so="" packets=200000
bench_options imix.sh seconds runs mbps interval receivers so packets -- "$@"
for r in $receivers; do
  case ${r%:nano} in
  tcpdump | pcapflow | pcapflow_i1 | pcapflow_b64) ;;
  pcapflow_so) [[ -f $so ]] || { echo "imix.sh: pcapflow_so needs --so PATH" >&2 && exit 2; } ;;
  *) echo "imix.sh: unknown receiver $r" >&2 && exit 2 ;;
  esac
done
bench_live_init bench_imix "$packets" tcpdump
results="$WORK/results"
: >"$results"

# task_figures PID [NAME_PATTERN] : "cpu_ns voluntary_switches" summed over
# PID's threads (those whose name matches NAME_PATTERN).
task_figures() {
  local t ns=0 sw=0 v
  for t in /proc/"$1"/task/*; do
    # shellcheck disable=SC2053 # the pattern is meant to match
    [[ -z ${2:-} || $(<"$t/comm") == $2 ]] || continue
    ns=$((ns + $(cut -d' ' -f1 "$t/schedstat")))
    v=$(awk '/^voluntary_ctxt_switches/ {print $2}' "$t/status")
    sw=$((sw + v))
  done
  echo "$ns $sw"
}

# record RECEIVER CAPTURED DROPS BEFORE AFTER [CAPTURE_BEFORE CAPTURE_AFTER] :
# appends a run's line to the results: "receiver sent pps mbps send_s
# captured drops cpu_ns switches capture_ns capture_switches" (tcpdump's
# one thread is its capture thread).
record() {
  local r=$1 cap=$2 drop=$3
  read -r p0 s0 <<<"$4"
  read -r p1 s1 <<<"$5"
  read -r c0 w0 <<<"${6:-$4}"
  read -r c1 w1 <<<"${7:-$5}"
  echo "$r $SENT $RATE $MBPS $SEND_SECONDS $cap ${drop:-0} $((p1 - p0)) $((s1 - s0)) $((c1 - c0)) $((w1 - w0))" >>"$results"
}

# run_tcpdump [TIMER] : tcpdump -w /dev/null, the send timed by TIMER.
run_tcpdump() {
  local timer=${1:-gtod} name=tcpdump
  [[ $timer == gtod ]] || name+=":$timer"
  tcpdump_start
  local pid=$TCPDUMP_PID before after
  before=$(task_figures "$pid")
  send --mbps="$mbps" --timer="$timer"
  # tcpdump's ring hands over a partly filled block after its 1 s timeout.
  sleep 1.2
  after=$(task_figures "$pid")
  kill -INT "$pid"
  wait "$pid" || true
  record "$name" "$(awk '/packets captured/ {print $1}' "$WORK/tcpdump.err")" \
    "$(awk '/dropped by kernel/ {print $1}' "$WORK/tcpdump.err")" "$before" "$after"
}

# collectd_at INTERVAL DIR SETTING... : pf_collectd (tests/integration/
# lib.sh) with collectd's Interval INTERVAL rather than its 1.
collectd_at() {
  local at=$1 line
  COLLECTD_DIR=$2
  shift 2
  pf_collectd_settings "$@"
  pcapflow_plugin_dir "$COLLECTD_DIR/plugins" logfile csv
  [[ -z $PF_SO ]] || cp -f "$PF_SO" "$COLLECTD_DIR/plugins/pcapflow.so"
  pf_collectd_conf "$COLLECTD_DIR" "$at"
  {
    printf 'LoadPlugin pcapflow\n<Plugin pcapflow>\n'
    for line in "${PF_BODY[@]}"; do printf '  %s\n' "$line"; done
    printf '</Plugin>\n'
  } >>"$COLLECTD_DIR/collectd.conf"
  pf_collectd_start "$COLLECTD_DIR" "${PF_PREFIX[@]}"
  pf_wait_until "$PF_TIMEOUT" pf_collectd_up ||
    pf_fail "collectd did not $(pf_collectd_up why) within $PF_TIMEOUT s: $(tail -n 5 "$COLLECTD_DIR/collectd.log")"
}

# capturing DIR : the collectd writing to DIR has written its capture up.
# (These two are called through pf_wait_until.)
# shellcheck disable=SC2317
capturing() { [[ "$(pf_value "$1" "$VETH_B" gauge-capture_up)" == 1 ]]; }

# written_after DIR TIME SERIES... : it has written each SERIES later than
# TIME (collectd's write threads write one read's series in parallel, so
# one series' new row does not mean another's).
# shellcheck disable=SC2317
written_after() {
  local dir=$1 time=$2 series
  shift 2
  for series in "$@"; do
    [[ $(pf_csv_latest_time "$dir/csv/$HOSTNAME_TEST/pcapflow-$VETH_B/$series") -gt $time ]] || return 1
  done
}

# run_pcapflow RECEIVER [TIMER] : collectd with pcapflow as RECEIVER names
# it, the send timed by TIMER.
run_pcapflow() {
  local r=$1 timer=${2:-gtod} at=$interval plugin=() settings=() dir="$WORK/$1-$RANDOM"
  case $r in
  pcapflow_i1) at=1 ;;
  pcapflow_b64) settings=(BufferSize 64) ;;
  pcapflow_so) plugin=(--pcapflow-so "$so") ;;
  esac
  collectd_at "$at" "$dir" "${plugin[@]}" --local --netns "$NS_B" --interface "$VETH_B" "${settings[@]}"
  pf_wait_until $((at * 2 + 10)) capturing "$dir" ||
    pf_fail "collectd did not open $VETH_B: $(tail -n 5 "$dir/collectd.log")"
  local before pid=$COLLECTD_PID p0 p1 c0 c1
  before=$(pf_value "$dir" "$VETH_B" packets-captured)
  p0=$(task_figures "$pid")
  c0=$(task_figures "$pid" 'pf:*')
  send --mbps="$mbps" --timer="$timer"
  sleep 0.3 # the ring's 100 ms block timeout hands over the last block
  p1=$(task_figures "$pid")
  c1=$(task_figures "$pid" 'pf:*')
  # The counters of a write after the send (at Interval 10, up to 10 s on).
  pf_wait_until $((at * 2 + 5)) written_after "$dir" $((${EPOCHREALTIME%.*} + 1)) \
    packets-captured packets-dropped_kernel ||
    pf_fail "no counters written after the send"
  [[ $timer == gtod ]] || r+=":$timer"
  record "$r" $(($(pf_value "$dir" "$VETH_B" packets-captured) - before)) \
    "$(pf_value "$dir" "$VETH_B" packets-dropped_kernel)" "$p0" "$p1" "$c0" "$c1"
  pf_collectd_stop 30
}

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
read -r -a order <<<"$receivers"
for run in $(seq 1 "$runs"); do
  list=("${order[@]}")
  if ((run % 2 == 0)); then
    list=()
    for ((i = ${#order[@]} - 1; i >= 0; i--)); do list+=("${order[i]}"); done
  fi
  for r in "${list[@]}"; do
    timer=gtod
    [[ $r == *:nano ]] && timer=nano
    if [[ ${r%:nano} == tcpdump ]]; then run_tcpdump "$timer"; else run_pcapflow "${r%:nano}" "$timer"; fi
    echo "$run $(tail -n 1 "$results")" >>"$WORK/rounds"
    echo "  round $run: $(tail -n 1 "$results")"
  done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

# The figures a run: share = CPU / send time, in % of a core.
awk '{ s = $6 * 1e9
  printf "%s %s %.1f %.0f %.3f %.3f %.1f %.1f %.0f %d %d %d\n", $1, $2, $4 / 1e3, $5, 100 * $9 / s, 100 * $11 / s,
    $9 / $7, $11 / $7, ($12 > 0 ? $7 / $12 : 0), $8, $3 - $7, $7 }' "$WORK/rounds" >"$WORK/figures"
# round receiver kpps mbps share capture_share ns capture_ns frames_a_wake drops missed captured
echo "runs: round receiver k_fps Mbps %_of_a_core capture_% ns/frame capture_ns/frame frames/wake drops missed captured"
sed 's/^/  /' "$WORK/figures"
# median COLUMN RECEIVER FORMAT : "median (min-max)" of COLUMN over RECEIVER's runs.
median() {
  awk -v c="$1" -v r="$2" '$2 == r { print $c }' "$WORK/figures" | sort -g |
    awk -v f="$3" '{ v[NR] = $1 } END { if (NR) printf f " (" f "-" f ")", v[int((NR + 1) / 2)], v[1], v[NR] }'
}
echo "mixed capture at --mbps $mbps for $seconds s a run, $runs rounds; collectd's Interval $interval (pcapflow_i1: 1)"
printf '  %-13s %7s %6s %22s %22s %18s %18s %10s %6s %7s\n' receiver "k fps" Mbps "% of a core" "capture thread %" \
  "ns CPU/frame" "capture ns/frame" "fr/wake" drops missed
for r in "${order[@]}"; do
  printf '  %-13s %7s %6s %22s %22s %18s %18s %10s %6s %7s\n' "$r" "$(median 3 "$r" %.1f | cut -d' ' -f1)" \
    "$(median 4 "$r" %.0f | cut -d' ' -f1)" "$(median 5 "$r" %.2f)" "$(median 6 "$r" %.2f)" "$(median 7 "$r" %.0f)" \
    "$(median 8 "$r" %.0f)" "$(median 9 "$r" %.0f | cut -d' ' -f1)" \
    "$(awk -v r="$r" '$2 == r { d += $10 } END { print d + 0 }' "$WORK/figures")" \
    "$(awk -v r="$r" '$2 == r { m += $11 } END { print m + 0 }' "$WORK/figures")"
done
# Ratios of the process's share in the same round: each pcapflow variant
# against pcapflow, and pcapflow against tcpdump.
ratio() {
  awk -v a="$1" -v b="$2" '$2 == a { x[$1] = $5 } $2 == b { y[$1] = $5 }
    END { for (k in x) if (k in y && y[k] > 0) print x[k] / y[k] }' "$WORK/figures" | sort -g |
    awk -v a="$1" -v b="$2" '{ v[NR] = $1; low += $1 < 1 }
      END { if (NR) printf "  %s / %s: %.2fx (%.2f-%.2f), lower in %d of %d rounds\n", a, b, v[int((NR + 1) / 2)], v[1], v[NR], low, NR }'
}
for r in "${order[@]}"; do
  case $r in
  pcapflow_*) ratio "$r" pcapflow ;;
  *:nano) ratio "$r" "${r%:nano}" ;;
  esac
done
ratio pcapflow tcpdump
missed=$(awk '{ m += $11 } END { print m + 0 }' "$WORK/figures")
((missed == 0)) || echo "  (missed = sent - captured over the runs: $missed)"
pf_pass "imix bench done"
