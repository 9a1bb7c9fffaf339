/* dns.c - DNS on a shard's per-packet path: the packet's part (parse,
 * count, offer the domain) and the flow's part (match), dns.h. */
#include "shard/dns.h"

#include "app/dns_tcp.h"
#include "app/domain.h"
#include "base/check.h"
#include "base/hash.h"

#include <string.h>

int pf_dns_shard_init(struct pf_dns_shard *d, const struct pf_dns_config *cfg,
                      char *err, size_t errlen) {
  memset(d, 0, sizeof(*d));
  d->cfg = *cfg;
  pf_hash_seed(d->seed);
  PF_ASSERT(!cfg->analysis ||
            (cfg->n_ports >= 1 && cfg->n_ports <= PF_MAX_DNS_PORTS));
  if (cfg->analysis) {
    d->port0 = cfg->ports[0];
    d->more_ports = cfg->n_ports > 1;
    for (unsigned i = 0; i < cfg->n_ports; i++)
      d->port_filter |= 1ull << (cfg->ports[i] & 63);
  }
  if (cfg->analysis &&
      (pf_dns_framing_init(&d->framing, cfg->timeout_s, err, errlen) != 0 ||
       pf_dns_held_init(&d->held, err, errlen) != 0))
    return -1;
  if (cfg->analysis && cfg->latency)
    return pf_dns_pending_init(&d->pending, cfg->pending, cfg->timeout_s, err,
                               errlen);
  return 0;
}

void pf_dns_shard_free(struct pf_dns_shard *d) {
  pf_dns_pending_free(&d->pending);
  pf_dns_framing_free(&d->framing);
  pf_dns_held_free(&d->held);
}

/* ---- the packet's part ---- */

static unsigned pf_dns_qtype_slot(uint16_t qtype) {
  if (qtype < PF_DNS_QTYPE_TA_SLOT)
    return qtype;
  if (qtype == 32768)
    return PF_DNS_QTYPE_TA_SLOT;
  if (qtype == 32769)
    return PF_DNS_QTYPE_DLV_SLOT;
  return PF_DNS_QTYPE_OTHER_SLOT;
}

/* A query's registered domain into the interval's top list, one query. */
static void pf_dns_offer_domain(const struct pf_dns_shard *d,
                                const struct pf_dns_top *top,
                                const struct pf_dns_name *name) {
  struct pf_dns_domain_key key;
  memset(&key, 0, sizeof(key));
  uint32_t at = pf_domain_registered(name->text, name->len);
  uint32_t len = name->len - at;
  key.len = (uint8_t)(len < sizeof(key.text) ? len : sizeof(key.text));
  memcpy(key.text, name->text + at, key.len);
  pf_top_batch_add(top->batch, top->top,
                   pf_topn_key_hash(d->seed, &key, sizeof(key)), &key, 0, 1);
}

/* Counts one parsed message of wire_len bytes. */
static void pf_dns_count(struct pf_dns_shard *d, const struct pf_dns_msg *m,
                         uint32_t wire_len) {
  struct pf_dns_stats *st = &d->stats;
  bool response = (m->flags & PF_DNS_F_QR) != 0;
  st->messages[response]++;
  st->octets[response] += wire_len;
  st->opcode[m->opcode & 15]++;
  if (!response) { /* collectd's plugin counts a question's type alone */
    if (m->has_question)
      st->qtype[pf_dns_qtype_slot(m->qtype)]++;
    return;
  }
  st->rcode[m->rcode & 15]++;
  if (m->flags & PF_DNS_F_TC)
    st->truncated++;
}

/* What the flow's part needs of a message: into *out for a segment's
 * first, into the shard's ring for the others (out->more counts them). */
