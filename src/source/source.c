/* source.c - a capture source's life (source.h): its workers and their
 * shards are made, started, stopped and freed here, and the reader's
 * snapshot gathers what they counted. The capture loop each worker runs is
 * in capture.c. */
#include "source/worker.h"

#include "base/err.h"
#include "base/hash.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <unistd.h>

#include "base/clock.h"

/* ---- lifecycle ---- */

static int pf_worker_init(struct pf_worker *w, struct pf_source *src,
                          unsigned index, char *err, size_t errlen) {
  w->src = src;
  w->index = index;
  pf_localnet_init(&w->local);
  pthread_spin_init(&w->lock, PTHREAD_PROCESS_PRIVATE);
  atomic_init(&w->readers, 0);
  w->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (w->wake_fd < 0) {
    return pf_err_errno(err, errlen, errno,
                        "cannot create the capture thread's wake-up");
  }
#ifdef PF_LOCK_PROBE
  if (!(w->probe = calloc(1, sizeof(*w->probe)))) {
    return pf_err(err, errlen, "out of memory for the lock probe");
  }
#endif
  struct pf_shard_config shard = src->cfg.shard;
  /* MaxFlows bounds the source: its workers share it out. */
  shard.max_flows = shard.max_flows / src->n_workers;
  if (shard.max_flows == 0)
    shard.max_flows = 1;
  if (pf_shard_init(&w->shard, &shard, err, errlen) != 0 ||
      pf_localnet_copy(&w->local, &src->cfg.local, err, errlen) != 0)
    return -1;
  /* A live ring streams through the cache between a flow's packets: its
   * entries and TCP records are asked for ahead (shard.h). */
  w->shard.fetch_ahead = src->cfg.kind == PF_SOURCE_INTERFACE;
  return 0;
}

static void pf_worker_free(struct pf_worker *w) {
  if (!w->src)
    return;
  pf_shard_free(&w->shard);
  pf_worker_free_rules(w);
  pf_localnet_free(&w->local);
  free(w->pause);
  pthread_spin_destroy(&w->lock);
  if (w->wake_fd >= 0)
    close(w->wake_fd);
#ifdef PF_LOCK_PROBE
  free(w->probe);
#endif
}

/* Distinct per source and per process: the kernel groups fanout sockets
 * by this id across the whole network namespace. */
static int pf_next_fanout_group(void) {
  static atomic_uint sequence;
  unsigned seq = atomic_fetch_add(&sequence, 1);
  return (int)(((unsigned)getpid() * 31u + seq * 7919u) & 0xffffu);
}

/* The group program's key (fanout_hash.h): a secret of this source's,
 * kept for its life, so every worker, reopened or not, sets the same
 * program. */
static uint32_t pf_fanout_key(void) {
  uint32_t key;
  if (getrandom(&key, sizeof(key), GRND_NONBLOCK) == (ssize_t)sizeof(key))
    return key;
  /* No entropy yet (very early boot): the process's hash seed, which
   * falls back to the clock. */
  uint64_t seed[4];
  pf_hash_seed(seed);
  return (uint32_t)(seed[3] >> 32);
}

