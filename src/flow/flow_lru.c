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
  if (rest != PF_FLOW_NONE) {
    pf_flow_at(t, rest)->lru_next = PF_FLOW_NONE;
  } else {
    t->lru_head[from] = PF_FLOW_NONE;
    t->lru_head_at[from] = NULL;
  }
  uint32_t head = t->lru_head[to];
  pf_flow_at(t, first)->lru_next = head;
  if (head != PF_FLOW_NONE)
    t->lru_head_at[to]->lru_prev = first;
  else
    t->lru_tail[to] = first;
  l->lru_prev = PF_FLOW_NONE;
  t->lru_head[to] = last;
  t->lru_head_at[to] = l;
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
  pf_flow_table_check_copies(t); /* once a tick: cheap where it is live */
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

/* Whether list `list`'s flows, none of which was last seen before
 * `since_us`, may hold one idle for `timeout_us` at now_us. */
static bool pf_list_may_expire(uint64_t since_us, uint64_t now_us,
                               uint64_t timeout_us) {
  return now_us >= since_us && now_us - since_us >= timeout_us;
}

/* Whether any flow may have been idle past its timeout at now_us, from
 * the list tails alone: a bound on every flow's last packet, list by
 * list. A flow goes to the head of its kind's list when it is created or
 * sent, last seen then (the clock never goes back), so a kind's list is
 * in the order of its flows' last packets from the tail, but for the
 * flows a tick moved from the SYN-wait list, seen earlier: the kind's
 * unwaited_us bounds those (and a flow that sent since is in order
 * again). The SYN-wait list is in the order its flows entered it, each
 * at or after its first packet and last seen since: its tail's first
 * packet bounds them all (less one unit of first32, which may round it
 * up), against the shorter of its flows' kinds' timeouts. That first
 * packet reads true because a waiting flow's age cannot wrap: one that
 * sends past its SYN timeout leaves the list at that packet
 * (pf_tcp_wait_over), so at each of its packets while it waits it is
 * younger than TcpSynTimeout, far below first32's 2^32 units. (A flow
 * that waits from a later SYN than its first packet reads its first
 * packet at most that late, never later than its SYN.) False spares the
 * final sweep of every entry, which a file as short as a flood's (10 s
 * of packets, every flow new) paid for nothing. */
static bool pf_flow_table_may_expire(const struct pf_flow_table *t,
                                     uint64_t now_us) {
  for (int k = 0; k < PF_FLOW_KIND_COUNT; k++) {
    uint32_t tail = t->lru_tail[k];
    if (tail == PF_FLOW_NONE)
      continue;
    uint64_t since = pf_flow_at(t, tail)->last_us;
    if (t->unwaited_us[k] < since)
      since = t->unwaited_us[k];
    if (pf_list_may_expire(since, now_us, t->timeout_us[k]))
      return true;
  }
  uint32_t tail = t->lru_tail[PF_LIST_SYN_WAIT];
  if (tail == PF_FLOW_NONE)
    return false;
  uint64_t first = pf_flow_first_us(t, pf_flow_at(t, tail));
  uint64_t unit = 1ull << t->age_shift;
  uint64_t since = first > unit ? first - unit : 0;
  uint64_t timeout = t->timeout_us[PF_FLOW_TCP];
  if (t->timeout_us[PF_FLOW_TCP_CLOSED] < timeout)
    timeout = t->timeout_us[PF_FLOW_TCP_CLOSED];
  return pf_list_may_expire(since, now_us, timeout);
}

unsigned pf_flow_table_expire_all(struct pf_flow_table *t, uint64_t now_us) {
  return pf_flow_table_may_expire(t, now_us) ? pf_flow_table_sweep(t, now_us)
                                             : 0;
}

/* A flow idle for less than the shortest timeout stays, whatever its
 * kind: one compare an entry decides most of them. */
unsigned pf_flow_table_sweep(struct pf_flow_table *t, uint64_t now_us) {
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
