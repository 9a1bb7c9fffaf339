/* metrics.h - a snapshot as the list of metrics the plugin dispatches.
 *
 * The engine owns the names (docs/METRICS.md is their contract) so that the
 * collectd adapter and the command-line tools print exactly the same
 * identifiers. Types are collectd types.db names, as plain strings. */
#ifndef PCAPFLOW_METRICS_H
#define PCAPFLOW_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "pcapflow/source.h"

enum pf_metric_kind {
  PF_METRIC_DERIVE, /* counts; values in .derive */
  PF_METRIC_GAUGE,  /* levels; values in .gauge */
};

/* Appended to the source's name, after a dash, to form the plugin_instance
 * of the per-traffic-class series (docs/METRICS.md, "Traffic rules"). */
#define PF_METRICS_CLASS_SUFFIX "class"

/* The source's own series go under plugin "pcapflow"; its DNS series
 * (docs/METRICS.md, "DNS") under this one, with the source's name as
 * plugin_instance, so that a DNS type_instance can never collide with a
 * series of the source. */
#define PF_METRICS_PLUGIN "pcapflow"
#define PF_METRICS_DNS_PLUGIN "pcapflow_dns"
/* collectd's own dns plugin, whose identifiers DnsCompatIdentifiers
 * repeats: plugin "dns", an empty plugin_instance. */
#define PF_METRICS_DNS_COMPAT_PLUGIN "dns"

struct pf_metric {
  const char *plugin; /* NULL: PF_METRICS_PLUGIN; or PF_METRICS_DNS_PLUGIN */
  /* NULL: plugin_instance is the source's name; else the source's name,
   * "-" and this (PF_METRICS_CLASS_SUFFIX). */
  const char *instance_suffix;
  bool no_instance; /* an empty plugin_instance (collectd's dns plugin's) */
  const char *type; /* "if_packets", "packets", "gauge", … */
  const char *type_instance; /* "tcp", "malformed_snaplen", … */
  enum pf_metric_kind kind;
  unsigned n_values; /* 2 for rx/tx types, else 1 */
  uint64_t derive[2];
  double gauge;
};

typedef void (*pf_metric_fn)(const struct pf_metric *metric, void *ctx);

/* Calls fn once per metric of the snapshot, always the same list in the
 * same order, except that TCP latency figures appear only in intervals
 * with a sample. With traffic rules, the per-class series come last, one
 * group per class of the snapshot's rule set. */
void pf_metrics_walk(const struct pf_snapshot *snap, pf_metric_fn fn,
                     void *ctx);

#endif
