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
  if (capacity == 0 || capacity > PF_TOPN_MAX_CAPACITY || key_len == 0 ||
      key_len > PF_TOPN_KEY_MAX) {
    return pf_err(err, errlen, "invalid top-N size %u/%u", capacity, key_len);
  }
  uint32_t slots = 4, filter = 4;
  while (slots < capacity * 2)
    slots <<= 1; /* load factor at most 1/2 keeps probes short */
  while (filter < capacity * PF_TOPN_FILTER_PER_KEY &&
         filter < PF_TOPN_FILTER_MAX)
    filter <<= 1;
  t->items = calloc(capacity, sizeof(*t->items));
  t->heap = calloc(capacity, sizeof(*t->heap));
  t->heap_count = calloc(capacity, sizeof(*t->heap_count));
  t->index = calloc(slots, sizeof(*t->index));
  t->filter = calloc(filter, sizeof(*t->filter));
  t->marks = calloc(2 * ((capacity + 63) / 64), sizeof(*t->marks));
  if (!t->items || !t->heap || !t->heap_count || !t->index || !t->filter ||
      !t->marks) {
    pf_topn_free(t);
    return pf_err(err, errlen, "out of memory for a top-N sketch");
  }
  t->capacity = capacity;
  t->key_len = key_len;
  t->index_mask = slots - 1;
  t->filter_mask = filter - 1;
  pf_hash_seed(t->seed);
  return 0;
}

void pf_topn_free(struct pf_topn *t) {
  free(t->items);
  free(t->heap);
  free(t->heap_count);
  free(t->index);
  free(t->filter);
  free(t->marks);
  t->items = NULL;
  t->heap = NULL;
  t->heap_count = NULL;
  t->index = NULL;
  t->filter = NULL;
  t->marks = NULL;
}

