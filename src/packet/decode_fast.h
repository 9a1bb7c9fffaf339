/* decode_fast.h - the common frame decoded ahead of the general path
 * (decode_fast.c); internal to the packet module. */
#ifndef PCAPFLOW_PACKET_DECODE_FAST_H
#define PCAPFLOW_PACKET_DECODE_FAST_H

#include <stdbool.h>
#include <stdint.h>

#include "packet/decode.h"

/* Decodes an Ethernet frame into *pkt when it is the common kind
 * (decode_fast.c) and returns true; returns false, *pkt undefined, for
 * every other frame, which the general path then decodes. */
bool pf_decode_fast(const uint8_t *frame, uint32_t caplen, uint32_t len,
                    struct pf_packet *pkt);

#endif
