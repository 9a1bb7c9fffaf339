/* tls_resume.c - hellos read across TCP segments (tls.h, tls_reasm.h):
 * the first segment's bytes held, each next one in order appended (its
 * records joined: tls_join.h) and the whole read again, until the hello
 * is whole, malformed, or given up and counted partial by why. A server
 * name is given to the flow as soon as the bytes held show it. A start of
 * fewer than PF_TLS_START_LEN bytes is held until they are there; if they
 * do not start a hello, or never come, it was none and nothing counts. */
#include "shard/tls.h"

#include "app/tls_wire.h"
#include "shard/tls_join.h"

#include <string.h>

/* What became of a held hello after a segment. */
enum pf_tls_step {
  PF_TLS_STEP_HELD,    /* it goes on in a later segment */
  PF_TLS_STEP_ENDED,   /* counted, its entry freed */
  PF_TLS_STEP_NOT_TLS, /* a short start that is no hello: freed, uncounted */
};

/* Gives up a held hello, counted partial by why; a start too short to be
 * taken for a hello counts nothing. */
static void pf_tls_abandon(struct pf_tls_shard *t, struct pf_tls_reasm_entry *e,
                           enum pf_tls_lost why) {
  if (e->len >= PF_TLS_START_LEN)
    pf_tls_count_partial(t, &e->seen, why);
  pf_tls_reasm_release(&t->reasm, e);
}

/* An entry for a new hello of `key`: the set's least recent one given up
 * if it is full (evicted when live, else its rest never came). A live one
 * is given up only for a hello (`evict`), not for a short start; NULL
 * then. */
static struct pf_tls_reasm_entry *pf_tls_resume_entry(struct pf_tls_shard *t,
                                                      uint64_t key,
                                                      uint64_t now_us,
                                                      bool evict) {
  struct pf_tls_reasm_entry *e = pf_tls_reasm_claim(&t->reasm, key);
  bool live = pf_tls_reasm_live(e->last_us, now_us);
  if (e->key && live && !evict)
    return NULL;
  if (e->key)
    pf_tls_abandon(t, e, live ? PF_TLS_LOST_EVICTED : PF_TLS_LOST_GAP);
  pf_tls_reasm_hold(&t->reasm, e, key, now_us);
  return e;
}

/* The hello held is read to its end (or as far as it will go): counted,
 * and its entry freed. */
static void pf_tls_resume_end(struct pf_tls_shard *t,
                              struct pf_tls_reasm_entry *e,
                              const struct pf_tls_hello *h,
                              enum pf_tls_result r, bool whole) {
  if (r == PF_TLS_OK) {
    pf_tls_count_whole(t, h);
    t->stats.reassembled += e->joined;
  } else if (r == PF_TLS_PARTIAL) {
    e->seen = pf_tls_seen_of(h);
    pf_tls_count_partial(t, &e->seen,
                         whole ? PF_TLS_LOST_LONG : PF_TLS_LOST_SNAPLEN);
  } else if (r >= PF_TLS_E_RECORD) {
    t->stats.malformed[r]++;
  }
  pf_tls_reasm_release(&t->reasm, e);
}

/* Appends the segment's bytes from `skip` on. Returns false when the
 * capture cut bytes the entry wanted. */
static bool pf_tls_resume_take(struct pf_tls_reasm *r,
                               struct pf_tls_reasm_entry *e,
                               const struct pf_tls_segment *seg,
                               uint32_t skip) {
  uint32_t wire = seg->wire_len - skip;
  uint32_t cap = seg->cap.len > skip ? seg->cap.len - skip : 0;
  const uint8_t *p;
  if (cap > wire)
    cap = wire;
  if (cap == 0 || !pf_get_span(&seg->cap, skip, cap, &p))
    cap = 0;
  uint32_t took = cap ? pf_tls_join(r, e, p, cap) : 0;
  e->next_seq = seg->seq + seg->wire_len;
  return !(took == cap && cap < wire && !pf_tls_join_done(r, e));
}

/* The hello held read again after bytes were added (`known`: it was
 * taken for a hello before they were; `whole`: none was cut). */
