/* feed_list.h - the flows an interval touched: a flow's reference once per
 * interval, at its first packet in it (epoch.c), so that the interval's
 * close feeds those flows rather than sweeping every pool entry ever
 * handed out (64 MiB a read at a steady million flows, however few sent).
 * One list a family, as the pools.
 *
 * Entries handed out during the interval (from the pool's high-water mark
 * as it began on, pf_shard.fresh: all touched in it) are not listed: the
 * close sweeps that stretch of the pool, in order, as a flood's flows
 * want. A list holds the older entries that sent, up to MaxFlows
 * references, reserved as address space and mapped as it fills
 * (MAP_NORESERVE, as the flow pools): 4 bytes a flow that sends, taken
 * only as such flows come. An older entry that a flow ends and a new flow
 * takes within the interval is listed for each; the close feeds it once
 * (epoch.c: a tag fed is cleared). A list that would pass MaxFlows stops
 * and is marked full: that interval's close sweeps the whole pools as
 * before, no slower than the interval's own churn. */
#ifndef PCAPFLOW_SHARD_FEED_LIST_H
#define PCAPFLOW_SHARD_FEED_LIST_H

#include <stdbool.h>
#include <stdint.h>

/* How far past its end a list may be read: a walk asks for the entry of
 * the ref this many places on (epoch.c). Every ref a list holds, used or
 * not (0, or left from an earlier interval), names an entry of its pool. */
#define PF_FEED_LIST_AHEAD 8

struct pf_feed_list {
  uint32_t *refs; /* cap reserved */
  uint32_t *next; /* the next free place: refs .. next are used */
  uint32_t *read; /* the close's place: refs .. read are gone through */
  uint32_t *end;  /* refs + cap */
  bool full;      /* a flow was not listed: the close must sweep the pools */
};

/* Reserves room for `cap` references (none mapped yet). Returns 0, or -1
 * when the address space is not there. */
int pf_feed_list_init(struct pf_feed_list *l, uint32_t cap);
void pf_feed_list_free(struct pf_feed_list *l);

/* Once per flow per interval (epoch.c): two loads, a compare and two
 * stores. */
static inline void pf_feed_list_add(struct pf_feed_list *l, uint32_t ref) {
  uint32_t *p = l->next;
  if (__builtin_expect(p == l->end, 0)) {
    l->full = true;
    return;
  }
  *p = ref;
  l->next = p + 1;
}

static inline uint32_t pf_feed_list_len(const struct pf_feed_list *l) {
  return (uint32_t)(l->next - l->refs);
}

/* Every flow listed was fed: the next interval starts an empty list (its
 * pages stay mapped for it). */
static inline void pf_feed_list_clear(struct pf_feed_list *l) {
  l->next = l->read = l->refs;
  l->full = false;
}

#endif
