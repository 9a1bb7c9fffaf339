/* port_latency.c - TCP timing histograms per top service port: allocation
 * on the control side and the reader's swap, which installs the next list
 * of ports with the clean arrays (port_latency.h). */
#include "shard/port_latency.h"

#include "base/check.h"
#include "base/err.h"

#include <stdlib.h>
#include <string.h>

int pf_port_latency_alloc(struct pf_port_latency *p, uint32_t ports, char *err,
                          size_t errlen) {
  memset(p, 0, sizeof(*p));
  if (ports == 0)
    return 0;
  if (ports > PF_MAX_TOP_N)
    ports = PF_MAX_TOP_N;
  size_t n = (size_t)(ports + 1) * PF_TCP_TIMING_COUNT;
  p->cur = calloc(n, sizeof(*p->cur));
  p->spare = calloc(n, sizeof(*p->spare));
  if (!p->cur || !p->spare) {
    pf_port_latency_free(p);
    return pf_err(err, errlen,
                  "out of memory for the TCP timing of %u ports (%zu KiB)",
                  ports, (2 * n * sizeof(struct pf_hist)) >> 10);
  }
  p->slots = ports + 1;
  return 0;
}

void pf_port_latency_free(struct pf_port_latency *p) {
  free(p->cur);
  free(p->spare);
  memset(p, 0, sizeof(*p));
}

void pf_port_latency_swap_locked(struct pf_port_latency *p,
                                 const uint16_t *ports, uint32_t n) {
  struct pf_hist *done = p->cur;
  p->cur = p->spare;
  p->spare = done;
  if (!p->slots)
    return;
  if (n > p->slots - 1)
    n = p->slots - 1;
  for (uint32_t i = 1; i < n; i++)
    PF_ASSERT(ports[i - 1] < ports[i]);
  if (n > 0) /* ports may be NULL then */
    memcpy(p->port, ports, n * sizeof(*ports));
  p->n = n;
}
