/* clock.h - the monotonic clock, in seconds: what the engine times waits,
 * retries and alarm windows with (packet time is the packets' own). */
#ifndef PCAPFLOW_BASE_CLOCK_H
#define PCAPFLOW_BASE_CLOCK_H

#include <time.h>

static inline double pf_mono_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
