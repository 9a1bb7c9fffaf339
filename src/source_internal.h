/* source_internal.h - the inside of struct pf_source, shared by the files
 * that open handles (pcap_handle.c) and run the capture loop (capture.c). */
#ifndef PCAPFLOW_SOURCE_INTERNAL_H
#define PCAPFLOW_SOURCE_INTERNAL_H

#include <pcap/pcap.h>
#include <pthread.h>
#include <stdatomic.h>

#include "pcapflow/source.h"

#define PF_ERR_MAX 512

/* 32-bit pcap_stats counters folded into 64-bit totals that survive both
 * wrap-around and reopens (pcap_stats restarts from zero on a new handle). */
struct pf_stat_total {
  uint64_t total;
  uint32_t last; /* last raw value read from the current handle */
};

struct pf_source {
  struct pf_source_config cfg;
  struct pf_hooks hooks;

  /* ---- owned by the capture thread ---- */
  pcap_t *pcap;
  int dlt;
  struct pf_localnet local; /* cfg.local plus the interface's addresses */
  uint8_t if_mac[6];
  bool if_mac_valid;
  struct pf_counters work;
  struct pf_health health;
  struct pf_stat_total drop, ifdrop;
  char last_error[PF_ERR_MAX]; /* what the last failed open said */
  double down_since;           /* monotonic seconds; 0 when up */

  /* ---- shared ---- */
  pthread_spinlock_t publish_lock;
  struct pf_counters published;
  struct pf_health published_health;

  pthread_mutex_t control_lock; /* guards pcap for breakloop, and wake */
  pthread_cond_t wake;
  atomic_bool stop;
  bool thread_started;
  pthread_t thread;
};

/* Opens the handle for src->cfg (live or file), applies settings and the
 * filter, and checks the link type. Returns the handle, or NULL with err. */
pcap_t *pf_handle_open(const struct pf_source_config *cfg, bool *perm_denied,
                       char *err, size_t errlen);

/* Reads the interface's MAC address; false when it has none. */
bool pf_interface_mac(const char *ifname, uint8_t mac[6]);

#endif
