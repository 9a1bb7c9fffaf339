# lib.sh - shared helpers for the integration tests: a private collectd per
# test on the sources it names, reading its CSV output back, comparing with
# ground truth, network namespaces with a veth pair between them.
#
# A test (tests/integration/test_NAME.sh; run_all.sh runs every one):
#
#   source "$(dirname "$0")/lib.sh"
#   pf_test_init live_veth                    # $WORK, cleaned up at exit
#   pf_netns_init                             # $NS_A sends, $NS_B captures
#   pf_veth_up                                # $VETH_A -> $VETH_B
#   pf_gen live live --seed 7                 # $WORK/live.pcap, live.truth
#   pf_collectd "$WORK/collectd" --local --netns "$NS_B" \
#     --interface "$VETH_B" Instance veth     # started, and capturing
#   pf_replay "$WORK/live.pcap"               # sent from $NS_A
#   pf_wait_captured veth "$(pf_truth_value "$WORK/live.truth" packets-captured)"
#   ...assertions on pf_value, pf_csv_values, pf_compare_truth...
#   pf_collectd_stop
#   pf_pass "what was proven"                 # or pf_fail / pf_skip
#
# A File source instead: pf_collectd "$WORK/collectd" --local --file
# "$WORK/live.pcap" (its instance is the file's name, "live"). More
# examples: test_file_collectd.sh (several files), test_fleet.sh (write
# plugins and their blocks), test_least_privilege.sh (a PREFIX).
#
# pf_collectd DIR [SETTING...] [-- PREFIX...] writes DIR/collectd.conf
# (Interval 1, Hostname $HOSTNAME_TEST, the logfile plugin to
# DIR/collectd.log, the csv plugin to DIR/csv), a plugin folder with
# pcapflow.so and the stock plugins it loads, starts collectd in the
# foreground (after PREFIX: setpriv ..., valgrind ...) and waits, at most 20
# s, until collectd has initialised and every Interface source captures;
# it fails the test naming what did not happen, at once if collectd exits.
# It sets COLLECTD_PID and COLLECTD_DIR; pf_collectd_stop stops it.
# Settings, in any order, each as often as needed (lines inside
# <Plugin pcapflow> keep the order given):
#   --opt KEY VALUE          a plugin-wide pcapflow option (RulesFile, TopN...)
#   --local                  LocalNetwork $LOCAL_V4 and $LOCAL_V6, the
#                            generator's local networks
#   --file PATH [KEY VALUE]...       a File source; with options, in the
#   --interface NAME [KEY VALUE]...  block form <File "PATH"> ... </File>
#   --raw 'LINE'             a line inside <Plugin pcapflow>, as written
#   --plugin NAME            also load the stock plugin NAME (write_graphite,
#                            network, write_prometheus, unixsock, load...)
#   --stdin                  append the text on stdin (a here-doc: the
#                            <Plugin NAME> blocks of those plugins, global
#                            options such as WriteThreads) before pcapflow's
#   --hostname NAME          Hostname NAME instead of $HOSTNAME_TEST
#   --no-pcapflow            load no pcapflow (a central collector)
#   --pcapflow-so PATH       that build of pcapflow.so, not build/'s
#   --netns NS               run collectd in network namespace NS
#   --owner USER             DIR belongs to USER (a collectd run as USER)
#   --wait capture|init|none what to wait for (default capture; init where
#                            an Interface is expected not to open)
#   --timeout SECONDS        the bound on that wait (default 20)
# VALUE is written in double quotes unless it is a number, true or false,
# or is quoted already ('"42"' for a string of digits).
#
# Waiting: pf_wait_until SECONDS CMD... retries CMD every 0.2 s, bounded in
# time and tries; pf_wait_captured INSTANCE COUNT [SECONDS] waits for a
# source's packets-captured. Every test ends with pf_pass, pf_fail or
# pf_skip (exit 0, 1 or 77).

set -euo pipefail
PCAPFLOW_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$PCAPFLOW_ROOT/scripts/collectd-env.sh"

BUILD="$PCAPFLOW_ROOT/build"
GEN="$BUILD/pcapflow-gen"
REPLAY="$BUILD/pcapflow-replay"
# The generator's local networks (tests/gen): configure exactly these.
LOCAL_V4="198.18.0.0/16"
LOCAL_V6="2001:db8:1::/48"
HOSTNAME_TEST="pcapflow-test"

