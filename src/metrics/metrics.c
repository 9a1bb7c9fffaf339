/* metrics.c - turns a snapshot into the list of metrics of
 * docs/METRICS.md. The list depends on nothing but the configuration (TCP
 * latency figures are left out of intervals without a sample), so the
 * number of series never depends on the traffic.
 *
 * One collectd type is one Prometheus family (docs/MIGRATION.md): the
 * series of a type are one whole or the parts of one whole, never a total
 * beside its parts. */
#include "pcapflow/metrics.h"

#include "metrics/metrics_dns.h"
#include "metrics/metrics_ports.h"
#include "metrics/metrics_tls.h"

#include <math.h>
#include <stdio.h>

/* Where the series of a walk go: the plugin and plugin_instance suffix. */
struct pf_walk {
  pf_metric_fn fn;
  void *ctx;
  const char *plugin;
  const char *suffix;
};

static void pf_emit_pair(const struct pf_walk *w, const char *type,
                         const char *instance, const uint64_t v[2]) {
  struct pf_metric m = {.plugin = w->plugin,
                        .instance_suffix = w->suffix,
                        .type = type,
                        .type_instance = instance,
                        .kind = PF_METRIC_DERIVE,
                        .n_values = 2,
                        .derive = {v[PF_DIR_RX], v[PF_DIR_TX]}};
  w->fn(&m, w->ctx);
}

static void pf_emit_derive(const struct pf_walk *w, const char *type,
                           const char *instance, uint64_t value) {
  struct pf_metric m = {.plugin = w->plugin,
                        .instance_suffix = w->suffix,
                        .type = type,
                        .type_instance = instance,
                        .kind = PF_METRIC_DERIVE,
                        .n_values = 1,
                        .derive = {value, 0}};
  w->fn(&m, w->ctx);
}

static void pf_emit_gauge(const struct pf_walk *w, const char *type,
                          const char *instance, double value) {
  struct pf_metric m = {.plugin = w->plugin,
                        .instance_suffix = w->suffix,
                        .type = type,
                        .type_instance = instance,
                        .kind = PF_METRIC_GAUGE,
                        .n_values = 1,
                        .gauge = value};
  w->fn(&m, w->ctx);
}

static uint64_t pf_both(const uint64_t v[2]) {
  return v[PF_DIR_RX] + v[PF_DIR_TX];
}

const char *const pf_quantile_name[PF_TCP_QUANTILE_COUNT] = {
    [PF_TCP_P50] = "p50",
    [PF_TCP_P90] = "p90",
    [PF_TCP_P99] = "p99",
    [PF_TCP_MAX] = "max",
};

/* ---- traffic ---- */

/* Protocols, IP versions and fragments: three families, each a whole or
 * the parts of one (if_*: all traffic; io_*: IP traffic). */
static void pf_walk_protocols(const struct pf_walk *w,
                              const struct pf_counters *c) {
  /* non_ip, malformed and the transports: every packet is in one. */
  for (int k = PF_TRAFFIC_NON_IP; k <= PF_TRAFFIC_OTHER; k++) {
    pf_emit_pair(w, "if_packets", pf_traffic_name(k), c->traffic[k].packets);
    pf_emit_pair(w, "if_octets", pf_traffic_name(k), c->traffic[k].octets);
  }
  for (int k = PF_TRAFFIC_IPV4; k <= PF_TRAFFIC_IPV6; k++) {
    pf_emit_pair(w, "io_packets", pf_traffic_name(k), c->traffic[k].packets);
    pf_emit_pair(w, "io_octets", pf_traffic_name(k), c->traffic[k].octets);
  }
  const struct pf_traffic *frag = &c->traffic[PF_TRAFFIC_FRAGMENT];
  pf_emit_derive(w, "ipt_packets", "fragment", pf_both(frag->packets));
  pf_emit_derive(w, "ipt_bytes", "fragment", pf_both(frag->octets));
}

/* Every packet by how its direction was told: local_one (from the one
 * local address) is what the others leave of all packets. */
static void pf_walk_direction_basis(const struct pf_walk *w,
                                    const struct pf_counters *c) {
  uint64_t rest = pf_both(c->traffic[PF_TRAFFIC_ALL].packets);
  for (int k = PF_TRAFFIC_LOCAL_BOTH; k <= PF_TRAFFIC_LOCAL_UNKNOWN; k++)
    rest -= pf_both(c->traffic[k].packets);
  pf_emit_derive(w, "derive", "local_one", rest);
  for (int k = PF_TRAFFIC_LOCAL_BOTH; k <= PF_TRAFFIC_LOCAL_UNKNOWN; k++)
    pf_emit_derive(w, "derive", pf_traffic_name(k),
                   pf_both(c->traffic[k].packets));
}

static void pf_walk_sizes(const struct pf_walk *w,
                          const struct pf_counters *c) {
  for (int b = 0; b < PF_SIZE_COUNT; b++)
    pf_emit_derive(w, "if_rx_packets", pf_size_bucket_name(b),
                   c->size[b][PF_DIR_RX]);
  for (int b = 0; b < PF_SIZE_COUNT; b++)
    pf_emit_derive(w, "if_tx_packets", pf_size_bucket_name(b),
                   c->size[b][PF_DIR_TX]);
}

