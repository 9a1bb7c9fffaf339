/* hll.c - HyperLogLog with the small-range (linear counting) correction. */
#include "pcapflow/hll.h"

#include <math.h>
#include <string.h>

void pf_hll_reset(struct pf_hll *h) { memset(h->reg, 0, sizeof(h->reg)); }

void pf_hll_add(struct pf_hll *h, uint64_t hash) {
  uint32_t idx = (uint32_t)(hash >> (64 - PF_HLL_BITS));
  /* The guard bit bounds the rank at 64 - PF_HLL_BITS + 1. */
  uint64_t rest = (hash << PF_HLL_BITS) | (1ULL << (PF_HLL_BITS - 1));
  uint8_t rank = (uint8_t)(__builtin_clzll(rest) + 1);
  if (rank > h->reg[idx])
    h->reg[idx] = rank;
}

void pf_hll_merge(struct pf_hll *dst, const struct pf_hll *src) {
  for (uint32_t i = 0; i < PF_HLL_REGISTERS; i++)
    if (src->reg[i] > dst->reg[i])
      dst->reg[i] = src->reg[i];
}

double pf_hll_estimate(const struct pf_hll *h) {
  const double m = PF_HLL_REGISTERS;
  const double alpha = 0.7213 / (1.0 + 1.079 / m);
  double sum = 0;
  unsigned zeros = 0;
  for (uint32_t i = 0; i < PF_HLL_REGISTERS; i++) {
    sum += ldexp(1.0, -h->reg[i]);
    zeros += h->reg[i] == 0;
  }
  double raw = alpha * m * m / sum;
  if (raw <= 2.5 * m && zeros > 0)
    return m * log(m / zeros); /* linear counting */
  return raw;
}
