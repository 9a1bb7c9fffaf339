/* flow_internal.h - what the flow table's files share and nothing else
 * needs: the LRU lists (flow_lru.c) and taking a flow out of the table
 * (flow_table.c). */
#ifndef PCAPFLOW_FLOW_INTERNAL_H
#define PCAPFLOW_FLOW_INTERNAL_H

#include "flow/flow.h"

void pf_lru_unlink(struct pf_flow_table *t, uint32_t ref);
/* Puts the flow at the head of list `list` (its family bit kept). */
void pf_lru_push_head(struct pf_flow_table *t, uint32_t ref, uint8_t list);
/* The least recently seen flow of all, or PF_FLOW_NONE when empty. */
uint32_t pf_lru_oldest(const struct pf_flow_table *t);

/* Takes a flow out of its chain and its LRU list, back to its pool's free
 * list; the owner's `ended` hook sees it first. */
void pf_flow_remove(struct pf_flow_table *t, uint32_t ref);

#endif
