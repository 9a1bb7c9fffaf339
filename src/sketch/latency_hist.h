/* latency_hist.h - a fixed-memory log-linear histogram of durations in
 * microseconds, for per-interval percentiles.
 *
 * Values below 2^PF_HIST_SUB_BITS us have a bucket each (exact). Above,
 * every power of two is cut into 2^PF_HIST_SUB_BITS equal buckets, so a
 * bucket is at most 1/32 of its lower bound wide; a percentile is reported
 * as its bucket's midpoint, which is within 1/64 (1.6%) of the exact value.
 * Values from 2^PF_HIST_MAX_EXP us (about 19 hours) on share the last
 * bucket; max is kept exactly. Adding is O(1); a percentile walks the
 * PF_HIST_BUCKETS buckets once. */
#ifndef PCAPFLOW_LATENCY_HIST_H
#define PCAPFLOW_LATENCY_HIST_H

#include <stdint.h>

#include "base/check.h"

#define PF_HIST_SUB_BITS 5
#define PF_HIST_SUB (1u << PF_HIST_SUB_BITS)
#define PF_HIST_MAX_EXP 36
/* The exact buckets, 2^SUB_BITS per power of two up to 2^MAX_EXP, and one
 * bucket for everything above. */
#define PF_HIST_BUCKETS                                                        \
  ((PF_HIST_MAX_EXP - PF_HIST_SUB_BITS + 1) * PF_HIST_SUB + 1)

struct pf_hist {
  uint64_t count;
  uint64_t max_us;
  uint32_t bucket[PF_HIST_BUCKETS];
};

void pf_hist_reset(struct pf_hist *h);
void pf_hist_merge(struct pf_hist *dst, const struct pf_hist *src);

/* The bucket of a value (inline with pf_hist_add: every handshake, DNS
 * answer and timed TCP sample adds one, on the packet path). */
static inline unsigned pf_hist_bucket_of(uint64_t us) {
  if (us < PF_HIST_SUB)
    return (unsigned)us;
  unsigned e = 63u - (unsigned)__builtin_clzll(us); /* 2^e <= us */
  if (e >= PF_HIST_MAX_EXP)
    return PF_HIST_BUCKETS - 1;
  /* The top PF_HIST_SUB_BITS bits after the leading one pick the bucket. */
  unsigned sub = (unsigned)(us >> (e - PF_HIST_SUB_BITS)) & (PF_HIST_SUB - 1);
  unsigned b = (e - PF_HIST_SUB_BITS + 1) * PF_HIST_SUB + sub;
  PF_ASSERT(b < PF_HIST_BUCKETS - 1);
  return b;
}

static inline void pf_hist_add(struct pf_hist *h, uint64_t us) {
  h->bucket[pf_hist_bucket_of(us)]++;
  h->count++;
  if (us > h->max_us)
    h->max_us = us;
}

/* The nearest-rank percentile (0 < p <= 1): the bucket value of the
 * ceil(p * count)-th smallest sample, in microseconds, never above max.
 * Returns -1 when the histogram is empty. */
double pf_hist_percentile(const struct pf_hist *h, double p);

/* The range [lo, hi] of values a bucket holds. */
void pf_hist_bucket_range(unsigned b, uint64_t *lo, uint64_t *hi);

#endif
