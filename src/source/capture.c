/* capture.c - a source's capture workers: open (and reopen) the handle,
 * decode and account every packet, expire flows in bounded steps.
 *
 * A worker takes its spinlock when the first packet of a pcap_dispatch
 * batch arrives and releases it when the batch is done, so it never holds
 * the lock while libpcap waits for packets. Every batch is bounded in
 * packets, and a live one in time too, so the reader waits at most one
 * bounded batch, and a stop request is seen within one, whatever the
 * load. */
#include "source/worker.h"

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

#include "base/clock.h"
#include "packet/decode.h"
#include "packet/direction.h"
#include "source/file_reader_loop.h"

/* A live batch ends after this many packets or this long, whichever comes
 * first. With TPACKET_V3, pcap_dispatch with no count reads block after
 * block for as long as the kernel fills them: under overload the batch,
 * and the lock the reader waits for, would last as long as the flood. The
 * clock is read every PF_BATCH_CLOCK_EVERY packets, so a capture thread
 * that a CPU quota paused mid-batch ends the batch soon after it runs
 * again. */
#define PF_LIVE_BATCH 4096
#define PF_LIVE_BATCH_SECONDS 0.010
#define PF_BATCH_CLOCK_EVERY 64
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
/* How far a live batch's packets may move the shard's clock past where the
 * monotonic clock put it after the previous batch: a system clock stepped
 * forward does not expire every flow at once (shard/packet_clock.h). */
#define PF_LIVE_CLOCK_SLACK_US 1000000u

/* ---- small helpers ---- */

