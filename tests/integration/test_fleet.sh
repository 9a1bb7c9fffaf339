#!/usr/bin/env bash
# Fleet topology (docs/DEPLOYMENT.md): edge collectds capture with pcapflow
# and send with the network plugin to a central collectd, which requires
# signed or encrypted data with a shared secret and writes what it
# receives. A signing edge and an encrypting edge arrive intact (the central
# CSV holds every row the edge's own CSV holds, the per-interval top-N bytes
# and distinct counts included, and the totals equal the generator's ground
# truth); an edge with the wrong secret and an unsigned edge are refused, so
# none of their values are written.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/stack.sh"
source "$(dirname "$0")/series.sh"
pf_test_init fleet

secret="fleet-shared-secret-42"

# The central collector: receives, writes CSV; loads no pcapflow.
central="$WORK/central"
mkdir -p "$central"
printf 'fleet: %s\n' "$secret" >"$central/auth"
# central_start : the central collectd, listening on a new port ($port).
# False when another process took the port before the network plugin bound
# it (collectd then runs on without the listener).
# One write thread: an edge's rows arrive in bursts (a network packet holds
# several intervals), and collectd's csv plugin, written to by several
# threads at once, can garble the first rows of a file it is creating.
central_start() {
  port=$(pf_free_port)
  pf_collectd "$central" --hostname central --plugin network --no-pcapflow --stdin <<CONF
WriteThreads 1
<Plugin network>
  <Listen "127.0.0.1" "$port">
    SecurityLevel Sign
    AuthFile "$central/auth"
  </Listen>
</Plugin>
CONF
  pf_pid_listens "$COLLECTD_PID" "$port/udp" && return 0
  grep -q "sockent_server_listen failed" "$central/collectd.log" ||
    pf_fail "the central collectd does not listen on $port: $(tail -n 3 "$central/collectd.log")"
  pf_collectd_stop
  rm -rf "$central/csv" "$central/collectd.log"
  return 1
}
for try in 1 2 3; do
  central_start && break
  echo "  (the central collectd's port $port was taken; it starts again on a new one)"
  ((try < 3)) || pf_fail "the central collectd lost its port to another process 3 times"
done
central_pid=$COLLECTD_PID

# edge NAME SEED SERVER_BLOCK_BODY : an edge collectd reading a generated
# capture with pcapflow and sending to the central one; it also keeps its
# own CSV, to hold what arrives centrally to what was sent. Sets EDGE_PID.
edge() {
  local name=$1 seed=$2 security=$3 dir="$WORK/$1"
  pf_gen "$name" coverage --seed "$seed"
  pf_collectd "$dir" --hostname "$name" --plugin network --local \
    --file "$WORK/$name.pcap" Instance uplink --stdin <<CONF
<Plugin network>
  <Server "127.0.0.1" "$port">
$security
  </Server>
</Plugin>
CONF
  EDGE_PID[$name]=$COLLECTD_PID
}
declare -A EDGE_PID

edge edge-sign 21 "    SecurityLevel Sign
    Username \"fleet\"
    Password \"$secret\""
edge edge-crypt 22 "    SecurityLevel Encrypt
    Username \"fleet\"
    Password \"$secret\""
edge edge-wrongkey 23 "    SecurityLevel Encrypt
    Username \"fleet\"
    Password \"not-the-$secret\""
edge edge-plain 24 "    SecurityLevel None"

for name in edge-sign edge-crypt; do
  total=$(pf_truth_value "$WORK/$name.truth" packets-captured)
  arrived() { [[ "$(HOSTNAME_TEST=$1 pf_value "$central" uplink packets-captured)" == "$2" ]]; }
  pf_wait_until 30 arrived "$name" "$total" ||
    pf_fail "$name: the central collectd wrote packets-captured=$(HOSTNAME_TEST=$name pf_value "$central" uplink packets-captured), expected $total; $(tail -n 3 "$central/collectd.log")"
done
sleep 2 # two more intervals of every edge, refused ones included
# Stop the edges (the network plugin sends what it holds at shutdown); the
# central collectd must then hold every row each accepted edge wrote itself.
for name in "${!EDGE_PID[@]}"; do
  pf_stop_pid "${EDGE_PID[$name]}"
done
pf_doc_series
for name in edge-sign edge-crypt; do
  HOSTNAME_TEST=$name pf_csv_rows "$WORK/$name" uplink >"$WORK/$name.sent"
  [[ -s "$WORK/$name.sent" ]] || pf_fail "$name wrote no CSV"
  central_has_all() {
    HOSTNAME_TEST=$1 pf_csv_rows "$central" uplink >"$WORK/$1.rows"
    pf_rows_differ "$WORK/$1.sent" "$WORK/$1.rows" 0 >"$WORK/$1.diff"
  }
  pf_wait_until 10 central_has_all "$name" || {
    cat "$WORK/$name.diff" >&2
    pf_fail "$name: what the edge wrote (first) and what the central collectd wrote (second) differ"
  }
  # Every value intact: the same rows, and the ground truth; the
  # per-interval top-N lists add up to the capture's IP bytes.
  pf_last_rows "$WORK/$name.rows" >"$WORK/$name.actual"
  pf_check_ids "$name" "$WORK/$name.actual"
  pf_compare_truth <(pf_truth_totals "$WORK/$name.truth") "$WORK/$name.actual" "$name" ||
    pf_fail "$name: values written centrally differ from the ground truth"
  pf_top_sums_differ "$WORK/$name.rows" "$WORK/$name.truth" >&2 ||
    pf_fail "$name: top-N values written centrally do not add up to the capture's IP bytes"
done
for name in edge-wrongkey edge-plain; do
  [[ ! -e "$central/csv/$name" ]] || pf_fail "$name: the central collectd wrote values it should have refused"
done
# The refused edges did send: the collector says why it dropped each.
grep -q "Decrypting AES256 part failed" "$central/collectd.log" ||
  pf_fail "the central log does not show the wrong key refused: $(tail -n 5 "$central/collectd.log")"
grep -q "Unsigned packet or part has been ignored" "$central/collectd.log" ||
  pf_fail "the central log does not show unsigned data refused: $(tail -n 5 "$central/collectd.log")"
kill -0 "$central_pid" || pf_fail "the central collectd died"
pf_pass "signed and encrypted edges arrive with every row exact ($(wc -l <"$WORK/edge-sign.actual") and $(wc -l <"$WORK/edge-crypt.actual") series); wrong-key and unsigned edges refused"
