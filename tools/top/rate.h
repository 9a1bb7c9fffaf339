/* rate.h - what pcapflow-top makes of one series' successive readings, and
 * of a source's update times. collectd's value cache answers GETVAL for a
 * counter (DERIVE) with its rate per second over the last interval, NaN
 * until it has two values; the view adds rate x step up into totals since
 * it started, and says so when a step was longer than an interval (the
 * rate covers the last interval only) or had no rate (collectd restarted,
 * or the counter went back). Pure: unit-tested without a collectd. */
#ifndef PCAPFLOW_TOP_RATE_H
#define PCAPFLOW_TOP_RATE_H

#include <stdbool.h>

#include "reply.h"

struct pft_acc {
  double time; /* collectd's time of the latest value; 0: none yet */
  /* The latest reading: a rate per second for counters (NaN: none known),
   * else the value itself. */
  double value[PFT_MAX_VALUES];
  /* Counters: the sum of rate x step over the steps seen since the view
   * first read the series. */
  double total[PFT_MAX_VALUES];
  unsigned n;       /* values */
  unsigned steps;   /* steps added into total */
  unsigned missed;  /* steps longer than an interval: updates not seen */
  unsigned unknown; /* steps without a rate */
};

/* A new reading at collectd's time `time`. interval is the source's (0:
 * not known yet). A reading at the same time as the last is no news; an
 * earlier one (collectd's clock went back) starts the series afresh,
 * keeping its totals. */
void pft_acc_update(struct pft_acc *a, double time, const double *v, unsigned n,
                    bool counter, double interval);
/* Whether total[] holds anything yet. */
bool pft_acc_has_total(const struct pft_acc *a);

/* The plugin stamps one time for all the series of a read; earlier builds
 * left it to collectd, which stamps each value as it is dispatched, so
 * one update's series differed by milliseconds, by tens of them on a loaded
 * host, while updates are an interval apart. Times closer than half the
 * interval (this, while it is not known) are of one update: right for both. */
#define PFT_CLOCK_SAME 0.5

/* A source's update times: its interval is the mean of the last few steps
 * that skipped no update (a step the view missed is longer; collectd's own
 * interval may change across a restart). */
#define PFT_CLOCK_STEPS 8
struct pft_clock {
  double time; /* the newest update; 0: none */
  double steps[PFT_CLOCK_STEPS];
  unsigned n_steps, next;
};
/* Returns true when t is a new update (later than the last). */
bool pft_clock_advance(struct pft_clock *c, double t);
double pft_clock_interval(const struct pft_clock *c);
/* How close two times of one update of the source are (above). */
double pft_clock_tol(const struct pft_clock *c);

#endif
