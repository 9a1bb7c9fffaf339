#!/usr/bin/env bash
# DNS against a real server and real clients (services_lib.sh's rig):
# dnsmasq answering a local zone, queried by dig and kdig over UDP and TCP
# for existing and missing names and several types, three rounds. A real
# collectd captures live at the server's side while tcpdump records the
# same traffic; tshark's reading of the capture is the truth. Queries by
# qtype, messages by opcode and responses by rcode equal tshark's, in
# collectd's CSV and in pcapflow-replay over the capture; every response is
# matched (nothing unanswered, unmatched or malformed), and the latency's
# median and maximum are within 5% of tshark's dns.time over the same
# responses.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/services_lib.sh"
pf_test_init dns_rig
pf_need dnsmasq dig kdig tcpdump tshark
pf_netns_init
svc_link_veth
svc_dns_server

dir="$WORK/collectd"
pf_collectd "$dir" --netns "$NS_B" --interface "$SVC_IF_B" Instance dnsrig
svc_capture_start "$NS_B" "$SVC_IF_B" dns "port 53"
rounds=3
for r in $(seq 1 $rounds); do
  while read -r tool transport name type; do
    svc_dns_query "$tool" "$transport" "$name" "$type"
  done <<<"$SVC_DNS_QUERIES"
done
svc_capture_stop
pf_stop_pid "$SVC_DNS_PID"

# tshark: transport id response opcode rcode qtype qname dns.time
svc_tshark_dns "$WORK/dns.pcap" >"$WORK/tshark"
n_queries=$(awk '$3 == 0' "$WORK/tshark" | wc -l)
[[ $n_queries == $((14 * rounds)) ]] || pf_fail "tshark reads $n_queries queries, the rig sent $((14 * rounds))"

# The truth in pcapflow's names (dns_collectd.h's spellings of the codes
# the rig uses).
awk 'BEGIN {
    split("1 A 28 AAAA 15 MX 16 TXT 33 SRV 5 CNAME 12 PTR", t)
    for (i = 1; i < 14; i += 2) qt[t[i]] = t[i + 1]
    rc[0] = "RCode0"; rc[3] = "NXDOMAIN"; rc[5] = "REFUSED"; op[0] = "Query"
  }
  $3 == 0 { q["dns_qtype-" qt[$6]]++ }
  $3 == 1 { q["dns_rcode-" rc[$5]]++ }
  { q["dns_opcode-" op[$4]]++ }
  END { for (k in q) print k, q[k] }' "$WORK/tshark" >"$WORK/truth.codes"
for id in dns_query-unanswered dns_response-unmatched dns_response-truncated errors-tcp_unframed \
  errors-malformed_short errors-malformed_truncated errors-malformed_label; do
  echo "$id 0"
done | cat "$WORK/truth.codes" - | LC_ALL=C sort >"$WORK/truth"

# pcapflow-replay over tcpdump's capture.
"$REPLAY" -n dnsrig "$WORK/dns.pcap" | sed -n 's#^pcapflow_dns-dnsrig/##p' >"$WORK/replay" ||
  pf_fail "pcapflow-replay failed"
missing=$(LC_ALL=C comm -23 "$WORK/truth" <(LC_ALL=C sort "$WORK/replay"))
[[ -z "$missing" ]] || pf_fail "pcapflow-replay differs from tshark on: $missing (printed: $(tr '\n' ';' <"$WORK/replay"))"
extra=$(grep -E '^dns_(qtype|rcode|opcode)-' "$WORK/replay" | LC_ALL=C sort | LC_ALL=C comm -23 - "$WORK/truth")
[[ -z "$extra" ]] || pf_fail "pcapflow-replay counts codes tshark does not see: $extra"

# Latency: tshark's dns.time of every response, nearest-rank median, max.
awk '$3 == 1 && $8 != "-" { print $8 }' "$WORK/tshark" | svc_stats >"$WORK/time"
read -r n_time t_min t_med t_max <"$WORK/time"
[[ $n_time == "$n_queries" ]] || pf_fail "tshark times $n_time responses of $n_queries"
within5() { awk -v e="$1" -v g="$2" 'BEGIN { d = e - g; if (d < 0) d = -d; exit !(d <= 0.05 * e) }'; }
p50=$(awk '$1 == "duration-dns_p50" { print $2 }' "$WORK/replay")
max=$(awk '$1 == "duration-dns_max" { print $2 }' "$WORK/replay")
within5 "$t_med" "${p50:-0}" || pf_fail "latency median $p50 s, tshark's dns.time median $t_med s"
within5 "$t_max" "${max:-0}" || pf_fail "latency max $max s, tshark's dns.time max $t_max s"

# collectd, live on the server's interface: the same counts in its CSV.
csv="$dir/csv/$HOSTNAME_TEST/pcapflow_dns-dnsrig"
collectd_dns() {
  local id
  for id in $(awk '{print $1}' "$WORK/truth"); do
    pf_csv_latest "$id" "$csv/$id"
  done | LC_ALL=C sort >"$WORK/collectd.values"
  cmp -s "$WORK/collectd.values" "$WORK/truth"
}
pf_wait_until 20 collectd_dns || pf_fail "collectd's CSV differs from tshark: $(diff "$WORK/truth" "$WORK/collectd.values" | tr '\n' ';')"
pf_collectd_stop
pf_pass "$n_queries queries of dig and kdig (UDP and TCP) to dnsmasq: qtype, opcode, rcode equal tshark's in replay and live collectd; latency p50 $p50 s (tshark $t_med), max $max s (tshark $t_max)"
