/* hll.h - distinct counts in fixed memory (HyperLogLog, 4096 registers).
 *
 * Standard error 1.04 / sqrt(4096) = 1.6 %; below 10,240 distinct values
 * linear counting takes over and is near exact for small sets. Merging two
 * sketches (shards) is a register-wise maximum. Not thread-safe. */
#ifndef PCAPFLOW_HLL_H
#define PCAPFLOW_HLL_H

#include <stdint.h>

#define PF_HLL_BITS 12
#define PF_HLL_REGISTERS (1u << PF_HLL_BITS)

struct pf_hll {
  uint8_t reg[PF_HLL_REGISTERS];
};

void pf_hll_reset(struct pf_hll *h);
/* Adds a value by its 64-bit hash (pf_hash_bytes). */
void pf_hll_add(struct pf_hll *h, uint64_t hash);
void pf_hll_merge(struct pf_hll *dst, const struct pf_hll *src);
double pf_hll_estimate(const struct pf_hll *h);

#endif