int pf_source_new(struct pf_source_config *cfg, const struct pf_hooks *hooks,
                  struct pf_source **out, char *err, size_t errlen) {
  struct pf_source *src = calloc(1, sizeof(*src));
  if (!src) {
    return pf_err(err, errlen, "out of memory");
  }
  src->cfg = *cfg;
  pf_source_config_init(cfg, cfg->kind); /* ownership moved */
  pf_source_config_derive(&src->cfg);
  src->hooks = *hooks;
  pthread_mutex_init(&src->control_lock, NULL);
  atomic_init(&src->stop, false);

  bool fanout = src->cfg.kind == PF_SOURCE_INTERFACE && src->cfg.workers > 1;
  src->n_workers = fanout ? (unsigned)src->cfg.workers : 1;
  src->fanout_group = fanout ? pf_next_fanout_group() : -1;
  src->fanout_key = fanout ? pf_fanout_key() : 0;
  /* A worker's shard holds its packet queue, whose slots are aligned to
   * two cache lines (shard.h): calloc gives 16 bytes, so the workers are
   * allocated at their type's alignment (sizeof is a multiple of it). */
  size_t bytes = src->n_workers * sizeof(*src->workers);
  src->workers = aligned_alloc(_Alignof(struct pf_worker), bytes);
  if (!src->workers) {
    pf_err(err, errlen, "out of memory");
    pf_source_free(src);
    return -1;
  }
  memset(src->workers, 0, bytes);
  for (unsigned i = 0; i < src->n_workers; i++)
    src->workers[i].wake_fd = -1; /* not fd 0: stop and free look at it */
  for (unsigned i = 0; i < src->n_workers; i++) {
    if (pf_worker_init(&src->workers[i], src, i, err, errlen) != 0) {
      pf_source_free(src);
      return -1;
    }
  }
  if (pf_interval_init(&src->report, src->cfg.shard.top_capacity, err,
                       errlen) != 0) {
    pf_source_free(src);
    return -1;
  }
  if (pf_anomaly_detector_init(&src->anomaly, &src->cfg.anomaly, err, errlen) !=
          0 ||
      pf_source_ports_init(src, err, errlen) != 0) {
    pf_source_free(src);
    return -1;
  }
  for (int k = 0; k < PF_TOP_KIND_COUNT; k++) {
    if (pf_top_names_init(&src->names[k],
                          (uint32_t)src->cfg.top_series_limit) != 0) {
      pf_err(err, errlen, "out of memory for top-N names");
      pf_source_free(src);
      return -1;
    }
  }
  if (pf_top_names_init(&src->dns_names, (uint32_t)src->cfg.top_series_limit) !=
          0 ||
      pf_top_names_init(&src->sni_names, (uint32_t)src->cfg.top_series_limit) !=
          0) {
    pf_err(err, errlen, "out of memory for top-N names");
    pf_source_free(src);
    return -1;
  }
  *out = src;
  return 0;
}

#ifdef PF_LOCK_PROBE
const struct pf_lock_probe *pf_source_lock_probe(const struct pf_source *src,
                                                 unsigned worker) {
  return worker < src->n_workers ? src->workers[worker].probe : NULL;
}
#endif

const char *pf_source_name(const struct pf_source *src) {
  return src->cfg.name;
}

int pf_source_run(struct pf_source *src, char *err, size_t errlen) {
  struct pf_worker *w = &src->workers[0];
  if (src->cfg.kind == PF_SOURCE_FILE &&
      pf_capture_open_file(w, err, errlen) != 0)
    return -1;
  pf_capture_loop(w);
  return pf_source_file_result(src, err, errlen);
}

int pf_source_file_result(struct pf_source *src, char *err, size_t errlen) {
  const struct pf_worker *w = &src->workers[0];
  if (!w->file_error[0])
    return 0;
  pf_err(err, errlen, "\"%s\" was not read to its end: %s", src->cfg.device,
         w->file_error);
  return 1;
}

int pf_source_start(struct pf_source *src, char *err, size_t errlen) {
  if (src->cfg.kind == PF_SOURCE_FILE &&
      pf_capture_open_file(&src->workers[0], err, errlen) != 0)
    return -1;
  for (unsigned i = 0; i < src->n_workers; i++) {
    struct pf_worker *w = &src->workers[i];
    char name[16];
    snprintf(name, sizeof(name), "pf:%.9s/%u", src->cfg.name, i % 64);
    int rc = src->hooks.thread_create(&w->thread, pf_capture_main, w, name);
    if (rc != 0) {
      pf_err_errno(err, errlen, rc, "cannot start capture thread %u", i);
      pf_source_stop(src);
      return -1;
    }
    w->thread_started = true;
  }
  return 0;
}

void pf_source_stop(struct pf_source *src) {
  pthread_mutex_lock(&src->control_lock);
  atomic_store(&src->stop, true);
  for (unsigned i = 0; i < src->n_workers; i++) {
    /* A file's batch is bounded in records handed over: with a Filter
     * that passes few, it could read on to the file's end. The break
     * ends it at the next record, whichever reads the file. */
    if (src->workers[i].pcap)
      pf_file_breakloop(&src->workers[i]);
    /* Only a full counter fails, and then a wake-up is pending anyway. */
    if (src->workers[i].wake_fd >= 0)
      (void)eventfd_write(src->workers[i].wake_fd, 1);
  }
  pthread_mutex_unlock(&src->control_lock);
  for (unsigned i = 0; i < src->n_workers; i++) {
    struct pf_worker *w = &src->workers[i];
    if (w->thread_started) {
      pthread_join(w->thread, NULL);
      w->thread_started = false;
    }
    pf_capture_close(w); /* a file opened but never run */
  }
}

