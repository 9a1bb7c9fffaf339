/* capture.c - a source's capture workers: open (and reopen) the handle,
 * decode and account every packet, expire flows in bounded steps.
 *
 * A worker takes its spinlock when the first packet of a pcap_dispatch
 * batch arrives and releases it when the batch is done, so it never holds
 * the lock while libpcap waits for packets, and the reader waits at most
 * one batch. */
#include "source_internal.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "pcapflow/decode.h"
#include "pcapflow/direction.h"

/* A file is read in batches of this many packets so that its progress can
 * be read (and a stop request noticed) while it is being read. */
#define PF_FILE_BATCH 4096
/* The longest a live capture waits for packets before it looks at the
 * clock: idle expiry, kernel drop counts and new rules need no packet. */
#define PF_IDLE_WAKE_MS 250
/* How often a live worker refreshes its addresses and kernel counters. */
#define PF_STATS_REFRESH_SECONDS 1.0
#define PF_ADDRESS_REFRESH_SECONDS 30.0
/* Flow expiry work: per batch, a little more than the batch could have
 * created; on an idle timeout, a larger step. */
#define PF_EXPIRE_PER_PACKET 2
#define PF_EXPIRE_BASE 64
#define PF_EXPIRE_IDLE 4096

/* ---- small helpers ---- */

static double pf_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pf_log(const struct pf_source *src, enum pf_log_level level,
                   const char *fmt, ...) {
  if (!src->hooks.log)
    return;
  char msg[PF_ERR_MAX + 160];
  int n = snprintf(msg, sizeof(msg), "pcapflow: source \"%s\": ",
                   src->cfg.name);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
  va_end(ap);
  src->hooks.log(level, msg);
}

static void pf_stat_fold(struct pf_stat_total *t, uint32_t raw) {
  /* Unsigned subtraction counts across a 32-bit wrap correctly. */
  t->total += (uint32_t)(raw - t->last);
  t->last = raw;
}

static void pf_batch_begin(struct pf_worker *w) {
  if (!w->in_batch) {
    PF_BATCH_LOCK(w);
    w->in_batch = true;
    pf_worker_apply_rules_locked(w); /* a reloaded rule set, if any */
  }
}

static void pf_batch_end(struct pf_worker *w) {
  if (w->in_batch) {
    pf_shard_batch_end(&w->shard); /* the batch's top-N sums, before a read */
    w->in_batch = false;
    PF_BATCH_UNLOCK(w);
  }
}

/* ---- the per-packet path ---- */

static void pf_capture_packet(u_char *user, const struct pcap_pkthdr *h,
                              const u_char *bytes) {
  struct pf_worker *w = (struct pf_worker *)user;
  struct pf_packet pkt;
  enum pf_locality locality;

  pf_decode(w->dlt, bytes, h->caplen, h->len, &pkt);
  enum pf_dir dir = pf_direction(
      &w->local, w->if_mac_valid ? w->if_mac : NULL, &pkt, &locality);
  uint64_t ts_us = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
  pf_batch_begin(w);
  pf_shard_enqueue(&w->shard, &pkt, dir, locality, ts_us);
}

/* ---- opening and closing ---- */

static void pf_read_kernel_stats(struct pf_worker *w) {
  struct pcap_stat st;
  if (w->src->cfg.kind != PF_SOURCE_INTERFACE || !w->pcap ||
      pcap_stats(w->pcap, &st) != 0)
    return;
  pf_stat_fold(&w->drop, st.ps_drop);
  pf_stat_fold(&w->ifdrop, st.ps_ifdrop);
  pthread_spin_lock(&w->lock);
  w->health.dropped_kernel = w->drop.total;
  w->health.dropped_interface = w->ifdrop.total;
  pthread_spin_unlock(&w->lock);
}

/* Rebuilds the local address set: configured networks plus the
 * interface's own addresses, which may have changed since the last time. */
static void pf_refresh_addresses(struct pf_worker *w) {
  const struct pf_source_config *cfg = &w->src->cfg;
  if (cfg->kind != PF_SOURCE_INTERFACE)
    return;
  char err[PF_ERR_MAX];
  struct pf_localnet fresh;
  pf_localnet_init(&fresh);
  if (pf_localnet_copy(&fresh, &cfg->local, err, sizeof(err)) != 0 ||
      pf_localnet_add_interface(&fresh, cfg->device, err, sizeof(err)) < 0) {
    pf_localnet_free(&fresh);
    return; /* keep the set we have; this is retried */
  }
  pf_localnet_free(&w->local);
  w->local = fresh;
  w->if_mac_valid = pf_interface_mac(cfg->device, w->if_mac);
}

