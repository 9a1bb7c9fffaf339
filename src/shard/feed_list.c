/* feed_list.c - reserving and releasing the lists of the flows an
 * interval touched (feed_list.h). */
#include "shard/feed_list.h"

#include <stddef.h>
#include <string.h>
#include <sys/mman.h>

int pf_feed_list_init(struct pf_feed_list *l, uint32_t cap) {
  memset(l, 0, sizeof(*l));
  size_t len = ((size_t)cap + PF_FEED_LIST_AHEAD) * sizeof(uint32_t);
  /* No huge pages: the list is written and read in order, and at a few
   * active flows in a large table a 2 MiB page would hold mostly nothing. */
  void *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (m == MAP_FAILED)
    return -1;
  l->refs = l->next = l->read = m;
  l->end = l->refs + cap;
  return 0;
}

void pf_feed_list_free(struct pf_feed_list *l) {
  if (l->refs)
    munmap(l->refs, ((size_t)(l->end - l->refs) + PF_FEED_LIST_AHEAD) *
                        sizeof(uint32_t));
  memset(l, 0, sizeof(*l));
}
