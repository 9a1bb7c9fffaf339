/* ptrie.c - building multibit prefix tries: nodes, and the descent to the
 * level where a prefix ends (see ptrie.h). */
#include "base/ptrie.h"

#include <stdlib.h>
#include <string.h>

int pf_ptrie_init(struct pf_ptrie *t, uint32_t fill) {
  memset(t, 0, sizeof(*t));
  return pf_ptrie_new_node(t, fill) < 0 ? PF_PTRIE_NOMEM : 0;
}

static int pf_ptrie_reserve(struct pf_ptrie *t, uint32_t cap) {
  uint32_t *grown =
      realloc(t->entries, (size_t)cap * PF_PTRIE_FANOUT * sizeof(*grown));
  if (!grown)
    return PF_PTRIE_NOMEM;
  t->entries = grown;
  t->cap_nodes = cap;
  return 0;
}

int64_t pf_ptrie_new_node(struct pf_ptrie *t, uint32_t fill) {
  if (t->n_nodes >= PF_PTRIE_MAX_NODES)
    return PF_PTRIE_FULL;
  if (t->n_nodes == t->cap_nodes) {
    uint32_t cap = t->cap_nodes ? t->cap_nodes * 2 : 16;
    if (cap > PF_PTRIE_MAX_NODES)
      cap = PF_PTRIE_MAX_NODES;
    if (pf_ptrie_reserve(t, cap) != 0)
      return PF_PTRIE_NOMEM;
  }
  uint32_t node = t->n_nodes++;
  for (unsigned i = 0; i < PF_PTRIE_FANOUT; i++)
    *pf_ptrie_entry(t, node, i) = fill;
  return node;
}

int64_t pf_ptrie_descend(struct pf_ptrie *t, const uint8_t *addr,
                         unsigned length, unsigned *first, unsigned *span) {
  unsigned last = length == 0 ? 0 : (length - 1u) / PF_PTRIE_STRIDE;
  unsigned used = length - last * PF_PTRIE_STRIDE; /* bits in last level */
  uint32_t node = 0;
  for (unsigned level = 0; level < last; level++) {
    uint32_t *entry = pf_ptrie_entry(t, node, pf_ptrie_chunk(addr, level));
    if (!(*entry & PF_PTRIE_CHILD)) {
      int64_t child = pf_ptrie_new_node(t, *entry);
      if (child < 0)
        return child;
      /* new_node may have moved the entries */
      entry = pf_ptrie_entry(t, node, pf_ptrie_chunk(addr, level));
      *entry = (uint32_t)child | PF_PTRIE_CHILD;
    }
    node = *entry & ~PF_PTRIE_CHILD;
  }
  *span = 1u << (PF_PTRIE_STRIDE - used);
  *first = pf_ptrie_chunk(addr, last) & ~(*span - 1);
  return node;
}

void pf_ptrie_trim(struct pf_ptrie *t) {
  if (t->n_nodes && t->n_nodes < t->cap_nodes)
    pf_ptrie_reserve(t, t->n_nodes); /* failing to shrink changes nothing */
}

int pf_ptrie_copy(struct pf_ptrie *dst, const struct pf_ptrie *src) {
  memset(dst, 0, sizeof(*dst));
  if (src->n_nodes == 0)
    return 0;
  if (pf_ptrie_reserve(dst, src->n_nodes) != 0)
    return PF_PTRIE_NOMEM;
  memcpy(dst->entries, src->entries,
         (size_t)src->n_nodes * PF_PTRIE_FANOUT * sizeof(*dst->entries));
  dst->n_nodes = src->n_nodes;
  return 0;
}

void pf_ptrie_free(struct pf_ptrie *t) {
  free(t->entries);
  memset(t, 0, sizeof(*t));
}

size_t pf_ptrie_memory(const struct pf_ptrie *t) {
  return (size_t)t->n_nodes * PF_PTRIE_FANOUT * sizeof(*t->entries);
}
