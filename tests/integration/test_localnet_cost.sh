#!/usr/bin/env bash
# 100,000 local networks cost a packet what two do, within 1.5x: the local
# network set is a prefix trie, walked in at most 8 steps (IPv4) or 32
# (IPv6) whatever the number of networks (docs/RULES.md, "Limits and
# costs"). Counted in instructions with callgrind, which is deterministic,
# over the per-packet path of pcapflow-replay (decode, direction, the
# shard's queue and batch work): the set's building is not counted.
#
# The networks are built to make every walk as deep as it can be: for each
# address of the capture, host networks that differ from it in the last
# bits only, so that its walk goes down to the last level and finds it is
# not local there (the capture's directions stay what they were).
source "$(dirname "$0")/lib.sh"
pf_test_init localnet_cost
command -v valgrind >/dev/null || pf_skip "valgrind is not installed"
command -v tshark >/dev/null || pf_skip "tshark is not installed"
FRAMES=20000
NETWORKS=100000
BOUND=1.5

pf_gen mixed mixed --packets $FRAMES --seed 1
tshark -r "$WORK/mixed.pcap" -T fields -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst 2>/dev/null |
  tr '\t,' '\n\n' | grep -v '^$' | sort -u >"$WORK/addresses"

printf 'local_networks:\n  - %s\n  - "%s"\n' "$LOCAL_V4" "$LOCAL_V6" >"$WORK/base.yaml"
python3 - "$WORK/addresses" "$NETWORKS" "$LOCAL_V4" "$LOCAL_V6" >"$WORK/many.yaml" <<'PY'
import ipaddress, sys
addresses = [ipaddress.ip_address(a) for a in open(sys.argv[1]).read().split()]
want = int(sys.argv[2])
print("local_networks:\n  - %s\n  - \"%s\"" % (sys.argv[3], sys.argv[4]))
seen, nets = set(addresses), []
# Neighbours first (the last bit flipped), then further ones, never an
# address of the capture: every walk goes deep and changes nothing.
for flip in range(1, 1 << 16):
    for a in addresses:
        n = ipaddress.ip_address(int(a) ^ flip)
        if n not in seen:
            seen.add(n)
            nets.append(n)
            if len(nets) == want - 2:
                break
    if len(nets) >= want - 2:
        break
for n in nets:
    print("  - \"%s\"" % n)
PY
[[ "$(grep -c '^  - ' "$WORK/many.yaml")" == "$NETWORKS" ]] || pf_fail "built $(grep -c '^  - ' "$WORK/many.yaml") networks, not $NETWORKS"

# Instructions of the per-packet path with each local network set, and
# the replay's output for comparison (lib.sh).
base=$(pf_packet_instructions base $FRAMES -m 400000 -r "$WORK/base.yaml" "$WORK/mixed.pcap")
many=$(pf_packet_instructions many $FRAMES -m 400000 -r "$WORK/many.yaml" "$WORK/mixed.pcap")
# pf_fail inside $(...) ends the subshell only: a count must have come.
[[ $base =~ ^[0-9]+$ && $many =~ ^[0-9]+$ ]] || pf_fail "no instruction counts"
# The same report (but the distinct counts: estimates, hashed with a seed
# each process draws at random).
same() { grep -v '^count-distinct_' "$WORK/out.$1"; }
diff -q <(same base) <(same many) >/dev/null ||
  pf_fail "the extra networks changed what the replay reports: $(diff <(same base) <(same many) | head -n 5)"
ratio=$(awk -v a="$many" -v b="$base" 'BEGIN { printf "%.3f", a / b }')
echo "  per packet: $((base / FRAMES)) instructions with 2 local networks, $((many / FRAMES)) with $NETWORKS (x$ratio)"
awk -v r="$ratio" -v b="$BOUND" 'BEGIN { exit !(r <= b) }' ||
  pf_fail "$NETWORKS local networks cost x$ratio per packet, more than x$BOUND"
pf_pass "$NETWORKS local networks: x$ratio the per-packet instructions of 2"