void pf_source_free(struct pf_source *src) {
  if (!src)
    return;
  if (src->workers) {
    pf_source_stop(src);
    for (unsigned i = 0; i < src->n_workers; i++)
      pf_worker_free(&src->workers[i]);
    free(src->workers);
  }
  pf_rules_free(src->rules);
  free(src->class_handshake);
  free(src->class_timing);
  free(src->port_timing);
  pf_interval_free(&src->report);
  pf_anomaly_detector_free(&src->anomaly);
  for (int k = 0; k < PF_TOP_KIND_COUNT; k++)
    pf_top_names_free(&src->names[k]);
  pf_top_names_free(&src->dns_names);
  pf_top_names_free(&src->sni_names);
  pf_source_config_free(&src->cfg);
  pthread_mutex_destroy(&src->control_lock);
  free(src);
}

/* ---- reading ---- */

static void pf_health_add(struct pf_health *dst, const struct pf_health *h) {
  dst->dropped_kernel += h->dropped_kernel;
  dst->dropped_interface += h->dropped_interface;
  dst->opened += h->opened;
  dst->open_failed += h->open_failed;
  dst->up += h->up;
  dst->finished += h->finished;
}

static void pf_flow_stats_add(struct pf_flow_stats *dst,
                              const struct pf_flow_stats *s) {
  dst->created += s->created;
  dst->expired += s->expired;
  dst->evicted += s->evicted;
  for (int k = 0; k < PF_FLOW_KIND_COUNT; k++)
    dst->active[k] += s->active[k];
}

static void pf_source_notify(enum pf_notify_severity severity,
                             const char *message, void *ctx) {
  struct pf_source *src = ctx;
  src->hooks.notify(severity, src->cfg.name, message);
}

/* Percentiles of the merged interval's handshake latency, in seconds. */
static void pf_report_tcp_latency(const struct pf_tcp_interval *iv,
                                  struct pf_snapshot *out) {
  for (int k = 0; k < PF_TCP_LATENCY_COUNT; k++)
    pf_latency_figures(&iv->latency[k], out->tcp_latency[k]);
}

void pf_source_snapshot(struct pf_source *src, struct pf_snapshot *out) {
  memset(out, 0, sizeof(*out));
  snprintf(out->name, sizeof(out->name), "%s", src->cfg.name);
  out->report = src->cfg.report;
  pf_interval_reset(&src->report);
  struct pf_dns_sum dns = {0};
  struct pf_tls_stats tls = {0};
  bool fresh = false; /* a worker handed an interval over */
  for (unsigned i = 0; i < src->n_workers; i++) {
    struct pf_worker *w = &src->workers[i];
    /* Fixed-size copies and a pointer swap: the lock's hold time does not
     * depend on the number of flows. */
    PF_READ_LOCK(w);
    pf_counters_merge(&out->counters, &w->shard.counters);
    pf_health_add(&out->health, &w->health);
    pf_flow_stats_add(&out->flows, &w->shard.flows.stats);
    pf_tcp_stats_add(&out->tcp, &w->shard.flows.tcp.stats);
    pf_dns_sum(&dns, &w->shard.dns);
    pf_tls_sum(&tls, &w->shard.tls);
    /* The interval swapped out at the previous read, fed since by the
     * capture thread; at the end of a file, everything (shard.h). */
    struct pf_interval *done =
        pf_shard_swap_interval(&w->shard, w->health.finished);
    PF_READ_UNLOCK(w);
    /* `done` is ours until the next swap: read it, then clean it. */
    if (done) {
      pf_interval_merge(&src->report, done);
      pf_interval_reset(done);
      fresh = true;
    }
  }
  pf_source_report_top(src, out);
  pf_source_report_ports(src, fresh, out);
  out->distinct_src_hosts = pf_hll_estimate(&src->report.src_hosts);
  out->distinct_dst_hosts = pf_hll_estimate(&src->report.dst_hosts);
  out->distinct_dst_ports = pf_hll_estimate(&src->report.dst_ports);
  pf_report_tcp_latency(&src->report.tcp, out);
  pf_source_snapshot_classes(src, out);
  pf_source_report_dns(src, &dns, out);
  pf_source_report_tls(src, &tls, out);
  if (src->hooks.notify)
    pf_anomaly_detector_feed(&src->anomaly, &src->report.anomaly,
                             src->hooks.clock ? src->hooks.clock()
                                              : pf_mono_seconds(),
                             src->cfg.name, pf_source_notify, src);
}