static enum pf_tls_step pf_tls_resume_read(struct pf_tls_shard *t,
                                           struct pf_tls_reasm_entry *e,
                                           bool known, bool whole, bool *named,
                                           uint32_t *name) {
  struct pf_bytes held = pf_bytes_of(pf_tls_reasm_buf(&t->reasm, e), e->len);
  if (!known &&
      (e->len < PF_TLS_START_LEN ? !whole : !pf_tls_starts_hello(&held, 0))) {
    pf_tls_reasm_release(&t->reasm, e);
    return PF_TLS_STEP_NOT_TLS;
  }
  if (e->len < PF_TLS_START_LEN)
    return PF_TLS_STEP_HELD; /* a start still too short to tell */
  struct pf_tls_hello h;
  enum pf_tls_result r = pf_tls_parse_hello(&held, &h);
  /* As a hello in one segment: a malformed one names nothing. */
  if (!e->named && (r == PF_TLS_OK || r == PF_TLS_PARTIAL) &&
      pf_tls_has_name(t, &h)) {
    *name = pf_tls_names_intern(&t->names, h.sni, h.sni_len);
    *named = e->named = true;
  }
  if (e->bad)
    r = PF_TLS_E_RECORD; /* another record type inside the hello */
  if (r == PF_TLS_PARTIAL && whole && !pf_tls_join_done(&t->reasm, e)) {
    e->seen = pf_tls_seen_of(&h);
    return PF_TLS_STEP_HELD;
  }
  pf_tls_resume_end(t, e, &h, r, whole);
  return PF_TLS_STEP_ENDED;
}

/* A segment's bytes from `skip` on added to the hello held, and the whole
 * read again. */
static enum pf_tls_step
pf_tls_resume_step(struct pf_tls_shard *t, struct pf_tls_reasm_entry *e,
                   const struct pf_tls_segment *seg, uint32_t skip,
                   const struct pf_tls_where *w, bool *named, uint32_t *name) {
  bool known = e->len >= PF_TLS_START_LEN;
  bool whole = pf_tls_resume_take(&t->reasm, e, seg, skip);
  e->last_us = w->now_us;
  return pf_tls_resume_read(t, e, known, whole, named, name);
}

/* Whether a hello's first segment says it is longer than can be held
 * (its handshake header inside its first record). */
static bool pf_tls_too_long(const struct pf_tls_segment *seg) {
  uint16_t rec_len, lo;
  uint8_t hi;
  return pf_get_u16(&seg->cap, 3, &rec_len) && rec_len >= 4 &&
         pf_get_u8(&seg->cap, 6, &hi) && pf_get_u16(&seg->cap, 7, &lo) &&
         9u + ((uint32_t)hi << 16 | lo) > PF_TLS_REASM_BYTES;
}

enum pf_tls_lost pf_tls_resume_begin(struct pf_tls_shard *t,
                                     const struct pf_tls_segment *seg,
                                     const struct pf_tls_where *w,
                                     const struct pf_tls_hello *h, bool named,
                                     bool *late, uint32_t *name) {
  if (seg->cap.len < seg->wire_len)
    return PF_TLS_LOST_SNAPLEN; /* bytes missing: nothing to go on from */
  if (pf_tls_too_long(seg))
    return PF_TLS_LOST_LONG; /* more than can be held */
  struct pf_tls_reasm_entry *e = pf_tls_resume_entry(
      t, pf_tls_reasm_key(w->flow_hash, w->side), w->now_us, true);
  e->start_seq = seg->seq;
  e->seen = pf_tls_seen_of(h);
  e->named = named;
  (void)pf_tls_resume_take(&t->reasm, e, seg, 0); /* all captured: above */
  /* Read again only when a later record of the segment was joined: else
   * the bytes held are those the caller read. */
  uint16_t rec_len = 0;
  (void)pf_get_u16(&seg->cap, 3, &rec_len); /* pf_tls_starts_hello read 6 */
  if (seg->wire_len > 5u + rec_len || pf_tls_join_done(&t->reasm, e))
    (void)pf_tls_resume_read(t, e, true, true, late, name);
  return PF_TLS_LOST_COUNT;
}

void pf_tls_resume_short(struct pf_tls_shard *t,
                         const struct pf_tls_segment *seg,
                         const struct pf_tls_where *w) {
  const uint8_t *p;
  uint32_t n = seg->wire_len;
  if (n == 0 || n >= PF_TLS_START_LEN || !pf_get_span(&seg->cap, 0, n, &p) ||
      p[0] != PF_TLS_WIRE_HANDSHAKE || (n > 1 && p[1] != 0x03) ||
      (n > 2 && p[2] > 0x04))
    return; /* cut by the capture, or not a hello's start */
  struct pf_tls_reasm_entry *e = pf_tls_resume_entry(
      t, pf_tls_reasm_key(w->flow_hash, w->side), w->now_us, false);
  if (!e)
    return; /* no room but a live hello's: that one is kept */
  e->start_seq = seg->seq;
  bool named = false;
  uint32_t name;
  (void)pf_tls_resume_step(t, e, seg, 0, w, &named, &name);
}

