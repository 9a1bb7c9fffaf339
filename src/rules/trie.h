/* trie.h - prefix tries: addresses mapped to the classes whose
 * CIDRs cover them. */
#ifndef PCAPFLOW_RULES_TRIE_H
#define PCAPFLOW_RULES_TRIE_H

#include <stddef.h>
#include <stdint.h>

#include "base/ptrie.h"
#include "pcapflow/localnet.h"
#include "rules/error.h"
#include "rules/groups.h"

/* A multibit trie (base/ptrie.h) whose entries are a child node or a group
 * index. Masks are pushed down when a node is created, so the last entry
 * on an address's path holds the OR of every prefix that covers it: a
 * lookup reads one entry per level and stops at the first that is not a
 * child (at most 8 levels for IPv4, 32 for IPv6). The lookup is in
 * classify.c. */
struct pf_trie {
  struct pf_ptrie nodes;
  struct pf_group *groups;
  size_t n_groups;
};

struct pf_trie_item {
  const struct pf_prefix *prefix;
  const struct pf_pos *pos; /* where the file gives it, for messages */
  uint8_t field;            /* enum pf_field, for messages */
  uint8_t role;
  uint8_t cls;
};

/* Builds the trie of one family from its items, all of that family. A trie
 * past PF_PTRIE_MAX_NODES is refused at the item that needed one more. */
int pf_trie_build(struct pf_trie *t, const struct pf_trie_item *items, size_t n,
                  const struct pf_group *base, struct pf_rules_err *e);
void pf_trie_free(struct pf_trie *t);
size_t pf_trie_memory(const struct pf_trie *t);

#endif
