/* source_rules.c - a source's traffic rules: handing a new rule set to the
 * capture workers at their batch boundaries, and reading their per-class
 * counters back by class name.
 *
 * The control thread allocates (pf_class_counters_prepare) and frees; the
 * capture thread only swaps pointers and copies a few hundred counters,
 * under the lock it takes for each batch anyway. */
#include "source/worker.h"

#include "base/err.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pf_source_set_rules(struct pf_source *src, struct pf_rules *rules,
                        char *err, size_t errlen) {
  /* ReportByClass false: no classification per packet, nothing per class. */
  if (!src->cfg.report.by_class)
    return 0;
  struct pf_class_counters *fresh = calloc(src->n_workers, sizeof(*fresh));
  if (!fresh) {
    return pf_err(err, errlen, "out of memory for the traffic rules");
  }
  /* Handshake latency per class only where there are handshakes to time:
   * TcpAnalysis false costs nothing. */
  bool latency = rules && src->cfg.shard.tcp_analysis;
  struct pf_hist *merged = NULL;
  if (latency &&
      !(merged = calloc(pf_rules_class_count(rules), sizeof(*merged)))) {
    pf_err(err, errlen, "out of memory for the traffic rules");
    free(fresh);
    return -1;
  }
  for (unsigned i = 0; i < src->n_workers; i++) {
    if (pf_class_counters_prepare(&fresh[i], rules, err, errlen) != 0 ||
        (latency &&
         pf_class_counters_prepare_latency(&fresh[i], err, errlen) != 0)) {
      pf_class_counters_free(&fresh[i]);
      while (i-- > 0)
        pf_class_counters_free(&fresh[i]);
      free(fresh);
      free(merged);
      return -1;
    }
  }
  for (unsigned i = 0; i < src->n_workers; i++) {
    struct pf_worker *w = &src->workers[i];
    struct pf_class_counters stale = {0}, retired;
    PF_READ_LOCK(w);
    if (w->has_pending)
      stale = w->pending; /* never adopted: the newer set wins */
    w->pending = fresh[i];
    w->has_pending = true;
    retired = w->retired;
    memset(&w->retired, 0, sizeof(w->retired));
    PF_READ_UNLOCK(w);
    pf_class_counters_free(&stale);
    pf_class_counters_free(&retired);
  }
  free(fresh);
  pf_rules_free(src->rules);
  src->rules = rules ? pf_rules_ref(rules) : NULL;
  free(src->class_handshake);
  src->class_handshake = merged;
  return 0;
}

void pf_worker_apply_rules_locked(struct pf_worker *w) {
  if (!w->has_pending)
    return;
  /* set_rules emptied `retired` when it installed `pending`. */
  pf_class_counters_apply(&w->shard.classes, &w->pending, &w->shard.flows);
  w->retired = w->pending;
  memset(&w->pending, 0, sizeof(w->pending));
  w->has_pending = false;
}

void pf_worker_free_rules(struct pf_worker *w) {
  pf_class_counters_free(&w->pending);
  pf_class_counters_free(&w->retired);
  w->has_pending = false;
}

void pf_latency_figures(const struct pf_hist *h,
                        double out[PF_TCP_QUANTILE_COUNT]) {
  static const double quantile[PF_TCP_MAX] = {0.5, 0.9, 0.99};
  for (int q = 0; q < PF_TCP_MAX; q++)
    out[q] = h && h->count ? pf_hist_percentile(h, quantile[q]) / 1e6 : NAN;
  out[PF_TCP_MAX] = h && h->count ? (double)h->max_us / 1e6 : NAN;
}

/* One worker's class counters, copied under its lock. */
struct pf_worker_classes {
  struct pf_rules *rules;
  uint32_t count;
  struct pf_traffic traffic[PF_CLASS_SLOTS];
  uint64_t active[PF_CLASS_SLOTS];
};

void pf_source_snapshot_classes(struct pf_source *src,
                                struct pf_snapshot *out) {
  struct pf_class_snapshot *cs = &out->classes;
  if (!src->rules)
    return;
  cs->rules = pf_rules_ref(src->rules);
  cs->count = (uint32_t)pf_rules_class_count(src->rules);
  struct pf_hist *merged = src->class_handshake;
  if (merged)
    pf_class_latency_clear(merged, cs->count);
  struct pf_worker_classes copy;
  for (unsigned i = 0; i < src->n_workers; i++) {
    struct pf_worker *w = &src->workers[i];
    struct pf_class_counters retired;
    /* At most PF_CLASS_SLOTS counters and a pointer swap: a fixed-size
     * hold of the lock. */
    PF_READ_LOCK(w);
    struct pf_class_counters *c = &w->shard.classes;
    copy.rules = c->rules ? pf_rules_ref(c->rules) : NULL;
    copy.count = c->count;
    if (c->count > 0) { /* a worker that saw no packet has no arrays yet */
      memcpy(copy.traffic, c->traffic, c->count * sizeof(*c->traffic));
      memcpy(copy.active, c->active, c->count * sizeof(*c->active));
    }
    pf_class_latency_swap_locked(&c->latency);
    /* Ours to read and clear after unlocking: should the worker adopt a
     * new rule set meanwhile, these arrays are retired, and only this
     * thread frees retired sets (below, at a later read, or in
     * pf_source_set_rules, which runs on this thread too). */
    struct pf_hist *lat = c->latency.spare;
    uint32_t lat_count = c->latency.count;
    retired = w->retired;
    memset(&w->retired, 0, sizeof(w->retired));
    PF_READ_UNLOCK(w);
    pf_class_counters_free(&retired);
    if (!copy.rules)
      continue;

    /* A worker that has not adopted the newest set yet still counts by
     * its own: its classes are reported under the same names, if the
     * newest set still has them. */
    int map[PF_CLASS_SLOTS];
    pf_rules_class_map(copy.rules, cs->rules, map);
    for (uint32_t k = 0; k < copy.count; k++) {
      if (map[k] < 0)
        continue;
      pf_traffic_merge(&cs->traffic[map[k]], &copy.traffic[k]);
      cs->active[map[k]] += copy.active[k];
      if (merged && k < lat_count)
        pf_hist_merge(&merged[map[k]], &lat[k]);
    }
    if (lat_count)
      pf_class_latency_clear(lat, lat_count);
    pf_rules_free(copy.rules);
  }
  for (uint32_t k = 0; k < cs->count; k++)
    pf_latency_figures(merged ? &merged[k] : NULL, cs->latency[k]);
}

void pf_snapshot_release(struct pf_snapshot *snap) {
  pf_rules_free(snap->classes.rules);
  snap->classes.rules = NULL;
  snap->classes.count = 0;
}
