#!/usr/bin/env bash
# valgrind memcheck across the live path in a real collectd: live_life.sh's
# life (Workers 2 and a Filter on a veth, traffic counted exactly, the
# interface deleted under traffic and created again, SIGTERM under
# traffic), at a rate memcheck keeps up with. No memcheck error and no
# leak (definite, indirect, possible, or still reachable at exit) whose
# stack passes through pcapflow.so: the opens, fanout joins and reopens of
# both workers free what they allocate (test_leaks.sh covers the File
# source, one live worker, a missing interface and a failed configuration).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/memcheck.sh"
source "$(dirname "$0")/live_life.sh"
pf_test_init live_leaks
memcheck_require

live_life_init 3000 1000
dir="$WORK/collectd"
memcheck_prefix "$dir"
# Stopping includes valgrind's leak search.
live_life_run "$dir" 60 --timeout 120 -- "${MEMCHECK[@]}"
memcheck_complete "$dir"
mine=$(memcheck_ours "$dir")
[[ -z "$mine" ]] || pf_fail "memcheck errors in pcapflow.so: $mine (see $dir/vg.log)"
pf_pass "$LIFE_SUMMARY; no leak or memcheck error through pcapflow.so (whole process at exit: $(memcheck_totals "$dir"))"
