/* tcp.c - passive TCP analysis of each segment: the handshake and its
 * latency, the sequence space of each direction (retransmitted and
 * out-of-order segments), zero windows, resets and unanswered SYNs. */
#include "flow/tcp.h"

#include "base/bytes.h"
#include "base/check.h"
#include "base/err.h"
#include "flow/flow.h"
#include "flow/tcp_timing.h"
#include "packet/wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum pf_tcp_state {
  PF_TCPS_NEW,     /* nothing analysed yet */
  PF_TCPS_SYN,     /* SYN seen, waiting for the SYN-ACK */
  PF_TCPS_SYNACK,  /* SYN-ACK seen, waiting for the client's ACK */
  PF_TCPS_DONE,    /* handshake completed */
  PF_TCPS_PARTIAL, /* first seen at its SYN-ACK: no SYN, no sample */
  PF_TCPS_LATE,    /* first seen mid-connection */
  PF_TCPS_REFUSED, /* the SYN was answered with a RST */
  PF_TCPS_SYN_OLD, /* as SYN, but 2^31 us or more since it, with
                      ActiveTimeout 0: its answer gives no sample
                      (pf_tcp_syn_aged) */
};

_Static_assert(sizeof(struct pf_tcp_conn) == 32,
               "a TCP record costs this much per connection with data");
_Static_assert(PF_TCPS_SYN_OLD <= PF_TCPS_MASK, "the state fits its bits");

/* Beyond this a 32-bit timestamp difference is taken from the clock. */
#define PF_TCP_RAW_SPAN_US (1u << 30)

/* has_ports on a TCP packet says its decoder read the whole 20-byte
 * header from the captured bytes and held its data offset, at least 20,
 * inside the datagram: pf_fast_tcp (decode_fast.c) and pf_decode_tcp
 * (decode.c) set it after those checks alone, and a TCP header that fails
 * them makes the frame malformed (no TCP, no ports; a later fragment has
 * none either). So its fields are read without checking again. */
void pf_tcp_segment_of(const struct pf_packet *pkt, struct pf_tcp_segment *s) {
  s->valid = pkt->l4 == PF_L4_TCP && pkt->has_ports;
  if (!s->valid)
    return;
  PF_ASSERT(pkt->l4_len >= sizeof(struct pf_wire_tcp));
  const struct pf_wire_tcp *h = (const struct pf_wire_tcp *)pkt->l4_hdr;
  uint32_t doff = pkt->tcp_hdr_len; /* the decoder's */
  PF_ASSERT(doff == pf_tcp_hdr_len(h) && doff <= pkt->l4_total_len);
  s->seq = pf_be32(h->seq);
  s->ack = pf_be32(h->ack);
  s->window = pf_be16(h->window);
  s->payload = pkt->l4_total_len - doff;
}

/* ---- the record pool ---- */

PF_STATIC_ASSERT(sizeof(struct pf_tcp_conn) + sizeof(struct pf_tcp_timing) ==
                     64,
                 "with timing, a record is one cache line");

static const uint8_t pf_tcp_fast_sides[256];

int pf_tcp_table_init(struct pf_tcp_table *t, uint32_t max_conns,
                      uint32_t syn_timeout_s, bool timing, char *err,
                      size_t errlen) {
  memset(t, 0, sizeof(*t));
  t->rec_shift = timing ? 6 : 5;
  t->rec_size = (uint64_t)1 << t->rec_shift;
  t->timing = timing;
  size_t size = (size_t)max_conns << t->rec_shift;
  /* A large reservation is mapped without being touched: records cost
   * memory only as connections take them (pf_tcp_grow zeroes each). Aligned
   * to its record size, a record never straddles two cache lines. */
  void *mem = NULL;
  if (posix_memalign(&mem, (size_t)1 << t->rec_shift, size ? size : 64) != 0)
    return pf_err(err, errlen,
                  "cannot allocate TCP state for %u flows (%zu MiB)", max_conns,
                  size >> 20);
  t->conns = mem;
  t->max_conns = max_conns;
  t->free_head = PF_TCP_NONE;
  t->syn_timeout_us = (uint64_t)syn_timeout_s * 1000000;
  memcpy(t->fast_sides, pf_tcp_fast_sides, sizeof(t->fast_sides));
  return 0;
}

void pf_tcp_table_free(struct pf_tcp_table *t) {
  free(t->conns);
  t->conns = NULL;
}

static struct pf_tcp_conn *pf_tcp_record(const struct pf_flow_table *ft,
                                         const struct pf_flow *f) {
  return pf_tcp_conn_at(&ft->tcp, f->tcp_ext);
}

