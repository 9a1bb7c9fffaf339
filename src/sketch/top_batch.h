/* top_batch.h - one capture batch's top-N offers, summed per key.
 *
 * Offering every packet to a Space-Saving sketch (topn.h) costs a hash, an
 * index probe and a heap re-sift per packet and per list. The packets of
 * one batch mostly belong to few keys, so the shard sums them here, in a
 * small open-addressed table that stays in cache, and hands each distinct
 * key to the sketch once, with its total, when the batch ends (or earlier,
 * when PF_TOP_BATCH_KEYS distinct keys have piled up). Below the sketch's
 * capacity the result is the same as offering packet by packet; above it,
 * the Space-Saving bounds hold for weighted offers alike, and the sketch's
 * totals still count every byte once.
 *
 * Not thread-safe: it belongs to one shard, used under the shard's lock. */
#ifndef PCAPFLOW_TOP_BATCH_H
#define PCAPFLOW_TOP_BATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "base/check.h"
#include "sketch/topn.h"

#define PF_TOP_BATCH_KEYS 1024  /* distinct keys before an early flush */
#define PF_TOP_BATCH_SLOTS 2048 /* index slots: load factor at most 1/2 */
#define PF_TOP_BATCH_NO_TAG UINT32_MAX

struct pf_top_batch {
  uint32_t used, key_len;
  /* The seed the caller's hashes are made with (the process's, as the
   * sketch's): flushing then reuses them. */
  uint64_t seed[4];
  /* A flow's entry number was reused for another key: a key may be in two
   * entries, which pf_topn_add_known does not allow. */
  bool repeats;
  uint16_t slot[PF_TOP_BATCH_SLOTS]; /* entry number + 1; 0 when empty */
  /* The sums; their tag: flows, the flow's entry number, else unused. */
  struct pf_topn_offer entry[PF_TOP_BATCH_KEYS];
  uint16_t newcomer[PF_TOP_BATCH_KEYS]; /* flush: entries the sketch lacks */
};

/* key_len as the sketch it feeds; empty. */
void pf_top_batch_init(struct pf_top_batch *b, uint32_t key_len);

/* Adds `bytes` in direction dir (0 rx, 1 tx) to key, whose hash the caller
 * computed with the keyed hash and the process's seed (pf_hash_seed), as
 * the sketch does, so that flushing need not hash again; flushes into t
 * first when full. */
void pf_top_batch_add(struct pf_top_batch *b, struct pf_topn *t, uint64_t hash,
                      const void *key, int dir, uint64_t bytes);

/* The same for a flow, found by its entry number in the flow table rather
 * than by its 44-byte key. A flow just created may reuse the entry number
 * of one that ended earlier in the batch: `created` keeps the two apart. */
void pf_top_batch_add_flow(struct pf_top_batch *b, struct pf_topn *t,
                           uint64_t hash, uint32_t flow, bool created,
                           const void *key, int dir, uint64_t bytes);

/* Offers every summed key to t, once each, and empties the batch. */
void pf_top_batch_flush(struct pf_top_batch *b, struct pf_topn *t);

/* ---- inline: the feed offers every flow's host and service here, and on
 * a flood the calls cost as much as the sums ---- */

#define PF_TOP_BATCH_MASK (PF_TOP_BATCH_SLOTS - 1)

/* A new entry in empty slot s; the caller made sure there is room. */
PF_TOPN_INLINE struct pf_topn_offer *
pf_top_batch_insert(struct pf_top_batch *b, uint32_t s, uint64_t hash,
                    const void *key, uint32_t len) {
  struct pf_topn_offer *e = &b->entry[b->used++];
  b->slot[s] = (uint16_t)b->used;
  e->hash = hash;
  e->bytes[0] = e->bytes[1] = 0;
  e->tag = PF_TOP_BATCH_NO_TAG;
  pf_topn_key_copy(e->key, key, len);
  return e;
}

/* A new entry for key, whose probe ended at empty slot s; a full batch is
 * flushed into t first, which empties every slot, the key's home too. */
PF_TOPN_INLINE struct pf_topn_offer *
pf_top_batch_new(struct pf_top_batch *b, struct pf_topn *t, uint32_t s,
                 uint64_t hash, const void *key, uint32_t len) {
  if (b->used == PF_TOP_BATCH_KEYS) {
    pf_top_batch_flush(b, t);
    s = (uint32_t)hash & PF_TOP_BATCH_MASK;
  }
  return pf_top_batch_insert(b, s, hash, key, len);
}

/* The batch's entry of key (len bytes, the batch's key_len), new if it
 * had none. */
PF_TOPN_INLINE struct pf_topn_offer *
pf_top_batch_entry_of(struct pf_top_batch *b, struct pf_topn *t, uint64_t hash,
                      const void *key, uint32_t len) {
  uint32_t s = (uint32_t)hash & PF_TOP_BATCH_MASK;
  struct pf_topn_offer *e;
  for (;;) {
    uint32_t n = b->slot[s];
    if (n == 0) {
      e = pf_top_batch_new(b, t, s, hash, key, len);
      break;
    }
    e = &b->entry[n - 1];
    if (e->hash == hash && pf_topn_key_equal(e->key, key, len))
      break;
    s = (s + 1) & PF_TOP_BATCH_MASK;
  }
  return e;
}

/* Adds bytes[0] rx and bytes[1] tx bytes to key at once; len is the
 * batch's key_len, a constant where the caller knows it (the feed). */
PF_TOPN_INLINE void
pf_top_batch_add_len(struct pf_top_batch *b, struct pf_topn *t, uint64_t hash,
                     const void *key, const uint64_t bytes[2], uint32_t len) {
  PF_ASSERT(len == b->key_len && len == t->key_len);
  /* What the round would turn away is turned away now, unsummed. */
  if (pf_topn_turn_away_len(t, key, hash, bytes, len))
    return;
  struct pf_topn_offer *e = pf_top_batch_entry_of(b, t, hash, key, len);
  e->bytes[0] += bytes[0];
  e->bytes[1] += bytes[1];
}

static inline void pf_top_batch_add_both(struct pf_top_batch *b,
                                         struct pf_topn *t, uint64_t hash,
                                         const void *key,
                                         const uint64_t bytes[2]) {
  pf_top_batch_add_len(b, t, hash, key, bytes, b->key_len);
}

#endif
