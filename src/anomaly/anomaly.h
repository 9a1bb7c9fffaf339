/* anomaly.h - bounded per-interval evidence of SYN floods and port scans,
 * and the detector that turns windows of it into WARNING and OKAY
 * notifications.
 *
 * Evidence is kept in fixed tables whatever the traffic: SYN targets
 * (address and port: SYNs and completed handshakes) and scanning sources
 * (address: a 1024-bit linear-counting bitmap of the destinations, host
 * and port, it sent SYNs or new UDP flows to). A slot is claimed by a key
 * only after the key in it has lost its count to colliding keys (one
 * decrement per collision), so heavy keys stay while a spoofed flood of
 * one-packet keys churns the rest. Tables of several workers merge slot by
 * slot, as every table hashes with the process' seed.
 *
 * Thread-safety: tables follow struct pf_interval; the detector is the
 * reader's own. */
#ifndef PCAPFLOW_ANOMALY_H
#define PCAPFLOW_ANOMALY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "packet/decode.h"
#include "pcapflow/config.h"

#define PF_ANOMALY_SLOTS 256
#define PF_SCAN_BITS 1024
#define PF_ANOMALY_ACTIVE_MAX 16 /* alarms open at once, per kind */

struct pf_anomaly_key {
  uint8_t family; /* 0: empty slot */
  uint8_t pad;
  uint16_t port; /* SYN targets; 0 for scanners */
  uint8_t addr[16];
};

struct pf_syn_slot {
  struct pf_anomaly_key key;
  uint32_t weight;    /* half-open SYNs counted while it held the slot */
  uint32_t syn, done; /* SYNs to it; handshakes with it completed */
};

struct pf_scan_slot {
  struct pf_anomaly_key key;
  uint32_t weight; /* probes counted while it held the slot */
  uint64_t bits[PF_SCAN_BITS / 64];
  /* 1 + the bit of the holder's first destination while bits is not
   * yet its bitmap (a new holder's bitmap is written at its second
   * probe: a spoofed flood's sources have none); 0: bits is. */
  uint32_t first;
  uint32_t pad; /* 160 bytes: a slot's offset is 2 instructions, not 4 */
};
_Static_assert(sizeof(struct pf_scan_slot) == 160,
               "a scanner slot's offset is a multiply by 5 and a shift");

struct pf_anomaly_table {
  struct pf_syn_slot syn[PF_ANOMALY_SLOTS];
  struct pf_scan_slot scan[PF_ANOMALY_SLOTS];
};

void pf_anomaly_reset(struct pf_anomaly_table *t);
void pf_anomaly_merge(struct pf_anomaly_table *dst,
                      const struct pf_anomaly_table *src);

/* Evidence from one packet from src to dst, port dst_port (addresses of
 * `family` 4 or 6): a SYN (without ACK or RST), the first packet of a UDP
 * flow from its sender, or the packet that completed a handshake (its
 * destination is the server). */
void pf_anomaly_packet(struct pf_anomaly_table *t, const uint64_t seed[4],
                       uint8_t family, const uint8_t *src, const uint8_t *dst,
                       uint16_t dst_port, bool syn, bool new_udp_flow,
                       bool completed);

/* Distinct destinations a scanner slot saw (linear counting). */
double pf_scan_distinct(const struct pf_scan_slot *s);

/* A scanner slot's bitmap of destinations, into out (its bits are that
 * bitmap only once its holder has probed twice: `first`). */
void pf_scan_bitmap(const struct pf_scan_slot *s,
                    uint64_t out[PF_SCAN_BITS / 64]);

typedef void (*pf_notify_fn)(enum pf_notify_severity severity,
                             const char *message, void *ctx);

struct pf_alarm {
  struct pf_anomaly_key key;
  double since; /* seconds: raised at (active) or cleared at (cooling) */
  bool used;
};

struct pf_anomaly_detector {
  struct pf_anomaly_config cfg;
  struct pf_anomaly_table *window; /* evidence of the current window */
  double window_start;             /* seconds, the caller's clock */
  struct pf_alarm active[2][PF_ANOMALY_ACTIVE_MAX];  /* by kind */
  struct pf_alarm cooling[2][PF_ANOMALY_ACTIVE_MAX]; /* by kind */
};

int pf_anomaly_detector_init(struct pf_anomaly_detector *d,
                             const struct pf_anomaly_config *cfg, char *err,
                             size_t errlen);
void pf_anomaly_detector_free(struct pf_anomaly_detector *d);

/* Adds an interval's merged evidence at time now (seconds); when the
 * window is over, judges it: WARNING for a key over its threshold that has
 * no open alarm and is not cooling down, OKAY for an open alarm whose key
 * is below it. `source` names the capture source in messages. */
void pf_anomaly_detector_feed(struct pf_anomaly_detector *d,
                              const struct pf_anomaly_table *interval,
                              double now, const char *source,
                              pf_notify_fn notify, void *ctx);

#endif
