/* packet_clock.c - the slow paths of a shard's clock (packet_clock.h): its
 * start, long steps forward and steps back. */
#include "shard/packet_clock.h"

#include <string.h>

/* A timestamp as far as the clock believes it: within +-2^62 us, so that
 * differences of two never overflow. */
static int64_t pf_clamp_ts(int64_t ts) {
  const int64_t lim = (int64_t)PF_CLOCK_MAX_US;
  return ts > lim ? lim : ts < -lim ? -lim : ts;
}

void pf_packet_clock_init(struct pf_packet_clock *c, uint64_t max_step_us) {
  memset(c, 0, sizeof(*c));
  c->max_step_us = max_step_us;
  c->budget_us = PF_CLOCK_UNBOUNDED;
}

void pf_packet_clock_start(struct pf_packet_clock *c, int64_t ts) {
  c->started = true;
  c->ref_us = pf_clamp_ts(ts);
  c->now_us =
      ts >= 0 && (uint64_t)ts <= PF_CLOCK_START_MAX_US ? (uint64_t)ts : 0;
}

/* Moves the clock by up to `step` (the longest wait, the batch's budget
 * and the ceiling bound it); the left reference moves along. */
static void pf_packet_clock_move(struct pf_packet_clock *c, uint64_t step) {
  if (step > c->max_step_us)
    step = c->max_step_us;
  if (step > c->budget_us)
    step = c->budget_us;
  if (step > PF_CLOCK_MAX_US - c->now_us)
    step = PF_CLOCK_MAX_US - c->now_us;
  c->now_us += step;
  c->alt_us = pf_clamp_ts(c->alt_us + (int64_t)step);
  if (c->budget_us != PF_CLOCK_UNBOUNDED)
    c->budget_us -= step;
}

/* A step forward past the short-step fast path, or a step back past the
 * resync limit. */
void pf_packet_clock_jump(struct pf_packet_clock *c, int64_t ts) {
  ts = pf_clamp_ts(ts);
  int64_t d = ts - c->ref_us;
  if (d < 0) {
    /* Back: keep the reference left behind, the later one if two. */
    c->alt_us = c->alt && c->alt_us > c->ref_us ? c->alt_us : c->ref_us;
    c->alt = true;
    c->ref_us = ts;
    c->resyncs++;
    return;
  }
  if (c->alt && ts >= c->alt_us - (int64_t)PF_CLOCK_RESYNC_US) {
    /* Back on the reference a resync left: only the time since counts. */
    d = ts > c->alt_us ? ts - c->alt_us : 0;
    c->alt = false;
  }
  c->ref_us = ts;
  pf_packet_clock_move(c, (uint64_t)d);
}

void pf_packet_clock_advance(struct pf_packet_clock *c, uint64_t to_us) {
  if (!c->started || to_us <= c->now_us)
    return;
  uint64_t before = c->now_us, budget = c->budget_us;
  c->budget_us = PF_CLOCK_UNBOUNDED; /* an idle step is the monotonic clock's */
  pf_packet_clock_move(c, to_us - c->now_us);
  c->budget_us = budget;
  c->ref_us = pf_clamp_ts(c->ref_us + (int64_t)(c->now_us - before));
}
