#!/usr/bin/env bash
# TLS hellos across TCP segments, against real clients and a real server
# (services_lib.sh's TLS rig) over a veth pair whose MTU (150) makes every
# segment at most 98 bytes of payload, with segmentation offload off so
# that the capture sees the wire's segments: every ClientHello of openssl
# s_client and curl (210 to 517 bytes) spans 3 to 6 segments, its server
# name past the first one. tshark reassembles them; its reading of the
# capture is the truth. The top server names and the versions offered and
# selected equal tshark's, every ClientHello is read whole across its
# segments (hello_reassembled at least their number), none is partial -
# through pcapflow-replay at full SnapLen and cut to 320 (these segments
# fit), and through a live collectd on the server's side.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/services_lib.sh"
pf_test_init tls_segments
pf_need openssl curl tcpdump tshark editcap ethtool
pf_netns_init
svc_link_veth
for side in "$NS_A $VETH_A" "$NS_B $VETH_B"; do
  read -r ns dev <<<"$side"
  ip -n "$ns" link set "$dev" mtu 150 || pf_fail "cannot set MTU 150 on $dev"
  ip netns exec "$ns" ethtool -K "$dev" tso off gso off gro off >/dev/null 2>&1 ||
    pf_fail "ethtool cannot turn segmentation offload off on $dev"
done

dir="$WORK/collectd"
pf_collectd "$dir" --netns "$NS_B" --interface "$SVC_IF_B" Instance tlsseg SnapLen 2048
svc_tls_rig 1

svc_tshark_tls "$WORK/tls.pcap" >"$WORK/tshark"
n_client=$(awk '$1 == 1' "$WORK/tshark" | wc -l)
[[ $n_client == 8 ]] || pf_fail "tshark reads $n_client ClientHellos, the rig made 8 connections"
# The hellos really span segments: tshark reassembled each ClientHello
# from 3 segments or more, and none of those segments is over 98 bytes.
split=$(tshark -r "$WORK/tls.pcap" -Y "tls.handshake.type == 1" -T fields -e tcp.segment.count 2>/dev/null |
  awk -F, '$1 + 0 >= 3' | wc -l)
[[ $split == "$n_client" ]] || pf_fail "only $split of $n_client ClientHellos span 3 segments or more"
big=$(tshark -r "$WORK/tls.pcap" -Y "tcp.len > 98" 2>/dev/null | wc -l)
[[ $big == 0 ]] || pf_fail "$big segments carry more than 98 bytes: offload is on"

# The truth: versions as test_tls_rig.sh reads them, no partial or
# malformed hello, the names with their connections' bytes.
svc_tls_truth_counts "$WORK/tshark" | LC_ALL=C sort >"$WORK/truth.counts"
svc_tls_truth_names "$WORK/tls.pcap" | LC_ALL=C sort >"$WORK/truth.names"
[[ $(wc -l <"$WORK/truth.names") == 6 ]] || pf_fail "tshark reads other names than the rig's five: $(tr '\n' ';' <"$WORK/truth.names")"
LC_ALL=C sort "$WORK/truth.counts" "$WORK/truth.names" >"$WORK/truth"

# pcapflow-replay: everything but hello_reassembled exact, that at least
# the ClientHellos (a ServerHello may fit its first segment).
check_replay() {
  local pcap=$1 what=$2 out=$WORK/replay.$2
  "$REPLAY" -n tlsseg "$pcap" | sed -n 's#^pcapflow_tls-tlsseg/##p' | LC_ALL=C sort >"$out" ||
    pf_fail "pcapflow-replay failed on the $what capture"
  [[ "$(grep -v hello_reassembled "$out")" == "$(cat "$WORK/truth")" ]] ||
    pf_fail "$what: pcapflow-replay differs from tshark: $(diff "$WORK/truth" <(grep -v hello_reassembled "$out") | tr '\n' ';')"
  reassembled=$(awk '$1 == "connections-hello_reassembled" { print $2 }' "$out")
  ((reassembled >= n_client)) || pf_fail "$what: $reassembled hellos reassembled, fewer than the $n_client ClientHellos"
}
check_replay "$WORK/tls.pcap" whole
editcap -F pcap -s 320 "$WORK/tls.pcap" "$WORK/tls320.pcap" || pf_fail "editcap -s 320 failed"
check_replay "$WORK/tls320.pcap" snaplen320

# collectd, live: the counters in the last row, the names' bytes summed;
# a name short only by frames before its hello read in an earlier
# interval (test_tls_rig.sh, svc_tls_names_live), once the interval of the
# capture's last frame was reported.
csv="$dir/csv/$HOSTNAME_TEST/pcapflow_tls-tlsseg"
svc_tls_truth_unnamed "$WORK/tls.pcap" >"$WORK/truth.unnamed"
last=$(svc_pcap_last_second "$WORK/tls.pcap")
collectd_tls() {
  local id
  for id in $(awk '{print $1}' "$WORK/truth.counts") connections-hello_reassembled; do
    pf_csv_latest "$id" "$csv/$id"
  done | LC_ALL=C sort >"$WORK/collectd.counts"
  svc_tls_collectd_names "$csv" "$WORK/truth.names" >"$WORK/collectd.names"
  LC_ALL=C sort "$WORK/collectd.counts" "$WORK/collectd.names" >"$WORK/collectd.values"
  svc_tls_collectd_done "$csv" "$last" &&
    grep -q "^connections-hello_reassembled $reassembled\$" "$WORK/collectd.counts" &&
    [[ "$(grep -v hello_reassembled "$WORK/collectd.counts")" == "$(cat "$WORK/truth.counts")" ]] &&
    svc_tls_names_live "$WORK/truth.names" "$WORK/truth.unnamed" "$WORK/collectd.names" >"$WORK/unnamed.bytes"
}
pf_wait_until 30 collectd_tls ||
  pf_fail "collectd's CSV differs from tshark: $(diff "$WORK/truth.counts" <(grep -v hello_reassembled "$WORK/collectd.counts") | tr '\n' ';') $(svc_tls_names_live "$WORK/truth.names" "$WORK/truth.unnamed" "$WORK/collectd.names")"
pf_collectd_stop
pf_pass "$n_client ClientHellos of s_client and curl in 3 to 6 segments of at most 98 bytes: 5 server names, their bytes and the versions equal tshark's, $reassembled hellos reassembled, none partial, in replay (SnapLen whole and 320) and live collectd ($(cat "$WORK/unnamed.bytes") bytes before hellos read in an earlier interval, no name's)"
