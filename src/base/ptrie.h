/* ptrie.h - multibit prefix tries over 4- or 16-byte addresses: the node
 * storage, the walk and the descent to where a prefix ends, shared by the
 * local network set (packet/localnet.c) and the classes' CIDR tries
 * (rules/trie.c). Each decides what its entries mean and how prefixes
 * combine; this file only knows that an entry with PF_PTRIE_CHILD set
 * points at the node below.
 *
 * A lookup reads one entry per level and stops at the first that is not a
 * child: at most 8 levels for IPv4 and 32 for IPv6, whatever the number of
 * prefixes. */
#ifndef PCAPFLOW_BASE_PTRIE_H
#define PCAPFLOW_BASE_PTRIE_H

#include <stddef.h>
#include <stdint.h>

#include "base/check.h"

#define PF_PTRIE_STRIDE 4 /* address bits per level: 64-byte nodes */
#define PF_PTRIE_FANOUT (1u << PF_PTRIE_STRIDE)
#define PF_PTRIE_CHILD 0x80000000u
/* Nodes a trie may have: 64 MiB. One prefix adds at most 7 (IPv4) or 31
 * (IPv6), fewer where prefixes share leading bits. */
#define PF_PTRIE_MAX_NODES (1u << 20)
#define PF_PTRIE_MAX_LEVELS (128 / PF_PTRIE_STRIDE)

/* Why a node could not be made. */
#define PF_PTRIE_NOMEM (-1)
#define PF_PTRIE_FULL (-2) /* PF_PTRIE_MAX_NODES reached */

struct pf_ptrie {
  uint32_t *entries; /* n_nodes * PF_PTRIE_FANOUT; node 0 is the root */
  uint32_t n_nodes, cap_nodes;
};

/* The `level`-th chunk of PF_PTRIE_STRIDE bits of an address. */
static inline unsigned pf_ptrie_chunk(const uint8_t *addr, unsigned level) {
  unsigned bit = level * PF_PTRIE_STRIDE;
  return (addr[bit / 8] >> (8 - PF_PTRIE_STRIDE - bit % 8)) &
         (PF_PTRIE_FANOUT - 1);
}

static inline uint32_t *pf_ptrie_entry(const struct pf_ptrie *t, uint32_t node,
                                       unsigned idx) {
  return &t->entries[(size_t)node * PF_PTRIE_FANOUT + idx];
}

/* The last entry on the address's path (the first that is not a child),
 * and in *level the level it is at. */
static inline uint32_t pf_ptrie_find(const struct pf_ptrie *t,
                                     const uint8_t *addr, unsigned *level) {
  uint32_t entry = PF_PTRIE_CHILD;
  unsigned l = 0;
  for (; entry & PF_PTRIE_CHILD; l++) {
    PF_ASSERT(l < PF_PTRIE_MAX_LEVELS);
    entry =
        *pf_ptrie_entry(t, entry & ~PF_PTRIE_CHILD, pf_ptrie_chunk(addr, l));
  }
  *level = l - 1;
  return entry;
}

/* The walk for the packet path: the address as 64-bit words, high bits
 * first, one shift and mask a level. Goes on from `entry` (PF_PTRIE_CHILD
 * for the root) over up to 16 levels of `word`, and returns the entry it
 * stops at: a child still when the address has bits beyond this word. */
static inline uint32_t pf_ptrie_walk64(const struct pf_ptrie *t, uint32_t entry,
                                       uint64_t word) {
  for (int shift = 64 - PF_PTRIE_STRIDE; shift >= 0 && (entry & PF_PTRIE_CHILD);
       shift -= PF_PTRIE_STRIDE)
    entry = *pf_ptrie_entry(t, entry & ~PF_PTRIE_CHILD,
                            (unsigned)(word >> shift) & (PF_PTRIE_FANOUT - 1));
  return entry;
}

/* An empty trie: a root whose entries hold `fill`. Returns 0 or
 * PF_PTRIE_NOMEM. */
int pf_ptrie_init(struct pf_ptrie *t, uint32_t fill);

/* A new node whose entries hold `fill`: its index, or PF_PTRIE_NOMEM or
 * PF_PTRIE_FULL. */
int64_t pf_ptrie_new_node(struct pf_ptrie *t, uint32_t fill);

/* The node at which a prefix of `length` bits of `addr` ends, making the
 * nodes on the way, each filled with the entry it replaces (so what covers
 * the replaced entry covers the node). *first and *span: the entries of
 * that node the prefix covers. Returns the node, or PF_PTRIE_NOMEM or
 * PF_PTRIE_FULL. */
int64_t pf_ptrie_descend(struct pf_ptrie *t, const uint8_t *addr,
                         unsigned length, unsigned *first, unsigned *span);

/* Gives back the memory of nodes reserved but unused. */
void pf_ptrie_trim(struct pf_ptrie *t);

/* *dst becomes a copy of *src (dst holds nothing before). 0 or
 * PF_PTRIE_NOMEM. */
int pf_ptrie_copy(struct pf_ptrie *dst, const struct pf_ptrie *src);

void pf_ptrie_free(struct pf_ptrie *t);
size_t pf_ptrie_memory(const struct pf_ptrie *t);

#endif
