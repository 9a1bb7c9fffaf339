/* flow_internal.h - what the flow table's files share and nothing else
 * needs: the LRU lists (their steps here, the rest in flow_lru.c) and taking a
 * flow out of the table (flow_table.c). */
#ifndef PCAPFLOW_FLOW_INTERNAL_H
#define PCAPFLOW_FLOW_INTERNAL_H

#include "base/check.h"
#include "flow/flow.h"

/* The LRU lists' two steps, inline: a new flow and each SYN's answer or
 * timeout take both, and a call to flow_lru.c cost a third of them. */
static inline void pf_lru_unlink(struct pf_flow_table *t, uint32_t ref) {
  struct pf_flow *f = pf_flow_at(t, ref);
  unsigned list = pf_flow_list(f);
  uint32_t prev = f->lru_prev, next = f->lru_next;
  struct pf_flow *n = next != PF_FLOW_NONE ? pf_flow_at(t, next) : NULL;
  if (prev != PF_FLOW_NONE) {
    pf_flow_at(t, prev)->lru_next = next;
  } else {
    t->lru_head[list] = next;
    t->lru_head_at[list] = n;
  }
  if (n)
    n->lru_prev = prev;
  else
    t->lru_tail[list] = prev;
}

/* Puts the flow at the head of list `list` (its family bit kept). */
static inline void pf_lru_push_head(struct pf_flow_table *t, uint32_t ref,
                                    uint8_t list) {
  struct pf_flow *f = pf_flow_at(t, ref);
  f->list = (uint8_t)((f->list & PF_FLOW_IS_V6) | list);
  f->lru_prev = PF_FLOW_NONE;
  f->lru_next = t->lru_head[list];
  if (t->lru_head_at[list])
    t->lru_head_at[list]->lru_prev = ref;
  else
    t->lru_tail[list] = ref;
  t->lru_head[list] = ref;
  t->lru_head_at[list] = f;
}

/* The table's copies, set once with the pools and the timeouts, still
 * match what they copy: pf_flow_at reads ref_base and ref_size for pool[]'s
 * entries and sizes, and the restart test active_units for active_us;
 * and the LRU heads' entries, kept with the heads, theirs.
 * Code that re-points a pool or changes the active timeout without them
 * would break both silently; a debug build stops there. */
static inline void pf_flow_table_check_copies(const struct pf_flow_table *t) {
  (void)t; /* PF_ASSERT is nothing in a release build */
  PF_ASSERT(t->ref_size[0] == t->pool[0].size &&
            t->ref_size[1] == t->pool[1].size);
  PF_ASSERT(t->ref_base[0] == (uintptr_t)t->pool[0].entries);
  PF_ASSERT(t->ref_base[1] + (uintptr_t)PF_FLOW_V6 * t->ref_size[1] ==
            (uintptr_t)t->pool[1].entries);
  PF_ASSERT(t->active_units ==
            (t->active_us ? t->active_us >> t->age_shift : UINT64_MAX));
  for (int k = 0; k < PF_LIST_COUNT; k++)
    PF_ASSERT(t->lru_head_at[k] == (t->lru_head[k] == PF_FLOW_NONE
                                        ? NULL
                                        : pf_flow_at(t, t->lru_head[k])));
}

/* The least recently seen flow of all, or PF_FLOW_NONE when empty. */
uint32_t pf_lru_oldest(const struct pf_flow_table *t);

/* Takes a flow out of its chain and its LRU list, back to its pool's free
 * list; the owner's `ended` hook sees it first. */
void pf_flow_remove(struct pf_flow_table *t, uint32_t ref);

#endif
