/* metrics_dns.h - a snapshot's DNS figures as series (metrics_dns.c). */
#ifndef PCAPFLOW_METRICS_DNS_H
#define PCAPFLOW_METRICS_DNS_H

#include "pcapflow/metrics.h"

/* The series of docs/METRICS.md, "DNS", under plugin pcapflow_dns; none
 * with DnsAnalysis false. */
void pf_metrics_walk_dns(const struct pf_snapshot *snap, pf_metric_fn fn,
                         void *ctx);

#endif
