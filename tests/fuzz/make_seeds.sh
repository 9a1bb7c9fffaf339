#!/usr/bin/env bash
# make_seeds.sh - rebuilds tests/fuzz/corpus/frames: every frame of the
# generator's coverage captures of each link type (and the first frames of
# each together), and of the tcp scenario (its first frames are complete
# handshakes, for the per-class handshake latency), reduced by libFuzzer to
# the inputs that add coverage; then the hand-built hostile-* seeds at the
# decoder's edges (seed_hostile.c), kept whole whatever coverage they add.
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/all"
for lt in ethernet sll sll2 raw null loop; do
  build/pcapflow-gen --scenario coverage --linktype "$lt" --seed 3 --out "$tmp/$lt.pcap"
  build/fuzz/seed_frames "$tmp/$lt.pcap" "$tmp/all" "$lt"
done
build/pcapflow-gen --scenario tcp --seed 3 --out "$tmp/tcp.pcap"
build/fuzz/seed_frames "$tmp/tcp.pcap" "$tmp/all" tcp
rm -rf tests/fuzz/corpus/frames
mkdir -p tests/fuzz/corpus/frames
build/fuzz/fuzz_frames -merge=1 -max_len=16384 tests/fuzz/corpus/frames "$tmp/all" 2>"$tmp/merge.log" ||
  { tail -n 20 "$tmp/merge.log" >&2; exit 1; }
reduced=$(ls tests/fuzz/corpus/frames | wc -l)
build/fuzz/seed_frames --hostile tests/fuzz/corpus/frames
echo "seeds: $(ls "$tmp/all" | wc -l) frames reduced to $reduced inputs, and $(ls tests/fuzz/corpus/frames | grep -c '^hostile-') hostile ones"
