/* metrics.c - turns a snapshot into the fixed list of metrics of
 * docs/METRICS.md. The list depends on nothing but the code (TCP latency
 * figures are left out of intervals without a sample), so the number of
 * series never depends on the traffic. */
#include "pcapflow/metrics.h"

#include "metrics/metrics_dns.h"

#include <math.h>
#include <stdio.h>

/* `suffix` names the plugin_instance suffix of the series (NULL: the
 * source's own instance). */
static void pf_emit_pair_in(pf_metric_fn fn, void *ctx, const char *suffix,
                            const char *type, const char *instance,
                            const uint64_t v[2]) {
  struct pf_metric m = {.instance_suffix = suffix,
                        .type = type,
                        .type_instance = instance,
                        .kind = PF_METRIC_DERIVE,
                        .n_values = 2,
                        .derive = {v[PF_DIR_RX], v[PF_DIR_TX]}};
  fn(&m, ctx);
}

static void pf_emit_pair(pf_metric_fn fn, void *ctx, const char *type,
                         const char *instance, const uint64_t v[2]) {
  pf_emit_pair_in(fn, ctx, NULL, type, instance, v);
}

static void pf_emit_derive(pf_metric_fn fn, void *ctx, const char *type,
                           const char *instance, uint64_t value) {
  struct pf_metric m = {.type = type,
                        .type_instance = instance,
                        .kind = PF_METRIC_DERIVE,
                        .n_values = 1,
                        .derive = {value, 0}};
  fn(&m, ctx);
}

static void pf_emit_gauge_in(pf_metric_fn fn, void *ctx, const char *suffix,
                             const char *type, const char *instance,
                             double value) {
  struct pf_metric m = {.instance_suffix = suffix,
                        .type = type,
                        .type_instance = instance,
                        .kind = PF_METRIC_GAUGE,
                        .n_values = 1,
                        .gauge = value};
  fn(&m, ctx);
}

static void pf_emit_gauge(pf_metric_fn fn, void *ctx, const char *type,
                          const char *instance, double value) {
  pf_emit_gauge_in(fn, ctx, NULL, type, instance, value);
}

/* Latency figures as latency-STEM_p50 … latency-STEM_max. An interval
 * without a sample has no latency: nothing is dispatched, which every
 * writer stores as a gap (NaN would be dropped by some and written by
 * others). */
static void pf_emit_figures(pf_metric_fn fn, void *ctx, const char *suffix,
                            const char *stem,
                            const double figure[PF_TCP_QUANTILE_COUNT]) {
  static const char *const quantile[PF_TCP_QUANTILE_COUNT] = {
      [PF_TCP_P50] = "p50",
      [PF_TCP_P90] = "p90",
      [PF_TCP_P99] = "p99",
      [PF_TCP_MAX] = "max",
  };
  char name[128];
  for (int q = 0; q < PF_TCP_QUANTILE_COUNT; q++) {
    if (isnan(figure[q]))
      continue;
    snprintf(name, sizeof(name), "%s_%s", stem, quantile[q]);
    pf_emit_gauge_in(fn, ctx, suffix, "latency", name, figure[q]);
  }
}

/* Flows, top-N lists and distinct counts (docs/METRICS.md, "Flows"). */
static void pf_metrics_walk_flows(const struct pf_snapshot *snap,
                                  pf_metric_fn fn, void *ctx) {
  const struct pf_flow_stats *f = &snap->flows;
  uint64_t tcp = f->active[PF_FLOW_TCP] + f->active[PF_FLOW_TCP_CLOSED];
  uint64_t all = tcp + f->active[PF_FLOW_UDP] + f->active[PF_FLOW_ICMP] +
                 f->active[PF_FLOW_OTHER];
  pf_emit_gauge(fn, ctx, "current_connections", "flows", (double)all);
  pf_emit_gauge(fn, ctx, "current_connections", "flows_tcp", (double)tcp);
  pf_emit_gauge(fn, ctx, "current_connections", "flows_udp",
                (double)f->active[PF_FLOW_UDP]);
  pf_emit_gauge(fn, ctx, "current_connections", "flows_icmp",
                (double)f->active[PF_FLOW_ICMP]);
  pf_emit_gauge(fn, ctx, "current_connections", "flows_other",
                (double)f->active[PF_FLOW_OTHER]);
  pf_emit_derive(fn, ctx, "connections", "flows_new", f->created);
  pf_emit_derive(fn, ctx, "connections", "flows_expired", f->expired);
  pf_emit_derive(fn, ctx, "connections", "flows_evicted", f->evicted);

  for (int k = 0; k < PF_TOP_KIND_COUNT; k++)
    for (uint32_t i = 0; i < snap->top[k].n; i++)
      pf_emit_gauge(fn, ctx, "bytes", snap->top[k].entry[i].name,
                    (double)snap->top[k].entry[i].bytes);

  pf_emit_gauge(fn, ctx, "count", "distinct_src_hosts",
                snap->distinct_src_hosts);
  pf_emit_gauge(fn, ctx, "count", "distinct_dst_hosts",
                snap->distinct_dst_hosts);
  pf_emit_gauge(fn, ctx, "count", "distinct_dst_ports",
                snap->distinct_dst_ports);
}

