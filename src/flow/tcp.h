/* tcp.h - passive TCP health analysis: handshake latency, retransmitted
 * and out-of-order segments, zero windows, resets, unanswered SYNs.
 *
 * The per-connection state lives in an extension pool beside the flow
 * table: a TCP flow gets an entry on its first analysed segment (struct
 * pf_flow's tcp_ext) and gives it back when the flow is removed, so UDP,
 * ICMP and other flows cost nothing. The pool has as many entries as the
 * table has flows, so it never runs out; calloc leaves the pages of entries
 * never handed out unmapped.
 *
 * Unanswered SYNs are found with a list of connections waiting for a
 * SYN-ACK, oldest first (the shard's clock never goes backwards), so
 * finding the ones past the timeout looks at the list's head only.
 *
 * Thread-safety: like the flow table, owned by one capture thread. */
#ifndef PCAPFLOW_TCP_H
#define PCAPFLOW_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "packet/decode.h"
#include "pcapflow/stats.h"
#include "sketch/latency_hist.h"

struct pf_tcp_interval {
  struct pf_hist latency[PF_TCP_LATENCY_COUNT];
};

/* One direction of a connection's sequence space. */
struct pf_tcp_dir {
  uint32_t next;             /* one past the highest sequence number seen */
  uint32_t hole_lo, hole_hi; /* [lo, hi): the latest gap never seen; none
                                when lo == hi */
};

/* One entry per MaxFlows in the pool, so its size is memory per flow: kept
 * at 56 bytes (a _Static_assert in tcp.c holds it there).
 *
 * Two times of the first SYN: its own timestamp, which the latency samples
 * are taken from (docs/RELIABILITY.md, "Time"), and the shard's clock when
 * it came, which its timeout runs on. */
struct pf_tcp_conn {
  struct pf_tcp_dir dir[2];      /* by the flow key's side */
  uint64_t syn_us;               /* first SYN, on the shard's clock */
  uint64_t syn_ts;               /* its timestamp (two's complement) */
  int32_t synack_after_us;       /* the SYN-ACK's timestamp less the SYN's
                                    (saturates at +-35 minutes) */
  uint32_t wait_prev, wait_next; /* the unanswered-SYN list; free list */
  uint8_t state;                 /* enum pf_tcp_state (tcp.c) */
  uint8_t client;                /* side that sent the SYN */
  uint8_t waiting;               /* on the unanswered-SYN list */
  uint8_t dir_known;             /* bit `side`: dir[side].next is known */
};

struct pf_tcp_table {
  struct pf_tcp_conn *conns; /* NULL: analysis off */
  uint32_t max_conns;
  uint32_t free_head, next_unused;
  uint32_t wait_head, wait_tail; /* oldest SYN first */
  uint64_t syn_timeout_us;
  struct pf_tcp_stats stats;
};

/* Allocates max_conns entries. Returns 0, or -1 with err. */
int pf_tcp_table_init(struct pf_tcp_table *t, uint32_t max_conns,
                      uint32_t syn_timeout_s, char *err, size_t errlen);
void pf_tcp_table_free(struct pf_tcp_table *t);

/* Analyses one TCP segment of a flow, sent by `side`; *ext is the flow's
 * extension index (PF_TCP_NONE until the first segment). now_us is the
 * shard's clock (packet_clock.h), ts_us the segment's own timestamp (two's
 * complement). Latency samples go to iv. Returns true when the segment
 * completed a handshake, with its SYN-to-ACK time in *handshake_us. Does
 * nothing when analysis is off or the packet has no TCP header. */
bool pf_tcp_packet(struct pf_tcp_table *t, uint32_t *ext, uint8_t side,
                   const struct pf_packet *pkt, uint64_t now_us, uint64_t ts_us,
                   struct pf_tcp_interval *iv, uint64_t *handshake_us);

/* Gives a removed flow's entry back. A SYN still waiting for its answer
 * counts as unanswered: the attempt got none while it was tracked. */
void pf_tcp_release(struct pf_tcp_table *t, uint32_t *ext);

/* Counts the SYNs whose timeout passed by now_us as unanswered. */
void pf_tcp_tick(struct pf_tcp_table *t, uint64_t now_us);

void pf_tcp_interval_reset(struct pf_tcp_interval *iv);
void pf_tcp_interval_merge(struct pf_tcp_interval *dst,
                           const struct pf_tcp_interval *src);
void pf_tcp_stats_add(struct pf_tcp_stats *dst, const struct pf_tcp_stats *s);

/* Sequence-space comparisons, correct across the 2^32 wrap when the two
 * numbers are less than 2^31 apart. */
static inline bool pf_seq_lt(uint32_t a, uint32_t b) {
  return (int32_t)(a - b) < 0;
}
static inline bool pf_seq_le(uint32_t a, uint32_t b) {
  return (int32_t)(a - b) <= 0;
}

#define PF_TCP_NONE UINT32_MAX

#endif
