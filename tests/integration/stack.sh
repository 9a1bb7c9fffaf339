# stack.sh - helpers for the metrics-stack tests: free loopback ports, and
# real Graphite (carbon-cache) and InfluxDB servers that a test starts with
# its own configuration in its own folder, and stops by PID. Source after
# lib.sh.

# pf_free_port : a TCP and UDP port on 127.0.0.1 that nothing listens on now
# and that no earlier call of this test handed out (they are kept in
# $WORK/ports). The kernel picks the port, and once the probe's socket is
# closed it may pick the same one again: a test that asks for several
# ports before anything binds the first (carbon-cache's three, influxd's
# three) got two equal ones in about 1 run of 400 (8 ports). A port can
# still be taken by anything else before the server binds it: the servers
# below start again on new ports when that happens (pf_serve).
pf_free_port() {
  python3 - "${WORK:?pf_test_init first}/ports" <<'PY'
import socket, sys

path = sys.argv[1]
try:
    with open(path) as f:
        given = set(f.read().split())
except FileNotFoundError:
    given = set()
for _ in range(200):
    t = socket.socket()
    t.bind(("127.0.0.1", 0))
    port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        if str(port) in given:
            continue
        u.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        u.close()
        t.close()
    with open(path, "a") as f:
        f.write("%d\n" % port)
    print(port)
    break
else:
    sys.exit("no free port on 127.0.0.1 in 200 tries")
PY
}

# pf_port_listening PORT : true once something accepts TCP on 127.0.0.1:PORT.
pf_port_listening() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# pf_pid_listens [--netns NS] PID PORT... : true when process PID listens
# on each PORT (TCP; PORT/udp: a bound UDP socket), in network namespace
# NS if given. Asked of the kernel by owner, not by connecting: whatever
# took the port would answer too, and a connection is traffic that a
# capture on the link would see.
pf_pid_listens() {
  local ss=(ss) pid p
  [[ $1 != --netns ]] || { ss=(ip netns exec "$2" ss) && shift 2; }
  pid=$1
  shift
  for p in "$@"; do
    if [[ $p == */udp ]]; then
      [[ $("${ss[@]}" -Hlunp "sport = :${p%/udp}") == *"pid=$pid,"* ]] || return 1
    else
      [[ $("${ss[@]}" -Hltnp "sport = :$p") == *"pid=$pid,"* ]] || return 1
    fi
  done
}

# pf_serve NAME LOG START : starts a server and waits, at most 30 s, until
# it listens on every one of its ports. START (a function) picks the
# ports with pf_free_port, writes the configuration, starts the server in
# the background writing to LOG, and sets PF_SERVE_PID and PF_SERVE_PORTS
# (PORT, or PORT/udp). A server that exits saying "address already in
# use" lost a port to another process between pf_free_port and its bind:
# it is started again on new ports, three times in all. Any other end
# fails the test. The server is stopped at the end (pf_stop_pid).
pf_serve() {
  local serve_name=$1 serve_log=$2 serve_start=$3 serve_try
  for serve_try in 1 2 3; do
    "$serve_start"
    PF_CLEANUPS+=("pf_stop_pid $PF_SERVE_PID")
    pf_wait_until 30 pf_serve_settled
    pf_pid_listens "$PF_SERVE_PID" "${PF_SERVE_PORTS[@]}" && return 0
    pf_stop_pid "$PF_SERVE_PID"
    unset 'PF_CLEANUPS[-1]'
    grep -qi "address already in use" "$serve_log" ||
      pf_fail "$serve_name did not listen on ${PF_SERVE_PORTS[*]}: $(tail -n 5 "$serve_log")"
    echo "  ($serve_name: one of ports ${PF_SERVE_PORTS[*]} was taken; starting it again on new ones)"
  done
  pf_fail "$serve_name lost a port to another process $serve_try times: $(tail -n 5 "$serve_log")"
}

# pf_serve_settled : true once pf_serve's server listens on its ports, or
# has exited.
pf_serve_settled() {
  ! kill -0 "$PF_SERVE_PID" 2>/dev/null || pf_pid_listens "$PF_SERVE_PID" "${PF_SERVE_PORTS[@]}"
}

