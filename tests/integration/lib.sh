# lib.sh - shared helpers for the integration tests: a private collectd per
# test, reading its CSV output back, comparing with ground truth.
# Each test sources this, calls `pf_test_init NAME`, and ends with `pf_pass`.

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

# pf_collectd_stop : stops the collectd this test started, and waits.
pf_collectd_stop() {
  kill -TERM "$COLLECTD_PID" 2>/dev/null || true
  local i
  for i in $(seq 1 100); do
    kill -0 "$COLLECTD_PID" 2>/dev/null || break
    sleep 0.1
  done
  COLLECTD_STATUS=0
  wait "$COLLECTD_PID" 2>/dev/null || COLLECTD_STATUS=$?
}

# pf_csv_latest SERIES PATH : "SERIES v [v]" from the newest row of the
# newest daily CSV file PATH-YYYY-MM-DD; nothing when there is none yet.
pf_csv_latest() {
  local f
  f=$(ls "$2"-[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] 2>/dev/null | sort | tail -n 1)
  [[ -n "$f" ]] || return 0
  tail -n 1 "$f" | awk -F, -v s="$1" '{
    line = s
    for (i = 2; i <= NF; i++) {
      v = $i
      if (v ~ /^[0-9.]+$/ && v == int(v)) v = sprintf("%.0f", v) # mawk caps %d at 2^31
      line = line " " v
    }
    print line
  }'
}

# pf_csv_values DIR INSTANCE : prints "type-type_instance v [v]" for every
# CSV series of pcapflow-INSTANCE, its latest row, sorted.
pf_csv_values() {
  local dir="$1/csv/$HOSTNAME_TEST/pcapflow-$2"
  [[ -d "$dir" ]] || return 0
  local series
  for series in $(ls "$dir" | sed -E 's/-[0-9]{4}-[0-9]{2}-[0-9]{2}$//' | sort -u); do
    pf_csv_latest "$series" "$dir/$series"
  done | LC_ALL=C sort
}

# pf_wait_until TIMEOUT CMD... : runs CMD every 0.2 s until it succeeds;
# fails after TIMEOUT seconds.
pf_wait_until() {
  local timeout=$1
  shift
  local deadline=$((SECONDS + timeout))
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
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
# histogram's documented error (1/64) plus the 0.5 ms that printing
# seconds with three decimals (pcapflow-replay) may add.
pf_within_latency_error() {
  awk -v e="$1" -v g="$2" 'BEGIN {
    d = e - g; if (d < 0) d = -d
    exit !(d <= e / 64 + 0.0005)
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
    if [[ "$id" == latency-* && -n "$got" ]] && pf_within_latency_error "$expected" "$got"; then
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

# pf_scale_truth FACTOR < TRUTH : every value multiplied (for repeats).
pf_scale_truth() {
  awk -v f="$1" '{ line = $1; for (i = 2; i <= NF; i++) line = line " " $i * f; print line }'
}

# pf_value DIR INSTANCE ID : the latest CSV value(s) of one series. Reads
# that series' file only: wait loops call it every 0.2 s.
pf_value() {
  pf_csv_latest "$3" "$1/csv/$HOSTNAME_TEST/pcapflow-$2/$3" | awk '{ $1 = ""; sub(/^ /, ""); print }'
}