static void pf_log(const struct pf_source *src, enum pf_log_level level,
                   const char *fmt, ...) {
  if (!src->hooks.log)
    return;
  char msg[PF_ERR_MAX + 160];
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

/* One packet, inline in both ways in: pf_capture_packet (libpcap's
 * callback) and a file batch's record loop (pf_capture_packets_of_file).
 * The steps it calls in other files (pf_decode, pf_direction,
 * pf_shard_enqueue and theirs) are always_inline for the same reason:
 * with two callers link-time optimisation would keep them out of line. */
static inline __attribute__((always_inline)) void
pf_capture_frame(u_char *user, const struct pcap_pkthdr *h,
                 const u_char *bytes) {
  struct pf_worker *w = (struct pf_worker *)user;
  struct pf_packet pkt;
  enum pf_locality locality;

  pf_decode(w->dlt, bytes, h->caplen, h->len, &pkt);
  enum pf_dir dir = pf_direction(&w->local, w->if_mac_known, &pkt, &locality);
  uint64_t ts_us = pf_stamp_us(h);
  pf_batch_begin(w);
  pf_shard_enqueue(&w->shard, &pkt, dir, locality, ts_us);
  w->batch_n++;
}

/* The attribute came with GCC 11 (clang 14 has it too); an older compiler
 * (RHEL 8's GCC 8) warns that it does not know it, which -Werror makes an
 * error: there the function keeps its canary. */
#ifdef __has_attribute
#if __has_attribute(no_stack_protector)
#define PF_NO_STACK_PROTECTOR __attribute__((no_stack_protector))
#endif
#endif
#ifndef PF_NO_STACK_PROTECTOR
#define PF_NO_STACK_PROTECTOR
#endif

/* libpcap's callback, once a packet: a live capture's (through
 * pf_capture_live_packet) and libpcap's own reading of a file.
 *
 * no_stack_protector: the packages build with -fstack-protector-strong,
 * which gives a function a stack canary, checked at every call, when a
 * local's address is taken, even if no local is an array; here that is
 * every packet (+4.9 instructions a mixed frame read this way,
 * callgrind). This frame holds no buffer a canary protects: with what is
 * inlined into it, its locals in memory are the decoded packet (struct
 * pf_packet) and the small structs of the decoder's general path and of
 * the shard's DNS and TLS steps (struct frame, pf_bytes, pf_dns_where,
 * pf_dns_top, pf_tls_where): scalars and pointers, written field by field
 * or with a memset of their own size, and no array. Whoever inlines an
 * array into this path (a local buffer in pf_decode, pf_direction,
 * pf_shard_enqueue or what they inline) takes the attribute away: the
 * LTO link with -fdump-tree-optimized lists this function's locals. The
 * file batch (pf_capture_packets_of_file) keeps its canary: one check a
 * batch of PF_FILE_BATCH records. */
PF_NO_STACK_PROTECTOR void
pf_capture_packet(u_char *user, const struct pcap_pkthdr *h,
                  const u_char *bytes) {
  pf_capture_frame(user, h, bytes);
}

/* A batch of a file the source's own reader reads: its record loop with
 * pf_capture_frame inlined (file_reader_loop.h), so a record costs no
 * indirect call and no callee's register saves and restores: 20
 * instructions a mixed frame fewer (callgrind). Not
 * static, so that link-time optimisation leaves its name as it is: the
 * tests' instruction counts select it by that name, exactly
 * (tests/integration/lib.sh). */
__attribute__((noinline)) int pf_capture_packets_of_file(struct pf_worker *w) {
  return pf_file_reader_loop(w->file.reader, PF_FILE_BATCH, pf_capture_frame,
                             (u_char *)w);
}

/* Whether a live batch has run past its time. Out of line: the clock's
 * struct timespec is the one local of the live callback whose address is
 * taken, and with the packages' -fstack-protector-strong that alone gave
 * the callback a stack canary checked at every packet (6 instructions);
 * here only every PF_BATCH_CLOCK_EVERY-th packet pays it. */
static __attribute__((noinline)) bool
pf_batch_past_deadline(const struct pf_worker *w) {
  return pf_mono_seconds() >= w->batch_deadline;
}

/* A live packet: as above, with earlier packets' flow entries and TCP
 * records asked for (the shard's `fetch_ahead`, source.c), and a batch
 * past its time ends here. libpcap keeps its place in the ring; the next
 * pcap_dispatch goes on from there. */
static void pf_capture_live_packet(u_char *user, const struct pcap_pkthdr *h,
                                   const u_char *bytes) {
  struct pf_worker *w = (struct pf_worker *)user;
  pf_capture_packet(user, h, bytes);
  pf_shard_fetch_behind(&w->shard);
  if (w->batch_n % PF_BATCH_CLOCK_EVERY == 0 && pf_batch_past_deadline(w))
    pcap_breakloop(w->pcap);
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
  w->if_mac_known = w->if_mac_valid ? w->if_mac : NULL;
}

static void pf_set_up(struct pf_worker *w, bool up, bool opened, bool failed) {
  pthread_spin_lock(&w->lock);
  w->health.up = up;
  w->health.opened += opened;
  w->health.open_failed += failed;
  pthread_spin_unlock(&w->lock);
}

void pf_capture_close(struct pf_worker *w) {
  if (!w->pcap)
    return;
  pf_read_kernel_stats(w);
  pthread_mutex_lock(&w->src->control_lock);
  pf_handle_close(w->pcap, &w->file);
  w->pcap = NULL;
  pthread_mutex_unlock(&w->src->control_lock);
  /* The next handle's counters start from zero. */
  w->drop.last = 0;
  w->ifdrop.last = 0;
  pf_set_up(w, false, false, false);
}

static int pf_open_handle(struct pf_worker *w, char *err, size_t errlen) {
  struct pf_file_io io;
  pcap_t *p =
      pf_handle_open(&w->src->cfg, w->src->fanout_group,
                     w->src->fanout_key, &io, err, errlen);
  if (!p)
    return -1;
  pthread_mutex_lock(&w->src->control_lock);
  w->pcap = p;
  w->file = io;
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
             src->cfg.device, pf_mono_seconds() - w->down_since,
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
    w->down_since = pf_mono_seconds();
  if (strcmp(err, w->last_error) != 0) {
    if (speak)
      pf_log(src, PF_LOG_ERR, "%s; retrying every %d s at most", err,
             src->cfg.retry_max_s);
    snprintf(w->last_error, sizeof(w->last_error), "%s", err);
  }
  return false;
}

/* ---- the loop ---- */

/* The final state of a file: every flow whose timeout passed by the last
 * packet's time is expired, however many that is. Returns the number of
 * packets read. */
static uint64_t pf_finish_file(struct pf_worker *w) {
  pf_capture_close(w);
  pthread_spin_lock(&w->lock);
  pf_shard_expire_all(&w->shard, w->shard.clock.now_us);
  w->health.finished = 1;
  const uint64_t *all = w->shard.counters.traffic[PF_TRAFFIC_ALL].packets;
  uint64_t total = all[PF_DIR_RX] + all[PF_DIR_TX];
  pthread_spin_unlock(&w->lock);
  return total;
}

/* Expires flows after a batch of `n` packets, and ends the batch. `mono`
 * is the monotonic time now on a live source, 0 on a file. With no packets
 * on a live link that has seen some, packet time moves on with the
 * monotonic clock; the idle link takes the batch lock like a batch, so it
 * adopts new rules too and lets a waiting reader go first. */
void pf_after_batch(struct pf_worker *w, int n, double mono) {
  if (n > 0) {
    w->clock_ts_us = w->shard.clock.now_us;
    w->clock_mono = mono;
    pf_shard_expire(&w->shard, w->shard.clock.now_us,
                    PF_EXPIRE_BASE + PF_EXPIRE_PER_PACKET * (unsigned)n);
  } else if (mono != 0 && w->clock_mono != 0) {
    pf_batch_begin(w);
    pf_shard_expire(&w->shard,
                    w->clock_ts_us + (uint64_t)((mono - w->clock_mono) * 1e6),
                    PF_EXPIRE_IDLE);
  }
  if (mono != 0)
    pf_packet_clock_budget(&w->shard.clock, PF_LIVE_CLOCK_SLACK_US);
  pf_batch_end(w);
}

/* Waits until the handle has packets or an error to report, the source
 * is stopped, or PF_IDLE_WAKE_MS pass. The handle is non-blocking
 * (handle.c), so the pcap_dispatch that follows never blocks: an idle
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

/* One bounded batch: at most PF_LIVE_BATCH packets and about
 * PF_LIVE_BATCH_SECONDS on a live source, PF_FILE_BATCH packets from a
 * file. Returns pcap_dispatch's result; w->batch_n is the number of
 * packets, which PCAP_ERROR_BREAK (a batch cut short, or stop) does not
 * tell. */
static int pf_dispatch_batch(struct pf_worker *w, bool live) {
  w->batch_n = 0;
  if (!live && w->file.reader)
    return pf_capture_packets_of_file(w);
  if (!live)
    return pf_file_dispatch(w, pf_capture_packet);
  w->batch_deadline = pf_mono_seconds() + PF_LIVE_BATCH_SECONDS;
  return pcap_dispatch(w->pcap, PF_LIVE_BATCH, pf_capture_live_packet,
                       (u_char *)w);
}

/* Live housekeeping after every batch, however it ended: the kernel's drop
 * counts each PF_STATS_REFRESH_SECONDS, the addresses each
 * PF_ADDRESS_REFRESH_SECONDS. Under overload batches follow each other
 * without a pause, so this is what reports the drops. */
static void pf_live_refresh(struct pf_worker *w, double now) {
  if (now >= w->next_stats) {
    pf_read_kernel_stats(w);
    w->next_stats = now + PF_STATS_REFRESH_SECONDS;
  }
  if (now >= w->next_addresses) {
    pf_refresh_addresses(w);
    w->next_addresses = now + PF_ADDRESS_REFRESH_SECONDS;
  }
}

/* A live handle that failed (an interface gone): closed, to be reopened
 * after a back-off. */
static void pf_live_failed(struct pf_worker *w, double *backoff) {
  struct pf_source *src = w->src;
  if (w->index == 0)
    pf_log(src, PF_LOG_WARNING, "capture on \"%s\" failed: %s; reopening",
           src->cfg.device, pcap_geterr(w->pcap));
  pf_capture_close(w);
  w->down_since = pf_mono_seconds();
  snprintf(w->last_error, sizeof(w->last_error), "%s", "capture failed");
  /* An interface that fails again at once must not spin the loop. */
  pf_back_off(w, backoff);
}

/* The end of a file, or where libpcap stopped reading it (a truncated
 * record, an interface whose snapshot length differs from the first one's
 * in a pcapng file): either way every packet read so far stays counted,
 * and a file not read to its end says so (pf_source_run fails with it). */
void pf_file_ended(struct pf_worker *w, int n) {
  const char *device = w->src->cfg.device;
  if (n == PCAP_ERROR)
    snprintf(w->file_error, sizeof(w->file_error), "%s", pf_file_error(w));
  unsigned long long total = pf_finish_file(w);
  if (!w->file_error[0]) {
    pf_log(w->src, PF_LOG_INFO, "read \"%s\" to its end: %llu packets", device,
           total);
    return;
  }
  pf_log(w->src, PF_LOG_ERR,
         "stopped reading \"%s\": %s; the %llu packets before are counted, "
         "the rest of the file is not",
         device, w->file_error, total);
}

void pf_capture_loop(struct pf_worker *w) {
  struct pf_source *src = w->src;
  double backoff = 1.0;
  bool live = src->cfg.kind == PF_SOURCE_INTERFACE;
  bool more = false; /* the last batch was cut short: packets are waiting */
  w->next_stats = 0;
  w->next_addresses = pf_mono_seconds() + PF_ADDRESS_REFRESH_SECONDS;

  while (!atomic_load(&src->stop)) {
    if (!w->pcap) {
      if (!live)
        break; /* a file is opened once, by pf_source_start/run */
      if (!pf_try_open_live(w)) {
        pf_back_off(w, &backoff);
        continue;
      }
    }
    if (live && !more) {
      pf_wait_for_packets(w);
      if (atomic_load(&src->stop))
        break;
    }
    int n = pf_dispatch_batch(w, live);
    more = n == PF_LIVE_BATCH || n == PCAP_ERROR_BREAK;
    double now = live ? pf_mono_seconds() : 0;
    pf_after_batch(w, (int)w->batch_n, now);
    if (w->batch_n > 0)
      backoff = 1.0;
    if (live && n != PCAP_ERROR)
      pf_live_refresh(w, now);
    if (n == PCAP_ERROR_BREAK)
      continue; /* cut short, or stopped: the loop condition tells */
    if (n == PCAP_ERROR && live)
      pf_live_failed(w, &backoff);
    else if (!live && n <= 0) {
      pf_file_ended(w, n);
      return;
    }
  }
  pf_capture_close(w);
}

void *pf_capture_main(void *arg) {
  pf_capture_loop(arg);
  return NULL;
}

/* ---- the files a source reads ---- */

int pf_capture_open_file(struct pf_worker *w, char *err, size_t errlen) {
  if (pf_open_handle(w, err, errlen) != 0) {
    pf_set_up(w, false, false, true);
    return -1;
  }
  pf_log(w->src, PF_LOG_INFO, "reading \"%s\" (link type %s)",
         w->src->cfg.device, pcap_datalink_val_to_name(w->dlt));
  return 0;
}