static void pf_set_up(struct pf_worker *w, bool up, bool opened, bool failed) {
  pthread_spin_lock(&w->lock);
  w->health.up = up;
  w->health.opened += opened;
  w->health.open_failed += failed;
  pthread_spin_unlock(&w->lock);
}

static void pf_close_handle(struct pf_worker *w) {
  if (!w->pcap)
    return;
  pf_read_kernel_stats(w);
  pthread_mutex_lock(&w->src->control_lock);
  pcap_close(w->pcap);
  w->pcap = NULL;
  pthread_mutex_unlock(&w->src->control_lock);
  /* The next handle's counters start from zero. */
  w->drop.last = 0;
  w->ifdrop.last = 0;
  pf_set_up(w, false, false, false);
}

static int pf_open_handle(struct pf_worker *w, char *err, size_t errlen) {
  pcap_t *p = pf_handle_open(&w->src->cfg, w->src->fanout_group, err, errlen);
  if (!p)
    return -1;
  pthread_mutex_lock(&w->src->control_lock);
  w->pcap = p;
  pthread_mutex_unlock(&w->src->control_lock);
  w->dlt = pcap_datalink(p);
  pf_refresh_addresses(w);
  pf_set_up(w, true, true, false);
  return 0;
}

/* Waits before the next attempt, twice as long each time up to RetryMax;
 * a handle that delivers packets resets the wait to one second. Stop ends
 * the wait: pf_source_stop writes the wake-up eventfd, which nothing reads,
 * so it stays readable and no wake-up is lost. */
static void pf_back_off(struct pf_worker *w, double *backoff) {
  struct pollfd wake = {.fd = w->wake_fd, .events = POLLIN};
  if (poll(&wake, 1, (int)(*backoff * 1000)) < 0 && errno != EINTR)
    usleep((useconds_t)(*backoff * 1e6)); /* cannot happen; never spin */
  *backoff *= 2;
  if (*backoff > w->src->cfg.retry_max_s)
    *backoff = w->src->cfg.retry_max_s;
}

/* One attempt to (re)open a live interface. Logs once per distinct error,
 * not once per attempt, and once when capture resumes. Only the first
 * worker speaks: the others fail and recover alike. */
static bool pf_try_open_live(struct pf_worker *w) {
  struct pf_source *src = w->src;
  bool speak = w->index == 0;
  char err[PF_ERR_MAX];
  if (pf_open_handle(w, err, sizeof(err)) == 0) {
    if (speak && w->down_since > 0)
      pf_log(src, PF_LOG_NOTICE,
             "capturing on \"%s\" again after %.0f s (link type %s)",
             src->cfg.device, pf_now() - w->down_since,
             pcap_datalink_val_to_name(w->dlt));
    else if (speak)
      pf_log(src, PF_LOG_INFO, "capturing on \"%s\" (link type %s%s)",
             src->cfg.device, pcap_datalink_val_to_name(w->dlt),
             src->n_workers > 1 ? ", fanout" : "");
    w->down_since = 0;
    w->last_error[0] = '\0';
    return true;
  }
  pf_set_up(w, false, false, true);
  if (w->down_since == 0)
    w->down_since = pf_now();
  if (strcmp(err, w->last_error) != 0) {
    if (speak)
      pf_log(src, PF_LOG_ERR, "%s; retrying every %d s at most", err,
             src->cfg.retry_max_s);
    snprintf(w->last_error, sizeof(w->last_error), "%s", err);
  }
  return false;
}

/* ---- the loop ---- */

static void pf_finish_file(struct pf_worker *w) {
  pf_close_handle(w);
  pthread_spin_lock(&w->lock);
  /* The final state: every flow whose timeout passed by the last packet's
   * time is expired, however many that is. */
  pf_shard_expire(&w->shard, w->shard.now_us, UINT32_MAX);
  w->health.finished = 1;
  const uint64_t *all = w->shard.counters.traffic[PF_TRAFFIC_ALL].packets;
  uint64_t total = all[PF_DIR_RX] + all[PF_DIR_TX];
  pthread_spin_unlock(&w->lock);
  pf_log(w->src, PF_LOG_INFO, "read \"%s\" to its end: %llu packets",
         w->src->cfg.device, (unsigned long long)total);
}

/* Expires flows after a batch of `n` packets, and ends the batch. `mono`
 * is the monotonic time now on a live source, 0 on a file. With no packets
 * on a live link that has seen some, packet time moves on with the
 * monotonic clock; the idle link takes the batch lock like a batch, so it
 * adopts new rules too and lets a waiting reader go first. */
