/* capture.c - a source's capture thread: open (and reopen) the handle,
 * decode and count every packet, publish the counters after every batch.
 *
 * The thread never holds the publish spinlock while libpcap waits for
 * packets: it counts into its own struct and copies it out under the lock
 * once per pcap_dispatch batch, a fixed-size copy whatever the traffic. */
#include "source_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pcapflow/decode.h"
#include "pcapflow/direction.h"

/* A file is read in batches of this many packets so that its progress is
 * published (and a stop request noticed) while it is being read. */
#define PF_FILE_BATCH 4096
/* How often a live source refreshes its addresses and kernel counters. */
#define PF_REFRESH_SECONDS 1.0
#define PF_ADDRESS_REFRESH_SECONDS 30.0

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
  char msg[PF_ERR_MAX + 128];
  int n =
      snprintf(msg, sizeof(msg), "pcapflow: source \"%s\": ", src->cfg.name);
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

/* ---- publishing ---- */

static void pf_publish(struct pf_source *src) {
  src->health.dropped_kernel = src->drop.total;
  src->health.dropped_interface = src->ifdrop.total;
  pthread_spin_lock(&src->publish_lock);
  src->published = src->work;
  src->published_health = src->health;
  pthread_spin_unlock(&src->publish_lock);
}

void pf_source_snapshot(struct pf_source *src, struct pf_snapshot *out) {
  pthread_spin_lock(&src->publish_lock);
  out->counters = src->published;
  out->health = src->published_health;
  pthread_spin_unlock(&src->publish_lock);
  snprintf(out->name, sizeof(out->name), "%s", src->cfg.name);
}

/* ---- the per-packet path ---- */

static void pf_capture_packet(u_char *user, const struct pcap_pkthdr *h,
                              const u_char *bytes) {
  struct pf_source *src = (struct pf_source *)user;
  struct pf_packet pkt;
  enum pf_locality locality;

  pf_decode(src->dlt, bytes, h->caplen, h->len, &pkt);
  enum pf_dir dir = pf_direction(
      &src->local, src->if_mac_valid ? src->if_mac : NULL, &pkt, &locality);
  pf_counters_add(&src->work, &pkt, dir, locality);
}

/* ---- opening and closing ---- */

static void pf_read_kernel_stats(struct pf_source *src) {
  struct pcap_stat st;
  if (src->cfg.kind != PF_SOURCE_INTERFACE || !src->pcap ||
      pcap_stats(src->pcap, &st) != 0)
    return;
  pf_stat_fold(&src->drop, st.ps_drop);
  pf_stat_fold(&src->ifdrop, st.ps_ifdrop);
}

/* Rebuilds the local address set: configured networks plus the
 * interface's own addresses, which may have changed since the last time. */
static void pf_refresh_addresses(struct pf_source *src) {
  if (src->cfg.kind != PF_SOURCE_INTERFACE)
    return;
  char err[PF_ERR_MAX];
  struct pf_localnet fresh;
  pf_localnet_init(&fresh);
  if (pf_localnet_copy(&fresh, &src->cfg.local, err, sizeof(err)) != 0 ||
      pf_localnet_add_interface(&fresh, src->cfg.device, err, sizeof(err)) <
          0) {
    pf_localnet_free(&fresh);
    return; /* keep the set we have; this is retried */
  }
  pf_localnet_free(&src->local);
  src->local = fresh;
  src->if_mac_valid = pf_interface_mac(src->cfg.device, src->if_mac);
}

static void pf_close_handle(struct pf_source *src) {
  if (!src->pcap)
    return;
  pf_read_kernel_stats(src);
  pthread_mutex_lock(&src->control_lock);
  pcap_close(src->pcap);
  src->pcap = NULL;
  pthread_mutex_unlock(&src->control_lock);
  /* The next handle's counters start from zero. */
  src->drop.last = 0;
  src->ifdrop.last = 0;
  src->health.up = false;
}

