/* metrics_tls.c - the TLS series (docs/METRICS.md, "TLS"), under plugin
 * pcapflow_tls: hellos by version offered and selected, hellos read in
 * part or malformed (connections), and the top server names by bytes of
 * the flows they opened (bytes, a gauge per interval like every top-N
 * list). */
#include "metrics/metrics_tls.h"

static void pf_tls_metric(pf_metric_fn fn, void *ctx, const char *type,
                          const char *instance, enum pf_metric_kind kind,
                          uint64_t value) {
  struct pf_metric m = {.plugin = PF_METRICS_TLS_PLUGIN,
                        .type = type,
                        .type_instance = instance,
                        .kind = kind,
                        .n_values = 1};
  if (kind == PF_METRIC_DERIVE)
    m.derive[0] = value;
  else
    m.gauge = (double)value;
  fn(&m, ctx);
}

void pf_metrics_walk_tls(const struct pf_snapshot *snap, pf_metric_fn fn,
                         void *ctx) {
  const struct pf_tls_snapshot *t = &snap->tls;
  if (!t->enabled)
    return;
  for (uint32_t i = 0; i < t->n; i++)
    pf_tls_metric(fn, ctx, "connections", t->count[i].name, PF_METRIC_DERIVE,
                  t->count[i].value);
  if (t->top)
    for (uint32_t i = 0; i < snap->top_sni.n; i++)
      pf_tls_metric(fn, ctx, "bytes", snap->top_sni.entry[i].name,
                    PF_METRIC_GAUGE, snap->top_sni.entry[i].bytes);
}
