/* trie.c - the CIDRs of all classes, one family at a time, compiled
 * into a multibit trie whose entries hold the group of classes an address
 * admits (see struct pf_trie in trie.h).
 *
 * Prefixes are inserted shortest first. A prefix ends at the level its last
 * bit falls in and marks the 2^(unused bits) entries it covers there; a
 * longer prefix creates nodes below, which start as copies of the entry
 * they replace, so every entry already holds what shorter prefixes gave. */
#include "rules/trie.h"

#include <stdlib.h>
#include <string.h>

struct pf_trie_build {
  struct pf_trie *t;
  struct pf_groups groups;
  /* The group change of the prefix being inserted, memoised: the entries
   * one prefix covers hold few distinct groups. */
  uint8_t role, cls;
  uint32_t memo_from, memo_to;
  bool memo_valid;
};

static uint32_t *pf_entry(struct pf_trie *t, uint32_t node, unsigned idx) {
  return &t->entries[(size_t)node * PF_TRIE_FANOUT + idx];
}

/* A new node whose entries all hold `fill`; its index, or -1. */
static int64_t pf_new_node(struct pf_trie *t, uint32_t fill) {
  if (t->n_nodes >= PF_TRIE_CHILD)
    return -1;
  if (t->n_nodes == t->cap_nodes) {
    size_t cap = t->cap_nodes ? t->cap_nodes * 2 : 64;
    uint32_t *grown =
        realloc(t->entries, cap * PF_TRIE_FANOUT * sizeof(*grown));
    if (!grown)
      return -1;
    t->entries = grown;
    t->cap_nodes = cap;
  }
  uint32_t node = (uint32_t)t->n_nodes++;
  for (unsigned i = 0; i < PF_TRIE_FANOUT; i++)
    *pf_entry(t, node, i) = fill;
  return node;
}

/* Adds the prefix's class to an entry, and to everything below it if it
 * is a node (which inserting shortest first never leaves, but which keeps
 * the trie right whatever the order). */
static int pf_mark(struct pf_trie_build *b, uint32_t node, unsigned idx) {
  uint32_t entry = *pf_entry(b->t, node, idx);
  if (entry & PF_TRIE_CHILD) {
    for (unsigned i = 0; i < PF_TRIE_FANOUT; i++)
      if (pf_mark(b, entry & ~PF_TRIE_CHILD, i) != 0)
        return -1;
    return 0;
  }
  if (!b->memo_valid || b->memo_from != entry) {
    struct pf_group g = b->groups.v[entry];
    pf_mask_set(&g.m[b->role], b->cls);
    int64_t to = pf_groups_intern(&b->groups, &g);
    if (to < 0)
      return -1;
    b->memo_from = entry;
    b->memo_to = (uint32_t)to;
    b->memo_valid = true;
  }
  *pf_entry(b->t, node, idx) = b->memo_to;
  return 0;
}

static int pf_insert(struct pf_trie_build *b, const struct pf_trie_item *it) {
  const struct pf_prefix *p = it->prefix;
  unsigned last = p->length == 0 ? 0 : (p->length - 1u) / PF_TRIE_STRIDE;
  unsigned used = p->length - last * PF_TRIE_STRIDE; /* bits in last level */
  uint32_t node = 0;
  for (unsigned level = 0; level < last; level++) {
    unsigned idx = pf_chunk(p->addr, level);
    uint32_t entry = *pf_entry(b->t, node, idx);
    if (!(entry & PF_TRIE_CHILD)) {
      int64_t child = pf_new_node(b->t, entry);
      if (child < 0)
        return -1;
      entry = (uint32_t)child | PF_TRIE_CHILD;
      *pf_entry(b->t, node, idx) = entry;
    }
    node = entry & ~PF_TRIE_CHILD;
  }
  unsigned span = 1u << (PF_TRIE_STRIDE - used);
  unsigned first = pf_chunk(p->addr, last) & ~(span - 1);
  b->role = it->role;
  b->cls = it->cls;
  b->memo_valid = false;
  for (unsigned idx = first; idx < first + span; idx++)
    if (pf_mark(b, node, idx) != 0)
      return -1;
  return 0;
}

static int pf_item_cmp(const void *a, const void *b) {
  const struct pf_trie_item *x = a, *y = b;
  return x->prefix->length < y->prefix->length
             ? -1
             : x->prefix->length > y->prefix->length;
}

int pf_trie_build(struct pf_trie *t, const struct pf_trie_item *items, size_t n,
                  const struct pf_group *base, struct pf_rules_err *e) {
  memset(t, 0, sizeof(*t));
  struct pf_trie_build b = {.t = t};
  struct pf_trie_item *sorted = malloc((n + 1) * sizeof(*sorted));
  if (!sorted || pf_groups_init(&b.groups, base) != 0) {
    free(sorted);
    return pf_rules_fail(e, "out of memory compiling the rules");
  }
  if (n)
    memcpy(sorted, items, n * sizeof(*sorted));
  qsort(sorted, n, sizeof(*sorted), pf_item_cmp);

  if (pf_new_node(t, 0) < 0)
    goto oom;
  for (size_t i = 0; i < n; i++)
    if (pf_insert(&b, &sorted[i]) != 0)
      goto oom;
  free(sorted);

  pf_groups_finish(&b.groups);
  t->groups = b.groups.v;
  t->n_groups = b.groups.n;
  if (t->n_nodes < t->cap_nodes) {
    uint32_t *trimmed =
        realloc(t->entries, t->n_nodes * PF_TRIE_FANOUT * sizeof(*trimmed));
    if (trimmed) {
      t->entries = trimmed;
      t->cap_nodes = t->n_nodes;
    }
  }
  return 0;

oom:
  free(sorted);
  pf_groups_free(&b.groups);
  pf_trie_free(t);
  return pf_rules_fail(e, "out of memory compiling the rules");
}

void pf_trie_free(struct pf_trie *t) {
  free(t->entries);
  free(t->groups);
  memset(t, 0, sizeof(*t));
}

size_t pf_trie_memory(const struct pf_trie *t) {
  return t->n_nodes * PF_TRIE_FANOUT * sizeof(*t->entries) +
         t->n_groups * sizeof(*t->groups);
}
