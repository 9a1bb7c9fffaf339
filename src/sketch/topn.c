/* topn.c - weighted Space-Saving: a min-heap of item numbers over fixed
 * item storage, with a hash index, so every update is O(log capacity),
 * moves 4-byte numbers rather than items, and allocates nothing. */
#include "sketch/topn.h"

#include "base/check.h"
#include "base/err.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"

int pf_topn_init(struct pf_topn *t, uint32_t capacity, uint32_t key_len,
                 char *err, size_t errlen) {
  memset(t, 0, sizeof(*t));
  if (capacity == 0 || key_len == 0 || key_len > PF_TOPN_KEY_MAX) {
    return pf_err(err, errlen, "invalid top-N size %u/%u", capacity, key_len);
  }
  uint32_t slots = 4;
  while (slots < capacity * 2)
    slots <<= 1; /* load factor at most 1/2 keeps probes short */
  t->items = calloc(capacity, sizeof(*t->items));
  t->heap = calloc(capacity, sizeof(*t->heap));
  t->heap_count = calloc(capacity, sizeof(*t->heap_count));
  t->index = calloc(slots, sizeof(*t->index));
  if (!t->items || !t->heap || !t->heap_count || !t->index) {
    pf_topn_free(t);
    return pf_err(err, errlen, "out of memory for a top-N sketch");
  }
  t->capacity = capacity;
  t->key_len = key_len;
  t->index_mask = slots - 1;
  pf_hash_seed(t->seed);
  return 0;
}

void pf_topn_free(struct pf_topn *t) {
  free(t->items);
  free(t->heap);
  free(t->heap_count);
  free(t->index);
  t->items = NULL;
  t->heap = NULL;
  t->heap_count = NULL;
  t->index = NULL;
}

void pf_topn_reset(struct pf_topn *t) {
  memset(t->index, 0, (size_t)(t->index_mask + 1) * sizeof(*t->index));
  t->used = 0;
  t->total[0] = t->total[1] = 0;
}

/* ---- the hash index (linear probing) ---- */

/* The index slot holding key, or the empty slot where it would go. */
static inline uint32_t pf_topn_probe(const struct pf_topn *t, const void *key,
                                     uint32_t home) {
  uint32_t s = home;
  while (t->index[s] &&
         !pf_topn_key_equal(t->items[t->index[s] - 1].key, key, t->key_len))
    s = (s + 1) & t->index_mask;
  return s;
}

/* Backward-shift deletion keeps probe chains whole without tombstones.
 * Returns the slot left empty at the end. */
static uint32_t pf_topn_unindex(struct pf_topn *t, uint32_t s) {
  uint32_t hole = s;
  t->index[hole] = 0;
  for (uint32_t j = (hole + 1) & t->index_mask; t->index[j];
       j = (j + 1) & t->index_mask) {
    struct pf_topn_item *it = &t->items[t->index[j] - 1];
    uint32_t home = it->home;
    /* j stays unless its home lies cyclically in (hole, j]. */
    bool stays =
        hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
    if (stays)
      continue;
    t->index[hole] = t->index[j];
    it->slot = hole;
    t->index[j] = 0;
    hole = j;
  }
  return hole;
}

/* ---- the heap ---- */

static inline void pf_topn_place(struct pf_topn *t, uint32_t pos, uint32_t item,
                                 uint64_t count) {
  PF_ASSERT(pos < t->used && item < t->capacity);
  t->heap[pos] = item;
  t->heap_count[pos] = count;
  t->items[item].heap_pos = pos;
}

/* The lighter child of pos, or 0 when pos is a leaf. */
static inline uint32_t pf_topn_lighter_child(const struct pf_topn *t,
                                             uint32_t pos) {
  uint32_t l = 2 * pos + 1;
  if (l >= t->used)
    return 0;
  return l + 1 < t->used && t->heap_count[l + 1] < t->heap_count[l] ? l + 1 : l;
}

/* The item at pos, whose count grew, sinks below every lighter child. */
static void pf_topn_sift_down(struct pf_topn *t, uint32_t pos) {
  uint32_t item = t->heap[pos];
  uint64_t w = t->heap_count[pos];
  for (;;) {
    uint32_t m = pf_topn_lighter_child(t, pos);
    if (m == 0 || t->heap_count[m] >= w)
      break;
    pf_topn_place(t, pos, t->heap[m], t->heap_count[m]);
    pos = m;
  }
  pf_topn_place(t, pos, item, w);
}

