/* localnet_in.h - is an address local: the lookups of localnet.c, inline,
 * because the packet path asks twice a packet (direction.c) and a call
 * across files costs as much as the few networks' comparisons. */
#ifndef PCAPFLOW_LOCALNET_IN_H
#define PCAPFLOW_LOCALNET_IN_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "base/ptrie.h"
#include "pcapflow/localnet.h"

/* The trie's entries: 0 not local, PF_LOCALNET_IN local (or a child node). */
#define PF_LOCALNET_IN 1u

static inline uint32_t pf_localnet_load32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, sizeof(v));
  return __builtin_bswap32(v); /* network byte order: high bits first */
}

static inline uint64_t pf_localnet_load64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, sizeof(v));
  return __builtin_bswap64(v);
}

static inline bool pf_localnet_in4(const struct pf_localnet *set,
                                   const uint8_t addr[4]) {
  uint32_t a = pf_localnet_load32(addr);
  /* One network (an interface's own, the default on a host with one
   * address): one compare, no loop. */
  if (set->n4 == 1)
    return (a & set->few4[0].mask) == set->few4[0].net;
  if (set->n4 <= PF_LOCALNET_FEW) {
    for (size_t i = 0; i < set->n4; i++)
      if ((a & set->few4[i].mask) == set->few4[i].net)
        return true;
    return false;
  }
  return pf_ptrie_walk64(set->v4, PF_PTRIE_CHILD, (uint64_t)a << 32) ==
         PF_LOCALNET_IN;
}

static inline bool pf_localnet_in6(const struct pf_localnet *set,
                                   const uint8_t addr[16]) {
  uint64_t hi = pf_localnet_load64(addr), lo = pf_localnet_load64(addr + 8);
  if (set->n6 == 1)
    return (hi & set->few6[0].mask[0]) == set->few6[0].net[0] &&
           (lo & set->few6[0].mask[1]) == set->few6[0].net[1];
  if (set->n6 <= PF_LOCALNET_FEW) {
    for (size_t i = 0; i < set->n6; i++)
      if ((hi & set->few6[i].mask[0]) == set->few6[i].net[0] &&
          (lo & set->few6[i].mask[1]) == set->few6[i].net[1])
        return true;
    return false;
  }
  uint32_t entry = pf_ptrie_walk64(set->v6, PF_PTRIE_CHILD, hi);
  return pf_ptrie_walk64(set->v6, entry, lo) == PF_LOCALNET_IN;
}

#endif
