/* gen_mixed.h - the mixed scenario: a realistic traffic mix over thousands of
 * concurrent flows, for benchmarks. */
#ifndef PCAPFLOW_GEN_MIXED_H
#define PCAPFLOW_GEN_MIXED_H

#include <stdint.h>

#include "gen_frame.h"

/* `packets` packets of the mix. */
void gen_scenario_mixed(struct gen *g, uint64_t packets);

#endif
