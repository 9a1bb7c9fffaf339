#!/usr/bin/env bash
# collectd running as root with every capability dropped but CAP_NET_RAW
# captures exactly, promiscuous mode included, with Workers 1 and with
# Workers 2 (the fanout join and its group program, PACKET_FANOUT_DATA,
# need no more); with every capability but
# CAP_NET_RAW it captures nothing and the log names the missing capability.
source "$(dirname "$0")/lib.sh"
pf_test_init least_privilege
command -v setpriv >/dev/null || pf_skip "setpriv (util-linux) is missing"
pf_netns_init
pf_veth_up

pf_gen live live --seed 13
total=$(pf_truth_value "$WORK/live.truth" packets-captured)
CAP_NET_RAW_MASK=$((1 << 13))

# start DIR CAPS WAIT [OPTION VALUE]... : collectd in $NS_B with bounding
# set CAPS (setpriv syntax), so that as root it holds exactly those
# capabilities; WAIT as pf_collectd's --wait; the options go to the
# interface.
start() {
  local dir=$1 caps=$2 wait=$3
  shift 3
  pf_collectd "$dir" --local --opt RetryMax 1 --netns "$NS_B" --wait "$wait" \
    --interface "$VETH_B" Instance veth Promiscuous true "$@" -- setpriv --bounding-set="$caps" --inh-caps=-all
}

effective_caps() { awk '/^CapEff:/ {print $2}' "/proc/$COLLECTD_PID/status"; }

# 1. Only CAP_NET_RAW: captures, exactly, in promiscuous mode, with one
# capture thread and with two.
for workers in 1 2; do
  dir="$WORK/raw-$workers"
  start "$dir" -all,+net_raw capture Workers "$workers"
  up() { [[ "$(pf_value "$dir" veth gauge-capture_up)" == "$workers" ]]; }
  pf_wait_until 20 up ||
    pf_fail "Workers $workers with CAP_NET_RAW only: capture_up = $(pf_value "$dir" veth gauge-capture_up)"
  caps=$(effective_caps)
  [[ $((16#$caps)) == "$CAP_NET_RAW_MASK" ]] || pf_fail "collectd's effective capabilities are $caps, not CAP_NET_RAW alone"
  caps_raw=$caps
  ip -n "$NS_B" -d link show "$VETH_B" | grep -Eq "promiscuity [1-9]" ||
    pf_fail "Promiscuous true did not put $VETH_B in promiscuous mode: $(ip -n "$NS_B" -d link show "$VETH_B")"
  sent=$(pf_replay "$WORK/live.pcap")
  [[ "$sent" == "$total" ]] || pf_fail "tcpreplay sent $sent of $total"
  pf_wait_captured veth "$total" 20
  sleep 1.5
  pf_csv_values "$dir" veth >"$WORK/actual"
  pf_compare_truth "$WORK/live.truth" "$WORK/actual" "raw_only, Workers $workers" ||
    pf_fail "with CAP_NET_RAW only and Workers $workers, counts differ from the ground truth"
  pf_collectd_stop
done

# 2. Every capability but CAP_NET_RAW (CAP_NET_ADMIN and CAP_SYS_ADMIN
# included): nothing is captured, and the log says which one is missing,
# once, however many times opening is retried.
dir="$WORK/noraw"
start "$dir" -net_raw init
expected="pcapflow: source \"veth\": $VETH_B: You don't have permission to perform this capture on that device (socket: Operation not permitted); capturing needs CAP_NET_RAW, which this process does not have; retrying every 1 s at most"
pf_wait_until 20 grep -qsF "$expected" "$dir/collectd.log" ||
  pf_fail "without CAP_NET_RAW the log does not name it: $(grep pcapflow "$dir/collectd.log")"
caps=$(effective_caps)
(((16#$caps & CAP_NET_RAW_MASK) == 0)) || pf_fail "collectd still holds CAP_NET_RAW ($caps)"
failed_ge() { local f; f=$(pf_value "$dir" veth operations-capture_failed); [[ -n "$f" && "$f" -ge $1 ]]; }
pf_wait_until 20 failed_ge 3 || pf_fail "opening was not retried"
[[ $(grep -c "CAP_NET_RAW" "$dir/collectd.log") == 1 ]] || pf_fail "the missing capability was logged more than once"
[[ "$(pf_value "$dir" veth gauge-capture_up)" == 0 ]] || pf_fail "capture_up is not 0 without CAP_NET_RAW"
pf_collectd_stop
pf_pass "CAP_NET_RAW alone (CapEff $caps_raw) captured $total packets exactly, promiscuous, with Workers 1 and 2; without it the log names it"
