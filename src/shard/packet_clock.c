/* packet_clock.c - the slow paths of a shard's clock (packet_clock.h): its
 * start, long steps forward and steps back, the batch's budget. */
#include "shard/packet_clock.h"

#include <string.h>

/* A timestamp as far as the clock believes it: within +-(2^62 - 1) us, so
 * that the difference of two fits an int64_t (2^62 - -2^62 is 2^63, one
 * past it: a stamp at one end after one at the other wrapped into a step
 * back). */
static int64_t pf_clamp_ts(int64_t ts) {
  const int64_t lim = (int64_t)PF_CLOCK_MAX_US - 1;
  return ts > lim ? lim : ts < -lim ? -lim : ts;
}

/* The reference left behind, from its offset, and back: in two's
 * complement, so that a meaningless offset (no `alt`) never overflows. */
static int64_t pf_alt_us(const struct pf_packet_clock *c) {
  return (int64_t)((uint64_t)c->ref_us + (uint64_t)c->alt_off_us);
}

static void pf_set_alt(struct pf_packet_clock *c, int64_t alt_us) {
  c->alt_off_us = (int64_t)((uint64_t)alt_us - (uint64_t)c->ref_us);
}

/* The fast path's bound from the clock and a budget from now on. */
static void pf_packet_clock_stop(struct pf_packet_clock *c, uint64_t budget) {
  uint64_t room = PF_CLOCK_MAX_US - c->now_us;
  c->stop_us = c->now_us + (budget < room ? budget : room) + 1;
}

void pf_packet_clock_init(struct pf_packet_clock *c, uint64_t max_step_us) {
  memset(c, 0, sizeof(*c));
  c->max_step_us = max_step_us;
  c->budget_us = PF_CLOCK_UNBOUNDED;
}

void pf_packet_clock_budget(struct pf_packet_clock *c, uint64_t budget_us) {
  c->budget_us = budget_us;
  if (c->started)
    pf_packet_clock_stop(c, budget_us);
}

static void pf_packet_clock_start(struct pf_packet_clock *c, int64_t ts) {
  c->started = true;
  c->ref_us = pf_clamp_ts(ts);
  c->now_us =
      ts >= 0 && (uint64_t)ts <= PF_CLOCK_START_MAX_US ? (uint64_t)ts : 0;
  pf_packet_clock_stop(c, c->budget_us);
}

/* Moves the clock by up to `step` (the longest wait, the batch's budget
 * and the ceiling bound it, the last two as stop_us); the left reference
 * moves along. */
static void pf_packet_clock_move(struct pf_packet_clock *c, uint64_t step) {
  if (step > c->max_step_us)
    step = c->max_step_us;
  if (step > c->stop_us - 1 - c->now_us)
    step = c->stop_us - 1 - c->now_us;
  c->now_us += step;
  pf_set_alt(c, pf_clamp_ts((int64_t)((uint64_t)pf_alt_us(c) + step)));
}

/* A step forward past the short-step fast path, or a step back past the
 * resync limit. */
static void pf_packet_clock_jump(struct pf_packet_clock *c, int64_t ts) {
  ts = pf_clamp_ts(ts);
  int64_t d = ts - c->ref_us, alt_us = pf_alt_us(c);
  if (d < 0) {
    /* Back: keep the reference left behind, the later one if two. */
    alt_us = c->alt && alt_us > c->ref_us ? alt_us : c->ref_us;
    c->alt = true;
    c->ref_us = ts;
    pf_set_alt(c, alt_us);
    c->resyncs++;
    return;
  }
  if (c->alt && ts >= alt_us - (int64_t)PF_CLOCK_RESYNC_US) {
    /* Back on the reference a resync left: only the time since counts. */
    d = ts > alt_us ? ts - alt_us : 0;
    c->alt = false;
  }
  c->ref_us = ts;
  pf_set_alt(c, alt_us);
  pf_packet_clock_move(c, (uint64_t)d);
}

void pf_packet_clock_slow(struct pf_packet_clock *c, int64_t ts) {
  if (!c->started)
    pf_packet_clock_start(c, ts);
  else
    pf_packet_clock_jump(c, ts);
}

/* An idle step is the monotonic clock's: the batch's budget neither bounds
 * it nor is spent by it. */
void pf_packet_clock_advance(struct pf_packet_clock *c, uint64_t to_us) {
  if (!c->started || to_us <= c->now_us)
    return;
  uint64_t before = c->now_us, left = c->stop_us - 1 - c->now_us;
  pf_packet_clock_stop(c, PF_CLOCK_UNBOUNDED);
  pf_packet_clock_move(c, to_us - c->now_us);
  pf_packet_clock_stop(c, left);
  int64_t alt_us = pf_alt_us(c);
  c->ref_us = pf_clamp_ts(c->ref_us + (int64_t)(c->now_us - before));
  pf_set_alt(c, alt_us);
}
