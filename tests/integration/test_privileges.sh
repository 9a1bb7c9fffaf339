#!/usr/bin/env bash
# Running without full root (docs/DEPLOYMENT.md, "Privileges"): collectd as
# user nobody holding CAP_NET_RAW and nothing else captures live on a veth
# and counts exactly the generator's ground truth; as nobody without it,
# opening fails with a log line naming CAP_NET_RAW and capture_failed
# counts. The shipped systemd drop-ins pass systemd-analyze verify.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/stack.sh"
source "$(dirname "$0")/series.sh"
pf_test_init privileges
pf_need setpriv
[[ $(id -u) == 0 ]] || pf_skip "changing user and capabilities needs root"
id nobody >/dev/null 2>&1 || pf_skip "no user nobody"

# ---- the drop-ins ----
if command -v systemd-analyze >/dev/null && [[ -r /lib/systemd/system/collectd.service ]]; then
  for f in "$PCAPFLOW_ROOT"/packaging/systemd/*.conf; do
    units="$WORK/units-$(basename "$f" .conf)"
    mkdir -p "$units/collectd.service.d"
    cp /lib/systemd/system/collectd.service "$units/"
    cp "$f" "$units/collectd.service.d/pcapflow.conf"
    out=$(SYSTEMD_UNIT_PATH="$units:" systemd-analyze verify "$units/collectd.service" 2>&1 || true)
    if grep -F "$units/collectd.service.d" <<<"$out" >&2; then
      pf_fail "systemd-analyze verify objects to $(basename "$f")"
    fi
  done
fi

# ---- collectd as nobody ----
pf_netns_init
pf_veth_up
pf_gen live live --seed 8
total=$(pf_truth_value "$WORK/live.truth" packets-captured)
chmod 755 "$WORK"

# nobody_collectd DIR CAPS WAIT : a collectd capturing on the veth, as
# nobody, with CAPS (e.g. "+net_raw", or "" for none) as its only
# capabilities; WAIT as pf_collectd's --wait.
nobody_collectd() {
  local dir=$1 caps=$2
  local capargs=(--inh-caps=-all --ambient-caps=-all --bounding-set=-all)
  [[ -n "$caps" ]] && capargs=(--inh-caps="-all,$caps" --ambient-caps="-all,$caps" --bounding-set="-all,$caps")
  pf_collectd "$dir" --local --netns "$NS_B" --owner nobody --wait "$3" \
    --interface "$VETH_B" Instance veth RetryMax 1 \
    -- setpriv --reuid=nobody --regid=nogroup --clear-groups "${capargs[@]}" --
}

# With CAP_NET_RAW only: every packet, exactly.
dir="$WORK/raw"
nobody_collectd "$dir" +net_raw capture
status="/proc/$COLLECTD_PID/status"
[[ "$(awk '$1 == "Uid:" {print $2, $3}' "$status")" == "$(id -u nobody) $(id -u nobody)" ]] ||
  pf_fail "collectd does not run as nobody: $(grep Uid "$status")"
# CAP_NET_RAW is capability 13: 0x2000, and nothing else.
[[ "$(awk '$1 == "CapEff:" {print $2}' "$status")" == 0000000000002000 ]] ||
  pf_fail "collectd holds more than CAP_NET_RAW: $(grep Cap "$status" | tr '\n' ' ')"
sent=$(pf_replay "$WORK/live.pcap")
[[ "$sent" == "$total" ]] || pf_fail "tcpreplay sent $sent of $total packets"
pf_wait_captured veth "$total" 20
sleep 1.5
pf_csv_values "$dir" veth >"$WORK/actual"
# (top-N bytes and distinct counts are per interval: the live capture may
# span two, so they are held to the capture's IP bytes summed over every
# interval instead)
pf_compare_truth <(pf_truth_totals "$WORK/live.truth") "$WORK/actual" live || pf_fail "counts as nobody differ from the ground truth"
pf_doc_series
pf_csv_rows "$dir" veth >"$WORK/rows"
pf_last_rows "$WORK/rows" >"$WORK/series"
problems=$(pf_ids_problems "$WORK/series")
[[ -z "$problems" ]] || pf_fail "as nobody: $problems"
pf_top_sums_differ "$WORK/rows" "$WORK/live.truth" >&2 || pf_fail "top-N bytes as nobody do not add up to the capture's IP bytes"
[[ "$(pf_value "$dir" veth gauge-capture_up)" == 1 ]] || pf_fail "capture_up is not 1"
pf_collectd_stop

# Without any capability: refused, and the log says what is missing.
dir="$WORK/none"
nobody_collectd "$dir" "" init
failed() { [[ "$(pf_value "$dir" veth operations-capture_failed)" -ge 1 ]] 2>/dev/null; }
pf_wait_until 20 failed || pf_fail "no failed open counted without CAP_NET_RAW: $(tail -n 5 "$dir/collectd.log")"
grep -q "capturing needs CAP_NET_RAW" "$dir/collectd.log" || pf_fail "the log does not name CAP_NET_RAW: $(tail -n 5 "$dir/collectd.log")"
[[ "$(pf_value "$dir" veth gauge-capture_up)" == 0 && "$(pf_value "$dir" veth operations-capture_opened)" == 0 ]] ||
  pf_fail "capture looks open without CAP_NET_RAW"
pf_collectd_stop
pf_pass "as nobody with CAP_NET_RAW alone: $total packets, every series exact; without it: refused, log names CAP_NET_RAW"
