/* tcp.h - passive TCP health analysis: handshake latency, retransmitted
 * and out-of-order segments, zero windows, resets, unanswered SYNs.
 *
 * Its state lives with the flow, small for most connections: the flow's
 * tcp_state byte holds the handshake's state and which side's edge is
 * known, and a connection that has seen one segment (a SYN of a flood, a
 * late start) keeps that one edge in the flow's tcp_ext and its SYN's
 * timestamp in tcp_syn32. Only a connection with more to remember (both
 * edges, a gap, the SYN-ACK's time) takes a 32-byte record from a pool
 * that is reserved for MaxFlows and mapped as it is used; it gives it back
 * when the flow ends. UDP, ICMP and other flows take nothing.
 *
 * Unanswered SYNs are found without lists of their own: a connection whose
 * SYN waits for its answer sits on the flow table's SYN-wait LRU list,
 * which keeps the order of the SYNs (a SYN sent again does not move it),
 * so the ones past the timeout are at its tail.
 *
 * A record's last 4 bytes keep the flow's TLS server name (shard/tls.h).
 * With TcpTiming, each record is followed by the round-trip and response
 * time state of tcp_timing.h (32 bytes more, so a record is one 64-byte
 * cache line); without it, records stay 32 bytes. More analysis grows a
 * record at the cost of memory per TCP connection with data, not per flow.
 *
 * Thread-safety: like the flow table, owned by one capture thread. */
#ifndef PCAPFLOW_TCP_H
#define PCAPFLOW_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "packet/decode.h"
#include "pcapflow/stats.h"
#include "sketch/latency_hist.h"

struct pf_flow;
struct pf_flow_table;
struct pf_tcp_sink; /* tcp_timing.h */

struct pf_tcp_interval {
  struct pf_hist latency[PF_TCP_LATENCY_COUNT];
};

/* One direction of a connection's sequence space. */
struct pf_tcp_dir {
  uint32_t next;             /* one past the highest sequence number seen */
  uint32_t hole_lo, hole_hi; /* [lo, hi): the latest gap never seen; none
                                when lo == hi */
};

/* A connection's record; its size is memory per TCP connection that got
 * past its first segment (a _Static_assert in tcp.c holds it). */
struct pf_tcp_conn {
  struct pf_tcp_dir dir[2]; /* by the flow key's side */
  int32_t synack_after_us;  /* the SYN-ACK's timestamp less the SYN's,
                               strictly between INT32_MIN (no sample) and
                               INT32_MAX (too late to time): tcp.c,
                               PF_TCP_UNTIMED and PF_TCP_FAR */
  uint32_t tls_name; /* with PF_TCPS_NAMED: the TLS server name's index in
                        the shard's table (shard/tls.h), the first the
                        flow's ClientHellos gave; free list link unused */
};

/* pf_flow.tcp_state: the handshake (enum pf_tcp_state, tcp.c) in the low
 * bits, then these. */
#define PF_TCPS_MASK 0x07
#define PF_TCPS_CLIENT 0x08 /* side 1 sent the SYN */
#define PF_TCPS_KNOWN0 0x10 /* side 0's edge is known */
#define PF_TCPS_KNOWN1 0x20
#define PF_TCPS_RECORD 0x40 /* tcp_ext is a record, else the known edge */
#define PF_TCPS_NAMED 0x80  /* the record keeps a TLS server name */

#define PF_TCP_NONE UINT32_MAX

struct pf_tcp_table {
  struct pf_tcp_conn *conns; /* NULL: analysis off; 1 << rec_shift bytes a
                                record (pf_tcp_conn_at) */
  /* 1 << rec_shift, which pf_tcp_conn_at multiplies by: the multiply
   * takes it from memory, where the shift needed its count in a register
   * first (cl). */
  uint64_t rec_size;
  uint32_t max_conns;
  uint8_t rec_shift; /* 5; 6 with the timing state of tcp_timing.h */
  bool timing;       /* TcpTiming: round trip, jitter, response time */
  uint32_t free_head, next_unused;
  uint64_t syn_timeout_us;
  struct pf_tcp_stats stats;
  /* pf_tcp_fast_sides (tcp.c), copied: read at an offset from the table
   * that the packet loop holds in a register, the common case's test
   * needs no instruction for the static table's address (one a TCP
   * segment). */
  uint8_t fast_sides[256];
};

/* What the analysis reads of a segment, taken from the frame when it is
 * decoded (the frame is not kept). */
struct pf_tcp_segment {
  uint32_t seq;
  uint32_t ack;     /* the acknowledgement number, meaningful with PF_TCP_ACK */
  uint32_t payload; /* data bytes, by the IP header's length */
  uint16_t window;
  uint8_t flags; /* PF_TCP_* */
  bool valid;    /* a whole TCP header was read */
};

