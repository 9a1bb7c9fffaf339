/* class_latency.c - per-class TCP latency histograms: allocation on
 * the control side, the carry-over of kept classes at a reload, and the
 * clearing that leaves untouched classes untouched. */
#include "shard/class_latency.h"

#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pf_class_latency_alloc(struct pf_class_latency *l, uint32_t count,
                           uint32_t per, char *err, size_t errlen) {
  memset(l, 0, sizeof(*l));
  size_t n = (size_t)count * per;
  l->cur = calloc(n, sizeof(*l->cur));
  l->spare = calloc(n, sizeof(*l->spare));
  if (!l->cur || !l->spare) {
    pf_class_latency_free(l);
    return pf_err(err, errlen,
                  "out of memory for the TCP latency of %u classes (%zu KiB)",
                  count, (2 * n * sizeof(struct pf_hist)) >> 10);
  }
  l->count = count;
  l->per = per;
  return 0;
}

void pf_class_latency_free(struct pf_class_latency *l) {
  free(l->cur);
  free(l->spare);
  memset(l, 0, sizeof(*l));
}

void pf_class_latency_carry(struct pf_class_latency *to,
                            const struct pf_class_latency *from,
                            const int *map) {
  if (!to->count || to->per != from->per)
    return;
  for (uint32_t i = 0; i < from->count; i++)
    if (map[i] >= 0 && (uint32_t)map[i] < to->count)
      for (uint32_t m = 0; m < to->per; m++)
        pf_hist_merge(&to->cur[(size_t)map[i] * to->per + m],
                      &from->cur[(size_t)i * to->per + m]);
}

void pf_class_latency_clear(struct pf_hist *h, uint32_t n) {
  for (uint32_t i = 0; i < n; i++)
    if (!pf_hist_empty(&h[i]))
      pf_hist_reset(&h[i]);
}