/* A segment past the next byte wanted (the one before it missing or
 * late): kept at the buffer's end, where the bytes held and those of the
 * hole cannot reach it, until the hole is filled. One at a time (a copy of
 * it is read as held); false when it cannot be kept: the hello is a gap. */
static bool pf_tls_resume_ahead(struct pf_tls_reasm *r,
                                struct pf_tls_reasm_entry *e,
                                const struct pf_tls_segment *seg) {
  uint32_t hole = seg->seq - e->next_seq, n = seg->wire_len;
  const uint8_t *p;
  if (e->ahead_len)
    return seg->seq == e->ahead_seq && n == e->ahead_len;
  if (seg->cap.len < n || (uint64_t)e->len + hole + n > PF_TLS_REASM_BYTES ||
      !pf_get_span(&seg->cap, 0, n, &p))
    return false;
  memcpy(pf_tls_reasm_buf(r, e) + PF_TLS_REASM_BYTES - n, p, n);
  e->ahead_seq = seg->seq;
  e->ahead_len = (uint16_t)n;
  return true;
}

/* The segment kept out of order, read on once the bytes before it came:
 * from the buffer's end, past what the filling segment covered already. */
static enum pf_tls_step pf_tls_resume_catch_up(struct pf_tls_shard *t,
                                               struct pf_tls_reasm_entry *e,
                                               const struct pf_tls_where *w,
                                               bool *named, uint32_t *name) {
  uint32_t skip = e->next_seq - e->ahead_seq, n = e->ahead_len;
  if ((int32_t)skip < 0)
    return PF_TLS_STEP_HELD; /* a hole still before it */
  e->ahead_len = 0;
  if (skip >= n)
    return PF_TLS_STEP_HELD; /* covered already */
  uint8_t *at = pf_tls_reasm_buf(&t->reasm, e) + PF_TLS_REASM_BYTES - n;
  struct pf_tls_segment seg = {
      .cap = pf_bytes_of(at, n), .wire_len = n, .seq = e->ahead_seq};
  return pf_tls_resume_step(t, e, &seg, skip, w, named, name);
}

bool pf_tls_resume_next(struct pf_tls_shard *t, struct pf_tls_reasm_entry *e,
                        const struct pf_tls_segment *seg,
                        const struct pf_tls_where *w, bool *named,
                        uint32_t *name) {
  /* Bytes before the next held: a copy of some held (sent again) is read
   * from where the hello goes on; one after it waits for the hole before
   * it. One that starts before the hello's first byte is no copy of it:
   * another connection on the same addresses and ports (the entry
   * outlives its flow by up to PF_TLS_REASM_LIVE_US), whose segment is
   * read afresh. So is one that comes PF_TLS_REASM_LIVE_US or more after
   * the entry was last fed: the hello is a gap, as the tick would have
   * counted it had it come between them (it finds the entry freed). */
  if (!pf_tls_reasm_live(e->last_us, w->now_us)) {
    pf_tls_abandon(t, e, PF_TLS_LOST_GAP);
    return false;
  }
  uint32_t skip = e->next_seq - seg->seq;
  bool ahead = (int32_t)(seg->seq - e->next_seq) > 0;
  if (ahead ? !pf_tls_resume_ahead(&t->reasm, e, seg)
            : (int32_t)(seg->seq - e->start_seq) < 0) {
    pf_tls_abandon(t, e, PF_TLS_LOST_GAP);
    return false;
  }
  if (ahead || skip >= seg->wire_len)
    return true; /* kept for later, or all held already */
  e->joined = true;
  enum pf_tls_step step = pf_tls_resume_step(t, e, seg, skip, w, named, name);
  if (step == PF_TLS_STEP_HELD && e->ahead_len)
    step = pf_tls_resume_catch_up(t, e, w, named, name);
  return step != PF_TLS_STEP_NOT_TLS;
}

void pf_tls_tick(struct pf_tls_shard *t, uint64_t now_us) {
  struct pf_tls_reasm_entry *e;
  /* Each turn frees one of PF_TLS_REASM_SLOTS entries. */
  while (t->reasm.held && (e = pf_tls_reasm_stale(&t->reasm, now_us)))
    pf_tls_abandon(t, e, PF_TLS_LOST_GAP);
}
