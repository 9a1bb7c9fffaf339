/* packet_clock.h - a shard's clock: packet time made monotonic and
 * bounded, for expiry and timeouts only (docs/RELIABILITY.md, "Time").
 *
 * Packet timestamps are the packets' own: a capture merged from several
 * interfaces, a multi-queue NIC or a stepped system clock makes them go
 * back, and a damaged record can be years ahead or at 0xFFFFFFFF seconds
 * (which libpcap reads as -1). Measurements taken between two packets
 * (handshake latency) use the packets' own timestamps; what decides when a
 * flow or a SYN has waited long enough uses this clock, which follows the
 * packets by these rules:
 *
 * - It moves forward by each packet's step past the highest timestamp seen
 *   so far (the reference), so packets reordered by less than
 *   PF_CLOCK_RESYNC_US neither move it nor make it run fast.
 * - A step forward moves it by at most `max_step_us`: one step past every
 *   timeout already expires everything it can, so a larger one changes
 *   nothing but the risk of overflow. A live source also bounds the steps
 *   of a batch by the monotonic time that passed (a clock stepped forward
 *   does not expire every flow at once).
 * - A timestamp more than PF_CLOCK_RESYNC_US behind the reference becomes
 *   the reference (a clock stepped back, a record ahead of the others
 *   followed by the rest): the clock holds and goes on from there, instead
 *   of waiting for the packets to catch up with a bogus record. The
 *   reference it left is kept, moving with the clock, so that timestamps
 *   coming back to it (one record stamped in the past, two interleaved
 *   captures of different clocks) move the clock only by the time that
 *   passed, not by the distance between the two.
 * - It never exceeds PF_CLOCK_MAX_US, so adding any timeout cannot
 *   overflow.
 *
 * Thread-safety: part of a shard, owned by its capture thread. */
#ifndef PCAPFLOW_SHARD_PACKET_CLOCK_H
#define PCAPFLOW_SHARD_PACKET_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

/* How far back a timestamp may lie behind the highest one before it is
 * taken as the new reference (reordering is far shorter). */
#define PF_CLOCK_RESYNC_US 1000000ull
/* The clock's ceiling: 2^62 us, some 146,000 years of steps. */
#define PF_CLOCK_MAX_US (1ull << 62)
/* A first timestamp is taken as the start when it is at most this (year
 * 2112 as microseconds since 1970); else the clock starts at 0. */
#define PF_CLOCK_START_MAX_US (1ull << 52)
#define PF_CLOCK_UNBOUNDED UINT64_MAX

struct pf_packet_clock {
  uint64_t now_us; /* the clock */
  int64_t ref_us;  /* highest timestamp since the last resync */
  /* The fast path moves the clock only below this: 1 + the lesser of the
   * batch's budget's end and PF_CLOCK_MAX_US; 0 before the clock starts.
   * One compare for the budget, the ceiling and the start alike. */
  uint64_t stop_us;
  /* The reference left by a resync, less ref_us: both move with the
   * clock, so a short step leaves this alone; valid when `alt`. */
  int64_t alt_off_us;
  uint64_t max_step_us; /* the most one step moves it */
  uint64_t budget_us;   /* the budget last set (live sources): what
                           stop_us starts from when the clock starts */
  uint64_t resyncs;     /* timestamps taken as the new reference */
  bool started, alt;
};

/* A clock whose steps are bounded by max_step_us (the longest timeout plus
 * a second). Starts at the first timestamp it sees. */
void pf_packet_clock_init(struct pf_packet_clock *c, uint64_t max_step_us);

/* Follows one packet's timestamp (microseconds since 1970 as a two's
 * complement 64-bit value: (uint64_t)tv_sec * 1000000 + tv_usec, so a
 * negative tv_sec is a time before 1970). Returns the clock. */
static inline uint64_t pf_packet_clock_step(struct pf_packet_clock *c,
                                            uint64_t ts_us);

/* Moves the clock on to `to_us` without a packet (an idle live link): the
 * reference moves by as much, so the next packet's timestamp, which has
 * moved on too, is not counted twice. */
void pf_packet_clock_advance(struct pf_packet_clock *c, uint64_t to_us);

/* Live sources, at a batch's start: its packets may move the clock by at
 * most `budget_us` in all (PF_CLOCK_UNBOUNDED: no bound, for files). */
void pf_packet_clock_budget(struct pf_packet_clock *c, uint64_t budget_us);

/* ---- inline ---- */

/* Everything but a short step forward within the budget: the start, a
 * long step either way, a short one past the budget. */
void pf_packet_clock_slow(struct pf_packet_clock *c, int64_t ts);

static inline uint64_t pf_packet_clock_step(struct pf_packet_clock *c,
                                            uint64_t ts_us) {
  /* The difference wraps (unsigned) rather than overflows; in the ranges
   * taken here it has the true value: a step of 0 to RESYNC forward, or
   * less than RESYNC back. Anything else goes to the slow path, which
   * clamps first. A short step forward moves the clock, the reference and
   * the reference left behind (alt_off_us) alike. */
  uint64_t d = ts_us - (uint64_t)c->ref_us;
  if (__builtin_expect(d <= PF_CLOCK_RESYNC_US && c->now_us + d < c->stop_us,
                       1)) {
    c->now_us += d;
    c->ref_us = (int64_t)ts_us;
  } else if (d < (uint64_t)0 - PF_CLOCK_RESYNC_US || !c->started) {
    pf_packet_clock_slow(c, (int64_t)ts_us);
  }
  return c->now_us;
}

#endif
