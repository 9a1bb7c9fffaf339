#!/usr/bin/env bash
# `make graphs` (scripts/graphs.sh): a live rrdtool run of the plugin over
# the generator's mixed capture, replayed across a veth, renders four PNG
# graphs; the RRD files behind them hold exactly the packets replayed.
source "$(dirname "$0")/lib.sh"
pf_test_init graphs_test
[[ $(id -u) == 0 ]] || pf_skip "make graphs needs root for its network namespaces"
command -v rrdtool >/dev/null || pf_skip "rrdtool is not installed (make deps installs it)"

out="$WORK/graphs"
OUT="$out" "$PCAPFLOW_ROOT/scripts/graphs.sh" >"$WORK/graphs.out" 2>&1 ||
  pf_fail "make graphs failed: $(tail -n 5 "$WORK/graphs.out")"
sent=$(sed -nE 's/^graphs: ([0-9]+) packets replayed.*/\1/p' "$WORK/graphs.out")
[[ "$sent" == 44000 ]] || pf_fail "expected 16000 + 20000 + 8000 = 44000 packets replayed, got \"$sent\""

# Each graph is a PNG of the size asked for (760x220 canvas plus axes).
for g in traffic sizes tcp_flags health; do
  f="$out/$g.png"
  [[ -s "$f" ]] || pf_fail "no $g.png"
  [[ "$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')" == 89504e470d0a1a0a ]] || pf_fail "$g.png is not a PNG"
  read -r w h < <(od -An -j16 -N8 -tu1 "$f" | awk '{print $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8}')
  ((w > 760 && w < 1000 && h > 220 && h < 400)) || pf_fail "$g.png is ${w}x$h"
done

# The RRD files hold the raw counters last written: every packet, once.
rrd="$out/rrd/pcapflow-uplink"
last() { rrdtool lastupdate "$rrd/$1.rrd" | awk -F': ' 'NF == 2 { print $2 }'; }
[[ "$(last packets-captured)" == "$sent" ]] || pf_fail "packets-captured.rrd holds $(last packets-captured), expected $sent"
sum=0
for p in tcp udp icmp icmpv6 sctp gre other non_ip malformed; do
  read -r rx tx <<<"$(last "if_packets-$p")"
  sum=$((sum + rx + tx))
done
((sum == sent)) || pf_fail "the if_packets-*.rrd files hold $sum packets, expected $sent"
[[ "$(last packets-dropped_kernel)" == 0 ]] || pf_fail "the kernel dropped $(last packets-dropped_kernel) packets"
pf_pass "4 PNG graphs; RRD totals equal the $sent packets replayed"
