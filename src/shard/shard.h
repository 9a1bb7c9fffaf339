/* shard.h - everything one capture thread counts: traffic counters, its
 * flow table and the interval's sketches (top hosts, ports and flows;
 * distinct sources, destinations and ports), latency and anomaly evidence.
 *
 * The per-packet path (shard_packet.c; docs/HOT_PATH.md) counts the
 * packet, finds its flow, adds the packet's bytes to the flow's epoch
 * (epoch.c) and analyses TCP segments; nothing else. What a flow fixes (its
 * hosts, its service, its key, the distinct addresses and ports it adds)
 * reaches the sketches once per flow per interval, when the interval
 * closes, or earlier when the flow ends.
 *
 * Intervals therefore close in two steps. The reader, under the owner's
 * lock, swaps the current interval out (O(1)); the capture thread then
 * feeds the flows of the interval just swapped out into it, a bounded
 * number per batch; the reader receives it at its next swap, finished. So
 * the top-N lists and distinct counts a read reports describe the interval
 * before (docs/METRICS.md), except at the end of a file, when the reader
 * finishes both intervals itself; what packets add alone (handshake
 * latency, anomaly evidence) is handed over at the read it belongs to.
 *
 * Thread-safety: the capture thread calls pf_shard_enqueue (or
 * pf_shard_packet), pf_shard_batch_end and pf_shard_expire while holding
 * the owner's lock (taken once per batch); the reader, under the same
 * lock, copies the counters and swaps intervals with
 * pf_shard_swap_interval. */
#ifndef PCAPFLOW_SHARD_H
#define PCAPFLOW_SHARD_H

#include <stdbool.h>
#include <stdint.h>

#include "anomaly/anomaly.h"
#include "base/check.h"
#include "flow/flow.h"
#include "flow/tcp.h"
#include "pcapflow/config.h"
#include "pcapflow/counters.h"
#include "pcapflow/stats.h"
#include "shard/class_counters.h"
#include "shard/dns.h"
#include "shard/feed_hash.h"
#include "shard/feed_list.h"
#include "shard/packet_clock.h"
#include "shard/port_latency.h"
#include "shard/tls.h"
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
  struct pf_hist dns_latency;      /* DNS query to response (dns.h) */
  struct pf_topn dns_domains;      /* queries by registered domain (bytes[0]) */
  struct pf_topn tls_names;        /* flows' bytes by TLS server name (tls.h) */
};

/* An interval and what feeds it: its flows' top-N offers summed per key
 * (top_batch.h), and the epoch tag its flows carry (pf_flow.iv). Its close
 * feeds the flows of the pool entries handed out during it and those of
 * its lists (feed_list.h, in pf_shard: one a family, IPv4 first as the
 * pools were swept); when a list was full, it sweeps the pools (epoch.c). */
struct pf_feed {
  struct pf_interval *iv;
  struct pf_top_batch top_batch[PF_TOP_KIND_COUNT];
  struct pf_top_batch dns_batch; /* the queries' domains (dns.h) */
  struct pf_top_batch tls_batch; /* the flows' server names (tls.h) */
  uint8_t gen;     /* 1 or 2; its lists: pf_shard.lists[gen - 1] */
  bool sweep;      /* closing: every pool entry (a list was full) */
  uint32_t pos[2]; /* closing: the pool entries swept so far, by family */
  uint32_t end[2]; /* closing: the pools' high-water marks at its close */
};

/* Decoded packets are accounted in vectors of up to this many (a batch
 * is cut into them): their flow buckets are asked for from memory as they
 * come, the chains' first entries when the vector is full, and then the
 * packets are accounted, with what they need in cache (the flow table of a
 * busy link is far larger than the caches). */
#define PF_SHARD_QUEUE_DEPTH 32
/* Each queued TCP segment may leave its further DNS messages in the DNS
 * ring until it is accounted. */
PF_STATIC_ASSERT(PF_SHARD_QUEUE_DEPTH *PF_DNS_TCP_MESSAGES <= PF_DNS_MORE_SLOTS,
                 "the DNS ring holds a full queue's further messages");

/* A queued packet: what accounting reads once the packet's counters are
 * counted and its flow key made. The frame itself is not kept (libpcap
 * lends it only for the duration of its callback). 112 bytes, aligned to
 * 128: a slot is two whole cache lines, and its address a shift of the
 * index rather than a multiply by 112 (-2 instructions a mixed frame). */
struct pf_queued_packet {
  struct pf_flow_probe probe;
  struct pf_tcp_segment seg;
  union { /* for the flow's part: a packet is DNS's or TLS's */
    struct pf_dns_queued dns; /* with PF_QUEUED_DNS */
    uint32_t tls_name;        /* with PF_QUEUED_TLS: a server name (tls.h) */
  };
  uint64_t now_us, ts_us; /* the shard's clock; the packet's timestamp */
  uint32_t wire_len;
  uint8_t dir;        /* enum pf_dir */
  uint8_t l4;         /* enum pf_l4 */
  uint8_t rule_class; /* its traffic class (class_counters.h) */
  uint8_t flags;      /* PF_QUEUED_* */
} __attribute__((aligned(128)));

#define PF_QUEUED_TLS 0x01   /* a TLS server name in .tls_name (tls.h) */
#define PF_QUEUED_TCP 0x02   /* a TCP header (not a later fragment) */
#define PF_QUEUED_SYN 0x04   /* anomaly evidence: a SYN without ACK/RST */
#define PF_QUEUED_DNS 0x08   /* a DNS transaction in .dns (dns.h) */
#define PF_QUEUED_PORTS 0x10 /* TCP, UDP or SCTP ports; the flow's side-0 \
                                mark as it is (epoch.h, PF_IV_PORTS(0)) */

