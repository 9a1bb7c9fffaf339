/* topn.h - heavy hitters by bytes in fixed memory (weighted Space-Saving).
 *
 * Keeps the `capacity` heaviest keys seen since the last reset. While no
 * more distinct keys than `capacity` were offered, every count is exact;
 * beyond that, a newcomer takes the place of the lightest key and inherits
 * its count as an overestimate (`err`), the classic Space-Saving bound.
 * The bytes each key is reported with are only those offered since it
 * entered, so reported keys plus the remainder always add up to `total`.
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

struct pf_topn_item {
  uint8_t key[PF_TOPN_KEY_MAX];
  uint32_t slot;     /* its place in the hash index */
  uint32_t home;     /* the slot its hash points at */
  uint32_t heap_pos; /* its place in the heap */
  uint64_t count;    /* ranking weight: bytes + err */
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

static inline void pf_topn_key_copy(void *dst, const void *src, uint32_t len) {
  switch (len) {
  case 4:
    memcpy(dst, src, 4);
    break;
  case 20:
    memcpy(dst, src, 20);
    break;
  case 44:
    memcpy(dst, src, 44);
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

/* A round of offers of distinct keys, each once (a capture batch's sums,
 * top_batch.c), in two passes that cost a newcomer to a full sketch one
 * comparison, not a replacement, unless it would rank:
 *
 * 1. pf_topn_add_known, for every key: counts its bytes in the totals and
 *    offers it like pf_topn_add_both if it is in the sketch or there is
 *    room; else returns false and leaves the sketch as it is.
 * 2. floor = pf_topn_floor, the lightest count after pass 1; then
 *    pf_topn_add_newcomer for each key pass 1 refused: its count would be
 *    floor + its bytes (floor bounds what it had before, as Space-Saving's
 *    lightest count always bounds the keys it does not hold). When that is
 *    heavier than the lightest key, it takes that key's place with floor
 *    as its overestimate; else it stays out and its bytes stay in the
 *    remainder (total minus the keys' bytes).
 *
 * The result is the weighted Space-Saving merge of the sketch with the
 * round's exact sums: every count bounds its key's true bytes from above,
 * count - err from below, the counts add up to at most the total, so a key
 * with more than total / capacity bytes is always held; and while the keys
 * fit the capacity every count is exact, as with pf_topn_add_both. A key
 * must not appear twice in one round. */
bool pf_topn_add_known(struct pf_topn *t, const void *key,
                       const uint64_t bytes[2]);
uint64_t pf_topn_floor(const struct pf_topn *t);
void pf_topn_add_newcomer(struct pf_topn *t, const void *key,
                          const uint64_t bytes[2], uint64_t floor);
/* The same two with the key's hash already made with the sketch's seed
 * (t->seed; every seed of a process is the same, base/hash.h). */
bool pf_topn_add_known_hashed(struct pf_topn *t, const void *key, uint64_t hash,
                              const uint64_t bytes[2]);
void pf_topn_add_newcomer_hashed(struct pf_topn *t, const void *key,
                                 uint64_t hash, const uint64_t bytes[2],
                                 uint64_t floor);

/* One key's offer in a round: its hash, made with the sketch's seed (as
 * the *_hashed calls take it), its bytes, and a number of the caller's. */
struct pf_topn_offer {
  uint64_t hash;
  uint64_t bytes[2]; /* rx, tx */
  uint32_t tag;
  uint8_t key[PF_TOPN_KEY_MAX];
};

/* A whole round of n distinct keys (both passes above) in one call, so
 * that the passes' per-key steps are inlined rather than called; refused
 * is room for n numbers. The same result as the calls one by one. */
void pf_topn_add_round(struct pf_topn *t, const struct pf_topn_offer *o,
                       uint32_t n, uint16_t *refused);

/* Adds everything in src to dst (merging shards); both same key_len. */
void pf_topn_merge(struct pf_topn *dst, const struct pf_topn *src);

/* Fills out[] with up to n items, heaviest first; returns how many. The
 * pointers point into t and stay valid until t changes. */
uint32_t pf_topn_top(const struct pf_topn *t, const struct pf_topn_item **out,
                     uint32_t n);

#endif
