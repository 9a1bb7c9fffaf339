/* rate.c - successive readings into rates and totals, update times into an
 * interval (rate.h). */
#include <math.h>
#include <string.h>

#include "rate.h"

/* A step longer than this many intervals skipped an update of collectd. */
#define PFT_MISSED_FACTOR 1.5

static void pft_acc_first(struct pft_acc *a, double time, const double *v,
                          unsigned n, bool counter) {
  a->time = time;
  a->n = n;
  for (unsigned i = 0; i < n; i++)
    a->value[i] = counter && !(v[i] >= 0) ? NAN : v[i];
}

/* The rate of a counter covers collectd's last interval only: a longer
 * step adds that much and counts as missed. NaN or a negative rate (a
 * counter that went back) adds nothing. */
static void pft_acc_add(struct pft_acc *a, double step, const double *v,
                        unsigned n, double interval) {
  double span = step;
  if (interval > 0 && step > PFT_MISSED_FACTOR * interval) {
    span = interval;
    a->missed++;
  }
  for (unsigned i = 0; i < n; i++)
    if (!(v[i] >= 0)) {
      a->unknown++;
      return;
    }
  for (unsigned i = 0; i < n; i++)
    a->total[i] += v[i] * span;
  a->steps++;
}

void pft_acc_update(struct pft_acc *a, double time, const double *v, unsigned n,
                    bool counter, double interval) {
  if (n > PFT_MAX_VALUES)
    n = PFT_MAX_VALUES;
  if (a->time == 0 || time < a->time || n != a->n) {
    pft_acc_first(a, time, v, n, counter);
    return;
  }
  if (time == a->time)
    return;
  if (counter)
    pft_acc_add(a, time - a->time, v, n, interval);
  pft_acc_first(a, time, v, n, counter);
}

bool pft_acc_has_total(const struct pft_acc *a) { return a->steps > 0; }

bool pft_clock_advance(struct pft_clock *c, double t) {
  if (!(t > c->time))
    return false;
  if (c->time > 0 && t - c->time < pft_clock_tol(c)) {
    c->time = t; /* the rest of an update read half-way */
    return false;
  }
  if (c->time > 0) {
    c->steps[c->next] = t - c->time;
    c->next = (c->next + 1) % PFT_CLOCK_STEPS;
    if (c->n_steps < PFT_CLOCK_STEPS)
      c->n_steps++;
  }
  c->time = t;
  return true;
}

/* The mean of the recent steps that skipped no update (the shortest, and
 * those up to 1.5 times as long): collectd's dispatch times jitter by
 * milliseconds around its Interval. */
double pft_clock_interval(const struct pft_clock *c) {
  double best = 0, sum = 0;
  unsigned n = 0;
  for (unsigned i = 0; i < c->n_steps; i++)
    if (best == 0 || c->steps[i] < best)
      best = c->steps[i];
  for (unsigned i = 0; i < c->n_steps; i++)
    if (c->steps[i] <= PFT_MISSED_FACTOR * best) {
      sum += c->steps[i];
      n++;
    }
  return n > 0 ? sum / n : 0;
}

double pft_clock_tol(const struct pft_clock *c) {
  double interval = pft_clock_interval(c);
  return interval > 0 ? interval / 2 : PFT_CLOCK_SAME;
}
