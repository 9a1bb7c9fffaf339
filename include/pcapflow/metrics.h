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

/* The source's own series go under plugin "pcapflow"; those of its
 * traffic classes (docs/METRICS.md, "Traffic rules") under this one, so
 * that a class is a label of its own in every writer and can never
 * collide with a series of the source. */
#define PF_METRICS_PLUGIN "pcapflow"
#define PF_METRICS_CLASS_PLUGIN "pcapflow_class"

/* Its DNS series (docs/METRICS.md, "DNS") under this one, with the
 * source's name as plugin_instance, for the same reason. */
#define PF_METRICS_DNS_PLUGIN "pcapflow_dns"
/* collectd's own dns plugin, whose identifiers DnsCompatIdentifiers
 * repeats: plugin "dns", an empty plugin_instance. */
#define PF_METRICS_DNS_COMPAT_PLUGIN "dns"
/* Its TLS series (docs/METRICS.md, "TLS"), likewise. */
#define PF_METRICS_TLS_PLUGIN "pcapflow_tls"
/* Its TCP timing per top service port (PortTiming; METRICS.md, "TCP
 * timing per port"), as the classes': the port as type_instance. */
#define PF_METRICS_PORT_PLUGIN "pcapflow_port"

struct pf_metric {
  /* PF_METRICS_PLUGIN, PF_METRICS_CLASS_PLUGIN, PF_METRICS_DNS_PLUGIN,
   * PF_METRICS_DNS_COMPAT_PLUGIN, PF_METRICS_TLS_PLUGIN or
   * PF_METRICS_PORT_PLUGIN */
  const char *plugin;
  /* NULL: plugin_instance is the source's name; else the source's name,
   * "-" and this (the percentile of a class's latency: "p90"). */
  const char *instance_suffix;
  bool no_instance; /* an empty plugin_instance (collectd's dns plugin's) */
  const char *type; /* "if_packets", "errors", "duration", … */
  const char *type_instance; /* "tcp", "malformed_snaplen", … */
  enum pf_metric_kind kind;
  unsigned n_values; /* 2 for rx/tx types, else 1 */
  uint64_t derive[2];
  double gauge;
};

typedef void (*pf_metric_fn)(const struct pf_metric *metric, void *ctx);

/* Calls fn once per metric of the snapshot, always the same list in the
 * same order for a configuration (snap->report says which groups), except
 * that TCP latency figures appear only in intervals with a sample. With
 * traffic rules, the per-class series come last, one group per class of
 * the snapshot's rule set. */
void pf_metrics_walk(const struct pf_snapshot *snap, pf_metric_fn fn,
                     void *ctx);

#endif
