#!/usr/bin/env bash
# A TLS connection is no server name's until its ClientHello names it: its
# bytes of an interval that closed before then go to no name (and not to
# `other`), its bytes from the hello's interval on go to the name. Exact
# through pcapflow-replay over craft_tls_unnamed.py's capture: read at
# once, both connections' names have every byte; read each second of
# packet time (-i 1), the connection whose hello comes 1.5 s after its
# handshake has its name short by exactly its SYN, SYN-ACK and ACK, the one
# whose hello follows at once has every byte. A live source meets the
# same when a read falls between a handshake and its hello: the rigs
# (test_tls_rig.sh, test_tls_segments.sh, svc_tls_names_live) allow it.
source "$(dirname "$0")/lib.sh"
pf_test_init tls_name_interval
command -v python3 >/dev/null || pf_skip "python3 is missing"
python3 "$PCAPFLOW_ROOT/tests/integration/craft_tls_unnamed.py" "$WORK/u.pcap" >"$WORK/truth" ||
  pf_fail "cannot write the capture"

# names SERIES... : "series bytes" of each name over every interval of
# standard input (pcapflow-replay's output), summed.
names() {
  sed -n 's#^pcapflow_tls-u/##p' | awk '$1 ~ /^bytes-top_sni_/ { t[$1] += $2 }
    END { for (s in t) print s, t[s] }' | LC_ALL=C sort
}

"$REPLAY" -n u "$WORK/u.pcap" | names >"$WORK/once" || pf_fail "pcapflow-replay failed"
expect_once=$( (awk '{ print $1, $2 }' "$WORK/truth"; echo "bytes-top_sni_other 0") | LC_ALL=C sort)
[[ "$(cat "$WORK/once")" == "$expect_once" ]] ||
  pf_fail "read at once, the names differ: $(diff <(echo "$expect_once") "$WORK/once" | tr '\n' ';')"

"$REPLAY" -i 1 -n u "$WORK/u.pcap" | names >"$WORK/each" || pf_fail "pcapflow-replay -i 1 failed"
expect_each=$( (awk '$1 ~ /late/ { print $1, $2 - $3; next } { print $1, $2 }' "$WORK/truth"
  echo "bytes-top_sni_other 0") | LC_ALL=C sort)
[[ "$(cat "$WORK/each")" == "$expect_each" ]] ||
  pf_fail "read each second, the names differ: $(diff <(echo "$expect_each") "$WORK/each" | tr '\n' ';')"
pf_pass "a connection's bytes before its ClientHello's interval are no name's: $(tr '\n' ';' <"$WORK/each") (read at once: $(tr '\n' ';' <"$WORK/once"))"