struct pf_tcp_conn *pf_tcp_grow(struct pf_flow_table *ft, struct pf_flow *f) {
  if (f->tcp_state & PF_TCPS_RECORD)
    return pf_tcp_record(ft, f);
  struct pf_tcp_table *t = &ft->tcp;
  uint32_t i;
  if (t->free_head != PF_TCP_NONE) {
    i = t->free_head;
    t->free_head = pf_tcp_conn_at(t, i)->tls_name;
  } else if (t->next_unused < t->max_conns) {
    i = t->next_unused++;
  } else {
    return NULL;
  }
  struct pf_tcp_conn *c = pf_tcp_conn_at(t, i);
  if (t->timing) /* sizes known here: a few stores, not a call */
    memset(c, 0, sizeof(*c) + sizeof(struct pf_tcp_timing));
  else
    memset(c, 0, sizeof(*c));
  for (int side = 0; side < 2; side++)
    if (f->tcp_state & (PF_TCPS_KNOWN0 << side))
      c->dir[side].next = f->tcp_ext;
  f->tcp_ext = i;
  f->tcp_state |= PF_TCPS_RECORD;
  return c;
}

void pf_tcp_release(struct pf_flow_table *ft, struct pf_flow *f) {
  struct pf_tcp_table *t = &ft->tcp;
  if (!t->conns)
    return;
  if (pf_flow_list(f) == PF_LIST_SYN_WAIT)
    t->stats.unanswered++;
  if (f->tcp_state & PF_TCPS_RECORD) {
    pf_tcp_conn_at(t, f->tcp_ext)->tls_name = t->free_head;
    t->free_head = f->tcp_ext;
  }
  f->tcp_state = 0;
  f->tcp_ext = PF_TCP_NONE;
}

void pf_tcp_keep_name(struct pf_flow_table *ft, struct pf_flow *f,
                      uint32_t name) {
  if (!ft->tcp.conns || (f->tcp_state & PF_TCPS_NAMED))
    return;
  struct pf_tcp_conn *c = pf_tcp_grow(ft, f);
  if (!c)
    return;
  c->tls_name = name;
  f->tcp_state |= PF_TCPS_NAMED;
}

/* ---- the SYN's wait ---- */

/* The SYN's wait ends: the flow goes back among the flows of its kind, at
 * the head of their list. Answered, it was just seen, so that is its place;
 * timed out, it was last seen up to TcpSynTimeout (and a tick) before, so
 * its idle expiry may come that much late and eviction takes it as seen
 * now; a file's final state sweeps (pf_flow_table_expire_all). */
static void pf_tcp_stop_waiting(struct pf_flow_table *ft, uint32_t ref,
                                struct pf_flow *f) {
  if (pf_flow_list(f) == PF_LIST_SYN_WAIT)
    pf_flow_relist(ft, ref, (uint8_t)pf_flow_kind(f));
}

/* A packet of a waiting flow past its SYN timeout that no tick has
 * counted yet (ticks run once a batch): the SYN counts as unanswered now
 * and the flow leaves the list for its kind's head at this packet (the
 * tick would have counted it the same, and moved it in its run at the
 * batch's end); its answer, if this is one, then counts nothing more. Read
 * before the packet becomes its last, the flow's age is exact; after, with
 * ActiveTimeout 0 (first32 in microseconds), a packet 71.6 min or more
 * after the SYN would make it read that much late, and the tick, which
 * stops at the first flow inside its timeout, would stop there. So a
 * waiting flow is never older than TcpSynTimeout (at most 3600 s) at any
 * of its packets, and its first packet reads true while it waits. */
__attribute__((noinline)) void pf_tcp_wait_over(struct pf_flow_table *ft,
                                                uint32_t ref, struct pf_flow *f,
                                                uint64_t now_us) {
  if (now_us < pf_flow_first_us(ft, f) + ft->tcp.syn_timeout_us)
    return;
  ft->tcp.stats.unanswered++;
  pf_tcp_stop_waiting(ft, ref, f);
}

/* The run of timed-out SYNs from the SYN-wait list's tail up to `last`
 * goes to the TCP list's head in one piece, as relisting them one by one
 * would (their list bytes are set). */
static void pf_tcp_unwait_run(struct pf_flow_table *ft, uint32_t last) {
  if (last != PF_FLOW_NONE)
    pf_flow_splice_tail(ft, PF_LIST_SYN_WAIT, last, PF_FLOW_TCP);
}

/* A timed-out SYN's flow, the run's newest so far `run`: an open one
 * joins the run (returned), a closed one ends it and goes alone. */