# pf_need CMD... : skips the test when a command is missing.
pf_need() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null || pf_skip "$c is not installed (make deps installs it)"
  done
}

# pf_stop_pid PID : TERM, and KILL if PID has not ended within 5 s (influxd
# takes 30 s to close its collectd listener once it has had data).
pf_stop_pid() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# ---- Graphite ----

# pf_carbon_start DIR : carbon-cache in the foreground with its config and
# whisper files in DIR, one-second resolution, listening on loopback only.
# Sets CARBON_PORT (plaintext line receiver) and CARBON_PID.
pf_carbon_start() {
  local dir=$1
  pf_need carbon-cache whisper-fetch
  mkdir -p "$dir/conf" "$dir/log" "$dir/storage/whisper"
  cat >"$dir/conf/storage-schemas.conf" <<CONF
[everything]
pattern = .*
retentions = 1s:1h
CONF
  pf_serve carbon-cache "$dir/carbon.out" pf_carbon_run
  CARBON_PID=$PF_SERVE_PID
}

# pf_carbon_run : pf_carbon_start's START for pf_serve (its dir: $dir).
pf_carbon_run() {
  local pickle query
  CARBON_PORT=$(pf_free_port)
  pickle=$(pf_free_port)
  query=$(pf_free_port)
  cat >"$dir/conf/carbon.conf" <<CONF
[cache]
STORAGE_DIR = $dir/storage
LOCAL_DATA_DIR = $dir/storage/whisper
WHITELISTS_DIR = $dir/storage/lists
CONF_DIR = $dir/conf
LOG_DIR = $dir/log
PID_DIR = $dir
ENABLE_LOGROTATION = False
USER =
MAX_CACHE_SIZE = inf
MAX_UPDATES_PER_SECOND = inf
MAX_CREATES_PER_MINUTE = inf
LINE_RECEIVER_INTERFACE = 127.0.0.1
LINE_RECEIVER_PORT = $CARBON_PORT
ENABLE_UDP_LISTENER = False
PICKLE_RECEIVER_INTERFACE = 127.0.0.1
PICKLE_RECEIVER_PORT = $pickle
CACHE_QUERY_INTERFACE = 127.0.0.1
CACHE_QUERY_PORT = $query
LOG_LISTENER_CONN_SUCCESS = False
CONF
  rm -f "$dir/carbon.pid"
  carbon-cache --config="$dir/conf/carbon.conf" --pidfile="$dir/carbon.pid" \
    --nodaemon start >"$dir/carbon.out" 2>&1 &
  PF_SERVE_PID=$! PF_SERVE_PORTS=("$CARBON_PORT" "$pickle" "$query")
}

# pf_whisper_last FILE : the latest stored value of a whisper file, as an
# integer when it is one; nothing when it holds no value yet.
pf_whisper_last() {
  whisper-fetch --from=$(($(date +%s) - 600)) "$1" 2>/dev/null |
    awk '$2 != "None" { v = $2 } END { if (v != "") { if (v == int(v)) printf "%d\n", v; else print v } }'
}

# pf_whisper_rows DIR [DS1 DS2] : every point stored under DIR (one source's
# folder, collectd.HOST.pcapflow-SOURCE) as "type-type_instance time v [v]",
# sorted by series and time: a single-value series is a leaf, the two values
# of a type (DS1 and DS2: rx and tx unless given) two leaves of one node,
# joined by time. Values as series.sh's pf_csv_rows prints them. Fails on any
# other layout (a stray node, a lone value of two).
pf_whisper_rows() {
  local py
  # whisper-fetch's own interpreter has the whisper module.
  py=$(sed -n '1s/^#! *//p' "$(command -v whisper-fetch)")
  ${py:-python3} - "$1" "${2:-rx}" "${3:-tx}" <<'PY' | LC_ALL=C sort -k1,1 -k2,2n
import os, sys, whisper

root, pair = sys.argv[1], sys.argv[2:4]
points = {}  # id -> {ds: {time: value}}
for dirpath, _, files in os.walk(root):
    for f in files:
        if not f.endswith(".wsp"):
            continue
        path = os.path.join(dirpath, f)
        parts = os.path.relpath(path, root)[:-4].split(os.sep)
        if len(parts) == 1:
            sid, ds = parts[0], "value"
        elif len(parts) == 2 and parts[1] in pair:
            sid, ds = parts
        else:
            sys.exit("unexpected whisper node " + "/".join(parts))
        (start, _, step), values = whisper.fetch(path, 0)
        points.setdefault(sid, {})[ds] = {start + i * step: v for i, v in enumerate(values) if v is not None}


def fmt(v):
    if v is None:
        return "None"
    return "%.0f" % v if v == int(v) else "%.6f" % v


for sid, by_ds in points.items():
    dss = ["value"] if "value" in by_ds else pair
    if sorted(by_ds) != sorted(dss):
        sys.exit("%s: data sources %s" % (sid, sorted(by_ds)))
    for t in sorted(set().union(*(by_ds[d].keys() for d in dss))):
        print(sid, t, " ".join(fmt(by_ds[d].get(t)) for d in dss))
PY
  return "${PIPESTATUS[0]}"
}

