/* gen_coverage_encap.c - the VLAN, MPLS and PPPoE layers of the coverage
 * scenario, and the packets sent through each. */
#include "gen_coverage.h"

/* VLAN, MPLS and PPPoE layers; the well-formed ones. Other cases take some of
 * them by index (see gen_coverage.h): append, do not reorder. */
/* clang-format off */
const struct encap gen_encaps[] = {
  {.name = "vlan", .ntags = 1, .tpid = {ETH_VLAN}},
  {.name = "qinq", .ntags = 2, .tpid = {ETH_QINQ, ETH_VLAN}},
  {.name = "vlan9100", .ntags = 1, .tpid = {ETH_VLAN_OLD}},
  {.name = "vlan9100_8100", .ntags = 2, .tpid = {ETH_VLAN_OLD, ETH_VLAN}},
  {.name = "vlan8",
   .ntags = 8,
   .tpid = {ETH_QINQ, ETH_VLAN, ETH_VLAN_OLD, ETH_VLAN, ETH_VLAN, ETH_VLAN, ETH_VLAN, ETH_VLAN}},
  {.name = "mpls1", .nlabels = 1, .mpls_type = ETH_MPLS},
  {.name = "mpls2", .nlabels = 2, .mpls_type = ETH_MPLS},
  {.name = "mpls3", .nlabels = 3, .mpls_type = ETH_MPLS},
  {.name = "mpls1_mcast", .nlabels = 1, .mpls_type = ETH_MPLS_MC},
  {.name = "mpls16", .nlabels = 16, .mpls_type = ETH_MPLS},
  {.name = "vlan_mpls2", .ntags = 1, .tpid = {ETH_VLAN}, .nlabels = 2, .mpls_type = ETH_MPLS},
  {.name = "pppoe", .pppoe = true},
  {.name = "vlan_pppoe", .ntags = 1, .tpid = {ETH_VLAN}, .pppoe = true},
};
/* clang-format on */

static bool encap_allowed(const struct gen *g, const struct encap *e) {
  if (e->ntags == 0 && e->nlabels == 0 && !e->pppoe)
    return true;
  /* live: a veth with VLAN offload may move tags out of the frame */
  return gen_link_has_ethertype(g) && !(g->live && e->ntags > 0);
}

/* What goes through every VLAN/MPLS/PPPoE encapsulation. */
/* clang-format off */
static const struct named_spec encap_cases[] = {
  {"tcp_data", {.ver = 4, .proto = 6, .tcp_flags = TCP_PSH | TCP_ACK, .tcp_opts = 12, .payload = 1, .payload_max = 1400}, 4},
  {"tcp_syn", {.ver = 6, .proto = 6, .tcp_flags = TCP_SYN, .tcp_opts = 20}, 6},
  {"udp", {.ver = 4, .proto = 17, .payload_max = 500}, 4},
  {"udp", {.ver = 6, .proto = 17, .payload_max = 500}, 6},
  {"icmp", {.ver = 4, .proto = 1, .payload = 56}, 4},
  {"icmpv6", {.ver = 6, .proto = 58, .payload = 56}, 6},
  {"v4frag_last_udp", {.ver = 4, .proto = 17, .frag = FR_LAST, .payload = 1, .payload_max = 600}, 4},
  {"v6ext_hbh_rst", {.ver = 6, .proto = 6, .tcp_flags = TCP_RST, .n_ext = 1, .ext = {0}}, 6},
};
/* clang-format on */

void gen_cover_encaps(struct gen *g) {
  for (size_t i = 0; i < sizeof gen_encaps / sizeof gen_encaps[0]; i++) {
    const struct encap *e = &gen_encaps[i];

    if (!encap_allowed(g, e) || !gen_link_has_ethertype(g))
      continue;
    for (size_t c = 0; c < sizeof encap_cases / sizeof encap_cases[0]; c++)
      gen_ip_all_dirs(g, e, encap_cases[c].s, encap_cases[c].name, 1);
    for (int rep = 0; rep < 2; rep++)
      gen_cover_non_ip_encap(g, e);
  }
}
