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

/* The size bucket of a wire length. Between 65 and 1023 bytes the buckets
 * are powers of two, so the highest bit set picks one with no chain of
 * compares (inline: it is on every packet's path). */
static inline enum pf_size_bucket pf_size_bucket_of(uint32_t wire_len) {
  _Static_assert(PF_SIZE_65_127 == 1 && PF_SIZE_512_1023 == 4,
                 "buckets 1-4 are 2^6 to 2^10");
  if (wire_len <= 64)
    return PF_SIZE_0_64;
  if (wire_len >= 1024)
    return wire_len <= 1518 ? PF_SIZE_1024_1518 : PF_SIZE_1519_MAX;
  return (enum pf_size_bucket)(31 - __builtin_clz(wire_len) - 5);
}

#endif