# ---- InfluxDB 1.x ----

# pf_influxd_start DIR [COLLECTD_EXTRA] : influxd with its data in DIR, HTTP
# and the collectd listener on loopback, flushing collectd batches every
# 200 ms into database "collectd". COLLECTD_EXTRA is appended to the
# [[collectd]] section. Sets INFLUX_HTTP_PORT, INFLUX_COLLECTD_PORT, INFLUX_PID.
pf_influxd_start() {
  local dir=$1 extra=${2:-}
  pf_need influxd influx
  mkdir -p "$dir"
  pf_serve influxd "$dir/influxd.out" pf_influxd_run
  INFLUX_PID=$PF_SERVE_PID
}

# pf_influxd_run : pf_influxd_start's START for pf_serve ($dir, $extra).
pf_influxd_run() {
  local rpc
  INFLUX_HTTP_PORT=$(pf_free_port)
  INFLUX_COLLECTD_PORT=$(pf_free_port)
  rpc=$(pf_free_port)
  cat >"$dir/influxdb.conf" <<CONF
reporting-disabled = true
bind-address = "127.0.0.1:$rpc"
[meta]
  dir = "$dir/meta"
[data]
  dir = "$dir/data"
  wal-dir = "$dir/wal"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  bind-address = "127.0.0.1:$INFLUX_HTTP_PORT"
  log-enabled = false
[logging]
  level = "warn"
  suppress-logo = true
[[collectd]]
  enabled = true
  bind-address = "127.0.0.1:$INFLUX_COLLECTD_PORT"
  database = "collectd"
  batch-size = 1000
  batch-timeout = "200ms"
  typesdb = "/usr/share/collectd/types.db"
$extra
CONF
  influxd run -config "$dir/influxdb.conf" >"$dir/influxd.out" 2>&1 &
  PF_SERVE_PID=$! PF_SERVE_PORTS=("$INFLUX_HTTP_PORT" "$rpc" "$INFLUX_COLLECTD_PORT/udp")
}

# pf_influx QUERY : runs QUERY on the test's influxd, database collectd, CSV out.
pf_influx() {
  influx -host 127.0.0.1 -port "$INFLUX_HTTP_PORT" -database collectd \
    -format csv -execute "$1"
}

# pf_prometheus_start DIR TARGET_PORT : a Prometheus server on 127.0.0.1
# ($PROM_PORT) that scrapes 127.0.0.1:TARGET_PORT (collectd's
# write_prometheus) every second, its data in DIR.
pf_prometheus_start() {
  local dir=$1 target=$2
  pf_need prometheus
  mkdir -p "$dir/data"
  pf_serve prometheus "$dir/prometheus.out" pf_prometheus_run
  PROM_PID=$PF_SERVE_PID
}

# pf_prometheus_run : pf_prometheus_start's START for pf_serve ($dir, $target).
pf_prometheus_run() {
  PROM_PORT=$(pf_free_port)
  cat >"$dir/prometheus.yml" <<CONF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: collectd
    honor_labels: true
    static_configs:
      - targets: ["127.0.0.1:$target"]
CONF
  prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
    --web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn >"$dir/prometheus.out" 2>&1 &
  PF_SERVE_PID=$! PF_SERVE_PORTS=("$PROM_PORT")
}