struct pf_shard {
  struct pf_counters counters;
  struct pf_class_counters classes; /* per traffic class; empty without rules */
  struct pf_port_latency ports;     /* TCP timing per top port (PortTiming) */
  struct pf_flow_table flows;
  struct pf_dns_shard dns; /* DNS messages (dns.h) */
  struct pf_tls_shard tls; /* TLS hellos (tls.h) */
  struct pf_interval *cur; /* the capture thread writes here: feed[fcur].iv */
  struct pf_feed feed[2];  /* current and closing: roles swap (epoch.c) */
  uint8_t fcur;            /* feed[fcur] is current, feed[!fcur] closing */
  bool closing_open;       /* feed[!fcur] has an interval still being fed */
  struct pf_interval *ivs[3];   /* current, closing, and the reader's */
  uint32_t batch_packets;       /* packets since the last batch end */
  struct pf_packet_clock clock; /* packet time made monotonic */
  uint8_t host_prefix[2];       /* v4, v6 */
  /* Groups not reported, whose work is skipped (pf_shard_config); with
   * no list and no distinct count, flows are not fed at all. */
  bool skip_flows, skip_distinct, skip_top[PF_TOP_KIND_COUNT], skip_feed;
  /* Set by a live source (source.c): its ring streams through the cache
   * between a flow's packets, so entries and TCP records are asked for
   * ahead whatever the table's size, as packets are queued
   * (pf_shard_fetch_behind) and by the vector (shard_packet.c). */
  bool fetch_ahead;
  uint64_t seed[4];
  /* Packets counted but not yet accounted, in the order they came. */
  struct pf_queued_packet queue[PF_SHARD_QUEUE_DEPTH];
  unsigned queue_len;
  /* The flows each slot's interval listed, by family (feed_list.h; the
   * current interval's are lists[fcur]), and the first ref of each pool
   * handed out in the current interval: those are swept, not listed
   * (epoch.c). After the queue, where they move nothing the packet's part
   * reads. */
  struct pf_feed_list lists[2][2];
  uint32_t fresh[2];
  uint64_t feed_sweeps;     /* closes that swept the pools: a list was full */
  struct pf_feed_memo memo; /* the feed's last service hash (feed_hash.h) */
  /* queue_len changes with every packet. Whatever follows a shard in
   * memory (in bench-scaling, the next worker's fields, which the other
   * thread reads with every packet) must not share its cache line: without
   * this, two shards on two threads cost 322 instead of 240 ns a packet
   * (docs/PERFORMANCE_HISTORY.md, "Third pass"). */
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

/* ---- the per-packet path (shard_packet.c) ---- */

/* The per-packet pipeline after decoding: counters, flow table, TCP
 * analysis. ts_us is the packet's timestamp (microseconds since 1970 as a
 * two's complement value, packet_clock.h). Accounts the packet at once. */
void pf_shard_packet(struct pf_shard *s, const struct pf_packet *pkt,
                     enum pf_dir dir, enum pf_locality locality,
                     uint64_t ts_us);

/* pf_shard_packet by way of the vector: counts the packet, makes its flow
 * key and asks for its bucket, and accounts the whole vector first when it
 * is full. Packets are accounted in the order they came, with the same
 * outcome as pf_shard_packet; the capture thread uses this. */
void pf_shard_enqueue(struct pf_shard *s, const struct pf_packet *pkt,
                      enum pf_dir dir, enum pf_locality locality,
                      uint64_t ts_us);

/* For a shard with `fetch_ahead` (a live source's), after each
 * pf_shard_enqueue: asks for the flow entry and the TCP record of packets
 * queued earlier (shard_packet.c), so that they have arrived when the
 * vector runs. A hint: it changes nothing. A file's path does not call
 * it, and so pays nothing for it. */
void pf_shard_fetch_behind(struct pf_shard *s);

/* Accounts every queued packet. pf_shard_batch_end and pf_shard_expire
 * call it first, so nothing stays queued across a batch's end. */
void pf_shard_drain(struct pf_shard *s);

/* Ends a batch of packets: accounts what is queued, and feeds a bounded
 * share of the closing interval's flows (epoch.c). Called before the lock
 * is released after a batch. */
void pf_shard_batch_end(struct pf_shard *s);

/* Moves the shard's clock on to now_us (if later; packet_clock.h) and
 * expires up to `budget` flows. Called after each batch and on idle
 * capture timeouts. */
void pf_shard_expire(struct pf_shard *s, uint64_t now_us, unsigned budget);

/* pf_shard_expire with no bound, exact whatever the order of the LRU
 * lists: a file's final state. */
void pf_shard_expire_all(struct pf_shard *s, uint64_t now_us);

/* ---- intervals (epoch.c) ---- */

/* Reader, under the lock: hands over the interval swapped out at the
 * previous call, once the capture thread has fed it (a clean one at the
 * first call), with the packet parts (latency, anomaly evidence) of the
 * interval ending now, and swaps the current one out in its place
 * (fixed-size copies and pointer swaps). Returns NULL when the capture
 * thread has not finished feeding the previous one: then nothing is
 * swapped, and the current interval goes on. The reader owns the interval
 * returned until the next call and must pf_interval_reset it before
 * then.
 *
 * `final` (the capture thread has stopped: a file read to its end, a
 * tool): the reader feeds every flow itself, and the interval returned
 * holds everything counted so far. */
struct pf_interval *pf_shard_swap_interval(struct pf_shard *s, bool final);

/* Feeds the current interval every flow's bytes so far (tests, tools): its
 * sketches then hold every packet accounted. */
void pf_shard_settle(struct pf_shard *s);

#endif
