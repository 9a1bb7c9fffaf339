/* metrics_ports.h - a snapshot's TCP timing per top service port as series
 * (metrics_ports.c), and the figure names it shares with metrics.c. */
#ifndef PCAPFLOW_METRICS_PORTS_H
#define PCAPFLOW_METRICS_PORTS_H

#include "pcapflow/metrics.h"

/* "p50", "p90", "p99", "max", by enum pf_tcp_quantile. */
extern const char *const pf_quantile_name[PF_TCP_QUANTILE_COUNT];
/* The latency figures' stems ("tcp_rtt_tx", …), by enum pf_tcp_latency. */
extern const char *const pf_tcp_latency_name[PF_TCP_LATENCY_COUNT];

/* The series of docs/METRICS.md, "TCP timing per port", under plugin
 * pcapflow_port; none without PortTiming. */
void pf_metrics_walk_ports(const struct pf_snapshot *snap, pf_metric_fn fn,
                           void *ctx);

#endif
