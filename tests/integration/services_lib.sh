# services_lib.sh - rigs for the service tests (docs/SERVICES.md): real
# Debian servers and clients in the test's network namespaces, the traffic
# captured with tcpdump, and tshark's reading of that capture as the truth.
#
#   svc_dns_rig      dnsmasq answering a local zone, queried by dig and kdig
#                    (UDP and TCP) for existing and missing names and types
#   svc_tls_rig      openssl s_server, reached by openssl s_client and curl
#                    with several server names (SNI), TLS 1.2 and 1.3
#   svc_slow_rig     an HTTP server that waits a known time before it
#                    answers, reached by curl across tap_wire.c's delay
#
# A test sources lib.sh, then this file (which sources stack.sh), calls
# pf_netns_init, then a link (svc_link_veth or svc_link_wire), then a rig;
# each rig leaves its capture in $WORK/NAME.pcap and tshark's truth next to
# it (svc_tshark_* print the fields). Every server and capture is a PID in
# PF_PIDS, so pf_cleanup stops it. Addresses are in 198.18.0.0/15 only.
#
# Run directly (`bash services_lib.sh`, as root, under the shared lock) it
# runs every rig once and prints what tshark says: the self-check.

SVC_ZONE="svc.test" # RFC 2606: a name that cannot leak anywhere
SVC_NET="198.18.7"  # the rigs' link: .1 the client side, .2 the server side

# pf_need and pf_stop_pid come from stack.sh.
source "$(dirname "${BASH_SOURCE[0]}")/stack.sh"

# ---- the link and the capture ----

# svc_link_veth : a veth pair between $NS_A (client, .1) and $NS_B (server,
# .2), addressed. Sets SVC_IF_A and SVC_IF_B.
svc_link_veth() {
  pf_veth_up
  ip -n "$NS_A" addr add "$SVC_NET.1/24" dev "$VETH_A"
  ip -n "$NS_B" addr add "$SVC_NET.2/24" dev "$VETH_B"
  SVC_IF_A=$VETH_A SVC_IF_B=$VETH_B
}

# svc_link_wire DELAY_MS : tap_wire.c between the namespaces, every frame
# held DELAY_MS each way (no loss). Sets SVC_IF_A and SVC_IF_B.
svc_link_wire() {
  local delay=$1
  [[ -c /dev/net/tun ]] || pf_skip "no /dev/net/tun"
  cc -std=gnu11 -Wall -Wextra -Werror -O2 -o "$WORK/tap_wire" \
    "$PCAPFLOW_ROOT/tests/integration/tap_wire.c" || pf_fail "cannot build tap_wire"
  SVC_IF_A="swa$$" SVC_IF_B="swb$$"
  "$WORK/tap_wire" "$NS_A" "$SVC_IF_A" "$NS_B" "$SVC_IF_B" "$delay" 0 7 >"$WORK/wire.log" 2>&1 &
  PF_PIDS+=("$!")
  svc_wire_ready() { grep -qs ready "$WORK/wire.log"; }
  pf_wait_until 10 svc_wire_ready || pf_fail "tap_wire did not start: $(cat "$WORK/wire.log")"
  ip -n "$NS_A" addr add "$SVC_NET.1/24" dev "$SVC_IF_A"
  ip -n "$NS_B" addr add "$SVC_NET.2/24" dev "$SVC_IF_B"
  ip -n "$NS_A" link set "$SVC_IF_A" up
  ip -n "$NS_B" link set "$SVC_IF_B" up
}

# svc_capture_start NS IFACE NAME FILTER : tcpdump in NS writes
# $WORK/NAME.pcap (whole frames). Immediate mode: without it the kernel
# hands frames over a ring block at a time, and the block still filling
# when tcpdump is stopped is lost. Sets SVC_DUMP_PID and SVC_DUMP_LOG.
svc_capture_start() {
  local ns=$1 dev=$2 name=$3 filter=$4
  ip netns exec "$ns" tcpdump -i "$dev" --immediate-mode -U -s 0 -w "$WORK/$name.pcap" "$filter" \
    >"$WORK/$name.tcpdump" 2>&1 &
  SVC_DUMP_PID=$!
  SVC_DUMP_LOG="$WORK/$name.tcpdump"
  PF_PIDS+=("$SVC_DUMP_PID")
  svc_dump_ready() { grep -qs "listening on" "$SVC_DUMP_LOG"; }
  pf_wait_until 10 svc_dump_ready || pf_fail "tcpdump did not start: $(cat "$SVC_DUMP_LOG")"
}

