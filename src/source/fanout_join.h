/* fanout_join.h - a worker's socket joins its source's fanout group
 * without taking in a frame the group also hands to another worker. */
#ifndef PCAPFLOW_SOURCE_FANOUT_JOIN_H
#define PCAPFLOW_SOURCE_FANOUT_JOIN_H

#include <pcap/pcap.h>
#include <stddef.h>

#include "pcapflow/source.h"

/* The link-layer protocol a fanout worker's socket is opened with
 * (pcap_set_protocol_linux, before pcap_activate): the largest 802.3
 * length, which is no EtherType, and which Linux gives no frame it
 * receives (an Ethernet frame with a length field gets ETH_P_802_3 or
 * ETH_P_802_2). Bound to it, the socket takes in nothing until
 * pf_fanout_join binds it to every protocol, with the drop-all program on. */
#define PF_FANOUT_IDLE_PROTOCOL 0x05ff

/* Joins `group` (PACKET_FANOUT_CBPF, fanout_hash.h's program) with the socket
 * of p, a handle activated with PF_FANOUT_IDLE_PROTOCOL whose program
 * libpcap has installed: the drop-all program in its place, the socket
 * bound to every protocol, the join, the program put back in one step,
 * then the group's program, keyed by `key`, set. Returns 0, or -1 with err. */
int pf_fanout_join(pcap_t *p, const struct pf_source_config *cfg, int group,
                   uint32_t key, char *err, size_t errlen);

#endif