static uint32_t pf_tcp_unwait(struct pf_flow_table *ft, uint32_t ref,
                              struct pf_flow *f, uint32_t run) {
  enum pf_flow_kind kind = pf_flow_kind(f);
  /* It goes to its list's head, seen earlier than the flows there: the
   * bound of that list's last packets (flow.h) takes it in. */
  if (f->last_us < ft->unwaited_us[kind])
    ft->unwaited_us[kind] = f->last_us;
  if (kind == PF_FLOW_TCP) {
    f->list = (uint8_t)((f->list & PF_FLOW_IS_V6) | PF_FLOW_TCP);
    return ref;
  }
  pf_tcp_unwait_run(ft, run);
  pf_tcp_stop_waiting(ft, ref, f);
  return PF_FLOW_NONE;
}

/* How far up its pool the tick asks for entries ahead. */
#define PF_TICK_AHEAD 8

/* The SYN-wait list is in the order of the SYNs, and a flood's new flows
 * take their entries from the pools' unused ends in that order: so the
 * entries the tick will read next are most likely a few places up the
 * pool of the one it reads now, where each read waited for memory in
 * turn. Asked for ahead; a wrong guess costs a line. */
static inline __attribute__((always_inline)) void
pf_tick_prefetch(const struct pf_flow_table *ft, uint32_t ref) {
  const struct pf_flow_pool *p = &ft->pool[ref >> 31];
  uint32_t i = (ref & ~PF_FLOW_V6) + PF_TICK_AHEAD;
  if (i >= p->next_unused)
    return;
  const uint8_t *e = p->entries + (size_t)i * p->size;
  __builtin_prefetch(e);
  __builtin_prefetch(e + p->size - 1); /* an IPv6 entry's protocol */
}

void pf_tcp_tick(struct pf_flow_table *ft, uint64_t now_us) {
  struct pf_tcp_table *t = &ft->tcp;
  if (!t->conns)
    return;
  /* The SYN was the flow's first packet; the clock stays below 2^62 and
   * the timeout below 2^32 us, so the sum cannot overflow. A flood's
   * flows are open TCP flows: they move as a run; one closed meanwhile
   * (a RST from its client) goes to its own list, in turn. */
  uint32_t run = PF_FLOW_NONE, ref = ft->lru_tail[PF_LIST_SYN_WAIT];
  while (ref != PF_FLOW_NONE) {
    struct pf_flow *f = pf_flow_at(ft, ref);
    pf_tick_prefetch(ft, ref);
    if (now_us < pf_flow_first_us(ft, f) + t->syn_timeout_us)
      break;
    t->stats.unanswered++;
    uint32_t newer = f->lru_prev;
    run = pf_tcp_unwait(ft, ref, f, run);
    ref = newer;
  }
  pf_tcp_unwait_run(ft, run);
}

/* ---- the handshake ---- */

/* The record's synack_after_us values that are no time (pf_tcp_answer
 * keeps times between them): a handshake that gives no sample after its
 * SYN-ACK, and one whose SYN-ACK came too late for 32 bits of
 * microseconds, whose ACK gives the whole handshake's sample alone. */
#define PF_TCP_UNTIMED INT32_MIN
#define PF_TCP_FAR INT32_MAX

/* Whether a flow's age reads true at each of its packets. With an active
 * timeout a flow restarts before its age in first32 reaches active_units,
 * which is at most 2^32 units (flow_table.c: up to 2^31 us in
 * microseconds, longer ones, up to 7 days, in units of 2^10 us, which
 * wrap after 50.9 days). With ActiveTimeout 0 first32 wraps every 2^32
 * us, 71.6 minutes, and nothing bounds a flow's age: only a waiting flow's
 * is known to be below TcpSynTimeout (pf_tcp_wait_over). */
static bool pf_tcp_ages_bounded(const struct pf_flow_table *ft) {
  return ft->active_units <= (1ull << 32);
}

/* A flow's age at which a waiting SYN's answer is too old to time without
 * an active timeout (pf_tcp_syn_aged): 35.8 minutes. */
#define PF_TCP_OLD_US (1ull << 31)

/* Whether, with ActiveTimeout 0, a SYN-state flow that is never marked
 * SYN_OLD is truly younger than PF_TCP_OLD_US at each of its packets.
 * By induction: it is while it waits (TcpSynTimeout, at most 3600 s);
 * a packet comes less than a TCP timeout after the flow's last
 * (pf_flow_must_restart restarts it otherwise), so with both TCP timeouts
 * at most 2^31 us its true age is below 2^32 us, which first32 reads
 * true, and pf_tcp_syn_aged marks it once that reads 2^31 us or more.
 * With a longer TcpTimeout one gap may hide a whole wrap: then no late
 * answer gives a sample (pf_tcp_answer). */