static int pf_open_handle(struct pf_source *src, char *err, size_t errlen) {
  bool perm_denied;
  pcap_t *p = pf_handle_open(&src->cfg, &perm_denied, err, errlen);
  if (!p)
    return -1;
  pthread_mutex_lock(&src->control_lock);
  src->pcap = p;
  pthread_mutex_unlock(&src->control_lock);
  src->dlt = pcap_datalink(p);
  src->health.up = true;
  src->health.opened++;
  pf_refresh_addresses(src);
  return 0;
}

/* Sleeps up to `seconds`, returning early when asked to stop. */
static void pf_wait(struct pf_source *src, double seconds) {
  struct timespec until;
  clock_gettime(CLOCK_MONOTONIC, &until);
  until.tv_sec += (time_t)seconds;
  until.tv_nsec += (long)((seconds - (double)(time_t)seconds) * 1e9);
  if (until.tv_nsec >= 1000000000L) {
    until.tv_sec++;
    until.tv_nsec -= 1000000000L;
  }
  pthread_mutex_lock(&src->control_lock);
  while (!atomic_load(&src->stop) &&
         pthread_cond_timedwait(&src->wake, &src->control_lock, &until) !=
             ETIMEDOUT)
    ;
  pthread_mutex_unlock(&src->control_lock);
}

/* Waits before the next attempt, twice as long each time up to RetryMax;
 * a handle that delivers packets resets the wait to one second. */
static void pf_back_off(struct pf_source *src, double *backoff) {
  pf_wait(src, *backoff);
  *backoff *= 2;
  if (*backoff > src->cfg.retry_max_s)
    *backoff = src->cfg.retry_max_s;
}

/* One attempt to (re)open a live interface. Logs once per distinct error,
 * not once per attempt, and once when capture resumes. */
static bool pf_try_open_live(struct pf_source *src) {
  char err[PF_ERR_MAX];
  if (pf_open_handle(src, err, sizeof(err)) == 0) {
    if (src->down_since > 0)
      pf_log(src, PF_LOG_NOTICE,
             "capturing on \"%s\" again after %.0f s (link type %s)",
             src->cfg.device, pf_now() - src->down_since,
             pcap_datalink_val_to_name(src->dlt));
    else
      pf_log(src, PF_LOG_INFO, "capturing on \"%s\" (link type %s)",
             src->cfg.device, pcap_datalink_val_to_name(src->dlt));
    src->down_since = 0;
    src->last_error[0] = '\0';
    return true;
  }
  src->health.open_failed++;
  if (src->down_since == 0)
    src->down_since = pf_now();
  if (strcmp(err, src->last_error) != 0) {
    pf_log(src, PF_LOG_ERR, "%s; retrying every %d s at most", err,
           src->cfg.retry_max_s);
    snprintf(src->last_error, sizeof(src->last_error), "%s", err);
  }
  return false;
}

/* ---- the loop ---- */

static void pf_finish_file(struct pf_source *src) {
  const uint64_t *all = src->work.traffic[PF_TRAFFIC_ALL].packets;
  pf_close_handle(src);
  src->health.finished = true;
  pf_publish(src);
  pf_log(src, PF_LOG_INFO, "read \"%s\" to its end: %llu packets",
         src->cfg.device,
         (unsigned long long)(all[PF_DIR_RX] + all[PF_DIR_TX]));
}

