/* tcp.c - passive TCP analysis of each segment: the handshake and its
 * latency, the sequence space of each direction (retransmitted and
 * out-of-order segments), zero windows, resets and unanswered SYNs. */
#include "flow/tcp.h"

#include "base/err.h"
#include "packet/wire.h"

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

_Static_assert(sizeof(struct pf_tcp_conn) == 48,
               "the TCP pool costs this much per MaxFlows entry");

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

static void pf_tcp_sample(struct pf_tcp_interval *iv, enum pf_tcp_latency k,
                          uint64_t from_us, uint64_t to_us) {
  pf_hist_add(&iv->latency[k], to_us >= from_us ? to_us - from_us : 0);
}

static void pf_tcp_handshake(struct pf_tcp_table *t, uint32_t i, uint8_t side,
                             uint8_t flags, uint64_t now_us,
                             struct pf_tcp_interval *iv) {
  struct pf_tcp_conn *c = &t->conns[i];
  uint8_t syn_ack = flags & (PF_TCP_SYN | PF_TCP_ACK);

  if (c->state == PF_TCPS_NEW) {
    if (syn_ack == PF_TCP_SYN && !(flags & PF_TCP_RST)) {
      c->state = PF_TCPS_SYN;
      c->client = side;
      c->syn_us = now_us;
      pf_wait_push(t, i);
    } else if (syn_ack == (PF_TCP_SYN | PF_TCP_ACK)) {
      c->state = PF_TCPS_PARTIAL;
      c->client = (uint8_t)(1 - side);
    } else {
      c->state = PF_TCPS_LATE;
      t->stats.late_start++;
    }
    return;
  }
  if (c->state == PF_TCPS_SYN && side != c->client) {
    if (flags & PF_TCP_RST) {
      pf_wait_unlink(t, i); /* refused: an answer, not a silence */
      c->state = PF_TCPS_REFUSED;
    } else if (syn_ack == (PF_TCP_SYN | PF_TCP_ACK)) {
      /* An answer after the timeout was counted as unanswered already,
       * and still is the latency the client saw. */
      pf_wait_unlink(t, i);
      uint64_t after = now_us >= c->syn_us ? now_us - c->syn_us : 0;
      c->synack_after_us = after < UINT32_MAX ? (uint32_t)after : UINT32_MAX;
      c->state = PF_TCPS_SYNACK;
      pf_tcp_sample(iv, PF_TCP_SYN_SYNACK, c->syn_us, now_us);
    }
    return;
  }
  if (c->state == PF_TCPS_SYNACK && side == c->client &&
      syn_ack == PF_TCP_ACK && !(flags & PF_TCP_RST)) {
    c->state = PF_TCPS_DONE;
    t->stats.completed++;
    pf_tcp_sample(iv, PF_TCP_SYNACK_ACK, c->syn_us + c->synack_after_us,
                  now_us);
    pf_tcp_sample(iv, PF_TCP_HANDSHAKE, c->syn_us, now_us);
  }
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

void pf_tcp_packet(struct pf_tcp_table *t, uint32_t *ext, uint8_t side,
                   const struct pf_packet *pkt, uint64_t now_us,
                   struct pf_tcp_interval *iv) {
  struct pf_bytes l4 = pf_packet_l4(pkt);
  const struct pf_wire_tcp *h;
  if (!t->conns || pkt->l4 != PF_L4_TCP || !pf_get_hdr(&l4, 0, &h))
    return;
  if (*ext == PF_TCP_NONE && (*ext = pf_tcp_take(t)) == PF_TCP_NONE)
    return;
  uint32_t i = *ext;
  uint32_t seq = pf_be32(h->seq);
  uint8_t flags = h->flags;
  uint16_t window = pf_be16(h->window);
  uint32_t doff = pf_tcp_hdr_len(h);
  uint32_t payload = pkt->l4_total_len > doff ? pkt->l4_total_len - doff : 0;

  if (flags & PF_TCP_RST)
    t->stats.resets++;
  else if (window == 0 && !(flags & (PF_TCP_SYN | PF_TCP_FIN)))
    t->stats.zero_window++;
  pf_tcp_handshake(t, i, side, flags, now_us, iv);

  if (flags & PF_TCP_RST)
    return; /* a RST's sequence number is not data */
  /* SYN and FIN take one sequence number each. */
  uint32_t len = payload + !!(flags & PF_TCP_SYN) + !!(flags & PF_TCP_FIN);
  if (len == 0)
    return; /* pure ACKs carry no data to repeat */
  struct pf_tcp_conn *c = &t->conns[i];
  /* A keep-alive probe repeats the byte before the edge on purpose. */
  if ((c->dir_known & (1u << side)) && payload <= 1 &&
      !(flags & (PF_TCP_SYN | PF_TCP_FIN)) && seq == c->dir[side].next - 1)
    return;
  pf_tcp_sequence(t, c, side, seq, len);
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
