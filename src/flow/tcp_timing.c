/* tcp_timing.c - per segment: round-trip samples from the ACKs covering a
 * timed segment (Karn's rule), their jitter, and the service's response
 * time at each change of turn (tcp_timing.h). */
#include "flow/tcp_timing.h"

#include "flow/flow.h"

/* The longest round trip: a timed segment older than this gives no
 * sample, and the next new data replaces it (tcp_timing.h, "Times"). */
#define PF_TT_STALE_US (1u << 30)
/* The window a segment's time falls in, of PF_TT_STALE_US each. */
#define PF_TT_WINDOW_SHIFT 30
/* A segment's timeline: its timestamp less the shard's clock, in units of
 * 2^20 us. The clock moves with the timestamps, so the timeline holds,
 * but for a reordered packet, which the clock does not follow back by up
 * to a second (packet_clock.h: PF_CLOCK_RESYNC_US, under a unit), and a
 * jump the clock does not follow: a step back past that second, which it
 * holds through, and the step back to the time it left. */
#define PF_TT_TIMELINE_SHIFT 20
/* How far ahead of the clock a stamp is still on its timeline: a live
 * capture thread 8 s behind its traffic (2^23 us; its clock gains 1 s a
 * batch). A 5-minute step forward is well past it. */
#define PF_TT_BACKLOG_US (1ull << 23)
#define PF_TT_WINDOW_OF(place) ((uint8_t)(place))
#define PF_TT_TIMELINE_OF(place) ((uint8_t)((place) >> 8))
/* The longest response time, and the range of the turn's 40-bit stamp: a
 * difference from half of it on is negative (a timestamp went back). */
#define PF_TT_RESPONSE_MAX_US (1ull << 38)
#define PF_TT_TURN_BITS 40
#define PF_TT_TURN_MASK ((1ull << PF_TT_TURN_BITS) - 1)
#define PF_TT_TURN_NEGATIVE (1ull << (PF_TT_TURN_BITS - 1))

/* A sample of kind k in bucket b: the interval's histogram, and the
 * segment's samples by kind for its class's and its port's (tcp_timing.h,
 * struct pf_tcp_sink). */
static inline __attribute__((always_inline)) void
pf_tt_count(struct pf_tcp_sink *out, enum pf_tcp_latency k, unsigned b,
            uint64_t us) {
  pf_hist_count(&out->lat[k], b, us);
  unsigned i = k - PF_TCP_TIMING_FIRST;
#ifdef PF_DEBUG
  PF_ASSERT(i < PF_TCP_TIMING_COUNT && !((out->seen >> i) & 1));
  out->seen |= 1u << i;
#endif
  if (!out->keep)
    return;
  PF_ASSERT(!((out->kinds >> i) & 1));
  out->kinds |= 1u << i;
  out->bucket[i] = (uint16_t)b;
  out->us[i] = us;
}

static inline __attribute__((always_inline)) void
pf_tt_add(struct pf_tcp_sink *out, enum pf_tcp_latency k, uint64_t us) {
  pf_tt_count(out, k, pf_hist_bucket_of(us), us);
}

/* Round trips, their jitter and most response times fit 32 bits, which
 * spares the histograms' adds their test for the last bucket. Inline: a
 * call would cost its spills twice a round trip. */
static inline __attribute__((always_inline)) void
pf_tt_sample(struct pf_tcp_sink *out, enum pf_tcp_latency k, uint32_t us) {
  pf_tt_count(out, k, pf_hist_bucket_of32(us), us);
}

/* A response after more than 71.6 minutes. */
__attribute__((noinline, cold)) static void
pf_tt_sample_long(struct pf_tcp_sink *out, uint64_t us) {
  pf_tt_add(out, PF_TCP_RESPONSE, us);
}

/* The time since the turn's last data, modulo 2^40 us. */
static inline uint64_t pf_tt_turn_age(const struct pf_tcp_timing *tm,
                                      uint64_t now) {
  uint64_t last = (uint64_t)tm->turn_high << 32 | tm->turn_last;
  return (now - last) & PF_TT_TURN_MASK;
}

static inline __attribute__((always_inline)) void
pf_tt_turn_stamp(struct pf_tcp_timing *tm, uint64_t now) {
  tm->turn_last = (uint32_t)now;
  tm->turn_high = (uint8_t)(now >> 32);
}

/* A segment's time entered window `w`. Moving on by one window, the
 * timed segments were stamped in the last two, less than 2^32 us ago: the
 * ones past the limit go. Moving further, the flow was silent longer than
 * the limit: they all go. Back by one is reordering around the border:
 * nothing changes (the window stays). A turn past its limit goes, so that
 * its 40-bit stamp never wraps: the flow's packets are less than 2^37 us
 * apart. */
