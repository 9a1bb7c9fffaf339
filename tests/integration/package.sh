# package.sh - what the package tests share: enabling pcapflow.conf the way
# the file itself tells an operator to. Source after lib.sh.

# pf_enable_conf FILE SOURCE : prints FILE (the shipped, commented-out
# pcapflow.conf) enabled as its comments say: the Include line uncommented,
# one '#' taken off each line of the <Plugin pcapflow> block, its example
# `LocalNetwork "198.18.0.0/15"` uncommented and `Interface "eth0"` replaced
# by SOURCE (e.g. `Interface "veth0"` or `File "/x.pcap"`).
pf_enable_conf() {
  sed -E -e '/^#Include "\/usr\/share\/collectd-pcapflow\//s/^#//' \
    -e '/^#<Plugin pcapflow>/,/^#<\/Plugin>/s/^#//' \
    -e 's/^  #(LocalNetwork "198\.18\.0\.0\/15")$/  \1/' \
    -e "s|^  Interface \"eth0\"$|  $2|" "$1"
}
