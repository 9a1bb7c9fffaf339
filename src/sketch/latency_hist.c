/* latency_hist.c - the log-linear latency histogram: bucket arithmetic,
 * merging and nearest-rank percentiles. */
#include "sketch/latency_hist.h"

#include <math.h>
#include <string.h>

#include "base/check.h"

/* The exact buckets fit below the overflow bucket, and every sub-bucket of
 * a power of two is at least one microsecond wide. */
PF_STATIC_ASSERT(PF_HIST_SUB_BITS < PF_HIST_MAX_EXP, "hist layout");
PF_STATIC_ASSERT((PF_HIST_MAX_EXP - PF_HIST_SUB_BITS) * PF_HIST_SUB +
                         PF_HIST_SUB <
                     PF_HIST_BUCKETS,
                 "hist layout");

void pf_hist_reset(struct pf_hist *h) { memset(h, 0, sizeof(*h)); }

void pf_hist_bucket_range(unsigned b, uint64_t *lo, uint64_t *hi) {
  if (b < PF_HIST_SUB) {
    *lo = *hi = b;
    return;
  }
  if (b == PF_HIST_BUCKETS - 1) {
    *lo = (uint64_t)1 << PF_HIST_MAX_EXP;
    *hi = UINT64_MAX;
    return;
  }
  unsigned e = b / PF_HIST_SUB + PF_HIST_SUB_BITS - 1;
  uint64_t sub = b % PF_HIST_SUB;
  uint64_t width = (uint64_t)1 << (e - PF_HIST_SUB_BITS);
  *lo = ((uint64_t)1 << e) + sub * width;
  *hi = *lo + width - 1;
}

void pf_hist_merge(struct pf_hist *dst, const struct pf_hist *src) {
  if (src->count == 0)
    return;
  for (unsigned b = 0; b < PF_HIST_BUCKETS; b++)
    dst->bucket[b] += src->bucket[b];
  dst->count += src->count;
  if (src->max_us > dst->max_us)
    dst->max_us = src->max_us;
}

double pf_hist_percentile(const struct pf_hist *h, double p) {
  if (h->count == 0)
    return -1;
  uint64_t rank = (uint64_t)ceil(p * (double)h->count);
  if (rank < 1)
    rank = 1;
  if (rank > h->count)
    rank = h->count;
  uint64_t seen = 0;
  for (unsigned b = 0; b < PF_HIST_BUCKETS; b++) {
    seen += h->bucket[b];
    if (seen < rank)
      continue;
    uint64_t lo, hi;
    pf_hist_bucket_range(b, &lo, &hi);
    if (hi > h->max_us)
      hi = h->max_us; /* the last bucket, and any bucket holding the max */
    return ((double)lo + (double)hi) / 2;
  }
  return (double)h->max_us; /* not reached: the buckets sum to count */
}
