/* flow_key.c - the canonical, direction-free key of a packet's flow. */
#include "flow/flow.h"

#include <stddef.h>
#include <string.h>

#include "packet/wire.h"

/* ICMP echo request/reply carry an identifier that pairs them: use it as
 * both ports, so a ping and its answer are one flow. */
static bool pf_icmp_echo_id(const struct pf_packet *pkt, uint16_t *id) {
  struct pf_bytes l4 = pf_packet_l4(pkt);
  const struct pf_wire_icmp *h;
  if (!pf_get_hdr(&l4, 0, &h))
    return false;
  uint8_t type = h->type;
  bool echo = pkt->l4 == PF_L4_ICMP
                  ? (type == PF_ICMP_ECHO_REQUEST || type == PF_ICMP_ECHO_REPLY)
              : pkt->l4 == PF_L4_ICMPV6 ? (type == PF_ICMPV6_ECHO_REQUEST ||
                                           type == PF_ICMPV6_ECHO_REPLY)
                                        : false;
  return echo && pf_get_u16(&l4, offsetof(struct pf_wire_icmp_echo, id), id);
}

/* memcmp's order of two IPv4 (words 1) or IPv6 (words 2) addresses, read
 * as big-endian words: no call, no byte loop. */
static inline int pf_addr_order(const uint8_t *a, const uint8_t *b, int words) {
  if (words == 1) {
    uint32_t x, y;
    memcpy(&x, a, 4);
    memcpy(&y, b, 4);
    x = __builtin_bswap32(x);
    y = __builtin_bswap32(y);
    return (x > y) - (x < y);
  }
  for (int i = 0; i < 2; i++) {
    uint64_t x, y;
    memcpy(&x, a + 8 * i, 8);
    memcpy(&y, b + 8 * i, 8);
    x = __builtin_bswap64(x);
    y = __builtin_bswap64(y);
    if (x != y)
      return x > y ? 1 : -1;
  }
  return 0;
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

  /* Fixed-size compares and copies: inlined, not calls over a length. */
  int order = alen == 4 ? pf_addr_order(pkt->src_ip, pkt->dst_ip, 1)
                        : pf_addr_order(pkt->src_ip, pkt->dst_ip, 2);
  if (order == 0)
    order = (int)sport - (int)dport;
  uint8_t s = order <= 0 ? 0 : 1;

  if (alen == 4) {
    memcpy(key->addr[s], pkt->src_ip, 4);
    memcpy(key->addr[1 - s], pkt->dst_ip, 4);
  } else {
    memcpy(key->addr[s], pkt->src_ip, 16);
    memcpy(key->addr[1 - s], pkt->dst_ip, 16);
  }
  key->port[s] = sport;
  key->port[1 - s] = dport;
  key->vlan_outer = pkt->vlan_outer;
  key->vlan_inner = pkt->vlan_inner;
  key->proto = pkt->ip_proto;
  key->family = pkt->l3 == PF_L3_IPV4 ? 4 : 6;
  *side = s;
  return true;
}