# svc_capture_stop : waits until the rig's last frame has crossed the link
# and tcpdump has written it, then ends tcpdump. A fixed pause was not
# enough on a loaded machine: a server may close its side of a connection
# late, and SIGINT ends tcpdump without writing the frames still queued
# for it, so the capture (tshark's truth) lacked frames the live collectd
# counted. Fails if tcpdump lost or did not write a frame.
svc_capture_stop() {
  pf_wait_until 20 svc_tcp_quiet ||
    pf_fail "the rig's connections did not close: $(svc_tcp_open)"
  pf_wait_until 20 svc_dump_drained ||
    pf_fail "tcpdump did not write the frames it was given: $(svc_dump_counts)"
  kill -INT "$SVC_DUMP_PID" 2>/dev/null || true
  wait "$SVC_DUMP_PID" 2>/dev/null || true
  # Its last words: "N packets captured", "N packets received by filter",
  # "0 packets dropped by kernel".
  local last c r d
  last=$(awk '/^[0-9]+ packets captured$/ { c = $1 } /^[0-9]+ packets received by filter$/ { r = $1 }
    /^[0-9]+ packets dropped by kernel$/ { d = $1 } END { print c, r, d }' "$SVC_DUMP_LOG")
  read -r c r d <<<"$last"
  [[ -n $c && $c == "$r" && $d == 0 ]] ||
    pf_fail "tcpdump wrote ${c:-?} of the ${r:-?} frames its filter passed (${d:-?} dropped by the kernel): $(tail -n 3 "$SVC_DUMP_LOG")"
}

# svc_tcp_open : the TCP sockets of $NS_A and $NS_B that neither listen
# nor wait in TIME-WAIT: connections still open, or closing.
svc_tcp_open() {
  local ns
  for ns in "$NS_A" "$NS_B"; do
    ip netns exec "$ns" ss -Htan exclude listening exclude time-wait
  done
}

# svc_tcp_quiet : true once no connection is open or closing: each one's
# last segment (the final ACK of its close) has crossed the link, so every
# frame of it went past tcpdump's socket on either end.
svc_tcp_quiet() { [[ -z "$(svc_tcp_open)" ]]; }

# svc_dump_counts : "captured received dropped" of tcpdump's newest count
# line (what it prints on SIGUSR1): frames written, frames the kernel
# queued for it (its filter passed them), frames the kernel dropped.
svc_dump_counts() {
  sed -nE 's/^tcpdump: ([0-9]+) packets captured, ([0-9]+) packets received by filter, ([0-9]+) packets dropped by kernel.*/\1 \2 \3/p' \
    "$SVC_DUMP_LOG" | tail -n 1
}

# svc_dump_drained : asks tcpdump for its counts (SIGUSR1) and is true
# once it has written every frame the kernel queued for it, none dropped.
# Not for a capture on lo: there the kernel counts each frame twice and
# libpcap itself drops the outgoing copy, so the two never agree.
svc_dump_drained() {
  local before c r d
  before=$(grep -c 'packets received by filter,' "$SVC_DUMP_LOG" || true)
  kill -USR1 "$SVC_DUMP_PID" 2>/dev/null || pf_fail "tcpdump has exited: $(cat "$SVC_DUMP_LOG")"
  svc_dump_answered() { (($(grep -c 'packets received by filter,' "$SVC_DUMP_LOG" || true) > before)); }
  pf_wait_until 10 svc_dump_answered || return 1
  read -r c r d <<<"$(svc_dump_counts)"
  [[ $c == "$r" && $d == 0 ]]
}

# svc_wait_listening NAME PID LOG PORT... : waits, at most 20 s, until
# server PID listens on each PORT (PORT/udp: UDP) in $NS_B. Asked of the
# kernel, not by a probe from $NS_A: a probe is traffic, and a collectd
# already capturing on the link counted it where tcpdump, started after,
# did not (an s_server probe drew a TLS alert; a slow-server probe added
# a handshake to the round trips).
svc_wait_listening() {
  local name=$1 pid=$2 log=$3
  shift 3
  pf_wait_until 20 pf_pid_listens --netns "$NS_B" "$pid" "$@" ||
    pf_fail "$name did not listen on $*: $(tail -n 5 "$log")"
}

# ---- DNS: dnsmasq and a local zone ----

# The queries of the DNS rig, one a line: tool, transport, name, type.
# Existing names of several types, a name that does not exist (NXDOMAIN),
# a type the name lacks (NOERROR, no answer) and a name outside the zone
# (REFUSED: dnsmasq has no upstream).
SVC_DNS_QUERIES="dig udp www.$SVC_ZONE A
dig udp www.$SVC_ZONE AAAA
dig udp $SVC_ZONE MX
dig udp $SVC_ZONE TXT
dig udp _http._tcp.$SVC_ZONE SRV
dig udp web.$SVC_ZONE CNAME
dig udp missing.$SVC_ZONE A
dig udp mail.$SVC_ZONE AAAA
dig udp example.org A
dig udp 10.7.18.198.in-addr.arpa PTR
dig tcp www.$SVC_ZONE A
dig tcp missing.$SVC_ZONE MX
kdig udp mail.$SVC_ZONE A
kdig tcp www.$SVC_ZONE AAAA"

# svc_dns_server : dnsmasq in $NS_B on $SVC_NET.2:53 (UDP and TCP),
# answering $SVC_ZONE from its own configuration. Sets SVC_DNS_PID.
svc_dns_server() {
  cat >"$WORK/dnsmasq.conf" <<CONF
port=53
listen-address=$SVC_NET.2
bind-interfaces
no-resolv
no-hosts
no-poll
user=root
pid-file=
log-queries
log-facility=$WORK/dnsmasq.log
local=/$SVC_ZONE/
host-record=www.$SVC_ZONE,$SVC_NET.10,2001:db8:7::10
host-record=mail.$SVC_ZONE,$SVC_NET.11
mx-host=$SVC_ZONE,mail.$SVC_ZONE,10
txt-record=$SVC_ZONE,"v=spf1 -all"
srv-host=_http._tcp.$SVC_ZONE,www.$SVC_ZONE,80
cname=web.$SVC_ZONE,www.$SVC_ZONE
ptr-record=10.7.18.198.in-addr.arpa,www.$SVC_ZONE
CONF
  ip netns exec "$NS_B" dnsmasq --keep-in-foreground --conf-file="$WORK/dnsmasq.conf" \
    >"$WORK/dnsmasq.out" 2>&1 &
  SVC_DNS_PID=$!
  PF_PIDS+=("$SVC_DNS_PID")
  svc_wait_listening dnsmasq "$SVC_DNS_PID" "$WORK/dnsmasq.out" 53 53/udp
}

# svc_dns_query TOOL TRANSPORT NAME TYPE : one query from $NS_A.
svc_dns_query() {
  local tool=$1 transport=$2 name=$3 type=$4 tcp=()
  if [[ $transport == tcp ]]; then tcp=(+tcp); fi
  case $tool in
  dig) ip netns exec "$NS_A" dig @"$SVC_NET.2" +tries=1 +time=3 "${tcp[@]}" "$name" "$type" ;;
  kdig) ip netns exec "$NS_A" kdig @"$SVC_NET.2" +retry=0 +time=3 "${tcp[@]}" "$name" "$type" ;;
  esac >>"$WORK/dns.answers" 2>&1 || pf_fail "$tool $transport $name $type failed"
}

