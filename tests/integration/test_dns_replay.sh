#!/usr/bin/env bash
# DNS on a capture whose every figure is known (craft_dns.py): queries and
# responses by type, opcode and rcode, bytes, latency of matched responses
# over UDP and TCP (a retransmitted query counts from its first copy),
# unanswered, unmatched and truncated, malformed payloads by reason and the
# top domains - exact through pcapflow-replay (latency percentiles within
# the histogram's 1/64, the maximum exact), and the same through a real
# collectd's File source and CSV writer. Then each switch turns its part
# off: DnsAnalysis false sends no pcapflow_dns series at all; and
# DnsCompatIdentifiers repeats collectd's dns plugin's four series under
# its identifiers (plugin dns, no plugin_instance), in replay and CSV.
# Three queries pipelined in one TCP segment, and two of their answers in
# one, are each matched (before, only a segment's first message was);
# messages over segment boundaries are framed across them, as tshark reads
# them.
# DnsPorts: the same capture with its server on port 5353 is read exactly
# when 5353 is listed (in replay and through collectd), and not at all
# with the default.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/series.sh"
pf_test_init dns_replay
command -v python3 >/dev/null || pf_skip "python3 is missing"
python3 "$PCAPFLOW_ROOT/tests/integration/craft_dns.py" "$WORK/dns.pcap" "$WORK/dns.truth" ||
  pf_fail "cannot write the capture"