/* Reads the segment of a decoded packet (valid false when it has no whole
 * TCP header: not TCP, a later fragment; one cut by the snapshot length
 * is malformed, not TCP), from the header the decoder checked, but
 * for its flags: the caller sets them from pkt->tcp_flags, which the
 * decoder read from the same header, as it does for every packet (the
 * shard's counters read them; one store, not two). */
void pf_tcp_segment_of(const struct pf_packet *pkt, struct pf_tcp_segment *s);

/* Reserves max_conns records, with the timing state of tcp_timing.h when
 * `timing`. Returns 0, or -1 with err. */
int pf_tcp_table_init(struct pf_tcp_table *t, uint32_t max_conns,
                      uint32_t syn_timeout_s, bool timing, char *err,
                      size_t errlen);
void pf_tcp_table_free(struct pf_tcp_table *t);

/* Record i of the pool. */
static inline struct pf_tcp_conn *pf_tcp_conn_at(const struct pf_tcp_table *t,
                                                 uint32_t i) {
  PF_ASSERT(t->rec_size == (uint64_t)1 << t->rec_shift);
  return (struct pf_tcp_conn *)((char *)t->conns + (size_t)i * t->rec_size);
}

/* The flow's record, taken now (zeroed, holding the edge the flow kept)
 * when it has none. NULL when the pool is spent, which it cannot be: it
 * has a record for every flow of the table. */
struct pf_tcp_conn *pf_tcp_grow(struct pf_flow_table *ft, struct pf_flow *f);

/* When and how a segment was seen. */
struct pf_tcp_seen {
  uint64_t now_us; /* the shard's clock (packet_clock.h) */
  uint64_t ts_us;  /* the segment's own timestamp (two's complement) */
  uint8_t side;    /* its sender, by the flow key's side */
  uint8_t dir;     /* enum pf_dir: rx or tx, for the timing's samples */
};

/* *handshake_us of a completed handshake that gives no latency sample
 * (with ActiveTimeout 0, its SYN-ACK came after the SYN's timeout and its
 * age may not read true: tcp.c, pf_tcp_answer). */
#define PF_TCP_NO_SAMPLE UINT64_MAX

/* Analyses one segment of flow f (reference ref), with TcpTiming its round
 * trip and response time too (tcp_timing.h). Latency samples go to `sink`
 * (the handshake's to sink->lat alone), its kinds' bits set for those the
 * caller adds by class and port (clear them before). Returns true when the
 * segment completed a handshake, with its SYN-to-ACK time in *handshake_us
 * (PF_TCP_NO_SAMPLE when it gives none). Does nothing when analysis is off
 * or the segment is not valid. */
bool pf_tcp_packet(struct pf_flow_table *ft, struct pf_flow *f, uint32_t ref,
                   const struct pf_tcp_segment *seg,
                   const struct pf_tcp_seen *at, struct pf_tcp_sink *sink,
                   uint64_t *handshake_us);

/* A flow leaves the table: its record goes back, and a SYN still waiting
 * for its answer counts as unanswered (the attempt got none while it was
 * tracked). */
void pf_tcp_release(struct pf_flow_table *ft, struct pf_flow *f);

/* The flow keeps a TLS server name's index (shard/tls.h) unless it keeps
 * one already: the first name wins. Takes a record if the flow has none (a
 * TLS connection has both directions anyway); nothing when analysis is
 * off. */
void pf_tcp_keep_name(struct pf_flow_table *ft, struct pf_flow *f,
                      uint32_t name);

/* A packet at now_us of flow f (reference ref), which waits on the SYN-wait
 * list: if its SYN's timeout has passed, counts it unanswered, as the
 * batch's tick would have, and ends its wait at this packet (the flow goes
 * to its kind's head now, not in the tick's run: docs/PERFORMANCE.md, "The
 * flood's waits"). Called by pf_flow_table_account before the
 * packet becomes the flow's last, while its age reads true (tcp.c). */
void pf_tcp_wait_over(struct pf_flow_table *ft, uint32_t ref, struct pf_flow *f,
                      uint64_t now_us);

/* Counts the SYNs whose timeout passed by now_us as unanswered. */
void pf_tcp_tick(struct pf_flow_table *ft, uint64_t now_us);

void pf_tcp_interval_reset(struct pf_tcp_interval *iv);
void pf_tcp_interval_merge(struct pf_tcp_interval *dst,
                           const struct pf_tcp_interval *src);
void pf_tcp_stats_add(struct pf_tcp_stats *dst, const struct pf_tcp_stats *s);

/* Sequence-space comparisons, correct across the 2^32 wrap when the two
 * numbers are less than 2^31 apart. */
static inline bool pf_seq_lt(uint32_t a, uint32_t b) {
  return (int32_t)(a - b) < 0;
}
static inline bool pf_seq_le(uint32_t a, uint32_t b) {
  return (int32_t)(a - b) <= 0;
}

#endif