static void pf_tt_new_window(struct pf_tcp_timing *tm, uint8_t w,
                             uint64_t now) {
  uint8_t step = (uint8_t)(w - PF_TT_WINDOW_OF(tm->place));
  /* 0: the timeline moved within reordering, the window did not. */
  if (step == 0 || step == 0xff)
    return;
  tm->place = (uint16_t)((tm->place & ~0xffu) | w);
  for (uint8_t side = 0; side < 2; side++)
    if (step != 1 || (uint32_t)now - tm->dir[side].at >= PF_TT_STALE_US)
      tm->flags &= (uint8_t) ~(PF_TT_TIMED0 << side);
  uint64_t age = pf_tt_turn_age(tm, now);
  if (age >= PF_TT_RESPONSE_MAX_US && age < PF_TT_TURN_NEGATIVE)
    tm->flags &= (uint8_t) ~(PF_TT_TURN | PF_TT_TURN_RETX);
}

/* A segment at `place` (pf_tt_clock) left the record's. On another
 * timeline (its offset from the shard's clock moved by more than a unit
 * either way: more than reordering moves it), the stamps were taken across
 * a jump the clock did not follow, and no difference of them is a time:
 * they all go. Else its window is checked. */
__attribute__((noinline)) static void
pf_tt_new_place(struct pf_tcp_timing *tm, uint16_t place, uint64_t now) {
  uint8_t moved =
      (uint8_t)(PF_TT_TIMELINE_OF(place) - PF_TT_TIMELINE_OF(tm->place) + 1);
  if (moved > 2) {
    tm->flags &= (uint8_t) ~(PF_TT_TIMED0 | (PF_TT_TIMED0 << 1) | PF_TT_TURN |
                             PF_TT_TURN_RETX);
    tm->place = place;
    return;
  }
  tm->place = (uint16_t)((place & ~0xffu) | PF_TT_WINDOW_OF(tm->place));
  pf_tt_new_window(tm, PF_TT_WINDOW_OF(place), now);
}

/* Every segment of a timed connection: a few instructions unless its time
 * entered a new window (once in 17.9 minutes) or its timeline moved. The
 * timeline is the stamp less the clock, except that a stamp ahead of the
 * clock by less than PF_TT_BACKLOG_US is on the clock's own (0): a live
 * clock moves at most 1 s a batch (capture.c), so a thread draining a
 * backlog sees true stamps ahead of it. Further ahead is another timeline:
 * a live source's clock stepped forward, which the held clock has not
 * followed, or a clock left behind for good by a silence longer than its
 * largest step (packet_clock.c), whose offset then holds still. */
static inline __attribute__((always_inline)) void
pf_tt_clock(struct pf_tcp_timing *tm, const struct pf_tcp_seen *at) {
  uint64_t offset = at->ts_us - at->now_us;
  uint16_t place = (uint8_t)(at->ts_us >> PF_TT_WINDOW_SHIFT);
  /* The clock's own timeline (0) nearly always: a branch, not a select
   * worked out for every segment. */
  if (__builtin_expect(offset >= PF_TT_BACKLOG_US, 0))
    place |= (uint16_t)((uint8_t)(offset >> PF_TT_TIMELINE_SHIFT) << 8);
  if (__builtin_expect(place != tm->place, 0))
    pf_tt_new_place(tm, place, at->ts_us);
}

/* o's timed segment acknowledged at `now`: a round-trip sample (tx when
 * that segment was sent, rx when received) and, from o's previous one, a
 * jitter sample. Out of line: the ACKs that time nothing stay short (a
 * pure ACK's sample inline measured 0.3 M instructions more on mixed). */
/* The jitter sample of an RTT `rtt` after one of `last`: out of line
 * and pf_tt_acked's last step, so pf_tt_acked ends in a jump to it and
 * keeps within the registers a call may clobber (no saves and restores
 * of its own, 6 instructions a call). */
__attribute__((noinline)) static void
pf_tt_jitter(struct pf_tcp_sink *out, uint32_t rtt, uint32_t last) {
  pf_tt_sample(out, PF_TCP_JITTER, rtt > last ? rtt - last : last - rtt);
}

/* The parameters in the registers the body wants them in: `out` stays in
 * the first for the jump to pf_tt_jitter, `now` becomes the round trip in
 * the second, and `o` arrives in the fourth (%ecx), the shift's count.
 * Ordered (tm, o, now, out), each call began with four moves. */