PF_PIDS=()
PF_CLEANUPS=()

pf_test_init() {
  PF_TEST_NAME=$1
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/pcapflow-$PF_TEST_NAME.XXXXXX")
  trap pf_cleanup EXIT
}

pf_cleanup() {
  local pid c
  for pid in "${PF_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PF_PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  for c in "${PF_CLEANUPS[@]}"; do
    eval "$c" || true
  done
  if [[ -n "${KEEP_WORK:-}" ]]; then
    echo "  (kept $WORK)"
  else
    rm -rf "$WORK"
  fi
}

pf_fail() {
  echo "FAIL $PF_TEST_NAME: $*" >&2
  exit 1
}

pf_skip() {
  echo "SKIP $PF_TEST_NAME: $*"
  exit 77
}

pf_pass() {
  echo "PASS $PF_TEST_NAME${1:+: $1}"
  exit 0
}

# pf_collectd_conf DIR INTERVAL : writes DIR/collectd.conf's global part,
# logging to DIR/collectd.log and writing CSV to DIR/csv; the caller
# appends its plugin blocks.
pf_collectd_conf() {
  local dir=$1 interval=$2
  mkdir -p "$dir/csv"
  {
    pcapflow_conf_header "$dir" "$interval"
    cat <<CONF
Hostname    "$HOSTNAME_TEST"

LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File "$dir/collectd.log"
  Timestamp true
</Plugin>

LoadPlugin csv
<Plugin csv>
  DataDir "$dir/csv"
  StoreRates false
</Plugin>
CONF
  } >"$dir/collectd.conf"
}

