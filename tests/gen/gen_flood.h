/* gen_flood.h - the synflood scenario: hostile traffic for the hardening tests. */
#ifndef PCAPFLOW_GEN_FLOOD_H
#define PCAPFLOW_GEN_FLOOD_H

#include <stdint.h>

#include "gen_frame.h"

/* `packets` TCP SYNs to one local server, each from a random spoofed
 * remote address and port, so that nearly every packet is a new flow. */
void gen_scenario_synflood(struct gen *g, uint64_t packets);

#endif