static void pf_dns_queue(struct pf_dns_shard *d, const struct pf_dns_msg *m,
                         struct pf_dns_queued *out) {
  uint64_t h = pf_hash_bytes(d->seed, m->qname.text, m->qname.len);
  struct pf_dns_queued t = {
      .qhash = (uint32_t)(h ^ (h >> 32)) ^ ((uint32_t)m->qtype << 16),
      .id = m->id,
      .kind = (m->flags & PF_DNS_F_QR) ? PF_DNS_QUEUED_RESPONSE
                                       : PF_DNS_QUEUED_QUERY};
  if (out->kind == PF_DNS_QUEUED_NONE) {
    *out = t;
    return;
  }
  PF_ASSERT(d->more_tail - d->more_head < PF_DNS_MORE_SLOTS);
  d->more[d->more_tail++ % PF_DNS_MORE_SLOTS] = t;
  out->more++;
}

/* One message of `wire_len` bytes on the wire, `cap` of them captured:
 * counted if it parses. Returns the parser's result; a failure is the
 * caller's to count. */
static enum pf_dns_err pf_dns_message(struct pf_dns_shard *d,
                                      const struct pf_bytes *cap,
                                      uint32_t wire_len,
                                      const struct pf_dns_top *top,
                                      struct pf_dns_queued *out) {
  struct pf_dns_msg m;
  enum pf_dns_err e = pf_dns_parse(cap, &m);
  if (e != PF_DNS_OK)
    return e;
  pf_dns_count(d, &m, wire_len);
  if (d->cfg.top_domains && !(m.flags & PF_DNS_F_QR) && m.has_question &&
      m.qname.len > 0)
    pf_dns_offer_domain(d, top, &m.qname);
  if (d->cfg.latency)
    pf_dns_queue(d, &m, out);
  return PF_DNS_OK;
}

/* A message that does not parse, by reason; one cut by the snapshot
 * length before its question ended is not the sender's fault. */
static void pf_dns_malformed(struct pf_dns_shard *d, enum pf_dns_err e,
                             bool cut) {
  d->stats.malformed[cut && e == PF_DNS_E_TRUNCATED ? 0 : e]++;
}

/* Where a TCP segment is framed: its direction, its sequence numbers and
 * the clock. */
struct pf_dns_tcp_at {
  const struct pf_dns_where *w;
  uint64_t key;      /* pf_dns_framing_key */
  uint32_t next_seq; /* where the direction's next segment starts */
};

/* Gives up a held message start: not read. */
static void pf_dns_unhold(struct pf_dns_shard *d, struct pf_dns_held_entry *e) {
  d->stats.tcp_unframed++;
  pf_dns_held_release(&d->held, e);
}

/* A message whose header or question runs into the next segment: its
 * start held until that comes (dns_held.h). A full set gives up its least
 * recent one, counted evicted too when still live. */
static void pf_dns_hold(struct pf_dns_shard *d,
                        const struct pf_dns_tcp_msg *msg, bool trusted,
                        const struct pf_dns_tcp_at *at) {
  struct pf_dns_held_entry *e = pf_dns_held_claim(&d->held, at->key);
  uint64_t now_us = at->w->now_us;
  if (e->key) {
    d->framing.evicted += pf_dns_held_live(e, now_us, d->framing.live_us);
    pf_dns_unhold(d, e);
  }
  pf_dns_held_take(&d->held, e, at->key, now_us);
  e->msg_len = msg->len;
  e->trusted = trusted;
  e->next_seq = at->next_seq;
  e->len = (uint16_t)(msg->bytes.len < PF_DNS_HELD_BYTES ? msg->bytes.len
                                                         : PF_DNS_HELD_BYTES);
  if (e->len)
    memcpy(e->bytes, msg->bytes.data, e->len);
}

/* One message of a TCP segment. `trusted`: framing says it starts here
 * (a state carried from the segment before, or a message before it in
 * this one); else a failure may be the rest of an earlier message.
 * Returns false when the rest of the segment cannot be framed. */