static void pf_topn_sift_up(struct pf_topn *t, uint32_t pos) {
  uint32_t item = t->heap[pos];
  uint64_t w = t->heap_count[pos];
  while (pos > 0) {
    uint32_t p = (pos - 1) / 2;
    if (t->heap_count[p] <= w)
      break;
    pf_topn_place(t, pos, t->heap[p], t->heap_count[p]);
    pos = p;
  }
  pf_topn_place(t, pos, item, w);
}

/* ---- updates ---- */

/* A key in the sketch grew by weight (err: the part of it that is an
 * overestimate, from a merged sketch). */
static void pf_topn_grow(struct pf_topn *t, struct pf_topn_item *it,
                         uint64_t weight, uint64_t err,
                         const uint64_t bytes[2]) {
  it->count += weight + err;
  it->err += err;
  it->bytes[0] += bytes[0];
  it->bytes[1] += bytes[1];
  uint32_t pos = it->heap_pos;
  t->heap_count[pos] = it->count;
  /* It grew: it may sink, unless it is still no heavier than its lighter
   * child (most heavy keys sit near the bottom, where that is cheap). */
  uint32_t m = pf_topn_lighter_child(t, pos);
  if (m != 0 && t->heap_count[m] < it->count)
    pf_topn_sift_down(t, pos);
}

/* A key not in the sketch, whose empty index slot s the probe from home
 * found, enters: into a free place, or, when full, in place of the
 * lightest key. It inherits `floor` as its overestimate, or the lightest
 * key's count when floor is NULL (the classic Space-Saving step). */
static void pf_topn_enter(struct pf_topn *t, const void *key, uint32_t home,
                          uint32_t s, uint64_t weight, uint64_t err,
                          const uint64_t bytes[2], const uint64_t *floor) {
  uint32_t item, pos;
  uint64_t inherited = 0;
  bool replaced = false;
  if (t->used < t->capacity) {
    item = pos = t->used++;
  } else {
    replaced = true;
    pos = 0;
    item = t->heap[0];
    inherited = floor ? *floor : t->items[item].count;
    uint32_t hole = pf_topn_unindex(t, t->items[item].slot);
    /* The key's chain ran from home to the empty slot s, every slot in
     * between full and not the key; the deletion emptied one slot only. If
     * that one lies in the chain, the key now goes there, else still to s. */
    if (((hole - home) & t->index_mask) < ((s - home) & t->index_mask))
      s = hole;
  }
  struct pf_topn_item *it = &t->items[item];
  pf_topn_key_copy(it->key, key, t->key_len);
  it->count = inherited + weight + err;
  it->err = inherited + err;
  it->bytes[0] = bytes[0];
  it->bytes[1] = bytes[1];
  it->slot = s;
  it->home = home;
  t->index[s] = item + 1;
  pf_topn_place(t, pos, item, it->count);
  if (replaced)
    pf_topn_sift_down(t, pos); /* the root grew: it may sink */
  else
    pf_topn_sift_up(t, pos); /* a new leaf: it may rise */
}

static void pf_topn_offer(struct pf_topn *t, const void *key, uint64_t weight,
                          uint64_t err, const uint64_t bytes[2]) {
  uint32_t home =
      (uint32_t)pf_topn_key_hash(t->seed, key, t->key_len) & t->index_mask;
  uint32_t s = pf_topn_probe(t, key, home);
  if (t->index[s])
    pf_topn_grow(t, &t->items[t->index[s] - 1], weight, err, bytes);
  else
    pf_topn_enter(t, key, home, s, weight, err, bytes, NULL);
}

void pf_topn_add(struct pf_topn *t, const void *key, int dir, uint64_t bytes) {
  uint64_t b[2] = {0, 0};
  b[dir] = bytes;
  t->total[dir] += bytes;
  pf_topn_offer(t, key, bytes, 0, b);
}

void pf_topn_add_both(struct pf_topn *t, const void *key,
                      const uint64_t bytes[2]) {
  t->total[0] += bytes[0];
  t->total[1] += bytes[1];
  pf_topn_offer(t, key, bytes[0] + bytes[1], 0, bytes);
}

/* ---- a round of distinct keys (top_batch.c) ---- */

