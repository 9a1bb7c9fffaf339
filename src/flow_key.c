/* flow_key.c - the canonical, direction-free key of a packet's flow. */
#include "pcapflow/flow.h"

#include <string.h>

/* ICMP echo request/reply carry an identifier that pairs them: use it as
 * both ports, so a ping and its answer are one flow. */
static bool pf_icmp_echo_id(const struct pf_packet *pkt, uint16_t *id) {
  if (!pkt->l4_hdr || pkt->l4_len < 6)
    return false;
  uint8_t type = pkt->l4_hdr[0];
  bool echo = pkt->l4 == PF_L4_ICMP ? (type == 8 || type == 0)
              : pkt->l4 == PF_L4_ICMPV6 ? (type == 128 || type == 129)
                                        : false;
  if (!echo)
    return false;
  *id = (uint16_t)(pkt->l4_hdr[4] << 8 | pkt->l4_hdr[5]);
  return true;
}

bool pf_flow_key_of(const struct pf_packet *pkt, struct pf_flow_key *key,
                    uint8_t *side) {
  if (pkt->l3 != PF_L3_IPV4 && pkt->l3 != PF_L3_IPV6)
    return false;

  memset(key, 0, sizeof(*key));
  size_t alen = pkt->l3 == PF_L3_IPV4 ? 4 : 16;
  uint16_t sport = 0, dport = 0, id;
  if (pkt->has_ports) {
    sport = pkt->src_port;
    dport = pkt->dst_port;
  } else if (pf_icmp_echo_id(pkt, &id)) {
    sport = dport = id;
    key->echo = 1; /* identifier 0 must not look like an ICMP error flow */
  }

  int order = memcmp(pkt->src_ip, pkt->dst_ip, alen);
  if (order == 0)
    order = (int)sport - (int)dport;
  uint8_t s = order <= 0 ? 0 : 1;

  memcpy(key->addr[s], pkt->src_ip, alen);
  memcpy(key->addr[1 - s], pkt->dst_ip, alen);
  key->port[s] = sport;
  key->port[1 - s] = dport;
  key->vlan_outer = pkt->vlan_outer;
  key->vlan_inner = pkt->vlan_inner;
  key->proto = pkt->ip_proto;
  key->family = pkt->l3 == PF_L3_IPV4 ? 4 : 6;
  *side = s;
  return true;
}
