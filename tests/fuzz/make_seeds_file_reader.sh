#!/usr/bin/env bash
# make_seeds_file_reader.sh - rebuilds tests/fuzz/corpus/file_reader: the
# first 4 KiB of the generator's coverage capture of each link type (and a
# pcapng one), and hand-made classic files at the reader's edges: each magic
# in each byte order, version 2.2 and 2.3 lengths, a snapshot of 0 and one
# shorter than a record, a caplen past the maximum, records cut in their
# header and their data, a header alone, a patched-format magic. Each seed
# is one byte choosing how it is read (fuzz_file_reader.c) and the file.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=tests/fuzz/corpus/file_reader
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -rf "$out"
mkdir -p "$out"

pack() { perl -e 'print pack($ARGV[0], $ARGV[1])' "$1" "$(($2))"; }
# seed NAME HOW FILE: the byte HOW (two hex digits), then FILE.
seed() { { pack C "0x$2"; cat "$3"; } >"$out/$1"; }

for lt in ethernet sll sll2 raw null loop; do
  build/pcapflow-gen --scenario coverage --linktype "$lt" --seed 3 --out "$tmp/$lt.pcap"
  head -c 4096 "$tmp/$lt.pcap" >"$tmp/$lt.head"
  seed "gen-$lt" 00 "$tmp/$lt.head"
done
seed gen-ethernet-filtered 9e "$tmp/ethernet.head" # udp, batches of 7, no break, refill 16
build/pcapflow-gen --scenario coverage --format pcapng --seed 3 --out "$tmp/ng.pcapng"
head -c 2048 "$tmp/ng.pcapng" >"$tmp/ng.head"
seed gen-pcapng 00 "$tmp/ng.head"

# le32/le16/be32/be16 VALUE: the value's bytes in that order.
le32() { pack V "$1"; }
be32() { pack N "$1"; }
le16() { pack v "$1"; }
be16() { pack n "$1"; }
# header ORDER MAGIC MAJOR MINOR SNAPLEN LINKTYPE
header() { "${1}32" "$2"; "${1}16" "$3"; "${1}16" "$4"; "${1}32" 0; "${1}32" 0; "${1}32" "$5"; "${1}32" "$6"; }
# record ORDER SEC USEC CAPLEN LEN BYTES: a header, then BYTES bytes of data.
record() { "${1}32" "$2"; "${1}32" "$3"; "${1}32" "$4"; "${1}32" "$5"; head -c "$6" /dev/zero | tr '\0' 'E'; }

craft() { # NAME HOW ORDER MAGIC MAJOR MINOR SNAPLEN LINKTYPE, records on stdin as lines
  local name=$1 how=$2 o=$3
  {
    header "$o" "$4" "$5" "$6" "$7" "$8"
    while read -r sec usec cap len bytes; do record "$o" "$sec" "$usec" "$cap" "$len" "$bytes"; done
  } >"$tmp/$name"
  seed "$name" "$how" "$tmp/$name"
}
recs='1700000000 999999999 60 64 60
4294967295 123 20 20 20
1 2147483648 0 4 0'
for o in le be; do
  craft "us-$o" 01 "$o" 0xa1b2c3d4 2 4 65535 1 <<<"$recs"
  craft "ns-$o" 05 "$o" 0xa1b23c4d 2 4 65535 1 <<<"$recs"
  craft "v22-$o" 02 "$o" 0xa1b2c3d4 2 2 65535 1 <<<'1 0 80 60 60
2 0 90 90 90'
  craft "v23-$o" 03 "$o" 0xa1b2c3d4 2 3 65535 1 <<<'1 0 80 60 60
2 0 60 80 60'
  craft "snap0-$o" 20 "$o" 0xa1b2c3d4 2 4 0 101 <<<'1 0 70 70 70'
  craft "snap50-$o" 31 "$o" 0xa1b2c3d4 2 4 50 1 <<<'1 0 70 70 70
2 0 200 200 120'
  craft "caplen-max-$o" 00 "$o" 0xa1b2c3d4 2 4 65535 1 <<<'1 0 262145 262145 10'
  craft "cut-data-$o" 00 "$o" 0xa1b2c3d4 2 4 65535 0 <<<'1 0 100 100 99'
  craft "header-only-$o" 00 "$o" 0xa1b2c3d4 2 4 65535 113 </dev/null
done
craft patched 00 le 0xa1b2cd34 2 4 65535 1 <<<"$recs"
{ cat "$tmp/us-le"; printf '\x01\x02\x03\x04\x05'; } >"$tmp/cut-header"
seed cut-header 00 "$tmp/cut-header"
echo "seeds: $(ls "$out" | wc -l) in $out"
