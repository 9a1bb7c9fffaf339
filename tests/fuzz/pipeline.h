/* pipeline.h - the engine's per-packet path, as the fuzz harnesses drive it.
 *
 * The capture thread's callback (pf_capture_packet in src/source/capture.c) is
 * static, so this mirrors it: decode, decide the direction, then the
 * shard's pipeline (counters, traffic classes, flow table, TCP analysis,
 * top-N sketches, distinct counts). The shard's table is small, so eviction
 * and expiry run all the time.
 *
 * Traffic classes: every frame is classified by a fixed rule set built in
 * here (every match key), and after the FZ_RELOAD_AT-th frame a second set
 * takes over the way a reload does (prepared, applied at a batch boundary,
 * the old one freed). The second set keeps every class of the first, in
 * another order, and adds one, so the classes still add up to the totals
 * after it. The reader's swap of the per-class handshake latency runs with
 * the interval's. */
#ifndef PCAPFLOW_FUZZ_PIPELINE_H
#define PCAPFLOW_FUZZ_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "pcapflow/counters.h"
#include "packet/decode.h"
#include "pcapflow/localnet.h"
#include "shard/shard.h"

/* What a source owns for its packets; one per fuzz input. */
struct fz_pipeline {
  struct pf_localnet local;
  uint8_t if_mac[6];
  bool if_mac_valid;
  struct pf_shard shard; /* shard.counters: what the checks add up */
  struct pf_interval report;
  uint64_t packets;
  uint64_t class_samples; /* per-class handshake samples the reader drained */
};

#define FZ_RELOAD_AT 5

/* Sets up the state a live Ethernet source watching the generator's host
 * would have (tests/gen: local networks and the watched MAC), so that
 * every direction rule is reachable. Returns 0, or -1 on out of memory. */
int fz_pipeline_init(struct fz_pipeline *p);

/* Per-class handshake samples not yet drained by the reader. */
uint64_t fz_pipeline_class_samples_pending(const struct fz_pipeline *p);
void fz_pipeline_free(struct fz_pipeline *p);

/* One frame through the path; *pkt receives the decoder's view of it.
 * Packet time advances 7 s a frame, so flows time out within an input. */
/* The end of the input: the last batch ends and the reader takes
 * everything counted into p->report (a file read to its end). */
void fz_pipeline_finish(struct fz_pipeline *p);

void fz_pipeline_packet(struct fz_pipeline *p, int dlt, const uint8_t *frame,
                        uint32_t caplen, uint32_t len, struct pf_packet *pkt);

#endif
