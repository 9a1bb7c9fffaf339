/* shard_packet.c - the per-packet path after decoding (docs/HOT_PATH.md):
 * count the packet, make its flow key and ask for its bucket, then, in a
 * vector of packets once their buckets and entries have arrived, find the
 * flow, add the packet to the flow's epoch and analyse TCP segments.
 * Nothing that a flow decides is done per packet. The steps are inlined
 * (always_inline): each runs once a packet, and a call costs its spills
 * (docs/PERFORMANCE_HISTORY.md, the second stage's table). */
#include "shard/shard.h"

#include "flow/tcp_timing.h"
#include "shard/epoch.h"
#include "shard/packet_counters.h"

#include <string.h>

/* ---- the flow's part ---- */

PF_STATIC_ASSERT(PF_QUEUED_PORTS == PF_IV_PORTS(0),
                 "the queued ports bit is the flow's side-0 ports mark");

/* A SYN without ACK or RST: evidence of SYN floods and scans. */
static bool pf_is_syn(const struct pf_packet *pkt) {
  return pkt->l4 == PF_L4_TCP && !pkt->later_fragment &&
         (pkt->tcp_flags & (PF_TCP_SYN | PF_TCP_ACK | PF_TCP_RST)) ==
             PF_TCP_SYN;
}

/* A segment's latency samples by the flow's class's timing histograms
 * (tcp_timing.h; none without ClassTiming or TcpTiming, which leave that
 * set empty, and then no class lookup) and its service port's
 * (port_latency.h; none without PortTiming). Looked up here, for the few
 * segments that took a sample (the interval's histograms have them
 * already), rather than for every segment: out of line. The sink's kinds
 * are cleared here, for the next segment: a segment without a sample
 * leaves them 0, and clearing them before each one cost a store a
 * segment. */
__attribute__((noinline)) static void
pf_account_timing(struct pf_shard *s, const struct pf_flow *flow,
                  struct pf_tcp_sink *sink) {
  struct pf_hist *cls = pf_class_counters_timing(&s->classes, flow);
  pf_tcp_sink_place(sink, cls, pf_port_latency_of(&s->ports, flow));
  sink->kinds = 0;
}

/* The evidence of SYN floods and port scans. The addresses and the port
 * are the flow's, read from the packet's probe (the same key) rather than
 * from its entry: a flood's entry was written just now, and a read of it
 * waited for its line. */
static inline __attribute__((always_inline)) void
pf_account_anomaly(struct pf_shard *s, const struct pf_queued_packet *q,
                   uint8_t side, bool new_udp, bool completed) {
  const struct pf_flow_probe *p = &q->probe;
  bool v6 = p->family == 6;
  const uint8_t *src = v6 ? p->key.k6.addr[side] : p->key.k4.addr[side];
  const uint8_t *dst = v6 ? p->key.k6.addr[!side] : p->key.k4.addr[!side];
  pf_anomaly_packet(&s->cur->anomaly, s->seed, v6 ? 6 : 4, src, dst,
                    p->key.k4.port[!side], (q->flags & PF_QUEUED_SYN) != 0,
                    new_udp, completed);
}

/* TCP analysis, and the evidence of SYN floods and port scans. */
static inline __attribute__((always_inline)) void
pf_account_tcp(struct pf_shard *s, const struct pf_queued_packet *q,
               struct pf_flow_update up, struct pf_tcp_sink *sink) {
  /* A SYN is TCP's (pf_prepare), a new UDP flow not: each branch tests
   * what it can have, and the evidence has one call (new_udp worked out
   * for every packet cost 1.5 instructions a mixed frame). */
  bool completed = false, new_udp = false;
  if (q->l4 == PF_L4_TCP) {
    uint64_t handshake_us;
    PF_ASSERT(sink->kinds == 0); /* its samples set their kinds' bits */
    pf_tcp_sink_segment(sink);
    const struct pf_tcp_seen at = {
        .now_us = q->now_us, .ts_us = q->ts_us, .side = up.side, .dir = q->dir};
    completed = pf_tcp_packet(&s->flows, up.flow, up.ref, &q->seg, &at, sink,
                              &handshake_us);
    /* It took a sample, which a class's or a port's figures keep (kinds
     * is set only when they are: pf_tcp_sink_of). */
    if (sink->kinds)
      pf_account_timing(s, up.flow, sink);
    /* Its handshake latency, by the flow's class, when it gave one. */
    if (completed && handshake_us != PF_TCP_NO_SAMPLE)
      pf_class_counters_handshake(&s->classes, up.flow, handshake_us);
    if (!completed && !(q->flags & PF_QUEUED_SYN))
      return;
  } else {
    if (!up.created || q->l4 != PF_L4_UDP)
      return;
    new_udp = true;
  }
  pf_account_anomaly(s, q, up.side, new_udp, completed);
}