"$REPLAY" -l 198.18.0.0/16 "$WORK/dns.pcap" >"$WORK/replay.out" || pf_fail "pcapflow-replay failed"
pf_compare_truth "$WORK/dns.truth" "$WORK/replay.out" replay || pf_fail "pcapflow-replay differs from the capture's truth"
grep -qx 'pcapflow_dns-dns/duration-dns_max 1.200000' "$WORK/replay.out" || pf_fail "the latency's maximum is not exactly 1.2 s"
n_truth=$(wc -l <"$WORK/dns.truth")
# The capture's frames, each counted once (pcapflow-replay's packets-captured).
frames=$(awk '$1 == "packets-captured" {print $2}' "$WORK/replay.out")
[[ $frames == "$(python3 -c 'import sys; d = open(sys.argv[1], "rb").read(); n, o = 0, 24
while o < len(d): o += 16 + int.from_bytes(d[o + 8:o + 12], "little"); n += 1
print(n)' "$WORK/dns.pcap")" ]] || pf_fail "pcapflow-replay counted $frames frames"
n_out=$(grep -c '^pcapflow_dns-' "$WORK/replay.out")
[[ $n_out == "$n_truth" ]] || pf_fail "pcapflow-replay printed $n_out DNS series, the truth has $n_truth"

# Messages over TCP segment boundaries (craft_dns.py's spanning(), client
# port 40015): each read as tshark reads them after reassembly - the same
# queries by type and responses by rcode - and the latency's maximum,
# which tshark's dns.time has at the last segment of the second answer.
command -v tshark >/dev/null || pf_fail "tshark is missing (scripts/packages/services.txt)"
tshark -r "$WORK/dns.pcap" -Y 'tcp.port == 40015 && dns' -T fields -e dns.flags.response \
  -e dns.qry.type -e dns.flags.rcode -e dns.time 2>/dev/null | python3 -c '
import sys
names, rcodes, counts, late = {"1": "A", "28": "AAAA"}, {"0": "RCode0", "3": "NXDOMAIN"}, {}, 0.0
for line in sys.stdin:
    resp, qtype, rcode, dtime = (line.rstrip("\n").split("\t") + [""] * 4)[:4]
    for i, r in enumerate(resp.split(",")):
        key = "dns_rcode-" + rcodes[rcode.split(",")[i]] if r == "1" else "dns_qtype-" + names[qtype.split(",")[i]]
        counts[key] = counts.get(key, 0) + 1
    late = max([late] + [float(t) for t in dtime.split(",") if t])
for k in sorted(counts):
    print("pcapflow_dns-span/%s %d" % (k, counts[k]))
print("pcapflow_dns-span/duration-dns_max %.6f" % late)' >"$WORK/span.tshark"
[[ $(wc -l <"$WORK/span.tshark") == 4 ]] || pf_fail "tshark read other messages on port 40015: $(tr '\n' ';' <"$WORK/span.tshark")"
"$REPLAY" -n span -f 'tcp port 40015' -l 198.18.0.0/16 "$WORK/dns.pcap" >"$WORK/span.out" ||
  pf_fail "pcapflow-replay -f 'tcp port 40015' failed"
pf_compare_truth "$WORK/span.tshark" "$WORK/span.out" tshark || pf_fail "messages over segment boundaries read otherwise than tshark reads them"
[[ "$(grep -cE '^pcapflow_dns-span/dns_(qtype|rcode)-' "$WORK/span.out")" == 3 ]] ||
  pf_fail "pcapflow-replay counted other codes than tshark on port 40015: $(grep -E 'dns_(qtype|rcode)' "$WORK/span.out" | tr '\n' ';')"
grep -qx 'pcapflow_dns-span/errors-tcp_unframed 0' "$WORK/span.out" || pf_fail "segments on port 40015 left unframed"

# The switches: each part off, the rest unchanged.
"$REPLAY" -o DnsAnalysis=false -l 198.18.0.0/16 "$WORK/dns.pcap" >"$WORK/off.out" ||
  pf_fail "pcapflow-replay -o DnsAnalysis=false failed"
! grep -q '^pcapflow_dns-' "$WORK/off.out" || pf_fail "DnsAnalysis false still prints DNS series"
"$REPLAY" -o CollectDnsLatency=false -o CollectDnsTopDomains=false -l 198.18.0.0/16 \
  "$WORK/dns.pcap" >"$WORK/part.out" || pf_fail "pcapflow-replay with the DNS parts off failed"
grep -vE 'duration-|dns_query-|dns_response-unmatched|top_domain' "$WORK/dns.truth" >"$WORK/part.truth"
pf_compare_truth "$WORK/part.truth" "$WORK/part.out" parts || pf_fail "the counts change when latency and domains are off"
! grep -qE '^pcapflow_dns-.*(duration-|dns_query-|unmatched|top_domain)' "$WORK/part.out" ||
  pf_fail "latency or domain series printed with their switches off"

# DnsCompatIdentifiers: collectd's dns plugin's four series again, under
# its own identifiers (plugin dns, no plugin_instance), the same values.
"$REPLAY" -o DnsCompatIdentifiers=true -l 198.18.0.0/16 "$WORK/dns.pcap" >"$WORK/compat.out" ||
  pf_fail "pcapflow-replay -o DnsCompatIdentifiers=true failed"
grep -E '^pcapflow_dns-dns/dns_(octets|qtype|opcode|rcode)' "$WORK/dns.truth" | sed 's#^pcapflow_dns-dns/#dns/#' >"$WORK/compat.truth"
[[ $(wc -l <"$WORK/compat.truth") == 10 ]] || pf_fail "the truth should have 10 of collectd's dns series"
[[ "$(grep '^dns/' "$WORK/compat.out" | LC_ALL=C sort)" == "$(LC_ALL=C sort "$WORK/compat.truth")" ]] ||
  pf_fail "DnsCompatIdentifiers prints other series than collectd's dns plugin's: $(grep '^dns/' "$WORK/compat.out" | tr '\n' ';')"

# DnsPorts: the same messages to a server on port 5353 are DNS when 5353
# is listed, alone or with another port (the filter's path), exactly as on
# 53; with the default (53) they are not DNS at all.
python3 "$PCAPFLOW_ROOT/tests/integration/craft_dns.py" --port 5353 "$WORK/dns5353.pcap" "$WORK/dns5353.truth" dns5353 ||
  pf_fail "cannot write the capture on port 5353"
for ports in 5353 853,5353; do
  "$REPLAY" -o DnsPorts=$ports -l 198.18.0.0/16 "$WORK/dns5353.pcap" >"$WORK/ports.out" ||
    pf_fail "pcapflow-replay -o DnsPorts=$ports failed"
  pf_compare_truth "$WORK/dns5353.truth" "$WORK/ports.out" "DnsPorts $ports" ||
    pf_fail "DnsPorts $ports: the capture on port 5353 differs from its truth"
  [[ $(grep -c '^pcapflow_dns-' "$WORK/ports.out") == "$n_truth" ]] || pf_fail "DnsPorts $ports: other series than the truth's"
done
"$REPLAY" -l 198.18.0.0/16 "$WORK/dns5353.pcap" >"$WORK/port53.out" || pf_fail "pcapflow-replay failed"
pf_doc_dns_series
grep '^pcapflow_dns-' "$WORK/port53.out" | sed 's#^pcapflow_dns-dns5353/##' >"$WORK/port53.dns"
pf_check_dns_quiet "DnsPorts 53 on port 5353" "$WORK/port53.dns"

# A real collectd: counters exact in the last CSV row; per-interval figures
# (latency, top domains) summed or maximised over the rows of the
# intervals they fell in, whatever the reads' timing.
dir="$WORK/collectd"
pf_collectd "$dir" --local --file "$WORK/dns.pcap" DnsCompatIdentifiers true
pf_wait_captured dns "$frames"
csv="$dir/csv/$HOSTNAME_TEST/pcapflow_dns-dns"
dns_final() { [[ "$(pf_csv_latest x "$csv/dns_query-unanswered" | awk '{print $2}')" == 2 ]]; }
pf_wait_until 10 dns_final || pf_fail "collectd never wrote dns_query-unanswered 2"
sleep 1.5
{
  for f in $(ls "$csv" | sed -E 's/-[0-9]{4}-[0-9]{2}-[0-9]{2}$//' | sort -u); do
    case $f in
    count-top_domain_*) awk -F, -v s="$f" 'NR > 1 { t += $2 } END { print "pcapflow_dns-dns/" s, t + 0 }' "$csv/$f"-* ;;
    duration-dns_max) awk -F, -v s="$f" 'NR > 1 && $2 > m { m = $2 } END { printf "pcapflow_dns-dns/%s %.6f\n", s, m }' "$csv/$f"-* ;;
    duration-*) ;;
    *) pf_csv_latest "pcapflow_dns-dns/$f" "$csv/$f" ;;
    esac
  done
} >"$WORK/collectd.out"
grep -v 'duration-dns_p' "$WORK/dns.truth" >"$WORK/collectd.truth"
pf_compare_truth "$WORK/collectd.truth" "$WORK/collectd.out" collectd || pf_fail "collectd's CSV differs from the capture's truth"
compat="$dir/csv/$HOSTNAME_TEST/dns"
for f in $(sed 's#^dns/##; s/ .*//' "$WORK/compat.truth"); do
  pf_csv_latest "dns/$f" "$compat/$f"
