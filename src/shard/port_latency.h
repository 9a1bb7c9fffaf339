/* port_latency.h - this interval's TCP timing per top service port
 * (PortTiming, docs/SERVICES.md "Where the percentiles go"): one set of
 * timing histograms (latency_hist.h) for each TCP port of the list the
 * reader handed over at its last read (the top services it reported then),
 * and one for every other port.
 *
 * A port is a slot only while it is listed: a port that enters the top
 * list gets its own figures from the interval after the read that named
 * it, and one that leaves goes back to `other`. So memory is fixed by
 * TopN, never by the traffic: two arrays of (TopN + 1) x
 * PF_TCP_TIMING_COUNT histograms of 4,116 bytes (cleared only where they
 * hold samples, so the pages of unused slots stay unmapped).
 *
 * Thread-safety: as struct pf_class_latency. The control thread allocates
 * and frees; the capture thread adds samples; the reader, under the
 * worker's lock, swaps the arrays and installs the next list (O(TopN)),
 * and drains the spare after releasing it. */
#ifndef PCAPFLOW_PORT_LATENCY_H
#define PCAPFLOW_PORT_LATENCY_H

#include <stddef.h>
#include <stdint.h>

#include "flow/flow.h"
#include "pcapflow/source.h"
#include "sketch/latency_hist.h"

struct pf_port_latency {
  struct pf_hist *cur;   /* slots x PF_TCP_TIMING_COUNT; capture thread's */
  struct pf_hist *spare; /* the same; the reader's since its swap */
  uint32_t slots;        /* listed ports' and other's; 0: off */
  uint32_t n;            /* ports listed now: slots 0 .. n-1 */
  uint16_t port[PF_MAX_TOP_N]; /* ascending; `other` is slot slots - 1 */
};

/* Allocates two zeroed arrays for at most `ports` listed ports and other
 * (ports 0: off, nothing allocated). Returns 0, or -1 with err. */
int pf_port_latency_alloc(struct pf_port_latency *p, uint32_t ports, char *err,
                          size_t errlen);

/* Frees both arrays. Safe on a zeroed struct. */
void pf_port_latency_free(struct pf_port_latency *p);

/* The slot of service port `port` in the ascending list: its index, or
 * slots - 1 (other). A branch-free binary search of at most 7 steps. */
static inline uint32_t pf_port_latency_slot(const struct pf_port_latency *p,
                                            uint16_t port) {
  const uint16_t *base = p->port;
  uint32_t len = p->n;
  if (len == 0)
    return p->slots - 1;
  while (len > 1) {
    uint32_t half = len / 2;
    base = base[half] <= port ? base + half : base;
    len -= half;
  }
  return *base == port ? (uint32_t)(base - p->port) : p->slots - 1;
}

/* Flow f's histograms in the current interval, by enum pf_tcp_latency
 * from PF_TCP_TIMING_FIRST; NULL when off. */
static inline struct pf_hist *
pf_port_latency_of(const struct pf_port_latency *p, const struct pf_flow *f) {
  if (!p->slots)
    return NULL;
  uint32_t slot = pf_port_latency_slot(p, pf_flow_service_port(f));
  return &p->cur[(size_t)slot * PF_TCP_TIMING_COUNT];
}

/* Reader, under the worker's lock: the interval so far becomes the spare
 * (its slots named by the list installed before), the capture thread goes
 * on in the spare the reader cleaned, with the next list: n ascending
 * ports (at most slots - 1 are kept). */
void pf_port_latency_swap_locked(struct pf_port_latency *p,
                                 const uint16_t *ports, uint32_t n);

#endif