/* The sink of a vector's (or a packet's) TCP samples: the interval's
 * histograms, and whether a class's or a port's histograms keep them too
 * (neither can change under a vector: a rules reload or an interval swap
 * drains the queue first, under the same lock). */
static inline __attribute__((always_inline)) struct pf_tcp_sink
pf_tcp_sink_of(const struct pf_shard *s) {
  return (struct pf_tcp_sink){
      .lat = s->cur->tcp.latency,
      .keep = (s->classes.timing.count | s->ports.slots) != 0};
}

/* DNS and TLS, rare: one test of the flags for both, the work out of
 * line. */
__attribute__((noinline)) static void
pf_account_services(struct pf_shard *s, const struct pf_queued_packet *q,
                    struct pf_flow_update up) {
  if (q->flags & PF_QUEUED_DNS)
    pf_dns_flow(&s->dns, up.ref, up.flow->first32, &q->dns, q->now_us, q->ts_us,
                &s->cur->dns_latency);
  if (q->flags & PF_QUEUED_TLS)
    pf_tls_flow(&s->flows, up.flow, q->tls_name);
}

/* `sink`: its `lat`, the current interval's TCP latency histograms, set
 * once a vector rather than once a segment (the interval cannot change
 * under a vector: a swap drains the queue first). Read per segment, through
 * s->cur, it cost 1.5 instructions a mixed frame, and stored in a sink of
 * the segment's 2 more. The configuration's tests
 * (skip_feed, tcp.conns) stay per packet: passed in too, they cost more
 * registers than they saved (+2 a mixed frame). */
static inline __attribute__((always_inline)) void
pf_account(struct pf_shard *s, const struct pf_queued_packet *q,
           struct pf_tcp_sink *sink, uint8_t gen) {
  struct pf_flow_packet fp = {
      .wire_len = q->wire_len,
      .tcp_flags = q->seg.flags,
      .tcp = (q->flags & PF_QUEUED_TCP) != 0,
      /* Read only when the packet makes a flow: worked out without a
       * branch (with && it cost 7 instructions a mixed frame). */
      .syn_wait = q->seg.valid & ((q->flags & PF_QUEUED_SYN) != 0),
  };
  struct pf_flow_update up =
      pf_flow_table_account_monotonic(&s->flows, &q->probe, &fp, q->now_us);
  if (up.created)
    pf_class_counters_flow(&s->classes, up.flow, q->rule_class);
  if (!s->skip_feed) /* a top-N list or a distinct count is reported */
    pf_epoch_touch(s, gen, up.flow, up.ref, up.side, q->dir, q->wire_len,
                   q->flags & PF_QUEUED_PORTS); /* the mark as it is */
  /* Before TCP's, which ends the function (a tail call). */
  if (q->flags & (PF_QUEUED_DNS | PF_QUEUED_TLS))
    pf_account_services(s, q, up);
  if (s->flows.tcp.conns)
    pf_account_tcp(s, q, up, sink);
}

/* ---- the packet's part ---- */

/* Counts the packet and makes what its flow's part needs. Returns false
 * for packets without a flow: counted, nothing more. */
