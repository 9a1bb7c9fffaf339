/* gen_collide.h - the collide scenario: a flood whose flow keys all fall in one
 * bucket of the flow table under the known test seed. */
#ifndef PCAPFLOW_GEN_COLLIDE_H
#define PCAPFLOW_GEN_COLLIDE_H

#include <stdbool.h>
#include <stdint.h>

#include "gen_frame.h"

/* The flow table size the keys are aimed at: the default MaxFlows (its
 * bucket count is the next power of two, the same number). */
#define COLLIDE_TABLE_BUCKETS 262144u

/* Searches `keys` UDP flow keys (spoofed 198.19.0.0/16 sources and ports to
 * 198.18.0.53 port 53) whose flow-table bucket is the same under the seed of
 * tests/known_seed, then sends `packets` datagrams over them in turn, in 10 s
 * of packet time; `counts`: also the distinct count lines. */
void gen_scenario_collide(struct gen *g, uint64_t packets, uint32_t keys,
                          bool counts);

#endif
