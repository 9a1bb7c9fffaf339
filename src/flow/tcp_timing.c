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

/* An ACK from the side opposite `o` at `now`: when it covers o's timed
 * segment, a round-trip sample (tx when that segment was sent, rx when
 * received) and, from o's previous one, a jitter sample. */
static void pf_tt_ack(struct pf_tcp_timing *tm, uint8_t o, uint32_t ack,
                      uint32_t now, const struct pf_tcp_sink *out) {
  struct pf_tcp_timed *d = &tm->dir[o];
  if (!(tm->flags & (PF_TT_TIMED0 << o)) || pf_seq_lt(ack, d->end))
    return;
  tm->flags &= (uint8_t) ~(PF_TT_TIMED0 << o);
  int32_t signed_rtt = (int32_t)(now - d->at);
  if (signed_rtt < 0)
    return; /* stamped before its segment: no sample */
  uint32_t rtt = (uint32_t)signed_rtt;
  pf_tt_sample(out, (tm->timed_tx >> o) & 1 ? PF_TCP_RTT_TX : PF_TCP_RTT_RX,
               rtt);
  if (tm->flags & (PF_TT_RTT0 << o))
    pf_tt_sample(out, PF_TCP_JITTER,
                 rtt > d->last_rtt ? rtt - d->last_rtt : d->last_rtt - rtt);
  d->last_rtt = rtt;
  tm->flags |= (uint8_t)(PF_TT_RTT0 << o);
}

/* The side that answers as the service: the one that received the SYN, or
 * the lower port when the connection began before capture (as top_port). */
static uint8_t pf_tt_service(const struct pf_flow *f) {
  if (f->initiator >= 0)
    return (uint8_t)(1 - f->initiator);
  return pf_flow_port(f, 0) <= pf_flow_port(f, 1) ? 0 : 1;
}

/* Data from `side` at `now` (retx: it resends sequence space): the same
 * turn goes on, or the other side's turn ends and this side's begins,
 * which is a response time when this side is the service and neither
 * turn holds a retransmission. */
static void pf_tt_turn(const struct pf_flow *f, struct pf_tcp_timing *tm,
                       uint8_t side, bool retx, uint32_t now,
                       const struct pf_tcp_sink *out) {
  uint8_t fl = tm->flags;
  uint8_t mine = side ? PF_TT_TURN_SIDE1 : 0;
  uint8_t retx_bit = retx ? PF_TT_TURN_RETX : 0;
  if ((fl & PF_TT_TURN) && (fl & PF_TT_TURN_SIDE1) == mine) {
    tm->flags |= retx_bit;
    tm->turn_last = now;
    return;
  }
  int32_t wait = (int32_t)(now - tm->turn_last);
  if ((fl & PF_TT_TURN) && !(fl & PF_TT_TURN_RETX) && !retx && wait >= 0 &&
      side == pf_tt_service(f))
    pf_tt_sample(out, PF_TCP_RESPONSE, (uint32_t)wait);
  tm->flags = (uint8_t)((fl & ~(PF_TT_TURN_SIDE1 | PF_TT_TURN_RETX)) |
                        PF_TT_TURN | mine | retx_bit);
  tm->turn_last = now;
}

/* A segment from `side` in direction dir with sequence space [seq, end):
 * resent space drops the direction's timing (Karn), new space is timed
 * when nothing is. */
static void pf_tt_data(const struct pf_flow *f, struct pf_tcp_conn *c,
                       struct pf_tcp_timing *tm, uint8_t side, enum pf_dir dir,
                       uint32_t seq, uint32_t end, uint32_t now,
                       const struct pf_tcp_sink *out) {
  bool known = f->tcp_state & (PF_TCPS_KNOWN0 << side);
  bool retx = known && pf_seq_lt(seq, c->dir[side].next);
  uint8_t timed = (uint8_t)(PF_TT_TIMED0 << side);
  struct pf_tcp_timed *d = &tm->dir[side];
  if (retx)
    tm->flags &= (uint8_t)~timed;
  else if (!(tm->flags & timed) || now - d->at > PF_TT_STALE_US) {
    d->end = end;
    d->at = now;
    tm->flags |= timed;
    tm->timed_tx =
        (uint8_t)((tm->timed_tx & ~timed) | (dir == PF_DIR_TX ? timed : 0));
  }
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

void pf_tcp_timing(struct pf_flow_table *ft, struct pf_flow *f, uint8_t side,
                   enum pf_dir dir, const struct pf_tcp_segment *seg,
                   uint64_t ts_us, const struct pf_tcp_sink *out) {
  if (!seg->valid || (seg->flags & PF_TCP_RST))
    return;
  struct pf_tcp_conn *c = pf_tt_record(ft, f, seg->payload > 0);
  if (!c)
    return;
  struct pf_tcp_timing *tm = pf_tcp_timing_of(c);
  uint32_t now = (uint32_t)ts_us;
  if (seg->flags & PF_TCP_ACK)
    pf_tt_ack(tm, (uint8_t)!side, seg->ack, now, out);
  if (seg->payload == 0 || pf_tt_probe(f, c, side, seg))
    return;
  uint32_t end = seg->seq + seg->payload + !!(seg->flags & PF_TCP_SYN) +
                 !!(seg->flags & PF_TCP_FIN);
  pf_tt_data(f, c, tm, side, dir, seg->seq, end, now, out);
}
