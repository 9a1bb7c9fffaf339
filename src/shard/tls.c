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
  if (t->top)
    return pf_tls_names_init(&t->names, cfg->names, err, errlen);
  return 0;
}

void pf_tls_shard_free(struct pf_tls_shard *t) { pf_tls_names_free(&t->names); }

/* ---- the packet's part ---- */

static unsigned pf_tls_version_slot(uint16_t version) {
  uint8_t bit = pf_tls_version_bit(version);
  if (bit == 0 || bit == PF_TLS_V_OTHER)
    return PF_TLS_VERSION_SLOTS - 1;
  return (unsigned)__builtin_ctz(bit); /* PF_TLS_V_SSL3 .. PF_TLS_V_13 */
}

/* Counts a hello read whole or in part. A version is believed when the
 * hello was read whole or its supported_versions was (a partial hello's
 * legacy version may be TLS 1.2 standing for 1.3). A HelloRetryRequest is
 * not a choice: the ServerHello after it is. */
static void pf_tls_count(struct pf_tls_stats *st, const struct pf_tls_hello *h,
                         enum pf_tls_result r) {
  if (r == PF_TLS_PARTIAL)
    st->partial++;
  if (r != PF_TLS_OK && !h->has_versions)
    return;
  if (h->type == 1)
    st->offered[pf_tls_version_slot(h->version)]++;
  else if (h->type == 2 && !h->hello_retry)
    st->selected[pf_tls_version_slot(h->version)]++;
}

bool pf_tls_packet(struct pf_tls_shard *t, const struct pf_packet *pkt,
                   uint32_t *name) {
  struct pf_bytes l4 = pf_packet_l4(pkt), payload;
  uint8_t doff;
  if (!pf_get_u8(&l4, 12, &doff))
    return false;
  doff = (uint8_t)((doff >> 4) * 4);
  if (pkt->l4_total_len <= doff)
    return false;
  /* What was captured of the payload (never the link's padding after it):
   * a hello cut by the capture reads as partial. */
  uint32_t wire_len = pkt->l4_total_len - doff;
  uint32_t cap = l4.len - doff < wire_len ? l4.len - doff : wire_len;
  if (!pf_get_sub(&l4, doff, cap, &payload))
    return false;
  struct pf_tls_hello h;
  enum pf_tls_result r = pf_tls_parse_hello(&payload, &h);
  if (r >= PF_TLS_E_RECORD) {
    t->stats.malformed[r]++;
    return false;
  }
  if (r != PF_TLS_OK && r != PF_TLS_PARTIAL)
    return false; /* not a hello after all: not TLS's to count */
  pf_tls_count(&t->stats, &h, r);
  if (h.type != 1 || !h.has_sni || h.sni_len == 0 || !t->top)
    return false;
  *name = pf_tls_names_intern(&t->names, h.sni, h.sni_len);
  return true;
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