__attribute__((noinline)) static void pf_tt_acked(struct pf_tcp_sink *out,
                                                  uint32_t now,
                                                  struct pf_tcp_timing *tm,
                                                  uint8_t o) {
  struct pf_tcp_timed *d = &tm->dir[o];
  uint8_t fl = tm->flags;
  uint32_t rtt = now - d->at, last = d->last_rtt;
  tm->flags = (uint8_t)(fl & ~(PF_TT_TIMED0 << o));
  if (rtt >= PF_TT_STALE_US) /* too old, or stamped before its segment */
    return;
  d->last_rtt = rtt + 1;
  /* A branch, each side with its kind a constant: the histogram's fields
   * at fixed offsets. Picked by arithmetic, the kind's histogram was
   * worked out by a multiply (four instructions more a sample). */
  if ((fl >> o) & PF_TT_TX0)
    pf_tt_sample(out, PF_TCP_RTT_TX, rtt);
  else
    pf_tt_sample(out, PF_TCP_RTT_RX, rtt);
  if (last-- != 0)
    pf_tt_jitter(out, rtt, last);
}

/* An ACK from the side opposite `o` at `now`: a sample when it covers o's
 * timed segment. */
static inline __attribute__((always_inline)) void
pf_tt_ack(struct pf_tcp_timing *tm, uint8_t o, uint32_t ack, uint32_t now,
          struct pf_tcp_sink *out) {
  if ((tm->flags & (PF_TT_TIMED0 << o)) && !pf_seq_lt(ack, tm->dir[o].end))
    pf_tt_acked(out, now, tm, o);
}

/* Data from `side` at `now` (retx: it resends sequence space) begins its
 * turn, the other side's ending: a response time when this side is the
 * service and neither turn holds a retransmission. */
__attribute__((noinline)) static void
pf_tt_new_turn(const struct pf_flow *f, struct pf_tcp_timing *tm, uint8_t side,
               bool retx, uint64_t now, struct pf_tcp_sink *out) {
  uint8_t fl = tm->flags;
  uint64_t wait = pf_tt_turn_age(tm, now);
  if ((fl & PF_TT_TURN) && !(fl & PF_TT_TURN_RETX) && !retx &&
      wait < PF_TT_RESPONSE_MAX_US && side == pf_flow_service_side(f)) {
    if (wait <= UINT32_MAX)
      pf_tt_sample(out, PF_TCP_RESPONSE, (uint32_t)wait);
    else
      pf_tt_sample_long(out, wait);
  }
  tm->flags = (uint8_t)((fl & ~(PF_TT_TURN | PF_TT_TURN_RETX)) |
                        (PF_TT_TURN0 << side) | (retx ? PF_TT_TURN_RETX : 0));
  pf_tt_turn_stamp(tm, now);
}

/* Data from `side` at `now`: the same turn goes on, or a new one begins. */
static inline __attribute__((always_inline)) void
pf_tt_turn(const struct pf_flow *f, struct pf_tcp_timing *tm, uint8_t side,
           bool retx, uint64_t now, struct pf_tcp_sink *out) {
  uint8_t fl = tm->flags;
  if (!((fl >> side) & PF_TT_TURN0)) {
    pf_tt_new_turn(f, tm, side, retx, now, out);
    return;
  }
  if (retx)
    tm->flags = fl | PF_TT_TURN_RETX;
  pf_tt_turn_stamp(tm, now);
}

/* New sequence space up to `end` from `side` in direction dir: timed when
 * the direction has no timed segment (or a stale one). The timed and tx
 * bits are written together, in the flags already loaded. */
static inline __attribute__((always_inline)) void
pf_tt_new(struct pf_tcp_timing *tm, uint8_t side, uint8_t dir, uint32_t end,
          uint32_t now) {
  uint8_t fl = tm->flags;
  struct pf_tcp_timed *d = &tm->dir[side];
  if ((fl & (PF_TT_TIMED0 << side)) && now - d->at <= PF_TT_STALE_US)
    return;
  d->end = end;
  d->at = now;
  PF_STATIC_ASSERT(PF_DIR_RX == 0 && PF_DIR_TX == 1, "dir is the tx bit");
  PF_ASSERT(dir <= PF_DIR_TX);
  unsigned bits = PF_TT_TIMED0 | (unsigned)dir * PF_TT_TX0;
  tm->flags = (uint8_t)((fl & ~(PF_TT_TX0 << side)) | (bits << side));
}

/* A segment from `side` with sequence space [seq, end): resent space
 * drops the direction's timing (Karn), new space is timed when nothing
 * is. */