# svc_dns_rig [ROUNDS] : the DNS server, and every query of
# SVC_DNS_QUERIES ROUNDS times (1), captured at the server's side in
# $WORK/dns.pcap. Needs the link (svc_link_veth or svc_link_wire). With
# SVC_COLLECTD_DNS=1, collectd's own dns plugin watches the same interface
# and what it counted of the queries lands in $WORK/collectd_dns.counts.
svc_dns_rig() {
  local rounds=${1:-1} r tool transport name type
  pf_need dnsmasq dig kdig tcpdump tshark
  svc_dns_server
  [[ -z ${SVC_COLLECTD_DNS:-} ]] || svc_collectd_dns_start
  svc_capture_start "$NS_B" "$SVC_IF_B" dns "port 53"
  for r in $(seq 1 "$rounds"); do
    while read -r tool transport name type; do
      svc_dns_query "$tool" "$transport" "$name" "$type"
    done <<<"$SVC_DNS_QUERIES"
  done
  svc_capture_stop
  [[ -z ${SVC_COLLECTD_DNS:-} ]] || svc_collectd_dns_finish
  pf_stop_pid "$SVC_DNS_PID"
}

# ---- collectd's own dns plugin, as the reference ----

# svc_collectd_dns_values : "type-type_instance value(s)" of every series
# collectd's dns plugin wrote, its latest CSV row, sorted.
svc_collectd_dns_values() {
  local dir="$WORK/collectd_dns/csv/$HOSTNAME_TEST/dns" series
  [[ -d "$dir" ]] || return 0
  for series in $(ls "$dir" | sed -E 's/-[0-9]{4}-[0-9]{2}-[0-9]{2}$//' | sort -u); do
    pf_csv_latest "$series" "$dir/$series"
  done | LC_ALL=C sort
}

