/* tcp.c - passive TCP analysis of each segment: the handshake and its
 * latency, the sequence space of each direction (retransmitted and
 * out-of-order segments), zero windows, resets and unanswered SYNs. */
#include "flow/tcp.h"

#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum pf_tcp_state {
  PF_TCPS_NEW,     /* entry taken, nothing analysed yet */
  PF_TCPS_SYN,     /* SYN seen, waiting for the SYN-ACK */
  PF_TCPS_SYNACK,  /* SYN-ACK seen, waiting for the client's ACK */
  PF_TCPS_DONE,    /* handshake completed */
  PF_TCPS_PARTIAL, /* first seen at its SYN-ACK: no SYN, no sample */
  PF_TCPS_LATE,    /* first seen mid-connection */
  PF_TCPS_REFUSED, /* the SYN was answered with a RST */
};

_Static_assert(sizeof(struct pf_tcp_conn) == 56,
               "the TCP pool costs this much per MaxFlows entry");

static inline uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

static inline uint16_t rd16(const uint8_t *p) {
  return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

/* ---- the pool ---- */

int pf_tcp_table_init(struct pf_tcp_table *t, uint32_t max_conns,
                      uint32_t syn_timeout_s, char *err, size_t errlen) {
  memset(t, 0, sizeof(*t));
  t->conns = calloc(max_conns, sizeof(*t->conns));
  if (!t->conns) {
    return pf_err(err, errlen,
                  "cannot allocate TCP state for %u flows (%zu MiB)", max_conns,
                  ((size_t)max_conns * sizeof(*t->conns)) >> 20);
  }
  t->max_conns = max_conns;
  t->free_head = t->wait_head = t->wait_tail = PF_TCP_NONE;
  t->syn_timeout_us = (uint64_t)syn_timeout_s * 1000000;
  return 0;
}

void pf_tcp_table_free(struct pf_tcp_table *t) {
  free(t->conns);
  t->conns = NULL;
}

static uint32_t pf_tcp_take(struct pf_tcp_table *t) {
  uint32_t i;
  if (t->free_head != PF_TCP_NONE) {
    i = t->free_head;
    t->free_head = t->conns[i].wait_next;
  } else if (t->next_unused < t->max_conns) {
    i = t->next_unused++;
  } else {
    return PF_TCP_NONE; /* more TCP flows than flows: cannot happen */
  }
  memset(&t->conns[i], 0, sizeof(t->conns[i]));
  t->conns[i].wait_prev = t->conns[i].wait_next = PF_TCP_NONE;
  return i;
}

/* ---- the unanswered-SYN list ---- */

static void pf_wait_push(struct pf_tcp_table *t, uint32_t i) {
  struct pf_tcp_conn *c = &t->conns[i];
  c->wait_prev = t->wait_tail;
  c->wait_next = PF_TCP_NONE;
  if (t->wait_tail != PF_TCP_NONE)
    t->conns[t->wait_tail].wait_next = i;
  else
    t->wait_head = i;
  t->wait_tail = i;
  c->waiting = 1;
}

static void pf_wait_unlink(struct pf_tcp_table *t, uint32_t i) {
  struct pf_tcp_conn *c = &t->conns[i];
  if (!c->waiting)
    return;
  if (c->wait_prev != PF_TCP_NONE)
    t->conns[c->wait_prev].wait_next = c->wait_next;
  else
    t->wait_head = c->wait_next;
  if (c->wait_next != PF_TCP_NONE)
    t->conns[c->wait_next].wait_prev = c->wait_prev;
  else
    t->wait_tail = c->wait_prev;
  c->wait_prev = c->wait_next = PF_TCP_NONE;
  c->waiting = 0;
}

void pf_tcp_tick(struct pf_tcp_table *t, uint64_t now_us) {
  if (!t->conns)
    return;
  while (t->wait_head != PF_TCP_NONE) {
    uint32_t i = t->wait_head;
    /* The shard's clock stays below 2^62 and the timeout below 2^32 us:
     * the sum cannot overflow. */
    if (now_us < t->conns[i].syn_us + t->syn_timeout_us)
      break;
    pf_wait_unlink(t, i);
    t->stats.unanswered++;
  }
}

void pf_tcp_release(struct pf_tcp_table *t, uint32_t *ext) {
  uint32_t i = *ext;
  *ext = PF_TCP_NONE;
  if (!t->conns || i == PF_TCP_NONE)
    return;
  if (t->conns[i].waiting) {
    pf_wait_unlink(t, i);
    t->stats.unanswered++;
  }
  t->conns[i].wait_next = t->free_head;
  t->free_head = i;
}

/* ---- the handshake ---- */

/* The time between two timestamps, 0 when the later packet carries the
 * earlier one (a capture point that reorders): a latency is never
 * negative. Both are two's complement microseconds within +-2^62. */
static uint64_t pf_tcp_between(uint64_t from_ts, uint64_t to_ts) {
  int64_t d = (int64_t)(to_ts - from_ts);
  return d > 0 ? (uint64_t)d : 0;
}

static int32_t pf_tcp_saturate32(int64_t d) {
  return d > INT32_MAX ? INT32_MAX : d < INT32_MIN ? INT32_MIN : (int32_t)d;
}

/* The SYN's answer: SYN-ACK or RST from the server. */
static void pf_tcp_answer(struct pf_tcp_table *t, uint32_t i, uint8_t flags,
                          uint64_t ts_us, struct pf_tcp_interval *iv) {
  struct pf_tcp_conn *c = &t->conns[i];
  uint8_t syn_ack = flags & (PF_TCP_SYN | PF_TCP_ACK);
  if (flags & PF_TCP_RST) {
    pf_wait_unlink(t, i); /* refused: an answer, not a silence */
    c->state = PF_TCPS_REFUSED;
  } else if (syn_ack == (PF_TCP_SYN | PF_TCP_ACK)) {
    /* An answer after the timeout was counted as unanswered already,
     * and still is the latency the client saw. */
    pf_wait_unlink(t, i);
    c->synack_after_us = pf_tcp_saturate32((int64_t)(ts_us - c->syn_ts));
    c->state = PF_TCPS_SYNACK;
    pf_hist_add(&iv->latency[PF_TCP_SYN_SYNACK],
                pf_tcp_between(c->syn_ts, ts_us));
  }
}

/* The client's ACK of the SYN-ACK: the handshake is complete. Returns its
 * SYN-to-ACK time. */
static uint64_t pf_tcp_complete(struct pf_tcp_table *t, struct pf_tcp_conn *c,
                                uint64_t ts_us, struct pf_tcp_interval *iv) {
  c->state = PF_TCPS_DONE;
  t->stats.completed++;
  uint64_t synack_ts = c->syn_ts + (uint64_t)(int64_t)c->synack_after_us;
  uint64_t whole = pf_tcp_between(c->syn_ts, ts_us);
  pf_hist_add(&iv->latency[PF_TCP_SYNACK_ACK],
              pf_tcp_between(synack_ts, ts_us));
  pf_hist_add(&iv->latency[PF_TCP_HANDSHAKE], whole);
  return whole;
}

/* The first analysed segment of a connection decides how it is tracked. */
static void pf_tcp_first(struct pf_tcp_table *t, uint32_t i, uint8_t side,
                         uint8_t flags, uint64_t now_us, uint64_t ts_us) {
  struct pf_tcp_conn *c = &t->conns[i];
  uint8_t syn_ack = flags & (PF_TCP_SYN | PF_TCP_ACK);
  if (syn_ack == PF_TCP_SYN && !(flags & PF_TCP_RST)) {
    c->state = PF_TCPS_SYN;
    c->client = side;
    c->syn_us = now_us;
    c->syn_ts = ts_us;
    pf_wait_push(t, i);
  } else if (syn_ack == (PF_TCP_SYN | PF_TCP_ACK)) {
    c->state = PF_TCPS_PARTIAL;
    c->client = (uint8_t)(1 - side);
  } else {
    c->state = PF_TCPS_LATE;
    t->stats.late_start++;
  }
}

/* Returns true when this segment completed the handshake. */
static bool pf_tcp_handshake(struct pf_tcp_table *t, uint32_t i, uint8_t side,
                             uint8_t flags, uint64_t now_us, uint64_t ts_us,
                             struct pf_tcp_interval *iv,
                             uint64_t *handshake_us) {
  struct pf_tcp_conn *c = &t->conns[i];
  if (c->state == PF_TCPS_NEW)
    pf_tcp_first(t, i, side, flags, now_us, ts_us);
  else if (c->state == PF_TCPS_SYN && side != c->client)
    pf_tcp_answer(t, i, flags, ts_us, iv);
  else if (c->state == PF_TCPS_SYNACK && side == c->client &&
           (flags & (PF_TCP_SYN | PF_TCP_ACK)) == PF_TCP_ACK &&
           !(flags & PF_TCP_RST)) {
    *handshake_us = pf_tcp_complete(t, c, ts_us, iv);
    return true;
  }
  return false;
}

/* ---- the sequence space ---- */

/* Classifies a segment covering [seq, seq + len) of one direction: new
 * data at or past the edge (a gap before it becomes the hole), data filling
 * the hole (out of order), or data seen before (retransmitted). One hole is
 * remembered per direction, the latest: a segment filling an older one
 * counts as retransmitted, which keeps the state fixed in size. */
static void pf_tcp_sequence(struct pf_tcp_table *t, struct pf_tcp_conn *c,
                            uint8_t side, uint32_t seq, uint32_t len) {
  struct pf_tcp_dir *d = &c->dir[side];
  uint32_t end = seq + len;
  if (!(c->dir_known & (1u << side))) {
    c->dir_known |= (uint8_t)(1u << side);
    d->next = end;
    return;
  }
  if (pf_seq_le(d->next, seq)) {
    if (d->next != seq) {
      d->hole_lo = d->next;
      d->hole_hi = seq;
    }
    d->next = end;
    return;
  }
  /* No hole (lo == hi) holds no sequence number. */
  if (pf_seq_le(d->hole_lo, seq) && pf_seq_lt(seq, d->hole_hi)) {
    t->stats.out_of_order++;
    if (seq == d->hole_lo && pf_seq_lt(end, d->hole_hi))
      d->hole_lo = end; /* filled from below */
    else
      d->hole_hi = seq; /* filled from above or in the middle: keep below */
    if (!pf_seq_lt(d->hole_lo, d->hole_hi))
      d->hole_lo = d->hole_hi; /* filled: no hole */
  } else {
    t->stats.retransmitted++;
  }
  if (pf_seq_lt(d->next, end))
    d->next = end; /* it also carried new data past the edge */
}

/* A segment without sequence space (a pure ACK) at seq: a direction whose
 * edge is known and lies below seq sent data this point never saw, which
 * becomes the hole. It does not make an unknown edge known: data sent
 * before capture began would then count as retransmitted. */
static void pf_tcp_shown(struct pf_tcp_conn *c, uint8_t side, uint32_t seq) {
  struct pf_tcp_dir *d = &c->dir[side];
  if ((c->dir_known & (1u << side)) && pf_seq_lt(d->next, seq)) {
    d->hole_lo = d->next;
    d->hole_hi = seq;
    d->next = seq;
  }
}

bool pf_tcp_packet(struct pf_tcp_table *t, uint32_t *ext, uint8_t side,
                   const struct pf_packet *pkt, uint64_t now_us, uint64_t ts_us,
                   struct pf_tcp_interval *iv, uint64_t *handshake_us) {
  if (!t->conns || pkt->l4 != PF_L4_TCP || !pkt->l4_hdr || pkt->l4_len < 20)
    return false;
  if (*ext == PF_TCP_NONE && (*ext = pf_tcp_take(t)) == PF_TCP_NONE)
    return false;
  uint32_t i = *ext;
  const uint8_t *h = pkt->l4_hdr;
  uint32_t seq = rd32(h + 4);
  uint8_t flags = h[13];
  uint16_t window = rd16(h + 14);
  uint32_t doff = (uint32_t)(h[12] >> 4) * 4;
  uint32_t payload = pkt->l4_total_len > doff ? pkt->l4_total_len - doff : 0;

  if (flags & PF_TCP_RST)
    t->stats.resets++;
  else if (window == 0 && !(flags & (PF_TCP_SYN | PF_TCP_FIN)))
    t->stats.zero_window++;
  bool completed =
      pf_tcp_handshake(t, i, side, flags, now_us, ts_us, iv, handshake_us);

  if (flags & PF_TCP_RST)
    return completed; /* a RST's sequence number is not data */
  /* SYN and FIN take one sequence number each. */
  uint32_t len = payload + !!(flags & PF_TCP_SYN) + !!(flags & PF_TCP_FIN);
  struct pf_tcp_conn *c = &t->conns[i];
  if (len == 0) {
    /* A pure ACK carries no data to repeat, but its sequence number shows
     * how far its sender got: data sent after it (tail loss) fills a gap. */
    pf_tcp_shown(c, side, seq);
    return completed;
  }
  /* A keep-alive probe repeats the byte before the edge on purpose. */
  if ((c->dir_known & (1u << side)) && payload <= 1 &&
      !(flags & (PF_TCP_SYN | PF_TCP_FIN)) && seq == c->dir[side].next - 1)
    return completed;
  pf_tcp_sequence(t, c, side, seq, len);
  return completed;
}

/* ---- intervals and sums ---- */

void pf_tcp_interval_reset(struct pf_tcp_interval *iv) {
  for (int k = 0; k < PF_TCP_LATENCY_COUNT; k++)
    pf_hist_reset(&iv->latency[k]);
}

void pf_tcp_interval_merge(struct pf_tcp_interval *dst,
                           const struct pf_tcp_interval *src) {
  for (int k = 0; k < PF_TCP_LATENCY_COUNT; k++)
    pf_hist_merge(&dst->latency[k], &src->latency[k]);
}

void pf_tcp_stats_add(struct pf_tcp_stats *dst, const struct pf_tcp_stats *s) {
  dst->retransmitted += s->retransmitted;
  dst->out_of_order += s->out_of_order;
  dst->zero_window += s->zero_window;
  dst->resets += s->resets;
  dst->unanswered += s->unanswered;
  dst->completed += s->completed;
  dst->late_start += s->late_start;
}