static void pf_after_batch(struct pf_worker *w, int n, double mono) {
  if (n > 0) {
    w->clock_ts_us = w->shard.now_us;
    w->clock_mono = mono;
    pf_shard_expire(&w->shard, w->shard.now_us,
                    PF_EXPIRE_BASE + PF_EXPIRE_PER_PACKET * (unsigned)n);
  } else if (mono != 0 && w->clock_mono != 0) {
    pf_batch_begin(w);
    pf_shard_expire(&w->shard,
                    w->clock_ts_us + (uint64_t)((mono - w->clock_mono) * 1e6),
                    PF_EXPIRE_IDLE);
  }
  pf_batch_end(w);
}

/* Waits until the handle has packets or an error to report, the source
 * is stopped, or PF_IDLE_WAKE_MS pass. The handle is non-blocking
 * (pcap_handle.c), so the pcap_dispatch that follows never blocks: an idle
 * link goes through pf_after_batch with no packets every PF_IDLE_WAKE_MS,
 * which expires idle flows by the wall clock and reads the kernel's drop
 * counts a burst left behind. */
static void pf_wait_for_packets(struct pf_worker *w) {
  struct pollfd fds[2] = {
      {.fd = pcap_get_selectable_fd(w->pcap), .events = POLLIN},
      {.fd = w->wake_fd, .events = POLLIN},
  };
  if (poll(fds, 2, PF_IDLE_WAKE_MS) < 0 && errno != EINTR)
    usleep(PF_IDLE_WAKE_MS * 1000); /* cannot happen; never spin */
}

static void pf_capture_loop(struct pf_worker *w) {
  struct pf_source *src = w->src;
  double backoff = 1.0;
  double next_stats = 0, next_addresses = pf_now() + PF_ADDRESS_REFRESH_SECONDS;
  bool live = src->cfg.kind == PF_SOURCE_INTERFACE;

  while (!atomic_load(&src->stop)) {
    if (!w->pcap) {
      if (!live)
        break; /* a file is opened once, by pf_source_start/run */
      if (!pf_try_open_live(w)) {
        pf_back_off(w, &backoff);
        continue;
      }
    }

    if (live) {
      pf_wait_for_packets(w);
      if (atomic_load(&src->stop))
        break;
    }
    int n = pcap_dispatch(w->pcap, live ? -1 : PF_FILE_BATCH,
                          pf_capture_packet, (u_char *)w);
    double now = live ? pf_now() : 0;
    pf_after_batch(w, n, now);
    if (n == PCAP_ERROR_BREAK)
      continue; /* the loop condition tells whether to stop */
    if (n == PCAP_ERROR && live) {
      if (w->index == 0)
        pf_log(src, PF_LOG_WARNING, "capture on \"%s\" failed: %s; reopening",
               src->cfg.device, pcap_geterr(w->pcap));
      pf_close_handle(w);
      w->down_since = pf_now();
      snprintf(w->last_error, sizeof(w->last_error), "%s", "capture failed");
      /* An interface that fails again at once must not spin the loop. */
      pf_back_off(w, &backoff);
      continue;
    }
    if (n > 0)
      backoff = 1.0;
    if (!live && n <= 0) {
      /* The end of a file, or a damaged one (a truncated last record):
       * either way every packet read so far stays counted. */
      if (n == PCAP_ERROR)
        pf_log(src, PF_LOG_ERR, "stopped reading \"%s\": %s",
               src->cfg.device, pcap_geterr(w->pcap));
      pf_finish_file(w);
      return;
    }
    if (live) {
      if (now >= next_stats) {
        pf_read_kernel_stats(w);
        next_stats = now + PF_STATS_REFRESH_SECONDS;
      }
      if (now >= next_addresses) {
        pf_refresh_addresses(w);
        next_addresses = now + PF_ADDRESS_REFRESH_SECONDS;
      }
    }
  }
  pf_close_handle(w);
}

static void *pf_capture_main(void *arg) {
  pf_capture_loop(arg);
  return NULL;
}

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
    snprintf(err, errlen, "cannot create the capture thread's wake-up: %s",
             strerror(errno));
    return -1;
  }
#ifdef PF_LOCK_PROBE
  if (!(w->probe = calloc(1, sizeof(*w->probe)))) {
    snprintf(err, errlen, "out of memory for the lock probe");
    return -1;
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
  return 0;
}