# Waits until two reads a second and a half apart agree (the plugin writes
# every second), and leaves them in $WORK/collectd_dns.now.
svc_collectd_dns_settle() {
  local prev
  svc_collectd_dns_values >"$WORK/collectd_dns.now"
  for _ in $(seq 1 20); do
    sleep 1.5
    prev=$(cat "$WORK/collectd_dns.now")
    svc_collectd_dns_values >"$WORK/collectd_dns.now"
    [[ "$prev" == "$(cat "$WORK/collectd_dns.now")" ]] && return 0
  done
  pf_fail "collectd's dns plugin did not settle"
}

# svc_collectd_dns_start : collectd with its dns plugin in $NS_B on
# $SVC_IF_B. Its capture opens on a thread of its own, unannounced, so
# warm-up queries (TXT for warmup.$SVC_ZONE) go until it counts one, and
# its counters are kept as they then are: the rig's queries are what
# comes on top.
svc_collectd_dns_start() {
  local dir="$WORK/collectd_dns"
  # A here-document, not a pipe: pf_collectd must run in this shell, where
  # its PID is kept for the cleanup.
  pf_collectd "$dir" --no-pcapflow --plugin dns --stdin --netns "$NS_B" --wait init <<CONF
<Plugin dns>
  Interface "$SVC_IF_B"
</Plugin>
CONF
  SVC_COLLECTD_DNS_PID=$COLLECTD_PID
  svc_collectd_dns_warm() {
    ip netns exec "$NS_A" dig @"$SVC_NET.2" +tries=1 +time=1 "warmup.$SVC_ZONE" TXT >/dev/null
    svc_collectd_dns_values | grep -q '^dns_qtype-TXT '
  }
  pf_wait_until 30 svc_collectd_dns_warm ||
    pf_fail "collectd's dns plugin counted no query: $(cat "$dir/collectd.log")"
  svc_collectd_dns_settle
  mv "$WORK/collectd_dns.now" "$WORK/collectd_dns.before"
}

# svc_collectd_dns_finish : what the plugin counted since the start, one
# "type-type_instance value(s)" a line in $WORK/collectd_dns.counts (series
# that did not move left out), then collectd stopped.
svc_collectd_dns_finish() {
  svc_collectd_dns_settle
  awk 'NR == FNR { for (i = 2; i <= NF; i++) before[$1, i] = $i; next }
    { line = $1; moved = 0
      for (i = 2; i <= NF; i++) { d = $i - before[$1, i]; moved += d != 0; line = line " " d }
      if (moved) print line }' "$WORK/collectd_dns.before" "$WORK/collectd_dns.now" \
    >"$WORK/collectd_dns.counts"
  COLLECTD_PID=$SVC_COLLECTD_DNS_PID
  pf_collectd_stop
}

