/* topn.c - weighted Space-Saving: a min-heap of counters with a hash index,
 * so every update is O(log capacity) and needs no allocation. */
#include "pcapflow/topn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcapflow/flow.h" /* pf_hash_bytes, pf_hash_seed */

int pf_topn_init(struct pf_topn *t, uint32_t capacity, uint32_t key_len,
                 char *err, size_t errlen) {
  memset(t, 0, sizeof(*t));
  if (capacity == 0 || key_len == 0 || key_len > PF_TOPN_KEY_MAX) {
    snprintf(err, errlen, "invalid top-N size %u/%u", capacity, key_len);
    return -1;
  }
  uint32_t slots = 4;
  while (slots < capacity * 2)
    slots <<= 1; /* load factor at most 1/2 keeps probes short */
  t->heap = calloc(capacity, sizeof(*t->heap));
  t->index = calloc(slots, sizeof(*t->index));
  if (!t->heap || !t->index) {
    pf_topn_free(t);
    snprintf(err, errlen, "out of memory for a top-N sketch");
    return -1;
  }
  t->capacity = capacity;
  t->key_len = key_len;
  t->index_mask = slots - 1;
  pf_hash_seed(t->seed);
  return 0;
}

void pf_topn_free(struct pf_topn *t) {
  free(t->heap);
  free(t->index);
  t->heap = NULL;
  t->index = NULL;
}

void pf_topn_reset(struct pf_topn *t) {
  memset(t->index, 0, (size_t)(t->index_mask + 1) * sizeof(*t->index));
  t->used = 0;
  t->total[0] = t->total[1] = 0;
}

/* ---- the hash index (linear probing) ---- */

static uint32_t pf_topn_home(const struct pf_topn *t, const void *key) {
  return (uint32_t)pf_hash_bytes(t->seed, key, t->key_len) & t->index_mask;
}

/* The index slot holding key, or the empty slot where it would go. */
static uint32_t pf_topn_probe(const struct pf_topn *t, const void *key) {
  uint32_t s = pf_topn_home(t, key);
  while (t->index[s] &&
         memcmp(t->heap[t->index[s] - 1].key, key, t->key_len) != 0)
    s = (s + 1) & t->index_mask;
  return s;
}

/* Backward-shift deletion keeps probe chains whole without tombstones. */
static void pf_topn_unindex(struct pf_topn *t, uint32_t s) {
  uint32_t hole = s;
  t->index[hole] = 0;
  for (uint32_t j = (hole + 1) & t->index_mask; t->index[j];
       j = (j + 1) & t->index_mask) {
    uint32_t home = pf_topn_home(t, t->heap[t->index[j] - 1].key);
    /* Move j into the hole unless its home lies cyclically in (hole, j]. */
    bool stays = hole <= j ? (hole < home && home <= j)
                           : (hole < home || home <= j);
    if (stays)
      continue;
    t->index[hole] = t->index[j];
    t->heap[t->index[hole] - 1].slot = hole;
    t->index[j] = 0;
    hole = j;
  }
}

/* ---- the heap ---- */

static void pf_topn_swap(struct pf_topn *t, uint32_t a, uint32_t b) {
  struct pf_topn_item tmp = t->heap[a];
  t->heap[a] = t->heap[b];
  t->heap[b] = tmp;
  t->index[t->heap[a].slot] = a + 1;
  t->index[t->heap[b].slot] = b + 1;
}

static void pf_topn_sift_down(struct pf_topn *t, uint32_t i) {
  for (;;) {
    uint32_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < t->used && t->heap[l].count < t->heap[m].count)
      m = l;
    if (r < t->used && t->heap[r].count < t->heap[m].count)
      m = r;
    if (m == i)
      return;
    pf_topn_swap(t, i, m);
    i = m;
  }
}

static void pf_topn_sift_up(struct pf_topn *t, uint32_t i) {
  while (i > 0) {
    uint32_t p = (i - 1) / 2;
    if (t->heap[p].count <= t->heap[i].count)
      return;
    pf_topn_swap(t, i, p);
    i = p;
  }
}

/* ---- updates ---- */

static void pf_topn_offer(struct pf_topn *t, const void *key, uint64_t weight,
                          uint64_t err, const uint64_t bytes[2]) {
  uint32_t s = pf_topn_probe(t, key);
  if (t->index[s]) {
    uint32_t i = t->index[s] - 1;
    t->heap[i].count += weight;
    t->heap[i].err += err;
    t->heap[i].bytes[0] += bytes[0];
    t->heap[i].bytes[1] += bytes[1];
    pf_topn_sift_down(t, i); /* it grew: it may sink below lighter ones */
    return;
  }
  uint32_t i;
  uint64_t inherited = 0;
  if (t->used < t->capacity) {
    i = t->used++;
  } else {
    /* Full: the newcomer replaces the lightest and inherits its count. */
    i = 0;
    inherited = t->heap[0].count;
    pf_topn_unindex(t, t->heap[0].slot);
    s = pf_topn_probe(t, key); /* deletion may have moved the empty slot */
  }
  struct pf_topn_item *it = &t->heap[i];
  memset(it->key, 0, sizeof(it->key));
  memcpy(it->key, key, t->key_len);
  it->count = inherited + weight;
  it->err = inherited + err;
  it->bytes[0] = bytes[0];
  it->bytes[1] = bytes[1];
  it->slot = s;
  t->index[s] = i + 1;
  if (inherited)
    pf_topn_sift_down(t, i);
  else
    pf_topn_sift_up(t, i);
}

void pf_topn_add(struct pf_topn *t, const void *key, int dir, uint64_t bytes) {
  uint64_t b[2] = {0, 0};
  b[dir] = bytes;
  t->total[dir] += bytes;
  pf_topn_offer(t, key, bytes, 0, b);
}

void pf_topn_merge(struct pf_topn *dst, const struct pf_topn *src) {
  dst->total[0] += src->total[0];
  dst->total[1] += src->total[1];
  for (uint32_t i = 0; i < src->used; i++) {
    const struct pf_topn_item *it = &src->heap[i];
    pf_topn_offer(dst, it->key, it->count - it->err, it->err, it->bytes);
  }
}

uint32_t pf_topn_top(const struct pf_topn *t, const struct pf_topn_item **out,
                     uint32_t n) {
  /* Selection over at most `capacity` items: the reader's work, bounded by
   * configuration and independent of the traffic. */
  uint32_t got = 0;
  for (uint32_t i = 0; i < t->used; i++) {
    const struct pf_topn_item *it = &t->heap[i];
    uint32_t pos = got < n ? got++ : n;
    if (pos == n) {
      if (it->count <= out[n - 1]->count)
        continue;
      pos = n - 1;
    }
    while (pos > 0 && out[pos - 1]->count < it->count) {
      out[pos] = out[pos - 1];
      pos--;
    }
    out[pos] = it;
  }
  return got;
}
