/* buckets.c - linear hashing of the flow table's buckets (buckets.h). */
#include "flow/buckets.h"

#include <stddef.h>
#include <sys/mman.h>

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
  /* Mapped as the flow pools are (flow_table.c): address space now, zero
   * pages (empty buckets) as flows land. Huge pages where the system gives
   * them for the asking: a bucket is read at random, and the first write
   * to each 4 KiB page of a calloc'd array was a fault (a copy of the zero
   * page the lookup had mapped, and a TLB shootdown for every thread of
   * the process): ~1,000 a worker for a table of a million flows. */
  size_t len = pf_buckets_bytes(max);
  void *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (m == MAP_FAILED)
    return -1;
  (void)madvise(m, len, MADV_HUGEPAGE);
  b->head = m;
  b->low_mask = first - 1;
  b->split = 0;
  b->count = first;
  b->max = max;
  return 0;
}

void pf_buckets_free(struct pf_flow_buckets *b) {
  if (b->head)
    munmap(b->head, pf_buckets_bytes(b->max));
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
