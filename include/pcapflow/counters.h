/* counters.h - the per-source traffic counters and how a packet adds to them.
 *
 * A struct pf_counters is plain data: a capture worker's shard holds one,
 * updated under the worker's per-batch lock; readers copy it under the same
 * lock (see source.h and shard.h). All counters are 64-bit and only ever grow.
 */
#ifndef PCAPFLOW_COUNTERS_H
#define PCAPFLOW_COUNTERS_H

#include <stdint.h>

/* Why a packet is malformed; PF_MAL_NONE for every other packet. The order
 * is the metric order, not the decode order. */
enum pf_malformed {
  PF_MAL_NONE = -1,
  PF_MAL_SNAPLEN = 0,
  PF_MAL_TRUNCATED,
  PF_MAL_TOO_DEEP,
  PF_MAL_IP_VERSION,
  PF_MAL_IPV4_HEADER,
  PF_MAL_IP_LENGTH,
  PF_MAL_IPV6_EXT,
  PF_MAL_L4_HEADER,
  PF_MAL_WIRE_LENGTH,
  PF_MAL_COUNT,
};

enum pf_dir {
  PF_DIR_RX,
  PF_DIR_TX,
  PF_DIR_COUNT,
};

/* Series that count packets and bytes in both directions. The first block
 * follows enum pf_l3, the second enum pf_l4, so a decoded packet maps to
 * its series by addition. */
enum pf_traffic_kind {
  PF_TRAFFIC_ALL,
  PF_TRAFFIC_IPV4,
  PF_TRAFFIC_IPV6,
  PF_TRAFFIC_NON_IP,
  PF_TRAFFIC_MALFORMED,
  PF_TRAFFIC_TCP,
  PF_TRAFFIC_UDP,
  PF_TRAFFIC_ICMP,
  PF_TRAFFIC_ICMPV6,
  PF_TRAFFIC_SCTP,
  PF_TRAFFIC_GRE,
  PF_TRAFFIC_OTHER,
  PF_TRAFFIC_FRAGMENT,
  PF_TRAFFIC_LOCAL_BOTH,
  PF_TRAFFIC_LOCAL_NEITHER,
  PF_TRAFFIC_LOCAL_UNKNOWN,
  PF_TRAFFIC_COUNT,
};

/* How a packet's direction was decided (docs/DECODING.md, "Direction"). */
enum pf_locality {
  PF_LOCALITY_SRC,     /* source local only: tx */
  PF_LOCALITY_DST,     /* destination local only: rx */
  PF_LOCALITY_BOTH,    /* both local: kernel direction */
  PF_LOCALITY_NEITHER, /* neither local: kernel direction */
  PF_LOCALITY_UNKNOWN, /* no IP addresses: kernel direction */
};

/* RMON-style packet size buckets by wire length. */
enum pf_size_bucket {
  PF_SIZE_0_64,
  PF_SIZE_65_127,
  PF_SIZE_128_255,
  PF_SIZE_256_511,
  PF_SIZE_512_1023,
  PF_SIZE_1024_1518,
  PF_SIZE_1519_MAX,
  PF_SIZE_COUNT,
};

enum pf_tcp_flag_kind {
  PF_TCPF_SYN,
  PF_TCPF_SYNACK,
  PF_TCPF_FIN,
  PF_TCPF_RST,
  PF_TCPF_COUNT,
};

struct pf_traffic {
  uint64_t packets[PF_DIR_COUNT];
  uint64_t octets[PF_DIR_COUNT];
};

static inline void pf_traffic_add(struct pf_traffic *t, enum pf_dir dir,
                                  uint32_t wire_len) {
  t->packets[dir]++;
  t->octets[dir] += wire_len;
}

static inline void pf_traffic_merge(struct pf_traffic *dst,
                                    const struct pf_traffic *src) {
  for (int d = 0; d < PF_DIR_COUNT; d++) {
    dst->packets[d] += src->packets[d];
    dst->octets[d] += src->octets[d];
  }
}

struct pf_counters {
  struct pf_traffic traffic[PF_TRAFFIC_COUNT];
  uint64_t size[PF_SIZE_COUNT][PF_DIR_COUNT];
  uint64_t tcp_flag[PF_TCPF_COUNT][PF_DIR_COUNT];
  uint64_t malformed[PF_MAL_COUNT];
};

/* Adds every counter of `src` to `dst` (merging shards or sources). */
void pf_counters_merge(struct pf_counters *dst, const struct pf_counters *src);

/* Names as they appear in type_instance ("ipv4", "size_65_127", …). */
const char *pf_traffic_name(enum pf_traffic_kind kind);
const char *pf_size_bucket_name(enum pf_size_bucket bucket);
const char *pf_tcp_flag_name(enum pf_tcp_flag_kind kind);
/* The malformed reason's name as used in metric names ("snaplen", …). */
const char *pf_malformed_name(enum pf_malformed reason);

#endif