# pf_cgroup CONTROLLER NAME : a new cgroup NAME under CONTROLLER (cpu,
# pids) in the cgroup v1 hierarchy, or in v2 where the controller is
# enabled; removed at the end. Sets CG, and PF_IN_CGROUP, a PREFIX for
# pf_collectd: the shell joins the cgroup, then becomes the command. Put
# `ip netns exec NS` after it (not --netns, which comes first: a network
# namespace's /sys hides the host's cgroups). Skips the test where there
# is no such controller.
pf_cgroup() {
  if [[ -e /sys/fs/cgroup/$1/cgroup.procs ]]; then
    CG=/sys/fs/cgroup/$1/$2
  elif grep -qw "$1" /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; then
    CG=/sys/fs/cgroup/$2
  else
    pf_skip "no cgroup $1 controller"
  fi
  mkdir "$CG" || pf_skip "cannot create cgroup $CG"
  PF_CLEANUPS+=("rmdir $CG")
  PF_IN_CGROUP=(sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$CG")
}

# pf_collectd_start DIR [PREFIX...] : starts collectd in the foreground (in
# the background of this shell) with DIR/collectd.conf; PREFIX is e.g.
# `ip netns exec NS`. Sets COLLECTD_PID.
pf_collectd_start() {
  local dir=$1
  shift
  "$@" "$COLLECTD_BIN" -f -C "$dir/collectd.conf" >>"$dir/collectd.out" 2>&1 &
  COLLECTD_PID=$!
  PF_PIDS+=("$COLLECTD_PID")
}

# pf_collectd_stop [SECONDS] : stops the collectd this test started, and
# waits for it, at most SECONDS (default 30); sets COLLECTD_STATUS.
pf_collectd_stop() {
  kill -TERM "$COLLECTD_PID" 2>/dev/null || true
  local i
  for ((i = 0; i < ${1:-30} * 10; i++)); do
    kill -0 "$COLLECTD_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$COLLECTD_PID" 2>/dev/null &&
    pf_fail "collectd (PID $COLLECTD_PID) did not stop within ${1:-30} s of SIGTERM"
  COLLECTD_STATUS=0
  wait "$COLLECTD_PID" 2>/dev/null || COLLECTD_STATUS=$?
}

# ---- a collectd on a set of sources (pf_collectd: see the top) ----

# pf_conf_value VALUE : VALUE as a collectd.conf value (see the top).
pf_conf_value() {
  if [[ $1 =~ ^-?[0-9]+(\.[0-9]+)?$ || $1 == true || $1 == false || $1 == \"*\" ]]; then
    printf '%s' "$1"
  else
    printf '"%s"' "$1"
  fi
}

pf_collectd() {
  COLLECTD_DIR=$1
  shift
  pf_collectd_settings "$@"
  local dir=$COLLECTD_DIR p line
  pcapflow_plugin_dir "$dir/plugins" logfile csv "${PF_PLUGINS[@]}"
  [[ -z $PF_SO ]] || cp -f "$PF_SO" "$dir/plugins/pcapflow.so"
  HOSTNAME_TEST=$COLLECTD_HOST pf_collectd_conf "$dir" 1
  {
    for p in "${PF_PLUGINS[@]}"; do echo "LoadPlugin $p"; done
    if $PF_STDIN; then cat; fi
    if $PF_PCAPFLOW; then
      printf 'LoadPlugin pcapflow\n<Plugin pcapflow>\n'
      for line in "${PF_BODY[@]}"; do printf '  %s\n' "$line"; done
      printf '</Plugin>\n'
    fi
  } >>"$dir/collectd.conf"
  [[ -z $PF_OWNER ]] || chown -R "$PF_OWNER": "$dir"
  pf_collectd_start "$dir" "${PF_PREFIX[@]}"
  [[ $PF_WAIT == none ]] ||
    pf_wait_until "$PF_TIMEOUT" pf_collectd_up ||
    pf_fail "collectd did not $(pf_collectd_up why) within $PF_TIMEOUT s: $(tail -n 5 "$dir/collectd.log" 2>/dev/null)"
}

# pf_collectd_settings SETTING... : pf_collectd's settings (see the top)
# into COLLECTD_HOST and PF_BODY, PF_IFACES, PF_PLUGINS, PF_PREFIX,
# PF_STDIN, PF_PCAPFLOW, PF_SO, PF_OWNER, PF_WAIT, PF_TIMEOUT.
pf_collectd_settings() {
  COLLECTD_HOST=$HOSTNAME_TEST PF_STDIN=false PF_PCAPFLOW=true PF_WAIT=capture PF_TIMEOUT=20 PF_OWNER="" PF_SO=""
  PF_BODY=() PF_IFACES=() PF_PLUGINS=() PF_PREFIX=()
  local netns=""
  while (($#)); do
    case $1 in
    --opt) PF_BODY+=("$2 $(pf_conf_value "$3")") && shift 3 ;;
    --local) PF_BODY+=("LocalNetwork \"$LOCAL_V4\"" "LocalNetwork \"$LOCAL_V6\"") && shift ;;
    --raw) PF_BODY+=("$2") && shift 2 ;;
    --file | --interface) pf_conf_source "$@" && shift "$PF_SHIFT" ;;
    --plugin) PF_PLUGINS+=("$2") && shift 2 ;;
    --stdin) PF_STDIN=true && shift ;;
    --hostname) COLLECTD_HOST=$2 && shift 2 ;;
    --no-pcapflow) PF_PCAPFLOW=false && shift ;;
    --pcapflow-so) PF_SO=$2 && shift 2 ;;
    --netns) netns=$2 && shift 2 ;;
    --owner) PF_OWNER=$2 && shift 2 ;;
    --wait) PF_WAIT=$2 && shift 2 ;;
    --timeout) PF_TIMEOUT=$2 && shift 2 ;;
    --) shift && PF_PREFIX=("$@") && break ;;
    *) pf_fail "pf_collectd: unknown setting \"$1\"" ;;
    esac
  done
  [[ $PF_WAIT == capture ]] || PF_IFACES=()
  [[ -z $netns ]] || PF_PREFIX=(ip netns exec "$netns" "${PF_PREFIX[@]}")
}

