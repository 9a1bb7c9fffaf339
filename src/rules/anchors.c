/* anchors.c - a hash table of a document's anchors by name (anchors.h).
 * Keyed with the process's secret seed: the names come from the file, and
 * chains searched to collide would make every alias a long walk. */
#include "rules/anchors.h"

#include "base/hash.h"
#include "rules/grow.h"

#include <stdlib.h>
#include <string.h>

void pf_yanchors_init(struct pf_yanchors *a) {
  memset(a, 0, sizeof(*a));
  pf_hash_seed(a->seed);
}

void pf_yanchors_free(struct pf_yanchors *a) {
  free(a->v);
  free(a->slots);
  memset(a, 0, sizeof(*a));
}

static uint32_t pf_slot(const struct pf_yanchors *a, const char *name,
                        size_t len) {
  return (uint32_t)pf_hash_bytes(a->seed, name, len) & (a->n_slots - 1);
}

struct pf_yanchor *pf_yanchors_find(const struct pf_yanchors *a,
                                    const char *text, const char *name,
                                    size_t len) {
  if (a->n_slots == 0)
    return NULL;
  for (uint32_t at = pf_slot(a, name, len); a->slots[at];
       at = (at + 1) & (a->n_slots - 1)) {
    struct pf_yanchor *x = &a->v[a->slots[at] - 1];
    if (x->name_len == len && memcmp(text + x->name_at, name, len) == 0)
      return x;
  }
  return NULL;
}

static void pf_place(struct pf_yanchors *a, const char *text, uint32_t i) {
  const struct pf_yanchor *x = &a->v[i];
  uint32_t at = pf_slot(a, text + x->name_at, x->name_len);
  while (a->slots[at])
    at = (at + 1) & (a->n_slots - 1);
  a->slots[at] = i + 1;
}

/* Keeps the table at most half full. */
static int pf_make_room(struct pf_yanchors *a, const char *text) {
  if (pf_reserve((void **)&a->v, &a->cap, a->n + 1, sizeof(*a->v), 16) != 0)
    return -1;
  if ((a->n + 1) * 2 <= a->n_slots)
    return 0;
  uint32_t n_slots = a->n_slots ? a->n_slots * 2 : 32;
  uint32_t *slots = calloc(n_slots, sizeof(*slots));
  if (!slots)
    return -1;
  free(a->slots);
  a->slots = slots;
  a->n_slots = n_slots;
  for (uint32_t i = 0; i < a->n; i++)
    pf_place(a, text, i);
  return 0;
}

struct pf_yanchor *pf_yanchors_add(struct pf_yanchors *a, const char *text,
                                   struct pf_yanchor anchor) {
  if (pf_make_room(a, text) != 0)
    return NULL;
  a->v[a->n] = anchor;
  pf_place(a, text, a->n);
  return &a->v[a->n++];
}
