/* class_counters.c - per-class counters of one shard, and the hand-over of
 * a reloaded rule set: prepared (allocated) on the control side, applied on
 * the capture side without allocating, so the capture path never waits on
 * the allocator and a reload never resets the classes it keeps. */
#include "shard/class_counters.h"

#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pf_class_counters_prepare(struct pf_class_counters *c,
                              struct pf_rules *rules, char *err,
                              size_t errlen) {
  memset(c, 0, sizeof(*c));
  if (!rules)
    return 0;
  size_t n = pf_rules_class_count(rules);
  c->traffic = calloc(n, sizeof(*c->traffic));
  c->active = calloc(n, sizeof(*c->active));
  if (!c->traffic || !c->active) {
    pf_class_counters_free(c);
    return pf_err(err, errlen, "out of memory for the counters of %zu classes",
                  n);
  }
  c->rules = pf_rules_ref(rules);
  c->count = (uint32_t)n;
  c->unclassified = (uint32_t)pf_rules_unclassified(rules);
  return 0;
}

int pf_class_counters_prepare_latency(struct pf_class_counters *c, bool timing,
                                      char *err, size_t errlen) {
  if (!c->count)
    return 0;
  if (pf_class_latency_alloc(&c->latency, c->count, 1, err, errlen) != 0)
    return -1;
  if (!timing)
    return 0;
  return pf_class_latency_alloc(&c->timing, c->count, PF_TCP_TIMING_COUNT, err,
                                errlen);
}

void pf_class_counters_free(struct pf_class_counters *c) {
  free(c->traffic);
  free(c->active);
  pf_class_latency_free(&c->latency);
  pf_class_latency_free(&c->timing);
  pf_rules_free(c->rules);
  memset(c, 0, sizeof(*c));
}

/* Where each flow of the old set's classes goes in the new one. Without old
 * rules every flow's rule_class is meaningless: all go to unclassified. */
static void pf_class_map(const struct pf_class_counters *from,
                         const struct pf_class_counters *to,
                         int map[PF_CLASS_SLOTS]) {
  for (size_t i = 0; i < PF_CLASS_SLOTS; i++)
    map[i] = -1;
  if (from->rules && to->rules)
    pf_rules_class_map(from->rules, to->rules, map);
}

/* A flow's class to its index in the new set (to[old index], for every
 * value the byte can hold). */
static void pf_class_move(struct pf_flow *f, void *ctx) {
  const int *to = ctx;
  f->rule_class = (uint8_t)to[f->rule_class];
}

void pf_class_counters_apply(struct pf_class_counters *cur,
                             struct pf_class_counters *next,
                             struct pf_flow_table *flows) {
  int map[PF_CLASS_SLOTS];
  pf_class_map(cur, next, map);
  for (uint32_t i = 0; i < cur->count; i++)
    if (map[i] >= 0)
      next->traffic[map[i]] = cur->traffic[i];
  pf_class_latency_carry(&next->latency, &cur->latency, map);
  pf_class_latency_carry(&next->timing, &cur->timing, map);

  /* Flows move with their class. The pool is rewritten in order, free
   * entries too (harmless: an entry is cleared when it is reused), which
   * is several times faster than chasing the LRU lists across memory. */
  if (next->rules) {
    int to[256];
    for (size_t k = 0; k < 256; k++)
      to[k] = k < PF_CLASS_SLOTS && cur->rules && map[k] >= 0
                  ? map[k]
                  : (int)next->unclassified;
    if (cur->rules)
      for (uint32_t k = 0; k < cur->count; k++)
        next->active[to[k]] += cur->active[k];
    else
      next->active[next->unclassified] = pf_flow_table_count(flows);
    pf_flow_table_each(flows, pf_class_move, to);
  }
  flows->class_active = next->active;

  struct pf_class_counters old = *cur;
  *cur = *next;
  *next = old;
}
