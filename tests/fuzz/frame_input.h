/* frame_input.h - the layout of fuzz_frames inputs, shared by the harness
 * and the seed writer (seed_frames.c).
 *
 *   byte 0        link type: an index into fz_link_types (modulo its size)
 *   then records  caplen (2 bytes, big-endian), len (3 bytes, big-endian),
 *                 then caplen bytes of frame
 *
 * A record whose caplen runs past the input takes what is left. len is the
 * wire length libpcap would report: larger than caplen for a frame cut by
 * the snapshot length, and free to be smaller, as in a crafted file. */
#ifndef PCAPFLOW_FUZZ_FRAME_INPUT_H
#define PCAPFLOW_FUZZ_FRAME_INPUT_H

#include <pcap/dlt.h>

#define FZ_RECORD_HEADER 5
#define FZ_MAX_RECORDS 256

/* Every link type the decoder supports (pf_dlt_supported). */
static const int fz_link_types[] = {
    DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW,
    DLT_IPV4,   DLT_IPV6,      DLT_NULL,       DLT_LOOP,
};
#define FZ_LINK_TYPES (sizeof(fz_link_types) / sizeof(fz_link_types[0]))

#endif
