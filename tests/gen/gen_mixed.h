/* gen_mixed.h - the mixed scenario: a realistic traffic mix over thousands of
 * concurrent flows, for benchmarks. */
#ifndef PCAPFLOW_GEN_MIXED_H
#define PCAPFLOW_GEN_MIXED_H

#include <stdint.h>

#include "gen_frame.h"

/* Which ends of a flow are local. */
enum locality { LOC_OUT, LOC_IN, LOC_BOTH, LOC_NEITHER };

/* A random address of family `ver`, local or not, into out (4 or 16). */
void gen_mixed_addr(struct gen *g, int ver, bool local, uint8_t *out);

/* The ends of one packet of a flow between cli:cport and srv:sport, sent
 * by the client or not: addresses, ports, direction and packet type. */
void gen_mixed_ends(struct ipspec *s, enum locality loc, bool from_client,
                    const uint8_t *cli, const uint8_t *srv, uint16_t cport,
                    uint16_t sport);

/* `packets` packets of the mix. */
void gen_scenario_mixed(struct gen *g, uint64_t packets);

#endif
