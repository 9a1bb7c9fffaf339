/* top_batch.c - per-batch sums of top-N offers (see top_batch.h). */
#include <stdbool.h>
#include <string.h>

#include "sketch/top_batch.h"

#include "base/check.h"
#include "base/hash.h"

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

void pf_top_batch_add(struct pf_top_batch *b, struct pf_topn *t, uint64_t hash,
                      const void *key, int dir, uint64_t bytes) {
  uint64_t both[2] = {0, 0};
  both[dir] = bytes;
  pf_top_batch_add_both(b, t, hash, key, both);
}

void pf_top_batch_add_flow(struct pf_top_batch *b, struct pf_topn *t,
                           uint64_t hash, uint32_t flow, bool created,
                           const void *key, int dir, uint64_t bytes) {
  uint32_t s = (uint32_t)hash & PF_TOP_BATCH_MASK;
  struct pf_topn_offer *e;
  for (;;) {
    uint32_t n = b->slot[s];
    if (n == 0) {
      e = pf_top_batch_new(b, t, s, hash, key, b->key_len);
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