static void pf_walk_malformed(const struct pf_walk *w,
                              const struct pf_counters *c) {
  char name[64];
  for (int r = 0; r < PF_MAL_COUNT; r++) {
    snprintf(name, sizeof(name), "malformed_%s", pf_malformed_name(r));
    pf_emit_derive(w, "errors", name, c->malformed[r]);
  }
}

static void pf_walk_capture(const struct pf_walk *w,
                            const struct pf_snapshot *snap) {
  const struct pf_health *h = &snap->health;
  pf_emit_derive(w, "packets", "captured",
                 pf_both(snap->counters.traffic[PF_TRAFFIC_ALL].packets));
  pf_emit_derive(w, "packets", "dropped_kernel", h->dropped_kernel);
  pf_emit_derive(w, "packets", "dropped_interface", h->dropped_interface);
  pf_emit_derive(w, "operations", "capture_opened", h->opened);
  pf_emit_derive(w, "operations", "capture_failed", h->open_failed);
  pf_emit_gauge(w, "gauge", "capture_up", (double)h->up);
}

/* ---- flows and sketches ---- */

/* The flow table's levels (by protocol: their sum is the table) and its
 * events. */
static void pf_walk_flows(const struct pf_walk *w,
                          const struct pf_flow_stats *f) {
  uint64_t tcp = f->active[PF_FLOW_TCP] + f->active[PF_FLOW_TCP_CLOSED];
  pf_emit_gauge(w, "current_connections", "flows_tcp", (double)tcp);
  pf_emit_gauge(w, "current_connections", "flows_udp",
                (double)f->active[PF_FLOW_UDP]);
  pf_emit_gauge(w, "current_connections", "flows_icmp",
                (double)f->active[PF_FLOW_ICMP]);
  pf_emit_gauge(w, "current_connections", "flows_other",
                (double)f->active[PF_FLOW_OTHER]);
  pf_emit_derive(w, "connections", "flows_new", f->created);
  pf_emit_derive(w, "connections", "flows_expired", f->expired);
  pf_emit_derive(w, "connections", "flows_evicted", f->evicted);
}

/* Lists that are not reported have no entry (report.c). */
static void pf_walk_top(const struct pf_walk *w,
                        const struct pf_snapshot *snap) {
  for (int k = 0; k < PF_TOP_KIND_COUNT; k++)
    for (uint32_t i = 0; i < snap->top[k].n; i++)
      pf_emit_gauge(w, "bytes", snap->top[k].entry[i].name,
                    (double)snap->top[k].entry[i].bytes);
}

static void pf_walk_distinct(const struct pf_walk *w,
                             const struct pf_snapshot *snap) {
  pf_emit_gauge(w, "count", "distinct_src_hosts", snap->distinct_src_hosts);
  pf_emit_gauge(w, "count", "distinct_dst_hosts", snap->distinct_dst_hosts);
  pf_emit_gauge(w, "count", "distinct_dst_ports", snap->distinct_dst_ports);
}

/* ---- TCP ---- */

const char *const pf_tcp_latency_name[PF_TCP_LATENCY_COUNT] = {
    [PF_TCP_SYN_SYNACK] = "tcp_syn_synack",
    [PF_TCP_SYNACK_ACK] = "tcp_synack_ack",
    [PF_TCP_HANDSHAKE] = "tcp_handshake",
    [PF_TCP_RTT_TX] = "tcp_rtt_tx",
    [PF_TCP_RTT_RX] = "tcp_rtt_rx",
    [PF_TCP_JITTER] = "tcp_jitter",
    [PF_TCP_RESPONSE] = "tcp_response",
};

/* SYN, SYN-ACK, FIN and RST segments, both directions. */
static void pf_walk_tcp_flags(const struct pf_walk *w,
                              const struct pf_counters *c) {
  for (int f = 0; f < PF_TCPF_COUNT; f++)
    pf_emit_derive(w, "protocol_counter", pf_tcp_flag_name(f),
                   pf_both(c->tcp_flag[f]));
}

/* Latency figures as duration-STEM_p50 … duration-STEM_max. An interval
 * without a sample has no latency: nothing is dispatched, which every
 * writer stores as a gap (NaN would be dropped by some and written by
 * others). */
static void pf_emit_figures(const struct pf_walk *w, const char *stem,
                            const double figure[PF_TCP_QUANTILE_COUNT]) {
  char name[128];
  for (int q = 0; q < PF_TCP_QUANTILE_COUNT; q++) {
    if (isnan(figure[q]))
      continue;
    snprintf(name, sizeof(name), "%s_%s", stem, pf_quantile_name[q]);
    pf_emit_gauge(w, "duration", name, figure[q]);
  }
}

