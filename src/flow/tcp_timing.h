/* tcp_timing.h - round-trip time, its jitter and response time over a TCP
 * connection's life, from the capture point (docs/SERVICES.md).
 *
 * Round trip, per direction: a data segment carrying new sequence space is
 * timed when no other segment of its direction is; the first ACK from the
 * other side covering its end gives a sample. Karn's rule: a segment of
 * the direction that sends sequence space below the highest seen again
 * (a retransmission, or a segment filling a gap) drops the timing, since
 * which copy was acknowledged is unknown. Jitter is RFC 3550's D: the
 * difference of a direction's consecutive samples, made absolute.
 *
 * Response time, direction-agnostic: a connection alternates turns, each
 * a run of data segments one way. When data comes the other way, the time
 * from the ended turn's last data segment is the answering side's; it is a
 * sample when that side is the service (the one that received the SYN, or
 * the lower port when the handshake was not seen: the top_port rule), so
 * client- and server-initiated exchanges and late starts all give the
 * service's response time, and a client's think time is not reported. A
 * turn holding a retransmission gives no sample.
 *
 * A sample is tcp_rtt_tx or tcp_rtt_rx by the direction of the timed
 * segment itself (PF_TT_TX0 in struct pf_tcp_timing.flags), so flows whose ends
 * are both local or both remote follow the packets' own direction.
 *
 * Times are the packets' own timestamps. A round trip is a sample below
 * 2^30 us (17.9 minutes: no TCP waits that long for an ACK without
 * resending), a response time below 2^38 us (3.18 days); a longer one, or
 * a negative one (a timestamp that went back), gives no sample. The
 * record keeps a timed segment's time in 32 bits and the turn's in 40,
 * and checks them whenever a segment's time enters a new 2^30 us window
 * (struct pf_tcp_timing.place): a timed segment older than the limit is
 * dropped, and so is a turn, before either could wrap. That holds because
 * a flow's packets are less than a day apart (TcpTimeout is at most 86400
 * s), whatever ActiveTimeout is, as long as their timestamps move with the
 * shard's clock.
 *
 * When they do not, the segment's timeline tells: its timestamp less the
 * shard's clock (packet_clock.h; a stamp less than 8 s ahead of the clock
 * is on the clock's own timeline, 0: a live clock moves at most 1 s a
 * batch, and a thread draining a backlog sees true stamps ahead of it), in
 * units of 2^20 us, which holds while
 * the clock follows the timestamps (a packet reordered by up to a second,
 * which the clock does not follow back, moves it by one unit at most) and
 * moves when it does not: a step back of more than a second, which the
 * clock holds through (a system clock stepped back, the records after one
 * stamped ahead), and the step back to the time it left (after a record
 * stamped in the past). A segment on another timeline than the record's
 * drops the record's timed segments and its turn: no difference of two
 * stamps taken across such a jump is a sample. A step forward past every
 * timeout moves the clock past them, and the connection's next packet
 * starts a new flow. Known limit: the timeline keeps 8 bits, so a jump
 * within two units (2.1 s) of a multiple of 2^28 us (4.47 minutes), zero
 * included, is not seen and can give its connection one sample off by
 * that much (before December 7 every such jump could; tests/unit/
 * test_tcp_timing_jumps.c holds the fix).
 *
 * Thread-safety: like the flow table, owned by one capture thread. */
#ifndef PCAPFLOW_TCP_TIMING_H
#define PCAPFLOW_TCP_TIMING_H

#include <stdint.h>

#include "flow/tcp.h"
#include "pcapflow/counters.h"
#include "sketch/latency_hist.h"

/* One direction's timing. */
struct pf_tcp_timed {
  uint32_t end;      /* one past the timed segment's sequence space */
  uint32_t at;       /* its timestamp, us modulo 2^32 */
  uint32_t last_rtt; /* the previous sample (us) + 1, for jitter; 0: none
                        (a sample is below 2^30) */
};

/* The state that follows a connection's record (tcp.h) with TcpTiming: 32
 * bytes per connection with a record. */
struct pf_tcp_timing {
  struct pf_tcp_timed dir[2]; /* by the flow key's side */
  uint32_t turn_last;         /* the current turn's last data: bits 0-31 */
  uint8_t turn_high;          /* and bits 32-39 of its time in us */
  uint8_t flags;              /* PF_TT_* */
  uint16_t place; /* the last segment's: bits 30-37 of its time (low byte)
                     and its timeline (tcp_timing.c), checked as one */
};

