/* hll.c - HyperLogLog with Ertl's improved estimator ("New cardinality
 * estimation algorithms for HyperLogLog sketches", 2017): it is unbiased
 * from empty to very large sets, where the classic estimator needs a switch
 * to linear counting and is biased around that switch. */
#include "sketch/hll.h"

#include <math.h>
#include <string.h>

#include "base/check.h"

PF_STATIC_ASSERT(PF_HLL_REGISTERS == 1u << PF_HLL_BITS,
                 "one register per index");

/* Register values run from 0 to Q + 1. */
#define PF_HLL_Q (64 - PF_HLL_BITS)

void pf_hll_reset(struct pf_hll *h) { memset(h->reg, 0, sizeof(h->reg)); }

void pf_hll_merge(struct pf_hll *dst, const struct pf_hll *src) {
  for (uint32_t i = 0; i < PF_HLL_REGISTERS; i++)
    if (src->reg[i] > dst->reg[i])
      dst->reg[i] = src->reg[i];
}

/* sigma(x) = x + sum_k x^(2^k) 2^(k-1), for the registers still at 0. */
static double pf_hll_sigma(double x) {
  if (x == 1.0)
    return INFINITY;
  double y = 1.0, z = x, prev;
  do {
    x *= x;
    prev = z;
    z += x * y;
    y += y;
  } while (z != prev);
  return z;
}

/* tau(x), for the registers at their maximum value. */
static double pf_hll_tau(double x) {
  if (x == 0.0 || x == 1.0)
    return 0.0;
  double y = 1.0, z = 1.0 - x, prev;
  do {
    x = sqrt(x);
    prev = z;
    y *= 0.5;
    z -= (1.0 - x) * (1.0 - x) * y;
  } while (z != prev);
  return z / 3.0;
}

double pf_hll_estimate(const struct pf_hll *h) {
  const double m = PF_HLL_REGISTERS;
  unsigned count[PF_HLL_Q + 2] = {0};
  for (uint32_t i = 0; i < PF_HLL_REGISTERS; i++)
    count[h->reg[i]]++;
  if (count[0] == PF_HLL_REGISTERS)
    return 0.0;

  double z = m * pf_hll_tau(1.0 - count[PF_HLL_Q + 1] / m);
  for (int k = PF_HLL_Q; k >= 1; k--)
    z = 0.5 * (z + count[k]);
  z += m * pf_hll_sigma(count[0] / m);
  return m * m / (2.0 * log(2.0)) / z;
}