static bool pf_tcp_gaps_bounded(const struct pf_flow_table *ft) {
  return ft->timeout_us[PF_FLOW_TCP] <= PF_TCP_OLD_US &&
         ft->timeout_us[PF_FLOW_TCP_CLOSED] <= PF_TCP_OLD_US;
}

/* A packet of a SYN-state flow whose wait is over (either side's: each
 * keeps the flow alive), with ActiveTimeout 0: marked SYN_OLD when its age,
 * read modulo 2^32 us, is 2^31 us or more (pf_tcp_gaps_bounded: then it
 * is). Off the common path: a SYN's wait over is an attempt that failed,
 * and only its further packets come here. */
__attribute__((noinline)) static void
pf_tcp_syn_aged(const struct pf_flow_table *ft, struct pf_flow *f) {
  if (!pf_tcp_ages_bounded(ft) &&
      f->last_us - pf_flow_first_us(ft, f) >= PF_TCP_OLD_US)
    f->tcp_state = (uint8_t)((f->tcp_state & ~PF_TCPS_MASK) | PF_TCPS_SYN_OLD);
}

/* Whether a late answer (its SYN's wait over) gives no sample: its flow
 * is marked, or is at this packet, too old to time, or a gap may have
 * hidden a wrap (pf_tcp_gaps_bounded). */
static bool pf_tcp_untimed(const struct pf_flow_table *ft, struct pf_flow *f) {
  pf_tcp_syn_aged(ft, f);
  return (f->tcp_state & PF_TCPS_MASK) == PF_TCPS_SYN_OLD ||
         (!pf_tcp_ages_bounded(ft) && !pf_tcp_gaps_bounded(ft));
}

/* The time since the SYN, from the two packets' own timestamps (their low
 * 32 bits: right while they are less than 35 minutes apart), 0 when the
 * later one is stamped earlier. A connection older than that by the clock
 * is measured by the clock. Right while the flow's age reads true: at any
 * packet when ages are bounded, else below 2^31 us (pf_tcp_answer takes
 * no sample of an answer that may come later). */
static int64_t pf_tcp_since_syn(const struct pf_flow_table *ft,
                                const struct pf_flow *f, uint64_t now_us,
                                uint64_t ts_us) {
  uint64_t age = now_us - pf_flow_first_us(ft, f);
  if (age > PF_TCP_RAW_SPAN_US)
    return (int64_t)age;
  return (int32_t)((uint32_t)ts_us - f->tcp_syn32);
}

static uint64_t pf_tcp_non_negative(int64_t d) {
  return d > 0 ? (uint64_t)d : 0;
}

/* The SYN's answer: SYN-ACK or RST from the server. An answer after the
 * SYN's timeout was counted unanswered (by a tick, or by pf_tcp_wait_over
 * at this very packet), which took the flow off the SYN-wait list; it is
 * still the handshake's answer, and its latency the client saw (a SYN
 * sent again, lost twice, answered after 3.05 s), when the flow's age
 * reads true. With an active timeout it always does. With ActiveTimeout 0
 * the flow lives on as long as it sends within TcpTimeout, and its start,
 * kept modulo 2^32 us, reads an answer 71.6 minutes or more after the SYN
 * that much short: a flow marked SYN_OLD (pf_tcp_syn_aged, 35.8 min or
 * more since its SYN), and with a TcpTimeout over 35.8 min any late one,
 * gives no sample (neither this one nor the ACK's): the attempt has
 * counted as failed, and no figure is better than a wrong one. A SYN-ACK
 * 2^31 us (35.8 min) or more after the SYN (an ActiveTimeout that long)
 * gives its own sample, but the record cannot keep its time: the ACK gives
 * the whole handshake's sample and not the SYN-ACK to ACK one (a time
 * saturated at 35.8 min made that one wrong). */