#define PF_TT_TIMED0 0x01    /* side 0 has a timed segment; << side */
#define PF_TT_TX0 0x04       /* side 0's timed segment was tx; << side */
#define PF_TT_TURN0 0x10     /* the current turn is side 0's; << side */
#define PF_TT_TURN_RETX 0x40 /* it holds a retransmission */
#define PF_TT_TURN (PF_TT_TURN0 | (PF_TT_TURN0 << 1)) /* a turn has begun */

/* Where a segment's samples go: the interval's histograms, by enum
 * pf_tcp_latency, at once; and the segment's samples by kind (from
 * PF_TCP_TIMING_FIRST), which the caller adds to the histograms of the
 * flow's class and service port when there are any (pf_tcp_sink_place):
 * those are looked up only then, for the few segments that take a sample,
 * not for every one. A segment gives a kind once at most (one ACK: a round
 * trip and its jitter; one turn: a response time). `kinds` is 0 before
 * each segment (the caller clears it once it has placed a segment's
 * samples), and the caller sets `keep` when there are such histograms:
 * without, the samples by kind are not written (kinds stays 0), which
 * spared 4 instructions a sample. */
struct pf_tcp_sink {
  struct pf_hist *lat;
  uint32_t kinds; /* bit k - PF_TCP_TIMING_FIRST: a sample of kind k */
  bool keep;      /* the samples by kind are wanted (a class's, a port's) */
  uint16_t bucket[PF_TCP_TIMING_COUNT];
  uint64_t us[PF_TCP_TIMING_COUNT];
#ifdef PF_DEBUG
  /* The kinds the segment gave, kept or not: debug builds check "once at
   * most" in every configuration, not only where `keep` writes kinds. */
  uint32_t seen;
#endif
};

/* A new segment for the debug check of its kinds (nothing otherwise). */
static inline void pf_tcp_sink_segment(struct pf_tcp_sink *sink) {
#ifdef PF_DEBUG
  sink->seen = 0;
#else
  (void)sink;
#endif
}

/* Adds the segment's samples to its class's histograms, by kind from
 * PF_TCP_TIMING_FIRST (NULL: none), and its service port's (PortTiming;
 * laid out as cls, the round trips and the response time: jitter is not
 * kept per port). Unrolled: the kinds are constants. */
static inline __attribute__((always_inline)) void
pf_tcp_sink_place(const struct pf_tcp_sink *sink, struct pf_hist *cls,
                  struct pf_hist *port) {
#pragma GCC unroll 4
  for (unsigned i = 0; i < PF_TCP_TIMING_COUNT; i++) {
    if (!((sink->kinds >> i) & 1))
      continue;
    if (cls)
      pf_hist_count(&cls[i], sink->bucket[i], sink->us[i]);
    if (port && i + PF_TCP_TIMING_FIRST != PF_TCP_JITTER)
      pf_hist_count(&port[i], sink->bucket[i], sink->us[i]);
  }
}

/* The timing state of a record of a table with timing. */
static inline struct pf_tcp_timing *pf_tcp_timing_of(struct pf_tcp_conn *c) {
  return (struct pf_tcp_timing *)(c + 1);
}

/* Times one segment of flow f sent by at->side in direction at->dir; its
 * samples go to `sink`. pf_tcp_packet calls it before its sequence
 * analysis, which moves the edges it reads. A data segment gives a
 * connection without a record one. */
void pf_tcp_timing(struct pf_flow_table *ft, struct pf_flow *f,
                   const struct pf_tcp_segment *seg,
                   const struct pf_tcp_seen *at, struct pf_tcp_sink *sink);

/* The same for the common cases that pf_tcp_packet decides first, where
 * they give what pf_tcp_timing gives without reading the record again: an
 * established connection's pure ACK at or below its sender's edge
 * (pf_tcp_timing_ack), and its new data at the edge (in order), neither
 * SYN, FIN nor RST. */
void pf_tcp_timing_ack(struct pf_tcp_conn *c, const struct pf_tcp_segment *seg,
                       const struct pf_tcp_seen *at, struct pf_tcp_sink *sink);
void pf_tcp_timing_in_order(const struct pf_flow *f, struct pf_tcp_conn *c,
                            const struct pf_tcp_segment *seg,
                            const struct pf_tcp_seen *at,
                            struct pf_tcp_sink *sink);
/* And its FIN at the edge, with data or without (no turn then). */
void pf_tcp_timing_fin(const struct pf_flow *f, struct pf_tcp_conn *c,
                       const struct pf_tcp_segment *seg,
                       const struct pf_tcp_seen *at, struct pf_tcp_sink *sink);

#endif
