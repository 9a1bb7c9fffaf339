/* buckets.c - linear hashing of the flow table's buckets (buckets.h). */
#include "flow/buckets.h"

#include <stdlib.h>

int pf_buckets_init(struct pf_flow_buckets *b, uint32_t max_flows,
                    uint32_t empty) {
  uint32_t max = 1;
  while (max < max_flows && max < (1u << 31))
    max <<= 1;
  uint32_t first = max < PF_BUCKETS_FIRST ? max : PF_BUCKETS_FIRST;
  /* calloc maps a large array without touching it: the buckets not yet in
   * use cost address space, not memory. */
  b->head = calloc(max, sizeof(*b->head));
  if (!b->head)
    return -1;
  for (uint32_t i = 0; i < first; i++)
    b->head[i] = empty;
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

uint32_t pf_buckets_split(struct pf_flow_buckets *b, uint32_t empty) {
  uint32_t from = b->split;
  b->head[from + b->low_mask + 1] = empty;
  b->count++;
  if (++b->split > b->low_mask) {
    /* Every bucket of this round is split: the next round uses one bit
     * more for all of them. */
    b->low_mask = 2 * b->low_mask + 1;
    b->split = 0;
  }
  return from;
}
