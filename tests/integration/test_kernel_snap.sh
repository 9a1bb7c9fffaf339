#!/usr/bin/env bash
# The kernel's snap: a live source with no Filter installs the empty one,
# which libpcap compiles to `ret #SnapLen`, so the kernel copies at most
# SnapLen bytes of a frame into the ring (src/source/handle.c; measured
# in docs/PERFORMANCE.md, "The kernel's snap"). Checked on the socket
# itself: `ss -0 -b` shows each of collectd's packet sockets (Workers 2:
# two) with that one-instruction program; the frames, longer than
# SnapLen, are all counted with their wire lengths, as without it; and,
# under strace, each worker's socket joins the fanout group as
# src/source/fanout_join.c says: bound to every protocol only once the
# drop-all program is on, joined with it on, and after the join exactly
# one program installed, the real one, in one step (libpcap installs one
# by a reject-all program first, and a frame that turns away after the
# join is counted nowhere); the group's program (PACKET_FANOUT_DATA) set
# once by each, after its join.
source "$(dirname "$0")/lib.sh"
pf_test_init kernel_snap
command -v ss >/dev/null || pf_skip "ss (iproute2) is missing"
command -v strace >/dev/null || pf_skip "strace is missing (scripts/deps.sh installs it)"
pf_netns_init
pf_veth_up

pf_gen snap mixed --packets 400 --seed 12
total=$(pf_truth_value "$WORK/snap.truth" packets-captured)
((total > 0)) || pf_fail "the capture holds no packet"

dir="$WORK/collectd"
pf_collectd "$dir" --netns "$NS_B" --interface "$VETH_B" Instance veth SnapLen 200 Workers 2
pid=$COLLECTD_PID
[[ -n $pid ]] || pf_fail "no collectd PID"
ip netns exec "$NS_B" ss -0 -b -p >"$WORK/ss.out" 2>&1 || pf_fail "ss failed: $(head -n 3 "$WORK/ss.out")"
# Each socket's line, then its filter's line.
progs=$(awk -v pid="pid=$pid," 'index($0, pid) { want = 1; next } want { print; want = 0 }' "$WORK/ss.out")
n=$(grep -c . <<<"$progs" || true)
[[ $n == 2 ]] || pf_fail "collectd ($pid) has $n packet sockets listed, expected 2: $(cat "$WORK/ss.out")"
while read -r line; do
  [[ $line == "bpf filter (1):  0x06 0 0 200," ]] ||
    pf_fail "a socket's program is \"$line\", expected the one ret #200 (bpf filter (1):  0x06 0 0 200,)"
done <<<"$progs"

sent=$(pf_replay "$WORK/snap.pcap")
[[ "$sent" == "$total" ]] || pf_fail "tcpreplay sent $sent packets, the capture holds $total"
pf_wait_captured veth "$total" 20
sleep 1.5 # one more interval: nothing more may arrive
read -r rx tx < <(pf_family_total "$dir" veth if_packets)
((rx + tx == total)) || pf_fail "if_packets rx $rx tx $tx; expected $total in all"
read -r orx otx < <(pf_family_total "$dir" veth if_octets)
want_octets=$(python3 - "$WORK/snap.pcap" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
off, total = 24, 0
while off < len(d):
    incl, orig = struct.unpack_from("<II", d, off + 8)
    total += orig
    off += 16 + incl
print(total)
PY
)
((orx + otx == want_octets)) ||
  pf_fail "if_octets rx $orx tx $otx; expected $want_octets in all (the frames' wire lengths)"
pf_collectd_stop

# The order of each worker's calls on its socket, by thread and socket.
# strace writes one file a thread (-ff): with one file for all, two
# workers' calls at the same moment print as "<unfinished ...>" and
# "<... resumed>" halves, which no line-wise reading can pair (CI saw
# exactly that). -v prints each program's instructions.
dir2="$WORK/collectd-strace"
pf_collectd "$dir2" --netns "$NS_B" --interface "$VETH_B" Instance veth2 SnapLen 200 Workers 2 \
  -- strace -v -ff -qq -e trace=setsockopt,bind -o "$WORK/strace"
tracer=$COLLECTD_PID
COLLECTD_PID=$(pgrep -P "$tracer" | head -n1)
[[ -n $COLLECTD_PID ]] || pf_fail "no collectd under strace ($tracer)"
pf_collectd_stop
wait "$tracer" 2>/dev/null || true
traces=("$WORK"/strace.*)
[[ -e ${traces[0]} ]] || pf_fail "strace wrote no per-thread file under $WORK"
! grep -q 'unfinished' "${traces[@]}" ||
  pf_fail "a per-thread strace file holds a split call: $(grep -h unfinished "${traces[@]}" | head -n 2)"
grep -q 'BPF_STMT' "${traces[@]}" ||
  pf_skip "this strace does not print BPF programs' instructions (-v): $(strace -V | head -n 1)"
order=$(awk '
  FNR == 1 { t = FILENAME; sub(/.*\./, "", t) }
  / = 0$/ { split($1, a, /[(,]/); k = t " " a[2] }
  /SO_ATTACH_FILTER/ && / = 0$/ {
    p = $0; sub(/.*BPF_K, /, "", p); sub(/\).*/, "", p)
    if (k in joined) {
      after[k]++
      if (p != "0xc8") bad = bad " " k ": program " p " after the join"
    } else prog[k] = p
  }
  /^bind\(.*ETH_P_ALL/ && / = 0$/ {
    all[k] = 1
    if (prog[k] != "0") bad = bad " " k ": bound to every protocol with program \"" prog[k] "\""
  }
  /PACKET_FANOUT_DATA/ && / = 0$/ {
    data[k]++
    if (!(k in joined)) bad = bad " " k ": the group'"'"'s program set before the join"
  }
  /PACKET_FANOUT,/ && / = 0$/ {
    joins++; joined[k] = 1
    if (!(k in all)) bad = bad " " k ": joined before binding to every protocol"
    if (prog[k] != "0") bad = bad " " k ": joined with program \"" prog[k] "\""
  }
  END {
    for (k in joined) if (after[k] != 1) bad = bad " " k ": " after[k] + 0 " programs after the join"
    for (k in joined) if (data[k] != 1) bad = bad " " k ": " data[k] + 0 " group programs set"
    print joins + 0, (bad == "" ? "ok" : bad)
  }' "${traces[@]}")
[[ $order == "2 ok" ]] ||
  pf_fail "the sockets' set-up order (joins, findings): $order; $(grep -hE 'ATTACH_FILTER|FANOUT|^bind' "${traces[@]}" | head -n 12)"
pf_pass "two sockets with ret #200 installed, each joined with drop-all on and its program put back in one step after; $total frames and $want_octets bytes counted at their wire lengths"
