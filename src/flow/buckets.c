/* buckets.c - linear hashing of the flow table's buckets (buckets.h). */
#include "flow/buckets.h"

#include <stdlib.h>

int pf_buckets_init(struct pf_flow_buckets *b, uint32_t max_flows,
                    uint32_t first) {
  uint32_t max = 1;
  while (max < max_flows && max < (1u << 31))
    max <<= 1;
  if (first > max)
    first = max;
  /* calloc maps a large array without touching it, and zeros are empty
   * buckets: they cost address space, not memory, until a flow lands. */
  b->head = calloc(max, sizeof(*b->head));
  if (!b->head)
    return -1;
  b->low_mask = first - 1;
  b->split = 0;
  b->count = first;
  b->max = max;
  return 0;
}

void pf_buckets_free(struct pf_flow_buckets *b) {
  free(b->head);
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
