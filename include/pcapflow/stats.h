/* stats.h - what a snapshot reports besides the traffic counters: the flow
 * table's counts, TCP health and the kinds of top-N lists and latency
 * figures. Plain values, summed over a source's workers. */
#ifndef PCAPFLOW_STATS_H
#define PCAPFLOW_STATS_H

#include <stdint.h>

/* Which timeout applies to a flow (config.h); one LRU list per kind. */
enum pf_flow_kind {
  PF_FLOW_TCP,
  PF_FLOW_TCP_CLOSED,
  PF_FLOW_UDP,
  PF_FLOW_ICMP,
  PF_FLOW_OTHER,
  PF_FLOW_KIND_COUNT,
};

/* Counters and levels of the flow table. */
struct pf_flow_stats {
  uint64_t created;
  uint64_t expired; /* idle, closed-linger and active timeouts */
  uint64_t evicted; /* table full */
  uint64_t active[PF_FLOW_KIND_COUNT];
};

/* Cumulative TCP health counts (DERIVE). */
struct pf_tcp_stats {
  uint64_t retransmitted; /* segments whose data this direction sent before */
  uint64_t out_of_order;  /* segments filling a gap below the highest seen */
  uint64_t zero_window;   /* window 0 advertised (not SYN, FIN or RST) */
  uint64_t resets;        /* segments with RST */
  uint64_t unanswered;    /* SYNs with no SYN-ACK within the timeout */
  uint64_t completed;     /* handshakes completed (SYN, SYN-ACK, ACK seen) */
  uint64_t late_start;    /* connections first seen without a SYN */
};

/* The TCP latencies measured per interval: the handshake's, and with
 * TcpTiming those over a connection's life (docs/SERVICES.md). */
enum pf_tcp_latency {
  PF_TCP_SYN_SYNACK, /* SYN -> SYN-ACK: network and server, from here */
  PF_TCP_SYNACK_ACK, /* SYN-ACK -> ACK: the client side */
  PF_TCP_HANDSHAKE,  /* SYN -> ACK: their sum */
  PF_TCP_RTT_TX,     /* a segment sent (tx) -> the ACK covering it */
  PF_TCP_RTT_RX,     /* a segment received (rx) -> the ACK covering it */
  PF_TCP_JITTER,     /* |difference| of a direction's consecutive RTTs */
  PF_TCP_RESPONSE,   /* a turn's last data -> the service's answer */
  PF_TCP_LATENCY_COUNT,
};
#define PF_TCP_TIMING_FIRST PF_TCP_RTT_TX
#define PF_TCP_TIMING_COUNT (PF_TCP_LATENCY_COUNT - PF_TCP_TIMING_FIRST)

/* The figures reported of each latency per interval. */
enum pf_tcp_quantile {
  PF_TCP_P50,
  PF_TCP_P90,
  PF_TCP_P99,
  PF_TCP_MAX,
  PF_TCP_QUANTILE_COUNT,
};

/* The heavy-hitter lists, by bytes. */
enum pf_top_kind {
  PF_TOP_HOSTS,
  PF_TOP_PORTS,
  PF_TOP_FLOWS,
  PF_TOP_KIND_COUNT,
};

#endif
