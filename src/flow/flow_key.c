/* flow_key.c - the canonical, direction-free key of a packet's flow: the
 * wide form (struct pf_flow_key) and the compact forms the table hashes and
 * stores (struct pf_key4, pf_key6). */
#include "flow/flow.h"

#include <stddef.h>
#include <string.h>

#include "base/hash.h"

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

/* The fields both forms share: ports (or the echo identifier), and which
 * side the sender is. Returns false for packets without a flow. */
struct pf_endpoints {
  uint16_t sport, dport;
  uint8_t echo, side, alen;
};

/* Inlined: the probe runs it once a packet. */
static inline __attribute__((always_inline)) bool
pf_endpoints_of(const struct pf_packet *pkt, struct pf_endpoints *e) {
  if (pkt->l3 != PF_L3_IPV4 && pkt->l3 != PF_L3_IPV6)
    return false;
  uint16_t id;
  e->sport = e->dport = 0;
  e->echo = 0;
  e->alen = pkt->l3 == PF_L3_IPV4 ? 4 : 16;
  if (pkt->has_ports) {
    e->sport = pkt->src_port;
    e->dport = pkt->dst_port;
  } else if (pf_icmp_echo_id(pkt, &id)) {
    e->sport = e->dport = id;
    e->echo = 1; /* identifier 0 must not look like an ICMP error flow */
  }
  /* Fixed-size compares: inlined, not calls over a length. */
  int order = e->alen == 4 ? pf_addr_order(pkt->src_ip, pkt->dst_ip, 1)
                           : pf_addr_order(pkt->src_ip, pkt->dst_ip, 2);
  if (order == 0)
    order = (int)e->sport - (int)e->dport;
  e->side = order <= 0 ? 0 : 1;
  return true;
}

bool pf_flow_key_of(const struct pf_packet *pkt, struct pf_flow_key *key,
                    uint8_t *side) {
  struct pf_endpoints e;
  if (!pf_endpoints_of(pkt, &e))
    return false;
  memset(key, 0, sizeof(*key));
  uint8_t s = e.side;
  if (e.alen == 4) {
    memcpy(key->addr[s], pkt->src_ip, 4);
    memcpy(key->addr[1 - s], pkt->dst_ip, 4);
  } else {
    memcpy(key->addr[s], pkt->src_ip, 16);
    memcpy(key->addr[1 - s], pkt->dst_ip, 16);
  }
  key->port[s] = e.sport;
  key->port[1 - s] = e.dport;
  key->vlan_outer = pkt->vlan_outer;
  key->vlan_inner = pkt->vlan_inner;
  key->proto = pkt->ip_proto;
  key->family = e.alen == 4 ? 4 : 6;
  key->echo = e.echo;
  *side = s;
  return true;
}

/* ---- the compact keys ---- */

/* The fields before the addresses, the same in both compact keys. */
static void pf_key_head(struct pf_key4 *k, uint8_t proto, uint8_t echo,
                        const uint16_t port[2], uint16_t outer,
                        uint16_t inner) {
  k->proto = proto;
  k->echo = echo;
  k->port[0] = port[0];
  k->port[1] = port[1];
  k->vlan[0] = outer;
  k->vlan[1] = inner;
}

_Static_assert(offsetof(struct pf_key4, addr) == offsetof(struct pf_key6, addr),
               "the compact keys share their head");
_Static_assert(sizeof(struct pf_key4) == 18 && sizeof(struct pf_key6) == 42,
               "compact keys");

static uint64_t pf_probe_hash(const struct pf_flow_table *t,
                              const struct pf_flow_probe *p) {
  return p->family == 4 ? pf_hash_inline(t->seed, &p->key.k4, 18)
                        : pf_hash_inline(t->seed, &p->key.k6, 42);
}

void pf_flow_table_probe(const struct pf_flow_table *t,
                         const struct pf_packet *pkt, struct pf_flow_probe *p) {
  struct pf_endpoints e;
  if (!pf_endpoints_of(pkt, &e)) {
    p->family = 0;
    return;
  }
  uint8_t s = e.side;
  /* Both endpoints by selects, not by stores indexed with s: the key is
   * built in registers (7-17 instructions a frame fewer). */
  uint16_t port[2] = {s ? e.dport : e.sport, s ? e.sport : e.dport};
  pf_key_head(&p->key.k4, pkt->ip_proto, e.echo, port, pkt->vlan_outer,
              pkt->vlan_inner);
  if (e.alen == 4) {
    memcpy(p->key.k4.addr[0], s ? pkt->dst_ip : pkt->src_ip, 4);
    memcpy(p->key.k4.addr[1], s ? pkt->src_ip : pkt->dst_ip, 4);
  } else {
    memcpy(p->key.k6.addr[0], s ? pkt->dst_ip : pkt->src_ip, 16);
    memcpy(p->key.k6.addr[1], s ? pkt->src_ip : pkt->dst_ip, 16);
  }
  p->family = e.alen == 4 ? 4 : 6;
  p->side = s;
  p->hash = pf_probe_hash(t, p);
  __builtin_prefetch(&t->buckets.head[pf_buckets_of(&t->buckets, p->hash)]);
}

void pf_flow_probe_of_key(const struct pf_flow_table *t,
                          const struct pf_flow_key *key,
                          struct pf_flow_probe *p) {
  memset(p, 0, sizeof(*p));
  pf_key_head(&p->key.k4, key->proto, key->echo, key->port, key->vlan_outer,
              key->vlan_inner);
  p->family = key->family == 4 ? 4 : 6;
  if (p->family == 4) {
    memcpy(p->key.k4.addr[0], key->addr[0], 4);
    memcpy(p->key.k4.addr[1], key->addr[1], 4);
  } else {
    memcpy(p->key.k6.addr, key->addr, 32);
  }
  p->hash = pf_probe_hash(t, p);
}

void pf_flow_wide_key(const struct pf_flow *f, struct pf_flow_key *key) {
  const struct pf_key4 *k = (const struct pf_key4 *)(f + 1);
  memset(key, 0, sizeof(*key));
  key->proto = k->proto;
  key->echo = k->echo;
  key->port[0] = k->port[0];
  key->port[1] = k->port[1];
  key->vlan_outer = k->vlan[0];
  key->vlan_inner = k->vlan[1];
  if (pf_flow_is_v6(f)) {
    memcpy(key->addr, ((const struct pf_key6 *)k)->addr, 32);
    key->family = 6;
  } else {
    memcpy(key->addr[0], k->addr[0], 4);
    memcpy(key->addr[1], k->addr[1], 4);
    key->family = 4;
  }
}
