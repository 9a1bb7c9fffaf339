/* groups.c - interning of mask groups at compile time, so that a
 * table or trie stores one small index per value instead of the masks. */
#include "rules/groups.h"

#include <stdlib.h>
#include <string.h>

static uint64_t pf_group_hash(const struct pf_group *g) {
  uint64_t h = 0x9e3779b97f4a7c15u;
  for (int r = 0; r < PF_ROLE_COUNT; r++)
    for (int w = 0; w < PF_MASK_WORDS; w++) {
      h ^= g->m[r].w[w];
      h *= 0xff51afd7ed558ccdu;
      h ^= h >> 33;
    }
  return h;
}

static int pf_groups_rehash(struct pf_groups *g, size_t n_slots) {
  uint32_t *slots = calloc(n_slots, sizeof(*slots));
  if (!slots)
    return -1;
  for (size_t i = 0; i < g->n; i++) {
    size_t at = (size_t)pf_group_hash(&g->v[i]) & (n_slots - 1);
    while (slots[at])
      at = (at + 1) & (n_slots - 1);
    slots[at] = (uint32_t)i + 1;
  }
  free(g->slots);
  g->slots = slots;
  g->n_slots = n_slots;
  return 0;
}

int pf_groups_init(struct pf_groups *g, const struct pf_group *first) {
  memset(g, 0, sizeof(*g));
  return pf_groups_intern(g, first) == 0 ? 0 : -1;
}

int64_t pf_groups_intern(struct pf_groups *g, const struct pf_group *grp) {
  if (g->n_slots) {
    size_t at = (size_t)pf_group_hash(grp) & (g->n_slots - 1);
    for (; g->slots[at]; at = (at + 1) & (g->n_slots - 1)) {
      uint32_t i = g->slots[at] - 1;
      if (memcmp(&g->v[i], grp, sizeof(*grp)) == 0)
        return i;
    }
  }
  /* A new group. Keep the index at most half full. */
  if (g->n >= UINT32_MAX / 2)
    return -1;
  if ((g->n + 1) * 2 > g->n_slots &&
      pf_groups_rehash(g, g->n_slots ? g->n_slots * 2 : 64) != 0)
    return -1;
  if (g->n == g->cap) {
    size_t cap = g->cap ? g->cap * 2 : 16;
    struct pf_group *grown = realloc(g->v, cap * sizeof(*grown));
    if (!grown)
      return -1;
    g->v = grown;
    g->cap = cap;
  }
  g->v[g->n] = *grp;
  size_t at = (size_t)pf_group_hash(grp) & (g->n_slots - 1);
  while (g->slots[at])
    at = (at + 1) & (g->n_slots - 1);
  g->slots[at] = (uint32_t)g->n + 1;
  return (int64_t)g->n++;
}

void pf_groups_finish(struct pf_groups *g) {
  free(g->slots);
  g->slots = NULL;
  g->n_slots = 0;
  if (g->n && g->n < g->cap) {
    struct pf_group *trimmed = realloc(g->v, g->n * sizeof(*trimmed));
    if (trimmed) {
      g->v = trimmed;
      g->cap = g->n;
    }
  }
}

void pf_groups_free(struct pf_groups *g) {
  free(g->slots);
  free(g->v);
  memset(g, 0, sizeof(*g));
}
