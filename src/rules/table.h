/* table.h - value tables: one numeric dimension (protocol, DSCP,
 * VLAN, port) mapped to the classes each value admits. */
#ifndef PCAPFLOW_RULES_TABLE_H
#define PCAPFLOW_RULES_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "rules/error.h"
#include "rules/groups.h"

/* One numeric dimension: value -> group index -> masks per role. */
struct pf_table {
  uint16_t *index; /* `domain` entries */
  uint32_t domain;
  struct pf_group *groups;
  size_t n_groups;
};

struct pf_table_item {
  uint32_t lo, hi;
  uint8_t role;
  uint8_t cls;
};

/* Builds the table over values 0 .. domain - 1 (at most 65536). `base`
 * holds, per role, the classes that do not constrain that role. */
int pf_table_build(struct pf_table *t, uint32_t domain,
                   const struct pf_table_item *items, size_t n,
                   const struct pf_group *base, struct pf_rules_err *e);
void pf_table_free(struct pf_table *t);
size_t pf_table_memory(const struct pf_table *t);

static inline const struct pf_group *pf_table_lookup(const struct pf_table *t,
                                                     uint32_t value) {
  return &t->groups[t->index[value]];
}

#endif
