#!/usr/bin/env bash
# pcapflow-top as a person uses it: in a terminal (tmux), against a real
# collectd that loads pcapflow and unixsock and captures on a veth fed a
# generated capture whose contents are known. The screen's figures are
# read off the terminal and checked:
#   - before collectd runs, the view says the socket is missing, and picks
#     collectd up once it starts;
#   - totals by protocol and direction, packet sizes, capture health and a
#     traffic class's row equal the generator's truth, and the TCP totals
#     equal collectd's own counters; after a refresh with no traffic the
#     rates are 0 and the totals stay;
#   - the top hosts and services, the handshake latency and the flows are
#     those collectd dispatched (its CSV files) for the update shown;
#   - the screen fits 80x24 with every block, uses more rows when it has
#     them, follows a resize, and q quits with status 0;
#   - the batch mode prints plain text, "measuring" until two readings;
#   - a missing socket, one nobody listens on and one that never answers
#     end with a clear error within the timeout.
source "$(dirname "$0")/lib.sh"
pf_test_init live_view
TOP="$BUILD/pcapflow-top"
[[ -x "$TOP" ]] || pf_fail "$TOP is not built (make all)"

# Every identifier the view reads is one of docs/METRICS.md (names.c holds
# them all), and its manual reads without a groff warning.
"$TOP" --names >"$WORK/names" || pf_fail "pcapflow-top --names failed"
[[ $(wc -l <"$WORK/names") -ge 60 ]] || pf_fail "pcapflow-top --names printed $(wc -l <"$WORK/names") names"
while read -r id; do
  grep -qF "| \`$id\` |" "$PCAPFLOW_ROOT/docs/METRICS.md" ||
    pf_fail "the view reads $id, which docs/METRICS.md does not list"
done <"$WORK/names"
if command -v groff >/dev/null; then
  warnings=$(groff -man -ww -z "$PCAPFLOW_ROOT/docs/pcapflow-top.1" 2>&1)
  [[ -z "$warnings" ]] || pf_fail "groff warns about docs/pcapflow-top.1: $warnings"
  # Every option of --help is in the manual.
  groff -man -Tutf8 -rHY=0 -rLL=200n "$PCAPFLOW_ROOT/docs/pcapflow-top.1" 2>/dev/null | col -bx |
    sed 's/‐/-/g; s/−/-/g' >"$WORK/manual"
  "$TOP" --help >"$WORK/help"
  for opt in $(grep -oE '^  (-[a-zA-Z]|--[a-z-]+)' "$WORK/help" | tr -d ' '); do
    grep -qE "^ {7}$opt( |,|$)" "$WORK/manual" || pf_fail "the manual does not describe $opt"
  done
fi
command -v tmux >/dev/null || pf_skip "tmux is not installed"
pf_netns_init
pf_veth_up

"$GEN" --scenario classes --out "$WORK/cls.pcap" --truth "$WORK/truth" \
  --rules "$WORK/rules.yaml" --class-truth "$WORK/class_truth" || pf_fail "generator failed"
total=$(awk '$1 == "packets-captured" {print $2}' "$WORK/truth")
truth() { awk -v id="$1" '$1 == id { $1 = ""; sub(/^ /, ""); print; exit }' "$2"; }

# ---- the terminal ----
tm() { tmux -S "$WORK/tmux.sock" "$@"; }
PF_CLEANUPS+=("tmux -S '$WORK/tmux.sock' kill-server 2>/dev/null")
shot() { tm capture-pane -p -t view >"$WORK/screen"; }
shows() { shot && grep -qE "$1" "$WORK/screen"; }
# The screen's row that starts with LABEL and a blank.
row() { grep -E "^$1 " "$WORK/screen" | head -n 1; }
# The time of the update the screen shows.
updated() { sed -n 's/.*updated \([0-9:]*\).*/\1/p' "$WORK/screen" | head -n 1; }

