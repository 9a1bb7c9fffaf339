/* dns_stats.h - what a snapshot reports of DNS (docs/METRICS.md, "DNS"):
 * messages by query type, opcode and response code under the names
 * collectd's own dns plugin gives them, latency, unanswered queries and
 * the top queried domains. Plain values, summed over a source's workers;
 * the engine names them (the API does not know DNS). */
#ifndef PCAPFLOW_DNS_STATS_H
#define PCAPFLOW_DNS_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "pcapflow/stats.h"

/* Series names collectd's dns plugin would give ("AAAA", "RCode0",
 * "Opcode3", "#65") and the other DNS counters' names. */
#define PF_DNS_SERIES_NAME_MAX 24

struct pf_named_count {
  char name[PF_DNS_SERIES_NAME_MAX];
  uint64_t value;
};

/* Bounds of the lists: every query type the engine counts apart (0 to 258,
 * TA, DLV and one "other"), 16 opcodes and rcodes (4 bits each), the
 * parser's failure reasons with "snaplen", "tcp_unframed" and
 * "tcp_framing_evicted". */
#define PF_DNS_QTYPE_SERIES 262
#define PF_DNS_CODE_SERIES 16
#define PF_DNS_ERROR_SERIES 9

struct pf_dns_snapshot {
  bool enabled;       /* DnsAnalysis */
  bool latency;       /* CollectDnsLatency */
  bool top_domains;   /* CollectDnsTopDomains */
  bool compat;        /* DnsCompatIdentifiers */
  uint64_t octets[2]; /* queries, responses: bytes of DNS messages */
  /* Counts that have ever been non-zero, in code order (so the list of
   * series only grows, and is bounded by the arrays). */
  uint32_t n_qtype, n_opcode, n_rcode;
  struct pf_named_count qtype[PF_DNS_QTYPE_SERIES];
  struct pf_named_count opcode[PF_DNS_CODE_SERIES];
  struct pf_named_count rcode[PF_DNS_CODE_SERIES];
  /* Payloads on a DNS port that were not read as DNS: every reason. */
  uint32_t n_errors;
  struct pf_named_count errors[PF_DNS_ERROR_SERIES];
  uint64_t truncated;  /* responses with TC */
  uint64_t unmatched;  /* responses without a query waiting */
  uint64_t unanswered; /* queries without a response within DnsTimeout */
  uint64_t evicted;    /* queries dropped from a full DnsPendingQueries */
  /* This interval's query-to-response latency in seconds: p50, p90, p99,
   * max; NaN without a sample. */
  double latency_s[PF_TCP_QUANTILE_COUNT];
};

#endif