static bool pf_dns_tcp_message(struct pf_dns_shard *d,
                               const struct pf_dns_tcp_msg *msg, bool trusted,
                               const struct pf_dns_tcp_at *at,
                               struct pf_dns_queued *out) {
  enum pf_dns_err e =
      msg->len < PF_DNS_HEADER_LEN
          ? PF_DNS_E_SHORT
          : pf_dns_message(d, &msg->bytes, msg->len, at->w->top, out);
  if (e == PF_DNS_OK)
    return true;
  /* Its header or question runs into the next segment: read there. */
  if (msg->split && !msg->cut && msg->len >= PF_DNS_HEADER_LEN &&
      (e == PF_DNS_E_SHORT || e == PF_DNS_E_TRUNCATED)) {
    pf_dns_hold(d, msg, trusted, at);
    return true;
  }
  if (!trusted) { /* not framed here, not malformed */
    d->stats.tcp_unframed++;
    return false;
  }
  pf_dns_malformed(d, e, msg->cut);
  return true;
}

/* Appends the held message's bytes at the segment's start (at most the
 * rest of the message and of the buffer). Returns false when the capture
 * cut some. */
static bool pf_dns_held_add(struct pf_dns_held_entry *e,
                            const struct pf_dns_tcp *st,
                            const struct pf_dns_tcp_segment *seg) {
  uint32_t want = st->skip < seg->wire_len ? st->skip : seg->wire_len;
  uint32_t room = (uint32_t)PF_DNS_HELD_BYTES - e->len;
  if (want > room)
    want = room;
  uint32_t have = want < seg->cap.len ? want : seg->cap.len;
  const uint8_t *p;
  if (have && pf_get_span(&seg->cap, 0, have, &p))
    memcpy(e->bytes + e->len, p, have);
  else
    have = 0;
  e->len = (uint16_t)(e->len + have);
  return have == want;
}

/* A segment of a direction with a message start held: read on when it
 * goes on with it, else the message is given up. Returns whether framing
 * is carried into the segment (false: from its first byte, *st reset). */
static bool pf_dns_tcp_resume(struct pf_dns_shard *d, struct pf_dns_tcp *st,
                              const struct pf_dns_tcp_segment *seg,
                              bool carried, const struct pf_dns_tcp_at *at,
                              struct pf_dns_queued *out) {
  struct pf_dns_held_entry *e = pf_dns_held_find(&d->held, at->key);
  if (!e)
    return carried;
  /* Its rest did not come next, or not within DnsTimeout: the tick's rule
   * (pf_dns_held_stale) here too, as no tick may have come since. */
  if (!carried || st->phase != PF_DNS_TCP_BODY ||
      e->next_seq != at->next_seq - seg->wire_len ||
      !pf_dns_held_live(e, at->w->now_us, d->framing.live_us)) {
    pf_dns_unhold(d, e);
    return carried;
  }
  bool whole = pf_dns_held_add(e, st, seg);
  struct pf_bytes b = pf_bytes_of(e->bytes, e->len);
  enum pf_dns_err err = pf_dns_message(d, &b, e->msg_len, at->w->top, out);
  if (err != PF_DNS_OK && whole && st->skip > seg->wire_len &&
      e->len < (uint32_t)PF_DNS_HELD_BYTES &&
      (err == PF_DNS_E_SHORT || err == PF_DNS_E_TRUNCATED)) {
    e->next_seq = at->next_seq; /* it goes on in the next one */
    e->last_us = at->w->now_us;
    return true;
  }
  bool trusted = e->trusted;
  pf_dns_held_release(&d->held, e);
  if (err == PF_DNS_OK)
    return true;
  if (!trusted) { /* framing from where it guessed was wrong */
    d->stats.tcp_unframed++;
    pf_dns_tcp_reset(st);
    return false;
  }
  pf_dns_malformed(d, err, !whole);
  return true;
}

void pf_dns_held_expire(struct pf_dns_shard *d, uint64_t now_us) {
  struct pf_dns_held_entry *e;
  /* Each turn frees one of PF_DNS_HELD_SLOTS entries. */
  while (d->held.held &&
         (e = pf_dns_held_stale(&d->held, now_us, d->framing.live_us)))
    pf_dns_unhold(d, e);
}

/* A TCP segment's messages, framed from where the direction's last
 * segment left off (dns_framing.h), or from its first byte; a message
 * start held (dns_held.h) read on first. */
