/* class_latency.h - this interval's TCP latency per traffic class: the
 * handshake (SYN to the client's ACK, the figure duration-tcp_handshake_*
 * reports for the whole source), one log-linear histogram (latency_hist.h)
 * per class, and with ClassTiming the four TCP timing figures
 * (tcp_timing.h), `per` = 4 histograms per class in a second set.
 *
 * Memory is sized by the classes of the rule set, never by the traffic: a
 * worker holds two arrays of struct pf_hist (4,116 bytes each) per class,
 * the one the capture thread fills and the one the reader drains, and the
 * reader one more to merge the workers. Histograms are cleared only where
 * they hold samples, so the pages of classes without handshakes are never
 * written (calloc leaves large arrays unmapped until then).
 *
 * Thread-safety: as struct pf_class_counters, which holds one. The control
 * thread allocates and frees; the capture thread adds samples and, at a
 * reload, carries kept classes over (no allocation); the reader swaps the
 * two arrays under the worker's lock (O(1)) and drains the spare after
 * releasing it. */
#ifndef PCAPFLOW_CLASS_LATENCY_H
#define PCAPFLOW_CLASS_LATENCY_H

#include <stddef.h>
#include <stdint.h>

#include "sketch/latency_hist.h"

struct pf_class_latency {
  struct pf_hist *cur;   /* count x per; the capture thread adds here */
  struct pf_hist *spare; /* count x per; the reader's since its swap */
  uint32_t count;        /* classes; 0: off (no rules, TcpAnalysis false) */
  uint32_t per;          /* histograms a class, class k's from k x per */
};

/* Allocates two zeroed arrays of `count` x `per` histograms. Returns 0, or
 * -1 with err. */
int pf_class_latency_alloc(struct pf_class_latency *l, uint32_t count,
                           uint32_t per, char *err, size_t errlen);

/* Frees both arrays. Safe on a zeroed struct. */
void pf_class_latency_free(struct pf_class_latency *l);

/* One completed handshake of a flow of class k, us microseconds long (a set
 * of one histogram a class). */
static inline void pf_class_latency_add(struct pf_class_latency *l, unsigned k,
                                        uint64_t us) {
  if (k < l->count)
    pf_hist_add(&l->cur[k], us);
}

/* Class k's histograms in the current interval; NULL when off or out of
 * range. */
static inline struct pf_hist *pf_class_latency_of(struct pf_class_latency *l,
                                                  unsigned k) {
  return k < l->count ? &l->cur[(size_t)k * l->per] : NULL;
}

/* Reload, capture thread: adds from's current interval into to's, class i
 * of `from` going to class map[i] of `to` (dropped classes, map[i] < 0,
 * are left behind: the figures are per interval, not cumulative). */
void pf_class_latency_carry(struct pf_class_latency *to,
                            const struct pf_class_latency *from,
                            const int *map);

/* Reader, under the worker's lock: the interval so far becomes the spare,
 * and the capture thread goes on in the spare the reader cleaned. */
static inline void pf_class_latency_swap_locked(struct pf_class_latency *l) {
  struct pf_hist *done = l->cur;
  l->cur = l->spare;
  l->spare = done;
}

/* Clears the histograms of `h` (n of them: classes x per) that hold
 * samples. */
void pf_class_latency_clear(struct pf_hist *h, uint32_t n);

#endif
