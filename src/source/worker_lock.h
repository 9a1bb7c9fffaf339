/* worker_lock.h - how a worker's spinlock passes between its capture thread
 * and the reader.
 *
 * A plain spinlock is unfair to the reader: a capture thread at full rate
 * retakes it within a microsecond of releasing it, while the reader spins
 * on another core; bench-lock measured a reader kept waiting 2.75 s, which
 * holds up collectd's read callback. So the reader announces itself before
 * it spins, and the capture thread, at the start of its next batch, lets it
 * go first. The capture thread then waits at most for one read-side
 * critical section (fixed-size copies and a pointer swap, microseconds) and
 * the reader at most for the rest of one batch. */
#ifndef PCAPFLOW_WORKER_LOCK_H
#define PCAPFLOW_WORKER_LOCK_H

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

static inline void pf_lock_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield" ::: "memory");
#else
  __asm__ __volatile__("" ::: "memory");
#endif
}

/* The reader: announce, take the lock, withdraw the announcement. */
static inline void pf_reader_lock(pthread_spinlock_t *lock,
                                  atomic_uint *readers) {
  atomic_fetch_add_explicit(readers, 1, memory_order_relaxed);
  pthread_spin_lock(lock);
  atomic_fetch_sub_explicit(readers, 1, memory_order_relaxed);
}

/* Yields the capture thread makes to a waiting reader before it takes the
 * lock anyway: a reader whose thread is descheduled must not stall the
 * capture for long (the kernel's ring fills meanwhile). */
#define PF_CAPTURE_MAX_YIELDS 8

/* The capture thread at the start of a batch: a waiting reader goes first.
 * Should the reader's thread be descheduled while it waits, yield now and
 * then rather than burn the core it needs, and at most
 * PF_CAPTURE_MAX_YIELDS times. */
static inline void pf_capture_lock(pthread_spinlock_t *lock,
                                   atomic_uint *readers) {
  for (unsigned spins = 1;
       atomic_load_explicit(readers, memory_order_relaxed) != 0; spins++) {
    if (spins % 64 != 0)
      pf_lock_pause();
    else if (spins / 64 > PF_CAPTURE_MAX_YIELDS)
      break;
    else
      sched_yield();
  }
  pthread_spin_lock(lock);
}

#endif