void pf_topn_reset(struct pf_topn *t) {
  memset(t->index, 0, (size_t)(t->index_mask + 1) * sizeof(*t->index));
  memset(t->filter, 0, (size_t)(t->filter_mask + 1) * sizeof(*t->filter));
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

/* A key not in the sketch, whose empty index slot s the probe from its
 * hash's home found, enters: into a free place, or, when full, in place of
 * the lightest key, whose count then bounds its filter slot's keys. It
 * inherits `before` as its overestimate (a bound on its bytes before), or
 * the lightest key's count when before is NULL (the classic Space-Saving
 * step); nothing when there was room, as nothing was ever evicted. */
static void pf_topn_enter(struct pf_topn *t, const void *key, uint64_t hash,
                          uint32_t s, uint64_t weight, uint64_t err,
                          const uint64_t bytes[2], const uint64_t *before) {
  uint32_t item, pos, home = (uint32_t)hash & t->index_mask;
  uint64_t inherited = 0;
  bool replaced = false;
  if (t->used < t->capacity) {
    item = pos = t->used++;
  } else {
    replaced = true;
    pos = 0;
    item = t->heap[0];
    struct pf_topn_item *out = &t->items[item];
    uint32_t *slot = pf_topn_filter_of(t, out->key);
    if (pf_topn_bound(t, slot) < out->count)
      pf_topn_bound_set(slot, out->count);
    inherited = before ? *before : out->count;
    uint32_t hole = pf_topn_unindex(t, out->slot);
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
  it->hash = hash;
  t->index[s] = item + 1;
  pf_topn_place(t, pos, item, it->count);
  if (replaced)
    pf_topn_sift_down(t, pos); /* the root grew: it may sink */
  else
    pf_topn_sift_up(t, pos); /* a new leaf: it may rise */
}

static void pf_topn_offer(struct pf_topn *t, const void *key, uint64_t weight,
                          const uint64_t bytes[2]) {
  uint64_t hash = pf_topn_key_hash(t->seed, key, t->key_len);
  uint32_t s = pf_topn_probe(t, key, (uint32_t)hash & t->index_mask);
  if (t->index[s])
    pf_topn_grow(t, &t->items[t->index[s] - 1], weight, 0, bytes);
  else
    pf_topn_enter(t, key, hash, s, weight, 0, bytes, NULL);
}

void pf_topn_add(struct pf_topn *t, const void *key, int dir, uint64_t bytes) {
  uint64_t b[2] = {0, 0};
  b[dir] = bytes;
  t->total[dir] += bytes;
  pf_topn_offer(t, key, bytes, b);
}

void pf_topn_add_both(struct pf_topn *t, const void *key,
                      const uint64_t bytes[2]) {
  t->total[0] += bytes[0];
  t->total[1] += bytes[1];
  pf_topn_offer(t, key, bytes[0] + bytes[1], bytes);
}

uint64_t pf_topn_floor(const struct pf_topn *t) {
  return t->used == t->capacity ? t->heap_count[0] : 0;
}

/* ---- a round of distinct keys (top_batch.c) ---- */

/* Pass 1: false when the key must wait for pass 2. */
static inline bool pf_topn_known(struct pf_topn *t, const void *key,
                                 uint64_t hash, const uint64_t bytes[2]) {
  t->total[0] += bytes[0];
  t->total[1] += bytes[1];
  uint32_t s = pf_topn_probe(t, key, (uint32_t)hash & t->index_mask);
  if (t->index[s])
    pf_topn_grow(t, &t->items[t->index[s] - 1], bytes[0] + bytes[1], 0, bytes);
  else if (t->used < t->capacity)
    pf_topn_enter(t, key, hash, s, bytes[0] + bytes[1], 0, bytes, NULL);
  else
    return false;
  return true;
}

/* Pass 2: a key the full sketch does not hold. */
static inline void pf_topn_newcomer(struct pf_topn *t, const void *key,
                                    uint64_t hash, const uint64_t bytes[2]) {
  uint32_t *slot = pf_topn_filter_of(t, key);
  uint64_t before = pf_topn_bound(t, slot), weight = bytes[0] + bytes[1];
  if (before + weight <= t->heap_count[0]) {
    pf_topn_bound_set(slot, before + weight); /* it stays out, under it */
    return;
  }
  uint32_t s = pf_topn_probe(t, key, (uint32_t)hash & t->index_mask);
  PF_ASSERT(t->index[s] == 0); /* the round's keys are distinct */
  pf_topn_enter(t, key, hash, s, weight, 0, bytes, &before);
}

void pf_topn_add_round(struct pf_topn *t, const struct pf_topn_offer *o,
                       uint32_t n, uint16_t *refused) {
  uint32_t r = 0;
  for (uint32_t i = 0; i < n; i++)
    if (!pf_topn_known(t, o[i].key, o[i].hash, o[i].bytes))
      refused[r++] = (uint16_t)i;
  for (uint32_t j = 0; j < r; j++) {
    const struct pf_topn_offer *e = &o[refused[j]];
    pf_topn_newcomer(t, e->key, e->hash, e->bytes);
  }
}

/* ---- merging ---- */

static inline bool pf_topn_mark_get(const uint64_t *m, uint32_t i) {
  return (m[i / 64] >> (i % 64)) & 1;
}

static inline void pf_topn_mark_set(uint64_t *m, uint32_t i) {
  m[i / 64] |= 1ull << (i % 64);
}

/* Keys both hold grow by src's count (its err as err); each is marked, in
 * dst by item number (dst_marks), in src by item number (src_marks). */
static void pf_topn_merge_held(struct pf_topn *dst, const struct pf_topn *src,
                               uint64_t *dst_marks, uint64_t *src_marks) {
  for (uint32_t i = 0; i < src->used; i++) {
    const struct pf_topn_item *it = &src->items[i];
    uint32_t s =
        pf_topn_probe(dst, it->key, (uint32_t)it->hash & dst->index_mask);
    if (!dst->index[s])
      continue;
    pf_topn_grow(dst, &dst->items[dst->index[s] - 1], it->count - it->err,
                 it->err, it->bytes);
    pf_topn_mark_set(dst_marks, dst->index[s] - 1);
    pf_topn_mark_set(src_marks, i);
  }
}

/* src's other keys, each counting dst's floor (`before`) as what it had
 * there: it enters while there is room or when it outweighs the lightest
 * key; else it stays out, under the lightest count. */
static void pf_topn_merge_new(struct pf_topn *dst, const struct pf_topn *src,
                              const uint64_t *src_marks, uint64_t before) {
  for (uint32_t i = 0; i < src->used; i++) {
    const struct pf_topn_item *it = &src->items[i];
    if (pf_topn_mark_get(src_marks, i))
      continue;
    if (dst->used == dst->capacity && before + it->count <= dst->heap_count[0])
      continue;
    uint32_t s =
        pf_topn_probe(dst, it->key, (uint32_t)it->hash & dst->index_mask);
    PF_ASSERT(dst->index[s] == 0);
    pf_topn_enter(dst, it->key, it->hash, s, it->count - it->err, it->err,
                  it->bytes, &before);
  }
}

void pf_topn_merge(struct pf_topn *dst, const struct pf_topn *src) {
  PF_ASSERT(dst->capacity == src->capacity && dst->key_len == src->key_len);
  uint64_t dst_floor = pf_topn_floor(dst), src_floor = pf_topn_floor(src);
  uint32_t words = (dst->capacity + 63) / 64;
  uint64_t *dst_marks = dst->marks, *src_marks = dst->marks + words;
  memset(dst->marks, 0, 2 * words * sizeof(*dst->marks));
  dst->total[0] += src->total[0];
  dst->total[1] += src->total[1];
  pf_topn_merge_held(dst, src, dst_marks, src_marks);
  /* dst's keys src did not hold had at most src's floor there. */
  uint32_t held = dst->used;
  static const uint64_t none[2] = {0, 0};
  for (uint32_t i = 0; i < held && src_floor; i++)
    if (!pf_topn_mark_get(dst_marks, i))
      pf_topn_grow(dst, &dst->items[i], 0, src_floor, none);
  pf_topn_merge_new(dst, src, src_marks, dst_floor);
  /* The keys neither holds now had at most both floors, which the lightest
   * count now outweighs: it bounds them all. */
  if (dst->used == dst->capacity)
    for (uint32_t f = 0; f <= dst->filter_mask; f++)
      pf_topn_bound_set(&dst->filter[f], dst->heap_count[0]);
}

/* Whether a is listed before b: more bytes shown, or as many and first in
 * the order of keys. */
static bool pf_topn_listed_before(const struct pf_topn *t,
                                  pf_topn_order_fn order,
                                  const struct pf_topn_item *a,
                                  const struct pf_topn_item *b) {
  uint64_t sa = pf_topn_shown(a), sb = pf_topn_shown(b);
  if (sa != sb)
    return sa > sb;
  int c = order ? order(a->key, b->key) : memcmp(a->key, b->key, t->key_len);
  return c < 0;
}

uint32_t pf_topn_top_by(const struct pf_topn *t,
                        const struct pf_topn_item **out, uint32_t n,
                        pf_topn_order_fn order) {
  /* Insertion into a short sorted list over at most `capacity` items: the
   * reader's work, bounded by configuration, not by the traffic. Keys are
   * compared only where bytes tie. */
  uint32_t got = 0;
  if (n == 0)
    return 0;
  for (uint32_t i = 0; i < t->used; i++) {
    const struct pf_topn_item *it = &t->items[i];
    uint32_t pos;
    if (got < n)
      pos = got++;
    else if (pf_topn_listed_before(t, order, it, out[n - 1]))
      pos = n - 1;
    else
      continue;
    while (pos > 0 && pf_topn_listed_before(t, order, it, out[pos - 1])) {
      out[pos] = out[pos - 1];
      pos--;
    }
    out[pos] = it;
  }
  return got;
}
