/* direction.h - deciding whether a packet was received or transmitted. */
#ifndef PCAPFLOW_DIRECTION_H
#define PCAPFLOW_DIRECTION_H

#include <stdint.h>

#include "packet/decode.h"
#include "pcapflow/counters.h"
#include "pcapflow/localnet.h"

/* Decides the direction of a decoded packet (docs/DECODING.md,
 * "Direction"): by which endpoint is local, else by the kernel's direction,
 * else rx. `if_mac` is the capturing interface's MAC (6 bytes) for live
 * Ethernet captures, NULL otherwise. Stores how it decided in *locality. */
enum pf_dir pf_direction(const struct pf_localnet *local, const uint8_t *if_mac,
                         const struct pf_packet *pkt,
                         enum pf_locality *locality);

#endif
