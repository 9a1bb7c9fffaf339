/* pipeline.h - the engine's per-packet path, as the fuzz harnesses drive it.
 *
 * The capture thread's callback (pf_capture_packet in src/capture.c) is
 * static, so this mirrors it: decode, decide the direction, count. When the
 * engine grows a stage (the flow table) or exposes its per-packet function,
 * fz_pipeline_packet calls it too and every harness and seed follows. */
#ifndef PCAPFLOW_FUZZ_PIPELINE_H
#define PCAPFLOW_FUZZ_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "pcapflow/counters.h"
#include "pcapflow/decode.h"
#include "pcapflow/localnet.h"

/* What a source owns for its packets; one per fuzz input. */
struct fz_pipeline {
  struct pf_localnet local;
  uint8_t if_mac[6];
  bool if_mac_valid;
  struct pf_counters counters;
  /* The flow table goes here once src/ has one. */
};

/* Sets up the state a live Ethernet source watching the generator's host
 * would have (tests/gen: local networks and the watched MAC), so that
 * every direction rule is reachable. Returns 0, or -1 on out of memory. */
int fz_pipeline_init(struct fz_pipeline *p);
void fz_pipeline_free(struct fz_pipeline *p);

/* One frame through the path; *pkt receives the decoder's view of it. */
void fz_pipeline_packet(struct fz_pipeline *p, int dlt, const uint8_t *frame,
                        uint32_t caplen, uint32_t len, struct pf_packet *pkt);

#endif
