#!/usr/bin/env bash
# Workers N on an interface whose frames may carry the protocol a fanout
# worker's socket is opened with until it joins (0x05ff, no EtherType): a
# TUN device with a packet-information header takes each frame's protocol
# from its writer. A stream of such frames reaches every worker's idle
# binding; they are thrown away before the join (src/source/fanout_join.c)
# and must not keep any worker from opening. Before, each open failed with
# "N frames of protocol 0x05ff came in before the fanout join", on every
# worker alike, for as long as the stream lasted.
source "$(dirname "$0")/lib.sh"
pf_test_init fanout_idle_flood
pf_netns_init
TUN="pft$$"

ip netns exec "$NS_B" python3 "$(dirname "$0")/tun_spam.py" "$TUN" 05ff 60 >"$WORK/spam.out" 2>&1 &
PF_PIDS+=("$!")
spam_up() { grep -qs '^up$' "$WORK/spam.out"; }
pf_wait_until 10 spam_up || pf_fail "the TUN writer did not start: $(cat "$WORK/spam.out")"

dir="$WORK/collectd"
pf_collectd "$dir" --netns "$NS_B" --interface "$TUN" Workers 2
both_up() { [[ "$(pf_value "$dir" "$TUN" gauge-capture_up)" == 2 ]]; }
pf_wait_until 20 both_up ||
  pf_fail "capture_up is $(pf_value "$dir" "$TUN" gauge-capture_up), not 2, with 0x05ff frames flowing: $(grep -i pcapflow "$dir/collectd.log" | tail -n 3)"
! grep -q "retrying\|cannot" "$dir/collectd.log" ||
  pf_fail "an open failed: $(grep "retrying\|cannot" "$dir/collectd.log" | head -n 2)"
pf_collectd_stop
pf_pass "2 workers opened on $TUN while it carried 0x05ff frames"
