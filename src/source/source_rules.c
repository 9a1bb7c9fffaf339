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
   * TcpAnalysis false costs nothing; the timing figures likewise. */
  bool latency = rules && src->cfg.shard.tcp_analysis;
  bool timing =
      latency && src->cfg.shard.tcp_timing && src->cfg.shard.class_timing;
  size_t n = rules ? pf_rules_class_count(rules) : 0;
  struct pf_hist *merged = latency ? calloc(n, sizeof(*merged)) : NULL;
  struct pf_hist *merged_timing =
      timing ? calloc(n * PF_TCP_TIMING_COUNT, sizeof(*merged_timing)) : NULL;
  if ((latency && !merged) || (timing && !merged_timing)) {
    pf_err(err, errlen, "out of memory for the traffic rules");
    free(fresh);
    free(merged);
    free(merged_timing);
    return -1;
  }
  for (unsigned i = 0; i < src->n_workers; i++) {
    if (pf_class_counters_prepare(&fresh[i], rules, err, errlen) != 0 ||
        (latency && pf_class_counters_prepare_latency(&fresh[i], timing, err,
                                                      errlen) != 0)) {
      pf_class_counters_free(&fresh[i]);
      while (i-- > 0)
        pf_class_counters_free(&fresh[i]);
      free(fresh);
      free(merged);
      free(merged_timing);
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
  free(src->class_timing);
  src->class_timing = merged_timing;
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
  double us[PF_TCP_MAX];
  /* The three in one walk of the buckets (they ascend). */
  bool some = h && pf_hist_percentiles(h, quantile, PF_TCP_MAX, us) != 0;
  for (int q = 0; q < PF_TCP_MAX; q++)
    out[q] = some ? us[q] / 1e6 : NAN;
  out[PF_TCP_MAX] = some ? (double)h->max_us / 1e6 : NAN;
}

/* One worker's class counters, copied under its lock, and its latency
 * histograms of the interval (swapped out: the reader's to read and clear
 * after unlocking). */
struct pf_worker_classes {
  struct pf_rules *rules;
  uint32_t count;
  struct pf_traffic traffic[PF_CLASS_SLOTS];
  uint64_t active[PF_CLASS_SLOTS];
  struct pf_class_latency latency, timing; /* their spare arrays */
};

/* Under the worker's lock: fixed-size copies and pointer swaps. */
static void pf_worker_classes_copy_locked(struct pf_class_counters *c,
                                          struct pf_worker_classes *copy) {
  copy->rules = c->rules ? pf_rules_ref(c->rules) : NULL;
  copy->count = c->count;
  if (c->count > 0) /* a worker that saw no packet has no arrays yet */
    memcpy(copy->traffic, c->traffic, c->count * sizeof(*c->traffic));
  pf_class_counters_active(c, copy->active);
  pf_class_latency_swap_locked(&c->latency);
  pf_class_latency_swap_locked(&c->timing);
  copy->latency = c->latency;
  copy->timing = c->timing;
}

/* Adds class k's histograms of set `from` to the merged ones of class to
 * (per of them a class); merged NULL: not reported. */
static void pf_class_hist_merge(struct pf_hist *merged,
                                const struct pf_class_latency *from, uint32_t k,
                                uint32_t to, uint32_t per) {
  if (!merged || k >= from->count || from->per != per)
    return;
  for (uint32_t m = 0; m < per; m++)
    pf_hist_merge(&merged[(size_t)to * per + m],
                  &from->spare[(size_t)k * per + m]);
}

/* A worker's copy into the snapshot, by the newest set's names: a worker
 * that has not adopted the newest set yet still counts by its own, and
 * its classes are reported under the same names if the newest set still
 * has them. */
static void pf_worker_classes_merge(struct pf_source *src,
                                    struct pf_class_snapshot *cs,
                                    struct pf_worker_classes *copy) {
  int map[PF_CLASS_SLOTS];
  pf_rules_class_map(copy->rules, cs->rules, map);
  for (uint32_t k = 0; k < copy->count; k++) {
    if (map[k] < 0)
      continue;
    pf_traffic_merge(&cs->traffic[map[k]], &copy->traffic[k]);
    cs->active[map[k]] += copy->active[k];
    pf_class_hist_merge(src->class_handshake, &copy->latency, k,
                        (uint32_t)map[k], 1);
    pf_class_hist_merge(src->class_timing, &copy->timing, k, (uint32_t)map[k],
                        PF_TCP_TIMING_COUNT);
  }
}

/* The merged histograms' figures, then cleared for the next read. */
static void pf_class_figures(struct pf_source *src,
                             struct pf_class_snapshot *cs) {
  struct pf_hist *hs = src->class_handshake, *tm = src->class_timing;
  for (uint32_t k = 0; k < cs->count; k++) {
    pf_latency_figures(hs ? &hs[k] : NULL, cs->latency[k]);
    for (int m = 0; m < PF_TCP_TIMING_COUNT; m++)
      pf_latency_figures(tm ? &tm[(size_t)k * PF_TCP_TIMING_COUNT + m] : NULL,
                         cs->timing[k][m]);
  }
  if (hs)
    pf_class_latency_clear(hs, cs->count);
  if (tm)
    pf_class_latency_clear(tm, cs->count * PF_TCP_TIMING_COUNT);
}

void pf_source_snapshot_classes(struct pf_source *src,
                                struct pf_snapshot *out) {
  struct pf_class_snapshot *cs = &out->classes;
  if (!src->rules)
    return;
  cs->rules = pf_rules_ref(src->rules);
  cs->count = (uint32_t)pf_rules_class_count(src->rules);
  struct pf_worker_classes copy;
  for (unsigned i = 0; i < src->n_workers; i++) {
    struct pf_worker *w = &src->workers[i];
    struct pf_class_counters retired;
    PF_READ_LOCK(w);
    pf_worker_classes_copy_locked(&w->shard.classes, &copy);
    /* The spare arrays are ours to read and clear after unlocking: should
     * the worker adopt a new rule set meanwhile, they are retired, and
     * only this thread frees retired sets (below, at a later read, or in
     * pf_source_set_rules, which runs on this thread too). */
    retired = w->retired;
    memset(&w->retired, 0, sizeof(w->retired));
    PF_READ_UNLOCK(w);
    pf_class_counters_free(&retired);
    if (copy.rules)
      pf_worker_classes_merge(src, cs, &copy);
    pf_class_latency_clear(copy.latency.spare, copy.latency.count);
    pf_class_latency_clear(copy.timing.spare,
                           copy.timing.count * copy.timing.per);
    pf_rules_free(copy.rules);
  }
  pf_class_figures(src, cs);
}

void pf_snapshot_release(struct pf_snapshot *snap) {
  pf_rules_free(snap->classes.rules);
  snap->classes.rules = NULL;
  snap->classes.count = 0;
}