/* TCP health (docs/METRICS.md, "TCP health"). */
static void pf_metrics_walk_tcp(const struct pf_snapshot *snap, pf_metric_fn fn,
                                void *ctx) {
  const struct pf_tcp_stats *t = &snap->tcp;
  pf_emit_derive(fn, ctx, "packets", "tcp_retransmitted", t->retransmitted);
  pf_emit_derive(fn, ctx, "packets", "tcp_out_of_order", t->out_of_order);
  pf_emit_derive(fn, ctx, "packets", "tcp_zero_window", t->zero_window);
  pf_emit_derive(fn, ctx, "packets", "tcp_reset", t->resets);
  pf_emit_derive(fn, ctx, "connections", "tcp_unanswered_syn", t->unanswered);
  pf_emit_derive(fn, ctx, "connections", "tcp_completed", t->completed);
  pf_emit_derive(fn, ctx, "connections", "tcp_late_start", t->late_start);

  static const char *const latency[PF_TCP_LATENCY_COUNT] = {
      [PF_TCP_SYN_SYNACK] = "tcp_syn_synack",
      [PF_TCP_SYNACK_ACK] = "tcp_synack_ack",
      [PF_TCP_HANDSHAKE] = "tcp_handshake",
  };
  for (int k = 0; k < PF_TCP_LATENCY_COUNT; k++)
    pf_emit_figures(fn, ctx, NULL, latency[k], snap->tcp_latency[k]);
}

/* Traffic rules (docs/METRICS.md, "Traffic rules"): under a
 * plugin_instance of their own, so that a class name can never collide
 * with a fixed series of the source. */
static void pf_metrics_walk_classes(const struct pf_snapshot *snap,
                                    pf_metric_fn fn, void *ctx) {
  const struct pf_class_snapshot *cs = &snap->classes;
  const char *in = PF_METRICS_CLASS_SUFFIX;
  char stem[128];
  for (uint32_t k = 0; k < cs->count; k++) {
    const char *name = pf_rules_class_name(cs->rules, k);
    pf_emit_pair_in(fn, ctx, in, "if_packets", name, cs->traffic[k].packets);
    pf_emit_pair_in(fn, ctx, in, "if_octets", name, cs->traffic[k].octets);
    pf_emit_gauge_in(fn, ctx, in, "current_connections", name,
                     (double)cs->active[k]);
    /* Named as the source's own (latency-tcp_handshake_p50) with the class
     * before the figure. The figures' names all have three characters, so
     * no two classes' series can share a name. */
    snprintf(stem, sizeof(stem), "tcp_handshake_%s", name);
    pf_emit_figures(fn, ctx, in, stem, cs->latency[k]);
  }
}

void pf_metrics_walk(const struct pf_snapshot *snap, pf_metric_fn fn,
                     void *ctx) {
  const struct pf_counters *c = &snap->counters;
  const struct pf_health *h = &snap->health;

  for (int k = 0; k < PF_TRAFFIC_COUNT; k++) {
    const char *name = pf_traffic_name(k);
    pf_emit_pair(fn, ctx, "if_packets", name, c->traffic[k].packets);
    pf_emit_pair(fn, ctx, "if_octets", name, c->traffic[k].octets);
  }
  for (int b = 0; b < PF_SIZE_COUNT; b++)
    pf_emit_pair(fn, ctx, "if_packets", pf_size_bucket_name(b), c->size[b]);
  for (int f = 0; f < PF_TCPF_COUNT; f++)
    pf_emit_pair(fn, ctx, "if_packets", pf_tcp_flag_name(f), c->tcp_flag[f]);

  char name[64];
  for (int r = 0; r < PF_MAL_COUNT; r++) {
    snprintf(name, sizeof(name), "malformed_%s", pf_malformed_name(r));
    pf_emit_derive(fn, ctx, "packets", name, c->malformed[r]);
  }

  const uint64_t *all = c->traffic[PF_TRAFFIC_ALL].packets;
  pf_emit_derive(fn, ctx, "packets", "captured",
                 all[PF_DIR_RX] + all[PF_DIR_TX]);
  pf_emit_derive(fn, ctx, "packets", "dropped_kernel", h->dropped_kernel);
  pf_emit_derive(fn, ctx, "packets", "dropped_interface", h->dropped_interface);
  pf_emit_derive(fn, ctx, "operations", "capture_opened", h->opened);
  pf_emit_derive(fn, ctx, "operations", "capture_failed", h->open_failed);
  pf_emit_gauge(fn, ctx, "gauge", "capture_up", (double)h->up);

  pf_metrics_walk_flows(snap, fn, ctx);
  pf_metrics_walk_tcp(snap, fn, ctx);
  pf_metrics_walk_classes(snap, fn, ctx);
  pf_metrics_walk_dns(snap, fn, ctx);
}