__attribute__((noinline)) static void
pf_tcp_answer(struct pf_flow_table *ft, struct pf_flow *f, uint32_t ref,
              uint8_t flags, uint64_t now_us, uint64_t ts_us,
              struct pf_hist *lat) {
  uint8_t syn_ack = flags & (PF_TCP_SYN | PF_TCP_ACK);
  if (flags & PF_TCP_RST) {
    pf_tcp_stop_waiting(ft, ref, f); /* refused: an answer, not a silence */
    f->tcp_state = (uint8_t)((f->tcp_state & ~PF_TCPS_MASK) | PF_TCPS_REFUSED);
  } else if (syn_ack == (PF_TCP_SYN | PF_TCP_ACK)) {
    struct pf_tcp_conn *c = pf_tcp_grow(ft, f);
    if (!c)
      return;
    bool late = pf_flow_list(f) != PF_LIST_SYN_WAIT;
    pf_tcp_stop_waiting(ft, ref, f);
    if (late && pf_tcp_untimed(ft, f)) {
      f->tcp_state = (uint8_t)((f->tcp_state & ~PF_TCPS_MASK) | PF_TCPS_SYNACK);
      c->synack_after_us = PF_TCP_UNTIMED;
      return;
    }
    f->tcp_state = (uint8_t)((f->tcp_state & ~PF_TCPS_MASK) | PF_TCPS_SYNACK);
    int64_t after = pf_tcp_since_syn(ft, f, now_us, ts_us);
    c->synack_after_us = after >= PF_TCP_FAR      ? PF_TCP_FAR
                         : after > PF_TCP_UNTIMED ? (int32_t)after
                                                  : PF_TCP_UNTIMED + 1;
    pf_hist_add(&lat[PF_TCP_SYN_SYNACK], pf_tcp_non_negative(after));
  } else if (pf_flow_list(f) != PF_LIST_SYN_WAIT) {
    pf_tcp_syn_aged(ft, f); /* no answer, but it keeps the flow */
  }
}

/* The client's ACK of the SYN-ACK: the handshake is complete. Returns its
 * SYN-to-ACK time, PF_TCP_NO_SAMPLE when it gives none (pf_tcp_answer).
 * With ActiveTimeout 0, an ACK 71.6 minutes or more after its SYN reads
 * that much short, as a late answer would: the ACK of a SYN-ACK that came
 * in time is not tracked by any list, and nothing of the flow tells how
 * long it has been since (a client that sends nothing with an ACK that
 * long, on a flow kept by SYNs or a TcpTimeout over 71.6 min). */
__attribute__((noinline)) static uint64_t
pf_tcp_complete(struct pf_flow_table *ft, struct pf_flow *f, uint64_t now_us,
                uint64_t ts_us, struct pf_hist *lat) {
  f->tcp_state = (uint8_t)((f->tcp_state & ~PF_TCPS_MASK) | PF_TCPS_DONE);
  ft->tcp.stats.completed++;
  int32_t synack = pf_tcp_record(ft, f)->synack_after_us;
  if (synack == PF_TCP_UNTIMED)
    return PF_TCP_NO_SAMPLE;
  int64_t whole = pf_tcp_since_syn(ft, f, now_us, ts_us);
  if (synack != PF_TCP_FAR)
    pf_hist_add(&lat[PF_TCP_SYNACK_ACK], pf_tcp_non_negative(whole - synack));
  pf_hist_add(&lat[PF_TCP_HANDSHAKE], pf_tcp_non_negative(whole));
  return pf_tcp_non_negative(whole);
}

/* The first analysed segment of a connection decides how it is tracked:
 * a SYN starts its wait for the answer (the flow's first packet; its
 * timeout runs from the flow's first time). */
static void pf_tcp_first(struct pf_flow_table *ft, struct pf_flow *f,
                         uint32_t ref, uint8_t side, uint8_t flags,
                         uint64_t ts_us) {
  uint8_t syn_ack = flags & (PF_TCP_SYN | PF_TCP_ACK);
  uint8_t st = f->tcp_state & ~(PF_TCPS_MASK | PF_TCPS_CLIENT);
  if (syn_ack == PF_TCP_SYN && !(flags & PF_TCP_RST)) {
    f->tcp_state = (uint8_t)(st | PF_TCPS_SYN | (side ? PF_TCPS_CLIENT : 0));
    f->tcp_syn32 = (uint32_t)ts_us;
    if (pf_flow_list(f) != PF_LIST_SYN_WAIT) /* a new flow starts there */
      pf_flow_relist(ft, ref, PF_LIST_SYN_WAIT);
  } else if (syn_ack == (PF_TCP_SYN | PF_TCP_ACK)) {
    f->tcp_state =
        (uint8_t)(st | PF_TCPS_PARTIAL | (side ? 0 : PF_TCPS_CLIENT));
  } else {
    f->tcp_state = (uint8_t)(st | PF_TCPS_LATE);
    ft->tcp.stats.late_start++;
  }
}