static void pf_worker_free(struct pf_worker *w) {
  if (!w->src)
    return;
  pf_shard_free(&w->shard);
  pf_worker_free_rules(w);
  pf_localnet_free(&w->local);
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

int pf_source_new(struct pf_source_config *cfg, const struct pf_hooks *hooks,
                  struct pf_source **out, char *err, size_t errlen) {
  struct pf_source *src = calloc(1, sizeof(*src));
  if (!src) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  src->cfg = *cfg;
  pf_source_config_init(cfg, cfg->kind); /* ownership moved */
  src->hooks = *hooks;
  pthread_mutex_init(&src->control_lock, NULL);
  atomic_init(&src->stop, false);

  bool fanout = src->cfg.kind == PF_SOURCE_INTERFACE && src->cfg.workers > 1;
  src->n_workers = fanout ? (unsigned)src->cfg.workers : 1;
  src->fanout_group = fanout ? pf_next_fanout_group() : -1;
  src->workers = calloc(src->n_workers, sizeof(*src->workers));
  if (!src->workers) {
    snprintf(err, errlen, "out of memory");
    pf_source_free(src);
    return -1;
  }
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
  if (pf_anomaly_detector_init(&src->anomaly, &src->cfg.anomaly, err,
                               errlen) != 0) {
    pf_source_free(src);
    return -1;
  }
  for (int k = 0; k < PF_TOP_KIND_COUNT; k++) {
    if (pf_top_names_init(&src->names[k],
                          (uint32_t)src->cfg.top_series_limit) != 0) {
      snprintf(err, errlen, "out of memory for top-N names");
      pf_source_free(src);
      return -1;
    }
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

static int pf_open_file(struct pf_worker *w, char *err, size_t errlen) {
  if (pf_open_handle(w, err, errlen) != 0) {
    pf_set_up(w, false, false, true);
    return -1;
  }
  pf_log(w->src, PF_LOG_INFO, "reading \"%s\" (link type %s)",
         w->src->cfg.device, pcap_datalink_val_to_name(w->dlt));
  return 0;
}

int pf_source_run(struct pf_source *src, char *err, size_t errlen) {
  struct pf_worker *w = &src->workers[0];
  if (src->cfg.kind == PF_SOURCE_FILE && pf_open_file(w, err, errlen) != 0)
    return -1;
  pf_capture_loop(w);
  return 0;
}

int pf_source_start(struct pf_source *src, char *err, size_t errlen) {
  if (src->cfg.kind == PF_SOURCE_FILE &&
      pf_open_file(&src->workers[0], err, errlen) != 0)
    return -1;
  for (unsigned i = 0; i < src->n_workers; i++) {
    struct pf_worker *w = &src->workers[i];
    char name[16];
    snprintf(name, sizeof(name), "pf:%.9s/%u", src->cfg.name, i % 64);
    int rc = src->hooks.thread_create(&w->thread, pf_capture_main, w, name);
    if (rc != 0) {
      snprintf(err, errlen, "cannot start capture thread %u: %s", i,
               strerror(rc));
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
    if (src->workers[i].pcap)
      pcap_breakloop(src->workers[i].pcap);
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
    pf_close_handle(w); /* a file opened but never run */
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
  pf_interval_free(&src->report);
  pf_anomaly_detector_free(&src->anomaly);
  for (int k = 0; k < PF_TOP_KIND_COUNT; k++)
    pf_top_names_free(&src->names[k]);
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
  pf_interval_reset(&src->report);
  for (unsigned i = 0; i < src->n_workers; i++) {
    struct pf_worker *w = &src->workers[i];
    /* Fixed-size copies and a pointer swap: the lock's hold time does not
     * depend on the number of flows. */
    PF_READ_LOCK(w);
    pf_counters_merge(&out->counters, &w->shard.counters);
    pf_health_add(&out->health, &w->health);
    pf_flow_stats_add(&out->flows, &w->shard.flows.stats);
    pf_tcp_stats_add(&out->tcp, &w->shard.flows.tcp.stats);
    struct pf_interval *done = pf_shard_swap_interval(&w->shard);
    PF_READ_UNLOCK(w);
    /* `done` is ours until the next swap: read it, then clean it. */
    pf_interval_merge(&src->report, done);
    pf_interval_reset(done);
  }
  pf_source_report_top(src, out);
  out->distinct_src_hosts = pf_hll_estimate(&src->report.src_hosts);
  out->distinct_dst_hosts = pf_hll_estimate(&src->report.dst_hosts);
  out->distinct_dst_ports = pf_hll_estimate(&src->report.dst_ports);
  pf_report_tcp_latency(&src->report.tcp, out);
  pf_source_snapshot_classes(src, out);
  if (src->hooks.notify)
    pf_anomaly_detector_feed(&src->anomaly, &src->report.anomaly, pf_now(),
                             src->cfg.name, pf_source_notify, src);
}