# svc_tshark_dns PCAP : one line per DNS message, as tshark reads it:
# transport, id, response (0/1), opcode, rcode, qtype, qname, dns.time (the
# response's latency); - where tshark has no value (a query's rcode and
# time).
svc_tshark_dns() {
  tshark -r "$1" -Y dns -T fields -E separator='|' -E occurrence=f \
    -e ip.proto -e dns.id -e dns.flags.response -e dns.flags.opcode \
    -e dns.flags.rcode -e dns.qry.type -e dns.qry.name -e dns.time 2>/dev/null |
    awk -F'|' '{ $1 = ($1 == 6 ? "tcp" : "udp")
      line = $1; for (i = 2; i <= 8; i++) line = line " " ($i == "" ? "-" : $i); print line }'
}

# ---- TLS: openssl s_server, s_client and curl with server names ----

# The clients of the TLS rig, one a line: tool, server name, TLS version
# (only that one offered; `any`: the tool's default, 1.3 and 1.2 offered).
SVC_TLS_CLIENTS="s_client alpha.$SVC_ZONE 1.3
s_client beta.$SVC_ZONE 1.3
s_client beta.$SVC_ZONE 1.2
s_client gamma.$SVC_ZONE 1.2
s_client epsilon.$SVC_ZONE any
curl beta.$SVC_ZONE 1.3
curl delta.$SVC_ZONE 1.2
curl beta.$SVC_ZONE any"

# svc_tls_server : openssl s_server -www in $NS_B on $SVC_NET.2:443 with a
# fresh self-signed certificate. Sets SVC_TLS_PID.
svc_tls_server() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=*.$SVC_ZONE" -keyout "$WORK/tls.key" -out "$WORK/tls.crt" \
    >"$WORK/tls.req" 2>&1 || pf_fail "openssl req: $(cat "$WORK/tls.req")"
  ip netns exec "$NS_B" openssl s_server -accept "$SVC_NET.2:443" -www -quiet \
    -cert "$WORK/tls.crt" -key "$WORK/tls.key" >"$WORK/s_server.out" 2>&1 &
  SVC_TLS_PID=$!
  PF_PIDS+=("$SVC_TLS_PID")
  svc_wait_listening s_server "$SVC_TLS_PID" "$WORK/s_server.out" 443
}

# svc_tls_client TOOL NAME VERSION : one handshake from $NS_A naming NAME.
svc_tls_client() {
  local tool=$1 name=$2 version=$3 only=()
  case $tool in
  s_client)
    [[ $version == any ]] || only=("-tls${version/./_}")
    ip netns exec "$NS_A" timeout 10 openssl s_client -connect "$SVC_NET.2:443" \
      -servername "$name" "${only[@]}" </dev/null ;;
  curl)
    [[ $version == any ]] || only=(--tlsv"$version" --tls-max "$version")
    ip netns exec "$NS_A" curl -sk --max-time 10 -o /dev/null "${only[@]}" \
      --resolve "$name:443:$SVC_NET.2" "https://$name/" ;;
  esac >>"$WORK/tls.clients" 2>&1 || pf_fail "$tool $name TLS $version failed"
}

# svc_tls_rig [ROUNDS] : the TLS server and every client of SVC_TLS_CLIENTS
# ROUNDS times (1), captured at the server's side in $WORK/tls.pcap.
svc_tls_rig() {
  local rounds=${1:-1} r tool name version
  pf_need openssl curl tcpdump tshark
  svc_tls_server
  svc_capture_start "$NS_B" "$SVC_IF_B" tls "tcp port 443"
  for r in $(seq 1 "$rounds"); do
    while read -r tool name version; do
      svc_tls_client "$tool" "$name" "$version"
    done <<<"$SVC_TLS_CLIENTS"
  done
  svc_capture_stop
  pf_stop_pid "$SVC_TLS_PID"
}

