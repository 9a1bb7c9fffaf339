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
 * TCP segments pay the test of their first payload bytes; a first segment
 * of fewer than 6 bytes that may start a hello is held until they come.
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
#include "shard/tls_reasm.h"
#include "sketch/top_batch.h"

#define PF_TLS_NO_L4 0xff /* no enum pf_l4 */

/* Versions as counted: SSL 3.0, TLS 1.0 to 1.3 (drafts too), other. */
#define PF_TLS_VERSION_SLOTS 6

/* Why a hello was not read whole: each partial hello has one. */
enum pf_tls_lost {
  PF_TLS_LOST_SNAPLEN, /* the capture cut it (SnapLen) */
  PF_TLS_LOST_GAP,     /* its next segment was missing or out of order, or
                          did not come in PF_TLS_REASM_LIVE_US */
  PF_TLS_LOST_EVICTED, /* given up for another hello while live */
  PF_TLS_LOST_LONG,    /* past what is held: its first record, at most
                          PF_TLS_REASM_BYTES */
};
#define PF_TLS_LOST_COUNT (PF_TLS_LOST_LONG + 1)

/* Cumulative counts of a shard (64-bit, monotonic). */
struct pf_tls_stats {
  uint64_t offered[PF_TLS_VERSION_SLOTS];  /* ClientHellos, highest offered */
  uint64_t selected[PF_TLS_VERSION_SLOTS]; /* ServerHellos, the choice */
  uint64_t partial;     /* hellos not read whole: the sum of lost[] */
  uint64_t reassembled; /* hellos read whole from more than one segment */
  uint64_t lost[PF_TLS_LOST_COUNT];        /* the partial ones, by why */
  uint64_t malformed[PF_TLS_RESULT_COUNT]; /* by result; PF_TLS_E_* only */
};

struct pf_tls_shard {
  bool analysis;   /* TlsAnalysis: nothing below is used without it */
  bool top;        /* names kept by flows (needs the TCP records) */
  uint8_t want_l4; /* PF_L4_TCP with analysis, else PF_TLS_NO_L4 */
  struct pf_tls_stats stats;
  struct pf_tls_names names; /* with top */
  struct pf_tls_reasm reasm; /* hellos in flight (tls_reasm.h) */
};

/* Where a packet's part runs: its flow's key hash and the sender's side
 * (the packet's probe), and the shard's clock. */
struct pf_tls_where {
  uint64_t flow_hash;
  uint64_t now_us;
  unsigned side;
};

/* A TCP segment's payload as the hello reader sees it. */
struct pf_tls_segment {
  struct pf_bytes cap; /* what was captured of it */
  uint32_t wire_len;   /* its length on the wire */
  uint32_t seq;        /* the TCP sequence number of its first byte */
};

int pf_tls_shard_init(struct pf_tls_shard *t, const struct pf_tls_config *cfg,
                      bool tcp_records, char *err, size_t errlen);
void pf_tls_shard_free(struct pf_tls_shard *t);

/* Whether bytes start like a record holding a ClientHello or ServerHello
 * (0x16 0x03 0x00..0x04, then 1 or 2 as the handshake type). */
static inline bool pf_tls_hello_start(const uint8_t p[6]) {
  return p[0] == 0x16 && p[1] == 0x03 && p[2] <= 0x04 &&
         (p[5] == 1 || p[5] == 2);
}
static inline bool pf_tls_starts_hello(const struct pf_bytes *b, uint32_t off) {
  const uint8_t *p;
  return pf_get_span(b, off, 6, &p) && pf_tls_hello_start(p);
}

/* Whether bytes may start a hello: they do, or there are fewer than 6 and
 * the first is a handshake record's type (22): a client or a middlebox
 * that cuts its first segment short (tls_resume.c holds it to see). */
static inline bool pf_tls_may_start(const struct pf_bytes *b, uint32_t off) {
  const uint8_t *p;
  uint8_t first;
  if (__builtin_expect(pf_get_span(b, off, 6, &p), 1))
    return pf_tls_hello_start(p);
  return __builtin_expect(pf_get_u8(b, off, &first), 0) && first == 0x16;
}

/* Whether the packet's TCP payload may start a hello, or its flow may
 * have a hello in flight (tls_reasm.h): a few instructions for every TCP
 * segment. */