static void pf_capture_loop(struct pf_source *src) {
  double backoff = 1.0;
  double next_refresh = 0,
         next_addresses = pf_now() + PF_ADDRESS_REFRESH_SECONDS;
  bool live = src->cfg.kind == PF_SOURCE_INTERFACE;

  while (!atomic_load(&src->stop)) {
    if (!src->pcap) {
      if (!live)
        break; /* a file is opened once, by pf_source_start/run */
      if (!pf_try_open_live(src)) {
        pf_publish(src);
        pf_back_off(src, &backoff);
        continue;
      }
      pf_publish(src);
    }

    int n = pcap_dispatch(src->pcap, live ? -1 : PF_FILE_BATCH,
                          pf_capture_packet, (u_char *)src);
    if (n == PCAP_ERROR_BREAK)
      continue; /* the loop condition tells whether to stop */
    if (n == PCAP_ERROR && live) {
      pf_log(src, PF_LOG_WARNING, "capture on \"%s\" failed: %s; reopening",
             src->cfg.device, pcap_geterr(src->pcap));
      pf_close_handle(src);
      src->down_since = pf_now();
      snprintf(src->last_error, sizeof(src->last_error), "%s",
               "capture failed");
      pf_publish(src);
      /* An interface that fails again at once must not spin the loop. */
      pf_back_off(src, &backoff);
      continue;
    }
    if (n > 0)
      backoff = 1.0;
    if (!live && n <= 0) {
      /* The end of a file, or a damaged one (a truncated last record):
       * either way every packet read so far stays counted. */
      if (n == PCAP_ERROR)
        pf_log(src, PF_LOG_ERR, "stopped reading \"%s\": %s",
               src->cfg.device, pcap_geterr(src->pcap));
      pf_finish_file(src);
      return;
    }
    if (live) {
      double now = pf_now();
      if (now >= next_refresh) {
        pf_read_kernel_stats(src);
        next_refresh = now + PF_REFRESH_SECONDS;
      }
      if (now >= next_addresses) {
        pf_refresh_addresses(src);
        next_addresses = now + PF_ADDRESS_REFRESH_SECONDS;
      }
    }
    pf_publish(src);
  }
  pf_close_handle(src);
  pf_publish(src);
}

static void *pf_capture_main(void *arg) {
  pf_capture_loop(arg);
  return NULL;
}

/* ---- lifecycle ---- */

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
  pf_localnet_init(&src->local);
  if (pf_localnet_copy(&src->local, &src->cfg.local, err, errlen) != 0) {
    pf_source_config_free(&src->cfg);
    free(src);
    return -1;
  }
  pthread_spin_init(&src->publish_lock, PTHREAD_PROCESS_PRIVATE);
  pthread_mutex_init(&src->control_lock, NULL);
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&src->wake, &attr);
  pthread_condattr_destroy(&attr);
  atomic_init(&src->stop, false);
  *out = src;
  return 0;
}

const char *pf_source_name(const struct pf_source *src) {
  return src->cfg.name;
}

static int pf_open_file(struct pf_source *src, char *err, size_t errlen) {
  if (pf_open_handle(src, err, errlen) != 0) {
    src->health.open_failed++;
    pf_publish(src);
    return -1;
  }
  pf_log(src, PF_LOG_INFO, "reading \"%s\" (link type %s)", src->cfg.device,
         pcap_datalink_val_to_name(src->dlt));
  pf_publish(src);
  return 0;
}

int pf_source_run(struct pf_source *src, char *err, size_t errlen) {
  if (src->cfg.kind == PF_SOURCE_FILE && pf_open_file(src, err, errlen) != 0)
    return -1;
  pf_capture_loop(src);
  return 0;
}

int pf_source_start(struct pf_source *src, char *err, size_t errlen) {
  if (src->cfg.kind == PF_SOURCE_FILE && pf_open_file(src, err, errlen) != 0)
    return -1;
  char name[16];
  snprintf(name, sizeof(name), "pf:%.12s", src->cfg.name);
  int rc = src->hooks.thread_create(&src->thread, pf_capture_main, src, name);
  if (rc != 0) {
    snprintf(err, errlen, "cannot start the capture thread: %s", strerror(rc));
    pf_close_handle(src);
    return -1;
  }
  src->thread_started = true;
  return 0;
}

void pf_source_stop(struct pf_source *src) {
  pthread_mutex_lock(&src->control_lock);
  atomic_store(&src->stop, true);
  if (src->pcap)
    pcap_breakloop(src->pcap);
  pthread_cond_broadcast(&src->wake);
  pthread_mutex_unlock(&src->control_lock);
  if (src->thread_started) {
    pthread_join(src->thread, NULL);
    src->thread_started = false;
  }
  pf_close_handle(src); /* a file opened but never run */
}

void pf_source_free(struct pf_source *src) {
  if (!src)
    return;
  pf_source_stop(src);
  pf_localnet_free(&src->local);
  pf_source_config_free(&src->cfg);
  pthread_spin_destroy(&src->publish_lock);
  pthread_mutex_destroy(&src->control_lock);
  pthread_cond_destroy(&src->wake);
  free(src);
}
