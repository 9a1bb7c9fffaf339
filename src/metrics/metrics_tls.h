/* metrics_tls.h - a snapshot's TLS figures as series (metrics_tls.c). */
#ifndef PCAPFLOW_METRICS_TLS_H
#define PCAPFLOW_METRICS_TLS_H

#include "pcapflow/metrics.h"

/* The series of docs/METRICS.md, "TLS", under plugin pcapflow_tls; none
 * with TlsAnalysis false. */
void pf_metrics_walk_tls(const struct pf_snapshot *snap, pf_metric_fn fn,
                         void *ctx);

#endif