# svc_tshark_tls PCAP : one line per hello, as tshark reads it: the
# handshake type (1 ClientHello, 2 ServerHello; the first message of its
# record), the server name (- when none), the legacy version and the
# supported_versions (comma-separated, - when none).
svc_tshark_tls() {
  tshark -r "$1" -Y "tls.handshake.type == 1 || tls.handshake.type == 2" -T fields \
    -E separator='|' -E occurrence=a -E aggregator=, \
    -e tls.handshake.type -e tls.handshake.extensions_server_name \
    -e tls.handshake.version -e tls.handshake.extensions.supported_version 2>/dev/null |
    awk -F'|' '{ sub(/,.*/, "", $1); sub(/,.*/, "", $3)
      for (i = 1; i <= 4; i++) if ($i == "") $i = "-"; print $1, $2, $3, $4 }'
}

# svc_tls_truth_counts TSHARK_LINES : the pcapflow_tls counters tshark's
# lines (svc_tshark_tls) say, one "identifier value" a line: a ClientHello
# by its highest version offered, a ServerHello by its choice
# (supported_versions, else the legacy version); no hello partial or
# malformed. hello_reassembled is the caller's.
svc_tls_truth_counts() {
  awk 'function name(v) {
      v = tolower(v)
      if (v == "0x0300") return "ssl3"
      if (v == "0x0301") return "tls1_0"
      if (v == "0x0302") return "tls1_1"
      if (v == "0x0303") return "tls1_2"
      if (v == "0x0304") return "tls1_3"
      return "other"
    }
    BEGIN { split("ssl3 tls1_0 tls1_1 tls1_2 tls1_3 other", all)
      for (i in all) { c["connections-offered_" all[i]] = 0; c["connections-selected_" all[i]] = 0 } }
    { best = $3
      if ($4 != "-") { n = split($4, s, ","); best = s[1]
        for (i = 2; i <= n; i++) if (tolower(s[i]) > tolower(best)) best = s[i] }
      c["connections-" ($1 == 1 ? "offered_" : "selected_") name(best)]++ }
    END { for (k in c) print k, c[k] }' "$1"
  local r
  for r in partial partial_snaplen partial_gap partial_evicted partial_long malformed_record \
    malformed_length malformed_session_id malformed_ciphers malformed_compression \
    malformed_extensions malformed_sni malformed_versions; do
    echo "connections-hello_$r 0"
  done
}

# svc_tls_truth_names PCAP : the bytes of each connection (frame lengths,
# both directions) under the server name its ClientHello gave, as
# bytes-top_sni_ series, and other 0.
svc_tls_truth_names() {
  tshark -r "$1" -Y "tls.handshake.type == 1" -T fields -e tcp.stream \
    -e tls.handshake.extensions_server_name 2>/dev/null >"$WORK/stream_names"
  tshark -r "$1" -T fields -e tcp.stream -e frame.len 2>/dev/null >"$WORK/stream_bytes"
  awk 'NR == FNR { name[$1] = $2; next }
    ($1 in name) { b[name[$1]] += $2 }
    END { for (n in b) { s = n; gsub(/[^a-z0-9]/, "_", s); print "bytes-top_sni_" s, b[n] }
          print "bytes-top_sni_other", 0 }' "$WORK/stream_names" "$WORK/stream_bytes"
}

# svc_tls_truth_unnamed PCAP : each connection with a ClientHello, one line:
# its bytes-top_sni_ series, then the lengths of its frames before the
# frame tshark reads its first ClientHello in (the handshake: SYN, SYN-ACK,
# ACK; with a hello across segments, its segments before the last too).
# Until its hello names it, a connection is no name's: an interval that
# ends before then keeps those bytes from every name (docs/METRICS.md,
# "TLS"), so a live source whose read falls between a connection's
# first frame and its hello reports its name that many bytes short.
svc_tls_truth_unnamed() {
  tshark -r "$1" -T fields -E occurrence=f -e tcp.stream -e frame.len -e tls.handshake.type \
    -e tls.handshake.extensions_server_name 2>/dev/null |
    awk -F'\t' '!($1 in named) { pre[$1] = pre[$1] " " $2 }
      $3 == 1 && !($1 in named) { s = $4; gsub(/[^a-z0-9]/, "_", s); named[$1] = s
        n = split(pre[$1], l, " "); line = "bytes-top_sni_" s
        for (i = 1; i < n; i++) line = line " " l[i]
        print line }'
}

