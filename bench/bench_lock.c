/* bench_lock.c - how long a capture thread waits for its spinlock while a
 * reader snapshots far more often than collectd would
 * (docs/PERFORMANCE_HISTORY.md, "The spinlock").
 *
 * Runs a File source through the public capture API on its own capture
 * thread, and from this thread takes a snapshot every PERIOD microseconds
 * until the file is read. The engine is built with -DPF_LOCK_PROBE
 * (src/lock_probe.h), which times, per batch, the capture thread's wait for
 * the lock when the reader holds it, the batch's own hold time, and the
 * reader's hold time per snapshot.
 *
 * Usage: bench-lock [-p PERIOD_US] [-m MAXFLOWS] [-l CIDR]... FILE */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_args.h"
#include "pcapflow/source.h"
#include "source/lock_probe.h"

static int bench_thread_create(pthread_t *thread, void *(*start)(void *),
                               void *arg, const char *name) {
  (void)name;
  return pthread_create(thread, NULL, start, arg);
}

static int bench_cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

/* Prints count, median, p99 and max in microseconds of the kept samples. */
static void bench_print_series(const char *what,
                               const struct pf_probe_series *s) {
  uint64_t n = s->count < PF_PROBE_SAMPLES ? s->count : PF_PROBE_SAMPLES;
  if (n == 0) {
    printf("  %-34s %8s\n", what, "none");
    return;
  }
  uint32_t *v = malloc(n * sizeof(*v));
  if (!v)
    return;
  memcpy(v, s->ns, n * sizeof(*v));
  qsort(v, n, sizeof(*v), bench_cmp_u32);
  printf("  %-34s %8llu %10.1f %10.1f %10.1f\n", what,
         (unsigned long long)s->count, v[(n - 1) / 2] / 1e3,
         v[(n * 99 + 99) / 100 - 1] / 1e3, v[n - 1] / 1e3);
  free(v);
}

static void bench_sleep_until(struct timespec *next, long period_us) {
  next->tv_nsec += period_us * 1000;
  while (next->tv_nsec >= 1000000000L) {
    next->tv_sec++;
    next->tv_nsec -= 1000000000L;
  }
  clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, next, NULL);
}

int main(int argc, char **argv) {
  struct pf_source_config cfg;
  char err[1024];
  long period_us = 1000;
  int opt;

  pf_source_config_init(&cfg, PF_SOURCE_FILE);
  while ((opt = bench_getopt(argc, argv, "p:m:l:", "bench-lock", &cfg)) != -1) {
    switch (opt) {
    case 'p':
      period_us = atol(optarg);
      break;
    default:
      fprintf(stderr, "usage: bench-lock [-p PERIOD_US] [-m MAXFLOWS] "
                      "[-l CIDR]... FILE\n");
      return 2;
    }
  }
  if (optind != argc - 1 || period_us <= 0) {
    fprintf(stderr, "bench-lock: one capture file expected\n");
    return 2;
  }
  cfg.device = strdup(argv[optind]);
  if (pf_source_config_check(&cfg, err, sizeof(err)) != 0) {
    fprintf(stderr, "bench-lock: %s\n", err);
    return 2;
  }
  struct pf_hooks hooks = {.thread_create = bench_thread_create};
  struct pf_source *src;
  if (pf_source_new(&cfg, &hooks, &src, err, sizeof(err)) != 0 ||
      pf_source_start(src, err, sizeof(err)) != 0) {
    fprintf(stderr, "bench-lock: %s\n", err);
    return 1;
  }

  static struct pf_snapshot snap;
  uint64_t snapshots = 0, packets = 0;
  struct timespec next, t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  next = t0;
  static struct pf_probe_series whole; /* a whole snapshot, this thread */
  for (;;) {
    uint64_t s0 = pf_probe_ns();
    pf_source_snapshot(src, &snap);
    pf_probe_add(&whole, pf_probe_ns() - s0);
    snapshots++;
    const uint64_t *all = snap.counters.traffic[PF_TRAFFIC_ALL].packets;
    packets = all[PF_DIR_RX] + all[PF_DIR_TX];
    bool done = snap.health.finished > 0;
    pf_snapshot_release(&snap);
    if (done)
      break;
    bench_sleep_until(&next, period_us);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  pf_source_stop(src);

  const struct pf_lock_probe *p = pf_source_lock_probe(src, 0);
  double secs =
      (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  printf("%llu packets in %.2f s, %llu snapshots (every %ld us asked), "
         "%llu batches, %llu contended (%.2f%%)\n",
         (unsigned long long)packets, secs, (unsigned long long)snapshots,
         period_us, (unsigned long long)p->batches,
         (unsigned long long)p->wait.count,
         p->batches ? 100.0 * (double)p->wait.count / (double)p->batches : 0);
  printf("  %-34s %8s %10s %10s %10s\n", "microseconds", "count", "median",
         "p99", "max");
  bench_print_series("capture thread waits (contended)", &p->wait);
  bench_print_series("capture thread holds, per batch", &p->batch);
  bench_print_series("reader waits, per snapshot", &p->read_wait);
  bench_print_series("reader holds, per snapshot", &p->read);
  bench_print_series("whole snapshot (reader's CPU)", &whole);
  pf_source_free(src);
  return 0;
}