static inline __attribute__((always_inline)) bool
pf_prepare(struct pf_shard *s, const struct pf_packet *pkt, enum pf_dir dir,
           enum pf_locality locality, uint64_t ts_us,
           struct pf_queued_packet *q) {
  pf_counters_add(&s->counters, pkt, dir, locality);
  unsigned rule_class = pf_class_counters_add(&s->classes, pkt, dir);
  /* Every packet moves packet time on, whether or not it has a flow. */
  uint64_t now_us = pf_packet_clock_step(&s->clock, ts_us);
  s->batch_packets++;
  /* Without a flow (non-IP, malformed, or nothing reported needs the flow
   * table: struct pf_shard_config), counting it was all. */
  if ((pkt->l3 != PF_L3_IPV4 && pkt->l3 != PF_L3_IPV6) || s->skip_flows)
    return false;
  pf_flow_table_probe(&s->flows, pkt, &q->probe);
  bool tcp = pkt->l4 == PF_L4_TCP && !pkt->later_fragment;
  if (s->flows.tcp.conns && tcp)
    pf_tcp_segment_of(pkt, &q->seg);
  else
    q->seg.valid = false;
  q->seg.flags = tcp ? pkt->tcp_flags : 0;
  q->now_us = now_us;
  q->ts_us = ts_us;
  q->wire_len = pkt->wire_len;
  q->dir = (uint8_t)dir;
  q->l4 = pkt->l4;
  q->rule_class = (uint8_t)rule_class;
  q->flags = (uint8_t)((pkt->has_ports ? PF_QUEUED_PORTS : 0) |
                       (tcp ? PF_QUEUED_TCP : 0) |
                       (pf_is_syn(pkt) ? PF_QUEUED_SYN : 0));
  if (pf_dns_wanted(&s->dns, pkt)) {
    struct pf_feed *fd = &s->feed[s->fcur];
    struct pf_dns_top top = {.batch = &fd->dns_batch,
                             .top = &fd->iv->dns_domains};
    struct pf_dns_where w = {.top = &top,
                             .flow_hash = q->probe.hash,
                             .now_us = now_us,
                             .side = q->probe.side};
    q->dns = (struct pf_dns_queued){.kind = PF_DNS_QUEUED_NONE};
    pf_dns_packet(&s->dns, pkt, &w, &q->dns);
    if (q->dns.kind != PF_DNS_QUEUED_NONE)
      q->flags |= PF_QUEUED_DNS;
  } else if (pf_tls_wanted(&s->tls, pkt, q->probe.hash)) { /* not port 53 */
    struct pf_tls_where w = {
        .flow_hash = q->probe.hash, .now_us = now_us, .side = q->probe.side};
    if (pf_tls_packet(&s->tls, pkt, &w, &q->tls_name))
      q->flags |= PF_QUEUED_TLS;
  }
  return true;
}

void pf_shard_packet(struct pf_shard *s, const struct pf_packet *pkt,
                     enum pf_dir dir, enum pf_locality locality,
                     uint64_t ts_us) {
  pf_shard_drain(s); /* in order with what is queued */
  struct pf_queued_packet q;
  struct pf_tcp_sink sink = pf_tcp_sink_of(s);
  if (pf_prepare(s, pkt, dir, locality, ts_us, &q))
    pf_account(s, &q, &sink, pf_epoch_gen(s));
}

/* ---- the vector ---- */

/* The packets a shard holds between counting and accounting, so that
 * flow-table memory is fetched ahead of use, in vectors.
 *
 * With a million flows a packet's bucket and its flow's entry are both
 * cache misses, and accounting would wait on them one after the other. A
 * packet's bucket is asked for when it is counted; when the vector is full
 * the first entry of each packet's chain is asked for, all of them at
 * once (when the table has outgrown the cache: below, they are there);
 * then the packets are accounted in order. The vector keeps what
 * accounting reads, not the frame.
 *
 * A live source's table is out of the cache whatever its size: between
 * two packets of a flow the kernel's ring streams megabytes through it
 * (another core wrote the frames). There the entries are asked for
 * always, and then each TCP segment's record, read from its entry: a
 * record's line was half the vector's wait live (docs/PERFORMANCE.md,
 * "Live CPU"). Live, both are asked for in a pipeline as packets are
 * queued (pf_fetch_behind), so that most have arrived when the vector
 * runs, which asks for them all again: cheap, they are in cache, and a
 * file's vector keeps its code (docs/PERFORMANCE.md, "Live CPU's
 * waits"). */

