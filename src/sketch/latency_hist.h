/* latency_hist.h - a fixed-memory log-linear histogram of durations in
 * microseconds, for per-interval percentiles.
 *
 * Values below 2^PF_HIST_SUB_BITS us have a bucket each (exact). Above,
 * every power of two is cut into 2^PF_HIST_SUB_BITS equal buckets, so a
 * bucket is at most 1/32 of its lower bound wide; a percentile is reported
 * as its bucket's midpoint, which is within 1/64 (1.6%) of the exact value.
 * Values from 2^PF_HIST_MAX_EXP us (about 19 hours) on share the last
 * bucket; max is kept exactly. Adding is O(1) and touches the sample's
 * bucket alone (and max); the count is the buckets' sum, and percentiles
 * walk the PF_HIST_BUCKETS buckets twice (count, then ranks). */
#ifndef PCAPFLOW_LATENCY_HIST_H
#define PCAPFLOW_LATENCY_HIST_H

#include <stdbool.h>
#include <stdint.h>

#include "base/check.h"

#define PF_HIST_SUB_BITS 5
#define PF_HIST_SUB (1u << PF_HIST_SUB_BITS)
#define PF_HIST_MAX_EXP 36
/* The exact buckets, 2^SUB_BITS per power of two up to 2^MAX_EXP, and one
 * bucket for everything above. */
#define PF_HIST_BUCKETS                                                        \
  ((PF_HIST_MAX_EXP - PF_HIST_SUB_BITS + 1) * PF_HIST_SUB + 1)

/* No count of samples: a sample adds to its bucket alone, and
 * pf_hist_samples sums the buckets when a report asks. */
struct pf_hist {
  uint64_t max_us;
  uint32_t bucket[PF_HIST_BUCKETS];
};

void pf_hist_reset(struct pf_hist *h);
/* How many samples it holds: the sum of its buckets (a walk of them). */
uint64_t pf_hist_samples(const struct pf_hist *h);

/* Whether it holds no sample, without a walk: a maximum of 0 means every
 * sample was 0, and 0's bucket is the first. */
static inline bool pf_hist_empty(const struct pf_hist *h) {
  return h->max_us == 0 && h->bucket[0] == 0;
}
void pf_hist_merge(struct pf_hist *dst, const struct pf_hist *src);

/* The bucket of a value (inline with pf_hist_add: every handshake, DNS
 * answer and timed TCP sample adds one, on the packet path). Without a
 * branch below 2^PF_HIST_MAX_EXP: with e the top bit of us | 2^SUB_BITS and
 * s = e - SUB_BITS, us >> s keeps the leading one and the SUB_BITS bits
 * after it (32 + sub), so (s << SUB_BITS) + (us >> s) is the bucket
 * (s + 1) * SUB + sub; below 2^SUB_BITS, s is 0 and the bucket is us. */
static inline unsigned pf_hist_bucket_of(uint64_t us) {
  unsigned e = 63u - (unsigned)__builtin_clzll(us | PF_HIST_SUB);
  if (e >= PF_HIST_MAX_EXP)
    return PF_HIST_BUCKETS - 1;
  unsigned s = e - PF_HIST_SUB_BITS;
  unsigned b = (s << PF_HIST_SUB_BITS) + (unsigned)(us >> s);
  PF_ASSERT(b < PF_HIST_BUCKETS - 1);
  return b;
}

/* The same for a value below 2^32, which no test for the last bucket
 * needs (round trips, jitter and most response times). */
static inline unsigned pf_hist_bucket_of32(uint32_t us) {
  PF_STATIC_ASSERT(PF_HIST_MAX_EXP > 31, "a 32-bit value has a bucket");
  unsigned s =
      31u - (unsigned)__builtin_clz(us | PF_HIST_SUB) - PF_HIST_SUB_BITS;
  return (s << PF_HIST_SUB_BITS) + (us >> s);
}

static inline void pf_hist_count(struct pf_hist *h, unsigned b, uint64_t us) {
  h->bucket[b]++;
  if (us > h->max_us)
    h->max_us = us;
}

static inline void pf_hist_add(struct pf_hist *h, uint64_t us) {
  pf_hist_count(h, pf_hist_bucket_of(us), us);
}

/* The nearest-rank percentile (0 < p <= 1): the bucket value of the
 * ceil(p * count)-th smallest sample, in microseconds, never above max.
 * Returns -1 when the histogram is empty. */
double pf_hist_percentile(const struct pf_hist *h, double p);

/* The same for the n fractions p[] at once, into out[] (-1 each when the
 * histogram is empty): one walk for the count, one for all of them when
 * p[] ascends. Returns the count. */
uint64_t pf_hist_percentiles(const struct pf_hist *h, const double *p,
                             unsigned n, double *out);

/* The range [lo, hi] of values a bucket holds. */
void pf_hist_bucket_range(unsigned b, uint64_t *lo, uint64_t *hi);

#endif
