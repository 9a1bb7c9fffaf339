/* clock.h - the monotonic clock: what the engine times waits, retries and
 * alarm windows with (packet time is the packets' own), so that a wall
 * clock stepped by NTP or an operator stretches or cuts none of them. */
#ifndef PCAPFLOW_BASE_CLOCK_H
#define PCAPFLOW_BASE_CLOCK_H

#include <pthread.h>
#include <time.h>

static inline double pf_mono_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A condition variable whose timed waits run on the monotonic clock
 * (pthread_cond_timedwait's default is the wall clock). 0 or an errno. */
static inline int pf_cond_init_monotonic(pthread_cond_t *cond) {
  pthread_condattr_t attr;
  int rc = pthread_condattr_init(&attr);
  if (rc != 0)
    return rc;
  rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  if (rc == 0)
    rc = pthread_cond_init(cond, &attr);
  pthread_condattr_destroy(&attr);
  return rc;
}

/* The monotonic time `ms` from now, for such a condition variable. */
static inline struct timespec pf_mono_deadline(unsigned ms) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  ts.tv_sec += ms / 1000;
  ts.tv_nsec += (long)(ms % 1000) * 1000000L;
  if (ts.tv_nsec >= 1000000000L) {
    ts.tv_sec++;
    ts.tv_nsec -= 1000000000L;
  }
  return ts;
}

#endif
