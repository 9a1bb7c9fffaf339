/* topn.h - heavy hitters by bytes in fixed memory (weighted Space-Saving,
 * with the filter of Filtered Space-Saving).
 *
 * Keeps the `capacity` heaviest keys seen since the last reset. While no
 * more distinct keys than `capacity` were offered, every count is exact;
 * beyond that, a newcomer takes the place of the lightest key and inherits
 * a bound on what it had before as an overestimate (`err`). The bytes each
 * key is reported with are only those offered since it entered, so
 * reported keys plus the remainder always add up to `total`.
 *
 * What it guarantees, whatever the order of offers, rounds and merges
 * (docs/METRICS.md, "What the lists guarantee"; T is total[0] + total[1],
 * C the capacity, min the lightest count once the sketch is full, else 0):
 *   - a held key: bytes <= its true bytes <= count = bytes + err;
 *   - a key not held: its true bytes <= min;
 *   - err <= min, and the counts add up to at most T, so min <= T / C;
 * hence the n keys that show the most bytes (pf_topn_top) leave out no key
 * that sent more than the n-th one's bytes plus min.
 *
 * The filter: `filter` holds, for each slot a key picks (pf_topn_filter_of,
 * not the seeded hash: the same slots in every run), a bound on
 * the bytes of every key of that slot the sketch does not hold (they were
 * turned away, or evicted). A newcomer to a full sketch whose slot's bound
 * plus its bytes does not outweigh the lightest count stays out and adds
 * its bytes to the slot's bound; one that does enters with the slot's
 * bound as its overestimate. So a key sending a little, many times, is
 * turned away cheaply until what it and its slot-mates sent could rank.
 *
 * Not thread-safe: one writer; readers get it handed over (see shard.h). */
#ifndef PCAPFLOW_TOPN_H
#define PCAPFLOW_TOPN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/hash.h"

#define PF_TOPN_KEY_MAX 44
/* The largest capacity pf_topn_init takes (TopN 100 needs 800). */
#define PF_TOPN_MAX_CAPACITY (1u << 20)
/* Filter slots a key held, and at most: more slots, tighter bounds, fewer
 * newcomers let in by their slot-mates' bytes (4 bytes a slot: TopN 10's
 * 80 keys take 4,096 slots, 16 KiB; on the flood of PERFORMANCE.md, 8 a
 * key took 6.2 M instructions off, 32 a key 13.8 M, 128 a key 17.2 M). */
#define PF_TOPN_FILTER_PER_KEY 32
#define PF_TOPN_FILTER_MAX (1u << 14)

/* The order of two distinct keys of equal bytes in a list
 * (pf_topn_top_by): negative when a comes first, positive when b does, 0
 * only for equal keys, so that a list is a function of its keys' bytes,
 * not of the order they were offered in. */
typedef int (*pf_topn_order_fn)(const void *a, const void *b);

struct pf_topn_item {
  uint8_t key[PF_TOPN_KEY_MAX];
  uint32_t slot;     /* its place in the hash index */
  uint32_t home;     /* the slot its hash points at */
  uint32_t heap_pos; /* its place in the heap */
  uint64_t hash;     /* its hash, as offered: merges probe with it */
  uint64_t count;    /* eviction weight, an upper bound: bytes + err */
  uint64_t err;      /* overestimate inherited on entry */
  uint64_t bytes[2]; /* rx, tx bytes offered since entry */
};

struct pf_topn {
  uint32_t capacity, used, key_len;
  uint32_t index_mask;
  struct pf_topn_item *items; /* storage; never moves once placed */
  uint32_t *heap; /* item numbers, a min-heap on count: heap[0] lightest */
  uint64_t *heap_count; /* heap[i]'s count, beside it: sifting reads no item */
  uint32_t *index;      /* open addressing: item number + 1, 0 when empty */
  /* Bounds of the keys not held, by hash (above); UINT32_MAX: no bound of
   * its own kept, the lightest count is it. */
  uint32_t *filter;
  uint32_t filter_mask;
  uint64_t *marks; /* merge's scratch: 2 bitmaps of capacity bits */
  uint64_t seed[4];
  uint64_t total[2]; /* every byte offered, rx and tx */
};

/* Key equality, copy and hash, specialised for the key sizes the shard
 * uses (service 4, host 20, flow 44 bytes): inlined compares, copies and
 * hashes instead of calls that loop over a length. */
static inline int pf_topn_key_equal(const void *a, const void *b,
                                    uint32_t len) {
  switch (len) {
  case 4:
    return memcmp(a, b, 4) == 0;
  case 20:
    return memcmp(a, b, 20) == 0;
  case 44:
    return memcmp(a, b, 44) == 0;
  default:
    return memcmp(a, b, len) == 0;
  }
}

/* The list's own key sizes as __builtin_memcpy: _FORTIFY_SOURCE's check of
 * a constant-size copy cannot fail and holds back its folding (hardened
 * build, services +2 a frame: docs/PERFORMANCE.md "Compiler flags"); any
 * other length keeps the checked memcpy. */
