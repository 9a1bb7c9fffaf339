/* metrics_ports.c - TCP timing per top service port (docs/METRICS.md,
 * "TCP timing per port"), under plugin pcapflow_port and named as the
 * classes' figures are: one family per source, figure and percentile
 * (plugin_instance "<source>-tcp_response_p90"), the port as type_instance
 * ("tcp_443", as the top services list names it, or "other"), so that the
 * ports of one figure add up to the source's samples. */
#include "metrics/metrics_ports.h"

#include <math.h>
#include <stdio.h>

/* The figures kept per port (port_latency.h): jitter is not. */
static const enum pf_tcp_latency pf_port_figure[] = {
    PF_TCP_RTT_TX, PF_TCP_RTT_RX, PF_TCP_RESPONSE};

static void pf_port_figure_walk(const struct pf_port_snapshot *ps, int m, int q,
                                pf_metric_fn fn, void *ctx) {
  char suffix[64], port[16];
  snprintf(suffix, sizeof(suffix), "%s_%s",
           pf_tcp_latency_name[PF_TCP_TIMING_FIRST + m], pf_quantile_name[q]);
  for (uint32_t i = 0; i <= ps->n; i++) {
    double v = ps->figure[i][m][q];
    if (isnan(v))
      continue;
    if (i < ps->n)
      snprintf(port, sizeof(port), "tcp_%u", (unsigned)ps->port[i]);
    else
      snprintf(port, sizeof(port), "other");
    struct pf_metric metric = {.plugin = PF_METRICS_PORT_PLUGIN,
                               .instance_suffix = suffix,
                               .type = "duration",
                               .type_instance = port,
                               .kind = PF_METRIC_GAUGE,
                               .n_values = 1,
                               .gauge = v};
    fn(&metric, ctx);
  }
}

void pf_metrics_walk_ports(const struct pf_snapshot *snap, pf_metric_fn fn,
                           void *ctx) {
  const struct pf_port_snapshot *ps = &snap->port_timing;
  if (!ps->enabled)
    return;
  for (size_t f = 0; f < sizeof(pf_port_figure) / sizeof(pf_port_figure[0]);
       f++)
    for (int q = 0; q < PF_TCP_QUANTILE_COUNT; q++)
      pf_port_figure_walk(ps, (int)(pf_port_figure[f] - PF_TCP_TIMING_FIRST), q,
                          fn, ctx);
}
