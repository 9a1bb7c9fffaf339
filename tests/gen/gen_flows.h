/* gen_flows.h - the flows and flood scenarios: captures with exact ground truth
 * for the flow table, the top-N lists and the distinct counts. */
#ifndef PCAPFLOW_GEN_FLOWS_H
#define PCAPFLOW_GEN_FLOWS_H

#include <stdbool.h>
#include <stdint.h>

#include "gen_frame.h"

/* A few thousand packets over a scripted set of conversations spanning two
 * hours of packet time; `top`: also the top-N and distinct count lines. */
void gen_scenario_flows(struct gen *g, bool top);

/* `packets` spoofed TCP SYNs (plus 2% legitimate traffic) in 10 seconds;
 * `counts`: also the distinct count lines. */
void gen_scenario_flood(struct gen *g, uint64_t packets, bool counts);

#endif
