/* shard.h - everything one capture thread counts: traffic counters, its
 * flow table and the current interval's sketches (top hosts, ports and
 * flows; distinct sources, destinations and ports).
 *
 * Thread-safety: the capture thread calls pf_shard_enqueue (or
 * pf_shard_packet) and pf_shard_expire while holding the owner's lock (taken
 * once per batch); the reader, under the same lock, copies the counters and
 * swaps the interval sketches out with pf_shard_swap_interval, an O(1) step
 * whatever the number of flows. */
#ifndef PCAPFLOW_SHARD_H
#define PCAPFLOW_SHARD_H

#include <stdbool.h>
#include <stdint.h>

#include "anomaly/anomaly.h"
#include "flow/flow.h"
#include "flow/tcp.h"
#include "pcapflow/config.h"
#include "pcapflow/counters.h"
#include "pcapflow/stats.h"
#include "shard/class_counters.h"
#include "sketch/hll.h"
#include "sketch/top_batch.h"
#include "sketch/topn.h"

/* Keys of the top-N sketches. */
struct pf_host_key {
  uint8_t family; /* 4 or 6 */
  uint8_t prefix; /* aggregation prefix length */
  uint8_t pad[2];
  uint8_t addr[16]; /* masked to the prefix */
};

struct pf_service_key {
  uint8_t proto;
  uint8_t pad;
  uint16_t port; /* the responder's port; 0 for protocols without ports */
};

/* One interval's sketches. */
struct pf_interval {
  struct pf_topn top[PF_TOP_KIND_COUNT];
  struct pf_hll src_hosts, dst_hosts, dst_ports;
  struct pf_tcp_interval tcp;      /* handshake latency samples */
  struct pf_anomaly_table anomaly; /* SYN flood and port scan evidence */
};

/* Decoded packets wait in a shard this long before they are accounted,
 * so that a packet's flow bucket arrives from memory while the packets
 * ahead of it are accounted (the flow table of a busy link is far larger
 * than the caches). */
#define PF_SHARD_QUEUE_DEPTH 4
/* What accounting reads of a transport header once the flow key is made:
 * the fixed TCP header (tcp.c). */
#define PF_QUEUED_L4_BYTES 20

/* A queued packet, with copies of the bytes it points to: libpcap lends
 * the frame only for the duration of its callback. */
struct pf_queued_packet {
  struct pf_packet pkt;
  struct pf_flow_probe probe;
  uint64_t ts_us;
  uint8_t dir;      /* enum pf_dir */
  uint8_t locality; /* enum pf_locality */
  uint8_t src_ip[16], dst_ip[16];
  uint8_t l4[PF_QUEUED_L4_BYTES];
};

struct pf_shard {
  struct pf_counters counters;
  struct pf_class_counters classes; /* per traffic class; empty without rules */
  struct pf_flow_table flows;
  struct pf_interval *cur;   /* the capture thread writes here */
  struct pf_interval *spare; /* handed to the reader by the last swap */
  /* This batch's top-N offers, summed per key until pf_shard_batch_end. */
  struct pf_top_batch top_batch[PF_TOP_KIND_COUNT];
  uint64_t now_us;        /* packet time, never going backwards */
  uint8_t host_prefix[2]; /* v4, v6 */
  /* Groups not reported, whose work is skipped (pf_shard_config). */
  bool skip_flows, skip_distinct, skip_top[PF_TOP_KIND_COUNT];
  uint64_t seed[4];
  /* Packets decoded but not yet accounted, oldest at queue_head. */
  struct pf_queued_packet queue[PF_SHARD_QUEUE_DEPTH];
  unsigned queue_head, queue_len;
  /* queue_len changes with every packet. Whatever follows a shard in
   * memory (in bench-scaling, the next worker's fields, which the other
   * thread reads with every packet) must not share its cache line: without
   * this, two shards on two threads cost 322 instead of 240 ns a packet
   * (docs/PERFORMANCE.md, "Third pass"). */
  char pad_after_queue[64];
};

int pf_interval_init(struct pf_interval *iv, uint32_t top_capacity, char *err,
                     size_t errlen);
void pf_interval_reset(struct pf_interval *iv);
void pf_interval_merge(struct pf_interval *dst, const struct pf_interval *src);
void pf_interval_free(struct pf_interval *iv);

int pf_shard_init(struct pf_shard *s, const struct pf_shard_config *cfg,
                  char *err, size_t errlen);
void pf_shard_free(struct pf_shard *s);

/* The per-packet pipeline after decoding: counters, flow table, sketches.
 * ts_us is the packet's timestamp. Accounts the packet at once. */
void pf_shard_packet(struct pf_shard *s, const struct pf_packet *pkt,
                     enum pf_dir dir, enum pf_locality locality,
                     uint64_t ts_us);

/* pf_shard_packet by way of the queue (shard.c): copies what the
 * packet points to, asks for its flow bucket, and accounts the oldest
 * queued packet when the queue is full. Packets are accounted in the order
 * they were queued, with the same outcome as pf_shard_packet; the capture
 * thread uses this. */
void pf_shard_enqueue(struct pf_shard *s, const struct pf_packet *pkt,
                      enum pf_dir dir, enum pf_locality locality,
                      uint64_t ts_us);

/* Accounts every queued packet. pf_shard_batch_end and pf_shard_expire
 * call it first, so nothing stays queued across a batch's end. */
void pf_shard_drain(struct pf_shard *s);

/* pf_shard_packet for a packet whose flow was probed already (p). */
void pf_shard_account(struct pf_shard *s, const struct pf_packet *pkt,
                      const struct pf_flow_probe *p, enum pf_dir dir,
                      enum pf_locality locality, uint64_t ts_us);

/* Ends a batch of packets: hands the batch's summed top-N offers to the
 * interval sketches. Called before the lock is released after a batch;
 * pf_shard_swap_interval calls it too, so a swapped-out interval always
 * holds every byte counted before the swap. */
void pf_shard_batch_end(struct pf_shard *s);

/* Advances packet time to now_us (if later) and expires up to `budget`
 * flows. Called after each batch and on idle capture timeouts. */
void pf_shard_expire(struct pf_shard *s, uint64_t now_us, unsigned budget);

/* Swaps the interval sketches: returns the finished interval, which the
 * reader owns until the next swap and must pf_interval_reset before then,
 * and starts the one the reader cleaned. */
struct pf_interval *pf_shard_swap_interval(struct pf_shard *s);

#endif
