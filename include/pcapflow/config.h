/* config.h - the tunables of a source's flow table, TCP analysis and
 * anomaly alarms, with their defaults (documented in docs/CONFIG.md).
 *
 * Plain values, filled by the host program (the collectd adapter, the
 * tools) inside struct pf_source_config (source.h). */
#ifndef PCAPFLOW_CONFIG_H
#define PCAPFLOW_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "pcapflow/stats.h"

/* ---- flows ---- */

#define PF_DEFAULT_MAX_FLOWS 262144
#define PF_DEFAULT_TCP_TIMEOUT 300
#define PF_DEFAULT_TCP_CLOSED_TIMEOUT 10
#define PF_DEFAULT_UDP_TIMEOUT 60
#define PF_DEFAULT_ICMP_TIMEOUT 30
#define PF_DEFAULT_OTHER_TIMEOUT 60
#define PF_DEFAULT_ACTIVE_TIMEOUT 1800
#define PF_DEFAULT_TCP_SYN_TIMEOUT 3 /* seconds */

/* Seconds a flow may stay idle, by kind; active_s bounds a flow's life. */
struct pf_flow_timeouts {
  uint32_t tcp_s, tcp_closed_s, udp_s, icmp_s, other_s, active_s;
};

/* ---- DNS (docs/SERVICES.md) ---- */

#define PF_DEFAULT_DNS_TIMEOUT 5      /* seconds: dig's own */
#define PF_DEFAULT_DNS_PENDING 16384  /* queries in flight, a shard */
#define PF_MAX_DNS_PENDING (1u << 22) /* 4 Mi entries, 160 MiB */
#define PF_DEFAULT_DNS_PORT 53
#define PF_MAX_DNS_PORTS 16 /* DnsPorts: each a compare on a candidate */

struct pf_dns_config {
  bool analysis;    /* DnsAnalysis: parse DNS at all; off: no cost */
  bool latency;     /* CollectDnsLatency: match responses to queries */
  bool top_domains; /* CollectDnsTopDomains: the top queried domains */
  bool compat;      /* DnsCompatIdentifiers: collectd's dns plugin's four series
                       under its own identifiers too */
  uint32_t timeout_s; /* DnsTimeout: a query unanswered this long */
  uint32_t pending;   /* DnsPendingQueries: a shard's queries in flight */
  uint16_t ports[PF_MAX_DNS_PORTS]; /* DnsPorts: DNS on either side */
  uint8_t n_ports;                  /* 1 to PF_MAX_DNS_PORTS */
};

/* ---- TLS server names (docs/SERVICES.md) ---- */

struct pf_tls_config {
  bool analysis;  /* TlsAnalysis: read hellos at all; off: no cost */
  uint32_t names; /* a shard's server names (derived: TopSeriesLimit) */
};

/* What one source counts per capture worker (a shard). */
struct pf_shard_config {
  uint32_t max_flows; /* for the whole source: workers share it out */
  struct pf_flow_timeouts timeouts;
  uint32_t top_capacity; /* keys each top-N sketch keeps */
  uint8_t host_prefix_v4, host_prefix_v6;
  bool tcp_analysis;          /* TCP health; off: no cost at all */
  uint32_t tcp_syn_timeout_s; /* a SYN unanswered this long has failed */
  /* TcpTiming: round trip, jitter and response time (docs/SERVICES.md);
   * off, or TCP analysis off: no cost, no series. */
  bool tcp_timing;
  bool class_timing; /* ClassTiming: their figures per traffic class too */
  /* PortTiming: the round trips and response time per top service port
   * (docs/SERVICES.md); port_timing_ports is derived: TopN when it is on
   * with TcpTiming and the top services, else 0 (no cost, no series). */
  bool port_timing;
  uint32_t port_timing_ports;
  /* Work the packet path skips, derived from the source's report switches
   * (struct pf_report_config, source.h): a group that is not reported
   * costs nothing per packet, and nothing per flow. Zero (the default)
   * does everything. */
  bool skip_flows; /* the flow table: flows, TCP, the top-N lists and
                      distinct counts (fed by flows), per-class flows */
  bool skip_top[PF_TOP_KIND_COUNT]; /* a top-N list, by enum pf_top_kind */
  bool skip_distinct;               /* the distinct counts (HyperLogLog) */
  struct pf_dns_config dns;
  struct pf_tls_config tls;
};

/* ---- anomaly alarms ---- */

#define PF_DEFAULT_SYN_FLOOD_THRESHOLD 1000
#define PF_DEFAULT_PORT_SCAN_THRESHOLD 200
#define PF_DEFAULT_ANOMALY_WINDOW 10
#define PF_DEFAULT_ANOMALY_COOLDOWN 300

struct pf_anomaly_config {
  uint32_t syn_flood_threshold; /* half-open SYNs to one target per window */
  uint32_t port_scan_threshold; /* destinations of one source per window */
  uint32_t window_s;            /* evidence is judged per window */
  uint32_t cooldown_s; /* after an OKAY, no new WARNING for the same key */
};

enum pf_notify_severity {
  PF_NOTIFY_WARNING,
  PF_NOTIFY_OKAY,
};

#endif
