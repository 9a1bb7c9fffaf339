/* groups.h - class masks, and groups of them per role, interned so
 * that tables and tries hold small indexes. */
#ifndef PCAPFLOW_RULES_GROUPS_H
#define PCAPFLOW_RULES_GROUPS_H

#include <stddef.h>
#include <stdint.h>

#include "pcapflow/rules.h"
#include "rules/definition.h"

/* A bit per class: PF_RULES_MAX_CLASSES bits. */
#define PF_MASK_WORDS ((PF_RULES_MAX_CLASSES + 63) / 64)
struct pf_mask {
  uint64_t w[PF_MASK_WORDS];
};

/* What one value (a port, an address) admits, per role: for each role, the
 * classes that do not constrain that role plus those whose set holds it. */
struct pf_group {
  struct pf_mask m[PF_ROLE_COUNT];
};

static inline void pf_mask_set(struct pf_mask *m, unsigned bit) {
  m->w[bit / 64] |= (uint64_t)1 << (bit % 64);
}

static inline void pf_mask_clear(struct pf_mask *m, unsigned bit) {
  m->w[bit / 64] &= ~((uint64_t)1 << (bit % 64));
}

/* Interning: equal groups share one index, so tables hold small indexes
 * instead of 48-byte groups. */
struct pf_groups {
  struct pf_group *v;
  size_t n, cap;
  uint32_t *slots; /* open addressing: group index + 1, 0 when empty */
  size_t n_slots;
};

/* Starts with `first` as group 0. Returns 0 or -1 (out of memory). */
int pf_groups_init(struct pf_groups *g, const struct pf_group *first);
/* The index of a group equal to *grp, added if new; -1 if out of memory. */
int64_t pf_groups_intern(struct pf_groups *g, const struct pf_group *grp);
/* Drops the hash index and trims the array: the groups stay. */
void pf_groups_finish(struct pf_groups *g);
void pf_groups_free(struct pf_groups *g);

#endif