static inline bool pf_tls_wanted(const struct pf_tls_shard *t,
                                 const struct pf_packet *pkt,
                                 uint64_t flow_hash) {
  /* want_l4 is PF_L4_TCP with the analysis on, else no class: one test
   * sends every other packet on. has_ports: the decoder validated the
   * whole TCP header, its data offset included. */
  if (pkt->l4 != t->want_l4 || !pkt->has_ports)
    return false;
  if (pf_tls_reasm_may_hold(&t->reasm, flow_hash))
    return true;
  struct pf_bytes l4 = pf_packet_l4(pkt);
  return pf_tls_may_start(&l4, pkt->tcp_hdr_len);
}

/* The packet's part for a wanted packet: counts its hello, or holds it
 * until its next segment (tls_resume.c); returns true with the index of a
 * ClientHello's server name in *name (or PF_TLS_NAME_OTHER) when the
 * flow's part has a name to keep. */
bool pf_tls_packet(struct pf_tls_shard *t, const struct pf_packet *pkt,
                   const struct pf_tls_where *w, uint32_t *name);

/* The same for a segment's payload (pf_tls_packet's second half; the fuzz
 * harness's way in). */
bool pf_tls_segment(struct pf_tls_shard *t, const struct pf_tls_segment *seg,
                    const struct pf_tls_where *w, uint32_t *name);

/* At a batch's end: hellos whose rest did not come in time are counted
 * partial (gap); with UINT64_MAX (the end of a file) all held ones. */
void pf_tls_tick(struct pf_tls_shard *t, uint64_t now_us);

/* ---- shared by tls.c and tls_resume.c ---- */

/* Counts a hello read whole (from one segment or more). */
void pf_tls_count_whole(struct pf_tls_shard *t, const struct pf_tls_hello *h);
/* Counts a hello read in part, and why. */
void pf_tls_count_partial(struct pf_tls_shard *t, const struct pf_tls_seen *s,
                          enum pf_tls_lost why);
/* What a hello read so far says for counting. */
struct pf_tls_seen pf_tls_seen_of(const struct pf_tls_hello *h);
/* Whether a hello has a server name for its flow to keep. */
static inline bool pf_tls_has_name(const struct pf_tls_shard *t,
                                   const struct pf_tls_hello *h) {
  return h->type == 1 && h->has_sni && h->sni_len > 0 && t->top;
}

/* A partial hello from its first segment: held for the next one (its
 * records joined, tls_join.h; read on at once, as the segment may hold
 * more of them), returning PF_TLS_LOST_COUNT, or why it cannot be (the
 * caller counts it). `named`: its name goes to the flow now; *late and
 * *name when the bytes held show a name the first record did not. */
enum pf_tls_lost pf_tls_resume_begin(struct pf_tls_shard *t,
                                     const struct pf_tls_segment *seg,
                                     const struct pf_tls_where *w,
                                     const struct pf_tls_hello *h, bool named,
                                     bool *late, uint32_t *name);
/* A segment of fewer than 6 bytes that may start a hello: held (in a free
 * or stale entry: it evicts no live hello) until they are there. */
void pf_tls_resume_short(struct pf_tls_shard *t,
                         const struct pf_tls_segment *seg,
                         const struct pf_tls_where *w);
/* A segment of a direction with a hello held: false when it is not the
 * hello's next, or comes PF_TLS_REASM_LIVE_US or more after the hello was
 * last fed by the shard's clock (the hello is given up: gap); true when
 * it was read, with *named and *name when the server name was read from
 * it. */
bool pf_tls_resume_next(struct pf_tls_shard *t, struct pf_tls_reasm_entry *e,
                        const struct pf_tls_segment *seg,
                        const struct pf_tls_where *w, bool *named,
                        uint32_t *name);

/* The flow's part: the flow keeps `name` unless it has one. */
void pf_tls_flow(struct pf_flow_table *ft, struct pf_flow *f, uint32_t name);

/* Once per flow per interval, for a flow that keeps a name (PF_TCPS_NAMED):
 * both[] (rx, tx) under its name into the interval's list. */
void pf_tls_feed(const struct pf_tls_shard *t, const struct pf_flow_table *ft,
                 const struct pf_flow *f, struct pf_top_batch *batch,
                 struct pf_topn *top, const uint64_t both[2]);

#endif
