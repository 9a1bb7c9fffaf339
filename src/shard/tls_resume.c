/* tls_resume.c - hellos read across TCP segments (tls.h, tls_reasm.h):
 * the first segment's bytes held, each next one in order appended and the
 * whole read again, until the hello is whole, malformed, or given up and
 * counted partial by why. A server name is given to the flow as soon as
 * the bytes held show it. */
#include "shard/tls.h"

#include "base/check.h"

#include <string.h>

/* How much of a hello to hold: its first record (a hello fragmented over
 * records goes past it), at most the buffer. */
static uint32_t pf_tls_resume_want(const struct pf_tls_segment *seg) {
  uint16_t rec_len = 0;
  (void)pf_get_u16(&seg->cap, 3, &rec_len); /* pf_tls_starts_hello read 6 */
  uint32_t want = 5u + rec_len;
  return want < PF_TLS_REASM_BYTES ? want : PF_TLS_REASM_BYTES;
}

/* Gives up a held hello, counted partial by why. */
static void pf_tls_abandon(struct pf_tls_shard *t, struct pf_tls_reasm_entry *e,
                           enum pf_tls_lost why) {
  pf_tls_count_partial(t, &e->seen, why);
  pf_tls_reasm_release(&t->reasm, e);
}

/* An entry for a new hello of `key`: the set's least recent one given up
 * if it is full (evicted when live, else its rest never came). */
static struct pf_tls_reasm_entry *
pf_tls_resume_entry(struct pf_tls_shard *t, uint64_t key, uint64_t now_us) {
  struct pf_tls_reasm_entry *e = pf_tls_reasm_claim(&t->reasm, key);
  if (e->key)
    pf_tls_abandon(t, e,
                   now_us - e->last_us < PF_TLS_REASM_LIVE_US
                       ? PF_TLS_LOST_EVICTED
                       : PF_TLS_LOST_GAP);
  pf_tls_reasm_hold(&t->reasm, e, key, now_us);
  return e;
}

enum pf_tls_lost pf_tls_resume_begin(struct pf_tls_shard *t,
                                     const struct pf_tls_segment *seg,
                                     const struct pf_tls_where *w,
                                     const struct pf_tls_hello *h, bool named) {
  if (seg->cap.len < seg->wire_len)
    return PF_TLS_LOST_SNAPLEN; /* bytes missing: nothing to go on from */
  uint32_t want = pf_tls_resume_want(seg);
  if (seg->wire_len >= want)
    return PF_TLS_LOST_LONG; /* what can be held is here, and not enough */
  struct pf_tls_reasm_entry *e = pf_tls_resume_entry(
      t, pf_tls_reasm_key(w->flow_hash, w->side), w->now_us);
  const uint8_t *p;
  if (pf_get_span(&seg->cap, 0, seg->wire_len, &p)) /* all captured: above */
    memcpy(pf_tls_reasm_buf(&t->reasm, e), p, seg->wire_len);
  e->len = (uint16_t)seg->wire_len;
  e->want = (uint16_t)want;
  e->next_seq = seg->seq + seg->wire_len;
  e->seen = pf_tls_seen_of(h);
  e->named = named;
  return PF_TLS_LOST_COUNT;
}

/* Appends the segment's bytes from `skip` on, up to what the entry wants.
 * Returns false when the capture cut bytes it wanted. */
static bool pf_tls_resume_take(struct pf_tls_reasm *r,
                               struct pf_tls_reasm_entry *e,
                               const struct pf_tls_segment *seg,
                               uint32_t skip) {
  uint32_t take = seg->wire_len - skip, room = (uint32_t)(e->want - e->len);
  if (take > room)
    take = room;
  uint32_t have = seg->cap.len > skip ? seg->cap.len - skip : 0;
  bool whole = have >= take;
  const uint8_t *p;
  if (!whole)
    take = have;
  if (take > 0 && pf_get_span(&seg->cap, skip, take, &p))
    memcpy(pf_tls_reasm_buf(r, e) + e->len, p, take);
  e->len = (uint16_t)(e->len + take);
  e->next_seq = seg->seq + seg->wire_len;
  return whole;
}

/* The hello held is read to its end (or as far as it will go): counted,
 * and its entry freed. */
static void pf_tls_resume_end(struct pf_tls_shard *t,
                              struct pf_tls_reasm_entry *e,
                              const struct pf_tls_hello *h,
                              enum pf_tls_result r, bool whole) {
  if (r == PF_TLS_OK) {
    pf_tls_count_whole(t, h);
    t->stats.reassembled++;
  } else if (r == PF_TLS_PARTIAL) {
    e->seen = pf_tls_seen_of(h);
    pf_tls_count_partial(t, &e->seen,
                         whole ? PF_TLS_LOST_LONG : PF_TLS_LOST_SNAPLEN);
  } else if (r >= PF_TLS_E_RECORD) {
    t->stats.malformed[r]++;
  }
  pf_tls_reasm_release(&t->reasm, e);
}

bool pf_tls_resume_next(struct pf_tls_shard *t, struct pf_tls_reasm_entry *e,
                        const struct pf_tls_segment *seg,
                        const struct pf_tls_where *w, bool *named,
                        uint32_t *name) {
  /* Bytes before the next held: a copy of some held (sent again) is read
   * from where the hello goes on; one after it means a segment missed. One
   * that starts before the hello's first byte is no copy of it: another
   * connection on the same addresses and ports (the entry outlives its
   * flow by up to PF_TLS_REASM_LIVE_US), whose segment is read afresh. */
  uint32_t skip = e->next_seq - seg->seq;
  if ((int32_t)(seg->seq - e->next_seq) > 0 || skip > e->len) {
    pf_tls_abandon(t, e, PF_TLS_LOST_GAP);
    return false;
  }
  if (skip >= seg->wire_len)
    return true; /* all held already */
  bool whole = pf_tls_resume_take(&t->reasm, e, seg, skip);
  struct pf_bytes held = pf_bytes_of(pf_tls_reasm_buf(&t->reasm, e), e->len);
  struct pf_tls_hello h;
  enum pf_tls_result r = pf_tls_parse_hello(&held, &h);
  /* As a hello in one segment: a malformed one names nothing. */
  if (!e->named && (r == PF_TLS_OK || r == PF_TLS_PARTIAL) &&
      pf_tls_has_name(t, &h)) {
    *name = pf_tls_names_intern(&t->names, h.sni, h.sni_len);
    *named = e->named = true;
  }
  if (r == PF_TLS_PARTIAL && whole && e->len < e->want) {
    e->seen = pf_tls_seen_of(&h);
    e->last_us = w->now_us;
    return true;
  }
  pf_tls_resume_end(t, e, &h, r, whole);
  return true;
}

void pf_tls_tick(struct pf_tls_shard *t, uint64_t now_us) {
  struct pf_tls_reasm_entry *e;
  /* Each turn frees one of PF_TLS_REASM_SLOTS entries. */
  while (t->reasm.held && (e = pf_tls_reasm_stale(&t->reasm, now_us)))
    pf_tls_abandon(t, e, PF_TLS_LOST_GAP);
}
