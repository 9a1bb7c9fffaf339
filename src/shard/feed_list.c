/* feed_list.c - reserving and releasing the lists of the flows an
 * interval touched (feed_list.h). */
#include "shard/feed_list.h"

#include "base/reserve.h"

#include <stddef.h>
#include <string.h>

/* The bytes reserved for `cap` references and the walk's read ahead. */
static size_t pf_feed_list_bytes(size_t cap) {
  return (cap + PF_FEED_LIST_AHEAD) * sizeof(uint32_t);
}

int pf_feed_list_init(struct pf_feed_list *l, uint32_t cap) {
  memset(l, 0, sizeof(*l));
  /* No huge pages: the list is written and read in order, and at a few
   * active flows in a large table a 2 MiB page would hold mostly nothing. */
  uint32_t *m = pf_reserve_pages(pf_feed_list_bytes(cap), false);
  if (!m)
    return -1;
  l->refs = l->next = l->read = m;
  l->end = l->refs + cap;
  return 0;
}

void pf_feed_list_free(struct pf_feed_list *l) {
  if (l->refs)
    pf_release_pages(l->refs, pf_feed_list_bytes((size_t)(l->end - l->refs)));
  memset(l, 0, sizeof(*l));
}
