#!/usr/bin/env bash
# TLS server names against real servers and clients (services_lib.sh's
# rig): openssl s_server, reached by openssl s_client and curl naming five
# server names, offering TLS 1.3 alone, TLS 1.2 alone or both, two rounds.
# A real collectd captures live at the server's side while tcpdump records
# the same traffic; tshark's reading of the capture is the truth. The top
# server names are the names tshark reads from the ClientHellos
# (tls.handshake.extensions_server_name), each with the bytes of the
# connections it opened; the versions offered (the highest of a
# ClientHello) and selected (a ServerHello's) are tshark's counts; no hello
# is partial or malformed. In pcapflow-replay over the capture and in
# collectd's CSV (counters in the last row; the per-interval byte gauges
# summed over the rows), with a SnapLen that keeps the hellos whole.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/services_lib.sh"
pf_test_init tls_rig
pf_need openssl curl tcpdump tshark
pf_netns_init
svc_link_veth

dir="$WORK/collectd"
# Whole hellos: the default SnapLen (320) keeps the server name of these
# clients' hellos but not always their supported_versions (hello_partial).
pf_collectd "$dir" --netns "$NS_B" --interface "$SVC_IF_B" Instance tlsrig SnapLen 2048
rounds=2
svc_tls_rig $rounds

# tshark: type name legacy supported_versions, one line a hello.
svc_tshark_tls "$WORK/tls.pcap" >"$WORK/tshark"
n_client=$(awk '$1 == 1' "$WORK/tshark" | wc -l)
[[ $n_client == $((8 * rounds)) ]] || pf_fail "tshark reads $n_client ClientHellos, the rig made $((8 * rounds)) connections"

# The versions in pcapflow's names: a ClientHello's highest offered, a
# ServerHello's choice (supported_versions, else the legacy version).
svc_tls_truth_counts "$WORK/tshark" | cat - <(echo "connections-hello_reassembled 0") | LC_ALL=C sort >"$WORK/truth.counts"
svc_tls_truth_names "$WORK/tls.pcap" | LC_ALL=C sort >"$WORK/truth.names"
[[ $(wc -l <"$WORK/truth.names") == 6 ]] || pf_fail "tshark reads other names than the rig's five: $(tr '\n' ';' <"$WORK/truth.names")"
LC_ALL=C sort "$WORK/truth.counts" "$WORK/truth.names" >"$WORK/truth"

# pcapflow-replay over tcpdump's capture.
"$REPLAY" -n tlsrig "$WORK/tls.pcap" | sed -n 's#^pcapflow_tls-tlsrig/##p' | LC_ALL=C sort >"$WORK/replay" ||
  pf_fail "pcapflow-replay failed"
[[ "$(cat "$WORK/replay")" == "$(cat "$WORK/truth")" ]] ||
  pf_fail "pcapflow-replay differs from tshark: $(diff "$WORK/truth" "$WORK/replay" | tr '\n' ';')"

# The default SnapLen (320) cuts these hellos after their server name:
# the names and bytes are whole (the wire lengths), some versions are not.
pf_need editcap
editcap -F pcap -s 320 "$WORK/tls.pcap" "$WORK/tls320.pcap" || pf_fail "editcap -s 320 failed"
"$REPLAY" -n tlsrig "$WORK/tls320.pcap" | sed -n 's#^pcapflow_tls-tlsrig/##p' >"$WORK/replay320" ||
  pf_fail "pcapflow-replay failed on the cut capture"
[[ "$(grep '^bytes-top_sni_' "$WORK/replay320" | LC_ALL=C sort)" == "$(cat "$WORK/truth.names")" ]] ||
  pf_fail "with hellos cut at SnapLen 320 the names differ: $(grep '^bytes-top_sni_' "$WORK/replay320" | tr '\n' ';')"
partial320=$(awk '$1 == "connections-hello_partial" { print $2 }' "$WORK/replay320")

# collectd, live on the server's interface: the counters in the last row,
# the names' bytes summed over the intervals they were reported in. A
# connection is no name's until its ClientHello: where a read fell between
# its SYN and its hello (more likely the busier the machine), its name is
# short by the frames before the read (svc_tls_names_live). Compared once
# the interval of the capture's last frame was reported.
csv="$dir/csv/$HOSTNAME_TEST/pcapflow_tls-tlsrig"
svc_tls_truth_unnamed "$WORK/tls.pcap" >"$WORK/truth.unnamed"
last=$(svc_pcap_last_second "$WORK/tls.pcap")
collectd_tls() {
  local id
  for id in $(awk '{print $1}' "$WORK/truth.counts"); do
    pf_csv_latest "$id" "$csv/$id"
  done | LC_ALL=C sort >"$WORK/collectd.counts"
  svc_tls_collectd_names "$csv" "$WORK/truth.names" >"$WORK/collectd.names"
  LC_ALL=C sort "$WORK/collectd.counts" "$WORK/collectd.names" >"$WORK/collectd.values"
  svc_tls_collectd_done "$csv" "$last" && cmp -s "$WORK/collectd.counts" "$WORK/truth.counts" &&
    svc_tls_names_live "$WORK/truth.names" "$WORK/truth.unnamed" "$WORK/collectd.names" >"$WORK/unnamed.bytes"
}
pf_wait_until 30 collectd_tls ||
  pf_fail "collectd's CSV differs from tshark: $(diff "$WORK/truth.counts" "$WORK/collectd.counts" | tr '\n' ';') $(svc_tls_names_live "$WORK/truth.names" "$WORK/truth.unnamed" "$WORK/collectd.names")"
extra=$(ls "$csv" | sed -nE 's/^(bytes-top_sni_[a-z0-9_]+)-[0-9]{4}-.*/\1/p' | sort -u | grep -vxFf <(awk '{print $1}' "$WORK/truth.names") || true)
[[ -z "$extra" ]] || pf_fail "collectd wrote server names tshark does not read: $extra"
pf_collectd_stop
pf_pass "$n_client ClientHellos of s_client and curl (TLS 1.2, 1.3) to s_server: 5 server names with their connections' bytes and the versions offered and selected equal tshark's, in replay and live collectd ($(cat "$WORK/unnamed.bytes") bytes before hellos read in an earlier interval, no name's); the names whole with SnapLen 320 too ($partial320 hellos partial)"