/* Live (fetch_ahead), as a packet is queued: the chain's first entry of
 * the packet PF_FETCH_ENTRY_LAG slots back is asked for (its bucket,
 * asked for when that packet was prepared, has arrived by then), and the
 * TCP record of the one PF_FETCH_RECORD_LAG slots back (whose entry has).
 * Asked for at the vector's run instead, a record's line came just before
 * its use, and the first packets accounted waited for it. */
#define PF_FETCH_ENTRY_LAG 8
#define PF_FETCH_RECORD_LAG 16
PF_STATIC_ASSERT(PF_FETCH_ENTRY_LAG < PF_FETCH_RECORD_LAG &&
                     PF_FETCH_RECORD_LAG < PF_SHARD_QUEUE_DEPTH,
                 "a record is asked for after its entry, within a vector");

static inline __attribute__((always_inline)) void
pf_fetch_behind(struct pf_shard *s, unsigned n) {
  if (n > PF_FETCH_ENTRY_LAG)
    pf_flow_table_prefetch_entry(&s->flows,
                                 &s->queue[n - 1 - PF_FETCH_ENTRY_LAG].probe);
  if (n > PF_FETCH_RECORD_LAG && s->flows.tcp.conns) {
    const struct pf_queued_packet *q = &s->queue[n - 1 - PF_FETCH_RECORD_LAG];
    if (q->flags & PF_QUEUED_TCP)
      pf_flow_table_prefetch_record(&s->flows, &q->probe);
  }
}

static void pf_vector_run(struct pf_shard *s) {
  unsigned n = s->queue_len;
  if (s->fetch_ahead || pf_flow_table_beyond_cache(&s->flows))
    for (unsigned i = 0; i < n; i++)
      pf_flow_table_prefetch_entry(&s->flows, &s->queue[i].probe);
  if (s->fetch_ahead && s->flows.tcp.conns)
    for (unsigned i = 0; i < n; i++)
      if (s->queue[i].flags & PF_QUEUED_TCP)
        pf_flow_table_prefetch_record(&s->flows, &s->queue[i].probe);
  struct pf_tcp_sink sink = pf_tcp_sink_of(s);
  uint8_t gen = pf_epoch_gen(s);
  for (unsigned i = 0; i < n; i++)
    pf_account(s, &s->queue[i], &sink, gen);
  s->queue_len = 0;
}

/* always_inline: inlined (link-time optimisation) into both of the
 * capture's per-packet paths (capture.c, pf_capture_frame); with two
 * callers it would be kept out of line. */
__attribute__((always_inline)) inline void
pf_shard_enqueue(struct pf_shard *s, const struct pf_packet *pkt,
                 enum pf_dir dir, enum pf_locality locality, uint64_t ts_us) {
  if (s->queue_len == PF_SHARD_QUEUE_DEPTH)
    pf_vector_run(s);
  /* The slot's address, held: without the barrier the compiler
   * recomputes it from the index (x112, three instructions) at each of
   * pf_prepare's stores, under register pressure: 17 instructions a mixed
   * frame (docs/PERFORMANCE.md, "The capture side"). */
  struct pf_queued_packet *q = &s->queue[s->queue_len];
  __asm__("" : "+r"(q));
  if (pf_prepare(s, pkt, dir, locality, ts_us, q))
    s->queue_len++;
}

void pf_shard_fetch_behind(struct pf_shard *s) {
  pf_fetch_behind(s, s->queue_len);
}

void pf_shard_drain(struct pf_shard *s) {
  if (s->queue_len > 0)
    pf_vector_run(s);
}
