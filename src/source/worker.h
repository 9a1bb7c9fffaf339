/* worker.h - the inside of a source and its capture workers, shared by
 * the source's life (source.c), the capture loop (capture.c), opening
 * handles (handle.c), reports (report.c) and rules (source_rules.c). */
#ifndef PCAPFLOW_SOURCE_WORKER_H
#define PCAPFLOW_SOURCE_WORKER_H

#include <pcap/pcap.h>
#include <pthread.h>
#include <stdatomic.h>

#include "pcapflow/source.h"
#include "shard/shard.h"
#include "sketch/top_names.h"
#include "source/file_reader.h"
#include "source/lock_probe.h"

/* 32-bit pcap_stats counters folded into 64-bit totals that survive both
 * wrap-around and reopens (pcap_stats restarts from zero on a new handle). */
struct pf_stat_total {
  uint64_t total;
  uint32_t last; /* last raw value read from the current handle */
};

/* A packet's time in microseconds since 1970, two's complement as the
 * shard's clock reads it: a record stamped 0xFFFFFFFF seconds, which
 * libpcap (and the file reader, as libpcap) reads as -1 in a file of this
 * host's byte order, is a time before 1970 (packet_clock.h); in a swapped
 * file both read it as 4294967295 s, a time far ahead. */
static inline uint64_t pf_stamp_us(const struct pcap_pkthdr *h) {
  return (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
}

/* A file is read in batches of this many packets so that its progress can
 * be read (and a stop request noticed) while it is being read. */
#define PF_FILE_BATCH 4096

/* How a file source's handle is read: by the source's own reader (a
 * classic pcap file, file_reader.h), or by libpcap through a large stdio
 * buffer (pcapng, standard input, a pipe); neither for a live handle. Both
 * are freed with the handle (pf_handle_close). */
struct pf_file_io {
  struct pf_file_reader *reader;
  void *stdio_buf;
};

/* One capture thread with its own handle and shard. */
struct pf_worker {
  struct pf_source *src;
  unsigned index;

  /* ---- the capture thread's own ---- */
  pcap_t *pcap;           /* written under src->control_lock, for breakloop */
  struct pf_file_io file; /* a file's reader or buffer, freed with pcap;
                             written under control_lock too (a stop breaks
                             the reader's batch: pf_file_breakloop) */
  int dlt;
  struct pf_localnet local; /* cfg.local plus the interface's addresses */
  uint8_t if_mac[6];
  bool if_mac_valid;
  /* if_mac when valid, else NULL: what pf_direction takes, one load a
   * packet rather than a test and a select. */
  const uint8_t *if_mac_known;
  struct pf_stat_total drop, ifdrop;
  char last_error[PF_ERR_MAX]; /* what the last failed open said */
  char file_error[PF_ERR_MAX]; /* why a file was not read to its end */
  double down_since;           /* monotonic seconds; 0 when up */
  uint64_t clock_ts_us;        /* packet time at clock_mono */
  double clock_mono;           /* monotonic seconds of the last packet */
  bool in_batch;               /* lock held for the current batch */
  unsigned batch_n;            /* packets of the current batch so far */
  double batch_deadline;       /* monotonic end of a live batch */
  double next_stats;           /* monotonic time of the next pcap_stats */
  double next_addresses;       /* ... and of the next address refresh */
  int wake_fd;                 /* eventfd: written at stop, ends the wait */
  struct pf_pause *pause; /* pf_source_run_until's (run_until.c); or NULL */

  /* ---- guarded by lock ---- */
  pthread_spinlock_t lock;
  atomic_uint readers; /* readers waiting for the lock (worker_lock.h) */
  struct pf_shard shard;
  struct pf_health health;
  /* A new rule set waiting for the next batch boundary, and the one it
   * replaced, waiting for the control thread to free it (source_rules.c). */
  struct pf_class_counters pending, retired;
  bool has_pending;
#ifdef PF_LOCK_PROBE
  struct pf_lock_probe *probe; /* bench-only (lock_probe.h) */
#endif

  bool thread_started;
  pthread_t thread;
};

struct pf_source {
  struct pf_source_config cfg;
  struct pf_hooks hooks;
  unsigned n_workers;
  struct pf_worker *workers;
  int fanout_group;
  uint32_t fanout_key; /* the group program's (fanout_hash.h), drawn once */

  pthread_mutex_t control_lock; /* guards workers' pcap and file, for
                                   breakloop */
  atomic_bool stop;

  /* ---- the reader's own ---- */
  struct pf_rules *rules; /* the newest rule set given; NULL: none */
  /* Per class of `rules`: the workers' handshake latency of the interval,
   * merged; NULL without rules or TCP analysis (source_rules.c). */
  struct pf_hist *class_handshake;
  /* ...and their TCP timing figures, PF_TCP_TIMING_COUNT a class; NULL
   * without ClassTiming. */
  struct pf_hist *class_timing;
  /* PortTiming (report_ports.c): the ports handed to the workers at the
   * last read, which name the slots of their interval since, and those
   * slots merged; NULL when off. */
  uint16_t timed_port[PF_MAX_TOP_N];
  uint32_t timed_ports;
  struct pf_hist *port_timing; /* (TopN + 1) x PF_TCP_TIMING_COUNT */
  struct pf_interval report;   /* workers' finished intervals, merged */
  struct pf_top_names names[PF_TOP_KIND_COUNT];
  bool names_spent_logged[PF_TOP_KIND_COUNT]; /* warned once (report.c) */
  struct pf_top_names dns_names;              /* the top queried domains' */
  struct pf_top_names sni_names;              /* the top TLS server names' */
  struct pf_anomaly_detector anomaly;
};

/* ---- reading a file source ---- */

/* One batch of a file (pcap_dispatch's results, whichever reads it). */
static inline int pf_file_dispatch(struct pf_worker *w, pcap_handler cb) {
  if (w->file.reader)
    return pf_file_reader_dispatch(w->file.reader, PF_FILE_BATCH, cb,
                                   (u_char *)w);
  return pcap_dispatch(w->pcap, PF_FILE_BATCH, cb, (u_char *)w);
}

/* Ends the file's current batch after the record being handed over. */
static inline void pf_file_breakloop(struct pf_worker *w) {
  if (w->file.reader)
    pf_file_reader_breakloop(w->file.reader);
  else
    pcap_breakloop(w->pcap);
}

/* Why the last batch returned PCAP_ERROR. */
static inline const char *pf_file_error(struct pf_worker *w) {
  return w->file.reader ? pf_file_reader_error(w->file.reader)
                        : pcap_geterr(w->pcap);
}

/* ---- the capture loop (capture.c) ---- */

/* Runs a worker's capture until the source is stopped or its file ends. */
void pf_capture_loop(struct pf_worker *w);
/* pf_capture_loop as a thread's start routine. */
void *pf_capture_main(void *arg);
/* Opens a file source's handle, so that a bad file fails start-up. Returns
 * 0, or -1 with err. */
int pf_capture_open_file(struct pf_worker *w, char *err, size_t errlen);
/* Closes the worker's handle (if open), keeping its drop counts. */
void pf_capture_close(struct pf_worker *w);
/* The capture loop's parts that pf_source_run_until (run_until.c) reads a
 * file with: a packet decoded and accounted (pcap_handler); the end of a
 * batch of n packets (mono: 0 on a file); the end of a file, or where
 * libpcap stopped reading it (n: pcap_dispatch's result). */
void pf_capture_packet(u_char *user, const struct pcap_pkthdr *h,
                       const u_char *bytes);
/* One batch of a file the source's own reader reads (w->file.reader):
 * pf_file_dispatch with pf_capture_packet, in one function. */
int pf_capture_packets_of_file(struct pf_worker *w);
void pf_after_batch(struct pf_worker *w, int n, double mono);
void pf_file_ended(struct pf_worker *w, int n);
/* After a file source's run: 0, or 1 with err saying where and why
 * libpcap stopped reading it before its end. */
int pf_source_file_result(struct pf_source *src, char *err, size_t errlen);

/* Opens the handle for cfg (live or file), applies settings, checks the
 * link type, installs the filter and, when fanout_group >= 0, joins the
 * fanout group taking in no frame before the join and sets the group's
 * program keyed by fanout_key (fanout_join.h). Returns the
 * handle, or NULL with err. With io, a file is read by the source's own reader
 * when it is a classic pcap file, or else through a large stdio buffer (*io
 * says which; both NULL for a live handle), which pf_handle_close frees with
 * the handle; without io, libpcap reads it as pcap_open_offline opens it. */
pcap_t *pf_handle_open(const struct pf_source_config *cfg, int fanout_group,
                       uint32_t fanout_key, struct pf_file_io *io, char *err,
                       size_t errlen);
/* Closes a handle pf_handle_open returned, and what io holds (io may be
 * NULL); io is left empty. */
void pf_handle_close(pcap_t *p, struct pf_file_io *io);

/* Reads the interface's MAC address; false when it has none. */
bool pf_interface_mac(const char *ifname, uint8_t mac[6]);

/* Sets what the packet path must do (cfg->shard: flow table, top-N lists,
 * distinct counts) from the report switches. pf_source_config_check calls
 * it, and pf_source_new again, after the host program has settled
 * report.by_class (no rules file: nothing per class). */
void pf_source_config_derive(struct pf_source_config *cfg);

/* Fills out->top from the merged interval, naming at most
 * cfg.top_series_limit distinct keys per list over the source's life. */
void pf_source_report_top(struct pf_source *src, struct pf_snapshot *out);

/* ---- DNS (report_dns.c, report_domains.c) ---- */

/* The workers' DNS counts, summed under their locks. */
struct pf_dns_sum {
  struct pf_dns_stats stats;
  uint64_t unanswered, evicted, unmatched;
  uint64_t framing_evicted; /* DNS-over-TCP framing states given up */
};

void pf_dns_sum(struct pf_dns_sum *sum, const struct pf_dns_shard *d);

/* Fills out->dns from the sum and the merged interval. */
void pf_source_report_dns(struct pf_source *src, const struct pf_dns_sum *sum,
                          struct pf_snapshot *out);

/* Fills out->top_domains from the merged interval, naming at most
 * cfg.top_series_limit domains over the source's life. */
void pf_source_report_domains(struct pf_source *src, struct pf_snapshot *out);

/* A top list keyed by names (struct pf_dns_domain_key, pf_tls_name_key)
 * as `list`: its TopN keys named PREFIX and the name written [a-z0-9_],
 * at most `names` allows, then PREFIX "other". */
void pf_report_text_top(struct pf_source *src, const struct pf_topn *t,
                        struct pf_top_names *names, const char *prefix,
                        struct pf_top_list *list);

/* ---- TLS (report_tls.c) ---- */

/* Adds a worker's TLS counts, under its lock. */
void pf_tls_sum(struct pf_tls_stats *sum, const struct pf_tls_shard *t);

/* Fills out->tls from the sum and out->top_sni from the merged interval,
 * naming at most cfg.top_series_limit server names over the source's
 * life. */
void pf_source_report_tls(struct pf_source *src, const struct pf_tls_stats *sum,
                          struct pf_snapshot *out);

/* ---- TCP timing per top port (report_ports.c) ---- */

/* Allocates the reader's merged histograms when PortTiming is in effect.
 * Returns 0, or -1 with err. */
int pf_source_ports_init(struct pf_source *src, char *err, size_t errlen);

/* Fills out->port_timing: swaps each worker's port histograms out under
 * its lock, handing it the TCP ports of the top services list just
 * reported (the ones it had when `fresh` is false, no worker handed an
 * interval over, or when the list names no TCP port), and reports them by
 * the list they were taken with. */
void pf_source_report_ports(struct pf_source *src, bool fresh,
                            struct pf_snapshot *out);

/* ---- traffic rules (source_rules.c) ---- */

/* Capture thread, lock held: adopts a pending rule set, if any. */
void pf_worker_apply_rules_locked(struct pf_worker *w);

/* Nearest-rank figures of a latency histogram in seconds, as enum
 * pf_tcp_quantile (p50, p90, p99, max); NaN when it is empty or NULL. */
void pf_latency_figures(const struct pf_hist *h,
                        double out[PF_TCP_QUANTILE_COUNT]);

/* Reader: adds the workers' class counters to out->classes, by the names
 * of the newest rule set. Takes each worker's lock briefly. */
void pf_source_snapshot_classes(struct pf_source *src, struct pf_snapshot *out);

/* Frees a worker's pending and retired sets (no thread running). */
void pf_worker_free_rules(struct pf_worker *w);

#endif
