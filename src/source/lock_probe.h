/* lock_probe.h - a bench-only probe on a worker's spinlock: how long the
 * capture thread waits for it, how long it holds it per batch, and how long
 * the reader holds it per snapshot (bench/bench_lock.c,
 * docs/PERFORMANCE_HISTORY.md, "The spinlock").
 *
 * Compiled in only with -DPF_LOCK_PROBE (the bench's own build of the
 * engine); otherwise the macros below are the plain lock calls, so the
 * plugin pays nothing. With the probe, the capture thread tries the lock
 * first and reads the clock around the wait only when it is contended, and
 * once more per batch for the hold time: per batch, never per packet. */
#ifndef PCAPFLOW_LOCK_PROBE_H
#define PCAPFLOW_LOCK_PROBE_H

#include <pthread.h>

#include "source/worker_lock.h"

#ifdef PF_LOCK_PROBE

#include <stdint.h>
#include <time.h>

/* Samples kept per series; later ones are counted but not kept. */
#define PF_PROBE_SAMPLES 65536

struct pf_probe_series {
  uint64_t count; /* events, kept or not */
  uint32_t ns[PF_PROBE_SAMPLES];
};

struct pf_lock_probe {
  /* Capture thread's own. */
  uint64_t batches;             /* batch locks taken */
  struct pf_probe_series wait;  /* contended batch locks: the wait */
  struct pf_probe_series batch; /* lock taken to released, per batch */
  uint64_t batch_start_ns;
  /* Reader's own. */
  struct pf_probe_series read_wait; /* snapshot: waiting for the lock */
  struct pf_probe_series read;      /* snapshot: lock taken to released */
  uint64_t read_start_ns;
};

static inline uint64_t pf_probe_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline void pf_probe_add(struct pf_probe_series *s, uint64_t ns) {
  if (s->count < PF_PROBE_SAMPLES)
    s->ns[s->count] = ns > UINT32_MAX ? UINT32_MAX : (uint32_t)ns;
  s->count++;
}

static inline void pf_probe_batch_lock(struct pf_lock_probe *p,
                                       pthread_spinlock_t *lock,
                                       atomic_uint *readers) {
  p->batches++;
  if (atomic_load_explicit(readers, memory_order_relaxed) != 0 ||
      pthread_spin_trylock(lock) != 0) {
    uint64_t t0 = pf_probe_ns();
    pf_capture_lock(lock, readers);
    p->batch_start_ns = pf_probe_ns();
    pf_probe_add(&p->wait, p->batch_start_ns - t0);
    return;
  }
  p->batch_start_ns = pf_probe_ns();
}

static inline void pf_probe_batch_unlock(struct pf_lock_probe *p,
                                         pthread_spinlock_t *lock) {
  pf_probe_add(&p->batch, pf_probe_ns() - p->batch_start_ns);
  pthread_spin_unlock(lock);
}

static inline void pf_probe_read_lock(struct pf_lock_probe *p,
                                      pthread_spinlock_t *lock,
                                      atomic_uint *readers) {
  uint64_t t0 = pf_probe_ns();
  pf_reader_lock(lock, readers);
  p->read_start_ns = pf_probe_ns();
  pf_probe_add(&p->read_wait, p->read_start_ns - t0);
}

static inline void pf_probe_read_unlock(struct pf_lock_probe *p,
                                        pthread_spinlock_t *lock) {
  pf_probe_add(&p->read, pf_probe_ns() - p->read_start_ns);
  pthread_spin_unlock(lock);
}

#define PF_BATCH_LOCK(w)                                                       \
  pf_probe_batch_lock((w)->probe, &(w)->lock, &(w)->readers)
#define PF_BATCH_UNLOCK(w) pf_probe_batch_unlock((w)->probe, &(w)->lock)
#define PF_READ_LOCK(w)                                                        \
  pf_probe_read_lock((w)->probe, &(w)->lock, &(w)->readers)
#define PF_READ_UNLOCK(w) pf_probe_read_unlock((w)->probe, &(w)->lock)

struct pf_source;
/* The probe of a source's worker; read it after pf_source_stop. */
const struct pf_lock_probe *pf_source_lock_probe(const struct pf_source *src,
                                                 unsigned worker);

#else

#define PF_BATCH_LOCK(w) pf_capture_lock(&(w)->lock, &(w)->readers)
#define PF_BATCH_UNLOCK(w) pthread_spin_unlock(&(w)->lock)
#define PF_READ_LOCK(w) pf_reader_lock(&(w)->lock, &(w)->readers)
#define PF_READ_UNLOCK(w) pthread_spin_unlock(&(w)->lock)

#endif

#endif