static inline void pf_topn_key_copy(void *dst, const void *src, uint32_t len) {
  switch (len) {
  case 4:
    __builtin_memcpy(dst, src, 4);
    break;
  case 20:
    __builtin_memcpy(dst, src, 20);
    break;
  case 44:
    __builtin_memcpy(dst, src, 44);
    break;
  default:
    memcpy(dst, src, len);
  }
}

static inline uint64_t pf_topn_key_hash(const uint64_t seed[4], const void *key,
                                        uint32_t len) {
  switch (len) {
  case 4:
    return pf_hash_inline(seed, key, 4);
  case 20:
    return pf_hash_inline(seed, key, 20);
  case 44:
    return pf_hash_inline(seed, key, 44);
  default:
    return pf_hash_inline(seed, key, len);
  }
}

int pf_topn_init(struct pf_topn *t, uint32_t capacity, uint32_t key_len,
                 char *err, size_t errlen);
void pf_topn_free(struct pf_topn *t);
void pf_topn_reset(struct pf_topn *t);

/* Offers `bytes` for `key` (key_len bytes) in direction dir (0 rx, 1 tx). */
void pf_topn_add(struct pf_topn *t, const void *key, int dir, uint64_t bytes);

/* Offers bytes[0] rx and bytes[1] tx bytes for key at once: the same as
 * two pf_topn_add calls, but one update. */
void pf_topn_add_both(struct pf_topn *t, const void *key,
                      const uint64_t bytes[2]);

/* The lightest count of a full sketch, else 0: what bounds every key the
 * sketch does not hold. */
uint64_t pf_topn_floor(const struct pf_topn *t);

/* The hash of a key offered through a round or pf_topn_turn_away is the
 * caller's, made with the sketch's seed (t->seed; every seed of a process
 * is the same, base/hash.h): the same key must always come with the same
 * hash, and pf_topn_add/_add_both hash the key itself
 * (pf_topn_key_hash), so a sketch is fed one way or the other. */

/* One key's offer in a round: its hash, its bytes, and a number of the
 * caller's. */
struct pf_topn_offer {
  uint64_t hash;
  uint64_t bytes[2]; /* rx, tx */
  uint32_t tag;
  uint8_t key[PF_TOPN_KEY_MAX];
};

/* A round of n distinct keys, each once (a batch's sums, top_batch.c), in
 * two passes, so that a newcomer to a full sketch costs a comparison, not
 * a replacement, unless it would rank:
 *
 * 1. every key counts in the totals; a key the sketch holds grows, a new
 *    one enters while there is room; the others wait for pass 2 (room is
 *    for n numbers: theirs).
 * 2. each waiting key is a newcomer to a full sketch: its slot's filter
 *    bound plus its bytes either outweighs the lightest count, and it takes
 *    that key's place with the bound as its overestimate, or not, and it
 *    stays out, its bytes added to the bound (topn.h's head).
 *
 * While the keys fit the capacity every count is exact, as with
 * pf_topn_add_both. A key must not appear twice in one round. */
void pf_topn_add_round(struct pf_topn *t, const struct pf_topn_offer *o,
                       uint32_t n, uint16_t *refused);

/* The filter's own hash of a key: unseeded, so that which keys a capture
 * lists is the same in every run. The bounds hold whatever the slots, but
 * a flood whose spoofed keys are chosen to share one slot raises its bound
 * to the lightest count at once, and then every key of it enters, as in
 * plain Space-Saving: the heavy keys below T/C can be pushed out and the
 * feed costs what it did before the filter (a review measured 6.5x the
 * filtered cost, 0 of 80 heavy hosts kept). A secret seed would stop it
 * at the price of run-to-run identical lists (not done). One
 * folded 128-bit multiply per 8 bytes, the last word overlapping. */
static inline uint64_t pf_topn_mix_len(const uint8_t *p, uint32_t len) {
  const uint64_t k = 0x9e3779b97f4a7c15ULL;
  uint64_t h = len, w = 0;
  if (len < 8) {
    memcpy(&w, p, len);
    return pf_hash_mum(h ^ w, k);
  }
  for (uint32_t i = 0; i + 8 <= len; i += 8) {
    memcpy(&w, p + i, 8);
    h = pf_hash_mum(h ^ w, k);
  }
  if (len % 8) {
    memcpy(&w, p + len - 8, 8);
    h = pf_hash_mum(h ^ w, k);
  }
  return h;
}

static inline uint64_t pf_topn_mix(const void *key, uint32_t len) {
  switch (len) { /* the shard's key sizes, unrolled */
  case 4:
    return pf_topn_mix_len(key, 4);
  case 20:
    return pf_topn_mix_len(key, 20);
  case 44:
    return pf_topn_mix_len(key, 44);
  default:
    return pf_topn_mix_len(key, len);
  }
}

