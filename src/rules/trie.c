/* trie.c - the CIDRs of all classes, one family at a time, compiled
 * into a multibit trie whose entries hold the group of classes an address
 * admits (see struct pf_trie in trie.h).
 *
 * Prefixes are inserted shortest first. A prefix ends at the level its last
 * bit falls in and marks the 2^(unused bits) entries it covers there; a
 * longer prefix creates nodes below, which start as copies of the entry
 * they replace, so every entry already holds what shorter prefixes gave. */
#include "rules/trie.h"

#include "pcapflow/localnet.h"

#include <stdio.h>
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

/* Adds the prefix's class to an entry, and to everything below it if it
 * is a node (which inserting shortest first never leaves, but which keeps
 * the trie right whatever the order). */
static int pf_mark(struct pf_trie_build *b, uint32_t node, unsigned idx) {
  uint32_t entry = *pf_ptrie_entry(&b->t->nodes, node, idx);
  if (entry & PF_PTRIE_CHILD) {
    for (unsigned i = 0; i < PF_PTRIE_FANOUT; i++)
      if (pf_mark(b, entry & ~PF_PTRIE_CHILD, i) != 0)
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
  *pf_ptrie_entry(&b->t->nodes, node, idx) = b->memo_to;
  return 0;
}

/* 0, PF_PTRIE_NOMEM or PF_PTRIE_FULL. */
static int pf_insert(struct pf_trie_build *b, const struct pf_trie_item *it) {
  unsigned first, span;
  int64_t node = pf_ptrie_descend(&b->t->nodes, it->prefix->addr,
                                  it->prefix->length, &first, &span);
  if (node < 0)
    return (int)node;
  b->role = it->role;
  b->cls = it->cls;
  b->memo_valid = false;
  for (unsigned idx = first; idx < first + span; idx++)
    if (pf_mark(b, (uint32_t)node, idx) != 0)
      return PF_PTRIE_NOMEM;
  return 0;
}

static int pf_item_cmp(const void *a, const void *b) {
  const struct pf_trie_item *x = a, *y = b;
  return x->prefix->length < y->prefix->length
             ? -1
             : x->prefix->length > y->prefix->length;
}

static int pf_trie_full(const struct pf_trie_item *it, struct pf_rules_err *e) {
  char text[64];
  pf_prefix_format(it->prefix, text, sizeof(text));
  return pf_rules_fail_at(
      e, it->pos->line, it->pos->col,
      "%s: \"%s\": the classes' IPv%u networks need more than %u prefix trie "
      "nodes (%u MiB), the limit",
      pf_fields[it->field].key, text, (unsigned)it->prefix->family,
      PF_PTRIE_MAX_NODES, PF_PTRIE_MAX_NODES * PF_PTRIE_FANOUT * 4 >> 20);
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

  int rc = pf_ptrie_init(&t->nodes, 0);
  for (size_t i = 0; i < n && rc == 0; i++)
    if ((rc = pf_insert(&b, &sorted[i])) == PF_PTRIE_FULL)
      pf_trie_full(&sorted[i], e);
  free(sorted);
  if (rc != 0) {
    pf_groups_free(&b.groups);
    pf_trie_free(t);
    return rc == PF_PTRIE_FULL
               ? -1
               : pf_rules_fail(e, "out of memory compiling the rules");
  }
  pf_groups_finish(&b.groups);
  t->groups = b.groups.v;
  t->n_groups = b.groups.n;
  pf_ptrie_trim(&t->nodes);
  return 0;
}

void pf_trie_free(struct pf_trie *t) {
  pf_ptrie_free(&t->nodes);
  free(t->groups);
  memset(t, 0, sizeof(*t));
}

size_t pf_trie_memory(const struct pf_trie *t) {
  return pf_ptrie_memory(&t->nodes) + t->n_groups * sizeof(*t->groups);
}
