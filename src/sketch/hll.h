/* hll.h - distinct counts in fixed memory (HyperLogLog, 4096 registers).
 *
 * Standard error 1.04 / sqrt(4096) = 1.6 %; below 10,240 distinct values
 * linear counting takes over and is near exact for small sets. Merging two
 * sketches (shards) is a register-wise maximum. Not thread-safe. */
#ifndef PCAPFLOW_HLL_H
#define PCAPFLOW_HLL_H

#include <stdint.h>

#include "base/check.h"

#define PF_HLL_BITS 12
#define PF_HLL_REGISTERS (1u << PF_HLL_BITS)

struct pf_hll {
  uint8_t reg[PF_HLL_REGISTERS];
};

void pf_hll_reset(struct pf_hll *h);
/* Adds a value by its 64-bit hash (pf_hash_bytes): its top bits pick the
 * register, the rank of the rest is the first set bit's place. Inline: a
 * flood's feed adds three values a flow, and the call cost as much as the
 * add. */
static inline void pf_hll_add(struct pf_hll *h, uint64_t hash) {
  uint32_t idx = (uint32_t)(hash >> (64 - PF_HLL_BITS));
  /* The guard bit bounds the rank at 64 - PF_HLL_BITS + 1. */
  uint64_t rest = (hash << PF_HLL_BITS) | (1ULL << (PF_HLL_BITS - 1));
  uint8_t rank = (uint8_t)(__builtin_clzll(rest) + 1);
  PF_ASSERT(idx < PF_HLL_REGISTERS && rank <= 64 - PF_HLL_BITS + 1);
  if (rank > h->reg[idx])
    h->reg[idx] = rank;
}
void pf_hll_merge(struct pf_hll *dst, const struct pf_hll *src);
double pf_hll_estimate(const struct pf_hll *h);

#endif
