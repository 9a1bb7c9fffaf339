/* flow_lru.c - the flow table's LRU lists: one per timeout kind, so that a
 * list's tail is always the next of its kind to expire and expiry is a
 * bounded walk from the tails, never a sweep; the least recently seen flow
 * overall is one of the tails, which makes eviction O(lists). A TCP
 * connection whose SYN waits for its answer is on a list of its own, in
 * the order of the SYNs (tcp.h). */
#include "flow/flow_internal.h"

void pf_flow_relist(struct pf_flow_table *t, uint32_t ref, uint8_t list) {
  pf_lru_unlink(t, ref);
  pf_lru_push_head(t, ref, list);
}

/* The run from `from`'s tail up to `last` goes to the head of `to` as one
 * piece, in its order: what relisting its flows one by one from the tail
 * gives, without touching their neighbours. The caller has set their
 * list bytes already. */
void pf_flow_splice_tail(struct pf_flow_table *t, uint8_t from, uint32_t last,
                         uint8_t to) {
  uint32_t first = t->lru_tail[from]; /* the run's oldest */
  struct pf_flow *l = pf_flow_at(t, last);
  uint32_t rest = l->lru_prev;
  t->lru_tail[from] = rest;
  if (rest != PF_FLOW_NONE)
    pf_flow_at(t, rest)->lru_next = PF_FLOW_NONE;
  else
    t->lru_head[from] = PF_FLOW_NONE;
  uint32_t head = t->lru_head[to];
  pf_flow_at(t, first)->lru_next = head;
  if (head != PF_FLOW_NONE)
    pf_flow_at(t, head)->lru_prev = first;
  else
    t->lru_tail[to] = first;
  l->lru_prev = PF_FLOW_NONE;
  t->lru_head[to] = last;
}

/* The least recently seen flow of all: the oldest of the list tails. */
uint32_t pf_lru_oldest(const struct pf_flow_table *t) {
  uint32_t oldest = PF_FLOW_NONE;
  uint64_t oldest_us = 0;
  for (int k = 0; k < PF_LIST_COUNT; k++) {
    uint32_t ref = t->lru_tail[k];
    if (ref == PF_FLOW_NONE)
      continue;
    uint64_t last = pf_flow_at(t, ref)->last_us;
    if (oldest == PF_FLOW_NONE || last < oldest_us) {
      oldest = ref;
      oldest_us = last;
    }
  }
  return oldest;
}

/* The SYN-wait list is left out: its flows go back to their kind's list
 * when their SYN is answered or times out (tcp.c). */
unsigned pf_flow_table_expire(struct pf_flow_table *t, uint64_t now_us,
                              unsigned budget) {
  unsigned done = 0;
  for (int k = 0; k < PF_FLOW_KIND_COUNT && done < budget; k++) {
    while (done < budget) {
      uint32_t ref = t->lru_tail[k];
      if (ref == PF_FLOW_NONE)
        break;
      uint64_t last = pf_flow_at(t, ref)->last_us;
      if (now_us < last || now_us - last < t->timeout_us[k])
        break;
      pf_flow_remove(t, ref);
      t->stats.expired++;
      done++;
    }
  }
  return done;
}

/* How many entries ahead of the one it reads the sweep asks for the
 * pool's memory (1-1.4 KiB): the hardware's own prefetch stops at each
 * 4 KiB page. */
#define PF_SWEEP_AHEAD 16

/* A flow idle for less than the shortest timeout stays, whatever its
 * kind: one compare an entry decides most of them. */
unsigned pf_flow_table_expire_all(struct pf_flow_table *t, uint64_t now_us) {
  unsigned done = 0;
  for (int v6 = 0; v6 < 2; v6++) {
    for (uint32_t i = 0; i < t->pool[v6].next_unused; i++) {
      uint32_t ref = i | (v6 ? PF_FLOW_V6 : 0);
      struct pf_flow *f = pf_flow_at(t, ref);
      if (i + PF_SWEEP_AHEAD < t->pool[v6].next_unused)
        __builtin_prefetch(pf_flow_at(t, ref + PF_SWEEP_AHEAD));
      if (now_us < f->last_us + t->min_timeout_us ||
          pf_flow_list(f) == PF_LIST_FREE ||
          now_us - f->last_us < t->timeout_us[pf_flow_kind(f)])
        continue;
      pf_flow_remove(t, ref);
      t->stats.expired++;
      done++;
    }
  }
  return done;
}
