/* gen_services.h - the services scenario: the mixed scenario's shape with
 * the traffic DNS and TLS analyses read - DNS over UDP and TCP, TLS
 * connections whose hellos are real (some browser-sized, over two
 * segments) - for measuring what those analyses cost on traffic where they
 * work (docs/PERFORMANCE.md). */
#ifndef PCAPFLOW_GEN_SERVICES_H
#define PCAPFLOW_GEN_SERVICES_H

#include <stdint.h>

#include "gen_frame.h"

/* `packets` packets of the services mix. */
void gen_scenario_services(struct gen *g, uint64_t packets);

#endif
