/* tls.c - TLS hellos on a shard's per-packet path: the packet's part
 * (parse, count, intern the name), the flow's part (keep the name) and the
 * feed (the flow's bytes under its name), tls.h. */
#include "shard/tls.h"

#include "base/hash.h"

#include <string.h>

int pf_tls_shard_init(struct pf_tls_shard *t, const struct pf_tls_config *cfg,
                      bool tcp_records, char *err, size_t errlen) {
  memset(t, 0, sizeof(*t));
  t->analysis = cfg->analysis;
  t->want_l4 = cfg->analysis ? PF_L4_TCP : PF_TLS_NO_L4;
  /* A flow keeps its name in its TCP record: without TCP analysis there
   * are none, and only the versions are counted. */
  t->top = cfg->analysis && tcp_records;
  if (cfg->analysis && pf_tls_reasm_init(&t->reasm, err, errlen) != 0)
    return -1;
  if (t->top)
    return pf_tls_names_init(&t->names, cfg->names, err, errlen);
  return 0;
}

void pf_tls_shard_free(struct pf_tls_shard *t) {
  pf_tls_names_free(&t->names);
  pf_tls_reasm_free(&t->reasm);
}

/* ---- counting ---- */

static unsigned pf_tls_version_slot(uint16_t version) {
  uint8_t bit = pf_tls_version_bit(version);
  if (bit == 0 || bit == PF_TLS_V_OTHER)
    return PF_TLS_VERSION_SLOTS - 1;
  return (unsigned)__builtin_ctz(bit); /* PF_TLS_V_SSL3 .. PF_TLS_V_13 */
}

struct pf_tls_seen pf_tls_seen_of(const struct pf_tls_hello *h) {
  return (struct pf_tls_seen){.version = h->version,
                              .type = h->type,
                              .has_versions = h->has_versions,
                              .hello_retry = h->hello_retry};
}

/* A HelloRetryRequest is not a choice: the ServerHello after it is. */
static void pf_tls_count_version(struct pf_tls_stats *st,
                                 const struct pf_tls_seen *s) {
  if (s->type == 1)
    st->offered[pf_tls_version_slot(s->version)]++;
  else if (s->type == 2 && !s->hello_retry)
    st->selected[pf_tls_version_slot(s->version)]++;
}

void pf_tls_count_whole(struct pf_tls_shard *t, const struct pf_tls_hello *h) {
  struct pf_tls_seen s = pf_tls_seen_of(h);
  pf_tls_count_version(&t->stats, &s);
}

/* A partial hello's version is believed only when its supported_versions
 * was read (its legacy version may be TLS 1.2 standing for 1.3). */
void pf_tls_count_partial(struct pf_tls_shard *t, const struct pf_tls_seen *s,
                          enum pf_tls_lost why) {
  t->stats.partial++;
  t->stats.lost[why]++;
  if (s->has_versions)
    pf_tls_count_version(&t->stats, s);
}

/* ---- the packet's part ---- */

/* The segment's payload: what was captured of it (never the link's
 * padding after it) and its wire length. False without payload. */
static bool pf_tls_segment_of(const struct pf_packet *pkt,
                              struct pf_tls_segment *seg) {
  struct pf_bytes l4 = pf_packet_l4(pkt);
  uint8_t doff;
  if (!pf_get_u8(&l4, 12, &doff) || !pf_get_u32(&l4, 4, &seg->seq))
    return false;
  doff = (uint8_t)((doff >> 4) * 4);
  if (pkt->l4_total_len <= doff || l4.len < doff)
    return false;
  seg->wire_len = pkt->l4_total_len - doff;
  uint32_t cap = l4.len - doff < seg->wire_len ? l4.len - doff : seg->wire_len;
  return pf_get_sub(&l4, doff, cap, &seg->cap);
}

/* A segment that starts a hello: read, then counted, or held when it goes
 * on past the segment. */
static bool pf_tls_first(struct pf_tls_shard *t,
                         const struct pf_tls_segment *seg,
                         const struct pf_tls_where *w, uint32_t *name) {
  struct pf_tls_hello h;
  enum pf_tls_result r = pf_tls_parse_hello(&seg->cap, &h);
  if (r >= PF_TLS_E_RECORD) {
    t->stats.malformed[r]++;
    return false;
  }
  if (r != PF_TLS_OK && r != PF_TLS_PARTIAL)
    return false; /* not a hello after all: not TLS's to count */
  bool named = pf_tls_has_name(t, &h), late = false;
  if (r == PF_TLS_OK) {
    pf_tls_count_whole(t, &h);
  } else {
    enum pf_tls_lost why =
        pf_tls_resume_begin(t, seg, w, &h, named, &late, name);
    if (why != PF_TLS_LOST_COUNT) {
      struct pf_tls_seen s = pf_tls_seen_of(&h);
      pf_tls_count_partial(t, &s, why);
    }
  }
  if (late)
    return true; /* named from a later record of the segment */
  if (named)
    *name = pf_tls_names_intern(&t->names, h.sni, h.sni_len);
  return named;
}

bool pf_tls_segment(struct pf_tls_shard *t, const struct pf_tls_segment *seg,
                    const struct pf_tls_where *w, uint32_t *name) {
  if (pf_tls_reasm_may_hold(&t->reasm, w->flow_hash)) {
    struct pf_tls_reasm_entry *e =
        pf_tls_reasm_find(&t->reasm, pf_tls_reasm_key(w->flow_hash, w->side));
    bool named = false;
    if (e && pf_tls_resume_next(t, e, seg, w, &named, name))
      return named;
  }
  /* Wanted for its flow, or offered by a test: it must start a hello, or
   * be too short to tell yet. */
  if (!pf_tls_starts_hello(&seg->cap, 0)) {
    pf_tls_resume_short(t, seg, w);
    return false;
  }
  return pf_tls_first(t, seg, w, name);
}

bool pf_tls_packet(struct pf_tls_shard *t, const struct pf_packet *pkt,
                   const struct pf_tls_where *w, uint32_t *name) {
  struct pf_tls_segment seg;
  return pf_tls_segment_of(pkt, &seg) && pf_tls_segment(t, &seg, w, name);
}

/* ---- the flow's part and the feed ---- */

void pf_tls_flow(struct pf_flow_table *ft, struct pf_flow *f, uint32_t name) {
  pf_tcp_keep_name(ft, f, name);
}

void pf_tls_feed(const struct pf_tls_shard *t, const struct pf_flow_table *ft,
                 const struct pf_flow *f, struct pf_top_batch *batch,
                 struct pf_topn *top, const uint64_t both[2]) {
  uint32_t name =
      pf_tcp_conn_at(&ft->tcp, f->tcp_ext)->tls_name; /* PF_TCPS_NAMED */
  /* A name that found the table full is `other`: the empty key, which the
   * report never names. */
  static const struct pf_tls_name_key other;
  const struct pf_tls_name_key *key =
      name == PF_TLS_NAME_OTHER ? &other : pf_tls_names_key(&t->names, name);
  pf_top_batch_add_both(
      batch, top, pf_topn_key_hash(batch->seed, key, sizeof(*key)), key, both);
}
