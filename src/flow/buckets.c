/* buckets.c - linear hashing of the flow table's buckets (buckets.h). */
#include "flow/buckets.h"

#include "base/reserve.h"

#include <stddef.h>

/* The bytes reserved for a power of two `max` buckets. */
static size_t pf_buckets_bytes(uint32_t max) {
  return (size_t)max * sizeof(struct pf_bucket);
}

int pf_buckets_init(struct pf_flow_buckets *b, uint32_t max_flows,
                    uint32_t first) {
  uint32_t max = 1;
  while (max < max_flows && max < (1u << 31))
    max <<= 1;
  if (first > max)
    first = max;
  /* Reserved as the flow pools are (reserve.h): zero pages (empty
   * buckets) until flows land in them. With huge pages a bucket read
   * before any flow was written to its 2 MiB maps the huge zero page, and
   * the first write copies it: one fault a 2 MiB, where a calloc'd array
   * took two a 4 KiB page (~1,000 a worker for a table of a million
   * flows, each a TLB shootdown with two capture threads). */
  void *m = pf_reserve_pages(pf_buckets_bytes(max), true);
  if (!m)
    return -1;
  b->head = m;
  b->low_mask = first - 1;
  b->split = 0;
  b->count = first;
  b->max = max;
  return 0;
}

void pf_buckets_free(struct pf_flow_buckets *b) {
  pf_release_pages(b->head, pf_buckets_bytes(b->max));
  b->head = NULL;
}

uint32_t pf_buckets_split(struct pf_flow_buckets *b) {
  uint32_t from = b->split;
  b->count++; /* the new bucket, empty (never written before) */
  if (++b->split > b->low_mask) {
    /* Every bucket of this round is split: the next round uses one bit
     * more for all of them. */
    b->low_mask = 2 * b->low_mask + 1;
    b->split = 0;
  }
  return from;
}