void pf_dns_tcp_segment(struct pf_dns_shard *d, const struct pf_bytes *payload,
                        uint32_t wire_len, const struct pf_dns_where *w,
                        struct pf_dns_queued *out) {
  struct pf_dns_tcp_at at = {.w = w,
                             .key = pf_dns_framing_key(w->flow_hash, w->side),
                             .next_seq = w->seq + wire_len};
  struct pf_dns_tcp st;
  pf_dns_framing_get(&d->framing, at.key, w->seq, &st);
  bool carried = st.phase != PF_DNS_TCP_LENGTH;
  struct pf_dns_tcp_segment seg = {
      .cap = *payload, .wire_len = wire_len, .off = 0};
  if (d->held.held)
    carried = pf_dns_tcp_resume(d, &st, &seg, carried, &at, out);
  struct pf_dns_tcp_msg msg;
  bool lost = false, framed = true;
  for (unsigned n = 0; framed && n < PF_DNS_TCP_MESSAGES &&
                       pf_dns_tcp_next(&st, &seg, &msg, &lost);
       n++)
    framed = pf_dns_tcp_message(d, &msg, carried || n > 0, &at, out);
  /* Lost, or stopped before the segment's end: where the next one starts
   * is not known. */
  if (!framed || seg.off < seg.wire_len)
    pf_dns_tcp_reset(&st);
  pf_dns_framing_put(&d->framing, at.key, at.next_seq, w->now_us, &st);
}

void pf_dns_packet(struct pf_dns_shard *d, const struct pf_packet *pkt,
                   const struct pf_dns_where *w, struct pf_dns_queued *out) {
  struct pf_bytes l4 = pf_packet_l4(pkt);
  uint8_t doff = 8; /* UDP */
  struct pf_dns_where tcp = *w;
  if (pkt->l4 == PF_L4_TCP) {
    if (!pf_get_u8(&l4, 12, &doff) || !pf_get_u32(&l4, 4, &tcp.seq))
      return;
    doff = (uint8_t)((doff >> 4) * 4);
  }
  if (pkt->l4_total_len <= doff || l4.len < doff)
    return; /* no payload (a TCP ACK, an empty datagram), or none captured */
  uint32_t wire_len = pkt->l4_total_len - doff;
  /* What was captured of it (never the link's padding after it). */
  uint32_t cap = l4.len - doff < wire_len ? l4.len - doff : wire_len;
  struct pf_bytes payload;
  if (!pf_get_sub(&l4, doff, cap, &payload))
    return;
  if (pkt->l4 == PF_L4_TCP) {
    pf_dns_tcp_segment(d, &payload, wire_len, &tcp, out);
    return;
  }
  enum pf_dns_err e = pf_dns_message(d, &payload, wire_len, w->top, out);
  if (e != PF_DNS_OK)
    pf_dns_malformed(d, e, cap < wire_len);
}

/* ---- the flow's part ---- */

/* One message: a query waits, a response gives its latency. */
static void pf_dns_flow_one(struct pf_dns_shard *d, uint32_t flow, uint32_t gen,
                            const struct pf_dns_queued *q, uint64_t now_us,
                            uint64_t ts_us, struct pf_hist *latency) {
  struct pf_dns_txn t = {
      .flow = flow, .gen = gen, .qhash = q->qhash, .id = q->id};
  uint64_t us;
  if (q->kind == PF_DNS_QUEUED_QUERY)
    pf_dns_pending_query(&d->pending, &t, now_us, ts_us);
  else if (pf_dns_pending_response(&d->pending, &t, now_us, ts_us, &us))
    pf_hist_add(latency, us);
}

void pf_dns_flow(struct pf_dns_shard *d, uint32_t flow, uint32_t gen,
                 const struct pf_dns_queued *q, uint64_t now_us, uint64_t ts_us,
                 struct pf_hist *latency) {
  pf_dns_flow_one(d, flow, gen, q, now_us, ts_us, latency);
  for (unsigned i = 0; i < q->more; i++) {
    PF_ASSERT(d->more_head != d->more_tail);
    pf_dns_flow_one(d, flow, gen, &d->more[d->more_head++ % PF_DNS_MORE_SLOTS],
                    now_us, ts_us, latency);
  }
}