# svc_tls_collectd_names CSV_DIR TRUTH_NAMES : "series bytes" for each
# series of TRUTH_NAMES, its per-interval gauges in CSV_DIR summed.
svc_tls_collectd_names() {
  local id
  for id in $(awk '{print $1}' "$2"); do
    cat "$1/$id"-* 2>/dev/null | awk -F, -v s="$id" '$1 ~ /^[0-9]/ { t += $2 } END { printf "%s %.0f\n", s, t }'
  done
}

# svc_pcap_last_second PCAP : the time of PCAP's last frame, whole seconds.
svc_pcap_last_second() {
  tshark -r "$1" -T fields -e frame.time_epoch 2>/dev/null | tail -n 1 | cut -d. -f1
}

# svc_tls_collectd_done CSV_DIR LAST : true once collectd's CSV holds a
# read two intervals (1 s each) after second LAST (the capture's last
# frame, svc_pcap_last_second): the interval that frame fell in closed
# and, a top-N list being one read late, reported.
svc_tls_collectd_done() {
  local newest
  newest=$(pf_csv_latest_time "$1/bytes-top_sni_other")
  [[ -n $newest ]] && ((newest >= $2 + 2))
}

# svc_tls_names_live TRUTH_NAMES UNNAMED VALUES : true when each name's
# bytes in VALUES ("series bytes" lines) are its bytes in TRUTH_NAMES
# (svc_tls_truth_names) less, for each of its connections, the bytes of
# the first 0, 1, ... of its frames before its hello (UNNAMED,
# svc_tls_truth_unnamed): what a read falling there leaves out. Prints the
# bytes so left out in all, or each name that differs otherwise.
svc_tls_names_live() {
  { sed 's/^/unnamed /' "$2"; sed 's/^/whole /' "$1"; sed 's/^/got /' "$3"; } |
    awk '$1 == "unnamed" { # the sums a name may be short by, over its connections
      s = $2
      if (!(s in conns)) { short[s, 0] = 1; conns[s] = 0 }
      conns[s]++
      split("", next_short)
      for (k in short) {
        split(k, kv, SUBSEP)
        if (kv[1] != s) continue
        p = kv[2]; next_short[p] = 1
        for (i = 3; i <= NF; i++) { p += $i; next_short[p] = 1 }
        delete short[k]
      }
      for (p in next_short) short[s, p] = 1
    }
    $1 == "whole" { whole[$2] = $3 }
    $1 == "got" { got[$2] = $3 }
    END {
      bad = 0
      for (s in whole) {
        d = whole[s] - got[s]
        if (d == 0 || ((s, d) in short)) { total += d; continue }
        printf "%s %s, tshark %s;", s, got[s], whole[s]; bad = 1
      }
      if (bad) exit 1
      print total + 0
    }'
}

# ---- TCP timing: a server that waits before it answers ----