bool pf_topn_add_known(struct pf_topn *t, const void *key,
                       const uint64_t bytes[2]) {
  return pf_topn_add_known_hashed(
      t, key, pf_topn_key_hash(t->seed, key, t->key_len), bytes);
}

static inline bool pf_topn_known(struct pf_topn *t, const void *key,
                                 uint64_t hash, const uint64_t bytes[2]) {
  t->total[0] += bytes[0];
  t->total[1] += bytes[1];
  uint32_t home = (uint32_t)hash & t->index_mask;
  uint32_t s = pf_topn_probe(t, key, home);
  if (t->index[s])
    pf_topn_grow(t, &t->items[t->index[s] - 1], bytes[0] + bytes[1], 0, bytes);
  else if (t->used < t->capacity)
    pf_topn_enter(t, key, home, s, bytes[0] + bytes[1], 0, bytes, NULL);
  else
    return false;
  return true;
}

uint64_t pf_topn_floor(const struct pf_topn *t) {
  return t->used == t->capacity ? t->heap_count[0] : 0;
}

void pf_topn_add_newcomer(struct pf_topn *t, const void *key,
                          const uint64_t bytes[2], uint64_t floor) {
  pf_topn_add_newcomer_hashed(
      t, key, pf_topn_key_hash(t->seed, key, t->key_len), bytes, floor);
}

static inline void pf_topn_newcomer(struct pf_topn *t, const void *key,
                                    uint64_t hash, const uint64_t bytes[2],
                                    uint64_t floor) {
  uint64_t weight = bytes[0] + bytes[1];
  /* No heavier than the lightest key: it stays out, its bytes in the
   * remainder, and the lightest key's count still bounds its own. */
  if (t->used == t->capacity && floor + weight <= t->heap_count[0])
    return;
  uint32_t home = (uint32_t)hash & t->index_mask;
  uint32_t s = pf_topn_probe(t, key, home);
  if (t->index[s])
    pf_topn_grow(t, &t->items[t->index[s] - 1], weight, 0, bytes);
  else
    pf_topn_enter(t, key, home, s, weight, 0, bytes, &floor);
}

bool pf_topn_add_known_hashed(struct pf_topn *t, const void *key, uint64_t hash,
                              const uint64_t bytes[2]) {
  return pf_topn_known(t, key, hash, bytes);
}

void pf_topn_add_newcomer_hashed(struct pf_topn *t, const void *key,
                                 uint64_t hash, const uint64_t bytes[2],
                                 uint64_t floor) {
  pf_topn_newcomer(t, key, hash, bytes, floor);
}

void pf_topn_add_round(struct pf_topn *t, const struct pf_topn_offer *o,
                       uint32_t n, uint16_t *refused) {
  uint32_t r = 0;
  for (uint32_t i = 0; i < n; i++)
    if (!pf_topn_known(t, o[i].key, o[i].hash, o[i].bytes))
      refused[r++] = (uint16_t)i;
  uint64_t floor = pf_topn_floor(t);
  for (uint32_t j = 0; j < r; j++) {
    const struct pf_topn_offer *e = &o[refused[j]];
    pf_topn_newcomer(t, e->key, e->hash, e->bytes, floor);
  }
}

void pf_topn_merge(struct pf_topn *dst, const struct pf_topn *src) {
  dst->total[0] += src->total[0];
  dst->total[1] += src->total[1];
  for (uint32_t i = 0; i < src->used; i++) {
    const struct pf_topn_item *it = &src->items[i];
    pf_topn_offer(dst, it->key, it->count - it->err, it->err, it->bytes);
  }
}

uint32_t pf_topn_top(const struct pf_topn *t, const struct pf_topn_item **out,
                     uint32_t n) {
  /* Insertion into a short sorted list over at most `capacity` items: the
   * reader's work, bounded by configuration, not by the traffic. */
  uint32_t got = 0;
  if (n == 0)
    return 0;
  for (uint32_t i = 0; i < t->used; i++) {
    const struct pf_topn_item *it = &t->items[i];
    uint32_t pos;
    if (got < n) {
      pos = got++;
    } else if (it->count > out[n - 1]->count) {
      pos = n - 1;
    } else {
      continue;
    }
    while (pos > 0 && out[pos - 1]->count < it->count) {
      out[pos] = out[pos - 1];
      pos--;
    }
    out[pos] = it;
  }
  return got;
}