done >"$WORK/collectd_compat.out"
pf_compare_truth "$WORK/compat.truth" "$WORK/collectd_compat.out" compat ||
  pf_fail "collectd's CSV under plugin dns differs from collectd's dns plugin's series"
pf_collectd_stop

# DnsPorts through collectd's configuration: the counters of the capture on
# port 5353 exact in the last CSV row.
dir="$WORK/collectd5353"
pf_collectd "$dir" --local --raw 'DnsPorts 853 5353' --file "$WORK/dns5353.pcap"
pf_wait_captured dns5353 "$frames"
csv="$dir/csv/$HOSTNAME_TEST/pcapflow_dns-dns5353"
dns_final() { [[ "$(pf_csv_latest x "$csv/dns_query-unanswered" | awk '{print $2}')" == 2 ]]; }
pf_wait_until 10 dns_final || pf_fail "collectd with DnsPorts 853 5353 never wrote dns_query-unanswered 2"
grep -E '/(dns_|errors-)' "$WORK/dns5353.truth" | grep -v '/duration-' >"$WORK/collectd5353.truth"
# Read until the last rows equal the truth: the read that wrote
# unanswered 2 dispatches dns_query-evicted after it, and collectd's write
# threads write one read's values in parallel, so a series read at once
# may not have that read's row yet (or, the first time, no row at all).
collectd5353() {
  local f
  for f in $(sed 's#^pcapflow_dns-dns5353/##; s/ .*//' "$WORK/collectd5353.truth"); do
    pf_csv_latest "pcapflow_dns-dns5353/$f" "$csv/$f"
  done >"$WORK/collectd5353.out"
  pf_compare_truth "$WORK/collectd5353.truth" "$WORK/collectd5353.out" collectd5353 2>"$WORK/collectd5353.diff"
}
pf_wait_until 10 collectd5353 ||
  pf_fail "collectd with DnsPorts 853 5353 differs from the capture's truth: $(tr '\n' ';' <"$WORK/collectd5353.diff")"
pf_collectd_stop
pf_pass "$n_truth DNS series exact through pcapflow-replay and collectd (latency p50 $(awk '/dns_p50/ {print $2}' "$WORK/replay.out") s, max 1.2 s), each switch off, collectd's dns plugin's identifiers with DnsCompatIdentifiers, the same on port 5353 with DnsPorts"
