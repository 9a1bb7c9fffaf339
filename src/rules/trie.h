/* trie.h - prefix tries: addresses mapped to the classes whose
 * CIDRs cover them. */
#ifndef PCAPFLOW_RULES_TRIE_H
#define PCAPFLOW_RULES_TRIE_H

#include <stddef.h>
#include <stdint.h>

#include "pcapflow/localnet.h"
#include "rules/error.h"
#include "rules/groups.h"

/* A multibit trie, PF_TRIE_STRIDE address bits per level (64-byte nodes).
 * An entry is a child node (PF_TRIE_CHILD set) or a group index. Masks are
 * pushed down when a node is created, so the last entry on an address's
 * path holds the OR of every prefix that covers it: a lookup reads one
 * entry per level and stops at the first that is not a child (at most 8
 * levels for IPv4, 32 for IPv6). The lookup is in classify.c. */
#define PF_TRIE_STRIDE 4
#define PF_TRIE_FANOUT (1u << PF_TRIE_STRIDE)

/* The `level`-th chunk of PF_TRIE_STRIDE bits of an address. */
static inline unsigned pf_chunk(const uint8_t *addr, unsigned level) {
  unsigned bit = level * PF_TRIE_STRIDE;
  return (addr[bit / 8] >> (8 - PF_TRIE_STRIDE - bit % 8)) &
         (PF_TRIE_FANOUT - 1);
}
#define PF_TRIE_CHILD 0x80000000u

struct pf_trie {
  uint32_t *entries; /* n_nodes * PF_TRIE_FANOUT; node 0 is the root */
  size_t n_nodes, cap_nodes;
  struct pf_group *groups;
  size_t n_groups;
};

struct pf_trie_item {
  const struct pf_prefix *prefix;
  uint8_t role;
  uint8_t cls;
};

/* Builds the trie of one family from its items, all of that family. */
int pf_trie_build(struct pf_trie *t, const struct pf_trie_item *items, size_t n,
                  const struct pf_group *base, struct pf_rules_err *e);
void pf_trie_free(struct pf_trie *t);
size_t pf_trie_memory(const struct pf_trie *t);

#endif
