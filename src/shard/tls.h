/* tls.h - TLS server names and versions on a shard's per-packet path
 * (docs/SERVICES.md, "TLS server names").
 *
 * The packet's part (pf_tls_packet, in pf_prepare while libpcap lends the
 * frame) offers a TCP segment whose payload starts like a handshake record
 * holding a ClientHello or ServerHello (0x16 0x03 0x00..0x04, then 1 or 2
 * as the handshake type: no port list, so TLS on any port is seen) to the
 * bounded parser (app/tls.h); it counts the version a ClientHello offers
 * at most and the one a ServerHello selects, hellos read partly and
 * malformed ones by reason, and interns a ClientHello's server name in the
 * shard's bounded name table (tls_names.h), queuing only its index. Other
 * TCP segments pay the test of their first payload bytes.
 *
 * The flow's part (pf_tls_flow, with the flow found) keeps the index in
 * the flow's TCP record (tcp.h: the first name wins), and the feed
 * (pf_tls_feed, once per flow per interval, epoch.c) adds the flow's bytes
 * of the interval to the top list under its name. */
#ifndef PCAPFLOW_SHARD_TLS_H
#define PCAPFLOW_SHARD_TLS_H

#include <stdbool.h>
#include <stdint.h>

#include "app/tls.h"
#include "flow/flow.h"
#include "packet/decode.h"
#include "pcapflow/config.h"
#include "shard/tls_names.h"
#include "sketch/top_batch.h"

#define PF_TLS_NO_L4 0xff /* no enum pf_l4 */

/* Versions as counted: SSL 3.0, TLS 1.0 to 1.3 (drafts too), other. */
#define PF_TLS_VERSION_SLOTS 6

/* Cumulative counts of a shard (64-bit, monotonic). */
struct pf_tls_stats {
  uint64_t offered[PF_TLS_VERSION_SLOTS];  /* ClientHellos, highest offered */
  uint64_t selected[PF_TLS_VERSION_SLOTS]; /* ServerHellos, the choice */
  uint64_t partial; /* hellos going on past the segment (or the capture) */
  uint64_t malformed[PF_TLS_RESULT_COUNT]; /* by result; PF_TLS_E_* only */
};

struct pf_tls_shard {
  bool analysis;   /* TlsAnalysis: nothing below is used without it */
  bool top;        /* names kept by flows (needs the TCP records) */
  uint8_t want_l4; /* PF_L4_TCP with analysis, else PF_TLS_NO_L4 */
  struct pf_tls_stats stats;
  struct pf_tls_names names; /* with top */
};

int pf_tls_shard_init(struct pf_tls_shard *t, const struct pf_tls_config *cfg,
                      bool tcp_records, char *err, size_t errlen);
void pf_tls_shard_free(struct pf_tls_shard *t);

/* Whether the packet's TCP payload starts like a record holding a
 * ClientHello or ServerHello: a few instructions for every TCP segment. */
static inline bool pf_tls_wanted(const struct pf_tls_shard *t,
                                 const struct pf_packet *pkt) {
  /* want_l4 is PF_L4_TCP with the analysis on, else no class: one test
   * sends every other packet on. has_ports: the decoder validated the
   * whole TCP header, its data offset included. */
  if (pkt->l4 != t->want_l4 || !pkt->has_ports)
    return false;
  struct pf_bytes l4 = pf_packet_l4(pkt);
  uint8_t doff;
  const uint8_t *p;
  return pf_get_u8(&l4, 12, &doff) &&
         pf_get_span(&l4, (uint32_t)(doff >> 4) * 4, 6, &p) && p[0] == 0x16 &&
         p[1] == 0x03 && p[2] <= 0x04 && (p[5] == 1 || p[5] == 2);
}

/* The packet's part for a wanted packet: counts its hello; returns true
 * with the index of a ClientHello's server name in *name (or
 * PF_TLS_NAME_OTHER) when the flow's part has a name to keep. */
bool pf_tls_packet(struct pf_tls_shard *t, const struct pf_packet *pkt,
                   uint32_t *name);

/* The flow's part: the flow keeps `name` unless it has one. */
void pf_tls_flow(struct pf_flow_table *ft, struct pf_flow *f, uint32_t name);

/* Once per flow per interval, for a flow that keeps a name (PF_TCPS_NAMED):
 * both[] (rx, tx) under its name into the interval's list. */
void pf_tls_feed(const struct pf_tls_shard *t, const struct pf_flow_table *ft,
                 const struct pf_flow *f, struct pf_top_batch *batch,
                 struct pf_topn *top, const uint64_t both[2]);

#endif
