/* tcp_segments.h - TCP segments of one connection (client v4_a:40000,
 * server v4_b:80 unless told), built as frames and accounted by a shard,
 * for the TCP analysis and packet time tests. */
#ifndef PCAPFLOW_TESTS_UNIT_TCP_SEGMENTS_H
#define PCAPFLOW_TESTS_UNIT_TCP_SEGMENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "shard/shard.h"

#define MS(ms) ((uint64_t)(ms)*1000u)

enum { CLIENT, SERVER };

struct seg {
  int from;          /* CLIENT or SERVER */
  uint8_t flags;     /* PF_TCP_* */
  uint32_t seq, ack; /* as on the wire */
  uint16_t window;   /* 0 means 0; most tests pass 65535 */
  uint32_t payload;  /* data bytes */
  uint16_t cport;    /* client port; 0 means 40000 */
  uint16_t sport;    /* server port; 0 means 80 */
  bool tx;           /* sent by the local side (PF_DIR_TX); else rx */
};

/* Accounts the segment in s with timestamp ts (any two's complement
 * microseconds value, as the capture thread passes them). */
void seg_send(struct pf_shard *s, const struct seg *g, uint64_t ts);

/* Data [seq, seq + len) from `from` (tx from the client), acknowledging
 * `ack`, PSH and ACK set, a full window: an established connection's. */
void seg_data(struct pf_shard *s, int from, uint32_t seq, uint32_t len,
              uint32_t ack, uint64_t ts);

/* The same with other flags (a FIN with data: PF_TCP_FIN | PF_TCP_ACK). */
void seg_flagged(struct pf_shard *s, int from, uint8_t flags, uint32_t seq,
                 uint32_t len, uint32_t ack, uint64_t ts);

/* SYN at t0, SYN-ACK syn_synack later, the client's ACK synack_ack after
 * that (each offset a two's complement difference: it may be negative). */
void seg_handshake(struct pf_shard *s, uint16_t cport, uint32_t cisn,
                   uint32_t sisn, uint64_t t0, uint64_t syn_synack,
                   uint64_t synack_ack);

/* The interval's latency histogram of kind k (enum pf_tcp_latency). */
const struct pf_hist *seg_latency(const struct pf_shard *s, int k);

#endif
