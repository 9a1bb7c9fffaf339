/* class_counters.c - per-class counters of one shard, and the hand-over of
 * a reloaded rule set: prepared (allocated) on the control side, applied on
 * the capture side without allocating and without walking the flows (their
 * classes' codes are carried over), so the capture path never waits on the
 * allocator or the size of its table, and a reload never resets the
 * classes it keeps. */
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
  c->active = calloc(PF_CLASS_CODES, sizeof(*c->active));
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

void pf_class_counters_active(const struct pf_class_counters *c,
                              uint64_t out[PF_CLASS_SLOTS]) {
  memset(out, 0, PF_CLASS_SLOTS * sizeof(*out));
  if (!c->rules)
    return;
  for (size_t code = 0; code < PF_CLASS_CODES; code++)
    out[c->class_of[code]] += c->active[code];
}

/* Every code not given to a class of `c` counts as unclassified. */
static void pf_class_codes_index(struct pf_class_counters *c) {
  memset(c->class_of, (int)c->unclassified, sizeof(c->class_of));
  for (uint32_t k = 0; k < c->count; k++)
    c->class_of[c->code_of[k]] = (uint8_t)k;
}

/* Kept classes keep their codes (and the flows holding them); new classes
 * take codes that no flow holds and no kept class has. Returns false, with
 * `to` untouched but for code_of, when too few are free. */
static bool pf_class_codes_carry(const struct pf_class_counters *from,
                                 struct pf_class_counters *to, const int *map) {
  bool taken[PF_CLASS_CODES] = {false}, placed[PF_CLASS_SLOTS] = {false};
  for (uint32_t i = 0; i < from->count; i++)
    if (map[i] >= 0) {
      to->code_of[map[i]] = from->code_of[i];
      placed[map[i]] = taken[from->code_of[i]] = true;
    }
  size_t code = 0;
  for (uint32_t k = 0; k < to->count; k++) {
    if (placed[k])
      continue;
    while (code < PF_CLASS_CODES && (taken[code] || from->active[code]))
      code++;
    if (code == PF_CLASS_CODES)
      return false;
    to->code_of[k] = (uint8_t)code;
    taken[code] = true;
  }
  memcpy(to->active, from->active, PF_CLASS_CODES * sizeof(*to->active));
  pf_class_codes_index(to);
  return true;
}

/* A flow's code to its code in the new set (to[old code]). */
static void pf_class_move(struct pf_flow *f, void *ctx) {
  const uint8_t *to = ctx;
  f->rule_class = to[f->rule_class];
}

/* The fallback: codes start again as the classes' indexes, and every flow
 * is rewritten in one pass. The pool is rewritten in order, free entries
 * too (harmless: an entry is cleared when it is reused), which is several
 * times faster than chasing the LRU lists across memory. */
static void pf_class_codes_rewrite(const struct pf_class_counters *from,
                                   struct pf_class_counters *to, const int *map,
                                   struct pf_flow_table *flows) {
  uint8_t dest[PF_CLASS_CODES];
  for (uint32_t k = 0; k < to->count; k++)
    to->code_of[k] = (uint8_t)k;
  pf_class_codes_index(to);
  memset(to->active, 0, PF_CLASS_CODES * sizeof(*to->active));
  for (size_t code = 0; code < PF_CLASS_CODES; code++) {
    int k = from->rules ? map[from->class_of[code]] : -1;
    dest[code] = (uint8_t)(k >= 0 ? (uint32_t)k : to->unclassified);
    if (from->rules)
      to->active[dest[code]] += from->active[code];
  }
  if (!from->rules) /* flows from before any rules carry no code */
    to->active[to->unclassified] = pf_flow_table_count(flows);
  pf_flow_table_each(flows, pf_class_move, dest);
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
  if (next->rules && !(cur->rules && pf_class_codes_carry(cur, next, map)))
    pf_class_codes_rewrite(cur, next, map, flows);
  flows->class_active = next->active;

  struct pf_class_counters old = *cur;
  *cur = *next;
  *next = old;
}
