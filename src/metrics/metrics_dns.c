/* metrics_dns.c - the DNS series (docs/METRICS.md, "DNS"): collectd's dns
 * plugin's types and type_instances (dns_octets, dns_qtype, dns_opcode,
 * dns_rcode) so that its dashboards keep working, and what it lacks
 * (latency, unanswered queries, truncated responses, malformed messages,
 * the top queried domains), all under plugin pcapflow_dns. */
#include "metrics/metrics_dns.h"

#include <math.h>
#include <stdio.h>

/* One series under plugin pcapflow_dns: a count (DERIVE, one or two
 * values) or, with n_values 0, the gauge g. */
static void pf_dns_metric(pf_metric_fn fn, void *ctx, const char *type,
                          const char *instance, unsigned n_values,
                          const uint64_t v[2], double g) {
  struct pf_metric m = {.plugin = PF_METRICS_DNS_PLUGIN,
                        .no_instance = false,
                        .type = type,
                        .type_instance = instance,
                        .kind = n_values ? PF_METRIC_DERIVE : PF_METRIC_GAUGE,
                        .n_values = n_values ? n_values : 1,
                        .gauge = g};
  for (unsigned i = 0; i < n_values; i++)
    m.derive[i] = v[i];
  fn(&m, ctx);
}

static void pf_dns_emit(pf_metric_fn fn, void *ctx, const char *type,
                        const char *instance, uint64_t value) {
  const uint64_t v[2] = {value, 0};
  pf_dns_metric(fn, ctx, type, instance, 1, v, 0);
}

static void pf_dns_gauge(pf_metric_fn fn, void *ctx, const char *type,
                         const char *instance, double value) {
  pf_dns_metric(fn, ctx, type, instance, 0, NULL, value);
}

static void pf_dns_list(pf_metric_fn fn, void *ctx, const char *type,
                        const struct pf_named_count *list, uint32_t n) {
  for (uint32_t i = 0; i < n; i++)
    pf_dns_emit(fn, ctx, type, list[i].name, list[i].value);
}

/* duration-dns_p50 ... duration-dns_max, in intervals with a sample. */
static void pf_dns_latency(pf_metric_fn fn, void *ctx,
                           const double s[PF_TCP_QUANTILE_COUNT]) {
  static const char *const name[PF_TCP_QUANTILE_COUNT] = {
      [PF_TCP_P50] = "dns_p50",
      [PF_TCP_P90] = "dns_p90",
      [PF_TCP_P99] = "dns_p99",
      [PF_TCP_MAX] = "dns_max",
  };
  for (int q = 0; q < PF_TCP_QUANTILE_COUNT; q++)
    if (!isnan(s[q]))
      pf_dns_gauge(fn, ctx, "duration", name[q], s[q]);
}

/* What collectd's dns plugin sends, under its identifiers: plugin dns, no
 * plugin_instance (DnsCompatIdentifiers). */
struct pf_dns_compat {
  pf_metric_fn fn;
  void *ctx;
};

static void pf_dns_compat_fn(const struct pf_metric *m, void *ctx) {
  const struct pf_dns_compat *c = ctx;
  struct pf_metric copy = *m;
  copy.plugin = PF_METRICS_DNS_COMPAT_PLUGIN;
  copy.no_instance = true;
  c->fn(&copy, c->ctx);
}

/* dns_octets and the qtype, opcode and rcode counts. */
static void pf_dns_collectd_four(const struct pf_dns_snapshot *d,
                                 pf_metric_fn fn, void *ctx) {
  pf_dns_metric(fn, ctx, "dns_octets", "", 2, d->octets, 0);
  pf_dns_list(fn, ctx, "dns_qtype", d->qtype, d->n_qtype);
  pf_dns_list(fn, ctx, "dns_opcode", d->opcode, d->n_opcode);
  pf_dns_list(fn, ctx, "dns_rcode", d->rcode, d->n_rcode);
}

void pf_metrics_walk_dns(const struct pf_snapshot *snap, pf_metric_fn fn,
                         void *ctx) {
  const struct pf_dns_snapshot *d = &snap->dns;
  if (!d->enabled)
    return;
  pf_dns_collectd_four(d, fn, ctx);
  pf_dns_list(fn, ctx, "errors", d->errors, d->n_errors);
  pf_dns_emit(fn, ctx, "dns_response", "truncated", d->truncated);
  if (d->latency) {
    pf_dns_emit(fn, ctx, "dns_response", "unmatched", d->unmatched);
    pf_dns_emit(fn, ctx, "dns_query", "unanswered", d->unanswered);
    pf_dns_emit(fn, ctx, "dns_query", "evicted", d->evicted);
    pf_dns_latency(fn, ctx, d->latency_s);
  }
  if (d->top_domains)
    for (uint32_t i = 0; i < snap->top_domains.n; i++)
      pf_dns_gauge(fn, ctx, "count", snap->top_domains.entry[i].name,
                   (double)snap->top_domains.entry[i].bytes);
  if (d->compat) {
    struct pf_dns_compat c = {.fn = fn, .ctx = ctx};
    pf_dns_collectd_four(d, pf_dns_compat_fn, &c);
  }
}