/* The filter slot of a key, and the bound it keeps. The _len forms take
 * the sketch's key_len as a constant of the caller's (the feed's keys),
 * and are always inlined so that their key compares, copies and mixes are
 * of that size (the flood's feed offers every flow through them). */
#define PF_TOPN_INLINE static inline __attribute__((always_inline))

PF_TOPN_INLINE uint32_t *pf_topn_filter_at(const struct pf_topn *t,
                                           const void *key, uint32_t len) {
  return &t->filter[(uint32_t)pf_topn_mix(key, len) & t->filter_mask];
}

static inline uint32_t *pf_topn_filter_of(const struct pf_topn *t,
                                          const void *key) {
  return pf_topn_filter_at(t, key, t->key_len);
}

static inline uint64_t pf_topn_bound(const struct pf_topn *t,
                                     const uint32_t *slot) {
  return *slot == UINT32_MAX ? t->heap_count[0] : *slot;
}

/* A bound of 2^32 - 1 or more is not kept: the lightest count, which only
 * grows, is no lower (bounds never pass it). */
static inline void pf_topn_bound_set(uint32_t *slot, uint64_t bound) {
  *slot = bound < UINT32_MAX ? (uint32_t)bound : UINT32_MAX;
}

/* Whether key, len bytes, is held (hash as above). */
PF_TOPN_INLINE bool pf_topn_holds(const struct pf_topn *t, const void *key,
                                  uint64_t hash, uint32_t len) {
  uint32_t s = (uint32_t)hash & t->index_mask;
  while (t->index[s]) {
    if (pf_topn_key_equal(t->items[t->index[s] - 1].key, key, len))
      return true;
    s = (s + 1) & t->index_mask;
  }
  return false;
}

/* An offer a round would turn away, decided before it is summed into one
 * (top_batch.c): the sketch is full, key is not held, and its slot's bound
 * plus bytes does not outweigh the lightest count. Then the bytes count in
 * the totals and the bound, as pass 2 would count them, and it returns
 * true; else it changes nothing and returns false. The same bounds hold
 * either way (topn.h's head): the key's bytes, in a round or turned away,
 * are under its slot's bound when it comes to enter. */
PF_TOPN_INLINE bool pf_topn_turn_away_len(struct pf_topn *t, const void *key,
                                          uint64_t hash,
                                          const uint64_t bytes[2],
                                          uint32_t len) {
  if (t->used < t->capacity)
    return false;
  uint32_t *slot = pf_topn_filter_at(t, key, len);
  uint64_t after = pf_topn_bound(t, slot) + bytes[0] + bytes[1];
  if (after > t->heap_count[0] || pf_topn_holds(t, key, hash, len))
    return false;
  pf_topn_bound_set(slot, after);
  t->total[0] += bytes[0];
  t->total[1] += bytes[1];
  return true;
}

static inline bool pf_topn_turn_away(struct pf_topn *t, const void *key,
                                     uint64_t hash, const uint64_t bytes[2]) {
  return pf_topn_turn_away_len(t, key, hash, bytes, t->key_len);
}

/* Adds everything in src to dst (merging shards, or an interval into the
 * one before at a file's end); both the same capacity and key_len, fed
 * with the same hashes. The merge of mergeable Space-Saving: each key
 * counts what each sketch held of it, or that sketch's floor when it did
 * not hold it; the heaviest `capacity` of these stay. The guarantees of
 * the head hold for dst over both sketches' offers. */
void pf_topn_merge(struct pf_topn *dst, const struct pf_topn *src);

/* What a list shows of a key: the bytes offered since it entered
 * (bytes[0] + bytes[1]), a lower bound of its true bytes. */
static inline uint64_t pf_topn_shown(const struct pf_topn_item *it) {
  return it->count - it->err;
}

/* Fills out[] with up to n items, those that show the most bytes
 * (pf_topn_shown), heaviest first, keys of equal bytes in `order` (NULL:
 * their bytes, as memcmp compares them), which also decides which of them
 * the n-th place keeps; returns how many. So the list is a function of
 * what the sketch holds (its keys and their bytes), whatever the order
 * they came in, and while no more than `capacity` distinct keys were
 * offered, of the keys' true bytes alone. Beyond that, which keys are held
 * and the bytes they show depend on the order of offers (a newcomer evicts
 * the lightest key or is turned away), within the bounds of the head. The
 * pointers point into t and stay valid until t changes. What leaves a key
 * out (topn.h's head): a key not listed sent at most the n-th one's bytes
 * plus the lightest count. */
uint32_t pf_topn_top_by(const struct pf_topn *t,
                        const struct pf_topn_item **out, uint32_t n,
                        pf_topn_order_fn order);

/* The same, ties by the keys' bytes (memcmp). */
static inline uint32_t pf_topn_top(const struct pf_topn *t,
                                   const struct pf_topn_item **out,
                                   uint32_t n) {
  return pf_topn_top_by(t, out, n, NULL);
}

#endif
