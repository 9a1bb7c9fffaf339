/* epoch.h - what a packet adds to its flow for the interval's sketches,
 * inline on the per-packet path (epoch.c has the rest).
 *
 * A flow's bytes of the current interval sit in the flow itself (its
 * iv_bytes, by side), with marks in pf_flow.iv: the epoch tag (which feed
 * slot the bytes belong to, 0: none), which sides sent, which sent packets
 * with ports, and whether a side's bytes were sent (tx). When the interval
 * closes, the flows of the pool entries handed out during it and those it
 * listed at their first packet in it (feed_list.h) are fed to the
 * sketches, each once; when a list was full, a sweep of the flow pools
 * finds them by their tag. */
#ifndef PCAPFLOW_SHARD_EPOCH_H
#define PCAPFLOW_SHARD_EPOCH_H

#include "base/check.h"
#include "shard/shard.h"

#define PF_IV_GEN 0x03
#define PF_IV_SENT(side) (0x04u << (side))
#define PF_IV_PORTS(side) (0x10u << (side))
#define PF_IV_TX(side) (0x40u << (side))

/* The flow's first packet of the current interval: it is tagged with it
 * (bytes of the closing interval it still holds are fed first). */
void pf_epoch_enter(struct pf_shard *s, struct pf_flow *f, uint32_t ref);
/* A side's bytes would pass 2^32: the flow is fed now and enters again. */
void pf_epoch_overflow(struct pf_shard *s, struct pf_flow *f, uint32_t ref);

/* The current slot's tag: slot i tags its flows i + 1 (pf_epoch_init),
 * worked out rather than read through the slot, a multiply away. */
static inline uint8_t pf_epoch_gen(const struct pf_shard *s) {
  PF_ASSERT(s->feed[s->fcur].gen == s->fcur + 1);
  return (uint8_t)(s->fcur + 1);
}

/* `gen`: pf_epoch_gen(s), which a caller may read once for many packets
 * (it changes only when the interval swaps). */
static inline void pf_epoch_touch(struct pf_shard *s, uint8_t gen,
                                  struct pf_flow *f, uint32_t ref,
                                  uint8_t side, uint8_t dir, uint32_t len,
                                  unsigned ports) {
  PF_ASSERT(gen == pf_epoch_gen(s));
  if ((f->iv & PF_IV_GEN) != gen)
    pf_epoch_enter(s, f, ref);
  uint32_t b = f->iv_bytes[side];
  if (__builtin_expect(b + len < b, 0)) {
    pf_epoch_overflow(s, f, ref);
    b = 0;
  }
  f->iv_bytes[side] = b + len;
  /* Side 0's marks, shifted once to the sender's side; the tx bit
   * shifted into place rather than selected (dir is 0 or 1), the ports
   * mark given as it is (PF_IV_PORTS(0) or 0). */
  PF_STATIC_ASSERT(PF_DIR_RX == 0 && PF_DIR_TX == 1, "dir is the tx bit");
  PF_ASSERT(dir <= PF_DIR_TX && (ports == 0 || ports == PF_IV_PORTS(0)));
  unsigned marks = PF_IV_SENT(0) | ports | (unsigned)dir * PF_IV_TX(0);
  f->iv |= (uint8_t)(marks << side);
}

/* The flow table's `ended` hook: a flow's bytes reach the sketches before
 * its entry goes. */
void pf_epoch_flow_ended(void *ctx, struct pf_flow *f, uint32_t ref);

/* Capture thread, at a batch's end: feeds up to `budget` flows of the
 * closing interval; the last ones finish it. */
void pf_epoch_close_step(struct pf_shard *s, uint32_t budget);

/* The two slots' tags, and their lists of up to max_flows flows
 * reserved (feed_list.h). Returns 0, or -1 with err. */
int pf_epoch_init(struct pf_shard *s, uint32_t max_flows, char *err,
                  size_t errlen);
void pf_epoch_free(struct pf_shard *s);

#endif
