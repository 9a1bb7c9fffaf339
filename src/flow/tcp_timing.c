/* tcp_timing.c - per segment: round-trip samples from the ACKs covering a
 * timed segment (Karn's rule), their jitter, and the service's response
 * time at each change of turn (tcp_timing.h). */
#include "flow/tcp_timing.h"

#include "flow/flow.h"

/* A timed segment older than this is replaced by the next one: its ACK,
 * should it come, would be a sample near the limit of 32-bit times. */
#define PF_TT_STALE_US (1u << 30)

static void pf_tt_sample(const struct pf_tcp_sink *out, enum pf_tcp_latency k,
                         uint32_t us) {
  pf_hist_add(&out->lat[k], us);
  if (out->cls)
    pf_hist_add(&out->cls[k - PF_TCP_TIMING_FIRST], us);
  if (__builtin_expect(out->port != NULL, 0) && k != PF_TCP_JITTER)
    pf_hist_add(&out->port[k - PF_TCP_TIMING_FIRST], us);
}

/* o's timed segment acknowledged at `now`: a round-trip sample (tx when
 * that segment was sent, rx when received) and, from o's previous one, a
 * jitter sample. Out of line: the ACKs that time nothing stay short. */
__attribute__((noinline)) static void
pf_tt_acked(struct pf_tcp_timing *tm, uint8_t o, uint32_t now,
            const struct pf_tcp_sink *out) {
  struct pf_tcp_timed *d = &tm->dir[o];
  uint8_t fl = (uint8_t)(tm->flags & ~(PF_TT_TIMED0 << o));
  int32_t signed_rtt = (int32_t)(now - d->at);
  if (signed_rtt < 0) { /* stamped before its segment: no sample */
    tm->flags = fl;
    return;
  }
  uint32_t rtt = (uint32_t)signed_rtt, last = d->last_rtt;
  bool jitter = fl & (PF_TT_RTT0 << o);
  tm->flags = (uint8_t)(fl | (PF_TT_RTT0 << o));
  d->last_rtt = rtt;
  pf_tt_sample(out, tm->timed_tx[o] ? PF_TCP_RTT_TX : PF_TCP_RTT_RX, rtt);
  if (jitter)
    pf_tt_sample(out, PF_TCP_JITTER, rtt > last ? rtt - last : last - rtt);
}

/* An ACK from the side opposite `o` at `now`: a sample when it covers o's
 * timed segment. */
static inline __attribute__((always_inline)) void
pf_tt_ack(struct pf_tcp_timing *tm, uint8_t o, uint32_t ack, uint32_t now,
          const struct pf_tcp_sink *out) {
  if ((tm->flags & (PF_TT_TIMED0 << o)) && !pf_seq_lt(ack, tm->dir[o].end))
    pf_tt_acked(tm, o, now, out);
}

/* Data from `side` at `now` (retx: it resends sequence space) begins its
 * turn, the other side's ending: a response time when this side is the
 * service and neither turn holds a retransmission. */
__attribute__((noinline)) static void
pf_tt_new_turn(const struct pf_flow *f, struct pf_tcp_timing *tm, uint8_t side,
               bool retx, uint32_t now, const struct pf_tcp_sink *out) {
  uint8_t fl = tm->flags;
  int32_t wait = (int32_t)(now - tm->turn_last);
  if ((fl & PF_TT_TURN) && !(fl & PF_TT_TURN_RETX) && !retx && wait >= 0 &&
      side == pf_flow_service_side(f))
    pf_tt_sample(out, PF_TCP_RESPONSE, (uint32_t)wait);
  tm->flags = (uint8_t)((fl & ~(PF_TT_TURN | PF_TT_TURN_RETX)) |
                        (PF_TT_TURN0 << side) | (retx ? PF_TT_TURN_RETX : 0));
  tm->turn_last = now;
}

/* Data from `side` at `now`: the same turn goes on, or a new one begins. */
static inline __attribute__((always_inline)) void
pf_tt_turn(const struct pf_flow *f, struct pf_tcp_timing *tm, uint8_t side,
           bool retx, uint32_t now, const struct pf_tcp_sink *out) {
  uint8_t fl = tm->flags;
  if (!(fl & (PF_TT_TURN0 << side))) {
    pf_tt_new_turn(f, tm, side, retx, now, out);
    return;
  }
  if (retx)
    tm->flags = fl | PF_TT_TURN_RETX;
  tm->turn_last = now;
}

/* New sequence space up to `end` from `side` in direction dir: timed when
 * the direction has no timed segment (or a stale one). */
static void pf_tt_new(struct pf_tcp_timing *tm, uint8_t side, uint8_t dir,
                      uint32_t end, uint32_t now) {
  uint8_t timed = (uint8_t)(PF_TT_TIMED0 << side);
  struct pf_tcp_timed *d = &tm->dir[side];
  if ((tm->flags & timed) && now - d->at <= PF_TT_STALE_US)
    return;
  d->end = end;
  d->at = now;
  tm->flags |= timed;
  tm->timed_tx[side] = dir == PF_DIR_TX;
}

/* A segment from `side` with sequence space [seq, end): resent space
 * drops the direction's timing (Karn), new space is timed when nothing
 * is. */
static void pf_tt_data(const struct pf_flow *f, struct pf_tcp_conn *c,
                       struct pf_tcp_timing *tm, const struct pf_tcp_seen *at,
                       uint32_t seq, uint32_t end,
                       const struct pf_tcp_sink *out) {
  uint8_t side = at->side;
  uint32_t now = (uint32_t)at->ts_us;
  bool known = f->tcp_state & (PF_TCPS_KNOWN0 << side);
  bool retx = known && pf_seq_lt(seq, c->dir[side].next);
  if (retx)
    tm->flags &= (uint8_t) ~(PF_TT_TIMED0 << side);
  else
    pf_tt_new(tm, side, at->dir, end, now);
  pf_tt_turn(f, tm, side, retx, now, out);
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
                   const struct pf_tcp_seen *at,
                   const struct pf_tcp_sink *out) {
  if (seg->flags & PF_TCP_RST)
    return;
  struct pf_tcp_conn *c = pf_tt_record(ft, f, seg->payload > 0);
  if (!c)
    return;
  struct pf_tcp_timing *tm = pf_tcp_timing_of(c);
  uint8_t side = at->side;
  if (seg->flags & PF_TCP_ACK)
    pf_tt_ack(tm, (uint8_t)!side, seg->ack, (uint32_t)at->ts_us, out);
  if (seg->payload == 0 || pf_tt_probe(f, c, side, seg))
    return;
  uint32_t end = seg->seq + seg->payload + !!(seg->flags & PF_TCP_SYN) +
                 !!(seg->flags & PF_TCP_FIN);
  pf_tt_data(f, c, tm, at, seg->seq, end, out);
}

void pf_tcp_timing_in_order(const struct pf_flow *f, struct pf_tcp_conn *c,
                            const struct pf_tcp_segment *seg,
                            const struct pf_tcp_seen *at,
                            const struct pf_tcp_sink *out) {
  struct pf_tcp_timing *tm = pf_tcp_timing_of(c);
  uint8_t side = at->side;
  uint32_t now = (uint32_t)at->ts_us;
  if (seg->flags & PF_TCP_ACK)
    pf_tt_ack(tm, (uint8_t)!side, seg->ack, now, out);
  if (seg->payload == 0)
    return;
  /* At the edge: neither a retransmission nor a probe. */
  pf_tt_new(tm, side, at->dir, seg->seq + seg->payload, now);
  pf_tt_turn(f, tm, side, false, now, out);
}