/* Returns true when this segment completed the handshake. */
static bool pf_tcp_handshake(struct pf_flow_table *ft, struct pf_flow *f,
                             uint32_t ref, uint8_t flags,
                             const struct pf_tcp_seen *at, struct pf_hist *lat,
                             uint64_t *handshake_us) {
  unsigned state = f->tcp_state & PF_TCPS_MASK;
  uint8_t client = (f->tcp_state & PF_TCPS_CLIENT) ? 1 : 0;
  uint8_t side = at->side;
  if (state == PF_TCPS_NEW) {
    pf_tcp_first(ft, f, ref, side, flags, at->ts_us);
  } else if (state == PF_TCPS_SYN || state == PF_TCPS_SYN_OLD) {
    /* Past its wait, every packet reads the flow's age (an answer's in
     * pf_tcp_answer). */
    if (side != client)
      pf_tcp_answer(ft, f, ref, flags, at->now_us, at->ts_us, lat);
    else if (state == PF_TCPS_SYN && pf_flow_list(f) != PF_LIST_SYN_WAIT)
      pf_tcp_syn_aged(ft, f);
  } else if (state == PF_TCPS_SYNACK && side == client &&
             (flags & (PF_TCP_SYN | PF_TCP_ACK)) == PF_TCP_ACK &&
             !(flags & PF_TCP_RST)) {
    *handshake_us = pf_tcp_complete(ft, f, at->now_us, at->ts_us, lat);
    return true;
  }
  return false;
}

/* ---- the sequence space ---- */

/* Classifies a segment covering [seq, end) of a direction whose edge is
 * known: new data at or past the edge (a gap before it becomes the hole),
 * data filling the hole (out of order), or data seen before
 * (retransmitted). One hole is remembered per direction, the latest: a
 * segment filling an older one counts as retransmitted, which keeps the
 * state fixed in size. Out of line: the general path's alone (segments
 * at the edge take pf_tcp_established), and inlined into the vector it
 * cost the flood 1.5 instructions a frame in register allocation. */
