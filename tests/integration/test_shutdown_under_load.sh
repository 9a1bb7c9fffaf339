#!/usr/bin/env bash
# collectd stops promptly on SIGTERM while pcapflow captures at full rate
# (tcpreplay --topspeed onto a veth), and leaves no thread behind: the
# capture thread is there while it runs, and the whole process exits.
# The stop time is measured and printed; the assertion is only that it
# stopped at all within a generous bound (speed is for benchmarks).
source "$(dirname "$0")/lib.sh"
pf_test_init shutdown_under_load
pf_netns_init
pf_veth_up
STOP_BOUND_S=10

pf_gen mixed mixed --packets 20000 --seed 17

dir="$WORK/collectd"
pf_collectd "$dir" --opt LocalNetwork "$LOCAL_V4" --netns "$NS_B" --interface "$VETH_B" Instance veth

# Full rate, bounded in time and in loops.
timeout 60 ip netns exec "$NS_A" tcpreplay --topspeed --loop=500 -i "$VETH_A" "$WORK/mixed.pcap" \
  >"$WORK/tcpreplay.out" 2>&1 &
PF_PIDS+=($!)

# Capture is busy: the counter grows by more than one file's worth.
captured() { local v; v=$(pf_value "$dir" veth packets-captured); echo "${v:-0}"; }
busy() { (($(captured) > 100000)); }
pf_wait_until 30 busy || pf_fail "capture is not running at full rate: captured $(captured)"

threads=$(cat /proc/"$COLLECTD_PID"/task/*/comm | sort | tr '\n' ' ')
grep -q "pf:veth" <<<"$threads" || pf_fail "no capture thread (pf:veth) among collectd's threads: $threads"
n_threads=$(ls /proc/"$COLLECTD_PID"/task | wc -l)

# gone PID : true once the process has exited (a zombie has no threads left).
gone() { [[ ! -e /proc/$1/stat ]] || [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) == Z ]]; }
start=$(date +%s%N)
kill -TERM "$COLLECTD_PID"
deadline=$((SECONDS + STOP_BOUND_S))
until gone "$COLLECTD_PID"; do
  ((SECONDS < deadline)) || pf_fail "collectd did not stop within $STOP_BOUND_S s of SIGTERM under load; threads: $(cat /proc/"$COLLECTD_PID"/task/*/comm | tr '\n' ' ')"
  sleep 0.01
done
stop_ms=$((($(date +%s%N) - start) / 1000000))
status=0
wait "$COLLECTD_PID" || status=$?
[[ $status == 0 ]] || pf_fail "collectd exited with status $status: $(tail -n 5 "$dir/collectd.log")"
grep -q "Exiting normally" "$dir/collectd.log" || pf_fail "collectd did not shut down normally: $(tail -n 5 "$dir/collectd.log")"
pf_pass "stopped ${stop_ms} ms after SIGTERM while capturing at full rate ($(captured) packets so far, $n_threads threads incl. pf:veth), exit 0"
