/* packet_counters.h - how one decoded packet adds to a struct pf_counters
 * (pcapflow/counters.h). */
#ifndef PCAPFLOW_PACKET_COUNTERS_H
#define PCAPFLOW_PACKET_COUNTERS_H

#include <stdint.h>

#include "packet/decode.h"
#include "pcapflow/counters.h"

/* Adds one decoded packet, travelling in `dir`, whose direction was decided
 * as `locality`. */
void pf_counters_add(struct pf_counters *c, const struct pf_packet *pkt,
                     enum pf_dir dir, enum pf_locality locality);

enum pf_size_bucket pf_size_bucket_of(uint32_t wire_len);

#endif