__attribute__((noinline)) static void pf_tcp_sequence(struct pf_tcp_table *t,
                                                      struct pf_tcp_dir *d,
                                                      uint32_t seq,
                                                      uint32_t end) {
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

/* A segment with sequence space [seq, seq + len) from `side`. The flow
 * keeps one known edge itself while the connection is in order and one
 * way (a SYN of a flood, a late start); anything more takes a record. */
static void pf_tcp_data(struct pf_flow_table *ft, struct pf_flow *f,
                        uint8_t side, uint32_t seq, uint32_t len,
                        bool syn_only) {
  uint8_t known = (uint8_t)(PF_TCPS_KNOWN0 << side), st = f->tcp_state;
  uint32_t end = seq + len;
  if (!(st & (PF_TCPS_KNOWN0 | PF_TCPS_KNOWN1 | PF_TCPS_RECORD))) {
    f->tcp_ext = end; /* the first edge, kept in the flow */
    f->tcp_state |= known;
    return;
  }
  if (!(st & PF_TCPS_RECORD) && (st & known)) {
    if (seq == f->tcp_ext) { /* in order: no hole, no record */
      f->tcp_ext = end;
      return;
    }
    if (syn_only && end == f->tcp_ext) { /* the SYN again */
      ft->tcp.stats.retransmitted++;
      return;
    }
  }
  struct pf_tcp_conn *c = pf_tcp_grow(ft, f);
  if (!c)
    return;
  if (!(f->tcp_state & known)) {
    f->tcp_state |= known;
    c->dir[side].next = end;
    return;
  }
  pf_tcp_sequence(&ft->tcp, &c->dir[side], seq, end);
}

/* A segment without sequence space (a pure ACK) at seq: a direction whose
 * edge is known and lies below seq sent data this point never saw, which
 * becomes the hole. It does not make an unknown edge known: data sent
 * before capture began would then count as retransmitted. */
static void pf_tcp_shown(struct pf_flow_table *ft, struct pf_flow *f,
                         uint8_t side, uint32_t seq) {
  if (!(f->tcp_state & (PF_TCPS_KNOWN0 << side)))
    return;
  uint32_t next = f->tcp_state & PF_TCPS_RECORD
                      ? pf_tcp_record(ft, f)->dir[side].next
                      : f->tcp_ext;
  if (!pf_seq_lt(next, seq))
    return;
  struct pf_tcp_conn *c = pf_tcp_grow(ft, f);
  if (!c)
    return;
  c->dir[side] =
      (struct pf_tcp_dir){.next = seq, .hole_lo = next, .hole_hi = seq};
}

/* The edge of `side`, when known. */
static bool pf_tcp_edge(const struct pf_flow_table *ft, const struct pf_flow *f,
                        uint8_t side, uint32_t *next) {
  if (!(f->tcp_state & (PF_TCPS_KNOWN0 << side)))
    return false;
  *next = f->tcp_state & PF_TCPS_RECORD ? pf_tcp_record(ft, f)->dir[side].next
                                        : f->tcp_ext;
  return true;
}

/* The handshake states in which a segment without SYN or RST changes
 * nothing of the handshake (pf_tcp_handshake): completed, or not seen
 * from its start. */
#define PF_TCP_SETTLED                                                         \
  ((1u << PF_TCPS_DONE) | (1u << PF_TCPS_PARTIAL) | (1u << PF_TCPS_LATE))

/* By the flow's tcp_state, the sides (bit 0: side 0) whose segments may
 * take the common case: a settled handshake, a record, the side's edge
 * known. One load instead of a dozen instructions a segment. */
#define PF_TCP_FAST(st)                                                        \
  (((st)&PF_TCPS_RECORD) && ((PF_TCP_SETTLED >> ((st)&PF_TCPS_MASK)) & 1)      \
       ? ((st) / PF_TCPS_KNOWN0) & 3                                           \
       : 0)
#define PF_TCP_FAST4(st)                                                       \
  PF_TCP_FAST(st), PF_TCP_FAST((st) + 1), PF_TCP_FAST((st) + 2),               \
      PF_TCP_FAST((st) + 3)
#define PF_TCP_FAST16(st)                                                      \
  PF_TCP_FAST4(st), PF_TCP_FAST4((st) + 4), PF_TCP_FAST4((st) + 8),            \
      PF_TCP_FAST4((st) + 12)
#define PF_TCP_FAST64(st)                                                      \
  PF_TCP_FAST16(st), PF_TCP_FAST16((st) + 16), PF_TCP_FAST16((st) + 32),       \
      PF_TCP_FAST16((st) + 48)
static const uint8_t pf_tcp_fast_sides[256] = {
    PF_TCP_FAST64(0), PF_TCP_FAST64(64), PF_TCP_FAST64(128),
    PF_TCP_FAST64(192)};
PF_STATIC_ASSERT(PF_TCPS_KNOWN1 == 2 * PF_TCPS_KNOWN0, "the sides' bits");

/* pf_tcp_established's FIN in order (with data or not), which takes one
 * sequence number more: apart, so that the other segments read no more
 * than they did. */
static inline __attribute__((always_inline)) bool
pf_tcp_established_fin(struct pf_flow_table *ft, struct pf_flow *f,
                       const struct pf_tcp_segment *seg,
                       const struct pf_tcp_seen *at, struct pf_tcp_sink *sink) {
  if ((seg->flags & (PF_TCP_SYN | PF_TCP_FIN | PF_TCP_RST)) != PF_TCP_FIN)
    return false;
  struct pf_tcp_conn *c = pf_tcp_record(ft, f);
  struct pf_tcp_dir *d = &c->dir[at->side];
  if (seg->seq != d->next)
    return false;
  d->next = seg->seq + seg->payload + 1;
  if (ft->tcp.timing)
    pf_tcp_timing_fin(f, c, seg, at, sink);
  return true;
}

/* The common case, decided first: a segment of a connection whose
 * handshake is settled, from a side whose edge is known, neither SYN nor
 * RST, with an open window: data in order moves the edge (a FIN one more),
 * a pure ACK at or below it changes nothing, and the timing (with TcpTiming)
 * runs on the record already at hand. Returns false to take the general path
 * (tcp_packet below), which gives the same outcome for these. */
static bool pf_tcp_established(struct pf_flow_table *ft, struct pf_flow *f,
                               const struct pf_tcp_segment *seg,
                               const struct pf_tcp_seen *at,
                               struct pf_tcp_sink *sink) {
  uint8_t side = at->side;
  PF_ASSERT(ft->tcp.fast_sides[f->tcp_state] ==
            pf_tcp_fast_sides[f->tcp_state]);
  if (!((ft->tcp.fast_sides[f->tcp_state] >> side) & 1) || seg->window == 0)
    return false;
  if (seg->flags & (PF_TCP_SYN | PF_TCP_FIN | PF_TCP_RST))
    return pf_tcp_established_fin(ft, f, seg, at, sink);
  struct pf_tcp_conn *c = pf_tcp_record(ft, f);
  struct pf_tcp_dir *d = &c->dir[side];
  uint32_t len = seg->payload, seq = seg->seq;
  /* A pure ACK and data in order apart: each tests what it needs once. */
  if (len == 0) {
    if (pf_seq_lt(d->next, seq))
      return false;
    if (ft->tcp.timing)
      pf_tcp_timing_ack(c, seg, at, sink);
    return true;
  }
  if (seq != d->next)
    return false;
  d->next = seq + len;
  if (ft->tcp.timing)
    pf_tcp_timing_in_order(f, c, seg, at, sink);
  return true;
}

/* The segment's flags' counts; false for a RST, whose sequence number is
 * not data. */
static bool pf_tcp_flags_count(struct pf_tcp_table *t,
                               const struct pf_tcp_segment *seg) {
  if (seg->flags & PF_TCP_RST) {
    t->stats.resets++;
    return false;
  }
  if (seg->window == 0 && !(seg->flags & (PF_TCP_SYN | PF_TCP_FIN)))
    t->stats.zero_window++;
  return true;
}

/* The general path: the handshake, then the sequence space. */
static bool pf_tcp_general(struct pf_flow_table *ft, struct pf_flow *f,
                           uint32_t ref, const struct pf_tcp_segment *seg,
                           const struct pf_tcp_seen *at, struct pf_hist *lat,
                           uint64_t *handshake_us) {
  uint8_t flags = seg->flags, side = at->side;
  bool not_rst = pf_tcp_flags_count(&ft->tcp, seg);
  bool completed = pf_tcp_handshake(ft, f, ref, flags, at, lat, handshake_us);
  if (!not_rst)
    return completed;
  /* SYN and FIN take one sequence number each. */
  uint32_t len = seg->payload + !!(flags & PF_TCP_SYN) + !!(flags & PF_TCP_FIN);
  if (len == 0) {
    /* A pure ACK carries no data to repeat, but its sequence number shows
     * how far its sender got: data sent after it (tail loss) fills a gap. */
    pf_tcp_shown(ft, f, side, seg->seq);
    return completed;
  }
  /* A keep-alive probe repeats the byte before the edge on purpose. */
  uint32_t next;
  if (seg->payload <= 1 && !(flags & (PF_TCP_SYN | PF_TCP_FIN)) &&
      pf_tcp_edge(ft, f, side, &next) && seg->seq == next - 1)
    return completed;
  pf_tcp_data(ft, f, side, seg->seq, len,
              (flags & (PF_TCP_SYN | PF_TCP_ACK | PF_TCP_FIN)) == PF_TCP_SYN &&
                  seg->payload == 0);
  return completed;
}

/* A connection's first segment a SYN without data (each of a flood's):
 * what the general path makes of it (pf_tcp_first, then the first edge of
 * pf_tcp_data; no timing without data or a record), in a few stores. */
static bool pf_tcp_first_syn(struct pf_flow_table *ft, struct pf_flow *f,
                             uint32_t ref, const struct pf_tcp_segment *seg,
                             const struct pf_tcp_seen *at) {
  uint8_t side = at->side;
  if (f->tcp_state != 0 || seg->payload != 0 ||
      (seg->flags & (PF_TCP_SYN | PF_TCP_ACK | PF_TCP_RST | PF_TCP_FIN)) !=
          PF_TCP_SYN)
    return false;
  f->tcp_state = (uint8_t)(PF_TCPS_SYN | (side ? PF_TCPS_CLIENT : 0) |
                           (PF_TCPS_KNOWN0 << side));
  f->tcp_syn32 = (uint32_t)at->ts_us;
  f->tcp_ext = seg->seq + 1; /* the SYN takes one sequence number */
  if (pf_flow_list(f) != PF_LIST_SYN_WAIT) /* a new flow starts there */
    pf_flow_relist(ft, ref, PF_LIST_SYN_WAIT);
  return true;
}

bool pf_tcp_packet(struct pf_flow_table *ft, struct pf_flow *f, uint32_t ref,
                   const struct pf_tcp_segment *seg,
                   const struct pf_tcp_seen *at, struct pf_tcp_sink *sink,
                   uint64_t *handshake_us) {
  if (!ft->tcp.conns || !seg->valid)
    return false;
  if (pf_tcp_established(ft, f, seg, at, sink))
    return false;
  /* The rest reads the segment and the flow again rather than keep what
   * the common case read: kept, it is spilled to the stack on every
   * segment of the packet loop (a compiler barrier, no instruction). */
  __asm__ __volatile__("" ::: "memory");
  if (pf_tcp_first_syn(ft, f, ref, seg, at))
    return false;
  /* Only a record, or data that takes one, has timing to do: not a SYN of a
   * flood. */
  if (ft->tcp.timing && (seg->payload > 0 || (f->tcp_state & PF_TCPS_RECORD)))
    pf_tcp_timing(ft, f, seg, at, sink);
  return pf_tcp_general(ft, f, ref, seg, at, sink->lat, handshake_us);
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
