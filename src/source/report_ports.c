/* report_ports.c - TCP timing per top service port (PortTiming): at each
 * read the reader hands every worker the TCP ports of the top services
 * list it has just reported, together with clean histograms, and reports
 * the ones swapped out by the list they were filled with (the one it
 * handed over at the read before): a port named by the list gets figures
 * from the next interval on, and every port the list does not name is
 * `other` (docs/SERVICES.md, "Where the percentiles go"). */
#include "source/worker.h"

#include "base/err.h"
#include "packet/proto.h"
#include "shard/top_order.h"

#include <stdlib.h>
#include <string.h>

int pf_source_ports_init(struct pf_source *src, char *err, size_t errlen) {
  uint32_t ports = src->cfg.shard.port_timing_ports;
  if (ports == 0)
    return 0;
  src->port_timing =
      calloc((size_t)(ports + 1) * PF_TCP_TIMING_COUNT, sizeof(struct pf_hist));
  if (!src->port_timing)
    return pf_err(err, errlen, "out of memory for the TCP timing of %u ports",
                  ports);
  return 0;
}

/* The TCP ports the top services list names now, ascending. A key the
 * list left in "other" (its name budget spent) is refused again. */
static uint32_t pf_listed_ports(struct pf_source *src, uint16_t *ports) {
  const struct pf_topn *t = &src->report.top[PF_TOP_PORTS];
  const struct pf_topn_item *items[PF_MAX_TOP_N];
  /* The services list's own order (report.c), so that at a tie the ports
   * timed are the ports the list names. */
  uint32_t n = pf_topn_top_by(t, items, (uint32_t)src->cfg.top_n,
                              pf_top_order(PF_TOP_PORTS)),
           k = 0;
  for (uint32_t i = 0; i < n; i++) {
    struct pf_service_key key;
    memcpy(&key, items[i]->key, sizeof(key));
    if (key.proto != PF_IPPROTO_TCP ||
        !pf_top_names_admit(&src->names[PF_TOP_PORTS], items[i]->key,
                            t->key_len))
      continue;
    uint32_t at = k++; /* insertion: at most TopN entries */
    for (; at > 0 && ports[at - 1] > key.port; at--)
      ports[at] = ports[at - 1];
    ports[at] = key.port;
  }
  return k;
}

/* Adds a worker's spare histograms (those holding samples) to the merged
 * ones, slot by slot: the workers' slots are named by the same list. */
static void pf_ports_merge(struct pf_hist *merged, const struct pf_hist *spare,
                           uint32_t n) {
  for (uint32_t i = 0; i < n; i++)
    if (!pf_hist_empty(&spare[i]))
      pf_hist_merge(&merged[i], &spare[i]);
}

/* The merged figures by the list they were taken with, then cleared. */
static void pf_ports_figures(struct pf_source *src,
                             struct pf_port_snapshot *ps) {
  uint32_t slots = src->cfg.shard.port_timing_ports + 1;
  ps->enabled = true;
  ps->n = src->timed_ports;
  memcpy(ps->port, src->timed_port, ps->n * sizeof(*ps->port));
  for (uint32_t i = 0; i <= ps->n; i++) {
    uint32_t slot = i < ps->n ? i : slots - 1;
    for (int m = 0; m < PF_TCP_TIMING_COUNT; m++)
      pf_latency_figures(
          &src->port_timing[(size_t)slot * PF_TCP_TIMING_COUNT + m],
          ps->figure[i][m]);
  }
  pf_class_latency_clear(src->port_timing, slots * PF_TCP_TIMING_COUNT);
}

void pf_source_report_ports(struct pf_source *src, bool fresh,
                            struct pf_snapshot *out) {
  if (!src->port_timing)
    return;
  /* A list that names no TCP port (no worker handed an interval over, or
   * one without TCP traffic: an idle link) keeps the one before, so that
   * a service busy again after a pause is timed as its own at once. */
  uint16_t next[PF_MAX_TOP_N];
  uint32_t n = fresh ? pf_listed_ports(src, next) : 0;
  if (n == 0) {
    n = src->timed_ports;
    memcpy(next, src->timed_port, n * sizeof(*next));
  }
  uint32_t hists = (src->cfg.shard.port_timing_ports + 1) * PF_TCP_TIMING_COUNT;
  for (unsigned i = 0; i < src->n_workers; i++) {
    struct pf_worker *w = &src->workers[i];
    PF_READ_LOCK(w);
    pf_port_latency_swap_locked(&w->shard.ports, next, n);
    struct pf_hist *spare = w->shard.ports.spare;
    PF_READ_UNLOCK(w);
    /* Ours until the next swap, which this thread makes. */
    pf_ports_merge(src->port_timing, spare, hists);
    pf_class_latency_clear(spare, hists);
  }
  pf_ports_figures(src, &out->port_timing);
  memcpy(src->timed_port, next, n * sizeof(*next));
  src->timed_ports = n;
}