# pf_conf_source --file|--interface NAME [KEY VALUE]... : appends the
# source's lines to PF_BODY (an Interface's name to PF_IFACES); sets
# PF_SHIFT to the number of arguments it took.
pf_conf_source() {
  local kind=File name=$2 opts=()
  [[ $1 == --interface ]] && kind=Interface && PF_IFACES+=("$name")
  PF_SHIFT=2
  shift 2
  while (($#)) && [[ $1 != --* ]]; do
    (($# >= 2)) || pf_fail "pf_collectd: $kind \"$name\": option $1 has no value"
    opts+=("  $1 $(pf_conf_value "$2")")
    PF_SHIFT=$((PF_SHIFT + 2))
    shift 2
  done
  if ((${#opts[@]} == 0)); then
    PF_BODY+=("$kind \"$name\"")
  else
    PF_BODY+=("<$kind \"$name\">" "${opts[@]}" "</$kind>")
  fi
}

# pf_collectd_up [why] : true once the collectd of pf_collectd has
# initialised and captures on every Interface source; with "why", prints
# what it has not done yet. Fails the test if collectd has exited.
pf_collectd_up() {
  local log="$COLLECTD_DIR/collectd.log" i
  kill -0 "$COLLECTD_PID" 2>/dev/null ||
    pf_fail "collectd exited at start: $(tail -n 5 "$COLLECTD_DIR/collectd.out" "$log" 2>/dev/null)"
  if ! grep -qs "Initialization complete" "$log"; then
    [[ -n ${1:-} ]] && echo "initialise"
    return 1
  fi
  for i in "${PF_IFACES[@]}"; do
    if ! grep -qsF "capturing on \"$i\"" "$log"; then
      [[ -n ${1:-} ]] && echo "capture on \"$i\""
      return 1
    fi
  done
}

# pf_wait_captured INSTANCE COUNT [SECONDS] : waits, at most SECONDS
# (default 30), until the collectd of pf_collectd has written
# packets-captured = COUNT for source INSTANCE.
pf_wait_captured() {
  local instance=$1 count=$2
  pf_wait_until "${3:-30}" pf_captured_is "$instance" "$count" ||
    pf_fail "$instance: collectd wrote packets-captured=$(pf_captured "$instance"), expected $count; log: $(tail -n 3 "$COLLECTD_DIR/collectd.log")"
}

pf_captured() { HOSTNAME_TEST=$COLLECTD_HOST pf_value "$COLLECTD_DIR" "$1" packets-captured; }
pf_captured_is() { [[ "$(pf_captured "$1")" == "$2" ]]; }

# pf_wait_written DIR INSTANCE ID... : waits, at most 10 s, until each
# series ID of source INSTANCE has a row from the read that wrote the
# newest packets-captured row, or from a later one. collectd's write
# threads write one read's values in parallel, and most series are
# dispatched after packets-captured: a value read the moment
# packets-captured shows a count may still be the read before's.
pf_wait_written() {
  local dir=$1 instance=$2 since
  shift 2
  since=$(pf_row_time "$dir" "$instance" packets-captured)
  [[ -n $since ]] || pf_fail "$instance: no packets-captured row yet"
  pf_wait_until 10 pf_rows_since "$dir" "$instance" "$since" "$@" ||
    pf_fail "$instance: no row of $* from the read at $since or later"
}

# pf_row_time DIR INSTANCE ID : the time of a series' newest CSV row, as
# collectd wrote it; nothing when there is none.
pf_row_time() { pf_csv_latest_time "$1/csv/$HOSTNAME_TEST/pcapflow-$2/$3" exact; }

# pf_rows_since DIR INSTANCE TIME ID... : true when each series ID has a
# row at TIME or later.
pf_rows_since() {
  local dir=$1 instance=$2 since=$3 id t
  shift 3
  for id in "$@"; do
    t=$(pf_row_time "$dir" "$instance" "$id")
    [[ -n $t ]] && awk -v t="$t" -v s="$since" 'BEGIN { exit !(t >= s) }' || return 1
  done
}

# pf_gen NAME SCENARIO [GEN_OPTION...] : the generator's SCENARIO into
# $WORK/NAME.pcap, its ground truth into $WORK/NAME.truth.
# pf_packet_instructions NAME FRAMES REPLAY_ARGS... : instructions callgrind
# counts in the per-packet functions of pcapflow-replay (decode, direction,
# the shard's queue and batch work) run with REPLAY_ARGS, the start-up and
# the report left out; its output in $WORK/out.NAME. A file's batch is
# pf_capture_packets_of_file (capture.c: the reader's record loop with the
# callback inlined, so its ~34 instructions a frame are counted too),
# libpcap's callback pf_capture_packet; both are named exactly: a pattern
# that also matched a function's .cold part would toggle the count off
# when a packet first took a cold path, and keep it off through the rest
# of a file's batch. pf_shard_batch_end's pattern takes the names
# link-time optimisation may give it (name.lto_priv.N, if inlined). No
# toggled function may call another: the inner call would toggle the
# count off for the rest of the outer. A count under 100 a frame means
# they matched nothing, and fails rather than let 0 against 0 pass a
# ratio.
pf_packet_instructions() {
  local name=$1 frames=$2 n
  shift 2
  valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.$name" \
    '--toggle-collect=pf_capture_packet' '--toggle-collect=pf_capture_packets_of_file' \
    '--toggle-collect=pf_shard_batch_end*' \
    "$REPLAY" "$@" >"$WORK/out.$name" 2>"$WORK/vg.$name" ||
    pf_fail "replay $* failed: $(tail -n 5 "$WORK/vg.$name")"
  n=$(awk '/^summary:/ {print $2}' "$WORK/cg.$name")
  [[ -n "$n" ]] && ((n >= frames * 100)) ||
    pf_fail "callgrind counted '$n' instructions for $frames frames ($name): the toggles matched no per-packet function"
  echo "$n"
}

pf_gen() {
  local name=$1 scenario=$2
  shift 2
  "$GEN" --scenario "$scenario" --out "$WORK/$name.pcap" --truth "$WORK/$name.truth" "$@" ||
    pf_fail "generator failed ($scenario into $name.pcap)"
}

# pf_truth_value TRUTH ID : the value(s) of series ID in a truth file.
pf_truth_value() {
  awk -v id="$2" '$1 == id { $1 = ""; sub(/^ /, ""); print; exit }' "$1"
}

# pf_csv_rows_of PATH [N] : the rows ("time,v[,v]") of one series' daily
# CSV files PATH-YYYY-MM-DD, oldest first, headers left out; with N, its
# newest N rows. Every reader of a series' newest rows comes here. The
# newest two files are read: at midnight the csv plugin starts a new file
# with its header alone until the first row lands, and a test's rows then
# span two files (a header read as a row gave the value "value").
pf_csv_rows_of() {
  local -a files
  mapfile -t files < <(ls "$1"-[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] 2>/dev/null | LC_ALL=C sort | tail -n 2)
  ((${#files[@]})) || return 0
  { grep -h '^[0-9]' "${files[@]}" || true; } | tail -n "${2:-+1}"
}

# pf_csv_latest SERIES PATH : "SERIES v [v]" from the newest row of series
# PATH (pf_csv_rows_of); nothing when there is none yet.
pf_csv_latest() {
  pf_csv_rows_of "$2" 1 | awk -F, -v s="$1" '{
    line = s
    for (i = 2; i <= NF; i++) {
      v = $i
      if (v ~ /^[0-9.]+$/ && v == int(v)) v = sprintf("%.0f", v) # mawk caps %d at 2^31
      line = line " " v
    }
    print line
  }'
}

# pf_csv_latest_time PATH [exact] : the time (whole seconds; with exact,
# as collectd wrote it) of the newest row of series PATH; nothing when
# there is none.
pf_csv_latest_time() {
  pf_csv_rows_of "$1" 1 | awk -F, -v exact="${2:-}" '{ if (exact != "") print $1; else printf "%d\n", $1 }'
}

# pf_csv_values DIR INSTANCE [PLUGIN] : prints "type-type_instance v [v]"
# for every CSV series of PLUGIN-INSTANCE (PLUGIN: pcapflow, or
# pcapflow_class for traffic classes), its latest row, sorted.
pf_csv_values() {
  local dir="$1/csv/$HOSTNAME_TEST/${3:-pcapflow}-$2"
  [[ -d "$dir" ]] || return 0
  local series
  for series in $(ls "$dir" | sed -E 's/-[0-9]{4}-[0-9]{2}-[0-9]{2}$//' | sort -u); do
    pf_csv_latest "$series" "$dir/$series"
  done | LC_ALL=C sort
}

# pf_wait_until TIMEOUT CMD... : runs CMD every 0.2 s until it succeeds;
# fails after TIMEOUT seconds, and after TIMEOUT x 5 + 1 tries (never
# before the time is up: each try takes at least 0.2 s).
pf_wait_until() {
  local timeout=$1 tries
  shift
  local deadline=$((SECONDS + timeout))
  for ((tries = timeout * 5 + 1; tries > 0; tries--)); do
    "$@" && return 0
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
  return 1
}

# pf_within_hll_error EXPECTED GOT : a HyperLogLog estimate is right within
# 4 standard errors (4 x 1.6 %), or within 2 for small exact counts.
pf_within_hll_error() {
  awk -v e="$1" -v g="$2" 'BEGIN {
    d = e - g; if (d < 0) d = -d
    exit !(d <= 2 || d <= 0.065 * e)
  }'
}

# pf_within_latency_error EXACT GOT : a latency percentile within the
# histogram's documented error (1/64) plus the half microsecond that
# printing seconds with six decimals (pcapflow-replay) may add.
pf_within_latency_error() {
  awk -v e="$1" -v g="$2" 'BEGIN {
    d = e - g; if (d < 0) d = -d
    exit !(d <= e / 64 + 0.0000005)
  }'
}

# pf_compare_truth TRUTH ACTUAL LABEL : every line of TRUTH must appear
# exactly in ACTUAL (distinct counts and latency percentiles: within the
# documented error). Prints
# each difference.
pf_compare_truth() {
  local truth=$1 actual=$2 label=$3 bad=0 id expected got
  while read -r id expected; do
    got=$(awk -v id="$id" '$1 == id { $1 = ""; sub(/^ /, ""); print; exit }' "$actual")
    if [[ "$id" == count-distinct_* && -n "$got" ]] && pf_within_hll_error "$expected" "$got"; then
      continue
    fi
    if [[ "$id" == *duration-* && -n "$got" ]] && pf_within_latency_error "$expected" "$got"; then
      continue
    fi
    if [[ "$got" != "$expected" ]]; then
      echo "  $label: $id: expected \"$expected\", got \"${got:-<missing>}\"" >&2
      bad=1
    fi
  done <"$truth"
  return $bad
}

# ---- network namespaces ----

# pf_netns_init : creates two namespaces, $NS_A (sender) and $NS_B (where
# pcapflow captures), with IPv6 off so that the kernel sends nothing of its
# own onto the test link. Skips the test where namespaces are not allowed.
pf_netns_init() {
  NS_A="pfA$$" NS_B="pfB$$"
  VETH_A="pfa$$" VETH_B="pfb$$"
  ip netns add "$NS_A" 2>/dev/null || pf_skip "cannot create network namespaces here (need root and CONFIG_NET_NS)"
  PF_CLEANUPS+=("ip netns del $NS_A 2>/dev/null")
  ip netns add "$NS_B" || pf_fail "ip netns add $NS_B"
  PF_CLEANUPS+=("ip netns del $NS_B 2>/dev/null")
  local ns
  for ns in "$NS_A" "$NS_B"; do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
      net.ipv6.conf.default.disable_ipv6=1 >/dev/null
  done
}

# pf_veth_up : a veth pair between the namespaces, MTU 9000, fixed MACs
# that the generator never uses, no addresses.
pf_veth_up() {
  ip link add "$VETH_A" netns "$NS_A" address 0a:fe:00:00:00:01 mtu 9000 type veth \
    peer name "$VETH_B" netns "$NS_B" address 0a:fe:00:00:00:02 mtu 9000
  ip -n "$NS_A" link set "$VETH_A" up
  ip -n "$NS_B" link set "$VETH_B" up
}

pf_veth_down() {
  ip -n "$NS_A" link del "$VETH_A" 2>/dev/null || true
}

# pf_replay FILE [TCPREPLAY_OPTION...] : sends FILE from $NS_A, at a
# modest, bounded rate unless options say otherwise (--topspeed); checks
# that tcpreplay sent every packet. Prints the number sent.
pf_replay() {
  local file=$1 out
  shift
  (($#)) || set -- --pps=20000
  out=$(ip netns exec "$NS_A" tcpreplay "$@" -i "$VETH_A" "$file" 2>&1) ||
    pf_fail "tcpreplay: $out"
  local sent failed
  sent=$(awk '/Actual:/ {print $2; exit}' <<<"$out")
  failed=$(awk '/Failed packets:/ {print $3; exit}' <<<"$out")
  [[ "${failed:-0}" == 0 ]] || pf_fail "tcpreplay could not send $failed packets: $out"
  echo "$sent"
}

# pf_replay_timed NAME [OPTION...] : pcapflow-replay -t OPTION... over
# $WORK/NAME.pcap: its values into $WORK/NAME.out, its figures into
# $WORK/NAME.err.
pf_replay_timed() {
  local name=$1
  shift
  "$REPLAY" -t "$@" "$WORK/$name.pcap" >"$WORK/$name.out" 2>"$WORK/$name.err" ||
    pf_fail "pcapflow-replay failed on $name.pcap: $(cat "$WORK/$name.err")"
}

# pf_figure NAME KEY : a figure of pf_replay_timed NAME (max_rss_kib,
# ns_per_packet...).
pf_figure() {
  awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' "$WORK/$1.err"
}

# pf_rss_growth_within BIG SMALL MAX_KIB : the peak memory of pf_replay_timed
# BIG exceeds that of SMALL (1000 packets) by at most MAX_KIB; sets RSS_BIG
# and RSS_SMALL.
pf_rss_growth_within() {
  RSS_BIG=$(pf_figure "$1" max_rss_kib) RSS_SMALL=$(pf_figure "$2" max_rss_kib)
  [[ -n "$RSS_BIG" && -n "$RSS_SMALL" ]] || pf_fail "no memory figures from pcapflow-replay -t"
  ((RSS_BIG - RSS_SMALL <= $3)) ||
    pf_fail "peak memory grew from $RSS_SMALL KiB (1000 packets) to $RSS_BIG KiB ($1.pcap)"
}

# pf_scale_truth FACTOR < TRUTH : every value multiplied (for repeats).
pf_scale_truth() {
  awk -v f="$1" '{ line = $1; for (i = 2; i <= NF; i++) line = line " " $i * f; print line }'
}

# pf_value DIR INSTANCE ID [PLUGIN] : the latest CSV value(s) of one series
# (PLUGIN: pcapflow, or pcapflow_class for traffic classes). Reads that
# series' file only: wait loops call it every 0.2 s.
pf_value() {
  pf_csv_latest "$3" "$1/csv/$HOSTNAME_TEST/${4:-pcapflow}-$2/$3" | awk '{ $1 = ""; sub(/^ /, ""); print }'
}

# pf_family_total DIR INSTANCE TYPE : "rx tx", the latest values of every
# TYPE-* series added up: all traffic for if_packets or if_octets, whose
# series are a partition of it (docs/METRICS.md).
pf_family_total() {
  pf_csv_values "$1" "$2" | awk -v t="$3-" 'index($1, t) == 1 { rx += $2; tx += $3 } END { print rx + 0, tx + 0 }'
}

# pf_class_values DIR SOURCE : the per-class series of SOURCE (plugin
# pcapflow_class) as the generator's class truth names them: the counters
# "if_packets-web v v", the latency figures "p90/duration-web v" (their
# plugin_instance is SOURCE-p90) and the TCP timing figures
# "tcp_rtt_tx_p90/duration-web v" (SOURCE-tcp_rtt_tx_p90), sorted.
pf_class_values() {
  local q f
  {
    pf_csv_values "$1" "$2" pcapflow_class
    for q in p50 p90 p99 max; do
      pf_csv_values "$1" "$2-$q" pcapflow_class | sed "s#^#$q/#"
      for f in tcp_rtt_tx tcp_rtt_rx tcp_jitter tcp_response; do
        pf_csv_values "$1" "$2-${f}_$q" pcapflow_class | sed "s#^#${f}_$q/#"
      done
    done
  } | LC_ALL=C sort
}

# pf_replay_classes SOURCE < OUTPUT : the same from pcapflow-replay -r.
pf_replay_classes() {
  sed -n -E "s#^pcapflow_class-$1/##p; s#^pcapflow_class-$1-((tcp_[a-z_]+_)?(p50|p90|p99|max))/#\1/#p" | LC_ALL=C sort
}

# pf_flows DIR INSTANCE : the flows in the table, the sum of the latest
# current_connections-flows_* (nothing until all four are written).
pf_flows() {
  local k v s=0
  for k in tcp udp icmp other; do
    v=$(pf_value "$1" "$2" "current_connections-flows_$k")
    [[ -n "$v" ]] || return 0
    s=$((s + ${v%.*}))
  done
  echo "$s"
}

# pf_flows_of FILE : the same from pcapflow-replay's output.
pf_flows_of() {
  awk '$1 ~ /^current_connections-flows_/ { s += $2 } END { print s + 0 }' "$1"
}