static void pf_walk_tcp_health(const struct pf_walk *w,
                               const struct pf_snapshot *snap) {
  const struct pf_tcp_stats *t = &snap->tcp;
  const char *pc = "protocol_counter";
  pf_emit_derive(w, pc, "tcp_retransmitted", t->retransmitted);
  pf_emit_derive(w, pc, "tcp_out_of_order", t->out_of_order);
  pf_emit_derive(w, pc, "tcp_zero_window", t->zero_window);
  pf_emit_derive(w, pc, "tcp_unanswered_syn", t->unanswered);
  pf_emit_derive(w, pc, "tcp_completed", t->completed);
  pf_emit_derive(w, pc, "tcp_late_start", t->late_start);

  for (int k = 0; k < PF_TCP_LATENCY_COUNT; k++)
    pf_emit_figures(w, pf_tcp_latency_name[k], snap->tcp_latency[k]);
}

/* ---- traffic classes ---- */

/* A class's handshake latency: one family per source and percentile
 * (plugin_instance "<source>-p90"), the class as type_instance, as in
 * the class's traffic series. */
static void pf_walk_class_latency(const struct pf_walk *classes,
                                  const struct pf_class_snapshot *cs) {
  for (int q = 0; q < PF_TCP_QUANTILE_COUNT; q++) {
    struct pf_walk w = *classes;
    w.suffix = pf_quantile_name[q];
    for (uint32_t k = 0; k < cs->count; k++)
      if (!isnan(cs->latency[k][q]))
        pf_emit_gauge(&w, "duration", pf_rules_class_name(cs->rules, k),
                      cs->latency[k][q]);
  }
}

/* A class's TCP timing figures: one family per source, figure and
 * percentile (plugin_instance "<source>-tcp_rtt_tx_p90": "_", not "-",
 * before the percentile, so that "<source>-p90" stays the handshake's
 * alone), the class as type_instance. */
static void pf_walk_class_timing(const struct pf_walk *classes,
                                 const struct pf_class_snapshot *cs) {
  char suffix[64];
  for (int m = 0; m < PF_TCP_TIMING_COUNT; m++)
    for (int q = 0; q < PF_TCP_QUANTILE_COUNT; q++) {
      struct pf_walk w = *classes;
      snprintf(suffix, sizeof(suffix), "%s_%s",
               pf_tcp_latency_name[PF_TCP_TIMING_FIRST + m],
               pf_quantile_name[q]);
      w.suffix = suffix;
      for (uint32_t k = 0; k < cs->count; k++)
        if (!isnan(cs->timing[k][m][q]))
          pf_emit_gauge(&w, "duration", pf_rules_class_name(cs->rules, k),
                        cs->timing[k][m][q]);
    }
}

/* Traffic rules (docs/METRICS.md, "Traffic rules"), under a plugin of
 * their own. */
static void pf_walk_classes(const struct pf_walk *source,
                            const struct pf_snapshot *snap) {
  const struct pf_class_snapshot *cs = &snap->classes;
  struct pf_walk w = *source;
  w.plugin = PF_METRICS_CLASS_PLUGIN;
  for (uint32_t k = 0; k < cs->count; k++) {
    const char *name = pf_rules_class_name(cs->rules, k);
    pf_emit_pair(&w, "if_packets", name, cs->traffic[k].packets);
    pf_emit_pair(&w, "if_octets", name, cs->traffic[k].octets);
    pf_emit_gauge(&w, "current_connections", name, (double)cs->active[k]);
  }
  if (snap->report.tcp_health) {
    pf_walk_class_latency(&w, cs);
    pf_walk_class_timing(&w, cs);
  }
}

void pf_metrics_walk(const struct pf_snapshot *snap, pf_metric_fn fn,
                     void *ctx) {
  const struct pf_walk w = {fn, ctx, PF_METRICS_PLUGIN, NULL};
  const struct pf_report_config *r = &snap->report;
  const struct pf_counters *c = &snap->counters;
  if (r->by_protocol)
    pf_walk_protocols(&w, c);
  if (r->by_direction_basis)
    pf_walk_direction_basis(&w, c);
  if (r->by_size)
    pf_walk_sizes(&w, c);
  if (r->tcp_flags)
    pf_walk_tcp_flags(&w, c);
  if (r->malformed)
    pf_walk_malformed(&w, c);
  if (r->capture_health)
    pf_walk_capture(&w, snap);
  if (r->flows)
    pf_walk_flows(&w, &snap->flows);
  pf_walk_top(&w, snap);
  if (r->distinct)
    pf_walk_distinct(&w, snap);
  if (r->tcp_health)
    pf_walk_tcp_health(&w, snap);
  if (r->by_class)
    pf_walk_classes(&w, snap);
  pf_metrics_walk_ports(snap, fn, ctx); /* plugin pcapflow_port */
  pf_metrics_walk_dns(snap, fn, ctx); /* plugin pcapflow_dns (metrics_dns.c) */
  pf_metrics_walk_tls(snap, fn, ctx); /* plugin pcapflow_tls (metrics_tls.c) */
}
