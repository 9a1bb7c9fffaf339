/* tls_stats.h - what a snapshot reports of TLS (docs/METRICS.md, "TLS"):
 * hellos by version, those read in part or not at all, and the top server
 * names by bytes of the flows they opened (a pf_top_list of the snapshot).
 * Plain values, summed over a source's workers and named by the engine. */
#ifndef PCAPFLOW_TLS_STATS_H
#define PCAPFLOW_TLS_STATS_H

#include <stdbool.h>
#include <stdint.h>

#define PF_TLS_SERIES_NAME_MAX 32

struct pf_tls_count {
  char name[PF_TLS_SERIES_NAME_MAX]; /* "offered_tls1_3", "hello_partial" */
  uint64_t value;
};

/* Every series, zero or not: the versions offered and selected (SSL 3.0,
 * TLS 1.0 to 1.3, other: 12), hello_partial and its 4 causes,
 * hello_reassembled and the parser's 8 failure reasons. */
#define PF_TLS_COUNT_SERIES 26

struct pf_tls_snapshot {
  bool enabled; /* TlsAnalysis */
  bool top;     /* the top server names (TlsAnalysis with TcpAnalysis) */
  uint32_t n;
  struct pf_tls_count count[PF_TLS_COUNT_SERIES];
};

#endif