# fig_is SHOWN EXPECTED : a figure as shown (27.5, 3.93k, 171) stands for
# EXPECTED at the precision it is shown with, give or take 0.1 %: collectd
# gives the times of its values to the millisecond, so a total the view
# adds up from rates x steps of 2 s is within 0.05 % of the count.
fig_is() {
  awk -v s="$1" -v e="$2" 'BEGIN {
    m = 1
    if (s ~ /k$/) m = 1e3; else if (s ~ /M$/) m = 1e6; else if (s ~ /G$/) m = 1e9
    sub(/[kMG]$/, "", s)
    if (s !~ /^[0-9]+(\.[0-9]+)?$/) exit 1
    d = index(s, ".") ? length(s) - index(s, ".") : 0
    tol = 0.5 * m / 10 ^ d + 0.001 * e + 1e-9
    exit !((s * m - e) <= tol && (e - s * m) <= tol)
  }'
}
# dur_is "NUMBER UNIT" SECONDS : a duration as shown (850 us, 11.4 ms,
# 1.21 s) stands for SECONDS at its three significant digits.
dur_is() {
  awk -v n="${1% *}" -v u="${1#* }" -v s="$2" 'BEGIN {
    m = u == "us" ? 1e-6 : u == "ms" ? 1e-3 : u == "s" ? 1 : 0
    exit !(m > 0 && n != "" && (n * m - s) ^ 2 <= (0.005 * s + 1e-9) ^ 2)
  }'
}
# check_figs WHAT "SHOWN..." "EXPECTED..." : each shown figure against its
# expected value.
check_figs() {
  local what=$1 i
  local -a shown=($2) want=($3)
  ((${#shown[@]} == ${#want[@]})) || pf_fail "$what: shows \"$2\", expected \"$3\""
  for i in "${!want[@]}"; do
    fig_is "${shown[$i]}" "${want[$i]}" ||
      pf_fail "$what: shows \"$2\", expected \"$3\" (figure $((i + 1)))"
  done
}
# The last four figures of a row: its totals (rx pkts, tx pkts, rx bytes,
# tx bytes).
totals_of() { row "$1" | awk '{ print $(NF - 3), $(NF - 2), $(NF - 1), $NF }'; }

# ---- collectd's own values (its CSV files) ----
csvdir() { echo "$WORK/collectd/csv/$HOSTNAME_TEST/$1"; }
# csv_row PLUGIN-INSTANCE SERIES : "epoch v [v]" of the newest row.
csv_row() { pf_csv_rows_of "$(csvdir "$1")/$2" 1 | tr ',' ' '; }
csv_value() { csv_row "$1" "$2" | awk '{ $1 = ""; sub(/^ /, ""); print }'; }
clock_of() { date -d "@${1%.*}" +%H:%M:%S; }

sock="$WORK/collectd/unixsock"
mkdir -p "$WORK/collectd"

# 1. The view before collectd runs: it says why there is nothing to show.
tm new-session -d -s view -x 120 -y 60 \
  "$TOP -s '$sock' -i veth -d 0.25 -t 2; echo \"view exited with \$?\"; sleep 600"
pf_wait_until 10 shows "no such socket" ||
  pf_fail "the view does not say the socket is missing: $(cat "$WORK/screen")"
grep -qF "$sock: no such socket" "$WORK/screen" || pf_fail "the message does not name the socket: $(cat "$WORK/screen")"

# 2. collectd with pcapflow and unixsock, capturing on the veth.
dir="$WORK/collectd"
pcapflow_plugin_dir "$dir/plugins" logfile csv unixsock
interval=2
pf_collectd_conf "$dir" "$interval"
cat >>"$dir/collectd.conf" <<CONF
LoadPlugin unixsock
<Plugin unixsock>
  SocketFile "$sock"
</Plugin>
LoadPlugin pcapflow
<Plugin pcapflow>
  RulesFile "$WORK/rules.yaml"
  <Interface "$VETH_B">
    Instance "veth"
  </Interface>
</Plugin>
CONF
pf_collectd_start "$dir" ip netns exec "$NS_B"
# Totals count from the view's second reading of collectd: "all" shows 0.
zero_totals() { shows "^TRAFFIC" && [[ "$(totals_of all)" == "0 0 0 0" ]]; }
pf_wait_until 30 zero_totals ||
  pf_fail "the view did not start counting: $(cat "$WORK/screen"); log: $(tail -n 5 "$dir/collectd.log")"
# The title's interval is read off the updates' times, the mean of the
# view's recent steps (a first read that came late makes a short first
# step): Interval 2, within 5 %. One read that comes late on a loaded
# machine makes one step long and the next as much short (collectd keeps
# its schedule), so the screen is read again until the mean of the steps
# is back: held 0.5 s once, collectd's second read showed "every 2.3 s".
title_every() {
  shot
  every=$(sed -nE "1s/^pcapflow-top +$HOSTNAME_TEST\/veth +every ([0-9.]+) s +updated .*/\1/p" "$WORK/screen")
  awk -v e="$every" 'BEGIN { exit !(e != "" && e >= 1.9 && e <= 2.1) }'
}
pf_wait_until 20 title_every || pf_fail "title: $(head -n 1 "$WORK/screen")"

# 3. The capture, sent right after an update so that it falls in one
# interval (the checks of per-interval figures below hold either way).
before=$(updated)
new_update() { shot && [[ "$(updated)" != "$before" ]]; }
pf_wait_until 10 new_update || pf_fail "the view shows no new update: $(cat "$WORK/screen")"
sent=$(pf_replay "$WORK/cls.pcap" --topspeed)
[[ "$sent" == "$total" ]] || pf_fail "tcpreplay sent $sent packets of $total"
counted_all() { shot && [[ "$(totals_of all | awk '{ print $1 + $2 }')" == "$total" ]]; }
pf_wait_until 20 counted_all || pf_fail "the view did not count $total packets: $(cat "$WORK/screen")"
# One more update: nothing more may arrive, and the rates go back to 0.
after=$(updated)
idle_again() { shot && [[ "$(updated)" != "$after" ]] &&
  row all | awk '{ exit !($2 == 0 && $3 == 0 && $4 == 0 && $5 == 0) }'; }
pf_wait_until 10 idle_again || pf_fail "rates did not go back to 0 after the traffic: $(row all)"
cp "$WORK/screen" "$WORK/screen.after"

# Traffic by protocol and direction: every protocol of the truth with
# packets has its row, and "all" is their sum.
sum_rx=0 sum_tx=0 sum_brx=0 sum_btx=0
for p in tcp udp icmp icmpv6 sctp gre other non_ip malformed; do
  read -r prx ptx < <(truth "if_packets-$p" "$WORK/truth")
  read -r brx btx < <(truth "if_octets-$p" "$WORK/truth")
  sum_rx=$((sum_rx + prx)) sum_tx=$((sum_tx + ptx)) sum_brx=$((sum_brx + brx)) sum_btx=$((sum_btx + btx))
  label=$(sed 's/^other$/other IP/; s/^non_ip$/non-IP/' <<<"$p")
  if ((prx + ptx == 0)); then
    [[ -z "$(row "$label")" ]] || pf_fail "a row for $label, which had no traffic: $(row "$label")"
    continue
  fi
  check_figs "$label totals" "$(totals_of "$label")" "$prx $ptx $brx $btx"
done
check_figs "all totals" "$(totals_of all)" "$sum_rx $sum_tx $sum_brx $sum_btx"

# Packet sizes since the start, rx and tx.
for d in rx tx; do
  want=$(for s in 0_64 65_127 128_255 256_511 512_1023 1024_1518 1519_max; do
    truth "if_${d}_packets-size_$s" "$WORK/truth"
  done | tr '\n' ' ')
  check_figs "$d sizes" "$(row "$d since start" | awk '{ $1 = $2 = $3 = ""; print }')" "$want"
done

# Capture health.
grep -qE "^CAPTURE +up " "$WORK/screen" || pf_fail "capture: $(grep CAPTURE "$WORK/screen")"
# (The view started before collectd: it may have seen the capture open.)
grep -qE "since start: $total captured, dropped 0 \+ 0, opened [01], failed opens 0$" "$WORK/screen" ||
  pf_fail "capture since start: $(grep -A1 CAPTURE "$WORK/screen")"

# Traffic classes: each class's totals, and the busiest first.
classes=0
while read -r id rx tx; do
  class=${id#if_packets-}
  read -r brx btx < <(truth "if_octets-$class" "$WORK/class_truth")
  check_figs "class $class" "$(totals_of "$class")" "$rx $tx $brx $btx"
  classes=$((classes + 1))
done < <(grep '^if_packets-' "$WORK/class_truth")
first=$(sed -n '/^CLASSES/,$p' "$WORK/screen" | sed -n 3p | awk '{ print $1 }')
busiest=$(awk '/^if_octets-/ { print $2 + $3, substr($1, 11) }' "$WORK/class_truth" | sort -rn | head -n 1 | awk '{ print $2 }')
[[ "$first" == "$busiest" ]] || pf_fail "the first class is $first, the busiest is $busiest"

# 4. Per-interval figures, against collectd's values of the update shown.
# TCP totals are collectd's counters (nothing crossed the veth before),
# active flows by protocol and by class its gauges: each against the CSV
# row of the update the screen shows (collectd stamps every value of an
# update with one time), the screen read again until each file has that
# row, or the last difference is the failure. The newest rows would not
# do: an update can land between the screen and the files (unanswered
# SYNs and flows expiring 10 s after the traffic change these figures),
# and on a loaded machine reading the twenty-odd files one by one can
# take as long as the 2 s between updates.
# shown_time : the time collectd stamped the update the screen shows on,
# from capture_up's last rows; nothing and false when none matches yet.
shown_time() {
  local t
  for t in $(pf_csv_rows_of "$(csvdir pcapflow-veth)/gauge-capture_up" 5 | cut -d, -f1); do
    [[ "$(clock_of "$t")" == "$(updated)" ]] && echo "$t" && return 0
  done
  return 1
}
# value_at PLUGIN-INSTANCE SERIES TIME : the value(s) of the series' row
# stamped TIME; nothing and false when it has none.
value_at() {
  pf_csv_rows_of "$(csvdir "$1")/$2" |
    awk -F, -v t="$3" '$1 == t { $1 = ""; sub(/^ /, ""); print; found = 1 } END { exit !found }' OFS=' '
}
update_agrees() {
  shot
  local -a tcp_total
  local i=0 t c want got f class
  t=$(shown_time) || { why="no capture_up row of the update the screen shows ($(updated))" && return 1; }
  read -r -a tcp_total < <(row total | awk '{ $1 = ""; print }')
  for c in completed unanswered_syn rst retransmitted out_of_order zero_window late_start; do
    want=$(value_at pcapflow-veth "protocol_counter-tcp_$c" "$t") || { why="no protocol_counter-tcp_$c row at $t" && return 1; }
    want=$(awk -v v="$want" 'BEGIN { printf "%.0f", v }')
    [[ "${tcp_total[$i]}" == "$want" ]] || { why="TCP $c: shows ${tcp_total[$i]}, collectd counted $want" && return 1; }
    i=$((i + 1))
  done
  [[ "${tcp_total[0]}" -gt 0 ]] || { why="no completed handshake: $(row total)" && return 1; }
  want=0
  for c in tcp udp icmp other; do
    got=$(value_at pcapflow-veth "current_connections-flows_$c" "$t") || { why="no current_connections-flows_$c row at $t" && return 1; }
    want=$(awk -v s="$want" -v v="$got" 'BEGIN { printf "%.0f", s + v }')
  done
  grep -qE "^FLOWS +$want active: " "$WORK/screen" || { why="flows: $(grep FLOWS "$WORK/screen"), collectd: $want" && return 1; }
  for f in "$(csvdir pcapflow_class-veth)"/current_connections-*; do
    class=$(basename "$f" | sed -E 's/^current_connections-//; s/-[0-9]{4}-[0-9]{2}-[0-9]{2}$//')
    got=$(value_at pcapflow_class-veth "current_connections-$class" "$t") || { why="no class $class current_connections row at $t" && return 1; }
    want=$(awk -v v="$got" 'BEGIN { printf "%.0f", v }')
    [[ "$(row "$class" | awk '{ print $4 }')" == "$want" ]] ||
      { why="class $class: shows $(row "$class"), collectd sent $want active flows" && return 1; }
  done
}
why="the screen never showed collectd's newest update"
pf_wait_until 20 update_agrees || pf_fail "$why"
# Top hosts and services: the newest interval that had keys, with shares
# of its bytes. A later interval may bring keys (flows reported as they
# end), so the screen and the CSV files are read together until they
# agree, or the last difference is the failure. collectd stamps each value
# as it is dispatched: one update's rows are milliseconds apart (a key at
# .009, the next at .010), updates an interval apart, so an update's rows
# are those within half an interval of its newest.
same_update() { awk -F, -v t="$1" -v h="$interval" '($1 - t) ^ 2 < (h / 2) ^ 2'; }
top_matches() {
  local list=$1 newest whole heaviest bytes key share label col line half f k
  shot
  newest=$(for f in "$(csvdir pcapflow-veth)"/bytes-top_"$list"_*; do
    [[ "$f" == *_other-* ]] || tail -n 1 "$f" | cut -d, -f1
  done | sort -n | tail -n 1)
  [[ -n "$newest" ]] || { why="collectd wrote no top $list list" && return 1; }
  whole=0
  for f in "$(csvdir pcapflow-veth)"/bytes-top_"$list"_*; do
    whole=$(same_update "$newest" <"$f" | awk -F, -v w="$whole" '{ w += $2 } END { print w }')
  done
  heaviest=$(for f in "$(csvdir pcapflow-veth)"/bytes-top_"$list"_*; do
    [[ "$f" == *_other-* ]] && continue
    k=$(basename "$f" | sed -E "s/^bytes-top_${list}_//; s/-[0-9]{4}-[0-9]{2}-[0-9]{2}$//")
    same_update "$newest" <"$f" | awk -F, -v k="$k" '{ print $2, k }'
  done | LC_ALL=C sort -k1,1nr -k2 | head -n 1)
  read -r bytes key <<<"$heaviest"
  share=$(awk -v b="$bytes" -v w="$whole" 'BEGIN { p = 100 * b / w; printf (p < 9.95 ? "%.1f%%" : "%.0f%%"), p }')
  label=$(sed -E 's#^([a-z0-9]+)_([0-9]+)$#\1/\2#' <<<"$key")
  [[ $list == host ]] && label=$(python3 -c '
import ipaddress, sys
for sep in ".:":
    try:
        print(ipaddress.ip_address(sys.argv[1].replace("_", sep)))
        break
    except ValueError:
        pass' "$key")
  col=$([[ $list == host ]] && echo 1 || echo 2)
  line=$(sed -n '/^TOP HOSTS/{n;p;q}' "$WORK/screen")
  half=$([[ $col == 1 ]] && cut -c1-59 <<<"$line" || cut -c61- <<<"$line")
  why="top $list: the first entry shows \"$half\", collectd's heaviest is $label with $share"
  [[ "$half" == "$label "* && "$half" == *" $share "* ]]
}
for list in host port; do
  pf_wait_until 20 top_matches "$list" || pf_fail "$why"
done
# Handshake latency: the figures of the newest interval with handshakes
# (tcpreplay --topspeed sends the capture back to back: microseconds).
hs=$(row handshake)
for q in p50 p90 p99 max; do
  v=$(csv_value pcapflow-veth "duration-tcp_handshake_$q")
  shown=$(awk -v q="$q" '{ for (i = 1; i < NF; i++) if ($i == q) print $(i + 1), $(i + 2) }' <<<"$hs")
  dur_is "$shown" "$v" || pf_fail "handshake $q: shows \"$shown\", collectd sent $v s"
done
# A class's handshake p90: shown for the classes of the newest interval
# with class handshakes.
p90_dir=$(csvdir pcapflow_class-veth-p90)
newest=$(for f in "$p90_dir"/duration-*; do tail -n 1 "$f" | cut -d, -f1; done | sort -n | tail -n 1)
read -r web_time p90 < <(csv_row pcapflow_class-veth-p90 duration-web)
[[ -n "$p90" ]] || pf_fail "collectd wrote no handshake p90 for class web"
shown=$(row web | awk '{ print $5, $6 }')
if [[ -n "$(echo "$web_time" | same_update "$newest")" ]]; then
  dur_is "$shown" "$p90" || pf_fail "class web p90: shows \"$shown\", collectd sent $p90 s"
else
  [[ "$shown" == "- |" ]] || pf_fail "class web p90: shows \"$shown\" beside newer classes' figures"
fi

# 5. 80x24: a little of everything; 'q' quits.
tm resize-window -t view -x 80 -y 24
small() { shot && (($(wc -l <"$WORK/screen") <= 24)) && grep -q "^TRAFFIC" "$WORK/screen"; }
pf_wait_until 10 small || pf_fail "no 80x24 screen: $(cat "$WORK/screen")"
long=$(awk 'length($0) > 80' "$WORK/screen")
[[ -z "$long" ]] || pf_fail "rows wider than 80 columns: $long"
for block in "^pcapflow-top " "^CAPTURE " "^TRAFFIC " "^all " "^tcp " "^TCP " "^handshake " \
  "^TOP HOSTS" "^CLASSES " "q quit"; do
  grep -qE "$block" "$WORK/screen" || pf_fail "80x24 lacks \"$block\": $(cat "$WORK/screen")"
done
rows_small=$(grep -c . "$WORK/screen")
rows_tall=$(grep -c . "$WORK/screen.after")
((rows_tall > rows_small)) || pf_fail "120x60 showed $rows_tall rows, 80x24 $rows_small"
tm send-keys -t view q
quit() { shot && grep -q "view exited with 0" "$WORK/screen"; }
pf_wait_until 10 quit || pf_fail "q did not end the view with status 0: $(cat "$WORK/screen")"

# 6. Batch: plain text, "measuring" at first; the next screen has totals.
"$TOP" -b -s "$sock" -i veth -d 0.25 -n 2 >"$WORK/batch" 2>"$WORK/batch.err" ||
  pf_fail "batch failed: $(cat "$WORK/batch.err")"
! grep -q $'\033' "$WORK/batch" || pf_fail "escape sequences in the batch output"
[[ $(grep -c "^pcapflow-top  $HOSTNAME_TEST/veth" "$WORK/batch") == 2 ]] || pf_fail "batch: not two screens: $(cat "$WORK/batch")"
grep -q "^measuring... totals count from collectd's next update" "$WORK/batch" ||
  pf_fail "batch: the first screen does not say it is measuring: $(cat "$WORK/batch")"
[[ "$(grep '^all ' "$WORK/batch" | tail -n 1 | awk '{ print $(NF - 3), $(NF - 2) }')" == "0 0" ]] ||
  pf_fail "batch: the second screen's totals: $(grep '^all ' "$WORK/batch")"
"$TOP" -b -s "$sock" -i nosuch >/dev/null 2>"$WORK/err" && pf_fail "batch with an unknown source succeeded"
grep -q "no pcapflow values of that host and source" "$WORK/err" || pf_fail "unknown source: $(cat "$WORK/err")"

# 7. Sockets that do not work: missing, nobody listening, never answering.
check_error() {
  local what=$1 want=$2 status=0
  shift 2
  SECONDS=0
  "$TOP" -b "$@" >/dev/null 2>"$WORK/err" || status=$?
  [[ $status == 1 ]] || pf_fail "$what: exit status $status: $(cat "$WORK/err")"
  grep -qF "$want" "$WORK/err" || pf_fail "$what: \"$(cat "$WORK/err")\" does not say \"$want\""
  ((SECONDS <= 10)) || pf_fail "$what: took $SECONDS s"
}
check_error "missing socket" "$WORK/none: no such socket" -s "$WORK/none"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$WORK/dead" ||
  pf_fail "could not make a socket"
check_error "socket nobody listens on" "$WORK/dead: connection refused" -s "$WORK/dead"
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(4)
c, _ = s.accept(); time.sleep(30)' "$WORK/mute" &
PF_PIDS+=($!)
pf_wait_until 10 test -S "$WORK/mute" || pf_fail "no silent socket"
check_error "collectd that never answers" "no answer from collectd within 1 s" -s "$WORK/mute" -t 1

pf_collectd_stop
pf_pass "$total packets: totals by protocol, size and $classes classes, capture health and TCP read off an 80x24 and a 120x60 terminal; top lists, latency and flows as collectd sent them; batch, missing, refused and silent sockets"