static void pf_tt_data(const struct pf_flow *f, struct pf_tcp_conn *c,
                       struct pf_tcp_timing *tm, const struct pf_tcp_seen *at,
                       uint32_t seq, uint32_t end, struct pf_tcp_sink *out) {
  uint8_t side = at->side;
  bool known = f->tcp_state & (PF_TCPS_KNOWN0 << side);
  bool retx = known && pf_seq_lt(seq, c->dir[side].next);
  if (retx)
    tm->flags &= (uint8_t) ~(PF_TT_TIMED0 << side);
  else
    pf_tt_new(tm, side, at->dir, end, (uint32_t)at->ts_us);
  pf_tt_turn(f, tm, side, retx, at->ts_us, out);
}

/* The record to time the segment in: the flow's, or a new one for data. */
static struct pf_tcp_conn *pf_tt_record(struct pf_flow_table *ft,
                                        struct pf_flow *f, bool data) {
  if (f->tcp_state & PF_TCPS_RECORD)
    return pf_tcp_conn_at(&ft->tcp, f->tcp_ext);
  return data ? pf_tcp_grow(ft, f) : NULL;
}

/* A keep-alive or zero-window probe repeats the byte before the edge on
 * purpose: neither new data nor a retransmission, nor a turn. */
static bool pf_tt_probe(const struct pf_flow *f, const struct pf_tcp_conn *c,
                        uint8_t side, const struct pf_tcp_segment *seg) {
  return seg->payload <= 1 && (f->tcp_state & (PF_TCPS_KNOWN0 << side)) &&
         seg->seq == c->dir[side].next - 1 &&
         !(seg->flags & (PF_TCP_SYN | PF_TCP_FIN));
}

void pf_tcp_timing(struct pf_flow_table *ft, struct pf_flow *f,
                   const struct pf_tcp_segment *seg,
                   const struct pf_tcp_seen *at, struct pf_tcp_sink *out) {
  if (seg->flags & PF_TCP_RST)
    return;
  struct pf_tcp_conn *c = pf_tt_record(ft, f, seg->payload > 0);
  if (!c)
    return;
  struct pf_tcp_timing *tm = pf_tcp_timing_of(c);
  uint8_t side = at->side;
  pf_tt_clock(tm, at);
  if (seg->flags & PF_TCP_ACK)
    pf_tt_ack(tm, (uint8_t)(side ^ 1), seg->ack, (uint32_t)at->ts_us, out);
  if (seg->payload == 0 || pf_tt_probe(f, c, side, seg))
    return;
  uint32_t end = seg->seq + seg->payload + !!(seg->flags & PF_TCP_SYN) +
                 !!(seg->flags & PF_TCP_FIN);
  pf_tt_data(f, c, tm, at, seg->seq, end, out);
}

/* A segment at its sender's edge (pf_tcp_packet's common cases): the
 * clock, its ACK, and with `data` the new sequence space up to the edge
 * past it (its payload and `fin`, 0 or 1), neither a retransmission nor a
 * probe: timed when nothing is, and its turn. Constants where inlined. */
static inline __attribute__((always_inline)) void
pf_tt_at_edge(const struct pf_flow *f, struct pf_tcp_conn *c,
              const struct pf_tcp_segment *seg, const struct pf_tcp_seen *at,
              struct pf_tcp_sink *out, bool data, uint32_t fin) {
  struct pf_tcp_timing *tm = pf_tcp_timing_of(c);
  uint8_t side = at->side;
  uint32_t now = (uint32_t)at->ts_us;
  pf_tt_clock(tm, at);
  if (seg->flags & PF_TCP_ACK)
    pf_tt_ack(tm, (uint8_t)(side ^ 1), seg->ack, now, out);
  if (!data)
    return;
  pf_tt_new(tm, side, at->dir, seg->seq + seg->payload + fin, now);
  pf_tt_turn(f, tm, side, false, at->ts_us, out);
}

void pf_tcp_timing_ack(struct pf_tcp_conn *c, const struct pf_tcp_segment *seg,
                       const struct pf_tcp_seen *at, struct pf_tcp_sink *out) {
  pf_tt_at_edge(NULL, c, seg, at, out, false, 0);
}

void pf_tcp_timing_in_order(const struct pf_flow *f, struct pf_tcp_conn *c,
                            const struct pf_tcp_segment *seg,
                            const struct pf_tcp_seen *at,
                            struct pf_tcp_sink *out) {
  pf_tt_at_edge(f, c, seg, at, out, true, 0);
}

void pf_tcp_timing_fin(const struct pf_flow *f, struct pf_tcp_conn *c,
                       const struct pf_tcp_segment *seg,
                       const struct pf_tcp_seen *at, struct pf_tcp_sink *out) {
  /* A FIN alone is no turn, and not timed. */
  pf_tt_at_edge(f, c, seg, at, out, seg->payload != 0, 1);
}