# svc_slow_server WAIT_MS : an HTTP server in $NS_B on $SVC_NET.2:8080 that
# waits WAIT_MS after reading a request before it answers (200, 1000 bytes
# of body, one write). Sets SVC_SLOW_PID.
svc_slow_server() {
  local wait_ms=$1
  cat >"$WORK/slow_server.py" <<'PY'
import http.server, sys, time
WAIT = int(sys.argv[2]) / 1000.0
BODY = b"x" * 1000
class Slow(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        time.sleep(WAIT)
        head = ("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(BODY)).encode()
        self.wfile.write(head + BODY)  # one write: the answer starts in one segment
    def log_message(self, *args):
        pass
http.server.HTTPServer((sys.argv[1], 8080), Slow).serve_forever()
PY
  ip netns exec "$NS_B" python3 "$WORK/slow_server.py" "$SVC_NET.2" "$wait_ms" \
    >"$WORK/slow_server.out" 2>&1 &
  SVC_SLOW_PID=$!
  PF_PIDS+=("$SVC_SLOW_PID")
  svc_wait_listening "the slow server" "$SVC_SLOW_PID" "$WORK/slow_server.out" 8080
}

# svc_slow_rig WAIT_MS REQUESTS [SIDE] : the slow server, and curl asking
# it REQUESTS times over one connection each, captured on SIDE (client, the
# default: round trip = the wire's, response = wire + wait; or server) in
# $WORK/slow.pcap. Needs svc_link_wire (or a veth, for no delay).
svc_slow_rig() {
  local wait_ms=$1 n=$2 side=${3:-client} i
  pf_need python3 curl tcpdump tshark
  svc_slow_server "$wait_ms"
  if [[ $side == server ]]; then
    svc_capture_start "$NS_B" "$SVC_IF_B" slow "tcp port 8080"
  else
    svc_capture_start "$NS_A" "$SVC_IF_A" slow "tcp port 8080"
  fi
  for i in $(seq 1 "$n"); do
    ip netns exec "$NS_A" curl -s -o /dev/null --max-time 20 "http://$SVC_NET.2:8080/r$i" ||
      pf_fail "request $i to the slow server failed"
  done
  svc_capture_stop
  pf_stop_pid "$SVC_SLOW_PID"
}

# svc_tshark_ack_rtt PCAP : every round-trip sample tshark takes (seconds,
# tcp.analysis.ack_rtt: a segment to the ACK that covers it), one a line.
svc_tshark_ack_rtt() {
  tshark -r "$1" -Y tcp.analysis.ack_rtt -T fields -e tcp.analysis.ack_rtt 2>/dev/null
}

# svc_tshark_http_time PCAP : the response time of every HTTP answer
# (seconds, http.time: from the request's frame to the answer's first).
svc_tshark_http_time() {
  tshark -r "$1" -d tcp.port==8080,http -Y http.response -T fields -e http.time 2>/dev/null
}

# svc_stats : "n min median max" of the numbers on standard input.
svc_stats() {
  sort -g | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "0 - - -"; exit }
    printf "%d %.6f %.6f %.6f\n", NR, v[1], v[int((NR + 1) / 2)], v[NR] }'
}

# ---- self-check ----

# svc_selfcheck : every rig once, and what tshark reads of each capture.
svc_selfcheck() {
  pf_test_init services_rigs
  pf_netns_init
  svc_link_veth
  SVC_COLLECTD_DNS=1 svc_dns_rig
  echo "DNS (transport id response opcode rcode qtype qname dns.time):"
  svc_tshark_dns "$WORK/dns.pcap" | tee "$WORK/dns.truth"
  echo "collectd's dns plugin on the same queries:"
  cat "$WORK/collectd_dns.counts"
  svc_tls_rig
  echo "TLS (type server_name legacy_version supported_versions):"
  svc_tshark_tls "$WORK/tls.pcap" | tee "$WORK/tls.truth"
  pf_veth_down
  svc_link_wire 20
  svc_slow_rig 150 5
  echo "slow server, 150 ms wait, 20 ms each way, at the client (n min median max):"
  echo "  ack_rtt:   $(svc_tshark_ack_rtt "$WORK/slow.pcap" | svc_stats)"
  echo "  http.time: $(svc_tshark_http_time "$WORK/slow.pcap" | svc_stats)"
  if [[ -n ${SVC_KEEP:-} ]]; then
    mkdir -p "$SVC_KEEP" && cp "$WORK"/*.pcap "$WORK"/*.truth "$SVC_KEEP"/
  fi
  pf_pass "rigs ran"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  source "$(dirname "$0")/lib.sh"
  [[ -f "$BUILD/pcapflow.so" ]] || pf_skip "build first (make all)"
  svc_selfcheck
fi
