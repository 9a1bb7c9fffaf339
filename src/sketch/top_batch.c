/* top_batch.c - per-batch sums of top-N offers (see top_batch.h). */
#include <stdbool.h>
#include <string.h>

#include "sketch/top_batch.h"

#include "base/check.h"
#include "base/hash.h"

#define PF_TOP_BATCH_MASK (PF_TOP_BATCH_SLOTS - 1)

_Static_assert((PF_TOP_BATCH_SLOTS & PF_TOP_BATCH_MASK) == 0,
               "slots must be a power of two");
_Static_assert(PF_TOP_BATCH_KEYS * 2 <= PF_TOP_BATCH_SLOTS,
               "at most half the slots in use keeps probes short");
_Static_assert(PF_TOP_BATCH_KEYS < UINT16_MAX, "entry numbers fit a slot");

void pf_top_batch_init(struct pf_top_batch *b, uint32_t key_len) {
  memset(b->slot, 0, sizeof(b->slot));
  pf_hash_seed(b->seed);
  b->used = 0;
  b->key_len = key_len;
  b->repeats = false;
}

void pf_top_batch_flush(struct pf_top_batch *b, struct pf_topn *t) {
  if (b->used == 0)
    return;
  if (b->repeats) {
    /* A key may be in two entries: offer them one by one. */
    for (uint32_t i = 0; i < b->used; i++)
      pf_topn_add_both(t, b->entry[i].key, b->entry[i].bytes);
  } else {
    /* The sums were hashed with the sketch's seed (every seed of the
     * process is the same, base/hash.h): no second hash. */
    PF_ASSERT(memcmp(b->seed, t->seed, sizeof(b->seed)) == 0);
    pf_topn_add_round(t, b->entry, b->used, b->newcomer);
  }
  memset(b->slot, 0, sizeof(b->slot));
  b->used = 0;
  b->repeats = false;
}

/* A new entry in empty slot s; the caller made sure there is room. */
static inline struct pf_topn_offer *pf_top_batch_insert(struct pf_top_batch *b,
                                                        uint32_t s,
                                                        uint64_t hash,
                                                        const void *key) {
  struct pf_topn_offer *e = &b->entry[b->used++];
  b->slot[s] = (uint16_t)b->used;
  e->hash = hash;
  e->bytes[0] = e->bytes[1] = 0;
  e->tag = PF_TOP_BATCH_NO_TAG;
  pf_topn_key_copy(e->key, key, b->key_len);
  return e;
}

/* The batch's entry of key, new if it had none (flushing a full batch into
 * t first). */
static inline struct pf_topn_offer *
pf_top_batch_entry_of(struct pf_top_batch *b, struct pf_topn *t, uint64_t hash,
                      const void *key) {
  uint32_t s = (uint32_t)hash & PF_TOP_BATCH_MASK;
  struct pf_topn_offer *e;
  for (;;) {
    uint32_t n = b->slot[s];
    if (n == 0) {
      if (b->used == PF_TOP_BATCH_KEYS) {
        pf_top_batch_flush(b, t);
        s = (uint32_t)hash & PF_TOP_BATCH_MASK;
      }
      e = pf_top_batch_insert(b, s, hash, key);
      break;
    }
    e = &b->entry[n - 1];
    if (e->hash == hash && pf_topn_key_equal(e->key, key, b->key_len))
      break;
    s = (s + 1) & PF_TOP_BATCH_MASK;
  }
  return e;
}

void pf_top_batch_add(struct pf_top_batch *b, struct pf_topn *t, uint64_t hash,
                      const void *key, int dir, uint64_t bytes) {
  uint64_t both[2] = {0, 0};
  both[dir] = bytes;
  pf_top_batch_add_both(b, t, hash, key, both);
}

void pf_top_batch_add_both(struct pf_top_batch *b, struct pf_topn *t,
                           uint64_t hash, const void *key,
                           const uint64_t bytes[2]) {
  /* What the round would turn away is turned away now, unsummed. */
  if (pf_topn_turn_away(t, key, hash, bytes))
    return;
  struct pf_topn_offer *e = pf_top_batch_entry_of(b, t, hash, key);
  e->bytes[0] += bytes[0];
  e->bytes[1] += bytes[1];
}

void pf_top_batch_add_flow(struct pf_top_batch *b, struct pf_topn *t,
                           uint64_t hash, uint32_t flow, bool created,
                           const void *key, int dir, uint64_t bytes) {
  uint32_t s = (uint32_t)hash & PF_TOP_BATCH_MASK;
  struct pf_topn_offer *e;
  for (;;) {
    uint32_t n = b->slot[s];
    if (n == 0) {
      if (b->used == PF_TOP_BATCH_KEYS) {
        pf_top_batch_flush(b, t);
        s = (uint32_t)hash & PF_TOP_BATCH_MASK;
      }
      e = pf_top_batch_insert(b, s, hash, key);
      e->tag = flow;
      break;
    }
    e = &b->entry[n - 1];
    if (e->tag == flow) {
      /* A flow restarted under its own key (timeout, new SYN) sums on. */
      if (!created || pf_topn_key_equal(e->key, key, b->key_len))
        break;
      /* The entry number was reused: the old flow keeps its sum under its
       * own key, and no longer answers to the number. Its key may now come
       * back under another number (an evicted flow seen again). */
      e->tag = PF_TOP_BATCH_NO_TAG;
      b->repeats = true;
    }
    s = (s + 1) & PF_TOP_BATCH_MASK;
  }
  e->bytes[dir] += bytes;
}
