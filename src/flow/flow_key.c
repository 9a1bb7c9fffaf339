/* flow_key.c - the canonical, direction-free key of a packet's flow: the
 * wide form (struct pf_flow_key) and the compact forms the table hashes and
 * stores (struct pf_key4, pf_key6). */
#include "flow/flow.h"

#include <stddef.h>
#include <string.h>

#include "base/check.h"
#include "base/hash.h"

#include "packet/wire.h"

/* ICMP echo request/reply carry an identifier that pairs them: use it as
 * both ports, so a ping and its answer are one flow. */
__attribute__((noinline, cold)) static bool
pf_icmp_echo_id(const struct pf_packet *pkt, uint16_t *id) {
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

/* The ports of a packet as one word, the bytes of uint16_t[2] {source,
 * destination} (the packet's and the key's own layout), so that they are
 * read and written with one load and one store, and swapped with one
 * rotation. */
PF_STATIC_ASSERT(offsetof(struct pf_packet, dst_port) ==
                         offsetof(struct pf_packet, src_port) + 2 &&
                     offsetof(struct pf_packet, vlan_inner) ==
                         offsetof(struct pf_packet, vlan_outer) + 2,
                 "ports and VLAN ids side by side, as in the key");

static inline uint32_t pf_ports_swap(uint32_t ports) {
  return ports >> 16 | ports << 16;
}

static inline bool pf_ports_descend(uint32_t ports) {
  uint16_t p[2];
  memcpy(p, &ports, 4);
  return p[0] > p[1];
}

/* The sender's side: 1 when the source endpoint sorts above the
 * destination (address as memcmp orders it, then port), else 0. Equal
 * endpoints (a host talking to itself on one port) are side 0. */
static inline uint8_t pf_side_of(const struct pf_packet *pkt, uint32_t ports) {
  /* Addresses read as big-endian numbers compare in memcmp's order: a
   * load and a byte swap each, no call, no byte loop. */
  if (pkt->l3 == PF_L3_IPV4) {
    uint32_t s = pf_be32(pkt->src_ip), d = pf_be32(pkt->dst_ip);
    if (s != d)
      return s > d;
  } else {
    uint64_t s = pf_be64(pkt->src_ip), d = pf_be64(pkt->dst_ip);
    if (s == d) {
      s = pf_be64(pkt->src_ip + 8);
      d = pf_be64(pkt->dst_ip + 8);
    }
    if (s != d)
      return s > d;
  }
  return pf_ports_descend(ports);
}

/* What both key forms take from an IPv4/IPv6 packet: its ports (or the
 * echo identifier as both), and which side the sender is. */
struct pf_endpoints {
  uint32_t ports; /* uint16_t[2] {source, destination} */
  uint8_t echo, side;
};

/* Inlined: the probe runs it once a packet. */
static inline __attribute__((always_inline)) struct pf_endpoints
pf_endpoints_of(const struct pf_packet *pkt) {
  struct pf_endpoints e = {0};
  uint16_t id;
  if (pkt->has_ports) {
    memcpy(&e.ports, &pkt->src_port, 4); /* both ports in one load */
  } else if (pf_icmp_echo_id(pkt, &id)) {
    e.ports = id | (uint32_t)id << 16; /* either way the same */
    e.echo = 1; /* identifier 0 must not look like an ICMP error flow */
  }
  e.side = pf_side_of(pkt, e.ports);
  return e;
}

bool pf_flow_key_of(const struct pf_packet *pkt, struct pf_flow_key *key,
                    uint8_t *side) {
  if (pkt->l3 != PF_L3_IPV4 && pkt->l3 != PF_L3_IPV6)
    return false;
  struct pf_endpoints e = pf_endpoints_of(pkt);
  uint8_t s = e.side;
  size_t alen = pkt->l3 == PF_L3_IPV4 ? 4 : 16;
  uint32_t ports = s ? pf_ports_swap(e.ports) : e.ports;
  memset(key, 0, sizeof(*key));
  memcpy(key->addr[s], pkt->src_ip, alen);
  memcpy(key->addr[1 - s], pkt->dst_ip, alen);
  memcpy(key->port, &ports, 4);
  key->vlan_outer = pkt->vlan_outer;
  key->vlan_inner = pkt->vlan_inner;
  key->proto = pkt->ip_proto;
  key->family = pkt->l3 == PF_L3_IPV4 ? 4 : 6;
  key->echo = e.echo;
  *side = s;
  return true;
}

/* ---- the compact keys ---- */

/* The fields before the addresses, the same in both compact keys: ports
 * as the endpoints' order puts them (port[0] in the low half). */
static inline void pf_key_head(struct pf_key4 *k, uint8_t proto, uint8_t echo,
                               uint32_t ports, const uint16_t *vlans) {
  k->proto = proto;
  k->echo = echo;
  memcpy(k->port, &ports, 4);
  memcpy(k->vlan, vlans, 4); /* outer, inner */
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

/* The compact key is written once, in its canonical order: the side is
 * decided from the packet's own fields first, and each endpoint is then
 * chosen by a select on it, never written and then reordered.
 * always_inline: inlined (link-time optimisation) into both of the
 * capture's per-packet paths (capture.c, pf_capture_frame); with two
 * callers it would be kept out of line. */
__attribute__((always_inline)) inline void
pf_flow_table_probe(const struct pf_flow_table *t, const struct pf_packet *pkt,
                    struct pf_flow_probe *p) {
  if (pkt->l3 != PF_L3_IPV4 && pkt->l3 != PF_L3_IPV6) {
    p->family = 0;
    return;
  }
  struct pf_endpoints e = pf_endpoints_of(pkt);
  uint8_t s = e.side;
  const uint8_t *lo = s ? pkt->dst_ip : pkt->src_ip;
  const uint8_t *hi = s ? pkt->src_ip : pkt->dst_ip;
  pf_key_head(&p->key.k4, pkt->ip_proto, e.echo,
              s ? pf_ports_swap(e.ports) : e.ports, &pkt->vlan_outer);
  if (pkt->l3 == PF_L3_IPV4) {
    memcpy(p->key.k4.addr[0], lo, 4);
    memcpy(p->key.k4.addr[1], hi, 4);
    p->family = 4;
    p->hash = pf_hash_inline(t->seed, &p->key.k4, 18);
  } else {
    memcpy(p->key.k6.addr[0], lo, 16);
    memcpy(p->key.k6.addr[1], hi, 16);
    p->family = 6;
    p->hash = pf_hash_inline(t->seed, &p->key.k6, 42);
  }
  p->side = s;
  __builtin_prefetch(&t->buckets.head[pf_buckets_of(&t->buckets, p->hash)]);
}

void pf_flow_probe_of_key(const struct pf_flow_table *t,
                          const struct pf_flow_key *key,
                          struct pf_flow_probe *p) {
  memset(p, 0, sizeof(*p));
  uint32_t ports;
  memcpy(&ports, key->port, 4);
  pf_key_head(&p->key.k4, key->proto, key->echo, ports, &key->vlan_outer);
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
